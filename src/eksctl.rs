//! `eksgen import eksctl FILE`: an eksctl `ClusterConfig` (eksctl.io/v1alpha5) turned into an
//! intent, with every field that cannot be carried over reported by its key path.
//!
//! Pure: text in, intent YAML and notes out. The intent is built field by field (only what
//! the ClusterConfig says, no eksgen defaults spelled out) and emitted as YAML through
//! `render::escape`; the command then parses and validates it like any intent, so an import
//! either yields an intent `plan` accepts or stops with located errors.

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostic, IntentError};
use crate::intent::LocationIndex;
use crate::render::escape::yaml_string;

/// The intent text and what was left behind.
#[derive(Debug)]
pub struct Imported {
    pub intent_yaml: String,
    /// `path: why` for every ClusterConfig field not carried over (or carried over with a
    /// change worth knowing).
    pub notes: Vec<String>,
}

/// eksctl's defaults for a node group without sizes (`desiredCapacity` 2; min and max follow
/// the desired count).
const EKSCTL_DEFAULT_DESIRED: u64 = 2;

struct Ctx {
    notes: Vec<String>,
    errors: Vec<Diagnostic>,
}

impl Ctx {
    fn note(&mut self, path: &str, why: impl Into<String>) {
        self.notes.push(format!("{path}: {}", why.into()));
    }
    fn error(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.errors
            .push(Diagnostic::new(path, message.into()).hint(hint.into()));
    }
    /// Report every key of `map` not in `known`.
    fn rest(&mut self, path: &str, map: &Map<String, Value>, known: &[&str]) {
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            self.note(&at, "not carried over (eksgen has no equivalent)");
        }
    }
}

fn as_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Convert a ClusterConfig. Errors are located in `text` and name `origin`.
pub fn import(text: &str, origin: &str) -> Result<Imported, IntentError> {
    let fail = |diagnostics: Vec<Diagnostic>| {
        let index = LocationIndex::build(text);
        IntentError {
            origin: origin.to_string(),
            source_text: text.to_string(),
            diagnostics: diagnostics
                .into_iter()
                .map(|mut d| {
                    d.position = index.locate(&d.path);
                    d
                })
                .collect(),
        }
    };
    let doc: Value = serde_saphyr::from_str(text).map_err(|e| {
        fail(vec![Diagnostic::new(
            "",
            format!("not a YAML document eksgen can read: {e}"),
        )])
    })?;
    let Value::Object(root) = doc else {
        return Err(fail(vec![Diagnostic::new(
            "",
            "an eksctl ClusterConfig is a mapping (apiVersion, kind, metadata, ...)",
        )]));
    };
    let mut cx = Ctx {
        notes: Vec::new(),
        errors: Vec::new(),
    };
    if as_str(root.get("kind")).as_deref() != Some("ClusterConfig") {
        cx.error(
            "kind",
            "expected `kind: ClusterConfig`",
            "eksgen imports eksctl ClusterConfig files (apiVersion: eksctl.io/v1alpha5)",
        );
    }
    let intent = convert(&root, &mut cx);
    if !cx.errors.is_empty() {
        return Err(fail(cx.errors));
    }
    Ok(Imported {
        intent_yaml: format!(
            "# Imported by eksgen from {} (eksctl ClusterConfig).\n{}",
            crate::render::escape::comment_text(origin),
            emit(&intent, 0)
        ),
        notes: cx.notes,
    })
}

fn convert(root: &Map<String, Value>, cx: &mut Ctx) -> Value {
    cx.rest(
        "",
        root,
        &[
            "apiVersion",
            "kind",
            "metadata",
            "availabilityZones",
            "vpc",
            "managedNodeGroups",
            "nodeGroups",
            "addons",
            "karpenter",
        ],
    );
    let empty = Map::new();
    let meta = root
        .get("metadata")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    cx.rest("metadata", meta, &["name", "region", "version", "tags"]);
    let name = as_str(meta.get("name"));
    if name.is_none() {
        cx.error(
            "metadata.name",
            "the cluster has no name",
            "set metadata.name",
        );
    }
    let region = as_str(meta.get("region"));
    if region.is_none() {
        cx.error(
            "metadata.region",
            "the cluster has no region",
            "set metadata.region (eksctl would take it from the AWS profile)",
        );
    }
    let version = match meta.get("version") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(_)) => {
            cx.error(
                "metadata.version",
                "the version is a YAML number (1.30 reads as 1.3)",
                "quote it, e.g. version: \"1.34\"",
            );
            None
        }
        _ => {
            cx.error(
                "metadata.version",
                "no Kubernetes version",
                "set metadata.version (eksgen pins the version; eksctl would take its default)",
            );
            None
        }
    };

    let mut spec = Map::new();
    spec.insert("region".into(), json!(region.unwrap_or_default()));
    spec.insert(
        "kubernetesVersion".into(),
        json!(version.unwrap_or_default()),
    );
    let mut network = Map::new();
    let zones: Vec<String> = root
        .get("availabilityZones")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|z| as_str(Some(z))).collect())
        .unwrap_or_default();
    vpc(root.get("vpc"), &zones, &mut network, &mut spec, cx);
    cni(root.get("addons"), &mut network, cx);
    spec.insert("network".into(), Value::Object(network));
    if let Some(Value::Object(tags)) = meta.get("tags") {
        spec.insert("tags".into(), Value::Object(tags.clone()));
    }
    if root.get("karpenter").is_some() {
        spec.insert("autoscaling".into(), json!({"karpenter": true}));
        cx.note(
            "karpenter",
            "carried over as autoscaling.karpenter: true; eksgen renders the AWS side and NodePools for `provisioner: karpenter` groups, not the chart version",
        );
    }
    let mut groups = Vec::new();
    for (key, provisioner) in [
        ("managedNodeGroups", "managed"),
        ("nodeGroups", "self-managed"),
    ] {
        for (i, g) in root
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(group) = node_group(&format!("{key}[{i}]"), g, provisioner, cx) {
                groups.push(group);
            }
        }
    }
    if groups.is_empty() {
        cx.error(
            "managedNodeGroups",
            "no node groups",
            "eksgen plans node groups; add managedNodeGroups or nodeGroups",
        );
    }
    spec.insert("nodeGroups".into(), Value::Array(groups));
    json!({
        "apiVersion": crate::intent::API_VERSION,
        "kind": crate::intent::KIND,
        "metadata": {"name": name.unwrap_or_default()},
        "spec": Value::Object(spec),
    })
}

fn vpc(
    vpc: Option<&Value>,
    zones: &[String],
    network: &mut Map<String, Value>,
    spec: &mut Map<String, Value>,
    cx: &mut Ctx,
) {
    let empty = Map::new();
    let v = vpc.and_then(Value::as_object).unwrap_or(&empty);
    cx.rest(
        "vpc",
        v,
        &[
            "id",
            "cidr",
            "subnets",
            "nat",
            "clusterEndpoints",
            "publicAccessCIDRs",
        ],
    );
    let cidr = as_str(v.get("cidr"));
    let mut zones: Vec<String> = zones.to_vec();
    let mut subnets = Vec::new();
    let subnet_map = v
        .get("subnets")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    cx.rest("vpc.subnets", subnet_map, &["private", "public"]);
    for role in ["private", "public"] {
        for (key, s) in subnet_map
            .get(role)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let path = format!("vpc.subnets.{role}.{key}");
            let fields = s.as_object().unwrap_or(&empty);
            cx.rest(&path, fields, &["id", "az", "cidr"]);
            let zone = as_str(fields.get("az")).unwrap_or_else(|| key.clone());
            if role == "private" && !zones.contains(&zone) {
                zones.push(zone.clone());
            }
            let mut entry = Map::new();
            match as_str(fields.get("id")) {
                Some(id) => entry.insert("id".into(), json!(id)),
                None => {
                    cx.error(
                        &path,
                        "a subnet without an id",
                        "eksgen uses existing subnets by id: add `id: subnet-…`",
                    );
                    None
                }
            };
            entry.insert("zone".into(), json!(zone));
            match as_str(fields.get("cidr")) {
                Some(c) => entry.insert("cidr".into(), json!(c)),
                None => {
                    cx.error(
                        &path,
                        "a subnet without its CIDR",
                        "eksgen budgets addresses against the subnet: add `cidr:` from `aws ec2 describe-subnets --subnet-ids ID`",
                    );
                    None
                }
            };
            entry.insert("role".into(), json!(role));
            subnets.push(Value::Object(entry));
        }
    }
    match (as_str(v.get("id")), subnets.is_empty()) {
        (Some(id), _) => {
            let Some(block) = cidr else {
                cx.error(
                    "vpc.cidr",
                    "an existing VPC without its CIDR",
                    "add `cidr:` (the VPC's primary block, from `aws ec2 describe-vpcs --vpc-ids ID`)",
                );
                return;
            };
            network.insert(
                "existingVpc".into(),
                json!({"id": id, "cidrBlocks": [block], "subnets": subnets}),
            );
            network.insert("secondaryCidrs".into(), json!("none"));
            cx.note(
                "vpc.id",
                "carried over as existingVpc with secondaryCidrs: none; set `secondaryCidrs: auto` to let eksgen add 100.64.0.0/10 blocks, and usedAddresses per subnet for an exact budget",
            );
        }
        (None, false) => cx.error(
            "vpc.subnets",
            "subnets without the VPC id",
            "add `vpc.id` (eksgen references existing subnets in a named VPC)",
        ),
        (None, true) => {
            network.insert(
                "vpcCidr".into(),
                json!(cidr.unwrap_or_else(|| "192.168.0.0/16".to_string())),
            );
            if v.get("cidr").is_none() {
                cx.note(
                    "vpc.cidr",
                    "not set: eksctl's default 192.168.0.0/16 carried over",
                );
            }
        }
    }
    network.insert("availabilityZones".into(), json!(zones));
    if let Some(nat) = v.get("nat").and_then(Value::as_object) {
        cx.rest("vpc.nat", nat, &["gateway"]);
        match as_str(nat.get("gateway")).as_deref() {
            Some("Single") => {
                network.insert("natGateway".into(), json!("single"));
            }
            Some("HighlyAvailable") | None => {}
            Some(other) => cx.note(
                "vpc.nat.gateway",
                format!("`{other}` not carried over: eksgen creates one NAT gateway per zone (or `natGateway: single`)"),
            ),
        }
    }
    let endpoints = v.get("clusterEndpoints").and_then(Value::as_object);
    if let Some(e) = endpoints {
        cx.rest(
            "vpc.clusterEndpoints",
            e,
            &["publicAccess", "privateAccess"],
        );
        if e.get("privateAccess") == Some(&json!(false)) {
            cx.note(
                "vpc.clusterEndpoints.privateAccess",
                "eksgen always turns private endpoint access on",
            );
        }
    }
    // eksctl's default is a public endpoint open to 0.0.0.0/0; eksgen's is private only.
    let public = endpoints
        .and_then(|e| e.get("publicAccess"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if public {
        let cidrs: Vec<String> = v
            .get("publicAccessCIDRs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|c| as_str(Some(c))).collect())
            .unwrap_or_else(|| vec!["0.0.0.0/0".to_string()]);
        if v.get("publicAccessCIDRs").is_none() {
            cx.note(
                "vpc.clusterEndpoints.publicAccess",
                "eksctl's public endpoint open to 0.0.0.0/0 carried over as publicAccessCidrs [0.0.0.0/0]; narrow it or set publicAccess: false",
            );
        }
        spec.insert(
            "endpoint".into(),
            json!({"publicAccess": true, "publicAccessCidrs": cidrs}),
        );
    }
}

fn cni(addons: Option<&Value>, network: &mut Map<String, Value>, cx: &mut Ctx) {
    let Some(list) = addons.and_then(Value::as_array) else {
        return;
    };
    for (i, a) in list.iter().enumerate() {
        let path = format!("addons[{i}]");
        let empty = Map::new();
        let fields = a.as_object().unwrap_or(&empty);
        let name = as_str(fields.get("name")).unwrap_or_default();
        if name != "vpc-cni" {
            cx.note(
                &path,
                format!("add-on `{name}` not carried over (eksgen installs vpc-cni, coredns, kube-proxy and eks-pod-identity-agent at their defaults)"),
            );
            continue;
        }
        cx.rest(&path, fields, &["name", "configurationValues"]);
        let Some(values) = as_str(fields.get("configurationValues")) else {
            continue;
        };
        let Ok(Value::Object(config)) = serde_json::from_str::<Value>(&values)
            .or_else(|_| serde_saphyr::from_str::<Value>(&values).map_err(|_| ()))
        else {
            cx.note(
                &format!("{path}.configurationValues"),
                "not JSON or YAML eksgen can read; not carried over",
            );
            continue;
        };
        let mut out = Map::new();
        for (key, value) in config
            .get("env")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let at = format!("{path}.configurationValues.env.{key}");
            let text = as_str(Some(value)).unwrap_or_default();
            let number = text.parse::<u64>().ok();
            let field = match key.as_str() {
                "WARM_ENI_TARGET" => Some("warmEniTarget"),
                "WARM_IP_TARGET" => Some("warmIpTarget"),
                "MINIMUM_IP_TARGET" => Some("minimumIpTarget"),
                "WARM_PREFIX_TARGET" => Some("warmPrefixTarget"),
                "MAX_ENI" => Some("maxEni"),
                "ENABLE_PREFIX_DELEGATION" => {
                    let mode = if text == "true" {
                        "prefix-delegation"
                    } else {
                        "secondary-ip"
                    };
                    out.insert("mode".into(), json!(mode));
                    None
                }
                "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG" | "ENI_CONFIG_LABEL_DEF" => {
                    cx.note(
                        &at,
                        "eksgen turns custom networking on itself when pods need secondaryCidrs",
                    );
                    None
                }
                _ => {
                    cx.note(
                        &at,
                        "not carried over (eksgen sets only the CNI settings it plans)",
                    );
                    None
                }
            };
            if let Some(field) = field {
                match number {
                    Some(n) => {
                        out.insert(field.into(), json!(n));
                    }
                    None => cx.note(
                        &at,
                        format!("`{text}` is not a whole number; not carried over"),
                    ),
                }
            }
        }
        for key in config.keys().filter(|k| *k != "env") {
            cx.note(
                &format!("{path}.configurationValues.{key}"),
                "not carried over (eksgen sets only the CNI env)",
            );
        }
        if !out.is_empty() {
            network.insert("cni".into(), Value::Object(out));
        }
    }
}

fn node_group(path: &str, g: &Value, provisioner: &str, cx: &mut Ctx) -> Option<Value> {
    let Some(fields) = g.as_object() else {
        cx.error(path, "a node group is a mapping", "see eksctl's schema");
        return None;
    };
    cx.rest(
        path,
        fields,
        &[
            "name",
            "instanceType",
            "instanceTypes",
            "minSize",
            "maxSize",
            "desiredCapacity",
            "labels",
            "taints",
            "maxPodsPerNode",
            "efaEnabled",
            "availabilityZones",
            "amiFamily",
            "spot",
            "volumeSize",
            "privateNetworking",
        ],
    );
    let mut out = Map::new();
    let Some(name) = as_str(fields.get("name")) else {
        cx.error(
            &format!("{path}.name"),
            "a node group without a name",
            "add `name:`",
        );
        return None;
    };
    out.insert("name".into(), json!(name));
    let mut types: Vec<String> = fields
        .get("instanceTypes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| as_str(Some(t))).collect())
        .unwrap_or_default();
    if let Some(t) = as_str(fields.get("instanceType")) {
        if t == "mixed" {
            // eksctl's marker for instancesDistribution, which is not carried over.
        } else if !types.contains(&t) {
            types.insert(0, t);
        }
    }
    if types.is_empty() {
        types.push("m5.large".to_string());
        cx.note(
            &format!("{path}.instanceType"),
            "not set: eksctl's default m5.large carried over",
        );
    }
    out.insert("instanceTypes".into(), json!(types));
    if provisioner != "managed" {
        out.insert("provisioner".into(), json!(provisioner));
    }
    match as_str(fields.get("amiFamily")).as_deref() {
        None | Some("AmazonLinux2023") => {}
        Some("AmazonLinux2") => {
            out.insert("amiFamily".into(), json!("al2"));
        }
        Some("Bottlerocket") => {
            out.insert("amiFamily".into(), json!("bottlerocket"));
        }
        Some(other) => cx.note(
            &format!("{path}.amiFamily"),
            format!("`{other}` is not an AMI family eksgen renders; the group uses AL2023"),
        ),
    }
    if fields.get("spot") == Some(&json!(true)) {
        out.insert("capacityType".into(), json!("spot"));
    }
    let number = |key: &str| fields.get(key).and_then(Value::as_u64);
    let desired = number("desiredCapacity")
        .or_else(|| number("minSize"))
        .unwrap_or(EKSCTL_DEFAULT_DESIRED);
    let min = number("minSize").unwrap_or(desired);
    let max = number("maxSize").unwrap_or(desired.max(min));
    out.insert(
        "scaling".into(),
        json!({"min": min, "desired": desired, "max": max}),
    );
    if let Some(m) = number("maxPodsPerNode") {
        out.insert("maxPods".into(), json!(m));
    }
    if let Some(zones) = fields.get("availabilityZones").and_then(Value::as_array) {
        out.insert("availabilityZones".into(), Value::Array(zones.clone()));
    }
    if fields.get("efaEnabled") == Some(&json!(true)) {
        out.insert("efa".into(), json!(true));
    }
    if let Some(size) = number("volumeSize") {
        out.insert("diskSizeGiB".into(), json!(size));
    }
    if fields.get("privateNetworking") == Some(&json!(false)) {
        cx.note(
            &format!("{path}.privateNetworking"),
            "eksgen always places nodes in private subnets",
        );
    }
    if let Some(Value::Object(labels)) = fields.get("labels") {
        out.insert("labels".into(), Value::Object(labels.clone()));
    }
    let taints: Vec<Value> = match fields.get("taints") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_object)
            .map(|t| {
                let mut taint = Map::new();
                taint.insert("key".into(), t.get("key").cloned().unwrap_or(Value::Null));
                if let Some(v) = t.get("value").filter(|v| !v.is_null()) {
                    taint.insert("value".into(), v.clone());
                }
                taint.insert(
                    "effect".into(),
                    t.get("effect").cloned().unwrap_or(json!("NoSchedule")),
                );
                Value::Object(taint)
            })
            .collect(),
        // Older self-managed form: `key: value:Effect`.
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, v)| {
                let text = as_str(Some(v)).unwrap_or_default();
                let (value, effect) = text
                    .split_once(':')
                    .unwrap_or((text.as_str(), "NoSchedule"));
                let mut taint = Map::new();
                taint.insert("key".into(), json!(key));
                if !value.is_empty() {
                    taint.insert("value".into(), json!(value));
                }
                taint.insert("effect".into(), json!(effect));
                Value::Object(taint)
            })
            .collect(),
        _ => Vec::new(),
    };
    if !taints.is_empty() {
        out.insert("taints".into(), Value::Array(taints));
    }
    Some(Value::Object(out))
}

/// Block-style YAML for the intent: mappings and lists of mappings as blocks, lists of
/// scalars in flow style, every string quoted (JSON strings are YAML strings).
fn emit(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    match value {
        Value::Object(map) => {
            let mut keys: Vec<(&String, &Value)> = map.iter().collect();
            keys.sort_by_key(|(k, _)| {
                (
                    KEY_ORDER
                        .iter()
                        .position(|o| o == k)
                        .unwrap_or(KEY_ORDER.len()),
                    k.as_str(),
                )
            });
            for (k, v) in keys {
                let key = yaml_key(k);
                match v {
                    Value::Object(m) if m.is_empty() => {
                        out.push_str(&format!("{pad}{key}: {{}}\n"))
                    }
                    Value::Object(_) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        out.push_str(&emit(v, indent + 2));
                    }
                    Value::Array(items) if items.iter().any(|i| i.is_object()) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        for item in items {
                            let body = emit(item, indent + 4);
                            let body = body.trim_start();
                            out.push_str(&format!("{pad}  - {body}"));
                        }
                    }
                    other => out.push_str(&format!("{pad}{key}: {}\n", scalar(other))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
    out
}

/// Keys in the order the docs and presets write them; others follow alphabetically.
const KEY_ORDER: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "name",
    "region",
    "kubernetesVersion",
    "endpoint",
    "publicAccess",
    "network",
    "vpcCidr",
    "existingVpc",
    "id",
    "cidrBlocks",
    "zone",
    "cidr",
    "role",
    "subnets",
    "availabilityZones",
    "secondaryCidrs",
    "cni",
    "mode",
    "autoscaling",
    "tags",
    "nodeGroups",
    "provisioner",
    "instanceTypes",
    "amiFamily",
    "capacityType",
    "scaling",
    "min",
    "desired",
    "max",
    "key",
    "value",
    "effect",
];

/// A string YAML reads back as the same string without quotes: no number, boolean or null
/// look-alike, no indicator characters.
fn plain(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~",
    ];
    let safe_chars = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !s.starts_with(['-', '.', '/']);
    // Anything starting with a digit might read as a number (1.33, 1e3, 0x1f), except CIDRs.
    let not_numeric = !s.starts_with(|c: char| c.is_ascii_digit()) || is_cidr_like(s);
    safe_chars && not_numeric && !SPECIAL.contains(&s.to_ascii_lowercase().as_str())
}

/// `10.0.0.0/16`: digits, dots and one slash, never a YAML number.
fn is_cidr_like(s: &str) -> bool {
    s.contains('/')
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '/'))
}

fn yaml_key(k: &str) -> String {
    if plain(k) {
        k.to_string()
    } else {
        yaml_string(k)
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain(s) => s.clone(),
        Value::String(s) => yaml_string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(scalar).collect::<Vec<_>>().join(", ")
        ),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: ml
  region: us-west-2
  version: "1.33"
  tags: { team: ml }
availabilityZones: [us-west-2a, us-west-2b]
vpc:
  cidr: 10.10.0.0/16
  nat: { gateway: Single }
  clusterEndpoints: { publicAccess: false, privateAccess: true }
iam:
  withOIDC: true
addons:
  - name: vpc-cni
    configurationValues: '{"env":{"WARM_ENI_TARGET":"1","ENABLE_PREFIX_DELEGATION":"false","AWS_VPC_K8S_CNI_LOGLEVEL":"DEBUG"}}'
  - name: aws-ebs-csi-driver
managedNodeGroups:
  - name: system
    instanceType: m6i.large
    minSize: 2
    maxSize: 4
    labels: { role: system }
    taints:
      - { key: dedicated, value: system, effect: NoSchedule }
    maxPodsPerNode: 58
    volumeSize: 80
    ssh: { allow: true }
  - name: train
    instanceTypes: [p5.48xlarge]
    desiredCapacity: 0
    maxSize: 2
    efaEnabled: true
    availabilityZones: [us-west-2a]
    spot: true
nodeGroups:
  - name: legacy
    instanceType: c5.2xlarge
    amiFamily: AmazonLinux2
    taints: { batch: "true:NoExecute" }
"#;

    #[test]
    fn plain_strings_read_back_as_strings() {
        for s in [
            "m5.large",
            "10.0.0.0/16",
            "nvidia.com/gpu",
            "NoSchedule",
            "us-west-2a",
        ] {
            assert!(plain(s), "{s}");
        }
        for s in [
            "1.33", "1e3", "0x1f", "true", "No", "~", "", "-x", "a b", "a:b", "8",
        ] {
            assert!(!plain(s), "{s}");
        }
    }

    #[test]
    fn fields_carry_over_and_the_rest_is_named() {
        let got = import(CONFIG, "cluster.yaml").unwrap();
        let intent = crate::intent::parse(&got.intent_yaml, "x.yaml")
            .unwrap_or_else(|e| panic!("{e}\n{}", got.intent_yaml))
            .0;
        let spec = &intent.spec;
        assert_eq!(spec.network.vpc_cidr.as_deref(), Some("10.10.0.0/16"));
        assert_eq!(spec.network.cni.warm_eni_target, Some(1));
        assert_eq!(spec.network.cni.mode, crate::intent::CniMode::SecondaryIp);
        let system = &spec.node_groups[0];
        assert_eq!(
            (
                system.scaling.min,
                system.scaling.desired,
                system.scaling.max
            ),
            (2, 2, 4)
        );
        assert_eq!(system.max_pods, crate::intent::MaxPodsSetting::Fixed(58));
        assert_eq!(system.disk_size_gi_b, Some(80));
        assert_eq!(system.taints[0].key, "dedicated");
        let train = &spec.node_groups[1];
        assert!(train.efa);
        assert_eq!(train.capacity_type, crate::intent::CapacityType::Spot);
        assert_eq!(
            (train.scaling.min, train.scaling.desired, train.scaling.max),
            (0, 0, 2)
        );
        let legacy = &spec.node_groups[2];
        assert_eq!(legacy.provisioner, crate::intent::Provisioner::SelfManaged);
        assert_eq!(legacy.ami_family, crate::intent::AmiFamily::Al2);
        assert_eq!(
            legacy.taints[0].effect,
            crate::intent::TaintEffect::NoExecute
        );
        let notes = got.notes.join("\n");
        for path in [
            "iam:",
            "managedNodeGroups[0].ssh:",
            "addons[1]:",
            "AWS_VPC_K8S_CNI_LOGLEVEL",
        ] {
            assert!(notes.contains(path), "{path} missing from\n{notes}");
        }
    }

    #[test]
    fn an_existing_vpc_needs_its_cidrs_and_the_errors_are_located() {
        let text = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: a\n  region: us-west-2\n  version: \"1.34\"\nvpc:\n  id: vpc-0123456789abcdef0\n  subnets:\n    private:\n      us-west-2a: { id: subnet-0123456789abcdef0 }\nmanagedNodeGroups:\n  - name: g\n";
        let err = import(text, "c.yaml").unwrap_err().to_string();
        assert!(
            err.contains("c.yaml:8:3: vpc.cidr: an existing VPC without its CIDR"),
            "{err}"
        );
        assert!(
            err.contains("vpc.subnets.private.us-west-2a: a subnet without its CIDR"),
            "{err}"
        );
    }
}
