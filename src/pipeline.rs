//! Intent text → plan: parse, validate and resolve, with every error placed in the text
//! (file, line, column, key path). Pure: the text comes from the caller, nothing is read
//! or written here.
//!
//! The commands, the tests, the benches and the fuzz target all enter the stages here.

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, IntentError};
use crate::error::AppError;
use crate::plan::{Plan, Severity};
use crate::{intent, resolve};

/// Parse, validate and resolve intent text against the embedded catalog.
pub fn plan_from_text(text: &str, origin: &str) -> Result<Plan, AppError> {
    plan_from_text_with(text, origin, Catalog::embedded())
}

/// Parse, validate and resolve intent text against `catalog` (embedded plus any overlay).
pub fn plan_from_text_with(text: &str, origin: &str, catalog: &Catalog) -> Result<Plan, AppError> {
    plan_from_text_pinned(text, origin, catalog, None)
}

/// [`plan_from_text_with`], keeping the subnet layout a lock file recorded.
pub fn plan_from_text_pinned(
    text: &str,
    origin: &str,
    catalog: &Catalog,
    pins: Option<&crate::lock::LayoutPins>,
) -> Result<Plan, AppError> {
    let intent = intent::parse_and_validate(text, origin, catalog)?;
    resolve::resolve_with(&intent, catalog, pins).map_err(|mut diagnostics| {
        let index = intent::parse(text, origin)
            .map(|(_, index)| index)
            .unwrap_or_default();
        for d in &mut diagnostics {
            d.position = index.locate(&d.path);
        }
        AppError::Intent(IntentError {
            origin: origin.to_string(),
            source_text: text.to_string(),
            diagnostics,
        })
    })
}

/// An intent as loaded for a command: the plan, the origin to name in messages and
/// generated-file headers, and the text (to place findings in it).
pub struct LoadedIntent {
    pub plan: Plan,
    pub origin: String,
    pub text: String,
}

impl LoadedIntent {
    /// Resolve `text` against `catalog`.
    pub fn from_text(text: String, origin: String, catalog: &Catalog) -> Result<Self, AppError> {
        Self::from_text_pinned(text, origin, catalog, None)
    }

    /// Resolve `text` against `catalog`, keeping the subnet layout `pins` records.
    pub fn from_text_pinned(
        text: String,
        origin: String,
        catalog: &Catalog,
        pins: Option<&crate::lock::LayoutPins>,
    ) -> Result<Self, AppError> {
        Ok(LoadedIntent {
            plan: plan_from_text_pinned(&text, &origin, catalog, pins)?,
            origin,
            text,
        })
    }

    /// The plan's error findings as one error that names the file and, where a finding
    /// belongs to a node group or a part of the spec, its line, column and key path.
    pub fn findings_error(&self) -> Option<IntentError> {
        let errors: Vec<_> = self
            .plan
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            return None;
        }
        let parsed = intent::parse(&self.text, &self.origin).ok();
        let diagnostics = errors
            .into_iter()
            .map(|f| {
                let group_index = f.node_group.as_ref().and_then(|name| {
                    let (intent, _) = parsed.as_ref()?;
                    intent
                        .spec
                        .node_groups
                        .iter()
                        .position(|g| intent::expanded_names(g).contains(name))
                });
                let path = match (group_index, f.id.as_str()) {
                    (Some(i), _) => format!("spec.nodeGroups[{i}]"),
                    (None, crate::resolve::findings::SUBNET_TOO_SMALL) => {
                        "spec.network".to_string()
                    }
                    (None, _) => "spec".to_string(),
                };
                let mut d =
                    Diagnostic::new(path, format!("{}: {}", f.id, f.message)).hint(f.hint.clone());
                d.position = parsed.as_ref().and_then(|(_, index)| index.locate(&d.path));
                d
            })
            .collect();
        Some(IntentError {
            origin: self.origin.clone(),
            source_text: self.text.clone(),
            diagnostics,
        })
    }
}
