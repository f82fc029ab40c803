//! What running workloads on a group needs beyond the nodes: the device resources a pod asks
//! for, the device plugins that advertise them, the same-zone pod affinity of the workload
//! snippet (and whether the cluster's Kubernetes version lets it use `matchLabelKeys`), and
//! whether the snippet keeps Karpenter from disrupting its pod.

use crate::intent::KubernetesVersion;
use crate::plan::{
    AmiFamily, AmiVariant, ConsolidationPolicy, DevicePlugin, DevicePluginPlan, EFA_LABEL,
    ExtendedResourcePlan, NodeGroupPlan, ZoneAffinityPlan,
};

/// Kubernetes minor version from which `matchLabelKeys` in pod affinity is on by default
/// (feature gate `MatchLabelKeysInPodAffinity`: beta in 1.31, GA in 1.33).
pub const MATCH_LABEL_KEYS_MINOR: u32 = 31;

/// The device resources of a group's nodes, each with what one workload pod requests: all
/// of them when one pod fills the node, otherwise one (the pod sets what it needs).
pub fn extended_resources(
    variant: AmiVariant,
    gpus: u32,
    accelerators: u32,
    efa_interfaces: u32,
    one_pod_per_node: bool,
) -> Vec<ExtendedResourcePlan> {
    let mut list = Vec::new();
    let mut add = |name: &str, per_node: u32| {
        if per_node > 0 {
            list.push(ExtendedResourcePlan {
                name: name.to_string(),
                per_node,
                per_pod: if one_pod_per_node { per_node } else { 1 },
            });
        }
    };
    // The AMI variant follows the device vendor: GPUs of other vendors have no plugin here.
    if variant == AmiVariant::Nvidia {
        add("nvidia.com/gpu", gpus);
    }
    if variant == AmiVariant::Neuron {
        add("aws.amazon.com/neuron", accelerators);
    }
    add("vpc.amazonaws.com/efa", efa_interfaces);
    list
}

/// The preferred same-zone pod affinity for a group over several zones.
pub fn zone_affinity(zones: usize, version: &KubernetesVersion) -> Option<ZoneAffinityPlan> {
    if zones < 2 {
        return None;
    }
    let on = version
        .parts()
        .is_some_and(|(major, minor)| major > 1 || minor >= MATCH_LABEL_KEYS_MINOR);
    Some(ZoneAffinityPlan {
        match_label_keys: on,
        reason: if on {
            format!(
                "the group spans {zones} zones: prefer the zone where the pod's own app runs; Kubernetes {} has matchLabelKeys in pod affinity on by default (1.{MATCH_LABEL_KEYS_MINOR} and later), which narrows the term to the pod's app.kubernetes.io/name value",
                version.0
            )
        } else {
            format!(
                "the group spans {zones} zones: prefer the zone where pods with app.kubernetes.io/name run; Kubernetes {} predates matchLabelKeys in pod affinity (on by default from 1.{MATCH_LABEL_KEYS_MINOR}), so the term matches every pod with the label",
                version.0
            )
        },
    })
}

/// Whether a Karpenter group's workload pod carries `karpenter.sh/do-not-disrupt`, and why.
pub fn do_not_disrupt(policy: ConsolidationPolicy) -> (bool, String) {
    match policy {
        ConsolidationPolicy::WhenEmpty => (
            true,
            "the NodePool only removes empty nodes, so the pod is meant to run to completion: the annotation also keeps drift (a new AMI) from disrupting its node while it runs; expiry still drains it".to_string(),
        ),
        ConsolidationPolicy::WhenEmptyOrUnderutilized => (
            false,
            "the NodePool repacks under-used nodes, so the pod must tolerate being moved: no do-not-disrupt annotation".to_string(),
        ),
    }
}

/// The device plugins the groups need, in [`DevicePlugin::ALL`] order, with their groups.
pub fn device_plugins(groups: &[NodeGroupPlan]) -> Vec<DevicePluginPlan> {
    DevicePlugin::ALL
        .into_iter()
        .filter_map(|plugin| {
            let needing: Vec<&NodeGroupPlan> =
                groups.iter().filter(|g| needs(plugin, g)).collect();
            if needing.is_empty() {
                return None;
            }
            let unlabelled_node_groups = match plugin {
                DevicePlugin::Efa => needing
                    .iter()
                    .filter(|g| g.labels.get(EFA_LABEL).map(String::as_str) != Some("true"))
                    .map(|g| g.name.clone())
                    .collect(),
                DevicePlugin::Nvidia | DevicePlugin::Neuron => Vec::new(),
            };
            Some(DevicePluginPlan {
                plugin,
                node_groups: needing.iter().map(|g| g.name.clone()).collect(),
                unlabelled_node_groups,
                reason: match plugin {
                    DevicePlugin::Nvidia => "the AL2023 and AL2 NVIDIA AMIs carry the driver and container toolkit but not the NVIDIA device plugin, which advertises nvidia.com/gpu (the Bottlerocket NVIDIA variant includes it)",
                    DevicePlugin::Neuron => "no EKS AMI includes the Neuron device plugin, which advertises aws.amazon.com/neuron",
                    DevicePlugin::Efa => "the EKS AL2023 accelerated and Bottlerocket AMIs carry the EFA host software but not the EFA device plugin, which advertises vpc.amazonaws.com/efa",
                }
                .to_string(),
            })
        })
        .collect()
}

/// Whether a group's nodes need the plugin installed.
fn needs(plugin: DevicePlugin, g: &NodeGroupPlan) -> bool {
    match plugin {
        DevicePlugin::Nvidia => {
            g.ami.variant == AmiVariant::Nvidia && g.ami_family != AmiFamily::Bottlerocket
        }
        DevicePlugin::Neuron => g.ami.variant == AmiVariant::Neuron,
        DevicePlugin::Efa => g.efa,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_label_keys_from_kubernetes_1_31() {
        let v = |s: &str| KubernetesVersion(s.to_string());
        assert!(!zone_affinity(2, &v("1.30")).unwrap().match_label_keys);
        assert!(zone_affinity(3, &v("1.31")).unwrap().match_label_keys);
        assert!(zone_affinity(2, &v("1.34")).unwrap().match_label_keys);
        assert_eq!(zone_affinity(1, &v("1.34")), None);
    }

    #[test]
    fn a_pod_asks_for_one_device_unless_it_fills_the_node() {
        let shared = extended_resources(AmiVariant::Nvidia, 8, 0, 4, false);
        let names: Vec<(&str, u32, u32)> = shared
            .iter()
            .map(|r| (r.name.as_str(), r.per_node, r.per_pod))
            .collect();
        assert_eq!(
            names,
            [("nvidia.com/gpu", 8, 1), ("vpc.amazonaws.com/efa", 4, 1)]
        );
        let whole = extended_resources(AmiVariant::Neuron, 0, 16, 0, true);
        assert_eq!(whole[0].name, "aws.amazon.com/neuron");
        assert_eq!((whole[0].per_node, whole[0].per_pod), (16, 16));
        // GPUs without the NVIDIA variant (another vendor) get no resource request.
        assert!(extended_resources(AmiVariant::Standard, 1, 0, 0, true).is_empty());
    }
}
