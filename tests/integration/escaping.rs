//! Hostile strings through every intent field that can reach generated HCL or YAML.
//!
//! Each (field, string) pair must end one of two ways:
//! - rejected: the intent fails with a diagnostic at that field's key path whose message
//!   names the value (or the plan carries an error finding, and render refuses);
//! - accepted: the value survives into the plan (`plan --format json`) verbatim, every
//!   rendered file parses in its own language (HCL via hcl-rs, YAML via serde-saphyr), and
//!   wherever the renderers emit the value, it parses back as exactly that string: found
//!   as a string literal (or object key / block label), never as a bool, a number, a null or
//!   a cut-off piece. Which files hold it is the renderers' business; this test only asks
//!   that some rendered file does, once any renderer produces files.

use std::cell::RefCell;
use std::collections::HashMap;

use eksgen::error::AppError;
use eksgen::pipeline::plan_from_text;
use eksgen::render::Rendered;
use serde_json::Value;

/// Strings that break out of a quoted HCL or YAML string, open a template, change a YAML
/// type, or carry control and non-ASCII characters.
const HOSTILE: &[&str] = &[
    "a\"b ${x} %{ if }",
    "${var.secret}",
    "%{ for x in y }x%{ endfor }",
    "$${x}",
    "back\\slash",
    "trailing\\",
    "line\nbreak",
    "cr\rlf",
    "tab\there",
    "nul\u{0}byte",
    "bell\u{7}",
    "ünïcödé ☃",
    "\u{202e}rtl",
    "'single'",
    "key: value",
    "- item",
    "#comment",
    "a = b",
    "}",
    "]",
    "*alias",
    "&anchor",
    "!tag",
    "@at",
    "|",
    ">",
    "---",
    " leading",
    "trailing ",
    "",
    // Plain scalars YAML would read as another type.
    "true",
    "false",
    "null",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "nan",
    "inf",
    "1e3",
    "0x10",
    "0o17",
    "1_000",
    "1.0",
    "0123",
    "~",
    // Lengths at the edges.
    "x",
    "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyza",
];

/// The valid intent the hostile strings are placed into: a managed group (Terraform) and
/// a Karpenter group (NodePool / EC2NodeClass YAML), with labels, taints and tags.
const BASE: &str = r#"apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: demo
spec:
  region: us-west-2
  kubernetesVersion: "1.34"
  endpoint:
    publicAccess: true
    publicAccessCidrs: [203.0.113.0/24]
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
    secondaryCidrs: auto
  autoscaling: {karpenter: true}
  registry: {region: us-west-2}
  tags: {team: ml}
  nodeGroups:
    - name: system
      instanceTypes: [m6i.large]
      scaling: {min: 2, desired: 2, max: 4}
      podsPerNode: 20
      labels: {workload: system}
      taints:
        - {key: example.com/dedicated, value: system, effect: PreferNoSchedule}
    - name: burst
      provisioner: karpenter
      instanceTypes: [c6i.2xlarge]
      capacityType: capacity-block
      capacityReservationId: cr-0123456789abcdef0
      scaling: {min: 0, desired: 0, max: 4}
      availabilityZones: [us-west-2a]
      labels: {role: burst}
      taints:
        - {key: example.com/burst, value: "yes", effect: NoExecute}
"#;

/// One place a string can go: the text to replace in [`BASE`] (with `{}` for the string,
/// quoted as a YAML double-quoted scalar) and the key path a rejection must name.
struct Field {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    path: &'static str,
}

const FIELDS: &[Field] = &[
    Field {
        name: "cluster name",
        from: "  name: demo",
        to: "  name: {}",
        path: "metadata.name",
    },
    Field {
        name: "managed group name",
        from: "    - name: system",
        to: "    - name: {}",
        path: "spec.nodeGroups[0].name",
    },
    Field {
        name: "Karpenter group name",
        from: "    - name: burst",
        to: "    - name: {}",
        path: "spec.nodeGroups[1].name",
    },
    Field {
        name: "label key (managed)",
        from: "labels: {workload: system}",
        to: "labels: {{}: system}",
        path: "spec.nodeGroups[0].labels",
    },
    Field {
        name: "label value (managed)",
        from: "labels: {workload: system}",
        to: "labels: {workload: {}}",
        path: "spec.nodeGroups[0].labels.workload",
    },
    Field {
        name: "label key (Karpenter)",
        from: "labels: {role: burst}",
        to: "labels: {{}: burst}",
        path: "spec.nodeGroups[1].labels",
    },
    Field {
        name: "label value (Karpenter)",
        from: "labels: {role: burst}",
        to: "labels: {role: {}}",
        path: "spec.nodeGroups[1].labels.role",
    },
    Field {
        name: "taint key",
        from: "{key: example.com/burst,",
        to: "{key: {},",
        path: "spec.nodeGroups[1].taints[0].key",
    },
    Field {
        name: "taint value",
        from: "value: \"yes\", effect: NoExecute",
        to: "value: {}, effect: NoExecute",
        path: "spec.nodeGroups[1].taints[0].value",
    },
    Field {
        name: "tag key",
        from: "tags: {team: ml}",
        to: "tags: {{}: ml}",
        path: "spec.tags",
    },
    Field {
        name: "tag value",
        from: "tags: {team: ml}",
        to: "tags: {team: {}}",
        path: "spec.tags.team",
    },
    Field {
        name: "capacity reservation id",
        from: "capacityReservationId: cr-0123456789abcdef0",
        to: "capacityReservationId: {}",
        path: "spec.nodeGroups[1].capacityReservationId",
    },
    Field {
        name: "public access CIDR",
        from: "publicAccessCidrs: [203.0.113.0/24]",
        to: "publicAccessCidrs: [{}]",
        path: "spec.endpoint.publicAccessCidrs[0]",
    },
    Field {
        name: "cluster availability zone",
        from: "availabilityZones: [us-west-2a, us-west-2b]",
        to: "availabilityZones: [us-west-2a, {}]",
        path: "spec.network.availabilityZones[1]",
    },
    Field {
        name: "group availability zone",
        from: "availabilityZones: [us-west-2a]\n",
        to: "availabilityZones: [{}]\n",
        path: "spec.nodeGroups[1].availabilityZones[0]",
    },
    Field {
        name: "region",
        from: "  region: us-west-2\n",
        to: "  region: {}\n",
        path: "spec.region",
    },
    Field {
        name: "registry region",
        from: "registry: {region: us-west-2}",
        to: "registry: {region: {}}",
        path: "spec.registry.region",
    },
    Field {
        name: "Kubernetes version",
        from: "kubernetesVersion: \"1.34\"",
        to: "kubernetesVersion: {}",
        path: "spec.kubernetesVersion",
    },
    Field {
        name: "VPC CIDR",
        from: "vpcCidr: 10.0.0.0/16",
        to: "vpcCidr: {}",
        path: "spec.network.vpcCidr",
    },
    Field {
        name: "secondary CIDR",
        from: "secondaryCidrs: auto",
        to: "secondaryCidrs: [{}]",
        path: "spec.network.secondaryCidrs[0]",
    },
    Field {
        name: "instance type",
        from: "instanceTypes: [m6i.large]",
        to: "instanceTypes: [{}]",
        path: "spec.nodeGroups[0].instanceTypes[0]",
    },
];

/// `value` as a YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

fn place(field: &Field, value: &str) -> String {
    assert!(
        BASE.contains(field.from),
        "{}: {:?} not in the base intent",
        field.name,
        field.from
    );
    BASE.replacen(field.from, &field.to.replace("{}", &quoted(value)), 1)
}

/// Every string in a JSON value, object keys included.
fn json_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

/// Every string literal of an HCL body: attribute values (templates evaluated when they
/// need no variables), object keys, block labels.
fn hcl_strings(body: &hcl::Body, out: &mut Vec<String>) {
    for structure in body.iter() {
        match structure {
            hcl::Structure::Attribute(attr) => hcl_expr_strings(attr.expr(), out),
            hcl::Structure::Block(block) => {
                for label in block.labels() {
                    out.push(label.as_str().to_string());
                }
                hcl_strings(block.body(), out);
            }
        }
    }
}

fn hcl_expr_strings(expr: &hcl::Expression, out: &mut Vec<String>) {
    use hcl::Expression as E;
    match expr {
        E::String(s) => out.push(s.clone()),
        E::TemplateExpr(_) => {
            let ctx = hcl::eval::Context::new();
            if let Ok(hcl::Value::String(s)) = hcl::eval::Evaluate::evaluate(expr, &ctx) {
                out.push(s);
            }
        }
        E::Array(items) => items.iter().for_each(|e| hcl_expr_strings(e, out)),
        E::Object(object) => {
            for (key, value) in object {
                match key {
                    hcl::ObjectKey::Identifier(id) => out.push(id.as_str().to_string()),
                    hcl::ObjectKey::Expression(e) => hcl_expr_strings(e, out),
                    _ => {}
                }
                hcl_expr_strings(value, out);
            }
        }
        E::FuncCall(call) => call.args.iter().for_each(|e| hcl_expr_strings(e, out)),
        E::Parenthesis(inner) => hcl_expr_strings(inner, out),
        E::Conditional(c) => {
            hcl_expr_strings(&c.true_expr, out);
            hcl_expr_strings(&c.false_expr, out);
        }
        _ => {}
    }
}

/// Every string value of every rendered file, parsed in the file's language. Panics when a
/// file does not parse.
fn rendered_strings(rendered: &Rendered) -> Vec<String> {
    thread_local! {
        /// Strings of each file text this thread has parsed: a hostile value changes a few
        /// files of a render, and the base intent's other files come back the same each time.
        static SEEN: RefCell<HashMap<(String, String), Vec<String>>> = RefCell::default();
    }
    let mut out = Vec::new();
    for (path, text) in rendered {
        let kind = path.rsplit_once('.').map_or("", |(_, ext)| ext).to_string();
        let key = (kind, text.clone());
        if let Some(strings) = SEEN.with(|seen| seen.borrow().get(&key).cloned()) {
            out.extend(strings);
            continue;
        }
        let strings = file_strings(path, text);
        out.extend(strings.iter().cloned());
        SEEN.with(|seen| seen.borrow_mut().insert(key, strings));
    }
    out
}

/// Every string value of one rendered file, parsed in its language.
fn file_strings(path: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.ends_with(".tf") {
        let body: hcl::Body =
            hcl::from_str(text).unwrap_or_else(|e| panic!("{path} is not valid HCL: {e}\n{text}"));
        hcl_strings(&body, &mut out);
    } else if path.ends_with(".yaml") || path.ends_with(".yml") {
        let docs: Vec<Value> = serde_saphyr::from_multiple(text)
            .unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}\n{text}"));
        docs.iter().for_each(|d| json_strings(d, &mut out));
    } else if path.ends_with(".tftpl") {
        text.parse::<hcl::template::Template>()
            .unwrap_or_else(|e| panic!("{path} is not a valid HCL template: {e}\n{text}"));
    }
    out
}

/// What became of one (field, value) pair.
#[derive(Debug, PartialEq)]
enum Outcome {
    Rejected,
    RejectedByFinding,
    /// Accepted; whether any rendered file held it (None: nothing was rendered to hold it).
    Accepted {
        emitted: Option<bool>,
    },
}

fn run(field: &Field, value: &str) -> Outcome {
    let what = format!("{} = {value:?}", field.name);
    let text = place(field, value);
    match plan_from_text(&text, "hostile.yaml") {
        Err(AppError::Intent(err)) => {
            let shown = value.escape_debug().to_string();
            let hit = err.diagnostics.iter().any(|d| {
                d.path.starts_with(field.path)
                    && d.position.is_some()
                    && (d.message.contains(&shown) || d.message.contains(value))
            });
            assert!(
                hit,
                "{what}: rejected, but no diagnostic at {} names the value:\n{err}",
                field.path
            );
            Outcome::Rejected
        }
        Err(other) => panic!("{what}: unexpected error kind: {other}"),
        Ok(plan) => {
            // `plan --format json` carries the value verbatim.
            let json = serde_json::to_value(&plan).unwrap();
            let mut strings = Vec::new();
            json_strings(&json, &mut strings);
            assert!(
                strings.iter().any(|s| s == value),
                "{what}: accepted, but the plan JSON does not hold it verbatim"
            );
            if plan.has_errors() {
                assert!(eksgen::render::render(&plan, "hostile.yaml").is_err());
                return Outcome::RejectedByFinding;
            }
            let rendered = eksgen::render::render(&plan, "hostile.yaml")
                .unwrap_or_else(|e| panic!("{what}: render failed: {e}"));
            let strings = rendered_strings(&rendered);
            let emitted = (!rendered.is_empty()).then(|| strings.iter().any(|s| s == value));
            Outcome::Accepted { emitted }
        }
    }
}

/// Fields whose accepted values must show up in the rendered files once renderers exist.
const MUST_BE_EMITTED: &[&str] = &[
    "cluster name",
    "label key (managed)",
    "label value (managed)",
    "tag key",
    "tag value",
    "managed group name",
    "Karpenter group name",
    "label key (Karpenter)",
    "label value (Karpenter)",
    "taint key",
    "taint value",
];

#[test]
fn base_intent_renders() {
    let plan = plan_from_text(BASE, "base.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert!(!plan.has_errors(), "{:?}", plan.findings);
    let rendered = eksgen::render::render(&plan, "base.yaml").unwrap();
    rendered_strings(&rendered);
}

#[test]
fn hostile_strings_are_rejected_or_emitted_as_literals() {
    let mut accepted = Vec::new();
    let mut not_emitted = Vec::new();
    for field in FIELDS {
        for value in HOSTILE {
            match run(field, value) {
                Outcome::Rejected | Outcome::RejectedByFinding => {}
                Outcome::Accepted { emitted } => {
                    accepted.push(format!("{} = {value:?}", field.name));
                    // An empty value may be left out (an empty taint value is no value).
                    if emitted == Some(false)
                        && !value.is_empty()
                        && MUST_BE_EMITTED.contains(&field.name)
                    {
                        not_emitted.push(format!("{} = {value:?}", field.name));
                    }
                }
            }
        }
    }
    eprintln!("accepted:\n{}", accepted.join("\n"));
    assert!(
        not_emitted.is_empty(),
        "accepted, rendered, but not found as an exact string in any rendered file:\n{}",
        not_emitted.join("\n")
    );
    // The YAML-typed plain scalars are valid names and labels: the test must actually
    // exercise the accepted path, not only rejections.
    for expected in [
        "cluster name = \"true\"",
        "managed group name = \"null\"",
        "label value (Karpenter) = \"1.0\"",
        "tag value = \"key: value\"",
        "tag key = \"- item\"",
    ] {
        assert!(
            accepted.iter().any(|a| a == expected),
            "{expected} should be accepted: {accepted:#?}"
        );
    }
}

/// Characters that never belong in a generated string are rejected everywhere they could
/// be placed: quotes, template openers, backslashes, control characters.
#[test]
fn breaking_characters_are_rejected_in_every_field() {
    for field in FIELDS {
        for value in [
            "a\"b ${x} %{ if }",
            "back\\slash",
            "line\nbreak",
            "nul\u{0}byte",
        ] {
            assert_eq!(
                run(field, value),
                Outcome::Rejected,
                "{} accepted {value:?}",
                field.name
            );
        }
    }
}

/// The same through the binary: `plan --format json` keeps accepted strings verbatim and
/// `render` writes files that parse back to them.
#[test]
fn cli_plan_json_and_render_keep_accepted_strings() {
    let work = tempfile::tempdir().unwrap();
    let text = BASE
        .replacen("  name: demo", "  name: \"true\"", 1)
        .replace(
            "tags: {team: ml}",
            "tags: {\"a: b\": \"- c\", \"x = y\": \"@z\"}",
        )
        .replace(
            "labels: {role: burst}",
            "labels: {role: \"1.0\", hex: \"0x10\"}",
        )
        .replace("- name: burst", "- name: \"null\"");
    std::fs::write(work.path().join("eksgen.yaml"), &text).unwrap();
    // Isolated from the developer's catalog overlay and colour settings.
    let run = |args: &[&str]| crate::common::eksgen(args, work.path());
    let out = run(&["plan", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut strings = Vec::new();
    json_strings(&json, &mut strings);
    for value in ["true", "a: b", "- c", "x = y", "@z", "1.0", "0x10", "null"] {
        assert!(
            strings.iter().any(|s| s == value),
            "{value:?} not in plan JSON"
        );
    }
    let out = run(&["render", "-o", "out"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rendered = Rendered::new();
    let root = work.path().join("out");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                rendered.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let strings = rendered_strings(&rendered);
    if rendered.keys().any(|p| !p.starts_with(".eksgen/")) {
        for value in ["true", "null", "1.0", "0x10"] {
            assert!(
                strings.iter().any(|s| s == value),
                "{value:?} not emitted as a string literal"
            );
        }
    }
}

/// The HCL reader used above finds literals where Terraform keeps them.
#[test]
fn hcl_reader_finds_literals() {
    let body: hcl::Body = hcl::from_str(
        r#"
module "eks" {
  name = "a\"b $${x} %%{ if }"
  tags = merge(var.tags, { "key: value" = "- item", plain = "true" })
  list = ["x", local.y]
  role = local.z
}
"#,
    )
    .unwrap();
    let mut out = Vec::new();
    hcl_strings(&body, &mut out);
    for want in [
        "eks",
        "a\"b ${x} %{ if }",
        "key: value",
        "- item",
        "plain",
        "true",
        "x",
    ] {
        assert!(out.iter().any(|s| s == want), "{want:?} not in {out:?}");
    }
}
