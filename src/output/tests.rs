//! Tests of planning and applying against real temp folders.

// A skipped check says so on stderr rather than passing silently.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn render(files: &[(&str, &str)]) -> Rendered {
    files
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect()
}

fn numbers(pairs: &[(&str, &str)]) -> Numbers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// plan + apply, the way `eksgen render` does it.
fn write(dir: &Path, rendered: &Rendered, force: bool) -> Result<WriteReport, OutputError> {
    let changes = plan_changes(dir, rendered)?;
    apply(dir, &changes, &numbers(&[("n", "1")]), force)
}

/// Every file below `dir` (relative path → bytes), links and folders listed too, so a
/// test can assert that nothing at all changed.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(rel, b"<link>".to_vec());
            } else if meta.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                stack.push(path);
            } else {
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn kinds(changes: &ChangeSet) -> Vec<(&str, ChangeKind, Origin)> {
    changes
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.kind, f.origin))
        .collect()
}

fn out_dir(tmp: &tempfile::TempDir) -> PathBuf {
    tmp.path().join("out")
}

#[test]
fn create_then_unchanged_on_second_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let r = render(&[("main.tf", "a\n"), ("karpenter/gpu.yaml", "g\n")]);

    let report = write(&dir, &r, false).unwrap();
    assert_eq!(report.created, ["karpenter/gpu.yaml", "main.tf"]);
    assert!(report.manifest_written);
    assert_eq!(
        fs::read_to_string(dir.join("karpenter/gpu.yaml")).unwrap(),
        "g\n"
    );

    let again = plan_changes(&dir, &r).unwrap();
    assert!(!again.has_differences());
    assert_eq!(
        kinds(&again),
        [
            (
                "karpenter/gpu.yaml",
                ChangeKind::Unchanged,
                Origin::Generated
            ),
            ("main.tf", ChangeKind::Unchanged, Origin::Generated),
        ]
    );
    assert_eq!(again.previous_numbers(), &numbers(&[("n", "1")]));
    let report = apply(&dir, &again, &numbers(&[("n", "1")]), false).unwrap();
    assert_eq!(report.unchanged, ["karpenter/gpu.yaml", "main.tf"]);
    assert!(report.created.is_empty() && report.updated.is_empty());
    assert!(
        !report.manifest_written,
        "identical manifest is not rewritten"
    );
}

#[test]
fn update_replaces_generated_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    write(&dir, &render(&[("main.tf", "a\n")]), false).unwrap();
    let r = render(&[("main.tf", "b\n")]);
    let changes = plan_changes(&dir, &r).unwrap();
    assert_eq!(
        kinds(&changes),
        [("main.tf", ChangeKind::Update, Origin::Generated)]
    );
    assert!(changes.has_differences());
    let report = apply(&dir, &changes, &Numbers::new(), false).unwrap();
    assert_eq!(report.updated, ["main.tf"]);
    assert_eq!(fs::read_to_string(dir.join("main.tf")).unwrap(), "b\n");
    let manifest = fs::read_to_string(dir.join(MANIFEST_PATH)).unwrap();
    assert!(manifest.contains(&manifest::sha256_hex(b"b\n")));
}

#[test]
fn hand_edits_and_foreign_files_are_refused_naming_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let first = render(&[
        ("main.tf", "a\n"),
        ("karpenter.tf", "o\n"),
        ("same.tf", "s\n"),
    ]);
    write(&dir, &first, false).unwrap();
    fs::write(dir.join("main.tf"), "a\n# mine\n").unwrap();
    fs::write(dir.join("karpenter.tf"), "o\n# mine\n").unwrap();
    fs::write(dir.join("vpc.tf"), "user's own\n").unwrap();
    let before = snapshot(&dir);

    let second = render(&[("main.tf", "b\n"), ("same.tf", "s\n"), ("vpc.tf", "v\n")]);
    let changes = plan_changes(&dir, &second).unwrap();
    assert_eq!(
        kinds(&changes),
        [
            ("karpenter.tf", ChangeKind::Remove, Origin::HandEdited),
            ("main.tf", ChangeKind::Update, Origin::HandEdited),
            ("same.tf", ChangeKind::Unchanged, Origin::Generated),
            ("vpc.tf", ChangeKind::Update, Origin::Foreign),
        ]
    );
    let err = apply(&dir, &changes, &Numbers::new(), false).unwrap_err();
    let OutputError::Refused { conflicts, .. } = &err else {
        panic!("expected a refusal, got {err}");
    };
    assert_eq!(conflicts.len(), 3);
    let message = err.to_string();
    for name in ["main.tf", "karpenter.tf", "vpc.tf"] {
        assert!(
            message.contains(&dir.join(name).display().to_string()),
            "{message}"
        );
    }
    assert!(message.contains("--force"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");
    assert!(message.contains("did not generate"), "{message}");
    assert_eq!(snapshot(&dir), before, "a refusal writes nothing at all");
}

#[test]
fn single_hand_edit_message_suggests_next_step() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    write(&dir, &render(&[("main.tf", "a\n")]), false).unwrap();
    fs::write(dir.join("main.tf"), "mine\n").unwrap();
    let err = write(&dir, &render(&[("main.tf", "b\n")]), false).unwrap_err();
    let expected = format!(
        "{} was edited by hand since the last render; nothing was written; re-run with --force",
        dir.join("main.tf").display()
    );
    assert!(err.to_string().starts_with(&expected), "{err}");
    assert!(!err.to_string().contains("did not generate"), "{err}");
}

#[test]
fn longest_file_name_still_gets_a_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let name = format!("{}.tf", "n".repeat(252));
    write(&dir, &render(&[(&name, "a\n")]), false).unwrap();
    assert_eq!(fs::read_to_string(dir.join(&name)).unwrap(), "a\n");
}

#[test]
fn force_overwrites_hand_edits_and_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    write(
        &dir,
        &render(&[("main.tf", "a\n"), ("karpenter.tf", "o\n")]),
        false,
    )
    .unwrap();
    fs::write(dir.join("main.tf"), "mine\n").unwrap();
    fs::write(dir.join("karpenter.tf"), "mine too\n").unwrap();
    fs::write(dir.join("vpc.tf"), "foreign\n").unwrap();
    let r = render(&[("main.tf", "b\n"), ("vpc.tf", "v\n")]);
    let report = write(&dir, &r, true).unwrap();
    assert_eq!(report.updated, ["main.tf", "vpc.tf"]);
    assert_eq!(report.removed, ["karpenter.tf"]);
    assert_eq!(fs::read_to_string(dir.join("main.tf")).unwrap(), "b\n");
    assert_eq!(fs::read_to_string(dir.join("vpc.tf")).unwrap(), "v\n");
    assert!(!dir.join("karpenter.tf").exists());
    // vpc.tf is eksgen's now.
    assert!(!plan_changes(&dir, &r).unwrap().has_differences());
    assert_eq!(
        plan_changes(&dir, &r).unwrap().files[1].origin,
        Origin::Generated
    );
}

#[test]
fn foreign_file_elsewhere_is_untouched_and_not_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    fs::create_dir_all(dir.join("karpenter")).unwrap();
    fs::write(dir.join("README.md"), "mine\n").unwrap();
    fs::write(dir.join("karpenter/notes.txt"), "mine\n").unwrap();
    let r = render(&[("main.tf", "a\n"), ("karpenter/gpu.yaml", "g\n")]);
    write(&dir, &r, false).unwrap();
    // Now stop generating the karpenter file: its folder stays for the user's file.
    let report = write(&dir, &render(&[("main.tf", "a\n")]), false).unwrap();
    assert_eq!(report.removed, ["karpenter/gpu.yaml"]);
    assert_eq!(fs::read_to_string(dir.join("README.md")).unwrap(), "mine\n");
    assert_eq!(
        fs::read_to_string(dir.join("karpenter/notes.txt")).unwrap(),
        "mine\n"
    );
    let changes = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap();
    assert_eq!(changes.files.len(), 1, "foreign files are never reported");
}

#[test]
fn identical_file_without_manifest_is_adopted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let r = render(&[("main.tf", "a\n")]);
    write(&dir, &r, false).unwrap();
    fs::remove_file(dir.join(MANIFEST_PATH)).unwrap();
    let changes = plan_changes(&dir, &r).unwrap();
    assert_eq!(
        kinds(&changes),
        [("main.tf", ChangeKind::Unchanged, Origin::Foreign)]
    );
    assert!(changes.conflicts().is_empty());
    let report = apply(&dir, &changes, &Numbers::new(), false).unwrap();
    assert!(report.manifest_written);
    let changes = plan_changes(&dir, &r).unwrap();
    assert_eq!(changes.files[0].origin, Origin::Generated);
}

#[test]
fn removes_files_no_longer_rendered_and_their_empty_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let r = render(&[
        ("main.tf", "a\n"),
        ("karpenter/gpu.yaml", "g\n"),
        ("workloads/train.yaml", "t\n"),
    ]);
    write(&dir, &r, false).unwrap();
    let changes = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap();
    assert_eq!(changes.summary().remove, 2);
    let removed = &changes.files[0];
    assert_eq!(removed.kind, ChangeKind::Remove);
    assert_eq!(removed.old.as_deref(), Some("g\n"));
    let report = apply(&dir, &changes, &Numbers::new(), false).unwrap();
    assert_eq!(
        report.removed,
        ["karpenter/gpu.yaml", "workloads/train.yaml"]
    );
    assert_eq!(
        snapshot(&dir).keys().collect::<Vec<_>>(),
        [".eksgen/", ".eksgen/manifest.json", "main.tf"]
    );
    // A generated file the user already deleted needs nothing and leaves the manifest.
    write(&dir, &render(&[("main.tf", "a\n"), ("x.tf", "x\n")]), false).unwrap();
    fs::remove_file(dir.join("x.tf")).unwrap();
    let changes = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap();
    assert!(!changes.has_differences());
    apply(&dir, &changes, &Numbers::new(), false).unwrap();
    let manifest = fs::read_to_string(dir.join(MANIFEST_PATH)).unwrap();
    assert!(!manifest.contains("x.tf"), "{manifest}");
}

#[test]
fn manifest_is_deterministic_and_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let r = render(&[("main.tf", "a\n"), ("karpenter/gpu.yaml", "g\n")]);
    let n = numbers(&[("nodeGroups.train.maxPods", "100"), ("a.b", "1")]);
    let mut manifests = Vec::new();
    for name in ["one", "two"] {
        let dir = tmp.path().join(name);
        let changes = plan_changes(&dir, &r).unwrap();
        apply(&dir, &changes, &n, false).unwrap();
        manifests.push(fs::read_to_string(dir.join(MANIFEST_PATH)).unwrap());
    }
    assert_eq!(manifests[0], manifests[1]);
    let parsed = Manifest::parse(manifests[0].as_bytes()).unwrap();
    assert_eq!(parsed.version, 1);
    assert_eq!(
        parsed.generator,
        format!("eksgen {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        parsed.files.keys().collect::<Vec<_>>(),
        ["karpenter/gpu.yaml", "main.tf"]
    );
    assert_eq!(parsed.files["main.tf"], manifest::sha256_hex(b"a\n"));
    assert_eq!(parsed.numbers, n);
    let text = &manifests[0];
    assert!(text.find("\"a.b\"").unwrap() < text.find("\"nodeGroups").unwrap());
}

#[test]
fn unsafe_rendered_paths_are_rejected_before_any_io() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    for bad in [
        "../evil.tf",
        "/etc/passwd",
        "a\\b.tf",
        "nul\0.tf",
        "a//b",
        ".eksgen/x",
    ] {
        let err = plan_changes(&dir, &render(&[(bad, "x")])).unwrap_err();
        assert!(
            matches!(err, OutputError::UnsafeRenderedPath { .. }),
            "{bad:?}: {err}"
        );
    }
    let err = plan_changes(&dir, &render(&[("a", "x"), ("a/b.tf", "y")])).unwrap_err();
    assert!(
        matches!(err, OutputError::RenderedPathClash { .. }),
        "{err}"
    );
    assert!(!dir.exists());
}

#[test]
fn malicious_manifest_is_rejected_and_nothing_outside_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let victim = tmp.path().join("victim.txt");
    fs::write(&victim, "precious\n").unwrap();
    fs::create_dir_all(dir.join(".eksgen")).unwrap();
    let sha = manifest::sha256_hex(b"precious\n");
    fs::write(
        dir.join(MANIFEST_PATH),
        format!(r#"{{"version":1,"generator":"x","files":{{"../victim.txt":"{sha}"}}}}"#),
    )
    .unwrap();
    let err = write(&dir, &render(&[("main.tf", "a\n")]), true).unwrap_err();
    assert!(matches!(err, OutputError::BadManifest { .. }), "{err}");
    assert!(err.to_string().contains("../victim.txt"), "{err}");
    assert!(err.to_string().contains("manifest.json"), "{err}");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(!dir.join("main.tf").exists());
}

#[cfg(unix)]
#[test]
fn manifest_entry_through_a_symlink_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("victim.yaml"), "precious\n").unwrap();
    fs::create_dir_all(dir.join(".eksgen")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("workloads")).unwrap();
    let sha = manifest::sha256_hex(b"precious\n");
    fs::write(
        dir.join(MANIFEST_PATH),
        format!(r#"{{"version":1,"generator":"x","files":{{"workloads/victim.yaml":"{sha}"}}}}"#),
    )
    .unwrap();
    let err = write(&dir, &render(&[("main.tf", "a\n")]), true).unwrap_err();
    assert!(matches!(err, OutputError::Symlink { .. }), "{err}");
    assert!(outside.join("victim.yaml").exists());
}

#[cfg(unix)]
#[test]
fn symlinked_subfolder_pointing_outside_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("karpenter")).unwrap();
    let r = render(&[("main.tf", "a\n"), ("karpenter/gpu.yaml", "g\n")]);
    let err = write(&dir, &r, true).unwrap_err();
    assert!(matches!(err, OutputError::Symlink { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "{} is a symbolic link",
            dir.join("karpenter").display()
        )),
        "{message}"
    );
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    assert!(!dir.join("main.tf").exists(), "nothing is written");
}

#[cfg(unix)]
#[test]
fn symlinked_target_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let outside = tmp.path().join("outside.tf");
    fs::write(&outside, "precious\n").unwrap();
    fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("main.tf")).unwrap();
    let err = write(&dir, &render(&[("main.tf", "a\n")]), true).unwrap_err();
    assert!(matches!(err, OutputError::Symlink { .. }), "{err}");
    assert_eq!(fs::read_to_string(&outside).unwrap(), "precious\n");
}

#[cfg(unix)]
#[test]
fn output_folder_itself_may_be_a_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    fs::create_dir_all(&real).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write(&link, &render(&[("main.tf", "a\n")]), false).unwrap();
    assert_eq!(fs::read_to_string(real.join("main.tf")).unwrap(), "a\n");
}

#[test]
fn output_folder_that_is_a_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    fs::write(&dir, "not a folder").unwrap();
    let err = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap_err();
    assert!(matches!(err, OutputError::OutputIsFile { .. }), "{err}");
    assert!(err.to_string().contains("-o"), "{err}");
}

#[test]
fn folders_and_files_in_the_way_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    fs::create_dir_all(dir.join("main.tf")).unwrap();
    fs::write(dir.join("karpenter"), "a file").unwrap();
    let err = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap_err();
    assert!(matches!(err, OutputError::FolderInTheWay { .. }), "{err}");
    let err = plan_changes(&dir, &render(&[("karpenter/gpu.yaml", "g\n")])).unwrap_err();
    assert!(matches!(err, OutputError::FileInTheWay { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn fifo_at_a_rendered_path_is_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    fs::create_dir_all(&dir).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("main.tf"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let err = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap_err();
    assert!(matches!(err, OutputError::NotRegularFile { .. }), "{err}");
}

/// Whether permission bits actually stop this process (they do not for root).
#[cfg(unix)]
fn permissions_are_enforced(tmp: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = tmp.join("probe");
    fs::create_dir(&probe).unwrap();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o555)).unwrap();
    let enforced = fs::write(probe.join("x"), "x").is_err();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o755)).unwrap();
    enforced
}

#[cfg(unix)]
#[test]
fn read_only_folder_is_a_clear_error_and_nothing_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    if !permissions_are_enforced(tmp.path()) {
        eprintln!("skipped: permission bits are not enforced for this user (root?)");
        return;
    }
    let dir = out_dir(&tmp);
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::set_permissions(dir.join("sub"), fs::Permissions::from_mode(0o555)).unwrap();
    let r = render(&[("a.tf", "a\n"), ("sub/b.tf", "b\n"), ("z/c.tf", "c\n")]);
    let result = write(&dir, &r, false);
    fs::set_permissions(dir.join("sub"), fs::Permissions::from_mode(0o755)).unwrap();
    let err = result.unwrap_err();
    assert!(matches!(err, OutputError::PermissionDenied { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&dir.join("sub").display().to_string()),
        "{message}"
    );
    assert!(message.contains("permission denied"), "{message}");
    // Staging failed before any rename: no file, no temp file, no new folder.
    assert_eq!(snapshot(&dir).keys().collect::<Vec<_>>(), ["sub/"]);
}

#[test]
fn no_temp_files_are_left_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    write(
        &dir,
        &render(&[("main.tf", "a\n"), ("k/g.yaml", "g\n")]),
        false,
    )
    .unwrap();
    write(
        &dir,
        &render(&[("main.tf", "b\n"), ("k/g.yaml", "h\n")]),
        false,
    )
    .unwrap();
    let names: Vec<String> = snapshot(&dir).into_keys().collect();
    assert_eq!(
        names,
        [
            ".eksgen/",
            ".eksgen/manifest.json",
            "k/",
            "k/g.yaml",
            "main.tf"
        ]
    );
}

#[cfg(unix)]
#[test]
fn permissions_are_preserved_on_update() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    write(
        &dir,
        &render(&[("run.sh", "a\n"), ("main.tf", "a\n")]),
        false,
    )
    .unwrap();
    fs::set_permissions(dir.join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    fs::set_permissions(dir.join("main.tf"), fs::Permissions::from_mode(0o600)).unwrap();
    write(
        &dir,
        &render(&[("run.sh", "b\n"), ("main.tf", "b\n")]),
        false,
    )
    .unwrap();
    let mode = |p: &str| fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("run.sh"), 0o750);
    assert_eq!(mode("main.tf"), 0o600);
    assert_eq!(fs::read_to_string(dir.join("run.sh")).unwrap(), "b\n");
}

#[test]
fn folder_changed_between_plan_and_apply_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    write(&dir, &render(&[("main.tf", "a\n")]), false).unwrap();
    let r = render(&[("main.tf", "b\n"), ("new.tf", "n\n")]);
    let changes = plan_changes(&dir, &r).unwrap();
    fs::write(dir.join("main.tf"), "edited meanwhile\n").unwrap();
    let before = snapshot(&dir);
    let err = apply(&dir, &changes, &Numbers::new(), true).unwrap_err();
    assert!(
        matches!(err, OutputError::ChangedWhileWorking { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("main.tf"), "{err}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn bad_manifest_json_names_the_manifest_and_the_way_out() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    fs::create_dir_all(dir.join(".eksgen")).unwrap();
    fs::write(dir.join(MANIFEST_PATH), "{").unwrap();
    let err = plan_changes(&dir, &render(&[("main.tf", "a\n")])).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&dir.join(MANIFEST_PATH).display().to_string()),
        "{message}"
    );
    assert!(message.contains("delete it"), "{message}");
}

#[cfg(unix)]
#[test]
fn write_file_keeps_or_replaces_and_never_writes_through_a_link() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let target = dir.join("eksgen.yaml");

    // New file: the mode any new file gets (not tempfile's private 0600).
    write_file(&target, b"one\n", Existing::Keep).unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"one\n");
    assert_ne!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o077,
        0,
        "a new file is not private to its owner"
    );

    // Keep: an existing file stays as it is.
    let err = write_file(&target, b"two\n", Existing::Keep).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read(&target).unwrap(), b"one\n");

    // Replace: new content, the old permission bits.
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    write_file(&target, b"three\n", Existing::Replace).unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"three\n");
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o640
    );

    // A link at the target: Keep refuses even a dangling one; Replace puts a file in
    // place of the link and leaves the file it pointed at alone.
    let elsewhere = dir.join("elsewhere");
    let link = dir.join("link.yaml");
    symlink(&elsewhere, &link).unwrap();
    let err = write_file(&link, b"x\n", Existing::Keep).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(!elsewhere.exists(), "nothing was written through the link");
    fs::write(&elsewhere, b"theirs\n").unwrap();
    write_file(&link, b"ours\n", Existing::Replace).unwrap();
    assert!(
        !fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read(&link).unwrap(), b"ours\n");
    assert_eq!(fs::read(&elsewhere).unwrap(), b"theirs\n");

    // Failures leave no temp file behind.
    let names = |dir: &Path| -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(dir), ["eksgen.yaml", "elsewhere", "link.yaml"]);
    let missing = dir.join("no-such-folder").join("x.yaml");
    let err = write_file(&missing, b"x\n", Existing::Replace).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    // The system's own message, naming no temp file.
    assert!(!err.to_string().contains(".tmp"), "{err}");
    assert_eq!(names(dir), ["eksgen.yaml", "elsewhere", "link.yaml"]);
}

#[test]
fn every_rendered_path_of_every_preset_counts_as_generated() {
    // A renderer that adds a new kind of path must teach `could_be_generated` about it, or
    // eksgen would never remove such files once they are no longer rendered.
    for name in crate::presets::names() {
        let text = crate::presets::get(name).expect("preset");
        let plan = crate::pipeline::plan_from_text(text, name).expect("plan");
        let rendered = crate::render::render(&plan, name).expect("render");
        for path in rendered.keys() {
            assert!(could_be_generated(path), "{name}: {path}");
        }
    }
}

#[test]
fn a_journal_makes_a_half_written_folder_generated_and_is_removed_after() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let old = render(&[("eks.tf", "old\n"), ("vpc.tf", "v1\n")]);
    write(&dir, &old, false).unwrap();
    let new = render(&[("eks.tf", "new\n"), ("vpc.tf", "v2\n")]);
    // A run of `new` killed after its first rename: journal written, eks.tf replaced, old
    // manifest.
    let changes = plan_changes(&dir, &new).unwrap();
    fs::write(dir.join(JOURNAL_PATH), journal(&changes).to_json()).unwrap();
    fs::write(dir.join("eks.tf"), "new\n").unwrap();

    let resumed = plan_changes(&dir, &new).unwrap();
    assert!(resumed.conflicts().is_empty(), "{:?}", resumed.conflicts());
    assert!(resumed.notes.iter().any(|n| n.contains("interrupted")));
    let back = plan_changes(&dir, &old).unwrap();
    assert!(
        back.conflicts().is_empty(),
        "rolling back needs no --force either"
    );
    apply(&dir, &resumed, &Numbers::new(), false).unwrap();
    assert!(!dir.join(JOURNAL_PATH).exists());
    assert_eq!(fs::read_to_string(dir.join("vpc.tf")).unwrap(), "v2\n");
    // A real hand edit after that is still caught.
    fs::write(dir.join("eks.tf"), "mine\n").unwrap();
    let changes = plan_changes(&dir, &old).unwrap();
    assert_eq!(changes.conflicts().len(), 1);
}

#[test]
fn stale_temp_files_are_listed_and_removed_and_others_left() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = out_dir(&tmp);
    let r = render(&[("eks.tf", "a\n"), ("workloads/x.yaml", "x\n")]);
    write(&dir, &r, false).unwrap();
    fs::write(dir.join(".eks.tf.eksgen-AbCd12.tmp"), "half").unwrap();
    fs::write(dir.join("workloads/.x.yaml.eksgen-zzzzzz.tmp"), "half").unwrap();
    fs::write(dir.join(".eks.tf.backup.tmp"), "mine").unwrap();
    let changes = plan_changes(&dir, &r).unwrap();
    assert_eq!(
        changes.stale_temps,
        [
            ".eks.tf.eksgen-AbCd12.tmp",
            "workloads/.x.yaml.eksgen-zzzzzz.tmp"
        ]
    );
    assert!(!changes.has_differences());
    let report = apply(&dir, &changes, &Numbers::new(), false).unwrap();
    assert_eq!(report.removed_temps.len(), 2);
    assert!(!dir.join(".eks.tf.eksgen-AbCd12.tmp").exists());
    assert!(dir.join(".eks.tf.backup.tmp").exists());
}
