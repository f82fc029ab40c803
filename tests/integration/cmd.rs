//! CLI cases as data: each `tests/cmd/**/*.toml` pins the arguments, the exit code and the
//! whole stdout and stderr of one eksgen run (trycmd). Refresh them all with
//! `TRYCMD=overwrite cargo test --test integration cmd::` and read the diff before committing.
//!
//! Every case sets `env.inherit = false`, so no catalog overlay (`EKSGEN_CATALOG`, a config
//! home), colour setting or backtrace variable of the developer's shell reaches the run.
//! What trycmd cannot say, such as "and nothing was written", stays in Rust
//! (`bad_inputs.rs`).

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .default_bin_path(env!("CARGO_BIN_EXE_eksgen"))
        .case("tests/cmd/**/*.toml");
}

/// Every corpus file of `tests/bad_inputs/` has exactly one case in `tests/cmd/bad_inputs/`,
/// and each case runs eksgen on its own file, isolated from the environment.
#[test]
fn every_bad_input_has_a_case() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let names = |dir: &str, ext: &str| -> std::collections::BTreeSet<String> {
        std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(ext).map(str::to_string))
            .collect()
    };
    assert_eq!(
        names("tests/bad_inputs", ".yaml"),
        names("tests/cmd/bad_inputs", ".toml"),
        "add a tests/cmd/bad_inputs/<name>.toml for every tests/bad_inputs/<name>.yaml"
    );
    for name in names("tests/cmd/bad_inputs", ".toml") {
        let path = root.join(format!("tests/cmd/bad_inputs/{name}.toml"));
        let case: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let args: Vec<&str> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(
            args.contains(&format!("{name}.yaml").as_str()),
            "{}: does not run its own file",
            path.display()
        );
        assert_eq!(
            case["env"]["inherit"].as_bool(),
            Some(false),
            "{}: not isolated from the environment",
            path.display()
        );
    }
}
