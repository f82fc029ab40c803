//! eksgen: cluster intent → plan → Terraform and Kubernetes manifests for Amazon EKS.
//!
//! Data flows one way and only the edges touch files or the terminal:
//!
//! ```text
//! intent (parse + validate) → resolve (catalog, max pods, CNI, IP budget, subnets, findings)
//!     → plan (typed, serializable) → render (templates) → output (write / diff)
//! ```
//!
//! `render` depends on `plan` only; `output` never re-derives numbers. The library never
//! prints: `commands` return text and an exit code ([`error::Outcome`]) to `main`.
//!
//! Above the stages: `cli` (clap types, seen only by `main` and `commands`) → `commands`
//! (one module per command, the only code that sequences I/O with the stages) →
//! `pipeline` (intent text → plan), `report` (plans, findings, diffs as text, JSON or
//! SARIF) and `output` (the only file writes). `error` is the vocabulary they share. The
//! library API is unstable: it exists for the binary, the tests, the benches and the fuzz
//! target.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod cidr;
pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod eksctl;
pub mod error;
pub mod intent;
pub mod lock;
pub mod max_pods;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod presets;
pub mod render;
pub mod report;
pub mod resolve;

/// Pretty JSON with a final newline: how every JSON document eksgen prints or writes is
/// made. eksgen serializes only its own derived types and `serde_json::Value`s (string map
/// keys), which cannot fail; a failure would be a bug in eksgen, and stops it with this
/// message rather than print an empty or partial document.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value)
        .expect("eksgen's own data always serializes to JSON; this is a bug in eksgen");
    text.push('\n');
    text
}

/// `--version` text: crate version, the git commit it was built from (build.rs; `unknown`
/// when the build had neither git nor crate-archive metadata) and the embedded catalog's date.
pub fn version_line() -> &'static str {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (commit ",
        env!("EKSGEN_BUILD_COMMIT"),
        ", catalog ",
        embedded_catalog_date!(),
        ")"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_names_the_embedded_catalog_date() {
        assert!(super::version_line().contains(crate::catalog::EMBEDDED_CATALOG_DATE));
    }

    #[test]
    fn version_names_the_crate_version_and_the_build_commit() {
        let line = super::version_line();
        let commit = env!("EKSGEN_BUILD_COMMIT");
        assert!(
            line.starts_with(concat!(env!("CARGO_PKG_VERSION"), " (commit ")),
            "{line}"
        );
        assert!(
            line.contains(&format!("(commit {commit}, catalog ")),
            "{line}"
        );
        assert!(
            commit == "unknown"
                || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
            "{commit}"
        );
    }
}
