//! Limits that hold for the account or the calendar rather than one group's design: EKS
//! version support (judged on the data date, see `aws_limits::versions_as_of`), service
//! quotas and the Auto Scaling group tag limit.

use crate::intent::Provisioner;
use crate::intent::aws_limits::{self, Support};
use crate::plan::Severity;

use super::{Ctx, Hit};

/// AWS allows 50 tags per Auto Scaling group.
pub const ASG_TAG_MAX: usize = 50;

/// EKSG017.
pub fn asg_tag_limit(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter_map(|(d, g)| {
            let asg_tags = g.autoscaler_tags.len() + ctx.plan.tags.len();
            (asg_tags > ASG_TAG_MAX).then(|| {
                Hit::group(
                    Severity::Error,
                    d,
                    "",
                    format!("{asg_tags} tags for the Auto Scaling group; AWS allows {ASG_TAG_MAX}"),
                    "use fewer labels / taints / spec.tags on this group",
                )
            })
        })
        .collect()
}

/// EKSG022.
pub fn extended_support(ctx: &Ctx) -> Vec<Hit> {
    let Some((1, minor)) = ctx.intent.spec.kubernetes_version.parts() else {
        return Vec::new();
    };
    let Support::Extended(v) = aws_limits::support(minor) else {
        return Vec::new();
    };
    vec![Hit::cluster(
        Severity::Warning,
        "spec.kubernetesVersion",
        format!(
            "Kubernetes {} left EKS standard support on {} and is in extended support until {} (as of {}): the control plane is billed at the extended-support rate, and EKS upgrades it after that date",
            v.name(),
            v.end_of_standard,
            v.end_of_extended,
            aws_limits::versions_as_of()
        ),
        format!(
            "plan the upgrade to a version in standard support ({})",
            aws_limits::standard_versions().join(", ")
        ),
    )]
}

/// EKSG023.
pub fn managed_group_quota(ctx: &Ctx) -> Vec<Hit> {
    let managed = ctx
        .plan
        .node_groups
        .iter()
        .filter(|g| g.provisioner == Provisioner::Managed)
        .count();
    if managed <= aws_limits::MANAGED_GROUPS_PER_CLUSTER {
        return Vec::new();
    }
    vec![Hit::cluster(
        Severity::Warning,
        "spec.nodeGroups",
        format!(
            "{managed} managed node groups; the EKS quota \"Managed node groups per cluster\" is {} by default",
            aws_limits::MANAGED_GROUPS_PER_CLUSTER
        ),
        "request an increase in Service Quotas (Amazon EKS) before applying, or merge groups (fewer memory tiers, Karpenter NodePools)",
    )]
}

/// EKSG024.
pub fn managed_group_node_quota(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(_, g)| {
            g.provisioner == Provisioner::Managed && g.scaling.max > aws_limits::NODES_PER_MANAGED_GROUP
        })
        .map(|(d, g)| {
            Hit::group(
                Severity::Warning,
                d,
                "scaling.max",
                format!(
                    "scaling.max {} exceeds the EKS quota \"Nodes per managed node group\" ({} by default)",
                    g.scaling.max,
                    aws_limits::NODES_PER_MANAGED_GROUP
                ),
                "request an increase in Service Quotas (Amazon EKS), or split the group",
            )
        })
        .collect()
}

/// EKSG025.
pub fn auto_scaling_group_quota(ctx: &Ctx) -> Vec<Hit> {
    let auto_scaling_groups = ctx
        .plan
        .node_groups
        .iter()
        .filter(|g| g.provisioner != Provisioner::Karpenter)
        .count();
    if auto_scaling_groups <= aws_limits::AUTO_SCALING_GROUPS_PER_REGION {
        return Vec::new();
    }
    vec![Hit::cluster(
        Severity::Warning,
        "spec.nodeGroups",
        format!(
            "{auto_scaling_groups} Auto Scaling groups (one per managed or self-managed group); the EC2 Auto Scaling quota \"Auto Scaling groups per region\" is {} by default and counts every group in the account and region",
            aws_limits::AUTO_SCALING_GROUPS_PER_REGION
        ),
        "request an increase in Service Quotas (Amazon EC2 Auto Scaling), or use Karpenter NodePools",
    )]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hits, intent, intent_with};
    use super::*;

    const WIDE: &str = "    secondaryCidrs: auto\n";
    const GROUP: &str = "    - { name: web, instanceTypes: [m6i.large], scaling: { min: 1, desired: 1, max: 2 } }\n";

    #[test]
    fn too_many_tags_for_an_auto_scaling_group() {
        let tags = |n: usize| {
            let list: Vec<String> = (0..n).map(|i| format!("t{i}: v")).collect();
            format!("  tags: {{ {} }}\n", list.join(", "))
        };
        let found = hits(asg_tag_limit, &intent_with("1.34", WIDE, GROUP, &tags(60)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.ends_with("AWS allows 50"), "{found:?}");
        assert!(hits(asg_tag_limit, &intent_with("1.34", WIDE, GROUP, &tags(5))).is_empty());
    }

    #[test]
    fn extended_support_is_placed_at_the_version() {
        let found = hits(extended_support, &intent("1.32", WIDE, GROUP));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.kubernetesVersion");
        assert!(hits(extended_support, &intent("1.34", WIDE, GROUP)).is_empty());
    }

    #[test]
    fn quotas_count_the_right_groups() {
        let groups = |n: usize, provisioner: &str| -> String {
            (0..n)
                .map(|i| format!("    - {{ name: g{i}, provisioner: {provisioner}, instanceTypes: [m6i.large], scaling: {{ min: 0, desired: 0, max: 1 }} }}\n"))
                .collect()
        };
        let managed = intent("1.34", WIDE, &groups(31, "managed"));
        assert_eq!(hits(managed_group_quota, &managed).len(), 1);
        assert!(hits(auto_scaling_group_quota, &managed).is_empty());
        assert!(
            hits(
                managed_group_quota,
                &intent("1.34", WIDE, &groups(31, "self-managed"))
            )
            .is_empty()
        );
        let big = "    - { name: big, instanceTypes: [m6i.large], podsPerNode: 4, scaling: { min: 0, desired: 0, max: 451 } }\n";
        let found = hits(managed_group_node_quota, &intent("1.34", WIDE, big));
        assert_eq!(found[0].path, "spec.nodeGroups[0].scaling.max", "{found:?}");
    }
}
