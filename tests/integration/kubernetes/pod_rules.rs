//! The API-server validation rules (Kubernetes `pkg/apis/core/validation`) for the Pod fields
//! eksgen's workload snippets write, which an OpenAPI schema cannot express:
//!
//! - `podAffinityTerm.matchLabelKeys`: needs a non-nil `labelSelector`, and a key may not be
//!   in both `matchLabelKeys` and the `labelSelector` (create merges `key In (value)` into
//!   the selector first, then rejects the repeated key); keys are label keys,
//! - tolerations: `operator` is `Exists` or `Equal`, `Exists` takes no value, `effect` is
//!   `NoSchedule`, `PreferNoSchedule` or `NoExecute`, keys and values are label syntax,
//! - container resources: an extended resource (a domain-qualified name outside
//!   `kubernetes.io`) needs a limit, an integer quantity, and requests equal to limits;
//!   requests of cpu / memory are not above their limits; huge pages (`hugepages-<size>`)
//!   need a limit equal to the request, a whole number of pages, and a cpu or memory request
//!   or limit beside them ("HugePages require cpu or memory"),
//! - `nodeSelector` and annotation keys are qualified names, label values label syntax.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").unwrap());
static DNS_SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").unwrap()
});

/// A qualified name: `[prefix/]name`, name at most 63 characters, prefix a DNS subdomain.
pub fn qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| p.len() <= 253 && DNS_SUBDOMAIN.is_match(p));
    prefix_ok && name.len() <= 63 && NAME.is_match(name)
}

/// A label value: empty, or at most 63 characters of the name syntax.
pub fn label_value(value: &str) -> bool {
    value.is_empty() || (value.len() <= 63 && NAME.is_match(value))
}

/// An extended resource name as the API server sees it: domain-qualified, not native.
fn extended_resource(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => {
            !(domain == "kubernetes.io" || domain.ends_with(".kubernetes.io") || domain.is_empty())
        }
        None => false,
    }
}

/// Quantity in millis for cpu-style and plain quantities this test needs to compare.
fn quantity(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?;
    let (number, factor) = if let Some(n) = s.strip_suffix('m') {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix("Mi") {
        (n, 1024.0 * 1024.0)
    } else if let Some(n) = s.strip_suffix("Gi") {
        (n, 1024.0 * 1024.0 * 1024.0)
    } else if let Some(n) = s.strip_suffix("Ki") {
        (n, 1024.0)
    } else {
        (s, 1.0)
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// Every rule violation of one pod-template fragment (`metadata` and `spec`).
pub fn violations(pod: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let spec = &pod["spec"];
    for (key, _) in pod["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !qualified_name(key) {
            errors.push(format!(
                "metadata.annotations: {key:?} is not a qualified name"
            ));
        }
    }
    for (key, value) in spec["nodeSelector"].as_object().into_iter().flatten() {
        if !qualified_name(key) {
            errors.push(format!("nodeSelector: key {key:?} is not a qualified name"));
        }
        if !value.as_str().is_some_and(label_value) {
            errors.push(format!("nodeSelector: value {value} is not a label value"));
        }
    }
    for (i, t) in spec["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("tolerations[{i}]");
        let key = t["key"].as_str().unwrap_or("");
        let value = t["value"].as_str().unwrap_or("");
        if !key.is_empty() && !qualified_name(key) {
            errors.push(format!("{at}.key {key:?} is not a qualified name"));
        }
        match t["operator"].as_str().unwrap_or("Equal") {
            "Exists" if !value.is_empty() => {
                errors.push(format!("{at}: value must be empty when operator is Exists"))
            }
            "Exists" => {}
            "Equal" if !label_value(value) => {
                errors.push(format!("{at}.value {value:?} is not a label value"))
            }
            "Equal" => {}
            other => errors.push(format!("{at}.operator {other:?} is not Exists or Equal")),
        }
        if let Some(effect) = t.get("effect") {
            let ok = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
                .iter()
                .any(|e| effect == e);
            if !ok {
                errors.push(format!("{at}.effect {effect} is not a taint effect"));
            }
        }
    }
    for kind in ["podAffinity", "podAntiAffinity"] {
        let affinity = &spec["affinity"][kind];
        let required = affinity["requiredDuringSchedulingIgnoredDuringExecution"]
            .as_array()
            .into_iter()
            .flatten();
        let preferred = affinity["preferredDuringSchedulingIgnoredDuringExecution"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| &w["podAffinityTerm"]);
        for term in required.chain(preferred) {
            affinity_term(term, &format!("affinity.{kind}"), &mut errors);
        }
    }
    for (i, c) in spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        resources(&c["resources"], &format!("containers[{i}]"), &mut errors);
    }
    errors
}

fn affinity_term(term: &Value, at: &str, errors: &mut Vec<String>) {
    let keys = |field: &str| -> Vec<String> {
        term[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect()
    };
    let match_keys = keys("matchLabelKeys");
    let mismatch_keys = keys("mismatchLabelKeys");
    if term["topologyKey"]
        .as_str()
        .is_none_or(|k| !qualified_name(k))
    {
        errors.push(format!("{at}: topologyKey must be a qualified name"));
    }
    if (!match_keys.is_empty() || !mismatch_keys.is_empty()) && term["labelSelector"].is_null() {
        errors.push(format!(
            "{at}: matchLabelKeys / mismatchLabelKeys need a labelSelector"
        ));
    }
    let selector = &term["labelSelector"];
    let mut selector_keys: Vec<String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .collect();
    for e in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        selector_keys.push(e["key"].as_str().unwrap_or("").to_string());
        let op = e["operator"].as_str().unwrap_or("");
        let values = e["values"].as_array().map_or(0, Vec::len);
        match op {
            "In" | "NotIn" if values == 0 => {
                errors.push(format!("{at}: {op} needs values"));
            }
            "Exists" | "DoesNotExist" if values > 0 => {
                errors.push(format!("{at}: {op} takes no values"));
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => errors.push(format!("{at}: selector operator {other:?}")),
        }
    }
    for k in &match_keys {
        if !qualified_name(k) {
            errors.push(format!("{at}: matchLabelKeys {k:?} is not a label key"));
        }
        if selector_keys.contains(k) {
            errors.push(format!(
                "{at}: {k:?} exists in both matchLabelKeys and labelSelector"
            ));
        }
        if mismatch_keys.contains(k) {
            errors.push(format!(
                "{at}: {k:?} exists in both matchLabelKeys and mismatchLabelKeys"
            ));
        }
    }
    for k in &mismatch_keys {
        if selector_keys.contains(k) {
            errors.push(format!(
                "{at}: {k:?} exists in both mismatchLabelKeys and labelSelector"
            ));
        }
    }
}

/// Bytes of one page of a `hugepages-<size>` resource (`hugepages-2Mi` → 2 MiB).
fn huge_page_bytes(name: &str) -> Option<f64> {
    quantity(&Value::String(name.strip_prefix("hugepages-")?.to_string()))
}

fn resources(r: &Value, at: &str, errors: &mut Vec<String>) {
    let requests = r["requests"].as_object();
    let limits = r["limits"].as_object();
    let names = || {
        requests
            .into_iter()
            .flatten()
            .chain(limits.into_iter().flatten())
    };
    if names().any(|(n, _)| n.starts_with("hugepages-"))
        && !names().any(|(n, _)| n == "cpu" || n == "memory")
    {
        errors.push(format!("{at}: HugePages require cpu or memory"));
    }
    for (name, q) in names() {
        if let Some(page) = huge_page_bytes(name) {
            if quantity(q).is_none_or(|b| b < 0.0 || (b / page).fract() != 0.0) {
                errors.push(format!("{at}: {name} {q} is not a whole number of pages"));
            }
        }
    }
    for (name, request) in requests.into_iter().flatten() {
        if name.starts_with("hugepages-") {
            let limit = limits.and_then(|l| l.get(name));
            if limit.and_then(quantity) != quantity(request) {
                errors.push(format!(
                    "{at}: {name}: request {request} != limit {}",
                    limit.map_or("(none)".to_string(), ToString::to_string)
                ));
            }
        }
    }
    for (name, request) in requests.into_iter().flatten() {
        let limit = limits.and_then(|l| l.get(name));
        if extended_resource(name) {
            match limit {
                None => errors.push(format!(
                    "{at}: extended resource {name} is requested without a limit"
                )),
                Some(l) if quantity(l) != quantity(request) => errors.push(format!(
                    "{at}: extended resource {name}: request {request} != limit {l}"
                )),
                Some(_) => {}
            }
        } else if let (Some(req), Some(lim)) = (quantity(request), limit.and_then(quantity)) {
            if req > lim {
                errors.push(format!("{at}: {name} request {request} is above its limit"));
            }
        }
    }
    for (name, q) in requests
        .into_iter()
        .flatten()
        .chain(limits.into_iter().flatten())
    {
        if extended_resource(name) && quantity(q).is_none_or(|n| n.fract() != 0.0 || n < 0.0) {
            errors.push(format!(
                "{at}: extended resource {name} must be a whole number, got {q}"
            ));
        }
    }
}
