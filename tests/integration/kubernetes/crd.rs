//! What the API server does with a custom resource, modelled offline against the vendored
//! CRDs (`tests/fixtures/schemas/`, sources in `SOURCES.md`):
//!
//! 1. structural defaults are applied (`default` of absent properties),
//! 2. fields the structural schema does not know are reported: the API server would prune
//!    them silently, so the field would do nothing,
//! 3. the `openAPIV3Schema` is checked with the `jsonschema` crate (Draft 4, the dialect
//!    Kubernetes' OpenAPI v3 schemas follow), plus `metadata.name` as a DNS subdomain,
//! 4. every `x-kubernetes-validations` CEL rule on a present value is evaluated with the
//!    `cel` crate. Transition rules (`oldSelf`) only run on update and are counted as
//!    skipped; any other rule that does not evaluate to a boolean is a failure.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use cel::extractors::This;
use cel::{Context, FunctionContext, Program};
use serde_json::Value;

/// One CRD version: its structural schema and the compiled validator.
struct Version {
    schema: Value,
    validator: jsonschema::Validator,
}

pub struct Crds {
    /// (apiVersion, kind) → schema.
    versions: BTreeMap<(String, String), Version>,
}

/// The vendored CRD files, by the kind they define.
pub const FILES: &[&str] = &[
    "karpenter.sh_nodepools.yaml",
    "karpenter.k8s.aws_ec2nodeclasses.yaml",
    "crd.k8s.amazonaws.com_eniconfigs.yaml",
];

pub fn crd_text(file: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas");
    std::fs::read_to_string(dir.join(file)).unwrap()
}

pub static CRDS: LazyLock<Crds> = LazyLock::new(|| {
    let mut versions = BTreeMap::new();
    for file in FILES {
        let crd: Value = serde_saphyr::from_str(&crd_text(file)).unwrap();
        let group = crd["spec"]["group"].as_str().unwrap();
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap();
        for version in crd["spec"]["versions"].as_array().unwrap() {
            let name = version["name"].as_str().unwrap();
            let schema = version["schema"]["openAPIV3Schema"].clone();
            let validator = jsonschema::draft4::new(&schema)
                .unwrap_or_else(|e| panic!("{file} {name}: not a Draft 4 schema: {e}"));
            versions.insert(
                (format!("{group}/{name}"), kind.to_string()),
                Version { schema, validator },
            );
        }
    }
    Crds { versions }
});

/// What checking one document found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Schema, pruning, metadata and CEL violations (a CEL rule that returned false).
    pub errors: Vec<String>,
    /// CEL rules that could not be evaluated (parse or runtime error, non-boolean result).
    pub not_evaluable: Vec<String>,
    /// Transition rules skipped (they need the old object).
    pub skipped_old_self: Vec<String>,
    /// Rules evaluated (each rule once per value it applies to).
    pub evaluations: usize,
    /// The rule texts that were evaluated at least once.
    pub rules_reached: BTreeSet<String>,
}

impl Crds {
    /// Check one document, or `None` when no vendored CRD describes its kind.
    pub fn check(&self, doc: &Value) -> Option<Outcome> {
        let key = (
            doc["apiVersion"].as_str()?.to_string(),
            doc["kind"].as_str()?.to_string(),
        );
        let version = self.versions.get(&key)?;
        let mut doc = doc.clone();
        apply_defaults(&version.schema, &mut doc);
        let mut out = Outcome::default();
        unknown_fields(&version.schema, &doc, "", &mut out.errors);
        out.errors.extend(
            version
                .validator
                .iter_errors(&doc)
                .map(|e| format!("{}: {e}", e.instance_path())),
        );
        check_metadata(&doc, &mut out.errors);
        cel_walk(&version.schema, &doc, "", &mut out);
        Some(out)
    }

    /// Every CEL rule text of the vendored Karpenter CRDs.
    pub fn all_rules(&self) -> BTreeSet<String> {
        let mut rules = BTreeSet::new();
        for v in self.versions.values() {
            collect_rules(&v.schema, &mut rules);
        }
        rules
    }
}

fn collect_rules(schema: &Value, out: &mut BTreeSet<String>) {
    for r in schema["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.insert(r["rule"].as_str().unwrap().to_string());
    }
    for (_, child) in schema["properties"].as_object().into_iter().flatten() {
        collect_rules(child, out);
    }
    for key in ["items", "additionalProperties"] {
        if schema[key].is_object() {
            collect_rules(&schema[key], out);
        }
    }
}

/// The API server fills absent properties that have a `default` before validation.
fn apply_defaults(schema: &Value, v: &mut Value) {
    if let Some(map) = v.as_object_mut() {
        for (key, child) in schema["properties"].as_object().into_iter().flatten() {
            if !map.contains_key(key) {
                if let Some(d) = child.get("default") {
                    map.insert(key.clone(), d.clone());
                }
            }
            if let Some(value) = map.get_mut(key) {
                apply_defaults(child, value);
            }
        }
        if schema["additionalProperties"].is_object() {
            for (key, value) in map.iter_mut() {
                if schema["properties"].get(key).is_none() {
                    apply_defaults(&schema["additionalProperties"], value);
                }
            }
        }
    } else if let Some(items) = v.as_array_mut() {
        if schema["items"].is_object() {
            for item in items {
                apply_defaults(&schema["items"], item);
            }
        }
    }
}

/// Fields the structural schema does not declare: the API server drops them.
fn unknown_fields(schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(map) = v.as_object() {
        // ObjectMeta is validated by the API server itself (`check_metadata`).
        let free = schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true)
            || path == ".metadata";
        for (key, value) in map {
            let child = format!("{path}.{key}");
            if let Some(s) = schema["properties"].get(key) {
                unknown_fields(s, value, &child, errors);
            } else if schema["additionalProperties"].is_object() {
                unknown_fields(&schema["additionalProperties"], value, &child, errors);
            } else if !free && schema["additionalProperties"] != Value::Bool(true) {
                errors.push(format!("{child}: unknown field (the API server prunes it)"));
            }
        }
    } else if let Some(items) = v.as_array() {
        if schema["items"].is_object() {
            for (i, item) in items.iter().enumerate() {
                unknown_fields(&schema["items"], item, &format!("{path}[{i}]"), errors);
            }
        }
    }
}

fn check_metadata(doc: &Value, errors: &mut Vec<String>) {
    static NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
            .unwrap()
    });
    match doc["metadata"]["name"].as_str() {
        Some(n) if n.len() <= 253 && NAME.is_match(n) => {}
        other => errors.push(format!(".metadata.name: {other:?} is not a DNS subdomain")),
    }
}

/// Evaluate the rules of `schema` on `v`, then recurse into the children that are present.
fn cel_walk(schema: &Value, v: &Value, path: &str, out: &mut Outcome) {
    let at = if path.is_empty() { "." } else { path };
    for r in schema["x-kubernetes-validations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let rule = r["rule"].as_str().unwrap();
        if rule.contains("oldSelf") {
            out.skipped_old_self.push(format!("{at}: {rule}"));
            continue;
        }
        out.evaluations += 1;
        out.rules_reached.insert(rule.to_string());
        match evaluate(rule, v) {
            Ok(true) => {}
            Ok(false) => out.errors.push(format!(
                "{at}: CEL rule failed: {} ({rule})",
                r["message"].as_str().unwrap_or("no message")
            )),
            Err(e) => out.not_evaluable.push(format!("{at}: {rule}: {e}")),
        }
    }
    if let Some(map) = v.as_object() {
        for (key, value) in map {
            let child = format!("{path}.{key}");
            if let Some(s) = schema["properties"].get(key) {
                cel_walk(s, value, &child, out);
            } else if schema["additionalProperties"].is_object() {
                cel_walk(&schema["additionalProperties"], value, &child, out);
            }
        }
    } else if let Some(items) = v.as_array() {
        if schema["items"].is_object() {
            for (i, item) in items.iter().enumerate() {
                cel_walk(&schema["items"], item, &format!("{path}[{i}]"), out);
            }
        }
    }
}

/// Evaluate one rule with `self` bound to `v`.
pub fn evaluate(rule: &str, v: &Value) -> Result<bool, String> {
    let program = Program::compile(rule).map_err(|e| format!("does not parse: {e}"))?;
    let mut ctx = Context::default();
    add_kubernetes_library(&mut ctx);
    ctx.add_variable_from_value("self", to_cel(v));
    match program.execute(&ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("returned {other:?}, not a boolean")),
        Err(e) => Err(format!("runtime error: {e}")),
    }
}

/// The Kubernetes CEL library functions the Karpenter rules use that the `cel` crate does not
/// provide (Kubernetes `k8s.io/apiserver/pkg/cel/library`):
/// - regex `find`: the first match of the pattern in the string, or `""` when none,
/// - strings `split`: the string split on a separator, as a list of strings.
fn add_kubernetes_library(ctx: &mut Context) {
    ctx.add_function(
        "find",
        |ftx: &FunctionContext, This(this): This<Arc<String>>, pattern: Arc<String>| {
            let re = regex::Regex::new(&pattern)
                .map_err(|e| ftx.error(format!("'{pattern}' is not a valid regex: {e}")))?;
            Ok::<_, cel::ExecutionError>(cel::Value::String(Arc::new(
                re.find(&this)
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
            )))
        },
    );
    ctx.add_function(
        "split",
        |This(this): This<Arc<String>>, separator: Arc<String>| {
            Ok::<_, cel::ExecutionError>(cel::Value::List(Arc::new(
                this.split(separator.as_str())
                    .map(|p| cel::Value::String(Arc::new(p.to_string())))
                    .collect(),
            )))
        },
    );
}

/// JSON → CEL value as the API server types it: integers are `int`, objects are maps.
pub fn to_cel(v: &Value) -> cel::Value {
    match v {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => cel::Value::Int(i),
            None => cel::Value::Float(n.as_f64().unwrap()),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(a) => cel::Value::List(Arc::new(a.iter().map(to_cel).collect())),
        Value::Object(m) => {
            let map: HashMap<String, cel::Value> =
                m.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            cel::Value::from(map)
        }
    }
}
