//! The one integration-test binary: every file in this folder is a module of it, so
//! `cargo test` links eksgen and the dev-dependencies once instead of once per file.
//!
//! To add a test file: put it here as `tests/integration/<name>.rs`, add `mod <name>;` below
//! (alphabetical), and reach the shared helpers with `use crate::common::{eksgen, text};`.
//! Insta snapshots of module `<name>` live in `snapshots/integration__<name>__<test>.snap`.
//! Run one module with `cargo test --test integration <name>::`.
//!
//! CLI cases that are only "these arguments, this exit code, this output" are data, not
//! Rust: `tests/cmd/**/*.toml`, run by [`cmd`]; refresh them with
//! `TRYCMD=overwrite cargo test --test integration cmd::` and read the diff.

mod common;

mod access;
mod bad_inputs;
mod cli;
mod cmd;
mod day_two;
mod ecosystem;
mod eni_max_pods;
mod escaping;
mod examples;
mod fuzz_pipeline;
mod ipamd_model;
mod kubelet_reserve;
mod kubernetes;
mod max_pods_properties;
mod max_pods_rules;
mod pins;
mod properties;
mod published;
mod report_layout;
mod terraform;
mod workflow;
mod workloads;
