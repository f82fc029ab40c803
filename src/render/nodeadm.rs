//! The AL2023 nodeadm `NodeConfig` document, defined once (`templates/k8s/node_config.yaml.tera`)
//! for both places a node reads it: the `cloudinit_pre_nodeadm` part of managed and
//! self-managed node groups (Terraform) and the `userData` of a Karpenter EC2NodeClass.
//!
//! Owns the document's view and renders it with the YAML engine, so its strings are YAML
//! escaped; callers embed the text (HCL heredoc escaping and indentation are theirs).

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Tera;

use crate::plan::ImagePullPlan;

use super::{RenderError, run_template};

/// Template name in the YAML engine.
pub const TEMPLATE: &str = "k8s/node_config.yaml";

/// What eksgen adds to the node's `NodeConfig` (nodeadm merges it with the one EKS, the
/// module or Karpenter writes).
#[derive(Debug, Serialize)]
pub struct NodeConfig {
    /// `kubelet.config.maxPods`, when eksgen owns the kubelet's max pods.
    pub max_pods: Option<u32>,
    /// `kubelet.config.kubeReserved` (the plan's `kubeletReserved.rendered`).
    pub kube_reserved: BTreeMap<String, String>,
    /// Image-pull tuning: kubelet settings and the containerd config drop-in.
    pub image_pull: Option<ImagePullPlan>,
    /// Extra kubelet flags (labels and taints to register with).
    pub flags: Vec<String>,
    /// `instance.localStorage.strategy: RAID0`, with why (plan `instanceStore`).
    pub local_storage_raid0: Option<String>,
}

impl NodeConfig {
    /// The YAML document, without a final newline.
    pub fn render(&self, yaml: &Tera) -> Result<String, RenderError> {
        let mut text = run_template(yaml, TEMPLATE, self)?;
        text.truncate(text.trim_end().len());
        Ok(text)
    }
}
