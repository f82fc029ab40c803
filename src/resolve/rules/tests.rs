//! Helpers for the rule tests, and the tests of the table itself: every id a rule can
//! report is in [`RULES`], in `docs/findings.md` and in the SARIF rule list.

use std::collections::BTreeSet;

use crate::catalog::Catalog;
use crate::plan::Finding;

use super::{Ctx, Hit, RULES};

/// An intent over a /24 in three zones of us-west-2; `network` lines go under
/// `spec.network`, `groups` under `spec.nodeGroups`, `spec` lines under `spec`.
pub fn intent_with(version: &str, network: &str, groups: &str, spec: &str) -> String {
    format!(
        "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: t
spec:
  region: us-west-2
  kubernetesVersion: \"{version}\"
{spec}  network:
    vpcCidr: 10.0.0.0/24
    availabilityZones: [us-west-2a, us-west-2b, us-west-2c]
{network}  nodeGroups:
{groups}"
    )
}

pub fn intent(version: &str, network: &str, groups: &str) -> String {
    intent_with(version, network, groups, "")
}

/// Resolve `text` and run one rule's check on it.
pub fn hits(check: fn(&Ctx) -> Vec<Hit>, text: &str) -> Vec<Hit> {
    let catalog = Catalog::embedded();
    let intent = crate::intent::parse_and_validate(text, "t.yaml", catalog)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let parts = crate::resolve::resolve_parts(&intent, catalog, &crate::lock::Pins::default())
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    check(&Ctx::new(
        &intent,
        &parts.drafts,
        &parts.plan,
        parts.shortfall.as_ref(),
    ))
}

fn rule_ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

#[test]
fn rule_ids_are_unique_and_in_order() {
    let mut sorted = rule_ids();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted,
        rule_ids(),
        "RULES must list each id once, in id order"
    );
    for r in RULES {
        assert!(!r.severities.is_empty(), "{} has no severity", r.id);
        assert!(!r.summary.is_empty(), "{} has no summary", r.id);
    }
}

/// The `| EKSGnnn | severity | ... |` rows of `docs/findings.md`.
fn documented() -> Vec<(String, String)> {
    include_str!("../../../docs/findings.md")
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let id = cells.next()?;
            let severity = cells.next()?;
            id.starts_with("EKSG")
                .then(|| (id.to_string(), severity.to_string()))
        })
        .collect()
}

#[test]
fn the_docs_table_and_rules_hold_the_same_ids_and_severities() {
    let docs = documented();
    let mut doc_ids: Vec<&str> = docs.iter().map(|(id, _)| id.as_str()).collect();
    let listed = doc_ids.len();
    doc_ids.sort_unstable();
    doc_ids.dedup();
    assert_eq!(doc_ids.len(), listed, "an id is documented twice");
    assert_eq!(doc_ids, rule_ids(), "docs/findings.md and RULES differ");
    for (id, severity) in &docs {
        let rule = RULES.iter().find(|r| r.id == id).expect("checked above");
        let want: Vec<&str> = rule.severities.iter().map(|s| s.as_str()).collect();
        assert_eq!(severity, &want.join(" / "), "{id}: docs severity");
    }
}

#[test]
fn sarif_lists_every_rule() {
    let sarif: serde_json::Value =
        serde_json::from_str(&crate::report::findings_sarif(&[], "t.yaml", |_| None)).unwrap();
    let ids: BTreeSet<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, rule_ids().into_iter().collect());
}

/// Every intent the repository ships or tests with that resolves.
fn known_plans() -> Vec<(String, crate::plan::Plan)> {
    let mut texts: Vec<(String, String)> = crate::presets::names()
        .map(|n| (n.to_string(), crate::presets::get(n).unwrap().to_string()))
        .collect();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/intents");
    for entry in std::fs::read_dir(fixtures).expect("fixtures") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            texts.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    texts
        .into_iter()
        .filter_map(|(name, text)| {
            Some((
                name.clone(),
                crate::pipeline::plan_from_text(&text, &name).ok()?,
            ))
        })
        .collect()
}

#[test]
fn findings_carry_a_listed_id_a_listed_severity_and_a_path() {
    let plans = known_plans();
    assert!(plans.len() >= 5, "presets and fixtures resolve");
    let mut seen = BTreeSet::new();
    for (name, plan) in &plans {
        for f in &plan.findings {
            check_finding(name, f);
            seen.insert(f.id.clone());
        }
    }
    assert!(
        seen.len() >= 5,
        "the shipped intents exercise several rules: {seen:?}"
    );
}

fn check_finding(name: &str, f: &Finding) {
    let rule = RULES
        .iter()
        .find(|r| r.id == f.id)
        .unwrap_or_else(|| panic!("{name}: {} is not in RULES", f.id));
    assert!(
        rule.severities.contains(&f.severity),
        "{name}: {} reported as {:?}",
        f.id,
        f.severity
    );
    assert!(
        f.path.starts_with("spec."),
        "{name}: {} path {:?}",
        f.id,
        f.path
    );
}
