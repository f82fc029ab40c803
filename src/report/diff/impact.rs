//! What AWS and Terraform would do with a change: the blast radius of a render.
//!
//! [`fields`] flattens the plan facts that decide it (cluster identity and version, VPC and
//! subnet CIDRs with their positions in the VPC module's lists, CNI settings, per node group
//! the fields EKS cannot change in place, the launch-template inputs, scaling). The manifest
//! records them beside the plan numbers; [`classify`] compares the last render's with this
//! one's and sorts every difference into an [`ImpactKind`]. Pure: maps in, list out.
//!
//! Pinned versions (add-ons, AMI releases) belong under `versions.` keys: a change there is
//! a version bump; a change that rolls nodes (an AMI release) also shows in the group's own
//! launch-template fields.
//!
//! A manifest written before fields were recorded still has the plan numbers (instance
//! types, subnet CIDRs, CNI settings, scaling), which share their keys with the fields, so
//! the comparison runs on numbers and fields together.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::plan::{MaxPodsPath, Plan};

/// What applying a change does, mildest first (the order `--fail-on` compares by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImpactKind {
    /// Something new is created; nothing running is touched.
    Create,
    /// Updated in place by the AWS API (scaling, labels and taints of managed groups,
    /// endpoint access, NAT layout).
    Update,
    /// A CNI setting: aws-node restarts, running nodes keep their max pods and addresses,
    /// only nodes launched later get the new behaviour.
    NewNodesOnly,
    /// A Kubernetes, add-on or module version bump.
    Version,
    /// The nodes of a group are replaced one by one (new launch template, user data, AMI,
    /// or Karpenter drift).
    RollNodes,
    /// EKS cannot change the field in place: the node group is destroyed and created again.
    ReplaceNodeGroup,
    /// A node group leaves the intent while it may run nodes.
    RemoveNodeGroup,
    /// Subnets are destroyed and created again (or destroyed): everything in them goes.
    ReplaceSubnets,
    /// The VPC is replaced.
    ReplaceVpc,
    /// The cluster is replaced (or the change is refused by EKS).
    ReplaceCluster,
}

impl ImpactKind {
    /// Words for the tables and the summary.
    pub fn label(self) -> &'static str {
        match self {
            ImpactKind::Create => "create",
            ImpactKind::Update => "update in place",
            ImpactKind::NewNodesOnly => "new nodes only",
            ImpactKind::Version => "version bump",
            ImpactKind::RollNodes => "roll nodes",
            ImpactKind::ReplaceNodeGroup => "replace node group",
            ImpactKind::RemoveNodeGroup => "remove node group",
            ImpactKind::ReplaceSubnets => "replace subnets",
            ImpactKind::ReplaceVpc => "replace VPC",
            ImpactKind::ReplaceCluster => "replace cluster",
        }
    }

    /// Whether something running is destroyed.
    pub fn is_replacement(self) -> bool {
        self >= ImpactKind::ReplaceNodeGroup
    }

    /// Whether running nodes are replaced (rolled or destroyed).
    pub fn replaces_nodes(self) -> bool {
        self >= ImpactKind::RollNodes
    }
}

/// One field that differs, with what it was and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What happens to one thing (a node group, a subnet, the VPC, the cluster, the CNI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    pub kind: ImpactKind,
    /// `node group train`, `subnet private-us-west-2a`, `VPC`, `cluster`, `CNI`.
    pub subject: String,
    pub changes: Vec<FieldChange>,
    /// Why, in a sentence.
    pub note: String,
}

const GROUP: &str = "nodeGroups.";
const SUBNET: &str = "network.subnets.";

/// The plan facts the classification needs, flat. Keys shared with
/// [`Plan::numbers`] mean the same thing there.
pub fn fields(plan: &Plan) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let mut put = |k: String, v: String| {
        f.insert(k, v);
    };
    put("cluster.name".into(), plan.cluster.clone());
    put("cluster.region".into(), plan.region.clone());
    put(
        "cluster.kubernetesVersion".into(),
        plan.kubernetes_version.clone(),
    );
    put("cluster.eksModule".into(), plan.eks_module.to_string());
    put(
        "cluster.endpoint".into(),
        format!(
            "public={} cidrs={}",
            plan.endpoint.public_access,
            plan.endpoint.public_access_cidrs.join(",")
        ),
    );
    let net = &plan.network;
    put("network.vpcCidr".into(), net.vpc_cidr.to_string());
    put(
        "network.secondaryCidrs".into(),
        net.secondary_cidrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    );
    put("network.natGateway".into(), net.nat_gateway.to_string());
    put("network.cni.mode".into(), net.cni.mode.to_string());
    for (k, v) in &net.cni.env {
        put(format!("network.cni.env.{k}"), v.clone());
    }
    for (name, version) in &plan.addon_versions {
        put(format!("versions.addon.{name}"), version.clone());
    }
    for s in &net.subnets {
        put(format!("{SUBNET}{}.cidr", s.name), s.cidr.to_string());
        if let Some(i) = net.availability_zones.iter().position(|z| *z == s.az) {
            put(format!("{SUBNET}{}.index", s.name), i.to_string());
        }
    }
    for g in &plan.node_groups {
        let p = format!("{GROUP}{}", g.name);
        put(format!("{p}.provisioner"), g.provisioner.to_string());
        put(format!("{p}.instanceTypes"), g.instance_types.join(","));
        put(format!("{p}.arch"), g.arch.clone());
        put(format!("{p}.amiType"), g.ami.ami_type.clone());
        put(format!("{p}.capacityType"), g.capacity_type.to_string());
        if let Some(id) = &g.capacity_reservation_id {
            put(format!("{p}.capacityReservationId"), id.clone());
        }
        put(format!("{p}.zones"), g.availability_zones.join(","));
        put(format!("{p}.efa"), g.efa_interfaces.to_string());
        put(format!("{p}.placementGroup"), g.placement_group.to_string());
        // Only where the output names them: the SSM parameter of groups that take their AMI
        // by id, the alias of Karpenter's.
        match g.max_pods_delivery.path {
            MaxPodsPath::CustomAmi | MaxPodsPath::SelfManaged => {
                put(format!("{p}.amiSsmParameter"), g.ami.ssm_parameter.clone());
            }
            MaxPodsPath::Karpenter => {
                put(format!("{p}.karpenterAlias"), g.ami.karpenter_alias.clone());
            }
            MaxPodsPath::EksAmi => {}
        }
        put(format!("{p}.amiRelease"), g.ami.release.clone());
        put(
            format!("{p}.maxPodsDelivery"),
            g.max_pods_delivery.path.to_string(),
        );
        put(format!("{p}.maxPods"), g.max_pods.to_string());
        put(
            format!("{p}.rootVolume"),
            recorded_root_volume(&g.root_volume),
        );
        put(
            format!("{p}.labels"),
            serde_json::to_string(&g.labels).unwrap_or_default(),
        );
        put(
            format!("{p}.taints"),
            serde_json::to_string(&g.taints).unwrap_or_default(),
        );
        put(
            format!("{p}.scaling"),
            format!("{}/{}/{}", g.scaling.min, g.scaling.desired, g.scaling.max),
        );
    }
    f
}

/// A group's root volume as manifests have recorded it since the first release: the fields
/// a plan addition to `RootVolume` brings (`deviceName`, which follows the AMI type) stay out,
/// so they never read as a change against an older render.
fn recorded_root_volume(v: &crate::plan::RootVolume) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Recorded<'a> {
        size_gib: u32,
        volume_type: &'a str,
        iops: u32,
        throughput_mibps: u32,
        encrypted: bool,
        reason: &'a str,
    }
    serde_json::to_string(&Recorded {
        size_gib: v.size_gib,
        volume_type: &v.volume_type,
        iops: v.iops,
        throughput_mibps: v.throughput_mibps,
        encrypted: v.encrypted,
        reason: &v.reason,
    })
    .unwrap_or_default()
}

/// The node group a key belongs to and the field: `nodeGroups.a.maxPods` → (`a`, `maxPods`).
fn group_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix(GROUP)?.rsplit_once('.')
}

fn subnet_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix(SUBNET)?.rsplit_once('.')
}

/// How one node-group field changes things, for a group run by `provisioner`.
fn group_field_impact(
    field: &str,
    provisioner: &str,
    delivery: &str,
    ami_type: &str,
) -> Option<ImpactKind> {
    let managed = provisioner == "managed";
    Some(match field {
        "provisioner" => ImpactKind::ReplaceNodeGroup,
        // An Auto Scaling group changes its zones in place (and rebalances).
        "zones" if provisioner == "self-managed" => ImpactKind::Update,
        // Fields of aws_eks_node_group that force a new group (instance_types, ami_type,
        // capacity_type, subnet_ids; the architecture comes with the AMI type). A
        // self-managed group gets a new launch template version (instance refresh), and
        // Karpenter replaces the drifted nodes.
        "instanceTypes" | "arch" | "amiType" | "capacityType" | "zones" => {
            if managed {
                ImpactKind::ReplaceNodeGroup
            } else {
                ImpactKind::RollNodes
            }
        }
        // A managed group moving between the EKS AMI and a custom AMI: the module passes
        // `ami_type` only without an AMI id, and EKS cannot change a group's AMI type in
        // place (provider: ForceNew), so the group is replaced.
        "maxPodsDelivery" if managed => ImpactKind::ReplaceNodeGroup,
        // Launch template and user data inputs: a new template version, rolled out (a new
        // AMI release too: `ami_release_version`, the SSM parameter, the Karpenter alias).
        // EFA interfaces, the placement group and the capacity reservation live in the
        // launch template too.
        "amiSsmParameter"
        | "karpenterAlias"
        | "amiRelease"
        | "rootVolume"
        | "maxPodsDelivery"
        | "efa"
        | "placementGroup"
        | "capacityReservationId" => ImpactKind::RollNodes,
        // Max pods is in the user data on every path but EKS's own AMI, where EKS writes it
        // when it makes the group's launch template. There eksgen still renders kube-reserved
        // memory from max pods (AL2023 NodeConfig, Bottlerocket settings): a new launch
        // template version, and EKS recomputes max pods with it. Only AL2 on the EKS AMI
        // carries nothing of eksgen's.
        "maxPods" if managed && delivery == "eks-ami" && ami_type.starts_with("AL2_") => {
            ImpactKind::NewNodesOnly
        }
        "maxPods" => ImpactKind::RollNodes,
        // Managed groups update labels and taints through the EKS API; the others carry them
        // in user data or the NodePool template (Karpenter drift).
        "labels" | "taints" if managed => ImpactKind::Update,
        "labels" | "taints" => ImpactKind::RollNodes,
        "scaling" => ImpactKind::Update,
        // Plan numbers with no AWS action of their own (podsPerNode, ipsAtMax, costs).
        _ => return None,
    })
}

fn note_for(kind: ImpactKind, subject: &str) -> String {
    match kind {
        ImpactKind::Create => format!("{subject} is new"),
        ImpactKind::Update => "changed in place through the AWS API; running nodes stay".into(),
        ImpactKind::NewNodesOnly => "aws-node restarts; running nodes keep their max pods and addresses until they are replaced (AWS advises new node groups when turning on prefix delegation)".into(),
        ImpactKind::Version => "upgrade in place, one minor version at a time; node groups follow".into(),
        ImpactKind::RollNodes => "a new launch template version (or Karpenter drift): every node of the group is replaced, a few at a time".into(),
        ImpactKind::ReplaceNodeGroup => "EKS cannot change this field in place: Terraform destroys the node group and creates a new one (all its nodes at once); to move workloads without an outage, add a group under a new name first".into(),
        ImpactKind::RemoveNodeGroup => "the group is destroyed with every node it runs".into(),
        ImpactKind::ReplaceSubnets => "Terraform destroys and recreates the subnet: nodes, ENIs, NAT gateways and load balancers in it go with it".into(),
        ImpactKind::ReplaceVpc => "the VPC and everything in it is replaced".into(),
        ImpactKind::ReplaceCluster => "the cluster is replaced, or EKS refuses the change".into(),
    }
}

/// Every difference between the last render's facts (`old`: recorded fields and numbers)
/// and this render's (`new`), grouped by what it affects, most disruptive first.
pub fn classify(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<Impact> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut by_subject: BTreeMap<(String, ImpactKind), Vec<FieldChange>> = BTreeMap::new();
    let groups = |m: &BTreeMap<String, String>| -> BTreeSet<String> {
        m.keys()
            .filter_map(|k| group_key(k).map(|(g, _)| g.to_string()))
            .collect()
    };
    let subnets = |m: &BTreeMap<String, String>| -> BTreeSet<String> {
        m.keys()
            .filter_map(|k| subnet_key(k).map(|(s, _)| s.to_string()))
            .collect()
    };
    let (old_groups, new_groups) = (groups(old), groups(new));
    let (old_subnets, new_subnets) = (subnets(old), subnets(new));
    let mut add = |subject: String, kind: ImpactKind, key: &str| {
        by_subject
            .entry((subject, kind))
            .or_default()
            .push(FieldChange {
                field: key.to_string(),
                before: old.get(key).cloned(),
                after: new.get(key).cloned(),
            });
    };
    for g in new_groups.difference(&old_groups) {
        add(
            format!("node group {g}"),
            ImpactKind::Create,
            &format!("{GROUP}{g}.scaling"),
        );
    }
    for g in old_groups.difference(&new_groups) {
        add(
            format!("node group {g}"),
            ImpactKind::RemoveNodeGroup,
            &format!("{GROUP}{g}.scaling"),
        );
    }
    for s in new_subnets.difference(&old_subnets) {
        add(
            format!("subnet {s}"),
            ImpactKind::Create,
            &format!("{SUBNET}{s}.cidr"),
        );
    }
    for s in old_subnets.difference(&new_subnets) {
        add(
            format!("subnet {s}"),
            ImpactKind::ReplaceSubnets,
            &format!("{SUBNET}{s}.cidr"),
        );
    }
    for key in keys {
        let (before, after) = (old.get(key), new.get(key));
        if before == after || before.is_none() || after.is_none() {
            // New or gone things were handled above; a field one side lacks (an older
            // manifest) is no change of its own.
            continue;
        }
        if let Some((g, field)) = group_key(key) {
            let provisioner = new
                .get(&format!("{GROUP}{g}.provisioner"))
                .map_or("managed", String::as_str);
            let delivery = new
                .get(&format!("{GROUP}{g}.maxPodsDelivery"))
                .map_or("", String::as_str);
            let ami_type = new
                .get(&format!("{GROUP}{g}.amiType"))
                .map_or("", String::as_str);
            if let Some(kind) = group_field_impact(field, provisioner, delivery, ami_type) {
                add(format!("node group {g}"), kind, key);
            }
        } else if let Some((s, _)) = subnet_key(key) {
            add(format!("subnet {s}"), ImpactKind::ReplaceSubnets, key);
        } else if key.starts_with("network.cni.") {
            add("CNI".into(), ImpactKind::NewNodesOnly, key);
        } else if key.starts_with("cost.") || key.starts_with("findings.") {
            // Plan numbers with no AWS action of their own: costs follow the changes above,
            // findings are eksgen's advice. The "Plan numbers" table still shows them.
            continue;
        } else {
            let kind = match key.as_str() {
                "cluster.name" | "cluster.region" => ImpactKind::ReplaceCluster,
                "cluster.kubernetesVersion" => {
                    if is_downgrade(before, after) {
                        ImpactKind::ReplaceCluster
                    } else {
                        ImpactKind::Version
                    }
                }
                "cluster.eksModule" => ImpactKind::Version,
                // Pinned versions (add-ons, AMI releases) recorded under `versions.`.
                k if k.starts_with("versions.") => ImpactKind::Version,
                "network.vpcCidr" => ImpactKind::ReplaceVpc,
                "network.secondaryCidrs" => {
                    let set = |v: Option<&String>| -> BTreeSet<String> {
                        v.map(|s| {
                            s.split(',')
                                .filter(|x| !x.is_empty())
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default()
                    };
                    if set(before).is_subset(&set(after)) {
                        ImpactKind::Update
                    } else {
                        ImpactKind::ReplaceSubnets
                    }
                }
                _ => ImpactKind::Update,
            };
            let subject = if key.starts_with("network.") {
                "VPC"
            } else {
                "cluster"
            };
            add(subject.into(), kind, key);
        }
    }
    let mut out: Vec<Impact> = by_subject
        .into_iter()
        .map(|((subject, kind), changes)| {
            let mut note = note_for(kind, &subject);
            if kind == ImpactKind::ReplaceCluster
                && changes.iter().any(|c| c.field == "cluster.kubernetesVersion")
            {
                note = "EKS cannot downgrade a cluster: the apply fails; only a new cluster runs the older version".into();
            }
            if kind == ImpactKind::Update
                && changes.iter().any(|c| {
                    c.field.ends_with(".scaling")
                        && desired(c.before.as_deref()) != desired(c.after.as_deref())
                })
            {
                note.push_str("; a new desired size is ignored after the group exists (the module ignores desired_size changes)");
            }
            Impact { kind, subject, changes, note }
        })
        .collect();
    out.sort_by(|a, b| b.kind.cmp(&a.kind).then(a.subject.cmp(&b.subject)));
    out
}

fn desired(scaling: Option<&str>) -> Option<&str> {
    scaling?.split('/').nth(1)
}

/// Whether a Kubernetes version goes down (`1.33` → `1.31`).
fn is_downgrade(before: Option<&String>, after: Option<&String>) -> bool {
    let minor = |v: Option<&String>| -> Option<(u32, u32)> {
        let (a, b) = v?.split_once('.')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    matches!((minor(before), minor(after)), (Some(b), Some(a)) if a < b)
}

/// The worst impact in the list, if any.
pub fn worst(impacts: &[Impact]) -> Option<ImpactKind> {
    impacts.iter().map(|i| i.kind).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn kinds(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<(String, ImpactKind)> {
        classify(&facts(old), &facts(new))
            .into_iter()
            .map(|i| (i.subject, i.kind))
            .collect()
    }

    const G: &str = "nodeGroups.g.provisioner";

    #[test]
    fn each_field_lands_in_its_class() {
        let cases: &[(&str, &str, &str, &str, ImpactKind)] = &[
            (
                "managed",
                "nodeGroups.g.instanceTypes",
                "m5.large",
                "m6i.large",
                ImpactKind::ReplaceNodeGroup,
            ),
            (
                "karpenter",
                "nodeGroups.g.instanceTypes",
                "m5.large",
                "m6i.large",
                ImpactKind::RollNodes,
            ),
            (
                "self-managed",
                "nodeGroups.g.instanceTypes",
                "m5.large",
                "m6i.large",
                ImpactKind::RollNodes,
            ),
            (
                "self-managed",
                "nodeGroups.g.zones",
                "a",
                "a,b",
                ImpactKind::Update,
            ),
            (
                "managed",
                "nodeGroups.g.provisioner",
                "managed",
                "self-managed",
                ImpactKind::ReplaceNodeGroup,
            ),
            (
                "managed",
                "nodeGroups.g.amiType",
                "AL2023_x86_64_STANDARD",
                "CUSTOM",
                ImpactKind::ReplaceNodeGroup,
            ),
            (
                "managed",
                "nodeGroups.g.capacityType",
                "on-demand",
                "spot",
                ImpactKind::ReplaceNodeGroup,
            ),
            (
                "managed",
                "nodeGroups.g.zones",
                "a",
                "a,b",
                ImpactKind::ReplaceNodeGroup,
            ),
            (
                "managed",
                "nodeGroups.g.amiSsmParameter",
                "x",
                "y",
                ImpactKind::RollNodes,
            ),
            (
                "self-managed",
                "nodeGroups.g.labels",
                "{}",
                "{\"a\":\"b\"}",
                ImpactKind::RollNodes,
            ),
            (
                "managed",
                "nodeGroups.g.labels",
                "{}",
                "{\"a\":\"b\"}",
                ImpactKind::Update,
            ),
            (
                "managed",
                "nodeGroups.g.scaling",
                "0/1/2",
                "0/1/4",
                ImpactKind::Update,
            ),
            (
                "managed",
                "network.cni.env.ENABLE_PREFIX_DELEGATION",
                "false",
                "true",
                ImpactKind::NewNodesOnly,
            ),
            (
                "managed",
                "network.subnets.private-a.cidr",
                "10.0.0.0/19",
                "10.0.0.0/18",
                ImpactKind::ReplaceSubnets,
            ),
            (
                "managed",
                "network.subnets.private-a.index",
                "0",
                "1",
                ImpactKind::ReplaceSubnets,
            ),
            (
                "managed",
                "network.vpcCidr",
                "10.0.0.0/16",
                "10.1.0.0/16",
                ImpactKind::ReplaceVpc,
            ),
            (
                "managed",
                "cluster.name",
                "a",
                "b",
                ImpactKind::ReplaceCluster,
            ),
            (
                "managed",
                "cluster.kubernetesVersion",
                "1.33",
                "1.34",
                ImpactKind::Version,
            ),
            (
                "managed",
                "cluster.kubernetesVersion",
                "1.33",
                "1.31",
                ImpactKind::ReplaceCluster,
            ),
        ];
        for (provisioner, key, before, after, want) in cases {
            let got = kinds(
                &[(G, provisioner), (key, before)],
                &[(G, provisioner), (key, after)],
            );
            assert_eq!(got.len(), 1, "{key}: {got:?}");
            assert_eq!(got[0].1, *want, "{provisioner} {key}");
        }
    }

    #[test]
    fn max_pods_and_ami_path_on_managed_groups() {
        const PATH: &str = "nodeGroups.g.maxPodsDelivery";
        const AMI: &str = "nodeGroups.g.amiType";
        const PODS: &str = "nodeGroups.g.maxPods";
        let one = |kind| vec![("node group g".to_string(), kind)];
        // On the EKS AMI eksgen still renders kube-reserved from max pods (AL2023): a new
        // launch template, EKS recomputes max pods, the nodes roll. AL2 carries nothing.
        let al2023 = |pods| {
            [
                (G, "managed"),
                (PATH, "eks-ami"),
                (AMI, "AL2023_x86_64_STANDARD"),
                (PODS, pods),
            ]
        };
        assert_eq!(
            kinds(&al2023("29"), &al2023("110")),
            one(ImpactKind::RollNodes)
        );
        let al2 = |pods| {
            [
                (G, "managed"),
                (PATH, "eks-ami"),
                (AMI, "AL2_x86_64"),
                (PODS, pods),
            ]
        };
        assert_eq!(
            kinds(&al2("29"), &al2("110")),
            one(ImpactKind::NewNodesOnly)
        );
        // Moving between the EKS AMI and a custom AMI replaces the group.
        let path = |p| [(G, "managed"), (PATH, p), (AMI, "AL2023_x86_64_STANDARD")];
        assert_eq!(
            kinds(&path("eks-ami"), &path("custom-ami")),
            one(ImpactKind::ReplaceNodeGroup)
        );
    }

    #[test]
    fn groups_and_subnets_that_come_and_go() {
        let old = [
            (G, "managed"),
            ("nodeGroups.g.scaling", "1/2/3"),
            ("network.subnets.private-a.cidr", "10.0.0.0/19"),
        ];
        let new = [
            ("nodeGroups.h.provisioner", "managed"),
            ("nodeGroups.h.scaling", "1/1/1"),
            ("network.subnets.private-b.cidr", "10.0.32.0/19"),
            ("network.subnets.private-a.cidr", "10.0.0.0/19"),
        ];
        let got = kinds(&old, &new);
        assert_eq!(
            got,
            [
                ("node group g".to_string(), ImpactKind::RemoveNodeGroup),
                ("node group h".to_string(), ImpactKind::Create),
                ("subnet private-b".to_string(), ImpactKind::Create),
            ]
        );
    }

    #[test]
    fn unchanged_facts_have_no_impact() {
        let same = [(G, "managed"), ("nodeGroups.g.instanceTypes", "m5.large")];
        assert!(kinds(&same, &same).is_empty());
        // Numbers with no AWS action of their own.
        assert!(
            kinds(
                &[(G, "managed"), ("nodeGroups.g.ipsAtMax", "1")],
                &[(G, "managed"), ("nodeGroups.g.ipsAtMax", "2")]
            )
            .is_empty()
        );
        // Cluster-wide costs and findings are not AWS changes either.
        assert!(
            kinds(
                &[
                    ("cost.totalMonthlyUsdAtMax", "451.87"),
                    ("findings.EKSG014.g", "1")
                ],
                &[
                    ("cost.totalMonthlyUsdAtMax", "732.19"),
                    ("findings.EKSG014.g", "2")
                ]
            )
            .is_empty()
        );
    }
}
