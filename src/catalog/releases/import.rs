//! `eksgen releases import`: what the AWS CLI prints about releases → rows of the releases
//! table (`data/releases.csv` layout), for `--releases FILE`.
//!
//! No network code: the user runs the AWS CLI, eksgen reads its JSON. Two shapes are read:
//! - `aws ssm get-parameters-by-path --recursive` (`{"Parameters": [...]}`) under
//!   `/aws/service/eks/optimized-ami/<k8s>/...`: each `.../<name>/release_version`
//!   parameter (the `recommended` one or a release's own) gives an EKS AMI release
//!   (`1.34.9-20260714`), the family from the path (`amazon-linux-2023` → al2023,
//!   `amazon-linux-2[-gpu|-arm64]` → al2); under `/aws/service/bottlerocket/aws-k8s-<k8s>...`,
//!   each `.../image_version` gives a Bottlerocket release as EKS names it
//!   (`1.51.0-47438798`). The row's date is the parameter's `LastModifiedDate`.
//! - `aws eks describe-addon-versions` (`{"addons": [...]}`): one row per add-on version
//!   and `compatibilities[].clusterVersion`, for the add-ons eksgen installs. The output has
//!   no dates: the row's date is the import's (`--date`).
//!
//! Other parameters (`image_id`, `image_name`) and other add-ons are skipped and counted.
//! Pure: text in, table out. Errors name the file and the JSON path.

use serde_json::Value;

use super::{Component, Release, Releases, is_known_addon, minor};
use crate::plan::AmiFamily;

/// An input that is not one of the two shapes, or a field of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ImportError {
    pub origin: String,
    pub path: String,
    pub message: String,
}

/// What one import produced.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub releases: Releases,
    /// Entries read but not releases eksgen pins (`image_id` parameters, other add-ons).
    pub skipped: usize,
}

/// Reads every `(origin, text)` and returns their releases. `date` (`YYYY-MM-DD`) dates the
/// rows whose input carries no date.
pub fn import(files: &[(String, String)], date: &str) -> Result<Imported, ImportError> {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for (origin, text) in files {
        let fail = |path: &str, message: String| ImportError {
            origin: origin.clone(),
            path: path.to_string(),
            message,
        };
        let json: Value =
            serde_json::from_str(text).map_err(|e| fail("", format!("not JSON ({e}); expected the output of `aws ssm get-parameters-by-path` or `aws eks describe-addon-versions` with --output json")))?;
        let name = file_name(origin);
        if let Some(params) = json.get("Parameters") {
            let params = params
                .as_array()
                .ok_or_else(|| fail("Parameters", "not a list".into()))?;
            for (i, p) in params.iter().enumerate() {
                let at = |field: &str| format!("Parameters[{i}].{field}");
                let text_of = |field: &str| -> Result<&str, ImportError> {
                    p.get(field)
                        .and_then(Value::as_str)
                        .ok_or_else(|| fail(&at(field), "missing or not a string".into()))
                };
                let param = text_of("Name")?;
                let value = text_of("Value")?;
                let Some((component, k8s)) = ssm_release(param) else {
                    skipped += 1;
                    continue;
                };
                if !component.accepts(&k8s, value) {
                    return Err(fail(
                        &at("Value"),
                        format!(
                            "{value:?} is not a {component} release for Kubernetes {k8s} ({param})"
                        ),
                    ));
                }
                let day = match p.get("LastModifiedDate") {
                    Some(v) => modified_day(v).ok_or_else(|| {
                        fail(&at("LastModifiedDate"), format!("{v} is not a date"))
                    })?,
                    None => date.to_string(),
                };
                rows.push(Release {
                    component,
                    kubernetes: k8s,
                    version: value.to_string(),
                    date: day,
                    source: format!("aws ssm get-parameters-by-path ({name})"),
                });
            }
        } else if let Some(addons) = json.get("addons") {
            let addons = addons
                .as_array()
                .ok_or_else(|| fail("addons", "not a list".into()))?;
            for (i, a) in addons.iter().enumerate() {
                let addon = a
                    .get("addonName")
                    .and_then(Value::as_str)
                    .ok_or_else(|| fail(&format!("addons[{i}].addonName"), "missing".into()))?;
                let versions = a
                    .get("addonVersions")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        fail(
                            &format!("addons[{i}].addonVersions"),
                            "missing or not a list".into(),
                        )
                    })?;
                if !is_known_addon(addon) {
                    skipped += versions.len();
                    continue;
                }
                let component = Component::Addon(addon.to_string());
                for (j, v) in versions.iter().enumerate() {
                    let at = format!("addons[{i}].addonVersions[{j}]");
                    let version = v
                        .get("addonVersion")
                        .and_then(Value::as_str)
                        .ok_or_else(|| fail(&format!("{at}.addonVersion"), "missing".into()))?;
                    if !component.accepts("", version) {
                        return Err(fail(
                            &format!("{at}.addonVersion"),
                            format!("{version:?} is not an EKS add-on version"),
                        ));
                    }
                    let compat = v
                        .get("compatibilities")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    for (k, c) in compat.iter().enumerate() {
                        let k8s = c
                            .get("clusterVersion")
                            .and_then(Value::as_str)
                            .filter(|s| minor(s).is_some())
                            .ok_or_else(|| {
                                fail(
                                    &format!("{at}.compatibilities[{k}].clusterVersion"),
                                    "missing or not a Kubernetes minor version".into(),
                                )
                            })?;
                        rows.push(Release {
                            component: component.clone(),
                            kubernetes: k8s.to_string(),
                            version: version.to_string(),
                            date: date.to_string(),
                            source: format!("aws eks describe-addon-versions ({name})"),
                        });
                    }
                }
            }
        } else {
            return Err(fail(
                "",
                "neither `aws ssm get-parameters-by-path` output (a `Parameters` list) nor `aws eks describe-addon-versions` output (an `addons` list)".into(),
            ));
        }
    }
    Ok(Imported {
        releases: Releases::from_rows(rows),
        skipped,
    })
}

/// The component and Kubernetes version a parameter name holds a release of, if any.
fn ssm_release(name: &str) -> Option<(Component, String)> {
    let parts: Vec<&str> = name.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        // aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/<variant>/<name>/release_version
        [
            "aws",
            "service",
            "eks",
            "optimized-ami",
            k8s,
            "amazon-linux-2023",
            _,
            _,
            _,
            "release_version",
        ] => {
            minor(k8s)?;
            Some((Component::Ami(AmiFamily::Al2023), (*k8s).to_string()))
        }
        // aws/service/eks/optimized-ami/<k8s>/amazon-linux-2[-gpu|-arm64]/<name>/release_version
        [
            "aws",
            "service",
            "eks",
            "optimized-ami",
            k8s,
            family,
            _,
            "release_version",
        ] if matches!(
            *family,
            "amazon-linux-2" | "amazon-linux-2-gpu" | "amazon-linux-2-arm64"
        ) =>
        {
            minor(k8s)?;
            Some((Component::Ami(AmiFamily::Al2), (*k8s).to_string()))
        }
        // aws/service/bottlerocket/aws-k8s-<k8s>[-flavour]/<arch>/<version>/image_version
        [
            "aws",
            "service",
            "bottlerocket",
            variant,
            _,
            _,
            "image_version",
        ] => {
            let rest = variant.strip_prefix("aws-k8s-")?;
            let k8s = rest.split('-').next()?;
            minor(k8s)?;
            Some((Component::Ami(AmiFamily::Bottlerocket), k8s.to_string()))
        }
        _ => None,
    }
}

/// `LastModifiedDate` as a day: the AWS CLI prints an ISO 8601 string
/// (`2026-07-15T18:21:33.123000+00:00`); SDKs may give epoch seconds.
fn modified_day(v: &Value) -> Option<String> {
    if let Some(s) = v.as_str() {
        let day = s.get(..10)?;
        return super::is_date(day).then(|| day.to_string());
    }
    let secs = v.as_f64()?;
    if !(0.0..4.0e9).contains(&secs) {
        return None;
    }
    let (y, m, d) = civil_from_days((secs / 86_400.0).floor() as i64);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn file_name(origin: &str) -> &str {
    origin.rsplit(['/', '\\']).next().unwrap_or(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Imported, ImportError> {
        import(&[("in/x.json".to_string(), text.to_string())], "2026-12-02")
    }

    #[test]
    fn ssm_release_versions_become_rows() {
        let json = r#"{"Parameters": [
          {"Name": "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/release_version",
           "Type": "String", "Value": "1.34.9-20260714", "LastModifiedDate": "2026-07-15T18:21:33.123000+00:00"},
          {"Name": "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id",
           "Type": "String", "Value": "ami-0123456789abcdef0", "LastModifiedDate": "2026-07-15T18:21:33.123000+00:00"},
          {"Name": "/aws/service/eks/optimized-ami/1.32/amazon-linux-2-gpu/amazon-eks-gpu-node-1.32-v20251209/release_version",
           "Type": "String", "Value": "1.32.9-20251209", "LastModifiedDate": 1765324800.0},
          {"Name": "/aws/service/bottlerocket/aws-k8s-1.34-nvidia/x86_64/1.51.0-47438798/image_version",
           "Type": "String", "Value": "1.51.0-47438798", "LastModifiedDate": "2026-01-20T00:00:00+00:00"}
        ]}"#;
        let got = one(json).unwrap();
        assert_eq!(got.skipped, 1);
        let rows: Vec<(String, &str, &str, &str)> = got
            .releases
            .rows()
            .iter()
            .map(|r| {
                (
                    r.component.to_string(),
                    r.kubernetes.as_str(),
                    r.version.as_str(),
                    r.date.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("ami/al2023".into(), "1.34", "1.34.9-20260714", "2026-07-15"),
                ("ami/al2".into(), "1.32", "1.32.9-20251209", "2025-12-10"),
                (
                    "ami/bottlerocket".into(),
                    "1.34",
                    "1.51.0-47438798",
                    "2026-01-20"
                ),
            ]
        );
        assert!(got.releases.rows()[0].source.contains("(x.json)"));
    }

    #[test]
    fn addon_versions_become_one_row_per_cluster_version() {
        let json = r#"{"addons": [
          {"addonName": "coredns", "type": "networking", "addonVersions": [
            {"addonVersion": "v1.13.2-eksbuild.7", "architecture": ["amd64", "arm64"],
             "compatibilities": [{"clusterVersion": "1.34", "platformVersions": ["*"], "defaultVersion": true},
                                 {"clusterVersion": "1.35", "platformVersions": ["*"], "defaultVersion": false}]}]},
          {"addonName": "aws-efs-csi-driver", "addonVersions": [{"addonVersion": "v2.1.0-eksbuild.1", "compatibilities": []}]}
        ]}"#;
        let got = one(json).unwrap();
        assert_eq!(got.skipped, 1);
        assert_eq!(got.releases.rows().len(), 2);
        assert!(got.releases.rows().iter().all(|r| r.date == "2026-12-02"));
    }

    #[test]
    fn errors_name_the_file_and_the_json_path() {
        for (json, path) in [
            ("[1]", ""),
            (r#"{"Parameters": {}}"#, "Parameters"),
            (r#"{"Parameters": [{"Value": "x"}]}"#, "Parameters[0].Name"),
            (
                r#"{"Parameters": [{"Name": "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/release_version", "Value": "latest"}]}"#,
                "Parameters[0].Value",
            ),
            (
                r#"{"addons": [{"addonName": "coredns", "addonVersions": [{"addonVersion": "latest"}]}]}"#,
                "addons[0].addonVersions[0].addonVersion",
            ),
            (
                r#"{"addons": [{"addonName": "coredns", "addonVersions": [{"addonVersion": "v1.0.0-eksbuild.1", "compatibilities": [{"clusterVersion": "x"}]}]}]}"#,
                "addons[0].addonVersions[0].compatibilities[0].clusterVersion",
            ),
        ] {
            let e = one(json).unwrap_err();
            assert_eq!(e.path, path, "{json}: {e}");
            assert!(e.to_string().starts_with("in/x.json: "), "{e}");
        }
        assert!(one("not json").is_err());
    }

    #[test]
    fn epoch_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_648), (2026, 7, 14));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
