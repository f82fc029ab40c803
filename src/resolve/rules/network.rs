//! Rules about the VPC, its subnets, the endpoint and where images come from.

use crate::plan::{CniAddressMode, NatGateway, RegistryCopy, RegistryKind, Severity, SubnetRole};
use crate::resolve::cost;

use super::{Ctx, Hit};

/// EKSG003. The layout's shortfall, when resolve could not fit the subnets.
pub fn subnet_too_small(ctx: &Ctx) -> Vec<Hit> {
    ctx.shortfall
        .map(|s| {
            Hit::cluster(
                Severity::Error,
                "spec.network",
                s.message.clone().unwrap_or_else(|| format!(
                    "{} holds {} addresses but the subnets need {} (power-of-two blocks, AWS's 5 reserved per subnet, update surge): short by {} addresses",
                    s.space,
                    s.available,
                    s.needed,
                    s.needed.saturating_sub(s.available)
                )),
                s.hint.clone(),
            )
        })
        .into_iter()
        .collect()
}

/// EKSG010.
pub fn cross_region_registry(ctx: &Ctx) -> Vec<Hit> {
    let plan = ctx.plan;
    let Some(reg) = plan.registry.as_ref().filter(|r| r.cross_region) else {
        return Vec::new();
    };
    let price = cost::cross_region_transfer_price(&reg.region, &plan.region);
    let estimate = reg.monthly_transfer_gib.map(|gib| {
        let dollars = price
            .map(|p| {
                format!(
                    ", ${:.0} at ${}/GB ({} list price, {})",
                    p.usd * gib,
                    p.usd,
                    p.region,
                    cost::prices_date()
                )
            })
            .unwrap_or_default();
        format!(
            "{:.1} TB a month at {} GiB x {} scale-outs a day{dollars}",
            gib * 1.073_741_824 / 1000.0,
            reg.image_size_gib.unwrap_or(0.0),
            reg.scale_outs_per_day.unwrap_or(0)
        )
    });
    let hit = match (&reg.in_region_copy, reg.kind) {
        (Some(copy), _) => Hit::cluster(
            Severity::Info,
            "spec.registry.inRegionCopy",
            format!(
                "images are pushed to {} and the cluster is in {}: {} in {} copies them into {} (new nodes pull in their own region){}",
                reg.region,
                plan.region,
                match copy.method {
                    RegistryCopy::Replication => "an ECR replication rule",
                    _ => "an ECR pull-through cache rule",
                },
                copy.file,
                plan.region,
                estimate
                    .map(|e| format!("; cross-region transfer it avoids: {e}"))
                    .unwrap_or_default()
            ),
            copy.reason.clone(),
        ),
        (None, kind) => Hit::cluster(
            Severity::Warning,
            "spec.registry.region",
            format!(
                "images come from {} but the cluster is in {}; every new node pulls across regions (billed per GB, slower){}",
                reg.region,
                plan.region,
                estimate.map(|e| format!(": {e}")).unwrap_or_default()
            ),
            if kind == RegistryKind::Ecr {
                "copy the images into the cluster's region: remove `inRegionCopy: none` (ECR replication) or set `inRegionCopy: pull-through-cache`"
            } else {
                "if the images are in your ECR registry, set `registry.kind: ecr`: eksgen then renders ECR replication into the cluster's region; otherwise mirror the repository into the cluster's region"
            },
        ),
    };
    vec![hit]
}

/// EKSG011.
pub fn prefix_delegation_small_subnet(ctx: &Ctx) -> Vec<Hit> {
    let plan = ctx.plan;
    if plan.network.cni.mode != CniAddressMode::PrefixDelegation {
        return Vec::new();
    }
    let (pod_role, path) = if plan.network.custom_networking {
        (SubnetRole::Pod, "spec.network.secondaryCidrs")
    } else {
        (SubnetRole::Private, "spec.network.vpcCidr")
    };
    plan.subnets(pod_role)
        .filter(|s| s.cidr.prefix() > 24 || s.ips_needed_at_max * 4 > s.usable_ips * 3)
        .map(|s| {
            let free_blocks = s.usable_ips.saturating_sub(s.ips_needed_at_max) / 16;
            Hit::cluster(
                Severity::Warning,
                path,
                format!(
                    "{} ({}) is small for prefix delegation: about {free_blocks} free /28 blocks at max scale, and a fragmented subnet fails with InsufficientCidrBlocks",
                    s.name, s.cidr
                ),
                "give pods a larger or dedicated subnet (secondaryCidrs) or reserve a CIDR range for prefixes",
            )
        })
        .collect()
}

/// EKSG015.
pub fn public_endpoint_open(ctx: &Ctx) -> Vec<Hit> {
    let endpoint = &ctx.plan.endpoint;
    if !(endpoint.public_access
        && endpoint
            .public_access_cidrs
            .iter()
            .any(|c| c.ends_with("/0")))
    {
        return Vec::new();
    }
    vec![Hit::cluster(
        Severity::Warning,
        "spec.endpoint.publicAccessCidrs",
        "the Kubernetes API endpoint accepts connections from the whole internet",
        "list your office / VPN ranges in endpoint.publicAccessCidrs, or turn public access off",
    )]
}

/// EKSG016.
pub fn single_nat_gateway(ctx: &Ctx) -> Vec<Hit> {
    if ctx.plan.network.nat_gateway != NatGateway::Single {
        return Vec::new();
    }
    vec![Hit::cluster(
        Severity::Info,
        "spec.network.natGateway",
        "one NAT gateway serves every zone: its zone's outage cuts egress for all nodes, and other zones pay cross-AZ transfer",
        "use `natGateway: per-az` for production",
    )]
}

/// EKSG029: Karpenter's EC2NodeClasses find node subnets by the discovery tag, and eksgen
/// tags only subnets it creates; in an existing VPC whose private subnets keep the nodes,
/// Karpenter launches nothing until the user tags them.
pub fn existing_subnets_untagged(ctx: &Ctx) -> Vec<Hit> {
    let plan = ctx.plan;
    let Some(existing) = &plan.network.existing_vpc else {
        return Vec::new();
    };
    if !plan.autoscaling.karpenter || existing.nodes_in_new_subnets {
        return Vec::new();
    }
    let ids: Vec<&str> = plan
        .subnets(crate::plan::SubnetRole::Private)
        .filter_map(|s| s.id.as_deref())
        .collect();
    vec![Hit::cluster(
        Severity::Warning,
        "spec.network.existingVpc.subnets",
        format!(
            "Karpenter's EC2NodeClasses find node subnets by the tag karpenter.sh/discovery = {}, and eksgen does not tag the existing subnets {} (it modifies nothing it did not create): Karpenter launches no node until they carry it",
            plan.cluster,
            ids.join(", ")
        ),
        "tag those subnets yourself, or set `newSubnets: nodes` with secondary CIDRs so nodes go to subnets eksgen creates and tags",
    )]
}

/// EKSG030: the cluster-wide settings an existing cluster must have for the plan's max pods
/// and addresses to hold, compared with the ones the intent states.
pub fn existing_cluster_settings(ctx: &Ctx) -> Vec<Hit> {
    match &ctx.intent.spec.existing_cluster {
        Some(cluster) => vec![crate::resolve::existing_cluster::assess(cluster, ctx.plan).1],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hits, intent, intent_with};
    use super::*;

    const GROUP: &str = "    - { name: web, instanceTypes: [m6i.large], scaling: { min: 1, desired: 1, max: 2 } }\n";

    #[test]
    fn shortfall_becomes_the_subnet_finding() {
        let big = "    - { name: web, instanceTypes: [m6i.large], podsPerNode: 20, scaling: { min: 1, desired: 1, max: 50 } }\n";
        let found = hits(
            subnet_too_small,
            &intent("1.34", "    secondaryCidrs: none\n", big),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "spec.network");
        assert!(
            found[0]
                .message
                .starts_with("primary CIDR 10.0.0.0/24 holds 256 addresses but the subnets need"),
            "{found:?}"
        );
        assert!(hits(subnet_too_small, &intent("1.34", "", GROUP)).is_empty());
    }

    #[test]
    fn cross_region_registry_estimates_the_transfer() {
        let text = intent_with(
            "1.34",
            "",
            GROUP,
            "  registry: { region: eu-west-1, imageSizeGiB: 10, scaleOutsPerDay: 5 }\n",
        );
        let found = hits(cross_region_registry, &text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("1.6 TB a month"), "{found:?}");
        // eksgen has no eu-west-1 transfer prices: no dollar figure is made up.
        assert!(!found[0].message.contains('$'), "{found:?}");
        assert!(found[0].hint.contains("registry.kind: ecr"), "{found:?}");
        let same = intent_with("1.34", "", GROUP, "  registry: { region: us-west-2 }\n");
        assert!(hits(cross_region_registry, &same).is_empty());
    }

    #[test]
    fn cross_region_registry_prices_the_transfer_and_knows_the_copy() {
        let registry = |extra: &str| {
            format!(
                "  registry: {{ region: us-east-1, imageSizeGiB: 3.5, scaleOutsPerDay: 1000{extra} }}\n"
            )
        };
        // 3.5 GiB x 1000 x 30 = 105,000 GiB at $0.02/GB out of us-east-1.
        let found = hits(
            cross_region_registry,
            &intent_with("1.34", "", GROUP, &registry("")),
        );
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.contains("112.7 TB a month")
                && found[0]
                    .message
                    .contains("$2100 at $0.02/GB (us-east-1 list price"),
            "{found:?}"
        );
        let copied = hits(
            cross_region_registry,
            &intent_with("1.34", "", GROUP, &registry(", kind: ecr")),
        );
        assert_eq!(copied[0].severity, Severity::Info, "{copied:?}");
        assert_eq!(copied[0].path, "spec.registry.inRegionCopy");
        assert!(
            copied[0]
                .message
                .contains("ECR replication rule in registry.tf"),
            "{copied:?}"
        );
        let opted_out = hits(
            cross_region_registry,
            &intent_with(
                "1.34",
                "",
                GROUP,
                &registry(", kind: ecr, inRegionCopy: none"),
            ),
        );
        assert_eq!(opted_out[0].severity, Severity::Warning);
        assert!(
            opted_out[0].hint.contains("pull-through-cache"),
            "{opted_out:?}"
        );
    }

    #[test]
    fn prefix_delegation_in_a_small_subnet() {
        let network = "    secondaryCidrs: none\n    cni: { mode: prefix-delegation }\n";
        let group = |max: u32| {
            format!(
                "    - {{ name: web, instanceTypes: [m6i.large], scaling: {{ min: 1, desired: 1, max: {max} }} }}\n"
            )
        };
        // A /21 gives each zone a /23 (507 usable): 452 needed at max 4 is over 75 %.
        let text = |max| intent("1.34", network, &group(max)).replace("10.0.0.0/24", "10.0.0.0/21");
        let found = hits(prefix_delegation_small_subnet, &text(4));
        assert_eq!(found.len(), 3, "one per private subnet: {found:?}");
        assert_eq!(found[0].path, "spec.network.vpcCidr");
        assert!(
            found[0]
                .message
                .starts_with("private-us-west-2a (10.0.0.0/23) is small"),
            "{found:?}"
        );
        assert!(hits(prefix_delegation_small_subnet, &text(3)).is_empty());
    }

    #[test]
    fn open_endpoint_and_single_nat() {
        let open = intent_with(
            "1.34",
            "    natGateway: single\n",
            GROUP,
            "  endpoint: { publicAccess: true, publicAccessCidrs: [0.0.0.0/0] }\n",
        );
        assert_eq!(hits(public_endpoint_open, &open).len(), 1);
        assert_eq!(hits(single_nat_gateway, &open).len(), 1);
        let closed = intent("1.34", "", GROUP);
        assert!(hits(public_endpoint_open, &closed).is_empty());
        assert!(hits(single_nat_gateway, &closed).is_empty());
    }
}
