//! `plan_10k` with the system allocator (glibc), to show what the binary's allocator buys.

include!("common/plan_10k_body.rs");
