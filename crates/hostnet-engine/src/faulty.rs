//! A host that fails or stalls on purpose, to exercise rollback and crash recovery on a real
//! kernel (the netns tests' `--fail-at` and `HOSTNET_TEST_STALL_AFTER`) and in memory.

use std::borrow::Cow;
use std::time::Duration;

use hostnet_core::plan::Op;
use hostnet_core::{Config, OpError, State};

use crate::host::{Held, Host, HostError};

/// Wraps a host: the `fail_at`-th operation run (1-based) fails with EIO instead of running,
/// and once `stall_after` operations have run, the host hangs at the next thing asked of it (an
/// operation or the verifying observation), so a test can kill the apply there: the engine has
/// journaled every operation that ran. With `stall_inside`, it hangs right after carrying out
/// that operation, before the engine hears of it: a kill at the worst moment. Counting starts
/// at the wrapper's creation; a wrapper with none set passes everything through.
pub struct Faulty<H> {
    pub inner: H,
    pub fail_at: Option<usize>,
    pub stall_after: Option<usize>,
    pub stall_inside: Option<usize>,
    runs: usize,
}

impl<H> Faulty<H> {
    pub fn new(inner: H, fail_at: Option<usize>, stall_after: Option<usize>) -> Self {
        Faulty { inner, fail_at, stall_after, stall_inside: None, runs: 0 }
    }

    pub fn passthrough(inner: H) -> Self {
        Faulty::new(inner, None, None)
    }
}

impl<H> Faulty<H> {
    async fn stall_if_due(&self) {
        if self.stall_after.is_some_and(|n| self.runs >= n) {
            // Said, so that a test killing the process here knows the moment has come.
            tracing::warn!("test hook: stalled after operation {}", self.runs);
            std::future::pending::<()>().await;
        }
    }
}

impl<H: Host> Host for Faulty<H> {
    async fn observe(&mut self, desired: &Config) -> Result<Cow<'_, State>, HostError> {
        self.stall_if_due().await;
        self.inner.observe(desired).await
    }

    async fn run(&mut self, op: &Op) -> Result<(), OpError> {
        self.stall_if_due().await;
        self.runs += 1;
        if self.fail_at == Some(self.runs) {
            return Err(OpError::new(hostnet_core::op_error::errno::EIO, "injected failure (test hook)"));
        }
        let r = self.inner.run(op).await;
        if self.stall_inside == Some(self.runs) {
            tracing::warn!("test hook: stalled inside operation {}, carried out and not yet recorded", self.runs);
            std::future::pending::<()>().await;
        }
        r
    }

    async fn await_startup(&mut self, names: &[String], max: Duration) -> Result<Held, HostError> {
        self.inner.await_startup(names, max).await
    }

    async fn pause(&mut self, d: Duration) {
        self.inner.pause(d).await
    }

    async fn link_names(&mut self) -> Result<Vec<String>, HostError> {
        self.inner.link_names().await
    }
}
