//! Monotonicity and ceiling properties of the max-pods calculator, over every catalog type
//! under random options: each proptest case checks all types.
//!
//! - more ENIs (a higher `--max-eni`, or none) never give fewer pods;
//! - prefix delegation never gives fewer pods than secondary IPs;
//! - custom networking never gives more pods than without;
//! - the ceiling holds: at most 110 for types with at most 30 vCPUs, 250 above, unless
//!   uncapped; the capped value is the uncapped one, lowered to the ceiling.

use eksgen::catalog::{Catalog, InstanceType};
use eksgen::max_pods::{MaxPodsOptions, max_pods};
use proptest::prelude::*;

fn pods(t: &InstanceType, opts: MaxPodsOptions) -> u32 {
    max_pods(t, opts).max_pods
}

fn options() -> impl Strategy<Value = MaxPodsOptions> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(1u32..=20),
        any::<bool>(),
    )
        .prop_map(
            |(prefix_delegation, custom_networking, max_eni, uncapped)| MaxPodsOptions {
                prefix_delegation,
                custom_networking,
                max_eni,
                uncapped,
            },
        )
}

fn all_types() -> impl Iterator<Item = &'static InstanceType> {
    Catalog::embedded().iter()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn more_enis_never_fewer_pods(opts in options(), a in 1u32..=20, b in 1u32..=20) {
        let (low, high) = (a.min(b), a.max(b));
        for t in all_types() {
            let at = |max_eni| pods(t, MaxPodsOptions { max_eni, ..opts });
            prop_assert!(at(Some(low)) <= at(Some(high)), "{} {opts:?}: MAX_ENI {low} > {high}", t.name);
            // No cap at all is the most ENIs there are.
            prop_assert!(at(Some(high)) <= at(None), "{} {opts:?}: MAX_ENI {high} > unset", t.name);
            // A cap at or above the type's ENIs changes nothing.
            prop_assert_eq!(at(Some(t.max_enis.max(high))), at(None), "{}", t.name);
        }
    }

    #[test]
    fn prefix_delegation_never_fewer_than_secondary_ip(opts in options()) {
        for t in all_types() {
            let pd = pods(t, MaxPodsOptions { prefix_delegation: true, ..opts });
            let ip = pods(t, MaxPodsOptions { prefix_delegation: false, ..opts });
            prop_assert!(pd >= ip, "{} {opts:?}: prefix delegation {pd} < secondary IP {ip}", t.name);
        }
    }

    #[test]
    fn custom_networking_never_more(opts in options()) {
        for t in all_types() {
            let custom = pods(t, MaxPodsOptions { custom_networking: true, ..opts });
            let plain = pods(t, MaxPodsOptions { custom_networking: false, ..opts });
            prop_assert!(custom <= plain, "{} {opts:?}: custom networking {custom} > {plain}", t.name);
        }
    }

    #[test]
    fn ceilings_hold_unless_uncapped(opts in options()) {
        for t in all_types() {
            let capped = max_pods(t, MaxPodsOptions { uncapped: false, ..opts });
            let raw = max_pods(t, MaxPodsOptions { uncapped: true, ..opts });
            let ceiling = if t.vcpu <= 30 { 110 } else { 250 };
            prop_assert!(capped.max_pods <= ceiling, "{} {opts:?}: {} > {ceiling}", t.name, capped.max_pods);
            prop_assert_eq!(capped.max_pods, raw.max_pods.min(ceiling), "{} {:?}", t.name, opts);
            prop_assert_eq!(raw.max_pods, raw.uncapped, "{}", t.name);
            prop_assert_eq!(capped.ceiling.is_some(), raw.max_pods > ceiling, "{}", t.name);
            // Host-network pods (aws-node, kube-proxy) always fit.
            prop_assert!(capped.max_pods >= 2, "{}", t.name);
        }
    }
}
