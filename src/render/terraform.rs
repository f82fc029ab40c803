//! Terraform output: a root module for a new cluster, built on terraform-aws-modules/vpc and
//! terraform-aws-modules/eks (v21 input names by default, v20 when the plan says so).
//!
//! Owns the `.tf` files: `versions.tf`, `providers.tf`, `vpc.tf`, `eks.tf` (cluster, add-ons,
//! managed and self-managed node groups, AMI lookups), `autoscaler.tf` (cluster-autoscaler
//! tags on managed node groups' Auto Scaling groups), `karpenter.tf` and `outputs.tf`.
//! Karpenter NodePools and other manifests belong to the Kubernetes renderer.
//!
//! The templates lay out [`context::Root`], a view of the plan; [`hclfmt`] then indents and
//! aligns the result as `terraform fmt` does, which templates cannot.

mod context;
mod hclfmt;

use tera::Tera;

use crate::plan::Plan;

use super::{RenderError, Rendered};

pub use context::{EKS_MODULE_V20, EKS_MODULE_V21, VPC_MODULE_V5, VPC_MODULE_V6};

/// (template name, source) pairs compiled into the binary.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "terraform/node_group.tera",
        include_str!("../../templates/terraform/node_group.tera"),
    ),
    (
        "terraform/versions.tf",
        include_str!("../../templates/terraform/versions.tf.tera"),
    ),
    (
        "terraform/providers.tf",
        include_str!("../../templates/terraform/providers.tf.tera"),
    ),
    (
        "terraform/vpc.tf",
        include_str!("../../templates/terraform/vpc.tf.tera"),
    ),
    (
        "terraform/eks.tf",
        include_str!("../../templates/terraform/eks.tf.tera"),
    ),
    (
        "terraform/autoscaler.tf",
        include_str!("../../templates/terraform/autoscaler.tf.tera"),
    ),
    (
        "terraform/karpenter.tf",
        include_str!("../../templates/terraform/karpenter.tf.tera"),
    ),
    (
        "terraform/outputs.tf",
        include_str!("../../templates/terraform/outputs.tf.tera"),
    ),
];

/// Render every `.tf` file of the root module into `out` with the HCL engine (`tera`); the
/// YAML engine renders the nodeadm documents they embed.
pub fn render(
    plan: &Plan,
    origin: &str,
    tera: &Tera,
    yaml: &Tera,
    out: &mut Rendered,
) -> Result<(), RenderError> {
    let mut ctx = context::build(plan).map_err(|e| RenderError::Template {
        template: "terraform (layout)".to_string(),
        detail: e.0,
    })?;
    for g in ctx.managed.iter_mut().chain(ctx.self_managed.iter_mut()) {
        if let Some(node_config) = &g.node_config {
            g.node_config_yaml = Some(node_config.render(yaml)?);
        }
    }
    let files: [(&str, bool); 7] = [
        ("versions.tf", true),
        ("providers.tf", true),
        ("vpc.tf", true),
        ("eks.tf", true),
        ("autoscaler.tf", !ctx.asg_tags.is_empty()),
        (
            "karpenter.tf",
            ctx.karpenter || !ctx.karpenter_placement_groups.is_empty(),
        ),
        ("outputs.tf", true),
    ];
    for (file, wanted) in files {
        if !wanted {
            continue;
        }
        let body = super::run_template(tera, &format!("terraform/{file}"), &ctx)?;
        let text = format!("{}\n{}", super::header(origin), hclfmt::format(&body));
        out.insert(file.to_string(), text);
    }
    Ok(())
}
