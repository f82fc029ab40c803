//! Karpenter's install as the EC2NodeClasses name it: who provides its AWS side, the node
//! identity (`role` or `instanceProfile`), and how subnets and security groups are found.
//!
//! A new cluster: eksgen creates the AWS side (`karpenter.tf`) and tags the node subnets and
//! the node security group with the discovery tag, which the EC2NodeClasses select. An
//! existing cluster (`existingCluster.karpenter`): the install the intent states, or the AWS
//! side eksgen creates against the cluster. eksgen modifies nothing it did not create, so
//! existing subnets are selected by id and the security groups the node groups join by id,
//! plus the cluster security group by the tag EKS itself keeps on it; subnets eksgen creates
//! carry the tag it selects. Tags the intent gives replace those defaults.

use std::collections::BTreeMap;

use crate::intent::{ExistingClusterSpec, ExistingKarpenterSpec, Intent, KarpenterRelease};
use crate::plan::{
    ExistingKarpenterPlan, KARPENTER_DISCOVERY_TAG, KARPENTER_NODE_ROLE_PREFIX,
    KarpenterAwsResources, KarpenterNodeClassPlan, KarpenterVersionPlan, NetworkPlan, SelectorTerm,
    SubnetRole,
};

/// Tag EKS puts (and puts back after every cluster update) on the cluster security group it
/// creates, with the cluster name as value. Only AWS can set `aws:` tags, so it selects that
/// one group.
pub const CLUSTER_SECURITY_GROUP_TAG: &str = "aws:eks:cluster-name";

/// The Karpenter fields of the plan's `autoscaling`.
pub(super) struct Install {
    pub aws_resources: KarpenterAwsResources,
    /// `autoscaling.karpenterNodeRole`.
    pub node_role: Option<String>,
    pub node_class: KarpenterNodeClassPlan,
}

/// The install, or `None` without `autoscaling.karpenter`.
pub(super) fn install(intent: &Intent, network: &NetworkPlan) -> Option<Install> {
    if !intent.spec.autoscaling.karpenter {
        return None;
    }
    let cluster = &intent.metadata.name;
    let default_role = format!("{KARPENTER_NODE_ROLE_PREFIX}{cluster}");
    let existing = intent.spec.existing_cluster.as_ref();
    let Some((stated, k)) = existing.and_then(|c| c.karpenter.as_ref().map(|k| (c, k))) else {
        return Some(new_cluster(cluster, default_role, network));
    };
    let node_class = KarpenterNodeClassPlan {
        role: None,
        instance_profile: None,
        identity_reason: String::new(),
        subnet_selector: Vec::new(),
        subnet_selector_reason: String::new(),
        security_group_selector: Vec::new(),
        security_group_selector_reason: String::new(),
    };
    let mut node_class = identity(k, default_role, node_class);
    (
        node_class.subnet_selector,
        node_class.subnet_selector_reason,
    ) = existing_subnets(k, cluster, network);
    (
        node_class.security_group_selector,
        node_class.security_group_selector_reason,
    ) = existing_security_groups(k, stated, cluster);
    Some(Install {
        aws_resources: k.aws_resources,
        node_role: node_class.role.clone(),
        node_class,
    })
}

fn discovery_tags(cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(KARPENTER_DISCOVERY_TAG.to_string(), cluster.to_string())])
}

fn tags_text(tags: &BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cluster eksgen creates: everything by the discovery tag Terraform puts on it.
fn new_cluster(cluster: &str, role: String, network: &NetworkPlan) -> Install {
    let tag = format!("{KARPENTER_DISCOVERY_TAG} = {cluster}");
    let untagged_existing = network
        .existing_vpc
        .as_ref()
        .is_some_and(|v| !v.nodes_in_new_subnets);
    let subnet_selector_reason = if untagged_existing {
        format!(
            "by the tag {tag}, which eksgen does not put on the existing private subnets (EKSG029)"
        )
    } else if network.existing_vpc.is_some() {
        format!("by the tag {tag}, which Terraform puts on the node subnets it creates")
    } else {
        format!("by the tag {tag}, which Terraform puts on the private (node) subnets")
    };
    Install {
        aws_resources: KarpenterAwsResources::Create,
        node_role: Some(role.clone()),
        node_class: KarpenterNodeClassPlan {
            role: Some(role),
            instance_profile: None,
            identity_reason: "node IAM role created by the terraform-aws-eks karpenter sub-module (node_iam_role_name, with node_iam_role_use_name_prefix = false)".to_string(),
            subnet_selector: vec![SelectorTerm::Tags(discovery_tags(cluster))],
            subnet_selector_reason,
            security_group_selector: vec![SelectorTerm::Tags(discovery_tags(cluster))],
            security_group_selector_reason: format!(
                "by the tag {tag}, which Terraform puts on the eks module's node security group"
            ),
        },
    }
}

fn identity(
    k: &ExistingKarpenterSpec,
    default_role: String,
    mut node_class: KarpenterNodeClassPlan,
) -> KarpenterNodeClassPlan {
    match (k.aws_resources, &k.node_role, &k.instance_profile) {
        (KarpenterAwsResources::Create, role, _) => {
            let named = role.is_some();
            node_class.role = Some(role.clone().unwrap_or(default_role));
            node_class.identity_reason = format!(
                "node IAM role created by the terraform-aws-eks karpenter sub-module in karpenter.tf under this name ({}), with its EKS access entry",
                if named {
                    "existingCluster.karpenter.nodeRole"
                } else {
                    "the Karpenter documentation's default"
                }
            );
        }
        (KarpenterAwsResources::Existing, Some(role), _) => {
            node_class.role = Some(role.clone());
            node_class.identity_reason = "the existing install's node IAM role (existingCluster.karpenter.nodeRole): Karpenter makes the instance profile; the role already has the EKS access entry (or aws-auth mapping) its nodes join with".to_string();
        }
        (KarpenterAwsResources::Existing, None, profile) => {
            node_class.instance_profile = profile.clone();
            node_class.identity_reason = "the existing install's instance profile (existingCluster.karpenter.instanceProfile), used as it is; its role already has the EKS access entry (or aws-auth mapping) its nodes join with".to_string();
        }
    }
    node_class
}

/// Node subnets of an existing cluster: the intent's tags, the tag on subnets eksgen creates,
/// or the existing private subnets by id.
fn existing_subnets(
    k: &ExistingKarpenterSpec,
    cluster: &str,
    network: &NetworkPlan,
) -> (Vec<SelectorTerm>, String) {
    let new_subnets = network
        .existing_vpc
        .as_ref()
        .is_some_and(|v| v.nodes_in_new_subnets);
    if !k.subnet_tags.is_empty() {
        let tags = tags_text(&k.subnet_tags);
        let reason = if new_subnets {
            format!(
                "by the tags {tags} (existingCluster.karpenter.subnetTags), which Terraform puts on the node subnets it creates"
            )
        } else {
            format!(
                "by the tags {tags} (existingCluster.karpenter.subnetTags), which the existing subnets must carry: eksgen tags nothing it did not create (EKSG029)"
            )
        };
        return (vec![SelectorTerm::Tags(k.subnet_tags.clone())], reason);
    }
    if new_subnets {
        return (
            vec![SelectorTerm::Tags(discovery_tags(cluster))],
            format!(
                "by the tag {KARPENTER_DISCOVERY_TAG} = {cluster}, which Terraform puts on the node subnets it creates (their ids exist only after apply); EC2NodeClasses of the install that select the same tag launch there too"
            ),
        );
    }
    let ids: Vec<SelectorTerm> = network
        .subnets
        .iter()
        .filter(|s| s.role == SubnetRole::Private)
        .filter_map(|s| s.id.clone().map(SelectorTerm::Id))
        .collect();
    (
        ids,
        "by id: the existing private subnets of the cluster's zones (existingVpc.subnets), so no tag is needed and nodes go only where the plan budgets their addresses".to_string(),
    )
}

/// Security groups of an existing cluster's Karpenter nodes: the intent's tags, or the ones
/// the node groups' sub-modules attach (the stated node security groups and the cluster's).
fn existing_security_groups(
    k: &ExistingKarpenterSpec,
    cluster_spec: &ExistingClusterSpec,
    cluster: &str,
) -> (Vec<SelectorTerm>, String) {
    if !k.security_group_tags.is_empty() {
        return (
            vec![SelectorTerm::Tags(k.security_group_tags.clone())],
            format!(
                "by the tags {} (existingCluster.karpenter.securityGroupTags)",
                tags_text(&k.security_group_tags)
            ),
        );
    }
    let mut terms: Vec<SelectorTerm> = cluster_spec
        .node_security_group_ids
        .iter()
        .cloned()
        .map(SelectorTerm::Id)
        .collect();
    terms.push(SelectorTerm::Tags(BTreeMap::from([(
        CLUSTER_SECURITY_GROUP_TAG.to_string(),
        cluster.to_string(),
    )])));
    (
        terms,
        format!(
            "by id: existingCluster.nodeSecurityGroupIds; and the cluster security group by the {CLUSTER_SECURITY_GROUP_TAG} tag EKS keeps on it. These are the groups eksgen's node groups join, so nodes and the control plane reach each other as on the cluster's other nodes"
        ),
    )
}

/// The stated release of an existing install beside the one the NodePools need.
pub(super) fn existing_release(
    k: &ExistingKarpenterSpec,
    required: Option<&KarpenterVersionPlan>,
) -> ExistingKarpenterPlan {
    let installed = k.version.as_ref().and_then(KarpenterRelease::parts);
    let needed = required.and_then(|r| KarpenterRelease(r.version.clone()).parts());
    ExistingKarpenterPlan {
        installed_version: k.version.as_ref().map(|v| v.0.clone()),
        required_version: required.map(|r| r.version.clone()),
        satisfied: match (installed, needed) {
            (Some(have), Some(need)) => Some(have >= need),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::plan::{KarpenterAwsResources, Plan, SelectorTerm};

    /// `vpc_extra` goes under `existingVpc`; `newSubnets: nodes` there also adds a 100.64
    /// block, so that nodes really move.
    fn plan(karpenter: &str, vpc_extra: &str) -> Plan {
        let secondary = if vpc_extra.contains("nodes") {
            "    secondaryCidrs: [100.64.0.0/16]\n"
        } else {
            ""
        };
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: prod
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    existingVpc:
      id: vpc-0123456789abcdef0
      cidrBlocks: [10.0.0.0/16]
{vpc_extra}      subnets:
        - {{ id: subnet-0123456789abcdef1, zone: us-west-2a, cidr: 10.0.0.0/19, role: private, routeTableId: rtb-0123456789abcdef1 }}
        - {{ id: subnet-0123456789abcdef2, zone: us-west-2b, cidr: 10.0.32.0/19, role: private, routeTableId: rtb-0123456789abcdef2 }}
    availabilityZones: [us-west-2a, us-west-2b]
{secondary}  existingCluster:
    nodeSecurityGroupIds: [sg-0123456789abcdef0]
    karpenter: {karpenter}
  autoscaling: {{ karpenter: true }}
  nodeGroups:
    - {{ name: burst, provisioner: karpenter, instanceTypes: [m6i.large], scaling: {{ min: 0, desired: 0, max: 4 }} }}
"
        );
        let catalog = Catalog::embedded();
        let intent = crate::intent::parse_and_validate(&text, "t.yaml", catalog)
            .unwrap_or_else(|e| panic!("{e}"));
        crate::resolve::resolve(&intent, catalog).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn an_existing_install_selects_existing_subnets_and_groups_by_id() {
        let p = plan(
            "{ version: \"1.12.1\", nodeRole: KarpenterNodeRole-prod }",
            "",
        );
        assert_eq!(
            p.autoscaling.karpenter_aws_resources,
            Some(KarpenterAwsResources::Existing)
        );
        let nc = p.autoscaling.karpenter_node_class.as_ref().unwrap();
        assert_eq!(nc.role.as_deref(), Some("KarpenterNodeRole-prod"));
        assert_eq!(
            nc.subnet_selector,
            [
                SelectorTerm::Id("subnet-0123456789abcdef1".into()),
                SelectorTerm::Id("subnet-0123456789abcdef2".into())
            ]
        );
        assert_eq!(
            nc.security_group_selector[0],
            SelectorTerm::Id("sg-0123456789abcdef0".into())
        );
        let SelectorTerm::Tags(cluster_sg) = &nc.security_group_selector[1] else {
            panic!("{:?}", nc.security_group_selector)
        };
        assert_eq!(cluster_sg["aws:eks:cluster-name"], "prod");
        let k = p
            .existing_cluster
            .as_ref()
            .unwrap()
            .karpenter
            .as_ref()
            .unwrap();
        assert_eq!(k.satisfied, Some(true));
        assert!(
            !p.findings.iter().any(|f| f.id == "EKSG029"),
            "{:?}",
            p.findings
        );
    }

    #[test]
    fn nodes_in_new_subnets_are_found_by_the_tags_terraform_puts_on_them() {
        let vpc = "      newSubnets: nodes\n";
        let p = plan("{ awsResources: create }", vpc);
        let nc = p.autoscaling.karpenter_node_class.as_ref().unwrap();
        assert_eq!(nc.role.as_deref(), Some("KarpenterNodeRole-prod"));
        let SelectorTerm::Tags(tags) = &nc.subnet_selector[0] else {
            panic!("{:?}", nc.subnet_selector)
        };
        assert_eq!(tags["karpenter.sh/discovery"], "prod");
        let p = plan(
            "{ awsResources: create, nodeRole: Nodes-prod, subnetTags: { team/nodes: ml } }",
            vpc,
        );
        let nc = p.autoscaling.karpenter_node_class.as_ref().unwrap();
        assert_eq!(nc.role.as_deref(), Some("Nodes-prod"));
        assert_eq!(
            p.autoscaling.karpenter_node_role.as_deref(),
            Some("Nodes-prod")
        );
        let SelectorTerm::Tags(tags) = &nc.subnet_selector[0] else {
            panic!("{:?}", nc.subnet_selector)
        };
        assert_eq!(tags["team/nodes"], "ml");
    }

    #[test]
    fn an_instance_profile_is_no_role() {
        let p = plan(
            "{ version: \"1.12.0\", instanceProfile: KarpenterNodeInstanceProfile-prod }",
            "",
        );
        let nc = p.autoscaling.karpenter_node_class.as_ref().unwrap();
        assert_eq!(nc.role, None);
        assert_eq!(p.autoscaling.karpenter_node_role, None);
        assert_eq!(
            nc.instance_profile.as_deref(),
            Some("KarpenterNodeInstanceProfile-prod")
        );
    }
}
