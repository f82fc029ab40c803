//! The plan's address numbers against the ipamd step model (`eksgen::resolve::ipamd`).
//!
//! For every catalog type and every env shape the resolver can emit (prefix or secondary IPs,
//! with and without custom networking and `MAX_ENI`, small / churny / large clusters, so IP
//! targets and `WARM_ENI_TARGET`), a node grows from 0 to its max pods one pod at a time:
//! - the modelled pool always serves the next pod while the ENIs have room;
//! - the addresses held at `podsPerNode` equal `ip_budget::addresses_held` (the plan's
//!   `ipsPerNode` for that type), ENIs and the node / pod subnet split included.
//!
//! Types with the same ENI facts behave identically, so each distinct (addresses per ENI,
//! ENIs, nitro, max pods) is checked once; that keeps the grid cheap while covering every type.
//! Intent overrides are literal and may stall ipamd (that is finding EKSG026), so for them
//! only the closed form is held against the model, up to where the model stops.

use std::collections::BTreeSet;

use eksgen::catalog::{Catalog, InstanceType};
use eksgen::intent::{CniMode, CniSpec, PodChurn};
use eksgen::max_pods::{MaxPodsOptions, max_pods};
use eksgen::resolve::cni::{CniGroup, CniInputs, decide};
use eksgen::resolve::ip_budget::{CniTargets, addresses_held, addresses_total};
use eksgen::resolve::ipamd::{Ipamd, grow, stall_point};
use proptest::prelude::*;

/// One representative per distinct ENI layout, with the options that give its max pods.
fn representatives(opts: MaxPodsOptions) -> Vec<(&'static InstanceType, u32)> {
    let mut seen = BTreeSet::new();
    Catalog::embedded()
        .iter()
        .filter_map(|t| {
            let mp = max_pods(t, opts).max_pods;
            seen.insert((t.ipv4_per_eni, t.max_enis, t.is_nitro(), mp))
                .then_some((t, mp))
        })
        .collect()
}

/// Closed form and step model agree at `pods`.
fn agree(t: &InstanceType, mp: u32, targets: CniTargets, pods: u32) -> Result<(), String> {
    let held = addresses_held(t, pods, mp, targets);
    assert_eq!(
        held.total(),
        addresses_total(t, pods, mp, targets),
        "{}",
        held.reason
    );
    let g = grow(Ipamd::new(t, mp, targets), pods);
    let pool = &g.pool;
    let (node, pod) = if targets.custom_networking {
        (1, pool.addresses() - 1)
    } else {
        (pool.addresses(), 0)
    };
    if (held.total(), held.enis, held.node_subnet, held.pod_subnet)
        != (pool.addresses(), pool.enis(), node, pod)
    {
        return Err(format!(
            "{} maxPods {mp} {targets:?} at {pods} pods: plan holds {} on {} ENIs ({}), ipamd model {} on {} ENIs ({:?})",
            t.name,
            held.total(),
            held.enis,
            held.reason,
            pool.addresses(),
            pool.enis(),
            pool.units_per_eni
        ));
    }
    Ok(())
}

fn cni_group<'a>(
    name: &'a str,
    t: &'a InstanceType,
    pods: u32,
    nodes: u64,
    mp: u32,
) -> CniGroup<'a> {
    CniGroup {
        name,
        pods_per_node: pods,
        max_nodes: nodes,
        max_pods: mp,
        types: vec![t],
    }
}

/// Every default env shape for a cluster of the type under test plus one other group.
#[test]
fn every_type_under_every_emitted_env_serves_every_pod_and_matches_the_plan() {
    let mut checked = 0u32;
    let mut shapes = BTreeSet::new();
    for pd in [false, true] {
        for custom_networking in [false, true] {
            for max_eni in [None, Some(2)] {
                let opts = MaxPodsOptions {
                    prefix_delegation: pd,
                    custom_networking,
                    max_eni,
                    uncapped: false,
                };
                let spec = CniSpec {
                    mode: if pd {
                        CniMode::PrefixDelegation
                    } else {
                        CniMode::SecondaryIp
                    },
                    max_eni,
                    ..Default::default()
                };
                for (t, mp) in representatives(opts) {
                    if mp < 3 {
                        continue;
                    }
                    let busy = mp - 2;
                    // (churn, nodes of the type's group, nodes of a 1-pod group): small and calm;
                    // churny with the busy group under and over the per-call budget; large
                    // with many small nodes (secondary IPs: whole ENIs may win).
                    for (churn, own, other) in [
                        (PodChurn::Low, 3, 2),
                        (PodChurn::High, 3, 40),
                        (PodChurn::High, 40, 3),
                        (PodChurn::Low, 150, 300),
                        (PodChurn::Low, 2, 300),
                    ] {
                        for pods in [1, busy / 2, busy] {
                            let groups = vec![
                                cni_group("own", t, pods.max(1), own, mp),
                                cni_group("other", t, 1, other, mp),
                            ];
                            let (plan, targets) = decide(
                                &CniInputs {
                                    spec: &spec,
                                    churn,
                                    types: vec![t],
                                    groups,
                                    nodes_at_max: own + other,
                                    custom_networking,
                                },
                                pd && t.is_nitro(),
                            );
                            let mut keys: Vec<&str> = plan.env.keys().map(String::as_str).collect();
                            keys.retain(|k| k.contains("TARGET"));
                            shapes.insert(keys.join("+"));
                            let cfg = Ipamd::new(t, mp, targets);
                            assert_eq!(
                                stall_point(cfg),
                                None,
                                "{} maxPods {mp} env {:?}: ipamd stops serving pods with ENI room left",
                                t.name,
                                plan.env
                            );
                            for p in [0, 1, pods, mp] {
                                agree(t, mp, targets, p).unwrap_or_else(|e| panic!("{e}"));
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    // The grid reaches every shape eksgen emits: IP targets and whole ENIs.
    assert!(
        shapes.contains("MINIMUM_IP_TARGET+WARM_IP_TARGET") && shapes.contains("WARM_ENI_TARGET"),
        "{shapes:?}"
    );
    assert!(!shapes.contains("MINIMUM_IP_TARGET"), "{shapes:?}");
    assert!(checked > 1000, "{checked}");
}

/// The presets' plans: every group's `ipsPerNode` is what the model holds at `podsPerNode`
/// on the group's largest type, and no group stalls.
#[test]
fn preset_plans_match_the_model() {
    for name in eksgen::presets::names() {
        let text = eksgen::presets::get(name).unwrap();
        let plan =
            eksgen::pipeline::plan_from_text(text, "preset.yaml").unwrap_or_else(|e| panic!("{e}"));
        let targets = CniTargets::from_env(&plan.network.cni.env, plan.network.custom_networking);
        for g in &plan.node_groups {
            let held = g
                .instance_types
                .iter()
                .map(|n| {
                    let t = Catalog::embedded().get(n).unwrap();
                    let cfg = Ipamd::new(t, g.max_pods, targets);
                    assert_eq!(stall_point(cfg), None, "{name}/{}", g.name);
                    let grown = grow(cfg, g.pods_per_node);
                    assert_eq!(grown.pods, g.pods_per_node, "{name}/{}", g.name);
                    grown.pool.addresses()
                })
                .max()
                .unwrap();
            assert_eq!(held, g.ips_per_node, "{name}/{}", g.name);
            assert_eq!(
                g.ips_at_max,
                held * u64::from(g.scaling.max),
                "{name}/{}",
                g.name
            );
        }
    }
}

fn override_targets() -> impl Strategy<Value = CniTargets> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0u32..3),
        proptest::option::of(0u32..20),
        proptest::option::of(0u32..64),
        proptest::option::of(0u32..3),
        proptest::option::of(1u32..4),
    )
        .prop_map(|(pd, cn, we, wi, mi, wp, me)| CniTargets {
            prefix_delegation: pd,
            custom_networking: cn,
            warm_eni_target: we,
            warm_ip_target: wi,
            minimum_ip_target: mi,
            warm_prefix_target: wp,
            max_eni: me,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Literal overrides: closed form equals the model wherever ipamd still serves pods.
    #[test]
    fn overrides_match_the_model(idx in 0usize..2000, t in override_targets(), frac in 0u32..=100) {
        let cat = Catalog::embedded();
        let it = cat.iter().nth(idx % cat.len()).unwrap();
        let mp = max_pods(it, MaxPodsOptions {
            prefix_delegation: t.prefix_delegation,
            custom_networking: t.custom_networking,
            max_eni: t.max_eni,
            uncapped: false,
        }).max_pods;
        let cfg = Ipamd::new(it, mp, t);
        let limit = stall_point(cfg).unwrap_or(mp);
        let grown = grow(cfg, limit);
        let pods = (grown.pods * frac / 100).min(grown.pods);
        agree(it, mp, t, pods).map_err(TestCaseError::fail)?;
    }
}

fn plan_with(cni: &str, pods: u32) -> eksgen::plan::Plan {
    let text = format!(
        "apiVersion: eksgen/v1alpha1\nkind: ClusterIntent\nmetadata:\n  name: t\nspec:\n  region: us-west-2\n  kubernetesVersion: \"1.34\"\n  network:\n    vpcCidr: 10.0.0.0/16\n    availabilityZones: [us-west-2a, us-west-2b]\n    cni: {cni}\n  nodeGroups:\n    - {{ name: a, instanceTypes: [m6i.xlarge], scaling: {{ min: 1, desired: 1, max: 3 }}, podsPerNode: {pods} }}\n"
    );
    eksgen::pipeline::plan_from_text(&text, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn stall_finding(plan: &eksgen::plan::Plan) -> Option<(String, String)> {
    plan.findings
        .iter()
        .find(|f| f.id == "EKSG026")
        .map(|f| (f.severity.as_str().to_string(), f.message.clone()))
}

/// Review B3: `minimumIpTarget` alone stays literal in the env, and the plan says that ipamd
/// stops at the floor: an error when the planned pods are past it, a warning otherwise.
#[test]
fn a_floor_without_a_warm_target_is_flagged() {
    let plan = plan_with("{ mode: secondary-ip, minimumIpTarget: 4 }", 12);
    assert_eq!(
        plan.network.cni.env.keys().collect::<Vec<_>>(),
        ["MINIMUM_IP_TARGET"]
    );
    let (severity, message) = stall_finding(&plan).expect("EKSG026");
    assert_eq!(severity, "error");
    assert!(message.contains("serves 4 pods"), "{message}");
    assert!(plan.has_errors());

    let (severity, message) = stall_finding(&plan_with(
        "{ mode: prefix-delegation, minimumIpTarget: 4 }",
        12,
    ))
    .expect("EKSG026");
    assert_eq!(severity, "warning", "one /28 serves the 12 planned pods");
    assert!(message.contains("serves 16 pods"), "{message}");

    assert_eq!(
        stall_finding(&plan_with(
            "{ mode: secondary-ip, minimumIpTarget: 4, warmIpTarget: 1 }",
            12
        )),
        None
    );
    assert_eq!(stall_finding(&plan_with("{ mode: auto }", 12)), None);
}
