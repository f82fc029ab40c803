//! `eksgen max-pods --all --uncapped` against the table amazon-eks-ami published
//! (`tests/fixtures/eni-max-pods.txt`, see `tests/fixtures/SOURCES.md`): every type in both
//! has the same number. The catalog is newer than the table (its last update is 2026-02-27),
//! so it has types the table lacks; the table has a few the catalog lacks, listed below.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{eksgen, text};

/// Types in the published table that the catalog does not hold, and why.
const ONLY_PUBLISHED: &[(&str, &str)] = &[
    (
        "bmn-sf1.metal",
        "not in the catalog's DescribeInstanceTypes snapshot",
    ),
    (
        "c5a.metal",
        "not in the catalog's DescribeInstanceTypes snapshot",
    ),
    (
        "c5ad.metal",
        "not in the catalog's DescribeInstanceTypes snapshot",
    ),
    ("cr1.8xlarge", "previous generation, no longer offered"),
    ("dl1.24xlarge", "retired, no longer offered"),
    ("f1.16xlarge", "retired, replaced by f2"),
    ("f1.2xlarge", "retired, replaced by f2"),
    ("f1.4xlarge", "retired, replaced by f2"),
    ("hs1.8xlarge", "previous generation, no longer offered"),
    (
        "mac-m4.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac-m4max.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac-m4pro.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac1.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac2-m1ultra.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac2-m2.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac2-m2pro.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "mac2.metal",
        "EC2 Mac: macOS on dedicated hosts, cannot be an EKS node",
    ),
    (
        "trn2.3xlarge",
        "not in the catalog's DescribeInstanceTypes snapshot",
    ),
    ("u-12tb1.metal", "High Memory on dedicated hosts only"),
    ("u-18tb1.metal", "High Memory on dedicated hosts only"),
    ("u-24tb1.metal", "High Memory on dedicated hosts only"),
    ("u-6tb1.metal", "High Memory on dedicated hosts only"),
    ("u-9tb1.metal", "High Memory on dedicated hosts only"),
];

/// `name number` lines; `#` comments and blank lines skipped.
fn table(text: &str, what: &str) -> BTreeMap<String, u32> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, n) = l
                .split_once(' ')
                .unwrap_or_else(|| panic!("{what}: `{l}` is not `type number`"));
            let n = n
                .trim()
                .parse()
                .unwrap_or_else(|e| panic!("{what}: `{l}`: {e}"));
            (name.to_string(), n)
        })
        .collect()
}

#[test]
fn max_pods_all_uncapped_reproduces_the_published_eni_max_pods() {
    let published = table(
        include_str!("../fixtures/eni-max-pods.txt"),
        "eni-max-pods.txt",
    );
    let d = tempfile::tempdir().unwrap();
    let out = eksgen(&["max-pods", "--all", "--uncapped"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ours = table(&text(&out.stdout), "eksgen max-pods --all --uncapped");
    assert_eq!(ours.len(), eksgen::catalog::Catalog::embedded().len());

    let differ: Vec<String> = published
        .iter()
        .filter_map(|(name, want)| {
            let got = ours.get(name)?;
            (got != want).then(|| format!("{name}: published {want}, eksgen {got}"))
        })
        .collect();
    assert!(differ.is_empty(), "max pods differ:\n{}", differ.join("\n"));

    let shared = published.keys().filter(|n| ours.contains_key(*n)).count();
    assert!(shared > 1100, "only {shared} types in common");

    let only_published: BTreeSet<&str> = published
        .keys()
        .map(String::as_str)
        .filter(|n| !ours.contains_key(*n))
        .collect();
    let listed: BTreeSet<&str> = ONLY_PUBLISHED.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        only_published, listed,
        "types of the published table missing from the catalog changed: update ONLY_PUBLISHED"
    );
}
