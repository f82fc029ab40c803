//! YAML text → [`Intent`], with every error placed at a line, column and key path.

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, IntentError, did_you_mean};

use super::{API_VERSION, Intent, KIND, LocationIndex};

/// Intent files are small; anything larger is refused before parsing.
pub const MAX_INTENT_BYTES: usize = 1024 * 1024;
/// At most this many problems are reported for one file.
const MAX_DIAGNOSTICS: usize = 100;

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
    // A syntax error anywhere is the real problem, even when the deserializer would first
    // stumble over a mapping the error cut short ("missing field").
    if let Some((message, (line, col))) = index.syntax_error() {
        let path = index.path_near(line, col).unwrap_or_default();
        let too_deep = message.contains("recursion limit") || message.contains("nesting");
        let mut d = if too_deep {
            Diagnostic::new(path, plain_message("recursion limit exceeded"))
                .hint("an intent nests a few levels deep; check that this is the right file")
        } else {
            Diagnostic::new(path, format!("YAML syntax error: {message}"))
                .hint("check the indentation (spaces only, children indented under their key) and that quotes and brackets are closed")
        };
        d.position = Some((line, col));
        return Err(fail(d));
    }
    if index.is_empty() {
        return Err(fail(
            Diagnostic::new(
                "",
                "the file holds no YAML content, only comments or blank lines",
            )
            .hint("start from a preset: `eksgen init --preset minimal` (see `eksgen init --list`)"),
        ));
    }
    let intent: Intent =
        serde_saphyr::from_str(text).map_err(|e| fail(yaml_diagnostic(&e, text, &index)))?;
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

/// An intent that parsed and passed validation, with the location index of its text:
/// what comes later (resolve problems, findings) is placed in the text through this index,
/// without parsing again. Derefs to the [`Intent`].
#[derive(Debug, Clone)]
pub struct ValidIntent {
    intent: Intent,
    index: LocationIndex,
}

impl ValidIntent {
    /// Where each key path of the intent is written.
    pub fn index(&self) -> &LocationIndex {
        &self.index
    }

    pub fn into_parts(self) -> (Intent, LocationIndex) {
        (self.intent, self.index)
    }
}

impl std::ops::Deref for ValidIntent {
    type Target = Intent;

    fn deref(&self) -> &Intent {
        &self.intent
    }
}

/// Parse, then validate against the catalog; all problems at once.
pub fn parse_and_validate(
    text: &str,
    origin: &str,
    catalog: &Catalog,
) -> Result<ValidIntent, IntentError> {
    let (intent, index) = parse(text, origin)?;
    let mut diagnostics = super::validate(&intent, catalog);
    if diagnostics.is_empty() {
        return Ok(ValidIntent { intent, index });
    }
    for d in &mut diagnostics {
        if d.position.is_none() {
            d.position = index.locate(&d.path);
        }
    }
    // Report in reading order, and not without end: a generated file with thousands of
    // bad entries should not produce megabytes of messages.
    diagnostics.sort_by_key(|d| d.position.unwrap_or((usize::MAX, 0)));
    if diagnostics.len() > MAX_DIAGNOSTICS {
        let more = diagnostics.len() - MAX_DIAGNOSTICS;
        diagnostics.truncate(MAX_DIAGNOSTICS);
        diagnostics.push(
            Diagnostic::new("", format!("{more} more problems not shown"))
                .hint("fix the ones above and run again"),
        );
    }
    Err(IntentError {
        origin: origin.to_string(),
        source_text: text.to_string(),
        diagnostics,
    })
}

fn yaml_diagnostic(err: &serde_saphyr::Error, text: &str, index: &LocationIndex) -> Diagnostic {
    let plain = err.without_snippet();
    let position = plain
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| (l.line() as usize, l.column() as usize));
    let mut raw = plain.to_string();
    // The deserializer appends its own location; ours is shown separately.
    if let Some(cut) = raw.find(" at line ") {
        raw.truncate(cut);
    }
    let at_key = raw.starts_with("unknown field") || raw.starts_with("duplicate mapping key");
    // The deserializer reports a missing field at the last key of the mapping it is missing from.
    let missing = raw.starts_with("missing field");
    let whole_file =
        raw.starts_with("multiple YAML documents") || raw.starts_with("budget breached");
    let path = position
        .filter(|_| !whole_file)
        .and_then(|(l, c)| {
            let keyed = if at_key {
                index.key_at(l, c)
            } else if missing {
                index.mapping_of_key_at(l, c)
            } else {
                None
            };
            keyed.or_else(|| index.path_at(l, c))
        })
        .unwrap_or_default()
        .to_string();
    let mut message = plain_message(&raw);
    // Name the offending value when the message does not already quote it.
    if !raw.contains('`') && !whole_file && !at_key {
        if let Some(found) = position.and_then(|(l, c)| found_at(text, l, c)) {
            message.push_str(&format!(", found {found}"));
        }
    }
    let hint = unknown_name_hint(&raw).or_else(|| {
        raw.contains("missing field").then(|| {
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

/// The deserializer's wording, in the intent's terms (no Rust type or API names).
fn plain_message(raw: &str) -> String {
    let number = |t: &str| t.starts_with('u') || t.starts_with('i');
    if let Some(ty) = raw.strip_prefix("invalid ") {
        match ty {
            "boolean" => return "expected `true` or `false`".to_string(),
            "f32" | "f64" => return "expected a number".to_string(),
            t if number(t) && t[1..].parse::<u8>().is_ok() => {
                return "expected a whole number (0 or more)".to_string();
            }
            _ => {}
        }
    }
    if raw.starts_with("cannot deserialize null into string") {
        return "expected a text value".to_string();
    }
    if let Some(rest) = raw.strip_prefix("budget breached: ") {
        let limit = rest.split([' ', '{', '(']).next().unwrap_or_default();
        return format!(
            "the document expands beyond what eksgen reads safely (limit `{limit}`); YAML anchors and aliases (`&a`, `*a`) repeat values far more than an intent needs"
        );
    }
    if raw.starts_with("multiple YAML documents") {
        return "the file holds more than one YAML document (a second `---`); an intent is one document".to_string();
    }
    if let Some(rest) = raw.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return format!("the key `{}` is given twice", key.escape_debug());
    }
    match raw {
        "expected string scalar" => "expected a single value".to_string(),
        "expected mapping start" => "expected a mapping (`key: value` entries)".to_string(),
        "expected sequence start" => "expected a list (`[a, b]` or `- item` lines)".to_string(),
        "recursion limit exceeded" => "the document is nested too deeply".to_string(),
        other => other.to_string(),
    }
}

/// A short description of the YAML node written at `(line, col)`: the scalar as written,
/// or "a list" / "a mapping".
fn found_at(text: &str, line: usize, col: usize) -> Option<String> {
    let source_line = text.lines().nth(line.checked_sub(1)?)?;
    let rest: String = source_line.chars().skip(col.checked_sub(1)?).collect();
    let rest = rest.trim_end();
    let first = rest.chars().next()?;
    let token: String = match first {
        '[' => return Some("a list".to_string()),
        '{' => return Some("a mapping".to_string()),
        '-' if rest.len() == 1 || rest[1..].starts_with(' ') => {
            return Some("a list".to_string());
        }
        '"' | '\'' => {
            let close = rest[1..].find(first).map_or(rest.len(), |i| i + 2);
            rest[..close].to_string()
        }
        _ => rest
            .split([',', ']', '}'])
            .next()
            .unwrap_or_default()
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    if token.is_empty() {
        return None;
    }
    let shown: String = token.chars().take(60).collect();
    let ellipsis = if shown.len() < token.len() { "..." } else { "" };
    Some(format!("`{}{ellipsis}`", shown.escape_debug()))
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

    #[test]
    fn type_errors_name_the_value_and_the_key() {
        let err = parse(&GOOD.replace("max: 4}", "max: four}"), "t.yaml").unwrap_err();
        let d = &err.diagnostics[0];
        assert_eq!(d.path, "spec.nodeGroups[0].scaling.max");
        assert_eq!(
            d.message,
            "expected a whole number (0 or more), found `four`"
        );
        let err = parse(&GOOD.replace("  name: demo", "  name: [a]"), "t.yaml").unwrap_err();
        assert_eq!(
            err.diagnostics[0].message,
            "expected a single value, found a list"
        );
        // Unknown fields are placed at their own key, not the sibling before.
        let bad = GOOD.replace(
            "  region: us-west-2\n",
            "  region: us-west-2\n  regoin: x\n",
        );
        assert_eq!(
            parse(&bad, "t.yaml").unwrap_err().diagnostics[0].path,
            "spec.regoin"
        );
        // A missing field names the mapping it is missing from.
        let bad = GOOD.replace("{min: 2, desired: 2, max: 4}", "{min: 2, max: 4}");
        let d = &parse(&bad, "t.yaml").unwrap_err().diagnostics[0];
        assert_eq!(d.path, "spec.nodeGroups[0].scaling");
        assert!(d.message.contains("`desired`"), "{d:?}");
    }

    #[test]
    fn syntax_errors_come_first() {
        // The broken line cuts `spec` short; the syntax error, not "missing field", is reported.
        let bad = GOOD.replace("  region: us-west-2\n", "  region: us-west-2\n bad: [x\n");
        let d = &parse(&bad, "t.yaml").unwrap_err().diagnostics[0];
        assert!(d.message.starts_with("YAML syntax error"), "{d:?}");
        assert_eq!(d.position.map(|p| p.0), Some(7));
        let d = &parse("# only comments\n", "t.yaml")
            .unwrap_err()
            .diagnostics[0];
        assert!(d.message.contains("no YAML content"), "{d:?}");
        let d = &parse(&format!("{GOOD}---\nkind: x\n"), "t.yaml")
            .unwrap_err()
            .diagnostics[0];
        assert!(d.message.contains("more than one YAML document"), "{d:?}");
        assert_eq!(d.path, "");
    }

    #[test]
    fn found_value_descriptions() {
        assert_eq!(found_at("a: [1]\n", 1, 4).as_deref(), Some("a list"));
        assert_eq!(found_at("a: {b: 1}\n", 1, 4).as_deref(), Some("a mapping"));
        assert_eq!(
            found_at("a: \"x, y\" # c\n", 1, 4).as_deref(),
            Some("`\\\"x, y\\\"`")
        );
        assert_eq!(found_at("{a: b, c: d}\n", 1, 5).as_deref(), Some("`b`"));
        assert_eq!(
            found_at("a: plain # comment\n", 1, 4).as_deref(),
            Some("`plain`")
        );
        assert_eq!(found_at("a:\n", 1, 3), None);
        assert_eq!(found_at("a: b\n", 9, 1), None);
        assert_eq!(found_at("a: b\n", 1, 0), None);
    }
}
