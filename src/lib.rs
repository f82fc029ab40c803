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

pub mod catalog;
pub mod cidr;
pub mod diagnostic;
pub mod intent;
pub mod max_pods;
pub mod output;
