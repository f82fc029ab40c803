//! How a group's nodes are launched, beyond sizing: the block devices (Bottlerocket's OS and
//! data volumes), the network interfaces of EFA groups without a placement group, how the
//! launch template buys capacity (market type, a self-managed group's mixed instances
//! policy), the placement group's zone, and the `spec.tags` keys an EC2NodeClass must leave
//! out. Each decision comes with its reason; the renderers only lay these out.

use std::collections::BTreeMap;

use crate::intent::{AmiFamily, CapacityType, NodeGroupSpec, Provisioner};
use crate::plan::{
    EbsVolumePlan, ImagePullApplied, InstanceMarketPlan, InterfaceType, MarketType, MaxPodsPath,
    MixedInstancesPlan, NetworkInterfacePlan, OsVolumePlan, RootVolume, SpotAllocationStrategy,
};

/// The device every AMI family boots from.
pub const ROOT_DEVICE: &str = "/dev/xvda";
/// Bottlerocket's data volume: images, containers and pod storage.
pub const BOTTLEROCKET_DATA_DEVICE: &str = "/dev/xvdb";

/// Karpenter's own Bottlerocket OS volume (karpenter-provider-aws `amifamily/bottlerocket.go`,
/// `DefaultBlockDeviceMappings`): 4 GiB gp3, at gp3's baseline IOPS and throughput.
const BOTTLEROCKET_OS_GIB: u32 = 4;
const GP3_BASELINE_IOPS: u32 = 3000;
const GP3_BASELINE_MIBPS: u32 = 125;

/// The device the plan's sized volume is: Bottlerocket keeps images and containers on its
/// second volume, every other family on the root volume.
pub fn sized_device(family: AmiFamily) -> &'static str {
    match family {
        AmiFamily::Bottlerocket => BOTTLEROCKET_DATA_DEVICE,
        AmiFamily::Al2023 | AmiFamily::Al2 => ROOT_DEVICE,
    }
}

/// Bottlerocket's OS volume, beside the data volume the plan sizes. A Karpenter
/// `blockDeviceMappings` list replaces Karpenter's defaults, so it must name the OS volume
/// too; a launch template's mappings add to the AMI's, so the AMI's own OS volume stays.
pub fn os_volume(
    family: AmiFamily,
    provisioner: Provisioner,
    data: &RootVolume,
) -> Option<OsVolumePlan> {
    if family != AmiFamily::Bottlerocket {
        return None;
    }
    Some(match provisioner {
        Provisioner::Karpenter => OsVolumePlan {
            device_name: ROOT_DEVICE.to_string(),
            ebs: Some(EbsVolumePlan {
                size_gib: BOTTLEROCKET_OS_GIB,
                volume_type: data.volume_type.clone(),
                iops: GP3_BASELINE_IOPS,
                throughput_mibps: GP3_BASELINE_MIBPS,
                encrypted: data.encrypted,
            }),
            reason: format!(
                "Bottlerocket boots from {ROOT_DEVICE} and keeps images and containers on {BOTTLEROCKET_DATA_DEVICE} (the sized volume); the EC2NodeClass's blockDeviceMappings replace Karpenter's Bottlerocket defaults, so the OS volume is written as Karpenter's default: {BOTTLEROCKET_OS_GIB} GiB at the gp3 baseline ({GP3_BASELINE_IOPS} IOPS, {GP3_BASELINE_MIBPS} MiB/s), encrypted like the data volume"
            ),
        },
        Provisioner::Managed | Provisioner::SelfManaged => OsVolumePlan {
            device_name: ROOT_DEVICE.to_string(),
            ebs: None,
            reason: format!(
                "Bottlerocket boots from {ROOT_DEVICE} and keeps images and containers on {BOTTLEROCKET_DATA_DEVICE} (the sized volume); launch-template mappings add to the AMI's, so the OS volume keeps the AMI's size"
            ),
        },
    })
}

/// Which image-pull settings a group's bootstrap applies: the AL2023 NodeConfig carries them
/// all (merged by nodeadm on every path); Bottlerocket settings and AL2's `bootstrap.sh`
/// kubelet flags have only the registry QPS and burst; EKS-owned AL2 bootstrap ignores
/// `bootstrap_extra_args`, and eksgen writes no AL2 user data for Karpenter.
pub fn image_pull_applied(family: AmiFamily, path: MaxPodsPath) -> (ImagePullApplied, String) {
    let (applied, reason) = match (family, path) {
        (AmiFamily::Al2023, _) => (
            ImagePullApplied::All,
            "the nodeadm NodeConfig sets parallel image pulls, registry QPS and burst, and containerd max_concurrent_downloads",
        ),
        (AmiFamily::Bottlerocket, _) => (
            ImagePullApplied::RegistryOnly,
            "Bottlerocket applies registry QPS and burst only; parallel pulls and containerd concurrent downloads are not set",
        ),
        (AmiFamily::Al2, MaxPodsPath::EksAmi) => (
            ImagePullApplied::None,
            "image-pull settings are not applied: EKS owns bootstrap on this AL2 group and ignores bootstrap_extra_args",
        ),
        (AmiFamily::Al2, MaxPodsPath::Karpenter) => (
            ImagePullApplied::None,
            "image-pull settings are not applied: eksgen writes no AL2 user data into EC2NodeClasses",
        ),
        (AmiFamily::Al2, MaxPodsPath::CustomAmi | MaxPodsPath::SelfManaged) => (
            ImagePullApplied::RegistryOnly,
            "AL2 applies registry QPS and burst only (kubelet flags); parallel pulls and containerd concurrent downloads have no bootstrap.sh argument",
        ),
    };
    (applied, reason.to_string())
}

/// The launch-template interfaces of a managed or self-managed EFA group that a capacity
/// reservation places (no placement group): one per EFA interface the types support, each
/// on its own network card, `efa` with the node's address on card 0 and `efa-only` (no
/// address) on the others. Karpenter groups have their own layout (`KarpenterPlan`).
pub fn efa_launch_interfaces(
    spec: &NodeGroupSpec,
    interfaces: u32,
) -> (Vec<NetworkInterfacePlan>, Option<String>) {
    if !spec.efa
        || spec.capacity_reservation_id.is_none()
        || spec.provisioner == Provisioner::Karpenter
        || interfaces == 0
    {
        return (Vec::new(), None);
    }
    let list = (0..interfaces)
        .map(|card| NetworkInterfacePlan {
            network_card_index: card,
            device_index: u32::from(card > 0),
            interface_type: if card == 0 {
                InterfaceType::Efa
            } else {
                InterfaceType::EfaOnly
            },
        })
        .collect();
    (
        list,
        Some(format!(
            "a capacity reservation places these nodes, so no placement group (the module's enable_efa_support would add one): the launch template lists {interfaces} interfaces, one per network card, efa with the node's address on card 0 and efa-only without one on the others, as the address count assumes"
        )),
    )
}

/// The launch template's market options (capacity blocks) and a self-managed group's mixed
/// instances policy (spot, or several types).
pub fn purchase(
    spec: &NodeGroupSpec,
    types: usize,
) -> (Option<InstanceMarketPlan>, Option<MixedInstancesPlan>) {
    if spec.provisioner == Provisioner::Karpenter {
        return (None, None);
    }
    let self_managed = spec.provisioner == Provisioner::SelfManaged;
    match spec.capacity_type {
        CapacityType::CapacityBlock => (
            Some(InstanceMarketPlan {
                market_type: MarketType::CapacityBlock,
                reason: "a capacity block is launched with market type capacity-block on the launch template, targeting its reservation".to_string(),
            }),
            None,
        ),
        // An Auto Scaling group takes spot, or several types, through a mixed instances policy.
        CapacityType::Spot if self_managed => (
            None,
            Some(MixedInstancesPlan {
                on_demand_base_capacity: 0,
                on_demand_percentage_above_base_capacity: 0,
                spot_allocation_strategy: Some(SpotAllocationStrategy::PriceCapacityOptimized),
                reason: format!(
                    "spot on {}: a mixed instances policy with every type as an override, all spot (0% on-demand above a base of 0), price-capacity-optimized (the pools least likely to be interrupted, then the cheapest)",
                    count(types)
                ),
            }),
        ),
        CapacityType::OnDemand if self_managed && types > 1 => (
            None,
            Some(MixedInstancesPlan {
                on_demand_base_capacity: 0,
                on_demand_percentage_above_base_capacity: 100,
                spot_allocation_strategy: None,
                reason: format!(
                    "{}: a mixed instances policy with every type as an override, all on-demand (100% above a base of 0)",
                    count(types)
                ),
            }),
        ),
        // Managed groups take types and capacity type as node group inputs.
        CapacityType::Spot | CapacityType::OnDemand => (None, None),
    }
}

fn count(types: usize) -> String {
    if types == 1 {
        "one instance type".to_string()
    } else {
        format!("{types} instance types")
    }
}

/// `spec.tags` keys Karpenter's EC2NodeClass validation refuses (karpenter-provider-aws CRD
/// `ec2nodeclasses` `spec.tags` rules): one of them would make the whole EC2NodeClass fail
/// to apply. Karpenter puts its own values on these keys.
const RESTRICTED_TAG_KEYS: &[&str] = &[
    "eks:eks-cluster-name",
    "karpenter.sh/nodepool",
    "karpenter.sh/nodeclaim",
    "karpenter.k8s.aws/ec2nodeclass",
];
const RESTRICTED_TAG_PREFIX: &str = "kubernetes.io/cluster";

/// The value Karpenter itself puts on a restricted key of the cluster's instances, when it is
/// the same for every EC2NodeClass (the NodePool, NodeClaim and EC2NodeClass names differ).
pub fn karpenter_tag_value(key: &str, cluster: &str) -> Option<String> {
    if key == "eks:eks-cluster-name" {
        Some(cluster.to_string())
    } else if key == format!("kubernetes.io/cluster/{cluster}") {
        Some("owned".to_string())
    } else {
        None
    }
}

/// The `spec.tags` keys an EC2NodeClass leaves out, and why.
pub fn karpenter_dropped_tags(tags: &BTreeMap<String, String>) -> (Vec<String>, Option<String>) {
    let dropped: Vec<String> = tags
        .keys()
        .filter(|k| {
            RESTRICTED_TAG_KEYS.contains(&k.as_str()) || k.starts_with(RESTRICTED_TAG_PREFIX)
        })
        .cloned()
        .collect();
    let reason = (!dropped.is_empty()).then(|| {
        "Karpenter refuses these keys in EC2NodeClass tags (the whole EC2NodeClass would fail to apply) and sets its own: kubernetes.io/cluster/<cluster> = owned, eks:eks-cluster-name = <cluster>, karpenter.sh/nodepool, karpenter.sh/nodeclaim and karpenter.k8s.aws/ec2nodeclass = the resources' names".to_string()
    });
    (dropped, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(keys: &[&str]) -> BTreeMap<String, String> {
        keys.iter()
            .map(|k| (k.to_string(), "v".to_string()))
            .collect()
    }

    /// The keys Karpenter v1.14's CRD refuses (`self.all(k, k != ...)` and
    /// `!k.startsWith('kubernetes.io/cluster')`), and keys that only look alike.
    #[test]
    fn restricted_tags_follow_the_crd_rules() {
        let (dropped, reason) = karpenter_dropped_tags(&tags(&[
            "team",
            "eks:eks-cluster-name",
            "eks:other",
            "kubernetes.io/cluster/ml",
            "kubernetes.io/clusterx",
            "kubernetes.io/role",
            "karpenter.sh/nodepool",
            "karpenter.sh/nodeclaim",
            "karpenter.sh/other",
            "karpenter.k8s.aws/ec2nodeclass",
        ]));
        assert_eq!(
            dropped,
            [
                "eks:eks-cluster-name",
                "karpenter.k8s.aws/ec2nodeclass",
                "karpenter.sh/nodeclaim",
                "karpenter.sh/nodepool",
                "kubernetes.io/cluster/ml",
                "kubernetes.io/clusterx",
            ]
        );
        assert!(reason.is_some());
        assert_eq!(karpenter_dropped_tags(&tags(&["team"])), (Vec::new(), None));
    }

    #[test]
    fn karpenter_sets_the_cluster_tags_itself() {
        assert_eq!(
            karpenter_tag_value("kubernetes.io/cluster/ml", "ml").as_deref(),
            Some("owned")
        );
        assert_eq!(
            karpenter_tag_value("kubernetes.io/cluster/other", "ml"),
            None
        );
        assert_eq!(
            karpenter_tag_value("eks:eks-cluster-name", "ml").as_deref(),
            Some("ml")
        );
        assert_eq!(karpenter_tag_value("karpenter.sh/nodepool", "ml"), None);
    }
}
