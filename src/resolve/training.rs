//! Training-network decisions for a group: network bandwidth per node against the intent's
//! `minNetworkGbps` (and the Karpenter requirement that enforces it), and what one training
//! worker pod of an EFA group asks for (accelerators, EFA devices, huge pages, CPU and memory)
//! with the EFA / NCCL environment it gets. Pure; reads the group draft and catalog facts.
//!
//! Sources (see `docs/training.md`):
//! - Karpenter v1.14.1 `pkg/providers/instancetype/types.go`: every type carries the label
//!   `karpenter.k8s.aws/instance-network-bandwidth` with its baseline Mbps from a generated
//!   table (`zz_generated.bandwidth.go`, the same figures as the catalog's
//!   `network_bandwidth_mbps`); a type missing from that table gets no label, and a `Gte`
//!   requirement does not match a missing label. NodePool requirements are ANDed, so a
//!   `node.kubernetes.io/instance-type In [...]` list is narrowed, never widened, by it.
//! - EKS user guide, "Run machine learning training on Amazon EKS with Elastic Fabric
//!   Adapter": nodes with the EFA driver pre-allocate 5128 huge pages of 2 MiB; the NCCL test
//!   worker requests all 8 GPUs, all 32 EFA devices of a p5.48xlarge and `hugepages-2Mi:
//!   5120Mi`; on Bottlerocket the pages come from the `vm.nr_hugepages` sysctl setting.
//! - aws-ofi-nccl `doc/efa-env-var.md`: with libfabric >= 1.18 and aws-ofi-nccl >= 1.7.0 no
//!   FI_* variable is needed; `FI_EFA_USE_DEVICE_RDMA=1` is needed with aws-ofi-nccl 1.6.x on
//!   p4/p5 and harmless on them with newer releases; `FI_PROVIDER=efa` and
//!   `NCCL_PROTO=simple` only with aws-ofi-nccl <= 1.5.0.
//! - kubelet (`pkg/kubelet/nodestatus/setters.go`): pre-allocated huge pages are subtracted
//!   from the node's allocatable memory. API server: a container that requests huge pages
//!   must also request CPU or memory.

use crate::catalog::InstanceType;
use crate::intent::{AmiFamily, NodeGroupSpec};
use crate::plan::{
    AmiVariant, DeviceRequestPlan, EfaWorkloadPlan, EnvVarPlan, NetworkBandwidthPlan,
    RequirementOperator, RequirementPlan, TypeBandwidthPlan,
};

use super::groups::GroupDraft;

/// The Karpenter label with each instance type's baseline network bandwidth, in Mbps.
pub const BANDWIDTH_LABEL: &str = "karpenter.k8s.aws/instance-network-bandwidth";

/// 2 MiB huge pages the EFA driver pre-allocates on a node (EKS user guide, EFA training).
pub const EFA_HUGEPAGES: u64 = 5128;
/// MiB per huge page of `hugepages-2Mi`.
pub const HUGEPAGE_MIB: u64 = 2;
/// What one training worker requests of them: the EKS EFA guide's NCCL test worker.
pub const EFA_WORKER_HUGEPAGES_MIB: u64 = 5120;

/// Families whose EFA supports GPUDirect RDMA in aws-ofi-nccl's environment guide ("p4 and
/// p5"), where `FI_EFA_USE_DEVICE_RDMA=1` is needed by aws-ofi-nccl 1.6.x.
const RDMA_ENV_FAMILIES: &[&str] = &["p4d", "p4de", "p5", "p5e", "p5en"];

/// `mbps` as Gbps without trailing zeros: 3200000 → `3200`, 12500 → `12.5`, 781 → `0.781`.
pub fn gbps(mbps: u64) -> String {
    let whole = mbps / 1000;
    let frac = mbps % 1000;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}")
            .trim_end_matches('0')
            .to_string()
    }
}

/// A type's baseline Mbps, `None` where the catalog has no fixed figure (stored as 0).
pub fn type_mbps(t: &InstanceType) -> Option<u64> {
    (t.network_bandwidth_mbps > 0).then_some(t.network_bandwidth_mbps)
}

/// Whether a type reaches `min` Mbps; an unknown figure does not (Karpenter sets no label).
pub fn reaches(t: &InstanceType, min: u64) -> bool {
    type_mbps(t).is_some_and(|b| b >= min)
}

/// Each type's bandwidth against the group's minimum.
pub fn network_bandwidth(d: &GroupDraft) -> NetworkBandwidthPlan {
    let min = d.spec.min_network_mbps();
    let by_type: Vec<TypeBandwidthPlan> = d
        .types
        .iter()
        .map(|t| TypeBandwidthPlan {
            instance_type: t.name.clone(),
            mbps: type_mbps(t),
            meets_minimum: min.map(|m| reaches(t, m)),
        })
        .collect();
    let figures = by_type
        .iter()
        .map(|b| {
            format!(
                "{} {}",
                b.instance_type,
                b.mbps
                    .map_or("unknown (no fixed figure)".to_string(), |m| format!(
                        "{} Gbps",
                        gbps(m)
                    ))
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let source = "EC2's baseline bandwidth, all network cards together (catalog network_bandwidth_mbps, the figure of Karpenter's instance-network-bandwidth label)";
    let reason = match min {
        None => format!("{figures}: {source}; no minimum (set minNetworkGbps for training groups)"),
        Some(m) => {
            let short: Vec<&str> = by_type
                .iter()
                .filter(|b| b.meets_minimum == Some(false))
                .map(|b| b.instance_type.as_str())
                .collect();
            let verdict = if short.is_empty() {
                "every type reaches it".to_string()
            } else {
                format!("below it: {}", short.join(", "))
            };
            let chosen = if d.tier_gib.is_some() {
                "; the memory tier chose only among types that reach it"
            } else {
                ""
            };
            format!(
                "{figures}: {source}; minNetworkGbps {} ({m} Mbps): {verdict}{chosen}",
                gbps(m)
            )
        }
    };
    NetworkBandwidthPlan {
        min_mbps: min,
        by_type,
        reason,
    }
}

/// The NodePool requirement for a group's minimum bandwidth (Karpenter groups).
pub fn bandwidth_requirement(spec: &NodeGroupSpec) -> Option<RequirementPlan> {
    let min = spec.min_network_mbps()?;
    Some(RequirementPlan {
        key: BANDWIDTH_LABEL.to_string(),
        operator: RequirementOperator::Gte,
        values: vec![min.to_string()],
        reason: format!(
            "minNetworkGbps {}: Karpenter launches only types whose {BANDWIDTH_LABEL} label (baseline Mbps) is at least {min}; requirements are ANDed with the instance-type list, so a listed type below it, or one Karpenter has no bandwidth figure for, is never launched",
            gbps(min)
        ),
    })
}

/// Huge pages the EFA driver pre-allocates on this group's nodes, MiB; the kubelet removes
/// them from allocatable memory. AL2023 EKS AMIs carry the EFA driver; Bottlerocket reserves
/// pages only through a sysctl setting eksgen does not render; AL2 is not modelled.
pub fn efa_hugepage_pool_mib(spec: &NodeGroupSpec) -> Option<u64> {
    (spec.efa && spec.ami_family == AmiFamily::Al2023).then_some(EFA_HUGEPAGES * HUGEPAGE_MIB)
}

/// What the plan already knows about a group that the EFA worker's request builds on.
pub struct WorkerBasis {
    pub variant: AmiVariant,
    pub gpus: u32,
    pub accelerators: u32,
    pub efa_interfaces: u32,
    /// Allocatable after kube-reserved, eviction and the huge-page pool.
    pub allocatable_cpu_millicores: u64,
    pub allocatable_memory_mib: u64,
    /// What the add-on daemonsets request on every node.
    pub daemonset_cpu_millicores: u64,
    pub daemonset_memory_mib: u64,
}

/// One training worker per node for an EFA group: every accelerator and EFA device, huge
/// pages where the node has them, the rest of the node's CPU and memory, and the EFA env.
pub fn efa_workload(d: &GroupDraft, b: &WorkerBasis) -> Option<EfaWorkloadPlan> {
    if !d.spec.efa || b.efa_interfaces == 0 {
        return None;
    }
    let accelerator = match b.variant {
        AmiVariant::Nvidia if b.gpus > 0 => Some(DeviceRequestPlan {
            resource: "nvidia.com/gpu".to_string(),
            count: b.gpus,
        }),
        AmiVariant::Neuron if b.accelerators > 0 => Some(DeviceRequestPlan {
            resource: "aws.amazon.com/neuron".to_string(),
            count: b.accelerators,
        }),
        _ => None,
    };
    let devices_reason = match &accelerator {
        Some(a) => format!(
            "one training worker per node takes all {} {} and all {} EFA devices, as the EKS EFA guide's NCCL job does: the collective library drives every EFA device from the node's one worker, and the device plugin gives each EFA device to one pod only (a p4d has 4 for 8 GPUs, so per-GPU pods cannot share them out); for several workers per node divide both counts by the same factor",
            a.count, a.resource, b.efa_interfaces
        ),
        None => format!(
            "one worker per node takes all {} EFA devices: the device plugin gives each to one pod only, and an MPI job places its ranks inside that pod",
            b.efa_interfaces
        ),
    };

    let (hugepages_2mi, hugepages_reason) = match d.spec.ami_family {
        AmiFamily::Al2023 => (
            Some(format!("{EFA_WORKER_HUGEPAGES_MIB}Mi")),
            format!(
                "the EFA driver of the AL2023 EKS AMIs pre-allocates {EFA_HUGEPAGES} pages of 2 MiB ({} MiB), which the kubelet offers as hugepages-2Mi; libfabric's EFA provider uses them for its buffers; {EFA_WORKER_HUGEPAGES_MIB}Mi is the EKS EFA guide's worker request",
                EFA_HUGEPAGES * HUGEPAGE_MIB
            ),
        ),
        AmiFamily::Bottlerocket => (
            None,
            "not requested: Bottlerocket pre-allocates huge pages only when settings.kernel.sysctl \"vm.nr_hugepages\" is set (EKS EFA guide), which eksgen does not render, so a request would keep the pod Pending; libfabric then uses regular pages (a minor slowdown, aws-ofi-nccl's FI_EFA_USE_HUGE_PAGE=0 case)".to_string(),
        ),
        AmiFamily::Al2 => (
            None,
            "not requested: eksgen does not know whether the end-of-life AL2 AMIs pre-allocate huge pages, and a request the node cannot meet keeps the pod Pending".to_string(),
        ),
    };

    let cpu = b
        .allocatable_cpu_millicores
        .saturating_sub(b.daemonset_cpu_millicores);
    let memory = b
        .allocatable_memory_mib
        .saturating_sub(b.daemonset_memory_mib);
    let request_reason = format!(
        "the worker holds the node's devices, so nothing else of size runs beside it: allocatable ({}m, {} MiB{}) less {}m CPU and {} MiB for the add-on daemonsets (your own daemonsets need room too: lower both by their requests); huge pages also need a CPU or memory request beside them (API server rule)",
        b.allocatable_cpu_millicores,
        b.allocatable_memory_mib,
        if efa_hugepage_pool_mib(&d.spec).is_some() {
            ", after the huge-page pool"
        } else {
            ""
        },
        b.daemonset_cpu_millicores,
        b.daemonset_memory_mib
    );

    let nvidia = b.variant == AmiVariant::Nvidia && b.gpus > 0;
    let rdma_types = nvidia
        && d.types
            .iter()
            .all(|t| RDMA_ENV_FAMILIES.contains(&t.family.as_str()));
    let mut env = Vec::new();
    if rdma_types {
        env.push(EnvVarPlan {
            name: "FI_EFA_USE_DEVICE_RDMA".to_string(),
            value: "1".to_string(),
            reason: "p4 / p5 EFA supports GPUDirect RDMA: aws-ofi-nccl 1.6.x needs this to use it, 1.7.0 and later (with libfabric 1.18+) use it by themselves and are not harmed by it (aws-ofi-nccl doc/efa-env-var.md)".to_string(),
        });
    }
    let mut env_reason = String::from(
        "left out (aws-ofi-nccl doc/efa-env-var.md): FI_PROVIDER=efa and NCCL_PROTO=simple (only aws-ofi-nccl 1.5.0 and older), FI_EFA_FORK_SAFE (the plugin sets it), RDMAV_FORK_SAFE (breaks newer kernels); set FI_EFA_USE_HUGE_PAGE=0 yourself only if fork() fails with \"Cannot allocate memory\" (multi-process data loaders)",
    );
    if nvidia && !rdma_types {
        env_reason.push_str(
            "; FI_EFA_USE_DEVICE_RDMA is not set: the guide lists GPUDirect RDMA for p4 and p5 only, and on other types the current libraries decide themselves",
        );
    }
    if b.variant == AmiVariant::Neuron {
        env_reason.push_str(
            "; Neuron: the aws-neuronx-collectives package brings its own OFI plugin, take its settings from the Neuron SDK's multi-node guide",
        );
    }

    let mut image_requirements = Vec::new();
    if nvidia {
        image_requirements.push(
            "NCCL with libfabric 1.18+ and aws-ofi-nccl 1.7.0+, so no other FI_* variable is needed (aws-ofi-nccl doc/efa-env-var.md)".to_string(),
        );
        if d.types.iter().any(|t| t.family == "p5") {
            image_requirements.push(
                "p5: CUDA 12.0+, NCCL 2.18.5+ (2.18.0 at least), aws-ofi-nccl 1.7.3+ (1.7.2 at least), EFA installer 1.29.0+ (aws-ofi-nccl doc/efa-env-var.md)".to_string(),
            );
        }
    } else if b.variant == AmiVariant::Neuron {
        image_requirements.push(
            "the Neuron SDK with aws-neuronx-collectives (it bundles the OFI plugin for EFA)"
                .to_string(),
        );
    }
    image_requirements.push(
        "MPI for MPIJob launchers, beside the collective library (EKS best practices, AI/ML networking)".to_string(),
    );

    Some(EfaWorkloadPlan {
        accelerator,
        efa_devices: b.efa_interfaces,
        devices_reason,
        hugepages_2mi,
        hugepages_reason,
        cpu_millicores: cpu,
        memory_mib: memory,
        request_reason,
        env,
        env_reason,
        image_requirements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{NodeGroupPlan, Plan};

    /// A plan with a system group and `groups` (one YAML flow mapping per line).
    fn plan(groups: &str) -> Plan {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata: {{ name: train }}
spec:
  region: us-east-1
  kubernetesVersion: \"1.34\"
  network: {{ vpcCidr: 10.6.0.0/16, availabilityZones: [us-east-1a, us-east-1b] }}
  autoscaling: {{ karpenter: true }}
  nodeGroups:
    - {{ name: system, instanceTypes: [m6i.large], scaling: {{ min: 2, desired: 2, max: 3 }} }}
{groups}"
        );
        crate::pipeline::plan_from_text(&text, "train.yaml").unwrap()
    }

    fn group<'p>(plan: &'p Plan, name: &str) -> &'p NodeGroupPlan {
        plan.node_group(name).unwrap()
    }

    #[test]
    fn bandwidth_per_type_and_the_karpenter_requirement() {
        let p = plan(
            "    - { name: k, provisioner: karpenter, instanceTypes: [p4d.24xlarge, p5.48xlarge], scaling: { min: 0, desired: 0, max: 2 }, minNetworkGbps: 800 }
    - { name: m, instanceTypes: [p5.48xlarge], scaling: { min: 0, desired: 0, max: 2 } }
",
        );
        let k = group(&p, "k");
        assert_eq!(k.network_bandwidth.min_mbps, Some(800_000));
        let meets: Vec<(&str, Option<u64>, Option<bool>)> = k
            .network_bandwidth
            .by_type
            .iter()
            .map(|b| (b.instance_type.as_str(), b.mbps, b.meets_minimum))
            .collect();
        assert_eq!(
            meets,
            [
                ("p4d.24xlarge", Some(400_000), Some(false)),
                ("p5.48xlarge", Some(3_200_000), Some(true))
            ]
        );
        let req = k
            .karpenter
            .as_ref()
            .unwrap()
            .bandwidth_requirement
            .as_ref()
            .unwrap();
        assert_eq!(
            (req.key.as_str(), req.operator, req.values.clone()),
            (
                BANDWIDTH_LABEL,
                RequirementOperator::Gte,
                vec!["800000".to_string()]
            )
        );
        assert!(
            k.network_bandwidth
                .reason
                .contains("below it: p4d.24xlarge"),
            "{}",
            k.network_bandwidth.reason
        );
        // Without a minimum: figures only, no requirement.
        let m = group(&p, "m");
        assert_eq!(m.network_bandwidth.min_mbps, None);
        assert_eq!(m.network_bandwidth.by_type[0].meets_minimum, None);
        let version = p.autoscaling.karpenter_min_version.as_ref().unwrap();
        assert!(version.reason.contains("Gte operator"), "{version:?}");
    }

    #[test]
    fn memory_tiers_choose_only_types_that_reach_the_minimum() {
        let tier = |extra: &str| {
            let p = plan(&format!(
                "    - {{ name: nb, memoryTiersGiB: [16], instanceFamilies: [r6i, r6in], scaling: {{ min: 0, desired: 0, max: 2 }}{extra} }}\n"
            ));
            let g = group(&p, "nb-16g");
            (g.instance_types[0].clone(), g.instance_types_reason.clone())
        };
        assert_eq!(tier("").0, "r6i.xlarge", "cheapest without a minimum");
        let (t, reason) = tier(", minNetworkGbps: 10");
        assert_eq!(t, "r6in.2xlarge", "cheapest with 10 Gbps or more");
        assert!(reason.contains("with at least 10 Gbps"), "{reason}");
    }

    #[test]
    fn the_efa_worker_takes_the_node_and_gets_env_only_on_p4_p5() {
        let p = plan(
            "    - { name: p4, instanceTypes: [p4d.24xlarge], scaling: { min: 0, desired: 0, max: 2 }, efa: true, interNodeTraffic: high }
    - { name: g6e, instanceTypes: [g6e.48xlarge], scaling: { min: 0, desired: 0, max: 2 }, efa: true, interNodeTraffic: high }
    - { name: trn, instanceTypes: [trn1.32xlarge], scaling: { min: 0, desired: 0, max: 2 }, efa: true, interNodeTraffic: high }
    - { name: br, instanceTypes: [p4d.24xlarge], amiFamily: bottlerocket, scaling: { min: 0, desired: 0, max: 2 }, efa: true, interNodeTraffic: high }
    - { name: cpu, instanceTypes: [c5n.18xlarge], scaling: { min: 0, desired: 0, max: 2 }, efa: true, interNodeTraffic: high }
",
        );
        let efa = |name: &str| group(&p, name).efa_workload.clone().unwrap();
        let env = |name: &str| -> Vec<String> {
            efa(name)
                .env
                .iter()
                .map(|e| format!("{}={}", e.name, e.value))
                .collect()
        };

        let p4 = efa("p4");
        let gpu = p4.accelerator.as_ref().unwrap();
        assert_eq!((gpu.resource.as_str(), gpu.count), ("nvidia.com/gpu", 8));
        assert_eq!(p4.efa_devices, 4);
        assert_eq!(env("p4"), ["FI_EFA_USE_DEVICE_RDMA=1"]);
        assert_eq!(p4.hugepages_2mi.as_deref(), Some("5120Mi"));
        // No p5 on the group: no p5 image requirement.
        assert!(!p4.image_requirements.iter().any(|r| r.starts_with("p5")));

        // AL2023: allocatable loses the huge-page pool; Bottlerocket pre-allocates none.
        let (al2023, bottlerocket) = (group(&p, "p4"), group(&p, "br"));
        assert!(al2023.allocatable.reason.contains("huge pages"));
        assert!(!bottlerocket.allocatable.reason.contains("huge pages"));
        assert_eq!(efa("br").hugepages_2mi, None);
        assert!(efa("br").hugepages_reason.contains("vm.nr_hugepages"));
        assert_eq!(
            p4.memory_mib + super::super::groups::DAEMONSET_MEMORY_MIB,
            al2023.allocatable.memory_mib,
            "the request is allocatable (after the pool) less the daemonsets"
        );

        // g6e has EFA but is not p4 / p5: no RDMA variable.
        assert!(env("g6e").is_empty());
        assert!(efa("g6e").env_reason.contains("p4 and p5 only"));
        // Trainium: Neuron devices, no NCCL variables.
        let trn = efa("trn");
        let neuron = trn.accelerator.as_ref().unwrap();
        assert_eq!(
            (neuron.resource.as_str(), neuron.count, trn.efa_devices),
            ("aws.amazon.com/neuron", 16, 8)
        );
        assert!(trn.env.is_empty());
        assert!(trn.env_reason.contains("Neuron"));
        // CPU-only EFA: the EFA devices alone.
        let cpu = efa("cpu");
        assert_eq!((cpu.accelerator.clone(), cpu.efa_devices), (None, 1));
        // Groups without EFA have no worker plan.
        assert!(group(&p, "system").efa_workload.is_none());
    }

    #[test]
    fn gbps_prints_without_trailing_zeros() {
        for (mbps, text) in [
            (3_200_000, "3200"),
            (12_500, "12.5"),
            (781, "0.781"),
            (750, "0.75"),
            (100_000, "100"),
            (1, "0.001"),
        ] {
            assert_eq!(gbps(mbps), text, "{mbps}");
        }
    }
}
