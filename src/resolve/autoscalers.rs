//! How the autoscalers themselves are installed and configured: cluster-autoscaler's chart,
//! expander, priority ConfigMap, balancing and scale-down timing, and the Karpenter
//! controller's chart settings wired to what the Terraform creates.
//!
//! Chart versions and the cluster-autoscaler image per Kubernetes minor are pinned in
//! [`super::charts`]. Reads only the finished node groups (names, provisioners, prices), so every
//! decision here follows the same plan the Terraform and the NodePools come from. The
//! Pod Identity role and association of `kube-system/cluster-autoscaler` are made on the
//! Terraform side; this module only names the service account both sides use.

use super::charts;
use crate::plan::{
    ClusterAutoscalerPlan, ExpanderPriority, GROUP_LABEL, HelmComponent, KarpenterControllerPlan,
    KarpenterVersionPlan, NodeGroupPlan, Provisioner, ScaleDownPlan, TaintEffect,
};

/// The service account the Pod Identity association of the Terraform side names.
pub const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT: &str = "cluster-autoscaler";
/// Service account of the Terraform karpenter module's Pod Identity association (its
/// `service_account` default, namespace `kube-system`).
pub const KARPENTER_SERVICE_ACCOUNT: &str = "karpenter";

/// Scale-down timing for clusters with one-pod-per-node groups.
const ONE_POD_UNNEEDED_TIME: &str = "5m";
/// cluster-autoscaler's own defaults (`--scale-down-unneeded-time`, `--scale-down-delay-after-add`).
const DEFAULT_UNNEEDED_TIME: &str = "10m";
const DEFAULT_DELAY_AFTER_ADD: &str = "10m";

/// The Karpenter chart's `replicas` default (values.yaml of the pinned release).
const CHART_KARPENTER_REPLICAS: u32 = 2;

/// Gap between two priority levels, so a hand-added group can slot in between.
const PRIORITY_STEP: u32 = 10;

/// Regex over the Auto Scaling group names a node group gets. terraform-aws-eks names a
/// managed node group `<name>-<26-character suffix>` (`node_group_name_prefix`) and EKS names
/// its Auto Scaling group `eks-<node group name>-<uuid>`; a self-managed group's Auto Scaling
/// group is `<name>-<suffix>` itself. The fixed suffix length keeps `nb` from matching `nb-1`.
pub fn asg_name_pattern(group: &NodeGroupPlan) -> String {
    let name = regex_escape(&group.name);
    let suffix = crate::intent::aws_limits::NAME_PREFIX_SUFFIX;
    if group.provisioner == Provisioner::SelfManaged {
        format!("^{name}-[0-9a-f]{{{suffix}}}$")
    } else {
        format!("^eks-{name}-[0-9a-f]{{{suffix}}}-")
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// cluster-autoscaler settings for the node groups it scales (all but Karpenter's).
pub fn cluster_autoscaler(
    kubernetes_version: &str,
    groups: &[NodeGroupPlan],
) -> ClusterAutoscalerPlan {
    let scaled: Vec<&NodeGroupPlan> = groups
        .iter()
        .filter(|g| g.provisioner != Provisioner::Karpenter)
        .collect();
    let (image_tag, image_tag_reason) = match charts::cluster_autoscaler_release(kubernetes_version)
    {
        Some(tag) => (
            tag.to_string(),
            format!(
                "cluster-autoscaler supports each Kubernetes minor with its own minor release; \
                 {tag} is the newest {kubernetes_version} patch (kubernetes/autoscaler tags)"
            ),
        ),
        None => (
            format!("v{kubernetes_version}.0"),
            format!(
                "eksgen knows no cluster-autoscaler patch for {kubernetes_version}; the first \
                 release of the matching minor is assumed: check the kubernetes/autoscaler releases"
            ),
        ),
    };
    ClusterAutoscalerPlan {
        service_account: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT.into(),
        image_tag,
        image_tag_reason,
        expander: "priority,least-waste".into(),
        expander_reason:
            "least-waste alone ties on pods without requests (every group wastes the same \
             nothing) and breaks the tie at random, so a small pod can start a large node; \
             priority first prefers the cheapest group that fits the pending pods \
             (priorities from the plan's on-demand prices), and least-waste decides between \
             groups of the same price"
                .into(),
        priorities: priorities(&scaled),
        balance_similar_node_groups: true,
        balancing_ignore_labels: vec![GROUP_LABEL.to_string()],
        balance_reason: format!(
            "a group split per zone scales its zones evenly, so zonal pods find a node in their \
             zone; cluster-autoscaler calls groups similar only when their labels match, and \
             {GROUP_LABEL} differs per group by design, so it is ignored for the comparison \
             (groups of different instance types or taints stay apart)"
        ),
        scale_down: scale_down(&scaled),
    }
}

/// Cheaper groups get higher priorities; groups of equal price share one level; unpriced
/// groups come last.
fn priorities(groups: &[&NodeGroupPlan]) -> Vec<ExpanderPriority> {
    let mut prices: Vec<f64> = groups.iter().filter_map(|g| g.hourly_cost_usd).collect();
    prices.sort_by(f64::total_cmp);
    prices.dedup();
    let levels = prices.len() as u32;
    let mut out: Vec<ExpanderPriority> = prices
        .iter()
        .enumerate()
        .map(|(rank, &price)| {
            let members: Vec<&&NodeGroupPlan> = groups
                .iter()
                .filter(|g| g.hourly_cost_usd == Some(price))
                .collect();
            ExpanderPriority {
                priority: PRIORITY_STEP * (levels - rank as u32),
                node_groups: members.iter().map(|g| g.name.clone()).collect(),
                patterns: members.iter().map(|g| asg_name_pattern(g)).collect(),
                hourly_cost_usd: Some(price),
                reason: format!(
                    "${price:.4}/node-hour on demand: {} of {} price levels (cheapest first)",
                    ordinal(rank + 1),
                    levels
                ),
            }
        })
        .collect();
    let unpriced: Vec<&&NodeGroupPlan> = groups
        .iter()
        .filter(|g| g.hourly_cost_usd.is_none())
        .collect();
    if !unpriced.is_empty() {
        out.push(ExpanderPriority {
            priority: 1,
            node_groups: unpriced.iter().map(|g| g.name.clone()).collect(),
            patterns: unpriced.iter().map(|g| asg_name_pattern(g)).collect(),
            hourly_cost_usd: None,
            reason: "no price in the catalog: tried after every priced group".into(),
        });
    }
    out
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn scale_down(groups: &[&NodeGroupPlan]) -> ScaleDownPlan {
    let one_pod: Vec<&str> = groups
        .iter()
        .filter(|g| g.one_pod_per_node)
        .map(|g| g.name.as_str())
        .collect();
    if one_pod.is_empty() {
        return ScaleDownPlan {
            unneeded_time: DEFAULT_UNNEEDED_TIME.into(),
            delay_after_add: DEFAULT_DELAY_AFTER_ADD.into(),
            reason: "cluster-autoscaler's defaults: shared nodes drain slowly and a node below \
                     half use may take pods again within minutes"
                .into(),
        };
    }
    ScaleDownPlan {
        unneeded_time: ONE_POD_UNNEEDED_TIME.into(),
        delay_after_add: DEFAULT_DELAY_AFTER_ADD.into(),
        reason: format!(
            "one-pod-per-node groups ({}): a node whose pod ended is empty, and the group's \
             nodeSelector keeps other pods off it, so waiting the default 10 minutes only pays \
             for an idle node; 5 minutes still keeps it for a pod re-created right away (a \
             restarted notebook). delay-after-add stays 10m: a new one-pod node can spend \
             minutes pulling a large image before its pod starts",
            one_pod.join(", ")
        ),
    }
}

/// Karpenter controller chart settings, wired to the Terraform karpenter module.
pub fn karpenter_controller(
    cluster: &str,
    min_version: Option<&KarpenterVersionPlan>,
    groups: &[NodeGroupPlan],
) -> KarpenterControllerPlan {
    // Nodes the controller can run on from the start: always-on groups outside Karpenter
    // whose taints it does not tolerate (the chart tolerates only CriticalAddonsOnly).
    let hosts: u32 = groups
        .iter()
        .filter(|g| g.provisioner != Provisioner::Karpenter)
        .filter(|g| {
            g.taints
                .iter()
                .all(|t| t.key == "CriticalAddonsOnly" || t.effect == TaintEffect::PreferNoSchedule)
        })
        .map(|g| g.scaling.min)
        .sum();
    let replicas = hosts.clamp(1, CHART_KARPENTER_REPLICAS);
    let replicas_reason = if replicas == CHART_KARPENTER_REPLICAS {
        format!(
            "the chart's {CHART_KARPENTER_REPLICAS}: {hosts} always-on untainted nodes outside \
             Karpenter's pools hold one replica each (required anti-affinity per host)"
        )
    } else {
        format!(
            "{replicas}, not the chart's {CHART_KARPENTER_REPLICAS}: only {hosts} always-on \
             untainted node(s) outside Karpenter's pools, and the chart's required anti-affinity \
             per host would leave a second replica Pending (and `helm --wait` failing); raise \
             the system group's scaling.min to 2 for a standby replica"
        )
    };
    let pinned = charts::pinned(HelmComponent::Karpenter).version;
    let version_reason = match min_version {
        Some(min) => format!(
            "pinned {pinned}, the release whose CRDs the NodePools are checked \
             against; the NodePools need at least {}: {}",
            min.version, min.reason
        ),
        None => {
            format!("pinned {pinned}, the release whose CRDs the NodePools are checked against")
        }
    };
    KarpenterControllerPlan {
        service_account: KARPENTER_SERVICE_ACCOUNT.into(),
        cluster_name: cluster.to_string(),
        interruption_queue: format!("Karpenter-{cluster}"),
        interruption_queue_reason: "the terraform-aws-eks karpenter module names its SQS queue \
                                    `Karpenter-<cluster>` when queue_name is unset (output \
                                    karpenter_queue_name)"
            .into(),
        cluster_endpoint_reason: "EKS assigns the endpoint when it creates the cluster, so \
                                  it is not in this file: the install sets it from the \
                                  Terraform output cluster_endpoint (unset, the controller \
                                  looks it up with eks:DescribeCluster)"
            .into(),
        version_reason,
        replicas,
        replicas_reason,
    }
}

/// Compare `major.minor[.patch]` versions numerically.
pub fn version_at_least(version: &str, minimum: &str) -> bool {
    let parse = |v: &str| -> Vec<u32> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
    parse(version) >= parse(minimum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_karpenter_is_new_enough_for_every_feature() {
        for min in ["1.0", "1.1", "1.3", "1.5", "1.12", "1.14"] {
            assert!(
                version_at_least(charts::pinned(HelmComponent::Karpenter).version, min),
                "{min}"
            );
        }
        assert!(!version_at_least("1.9.0", "1.12"));
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal).to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"
            ]
        );
    }

    #[test]
    fn regex_escape_keeps_names_literal() {
        assert_eq!(regex_escape("nb-4g"), "nb-4g");
        assert_eq!(regex_escape("a.b"), "a\\.b");
    }

    #[test]
    fn asg_patterns_do_not_match_a_longer_group_name() {
        let suffix = "2025010112000000000000000a";
        let plan = crate::pipeline::plan_from_text(
            include_str!("../../presets/data-science.yaml"),
            "data-science.yaml",
        )
        .unwrap();
        let mut g = plan.node_groups[0].clone();
        g.name = "nb".into();
        g.provisioner = Provisioner::Managed;
        let nb = regex::Regex::new(&asg_name_pattern(&g)).unwrap();
        assert!(nb.is_match(&format!(
            "eks-nb-{suffix}-0ac7d1f2-aaaa-bbbb-cccc-0123456789ab"
        )));
        assert!(!nb.is_match(&format!(
            "eks-nb-1-{suffix}-0ac7d1f2-aaaa-bbbb-cccc-0123456789ab"
        )));
        g.provisioner = Provisioner::SelfManaged;
        let sm = regex::Regex::new(&asg_name_pattern(&g)).unwrap();
        assert!(sm.is_match(&format!("nb-{suffix}")));
        assert!(!sm.is_match(&format!("nb-1-{suffix}")));
    }
}
