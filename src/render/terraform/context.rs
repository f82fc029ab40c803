//! The Terraform templates' view of the plan.
//!
//! Layout only: which module input names a terraform-aws-eks major version uses, maps turned
//! into ordered lists, a group's availability zones turned into positions in the VPC module's
//! subnet lists, plan strings spelled the way an API or a config format wants them (EKS
//! capacity types, kubelet flags; TOML and shell quoting come from [`crate::render::escape`]).
//! No number is derived and nothing is decided here: every value comes from a plan field, and
//! what differs by module version is only where a value goes.

use serde::Serialize;

use crate::plan::{
    AmiFamily, CapacityType, ClusterAdminsPlan, EksModule, EndpointPlan, HelmComponent,
    HelmInstall, IdReference, ImagePullApplied, KarpenterAwsResources, KarpenterVersionPlan,
    MaxPodsPath, NatGateway, NodeGroupPlan, Plan, RegistryCopy, SelectorTerm, SubnetPlan,
    SubnetRole, TaintPlan, TerraformLayout, VpcEndpointType,
};
use crate::render::escape::{hcl_string, shell_word, toml_string};
use crate::render::kubernetes;
use crate::render::nodeadm::NodeConfig;

/// terraform-aws-modules versions the output pins, per terraform-aws-eks major version.
pub const EKS_MODULE_V21: &str = "21.19.0";
pub const EKS_MODULE_V20: &str = "20.37.2";
pub const VPC_MODULE_V6: &str = "6.6.0";
/// terraform-aws-vpc 6.x requires AWS provider 6.x, which terraform-aws-eks 20.37.x refuses
/// (`< 6.0.0`), so v20 output pins the last 5.x VPC module.
pub const VPC_MODULE_V5: &str = "5.21.0";

/// How long terraform-aws-eks waits after the cluster is active before it creates node
/// groups (module default 30s). The before_compute add-ons are created from the same moment,
/// so this only gives them a head start; the template's comment says why this length.
pub const DATAPLANE_WAIT: &str = "90s";
/// Everything the `.tf` templates read.
#[derive(Debug, Serialize)]
pub struct Root<'a> {
    pub cluster: &'a str,
    pub region: &'a str,
    pub kubernetes_version: &'a str,
    pub v20: bool,
    /// Child-module layout: no provider block, `variables.tf`, a usage example.
    pub module_layout: bool,
    pub versions: Versions,
    /// Root input names of the selected terraform-aws-eks major version.
    pub inputs: Inputs,
    pub endpoint: &'a EndpointPlan,
    /// Access entries and KMS key administrators (plan `clusterAdmins`).
    pub cluster_admins: &'a ClusterAdminsPlan,
    pub tags: Vec<Kv>,
    pub karpenter: bool,
    /// eksgen creates Karpenter's AWS side (`module "karpenter"` and its outputs).
    pub karpenter_module: bool,
    /// v20 `karpenter.tf` of an existing cluster declares `data "aws_partition"` itself
    /// (`iam.tf`, which otherwise does, is not rendered).
    pub karpenter_partition_data: bool,
    /// Node IAM role of Karpenter nodes, the exact name the EC2NodeClasses use.
    pub karpenter_node_role: String,
    /// Oldest Karpenter release the NodePools and EC2NodeClasses need (plan
    /// `autoscaling.karpenterMinVersion`), for the `karpenter.tf` comment.
    pub karpenter_min_version: Option<&'a KarpenterVersionPlan>,
    /// Cluster placement groups the EFA Karpenter groups' EC2NodeClasses select by name.
    pub karpenter_placement_groups: Vec<PlacementGroup>,
    /// v21: all-traffic self rules on the node security group for EFA Karpenter nodes (which
    /// use that security group, found by the discovery tag).
    pub karpenter_efa_rules: bool,
    /// Tag key (value: the cluster) by which EC2NodeClasses find node subnets and the node
    /// security group.
    pub discovery_tag: &'static str,
    /// terraform-aws-eks `dataplane_wait_duration` ([`DATAPLANE_WAIT`]).
    pub dataplane_wait_duration: &'static str,
    pub vpc: Vpc<'a>,
    /// How the cluster, node groups and outputs reference the VPC and its subnets: the VPC
    /// module's outputs, or an existing VPC's ids and the subnets eksgen adds to it.
    pub net: Net,
    /// How outputs reference the cluster: the eks module, or the existing cluster.
    pub cluster_ref: ClusterRef,
    /// Node groups for a cluster eksgen did not create (`node_groups.tf`).
    pub existing_cluster: Option<ExistingCluster>,
    pub cni_env: Vec<Kv>,
    /// `NAME=value (source): reason` for each CNI setting, for comments.
    pub cni_reasons: Vec<String>,
    pub cni_mode_reason: &'a str,
    pub managed: Vec<Group>,
    pub self_managed: Vec<Group>,
    /// One `aws_ssm_parameter` data source per group that takes its AMI by id.
    pub amis: Vec<Ami>,
    /// The pinned `addon_version` of each add-on (plan `addonVersions`); none for an existing
    /// cluster, whose add-ons are not rendered.
    pub addons: Option<AddonVersions>,
    /// Cluster-autoscaler tags for managed node groups' Auto Scaling groups.
    pub asg_tags: Vec<AsgTag>,
    /// v20 only: the root `enable_efa_support` adds the EFA self rules to the shared node
    /// security group (v21 node groups get their own security group instead).
    pub efa_node_rules: bool,
    /// Controller roles of `iam.tf` (plan `workloadRoles`); none for an existing cluster.
    pub iam: Option<Iam>,
    /// vpc-cni has its own role in the plan, so node roles drop the CNI policy.
    pub has_cni_role: bool,
    /// `endpoints.tf` (plan `network.vpcEndpoints`).
    pub vpc_endpoints: Vec<VpcEndpoint>,
    pub interface_endpoints: bool,
    /// The aws-ebs-csi-driver add-on (zonalStateful groups); its role is in `iam`.
    pub ebs_csi: Option<&'a crate::plan::EbsCsiDriverPlan>,
    /// vpc-cni `enableNetworkPolicy` (network.networkPolicy).
    pub network_policy: Option<&'a crate::plan::NetworkPolicyPlan>,
    /// `helm.tf`: charts installed by Terraform (plan `helm.install` = `terraform`).
    pub helm: Option<HelmTf>,
    /// `registry.tf`: the rule that copies an ECR registry's images into the cluster's
    /// region (plan `registry.inRegionCopy`).
    pub registry_copy: Option<RegistryCopyCtx>,
    /// A pull-through cache rule: node roles get the policy its first pulls need.
    pub pull_through_cache: bool,
    /// v20 (AWS provider 5.x) with replication: the replication configuration is managed
    /// through a provider aliased `aws.registry` in the registry's region (provider 6.x
    /// takes a resource-level `region` instead).
    pub registry_provider_alias: Option<String>,
}

/// `helm.tf` and the Helm provider it needs.
#[derive(Debug, Serialize)]
pub struct HelmTf {
    pub reason: String,
    /// Kubernetes API endpoint, CA and cluster name expressions for the provider.
    pub host: String,
    pub certificate_authority: String,
    pub cluster_name: String,
    pub releases: Vec<HelmReleaseTf>,
}

/// One `helm_release`.
#[derive(Debug, Serialize)]
pub struct HelmReleaseTf {
    /// Terraform resource name.
    pub resource: String,
    pub release: String,
    pub repository: String,
    pub chart: String,
    pub version: String,
    pub version_reason: String,
    pub namespace: String,
    /// HCL expressions, each one YAML document of values (files first).
    pub values: Vec<String>,
    /// Why it waits for what it depends on.
    pub depends_reason: String,
    /// HCL references in `depends_on`.
    pub depends_on: Vec<String>,
    /// The CRDs come from their own release.
    pub skip_crds: bool,
}

/// Helm provider constraint: 3.x configures the cluster with `kubernetes = { … }` and
/// `exec = { … }` attributes (2.x used blocks), as terraform-aws-eks v21's own examples do.
pub const HELM_PROVIDER: &str = ">= 3.0, < 4.0";

/// Terraform resource name of a release: its name with `-` as `_`.
pub fn helm_resource_name(release: &crate::plan::HelmReleasePlan) -> String {
    release.release.replace('-', "_")
}

/// The copy rule of `registry.tf`.
#[derive(Debug, Serialize)]
pub struct RegistryCopyCtx {
    pub replication: bool,
    pub source_region: String,
    pub destination_region: String,
    pub repository_prefix: Option<String>,
    /// The plan's reason, wrapped into comment lines.
    pub reason_lines: Vec<String>,
}

/// One VPC endpoint of `endpoints.tf`.
#[derive(Debug, Serialize)]
pub struct VpcEndpoint {
    /// Resource name: the service with dots as underscores.
    pub id: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service_name: String,
    pub interface: bool,
    pub reason: String,
}

/// Role names `iam.tf` creates, from the plan's workload roles.
#[derive(Debug, Serialize)]
pub struct Iam {
    pub vpc_cni_role: String,
    pub cluster_autoscaler_role: Option<String>,
    /// The EBS CSI driver controller's role (zonalStateful groups).
    pub ebs_csi_role: Option<String>,
    /// `aws:ResourceTag/<CA cluster tag>`: the Auto Scaling groups cluster-autoscaler may resize.
    pub cluster_autoscaler_tag_condition: String,
}

#[derive(Debug, Serialize)]
pub struct PlacementGroup {
    /// Terraform resource name.
    pub resource: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Versions {
    pub terraform: &'static str,
    pub aws_provider: &'static str,
    /// Used only with `helm.tf`.
    pub helm_provider: &'static str,
    pub eks_module: &'static str,
    pub vpc_module: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Inputs {
    pub name: &'static str,
    pub version: &'static str,
    pub addons: &'static str,
    pub endpoint_public_access: &'static str,
    pub endpoint_private_access: &'static str,
    pub endpoint_public_access_cidrs: &'static str,
    pub security_group_additional_rules: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Kv {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Vpc<'a> {
    pub cidr: String,
    pub secondary_cidrs: Vec<String>,
    pub secondary_cidrs_reason: &'a str,
    pub azs: &'a [String],
    pub private: Vec<Subnet<'a>>,
    pub public: Vec<Subnet<'a>>,
    /// Pod subnets (custom networking), placed as the VPC module's `intra_subnets`.
    pub pod: Vec<Subnet<'a>>,
    pub single_nat_gateway: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subnet<'a> {
    pub az: &'a str,
    pub cidr: String,
    /// Position in the VPC module's list output for this role.
    pub index: usize,
    pub reason: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Ami {
    pub name: String,
    pub parameter: String,
}

/// The pinned version of each add-on eksgen installs.
#[derive(Debug, Serialize)]
pub struct AddonVersions {
    pub vpc_cni: String,
    pub kube_proxy: String,
    pub eks_pod_identity_agent: String,
    /// Present when the plan installs the EBS CSI driver add-on (`ebsCsiDriver`).
    pub aws_ebs_csi_driver: Option<String>,
    pub coredns: String,
}

#[derive(Debug, Serialize)]
pub struct AsgTag {
    /// `for_each` key: `<group>/<tag key>`.
    pub id: String,
    /// Existing cluster: the group's Auto Scaling group name from its sub-module.
    pub asg: Option<String>,
    pub group: String,
    pub key: String,
    pub value: String,
}

/// HCL expressions for the cluster's name, endpoint, CA and node security groups.
#[derive(Debug, Serialize)]
pub struct ClusterRef {
    pub name: String,
    pub endpoint: String,
    pub certificate_authority: String,
    /// One expression (the eks module's node security group) or the stated list.
    pub node_security_groups: Vec<String>,
}

/// `node_groups.tf`: standalone sub-module calls against an existing cluster.
#[derive(Debug, Serialize)]
pub struct ExistingCluster {
    /// The data source the sub-modules read the cluster's details from.
    pub data: &'static str,
    /// Expected cluster-wide settings, for comments.
    pub expected: Vec<String>,
}

/// HCL expressions for the VPC and subnets (`module.vpc.vpc_id`, `var.vpc_id`,
/// `"subnet-0…"`, `aws_subnet.pods["us-west-2a"].id`).
#[derive(Debug, Serialize)]
pub struct Net {
    pub vpc_id: String,
    /// The cluster's `subnet_ids`: one expression for the whole list (new VPC) ...
    pub control_plane_list: Option<String>,
    /// ... or one per zone (existing VPC).
    pub control_plane_subnets: Vec<String>,
    /// Node subnet by zone, in cluster zone order.
    pub node_subnets: Vec<ZoneRef>,
    /// Pod subnet by zone (custom networking): each zone's ENIConfig `spec.subnet`.
    pub pod_subnets: Vec<ZoneRef>,
    pub existing: Option<ExistingVpc>,
}

#[derive(Debug, Serialize)]
pub struct ZoneRef {
    pub az: String,
    pub expr: String,
}

/// What `network.tf` (existing VPC) declares.
#[derive(Debug, Serialize)]
pub struct ExistingVpc {
    pub id: String,
    pub cidr_blocks: Vec<String>,
    /// `variables.tf` inputs (ids as variables), defaults already HCL-quoted.
    pub variables: Vec<Variable>,
    /// Secondary blocks eksgen associates with the VPC.
    pub associations: Vec<String>,
    pub associations_reason: String,
    /// `nodes` or `pods`: the `aws_subnet` resource name of the new subnets.
    pub new_subnet_kind: &'static str,
    pub new_subnets: Vec<NewSubnet>,
    /// Zone → route table expression, for the new subnets' associations.
    pub route_tables: Vec<Kv>,
    /// Tags of the new node subnets that Karpenter's subnetSelectorTerms select (plan
    /// `autoscaling.karpenterNodeClass.subnetSelector`); empty without Karpenter.
    pub karpenter_subnet_tags: Vec<Kv>,
    /// Existing subnets eksgen references (comment lines).
    pub referenced: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NewSubnet {
    pub az: String,
    pub cidr: String,
    /// The associated block the subnet lies in (the subnet waits for its association).
    pub block: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Variable {
    pub name: &'static str,
    pub description: &'static str,
    pub type_: &'static str,
    /// Single-line HCL value (`"vpc-…"`), or entries of a map (`"us-west-2a" = "subnet-…"`).
    pub default: Option<String>,
    pub default_map: Vec<Kv>,
}

/// One managed or self-managed node group, as the module's map entry lays it out.
#[derive(Debug, Serialize)]
pub struct Group {
    pub name: String,
    /// Plan reasons, one comment line each.
    pub notes: Vec<String>,
    pub instance_types: Vec<String>,
    pub instance_type: String,
    pub ami_type: String,
    /// Data source name when the group takes its AMI by id (module-owned bootstrap).
    pub ami_data: Option<String>,
    /// Managed groups on the custom-AMI path.
    pub enable_bootstrap_user_data: bool,
    /// Managed groups on the EKS AMI: the pinned `ami_release_version`.
    pub ami_release_version: Option<String>,
    /// The pinned AMI release and where it comes from, for the comment beside it.
    pub ami_release: String,
    pub ami_release_reason: String,
    /// EKS API spelling: `ON_DEMAND`, `SPOT`, `CAPACITY_BLOCK`.
    pub capacity_type: &'static str,
    /// Launch template market type (plan `instanceMarket`): `capacity-block`.
    pub market_type: Option<&'static str>,
    pub capacity_reservation_id: Option<String>,
    /// Self-managed groups over several instance types or on spot (plan
    /// `mixedInstancesPolicy`).
    pub mixed: Option<Mixed>,
    pub min: u32,
    pub desired: u32,
    pub max: u32,
    /// Positions of the group's zones in the VPC module's `private_subnets` output.
    pub subnet_indices: Vec<usize>,
    /// The node subnet expression of each of the group's zones.
    pub subnet_exprs: Vec<String>,
    /// Existing cluster: the sub-module call's name (`node_group_<name>`).
    pub module_name: String,
    pub efa: bool,
    /// EFA groups without a placement group (a capacity reservation places them): the
    /// interfaces listed one per network card instead of `enable_efa_support`, which would
    /// add the module's cluster placement group. Empty otherwise.
    pub efa_interfaces: Vec<EfaInterface>,
    /// v21 groups with listed EFA interfaces: the all-self rules on the group's own security
    /// group (v20 puts them on the shared node security group, see `efa_node_rules`).
    pub efa_self_rules: bool,
    /// v20 EFA groups: the zone the module picks subnets and the placement group in (plan
    /// `placementGroupZone`; v21 has no such input).
    pub placement_group_az: Option<String>,
    /// Managed groups: `labels` / `taints` inputs.
    pub labels: Vec<Kv>,
    pub taints: Vec<Taint>,
    pub volume: Volume,
    /// `metadata_options.http_put_response_hop_limit` (plan `instanceMetadata.hopLimit`).
    pub metadata_hop_limit: u32,
    pub metadata_hop_limit_reason: String,
    pub node_config: Option<NodeConfig>,
    /// `node_config` as the YAML document (set by the renderer, which has the YAML engine).
    pub node_config_yaml: Option<String>,
    pub bottlerocket: Option<Bottlerocket>,
    /// AL2 `bootstrap_extra_args` (one command-line string).
    pub al2_bootstrap_args: Option<String>,
    /// Self-managed groups: tags on the Auto Scaling group only.
    pub autoscaling_group_tags: Vec<Kv>,
}

/// One launch-template network interface of an EFA group placed by a capacity reservation.
#[derive(Debug, Serialize)]
pub struct EfaInterface {
    pub card: u32,
    /// 0 on card 0 (the primary interface), 1 elsewhere, as EC2 expects for EFA.
    pub device: u32,
    /// `efa` on card 0, `efa-only` (no IP address) on the other cards.
    pub interface_type: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Mixed {
    pub on_demand_base_capacity: u32,
    pub on_demand_percentage: u32,
    pub spot_allocation_strategy: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Taint {
    /// Map key in the module's `taints` map: `<key>:<effect>`.
    pub id: String,
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Debug, Serialize)]
pub struct Volume {
    pub device_name: String,
    /// Map key in `block_device_mappings`: the device name without `/dev/`.
    pub device_key: String,
    pub size_gib: u32,
    pub volume_type: String,
    pub iops: u32,
    pub throughput_mibps: u32,
    pub encrypted: bool,
    pub reason: String,
    /// Restored from this snapshot (plan `imageSnapshot`): encryption follows it.
    pub snapshot_id: Option<String>,
    pub initialization_rate_mibps: Option<u32>,
    pub snapshot_reason: Option<String>,
    /// Bottlerocket: the volume is the data volume, and the OS volume is the AMI's own (plan
    /// `osVolume` without `ebs`).
    pub ami_os_volume: bool,
}

/// Bottlerocket settings TOML passed in `bootstrap_extra_args`.
#[derive(Debug, Serialize)]
pub struct Bottlerocket {
    /// The module's own `[settings.kubernetes]` table comes first, so these keys continue
    /// it; otherwise (EKS-owned bootstrap) the TOML opens the table itself.
    pub module_owned: bool,
    pub max_pods: Option<u32>,
    /// `settings.kubernetes.kube-reserved` entries (the plan's `kubeletReserved.rendered`).
    pub kube_reserved: Vec<Kv>,
    pub registry_qps: Option<u32>,
    pub registry_burst: Option<u32>,
    /// Quoted TOML keys and values.
    pub labels: Vec<Kv>,
    /// `[settings.kubernetes.node-taints]`: quoted TOML key, and a TOML array of
    /// `"value:Effect"` strings (one key may carry several effects).
    pub taints: Vec<Kv>,
}

/// The plan cannot be laid out as Terraform (always an eksgen bug upstream).
#[derive(Debug)]
pub struct LayoutError(pub String);

/// Build the templates' context from the plan.
pub fn build(plan: &Plan) -> Result<Root<'_>, LayoutError> {
    let v20 = plan.eks_module == EksModule::V20;
    let azs = &plan.network.availability_zones;
    let private = subnets(plan, SubnetRole::Private)?;
    let public = if plan.network.existing_vpc.is_some() {
        // An existing VPC's public subnets are listed for checks only; nothing uses them.
        Vec::new()
    } else {
        subnets(plan, SubnetRole::Public)?
    };
    let pod = subnets(plan, SubnetRole::Pod)?;
    let net = net(plan)?;
    if plan.network.custom_networking && pod.is_empty() {
        return Err(LayoutError(
            "custom networking without pod subnets".to_string(),
        ));
    }

    let mut managed = Vec::new();
    let mut self_managed = Vec::new();
    let mut amis = Vec::new();
    let mut asg_tags = Vec::new();
    let mut karpenter_placement_groups = Vec::new();
    for (index, g) in plan.node_groups.iter().enumerate() {
        let kind = match g.max_pods_delivery.path {
            MaxPodsPath::Karpenter => {
                if let Some(name) = &g.placement_group_name {
                    karpenter_placement_groups.push(PlacementGroup {
                        resource: identifier("karpenter", &g.name, index),
                        name: name.clone(),
                    });
                }
                continue;
            }
            MaxPodsPath::EksAmi => Delivery::EksAmi,
            MaxPodsPath::CustomAmi => Delivery::CustomAmi,
            MaxPodsPath::SelfManaged => Delivery::SelfManaged,
        };
        let mut group = group(g, index, kind, azs, v20)?;
        group.subnet_exprs = group
            .subnet_indices
            .iter()
            .map(|i| net.node_subnets[*i].expr.clone())
            .collect();
        if let Some(name) = &group.ami_data {
            amis.push(Ami {
                name: name.clone(),
                parameter: g.ami.ssm_parameter.clone(),
            });
        }
        if kind == Delivery::SelfManaged {
            self_managed.push(group);
        } else {
            let asg = plan.existing_cluster.as_ref().map(|_| {
                format!(
                    "module.{}.node_group_autoscaling_group_names[0]",
                    group.module_name
                )
            });
            // Tags EKS sets itself are left to EKS (the plan says which).
            asg_tags.extend(
                g.autoscaler_tags
                    .iter()
                    .filter(|(k, _)| !g.autoscaler_tags_set_by_eks.contains(k))
                    .map(|(k, v)| AsgTag {
                        id: format!("{}/{k}", g.name),
                        asg: asg.clone(),
                        group: g.name.clone(),
                        key: k.clone(),
                        value: v.clone(),
                    }),
            );
            managed.push(group);
        }
    }
    let any_efa = plan.node_groups.iter().any(|g| g.efa);
    let registry_copy = plan
        .registry
        .as_ref()
        .and_then(|r| r.in_region_copy.as_ref());
    let karpenter_efa = plan
        .node_groups
        .iter()
        .any(|g| g.efa && g.max_pods_delivery.path == MaxPodsPath::Karpenter);

    Ok(Root {
        cluster: &plan.cluster,
        region: &plan.region,
        kubernetes_version: &plan.kubernetes_version,
        v20,
        module_layout: plan.terraform_layout == TerraformLayout::Module,
        versions: if v20 {
            Versions {
                terraform: ">= 1.5.7",
                aws_provider: "~> 5.95",
                helm_provider: HELM_PROVIDER,
                eks_module: EKS_MODULE_V20,
                vpc_module: VPC_MODULE_V5,
            }
        } else {
            Versions {
                terraform: ">= 1.5.7",
                aws_provider: ">= 6.28, < 7.0",
                helm_provider: HELM_PROVIDER,
                eks_module: EKS_MODULE_V21,
                vpc_module: VPC_MODULE_V6,
            }
        },
        inputs: if v20 {
            Inputs {
                name: "cluster_name",
                version: "cluster_version",
                addons: "cluster_addons",
                endpoint_public_access: "cluster_endpoint_public_access",
                endpoint_private_access: "cluster_endpoint_private_access",
                endpoint_public_access_cidrs: "cluster_endpoint_public_access_cidrs",
                security_group_additional_rules: "cluster_security_group_additional_rules",
            }
        } else {
            Inputs {
                name: "name",
                version: "kubernetes_version",
                addons: "addons",
                endpoint_public_access: "endpoint_public_access",
                endpoint_private_access: "endpoint_private_access",
                endpoint_public_access_cidrs: "endpoint_public_access_cidrs",
                security_group_additional_rules: "security_group_additional_rules",
            }
        },
        endpoint: &plan.endpoint,
        cluster_admins: &plan.cluster_admins,
        tags: kvs(plan.tags.iter()),
        karpenter: plan.autoscaling.karpenter,
        karpenter_module: plan.autoscaling.karpenter_aws_resources
            == Some(KarpenterAwsResources::Create),
        karpenter_partition_data: v20 && iam(plan).is_none(),
        karpenter_node_role: plan
            .autoscaling
            .karpenter_node_role
            .clone()
            .unwrap_or_default(),
        karpenter_min_version: plan.autoscaling.karpenter_min_version.as_ref(),
        karpenter_placement_groups,
        karpenter_efa_rules: !v20 && karpenter_efa,
        discovery_tag: kubernetes::DISCOVERY_TAG,
        dataplane_wait_duration: DATAPLANE_WAIT,
        vpc: Vpc {
            cidr: plan.network.vpc_cidr.to_string(),
            secondary_cidrs: plan
                .network
                .secondary_cidrs
                .iter()
                .map(ToString::to_string)
                .collect(),
            secondary_cidrs_reason: &plan.network.secondary_cidrs_reason,
            azs,
            private,
            public,
            pod,
            single_nat_gateway: plan.network.nat_gateway == NatGateway::Single,
        },
        net,
        cluster_ref: match &plan.existing_cluster {
            None => ClusterRef {
                name: "module.eks.cluster_name".to_string(),
                endpoint: "module.eks.cluster_endpoint".to_string(),
                certificate_authority: "module.eks.cluster_certificate_authority_data".to_string(),
                node_security_groups: vec!["module.eks.node_security_group_id".to_string()],
            },
            Some(c) => ClusterRef {
                name: format!("{EXISTING_CLUSTER_DATA}.name"),
                endpoint: format!("{EXISTING_CLUSTER_DATA}.endpoint"),
                certificate_authority: format!(
                    "{EXISTING_CLUSTER_DATA}.certificate_authority[0].data"
                ),
                node_security_groups: c
                    .node_security_group_ids
                    .iter()
                    .map(|s| hcl_string(s))
                    .collect(),
            },
        },
        existing_cluster: plan.existing_cluster.as_ref().map(|c| ExistingCluster {
            data: EXISTING_CLUSTER_DATA,
            expected: c
                .expected_cni_env
                .iter()
                .map(|(k, v)| format!("vpc-cni {k}={v}"))
                .chain(c.expected_addons.iter().map(|a| format!("add-on {a}")))
                .chain((!c.expected_authentication_modes.is_empty()).then(|| {
                    format!(
                        "authentication mode {} (access entries)",
                        c.expected_authentication_modes
                            .iter()
                            .map(|m| m.as_str())
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )
                }))
                .collect(),
        }),
        cni_env: kvs(plan.network.cni.env.iter()),
        cni_reasons: plan
            .network
            .cni
            .settings
            .iter()
            .map(|s| format!("{}={} ({}): {}", s.name, s.value, s.source, s.reason))
            .collect(),
        cni_mode_reason: &plan.network.cni.mode_reason,
        managed,
        self_managed,
        amis,
        addons: addon_versions(plan)?,
        asg_tags,
        efa_node_rules: v20 && any_efa,
        iam: iam(plan),
        has_cni_role: iam(plan).is_some(),
        vpc_endpoints: plan
            .network
            .vpc_endpoints
            .iter()
            .map(|e| VpcEndpoint {
                id: e.service.replace('.', "_"),
                service_name: format!("com.amazonaws.{}.{}", plan.region, e.service),
                interface: e.endpoint_type == VpcEndpointType::Interface,
                reason: e.reason.clone(),
            })
            .collect(),
        interface_endpoints: plan
            .network
            .vpc_endpoints
            .iter()
            .any(|e| e.endpoint_type == VpcEndpointType::Interface),
        ebs_csi: plan.ebs_csi_driver.as_ref(),
        network_policy: plan.network.network_policy.as_ref(),
        helm: helm_tf(plan)?,
        registry_copy: registry_copy.as_ref().map(|c| RegistryCopyCtx {
            replication: c.method == RegistryCopy::Replication,
            source_region: c.source_region.clone(),
            destination_region: c.destination_region.clone(),
            repository_prefix: c.repository_prefix.clone(),
            reason_lines: crate::report::text::wrap(&format!("{}.", c.reason), 0, 94),
        }),
        pull_through_cache: registry_copy
            .is_some_and(|c| c.method == RegistryCopy::PullThroughCache),
        registry_provider_alias: registry_copy
            .filter(|c| v20 && c.method == RegistryCopy::Replication)
            .map(|c| c.source_region.clone()),
    })
}

/// The tags every subnet Karpenter selects must carry: those of the plan's tag terms.
fn karpenter_subnet_tags(plan: &Plan) -> Vec<Kv> {
    let Some(node_class) = &plan.autoscaling.karpenter_node_class else {
        return Vec::new();
    };
    let tags: std::collections::BTreeMap<&String, &String> = node_class
        .subnet_selector
        .iter()
        .filter_map(|t| match t {
            SelectorTerm::Tags(tags) => Some(tags.iter()),
            SelectorTerm::Id(_) => None,
        })
        .flatten()
        .collect();
    kvs(tags.into_iter())
}

/// The `helm_release` resources of `helm.install: terraform`, in the plan's order.
fn helm_tf(plan: &Plan) -> Result<Option<HelmTf>, LayoutError> {
    if plan.helm.install != HelmInstall::Terraform || plan.helm.releases.is_empty() {
        return Ok(None);
    }
    if plan.existing_cluster.is_some() {
        return Err(LayoutError(
            "helm.install terraform with an existing cluster (validation refuses it)".to_string(),
        ));
    }
    let output_expr = |output: &str| match output {
        "cluster_endpoint" => Ok("module.eks.cluster_endpoint".to_string()),
        other => Err(LayoutError(format!(
            "chart value from Terraform output `{other}`, which helm.tf cannot reference"
        ))),
    };
    let ca_association = plan.workload_roles.iter().any(|r| {
        r.service_account == crate::resolve::autoscalers::CLUSTER_AUTOSCALER_SERVICE_ACCOUNT
    });
    let mut releases = Vec::new();
    for r in &plan.helm.releases {
        let mut values: Vec<String> = r
            .values_file
            .iter()
            .map(|f| format!("file(\"${{path.module}}/{f}\")"))
            .collect();
        if !r.values_from_terraform.is_empty() {
            let mut entries = Vec::new();
            for v in &r.values_from_terraform {
                let mut expr = output_expr(&v.output)?;
                for key in v.key.rsplit('.') {
                    expr = format!("{{ {key} = {expr} }}");
                }
                entries.push(expr);
            }
            for e in entries {
                values.push(format!("yamlencode({e})"));
            }
        }
        let (depends_on, depends_reason) = match r.component {
            HelmComponent::ClusterAutoscaler => {
                let mut d = vec!["module.eks".to_string()];
                if ca_association {
                    d.push("aws_eks_pod_identity_association.cluster_autoscaler".to_string());
                }
                (
                    d,
                    "after the node groups (the controller needs a node) and the Pod Identity \
                     association, which EKS reads when the pod starts: a pod started before it \
                     has no AWS credentials until restarted",
                )
            }
            HelmComponent::KarpenterCrd => (
                vec!["module.eks".to_string()],
                "after the cluster and its node groups",
            ),
            HelmComponent::Karpenter => (
                vec![
                    "helm_release.karpenter_crd".to_string(),
                    "module.karpenter".to_string(),
                ],
                "after its CRDs and the karpenter module (the controller's Pod Identity \
                 association and interruption queue)",
            ),
            HelmComponent::NvidiaDevicePlugin
            | HelmComponent::NeuronDevicePlugin
            | HelmComponent::EfaDevicePlugin => (
                vec!["module.eks".to_string()],
                "after the cluster and its node groups",
            ),
        };
        releases.push(HelmReleaseTf {
            resource: helm_resource_name(r),
            release: r.release.clone(),
            repository: r.repository.clone(),
            chart: r.chart.clone(),
            version: r.version.clone(),
            version_reason: r.version_reason.clone(),
            namespace: r.namespace.clone(),
            values,
            depends_reason: depends_reason.to_string(),
            depends_on,
            skip_crds: r.component == HelmComponent::Karpenter,
        });
    }
    Ok(Some(HelmTf {
        reason: plan.helm.install_reason.clone(),
        host: "module.eks.cluster_endpoint".to_string(),
        certificate_authority: "module.eks.cluster_certificate_authority_data".to_string(),
        cluster_name: "module.eks.cluster_name".to_string(),
        releases,
    }))
}

/// The data source an existing cluster's details come from.
pub const EXISTING_CLUSTER_DATA: &str = "data.aws_eks_cluster.this";

/// Variable names of the existing-VPC ids (`ids: variables`).
pub const VAR_VPC_ID: &str = "vpc_id";
pub const VAR_SUBNET_IDS: &str = "private_subnet_ids";
pub const VAR_ROUTE_TABLE_IDS: &str = "route_table_ids";

fn net(plan: &Plan) -> Result<Net, LayoutError> {
    let zones = &plan.network.availability_zones;
    let Some(existing) = &plan.network.existing_vpc else {
        let by_index = |list: &str| {
            zones
                .iter()
                .enumerate()
                .map(|(i, az)| ZoneRef {
                    az: az.clone(),
                    expr: format!("module.vpc.{list}[{i}]"),
                })
                .collect::<Vec<_>>()
        };
        return Ok(Net {
            vpc_id: "module.vpc.vpc_id".to_string(),
            control_plane_list: Some("module.vpc.private_subnets".to_string()),
            control_plane_subnets: Vec::new(),
            node_subnets: by_index("private_subnets"),
            pod_subnets: if plan.network.custom_networking {
                by_index("intra_subnets")
            } else {
                Vec::new()
            },
            existing: None,
        });
    };
    let variables = existing.ids == IdReference::Variables;
    let kind = if existing.nodes_in_new_subnets {
        "nodes"
    } else {
        "pods"
    };
    let zone_subnet = |role: SubnetRole, az: &str| {
        plan.subnets(role)
            .find(|s| s.az == az)
            .ok_or_else(|| LayoutError(format!("no {} subnet in {az}", role.as_str())))
    };
    let existing_expr = |s: &SubnetPlan| -> Result<String, LayoutError> {
        let id =
            s.id.as_deref()
                .ok_or_else(|| LayoutError(format!("subnet {} has no id", s.name)))?;
        Ok(if variables {
            format!("var.{VAR_SUBNET_IDS}[{}]", hcl_string(&s.az))
        } else {
            hcl_string(id)
        })
    };
    let new_expr = |az: &str| format!("aws_subnet.{kind}[{}].id", hcl_string(az));
    let control_role = if existing.nodes_in_new_subnets {
        SubnetRole::ControlPlane
    } else {
        SubnetRole::Private
    };
    let mut control_plane_subnets = Vec::new();
    let mut node_subnets = Vec::new();
    let mut pod_subnets = Vec::new();
    let mut new_subnets = Vec::new();
    let mut route_tables = Vec::new();
    let mut referenced = Vec::new();
    let mut subnet_defaults = Vec::new();
    let mut route_defaults = Vec::new();
    for az in zones {
        let cp = zone_subnet(control_role, az)?;
        control_plane_subnets.push(existing_expr(cp)?);
        referenced.push(format!(
            "{}: {} ({}), {}",
            az,
            cp.id.as_deref().unwrap_or_default(),
            cp.cidr,
            cp.reason
        ));
        subnet_defaults.push(Kv {
            key: hcl_string(az),
            value: hcl_string(cp.id.as_deref().unwrap_or_default()),
        });
        let new_role = if existing.nodes_in_new_subnets {
            node_subnets.push(ZoneRef {
                az: az.clone(),
                expr: new_expr(az),
            });
            Some(SubnetRole::Private)
        } else {
            node_subnets.push(ZoneRef {
                az: az.clone(),
                expr: existing_expr(cp)?,
            });
            if plan.network.custom_networking {
                pod_subnets.push(ZoneRef {
                    az: az.clone(),
                    expr: new_expr(az),
                });
                Some(SubnetRole::Pod)
            } else {
                None
            }
        };
        if let Some(role) = new_role {
            let s = zone_subnet(role, az)?;
            let block = plan
                .network
                .secondary_cidrs
                .iter()
                .find(|b| b.contains(s.cidr))
                .ok_or_else(|| {
                    LayoutError(format!("new subnet {} is in no secondary block", s.cidr))
                })?;
            new_subnets.push(NewSubnet {
                az: az.clone(),
                cidr: s.cidr.to_string(),
                block: block.to_string(),
                reason: s.reason.clone(),
            });
            if let Some(rtb) = &s.route_table_id {
                route_tables.push(Kv {
                    key: hcl_string(az),
                    value: if variables {
                        format!("var.{VAR_ROUTE_TABLE_IDS}[{}]", hcl_string(az))
                    } else {
                        hcl_string(rtb)
                    },
                });
                route_defaults.push(Kv {
                    key: hcl_string(az),
                    value: hcl_string(rtb),
                });
            }
        }
    }
    let mut vars = Vec::new();
    if variables {
        vars.push(Variable {
            name: VAR_VPC_ID,
            description: "Id of the existing VPC (spec.network.existingVpc.id).",
            type_: "string",
            default: Some(hcl_string(&existing.id)),
            default_map: Vec::new(),
        });
        vars.push(Variable {
            name: VAR_SUBNET_IDS,
            description: "Existing private subnet id by zone: the control plane's subnets, and the nodes' unless they move to new subnets.",
            type_: "map(string)",
            default: None,
            default_map: subnet_defaults,
        });
        if !route_defaults.is_empty() {
            vars.push(Variable {
                name: VAR_ROUTE_TABLE_IDS,
                description: "Route table by zone for the subnets eksgen adds.",
                type_: "map(string)",
                default: None,
                default_map: route_defaults,
            });
        }
    }
    Ok(Net {
        vpc_id: if variables {
            format!("var.{VAR_VPC_ID}")
        } else {
            hcl_string(&existing.id)
        },
        control_plane_list: None,
        control_plane_subnets,
        node_subnets,
        pod_subnets,
        existing: Some(ExistingVpc {
            id: existing.id.clone(),
            cidr_blocks: existing
                .cidr_blocks
                .iter()
                .map(ToString::to_string)
                .collect(),
            variables: vars,
            associations: plan
                .network
                .secondary_cidrs
                .iter()
                .map(ToString::to_string)
                .collect(),
            associations_reason: plan.network.secondary_cidrs_reason.clone(),
            new_subnet_kind: kind,
            new_subnets,
            route_tables,
            karpenter_subnet_tags: if existing.nodes_in_new_subnets {
                karpenter_subnet_tags(plan)
            } else {
                Vec::new()
            },
            referenced,
        }),
    })
}

/// The plan's add-on versions; a cluster eksgen creates without one is not rendered (the
/// add-on would take whatever EKS has newest on each apply).
fn addon_versions(plan: &Plan) -> Result<Option<AddonVersions>, LayoutError> {
    if plan.existing_cluster.is_some() {
        return Ok(None);
    }
    let get = |name: &str| {
        plan.addon_versions
            .get(name)
            .cloned()
            .ok_or_else(|| LayoutError(format!("the plan pins no version of the {name} add-on")))
    };
    Ok(Some(AddonVersions {
        vpc_cni: get("vpc-cni")?,
        kube_proxy: get("kube-proxy")?,
        eks_pod_identity_agent: get("eks-pod-identity-agent")?,
        coredns: get("coredns")?,
        aws_ebs_csi_driver: plan.addon_versions.get("aws-ebs-csi-driver").cloned(),
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    EksAmi,
    CustomAmi,
    SelfManaged,
}

/// The plan's subnets of one role, checked to be one per cluster zone in zone order: the VPC
/// module places the n-th CIDR of a list in the n-th zone of `azs`.
fn subnets(plan: &Plan, role: SubnetRole) -> Result<Vec<Subnet<'_>>, LayoutError> {
    let list: Vec<&SubnetPlan> = plan.subnets(role).collect();
    if list.is_empty() && role == SubnetRole::Pod {
        return Ok(Vec::new());
    }
    let zones: Vec<&str> = list.iter().map(|s| s.az.as_str()).collect();
    let want: Vec<&str> = plan
        .network
        .availability_zones
        .iter()
        .map(String::as_str)
        .collect();
    if zones != want {
        return Err(LayoutError(format!(
            "{} subnets are in zones {zones:?}, but the VPC module needs one per zone in the order {want:?}",
            role.as_str()
        )));
    }
    Ok(list
        .into_iter()
        .enumerate()
        .map(|(index, s)| Subnet {
            az: &s.az,
            cidr: s.cidr.to_string(),
            index,
            reason: &s.reason,
        })
        .collect())
}

fn group(
    g: &NodeGroupPlan,
    index: usize,
    kind: Delivery,
    azs: &[String],
    v20: bool,
) -> Result<Group, LayoutError> {
    let fail = |m: String| LayoutError(format!("node group {}: {m}", g.name));
    let subnet_indices = g
        .availability_zones
        .iter()
        .map(|az| {
            azs.iter()
                .position(|a| a == az)
                .ok_or_else(|| fail(format!("zone {az} is not a cluster zone")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let instance_type = g
        .instance_types
        .first()
        .cloned()
        .ok_or_else(|| fail("no instance types".to_string()))?;
    let capacity_type = match g.capacity_type {
        CapacityType::OnDemand => "ON_DEMAND",
        CapacityType::Spot => "SPOT",
        CapacityType::CapacityBlock => "CAPACITY_BLOCK",
    };
    let self_managed = kind == Delivery::SelfManaged;
    let mixed = g.mixed_instances_policy.as_ref().map(|m| Mixed {
        on_demand_base_capacity: m.on_demand_base_capacity,
        on_demand_percentage: m.on_demand_percentage_above_base_capacity,
        spot_allocation_strategy: m.spot_allocation_strategy.map(|s| s.as_str()),
    });
    let family = g.ami_family;
    let module_owned = kind != Delivery::EksAmi;
    let max_pods = module_owned.then_some(g.max_pods);
    // Self-managed groups have no labels / taints inputs, so both go to the kubelet. Managed
    // groups get labels and taints from EKS, but EKS applies taints only after the node has
    // joined: registering with them closes the window in which a GPU node scaled from zero
    // accepts pods that do not tolerate it.
    let labels_flag = if self_managed {
        node_labels_flag(g)
    } else {
        None
    };
    let taints_flag = taints_flag(&g.taints);
    let reserved = &g.kubelet_reserved;
    let kube_reserved = kvs(reserved.rendered.iter());

    let mut node_config = None;
    let mut bottlerocket = None;
    let mut al2_bootstrap_args = None;
    match family {
        AmiFamily::Al2023 => {
            let flags: Vec<String> = labels_flag.into_iter().chain(taints_flag).collect();
            let local_storage_raid0 = g.instance_store.as_ref().map(|s| s.reason.clone());
            if max_pods.is_some()
                || g.image_pull.is_some()
                || !flags.is_empty()
                || !kube_reserved.is_empty()
                || local_storage_raid0.is_some()
            {
                node_config = Some(NodeConfig {
                    max_pods,
                    kube_reserved: reserved.rendered.clone(),
                    image_pull: g.image_pull.clone(),
                    flags,
                    local_storage_raid0,
                });
            }
        }
        AmiFamily::Bottlerocket => {
            let settings = Bottlerocket {
                module_owned,
                max_pods,
                kube_reserved: kvs(reserved.rendered.iter()),
                registry_qps: g.image_pull.as_ref().map(|p| p.registry_pull_qps),
                registry_burst: g.image_pull.as_ref().map(|p| p.registry_burst),
                labels: if self_managed {
                    g.labels
                        .iter()
                        .map(|(k, v)| Kv {
                            key: toml_string(k),
                            value: toml_string(v),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                // Managed groups too: EKS applies their taints only after the node joined.
                taints: bottlerocket_taints(&g.taints),
            };
            if settings.max_pods.is_some()
                || settings.registry_qps.is_some()
                || !settings.taints.is_empty()
                || !settings.kube_reserved.is_empty()
            {
                bottlerocket = Some(settings);
            }
        }
        AmiFamily::Al2 => {
            // EKS-owned bootstrap ignores bootstrap_extra_args on AL2, so only module-owned
            // bootstrap gets them.
            if let Some(max_pods) = max_pods {
                let mut kubelet = vec![format!("--max-pods={max_pods}")];
                if let Some(p) = &g.image_pull {
                    kubelet.push(format!("--registry-qps={}", p.registry_pull_qps));
                    kubelet.push(format!("--registry-burst={}", p.registry_burst));
                }
                if !reserved.rendered.is_empty() {
                    let pairs: Vec<String> = reserved
                        .rendered
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    kubelet.push(format!("--kube-reserved={}", pairs.join(",")));
                }
                kubelet.extend(labels_flag);
                kubelet.extend(taints_flag);
                al2_bootstrap_args = Some(format!(
                    "--use-max-pods false --kubelet-extra-args {}",
                    shell_word(&kubelet.join(" "))
                ));
            }
        }
    }

    let mut notes = vec![
        format!(
            "{}: {}",
            g.instance_types.join(", "),
            g.instance_types_reason
        ),
        format!("max pods {}: {}", g.max_pods, g.max_pods_reason),
        format!(
            "max pods reach the kubelet via {}: {}",
            g.max_pods_delivery.path, g.max_pods_delivery.reason
        ),
        format!("AMI {}: {}", g.ami.ami_type, g.ami.reason),
        format!("zones: {}", g.availability_zones_reason),
        format!(
            "kube-reserved memory {} MiB via {}: {}",
            reserved.memory_mib, reserved.setting, reserved.reason
        ),
        format!(
            "allocatable {}m CPU, {} MiB: {}",
            g.allocatable.cpu_millicores, g.allocatable.memory_mib, g.allocatable.reason
        ),
    ];
    if let Some(p) = &g.image_pull {
        notes.push(format!("image pulls: {}", p.reason));
        // What reaches the node (plan `imagePull.applied`); with everything applied, the
        // containerd config version is what is worth knowing.
        notes.push(if p.applied == ImagePullApplied::All {
            p.containerd_config_reason.clone()
        } else {
            p.applied_reason.clone()
        });
    }

    Ok(Group {
        name: g.name.clone(),
        notes,
        instance_types: g.instance_types.clone(),
        instance_type,
        ami_type: g.ami.ami_type.clone(),
        ami_data: module_owned.then(|| identifier("ami", &g.name, index)),
        enable_bootstrap_user_data: kind == Delivery::CustomAmi,
        ami_release_version: (kind == Delivery::EksAmi)
            .then(|| g.ami.release_version.clone())
            .flatten(),
        ami_release: g.ami.release.clone(),
        ami_release_reason: g.ami.release_reason.clone(),
        capacity_type,
        market_type: g.instance_market.as_ref().map(|m| m.market_type.as_str()),
        capacity_reservation_id: g.capacity_reservation_id.clone(),
        mixed,
        min: g.scaling.min,
        desired: g.scaling.desired,
        max: g.scaling.max,
        subnet_indices,
        subnet_exprs: Vec::new(),
        module_name: identifier("node_group", &g.name, index),
        efa: g.efa,
        efa_interfaces: g
            .network_interfaces
            .iter()
            .map(|n| EfaInterface {
                card: n.network_card_index,
                device: n.device_index,
                interface_type: n.interface_type.as_str(),
            })
            .collect(),
        efa_self_rules: !v20 && g.efa && !g.placement_group,
        placement_group_az: if v20 {
            g.placement_group_zone.clone()
        } else {
            None
        },
        labels: if self_managed {
            Vec::new()
        } else {
            kvs(g.labels.iter())
        },
        taints: if self_managed {
            Vec::new()
        } else {
            g.taints
                .iter()
                .map(|t| Taint {
                    id: format!("{}:{}", t.key, t.effect),
                    key: t.key.clone(),
                    // Empty is no value (`null`); see `kubernetes::TaintView`.
                    value: t.value.clone().filter(|v| !v.is_empty()),
                    effect: t.eks_effect.clone(),
                })
                .collect()
        },
        metadata_hop_limit: g.instance_metadata.hop_limit,
        metadata_hop_limit_reason: g.instance_metadata.reason.clone(),
        volume: Volume {
            device_name: g.root_volume.device_name.clone(),
            device_key: g
                .root_volume
                .device_name
                .trim_start_matches("/dev/")
                .to_string(),
            size_gib: g.root_volume.size_gib,
            volume_type: g.root_volume.volume_type.clone(),
            iops: g.root_volume.iops,
            throughput_mibps: g.root_volume.throughput_mibps,
            encrypted: g.root_volume.encrypted,
            reason: g.root_volume.reason.clone(),
            snapshot_id: g.image_snapshot.as_ref().map(|s| s.snapshot_id.clone()),
            initialization_rate_mibps: g
                .image_snapshot
                .as_ref()
                .map(|s| s.initialization_rate_mibps),
            snapshot_reason: g.image_snapshot.as_ref().map(|s| s.reason.clone()),
            ami_os_volume: g.os_volume.as_ref().is_some_and(|o| o.ebs.is_none()),
        },
        node_config,
        node_config_yaml: None,
        bottlerocket,
        al2_bootstrap_args,
        autoscaling_group_tags: if self_managed {
            kvs(g.autoscaler_tags.iter())
        } else {
            Vec::new()
        },
    })
}

fn iam(plan: &Plan) -> Option<Iam> {
    let role = |sa: &str| {
        plan.workload_roles
            .iter()
            .find(|r| r.service_account == sa)
            .map(|r| r.name.clone())
    };
    Some(Iam {
        vpc_cni_role: role("aws-node")?,
        cluster_autoscaler_role: role("cluster-autoscaler"),
        ebs_csi_role: role(crate::resolve::storage::EBS_CSI_SERVICE_ACCOUNT),
        cluster_autoscaler_tag_condition: format!(
            "aws:ResourceTag/k8s.io/cluster-autoscaler/{}",
            plan.cluster
        ),
    })
}

fn identifier(prefix: &str, group: &str, index: usize) -> String {
    if group.starts_with(|c: char| c.is_ascii_alphanumeric())
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        format!("{prefix}_{group}")
    } else {
        format!("{prefix}__{index}")
    }
}

fn kvs<'a>(map: impl Iterator<Item = (&'a String, &'a String)>) -> Vec<Kv> {
    map.map(|(k, v)| Kv {
        key: k.clone(),
        value: v.clone(),
    })
    .collect()
}

/// kubelet `--node-labels=k=v,...` (labels in plan order).
fn node_labels_flag(g: &NodeGroupPlan) -> Option<String> {
    (!g.labels.is_empty()).then(|| {
        let pairs: Vec<String> = g.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("--node-labels={}", pairs.join(","))
    })
}

/// kubelet `--register-with-taints=k=v:Effect,k:Effect`.
fn taints_flag(taints: &[TaintPlan]) -> Option<String> {
    (!taints.is_empty()).then(|| {
        let items: Vec<String> = taints
            .iter()
            .map(|t| match &t.value {
                Some(v) => format!("{}={v}:{}", t.key, t.effect),
                None => format!("{}:{}", t.key, t.effect),
            })
            .collect();
        format!("--register-with-taints={}", items.join(","))
    })
}

/// Bottlerocket `node-taints` entries: one per taint key (in plan order), each an array of
/// `value:Effect` (empty value: `:Effect`), since TOML forbids repeating a key.
fn bottlerocket_taints(taints: &[TaintPlan]) -> Vec<Kv> {
    let mut keys: Vec<&str> = Vec::new();
    for t in taints {
        if !keys.contains(&t.key.as_str()) {
            keys.push(&t.key);
        }
    }
    keys.into_iter()
        .map(|key| {
            let values: Vec<String> = taints
                .iter()
                .filter(|t| t.key == key)
                .map(|t| {
                    toml_string(&format!(
                        "{}:{}",
                        t.value.as_deref().unwrap_or(""),
                        t.effect
                    ))
                })
                .collect();
            Kv {
                key: toml_string(key),
                value: format!("[{}]", values.join(", ")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{TaintEffect, ValueSource};

    fn plan(extra_spec: &str) -> Plan {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: unit
spec:
  region: us-west-2
  kubernetesVersion: \"1.33\"
{extra_spec}  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b, us-west-2c]
  nodeGroups:
    - name: web
      instanceTypes: [m6i.large]
      availabilityZones: [us-west-2c, us-west-2a]
      scaling: {{ min: 1, desired: 1, max: 3 }}
      podsPerNode: 20
"
        );
        let catalog = crate::catalog::Catalog::embedded();
        let intent = crate::intent::parse_and_validate(&text, "unit.yaml", catalog).unwrap();
        crate::resolve::resolve(&intent, catalog).unwrap()
    }

    /// Bottlerocket loads `bootstrap_extra_args` as TOML after the module's own
    /// `[settings.kubernetes]` keys: two taints of one key (allowed in Kubernetes when the
    /// effects differ) must stay one TOML key, with both taints.
    #[test]
    fn bottlerocket_taints_of_one_key_stay_valid_toml() {
        let text = "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: unit
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
  nodeGroups:
    - { name: system, instanceTypes: [m6i.large], scaling: { min: 2, desired: 2, max: 3 } }
    - name: br
      provisioner: self-managed
      amiFamily: bottlerocket
      instanceTypes: [m6i.large]
      scaling: { min: 1, desired: 1, max: 3 }
      podsPerNode: 20
      taints:
        - { key: dedicated, value: batch, effect: NoSchedule }
        - { key: dedicated, value: batch, effect: NoExecute }
        - { key: example.com/other, effect: PreferNoSchedule }
";
        let catalog = crate::catalog::Catalog::embedded();
        let intent = crate::intent::parse_and_validate(text, "unit.yaml", catalog).unwrap();
        let plan = crate::resolve::resolve(&intent, catalog).unwrap();
        let files = crate::render::render(&plan, "unit.yaml").unwrap();
        let eks = files.values().find(|t| t.contains("node-taints")).unwrap();
        let start = eks.find("bootstrap_extra_args = <<-EOT\n").unwrap();
        let body = &eks[start..];
        let body = &body[body.find('\n').unwrap() + 1..];
        let body = &body[..body.find("EOT").unwrap()];
        let settings: String = body
            .lines()
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        let doc: toml::Table =
            format!("[settings.kubernetes]\ncluster-name = \"unit\"\n{settings}")
                .parse()
                .unwrap_or_else(|e| panic!("{e}\n{settings}"));
        let taints = &doc["settings"]["kubernetes"]["node-taints"];
        assert_eq!(
            taints["dedicated"],
            toml::Value::Array(vec!["batch:NoSchedule".into(), "batch:NoExecute".into()])
        );
        assert_eq!(
            taints["example.com/other"],
            toml::Value::Array(vec![":PreferNoSchedule".into()])
        );
    }

    #[test]
    fn module_versions_and_input_names_follow_the_major_version() {
        let p = plan("");
        let root = build(&p).unwrap();
        assert_eq!(root.versions.eks_module, EKS_MODULE_V21);
        assert_eq!(root.versions.vpc_module, VPC_MODULE_V6);
        assert_eq!(root.inputs.name, "name");
        let p = plan("  terraform:\n    eksModule: \"20\"\n");
        let root = build(&p).unwrap();
        assert_eq!(root.versions.eks_module, EKS_MODULE_V20);
        assert_eq!(root.versions.vpc_module, VPC_MODULE_V5);
        assert_eq!(root.versions.aws_provider, "~> 5.95");
        assert_eq!(root.inputs.addons, "cluster_addons");
    }

    /// The launch template lays out the plan's choices: flipping one in the plan flips the
    /// view, with no rule of render's in between (only v21's lack of `placement_group_az`).
    #[test]
    fn launch_choices_come_from_the_plan() {
        use crate::plan::{
            InstanceMarketPlan, InterfaceType, MarketType, MixedInstancesPlan,
            NetworkInterfacePlan, OsVolumePlan, SpotAllocationStrategy,
        };
        for v20 in [true, false] {
            let mut p = plan(if v20 {
                "  terraform:\n    eksModule: \"20\"\n"
            } else {
                ""
            });
            let g = &mut p.node_groups[0];
            assert!(g.mixed_instances_policy.is_none() && g.instance_market.is_none());
            g.mixed_instances_policy = Some(MixedInstancesPlan {
                on_demand_base_capacity: 1,
                on_demand_percentage_above_base_capacity: 37,
                spot_allocation_strategy: Some(SpotAllocationStrategy::PriceCapacityOptimized),
                reason: String::new(),
            });
            g.instance_market = Some(InstanceMarketPlan {
                market_type: MarketType::CapacityBlock,
                reason: String::new(),
            });
            g.placement_group_zone = Some("us-west-2c".to_string());
            g.network_interfaces = vec![NetworkInterfacePlan {
                network_card_index: 0,
                device_index: 0,
                interface_type: InterfaceType::Efa,
            }];
            g.root_volume.device_name = "/dev/xvdz".to_string();
            g.os_volume = Some(OsVolumePlan {
                device_name: "/dev/xvda".to_string(),
                ebs: None,
                reason: String::new(),
            });
            let root = build(&p).unwrap();
            let view = &root.managed[0];
            let mixed = view.mixed.as_ref().unwrap();
            assert_eq!(
                (
                    mixed.on_demand_base_capacity,
                    mixed.on_demand_percentage,
                    mixed.spot_allocation_strategy
                ),
                (1, 37, Some("price-capacity-optimized"))
            );
            assert_eq!(view.market_type, Some("capacity-block"));
            assert_eq!(
                view.placement_group_az.as_deref(),
                v20.then_some("us-west-2c")
            );
            assert_eq!(view.efa_interfaces[0].interface_type, "efa");
            assert_eq!(
                (
                    view.volume.device_name.as_str(),
                    view.volume.device_key.as_str()
                ),
                ("/dev/xvdz", "xvdz")
            );
            assert!(view.volume.ami_os_volume);
        }
    }

    #[test]
    fn group_zones_become_positions_in_the_private_subnet_list() {
        let p = plan("");
        let root = build(&p).unwrap();
        assert_eq!(root.managed[0].subnet_indices, vec![2, 0]);
    }

    #[test]
    fn subnets_out_of_zone_order_cannot_be_laid_out() {
        let mut p = plan("");
        let first = p
            .network
            .subnets
            .iter()
            .position(|s| s.role == SubnetRole::Private)
            .unwrap();
        p.network.subnets.swap(first, first + 1);
        let err = build(&p).unwrap_err();
        assert!(err.0.contains("one per zone"), "{}", err.0);
    }

    #[test]
    fn bottlerocket_taints_group_effects_of_one_key_into_an_array() {
        let t = |key: &str, value: Option<&str>, effect: TaintEffect| TaintPlan {
            key: key.into(),
            value: value.map(Into::into),
            effect,
            eks_effect: String::new(),
            source: ValueSource::Intent,
        };
        let got = bottlerocket_taints(&[
            t("dedicated", Some("batch"), TaintEffect::NoSchedule),
            t("nvidia.com/gpu", Some("true"), TaintEffect::NoSchedule),
            t("dedicated", Some("batch"), TaintEffect::NoExecute),
            t("spot", None, TaintEffect::PreferNoSchedule),
        ]);
        let lines: Vec<String> = got
            .iter()
            .map(|kv| format!("{} = {}", kv.key, kv.value))
            .collect();
        assert_eq!(
            lines,
            [
                r#""dedicated" = ["batch:NoSchedule", "batch:NoExecute"]"#,
                r#""nvidia.com/gpu" = ["true:NoSchedule"]"#,
                r#""spot" = [":PreferNoSchedule"]"#,
            ]
        );
    }

    #[test]
    fn taint_flags_spell_kubernetes_effects() {
        let t = |key: &str, value: Option<&str>, effect: TaintEffect| TaintPlan {
            key: key.into(),
            value: value.map(Into::into),
            effect,
            eks_effect: String::new(),
            source: ValueSource::Intent,
        };
        assert_eq!(
            taints_flag(&[
                t("nvidia.com/gpu", Some("true"), TaintEffect::NoSchedule),
                t("spot", None, TaintEffect::PreferNoSchedule)
            ])
            .as_deref(),
            Some("--register-with-taints=nvidia.com/gpu=true:NoSchedule,spot:PreferNoSchedule")
        );
        assert_eq!(taints_flag(&[]), None);
    }
}
