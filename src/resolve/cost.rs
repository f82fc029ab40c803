//! What a plan costs: node groups (catalog on-demand prices), the EKS control plane (standard
//! or extended support from the version calendar), NAT gateways and the data they process,
//! and cross-region transfer where the intent gives a volume.
//!
//! Owns `data/prices.csv` (cluster-level list prices with source and date) and the rule for
//! regions without prices: eksgen prices them at us-east-1 list prices, marks the cost as a
//! reference (`regionPriced: false`) and says so in a note. It never scales or guesses a
//! price. Pure: the support status comes from the calendar's as-of date, not the clock.

use std::sync::LazyLock;

use crate::catalog::{EMBEDDED_CATALOG_DATE, InstanceType};
use crate::intent::CapacityType;
use crate::intent::aws_limits::{self, Support};
use crate::plan::{
    CostItem, CostPlan, MonthlyCost, NodeGroupPlan, Plan, RegistryCopy, RegistryKind, RegistryPlan,
    ScalingPlan,
};

/// Hours in the month used for costs (AWS pricing convention).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The cluster-level price table, compiled into the binary.
pub const PRICES_CSV: &str = include_str!("../../data/prices.csv");

/// The only region whose prices eksgen carries: the embedded catalog's instance prices and
/// every row of `data/prices.csv` are for it. A catalog overlay may carry instance prices
/// of another region (`catalog import --price-region`).
pub const PRICES_REGION: &str = crate::catalog::EMBEDDED_PRICE_REGION;

/// One row of `data/prices.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub item: &'static str,
    pub region: &'static str,
    pub unit: &'static str,
    pub usd: f64,
    pub source: &'static str,
    pub what: &'static str,
}

static PRICES: LazyLock<Vec<Price>> = LazyLock::new(|| {
    PRICES_CSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|l| {
            let f: Vec<&'static str> = l.splitn(6, ',').collect();
            assert_eq!(f.len(), 6, "data/prices.csv: {l}");
            Price {
                item: f[0],
                region: f[1],
                unit: f[2],
                usd: f[3]
                    .parse()
                    .unwrap_or_else(|_| panic!("data/prices.csv: price {}", f[3])),
                source: f[4],
                what: f[5],
            }
        })
        .collect()
});

/// The `# date:` line of `data/prices.csv`.
pub fn prices_date() -> &'static str {
    PRICES_CSV
        .lines()
        .find_map(|l| l.strip_prefix("# date: "))
        .unwrap_or(EMBEDDED_CATALOG_DATE)
}

/// Every cluster-level price eksgen carries.
pub fn prices() -> &'static [Price] {
    &PRICES
}

fn price(item: &str, region: &str) -> Option<&'static Price> {
    PRICES.iter().find(|p| p.item == item && p.region == region)
}

/// The price of `item` in `region`, else the us-east-1 one as a reference (the item then
/// records us-east-1 as its region, and the plan notes it).
fn local_or_reference(item: &str, region: &str) -> Option<&'static Price> {
    price(item, region).or_else(|| price(item, PRICES_REGION))
}

/// The price per GB of data sent from `from` to another region `to`, when eksgen has
/// `from`'s transfer prices (us-east-2 is cheaper from us-east-1 than other regions).
pub fn cross_region_transfer_price(from: &str, to: &str) -> Option<&'static Price> {
    let item = if to == "us-east-2" {
        "transfer-cross-region-out-us-east-2"
    } else {
        "transfer-cross-region-out"
    };
    price(item, from)
}

/// Whether `data/prices.csv` has the cluster-level prices of `region`.
pub fn region_priced(region: &str) -> bool {
    price("eks-control-plane-standard", region).is_some()
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A node group's price per node-hour, its monthly cost at desired and max, and the reason.
pub fn node_group_cost(
    types: &[InstanceType],
    capacity: CapacityType,
    scaling: ScalingPlan,
    region: &str,
) -> (Option<f64>, Option<MonthlyCost>, String) {
    let Some(first) = types.first() else {
        return (None, None, "no instance type".to_string());
    };
    let Some(price) = first.on_demand_usd_hour else {
        return (
            None,
            None,
            format!("the catalog has no price for {}", first.name),
        );
    };
    let from = &first.price_region;
    let list = if from == region {
        format!("{from} list price, catalog {EMBEDDED_CATALOG_DATE}")
    } else {
        format!(
            "{from} list price, catalog {EMBEDDED_CATALOG_DATE}; the catalog has no {region} price, so a reference only"
        )
    };
    let mut reason = format!(
        "{} on-demand ${price:.4}/h ({list}) x {HOURS_PER_MONTH} h x nodes",
        first.name
    );
    match capacity {
        CapacityType::OnDemand => {}
        CapacityType::Spot => reason.push_str("; spot usually costs less: this is the ceiling"),
        CapacityType::CapacityBlock => reason.push_str(
            "; a capacity block is billed at its own reservation price, paid when reserved: this on-demand figure is a reference",
        ),
    }
    if types.len() > 1 {
        reason.push_str("; priced at the first listed type");
    }
    let monthly = MonthlyCost {
        desired: round2(price * HOURS_PER_MONTH * f64::from(scaling.desired)),
        max: round2(price * HOURS_PER_MONTH * f64::from(scaling.max)),
    };
    (Some(price), Some(monthly), reason)
}

fn item(name: &str, p: &Price, desired: f64, max: f64, reason: String) -> CostItem {
    CostItem {
        name: name.to_string(),
        unit_usd: p.usd,
        unit: p.unit.to_string(),
        monthly_usd: MonthlyCost {
            desired: round2(desired),
            max: round2(max),
        },
        source: format!("{}, {}, {}", p.source, p.region, prices_date()),
        region: p.region.to_string(),
        reason,
    }
}

fn group_item(g: &NodeGroupPlan, price_region: &str) -> Option<CostItem> {
    let (hourly, monthly) = (g.hourly_cost_usd?, g.monthly_cost_usd?);
    Some(CostItem {
        name: format!("nodeGroups.{}", g.name),
        unit_usd: hourly,
        unit: "hour".to_string(),
        monthly_usd: monthly,
        source: format!(
            "aws.amazon.com/ec2/pricing/on-demand, {price_region}, {EMBEDDED_CATALOG_DATE}"
        ),
        region: price_region.to_string(),
        reason: format!(
            "{} to {} nodes x {HOURS_PER_MONTH} h",
            g.scaling.desired, g.scaling.max
        ),
    })
}

/// NAT data processing and cross-region transfer of `gib` pulled a month.
fn registry_items(
    plan: &Plan,
    reg: &RegistryPlan,
    gib: f64,
    items: &mut Vec<CostItem>,
    notes: &mut Vec<String>,
) {
    let region = plan.region.as_str();
    // Layers of an ECR registry in the cluster's region (its own, or a copy there) are S3
    // objects of that region: they come through the free S3 gateway endpoint when the plan
    // has one, and only the registry API calls (a few KB a pull) go through NAT.
    let s3_gateway = plan
        .network
        .vpc_endpoints
        .iter()
        .any(|e| e.endpoint_type == crate::plan::VpcEndpointType::Gateway && e.service == "s3");
    let layers_in_region =
        reg.kind == RegistryKind::Ecr && reg.pull_region == plan.region && s3_gateway;
    if let Some(p) = local_or_reference("nat-gateway-data", region) {
        let (monthly, reason) = if layers_in_region {
            (
                0.0,
                format!(
                    "image pulls of {gib:.0} GiB a month (registry.imageSizeGiB x scaleOutsPerDay x 30) from ECR in {region}: the layers are S3 objects of the region and come through the free S3 gateway endpoint, not NAT (through NAT they would cost ${:.0})",
                    p.usd * gib
                ),
            )
        } else {
            (
                p.usd * gib,
                format!(
                    "image pulls of {gib:.0} GiB a month (registry.imageSizeGiB x scaleOutsPerDay x 30) through NAT: the ceiling. From ECR in the cluster's region (registry.kind: ecr) the layers come from S3 through the free S3 gateway endpoint instead"
                ),
            )
        };
        items.push(item("natDataProcessing", p, monthly, monthly, reason));
    }
    if !reg.cross_region {
        return;
    }
    match cross_region_transfer_price(&reg.region, region) {
        Some(p) => {
            let pulls = p.usd * gib;
            let (monthly, reason) = match &reg.in_region_copy {
                Some(copy) => (
                    0.0,
                    format!(
                        "{gib:.0} GiB a month of pulls would cross from {} to {region} (${pulls:.0} a month); {} keeps them in {region}. It moves each pushed image across once instead, which is not in the total (the intent does not say how often images are pushed)",
                        reg.region,
                        match copy.method {
                            RegistryCopy::Replication => "ECR replication (registry.tf)",
                            _ => "the ECR pull-through cache (registry.tf)",
                        }
                    ),
                ),
                None => (
                    pulls,
                    format!(
                        "{gib:.0} GiB a month from {} to {region}; an ECR copy in {region} (registry.kind: ecr, inRegionCopy) avoids it",
                        reg.region
                    ),
                ),
            };
            items.push(item("crossRegionTransfer", p, monthly, monthly, reason));
        }
        None => notes.push(format!(
            "cross-region transfer from {} ({gib:.0} GiB a month) is not in the total: eksgen has no transfer prices for {}",
            reg.region, reg.region
        )),
    }
}

/// The cost of a plan whose node groups, network and registry are resolved.
/// `group_price_regions` is the region of each node group's price (the catalog row of its
/// first instance type), in `plan.node_groups` order.
pub fn cluster_cost(plan: &Plan, group_price_regions: &[String]) -> CostPlan {
    let region = plan.region.as_str();
    let h = HOURS_PER_MONTH;
    let mut items = Vec::new();
    let mut notes = Vec::new();

    let minor = plan
        .kubernetes_version
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok());
    let (cp_item, support) = match minor.map(aws_limits::support) {
        Some(Support::Extended(v)) => (
            "eks-control-plane-extended",
            format!(
                "Kubernetes {} is in extended support until {} (standard support ended {}); upgrading to a standard version costs the standard rate",
                plan.kubernetes_version, v.end_of_extended, v.end_of_standard
            ),
        ),
        Some(Support::Standard(v)) => (
            "eks-control-plane-standard",
            format!(
                "Kubernetes {} is in standard support until {}; after that extended support costs ${:.2}/h unless the cluster is upgraded",
                plan.kubernetes_version,
                v.end_of_standard,
                local_or_reference("eks-control-plane-extended", region).map_or(0.0, |p| p.usd)
            ),
        ),
        _ => (
            "eks-control-plane-standard",
            format!(
                "Kubernetes {} is not in the version calendar: priced at the standard rate",
                plan.kubernetes_version
            ),
        ),
    };
    if let Some(p) = local_or_reference(cp_item, region) {
        let monthly = p.usd * h;
        items.push(item(
            "controlPlane",
            p,
            monthly,
            monthly,
            format!("1 cluster x {h} h: {support}"),
        ));
    }

    for (g, price_region) in plan.node_groups.iter().zip(group_price_regions) {
        match group_item(g, price_region) {
            Some(i) => items.push(i),
            None => notes.push(format!(
                "node group {} is not in the total: {}",
                g.name, g.cost_reason
            )),
        }
    }

    let nat_count = match plan.network.nat_gateway.as_str() {
        "single" => 1,
        _ => plan.network.availability_zones.len(),
    };
    if let Some(p) = local_or_reference("nat-gateway-hour", region) {
        let monthly = p.usd * h * nat_count as f64;
        items.push(item(
            "natGateways",
            p,
            monthly,
            monthly,
            format!(
                "{nat_count} NAT gateway(s) ({}) x {h} h",
                plan.network.nat_gateway
            ),
        ));
    }

    match plan.registry.as_ref().and_then(|r| r.monthly_transfer_gib.map(|gib| (r, gib))) {
        Some((reg, gib)) => {
            registry_items(plan, reg, gib, &mut items, &mut notes);
        }
        None => notes.push(
            "NAT data processing and cross-region transfer are not in the total: set registry.imageSizeGiB and registry.scaleOutsPerDay for an estimate".to_string(),
        ),
    }
    let interface_endpoints = plan
        .network
        .vpc_endpoints
        .iter()
        .filter(|e| e.endpoint_type == crate::plan::VpcEndpointType::Interface)
        .count();
    if interface_endpoints > 0 {
        notes.push(format!(
            "{interface_endpoints} VPC interface endpoints in {} zones are not in the total: eksgen has no PrivateLink prices (billed per endpoint, zone and hour, plus per GB)",
            plan.network.availability_zones.len()
        ));
    }
    notes.push(
        "cross-zone transfer is not in the total: the plan has no estimate of traffic between zones (groups with interNodeTraffic: high keep pods in one zone)".to_string(),
    );

    // Transfer out of the registry's region is priced where the data leaves, which is
    // right for any cluster region.
    let registry_region = plan.registry.as_ref().map(|r| r.region.as_str());
    let elsewhere: Vec<&str> = items
        .iter()
        .filter(|i| i.region != region)
        .filter(|i| {
            !(i.name == "crossRegionTransfer" && Some(i.region.as_str()) == registry_region)
        })
        .map(|i| i.name.as_str())
        .collect();
    if !elsewhere.is_empty() {
        notes.insert(
            0,
            format!(
                "eksgen has no {region} prices for {}: they use {PRICES_REGION} list prices, so the total is a reference for {region}, not its bill",
                elsewhere.join(", ")
            ),
        );
    }
    let total = MonthlyCost {
        desired: round2(items.iter().map(|i| i.monthly_usd.desired).sum()),
        max: round2(items.iter().map(|i| i.monthly_usd.max).sum()),
    };
    CostPlan {
        currency: "USD".to_string(),
        region: plan.region.clone(),
        prices_region: PRICES_REGION.to_string(),
        region_priced: elsewhere.is_empty(),
        prices_date: prices_date().to_string(),
        hours_per_month: HOURS_PER_MONTH,
        items,
        total_monthly_usd: total,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_table_is_sorted_dated_and_sourced() {
        assert!(prices_date().len() == 7 && prices_date().as_bytes()[4] == b'-');
        let keys: Vec<(&str, &str)> = prices().iter().map(|p| (p.item, p.region)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(keys, sorted, "sorted by item then region, no duplicates");
        for p in prices() {
            assert!(p.usd > 0.0 && p.usd < 10.0, "{p:?}");
            assert!(p.unit == "hour" || p.unit == "GB", "{p:?}");
            assert!(p.source.starts_with("aws.amazon.com/"), "{p:?}");
            assert!(
                region_priced(p.region),
                "only priced regions have rows: {p:?}"
            );
        }
        for item in [
            "eks-control-plane-standard",
            "eks-control-plane-extended",
            "nat-gateway-hour",
            "nat-gateway-data",
            "transfer-cross-region-out",
        ] {
            assert!(price(item, PRICES_REGION).is_some(), "{item}");
        }
    }

    #[test]
    fn node_group_cost_is_price_times_hours_times_nodes_with_honest_reasons() {
        let t = crate::catalog::Catalog::embedded()
            .get("m6i.large")
            .unwrap()
            .clone();
        let price = t.on_demand_usd_hour.unwrap();
        let scaling = ScalingPlan {
            min: 0,
            desired: 2,
            max: 5,
        };
        let (hourly, monthly, reason) = node_group_cost(
            std::slice::from_ref(&t),
            CapacityType::OnDemand,
            scaling,
            "us-east-1",
        );
        assert_eq!(hourly, Some(price));
        let m = monthly.unwrap();
        assert_eq!(m.desired, round2(price * 730.0 * 2.0));
        assert_eq!(m.max, round2(price * 730.0 * 5.0));
        assert!(!reason.contains("reference"), "{reason}");
        let (_, _, reason) = node_group_cost(
            std::slice::from_ref(&t),
            CapacityType::Spot,
            scaling,
            "eu-west-1",
        );
        assert!(
            reason.contains("ceiling") && reason.contains("no eu-west-1 price"),
            "{reason}"
        );
        let (_, _, reason) = node_group_cost(
            &[t.clone(), t],
            CapacityType::CapacityBlock,
            scaling,
            "us-east-1",
        );
        assert!(
            reason.contains("reservation price") && reason.contains("first listed"),
            "{reason}"
        );
    }

    fn registry_cost(registry: &str) -> CostPlan {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: c
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  registry: {{ {registry} }}
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
  nodeGroups:
    - {{ name: web, instanceTypes: [m6i.large], scaling: {{ min: 1, desired: 1, max: 2 }} }}
"
        );
        let catalog = crate::catalog::Catalog::embedded();
        let intent = crate::intent::parse_and_validate(&text, "t.yaml", catalog)
            .unwrap_or_else(|e| panic!("{e}"));
        crate::resolve::resolve(&intent, catalog)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .cost
    }

    fn monthly(cost: &CostPlan, name: &str) -> Option<f64> {
        cost.items
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.monthly_usd.desired)
    }

    #[test]
    fn registry_transfer_follows_where_nodes_pull_from() {
        // 2 GiB x 100 a day x 30 = 6,000 GiB a month.
        let pulls = "imageSizeGiB: 2, scaleOutsPerDay: 100";
        // Not said to be ECR, in another region: NAT ceiling and transfer at $0.02.
        let other = registry_cost(&format!("region: us-east-1, {pulls}"));
        assert_eq!(monthly(&other, "natDataProcessing"), Some(270.0));
        assert_eq!(monthly(&other, "crossRegionTransfer"), Some(120.0));
        // ECR copied into the cluster's region: layers take the S3 gateway, nothing crosses.
        let copied = registry_cost(&format!("region: us-east-1, kind: ecr, {pulls}"));
        assert_eq!(monthly(&copied, "natDataProcessing"), Some(0.0));
        assert_eq!(monthly(&copied, "crossRegionTransfer"), Some(0.0));
        let item = copied
            .items
            .iter()
            .find(|i| i.name == "crossRegionTransfer")
            .unwrap();
        assert!(
            item.reason.contains("($120 a month)") && item.reason.contains("ECR replication"),
            "{}",
            item.reason
        );
        // Opting out of the copy keeps the transfer; NAT still carries cross-region layers.
        let opted_out = registry_cost(&format!(
            "region: us-east-1, kind: ecr, inRegionCopy: none, {pulls}"
        ));
        assert_eq!(monthly(&opted_out, "crossRegionTransfer"), Some(120.0));
        assert_eq!(monthly(&opted_out, "natDataProcessing"), Some(270.0));
        // Transfer priced where it leaves: the us-east-1 price is right for us-west-2.
        assert!(
            !other.notes[0].contains("crossRegionTransfer"),
            "{:?}",
            other.notes
        );
    }

    #[test]
    fn extended_support_costs_six_times_standard() {
        let std = price("eks-control-plane-standard", PRICES_REGION).unwrap();
        let ext = price("eks-control-plane-extended", PRICES_REGION).unwrap();
        assert!((ext.usd / std.usd - 6.0).abs() < 1e-9);
    }
}
