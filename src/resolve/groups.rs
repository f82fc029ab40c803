//! Per-group resolution: memory-tier expansion, zones, max pods, pods per node, addresses
//! held, and the node facts the renderers lay out (AMI, labels, taints, volumes, tags, cost).

use std::collections::BTreeMap;

use crate::catalog::{Arch, Catalog, InstanceType};
use crate::diagnostic::Diagnostic;
use crate::intent::{
    AmiFamily, CapacityType, Consolidation, Intent, MaxPodsSetting, NodeGroupSpec, Provisioner,
    TaintEffect,
};
use crate::max_pods::{MaxPods, MaxPodsOptions, max_pods};
use crate::plan::{
    Allocatable, AmiPlan, CniPlan, ImagePullPlan, IpAccounting, KarpenterPlan, MaxPodsDelivery,
    NodeGroupPlan, PodRequest, RootVolume, ScalingPlan, TaintPlan,
};

use super::cni::{self, CniInputs};
use super::ip_budget::{CniTargets, Held, addresses_held};

/// Share of instance memory the OS and hypervisor keep (Karpenter's VM_MEMORY_OVERHEAD_PERCENT).
pub const VM_MEMORY_OVERHEAD: f64 = 0.075;
/// kubelet hard eviction threshold for memory, MiB.
pub const EVICTION_HARD_MIB: u64 = 100;
/// Images at least this large get pull tuning and a faster root volume.
pub const BIG_IMAGE_GIB: f64 = 1.0;
/// CPU requests of the daemonsets on every node: kube-proxy 100m and aws-node 25m (EKS
/// add-on defaults), plus 25m of headroom for eks-pod-identity-agent and device plugins.
pub const DAEMONSET_CPU_MILLIS: u64 = 150;
/// Memory kept for daemonset requests and limits.
pub const DAEMONSET_MEMORY_MIB: u64 = 256;

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
    for t in catalog
        .iter()
        .filter(|t| g.instance_families.contains(&t.family) && !t.bare_metal)
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
        let usable = allocatable(t, mp).memory_mib;
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
    match best {
        Some((t, price, usable)) => Ok((
            t,
            format!(
                "cheapest of {} whose allocatable memory ({:.1} GiB) holds a {tier} GiB pod: ${price:.4}/h",
                g.instance_families.join(", "),
                usable as f64 / 1024.0
            ),
        )),
        None => Err(format!(
            "no type in {} leaves {tier} GiB allocatable{}",
            g.instance_families.join(", "),
            largest
                .map(|l| format!(" (largest: {} with {:.0} GiB)", l.name, l.memory_gib()))
                .unwrap_or_default()
        )),
    }
}

/// What a pod can request on a node: capacity minus OS overhead, kube-reserved and eviction.
pub fn allocatable(t: &InstanceType, max_pods: u32) -> Allocatable {
    let os = (t.memory_mib as f64 * VM_MEMORY_OVERHEAD).ceil() as u64;
    // nodeadm / bootstrap.sh kube-reserved memory: 11 MiB per pod + 255 MiB.
    let kube_reserved = 11 * u64::from(max_pods) + 255;
    let memory = t
        .memory_mib
        .saturating_sub(os + kube_reserved + EVICTION_HARD_MIB);
    Allocatable {
        cpu_millicores: u64::from(t.vcpu) * 1000 - kube_reserved_cpu_millis(t.vcpu),
        memory_mib: memory,
    }
}

/// EKS AMI kube-reserved CPU: 6 % of the first core, 1 % of the second, 0.5 % of the next
/// two, 0.25 % of the rest.
fn kube_reserved_cpu_millis(vcpu: u32) -> u64 {
    let cores = u64::from(vcpu);
    let mut m = 60;
    if cores > 1 {
        m += 10;
    }
    m += 5 * cores.saturating_sub(2).min(2);
    m += (cores.saturating_sub(4) * 25).div_ceil(10);
    m.min(cores * 1000)
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
        let opts = MaxPodsOptions {
            prefix_delegation: pd,
            custom_networking,
            max_eni: cni_spec.max_eni,
            uncapped: false,
        };
        let by_type: Vec<MaxPods> = d.types.iter().map(|t| max_pods(t, opts)).collect();
        let Some(smallest) = by_type.iter().min_by_key(|m| m.max_pods) else {
            continue;
        };
        let allowed = by_type.iter().map(|m| m.uncapped).min().unwrap_or(0);
        let hw_allowed = d
            .types
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
        let (mp, reason) = match d.spec.max_pods {
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
            let held = d
                .types
                .iter()
                .map(|t| addresses_held(t, pods, mp, targets))
                .max_by_key(|h| h.total())
                .unwrap_or_default();
            let pods_default = d
                .types
                .iter()
                .map(|t| pods.min(max_pods(t, MaxPodsOptions::default()).max_pods))
                .min()
                .unwrap_or(pods);
            let held_default = d
                .types
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
                .unwrap_or_default();
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

pub fn finish_groups(
    intent: &Intent,
    drafts: &[GroupDraft],
    sizing: &Sizing,
) -> Vec<NodeGroupPlan> {
    drafts
        .iter()
        .zip(&sizing.groups)
        .map(|(d, s)| finish_group(intent, d, s))
        .collect()
}

fn finish_group(intent: &Intent, d: &GroupDraft, s: &GroupSizing) -> NodeGroupPlan {
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

    let ami = ami_plan(
        spec.ami_family,
        first.arch,
        nvidia,
        neuron,
        &intent.spec.kubernetes_version.0,
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
            .entry("vpc.amazonaws.com/efa.present".into())
            .or_insert_with(|| "true".into());
    }
    let mut taints: Vec<TaintPlan> = spec
        .taints
        .iter()
        .map(|t| TaintPlan {
            key: t.key.clone(),
            value: t.value.clone(),
            effect: t.effect.as_str().into(),
            eks_effect: t.effect.eks_api().into(),
            source: "intent".into(),
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
                effect: TaintEffect::NoSchedule.as_str().into(),
                eks_effect: TaintEffect::NoSchedule.eks_api().into(),
                source: "eksgen".into(),
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
    );
    let image_pull = if pulls_big_image {
        image_gib.map(|size| {
            // Pulls use the primary network card; the catalog's figure is all cards together.
            let cards = u64::from(smallest.network_cards.unwrap_or(1).max(1));
            image_pull_plan(size, smallest.network_bandwidth_mbps / cards, &root_volume)
        })
    } else {
        None
    };

    let max_pods_delivery = delivery(d, s);

    let karpenter =
        (spec.provisioner == Provisioner::Karpenter).then(|| karpenter_plan(d, gpus, accelerators));

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
    let allocatable = allocatable(smallest, s.max_pods);

    NodeGroupPlan {
        name: d.name.clone(),
        intent_group: spec.name.clone(),
        provisioner: spec.provisioner.as_str().into(),
        instance_types: d.types.iter().map(|t| t.name.clone()).collect(),
        instance_types_reason: d.types_reason.clone(),
        arch: first.arch.as_str().into(),
        ami_family: spec.ami_family.as_str().into(),
        ami,
        capacity_type: spec.capacity_type.as_str().into(),
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
        placement_group: spec.efa && spec.capacity_reservation_id.is_none(),
        placement_group_name: (spec.efa && spec.capacity_reservation_id.is_none())
            .then(|| format!("{}-{}", intent.metadata.name, d.name)),
        inter_node_traffic: match spec.inter_node_traffic {
            crate::intent::Traffic::Low => "low",
            crate::intent::Traffic::High => "high",
        }
        .into(),
        vcpu,
        memory_mib,
        allocatable,
        one_pod_request: spec.one_pod_per_node.then(|| PodRequest {
            cpu_millicores: allocatable.cpu_millicores.saturating_sub(DAEMONSET_CPU_MILLIS),
            memory_mib: allocatable.memory_mib.saturating_sub(DAEMONSET_MEMORY_MIB),
            reason: format!(
                "allocatable minus {DAEMONSET_CPU_MILLIS}m CPU and {DAEMONSET_MEMORY_MIB} MiB for the add-on daemonsets (kube-proxy, aws-node, pod identity agent): more than half the node, so the pod fits only here and still schedules"
            ),
        }),
        network_bandwidth_mbps: min_of(|t| t.network_bandwidth_mbps),
        one_pod_per_node: spec.one_pod_per_node,
        root_volume,
        labels,
        taints,
        image_pull,
        karpenter,
        autoscaler_tags,
        hourly_cost_usd: hourly,
        monthly_cost_usd: monthly,
        cost_reason,
    }
}

fn ami_plan(family: AmiFamily, arch: Arch, nvidia: bool, neuron: bool, k8s: &str) -> AmiPlan {
    let arch_ssm = match arch {
        Arch::Amd64 => "x86_64",
        Arch::Arm64 => "arm64",
    };
    let arch_type = match arch {
        Arch::Amd64 => "x86_64",
        Arch::Arm64 => "ARM_64",
    };
    let variant = if nvidia {
        "nvidia"
    } else if neuron {
        "neuron"
    } else {
        "standard"
    };
    let (ami_type, ssm_parameter, alias, reason) = match family {
        AmiFamily::Al2023 => (
            format!("AL2023_{arch_type}_{}", variant.to_uppercase()),
            format!(
                "/aws/service/eks/optimized-ami/{k8s}/amazon-linux-2023/{arch_ssm}/{variant}/recommended/image_id"
            ),
            "al2023@latest",
            match variant {
                "nvidia" => {
                    "AL2023 NVIDIA variant: driver, container toolkit and EFA host components; install the NVIDIA device plugin"
                }
                "neuron" => {
                    "AL2023 Neuron variant: Neuron driver and EFA host components; install the Neuron device plugin"
                }
                _ => "AL2023 standard",
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
                    "/aws/service/bottlerocket/aws-k8s-{k8s}{flavour}/{arch_ssm}/latest/image_id"
                ),
                "bottlerocket@latest",
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
            let (ty, path) = match (arch, nvidia || neuron) {
                (Arch::Arm64, _) => ("AL2_ARM_64", "amazon-linux-2-arm64"),
                (Arch::Amd64, true) => ("AL2_x86_64_GPU", "amazon-linux-2-gpu"),
                (Arch::Amd64, false) => ("AL2_x86_64", "amazon-linux-2"),
            };
            (
                ty.to_string(),
                format!("/aws/service/eks/optimized-ami/{k8s}/{path}/recommended/image_id"),
                "al2@latest",
                "AL2 (end of life: no EKS AL2 AMIs after Kubernetes 1.32)",
            )
        }
    };
    AmiPlan {
        ami_type,
        ssm_parameter,
        karpenter_alias: alias.to_string(),
        variant: variant.to_string(),
        reason: reason.to_string(),
    }
}

fn delivery(d: &GroupDraft, s: &GroupSizing) -> MaxPodsDelivery {
    match d.spec.provisioner {
        Provisioner::Karpenter => MaxPodsDelivery {
            path: "karpenter".into(),
            eks_injected_max_pods: None,
            reason: format!(
                "EC2NodeClass kubelet.maxPods = {}: Karpenter's own pod count ignores prefix delegation and the 110 / 250 ceilings, so the explicit value keeps scheduling, the CNI and the kubelet consistent",
                s.max_pods
            ),
        },
        Provisioner::SelfManaged => MaxPodsDelivery {
            path: "self-managed".into(),
            eks_injected_max_pods: None,
            reason: format!(
                "the module owns bootstrap on self-managed nodes, so the kubelet gets {} as rendered",
                s.max_pods
            ),
        },
        Provisioner::Managed => {
            // On its own AMI, EKS injects the calculator value for secondary IPs on all ENIs,
            // capped at 110 / 250: unaware of MAX_ENI, custom networking or a fixed value.
            let injected = d
                .types
                .iter()
                .map(|t| max_pods(t, MaxPodsOptions::default()).max_pods)
                .min()
                .unwrap_or(0);
            if injected == s.max_pods {
                MaxPodsDelivery {
                    path: "eks-ami".into(),
                    eks_injected_max_pods: Some(injected),
                    reason: format!(
                        "EKS injects {injected} on its own AMI, the same as eksgen's value, so the group uses the EKS-provided AMI"
                    ),
                }
            } else {
                MaxPodsDelivery {
                    path: "custom-ami".into(),
                    eks_injected_max_pods: Some(injected),
                    reason: format!(
                        "EKS would inject {injected} on its own AMI (it ignores MAX_ENI, custom networking and prefix delegation), not {}; the group takes the same AMI by id from its public SSM parameter with module-owned bootstrap, so eksgen's value is what the kubelet gets",
                        s.max_pods
                    ),
                }
            }
        }
    }
}

fn root_volume(disk: Option<u32>, accelerated: bool, big_image: Option<f64>) -> RootVolume {
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
    }
}

/// Image pulls kubelet runs at once (instead of one after another).
const PARALLEL_IMAGE_PULLS: u32 = 4;
/// kubelet registry pull rate and burst (defaults 5 / 10).
const REGISTRY_PULL_QPS: u32 = 20;
const REGISTRY_BURST: u32 = 40;
/// containerd layer downloads per image (default 3).
const CONCURRENT_LAYER_DOWNLOADS: u32 = 10;

fn image_pull_plan(size_gib: f64, bandwidth_mbps: u64, volume: &RootVolume) -> ImagePullPlan {
    // Megabits (10^6 bits) per second to MiB (2^20 bytes) per second.
    let net_mib_s = bandwidth_mbps as f64 * 1_000_000.0 / 8.0 / 1_048_576.0;
    let rate = net_mib_s.min(f64::from(volume.throughput_mibps)).max(1.0);
    let seconds = round1(size_gib * 1024.0 / rate);
    ImagePullPlan {
        image_size_gib: size_gib,
        max_parallel_image_pulls: PARALLEL_IMAGE_PULLS,
        registry_pull_qps: REGISTRY_PULL_QPS,
        registry_burst: REGISTRY_BURST,
        containerd_max_concurrent_downloads: CONCURRENT_LAYER_DOWNLOADS,
        estimated_pull_seconds: seconds,
        reason: format!(
            "{size_gib} GiB at the slower of the network ({net_mib_s:.0} MiB/s) and the root volume ({} MiB/s): at least {seconds} s per new node before decompression; {CONCURRENT_LAYER_DOWNLOADS} concurrent layer downloads (containerd default 3), {PARALLEL_IMAGE_PULLS} parallel image pulls and registry QPS {REGISTRY_PULL_QPS} / burst {REGISTRY_BURST} (kubelet defaults 5 / 10) keep both busy",
            volume.throughput_mibps
        ),
    }
}

fn karpenter_plan(d: &GroupDraft, gpus: u32, accelerators: u32) -> KarpenterPlan {
    let (policy, after, reason) = match d.spec.consolidation {
        Some(Consolidation::WhenUnderutilized) => ("WhenEmptyOrUnderutilized", "5m", "set in the intent".to_string()),
        Some(Consolidation::WhenEmpty) => ("WhenEmpty", "10m", "set in the intent".to_string()),
        Some(Consolidation::Never) => ("WhenEmpty", "Never", "set in the intent: nodes are never consolidated".to_string()),
        None if d.spec.efa || d.spec.capacity_type == CapacityType::CapacityBlock => (
            "WhenEmpty",
            "10m",
            "training group (EFA or capacity block): only empty nodes are removed, so a running job is never moved; set `consolidation` to change".to_string(),
        ),
        None => (
            "WhenEmptyOrUnderutilized",
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
    KarpenterPlan {
        consolidation_policy: policy.into(),
        consolidate_after: after.into(),
        consolidation_reason: reason,
        limits,
        limits_reason: format!(
            "scaling.max {max} x the largest type ({}: {} vCPU, {} MiB)",
            largest.name, largest.vcpu, largest.memory_mib
        ),
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
