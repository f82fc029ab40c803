//! Stage 3: the typed plan — the single contract between `resolve` and `render`.
//!
//! Holds every number eksgen chose, each with its reason, in the field names of the product
//! contract (`eksgen plan --format json` is this struct serialized). Data only: no
//! derivation happens here, and render must find everything it lays out in these fields.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cidr::Ipv4Cidr;
use crate::max_pods::MaxPods;

/// Label eksgen puts on every node of a group (in `NodeGroupPlan::labels`) so workloads can
/// select a group by its intent name: managed node group names get a random suffix from
/// terraform-aws-eks, so `eks.amazonaws.com/nodegroup` is not a stable selector.
pub const GROUP_LABEL: &str = "eksgen.dev/node-group";

/// Karpenter node role names follow the Karpenter documentation's `KarpenterNodeRole-<cluster>`
/// (`AutoscalingPlan::karpenter_node_role`).
pub const KARPENTER_NODE_ROLE_PREFIX: &str = "KarpenterNodeRole-";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub cluster: String,
    pub region: String,
    pub kubernetes_version: String,
    /// terraform-aws-eks major version whose input names are emitted ("20" or "21").
    pub eks_module: String,
    /// `root` (a root module with its provider) or `module` (a child module); absent in
    /// JSON for `root`.
    #[serde(skip_serializing_if = "is_root")]
    pub terraform_layout: String,
    pub endpoint: EndpointPlan,
    pub tags: BTreeMap<String, String>,
    pub autoscaling: AutoscalingPlan,
    pub network: NetworkPlan,
    pub node_groups: Vec<NodeGroupPlan>,
    pub registry: Option<RegistryPlan>,
    /// Set when node groups are added to a cluster eksgen did not create; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_cluster: Option<ExistingClusterPlan>,
    pub findings: Vec<Finding>,
}

/// What an existing cluster must have for the plan's numbers to hold, and how the stated
/// current settings compare.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingClusterPlan {
    /// Security groups the new nodes join besides the cluster's primary one.
    pub node_security_group_ids: Vec<String>,
    /// The vpc-cni env the plan's max pods and address budget assume (cluster-wide).
    pub expected_cni_env: BTreeMap<String, String>,
    /// EKS add-ons the new nodes need.
    pub expected_addons: Vec<String>,
    /// `true` when the stated current settings match, `false` when they differ, absent when
    /// none were stated.
    pub current_matches: Option<bool>,
    /// One line per difference (`MINIMUM_IP_TARGET: 3 today, 22 expected`).
    pub differences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPlan {
    pub public_access: bool,
    pub private_access: bool,
    pub public_access_cidrs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalingPlan {
    pub cluster_autoscaler: bool,
    pub karpenter: bool,
    /// IAM role of Karpenter nodes (`KarpenterNodeRole-<cluster>`): the Terraform karpenter
    /// module creates exactly this name and every EC2NodeClass uses it.
    pub karpenter_node_role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPlan {
    pub vpc_cidr: Ipv4Cidr,
    pub secondary_cidrs: Vec<Ipv4Cidr>,
    pub secondary_cidrs_reason: String,
    pub custom_networking: bool,
    pub availability_zones: Vec<String>,
    /// `per-az` or `single`.
    pub nat_gateway: String,
    pub cni: CniPlan,
    pub subnets: Vec<SubnetPlan>,
    /// Set when the cluster goes into a VPC eksgen did not create (`vpcCidr` is then its
    /// primary block). Absent for a new VPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_vpc: Option<ExistingVpcPlan>,
}

/// A VPC that exists: what eksgen may reference and what it adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingVpcPlan {
    pub id: String,
    /// Blocks associated today, primary first; `secondaryCidrs` are the ones eksgen adds.
    pub cidr_blocks: Vec<Ipv4Cidr>,
    /// `literal` or `variables`: how the ids reach the Terraform.
    pub ids: String,
    /// `pods` or `nodes`: what the subnets eksgen creates hold.
    pub new_subnets: String,
    /// Whether node groups use subnets eksgen creates (`newSubnets: nodes` with secondary
    /// CIDRs); the control plane always stays in the existing private subnets.
    pub nodes_in_new_subnets: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CniPlan {
    /// `prefix-delegation` or `secondary-ip`.
    pub mode: String,
    pub mode_reason: String,
    /// Exactly what goes into the vpc-cni add-on `configuration_values.env`.
    pub env: BTreeMap<String, String>,
    /// One entry per env value, with why it has that value.
    pub settings: Vec<CniSetting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CniSetting {
    pub name: String,
    pub value: String,
    /// `eksgen` (computed) or `intent` (override taken literally).
    pub source: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubnetRole {
    /// Nodes (and pods unless custom networking).
    Private,
    /// Load balancers and NAT gateways.
    Public,
    /// Pods under custom networking, from the secondary CIDRs.
    Pod,
    /// Existing VPC whose node groups moved to new subnets: the existing private subnets
    /// keep only the control plane's network interfaces.
    ControlPlane,
}

impl SubnetRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SubnetRole::Private => "private",
            SubnetRole::Public => "public",
            SubnetRole::Pod => "pod",
            SubnetRole::ControlPlane => "control-plane",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubnetPlan {
    pub name: String,
    pub az: String,
    pub role: SubnetRole,
    pub cidr: Ipv4Cidr,
    pub usable_ips: u64,
    pub ips_needed_at_max: u64,
    pub reason: String,
    /// Existing VPC: the subnet's id when it exists (eksgen references it, never modifies
    /// it); absent for subnets eksgen creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Existing subnets: addresses already taken by others (not in `usableIps`' budget).
    #[serde(skip_serializing_if = "is_zero")]
    pub used_ips: u64,
    /// New subnets in an existing VPC: the route table they are associated with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
}

fn is_root(layout: &str) -> bool {
    layout == "root"
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeGroupPlan {
    pub name: String,
    /// The intent group this came from (differs for memory tiers).
    pub intent_group: String,
    pub provisioner: String,
    pub instance_types: Vec<String>,
    pub instance_types_reason: String,
    /// `amd64` or `arm64`.
    pub arch: String,
    pub ami_family: String,
    pub ami: AmiPlan,
    pub capacity_type: String,
    pub capacity_reservation_id: Option<String>,
    pub scaling: ScalingPlan,
    pub availability_zones: Vec<String>,
    pub availability_zones_reason: String,
    pub max_pods: u32,
    pub max_pods_reason: String,
    pub max_pods_by_type: Vec<MaxPods>,
    pub max_pods_delivery: MaxPodsDelivery,
    pub pods_per_node: u32,
    pub ips_per_node: u64,
    pub ips_at_max: u64,
    pub ip_accounting: IpAccounting,
    pub gpus_per_node: u32,
    pub gpu_name: Option<String>,
    pub gpu_memory_mib: u64,
    pub accelerators_per_node: u32,
    pub accelerator_name: Option<String>,
    pub efa: bool,
    pub efa_interfaces: u32,
    /// EFA groups get a cluster placement group unless a capacity reservation places them.
    pub placement_group: bool,
    /// `<cluster>-<group>` when `placement_group`.
    pub placement_group_name: Option<String>,
    /// `low` or `high`: high inter-node traffic keeps pods together (zone podAffinity).
    pub inter_node_traffic: String,
    pub vcpu: u32,
    pub memory_mib: u64,
    /// What the node offers pods (after kube-reserved, eviction and OS overhead).
    pub allocatable: Allocatable,
    /// One-pod-per-node groups: the most the workload pod can request once the add-on
    /// daemonsets have theirs, so it cannot land elsewhere and still schedules here.
    pub one_pod_request: Option<PodRequest>,
    pub network_bandwidth_mbps: u64,
    pub one_pod_per_node: bool,
    pub root_volume: RootVolume,
    /// Effective node labels (intent labels plus eksgen's).
    pub labels: BTreeMap<String, String>,
    /// Effective taints (intent taints plus GPU / Neuron ones).
    pub taints: Vec<TaintPlan>,
    pub image_pull: Option<ImagePullPlan>,
    /// Karpenter groups only.
    pub karpenter: Option<KarpenterPlan>,
    /// Tags for the Auto Scaling group (cluster-autoscaler discovery and scale-from-zero).
    pub autoscaler_tags: BTreeMap<String, String>,
    pub hourly_cost_usd: Option<f64>,
    pub monthly_cost_usd: Option<MonthlyCost>,
    pub cost_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmiPlan {
    /// EKS `amiType` (e.g. `AL2023_x86_64_NVIDIA`).
    pub ami_type: String,
    /// Public SSM parameter that names the current AMI id for this family / arch / variant.
    pub ssm_parameter: String,
    /// Karpenter `amiSelectorTerms` alias (e.g. `al2023@latest`).
    pub karpenter_alias: String,
    /// `standard`, `nvidia` or `neuron`.
    pub variant: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPlan {
    pub min: u32,
    pub desired: u32,
    pub max: u32,
}

/// How the group's max pods reaches the kubelet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MaxPodsDelivery {
    /// `eks-ami` (EKS-provided AMI; EKS's value equals eksgen's), `custom-ami` (AMI id from
    /// SSM + module-owned bootstrap so eksgen's value wins), `self-managed`, or `karpenter`.
    pub path: String,
    /// What EKS would inject on its own AMI for this group (managed groups only).
    pub eks_injected_max_pods: Option<u32>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpAccounting {
    /// ENIs attached when the node runs `podsPerNode` pods.
    pub enis: u32,
    /// Addresses taken from the node (private) subnet.
    pub node_subnet_ips: u64,
    /// Addresses taken from the pod subnet (custom networking only).
    pub pod_subnet_ips: u64,
    /// What the VPC CNI defaults (secondary IP, WARM_ENI_TARGET=1) would hold.
    pub ips_per_node_cni_default: u64,
    /// Share of held addresses that pods use, percent.
    pub ip_efficiency_pct: f64,
    pub ip_efficiency_cni_default_pct: f64,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocatable {
    pub cpu_millicores: u64,
    pub memory_mib: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodRequest {
    pub cpu_millicores: u64,
    pub memory_mib: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootVolume {
    pub size_gib: u32,
    pub volume_type: String,
    pub iops: u32,
    pub throughput_mibps: u32,
    pub encrypted: bool,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaintPlan {
    pub key: String,
    pub value: Option<String>,
    /// Kubernetes spelling: `NoSchedule`, `PreferNoSchedule`, `NoExecute`.
    pub effect: String,
    /// EKS API spelling: `NO_SCHEDULE`, ...
    pub eks_effect: String,
    /// `intent` or `eksgen` (added for GPU / Neuron).
    pub source: String,
}

/// Faster pulls of large images on scale-out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImagePullPlan {
    pub image_size_gib: f64,
    /// kubelet `maxParallelImagePulls` (with `serializeImagePulls: false`).
    pub max_parallel_image_pulls: u32,
    pub registry_pull_qps: u32,
    pub registry_burst: u32,
    /// containerd `max_concurrent_downloads`.
    pub containerd_max_concurrent_downloads: u32,
    /// Estimated seconds to pull one image on a new node (network and disk bound).
    pub estimated_pull_seconds: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KarpenterPlan {
    /// `WhenEmpty` or `WhenEmptyOrUnderutilized` (no consolidation: `WhenEmpty` with
    /// `consolidateAfter: Never`).
    pub consolidation_policy: String,
    /// `consolidateAfter` (`Never` disables).
    pub consolidate_after: String,
    pub consolidation_reason: String,
    /// NodePool limits: `cpu`, `memory`, `nvidia.com/gpu`, ...
    pub limits: BTreeMap<String, String>,
    pub limits_reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyCost {
    pub desired: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryPlan {
    pub region: String,
    pub image_size_gib: Option<f64>,
    pub scale_outs_per_day: Option<u32>,
    pub cross_region: bool,
    /// GiB pulled per 30-day month at the stated scale-outs.
    pub monthly_transfer_gib: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub node_group: Option<String>,
    pub message: String,
    pub hint: String,
}

impl Plan {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn node_group(&self, name: &str) -> Option<&NodeGroupPlan> {
        self.node_groups.iter().find(|g| g.name == name)
    }

    /// Subnets of one role, in AZ order.
    pub fn subnets(&self, role: SubnetRole) -> impl Iterator<Item = &SubnetPlan> {
        self.network.subnets.iter().filter(move |s| s.role == role)
    }
}

impl Plan {
    /// The plan's key numbers as flat `key -> value` pairs (`nodeGroups.train.maxPods` →
    /// `100`), recorded in the output manifest with each render so a later diff can show
    /// which numbers changed.
    pub fn numbers(&self) -> BTreeMap<String, String> {
        let mut n = BTreeMap::new();
        n.insert(
            "network.cni.mode".to_string(),
            self.network.cni.mode.clone(),
        );
        for (k, v) in &self.network.cni.env {
            n.insert(format!("network.cni.env.{k}"), v.clone());
        }
        n.insert(
            "network.secondaryCidrs".to_string(),
            self.network
                .secondary_cidrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        for s in &self.network.subnets {
            n.insert(
                format!("network.subnets.{}.cidr", s.name),
                s.cidr.to_string(),
            );
        }
        for g in &self.node_groups {
            let p = format!("nodeGroups.{}", g.name);
            n.insert(format!("{p}.instanceTypes"), g.instance_types.join(","));
            n.insert(format!("{p}.maxPods"), g.max_pods.to_string());
            n.insert(format!("{p}.podsPerNode"), g.pods_per_node.to_string());
            n.insert(format!("{p}.ipsPerNode"), g.ips_per_node.to_string());
            n.insert(format!("{p}.ipsAtMax"), g.ips_at_max.to_string());
            n.insert(
                format!("{p}.scaling"),
                format!("{}/{}/{}", g.scaling.min, g.scaling.desired, g.scaling.max),
            );
            if let Some(m) = g.monthly_cost_usd {
                n.insert(format!("{p}.monthlyCostUsdAtMax"), format!("{:.2}", m.max));
            }
        }
        n
    }
}
