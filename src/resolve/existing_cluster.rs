//! What an existing cluster must provide for the plan's numbers to hold.
//!
//! eksgen adds node groups to a cluster it does not manage, so the cluster-wide settings
//! its max pods and address budget rest on (the vpc-cni env, the add-ons) are the user's.
//! The plan lists them; when the intent states the current ones, each difference becomes
//! part of one finding (warning), otherwise the finding (info) asks for them.

use std::collections::BTreeMap;

use crate::intent::ExistingClusterSpec;
use crate::plan::{
    AuthenticationMode, ExistingClusterPlan, KarpenterAwsResources, Plan, Provisioner, Severity,
};

use super::rules::Hit;

/// Add-ons the new nodes need: the CNI (pod addresses), kube-proxy (Services) and CoreDNS.
pub const EXPECTED_ADDONS: &[&str] = &["vpc-cni", "kube-proxy", "coredns"];
/// The add-on that hands EKS Pod Identity credentials to pods: the Karpenter controller's
/// role, when eksgen creates it, is bound to its service account that way.
pub const POD_IDENTITY_ADDON: &str = "eks-pod-identity-agent";
/// Modes in which access entries exist.
const ACCESS_ENTRY_MODES: &[AuthenticationMode] =
    &[AuthenticationMode::Api, AuthenticationMode::ApiAndConfigMap];

/// The add-ons the plan expects: the three every node needs, and the Pod Identity agent
/// when eksgen creates the Karpenter controller's role.
fn expected_addons(plan: &Plan) -> Vec<String> {
    let mut addons: Vec<String> = EXPECTED_ADDONS.iter().map(ToString::to_string).collect();
    if plan.autoscaling.karpenter_aws_resources == Some(KarpenterAwsResources::Create) {
        addons.push(POD_IDENTITY_ADDON.to_string());
    }
    if plan.ebs_csi_driver.is_some() {
        // zonalStateful groups' claims need the driver; the add-on stays the user's.
        addons.push(EBS_CSI_ADDON.to_string());
    }
    addons
}

/// What eksgen adds that joins the cluster through an access entry (the terraform-aws-eks
/// self-managed-node-group and karpenter sub-modules create one by default), if anything.
fn access_entry_users(plan: &Plan) -> Vec<String> {
    let mut users: Vec<String> = plan
        .node_groups
        .iter()
        .filter(|g| g.provisioner == Provisioner::SelfManaged)
        .map(|g| format!("self-managed group {}", g.name))
        .collect();
    if plan.autoscaling.karpenter_aws_resources == Some(KarpenterAwsResources::Create) {
        users.push("the Karpenter node role".to_string());
    }
    users
}

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
    let env_differences = differences.len();
    let expected_addons = expected_addons(plan);
    if let Some(addons) = &cluster.current.addons {
        for want in &expected_addons {
            if !addons.iter().any(|a| a == want) {
                differences.push(format!("add-on {want}: not installed today"));
            }
        }
    }
    let addon_differences = differences.len() - env_differences;
    let access_users = access_entry_users(plan);
    let expected_modes: Vec<AuthenticationMode> = if access_users.is_empty() {
        Vec::new()
    } else {
        ACCESS_ENTRY_MODES.to_vec()
    };
    let modes_text = expected_modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(" or ");
    if let Some(mode) = cluster.current.authentication_mode {
        if !expected_modes.is_empty() && !expected_modes.contains(&mode) {
            differences.push(format!(
                "authentication mode: {mode} today, {modes_text} expected (access entries for {})",
                access_users.join(", ")
            ));
        }
    }
    let stated = cluster.current.cni_env.is_some()
        || cluster.current.addons.is_some()
        || cluster.current.authentication_mode.is_some();
    let env_text = expected_env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let modes_clause = if expected_modes.is_empty() {
        String::new()
    } else {
        format!(
            ", and authentication mode {modes_text} (access entries for {})",
            access_users.join(", ")
        )
    };
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
                "the cluster's settings are not managed here; the plan assumes vpc-cni env {env_text} and the add-ons {}{modes_clause}{policy_text}",
                expected_addons.join(", ")
            ),
            format!(
                "state them in existingCluster.current (cniEnv, addons{}) so eksgen can compare",
                if expected_modes.is_empty() {
                    ""
                } else {
                    ", authenticationMode"
                }
            ),
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
        let mode_differs = differences.len() > env_differences + addon_differences;
        let mut actions = Vec::new();
        if env_differences > 0 {
            actions.push(format!(
                "set the vpc-cni add-on's configuration values to env {{{env_text}}} (cluster-wide: every node){policy_text}"
            ));
        }
        if addon_differences > 0 {
            actions.push("install the missing add-ons".to_string());
        }
        if mode_differs {
            actions.push("switch the authentication mode to API_AND_CONFIG_MAP (`aws eks update-cluster-config --access-config authenticationMode=API_AND_CONFIG_MAP`; there is no way back to CONFIG_MAP)".to_string());
        }
        actions.push("change the intent to match the cluster".to_string());
        let last = actions.pop().unwrap_or_default();
        Hit::cluster(
            Severity::Warning,
            "spec.existingCluster",
            format!(
                "the cluster's settings differ from what {}: {}",
                if env_differences == differences.len() {
                    "the plan's max pods and addresses assume"
                } else {
                    "the plan assumes"
                },
                differences.join("; ")
            ),
            format!("{}, or {last}", actions.join(", ")),
        )
    };
    (
        ExistingClusterPlan {
            node_security_group_ids: cluster.node_security_group_ids.clone(),
            expected_cni_env: expected_env,
            expected_addons,
            current_matches: stated.then_some(differences.is_empty()),
            differences,
            expected_authentication_modes: expected_modes,
            karpenter: cluster
                .karpenter
                .as_ref()
                .filter(|k| {
                    k.aws_resources == KarpenterAwsResources::Existing || k.version.is_some()
                })
                .map(|k| {
                    super::karpenter::existing_release(
                        k,
                        plan.autoscaling.karpenter_min_version.as_ref(),
                    )
                }),
        },
        finding,
    )
}
