//! hostnet's backend: observes a Linux host's links, addresses, routes, rules and IP sysctls and
//! carries out planned operations on it, over rtnetlink (and /proc/sys/net for sysctls). No
//! shelling out to `ip`.

mod bridge_port;
pub mod conn;
mod dump;
pub mod engine;
pub mod error;
pub mod ethtool;
pub mod exec;
pub mod journal;
mod kinds;
pub mod lease;
pub mod monitor;
pub mod netns;
pub mod read;
pub mod rules;
pub mod startup;
pub mod status;
pub mod sysctl;
mod virt;
pub mod wireguard;
pub mod write;

pub use conn::Netlink;
pub use error::{Error, OpError};
