//! Addresses one node holds under given VPC CNI settings (eks-reference §1.3).
//!
//! Pure arithmetic over catalog facts: ENIs attached, addresses taken from the node subnet
//! and (custom networking) from the pod subnet, with a sentence saying how. The formulas are
//! the closed form of the `ipamd` step model (ipamd's own rules: IP targets over ENI / prefix
//! targets, no growth past max pods, ENIs filled before new ones attach); tests/integration/ipamd_model.rs
//! holds the two against each other over the whole catalog.

use crate::catalog::InstanceType;
use crate::max_pods::ADDRESSES_PER_PREFIX;

use super::ipamd::Ipamd;

/// The VPC CNI settings that decide how many addresses a node keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CniTargets {
    pub prefix_delegation: bool,
    pub custom_networking: bool,
    pub warm_eni_target: Option<u32>,
    pub warm_ip_target: Option<u32>,
    pub minimum_ip_target: Option<u32>,
    pub warm_prefix_target: Option<u32>,
    pub max_eni: Option<u32>,
}

impl CniTargets {
    /// The VPC CNI's own defaults: secondary IPs, `WARM_ENI_TARGET=1`.
    pub fn cni_default() -> CniTargets {
        CniTargets::default()
    }

    /// The targets an `aws-node` env sets (values as the plan renders them; an unparsable
    /// value counts as unset, as ipamd treats it).
    pub fn from_env(
        env: &std::collections::BTreeMap<String, String>,
        custom_networking: bool,
    ) -> CniTargets {
        let num = |k: &str| env.get(k).and_then(|v| v.parse::<u32>().ok());
        CniTargets {
            prefix_delegation: env
                .get("ENABLE_PREFIX_DELEGATION")
                .is_some_and(|v| v == "true"),
            custom_networking,
            warm_eni_target: num("WARM_ENI_TARGET"),
            warm_ip_target: num("WARM_IP_TARGET"),
            minimum_ip_target: num("MINIMUM_IP_TARGET"),
            warm_prefix_target: num("WARM_PREFIX_TARGET"),
            max_eni: num("MAX_ENI").filter(|m| *m >= 1),
        }
    }

    fn ip_targets(&self) -> bool {
        self.warm_ip_target.is_some_and(|w| w > 0) || self.minimum_ip_target.is_some_and(|m| m > 0)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// ENIs attached (custom networking: pod ENIs, plus the primary).
    pub enis: u32,
    pub node_subnet: u64,
    pub pod_subnet: u64,
    pub reason: String,
}

impl Held {
    pub fn total(&self) -> u64 {
        self.node_subnet + self.pod_subnet
    }
}

/// Addresses a node of `instance` holds when it runs `pods` pods that use VPC addresses,
/// with kubelet `max_pods`, once ipamd has settled (the closed form of `ipamd::grow`).
pub fn addresses_held(instance: &InstanceType, pods: u32, max_pods: u32, t: CniTargets) -> Held {
    let cfg = Ipamd::new(instance, max_pods, t);
    let s = u64::from(cfg.slots_per_eni);
    let e_max = u64::from(cfg.pod_enis);
    let n = u64::from(pods);
    let pd = cfg.prefix_mode;
    let cn = t.custom_networking;
    let per = if pd {
        u64::from(ADDRESSES_PER_PREFIX)
    } else {
        1
    };
    let unit = if pd { "x /28" } else { "secondary IPs" };
    let whole_enis = !t.ip_targets() && !pd;
    let wanted = wanted_units(&cfg, n, whole_enis);
    let mut how = if t.ip_targets() {
        let w = cfg.warm_ip;
        let m = cfg.minimum_ip;
        if pd {
            format!(
                "prefixes = ceil(max({n} pods + WARM_IP_TARGET {w}, MINIMUM_IP_TARGET {m}) / 16)"
            )
        } else {
            format!("IPs = max({n} pods + WARM_IP_TARGET {w}, MINIMUM_IP_TARGET {m})")
        }
    } else if pd {
        let p = cfg.warm_prefix;
        let source = if t.warm_prefix_target.is_some() {
            "WARM_PREFIX_TARGET"
        } else {
            "the add-on's WARM_PREFIX_TARGET"
        };
        let formula = if p == 0 {
            format!(
                "prefixes = floor({n} pods / 16) + 1 ({source} 0: a new /28 only when none is free)"
            )
        } else {
            format!("prefixes = ceil({n} pods / 16) + {source} {p}")
        };
        format!(
            "{formula} (pods packed into prefixes; WARM_ENI_TARGET does not grow a prefix pool)"
        )
    } else {
        let w = cfg.warm_eni;
        let formula = if w == 0 {
            format!(
                "ENIs = floor({n} pods / {s}) + 1 (WARM_ENI_TARGET 0: a new ENI only when no address is free)"
            )
        } else {
            format!("ENIs = ceil({n} pods / {s}) + WARM_ENI_TARGET {w}")
        };
        format!("{formula}, each filled with {s} secondary IPs")
    };
    let units = settled_units(&cfg, n, whole_enis);
    if units < wanted {
        how.push_str(&format!(
            ", capped at {units} (max pods {max_pods}, {e_max} ENIs x {s} slots)"
        ));
    }
    // Without custom networking the primary ENI is always attached and carries pods.
    let pod_enis = units.div_ceil(s).max(if cn { 0 } else { 1 });
    let pod_addresses = units * per;
    how.push_str(&format!(
        " = {units} {unit} on {pod_enis} ENI{}",
        plural(pod_enis)
    ));
    // Every attached ENI also takes its own primary address from its subnet.
    let (node_subnet, pod_subnet) = if cn {
        (1, pod_addresses + pod_enis)
    } else {
        (pod_addresses + pod_enis, 0)
    };
    let reason = if cn {
        format!(
            "{how}; custom networking: pod ENIs take {pod_subnet} addresses from the pod subnet, the primary ENI 1 from the node subnet"
        )
    } else {
        format!(
            "{how}; plus {pod_enis} ENI primary address{} = {node_subnet}",
            if pod_enis == 1 { "" } else { "es" }
        )
    };
    Held {
        enis: pod_enis as u32 + u32::from(cn),
        node_subnet,
        pod_subnet,
        reason,
    }
}

/// Addresses a node holds at `pods` pods: the number of [`addresses_held`] without its
/// explanation (for comparing candidate settings over many groups).
pub fn addresses_total(instance: &InstanceType, pods: u32, max_pods: u32, t: CniTargets) -> u64 {
    let cfg = Ipamd::new(instance, max_pods, t);
    let units = settled_units(&cfg, u64::from(pods), !t.ip_targets() && !cfg.prefix_mode);
    let per = if cfg.prefix_mode {
        u64::from(ADDRESSES_PER_PREFIX)
    } else {
        1
    };
    let cn = t.custom_networking;
    let pod_enis = units
        .div_ceil(u64::from(cfg.slots_per_eni))
        .max(if cn { 0 } else { 1 });
    units * per + pod_enis + u64::from(cn)
}

/// Units ipamd holds once settled at `n` pods: what it wants, bounded by the pod ENIs and by
/// max pods. ipamd adds nothing once the pool holds max pods. Pods arrive one by one, so
/// past boot the pool grows a unit at a time and stops at the first count that covers max
/// pods; whole-ENI growth (WARM_ENI_TARGET) stops at the first full ENI that does. At boot a
/// call that crosses max pods ends on the boot target or on a full ENI.
fn settled_units(cfg: &Ipamd, n: u64, whole_enis: bool) -> u64 {
    let per = if cfg.prefix_mode {
        u64::from(ADDRESSES_PER_PREFIX)
    } else {
        1
    };
    let s = u64::from(cfg.slots_per_eni);
    let covering = u64::from(cfg.max_pods).div_ceil(per);
    let boot = wanted_units(cfg, 0, whole_enis);
    let max_pods_bound = if whole_enis {
        s * covering.div_ceil(s)
    } else if boot >= covering {
        boot.min(s * covering.div_ceil(s))
    } else {
        covering
    };
    wanted_units(cfg, n, whole_enis)
        .min(u64::from(cfg.pod_enis) * s)
        .min(max_pods_bound)
}

/// Units (secondary IPs or /28 prefixes) ipamd wants with `n` pods assigned, before the ENI
/// and max-pods bounds.
fn wanted_units(cfg: &Ipamd, n: u64, whole_enis: bool) -> u64 {
    let per = if cfg.prefix_mode {
        u64::from(ADDRESSES_PER_PREFIX)
    } else {
        1
    };
    let s = u64::from(cfg.slots_per_eni);
    if cfg.warm_ip > 0 || cfg.minimum_ip > 0 {
        (n + u64::from(cfg.warm_ip))
            .max(u64::from(cfg.minimum_ip))
            .div_ceil(per)
    } else if whole_enis {
        let w = u64::from(cfg.warm_eni);
        s * if w == 0 { n / s + 1 } else { n.div_ceil(s) + w }
    } else {
        let p = u64::from(cfg.warm_prefix);
        if p == 0 {
            n / per + 1
        } else {
            n.div_ceil(per) + p
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::max_pods::{MaxPodsOptions, max_pods};
    use proptest::prelude::*;

    fn held(name: &str, pods: u32, t: CniTargets) -> Held {
        let it = Catalog::embedded().get(name).unwrap();
        let mp = max_pods(
            it,
            MaxPodsOptions {
                prefix_delegation: t.prefix_delegation,
                custom_networking: t.custom_networking,
                max_eni: t.max_eni,
                uncapped: false,
            },
        )
        .max_pods;
        addresses_held(it, pods, mp, t)
    }

    /// Published figures (eks-reference §1.4, AWS AI-on-EKS networking guide).
    #[test]
    fn published_examples() {
        let eni1 = CniTargets {
            warm_eni_target: Some(1),
            ..Default::default()
        };
        assert_eq!(held("m5.8xlarge", 10, eni1).total(), 60);
        assert_eq!(held("m5.16xlarge", 10, eni1).total(), 100);
        assert_eq!(held("c5.18xlarge", 5, eni1).total(), 100);
        assert_eq!(held("t3.small", 5, eni1).enis, 3);
        assert_eq!(held("p3dn.24xlarge", 95, eni1).enis, 3);
        let targets = CniTargets {
            warm_ip_target: Some(5),
            minimum_ip_target: Some(10),
            ..Default::default()
        };
        assert_eq!(held("p3dn.24xlarge", 45, targets).enis, 2);
        let small = CniTargets {
            warm_ip_target: Some(2),
            minimum_ip_target: Some(12),
            ..Default::default()
        };
        assert_eq!(held("c5.4xlarge", 10, small).total(), 13);
        let pd = CniTargets {
            prefix_delegation: true,
            warm_prefix_target: Some(1),
            ..Default::default()
        };
        assert_eq!(held("c5.4xlarge", 10, pd).total(), 33);
        assert_eq!(held("t3.small", 17, pd).total(), 48 + 1);
        assert_eq!(held("t3.small", 58, pd).enis, 2);
        assert_eq!(
            held("m5.8xlarge", 10, CniTargets::cni_default()).total(),
            60
        );
    }

    #[test]
    fn custom_networking_splits_subnets() {
        let t = CniTargets {
            custom_networking: true,
            warm_eni_target: Some(1),
            ..Default::default()
        };
        let h = held("r5.16xlarge", 1, t);
        assert_eq!((h.node_subnet, h.pod_subnet, h.enis), (1, 100, 3));
    }

    proptest! {
        /// More pods never hold fewer addresses, and enough addresses are held for the pods.
        #[test]
        fn monotone_and_sufficient(idx in 0usize..1300, pods in 0u32..300, pd in any::<bool>(), cn in any::<bool>(), w in proptest::option::of(0u32..4)) {
            let cat = Catalog::embedded();
            let it = cat.iter().nth(idx % cat.len()).unwrap();
            let t = CniTargets { prefix_delegation: pd, custom_networking: cn, warm_eni_target: w, ..Default::default() };
            let mp = max_pods(it, MaxPodsOptions { prefix_delegation: pd, custom_networking: cn, max_eni: None, uncapped: false }).max_pods;
            let pods = pods.min(mp.saturating_sub(2));
            let a = addresses_held(it, pods, mp, t);
            let b = addresses_held(it, pods + 1, mp, t);
            prop_assert!(b.total() >= a.total());
            let pod_ips = a.total() - u64::from(a.enis);
            prop_assert!(pod_ips >= u64::from(pods), "{} pods but {} pod addresses ({})", pods, pod_ips, a.reason);
        }
    }
}
