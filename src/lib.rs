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

/// `--version` text: crate version and the embedded catalog's date.
pub fn version_line() -> &'static str {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (catalog ",
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
}
