//! Stage 3: the typed plan — the single contract between `resolve` and `render`.
//!
//! Holds every number eksgen chose, each with its reason, in the field names of the product
//! contract (`eksgen plan --format json` is this struct serialized). Data only: no
//! derivation happens here, and render must find everything it lays out in these fields.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cidr::Ipv4Cidr;

/// Label eksgen puts on every node of a group (in `NodeGroupPlan::labels`) so workloads can
/// select a group by its intent name: managed node group names get a random suffix from
/// terraform-aws-eks, so `eks.amazonaws.com/nodegroup` is not a stable selector.
pub const GROUP_LABEL: &str = "eksgen.dev/node-group";

/// Label every EFA group's nodes carry (`NodeGroupPlan::labels`); the EFA device plugin's
/// values select nodes by it.
pub const EFA_LABEL: &str = "vpc.amazonaws.com/efa.present";

/// Karpenter node role names follow the Karpenter documentation's `KarpenterNodeRole-<cluster>`
/// (`AutoscalingPlan::karpenter_node_role`).
pub const KARPENTER_NODE_ROLE_PREFIX: &str = "KarpenterNodeRole-";

/// Tag key (value: the cluster name) by which a new cluster's EC2NodeClasses select node
/// subnets and the node security group, and that Terraform puts on those (never on pod
/// subnets, or Karpenter may launch nodes there).
pub const KARPENTER_DISCOVERY_TAG: &str = "karpenter.sh/discovery";

/// Which terraform-aws-eks major version's input names to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum EksModule {
    #[serde(rename = "20")]
    V20,
    #[default]
    #[serde(rename = "21")]
    V21,
}

impl EksModule {
    pub fn as_str(self) -> &'static str {
        match self {
            EksModule::V20 => "20",
            EksModule::V21 => "21",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TerraformLayout {
    /// A root module: `providers.tf` configures the AWS provider for `spec.region`.
    #[default]
    Root,
    /// A child module for your own root module: no provider block, `required_providers`
    /// only, `variables.tf` and `outputs.tf`.
    Module,
}

impl TerraformLayout {
    pub fn as_str(self) -> &'static str {
        match self {
            TerraformLayout::Root => "root",
            TerraformLayout::Module => "module",
        }
    }

    /// The plan JSON leaves the default layout out (it was added after the first release).
    pub fn is_root(&self) -> bool {
        *self == TerraformLayout::Root
    }
}

// How an existing VPC's ids reach the Terraform (a `//` comment: a doc comment would change
// the intent's JSON Schema, which shares this type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdReference {
    /// Ids written into the `.tf` files.
    #[default]
    Literal,
    /// Ids as `variables.tf` inputs, defaulting to the intent's values.
    Variables,
}

impl IdReference {
    pub fn as_str(self) -> &'static str {
        match self {
            IdReference::Literal => "literal",
            IdReference::Variables => "variables",
        }
    }
}

// What the subnets eksgen adds to an existing VPC hold (no doc comment, as above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NewSubnets {
    /// Pod subnets for custom networking (one ENIConfig per zone).
    #[default]
    Pods,
    /// Node subnets: node groups move there, pods use their node's subnet.
    Nodes,
}

impl NewSubnets {
    pub fn as_str(self) -> &'static str {
        match self {
            NewSubnets::Pods => "pods",
            NewSubnets::Nodes => "nodes",
        }
    }
}

/// NAT gateways for the private subnets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NatGateway {
    /// One per AZ: an AZ outage does not cut the others off.
    #[default]
    PerAz,
    /// One for the VPC: cheaper, but a single point of failure.
    Single,
}

/// How a group's nodes use their NVMe instance-store disks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceStore {
    /// Left alone: containerd and the kubelet use the root volume.
    #[default]
    None,
    /// One RAID0 array over every NVMe instance-store disk, holding containerd's and the
    /// kubelet's directories (Karpenter `instanceStorePolicy: RAID0`, nodeadm
    /// `instance.localStorage.strategy: RAID0`).
    Raid0,
}

/// What serves the workload images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryKind {
    /// Not said (or not ECR): eksgen renders nothing for the registry.
    #[default]
    Other,
    /// Amazon ECR private registry of the account the Terraform runs in.
    Ecr,
}

/// How an ECR registry in another region gets its images into the cluster's region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryCopy {
    /// ECR replication: every image pushed in the registry's region is copied to the
    /// cluster's region (`aws_ecr_replication_configuration` in the registry's region).
    Replication,
    /// ECR pull-through cache: the cluster's region fetches an image from the registry on
    /// its first pull and keeps it (`aws_ecr_pull_through_cache_rule` in the cluster's
    /// region).
    PullThroughCache,
    /// Pull across regions (no rule rendered).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Provisioner {
    /// EKS managed node group.
    #[default]
    Managed,
    /// Self-managed Auto Scaling group.
    SelfManaged,
    /// Karpenter NodePool (needs `spec.autoscaling.karpenter: true`).
    Karpenter,
}

impl Provisioner {
    pub fn as_str(self) -> &'static str {
        match self {
            Provisioner::Managed => "managed",
            Provisioner::SelfManaged => "self-managed",
            Provisioner::Karpenter => "karpenter",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AmiFamily {
    #[default]
    Al2023,
    Bottlerocket,
    Al2,
}

impl AmiFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            AmiFamily::Al2023 => "al2023",
            AmiFamily::Bottlerocket => "bottlerocket",
            AmiFamily::Al2 => "al2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CapacityType {
    #[default]
    OnDemand,
    Spot,
    CapacityBlock,
}

impl CapacityType {
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityType::OnDemand => "on-demand",
            CapacityType::Spot => "spot",
            CapacityType::CapacityBlock => "capacity-block",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    /// Kubernetes spelling (`NoSchedule`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
    /// EKS managed node group API spelling (`NO_SCHEDULE`).
    pub fn eks_api(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NO_SCHEDULE",
            TaintEffect::PreferNoSchedule => "PREFER_NO_SCHEDULE",
            TaintEffect::NoExecute => "NO_EXECUTE",
        }
    }
}

/// Inter-node traffic of the group's workloads (drives AZ lints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Traffic {
    #[default]
    Low,
    High,
}

/// How the VPC CNI hands out pod addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CniAddressMode {
    /// /28 prefixes on ENI slots (Nitro types).
    PrefixDelegation,
    /// One secondary IP per pod.
    SecondaryIp,
}

impl CniAddressMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CniAddressMode::PrefixDelegation => "prefix-delegation",
            CniAddressMode::SecondaryIp => "secondary-ip",
        }
    }
}

/// Who chose a value: eksgen computed it, or the intent set it and eksgen took it literally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueSource {
    Eksgen,
    Intent,
}

/// How a group's max pods reaches the kubelet (`MaxPodsDelivery::path`); the lock file
/// records it per group (`nodeGroups.<name>.amiPath`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaxPodsPath {
    /// EKS-provided AMI: EKS injects its own value, which equals eksgen's.
    EksAmi,
    /// AMI id from SSM with module-owned bootstrap, so eksgen's value wins.
    CustomAmi,
    SelfManaged,
    Karpenter,
}

/// The accelerator build of an AMI family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AmiVariant {
    Standard,
    Nvidia,
    Neuron,
}

impl AmiVariant {
    pub fn as_str(self) -> &'static str {
        match self {
            AmiVariant::Standard => "standard",
            AmiVariant::Nvidia => "nvidia",
            AmiVariant::Neuron => "neuron",
        }
    }
}

/// Karpenter NodePool `disruption.consolidationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConsolidationPolicy {
    WhenEmpty,
    WhenEmptyOrUnderutilized,
}

/// EC2NodeClass `networkInterfaces[].interfaceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceType {
    /// ENA interface that takes addresses.
    Interface,
    /// EFA device with an ENA interface and its address (launch templates).
    Efa,
    /// EFA device without an address.
    EfaOnly,
}

impl InterfaceType {
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceType::Interface => "interface",
            InterfaceType::Efa => "efa",
            InterfaceType::EfaOnly => "efa-only",
        }
    }
}

impl CapacityType {
    /// The `karpenter.sh/capacity-type` label value: a capacity block is `reserved` capacity.
    pub fn karpenter_label(self) -> &'static str {
        match self {
            CapacityType::OnDemand => "on-demand",
            CapacityType::Spot => "spot",
            CapacityType::CapacityBlock => "reserved",
        }
    }
}

impl NatGateway {
    pub fn as_str(self) -> &'static str {
        match self {
            NatGateway::PerAz => "per-az",
            NatGateway::Single => "single",
        }
    }
}

impl Traffic {
    pub fn as_str(self) -> &'static str {
        match self {
            Traffic::Low => "low",
            Traffic::High => "high",
        }
    }
}

impl ValueSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueSource::Eksgen => "eksgen",
            ValueSource::Intent => "intent",
        }
    }
}

impl MaxPodsPath {
    pub fn as_str(self) -> &'static str {
        match self {
            MaxPodsPath::EksAmi => "eks-ami",
            MaxPodsPath::CustomAmi => "custom-ami",
            MaxPodsPath::SelfManaged => "self-managed",
            MaxPodsPath::Karpenter => "karpenter",
        }
    }
}

impl ConsolidationPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsolidationPolicy::WhenEmpty => "WhenEmpty",
            ConsolidationPolicy::WhenEmptyOrUnderutilized => "WhenEmptyOrUnderutilized",
        }
    }
}

/// Launch template `instance_market_options.market_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarketType {
    CapacityBlock,
}

impl MarketType {
    pub fn as_str(self) -> &'static str {
        match self {
            MarketType::CapacityBlock => "capacity-block",
        }
    }
}

/// Auto Scaling `spot_allocation_strategy` of a mixed instances policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpotAllocationStrategy {
    /// Pools least likely to be interrupted, then the lowest price (AWS's recommendation).
    PriceCapacityOptimized,
}

impl SpotAllocationStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            SpotAllocationStrategy::PriceCapacityOptimized => "price-capacity-optimized",
        }
    }
}

/// A Kubernetes device plugin whose Helm values eksgen writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DevicePlugin {
    /// NVIDIA device plugin: advertises `nvidia.com/gpu`.
    Nvidia,
    /// Neuron device plugin: advertises `aws.amazon.com/neuron`.
    Neuron,
    /// EFA device plugin: advertises `vpc.amazonaws.com/efa`.
    Efa,
}

impl DevicePlugin {
    pub const ALL: [DevicePlugin; 3] = [
        DevicePlugin::Nvidia,
        DevicePlugin::Neuron,
        DevicePlugin::Efa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DevicePlugin::Nvidia => "nvidia",
            DevicePlugin::Neuron => "neuron",
            DevicePlugin::Efa => "efa",
        }
    }
}

/// Which of a group's image-pull settings its nodes' bootstrap applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImagePullApplied {
    /// Parallel pulls, registry QPS and burst, containerd downloads (the AL2023 NodeConfig).
    All,
    /// Registry QPS and burst only.
    RegistryOnly,
    /// None of them.
    None,
}

impl ImagePullApplied {
    pub fn as_str(self) -> &'static str {
        match self {
            ImagePullApplied::All => "all",
            ImagePullApplied::RegistryOnly => "registry-only",
            ImagePullApplied::None => "none",
        }
    }
}

/// Plan enums print as they serialize, so messages and reasons read as the plan JSON does.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

display_as_str!(
    EksModule,
    NatGateway,
    Provisioner,
    AmiFamily,
    CapacityType,
    TaintEffect,
    Traffic,
    CniAddressMode,
    ValueSource,
    MaxPodsPath,
    AmiVariant,
    ConsolidationPolicy,
    InterfaceType,
    RequirementOperator,
    KarpenterAwsResources,
    AuthenticationMode,
    IdReference,
    NewSubnets,
    VpcEndpointType,
    MarketType,
    SpotAllocationStrategy,
    DevicePlugin,
    ImagePullApplied
);

impl VpcEndpointType {
    pub fn as_str(self) -> &'static str {
        match self {
            VpcEndpointType::Gateway => "Gateway",
            VpcEndpointType::Interface => "Interface",
        }
    }
}

/// A max-pods value with the facts that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MaxPods {
    pub instance_type: String,
    pub max_pods: u32,
    /// Before the 110 / 250 ceiling.
    pub uncapped: u32,
    /// ENIs whose addresses pods can use.
    pub enis_for_pods: u32,
    pub prefix_delegation: bool,
    /// The ceiling that lowered the value, if any.
    pub ceiling: Option<u32>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub cluster: String,
    pub region: String,
    pub kubernetes_version: String,
    /// terraform-aws-eks major version whose input names are emitted ("20" or "21").
    pub eks_module: EksModule,
    /// `root` (a root module with its provider) or `module` (a child module); absent in
    /// JSON for `root`.
    #[serde(skip_serializing_if = "TerraformLayout::is_root")]
    pub terraform_layout: TerraformLayout,
    pub endpoint: EndpointPlan,
    pub tags: BTreeMap<String, String>,
    pub autoscaling: AutoscalingPlan,
    pub network: NetworkPlan,
    pub node_groups: Vec<NodeGroupPlan>,
    /// The `addon_version` of each EKS add-on eksgen installs (empty for an existing
    /// cluster, whose add-ons eksgen does not manage).
    pub addon_versions: BTreeMap<String, String>,
    /// Device plugins the groups need installed, each with its groups and why (the Helm
    /// values files `device-plugins/<plugin>-device-plugin-values.yaml`).
    pub device_plugins: Vec<DevicePluginPlan>,
    pub registry: Option<RegistryPlan>,
    /// Who administers the cluster: access entries and the secrets key's administrators.
    pub cluster_admins: ClusterAdminsPlan,
    /// IAM roles eksgen creates for in-cluster controllers (EKS Pod Identity).
    pub workload_roles: Vec<WorkloadRolePlan>,
    /// The aws-ebs-csi-driver add-on, when a group is `zonalStateful`.
    pub ebs_csi_driver: Option<EbsCsiDriverPlan>,
    /// Helm charts (autoscalers, device plugins): pinned versions and who installs them.
    pub helm: HelmPlan,
    /// What the cluster costs per month at desired and at max scale, line by line.
    pub cost: CostPlan,
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
    /// Authentication modes under which what eksgen adds can join: access entries (for
    /// self-managed groups and a Karpenter node role eksgen creates) need `API` or
    /// `API_AND_CONFIG_MAP`. Empty when nothing eksgen adds uses an access entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected_authentication_modes: Vec<AuthenticationMode>,
    /// An existing Karpenter install the NodePools join: its stated release against the one
    /// they need. Absent unless `existingCluster.karpenter` says `awsResources: existing` or
    /// states a version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub karpenter: Option<ExistingKarpenterPlan>,
}

/// EKS cluster `accessConfig.authenticationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthenticationMode {
    /// aws-auth ConfigMap only: no access entries.
    ConfigMap,
    /// Access entries only.
    Api,
    /// Both.
    ApiAndConfigMap,
}

impl AuthenticationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthenticationMode::ConfigMap => "CONFIG_MAP",
            AuthenticationMode::Api => "API",
            AuthenticationMode::ApiAndConfigMap => "API_AND_CONFIG_MAP",
        }
    }
}

/// The Karpenter release an existing cluster runs, beside the one the NodePools need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingKarpenterPlan {
    /// As stated in `existingCluster.karpenter.version`; `None` when not stated.
    pub installed_version: Option<String>,
    /// `autoscaling.karpenterMinVersion.version` (`None` without Karpenter groups).
    pub required_version: Option<String>,
    /// `true` when the installed release is at least the required one, `false` when it is
    /// older, `None` when either is unknown.
    pub satisfied: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPlan {
    pub public_access: bool,
    pub private_access: bool,
    pub public_access_cidrs: Vec<String>,
    /// Networks outside the VPC allowed to reach the private endpoint (port 443 on the
    /// cluster security group).
    pub private_access_cidrs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalingPlan {
    pub cluster_autoscaler: bool,
    pub karpenter: bool,
    /// IAM role of Karpenter nodes (`KarpenterNodeRole-<cluster>`): the Terraform karpenter
    /// module creates exactly this name and every EC2NodeClass uses it. With an existing
    /// cluster: the stated `existingCluster.karpenter.nodeRole` (created under that name with
    /// `awsResources: create`); `None` when the install's nodes use an instance profile.
    pub karpenter_node_role: Option<String>,
    /// Oldest Karpenter release (chart and CRDs) whose API has every field the NodePools and
    /// EC2NodeClasses use; `None` without Karpenter groups. Older CRDs prune unknown fields
    /// silently, so the version is a requirement, not a hint.
    pub karpenter_min_version: Option<KarpenterVersionPlan>,
    /// Who provides Karpenter's AWS side (controller role, node role, interruption queue):
    /// `create` (eksgen's `karpenter.tf`) or `existing` (an install in an existing cluster);
    /// absent without Karpenter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub karpenter_aws_resources: Option<KarpenterAwsResources>,
    /// What every EC2NodeClass names: the node identity, and how it finds subnets and
    /// security groups; absent without Karpenter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub karpenter_node_class: Option<KarpenterNodeClassPlan>,
    /// How cluster-autoscaler is installed and configured (`None` unless `clusterAutoscaler`).
    pub cluster_autoscaler_config: Option<ClusterAutoscalerPlan>,
    /// How the Karpenter controller is installed (`None` unless `karpenter`).
    pub karpenter_controller: Option<KarpenterControllerPlan>,
}

/// Who provides Karpenter's AWS side: the controller's IAM role (EKS Pod Identity), the node
/// IAM role with its access entry, and the interruption queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KarpenterAwsResources {
    /// Karpenter runs in the cluster already: the NodePools use its node role (or instance
    /// profile), and its release is compared with the one they need.
    #[default]
    Existing,
    /// eksgen renders the terraform-aws-eks `karpenter` sub-module against the cluster; the
    /// chart is installed with its outputs.
    Create,
}

impl KarpenterAwsResources {
    pub fn as_str(self) -> &'static str {
        match self {
            KarpenterAwsResources::Existing => "existing",
            KarpenterAwsResources::Create => "create",
        }
    }
}

/// The aws-ebs-csi-driver EKS add-on. Its controller's IAM role is the `workloadRoles` entry
/// for [`EbsCsiDriverPlan::service_account`] (none on an existing cluster, where the add-on
/// is the user's: `existingCluster.expectedAddons` lists it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EbsCsiDriverPlan {
    /// Service account of the driver's controller (kube-system), which the add-on's Pod
    /// Identity association names.
    pub service_account: String,
    /// CPU (millicores) and memory (MiB) the driver's node DaemonSet requests on every node
    /// (it tolerates every taint); one-pod-per-node requests leave room for it.
    pub node_cpu_millicores: u64,
    pub node_memory_mib: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoragePlan {
    pub storage_class: String,
    /// `gp3`.
    pub volume_type: String,
    /// `WaitForFirstConsumer`.
    pub volume_binding_mode: String,
    /// The one zone volumes are created in (`allowedTopologies`).
    pub zone: String,
    /// Node label `allowedTopologies` matches on.
    pub zone_label: String,
    /// Example claim in the workload snippet.
    pub claim_name: String,
    pub claim_size_gib: u32,
    /// Where the snippet mounts the claim in the main container.
    pub mount_path: String,
    pub reason: String,
}

/// How the Helm charts eksgen writes values for get installed, and which charts they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmPlan {
    /// `commands` (values files, `helm upgrade --install` in each header) or `terraform`
    /// (`helm_release` resources in `helm.tf`).
    pub install: HelmInstall,
    pub install_reason: String,
    /// Every chart, in install order (CRD chart before its controller).
    pub releases: Vec<HelmReleasePlan>,
}

/// Who installs the charts (intent `spec.helm.install`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HelmInstall {
    /// Values files plus the exact `helm upgrade --install` command in each file's header.
    #[default]
    Commands,
    /// `helm_release` resources in the Terraform, with the Helm provider configured from the
    /// cluster's outputs: one `terraform apply`.
    Terraform,
}

impl HelmInstall {
    pub fn as_str(self) -> &'static str {
        match self {
            HelmInstall::Commands => "commands",
            HelmInstall::Terraform => "terraform",
        }
    }
}

/// One EC2NodeClass selector term (`subnetSelectorTerms[]`, `securityGroupSelectorTerms[]`):
/// an id, or tags that must all match. Terms are ORed. Serialized as Karpenter spells the
/// term: `{"id": "subnet-…"}` or `{"tags": {"k": "v"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SelectorTerm {
    Id(String),
    Tags(BTreeMap<String, String>),
}

/// The Karpenter install as every EC2NodeClass names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KarpenterNodeClassPlan {
    /// `spec.role`: the node IAM role name (Karpenter makes the instance profile); exactly
    /// one of `role` and `instanceProfile` is set.
    pub role: Option<String>,
    /// `spec.instanceProfile`: an instance profile the install already has.
    pub instance_profile: Option<String>,
    /// Where the role or profile comes from.
    pub identity_reason: String,
    pub subnet_selector: Vec<SelectorTerm>,
    pub subnet_selector_reason: String,
    pub security_group_selector: Vec<SelectorTerm>,
    pub security_group_selector_reason: String,
}

/// What a chart is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HelmComponent {
    ClusterAutoscaler,
    KarpenterCrd,
    Karpenter,
    NvidiaDevicePlugin,
    NeuronDevicePlugin,
    EfaDevicePlugin,
}

/// One pinned chart and where it is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleasePlan {
    pub component: HelmComponent,
    /// Helm release name.
    pub release: String,
    /// Helm repository URL (`https://…`) or OCI repository (`oci://…`, the chart is below it).
    pub repository: String,
    pub chart: String,
    /// Exact chart version (never a range).
    pub version: String,
    /// Where the version comes from and when it was published.
    pub version_reason: String,
    pub namespace: String,
    /// Rendered values file, relative to the output folder; `None` for a chart installed
    /// with its defaults (the Karpenter CRD chart).
    pub values_file: Option<String>,
    /// Values only known once the cluster exists, each from a Terraform output.
    pub values_from_terraform: Vec<TerraformValue>,
    /// Node groups whose nodes need this chart (device plugins); empty for controllers.
    pub node_groups: Vec<String>,
}

/// A chart value taken from a Terraform output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TerraformValue {
    /// Dotted chart key, e.g. `settings.clusterEndpoint`.
    pub key: String,
    /// Output of the generated Terraform that holds it, e.g. `cluster_endpoint`.
    pub output: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterAutoscalerPlan {
    /// Service account the chart creates; the Terraform's Pod Identity association names it.
    pub service_account: String,
    /// Controller image tag: the release whose minor matches the cluster's Kubernetes minor.
    pub image_tag: String,
    pub image_tag_reason: String,
    /// `--expander`, e.g. `priority,least-waste`.
    pub expander: String,
    pub expander_reason: String,
    /// The `cluster-autoscaler-priority-expander` ConfigMap: higher priority wins.
    pub priorities: Vec<ExpanderPriority>,
    pub balance_similar_node_groups: bool,
    /// `--balancing-ignore-label`: a label that differs per group but not per shape.
    pub balancing_ignore_labels: Vec<String>,
    pub balance_reason: String,
    pub scale_down: ScaleDownPlan,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpanderPriority {
    pub priority: u32,
    /// Node groups (plan names) at this priority.
    pub node_groups: Vec<String>,
    /// Regexes over Auto Scaling group names, one per node group.
    pub patterns: Vec<String>,
    /// On-demand $/node-hour of these groups, when priced.
    pub hourly_cost_usd: Option<f64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleDownPlan {
    /// `--scale-down-unneeded-time`.
    pub unneeded_time: String,
    /// `--scale-down-delay-after-add`.
    pub delay_after_add: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KarpenterControllerPlan {
    /// Service account the chart creates; the karpenter module's Pod Identity association
    /// names it.
    pub service_account: String,
    /// `settings.clusterName`.
    pub cluster_name: String,
    /// `settings.interruptionQueue`: the SQS queue the Terraform karpenter module creates
    /// (its output `queue_name`).
    pub interruption_queue: String,
    pub interruption_queue_reason: String,
    /// How `settings.clusterEndpoint` is supplied (known only after `terraform apply`).
    pub cluster_endpoint_reason: String,
    pub version_reason: String,
    /// Controller `replicas`: the chart's 2 need two nodes outside Karpenter's pools (required
    /// anti-affinity per host), so fewer always-on untainted nodes mean fewer replicas.
    pub replicas: u32,
    pub replicas_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KarpenterVersionPlan {
    /// `major.minor`, e.g. `1.12`.
    pub version: String,
    /// Which field or behaviour needs which release, for every feature the groups use.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPlan {
    pub vpc_cidr: Ipv4Cidr,
    pub secondary_cidrs: Vec<Ipv4Cidr>,
    pub secondary_cidrs_reason: String,
    pub custom_networking: bool,
    pub availability_zones: Vec<String>,
    pub nat_gateway: NatGateway,
    pub cni: CniPlan,
    pub subnets: Vec<SubnetPlan>,
    /// Set when the cluster goes into a VPC eksgen did not create (`vpcCidr` is then its
    /// primary block). Absent for a new VPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_vpc: Option<ExistingVpcPlan>,
    /// VPC endpoints eksgen creates: the S3 gateway always, ECR / STS interface endpoints
    /// with `spec.network.interfaceEndpoints`.
    pub vpc_endpoints: Vec<VpcEndpointPlan>,
    /// VPC CNI NetworkPolicy enforcement (`null` unless `network.networkPolicy`).
    pub network_policy: Option<NetworkPolicyPlan>,
}

/// A VPC that exists: what eksgen may reference and what it adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingVpcPlan {
    pub id: String,
    /// Blocks associated today, primary first; `secondaryCidrs` are the ones eksgen adds.
    pub cidr_blocks: Vec<Ipv4Cidr>,
    /// `literal` or `variables`: how the ids reach the Terraform.
    pub ids: IdReference,
    /// `pods` or `nodes`: what the subnets eksgen creates hold.
    pub new_subnets: NewSubnets,
    /// Whether node groups use subnets eksgen creates (`newSubnets: nodes` with secondary
    /// CIDRs); the control plane always stays in the existing private subnets.
    pub nodes_in_new_subnets: bool,
}

/// EC2 VPC endpoint type, in the EC2 API spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VpcEndpointType {
    Gateway,
    Interface,
}

/// One VPC endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcEndpointPlan {
    /// Service suffix after `com.amazonaws.<region>.`: `s3`, `ecr.api`, `ecr.dkr`, `sts`.
    pub service: String,
    /// `Gateway` or `Interface` (the EC2 API spelling).
    pub endpoint_type: VpcEndpointType,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyPlan {
    /// What goes into the vpc-cni add-on `configuration_values.enableNetworkPolicy`.
    pub enable_network_policy: String,
    /// Namespace and pod label of the cluster DNS the default-deny policy still allows.
    pub dns_namespace: String,
    pub dns_pod_label: String,
    pub dns_pod_label_value: String,
    /// Link-local address (`/32`) and TCP port of the EKS Pod Identity agent, which pods reach
    /// for AWS credentials; the policies allow it.
    pub pod_identity_agent_cidr: String,
    pub pod_identity_agent_port: u16,
    /// Rendered policies, relative to the output folder.
    pub policies_file: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CniPlan {
    pub mode: CniAddressMode,
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
    pub source: ValueSource,
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

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeGroupPlan {
    pub name: String,
    /// The intent group this came from (differs for memory tiers).
    pub intent_group: String,
    pub provisioner: Provisioner,
    pub instance_types: Vec<String>,
    pub instance_types_reason: String,
    /// `amd64` or `arm64`.
    pub arch: String,
    pub ami_family: AmiFamily,
    pub ami: AmiPlan,
    pub capacity_type: CapacityType,
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
    /// The zone of the placement group (the group's one zone) when `placement_group`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement_group_zone: Option<String>,
    /// Launch-template network interfaces of a managed or self-managed EFA group without a
    /// placement group (Karpenter groups: `karpenter.networkInterfaces`); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<NetworkInterfacePlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interfaces_reason: Option<String>,
    /// How the launch template buys instances (`instance_market_options`): capacity blocks.
    /// Absent: the capacity type (and a mixed instances policy) alone says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_market: Option<InstanceMarketPlan>,
    /// Self-managed groups over several types or on spot: the Auto Scaling group's mixed
    /// instances policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mixed_instances_policy: Option<MixedInstancesPlan>,
    /// High inter-node traffic keeps pods together (zone podAffinity).
    pub inter_node_traffic: Traffic,
    pub vcpu: u32,
    pub memory_mib: u64,
    /// What the node offers pods (after kube-reserved, eviction and OS overhead).
    pub allocatable: Allocatable,
    /// What the kubelet holds back for Kubernetes daemons on this group's nodes, as the node
    /// will really configure it, and the setting eksgen renders to make it so.
    pub kubelet_reserved: KubeletReserved,
    /// One-pod-per-node groups: the most the workload pod can request once the add-on
    /// daemonsets have theirs, so it cannot land elsewhere and still schedules here.
    pub one_pod_request: Option<PodRequest>,
    pub network_bandwidth_mbps: u64,
    /// Network bandwidth per node: each instance type's figure and the intent's minimum.
    pub network_bandwidth: NetworkBandwidthPlan,
    pub one_pod_per_node: bool,
    /// Pods keep state on EBS volumes: the group stays in one zone by design.
    pub zonal_stateful: bool,
    /// StorageClass and example claim for `zonalStateful` groups.
    pub storage: Option<StoragePlan>,
    pub root_volume: RootVolume,
    /// Bottlerocket groups: the OS volume beside `rootVolume` (which is then the data volume).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_volume: Option<OsVolumePlan>,
    /// Instance metadata service settings on the group's launch template / EC2NodeClass.
    pub instance_metadata: InstanceMetadataPlan,
    /// Effective node labels (intent labels plus eksgen's).
    pub labels: BTreeMap<String, String>,
    /// Effective taints (intent taints plus GPU / Neuron ones).
    pub taints: Vec<TaintPlan>,
    pub image_pull: Option<ImagePullPlan>,
    /// NVMe instance store as one RAID0 array for images and pods (`instanceStore: raid0`);
    /// None leaves it alone.
    pub instance_store: Option<InstanceStorePlan>,
    /// Bottlerocket data volume restored from a snapshot that holds the images
    /// (`imageSnapshotId`); None: images are pulled.
    pub image_snapshot: Option<ImageSnapshotPlan>,
    /// Device resources (GPUs, Neuron devices, EFA interfaces) a node advertises through its
    /// device plugin, and what one workload pod asks for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extended_resources: Vec<ExtendedResourcePlan>,
    /// Groups over several zones: the workload snippet's preferred same-zone pod affinity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_affinity: Option<ZoneAffinityPlan>,
    /// Karpenter groups only.
    pub karpenter: Option<KarpenterPlan>,
    /// EFA groups only: what one training worker pod asks for and the EFA / NCCL settings
    /// it gets (the workload snippet's EFA part).
    pub efa_workload: Option<EfaWorkloadPlan>,
    /// Tags for the Auto Scaling group (cluster-autoscaler discovery and scale-from-zero).
    pub autoscaler_tags: BTreeMap<String, String>,
    /// Keys of `autoscaler_tags` that EKS itself puts on a managed group's Auto Scaling
    /// group (the discovery tags): they count toward the group's tags, but the Terraform
    /// does not assert them, so it never owns (or deletes) EKS's own tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub autoscaler_tags_set_by_eks: Vec<String>,
    pub hourly_cost_usd: Option<f64>,
    pub monthly_cost_usd: Option<MonthlyCost>,
    pub cost_reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmiPlan {
    /// EKS `amiType` (e.g. `AL2023_x86_64_NVIDIA`).
    pub ami_type: String,
    /// Public SSM parameter that names the AMI id of this family / arch / variant at the
    /// pinned release (never `recommended` or `latest`).
    pub ssm_parameter: String,
    /// Karpenter `amiSelectorTerms` alias at the pinned release (e.g. `al2023@v20260714`).
    pub karpenter_alias: String,
    /// The pinned AMI release (`1.34.9-20260714`; Bottlerocket `1.64.0` or
    /// `1.51.0-47438798`), from the lock file or the newest `data/releases.csv` knows.
    pub release: String,
    /// What a managed group on the EKS AMI passes as `ami_release_version` (the release in
    /// EKS's form); absent on the other paths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_version: Option<String>,
    /// The source that names the release (`data/releases.csv` row: source, date).
    pub release_reason: String,
    pub variant: AmiVariant,
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
    pub path: MaxPodsPath,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocatable {
    pub cpu_millicores: u64,
    pub memory_mib: u64,
    /// The arithmetic, for the group's tightest instance type.
    pub reason: String,
}

/// kubelet `kubeReserved` of a group's nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeletReserved {
    /// Memory reserved, MiB: 11 MiB per pod + 255 MiB, for `memoryPods` pods.
    pub memory_mib: u64,
    /// The pod count the memory reserve is computed from (the group's max pods when
    /// `pinned`, else the count the node's bootstrap derives itself).
    pub memory_pods: u32,
    /// CPU reserved on the type that bounds allocatable CPU, millicores.
    pub cpu_millicores: u64,
    /// Ephemeral storage reserved (a Kubernetes quantity).
    pub ephemeral_storage: String,
    /// `true` when eksgen renders the value (`setting`), so the node cannot derive another.
    pub pinned: bool,
    /// Exactly the `kubeReserved` keys and quantities eksgen writes (empty when not pinned):
    /// `memory` alone where the setting merges key by key over the node's own map, all three
    /// where it replaces the map (AL2's `--kube-reserved` flag).
    pub rendered: BTreeMap<String, String>,
    /// The rendered setting that carries it (or why none can).
    pub setting: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodRequest {
    pub cpu_millicores: u64,
    pub memory_mib: u64,
    pub reason: String,
}

/// Cluster administrators (intent `spec.access.clusterAdmins`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterAdminsPlan {
    /// Whoever runs `terraform apply` gets a cluster-admin access entry and administers the
    /// KMS key (the module default), true only when no admins are listed.
    pub creator_is_admin: bool,
    pub principals: Vec<AdminPrincipalPlan>,
    pub reason: String,
}

/// One cluster-admin access entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminPrincipalPlan {
    pub principal_arn: String,
    /// `AmazonEKSClusterAdminPolicy` in the principal's partition, cluster scope.
    pub policy_arn: String,
}

/// One controller's IAM role, bound to its service account through EKS Pod Identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRolePlan {
    pub name: String,
    pub namespace: String,
    pub service_account: String,
    pub permissions: String,
    pub reason: String,
}

/// IMDSv2 settings of a group's nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceMetadataPlan {
    /// `http_put_response_hop_limit` / `httpPutResponseHopLimit`: 1 keeps the token (and so the
    /// node role's credentials) out of reach of pods in their own network namespace.
    pub hop_limit: u32,
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
    /// The block device this volume is: `/dev/xvda`, or on Bottlerocket `/dev/xvdb`, its data
    /// volume for images and containers (see `osVolume`).
    pub device_name: String,
}

/// Bottlerocket's OS volume: Bottlerocket boots from its own small volume and keeps images and
/// containers on a second one, which `rootVolume` sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OsVolumePlan {
    pub device_name: String,
    /// The volume as eksgen writes it; `None` where eksgen writes no mapping for it and the
    /// AMI's own stays.
    pub ebs: Option<EbsVolumePlan>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EbsVolumePlan {
    pub size_gib: u32,
    pub volume_type: String,
    pub iops: u32,
    pub throughput_mibps: u32,
    pub encrypted: bool,
}

/// One device resource of a group's nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedResourcePlan {
    /// The resource name its device plugin advertises (`nvidia.com/gpu`).
    pub name: String,
    /// How many one node has.
    pub per_node: u32,
    /// What the workload snippet's pod requests: all of them with one pod per node, else 1.
    pub per_pod: u32,
}

/// The preferred same-zone `podAffinity` of a group's workload snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneAffinityPlan {
    /// Whether the term narrows itself to the pod's own app with `matchLabelKeys` (on by
    /// default from Kubernetes 1.31); otherwise it matches every pod with the app label.
    pub match_label_keys: bool,
    pub reason: String,
}

/// A launch template's `instance_market_options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceMarketPlan {
    pub market_type: MarketType,
    pub reason: String,
}

/// The `instances_distribution` of a self-managed group's mixed instances policy (the
/// instance types are the launch template overrides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MixedInstancesPlan {
    pub on_demand_base_capacity: u32,
    pub on_demand_percentage_above_base_capacity: u32,
    pub spot_allocation_strategy: Option<SpotAllocationStrategy>,
    pub reason: String,
}

/// One device plugin the cluster needs, for which groups, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevicePluginPlan {
    pub plugin: DevicePlugin,
    pub node_groups: Vec<String>,
    /// EFA: groups whose nodes lack `vpc.amazonaws.com/efa.present=true`, the label the
    /// plugin's values select on (a label in the intent replaced eksgen's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unlabelled_node_groups: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaintPlan {
    pub key: String,
    pub value: Option<String>,
    /// Serialized in the Kubernetes spelling (`NoSchedule`).
    pub effect: TaintEffect,
    /// EKS API spelling: `NO_SCHEDULE`, ...
    pub eks_effect: String,
    /// `eksgen` for the taints added for GPU / Neuron.
    pub source: ValueSource,
}

/// Images preloaded on the volume containerd uses: it is created from an EBS snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageSnapshotPlan {
    pub snapshot_id: String,
    /// The device restored from it (`/dev/xvdb`, Bottlerocket's data volume).
    pub device_name: String,
    /// EBS provisioned rate for volume initialization the volume asks for, MiB/s.
    pub initialization_rate_mibps: u32,
    pub reason: String,
}

/// A group's NVMe instance store, as one RAID0 array.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStorePlan {
    pub strategy: InstanceStore,
    /// Instance-store capacity of the group's smallest type, GB.
    pub local_nvme_gb: u64,
    /// How it is set up (Karpenter or nodeadm) and what moves onto it.
    pub reason: String,
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
    /// AL2023: containerd config version (2 or 3) whose plugin names the NodeConfig's
    /// `containerd.config` uses for `max_concurrent_downloads`. nodeadm refuses version-3
    /// names on an AMI with containerd 1.x and migrates version-2 names on containerd 2.
    pub containerd_config_version: u32,
    pub containerd_config_reason: String,
    /// Estimated seconds to pull and unpack the image on a new node: the image term of
    /// `timeToReady` (the slowest of download, decompression and volume writes).
    pub estimated_pull_seconds: f64,
    pub reason: String,
    /// How long a new node of the group takes from launch until the image is ready, term
    /// by term (`resolve::pull_model`; parameters and sources in docs/performance.md).
    pub time_to_ready: TimeToReadyPlan,
    /// Which of these settings the group's bootstrap applies, and why not the others.
    pub applied: ImagePullApplied,
    pub applied_reason: String,
}

/// Time to ready of one new node, with the terms that add up to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeToReadyPlan {
    /// `nodeLaunchSeconds + acceleratorSeconds + imageSeconds`.
    pub seconds: f64,
    /// EC2 launch, boot and kubelet registration.
    pub node_launch_seconds: f64,
    /// GPU / Neuron driver and device plugin (0 on CPU instances).
    pub accelerator_seconds: f64,
    /// Pull and unpack: the slowest of its paths (below).
    pub image_seconds: f64,
    /// All layers downloaded (the largest on one connection, the rest in parallel).
    pub download_seconds: f64,
    /// Every layer decompressed, one at a time.
    pub decompress_seconds: f64,
    /// Compressed and unpacked bytes written to the volume.
    pub disk_seconds: f64,
    /// What one connection to the registry moves, MiB/s.
    pub connection_mib_per_second: f64,
    /// The slowest path of the image term (`layer-download`, `decompression`, `disk-write`
    /// or `snapshot-restore`).
    pub image_bound: TimeToReadyTerm,
    /// The largest term of the whole.
    pub dominant: TimeToReadyTerm,
    pub reason: String,
}

/// One term of a node's time to ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeToReadyTerm {
    NodeLaunch,
    AcceleratorSetup,
    /// Downloading layers (the largest one, on one connection, as a rule).
    LayerDownload,
    /// Single-threaded decompression of the layers, one after another.
    Decompression,
    /// Writing the compressed and unpacked image to the volume.
    DiskWrite,
    /// Reading a preloaded image while its volume fetches the snapshot's blocks.
    SnapshotRestore,
}

impl TimeToReadyTerm {
    /// The term in a sentence ("bound by ...").
    pub fn describe(self) -> &'static str {
        match self {
            TimeToReadyTerm::NodeLaunch => "the node's launch and join",
            TimeToReadyTerm::AcceleratorSetup => "the accelerator driver and device plugin",
            TimeToReadyTerm::LayerDownload => "layer downloads",
            TimeToReadyTerm::Decompression => "decompression",
            TimeToReadyTerm::DiskWrite => "the volume's write throughput",
            TimeToReadyTerm::SnapshotRestore => "the snapshot's initialization rate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KarpenterPlan {
    /// `WhenEmpty` or `WhenEmptyOrUnderutilized` (no consolidation: `WhenEmpty` with
    /// `consolidateAfter: Never`).
    pub consolidation_policy: ConsolidationPolicy,
    /// `consolidateAfter` (`Never` disables).
    pub consolidate_after: String,
    pub consolidation_reason: String,
    /// NodePool limits: `cpu`, `memory`, `nvidia.com/gpu`, ...
    pub limits: BTreeMap<String, String>,
    pub limits_reason: String,
    /// EC2NodeClass `spec.networkInterfaces`; empty leaves the field unset (Karpenter then
    /// attaches one primary interface, or one `efa` interface per EFA card when the pod asks
    /// for `vpc.amazonaws.com/efa`).
    pub network_interfaces: Vec<NetworkInterfacePlan>,
    /// Why the interfaces are (or are not) written; `None` for groups without EFA.
    pub network_interfaces_reason: Option<String>,
    /// NodePool requirement on `karpenter.k8s.aws/instance-network-bandwidth` from the
    /// intent's `minNetworkGbps`; `None` without a minimum.
    pub bandwidth_requirement: Option<RequirementPlan>,
    /// NodePool `spec.template.spec.expireAfter`: a duration, or `Never`.
    pub expire_after: String,
    /// NodePool `spec.template.spec.terminationGracePeriod`; `None` leaves it unset (a
    /// draining node waits for every pod).
    pub termination_grace_period: Option<String>,
    pub expiry_reason: String,
    /// EC2NodeClass `instanceStorePolicy`, when every type of the group has local NVMe.
    pub instance_store_policy: Option<InstanceStorePolicy>,
    pub instance_store_reason: Option<String>,
    /// Whether the workload snippet annotates its pod `karpenter.sh/do-not-disrupt`.
    pub do_not_disrupt: bool,
    pub do_not_disrupt_reason: String,
    /// `spec.tags` keys the EC2NodeClass leaves out (Karpenter refuses them there); finding
    /// EKSG028 names them too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_tags_reason: Option<String>,
}

/// Operators of NodePool requirements that eksgen writes beyond `In`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RequirementOperator {
    /// Greater than or equal (integer label values); Karpenter's CRDs accept it from v1.9.
    Gte,
}

impl RequirementOperator {
    pub fn as_str(self) -> &'static str {
        match self {
            RequirementOperator::Gte => "Gte",
        }
    }
}

/// One NodePool `spec.template.spec.requirements` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementPlan {
    pub key: String,
    pub operator: RequirementOperator,
    pub values: Vec<String>,
    pub reason: String,
}

/// A group's network bandwidth per node (EC2's baseline figure, all network cards together,
/// in Mbps: the unit of Karpenter's `karpenter.k8s.aws/instance-network-bandwidth` label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkBandwidthPlan {
    /// The intent's `minNetworkGbps` in Mbps; `None` without a minimum.
    pub min_mbps: Option<u64>,
    pub by_type: Vec<TypeBandwidthPlan>,
    pub reason: String,
}

/// One instance type's network bandwidth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeBandwidthPlan {
    pub instance_type: String,
    /// Baseline Mbps; `None` where EC2 publishes no fixed figure ("Up to ..." without a
    /// baseline, "Moderate"): Karpenter gives such types no bandwidth label.
    pub mbps: Option<u64>,
    /// Whether `mbps` reaches the minimum; `None` without a minimum.
    pub meets_minimum: Option<bool>,
}

/// What one training worker pod of an EFA group requests, and the environment it gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EfaWorkloadPlan {
    /// The accelerators the worker takes (the node's whole count); `None` on CPU types.
    pub accelerator: Option<DeviceRequestPlan>,
    /// `vpc.amazonaws.com/efa` devices the worker takes: every EFA device of the node.
    pub efa_devices: u32,
    pub devices_reason: String,
    /// `hugepages-2Mi` the worker requests (a Kubernetes quantity), when the node
    /// pre-allocates them; `None` otherwise.
    pub hugepages_2mi: Option<String>,
    pub hugepages_reason: String,
    /// CPU and memory the worker requests: the node's allocatable less the add-on
    /// daemonsets (huge pages need a CPU or memory request beside them).
    pub cpu_millicores: u64,
    pub memory_mib: u64,
    pub request_reason: String,
    /// Environment variables set on the worker's container.
    pub env: Vec<EnvVarPlan>,
    /// Why these variables and not the others EFA guides mention.
    pub env_reason: String,
    /// What the container image must bring (library versions), with their source.
    pub image_requirements: Vec<String>,
}

/// One extended resource a pod requests (requests = limits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRequestPlan {
    pub resource: String,
    pub count: u32,
}

/// One container environment variable with the reason it is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarPlan {
    pub name: String,
    pub value: String,
    pub reason: String,
}

/// EC2NodeClass `instanceStorePolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InstanceStorePolicy {
    /// The instance-store NVMe volumes as one RAID0 array holding kubelet and containerd
    /// state (images, emptyDir, logs); ephemeral-storage becomes its size.
    #[serde(rename = "RAID0")]
    Raid0,
}

/// One EC2NodeClass `networkInterfaces` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterfacePlan {
    pub network_card_index: u32,
    pub device_index: u32,
    pub interface_type: InterfaceType,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyCost {
    pub desired: f64,
    pub max: f64,
}

/// The cluster's monthly cost (list prices, USD): one item per priced line, their total, and
/// notes on what is left out or priced from another region.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostPlan {
    pub currency: String,
    /// The cluster's region.
    pub region: String,
    /// The region of eksgen's own price data (items carry their own `region`).
    pub prices_region: String,
    /// Whether every item is priced in the cluster's region; when false the total is a
    /// reference and a note names the items priced elsewhere.
    pub region_priced: bool,
    /// When the prices were taken (`YYYY-MM`).
    pub prices_date: String,
    pub hours_per_month: f64,
    pub items: Vec<CostItem>,
    /// Sum of the items.
    pub total_monthly_usd: MonthlyCost,
    /// What the total leaves out (unpriced types, volumes the plan cannot estimate) and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostItem {
    /// `controlPlane`, `nodeGroups.<name>`, `natGateways`, `natDataProcessing`,
    /// `crossRegionTransfer`.
    pub name: String,
    /// Price per `unit` in USD.
    pub unit_usd: f64,
    /// `hour` or `GB`.
    pub unit: String,
    pub monthly_usd: MonthlyCost,
    /// Where the price comes from, with its date.
    pub source: String,
    /// The region the price is for (the cluster's, or us-east-1 as a reference).
    pub region: String,
    /// How the monthly figures follow from the price.
    pub reason: String,
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
    /// `ecr` or `other` (`registry.kind`).
    pub kind: RegistryKind,
    /// Layers the image-pull model assumes (`registry.layers`, default 20).
    pub layers: u32,
    /// `registry.largestLayerGiB` (None: the model assumes half the image).
    pub largest_layer_gib: Option<f64>,
    /// The region new nodes pull from: the cluster's once `inRegionCopy` brings the images
    /// there, else `region`.
    pub pull_region: String,
    /// The rule that copies an ECR registry's images into the cluster's region.
    pub in_region_copy: Option<RegistryCopyPlan>,
}

/// An ECR replication or pull-through cache rule, rendered into `file`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryCopyPlan {
    /// `replication` or `pull-through-cache`.
    pub method: RegistryCopy,
    /// Where the images are pushed.
    pub source_region: String,
    /// The cluster's region.
    pub destination_region: String,
    /// Repositories the rule covers (None: all of them; replication only).
    pub repository_prefix: Option<String>,
    /// The Terraform file with the rule (`registry.tf`).
    pub file: String,
    pub reason: String,
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
    /// Key path in the intent of what the finding is about (`spec.nodeGroups[2]`,
    /// `spec.network`), so every finding can be placed at a line and column.
    pub path: String,
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
            self.network.cni.mode.as_str().to_string(),
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
            if let Some(min) = g.network_bandwidth.min_mbps {
                n.insert(format!("{p}.minNetworkBandwidthMbps"), min.to_string());
            }
            n.insert(
                format!("{p}.scaling"),
                format!("{}/{}/{}", g.scaling.min, g.scaling.desired, g.scaling.max),
            );
            if let Some(m) = g.monthly_cost_usd {
                n.insert(format!("{p}.monthlyCostUsdAtMax"), format!("{:.2}", m.max));
            }
        }
        let total = self.cost.total_monthly_usd;
        n.insert(
            "cost.totalMonthlyUsdAtDesired".to_string(),
            format!("{:.2}", total.desired),
        );
        n.insert(
            "cost.totalMonthlyUsdAtMax".to_string(),
            format!("{:.2}", total.max),
        );
        // Findings by rule and scope, so the next render can say which are new.
        for f in &self.findings {
            n.insert(
                format!(
                    "findings.{}.{}",
                    f.id,
                    f.node_group.as_deref().unwrap_or("cluster")
                ),
                f.severity.as_str().to_string(),
            );
        }
        n
    }
}
