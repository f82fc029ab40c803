//! Rules about a group's training network: instance types below the intent's bandwidth
//! minimum, and EFA on groups whose traffic between nodes is low.

use crate::intent::Provisioner;
use crate::plan::{Severity, Traffic};
use crate::resolve::training::gbps;

use super::{Ctx, Hit};

/// EKSG031. A managed or self-managed group launches every type it names, so a type below
/// `minNetworkGbps` puts nodes with less bandwidth than the intent requires into the
/// training job: an error, like any other intent that contradicts itself. A Karpenter
/// NodePool requires the minimum, which silently drops such types: a warning while another
/// type remains, an error when none does (the NodePool could launch nothing). A type without a
/// published figure cannot be checked (warning) and has no label Karpenter could match.
pub fn below_min_bandwidth(ctx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for (d, g) in ctx.groups() {
        let Some(min) = g.network_bandwidth.min_mbps else {
            continue;
        };
        let describe = |mbps: Option<u64>| {
            mbps.map_or("no published baseline bandwidth".to_string(), |m| {
                format!("{} Gbps", gbps(m))
            })
        };
        let short: Vec<_> = g
            .network_bandwidth
            .by_type
            .iter()
            .filter(|b| b.meets_minimum == Some(false))
            .collect();
        if short.is_empty() {
            continue;
        }
        let listed = short
            .iter()
            .map(|b| format!("{} ({})", b.instance_type, describe(b.mbps)))
            .collect::<Vec<_>>()
            .join(", ");
        let need = format!("minNetworkGbps {}", gbps(min));
        if d.spec.provisioner == Provisioner::Karpenter {
            let none_left = short.len() == g.network_bandwidth.by_type.len();
            out.push(Hit::group(
                if none_left { Severity::Error } else { Severity::Warning },
                d,
                "instanceTypes",
                if none_left {
                    format!(
                        "no instance type reaches {need}: {listed}; the NodePool requires the minimum on top of its instance-type list, so it can launch nothing and the pods stay Pending"
                    )
                } else {
                    format!(
                        "{listed} below {need}: the NodePool's bandwidth requirement excludes them, so Karpenter never launches them"
                    )
                },
                "name types that reach the minimum (`eksgen catalog TYPE --format json` shows networkBandwidthMbps), or lower minNetworkGbps",
            ));
        } else {
            let unknown_only = short.iter().all(|b| b.mbps.is_none());
            out.push(Hit::group(
                if unknown_only {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                d,
                "instanceTypes",
                if unknown_only {
                    format!(
                        "{listed}: cannot check {need}; EC2 publishes only an \"up to\" figure for it"
                    )
                } else {
                    format!(
                        "{listed} below {need}: a {} group launches every type it names, so its nodes would have less bandwidth than the intent requires",
                        d.spec.provisioner
                    )
                },
                "name types that reach the minimum (`eksgen catalog TYPE --format json` shows networkBandwidthMbps), or lower minNetworkGbps",
            ));
        }
    }
    out
}

/// EKSG032. EFA pins a group to one zone and a cluster placement group, which costs
/// capacity and resilience; it pays off only for traffic between nodes (distributed
/// training, disaggregated inference moving KV cache). "Inference workloads don't typically
/// have high inter-node communication" (EKS best practices, AI/ML networking).
pub fn efa_with_low_traffic(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(d, g)| g.efa && d.spec.inter_node_traffic == Traffic::Low)
        .map(|(d, _)| {
            Hit::group(
                Severity::Info,
                d,
                "efa",
                "EFA on a group whose inter-node traffic is low (interNodeTraffic: low, the default): EFA speeds up traffic between nodes, which inference rarely has, and it costs the group a single zone and a cluster placement group",
                "for inference or single-node jobs drop `efa: true` (the group then spreads over the cluster zones); for distributed training or disaggregated inference that moves data between nodes, set `interNodeTraffic: high`",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hits, intent, intent_with};
    use super::*;

    const WIDE: &str = "    secondaryCidrs: auto\n";
    const KARPENTER: &str = "  autoscaling: { karpenter: true }\n";

    fn group(provisioner: &str, types: &str, extra: &str) -> String {
        format!(
            "    - {{ name: sys, instanceTypes: [m6i.large], scaling: {{ min: 2, desired: 2, max: 2 }} }}\n    - {{ name: train, provisioner: {provisioner}, instanceTypes: [{types}], scaling: {{ min: 0, desired: 0, max: 2 }}{extra} }}\n"
        )
    }

    #[test]
    fn managed_type_below_the_minimum_is_an_error() {
        // p4d.24xlarge has 400 Gbps, p5.48xlarge 3200.
        let text = intent(
            "1.34",
            WIDE,
            &group("managed", "p4d.24xlarge", ", minNetworkGbps: 800"),
        );
        let found = hits(below_min_bandwidth, &text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].path, "spec.nodeGroups[1].instanceTypes");
        assert!(
            found[0]
                .message
                .contains("p4d.24xlarge (400 Gbps) below minNetworkGbps 800"),
            "{found:?}"
        );
        let enough = intent(
            "1.34",
            WIDE,
            &group("managed", "p5.48xlarge", ", minNetworkGbps: 800"),
        );
        assert!(hits(below_min_bandwidth, &enough).is_empty());
        let none = intent("1.34", WIDE, &group("managed", "p4d.24xlarge", ""));
        assert!(hits(below_min_bandwidth, &none).is_empty());
    }

    #[test]
    fn karpenter_warns_while_a_type_remains_and_errors_when_none_does() {
        let some = intent_with(
            "1.34",
            WIDE,
            &group(
                "karpenter",
                "p4d.24xlarge, p5.48xlarge",
                ", minNetworkGbps: 800",
            ),
            KARPENTER,
        );
        let found = hits(below_min_bandwidth, &some);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].message.contains("p4d.24xlarge"), "{found:?}");
        assert!(!found[0].message.contains("p5.48xlarge"), "{found:?}");

        let none = intent_with(
            "1.34",
            WIDE,
            &group("karpenter", "p4d.24xlarge", ", minNetworkGbps: 800"),
            KARPENTER,
        );
        let found = hits(below_min_bandwidth, &none);
        assert_eq!(found[0].severity, Severity::Error, "{found:?}");
        assert!(found[0].message.contains("launch nothing"), "{found:?}");
    }

    #[test]
    fn a_type_without_a_figure_cannot_be_checked() {
        // m4.large is "Moderate": no fixed figure, the catalog has 0 (and Karpenter no label).
        let catalog = crate::catalog::Catalog::embedded();
        assert_eq!(catalog.get("m4.large").unwrap().network_bandwidth_mbps, 0);
        let text = intent(
            "1.34",
            WIDE,
            &group("managed", "m4.large", ", minNetworkGbps: 1"),
        );
        let found = hits(below_min_bandwidth, &text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].message.contains("cannot check"), "{found:?}");
    }

    #[test]
    fn efa_on_a_low_traffic_group_is_an_info() {
        let efa = |traffic: &str| {
            intent(
                "1.34",
                WIDE,
                &group(
                    "managed",
                    "p5.48xlarge",
                    &format!(", efa: true, availabilityZones: [us-west-2a]{traffic}"),
                ),
            )
        };
        let found = hits(efa_with_low_traffic, &efa(""));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Info);
        assert_eq!(found[0].path, "spec.nodeGroups[1].efa");
        assert!(
            hits(efa_with_low_traffic, &efa(", interNodeTraffic: high")).is_empty(),
            "high traffic is what EFA is for"
        );
        let no_efa = intent("1.34", WIDE, &group("managed", "p5.48xlarge", ""));
        assert!(hits(efa_with_low_traffic, &no_efa).is_empty());
    }
}
