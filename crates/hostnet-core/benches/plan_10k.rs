//! Validate + plan a 10,000-interface topology (bonds of bonds, VLANs, bridges).
//! Results are recorded in BENCHMARKS.md; the target (issue 15) is under 50 ms end to end.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hostnet_core::{State, load, load_with_graph, plan, plan_with_graph, synth};

fn bench(c: &mut Criterion) {
    let config = synth::stacked_blocks(10_000);
    let yaml = config.to_yaml();
    let mut g = c.benchmark_group("10k-interfaces");
    g.sample_size(20);
    // As `hostnet plan` does it: the graph validation built is the one planning uses.
    g.bench_function("parse+validate+plan", |b| {
        b.iter(|| {
            let (c, graph) = load_with_graph("bench.yaml", black_box(&yaml)).expect("valid");
            plan_with_graph(&c, &State::offline(), &graph)
        })
    });
    g.bench_function("parse+validate", |b| b.iter(|| load("bench.yaml", black_box(&yaml)).expect("valid")));
    // What the daemon reads on each apply when programs write the config (JSON's fast path).
    let json = serde_json::to_string(&config).expect("serializable");
    g.bench_function("parse+validate-json", |b| b.iter(|| load("bench.json", black_box(&json)).expect("valid")));
    g.bench_function("plan", |b| b.iter(|| plan(black_box(&config), &State::offline())));
    g.bench_function("plan-against-applied-state", |b| {
        let live = State::from_config(&config);
        b.iter(|| plan(black_box(&config), &live))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
