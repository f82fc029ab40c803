//! Rules about the VPC CNI settings and max pods: EC2 calls per pod, the cluster-wide
//! address floor, ipamd stalls, MAX_ENI, mixed max pods and how max pods reach the node.

use crate::intent::{MaxPodsSetting, PodChurn};
use crate::plan::{MaxPodsPath, NodeGroupPlan, Severity, ValueSource};
use crate::resolve::cni::{nodes_past_floor, per_pod_call_budget};
use crate::resolve::groups::GroupDraft;
use crate::resolve::ipamd;

use super::{Ctx, Hit};

/// Where the CNI settings live in the intent.
const CNI_PATH: &str = "spec.network.cni";

/// EKSG001. Per-pod EC2 calls happen in secondary-IP mode with IP targets, on nodes whose
/// pods go past what the floor leaves warm (below it ipamd neither adds nor releases).
/// Prefix mode moves whole /28s per call, so it is not flagged.
pub fn warm_ip_target_at_scale(ctx: &Ctx) -> Vec<Hit> {
    let plan = ctx.plan;
    let targets = ctx.targets;
    let churny = ctx.intent.spec.network.pod_churn == PodChurn::High;
    let floor = targets.minimum_ip_target.unwrap_or(0);
    let warm = targets.warm_ip_target.unwrap_or(0);
    let budget = per_pod_call_budget(ctx.intent.spec.network.pod_churn);
    let past = nodes_past_floor(
        plan.node_groups
            .iter()
            .map(|g| (g.pods_per_node, u64::from(g.scaling.max))),
        floor,
        warm,
    );
    if !(warm > 0 && !targets.prefix_delegation && past >= budget) {
        return Vec::new();
    }
    let above: Vec<String> = plan
        .node_groups
        .iter()
        .filter(|g| g.pods_per_node + warm > floor && g.scaling.max > 0)
        .map(|g| {
            format!(
                "`{}` ({} pods x {})",
                g.name, g.pods_per_node, g.scaling.max
            )
        })
        .collect();
    vec![Hit::cluster(
        Severity::Warning,
        CNI_PATH,
        format!(
            "WARM_IP_TARGET={warm} with MINIMUM_IP_TARGET={floor}: {past} nodes at max scale ({}) run more pods than the floor keeps warm, so each pod start and stop there is an EC2 call{}; the account's EC2 API rate is shared by every node",
            above.join(", "),
            if churny { ", with high pod churn" } else { "" }
        ),
        "raise minimumIpTarget to the largest podsPerNode + warmIpTarget, or set only warmEniTarget: 1 (whole ENIs per call), or use prefix delegation",
    )]
}

/// EKSG013. One aws-node DaemonSet serves every group, so its floor makes groups with few
/// pods hold addresses they never use.
pub fn cluster_wide_ip_floor(ctx: &Ctx) -> Vec<Hit> {
    let floor = ctx.targets.minimum_ip_target.unwrap_or(0);
    let warm = ctx.targets.warm_ip_target.unwrap_or(0);
    if floor == 0 {
        return Vec::new();
    }
    let from_intent = ctx
        .plan
        .network
        .cni
        .settings
        .iter()
        .any(|s| s.name == "MINIMUM_IP_TARGET" && s.source == ValueSource::Intent);
    ctx.groups()
        .filter(|(_, g)| {
            u64::from(g.pods_per_node) * 2 < g.ips_per_node && g.pods_per_node + warm < floor
        })
        .map(|(d, g)| {
            Hit::group(
                Severity::Info,
                d,
                "podsPerNode",
                format!(
                    "MINIMUM_IP_TARGET={floor} is cluster-wide (one aws-node DaemonSet), so nodes of this group hold {} addresses for {} pods ({} at max scale)",
                    g.ips_per_node, g.pods_per_node, g.ips_at_max
                ),
                if from_intent {
                    "lower minimumIpTarget, or align podsPerNode across groups"
                } else {
                    "the VPC CNI cannot differ per group; if the address cost matters, align podsPerNode, set warmEniTarget in the intent, or move this group to its own cluster"
                },
            )
        })
        .collect()
}

/// EKSG026. Hold every group against the ipamd model: pods arrive one by one up to max pods.
/// Reported for the group, placed at the CNI settings that cause it.
pub fn ipamd_stops_early(ctx: &Ctx) -> Vec<Hit> {
    let targets = ctx.targets;
    let floor = targets.minimum_ip_target.unwrap_or(0);
    let warm = targets.warm_ip_target.unwrap_or(0);
    let mut out = Vec::new();
    for (d, g) in ctx.groups() {
        let stall = d
            .types
            .iter()
            .filter_map(|t| ipamd::stall_point(ipamd::Ipamd::new(t, g.max_pods, targets)))
            .min();
        let Some(stall) = stall else { continue };
        let planned = stall < g.pods_per_node;
        let why = if targets.minimum_ip_target.is_some_and(|m| m > 0) && warm == 0 {
            format!(
                "MINIMUM_IP_TARGET={floor} without WARM_IP_TARGET: ipamd reads the warm target as 0, holds the floor{} and never allocates past it",
                if targets.prefix_delegation {
                    " (rounded up to whole /28s)"
                } else {
                    ""
                }
            )
        } else {
            "the warm targets leave no free address when the pool is used up".to_string()
        };
        out.push(
            Hit::group(
                if planned { Severity::Error } else { Severity::Warning },
                d,
                "",
                format!(
                    "{why}, so a node of this group serves {stall} pods and pod {} stays in ContainerCreating (\"failed to assign an IP address\") although the ENIs have room; the group plans {} pods and allows {}",
                    stall + 1,
                    g.pods_per_node,
                    g.max_pods
                ),
                "set warmIpTarget to 1 or more next to minimumIpTarget, or remove the CNI targets from the intent and let eksgen choose",
            )
            .at(CNI_PATH),
        );
    }
    out
}

/// EKSG012.
pub fn mixed_max_pods(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(_, g)| {
            g.max_pods_by_type
                .windows(2)
                .any(|w| w[0].max_pods != w[1].max_pods)
        })
        .map(|(d, g)| {
            let list: Vec<String> = g
                .max_pods_by_type
                .iter()
                .map(|m| format!("{} {}", m.instance_type, m.max_pods))
                .collect();
            Hit::group(
                Severity::Info,
                d,
                "instanceTypes",
                format!(
                    "the group's types allow different max pods ({}); every node gets the smallest, {}",
                    list.join(", "),
                    g.max_pods
                ),
                "group instance types with the same ENI layout to use each node fully",
            )
        })
        .collect()
}

/// EKSG002.
pub fn max_eni_without_max_pods(ctx: &Ctx) -> Vec<Hit> {
    let env = &ctx.plan.network.cni.env;
    let Some(max_eni) = env.get("MAX_ENI") else {
        return Vec::new();
    };
    ctx.groups()
        .filter_map(|(d, g)| {
            let n = fixed_over_max_eni(d, g)?;
            Some(Hit::group(
                Severity::Error,
                d,
                "maxPods",
                format!(
                    "maxPods {} is above the {n} pod addresses MAX_ENI={max_eni} leaves: the scheduler would place pods the CNI cannot address",
                    g.max_pods
                ),
                format!("use `maxPods: auto` or at most {n}"),
            ))
        })
        .collect()
}

/// The pod addresses a fixed maxPods exceeds under MAX_ENI, if it does.
fn fixed_over_max_eni(d: &GroupDraft, g: &NodeGroupPlan) -> Option<u32> {
    if !matches!(d.spec.max_pods, MaxPodsSetting::Fixed(_)) {
        return None;
    }
    let allowed = g.max_pods_by_type.iter().map(|m| m.uncapped).min()?;
    (g.max_pods > allowed).then_some(allowed)
}

/// EKSG018.
pub fn custom_ami_path(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(_, g)| g.max_pods_delivery.path == MaxPodsPath::CustomAmi)
        .map(|(d, g)| {
            Hit::group(
                Severity::Info,
                d,
                "",
                g.max_pods_delivery.reason.clone(),
                "nothing to do: the group takes the AMI release the lock file pins by id; `eksgen upgrade --ami` moves it",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hits, intent};
    use super::*;

    #[test]
    fn warm_ip_target_at_scale_counts_nodes_past_the_floor() {
        let cni = "    cni: { mode: secondary-ip, warmIpTarget: 2, minimumIpTarget: 4 }\n";
        let group = |max: u32| {
            format!(
                "    - {{ name: web, instanceTypes: [m6i.large], podsPerNode: 20, scaling: {{ min: 0, desired: 0, max: {max} }} }}\n"
            )
        };
        let found = hits(warm_ip_target_at_scale, &intent("1.34", cni, &group(120)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.network.cni");
        assert!(
            found[0].message.contains("120 nodes at max scale"),
            "{found:?}"
        );
        assert!(hits(warm_ip_target_at_scale, &intent("1.34", cni, &group(50))).is_empty());
    }

    #[test]
    fn cluster_wide_floor_names_the_small_group() {
        let cni = "    cni: { mode: secondary-ip, warmIpTarget: 1, minimumIpTarget: 30 }\n";
        let groups = "    - { name: big, instanceTypes: [m6i.4xlarge], podsPerNode: 30, scaling: { min: 1, desired: 1, max: 2 } }\n    - { name: small, instanceTypes: [m6i.4xlarge], podsPerNode: 4, scaling: { min: 1, desired: 1, max: 2 } }\n";
        let found = hits(cluster_wide_ip_floor, &intent("1.34", cni, groups));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].node_group.as_deref(), Some("small"));
        assert_eq!(found[0].path, "spec.nodeGroups[1].podsPerNode");
        assert!(found[0].hint.starts_with("lower minimumIpTarget"));
    }

    #[test]
    fn ipamd_stall_is_an_error_below_the_planned_pods() {
        let cni = "    cni: { mode: secondary-ip, minimumIpTarget: 5 }\n";
        let group = "    - { name: web, instanceTypes: [m6i.large], podsPerNode: 10, scaling: { min: 1, desired: 1, max: 2 } }\n";
        let found = hits(ipamd_stops_early, &intent("1.34", cni, group));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].path, "spec.network.cni");
        let fixed = "    cni: { mode: secondary-ip, minimumIpTarget: 5, warmIpTarget: 1 }\n";
        assert!(hits(ipamd_stops_early, &intent("1.34", fixed, group)).is_empty());
    }

    #[test]
    fn mixed_max_pods_lists_each_type() {
        let group = "    - { name: mix, instanceTypes: [m6i.large, m6i.xlarge], scaling: { min: 1, desired: 1, max: 2 } }\n";
        let secondary_ip = "    secondaryCidrs: none\n    cni: { mode: secondary-ip }\n";
        let found = hits(mixed_max_pods, &intent("1.34", secondary_ip, group));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("m6i.large 29"), "{found:?}");
        let same = "    - { name: one, instanceTypes: [m6i.large, m5.large], scaling: { min: 1, desired: 1, max: 2 } }\n";
        assert!(hits(mixed_max_pods, &intent("1.34", secondary_ip, same)).is_empty());
    }

    #[test]
    fn fixed_max_pods_above_max_eni_is_an_error() {
        // Without custom networking the ENIs allow 29; MAX_ENI=2 leaves 2 x (10 - 1) + 2.
        let cni = "    secondaryCidrs: none\n    cni: { mode: secondary-ip, warmEniTarget: 1, maxEni: 2 }\n";
        let group = |pods: u32| {
            format!(
                "    - {{ name: web, instanceTypes: [m6i.large], maxPods: {pods}, podsPerNode: 5, scaling: {{ min: 1, desired: 1, max: 2 }} }}\n"
            )
        };
        let found = hits(max_eni_without_max_pods, &intent("1.34", cni, &group(29)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].hint, "use `maxPods: auto` or at most 20");
        assert!(hits(max_eni_without_max_pods, &intent("1.34", cni, &group(20))).is_empty());
    }

    #[test]
    fn custom_ami_path_repeats_the_delivery_reason() {
        let group = "    - { name: web, instanceTypes: [m6i.large], maxPods: 20, podsPerNode: 10, scaling: { min: 1, desired: 1, max: 2 } }\n";
        let found = hits(custom_ami_path, &intent("1.34", "", group));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.nodeGroups[0]");
        assert!(
            found[0]
                .message
                .contains("EKS would set 110 on its own AMI (prefix delegation"),
            "{found:?}"
        );
        // In secondary-IP mode EKS injects the same 29 eksgen computes.
        let auto = "    - { name: web, instanceTypes: [m6i.large], scaling: { min: 1, desired: 1, max: 2 } }\n";
        let secondary_ip = "    secondaryCidrs: none\n    cni: { mode: secondary-ip }\n";
        assert!(hits(custom_ami_path, &intent("1.34", secondary_ip, auto)).is_empty());
    }
}
