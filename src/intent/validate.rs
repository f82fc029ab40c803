//! Semantic checks of a parsed [`Intent`]: every problem at once, each with its key path.
//!
//! Rules that need only the intent, the catalog and the embedded AWS data live here (CIDRs and
//! the VPC association table, regions, zones and versions, the names the Terraform module
//! derives, scaling bounds, instance types, labels, taints, capacity blocks). Identifier
//! syntax is in `names`, the AWS facts in `aws_limits`. Rules that need resolved numbers (max
//! pods against the chosen CNI mode, subnet space, quotas) live in `resolve`.

use std::collections::BTreeSet;

use crate::catalog::{Arch, Catalog};
use crate::cidr::{Ipv4Cidr, MAX_SUBNET_PREFIX, MIN_VPC_PREFIX};
use crate::diagnostic::{Diagnostic, did_you_mean};

use super::aws_limits::{self, DerivedName, Support};
use super::existing;
use super::names::{check_aws_tag, is_reservation_id};
pub use super::names::{is_cluster_name, is_region, label_key, label_value};
use super::{AmiFamily, CapacityType, Intent, NodeGroupSpec, Provisioner, SecondaryCidrs};

/// Bounds of `minNetworkGbps`: 1 Mbps (the label's unit) up to 100 Tbps, far above any
/// instance type, so a typo in the unit (Mbps written as Gbps) is caught.
pub const MIN_NETWORK_GBPS: f64 = 0.001;
pub const MAX_NETWORK_GBPS: f64 = 100_000.0;

/// Default quota of IPv4 CIDR blocks per VPC, primary included.
pub const CIDR_BLOCKS_PER_VPC: usize = 5;
/// Node-group names become IAM role and launch-template name prefixes; keep room for suffixes.
/// The provisioner's own limits ([`aws_limits::group_names`]) are tighter for managed and
/// self-managed groups.
pub const MAX_GROUP_NAME: usize = 32;
/// The cluster-autoscaler tag keys eksgen derives from node labels and taints.
pub const CA_LABEL_TAG_PREFIX: &str = "k8s.io/cluster-autoscaler/node-template/label/";
pub const CA_TAINT_TAG_PREFIX: &str = "k8s.io/cluster-autoscaler/node-template/taint/";

/// All problems in the intent; empty when it is valid.
pub fn validate(intent: &Intent, catalog: &Catalog) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let spec = &intent.spec;
    check_cluster_name(&intent.metadata.name, &mut out);
    if is_cluster_name(&intent.metadata.name) {
        let mut derived = aws_limits::CLUSTER_NAMES.to_vec();
        // The Karpenter node role is named after the cluster unless an existing cluster's
        // Karpenter names its own.
        let named_role = spec
            .existing_cluster
            .as_ref()
            .and_then(|c| c.karpenter.as_ref())
            .is_some_and(|k| {
                k.node_role.is_some() || k.aws_resources == super::KarpenterAwsResources::Existing
            });
        if spec.autoscaling.karpenter && !named_role {
            derived.extend_from_slice(aws_limits::KARPENTER_CLUSTER_NAMES);
        }
        check_derived_names(
            &intent.metadata.name,
            "metadata.name",
            "the cluster name",
            &derived,
            &mut out,
        );
    }
    check_region(&spec.region, "spec.region", &mut out);
    check_kubernetes_version(&spec.kubernetes_version, &mut out);

    // Endpoint.
    if spec.endpoint.public_access {
        if spec.endpoint.public_access_cidrs.is_empty() {
            out.push(
                Diagnostic::new("spec.endpoint.publicAccessCidrs", "public endpoint access needs the CIDRs allowed to reach it")
                    .hint("list your office or VPN ranges; write 0.0.0.0/0 only if you mean the whole internet"),
            );
        }
        for (i, c) in spec.endpoint.public_access_cidrs.iter().enumerate() {
            if let Err(e) = c.parse::<Ipv4Cidr>() {
                out.push(Diagnostic::new(
                    format!("spec.endpoint.publicAccessCidrs[{i}]"),
                    e.to_string(),
                ));
            }
        }
    } else if !spec.endpoint.public_access_cidrs.is_empty() {
        out.push(
            Diagnostic::new(
                "spec.endpoint.publicAccessCidrs",
                "CIDRs are given but public access is off",
            )
            .hint("set `publicAccess: true` or remove the list"),
        );
    }

    for (i, c) in spec.endpoint.private_access_cidrs.iter().enumerate() {
        if let Err(e) = c.parse::<Ipv4Cidr>() {
            out.push(
                Diagnostic::new(
                    format!("spec.endpoint.privateAccessCidrs[{i}]"),
                    e.to_string(),
                )
                .hint("write the VPN or peered network as an IPv4 CIDR, e.g. 10.200.0.0/16"),
            );
        }
    }
    for (i, arn) in spec.access.cluster_admins.iter().enumerate() {
        if let Err(why) = super::names::admin_principal(arn) {
            out.push(
                Diagnostic::new(format!("spec.access.clusterAdmins[{i}]"), why).hint(
                    "give an IAM role or user ARN, e.g. arn:aws:iam::111122223333:role/platform-admin (for an assumed-role session, the role's own ARN)",
                ),
            );
        }
        if spec.access.cluster_admins[..i].contains(arn) {
            out.push(
                Diagnostic::new(
                    format!("spec.access.clusterAdmins[{i}]"),
                    format!("{arn:?} is listed twice"),
                )
                .hint("remove the duplicate"),
            );
        }
    }

    for (key, value) in &spec.tags {
        check_aws_tag(key, value, &format!("spec.tags.{key}"), &mut out);
    }

    // Network.
    let net = &spec.network;
    let cluster_azs = check_azs(
        &net.availability_zones,
        &spec.region,
        "spec.network.availabilityZones",
        &mut out,
    );
    // The VPC's blocks: the one eksgen creates, or the existing VPC's (primary first).
    let mut existing_blocks: Vec<Ipv4Cidr> = Vec::new();
    let vpc = match (&net.vpc_cidr, &net.existing_vpc) {
        (Some(text), None) => match text.parse::<Ipv4Cidr>() {
            Ok(c) if !(MIN_VPC_PREFIX..=MAX_SUBNET_PREFIX).contains(&c.prefix()) => {
                out.push(
                    Diagnostic::new(
                        "spec.network.vpcCidr",
                        format!("a VPC CIDR must be /16 to /28; `{c}` is /{}", c.prefix()),
                    )
                    .hint("AWS allows /16 (65,536 addresses) at most; add space with `secondaryCidrs`"),
                );
                None
            }
            Ok(c) => Some(c),
            Err(e) => {
                out.push(Diagnostic::new("spec.network.vpcCidr", e.to_string()));
                None
            }
        },
        (None, Some(existing)) => {
            existing_blocks = existing::check(
                existing,
                &spec.region,
                &cluster_azs,
                net.secondary_cidrs != SecondaryCidrs::None,
                &mut out,
            );
            existing_blocks.first().copied()
        }
        (Some(_), Some(_)) => {
            out.push(
                Diagnostic::new(
                    "spec.network.existingVpc",
                    "both `vpcCidr` and `existingVpc` are set",
                )
                .hint("keep `vpcCidr` for a VPC eksgen creates, or `existingVpc` (with its `cidrBlocks`) for one that exists"),
            );
            None
        }
        (None, None) => {
            out.push(
                Diagnostic::new("spec.network", "missing field `vpcCidr`")
                    .hint("set `vpcCidr: 10.0.0.0/16` for a new VPC, or `existingVpc` to use one that exists (docs/intent.md)"),
            );
            None
        }
    };
    if net.availability_zones.len() < 2 {
        out.push(
            Diagnostic::new(
                "spec.network.availabilityZones",
                "EKS needs subnets in at least two availability zones",
            )
            .hint(format!("add a second zone, e.g. `{}b`", spec.region)),
        );
    }
    // Blocks eksgen allocates, checked against the ranges in use elsewhere below.
    // (An existing VPC's blocks are not eksgen's to move, so they are not checked against
    // avoidCidrs; new blocks are.)
    let mut allocated: Vec<(String, Ipv4Cidr)> = vpc
        .filter(|_| net.existing_vpc.is_none())
        .map(|c| ("spec.network.vpcCidr".to_string(), c))
        .into_iter()
        .collect();
    if let SecondaryCidrs::List(list) = &net.secondary_cidrs {
        let present = existing_blocks.len().max(1);
        if list.len() + present > CIDR_BLOCKS_PER_VPC {
            out.push(
                Diagnostic::new("spec.network.secondaryCidrs", format!("{} secondary CIDRs exceed the default quota of {CIDR_BLOCKS_PER_VPC} CIDR blocks per VPC", list.len()))
                    .hint("use fewer, larger blocks (a /16 holds 65,536 addresses) or raise the quota and split the VPC"),
            );
        }
        let mut seen: Vec<Ipv4Cidr> = vpc.into_iter().collect();
        seen.extend(existing_blocks.iter().skip(1));
        for (i, c) in list.iter().enumerate() {
            let path = format!("spec.network.secondaryCidrs[{i}]");
            match c.parse::<Ipv4Cidr>() {
                Ok(block) if !(MIN_VPC_PREFIX..=MAX_SUBNET_PREFIX).contains(&block.prefix()) => out
                    .push(Diagnostic::new(
                        path,
                        format!("`{block}`: a VPC CIDR block must be /16 to /28"),
                    )),
                Ok(block) => {
                    if let Some(other) = seen.iter().find(|s| s.overlaps(block)) {
                        out.push(
                            Diagnostic::new(path.clone(), format!("`{block}` overlaps {other}"))
                                .hint("secondary CIDRs must not overlap the VPC CIDR or each other; 100.64.0.0/10 is the usual pod range"),
                        );
                    } else if let Some(why) =
                        vpc.and_then(|p| aws_limits::association_refusal(p, block))
                    {
                        out.push(
                            Diagnostic::new(path.clone(), format!("AWS refuses `{block}` as a secondary CIDR: {why}"))
                                .hint("use a block from 100.64.0.0/10 (accepted with every primary range), or `secondaryCidrs: auto`; see docs/ip-budget.md"),
                        );
                    }
                    seen.push(block);
                    allocated.push((path, block));
                }
                Err(e) => out.push(Diagnostic::new(path, e.to_string())),
            }
        }
    }
    check_avoided_ranges(&net.avoid_cidrs, &allocated, &mut out);
    if let Some(cluster) = &spec.existing_cluster {
        existing::check_cluster(cluster, intent, &mut out);
    }
    let cni = &net.cni;
    if cni.max_eni == Some(0) {
        out.push(
            Diagnostic::new(
                "spec.network.cni.maxEni",
                "maxEni 0 is ignored by the VPC CNI",
            )
            .hint("remove it, or set 1 or more"),
        );
    }
    if cni.warm_prefix_target == Some(0)
        && cni.warm_ip_target.is_none()
        && cni.minimum_ip_target.is_none()
    {
        out.push(
            Diagnostic::new(
                "spec.network.cni.warmPrefixTarget",
                "warmPrefixTarget 0 without IP targets is not supported by the VPC CNI",
            )
            .hint("use 1, or set warmIpTarget / minimumIpTarget"),
        );
    }

    if let Some(reg) = &spec.registry {
        check_registry(reg, &spec.region, &mut out);
    }

    // Node groups.
    if spec.node_groups.is_empty() {
        out.push(
            Diagnostic::new(
                "spec.nodeGroups",
                "no node groups: the cluster would have nowhere to run pods",
            )
            .hint("add at least one group (a small `system` group of m6i.large is common)"),
        );
    }
    let mut names = BTreeSet::new();
    for (i, group) in spec.node_groups.iter().enumerate() {
        let path = format!("spec.nodeGroups[{i}]");
        for name in expanded_names(group) {
            if !names.insert(name.clone()) {
                out.push(
                    Diagnostic::new(
                        format!("{path}.name"),
                        format!("node group name `{name}` is used twice"),
                    )
                    .hint("node group names must be unique (memory tiers add `-<GiB>g` suffixes)"),
                );
            }
        }
        check_group(intent, group, &path, catalog, &cluster_azs, &mut out);
    }
    out
}

/// Names a group produces, memory tiers expanded.
pub fn expanded_names(group: &NodeGroupSpec) -> Vec<String> {
    if group.memory_tiers_gi_b.is_empty() {
        vec![group.name.clone()]
    } else {
        group
            .memory_tiers_gi_b
            .iter()
            .map(|t| format!("{}-{t}g", group.name))
            .collect()
    }
}

fn check_group(
    intent: &Intent,
    group: &NodeGroupSpec,
    path: &str,
    catalog: &Catalog,
    cluster_azs: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let name_ok = !group.name.is_empty()
        && group.name.len() <= MAX_GROUP_NAME
        && group.name.starts_with(|c: char| c.is_ascii_lowercase())
        && !group.name.ends_with('-')
        && group
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !name_ok {
        out.push(
            Diagnostic::new(format!("{path}.name"), format!("`{}` is not a valid node group name", group.name.escape_debug()))
                .hint(format!("use 1-{MAX_GROUP_NAME} characters of a-z, 0-9 and `-`, starting with a letter, e.g. `gpu-train`")),
        );
    } else {
        let what = format!("the {} group name", group.provisioner.as_str());
        for name in expanded_names(group) {
            check_derived_names(
                &name,
                &format!("{path}.name"),
                &what,
                aws_limits::group_names(group.provisioner),
                out,
            );
        }
    }

    // Instance selection: by name, or by memory tier.
    let by_name = !group.instance_types.is_empty();
    let by_tier = !group.memory_tiers_gi_b.is_empty() || !group.instance_families.is_empty();
    if by_name && by_tier {
        out.push(
            Diagnostic::new(
                format!("{path}.instanceTypes"),
                "give either instanceTypes or memoryTiersGiB + instanceFamilies, not both",
            )
            .hint("memory tiers choose the cheapest type per tier; named types are used as given"),
        );
    } else if !by_name && !by_tier {
        out.push(
            Diagnostic::new(format!("{path}.instanceTypes"), "no instance types").hint(
                "list types such as [m6i.xlarge], or use memoryTiersGiB with instanceFamilies",
            ),
        );
    } else if by_tier && (group.memory_tiers_gi_b.is_empty() || group.instance_families.is_empty())
    {
        out.push(
            Diagnostic::new(
                format!("{path}.memoryTiersGiB"),
                "memoryTiersGiB and instanceFamilies go together",
            )
            .hint("e.g. memoryTiersGiB: [16, 64] with instanceFamilies: [r6i, m6i]"),
        );
    }
    let mut types = Vec::new();
    let mut seen_types = BTreeSet::new();
    for (j, name) in group.instance_types.iter().enumerate() {
        let tpath = format!("{path}.instanceTypes[{j}]");
        if !seen_types.insert(name) {
            out.push(Diagnostic::new(
                tpath.clone(),
                format!("`{name}` is listed twice"),
            ));
        }
        match catalog.get(name) {
            Some(t) => types.push((tpath, t)),
            None => {
                let suggestions = catalog.suggest(name);
                let mut d = Diagnostic::new(
                    tpath,
                    format!("unknown instance type `{}`", name.escape_debug()),
                );
                d = match suggestions.first() {
                    Some(best) => d.hint(format!(
                        "did you mean `{best}`? (`eksgen catalog` lists known types)"
                    )),
                    None => d.hint(
                        "`eksgen catalog` lists known types; `eksgen catalog import` adds new ones",
                    ),
                };
                out.push(d);
            }
        }
    }
    for (j, family) in group.instance_families.iter().enumerate() {
        if !catalog.has_family(family) {
            let families: BTreeSet<&str> = catalog.iter().map(|t| t.family.as_str()).collect();
            let mut d = Diagnostic::new(
                format!("{path}.instanceFamilies[{j}]"),
                format!("unknown instance family `{}`", family.escape_debug()),
            );
            if let Some(h) = did_you_mean(family, families.iter().copied()) {
                d = d.hint(h);
            }
            out.push(d);
        }
    }
    let mut tier_seen = BTreeSet::new();
    for (j, tier) in group.memory_tiers_gi_b.iter().enumerate() {
        if *tier == 0 || !tier_seen.insert(tier) {
            out.push(Diagnostic::new(
                format!("{path}.memoryTiersGiB[{j}]"),
                format!("tier {tier} GiB must be positive and listed once"),
            ));
        }
    }
    let family_types: Vec<_> = catalog
        .iter()
        .filter(|t| group.instance_families.contains(&t.family))
        .collect();
    let archs: BTreeSet<Arch> = types
        .iter()
        .map(|(_, t)| t.arch)
        .chain(family_types.iter().map(|t| t.arch))
        .collect();
    if archs.len() > 1 {
        out.push(
            Diagnostic::new(
                format!("{path}.instanceTypes"),
                "the group mixes amd64 and arm64 instance types",
            )
            .hint("one AMI serves one architecture: split Graviton types into their own group"),
        );
    }
    let accelerated: BTreeSet<bool> = types
        .iter()
        .map(|(_, t)| t.gpu_count > 0 || t.accelerator_count > 0)
        .collect();
    if accelerated.len() > 1 {
        out.push(
            Diagnostic::new(
                format!("{path}.instanceTypes"),
                "the group mixes accelerated (GPU / Neuron) and plain instance types",
            )
            .hint("a GPU AMI and its taint serve one kind of node: split them into two groups"),
        );
    }
    if group.efa {
        for (tpath, t) in &types {
            if t.efa_interfaces == 0 {
                let alt = catalog
                    .iter()
                    .filter(|c| c.family == t.family && c.efa_interfaces > 0)
                    .map(|c| c.name.as_str())
                    .next();
                let mut d = Diagnostic::new(
                    tpath.clone(),
                    format!(
                        "`{}` has no EFA interfaces but the group sets `efa: true`",
                        t.name
                    ),
                );
                d = match alt {
                    Some(a) => d.hint(format!(
                        "use an EFA-capable size such as `{a}`, or set `efa: false`"
                    )),
                    None => d.hint(
                        "choose an EFA-capable type (`eksgen catalog --efa`), or set `efa: false`",
                    ),
                };
                out.push(d);
            }
        }
        if by_tier {
            out.push(
                Diagnostic::new(
                    format!("{path}.efa"),
                    "EFA groups must name their instance types",
                )
                .hint("list the EFA type, e.g. [p5.48xlarge]"),
            );
        }
    }
    if group.ami_family == AmiFamily::Al2023 && types.iter().any(|(_, t)| t.family == "a1") {
        out.push(
            Diagnostic::new(
                format!("{path}.amiFamily"),
                "AL2023 does not support a1 instances",
            )
            .hint("use a newer Graviton type such as m7g, or `amiFamily: bottlerocket`"),
        );
    }
    if group.ami_family == AmiFamily::Al2
        && types
            .iter()
            .any(|(_, t)| t.has_neuron() || (t.arch == Arch::Arm64 && t.gpu_count > 0))
    {
        out.push(
            Diagnostic::new(
                format!("{path}.amiFamily"),
                "AL2 has no AMI for this accelerator / architecture",
            )
            .hint("use `amiFamily: al2023`"),
        );
    }

    let s = group.scaling;
    if s.max == 0 {
        out.push(
            Diagnostic::new(
                format!("{path}.scaling.max"),
                "max is 0: the group could never run a node",
            )
            .hint("set max to the most nodes the group may grow to"),
        );
    }
    if s.min > s.max {
        out.push(
            Diagnostic::new(
                format!("{path}.scaling.min"),
                format!("min {} is above max {}", s.min, s.max),
            )
            .hint("min <= desired <= max"),
        );
    }
    if s.desired < s.min || s.desired > s.max {
        out.push(
            Diagnostic::new(
                format!("{path}.scaling.desired"),
                format!(
                    "desired {} is outside min {} .. max {}",
                    s.desired, s.min, s.max
                ),
            )
            .hint("min <= desired <= max"),
        );
    }
    if s.max > 10_000 {
        out.push(Diagnostic::new(
            format!("{path}.scaling.max"),
            format!("max {} is above the 10,000 nodes eksgen plans for", s.max),
        ));
    }
    if group.pods_per_node == Some(0) {
        out.push(
            Diagnostic::new(
                format!("{path}.podsPerNode"),
                "podsPerNode must be at least 1",
            )
            .hint("count the pods that use VPC addresses, daemonsets included"),
        );
    }
    if let super::MaxPodsSetting::Fixed(0) = group.max_pods {
        out.push(Diagnostic::new(
            format!("{path}.maxPods"),
            "maxPods must be at least 1, or `auto`",
        ));
    }
    if group.one_pod_per_node && group.pods_per_node.is_some_and(|p| p > 16) {
        out.push(
            Diagnostic::new(format!("{path}.podsPerNode"), "onePodPerNode with more than 16 pods per node")
                .hint("podsPerNode counts the workload pod plus daemonsets; one-pod-per-node groups rarely run more than a handful"),
        );
    }

    if let Some(azs) = &group.availability_zones {
        let zpath = format!("{path}.availabilityZones");
        if azs.is_empty() {
            out.push(
                Diagnostic::new(zpath.clone(), "an empty zone list")
                    .hint("remove the field to use every cluster zone"),
            );
        }
        let mut seen = BTreeSet::new();
        for (j, az) in azs.iter().enumerate() {
            if !seen.insert(az) {
                out.push(Diagnostic::new(
                    format!("{zpath}[{j}]"),
                    format!("`{az}` is listed twice"),
                ));
            } else if !cluster_azs.contains(az) {
                let mut d = Diagnostic::new(
                    format!("{zpath}[{j}]"),
                    format!(
                        "`{}` is not one of the cluster's availabilityZones",
                        az.escape_debug()
                    ),
                );
                if let Some(h) = did_you_mean(az, cluster_azs.iter().map(String::as_str)) {
                    d = d.hint(h);
                } else {
                    d = d.hint(format!("cluster zones: {}", cluster_azs.join(", ")));
                }
                out.push(d);
            }
        }
    }
    if group.instance_store == super::InstanceStore::Raid0 {
        check_instance_store(group, path, catalog, out);
    }
    if let Some(snapshot) = &group.image_snapshot_id {
        check_image_snapshot(intent, group, snapshot, path, out);
    }
    if let Some(disk) = group.disk_size_gi_b {
        if !(20..=16_384).contains(&disk) {
            out.push(Diagnostic::new(
                format!("{path}.diskSizeGiB"),
                format!("{disk} GiB is outside 20 .. 16384"),
            ));
        }
    }
    for (key, value) in &group.labels {
        check_label(key, value, &format!("{path}.labels.{key}"), out);
    }
    let autoscaler_tags =
        intent.spec.autoscaling.cluster_autoscaler && group.provisioner != Provisioner::Karpenter;
    if autoscaler_tags {
        for key in group.labels.keys() {
            check_autoscaler_tag_key(
                CA_LABEL_TAG_PREFIX,
                key,
                &format!("{path}.labels.{key}"),
                out,
            );
        }
    }
    let mut taints_seen = BTreeSet::new();
    for (j, taint) in group.taints.iter().enumerate() {
        let tpath = format!("{path}.taints[{j}]");
        if !taints_seen.insert((taint.key.as_str(), taint.effect.as_str())) {
            out.push(
                Diagnostic::new(
                    format!("{tpath}.key"),
                    format!(
                        "the taint `{}` with effect {} is listed twice",
                        taint.key.escape_debug(),
                        taint.effect.as_str()
                    ),
                )
                .hint("Kubernetes allows one taint per key and effect (EKS would keep only the last): remove one, or give it another effect"),
            );
        }
        if autoscaler_tags {
            check_autoscaler_tag_key(
                CA_TAINT_TAG_PREFIX,
                &taint.key,
                &format!("{tpath}.key"),
                out,
            );
        }
        if let Err(m) = label_key(&taint.key) {
            out.push(
                Diagnostic::new(
                    format!("{tpath}.key"),
                    format!("taint key `{}`: {m}", taint.key.escape_debug()),
                )
                .hint("keys look like `example.com/dedicated` or `dedicated`"),
            );
        }
        if let Some(v) = &taint.value {
            if let Err(m) = label_value(v) {
                out.push(Diagnostic::new(
                    format!("{tpath}.value"),
                    format!("taint value `{}`: {m}", v.escape_debug()),
                ));
            }
        }
    }
    match (group.capacity_type, &group.capacity_reservation_id) {
        (CapacityType::CapacityBlock, None) => out.push(
            Diagnostic::new(
                format!("{path}.capacityReservationId"),
                "capacity-block groups need the reservation id",
            )
            .hint("add `capacityReservationId: cr-...` from your EC2 Capacity Block"),
        ),
        (_, Some(id)) if !is_reservation_id(id) => out.push(
            Diagnostic::new(
                format!("{path}.capacityReservationId"),
                format!("`{}` is not a capacity reservation id", id.escape_debug()),
            )
            .hint("ids look like `cr-0123456789abcdef0`"),
        ),
        _ => {}
    }
    check_reservation_zone(group, path, cluster_azs, out);
    if group.capacity_type == CapacityType::CapacityBlock
        && group.provisioner == Provisioner::SelfManaged
    {
        out.push(
            Diagnostic::new(
                format!("{path}.provisioner"),
                "eksgen renders capacity blocks for managed and Karpenter groups only",
            )
            .hint("use `provisioner: managed`"),
        );
    }
    if group.provisioner == Provisioner::Karpenter && !intent.spec.autoscaling.karpenter {
        out.push(
            Diagnostic::new(
                format!("{path}.provisioner"),
                "the group uses Karpenter but `spec.autoscaling.karpenter` is false",
            )
            .hint("set `spec.autoscaling.karpenter: true` so the Karpenter module is rendered"),
        );
    }
    if group.provisioner == Provisioner::Karpenter {
        for key in group.labels.keys() {
            let domain = key.split_once('/').map(|(d, _)| d).unwrap_or_default();
            if domain == "karpenter.sh"
                || domain == "karpenter.k8s.aws"
                || key == "kubernetes.io/hostname"
            {
                out.push(
                    Diagnostic::new(
                        format!("{path}.labels.{key}"),
                        format!("Karpenter manages the label `{key}`; a NodePool may not set it"),
                    )
                    .hint("use your own label domain, e.g. `example.com/pool`"),
                );
            }
        }
    }
    if group.consolidation.is_some() && group.provisioner != Provisioner::Karpenter {
        out.push(
            Diagnostic::new(
                format!("{path}.consolidation"),
                "consolidation applies to Karpenter groups only",
            )
            .hint("remove it, or set `provisioner: karpenter`"),
        );
    }
    if let Some(gbps) = group.min_network_gbps {
        if !(gbps.is_finite() && (MIN_NETWORK_GBPS..=MAX_NETWORK_GBPS).contains(&gbps)) {
            out.push(
                Diagnostic::new(
                    format!("{path}.minNetworkGbps"),
                    format!("{gbps} Gbps is outside {MIN_NETWORK_GBPS} .. {MAX_NETWORK_GBPS}"),
                )
                .hint("give the least bandwidth a node needs in Gbps, e.g. 100 or 400 (`eksgen catalog TYPE --format json` shows networkBandwidthMbps)"),
            );
        }
    }
    if let Some(r) = &group.pod_resources {
        for (field, v) in [("cpu", r.cpu), ("memoryGiB", r.memory_gi_b)] {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    out.push(Diagnostic::new(
                        format!("{path}.podResources.{field}"),
                        format!("{v} must be a positive number"),
                    ));
                }
            }
        }
    }
}

fn check_cluster_name(name: &str, out: &mut Vec<Diagnostic>) {
    if !is_cluster_name(name) {
        out.push(
            Diagnostic::new("metadata.name", format!("`{}` is not a valid EKS cluster name", name.escape_debug()))
                .hint("use 1-100 characters of A-Z, a-z, 0-9, `-` and `_`, starting with a letter or digit"),
        );
    }
}

/// A capacity block (like any reservation) lives in one zone: the group must run there and
/// nowhere else. The zone comes from `capacityReservationZone` or a one-zone
/// `availabilityZones`; when both are given they must agree.
fn check_reservation_zone(
    group: &NodeGroupSpec,
    path: &str,
    cluster_azs: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let zpath = format!("{path}.capacityReservationZone");
    if let Some(zone) = &group.capacity_reservation_zone {
        if group.capacity_reservation_id.is_none() {
            out.push(
                Diagnostic::new(
                    zpath.clone(),
                    "a reservation zone without `capacityReservationId`",
                )
                .hint("add the reservation id, or remove capacityReservationZone"),
            );
        }
        if !cluster_azs.contains(zone) {
            let mut d = Diagnostic::new(
                zpath.clone(),
                format!(
                    "`{}` is not one of the cluster's availabilityZones",
                    zone.escape_debug()
                ),
            );
            d = d.hint(
                did_you_mean(zone, cluster_azs.iter().map(String::as_str)).unwrap_or_else(|| {
                    format!(
                        "add the reservation's zone to spec.network.availabilityZones (cluster zones: {})",
                        cluster_azs.join(", ")
                    )
                }),
            );
            out.push(d);
        }
    }
    if group.zonal_stateful
        && let Some(list) = group.availability_zones.as_ref().filter(|l| l.len() > 1)
    {
        out.push(
            Diagnostic::new(
                format!("{path}.availabilityZones"),
                format!(
                    "zonalStateful keeps a group in one zone (an EBS volume cannot follow its pod to another zone), but the group lists {}: {}",
                    list.len(),
                    list.join(", ")
                ),
            )
            .hint("list one zone, or copy the group once per zone with zonalStateful and one zone each"),
        );
    }
    if group.capacity_type != CapacityType::CapacityBlock {
        return;
    }
    match (&group.availability_zones, &group.capacity_reservation_zone) {
        (Some(list), _) if list.len() > 1 => out.push(
            Diagnostic::new(
                format!("{path}.availabilityZones"),
                format!(
                    "a capacity block lives in one zone, but the group lists {}: {}",
                    list.len(),
                    list.join(", ")
                ),
            )
            .hint("list only the reservation's zone (EC2 shows it with the capacity block), or use capacityReservationZone"),
        ),
        (Some(list), Some(zone)) if list.first() != Some(zone) => out.push(
            Diagnostic::new(
                zpath,
                format!(
                    "the reservation is in `{}` but the group is pinned to {}",
                    zone.escape_debug(),
                    list.join(", ")
                ),
            )
            .hint("instances of a capacity block launch only in its zone: make availabilityZones and capacityReservationZone the same zone"),
        ),
        (None, None) => out.push(
            Diagnostic::new(
                zpath,
                "capacity-block groups need the reservation's zone: a capacity block lives in one zone",
            )
            .hint("add `capacityReservationZone: <zone>` (EC2 shows the zone with the capacity block), or `availabilityZones: [<zone>]`"),
        ),
        _ => {}
    }
}

/// cluster-autoscaler reads node labels and taints of empty groups from ASG tags named
/// `<prefix><key>`; the tag key must fit AWS's 128 characters.
fn check_autoscaler_tag_key(prefix: &str, key: &str, path: &str, out: &mut Vec<Diagnostic>) {
    let tag = format!("{prefix}{key}");
    if tag.len() > aws_limits::MAX_TAG_KEY {
        out.push(
            Diagnostic::new(
                path,
                format!(
                    "`{}` is too long for cluster-autoscaler: its Auto Scaling group tag key `{}` has {} characters, and AWS allows {}",
                    key.escape_debug(),
                    tag.escape_debug(),
                    tag.len(),
                    aws_limits::MAX_TAG_KEY
                ),
            )
            .hint(format!(
                "use a key of at most {} characters, or `provisioner: karpenter` (no ASG tags)",
                aws_limits::MAX_TAG_KEY - prefix.len()
            )),
        );
    }
}

/// `avoidCidrs` must parse, and no block eksgen allocates may overlap one of them.
fn check_avoided_ranges(
    avoid: &[String],
    allocated: &[(String, Ipv4Cidr)],
    out: &mut Vec<Diagnostic>,
) {
    for (i, text) in avoid.iter().enumerate() {
        let path = format!("spec.network.avoidCidrs[{i}]");
        let range = match text.parse::<Ipv4Cidr>() {
            Ok(r) => r,
            Err(e) => {
                out.push(Diagnostic::new(path, e.to_string()));
                continue;
            }
        };
        for (where_, block) in allocated {
            if block.overlaps(range) {
                out.push(
                    Diagnostic::new(
                        where_.clone(),
                        format!("`{block}` overlaps {range}, which avoidCidrs[{i}] says is in use elsewhere"),
                    )
                    .hint("peered or routed networks need distinct addresses: choose a block outside every avoidCidrs entry"),
                );
            }
        }
    }
}

/// Every name the Terraform module derives from `name` must fit its AWS limit. One message
/// per name, with the longest name that fits.
fn check_derived_names(
    name: &str,
    path: &str,
    what: &str,
    derived: &[DerivedName],
    out: &mut Vec<Diagnostic>,
) {
    for d in derived {
        let built = d.build(name);
        if built.len() > d.limit {
            out.push(
                Diagnostic::new(
                    path,
                    format!(
                        "`{name}` is too long: {what} becomes `{built}` ({} characters) for {}, and AWS allows {}",
                        built.len(),
                        d.resource,
                        d.limit
                    ),
                )
                .hint(format!(
                    "use at most {} characters ({})",
                    d.room(),
                    d.source
                )),
            );
        }
    }
}

/// The region must be one where EKS runs (`data/regions.csv`), not only look like one.
/// `imageSnapshotId`: a snapshot id, on a node whose image store is a volume of its own.
fn check_image_snapshot(
    intent: &Intent,
    group: &NodeGroupSpec,
    snapshot: &str,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    let at = format!("{path}.imageSnapshotId");
    let hex = snapshot.strip_prefix("snap-").unwrap_or("");
    if !(matches!(hex.len(), 8 | 17)
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    {
        out.push(
            Diagnostic::new(
                &at,
                format!("`{}` is not an EBS snapshot id", snapshot.escape_debug()),
            )
            .hint("`snap-` followed by 8 or 17 lower-case hex digits, e.g. snap-0123456789abcdef0"),
        );
    }
    if group.ami_family != AmiFamily::Bottlerocket {
        out.push(
            Diagnostic::new(
                &at,
                format!(
                    "on {} containerd keeps images on the root volume, which boots the AMI: restoring it from a snapshot would replace the operating system the AMI id chooses",
                    group.ami_family
                ),
            )
            .hint("use amiFamily: bottlerocket (images live on its data volume, /dev/xvdb), or instanceStore: raid0 to unpack onto NVMe"),
        );
    }
    if group.instance_store == super::InstanceStore::Raid0 {
        out.push(
            Diagnostic::new(&at, "with instanceStore: raid0 containerd keeps images on the NVMe array, so the snapshot volume would not be used")
                .hint("choose one: the snapshot (images arrive unpacked) or the instance store"),
        );
    }
    if group.provisioner != Provisioner::Karpenter
        && intent.spec.terraform.eks_module == super::EksModule::V20
    {
        out.push(
            Diagnostic::new(&at, "terraform-aws-eks v20 node groups pass no volume_initialization_rate, so the volume would fetch the snapshot at no stated rate")
                .hint("use terraform.eksModule: \"21\", or a Karpenter group (EC2NodeClass volumeInitializationRate)"),
        );
    }
}

/// `instanceStore: raid0` needs disks to build the array on, and a bootstrap that builds it:
/// Karpenter (AL2023 and Bottlerocket) or nodeadm (AL2023 managed and self-managed groups).
fn check_instance_store(
    group: &NodeGroupSpec,
    path: &str,
    catalog: &Catalog,
    out: &mut Vec<Diagnostic>,
) {
    let at = format!("{path}.instanceStore");
    if group.instance_types.is_empty() {
        out.push(
            Diagnostic::new(&at, "instance store needs instanceTypes with NVMe disks; memory tiers choose types without looking at them")
                .hint("list the types (e.g. g6.2xlarge, r6id.4xlarge) instead of memoryTiersGiB"),
        );
        return;
    }
    let without: Vec<&str> = group
        .instance_types
        .iter()
        .filter(|t| catalog.get(t).is_some_and(|t| t.local_nvme_gb == 0))
        .map(String::as_str)
        .collect();
    if !without.is_empty() {
        out.push(
            Diagnostic::new(
                &at,
                format!("{} has no NVMe instance store to build a RAID0 array on", without.join(", ")),
            )
            .hint("use types with local NVMe (`eksgen catalog TYPE` shows local_nvme_gb), or drop instanceStore"),
        );
    }
    let supported = match group.provisioner {
        Provisioner::Karpenter => group.ami_family != AmiFamily::Al2,
        Provisioner::Managed | Provisioner::SelfManaged => group.ami_family == AmiFamily::Al2023,
    };
    if !supported {
        out.push(
            Diagnostic::new(
                &at,
                format!(
                    "no RAID0 setup for a {} group on {}: Karpenter builds it on AL2023 and Bottlerocket (instanceStorePolicy), nodeadm on AL2023 (localStorage)",
                    group.provisioner.as_str(),
                    group.ami_family
                ),
            )
            .hint("use amiFamily: al2023, or provisioner: karpenter"),
        );
    }
}

/// Most layers eksgen accepts: overlayfs stacks at most 128 lower layers on one mount,
/// and the image's layers are stacked together.
const MAX_IMAGE_LAYERS: u32 = 128;

/// ECR's pull-through cache prefix rule (2 to 30 characters of a repository name: lower-case
/// letters and digits, separated by single `.`, `_`, `-` or `/`), which replication filters
/// accept too.
fn is_repository_prefix(p: &str) -> bool {
    let separator = |c: char| matches!(c, '.' | '_' | '-' | '/');
    (2..=30).contains(&p.len())
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || separator(c))
        && !p.starts_with(separator)
        && !p.ends_with(separator)
        && !p
            .as_bytes()
            .windows(2)
            .any(|w| separator(w[0] as char) && separator(w[1] as char))
}

fn check_registry(reg: &super::RegistrySpec, cluster_region: &str, out: &mut Vec<Diagnostic>) {
    use super::{RegistryCopy, RegistryKind};
    if let Some(r) = &reg.region {
        check_region(r, "spec.registry.region", out);
    }
    if let Some(size) = reg.image_size_gi_b {
        if !(size.is_finite() && size > 0.0 && size <= 1024.0) {
            out.push(Diagnostic::new(
                "spec.registry.imageSizeGiB",
                format!("{size} is not an image size in GiB (0 to 1024)"),
            ));
        }
    }
    if let Some(layers) = reg.layers {
        if !(1..=MAX_IMAGE_LAYERS).contains(&layers) {
            out.push(
                Diagnostic::new(
                    "spec.registry.layers",
                    format!("{layers} layers: an image has 1 to {MAX_IMAGE_LAYERS}"),
                )
                .hint("count them with `docker manifest inspect IMAGE` (one entry per layer)"),
            );
        }
    }
    if let Some(largest) = reg.largest_layer_gi_b {
        match reg.image_size_gi_b {
            _ if !(largest.is_finite() && largest > 0.0) => out.push(Diagnostic::new(
                "spec.registry.largestLayerGiB",
                format!("{largest} is not a layer size in GiB"),
            )),
            None => out.push(
                Diagnostic::new(
                    "spec.registry.largestLayerGiB",
                    "a largest layer without registry.imageSizeGiB",
                )
                .hint("set imageSizeGiB, the compressed size of the whole image"),
            ),
            Some(size) if largest > size => out.push(
                Diagnostic::new(
                    "spec.registry.largestLayerGiB",
                    format!("{largest} GiB is larger than the whole image ({size} GiB)"),
                )
                .hint("both are compressed sizes, as the registry shows them"),
            ),
            Some(_) => {}
        }
    }
    let cross_region = reg.region.as_deref().is_some_and(|r| r != cluster_region);
    match reg.in_region_copy {
        Some(RegistryCopy::Replication | RegistryCopy::PullThroughCache)
            if reg.kind != RegistryKind::Ecr =>
        {
            out.push(
                Diagnostic::new(
                    "spec.registry.inRegionCopy",
                    "ECR replication and pull-through cache rules copy from an ECR registry, and registry.kind is not `ecr`",
                )
                .hint("set registry.kind: ecr if the images are in your account's ECR registry"),
            );
        }
        Some(RegistryCopy::Replication | RegistryCopy::PullThroughCache) if !cross_region => {
            out.push(
                Diagnostic::new(
                    "spec.registry.inRegionCopy",
                    format!(
                        "the images are already in the cluster's region ({cluster_region}): there is nothing to copy"
                    ),
                )
                .hint("set registry.region to the region the images are pushed to, or drop inRegionCopy"),
            );
        }
        Some(RegistryCopy::PullThroughCache) if reg.repository_prefix.is_none() => {
            out.push(
                Diagnostic::new(
                    "spec.registry.inRegionCopy",
                    "a pull-through cache rule needs registry.repositoryPrefix, the repositories it caches",
                )
                .hint("set repositoryPrefix to the first part of your repository names (e.g. `ml` for `ml/trainer`)"),
            );
        }
        _ => {}
    }
    if let Some(prefix) = &reg.repository_prefix {
        if reg.kind != RegistryKind::Ecr {
            out.push(
                Diagnostic::new(
                    "spec.registry.repositoryPrefix",
                    "a repository prefix selects ECR repositories, and registry.kind is not `ecr`",
                )
                .hint("set registry.kind: ecr, or drop repositoryPrefix"),
            );
        } else if !is_repository_prefix(prefix) {
            out.push(
                Diagnostic::new(
                    "spec.registry.repositoryPrefix",
                    format!(
                        "`{}` is not an ECR repository prefix",
                        prefix.escape_debug()
                    ),
                )
                .hint("2 to 30 lower-case letters and digits, separated by single `.`, `_`, `-` or `/`"),
            );
        }
    }
}

fn check_region(region: &str, path: &str, out: &mut Vec<Diagnostic>) {
    if !is_region(region) {
        out.push(
            Diagnostic::new(
                path,
                format!("`{}` is not an AWS region name", region.escape_debug()),
            )
            .hint("use a region code such as `us-west-2`"),
        );
    } else if aws_limits::region(region).is_none() {
        let known = aws_limits::regions().iter().map(|r| r.name.as_str());
        // `us-west-9` is close to every `us-west-N`: name them all.
        let family = region.rsplit_once('-').map_or(region, |(f, _)| f);
        let siblings: Vec<&str> = aws_limits::regions()
            .iter()
            .map(|r| r.name.as_str())
            .filter(|r| r.rsplit_once('-').is_some_and(|(f, _)| f == family))
            .collect();
        let hint = match (did_you_mean(region, known), siblings.is_empty()) {
            (Some(guess), false) => format!("{guess} ({family} regions: {})", siblings.join(", ")),
            (Some(guess), true) => guess,
            (None, _) => {
                "`data/regions.csv` lists the regions eksgen knows (commercial, China, GovCloud)"
                    .to_string()
            }
        };
        out.push(
            Diagnostic::new(
                path,
                format!("`{region}` is not an AWS region where EKS runs"),
            )
            .hint(hint),
        );
    }
}

/// The version must be one EKS supports on the data date (`data/eks-versions.csv`); the
/// extended-support warning is a lint finding (EKSG022).
fn check_kubernetes_version(version: &super::KubernetesVersion, out: &mut Vec<Diagnostic>) {
    let supported = aws_limits::supported_versions();
    let list = supported
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let message = match version.parts() {
        Some((1, minor)) => match aws_limits::support(minor) {
            Support::Standard(_) | Support::Extended(_) => return,
            Support::Ended(v) => format!(
                "Kubernetes {} left EKS extended support on {} (as of {}): EKS no longer creates such clusters",
                v.name(),
                v.end_of_extended,
                aws_limits::versions_as_of()
            ),
            Support::Unknown => format!(
                "`{}` is not a Kubernetes version EKS offers (as of {})",
                version.0,
                aws_limits::versions_as_of()
            ),
        },
        _ => format!(
            "`{}` is not a supported EKS Kubernetes version",
            version.0.escape_debug()
        ),
    };
    out.push(
        Diagnostic::new("spec.kubernetesVersion", message)
            .hint(format!("use a quoted minor version EKS supports: {list}")),
    );
}

pub(super) fn check_azs(
    azs: &[String],
    region: &str,
    path: &str,
    out: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let known_zones: Option<Vec<String>> = aws_limits::region(region).map(|r| r.zones().collect());
    let mut good = Vec::new();
    for (i, az) in azs.iter().enumerate() {
        let suffix = az.strip_prefix(region);
        let shape_ok =
            suffix.is_some_and(|s| s.len() == 1 && s.bytes().all(|b| b.is_ascii_lowercase()));
        let known_ok = known_zones.as_ref().is_none_or(|zones| zones.contains(az));
        if !shape_ok {
            // The zone without its last character (which may be any character, not only
            // a one-byte letter), when that is a region.
            let zone_region = az
                .char_indices()
                .last()
                .map(|(i, _)| &az[..i])
                .filter(|r| is_region(r));
            let hint = match zone_region {
                Some(other) => format!(
                    "`{}` is in region {other}, the cluster is in {region}",
                    az.escape_debug()
                ),
                None => format!("zones of {region} look like `{region}a`"),
            };
            out.push(
                Diagnostic::new(
                    format!("{path}[{i}]"),
                    format!(
                        "`{}` is not an availability zone of {region}",
                        az.escape_debug()
                    ),
                )
                .hint(hint),
            );
        } else if !known_ok {
            let zones = known_zones.as_deref().unwrap_or_default();
            let list = zones.join(", ");
            let hint = match did_you_mean(az, zones.iter().map(String::as_str)) {
                Some(guess) => format!("{guess} ({region} has {list})"),
                None => format!("{region} has {list}"),
            };
            out.push(
                Diagnostic::new(
                    format!("{path}[{i}]"),
                    format!("`{az}` is not an availability zone of {region}"),
                )
                .hint(hint),
            );
        } else if good.contains(az) {
            out.push(Diagnostic::new(
                format!("{path}[{i}]"),
                format!("`{az}` is listed twice"),
            ));
        } else {
            good.push(az.clone());
        }
    }
    good
}

fn check_label(key: &str, value: &str, path: &str, out: &mut Vec<Diagnostic>) {
    if let Err(m) = label_key(key) {
        out.push(
            Diagnostic::new(path, format!("label key `{}`: {m}", key.escape_debug()))
                .hint("keys look like `workload` or `example.com/team`"),
        );
    } else if let Some((prefix, _)) = key.split_once('/') {
        let reserved = prefix == "kubernetes.io"
            || prefix == "k8s.io"
            || prefix.ends_with(".kubernetes.io")
            || prefix.ends_with(".k8s.io");
        let allowed = prefix == "node.kubernetes.io"
            || prefix.ends_with(".node.kubernetes.io")
            || prefix == "node-restriction.kubernetes.io";
        if reserved && !allowed {
            out.push(
                Diagnostic::new(path, format!("label key `{key}` uses a reserved Kubernetes prefix; the kubelet may not set it"))
                    .hint("use your own domain (e.g. `example.com/role`) or `node.kubernetes.io/...`"),
            );
        }
    }
    if let Err(m) = label_value(value) {
        out.push(Diagnostic::new(path, format!("label value `{}`: {m}", value.escape_debug())).hint("values are at most 63 characters of A-Z, a-z, 0-9, `-`, `_` and `.`, starting and ending alphanumeric"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages of validating a small intent with `cluster`, `region` / zones, `version` and
    /// one group given as YAML lines.
    fn problems(cluster: &str, karpenter: bool, extra_network: &str, group: &str) -> Vec<String> {
        let text = format!(
            "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: {cluster}
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
{extra_network}  autoscaling:
    clusterAutoscaler: true
    karpenter: {karpenter}
  nodeGroups:
{group}"
        );
        let catalog = Catalog::embedded();
        match crate::intent::parse_and_validate(&text, "t.yaml", catalog) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .diagnostics
                .into_iter()
                .map(|d| format!("{}: {}", d.path, d.message))
                .collect(),
        }
    }

    fn group(name: &str, provisioner: &str) -> String {
        format!(
            "    - name: {name}\n      provisioner: {provisioner}\n      instanceTypes: [m6i.large]\n      scaling: {{min: 0, desired: 0, max: 2}}\n"
        )
    }

    #[test]
    fn derived_names_at_their_boundaries() {
        let ok = group("system", "managed");
        // Cluster IAM role prefix `<name>-cluster-` <= 38.
        assert_eq!(
            problems(&"c".repeat(29), false, "", &ok),
            Vec::<String>::new()
        );
        let long = problems(&"c".repeat(30), false, "", &ok);
        assert!(
            long.len() == 1 && long[0].contains("cluster IAM role"),
            "{long:?}"
        );
        // With Karpenter too (its node role binds at 46, after the cluster role).
        assert_eq!(
            problems(&"c".repeat(29), true, "", &ok),
            Vec::<String>::new()
        );
        // Managed: `<group>-eks-node-group-` <= 38.
        assert_eq!(
            problems("c", false, "", &group(&"g".repeat(22), "managed")),
            Vec::<String>::new()
        );
        let long = problems("c", false, "", &group(&"g".repeat(23), "managed"));
        assert!(
            long.len() == 1 && long[0].contains("node IAM role"),
            "{long:?}"
        );
        // Self-managed: `<group>-node-group-` <= 38.
        assert_eq!(
            problems("c", false, "", &group(&"g".repeat(26), "self-managed")),
            Vec::<String>::new()
        );
        let long = problems("c", false, "", &group(&"g".repeat(27), "self-managed"));
        assert!(
            long.len() == 1 && long[0].contains("node IAM role"),
            "{long:?}"
        );
        // Karpenter groups have no derived AWS names beyond eksgen's 32.
        assert_eq!(
            problems("c", true, "", &group(&"g".repeat(32), "karpenter")),
            Vec::<String>::new()
        );
        // Memory tiers: the expanded name counts (`<name>-1024g` is 6 more).
        let tiers = |name: &str| {
            format!(
                "    - name: {name}\n      memoryTiersGiB: [1024]\n      instanceFamilies: [r6i]\n      scaling: {{min: 0, desired: 0, max: 2}}\n"
            )
        };
        assert_eq!(
            problems("c", false, "", &tiers(&"g".repeat(16))),
            Vec::<String>::new()
        );
        let long = problems("c", false, "", &tiers(&"g".repeat(17)));
        assert!(
            long.len() == 1 && long[0].contains("-1024g-eks-node-group-"),
            "{long:?}"
        );
    }

    #[test]
    fn autoscaler_tag_keys_at_their_boundary() {
        // 46-character prefix + key <= 128: 82 accepted, 83 refused.
        let with_label = |key_len: usize| {
            let domain = "platform-team.infrastructure.example.com/";
            let key = format!("{domain}{}", "k".repeat(key_len - domain.len()));
            format!("{}      labels: {{{key}: x}}\n", group("system", "managed"))
        };
        assert_eq!(
            problems("c", false, "", &with_label(82)),
            Vec::<String>::new()
        );
        let long = problems("c", false, "", &with_label(83));
        assert!(
            long.len() == 1 && long[0].contains("has 129 characters"),
            "{long:?}"
        );
        // Karpenter groups get no ASG tags.
        let karpenter = with_label(83).replace("provisioner: managed", "provisioner: karpenter");
        assert_eq!(problems("c", true, "", &karpenter), Vec::<String>::new());
    }

    #[test]
    fn same_key_taints_need_different_effects() {
        let taints = |a: &str, b: &str| {
            format!(
                "{}      taints:\n        - {{key: k, effect: {a}}}\n        - {{key: k, effect: {b}}}\n",
                group("system", "managed")
            )
        };
        assert_eq!(
            problems("c", false, "", &taints("NoSchedule", "NoExecute")),
            Vec::<String>::new()
        );
        assert_eq!(
            problems("c", false, "", &taints("NoSchedule", "NoSchedule")).len(),
            1
        );
    }

    #[test]
    fn secondary_cidrs_follow_the_association_table_and_avoid_listed_ranges() {
        let g = group("system", "managed");
        let net = |lines: &str| problems("c", false, lines, &g);
        assert_eq!(
            net("    secondaryCidrs: [100.64.0.0/16, 10.1.0.0/16]\n"),
            Vec::<String>::new()
        );
        assert_eq!(net("    secondaryCidrs: [172.17.0.0/16]\n").len(), 1);
        assert_eq!(
            net("    avoidCidrs: [10.1.0.0/16, 192.168.0.0/16]\n"),
            Vec::<String>::new()
        );
        let hit = net("    secondaryCidrs: [100.64.0.0/16]\n    avoidCidrs: [100.64.128.0/17]\n");
        assert!(
            hit.len() == 1 && hit[0].starts_with("spec.network.secondaryCidrs[0]"),
            "{hit:?}"
        );
    }

    #[test]
    fn capacity_block_zone_from_either_field() {
        let cb = |extra: &str| {
            format!(
                "{}      capacityType: capacity-block\n      capacityReservationId: cr-0123456789abcdef0\n{extra}",
                group("train", "managed")
            )
        };
        let ok = Vec::<String>::new();
        assert_eq!(
            problems(
                "c",
                false,
                "",
                &cb("      capacityReservationZone: us-west-2b\n")
            ),
            ok
        );
        assert_eq!(
            problems(
                "c",
                false,
                "",
                &cb("      availabilityZones: [us-west-2b]\n")
            ),
            ok
        );
        assert_eq!(
            problems(
                "c",
                false,
                "",
                &cb(
                    "      availabilityZones: [us-west-2b]\n      capacityReservationZone: us-west-2b\n"
                )
            ),
            ok
        );
        let outside = problems(
            "c",
            false,
            "",
            &cb("      capacityReservationZone: us-west-2c\n"),
        );
        assert!(
            outside.len() == 1 && outside[0].contains("not one of the cluster's"),
            "{outside:?}"
        );
        let no_id = format!(
            "{}      capacityReservationZone: us-west-2a\n",
            group("x", "managed")
        );
        assert_eq!(problems("c", false, "", &no_id).len(), 1);
    }

    #[test]
    fn zones_ending_in_any_character() {
        let mut out = Vec::new();
        let zones = ["us-west-2☃", "ünïcödé ☃", "eu-west-1b", "eu-west-1\n", "☃"].map(String::from);
        let good = check_azs(&zones, "us-west-2", "z", &mut out);
        assert!(good.is_empty());
        assert_eq!(out.len(), zones.len());
        assert_eq!(
            out[2].hint.as_deref(),
            Some("`eu-west-1b` is in region eu-west-1, the cluster is in us-west-2")
        );
        assert_eq!(
            out[3].hint.as_deref(),
            Some("`eu-west-1\\n` is in region eu-west-1, the cluster is in us-west-2")
        );
    }
}
