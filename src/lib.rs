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
//! prints: commands in `app` return text and exit codes to `main`.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod catalog;
pub mod catalog_import;
pub mod cidr;
pub mod cli;
pub mod diagnostic;
pub mod ecosystem;
pub mod intent;
pub mod max_pods;
pub mod output;
pub mod plan;
pub mod presets;
pub mod render;
pub mod report;
pub mod resolve;

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
