//! What the workloads need besides nodes: every rendered Helm values file uses only keys its
//! pinned chart accepts (vendored `values.yaml`, `tests/fixtures/charts/SOURCES.md`), every
//! cluster-autoscaler flag exists in every release eksgen may pin, the priority expander
//! prefers cheaper groups and its regexes pick exactly the right Auto Scaling groups, the
//! Karpenter settings name what the Terraform karpenter module creates, charts are installed
//! the way `spec.helm.install` says, zonalStateful storage, network policies, and the
//! Karpenter pools' expiry and instance store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eksgen::plan::{HelmComponent, HelmInstall, Plan, Provisioner};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan_file(path: &Path) -> Plan {
    let text = std::fs::read_to_string(path).unwrap();
    eksgen::pipeline::plan_from_text(&text, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn render(plan: &Plan) -> BTreeMap<String, String> {
    eksgen::render::render(plan, "origin.yaml").unwrap_or_else(|e| panic!("{e}"))
}

/// Every intent: the fixtures and the presets.
fn intents() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures/intents", "presets"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn yaml(text: &str, what: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"))
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/charts").join(name)).unwrap()
}

/// cluster-autoscaler flags defined in every release eksgen pins.
fn ca_flags() -> Vec<String> {
    fixture("cluster-autoscaler-flags.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Maps the chart passes on as-is, checked against another list (the `extraArgs` map becomes
/// `--<key>=<value>` flags of cluster-autoscaler).
const FREE_FORM: &[&str] = &["extraArgs"];

/// Where a rendered values key path fails against the chart's `values.yaml`, if it does.
/// Keys under a map whose chart default is empty (free-form maps such as
/// `expanderPriorities`) are accepted; keys under [`FREE_FORM`] are checked by the caller.
fn unknown_keys(rendered: &Value, chart: &Value, path: &str, out: &mut Vec<String>) {
    let Value::Object(map) = rendered else {
        return;
    };
    for (key, value) in map {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match chart.get(key) {
            None => out.push(here),
            Some(_) if FREE_FORM.contains(&here.as_str()) => {}
            Some(Value::Object(default)) if default.is_empty() => {}
            Some(default @ Value::Object(_)) => unknown_keys(value, default, &here, out),
            Some(_) => {}
        }
    }
}

/// (values file, chart fixture) for each Helm values file eksgen renders.
fn chart_for(path: &str) -> Option<&'static str> {
    match path {
        "helm/cluster-autoscaler-values.yaml" => Some("cluster-autoscaler-9.59.0-values.yaml"),
        "helm/karpenter-values.yaml" => Some("karpenter-1.14.1-values.yaml"),
        "device-plugins/nvidia-device-plugin-values.yaml" => {
            Some("nvidia-device-plugin-0.20.0-values.yaml")
        }
        "device-plugins/efa-device-plugin-values.yaml" => {
            Some("aws-efa-k8s-device-plugin-v0.5.30-values.yaml")
        }
        "device-plugins/neuron-device-plugin-values.yaml" => {
            Some("neuron-helm-chart-1.0.0-values.yaml")
        }
        _ => None,
    }
}

#[test]
fn every_values_key_exists_in_the_pinned_chart() {
    let flags = ca_flags();
    let mut checked = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        for (path, text) in render(&plan) {
            if !path.starts_with("helm/") && !path.starts_with("device-plugins/") {
                continue;
            }
            let what = format!("{}: {path}", intent.display());
            let chart_file = chart_for(&path).unwrap_or_else(|| panic!("{what}: no chart known"));
            let chart = yaml(&fixture(chart_file), chart_file);
            let values = yaml(&text, &what);
            let mut unknown = Vec::new();
            unknown_keys(&values, &chart, "", &mut unknown);
            assert!(
                unknown.is_empty(),
                "{what}: keys not in {chart_file}: {unknown:?}"
            );
            if let Some(Value::Object(args)) = values.get("extraArgs") {
                for flag in args.keys() {
                    assert!(
                        flags.contains(flag),
                        "{what}: extraArgs.{flag} is not a flag of every pinned cluster-autoscaler"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} values files checked");
}

#[test]
fn values_files_follow_the_plan_switches() {
    for intent in intents() {
        let plan = plan_file(&intent);
        let files = render(&plan);
        assert_eq!(
            files.contains_key("helm/cluster-autoscaler-values.yaml"),
            plan.autoscaling.cluster_autoscaler,
            "{}",
            intent.display()
        );
        assert_eq!(
            files.contains_key("helm/karpenter-values.yaml"),
            plan.autoscaling.karpenter,
            "{}",
            intent.display()
        );
    }
}

/// A name EKS could give a managed node group's Auto Scaling group: `eks-` + the node group
/// name (`<name>-` + 26 characters from `name_prefix`) + `-` + a UUID.
fn managed_asg(group: &str) -> String {
    format!("eks-{group}-20251201120000000000000001-7ac8d1f2-aaaa-bbbb-cccc-0123456789ab")
}

fn self_managed_asg(group: &str) -> String {
    format!("{group}-2025120112000000000000000a")
}

#[test]
fn priority_expander_prefers_cheaper_groups_and_matches_each_group_once() {
    let mut checked = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        let Some(ca) = &plan.autoscaling.cluster_autoscaler_config else {
            continue;
        };
        let what = intent.display().to_string();
        // Higher priority, lower price.
        for pair in ca.priorities.windows(2) {
            assert!(pair[0].priority > pair[1].priority, "{what}: {pair:?}");
            if let (Some(a), Some(b)) = (pair[0].hourly_cost_usd, pair[1].hourly_cost_usd) {
                assert!(a < b, "{what}: {pair:?}");
            }
        }
        let patterns: Vec<(u32, regex::Regex)> = ca
            .priorities
            .iter()
            .flat_map(|p| {
                p.patterns
                    .iter()
                    .map(move |r| (p.priority, regex::Regex::new(r).unwrap()))
            })
            .collect();
        for g in &plan.node_groups {
            let asg = match g.provisioner.as_str() {
                "managed" => managed_asg(&g.name),
                "self-managed" => self_managed_asg(&g.name),
                _ => {
                    let hits = patterns
                        .iter()
                        .filter(|(_, r)| r.is_match(&managed_asg(&g.name)))
                        .count();
                    assert_eq!(hits, 0, "{what}: Karpenter group {} in priorities", g.name);
                    continue;
                }
            };
            let hits: Vec<u32> = patterns
                .iter()
                .filter(|(_, r)| r.is_match(&asg))
                .map(|(p, _)| *p)
                .collect();
            assert_eq!(hits.len(), 1, "{what}: {asg} matched {hits:?}");
            let level = ca
                .priorities
                .iter()
                .find(|p| p.node_groups.contains(&g.name))
                .unwrap();
            assert_eq!(hits[0], level.priority, "{what}: {}", g.name);
            assert_eq!(
                level.hourly_cost_usd, g.hourly_cost_usd,
                "{what}: {}",
                g.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} groups checked");
}

#[test]
fn data_science_prefers_the_4g_tier_over_the_512g_tier() {
    let plan = plan_file(&root().join("presets/data-science.yaml"));
    let ca = plan.autoscaling.cluster_autoscaler_config.as_ref().unwrap();
    assert_eq!(ca.expander, "priority,least-waste");
    let priority_of = |name: &str| {
        ca.priorities
            .iter()
            .find(|p| p.node_groups.iter().any(|g| g == name))
            .map(|p| p.priority)
            .unwrap()
    };
    assert!(priority_of("notebook-4g") > priority_of("notebook-512g"));
    assert_eq!(ca.scale_down.unneeded_time, "5m");
    let values = yaml(
        &render(&plan)["helm/cluster-autoscaler-values.yaml"],
        "values",
    );
    let minor = plan.kubernetes_version.clone();
    let tag = values["image"]["tag"].as_str().unwrap();
    assert!(tag.starts_with(&format!("v{minor}.")), "{tag} for {minor}");
    assert_eq!(
        values["rbac"]["serviceAccount"]["name"],
        "cluster-autoscaler"
    );
    assert_eq!(
        values["autoDiscovery"]["clusterName"],
        plan.cluster.as_str()
    );
    // The chart renders the ConfigMap only when the expander list names `priority`.
    let expanders = values["extraArgs"]["expander"].as_str().unwrap();
    assert!(expanders.split(',').any(|e| e == "priority"));
}

/// The Terraform karpenter module's queue and Pod Identity defaults (v21.19.0 and v20.37.2:
/// `queue_name = coalesce(var.queue_name, "Karpenter-${var.cluster_name}")`, `namespace =
/// "kube-system"`, `service_account = "karpenter"`) hold only while karpenter.tf leaves them
/// unset.
#[test]
fn karpenter_settings_name_what_the_terraform_creates() {
    let mut checked = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        let Some(k) = &plan.autoscaling.karpenter_controller else {
            continue;
        };
        let files = render(&plan);
        let tf = &files["karpenter.tf"];
        for input in ["queue_name", "namespace", "service_account"] {
            assert!(
                !tf.lines().any(|l| l.trim_start().starts_with(input)),
                "{}: karpenter.tf sets {input}; the values file assumes the default",
                intent.display()
            );
        }
        let values = yaml(&files["helm/karpenter-values.yaml"], "karpenter values");
        assert_eq!(
            values["settings"]["interruptionQueue"],
            format!("Karpenter-{}", plan.cluster).as_str()
        );
        assert_eq!(values["settings"]["clusterName"], plan.cluster.as_str());
        assert_eq!(values["serviceAccount"]["name"], "karpenter");
        assert_eq!(values["replicas"], k.replicas);
        for component in [HelmComponent::KarpenterCrd, HelmComponent::Karpenter] {
            let chart = plan
                .helm
                .releases
                .iter()
                .find(|r| r.component == component)
                .unwrap_or_else(|| panic!("{}: no {component:?} release", intent.display()));
            assert_eq!(chart.namespace, "kube-system");
            if let Some(min) = &plan.autoscaling.karpenter_min_version {
                assert!(
                    eksgen::resolve::autoscalers::version_at_least(&chart.version, &min.version),
                    "{}: pinned {} below {}",
                    intent.display(),
                    chart.version,
                    min.version
                );
            }
        }
        // The chart's two replicas each need an always-on node outside Karpenter's pools
        // (required anti-affinity per host); the plan never asks for more than there are.
        let hosts: u32 = plan
            .node_groups
            .iter()
            .filter(|g| g.provisioner != Provisioner::Karpenter && g.taints.is_empty())
            .map(|g| g.scaling.min)
            .sum();
        assert!(
            k.replicas >= 1 && k.replicas <= hosts.max(1),
            "{}: {} replicas on {hosts} nodes",
            intent.display(),
            k.replicas
        );
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} Karpenter intents checked");
}

#[test]
fn zonal_stateful_groups_get_one_zone_a_bound_storage_class_and_the_driver() {
    let mut checked = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        let files = render(&plan);
        let what = intent.display().to_string();
        let any = plan.node_groups.iter().any(|g| g.zonal_stateful);
        assert_eq!(plan.ebs_csi_driver.is_some(), any, "{what}");
        if plan.existing_cluster.is_none() {
            assert_eq!(
                files["eks.tf"].contains("aws-ebs-csi-driver = {"),
                any,
                "{what}: add-on"
            );
            assert_eq!(
                plan.workload_roles
                    .iter()
                    .any(|r| r.service_account == "ebs-csi-controller-sa"),
                any,
                "{what}: controller role"
            );
        }
        for g in &plan.node_groups {
            let storage_file = format!("workloads/{}.storage.yaml", g.name);
            assert_eq!(
                files.contains_key(&storage_file),
                g.zonal_stateful,
                "{what}"
            );
            if !g.zonal_stateful {
                continue;
            }
            assert_eq!(g.availability_zones.len(), 1, "{what}: {}", g.name);
            let zone = &g.availability_zones[0];
            let docs: Vec<Value> = serde_saphyr::from_multiple(&files[&storage_file]).unwrap();
            let class = docs.iter().find(|d| d["kind"] == "StorageClass").unwrap();
            let claim = docs
                .iter()
                .find(|d| d["kind"] == "PersistentVolumeClaim")
                .unwrap();
            assert_eq!(class["provisioner"], "ebs.csi.aws.com");
            assert_eq!(class["volumeBindingMode"], "WaitForFirstConsumer");
            assert_eq!(class["parameters"]["type"], "gp3");
            let term = &class["allowedTopologies"][0]["matchLabelExpressions"][0];
            assert_eq!(term["key"], "topology.kubernetes.io/zone");
            assert_eq!(term["values"], serde_json::json!([zone]), "{what}");
            assert_eq!(claim["spec"]["storageClassName"], class["metadata"]["name"]);
            // The snippet mounts exactly that claim.
            let snippet = yaml(&files[&format!("workloads/{}.yaml", g.name)], &what);
            let volume = &snippet["spec"]["volumes"][0];
            assert_eq!(
                volume["persistentVolumeClaim"]["claimName"],
                claim["metadata"]["name"]
            );
            assert_eq!(
                snippet["spec"]["containers"][0]["volumeMounts"][0]["name"],
                volume["name"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} zonal groups checked");
}

#[test]
fn zonal_stateful_single_zone_is_info_not_warning() {
    let plan = plan_file(&root().join("presets/data-science.yaml"));
    let single: Vec<_> = plan.findings.iter().filter(|f| f.id == "EKSG007").collect();
    assert!(!single.is_empty());
    for f in single {
        assert_eq!(f.severity, eksgen::plan::Severity::Info, "{}", f.message);
        assert!(f.message.contains("zonalStateful"), "{}", f.message);
    }
}

#[test]
fn zonal_stateful_over_two_zones_is_refused() {
    let text = std::fs::read_to_string(root().join("presets/data-science.yaml"))
        .unwrap()
        .replace(
            "zonalStateful: true",
            "zonalStateful: true\n      availabilityZones: [us-west-2a, us-west-2b]",
        );
    let err = eksgen::pipeline::plan_from_text(&text, "two-zones.yaml")
        .expect_err("two zones must be refused");
    let msg = err.to_string();
    assert!(msg.contains("availabilityZones"), "{msg}");
    assert!(msg.contains("zonalStateful"), "{msg}");
}

#[test]
fn network_policy_switch_enables_the_agent_and_renders_deny_plus_allows() {
    let mut on = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        let files = render(&plan);
        let what = intent.display().to_string();
        let enabled = plan.network.network_policy.is_some();
        if plan.existing_cluster.is_none() {
            assert_eq!(
                files["eks.tf"].contains("enableNetworkPolicy = \"true\""),
                enabled,
                "{what}"
            );
        }
        let file = "workloads/default-deny.network-policy.yaml";
        assert_eq!(files.contains_key(file), enabled, "{what}");
        if !enabled {
            continue;
        }
        on += 1;
        let docs: Vec<Value> = serde_saphyr::from_multiple(&files[file]).unwrap();
        let by_name = |n: &str| {
            docs.iter()
                .find(|d| d["metadata"]["name"] == n)
                .unwrap_or_else(|| panic!("{what}: no {n}"))
        };
        let deny = by_name("default-deny");
        assert_eq!(deny["spec"]["podSelector"], serde_json::json!({}));
        assert_eq!(
            deny["spec"]["policyTypes"],
            serde_json::json!(["Ingress", "Egress"])
        );
        assert!(deny["spec"].get("ingress").is_none() && deny["spec"].get("egress").is_none());
        let dns = &by_name("allow-dns")["spec"]["egress"][0];
        assert_eq!(
            dns["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "kube-system"
        );
        assert_eq!(
            dns["to"][0]["podSelector"]["matchLabels"]["k8s-app"],
            "kube-dns"
        );
        let ports: Vec<(&str, i64)> = dns["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["protocol"].as_str().unwrap(), p["port"].as_i64().unwrap()))
            .collect();
        assert_eq!(ports, [("UDP", 53), ("TCP", 53)]);
        let agent = &by_name("allow-pod-identity-agent")["spec"]["egress"][0];
        assert_eq!(agent["to"][0]["ipBlock"]["cidr"], "169.254.170.23/32");
        assert_eq!(agent["ports"][0]["port"], 80);
        by_name("allow-same-namespace");
    }
    assert!(on >= 1, "no intent turns network policy on");
}

// ---------------------------------------------------------------------------------------------
// How the charts get installed (spec.helm.install).

fn plan_text(text: &str, origin: &str) -> Plan {
    eksgen::pipeline::plan_from_text(text, origin).unwrap_or_else(|e| panic!("{origin}: {e}"))
}

fn fixture_intent(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/intents").join(name)).unwrap()
}

fn hcl_body(text: &str, what: &str) -> hcl::Body {
    hcl::parse(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"))
}

/// `helm_release` blocks of a body, by resource name.
fn helm_releases(body: &hcl::Body) -> BTreeMap<String, &hcl::Block> {
    body.blocks()
        .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == "helm_release")
        .map(|b| (b.labels()[1].as_str().to_string(), b))
        .collect()
}

fn attr<'a>(block: &'a hcl::Block, key: &str) -> Option<&'a hcl::Expression> {
    block
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .map(hcl::Attribute::expr)
}

fn literal(e: &hcl::Expression) -> String {
    match e {
        hcl::Expression::String(s) => s.clone(),
        hcl::Expression::TemplateExpr(t) => t.to_string(),
        other => panic!("not a string literal: {other:?}"),
    }
}

#[test]
fn commands_mode_writes_the_exact_pinned_command_and_no_helm_tf() {
    let mut checked = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        if plan.helm.install != HelmInstall::Commands {
            continue;
        }
        let files = render(&plan);
        let what = intent.display().to_string();
        assert!(!files.contains_key("helm.tf"), "{what}");
        assert!(
            !files["versions.tf"].contains("hashicorp/helm"),
            "{what}: helm provider without helm.tf"
        );
        for r in &plan.helm.releases {
            let Some(file) = &r.values_file else { continue };
            let text = files
                .get(file)
                .unwrap_or_else(|| panic!("{what}: {file} not rendered"));
            let (chart, repo) = if r.repository.starts_with("oci://") {
                (format!("{}/{}", r.repository, r.chart), None)
            } else {
                (r.chart.clone(), Some(format!("--repo {}", r.repository)))
            };
            let command = format!("#   helm upgrade --install {} {chart} \\\n", r.release);
            assert!(text.contains(&command), "{what}: {file} lacks `{command}`");
            if let Some(repo) = repo {
                assert!(text.contains(&repo), "{what}: {file} lacks `{repo}`");
            }
            assert!(
                text.contains(&format!(
                    "--version {} --namespace {}",
                    r.version, r.namespace
                )),
                "{what}: {file}"
            );
            assert!(text.contains(&format!("-f {file}")), "{what}: {file}");
            assert!(!text.contains("<pinned>"), "{what}: {file}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} values files checked");
}

/// Every chart of the plan becomes one `helm_release` at the pinned version, reading the
/// values file eksgen wrote, after what it needs; the provider reaches the cluster the
/// configuration creates.
#[test]
fn terraform_mode_releases_every_chart_from_the_rendered_values() {
    let plan = plan_text(
        &fixture_intent("tf-helm-release.yaml"),
        "tf-helm-release.yaml",
    );
    assert_eq!(plan.helm.install, HelmInstall::Terraform);
    let files = render(&plan);
    let body = hcl_body(&files["helm.tf"], "helm.tf");
    let releases = helm_releases(&body);
    assert_eq!(releases.len(), plan.helm.releases.len());
    for r in &plan.helm.releases {
        let name = r.release.replace('-', "_");
        let block = releases
            .get(&name)
            .unwrap_or_else(|| panic!("no helm_release.{name}"));
        for (key, want) in [
            ("name", &r.release),
            ("repository", &r.repository),
            ("chart", &r.chart),
            ("version", &r.version),
            ("namespace", &r.namespace),
        ] {
            assert_eq!(literal(attr(block, key).unwrap()), *want, "{name}.{key}");
        }
        let values = attr(block, "values")
            .map(|e| e.to_string())
            .unwrap_or_default();
        if let Some(file) = &r.values_file {
            assert!(files.contains_key(file), "{name}: {file} not rendered");
            assert!(values.contains(&format!("/{file}")), "{name}: {values}");
        }
        for v in &r.values_from_terraform {
            let leaf = v.key.rsplit('.').next().unwrap();
            assert!(values.contains(leaf), "{name}: {} not set: {values}", v.key);
        }
        let depends = attr(block, "depends_on").unwrap().to_string();
        match r.component {
            HelmComponent::Karpenter => {
                assert!(depends.contains("helm_release.karpenter_crd"), "{depends}");
                assert!(depends.contains("module.karpenter"), "{depends}");
                assert_eq!(
                    attr(block, "skip_crds").map(ToString::to_string).as_deref(),
                    Some("true")
                );
            }
            HelmComponent::ClusterAutoscaler => {
                assert!(depends.contains("module.eks"), "{depends}");
                assert!(
                    depends.contains("aws_eks_pod_identity_association.cluster_autoscaler"),
                    "{depends}"
                );
            }
            _ => assert!(depends.contains("module.eks"), "{name}: {depends}"),
        }
    }
    // The headers say Terraform installs the chart, with no command to run by hand.
    let ca = &files["helm/cluster-autoscaler-values.yaml"];
    assert!(ca.contains("helm_release.cluster_autoscaler"), "{ca}");
    assert!(!ca.contains("helm upgrade"), "{ca}");
    // One provider, configured from module "eks" with an exec credential.
    let provider = body
        .blocks()
        .find(|b| b.identifier() == "provider" && b.labels()[0].as_str() == "helm")
        .expect("provider helm");
    let kube = attr(provider, "kubernetes").unwrap().to_string();
    for want in [
        "module.eks.cluster_endpoint",
        "module.eks.cluster_certificate_authority_data",
        "get-token",
        "module.eks.cluster_name",
        "us-east-1",
    ] {
        assert!(kube.contains(want), "{want} not in {kube}");
    }
    let versions = hcl_body(&files["versions.tf"], "versions.tf");
    let required = versions
        .blocks()
        .find(|b| b.identifier() == "terraform")
        .and_then(|t| {
            t.body()
                .blocks()
                .find(|b| b.identifier() == "required_providers")
        })
        .expect("required_providers");
    let helm = attr(required, "helm")
        .expect("helm provider requirement")
        .to_string();
    assert!(
        helm.contains("hashicorp/helm") && helm.contains(">= 3.0, < 4.0"),
        "{helm}"
    );
    // The endpoint is private with an admin network: an info that says where to run it.
    let f = plan
        .findings
        .iter()
        .find(|f| f.id == "EKSG034")
        .expect("EKSG034");
    assert_eq!(f.severity, eksgen::plan::Severity::Info);
    assert!(f.message.contains("10.99.0.0/16"), "{}", f.message);
}

#[test]
fn terraform_mode_without_an_admin_network_warns_and_public_endpoints_do_not() {
    let text = fixture_intent("tf-helm-release.yaml");
    let private = plan_text(
        &text.replace(
            "    privateAccessCidrs: [10.99.0.0/16]\n",
            "    privateAccessCidrs: []\n",
        ),
        "private.yaml",
    );
    let f = private
        .findings
        .iter()
        .find(|f| f.id == "EKSG034")
        .expect("EKSG034");
    assert_eq!(f.severity, eksgen::plan::Severity::Warning);
    let public = plan_text(
        &text.replace(
            "    privateAccessCidrs: [10.99.0.0/16]\n",
            "    publicAccess: true\n    publicAccessCidrs: [203.0.113.0/24]\n",
        ),
        "public.yaml",
    );
    assert!(public.findings.iter().all(|f| f.id != "EKSG034"));
}

/// A child module configures no provider: its example root passes one, built from the
/// module's outputs.
#[test]
fn terraform_mode_in_the_module_layout_leaves_the_provider_to_the_caller() {
    let text = fixture_intent("tf-helm-release.yaml")
        .replace("  helm:\n", "  terraform:\n    layout: module\n  helm:\n");
    let plan = plan_text(&text, "module.yaml");
    let files = render(&plan);
    let body = hcl_body(&files["helm.tf"], "helm.tf");
    assert!(body.blocks().all(|b| b.identifier() != "provider"));
    assert!(!helm_releases(&body).is_empty());
    let example = hcl_body(&files["examples/root/main.tf"], "example");
    let provider = example
        .blocks()
        .find(|b| b.identifier() == "provider" && b.labels()[0].as_str() == "helm")
        .expect("example provider helm");
    let kube = attr(provider, "kubernetes").unwrap().to_string();
    for output in [
        "module.cluster.cluster_endpoint",
        "module.cluster.cluster_certificate_authority_data",
        "module.cluster.cluster_name",
    ] {
        assert!(kube.contains(output), "{output} not in {kube}");
        let name = output.rsplit('.').next().unwrap();
        assert!(
            files["outputs.tf"].contains(&format!("output \"{name}\"")),
            "outputs.tf lacks {name}"
        );
    }
}

#[test]
fn terraform_mode_with_an_existing_cluster_is_refused() {
    let text = fixture_intent("tf-existing-cluster-gpu.yaml").replace(
        "  existingCluster:",
        "  helm:\n    install: terraform\n  existingCluster:",
    );
    let err = eksgen::pipeline::plan_from_text(&text, "existing.yaml").expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("spec.helm.install"), "{msg}");
    assert!(msg.contains("commands"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// What the daemonsets take on a one-pod node.

/// Requests of the daemonsets every node runs, from the components' own defaults
/// (docs/workloads.md): kube-proxy 100m; aws-node 25m plus its network policy agent
/// container, which the vpc-cni chart gives the same 25m.
const BASE_DAEMONSETS_CPU: u64 = 100 + 25 + 25;
/// ebs-csi-node (aws-ebs-csi-driver chart 2.64.0): ebs-plugin 10m / 40Mi,
/// node-driver-registrar and liveness-probe 10m / 32Mi each.
const EBS_CSI_NODE: (u64, u64) = (10 + 10 + 10, 40 + 32 + 32);
/// aws-efa-k8s-device-plugin v0.5.30 requests.
const EFA_PLUGIN: (u64, u64) = (10, 20);

#[test]
fn one_pod_requests_leave_room_for_every_daemonset_on_the_node() {
    let mut checked = 0;
    for intent in intents() {
        let plan = plan_file(&intent);
        for g in &plan.node_groups {
            let Some(req) = &g.one_pod_request else {
                continue;
            };
            let mut cpu = BASE_DAEMONSETS_CPU;
            let mut mem = 0;
            if plan.ebs_csi_driver.is_some() {
                cpu += EBS_CSI_NODE.0;
                mem += EBS_CSI_NODE.1;
            }
            if g.efa {
                cpu += EFA_PLUGIN.0;
                mem += EFA_PLUGIN.1;
            }
            let what = format!("{}: {}", intent.display(), g.name);
            assert!(
                req.cpu_millicores + cpu <= g.allocatable.cpu_millicores,
                "{what}: {}m + {cpu}m > {}m",
                req.cpu_millicores,
                g.allocatable.cpu_millicores
            );
            assert!(
                req.memory_mib + mem <= g.allocatable.memory_mib,
                "{what}: {} + {mem} MiB > {} MiB",
                req.memory_mib,
                g.allocatable.memory_mib
            );
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} one-pod groups checked");
}

// ---------------------------------------------------------------------------------------------
// Karpenter pools: expiry (review m1) and instance store (review m2).

fn docs(text: &str, what: &str) -> Vec<Value> {
    serde_saphyr::from_multiple(text).unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[test]
fn pools_whose_pods_block_eviction_never_expire_and_others_bound_the_drain() {
    let (mut never, mut bounded) = (0, 0);
    for intent in intents() {
        let plan = plan_file(&intent);
        let files = render(&plan);
        for g in plan.node_groups.iter().filter(|g| g.karpenter.is_some()) {
            let what = format!("{}: {}", intent.display(), g.name);
            let all = docs(&files[&format!("karpenter/{}.yaml", g.name)], &what);
            let pool = all.iter().find(|d| d["kind"] == "NodePool").unwrap();
            let spec = &pool["spec"]["template"]["spec"];
            let snippet = yaml(&files[&format!("workloads/{}.yaml", g.name)], &what);
            let do_not_disrupt =
                snippet["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"] == "true";
            assert_eq!(
                do_not_disrupt,
                pool["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty",
                "{what}"
            );
            if do_not_disrupt {
                // Expiry would leave the node draining until the pod ends; a grace period
                // would delete the running pod and open the node to drift.
                assert_eq!(spec["expireAfter"], "Never", "{what}");
                assert!(spec.get("terminationGracePeriod").is_none(), "{what}");
                never += 1;
            } else {
                assert_eq!(spec["expireAfter"], "720h", "{what}");
                assert_eq!(spec["terminationGracePeriod"], "48h", "{what}");
                bounded += 1;
            }
        }
    }
    assert!(
        never >= 2 && bounded >= 2,
        "{never} never, {bounded} bounded"
    );
}

#[test]
fn karpenter_types_with_local_nvme_put_kubelet_and_images_on_raid0() {
    let catalog = eksgen::catalog::Catalog::embedded();
    let (mut raid, mut plain) = (0, 0);
    for intent in intents() {
        let plan = plan_file(&intent);
        let files = render(&plan);
        for g in plan.node_groups.iter().filter(|g| g.karpenter.is_some()) {
            let what = format!("{}: {}", intent.display(), g.name);
            let all_nvme = g.instance_types.iter().all(|t| {
                catalog
                    .get(t)
                    .unwrap_or_else(|| panic!("{what}: {t}"))
                    .local_nvme_gb
                    > 0
            });
            let all = docs(&files[&format!("karpenter/{}.yaml", g.name)], &what);
            let class = all.iter().find(|d| d["kind"] == "EC2NodeClass").unwrap();
            if all_nvme {
                assert_eq!(class["spec"]["instanceStorePolicy"], "RAID0", "{what}");
                raid += 1;
            } else {
                assert!(class["spec"].get("instanceStorePolicy").is_none(), "{what}");
                plain += 1;
            }
        }
    }
    assert!(raid >= 2 && plain >= 1, "{raid} RAID0, {plain} without");
}
