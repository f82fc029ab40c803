//! User-facing problems with an intent: where (file, line, column, key path), what (the
//! message, naming the bad value) and what to do next (the hint).
//!
//! Owns the data and its rendering as text; never decides exit codes or prints.

use std::fmt;

/// One problem at one place in the intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Key path such as `spec.nodeGroups[1].scaling.min`; empty for the whole document.
    pub path: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.into(),
            position: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

/// Every problem found in one intent file. Displayed as one block per problem with a
/// source excerpt and caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentError {
    pub origin: String,
    pub source_text: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::error::Error for IntentError {}

impl fmt::Display for IntentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.origin)?;
            if let Some((line, col)) = d.position {
                write!(f, ":{line}:{col}")?;
            }
            write!(f, ": ")?;
            if !d.path.is_empty() {
                write!(f, "{}: ", d.path)?;
            }
            write!(f, "{}", d.message)?;
            if let Some((line, col)) = d.position {
                if let Some(text) = self.source_text.lines().nth(line.saturating_sub(1)) {
                    let shown: String = text.chars().take(160).collect();
                    let shown = shown.replace(|c: char| c.is_control(), " ");
                    let gutter = line.to_string().len();
                    write!(
                        f,
                        "\n{:gutter$} |\n{line} | {shown}\n{:gutter$} | {:>col$}",
                        "",
                        "",
                        "^",
                        col = col.min(161)
                    )?;
                }
            }
            if let Some(hint) = &d.hint {
                write!(f, "\n  = hint: {hint}")?;
            }
        }
        if self.diagnostics.len() > 1 {
            write!(
                f,
                "\n{} problems in {}",
                self.diagnostics.len(),
                self.origin
            )?;
        }
        Ok(())
    }
}

/// "did you mean `x`?" from a list of known names, or `None` when nothing is close.
pub fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(wanted, known).map(|name| format!("did you mean `{name}`?"))
}

/// eksgen's one "did you mean" rule: the known name most like `wanted` (Jaro-Winkler,
/// ignoring ASCII case, at least 0.8; the first of equals), or `None` when nothing is close.
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in known {
        let score = strsim::jaro_winkler(&wanted, &candidate.to_ascii_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_excerpt_and_hint() {
        let err = IntentError {
            origin: "eksgen.yaml".into(),
            source_text: "a: 1\nscaling: {min: 5}\n".into(),
            diagnostics: vec![Diagnostic {
                path: "scaling.min".into(),
                position: Some((2, 16)),
                message: "min 5 is above max 2".into(),
                hint: Some("lower min".into()),
            }],
        };
        assert_eq!(
            err.to_string(),
            "eksgen.yaml:2:16: scaling.min: min 5 is above max 2\n  |\n2 | scaling: {min: 5}\n  |                ^\n  = hint: lower min"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("nodeGroup", ["nodeGroups", "network"]).as_deref(),
            Some("did you mean `nodeGroups`?")
        );
        assert_eq!(did_you_mean("zzz", ["nodeGroups"]), None);
    }
}
