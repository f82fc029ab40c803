//! `out/<preset>/` holds the rendered output of every preset; this fails when any is stale.
//! Regenerate with the loop in the README ("Presets and committed examples").

use std::path::Path;

#[test]
fn committed_examples_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, _, text) in eksgen::presets::PRESETS {
        let origin = format!("presets/{name}.yaml");
        assert_eq!(
            std::fs::read_to_string(root.join(&origin)).unwrap(),
            *text,
            "{origin} differs from the embedded preset"
        );
        let plan =
            eksgen::pipeline::plan_from_text(text, &origin).unwrap_or_else(|e| panic!("{e}"));
        // Headers name the intent by file name, as `eksgen render -f presets/NAME.yaml` does.
        let rendered = eksgen::render::render(&plan, &format!("{name}.yaml"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let dir = root.join("out").join(name);
        let changes =
            eksgen::output::plan_changes(&dir, &rendered).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !changes.has_differences(),
            "out/{name} is stale; run: cargo run -- render -f {origin} -o out/{name}\n{}",
            eksgen::report::diff::format_unified(&changes, false)
        );
    }
}
