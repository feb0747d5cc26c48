//! hostnetd: keeps the declared network true while the host runs. It mirrors the host from
//! rtnetlink notifications, runs a per-link state machine over whole-host plans, repairs or
//! reports drift, answers `apply`, `status` and `reload` on a control socket, and can export
//! Prometheus metrics. See docs/daemon.md.
//!
//! It changes the host only through `hostnet-engine`'s `Engine`, with the kernel adapter
//! (`hostnet_netlink::NetlinkHost`) observing through its mirror ([`source::MirrorSource`]): a
//! drift pass takes the lock without waiting, plans once, and has the engine carry out that
//! plan's operations for the links it acts on.

mod accept;
pub mod control;
pub mod daemon;
pub mod dhcp;
pub mod history;
pub mod hooks;
mod leases;
pub mod machine;
pub mod metrics;
pub mod mirror;
pub mod online;
pub mod owners;
pub mod protocol;
mod reconcile;
mod requests;
pub mod source;
pub mod status;

pub use daemon::{DaemonOptions, StartError, run};
pub use reconcile::LinkState;
