//! Syntax of identifiers the intent carries: cluster and region names, Kubernetes label keys
//! and values, AWS tags and capacity reservation ids. Each rule needs only the string; the
//! rules that need AWS data (which regions exist, derived name lengths) live in
//! `aws_limits`, and `validate` decides where to report.

use crate::diagnostic::Diagnostic;

/// EKS cluster-name rules: 1-100 characters of `[A-Za-z0-9-_]`, starting alphanumeric.
pub fn is_cluster_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `us-west-2`, `eu-central-1`, `us-gov-west-1`, `ap-southeast-5`.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
        && !parts[parts.len() - 1].starts_with('0')
}

/// Kubernetes qualified name: optional DNS-subdomain prefix and `/`, then a name.
pub fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        let ok = !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !ok {
            return Err("the prefix must be a lowercase DNS subdomain".to_string());
        }
    }
    if name.is_empty() || name.len() > 63 {
        return Err("the name must be 1-63 characters".to_string());
    }
    if !name_chars_ok(name) {
        return Err(
            "use A-Z, a-z, 0-9, `-`, `_` and `.`, starting and ending alphanumeric".to_string(),
        );
    }
    Ok(())
}

pub fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err("longer than 63 characters".to_string());
    }
    if !name_chars_ok(value) {
        return Err(
            "use A-Z, a-z, 0-9, `-`, `_` and `.`, starting and ending alphanumeric".to_string(),
        );
    }
    Ok(())
}

fn name_chars_ok(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

pub(super) fn check_aws_tag(key: &str, value: &str, path: &str, out: &mut Vec<Diagnostic>) {
    let chars_ok = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c))
    };
    if key.is_empty() || key.len() > 128 || !chars_ok(key) || key.starts_with("aws:") {
        out.push(
            Diagnostic::new(path, format!("tag key `{}` is not allowed", key.escape_debug()))
                .hint("1-128 characters of letters, digits, spaces and _ . : / = + - @, not starting with `aws:`"),
        );
    }
    if value.len() > 256 || !chars_ok(value) {
        out.push(
            Diagnostic::new(
                path,
                format!("tag value `{}` is not allowed", value.escape_debug()),
            )
            .hint("up to 256 characters of letters, digits, spaces and _ . : / = + - @"),
        );
    }
}

/// An IAM role or user ARN that EKS accepts as an access entry principal:
/// `arn:<partition>:iam::<12-digit account>:(role|user)/<optional path/>name`. Session ARNs
/// (`arn:aws:sts::…:assumed-role/…`) and other resources are refused by EKS.
pub fn admin_principal(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return Err(format!(
            "{arn:?} is not an ARN (arn:partition:iam::account:role/name)"
        ));
    };
    if scheme != "arn" || !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Err(format!("{arn:?} is not an ARN of an AWS partition"));
    }
    if service == "sts" {
        return Err(format!(
            "{arn:?} is a session ARN; EKS access entries take the IAM role itself"
        ));
    }
    if service != "iam" || !region.is_empty() {
        return Err(format!("{arn:?} is not an IAM ARN"));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{arn:?}: the account id must be 12 digits"));
    }
    let name = resource
        .strip_prefix("role/")
        .or_else(|| resource.strip_prefix("user/"))
        .ok_or_else(|| format!("{arn:?} names neither an IAM role nor a user"))?;
    let last = name.rsplit('/').next().unwrap_or("");
    let ok = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c);
    if last.is_empty() || !name.chars().all(ok) || name.len() > 512 {
        return Err(format!(
            "{arn:?}: the role or user name is not a valid IAM name"
        ));
    }
    Ok(())
}

pub(super) fn is_reservation_id(id: &str) -> bool {
    id.strip_prefix("cr-").is_some_and(|h| {
        (8..=17).contains(&h.len())
            && h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "us-west-2",
            "eu-central-1",
            "us-gov-west-1",
            "ap-southeast-5",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "us-west",
            "uswest2",
            "us-west-2a",
            "US-WEST-2",
            "us-west-02",
            "x-y-1",
            "",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn label_rules() {
        assert!(label_key("example.com/team").is_ok());
        assert!(label_key("workload").is_ok());
        assert!(label_key("Example.com/x").is_err());
        assert!(label_key("a\"b").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("a\"b ${x} %{ if }").is_err());
        assert!(label_value("ok-value_1.2").is_ok());
        assert!(label_value("-bad").is_err());
    }
}
