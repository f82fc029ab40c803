//! The cluster-wide VPC CNI settings: mode, and the `aws-node` env with a reason per value.
//!
//! The env belongs to one DaemonSet, so one value serves every group; the per-group effect
//! is computed in `ip_budget`. Intent overrides are taken literally (the contract): an intent
//! that sets only `warmEniTarget` gets ENI-target mode and no IP targets.

use std::collections::BTreeMap;

use crate::catalog::InstanceType;
use crate::intent::{CniMode, CniSpec, PodChurn};
use crate::plan::{CniPlan, CniSetting};

use super::ip_budget::CniTargets;

/// Nodes at max scale from which a cluster counts as large for EC2 API pressure.
pub const LARGE_CLUSTER_NODES: u64 = 100;
/// Free IPs kept per node on small, calm clusters (AWS's example pairs 2 with a floor of 12).
pub const SMALL_CLUSTER_WARM_IPS: u32 = 2;

pub struct CniInputs<'a> {
    pub spec: &'a CniSpec,
    pub churn: PodChurn,
    pub types: Vec<&'a InstanceType>,
    /// `(name, podsPerNode, scaling.max)` of every group.
    pub groups: Vec<(&'a str, u32, u64)>,
    pub nodes_at_max: u64,
    pub custom_networking: bool,
}

/// Prefix delegation or secondary IPs, and why.
pub fn decide_mode(spec: &CniSpec, types: &[&InstanceType]) -> (bool, String) {
    let non_nitro: Vec<&str> = types
        .iter()
        .filter(|t| !t.is_nitro())
        .map(|t| t.name.as_str())
        .collect();
    match spec.mode {
        CniMode::PrefixDelegation => {
            let note = if non_nitro.is_empty() {
                String::new()
            } else {
                format!("; {} keep secondary IPs (not nitro)", non_nitro.join(", "))
            };
            (true, format!("set in the intent{note}"))
        }
        CniMode::SecondaryIp => (false, "set in the intent".to_string()),
        CniMode::Auto if non_nitro.is_empty() => (
            true,
            "auto: every instance type is nitro, so /28 prefixes give 16 addresses per ENI slot and one EC2 call per 16 pods".to_string(),
        ),
        CniMode::Auto => (
            false,
            format!("auto: {} not nitro, and prefix delegation needs nitro on every node", non_nitro.join(", ")),
        ),
    }
}

/// The env for the chosen mode; returns the plan part and the targets for IP accounting.
pub fn decide(input: &CniInputs<'_>, pd: bool) -> (CniPlan, CniTargets) {
    let spec = input.spec;
    let (_, mode_reason) = decide_mode(spec, &input.types);
    let mut settings: Vec<CniSetting> = Vec::new();
    let mut targets = CniTargets {
        prefix_delegation: pd,
        custom_networking: input.custom_networking,
        max_eni: spec.max_eni,
        ..Default::default()
    };
    if pd {
        push(
            &mut settings,
            "ENABLE_PREFIX_DELEGATION",
            "true".into(),
            "eksgen",
            mode_reason.clone(),
        );
    }
    // One floor serves every node: take the podsPerNode of the group with the most nodes at
    // max scale, where the floor's addresses are multiplied most.
    let (floor_group, floor, floor_nodes) = input
        .groups
        .iter()
        .copied()
        .max_by_key(|(_, pods, nodes)| (*nodes, *pods))
        .unwrap_or(("", 1, 0));
    if spec.has_overrides() {
        let literal = "set in the intent (taken literally; eksgen adds no other targets)";
        if let Some(v) = spec.warm_eni_target {
            push(
                &mut settings,
                "WARM_ENI_TARGET",
                v.to_string(),
                "intent",
                literal.to_string(),
            );
            targets.warm_eni_target = Some(v);
        }
        if let Some(v) = spec.warm_ip_target {
            push(
                &mut settings,
                "WARM_IP_TARGET",
                v.to_string(),
                "intent",
                literal.to_string(),
            );
            targets.warm_ip_target = Some(v);
        }
        if let Some(v) = spec.minimum_ip_target {
            push(
                &mut settings,
                "MINIMUM_IP_TARGET",
                v.to_string(),
                "intent",
                literal.to_string(),
            );
            targets.minimum_ip_target = Some(v);
        }
        if let Some(v) = spec.warm_prefix_target {
            push(
                &mut settings,
                "WARM_PREFIX_TARGET",
                v.to_string(),
                "intent",
                literal.to_string(),
            );
            targets.warm_prefix_target = Some(v);
        }
    } else {
        let large = input.nodes_at_max >= LARGE_CLUSTER_NODES;
        let churny = input.churn == PodChurn::High;
        push(
            &mut settings,
            "MINIMUM_IP_TARGET",
            floor.to_string(),
            "eksgen",
            if pd {
                format!(
                    "each node takes the /28 prefixes for {floor} addresses at boot (podsPerNode of `{floor_group}`, the group with the most nodes at max scale: {floor_nodes}) instead of keeping a whole spare /28 (WARM_PREFIX_TARGET=1); groups with more pods add prefixes as pods arrive"
                )
            } else {
                format!(
                    "each node allocates {floor} addresses in one call at boot (podsPerNode of `{floor_group}`, the group with the most nodes at max scale: {floor_nodes}) instead of whole ENIs of up to {} addresses; groups with more pods add addresses as pods arrive",
                    input
                        .types
                        .iter()
                        .map(|t| t.ipv4_per_eni)
                        .max()
                        .unwrap_or(0)
                )
            },
        );
        targets.minimum_ip_target = Some(floor);
        if large || churny {
            let why = if large {
                format!("{} nodes at max scale", input.nodes_at_max)
            } else {
                "high pod churn".to_string()
            };
            if let Some(floor) = settings.last_mut() {
                floor.reason.push_str(&format!(
                    "; no WARM_IP_TARGET: with {why}, a warm IP target makes every node call EC2 on each pod start and stop and risks account-wide throttling"
                ));
            }
        } else {
            push(
                &mut settings,
                "WARM_IP_TARGET",
                SMALL_CLUSTER_WARM_IPS.to_string(),
                "eksgen",
                format!(
                    "keep {SMALL_CLUSTER_WARM_IPS} spare addresses beyond the floor for pods above podsPerNode; safe at {} nodes with low churn",
                    input.nodes_at_max
                ),
            );
            targets.warm_ip_target = Some(SMALL_CLUSTER_WARM_IPS);
        }
    }
    if let Some(v) = spec.max_eni {
        push(
            &mut settings,
            "MAX_ENI",
            v.to_string(),
            "intent",
            "set in the intent; every group's kubelet max pods is computed with the same cap"
                .to_string(),
        );
    }
    if input.custom_networking {
        push(
            &mut settings,
            "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG",
            "true".into(),
            "eksgen",
            "pods take addresses from the pod subnets in the secondary CIDRs (one ENIConfig per AZ)".to_string(),
        );
        push(
            &mut settings,
            "ENI_CONFIG_LABEL_DEF",
            "topology.kubernetes.io/zone".into(),
            "eksgen",
            "each node selects the ENIConfig named after its zone, so no per-node annotation is needed".to_string(),
        );
    }
    let env: BTreeMap<String, String> = settings
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect();
    let plan = CniPlan {
        mode: if pd {
            "prefix-delegation"
        } else {
            "secondary-ip"
        }
        .to_string(),
        mode_reason,
        env,
        settings,
    };
    (plan, targets)
}

fn push(settings: &mut Vec<CniSetting>, name: &str, value: String, source: &str, reason: String) {
    settings.push(CniSetting {
        name: name.to_string(),
        value,
        source: source.to_string(),
        reason,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn inputs<'a>(spec: &'a CniSpec, churn: PodChurn, nodes: u64) -> CniInputs<'a> {
        CniInputs {
            spec,
            churn,
            types: vec![Catalog::embedded().get("m6i.large").unwrap()],
            groups: vec![("big", 30, nodes), ("small", 4, nodes + 1)],
            nodes_at_max: nodes * 2 + 1,
            custom_networking: false,
        }
    }

    #[test]
    fn small_calm_cluster_gets_floor_and_small_warm_target() {
        let spec = CniSpec::default();
        let (plan, t) = decide(&inputs(&spec, PodChurn::Low, 5), true);
        assert_eq!(plan.env["ENABLE_PREFIX_DELEGATION"], "true");
        // The floor follows the group with the most nodes (4 pods, 6 nodes), not the busiest.
        assert_eq!(plan.env["MINIMUM_IP_TARGET"], "4");
        assert_eq!(plan.env["WARM_IP_TARGET"], "2");
        assert_eq!((t.minimum_ip_target, t.warm_ip_target), (Some(4), Some(2)));
    }

    #[test]
    fn large_or_churny_clusters_get_no_warm_ip_target() {
        let spec = CniSpec::default();
        for (churn, nodes) in [(PodChurn::High, 5), (PodChurn::Low, 60)] {
            let (plan, _) = decide(&inputs(&spec, churn, nodes), false);
            assert!(
                !plan.env.contains_key("WARM_IP_TARGET"),
                "{churn:?} {nodes}: {:?}",
                plan.env
            );
            assert!(plan.settings[0].reason.contains("no WARM_IP_TARGET"));
        }
    }

    #[test]
    fn overrides_are_literal() {
        let spec = CniSpec {
            warm_eni_target: Some(1),
            max_eni: Some(2),
            ..Default::default()
        };
        let (plan, t) = decide(&inputs(&spec, PodChurn::Low, 5), false);
        assert_eq!(
            plan.env.keys().collect::<Vec<_>>(),
            ["MAX_ENI", "WARM_ENI_TARGET"]
        );
        assert!(plan.settings.iter().all(|s| s.source == "intent"));
        assert_eq!(
            (t.warm_eni_target, t.max_eni, t.minimum_ip_target),
            (Some(1), Some(2), None)
        );
    }
}
