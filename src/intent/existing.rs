//! Validation of `spec.network.existingVpc`: the ids, blocks and subnets of a VPC eksgen did
//! not create, as the user states them (eksgen cannot read AWS). Everything AWS would refuse
//! or that cannot be the VPC described (a subnet outside the VPC's blocks, overlapping
//! subnets, a zone of another region, ids of the wrong shape) is an error located at its key.

use crate::cidr::{Ipv4Cidr, MAX_SUBNET_PREFIX, MIN_VPC_PREFIX};
use crate::diagnostic::Diagnostic;

use super::aws_limits;
use super::validate::CIDR_BLOCKS_PER_VPC;
use super::{
    ExistingClusterSpec, ExistingSubnetRole, ExistingVpcSpec, Intent, NewSubnets, Provisioner,
};

/// AWS resource ids: the type prefix, a dash, then 8 (older resources) or 17 lowercase hex
/// digits.
pub fn is_aws_id(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            matches!(hex.len(), 8 | 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

fn check_id(prefix: &str, id: &str, path: String, out: &mut Vec<Diagnostic>) {
    let what = match prefix {
        "vpc" => "VPC",
        "rtb" => "route table",
        "sg" => "security group",
        other => other,
    };
    if !is_aws_id(prefix, id) {
        out.push(
            Diagnostic::new(
                path,
                format!("`{}` is not a {what} id", id.escape_debug()),
            )
            .hint(format!(
                "{prefix} ids look like `{prefix}-0123456789abcdef0` (17 hex digits, or 8 for older resources); copy it from the console or `aws ec2 describe-*`"
            )),
        );
    }
}

/// Check the existing VPC; returns its blocks that parse (primary first) for the checks of
/// the secondary CIDRs eksgen adds.
pub(super) fn check(
    vpc: &ExistingVpcSpec,
    region: &str,
    cluster_azs: &[String],
    may_add_subnets: bool,
    out: &mut Vec<Diagnostic>,
) -> Vec<Ipv4Cidr> {
    let base = "spec.network.existingVpc";
    check_id("vpc", &vpc.id, format!("{base}.id"), out);

    let mut blocks: Vec<Ipv4Cidr> = Vec::new();
    if vpc.cidr_blocks.is_empty() {
        out.push(
            Diagnostic::new(format!("{base}.cidrBlocks"), "the VPC's CIDR blocks are missing")
                .hint("list them primary first, as `aws ec2 describe-vpcs --vpc-ids ID` shows under CidrBlockAssociationSet"),
        );
    }
    if vpc.cidr_blocks.len() > CIDR_BLOCKS_PER_VPC {
        out.push(Diagnostic::new(
            format!("{base}.cidrBlocks"),
            format!(
                "{} blocks: a VPC holds at most {CIDR_BLOCKS_PER_VPC} by default",
                vpc.cidr_blocks.len()
            ),
        ));
    }
    for (i, text) in vpc.cidr_blocks.iter().enumerate() {
        let path = format!("{base}.cidrBlocks[{i}]");
        match text.parse::<Ipv4Cidr>() {
            Ok(c) if !(MIN_VPC_PREFIX..=MAX_SUBNET_PREFIX).contains(&c.prefix()) => out.push(
                Diagnostic::new(path, format!("`{c}`: a VPC CIDR block is /16 to /28")),
            ),
            Ok(c) => {
                if let Some(other) = blocks.iter().find(|b| b.overlaps(c)) {
                    out.push(Diagnostic::new(
                        path,
                        format!("`{c}` overlaps {other}: a VPC's blocks never overlap"),
                    ));
                } else {
                    blocks.push(c);
                }
            }
            Err(e) => out.push(Diagnostic::new(path, e.to_string())),
        }
    }

    let region_zones: Option<Vec<String>> = aws_limits::region(region).map(|r| r.zones().collect());
    let mut placed: Vec<(usize, Ipv4Cidr)> = Vec::new();
    let mut ids: Vec<&str> = Vec::new();
    for (i, s) in vpc.subnets.iter().enumerate() {
        let path = format!("{base}.subnets[{i}]");
        check_id("subnet", &s.id, format!("{path}.id"), out);
        if ids.contains(&s.id.as_str()) {
            out.push(Diagnostic::new(
                format!("{path}.id"),
                format!("`{}` is listed twice", s.id.escape_debug()),
            ));
        }
        ids.push(&s.id);
        if !cluster_azs.contains(&s.zone) {
            let in_region = region_zones.as_ref().is_some_and(|z| z.contains(&s.zone));
            let (message, hint) = if in_region {
                (
                    format!(
                        "zone `{}` is not one of spec.network.availabilityZones",
                        s.zone
                    ),
                    format!(
                        "add {} to availabilityZones, or leave this subnet out (cluster zones: {})",
                        s.zone,
                        cluster_azs.join(", ")
                    ),
                )
            } else {
                (
                    format!(
                        "`{}` is not an availability zone of {region}",
                        s.zone.escape_debug()
                    ),
                    format!(
                        "a VPC's subnets are in its own region; {region} zones: {}",
                        region_zones.as_deref().unwrap_or_default().join(", ")
                    ),
                )
            };
            out.push(Diagnostic::new(format!("{path}.zone"), message).hint(hint));
        }
        match s.cidr.parse::<Ipv4Cidr>() {
            Ok(c) if !(MIN_VPC_PREFIX..=MAX_SUBNET_PREFIX).contains(&c.prefix()) => {
                out.push(Diagnostic::new(
                    format!("{path}.cidr"),
                    format!("`{c}`: a subnet is /16 to /28"),
                ))
            }
            Ok(c) => {
                if !blocks.is_empty() && !blocks.iter().any(|b| b.contains(c)) {
                    out.push(
                        Diagnostic::new(
                            format!("{path}.cidr"),
                            format!(
                                "`{c}` is outside the VPC's CIDR blocks ({})",
                                blocks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .hint("a subnet lies inside one of cidrBlocks: check the subnet's CIDR, or add the block it belongs to"),
                    );
                }
                if let Some((j, other)) = placed.iter().find(|(_, o)| o.overlaps(c)) {
                    out.push(
                        Diagnostic::new(
                            format!("{path}.cidr"),
                            format!("`{c}` overlaps subnets[{j}] ({other})"),
                        )
                        .hint("subnets of a VPC never overlap: check both CIDRs"),
                    );
                }
                placed.push((i, c));
                if s.used_addresses > c.usable() {
                    out.push(
                        Diagnostic::new(
                            format!("{path}.usedAddresses"),
                            format!(
                                "{} addresses in use, but `{c}` has only {} usable (AWS reserves 5)",
                                s.used_addresses,
                                c.usable()
                            ),
                        )
                        .hint("give the count from `aws ec2 describe-subnets`: usable minus AvailableIpAddressCount"),
                    );
                }
            }
            Err(e) => out.push(Diagnostic::new(format!("{path}.cidr"), e.to_string())),
        }
        if let Some(rtb) = &s.route_table_id {
            check_id("rtb", rtb, format!("{path}.routeTableId"), out);
            if s.role != ExistingSubnetRole::Private {
                out.push(
                    Diagnostic::new(
                        format!("{path}.routeTableId"),
                        "only private subnets name the route table for new subnets",
                    )
                    .hint("move routeTableId to the zone's private subnet"),
                );
            }
        }
    }
    for az in cluster_azs {
        if vpc.new_subnets == NewSubnets::Nodes && may_add_subnets {
            let missing = vpc.subnets.iter().enumerate().find(|(_, s)| {
                &s.zone == az && s.role == ExistingSubnetRole::Private && s.route_table_id.is_none()
            });
            if let Some((i, _)) = missing {
                out.push(
                    Diagnostic::new(
                        format!("{base}.subnets[{i}].routeTableId"),
                        format!("`newSubnets: nodes` may add a node subnet in {az}, and nodes need the zone's routes (NAT, endpoints, peering)"),
                    )
                    .hint("set routeTableId to the route table of this zone's private subnet (`aws ec2 describe-route-tables --filters Name=association.subnet-id,Values=SUBNET`)"),
                );
            }
        }
        let private: Vec<usize> = vpc
            .subnets
            .iter()
            .enumerate()
            .filter(|(_, s)| &s.zone == az && s.role == ExistingSubnetRole::Private)
            .map(|(i, _)| i)
            .collect();
        match private.as_slice() {
            [_] => {}
            [] => out.push(
                Diagnostic::new(
                    format!("{base}.subnets"),
                    format!("zone {az} has no private subnet"),
                )
                .hint(format!(
                    "add the zone's private subnet (`role: private`, zone {az}), or drop {az} from availabilityZones"
                )),
            ),
            [_, second, ..] => out.push(
                Diagnostic::new(
                    format!("{base}.subnets[{second}].role"),
                    format!("zone {az} has more than one private subnet"),
                )
                .hint("name one private subnet per zone (the one nodes should use); list the others as `public` or leave them out"),
            ),
        }
    }
    blocks
}

/// Check `spec.existingCluster`: it lives in an existing VPC, names its node security
/// groups, and asks only for what eksgen renders for an existing cluster.
pub(super) fn check_cluster(
    cluster: &ExistingClusterSpec,
    intent: &Intent,
    out: &mut Vec<Diagnostic>,
) {
    let base = "spec.existingCluster";
    if intent.spec.network.existing_vpc.is_none() {
        out.push(
            Diagnostic::new(base, "an existing cluster lives in an existing VPC").hint(
                "describe its VPC and subnets in spec.network.existingVpc instead of vpcCidr",
            ),
        );
    }
    if cluster.node_security_group_ids.is_empty() {
        out.push(
            Diagnostic::new(format!("{base}.nodeSecurityGroupIds"), "no node security group")
                .hint("name the cluster's shared node security group (`aws eks describe-cluster` shows the cluster one; the node one is on existing nodes)"),
        );
    }
    for (i, sg) in cluster.node_security_group_ids.iter().enumerate() {
        check_id("sg", sg, format!("{base}.nodeSecurityGroupIds[{i}]"), out);
    }
    if intent.spec.autoscaling.karpenter {
        out.push(
            Diagnostic::new("spec.autoscaling.karpenter", "Karpenter with an existing cluster is not supported yet")
                .hint("leave autoscaling.karpenter off and add managed or self-managed groups; NodePools for an existing Karpenter install are planned"),
        );
    }
    for (i, g) in intent.spec.node_groups.iter().enumerate() {
        if g.provisioner == Provisioner::Karpenter {
            out.push(
                Diagnostic::new(
                    format!("spec.nodeGroups[{i}].provisioner"),
                    "Karpenter groups with an existing cluster are not supported yet",
                )
                .hint("use `provisioner: managed` or `self-managed`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_aws_id;

    #[test]
    fn aws_ids_have_8_or_17_hex_digits() {
        assert!(is_aws_id("vpc", "vpc-0123abcd"));
        assert!(is_aws_id("subnet", "subnet-0123456789abcdef0"));
        for bad in [
            "vpc-0123abc",
            "vpc-0123456789abcdef",
            "vpc-0123ABCD",
            "subnet-0123abcd",
            "vpc0123abcd",
            "vpc-0123abcg",
            "",
        ] {
            assert!(!is_aws_id("vpc", bad), "{bad}");
        }
    }
}
