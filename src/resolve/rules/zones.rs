//! Rules about where a group's nodes run: zones, EFA placement and capacity type.

use crate::intent::{CapacityType, Traffic};
use crate::plan::Severity;

use super::{Ctx, Hit};

/// EKSG005.
pub fn efa_across_azs(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(_, g)| g.efa && g.availability_zones.len() > 1)
        .map(|(d, g)| {
            Hit::group(
                Severity::Error,
                d,
                "availabilityZones",
                format!(
                    "EFA group spans {}: EFA traffic does not cross zones and a cluster placement group lives in one zone",
                    g.availability_zones.join(", ")
                ),
                "pin the group to one zone: availabilityZones: [<zone>]",
            )
        })
        .collect()
}

/// EKSG006.
pub fn chatty_across_azs(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(d, g)| {
            d.spec.inter_node_traffic == Traffic::High && !g.efa && g.availability_zones.len() > 1
        })
        .map(|(d, g)| {
            Hit::group(
                Severity::Warning,
                d,
                "interNodeTraffic",
                format!(
                    "high inter-node traffic across {} zones: cross-AZ transfer is billed per GB in each direction and adds latency",
                    g.availability_zones.len()
                ),
                "pin the group to one zone, or keep chatty pods together with the zone podAffinity in workloads/<group>.yaml",
            )
        })
        .collect()
}

/// EKSG007. Info when one zone is intended (EFA, tightly coupled work), else a warning.
pub fn single_az(ctx: &Ctx) -> Vec<Hit> {
    if ctx.plan.network.availability_zones.len() <= 1 {
        return Vec::new();
    }
    ctx.groups()
        .filter(|(_, g)| g.availability_zones.len() == 1)
        .map(|(d, g)| {
            let stateful = d.spec.zonal_stateful;
            let intended = stateful || g.efa || d.spec.inter_node_traffic == Traffic::High;
            Hit::group(
                if intended {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                d,
                "availabilityZones",
                format!(
                    "all nodes in {}: a zone outage or capacity shortage there stops the group{}",
                    g.availability_zones[0],
                    if stateful {
                        " (by design: zonalStateful pods keep EBS volumes, which live in one zone, and the StorageClass binds them there)"
                    } else if intended {
                        " (expected for EFA / tightly coupled work)"
                    } else {
                        ""
                    }
                ),
                if stateful {
                    "back up the volumes (EBS snapshots) so a zone outage loses no work; copy the group per zone with its own zonalStateful StorageClass to spread users"
                } else if intended {
                    "keep a checkpointing habit, or a standby capacity reservation in another zone"
                } else {
                    "remove availabilityZones to spread over all cluster zones"
                },
            )
        })
        .collect()
}

/// EKSG019.
pub fn efa_on_spot(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(d, g)| g.efa && d.spec.capacity_type == CapacityType::Spot)
        .map(|(d, _)| {
            Hit::group(
                Severity::Warning,
                d,
                "capacityType",
                "EFA training on spot: one interruption stops the whole collective job",
                "use on-demand or a capacity block for training; keep spot for inference",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hits, intent};
    use super::*;

    const WIDE: &str = "    secondaryCidrs: auto\n";

    fn efa(extra: &str) -> String {
        format!(
            "    - {{ name: train, instanceTypes: [p5.48xlarge], efa: true, podsPerNode: 8, scaling: {{ min: 0, desired: 0, max: 2 }}{extra} }}\n"
        )
    }

    #[test]
    fn efa_over_two_zones_is_an_error() {
        let found = hits(
            efa_across_azs,
            &intent(
                "1.34",
                WIDE,
                &efa(", availabilityZones: [us-west-2a, us-west-2b]"),
            ),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.nodeGroups[0].availabilityZones");
        assert!(hits(efa_across_azs, &intent("1.34", WIDE, &efa(""))).is_empty());
    }

    #[test]
    fn chatty_groups_across_zones() {
        let group = |traffic: &str| {
            format!(
                "    - {{ name: mpi, instanceTypes: [c6i.large], interNodeTraffic: {traffic}, scaling: {{ min: 1, desired: 1, max: 2 }} }}\n"
            )
        };
        let found = hits(chatty_across_azs, &intent("1.34", WIDE, &group("high")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("across 3 zones"), "{found:?}");
        assert!(hits(chatty_across_azs, &intent("1.34", WIDE, &group("low"))).is_empty());
    }

    #[test]
    fn single_zone_is_info_when_intended() {
        let found = hits(single_az, &intent("1.34", WIDE, &efa("")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Info);
        let pinned = "    - { name: web, instanceTypes: [m6i.large], availabilityZones: [us-west-2b], scaling: { min: 1, desired: 1, max: 2 } }\n";
        let found = hits(single_az, &intent("1.34", WIDE, pinned));
        assert_eq!(found[0].severity, Severity::Warning);
        let spread = "    - { name: web, instanceTypes: [m6i.large], scaling: { min: 1, desired: 1, max: 2 } }\n";
        assert!(hits(single_az, &intent("1.34", WIDE, spread)).is_empty());
    }

    #[test]
    fn efa_on_spot_warns() {
        let found = hits(
            efa_on_spot,
            &intent("1.34", WIDE, &efa(", capacityType: spot")),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.nodeGroups[0].capacityType");
        assert!(hits(efa_on_spot, &intent("1.34", WIDE, &efa(""))).is_empty());
    }
}
