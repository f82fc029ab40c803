//! Kubernetes output: Karpenter NodePools and EC2NodeClasses, ENIConfigs and workload
//! pod-template snippets, rendered from the same plan as the Terraform.

use tera::Tera;

use crate::plan::Plan;

use super::{RenderError, Rendered};

/// (template name, source) pairs compiled into the binary.
pub const TEMPLATES: &[(&str, &str)] = &[];

pub fn render(
    _plan: &Plan,
    _origin: &str,
    _tera: &Tera,
    _out: &mut Rendered,
) -> Result<(), RenderError> {
    Ok(())
}
