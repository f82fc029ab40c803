//! Lints over the intent and the resolved plan: the risks the AWS AI-on-EKS and
//! data-science guidance warns about. Each rule has a stable id; messages name the group and
//! the numbers, hints say what to change. Pure; adds nothing to the plan but findings.

use crate::intent::{
    AmiFamily, CapacityType, Intent, MaxPodsSetting, PodChurn, Provisioner, Traffic,
};
use crate::plan::{Finding, Plan, Severity, SubnetRole};

use super::cni::{nodes_past_floor, per_pod_call_budget};
use super::groups::GroupDraft;
use super::ip_budget::CniTargets;
use super::ipamd;

pub const WARM_IP_TARGET_AT_SCALE: &str = "EKSG001";
pub const MAX_ENI_WITHOUT_MAX_PODS: &str = "EKSG002";
pub const SUBNET_TOO_SMALL: &str = "EKSG003";
pub const ACCELERATOR_AMI: &str = "EKSG004";
pub const EFA_ACROSS_AZS: &str = "EKSG005";
pub const CHATTY_ACROSS_AZS: &str = "EKSG006";
pub const SINGLE_AZ: &str = "EKSG007";
pub const AL2_END_OF_LIFE: &str = "EKSG008";
pub const OVERSIZED_ONE_POD_NODE: &str = "EKSG009";
pub const CROSS_REGION_REGISTRY: &str = "EKSG010";
pub const PREFIX_DELEGATION_SMALL_SUBNET: &str = "EKSG011";
pub const MIXED_MAX_PODS: &str = "EKSG012";
pub const CLUSTER_WIDE_IP_FLOOR: &str = "EKSG013";
pub const SLOW_IMAGE_PULL: &str = "EKSG014";
pub const PUBLIC_ENDPOINT_OPEN: &str = "EKSG015";
pub const SINGLE_NAT_GATEWAY: &str = "EKSG016";
pub const ASG_TAG_LIMIT: &str = "EKSG017";
pub const CUSTOM_AMI_PATH: &str = "EKSG018";
pub const EFA_ON_SPOT: &str = "EKSG019";
pub const UNSIZED_ONE_POD_NODE: &str = "EKSG020";
pub const KARPENTER_MIN_IGNORED: &str = "EKSG021";
pub const EXTENDED_SUPPORT: &str = "EKSG022";
pub const MANAGED_GROUP_QUOTA: &str = "EKSG023";
pub const MANAGED_GROUP_NODE_QUOTA: &str = "EKSG024";
pub const AUTO_SCALING_GROUP_QUOTA: &str = "EKSG025";
pub const IPAMD_STOPS_EARLY: &str = "EKSG026";
pub const EXISTING_SUBNETS_UNTAGGED: &str = "EKSG027";
pub const EXISTING_CLUSTER_SETTINGS: &str = "EKSG028";

/// Every rule id with a one-line summary (for `--help`, SARIF rules and docs).
pub const RULES: &[(&str, &str)] = &[
    (
        WARM_IP_TARGET_AT_SCALE,
        "per-pod EC2 calls on a large or high-churn cluster",
    ),
    (
        MAX_ENI_WITHOUT_MAX_PODS,
        "kubelet max pods above what MAX_ENI leaves",
    ),
    (
        SUBNET_TOO_SMALL,
        "subnets cannot hold the addresses needed at max scale",
    ),
    (
        ACCELERATOR_AMI,
        "accelerated instances on an AMI without their driver or plugin",
    ),
    (
        EFA_ACROSS_AZS,
        "EFA group spread over several availability zones",
    ),
    (
        CHATTY_ACROSS_AZS,
        "high inter-node traffic across availability zones",
    ),
    (SINGLE_AZ, "node group in a single availability zone"),
    (AL2_END_OF_LIFE, "Amazon Linux 2 AMIs are end of life"),
    (
        OVERSIZED_ONE_POD_NODE,
        "one pod per node on an instance far larger than the pod",
    ),
    (CROSS_REGION_REGISTRY, "images pulled from another region"),
    (
        PREFIX_DELEGATION_SMALL_SUBNET,
        "prefix delegation in a small subnet",
    ),
    (
        MIXED_MAX_PODS,
        "instance types of one group allow different max pods",
    ),
    (
        CLUSTER_WIDE_IP_FLOOR,
        "cluster-wide MINIMUM_IP_TARGET holds addresses smaller groups never use",
    ),
    (
        SLOW_IMAGE_PULL,
        "large image takes long to pull on each new node",
    ),
    (
        PUBLIC_ENDPOINT_OPEN,
        "Kubernetes API endpoint open to the internet",
    ),
    (SINGLE_NAT_GATEWAY, "one NAT gateway for all zones"),
    (
        ASG_TAG_LIMIT,
        "more Auto Scaling group tags than AWS allows",
    ),
    (
        CUSTOM_AMI_PATH,
        "managed group uses the AMI by id so its max pods apply",
    ),
    (EFA_ON_SPOT, "EFA training group on spot capacity"),
    (
        UNSIZED_ONE_POD_NODE,
        "one-pod-per-node group without pod size",
    ),
    (
        EXTENDED_SUPPORT,
        "Kubernetes version in EKS extended support",
    ),
    (
        MANAGED_GROUP_QUOTA,
        "more managed node groups than the EKS quota per cluster",
    ),
    (
        MANAGED_GROUP_NODE_QUOTA,
        "managed group larger than the EKS quota of nodes per group",
    ),
    (
        AUTO_SCALING_GROUP_QUOTA,
        "more Auto Scaling groups than the regional quota",
    ),
    (
        IPAMD_STOPS_EARLY,
        "the CNI targets make ipamd stop allocating before the node's max pods",
    ),
    (
        EXISTING_SUBNETS_UNTAGGED,
        "Karpenter nodes go to existing subnets that eksgen does not tag",
    ),
    (
        EXISTING_CLUSTER_SETTINGS,
        "an existing cluster's vpc-cni env or add-ons differ from what the plan assumes",
    ),
];

/// AWS allows 50 tags per Auto Scaling group.
pub const ASG_TAG_MAX: usize = 50;

pub fn lint(intent: &Intent, drafts: &[GroupDraft], plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add =
        |id: &str, severity: Severity, group: Option<&str>, message: String, hint: String| {
            out.push(Finding {
                id: id.to_string(),
                severity,
                node_group: group.map(str::to_string),
                message,
                hint,
            });
        };
    let env = &plan.network.cni.env;
    let churny = intent.spec.network.pod_churn == PodChurn::High;
    let targets = CniTargets::from_env(env, plan.network.custom_networking);
    let from_intent = |name: &str| {
        plan.network
            .cni
            .settings
            .iter()
            .any(|s| s.name == name && s.source == "intent")
    };
    // Per-pod EC2 calls happen in secondary-IP mode with IP targets, on nodes whose pods go
    // past what the floor leaves warm (below it ipamd neither adds nor releases). Prefix
    // mode moves whole /28s per call, so it is not flagged.
    let floor = targets.minimum_ip_target.unwrap_or(0);
    let warm = targets.warm_ip_target.unwrap_or(0);
    let budget = per_pod_call_budget(intent.spec.network.pod_churn);
    let past = nodes_past_floor(
        plan.node_groups
            .iter()
            .map(|g| (g.pods_per_node, u64::from(g.scaling.max))),
        floor,
        warm,
    );
    if warm > 0 && !targets.prefix_delegation && past >= budget {
        let above: Vec<String> = plan
            .node_groups
            .iter()
            .filter(|g| g.pods_per_node + warm > floor && g.scaling.max > 0)
            .map(|g| {
                format!(
                    "`{}` ({} pods x {})",
                    g.name, g.pods_per_node, g.scaling.max
                )
            })
            .collect();
        add(
            WARM_IP_TARGET_AT_SCALE,
            Severity::Warning,
            None,
            format!(
                "WARM_IP_TARGET={warm} with MINIMUM_IP_TARGET={floor}: {past} nodes at max scale ({}) run more pods than the floor keeps warm, so each pod start and stop there is an EC2 call{}; the account's EC2 API rate is shared by every node",
                above.join(", "),
                if churny { ", with high pod churn" } else { "" }
            ),
            "raise minimumIpTarget to the largest podsPerNode + warmIpTarget, or set only warmEniTarget: 1 (whole ENIs per call), or use prefix delegation".into(),
        );
    }
    if floor > 0 {
        for g in &plan.node_groups {
            if u64::from(g.pods_per_node) * 2 < g.ips_per_node && g.pods_per_node + warm < floor {
                add(
                    CLUSTER_WIDE_IP_FLOOR,
                    Severity::Info,
                    Some(&g.name),
                    format!(
                        "MINIMUM_IP_TARGET={floor} is cluster-wide (one aws-node DaemonSet), so nodes of this group hold {} addresses for {} pods ({} at max scale)",
                        g.ips_per_node, g.pods_per_node, g.ips_at_max
                    ),
                    if from_intent("MINIMUM_IP_TARGET") {
                        "lower minimumIpTarget, or align podsPerNode across groups".to_string()
                    } else {
                        "the VPC CNI cannot differ per group; if the address cost matters, align podsPerNode, set warmEniTarget in the intent, or move this group to its own cluster".to_string()
                    },
                );
            }
        }
    }
    // Hold every group against the ipamd model: pods arrive one by one up to max pods.
    for (d, g) in drafts.iter().zip(&plan.node_groups) {
        let stall = d
            .types
            .iter()
            .filter_map(|t| ipamd::stall_point(ipamd::Ipamd::new(t, g.max_pods, targets)))
            .min();
        let Some(stall) = stall else { continue };
        let planned = stall < g.pods_per_node;
        let why = if targets.minimum_ip_target.is_some_and(|m| m > 0) && warm == 0 {
            format!(
                "MINIMUM_IP_TARGET={floor} without WARM_IP_TARGET: ipamd reads the warm target as 0, holds the floor{} and never allocates past it",
                if targets.prefix_delegation {
                    " (rounded up to whole /28s)"
                } else {
                    ""
                }
            )
        } else {
            "the warm targets leave no free address when the pool is used up".to_string()
        };
        add(
            IPAMD_STOPS_EARLY,
            if planned { Severity::Error } else { Severity::Warning },
            Some(&g.name),
            format!(
                "{why}, so a node of this group serves {stall} pods and pod {} stays in ContainerCreating (\"failed to assign an IP address\") although the ENIs have room; the group plans {} pods and allows {}",
                stall + 1,
                g.pods_per_node,
                g.max_pods
            ),
            "set warmIpTarget to 1 or more next to minimumIpTarget, or remove the CNI targets from the intent and let eksgen choose".into(),
        );
    }

    for (d, g) in drafts.iter().zip(&plan.node_groups) {
        let name = Some(g.name.as_str());
        let spec = &d.spec;
        if g.max_pods_by_type
            .windows(2)
            .any(|w| w[0].max_pods != w[1].max_pods)
        {
            let list: Vec<String> = g
                .max_pods_by_type
                .iter()
                .map(|m| format!("{} {}", m.instance_type, m.max_pods))
                .collect();
            add(
                MIXED_MAX_PODS,
                Severity::Info,
                name,
                format!(
                    "the group's types allow different max pods ({}); every node gets the smallest, {}",
                    list.join(", "),
                    g.max_pods
                ),
                "group instance types with the same ENI layout to use each node fully".into(),
            );
        }
        if plan.network.cni.env.contains_key("MAX_ENI") {
            if let Some(n) = fixed_over_max_eni(d, g) {
                add(
                    MAX_ENI_WITHOUT_MAX_PODS,
                    Severity::Error,
                    name,
                    format!(
                        "maxPods {} is above the {n} pod addresses MAX_ENI={} leaves: the scheduler would place pods the CNI cannot address",
                        g.max_pods, env["MAX_ENI"]
                    ),
                    format!("use `maxPods: auto` or at most {n}"),
                );
            }
        }
        if g.gpus_per_node + g.accelerators_per_node > 0 {
            if spec.ami_family == AmiFamily::Al2 {
                add(
                    ACCELERATOR_AMI,
                    Severity::Warning,
                    name,
                    format!(
                        "{} uses the AL2 GPU AMI ({}), which gets no new drivers",
                        g.instance_types.join(", "),
                        g.ami.ami_type
                    ),
                    "use `amiFamily: al2023` (NVIDIA / Neuron variants) or `bottlerocket`".into(),
                );
            } else if spec.ami_family == AmiFamily::Bottlerocket && g.ami.variant == "neuron" {
                add(
                    ACCELERATOR_AMI,
                    Severity::Warning,
                    name,
                    format!("Neuron devices on {} need the Neuron device plugin, which Bottlerocket does not include", g.ami.ami_type),
                    "install the Neuron device plugin (see the rendered device-plugin notes) or use `amiFamily: al2023` (Neuron variant)".into(),
                );
            }
        }
        if g.efa && g.availability_zones.len() > 1 {
            add(
                EFA_ACROSS_AZS,
                Severity::Error,
                name,
                format!(
                    "EFA group spans {}: EFA traffic does not cross zones and a cluster placement group lives in one zone",
                    g.availability_zones.join(", ")
                ),
                "pin the group to one zone: availabilityZones: [<zone>]".into(),
            );
        }
        let chatty = spec.inter_node_traffic == Traffic::High;
        if chatty && !g.efa && g.availability_zones.len() > 1 {
            add(
                CHATTY_ACROSS_AZS,
                Severity::Warning,
                name,
                format!(
                    "high inter-node traffic across {} zones: cross-AZ transfer is billed per GB in each direction and adds latency",
                    g.availability_zones.len()
                ),
                "pin the group to one zone, or keep chatty pods together with the zone podAffinity in workloads/<group>.yaml".into(),
            );
        }
        if g.availability_zones.len() == 1 && plan.network.availability_zones.len() > 1 {
            let intended = g.efa || chatty;
            add(
                SINGLE_AZ,
                if intended {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                name,
                format!(
                    "all nodes in {}: a zone outage or capacity shortage there stops the group{}",
                    g.availability_zones[0],
                    if intended {
                        " (expected for EFA / tightly coupled work)"
                    } else {
                        ""
                    }
                ),
                if intended {
                    "keep a checkpointing habit, or a standby capacity reservation in another zone"
                        .into()
                } else {
                    "remove availabilityZones to spread over all cluster zones".into()
                },
            );
        }
        if spec.ami_family == AmiFamily::Al2 {
            let too_new = intent
                .spec
                .kubernetes_version
                .parts()
                .is_some_and(|(_, minor)| minor >= 33);
            add(
                AL2_END_OF_LIFE,
                if too_new {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                name,
                if too_new {
                    format!(
                        "EKS publishes no AL2 AMIs for Kubernetes {}; 1.32 was the last",
                        plan.kubernetes_version
                    )
                } else {
                    "AL2 EKS AMIs stopped on 2025-11-26: no security fixes".to_string()
                },
                "use `amiFamily: al2023` (or bottlerocket)".into(),
            );
        }
        if g.one_pod_per_node {
            let need_mib = d.tier_gib.map(|t| f64::from(t) * 1024.0).or_else(|| {
                spec.pod_resources
                    .and_then(|r| r.memory_gi_b)
                    .map(|m| m * 1024.0)
            });
            let need_cpu = spec.pod_resources.and_then(|r| r.cpu);
            match need_mib.or(need_cpu) {
                None => add(
                    UNSIZED_ONE_POD_NODE,
                    Severity::Info,
                    name,
                    "one pod per node, but the intent does not say how big the pod is".into(),
                    "add podResources (cpu, memoryGiB) or memoryTiersGiB so eksgen can check the instance size".into(),
                ),
                Some(_) => {
                    let alloc_mib = g.allocatable.memory_mib as f64;
                    let mem_share = need_mib.map(|m| m / alloc_mib);
                    let cpu_share = need_cpu.map(|c| c * 1000.0 / g.allocatable.cpu_millicores as f64);
                    let used = mem_share.into_iter().chain(cpu_share).fold(0.0_f64, f64::max);
                    if used < 0.5 {
                        let waste = g.hourly_cost_usd.map(|p| p * (1.0 - used) * 730.0);
                        add(
                            OVERSIZED_ONE_POD_NODE,
                            Severity::Warning,
                            name,
                            format!(
                                "the pod uses {:.0}% of a {} ({} vCPU, {:.0} GiB allocatable){}",
                                used * 100.0,
                                g.instance_types[0],
                                g.vcpu,
                                alloc_mib / 1024.0,
                                waste.map(|w| format!(": about ${w:.0} per node-month pays for idle capacity")).unwrap_or_default()
                            ),
                            "use memoryTiersGiB (or a smaller type) so each pod lands on a node sized for it".into(),
                        );
                    }
                }
            }
        }
        if spec.provisioner == Provisioner::Karpenter && g.scaling.min > 0 {
            add(
                KARPENTER_MIN_IGNORED,
                Severity::Info,
                name,
                format!(
                    "scaling.min {} is not enforced: Karpenter launches nodes only for pending pods",
                    g.scaling.min
                ),
                "keep warm capacity with a low-priority placeholder Deployment, or a managed group"
                    .into(),
            );
        }
        if g.efa && spec.capacity_type == CapacityType::Spot {
            add(
                EFA_ON_SPOT,
                Severity::Warning,
                name,
                "EFA training on spot: one interruption stops the whole collective job".into(),
                "use on-demand or a capacity block for training; keep spot for inference".into(),
            );
        }
        if g.max_pods_delivery.path == "custom-ami" {
            add(
                CUSTOM_AMI_PATH,
                Severity::Info,
                name,
                g.max_pods_delivery.reason.clone(),
                "nothing to do; the AMI still follows the SSM parameter at each apply".into(),
            );
        }
        if let Some(pull) = &g.image_pull {
            if pull.estimated_pull_seconds > 120.0 {
                add(
                    SLOW_IMAGE_PULL,
                    Severity::Warning,
                    name,
                    format!("each new node spends at least {:.0} s pulling the {} GiB image", pull.estimated_pull_seconds, pull.image_size_gib),
                    "pre-load images on a Bottlerocket data-volume snapshot, or enable SOCI parallel pull; keep images in the cluster region".into(),
                );
            }
        }
        let asg_tags = g.autoscaler_tags.len() + plan.tags.len();
        if asg_tags > ASG_TAG_MAX {
            add(
                ASG_TAG_LIMIT,
                Severity::Error,
                name,
                format!("{asg_tags} tags for the Auto Scaling group; AWS allows {ASG_TAG_MAX}"),
                "use fewer labels / taints / spec.tags on this group".into(),
            );
        }
    }

    if let Some(reg) = &plan.registry {
        if reg.cross_region {
            let estimate = reg
                .monthly_transfer_gib
                .map(|gib| {
                    format!(
                        ": {:.1} TB a month at {} GiB x {} scale-outs a day",
                        gib * 1.073_741_824 / 1000.0,
                        reg.image_size_gib.unwrap_or(0.0),
                        reg.scale_outs_per_day.unwrap_or(0)
                    )
                })
                .unwrap_or_default();
            add(
                CROSS_REGION_REGISTRY,
                Severity::Warning,
                None,
                format!("images come from {} but the cluster is in {}; every new node pulls across regions (billed per GB, slower){estimate}", reg.region, plan.region),
                "replicate the repository into the cluster region (ECR replication or a pull-through cache)".into(),
            );
        }
    }

    if plan.network.cni.mode == "prefix-delegation" {
        let pod_role = if plan.network.custom_networking {
            SubnetRole::Pod
        } else {
            SubnetRole::Private
        };
        for s in plan.subnets(pod_role) {
            let free_blocks = s.usable_ips.saturating_sub(s.ips_needed_at_max) / 16;
            if s.cidr.prefix() > 24 || s.ips_needed_at_max * 4 > s.usable_ips * 3 {
                add(
                    PREFIX_DELEGATION_SMALL_SUBNET,
                    Severity::Warning,
                    None,
                    format!(
                        "{} ({}) is small for prefix delegation: about {free_blocks} free /28 blocks at max scale, and a fragmented subnet fails with InsufficientCidrBlocks",
                        s.name, s.cidr
                    ),
                    "give pods a larger or dedicated subnet (secondaryCidrs) or reserve a CIDR range for prefixes".into(),
                );
            }
        }
    }
    if plan.endpoint.public_access
        && plan
            .endpoint
            .public_access_cidrs
            .iter()
            .any(|c| c.ends_with("/0"))
    {
        add(
            PUBLIC_ENDPOINT_OPEN,
            Severity::Warning,
            None,
            "the Kubernetes API endpoint accepts connections from the whole internet".into(),
            "list your office / VPN ranges in endpoint.publicAccessCidrs, or turn public access off".into(),
        );
    }
    quota_and_support_findings(intent, plan, &mut add);
    if plan.network.nat_gateway == "single" {
        add(
            SINGLE_NAT_GATEWAY,
            Severity::Info,
            None,
            "one NAT gateway serves every zone: its zone's outage cuts egress for all nodes, and other zones pay cross-AZ transfer".into(),
            "use `natGateway: per-az` for production".into(),
        );
    }
    out
}

/// Limits that hold for the account or the calendar rather than one group: EKS version
/// support (judged on the data date, see `aws_limits::versions_as_of`) and service quotas.
fn quota_and_support_findings(
    intent: &Intent,
    plan: &Plan,
    add: &mut impl FnMut(&str, Severity, Option<&str>, String, String),
) {
    use crate::intent::aws_limits::{self, Support};
    if let Some((1, minor)) = intent.spec.kubernetes_version.parts() {
        if let Support::Extended(v) = aws_limits::support(minor) {
            add(
                EXTENDED_SUPPORT,
                Severity::Warning,
                None,
                format!(
                    "Kubernetes {} left EKS standard support on {} and is in extended support until {} (as of {}): the control plane is billed at the extended-support rate, and EKS upgrades it after that date",
                    v.name(),
                    v.end_of_standard,
                    v.end_of_extended,
                    aws_limits::versions_as_of()
                ),
                format!(
                    "plan the upgrade to a version in standard support ({})",
                    aws_limits::standard_versions().join(", ")
                ),
            );
        }
    }
    let managed: Vec<_> = plan
        .node_groups
        .iter()
        .filter(|g| g.provisioner == Provisioner::Managed.as_str())
        .collect();
    if managed.len() > aws_limits::MANAGED_GROUPS_PER_CLUSTER {
        add(
            MANAGED_GROUP_QUOTA,
            Severity::Warning,
            None,
            format!(
                "{} managed node groups; the EKS quota \"Managed node groups per cluster\" is {} by default",
                managed.len(),
                aws_limits::MANAGED_GROUPS_PER_CLUSTER
            ),
            "request an increase in Service Quotas (Amazon EKS) before applying, or merge groups (fewer memory tiers, Karpenter NodePools)".into(),
        );
    }
    for g in &managed {
        if g.scaling.max > aws_limits::NODES_PER_MANAGED_GROUP {
            add(
                MANAGED_GROUP_NODE_QUOTA,
                Severity::Warning,
                Some(&g.name),
                format!(
                    "scaling.max {} exceeds the EKS quota \"Nodes per managed node group\" ({} by default)",
                    g.scaling.max,
                    aws_limits::NODES_PER_MANAGED_GROUP
                ),
                "request an increase in Service Quotas (Amazon EKS), or split the group".into(),
            );
        }
    }
    let auto_scaling_groups = plan
        .node_groups
        .iter()
        .filter(|g| g.provisioner != Provisioner::Karpenter.as_str())
        .count();
    if auto_scaling_groups > aws_limits::AUTO_SCALING_GROUPS_PER_REGION {
        add(
            AUTO_SCALING_GROUP_QUOTA,
            Severity::Warning,
            None,
            format!(
                "{auto_scaling_groups} Auto Scaling groups (one per managed or self-managed group); the EC2 Auto Scaling quota \"Auto Scaling groups per region\" is {} by default and counts every group in the account and region",
                aws_limits::AUTO_SCALING_GROUPS_PER_REGION
            ),
            "request an increase in Service Quotas (Amazon EC2 Auto Scaling), or use Karpenter NodePools".into(),
        );
    }
}

/// The pod addresses a fixed maxPods exceeds under MAX_ENI, if it does.
fn fixed_over_max_eni(d: &GroupDraft, g: &crate::plan::NodeGroupPlan) -> Option<u32> {
    if !matches!(d.spec.max_pods, MaxPodsSetting::Fixed(_)) {
        return None;
    }
    let allowed = g.max_pods_by_type.iter().map(|m| m.uncapped).min()?;
    (g.max_pods > allowed).then_some(allowed)
}

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn every_rule_is_documented_once() {
        let doc = include_str!("../../docs/findings.md");
        for (id, _) in RULES {
            assert_eq!(
                doc.matches(&format!("| {id} |")).count(),
                1,
                "{id} missing from docs/findings.md"
            );
        }
        let mut ids: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
