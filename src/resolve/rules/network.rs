//! Rules about the VPC, its subnets, the endpoint and where images come from.

use crate::plan::{
    CniAddressMode, HelmInstall, NatGateway, RegistryCopy, RegistryKind, Severity, SubnetRole,
};
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
    let existing_install = ctx
        .intent
        .spec
        .existing_cluster
        .as_ref()
        .and_then(|c| c.karpenter.as_ref());
    if let Some(k) = existing_install {
        // An existing cluster's EC2NodeClasses select the existing subnets by id unless the
        // intent names tags; then eksgen can only say where they must be.
        if k.subnet_tags.is_empty() {
            return Vec::new();
        }
        let filters: Vec<String> = k
            .subnet_tags
            .iter()
            .map(|(key, value)| format!("Name=tag:{key},Values={value}"))
            .collect();
        return vec![Hit::cluster(
            Severity::Info,
            "spec.existingCluster.karpenter.subnetTags",
            format!(
                "the EC2NodeClasses select subnets by the tags {} (existingCluster.karpenter.subnetTags), which eksgen can neither see nor add to existing subnets: Karpenter launches only into subnets that carry all of them, and into any such subnet in the NodePools' zones, budgeted here or not (the plan budgets {})",
                k.subnet_tags
                    .iter()
                    .map(|(key, value)| format!("{key} = {value}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                ids.join(", ")
            ),
            format!(
                "check that `aws ec2 describe-subnets --filters {}` lists exactly those subnets, or leave subnetTags out to select them by id",
                filters.join(" ")
            ),
        )];
    }
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

/// EKSG033: an existing Karpenter install older than the release whose API has every field
/// the NodePools and EC2NodeClasses use. Fields a release does not know are pruned without an
/// error, so the nodes would differ from the plan (an error); a release that only ignores
/// the node-count limit still bounds the pool by its cpu and memory limits (a warning).
pub fn existing_karpenter_release(ctx: &Ctx) -> Vec<Hit> {
    let Some(k) = ctx
        .intent
        .spec
        .existing_cluster
        .as_ref()
        .and_then(|c| c.karpenter.as_ref())
    else {
        return Vec::new();
    };
    let Some(version) = &k.version else {
        return Vec::new();
    };
    let Some((major, minor)) = version.parts() else {
        return Vec::new();
    };
    let path = "spec.existingCluster.karpenter.version";
    let required = ctx
        .plan
        .autoscaling
        .karpenter_min_version
        .as_ref()
        .map_or("1.0", |v| v.version.as_str());
    if major == 0 {
        return vec![Hit::cluster(
            Severity::Error,
            path,
            format!(
                "Karpenter {} predates the v1 API: the NodePool (karpenter.sh/v1) and EC2NodeClass (karpenter.k8s.aws/v1) eksgen renders do not exist there",
                version.0
            ),
            format!(
                "upgrade the install to {required} or later through 1.0 (Karpenter's v1 migration guide), then restate existingCluster.karpenter.version"
            ),
        )];
    }
    if major > 1 {
        return Vec::new();
    }
    let missing: Vec<crate::resolve::groups::KarpenterNeed> =
        crate::resolve::groups::karpenter_needs(&ctx.plan.node_groups)
            .into_iter()
            .filter(|n| n.minor > minor)
            .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let prunes = missing.iter().any(|n| n.changes_nodes);
    let what = missing
        .iter()
        .map(|n| n.what.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let consequence = if prunes {
        "its CRDs prune the fields they do not know without an error, so nodes would come out other than planned"
    } else {
        "it keeps limits.nodes but does not count it, so each pool is bounded only by its cpu and memory limits (scaling.max nodes of the group's largest type)"
    };
    vec![Hit::cluster(
        if prunes {
            Severity::Error
        } else {
            Severity::Warning
        },
        path,
        format!(
            "the installed Karpenter {} is older than the {required} the NodePools and EC2NodeClasses need ({what}): {consequence}",
            version.0
        ),
        format!(
            "upgrade the Karpenter chart and its CRDs (the karpenter-crd chart) to {required} or later, then restate existingCluster.karpenter.version"
        ),
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

/// EKSG034: `helm.install: terraform` makes `terraform apply` talk to the Kubernetes API, so
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

    /// An existing cluster with a Karpenter install: `karpenter` goes under
    /// `existingCluster.karpenter`, `groups` under `nodeGroups`.
    fn existing_karpenter(karpenter: &str, groups: &str) -> String {
        format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: prod
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    existingVpc:
      id: vpc-0123456789abcdef0
      cidrBlocks: [10.0.0.0/16]
      subnets:
        - {{ id: subnet-0123456789abcdef1, zone: us-west-2a, cidr: 10.0.0.0/19, role: private }}
        - {{ id: subnet-0123456789abcdef2, zone: us-west-2b, cidr: 10.0.32.0/19, role: private }}
    availabilityZones: [us-west-2a, us-west-2b]
  existingCluster:
    nodeSecurityGroupIds: [sg-0123456789abcdef0]
    karpenter: {karpenter}
  autoscaling: {{ karpenter: true }}
  nodeGroups:
{groups}"
        )
    }

    const BURST: &str = "    - { name: burst, provisioner: karpenter, instanceTypes: [m6i.large], scaling: { min: 0, desired: 0, max: 4 } }\n";
    const EFA: &str = "    - { name: train, provisioner: karpenter, instanceTypes: [p5.48xlarge], efa: true, onePodPerNode: true, availabilityZones: [us-west-2a], scaling: { min: 0, desired: 0, max: 2 } }\n";

    #[test]
    fn an_installed_release_older_than_the_node_pools_need() {
        let k = |v: &str| format!("{{ version: \"{v}\", nodeRole: KarpenterNodeRole-prod }}");
        // Every NodePool sets limits.nodes (1.12); older releases only ignore it.
        assert!(
            hits(
                existing_karpenter_release,
                &existing_karpenter(&k("1.12.0"), BURST)
            )
            .is_empty()
        );
        assert!(
            hits(
                existing_karpenter_release,
                &existing_karpenter(&k("v2.0"), BURST)
            )
            .is_empty()
        );
        let found = hits(
            existing_karpenter_release,
            &existing_karpenter(&k("1.11.3"), BURST),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].path, "spec.existingCluster.karpenter.version");
        assert!(
            found[0].message.contains("older than the 1.12"),
            "{found:?}"
        );
        // efa-only interfaces and the placement group (1.11) would be pruned below 1.11.
        let found = hits(
            existing_karpenter_release,
            &existing_karpenter(&k("1.10.2"), EFA),
        );
        assert_eq!(found[0].severity, Severity::Error, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("1.11: EC2NodeClass placementGroupSelector"),
            "{found:?}"
        );
        assert!(!found[0].message.contains("1.6:"), "{found:?}");
        let found = hits(
            existing_karpenter_release,
            &existing_karpenter(&k("1.11.0"), EFA),
        );
        assert_eq!(found[0].severity, Severity::Warning, "{found:?}");
        // Before 1.0 there is no v1 API at all.
        let found = hits(
            existing_karpenter_release,
            &existing_karpenter(&k("0.37.7"), BURST),
        );
        assert_eq!(found[0].severity, Severity::Error, "{found:?}");
        assert!(
            found[0].message.contains("predates the v1 API"),
            "{found:?}"
        );
    }

    #[test]
    fn existing_subnets_chosen_by_id_need_no_tag_and_named_tags_are_checked_by_the_user() {
        let by_id = existing_karpenter("{ version: \"1.12.1\", nodeRole: R }", BURST);
        assert!(hits(existing_subnets_untagged, &by_id).is_empty());
        let by_tag = existing_karpenter(
            "{ version: \"1.12.1\", nodeRole: R, subnetTags: { karpenter.sh/discovery: prod } }",
            BURST,
        );
        let found = hits(existing_subnets_untagged, &by_tag);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Info);
        assert!(
            found[0]
                .hint
                .contains("Name=tag:karpenter.sh/discovery,Values=prod"),
            "{found:?}"
        );
        // No group the cluster always has: its own nodes run coredns and the controller.
        assert!(hits(super::super::nodes::system_nodes, &by_id).is_empty());
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
