//! Lints over the intent and the resolved plan: the risks the AWS AI-on-EKS and
//! data-science guidance warns about, as a table of rules.
//!
//! [`RULES`] is the one list of finding ids: each [`Rule`] holds its id, the severities it
//! can report, the one-line summary (SARIF, docs) and its check. A check reads the
//! [`Ctx`] and returns [`Hit`]s; [`lint`] stamps each hit with its rule's id, so no finding
//! can carry an id the table lacks. Messages name the group and the numbers, hints say
//! what to change, and every hit names the key path of the intent it is about. Pure; adds
//! nothing to the plan but findings.

mod cni;
mod limits;
mod network;
mod nodes;
mod training;
mod zones;

use crate::intent::Intent;
use crate::plan::{Finding, NodeGroupPlan, Plan, Severity};

use super::groups::GroupDraft;
use super::ip_budget::CniTargets;

use Severity::{Error, Info, Warning};

/// One finding rule.
pub struct Rule {
    /// Stable id (`EKSG001`), listed in `docs/findings.md`.
    pub id: &'static str,
    /// The severities the check can report, the usual one first.
    pub severities: &'static [Severity],
    /// What the rule catches, in one line.
    pub summary: &'static str,
    pub check: fn(&Ctx) -> Vec<Hit>,
}

/// Every rule, in id order.
pub const RULES: &[Rule] = &[
    Rule {
        id: "EKSG001",
        severities: &[Warning],
        summary: "per-pod EC2 calls on a large or high-churn cluster",
        check: cni::warm_ip_target_at_scale,
    },
    Rule {
        id: "EKSG002",
        severities: &[Error],
        summary: "kubelet max pods above what MAX_ENI leaves",
        check: cni::max_eni_without_max_pods,
    },
    Rule {
        id: "EKSG003",
        severities: &[Error],
        summary: "subnets cannot hold the addresses needed at max scale",
        check: network::subnet_too_small,
    },
    Rule {
        id: "EKSG004",
        severities: &[Warning],
        summary: "accelerated instances on an AMI without their driver or plugin",
        check: nodes::accelerator_ami,
    },
    Rule {
        id: "EKSG005",
        severities: &[Error],
        summary: "EFA group spread over several availability zones",
        check: zones::efa_across_azs,
    },
    Rule {
        id: "EKSG006",
        severities: &[Warning],
        summary: "high inter-node traffic across availability zones",
        check: zones::chatty_across_azs,
    },
    Rule {
        id: "EKSG007",
        severities: &[Warning, Info],
        summary: "node group in a single availability zone",
        check: zones::single_az,
    },
    Rule {
        id: "EKSG008",
        severities: &[Warning, Error],
        summary: "Amazon Linux 2 AMIs are end of life",
        check: nodes::al2_end_of_life,
    },
    Rule {
        id: "EKSG009",
        severities: &[Warning],
        summary: "one pod per node on an instance far larger than the pod",
        check: nodes::oversized_one_pod_node,
    },
    Rule {
        id: "EKSG010",
        severities: &[Warning, Info],
        summary: "images pushed to another region than the cluster's (info when an ECR rule copies them in)",
        check: network::cross_region_registry,
    },
    Rule {
        id: "EKSG011",
        severities: &[Warning],
        summary: "prefix delegation in a small subnet",
        check: network::prefix_delegation_small_subnet,
    },
    Rule {
        id: "EKSG012",
        severities: &[Info],
        summary: "instance types of one group allow different max pods",
        check: cni::mixed_max_pods,
    },
    Rule {
        id: "EKSG013",
        severities: &[Info],
        summary: "cluster-wide MINIMUM_IP_TARGET holds addresses smaller groups never use",
        check: cni::cluster_wide_ip_floor,
    },
    Rule {
        id: "EKSG014",
        severities: &[Warning],
        summary: "new nodes of a group that scales on demand take over three minutes to be ready",
        check: nodes::slow_image_pull,
    },
    Rule {
        id: "EKSG015",
        severities: &[Warning],
        summary: "Kubernetes API endpoint open to the internet",
        check: network::public_endpoint_open,
    },
    Rule {
        id: "EKSG016",
        severities: &[Info],
        summary: "one NAT gateway for all zones",
        check: network::single_nat_gateway,
    },
    Rule {
        id: "EKSG017",
        severities: &[Error],
        summary: "more Auto Scaling group tags than AWS allows",
        check: limits::asg_tag_limit,
    },
    Rule {
        id: "EKSG018",
        severities: &[Info],
        summary: "managed group uses the AMI by id so its max pods apply",
        check: cni::custom_ami_path,
    },
    Rule {
        id: "EKSG019",
        severities: &[Warning],
        summary: "EFA training group on spot capacity",
        check: zones::efa_on_spot,
    },
    Rule {
        id: "EKSG020",
        severities: &[Info],
        summary: "one-pod-per-node group without pod size",
        check: nodes::unsized_one_pod_node,
    },
    Rule {
        id: "EKSG021",
        severities: &[Info],
        summary: "scaling.min on a Karpenter group is not enforced",
        check: nodes::karpenter_min_ignored,
    },
    Rule {
        id: "EKSG022",
        severities: &[Warning],
        summary: "Kubernetes version in EKS extended support",
        check: limits::extended_support,
    },
    Rule {
        id: "EKSG023",
        severities: &[Warning],
        summary: "more managed node groups than the EKS quota per cluster",
        check: limits::managed_group_quota,
    },
    Rule {
        id: "EKSG024",
        severities: &[Warning],
        summary: "managed group larger than the EKS quota of nodes per group",
        check: limits::managed_group_node_quota,
    },
    Rule {
        id: "EKSG025",
        severities: &[Warning],
        summary: "more Auto Scaling groups than the regional quota",
        check: limits::auto_scaling_group_quota,
    },
    Rule {
        id: "EKSG026",
        severities: &[Error, Warning],
        summary: "the CNI targets make ipamd stop allocating before the node's max pods",
        check: cni::ipamd_stops_early,
    },
    Rule {
        id: "EKSG027",
        severities: &[Error, Warning],
        summary: "no always-on untainted nodes for coredns and the autoscaler",
        check: nodes::system_nodes,
    },
    Rule {
        id: "EKSG028",
        severities: &[Warning, Info],
        summary: "spec.tags keys that Karpenter's EC2NodeClasses leave out",
        check: nodes::karpenter_tags_dropped,
    },
    Rule {
        id: "EKSG029",
        severities: &[Warning, Info],
        summary: "Karpenter nodes go to existing subnets that eksgen does not tag",
        check: network::existing_subnets_untagged,
    },
    Rule {
        id: "EKSG030",
        severities: &[Info, Warning],
        summary: "an existing cluster's vpc-cni env or add-ons differ from what the plan assumes",
        check: network::existing_cluster_settings,
    },
    Rule {
        id: "EKSG031",
        severities: &[Error, Warning],
        summary: "instance type below the group's minimum network bandwidth",
        check: training::below_min_bandwidth,
    },
    Rule {
        id: "EKSG032",
        severities: &[Info],
        summary: "EFA on a group with low inter-node traffic",
        check: training::efa_with_low_traffic,
    },
    Rule {
        id: "EKSG033",
        severities: &[Error, Warning],
        summary: "an existing cluster's Karpenter release is older than the NodePools need",
        check: network::existing_karpenter_release,
    },
    Rule {
        id: "EKSG034",
        severities: &[Warning, Info],
        summary: "Terraform installs Helm charts through an API endpoint it may not reach",
        check: network::helm_through_private_endpoint,
    },
];

/// What the rules read: the intent, the groups before sizing, the plan, and what only
/// resolve saw (a subnet shortfall).
pub struct Ctx<'a> {
    pub intent: &'a Intent,
    pub drafts: &'a [GroupDraft],
    pub plan: &'a Plan,
    /// The CNI targets the plan's env sets, as ipamd reads them.
    pub targets: CniTargets,
    /// Why the subnets could not be laid out, when they could not.
    pub shortfall: Option<&'a Shortfall>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        intent: &'a Intent,
        drafts: &'a [GroupDraft],
        plan: &'a Plan,
        shortfall: Option<&'a Shortfall>,
    ) -> Ctx<'a> {
        Ctx {
            intent,
            drafts,
            plan,
            targets: CniTargets::from_env(&plan.network.cni.env, plan.network.custom_networking),
            shortfall,
        }
    }

    /// Each group of the plan beside the draft it was resolved from.
    pub fn groups(&self) -> impl Iterator<Item = (&'a GroupDraft, &'a NodeGroupPlan)> {
        self.drafts.iter().zip(&self.plan.node_groups)
    }
}

/// The address space that could not hold the subnets at max scale (finding EKSG003).
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    /// The space, as the message names it (`primary CIDR 10.0.0.0/28`).
    pub space: String,
    pub needed: u64,
    pub available: u64,
    pub hint: String,
    /// The whole message, when the space is not a block eksgen lays out (an existing
    /// subnet with addresses in use says which subnet and how many are taken).
    pub message: Option<String>,
}

/// One finding of one rule, before [`lint`] adds the rule's id.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub severity: Severity,
    pub node_group: Option<String>,
    /// Key path of what the finding is about in the intent.
    pub path: String,
    pub message: String,
    pub hint: String,
}

impl Hit {
    /// A finding about the whole cluster, placed at `path`.
    pub fn cluster(
        severity: Severity,
        path: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Hit {
        Hit {
            severity,
            node_group: None,
            path: path.to_string(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A finding about one group, placed at its key (`key` empty: the whole group).
    pub fn group(
        severity: Severity,
        draft: &GroupDraft,
        key: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Hit {
        Hit {
            severity,
            node_group: Some(draft.name.clone()),
            path: if key.is_empty() {
                draft.path.clone()
            } else {
                format!("{}.{key}", draft.path)
            },
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// The same finding placed at `path` instead: a group's finding whose cause and fix
    /// lie elsewhere in the intent.
    pub fn at(self, path: &str) -> Hit {
        Hit {
            path: path.to_string(),
            ..self
        }
    }
}

/// Run every rule.
pub fn lint(ctx: &Ctx) -> Vec<Finding> {
    RULES
        .iter()
        .flat_map(|rule| {
            (rule.check)(ctx).into_iter().map(|hit| Finding {
                id: rule.id.to_string(),
                severity: hit.severity,
                node_group: hit.node_group,
                path: hit.path,
                message: hit.message,
                hint: hit.hint,
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
