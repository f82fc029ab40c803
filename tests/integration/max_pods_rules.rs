//! Every catalog type under every flag combination against the calculator's rules as the
//! contract states them (amazon-eks-ami max-pods-calculator.sh), written out independently.

use eksgen::catalog::Catalog;
use eksgen::max_pods::{MaxPodsOptions, max_pods};

fn calculator(t: &eksgen::catalog::InstanceType, opts: MaxPodsOptions) -> u32 {
    let (max_enis, ipv4_per_eni, vcpu, nitro) = (t.max_enis, t.ipv4_per_eni, t.vcpu, t.is_nitro());
    let MaxPodsOptions {
        prefix_delegation,
        custom_networking,
        max_eni,
        uncapped,
    } = opts;
    let mut enis = max_eni.map_or(max_enis, |m| m.min(max_enis));
    if custom_networking {
        enis = enis.saturating_sub(1);
    }
    let pods = if prefix_delegation && nitro {
        enis * ((ipv4_per_eni - 1) * 16) + 2
    } else {
        enis * (ipv4_per_eni - 1) + 2
    };
    if uncapped {
        pods
    } else if vcpu > 30 {
        pods.min(250)
    } else {
        pods.min(110)
    }
}

#[test]
fn every_type_and_flag_combination() {
    let mut checked = 0;
    for t in Catalog::embedded().iter() {
        for pd in [false, true] {
            for cn in [false, true] {
                for max_eni in [None, Some(1), Some(2), Some(3), Some(4), Some(8), Some(100)] {
                    for uncapped in [false, true] {
                        let opts = MaxPodsOptions {
                            prefix_delegation: pd,
                            custom_networking: cn,
                            max_eni,
                            uncapped,
                        };
                        let want = calculator(t, opts);
                        let got = max_pods(t, opts);
                        assert_eq!(got.max_pods, want, "{} {opts:?}", t.name);
                        assert!(
                            got.reason.contains(&got.uncapped.to_string()),
                            "{}: {}",
                            t.name,
                            got.reason
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 50_000, "{checked}");
}
