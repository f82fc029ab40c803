//! Benchmarks of the pure stages: parse + validate, resolve and render for 1 to 1,000 node
//! groups; max-pods over the whole catalog; catalog load.
//!
//! Run: `cargo bench` (or `cargo bench -- --warm-up-time 1 --measurement-time 2` for a
//! quick look). The intents are generated, so every size follows the same rules: the head in
//! `intent-head.yaml` (three zones, a /16 VPC, `secondaryCidrs: auto`, `cni.mode:
//! secondary-ip`; shared with scripts/bench-whole-process.sh), then groups named `g0000`..
//! (≤ 32 chars) with ten amd64 Nitro types in turn, `scaling {1, 1, 2}` and 10 pods per node.
//! Each size is checked to resolve without error findings.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use eksgen::catalog::{Catalog, EMBEDDED_CSV};
use eksgen::max_pods::{MaxPodsOptions, max_pods};

const SIZES: &[usize] = &[1, 10, 100, 1000];

const TYPES: &[&str] = &[
    "m6i.large",
    "m6i.xlarge",
    "c6i.large",
    "c6i.2xlarge",
    "r6i.large",
    "m5.large",
    "c5.xlarge",
    "r5.large",
    "m7i.large",
    "c7i.large",
];

/// An intent with `groups` node groups.
fn intent_text(groups: usize) -> String {
    let mut s = String::from(include_str!("intent-head.yaml"));
    for i in 0..groups {
        s.push_str(&format!(
            "    - name: g{i:04}\n      instanceTypes: [{}]\n      scaling: {{min: 1, desired: 1, max: 2}}\n      podsPerNode: 10\n",
            TYPES[i % TYPES.len()]
        ));
    }
    s
}

fn intent(groups: usize) -> eksgen::intent::ValidIntent {
    eksgen::intent::parse_and_validate(&intent_text(groups), "bench", Catalog::embedded())
        .unwrap_or_else(|e| panic!("{groups} groups: {e}"))
}

fn plan(groups: usize) -> eksgen::plan::Plan {
    let plan = eksgen::resolve::resolve(&intent(groups), Catalog::embedded())
        .unwrap_or_else(|e| panic!("{groups} groups: {e:?}"));
    assert!(
        !plan.has_errors(),
        "{groups} groups: error findings {:?}",
        plan.findings
            .iter()
            .filter(|f| f.severity == eksgen::plan::Severity::Error)
            .collect::<Vec<_>>()
    );
    plan
}

fn parse_validate(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_validate");
    for &n in SIZES {
        let text = intent_text(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                eksgen::intent::parse_and_validate(black_box(text), "bench", Catalog::embedded())
                    .expect("valid")
            })
        });
    }
    g.finish();
}

fn resolve(c: &mut Criterion) {
    let mut g = c.benchmark_group("resolve");
    for &n in SIZES {
        let intent = intent(n);
        plan(n); // checks the size is findings-error-free
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &intent, |b, intent| {
            b.iter(|| eksgen::resolve::resolve(black_box(intent), Catalog::embedded()))
        });
    }
    g.finish();
}

fn render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for &n in SIZES {
        let plan = plan(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &plan, |b, plan| {
            b.iter(|| eksgen::render::render(black_box(plan), "bench").expect("renders"))
        });
    }
    g.finish();
}

fn max_pods_catalog(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    let mut g = c.benchmark_group("max_pods");
    g.throughput(Throughput::Elements(catalog.len() as u64));
    for (name, opts) in [
        ("whole_catalog", MaxPodsOptions::default()),
        (
            "whole_catalog_prefix_delegation",
            MaxPodsOptions {
                prefix_delegation: true,
                ..MaxPodsOptions::default()
            },
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                catalog
                    .iter()
                    .map(|t| max_pods(black_box(t), opts).max_pods)
                    .sum::<u32>()
            })
        });
    }
    g.finish();
}

fn catalog_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("catalog");
    g.throughput(Throughput::Bytes(EMBEDDED_CSV.len() as u64));
    g.bench_function("from_csv_embedded", |b| {
        b.iter(|| Catalog::from_csv(black_box(EMBEDDED_CSV), "embedded").expect("parses"))
    });
    g.finish();
}

criterion_group!(
    benches,
    parse_validate,
    resolve,
    render,
    max_pods_catalog,
    catalog_load
);
criterion_main!(benches);
