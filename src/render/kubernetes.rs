//! Kubernetes output: Karpenter NodePools and EC2NodeClasses and workload pod-template
//! snippets, rendered from the same plan as the Terraform. (ENIConfigs for custom networking
//! are created by the vpc-cni add-on, in the Terraform.)
//!
//! Owns the view structs the `templates/k8s/*` templates lay out, and the names the
//! Terraform side must create for these manifests to resolve (the plan's
//! `autoscaling.karpenterNodeRole` and `placementGroupName`, [`DISCOVERY_TAG`]). Views only
//! select, rename and group plan fields; every number and every choice (volumes, dropped
//! tags, device plugins, pod affinity, do-not-disrupt) comes from the plan. Files:
//!
//! | file | when |
//! |---|---|
//! | `karpenter/<group>.yaml` | each group with provisioner `karpenter` |
//! | `workloads/<group>.yaml` | every group |
//! | `device-plugins/<plugin>-values.yaml` | each plugin of the plan's `devicePlugins` (NVIDIA, Neuron, EFA) |

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tera::Tera;

use crate::plan::{
    AmiFamily, CapacityType, ConsolidationPolicy, DevicePlugin, DevicePluginPlan, EFA_LABEL,
    GROUP_LABEL, ImagePullApplied, KarpenterVersionPlan, NetworkInterfacePlan, NodeGroupPlan, Plan,
    Provisioner, TaintPlan,
};

use super::nodeadm::NodeConfig;
use super::{RenderError, Rendered, header, run_template};

/// Tag key (value: the cluster name) by which EC2NodeClasses select subnets and security
/// groups. Terraform must put it on the private (node) subnets and on the node security group
/// only: never on pod subnets, or Karpenter may launch nodes there.
pub const DISCOVERY_TAG: &str = "karpenter.sh/discovery";

const KARPENTER: &str = "k8s/karpenter.yaml";
const WORKLOAD: &str = "k8s/workload.yaml";
const NVIDIA_VALUES: &str = "k8s/nvidia-device-plugin-values.yaml";
const NEURON_VALUES: &str = "k8s/neuron-device-plugin-values.yaml";
const EFA_VALUES: &str = "k8s/efa-device-plugin-values.yaml";

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
    }
    for plugin in &plan.device_plugins {
        out.insert(
            format!("device-plugins/{}-values.yaml", file_stem(plugin.plugin)),
            run_template(
                tera,
                template(plugin.plugin),
                &DevicePluginView::new(plan, plugin, &head),
            )?,
        );
    }
    Ok(())
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

/// Context of `k8s/karpenter.yaml`: one group's NodePool and EC2NodeClass.
#[derive(Debug, Serialize)]
struct KarpenterView<'a> {
    header: &'a str,
    cluster: &'a str,
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
    ami_alias: &'a str,
    ami_reason: &'a str,
    role: String,
    discovery_tag: &'static str,
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
    karpenter_min_version: Option<&'a KarpenterVersionPlan>,
    placement_group: Option<String>,
    tags: BTreeMap<&'a str, &'a str>,
    dropped_tags: Vec<&'a str>,
    user_data: Option<UserDataView>,
    /// Intent-named types: `none`, or the AMI family has no image-pull user data here.
    image_pull_not_applied: Option<&'a str>,
}

impl<'a> KarpenterView<'a> {
    fn new(plan: &'a Plan, g: &'a NodeGroupPlan, header: &'a str) -> Option<Self> {
        let k = g.karpenter.as_ref()?;
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
            cluster: &plan.cluster,
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
            ami_alias: &g.ami.karpenter_alias,
            ami_reason: &g.ami.reason,
            role: plan
                .autoscaling
                .karpenter_node_role
                .clone()
                .unwrap_or_default(),
            discovery_tag: DISCOVERY_TAG,
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
            karpenter_min_version: plan.autoscaling.karpenter_min_version.as_ref(),
            placement_group: g.placement_group_name.clone(),
            tags,
            dropped_tags: k.dropped_tags.iter().map(String::as_str).collect(),
            user_data,
            image_pull_not_applied,
        })
    }
}

/// One extended resource (GPU, Neuron device, EFA interface) a workload pod asks for.
#[derive(Debug, Serialize)]
struct ExtendedResourceView<'a> {
    name: &'a str,
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
    /// The plan's one-pod-per-node request (allocatable less the add-on daemonsets).
    cpu_millicores: u64,
    memory_mib: u64,
    /// How the node's allocatable (the request's base) comes about.
    allocatable_reason: &'a str,
    resources: Vec<ExtendedResourceView<'a>>,
    zones: &'a [String],
    /// Several zones: emit the preferred same-zone podAffinity (plan `zoneAffinity`).
    zone_affinity: bool,
    /// The affinity term uses `matchLabelKeys` (plan `zoneAffinity.matchLabelKeys`).
    match_label_keys: bool,
    kubernetes_version: &'a str,
    /// Annotate the pod `karpenter.sh/do-not-disrupt` (plan `karpenter.doNotDisrupt`).
    do_not_disrupt: bool,
}

impl<'a> WorkloadView<'a> {
    fn new(plan: &'a Plan, g: &'a NodeGroupPlan, header: &'a str) -> Self {
        let resources = g
            .extended_resources
            .iter()
            .map(|r| ExtendedResourceView {
                name: &r.name,
                quantity: r.per_pod,
                per_node: r.per_node,
                whole_node: g.one_pod_per_node,
            })
            .collect();
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
            cpu_millicores: g.one_pod_request.as_ref().map_or(0, |r| r.cpu_millicores),
            memory_mib: g.one_pod_request.as_ref().map_or(0, |r| r.memory_mib),
            allocatable_reason: &g.allocatable.reason,
            resources,
            zones: &g.availability_zones,
            zone_affinity: g.zone_affinity.is_some(),
            match_label_keys: g.zone_affinity.as_ref().is_some_and(|z| z.match_label_keys),
            kubernetes_version: &plan.kubernetes_version,
            do_not_disrupt: g.karpenter.as_ref().is_some_and(|k| k.do_not_disrupt),
        }
    }
}

fn file_stem(plugin: DevicePlugin) -> &'static str {
    match plugin {
        DevicePlugin::Nvidia => "nvidia-device-plugin",
        DevicePlugin::Neuron => "neuron-device-plugin",
        DevicePlugin::Efa => "efa-device-plugin",
    }
}

fn template(plugin: DevicePlugin) -> &'static str {
    match plugin {
        DevicePlugin::Nvidia => NVIDIA_VALUES,
        DevicePlugin::Neuron => NEURON_VALUES,
        DevicePlugin::Efa => EFA_VALUES,
    }
}

/// Tolerations in the chart's default values that a `tolerations` list would replace (a fact
/// of each chart's values format, like a module's input names).
fn chart_tolerations(plugin: DevicePlugin) -> Vec<KeyToleration> {
    match plugin {
        DevicePlugin::Nvidia => vec![
            KeyToleration::new("CriticalAddonsOnly", None),
            KeyToleration::new("nvidia.com/gpu", Some("NoSchedule")),
        ],
        DevicePlugin::Neuron => vec![
            KeyToleration::new("CriticalAddonsOnly", None),
            KeyToleration::new("aws.amazon.com/neuron", Some("NoSchedule")),
        ],
        // The chart's template adds CriticalAddonsOnly itself; its list defaults to empty.
        DevicePlugin::Efa => Vec::new(),
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
    fn new(plan: &'a Plan, plugin: &'a DevicePluginPlan, header: &'a str) -> Self {
        let groups: Vec<&NodeGroupPlan> = plugin
            .node_groups
            .iter()
            .filter_map(|name| plan.node_group(name))
            .collect();
        let mut tolerations = chart_tolerations(plugin.plugin);
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
        DevicePluginView {
            header,
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
            unlabelled: plugin
                .unlabelled_node_groups
                .iter()
                .map(String::as_str)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::{EbsVolumePlan, OsVolumePlan, Plan};

    fn plan() -> Plan {
        let text = include_str!("../../tests/fixtures/intents/k8s-gpu-inference-spot.yaml");
        crate::pipeline::plan_from_text(text, "spot.yaml").unwrap()
    }

    fn files(plan: &Plan) -> crate::render::Rendered {
        crate::render::render(plan, "spot.yaml").unwrap()
    }

    /// The plan says which image-pull settings reach a Karpenter node, and the EC2NodeClass
    /// carries exactly those: all in the AL2023 NodeConfig, registry settings in Bottlerocket's,
    /// none (no user data) on AL2.
    #[test]
    fn image_pull_user_data_follows_the_plan() {
        use crate::plan::ImagePullApplied;
        for (family, applied, user_data) in [
            ("al2023", ImagePullApplied::All, Some("maxParallelImagePulls")),
            ("bottlerocket", ImagePullApplied::RegistryOnly, Some("registry-qps = 20")),
            ("al2", ImagePullApplied::None, None),
        ] {
            let text = format!(
                "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata: {{ name: pull }}
spec:
  region: us-west-2
  kubernetesVersion: \"1.32\"
  network: {{ vpcCidr: 10.0.0.0/16, availabilityZones: [us-west-2a, us-west-2b] }}
  autoscaling: {{ karpenter: true }}
  registry: {{ imageSizeGiB: 8 }}
  nodeGroups:
    - {{ name: system, instanceTypes: [m6i.large], scaling: {{ min: 2, desired: 2, max: 3 }} }}
    - {{ name: gpu, provisioner: karpenter, amiFamily: {family}, instanceTypes: [g6.xlarge], scaling: {{ min: 0, desired: 0, max: 3 }} }}
"
            );
            let plan = crate::pipeline::plan_from_text(&text, "pull.yaml").unwrap();
            let pull = plan.node_group("gpu").unwrap().image_pull.as_ref().unwrap();
            assert_eq!(pull.applied, applied, "{family}");
            let class = &files(&plan)["karpenter/gpu.yaml"];
            match user_data {
                Some(setting) => {
                    assert!(class.contains("  userData: |"), "{family}\n{class}");
                    assert!(class.contains(setting), "{family}\n{class}");
                }
                None => {
                    assert!(!class.contains("userData"), "{family}\n{class}");
                    assert!(class.contains("# Image-pull tuning not applied"), "{class}");
                }
            }
        }
    }

    /// Render lays out the plan's choices and makes none of its own: flipping a choice in the
    /// plan flips the output, with no rule of render's in between.
    #[test]
    fn every_choice_comes_from_the_plan() {
        let base = plan();
        let before = files(&base);
        let mut p = base.clone();
        let g = p
            .node_groups
            .iter_mut()
            .find(|g| g.name == "inference")
            .unwrap();
        let k = g.karpenter.as_mut().unwrap();
        assert!(!k.do_not_disrupt);
        k.do_not_disrupt = true;
        k.dropped_tags = vec!["team".to_string()];
        let z = g.zone_affinity.as_mut().unwrap();
        assert!(z.match_label_keys);
        z.match_label_keys = false;
        g.os_volume = Some(OsVolumePlan {
            device_name: "/dev/xvdq".to_string(),
            ebs: Some(EbsVolumePlan {
                size_gib: 7,
                volume_type: "gp3".to_string(),
                iops: 3000,
                throughput_mibps: 125,
                encrypted: true,
            }),
            reason: String::new(),
        });
        g.extended_resources.clear();
        assert!(!p.device_plugins.is_empty());
        p.device_plugins.clear();
        let after = files(&p);

        let workload = &after["workloads/inference.yaml"];
        assert!(
            workload.contains("karpenter.sh/do-not-disrupt: \"true\""),
            "{workload}"
        );
        assert!(!workload.contains("matchLabelKeys:"), "{workload}");
        assert!(!workload.contains("nvidia.com/gpu: "), "{workload}");
        assert!(before["workloads/inference.yaml"].contains("matchLabelKeys:"));
        let karpenter = &after["karpenter/inference.yaml"];
        assert!(
            karpenter.contains("deviceName: \"/dev/xvdq\""),
            "{karpenter}"
        );
        assert!(karpenter.contains("volumeSize: 7Gi"), "{karpenter}");
        assert!(karpenter.contains("# Tag team left out"), "{karpenter}");
        assert!(
            !karpenter.contains(r#""team": "ml-platform""#),
            "{karpenter}"
        );
        assert!(before["karpenter/inference.yaml"].contains(r#""team": "ml-platform""#));
        assert!(before.keys().any(|f| f.starts_with("device-plugins/")));
        assert!(!after.keys().any(|f| f.starts_with("device-plugins/")));
    }
}
