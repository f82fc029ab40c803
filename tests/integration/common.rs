//! Helpers shared by the CLI tests: run the built `eksgen` in a folder, isolated
//! from the developer's environment (no catalog or releases overlay, no backtraces, no colour
//! settings).

use std::path::Path;
use std::process::{Command, Output};

/// Run eksgen in `dir` with extra environment variables.
pub fn eksgen_env(args: &[&str], dir: &Path, env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksgen"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("EKSGEN_CATALOG")
        .env_remove("EKSGEN_RELEASES")
        .env_remove("RUST_BACKTRACE")
        // Colour only where a test asks for it.
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        // An empty config home: no user overlay unless a test writes one.
        .env("XDG_CONFIG_HOME", dir.join(".no-config"))
        .env("HOME", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run eksgen")
}

/// Run eksgen in `dir`.
pub fn eksgen(args: &[&str], dir: &Path) -> Output {
    eksgen_env(args, dir, &[])
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh temporary folder for one test.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Run eksgen in `dir`: exit code, stdout and stderr as text.
pub fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = eksgen(args, dir);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Whether `terraform` is on PATH, for the checks that run it. Without it those checks
/// cannot run: under CI (`CI` set) that fails the test, so a CI job without terraform is
/// not green by accident; elsewhere the test says it skipped, and why.
#[allow(clippy::print_stdout)] // the SKIPPED line is for whoever reads the test output
pub fn terraform_available(check: &str) -> bool {
    if Command::new("terraform").arg("version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but terraform is not on PATH: {check} cannot run; install terraform"
    );
    println!("SKIPPED: terraform not on PATH ({check})");
    false
}
