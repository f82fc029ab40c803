//! The Terraform renderer's output: it parses, `terraform fmt` leaves it alone, every module
//! argument is an input of the pinned module version, user strings survive any content, and
//! the files for representative intents are pinned by snapshots.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use eksgen::plan::{AmiFamily, EksModule, MaxPodsPath, Plan, Provisioner, TaintEffect};
use hcl::expr::{Expression, ObjectKey};
use serde_json::Value as Json;

const INTENTS: &[&str] = &[
    "tf-gpu-efa",
    "tf-custom-networking",
    "tf-bottlerocket",
    "tf-al2",
    "tf-self-managed",
    "tf-v20",
    "tf-capacity-block",
    "tf-existing-vpc-guide",
    "tf-existing-vpc-roomy",
    "tf-existing-vpc-pods",
    "tf-module-layout",
    "tf-existing-cluster-gpu",
    "tf-existing-cluster-karpenter",
    "tf-access",
    "tf-helm-release",
    "tf-registry-replication",
    "tf-registry-pull-through-cache",
    "tf-registry-v20-module",
];

fn plan_from(text: &str, origin: &str) -> Plan {
    let catalog = eksgen::catalog::Catalog::embedded();
    let intent = eksgen::intent::parse_and_validate(text, origin, catalog)
        .unwrap_or_else(|e| panic!("{origin}: {e}"));
    eksgen::resolve::resolve(&intent, catalog).unwrap_or_else(|e| panic!("{origin}: {e:?}"))
}

fn fixture_plan(name: &str) -> Plan {
    let path = format!(
        "{}/tests/fixtures/intents/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    plan_from(&text, &path)
}

/// Only the `.tf` files (the Kubernetes renderer adds others).
fn tf_files(plan: &Plan) -> BTreeMap<String, String> {
    eksgen::render::render(plan, "origin.yaml")
        .expect("render")
        .into_iter()
        .filter(|(path, _)| path.ends_with(".tf"))
        .collect()
}

/// Every plan the tests render: the fixtures and the shipped presets, resolved once for all
/// the tests of this module (resolve is pure; each test renders what it checks itself).
fn all_plans() -> &'static [(String, Plan)] {
    static PLANS: std::sync::OnceLock<Vec<(String, Plan)>> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| {
        let mut out: Vec<(String, Plan)> = INTENTS
            .iter()
            .map(|n| ((*n).to_string(), fixture_plan(n)))
            .collect();
        for (name, _, text) in eksgen::presets::PRESETS {
            out.push((format!("preset {name}"), plan_from(text, name)));
        }
        out
    })
}

fn parse(name: &str, path: &str, text: &str) -> hcl::Body {
    hcl::from_str::<hcl::Body>(text)
        .unwrap_or_else(|e| panic!("{name} {path} does not parse: {e}\n{text}"))
}

fn body_of(plan: &Plan) -> hcl::Body {
    let mut all = hcl::Body::builder();
    // The module's own files; `examples/root/` (module layout) is another module.
    for (path, text) in tf_files(plan).into_iter().filter(|(p, _)| !p.contains('/')) {
        for structure in parse(&plan.cluster, &path, &text) {
            all = all.add_structure(structure);
        }
    }
    all.build()
}

#[test]
fn every_tf_file_parses_and_starts_with_the_header() {
    for (name, plan) in all_plans() {
        let files = tf_files(plan);
        let network = if plan.network.existing_vpc.is_some() {
            "network.tf"
        } else {
            "vpc.tf"
        };
        let settings = if plan.terraform_layout == eksgen::plan::TerraformLayout::Module {
            "locals.tf"
        } else {
            "providers.tf"
        };
        let cluster = if plan.existing_cluster.is_some() {
            "node_groups.tf"
        } else {
            "eks.tf"
        };
        for required in ["versions.tf", settings, network, cluster, "outputs.tf"] {
            assert!(files.contains_key(required), "{name}: no {required}");
        }
        for (path, text) in &files {
            assert!(
                text.starts_with(&eksgen::render::header("origin.yaml")),
                "{name} {path}: no generated-file header"
            );
            parse(name, path, text);
        }
    }
}

#[test]
fn output_is_deterministic() {
    for (name, plan) in all_plans() {
        assert_eq!(tf_files(plan), tf_files(plan), "{name}");
    }
}

#[test]
fn terraform_fmt_leaves_the_output_unchanged() {
    if !crate::common::terraform_available("terraform fmt -check of generated .tf files") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, plan) in all_plans() {
        let sub = dir.path().join(name.replace(' ', "-"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        for (path, text) in tf_files(plan) {
            let file = sub.join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, text).expect("write");
        }
    }
    let out = Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-recursive", "-no-color"])
        .arg(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .expect("run terraform fmt");
    assert!(
        out.status.success(),
        "terraform fmt would change:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Schema: every argument is an input of the module version it is passed to.

/// A Terraform type constraint, as far as object field names go.
#[derive(Debug, Clone)]
enum Ty {
    Any,
    Primitive(String),
    Object(BTreeMap<String, Ty>),
    /// `map(T)`, `list(T)`, `set(T)`.
    Collection(Box<Ty>),
}

/// Parse a type string such as `map(object({a = optional(string, "x"), b = list(number)}))`.
/// A type constraint is an HCL expression (`string` a variable, `map(...)` a call), so
/// hcl-rs parses it; this only reads the tree.
fn parse_type(s: &str) -> Ty {
    let expr: Expression = s
        .parse()
        .unwrap_or_else(|e| panic!("type `{s}` does not parse: {e}"));
    type_of(&expr, s)
}

fn type_of(expr: &Expression, whole: &str) -> Ty {
    match expr {
        Expression::Variable(v) => match v.as_str() {
            "any" => Ty::Any,
            p @ ("string" | "number" | "bool") => Ty::Primitive(p.to_string()),
            other => panic!("unknown type `{other}` in `{whole}`"),
        },
        Expression::FuncCall(call) => {
            let arg = |i: usize| {
                call.args.get(i).unwrap_or_else(|| {
                    panic!("`{}` without argument {i} in `{whole}`", call.name.name)
                })
            };
            match call.name.name.as_str() {
                "map" | "list" | "set" => Ty::Collection(Box::new(type_of(arg(0), whole))),
                // The default value (argument 1) does not change the field's type.
                "optional" => type_of(arg(0), whole),
                "object" => match arg(0) {
                    Expression::Object(fields) => Ty::Object(
                        fields
                            .iter()
                            .map(|(k, v)| (key_text(k), type_of(v, whole)))
                            .collect(),
                    ),
                    other => panic!("object type without fields: {other:?} in `{whole}`"),
                },
                "tuple" => Ty::Any,
                other => panic!("unknown type `{other}` in `{whole}`"),
            }
        }
        other => panic!("not a type constraint: {other:?} in `{whole}`"),
    }
}

fn key_text(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => panic!("object key is not a literal: {other:?}"),
    }
}

/// Check `value` against `ty`: object keys must be fields, literals must have the right kind.
fn check_value(ty: &Ty, value: &Expression, at: &str, errors: &mut Vec<String>) {
    match (ty, value) {
        (Ty::Any, _) => {}
        (Ty::Object(fields), Expression::Object(obj)) => {
            for (k, v) in obj {
                let k = key_text(k);
                match fields.get(&k) {
                    Some(t) => check_value(t, v, &format!("{at}.{k}"), errors),
                    None => errors.push(format!("{at}: `{k}` is not a field of the object type")),
                }
            }
        }
        (Ty::Collection(inner), Expression::Object(obj)) => {
            for (k, v) in obj {
                check_value(inner, v, &format!("{at}[{}]", key_text(k)), errors);
            }
        }
        (Ty::Collection(inner), Expression::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                check_value(inner, v, &format!("{at}[{i}]"), errors);
            }
        }
        (Ty::Object(_), Expression::Array(_)) => {
            errors.push(format!("{at}: a list where an object is expected"));
        }
        (Ty::Primitive(p), v) => {
            let ok = match v {
                Expression::String(_) | Expression::TemplateExpr(_) => p == "string",
                Expression::Number(_) => p == "number" || p == "string",
                Expression::Bool(_) => p == "bool" || p == "string",
                Expression::Array(_) | Expression::Object(_) => false,
                _ => true, // references and function calls: not checked here
            };
            if !ok {
                errors.push(format!("{at}: {v:?} is not a {p}"));
            }
        }
        _ => {}
    }
}

struct Schema {
    version: String,
    sections: BTreeMap<String, BTreeMap<String, Ty>>,
}

fn schema(file: &str) -> Schema {
    let path = format!(
        "{}/tests/fixtures/schemas/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let json: Json =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file")).expect("json");
    let mut sections = BTreeMap::new();
    for (section, inputs) in json["inputs"].as_object().expect("inputs") {
        let inputs = inputs
            .as_object()
            .expect("section")
            .iter()
            .map(|(name, spec)| {
                let ty = spec["type"].as_str().expect("type");
                (name.clone(), parse_type(ty))
            })
            .collect();
        sections.insert(section.clone(), inputs);
    }
    Schema {
        version: json["version"].as_str().expect("version").to_string(),
        sections,
    }
}

/// Module sources and the schema section their arguments are checked against.
fn check_module(
    block: &hcl::Block,
    eks: &Schema,
    vpc: &Schema,
    v20: bool,
    errors: &mut Vec<String>,
) {
    let label = block.labels()[0].as_str().to_string();
    let attr = |name: &str| {
        block
            .body()
            .attributes()
            .find(|a| a.key() == name)
            .map(|a| a.expr().clone())
    };
    let Some(Expression::String(source)) = attr("source") else {
        panic!("module {label}: no literal source");
    };
    let Some(Expression::String(version)) = attr("version") else {
        panic!("module {label}: no literal version");
    };
    let (schema, section) = match source.as_str() {
        "terraform-aws-modules/eks/aws" => (eks, "root"),
        "terraform-aws-modules/eks/aws//modules/karpenter" => (eks, "karpenter"),
        // Existing cluster: node groups through the standalone sub-modules.
        "terraform-aws-modules/eks/aws//modules/eks-managed-node-group" => {
            (eks, "eks-managed-node-group")
        }
        "terraform-aws-modules/eks/aws//modules/self-managed-node-group" => {
            (eks, "self-managed-node-group")
        }
        // v20 output pins terraform-aws-vpc 5.21.0 (AWS provider 5.x); its inputs used here
        // are checked against the 6.6.0 schema, the only one vendored.
        "terraform-aws-modules/vpc/aws" => (vpc, "root"),
        other => panic!("module {label}: unexpected source {other}"),
    };
    let vpc_v5 = v20 && source == "terraform-aws-modules/vpc/aws";
    if vpc_v5 {
        assert_eq!(version, "5.21.0", "module {label}");
    } else {
        assert_eq!(
            version, schema.version,
            "module {label} pins another version"
        );
    }
    let inputs = &schema.sections[section];
    for a in block.body().attributes() {
        let key = a.key();
        if key == "source" || key == "version" {
            continue;
        }
        let at = format!("module.{label}.{key}");
        let Some(ty) = inputs.get(key) else {
            errors.push(format!("{at}: not an input of {source} {}", schema.version));
            continue;
        };
        check_value(ty, a.expr(), &at, errors);
        // v20 types node groups as `any`: check each entry against the sub-module's inputs,
        // minus the cluster-level ones the root module sets itself.
        let sub = match key {
            "eks_managed_node_groups" if v20 => Some("eks-managed-node-group"),
            "self_managed_node_groups" if v20 => Some("self-managed-node-group"),
            _ => None,
        };
        if let (Some(sub), Expression::Object(groups)) = (sub, a.expr()) {
            let sub_inputs = &schema.sections[sub];
            for (name, entry) in groups {
                let Expression::Object(fields) = entry else {
                    errors.push(format!("{at}: entry is not an object"));
                    continue;
                };
                for (k, v) in fields {
                    let k = key_text(k);
                    let at = format!("{at}[{}].{k}", key_text(name));
                    match sub_inputs.get(&k) {
                        Some(_) if k.starts_with("cluster_") && k != "cluster_version" => {
                            errors.push(format!("{at}: set by the root module, ignored here"));
                        }
                        Some(t) => check_value(t, v, &at, errors),
                        None => errors.push(format!("{at}: not an input of {sub}")),
                    }
                }
            }
        }
    }
}

#[test]
fn module_arguments_are_inputs_of_the_pinned_versions() {
    let v21 = schema("terraform-aws-eks-21.19.0.json");
    let v20 = schema("terraform-aws-eks-20.37.2.json");
    let vpc = schema("terraform-aws-vpc-6.6.0.json");
    let mut checked = BTreeSet::new();
    // Existing clusters call the sub-modules directly: check them in the other major too.
    let mut plans = all_plans().to_vec();
    for (name, plan) in plans.clone() {
        if plan.existing_cluster.is_some() {
            let mut flipped = plan;
            flipped.eks_module = if flipped.eks_module == EksModule::V20 {
                EksModule::V21
            } else {
                EksModule::V20
            };
            plans.push((format!("{name} (other major)"), flipped));
        }
    }
    for (name, plan) in plans {
        let is_v20 = plan.eks_module == EksModule::V20;
        let eks = if is_v20 { &v20 } else { &v21 };
        let mut errors = Vec::new();
        for block in body_of(&plan)
            .blocks()
            .filter(|b| b.identifier() == "module")
        {
            check_module(block, eks, &vpc, is_v20, &mut errors);
            checked.insert((block.labels()[0].as_str().to_string(), is_v20));
        }
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
    // The fixtures exercise every module in both major versions.
    for module in ["vpc", "eks", "karpenter"] {
        for v20 in [false, true] {
            assert!(
                checked.contains(&(module.to_string(), v20)),
                "{module} v20={v20} unchecked"
            );
        }
    }
}

#[test]
fn the_schema_check_catches_misspelled_arguments() {
    let v21 = schema("terraform-aws-eks-21.19.0.json");
    let vpc = schema("terraform-aws-vpc-6.6.0.json");
    let src = r#"
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"
  cluster_name = "x"
  eks_managed_node_groups = {
    a = {
      instance_type = "m5.large"
      metadata_options = { http_put_response_hop_limt = 2 }
      taints = { t = { key = "k", effect = "NO_SCHEDULE", colour = "red" } }
    }
  }
}
"#;
    let body: hcl::Body = hcl::from_str(src).expect("parse");
    let mut errors = Vec::new();
    for block in body.blocks() {
        check_module(block, &v21, &vpc, false, &mut errors);
    }
    let text = errors.join("\n");
    for bad in [
        "cluster_name",
        "instance_type",
        "http_put_response_hop_limt",
        "colour",
    ] {
        assert!(text.contains(bad), "{bad} not reported:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Escaping: user strings come back exactly.

fn eval(e: &Expression) -> hcl::Value {
    hcl::eval::Evaluate::evaluate(e, &hcl::eval::Context::new())
        .unwrap_or_else(|err| panic!("cannot evaluate {e:?}: {err}"))
}

fn module<'a>(body: &'a hcl::Body, name: &str) -> &'a hcl::Block {
    body.blocks()
        .find(|b| b.identifier() == "module" && b.labels()[0].as_str() == name)
        .unwrap_or_else(|| panic!("no module {name}"))
}

fn arg<'a>(block: &'a hcl::Block, name: &str) -> &'a Expression {
    block
        .body()
        .attributes()
        .find(|a| a.key() == name)
        .map(hcl::Attribute::expr)
        .unwrap_or_else(|| panic!("no argument {name}"))
}

fn field<'a>(e: &'a Expression, name: &str) -> &'a Expression {
    let Expression::Object(obj) = e else {
        panic!("not an object: {e:?}")
    };
    obj.iter()
        .find(|(k, _)| key_text(k) == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no field {name} in {e:?}"))
}

fn string(e: &Expression) -> String {
    match eval(e) {
        hcl::Value::String(s) => s,
        other => panic!("not a string: {other:?}"),
    }
}

/// Tag values with every character validation allows keep their exact value.
#[test]
fn tag_values_allowed_by_validation_come_back_exactly() {
    let plan = fixture_plan("tf-gpu-efa");
    assert_eq!(plan.tags["cost-center"], "cc:1234/a=b+c@d");
    let body = body_of(&plan);
    let locals = body
        .blocks()
        .find(|b| b.identifier() == "locals")
        .expect("locals");
    let tags = arg(locals, "tags");
    for (k, v) in &plan.tags {
        assert_eq!(&string(field(tags, k)), v);
    }
}

/// Strings validation would reject still cannot break out of their literal: the renderer is
/// safe on any plan.
#[test]
fn hostile_strings_come_back_exactly() {
    let hostile = "a\"b ${x} %{ if } \\ \n }EOT\nEOT\n#'q";
    let mut plan = fixture_plan("tf-self-managed");
    plan.cluster = hostile.to_string();
    plan.autoscaling.karpenter = true;
    plan.tags.insert(format!("k{hostile}"), hostile.to_string());
    plan.network.cni.env.insert("X".into(), hostile.into());
    plan.network.cni.settings[0].reason = hostile.into();
    for g in &mut plan.node_groups {
        g.labels.insert("example.com/l".into(), hostile.into());
        g.max_pods_reason = hostile.into();
    }
    plan.node_groups[0].name = hostile.to_string();
    plan.node_groups[0]
        .autoscaler_tags
        .insert(hostile.into(), hostile.into());

    let body = body_of(&plan);
    let eks = module(&body, "eks");
    assert_eq!(string(arg(eks, "name")), hostile);
    assert_eq!(string(arg(module(&body, "vpc"), "name")), hostile);
    assert_eq!(
        string(field(
            arg(eks, "node_security_group_tags"),
            "karpenter.sh/discovery"
        )),
        hostile
    );
    let locals = body
        .blocks()
        .find(|b| b.identifier() == "locals")
        .expect("locals");
    assert_eq!(
        string(field(arg(locals, "tags"), &format!("k{hostile}"))),
        hostile
    );

    let groups = arg(eks, "self_managed_node_groups");
    let first = field(groups, hostile);
    assert_eq!(
        string(field(field(first, "autoscaling_group_tags"), hostile)),
        hostile
    );
    // AL2023: the flag inside the NodeConfig YAML inside the heredoc.
    let Expression::Array(parts) = field(first, "cloudinit_pre_nodeadm") else {
        panic!("no cloudinit parts")
    };
    let yaml = string(field(&parts[0], "content"));
    let doc: Json = serde_saphyr::from_str(&yaml).expect("NodeConfig YAML");
    let flags: Vec<&str> = doc["spec"]["kubelet"]["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f.as_str().expect("flag"))
        .collect();
    assert!(
        flags[0].contains(&format!("example.com/l={hostile}")),
        "{flags:?}"
    );
    // Bottlerocket: the TOML basic string inside the heredoc.
    let toml = string(field(field(groups, "gpu"), "bootstrap_extra_args"));
    let quoted = serde_json::to_string(hostile).expect("json");
    assert!(
        toml.contains(&format!("\"example.com/l\" = {quoted}")),
        "{toml}"
    );
    // AL2: one single-quoted shell word.
    let al2 = string(field(field(groups, "old"), "bootstrap_extra_args"));
    let word = format!("'{}'", hostile.replace('\'', r"'\''"));
    assert!(
        al2.contains(&format!("example.com/l={}", &word[1..word.len() - 1])),
        "{al2}"
    );
    // The CNI env value inside jsonencode().
    let vpc_cni = field(arg(eks, "addons"), "vpc-cni");
    let Expression::FuncCall(call) = field(vpc_cni, "configuration_values") else {
        panic!("configuration_values is not jsonencode(...)")
    };
    assert_eq!(string(field(field(&call.args[0], "env"), "X")), hostile);

    // Managed groups' cluster-autoscaler tags, in the for_each of aws_autoscaling_group_tag.
    let mut plan = fixture_plan("tf-gpu-efa");
    plan.node_groups[1]
        .autoscaler_tags
        .insert(hostile.into(), hostile.into());
    let body = body_of(&plan);
    let res = body
        .blocks()
        .find(|b| b.identifier() == "resource")
        .expect("aws_autoscaling_group_tag");
    let hcl::Value::Object(each) = eval(arg(res, "for_each")) else {
        panic!("for_each")
    };
    let hcl::Value::Object(entry) = &each[&format!("train/{hostile}")] else {
        panic!("entry")
    };
    assert_eq!(entry["key"], hcl::Value::from(hostile));
    assert_eq!(entry["value"], hcl::Value::from(hostile));
}

#[test]
fn hostile_zone_and_group_names_stay_literal() {
    let hostile = "z\"${a}%{b}";
    let mut plan = fixture_plan("tf-custom-networking");
    let az = plan.network.availability_zones[0].clone();
    plan.network.availability_zones[0] = hostile.to_string();
    for s in &mut plan.network.subnets {
        if s.az == az {
            s.az = hostile.to_string();
        }
    }
    for g in &mut plan.node_groups {
        for a in &mut g.availability_zones {
            if *a == az {
                *a = hostile.to_string();
            }
        }
    }
    plan.node_groups[1].name = hostile.to_string();
    // On a custom AMI, so the group has an AMI data source named after it.
    plan.node_groups[1].max_pods_delivery.path = eksgen::plan::MaxPodsPath::CustomAmi;
    let body = body_of(&plan);
    let Expression::Array(azs) = arg(module(&body, "vpc"), "azs") else {
        panic!("azs")
    };
    assert_eq!(string(&azs[0]), hostile);
    let pods = body
        .blocks()
        .find(|b| b.identifier() == "output" && b.labels()[0].as_str() == "pod_subnet_ids")
        .expect("pod_subnet_ids");
    let Expression::Object(map) = arg(pods, "value") else {
        panic!("value")
    };
    assert!(map.iter().any(|(k, _)| key_text(k) == hostile));
    let groups = arg(module(&body, "eks"), "eks_managed_node_groups");
    field(groups, hostile);
    // Its AMI data source falls back to a positional name.
    assert!(
        body.blocks()
            .any(|b| b.identifier() == "data" && b.labels()[1].as_str() == "ami__1")
    );
}

// ---------------------------------------------------------------------------------------------
// Layout facts the other renderer and the cluster depend on.

#[test]
fn node_groups_use_the_private_subnets_of_their_zones() {
    let plan = fixture_plan("tf-v20");
    let body = body_of(&plan);
    let eks = module(&body, "eks");
    let train = field(arg(eks, "eks_managed_node_groups"), "train");
    let Expression::Array(subnets) = field(train, "subnet_ids") else {
        panic!("subnet_ids")
    };
    // us-east-2b is the second cluster zone.
    assert_eq!(subnets.len(), 1);
    assert!(
        format!("{:?}", subnets[0]).contains("Number(1)"),
        "{:?}",
        subnets[0]
    );
    assert_eq!(string(field(train, "placement_group_az")), "us-east-2b");
    assert_eq!(eval(arg(eks, "enable_efa_support")), hcl::Value::Bool(true));
}

#[test]
fn cni_env_is_exactly_the_plan_env() {
    // An existing cluster's add-ons are the user's: EKSG030 compares them instead.
    for (name, plan) in all_plans()
        .iter()
        .filter(|(_, p)| p.existing_cluster.is_none())
    {
        let body = body_of(plan);
        let eks = module(&body, "eks");
        let addons = arg(
            eks,
            if plan.eks_module == EksModule::V20 {
                "cluster_addons"
            } else {
                "addons"
            },
        );
        let vpc_cni = field(addons, "vpc-cni");
        assert_eq!(
            eval(field(vpc_cni, "before_compute")),
            hcl::Value::Bool(true)
        );
        let Expression::FuncCall(call) = field(vpc_cni, "configuration_values") else {
            panic!("{name}: configuration_values")
        };
        let hcl::Value::Object(env) = eval(field(&call.args[0], "env")) else {
            panic!("{name}: env")
        };
        let env: BTreeMap<String, String> = env
            .into_iter()
            .map(|(k, v)| (k, v.as_str().expect("string value").to_string()))
            .collect();
        assert_eq!(env, plan.network.cni.env, "{name}");
        for addon in ["coredns", "kube-proxy", "eks-pod-identity-agent"] {
            field(addons, addon);
        }
    }
}

#[test]
fn max_pods_reach_the_kubelet_on_every_module_owned_path() {
    for (name, plan) in all_plans() {
        let files = tf_files(plan);
        let eks = &files[if plan.existing_cluster.is_some() {
            "node_groups.tf"
        } else {
            "eks.tf"
        }];
        for g in &plan.node_groups {
            let wanted = match (g.max_pods_delivery.path.as_str(), g.ami_family.as_str()) {
                ("custom-ami" | "self-managed", "al2023") => format!("maxPods: {}", g.max_pods),
                ("custom-ami" | "self-managed", "bottlerocket") => {
                    format!("max-pods = {}", g.max_pods)
                }
                ("custom-ami" | "self-managed", "al2") => format!("--max-pods={}", g.max_pods),
                _ => continue,
            };
            assert!(eks.contains(&wanted), "{name} {}: no `{wanted}`", g.name);
        }
    }
}

#[test]
fn managed_group_autoscaler_tags_go_on_the_auto_scaling_group() {
    let plan = fixture_plan("tf-gpu-efa");
    let body = body_of(&plan);
    let res = body
        .blocks()
        .find(|b| {
            b.identifier() == "resource" && b.labels()[0].as_str() == "aws_autoscaling_group_tag"
        })
        .expect("aws_autoscaling_group_tag");
    let hcl::Value::Object(each) = eval(arg(res, "for_each")) else {
        panic!("for_each")
    };
    // EKS itself sets the two auto-discovery tags on a managed group's Auto Scaling group.
    let eks_owned = [
        "k8s.io/cluster-autoscaler/enabled".to_string(),
        format!("k8s.io/cluster-autoscaler/{}", plan.cluster),
    ];
    let ours = |g: &eksgen::plan::NodeGroupPlan| {
        g.autoscaler_tags
            .clone()
            .into_iter()
            .filter(|(k, _)| !eks_owned.contains(k))
            .collect::<Vec<_>>()
    };
    let want: usize = plan.node_groups.iter().map(|g| ours(g).len()).sum();
    assert_eq!(each.len(), want);
    for g in &plan.node_groups {
        for k in &eks_owned {
            assert!(
                g.autoscaler_tags.contains_key(k),
                "the plan still lists {k}"
            );
            assert!(!each.contains_key(&format!("{}/{k}", g.name)));
        }
        for (k, v) in &ours(g) {
            let hcl::Value::Object(entry) = &each[&format!("{}/{k}", g.name)] else {
                panic!("entry is not an object")
            };
            assert_eq!(entry["node_group"], hcl::Value::from(g.name.clone()));
            assert_eq!(entry["key"], hcl::Value::from(k.clone()));
            assert_eq!(entry["value"], hcl::Value::from(v.clone()));
        }
    }
    let name = format!("{:?}", arg(res, "autoscaling_group_name"));
    assert!(
        name.contains("eks_managed_node_groups")
            && name.contains("node_group_autoscaling_group_names")
    );
}

// ---------------------------------------------------------------------------------------------
// Snapshots: one per intent, all `.tf` files under `=== path ===` headers.

fn joined(plan: &Plan) -> String {
    tf_files(plan)
        .into_iter()
        .map(|(path, text)| format!("=== {path} ===\n{text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `tests/integration/snapshots/integration__terraform__<fixture without tf->.snap`, e.g. `integration__terraform__gpu_efa.snap`.
#[test]
fn snapshots() {
    for name in INTENTS {
        let snapshot = name.trim_start_matches("tf-").replace('-', "_");
        insta::assert_snapshot!(snapshot, joined(&fixture_plan(name)));
    }
}

#[test]
fn fixtures_are_all_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intents");
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".yaml")?;
            stem.starts_with("tf-").then(|| stem.to_string())
        })
        .collect();
    let listed: BTreeSet<String> = INTENTS.iter().map(|s| (*s).to_string()).collect();
    assert_eq!(on_disk, listed);
}

// ---------------------------------------------------------------------------------------------
// What the Kubernetes renderer's manifests expect the Terraform to create.

/// Every `role:` and placement group an EC2NodeClass names exists in the Terraform.
#[test]
fn kubernetes_manifests_find_what_terraform_creates() {
    let plan = fixture_plan("tf-custom-networking");
    let all = eksgen::render::render(&plan, "origin.yaml").expect("render");
    assert!(
        !all.keys().any(|p| p.contains("eniconfig")),
        "ENIConfigs come from the vpc-cni add-on, not from a file to apply"
    );
    let body = body_of(&plan);

    let karpenter = module(&body, "karpenter");
    let role = string(arg(karpenter, "node_iam_role_name"));
    assert_eq!(
        eval(arg(karpenter, "node_iam_role_use_name_prefix")),
        hcl::Value::Bool(false)
    );
    let placement_groups: BTreeSet<String> = body
        .blocks()
        .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == "aws_placement_group")
        .map(|b| string(arg(b, "name")))
        .collect();
    let mut selected = BTreeSet::new();
    for (path, text) in all.iter().filter(|(p, _)| p.starts_with("karpenter/")) {
        for doc in text.split("\n---\n") {
            let yaml: Json = match serde_saphyr::from_str(doc) {
                Ok(y) => y,
                Err(_) => continue,
            };
            if yaml["kind"] != "EC2NodeClass" {
                continue;
            }
            assert_eq!(yaml["spec"]["role"], Json::from(role.clone()), "{path}");
            if let Some(name) = yaml["spec"]["placementGroupSelector"]["name"].as_str() {
                selected.insert(name.to_string());
            }
        }
    }
    assert!(
        !selected.is_empty(),
        "the fixture has an EFA Karpenter group"
    );
    assert_eq!(selected, placement_groups);
}

/// An existing cluster's EC2NodeClasses: a role eksgen creates is the karpenter module's
/// node role, the module reads the existing cluster, and every tag a subnet term selects is
/// on the node subnets eksgen creates (ids name the existing private subnets).
#[test]
fn existing_cluster_node_classes_find_what_terraform_creates() {
    let plan = fixture_plan("tf-existing-cluster-karpenter");
    let body = body_of(&plan);
    let karpenter = module(&body, "karpenter");
    assert_eq!(
        arg(karpenter, "cluster_name").to_string(),
        "data.aws_eks_cluster.this.name"
    );
    let role = string(arg(karpenter, "node_iam_role_name"));
    let subnets = body
        .blocks()
        .find(|b| b.identifier() == "resource" && b.labels()[0].as_str() == "aws_subnet")
        .expect("the fixture moves nodes to subnets eksgen creates");
    let Expression::FuncCall(merge) = arg(subnets, "tags") else {
        panic!("tags are merge(local.tags, {{...}})")
    };
    let Expression::Object(own) = &merge.args[1] else {
        panic!("{:?}", merge.args[1])
    };
    // Literal tags only (`Name` is a format() call).
    let subnet_tags: BTreeMap<String, String> = own
        .iter()
        .filter_map(|(k, v)| match v {
            Expression::String(v) => Some((key_text(k), v.clone())),
            _ => None,
        })
        .collect();
    let all = eksgen::render::render(&plan, "origin.yaml").expect("render");
    let mut classes = 0;
    for (path, text) in all.iter().filter(|(p, _)| p.starts_with("karpenter/")) {
        for doc in text.split("\n---\n") {
            let Ok(yaml) = serde_saphyr::from_str::<Json>(doc) else {
                continue;
            };
            if yaml["kind"] != "EC2NodeClass" {
                continue;
            }
            classes += 1;
            assert_eq!(yaml["spec"]["role"], Json::from(role.clone()), "{path}");
            for term in yaml["spec"]["subnetSelectorTerms"].as_array().unwrap() {
                for (k, v) in term["tags"].as_object().expect("new subnets: by tag") {
                    assert_eq!(
                        subnet_tags.get(k).map(String::as_str),
                        v.as_str(),
                        "{path}: subnet tag {k}"
                    );
                }
            }
        }
    }
    assert_eq!(classes, 2);
}

/// Every `data.X.Y` an output file references is declared in it, in both majors and for
/// existing clusters too (whose files leave out `iam.tf` and `eks.tf`).
#[test]
fn referenced_data_sources_are_declared() {
    let reference = regex::Regex::new(r"\bdata\.([a-z0-9_]+)\.([a-z0-9_]+)").unwrap();
    for (name, plan) in all_plans() {
        let mut flipped = plan.clone();
        flipped.eks_module = if plan.eks_module == EksModule::V20 {
            EksModule::V21
        } else {
            EksModule::V20
        };
        for p in [plan, &flipped] {
            let body = body_of(p);
            let declared: BTreeSet<(String, String)> = body
                .blocks()
                .filter(|b| b.identifier() == "data")
                .map(|b| {
                    (
                        b.labels()[0].as_str().to_string(),
                        b.labels()[1].as_str().to_string(),
                    )
                })
                .collect();
            let text: String = tf_files(p)
                .into_iter()
                .filter(|(path, _)| !path.contains('/'))
                .map(|(_, t)| t)
                .collect();
            for c in reference.captures_iter(&text) {
                let key = (c[1].to_string(), c[2].to_string());
                assert!(
                    declared.contains(&key),
                    "{name} (v{}): data.{}.{} is not declared",
                    p.eks_module,
                    key.0,
                    key.1
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Add-ons: what EKS accepts, and what exists before the first node joins.

/// Every plan in both terraform-aws-eks majors (the same plan with `eksModule` flipped: the
/// add-on layout must hold for either).
fn all_plans_both_majors() -> Vec<(String, Plan)> {
    let mut out = Vec::new();
    // An existing cluster's add-ons are the user's (no module "eks" is rendered).
    for (name, plan) in all_plans()
        .iter()
        .filter(|(_, p)| p.existing_cluster.is_none())
    {
        let other = if plan.eks_module == EksModule::V20 {
            EksModule::V21
        } else {
            EksModule::V20
        };
        let mut flipped = plan.clone();
        flipped.eks_module = other;
        out.push((format!("{name} (v{})", plan.eks_module), plan.clone()));
        out.push((format!("{name} (v{other})"), flipped));
    }
    out
}

fn addons<'a>(eks: &'a hcl::Block, plan: &Plan) -> &'a Expression {
    arg(
        eks,
        if plan.eks_module == EksModule::V20 {
            "cluster_addons"
        } else {
            "addons"
        },
    )
}

/// Stand-in id of `aws_subnet.pods[zone]` (pod subnets eksgen adds to an existing VPC).
fn existing_pod_subnet_id(az: &str) -> String {
    format!("subnet-pod-{az}")
}

/// Stand-in id of `module.vpc.intra_subnets[i]`.
fn pod_subnet_id(i: usize) -> String {
    format!("subnet-pod{i}")
}

/// The vpc-cni `configuration_values` as the JSON EKS receives: the `jsonencode()` argument
/// evaluated with stand-in ids for the VPC module's pod (intra) subnets.
fn vpc_cni_values(name: &str, plan: &Plan) -> Json {
    let body = body_of(plan);
    let eks = module(&body, "eks");
    let vpc_cni = field(addons(eks, plan), "vpc-cni");
    let Expression::FuncCall(call) = field(vpc_cni, "configuration_values") else {
        panic!("{name}: configuration_values is not a function call")
    };
    assert_eq!(call.name.to_string(), "jsonencode", "{name}");
    let ids: Vec<hcl::Value> = (0..plan.network.availability_zones.len())
        .map(|i| hcl::Value::from(pod_subnet_id(i)))
        .collect();
    let mut vpc = hcl::Map::new();
    vpc.insert("intra_subnets".to_string(), hcl::Value::Array(ids));
    let mut modules = hcl::Map::new();
    modules.insert("vpc".to_string(), hcl::Value::Object(vpc));
    let mut ctx = hcl::eval::Context::new();
    ctx.declare_var("module", hcl::Value::Object(modules));
    // Existing VPC: the pod subnets are eksgen's own `aws_subnet.pods[zone]` resources.
    let mut pods = hcl::Map::new();
    for az in &plan.network.availability_zones {
        let mut subnet = hcl::Map::new();
        subnet.insert(
            "id".to_string(),
            hcl::Value::from(existing_pod_subnet_id(az)),
        );
        pods.insert(az.clone(), hcl::Value::Object(subnet));
    }
    let mut resources = hcl::Map::new();
    resources.insert("pods".to_string(), hcl::Value::Object(pods));
    ctx.declare_var("aws_subnet", hcl::Value::Object(resources));
    let value = hcl::eval::Evaluate::evaluate(&call.args[0], &ctx)
        .unwrap_or_else(|e| panic!("{name}: configuration_values does not evaluate: {e}"));
    serde_json::to_value(value).expect("JSON")
}

/// The add-on's configuration schema (tests/fixtures/schemas/SOURCES.md), with its `boolean`
/// and `integer` string formats checked.
fn addon_schema() -> jsonschema::Validator {
    let path = format!(
        "{}/tests/fixtures/schemas/vpc-cni-addon-configuration.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let schema: Json =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema")).expect("JSON");
    jsonschema::options()
        .with_format("boolean", |s: &str| s == "true" || s == "false")
        .with_format("integer", |s: &str| {
            !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
        })
        .should_validate_formats(true)
        .build(&schema)
        .expect("a valid schema")
}

fn addon_errors(v: &jsonschema::Validator, values: &Json) -> Vec<String> {
    v.iter_errors(values)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn vpc_cni_configuration_values_use_only_what_the_addon_accepts() {
    let schema = addon_schema();
    let (mut checked, mut with_eni_config) = (0, 0);
    for (name, plan) in all_plans_both_majors() {
        let values = vpc_cni_values(&name, &plan);
        let errors = addon_errors(&schema, &values);
        assert!(errors.is_empty(), "{name}: {values}\n{}", errors.join("\n"));
        checked += 1;
        with_eni_config += usize::from(values.get("eniConfig").is_some());
    }
    assert!(
        with_eni_config > 0 && with_eni_config < checked,
        "{with_eni_config} of {checked}"
    );
}

#[test]
fn the_addon_schema_rejects_what_eks_would() {
    let schema = addon_schema();
    let good = serde_json::json!({
        "env": { "ENABLE_PREFIX_DELEGATION": "true", "WARM_IP_TARGET": "2" },
        "eniConfig": { "create": true, "region": "us-west-2", "subnets": { "us-west-2a": { "id": "subnet-1" } } }
    });
    assert!(addon_errors(&schema, &good).is_empty());
    let mut bad: Vec<(&str, Json)> = Vec::new();
    let mut v = good.clone();
    v["env"]["ENABLE_PREFIX_DELEGATON"] = "true".into();
    bad.push(("misspelled env name", v));
    let mut v = good.clone();
    v["env"]["WARM_IP_TARGET"] = 2.into();
    bad.push(("number instead of string", v));
    let mut v = good.clone();
    v["env"]["ENABLE_PREFIX_DELEGATION"] = "yes".into();
    bad.push(("not a boolean string", v));
    let mut v = good.clone();
    v["env"]["WARM_IP_TARGET"] = "two".into();
    bad.push(("not an integer string", v));
    let mut v = good.clone();
    v["eniConfig"].as_object_mut().unwrap().remove("region");
    bad.push(("eniConfig without region", v));
    let mut v = good.clone();
    v["eniConfig"]["subnets"]["us-west-2a"] = serde_json::json!({ "subnet": "subnet-1" });
    bad.push(("subnet entry without id", v));
    let mut v = good.clone();
    v["eniConfig"]["subnets"] = serde_json::json!({});
    bad.push(("no subnets", v));
    let mut v = good.clone();
    v["eniConfigs"] = serde_json::json!({});
    bad.push(("unknown top-level key", v));
    for (what, v) in bad {
        assert!(!addon_errors(&schema, &v).is_empty(), "{what} not rejected");
    }
}

/// ENIConfig objects the vpc-cni chart renders from `eniConfig` (its
/// `templates/eniconfig.yaml`): one per `subnets` key, named after the key, `spec.subnet` = the
/// entry's `id`, `spec.securityGroups` only when given.
fn chart_eniconfigs(eni_config: &Json) -> Vec<Json> {
    if eni_config["create"] != Json::Bool(true) {
        return Vec::new();
    }
    let subnets = eni_config["subnets"].as_object().expect("subnets");
    subnets
        .iter()
        .map(|(key, entry)| {
            let mut spec = serde_json::json!({ "subnet": entry["id"] });
            if let Some(sgs) = entry.get("securityGroups") {
                spec["securityGroups"] = sgs.clone();
            }
            serde_json::json!({
                "apiVersion": "crd.k8s.amazonaws.com/v1alpha1",
                "kind": "ENIConfig",
                "metadata": { "name": key },
                "spec": spec
            })
        })
        .collect()
}

fn eniconfig_crd() -> jsonschema::Validator {
    let path = format!(
        "{}/tests/fixtures/schemas/crd.k8s.amazonaws.com_eniconfigs.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let crd: Json =
        serde_saphyr::from_str(&std::fs::read_to_string(&path).expect("CRD")).expect("CRD YAML");
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    jsonschema::validator_for(schema).expect("CRD schema")
}

#[test]
fn custom_networking_gives_every_zone_an_eni_config_on_its_pod_subnet() {
    let crd = eniconfig_crd();
    let mut checked = 0;
    for (name, plan) in all_plans_both_majors() {
        let values = vpc_cni_values(&name, &plan);
        if !plan.network.custom_networking {
            assert!(values.get("eniConfig").is_none(), "{name}: {values}");
            continue;
        }
        let eni = &values["eniConfig"];
        assert_eq!(eni["create"], Json::Bool(true), "{name}");
        assert_eq!(eni["region"], Json::from(plan.region.clone()), "{name}");
        if plan.network.existing_vpc.is_some() {
            let docs = chart_eniconfigs(eni);
            for az in &plan.network.availability_zones {
                assert!(
                    docs.iter().any(|d| d["metadata"]["name"] == az.as_str()
                        && d["spec"]["subnet"] == existing_pod_subnet_id(az).as_str()),
                    "{name}: {az} has no ENIConfig on its pod subnet"
                );
            }
            checked += 1;
            continue;
        }
        // intra_subnets[i] is the VPC module's i-th intra subnet: find which pod subnet that
        // is by its CIDR in vpc.tf.
        let body = body_of(&plan);
        let hcl::Value::Array(intra) = eval(arg(module(&body, "vpc"), "intra_subnets")) else {
            panic!("{name}: intra_subnets")
        };
        let intra: Vec<String> = intra
            .iter()
            .map(|v| v.as_str().expect("CIDR").to_string())
            .collect();
        let docs = chart_eniconfigs(eni);
        let mut by_zone = BTreeMap::new();
        for doc in &docs {
            let errors: Vec<String> = crd.iter_errors(doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{name}: {doc}: {errors:?}");
            assert!(
                doc["spec"].get("securityGroups").is_none(),
                "{name}: pod ENIs take the primary ENI's security groups"
            );
            by_zone.insert(
                doc["metadata"]["name"].as_str().expect("name").to_string(),
                doc["spec"]["subnet"].as_str().expect("subnet").to_string(),
            );
        }
        let pods: Vec<_> = plan.subnets(eksgen::plan::SubnetRole::Pod).collect();
        for az in &plan.network.availability_zones {
            let pod = pods
                .iter()
                .find(|s| &s.az == az)
                .unwrap_or_else(|| panic!("{name}: no pod subnet in {az}"));
            let index = intra
                .iter()
                .position(|c| *c == pod.cidr.to_string())
                .unwrap_or_else(|| panic!("{name}: pod subnet {} not in intra_subnets", pod.cidr));
            assert_eq!(
                by_zone.get(az),
                Some(&pod_subnet_id(index)),
                "{name}: ENIConfig {az}"
            );
        }
        assert_eq!(
            by_zone.len(),
            plan.network.availability_zones.len(),
            "{name}"
        );
        // The CNI picks a node's ENIConfig by the value of this label: the zone name.
        assert_eq!(
            plan.network
                .cni
                .env
                .get("ENI_CONFIG_LABEL_DEF")
                .map(String::as_str),
            Some("topology.kubernetes.io/zone"),
            "{name}"
        );
        for g in &plan.node_groups {
            for az in &g.availability_zones {
                assert!(by_zone.contains_key(az), "{name} {}: {az}", g.name);
            }
        }
        checked += 1;
    }
    assert!(checked >= 2, "custom networking checked {checked} times");
}

#[test]
fn kube_proxy_and_vpc_cni_are_created_before_compute_in_every_output() {
    for (name, plan) in all_plans_both_majors() {
        let body = body_of(&plan);
        let eks = module(&body, "eks");
        let addons = addons(eks, &plan);
        for addon in ["vpc-cni", "kube-proxy"] {
            assert_eq!(
                eval(field(field(addons, addon), "before_compute")),
                hcl::Value::Bool(true),
                "{name}: {addon}"
            );
        }
        // v21 hardcodes bootstrap_self_managed_addons = false; v20 must ask for it, or EKS
        // installs a default aws-node the first nodes can start on.
        if plan.eks_module == EksModule::V20 {
            assert_eq!(
                eval(arg(eks, "bootstrap_self_managed_addons")),
                hcl::Value::Bool(false),
                "{name}"
            );
        }
        let wait = string(arg(eks, "dataplane_wait_duration"));
        let seconds: u32 = wait
            .strip_suffix('s')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: dataplane_wait_duration {wait}"));
        assert!(seconds > 30, "{name}: longer than the module default");
    }
}

// ---------------------------------------------------------------------------------------------
// Node bootstrap settings, read back the way the node reads them.

/// Intent texts of every fixture and preset.
fn all_intent_texts() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intents");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| {
            let path = e.expect("entry").path();
            (
                path.display().to_string(),
                std::fs::read_to_string(&path).expect("read"),
            )
        })
        .collect();
    out.sort();
    for (name, _, text) in eksgen::presets::PRESETS {
        out.push((format!("preset {name}"), (*text).to_string()));
    }
    out
}

/// nodeadm's rule (amazon-eks-ami `nodeadm/internal/containerd/config.go`,
/// `getConfigTemplateVersion`): on containerd 1.x, a NodeConfig whose `containerd.config`
/// names these config-version-3 plugins fails `nodeadm init`.
fn names_v3_cri_plugins(config: &str) -> bool {
    config.contains("io.containerd.cri.v1.images")
        || config.contains("io.containerd.cri.v1.runtime")
}

/// `containerd.config` of a NodeConfig YAML document, if any.
fn containerd_config(node_config_yaml: &str) -> Option<String> {
    let doc: Json = serde_saphyr::from_str(node_config_yaml).expect("NodeConfig YAML");
    doc["spec"]["containerd"]["config"]
        .as_str()
        .map(str::to_string)
}

/// NodeConfig YAML per node group: Terraform `cloudinit_pre_nodeadm` and Karpenter
/// EC2NodeClass `userData`.
fn node_configs(plan: &Plan) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let body = body_of(plan);
    let eks = module(&body, "eks");
    for input in ["eks_managed_node_groups", "self_managed_node_groups"] {
        let Some(groups) = eks
            .body()
            .attributes()
            .find(|a| a.key() == input)
            .map(hcl::Attribute::expr)
        else {
            continue;
        };
        let Expression::Object(groups) = groups else {
            panic!("{input}")
        };
        for (key, entry) in groups {
            let Expression::Object(fields) = entry else {
                continue;
            };
            if let Some((_, Expression::Array(parts))) = fields
                .iter()
                .find(|(k, _)| key_text(k) == "cloudinit_pre_nodeadm")
            {
                out.insert(key_text(key), string(field(&parts[0], "content")));
            }
        }
    }
    let files = eksgen::render::render(plan, "origin.yaml").expect("render");
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with("karpenter/")) {
        for doc in serde_saphyr::from_multiple::<Json>(text).expect("YAML") {
            if doc["kind"] == "EC2NodeClass" {
                if let Some(user_data) = doc["spec"]["userData"].as_str() {
                    let group = path
                        .trim_start_matches("karpenter/")
                        .trim_end_matches(".yaml");
                    out.insert(group.to_string(), user_data.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn containerd_settings_follow_the_plan_and_nodeadm_accepts_them() {
    let version_line = regex::Regex::new(r#"(?m)^  kubernetesVersion: "[0-9.]+""#).unwrap();
    let mut checked: BTreeMap<u32, usize> = BTreeMap::new();
    let mut checked_containerd_1 = 0;
    for (name, text) in all_intent_texts() {
        for k8s in [None, Some("1.32"), Some("1.34")] {
            let text = match k8s {
                None => text.clone(),
                Some(v) => version_line
                    .replace(&text, format!("  kubernetesVersion: \"{v}\""))
                    .into_owned(),
            };
            let catalog = eksgen::catalog::Catalog::embedded();
            let Ok(intent) = eksgen::intent::parse_and_validate(&text, &name, catalog) else {
                continue; // not valid at that version
            };
            // Refused at that version: no AL2 AMI release after 1.32, nothing to pin.
            let Ok(plan) = eksgen::resolve::resolve(&intent, catalog) else {
                continue;
            };
            if plan.has_errors() || plan.existing_cluster.is_some() {
                // Refused at that version (e.g. AL2 past its last version), or node groups
                // for an existing cluster (tested with their own output below).
                continue;
            }
            let configs = node_configs(&plan);
            for g in &plan.node_groups {
                let (Some(pull), "al2023") = (&g.image_pull, g.ami_family.as_str()) else {
                    continue;
                };
                let what = format!("{name} at {} {}", plan.kubernetes_version, g.name);
                let yaml = configs
                    .get(&g.name)
                    .unwrap_or_else(|| panic!("{what}: no NodeConfig"));
                let conf = containerd_config(yaml)
                    .unwrap_or_else(|| panic!("{what}: no containerd config"));
                let table: toml::Table = conf
                    .parse()
                    .unwrap_or_else(|e| panic!("{what}: containerd config is not TOML: {e}"));
                let cri = match pull.containerd_config_version {
                    2 => "io.containerd.grpc.v1.cri",
                    3 => "io.containerd.cri.v1.images",
                    other => panic!("{what}: containerd config version {other}"),
                };
                assert_eq!(
                    table["plugins"][cri]["max_concurrent_downloads"].as_integer(),
                    Some(i64::from(pull.containerd_max_concurrent_downloads)),
                    "{what}: {conf}"
                );
                if pull.containerd_config_version == 2 {
                    assert!(!names_v3_cri_plugins(&conf), "{what}: {conf}");
                }
                // AL2023 AMIs for 1.28 / 1.29 pin containerd 1.7 (amazon-eks-ami
                // templates/al2023/variables-1.29.json; eksgen now refuses those versions as
                // past extended support), and 1.30 - 1.33 AMIs shipped it until the
                // override was removed in November 2025, so pinned older releases still do.
                if plan.kubernetes_version == "1.32" {
                    assert!(!names_v3_cri_plugins(&conf), "{what}: nodeadm would fail");
                    checked_containerd_1 += 1;
                }
                *checked.entry(pull.containerd_config_version).or_default() += 1;
            }
        }
    }
    assert!(
        checked.get(&2).is_some_and(|n| *n > 0)
            && checked.get(&3).is_some_and(|n| *n > 0)
            && checked_containerd_1 > 0,
        "{checked:?}, {checked_containerd_1} at 1.32"
    );
}

/// Bottlerocket settings of a group as the node reads them: the module's own user data ends
/// inside `[settings.kubernetes]` when it owns bootstrap, so eksgen's keys continue it.
fn bottlerocket_settings(plan: &Plan, group: &str) -> toml::Table {
    let body = body_of(plan);
    let eks = module(&body, "eks");
    let g = plan.node_group(group).expect("group");
    let input = if g.max_pods_delivery.path == MaxPodsPath::SelfManaged {
        "self_managed_node_groups"
    } else {
        "eks_managed_node_groups"
    };
    let args = string(field(field(arg(eks, input), group), "bootstrap_extra_args"));
    let text = if g.max_pods_delivery.path == MaxPodsPath::EksAmi {
        args
    } else {
        format!("[settings.kubernetes]\n{args}")
    };
    text.parse()
        .unwrap_or_else(|e| panic!("{group}: settings are not TOML: {e}\n{text}"))
}

#[test]
fn bottlerocket_groups_register_their_taints_at_boot() {
    let mut plan = fixture_plan("tf-bottlerocket");
    // A second effect on an existing key: one TOML key with two values.
    let managed = plan
        .node_groups
        .iter()
        .position(|g| g.max_pods_delivery.path != MaxPodsPath::SelfManaged && !g.taints.is_empty())
        .expect("a managed Bottlerocket group with taints");
    let mut extra = plan.node_groups[managed].taints[0].clone();
    extra.effect = TaintEffect::NoExecute;
    extra.eks_effect = "NO_EXECUTE".into();
    plan.node_groups[managed].taints.push(extra);
    let mut plans = all_plans().to_vec();
    plans.push(("tf-bottlerocket, two effects on one key".to_string(), plan));
    let mut checked = 0;
    for (name, plan) in &plans {
        for g in &plan.node_groups {
            if g.ami_family != AmiFamily::Bottlerocket
                || g.taints.is_empty()
                || g.provisioner == Provisioner::Karpenter
            {
                continue;
            }
            let settings = bottlerocket_settings(plan, &g.name);
            let taints = settings["settings"]["kubernetes"]["node-taints"]
                .as_table()
                .unwrap_or_else(|| panic!("{}: no node-taints", g.name));
            let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for t in &g.taints {
                want.entry(t.key.clone()).or_default().push(format!(
                    "{}:{}",
                    t.value.as_deref().unwrap_or(""),
                    t.effect
                ));
            }
            let got: BTreeMap<String, Vec<String>> = taints
                .iter()
                .map(|(k, v)| {
                    let values = v
                        .as_array()
                        .unwrap_or_else(|| panic!("{}: {k} is not an array", g.name))
                        .iter()
                        .map(|s| s.as_str().expect("string").to_string())
                        .collect();
                    (k.clone(), values)
                })
                .collect();
            assert_eq!(got, want, "{name} {}", g.name);
            checked += 1;
        }
    }
    assert!(checked >= 3, "checked {checked} Bottlerocket groups");
}

// ---------------------------------------------------------------------------------------------
// Existing VPC: what AWS and Terraform would do with the resources eksgen adds.

/// In an existing VPC the output creates only block associations, subnets in those blocks
/// and route-table associations for them; it declares no VPC module, and every new subnet
/// lies in a block it associates, outside every existing block and subnet (AWS refuses a
/// subnet outside the VPC's blocks and overlapping subnets).
#[test]
fn existing_vpc_output_adds_only_blocks_subnets_and_route_associations() {
    for name in INTENTS.iter().filter(|n| n.starts_with("tf-existing-vpc")) {
        let plan = fixture_plan(name);
        let existing = plan.network.existing_vpc.as_ref().expect("existing VPC");
        let body = body_of(&plan);
        let mut kinds = BTreeSet::new();
        for block in body.blocks() {
            match block.identifier() {
                "module" => assert_ne!(block.labels()[0].as_str(), "vpc", "{name}: module vpc"),
                "resource" => {
                    kinds.insert(block.labels()[0].as_str().to_string());
                }
                _ => {}
            }
        }
        let network: BTreeSet<String> = kinds
            .iter()
            .filter(|k| k.starts_with("aws_vpc") || k.contains("subnet") || k.contains("route"))
            .cloned()
            .collect();
        let allowed: BTreeSet<String> = [
            "aws_vpc_ipv4_cidr_block_association",
            "aws_subnet",
            "aws_route_table_association",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        assert!(network.is_subset(&allowed), "{name}: {network:?}");
        let new: Vec<_> = plan
            .network
            .subnets
            .iter()
            .filter(|s| s.id.is_none())
            .collect();
        for s in &new {
            assert!(
                plan.network
                    .secondary_cidrs
                    .iter()
                    .any(|b| b.contains(s.cidr)),
                "{name}: {} outside the associated blocks",
                s.cidr
            );
            assert!(
                !existing.cidr_blocks.iter().any(|b| b.overlaps(s.cidr)),
                "{name}: {} overlaps an existing block",
                s.cidr
            );
        }
        for (i, a) in plan.network.subnets.iter().enumerate() {
            for b in &plan.network.subnets[i + 1..] {
                assert!(!a.cidr.overlaps(b.cidr), "{name}: {} / {}", a.cidr, b.cidr);
            }
        }
        // Every existing subnet's free addresses hold what the plan puts there.
        for s in plan.network.subnets.iter().filter(|s| s.id.is_some()) {
            assert!(s.ips_needed_at_max <= s.usable_ips, "{name}: {}", s.name);
            assert_eq!(
                s.usable_ips + s.used_ips,
                s.cidr.usable(),
                "{name}: {}",
                s.name
            );
        }
        let text = joined(&plan);
        if existing.nodes_in_new_subnets {
            assert!(text.contains("aws_subnet.nodes["), "{name}");
        }
        // With `ids: variables` the intent's ids appear only as variable defaults.
        let ids: Vec<&str> = std::iter::once(existing.id.as_str())
            .chain(plan.network.subnets.iter().filter_map(|s| s.id.as_deref()))
            .collect();
        for (path, file) in tf_files(&plan) {
            let literal = ids.iter().any(|id| file.contains(&format!("\"{id}\"")));
            let may = existing.ids == eksgen::plan::IdReference::Literal || path == "variables.tf";
            assert!(
                may || !literal,
                "{name} {path}: an id literal with ids: variables"
            );
        }
    }
}

/// `terraform.layout: module`: a child module has no provider or backend configuration (a
/// module with its own provider block cannot be used with count / for_each and fights the
/// caller's), declares `required_providers`, and the generated example root passes only
/// arguments the module declares as variables.
#[test]
fn module_layout_is_a_child_module_its_example_can_call() {
    let plan = fixture_plan("tf-module-layout");
    let files = tf_files(&plan);
    let mut variables = BTreeSet::new();
    let mut required_providers = 0;
    for (path, text) in files.iter().filter(|(p, _)| !p.contains('/')) {
        let body = parse("tf-module-layout", path, text);
        for block in body.blocks() {
            assert_ne!(block.identifier(), "provider", "{path}: provider block");
            if block.identifier() == "terraform" {
                for inner in block.body().blocks() {
                    assert_ne!(inner.identifier(), "backend", "{path}: backend");
                    required_providers += usize::from(inner.identifier() == "required_providers");
                }
            }
            if block.identifier() == "variable" {
                variables.insert(block.labels()[0].as_str().to_string());
            }
        }
    }
    assert_eq!(required_providers, 1);
    assert!(variables.contains("tags"));
    let example = files.get("examples/root/main.tf").expect("usage example");
    let body = parse("tf-module-layout", "examples/root/main.tf", example);
    let call = module(&body, "cluster");
    assert_eq!(string(arg(call, "source")), "../..");
    for attr in call.body().attributes() {
        let key = attr.key();
        assert!(
            key == "source" || variables.contains(key),
            "argument {key} is no variable"
        );
    }
    assert!(!files.contains_key("providers.tf"));
}

/// An existing cluster gets only node groups: no `module "eks"`, every group through its
/// standalone sub-module fed from the cluster's data source, and the autoscaler tags on the
/// Auto Scaling group each sub-module creates.
#[test]
fn existing_cluster_output_adds_only_node_groups() {
    let plan = fixture_plan("tf-existing-cluster-gpu");
    let body = body_of(&plan);
    let modules: Vec<&hcl::Block> = body
        .blocks()
        .filter(|b| b.identifier() == "module")
        .collect();
    assert_eq!(modules.len(), plan.node_groups.len());
    for m in &modules {
        let source = string(arg(m, "source"));
        assert!(source.contains("-node-group"), "{source}");
        let cluster = arg(m, "cluster_name").to_string();
        assert!(cluster.contains("data.aws_eks_cluster.this"), "{cluster}");
    }
    let text = joined(&plan);
    assert!(!text.contains("module.eks."), "{text}");
    assert!(text.contains("each.value.asg"));
    assert!(text.contains("module.node_group_gpu.node_group_autoscaling_group_names[0]"));
    let expected = plan.existing_cluster.as_ref().expect("existing cluster");
    assert_eq!(expected.current_matches, Some(false));
    assert!(plan.findings.iter().any(|f| f.id == "EKSG030"));
}

// ---------------------------------------------------------------------------------------------
// registry.tf: only arguments the AWS provider's ECR resources take.

/// Argument and block names of the ECR resources `registry.tf` writes, as the AWS provider
/// documents them (website/docs/r/ecr_replication_configuration.html.markdown and
/// ecr_pull_through_cache_rule.html.markdown; `custom_role_arn` / `upstream_repository_prefix`
/// since hashicorp/terraform-provider-aws PR #41933, 2025-03, before 5.95). `region` is the
/// provider-6 resource-level region ("Enhanced Region Support"), so only v21 output may
/// use it; `provider` is Terraform's meta-argument.
fn ecr_schema(resource: &str, v20: bool) -> Option<BTreeMap<&'static str, Vec<&'static str>>> {
    let top_level_region: &[&str] = if v20 { &[] } else { &["region"] };
    let with_region = |names: &[&'static str]| -> Vec<&'static str> {
        names.iter().chain(top_level_region).copied().collect()
    };
    match resource {
        "aws_ecr_replication_configuration" => Some(BTreeMap::from([
            ("", with_region(&["provider", "replication_configuration"])),
            ("replication_configuration", vec!["rule"]),
            ("rule", vec!["destination", "repository_filter"]),
            ("destination", vec!["region", "registry_id"]),
            ("repository_filter", vec!["filter", "filter_type"]),
        ])),
        "aws_ecr_pull_through_cache_rule" => Some(BTreeMap::from([(
            "",
            with_region(&[
                "ecr_repository_prefix",
                "upstream_registry_url",
                "credential_arn",
                "custom_role_arn",
                "upstream_repository_prefix",
            ]),
        )])),
        _ => None,
    }
}

fn check_ecr_body(
    body: &hcl::Body,
    within: &str,
    schema: &BTreeMap<&'static str, Vec<&'static str>>,
    at: &str,
    errors: &mut Vec<String>,
) {
    let allowed = &schema[within];
    for name in body
        .attributes()
        .map(|a| a.key().to_string())
        .chain(body.blocks().map(|b| b.identifier().to_string()))
    {
        if !allowed.contains(&name.as_str()) {
            errors.push(format!("{at}: `{name}` is not an argument of `{within}`"));
        }
    }
    for block in body.blocks() {
        check_ecr_body(block.body(), block.identifier(), schema, at, errors);
    }
}

#[test]
fn registry_resources_use_only_provider_arguments() {
    let mut rendered = 0;
    let mut errors = Vec::new();
    for (name, plan) in all_plans() {
        let Some(text) = tf_files(plan).remove("registry.tf") else {
            continue;
        };
        rendered += 1;
        let v20 = plan.eks_module == EksModule::V20;
        for block in parse(name, "registry.tf", &text).blocks() {
            if block.identifier() != "resource" {
                continue;
            }
            let kind = block.labels()[0].as_str();
            if let Some(schema) = ecr_schema(kind, v20) {
                check_ecr_body(
                    block.body(),
                    "",
                    &schema,
                    &format!("{name} {kind}"),
                    &mut errors,
                );
            }
        }
    }
    assert_eq!(
        rendered, 3,
        "the three registry fixtures render registry.tf"
    );
    assert!(errors.is_empty(), "{errors:#?}");
    // The check itself catches a provider-6 argument in v20 output.
    let mut errors = Vec::new();
    let body = hcl::from_str::<hcl::Body>(
        "region = \"us-east-1\"\nreplication_configuration {\n  rule {\n    destination {\n      region = \"x\"\n    }\n  }\n}\n",
    )
    .expect("parses");
    check_ecr_body(
        &body,
        "",
        &ecr_schema("aws_ecr_replication_configuration", true).expect("schema"),
        "probe",
        &mut errors,
    );
    assert_eq!(errors, ["probe: `region` is not an argument of ``"]);
}

/// The copy rule follows the plan: replication is managed in the registry's region (a
/// resource-level `region` on provider 6, the `aws.registry` alias on provider 5), the
/// pull-through cache lives in the cluster's region and every node role gets its policy.
#[test]
fn registry_copy_rules_follow_the_plan() {
    let replication = fixture_plan("tf-registry-replication");
    let copy = replication
        .registry
        .as_ref()
        .and_then(|r| r.in_region_copy.as_ref())
        .expect("replication");
    let files = tf_files(&replication);
    let body = parse("replication", "registry.tf", &files["registry.tf"]);
    let rule = body
        .blocks()
        .find(|b| b.identifier() == "resource")
        .expect("resource");
    assert_eq!(
        rule.labels()[0].as_str(),
        "aws_ecr_replication_configuration"
    );
    assert_eq!(string(arg(rule, "region")), copy.source_region);
    assert!(
        files["registry.tf"].contains(&format!("region      = \"{}\"", copy.destination_region))
    );

    let v20 = fixture_plan("tf-registry-v20-module");
    let files = tf_files(&v20);
    assert!(files["registry.tf"].contains("provider = aws.registry"));
    assert!(!files["registry.tf"].contains("\n  region = "));
    assert!(files["versions.tf"].contains("configuration_aliases = [aws.registry]"));
    let caller = &files["examples/root/main.tf"];
    assert!(
        caller.contains("aws.registry = aws.registry") && caller.contains("alias  = \"registry\"")
    );

    let ptc = fixture_plan("tf-registry-pull-through-cache");
    let files = tf_files(&ptc);
    let body = parse("ptc", "registry.tf", &files["registry.tf"]);
    let rule = body
        .blocks()
        .find(|b| {
            b.identifier() == "resource"
                && b.labels()[0].as_str() == "aws_ecr_pull_through_cache_rule"
        })
        .expect("pull-through cache rule");
    assert_eq!(string(arg(rule, "ecr_repository_prefix")), "serving/llm");
    assert_eq!(
        string(arg(rule, "upstream_repository_prefix")),
        "serving/llm"
    );
    let attach = "ecr_pull_through_cache = aws_iam_policy.ecr_pull_through_cache.arn";
    let managed = ptc
        .node_groups
        .iter()
        .filter(|g| g.provisioner != Provisioner::Karpenter)
        .count();
    assert_eq!(files["eks.tf"].matches(attach).count(), managed);
    assert_eq!(files["karpenter.tf"].matches(attach).count(), 1);
    // Without a pull-through cache no node role gets the policy.
    for (name, plan) in all_plans() {
        let copied_by_cache = plan
            .registry
            .as_ref()
            .and_then(|r| r.in_region_copy.as_ref())
            .is_some_and(|c| c.method == eksgen::plan::RegistryCopy::PullThroughCache);
        if !copied_by_cache {
            assert!(
                tf_files(plan)
                    .values()
                    .all(|t| !t.contains("ecr_pull_through_cache")),
                "{name}"
            );
        }
    }
}
