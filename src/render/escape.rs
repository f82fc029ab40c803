//! The one escaping path for strings that reach generated code: one function per output
//! language and context.
//!
//! | context | function | template |
//! |---|---|---|
//! | HCL quoted string | [`hcl_string`] | default of `.tf` templates; filter `hcl` |
//! | HCL heredoc body | [`hcl_heredoc_body`] | filter `hcl_heredoc` |
//! | YAML double-quoted scalar | [`yaml_string`] | default of `.yaml` templates; filter `yaml` |
//! | TOML basic string | [`toml_string`] | filter `toml` |
//! | TOML key | [`toml_key`] | filter `toml_key` |
//! | `#` comment line (HCL, YAML, TOML) | [`comment_text`] | filter `comment` |
//! | POSIX shell word | [`shell_word`] | (Rust only: AL2 `bootstrap.sh` arguments) |
//! | XML text or attribute (SVG) | [`xml_text`] | (Rust only) |
//!
//! Templates escape by default (see [`crate::render`]): every `{{ }}` goes through its
//! language's escaper unless a filter here ends it (each is marked safe, so it is not
//! escaped twice) or `| safe` marks it raw (identifiers, pre-escaped text). So quotes,
//! backslashes, newlines, `${` and `%{` can never change the meaning of the output.
//! Owns only text transformation; knows nothing of plans or files.

use std::collections::HashMap;

use tera::{Tera, Value};

/// A complete HCL quoted string literal (quotes included) whose value is exactly `s`.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Template sequences are escaped by doubling the introducer.
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for the body of an HCL heredoc: only template introducers need escaping there.
/// Callers must only pass text whose lines cannot equal the heredoc delimiter.
pub fn hcl_heredoc_body(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

/// A JSON string literal (quotes included) whose value is exactly `s`, with every control
/// character and the line and paragraph separators written as `\uXXXX` (or a short escape).
///
/// This one syntax is a valid double-quoted string in two of eksgen's output languages,
/// which [`yaml_string`] and [`toml_string`] both use: YAML double-quoted scalars and TOML
/// basic strings accept JSON's escapes (`\"`, `\\`, `\n`, `\t`, `\uXXXX`, ...). Beyond what
/// JSON requires it escapes DEL and the C1 controls (unprintable to YAML, forbidden raw in
/// TOML), and U+2028 / U+2029, which YAML 1.1 parsers (libyaml, PyYAML) take as line breaks.
fn quoted_with_json_escapes(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    if !json.contains(needs_unicode_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if needs_unicode_escape(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters [`quoted_with_json_escapes`] escapes that `serde_json` leaves as they are
/// (it already escapes U+0000..U+001F).
fn needs_unicode_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
}

/// A YAML double-quoted scalar whose value is exactly `s`.
pub fn yaml_string(s: &str) -> String {
    quoted_with_json_escapes(s)
}

/// A TOML basic string (quotes included) whose value is exactly `s`: the same text as
/// [`yaml_string`], since both accept the escapes [`quoted_with_json_escapes`] writes.
pub fn toml_string(s: &str) -> String {
    quoted_with_json_escapes(s)
}

/// A TOML key naming exactly `s`: bare (`cpu`, `ephemeral-storage`) when TOML allows it,
/// else a quoted key.
pub fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        s.to_string()
    } else {
        toml_string(s)
    }
}

/// One POSIX shell word (single-quoted) whose value is exactly `s`.
pub fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Characters some parser of eksgen's output languages ends a line at besides the control
/// characters: the Unicode line and paragraph separators (YAML 1.1).
fn breaks_a_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// One line of a `#` comment: control characters and line separators become spaces.
pub fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if breaks_a_line(c) { ' ' } else { c })
        .collect()
}

/// Text for XML character data or a double- or single-quoted attribute value (SVG): the five
/// markup characters become entities, and control characters XML 1.0 forbids (all but tab,
/// newline and carriage return) become spaces.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An escaping function: text in, the literal or text for one context out.
pub type Escape = fn(&str) -> String;

/// A template filter that applies one escaper. Its output is final text for its context, so
/// it is marked safe: the template's default escaper does not run on it again.
struct Escaper(Escape);

impl tera::Filter for Escaper {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Ok(Value::String((self.0)(&as_text(value))))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// Template filters, by name (see the table in the module doc).
const FILTERS: &[(&str, Escape)] = &[
    // The `.tf` default, written out: needed before another filter in a chain.
    ("hcl", hcl_string),
    ("hcl_heredoc", hcl_heredoc_body),
    // The `.yaml` default, written out: YAML inside an HCL heredoc is `yaml | hcl_heredoc`.
    ("yaml", yaml_string),
    ("toml", toml_string),
    ("toml_key", toml_key),
    ("comment", comment_text),
];

/// Register every escaping filter on `tera`.
pub fn register_filters(tera: &mut Tera) {
    for &(name, escape) in FILTERS {
        tera.register_filter(name, Escaper(escape));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml_text("a<b>&\"c'\u{1}d"),
            "a&lt;b&gt;&amp;&quot;c&apos; d"
        );
        assert_eq!(xml_text("plain-1"), "plain-1");
    }

    #[test]
    fn hcl_escapes() {
        assert_eq!(hcl_string("plain"), "\"plain\"");
        assert_eq!(hcl_string("a\"b ${x} %{ if }"), r#""a\"b $${x} %%{ if }""#);
        assert_eq!(hcl_string("back\\slash\nnew"), r#""back\\slash\nnew""#);
        assert_eq!(hcl_string("$x %d"), "\"$x %d\"");
        assert_eq!(hcl_string("\u{1}"), "\"\\u0001\"");
    }

    #[test]
    fn hcl_literals_parse_back() {
        for s in [
            "a\"b ${x} %{ if }",
            "x\\\"y",
            "line\nbreak",
            "ünïcödé",
            "$${a}",
            "%%{b}",
            "}\"\n}",
        ] {
            let src = format!("v = {}\n", hcl_string(s));
            let body: hcl::Body = hcl::from_str(&src).unwrap();
            let attr = body.attributes().next().unwrap();
            let value: hcl::Value =
                hcl::eval::Evaluate::evaluate(attr.expr(), &hcl::eval::Context::new()).unwrap();
            assert_eq!(value, hcl::Value::String(s.to_string()), "{src}");
        }
    }

    #[test]
    fn yaml_roundtrip() {
        for s in [
            "a\"b ${x}",
            "key: value",
            "- item",
            "#c",
            "multi\nline",
            "yes",
            "0x10",
            "line\u{2028}sep\u{2029}para",
        ] {
            let src = format!("v: {}\n", yaml_string(s));
            let back: std::collections::BTreeMap<String, String> =
                serde_saphyr::from_str(&src).unwrap();
            assert_eq!(back["v"], s);
        }
    }

    #[test]
    fn toml_strings_and_keys_parse_back() {
        for s in [
            "nvidia.com/gpu",
            "a\"b\\c\n",
            "tab\there",
            "del\u{7f}c1\u{85}",
            "line\u{2028}sep",
            "ünïcödé",
            "'single'",
            "",
            "cpu",
            "ephemeral-storage",
            "a.b",
            "a b",
        ] {
            let src = format!("{} = {}\n", toml_key(s), toml_string(s));
            let doc: toml::Table = src.parse().unwrap_or_else(|e| panic!("{e}\n{src}"));
            assert_eq!(
                doc.get(s),
                Some(&toml::Value::String(s.to_string())),
                "{src}"
            );
        }
        assert_eq!(toml_string("nvidia.com/gpu"), "\"nvidia.com/gpu\"");
        assert_eq!(toml_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(toml_key("ephemeral-storage"), "ephemeral-storage");
        assert_eq!(toml_key("nvidia.com/gpu"), "\"nvidia.com/gpu\"");
        assert_eq!(toml_key(""), "\"\"");
    }

    /// YAML and TOML share one double-quoted syntax: the same text, by construction.
    #[test]
    fn toml_and_yaml_strings_are_one_syntax() {
        for s in ["x", "a\"b", "\u{7f}", "\u{2029}", "\u{0}"] {
            assert_eq!(toml_string(s), yaml_string(s));
        }
        assert_eq!(yaml_string("\u{7f}\u{2028}"), "\"\\u007F\\u2028\"");
    }

    #[test]
    fn shell_words_are_single_quoted() {
        assert_eq!(shell_word("--max-pods=110"), "'--max-pods=110'");
        assert_eq!(shell_word("a'b"), r"'a'\''b'");
        assert_eq!(shell_word(""), "''");
    }

    /// The words `sh` would split `shell_word` output into, for plain and hostile text.
    #[test]
    fn shell_words_survive_a_real_shell() {
        for s in [
            "a b",
            "a'b",
            "$(x) `y` $z",
            "\"q\"",
            "back\\slash",
            "new\nline",
            "*",
        ] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_word(s)))
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), s);
        }
    }

    #[test]
    fn line_separators_never_reach_output_raw() {
        let nasty = "x\u{2028}y: 1\u{2029}z";
        assert!(!yaml_string(nasty).contains(['\u{2028}', '\u{2029}']));
        assert_eq!(comment_text(nasty), "x y: 1 z");
    }
}
