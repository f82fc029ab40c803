//! eksgen in its surroundings: the intent schema (and editors), shell completions, the man
//! page, catalog import and overlays.

use crate::common::{eksgen, eksgen_env, text, tmp};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn schema_value() -> serde_json::Value {
    let d = tmp();
    serde_json::from_str(&ok(&eksgen(&["schema"], d.path()))).expect("schema is JSON")
}

fn yaml_value(text: &str, origin: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{origin}: {e}"))
}

fn validator() -> jsonschema::Validator {
    // draft7::new also checks the schema against the draft-07 meta-schema.
    jsonschema::draft7::new(&schema_value()).expect("a valid draft-07 schema")
}

fn schema_errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn committed_schema_is_current() {
    let d = tmp();
    let generated = ok(&eksgen(&["schema"], d.path()));
    let path = root().join("schema/eksgen.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: the intent types changed. Regenerate it with\n\n    cargo run -- schema > schema/eksgen.schema.json\n",
        path.display()
    );
}

#[test]
fn every_preset_and_fixture_intent_validates_against_the_schema() {
    let v = validator();
    let mut seen = 0;
    let presets = std::fs::read_dir(root().join("presets")).expect("presets/");
    let fixtures = std::fs::read_dir(root().join("tests/fixtures/intents")).expect("fixtures");
    for entry in presets.chain(fixtures) {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let body = std::fs::read_to_string(&path).expect("read intent");
            let errors = schema_errors(&v, &yaml_value(&body, &path.display().to_string()));
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} presets and fixtures found");
}

enum Edit {
    Add(&'static str),
    Set(&'static str),
}
use Edit::{Add, Set};

/// What the parser refuses for its shape, the schema refuses too (so editors flag it), and
/// the hand-written forms the parser accepts, the schema accepts.
#[test]
fn schema_agrees_with_the_parser_on_shapes() {
    let v = validator();
    let base = std::fs::read_to_string(root().join("presets/minimal.yaml")).expect("preset");
    let net = "    vpcCidr: 10.0.0.0/16\n";
    let pods = "      podsPerNode: 30";
    let spec = "\nspec:\n";
    // (text in the preset, lines to add after it or the text to put in its place,
    // accepted?, why). `deny_unknown_fields` must be `additionalProperties: false` at
    // every level.
    #[rustfmt::skip]
    let cases: &[(&str, Edit, bool, &str)] = &[
        (net, Add("    secondaryCidrs: auto\n"), true, "secondaryCidrs auto"),
        (net, Add("    secondaryCidrs: none\n"), true, "secondaryCidrs none"),
        (net, Add("    secondaryCidrs: [100.64.0.0/16]\n"), true, "secondaryCidrs list"),
        (net, Add("    secondaryCidrs: sometimes\n"), false, "secondaryCidrs word"),
        (net, Add("    cnii: {}\n"), false, "unknown network key"),
        (pods, Add("\n      maxPods: auto"), true, "maxPods auto"),
        (pods, Add("\n      maxPods: 58"), true, "maxPods number"),
        (pods, Add("\n      maxPods: lots"), false, "maxPods word"),
        (pods, Add("\n      podsPerNod: 3"), false, "misspelled group key"),
        (spec, Add("  terraform: { eksModule: \"20\" }\n"), true, "eksModule quoted"),
        (spec, Add("  terraform: { eksModule: 20 }\n"), true, "eksModule number"),
        (spec, Add("  terraform: { eksModule: \"19\" }\n"), false, "eksModule 19"),
        (spec, Add("  extra: 1\n"), false, "unknown spec key"),
        (spec, Add("  tags: { team: ml }\n"), true, "tags"),
        ("kind: ClusterIntent", Set("kind: Cluster"), false, "wrong kind"),
        ("kind: ClusterIntent", Add("\nextra: 1"), false, "unknown top-level key"),
        ("\"1.34\"", Set("1.34"), false, "kubernetesVersion as a YAML number"),
    ];
    for (find, edit, accepted, why) in cases {
        assert!(base.contains(find), "{why}: `{find}` not in the preset");
        let body = match edit {
            Add(lines) => base.replacen(find, &format!("{find}{lines}"), 1),
            Set(text) => base.replacen(find, text, 1),
        };
        let schema_ok = schema_errors(&v, &yaml_value(&body, why)).is_empty();
        let parser_ok = eksgen::intent::parse(&body, why).is_ok();
        assert_eq!(
            (schema_ok, parser_ok),
            (*accepted, *accepted),
            "{why}: (schema accepts, parser accepts)"
        );
    }
    // Field names are camelCase, as in the intent file.
    let schema = schema_value();
    let group_props = &schema["definitions"]["NodeGroupSpec"]["properties"];
    assert!(group_props["podsPerNode"].is_object() && group_props["pods_per_node"].is_null());
}

#[test]
fn init_writes_the_modeline_and_the_schema_beside_the_intent() {
    let d = tmp();
    let out = eksgen(
        &["init", "--preset", "minimal", "-o", "team/eksgen.yaml"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2), "the folder does not exist yet");
    std::fs::create_dir(d.path().join("team")).expect("mkdir");
    let out = eksgen(
        &["init", "--preset", "minimal", "-o", "team/eksgen.yaml"],
        d.path(),
    );
    ok(&out);
    let intent = std::fs::read_to_string(d.path().join("team/eksgen.yaml")).expect("intent");
    let first = intent.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "# yaml-language-server: $schema=./eksgen.schema.json"
    );
    // The relative path resolves against the intent's folder, where the schema now is.
    let schema_path = d.path().join("team/eksgen.schema.json");
    let written = std::fs::read_to_string(&schema_path).expect("schema beside the intent");
    assert_eq!(written, ok(&eksgen(&["schema"], d.path())));
    assert!(text(&out.stderr).contains("eksgen.schema.json"));
    // The written intent still plans, and validates against the schema it points to.
    ok(&eksgen(&["plan", "-f", "team/eksgen.yaml"], d.path()));
    assert!(schema_errors(&validator(), &yaml_value(&intent, "init")).is_empty());

    // An existing schema file is never overwritten; init says it kept it.
    std::fs::write(&schema_path, "{}\n").expect("write");
    let out = eksgen(
        &["init", "--preset", "minimal", "-o", "team/other.yaml"],
        d.path(),
    );
    ok(&out);
    assert_eq!(std::fs::read_to_string(&schema_path).unwrap(), "{}\n");
    assert!(
        text(&out.stderr).contains("kept") && text(&out.stderr).contains("eksgen schema >"),
        "{}",
        text(&out.stderr)
    );
    let other = std::fs::read_to_string(d.path().join("team/other.yaml")).unwrap();
    assert_eq!(other.matches("yaml-language-server").count(), 1);
}

#[test]
fn bash_completions_name_every_subcommand() {
    let d = tmp();
    let script = ok(&eksgen(&["completions", "bash"], d.path()));
    for sub in [
        "init",
        "plan",
        "lint",
        "render",
        "diff",
        "max-pods",
        "catalog",
        "import",
        "schema",
        "completions",
        "man",
    ] {
        assert!(script.contains(sub), "bash completion lacks {sub}");
    }
    assert!(script.contains("complete -F _eksgen"));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let s = ok(&eksgen(&["completions", shell], d.path()));
        assert!(s.contains("max-pods"), "{shell}");
    }
    assert_eq!(
        eksgen(&["completions", "tcsh"], d.path()).status.code(),
        Some(2)
    );
}

#[test]
fn man_page_has_a_title_and_every_subcommand() {
    let d = tmp();
    let page = ok(&eksgen(&["man"], d.path()));
    assert!(page.contains(".TH eksgen 1"), "{}", &page[..200]);
    for sub in [
        "INIT",
        "PLAN",
        "LINT",
        "RENDER",
        "DIFF",
        "MAX-PODS",
        "CATALOG",
        "CATALOG IMPORT",
        "SCHEMA",
        "COMPLETIONS",
        "MAN",
    ] {
        assert!(
            page.contains(&format!(".SH \"EKSGEN {sub}\"")),
            "man page lacks a section for {sub}"
        );
    }
    // Options of subcommands are documented (roff escapes `-` as `\-`).
    assert!(page.contains("\\-\\-prefix\\-delegation"));
    assert!(
        !page.contains("eksgen\\-plan(1)"),
        "points to pages that do not exist"
    );
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// `eksgen catalog import <the describe-instance-types fixture> -o <overlay>` in `dir`.
fn import_fixture(dir: &Path, overlay: &str) -> Output {
    let json = fixture("describe-instance-types.json");
    eksgen(
        &["catalog", "import", json.to_str().unwrap(), "-o", overlay],
        dir,
    )
}

/// Types in the fixture that the embedded catalog also has: their JSON holds the same facts,
/// so importing them must give the embedded rows back.
const KNOWN: &[&str] = &[
    "g4ad.xlarge",
    "hpc6a.48xlarge",
    "inf2.xlarge",
    "m4.large",
    "m5.large",
    "m5.metal",
    "m5d.large",
    "p5.48xlarge",
    "trn1.32xlarge",
    "u-6tb1.56xlarge",
];

#[test]
fn import_reproduces_embedded_rows_and_adds_new_types() {
    let d = tmp();
    let json = fixture("describe-instance-types.json");
    let out = import_fixture(d.path(), "overlay.csv");
    ok(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("skipped mac2.metal"), "{stderr}");
    assert!(stderr.contains("1 new, 10 replacing"), "{stderr}");
    let csv = std::fs::read_to_string(d.path().join("overlay.csv")).expect("overlay");
    let overlay = eksgen::catalog::Catalog::from_csv(&csv, "overlay.csv").expect("reads back");
    let embedded = eksgen::catalog::Catalog::embedded();
    for name in KNOWN {
        assert_eq!(overlay.get(name), embedded.get(name), "{name}");
    }
    let new = overlay.get("zz1.4xlarge").expect("the new type");
    assert_eq!((new.max_enis, new.ipv4_per_eni, new.vcpu), (8, 30, 16));
    assert!(
        new.on_demand_usd_hour.is_none(),
        "no price without --prices"
    );
    assert_eq!(overlay.len(), KNOWN.len() + 1);

    // Without -o the CSV goes to stdout; an existing overlay needs --force.
    let stdout = ok(&eksgen(
        &["catalog", "import", json.to_str().unwrap()],
        d.path(),
    ));
    assert_eq!(stdout, csv);
    let again = import_fixture(d.path(), "overlay.csv");
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--force"));
}

#[test]
fn import_takes_us_east_1_linux_prices_from_get_products() {
    let d = tmp();
    let out = eksgen(
        &[
            "catalog",
            "import",
            fixture("describe-instance-types.json").to_str().unwrap(),
            "--prices",
            fixture("pricing-get-products.json").to_str().unwrap(),
        ],
        d.path(),
    );
    let csv = ok(&out);
    // The fixture also prices zz1.4xlarge in us-west-2 and for Windows; neither is used.
    let row = csv
        .lines()
        .find(|l| l.starts_with("zz1.4xlarge,"))
        .expect("row");
    assert!(row.ends_with(",0.700000,us-east-1"), "{row}");
    assert!(text(&out.stderr).contains("1 priced"));

    // --price-region takes that region's rows and records the region per row.
    let out = eksgen(
        &[
            "catalog",
            "import",
            fixture("describe-instance-types.json").to_str().unwrap(),
            "--prices",
            fixture("pricing-get-products.json").to_str().unwrap(),
            "--price-region",
            "us-west-2",
        ],
        d.path(),
    );
    let csv = ok(&out);
    let row = csv
        .lines()
        .find(|l| l.starts_with("zz1.4xlarge,"))
        .expect("row");
    let overlay = eksgen::catalog::Catalog::from_csv(&csv, "o.csv").unwrap();
    let t = overlay.get("zz1.4xlarge").unwrap();
    assert_eq!(t.price_region, "us-west-2", "{row}");
    assert!(t.on_demand_usd_hour.is_some_and(|p| p != 0.7), "{row}");
    // Types priced from the embedded catalog keep its region.
    assert!(
        overlay
            .iter()
            .filter(|t| t.name != "zz1.4xlarge")
            .all(|t| t.price_region == "us-east-1")
    );
}

#[test]
fn import_errors_name_the_file_and_the_json_path() {
    let d = tmp();
    let good = std::fs::read_to_string(fixture("describe-instance-types.json")).unwrap();
    let bad = good.replacen("\"SizeInMiB\": 8192", "\"SizeInMiB\": \"8 GiB\"", 1);
    std::fs::write(d.path().join("bad.json"), bad).unwrap();
    let out = eksgen(&["catalog", "import", "bad.json"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: bad.json: InstanceTypes[0].MemoryInfo.SizeInMiB: expected a whole number, found \"8 GiB\"\n"
    );
    std::fs::write(d.path().join("notjson.json"), "{\"InstanceTypes\": [").unwrap();
    let out = eksgen(&["catalog", "import", "notjson.json"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("notjson.json: not JSON"));
    std::fs::write(d.path().join("wrong.json"), "{\"Reservations\": []}").unwrap();
    let out = eksgen(&["catalog", "import", "wrong.json"], d.path());
    assert!(text(&out.stderr).contains("wrong.json: InstanceTypes: missing"));
}

/// The minimal preset with its type swapped for one only the overlay knows.
fn new_type_intent() -> String {
    let preset = std::fs::read_to_string(root().join("presets/minimal.yaml")).expect("preset");
    assert!(preset.contains("[m6i.large]"));
    preset.replace("[m6i.large]", "[zz1.4xlarge]")
}

#[test]
fn overlay_from_flag_env_or_config_makes_new_types_usable() {
    let d = tmp();
    let overlay = d.path().join("overlay.csv");
    ok(&import_fixture(d.path(), "overlay.csv"));
    std::fs::write(d.path().join("eksgen.yaml"), new_type_intent()).unwrap();

    // Without an overlay the type is unknown.
    let out = eksgen(&["plan"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("zz1.4xlarge"));

    // --catalog (global: before or after the command).
    for args in [
        vec!["--catalog", "overlay.csv", "plan"],
        vec!["plan", "--catalog", "overlay.csv"],
    ] {
        let out = eksgen(&args, d.path());
        ok(&out);
        assert!(
            text(&out.stderr).starts_with(
                "note: catalog overlay overlay.csv (--catalog): 11 type(s), 10 replacing"
            ),
            "{}",
            text(&out.stderr)
        );
    }
    // EKSGEN_CATALOG.
    let out = eksgen_env(&["plan"], d.path(), &[("EKSGEN_CATALOG", &overlay)]);
    ok(&out);
    assert!(text(&out.stderr).contains("(EKSGEN_CATALOG)"));
    // $XDG_CONFIG_HOME/eksgen/catalog.csv.
    let config = d.path().join("config");
    std::fs::create_dir_all(config.join("eksgen")).unwrap();
    std::fs::copy(&overlay, config.join("eksgen/catalog.csv")).unwrap();
    let out = eksgen_env(
        &["max-pods", "zz1.4xlarge"],
        d.path(),
        &[("XDG_CONFIG_HOME", &config)],
    );
    assert_eq!(ok(&out), "zz1.4xlarge 110\n");
    assert!(text(&out.stderr).contains("(user config)"));
    // ~/.config/eksgen/catalog.csv when XDG_CONFIG_HOME is unset.
    let home = d.path().join("home");
    std::fs::create_dir_all(home.join(".config/eksgen")).unwrap();
    std::fs::copy(&overlay, home.join(".config/eksgen/catalog.csv")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eksgen"));
    let out = cmd
        .args(["catalog", "zz1.4xlarge"])
        .current_dir(d.path())
        .env_remove("EKSGEN_CATALOG")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(ok(&out).contains("zz1.4xlarge"));

    // A named overlay that is missing or broken is an error that names it.
    let out = eksgen(&["--catalog", "missing.csv", "plan"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("missing.csv"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(d.path().join("broken.csv"), "not,a,catalog\n").unwrap();
    let out = eksgen(&["--catalog", "broken.csv", "plan"], d.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("broken.csv: line 1"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn catalog_source_says_where_each_fact_came_from() {
    let d = tmp();
    ok(&import_fixture(d.path(), "o.csv"));
    let out = ok(&eksgen(
        &[
            "--catalog",
            "o.csv",
            "catalog",
            "--source",
            "zz1.4xlarge",
            "m5.large",
            "c5.large",
        ],
        d.path(),
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("TYPE"), "{out}");
    assert!(lines[1].starts_with("zz1.4xlarge") && lines[1].ends_with("overlay o.csv (--catalog)"));
    assert!(lines[2].contains("overlay o.csv (--catalog), replacing the embedded 2026-11 row"));
    assert!(lines[3].starts_with("c5.large") && lines[3].ends_with("embedded catalog 2026-11"));
    let json: serde_json::Value = serde_json::from_str(&ok(&eksgen(
        &[
            "--catalog",
            "o.csv",
            "catalog",
            "--source",
            "--format",
            "json",
            "zz1.4xlarge",
        ],
        d.path(),
    )))
    .unwrap();
    assert_eq!(json[0]["source"], "overlay");
    assert_eq!(json[0]["path"], "o.csv");
    // Without an overlay everything is embedded, and --version names the catalog date.
    let out = ok(&eksgen(&["catalog", "--source", "m5.large"], d.path()));
    assert!(out.contains("embedded catalog 2026-11"));
    assert!(ok(&eksgen(&["--version"], d.path())).contains("catalog 2026-11"));
}

#[test]
fn imported_region_prices_are_real_only_in_their_region() {
    let d = tmp();
    let import = |region: &str, out: &str| {
        ok(&eksgen(
            &[
                "catalog",
                "import",
                fixture("describe-instance-types.json").to_str().unwrap(),
                "--prices",
                fixture("pricing-get-products.json").to_str().unwrap(),
                "--price-region",
                region,
                "-o",
                out,
            ],
            d.path(),
        ));
    };
    import("us-west-2", "west.csv");
    // The minimal preset is in us-west-2.
    std::fs::write(d.path().join("eksgen.yaml"), new_type_intent()).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&ok(&eksgen(
        &["--catalog", "west.csv", "plan", "--format", "json"],
        d.path(),
    )))
    .unwrap();
    let items = plan["cost"]["items"].as_array().unwrap();
    let group = items
        .iter()
        .find(|i| i["name"] == "nodeGroups.system")
        .expect("priced group");
    assert_eq!(group["region"], "us-west-2");
    let cp = items.iter().find(|i| i["name"] == "controlPlane").unwrap();
    assert_eq!(cp["region"], "us-east-1");
    assert_eq!(plan["cost"]["regionPriced"], false);
    let note = plan["cost"]["notes"][0].as_str().unwrap();
    assert!(
        note.contains("controlPlane") && !note.contains("nodeGroups.system"),
        "{note}"
    );

    // The same overlay in us-east-1: the group's price is the reference one.
    std::fs::write(
        d.path().join("eksgen.yaml"),
        eksgen::presets::customize(&new_type_intent(), None, Some("us-east-1")),
    )
    .unwrap();
    let plan: serde_json::Value = serde_json::from_str(&ok(&eksgen(
        &["--catalog", "west.csv", "plan", "--format", "json"],
        d.path(),
    )))
    .unwrap();
    let note = plan["cost"]["notes"][0].as_str().unwrap();
    assert!(note.contains("nodeGroups.system"), "{note}");
    assert!(
        plan["nodeGroups"][0]["costReason"]
            .as_str()
            .unwrap()
            .contains("reference"),
    );
}
