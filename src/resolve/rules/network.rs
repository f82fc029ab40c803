//! Rules about the VPC, its subnets, the endpoint and where images come from.

use crate::plan::{CniAddressMode, HelmInstall, NatGateway, Severity, SubnetRole};

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
    let estimate = reg
        .monthly_transfer_gib
        .map(|gib| {
            format!(
                ": {:.1} TB a month at {} GiB x {} scale-outs a day",
                gib * 1.073_741_824 / 1000.0,
                reg.image_size_gib.unwrap_or(0.0),
                reg.scale_outs_per_day.unwrap_or(0)
            )
        })
        .unwrap_or_default();
    vec![Hit::cluster(
        Severity::Warning,
        "spec.registry.region",
        format!(
            "images come from {} but the cluster is in {}; every new node pulls across regions (billed per GB, slower){estimate}",
            reg.region, plan.region
        ),
        "replicate the repository into the cluster region (ECR replication or a pull-through cache)",
    )]
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

/// EKSG031: `helm.install: terraform` makes `terraform apply` talk to the Kubernetes API, so
/// the machine running it must reach the endpoint: from anywhere allowed with a public
/// endpoint, only from inside the VPC or a listed admin network with a private one.
pub fn helm_through_private_endpoint(ctx: &Ctx) -> Vec<Hit> {
    let plan = ctx.plan;
    if plan.helm.install != HelmInstall::Terraform
        || plan.helm.releases.is_empty()
        || plan.endpoint.public_access
    {
        return Vec::new();
    }
    let charts = plan
        .helm
        .releases
        .iter()
        .map(|r| r.release.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if plan.endpoint.private_access_cidrs.is_empty() {
        vec![Hit::cluster(
            Severity::Warning,
            "spec.helm.install",
            format!(
                "helm.tf installs {charts} through the Kubernetes API, and the endpoint is private with no admin networks: `terraform apply` fails unless it runs inside the VPC"
            ),
            "run Terraform from inside the VPC (a CI runner in the private subnets), list your network in spec.endpoint.privateAccessCidrs, or use `helm.install: commands` and install from where the API is reachable",
        )]
    } else {
        vec![Hit::cluster(
            Severity::Info,
            "spec.helm.install",
            format!(
                "helm.tf installs {charts} through the private Kubernetes endpoint: `terraform apply` must run inside the VPC or from {}",
                plan.endpoint.private_access_cidrs.join(", ")
            ),
            "run Terraform from one of those networks",
        )]
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
        let same = intent_with("1.34", "", GROUP, "  registry: { region: us-west-2 }\n");
        assert!(hits(cross_region_registry, &same).is_empty());
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

    #[test]
    fn helm_in_terraform_needs_a_reachable_endpoint() {
        let chart = "  autoscaling: { clusterAutoscaler: true }\n  helm: { install: terraform }\n";
        let private = intent_with("1.34", "", GROUP, chart);
        let found = hits(helm_through_private_endpoint, &private);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].path, "spec.helm.install");
        let admin = intent_with(
            "1.34",
            "",
            GROUP,
            &format!("{chart}  endpoint: {{ privateAccessCidrs: [10.9.0.0/16] }}\n"),
        );
        let found = hits(helm_through_private_endpoint, &admin);
        assert_eq!(found[0].severity, Severity::Info, "{found:?}");
        assert!(found[0].message.contains("10.9.0.0/16"), "{found:?}");
        let public = intent_with(
            "1.34",
            "",
            GROUP,
            &format!(
                "{chart}  endpoint: {{ publicAccess: true, publicAccessCidrs: [203.0.113.0/24] }}\n"
            ),
        );
        assert!(hits(helm_through_private_endpoint, &public).is_empty());
        let commands = intent_with(
            "1.34",
            "",
            GROUP,
            "  autoscaling: { clusterAutoscaler: true }\n",
        );
        assert!(hits(helm_through_private_endpoint, &commands).is_empty());
    }
}
