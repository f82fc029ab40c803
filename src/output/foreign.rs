//! Terraform files in the output folder that eksgen did not write but that define what the
//! generated files define: Terraform loads every `.tf` file of a folder as one module, so
//! a second `provider "aws"` (without `alias`), `module "vpc"`, `required_providers`, a
//! same-named local, resource, data source, variable or output fails `terraform validate`
//! with a "Duplicate …" error. Found here, before that, and reported with both files.
//!
//! Owns a small scanner of top-level HCL blocks, not an HCL parser: it reads block headers
//! at depth 0 and the attribute names at depth 1 that matter (locals, `alias`,
//! `required_providers`), skipping strings, comments and heredocs. Pure: text in,
//! definitions out.

use std::collections::BTreeSet;

/// One thing a Terraform file defines that may be defined only once per module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Definition {
    /// `provider "aws"` without `alias`.
    Provider(String),
    Module(String),
    Resource(String, String),
    Data(String, String),
    Variable(String),
    Output(String),
    Local(String),
    /// `terraform { required_providers { … } }`.
    RequiredProviders,
}

impl std::fmt::Display for Definition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Definition::Provider(n) => write!(f, "provider {n:?}"),
            Definition::Module(n) => write!(f, "module {n:?}"),
            Definition::Resource(t, n) => write!(f, "resource {t:?} {n:?}"),
            Definition::Data(t, n) => write!(f, "data {t:?} {n:?}"),
            Definition::Variable(n) => write!(f, "variable {n:?}"),
            Definition::Output(n) => write!(f, "output {n:?}"),
            Definition::Local(n) => write!(f, "local.{n}"),
            Definition::RequiredProviders => write!(f, "terraform.required_providers"),
        }
    }
}

/// The single-definition things `text` defines.
pub fn definitions(text: &str) -> BTreeSet<Definition> {
    let mut out = BTreeSet::new();
    let mut depth = 0usize;
    // The top-level block being read: its kind and labels, and whether it has an alias.
    let mut block: Option<(String, Vec<String>)> = None;
    let mut aliased = false;
    let mut heredoc: Option<String> = None;
    let mut in_comment = false;
    for raw in text.lines() {
        if let Some(end) = &heredoc {
            if raw.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let line = strip(raw, &mut in_comment);
        let trimmed = line.trim();
        if depth == 0 {
            if let Some((kind, _)) = header(trimmed) {
                // Labels from the raw line: `strip` empties string contents.
                let labels = raw
                    .split('"')
                    .skip(1)
                    .step_by(2)
                    .map(String::from)
                    .collect();
                block = Some((kind, labels));
                aliased = false;
            }
        } else if depth == 1
            && let Some((kind, _)) = &block
        {
            let name = trimmed
                .split(|c: char| c == '=' || c == '{' || c.is_whitespace())
                .next()
                .unwrap_or_default();
            match kind.as_str() {
                "locals" if trimmed.contains('=') && !name.is_empty() => {
                    out.insert(Definition::Local(name.to_string()));
                }
                "provider" if name == "alias" => aliased = true,
                "terraform" if name == "required_providers" => {
                    out.insert(Definition::RequiredProviders);
                }
                _ => {}
            }
        }
        if let Some(pos) = line.find("<<") {
            let tag: String = line[pos + 2..]
                .trim_start_matches('-')
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() {
                heredoc = Some(tag);
            }
        }
        for c in line.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0
                        && let Some((kind, labels)) = block.take()
                    {
                        if let Some(d) = definition(&kind, &labels, aliased) {
                            out.insert(d);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// `resource "" "" {` (a stripped header line) → (`resource`, labels as far as the line
/// still has them).
fn header(line: &str) -> Option<(String, Vec<String>)> {
    let kind: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if kind.is_empty() || !line.contains('{') {
        return None;
    }
    let labels = line[kind.len()..]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect();
    Some((kind, labels))
}

fn definition(kind: &str, labels: &[String], aliased: bool) -> Option<Definition> {
    let one = || labels.first().cloned();
    Some(match (kind, labels.len()) {
        ("provider", 1) if !aliased => Definition::Provider(one()?),
        ("module", 1) => Definition::Module(one()?),
        ("variable", 1) => Definition::Variable(one()?),
        ("output", 1) => Definition::Output(one()?),
        ("resource", 2) => Definition::Resource(labels[0].clone(), labels[1].clone()),
        ("data", 2) => Definition::Data(labels[0].clone(), labels[1].clone()),
        _ => return None,
    })
}

/// The line without string contents and comments (`#`, `//`, `/* … */`), so braces and
/// names inside them are not read as structure.
fn strip(line: &str, in_comment: &mut bool) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if *in_comment {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                *in_comment = false;
            }
            continue;
        }
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    in_string = false;
                    out.push('"');
                }
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push('"');
            }
            '#' => break,
            '/' if chars.peek() == Some(&'/') => break,
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                *in_comment = true;
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_definitions_that_clash() {
        let text = r#"
# provider "google" {}
provider "aws" {
  region = "us-west-2" # { not a brace
}
provider "aws" {
  alias  = "east"
  region = "us-east-1"
}
module "vpc" {
  source = "x"
  tags   = { a = "}" }
}
locals {
  tags = { team = "ml" }
  name = <<EOT
{ not structure }
EOT
}
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
resource "aws_s3_bucket" "logs" {}
"#;
        let got: Vec<String> = definitions(text).iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "provider \"aws\"",
                "module \"vpc\"",
                "resource \"aws_s3_bucket\" \"logs\"",
                "local.name",
                "local.tags",
                "terraform.required_providers",
            ]
        );
    }
}
