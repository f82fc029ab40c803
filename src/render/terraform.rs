//! Terraform output: root module files for terraform-aws-modules/vpc 6.x and
//! terraform-aws-modules/eks (v21 input names by default, v20 when the plan says so).

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
