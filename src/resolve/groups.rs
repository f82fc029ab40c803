//! Per-group resolution: memory-tier expansion, zones, max pods, pods per node, addresses
//! held, and the node facts the renderers lay out (AMI, labels, taints, volumes, tags, cost).

use std::collections::BTreeMap;

use crate::catalog::{Arch, Catalog, InstanceType};
use crate::diagnostic::Diagnostic;
use crate::intent::{
    AmiFamily, CapacityType, Consolidation, InstanceStore, Intent, MaxPodsSetting, NodeGroupSpec,
    Provisioner, TaintEffect,
};
use crate::max_pods::{MaxPods, MaxPodsOptions, max_pods};
use crate::plan::{
    AmiPlan, AmiVariant, CniPlan, ConsolidationPolicy, ImagePullApplied, ImagePullPlan,
    ImageSnapshotPlan, InstanceStorePlan, InstanceStorePolicy, InterfaceType, IpAccounting,
    KarpenterPlan, KarpenterVersionPlan, MaxPodsDelivery, MaxPodsPath, NetworkInterfacePlan,
    NodeGroupPlan, PodRequest, RootVolume, ScalingPlan, TaintPlan, ValueSource,
};

use super::cni::{self, CniInputs};
use super::ip_budget::{CniTargets, Held, addresses_held};
use super::pinning::{self, AmiContext};
use super::pull_model::{self, ImageStorage, PullInputs, RegistryDistance};
use super::{kubelet, launch, training, workload};

/// Images at least this large get pull tuning and a faster root volume.
pub const BIG_IMAGE_GIB: f64 = 1.0;
/// CPU requests of the daemonsets on every node: kube-proxy 100m and the aws-node pod 50m
/// (EKS add-on defaults; the vpc-cni chart gives its aws-network-policy-agent container the
/// aws-node container's 25m, and the agent runs whether or not policies are enforced);
/// eks-pod-identity-agent requests nothing.
pub const DAEMONSET_CPU_MILLIS: u64 = 150;
/// Memory kept for those daemonsets (they request none; room for their use).
pub const DAEMONSET_MEMORY_MIB: u64 = 256;
/// Requests of the EFA device plugin's DaemonSet on EFA nodes (aws-efa-k8s-device-plugin
/// chart default `resources.requests`).
pub const EFA_PLUGIN_CPU_MILLIS: u64 = 10;
pub const EFA_PLUGIN_MEMORY_MIB: u64 = 20;

/// What the daemonsets on one of a group's nodes request: the base set, the EBS CSI node
/// plugin when the cluster has the driver (it tolerates every taint), the EFA device plugin
/// on EFA nodes. Returns CPU millicores, MiB and the parts, for the reason.
fn daemonset_requests(efa: bool, ebs_csi: bool) -> (u64, u64, Vec<&'static str>) {
    let mut cpu = DAEMONSET_CPU_MILLIS;
    let mut memory = DAEMONSET_MEMORY_MIB;
    let mut parts = vec!["kube-proxy, aws-node with its network policy agent, pod identity agent"];
    if ebs_csi {
        cpu += super::storage::EBS_CSI_NODE_CPU_MILLICORES;
        memory += super::storage::EBS_CSI_NODE_MEMORY_MIB;
        parts.push("the EBS CSI node plugin");
    }
    if efa {
        cpu += EFA_PLUGIN_CPU_MILLIS;
        memory += EFA_PLUGIN_MEMORY_MIB;
        parts.push("the EFA device plugin");
    }
    (cpu, memory, parts)
}

/// One node group of the plan, before sizing: which types, which zones.
#[derive(Debug, Clone)]
pub struct GroupDraft {
    pub name: String,
    /// Key path of the intent group (`spec.nodeGroups[2]`).
    pub path: String,
    pub spec: NodeGroupSpec,
    pub types: Vec<InstanceType>,
    pub types_reason: String,
    pub azs: Vec<String>,
    pub azs_reason: String,
    /// The memory tier this group serves, GiB.
    pub tier_gib: Option<u32>,
}

impl GroupDraft {
    pub fn accelerated(&self) -> bool {
        self.types
            .iter()
            .any(|t| t.gpu_count > 0 || t.accelerator_count > 0)
    }
}

/// Expand memory tiers and settle zones.
pub fn expand_groups(
    intent: &Intent,
    catalog: &Catalog,
) -> Result<Vec<GroupDraft>, Vec<Diagnostic>> {
    let cluster_azs = &intent.spec.network.availability_zones;
    let Some(first_az) = cluster_azs.first() else {
        return Err(vec![Diagnostic::new(
            "spec.network.availabilityZones",
            "no availability zones",
        )]);
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, g) in intent.spec.node_groups.iter().enumerate() {
        let path = format!("spec.nodeGroups[{i}]");
        let (azs, azs_reason) = match &g.availability_zones {
            Some(list) => (list.clone(), "pinned in the intent".to_string()),
            // Validation refuses a reservation zone that disagrees with availabilityZones.
            None if g.capacity_reservation_zone.is_some() => (
                g.capacity_reservation_zone.clone().into_iter().collect(),
                "pinned to the capacity reservation's zone (capacityReservationZone)".to_string(),
            ),
            None if g.zonal_stateful => (
                vec![first_az.clone()],
                format!(
                    "zonalStateful: pinned to {first_az} because an EBS volume lives in one zone and a pod must come back to that zone; set availabilityZones to choose the zone"
                ),
            ),
            None if g.efa => (
                vec![first_az.clone()],
                format!(
                    "EFA: pinned to {first_az} because EFA traffic does not cross zones and the cluster placement group is single-AZ; set availabilityZones to choose the zone"
                ),
            ),
            None => (cluster_azs.clone(), "all cluster zones".to_string()),
        };
        if g.memory_tiers_gi_b.is_empty() {
            let types: Vec<InstanceType> = g
                .instance_types
                .iter()
                .filter_map(|n| catalog.get(n).cloned())
                .collect();
            if types.is_empty() {
                // Validation reports unknown types; resolve must still never index an empty list.
                problems.push(Diagnostic::new(
                    format!("{path}.instanceTypes"),
                    "no known instance types",
                ));
                continue;
            }
            out.push(GroupDraft {
                name: g.name.clone(),
                path,
                spec: g.clone(),
                types,
                types_reason: "named in the intent".to_string(),
                azs,
                azs_reason,
                tier_gib: None,
            });
            continue;
        }
        for (j, tier) in g.memory_tiers_gi_b.iter().enumerate() {
            match cheapest_for_tier(catalog, g, *tier, &intent.spec.network.cni.mode) {
                Ok((t, reason)) => out.push(GroupDraft {
                    name: format!("{}-{tier}g", g.name),
                    path: path.clone(),
                    spec: g.clone(),
                    types: vec![t.clone()],
                    types_reason: reason,
                    azs: azs.clone(),
                    azs_reason: azs_reason.clone(),
                    tier_gib: Some(*tier),
                }),
                Err(msg) => problems.push(
                    Diagnostic::new(format!("{path}.memoryTiersGiB[{j}]"), msg)
                        .hint("add a family with larger sizes (e.g. x2idn, r7i) or drop the tier"),
                ),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn cheapest_for_tier<'c>(
    catalog: &'c Catalog,
    g: &NodeGroupSpec,
    tier: u32,
    mode: &crate::intent::CniMode,
) -> Result<(&'c InstanceType, String), String> {
    let need_mib = u64::from(tier) * 1024;
    let mut best: Option<(&InstanceType, f64, u64)> = None;
    let mut largest: Option<&InstanceType> = None;
    let min_mbps = g.min_network_mbps();
    for t in catalog
        .iter()
        .filter(|t| g.instance_families.contains(&t.family) && !t.bare_metal)
        .filter(|t| min_mbps.is_none_or(|m| super::training::reaches(t, m)))
    {
        if largest.is_none_or(|l| t.memory_mib > l.memory_mib) {
            largest = Some(t);
        }
        let pd = *mode != crate::intent::CniMode::SecondaryIp && t.is_nitro();
        let mp = max_pods(
            t,
            MaxPodsOptions {
                prefix_delegation: pd,
                ..Default::default()
            },
        )
        .max_pods;
        let usable = kubelet::pinned_allocatable_memory(t, mp);
        let Some(price) = t.on_demand_usd_hour else {
            continue;
        };
        if usable < need_mib {
            continue;
        }
        let better = match best {
            None => true,
            Some((b, bp, _)) => {
                price < bp || (price == bp && (t.memory_mib, &t.name) < (b.memory_mib, &b.name))
            }
        };
        if better {
            best = Some((t, price, usable));
        }
    }
    let bandwidth_note = min_mbps
        .map(|m| {
            format!(
                " with at least {} Gbps (minNetworkGbps)",
                super::training::gbps(m)
            )
        })
        .unwrap_or_default();
    match best {
        Some((t, price, usable)) => Ok((
            t,
            format!(
                "cheapest of {}{} whose allocatable memory ({:.1} GiB) holds a {tier} GiB pod: ${price:.4}/h",
                g.instance_families.join(", "),
                bandwidth_note,
                usable as f64 / 1024.0
            ),
        )),
        None => Err(format!(
            "no type in {}{} leaves {tier} GiB allocatable{}",
            g.instance_families.join(", "),
            bandwidth_note,
            largest
                .map(|l| format!(" (largest: {} with {:.0} GiB)", l.name, l.memory_gib()))
                .unwrap_or_default()
        )),
    }
}

/// Sizing of every group under one custom-networking choice.
#[derive(Debug, Clone)]
pub struct Sizing {
    pub cni: CniPlan,
    pub groups: Vec<GroupSizing>,
}

#[derive(Debug, Clone)]
pub struct GroupSizing {
    pub max_pods: u32,
    pub max_pods_reason: String,
    pub by_type: Vec<MaxPods>,
    pub pods_per_node: u32,
    pub held: Held,
    pub held_default: Held,
    /// Pods that fit under the CNI defaults (the kubelet's default max pods may be lower).
    pub pods_default: u32,
    /// Nodes per zone at max scale, plus update surge.
    pub nodes_per_az: BTreeMap<String, u64>,
}

impl Sizing {
    pub fn node_subnet_need(&self, az: &str) -> u64 {
        self.groups
            .iter()
            .map(|g| g.held.node_subnet * g.nodes_per_az.get(az).copied().unwrap_or(0))
            .sum()
    }

    pub fn pod_subnet_need(&self, az: &str) -> u64 {
        self.groups
            .iter()
            .map(|g| g.held.pod_subnet * g.nodes_per_az.get(az).copied().unwrap_or(0))
            .sum()
    }
}

pub fn size_groups(
    intent: &Intent,
    drafts: &[GroupDraft],
    custom_networking: bool,
) -> Result<Sizing, Vec<Diagnostic>> {
    let cni_spec = &intent.spec.network.cni;
    let all_types: Vec<&InstanceType> = drafts.iter().flat_map(|d| d.types.iter()).collect();
    let (pd, _) = cni::decide_mode(cni_spec, &all_types);
    let mut problems = Vec::new();
    let mut partial = Vec::new();
    for d in drafts {
        let efa = karpenter_efa_layout(d);
        let pod_types = efa.cni_view(&d.types);
        let opts = MaxPodsOptions {
            prefix_delegation: pd,
            custom_networking,
            max_eni: efa.cni_max_eni(cni_spec.max_eni),
            uncapped: false,
        };
        let by_type: Vec<MaxPods> = pod_types.iter().map(|t| max_pods(t, opts)).collect();
        let Some(smallest) = by_type.iter().min_by_key(|m| m.max_pods) else {
            continue;
        };
        let allowed = by_type.iter().map(|m| m.uncapped).min().unwrap_or(0);
        let hw_allowed = pod_types
            .iter()
            .map(|t| {
                max_pods(
                    t,
                    MaxPodsOptions {
                        max_eni: None,
                        uncapped: true,
                        ..opts
                    },
                )
                .uncapped
            })
            .min()
            .unwrap_or(0);
        let (mp, mut reason) = match d.spec.max_pods {
            MaxPodsSetting::Auto => {
                let mut r = format!("{}: {}", smallest.instance_type, smallest.reason);
                if by_type.len() > 1 {
                    r.push_str(&format!(
                        "; smallest of the group's {} types (one kubelet value per group)",
                        by_type.len()
                    ));
                }
                (smallest.max_pods, r)
            }
            MaxPodsSetting::Fixed(n) if n > hw_allowed => {
                problems.push(
                    Diagnostic::new(
                        format!("{}.maxPods", d.path),
                        format!("maxPods {n} is above the {hw_allowed} pod addresses the ENIs allow ({})", smallest.reason),
                    )
                    .hint(format!("use `maxPods: auto` (gives {}) or at most {hw_allowed}", smallest.max_pods)),
                );
                continue;
            }
            MaxPodsSetting::Fixed(n) => {
                (n, format!("fixed in the intent (the ENIs allow {allowed})"))
            }
        };
        if let Some(note) = efa.max_pods_note(&d.types) {
            reason = format!("{note}; {reason}");
        }
        let pods_per_node = match d.spec.pods_per_node {
            Some(p) if p > mp => {
                problems.push(
                    Diagnostic::new(
                        format!("{}.podsPerNode", d.path),
                        format!("podsPerNode {p} is above the group's max pods {mp} ({reason})"),
                    )
                    .hint(if pd {
                        "choose a larger instance type, or fewer pods per node".to_string()
                    } else {
                        "choose a larger instance type, use `cni.mode: prefix-delegation` on nitro types, or fewer pods per node".to_string()
                    }),
                );
                continue;
            }
            Some(p) => p,
            None if d.spec.one_pod_per_node => 1,
            None => mp.saturating_sub(2).max(1),
        };
        partial.push((d, by_type, mp, reason, pods_per_node));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let nodes_at_max: u64 = drafts.iter().map(|d| u64::from(d.spec.scaling.max)).sum();
    let (cni_plan, targets) = cni::decide(
        &CniInputs {
            spec: cni_spec,
            churn: intent.spec.network.pod_churn,
            types: all_types,
            groups: partial
                .iter()
                .map(|p| cni::CniGroup {
                    name: p.0.name.as_str(),
                    pods_per_node: p.4,
                    max_nodes: u64::from(p.0.spec.scaling.max),
                    max_pods: p.2,
                    types: p.0.types.iter().collect(),
                })
                .collect(),
            nodes_at_max,
            custom_networking,
        },
        pd,
    );
    let groups = partial
        .into_iter()
        .map(|(d, by_type, mp, reason, pods)| {
            let efa = karpenter_efa_layout(d);
            let pod_targets = CniTargets {
                max_eni: efa.cni_max_eni(targets.max_eni),
                ..targets
            };
            let held = efa.held(
                efa.cni_view(&d.types)
                    .iter()
                    .map(|t| addresses_held(t, pods, mp, pod_targets))
                    .max_by_key(|h| h.total())
                    .unwrap_or_default(),
            );
            // Under CNI defaults the node still carries the same EFA interfaces.
            let cni_types = efa.cni_view(&d.types);
            let pods_default = cni_types
                .iter()
                .map(|t| pods.min(max_pods(t, MaxPodsOptions::default()).max_pods))
                .min()
                .unwrap_or(pods);
            let held_default = efa.held(
                cni_types
                    .iter()
                    .map(|t| {
                        let default_mp = max_pods(t, MaxPodsOptions::default()).max_pods;
                        addresses_held(
                            t,
                            pods.min(default_mp),
                            default_mp,
                            CniTargets::cni_default(),
                        )
                    })
                    .max_by_key(|h| h.total())
                    .unwrap_or_default(),
            );
            let n_azs = d.azs.len().max(1) as u64;
            let max = u64::from(d.spec.scaling.max);
            let per_az = max.div_ceil(n_azs);
            let surge = if max == 0 {
                0
            } else if d.spec.provisioner == Provisioner::Karpenter {
                per_az.div_ceil(10).max(1)
            } else {
                2
            };
            let nodes_per_az = d
                .azs
                .iter()
                .map(|az| (az.clone(), per_az + surge))
                .collect();
            GroupSizing {
                max_pods: mp,
                max_pods_reason: reason,
                by_type,
                pods_per_node: pods,
                held,
                held_default,
                pods_default,
                nodes_per_az,
            }
        })
        .collect();
    Ok(Sizing {
        cni: cni_plan,
        groups,
    })
}

/// The plan's node groups; a group whose AMI release eksgen cannot pin is an error.
pub(crate) fn finish_groups(
    intent: &Intent,
    drafts: &[GroupDraft],
    sizing: &Sizing,
    ctx: &AmiContext<'_>,
) -> Result<Vec<NodeGroupPlan>, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let groups: Vec<NodeGroupPlan> = drafts
        .iter()
        .zip(&sizing.groups)
        .filter_map(|(d, s)| {
            finish_group(intent, d, s, ctx)
                .map_err(|e| problems.push(e))
                .ok()
        })
        .collect();
    if problems.is_empty() {
        Ok(groups)
    } else {
        Err(problems)
    }
}

fn finish_group(
    intent: &Intent,
    d: &GroupDraft,
    s: &GroupSizing,
    ctx: &AmiContext<'_>,
) -> Result<NodeGroupPlan, Diagnostic> {
    let spec = &d.spec;
    let first = &d.types[0];
    let min_of = |f: fn(&InstanceType) -> u64| d.types.iter().map(f).min().unwrap_or(0);
    let gpus = min_of(|t| u64::from(t.gpu_count)) as u32;
    let accelerators = min_of(|t| u64::from(t.accelerator_count)) as u32;
    let efa_interfaces = if spec.efa {
        min_of(|t| u64::from(t.efa_interfaces)) as u32
    } else {
        0
    };
    let vcpu = min_of(|t| u64::from(t.vcpu)) as u32;
    let memory_mib = min_of(|t| t.memory_mib);
    let smallest = d
        .types
        .iter()
        .min_by_key(|t| (t.memory_mib, t.vcpu))
        .unwrap_or(first);
    let nvidia = first.has_nvidia_gpu();
    let neuron = first.has_neuron();

    let max_pods_delivery = delivery(d, s, ctx);
    let (release, release_reason) = pinning::ami_release(
        ctx,
        &d.name,
        &format!("{}.amiFamily", d.path),
        spec.ami_family,
        max_pods_delivery.path,
    )?;
    let ami = ami_plan(
        AmiChoice {
            family: spec.ami_family,
            arch: first.arch,
            nvidia,
            neuron,
            k8s: &intent.spec.kubernetes_version.0,
            path: max_pods_delivery.path,
        },
        release,
        release_reason,
    );

    // Labels and taints: the intent's, plus eksgen's for selection and accelerators.
    let mut labels = spec.labels.clone();
    labels.insert(crate::plan::GROUP_LABEL.to_string(), d.name.clone());
    if nvidia {
        labels
            .entry("nvidia.com/gpu.present".into())
            .or_insert_with(|| "true".into());
        if let Some(name) = &first.gpu_name {
            labels
                .entry("k8s.amazonaws.com/accelerator".into())
                .or_insert_with(|| format!("nvidia-{name}"));
        }
    }
    if neuron {
        labels
            .entry("aws.amazon.com/neuron.present".into())
            .or_insert_with(|| "true".into());
    }
    if spec.efa {
        labels
            .entry(crate::plan::EFA_LABEL.into())
            .or_insert_with(|| "true".into());
    }
    let mut taints: Vec<TaintPlan> = spec
        .taints
        .iter()
        .map(|t| TaintPlan {
            key: t.key.clone(),
            value: t.value.clone(),
            effect: t.effect,
            eks_effect: t.effect.eks_api().into(),
            source: ValueSource::Intent,
        })
        .collect();
    let auto_taint = if nvidia {
        Some("nvidia.com/gpu")
    } else if neuron {
        Some("aws.amazon.com/neuron")
    } else {
        None
    };
    if let Some(key) = auto_taint {
        if !taints.iter().any(|t| t.key == key) {
            taints.push(TaintPlan {
                key: key.into(),
                value: Some("true".into()),
                effect: TaintEffect::NoSchedule,
                eks_effect: TaintEffect::NoSchedule.eks_api().into(),
                source: ValueSource::Eksgen,
            });
        }
    }

    let registry = intent.spec.registry.as_ref();
    let image_gib = registry.and_then(|r| r.image_size_gi_b);
    let pulls_big_image = image_gib.is_some_and(|g| g >= BIG_IMAGE_GIB)
        && (spec.one_pod_per_node || gpus > 0 || accelerators > 0);
    let root_volume = root_volume(
        spec.disk_size_gi_b,
        gpus > 0 || accelerators > 0,
        if pulls_big_image { image_gib } else { None },
        launch::sized_device(spec.ami_family),
    );
    let os_volume = launch::os_volume(spec.ami_family, spec.provisioner, &root_volume);
    let instance_store = (spec.instance_store == InstanceStore::Raid0).then(|| {
        let gb = min_of(|t| t.local_nvme_gb);
        InstanceStorePlan {
            strategy: InstanceStore::Raid0,
            local_nvme_gb: gb,
            reason: format!(
                "{gb} GB of NVMe instance store on the smallest type as one RAID0 array holding containerd's images and the kubelet's pod storage ({}), so pulls unpack onto local disks and ephemeral-storage is the array's size; its contents go when the instance stops",
                match spec.provisioner {
                    Provisioner::Karpenter => "EC2NodeClass instanceStorePolicy: RAID0",
                    _ => "nodeadm NodeConfig instance.localStorage.strategy: RAID0",
                }
            ),
        }
    });
    let image_snapshot = spec.image_snapshot_id.as_ref().map(|id| {
        let rate = pull_model::SNAPSHOT_INITIALIZATION.value as u32;
        ImageSnapshotPlan {
            snapshot_id: id.clone(),
            device_name: "/dev/xvdb".to_string(),
            initialization_rate_mibps: rate,
            reason: format!(
                "the Bottlerocket data volume (/dev/xvdb) is created from {id}, which holds the images already pulled and unpacked, so new nodes start them without pulling; its blocks arrive from S3 at the provisioned {rate} MiB/s (EBS provisioned rate for volume initialization, billed per GiB initialized) instead of lazily on first read. {}; its size ({} GiB) must be at least the snapshot's. Re-make the snapshot when the images change",
                if spec.provisioner == Provisioner::Karpenter {
                    "Its encryption follows the snapshot (the EC2NodeClass may not set one for a volume from a snapshot)"
                } else {
                    "The launch template asks for encryption, which encrypts a volume restored from an unencrypted snapshot"
                },
                root_volume.size_gib
            ),
        }
    });
    let image_pull = match (pulls_big_image, registry, image_gib) {
        (true, Some(registry), Some(size)) => {
            // Pulls use the primary network card; the catalog's figure is all cards together.
            let cards = u64::from(smallest.network_cards.unwrap_or(1).max(1));
            let inputs = PullInputs {
                image_gib: size,
                largest_layer_gib: registry.largest_layer_gi_b,
                layers: registry.layers,
                concurrent_downloads: CONCURRENT_LAYER_DOWNLOADS,
                network_mbps: smallest.network_bandwidth_mbps / cards,
                vcpu: smallest.vcpu,
                storage: match (&image_snapshot, spec.instance_store) {
                    (Some(snapshot), _) => ImageStorage::Snapshot {
                        initialization_mibps: snapshot.initialization_rate_mibps,
                    },
                    (None, InstanceStore::Raid0) => ImageStorage::InstanceStoreRaid0,
                    (None, InstanceStore::None) => ImageStorage::Volume {
                        mibps: root_volume.throughput_mibps,
                    },
                },
                accelerated: gpus > 0 || accelerators > 0,
                distance: RegistryDistance::between(
                    &intent.spec.region,
                    super::registry::pull_region(registry, &intent.spec.region),
                ),
            };
            Some(image_pull_plan(
                &inputs,
                &intent.spec.kubernetes_version.0,
                launch::image_pull_applied(spec.ami_family, max_pods_delivery.path),
            ))
        }
        _ => None,
    };

    let karpenter = (spec.provisioner == Provisioner::Karpenter)
        .then(|| karpenter_plan(intent, d, gpus, accelerators));
    let (network_interfaces, network_interfaces_reason) =
        launch::efa_launch_interfaces(spec, efa_interfaces);
    let (instance_market, mixed_instances_policy) = launch::purchase(spec, d.types.len());
    let placement_group = spec.efa && spec.capacity_reservation_id.is_none();
    let extended_resources = workload::extended_resources(
        ami.variant,
        gpus,
        accelerators,
        efa_interfaces,
        spec.one_pod_per_node,
    );

    let mut autoscaler_tags = BTreeMap::new();
    if intent.spec.autoscaling.cluster_autoscaler && spec.provisioner != Provisioner::Karpenter {
        let prefix = "k8s.io/cluster-autoscaler";
        autoscaler_tags.insert(format!("{prefix}/enabled"), "true".to_string());
        autoscaler_tags.insert(
            format!("{prefix}/{}", intent.metadata.name),
            "owned".to_string(),
        );
        for (k, v) in &labels {
            autoscaler_tags.insert(format!("{prefix}/node-template/label/{k}"), v.clone());
        }
        for t in &taints {
            autoscaler_tags.insert(
                format!("{prefix}/node-template/taint/{}", t.key),
                format!("{}:{}", t.value.clone().unwrap_or_default(), t.effect),
            );
        }
        if gpus > 0 && nvidia {
            autoscaler_tags.insert(
                format!("{prefix}/node-template/resources/nvidia.com/gpu"),
                gpus.to_string(),
            );
        }
        if neuron {
            autoscaler_tags.insert(
                format!("{prefix}/node-template/resources/aws.amazon.com/neuron"),
                accelerators.to_string(),
            );
        }
        if efa_interfaces > 0 {
            autoscaler_tags.insert(
                format!("{prefix}/node-template/resources/vpc.amazonaws.com/efa"),
                efa_interfaces.to_string(),
            );
        }
        autoscaler_tags.insert(
            format!("{prefix}/node-template/resources/ephemeral-storage"),
            format!("{}Gi", root_volume.size_gib),
        );
    }

    let (hourly, monthly, cost_reason) = super::cost::node_group_cost(
        &d.types,
        spec.capacity_type,
        ScalingPlan {
            min: spec.scaling.min,
            desired: spec.scaling.desired,
            max: spec.scaling.max,
        },
        &intent.spec.region,
    );

    let held_total = s.held.total();
    let efficiency = |pods: u32, held: u64| {
        if held == 0 {
            0.0
        } else {
            round1(100.0 * f64::from(pods) / held as f64)
        }
    };
    let (kubelet_reserved, mut allocatable) = kubelet::group_reserve(
        spec.ami_family,
        max_pods_delivery.path,
        &d.types,
        s.max_pods,
    );
    if let Some(pool) = training::efa_hugepage_pool_mib(spec) {
        // The kubelet reports pre-allocated huge pages apart and removes them from
        // allocatable memory.
        allocatable.memory_mib = allocatable.memory_mib.saturating_sub(pool);
        allocatable.reason.push_str(&format!(
            "; less {pool} MiB of 2 MiB huge pages the EFA driver pre-allocates = {} MiB",
            allocatable.memory_mib
        ));
    }
    let efa_workload = training::efa_workload(
        d,
        &training::WorkerBasis {
            variant: ami.variant,
            gpus,
            accelerators,
            efa_interfaces,
            allocatable_cpu_millicores: allocatable.cpu_millicores,
            allocatable_memory_mib: allocatable.memory_mib,
            daemonset_cpu_millicores: DAEMONSET_CPU_MILLIS,
            daemonset_memory_mib: DAEMONSET_MEMORY_MIB,
        },
    );

    Ok(NodeGroupPlan {
        name: d.name.clone(),
        intent_group: spec.name.clone(),
        provisioner: spec.provisioner,
        instance_types: d.types.iter().map(|t| t.name.clone()).collect(),
        instance_types_reason: d.types_reason.clone(),
        arch: first.arch.as_str().into(),
        ami_family: spec.ami_family,
        ami,
        capacity_type: spec.capacity_type,
        capacity_reservation_id: spec.capacity_reservation_id.clone(),
        scaling: ScalingPlan {
            min: spec.scaling.min,
            desired: spec.scaling.desired,
            max: spec.scaling.max,
        },
        availability_zones: d.azs.clone(),
        availability_zones_reason: d.azs_reason.clone(),
        max_pods: s.max_pods,
        max_pods_reason: s.max_pods_reason.clone(),
        max_pods_by_type: s.by_type.clone(),
        max_pods_delivery,
        pods_per_node: s.pods_per_node,
        ips_per_node: held_total,
        ips_at_max: held_total * u64::from(spec.scaling.max),
        ip_accounting: IpAccounting {
            enis: s.held.enis,
            node_subnet_ips: s.held.node_subnet,
            pod_subnet_ips: s.held.pod_subnet,
            ips_per_node_cni_default: s.held_default.total(),
            ip_efficiency_pct: efficiency(s.pods_per_node, held_total),
            ip_efficiency_cni_default_pct: efficiency(s.pods_default, s.held_default.total()),
            reason: format!("{} pods: {}", s.pods_per_node, s.held.reason),
        },
        gpus_per_node: gpus,
        gpu_name: first.gpu_name.clone(),
        gpu_memory_mib: first.gpu_memory_mib,
        accelerators_per_node: accelerators,
        accelerator_name: first.accelerator_name.clone(),
        efa: spec.efa,
        efa_interfaces,
        placement_group,
        placement_group_name: placement_group
            .then(|| format!("{}-{}", intent.metadata.name, d.name)),
        // EFA groups are in one zone (EKSG005 refuses more).
        placement_group_zone: placement_group
            .then(|| d.azs.first().cloned())
            .flatten(),
        network_interfaces,
        network_interfaces_reason,
        instance_market,
        mixed_instances_policy,
        inter_node_traffic: spec.inter_node_traffic,
        vcpu,
        memory_mib,
        one_pod_request: spec.one_pod_per_node.then(|| {
            let ebs_csi = intent.spec.node_groups.iter().any(|g| g.zonal_stateful);
            let (ds_cpu, ds_memory, parts) = daemonset_requests(spec.efa, ebs_csi);
            PodRequest {
                cpu_millicores: allocatable.cpu_millicores.saturating_sub(ds_cpu),
                memory_mib: allocatable.memory_mib.saturating_sub(ds_memory),
                reason: format!(
                    "allocatable ({}m, {} MiB) minus {ds_cpu}m CPU and {ds_memory} MiB for the daemonsets ({}): more than half the node, so the pod fits only here and still schedules",
                    allocatable.cpu_millicores,
                    allocatable.memory_mib,
                    parts.join("; ")
                ),
            }
        }),
        allocatable,
        kubelet_reserved,
        network_bandwidth_mbps: min_of(|t| t.network_bandwidth_mbps),
        network_bandwidth: training::network_bandwidth(d),
        one_pod_per_node: spec.one_pod_per_node,
        zonal_stateful: spec.zonal_stateful,
        storage: None,
        root_volume,
        os_volume,
        instance_metadata: super::access::instance_metadata(),
        labels,
        taints,
        image_pull,
        instance_store,
        image_snapshot,
        extended_resources,
        zone_affinity: workload::zone_affinity(d.azs.len(), &intent.spec.kubernetes_version),
        karpenter,
        efa_workload,
        autoscaler_tags_set_by_eks: if spec.provisioner == Provisioner::Managed
            && !autoscaler_tags.is_empty()
        {
            // EKS managed node groups: EKS tags the group's Auto Scaling group for
            // cluster-autoscaler auto-discovery (EKS user guide, managed node groups).
            vec![
                "k8s.io/cluster-autoscaler/enabled".to_string(),
                format!("k8s.io/cluster-autoscaler/{}", intent.metadata.name),
            ]
        } else {
            Vec::new()
        },
        autoscaler_tags,
        hourly_cost_usd: hourly,
        monthly_cost_usd: monthly,
        cost_reason,
    })
}

/// Which AMI a group runs, before its release.
struct AmiChoice<'a> {
    family: AmiFamily,
    arch: Arch,
    nvidia: bool,
    neuron: bool,
    k8s: &'a str,
    path: MaxPodsPath,
}

/// The AMI of a group at the pinned `release`: a release-versioned SSM parameter and
/// Karpenter alias (never `recommended` or `latest`), and on the EKS AMI of a managed group
/// the `ami_release_version` EKS takes.
fn ami_plan(choice: AmiChoice<'_>, release: String, release_reason: String) -> AmiPlan {
    let AmiChoice {
        family,
        arch,
        nvidia,
        neuron,
        k8s,
        path,
    } = choice;
    // EKS AMIs name their release by date (`amazon-eks-node-al2023-x86_64-standard-1.34-
    // v20260714`); Bottlerocket's SSM parameters by version (`1.64.0` or `1.51.0-47438798`).
    let date = crate::catalog::releases::eks_ami_date(&release).unwrap_or_default();
    let arch_ssm = match arch {
        Arch::Amd64 => "x86_64",
        Arch::Arm64 => "arm64",
    };
    let arch_type = match arch {
        Arch::Amd64 => "x86_64",
        Arch::Arm64 => "ARM_64",
    };
    let variant = if nvidia {
        AmiVariant::Nvidia
    } else if neuron {
        AmiVariant::Neuron
    } else {
        AmiVariant::Standard
    };
    let (ami_type, ssm_parameter, reason) = match family {
        AmiFamily::Al2023 => (
            format!("AL2023_{arch_type}_{}", variant.as_str().to_uppercase()),
            format!(
                "/aws/service/eks/optimized-ami/{k8s}/amazon-linux-2023/{arch_ssm}/{variant}/amazon-eks-node-al2023-{arch_ssm}-{variant}-{k8s}-v{date}/image_id"
            ),
            match variant {
                AmiVariant::Nvidia => {
                    "AL2023 NVIDIA variant: driver, container toolkit and EFA host components; install the NVIDIA device plugin"
                }
                AmiVariant::Neuron => {
                    "AL2023 Neuron variant: Neuron driver and EFA host components; install the Neuron device plugin"
                }
                AmiVariant::Standard => "AL2023 standard",
            },
        ),
        AmiFamily::Bottlerocket => {
            let flavour = if nvidia { "-nvidia" } else { "" };
            (
                format!(
                    "BOTTLEROCKET_{arch_type}{}",
                    if nvidia { "_NVIDIA" } else { "" }
                ),
                format!(
                    "/aws/service/bottlerocket/aws-k8s-{k8s}{flavour}/{arch_ssm}/{release}/image_id"
                ),
                if nvidia {
                    "Bottlerocket NVIDIA variant: includes the NVIDIA device plugin"
                } else if neuron {
                    "Bottlerocket standard variant runs Neuron; install the Neuron device plugin"
                } else {
                    "Bottlerocket standard"
                },
            )
        }
        AmiFamily::Al2 => {
            let (ty, dir, name) = match (arch, nvidia || neuron) {
                (Arch::Arm64, _) => (
                    "AL2_ARM_64",
                    "amazon-linux-2-arm64",
                    "amazon-eks-arm64-node",
                ),
                (Arch::Amd64, true) => (
                    "AL2_x86_64_GPU",
                    "amazon-linux-2-gpu",
                    "amazon-eks-gpu-node",
                ),
                (Arch::Amd64, false) => ("AL2_x86_64", "amazon-linux-2", "amazon-eks-node"),
            };
            (
                ty.to_string(),
                format!("/aws/service/eks/optimized-ami/{k8s}/{dir}/{name}-{k8s}-v{date}/image_id"),
                "AL2 (end of life: no EKS AL2 AMIs after Kubernetes 1.32)",
            )
        }
    };
    AmiPlan {
        ami_type,
        ssm_parameter,
        karpenter_alias: pinning::karpenter_alias(family, &release),
        release_version: (path == MaxPodsPath::EksAmi).then(|| release.clone()),
        release,
        release_reason,
        variant,
        reason: reason.to_string(),
    }
}

/// How max pods reaches the kubelet, per the EKS user guide's precedence: on its own AMI
/// (a managed node group without an AMI id) EKS writes max pods into the user data itself,
/// computed like the max-pods calculator from the vpc-cni settings (prefix delegation,
/// custom networking) and capped at 110 / 250, above every other setting. Where that is
/// eksgen's value the group uses the EKS AMI; where eksgen's value must differ (`MAX_ENI`,
/// which EKS does not apply, or a fixed `maxPods`) only a custom AMI (the same EKS AMI by id,
/// module-owned bootstrap) delivers it. A group the lock records on a custom AMI stays
/// there: moving it to the EKS AMI replaces it, so only `--change-ami-path` does.
fn delivery(d: &GroupDraft, s: &GroupSizing, ctx: &AmiContext<'_>) -> MaxPodsDelivery {
    match d.spec.provisioner {
        Provisioner::Karpenter => MaxPodsDelivery {
            path: MaxPodsPath::Karpenter,
            eks_injected_max_pods: None,
            reason: format!(
                "EC2NodeClass kubelet.maxPods = {}: Karpenter's own pod count ignores prefix delegation and the 110 / 250 ceilings, so the explicit value keeps scheduling, the CNI and the kubelet consistent",
                s.max_pods
            ),
        },
        Provisioner::SelfManaged => MaxPodsDelivery {
            path: MaxPodsPath::SelfManaged,
            eks_injected_max_pods: None,
            reason: format!(
                "the module owns bootstrap on self-managed nodes, so the kubelet gets {} as rendered",
                s.max_pods
            ),
        },
        Provisioner::Managed => {
            let opts = MaxPodsOptions {
                prefix_delegation: ctx.prefix_delegation,
                custom_networking: ctx.custom_networking,
                max_eni: None,
                uncapped: false,
            };
            // One value per group: the smallest of its types (EKS user guide).
            let injected = d
                .types
                .iter()
                .map(|t| max_pods(t, opts).max_pods)
                .min()
                .unwrap_or(0);
            let settings = match (ctx.prefix_delegation, ctx.custom_networking) {
                (true, true) => "prefix delegation and custom networking",
                (true, false) => "prefix delegation",
                (false, true) => "secondary IPs with custom networking",
                (false, false) => "secondary IPs",
            };
            let recorded = ctx.pins.ami_path(&d.name);
            let pinnable = pinning::eks_ami_release_known(ctx, &d.name, d.spec.ami_family);
            if injected == s.max_pods && recorded == Some(MaxPodsPath::CustomAmi) {
                MaxPodsDelivery {
                    path: MaxPodsPath::CustomAmi,
                    eks_injected_max_pods: Some(injected),
                    reason: format!(
                        "kept on the custom AMI the lock file records: EKS would now set the same {injected} on its own AMI ({settings}), but moving the group there replaces it (`eksgen render --change-ami-path` does, when you choose to)"
                    ),
                }
            } else if injected == s.max_pods && !pinnable {
                // Nothing floats: without a release EKS can pin, the group takes the same
                // AMI family by id at a release eksgen knows.
                MaxPodsDelivery {
                    path: MaxPodsPath::CustomAmi,
                    eks_injected_max_pods: Some(injected),
                    reason: format!(
                        "EKS would set the same {injected} on its own AMI ({settings}), but a managed group there pins its release as EKS names it ({}), which eksgen does not know for Kubernetes {}; the group takes the AMI by id from the release-versioned SSM parameter instead (import the release with `eksgen releases import` to move it to the EKS AMI with `--change-ami-path`)",
                        pinning::eks_release_form(d.spec.ami_family),
                        ctx.kubernetes
                    ),
                }
            } else if injected == s.max_pods {
                MaxPodsDelivery {
                    path: MaxPodsPath::EksAmi,
                    eks_injected_max_pods: Some(injected),
                    reason: format!(
                        "on its own AMI EKS sets max pods itself, from the vpc-cni settings ({settings}) it reads when it creates the group's launch template (the add-on is created before the node groups): {injected}, eksgen's value, so the group uses the EKS AMI"
                    ),
                }
            } else {
                MaxPodsDelivery {
                    path: MaxPodsPath::CustomAmi,
                    eks_injected_max_pods: Some(injected),
                    reason: format!(
                        "EKS would set {injected} on its own AMI ({settings}; it applies neither MAX_ENI nor a fixed maxPods), not {}; the group takes the same AMI release by id from its SSM parameter with module-owned bootstrap, so eksgen's value is what the kubelet gets",
                        s.max_pods
                    ),
                }
            }
        }
    }
}

fn root_volume(
    disk: Option<u32>,
    accelerated: bool,
    big_image: Option<f64>,
    device_name: &str,
) -> RootVolume {
    let default = if accelerated { 200 } else { 50 };
    let (size, mut reason) = match disk {
        Some(d) => (d, "diskSizeGiB from the intent".to_string()),
        None => (
            default,
            format!(
                "default {default} GiB for {} nodes",
                if accelerated { "accelerated" } else { "CPU" }
            ),
        ),
    };
    let (iops, throughput) = match big_image {
        Some(gib) => {
            reason.push_str(&format!(
                "; gp3 at 6000 IOPS / 600 MiB/s (baseline 3000 / 125) so a {gib} GiB image unpacks quickly on scale-out"
            ));
            (6000, 600)
        }
        None => (3000, 125),
    };
    let mut size = size;
    if let Some(gib) = big_image {
        // Compressed layers plus their unpacked copy, with room for a second image.
        let floor = (30.0 + 4.0 * gib).ceil() as u32;
        if size < floor {
            size = floor;
            reason.push_str(&format!(
                "; raised to {floor} GiB to hold the image twice over, unpacked"
            ));
        }
    }
    RootVolume {
        size_gib: size,
        volume_type: "gp3".into(),
        iops,
        throughput_mibps: throughput,
        encrypted: true,
        reason,
        device_name: device_name.to_string(),
    }
}

/// Image pulls kubelet runs at once (instead of one after another).
const PARALLEL_IMAGE_PULLS: u32 = 4;
/// kubelet registry pull rate and burst (defaults 5 / 10).
const REGISTRY_PULL_QPS: u32 = 20;
const REGISTRY_BURST: u32 = 40;
/// containerd layer downloads per image (default 3).
const CONCURRENT_LAYER_DOWNLOADS: u32 = 10;

/// Newest Kubernetes minor whose AL2023 EKS AMIs have shipped containerd 1.7 in some release:
/// 1.28 and 1.29 always (amazon-eks-ami `templates/al2023/variables-1.29.json` pins `1.7.*`),
/// 1.30 to 1.33 until their overrides were removed in November 2025, so an AMI pinned to an
/// older release still has it. 1.34 and later were only ever built with containerd 2.
const LAST_MINOR_WITH_CONTAINERD_1: u32 = 33;

/// Which containerd config version the NodeConfig's `containerd.config` is written in.
/// Version 2 (`plugins."io.containerd.grpc.v1.cri"`) works on both containerd majors: nodeadm
/// takes it as is on containerd 1.7 and runs `containerd config migrate` on containerd 2
/// (which moves `max_concurrent_downloads` to the images plugin). Version 3 names make
/// nodeadm fail on containerd 1.x, so they are used only where no AMI has it.
fn containerd_config_version(kubernetes_version: &str) -> (u32, String) {
    let minor = kubernetes_version
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok());
    match minor {
        Some(m) if m > LAST_MINOR_WITH_CONTAINERD_1 => (
            3,
            format!(
                "containerd config version 3 (plugins 'io.containerd.cri.v1.images'): every AL2023 EKS AMI for Kubernetes {kubernetes_version} ships containerd 2"
            ),
        ),
        _ => (
            2,
            format!(
                "containerd config version 2 (plugins \"io.containerd.grpc.v1.cri\"): AL2023 EKS AMIs for Kubernetes {kubernetes_version} have shipped containerd 1.7, where nodeadm refuses version-3 names and the node never joins; on containerd 2 nodeadm migrates version 2"
            ),
        ),
    }
}

fn image_pull_plan(
    inputs: &PullInputs,
    kubernetes_version: &str,
    (applied, applied_reason): (ImagePullApplied, String),
) -> ImagePullPlan {
    let (containerd_config_version, containerd_config_reason) =
        containerd_config_version(kubernetes_version);
    let time_to_ready = pull_model::time_to_ready(inputs);
    ImagePullPlan {
        image_size_gib: inputs.image_gib,
        max_parallel_image_pulls: PARALLEL_IMAGE_PULLS,
        registry_pull_qps: REGISTRY_PULL_QPS,
        registry_burst: REGISTRY_BURST,
        containerd_max_concurrent_downloads: CONCURRENT_LAYER_DOWNLOADS,
        containerd_config_version,
        containerd_config_reason,
        estimated_pull_seconds: time_to_ready.image_seconds,
        reason: format!(
            "{} GiB pulled and unpacked in about {:.0} s per new node, bound by {}; {CONCURRENT_LAYER_DOWNLOADS} concurrent layer downloads (containerd default 3), {PARALLEL_IMAGE_PULLS} parallel image pulls and registry QPS {REGISTRY_PULL_QPS} / burst {REGISTRY_BURST} (kubelet defaults 5 / 10) so daemonset images and the workload image do not queue behind each other",
            inputs.image_gib,
            time_to_ready.image_seconds,
            time_to_ready.image_bound.describe(),
        ),
        time_to_ready,
        applied,
        applied_reason,
    }
}

/// How the EC2NodeClass of a Karpenter EFA group attaches its network interfaces, and what
/// that does to the pod ENIs and addresses of a node.
///
/// Karpenter v1.14 `launchtemplate.go` (`generateNetworkInterfaces`): with
/// `spec.networkInterfaces` set it attaches exactly those interfaces, `efa-only` ones without
/// any address; unset, it attaches one `efa` interface (EFA plus ENA, one primary address
/// each) per EFA card whenever the pod requests `vpc.amazonaws.com/efa`. Its
/// `ENILimitedPods` and the VPC CNI (`filterUnmanagedENIs` counts an efa-only ENI as
/// unmanaged) both leave one ENI fewer for pods on card 0 when card 0 carries an efa-only
/// interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KarpenterEfaLayout {
    /// Not a Karpenter EFA group: nothing changes.
    NotApplicable,
    /// Card 0 device 0 `interface`, card 0 device 1 `efa-only`, cards 1..n-1 device 1
    /// `efa-only`: no EFA interface takes an address; card 0 has one pod ENI fewer.
    EfaOnly { interfaces: u32 },
    /// Some type has a single interface slot on card 0, so card 0 cannot take an efa-only
    /// interface beside the primary one: `networkInterfaces` stays unset and the `efa`
    /// interfaces on cards 1..n-1 take one address each.
    KarpenterDefault { interfaces: u32 },
}

/// The layout of one group (a pure function of the draft, so sizing and the plan agree).
pub fn karpenter_efa_layout(d: &GroupDraft) -> KarpenterEfaLayout {
    if d.spec.provisioner != Provisioner::Karpenter || !d.spec.efa {
        return KarpenterEfaLayout::NotApplicable;
    }
    let interfaces = d.types.iter().map(|t| t.efa_interfaces).min().unwrap_or(0);
    if interfaces == 0 {
        return KarpenterEfaLayout::NotApplicable;
    }
    if d.types.iter().all(|t| t.max_enis >= 2) {
        KarpenterEfaLayout::EfaOnly { interfaces }
    } else {
        KarpenterEfaLayout::KarpenterDefault { interfaces }
    }
}

impl KarpenterEfaLayout {
    fn efa_only_on_card0(self) -> bool {
        matches!(self, KarpenterEfaLayout::EfaOnly { .. })
    }

    /// The types as the VPC CNI sees them: one ENI fewer on card 0 when card 0 carries the
    /// efa-only interface.
    pub fn cni_view(self, types: &[InstanceType]) -> Vec<InstanceType> {
        types
            .iter()
            .map(|t| {
                let mut t = t.clone();
                if self.efa_only_on_card0() {
                    t.max_enis = t.max_enis.saturating_sub(1);
                }
                t
            })
            .collect()
    }

    /// `MAX_ENI` counts the efa-only ENI too (ipamd: usable = min(MAX_ENI, limit) - unmanaged).
    pub fn cni_max_eni(self, max_eni: Option<u32>) -> Option<u32> {
        if self.efa_only_on_card0() {
            max_eni.map(|m| m.saturating_sub(1))
        } else {
            max_eni
        }
    }

    /// The sentence that goes in front of the max-pods reason.
    pub fn max_pods_note(self, types: &[InstanceType]) -> Option<String> {
        self.efa_only_on_card0().then(|| {
            let enis = types.iter().map(|t| t.max_enis).min().unwrap_or(0);
            format!(
                "card 0 carries the EC2NodeClass's efa-only interface, so the VPC CNI has {} of card 0's {enis} ENIs for pods (as Karpenter's ENI-limited pod count)",
                enis.saturating_sub(1)
            )
        })
    }

    /// Addresses the EFA interfaces add to what the pod ENIs hold.
    pub fn held(self, mut held: Held) -> Held {
        match self {
            KarpenterEfaLayout::NotApplicable => {}
            KarpenterEfaLayout::EfaOnly { interfaces } => held.reason.push_str(&format!(
                "; the {interfaces} efa-only interfaces hold no address"
            )),
            KarpenterEfaLayout::KarpenterDefault { interfaces } => {
                let extra = u64::from(interfaces.saturating_sub(1));
                held.node_subnet += extra;
                let cards = if extra == 1 {
                    "card 1".to_string()
                } else {
                    format!("cards 1-{extra}")
                };
                held.reason.push_str(&format!(
                    "; plus {extra} primary address{} of the efa interfaces Karpenter attaches on {cards} = {}",
                    if extra == 1 { "" } else { "es" },
                    held.total()
                ));
            }
        }
        held
    }

    /// The EC2NodeClass `networkInterfaces` and why.
    fn network_interfaces(self) -> (Vec<NetworkInterfacePlan>, Option<String>) {
        let nic = |card: u32, device: u32, kind: InterfaceType| NetworkInterfacePlan {
            network_card_index: card,
            device_index: device,
            interface_type: kind,
        };
        match self {
            KarpenterEfaLayout::NotApplicable => (Vec::new(), None),
            KarpenterEfaLayout::EfaOnly { interfaces } => {
                let mut list = vec![
                    nic(0, 0, InterfaceType::Interface),
                    nic(0, 1, InterfaceType::EfaOnly),
                ];
                list.extend((1..interfaces).map(|card| nic(card, 1, InterfaceType::EfaOnly)));
                (
                    list,
                    Some(format!(
                        "{interfaces} EFA devices, one efa-only interface per network card (card 0 beside the primary ENA interface): they hold no IP address, so a node takes only the addresses of its pod ENIs; Karpenter counts the efa-only entries as the node's vpc.amazonaws.com/efa capacity"
                    )),
                )
            }
            KarpenterEfaLayout::KarpenterDefault { interfaces } => (
                Vec::new(),
                Some(format!(
                    "left unset: card 0 of some type has a single interface slot, so it cannot hold an efa-only interface beside the primary one; Karpenter attaches {interfaces} efa interfaces (one per card, each with one address) when the pod requests vpc.amazonaws.com/efa"
                )),
            ),
        }
    }
}

/// One field or behaviour the plan's NodePools and EC2NodeClasses use, and the first
/// Karpenter 1.x minor release that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KarpenterNeed {
    /// Minor version of 1.x.
    pub minor: u32,
    /// `1.11: EC2NodeClass placementGroupSelector ... (groups)`.
    pub what: String,
    /// An older release drops the field or refuses the value, so nodes come out other than
    /// planned; `false` when it only ignores a bound that other limits still hold.
    pub changes_nodes: bool,
}

/// What the Karpenter groups use, newest release first; empty without Karpenter groups.
pub fn karpenter_needs(groups: &[NodeGroupPlan]) -> Vec<KarpenterNeed> {
    let karpenter: Vec<&NodeGroupPlan> = groups.iter().filter(|g| g.karpenter.is_some()).collect();
    if karpenter.is_empty() {
        return Vec::new();
    }
    let names = |f: &dyn Fn(&NodeGroupPlan) -> bool| -> Option<String> {
        let list: Vec<&str> = karpenter
            .iter()
            .filter(|g| f(g))
            .map(|g| g.name.as_str())
            .collect();
        (!list.is_empty()).then(|| list.join(", "))
    };
    // Older releases keep `limits.nodes` (limits take any resource name) but only count it
    // for static NodePools; the cpu and memory limits still bound a dynamic pool.
    let mut needs = vec![KarpenterNeed {
        minor: 12,
        what: "1.12: spec.limits.nodes on dynamic NodePools (every NodePool sets it; the docs said static NodePools only before the 1.12 release)".to_string(),
        changes_nodes: false,
    }];
    if let Some(list) = names(&|g| {
        g.placement_group
            || g.karpenter
                .as_ref()
                .is_some_and(|k| !k.network_interfaces.is_empty())
    }) {
        needs.push(KarpenterNeed {
            minor: 11,
            what: format!("1.11: EC2NodeClass placementGroupSelector and networkInterfaces with efa-only ({list})"),
            changes_nodes: true,
        });
    }
    if let Some(list) = names(&|g| {
        g.karpenter
            .as_ref()
            .is_some_and(|k| k.bandwidth_requirement.is_some())
    }) {
        needs.push(KarpenterNeed {
            minor: 9,
            what: format!(
                "1.9: the Gte operator in NodePool requirements (bandwidth minimum: {list})"
            ),
            // Older CRDs refuse the operator, so the NodePool is not applied at all.
            changes_nodes: true,
        });
    }
    if let Some(list) = names(&|g| g.capacity_type == CapacityType::CapacityBlock) {
        needs.push(KarpenterNeed {
            minor: 6,
            what: format!("1.6: capacity-block reservations through capacityReservationSelectorTerms, reservedCapacity on by default ({list})"),
            changes_nodes: true,
        });
    }
    needs.sort_by_key(|n| std::cmp::Reverse(n.minor));
    needs
}

/// The oldest Karpenter release whose CRDs and controller handle everything the plan's
/// NodePools and EC2NodeClasses use (read from the karpenter-provider-aws CRD history and
/// docs); `None` without Karpenter groups.
pub fn karpenter_min_version(groups: &[NodeGroupPlan]) -> Option<KarpenterVersionPlan> {
    let needs = karpenter_needs(groups);
    let minor = needs.iter().map(|n| n.minor).max()?;
    Some(KarpenterVersionPlan {
        version: format!("1.{minor}"),
        reason: format!(
            "{}; older CRDs prune unknown fields without an error",
            needs
                .into_iter()
                .map(|n| n.what)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    })
}

/// NodePool `expireAfter` of pools that consolidate under-used nodes (Karpenter's default).
const KARPENTER_EXPIRE_AFTER: &str = "720h";
/// NodePool `terminationGracePeriod` of those pools (the value of the Karpenter docs'
/// NodePool example, v1.14).
const KARPENTER_TERMINATION_GRACE_PERIOD: &str = "48h";

fn karpenter_plan(intent: &Intent, d: &GroupDraft, gpus: u32, accelerators: u32) -> KarpenterPlan {
    let (policy, after, reason) = match d.spec.consolidation {
        Some(Consolidation::WhenUnderutilized) => (ConsolidationPolicy::WhenEmptyOrUnderutilized, "5m", "set in the intent".to_string()),
        Some(Consolidation::WhenEmpty) => (ConsolidationPolicy::WhenEmpty, "10m", "set in the intent".to_string()),
        Some(Consolidation::Never) => (ConsolidationPolicy::WhenEmpty, "Never", "set in the intent: nodes are never consolidated".to_string()),
        None if d.spec.efa || d.spec.capacity_type == CapacityType::CapacityBlock => (
            ConsolidationPolicy::WhenEmpty,
            "10m",
            "training group (EFA or capacity block): only empty nodes are removed, so a running job is never moved; set `consolidation` to change".to_string(),
        ),
        None => (
            ConsolidationPolicy::WhenEmptyOrUnderutilized,
            "5m",
            "Karpenter default: repack under-used nodes; set `consolidation: when-empty` for long jobs".to_string(),
        ),
    };
    let max = u64::from(d.spec.scaling.max);
    let largest = d
        .types
        .iter()
        .max_by_key(|t| (t.vcpu, t.memory_mib))
        .unwrap_or(&d.types[0]);
    let mut limits = BTreeMap::new();
    limits.insert(
        "cpu".to_string(),
        (max * u64::from(largest.vcpu)).to_string(),
    );
    limits.insert(
        "memory".to_string(),
        format!("{}Mi", max * largest.memory_mib),
    );
    if gpus > 0 && largest.has_nvidia_gpu() {
        limits.insert(
            "nvidia.com/gpu".to_string(),
            (max * u64::from(largest.gpu_count)).to_string(),
        );
    }
    if accelerators > 0 && largest.has_neuron() {
        limits.insert(
            "aws.amazon.com/neuron".to_string(),
            (max * u64::from(largest.accelerator_count)).to_string(),
        );
    }
    let (network_interfaces, network_interfaces_reason) =
        karpenter_efa_layout(d).network_interfaces();
    let (do_not_disrupt, do_not_disrupt_reason) = workload::do_not_disrupt(policy);
    let (dropped_tags, dropped_tags_reason) = launch::karpenter_dropped_tags(&intent.spec.tags);
    let (expire_after, termination_grace_period, expiry_reason) =
        if policy == ConsolidationPolicy::WhenEmpty {
            (
                "Never",
                None,
                "pods here carry karpenter.sh/do-not-disrupt (workloads snippet), which Karpenter \
                 never evicts: an expired node would stay tainted and draining, still billed, \
                 until the pod ends, so nodes do not expire. No terminationGracePeriod: it would \
                 end a drain by deleting the running pod, and it makes nodes with \
                 do-not-disrupt pods eligible for drift; nodes leave when empty, and a new AMI \
                 replaces them once no such pod runs"
                    .to_string(),
            )
        } else {
            (
                KARPENTER_EXPIRE_AFTER,
                Some(KARPENTER_TERMINATION_GRACE_PERIOD),
                format!(
                    "nodes are replaced after {KARPENTER_EXPIRE_AFTER} (Karpenter's default, \
                     written out) and drained for at most {KARPENTER_TERMINATION_GRACE_PERIOD} \
                     (the Karpenter docs' NodePool example): Karpenter advises against \
                     expireAfter without terminationGracePeriod when any pod may carry \
                     karpenter.sh/do-not-disrupt, whose drain would otherwise never end"
                ),
            )
        };
    let nvme_gb = d.types.iter().map(|t| t.local_nvme_gb).min().unwrap_or(0);
    let (instance_store_policy, instance_store_reason) = if nvme_gb > 0 {
        (
            Some(InstanceStorePolicy::Raid0),
            Some(format!(
                "every type has local NVMe instance store (at least {nvme_gb} GB): RAID0 puts \
                 images, emptyDir volumes and logs on it (AL2023, Bottlerocket and AL2 set the \
                 array up from Karpenter's user data), so image layers are written to NVMe \
                 instead of the gp3 root volume, and the node's ephemeral-storage becomes the \
                 array's size"
            )),
        )
    } else {
        (None, None)
    };
    KarpenterPlan {
        network_interfaces,
        network_interfaces_reason,
        expire_after: expire_after.to_string(),
        termination_grace_period: termination_grace_period.map(str::to_string),
        expiry_reason,
        instance_store_policy,
        instance_store_reason,
        do_not_disrupt,
        do_not_disrupt_reason,
        dropped_tags,
        dropped_tags_reason,
        consolidation_policy: policy,
        consolidate_after: after.into(),
        consolidation_reason: reason,
        limits,
        limits_reason: format!(
            "scaling.max {max} x the largest type ({}: {} vCPU, {} MiB)",
            largest.name, largest.vcpu, largest.memory_mib
        ),
        bandwidth_requirement: training::bandwidth_requirement(&d.spec),
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use crate::plan::{NodeGroupPlan, Plan};

    fn plan(groups: &str, cni_mode: &str) -> Plan {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata: {{ name: efa }}
spec:
  region: us-east-1
  kubernetesVersion: \"1.33\"
  network: {{ vpcCidr: 10.6.0.0/16, availabilityZones: [us-east-1a, us-east-1b], cni: {{ mode: {cni_mode} }} }}
  autoscaling: {{ karpenter: true }}
  nodeGroups:
    - {{ name: system, instanceTypes: [m6i.large], scaling: {{ min: 2, desired: 2, max: 3 }}, podsPerNode: 20 }}
{groups}"
        );
        crate::pipeline::plan_from_text(&text, "efa.yaml").unwrap()
    }

    fn group<'p>(plan: &'p Plan, name: &str) -> &'p NodeGroupPlan {
        plan.node_group(name).unwrap()
    }

    /// Karpenter EFA on p5.48xlarge (2 ENIs on card 0): the efa-only interface on card 0
    /// leaves one pod ENI, as ipamd (efa-only ENIs are unmanaged) and Karpenter's
    /// ENILimitedPods count; a managed group keeps both (its card 0 interface is `efa`).
    #[test]
    fn karpenter_efa_only_on_card0_leaves_one_pod_eni_fewer() {
        let p = plan(
            "    - { name: kp, provisioner: karpenter, instanceTypes: [p5.48xlarge], scaling: { min: 0, desired: 0, max: 2 }, onePodPerNode: true, efa: true }
    - { name: mg, instanceTypes: [p5.48xlarge], scaling: { min: 0, desired: 0, max: 2 }, onePodPerNode: true, efa: true }
",
            "secondary-ip",
        );
        let kp = group(&p, "kp");
        assert_eq!(kp.max_pods, 49 + 2, "{}", kp.max_pods_reason);
        assert!(
            kp.max_pods_reason.contains("efa-only"),
            "{}",
            kp.max_pods_reason
        );
        assert_eq!(group(&p, "mg").max_pods, 2 * 49 + 2);
        let nics = &kp.karpenter.as_ref().unwrap().network_interfaces;
        assert_eq!(nics.len(), 33, "the primary interface and 32 efa-only");
        let efa_only: Vec<_> = nics
            .iter()
            .filter(|n| n.interface_type == crate::plan::InterfaceType::EfaOnly)
            .collect();
        assert_eq!(efa_only.len() as u32, kp.efa_interfaces);
        assert_eq!(
            (
                nics[0].network_card_index,
                nics[0].device_index,
                nics[0].interface_type.as_str()
            ),
            (0, 0, "interface")
        );
        let mut pairs: Vec<_> = nics
            .iter()
            .map(|n| (n.network_card_index, n.device_index))
            .collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), nics.len(), "unique (card, device) pairs");
        for card in 0..kp.efa_interfaces {
            assert_eq!(
                efa_only
                    .iter()
                    .filter(|n| n.network_card_index == card)
                    .count(),
                1,
                "one efa-only per card"
            );
        }
        // Addresses: the primary ENI's own and its secondary IPs only.
        assert_eq!(kp.ip_accounting.enis, 1);
        assert_eq!(kp.ips_per_node, kp.ip_accounting.node_subnet_ips);
        assert!(
            kp.ip_accounting
                .reason
                .contains("efa-only interfaces hold no address")
        );
        let version = p.autoscaling.karpenter_min_version.as_ref().unwrap();
        assert_eq!(version.version, "1.12");
        assert!(
            version.reason.contains("efa-only (kp)"),
            "{}",
            version.reason
        );
    }

    /// hpc6id.32xlarge has one interface slot on card 0: no room for an efa-only interface
    /// there, so Karpenter's default applies and the efa interface on card 1 takes an address.
    #[test]
    fn karpenter_efa_without_room_on_card0_counts_the_efa_interface_addresses() {
        let p = plan(
            "    - { name: hpc, provisioner: karpenter, instanceTypes: [hpc6id.32xlarge], scaling: { min: 0, desired: 0, max: 2 }, podsPerNode: 8, efa: true }
",
            "secondary-ip",
        );
        let hpc = group(&p, "hpc");
        let k = hpc.karpenter.as_ref().unwrap();
        assert!(k.network_interfaces.is_empty());
        assert!(
            k.network_interfaces_reason
                .as_deref()
                .unwrap()
                .contains("left unset")
        );
        assert_eq!(hpc.max_pods, 49 + 2);
        assert!(
            hpc.ip_accounting.reason.contains("on card 1 ="),
            "{}",
            hpc.ip_accounting.reason
        );
        // The same group without EFA holds what the CNI targets give; the efa interface on
        // card 1 adds its one address.
        let plain = plan(
            "    - { name: hpc, provisioner: karpenter, instanceTypes: [hpc6id.32xlarge], scaling: { min: 0, desired: 0, max: 2 }, podsPerNode: 8 }
",
            "secondary-ip",
        );
        assert_eq!(
            hpc.ip_accounting.node_subnet_ips,
            group(&plain, "hpc").ip_accounting.node_subnet_ips + 1
        );
    }

    #[test]
    fn max_eni_counts_the_efa_only_eni() {
        use super::KarpenterEfaLayout;
        let layout = KarpenterEfaLayout::EfaOnly { interfaces: 32 };
        assert_eq!(layout.cni_max_eni(Some(2)), Some(1));
        assert_eq!(layout.cni_max_eni(None), None);
        assert_eq!(
            KarpenterEfaLayout::NotApplicable.cni_max_eni(Some(2)),
            Some(2)
        );
    }

    #[test]
    fn no_karpenter_groups_no_minimum_version() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/minimal.yaml"))
                .unwrap();
        let p = crate::pipeline::plan_from_text(&text, "minimal.yaml").unwrap();
        assert!(p.autoscaling.karpenter_min_version.is_none());
    }

    use super::containerd_config_version;

    #[test]
    fn containerd_config_version_follows_the_amis_containerd() {
        // Every AL2023 AMI of 1.28 - 1.33 may carry containerd 1.7 (pinned or older
        // releases); 1.34 and later only ever shipped containerd 2.
        for (k8s, want) in [
            ("1.28", 2),
            ("1.29", 2),
            ("1.30", 2),
            ("1.33", 2),
            ("1.34", 3),
            ("1.35", 3),
            ("bogus", 2),
        ] {
            let (version, reason) = containerd_config_version(k8s);
            assert_eq!(version, want, "{k8s}");
            assert!(reason.contains(&format!("version {want}")), "{reason}");
        }
    }
}
