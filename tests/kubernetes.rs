//! The Kubernetes renderer: every generated NodePool, EC2NodeClass and ENIConfig validates
//! against the vendored CRD schemas, the files agree with the plan and with each other,
//! user strings come back exactly, and one uber-snapshot per scenario pins the text.
//!
//! Intents: `tests/fixtures/intents/k8s-*.yaml` and every preset. CRDs:
//! `tests/fixtures/schemas/`. The schema check is structural (see [`crd`]); CEL rules
//! (`x-kubernetes-validations`) are not evaluated, but [`karpenter_rules`] re-states the ones
//! eksgen's output could break.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eksgen::plan::{GROUP_LABEL, Plan};
use eksgen::render::kubernetes::DISCOVERY_TAG;
use serde_json::{Value, json};

const ORIGIN: &str = "origin.yaml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan_of(text: &str, origin: &str) -> Plan {
    eksgen::app::plan_from_text(text, origin).unwrap_or_else(|e| panic!("{origin}: {e}"))
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

/// Every intent the tests render: the k8s fixtures and the presets.
fn intents() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures/intents", "presets"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let wanted = name.ends_with(".yaml") && (dir == "presets" || name.starts_with("k8s-"));
            if wanted {
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

/// Structural validation of a document against a CRD's `openAPIV3Schema`.
///
/// Checks `type`, `required`, `properties` (unknown fields are errors unless
/// `additionalProperties` or `x-kubernetes-preserve-unknown-fields` allows them: the API
/// server would silently prune them, so the field would do nothing), `additionalProperties`,
/// `items`, `enum`, `pattern`, `anyOf`, `x-kubernetes-int-or-string`, string / array /
/// object / number bounds, and `metadata.name` as a DNS subdomain. Not checked: CEL
/// `x-kubernetes-validations` (see [`karpenter_rules`]), `format`, defaulting.
mod crd {
    use std::collections::BTreeMap;
    use std::sync::LazyLock;

    use regex::Regex;
    use serde_json::Value;

    pub struct Crds {
        /// (apiVersion, kind) → openAPIV3Schema.
        schemas: BTreeMap<(String, String), Value>,
    }

    pub static CRDS: LazyLock<Crds> = LazyLock::new(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas");
        let mut schemas = BTreeMap::new();
        for file in [
            "karpenter.sh_nodepools.yaml",
            "karpenter.k8s.aws_ec2nodeclasses.yaml",
            "crd.k8s.amazonaws.com_eniconfigs.yaml",
        ] {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let crd: Value = serde_saphyr::from_str(&text).unwrap();
            let group = crd["spec"]["group"].as_str().unwrap();
            let kind = crd["spec"]["names"]["kind"].as_str().unwrap();
            for version in crd["spec"]["versions"].as_array().unwrap() {
                let name = version["name"].as_str().unwrap();
                schemas.insert(
                    (format!("{group}/{name}"), kind.to_string()),
                    version["schema"]["openAPIV3Schema"].clone(),
                );
            }
        }
        Crds { schemas }
    });

    impl Crds {
        /// Problems of one document, or `None` when no vendored CRD describes its kind.
        pub fn check(&self, doc: &Value) -> Option<Vec<String>> {
            let key = (
                doc["apiVersion"].as_str()?.to_string(),
                doc["kind"].as_str()?.to_string(),
            );
            let schema = self.schemas.get(&key)?;
            let mut errors = Vec::new();
            check(schema, doc, "", &mut errors);
            check_metadata(doc, &mut errors);
            Some(errors)
        }
    }

    fn check_metadata(doc: &Value, errors: &mut Vec<String>) {
        static NAME: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
                .unwrap()
        });
        match doc["metadata"]["name"].as_str() {
            Some(n) if n.len() <= 253 && NAME.is_match(n) => {}
            other => errors.push(format!(".metadata.name: {other:?} is not a DNS subdomain")),
        }
    }

    fn type_ok(ty: &str, v: &Value) -> bool {
        match ty {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            _ => false,
        }
    }

    fn pattern(p: &str) -> Regex {
        static CACHE: LazyLock<std::sync::Mutex<BTreeMap<String, Regex>>> =
            LazyLock::new(Default::default);
        let mut cache = CACHE.lock().unwrap();
        cache
            .entry(p.to_string())
            .or_insert_with(|| Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}")))
            .clone()
    }

    pub fn check(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
        let at = if path.is_empty() { "." } else { path };
        if let Some(branches) = schema["anyOf"].as_array() {
            let ok = branches.iter().any(|b| {
                let mut e = Vec::new();
                check(b, v, path, &mut e);
                e.is_empty()
            });
            if !ok {
                errors.push(format!("{at}: {v} matches no anyOf branch"));
                return;
            }
        }
        let int_or_string = schema["x-kubernetes-int-or-string"] == Value::Bool(true);
        if int_or_string {
            if !(v.is_string() || v.is_i64() || v.is_u64()) {
                errors.push(format!("{at}: {v} is neither integer nor string"));
                return;
            }
        } else if let Some(ty) = schema["type"].as_str() {
            if !type_ok(ty, v) {
                errors.push(format!("{at}: expected {ty}, got {v}"));
                return;
            }
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(v) {
                errors.push(format!("{at}: {v} is not one of {allowed:?}"));
            }
        }
        if let Some(s) = v.as_str() {
            if let Some(p) = schema["pattern"].as_str() {
                if !pattern(p).is_match(s) {
                    errors.push(format!("{at}: {s:?} does not match {p}"));
                }
            }
            let len = s.chars().count() as u64;
            if schema["maxLength"].as_u64().is_some_and(|m| len > m) {
                errors.push(format!(
                    "{at}: {s:?} is longer than {}",
                    schema["maxLength"]
                ));
            }
            if schema["minLength"].as_u64().is_some_and(|m| len < m) {
                errors.push(format!(
                    "{at}: {s:?} is shorter than {}",
                    schema["minLength"]
                ));
            }
        }
        if let Some(n) = v.as_f64() {
            if schema["minimum"].as_f64().is_some_and(|m| n < m) {
                errors.push(format!("{at}: {n} < minimum {}", schema["minimum"]));
            }
            if schema["maximum"].as_f64().is_some_and(|m| n > m) {
                errors.push(format!("{at}: {n} > maximum {}", schema["maximum"]));
            }
        }
        if let Some(items) = v.as_array() {
            let n = items.len() as u64;
            if schema["minItems"].as_u64().is_some_and(|m| n < m) {
                errors.push(format!("{at}: fewer than {} items", schema["minItems"]));
            }
            if schema["maxItems"].as_u64().is_some_and(|m| n > m) {
                errors.push(format!("{at}: more than {} items", schema["maxItems"]));
            }
            if schema["items"].is_object() {
                for (i, item) in items.iter().enumerate() {
                    check(&schema["items"], item, &format!("{path}[{i}]"), errors);
                }
            }
        }
        if let Some(map) = v.as_object() {
            if let Some(required) = schema["required"].as_array() {
                for r in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(r) {
                        errors.push(format!("{at}: missing required field {r}"));
                    }
                }
            }
            if schema["maxProperties"]
                .as_u64()
                .is_some_and(|m| map.len() as u64 > m)
            {
                errors.push(format!(
                    "{at}: more than {} fields",
                    schema["maxProperties"]
                ));
            }
            // `metadata` is typed `object` without properties: the API server validates
            // ObjectMeta itself (see `check_metadata`).
            let free = schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true)
                || path == ".metadata";
            for (key, value) in map {
                let child = format!("{path}.{key}");
                if let Some(s) = schema["properties"].get(key) {
                    check(s, value, &child, errors);
                } else if schema["additionalProperties"].is_object() {
                    check(&schema["additionalProperties"], value, &child, errors);
                } else if !free && schema["additionalProperties"] != Value::Bool(true) {
                    errors.push(format!("{child}: unknown field (the API server prunes it)"));
                }
            }
        }
    }
}

/// Hand-written equivalents of the CEL rules (`x-kubernetes-validations`) in the vendored
/// Karpenter CRDs that generated manifests could break. The structural check skips CEL.
fn karpenter_rules(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let restricted_label = |key: &str| {
        let domain = key.split('/').next().unwrap_or("");
        let karpenter_sh = domain.ends_with("karpenter.sh") && key != "karpenter.sh/capacity-type"
            || key == "karpenter.sh/nodepool";
        // Every well-known karpenter.k8s.aws label is allowed; eksgen sets none of them.
        let karpenter_aws = domain.ends_with("karpenter.k8s.aws");
        karpenter_sh || karpenter_aws || key == "kubernetes.io/hostname"
    };
    match doc["kind"].as_str() {
        Some("NodePool") => {
            let template = &doc["spec"]["template"];
            for key in template["metadata"]["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                if restricted_label(key) {
                    errors.push(format!("label {key} is restricted"));
                }
            }
            for r in template["spec"]["requirements"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let key = r["key"].as_str().unwrap_or("");
                let op = r["operator"].as_str().unwrap_or("");
                let values = r["values"].as_array().map_or(0, Vec::len);
                if restricted_label(key) && key != "karpenter.sh/capacity-type" {
                    errors.push(format!("requirement key {key} is restricted"));
                }
                if op == "In" && values == 0 {
                    errors.push(format!("requirement {key} In has no values"));
                }
            }
            for b in doc["spec"]["disruption"]["budgets"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if b.get("schedule").is_some() != b.get("duration").is_some() {
                    errors.push("budget schedule without duration".into());
                }
            }
            for field in ["group", "kind", "name"] {
                if template["spec"]["nodeClassRef"][field].as_str() == Some("") {
                    errors.push(format!("nodeClassRef.{field} is empty"));
                }
            }
        }
        Some("EC2NodeClass") => {
            let spec = &doc["spec"];
            if spec.get("role").is_some() == spec.get("instanceProfile").is_some() {
                errors.push("exactly one of role and instanceProfile".into());
            }
            if spec["role"].as_str() == Some("") {
                errors.push("role is empty".into());
            }
            let terms = spec["amiSelectorTerms"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if terms.iter().any(|t| t.get("alias").is_some()) {
                if terms.len() != 1 || terms[0].as_object().map_or(0, |o| o.len()) != 1 {
                    errors.push("alias must be the only AMI selector term".into());
                }
                let alias = terms[0]["alias"].as_str().unwrap_or("");
                let family = alias.split('@').next().unwrap_or("");
                let ok = regex::Regex::new(r"^[a-zA-Z0-9]+@.+$")
                    .unwrap()
                    .is_match(alias)
                    && ["al2", "al2023", "bottlerocket"].contains(&family);
                if !ok {
                    errors.push(format!("alias {alias:?} is malformed"));
                }
            }
            for selector in ["subnetSelectorTerms", "securityGroupSelectorTerms"] {
                let terms = spec[selector].as_array().cloned().unwrap_or_default();
                if terms.is_empty() {
                    errors.push(format!("{selector} is empty"));
                }
                for t in &terms {
                    for (k, v) in t["tags"].as_object().into_iter().flatten() {
                        if k.is_empty() || v.as_str() == Some("") {
                            errors.push(format!("{selector}: empty tag key or value"));
                        }
                    }
                }
            }
            for key in spec["tags"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                let bad = key.is_empty()
                    || key == "eks:eks-cluster-name"
                    || key.starts_with("kubernetes.io/cluster")
                    || key == "karpenter.sh/nodepool"
                    || key == "karpenter.sh/nodeclaim"
                    || key == "karpenter.k8s.aws/ec2nodeclass";
                if bad {
                    errors.push(format!("tag {key} is restricted"));
                }
            }
            let roots = spec["blockDeviceMappings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|b| b["rootVolume"] == Value::Bool(true))
                .count();
            if roots > 1 {
                errors.push("more than one root volume".into());
            }
        }
        _ => {}
    }
    errors
}

/// Validate every CRD-typed document of one render; returns how many were checked per kind.
fn validate_render(files: &BTreeMap<String, String>, what: &str) -> BTreeMap<String, usize> {
    let mut counted = BTreeMap::new();
    for (path, text) in files {
        for doc in documents(text, &format!("{what}: {path}")) {
            let Some(errors) = crd::CRDS.check(&doc) else {
                continue;
            };
            let mut errors = errors;
            errors.extend(karpenter_rules(&doc));
            assert!(
                errors.is_empty(),
                "{what}: {path}: {} is invalid:\n  {}\n{text}",
                doc["kind"],
                errors.join("\n  ")
            );
            *counted
                .entry(doc["kind"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    counted
}

#[test]
fn every_generated_custom_resource_validates_against_its_crd() {
    let mut total: BTreeMap<String, usize> = BTreeMap::new();
    for path in intents() {
        let plan = plan_file(&path);
        let files = k8s_files(&plan, ORIGIN);
        let counted = validate_render(&files, &path.display().to_string());
        let karpenter = plan
            .node_groups
            .iter()
            .filter(|g| g.provisioner == "karpenter")
            .count();
        // ENIConfigs come from the vpc-cni add-on (tests/terraform.rs), not from these files.
        for (kind, want) in [
            ("NodePool", karpenter),
            ("EC2NodeClass", karpenter),
            ("ENIConfig", 0),
        ] {
            assert_eq!(
                counted.get(kind).copied().unwrap_or(0),
                want,
                "{}: {kind} count",
                path.display()
            );
        }
        for (kind, n) in counted {
            *total.entry(kind).or_default() += n;
        }
    }
    for kind in ["NodePool", "EC2NodeClass"] {
        assert!(
            total.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} was validated"
        );
    }
}

#[test]
fn the_validator_catches_what_it_claims_to() {
    let good = json!({
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": { "name": "gpu" },
        "spec": {
            "template": { "spec": {
                "nodeClassRef": { "group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu" },
                "requirements": [ { "key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"] } ],
                "taints": [ { "key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule" } ]
            } },
            "limits": { "cpu": "240", "memory": "983040Mi", "nodes": 3 },
            "disruption": { "consolidateAfter": "5m", "budgets": [ { "nodes": "10%" } ] }
        }
    });
    assert_eq!(crd::CRDS.check(&good), Some(vec![]));
    let broken = |pointer: &str, value: Value| {
        let mut doc = good.clone();
        *doc.pointer_mut(pointer).unwrap() = value;
        let errors = crd::CRDS.check(&doc).unwrap();
        assert!(
            !errors.is_empty(),
            "{pointer} = {} passed",
            doc.pointer(pointer).unwrap()
        );
    };
    broken("/spec/disruption/consolidateAfter", json!("5 minutes"));
    broken("/spec/disruption/budgets/0/nodes", json!("10 percent"));
    broken("/spec/template/spec/taints/0/effect", json!("NO_SCHEDULE"));
    broken("/spec/template/spec/taints/0/value", json!("a b"));
    broken(
        "/spec/template/spec/requirements/0/operator",
        json!("Equals"),
    );
    broken("/spec/template/spec/requirements/0/values", json!("amd64"));
    broken("/spec/limits/cpu", json!("lots"));
    broken("/spec/limits/cpu", json!(true));
    broken("/spec/template/spec/nodeClassRef", json!({ "name": "gpu" }));
    broken(
        "/spec/disruption",
        json!({ "consolidationPolicy": "WhenEmpty" }),
    );
    broken("/metadata/name", json!("GPU_pool"));
    let mut unknown = good.clone();
    unknown["spec"]["template"]["spec"]["kubelet"] = json!({ "maxPods": 110 });
    assert!(
        crd::CRDS
            .check(&unknown)
            .unwrap()
            .iter()
            .any(|e| e.contains("unknown field")),
        "v1 moved kubelet to the EC2NodeClass: the NodePool field must be reported"
    );
    let eni = json!({
        "apiVersion": "crd.k8s.amazonaws.com/v1alpha1",
        "kind": "ENIConfig",
        "metadata": { "name": "us-west-2a" },
        "spec": { "securityGroups": ["sg-1"] }
    });
    assert!(
        !crd::CRDS.check(&eni).unwrap().is_empty(),
        "spec.subnet is required"
    );
    assert_eq!(
        crd::CRDS.check(&json!({ "apiVersion": "v1", "kind": "Pod" })),
        None
    );
    let class = json!({
        "kind": "EC2NodeClass",
        "spec": {
            "role": "r", "instanceProfile": "p",
            "amiSelectorTerms": [ { "alias": "al2023@latest" }, { "id": "ami-1" } ],
            "subnetSelectorTerms": [],
            "securityGroupSelectorTerms": [ { "tags": { "a": "" } } ],
            "tags": { "kubernetes.io/cluster/x": "owned" }
        }
    });
    assert_eq!(
        karpenter_rules(&class).len(),
        5,
        "{:?}",
        karpenter_rules(&class)
    );
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
                .map(|t| (t.key.clone(), t.value.clone(), t.effect.clone()))
                .collect();
            assert_eq!(tolerations, plan_taints, "{what}: {} tolerations", g.name);
            let resources = &pod["containers"][0]["resources"];
            if g.gpus_per_node > 0 && g.ami.variant == "nvidia" {
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
            if g.efa && g.one_pod_per_node {
                assert_eq!(
                    resources["limits"]["vpc.amazonaws.com/efa"],
                    json!(g.efa_interfaces)
                );
            }
            if g.one_pod_per_node {
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
                g.provisioner == "karpenter",
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
            let requirement = |key: &str| -> Vec<String> {
                let r = pool["spec"]["template"]["spec"]["requirements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["key"] == key)
                    .unwrap_or_else(|| panic!("{what}: no {key} requirement"));
                assert_eq!(r["operator"], "In");
                serde_json::from_value(r["values"].clone()).unwrap()
            };
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
            let k = g.karpenter.as_ref().unwrap();
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
            assert_eq!(
                class["spec"]["role"],
                json!(plan.autoscaling.karpenter_node_role.as_deref().unwrap())
            );
            let discovery = json!([{ "tags": { DISCOVERY_TAG: plan.cluster } }]);
            assert_eq!(class["spec"]["subnetSelectorTerms"], discovery);
            assert_eq!(class["spec"]["securityGroupSelectorTerms"], discovery);
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
            assert_eq!(ebs["encrypted"], json!(g.root_volume.encrypted));
            assert_eq!(class["spec"]["metadataOptions"]["httpTokens"], "required");
            assert_eq!(
                class["spec"]["metadataOptions"]["httpPutResponseHopLimit"],
                2
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
    assert_eq!(
        class["spec"]["amiSelectorTerms"][0]["alias"],
        "bottlerocket@latest"
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
fn snapshot_custom_networking() {
    insta::assert_snapshot!(snapshot_of("k8s-custom-networking.yaml"));
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
        term.get("matchLabelKeys").is_none(),
        "Kubernetes 1.30 has matchLabelKeys off by default"
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
