//! hostnet's backend: observes a Linux host's links, addresses and routes over rtnetlink and
//! carries out planned operations on it. No shelling out to `ip`.

pub mod conn;
mod dump;
pub mod engine;
pub mod error;
pub mod exec;
pub mod journal;
pub mod monitor;
pub mod netns;
pub mod read;
pub mod status;
pub mod write;

pub use conn::Netlink;
pub use error::{Error, OpError};
