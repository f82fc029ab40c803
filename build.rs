//! Records the git commit the binary was built from, for `eksgen --version`
//! (`EKSGEN_BUILD_COMMIT`, read by `version_line` in src/lib.rs).
//!
//! Sources, first found wins:
//! 1. `EKSGEN_BUILD_COMMIT` in the build environment (a packager building from a plain source
//!    archive who knows the commit);
//! 2. `git rev-parse HEAD` in a git checkout (development, CI, the release workflow);
//! 3. `.cargo_vcs_info.json`, which `cargo package` writes into every crate archive (a build
//!    from crates.io, `cargo install eksgen`);
//! 4. otherwise `unknown`.
//!
//! Only the commit is recorded, not whether the tree had local changes: telling that would mean
//! re-running this script on every source edit.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Hex digits of the commit shown by `--version`: enough to be unique in any real repository.
const SHORT_COMMIT_LEN: usize = 12;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=EKSGEN_BUILD_COMMIT");

    let commit = std::env::var("EKSGEN_BUILD_COMMIT")
        .ok()
        .and_then(|value| short_commit(&value))
        .or_else(|| git_commit(&manifest_dir))
        .or_else(|| vcs_info_commit(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=EKSGEN_BUILD_COMMIT={commit}");
}

/// The first `SHORT_COMMIT_LEN` digits of a full or abbreviated hex commit id, or `None` when
/// `value` is not one.
fn short_commit(value: &str) -> Option<String> {
    let value = value.trim();
    let is_commit = value.len() >= 7 && value.bytes().all(|b| b.is_ascii_hexdigit());
    is_commit.then(|| value[..value.len().min(SHORT_COMMIT_LEN)].to_ascii_lowercase())
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// HEAD of the checkout holding the crate, and the files to watch so a new commit or checkout
/// re-runs this script. A crate unpacked inside some other repository (a vendored dependency)
/// is not that repository's commit: the checkout's top level must be this crate's folder.
fn git_commit(manifest_dir: &Path) -> Option<String> {
    let top = PathBuf::from(git(manifest_dir, &["rev-parse", "--show-toplevel"])?);
    let same_dir = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same_dir(&top, manifest_dir) {
        return None;
    }
    let commit = short_commit(&git(manifest_dir, &["rev-parse", "HEAD"])?)?;
    // HEAD names the branch; the branch's ref file (or packed-refs) holds the commit; the
    // HEAD reflog changes on every commit, checkout and reset, even when the branch's ref
    // file did not exist before. Paths that do not exist are not watched: cargo would re-run
    // the script on every build.
    let mut watched = vec![
        git(manifest_dir, &["rev-parse", "--git-path", "HEAD"]),
        git(manifest_dir, &["rev-parse", "--git-path", "logs/HEAD"]),
    ];
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "--quiet", "HEAD"]) {
        watched.push(git(manifest_dir, &["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(
        manifest_dir,
        &["rev-parse", "--git-path", "packed-refs"],
    ));
    for path in watched.into_iter().flatten() {
        let path = manifest_dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(commit)
}

/// The commit `cargo package` recorded: `{"git": {"sha1": "<40 hex digits>"}, ...}`.
fn vcs_info_commit(manifest_dir: &Path) -> Option<String> {
    let path = manifest_dir.join(".cargo_vcs_info.json");
    if !path.exists() {
        return None;
    }
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path).ok()?;
    let after_key = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let value = after_key
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    short_commit(&value[..value.find('"')?])
}
