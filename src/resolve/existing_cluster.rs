//! What an existing cluster must provide for the plan's numbers to hold.
//!
//! eksgen adds node groups to a cluster it does not manage, so the cluster-wide settings
//! its max pods and address budget rest on (the vpc-cni env, the add-ons) are the user's.
//! The plan lists them; when the intent states the current ones, each difference becomes
//! part of one finding (warning), otherwise the finding (info) asks for them.

use std::collections::BTreeMap;

use crate::intent::ExistingClusterSpec;
use crate::plan::{ExistingClusterPlan, Plan, Severity};

use super::rules::Hit;

/// Add-ons the new nodes need: the CNI (pod addresses), kube-proxy (Services) and CoreDNS.
pub const EXPECTED_ADDONS: &[&str] = &["vpc-cni", "kube-proxy", "coredns"];

/// The EBS CSI driver add-on, expected when a group is `zonalStateful`.
pub const EBS_CSI_ADDON: &str = "aws-ebs-csi-driver";

/// vpc-cni variables that change how many addresses a node holds or where pods get them:
/// set today but not in the plan, they make the plan's numbers wrong.
const ADDRESS_VARIABLES: &[&str] = &[
    "WARM_ENI_TARGET",
    "WARM_IP_TARGET",
    "MINIMUM_IP_TARGET",
    "WARM_PREFIX_TARGET",
    "MAX_ENI",
    "ENABLE_PREFIX_DELEGATION",
    "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG",
    "ENI_CONFIG_LABEL_DEF",
];

/// What the plan expects of the cluster (a plan field).
pub(super) fn expectations(cluster: &ExistingClusterSpec, plan: &Plan) -> ExistingClusterPlan {
    assess(cluster, plan).0
}

/// The expectations and the finding about them (rule EKSG030).
pub(super) fn assess(cluster: &ExistingClusterSpec, plan: &Plan) -> (ExistingClusterPlan, Hit) {
    let expected_env: BTreeMap<String, String> = plan.network.cni.env.clone();
    let mut differences = Vec::new();
    if let Some(current) = &cluster.current.cni_env {
        for (key, want) in &expected_env {
            match current.get(key) {
                Some(have) if have == want => {}
                Some(have) => {
                    differences.push(format!("vpc-cni {key}: `{have}` today, `{want}` expected"))
                }
                None => differences.push(format!("vpc-cni {key}: unset today, `{want}` expected")),
            }
        }
        for (key, have) in current {
            if !expected_env.contains_key(key) && ADDRESS_VARIABLES.contains(&key.as_str()) {
                differences.push(format!("vpc-cni {key}: `{have}` today, unset expected"));
            }
        }
    }
    let mut expected_addons: Vec<String> =
        EXPECTED_ADDONS.iter().map(ToString::to_string).collect();
    if plan.ebs_csi_driver.is_some() {
        // zonalStateful groups' claims need the driver; the add-on stays the user's.
        expected_addons.push(EBS_CSI_ADDON.to_string());
    }
    if let Some(addons) = &cluster.current.addons {
        for want in &expected_addons {
            if !addons.iter().any(|a| a == want) {
                differences.push(format!("add-on {want}: not installed today"));
            }
        }
    }
    let stated = cluster.current.cni_env.is_some() || cluster.current.addons.is_some();
    let env_text = expected_env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    // The agent's switch is an add-on configuration value, not an env variable: eksgen cannot
    // compare it, only name it.
    let policy_text = if plan.network.network_policy.is_some() {
        "; with network.networkPolicy, also the vpc-cni configuration value enableNetworkPolicy \"true\""
    } else {
        ""
    };
    let finding = if !stated {
        Hit::cluster(
            Severity::Info,
            "spec.existingCluster",
            format!(
                "the cluster's settings are not managed here; the plan assumes vpc-cni env {env_text} and the add-ons {}{policy_text}",
                expected_addons.join(", ")
            ),
            "state them in existingCluster.current (cniEnv, addons) so eksgen can compare"
                .to_string(),
        )
    } else if differences.is_empty() {
        Hit::cluster(
            Severity::Info,
            "spec.existingCluster",
            format!(
                "the stated cluster settings match what the plan assumes (vpc-cni env {env_text}){policy_text}"
            ),
            "nothing to do; restate them when the cluster changes".to_string(),
        )
    } else {
        Hit::cluster(
            Severity::Warning,
            "spec.existingCluster",
            format!(
                "the cluster's settings differ from what the plan's max pods and addresses assume: {}",
                differences.join("; ")
            ),
            format!(
                "set the vpc-cni add-on's configuration values to env {{{env_text}}} (cluster-wide: every node){policy_text}, install the missing add-ons, or change the intent to match the cluster"
            ),
        )
    };
    (
        ExistingClusterPlan {
            node_security_group_ids: cluster.node_security_group_ids.clone(),
            expected_cni_env: expected_env,
            expected_addons,
            current_matches: stated.then_some(differences.is_empty()),
            differences,
        },
        finding,
    )
}
