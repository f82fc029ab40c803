//! The Terraform renderer's output: it parses, `terraform fmt` leaves it alone, every module
//! argument is an input of the pinned module version, user strings survive any content, and
//! the files for representative intents are pinned by snapshots.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use eksgen::plan::Plan;
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

/// Every plan the tests render: the fixtures and the shipped presets.
fn all_plans() -> Vec<(String, Plan)> {
    let mut out: Vec<(String, Plan)> = INTENTS
        .iter()
        .map(|n| ((*n).to_string(), fixture_plan(n)))
        .collect();
    for (name, _, text) in eksgen::presets::PRESETS {
        out.push((format!("preset {name}"), plan_from(text, name)));
    }
    out
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
        let files = tf_files(&plan);
        let network = if plan.network.existing_vpc.is_some() {
            "network.tf"
        } else {
            "vpc.tf"
        };
        let settings = if plan.terraform_layout == "module" {
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
            parse(&name, path, text);
        }
    }
}

#[test]
fn output_is_deterministic() {
    for (name, plan) in all_plans() {
        assert_eq!(tf_files(&plan), tf_files(&plan), "{name}");
    }
}

#[test]
fn terraform_fmt_leaves_the_output_unchanged() {
    if Command::new("terraform").arg("version").output().is_err() {
        println!("SKIPPED: terraform not on PATH (terraform fmt -check of generated .tf files)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, plan) in all_plans() {
        let sub = dir.path().join(name.replace(' ', "-"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        for (path, text) in tf_files(&plan) {
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
fn parse_type(s: &str) -> Ty {
    let chars: Vec<char> = s.chars().collect();
    let mut pos = 0;
    let ty = type_expr(&chars, &mut pos);
    skip_ws(&chars, &mut pos);
    assert_eq!(pos, chars.len(), "trailing text in type `{s}`");
    ty
}

fn skip_ws(c: &[char], pos: &mut usize) {
    while *pos < c.len() && c[*pos].is_whitespace() {
        *pos += 1;
    }
}

fn ident(c: &[char], pos: &mut usize) -> String {
    skip_ws(c, pos);
    let start = *pos;
    while *pos < c.len() && (c[*pos].is_alphanumeric() || c[*pos] == '_') {
        *pos += 1;
    }
    c[start..*pos].iter().collect()
}

fn expect(c: &[char], pos: &mut usize, want: char) {
    skip_ws(c, pos);
    assert_eq!(
        c.get(*pos),
        Some(&want),
        "at {pos} of {}",
        c.iter().collect::<String>()
    );
    *pos += 1;
}

/// Skip a default value (any balanced expression) up to the `,` or `)` that ends it.
fn skip_value(c: &[char], pos: &mut usize) {
    let mut depth = 0;
    let mut in_str = false;
    while *pos < c.len() {
        let ch = c[*pos];
        if in_str {
            if ch == '\\' {
                *pos += 1;
            } else if ch == '"' {
                in_str = false;
            }
        } else {
            match ch {
                '"' => in_str = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => return,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => return,
                _ => {}
            }
        }
        *pos += 1;
    }
}

fn type_expr(c: &[char], pos: &mut usize) -> Ty {
    let name = ident(c, pos);
    match name.as_str() {
        "any" => Ty::Any,
        "string" | "number" | "bool" => Ty::Primitive(name),
        "map" | "list" | "set" => {
            expect(c, pos, '(');
            let inner = type_expr(c, pos);
            expect(c, pos, ')');
            Ty::Collection(Box::new(inner))
        }
        "optional" => {
            expect(c, pos, '(');
            let inner = type_expr(c, pos);
            skip_ws(c, pos);
            if c.get(*pos) == Some(&',') {
                *pos += 1;
                skip_ws(c, pos);
                skip_value(c, pos);
            }
            expect(c, pos, ')');
            inner
        }
        "object" => {
            expect(c, pos, '(');
            expect(c, pos, '{');
            let mut fields = BTreeMap::new();
            loop {
                skip_ws(c, pos);
                if c.get(*pos) == Some(&'}') {
                    *pos += 1;
                    break;
                }
                let field = ident(c, pos);
                expect(c, pos, '=');
                fields.insert(field, type_expr(c, pos));
                skip_ws(c, pos);
                if c.get(*pos) == Some(&',') {
                    *pos += 1;
                }
            }
            expect(c, pos, ')');
            Ty::Object(fields)
        }
        "tuple" => {
            expect(c, pos, '(');
            skip_value(c, pos);
            expect(c, pos, ')');
            Ty::Any
        }
        other => panic!("unknown type `{other}` at {pos}"),
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
    for (name, plan) in all_plans() {
        let is_v20 = plan.eks_module == "20";
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
    // An existing cluster's add-ons are the user's: EKSG028 compares them instead.
    for (name, plan) in all_plans()
        .into_iter()
        .filter(|(_, p)| p.existing_cluster.is_none())
    {
        let body = body_of(&plan);
        let eks = module(&body, "eks");
        let addons = arg(
            eks,
            if plan.eks_module == "20" {
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
        let files = tf_files(&plan);
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
    let want: usize = plan
        .node_groups
        .iter()
        .map(|g| g.autoscaler_tags.len())
        .sum();
    assert_eq!(each.len(), want);
    for g in &plan.node_groups {
        for (k, v) in &g.autoscaler_tags {
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

/// `tests/snapshots/terraform__<fixture without tf->.snap`, e.g. `terraform__gpu_efa.snap`.
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

/// Every `role:` and placement group an EC2NodeClass names exists in the Terraform, and the
/// ENIConfig template is fed the variables it reads.
#[test]
fn kubernetes_manifests_find_what_terraform_creates() {
    let plan = fixture_plan("tf-custom-networking");
    let all = eksgen::render::render(&plan, "origin.yaml").expect("render");
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

    // ENIConfigs: the template file exists and the call passes the variables it reads.
    let output = body
        .blocks()
        .find(|b| b.identifier() == "output" && b.labels()[0].as_str() == "eniconfigs_yaml")
        .expect("eniconfigs_yaml output");
    let Expression::FuncCall(call) = arg(output, "value") else {
        panic!("templatefile call")
    };
    assert_eq!(call.name.to_string(), "templatefile");
    let template = eksgen::render::kubernetes::ENICONFIG_TEMPLATE;
    assert!(all.contains_key(template), "no {template} in the render");
    assert!(format!("{:?}", call.args[0]).contains(template));
    let Expression::Object(vars) = &call.args[1] else {
        panic!("templatefile variables")
    };
    let names: BTreeSet<String> = vars.iter().map(|(k, _)| key_text(k)).collect();
    let want: BTreeSet<String> = [
        eksgen::render::kubernetes::ENICONFIG_SUBNETS_VAR,
        eksgen::render::kubernetes::ENICONFIG_SECURITY_GROUPS_VAR,
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    assert_eq!(names, want);

    // With terraform at hand, evaluate the template with stand-in ids.
    if Command::new("terraform").arg("version").output().is_err() {
        println!("SKIPPED: terraform not on PATH (templatefile of {template})");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(template), &all[template]).expect("write");
    let zones: Vec<String> = plan
        .network
        .availability_zones
        .iter()
        .map(|az| format!("{az:?} = \"subnet-{az}\""))
        .collect();
    let expr = format!(
        "jsonencode(templatefile(\"{template}\", {{ {} = {{ {} }}, {} = [\"sg-nodes\"] }}))",
        eksgen::render::kubernetes::ENICONFIG_SUBNETS_VAR,
        zones.join(", "),
        eksgen::render::kubernetes::ENICONFIG_SECURITY_GROUPS_VAR,
    );
    let out = Command::new("terraform")
        .arg("console")
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(expr.as_bytes())?;
            child.wait_with_output()
        })
        .expect("terraform console");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The console prints the JSON string as an HCL string literal.
    let printed = String::from_utf8_lossy(&out.stdout);
    let literal: String = serde_json::from_str(printed.trim()).expect("console output");
    let manifests: String = serde_json::from_str(&literal).expect("template output");
    let mut subnets = BTreeMap::new();
    for doc in manifests.split("\n---\n").skip(1) {
        let yaml: Json = serde_saphyr::from_str(doc).expect("ENIConfig YAML");
        assert_eq!(
            yaml["spec"]["securityGroups"],
            serde_json::json!(["sg-nodes"])
        );
        subnets.insert(
            yaml["metadata"]["name"].as_str().expect("name").to_string(),
            yaml["spec"]["subnet"].as_str().expect("subnet").to_string(),
        );
    }
    let want: BTreeMap<String, String> = plan
        .network
        .availability_zones
        .iter()
        .map(|az| (az.clone(), format!("subnet-{az}")))
        .collect();
    assert_eq!(subnets, want);
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
            let may = existing.ids == "literal" || path == "variables.tf";
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
    assert!(plan.findings.iter().any(|f| f.id == "EKSG028"));
}
