//! The Kubernetes renderer: every generated NodePool, EC2NodeClass and ENIConfig validates
//! against the vendored CRD schemas, the files agree with the plan and with each other,
//! user strings come back exactly, and one uber-snapshot per scenario pins the text.
//!
//! Intents: every `tests/fixtures/intents/*.yaml` and every preset. CRDs:
//! `tests/fixtures/schemas/` (Karpenter v1.14.1, VPC CNI v1.23.0; see `SOURCES.md`). Custom
//! resources go through the API server's checks as [`crd`] models them (defaults, pruning,
//! the OpenAPI schema, every CEL rule evaluated); workload snippets through the Pod rules of
//! [`pod_rules`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eksgen::plan::{AmiVariant, GROUP_LABEL, Plan, Provisioner};
use eksgen::render::kubernetes::DISCOVERY_TAG;
use serde_json::{Value, json};

#[path = "kubernetes/crd.rs"]
mod crd;
#[path = "kubernetes/pod_rules.rs"]
mod pod_rules;

const ORIGIN: &str = "origin.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan_of(text: &str, origin: &str) -> Plan {
    eksgen::pipeline::plan_from_text(text, origin).unwrap_or_else(|e| panic!("{origin}: {e}"))
}

fn plan_file(path: &Path) -> Plan {
    let text = std::fs::read_to_string(path).unwrap();
    plan_of(&text, &path.display().to_string())
}

/// The Kubernetes side of a render: every file that is not Terraform.
fn k8s_files(plan: &Plan, origin: &str) -> BTreeMap<String, String> {
    eksgen::render::render(plan, origin)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|(path, _)| !path.ends_with(".tf"))
        .collect()
}

/// Every intent the tests render: the fixtures and the presets.
fn intents() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures/intents", "presets"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 8, "expected fixtures and presets: {out:?}");
    out
}

/// Every YAML document of a file, as JSON values (empty documents skipped).
fn documents(text: &str, what: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"))
}

fn intent_path(name: &str) -> PathBuf {
    root().join("tests/fixtures/intents").join(name)
}

/// Validate every CRD-typed document of one render against its CRD, CEL rules included;
/// returns what was checked.
fn validate_render(files: &BTreeMap<String, String>, what: &str) -> Checked {
    let mut checked = Checked::default();
    for (path, text) in files {
        for doc in documents(text, &format!("{what}: {path}")) {
            let Some(outcome) = crd::CRDS.check(&doc) else {
                continue;
            };
            assert!(
                outcome.errors.is_empty() && outcome.not_evaluable.is_empty(),
                "{what}: {path}: {} is invalid:\n  {}\nnot evaluable:\n  {}\n{text}",
                doc["kind"],
                outcome.errors.join("\n  "),
                outcome.not_evaluable.join("\n  ")
            );
            *checked
                .kinds
                .entry(doc["kind"].as_str().unwrap().to_string())
                .or_default() += 1;
            checked.evaluations += outcome.evaluations;
            checked.skipped_old_self.extend(outcome.skipped_old_self);
            checked.rules_reached.extend(outcome.rules_reached);
        }
    }
    checked
}

#[derive(Debug, Default)]
struct Checked {
    kinds: BTreeMap<String, usize>,
    evaluations: usize,
    skipped_old_self: Vec<String>,
    rules_reached: std::collections::BTreeSet<String>,
}

#[test]
fn every_generated_custom_resource_passes_its_crd_schema_and_cel_rules() {
    let mut total = Checked::default();
    for path in intents() {
        let plan = plan_file(&path);
        let files = k8s_files(&plan, ORIGIN);
        let checked = validate_render(&files, &path.display().to_string());
        let karpenter = plan
            .node_groups
            .iter()
            .filter(|g| g.provisioner == Provisioner::Karpenter)
            .count();
        // ENIConfigs come from the vpc-cni add-on (tests/integration/terraform.rs), not from these files.
        for (kind, want) in [
            ("NodePool", karpenter),
            ("EC2NodeClass", karpenter),
            ("ENIConfig", 0),
        ] {
            assert_eq!(
                checked.kinds.get(kind).copied().unwrap_or(0),
                want,
                "{}: {kind} count",
                path.display()
            );
        }
        // The NodePool's three transition rules (`replicas`, `nodeClassRef.group`,
        // `nodeClassRef.kind`) need the old object; `replicas` sits on spec, which every
        // NodePool has, the other two on nodeClassRef, which every NodePool sets.
        assert_eq!(
            checked.skipped_old_self.len(),
            3 * karpenter,
            "{}: {:?}",
            path.display(),
            checked.skipped_old_self
        );
        for (kind, n) in checked.kinds {
            *total.kinds.entry(kind).or_default() += n;
        }
        total.evaluations += checked.evaluations;
        total.rules_reached.extend(checked.rules_reached);
    }
    for kind in ["NodePool", "EC2NodeClass"] {
        assert!(
            total.kinds.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} was validated"
        );
    }
    // The EFA interface rules must be among those reached: the EFA fixture writes them.
    for rule in [
        "self.size() == 0 || self.exists(x, x.deviceIndex == 0 && x.networkCardIndex == 0 && x.interfaceType == 'interface')",
        "self.split('@')[0] in ['al2','al2023','bottlerocket','windows2019','windows2022','windows2025']",
    ] {
        assert!(
            total.rules_reached.contains(rule),
            "not reached: {rule}\nreached: {:#?}",
            total.rules_reached
        );
    }
    assert!(total.evaluations > 100, "{} evaluations", total.evaluations);
}

#[test]
fn every_cel_rule_of_the_vendored_crds_parses_and_only_three_need_the_old_object() {
    let rules = crd::CRDS.all_rules();
    assert!(rules.len() > 60, "{} rules", rules.len());
    let transition: Vec<&String> = rules.iter().filter(|r| r.contains("oldSelf")).collect();
    assert_eq!(transition.len(), 3, "{transition:?}");
    for rule in &rules {
        assert!(
            cel::Program::compile(rule).is_ok(),
            "the cel crate cannot parse {rule}"
        );
    }
}

/// Set the value at a JSON pointer, adding the last key when it is absent.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    match doc.pointer_mut(pointer) {
        Some(slot) => *slot = value,
        None => {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            doc.pointer_mut(parent).unwrap()[key.replace("~1", "/")] = value;
        }
    }
}

/// A NodePool and an EC2NodeClass that pass, and mutations the CRDs must reject.
#[test]
fn the_crd_checks_reject_known_bad_documents() {
    let pool = json!({
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": { "name": "gpu" },
        "spec": {
            "template": {
                "metadata": { "labels": { "team": "ml" } },
                "spec": {
                    "nodeClassRef": { "group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu" },
                    "requirements": [ { "key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"] } ],
                    "taints": [ { "key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule" } ]
                }
            },
            "limits": { "cpu": "240", "memory": "983040Mi", "nodes": "3" },
            "disruption": { "consolidateAfter": "5m", "budgets": [ { "nodes": "10%" } ] }
        }
    });
    let class = json!({
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": { "name": "gpu" },
        "spec": {
            "amiSelectorTerms": [ { "alias": "al2023@latest" } ],
            "role": "KarpenterNodeRole-x",
            "subnetSelectorTerms": [ { "tags": { "karpenter.sh/discovery": "x" } } ],
            "securityGroupSelectorTerms": [ { "tags": { "karpenter.sh/discovery": "x" } } ],
            "networkInterfaces": [
                { "networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface" },
                { "networkCardIndex": 0, "deviceIndex": 1, "interfaceType": "efa-only" },
                { "networkCardIndex": 1, "deviceIndex": 1, "interfaceType": "efa-only" }
            ],
            "tags": { "team": "ml" }
        }
    });
    for good in [&pool, &class] {
        let outcome = crd::CRDS.check(good).unwrap();
        assert!(
            outcome.errors.is_empty() && outcome.not_evaluable.is_empty(),
            "{outcome:?}"
        );
    }
    // (document, JSON pointer, bad value, what must catch it)
    let cases: &[(&Value, &str, Value, &str)] = &[
        // Schema.
        (
            &pool,
            "/spec/disruption/consolidateAfter",
            json!("5 minutes"),
            "schema",
        ),
        (
            &pool,
            "/spec/disruption/budgets/0/nodes",
            json!("10 percent"),
            "schema",
        ),
        (
            &pool,
            "/spec/template/spec/taints/0/effect",
            json!("NO_SCHEDULE"),
            "schema",
        ),
        (
            &pool,
            "/spec/template/spec/requirements/0/operator",
            json!("Equals"),
            "schema",
        ),
        (&pool, "/spec/limits/cpu", json!(true), "schema"),
        (
            &pool,
            "/spec/template/spec/nodeClassRef",
            json!({ "name": "gpu" }),
            "schema",
        ),
        (&pool, "/metadata/name", json!("GPU_pool"), "metadata"),
        (
            &class,
            "/spec/networkInterfaces/1/interfaceType",
            json!("efa"),
            "schema",
        ),
        // CEL.
        (
            &pool,
            "/spec/template/metadata/labels",
            json!({ "karpenter.sh/custom": "x" }),
            "CEL",
        ),
        (
            &pool,
            "/spec/template/spec/requirements/0",
            json!({ "key": "kubernetes.io/hostname", "operator": "In", "values": ["a"] }),
            "CEL",
        ),
        (
            &pool,
            "/spec/template/spec/requirements/0/values",
            json!([]),
            "CEL",
        ),
        (
            &pool,
            "/spec/disruption/budgets/0",
            json!({ "nodes": "1", "schedule": "@daily" }),
            "CEL",
        ),
        (
            &class,
            "/spec/amiSelectorTerms",
            json!([ { "alias": "al2023@latest" }, { "id": "ami-1" } ]),
            "CEL",
        ),
        (
            &class,
            "/spec/amiSelectorTerms/0/alias",
            json!("ubuntu@latest"),
            "CEL",
        ),
        (&class, "/spec/instanceProfile", json!("profile"), "CEL"),
        (
            &class,
            "/spec/subnetSelectorTerms/0/tags",
            json!({ "karpenter.sh/discovery": "" }),
            "CEL",
        ),
        (
            &class,
            "/spec/tags",
            json!({ "kubernetes.io/cluster/x": "owned" }),
            "CEL",
        ),
        (
            &class,
            "/spec/networkInterfaces/0/interfaceType",
            json!("efa-only"),
            "CEL",
        ),
        (
            &class,
            "/spec/networkInterfaces/2/networkCardIndex",
            json!(0),
            "CEL",
        ),
        (
            &class,
            "/spec/networkInterfaces/2/deviceIndex",
            json!(-1),
            "schema",
        ),
    ];
    for (doc, pointer, value, by) in cases {
        let mut doc = (*doc).clone();
        set(&mut doc, pointer, value.clone());
        let outcome = crd::CRDS.check(&doc).unwrap();
        assert!(
            outcome.not_evaluable.is_empty(),
            "{pointer}: {:?}",
            outcome.not_evaluable
        );
        if *by == "CEL" {
            assert!(
                outcome.errors.iter().any(|e| e.contains("CEL rule failed")),
                "{pointer} = {value}: the {by} check passed it: {:?}",
                outcome.errors
            );
        } else {
            assert!(
                !outcome.errors.is_empty(),
                "{pointer} = {value}: the {by} check passed it"
            );
        }
    }
    let mut unknown = pool.clone();
    unknown["spec"]["template"]["spec"]["kubelet"] = json!({ "maxPods": 110 });
    assert!(
        crd::CRDS
            .check(&unknown)
            .unwrap()
            .errors
            .iter()
            .any(|e| e.contains("unknown field")),
        "v1 moved kubelet to the EC2NodeClass: the NodePool field is pruned"
    );
    let eni = json!({
        "apiVersion": "crd.k8s.amazonaws.com/v1alpha1",
        "kind": "ENIConfig",
        "metadata": { "name": "us-west-2a" },
        "spec": { "securityGroups": ["sg-1"], "subnet": 7 }
    });
    assert!(!crd::CRDS.check(&eni).unwrap().errors.is_empty());
    assert!(
        crd::CRDS
            .check(&json!({ "apiVersion": "v1", "kind": "Pod" }))
            .is_none()
    );
    // A rule the evaluator cannot run is reported, never passed.
    assert!(crd::evaluate("self.noSuchFunction()", &json!("x")).is_err());
    assert!(crd::evaluate("self", &json!("not a boolean")).is_err());
}

#[test]
fn workload_snippets_pass_the_api_server_pod_rules() {
    let mut snippets = 0;
    let mut with_match_label_keys = 0;
    for path in intents() {
        let plan = plan_file(&path);
        for (name, text) in k8s_files(&plan, ORIGIN) {
            if !name.starts_with("workloads/") {
                continue;
            }
            let pod = &documents(&text, &name)[0];
            let errors = pod_rules::violations(pod);
            assert!(
                errors.is_empty(),
                "{}: {name}:\n  {}\n{text}",
                path.display(),
                errors.join("\n  ")
            );
            snippets += 1;
            if text.contains("matchLabelKeys:") {
                with_match_label_keys += 1;
                assert!(text.contains("labelSelector: {}"), "{name}");
            }
        }
    }
    assert!(
        snippets > 10 && with_match_label_keys > 3,
        "{snippets} / {with_match_label_keys}"
    );

    // The rules catch what they claim to.
    let good = json!({
        "metadata": { "annotations": { "karpenter.sh/do-not-disrupt": "true" } },
        "spec": {
            "nodeSelector": { "eksgen.dev/node-group": "gpu" },
            "tolerations": [ { "key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule" } ],
            "affinity": { "podAffinity": { "preferredDuringSchedulingIgnoredDuringExecution": [ {
                "weight": 100,
                "podAffinityTerm": {
                    "topologyKey": "topology.kubernetes.io/zone",
                    "labelSelector": {},
                    "matchLabelKeys": ["app.kubernetes.io/name"]
                }
            } ] } },
            "containers": [ { "name": "main", "resources": {
                "requests": { "cpu": "100m", "memory": "64Mi", "nvidia.com/gpu": 1 },
                "limits": { "memory": "64Mi", "nvidia.com/gpu": 1 }
            } } ]
        }
    });
    assert_eq!(pod_rules::violations(&good), Vec::<String>::new());
    let term = "/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm";
    let cases: &[(String, Value)] = &[
        (
            format!("{term}/labelSelector"),
            json!({ "matchExpressions": [ { "key": "app.kubernetes.io/name", "operator": "Exists" } ] }),
        ),
        (format!("{term}/labelSelector"), Value::Null),
        ("/spec/tolerations/0/operator".into(), json!("Equals")),
        ("/spec/tolerations/0/value".into(), json!("true")),
        ("/spec/tolerations/0/effect".into(), json!("NO_SCHEDULE")),
        (
            "/spec/containers/0/resources/limits/nvidia.com~1gpu".into(),
            json!(2),
        ),
        (
            "/spec/containers/0/resources/limits".into(),
            json!({ "memory": "64Mi" }),
        ),
        (
            "/spec/containers/0/resources/requests/memory".into(),
            json!("128Mi"),
        ),
        (
            "/spec/nodeSelector/eksgen.dev~1node-group".into(),
            json!("a b"),
        ),
        // Huge pages without a cpu or memory request or limit beside them.
        (
            "/spec/containers/0/resources".into(),
            json!({ "requests": { "hugepages-2Mi": "4Mi" }, "limits": { "hugepages-2Mi": "4Mi" } }),
        ),
        // Huge pages whose request differs from the limit, or that is no whole page.
        (
            "/spec/containers/0/resources/requests/hugepages-2Mi".into(),
            json!("4Mi"),
        ),
        (
            "/spec/containers/0/resources".into(),
            json!({ "requests": { "memory": "64Mi", "hugepages-2Mi": "3Mi" }, "limits": { "memory": "64Mi", "hugepages-2Mi": "3Mi" } }),
        ),
    ];
    for (pointer, value) in cases {
        let mut pod = good.clone();
        set(&mut pod, pointer, value.clone());
        assert!(
            !pod_rules::violations(&pod).is_empty(),
            "{pointer} = {value} passed"
        );
    }
}

/// (key, value, effect) of every taint or toleration in a list.
fn taint_triples(list: &Value) -> Vec<(String, Option<String>, String)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_string(),
                t["value"].as_str().map(str::to_string),
                t["effect"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn node_classes_and_pools_agree_with_the_plan_and_the_workload_snippets() {
    for path in intents() {
        let plan = plan_file(&path);
        let files = k8s_files(&plan, ORIGIN);
        let what = path.display().to_string();
        for g in &plan.node_groups {
            let workload = &documents(&files[&format!("workloads/{}.yaml", g.name)], &what)[0];
            let pod = &workload["spec"];
            assert_eq!(
                pod["nodeSelector"][GROUP_LABEL].as_str(),
                g.labels.get(GROUP_LABEL).map(String::as_str),
                "{what}: {} nodeSelector is a plan label",
                g.name
            );
            for t in pod["tolerations"].as_array().into_iter().flatten() {
                let exists = t["operator"] == "Exists";
                assert_eq!(exists, t.get("value").is_none(), "{what}: {t}");
                assert!(exists || t["operator"] == "Equal", "{what}: {t}");
            }
            let tolerations = taint_triples(&pod["tolerations"]);
            let plan_taints: Vec<(String, Option<String>, String)> = g
                .taints
                .iter()
                .map(|t| (t.key.clone(), t.value.clone(), t.effect.to_string()))
                .collect();
            assert_eq!(tolerations, plan_taints, "{what}: {} tolerations", g.name);
            let resources = &pod["containers"][0]["resources"];
            if let Some(efa) = &g.efa_workload {
                // The training worker: exactly the plan's devices, huge pages, request, env.
                for (name, count) in efa
                    .accelerator
                    .iter()
                    .map(|a| (a.resource.as_str(), a.count))
                    .chain([("vpc.amazonaws.com/efa", efa.efa_devices)])
                {
                    assert_eq!(resources["limits"][name], json!(count), "{what}: {name}");
                    assert_eq!(resources["requests"][name], json!(count), "{what}: {name}");
                }
                assert_eq!(efa.efa_devices, g.efa_interfaces, "{what}");
                for side in ["requests", "limits"] {
                    assert_eq!(
                        resources[side]["hugepages-2Mi"],
                        efa.hugepages_2mi.as_ref().map_or(Value::Null, |h| json!(h)),
                        "{what}: {side}"
                    );
                }
                assert_eq!(
                    resources["requests"]["cpu"],
                    json!(format!("{}m", efa.cpu_millicores))
                );
                assert_eq!(
                    resources["requests"]["memory"],
                    json!(format!("{}Mi", efa.memory_mib))
                );
                let env: Vec<(String, String)> = pod["containers"][0]["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        (
                            e["name"].as_str().unwrap().to_string(),
                            e["value"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                let want: Vec<(String, String)> = efa
                    .env
                    .iter()
                    .map(|e| (e.name.clone(), e.value.clone()))
                    .collect();
                assert_eq!(env, want, "{what}: env");
            } else if g.gpus_per_node > 0 && g.ami.variant == AmiVariant::Nvidia {
                let want = if g.one_pod_per_node {
                    g.gpus_per_node
                } else {
                    1
                };
                assert_eq!(resources["limits"]["nvidia.com/gpu"], json!(want), "{what}");
                assert_eq!(
                    resources["requests"]["nvidia.com/gpu"],
                    json!(want),
                    "{what}"
                );
            }
            assert_eq!(g.efa, g.efa_workload.is_some(), "{what}: {}", g.name);
            if g.one_pod_per_node && !g.efa {
                assert_eq!(
                    resources["requests"]["cpu"],
                    json!(format!(
                        "{}m",
                        g.one_pod_request.as_ref().unwrap().cpu_millicores
                    ))
                );
                assert_eq!(
                    resources["requests"]["memory"],
                    json!(format!(
                        "{}Mi",
                        g.one_pod_request.as_ref().unwrap().memory_mib
                    ))
                );
            }
            assert_eq!(
                pod["dnsConfig"]["options"][0],
                json!({ "name": "ndots", "value": "2" })
            );
            assert_eq!(
                pod["affinity"]["podAffinity"].is_object(),
                g.availability_zones.len() > 1,
                "{what}: {} zone affinity only across zones",
                g.name
            );

            let karpenter = files.get(&format!("karpenter/{}.yaml", g.name));
            assert_eq!(
                karpenter.is_some(),
                g.provisioner == Provisioner::Karpenter,
                "{what}: {}",
                g.name
            );
            let Some(karpenter) = karpenter else { continue };
            let docs = documents(karpenter, &what);
            let pool = docs.iter().find(|d| d["kind"] == "NodePool").unwrap();
            let class = docs.iter().find(|d| d["kind"] == "EC2NodeClass").unwrap();
            assert_eq!(
                class["spec"]["kubelet"]["maxPods"],
                json!(g.max_pods),
                "{what}: {}",
                g.name
            );
            assert_eq!(
                pool["spec"]["template"]["spec"]["nodeClassRef"]["name"],
                class["metadata"]["name"]
            );
            let pool_taints = taint_triples(&pool["spec"]["template"]["spec"]["taints"]);
            assert_eq!(
                pool_taints, tolerations,
                "{what}: NodePool taints == snippet tolerations"
            );
            let labels: BTreeMap<String, String> =
                serde_json::from_value(pool["spec"]["template"]["metadata"]["labels"].clone())
                    .unwrap();
            assert_eq!(&labels, &g.labels);
            let requirements = pool["spec"]["template"]["spec"]["requirements"]
                .as_array()
                .unwrap();
            let requirement = |key: &str| -> Vec<String> {
                let r = requirements
                    .iter()
                    .find(|r| r["key"] == key)
                    .unwrap_or_else(|| panic!("{what}: no {key} requirement"));
                assert_eq!(r["operator"], "In");
                serde_json::from_value(r["values"].clone()).unwrap()
            };
            let k = g.karpenter.as_ref().unwrap();
            let bandwidth = requirements
                .iter()
                .find(|r| r["key"] == "karpenter.k8s.aws/instance-network-bandwidth");
            match (&k.bandwidth_requirement, bandwidth) {
                (Some(plan_req), Some(r)) => {
                    assert_eq!(r["operator"], json!(plan_req.operator.as_str()), "{what}");
                    assert_eq!(r["values"], json!(plan_req.values), "{what}");
                    assert_eq!(
                        plan_req.values,
                        vec![g.network_bandwidth.min_mbps.unwrap().to_string()]
                    );
                }
                (None, None) => {}
                (want, got) => panic!("{what}: {}: plan {want:?}, NodePool {got:?}", g.name),
            }
            assert_eq!(
                requirement("node.kubernetes.io/instance-type"),
                g.instance_types
            );
            assert_eq!(
                requirement("topology.kubernetes.io/zone"),
                g.availability_zones
            );
            assert_eq!(requirement("kubernetes.io/arch"), vec![g.arch.clone()]);
            let capacity = match g.capacity_type.as_str() {
                "capacity-block" => "reserved",
                other => other,
            };
            assert_eq!(
                requirement("karpenter.sh/capacity-type"),
                vec![capacity.to_string()]
            );
            for (resource, quantity) in &k.limits {
                assert_eq!(pool["spec"]["limits"][resource], json!(quantity));
            }
            assert_eq!(
                pool["spec"]["limits"]["nodes"],
                json!(g.scaling.max.to_string())
            );
            assert_eq!(
                pool["spec"]["disruption"]["consolidationPolicy"],
                json!(k.consolidation_policy)
            );
            assert_eq!(
                pool["spec"]["disruption"]["consolidateAfter"],
                json!(k.consolidate_after)
            );
            assert_eq!(
                class["spec"]["amiSelectorTerms"],
                json!([{ "alias": g.ami.karpenter_alias }])
            );
            // Exactly one identity, the plan's; selectors exactly the plan's terms.
            let node_class = plan.autoscaling.karpenter_node_class.as_ref().unwrap();
            assert_eq!(
                class["spec"].get("role"),
                node_class.role.as_ref().map(|r| json!(r)).as_ref()
            );
            assert_eq!(
                class["spec"].get("instanceProfile"),
                node_class
                    .instance_profile
                    .as_ref()
                    .map(|r| json!(r))
                    .as_ref()
            );
            assert_eq!(
                class["spec"]["role"].as_str(),
                plan.autoscaling.karpenter_node_role.as_deref()
            );
            assert_eq!(
                class["spec"]["subnetSelectorTerms"],
                json!(node_class.subnet_selector)
            );
            assert_eq!(
                class["spec"]["securityGroupSelectorTerms"],
                json!(node_class.security_group_selector)
            );
            if plan.existing_cluster.is_none() {
                // A new cluster's Terraform tags what these select.
                let discovery = json!([{ "tags": { DISCOVERY_TAG: plan.cluster } }]);
                assert_eq!(class["spec"]["subnetSelectorTerms"], discovery);
                assert_eq!(class["spec"]["securityGroupSelectorTerms"], discovery);
            }
            let root: Vec<&Value> = class["spec"]["blockDeviceMappings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["rootVolume"] == json!(true))
                .collect();
            assert_eq!(root.len(), 1);
            let ebs = &root[0]["ebs"];
            assert_eq!(
                ebs["volumeSize"],
                json!(format!("{}Gi", g.root_volume.size_gib))
            );
            assert_eq!(ebs["volumeType"], json!(g.root_volume.volume_type));
            assert_eq!(ebs["iops"], json!(g.root_volume.iops));
            assert_eq!(ebs["throughput"], json!(g.root_volume.throughput_mibps));
            match &g.image_snapshot {
                // Karpenter may not set an encryption value on a volume from a snapshot.
                Some(snap) => {
                    assert_eq!(ebs["snapshotID"], json!(snap.snapshot_id), "{what}");
                    assert_eq!(
                        ebs["volumeInitializationRate"],
                        json!(snap.initialization_rate_mibps),
                        "{what}"
                    );
                    assert_eq!(ebs["encrypted"], Value::Null, "{what}");
                }
                None => {
                    assert_eq!(ebs["encrypted"], json!(g.root_volume.encrypted));
                    assert_eq!(ebs["snapshotID"], Value::Null, "{what}");
                }
            }
            assert_eq!(
                class["spec"]["instanceStorePolicy"],
                match k.instance_store_policy {
                    Some(p) => serde_json::to_value(p).unwrap(),
                    None => Value::Null,
                },
                "{what}"
            );
            // An intent's `instanceStore: raid0` is only accepted on NVMe types, where the
            // NodePool's class builds the array anyway.
            if g.instance_store.is_some() {
                assert!(k.instance_store_policy.is_some(), "{what}");
            }
            assert_eq!(class["spec"]["metadataOptions"]["httpTokens"], "required");
            assert_eq!(
                class["spec"]["metadataOptions"]["httpPutResponseHopLimit"],
                json!(g.instance_metadata.hop_limit)
            );
            assert!(
                karpenter.contains(&g.max_pods_delivery.reason),
                "{what}: the maxPods comment carries the plan's reason"
            );
        }
    }
}

#[test]
fn every_file_starts_with_the_header_and_renders_the_same_twice() {
    for path in intents() {
        let plan = plan_file(&path);
        let files = k8s_files(&plan, ORIGIN);
        assert_eq!(
            files,
            k8s_files(&plan, ORIGIN),
            "{}: deterministic",
            path.display()
        );
        let head = eksgen::render::header(ORIGIN);
        for (name, text) in &files {
            assert!(text.starts_with(&head), "{}: {name} header", path.display());
        }
    }
}

#[test]
fn device_plugin_values_cover_the_groups_that_need_them() {
    let serve = plan_file(&intent_path("k8s-gpu-inference-spot.yaml"));
    let files = k8s_files(&serve, ORIGIN);
    let nvidia = &documents(
        &files["device-plugins/nvidia-device-plugin-values.yaml"],
        "nvidia",
    )[0];
    let terms = &nvidia["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"];
    assert_eq!(terms[0]["matchExpressions"][0]["key"], GROUP_LABEL);
    assert_eq!(
        terms[0]["matchExpressions"][0]["values"],
        json!(["inference"])
    );
    // The DaemonSet tolerates every taint of the group.
    let tolerated: Vec<(&str, &str)> = nvidia["tolerations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| Some((t["key"].as_str()?, t["effect"].as_str()?)))
        .collect();
    for t in &serve.node_group("inference").unwrap().taints {
        assert!(
            tolerated.contains(&(t.key.as_str(), t.effect.as_str())),
            "{t:?}"
        );
    }
    assert!(!files.contains_key("device-plugins/efa-device-plugin-values.yaml"));

    let train = plan_file(&intent_path("k8s-efa-training.yaml"));
    let files = k8s_files(&train, ORIGIN);
    let efa = &documents(
        &files["device-plugins/efa-device-plugin-values.yaml"],
        "efa",
    )[0];
    assert_eq!(
        efa["nodeSelector"],
        json!({ "vpc.amazonaws.com/efa.present": "true" })
    );
    assert_eq!(
        train
            .node_group("train")
            .unwrap()
            .labels
            .get("vpc.amazonaws.com/efa.present")
            .map(String::as_str),
        Some("true"),
        "the EFA values select on a label the plan puts on EFA nodes"
    );

    let cpu = plan_file(&intent_path("k8s-custom-networking.yaml"));
    assert!(
        !k8s_files(&cpu, ORIGIN)
            .keys()
            .any(|k| k.starts_with("device-plugins/")),
        "no accelerators, no device plugins"
    );

    // Bottlerocket's NVIDIA variant ships the plugin: its groups are left out.
    let text = std::fs::read_to_string(intent_path("k8s-gpu-inference-spot.yaml"))
        .unwrap()
        .replace(
            "      capacityType: spot\n",
            "      capacityType: spot\n      amiFamily: bottlerocket\n",
        );
    let bottlerocket = plan_of(&text, "bottlerocket.yaml");
    let files = k8s_files(&bottlerocket, ORIGIN);
    assert!(!files.contains_key("device-plugins/nvidia-device-plugin-values.yaml"));
    let class = documents(&files["karpenter/inference.yaml"], "bottlerocket")
        .into_iter()
        .find(|d| d["kind"] == "EC2NodeClass")
        .unwrap();
    // The pinned release (the newest Bottlerocket eksgen knows for 1.34), never `@latest`.
    assert_eq!(
        class["spec"]["amiSelectorTerms"][0]["alias"],
        "bottlerocket@v1.64.0"
    );
    let devices: Vec<&str> = class["spec"]["blockDeviceMappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["deviceName"].as_str().unwrap())
        .collect();
    assert_eq!(
        devices,
        ["/dev/xvda", "/dev/xvdb"],
        "Bottlerocket keeps images on the data volume"
    );
    validate_render(&files, "bottlerocket");
}

#[test]
fn capacity_blocks_use_reserved_capacity_by_reservation_id() {
    let text = std::fs::read_to_string(intent_path("k8s-efa-training.yaml")).unwrap().replace(
        "      efa: true\n",
        "      efa: true\n      capacityType: capacity-block\n      capacityReservationId: cr-0123456789abcdef0\n",
    );
    let plan = plan_of(&text, "capacity-block.yaml");
    let files = k8s_files(&plan, ORIGIN);
    validate_render(&files, "capacity-block");
    let docs = documents(&files["karpenter/train.yaml"], "capacity-block");
    let class = docs.iter().find(|d| d["kind"] == "EC2NodeClass").unwrap();
    assert_eq!(
        class["spec"]["capacityReservationSelectorTerms"],
        json!([{ "id": "cr-0123456789abcdef0" }])
    );
    assert!(
        class["spec"].get("placementGroupSelector").is_none(),
        "the reservation places the nodes: no placement group (plan placementGroup false)"
    );
}

#[test]
fn hostile_strings_come_back_exactly() {
    // Everything spec.tags validation lets through: spaces and _ . : / = + - @.
    let tags = [
        ("team", "a: b"),
        ("cost-center", "- item"),
        ("owner", "@ops + = / :"),
        ("note", "yes"),
        ("empty", ""),
        ("zero", "0x10"),
        ("null", "null"),
        ("key: value", " leading and trailing "),
        ("- dash", "=:="),
        ("kubernetes.io/cluster/other", "owned"),
    ];
    let tag_lines: String = tags
        .iter()
        .map(|(k, v)| {
            format!(
                "    {}: {}\n",
                serde_json::to_string(k).unwrap(),
                serde_json::to_string(v).unwrap()
            )
        })
        .collect();
    let text = std::fs::read_to_string(intent_path("k8s-custom-networking.yaml"))
        .unwrap()
        .replace(
            "  autoscaling:\n",
            &format!("  tags:\n{tag_lines}  autoscaling:\n"),
        );
    let origin = "evil\n---\nkind: Secret ${x} %{ if y } \"q\" #.yaml";
    let plan = plan_of(&text, "hostile.yaml");
    let files = k8s_files(&plan, origin);
    validate_render(&files, "hostile");
    for (name, text) in &files {
        for doc in documents(text, name) {
            assert_ne!(
                doc["kind"], "Secret",
                "{name}: the origin escaped its comment"
            );
        }
    }
    let class = documents(&files["karpenter/batch.yaml"], "hostile")
        .into_iter()
        .find(|d| d["kind"] == "EC2NodeClass")
        .unwrap();
    for (k, v) in tags {
        if k.starts_with("kubernetes.io/cluster") {
            assert!(
                class["spec"]["tags"].get(k).is_none(),
                "Karpenter rejects {k}"
            );
        } else {
            assert_eq!(class["spec"]["tags"][k], json!(v), "tag {k}");
        }
    }
}

/// One uber-snapshot per scenario: every Kubernetes file under a `=== path ===` line.
fn snapshot_of(intent: &str) -> String {
    let plan = plan_file(&intent_path(intent));
    let files = k8s_files(&plan, ORIGIN);
    let mut out = String::new();
    for (path, text) in files {
        out.push_str(&format!("=== {path} ===\n{text}"));
    }
    out
}

#[test]
fn snapshot_gpu_inference_on_spot_across_zones() {
    insta::assert_snapshot!(snapshot_of("k8s-gpu-inference-spot.yaml"));
}

#[test]
fn snapshot_efa_training_pinned_to_one_zone() {
    insta::assert_snapshot!(snapshot_of("k8s-efa-training.yaml"));
}

#[test]
fn snapshot_custom_networking_with_eniconfigs() {
    insta::assert_snapshot!(snapshot_of("k8s-custom-networking.yaml"));
}

#[test]
fn snapshot_node_pools_for_an_existing_karpenter_install() {
    insta::assert_snapshot!(snapshot_of("k8s-existing-karpenter.yaml"));
}

#[test]
fn snapshot_node_pools_with_karpenter_created_for_an_existing_cluster() {
    insta::assert_snapshot!(snapshot_of("tf-existing-cluster-karpenter.yaml"));
}

#[test]
fn neuron_groups_get_neuron_devices_and_the_neuron_plugin() {
    let plan = plan_file(&intent_path("k8s-neuron.yaml"));
    let files = k8s_files(&plan, ORIGIN);
    let inf = &documents(&files["workloads/inf.yaml"], "inf")[0]["spec"];
    assert_eq!(
        inf["containers"][0]["resources"]["limits"]["aws.amazon.com/neuron"],
        json!(1)
    );
    assert_eq!(
        inf["tolerations"][0],
        json!({ "key": "dedicated", "operator": "Exists", "effect": "NoExecute" })
    );
    let term = &inf["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        [0]["podAffinityTerm"];
    assert!(
        term.get("matchLabelKeys").is_some(),
        "Kubernetes 1.32 has matchLabelKeys on by default (1.30, off, is past EKS support)"
    );
    let trn = &documents(&files["workloads/trn.yaml"], "trn")[0]["spec"];
    let limits = &trn["containers"][0]["resources"]["limits"];
    assert_eq!(limits["aws.amazon.com/neuron"], json!(16));
    assert_eq!(limits["vpc.amazonaws.com/efa"], json!(8));
    assert!(files["karpenter/inf.yaml"].contains("scaling.min 1 is not enforced"));

    let values = &documents(
        &files["device-plugins/neuron-device-plugin-values.yaml"],
        "neuron",
    )[0];
    let list = values["devicePlugin"]["tolerations"].as_array().unwrap();
    let tolerations = taint_triples(&Value::Array(list[1..].to_vec()));
    assert_eq!(
        tolerations,
        [
            ("aws.amazon.com/neuron".into(), None, "NoSchedule".into()),
            ("dedicated".into(), None, "NoExecute".into()),
        ]
    );
    assert!(values["devicePlugin"]["tolerations"][0]["key"] == "CriticalAddonsOnly");
    assert!(!files.contains_key("device-plugins/nvidia-device-plugin-values.yaml"));
    assert!(files.contains_key("device-plugins/efa-device-plugin-values.yaml"));
}
