//! Rules about the nodes of a group: AMI, instance size for one-pod-per-node work, image
//! pulls, Karpenter's view of `scaling.min` and the tags its EC2NodeClasses leave out.

use crate::intent::{AmiFamily, Provisioner};
use crate::plan::{
    AmiVariant, NodeGroupPlan, Severity, TaintEffect, TimeToReadyPlan, TimeToReadyTerm,
};
use crate::resolve::groups::GroupDraft;

use super::{Ctx, Hit};

/// EKSG004.
pub fn accelerator_ami(ctx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for (d, g) in ctx.groups() {
        if g.gpus_per_node + g.accelerators_per_node == 0 {
            continue;
        }
        if d.spec.ami_family == AmiFamily::Al2 {
            out.push(Hit::group(
                Severity::Warning,
                d,
                "amiFamily",
                format!(
                    "{} uses the AL2 GPU AMI ({}), which gets no new drivers",
                    g.instance_types.join(", "),
                    g.ami.ami_type
                ),
                "use `amiFamily: al2023` (NVIDIA / Neuron variants) or `bottlerocket`",
            ));
        } else if d.spec.ami_family == AmiFamily::Bottlerocket
            && g.ami.variant == AmiVariant::Neuron
        {
            out.push(Hit::group(
                Severity::Warning,
                d,
                "amiFamily",
                format!("Neuron devices on {} need the Neuron device plugin, which Bottlerocket does not include", g.ami.ami_type),
                "install the Neuron device plugin (see the rendered device-plugin notes) or use `amiFamily: al2023` (Neuron variant)",
            ));
        }
    }
    out
}

/// EKSG008. An error from the first Kubernetes version without AL2 AMIs.
pub fn al2_end_of_life(ctx: &Ctx) -> Vec<Hit> {
    let too_new = ctx
        .intent
        .spec
        .kubernetes_version
        .parts()
        .is_some_and(|(_, minor)| minor >= 33);
    ctx.groups()
        .filter(|(d, _)| d.spec.ami_family == AmiFamily::Al2)
        .map(|(d, _)| {
            Hit::group(
                if too_new {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                d,
                "amiFamily",
                if too_new {
                    format!(
                        "EKS publishes no AL2 AMIs for Kubernetes {}; 1.32 was the last",
                        ctx.plan.kubernetes_version
                    )
                } else {
                    "AL2 EKS AMIs stopped on 2025-11-26: no security fixes".to_string()
                },
                "use `amiFamily: al2023` (or bottlerocket)",
            )
        })
        .collect()
}

/// What the intent says one pod of a one-pod-per-node group needs: memory (MiB) from its
/// tier or `podResources`, and CPU (vCPU).
fn pod_need(d: &GroupDraft) -> (Option<f64>, Option<f64>) {
    let spec = &d.spec;
    let need_mib = d.tier_gib.map(|t| f64::from(t) * 1024.0).or_else(|| {
        spec.pod_resources
            .and_then(|r| r.memory_gi_b)
            .map(|m| m * 1024.0)
    });
    let need_cpu = spec.pod_resources.and_then(|r| r.cpu);
    (need_mib, need_cpu)
}

/// EKSG020.
pub fn unsized_one_pod_node(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(d, g)| g.one_pod_per_node && pod_need(d) == (None, None))
        .map(|(d, _)| {
            Hit::group(
                Severity::Info,
                d,
                "onePodPerNode",
                "one pod per node, but the intent does not say how big the pod is",
                "add podResources (cpu, memoryGiB) or memoryTiersGiB so eksgen can check the instance size",
            )
        })
        .collect()
}

/// EKSG009. The pod's larger share of allocatable memory or CPU is under half.
pub fn oversized_one_pod_node(ctx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for (d, g) in ctx.groups().filter(|(_, g)| g.one_pod_per_node) {
        let (need_mib, need_cpu) = pod_need(d);
        if need_mib.or(need_cpu).is_none() {
            continue;
        }
        let alloc_mib = g.allocatable.memory_mib as f64;
        let mem_share = need_mib.map(|m| m / alloc_mib);
        let cpu_share = need_cpu.map(|c| c * 1000.0 / g.allocatable.cpu_millicores as f64);
        let used = mem_share
            .into_iter()
            .chain(cpu_share)
            .fold(0.0_f64, f64::max);
        if used < 0.5 {
            let waste = g.hourly_cost_usd.map(|p| p * (1.0 - used) * 730.0);
            out.push(Hit::group(
                Severity::Warning,
                d,
                "instanceTypes",
                format!(
                    "the pod uses {:.0}% of a {} ({} vCPU, {:.0} GiB allocatable){}",
                    used * 100.0,
                    g.instance_types[0],
                    g.vcpu,
                    alloc_mib / 1024.0,
                    waste
                        .map(|w| format!(": about ${w:.0} per node-month pays for idle capacity"))
                        .unwrap_or_default()
                ),
                "use memoryTiersGiB (or a smaller type) so each pod lands on a node sized for it",
            ));
        }
    }
    out
}

/// Time to ready above which a group that scales out on demand gets EKSG014: three
/// minutes, the point where a burst of work often waits longer for its node than it runs
/// (the one-pod-per-node report called 5 minutes acceptable and 10 not).
pub const SLOW_READY_SECONDS: f64 = 180.0;

/// Whether new nodes of the group start for pending pods: Karpenter, or cluster-autoscaler
/// with room between `scaling.min` and `scaling.max`.
fn scales_on_demand(ctx: &Ctx, d: &GroupDraft, g: &NodeGroupPlan) -> bool {
    match d.spec.provisioner {
        Provisioner::Karpenter => true,
        Provisioner::Managed | Provisioner::SelfManaged => {
            ctx.plan.autoscaling.cluster_autoscaler && g.scaling.max > g.scaling.min
        }
    }
}

/// What to do about the dominant term of a slow time to ready.
fn ready_hint(ctx: &Ctx, t: &TimeToReadyPlan) -> String {
    let pulls_across_regions = ctx
        .plan
        .registry
        .as_ref()
        .is_some_and(|r| r.pull_region != ctx.plan.region);
    match t.dominant {
        TimeToReadyTerm::NodeLaunch | TimeToReadyTerm::AcceleratorSetup => "keep warm capacity for bursts (`scaling.min`, or a low-priority placeholder pod that real work preempts) so pods do not wait for a new node".to_string(),
        TimeToReadyTerm::LayerDownload if pulls_across_regions => "copy the images into the cluster's region (`registry.kind: ecr` renders ECR replication), and split the largest layer: each layer downloads over one connection".to_string(),
        TimeToReadyTerm::LayerDownload => "split the largest layer (each layer downloads over one connection at about 85 MB/s), or start nodes from a snapshot that holds the image (`imageSnapshotId` on Bottlerocket)".to_string(),
        TimeToReadyTerm::Decompression => "start nodes from a snapshot that holds the image unpacked (`imageSnapshotId` on Bottlerocket), or push zstd-compressed layers: gzip layers decompress on one core, one layer at a time".to_string(),
        TimeToReadyTerm::DiskWrite => "use the NVMe instance store (`instanceStore: raid0`) or a faster root volume: the node writes the image twice, compressed and unpacked".to_string(),
        TimeToReadyTerm::SnapshotRestore => "raise the snapshot volume's initialization rate (up to 300 MiB/s), or keep the snapshot to the images the node starts".to_string(),
    }
}

/// EKSG014.
pub fn slow_image_pull(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter_map(|(d, g)| {
            let pull = g.image_pull.as_ref()?;
            let t = &pull.time_to_ready;
            (scales_on_demand(ctx, d, g) && t.seconds > SLOW_READY_SECONDS).then(|| {
                let accelerator = if t.accelerator_seconds > 0.0 {
                    format!(", {:.0} s accelerator driver and device plugin", t.accelerator_seconds)
                } else {
                    String::new()
                };
                Hit::group(
                    Severity::Warning,
                    d,
                    "",
                    format!(
                        "each new node needs about {:.1} min to be ready: {:.0} s launch and join{accelerator}, {:.0} s for the {} GiB image (bound by {}); the largest term is {}",
                        t.seconds / 60.0,
                        t.node_launch_seconds,
                        t.image_seconds,
                        pull.image_size_gib,
                        t.image_bound.describe(),
                        t.dominant.describe(),
                    ),
                    ready_hint(ctx, t),
                )
            })
        })
        .collect()
}

/// EKSG021.
pub fn karpenter_min_ignored(ctx: &Ctx) -> Vec<Hit> {
    ctx.groups()
        .filter(|(d, g)| d.spec.provisioner == Provisioner::Karpenter && g.scaling.min > 0)
        .map(|(d, g)| {
            Hit::group(
                Severity::Info,
                d,
                "scaling.min",
                format!(
                    "scaling.min {} is not enforced: Karpenter launches nodes only for pending pods",
                    g.scaling.min
                ),
                "keep warm capacity with a low-priority placeholder Deployment, or a managed group",
            )
        })
        .collect()
}

/// EKSG028: `spec.tags` keys Karpenter refuses on EC2NodeClasses are left out of them (plan
/// `karpenter.droppedTags`). Info when Karpenter puts the intent's value on its instances
/// itself (`kubernetes.io/cluster/<cluster> = owned`, `eks:eks-cluster-name = <cluster>`), a
/// warning when its instances lose the intent's value.
pub fn karpenter_tags_dropped(ctx: &Ctx) -> Vec<Hit> {
    let plan = ctx.plan;
    let dropping: Vec<(&str, &[String])> = plan
        .node_groups
        .iter()
        .filter_map(|g| {
            let k = g.karpenter.as_ref()?;
            (!k.dropped_tags.is_empty()).then_some((g.name.as_str(), k.dropped_tags.as_slice()))
        })
        .collect();
    let Some((_, dropped)) = dropping.first() else {
        return Vec::new();
    };
    let lost: Vec<&str> = dropped
        .iter()
        .filter(|key| {
            crate::resolve::launch::karpenter_tag_value(key, &plan.cluster).as_ref()
                != plan.tags.get(key.as_str())
        })
        .map(String::as_str)
        .collect();
    let groups: Vec<&str> = dropping.iter().map(|(name, _)| *name).collect();
    let mut message = format!(
        "spec.tags {} left out of the EC2NodeClass{} of {}: Karpenter refuses these keys there and sets its own values on them",
        dropped.join(", "),
        if groups.len() == 1 { "" } else { "es" },
        groups.join(", ")
    );
    if !lost.is_empty() {
        message.push_str(&format!(
            "; the instances Karpenter launches do not carry {} with the intent's value",
            lost.join(", ")
        ));
    }
    vec![Hit::cluster(
        if lost.is_empty() {
            Severity::Info
        } else {
            Severity::Warning
        },
        "spec.tags",
        message,
        "drop these keys from spec.tags (Karpenter tags its instances kubernetes.io/cluster/<cluster> = owned and eks:eks-cluster-name = <cluster> itself), or tag Karpenter's instances another way",
    )]
}

/// Taint key the coredns add-on and the Karpenter chart tolerate (the usual "system nodes"
/// taint), so a group tainted only with it still hosts them.
pub const CRITICAL_ADDONS_TAINT: &str = "CriticalAddonsOnly";
/// coredns add-on replicas (EKS default) and Karpenter controller replicas (chart default,
/// required anti-affinity per host): both want two nodes.
pub const SYSTEM_REPLICAS: u32 = 2;

/// EKSG027: coredns (an EKS add-on created after the node groups, which waits for its pods),
/// cluster-autoscaler and the Karpenter controller need nodes that always exist and that they
/// tolerate. Only managed and self-managed groups with `scaling.min >= 1` are always there
/// (Karpenter launches nodes only for pending pods, and the controller refuses its own nodes);
/// a NoSchedule / NoExecute taint other than CriticalAddonsOnly keeps those pods off. An
/// existing cluster runs them on nodes it has today, which eksgen neither sees nor replaces.
pub fn system_nodes(ctx: &Ctx) -> Vec<Hit> {
    let intent = ctx.intent;
    if intent.spec.existing_cluster.is_some() {
        return Vec::new();
    }
    let hosts: Vec<&crate::plan::NodeGroupPlan> = ctx
        .plan
        .node_groups
        .iter()
        .filter(|g| g.provisioner != crate::intent::Provisioner::Karpenter && g.scaling.min >= 1)
        .filter(|g| {
            g.taints.iter().all(|t| {
                t.effect == TaintEffect::PreferNoSchedule || t.key == CRITICAL_ADDONS_TAINT
            })
        })
        .collect();
    let nodes: u32 = hosts.iter().map(|g| g.scaling.min).sum();
    let mut consumers = vec!["coredns (2 replicas)"];
    if intent.spec.autoscaling.karpenter {
        consumers.push("the Karpenter controller (2 replicas, one per node)");
    }
    if intent.spec.autoscaling.cluster_autoscaler {
        consumers.push("cluster-autoscaler");
    }
    let snippet = "add a group such as `- { name: system, instanceTypes: [m6i.large], scaling: { min: 2, desired: 2, max: 3 } }` (no taints; GPU and Neuron types get a taint)";
    if hosts.is_empty() {
        vec![Hit::cluster(
            Severity::Error,
            "spec.nodeGroups",
            format!(
                "no managed or self-managed group is always on (scaling.min >= 1) and free of NoSchedule / NoExecute taints, so {} would have nowhere to run: the coredns add-on stays DEGRADED and terraform apply times out waiting for it",
                consumers.join(", ")
            ),
            snippet,
        )]
    } else if nodes < SYSTEM_REPLICAS {
        let names: Vec<&str> = hosts.iter().map(|g| g.name.as_str()).collect();
        vec![Hit::cluster(
            Severity::Warning,
            "spec.nodeGroups",
            format!(
                "only {nodes} always-on node ({}) for {}: both coredns replicas share it{}, so replacing that node interrupts cluster DNS",
                names.join(", "),
                consumers.join(", "),
                if intent.spec.autoscaling.karpenter {
                    " and the second Karpenter replica stays Pending"
                } else {
                    ""
                }
            ),
            format!("set scaling.min: {SYSTEM_REPLICAS} on {}", names[0]),
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hits, intent, intent_with};
    use super::*;

    const WIDE: &str = "    secondaryCidrs: auto\n";

    #[test]
    fn accelerators_on_al2_and_neuron_on_bottlerocket() {
        let group = |family: &str| {
            format!(
                "    - {{ name: gpu, instanceTypes: [g5.xlarge], amiFamily: {family}, scaling: {{ min: 1, desired: 1, max: 2 }} }}\n"
            )
        };
        let found = hits(accelerator_ami, &intent("1.32", WIDE, &group("al2")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.nodeGroups[0].amiFamily");
        assert!(hits(accelerator_ami, &intent("1.32", WIDE, &group("al2023"))).is_empty());
        let neuron = "    - { name: inf, instanceTypes: [inf2.xlarge], amiFamily: bottlerocket, scaling: { min: 1, desired: 1, max: 2 } }\n";
        let found = hits(accelerator_ami, &intent("1.34", WIDE, neuron));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.starts_with("Neuron devices"), "{found:?}");
    }

    #[test]
    fn restricted_tags_are_reported_once_for_all_karpenter_groups() {
        let groups = "    - { name: system, instanceTypes: [m6i.large], scaling: { min: 2, desired: 2, max: 3 } }
    - { name: a, provisioner: karpenter, instanceTypes: [m6i.large], scaling: { min: 0, desired: 0, max: 3 } }
    - { name: b, provisioner: karpenter, instanceTypes: [m6i.large], scaling: { min: 0, desired: 0, max: 3 } }
";
        let with_tags = |tags: &str| {
            intent_with(
                "1.34",
                WIDE,
                groups,
                &format!("  autoscaling: {{ karpenter: true }}\n  tags: {{ {tags} }}\n"),
            )
        };
        // Karpenter puts the same values on its instances itself: info.
        let same = hits(
            karpenter_tags_dropped,
            &with_tags("team: ml, kubernetes.io/cluster/t: owned, eks:eks-cluster-name: t"),
        );
        assert_eq!(same.len(), 1, "{same:?}");
        assert_eq!(same[0].severity, Severity::Info);
        assert_eq!(same[0].path, "spec.tags");
        assert!(
            same[0].message.contains("EC2NodeClasses of a, b"),
            "{}",
            same[0].message
        );
        // A value Karpenter does not set is lost on its instances: a warning naming it.
        let lost = hits(
            karpenter_tags_dropped,
            &with_tags("kubernetes.io/cluster/t: shared, karpenter.sh/nodepool: x"),
        );
        assert_eq!(lost[0].severity, Severity::Warning);
        assert!(
            lost[0]
                .message
                .ends_with("do not carry karpenter.sh/nodepool, kubernetes.io/cluster/t with the intent's value"),
            "{}",
            lost[0].message
        );
        assert!(hits(karpenter_tags_dropped, &with_tags("team: ml")).is_empty());
    }

    #[test]
    fn al2_is_an_error_from_1_33() {
        let group = "    - { name: old, instanceTypes: [m6i.large], amiFamily: al2, scaling: { min: 1, desired: 1, max: 2 } }\n";
        let found = hits(al2_end_of_life, &intent("1.32", WIDE, group));
        assert_eq!(found[0].severity, Severity::Warning, "{found:?}");
        let modern = group.replace("amiFamily: al2,", "amiFamily: al2023,");
        assert!(hits(al2_end_of_life, &intent("1.32", WIDE, &modern)).is_empty());
    }

    #[test]
    fn one_pod_per_node_sizing() {
        let group = |extra: &str| {
            format!(
                "    - {{ name: ds, instanceTypes: [r5.4xlarge], onePodPerNode: true, podsPerNode: 1, scaling: {{ min: 1, desired: 1, max: 2 }}{extra} }}\n"
            )
        };
        let no_size = intent("1.34", WIDE, &group(""));
        assert_eq!(hits(unsized_one_pod_node, &no_size).len(), 1);
        assert!(hits(oversized_one_pod_node, &no_size).is_empty());
        let small = intent(
            "1.34",
            WIDE,
            &group(", podResources: { cpu: 1, memoryGiB: 8 }"),
        );
        assert!(hits(unsized_one_pod_node, &small).is_empty());
        let found = hits(oversized_one_pod_node, &small);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("of a r5.4xlarge"), "{found:?}");
        let fits = intent(
            "1.34",
            WIDE,
            &group(", podResources: { cpu: 12, memoryGiB: 100 }"),
        );
        assert!(hits(oversized_one_pod_node, &fits).is_empty());
    }

    #[test]
    fn slow_time_to_ready_on_groups_that_scale_on_demand() {
        let ca = "  autoscaling: { clusterAutoscaler: true }\n";
        let group = |extra: &str| {
            format!(
                "    - {{ name: ml, instanceTypes: [g4dn.2xlarge], onePodPerNode: true, podsPerNode: 1, scaling: {{ min: 0, desired: 0, max: 20 }}{extra} }}\n"
            )
        };
        let spec = |registry: &str| format!("{ca}  registry: {{ {registry} }}\n");
        // The report's case: GPU node, 3.5 GiB image from another region, scaling on demand.
        let found = hits(
            slow_image_pull,
            &intent_with(
                "1.34",
                WIDE,
                &group(""),
                &spec("region: us-east-1, imageSizeGiB: 3.5"),
            ),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.nodeGroups[0]");
        assert!(
            found[0].message.contains("3.6 min")
                && found[0].message.contains("90 s accelerator")
                && found[0].message.contains("bound by layer downloads")
                && found[0]
                    .message
                    .ends_with("the accelerator driver and device plugin"),
            "{found:?}"
        );
        assert!(found[0].hint.contains("warm capacity"), "{found:?}");
        // A small image on a GPU node stays under three minutes.
        assert!(
            hits(
                slow_image_pull,
                &intent_with("1.34", WIDE, &group(""), &spec("imageSizeGiB: 1.5"))
            )
            .is_empty()
        );
        // A fixed-size group does not scale on demand.
        assert!(
            hits(
                slow_image_pull,
                &intent_with(
                    "1.34",
                    WIDE,
                    "    - { name: ml, instanceTypes: [g4dn.2xlarge], onePodPerNode: true, podsPerNode: 1, scaling: { min: 3, desired: 3, max: 3 } }\n",
                    &spec("region: us-east-1, imageSizeGiB: 3.5")
                )
            )
            .is_empty()
        );
        // Without cluster-autoscaler nothing starts nodes for pending pods.
        assert!(
            hits(
                slow_image_pull,
                &intent_with(
                    "1.34",
                    WIDE,
                    &group(""),
                    "  registry: { region: us-east-1, imageSizeGiB: 3.5 }\n"
                )
            )
            .is_empty()
        );
        // A CPU node with a 30 GiB image: decompression dominates, and the hint says so.
        let cpu = "    - { name: web, instanceTypes: [m6i.2xlarge], onePodPerNode: true, podsPerNode: 1, scaling: { min: 0, desired: 0, max: 20 } }\n";
        let found = hits(
            slow_image_pull,
            &intent_with("1.34", WIDE, cpu, &spec("imageSizeGiB: 30")),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .ends_with("the largest term is decompression"),
            "{found:?}"
        );
        assert!(found[0].hint.contains("snapshot"), "{found:?}");
    }

    #[test]
    fn karpenter_ignores_scaling_min() {
        let group = |min: u32| {
            format!(
                "    - {{ name: k, provisioner: karpenter, instanceTypes: [m6i.large], scaling: {{ min: {min}, desired: {min}, max: 4 }} }}\n"
            )
        };
        let karpenter = "  autoscaling: { karpenter: true }\n";
        let found = hits(
            karpenter_min_ignored,
            &intent_with("1.34", WIDE, &group(1), karpenter),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.nodeGroups[0].scaling.min");
        assert!(
            hits(
                karpenter_min_ignored,
                &intent_with("1.34", WIDE, &group(0), karpenter)
            )
            .is_empty()
        );
    }
}
