//! Nothing floats: every version the output depends on is pinned (AMI releases, add-on
//! versions, Karpenter aliases), the lock file records them with each group's AMI path, later
//! renders keep them, `eksgen upgrade` is the only thing that moves them (one Kubernetes minor
//! at a time, never down), and a change that would move a managed group between the EKS AMI
//! and a custom AMI is refused until asked for.

use crate::common::{run, tmp};

use std::fs;
use std::path::Path;

use hcl::expr::{Expression, ObjectKey};

const INTENT: &str = "apiVersion: eksgen/v1alpha1
kind: ClusterIntent
metadata:
  name: pins
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
";

fn write_intent(dir: &Path, edits: &[(&str, &str)]) {
    let mut body = INTENT.to_string();
    for (from, to) in edits {
        assert!(body.contains(from), "{from}");
        body = body.replace(from, to);
    }
    fs::write(dir.join("c.yaml"), body).expect("write intent");
}

fn render_ok(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["render", "-f", "c.yaml", "-o", "out"];
    args.extend(extra);
    let (code, out, err) = run(dir, &args);
    assert_eq!(code, Some(0), "{out}{err}");
    out
}

fn lock(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("c.eksgen.lock")).expect("lock"))
        .expect("lock json")
}

fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `diff --format json`'s impact list as (kind, subject) pairs.
fn impacts(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["diff", "-f", "c.yaml", "-o", "out", "--format", "json"];
    args.extend(extra);
    let (_, out, err) = run(dir, &args);
    let json: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    json["impact"]
        .as_array()
        .expect("impact list")
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or_default().to_string(),
                i["subject"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

// --- every output pins every version --------------------------------------------------------

fn key(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => format!("{other:?}"),
    }
}

fn object(e: &Expression) -> Vec<(String, &Expression)> {
    match e {
        Expression::Object(o) => o.iter().map(|(k, v)| (key(k), v)).collect(),
        _ => Vec::new(),
    }
}

fn field<'a>(e: &'a Expression, name: &str) -> Option<&'a Expression> {
    object(e)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The node group entries of a managed-node-group map, or one sub-module call's body.
fn check_managed_group(what: &str, has: &dyn Fn(&str) -> Option<Expression>) {
    assert_eq!(
        has("use_latest_ami_release_version"),
        Some(Expression::Bool(false)),
        "{what}: use_latest_ami_release_version must be false"
    );
    match (has("ami_id"), has("ami_release_version")) {
        (Some(_), None) => {}
        (None, Some(Expression::String(v))) => assert!(
            eksgen::catalog::releases::is_version(&v),
            "{what}: ami_release_version {v:?}"
        ),
        (id, release) => panic!(
            "{what}: a managed group takes its AMI by id or pins ami_release_version (ami_id {id:?}, ami_release_version {release:?})"
        ),
    }
}

fn check_terraform(what: &str, file: &str, content: &str) {
    let body: hcl::Body = hcl::from_str(content).unwrap_or_else(|e| panic!("{what} {file}: {e}"));
    for block in body.blocks() {
        if block.identifier() != "module" {
            continue;
        }
        let attr = |name: &str| {
            block
                .body()
                .attributes()
                .find(|a| a.key() == name)
                .map(|a| a.expr().clone())
        };
        for addons in ["addons", "cluster_addons"] {
            if let Some(map) = attr(addons) {
                let entries = object(&map);
                // The four every cluster gets, plus the EBS CSI driver with zonalStateful groups.
                assert!(
                    (4..=5).contains(&entries.len()),
                    "{what}: add-ons {entries:?}"
                );
                for (name, entry) in entries {
                    match field(entry, "addon_version") {
                        Some(Expression::String(v)) => assert!(
                            v.starts_with('v') && v.contains("-eksbuild."),
                            "{what}: {name} addon_version {v:?}"
                        ),
                        other => panic!("{what}: add-on {name} without addon_version ({other:?})"),
                    }
                }
            }
        }
        if let Some(groups) = attr("eks_managed_node_groups") {
            for (name, g) in object(&groups) {
                check_managed_group(&format!("{what} group {name}"), &|f| field(g, f).cloned());
            }
        }
        let source = attr("source");
        if let Some(Expression::String(s)) = &source
            && s.ends_with("//modules/eks-managed-node-group")
        {
            check_managed_group(
                &format!("{what} {file} {}", block.labels()[0].as_str()),
                &attr,
            );
        }
    }
}

#[test]
fn no_output_floats() {
    let mut plans = Vec::new();
    for (name, _, text) in eksgen::presets::PRESETS {
        plans.push((format!("preset {name}"), text.to_string()));
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intents");
    for entry in fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue; // the locks tfplan's renders leave beside the fixtures
        }
        plans.push((
            path.display().to_string(),
            fs::read_to_string(&path).expect("fixture"),
        ));
    }
    let alias = regex::Regex::new(r"^(al2023|al2)@v\d{8}$|^bottlerocket@v\d+\.\d+\.\d+$").unwrap();
    let mut checked = 0;
    for (what, text) in plans {
        let plan = eksgen::pipeline::plan_from_text(&text, &what)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(plan.node_groups.iter().all(|g| !g.ami.release.is_empty()));
        let rendered =
            eksgen::render::render(&plan, "c.yaml").unwrap_or_else(|e| panic!("{what}: {e}"));
        for (file, content) in rendered {
            for floating in ["/recommended/", "@latest", "/latest/"] {
                assert!(
                    !content.contains(floating),
                    "{what} {file}: names {floating}"
                );
            }
            if file.ends_with(".tf") {
                check_terraform(&what, &file, &content);
            }
            if file.starts_with("karpenter/") {
                for doc in serde_saphyr::from_multiple::<serde_json::Value>(&content)
                    .unwrap_or_else(|e| panic!("{what} {file}: {e}"))
                {
                    if doc["kind"] == "EC2NodeClass" {
                        let a = doc["spec"]["amiSelectorTerms"][0]["alias"]
                            .as_str()
                            .unwrap_or_default();
                        assert!(alias.is_match(a), "{what} {file}: alias {a:?}");
                    }
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked} intents");
}

// --- the lock keeps what the first render chose -------------------------------------------

#[test]
fn first_render_pins_and_later_renders_keep_the_pins() {
    let d = tmp();
    write_intent(d.path(), &[]);
    render_ok(d.path(), &[]);
    let first = lock(d.path());
    assert_eq!(first["versions"]["kubernetes"], "1.34");
    assert_eq!(first["nodeGroups"]["system"]["amiPath"], "eks-ami");
    assert_eq!(
        first["nodeGroups"]["system"]["amiRelease"],
        "1.34.9-20260714"
    );
    assert_eq!(first["versions"]["addons"]["coredns"], "v1.13.2-eksbuild.7");

    // An older release the cluster runs (an earlier render, or a lock from an older eksgen):
    // renders keep it; only `upgrade` moves it.
    let older = read(d.path(), "c.eksgen.lock")
        .replace("1.34.9-20260714", "1.34.9-20260618")
        .replace("v1.13.2-eksbuild.7", "v1.13.2-eksbuild.4");
    fs::write(d.path().join("c.eksgen.lock"), &older).unwrap();
    let out = render_ok(d.path(), &[]);
    assert!(out.contains("unchanged c.eksgen.lock"), "{out}");
    let eks = read(d.path(), "out/eks.tf");
    assert!(
        eks.contains("ami_release_version            = \"1.34.9-20260618\""),
        "{eks}"
    );
    assert!(
        eks.contains("addon_version = \"v1.13.2-eksbuild.4\""),
        "{eks}"
    );
    let out = render_ok(d.path(), &[]);
    assert!(
        !out.contains("updated"),
        "a second render changes nothing: {out}"
    );

    // `upgrade --ami` moves the AMI release only: the group rolls.
    let (code, out, err) = run(d.path(), &["upgrade", "-f", "c.yaml", "--ami", "-o", "out"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("AMI release  system: 1.34.9-20260618 → 1.34.9-20260714"),
        "{out}"
    );
    assert!(!out.contains("add-on "), "{out}");
    assert!(
        out.contains("roll nodes  node group system: amiRelease 1.34.9-20260618 → 1.34.9-20260714"),
        "{out}"
    );
    assert_eq!(
        lock(d.path())["versions"]["addons"]["coredns"],
        "v1.13.2-eksbuild.4"
    );
    // Then the add-ons: a version bump, nothing rolls.
    render_ok(d.path(), &[]);
    let (code, out, _) = run(
        d.path(),
        &["upgrade", "-f", "c.yaml", "--addons", "-o", "out"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("add-on       coredns: v1.13.2-eksbuild.4 → v1.13.2-eksbuild.7"),
        "{out}"
    );
    assert!(
        out.contains("version bump  cluster: coredns v1.13.2-eksbuild.4 → v1.13.2-eksbuild.7"),
        "{out}"
    );
    assert!(!out.contains("roll nodes"), "{out}");
    render_ok(d.path(), &[]);
    let (code, out, _) = run(d.path(), &["upgrade", "-f", "c.yaml"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("nothing to upgrade"), "{out}");
}

#[test]
fn upgrade_moves_one_minor_with_its_releases() {
    let d = tmp();
    write_intent(d.path(), &[]);
    render_ok(d.path(), &[]);
    let before = read(d.path(), "c.eksgen.lock");
    let (code, out, err) = run(
        d.path(),
        &[
            "upgrade",
            "-f",
            "c.yaml",
            "--kubernetes",
            "next",
            "--dry-run",
            "-o",
            "out",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("kubernetes   1.34 → 1.35"), "{out}");
    assert!(out.contains("would update c.yaml"), "{out}");
    assert_eq!(
        read(d.path(), "c.eksgen.lock"),
        before,
        "--dry-run writes nothing"
    );
    assert!(read(d.path(), "c.yaml").contains("\"1.34\""));

    let (code, out, _) = run(
        d.path(),
        &[
            "upgrade",
            "-f",
            "c.yaml",
            "--kubernetes",
            "1.35",
            "-o",
            "out",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    let summary = regex::Regex::new(r"(?m)^  (version bump|roll nodes) +(.*)$").unwrap();
    let lines: Vec<String> = summary
        .captures_iter(&out)
        .map(|c| format!("{}: {}", &c[1], &c[2]))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("version bump: cluster: cluster.kubernetesVersion 1.34 → 1.35")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "roll nodes: node group system: amiRelease 1.34.9-20260714 → 1.35.6-20260714"
        )),
        "{out}"
    );
    assert!(read(d.path(), "c.yaml").contains("kubernetesVersion: \"1.35\""));
    let after = lock(d.path());
    assert_eq!(after["versions"]["kubernetes"], "1.35");
    assert_eq!(
        after["nodeGroups"]["system"]["amiRelease"],
        "1.35.6-20260714"
    );
    assert_eq!(
        after["versions"]["addons"]["kube-proxy"],
        "v1.35.3-eksbuild.13"
    );
    render_ok(d.path(), &[]);
    let (code, out, _) = run(d.path(), &["diff", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0), "render wrote what upgrade showed: {out}");
}

#[test]
fn a_kubernetes_downgrade_is_refused_everywhere() {
    let d = tmp();
    write_intent(d.path(), &[]);
    render_ok(d.path(), &[]);
    let lock_before = read(d.path(), "c.eksgen.lock");
    let eks_before = read(d.path(), "out/eks.tf");
    write_intent(d.path(), &[("\"1.34\"", "\"1.33\"")]);
    for args in [
        &["plan", "-f", "c.yaml"][..],
        &["diff", "-f", "c.yaml", "-o", "out"],
        &["render", "-f", "c.yaml", "-o", "out"],
    ] {
        let (code, out, err) = run(d.path(), args);
        assert_eq!(code, Some(2), "{args:?}: {out}{err}");
        assert!(
            err.contains("c.yaml:7:22: spec.kubernetesVersion: the cluster runs Kubernetes 1.34 (lock file) and the intent asks for 1.33: EKS cannot downgrade a cluster"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(read(d.path(), "c.eksgen.lock"), lock_before);
    assert_eq!(read(d.path(), "out/eks.tf"), eks_before);
    // The upgrade command refuses it too, and a skipped minor.
    write_intent(d.path(), &[]);
    let (code, _, err) = run(
        d.path(),
        &["upgrade", "-f", "c.yaml", "--kubernetes", "1.33"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("EKS cannot downgrade a cluster"), "{err}");
    let (code, _, err) = run(
        d.path(),
        &["upgrade", "-f", "c.yaml", "--kubernetes", "1.36"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("one minor version at a time"), "{err}");
    write_intent(d.path(), &[("\"1.34\"", "\"1.36\"")]);
    let (code, _, err) = run(d.path(), &["plan", "-f", "c.yaml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("`eksgen upgrade --kubernetes 1.35`"), "{err}");
}

// --- the AMI path per group ------------------------------------------------------------------

#[test]
fn the_eks_ami_is_used_where_eks_sets_eksgens_max_pods() {
    // Prefix delegation (the default mode on nitro types): EKS computes 110 on its own AMI,
    // eksgen's value too. Custom networking likewise. MAX_ENI or a lower fixed maxPods
    // need the custom AMI.
    for (network, path) in [
        ("", "eks-ami"),
        ("    cni: {mode: secondary-ip}\n", "eks-ami"),
        ("    secondaryCidrs: [100.64.0.0/16]\n", "eks-ami"),
        (
            "    cni: {mode: secondary-ip, maxEni: 2, warmEniTarget: 1}\n",
            "custom-ami",
        ),
    ] {
        let text = INTENT.replace(
            "    availabilityZones",
            &format!("{network}    availabilityZones"),
        );
        let plan =
            eksgen::pipeline::plan_from_text(&text, "c.yaml").unwrap_or_else(|e| panic!("{e}"));
        let g = &plan.node_groups[0];
        assert_eq!(
            g.max_pods_delivery.path.to_string(),
            path,
            "{network}: {}",
            g.max_pods_delivery.reason
        );
        assert!(g.max_pods_delivery.eks_injected_max_pods.is_some());
    }
    let fixed = INTENT.replace("podsPerNode: 20", "podsPerNode: 20\n      maxPods: 30");
    let plan = eksgen::pipeline::plan_from_text(&fixed, "c.yaml").unwrap();
    assert_eq!(
        plan.node_groups[0].max_pods_delivery.path.to_string(),
        "custom-ami"
    );
}

#[test]
fn a_change_that_moves_a_group_off_the_eks_ami_is_refused_until_asked() {
    let d = tmp();
    write_intent(d.path(), &[]);
    render_ok(d.path(), &[]);
    let fixed = [("podsPerNode: 20", "podsPerNode: 20\n      maxPods: 30")];
    write_intent(d.path(), &fixed);
    let (code, out, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        err.contains(
            "node group system runs on the EKS AMI (lock file) and now needs a custom AMI"
        ),
        "{err}"
    );
    assert!(err.contains("`eksgen render --change-ami-path`"), "{err}");
    assert_eq!(lock(d.path())["nodeGroups"]["system"]["amiPath"], "eks-ami");
    assert!(
        impacts(d.path(), &["--change-ami-path"])
            .contains(&("replace-node-group".into(), "node group system".into()))
    );
    render_ok(d.path(), &["--change-ami-path"]);
    assert_eq!(
        lock(d.path())["nodeGroups"]["system"]["amiPath"],
        "custom-ami"
    );
    let eks = read(d.path(), "out/eks.tf");
    assert!(
        eks.contains("amazon-eks-node-al2023-x86_64-standard-1.34-v20260714/image_id"),
        "{eks}"
    );

    // Back to EKS's value: the group stays on its custom AMI (no silent replacement) until
    // asked again.
    write_intent(d.path(), &[]);
    let (code, out, _) = run(d.path(), &["plan", "-f", "c.yaml", "--format", "json"]);
    assert_eq!(code, Some(0));
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let delivery = &plan["nodeGroups"][0]["maxPodsDelivery"];
    assert_eq!(delivery["path"], "custom-ami");
    assert!(
        delivery["reason"]
            .as_str()
            .unwrap()
            .starts_with("kept on the custom AMI the lock file records")
    );
    assert!(
        !impacts(d.path(), &[])
            .iter()
            .any(|(k, _)| k == "replace-node-group")
    );
    assert!(
        impacts(d.path(), &["--change-ami-path"])
            .contains(&("replace-node-group".into(), "node group system".into()))
    );
}

// --- importing releases ----------------------------------------------------------------------

#[test]
fn imported_releases_feed_the_upgrade() {
    let d = tmp();
    write_intent(d.path(), &[]);
    render_ok(d.path(), &[]);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/releases");
    for f in ["ssm-al2023-1.34.json", "addons-1.34.json"] {
        fs::copy(fixtures.join(f), d.path().join(f)).unwrap();
    }
    let (code, out, err) = run(
        d.path(),
        &[
            "releases",
            "import",
            "ssm-al2023-1.34.json",
            "addons-1.34.json",
            "--date",
            "2026-12-02",
            "-o",
            "releases.csv",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("4 release(s) from 2 file(s)"), "{err}");
    let csv = read(d.path(), "releases.csv");
    assert!(csv.contains("ami/al2023,1.34,1.34.10-20260801,2026-08-02,aws ssm get-parameters-by-path (ssm-al2023-1.34.json)"), "{csv}");
    assert!(
        csv.contains("addon/coredns,1.34,v1.13.2-eksbuild.9,2026-12-02,"),
        "{csv}"
    );

    // Without the overlay nothing is newer; with it the upgrade takes the imported ones.
    let (_, out, _) = run(d.path(), &["upgrade", "-f", "c.yaml", "--dry-run"]);
    assert!(out.starts_with("nothing to upgrade"), "{out}");
    let (code, out, err) = run(
        d.path(),
        &[
            "--releases",
            "releases.csv",
            "upgrade",
            "-f",
            "c.yaml",
            "-o",
            "out",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        err.contains("note: releases overlay releases.csv: 4 release(s)"),
        "{err}"
    );
    assert!(
        out.contains("AMI release  system: 1.34.9-20260714 → 1.34.10-20260801"),
        "{out}"
    );
    assert!(
        out.contains("add-on       coredns: v1.13.2-eksbuild.7 → v1.13.2-eksbuild.9"),
        "{out}"
    );
    // The lock keeps the imported release even where the overlay is not passed again.
    let (code, out, err) = run(d.path(), &["render", "-f", "c.yaml", "-o", "out"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let eks = read(d.path(), "out/eks.tf");
    assert!(eks.contains("\"1.34.10-20260801\""), "{eks}");
    assert!(
        eks.contains("recorded in the lock file; not in eksgen's release table"),
        "{eks}"
    );
}
