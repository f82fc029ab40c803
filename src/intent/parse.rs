//! YAML text → [`Intent`], with every error placed at a line, column and key path.

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, IntentError, did_you_mean};

use super::{API_VERSION, Intent, KIND, LocationIndex};

/// Intent files are small; anything larger is refused before parsing.
pub const MAX_INTENT_BYTES: usize = 1024 * 1024;

/// Parse intent text. `origin` names the file in messages.
pub fn parse(text: &str, origin: &str) -> Result<(Intent, LocationIndex), IntentError> {
    let fail = |d: Diagnostic| IntentError {
        origin: origin.to_string(),
        source_text: text.to_string(),
        diagnostics: vec![d],
    };
    if text.len() > MAX_INTENT_BYTES {
        return Err(fail(
            Diagnostic::new("", format!("the file is {} bytes; intents are limited to {MAX_INTENT_BYTES}", text.len()))
                .hint("an intent describes one cluster in a few hundred lines; check that this is the right file"),
        ));
    }
    if text.trim().is_empty() {
        return Err(fail(Diagnostic::new("", "the file is empty").hint(
            "start from a preset: `eksgen init --preset minimal` (see `eksgen init --list`)",
        )));
    }
    let index = LocationIndex::build(text);
    let intent: Intent =
        serde_saphyr::from_str(text).map_err(|e| fail(yaml_diagnostic(&e, &index)))?;
    if intent.api_version != API_VERSION || intent.kind != KIND {
        let (path, value, want) = if intent.api_version != API_VERSION {
            ("apiVersion", &intent.api_version, API_VERSION)
        } else {
            ("kind", &intent.kind, KIND)
        };
        let mut d = Diagnostic::new(
            path,
            format!("`{value}` is not supported; expected `{want}`"),
        )
        .hint(format!("set `{path}: {want}`"));
        d.position = index.locate(path);
        return Err(fail(d));
    }
    Ok((intent, index))
}

/// Parse, then validate against the catalog; all problems at once.
pub fn parse_and_validate(
    text: &str,
    origin: &str,
    catalog: &Catalog,
) -> Result<Intent, IntentError> {
    let (intent, index) = parse(text, origin)?;
    let mut diagnostics = super::validate(&intent, catalog);
    if diagnostics.is_empty() {
        return Ok(intent);
    }
    for d in &mut diagnostics {
        if d.position.is_none() {
            d.position = index.locate(&d.path);
        }
    }
    // Report in reading order.
    diagnostics.sort_by_key(|d| d.position.unwrap_or((usize::MAX, 0)));
    Err(IntentError {
        origin: origin.to_string(),
        source_text: text.to_string(),
        diagnostics,
    })
}

fn yaml_diagnostic(err: &serde_saphyr::Error, index: &LocationIndex) -> Diagnostic {
    let plain = err.without_snippet();
    let position = plain
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| (l.line() as usize, l.column() as usize));
    let mut message = plain.to_string();
    // The deserializer appends its own location; ours is shown separately.
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    let path = position
        .and_then(|(l, c)| index.path_at(l, c))
        .unwrap_or_default()
        .to_string();
    let hint = unknown_name_hint(&message).or_else(|| {
        message.contains("missing field").then(|| {
            "add the field; `eksgen init --preset minimal` writes a complete example".to_string()
        })
    });
    Diagnostic {
        path,
        position,
        message,
        hint,
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and the same for variants).
fn unknown_name_hint(message: &str) -> Option<String> {
    if !(message.contains("unknown field") || message.contains("unknown variant")) {
        return None;
    }
    let wanted = message.split('`').nth(1)?;
    let known: Vec<&str> = message
        .split_once("expected one of ")
        .map(|(_, list)| list.split(", ").map(|k| k.trim_matches('`')).collect())
        .unwrap_or_default();
    did_you_mean(wanted, known.iter().copied()).or_else(|| {
        (!known.is_empty()).then(|| {
            format!(
                "allowed here: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: demo
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
  nodeGroups:
    - name: system
      instanceTypes: [m6i.large]
      scaling: {min: 2, desired: 2, max: 4}
";

    #[test]
    fn parses_a_minimal_intent() {
        let (intent, _) = parse(GOOD, "t.yaml").unwrap();
        assert_eq!(intent.metadata.name, "demo");
        assert_eq!(intent.spec.node_groups[0].scaling.max, 4);
    }

    #[test]
    fn unknown_field_names_place_and_suggestion() {
        let bad = GOOD.replace("      scaling:", "      scalling:");
        let err = parse(&bad, "t.yaml").unwrap_err();
        let d = &err.diagnostics[0];
        assert!(d.message.contains("scalling"), "{d:?}");
        assert_eq!(d.hint.as_deref(), Some("did you mean `scaling`?"));
        assert_eq!(d.position.map(|p| p.0), Some(14), "{d:?}");
    }

    #[test]
    fn unquoted_version_is_explained() {
        let bad = GOOD.replace("\"1.34\"", "1.30");
        let err = parse(&bad, "t.yaml").unwrap_err().to_string();
        assert!(err.contains("quote it"), "{err}");
        assert!(err.starts_with("t.yaml:7:"), "{err}");
    }

    #[test]
    fn empty_and_wrong_kind() {
        assert!(
            parse("  \n", "t.yaml")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let err = parse(&GOOD.replace("ClusterIntent", "Cluster"), "t.yaml").unwrap_err();
        assert_eq!(err.diagnostics[0].path, "kind");
        assert_eq!(err.diagnostics[0].position, Some((2, 7)));
    }

    #[test]
    fn unknown_variant_suggests() {
        let bad = GOOD.replace(
            "      scaling:",
            "      provisioner: manged\n      scaling:",
        );
        let err = parse(&bad, "t.yaml").unwrap_err();
        assert_eq!(
            err.diagnostics[0].hint.as_deref(),
            Some("did you mean `managed`?"),
            "{err}"
        );
    }
}
