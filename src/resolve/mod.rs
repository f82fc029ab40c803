//! Stage 2: derive every number from a valid intent and the catalog.
//!
//! Owns the fixed order of decisions: expand memory tiers → CNI mode and env → per group max
//! pods and addresses held → subnet layout (adding secondary CIDRs and custom networking
//! only when the primary CIDR cannot hold the plan) → node facts, AMI (path and pinned
//! release), labels, taints, autoscaler tags, add-on versions, costs → findings. Pure and deterministic: no files, no clock, no env.
//! Problems only visible here (a podsPerNode above what the ENIs allow) come back as
//! [`Diagnostic`]s with key paths, like validation errors.

pub mod access;
pub mod autoscalers;
pub mod charts;
pub mod cni;
pub mod cost;
mod existing_cluster;
mod existing_vpc;
mod groups;
pub mod ip_budget;
pub mod ipamd;
mod karpenter;
mod kubelet;
mod launch;
mod pinning;
pub mod pull_model;
pub mod registry;
pub mod rules;
pub mod storage;
pub mod subnets;
mod training;
mod workload;

use crate::catalog::Catalog;
use crate::cidr::Ipv4Cidr;
use crate::diagnostic::Diagnostic;
use crate::intent::{Intent, SecondaryCidrs};
use crate::lock::{LayoutPins, Pins};
use crate::plan::{AutoscalingPlan, EndpointPlan, NetworkPlan, Plan, SubnetPlan, SubnetRole};

pub use cni::LARGE_CLUSTER_NODES;
pub use groups::{GroupDraft, expand_groups};

/// Resolve a validated intent into a plan. Returns diagnostics (exit 2) for intents that
/// validation accepted but whose numbers cannot work.
pub fn resolve(intent: &Intent, catalog: &Catalog) -> Result<Plan, Vec<Diagnostic>> {
    resolve_with(intent, catalog, &Pins::default())
}

/// [`resolve`], keeping what a lock file recorded (`pins`): recorded subnets keep their
/// CIDRs and their positions in the VPC module's lists, new ones go into free space; the
/// Kubernetes version moves up one minor at most; groups keep their AMI release and AMI
/// path, add-ons their version. An intent that cannot keep them (a subnet that would move,
/// a downgrade, a managed group that would change AMI path) is an error naming what
/// Terraform would replace.
pub fn resolve_with(
    intent: &Intent,
    catalog: &Catalog,
    pins: &Pins,
) -> Result<Plan, Vec<Diagnostic>> {
    let Unlinted {
        mut plan,
        drafts,
        shortfall,
    } = resolve_parts(intent, catalog, pins)?;
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
    lock: &Pins,
) -> Result<Unlinted, Vec<Diagnostic>> {
    pinning::check_kubernetes(intent, lock)?;
    let pins = lock.layout.as_ref();
    let net = &intent.spec.network;
    let drafts = expand_groups(intent, catalog)?;
    if let Some(existing) = &net.existing_vpc {
        // A VPC eksgen did not create: its subnets are the user's, not the lock's layout.
        let network = existing_vpc::network(intent, existing, &drafts)?;
        return finish(
            intent,
            catalog,
            lock,
            drafts,
            network.plan,
            &network.sizing,
            network.shortfall,
        );
    }
    let vpc: Ipv4Cidr = net
        .vpc_cidr
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e: crate::cidr::CidrError| {
            vec![Diagnostic::new("spec.network.vpcCidr", e.to_string())]
        })?;
    let zones = zone_order(&net.availability_zones, pins)?;

    let explicit_secondary: Vec<Ipv4Cidr> = match &net.secondary_cidrs {
        SecondaryCidrs::List(list) => list.iter().filter_map(|c| c.parse().ok()).collect(),
        _ => Vec::new(),
    };
    // Custom networking is on from the start with explicit secondary CIDRs; with `auto`, only
    // when the primary CIDR cannot hold the plan.
    // A layout that already moved pods to secondary CIDRs keeps them there: moving them
    // back would replace the pod subnets and every running pod's address.
    let locked_pods = pins.is_some_and(|p| !p.secondary_cidrs.is_empty())
        && net.secondary_cidrs == SecondaryCidrs::Auto;
    let mut custom_networking = !explicit_secondary.is_empty() || locked_pods;
    let mut attempt = groups::size_groups(intent, &drafts, custom_networking)?;
    let mut layout = lay_out(
        intent,
        &zones,
        vpc,
        &explicit_secondary,
        &attempt,
        custom_networking,
        pins,
    );
    let mut secondary_reason = if locked_pods {
        "kept from the lock file: pods already use these blocks with custom networking".to_string()
    } else if custom_networking {
        "set in the intent; pods use custom networking".to_string()
    } else {
        "none needed: the primary CIDR holds every subnet at max scale".to_string()
    };
    // With `auto`, pods move to secondary CIDRs when the primary cannot hold them, or when
    // holding them would move subnets the lock records.
    if layout.is_err() && net.secondary_cidrs == SecondaryCidrs::Auto && !custom_networking {
        custom_networking = true;
        attempt = groups::size_groups(intent, &drafts, true)?;
        let retry = lay_out(intent, &zones, vpc, &[], &attempt, true, pins);
        // A retry that only moves subnets is no better than the first answer when that
        // was a shortfall; report the moves when those are what stands in the way.
        layout = match (layout, retry) {
            (Err(LayoutFailure::Moves(m)), Err(_)) => Err(LayoutFailure::Moves(m)),
            (_, retry) => retry,
        };
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
        Err(LayoutFailure::Shortfall(short)) => {
            shortfall = Some(*short);
            (Vec::new(), explicit_secondary.clone())
        }
        Err(LayoutFailure::Moves(moves)) => return Err(vec![moves_diagnostic(&moves)]),
    };
    let network = NetworkPlan {
        vpc_cidr: vpc,
        secondary_cidrs: secondary,
        secondary_cidrs_reason: secondary_reason,
        custom_networking,
        availability_zones: zones,
        nat_gateway: net.nat_gateway,
        cni: attempt.cni.clone(),
        subnets,
        existing_vpc: None,
        vpc_endpoints: access::vpc_endpoints(net.interface_endpoints),
        network_policy: None,
    };
    finish(intent, catalog, lock, drafts, network, &attempt, shortfall)
}

/// Node facts, pinned versions, costs and the cluster-wide plan once the network is laid
/// out.
fn finish(
    intent: &Intent,
    catalog: &Catalog,
    pins: &Pins,
    drafts: Vec<GroupDraft>,
    network: NetworkPlan,
    attempt: &groups::Sizing,
    shortfall: Option<rules::Shortfall>,
) -> Result<Unlinted, Vec<Diagnostic>> {
    let spec = &intent.spec;
    let env_on = |k: &str| attempt.cni.env.get(k).is_some_and(|v| v == "true");
    let ctx = pinning::AmiContext {
        releases: catalog.releases(),
        pins,
        kubernetes: &spec.kubernetes_version.0,
        prefix_delegation: env_on("ENABLE_PREFIX_DELEGATION"),
        custom_networking: env_on("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"),
    };
    let node_groups = groups::finish_groups(intent, &drafts, attempt, &ctx);
    let addon_versions = pinning::addon_versions(intent, catalog.releases(), pins);
    let (node_groups, addon_versions) = match (node_groups, addon_versions) {
        (Ok(g), Ok(a)) => (g, a),
        (g, a) => {
            let mut problems = g.err().unwrap_or_default();
            problems.extend(a.err().unwrap_or_default());
            return Err(problems);
        }
    };
    let paths: Vec<String> = drafts.iter().map(|d| d.path.clone()).collect();
    let flips = pinning::path_flips(&node_groups, &paths, pins);
    if !flips.is_empty() {
        return Err(flips);
    }
    let registry = spec
        .registry
        .as_ref()
        .map(|r| registry::plan(r, &spec.region));

    let karpenter = karpenter::install(intent, &network);
    let ebs_csi_driver = storage::ebs_csi_driver(&node_groups);
    let helm = charts::helm_plan(
        spec.helm.install,
        spec.autoscaling.cluster_autoscaler,
        spec.autoscaling.karpenter,
        &node_groups,
    );
    let network = NetworkPlan {
        network_policy: spec.network.network_policy.then(network_policy),
        ..network
    };
    let mut plan = Plan {
        cluster: intent.metadata.name.clone(),
        region: spec.region.clone(),
        kubernetes_version: spec.kubernetes_version.0.clone(),
        eks_module: spec.terraform.eks_module,
        terraform_layout: spec.terraform.layout,
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
            karpenter_min_version: groups::karpenter_min_version(&node_groups),
            karpenter_node_role: karpenter.as_ref().and_then(|k| k.node_role.clone()),
            karpenter_aws_resources: karpenter.as_ref().map(|k| k.aws_resources),
            karpenter_node_class: karpenter.map(|k| k.node_class),
            cluster_autoscaler_config: spec
                .autoscaling
                .cluster_autoscaler
                .then(|| autoscalers::cluster_autoscaler(&spec.kubernetes_version.0, &node_groups)),
            karpenter_controller: None,
        },
        network,
        device_plugins: workload::device_plugins(&node_groups),
        node_groups,
        addon_versions,
        registry,
        cluster_admins: access::cluster_admins(&spec.access.cluster_admins),
        // An existing cluster's controllers keep the credentials they have today: eksgen
        // creates no roles for them (and its node groups keep the node role's CNI policy).
        workload_roles: if spec.existing_cluster.is_some() {
            Vec::new()
        } else {
            access::workload_roles(
                &intent.metadata.name,
                spec.autoscaling.cluster_autoscaler,
                spec.node_groups.iter().any(|g| g.zonal_stateful),
            )
        },
        ebs_csi_driver,
        helm,
        cost: crate::plan::CostPlan::default(),
        existing_cluster: None,
        findings: Vec::new(),
    };
    if let Some(cluster) = &spec.existing_cluster {
        plan.existing_cluster = Some(existing_cluster::expectations(cluster, &plan));
    }
    let price_regions: Vec<String> = drafts
        .iter()
        .map(|d| d.types[0].price_region.clone())
        .collect();
    plan.cost = cost::cluster_cost(&plan, &price_regions);
    for group in &mut plan.node_groups {
        group.storage = storage::storage_for(group);
    }
    if spec.autoscaling.karpenter {
        plan.autoscaling.karpenter_controller = Some(autoscalers::karpenter_controller(
            &plan.cluster,
            plan.autoscaling.karpenter_min_version.as_ref(),
            &plan.node_groups,
        ));
    }
    Ok(Unlinted {
        plan,
        drafts,
        shortfall,
    })
}

/// VPC CNI NetworkPolicy enforcement and the policies eksgen renders with it.
fn network_policy() -> crate::plan::NetworkPolicyPlan {
    crate::plan::NetworkPolicyPlan {
        enable_network_policy: "true".into(),
        dns_namespace: "kube-system".into(),
        dns_pod_label: "k8s-app".into(),
        dns_pod_label_value: "kube-dns".into(),
        pod_identity_agent_cidr: "169.254.170.23/32".into(),
        pod_identity_agent_port: 80,
        policies_file: "workloads/default-deny.network-policy.yaml".into(),
        reason: "network.networkPolicy: the vpc-cni add-on's network policy agent enforces \
                 Kubernetes NetworkPolicy (EKS user guide, \"Limit pod traffic with Kubernetes \
                 network policies\"; configuration value enableNetworkPolicy). Without a \
                 policy every pod, a Dask scheduler included, accepts traffic from every other \
                 pod; the rendered policies deny everything in a namespace, then allow DNS to \
                 CoreDNS (kube-system, k8s-app=kube-dns, the label the EKS CoreDNS add-on's \
                 pods carry), to the EKS Pod Identity agent (169.254.170.23:80 on every node, \
                 where pods with a Pod Identity association get AWS credentials; the network \
                 policy agent filters link-local traffic too) and between pods of the same \
                 namespace"
            .into(),
    }
}

struct Layout {
    subnets: Vec<SubnetPlan>,
    secondary: Vec<Ipv4Cidr>,
}

/// Why a layout attempt failed.
enum LayoutFailure {
    /// The space is too small: the shortfall finding.
    Shortfall(Box<rules::Shortfall>),
    /// The intent fits only if recorded subnets move.
    Moves(Vec<Move>),
}

/// A recorded subnet that would have to move.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Move {
    subnet: String,
    /// `module.vpc.aws_subnet.private[0]`: what Terraform would replace.
    resource: String,
    why: String,
}

/// The zones in the order of the VPC module's lists: the lock's order first (a subnet's
/// position is its resource key), new zones after it in intent order. A recorded zone that
/// left the intent before a zone that stays would shift the later zones' positions, so
/// their subnets count as moving.
fn zone_order(
    intent_zones: &[String],
    pins: Option<&LayoutPins>,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let Some(pins) = pins else {
        return Ok(intent_zones.to_vec());
    };
    let mut zones: Vec<String> = pins
        .zones
        .iter()
        .filter(|z| intent_zones.contains(z))
        .cloned()
        .collect();
    let mut moves = Vec::new();
    for (new_index, zone) in zones.iter().enumerate() {
        let old_index = pins
            .zones
            .iter()
            .position(|z| z == zone)
            .unwrap_or(new_index);
        if old_index != new_index {
            for (role, list) in [
                ("private", "private"),
                ("public", "public"),
                ("pods", "intra"),
            ] {
                let name = format!("{role}-{zone}");
                if pins.subnet(&name).is_some() {
                    moves.push(Move {
                        resource: format!("module.vpc.aws_subnet.{list}[{old_index}]"),
                        why: format!(
                            "a zone before it left the intent, so it would become {list}[{new_index}]"
                        ),
                        subnet: name,
                    });
                }
            }
        }
    }
    if !moves.is_empty() {
        return Err(vec![moves_diagnostic(&moves)]);
    }
    zones.extend(
        intent_zones
            .iter()
            .filter(|z| !pins.zones.contains(z))
            .cloned(),
    );
    Ok(zones)
}

fn moves_diagnostic(moves: &[Move]) -> Diagnostic {
    let list = moves
        .iter()
        .map(|m| format!("{} ({}): {}", m.subnet, m.resource, m.why))
        .collect::<Vec<_>>()
        .join("; ");
    Diagnostic::new(
        "spec.network",
        format!(
            "the intent no longer fits the subnet layout recorded in the lock file without moving {} subnet(s): {list}. Terraform would replace them, and with them the nodes, NAT gateways, load balancers and pod addresses they hold",
            moves.len()
        ),
    )
    .hint(
        "keep the layout (lower scaling.max or podsPerNode, add a zone, or add secondary CIDRs), or accept the replacement with `eksgen render --relayout` (preview it with `eksgen diff --relayout`)",
    )
}

/// What the VPC module calls a role's subnet list.
fn module_list(role: SubnetRole) -> &'static str {
    match role {
        // Control-plane subnets exist only in VPCs eksgen did not create (no module lists).
        SubnetRole::Private | SubnetRole::ControlPlane => "private",
        SubnetRole::Public => "public",
        SubnetRole::Pod => "intra",
    }
}

/// Lay out subnets for one sizing attempt, in zone order `azs`; with `pins`, recorded
/// subnets stay where they are.
fn lay_out(
    intent: &Intent,
    azs: &[String],
    vpc: Ipv4Cidr,
    explicit_secondary: &[Ipv4Cidr],
    sized: &groups::Sizing,
    custom_networking: bool,
    pins: Option<&LayoutPins>,
) -> Result<Layout, LayoutFailure> {
    let private_needs: Vec<u64> = azs
        .iter()
        .map(|az| sized.node_subnet_need(az) + access::PRIVATE_SUBNET_RESERVE)
        .collect();
    let pod_needs: Vec<u64> = azs.iter().map(|az| sized.pod_subnet_need(az)).collect();
    let primary_shortfall = |needed: u64| {
        LayoutFailure::Shortfall(Box::new(shortfall_finding(
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
        )))
    };
    let primary = match pins {
        None => subnets::layout_primary(vpc, &private_needs).map_err(primary_shortfall)?,
        Some(pins) => stable_primary(vpc, azs, &private_needs, pins).map_err(|e| match e {
            StableFailure::Moves(m) => LayoutFailure::Moves(m),
            StableFailure::NoRoom(needed) => primary_shortfall(needed),
        })?,
    };
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
            id: None,
            used_ips: 0,
            route_table_id: None,
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
            id: None,
            used_ips: 0,
            route_table_id: None,
        });
    }
    let mut secondary = explicit_secondary.to_vec();
    if custom_networking {
        let auto_shortfall = |needed: u64| {
            LayoutFailure::Shortfall(Box::new(shortfall_finding(
                "auto secondary CIDRs (up to 4 x /16)".to_string(),
                needed,
                4 * 65_536,
                "one AZ needs more than a /16 of pod addresses: lower scaling.max or podsPerNode, or add zones".to_string(),
            )))
        };
        let explicit_shortfall = |needed: u64| {
            LayoutFailure::Shortfall(Box::new(shortfall_finding(
                format!(
                    "secondaryCidrs {}",
                    explicit_secondary.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ),
                needed,
                explicit_secondary.iter().map(|c| c.size()).sum(),
                "add or widen secondary CIDRs (a /16 holds 65,536 addresses), or lower scaling.max / podsPerNode".to_string(),
            )))
        };
        let pods = if explicit_secondary.is_empty() {
            // Add /16s from 100.64.0.0/10 until the pod subnets fit (VPC quota: 4 besides the
            // primary), skipping the ranges in use elsewhere (`avoidCidrs`, valid after
            // validation). AWS associates 100.64.0.0/10 blocks with every primary range; the
            // filter keeps that promise checked against the association table. Blocks the
            // lock records come first and stay.
            let recorded: Vec<Ipv4Cidr> =
                pins.map(|p| p.secondary_cidrs.clone()).unwrap_or_default();
            let mut taken = vec![vpc];
            taken.extend(recorded.iter().copied());
            taken.extend(
                intent
                    .spec
                    .network
                    .avoid_cidrs
                    .iter()
                    .filter_map(|c| c.parse::<Ipv4Cidr>().ok()),
            );
            let mut candidates = recorded.clone();
            candidates.extend(
                subnets::auto_secondary_candidates(&taken)
                    .into_iter()
                    .filter(|c| crate::intent::aws_limits::association_refusal(vpc, *c).is_none()),
            );
            let mut result = Err(LayoutFailure::Shortfall(Box::new(shortfall_finding(
                "auto secondary CIDRs (up to 4 x /16)".to_string(),
                0,
                4 * 65_536,
                String::new(),
            ))));
            let first = recorded.len().max(1);
            for count in first
                ..=candidates
                    .len()
                    .min(crate::intent::CIDR_BLOCKS_PER_VPC - 1)
                    .max(first)
            {
                let spaces = &candidates[..count.min(candidates.len())];
                result = match pins {
                    None => subnets::layout_pods(spaces, &pod_needs).map_err(auto_shortfall),
                    Some(pins) => stable_pods(spaces, azs, &pod_needs, pins).map_err(|e| match e {
                        StableFailure::Moves(m) => LayoutFailure::Moves(m),
                        StableFailure::NoRoom(needed) => auto_shortfall(needed),
                    }),
                };
                match &result {
                    Ok(_) => {
                        secondary = spaces.to_vec();
                        break;
                    }
                    Err(LayoutFailure::Moves(_)) => break,
                    Err(LayoutFailure::Shortfall(_)) => {}
                }
            }
            result?
        } else {
            match pins {
                None => subnets::layout_pods(explicit_secondary, &pod_needs)
                    .map_err(explicit_shortfall)?,
                Some(pins) => {
                    stable_pods(explicit_secondary, azs, &pod_needs, pins).map_err(|e| match e {
                        StableFailure::Moves(m) => LayoutFailure::Moves(m),
                        StableFailure::NoRoom(needed) => explicit_shortfall(needed),
                    })?
                }
            }
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
                id: None,
                used_ips: 0,
                route_table_id: None,
            });
        }
    }
    Ok(Layout {
        subnets: out,
        secondary,
    })
}

enum StableFailure {
    Moves(Vec<Move>),
    NoRoom(u64),
}

/// Turns the layout's failure for the subnets `names` (in request order) into moves.
fn stable_failure(e: subnets::StableError, names: &[(String, SubnetRole, usize)]) -> StableFailure {
    match e {
        subnets::StableError::NoRoom(needed) => StableFailure::NoRoom(needed),
        subnets::StableError::Moves(moves) => StableFailure::Moves(
            moves
                .into_iter()
                .map(|(i, why)| {
                    let (name, role, index) = &names[i];
                    Move {
                        subnet: name.clone(),
                        resource: format!("module.vpc.aws_subnet.{}[{index}]", module_list(*role)),
                        why,
                    }
                })
                .collect(),
        ),
    }
}

/// Private and public subnets keeping the lock's blocks; new private subnets get their
/// recorded siblings' size when the free space allows.
fn stable_primary(
    vpc: Ipv4Cidr,
    azs: &[String],
    private_needs: &[u64],
    pins: &LayoutPins,
) -> Result<subnets::PrimaryLayout, StableFailure> {
    let public = subnets::public_prefix(vpc);
    let sibling = |role: &str| {
        azs.iter()
            .filter_map(|az| pins.subnet(&format!("{role}-{az}")))
            .map(Ipv4Cidr::prefix)
            .min()
    };
    let private_sibling = sibling("private");
    let mut requests = Vec::new();
    let mut names = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        let required = Ipv4Cidr::prefix_for_usable(private_needs[i]);
        let name = format!("private-{az}");
        requests.push(subnets::Request {
            recorded: pins.subnet(&name),
            required,
            preferred: private_sibling.unwrap_or(required),
        });
        names.push((name, SubnetRole::Private, i));
    }
    let public_prefix = sibling("public").unwrap_or(public);
    for (i, az) in azs.iter().enumerate() {
        let name = format!("public-{az}");
        requests.push(subnets::Request {
            recorded: pins.subnet(&name),
            required: public,
            preferred: public_prefix,
        });
        names.push((name, SubnetRole::Public, i));
    }
    let blocks =
        subnets::layout_stable(&[vpc], &requests).map_err(|e| stable_failure(e, &names))?;
    let (private, public) = blocks.split_at(azs.len());
    Ok(subnets::PrimaryLayout {
        grown: private
            .iter()
            .zip(private_needs)
            .any(|(b, need)| b.prefix() < Ipv4Cidr::prefix_for_usable(*need)),
        private: private.to_vec(),
        public: public.to_vec(),
    })
}

/// Pod subnets keeping the lock's blocks inside `spaces`.
fn stable_pods(
    spaces: &[Ipv4Cidr],
    azs: &[String],
    pod_needs: &[u64],
    pins: &LayoutPins,
) -> Result<Vec<Ipv4Cidr>, StableFailure> {
    let sibling = azs
        .iter()
        .filter_map(|az| pins.subnet(&format!("pods-{az}")))
        .map(Ipv4Cidr::prefix)
        .min();
    let mut requests = Vec::new();
    let mut names = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        let required = Ipv4Cidr::prefix_for_usable(pod_needs[i]);
        let name = format!("pods-{az}");
        requests.push(subnets::Request {
            recorded: pins.subnet(&name),
            required,
            preferred: sibling.unwrap_or(required),
        });
        names.push((name, SubnetRole::Pod, i));
    }
    subnets::layout_stable(spaces, &requests).map_err(|e| stable_failure(e, &names))
}

pub(crate) fn subnet_reason(need: u64, block: Ipv4Cidr, grown: bool, what: &str) -> String {
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

pub(crate) fn shortfall_finding(
    space: String,
    needed: u64,
    available: u64,
    hint: String,
) -> rules::Shortfall {
    rules::Shortfall {
        space,
        needed,
        available,
        hint,
        message: None,
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
