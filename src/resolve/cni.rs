//! The cluster-wide VPC CNI settings: mode, and the `aws-node` env with a reason per value.
//!
//! The env belongs to one DaemonSet, so one value serves every group; the per-group effect
//! is computed in `ip_budget` (closed form) and `ipamd` (step model). Intent overrides are
//! taken literally (the contract): an intent that sets only `warmEniTarget` gets ENI-target
//! mode and no IP targets; findings flag an override ipamd cannot serve.
//!
//! eksgen's own targets never emit `MINIMUM_IP_TARGET` alone: ipamd reads a missing
//! `WARM_IP_TARGET` as 0 and then stops allocating at the floor. Defaults:
//! - a floor of the planned pods per node plus the warm target, so a node gets its planned
//!   addresses at boot and makes no further EC2 call while it runs at most its planned pods
//!   (ipamd never releases below the floor), plus `WARM_IP_TARGET=2` to keep serving pods
//!   above the plan;
//! - the floor is one group's planned pods + warm: of those candidates, the one holding the
//!   fewest addresses at max scale, among those that leave fewer nodes allocating past their
//!   floor than the per-call budget (100 nodes at max, 10 with high pod churn: the VPC CNI
//!   warns against per-pod EC2 calls on large or churny clusters);
//! - on large (>= 100 nodes at max) or high-churn clusters in secondary-IP mode,
//!   `WARM_ENI_TARGET=1` with no IP targets when whole ENIs hold fewer addresses at max scale
//!   than that floor (one call per ENI, never per pod). Prefix mode keeps IP targets: its calls
//!   move whole /28s, and `WARM_PREFIX_TARGET` counts free prefixes, which pods spread over
//!   unpredictably.

use std::collections::BTreeMap;

use crate::catalog::InstanceType;
use crate::intent::{CniMode, CniSpec, PodChurn};
use crate::plan::{CniAddressMode, CniPlan, CniSetting, ValueSource};

use super::ip_budget::{CniTargets, addresses_total};

/// Nodes at max scale from which a cluster counts as large for EC2 API pressure.
pub const LARGE_CLUSTER_NODES: u64 = 100;
/// Free IPs ipamd keeps beyond the pods on every node (AWS's example pairs 2 with a floor of
/// 12). Never 0: with a floor, ipamd reads 0 as "stop at the floor".
pub const WARM_IPS: u32 = 2;
/// Spare ENIs in secondary-IP mode when eksgen chooses ENI targets.
pub const WARM_ENIS: u32 = 1;

/// One node group as the CNI decision sees it.
#[derive(Debug, Clone)]
pub struct CniGroup<'a> {
    pub name: &'a str,
    pub pods_per_node: u32,
    /// `scaling.max`.
    pub max_nodes: u64,
    /// Kubelet max pods of the group.
    pub max_pods: u32,
    pub types: Vec<&'a InstanceType>,
}

pub struct CniInputs<'a> {
    pub spec: &'a CniSpec,
    pub churn: PodChurn,
    pub types: Vec<&'a InstanceType>,
    pub groups: Vec<CniGroup<'a>>,
    pub nodes_at_max: u64,
    pub custom_networking: bool,
}

/// Addresses every group holds at max scale under `targets` (the largest type of each group).
pub fn addresses_at_max(groups: &[CniGroup<'_>], targets: CniTargets) -> u64 {
    groups
        .iter()
        .map(|g| {
            g.types
                .iter()
                .map(|t| addresses_total(t, g.pods_per_node, g.max_pods, targets))
                .max()
                .unwrap_or(0)
                * g.max_nodes
        })
        .sum()
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
            ValueSource::Eksgen,
            mode_reason.clone(),
        );
    }
    if spec.has_overrides() {
        let literal = "set in the intent (taken literally; eksgen adds no other targets)";
        if let Some(v) = spec.warm_eni_target {
            push(
                &mut settings,
                "WARM_ENI_TARGET",
                v.to_string(),
                ValueSource::Intent,
                literal.to_string(),
            );
            targets.warm_eni_target = Some(v);
        }
        if let Some(v) = spec.warm_ip_target {
            push(
                &mut settings,
                "WARM_IP_TARGET",
                v.to_string(),
                ValueSource::Intent,
                literal.to_string(),
            );
            targets.warm_ip_target = Some(v);
        }
        if let Some(v) = spec.minimum_ip_target {
            push(
                &mut settings,
                "MINIMUM_IP_TARGET",
                v.to_string(),
                ValueSource::Intent,
                literal.to_string(),
            );
            targets.minimum_ip_target = Some(v);
        }
        if let Some(v) = spec.warm_prefix_target {
            push(
                &mut settings,
                "WARM_PREFIX_TARGET",
                v.to_string(),
                ValueSource::Intent,
                literal.to_string(),
            );
            targets.warm_prefix_target = Some(v);
        }
    } else {
        default_targets(input, pd, &mut settings, &mut targets);
    }
    if let Some(v) = spec.max_eni {
        push(
            &mut settings,
            "MAX_ENI",
            v.to_string(),
            ValueSource::Intent,
            "set in the intent; every group's kubelet max pods is computed with the same cap"
                .to_string(),
        );
    }
    if input.custom_networking {
        push(
            &mut settings,
            "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG",
            "true".into(),
            ValueSource::Eksgen,
            "pods take addresses from the pod subnets in the secondary CIDRs (one ENIConfig per AZ)".to_string(),
        );
        push(
            &mut settings,
            "ENI_CONFIG_LABEL_DEF",
            "topology.kubernetes.io/zone".into(),
            ValueSource::Eksgen,
            "each node selects the ENIConfig named after its zone, so no per-node annotation is needed".to_string(),
        );
    }
    let env: BTreeMap<String, String> = settings
        .iter()
        .map(|s| (s.name.clone(), s.value.clone()))
        .collect();
    let plan = CniPlan {
        mode: if pd {
            CniAddressMode::PrefixDelegation
        } else {
            CniAddressMode::SecondaryIp
        },
        mode_reason,
        env,
        settings,
    };
    (plan, targets)
}

/// Nodes at max scale that may make EC2 calls per pod start and stop (secondary-IP mode with
/// IP targets, pods past the floor's warm share) before eksgen treats the API pressure as a
/// risk: the VPC CNI's own line between small and large clusters, or a tenth of it with high
/// pod churn.
pub fn per_pod_call_budget(churn: PodChurn) -> u64 {
    match churn {
        PodChurn::Low => LARGE_CLUSTER_NODES,
        PodChurn::High => LARGE_CLUSTER_NODES / 10,
    }
}

/// Nodes at max scale whose planned pods go past `floor − warm`, where ipamd allocates (and,
/// as pods leave, releases) beyond the floor.
pub fn nodes_past_floor(
    groups: impl IntoIterator<Item = (u32, u64)>,
    floor: u32,
    warm: u32,
) -> u64 {
    groups
        .into_iter()
        .filter(|(pods, _)| pods + warm > floor)
        .map(|(_, nodes)| nodes)
        .sum()
}

/// eksgen's own targets (see the module doc for the rules and why).
fn default_targets(
    input: &CniInputs<'_>,
    pd: bool,
    settings: &mut Vec<CniSetting>,
    targets: &mut CniTargets,
) {
    let churny = input.churn == PodChurn::High;
    let budget = per_pod_call_budget(input.churn);
    let pressure = if churny {
        "high pod churn".to_string()
    } else {
        format!("{} nodes at max scale", input.nodes_at_max)
    };
    let with_floor = |floor: u32| CniTargets {
        warm_ip_target: Some(WARM_IPS),
        minimum_ip_target: Some(floor),
        ..*targets
    };
    // Candidate floors: each group's planned pods plus the warm share. Take the one that holds
    // the fewest addresses at max scale among those that leave fewer than `budget` nodes
    // allocating per pod; on a tie, the higher floor (fewer such nodes).
    let mut floors: Vec<u32> = input
        .groups
        .iter()
        .map(|g| g.pods_per_node + WARM_IPS)
        .collect();
    floors.sort_unstable();
    floors.dedup();
    let past = |floor: u32| {
        nodes_past_floor(
            input.groups.iter().map(|g| (g.pods_per_node, g.max_nodes)),
            floor,
            WARM_IPS,
        )
    };
    let floor = floors
        .iter()
        .copied()
        .filter(|f| past(*f) < budget)
        .min_by_key(|f| {
            (
                addresses_at_max(&input.groups, with_floor(*f)),
                std::cmp::Reverse(*f),
            )
        })
        .or(floors.last().copied())
        .unwrap_or(1 + WARM_IPS);
    let ip_targets = with_floor(floor);
    let by_ip = addresses_at_max(&input.groups, ip_targets);
    let covered: Vec<&str> = input
        .groups
        .iter()
        .filter(|g| g.pods_per_node + WARM_IPS <= floor)
        .map(|g| g.name)
        .collect();
    let above: Vec<String> = input
        .groups
        .iter()
        .filter(|g| g.pods_per_node + WARM_IPS > floor)
        .map(|g| {
            format!(
                "`{}` ({} pods, {} nodes at max)",
                g.name, g.pods_per_node, g.max_nodes
            )
        })
        .collect();
    let large = input.nodes_at_max >= LARGE_CLUSTER_NODES;
    let mut by_eni = None;
    if (large || churny) && !pd {
        let eni_targets = CniTargets {
            warm_eni_target: Some(WARM_ENIS),
            ..*targets
        };
        let eni_total = addresses_at_max(&input.groups, eni_targets);
        if eni_total < by_ip {
            push(
                settings,
                "WARM_ENI_TARGET",
                WARM_ENIS.to_string(),
                ValueSource::Eksgen,
                format!(
                    "{pressure}: ipamd adds a whole ENI of secondary IPs per EC2 call and never calls per pod; {WARM_ENIS} spare ENI holds {eni_total} addresses at max scale against {by_ip} with a MINIMUM_IP_TARGET={floor} floor, so no IP targets"
                ),
            );
            *targets = eni_targets;
            return;
        }
        by_eni = Some(eni_total);
    }
    let floor_group = input
        .groups
        .iter()
        .find(|g| g.pods_per_node + WARM_IPS == floor)
        .map_or("", |g| g.name);
    let unit = if pd { "/28 prefixes" } else { "addresses" };
    let mut why = format!(
        "{} planned pods of `{floor_group}` + {WARM_IPS} warm: nodes of {} take these {unit} at boot and make no further EC2 call while they run at most their planned pods (ipamd never releases below the floor); {by_ip} addresses at max scale",
        floor - WARM_IPS,
        covered
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !above.is_empty() {
        why.push_str(&format!(
            "; {} allocate{} {} past the floor: {} nodes at max, under the {budget} from which eksgen counts per-call EC2 pressure ({}), and a higher floor would hold more addresses",
            above.join(", "),
            if above.len() == 1 { "s" } else { "" },
            if pd { "/28 by /28" } else { "address by address" },
            past(floor),
            if churny { "high pod churn" } else { "low pod churn" }
        ));
    }
    if let Some(eni_total) = by_eni {
        why.push_str(&format!(
            "; WARM_ENI_TARGET={WARM_ENIS} would hold {eni_total}"
        ));
    }
    push(
        settings,
        "MINIMUM_IP_TARGET",
        floor.to_string(),
        ValueSource::Eksgen,
        why,
    );
    push(
        settings,
        "WARM_IP_TARGET",
        WARM_IPS.to_string(),
        ValueSource::Eksgen,
        format!(
            "keeps {WARM_IPS} free addresses beyond the pods so ipamd goes on serving pods above the floor; without it ipamd reads 0 and stops at MINIMUM_IP_TARGET"
        ),
    );
    *targets = ip_targets;
}

fn push(
    settings: &mut Vec<CniSetting>,
    name: &str,
    value: String,
    source: ValueSource,
    reason: String,
) {
    settings.push(CniSetting {
        name: name.to_string(),
        value,
        source,
        reason,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn inputs<'a>(spec: &'a CniSpec, churn: PodChurn, nodes: u64) -> CniInputs<'a> {
        let m6i = Catalog::embedded().get("m6i.large").unwrap();
        CniInputs {
            spec,
            churn,
            types: vec![m6i],
            groups: vec![
                CniGroup {
                    name: "big",
                    pods_per_node: 25,
                    max_nodes: nodes,
                    max_pods: 29,
                    types: vec![m6i],
                },
                CniGroup {
                    name: "small",
                    pods_per_node: 4,
                    max_nodes: nodes + 1,
                    max_pods: 29,
                    types: vec![m6i],
                },
            ],
            nodes_at_max: nodes * 2 + 1,
            custom_networking: false,
        }
    }

    #[test]
    fn small_calm_cluster_gets_floor_of_the_most_numerous_group_and_a_warm_target() {
        let spec = CniSpec::default();
        let (plan, t) = decide(&inputs(&spec, PodChurn::Low, 5), true);
        assert_eq!(plan.env["ENABLE_PREFIX_DELEGATION"], "true");
        // The floor follows the group with the most nodes (4 pods, 6 nodes) plus the warm 2.
        assert_eq!(plan.env["MINIMUM_IP_TARGET"], "6");
        assert_eq!(plan.env["WARM_IP_TARGET"], "2");
        assert_eq!((t.minimum_ip_target, t.warm_ip_target), (Some(6), Some(2)));
    }

    #[test]
    fn never_a_floor_without_a_warm_target() {
        let spec = CniSpec::default();
        for churn in [PodChurn::Low, PodChurn::High] {
            for nodes in [1, 5, 60, 400] {
                for pd in [false, true] {
                    let (plan, _) = decide(&inputs(&spec, churn, nodes), pd);
                    if plan.env.contains_key("MINIMUM_IP_TARGET") {
                        assert_eq!(
                            plan.env.get("WARM_IP_TARGET").map(String::as_str),
                            Some("2")
                        );
                    } else {
                        assert_eq!(plan.env["WARM_ENI_TARGET"], "1");
                        assert!(!pd);
                    }
                }
            }
        }
    }

    #[test]
    fn per_pod_callers_stay_under_the_budget() {
        let spec = CniSpec::default();
        // High churn, 5 big nodes past a floor of 6: under the budget of 10, so the cheaper
        // floor wins and the reason names the group that allocates past it.
        let (plan, _) = decide(&inputs(&spec, PodChurn::High, 5), true);
        assert_eq!(plan.env["MINIMUM_IP_TARGET"], "6");
        assert!(
            plan.settings[1]
                .reason
                .contains("`big` (25 pods, 5 nodes at max)")
        );
        // 12 big nodes: over the budget, so the floor covers the busiest group (25 + 2).
        let (plan, _) = decide(&inputs(&spec, PodChurn::High, 12), true);
        assert_eq!(plan.env["MINIMUM_IP_TARGET"], "27");
    }

    #[test]
    fn large_secondary_ip_clusters_use_whole_enis_when_cheaper() {
        let spec = CniSpec::default();
        // 150 big nodes force the floor to 27; on the 151 small nodes that costs 30 addresses
        // each against 20 with one spare ENI of 9 slots, so whole ENIs win.
        let (plan, t) = decide(&inputs(&spec, PodChurn::Low, 150), false);
        assert_eq!(
            plan.env.keys().collect::<Vec<_>>(),
            ["WARM_ENI_TARGET"],
            "{:?}",
            plan.settings
        );
        assert_eq!((t.warm_eni_target, t.minimum_ip_target), (Some(1), None));
        assert!(plan.settings[0].reason.contains("no IP targets"));
        // 60 big nodes stay under the budget: floor 6 is cheaper than whole ENIs.
        let (plan, _) = decide(&inputs(&spec, PodChurn::Low, 60), false);
        assert_eq!(plan.env["MINIMUM_IP_TARGET"], "6");
        assert!(
            plan.settings[0]
                .reason
                .contains("WARM_ENI_TARGET=1 would hold")
        );
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
        assert!(
            plan.settings
                .iter()
                .all(|s| s.source == ValueSource::Intent)
        );
        assert_eq!(
            (t.warm_eni_target, t.max_eni, t.minimum_ip_target),
            (Some(1), Some(2), None)
        );
    }
}
