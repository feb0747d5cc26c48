//! Where execution spent its time, per kind of operation: the first thing to read when an
//! apply is slow (`HOSTNET_LOG=hostnet_engine=debug`).

use std::time::Duration;

use hostnet_core::plan::Op;

#[derive(Default)]
pub(crate) struct OpTiming(std::collections::BTreeMap<&'static str, (u32, Duration, Duration)>);

impl OpTiming {
    pub(crate) fn add(&mut self, op: &Op, d: Duration) {
        let e = self.0.entry(op.kind_name()).or_default();
        e.0 += 1;
        e.1 += d;
        e.2 = e.2.max(d);
    }

    /// The time spent on operations of one kind so far.
    pub(crate) fn total(&self, kind: &str) -> Duration {
        self.0.get(kind).map_or(Duration::ZERO, |e| e.1)
    }

    pub(crate) fn log(&self) {
        for (kind, (n, total, max)) in &self.0 {
            tracing::debug!("{kind}: {n} in {total:?} (mean {:?}, max {max:?})", *total / *n);
        }
    }
}
