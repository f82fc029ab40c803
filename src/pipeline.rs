//! Intent text → plan: parse, validate and resolve, with every error placed in the text
//! (file, line, column, key path). Pure: the text comes from the caller, nothing is read
//! or written here.
//!
//! The text is parsed once; its location index travels with the plan ([`LoadedIntent`]),
//! so resolve problems and findings are placed without parsing again. The commands, the
//! tests, the benches and the fuzz target all enter the stages here.

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, IntentError};
use crate::error::AppError;
use crate::intent::{self, LocationIndex};
use crate::plan::{Plan, Severity};
use crate::resolve;

/// Parse, validate and resolve intent text against the embedded catalog.
pub fn plan_from_text(text: &str, origin: &str) -> Result<Plan, AppError> {
    plan_from_text_with(text, origin, Catalog::embedded())
}

/// Parse, validate and resolve intent text against `catalog` (embedded plus any overlay).
pub fn plan_from_text_with(text: &str, origin: &str, catalog: &Catalog) -> Result<Plan, AppError> {
    plan_from_text_pinned(text, origin, catalog, &crate::lock::Pins::default())
}

/// [`plan_from_text_with`], keeping what a lock file recorded (layout, versions, AMI paths).
pub fn plan_from_text_pinned(
    text: &str,
    origin: &str,
    catalog: &Catalog,
    pins: &crate::lock::Pins,
) -> Result<Plan, AppError> {
    resolve_text(text, origin, catalog, pins).map(|(plan, _)| plan)
}

/// The plan and the location index of the text it came from.
fn resolve_text(
    text: &str,
    origin: &str,
    catalog: &Catalog,
    pins: &crate::lock::Pins,
) -> Result<(Plan, LocationIndex), AppError> {
    let valid = intent::parse_and_validate(text, origin, catalog)?;
    match resolve::resolve_with(&valid, catalog, pins) {
        Ok(plan) => Ok((plan, valid.into_parts().1)),
        Err(mut diagnostics) => {
            for d in &mut diagnostics {
                d.position = d.position.or_else(|| valid.index().locate(&d.path));
            }
            Err(AppError::Intent(IntentError {
                origin: origin.to_string(),
                source_text: text.to_string(),
                diagnostics,
            }))
        }
    }
}

/// An intent as loaded for a command: the plan, the origin to name in messages and
/// generated-file headers, the text and where each key path is written in it (to place
/// findings).
pub struct LoadedIntent {
    pub plan: Plan,
    pub origin: String,
    pub text: String,
    pub index: LocationIndex,
}

impl LoadedIntent {
    /// Resolve `text` against `catalog`.
    pub fn from_text(text: String, origin: String, catalog: &Catalog) -> Result<Self, AppError> {
        Self::from_text_pinned(text, origin, catalog, &crate::lock::Pins::default())
    }

    /// Resolve `text` against `catalog`, keeping what `pins` records.
    pub fn from_text_pinned(
        text: String,
        origin: String,
        catalog: &Catalog,
        pins: &crate::lock::Pins,
    ) -> Result<Self, AppError> {
        let (plan, index) = resolve_text(&text, &origin, catalog, pins)?;
        Ok(LoadedIntent {
            plan,
            origin,
            text,
            index,
        })
    }

    /// The 1-based line and column of a key path (or of its closest written ancestor).
    pub fn position(&self, path: &str) -> Option<(usize, usize)> {
        self.index.locate(path)
    }

    /// The plan's error findings as one error that names the file and, for each finding,
    /// the line, column and key path it is about.
    pub fn findings_error(&self) -> Option<IntentError> {
        let diagnostics: Vec<Diagnostic> = self
            .plan
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| {
                let mut d = Diagnostic::new(f.path.clone(), format!("{}: {}", f.id, f.message))
                    .hint(f.hint.clone());
                d.position = self.position(&f.path);
                d
            })
            .collect();
        if diagnostics.is_empty() {
            return None;
        }
        Some(IntentError {
            origin: self.origin.clone(),
            source_text: self.text.clone(),
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EFA_OVER_TWO_ZONES: &str = "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: t
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
  nodeGroups:
    - name: system
      instanceTypes: [m6i.large]
      scaling: {min: 1, desired: 1, max: 2}
    - name: train
      instanceTypes: [p5.48xlarge]
      efa: true
      availabilityZones: [us-west-2a, us-west-2b]
      scaling: {min: 0, desired: 0, max: 2}
";

    #[test]
    fn error_findings_are_placed_from_the_one_parse() {
        let loaded = LoadedIntent::from_text(
            EFA_OVER_TWO_ZONES.to_string(),
            "t.yaml".to_string(),
            Catalog::embedded(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = loaded.findings_error().expect("EKSG005 is an error");
        let d = &err.diagnostics[0];
        assert_eq!(d.path, "spec.nodeGroups[1].availabilityZones");
        assert_eq!(d.position, Some((18, 26)));
        assert!(d.message.starts_with("EKSG005: EFA group spans"), "{d:?}");
        assert!(
            err.to_string()
                .starts_with("t.yaml:18:26: spec.nodeGroups[1].availabilityZones: EKSG005"),
            "{err}"
        );
    }
}
