//! The max-pods calculator.
//!
//! Owns the arithmetic of the amazon-eks-ami `max-pods-calculator.sh`: ENIs used, the
//! secondary-IP and prefix-delegation formulas, and the 110 / 250 vCPU ceilings. It returns the
//! number together with the reasoning, so callers can explain it. Pure; reads only catalog facts.

use crate::catalog::InstanceType;
pub use crate::plan::MaxPods;

/// Addresses per /28 IPv4 prefix.
pub const ADDRESSES_PER_PREFIX: u32 = 16;
/// aws-node and kube-proxy run with host networking and need no pod address.
pub const HOST_NETWORK_PODS: u32 = 2;
/// Calculator ceiling for instance types with at most [`SMALL_VCPU_LIMIT`] vCPUs.
pub const SMALL_INSTANCE_CEILING: u32 = 110;
/// Calculator ceiling for larger instance types.
pub const LARGE_INSTANCE_CEILING: u32 = 250;
pub const SMALL_VCPU_LIMIT: u32 = 30;

/// How pods get addresses, as far as max pods is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxPodsOptions {
    pub prefix_delegation: bool,
    pub custom_networking: bool,
    /// The VPC CNI `MAX_ENI` cap; `None` when unset.
    pub max_eni: Option<u32>,
    /// Skip the 110 / 250 ceiling (the calculator's `--show-max-allowed`).
    pub uncapped: bool,
}

/// The calculator ceiling for an instance type.
pub fn ceiling_for(instance: &InstanceType) -> u32 {
    if instance.vcpu <= SMALL_VCPU_LIMIT {
        SMALL_INSTANCE_CEILING
    } else {
        LARGE_INSTANCE_CEILING
    }
}

/// ENIs on the default network card that can carry pod addresses.
pub fn enis_for_pods(
    instance: &InstanceType,
    max_eni: Option<u32>,
    custom_networking: bool,
) -> u32 {
    let mut enis = instance.max_enis;
    if let Some(cap) = max_eni {
        enis = enis.min(cap);
    }
    if custom_networking {
        enis = enis.saturating_sub(1);
    }
    enis
}

/// Max pods for one instance type, following the amazon-eks-ami calculator.
pub fn max_pods(instance: &InstanceType, opts: MaxPodsOptions) -> MaxPods {
    let enis = enis_for_pods(instance, opts.max_eni, opts.custom_networking);
    let slots = instance.ipv4_per_eni.saturating_sub(1);
    // The calculator applies prefix math only on nitro; other hypervisors keep secondary IPs.
    let pd = opts.prefix_delegation && instance.is_nitro();
    let per_slot = if pd { ADDRESSES_PER_PREFIX } else { 1 };
    let uncapped = enis
        .saturating_mul(slots)
        .saturating_mul(per_slot)
        .saturating_add(HOST_NETWORK_PODS);
    let ceiling = ceiling_for(instance);
    let (value, applied_ceiling) = if !opts.uncapped && uncapped > ceiling {
        (ceiling, Some(ceiling))
    } else {
        (uncapped, None)
    };

    let mut reason = String::new();
    reason.push_str(&format!("{enis} ENI{}", if enis == 1 { "" } else { "s" }));
    let mut eni_notes = Vec::new();
    if let Some(cap) = opts.max_eni.filter(|cap| *cap < instance.max_enis) {
        eni_notes.push(format!("MAX_ENI={cap} of {}", instance.max_enis));
    }
    if opts.custom_networking {
        eni_notes.push("primary ENI not used for pods (custom networking)".to_string());
    }
    if !eni_notes.is_empty() {
        reason.push_str(&format!(" ({})", eni_notes.join(", ")));
    }
    if pd {
        reason.push_str(&format!(
            " x ({} - 1) x 16 + 2 = {uncapped} (prefix delegation)",
            instance.ipv4_per_eni
        ));
    } else {
        reason.push_str(&format!(
            " x ({} - 1) + 2 = {uncapped}",
            instance.ipv4_per_eni
        ));
        if opts.prefix_delegation {
            reason.push_str(" (secondary IPs: prefix delegation needs a nitro instance)");
        }
    }
    if let Some(c) = applied_ceiling {
        reason.push_str(&format!(
            ", capped at {c} ({} vCPU {} {SMALL_VCPU_LIMIT})",
            instance.vcpu,
            if instance.vcpu <= SMALL_VCPU_LIMIT {
                "<="
            } else {
                ">"
            }
        ));
    }
    MaxPods {
        instance_type: instance.name.clone(),
        max_pods: value,
        uncapped,
        enis_for_pods: enis,
        prefix_delegation: pd,
        ceiling: applied_ceiling,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn calc(name: &str, opts: MaxPodsOptions) -> u32 {
        max_pods(Catalog::embedded().get(name).unwrap(), opts).max_pods
    }

    const PD: MaxPodsOptions = MaxPodsOptions {
        prefix_delegation: true,
        custom_networking: false,
        max_eni: None,
        uncapped: false,
    };
    const CUSTOM: MaxPodsOptions = MaxPodsOptions {
        prefix_delegation: false,
        custom_networking: true,
        max_eni: None,
        uncapped: true,
    };

    /// Values from the reference table (eks-reference §2.1) and the published eni-max-pods list.
    #[test]
    fn reference_table() {
        let default = MaxPodsOptions::default();
        let uncapped = MaxPodsOptions {
            uncapped: true,
            ..default
        };
        let pd_uncapped = MaxPodsOptions {
            uncapped: true,
            ..PD
        };
        let cases: &[(&str, MaxPodsOptions, u32)] = &[
            ("m5.large", default, 29),
            ("m5.large", pd_uncapped, 434),
            ("m5.large", PD, 110),
            ("m5.large", CUSTOM, 20),
            ("c5.4xlarge", uncapped, 234),
            ("c5.4xlarge", default, 110),
            ("c5.4xlarge", PD, 110),
            ("c5.4xlarge", pd_uncapped, 3714),
            ("c5.4xlarge", CUSTOM, 205),
            ("m5.8xlarge", default, 234),
            ("m5.8xlarge", PD, 250),
            ("p4d.24xlarge", uncapped, 737),
            ("p4d.24xlarge", default, 250),
            ("p4d.24xlarge", pd_uncapped, 11762),
            ("p5.48xlarge", default, 100),
            ("p5.48xlarge", pd_uncapped, 1570),
            ("p5.48xlarge", CUSTOM, 51),
            ("p5en.48xlarge", default, 198),
            ("trn1.32xlarge", default, 247),
            ("trn1.32xlarge", pd_uncapped, 3922),
            ("m4.4xlarge", pd_uncapped, 234),
            ("m4.4xlarge", PD, 110),
            ("t3.small", default, 11),
            ("t3.micro", default, 4),
        ];
        for (name, opts, want) in cases {
            assert_eq!(calc(name, *opts), *want, "{name} {opts:?}");
        }
    }

    #[test]
    fn max_eni_cap() {
        let opts = MaxPodsOptions {
            max_eni: Some(1),
            ..Default::default()
        };
        assert_eq!(calc("c5.18xlarge", opts), 51);
        let m = max_pods(Catalog::embedded().get("c5.18xlarge").unwrap(), opts);
        assert!(m.reason.contains("MAX_ENI=1 of 15"), "{}", m.reason);
        // A cap above the instance's ENIs changes nothing.
        let opts = MaxPodsOptions {
            max_eni: Some(100),
            ..Default::default()
        };
        assert_eq!(calc("c5.18xlarge", opts), 250);
    }

    #[test]
    fn reasons_explain_the_arithmetic() {
        let m = max_pods(Catalog::embedded().get("c5.4xlarge").unwrap(), PD);
        assert_eq!(
            m.reason,
            "8 ENIs x (30 - 1) x 16 + 2 = 3714 (prefix delegation), capped at 110 (16 vCPU <= 30)"
        );
        let m = max_pods(
            Catalog::embedded().get("m4.4xlarge").unwrap(),
            MaxPodsOptions {
                uncapped: true,
                ..PD
            },
        );
        assert!(m.reason.contains("needs a nitro instance"), "{}", m.reason);
    }
}
