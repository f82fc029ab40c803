//! Address budget and subnet plan for a VPC eksgen did not create.
//!
//! The existing private subnet of each zone is budgeted exactly like eksgen's own (warm
//! pools, update surge, AWS's 5 reserved), minus the addresses the user says are in use.
//! When it cannot hold the plan, `secondaryCidrs` (a list, or `auto` /16s from
//! 100.64.0.0/10) become new subnets: pod subnets for custom networking, or node subnets
//! that the node groups move to while the control plane stays put. Existing subnets are
//! referenced by id and never resized or retagged.

use crate::cidr::Ipv4Cidr;
use crate::diagnostic::Diagnostic;
use crate::intent::{
    CIDR_BLOCKS_PER_VPC, ExistingSubnetRole, ExistingSubnetSpec, ExistingVpcSpec, Intent,
    NewSubnets, SecondaryCidrs,
};
use crate::plan::{ExistingVpcPlan, NetworkPlan, SubnetPlan, SubnetRole};

use super::groups::{self, GroupDraft, Sizing};
use super::{shortfall_finding, subnet_reason, subnets};

/// EKS places the control plane's network interfaces in the cluster's subnets and needs at
/// least this many free addresses in each (EKS user guide, subnet requirements).
pub const CONTROL_PLANE_FREE_ADDRESSES: u64 = 6;

pub(super) struct ExistingNetwork {
    pub plan: NetworkPlan,
    pub sizing: Sizing,
    /// Why the subnets cannot hold the plan, when they cannot (finding EKSG003).
    pub shortfall: Option<super::rules::Shortfall>,
}

/// Where the plan's addresses go in this attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Nodes and pods in the existing private subnets.
    Existing,
    /// Pods in new subnets (custom networking), nodes in the existing ones.
    NewPodSubnets,
    /// Nodes (and their pods) in new subnets; the existing ones keep the control plane.
    NewNodeSubnets,
}

pub(super) fn network(
    intent: &Intent,
    vpc: &ExistingVpcSpec,
    drafts: &[GroupDraft],
) -> Result<ExistingNetwork, Vec<Diagnostic>> {
    let net = &intent.spec.network;
    let blocks: Vec<Ipv4Cidr> = vpc
        .cidr_blocks
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let primary = *blocks.first().ok_or_else(|| {
        vec![Diagnostic::new(
            "spec.network.existingVpc.cidrBlocks",
            "the VPC's CIDR blocks are missing",
        )]
    })?;
    let explicit: Vec<Ipv4Cidr> = match &net.secondary_cidrs {
        SecondaryCidrs::List(list) => list.iter().filter_map(|c| c.parse().ok()).collect(),
        _ => Vec::new(),
    };
    let new_placement = match vpc.new_subnets {
        NewSubnets::Pods => Placement::NewPodSubnets,
        NewSubnets::Nodes => Placement::NewNodeSubnets,
    };

    let mut placement = if explicit.is_empty() {
        Placement::Existing
    } else {
        new_placement
    };
    let mut sizing = groups::size_groups(intent, drafts, placement == Placement::NewPodSubnets)?;
    let mut layout = lay_out(intent, vpc, &blocks, &explicit, &sizing, placement);
    let mut reason = match placement {
        Placement::Existing => {
            "none needed: the existing private subnets hold every node and pod at max scale"
                .to_string()
        }
        Placement::NewPodSubnets => {
            "set in the intent; associated with the existing VPC, pods use custom networking in new subnets there".to_string()
        }
        Placement::NewNodeSubnets => {
            "set in the intent; associated with the existing VPC, node groups move to new subnets there".to_string()
        }
    };
    if layout.is_err() && net.secondary_cidrs == SecondaryCidrs::Auto {
        placement = new_placement;
        sizing = groups::size_groups(intent, drafts, placement == Placement::NewPodSubnets)?;
        layout = lay_out(intent, vpc, &blocks, &[], &sizing, placement);
        if let Ok(l) = &layout {
            reason = format!(
                "auto: the existing private subnets cannot hold the plan at max scale, so {} is associated with the VPC and {} move to new subnets there",
                l.secondary
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if placement == Placement::NewPodSubnets {
                    "pods (custom networking)"
                } else {
                    "the node groups"
                }
            );
        }
    }
    let mut shortfall = None;
    let (subnets, secondary) = match layout {
        Ok(l) => (l.subnets, l.secondary),
        Err(short) => {
            shortfall = Some(short);
            (Vec::new(), explicit)
        }
    };
    Ok(ExistingNetwork {
        plan: NetworkPlan {
            vpc_cidr: primary,
            secondary_cidrs: secondary,
            secondary_cidrs_reason: reason,
            custom_networking: placement == Placement::NewPodSubnets,
            availability_zones: net.availability_zones.clone(),
            nat_gateway: net.nat_gateway,
            cni: sizing.cni.clone(),
            subnets,
            // The VPC is the user's: eksgen adds no endpoints to it.
            vpc_endpoints: Vec::new(),
            network_policy: None,
            existing_vpc: Some(ExistingVpcPlan {
                id: vpc.id.clone(),
                cidr_blocks: blocks,
                ids: vpc.ids,
                new_subnets: vpc.new_subnets,
                nodes_in_new_subnets: placement == Placement::NewNodeSubnets,
            }),
        },
        sizing,
        shortfall,
    })
}

struct Layout {
    subnets: Vec<SubnetPlan>,
    secondary: Vec<Ipv4Cidr>,
}

fn private_subnet<'a>(vpc: &'a ExistingVpcSpec, az: &str) -> Option<&'a ExistingSubnetSpec> {
    vpc.subnets
        .iter()
        .find(|s| s.zone == az && s.role == ExistingSubnetRole::Private)
}

fn lay_out(
    intent: &Intent,
    vpc: &ExistingVpcSpec,
    blocks: &[Ipv4Cidr],
    explicit: &[Ipv4Cidr],
    sized: &Sizing,
    placement: Placement,
) -> Result<Layout, super::rules::Shortfall> {
    let azs = &intent.spec.network.availability_zones;
    let mut out = Vec::new();
    // Existing private subnets: the nodes (unless they move) and the control plane.
    for az in azs {
        let Some(s) = private_subnet(vpc, az) else {
            continue;
        };
        let Ok(cidr) = s.cidr.parse::<Ipv4Cidr>() else {
            continue;
        };
        let free = cidr.usable().saturating_sub(s.used_addresses);
        let (need, role, what) = if placement == Placement::NewNodeSubnets {
            (
                CONTROL_PLANE_FREE_ADDRESSES,
                SubnetRole::ControlPlane,
                "the control plane's network interfaces (EKS needs 6 free)",
            )
        } else {
            (
                sized.node_subnet_need(az),
                SubnetRole::Private,
                if placement == Placement::NewPodSubnets {
                    "node primary addresses"
                } else {
                    "nodes and pods"
                },
            )
        };
        if need > free {
            let hint = match (placement, &intent.spec.network.secondary_cidrs) {
                (Placement::Existing, SecondaryCidrs::None) => {
                    "set `secondaryCidrs: auto` (or a list) so eksgen adds blocks and new subnets for pods (`newSubnets: pods`) or nodes (`newSubnets: nodes`), or lower scaling.max / podsPerNode"
                }
                (Placement::Existing, _) => {
                    "lower scaling.max / podsPerNode, or free addresses in the subnet"
                }
                _ => {
                    "even the addresses that must stay in the existing subnet do not fit: free addresses there, or use `newSubnets: nodes` so only the control plane stays"
                }
            };
            return Err(super::rules::Shortfall {
                space: format!("existing subnet {}", s.id),
                needed: need,
                available: free,
                message: Some(format!(
                    "existing subnet {} ({cidr}, {az}) has {free} free addresses ({} usable after AWS's 5 reserved, {} in use) but the plan puts {need} there at max scale ({what}, warm pools and update surge included): short by {} addresses",
                    s.id,
                    cidr.usable(),
                    s.used_addresses,
                    need - free
                )),
                hint: hint.to_string(),
            });
        }
        out.push(SubnetPlan {
            name: format!("private-{az}"),
            az: az.clone(),
            role,
            cidr,
            usable_ips: free,
            ips_needed_at_max: need,
            reason: format!(
                "existing subnet: {need} addresses for {what}{}; {free} free ({} usable after AWS's 5 reserved, {} in use)",
                if role == SubnetRole::ControlPlane { "" } else { " at max scale plus update surge" },
                cidr.usable(),
                s.used_addresses
            ),
            id: Some(s.id.clone()),
            used_ips: s.used_addresses,
            route_table_id: None,
        });
    }
    for s in vpc
        .subnets
        .iter()
        .filter(|s| s.role == ExistingSubnetRole::Public)
    {
        let Ok(cidr) = s.cidr.parse::<Ipv4Cidr>() else {
            continue;
        };
        out.push(SubnetPlan {
            name: format!("public-{}", s.zone),
            az: s.zone.clone(),
            role: SubnetRole::Public,
            cidr,
            usable_ips: cidr.usable().saturating_sub(s.used_addresses),
            ips_needed_at_max: 0,
            reason: "existing subnet, listed for overlap checks; eksgen places nothing here"
                .to_string(),
            id: Some(s.id.clone()),
            used_ips: s.used_addresses,
            route_table_id: None,
        });
    }
    if placement == Placement::Existing {
        return Ok(Layout {
            subnets: out,
            secondary: Vec::new(),
        });
    }

    let (needs, role, prefix, what): (Vec<u64>, _, _, _) = if placement == Placement::NewPodSubnets
    {
        (
            azs.iter().map(|az| sized.pod_subnet_need(az)).collect(),
            SubnetRole::Pod,
            "pods",
            "pod addresses (custom networking)",
        )
    } else {
        (
            azs.iter().map(|az| sized.node_subnet_need(az)).collect(),
            SubnetRole::Private,
            "nodes",
            "nodes and pods",
        )
    };
    let mut secondary = explicit.to_vec();
    let blocks_new = if explicit.is_empty() {
        // /16s from 100.64.0.0/10 that overlap neither the VPC nor avoidCidrs and that AWS
        // associates with the primary block, up to the VPC's quota of blocks.
        let mut taken = blocks.to_vec();
        taken.extend(
            intent
                .spec
                .network
                .avoid_cidrs
                .iter()
                .filter_map(|c| c.parse::<Ipv4Cidr>().ok()),
        );
        let primary = blocks[0];
        let candidates: Vec<Ipv4Cidr> = subnets::auto_secondary_candidates(&taken)
            .into_iter()
            .filter(|c| crate::intent::aws_limits::association_refusal(primary, *c).is_none())
            .collect();
        let room = CIDR_BLOCKS_PER_VPC.saturating_sub(blocks.len());
        let mut result = Err(0);
        for count in 1..=candidates.len().min(room) {
            result = subnets::layout_pods(&candidates[..count], &needs);
            if result.is_ok() {
                secondary = candidates[..count].to_vec();
                break;
            }
        }
        result.map_err(|needed| {
            shortfall_finding(
                format!(
                    "auto secondary CIDRs (up to {room} x /16 beside the VPC's {} blocks)",
                    blocks.len()
                ),
                needed,
                room as u64 * 65_536,
                "lower scaling.max or podsPerNode, add zones, or free a CIDR block slot in the VPC"
                    .to_string(),
            )
        })?
    } else {
        subnets::layout_pods(explicit, &needs).map_err(|needed| {
            shortfall_finding(
                format!(
                    "secondaryCidrs {}",
                    explicit.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ),
                needed,
                explicit.iter().map(|c| c.size()).sum(),
                "add or widen secondary CIDRs (a /16 holds 65,536 addresses), or lower scaling.max / podsPerNode".to_string(),
            )
        })?
    };
    for (i, az) in azs.iter().enumerate() {
        let cidr = blocks_new[i];
        out.push(SubnetPlan {
            name: format!("{prefix}-{az}"),
            az: az.clone(),
            role,
            cidr,
            usable_ips: cidr.usable(),
            ips_needed_at_max: needs[i],
            reason: subnet_reason(
                needs[i],
                cidr,
                cidr.prefix() < Ipv4Cidr::prefix_for_usable(needs[i]),
                what,
            ),
            id: None,
            used_ips: 0,
            route_table_id: private_subnet(vpc, az).and_then(|s| s.route_table_id.clone()),
        });
    }
    Ok(Layout {
        subnets: out,
        secondary,
    })
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::plan::{Plan, SubnetRole};

    fn plan(extra_block: &str, new_subnets: &str, max: u32) -> Plan {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: t
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    existingVpc:
      id: vpc-0123456789abcdef0
      cidrBlocks: [10.0.0.0/22{extra_block}]
      newSubnets: {new_subnets}
      subnets:
        - {{ id: subnet-0123456789abcdef0, zone: us-west-2a, cidr: 10.0.0.0/24, role: private, usedAddresses: 100, routeTableId: rtb-0123456789abcdef0 }}
        - {{ id: subnet-0123456789abcdef1, zone: us-west-2b, cidr: 10.0.1.0/24, role: private, usedAddresses: 10, routeTableId: rtb-0123456789abcdef1 }}
    availabilityZones: [us-west-2a, us-west-2b]
    cni: {{ mode: secondary-ip, warmEniTarget: 1 }}
  nodeGroups:
    - {{ name: g, instanceTypes: [m5.large], podsPerNode: 20, scaling: {{ min: 1, desired: 1, max: {max} }} }}
"
        );
        let catalog = Catalog::embedded();
        let intent = crate::intent::parse_and_validate(&text, "t.yaml", catalog)
            .unwrap_or_else(|e| panic!("{e}"));
        crate::resolve::resolve(&intent, catalog).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn used_addresses_count_against_the_existing_subnet() {
        // Four m5.large fit in what the /24s have free; the free count, not the usable one,
        // is the budget.
        let small = plan("", "pods", 4);
        assert!(
            small.network.secondary_cidrs.is_empty(),
            "{:?}",
            small.findings
        );
        let a = small.subnets(SubnetRole::Private).next().unwrap();
        assert_eq!(a.usable_ips, 251 - 100);
        assert_eq!(a.used_ips, 100);
    }

    #[test]
    fn auto_blocks_skip_the_vpcs_own_and_move_what_newsubnets_says() {
        let pods = plan(", 100.64.0.0/16", "pods", 40);
        assert!(!pods.has_errors(), "{:?}", pods.findings);
        assert_eq!(pods.network.secondary_cidrs[0].to_string(), "100.65.0.0/16");
        assert!(pods.network.custom_networking);
        assert_eq!(pods.subnets(SubnetRole::Pod).count(), 2);
        let nodes = plan("", "nodes", 40);
        assert!(!nodes.has_errors(), "{:?}", nodes.findings);
        assert!(!nodes.network.custom_networking);
        assert_eq!(nodes.subnets(SubnetRole::ControlPlane).count(), 2);
        let new: Vec<_> = nodes.subnets(SubnetRole::Private).collect();
        assert!(
            new.iter()
                .all(|s| s.id.is_none() && s.route_table_id.is_some())
        );
        assert!(
            nodes
                .network
                .existing_vpc
                .as_ref()
                .unwrap()
                .nodes_in_new_subnets,
            "node groups move"
        );
    }
}
