//! What people read: `plan` / `lint` text at 100 columns (colour off and on), the cost block,
//! and the SVG address map (valid XML; its subnet rectangles are the plan's subnets, to scale).

use eksgen::cidr::Ipv4Cidr;
use eksgen::pipeline::plan_from_text;
use eksgen::plan::{NatGateway, Plan};
use eksgen::presets;
use eksgen::report::{svg, text};

fn preset_plan(name: &str) -> Plan {
    plan_from_text(presets::get(name).expect("preset"), name).expect("plan")
}

fn plan_in(name: &str, region: &str) -> Plan {
    let t = presets::customize(presets::get(name).expect("preset"), None, Some(region));
    plan_from_text(&t, name).expect("plan")
}

/// ANSI escapes shown as a visible marker so colour snapshots stay readable.
fn visible_escapes(s: &str) -> String {
    s.replace('\x1b', "<ESC>")
}

fn strip_ansi(s: &str) -> String {
    let re = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    re.replace_all(s, "").into_owned()
}

#[test]
fn every_line_fits_100_columns_with_and_without_colour() {
    for name in presets::names() {
        let plan = preset_plan(name);
        let plain_plan = text::plan_text(&plan, false);
        let plain_lint = text::lint_text(&plan.findings, false, "t.yaml", |_| None);
        for color in [false, true] {
            for (what, out, uncoloured) in [
                ("plan", text::plan_text(&plan, color), &plain_plan),
                (
                    "lint",
                    text::lint_text(&plan.findings, color, "t.yaml", |_| None),
                    &plain_lint,
                ),
            ] {
                let plain = strip_ansi(&out);
                for line in plain.lines() {
                    assert!(
                        line.chars().count() <= text::WIDTH,
                        "{name} {what} (colour {color}): {} columns: {line}",
                        line.chars().count()
                    );
                }
                if color {
                    assert_eq!(
                        &plain, uncoloured,
                        "{name} {what}: colour changes only styles"
                    );
                } else {
                    assert!(
                        !out.contains('\x1b'),
                        "{name} {what}: escapes with colour off"
                    );
                }
            }
        }
    }
}

#[test]
fn snapshot_plan_text_colour_off() {
    insta::assert_snapshot!(text::plan_text(&preset_plan("gpu-training-efa"), false));
}

#[test]
fn snapshot_plan_text_colour_on() {
    insta::assert_snapshot!(visible_escapes(&text::plan_text(
        &preset_plan("constrained-vpc"),
        true
    )));
}

#[test]
fn snapshot_lint_text_colour_off_and_on() {
    let plan = preset_plan("gpu-training-efa");
    insta::assert_snapshot!(
        "lint_plain",
        text::lint_text(&plan.findings, false, "t.yaml", |_| None)
    );
    insta::assert_snapshot!(
        "lint_colour",
        visible_escapes(&text::lint_text(&plan.findings, true, "t.yaml", |_| None))
    );
}

#[test]
fn plan_text_ends_with_next_steps() {
    for name in presets::names() {
        let out = text::plan_text(&preset_plan(name), false);
        let tail = out.rsplit("\nNext steps\n").next().unwrap();
        assert!(out.contains("\nNext steps\n"), "{name}");
        assert!(tail.starts_with("  1. "), "{name}: {tail}");
    }
}

#[test]
fn cost_totals_add_up_and_say_where_prices_come_from() {
    for name in presets::names() {
        let plan = preset_plan(name);
        let c = &plan.cost;
        let sum = |f: fn(&eksgen::plan::MonthlyCost) -> f64| -> f64 {
            c.items.iter().map(|i| f(&i.monthly_usd)).sum()
        };
        assert!(
            (sum(|m| m.desired) - c.total_monthly_usd.desired).abs() < 0.01,
            "{name}"
        );
        assert!(
            (sum(|m| m.max) - c.total_monthly_usd.max).abs() < 0.01,
            "{name}"
        );
        assert!(
            c.total_monthly_usd.desired <= c.total_monthly_usd.max,
            "{name}"
        );
        for i in &c.items {
            assert!(i.source.contains(&c.prices_date), "{name}: {i:?}");
            assert!(i.source.starts_with("aws.amazon.com/"), "{name}: {i:?}");
        }
        // Every priced group appears once in the cost items with its own figures.
        for g in &plan.node_groups {
            let item = c
                .items
                .iter()
                .find(|i| i.name == format!("nodeGroups.{}", g.name));
            assert_eq!(
                item.map(|i| i.monthly_usd),
                g.monthly_cost_usd,
                "{name} {}",
                g.name
            );
        }
        // The presets are in us-west-2: no real prices, and the plan says so.
        assert!(!c.region_priced, "{name}");
        assert!(c.notes.iter().any(|n| n.contains("reference")), "{name}");
    }
    let east = plan_in("minimal", "us-east-1");
    assert!(east.cost.region_priced);
    assert!(!east.cost.notes.iter().any(|n| n.contains("reference")));
}

#[test]
fn control_plane_follows_the_support_calendar() {
    let text = presets::get("minimal").unwrap();
    let cp = |version: &str| {
        let t = text.replace(
            "kubernetesVersion: \"1.34\"",
            &format!("kubernetesVersion: \"{version}\""),
        );
        assert!(t.contains(version), "preset pins 1.34");
        let plan = plan_from_text(&t, "minimal").expect("plan");
        plan.cost
            .items
            .iter()
            .find(|i| i.name == "controlPlane")
            .unwrap()
            .clone()
    };
    // data/eks-versions.csv (as of 2026-12-01): 1.34 standard until 2026-12-02, 1.32
    // extended since 2026-03-23.
    let standard = cp("1.34");
    assert_eq!(standard.monthly_usd.max, 73.0);
    let extended = cp("1.32");
    assert_eq!(extended.monthly_usd.max, 438.0);
    assert!(extended.reason.contains("extended support"));
}

#[test]
fn nat_gateways_and_registry_transfer_are_priced() {
    let base = presets::get("minimal").unwrap();
    let plan = plan_in("gpu-inference-karpenter", "us-east-1");
    let nat = plan
        .cost
        .items
        .iter()
        .find(|i| i.name == "natGateways")
        .unwrap();
    let zones = plan.network.availability_zones.len() as f64;
    let per_gateway = if plan.network.nat_gateway == NatGateway::Single {
        1.0
    } else {
        zones
    };
    assert!((nat.monthly_usd.max - 0.045 * 730.0 * per_gateway).abs() < 0.01);

    // A registry in another region with a volume: NAT processing and cross-region transfer.
    let t = presets::customize(base, None, Some("eu-west-1")).replace(
        "\n  network:",
        "\n  registry:\n    region: us-east-1\n    imageSizeGiB: 4\n    scaleOutsPerDay: 10\n  network:",
    );
    let plan = plan_from_text(&t, "x").expect("plan");
    let gib = 4.0 * 10.0 * 30.0;
    let item = |n: &str| plan.cost.items.iter().find(|i| i.name == n).cloned();
    let nat_data = item("natDataProcessing").expect("nat data");
    assert!((nat_data.monthly_usd.desired - gib * 0.045).abs() < 0.01);
    let transfer = item("crossRegionTransfer").expect("transfer from us-east-1");
    assert!((transfer.monthly_usd.desired - gib * 0.02).abs() < 0.01);

    // From a registry region without prices: a note instead of a number.
    let t = t.replace(
        "region: us-east-1\n    imageSizeGiB",
        "region: ap-south-1\n    imageSizeGiB",
    );
    let plan = plan_from_text(&t, "x").expect("plan");
    assert!(
        !plan
            .cost
            .items
            .iter()
            .any(|i| i.name == "crossRegionTransfer")
    );
    assert!(plan.cost.notes.iter().any(|n| n.contains("ap-south-1")));
}

fn attr(n: roxmltree::Node<'_, '_>, name: &str) -> String {
    n.attribute(name)
        .unwrap_or_else(|| panic!("{name} missing on {n:?}"))
        .to_string()
}

fn num(n: roxmltree::Node<'_, '_>, name: &str) -> f64 {
    attr(n, name).parse().expect("number")
}

#[test]
fn svg_is_xml_and_its_subnet_rectangles_are_the_plans_subnets_to_scale() {
    for name in presets::names() {
        let plan = preset_plan(name);
        let text = svg::address_map(&plan);
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let rects: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .collect();
        let blocks: Vec<(Ipv4Cidr, f64, f64, f64)> = rects
            .iter()
            .filter(|n| n.attribute("class") == Some("block"))
            .map(|n| {
                (
                    attr(*n, "data-cidr").parse().unwrap(),
                    num(*n, "x"),
                    num(*n, "width"),
                    num(*n, "y"),
                )
            })
            .collect();
        let mut expected_blocks = vec![plan.network.vpc_cidr];
        expected_blocks.extend(plan.network.secondary_cidrs.iter().copied());
        assert_eq!(
            blocks.iter().map(|b| b.0).collect::<Vec<_>>(),
            expected_blocks,
            "{name}"
        );

        let mut drawn: Vec<(String, Ipv4Cidr)> = Vec::new();
        for r in rects
            .iter()
            .filter(|n| n.attribute("class") == Some("subnet"))
        {
            let cidr: Ipv4Cidr = attr(*r, "data-cidr").parse().unwrap();
            let (block, bx, bw, by) = *blocks
                .iter()
                .find(|b| b.0.contains(cidr))
                .unwrap_or_else(|| panic!("{name}: {cidr} outside every block"));
            let scale = bw / block.size() as f64;
            let x = bx + f64::from(cidr.base() - block.base()) * scale;
            assert!((num(*r, "x") - x).abs() < 0.002, "{name} {cidr}: x");
            assert!(
                (num(*r, "width") - cidr.size() as f64 * scale).abs() < 0.002,
                "{name} {cidr}: width"
            );
            assert_eq!(num(*r, "y"), by, "{name} {cidr}: in its block's row");
            let s = plan
                .network
                .subnets
                .iter()
                .find(|s| s.cidr == cidr)
                .unwrap_or_else(|| panic!("{name}: {cidr} not in the plan"));
            assert_eq!(attr(*r, "data-name"), s.name);
            assert_eq!(attr(*r, "data-role"), s.role.as_str());
            assert_eq!(attr(*r, "data-az"), s.az);
            drawn.push((s.name.clone(), cidr));
        }
        let planned: Vec<(String, Ipv4Cidr)> = plan
            .network
            .subnets
            .iter()
            .map(|s| (s.name.clone(), s.cidr))
            .collect();
        assert_eq!(drawn, planned, "{name}: every subnet once, in plan order");
    }
}

#[test]
fn svg_is_deterministic() {
    let plan = preset_plan("constrained-vpc");
    assert_eq!(svg::address_map(&plan), svg::address_map(&plan));
}

#[test]
fn snapshot_svg_minimal() {
    insta::assert_snapshot!(svg::address_map(&preset_plan("minimal")));
}

#[test]
fn snapshot_svg_constrained_vpc() {
    insta::assert_snapshot!(svg::address_map(&preset_plan("constrained-vpc")));
}

use crate::common;

#[test]
fn cli_colour_follows_flag_terminal_and_no_color() {
    let d = tempfile::tempdir().unwrap();
    for cmd in ["plan", "lint"] {
        // Piped stdout: no colour unless forced.
        let out = common::eksgen(&[cmd, "--preset", "gpu-training-efa"], d.path());
        assert!(!common::text(&out.stdout).contains('\x1b'), "{cmd}");
        let out = common::eksgen(
            &[cmd, "--preset", "gpu-training-efa", "--color", "always"],
            d.path(),
        );
        assert!(common::text(&out.stdout).contains("\x1b["), "{cmd}");
        let out = common::eksgen_env(
            &[cmd, "--preset", "gpu-training-efa"],
            d.path(),
            &[
                ("CLICOLOR_FORCE", std::path::Path::new("1")),
                ("NO_COLOR", std::path::Path::new("1")),
            ],
        );
        assert!(
            !common::text(&out.stdout).contains('\x1b'),
            "{cmd}: NO_COLOR wins"
        );
    }
}

#[test]
fn cli_plan_svg_and_json_cost() {
    let d = tempfile::tempdir().unwrap();
    let out = common::eksgen(
        &["plan", "--preset", "constrained-vpc", "--format", "svg"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    roxmltree::Document::parse(&common::text(&out.stdout)).expect("svg is XML");
    let out = common::eksgen(
        &["plan", "--preset", "minimal", "--format", "json"],
        d.path(),
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "currency",
        "region",
        "pricesRegion",
        "regionPriced",
        "pricesDate",
        "hoursPerMonth",
        "items",
        "totalMonthlyUsd",
        "notes",
    ] {
        assert!(plan["cost"].get(key).is_some(), "cost.{key}");
    }
    for key in ["name", "unitUsd", "unit", "monthlyUsd", "source", "reason"] {
        assert!(
            plan["cost"]["items"][0].get(key).is_some(),
            "cost.items[].{key}"
        );
    }
}

#[test]
fn cli_render_says_which_findings_are_new_and_what_to_do() {
    let d = tempfile::tempdir().unwrap();
    let intent = presets::customize(presets::get("minimal").unwrap(), Some("demo"), None);
    std::fs::write(d.path().join("eksgen.yaml"), &intent).unwrap();
    let out = common::eksgen(&["render", "-o", "o"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let first = common::text(&out.stdout);
    assert!(
        first.contains("next:\n  1. cd o && terraform init && terraform apply"),
        "{first}"
    );
    let again = common::text(&common::eksgen(&["render", "-o", "o"], d.path()).stdout);
    assert!(
        !again.contains("findings"),
        "nothing new on a re-render: {again}"
    );

    // A group pinned to one zone brings a new EKSG007 finding.
    let zone = plan_from_text(&intent, "x")
        .unwrap()
        .network
        .availability_zones[1]
        .clone();
    let pinned = intent.replacen(
        "    - name: system\n",
        &format!("    - name: system\n      availabilityZones: [{zone}]\n"),
        1,
    );
    assert_ne!(pinned, intent, "preset layout changed");
    std::fs::write(d.path().join("eksgen.yaml"), &pinned).unwrap();
    let out = common::eksgen(&["render", "-o", "o"], d.path());
    let third = common::text(&out.stdout);
    assert!(
        third.contains("new findings since the last render (1):"),
        "{third}"
    );
    assert!(third.contains("EKSG007 [system]"), "{third}");
}

#[test]
fn svg_escapes_every_user_string() {
    let mut plan = preset_plan("minimal");
    let nasty = "a<b>&\"c'd";
    plan.cluster = nasty.to_string();
    plan.network.subnets[0].name = nasty.to_string();
    plan.network.subnets[0].az = format!("{nasty}-az");
    plan.network.availability_zones[0] = format!("{nasty}-az");
    let text = svg::address_map(&plan);
    let doc = roxmltree::Document::parse(&text).expect("still XML");
    let rect = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("subnet"))
        .unwrap();
    assert_eq!(rect.attribute("data-name"), Some(nasty));
    assert_eq!(
        rect.attribute("data-az"),
        Some(format!("{nasty}-az").as_str())
    );
    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(title.ends_with(nasty), "{title}");
}

#[test]
fn markdown_cost_block_lists_items_sources_and_the_previous_total() {
    let plan = preset_plan("gpu-training-efa");
    let mut old = plan.numbers();
    let md = eksgen::report::diff::cost_markdown(&plan.cost, &old);
    assert!(
        md.contains("#### Monthly cost (USD, us-east-1 list prices of"),
        "{md}"
    );
    for i in &plan.cost.items {
        assert!(md.contains(&format!("| `{}` |", i.name)), "{md}");
        assert!(md.contains(&i.source), "{md}");
    }
    assert!(
        !md.contains("(was"),
        "unchanged totals show no old value: {md}"
    );
    for n in &plan.cost.notes {
        assert!(md.contains(&format!("- {n}")), "{md}");
    }
    old.insert("cost.totalMonthlyUsdAtMax".into(), "1.00".into());
    let md = eksgen::report::diff::cost_markdown(&plan.cost, &old);
    assert!(md.contains("(was 1.00)"), "{md}");
    insta::assert_snapshot!(md);
}
