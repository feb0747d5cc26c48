//! hostnet's transaction engine. Every front end (the CLI, the daemon's socket apply and drift
//! pass, the lab, Ansible through the CLI) changes a host through [`Engine`], and nothing else
//! takes the lock or reads the journal.
//!
//! The layering, lowest first:
//! - `hostnet-core`: the model, validation, the planner, and [`State::apply`] (what one operation
//!   does to a host, as the kernel would do it);
//! - this crate: [`Engine`] over two seams, [`Host`] (observe the host, run one operation) and
//!   [`Store`] (lock, journal, pending trial). It knows nothing of netlink or files;
//! - `hostnet-netlink` implements [`Host`] for the kernel, and its state directory implements
//!   [`Store`]; the daemon's mirror is a [`Host`] observation source;
//! - the CLI, the daemon and the lab drive the engine.
//!
//! [`SimHost`] (a [`State`] that runs operations through [`State::apply`]) and [`MemStore`] make
//! the whole transaction testable without root: see `tests/`.
//!
//! [`State`]: hostnet_core::State
//! [`State::apply`]: hostnet_core::State::apply

mod engine;
mod faulty;
mod host;
mod mem;
mod options;
mod process;
mod report;
mod sim;
mod store;
mod timing;

pub use engine::{
    Confirmed, Engine, OVERDUE_AFTER_SECS, Refused, Session, adopt_orphan, confirm, declared_names, now,
    record_reverter,
};
pub use faulty::Faulty;
pub use host::{HOLD_AFTER_UPS, Held, Host, HostError, MAX_HOLD};
pub use hostnet_core::OpError;
pub use mem::MemStore;
pub use options::{LockMode, Options};
pub use process::Reverter;
pub use report::{Applied, Outcome, Recovered, Report, StepReport, Trial, render, render_undone};
pub use sim::SimHost;
pub use store::{Journal, Pending, Reverted, Store, Unfinished, undo_of};
