//! Validate + plan a 10,000-interface topology (bonds of bonds, VLANs, bridges), with the
//! allocator the `hostnet` binary uses (mimalloc). Results are recorded in BENCHMARKS.md; the
//! target (issue 15) is under 50 ms end to end. `plan_10k_system` runs the same with glibc's.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

include!("common/plan_10k_body.rs");
