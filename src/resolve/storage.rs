//! State on EBS for `zonalStateful` groups (notebooks): the gp3 StorageClass bound to the
//! group's one zone, the example claim the workload snippet mounts, and the EBS CSI driver
//! add-on with its Pod Identity role.
//!
//! Owns the names both sides use: the add-on's controller service account (named by the
//! Pod Identity association in Terraform) and the StorageClass / claim names the Kubernetes
//! files share. Reads only finished node groups.

use crate::plan::{EbsCsiDriverPlan, NodeGroupPlan, StoragePlan};

/// Service account of the aws-ebs-csi-driver controller (the add-on's Deployment).
pub const EBS_CSI_SERVICE_ACCOUNT: &str = "ebs-csi-controller-sa";
/// Requests of the driver's node DaemonSet (`ebs-csi-node`), which runs on every node: the
/// chart (kubernetes-sigs/aws-ebs-csi-driver 2.64.0, `values.yaml` `node.resources` and
/// `templates/_node.tpl`) gives the ebs-plugin container 10m / 40Mi and the
/// node-driver-registrar and liveness-probe sidecars 10m / 32Mi each.
pub const EBS_CSI_NODE_CPU_MILLICORES: u64 = 30;
pub const EBS_CSI_NODE_MEMORY_MIB: u64 = 104;
/// Well-known zone label; the EBS CSI driver accepts it in `allowedTopologies`.
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Home folder of the Jupyter Docker Stacks images (user `jovyan`), where notebooks keep work.
const MOUNT_PATH: &str = "/home/jovyan";
/// Example claim size: JupyterHub on Kubernetes gives each user 10Gi by default.
const CLAIM_SIZE_GIB: u32 = 10;

/// Storage for one group, when it is `zonalStateful` (validation and resolve keep such a
/// group in exactly one zone).
pub fn storage_for(group: &NodeGroupPlan) -> Option<StoragePlan> {
    if !group.zonal_stateful {
        return None;
    }
    let zone = group.availability_zones.first()?.clone();
    Some(StoragePlan {
        storage_class: format!("{}-ebs", group.name),
        volume_type: "gp3".into(),
        volume_binding_mode: "WaitForFirstConsumer".into(),
        zone: zone.clone(),
        zone_label: ZONE_LABEL.into(),
        claim_name: format!("{}-state", group.name),
        claim_size_gib: CLAIM_SIZE_GIB,
        mount_path: MOUNT_PATH.into(),
        reason: format!(
            "an EBS volume lives in one zone and its pod can only run there: volumes are created \
             in {zone}, the group's only zone (allowedTopologies), and only once the pod is \
             scheduled (WaitForFirstConsumer), so a volume never lands where the group cannot \
             start a node; gp3 gives 3000 IOPS and 125 MiB/s at any size. The claim size is an \
             example ({CLAIM_SIZE_GIB} GiB, JupyterHub's per-user default) mounted at the Jupyter images' home \
             {MOUNT_PATH}: size and mount it per workload"
        ),
    })
}

/// The EBS CSI driver add-on, when any group keeps state on EBS.
pub fn ebs_csi_driver(groups: &[NodeGroupPlan]) -> Option<EbsCsiDriverPlan> {
    let stateful: Vec<&str> = groups
        .iter()
        .filter(|g| g.zonal_stateful)
        .map(|g| g.name.as_str())
        .collect();
    if stateful.is_empty() {
        return None;
    }
    Some(EbsCsiDriverPlan {
        service_account: EBS_CSI_SERVICE_ACCOUNT.into(),
        node_cpu_millicores: EBS_CSI_NODE_CPU_MILLICORES,
        node_memory_mib: EBS_CSI_NODE_MEMORY_MIB,
        reason: format!(
            "zonalStateful groups ({}) claim EBS volumes, and EKS does not install the EBS CSI \
             driver by itself. Its controller gets AmazonEBSCSIDriverPolicy through EKS Pod \
             Identity (the add-on's pod_identity_association), not the node role. Its node \
             DaemonSet tolerates every taint and requests {EBS_CSI_NODE_CPU_MILLICORES}m CPU and \
             {EBS_CSI_NODE_MEMORY_MIB} MiB on every node, which one-pod-per-node requests leave \
             room for",
            stateful.join(", ")
        ),
    })
}
