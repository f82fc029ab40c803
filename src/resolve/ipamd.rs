//! A step model of the VPC CNI's IP address manager (ipamd) on one node, IPv4.
//!
//! `ip_budget` answers "how many addresses does a node hold at N pods" with closed formulas;
//! this module answers the same question the way ipamd gets there: pods arrive one at a time,
//! and after each arrival the pool manager runs its reconcile step until it no longer reports
//! the pool as too low. The two are kept apart on purpose so tests can hold one against the
//! other (tests/integration/ipamd_model.rs), and so a setting that makes ipamd stop early (a
//! `MINIMUM_IP_TARGET` without `WARM_IP_TARGET`) shows up as a pod the pool cannot serve.
//!
//! Rules followed (amazon-vpc-cni-k8s `pkg/ipamd/ipamd.go`, `pkg/ipamd/datastore`):
//! - IP targets are "defined" when `WARM_IP_TARGET > 0` or `MINIMUM_IP_TARGET > 0`
//!   (`warmIPTargetsDefined`); then `WARM_ENI_TARGET` and `WARM_PREFIX_TARGET` are ignored and
//!   the shortfall is `max(warm − available, minimum − total)` (`datastoreTargetState`), rounded
//!   up to /28 prefixes in prefix mode. With warm 0 the shortfall is 0 once the floor is held.
//! - Otherwise the pool is too low when `available < per_unit × target`, or when the target is
//!   0 and nothing is available (`isDatastorePoolTooLow`); the target is `WARM_ENI_TARGET`
//!   with whole ENIs of secondary IPs, or `WARM_PREFIX_TARGET` with 16-address prefixes (in
//!   prefix mode `WARM_ENI_TARGET` plays no part in growing the pool).
//! - Nothing is added once the pool holds `maxPods` addresses (kubelet capacity).
//! - Growth first fills an existing ENI that has room (`tryAssignCidrs`; with custom
//!   networking the primary ENI is skipped), and only then attaches a new ENI
//!   (`tryAllocateENI`) if the node has room for one under `MAX_ENI` (`hasRoomForEni`). Without
//!   IP targets secondary-IP mode fills a whole ENI per call; with them it asks for the
//!   shortfall only; prefix mode asks for the prefixes short, at least one (`getPrefixesNeeded`).
//! - Every ENI holds one primary address besides its secondary IPs or prefixes.
//!
//! One simplification, stated where it matters: ipamd hands a pod an address from the first
//! prefix with room in Go map order, so pods can spread over more prefixes than they fill; the
//! model packs them. That only matters for `WARM_PREFIX_TARGET` (it counts free *prefixes*),
//! which is why eksgen's own defaults never rely on it.

use crate::catalog::InstanceType;
use crate::max_pods::{ADDRESSES_PER_PREFIX, enis_for_pods};

use super::ip_budget::CniTargets;

/// Warm prefixes the aws-node DaemonSet carries when nothing overrides it (the add-on and
/// Helm chart ship `WARM_PREFIX_TARGET=1`; ipamd's own fallback would be 0).
pub const ADDON_WARM_PREFIX_TARGET: u32 = 1;
/// ipamd's `WARM_ENI_TARGET` default (also the add-on's).
pub const DEFAULT_WARM_ENI_TARGET: u32 = 1;

/// How one node's ipamd is configured: instance limits and the effective env.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipamd {
    /// Secondary IPs, or /28 prefixes, one ENI can carry (`ipv4_per_eni − 1`).
    pub slots_per_eni: u32,
    /// ENIs ipamd may fill with pod addresses (MAX_ENI and custom networking applied).
    pub pod_enis: u32,
    pub prefix_mode: bool,
    pub custom_networking: bool,
    pub max_pods: u32,
    pub warm_ip: u32,
    pub minimum_ip: u32,
    pub warm_eni: u32,
    pub warm_prefix: u32,
}

impl Ipamd {
    pub fn new(instance: &InstanceType, max_pods: u32, t: CniTargets) -> Ipamd {
        Ipamd {
            slots_per_eni: instance.ipv4_per_eni.saturating_sub(1).max(1),
            pod_enis: enis_for_pods(instance, t.max_eni, t.custom_networking),
            // ipamd runs prefix mode on any type, but the plan only enables it on nitro
            // types (elsewhere the EC2 call fails), as the max-pods calculator does.
            prefix_mode: t.prefix_delegation && instance.is_nitro(),
            custom_networking: t.custom_networking,
            max_pods,
            warm_ip: t.warm_ip_target.unwrap_or(0),
            minimum_ip: t.minimum_ip_target.unwrap_or(0),
            warm_eni: t.warm_eni_target.unwrap_or(DEFAULT_WARM_ENI_TARGET),
            warm_prefix: t.warm_prefix_target.unwrap_or(ADDON_WARM_PREFIX_TARGET),
        }
    }

    fn ip_targets_defined(&self) -> bool {
        self.warm_ip > 0 || self.minimum_ip > 0
    }

    /// Addresses one unit (a secondary IP or a /28 prefix) gives pods.
    fn per_unit(&self) -> u64 {
        if self.prefix_mode {
            u64::from(ADDRESSES_PER_PREFIX)
        } else {
            1
        }
    }
}

/// The pool on one node: units (secondary IPs or prefixes) per pod ENI, in attach order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub cfg: Ipamd,
    pub units_per_eni: Vec<u32>,
    /// EC2 calls made so far (assign to an existing ENI, or create-and-attach an ENI).
    pub ec2_calls: u32,
}

impl Pool {
    /// A booted node before ipamd's first reconcile: the primary ENI (if it carries pods).
    pub fn boot(cfg: Ipamd) -> Pool {
        Pool {
            cfg,
            units_per_eni: if cfg.custom_networking || cfg.pod_enis == 0 {
                Vec::new()
            } else {
                vec![0]
            },
            ec2_calls: 0,
        }
    }

    pub fn units(&self) -> u64 {
        self.units_per_eni.iter().map(|u| u64::from(*u)).sum()
    }

    /// Pod addresses in the pool (`TotalIPs`).
    pub fn total(&self) -> u64 {
        self.units() * self.cfg.per_unit()
    }

    /// ENIs attached, the primary included even with custom networking.
    pub fn enis(&self) -> u32 {
        self.units_per_eni.len() as u32 + u32::from(self.cfg.custom_networking)
    }

    /// Pod ENIs attached (those whose addresses come from the pod subnet with custom
    /// networking).
    pub fn pod_enis(&self) -> u32 {
        self.units_per_eni.len() as u32
    }

    /// Addresses taken from subnets: pod addresses plus one primary per ENI.
    pub fn addresses(&self) -> u64 {
        self.total() + u64::from(self.enis())
    }

    /// Can every pod ENI slot be used (no more room to grow)?
    pub fn exhausted(&self) -> bool {
        let s = self.cfg.slots_per_eni;
        self.units_per_eni.len() as u32 >= self.cfg.pod_enis
            && self.units_per_eni.iter().all(|u| *u >= s)
    }

    /// `isDatastorePoolTooLow` plus the shortfall in units for the next call.
    fn shortfall(&self, assigned: u64) -> Option<u64> {
        let c = &self.cfg;
        let total = self.total();
        if total >= u64::from(c.max_pods) {
            return None;
        }
        let available = total.saturating_sub(assigned);
        if c.ip_targets_defined() {
            let short = u64::from(c.warm_ip)
                .saturating_sub(available)
                .max(u64::from(c.minimum_ip).saturating_sub(total));
            return (short > 0).then(|| short.div_ceil(c.per_unit()));
        }
        let (target, per_target) = if c.prefix_mode {
            (u64::from(c.warm_prefix), c.per_unit())
        } else {
            (u64::from(c.warm_eni), u64::from(c.slots_per_eni))
        };
        let low = available < per_target * target || (target == 0 && available == 0);
        if !low {
            return None;
        }
        Some(if c.prefix_mode {
            // getPrefixesNeeded: the free prefixes short of WARM_PREFIX_TARGET, at least one
            // (pods packed, see the module note).
            let used = assigned.div_ceil(c.per_unit());
            let free = self.units().saturating_sub(used);
            target.saturating_sub(free).max(1)
        } else {
            // Without IP targets secondary-IP mode fills whole ENIs.
            u64::from(c.slots_per_eni)
        })
    }

    /// One `increaseDatastorePool`; false when nothing could be added.
    fn increase(&mut self, want: u64) -> bool {
        let s = self.cfg.slots_per_eni;
        if let Some(u) = self.units_per_eni.iter_mut().find(|u| **u < s) {
            *u += (u64::from(s - *u).min(want)) as u32;
            self.ec2_calls += 1;
            return true;
        }
        if (self.units_per_eni.len() as u32) < self.cfg.pod_enis {
            self.units_per_eni.push(u64::from(s).min(want) as u32);
            self.ec2_calls += 1;
            return true;
        }
        false
    }

    /// Run the pool manager until it stops asking for more, with `assigned` pods on the node.
    pub fn settle(&mut self, assigned: u64) {
        while let Some(want) = self.shortfall(assigned) {
            if !self.increase(want) {
                break;
            }
        }
    }

    /// Addresses free for the next pod.
    pub fn available(&self, assigned: u64) -> u64 {
        self.total().saturating_sub(assigned)
    }
}

/// Where growing a node from 0 pods stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Growth {
    /// The pool after settling with the last pod that got an address.
    pub pool: Pool,
    /// Pods that got an address (at most the requested count).
    pub pods: u32,
    /// The pool could not serve the next pod although ENI capacity remained: ipamd stopped.
    pub stalled: bool,
}

/// Add pods one at a time up to `pods`, settling the pool before each arrival (steady
/// arrivals: ipamd's reconcile loop runs between pods). Stops at the first pod the pool
/// cannot serve.
pub fn grow(cfg: Ipamd, pods: u32) -> Growth {
    let mut pool = Pool::boot(cfg);
    pool.settle(0);
    for n in 0..pods {
        if pool.available(u64::from(n)) == 0 {
            let stalled = !pool.exhausted();
            return Growth {
                pool,
                pods: n,
                stalled,
            };
        }
        pool.settle(u64::from(n) + 1);
    }
    Growth {
        pool,
        pods,
        stalled: false,
    }
}

/// The number of pods after which ipamd stops serving a node although ENI capacity remains,
/// or `None` when it serves every pod up to `maxPods` (or until the ENIs are full).
pub fn stall_point(cfg: Ipamd) -> Option<u32> {
    let g = grow(cfg, cfg.max_pods);
    g.stalled.then_some(g.pods)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn cfg(name: &str, max_pods: u32, t: CniTargets) -> Ipamd {
        Ipamd::new(Catalog::embedded().get(name).unwrap(), max_pods, t)
    }

    fn prefix_counts(name: &str, t: CniTargets, pods: u32) -> (u64, u32) {
        let g = grow(cfg(name, 110, t), pods);
        assert_eq!(g.pods, pods);
        (g.pool.units(), g.pool.pod_enis())
    }

    /// The tables in the CNI's docs/prefix-and-ip-target.md (t3.small: 3 ENIs, 3 prefixes each).
    #[test]
    fn published_prefix_tables() {
        let pd = |wp: Option<u32>, w: Option<u32>, m: Option<u32>| CniTargets {
            prefix_delegation: true,
            warm_prefix_target: wp,
            warm_ip_target: w,
            minimum_ip_target: m,
            ..Default::default()
        };
        for (t, pods, prefixes, enis) in [
            (pd(Some(1), None, None), 0, 1, 1),
            (pd(Some(1), None, None), 5, 2, 1),
            (pd(Some(1), None, None), 16, 2, 1),
            (pd(Some(1), None, None), 17, 3, 1),
            (pd(Some(1), None, None), 58, 5, 2),
            (pd(None, Some(1), Some(1)), 0, 1, 1),
            (pd(None, Some(1), Some(1)), 5, 1, 1),
            (pd(None, Some(1), Some(1)), 17, 2, 1),
            (pd(None, Some(1), Some(1)), 58, 4, 2),
            (pd(None, Some(7), Some(20)), 5, 2, 1),
            (pd(None, Some(7), Some(20)), 17, 2, 1),
            (pd(None, Some(7), Some(20)), 58, 5, 2),
        ] {
            assert_eq!(
                prefix_counts("t3.small", t, pods),
                (prefixes, enis),
                "{t:?} at {pods} pods"
            );
        }
    }

    /// README MINIMUM_IP_TARGET note 2: with the floor alone ipamd holds the floor and stops.
    #[test]
    fn floor_without_warm_stalls_at_the_floor() {
        let floor_only = CniTargets {
            minimum_ip_target: Some(4),
            ..Default::default()
        };
        let c = cfg("m6i.xlarge", 58, floor_only);
        assert_eq!(stall_point(c), Some(4));
        let g = grow(c, 12);
        assert_eq!((g.pods, g.stalled, g.pool.total()), (4, true, 4));
        // Prefix mode: the floor rounds up to whole /28s, then stops just the same.
        let pd = CniTargets {
            prefix_delegation: true,
            ..floor_only
        };
        assert_eq!(stall_point(cfg("m6i.xlarge", 110, pd)), Some(16));
        // A warm target of 1 keeps it going.
        let ok = CniTargets {
            warm_ip_target: Some(1),
            ..floor_only
        };
        assert_eq!(stall_point(cfg("m6i.xlarge", 58, ok)), None);
    }

    #[test]
    fn warm_eni_fills_whole_enis_and_stops_at_max_pods() {
        // m5.8xlarge: 30 addresses per ENI. 10 pods: the primary full plus one spare ENI.
        let g = grow(cfg("m5.8xlarge", 234, CniTargets::default()), 10);
        assert_eq!((g.pool.total(), g.pool.addresses()), (58, 60));
        // m6i.large (3 ENIs x 9 slots, max pods 29): at 27 pods every slot is used; the
        // pool is full, not stalled.
        let g = grow(cfg("m6i.large", 29, CniTargets::default()), 27);
        assert_eq!((g.pods, g.pool.total(), g.stalled), (27, 27, false));
        assert!(g.pool.exhausted());
    }

    #[test]
    fn custom_networking_never_fills_the_primary() {
        let t = CniTargets {
            custom_networking: true,
            warm_ip_target: Some(2),
            minimum_ip_target: Some(10),
            ..Default::default()
        };
        let g = grow(cfg("m6i.large", 20, t), 3);
        // 10 addresses over two pod ENIs of 9 slots, plus the primary ENI.
        assert_eq!(
            (g.pool.units_per_eni.clone(), g.pool.enis()),
            (vec![9, 1], 3)
        );
        assert_eq!(g.pool.addresses(), 13);
    }

    #[test]
    fn max_eni_bounds_growth_without_stalling() {
        let t = CniTargets {
            max_eni: Some(1),
            warm_ip_target: Some(2),
            minimum_ip_target: Some(4),
            ..Default::default()
        };
        let c = cfg("m6i.large", 11, t);
        let g = grow(c, 11);
        assert_eq!((g.pods, g.stalled, g.pool.total()), (9, false, 9));
        assert_eq!(stall_point(c), None);
    }
}
