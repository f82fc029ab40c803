//! cargo-fuzz target: intent bytes → parse → validate → resolve → render, with the
//! rendered `.tf` / `.tftpl` / `.yaml` parsed back. See `fuzz/README.md`.
#![no_main]

#[path = "../src/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pipeline::check_with(data, &mut pipeline::Parsed::default());
});
