//! Presentation: plans, findings, max-pods and catalog facts as text, JSON or SARIF, and
//! (in [`diff`]) what a render would change as a unified diff, a Markdown comment or JSON.
//!
//! Pure formatting into `String`s; decides nothing and never prints.

pub mod diff;
pub mod svg;
pub mod text;

use std::fmt::Write as _;

use serde_json::json;

use crate::catalog::InstanceType;
use crate::catalog::overlay::CatalogInUse;
use crate::max_pods::MaxPods;
use crate::plan::{Finding, Plan, Severity};
use crate::resolve::rules::RULES;
use crate::to_json_pretty;

/// The plan for people without colour: see [`text::plan_text`].
pub fn plan_text(plan: &Plan) -> String {
    text::plan_text(plan, false)
}

/// A finding with the 1-based line and column of its key path, for `lint --format json`.
#[derive(serde::Serialize)]
struct PlacedFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

/// `eksgen lint --format json`: the plan's findings, each with `line` and `column`.
pub fn findings_json(
    findings: &[Finding],
    locate: impl Fn(&str) -> Option<(usize, usize)>,
) -> String {
    let placed: Vec<PlacedFinding> = findings
        .iter()
        .map(|f| {
            let position = locate(&f.path);
            PlacedFinding {
                finding: f,
                line: position.map(|p| p.0),
                column: position.map(|p| p.1),
            }
        })
        .collect();
    to_json_pretty(&placed)
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0 with every rule of [`RULES`]; results point at the line and column of their
/// key path in the intent file, and name the key path as a logical location.
pub fn findings_sarif(
    findings: &[Finding],
    intent_uri: &str,
    locate: impl Fn(&str) -> Option<(usize, usize)>,
) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": sarif_level(r.severities[0]) },
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let mut physical = json!({ "artifactLocation": { "uri": intent_uri } });
            if let Some((line, column)) = locate(&f.path) {
                physical["region"] = json!({ "startLine": line, "startColumn": column });
            }
            json!({
                "ruleId": f.id,
                "level": sarif_level(f.severity),
                "message": { "text": format!("{}{} Hint: {}", f.node_group.as_ref().map(|g| format!("[{g}] ")).unwrap_or_default(), f.message, f.hint) },
                "locations": [ {
                    "physicalLocation": physical,
                    "logicalLocations": [ { "fullyQualifiedName": f.path, "kind": "member" } ],
                } ],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [ {
            "tool": { "driver": { "name": "eksgen", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        } ],
    });
    to_json_pretty(&doc)
}

pub fn max_pods_text(rows: &[MaxPods]) -> String {
    rows.iter()
        .map(|m| format!("{} {}\n", m.instance_type, m.max_pods))
        .collect()
}

pub fn max_pods_json(rows: &[MaxPods]) -> String {
    to_json_pretty(rows)
}

pub fn catalog_text(types: &[&InstanceType]) -> String {
    let mut o = format!(
        "{:<22} {:<6} {:>5} {:>9} {:>5} {:<12} {:>4} {:>5} {:>4} {:>8} {:>10}\n",
        "TYPE",
        "ARCH",
        "VCPU",
        "MEM GiB",
        "GPUS",
        "ACCELERATOR",
        "EFA",
        "ENIS",
        "IPS",
        "HYPERV",
        "USD/H"
    );
    for t in types {
        let accel = match (&t.gpu_name, &t.accelerator_name) {
            (Some(g), _) => g.clone(),
            (None, Some(a)) => format!("{}x {a}", t.accelerator_count),
            _ => "-".to_string(),
        };
        let _ = writeln!(
            o,
            "{:<22} {:<6} {:>5} {:>9} {:>5} {:<12} {:>4} {:>5} {:>4} {:>8} {:>10}",
            t.name,
            t.arch.as_str(),
            t.vcpu,
            format!("{:.1}", t.memory_gib()),
            t.gpu_count,
            accel,
            t.efa_interfaces,
            t.max_enis,
            t.ipv4_per_eni,
            t.hypervisor.as_deref().unwrap_or("metal"),
            t.on_demand_usd_hour
                .map(|p| format!("{p:.4}"))
                .unwrap_or_else(|| "-".into())
        );
    }
    o
}

pub fn catalog_json(types: &[&InstanceType]) -> String {
    to_json_pretty(types)
}

/// `eksgen catalog --source`: where each type's facts come from, one line per type.
pub fn catalog_sources_text(catalog: &CatalogInUse, names: &[&str]) -> String {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(4).max(4);
    let mut out = format!("{:<width$}  SOURCE\n", "TYPE");
    for name in names {
        let _ = writeln!(out, "{name:<width$}  {}", catalog.source_of(name));
    }
    out
}

/// `eksgen catalog --source --format json`: one object per type.
pub fn catalog_sources_json(catalog: &CatalogInUse, names: &[&str]) -> String {
    let rows: Vec<serde_json::Value> = names
        .iter()
        .map(|name| {
            let overlay = catalog.overlay_defining(name);
            json!({
                "name": name,
                "source": if overlay.is_some() { "overlay" } else { "embedded" },
                "path": overlay.map(|o| o.path.display().to_string()),
                "via": overlay.map(|o| o.from.as_str()),
                "embeddedDate": crate::catalog::EMBEDDED_CATALOG_DATE,
                "replacesEmbedded": overlay.is_some() && crate::catalog::Catalog::embedded().get(name).is_some(),
            })
        })
        .collect();
    to_json_pretty(&rows)
}
