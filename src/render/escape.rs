//! The one escaping path for user-supplied strings that reach generated code.
//!
//! Every string a template places into HCL or YAML goes through a filter defined here (and
//! every string the SVG address map shows goes through [`xml_text`]), so
//! quotes, backslashes, newlines, `${` and `%{` can never change the meaning of the output.
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

/// A YAML double-quoted scalar whose value is exactly `s` (JSON string syntax is valid YAML).
/// U+2028 and U+2029 are line breaks to YAML 1.1 parsers (libyaml, PyYAML), though JSON
/// leaves them as they are: they are escaped too.
pub fn yaml_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".to_string())
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
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

/// Register `hcl`, `hcl_heredoc`, `yaml` and `comment` filters.
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter("hcl", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(hcl_string(&as_text(v))))
    });
    tera.register_filter("hcl_heredoc", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(hcl_heredoc_body(&as_text(v))))
    });
    tera.register_filter("yaml", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(yaml_string(&as_text(v))))
    });
    tera.register_filter("comment", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(comment_text(&as_text(v))))
    });
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
    fn line_separators_never_reach_output_raw() {
        let nasty = "x\u{2028}y: 1\u{2029}z";
        assert!(!yaml_string(nasty).contains(['\u{2028}', '\u{2029}']));
        assert_eq!(comment_text(nasty), "x y: 1 z");
    }
}
