//! Validation of `spec.network.existingVpc`: the ids, blocks and subnets of a VPC eksgen did
//! not create, as the user states them (eksgen cannot read AWS). Everything AWS would refuse
//! or that cannot be the VPC described (a subnet outside the VPC's blocks, overlapping
//! subnets, a zone of another region, ids of the wrong shape) is an error located at its key.

use crate::cidr::{Ipv4Cidr, MAX_SUBNET_PREFIX, MIN_VPC_PREFIX};
use crate::diagnostic::Diagnostic;

use super::aws_limits;
use super::validate::CIDR_BLOCKS_PER_VPC;
use std::collections::BTreeMap;

use super::{
    ExistingClusterSpec, ExistingKarpenterSpec, ExistingSubnetRole, ExistingVpcSpec, Intent,
    KarpenterAwsResources, NewSubnets, SecondaryCidrs,
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
    match (&cluster.karpenter, intent.spec.autoscaling.karpenter) {
        (Some(k), true) => check_karpenter(k, intent, out),
        (Some(_), false) => out.push(
            Diagnostic::new(
                format!("{base}.karpenter"),
                "describes Karpenter, but `spec.autoscaling.karpenter` is false",
            )
            .hint("set `spec.autoscaling.karpenter: true` to render NodePools for it, or remove existingCluster.karpenter"),
        ),
        (None, true) => out.push(
            Diagnostic::new(
                "spec.autoscaling.karpenter",
                "Karpenter with an existing cluster needs `existingCluster.karpenter`: the install the NodePools join, or `awsResources: create`",
            )
            .hint("add `existingCluster: {karpenter: {version: \"1.12.1\", nodeRole: KarpenterNodeRole-<cluster>}}` with your install's release and node role, or `karpenter: {awsResources: create}` for eksgen to create Karpenter's AWS side"),
        ),
        (None, false) => {}
    }
    if intent.spec.helm.install == crate::plan::HelmInstall::Terraform {
        out.push(
            Diagnostic::new(
                "spec.helm.install",
                "`terraform` installs charts next to the cluster eksgen creates; with an existing cluster its controllers and their credentials stay yours",
            )
            .hint("use `install: commands` (the default) and run the commands in each values file's header"),
        );
    }
}

/// IAM role names: 1 to 64 of letters, digits and `+=,.@_-`; instance profile names the
/// same up to 128.
const MAX_ROLE_NAME: usize = 64;
const MAX_INSTANCE_PROFILE_NAME: usize = 128;
/// EC2NodeClass selector terms hold at most 20 tags (the CRD's `maxProperties`).
const MAX_SELECTOR_TAGS: usize = 20;

fn check_iam_name(what: &str, name: &str, max: usize, path: &str, out: &mut Vec<Diagnostic>) {
    let chars_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if name.starts_with("arn:") {
        let tail = name.rsplit('/').next().unwrap_or_default();
        out.push(
            Diagnostic::new(
                path,
                format!(
                    "`{}` is an ARN; the EC2NodeClass takes the {what} name",
                    name.escape_debug()
                ),
            )
            .hint(format!(
                "write the name after the last `/`: `{}`",
                tail.escape_debug()
            )),
        );
    } else if name.is_empty() || name.len() > max || !chars_ok {
        out.push(
            Diagnostic::new(
                path,
                format!("`{}` is not an IAM {what} name", name.escape_debug()),
            )
            .hint(format!(
                "1 to {max} letters, digits and + = , . @ _ -, as `aws iam list-{}s` shows it",
                what.replace(' ', "-")
            )),
        );
    }
}

/// Selector tags: Karpenter refuses empty keys or values and more than 20 tags per term;
/// tags eksgen also puts on subnets it creates must be tags AWS lets it set.
fn check_selector_tags(
    tags: &BTreeMap<String, String>,
    path: &str,
    settable: bool,
    out: &mut Vec<Diagnostic>,
) {
    if tags.len() > MAX_SELECTOR_TAGS {
        out.push(
            Diagnostic::new(
                path,
                format!(
                    "{} tags: an EC2NodeClass selector term holds at most {MAX_SELECTOR_TAGS}",
                    tags.len()
                ),
            )
            .hint(
                "keep the tags that identify the resources; the term matches when all of them do",
            ),
        );
    }
    for (key, value) in tags {
        let at = format!("{path}.{key}");
        if settable {
            super::names::check_aws_tag(key, value, &at, out);
            if value.is_empty() {
                out.push(
                    Diagnostic::new(
                        at,
                        format!(
                            "tag `{}` has an empty value: Karpenter refuses empty selector values",
                            key.escape_debug()
                        ),
                    )
                    .hint("give the value the subnets carry"),
                );
            }
        } else if key.is_empty()
            || value.is_empty()
            || key.chars().count() > 128
            || value.chars().count() > 256
            || key.chars().chain(value.chars()).any(char::is_control)
        {
            out.push(
                Diagnostic::new(at, format!("`{}: {}` cannot select anything", key.escape_debug(), value.escape_debug()))
                    .hint("tag keys are 1-128 and values 1-256 printable characters (Karpenter refuses empty ones; `*` matches any value)"),
            );
        }
    }
}

/// `existingCluster.karpenter`: a node identity Karpenter can use, a release to compare,
/// and selector tags that can select.
fn check_karpenter(k: &ExistingKarpenterSpec, intent: &Intent, out: &mut Vec<Diagnostic>) {
    let base = "spec.existingCluster.karpenter";
    match k.aws_resources {
        KarpenterAwsResources::Existing => {
            match (&k.node_role, &k.instance_profile) {
                (None, None) => out.push(
                    Diagnostic::new(base, "an existing Karpenter install needs the node role (or instance profile) its nodes use")
                        .hint("set `nodeRole` to the role of the install's EC2NodeClasses (`kubectl get ec2nodeclass -o jsonpath='{.items[*].spec.role}'`), or `awsResources: create` for eksgen to create one"),
                ),
                (Some(_), Some(_)) => out.push(
                    Diagnostic::new(format!("{base}.instanceProfile"), "`nodeRole` and `instanceProfile` are both set; an EC2NodeClass takes exactly one")
                        .hint("keep `nodeRole` (Karpenter makes the instance profile), or `instanceProfile` alone"),
                ),
                _ => {}
            }
            if k.version.is_none() {
                out.push(
                    Diagnostic::new(base, "the installed Karpenter release is missing")
                        .hint("set `version` to the chart's release (`helm list -n kube-system`), quoted, e.g. \"1.12.1\": eksgen compares it with the release the NodePools need"),
                );
            }
        }
        KarpenterAwsResources::Create => {
            if k.instance_profile.is_some() {
                out.push(
                    Diagnostic::new(format!("{base}.instanceProfile"), "`awsResources: create` makes a node role; an instance profile belongs to an existing install")
                        .hint("remove instanceProfile (set `nodeRole` to name the role eksgen creates), or use `awsResources: existing`"),
                );
            }
        }
    }
    if let Some(role) = &k.node_role {
        check_iam_name(
            "role",
            role,
            MAX_ROLE_NAME,
            &format!("{base}.nodeRole"),
            out,
        );
    }
    if let Some(profile) = &k.instance_profile {
        check_iam_name(
            "instance profile",
            profile,
            MAX_INSTANCE_PROFILE_NAME,
            &format!("{base}.instanceProfile"),
            out,
        );
    }
    if let Some(version) = &k.version {
        if version.parts().is_none() {
            out.push(
                Diagnostic::new(
                    format!("{base}.version"),
                    format!("`{}` is not a Karpenter release", version.0.escape_debug()),
                )
                .hint(
                    "write MAJOR.MINOR or MAJOR.MINOR.PATCH as the chart shows it, e.g. \"1.12.1\"",
                ),
            );
        }
    }
    // Nodes moving to subnets eksgen creates get the subnet tags: they must be settable.
    let new_node_subnets = intent.spec.network.secondary_cidrs != SecondaryCidrs::None
        && intent
            .spec
            .network
            .existing_vpc
            .as_ref()
            .is_some_and(|v| v.new_subnets == NewSubnets::Nodes);
    check_selector_tags(
        &k.subnet_tags,
        &format!("{base}.subnetTags"),
        new_node_subnets,
        out,
    );
    check_selector_tags(
        &k.security_group_tags,
        &format!("{base}.securityGroupTags"),
        false,
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::is_aws_id;
    use crate::catalog::Catalog;

    /// Key paths and messages of an existing-cluster intent with `karpenter` as
    /// `existingCluster.karpenter` (empty: left out) and `autoscaling.karpenter: on`.
    fn karpenter_problems(karpenter: &str, on: bool, vpc_extra: &str) -> Vec<String> {
        let described = if karpenter.is_empty() {
            String::new()
        } else {
            format!("    karpenter: {karpenter}\n")
        };
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: prod
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    existingVpc:
      id: vpc-0123456789abcdef0
      cidrBlocks: [10.0.0.0/16]
{vpc_extra}      subnets:
        - {{ id: subnet-0123456789abcdef1, zone: us-west-2a, cidr: 10.0.0.0/19, role: private, routeTableId: rtb-0123456789abcdef1 }}
        - {{ id: subnet-0123456789abcdef2, zone: us-west-2b, cidr: 10.0.32.0/19, role: private, routeTableId: rtb-0123456789abcdef2 }}
    availabilityZones: [us-west-2a, us-west-2b]
  existingCluster:
    nodeSecurityGroupIds: [sg-0123456789abcdef0]
{described}  autoscaling: {{ karpenter: {on} }}
  nodeGroups:
    - {{ name: web, instanceTypes: [m6i.large], scaling: {{ min: 1, desired: 1, max: 2 }} }}
"
        );
        match crate::intent::parse_and_validate(&text, "t.yaml", Catalog::embedded()) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .diagnostics
                .into_iter()
                .map(|d| format!("{}: {}", d.path, d.message))
                .collect(),
        }
    }

    #[test]
    fn an_existing_karpenter_install_states_its_identity_and_release() {
        let ok = karpenter_problems(
            "{ version: \"1.12.1\", nodeRole: KarpenterNodeRole-prod }",
            true,
            "",
        );
        assert!(ok.is_empty(), "{ok:?}");
        let ok = karpenter_problems("{ version: v1.8, instanceProfile: Nodes }", true, "");
        assert!(ok.is_empty(), "{ok:?}");
        let ok = karpenter_problems("{ awsResources: create }", true, "");
        assert!(ok.is_empty(), "{ok:?}");
        let cases: &[(&str, bool, &str)] = &[
            (
                "",
                true,
                "spec.autoscaling.karpenter: Karpenter with an existing cluster needs",
            ),
            (
                "{ awsResources: create }",
                false,
                "spec.existingCluster.karpenter: describes Karpenter",
            ),
            (
                "{ version: \"1.12.1\" }",
                true,
                "spec.existingCluster.karpenter: an existing Karpenter install needs the node role",
            ),
            (
                "{ nodeRole: R }",
                true,
                "spec.existingCluster.karpenter: the installed Karpenter release is missing",
            ),
            (
                "{ version: \"1.12.1\", nodeRole: R, instanceProfile: P }",
                true,
                "spec.existingCluster.karpenter.instanceProfile: `nodeRole` and `instanceProfile` are both set",
            ),
            (
                "{ awsResources: create, instanceProfile: P }",
                true,
                "spec.existingCluster.karpenter.instanceProfile: `awsResources: create` makes a node role",
            ),
            (
                "{ version: \"1.12.1\", nodeRole: \"arn:aws:iam::111122223333:role/R\" }",
                true,
                "spec.existingCluster.karpenter.nodeRole: `arn:aws:iam::111122223333:role/R` is an ARN",
            ),
            (
                "{ version: \"1.12.1\", nodeRole: \"bad role\" }",
                true,
                "spec.existingCluster.karpenter.nodeRole: `bad role` is not an IAM role name",
            ),
            (
                "{ version: \"1.x\", nodeRole: R }",
                true,
                "spec.existingCluster.karpenter.version: `1.x` is not a Karpenter release",
            ),
            (
                "{ version: \"1.12.1\", nodeRole: R, subnetTags: { team: \"\" } }",
                true,
                "spec.existingCluster.karpenter.subnetTags.team: `team: ` cannot select anything",
            ),
        ];
        for (karpenter, on, want) in cases {
            let got = karpenter_problems(karpenter, *on, "");
            assert!(
                got.iter().any(|m| m.starts_with(want)),
                "{karpenter}: {got:?}"
            );
        }
        // A 65-character role name is too long; 64 fit.
        let role = |n: usize| format!("{{ version: \"1.12.1\", nodeRole: {} }}", "r".repeat(n));
        assert!(karpenter_problems(&role(64), true, "").is_empty());
        assert_eq!(karpenter_problems(&role(65), true, "").len(), 1);
    }

    /// Tags eksgen puts on the node subnets it creates must be tags AWS lets it set; tags
    /// that only select may use `aws:` keys and `*`.
    #[test]
    fn subnet_tags_on_new_subnets_must_be_settable() {
        let tags =
            "{ awsResources: create, subnetTags: { \"aws:cloudformation:stack-name\": \"*\" } }";
        assert!(karpenter_problems(tags, true, "").is_empty());
        let nodes = "      newSubnets: nodes\n";
        let got = karpenter_problems(tags, true, nodes);
        assert!(
            got.iter()
                .any(|m| m.contains("tag key `aws:cloudformation:stack-name` is not allowed")),
            "{got:?}"
        );
    }

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
