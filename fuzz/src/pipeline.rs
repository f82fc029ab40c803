//! The pipeline fuzz target's check, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/pipeline.rs`) and the stable-Rust run over the seed corpus and
//! seeded mutations (`tests/integration/fuzz_pipeline.rs`), which include this file by path.
//!
//! For any bytes: reading them as an intent never panics. Text that parses either resolves
//! or fails with a diagnostic (also no panic); a plan without error findings renders, and
//! every rendered `.tf` file parses as HCL, every `.tftpl` as an HCL template and every
//! `.yaml` file as YAML. A violation panics, which is what the fuzzer reports.

use std::collections::HashSet;

use eksgen::pipeline::LoadedIntent;
use eksgen::render::Rendered;

/// Name the fuzz input goes by in messages and headers.
pub const ORIGIN: &str = "fuzz.yaml";

/// What became of one input (for the stable run's statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reached {
    NotText,
    ParseError,
    InvalidIntent,
    PlanWithErrors,
    Rendered,
}

/// Rendered files already found to parse, by language and text. Most inputs of a run are
/// small changes of a few seeds, whose renders share most files with the seed's: a text that
/// parsed once parses again, so [`check_with`] parses each distinct text once per `Parsed`.
#[derive(Debug, Default)]
pub struct Parsed(HashSet<(&'static str, String)>);

/// Runs one input through parse, validate, resolve and render, checking what comes out;
/// rendered texts `parsed` has seen are not parsed again (libFuzzer passes a fresh one per
/// input, so its memory stays flat over a long run).
pub fn check_with(data: &[u8], parsed: &mut Parsed) -> Reached {
    let Ok(text) = std::str::from_utf8(data) else {
        return Reached::NotText;
    };
    if let Err(e) = eksgen::intent::parse(text, ORIGIN) {
        // Rendering the message walks the source excerpt: it must not panic either.
        assert!(!e.to_string().is_empty());
        return Reached::ParseError;
    }
    let catalog = eksgen::catalog::Catalog::embedded();
    let loaded = match LoadedIntent::from_text(text.to_string(), ORIGIN.to_string(), catalog) {
        Ok(loaded) => loaded,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return Reached::InvalidIntent;
        }
    };
    let plan = &loaded.plan;
    // Every finding is placed in the text it came from.
    for f in &plan.findings {
        assert!(
            loaded.position(&f.path).is_some(),
            "{} at {} has no place in the text",
            f.id,
            f.path
        );
    }
    // Every report of the plan is produced without panicking.
    let locate = |path: &str| loaded.position(path);
    let _ = eksgen::report::plan_text(plan);
    let _ = eksgen::report::text::lint_text(&plan.findings, false, ORIGIN, locate);
    let _ = eksgen::report::findings_sarif(&plan.findings, ORIGIN, locate);
    let _ = loaded.findings_error().map(|e| e.to_string());
    let _ = plan.numbers();
    serde_json::to_string(plan).expect("the plan serializes to JSON");
    if plan.has_errors() {
        return Reached::PlanWithErrors;
    }
    let rendered = eksgen::render::render(plan, ORIGIN)
        .unwrap_or_else(|e| panic!("a plan without error findings failed to render: {e}"));
    check_rendered(&rendered, parsed);
    Reached::Rendered
}

/// Every rendered file parses in its own language (each distinct text once per `parsed`).
pub fn check_rendered(rendered: &Rendered, parsed: &mut Parsed) {
    for (path, text) in rendered {
        let language = match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("tf") => "HCL",
            Some("tftpl") => "an HCL template",
            Some("yaml" | "yml") => "YAML",
            _ => continue,
        };
        let key = (language, text.clone());
        if parsed.0.contains(&key) {
            continue;
        }
        let error = match language {
            "HCL" => hcl::from_str::<hcl::Body>(text)
                .err()
                .map(|e| e.to_string()),
            "an HCL template" => text
                .parse::<hcl::template::Template>()
                .err()
                .map(|e| e.to_string()),
            _ => serde_saphyr::from_multiple::<serde_json::Value>(text)
                .err()
                .map(|e| e.to_string()),
        };
        if let Some(e) = error {
            panic!("{path} is not valid {language}: {e}\n{text}");
        }
        parsed.0.insert(key);
    }
}
