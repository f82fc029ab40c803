//! `eksgen plan --format svg`: the plan's address space as a picture a browser shows.
//!
//! One bar per address block (the VPC CIDR, then each secondary CIDR) drawn to scale: each
//! subnet is a rectangle at its offset in the block, coloured by role, with the share its
//! addresses needed at max scale filled darker ("used"), the rest of the subnet lighter
//! ("reserved": allocated to the subnet, not needed at max), and the block's unallocated
//! space grey ("free"). Below, one bar per subnet grouped by zone, scaled to the subnet.
//!
//! Hand-written SVG text, deterministic (fixed geometry, 3-decimal coordinates). Every string
//! from the intent goes through [`xml_text`]. Subnet rectangles carry `data-cidr`,
//! `data-name`, `data-role` and `data-az` so tests (and people) can read the layout back.

use std::fmt::Write as _;

use crate::cidr::Ipv4Cidr;
use crate::plan::{Plan, SubnetPlan, SubnetRole};
use crate::render::escape::xml_text;

/// Picture width in px.
pub const SVG_WIDTH: f64 = 1000.0;
/// Where the block bars start and how wide they are.
pub const BAR_X: f64 = 220.0;
pub const BAR_WIDTH: f64 = 760.0;
const BAR_HEIGHT: f64 = 28.0;
const ROW: f64 = 44.0;
const DETAIL_BAR_X: f64 = 380.0;
const DETAIL_BAR_WIDTH: f64 = 300.0;
const DETAIL_ROW: f64 = 22.0;

/// Fill colours: (reserved, used) per role, and free space.
fn role_fill(role: SubnetRole) -> (&'static str, &'static str) {
    match role {
        SubnetRole::Private => ("#c6dbef", "#2171b5"),
        SubnetRole::Public => ("#c7e9c0", "#238b45"),
        SubnetRole::Pod => ("#dadaeb", "#6a51a3"),
        SubnetRole::ControlPlane => ("#fdd0a2", "#d94801"),
    }
}
const FREE_FILL: &str = "#f0f0f0";

fn n(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// The blocks subnets are carved from: the VPC CIDR, then the secondary CIDRs.
fn blocks(plan: &Plan) -> Vec<(&'static str, Ipv4Cidr)> {
    let mut out = vec![("VPC", plan.network.vpc_cidr)];
    out.extend(
        plan.network
            .secondary_cidrs
            .iter()
            .map(|c| ("secondary", *c)),
    );
    out
}

/// Share of the subnet's addresses needed at max (0..=1).
fn used_share(s: &SubnetPlan) -> f64 {
    (s.ips_needed_at_max as f64 / s.cidr.size() as f64).min(1.0)
}

fn subnet_title(s: &SubnetPlan) -> String {
    format!(
        "{} {} ({}, {}): {} usable, {} needed at max",
        s.name,
        s.cidr,
        s.role.as_str(),
        s.az,
        s.usable_ips,
        s.ips_needed_at_max
    )
}

/// The address map of a plan as SVG text.
pub fn address_map(plan: &Plan) -> String {
    let blocks = blocks(plan);
    let zones = &plan.network.availability_zones;
    let detail_rows: usize = zones
        .iter()
        .map(|z| 1 + plan.network.subnets.iter().filter(|s| &s.az == z).count())
        .sum();
    let blocks_top = 70.0;
    let legend_y = blocks_top + ROW * blocks.len() as f64 + 10.0;
    let detail_top = legend_y + 50.0;
    let height = detail_top + DETAIL_ROW * detail_rows as f64 + 20.0;

    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#,
        w = n(SVG_WIDTH),
        h = n(height)
    );
    let _ = writeln!(
        o,
        "  <title>{}</title>",
        xml_text(&format!("eksgen address map: {}", plan.cluster))
    );
    let _ = writeln!(
        o,
        r##"  <rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        n(SVG_WIDTH),
        n(height)
    );
    let _ = writeln!(
        o,
        r#"  <text x="20" y="28" font-size="16" font-weight="bold">{}</text>"#,
        xml_text(&format!(
            "{} ({}): address space at max scale",
            plan.cluster, plan.region
        ))
    );
    let _ = writeln!(
        o,
        r#"  <text x="20" y="48">{}</text>"#,
        xml_text(&format!(
            "bars drawn to scale; used = addresses needed at max, reserved = rest of the subnet, free = in no subnet; CNI {}",
            plan.network.cni.mode
        ))
    );

    for (i, (kind, block)) in blocks.iter().enumerate() {
        let y = blocks_top + ROW * i as f64;
        let in_block: Vec<&SubnetPlan> = plan
            .network
            .subnets
            .iter()
            .filter(|s| block.contains(s.cidr))
            .collect();
        let allocated: u64 = in_block.iter().map(|s| s.cidr.size()).sum();
        let _ = writeln!(
            o,
            r#"  <text x="20" y="{}" font-weight="bold">{}</text>"#,
            n(y + 12.0),
            xml_text(&format!("{kind} {block}"))
        );
        let _ = writeln!(
            o,
            r#"  <text x="20" y="{}">{}</text>"#,
            n(y + 26.0),
            xml_text(&format!("{} / {} in subnets", allocated, block.size()))
        );
        let _ = writeln!(
            o,
            r##"  <rect class="block" data-cidr="{}" x="{}" y="{}" width="{}" height="{}" fill="{FREE_FILL}" stroke="#969696"><title>{}</title></rect>"##,
            block,
            n(BAR_X),
            n(y),
            n(BAR_WIDTH),
            n(BAR_HEIGHT),
            xml_text(&format!(
                "{kind} {block}: {} addresses, {} free",
                block.size(),
                block.size() - allocated
            ))
        );
        let scale = BAR_WIDTH / block.size() as f64;
        for s in in_block {
            let x = BAR_X + f64::from(s.cidr.base() - block.base()) * scale;
            let w = s.cidr.size() as f64 * scale;
            let (reserved, used) = role_fill(s.role);
            let _ = writeln!(
                o,
                r##"  <rect class="subnet" data-cidr="{}" data-name="{}" data-role="{}" data-az="{}" x="{}" y="{}" width="{}" height="{}" fill="{reserved}" stroke="#ffffff" stroke-width="0.5"><title>{}</title></rect>"##,
                s.cidr,
                xml_text(&s.name),
                s.role.as_str(),
                xml_text(&s.az),
                n(x),
                n(y),
                n(w),
                n(BAR_HEIGHT),
                xml_text(&subnet_title(s))
            );
            let _ = writeln!(
                o,
                r#"  <rect class="used" x="{}" y="{}" width="{}" height="{}" fill="{used}"/>"#,
                n(x),
                n(y),
                n(w * used_share(s)),
                n(BAR_HEIGHT)
            );
        }
    }

    // Legend.
    let mut lx = 20.0;
    let mut legend = |o: &mut String, fill: &str, label: &str| {
        let _ = writeln!(
            o,
            r##"  <rect x="{}" y="{}" width="14" height="14" fill="{fill}" stroke="#969696"/>"##,
            n(lx),
            n(legend_y)
        );
        let _ = writeln!(
            o,
            r#"  <text x="{}" y="{}">{}</text>"#,
            n(lx + 20.0),
            n(legend_y + 11.0),
            xml_text(label)
        );
        lx += 30.0 + 7.0 * label.len() as f64;
    };
    for role in [SubnetRole::Private, SubnetRole::Public, SubnetRole::Pod] {
        let (reserved, used) = role_fill(role);
        legend(&mut o, used, &format!("{} used", role.as_str()));
        legend(&mut o, reserved, &format!("{} reserved", role.as_str()));
    }
    legend(&mut o, FREE_FILL, "free");

    // Per zone: each subnet scaled to itself.
    let mut y = detail_top;
    for z in zones {
        let _ = writeln!(
            o,
            r#"  <text x="20" y="{}" font-weight="bold">{}</text>"#,
            n(y + 12.0),
            xml_text(&format!("zone {z}"))
        );
        y += DETAIL_ROW;
        for s in plan.network.subnets.iter().filter(|s| &s.az == z) {
            let (reserved, used) = role_fill(s.role);
            let _ = writeln!(
                o,
                r#"  <text x="40" y="{}">{}</text>"#,
                n(y + 12.0),
                xml_text(&format!("{} {} {}", s.role.as_str(), s.cidr, s.name))
            );
            let _ = writeln!(
                o,
                r##"  <rect x="{}" y="{}" width="{}" height="14" fill="{reserved}" stroke="#969696"><title>{}</title></rect>"##,
                n(DETAIL_BAR_X),
                n(y + 1.0),
                n(DETAIL_BAR_WIDTH),
                xml_text(&subnet_title(s))
            );
            let _ = writeln!(
                o,
                r#"  <rect x="{}" y="{}" width="{}" height="14" fill="{used}"/>"#,
                n(DETAIL_BAR_X),
                n(y + 1.0),
                n(DETAIL_BAR_WIDTH * used_share(s))
            );
            let _ = writeln!(
                o,
                r#"  <text x="{}" y="{}">{}</text>"#,
                n(DETAIL_BAR_X + DETAIL_BAR_WIDTH + 10.0),
                n(y + 12.0),
                xml_text(&format!(
                    "{} needed at max of {} usable",
                    s.ips_needed_at_max, s.usable_ips
                ))
            );
            y += DETAIL_ROW;
        }
    }
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(n(220.0), "220");
        assert_eq!(n(0.1234), "0.123");
        assert_eq!(n(11.875), "11.875");
        assert_eq!(n(-0.0001), "0");
    }
}
