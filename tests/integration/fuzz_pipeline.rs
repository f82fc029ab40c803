//! The pipeline fuzz target on stable Rust, so CI exercises it without nightly or
//! libFuzzer: the check from `fuzz/src/pipeline.rs` over every seed (the presets, the
//! test intents and `fuzz/corpus/pipeline/`, see [`corpus`]) and over seeded random mutations of those seeds (same seed,
//! same inputs, every run). `EKSGEN_FUZZ_ITERATIONS` sets the number of mutations
//! (default 1500) and `EKSGEN_FUZZ_SEED` the seed. See `fuzz/README.md`.

#[path = "../../fuzz/src/pipeline.rs"]
mod pipeline;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use pipeline::{Parsed, Reached};

/// The seeds: every preset (`preset-<name>.yaml`), every test intent of
/// `tests/fixtures/intents/` (`fixture-<name>.yaml`) and the seeds kept only in
/// `fuzz/corpus/pipeline/` (`variant-*` that are no copy of either, minimized `crash-*`
/// regressions). Read from where they live, so no copy can go stale; `fuzz/README.md` has
/// the command that copies presets and fixtures into the libFuzzer corpus before a run.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for (dir, prefix) in [
        ("presets", "preset-"),
        ("tests/fixtures/intents", "fixture-"),
        ("fuzz/corpus/pipeline", ""),
    ] {
        for entry in fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.unwrap().path();
            if path.is_file() && path.extension().is_some_and(|e| e == "yaml") {
                let name = path.file_name().unwrap().to_string_lossy();
                seeds.push((format!("{prefix}{name}"), fs::read(&path).unwrap()));
            }
        }
    }
    seeds.sort();
    let names: BTreeSet<&str> = seeds.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names.len(),
        seeds.len(),
        "a seed in fuzz/corpus/pipeline/ copies a preset or fixture name"
    );
    // 5 presets, 11 test intents, 2 variants today.
    assert!(seeds.len() >= 18, "the seed corpus is missing files");
    seeds
}

/// The kept seeds are not copies of a preset or fixture (those are read in place).
#[test]
fn kept_seeds_are_no_copies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut originals = BTreeSet::new();
    for dir in ["presets", "tests/fixtures/intents"] {
        for entry in fs::read_dir(root.join(dir)).unwrap() {
            originals.insert(fs::read(entry.unwrap().path()).unwrap());
        }
    }
    for entry in fs::read_dir(root.join("fuzz/corpus/pipeline")).unwrap() {
        let path = entry.unwrap().path();
        assert!(
            !originals.contains(&fs::read(&path).unwrap()),
            "{} copies a preset or fixture: delete it (the tests read the original)",
            path.display()
        );
    }
}

/// Runs the check (parsing only rendered texts `parsed` has not seen); on a panic, saves the
/// input under `target/` and fails with its path.
fn run(name: &str, input: &[u8], parsed: &mut Parsed) -> Reached {
    match catch_unwind(AssertUnwindSafe(|| pipeline::check_with(input, parsed))) {
        Ok(reached) => reached,
        Err(cause) => {
            let message = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
            fs::create_dir_all(&dir).unwrap();
            let saved = dir.join(name.replace('/', "_"));
            fs::write(&saved, input).unwrap();
            panic!(
                "{name}: the pipeline check failed: {message}\ninput saved to {} (replay: cargo +nightly fuzz run pipeline {0})\n{}",
                saved.display(),
                String::from_utf8_lossy(input)
            );
        }
    }
}

#[test]
fn seed_corpus() {
    let mut parsed = Parsed::default();
    for (name, bytes) in corpus() {
        let reached = run(&name, &bytes, &mut parsed);
        // Seeds named preset-*, fixture-* and variant-* are valid intents that render.
        if !name.starts_with("crash-") {
            assert_eq!(reached, Reached::Rendered, "{name}");
        }
    }
}

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that stress the scalar rules: numbers at and past the limits, YAML types in
/// disguise, quoting and template characters, control characters, non-ASCII.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "1e309",
    ".nan",
    ".inf",
    "~",
    "null",
    "true",
    "\"\"",
    "[]",
    "{}",
    "[[[]]]",
    "\"a\\\"b ${x} %{ if }\"",
    "\"back\\\\slash\"",
    "\"line\\nbreak\"",
    "\"nul\\u0000byte\"",
    "\"ünïcödé\"",
    "'${var.x}'",
    "../../etc/passwd",
    "&anchor x",
    "*anchor",
    "!!binary aGVsbG8=",
    "|\n  block\n",
    "0.0.0.0/0",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "255.255.255.255/32",
    "us-west-2z",
    "eu-west-1a",
    "p5.48xlarge",
    "t3.nano",
    "a1.medium",
    "trn1.32xlarge",
    "\"1.28\"",
    "\"1.99\"",
    "\"+1.+34\"",
    "karpenter",
    "capacity-block",
    "cr-0123456789abcdef0",
    "NoExecute",
    "prefix-delegation",
    "secondary-ip",
];

/// Keys worth inserting (known fields in the wrong place find the most paths).
const KEYS: &[&str] = &[
    "maxEni",
    "warmIpTarget",
    "warmPrefixTarget",
    "minimumIpTarget",
    "podsPerNode",
    "maxPods",
    "onePodPerNode",
    "memoryTiersGiB",
    "instanceFamilies",
    "efa",
    "secondaryCidrs",
    "availabilityZones",
    "capacityReservationId",
    "consolidation",
    "diskSizeGiB",
    "podResources",
    "provisioner",
    "amiFamily",
    "capacityType",
    "interNodeTraffic",
    "labels",
    "taints",
    "tags",
    "karpenter",
    "clusterAutoscaler",
    "natGateway",
    "podChurn",
    "eksModule",
    "publicAccess",
    "publicAccessCidrs",
    "registry",
    "scaleOutsPerDay",
    "imageSizeGiB",
];

fn mutate(rng: &mut Rng, input: &[u8], seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(2) {
        let text = String::from_utf8_lossy(&data).into_owned();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let at = rng.below(lines.len());
        match rng.below(10) {
            // Replace the value after `key:` (or a list item) with a stress value.
            0..=2 => {
                let line = &lines[at];
                let cut = line.find(": ").map(|i| i + 2).or_else(|| {
                    line.trim_start()
                        .starts_with("- ")
                        .then(|| line.find("- ").unwrap() + 2)
                });
                if let Some(cut) = cut {
                    lines[at] = format!("{}{}", &line[..cut], rng.pick(VALUES));
                }
            }
            // Insert a known key with a stress value, at this line's indentation.
            3 => {
                let indent = lines[at].len() - lines[at].trim_start().len();
                let line = format!(
                    "{}{}: {}",
                    " ".repeat(indent),
                    rng.pick(KEYS),
                    rng.pick(VALUES)
                );
                lines.insert(at, line);
            }
            // Duplicate, delete or move a line.
            4 => {
                let line = lines[at].clone();
                lines.insert(rng.below(lines.len() + 1), line);
            }
            5 => {
                lines.remove(at);
            }
            6 => {
                let other = rng.below(lines.len());
                lines.swap(at, other);
            }
            // Splice a line from another seed.
            7 => {
                let (_, other) = rng.pick(seeds);
                let other = String::from_utf8_lossy(other).into_owned();
                let other_lines: Vec<&str> = other.lines().collect();
                if !other_lines.is_empty() {
                    lines.insert(at, rng.pick(&other_lines).to_string());
                }
            }
            // Shift indentation.
            8 => {
                if rng.below(2) == 0 {
                    lines[at] = format!("  {}", lines[at]);
                } else if let Some(rest) = lines[at].strip_prefix("  ") {
                    lines[at] = rest.to_string();
                }
            }
            // Raw byte damage: flip, drop or insert bytes.
            _ => {
                let mut bytes = lines.join("\n").into_bytes();
                bytes.push(b'\n');
                let pos = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[pos] ^= 1 << rng.below(8),
                    1 => {
                        let end = (pos + 1 + rng.below(8)).min(bytes.len());
                        bytes.drain(pos..end);
                    }
                    _ => {
                        let b = *rng.pick(b"[]{}:,-&*!|>'\"#%@`\t\r\n\\\x00\xff");
                        bytes.insert(pos, b);
                    }
                }
                data = bytes;
                continue;
            }
        }
        data = (lines.join("\n") + "\n").into_bytes();
    }
    data
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn seeded_mutations() {
    let seeds = corpus();
    let iterations = env_number("EKSGEN_FUZZ_ITERATIONS", 1500);
    let seed = env_number("EKSGEN_FUZZ_SEED", 0x00E4_56E4_5EED);
    let mut rng = Rng(seed | 1);
    let mut reached: BTreeMap<Reached, u64> = BTreeMap::new();
    let mut parsed = Parsed::default();
    for i in 0..iterations {
        let (name, base) = rng.pick(&seeds);
        let input = mutate(&mut rng, base, &seeds);
        let name = format!("seed-{seed:x}-iteration-{i}-{name}");
        *reached.entry(run(&name, &input, &mut parsed)).or_default() += 1;
    }
    eprintln!("{iterations} mutations (seed {seed:#x}): {reached:?}");
    // The mutations must reach every stage, or the run proves little.
    if iterations >= 500 {
        for stage in [
            Reached::ParseError,
            Reached::InvalidIntent,
            Reached::Rendered,
        ] {
            assert!(
                reached.get(&stage).copied().unwrap_or(0) > 0,
                "no input reached {stage:?}: {reached:?}"
            );
        }
    }
}
