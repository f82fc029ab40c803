//! Day two on a live repository: the lock file keeps the subnet layout, `diff` classifies
//! every change by what AWS and Terraform would do, and the output folder survives crashes,
//! stray files and tampering.

use crate::common::{run, tmp};

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

const INTENT: &str = "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: demo
spec:
  region: us-west-2
  kubernetesVersion: \"1.34\"
  network:
    vpcCidr: 10.0.0.0/16
    availabilityZones: [us-west-2a, us-west-2b]
  nodeGroups:
    - name: system
      instanceTypes: [m6i.large]
      scaling: {min: 2, desired: 2, max: 4}
      podsPerNode: 20
    - name: batch
      provisioner: self-managed
      instanceTypes: [m6i.large]
      scaling: {min: 0, desired: 0, max: 4}
      podsPerNode: 20
";

/// Writes the intent with `edit` applied (a list of text replacements).
fn intent(dir: &Path, edits: &[(&str, &str)]) {
    let mut body = INTENT.to_string();
    for (from, to) in edits {
        assert!(body.contains(from), "{from}");
        body = body.replace(from, to);
    }
    fs::write(dir.join("c.yaml"), body).expect("write intent");
}

fn render(dir: &Path) {
    let (code, out, err) = run(dir, &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0), "{out}{err}");
}

/// The lock's subnet name → CIDR map and zone order.
fn layout(dir: &Path) -> (BTreeMap<String, String>, Vec<String>) {
    let lock: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("c.eksgen.lock")).expect("lock"))
            .expect("lock json");
    let subnets = lock["layout"]["subnets"]
        .as_object()
        .expect("subnets")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let zones = lock["layout"]["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .map(|z| z.as_str().unwrap_or_default().to_string())
        .collect();
    (subnets, zones)
}

/// `diff --format json`'s impact list as (kind, subject) pairs, and the exit code.
fn impacts(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<(String, String)>) {
    let mut args = vec!["diff", "-f", "c.yaml", "-o", "out", "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run(dir, &args);
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let list = json["impact"]
        .as_array()
        .expect("impact list")
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or_default().to_string(),
                i["subject"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (code, list)
}

#[test]
fn adding_a_zone_and_a_group_keeps_every_cidr() {
    let d = tmp();
    intent(d.path(), &[]);
    render(d.path());
    let (before, zones_before) = layout(d.path());
    assert_eq!(zones_before, ["us-west-2a", "us-west-2b"]);
    // A zone added in front of the list, a new group and a larger max.
    intent(
        d.path(),
        &[
            (
                "[us-west-2a, us-west-2b]",
                "[us-west-2c, us-west-2a, us-west-2b]",
            ),
            (
                "max: 4}\n      podsPerNode: 20\n    - name: batch",
                "max: 8}\n      podsPerNode: 20\n    - name: web\n      instanceTypes: [m6i.xlarge]\n      scaling: {min: 1, desired: 1, max: 3}\n    - name: batch",
            ),
        ],
    );
    let (code, list) = impacts(d.path(), &["--fail-on", "replace"]);
    assert_eq!(code, Some(3), "the system group spans a new zone: {list:?}");
    assert!(
        list.contains(&("create".into(), "subnet private-us-west-2c".into())),
        "{list:?}"
    );
    assert!(
        list.contains(&("create".into(), "node group web".into())),
        "{list:?}"
    );
    assert!(
        !list
            .iter()
            .any(|(k, s)| k == "replace-subnets" && s.contains("us-west-2a")),
        "{list:?}"
    );
    render(d.path());
    let (after, zones_after) = layout(d.path());
    for (name, cidr) in &before {
        assert_eq!(after.get(name), Some(cidr), "{name} moved");
    }
    assert!(after.contains_key("private-us-west-2c"));
    // The recorded zones keep their positions (the subnets' resource keys); the new one
    // comes last.
    assert_eq!(zones_after, ["us-west-2a", "us-west-2b", "us-west-2c"]);
    let vpc = fs::read_to_string(d.path().join("out/vpc.tf")).expect("vpc.tf");
    let azs = vpc.find("\"us-west-2a\"").expect("a") < vpc.find("\"us-west-2c\"").expect("c");
    assert!(azs, "{vpc}");
}

#[test]
fn growth_that_would_move_subnets_is_refused_until_relayout() {
    let d = tmp();
    // Three zones: the first layout grows each private subnet to a /19 (half the VPC).
    const ZONES: (&str, &str) = (
        "[us-west-2a, us-west-2b]",
        "[us-west-2a, us-west-2b, us-west-2c]",
    );
    const NO_SECONDARY: (&str, &str) = ("network:\n", "network:\n    secondaryCidrs: none\n");
    intent(d.path(), &[NO_SECONDARY, ZONES]);
    render(d.path());
    assert_eq!(layout(d.path()).0["private-us-west-2a"], "10.0.0.0/19");
    let vpc_before = fs::read_to_string(d.path().join("out/vpc.tf")).expect("vpc.tf");
    intent(
        d.path(),
        &[
            NO_SECONDARY,
            ZONES,
            // About 9,000 addresses per zone at max: more than a /19 holds.
            (
                "max: 4}\n      podsPerNode: 20\n    - name: batch",
                "max: 800}\n      podsPerNode: 20\n    - name: batch",
            ),
        ],
    );
    let (code, _, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("module.vpc.aws_subnet.private[0]"), "{err}");
    assert!(err.contains("--relayout"), "{err}");
    assert_eq!(
        fs::read_to_string(d.path().join("out/vpc.tf")).expect("vpc.tf"),
        vpc_before,
        "a refusal writes nothing"
    );
    let (code, list) = impacts(d.path(), &["--relayout", "--fail-on", "replace"]);
    assert_eq!(code, Some(3));
    assert!(
        list.iter()
            .any(|(k, s)| k == "replace-subnets" && s == "subnet private-us-west-2a"),
        "{list:?}"
    );
    let (code, out, err) = run(
        d.path(),
        &["render", "-f", "c.yaml", "-o", "out", "--relayout"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("replace subnets"), "{err}");
    let (after, _) = layout(d.path());
    assert_ne!(after["private-us-west-2a"], "10.0.0.0/19");
}

/// Intent edits, the impact kind they must produce, and on what.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[test]
fn every_kind_of_change_is_classified() {
    let cases: &[Case] = &[
        (
            &[(
                "instanceTypes: [m6i.large]\n      scaling: {min: 2",
                "instanceTypes: [m6i.xlarge]\n      scaling: {min: 2",
            )],
            "replace-node-group",
            "node group system",
        ),
        (
            &[(
                "max: 4}\n      podsPerNode: 20\n    - name: batch",
                "max: 5}\n      podsPerNode: 20\n    - name: batch",
            )],
            "update",
            "node group system",
        ),
        (
            &[(
                "      scaling: {min: 0, desired: 0, max: 4}\n",
                "      scaling: {min: 0, desired: 0, max: 4}\n      labels: {team: ml}\n",
            )],
            "roll-nodes",
            "node group batch",
        ),
        (
            &[(
                "    - name: batch\n      provisioner: self-managed\n      instanceTypes: [m6i.large]\n      scaling: {min: 0, desired: 0, max: 4}\n      podsPerNode: 20\n",
                "",
            )],
            "remove-node-group",
            "node group batch",
        ),
        // A downgrade never gets this far: the lock refuses it (pins.rs).
        (&[("\"1.34\"", "\"1.35\"")], "version", "cluster"),
        (
            &[(
                "    availabilityZones",
                "    cni: {mode: secondary-ip}\n    availabilityZones",
            )],
            "new-nodes-only",
            "CNI",
        ),
    ];
    for (edits, kind, subject) in cases {
        let d = tmp();
        intent(d.path(), &[]);
        render(d.path());
        intent(d.path(), edits);
        let (code, list) = impacts(d.path(), &[]);
        assert_eq!(code, Some(1), "{kind}: {list:?}");
        assert!(
            list.contains(&(kind.to_string(), subject.to_string())),
            "{kind} {subject}: {list:?}"
        );
        let replace = matches!(
            *kind,
            "replace-node-group" | "remove-node-group" | "replace-cluster"
        );
        let roll = replace || *kind == "roll-nodes";
        let (code, _) = impacts(d.path(), &["--fail-on", "replace"]);
        assert_eq!(
            code,
            Some(if replace { 3 } else { 1 }),
            "{kind} --fail-on replace: {list:?}"
        );
        let (code, _) = impacts(d.path(), &["--fail-on", "roll"]);
        if !list
            .iter()
            .any(|(k, _)| k == "roll-nodes" || k.starts_with("replace") || k.starts_with("remove"))
        {
            assert_eq!(code, Some(1), "{kind} --fail-on roll: {list:?}");
        } else if roll {
            assert_eq!(code, Some(3), "{kind} --fail-on roll");
        }
    }
}

#[test]
fn every_format_shows_the_impact() {
    let d = tmp();
    intent(d.path(), &[]);
    render(d.path());
    intent(
        d.path(),
        &[(
            "instanceTypes: [m6i.large]\n      scaling: {min: 2",
            "instanceTypes: [m6i.xlarge]\n      scaling: {min: 2",
        )],
    );
    let (code, md, _) = run(
        d.path(),
        &["diff", "-f", "c.yaml", "-o", "out", "--format", "markdown"],
    );
    assert_eq!(code, Some(1));
    let impact = md.find("#### Impact").expect("impact table");
    assert!(impact < md.find("| File |").expect("file table"), "{md}");
    assert!(
        md.contains("| **replace node group** | node group system |"),
        "{md}"
    );
    let (_, unified, _) = run(
        d.path(),
        &["diff", "-f", "c.yaml", "-o", "out", "--color", "never"],
    );
    let tail = &unified[unified
        .rfind("Impact (what terraform apply would do):")
        .expect("summary")..];
    assert!(
        tail.contains(
            "replace node group  node group system: instanceTypes m6i.large → m6i.xlarge"
        ),
        "{tail}"
    );
    let (code, dry, _) = run(
        d.path(),
        &[
            "render",
            "-f",
            "c.yaml",
            "-o",
            "out",
            "--dry-run",
            "--fail-on",
            "replace",
        ],
    );
    assert_eq!(code, Some(3));
    assert!(dry.contains("replace node group"), "{dry}");
}

#[test]
fn header_names_the_intent_the_same_however_f_is_spelled() {
    let d = tmp();
    intent(d.path(), &[]);
    let abs = d.path().join("c.yaml");
    let mut outputs = Vec::new();
    for (i, f) in ["c.yaml", "./c.yaml", abs.to_str().expect("utf-8 path")]
        .iter()
        .enumerate()
    {
        let out = format!("o{i}");
        let (code, _, err) = run(d.path(), &["render", "-f", f, "-o", &out]);
        assert_eq!(code, Some(0), "{err}");
        outputs.push(fs::read_to_string(d.path().join(&out).join("eks.tf")).expect("eks.tf"));
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    assert!(
        outputs[0].contains("from c.yaml."),
        "{}",
        &outputs[0][..200]
    );
    assert!(!outputs[0].contains(d.path().to_str().expect("utf-8")));
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// Leaves `out` as a render of the edited intent would if it were killed after writing
/// eks.tf: the journal lists both renders' files, only eks.tf has the new content, the
/// manifest is the old one.
fn interrupted_render(d: &Path, edits: &[(&str, &str)]) {
    intent(d, &[]);
    render(d);
    intent(d, edits);
    let (code, _, err) = run(d, &["render", "-f", "c.yaml", "-o", "next"]);
    assert_eq!(code, Some(0), "{err}");
    let mut journal: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for folder in ["out", "next"] {
        let m: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(d.join(folder).join(".eksgen/manifest.json")).expect("manifest"),
        )
        .expect("json");
        for (path, hash) in m["files"].as_object().expect("files") {
            journal
                .entry(path.clone())
                .or_default()
                .push(hash.as_str().unwrap_or_default().to_string());
        }
    }
    fs::write(
        d.join("out/.eksgen/journal.json"),
        serde_json::json!({"version": 1, "files": journal}).to_string(),
    )
    .expect("journal");
    fs::copy(d.join("next/eks.tf"), d.join("out/eks.tf")).expect("copy");
}

const GROW: &[(&str, &str)] = &[(
    "instanceTypes: [m6i.large]\n      scaling: {min: 2",
    "instanceTypes: [m6i.xlarge]\n      scaling: {min: 2",
)];

#[test]
fn an_interrupted_render_is_finished_by_the_next_one() {
    let d = tmp();
    interrupted_render(d.path(), GROW);
    let (code, out, _) = run(d.path(), &["diff", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("was interrupted"), "{out}");
    let (code, out, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(
        code,
        Some(0),
        "no 'edited by hand' after a crash: {out}{err}"
    );
    assert!(!d.path().join("out/.eksgen/journal.json").exists());
    for name in ["eks.tf", "vpc.tf", ".eksgen/manifest.json"] {
        assert_eq!(
            fs::read(d.path().join("out").join(name)).expect("out"),
            fs::read(d.path().join("next").join(name)).expect("next"),
            "{name}"
        );
    }
    let (code, _, _) = run(d.path(), &["diff", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0));
}

#[test]
fn an_interrupted_render_can_be_rolled_back() {
    let d = tmp();
    interrupted_render(d.path(), GROW);
    intent(d.path(), &[]);
    let (code, out, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("updated   out/eks.tf"), "{out}");
    assert!(
        !fs::read_to_string(d.path().join("out/eks.tf"))
            .expect("eks")
            .contains("m6i.xlarge")
    );
}

#[test]
fn temp_files_of_a_killed_render_are_reported_and_removed() {
    let d = tmp();
    intent(d.path(), &[]);
    render(d.path());
    let stale = [
        "out/.eks.tf.eksgen-Ab12Cd.tmp",
        "out/.eksgen/.manifest.json.eksgen-zz99zz.tmp",
        "out/workloads/.system.yaml.eksgen-q1w2e3.tmp",
    ];
    for s in stale {
        fs::write(d.path().join(s), "half").expect("temp");
    }
    fs::write(d.path().join("out/.keep.eksgen-notmine.tmp"), "x").expect("other");
    let (code, out, _) = run(d.path(), &["diff", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0), "temp files are no difference: {out}");
    assert!(
        out.contains("3 temp file(s) of a killed eksgen run"),
        "{out}"
    );
    let (code, out, _) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0));
    for s in stale {
        assert!(!d.path().join(s).exists(), "{s}: {out}");
    }
    assert!(d.path().join("out/.keep.eksgen-notmine.tmp").exists());
}

#[test]
fn a_tampered_manifest_cannot_delete_user_files() {
    let d = tmp();
    intent(d.path(), &[]);
    render(d.path());
    let state = b"{\"terraform_version\": \"1.11.0\"}\n";
    fs::write(d.path().join("out/terraform.tfstate"), state).expect("state");
    let path = d.path().join("out/.eksgen/manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("m")).expect("json");
    m["files"]["terraform.tfstate"] = serde_json::Value::String(sha(state));
    fs::write(&path, serde_json::to_string_pretty(&m).expect("json")).expect("write");
    let (code, out, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(d.path().join("out/terraform.tfstate").exists(), "{out}");
    assert!(out.contains("a path eksgen never generates"), "{out}");
}

#[test]
fn foreign_terraform_that_redefines_generated_blocks_is_reported() {
    let d = tmp();
    intent(d.path(), &[]);
    render(d.path());
    fs::write(
        d.path().join("out/main.tf"),
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\nprovider \"aws\" {\n  alias = \"dr\"\n}\nmodule \"vpc\" {\n  source = \"./x\"\n}\nresource \"aws_s3_bucket\" \"mine\" {}\n",
    )
    .expect("main.tf");
    let (code, out, _) = run(d.path(), &["diff", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("main.tf was not generated by eksgen and defines provider \"aws\" (also in providers.tf), module \"vpc\" (also in vpc.tf)"), "{out}");
    assert!(!out.contains("aws_s3_bucket"), "{out}");
}

#[test]
fn oversized_files_in_the_output_folder_are_not_read() {
    let d = tmp();
    intent(d.path(), &[]);
    render(d.path());
    let big = fs::OpenOptions::new()
        .write(true)
        .open(d.path().join("out/eks.tf"))
        .expect("open");
    big.set_len(65 * 1024 * 1024).expect("sparse file");
    let (code, _, err) = run(d.path(), &["diff", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("eks.tf is larger than"), "{err}");
}

#[test]
fn a_lock_of_another_cluster_or_a_bad_lock_is_an_error() {
    let d = tmp();
    intent(d.path(), &[]);
    fs::write(
        d.path().join("c.eksgen.lock"),
        "{\"version\":1,\"generator\":\"x\",\"cluster\":\"other\"}",
    )
    .expect("lock");
    let (code, _, err) = run(d.path(), &["plan", "-f", "c.yaml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("c.eksgen.lock") && err.contains("\"other\""),
        "{err}"
    );
    fs::write(d.path().join("c.eksgen.lock"), "{not json").expect("lock");
    let (code, _, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a valid eksgen lock file"), "{err}");
    assert!(!d.path().join("out").exists());
}

#[test]
fn a_line_separator_in_the_intent_name_stays_inside_the_header_comment() {
    let d = tmp();
    let name = "c\u{2028}x: 1\u{2029}.yaml";
    fs::write(d.path().join(name), INTENT).expect("intent");
    let (code, _, err) = run(d.path(), &["render", "-f", name, "-o", "out"]);
    assert_eq!(code, Some(0), "{err}");
    let workload = fs::read_to_string(d.path().join("out/workloads/system.yaml")).expect("yaml");
    assert!(!workload.contains(['\u{2028}', '\u{2029}']));
    assert!(
        workload.starts_with("# Generated by eksgen from c x: 1 .yaml."),
        "{workload}"
    );
}
