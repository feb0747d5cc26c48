//! `hostnet lab`: builds a replica of a host design in network namespaces — the host configured
//! by hostnet's own apply, emulated switches (bridges, with an 802.3ad port-channel per host
//! where asked), probe peers — then injects faults and measures what users would feel.
//! Every replica is configured through `hostnet-engine`'s `Engine`, the transaction
//! `hostnet apply` runs (lock, recovery of an interrupted build, trial check, verify, rollback).

pub mod build;
pub mod cluster;
pub mod error;
pub mod events;
pub mod ns;
pub mod probe;
pub mod repeat;
pub mod report;
pub mod run;
pub mod scenario;
pub mod settle;
pub mod svg;
pub mod text;
pub mod throughput;
pub mod topology;

pub use error::LabError;
