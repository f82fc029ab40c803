//! Presentation: plans, findings, max-pods and catalog facts as text, JSON or SARIF, and
//! (in [`diff`]) what a render would change as a unified diff, a Markdown comment or JSON.
//!
//! Pure formatting into `String`s; decides nothing and never prints.

pub mod diff;

use std::fmt::Write as _;

use serde_json::json;

use crate::catalog::InstanceType;
use crate::catalog::overlay::CatalogInUse;
use crate::max_pods::MaxPods;
use crate::plan::{Finding, Plan, Severity};
use crate::resolve::findings::RULES;
use crate::to_json_pretty;

/// The plan for people: one section per concern, every number with its reason.
pub fn plan_text(plan: &Plan) -> String {
    let mut o = String::new();
    let net = &plan.network;
    let _ = writeln!(
        o,
        "cluster {} ({}, Kubernetes {}, terraform-aws-eks v{})",
        plan.cluster, plan.region, plan.kubernetes_version, plan.eks_module
    );
    let _ = writeln!(o, "\nVPC CNI: {} ({})", net.cni.mode, net.cni.mode_reason);
    for s in &net.cni.settings {
        let _ = writeln!(o, "  {}={}  [{}] {}", s.name, s.value, s.source, s.reason);
    }
    let _ = writeln!(
        o,
        "\nSubnets: VPC {}; secondary CIDRs: {} ({})",
        net.vpc_cidr,
        if net.secondary_cidrs.is_empty() {
            "none".to_string()
        } else {
            net.secondary_cidrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        },
        net.secondary_cidrs_reason
    );
    if let Some(existing) = &net.existing_vpc {
        let _ = writeln!(
            o,
            "  existing VPC {} ({}); ids as {}; eksgen references its subnets and modifies nothing it did not create",
            existing.id,
            existing
                .cidr_blocks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            existing.ids
        );
    }
    if net.subnets.is_empty() {
        let _ = writeln!(o, "  (no layout: see the findings)");
    } else {
        let _ = writeln!(
            o,
            "  {:<28} {:<18} {:>8} {:>14}",
            "SUBNET", "CIDR", "USABLE", "NEEDED AT MAX"
        );
        for s in &net.subnets {
            let _ = writeln!(
                o,
                "  {:<28} {:<18} {:>8} {:>14}",
                s.name,
                s.cidr.to_string(),
                s.usable_ips,
                s.ips_needed_at_max
            );
        }
    }
    let _ = writeln!(o, "\nNode groups");
    for g in &plan.node_groups {
        let _ = writeln!(
            o,
            "  {} ({}, {}, {}): {} x {}..{} (desired {}) in {}",
            g.name,
            g.provisioner,
            g.ami.ami_type,
            g.capacity_type,
            g.instance_types.join(", "),
            g.scaling.min,
            g.scaling.max,
            g.scaling.desired,
            g.availability_zones.join(", ")
        );
        let line = |o: &mut String, label: &str, text: String| {
            let _ = writeln!(o, "    {label:<11} {text}");
        };
        if g.instance_types_reason != "named in the intent" {
            line(&mut o, "type", g.instance_types_reason.clone());
        }
        line(
            &mut o,
            "max pods",
            format!("{} ({})", g.max_pods, g.max_pods_reason),
        );
        line(
            &mut o,
            "delivered",
            format!(
                "{}: {}",
                g.max_pods_delivery.path, g.max_pods_delivery.reason
            ),
        );
        let ipa = &g.ip_accounting;
        line(
            &mut o,
            "addresses",
            format!(
                "{} per node at {} pods, {} at max ({}% used by pods; CNI defaults: {}, {}%)",
                g.ips_per_node,
                g.pods_per_node,
                g.ips_at_max,
                ipa.ip_efficiency_pct,
                ipa.ips_per_node_cni_default,
                ipa.ip_efficiency_cni_default_pct
            ),
        );
        line(&mut o, "", ipa.reason.clone());
        let mut node = format!("{} vCPU, {} GiB", g.vcpu, g.memory_mib / 1024);
        if g.gpus_per_node > 0 {
            let _ = write!(
                node,
                ", {} x {} GPU",
                g.gpus_per_node,
                g.gpu_name.as_deref().unwrap_or("?")
            );
        }
        if g.accelerators_per_node > 0 {
            let _ = write!(
                node,
                ", {} x {}",
                g.accelerators_per_node,
                g.accelerator_name.as_deref().unwrap_or("accelerator")
            );
        }
        if g.efa {
            let _ = write!(node, ", {} EFA interfaces", g.efa_interfaces);
        }
        let _ = write!(
            node,
            "; allocatable {:.2} vCPU, {:.1} GiB",
            g.allocatable.cpu_millicores as f64 / 1000.0,
            g.allocatable.memory_mib as f64 / 1024.0
        );
        line(&mut o, "node", node);
        line(
            &mut o,
            "disk",
            format!(
                "{} GiB {} ({} IOPS, {} MiB/s): {}",
                g.root_volume.size_gib,
                g.root_volume.volume_type,
                g.root_volume.iops,
                g.root_volume.throughput_mibps,
                g.root_volume.reason
            ),
        );
        if let Some(p) = &g.image_pull {
            line(&mut o, "image pull", p.reason.clone());
        }
        if let Some(k) = &g.karpenter {
            line(
                &mut o,
                "karpenter",
                format!(
                    "{} after {}: {}",
                    k.consolidation_policy, k.consolidate_after, k.consolidation_reason
                ),
            );
        }
        match (g.hourly_cost_usd, g.monthly_cost_usd) {
            (Some(h), Some(m)) => line(
                &mut o,
                "cost",
                format!(
                    "${h:.4}/h per node; ${:.2}/month at desired, ${:.2} at max ({})",
                    m.desired, m.max, g.cost_reason
                ),
            ),
            _ => line(&mut o, "cost", g.cost_reason.clone()),
        }
    }
    let _ = writeln!(o, "\nFindings");
    if plan.findings.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for f in &plan.findings {
        o.push_str(&finding_text(f));
    }
    o
}

fn finding_text(f: &Finding) -> String {
    format!(
        "  {} {} [{}] {}\n      hint: {}\n",
        f.severity.as_str(),
        f.id,
        f.node_group.as_deref().unwrap_or("cluster"),
        f.message,
        f.hint
    )
}

pub fn findings_text(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings\n".to_string();
    }
    let mut o: String = findings.iter().map(finding_text).collect();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        o,
        "{} error(s), {} warning(s), {} info",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    o
}

pub fn findings_json(findings: &[Finding]) -> String {
    to_json_pretty(findings)
}

/// SARIF 2.1.0 with one rule per finding id; results point at the intent file.
pub fn findings_sarif(findings: &[Finding], intent_uri: &str) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .map(|(id, summary)| json!({ "id": id, "shortDescription": { "text": summary } }))
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.id,
                "level": match f.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Info => "note" },
                "message": { "text": format!("{}{} Hint: {}", f.node_group.as_ref().map(|g| format!("[{g}] ")).unwrap_or_default(), f.message, f.hint) },
                "locations": [ { "physicalLocation": { "artifactLocation": { "uri": intent_uri } } } ],
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
