//! The in-memory host: a [`State`] that runs each operation through [`State::apply`], the model
//! of the kernel that the planner's own simulation follows. It counts what the engine asks of
//! it, so tests can say how often a transaction observed and what it ran.

use std::borrow::Cow;
use std::time::Duration;

use hostnet_core::plan::Op;
use hostnet_core::{Config, OpError, State};

use crate::host::{Held, Host, HostError};

#[derive(Debug, Clone, Default)]
pub struct SimHost {
    pub state: State,
    /// Observations made (each one is followed by a plan: before applying, or to verify).
    pub observed: usize,
    /// Every operation run, refused ones included, in order.
    pub ran: Vec<Op>,
}

impl SimHost {
    pub fn new(state: State) -> Self {
        SimHost { state: State { observed: true, ..state }, observed: 0, ran: Vec::new() }
    }
}

impl Host for SimHost {
    async fn observe(&mut self, _desired: &Config) -> Result<Cow<'_, State>, HostError> {
        self.observed += 1;
        Ok(Cow::Borrowed(&self.state))
    }

    async fn run(&mut self, op: &Op) -> Result<(), OpError> {
        self.ran.push(op.clone());
        self.state.apply(op)
    }

    async fn await_startup(&mut self, names: &[String], _max: Duration) -> Result<Held, HostError> {
        Ok(Held { links: names.len(), waited_ms: 0, complete: true })
    }

    async fn pause(&mut self, _d: Duration) {}

    async fn link_names(&mut self) -> Result<Vec<String>, HostError> {
        Ok(self.state.links.iter().map(|l| l.iface.name.clone()).collect())
    }
}
