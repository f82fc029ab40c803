//! Bad input must make every command that reads an intent exit 2, with a message on stderr
//! that names the file and, where it applies, the line, column, key path and bad value;
//! never panic; and never write anything: no output folder, no manifest, no file next to
//! the input. The message of each file in `tests/bad_inputs/` is pinned whole by
//! `tests/cmd/bad_inputs/<file>.toml` (see `cmd.rs`); this file holds what trycmd cannot
//! say (nothing was written, every command behaves alike) and the generated and
//! file-system cases.

use crate::common::{eksgen, text};

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

/// Every command that reads an intent, as run on `file` in a folder that holds only it.
fn every_command(file: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["plan", "-f", file],
        vec!["plan", "-f", file, "--format", "json"],
        vec!["render", "-f", file, "-o", "out"],
        // No -o: the default folder out/<cluster> must not appear either.
        vec!["render", "-f", file],
        vec!["render", "-f", file, "-o", "out", "--dry-run"],
        vec!["diff", "-f", file, "-o", "out"],
        vec!["lint", "-f", file],
    ]
}

/// Copies a corpus file into a fresh folder of its own.
fn alone(file: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().expect("temp dir");
    fs::copy(corpus().join(file), work.path().join(file)).expect("corpus file");
    work
}

/// The message of each corpus file is pinned, whole, by `tests/cmd/bad_inputs/<file>.toml`
/// (one `plan` per file). Every command goes through the same loader, so one invalid
/// intent shows what the others share: each command refuses it with the same message and
/// writes nothing.
#[test]
fn every_command_refuses_an_invalid_intent_and_writes_nothing() {
    let file = "unknown_field_top.yaml";
    let work = alone(file);
    let mut messages = BTreeSet::new();
    for args in every_command(file) {
        let what = format!("eksgen {}", args.join(" "));
        let err = assert_refused(&eksgen(&args, work.path()), &what);
        assert!(err.contains(&format!("error: {file}:")), "{what}\n{err}");
        messages.insert(err);
        assert_eq!(
            listing(work.path()),
            BTreeSet::from([file.to_string()]),
            "{what}: something was written"
        );
    }
    assert_eq!(messages.len(), 1, "the commands disagree: {messages:#?}");
}

/// A valid intent whose plan has error findings: lint reports them with exit 1 (its
/// findings code); plan, render and diff refuse with exit 2. Nothing is written either way.
#[test]
fn plan_findings_stop_every_command_but_lint() {
    let file = "cidr_vpc_too_small_for_plan.yaml";
    let work = alone(file);
    for args in every_command(file) {
        let what = format!("eksgen {}", args.join(" "));
        let out = eksgen(&args, work.path());
        if args[0] == "lint" {
            assert_eq!(out.status.code(), Some(1), "{what}\n{}", text(&out.stderr));
        } else {
            let err = assert_refused(&out, &what);
            assert!(err.contains("EKSG003"), "{what}\n{err}");
        }
        assert_eq!(
            listing(work.path()),
            BTreeSet::from([file.to_string()]),
            "{what}: something was written"
        );
    }
}

/// trycmd turns every `\` of the output into `/` before comparing (it normalises Windows
/// paths), so the cases of `tests/cmd/bad_inputs/` cannot tell an escaped value from a
/// raw one. The escapes are what keeps a hostile value on one line of the message: pinned
/// here.
#[test]
fn messages_escape_quotes_and_newlines_in_values() {
    for (file, want) in [
        (
            "cluster_name_quote.yaml",
            r#":4:9: metadata.name: `de\"mo` is not a valid EKS cluster name"#,
        ),
        (
            "cluster_name_newline.yaml",
            r":4:9: metadata.name: `de\nmo` is not a valid EKS cluster name",
        ),
        (
            "group_name_quote.yaml",
            r#":22:13: spec.nodeGroups[0].name: `de\"mo` is not a valid node group name"#,
        ),
        (
            "group_name_newline.yaml",
            r":22:13: spec.nodeGroups[0].name: `de\nmo` is not a valid node group name",
        ),
        (
            "taint_value_invalid.yaml",
            r#":28:35: spec.nodeGroups[0].taints[0].value: taint value `a\"b`"#,
        ),
        (
            "capacity_reservation_hostile.yaml",
            r#":26:30: spec.nodeGroups[0].capacityReservationId: `cr-\"}\\n${x}` is not a capacity reservation id"#,
        ),
    ] {
        let work = alone(file);
        let err = assert_refused(&eksgen(&["plan", "-f", file], work.path()), file);
        assert!(
            err.contains(&format!("error: {file}{want}")),
            "{file}: missing {want:?}\n{err}"
        );
    }
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
const GOOD: &str = include_str!("../../presets/minimal.yaml");

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
