//! Kubernetes output: Karpenter NodePools and EC2NodeClasses and workload pod-template
//! snippets, rendered from the same plan as the Terraform. (ENIConfigs for custom networking
//! are created by the vpc-cni add-on, in the Terraform.)
//!
//! Owns the view structs the `templates/k8s/*` templates lay out, and the names the
//! Terraform side must create for these manifests to resolve (the plan's
//! `autoscaling.karpenterNodeClass` and `placementGroupName`, [`DISCOVERY_TAG`]). Views only
//! select, rename and group plan fields; every number and every choice (volumes, dropped
//! tags, device plugins, pod affinity, do-not-disrupt) comes from the plan. Files:
//!
//! | file | when |
//! |---|---|
//! | `karpenter/<group>.yaml` | each group with provisioner `karpenter` |
//! | `workloads/<group>.yaml` | every group |
//! | `device-plugins/<plugin>-values.yaml` | Helm values when a group needs the NVIDIA, Neuron or EFA device plugin |
//! | `workloads/<group>.storage.yaml` | `zonalStateful` groups: gp3 StorageClass in the group's zone and an example claim |
//! | `workloads/default-deny.network-policy.yaml` | `network.networkPolicy` |
//! | `helm/cluster-autoscaler-values.yaml` | `autoscaling.clusterAutoscaler` (plan `clusterAutoscalerConfig`) |
//! | `helm/karpenter-values.yaml` | `autoscaling.karpenter` (plan `karpenterController`) |

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tera::Tera;

use crate::plan::{
    AmiFamily, AmiVariant, CapacityType, ClusterAutoscalerPlan, ConsolidationPolicy, EFA_LABEL,
    EfaWorkloadPlan, GROUP_LABEL, HelmComponent, HelmInstall, HelmReleasePlan, ImagePullApplied,
    InstanceStorePolicy, KarpenterAwsResources, KarpenterControllerPlan, KarpenterVersionPlan,
    NetworkInterfacePlan, NodeGroupPlan, Plan, Provisioner, RequirementPlan, SelectorTerm,
    StoragePlan, TaintPlan,
};

use super::nodeadm::NodeConfig;
use super::{RenderError, Rendered, header, run_template};

/// Tag key (value: the cluster name) by which EC2NodeClasses select subnets and security
/// groups. Terraform must put it on the private (node) subnets and on the node security group
/// only: never on pod subnets, or Karpenter may launch nodes there.
pub const DISCOVERY_TAG: &str = crate::plan::KARPENTER_DISCOVERY_TAG;

const KARPENTER: &str = "k8s/karpenter.yaml";
const WORKLOAD: &str = "k8s/workload.yaml";
const NVIDIA_VALUES: &str = "k8s/nvidia-device-plugin-values.yaml";
const NEURON_VALUES: &str = "k8s/neuron-device-plugin-values.yaml";
const EFA_VALUES: &str = "k8s/efa-device-plugin-values.yaml";
const CLUSTER_AUTOSCALER_VALUES: &str = "k8s/cluster-autoscaler-values.yaml";
const KARPENTER_VALUES: &str = "k8s/karpenter-values.yaml";
const STORAGE: &str = "k8s/storage.yaml";
const NETWORK_POLICY: &str = "k8s/network-policy.yaml";

/// (template name, source) pairs compiled into the binary.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        super::nodeadm::TEMPLATE,
        include_str!("../../templates/k8s/node_config.yaml.tera"),
    ),
    (
        "k8s/device_plugin.tera",
        include_str!("../../templates/k8s/device_plugin.tera"),
    ),
    (
        KARPENTER,
        include_str!("../../templates/k8s/karpenter.yaml.tera"),
    ),
    (
        WORKLOAD,
        include_str!("../../templates/k8s/workload.yaml.tera"),
    ),
    (
        NVIDIA_VALUES,
        include_str!("../../templates/k8s/nvidia-device-plugin-values.yaml.tera"),
    ),
    (
        NEURON_VALUES,
        include_str!("../../templates/k8s/neuron-device-plugin-values.yaml.tera"),
    ),
    (
        EFA_VALUES,
        include_str!("../../templates/k8s/efa-device-plugin-values.yaml.tera"),
    ),
    (
        CLUSTER_AUTOSCALER_VALUES,
        include_str!("../../templates/k8s/cluster-autoscaler-values.yaml.tera"),
    ),
    (
        KARPENTER_VALUES,
        include_str!("../../templates/k8s/karpenter-values.yaml.tera"),
    ),
    (
        STORAGE,
        include_str!("../../templates/k8s/storage.yaml.tera"),
    ),
    (
        NETWORK_POLICY,
        include_str!("../../templates/k8s/network-policy.yaml.tera"),
    ),
];

pub fn render(
    plan: &Plan,
    origin: &str,
    tera: &Tera,
    out: &mut Rendered,
) -> Result<(), RenderError> {
    let head = header(origin);
    for group in &plan.node_groups {
        if let Some(mut view) = KarpenterView::new(plan, group, &head) {
            if let Some(user_data) = view.user_data.as_mut().filter(|u| u.format == "al2023") {
                // Only the image-pull tuning: Karpenter writes maxPods and kubeReserved itself.
                let node_config = NodeConfig {
                    max_pods: None,
                    kube_reserved: BTreeMap::new(),
                    image_pull: group.image_pull.clone(),
                    flags: Vec::new(),
                    // Karpenter builds the array itself (EC2NodeClass instanceStorePolicy).
                    local_storage_raid0: None,
                };
                user_data.node_config = Some(node_config.render(tera)?);
            }
            out.insert(
                format!("karpenter/{}.yaml", group.name),
                run_template(tera, KARPENTER, &view)?,
            );
        }
        out.insert(
            format!("workloads/{}.yaml", group.name),
            run_template(tera, WORKLOAD, &WorkloadView::new(plan, group, &head))?,
        );
        if let Some(storage) = &group.storage {
            let view = StorageView {
                header: &head,
                name: &group.name,
                storage,
            };
            out.insert(
                format!("workloads/{}.storage.yaml", group.name),
                run_template(tera, STORAGE, &view)?,
            );
        }
    }
    if let Some(policy) = &plan.network.network_policy {
        let view = NetworkPolicyView {
            header: &head,
            policy,
        };
        out.insert(
            policy.policies_file.clone(),
            run_template(tera, NETWORK_POLICY, &view)?,
        );
    }
    for release in &plan.helm.releases {
        let Some(file) = &release.values_file else {
            continue;
        };
        let install = install_lines(plan, release);
        let text = match release.component {
            HelmComponent::ClusterAutoscaler => {
                let Some(config) = &plan.autoscaling.cluster_autoscaler_config else {
                    continue;
                };
                let view = ClusterAutoscalerView {
                    header: &head,
                    install,
                    cluster: &plan.cluster,
                    region: &plan.region,
                    config,
                };
                run_template(tera, CLUSTER_AUTOSCALER_VALUES, &view)?
            }
            HelmComponent::Karpenter => {
                let Some(config) = &plan.autoscaling.karpenter_controller else {
                    continue;
                };
                let view = KarpenterControllerView {
                    header: &head,
                    install,
                    config,
                };
                run_template(tera, KARPENTER_VALUES, &view)?
            }
            HelmComponent::NvidiaDevicePlugin
            | HelmComponent::NeuronDevicePlugin
            | HelmComponent::EfaDevicePlugin => {
                let (view, template) = DevicePluginView::new(plan, release, install, &head);
                run_template(tera, template, &view)?
            }
            HelmComponent::KarpenterCrd => continue,
        };
        out.insert(file.clone(), text);
    }
    Ok(())
}

/// The `helm upgrade --install` command of a release, one line per shell line (ending in
/// ` \\` where it continues), run from the output folder.
fn helm_command(release: &HelmReleasePlan) -> Vec<String> {
    let mut parts = Vec::new();
    if release.repository.starts_with("oci://") {
        parts.push(format!(
            "helm upgrade --install {} {}/{}",
            release.release, release.repository, release.chart
        ));
    } else {
        parts.push(format!(
            "helm upgrade --install {} {}",
            release.release, release.chart
        ));
        parts.push(format!("  --repo {}", release.repository));
    }
    parts.push(format!(
        "  --version {} --namespace {}",
        release.version, release.namespace
    ));
    if let Some(file) = &release.values_file {
        parts.push(format!("  -f {file}"));
    }
    for v in &release.values_from_terraform {
        parts.push(format!(
            "  --set {}=\"$(terraform output -raw {})\"",
            v.key, v.output
        ));
    }
    let last = parts.len() - 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| if i < last { format!("{p} \\") } else { p })
        .collect()
}

/// Header lines saying how a values file's chart gets installed (plan `helm.install`); for
/// Karpenter, the CRD chart comes first.
fn install_lines(plan: &Plan, release: &HelmReleasePlan) -> Vec<String> {
    let crd = (release.component == HelmComponent::Karpenter)
        .then(|| {
            plan.helm
                .releases
                .iter()
                .find(|r| r.component == HelmComponent::KarpenterCrd)
        })
        .flatten();
    let mut lines = Vec::new();
    match plan.helm.install {
        HelmInstall::Commands => {
            lines.push(format!("Chart version pinned: {}.", release.version_reason));
            lines.push(
                "Install with Helm from the output folder, after `terraform apply`:".to_string(),
            );
            if let Some(crd) = crd {
                lines.push(
                    "CRDs first, from their own chart (the controller chart installs CRDs once and never upgrades them):"
                        .to_string(),
                );
                lines.extend(helm_command(crd).into_iter().map(|l| format!("  {l}")));
            }
            lines.extend(helm_command(release).into_iter().map(|l| format!("  {l}")));
        }
        HelmInstall::Terraform => {
            let mut names: Vec<String> = crd
                .iter()
                .map(|c| format!("helm_release.{}", super::terraform::helm_resource_name(c)))
                .collect();
            names.push(format!(
                "helm_release.{}",
                super::terraform::helm_resource_name(release)
            ));
            lines.push(format!("Chart version pinned: {}.", release.version_reason));
            lines.push(format!(
                "Installed by `terraform apply` with these values: {} in helm.tf ({} {}).",
                names.join(" then "),
                release.chart,
                release.version
            ));
            for v in &release.values_from_terraform {
                lines.push(format!(
                    "{} is set there from the cluster ({}).",
                    v.key, v.output
                ));
            }
        }
    }
    lines
}

/// cluster-autoscaler Helm values: the plan's settings plus the cluster's name and region.
#[derive(Debug, Serialize)]
struct ClusterAutoscalerView<'a> {
    header: &'a str,
    /// How the chart is installed: comment lines for the header.
    install: Vec<String>,
    cluster: &'a str,
    region: &'a str,
    #[serde(flatten)]
    config: &'a ClusterAutoscalerPlan,
}

/// Karpenter controller Helm values: the plan's settings as they are.
#[derive(Debug, Serialize)]
struct KarpenterControllerView<'a> {
    header: &'a str,
    /// How the CRD chart and the controller chart are installed: comment lines.
    install: Vec<String>,
    #[serde(flatten)]
    config: &'a KarpenterControllerPlan,
}

/// A taint, or the toleration that matches it exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct TaintView {
    key: String,
    value: Option<String>,
    /// Kubernetes spelling; views sort tolerations by it.
    effect: &'static str,
}

impl From<&TaintPlan> for TaintView {
    fn from(t: &TaintPlan) -> Self {
        TaintView {
            key: t.key.clone(),
            // An empty value is no value (Kubernetes treats them alike), and templates test
            // `value` with `if`, which sees escaped text, where "" would be `""` and true.
            value: t.value.clone().filter(|v| !v.is_empty()),
            effect: t.effect.as_str(),
        }
    }
}

#[derive(Debug, Serialize)]
struct BlockDeviceView<'a> {
    device_name: &'a str,
    root_volume: bool,
    size_gib: u32,
    volume_type: &'a str,
    iops: u32,
    throughput_mibps: u32,
    encrypted: bool,
    /// Restored from this snapshot (plan `imageSnapshot`); encryption then follows it.
    snapshot_id: Option<&'a str>,
    initialization_rate_mibps: Option<u32>,
}

/// Image-pull tuning handed to the node through EC2NodeClass `userData` (AL2023: the
/// nodeadm `NodeConfig`; Bottlerocket: the registry settings).
#[derive(Debug, Serialize)]
struct UserDataView {
    /// `al2023` (NodeConfig YAML) or `bottlerocket` (settings TOML).
    format: &'static str,
    registry_pull_qps: u32,
    registry_burst: u32,
    containerd_config_reason: String,
    reason: String,
    /// `al2023`: the nodeadm `NodeConfig` document (set by [`render`], which has the engine).
    node_config: Option<String>,
}

/// One EC2NodeClass selector term: an id, or tags that must all match.
#[derive(Debug, Serialize)]
struct SelectorView<'a> {
    id: Option<&'a str>,
    tags: Vec<(&'a str, &'a str)>,
}

impl<'a> From<&'a SelectorTerm> for SelectorView<'a> {
    fn from(term: &'a SelectorTerm) -> Self {
        match term {
            SelectorTerm::Id(id) => SelectorView {
                id: Some(id),
                tags: Vec::new(),
            },
            SelectorTerm::Tags(tags) => SelectorView {
                id: None,
                tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            },
        }
    }
}

/// Context of `k8s/karpenter.yaml`: one group's NodePool and EC2NodeClass.
#[derive(Debug, Serialize)]
struct KarpenterView<'a> {
    header: &'a str,
    name: &'a str,
    instance_types: &'a [String],
    instance_types_reason: &'a str,
    arch: &'a str,
    /// Plan spelling (`on-demand`, `spot`, `capacity-block`).
    capacity_type: CapacityType,
    /// `karpenter.sh/capacity-type` value (`on-demand`, `spot`, `reserved`).
    karpenter_capacity_type: &'static str,
    capacity_reservation_id: Option<&'a str>,
    zones: &'a [String],
    zones_reason: &'a str,
    labels: &'a BTreeMap<String, String>,
    taints: Vec<TaintView>,
    limits: &'a BTreeMap<String, String>,
    limits_reason: &'a str,
    max_nodes: u32,
    min_nodes: u32,
    consolidation_policy: ConsolidationPolicy,
    consolidate_after: &'a str,
    consolidation_reason: &'a str,
    expire_after: &'a str,
    termination_grace_period: Option<&'a str>,
    expiry_reason: &'a str,
    instance_store_policy: Option<InstanceStorePolicy>,
    instance_store_reason: Option<&'a str>,
    ami_alias: &'a str,
    ami_reason: &'a str,
    /// `spec.role` or `spec.instanceProfile` (exactly one), and where it comes from.
    role: Option<&'a str>,
    instance_profile: Option<&'a str>,
    identity_reason: &'a str,
    subnet_terms: Vec<SelectorView<'a>>,
    subnet_selector_reason: &'a str,
    security_group_terms: Vec<SelectorView<'a>>,
    security_group_selector_reason: &'a str,
    /// Karpenter runs in an existing cluster (its own queue, chart and CRDs).
    existing_install: bool,
    /// The cluster exists: its security groups are the user's.
    existing_cluster: bool,
    /// The release the existing cluster runs, as stated.
    installed_version: Option<&'a str>,
    ami_release_reason: &'a str,
    max_pods: u32,
    max_pods_reason: &'a str,
    max_pods_delivery_reason: &'a str,
    /// `spec.kubelet.kubeReserved` (the plan's `kubeletReserved.rendered`) and why.
    kube_reserved: &'a BTreeMap<String, String>,
    kube_reserved_reason: &'a str,
    custom_networking: bool,
    block_devices: Vec<BlockDeviceView<'a>>,
    root_volume_reason: &'a str,
    metadata_hop_limit: u32,
    metadata_hop_limit_reason: &'a str,
    efa: bool,
    efa_interfaces: u32,
    network_interfaces: &'a [NetworkInterfacePlan],
    network_interfaces_reason: Option<&'a str>,
    bandwidth_requirement: Option<RequirementView<'a>>,
    karpenter_min_version: Option<&'a KarpenterVersionPlan>,
    placement_group: Option<String>,
    tags: BTreeMap<&'a str, &'a str>,
    dropped_tags: Vec<&'a str>,
    user_data: Option<UserDataView>,
    /// Intent-named types: `none`, or the AMI family has no image-pull user data here.
    image_pull_not_applied: Option<&'a str>,
    /// Why the data volume comes from a snapshot (plan `imageSnapshot`).
    image_snapshot_reason: Option<&'a str>,
}

impl<'a> KarpenterView<'a> {
    fn new(plan: &'a Plan, g: &'a NodeGroupPlan, header: &'a str) -> Option<Self> {
        let k = g.karpenter.as_ref()?;
        let node_class = plan.autoscaling.karpenter_node_class.as_ref()?;
        let karpenter_capacity_type = g.capacity_type.karpenter_label();
        // The OS volume eksgen writes (Bottlerocket), then the volume the plan sizes, which
        // Karpenter counts as the node's ephemeral storage (`rootVolume`).
        let rv = &g.root_volume;
        let os = g.os_volume.as_ref().and_then(|o| {
            o.ebs.as_ref().map(|e| BlockDeviceView {
                device_name: &o.device_name,
                root_volume: false,
                size_gib: e.size_gib,
                volume_type: &e.volume_type,
                iops: e.iops,
                throughput_mibps: e.throughput_mibps,
                encrypted: e.encrypted,
                snapshot_id: None,
                initialization_rate_mibps: None,
            })
        });
        let block_devices = os
            .into_iter()
            .chain([BlockDeviceView {
                device_name: &rv.device_name,
                root_volume: true,
                size_gib: rv.size_gib,
                volume_type: &rv.volume_type,
                iops: rv.iops,
                throughput_mibps: rv.throughput_mibps,
                encrypted: rv.encrypted,
                snapshot_id: g.image_snapshot.as_ref().map(|s| s.snapshot_id.as_str()),
                initialization_rate_mibps: g
                    .image_snapshot
                    .as_ref()
                    .map(|s| s.initialization_rate_mibps),
            }])
            .collect();
        let tags = plan
            .tags
            .iter()
            .filter(|(key, _)| !k.dropped_tags.contains(key))
            .map(|(key, v)| (key.as_str(), v.as_str()))
            .collect();
        // The plan says whether the settings reach the node (`imagePull.applied`); the AMI
        // family says in which format.
        let (user_data, image_pull_not_applied) = match (&g.image_pull, g.ami_family) {
            (None, _) => (None, None),
            (Some(p), _) if p.applied == ImagePullApplied::None => (None, Some(p.reason.as_str())),
            (Some(p), family @ (AmiFamily::Al2023 | AmiFamily::Bottlerocket)) => (
                Some(UserDataView {
                    format: family.as_str(),
                    registry_pull_qps: p.registry_pull_qps,
                    registry_burst: p.registry_burst,
                    containerd_config_reason: p.containerd_config_reason.clone(),
                    reason: p.reason.clone(),
                    node_config: None,
                }),
                None,
            ),
            // AL2 EC2NodeClasses get no user data from eksgen (the plan says `none`).
            (Some(p), AmiFamily::Al2) => (None, Some(p.reason.as_str())),
        };
        Some(KarpenterView {
            header,
            name: &g.name,
            instance_types: &g.instance_types,
            instance_types_reason: &g.instance_types_reason,
            arch: &g.arch,
            capacity_type: g.capacity_type,
            karpenter_capacity_type,
            capacity_reservation_id: g.capacity_reservation_id.as_deref(),
            zones: &g.availability_zones,
            zones_reason: &g.availability_zones_reason,
            labels: &g.labels,
            taints: g.taints.iter().map(TaintView::from).collect(),
            limits: &k.limits,
            limits_reason: &k.limits_reason,
            max_nodes: g.scaling.max,
            min_nodes: g.scaling.min,
            consolidation_policy: k.consolidation_policy,
            consolidate_after: &k.consolidate_after,
            consolidation_reason: &k.consolidation_reason,
            expire_after: &k.expire_after,
            termination_grace_period: k.termination_grace_period.as_deref(),
            expiry_reason: &k.expiry_reason,
            instance_store_policy: k.instance_store_policy,
            instance_store_reason: k.instance_store_reason.as_deref(),
            ami_alias: &g.ami.karpenter_alias,
            ami_reason: &g.ami.reason,
            role: node_class.role.as_deref(),
            instance_profile: node_class.instance_profile.as_deref(),
            identity_reason: &node_class.identity_reason,
            subnet_terms: node_class
                .subnet_selector
                .iter()
                .map(SelectorView::from)
                .collect(),
            subnet_selector_reason: &node_class.subnet_selector_reason,
            security_group_terms: node_class
                .security_group_selector
                .iter()
                .map(SelectorView::from)
                .collect(),
            security_group_selector_reason: &node_class.security_group_selector_reason,
            existing_install: plan.autoscaling.karpenter_aws_resources
                == Some(KarpenterAwsResources::Existing),
            existing_cluster: plan.existing_cluster.is_some(),
            installed_version: plan
                .existing_cluster
                .as_ref()
                .and_then(|c| c.karpenter.as_ref())
                .and_then(|k| k.installed_version.as_deref()),
            ami_release_reason: &g.ami.release_reason,
            max_pods: g.max_pods,
            max_pods_reason: &g.max_pods_reason,
            max_pods_delivery_reason: &g.max_pods_delivery.reason,
            kube_reserved: &g.kubelet_reserved.rendered,
            kube_reserved_reason: &g.kubelet_reserved.reason,
            custom_networking: plan.network.custom_networking,
            block_devices,
            root_volume_reason: &rv.reason,
            metadata_hop_limit: g.instance_metadata.hop_limit,
            metadata_hop_limit_reason: &g.instance_metadata.reason,
            efa: g.efa,
            efa_interfaces: g.efa_interfaces,
            network_interfaces: &k.network_interfaces,
            network_interfaces_reason: k.network_interfaces_reason.as_deref(),
            bandwidth_requirement: k.bandwidth_requirement.as_ref().map(RequirementView::from),
            karpenter_min_version: plan.autoscaling.karpenter_min_version.as_ref(),
            placement_group: g.placement_group_name.clone(),
            tags,
            dropped_tags: k.dropped_tags.iter().map(String::as_str).collect(),
            user_data,
            image_pull_not_applied,
            image_snapshot_reason: g.image_snapshot.as_ref().map(|s| s.reason.as_str()),
        })
    }
}

/// A NodePool requirement beyond the instance-type, arch, capacity-type and zone ones.
#[derive(Debug, Serialize)]
struct RequirementView<'a> {
    key: &'a str,
    operator: &'static str,
    values: &'a [String],
    reason: &'a str,
}

impl<'a> From<&'a RequirementPlan> for RequirementView<'a> {
    fn from(r: &'a RequirementPlan) -> Self {
        RequirementView {
            key: &r.key,
            operator: r.operator.as_str(),
            values: &r.values,
            reason: &r.reason,
        }
    }
}

/// One extended resource (GPU, Neuron device, EFA interface) a workload pod asks for.
#[derive(Debug, Serialize)]
struct ExtendedResourceView {
    name: String,
    /// What the snippet requests.
    quantity: u32,
    /// What one node has.
    per_node: u32,
    /// `quantity` is the whole node's count (one pod per node).
    whole_node: bool,
}

/// Context of `k8s/workload.yaml`: a pod-template fragment for one group.
#[derive(Debug, Serialize)]
struct WorkloadView<'a> {
    header: &'a str,
    name: &'a str,
    provisioner: Provisioner,
    instance_types: &'a [String],
    node_selector_key: &'static str,
    node_selector_value: &'a str,
    tolerations: Vec<TaintView>,
    one_pod_per_node: bool,
    pods_per_node: u32,
    /// The pod requests CPU and memory for the whole node (one pod per node, or an EFA
    /// training worker): `cpu_millicores` and `memory_mib`.
    sized: bool,
    /// The plan's whole-node request (allocatable less the add-on daemonsets).
    cpu_millicores: u64,
    memory_mib: u64,
    /// How the node's allocatable (the request's base) comes about.
    allocatable_reason: &'a str,
    resources: Vec<ExtendedResourceView>,
    /// EFA groups: the training worker's devices, huge pages and environment.
    efa: Option<&'a EfaWorkloadPlan>,
    zones: &'a [String],
    /// Several zones: emit the preferred same-zone podAffinity (plan `zoneAffinity`).
    zone_affinity: bool,
    /// The affinity term uses `matchLabelKeys` (plan `zoneAffinity.matchLabelKeys`).
    match_label_keys: bool,
    kubernetes_version: &'a str,
    /// Annotate the pod `karpenter.sh/do-not-disrupt` (plan `karpenter.doNotDisrupt`).
    do_not_disrupt: bool,
    /// zonalStateful: the example claim the pod mounts.
    storage: Option<&'a StoragePlan>,
}

impl<'a> WorkloadView<'a> {
    fn new(plan: &'a Plan, g: &'a NodeGroupPlan, header: &'a str) -> Self {
        let whole = g.one_pod_per_node;
        let mut resources = Vec::new();
        if let Some(efa) = &g.efa_workload {
            // The plan's training worker: the node's devices, all of them.
            let devices = efa
                .accelerator
                .iter()
                .map(|a| (a.resource.clone(), a.count))
                .chain([("vpc.amazonaws.com/efa".to_string(), efa.efa_devices)]);
            for (name, count) in devices {
                resources.push(ExtendedResourceView {
                    name,
                    quantity: count,
                    per_node: count,
                    whole_node: true,
                });
            }
        } else {
            let mut add = |name: &str, per_node: u32| {
                if per_node > 0 {
                    resources.push(ExtendedResourceView {
                        name: name.to_string(),
                        quantity: if whole { per_node } else { 1 },
                        per_node,
                        whole_node: whole,
                    });
                }
            };
            if g.ami.variant == AmiVariant::Nvidia {
                add("nvidia.com/gpu", g.gpus_per_node);
            }
            if g.ami.variant == AmiVariant::Neuron {
                add("aws.amazon.com/neuron", g.accelerators_per_node);
            }
        }
        let (sized, cpu_millicores, memory_mib) = match (&g.efa_workload, &g.one_pod_request) {
            (Some(efa), _) => (true, efa.cpu_millicores, efa.memory_mib),
            (None, Some(r)) => (true, r.cpu_millicores, r.memory_mib),
            (None, None) => (false, 0, 0),
        };
        WorkloadView {
            header,
            name: &g.name,
            provisioner: g.provisioner,
            instance_types: &g.instance_types,
            node_selector_key: GROUP_LABEL,
            node_selector_value: g
                .labels
                .get(GROUP_LABEL)
                .map_or(g.name.as_str(), String::as_str),
            tolerations: g.taints.iter().map(TaintView::from).collect(),
            one_pod_per_node: g.one_pod_per_node,
            pods_per_node: g.pods_per_node,
            sized,
            cpu_millicores,
            memory_mib,
            allocatable_reason: &g.allocatable.reason,
            resources,
            efa: g.efa_workload.as_ref(),
            zones: &g.availability_zones,
            zone_affinity: g.zone_affinity.is_some(),
            match_label_keys: g.zone_affinity.as_ref().is_some_and(|z| z.match_label_keys),
            kubernetes_version: &plan.kubernetes_version,
            do_not_disrupt: g.karpenter.as_ref().is_some_and(|k| k.do_not_disrupt),
            storage: g.storage.as_ref(),
        }
    }
}

/// Default-deny NetworkPolicies with the DNS and same-namespace allows.
#[derive(Debug, Serialize)]
struct NetworkPolicyView<'a> {
    header: &'a str,
    #[serde(flatten)]
    policy: &'a crate::plan::NetworkPolicyPlan,
}

/// StorageClass and example claim of a zonalStateful group.
#[derive(Debug, Serialize)]
struct StorageView<'a> {
    header: &'a str,
    name: &'a str,
    #[serde(flatten)]
    storage: &'a StoragePlan,
}

/// Tolerations in a device-plugin chart's default values that a `tolerations` list would
/// replace.
fn chart_tolerations(component: HelmComponent) -> Vec<KeyToleration> {
    match component {
        HelmComponent::NvidiaDevicePlugin => vec![
            KeyToleration::new("CriticalAddonsOnly", None),
            KeyToleration::new("nvidia.com/gpu", Some("NoSchedule")),
        ],
        HelmComponent::NeuronDevicePlugin => vec![
            KeyToleration::new("CriticalAddonsOnly", None),
            KeyToleration::new("aws.amazon.com/neuron", Some("NoSchedule")),
        ],
        // The EFA chart's template adds CriticalAddonsOnly itself; its list defaults to empty.
        _ => Vec::new(),
    }
}

/// A toleration of any value of a taint key (with one effect, or all).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct KeyToleration {
    key: String,
    effect: Option<String>,
}

impl KeyToleration {
    fn new(key: &str, effect: Option<&str>) -> Self {
        KeyToleration {
            key: key.to_string(),
            effect: effect.map(str::to_string),
        }
    }
}

#[derive(Debug, Serialize)]
struct PluginGroup<'a> {
    name: &'a str,
    ami_reason: &'a str,
}

/// Context of the `k8s/*-device-plugin-values.yaml` templates.
#[derive(Debug, Serialize)]
struct DevicePluginView<'a> {
    header: &'a str,
    /// How the chart is installed: comment lines for the header.
    install: Vec<String>,
    groups: Vec<PluginGroup<'a>>,
    node_group_label: &'static str,
    efa_label: &'static str,
    /// The chart's default tolerations (a values list replaces them), then every other taint
    /// key / effect of the groups, so the DaemonSet runs on all their nodes.
    tolerations: Vec<KeyToleration>,
    /// Groups that need the plugin but lack the label the values select on (EFA only).
    unlabelled: Vec<&'a str>,
}

impl<'a> DevicePluginView<'a> {
    /// The view and template of a device-plugin chart's values.
    fn new(
        plan: &'a Plan,
        release: &'a HelmReleasePlan,
        install: Vec<String>,
        header: &'a str,
    ) -> (Self, &'static str) {
        let groups: Vec<&NodeGroupPlan> = plan
            .node_groups
            .iter()
            .filter(|g| release.node_groups.contains(&g.name))
            .collect();
        let plugin = release.component;
        let template = match plugin {
            HelmComponent::NvidiaDevicePlugin => NVIDIA_VALUES,
            HelmComponent::NeuronDevicePlugin => NEURON_VALUES,
            _ => EFA_VALUES,
        };
        let mut tolerations = chart_tolerations(plugin);
        let taints: BTreeSet<KeyToleration> = groups
            .iter()
            .flat_map(|g| &g.taints)
            .map(|t| KeyToleration::new(&t.key, Some(t.effect.as_str())))
            .collect();
        for t in taints {
            if !tolerations.contains(&t) {
                tolerations.push(t);
            }
        }
        let unlabelled = match plugin {
            HelmComponent::EfaDevicePlugin => groups
                .iter()
                .filter(|g| g.labels.get(EFA_LABEL).map(String::as_str) != Some("true"))
                .map(|g| g.name.as_str())
                .collect(),
            _ => Vec::new(),
        };
        let view = DevicePluginView {
            header,
            install,
            groups: groups
                .iter()
                .map(|g| PluginGroup {
                    name: &g.name,
                    ami_reason: &g.ami.reason,
                })
                .collect(),
            node_group_label: GROUP_LABEL,
            efa_label: EFA_LABEL,
            tolerations,
            unlabelled,
        };
        (view, template)
    }
}
