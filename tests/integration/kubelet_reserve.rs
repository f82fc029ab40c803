//! kube-reserved and one-pod-per-node requests against models of the components that read
//! eksgen's output, written from their source and not from eksgen's code:
//!
//! - nodeadm (amazon-eks-ami `nodeadm/internal/kubelet/config.go`): kube-reserved memory
//!   11 MiB × (default-card ENIs × (IPv4 per ENI − 1) + 2) + 255 MiB whatever
//!   `config.maxPods` says; the user's `kubelet.config` is a kubelet drop-in, which the kubelet
//!   merges over that map key by key;
//! - AL2 `bootstrap.sh` (read at the commit before AL2 was removed): the same ENI count from
//!   `eni-max-pods.txt`; a `--kube-reserved` flag replaces the whole map;
//! - Bottlerocket (`kubelet-config` template): `kube-reserved.memory` if set, else
//!   11 × `max-pods` + 255;
//! - Karpenter v1.14.1 (`pkg/providers/instancetype/types.go`): memory less 64 MiB on arm64,
//!   less ceil(7.5 %), less kube-reserved (ENI-limited pods on AL2 / AL2023, `maxPods` on
//!   Bottlerocket, each key overridden by `spec.kubelet.kubeReserved`), less 100 MiB eviction.
//!
//! Each case renders a one-pod-per-node group for a catalog type, reads the settings back
//! from the rendered files, feeds them to the models, and checks that the workload snippet's
//! request plus the default daemonsets fits what the node (and Karpenter) will offer, and that
//! the plan's allocatable is exactly the node model's.

use std::collections::BTreeMap;

use eksgen::catalog::{Arch, Catalog, InstanceType};
use eksgen::plan::{NodeGroupPlan, Plan, Provisioner};
use serde_json::Value;

/// CPU the default daemonsets request on every node: kube-proxy 100m, aws-node 25m.
const DAEMONSET_CPU: u64 = 125;
const EVICTION_MIB: u64 = 100;

fn eni_pods(t: &InstanceType) -> u64 {
    u64::from(t.max_enis) * (u64::from(t.ipv4_per_eni) - 1) + 2
}

/// Karpenter's kube-reserved CPU: per range, `int64(r * percentage)`.
fn cpu_reserve(vcpu: u32) -> u64 {
    let cpu = i64::from(vcpu) * 1000;
    let mut total = 0;
    for (start, end, pct) in [
        (0_i64, 1000_i64, 0.06),
        (1000, 2000, 0.01),
        (2000, 4000, 0.005),
        (4000, 1 << 31, 0.0025),
    ] {
        if cpu >= start {
            let r = (cpu.min(end) - start) as f64;
            total += (r * pct) as i64;
        }
    }
    total as u64
}

/// Karpenter's `memory()`: what it takes the node to report before reservations.
fn karpenter_memory(t: &InstanceType) -> u64 {
    let mut mib = t.memory_mib;
    if t.arch == Arch::Arm64 {
        mib -= 64;
    }
    let bytes = mib as f64 * 1024.0 * 1024.0;
    mib - (bytes * 0.075 / 1024.0 / 1024.0).ceil() as u64
}

fn quantity_mib(v: &str) -> u64 {
    if let Some(n) = v.strip_suffix("Mi") {
        n.parse().unwrap()
    } else if let Some(n) = v.strip_suffix("Gi") {
        n.parse::<u64>().unwrap() * 1024
    } else {
        panic!("unexpected memory quantity {v}")
    }
}

fn quantity_milli(v: &str) -> u64 {
    match v.strip_suffix('m') {
        Some(n) => n.parse().unwrap(),
        None => v.parse::<u64>().unwrap() * 1000,
    }
}

/// A reserve: (cpu millicores, memory MiB).
type Reserve = (u64, u64);

fn apply(base: Reserve, map: &BTreeMap<String, String>) -> Reserve {
    (
        map.get("cpu").map_or(base.0, |v| quantity_milli(v)),
        map.get("memory").map_or(base.1, |v| quantity_mib(v)),
    )
}

/// The one group's entry in `eks.tf` (managed or self-managed map).
fn group_block<'a>(eks: &'a str, name: &str) -> &'a str {
    let start = eks
        .find(&format!("\n    \"{name}\" = {{\n"))
        .unwrap_or_else(|| panic!("{name} not in eks.tf"));
    let rest = &eks[start + 1..];
    let end = rest.find("\n    }\n").expect("end of group");
    &rest[..end]
}

/// `key: value` / `key = "value"` pairs in the lines after `header`, while they are indented
/// deeper than it (YAML) or until a blank line (TOML).
fn pairs_after(block: &str, header: &str, sep: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = block.lines().skip_while(|l| l.trim() != header);
    let Some(head) = lines.next() else {
        return out;
    };
    let indent = head.len() - head.trim_start().len();
    for l in lines {
        let depth = l.len() - l.trim_start().len();
        if l.trim().starts_with('[') || (sep == ":" && depth <= indent) {
            break;
        }
        let Some((k, v)) = l.trim().split_once(sep) else {
            break;
        };
        out.insert(
            k.trim().trim_matches('"').to_string(),
            v.trim().trim_matches('"').to_string(),
        );
    }
    out
}

fn number_after(block: &str, key: &str) -> Option<u64> {
    let at = block.find(key)? + key.len();
    let digits: String = block[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// What EKS injects on its own AMI: the calculator's secondary-IP value, capped.
fn eks_injected(t: &InstanceType) -> u64 {
    eni_pods(t).min(if t.vcpu <= 30 { 110 } else { 250 })
}

struct Case<'a> {
    family: &'a str,
    t: &'a InstanceType,
    g: &'a NodeGroupPlan,
}

/// The node's kube-reserved, from the rendered files only.
fn node_reserve(c: &Case, files: &BTreeMap<String, String>) -> (Reserve, BTreeMap<String, String>) {
    let t = c.t;
    let defaults = (cpu_reserve(t.vcpu), 11 * eni_pods(t) + 255);
    if c.g.provisioner == Provisioner::Karpenter {
        let nc =
            serde_saphyr::from_multiple::<Value>(&files[&format!("karpenter/{}.yaml", c.g.name)])
                .unwrap()
                .into_iter()
                .find(|d| d["kind"] == "EC2NodeClass")
                .unwrap();
        let kubelet = &nc["spec"]["kubelet"];
        let map: BTreeMap<String, String> = kubelet["kubeReserved"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let max_pods = kubelet["maxPods"].as_u64().unwrap();
        let node = match c.family {
            // Karpenter passes the map as --kube-reserved: it replaces bootstrap.sh's map.
            "al2" if !map.is_empty() => apply((0, 0), &map),
            "bottlerocket" => apply((cpu_reserve(t.vcpu), 11 * max_pods + 255), &map),
            _ => apply(defaults, &map),
        };
        return (node, map);
    }
    let block = group_block(&files["eks.tf"], &c.g.name);
    match c.family {
        "al2023" => {
            let map = pairs_after(block, "kubeReserved:", ":");
            (apply(defaults, &map), map)
        }
        "bottlerocket" => {
            let map = pairs_after(block, "[settings.kubernetes.kube-reserved]", "=");
            let max_pods = number_after(block, "max-pods =").unwrap_or_else(|| eks_injected(t));
            (apply((cpu_reserve(t.vcpu), 11 * max_pods + 255), &map), map)
        }
        "al2" => {
            let map: BTreeMap<String, String> = block
                .split_whitespace()
                .find_map(|w| w.strip_prefix("--kube-reserved="))
                .map(|list| {
                    list.trim_end_matches(['\'', '"'])
                        .split(',')
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').unwrap();
                            (k.to_string(), v.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let node = if map.is_empty() {
                defaults
            } else {
                apply((0, 0), &map)
            };
            (node, map)
        }
        other => panic!("family {other}"),
    }
}

/// Karpenter's own allocatable for the type, from the EC2NodeClass it reads.
fn karpenter_allocatable(c: &Case, map: &BTreeMap<String, String>, max_pods: u64) -> Reserve {
    let t = c.t;
    let pods = if c.family == "bottlerocket" {
        max_pods
    } else {
        eni_pods(t)
    };
    let (cpu_r, mem_r) = apply((cpu_reserve(t.vcpu), 11 * pods + 255), map);
    (
        u64::from(t.vcpu) * 1000 - cpu_r,
        karpenter_memory(t).saturating_sub(mem_r + EVICTION_MIB),
    )
}

fn request(files: &BTreeMap<String, String>, g: &str) -> Reserve {
    let doc =
        &serde_saphyr::from_multiple::<Value>(&files[&format!("workloads/{g}.yaml")]).unwrap()[0];
    let req = &doc["spec"]["containers"][0]["resources"]["requests"];
    (
        quantity_milli(req["cpu"].as_str().unwrap()),
        quantity_mib(req["memory"].as_str().unwrap()),
    )
}

fn intent(family: &str, provisioner: &str, types: &[&InstanceType]) -> String {
    let mut groups = String::from(
        "    - { name: system, instanceTypes: [m6i.large], scaling: { min: 2, desired: 2, max: 3 } }\n",
    );
    for (i, t) in types.iter().enumerate() {
        groups.push_str(&format!(
            "    - {{ name: t{i}, provisioner: {provisioner}, amiFamily: {family}, instanceTypes: [{}], scaling: {{ min: 0, desired: 0, max: 1 }}, onePodPerNode: true }}\n",
            t.name
        ));
    }
    format!(
        "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata: {{ name: reserve }}
spec:
  region: us-east-1
  kubernetesVersion: \"1.32\"
  network: {{ vpcCidr: 10.0.0.0/16, availabilityZones: [us-east-1a, us-east-1b] }}
  autoscaling: {{ karpenter: {} }}
  nodeGroups:
{groups}",
        provisioner == "karpenter"
    )
}

/// A plan and the files rendered from it.
type Rendered = (Plan, BTreeMap<String, String>);

fn plan_and_files(text: &str) -> Option<Rendered> {
    let plan = eksgen::pipeline::plan_from_text(text, "reserve.yaml").ok()?;
    let files = eksgen::render::render(&plan, "reserve.yaml").ok()?;
    Some((plan, files.into_iter().collect()))
}

/// Types a one-pod-per-node group could use: every catalog type with at least 4 GiB that is
/// not bare metal (bare-metal types have their own ENI layout, and eksgen's memory tiers skip
/// them), one per distinct set of the facts resolve and the models read (see [`facts`]):
/// types that differ only in name, family, price, bandwidth or local disk give the same
/// numbers, so checking one of them checks all (454 of 1,189 types today). `stride` 2 takes
/// every other one of those for the less common paths (227 distinct sets, more than the
/// 186 that every 4th catalog type covered before the types were deduplicated).
fn candidate_types(stride: usize) -> Vec<&'static InstanceType> {
    let mut seen = std::collections::BTreeSet::new();
    Catalog::embedded()
        .iter()
        .filter(|t| !t.bare_metal && t.memory_mib >= 4096)
        .filter(|t| seen.insert(facts(t)))
        .step_by(stride)
        .collect()
}

/// What a type's max pods, kube-reserved, allocatable and pod request follow from: the
/// architecture, CPUs and memory, the hypervisor (prefix delegation needs Nitro), the ENI
/// layout, and the devices (accelerated and EFA groups get other volumes, taints and
/// interfaces).
type Facts<'a> = (
    &'a str,
    u32,
    u64,
    Option<&'a str>,
    u32,
    u32,
    Option<u32>,
    u32,
    u32,
    u32,
    bool,
    u32,
);

fn facts(t: &InstanceType) -> Facts<'_> {
    (
        t.arch.as_str(),
        t.vcpu,
        t.memory_mib,
        t.hypervisor.as_deref(),
        t.max_enis,
        t.ipv4_per_eni,
        t.network_cards,
        t.gpu_count,
        t.accelerator_count,
        t.efa_interfaces,
        t.trunking,
        t.branch_enis,
    )
}

fn check_family(family: &str, provisioner: &str, stride: usize) -> (usize, usize) {
    let types = candidate_types(stride);
    let (mut checked, mut skipped) = (0, 0);
    for chunk in types.chunks(40) {
        // A type the intent cannot take (validation) is retried alone and skipped; a chunk
        // that resolves is checked from that one plan and render.
        let batches: Vec<(Vec<&InstanceType>, Option<Rendered>)> =
            match plan_and_files(&intent(family, provisioner, chunk)) {
                Some(done) => vec![(chunk.to_vec(), Some(done))],
                None => chunk
                    .iter()
                    .map(|t| {
                        (
                            vec![*t],
                            plan_and_files(&intent(family, provisioner, &[*t])),
                        )
                    })
                    .collect(),
            };
        for (batch, done) in batches {
            let Some((plan, files)) = done else {
                skipped += batch.len();
                continue;
            };
            for (i, t) in batch.iter().enumerate() {
                let g = plan.node_group(&format!("t{i}")).unwrap();
                let c = Case { family, t, g };
                let ((cpu_r, mem_r), map) = node_reserve(&c, &files);
                let what = format!(
                    "{family} {provisioner} {} ({})",
                    t.name, g.max_pods_delivery.path
                );
                assert_eq!(
                    map, g.kubelet_reserved.rendered,
                    "{what}: rendered kubeReserved differs from the plan"
                );
                let node = (
                    u64::from(t.vcpu) * 1000 - cpu_r,
                    karpenter_memory(t).saturating_sub(mem_r + EVICTION_MIB),
                );
                assert_eq!(
                    (g.allocatable.cpu_millicores, g.allocatable.memory_mib),
                    node,
                    "{what}: plan allocatable is not what the node reserves ({})",
                    g.allocatable.reason
                );
                let (cpu, mem) = request(&files, &g.name);
                assert!(
                    cpu + DAEMONSET_CPU <= node.0 && mem <= node.1,
                    "{what}: request {cpu}m / {mem}Mi does not fit the node's {}m / {}Mi",
                    node.0,
                    node.1
                );
                if provisioner == "karpenter" {
                    let k = karpenter_allocatable(&c, &map, u64::from(g.max_pods));
                    assert!(
                        cpu + DAEMONSET_CPU <= k.0 && mem <= k.1,
                        "{what}: request {cpu}m / {mem}Mi exceeds Karpenter's allocatable {}m / {}Mi",
                        k.0,
                        k.1
                    );
                }
                // More than half the node: nothing else of size lands beside it.
                assert!(mem * 2 > node.1, "{what}: request is not the node's");
                checked += 1;
            }
        }
    }
    (checked, skipped)
}

fn assert_covers(family: &str, provisioner: &str, stride: usize) {
    let (checked, skipped) = check_family(family, provisioner, stride);
    let total = candidate_types(stride).len();
    assert!(
        checked * 10 >= total * 9,
        "{family} {provisioner}: only {checked} of {total} types checked ({skipped} rejected by the intent)"
    );
}

#[test]
fn al2023_managed_one_pod_requests_fit_what_nodeadm_reserves() {
    assert_covers("al2023", "managed", 1);
}

#[test]
fn al2023_self_managed_one_pod_requests_fit_what_nodeadm_reserves() {
    assert_covers("al2023", "self-managed", 2);
}

#[test]
fn bottlerocket_one_pod_requests_fit_what_bottlerocket_reserves() {
    assert_covers("bottlerocket", "managed", 2);
    assert_covers("bottlerocket", "self-managed", 2);
}

#[test]
fn al2_one_pod_requests_fit_what_bootstrap_sh_reserves() {
    assert_covers("al2", "managed", 2);
    assert_covers("al2", "self-managed", 2);
}

#[test]
fn karpenter_one_pod_requests_fit_karpenter_and_the_node() {
    for family in ["al2023", "bottlerocket", "al2"] {
        assert_covers(family, "karpenter", if family == "al2023" { 1 } else { 2 });
    }
}

/// The reviewers' cases (terraform M1, kubernetes B2): capped max pods on large types no
/// longer leave the request above what the node or Karpenter offers.
#[test]
fn capped_max_pods_on_large_types_pin_the_reserve() {
    for provisioner in ["managed", "karpenter"] {
        let catalog = Catalog::embedded();
        let types = [
            catalog.get("r6i.4xlarge").unwrap(),
            catalog.get("r6i.24xlarge").unwrap(),
        ];
        let (plan, files) = plan_and_files(&intent("al2023", provisioner, &types)).unwrap();
        for (i, t) in types.iter().enumerate() {
            let g = plan.node_group(&format!("t{i}")).unwrap();
            assert!(
                u64::from(g.max_pods) < eni_pods(t),
                "{}: max pods is capped",
                t.name
            );
            assert_eq!(
                g.kubelet_reserved.memory_mib,
                11 * u64::from(g.max_pods) + 255
            );
            let c = Case {
                family: "al2023",
                t,
                g,
            };
            let ((_, mem_r), _) = node_reserve(&c, &files);
            assert_eq!(
                mem_r, g.kubelet_reserved.memory_mib,
                "{} {provisioner}",
                t.name
            );
        }
    }
}
