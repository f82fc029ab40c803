//! Bad input: every file in `tests/bad_inputs/` (and a few generated or file-system cases)
//! must make every command that reads an intent exit 2, with a message on stderr that names
//! the file and, where it applies, the line, column, key path and bad value; never panic;
//! and never write anything: no output folder, no manifest, no file next to the input.

mod common;
use common::{eksgen, text};

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

/// Every entry of `dir`, recursively, as relative paths (links are listed, not followed).
fn listing(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            out.insert(
                path.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

/// The common promises of a refused command.
fn assert_refused(out: &Output, what: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: exit code\nstdout: {}\nstderr: {err}",
        text(&out.stdout)
    );
    assert!(!err.contains("panicked"), "{what}: panic\n{err}");
    assert!(err.starts_with("error: "), "{what}: no error line\n{err}");
    err
}

/// Which commands a case is run through.
#[derive(Clone, Copy, PartialEq)]
enum Commands {
    /// plan, lint, render (two ways) and diff: the intent itself is invalid.
    All,
    /// The intent is valid but the plan has error findings: lint reports them with exit 1
    /// (its findings code); plan, render and diff refuse with exit 2.
    PlanFindings,
}

/// Runs one corpus file through the commands in a folder that holds only a copy of it.
fn check_case(file: &str, expected: &[&str], commands: Commands) {
    let bytes = fs::read(corpus().join(file)).expect("corpus file");
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path();
    fs::write(dir.join(file), &bytes).unwrap();

    let mut runs: Vec<Vec<&str>> = vec![
        vec!["plan", "-f", file],
        vec!["plan", "-f", file, "--format", "json"],
        vec!["render", "-f", file, "-o", "out"],
        // No -o: the default folder out/<cluster> must not appear either.
        vec!["render", "-f", file],
        vec!["render", "-f", file, "-o", "out", "--dry-run"],
        vec!["diff", "-f", file, "-o", "out"],
    ];
    if commands == Commands::All {
        runs.push(vec!["lint", "-f", file]);
    }
    for args in &runs {
        let what = format!("{file}: eksgen {}", args.join(" "));
        let out = eksgen(args, dir);
        let err = assert_refused(&out, &what);
        assert!(
            err.contains(&format!("error: {file}")),
            "{what}: the message does not name the file\n{err}"
        );
        for want in expected {
            assert!(err.contains(want), "{what}: missing {want:?}\n{err}");
        }
        assert_eq!(
            listing(dir),
            BTreeSet::from([file.to_string()]),
            "{what}: something was written"
        );
    }
    if commands == Commands::PlanFindings {
        let out = eksgen(&["lint", "-f", file], dir);
        assert_eq!(out.status.code(), Some(1), "{file}: lint exit code");
        assert_eq!(listing(dir), BTreeSet::from([file.to_string()]));
    }
}

macro_rules! cases {
    ($($name:ident $(($commands:ident))? => [$($want:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                #[allow(unused_mut, unused_assignments)]
                let mut commands = Commands::All;
                $(commands = Commands::$commands;)?
                check_case(concat!(stringify!($name), ".yaml"), &[$($want),*], commands);
            }
        )*
        /// Every corpus file with a case above.
        const CORPUS: &[&str] = &[$(concat!(stringify!($name), ".yaml")),*];
    };
}

cases! {
    // YAML that is not well-formed.
    malformed_indentation => [":7:2: spec.region: YAML syntax error", "check the indentation"];
    malformed_unclosed_quote => [":11:14: spec.network.vpcCidr: YAML syntax error: unclosed quote"];
    malformed_flow_mapping => [":22:5: metadata: YAML syntax error"];
    malformed_tab_indentation => [":4:2: metadata: YAML syntax error: tabs disallowed"];
    empty => ["empty.yaml: the file is empty", "eksgen init --preset minimal"];
    comments_only => ["the file holds no YAML content, only comments or blank lines"];
    multiple_documents => [":30:1: the file holds more than one YAML document"];
    binary => [":1:11: the file is not UTF-8 text (invalid byte 0xff at offset 10)"];
    utf16 => [":1:1: the file is not UTF-8 text (invalid byte 0xff at offset 0)"];
    invalid_utf8_in_value => [":4:11: the file is not UTF-8 text (invalid byte 0xc3 at offset 68)"];
    nul_byte => [":4:11: metadata.name: YAML syntax error: unexpected character"];
    // Resource exhaustion: nesting, alias bombs, alias amplification.
    deep_nesting_flow => [":1:256: the document is nested too deeply"];
    deep_nesting_block => [":1:1: expected a mapping (`key: value` entries), found a list"];
    billion_laughs => [":1:1: lol0: unknown field `lol0`"];
    billion_laughs_in_tags => [":21:17: spec.tags.lol1: expected a single value, found a list"];
    alias_amplification => ["the document expands beyond what eksgen reads safely"];
    // Unknown fields at every level, with a suggestion where one is close.
    unknown_field_top => [":3:1: specs: unknown field `specs`", "did you mean `spec`?"];
    unknown_field_metadata => [":5:3: metadata.nmae: unknown field `nmae`", "did you mean `name`?"];
    unknown_field_spec => [":7:3: spec.regoin: unknown field `regoin`", "did you mean `region`?"];
    unknown_field_endpoint => [":10:5: spec.endpoint.publicAcess: unknown field `publicAcess`", "did you mean `publicAccess`?"];
    unknown_field_network => [":12:5: spec.network.vpcCdir: unknown field `vpcCdir`", "did you mean `vpcCidr`?"];
    unknown_field_cni => [":15:7: spec.network.cni.maxEnis: unknown field `maxEnis`", "did you mean `maxEni`?"];
    unknown_field_autoscaling => [":17:5: spec.autoscaling.karpentr: unknown field `karpentr`", "did you mean `karpenter`?"];
    unknown_field_registry => [":19:5: spec.registry.imageSize: unknown field `imageSize`", "did you mean `imageSizeGiB`?"];
    unknown_field_node_group => [":26:7: spec.nodeGroups[0].podPerNode: unknown field `podPerNode`", "did you mean `podsPerNode`?"];
    unknown_field_scaling => [":24:45: spec.nodeGroups[0].scaling.maximum: unknown field `maximum`", "did you mean `max`?"];
    unknown_field_taint => [":28:63: spec.nodeGroups[0].taints[0].efect: unknown field `efect`", "did you mean `effect`?"];
    unknown_field_no_suggestion => [":26:7: spec.nodeGroups[0].zzzzzz: unknown field `zzzzzz`", "allowed here: `name`"];
    // Wrong types: each message names what was expected and what was found.
    wrong_type_string_for_integer => [":24:42: spec.nodeGroups[0].scaling.max: expected a whole number (0 or more), found `four`"];
    wrong_type_negative_integer => [":25:20: spec.nodeGroups[0].podsPerNode: expected a whole number (0 or more), found `-3`"];
    wrong_type_float_for_integer => [":25:20: spec.nodeGroups[0].podsPerNode: expected a whole number (0 or more), found `2.5`"];
    wrong_type_integer_overflow => [":25:20: spec.nodeGroups[0].podsPerNode: expected a whole number (0 or more), found `99999999999999999999`"];
    wrong_type_list_for_map => [":26:15: spec.nodeGroups[0].labels: expected a mapping (`key: value` entries), found a list"];
    wrong_type_map_for_list => [":23:22: spec.nodeGroups[0].instanceTypes: expected a list (`[a, b]` or `- item` lines), found a mapping"];
    wrong_type_list_for_string => [":4:9: metadata.name: expected a single value, found a list"];
    wrong_type_null_for_string => [":4:9: metadata.name: expected a text value, found `~`"];
    wrong_type_bool => [":9:19: spec.endpoint.publicAccess: expected `true` or `false`, found `maybe`"];
    wrong_type_version_number => [":7:22: spec.kubernetesVersion: kubernetesVersion 1.3 is a YAML number", "found `1.30`"];
    wrong_type_enum => [":14:13: spec.network.cni.mode: unknown variant `prefix`", "did you mean `prefix-delegation`?"];
    duplicate_key => [":7:3: spec.region: the key `region` is given twice"];
    missing_required_field => [":26:7: spec.nodeGroups[0]: missing field `scaling`"];
    kubernetes_version_sign => [":7:22: spec.kubernetesVersion: `+1.+34` is not a supported EKS Kubernetes version"];
    wrong_api_version => [":1:13: apiVersion: `eksgen/v2` is not supported; expected `eksgen/v1alpha1`"];
    // The catalog.
    unknown_instance_type => [":23:23: spec.nodeGroups[0].instanceTypes[0]: unknown instance type `m6i.lrage`", "did you mean `m6i.large`?"];
    unknown_instance_type_far => [":23:23: spec.nodeGroups[0].instanceTypes[0]: unknown instance type `quantum.9000xl`", "`eksgen catalog` lists known types"];
    // CIDRs.
    cidr_invalid => [":11:14: spec.network.vpcCidr: `10.0.0.300/16` is not an IPv4 CIDR"];
    cidr_missing_prefix => [":11:14: spec.network.vpcCidr: `10.0.0.0` is not an IPv4 CIDR"];
    cidr_host_bits => [":11:14: spec.network.vpcCidr: `10.0.1.0/16` has host bits set; the block is 10.0.0.0/16"];
    cidr_too_small => [":11:14: spec.network.vpcCidr: a VPC CIDR must be /16 to /28; `10.0.0.0/29` is /29"];
    cidr_too_large => [":11:14: spec.network.vpcCidr: a VPC CIDR must be /16 to /28; `10.0.0.0/8` is /8"];
    cidr_overlaps_vpc => [":13:22: spec.network.secondaryCidrs[0]: `10.0.128.0/17` overlaps 10.0.0.0/16"];
    cidr_secondary_overlap => [":13:37: spec.network.secondaryCidrs[1]: `100.64.0.0/17` overlaps 100.64.0.0/16"];
    cidr_public_access_invalid => [":10:25: spec.endpoint.publicAccessCidrs[0]: `203.0.113.0/33` is not an IPv4 CIDR"];
    cidr_vpc_too_small_for_plan (PlanFindings) => [":11:5: spec.network: EKSG003: primary CIDR 10.0.0.0/28 holds 16 addresses", "widen vpcCidr"];
    // Availability zones.
    az_other_region => [":12:37: spec.network.availabilityZones[1]: `eu-west-1b` is not an availability zone of us-west-2", "`eu-west-1b` is in region eu-west-1"];
    az_duplicate => [":12:37: spec.network.availabilityZones[1]: `us-west-2a` is listed twice"];
    az_group_not_in_cluster => [":26:27: spec.nodeGroups[0].availabilityZones[0]: `us-west-2c` is not one of the cluster's availabilityZones"];
    // Scaling and groups.
    scaling_min_above_max => [":24:22: spec.nodeGroups[0].scaling.min: min 5 is above max 4"];
    scaling_max_zero => [":24:42: spec.nodeGroups[0].scaling.max: max is 0"];
    duplicate_group_names => [":29:13: spec.nodeGroups[1].name: node group name `system` is used twice"];
    pods_per_node_above_max_pods => [":25:20: spec.nodeGroups[0].podsPerNode: podsPerNode 500 is above the group's max pods 110"];
    // Names that could break out of a string, a path or a line.
    cluster_name_quote => [":4:9: metadata.name: `de\\\"mo` is not a valid EKS cluster name"];
    cluster_name_template => [":4:9: metadata.name: `x${var.secret}` is not a valid EKS cluster name"];
    cluster_name_directive => [":4:9: metadata.name: `a%{ if true }b` is not a valid EKS cluster name"];
    cluster_name_dotdot => [":4:9: metadata.name: `../../etc/passwd` is not a valid EKS cluster name"];
    cluster_name_newline => [":4:9: metadata.name: `de\\nmo` is not a valid EKS cluster name"];
    cluster_name_non_ascii => [":4:9: metadata.name: `démo` is not a valid EKS cluster name"];
    group_name_quote => [":22:13: spec.nodeGroups[0].name: `de\\\"mo` is not a valid node group name"];
    group_name_template => [":22:13: spec.nodeGroups[0].name: `x${var.secret}` is not a valid node group name"];
    group_name_directive => [":22:13: spec.nodeGroups[0].name: `a%{ if true }b` is not a valid node group name"];
    group_name_dotdot => [":22:13: spec.nodeGroups[0].name: `../../etc/passwd` is not a valid node group name"];
    group_name_newline => [":22:13: spec.nodeGroups[0].name: `de\\nmo` is not a valid node group name"];
    group_name_non_ascii => [":22:13: spec.nodeGroups[0].name: `démo` is not a valid node group name"];
    // Kubernetes rules for labels and taints; AWS rules for tags and ids.
    label_key_invalid => [":26:29: spec.nodeGroups[0].labels.work load: label key `work load`"];
    label_key_bad_prefix => [":26:34: spec.nodeGroups[0].labels.Example.COM/team: label key `Example.COM/team`: the prefix must be a lowercase DNS subdomain"];
    label_key_reserved_prefix => [":26:36: spec.nodeGroups[0].labels.kubernetes.io/role: label key `kubernetes.io/role` uses a reserved Kubernetes prefix"];
    label_value_invalid => [":26:26: spec.nodeGroups[0].labels.workload: label value `-system`"];
    label_value_too_long => [":26:26: spec.nodeGroups[0].labels.workload: label value `aaaa", "longer than 63 characters"];
    label_value_template => [":26:26: spec.nodeGroups[0].labels.workload: label value `${x}`"];
    taint_key_invalid => [":28:17: spec.nodeGroups[0].taints[0].key: taint key `dedi cated`"];
    taint_value_invalid => [":28:35: spec.nodeGroups[0].taints[0].value: taint value `a\\\"b`"];
    taint_effect_unknown => [":28:51: spec.nodeGroups[0].taints[0].effect: unknown variant `NoSchedul`", "did you mean `NoSchedule`?"];
    tag_key_template => [":20:16: spec.tags.${team}: tag key `${team}` is not allowed"];
    // AWS limits (issue 11): regions, zones and versions from data/, names the module
    // derives, the VPC association table, ranges in use elsewhere, tags, taints, capacity blocks.
    region_unknown => [":6:11: spec.region: `us-west-9` is not an AWS region where EKS runs", "did you mean `us-west-1`? (us-west regions: us-west-1, us-west-2)"];
    az_unknown_letter => [":12:37: spec.network.availabilityZones[1]: `us-west-2e` is not an availability zone of us-west-2", "us-west-2 has us-west-2a, us-west-2b, us-west-2c, us-west-2d"];
    kubernetes_version_ended => [":7:22: spec.kubernetesVersion: Kubernetes 1.30 left EKS extended support on 2026-07-23 (as of 2026-12-01)", "use a quoted minor version EKS supports: \"1.32\""];
    kubernetes_version_unknown => [":7:22: spec.kubernetesVersion: `1.40` is not a Kubernetes version EKS offers (as of 2026-12-01)"];
    cluster_name_too_long => [":4:9: metadata.name: `analytics-platform-prod-east01` is too long: the cluster name becomes `analytics-platform-prod-east01-cluster-` (39 characters) for the cluster IAM role (aws_iam_role.name_prefix), and AWS allows 38", "use at most 29 characters"];
    group_name_too_long_managed => [":22:13: spec.nodeGroups[0].name: `system-general-purposes` is too long: the managed group name becomes `system-general-purposes-eks-node-group-` (39 characters)", "use at most 22 characters"];
    group_name_too_long_self_managed => [":22:13: spec.nodeGroups[0].name: `system-general-purpose-nodes` is too long: the self-managed group name becomes `system-general-purpose-nodes-node-group-` (40 characters)", "use at most 26 characters"];
    cidr_secondary_other_private_range => [":12:22: spec.network.secondaryCidrs[0]: AWS refuses `192.168.0.0/16` as a secondary CIDR: the primary CIDR 10.0.0.0/16 is in 10.0.0.0/8", "100.64.0.0/10"];
    cidr_secondary_benchmark_range => [":12:22: spec.network.secondaryCidrs[0]: AWS refuses `198.19.0.0/16` as a secondary CIDR"];
    cidr_secondary_first_ten_sixteen => [":12:22: spec.network.secondaryCidrs[0]: AWS refuses `10.0.128.0/17` as a secondary CIDR: the primary CIDR 10.1.0.0/16 is in 10.0.0.0/15, and AWS then adds no block from 10.0.0.0/16"];
    avoid_cidrs_overlap_vpc => [":11:14: spec.network.vpcCidr: `10.0.0.0/16` overlaps 10.0.0.0/12, which avoidCidrs[1] says is in use elsewhere"];
    avoid_cidrs_invalid => [":12:18: spec.network.avoidCidrs[0]: `10.20.0.0` is not an IPv4 CIDR"];
    taint_duplicate => [":29:17: spec.nodeGroups[0].taints[1].key: the taint `dedicated` with effect NoSchedule is listed twice"];
    autoscaler_tag_key_too_long => [":26:102: spec.nodeGroups[0].labels.team.platform.infrastructure.example.com/workload-class-for-scheduling-and-placement:", "has 130 characters, and AWS allows 128", "use a key of at most 82 characters"];
    capacity_block_without_zone => [":22:7: spec.nodeGroups[0].capacityReservationZone: capacity-block groups need the reservation's zone", "capacityReservationZone: <zone>"];
    capacity_block_zone_mismatch => [":26:32: spec.nodeGroups[0].capacityReservationZone: the reservation is in `us-west-2b` but the group is pinned to us-west-2a"];
    capacity_block_many_zones => [":26:26: spec.nodeGroups[0].availabilityZones: a capacity block lives in one zone, but the group lists 2: us-west-2a, us-west-2b"];
    // Existing VPC (issue 13): ids, blocks, subnets and zones as the user states them.
    existing_vpc_and_vpc_cidr => [":11:7: spec.network.existingVpc: both `vpcCidr` and `existingVpc` are set"];
    existing_vpc_id_shape => [":10:11: spec.network.existingVpc.id: `vpc-123` is not a VPC id", "vpc-0123456789abcdef0"];
    existing_vpc_subnet_id_shape => [":14:17: spec.network.existingVpc.subnets[0].id: `subnet-0123456789ABCDEF0` is not a subnet id"];
    existing_vpc_route_table_id_shape => [":14:109: spec.network.existingVpc.subnets[0].routeTableId: `rt-0123456789abcdef0` is not a route table id"];
    existing_vpc_subnet_outside_cidr => [":14:67: spec.network.existingVpc.subnets[0].cidr: `10.1.0.0/24` is outside the VPC's CIDR blocks (10.0.0.0/16)"];
    existing_vpc_subnet_overlap => [":16:67: spec.network.existingVpc.subnets[2].cidr: `10.0.0.128/25` overlaps subnets[0] (10.0.0.0/24)"];
    existing_vpc_zone_other_region => [":15:49: spec.network.existingVpc.subnets[1].zone: `eu-west-1b` is not an availability zone of us-west-2"];
    existing_vpc_zone_not_in_cluster => [":15:49: spec.network.existingVpc.subnets[1].zone: zone `us-west-2c` is not one of spec.network.availabilityZones", "zone us-west-2b has no private subnet"];
    existing_vpc_secondary_refused => [":18:22: spec.network.secondaryCidrs[0]: AWS refuses `192.168.0.0/16` as a secondary CIDR"];
    existing_vpc_nodes_without_route_table => [":14:109: spec.network.existingVpc.subnets[0].routeTableId: `newSubnets: nodes` may add a node subnet in us-west-2a"];
    existing_vpc_too_small (PlanFindings) => [":9:5: spec.network: EKSG003: existing subnet subnet-0123456789abcdef0 (10.0.0.0/24, us-west-2a) has 251 free addresses", "short by 6415 addresses", "secondaryCidrs: auto"];
    existing_cluster_sg_id_shape => [":20:28: spec.existingCluster.nodeSecurityGroupIds[0]: `sg-123` is not a security group id"];
    existing_cluster_karpenter => [":22:16: spec.autoscaling.karpenter: Karpenter with an existing cluster is not supported yet"];
    endpoint_private_cidr_invalid => [":9:26: spec.endpoint.privateAccessCidrs[0]: `10.200.0.0` is not an IPv4 CIDR", "10.200.0.0/16"];
    access_admin_session_arn => [":10:9: spec.access.clusterAdmins[0]:", "is a session ARN; EKS access entries take the IAM role itself"];
    access_admin_not_iam_role => [":11:9: spec.access.clusterAdmins[1]:", "names neither an IAM role nor a user"];
    capacity_reservation_hostile => [":26:30: spec.nodeGroups[0].capacityReservationId: `cr-\\\"}\\\\n${x}` is not a capacity reservation id"];
}

#[test]
fn every_corpus_file_has_a_case() {
    let on_disk: BTreeSet<String> = fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    let covered: BTreeSet<String> = CORPUS.iter().map(|s| s.to_string()).collect();
    assert_eq!(on_disk, covered);
}

/// Over 1 MiB is refused before parsing (generated: no point keeping a megabyte in git).
#[test]
fn huge_document() {
    let work = tempfile::tempdir().unwrap();
    let mut body = fs::read_to_string(corpus().join("unknown_field_top.yaml")).unwrap();
    while body.len() <= 1024 * 1024 {
        body.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    fs::write(work.path().join("huge.yaml"), body).unwrap();
    for args in [
        &["plan", "-f", "huge.yaml"][..],
        &["render", "-f", "huge.yaml", "-o", "out"],
    ] {
        let out = eksgen(args, work.path());
        let err = assert_refused(&out, "huge");
        assert!(
            err.contains("huge.yaml: the file is larger than 1048576 bytes"),
            "{err}"
        );
        assert_eq!(listing(work.path()), BTreeSet::from(["huge.yaml".into()]));
    }
}

/// An endless input is not read into memory: the size limit applies while reading.
#[cfg(unix)]
#[test]
fn endless_input() {
    let work = tempfile::tempdir().unwrap();
    let out = eksgen(&["plan", "-f", "/dev/zero"], work.path());
    let err = assert_refused(&out, "/dev/zero");
    assert!(
        err.contains("/dev/zero: the file is larger than 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn missing_file() {
    let work = tempfile::tempdir().unwrap();
    for args in [
        &["plan", "-f", "nope.yaml"][..],
        &["render", "-f", "nope.yaml", "-o", "out"],
        &["diff", "-f", "nope.yaml", "-o", "out"],
        &["lint", "-f", "nope.yaml"],
    ] {
        let out = eksgen(args, work.path());
        let err = assert_refused(&out, "missing");
        assert!(err.contains("cannot read nope.yaml"), "{err}");
        assert!(err.contains("eksgen init --preset minimal"), "{err}");
        assert!(listing(work.path()).is_empty());
    }
}

#[test]
fn input_is_a_folder() {
    let work = tempfile::tempdir().unwrap();
    fs::create_dir(work.path().join("intent.yaml")).unwrap();
    let out = eksgen(&["render", "-f", "intent.yaml", "-o", "out"], work.path());
    let err = assert_refused(&out, "folder as input");
    assert!(err.contains("cannot read intent.yaml"), "{err}");
    assert_eq!(listing(work.path()), BTreeSet::from(["intent.yaml".into()]));
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("secret.yaml");
    fs::copy(corpus().join("unknown_field_top.yaml"), &path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::File::open(&path).is_ok() {
        // root (or CAP_DAC_OVERRIDE) reads it anyway: the case cannot be produced here.
        eprintln!(
            "SKIPPED unreadable_file: this process can open a mode-000 file (running as root), so permission denied cannot be produced"
        );
        return;
    }
    let out = eksgen(&["render", "-f", "secret.yaml", "-o", "out"], work.path());
    let err = assert_refused(&out, "unreadable");
    assert!(
        err.contains("cannot read secret.yaml") && err.contains("ermission denied"),
        "{err}"
    );
    assert_eq!(listing(work.path()), BTreeSet::from(["secret.yaml".into()]));
}

/// A valid intent that renders.
const GOOD: &str = include_str!("../presets/minimal.yaml");

#[test]
fn output_folder_is_a_file() {
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("eksgen.yaml"), GOOD).unwrap();
    fs::write(work.path().join("out"), "not a folder\n").unwrap();
    for args in [
        &["render", "-o", "out"][..],
        &["render", "-o", "out", "--force"],
        &["diff", "-o", "out"],
    ] {
        let out = eksgen(args, work.path());
        let err = assert_refused(&out, "output is a file");
        assert!(err.contains("out is a file, not a folder"), "{err}");
        assert_eq!(
            fs::read_to_string(work.path().join("out")).unwrap(),
            "not a folder\n"
        );
        assert_eq!(
            listing(work.path()),
            BTreeSet::from(["eksgen.yaml".into(), "out".into()])
        );
    }
}

/// Every path render writes (the manifest included), learned from a render into a scratch
/// folder, so the test follows whatever the renderers produce.
fn rendered_paths(work: &Path) -> Vec<String> {
    let out = eksgen(&["render", "-o", "scratch"], work);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let scratch = work.join("scratch");
    let files: Vec<String> = listing(&scratch)
        .into_iter()
        .filter(|p| scratch.join(p).is_file())
        .collect();
    fs::remove_dir_all(&scratch).unwrap();
    assert!(files.contains(&".eksgen/manifest.json".to_string()));
    files
}

/// A link inside the output folder that points outside it, at any path render writes or
/// at any folder it writes into, is refused: nothing is written outside (nor inside).
#[cfg(unix)]
#[test]
fn output_folder_with_a_link_out_of_the_tree() {
    use std::os::unix::fs::symlink;
    let work = tempfile::tempdir().unwrap();
    let root = work.path();
    fs::write(root.join("eksgen.yaml"), GOOD).unwrap();
    let outside = root.join("outside");
    fs::create_dir(&outside).unwrap();
    let paths = rendered_paths(root);
    // Each file, and each folder above a file, in turn.
    let mut links: BTreeSet<String> = BTreeSet::new();
    for p in &paths {
        links.insert(p.clone());
        for (i, _) in p.match_indices('/') {
            links.insert(p[..i].to_string());
        }
    }
    for link in &links {
        let out_dir = root.join("out");
        let at = out_dir.join(link);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        let target = outside.join("target");
        symlink(&target, &at).unwrap();
        let before = listing(&out_dir);
        for args in [
            &["render", "-o", "out"][..],
            &["render", "-o", "out", "--force"],
        ] {
            let out = eksgen(args, root);
            let err = assert_refused(&out, &format!("link at {link}"));
            assert!(
                err.contains("is a symbolic link inside the output folder"),
                "{err}"
            );
            assert!(
                listing(&outside).is_empty(),
                "link at {link}: written outside the output folder"
            );
            assert_eq!(listing(&out_dir), before, "link at {link}: written inside");
        }
        fs::remove_dir_all(&out_dir).unwrap();
    }
}

/// A preset name that does not exist: exit 2, nothing written.
#[test]
fn unknown_preset() {
    let work = tempfile::tempdir().unwrap();
    for args in [
        &["render", "--preset", "../../etc/passwd", "-o", "out"][..],
        &["init", "--preset", "minimall", "-o", "x.yaml"],
    ] {
        let out = eksgen(args, work.path());
        let err = assert_refused(&out, "unknown preset");
        assert!(err.contains("unknown preset"), "{err}");
        assert!(listing(work.path()).is_empty());
    }
}

/// `init` refuses hostile names and regions, and never writes through a link or over a
/// file or folder without --force.
#[test]
fn init_refuses_bad_values_and_writes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    for (flag, value) in [
        ("--name", "de\"mo"),
        ("--name", "x${var.secret}"),
        ("--name", "a%{ if true }b"),
        ("--name", "../../etc/passwd"),
        ("--name", "de\nmo"),
        ("--name", "démo"),
        ("--name", ""),
        ("--region", "us-west-2\"; x"),
        ("--region", "../us-west-2"),
        ("--region", "eu-wëst-1"),
    ] {
        let out = eksgen(
            &["init", "--preset", "minimal", flag, value, "-o", "x.yaml"],
            dir,
        );
        let err = assert_refused(&out, &format!("init {flag} {value:?}"));
        assert!(err.contains(flag), "{err}");
        assert!(err.contains(&value.escape_debug().to_string()), "{err}");
        assert!(
            listing(dir).is_empty(),
            "init {flag} {value:?} wrote a file"
        );
    }
}

#[test]
fn init_output_cases() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    // A folder in the way, with or without --force.
    fs::create_dir(dir.join("folder")).unwrap();
    for force in [false, true] {
        let mut args = vec!["init", "--preset", "minimal", "-o", "folder"];
        if force {
            args.push("--force");
        }
        let err = assert_refused(&eksgen(&args, dir), "init into a folder");
        assert!(err.contains("folder is a folder"), "{err}");
        assert!(listing(&dir.join("folder")).is_empty());
    }
    // A folder that does not exist.
    let err = assert_refused(
        &eksgen(
            &["init", "--preset", "minimal", "-o", "nowhere/x.yaml"],
            dir,
        ),
        "init into a missing folder",
    );
    assert!(err.contains("cannot write nowhere/x.yaml"), "{err}");
    // An existing file is kept without --force.
    fs::write(dir.join("mine.yaml"), "my notes\n").unwrap();
    let err = assert_refused(
        &eksgen(&["init", "--preset", "minimal", "-o", "mine.yaml"], dir),
        "init over a file",
    );
    assert!(err.contains("mine.yaml already exists"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.join("mine.yaml")).unwrap(),
        "my notes\n"
    );
    assert_eq!(
        listing(dir),
        BTreeSet::from(["folder".into(), "mine.yaml".into()])
    );
}

/// A dangling link at the init path counts as an existing file: init does not create the
/// file it points to; with --force the link itself is replaced, its target never written.
/// The same for the schema file init writes beside the intent: a link there is kept, never
/// written through.
#[cfg(unix)]
#[test]
fn init_never_writes_through_a_link() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let target = dir.join("elsewhere.yaml");
    let schema_target = dir.join("elsewhere.json");
    std::os::unix::fs::symlink(&target, dir.join("eksgen.yaml")).unwrap();
    std::os::unix::fs::symlink(&schema_target, dir.join("eksgen.schema.json")).unwrap();
    let err = assert_refused(
        &eksgen(&["init", "--preset", "minimal"], dir),
        "init over a dangling link",
    );
    assert!(err.contains("eksgen.yaml already exists"), "{err}");
    assert!(!target.exists());
    let out = eksgen(&["init", "--preset", "minimal", "--force"], dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!target.exists(), "init wrote through the link");
    assert!(
        !schema_target.exists(),
        "init wrote the schema through a link"
    );
    let meta = fs::symlink_metadata(dir.join("eksgen.yaml")).unwrap();
    assert!(meta.is_file());
    assert_eq!(
        listing(dir),
        BTreeSet::from(["eksgen.yaml".into(), "eksgen.schema.json".into()]),
        "a temp file was left behind"
    );
}
