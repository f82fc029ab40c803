//! Who gets which AWS permissions inside the cluster: the IAM roles eksgen gives controllers
//! through EKS Pod Identity, and the instance metadata settings that keep pods away from the
//! node role. The Terraform renderer lays these out in `iam.tf` and on each node group.

use crate::plan::{
    AdminPrincipalPlan, ClusterAdminsPlan, InstanceMetadataPlan, VpcEndpointPlan, VpcEndpointType,
    WorkloadRolePlan,
};

/// Hop limit on every node: no component eksgen installs needs a pod (in its own network
/// namespace) to reach the instance metadata service.
pub const METADATA_HOP_LIMIT: u32 = 1;

/// The instance metadata settings of a group's nodes, and why.
pub fn instance_metadata() -> InstanceMetadataPlan {
    InstanceMetadataPlan {
        hop_limit: METADATA_HOP_LIMIT,
        reason: "IMDSv2 with hop limit 1: a pod in its own network namespace is one hop short \
                 of the metadata service, so it cannot take the node role's credentials. \
                 Nothing eksgen installs needs more: aws-node, kube-proxy, the Pod Identity \
                 agent and the device plugins run in the host network, and vpc-cni, \
                 cluster-autoscaler and Karpenter get their own roles through EKS Pod Identity"
            .to_string(),
    }
}

/// Access entries for the listed admins (validated IAM ARNs), or the module's default of
/// making the `apply` caller admin when none are listed.
pub fn cluster_admins(arns: &[String]) -> ClusterAdminsPlan {
    let principals: Vec<AdminPrincipalPlan> = arns
        .iter()
        .map(|arn| {
            let partition = arn.split(':').nth(1).unwrap_or("aws");
            AdminPrincipalPlan {
                principal_arn: arn.clone(),
                policy_arn: format!(
                    "arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
                ),
            }
        })
        .collect();
    let reason = if principals.is_empty() {
        "no spec.access.clusterAdmins: whoever runs `terraform apply` gets a cluster-admin \
         access entry and administers the secrets key, and an apply by someone else (CI, \
         another laptop) moves both to them; list the admin roles to pin them"
            .to_string()
    } else {
        "spec.access.clusterAdmins: these principals get cluster-admin access entries and \
         administer the secrets key; the `apply` caller gets nothing by being the caller, so \
         applies from CI and laptops leave admin rights where they are"
            .to_string()
    };
    ClusterAdminsPlan {
        creator_is_admin: principals.is_empty(),
        principals,
        reason,
    }
}

/// Addresses every node (private) subnet keeps free beyond its nodes and pods: 16 for the
/// EKS control plane's cross-account network interfaces (the module puts the cluster in the
/// private subnets; EKS needs at least 6 free and recommends 16, and adds interfaces during
/// version upgrades) and 8 for an internal load balancer (an ALB needs 8 free addresses in
/// each of its subnets to scale).
pub const PRIVATE_SUBNET_RESERVE: u64 = 16 + 8;

/// The sentence the subnet plan carries about [`PRIVATE_SUBNET_RESERVE`].
pub fn private_subnet_reserve_reason() -> String {
    format!(
        "includes {PRIVATE_SUBNET_RESERVE} kept free: 16 for EKS control-plane network interfaces (EKS recommends 16 free addresses; upgrades add interfaces) and 8 for an internal load balancer (an ALB needs 8 per subnet)"
    )
}

/// The VPC endpoints: S3 (gateway, free) always; ECR api / dkr and STS (interface, billed per
/// zone-hour) when asked for.
pub fn vpc_endpoints(interface: bool) -> Vec<VpcEndpointPlan> {
    let mut out = vec![VpcEndpointPlan {
        service: "s3".to_string(),
        endpoint_type: VpcEndpointType::Gateway,
        reason: "free; ECR serves image layers from S3 in the registry's region, so layers of a \
                 same-region ECR registry skip the NAT gateways and their per-GB charge"
            .to_string(),
    }];
    if interface {
        for (service, why) in [
            (
                "ecr.api",
                "ECR API calls (auth tokens, manifests) stay in the VPC",
            ),
            ("ecr.dkr", "the ECR registry endpoint image pulls talk to"),
            (
                "sts",
                "STS calls (web identity, assume role) stay in the VPC",
            ),
        ] {
            out.push(VpcEndpointPlan {
                service: service.to_string(),
                endpoint_type: VpcEndpointType::Interface,
                reason: format!(
                    "spec.network.interfaceEndpoints: {why}; one interface per node subnet, \
                     billed per zone-hour"
                ),
            });
        }
    }
    out
}

/// The controller roles of a cluster: vpc-cni always, cluster-autoscaler when it is on, the
/// EBS CSI driver's controller when a group keeps state on EBS. (Karpenter's controller role
/// comes from the module's karpenter sub-module.) Role names are `<cluster>-<controller>`: a
/// cluster name fits 29 characters (the module's cluster role prefix), so the longest,
/// `<cluster>-cluster-autoscaler`, stays within IAM's 64.
pub fn workload_roles(
    cluster: &str,
    cluster_autoscaler: bool,
    ebs_csi: bool,
) -> Vec<WorkloadRolePlan> {
    let mut roles = vec![WorkloadRolePlan {
        name: format!("{cluster}-vpc-cni"),
        namespace: "kube-system".to_string(),
        service_account: "aws-node".to_string(),
        permissions: "AmazonEKS_CNI_Policy (assign addresses, create and delete network \
                      interfaces)"
            .to_string(),
        reason: "vpc-cni's ENI permissions on its own role instead of the node role, which \
                 every process on the node could use"
            .to_string(),
    }];
    if cluster_autoscaler {
        roles.push(WorkloadRolePlan {
            name: format!("{cluster}-cluster-autoscaler"),
            namespace: "kube-system".to_string(),
            service_account: "cluster-autoscaler".to_string(),
            permissions: format!(
                "SetDesiredCapacity and TerminateInstanceInAutoScalingGroup on Auto Scaling \
                 groups tagged k8s.io/cluster-autoscaler/{cluster}=owned; Describe* on Auto \
                 Scaling groups, instance types, images, launch template versions and node \
                 groups"
            ),
            reason: "cluster-autoscaler changes the size of this cluster's node groups and \
                     reads what a new node would look like (scale from zero)"
                .to_string(),
        });
    }
    if ebs_csi {
        roles.push(WorkloadRolePlan {
            name: format!("{cluster}-ebs-csi"),
            namespace: "kube-system".to_string(),
            service_account: super::storage::EBS_CSI_SERVICE_ACCOUNT.to_string(),
            permissions: "AmazonEBSCSIDriverPolicy (create, attach, detach, resize and delete \
                          EBS volumes and snapshots, only those the driver tagged)"
                .to_string(),
            reason: "the aws-ebs-csi-driver add-on's controller creates and attaches the \
                     volumes of zonalStateful groups' claims"
                .to_string(),
        });
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::aws_limits::{CLUSTER_NAMES, MAX_IAM_ROLE_NAME};

    #[test]
    fn role_names_fit_iam_for_the_longest_cluster_name() {
        let longest = "c".repeat(CLUSTER_NAMES[0].room());
        for role in workload_roles(&longest, true, true) {
            assert!(role.name.len() <= MAX_IAM_ROLE_NAME, "{}", role.name);
        }
    }

    #[test]
    fn listed_admins_replace_the_creator_and_keep_their_partition() {
        let none = cluster_admins(&[]);
        assert!(none.creator_is_admin && none.principals.is_empty());
        let gov = cluster_admins(&["arn:aws-us-gov:iam::111122223333:role/admin".to_string()]);
        assert!(!gov.creator_is_admin);
        assert_eq!(
            gov.principals[0].policy_arn,
            "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        );
    }

    #[test]
    fn autoscaler_role_only_with_the_autoscaler() {
        assert_eq!(workload_roles("c", false, false).len(), 1);
        let both = workload_roles("c", true, false);
        assert_eq!(both[1].service_account, "cluster-autoscaler");
        assert!(
            both[1]
                .permissions
                .contains("k8s.io/cluster-autoscaler/c=owned")
        );
    }

    #[test]
    fn ebs_csi_role_names_the_add_on_service_account() {
        let roles = workload_roles("c", false, true);
        assert_eq!(roles.len(), 2);
        assert_eq!(roles[1].name, "c-ebs-csi");
        assert_eq!(roles[1].service_account, "ebs-csi-controller-sa");
    }
}
