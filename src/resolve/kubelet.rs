//! kubelet reserves: what a group's nodes will really hold back from pods, and the allocatable
//! CPU and memory that leaves, per AMI family and delivery path, given what eksgen renders.
//!
//! Every consumer sizes `kubeReserved.memory` as 11 MiB per pod + 255 MiB, but each counts
//! pods its own way unless told the value:
//!
//! | consumer | pod count it uses by default |
//! |---|---|
//! | nodeadm (AL2023) | the instance's default-card ENI count × (IPv4 per ENI − 1) + 2, or `maxPodsExpression` (nodeadm ≥ 2025-10) — never `kubelet.config.maxPods` |
//! | AL2 `bootstrap.sh` | `/etc/eks/eni-max-pods.txt` (the same ENI formula), whatever `--max-pods` says |
//! | Bottlerocket | `settings.kubernetes.max-pods` |
//! | Karpenter (AL2, AL2023) | the ENI-limited count; (Bottlerocket) `kubelet.maxPods` |
//!
//! So eksgen writes the memory reserve for its own max pods wherever it owns a setting the
//! node reads: nodeadm `kubelet.config.kubeReserved.memory` (a kubelet config drop-in, merged
//! key by key over nodeadm's computed map, on every nodeadm release), Bottlerocket
//! `settings.kubernetes.kube-reserved.memory`, AL2 `--kube-reserved` (a flag replaces the
//! config file's whole map, so all three keys), and Karpenter `spec.kubelet.kubeReserved`
//! (which Karpenter also uses for its own allocatable). The one path with no such setting is
//! AL2 on the EKS-provided AMI, where EKS runs `bootstrap.sh` and ignores extra arguments: the
//! model then reserves what `bootstrap.sh` derives. Pure; reads only catalog facts.

use std::collections::BTreeMap;

use crate::catalog::{Arch, InstanceType};
use crate::intent::AmiFamily;
use crate::max_pods::{MaxPodsOptions, max_pods};
use crate::plan::{Allocatable, KubeletReserved, MaxPodsPath};

/// Share of instance memory the OS and hypervisor keep: Karpenter's default
/// `VM_MEMORY_OVERHEAD_PERCENT`, used here for every node as the bound on what MemTotal lacks.
pub const VM_MEMORY_OVERHEAD: f64 = 0.075;
/// Memory Graviton (arm64) instances keep for the kernel's contiguous memory allocator, MiB
/// (Karpenter subtracts it before the overhead share).
pub const ARM64_CMA_MIB: u64 = 64;
/// kubelet hard eviction threshold for memory (`memory.available`), MiB: nodeadm's, Bottlerocket's
/// and Karpenter's default.
pub const EVICTION_HARD_MIB: u64 = 100;
/// kube-reserved memory per pod and base, MiB (nodeadm, bootstrap.sh, Bottlerocket, Karpenter).
pub const RESERVED_MIB_PER_POD: u64 = 11;
pub const RESERVED_MIB_BASE: u64 = 255;
/// kube-reserved ephemeral storage every consumer defaults to.
pub const RESERVED_EPHEMERAL_STORAGE: &str = "1Gi";

/// kube-reserved memory for a pod count, MiB.
pub fn reserved_memory_mib(pods: u32) -> u64 {
    RESERVED_MIB_PER_POD * u64::from(pods) + RESERVED_MIB_BASE
}

/// kube-reserved CPU, millicores: 6 % of the first core, 1 % of the second, 0.5 % of the
/// third and fourth, 0.25 % of every further core, each range rounded down.
pub fn reserved_cpu_millis(vcpu: u32) -> u64 {
    let total = u64::from(vcpu) * 1000;
    // (range start, range end, hundredths of a percent)
    let ranges = [
        (0, 1000, 600),
        (1000, 2000, 100),
        (2000, 4000, 50),
        (4000, u64::MAX, 25),
    ];
    ranges
        .iter()
        .filter(|(start, _, _)| total > *start)
        .map(|(start, end, pct)| (total.min(*end) - start) * pct / 10_000)
        .sum()
}

/// Memory a node reports before any reservation, MiB: the instance's memory less the arm64
/// CMA share and the OS / hypervisor share, computed the way Karpenter does.
pub fn node_memory_mib(t: &InstanceType) -> u64 {
    let mib = match t.arch {
        Arch::Arm64 => t.memory_mib.saturating_sub(ARM64_CMA_MIB),
        Arch::Amd64 => t.memory_mib,
    };
    let overhead = (mib as f64 * 1_048_576.0 * VM_MEMORY_OVERHEAD / 1024.0 / 1024.0).ceil() as u64;
    mib.saturating_sub(overhead)
}

/// The pod count nodeadm, bootstrap.sh and Karpenter use when not told: the default card's
/// ENIs with secondary IPs, uncapped.
pub fn eni_default_pods(t: &InstanceType) -> u32 {
    max_pods(
        t,
        MaxPodsOptions {
            uncapped: true,
            ..MaxPodsOptions::default()
        },
    )
    .uncapped
}

/// Allocatable of one instance type under a kube-reserved memory and CPU.
pub fn allocatable_for(t: &InstanceType, reserved_memory: u64, reserved_cpu: u64) -> (u64, u64) {
    let memory = node_memory_mib(t).saturating_sub(reserved_memory + EVICTION_HARD_MIB);
    let cpu = (u64::from(t.vcpu) * 1000).saturating_sub(reserved_cpu);
    (cpu, memory)
}

/// Allocatable memory of a type whose kube-reserved follows `max_pods` (the pinned case), for
/// choosing types before the delivery path is known.
pub fn pinned_allocatable_memory(t: &InstanceType, max_pods: u32) -> u64 {
    allocatable_for(
        t,
        reserved_memory_mib(max_pods),
        reserved_cpu_millis(t.vcpu),
    )
    .1
}

/// What a group's nodes reserve and leave to pods.
pub fn group_reserve(
    family: AmiFamily,
    delivery_path: MaxPodsPath,
    types: &[InstanceType],
    max_pods: u32,
) -> (KubeletReserved, Allocatable) {
    let karpenter = delivery_path == MaxPodsPath::Karpenter;
    let pinned = !(family == AmiFamily::Al2 && delivery_path == MaxPodsPath::EksAmi);
    let min_vcpu = types.iter().map(|t| t.vcpu).min().unwrap_or(1);
    // AL2's --kube-reserved flag replaces the whole map, so eksgen writes CPU too: one value
    // per group (the smallest type's); elsewhere the node keeps its per-type CPU formula.
    let group_cpu = (pinned && family == AmiFamily::Al2).then(|| reserved_cpu_millis(min_vcpu));

    struct PerType<'a> {
        t: &'a InstanceType,
        pods: u32,
        mem_reserved: u64,
        cpu_reserved: u64,
        cpu: u64,
        memory: u64,
    }
    let per_type: Vec<PerType> = types
        .iter()
        .map(|t| {
            let pods = if pinned {
                max_pods
            } else {
                eni_default_pods(t)
            };
            let mem_reserved = reserved_memory_mib(pods);
            let cpu_reserved = group_cpu.unwrap_or_else(|| reserved_cpu_millis(t.vcpu));
            let (cpu, memory) = allocatable_for(t, mem_reserved, cpu_reserved);
            PerType {
                t,
                pods,
                mem_reserved,
                cpu_reserved,
                cpu,
                memory,
            }
        })
        .collect();
    let Some(by_mem) = per_type.iter().min_by_key(|p| (p.memory, p.cpu)) else {
        let empty = KubeletReserved {
            memory_mib: 0,
            memory_pods: 0,
            cpu_millicores: 0,
            ephemeral_storage: RESERVED_EPHEMERAL_STORAGE.into(),
            pinned,
            rendered: BTreeMap::new(),
            setting: String::new(),
            reason: "no instance types".into(),
        };
        return (
            empty,
            Allocatable {
                cpu_millicores: 0,
                memory_mib: 0,
                reason: "no instance types".into(),
            },
        );
    };
    let by_cpu = per_type
        .iter()
        .min_by_key(|p| (p.cpu, p.memory))
        .unwrap_or(by_mem);
    let eni_pods = eni_default_pods(by_mem.t);

    let setting = match (family, karpenter, pinned) {
        (_, _, false) => "none: EKS runs bootstrap.sh on this AL2 group and ignores bootstrap_extra_args".to_string(),
        (AmiFamily::Al2, true, _) => "EC2NodeClass spec.kubelet.kubeReserved (cpu, ephemeral-storage, memory), which Karpenter passes to bootstrap.sh as --kube-reserved".to_string(),
        (AmiFamily::Al2, false, _) => "bootstrap.sh --kubelet-extra-args --kube-reserved (cpu, ephemeral-storage, memory)".to_string(),
        (AmiFamily::Al2023, true, _) => "EC2NodeClass spec.kubelet.kubeReserved.memory, which Karpenter writes into its NodeConfig".to_string(),
        (AmiFamily::Al2023, false, _) => "nodeadm NodeConfig kubelet.config.kubeReserved.memory".to_string(),
        (AmiFamily::Bottlerocket, true, _) => "EC2NodeClass spec.kubelet.kubeReserved.memory, which Karpenter writes into settings.kubernetes.kube-reserved".to_string(),
        (AmiFamily::Bottlerocket, false, _) => "Bottlerocket settings.kubernetes.kube-reserved.memory".to_string(),
    };
    let formula = format!(
        "11 MiB x {} pods + 255 MiB = {} MiB",
        by_mem.pods, by_mem.mem_reserved
    );
    let why = match (family, karpenter, pinned) {
        (_, _, false) => format!(
            "bootstrap.sh sizes it from /etc/eks/eni-max-pods.txt ({eni_pods} pods on {}), not from max pods {max_pods}: {formula}",
            by_mem.t.name
        ),
        (AmiFamily::Bottlerocket, false, _) => format!(
            "{formula} for max pods {max_pods}, written out (Bottlerocket would derive the same from settings.kubernetes.max-pods) so the reserve does not depend on which max-pods the merged settings carry"
        ),
        (AmiFamily::Bottlerocket, true, _) => format!(
            "{formula} for max pods {max_pods}; Karpenter's allocatable for Bottlerocket already follows kubelet.maxPods, the explicit value keeps the node and Karpenter on one number"
        ),
        (_, true, _) => format!(
            "{formula} for max pods {max_pods}; unset, Karpenter's allocatable and the node's bootstrap would both use the ENI-limited count ({eni_pods} on {}), so a pod sized for this plan would fit neither",
            by_mem.t.name
        ),
        (AmiFamily::Al2023, false, _) => format!(
            "{formula} for max pods {max_pods}; unset, nodeadm sizes it from the default ENI count ({eni_pods} on {}) whatever config.maxPods says, and nodeadm releases before maxPodsExpression (2025-10) ignore that field; the config drop-in overrides memory only, so CPU keeps nodeadm's per-type value",
            by_mem.t.name
        ),
        (AmiFamily::Al2, false, _) => format!(
            "{formula} for max pods {max_pods}; unset, bootstrap.sh sizes it from /etc/eks/eni-max-pods.txt ({eni_pods} on {}) whatever --max-pods says",
            by_mem.t.name
        ),
    };
    let mut rendered = BTreeMap::new();
    if pinned {
        rendered.insert("memory".to_string(), format!("{}Mi", by_mem.mem_reserved));
        if let Some(cpu) = group_cpu {
            rendered.insert("cpu".to_string(), format!("{cpu}m"));
            rendered.insert(
                "ephemeral-storage".to_string(),
                RESERVED_EPHEMERAL_STORAGE.to_string(),
            );
        }
    }
    let reserved = KubeletReserved {
        memory_mib: by_mem.mem_reserved,
        memory_pods: by_mem.pods,
        cpu_millicores: by_cpu.cpu_reserved,
        ephemeral_storage: RESERVED_EPHEMERAL_STORAGE.into(),
        pinned,
        rendered,
        setting,
        reason: why,
    };

    let raw = match by_mem.t.arch {
        Arch::Arm64 => format!(
            "{} MiB - {ARM64_CMA_MIB} MiB arm64 CMA",
            by_mem.t.memory_mib
        ),
        Arch::Amd64 => format!("{} MiB", by_mem.t.memory_mib),
    };
    let mut reason = format!(
        "{}: {raw} less {:.1}% OS / hypervisor share = {} MiB, less kube-reserved {} MiB and eviction threshold {EVICTION_HARD_MIB} MiB = {} MiB; {} vCPU less kube-reserved {}m = {}m",
        by_mem.t.name,
        VM_MEMORY_OVERHEAD * 100.0,
        node_memory_mib(by_mem.t),
        by_mem.mem_reserved,
        by_mem.memory,
        by_mem.t.vcpu,
        by_mem.cpu_reserved,
        by_mem.cpu
    );
    if !std::ptr::eq(by_cpu.t, by_mem.t) && by_cpu.cpu < by_mem.cpu {
        reason.push_str(&format!(
            "; CPU from {}: {} vCPU less {}m = {}m",
            by_cpu.t.name, by_cpu.t.vcpu, by_cpu.cpu_reserved, by_cpu.cpu
        ));
    }
    if types.len() > 1 {
        reason.push_str(&format!(
            " (the tightest of the group's {} types)",
            types.len()
        ));
    }
    (
        reserved,
        Allocatable {
            cpu_millicores: by_cpu.cpu,
            memory_mib: by_mem.memory,
            reason,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn t(name: &str) -> InstanceType {
        Catalog::embedded().get(name).unwrap().clone()
    }

    #[test]
    fn cpu_reserve_matches_the_published_table() {
        // amazon-eks-ami: 1 vCPU 60m, 2 vCPU 70m, 4 vCPU 80m, then 2.5m per core, rounded down.
        let cases = [
            (1, 60),
            (2, 70),
            (4, 80),
            (5, 82),
            (8, 90),
            (16, 110),
            (96, 310),
            (192, 550),
        ];
        for (vcpu, want) in cases {
            assert_eq!(reserved_cpu_millis(vcpu), want, "{vcpu} vCPU");
        }
    }

    #[test]
    fn node_memory_follows_karpenter_overhead_and_graviton_cma() {
        // m6i.large 8192 MiB: 8192 - ceil(614.4) = 7577.
        assert_eq!(node_memory_mib(&t("m6i.large")), 7577);
        // m7g.large 8192 MiB arm64: 8128 - ceil(609.6) = 7518.
        assert_eq!(node_memory_mib(&t("m7g.large")), 7518);
    }

    #[test]
    fn only_al2_on_the_eks_ami_is_unpinned() {
        let types = [t("r6i.4xlarge")];
        for family in [AmiFamily::Al2023, AmiFamily::Bottlerocket, AmiFamily::Al2] {
            for path in [
                MaxPodsPath::EksAmi,
                MaxPodsPath::CustomAmi,
                MaxPodsPath::SelfManaged,
                MaxPodsPath::Karpenter,
            ] {
                let (r, _) = group_reserve(family, path, &types, 110);
                let unpinned = family == AmiFamily::Al2 && path == MaxPodsPath::EksAmi;
                assert_eq!(r.pinned, !unpinned, "{family:?} {path}");
                let pods = if unpinned { 234 } else { 110 };
                assert_eq!(r.memory_pods, pods, "{family:?} {path}");
                assert_eq!(r.memory_mib, 11 * u64::from(pods) + 255);
            }
        }
    }

    #[test]
    fn al2_pins_one_cpu_value_for_the_group() {
        let types = [t("m6i.large"), t("m6i.xlarge")];
        let (r, a) = group_reserve(AmiFamily::Al2, MaxPodsPath::CustomAmi, &types, 29);
        assert_eq!(r.cpu_millicores, reserved_cpu_millis(2));
        assert_eq!(a.cpu_millicores, 2000 - reserved_cpu_millis(2));
        assert!(a.reason.contains("tightest"), "{}", a.reason);
    }
}
