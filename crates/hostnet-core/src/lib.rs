//! hostnet's pure core: the declared model, its validation, the device dependency graph, and the
//! plan that turns a desired config plus the current state into ordered operations. Nothing here
//! touches the host, so all of it is tested without root.
//!
//! It is the bottom layer: `hostnet-engine` (the transaction) builds on it alone, and the
//! kernel adapter, the daemon, the lab and the CLI on both. [`State::apply`] says what one
//! operation does to a host, as the kernel does it; the engine's in-memory host runs on it.

pub mod confirm;
pub mod design;
pub mod diag;
pub mod duration;
pub mod graph;
pub mod locate;
pub mod model;
pub mod online;
pub mod op_error;
pub mod parse;
pub mod reuse;
pub mod validate;
mod validate_virt;
mod validate_wireguard;
pub mod written;

pub use diag::{Problem, Problems};
pub use model::Config;
pub use op_error::OpError;
pub use parse::{
    LoadError, MAX_CONFIG_BYTES, load, load_again, load_file, load_in_halves, load_with_graph, read_file, read_open,
    warnings,
};
pub mod plan;
pub mod state;

pub use plan::{Op, Plan, plan, plan_with_graph};
pub use state::State;
pub mod synth;
