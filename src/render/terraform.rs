//! Terraform output: a root module for a new cluster, built on terraform-aws-modules/vpc and
//! terraform-aws-modules/eks (v21 input names by default, v20 when the plan says so).
//!
//! Owns the `.tf` files: `versions.tf`, `providers.tf`, `vpc.tf` (new VPC) or `network.tf`
//! and `variables.tf` (existing VPC: block associations, new subnets, route-table
//! associations; ids as variables when asked), `eks.tf` (cluster, add-ons,
//! managed and self-managed node groups, AMI lookups), `autoscaler.tf` (cluster-autoscaler
//! tags on managed node groups' Auto Scaling groups), `iam.tf` (controller roles through EKS
//! Pod Identity), `endpoints.tf` (VPC endpoints), `karpenter.tf`, `helm.tf` (`helm_release`
//! resources when the plan's charts are installed by Terraform), `registry.tf` (ECR
//! replication or pull-through cache rule that brings images into the cluster's region) and
//! `outputs.tf`.
//! Karpenter NodePools and other manifests belong to the Kubernetes renderer.
//!
//! The templates lay out [`context::Root`], a view of the plan; [`hclfmt`] then indents and
//! aligns the result as `terraform fmt` does, which templates cannot.

mod context;
mod hclfmt;

use tera::Tera;

use crate::plan::Plan;

use super::{RenderError, Rendered};

pub use context::{
    EKS_MODULE_V20, EKS_MODULE_V21, VPC_MODULE_V5, VPC_MODULE_V6, helm_resource_name,
};

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
        "terraform/network.tf",
        include_str!("../../templates/terraform/network.tf.tera"),
    ),
    (
        "terraform/variables.tf",
        include_str!("../../templates/terraform/variables.tf.tera"),
    ),
    (
        "terraform/examples/root/main.tf",
        include_str!("../../templates/terraform/example_root.tf.tera"),
    ),
    (
        "terraform/node_groups.tf",
        include_str!("../../templates/terraform/node_groups.tf.tera"),
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
        "terraform/endpoints.tf",
        include_str!("../../templates/terraform/endpoints.tf.tera"),
    ),
    (
        "terraform/iam.tf",
        include_str!("../../templates/terraform/iam.tf.tera"),
    ),
    (
        "terraform/karpenter.tf",
        include_str!("../../templates/terraform/karpenter.tf.tera"),
    ),
    (
        "terraform/helm.tf",
        include_str!("../../templates/terraform/helm.tf.tera"),
    ),
    (
        "terraform/registry.tf",
        include_str!("../../templates/terraform/registry.tf.tera"),
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
    let existing = ctx.net.existing.as_ref();
    let module = ctx.module_layout;
    let cluster_exists = ctx.existing_cluster.is_some();
    let files: [(&str, bool); 15] = [
        ("versions.tf", true),
        ("providers.tf", true),
        (
            "variables.tf",
            module || existing.is_some_and(|e| !e.variables.is_empty()),
        ),
        ("vpc.tf", existing.is_none()),
        ("network.tf", existing.is_some()),
        ("eks.tf", !cluster_exists),
        ("node_groups.tf", cluster_exists),
        ("autoscaler.tf", !ctx.asg_tags.is_empty()),
        // Roles the plan creates (none for an existing cluster); endpoints name module "vpc",
        // which an existing VPC does not have.
        ("iam.tf", ctx.iam.is_some()),
        (
            "endpoints.tf",
            !ctx.vpc_endpoints.is_empty() && existing.is_none(),
        ),
        (
            "karpenter.tf",
            ctx.karpenter_module || !ctx.karpenter_placement_groups.is_empty(),
        ),
        ("helm.tf", ctx.helm.is_some()),
        ("registry.tf", ctx.registry_copy.is_some()),
        ("outputs.tf", true),
        ("examples/root/main.tf", module),
    ];
    for (file, wanted) in files {
        if !wanted {
            continue;
        }
        let body = super::run_template(tera, &format!("terraform/{file}"), &ctx)?;
        let text = format!("{}\n{}", super::header(origin), hclfmt::format(&body));
        // A child module's provider-free settings are its locals.
        let name = if module && file == "providers.tf" {
            "locals.tf"
        } else {
            file
        };
        out.insert(name.to_string(), text);
    }
    Ok(())
}
