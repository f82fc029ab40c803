//! Stage 2: derive every number from a valid intent and the catalog.
//!
//! Owns the fixed order of decisions: expand memory tiers → CNI mode and env → per group max
//! pods and addresses held → subnet layout (adding secondary CIDRs and custom networking
//! only when the primary CIDR cannot hold the plan) → node facts, AMI, labels, taints,
//! autoscaler tags, costs → findings. Pure and deterministic: no files, no clock, no env.
//! Problems only visible here (a podsPerNode above what the ENIs allow) come back as
//! [`Diagnostic`]s with key paths, like validation errors.

pub mod access;
pub mod cni;
pub mod cost;
mod groups;
pub mod ip_budget;
pub mod ipamd;
mod kubelet;
pub mod rules;
pub mod subnets;

use crate::catalog::Catalog;
use crate::cidr::Ipv4Cidr;
use crate::diagnostic::Diagnostic;
use crate::intent::{Intent, NatGateway, SecondaryCidrs};
use crate::plan::{
    AutoscalingPlan, EndpointPlan, NetworkPlan, Plan, RegistryPlan, SubnetPlan, SubnetRole,
};

pub use cni::LARGE_CLUSTER_NODES;
pub use groups::{GroupDraft, expand_groups};

/// Resolve a validated intent into a plan. Returns diagnostics (exit 2) for intents that
/// validation accepted but whose numbers cannot work.
pub fn resolve(intent: &Intent, catalog: &Catalog) -> Result<Plan, Vec<Diagnostic>> {
    let Unlinted {
        mut plan,
        drafts,
        shortfall,
    } = resolve_parts(intent, catalog)?;
    let mut findings = rules::lint(&rules::Ctx::new(intent, &drafts, &plan, shortfall.as_ref()));
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.id.cmp(&b.id))
            .then(a.node_group.cmp(&b.node_group))
    });
    plan.findings = findings;
    Ok(plan)
}

/// A plan before its findings, with what the rules read besides it.
pub(crate) struct Unlinted {
    pub plan: Plan,
    /// The groups before sizing, one per plan group, in the same order.
    pub drafts: Vec<GroupDraft>,
    /// Why the subnets did not fit, when they did not.
    pub shortfall: Option<rules::Shortfall>,
}

/// Everything but the findings.
pub(crate) fn resolve_parts(
    intent: &Intent,
    catalog: &Catalog,
) -> Result<Unlinted, Vec<Diagnostic>> {
    let spec = &intent.spec;
    let net = &spec.network;
    let vpc: Ipv4Cidr = net.vpc_cidr.parse().map_err(|e: crate::cidr::CidrError| {
        vec![Diagnostic::new("spec.network.vpcCidr", e.to_string())]
    })?;
    let drafts = expand_groups(intent, catalog)?;

    let explicit_secondary: Vec<Ipv4Cidr> = match &net.secondary_cidrs {
        SecondaryCidrs::List(list) => list.iter().filter_map(|c| c.parse().ok()).collect(),
        _ => Vec::new(),
    };
    // Custom networking is on from the start with explicit secondary CIDRs; with `auto`, only
    // when the primary CIDR cannot hold the plan.
    let mut custom_networking = !explicit_secondary.is_empty();
    let mut attempt = groups::size_groups(intent, &drafts, custom_networking)?;
    let mut layout = lay_out(
        intent,
        vpc,
        &explicit_secondary,
        &attempt,
        custom_networking,
    );
    let mut secondary_reason = if custom_networking {
        "set in the intent; pods use custom networking".to_string()
    } else {
        "none needed: the primary CIDR holds every subnet at max scale".to_string()
    };
    if layout.is_err() && net.secondary_cidrs == SecondaryCidrs::Auto {
        custom_networking = true;
        attempt = groups::size_groups(intent, &drafts, true)?;
        layout = lay_out(intent, vpc, &[], &attempt, true);
        if let Ok(l) = &layout {
            secondary_reason = format!(
                "auto: the primary {vpc} cannot hold the pods' addresses at max scale, so pods move to {} with custom networking",
                l.secondary
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    let mut shortfall = None;
    let (subnets, secondary) = match layout {
        Ok(l) => (l.subnets, l.secondary),
        Err(short) => {
            shortfall = Some(short);
            (Vec::new(), explicit_secondary.clone())
        }
    };

    let node_groups = groups::finish_groups(intent, &drafts, &attempt);
    let registry = spec.registry.as_ref().map(|r| {
        let region = r.region.clone().unwrap_or_else(|| spec.region.clone());
        let monthly = match (r.image_size_gi_b, r.scale_outs_per_day) {
            (Some(size), Some(per_day)) => Some(size * f64::from(per_day) * 30.0),
            _ => None,
        };
        RegistryPlan {
            cross_region: region != spec.region,
            region,
            image_size_gib: r.image_size_gi_b,
            scale_outs_per_day: r.scale_outs_per_day,
            monthly_transfer_gib: monthly,
        }
    });

    let mut plan = Plan {
        cluster: intent.metadata.name.clone(),
        region: spec.region.clone(),
        kubernetes_version: spec.kubernetes_version.0.clone(),
        eks_module: spec.terraform.eks_module.as_str().to_string(),
        endpoint: EndpointPlan {
            public_access: spec.endpoint.public_access,
            private_access: true,
            public_access_cidrs: spec.endpoint.public_access_cidrs.clone(),
            private_access_cidrs: spec.endpoint.private_access_cidrs.clone(),
        },
        tags: spec.tags.clone(),
        autoscaling: AutoscalingPlan {
            cluster_autoscaler: spec.autoscaling.cluster_autoscaler,
            karpenter: spec.autoscaling.karpenter,
            karpenter_node_role: spec.autoscaling.karpenter.then(|| {
                format!(
                    "{}{}",
                    crate::plan::KARPENTER_NODE_ROLE_PREFIX,
                    intent.metadata.name
                )
            }),
            karpenter_min_version: groups::karpenter_min_version(&node_groups),
        },
        network: NetworkPlan {
            vpc_cidr: vpc,
            secondary_cidrs: secondary,
            secondary_cidrs_reason: secondary_reason,
            custom_networking,
            availability_zones: net.availability_zones.clone(),
            nat_gateway: match net.nat_gateway {
                NatGateway::PerAz => "per-az",
                NatGateway::Single => "single",
            }
            .to_string(),
            cni: attempt.cni.clone(),
            subnets,
            vpc_endpoints: access::vpc_endpoints(net.interface_endpoints),
        },
        node_groups,
        registry,
        cluster_admins: access::cluster_admins(&spec.access.cluster_admins),
        workload_roles: access::workload_roles(
            &intent.metadata.name,
            spec.autoscaling.cluster_autoscaler,
        ),
        cost: crate::plan::CostPlan::default(),
        findings: Vec::new(),
    };
    let price_regions: Vec<String> = drafts
        .iter()
        .map(|d| d.types[0].price_region.clone())
        .collect();
    plan.cost = cost::cluster_cost(&plan, &price_regions);
    Ok(Unlinted {
        plan,
        drafts,
        shortfall,
    })
}

struct Layout {
    subnets: Vec<SubnetPlan>,
    secondary: Vec<Ipv4Cidr>,
}

/// Lay out subnets for one sizing attempt; `Err` is the shortfall (finding EKSG003).
fn lay_out(
    intent: &Intent,
    vpc: Ipv4Cidr,
    explicit_secondary: &[Ipv4Cidr],
    sized: &groups::Sizing,
    custom_networking: bool,
) -> Result<Layout, rules::Shortfall> {
    let azs = &intent.spec.network.availability_zones;
    let private_needs: Vec<u64> = azs
        .iter()
        .map(|az| sized.node_subnet_need(az) + access::PRIVATE_SUBNET_RESERVE)
        .collect();
    let pod_needs: Vec<u64> = azs.iter().map(|az| sized.pod_subnet_need(az)).collect();
    let primary = subnets::layout_primary(vpc, &private_needs).map_err(|needed| {
        shortfall_finding(
            format!("primary CIDR {vpc}"),
            needed,
            vpc.size(),
            if custom_networking {
                "even the nodes' own addresses do not fit: widen vpcCidr".to_string()
            } else {
                match intent.spec.network.secondary_cidrs {
                    SecondaryCidrs::None => "widen vpcCidr, lower scaling.max / podsPerNode, or set `secondaryCidrs: auto` so pods move to 100.64.0.0/10 with custom networking".to_string(),
                    _ => "widen vpcCidr or lower scaling.max / podsPerNode".to_string(),
                }
            },
        )
    })?;
    let mut out = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        out.push(SubnetPlan {
            name: format!("private-{az}"),
            az: az.clone(),
            role: SubnetRole::Private,
            cidr: primary.private[i],
            usable_ips: primary.private[i].usable(),
            ips_needed_at_max: private_needs[i],
            reason: format!(
                "{}; {}",
                subnet_reason(
                    private_needs[i],
                    primary.private[i],
                    primary.grown,
                    if custom_networking {
                        "node primary addresses"
                    } else {
                        "nodes and pods"
                    },
                ),
                access::private_subnet_reserve_reason()
            ),
        });
    }
    for (i, az) in azs.iter().enumerate() {
        out.push(SubnetPlan {
            name: format!("public-{az}"),
            az: az.clone(),
            role: SubnetRole::Public,
            cidr: primary.public[i],
            usable_ips: primary.public[i].usable(),
            ips_needed_at_max: 0,
            reason: format!(
                "/{} for load balancers and the NAT gateway",
                primary.public[i].prefix()
            ),
        });
    }
    let mut secondary = explicit_secondary.to_vec();
    if custom_networking {
        let pods = if explicit_secondary.is_empty() {
            // Add /16s from 100.64.0.0/10 until the pod subnets fit (VPC quota: 4 besides the
            // primary), skipping the ranges in use elsewhere (`avoidCidrs`, valid after
            // validation). AWS associates 100.64.0.0/10 blocks with every primary range; the
            // filter keeps that promise checked against the association table.
            let mut taken = vec![vpc];
            taken.extend(
                intent
                    .spec
                    .network
                    .avoid_cidrs
                    .iter()
                    .filter_map(|c| c.parse::<Ipv4Cidr>().ok()),
            );
            let candidates: Vec<Ipv4Cidr> = subnets::auto_secondary_candidates(&taken)
                .into_iter()
                .filter(|c| crate::intent::aws_limits::association_refusal(vpc, *c).is_none())
                .collect();
            let mut result = Err(0);
            for count in 1..=candidates.len().min(crate::intent::CIDR_BLOCKS_PER_VPC - 1) {
                result = subnets::layout_pods(&candidates[..count], &pod_needs);
                if result.is_ok() {
                    secondary = candidates[..count].to_vec();
                    break;
                }
            }
            result.map_err(|needed| {
                shortfall_finding(
                    "auto secondary CIDRs (up to 4 x /16)".to_string(),
                    needed,
                    4 * 65_536,
                    "one AZ needs more than a /16 of pod addresses: lower scaling.max or podsPerNode, or add zones".to_string(),
                )
            })?
        } else {
            subnets::layout_pods(explicit_secondary, &pod_needs).map_err(|needed| {
                shortfall_finding(
                    format!(
                        "secondaryCidrs {}",
                        explicit_secondary.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                    ),
                    needed,
                    explicit_secondary.iter().map(|c| c.size()).sum(),
                    "add or widen secondary CIDRs (a /16 holds 65,536 addresses), or lower scaling.max / podsPerNode".to_string(),
                )
            })?
        };
        for (i, az) in azs.iter().enumerate() {
            out.push(SubnetPlan {
                name: format!("pods-{az}"),
                az: az.clone(),
                role: SubnetRole::Pod,
                cidr: pods[i],
                usable_ips: pods[i].usable(),
                ips_needed_at_max: pod_needs[i],
                reason: subnet_reason(
                    pod_needs[i],
                    pods[i],
                    pods[i].prefix() < Ipv4Cidr::prefix_for_usable(pod_needs[i]),
                    "pod addresses (custom networking)",
                ),
            });
        }
    }
    Ok(Layout {
        subnets: out,
        secondary,
    })
}

fn subnet_reason(need: u64, block: Ipv4Cidr, grown: bool, what: &str) -> String {
    let minimal = Ipv4Cidr::prefix_for_usable(need);
    let mut r = format!(
        "{need} addresses for {what} at max scale plus update surge need a /{minimal} ({} usable after AWS's 5 reserved)",
        Ipv4Cidr::new(0, minimal).usable()
    );
    if grown && block.prefix() < minimal {
        r.push_str(&format!(
            "; grown to /{} to use the free space evenly",
            block.prefix()
        ));
    }
    r
}

fn shortfall_finding(space: String, needed: u64, available: u64, hint: String) -> rules::Shortfall {
    rules::Shortfall {
        space,
        needed,
        available,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::plan::Plan;

    fn plan(version: &str, network_extra: &str, groups: &str) -> Plan {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: t
spec:
  region: us-west-2
  kubernetesVersion: \"{version}\"
  network:
    vpcCidr: 10.0.0.0/24
    availabilityZones: [us-west-2a, us-west-2b, us-west-2c]
    cni: {{ mode: secondary-ip, warmEniTarget: 1 }}
{network_extra}  nodeGroups:
{groups}"
        );
        let catalog = Catalog::embedded();
        let intent = crate::intent::parse_and_validate(&text, "t.yaml", catalog)
            .unwrap_or_else(|e| panic!("{e}"));
        super::resolve(&intent, catalog).unwrap_or_else(|e| panic!("{e:?}"))
    }

    const ONE_POD_NODES: &str = "    - { name: ds, instanceTypes: [r5.16xlarge], onePodPerNode: true, podsPerNode: 1, scaling: { min: 12, desired: 12, max: 12 } }\n";

    fn secondary(p: &Plan) -> Vec<String> {
        p.network
            .secondary_cidrs
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn auto_secondary_cidrs_skip_ranges_in_use_elsewhere() {
        let p = plan("1.34", "", ONE_POD_NODES);
        assert_eq!(secondary(&p), ["100.64.0.0/16"]);
        let p = plan(
            "1.34",
            "    avoidCidrs: [100.64.0.0/15, 100.66.128.0/24]\n",
            ONE_POD_NODES,
        );
        assert!(!p.has_errors(), "{:?}", p.findings);
        assert_eq!(secondary(&p), ["100.67.0.0/16"]);
    }

    fn ids(p: &Plan) -> Vec<&str> {
        p.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn extended_support_is_a_dated_warning() {
        let group = "    - { name: s, instanceTypes: [m6i.large], scaling: { min: 1, desired: 1, max: 2 } }\n";
        let p = plan("1.32", "", group);
        let f = p
            .findings
            .iter()
            .find(|f| f.id == "EKSG022")
            .expect("EKSG022");
        assert_eq!(f.severity, crate::plan::Severity::Warning);
        assert!(f.message.contains("2026-03-23"), "{}", f.message);
        assert!(f.message.contains("until 2027-03-23"), "{}", f.message);
        assert!(f.hint.contains("1.34"), "{}", f.hint);
        assert!(!ids(&plan("1.34", "", group)).contains(&"EKSG022"));
    }

    #[test]
    fn quota_findings_name_the_quota_and_the_increase() {
        let vpc = "    secondaryCidrs: auto\n";
        // 31 managed groups of one node each: above the 30 per cluster.
        let many: String = (0..31)
            .map(|i| format!("    - {{ name: g{i}, instanceTypes: [m6i.large], scaling: {{ min: 0, desired: 0, max: 1 }} }}\n"))
            .collect();
        let p = plan("1.34", vpc, &many);
        let f = p
            .findings
            .iter()
            .find(|f| f.id == "EKSG023")
            .expect("EKSG023");
        assert!(
            f.message.contains("Managed node groups per cluster"),
            "{}",
            f.message
        );
        assert!(f.hint.contains("Service Quotas"), "{}", f.hint);
        let thirty: String = many.lines().take(30).map(|l| format!("{l}\n")).collect();
        assert!(!ids(&plan("1.34", vpc, &thirty)).contains(&"EKSG023"));
        // 451 nodes in one managed group; 450 is the quota.
        let big = |max: u32| {
            format!(
                "    - {{ name: big, instanceTypes: [m6i.large], podsPerNode: 4, scaling: {{ min: 0, desired: 0, max: {max} }} }}\n"
            )
        };
        let wide = "    secondaryCidrs: auto\n";
        assert!(ids(&plan("1.34", wide, &big(451))).contains(&"EKSG024"));
        assert!(!ids(&plan("1.34", wide, &big(450))).contains(&"EKSG024"));
        // One Auto Scaling group per managed or self-managed group: 501 > 500.
        let asgs = |n: usize| -> String {
            (0..n)
                .map(|i| format!("    - {{ name: a{i}, provisioner: self-managed, instanceTypes: [m6i.large], scaling: {{ min: 0, desired: 0, max: 1 }} }}\n"))
                .collect()
        };
        assert!(ids(&plan("1.34", vpc, &asgs(501))).contains(&"EKSG025"));
        assert!(!ids(&plan("1.34", vpc, &asgs(500))).contains(&"EKSG025"));
    }

    #[test]
    fn a_capacity_block_zone_pins_the_group() {
        let group = "    - name: cb
      instanceTypes: [p5.48xlarge]
      capacityType: capacity-block
      capacityReservationId: cr-0123456789abcdef0
      capacityReservationZone: us-west-2b
      scaling: { min: 0, desired: 1, max: 1 }
";
        let p = plan("1.34", "    secondaryCidrs: auto\n", group);
        let g = p.node_group("cb").unwrap();
        assert_eq!(g.availability_zones, ["us-west-2b"]);
        assert!(
            g.availability_zones_reason
                .contains("capacityReservationZone")
        );
    }
}
