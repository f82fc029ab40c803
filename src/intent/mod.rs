//! Stage 1: what the user asked for.
//!
//! Owns the typed mirror of `eksgen.yaml` (`apiVersion: eksgen/v1alpha1`, `kind:
//! ClusterIntent`), its parsing with source locations ([`parse`]) and its validation
//! ([`validate`]). Nothing here derives numbers (that is `resolve`) or touches files: the
//! caller passes the text and an origin name for messages.

pub mod aws_limits;
mod existing;
mod locate;
mod names;
mod parse;
mod schema;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

pub use existing::is_aws_id;
// Shared vocabulary: the plan carries these choices as they are, so their types live in the
// contract (`crate::plan`) and the intent re-uses them.
pub use crate::plan::{
    AmiFamily, AuthenticationMode, CapacityType, EksModule, IdReference, InstanceStore,
    KarpenterAwsResources, NatGateway, NewSubnets, Provisioner, RegistryCopy, RegistryKind,
    TaintEffect, TerraformLayout, Traffic,
};

pub use locate::LocationIndex;
pub use parse::{MAX_INTENT_BYTES, ValidIntent, parse, parse_and_validate};
pub use schema::json_schema;
pub use validate::{
    CIDR_BLOCKS_PER_VPC, MAX_GROUP_NAME, expanded_names, is_cluster_name, is_region, label_key,
    label_value, validate,
};

pub const API_VERSION: &str = "eksgen/v1alpha1";
pub const KIND: &str = "ClusterIntent";

/// The whole intent file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Intent {
    #[schemars(schema_with = "schema::api_version")]
    pub api_version: String,
    #[schemars(schema_with = "schema::kind")]
    pub kind: String,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// EKS cluster name.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// AWS region code, e.g. `us-west-2`.
    pub region: String,
    pub kubernetes_version: KubernetesVersion,
    /// Options of the generated Terraform.
    #[serde(default)]
    pub terraform: TerraformSpec,
    /// Who can reach the Kubernetes API endpoint.
    #[serde(default)]
    pub endpoint: EndpointSpec,
    /// Who administers the cluster (EKS access entries and the secrets key).
    #[serde(default)]
    pub access: AccessSpec,
    pub network: NetworkSpec,
    /// The cluster exists (its name is `metadata.name`, in `network.existingVpc`): eksgen
    /// renders only the node groups it adds, and checks the cluster-wide settings it expects
    /// against the ones stated here.
    #[serde(default)]
    pub existing_cluster: Option<ExistingClusterSpec>,
    /// Cluster-wide autoscalers to install.
    #[serde(default)]
    pub autoscaling: AutoscalingSpec,
    /// How the Helm charts eksgen writes values for (autoscalers, device plugins) get
    /// installed.
    #[serde(default)]
    pub helm: HelmSpec,
    /// Where workload images come from (drives the image-pull and transfer estimates).
    #[serde(default)]
    pub registry: Option<RegistrySpec>,
    /// Tags added to every AWS resource the generated Terraform creates.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Node groups (managed, self-managed or Karpenter NodePools); at least one.
    pub node_groups: Vec<NodeGroupSpec>,
}

/// A Kubernetes minor version written as a string, e.g. `"1.34"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KubernetesVersion(pub String);

impl KubernetesVersion {
    /// `(major, minor)` when the text is `MAJOR.MINOR`.
    /// Only plain decimal digits count: `"+1.+34"` or `"01.034"` would parse as numbers but
    /// are emitted as written, and EKS rejects them.
    pub fn parts(&self) -> Option<(u32, u32)> {
        let (major, minor) = self.0.split_once('.')?;
        let number = |s: &str| {
            let plain = !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'));
            plain.then(|| s.parse().ok()).flatten()
        };
        Some((number(major)?, number(minor)?))
    }
}

impl<'de> Deserialize<'de> for KubernetesVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KubernetesVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quoted Kubernetes version such as \"1.34\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KubernetesVersion(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(E::custom(format!(
                    "kubernetesVersion {v} is a YAML number (1.30 would read as 1.3); quote it, e.g. \"1.34\""
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Err(E::custom(format!(
                    "kubernetesVersion {v} is a YAML number; quote it, e.g. \"1.34\""
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_u64(v.unsigned_abs())
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for EksModule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = EksModule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"20\" or \"21\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v {
                    "20" => Ok(EksModule::V20),
                    "21" => Ok(EksModule::V21),
                    other => Err(E::custom(format!(
                        "eksModule `{other}` is not supported; use \"20\" or \"21\""
                    ))),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TerraformSpec {
    #[serde(default)]
    pub eks_module: EksModule,
    /// `root`: a root module with its provider; `module`: a child module (no provider or
    /// backend, `variables.tf`, outputs) with a usage example in `examples/root/`.
    #[serde(default)]
    pub layout: TerraformLayout,
}

/// Kubernetes API endpoint access. Private access is always on; public access is opt-in.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointSpec {
    /// Open the endpoint to the internet (limited to `publicAccessCidrs`).
    #[serde(default)]
    pub public_access: bool,
    /// CIDRs allowed to reach the public endpoint; required when `publicAccess` is true.
    #[serde(default)]
    pub public_access_cidrs: Vec<String>,
    /// Networks outside the VPC (VPN, peered VPCs, on-premises) allowed to reach the private
    /// endpoint on port 443, e.g. `[10.200.0.0/16]`. Inside the VPC only the nodes can.
    #[serde(default)]
    pub private_access_cidrs: Vec<String>,
}

/// Cluster administrators. Empty: whoever runs `terraform apply` becomes the admin, and
/// an apply by someone else moves admin rights to them.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccessSpec {
    /// IAM role or user ARNs that get cluster-admin access entries and administer the
    /// secrets encryption key, e.g. `[arn:aws:iam::111122223333:role/platform-admin]`.
    /// Given: the `apply` caller gets nothing by being the caller.
    #[serde(default)]
    pub cluster_admins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Primary CIDR of the VPC eksgen creates, /16 to /28, e.g. `10.0.0.0/16`. Leave it out
    /// when `existingVpc` names a VPC that already exists.
    #[serde(default)]
    pub vpc_cidr: Option<String>,
    /// A VPC that already exists (instead of `vpcCidr`): eksgen budgets addresses against its
    /// subnets, creates only new blocks and subnets, and modifies nothing it did not create.
    #[serde(default)]
    pub existing_vpc: Option<ExistingVpcSpec>,
    /// Zones of the region with subnets (at least two), e.g. `[us-west-2a, us-west-2b]`.
    pub availability_zones: Vec<String>,
    #[serde(default)]
    pub secondary_cidrs: SecondaryCidrs,
    /// Ranges in use elsewhere (peered VPCs, on-premises networks, other clusters): nothing
    /// eksgen allocates (VPC CIDR, secondary CIDRs, `auto` choices) may overlap them.
    #[serde(default)]
    pub avoid_cidrs: Vec<String>,
    #[serde(default)]
    pub cni: CniSpec,
    /// How often pods start and stop; `high` keeps WARM_IP_TARGET off (EC2 call throttling).
    #[serde(default)]
    pub pod_churn: PodChurn,
    #[serde(default)]
    pub nat_gateway: NatGateway,
    /// ECR (api, dkr) and STS interface endpoints in the node subnets, so registry and STS
    /// calls stay in the VPC (each costs per hour in every zone). The S3 gateway endpoint,
    /// which carries ECR image layers and is free, is always created.
    #[serde(default)]
    pub interface_endpoints: bool,
    /// Enforce Kubernetes NetworkPolicy with the VPC CNI's own agent, and render a
    /// default-deny policy with the allows pods need (DNS, same namespace).
    #[serde(default)]
    pub network_policy: bool,
}

/// A cluster eksgen did not create, described by the user (eksgen cannot read AWS).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExistingClusterSpec {
    /// Security groups the new nodes join (the cluster's shared node security group), e.g.
    /// `[sg-0123456789abcdef0]`; the cluster's primary security group is added from the
    /// cluster itself.
    pub node_security_group_ids: Vec<String>,
    /// The cluster-wide settings in place today, for comparison with what the plan expects.
    #[serde(default)]
    pub current: CurrentClusterSettings,
    /// Karpenter in this cluster (with `autoscaling.karpenter: true`): the install the
    /// NodePools join, or the AWS side eksgen creates for it.
    #[serde(default)]
    pub karpenter: Option<ExistingKarpenterSpec>,
}

/// Karpenter for an existing cluster. eksgen renders NodePools and EC2NodeClasses that
/// name the install's node role and find its subnets and security groups; with
/// `awsResources: create` it also renders the install's AWS side.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExistingKarpenterSpec {
    /// `existing`: Karpenter runs in the cluster (state `version` and `nodeRole` or
    /// `instanceProfile`); `create`: eksgen renders the terraform-aws-eks karpenter
    /// sub-module (controller role with Pod Identity, node role with its access entry,
    /// interruption queue) against the cluster, and you install the chart with its outputs.
    #[serde(default)]
    pub aws_resources: KarpenterAwsResources,
    /// The Karpenter release installed (controller chart and CRDs), quoted, e.g. "1.8.1"
    /// (`helm list -n kube-system`); compared with the release the NodePools need (EKSG033).
    /// Required with `awsResources: existing`.
    #[serde(default)]
    pub version: Option<KarpenterRelease>,
    /// IAM role name of Karpenter nodes (EC2NodeClass `spec.role`), e.g.
    /// `KarpenterNodeRole-prod`: the install's role; with `awsResources: create`, the name of
    /// the role eksgen creates (default `KarpenterNodeRole-<cluster>`).
    #[serde(default)]
    pub node_role: Option<String>,
    /// Instance profile name instead of `nodeRole` (EC2NodeClass `spec.instanceProfile`),
    /// for installs whose nodes use a profile made outside Karpenter; `existing` only.
    #[serde(default)]
    pub instance_profile: Option<String>,
    /// Find node subnets by these tags (all must match), e.g. `{karpenter.sh/discovery:
    /// prod}`, as the install's own EC2NodeClasses do. Default: the private subnets of
    /// `existingVpc` by id (or, when nodes move to subnets eksgen creates, the
    /// `karpenter.sh/discovery` tag eksgen puts on them). Subnets eksgen creates get these tags.
    #[serde(default)]
    pub subnet_tags: BTreeMap<String, String>,
    /// Find security groups by these tags (all must match). Default:
    /// `nodeSecurityGroupIds` by id and the cluster security group by the
    /// `aws:eks:cluster-name` tag EKS keeps on it, the groups eksgen's node groups join.
    #[serde(default)]
    pub security_group_tags: BTreeMap<String, String>,
}

/// A Karpenter release written as a string: `MAJOR.MINOR` or `MAJOR.MINOR.PATCH`, with or
/// without a leading `v`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KarpenterRelease(pub String);

impl KarpenterRelease {
    /// `(major, minor)` when the text is a release number.
    pub fn parts(&self) -> Option<(u32, u32)> {
        let text = self.0.strip_prefix('v').unwrap_or(&self.0);
        let fields: Vec<&str> = text.split('.').collect();
        if !(2..=3).contains(&fields.len()) {
            return None;
        }
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let numbers: Option<Vec<u32>> = fields.iter().map(|f| number(f)).collect();
        let numbers = numbers?;
        Some((numbers[0], numbers[1]))
    }
}

impl<'de> Deserialize<'de> for KarpenterRelease {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KarpenterRelease;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quoted Karpenter release such as \"1.8.1\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KarpenterRelease(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Err(E::custom(
                    "the Karpenter version is a YAML number (1.10 would read as 1.1); quote it, e.g. \"1.10.2\"",
                ))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Err(E::custom(
                    "the Karpenter version is a YAML number; quote it, e.g. \"1.10.2\"",
                ))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_u64(v.unsigned_abs())
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CurrentClusterSettings {
    /// The vpc-cni env today (`kubectl -n kube-system get ds aws-node -o json`), e.g.
    /// `{WARM_ENI_TARGET: "1"}`; leave out to get only the list of what eksgen expects.
    #[serde(default)]
    pub cni_env: Option<BTreeMap<String, String>>,
    /// EKS add-ons installed today (`aws eks list-addons`), e.g. `[vpc-cni, coredns]`.
    #[serde(default)]
    pub addons: Option<Vec<String>>,
    /// The cluster's authentication mode today (`aws eks describe-cluster --query
    /// cluster.accessConfig.authenticationMode`): `CONFIG_MAP`, `API` or
    /// `API_AND_CONFIG_MAP`. Access entries (self-managed groups, a Karpenter node role
    /// eksgen creates) need one of the last two.
    #[serde(default)]
    pub authentication_mode: Option<AuthenticationMode>,
}

/// A VPC eksgen did not create, described by the user (eksgen cannot read AWS).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExistingVpcSpec {
    /// VPC id, e.g. `vpc-0123456789abcdef0`.
    pub id: String,
    /// The CIDR blocks associated with the VPC today, primary first.
    pub cidr_blocks: Vec<String>,
    /// The VPC's subnets eksgen may use: one `private` subnet per cluster zone (nodes and the
    /// control plane's network interfaces); `public` ones are listed for overlap checks only.
    pub subnets: Vec<ExistingSubnetSpec>,
    /// How the ids reach the Terraform: `literal` (written into the `.tf` files) or
    /// `variables` (`variables.tf` inputs whose defaults are the intent's ids).
    #[serde(default)]
    pub ids: IdReference,
    /// What the subnets eksgen creates in secondary CIDRs hold: `pods` (custom networking,
    /// nodes stay in the existing subnets) or `nodes` (node groups move to the new subnets,
    /// pods share their node's subnet; the control plane stays in the existing ones).
    #[serde(default)]
    pub new_subnets: NewSubnets,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExistingSubnetSpec {
    /// Subnet id, e.g. `subnet-0123456789abcdef0`.
    pub id: String,
    /// Availability zone of the subnet.
    pub zone: String,
    /// The subnet's CIDR block, inside one of `cidrBlocks`.
    pub cidr: String,
    pub role: ExistingSubnetRole,
    /// Addresses already taken in the subnet (other workloads, endpoints, load balancers).
    #[serde(default)]
    pub used_addresses: u64,
    /// Route table the subnets eksgen creates in this zone are associated with (private
    /// subnets only); required when `newSubnets: nodes` adds subnets in the zone.
    #[serde(default)]
    pub route_table_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExistingSubnetRole {
    /// Nodes and the control plane's network interfaces.
    Private,
    /// Load balancers; eksgen places nothing here.
    Public,
}

/// Secondary VPC CIDRs for pods.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(untagged)]
pub enum SecondaryCidrs {
    /// Add /16s from 100.64.0.0/10 only when the primary CIDR cannot hold the plan.
    #[default]
    Auto,
    /// Never add secondary CIDRs; too little space is an error.
    None,
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for SecondaryCidrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SecondaryCidrs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`auto`, `none` or a list of CIDRs")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v {
                    "auto" => Ok(SecondaryCidrs::Auto),
                    "none" => Ok(SecondaryCidrs::None),
                    other => Err(E::custom(format!(
                        "secondaryCidrs `{other}`: expected `auto`, `none` or a list such as [100.64.0.0/16]"
                    ))),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(SecondaryCidrs::Auto)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(SecondaryCidrs::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CniMode {
    /// Prefix delegation when every type is Nitro, else secondary IPs.
    #[default]
    Auto,
    /// Assign /28 prefixes to ENI slots (Nitro types only).
    PrefixDelegation,
    /// Assign individual secondary IPs.
    SecondaryIp,
}

/// VPC CNI overrides. Each set field is taken literally.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CniSpec {
    /// How the VPC CNI hands out pod addresses.
    #[serde(default)]
    pub mode: CniMode,
    /// VPC CNI WARM_ENI_TARGET.
    #[serde(default)]
    pub warm_eni_target: Option<u32>,
    /// VPC CNI WARM_IP_TARGET.
    #[serde(default)]
    pub warm_ip_target: Option<u32>,
    /// VPC CNI MINIMUM_IP_TARGET.
    #[serde(default)]
    pub minimum_ip_target: Option<u32>,
    /// VPC CNI WARM_PREFIX_TARGET (prefix delegation).
    #[serde(default)]
    pub warm_prefix_target: Option<u32>,
    /// VPC CNI MAX_ENI: cap on the ENIs a node uses (1 or more).
    #[serde(default)]
    pub max_eni: Option<u32>,
}

impl CniSpec {
    pub fn has_overrides(&self) -> bool {
        self.warm_eni_target.is_some()
            || self.warm_ip_target.is_some()
            || self.minimum_ip_target.is_some()
            || self.warm_prefix_target.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PodChurn {
    #[default]
    Low,
    High,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AutoscalingSpec {
    /// Install cluster-autoscaler and tag the node groups for it.
    #[serde(default)]
    pub cluster_autoscaler: bool,
    /// Install Karpenter; required by groups with `provisioner: karpenter`.
    #[serde(default)]
    pub karpenter: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmSpec {
    /// `commands` (default): values files with the exact `helm upgrade --install` command in
    /// each header. `terraform`: `helm_release` resources in `helm.tf`, the Helm provider
    /// configured from the cluster's outputs, so one `terraform apply` installs them (the
    /// machine running it must reach the Kubernetes API).
    #[serde(default)]
    pub install: crate::plan::HelmInstall,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistrySpec {
    /// Region the workload images are pulled from; defaults to the cluster region.
    #[serde(default)]
    pub region: Option<String>,
    /// Typical workload image size.
    #[serde(default)]
    pub image_size_gi_b: Option<f64>,
    /// Node scale-outs per day that pull the image (drives the transfer estimate).
    #[serde(default)]
    pub scale_outs_per_day: Option<u32>,
    /// Layers in the image (default 20): a node downloads up to containerd's
    /// `max_concurrent_downloads` of them at once.
    #[serde(default)]
    pub layers: Option<u32>,
    /// The image's largest layer (default half the image): it downloads on one connection
    /// and decompresses on one core, so it often bounds the pull.
    #[serde(default)]
    pub largest_layer_gi_b: Option<f64>,
    /// What serves the images: `ecr` (an ECR private registry of the account the Terraform
    /// runs in) or `other` (the default: eksgen renders nothing for the registry).
    #[serde(default)]
    pub kind: RegistryKind,
    /// With `kind: ecr` in another region: how the images get into the cluster's region.
    /// `replication` (the default there), `pull-through-cache` or `none`.
    #[serde(default)]
    pub in_region_copy: Option<RegistryCopy>,
    /// Repository name prefix the copy covers (replication filter; the pull-through cache
    /// prefix, required for `pull-through-cache`). Without it replication copies every
    /// repository of the registry.
    #[serde(default)]
    pub repository_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scaling {
    /// Fewest nodes.
    pub min: u32,
    /// Nodes at creation; min <= desired <= max.
    pub desired: u32,
    /// Most nodes the group may grow to (1 to 10,000); subnets are sized for it.
    pub max: u32,
}

/// `auto` or a fixed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(untagged)]
pub enum MaxPodsSetting {
    #[default]
    Auto,
    Fixed(u32),
}

impl<'de> Deserialize<'de> for MaxPodsSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MaxPodsSetting;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`auto` or a whole number of pods")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                match v {
                    "auto" => Ok(MaxPodsSetting::Auto),
                    other => Err(E::custom(format!(
                        "maxPods `{other}`: expected `auto` or a whole number of pods"
                    ))),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MaxPodsSetting::Auto)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                u32::try_from(v)
                    .map(MaxPodsSetting::Fixed)
                    .map_err(|_| E::custom(format!("maxPods {v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                if v < 0 {
                    Err(E::custom(format!(
                        "maxPods {v} is negative; use `auto` or a whole number"
                    )))
                } else {
                    self.visit_u64(v.unsigned_abs())
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Taint {
    /// Taint key, e.g. `nvidia.com/gpu`.
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
    pub effect: TaintEffect,
}

/// Karpenter consolidation for a group's NodePool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Consolidation {
    /// Replace or remove under-used nodes (Karpenter default).
    WhenUnderutilized,
    /// Remove only empty nodes: a running job is never moved.
    WhenEmpty,
    /// Never consolidate.
    Never,
}

/// What one workload pod needs (for one-pod-per-node sizing lints and snippets).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodResources {
    /// vCPUs one pod requests.
    #[serde(default)]
    pub cpu: Option<f64>,
    /// GiB of memory one pod requests.
    #[serde(default)]
    pub memory_gi_b: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeGroupSpec {
    #[schemars(schema_with = "schema::group_name")]
    pub name: String,
    /// EC2 instance types, e.g. `[m6i.large]`; or choose by `memoryTiersGiB`.
    #[serde(default)]
    pub instance_types: Vec<String>,
    /// Choose instances by memory instead of by name: one group per tier.
    #[serde(default)]
    pub memory_tiers_gi_b: Vec<u32>,
    /// Families the memory tiers choose from, e.g. `[r6i, m6i]`.
    #[serde(default)]
    pub instance_families: Vec<String>,
    #[serde(default)]
    pub provisioner: Provisioner,
    /// Node AMI family.
    #[serde(default)]
    pub ami_family: AmiFamily,
    /// How the nodes are bought.
    #[serde(default)]
    pub capacity_type: CapacityType,
    /// Required with `capacityType: capacity-block`; also skips the EFA placement group.
    #[serde(default)]
    pub capacity_reservation_id: Option<String>,
    /// Zone of the capacity block (a reservation lives in one zone); the group is pinned
    /// there. Required with `capacityType: capacity-block` unless `availabilityZones` names
    /// exactly one zone.
    #[serde(default)]
    pub capacity_reservation_zone: Option<String>,
    /// Node counts.
    pub scaling: Scaling,
    /// Pods with VPC addresses per node, daemonsets included (sizes subnets and CNI targets).
    #[serde(default)]
    pub pods_per_node: Option<u32>,
    #[serde(default)]
    pub max_pods: MaxPodsSetting,
    /// One workload pod per node (e.g. a notebook); lints check the node fits `podResources`.
    #[serde(default)]
    pub one_pod_per_node: bool,
    #[serde(default)]
    pub pod_resources: Option<PodResources>,
    /// Zones for this group, a subset of the cluster's; default: all of them.
    #[serde(default)]
    pub availability_zones: Option<Vec<String>>,
    /// Pods keep state on EBS volumes (notebooks): the group stays in one zone by design
    /// (the first cluster zone unless `availabilityZones` names one), the EBS CSI driver
    /// add-on is installed, and a gp3 StorageClass bound to that zone is rendered.
    #[serde(default)]
    pub zonal_stateful: bool,
    /// Attach Elastic Fabric Adapters (EFA-capable types only).
    #[serde(default)]
    pub efa: bool,
    #[serde(default)]
    pub inter_node_traffic: Traffic,
    /// Least network bandwidth per node in Gbps (EC2's baseline figure, all network cards
    /// together), e.g. `400` for distributed training: Karpenter NodePools require it, a
    /// named instance type below it is a finding, memory tiers choose only types that reach it.
    #[serde(default)]
    pub min_network_gbps: Option<f64>,
    /// Root volume size in GiB (20 to 16,384).
    #[serde(default)]
    pub disk_size_gi_b: Option<u32>,
    /// `raid0`: one RAID0 array over the types' NVMe instance-store disks holds images and
    /// pod storage (every listed type needs instance store). Default `none`.
    #[serde(default)]
    pub instance_store: InstanceStore,
    /// EBS snapshot (`snap-...`) of a Bottlerocket data volume that already holds the
    /// workload images: new nodes start with them instead of pulling (Bottlerocket only).
    #[serde(default)]
    pub image_snapshot_id: Option<String>,
    /// Kubernetes node labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Kubernetes node taints.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// Karpenter only; default: `when-empty` for EFA / capacity-block groups, else
    /// `when-underutilized`.
    #[serde(default)]
    pub consolidation: Option<Consolidation>,
}

impl NodeGroupSpec {
    /// `minNetworkGbps` in Mbps, the unit of the catalog and of Karpenter's
    /// `karpenter.k8s.aws/instance-network-bandwidth` label (validation keeps it 1 or more).
    pub fn min_network_mbps(&self) -> Option<u64> {
        self.min_network_gbps
            .filter(|g| g.is_finite() && *g > 0.0)
            .map(|g| (g * 1000.0).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::KubernetesVersion;

    #[test]
    fn kubernetes_version_parts_are_plain_digits() {
        let parts = |s: &str| KubernetesVersion(s.to_string()).parts();
        assert_eq!(parts("1.34"), Some((1, 34)));
        assert_eq!(parts("1.0"), Some((1, 0)));
        for bad in [
            "+1.+34", "01.34", "1.034", "1.34 ", " 1.34", "1.-3", "1.", ".34", "1.3e1", "1.٣٤",
        ] {
            assert_eq!(parts(bad), None, "{bad:?}");
        }
    }
}
