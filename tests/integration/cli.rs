//! The binary's commands, exit codes and error messages (the cases that are only arguments,
//! exit code and output are data: `tests/cmd/`).

use crate::common::{eksgen, text, tmp};

use std::path::Path;

fn write(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), body).expect("write");
}

const GOOD: &str = "apiVersion: eksgen/v1alpha1
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
";

#[test]
fn catalog_filters_and_unknown_type() {
    let d = tmp();
    let out = eksgen(&["catalog", "--gpu", "--efa", "--format", "json"], d.path());
    assert_eq!(out.status.code(), Some(0));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().any(|r| r["name"] == "p5.48xlarge"));
    assert!(
        rows.iter().all(
            |r| r["gpuCount"].as_u64().unwrap() > 0 && r["efaInterfaces"].as_u64().unwrap() > 0
        )
    );
    let out = eksgen(&["catalog", "p5.48xlarge"], d.path());
    assert!(text(&out.stdout).contains("p5.48xlarge"));
    let out = eksgen(&["catalog", "nope.large"], d.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn plan_text_and_json() {
    let d = tmp();
    write(d.path(), "eksgen.yaml", GOOD);
    let out = eksgen(&["plan"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("max pods"));
    let out = eksgen(&["plan", "--format", "json"], d.path());
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["cluster"], "demo");
    for key in [
        "maxPods",
        "maxPodsReason",
        "podsPerNode",
        "ipsPerNode",
        "ipsAtMax",
        "gpusPerNode",
        "hourlyCostUsd",
        "monthlyCostUsd",
    ] {
        assert!(plan["nodeGroups"][0].get(key).is_some(), "missing {key}");
    }
    for key in [
        "vpcCidr",
        "secondaryCidrs",
        "customNetworking",
        "cni",
        "subnets",
    ] {
        assert!(plan["network"].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn missing_file_says_how_to_start() {
    let d = tmp();
    let out = eksgen(&["plan"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("eksgen.yaml") && err.contains("eksgen init --preset minimal"),
        "{err}"
    );
}

#[test]
fn bad_intent_reports_every_problem_with_location() {
    let d = tmp();
    let bad = GOOD
        .replace("min: 2, desired: 2, max: 4", "min: 5, desired: 2, max: 4")
        .replace("m6i.large", "m6i.larg")
        .replace("us-west-2b]", "eu-west-1b]");
    write(d.path(), "bad.yaml", &bad);
    let out = eksgen(&["plan", "-f", "bad.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "bad.yaml:13:23: spec.nodeGroups[0].instanceTypes[0]: unknown instance type `m6i.larg`"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean `m6i.large`?"), "{err}");
    assert!(
        err.contains("spec.nodeGroups[0].scaling.min: min 5 is above max 4"),
        "{err}"
    );
    assert!(
        err.contains("`eu-west-1b` is not an availability zone of us-west-2"),
        "{err}"
    );
    assert!(err.contains("problems in bad.yaml"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn pods_per_node_above_max_pods_is_an_input_error() {
    let d = tmp();
    write(
        d.path(),
        "e.yaml",
        &GOOD.replace("podsPerNode: 20", "podsPerNode: 500"),
    );
    let out = eksgen(&["plan", "-f", "e.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("e.yaml:15:20: spec.nodeGroups[0].podsPerNode: podsPerNode 500 is above the group's max pods 110"), "{err}");
}

/// Every SARIF result's rule is in the driver's rule list (EKSG021 once was not).
#[test]
fn sarif_defines_every_rule_it_reports() {
    let d = tmp();
    let preset = include_str!("../../presets/gpu-inference-karpenter.yaml");
    let always_on = preset.replace("min: 0, desired: 0", "min: 1, desired: 1");
    assert_ne!(always_on, preset);
    write(d.path(), "k.yaml", &always_on);
    let out = eksgen(&["lint", "-f", "k.yaml", "--format", "sarif"], d.path());
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "EKSG021"),
        "{results:?}"
    );
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert!(rules.contains(&id), "{id} has no rule in the driver");
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64(),
            "{r}"
        );
    }
}

#[test]
fn lint_exit_codes_and_formats() {
    let d = tmp();
    write(d.path(), "eksgen.yaml", GOOD);
    let out = eksgen(&["lint"], d.path());
    // Info findings only: exit 0.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // A single-AZ plain group is a warning: --deny-warnings turns it into exit 1.
    write(
        d.path(),
        "w.yaml",
        &GOOD.replace(
            "      podsPerNode: 20",
            "      podsPerNode: 20\n      availabilityZones: [us-west-2a]",
        ),
    );
    let out = eksgen(&["lint", "-f", "w.yaml"], d.path());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("EKSG007"), "{stdout}");
    // Each finding names the place it is about: file, line, column and key path.
    assert!(
        stdout.contains("      at: w.yaml:16:26 (spec.nodeGroups[0].availabilityZones)\n"),
        "{stdout}"
    );
    let out = eksgen(&["lint", "-f", "w.yaml", "--deny-warnings"], d.path());
    assert_eq!(out.status.code(), Some(1));
    let out = eksgen(&["lint", "-f", "w.yaml", "--format", "sarif"], d.path());
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "EKSG007");
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "w.yaml"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 16);
    assert_eq!(location["physicalLocation"]["region"]["startColumn"], 26);
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "spec.nodeGroups[0].availabilityZones"
    );
    let out = eksgen(&["lint", "-f", "w.yaml", "--format", "json"], d.path());
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings[0]["id"], "EKSG007");
    assert_eq!(findings[0]["path"], "spec.nodeGroups[0].availabilityZones");
    assert_eq!(
        (&findings[0]["line"], &findings[0]["column"]),
        (&16.into(), &26.into())
    );
    // An error finding: exit 1 from lint, exit 2 from plan.
    write(
        d.path(),
        "e.yaml",
        &GOOD.replace("10.0.0.0/16", "10.0.0.0/28"),
    );
    let out = eksgen(&["lint", "-f", "e.yaml"], d.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("EKSG003"));
    let out = eksgen(&["plan", "-f", "e.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_lists_writes_and_refuses_to_overwrite() {
    let d = tmp();
    let out = eksgen(&["init", "--list"], d.path());
    assert_eq!(out.status.code(), Some(0));
    for name in [
        "minimal",
        "gpu-training-efa",
        "gpu-inference-karpenter",
        "data-science",
        "constrained-vpc",
    ] {
        assert!(text(&out.stdout).contains(name));
    }
    let out = eksgen(
        &[
            "init",
            "--preset",
            "minimal",
            "--name",
            "team-a",
            "--region",
            "eu-west-1",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(d.path().join("eksgen.yaml")).unwrap();
    assert!(written.contains("name: team-a") && written.contains("eu-west-1a"));
    let out = eksgen(&["plan"], d.path());
    assert_eq!(out.status.code(), Some(0));
    let out = eksgen(&["init", "--preset", "minimal"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(d.path().join("eksgen.yaml")).unwrap(),
        written
    );
    let out = eksgen(&["init", "--preset", "minimal", "--force"], d.path());
    assert_eq!(out.status.code(), Some(0));
    let out = eksgen(&["init", "--preset", "minimall", "-o", "x.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `minimal`?"));
    assert!(!d.path().join("x.yaml").exists());
    let out = eksgen(
        &[
            "init",
            "--preset",
            "minimal",
            "--name",
            "bad\"name",
            "-o",
            "y.yaml",
        ],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.path().join("y.yaml").exists());
}

/// `--version` names the crate version, the commit the binary was built from and the catalog
/// date; in a git checkout of the crate the commit is HEAD's.
#[test]
fn version_names_version_commit_and_catalog_date() {
    let d = tmp();
    let out = eksgen(&["--version"], d.path());
    assert_eq!(out.status.code(), Some(0));
    let line = text(&out.stdout);
    let expected_start = format!("eksgen {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected_start), "{line}");
    assert!(
        line.trim_end().ends_with(&format!(
            ", catalog {})",
            eksgen::catalog::EMBEDDED_CATALOG_DATE
        )),
        "{line}"
    );
    let commit = &line[expected_start.len()..line.find(", catalog").expect("catalog part")];

    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(manifest_dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| text(&o.stdout).trim().to_string())
    };
    let is_checkout_of_crate = git(&["rev-parse", "--show-toplevel"]).is_some_and(|top| {
        Path::new(&top).canonicalize().ok() == Path::new(manifest_dir).canonicalize().ok()
    });
    match git(&["rev-parse", "HEAD"]) {
        Some(head) if is_checkout_of_crate && std::env::var_os("EKSGEN_BUILD_COMMIT").is_none() => {
            assert_eq!(commit, &head[..12], "{line}");
        }
        // A build from a crate archive: the commit cargo package recorded, or `unknown`.
        _ => assert!(
            commit == "unknown"
                || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{line}"
        ),
    }
}

#[test]
fn help_and_version() {
    let d = tmp();
    let out = eksgen(&["--version"], d.path());
    assert!(text(&out.stdout).contains("catalog"));
    for cmd in ["init", "plan", "lint", "max-pods", "catalog"] {
        let out = eksgen(&[cmd, "--help"], d.path());
        assert_eq!(out.status.code(), Some(0));
        assert!(
            text(&out.stdout).contains("Example"),
            "{cmd} --help has no example"
        );
    }
    let out = eksgen(&["frobnicate"], d.path());
    assert_eq!(out.status.code(), Some(2));
}

/// A hand-written default AWS provider next to the generated root module would fail
/// `terraform validate` (duplicate provider configuration): render refuses and writes
/// nothing; a backend block is kept with a note; the module layout has no provider to clash.
#[test]
fn render_reports_foreign_provider_and_backend_blocks() {
    let d = tmp();
    write(d.path(), "eksgen.yaml", GOOD);
    let out_dir = d.path().join("infra");
    std::fs::create_dir(&out_dir).expect("mkdir");
    write(
        &out_dir,
        "provider.tf",
        "terraform {\n  backend \"s3\" {}\n}\n\nprovider \"aws\" {\n  region = \"us-west-2\"\n}\n",
    );
    let out = eksgen(&["render", "-o", "infra"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "provider.tf:5: provider \"aws\" is also defined in the generated providers.tf"
        ),
        "{err}"
    );
    assert!(err.contains("layout: module"), "{err}");
    let listed: Vec<_> = std::fs::read_dir(&out_dir).expect("read").collect();
    assert_eq!(listed.len(), 1, "something was written");

    let module = GOOD.replace("  network:", "  terraform:\n    layout: module\n  network:");
    write(d.path(), "eksgen.yaml", &module);
    let out = eksgen(&["render", "-o", "infra"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("provider.tf:2: a `backend` block is kept"));
}

/// An eksctl ClusterConfig becomes an intent that `plan` accepts, and every field left
/// behind is named; a second import does not overwrite without --force.
#[test]
fn import_eksctl_round_trips_into_plan() {
    let d = tmp();
    let config =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eksctl/existing-vpc-gpu.yaml");
    let config = config.to_str().expect("utf-8 path");
    let out = eksgen(&["import", "eksctl", config, "-o", "eksgen.yaml"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    for left in [
        "iam: not carried over",
        "addons[1]: add-on `aws-ebs-csi-driver`",
        "managedNodeGroups[2].iam",
    ] {
        assert!(err.contains(left), "{left} missing from\n{err}");
    }
    let out = eksgen(&["plan", "--format", "json"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    assert_eq!(
        plan["network"]["existingVpc"]["id"],
        "vpc-0abcdef0123456789"
    );
    assert_eq!(plan["network"]["cni"]["mode"], "prefix-delegation");
    let train = plan["nodeGroups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["name"] == "train")
        .expect("train");
    assert_eq!(train["efa"], true);
    assert_eq!(
        train["availabilityZones"],
        serde_json::json!(["us-east-1a"])
    );
    let out = eksgen(&["import", "eksctl", config, "-o", "eksgen.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--force"));
}

/// A ClusterConfig eksgen cannot turn into a valid intent stops with located errors and
/// writes nothing.
#[test]
fn import_eksctl_refuses_what_it_cannot_complete() {
    let d = tmp();
    write(
        d.path(),
        "cluster.yaml",
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: a\n  region: us-west-2\n  version: 1.30\nmanagedNodeGroups:\n  - name: g\n    instanceType: m6i.lrage\n",
    );
    let out = eksgen(
        &["import", "eksctl", "cluster.yaml", "-o", "eksgen.yaml"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("cluster.yaml:6:12: metadata.version: the version is a YAML number"),
        "{}",
        text(&out.stderr)
    );
    assert!(!d.path().join("eksgen.yaml").exists());
    write(
        d.path(),
        "cluster.yaml",
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: a\n  region: us-west-2\n  version: \"1.34\"\nmanagedNodeGroups:\n  - name: g\n    instanceType: m6i.lrage\n",
    );
    let out = eksgen(&["import", "eksctl", "cluster.yaml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("cluster.yaml (imported intent)")
            && err.contains("unknown instance type `m6i.lrage`"),
        "{err}"
    );
}
