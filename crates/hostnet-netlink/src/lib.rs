//! hostnet's backend: observes a Linux host's links, addresses, routes, rules and IP sysctls and
//! carries out planned operations on it, over rtnetlink (and /proc/sys/net for sysctls). No
//! shelling out to `ip`. It is the kernel adapter under `hostnet-engine`: [`NetlinkHost`] is the
//! engine's `Host`, and the state directory ([`journal::StateDir`]) its `Store`.

mod attr_set;
mod bridge_port;
pub mod checks;
pub mod conn;
mod dump;
pub mod error;
pub mod ethtool;
pub mod host;
pub mod journal;
pub mod kernel_modules;
mod kinds;
pub mod lease;
pub mod monitor;
pub mod netns;
pub mod private;
pub mod read;
pub mod resolved;
mod route_attrs;
pub mod rules;
pub mod startup;
pub mod status;
pub mod sysctl;
pub mod wireguard;
pub mod write;

pub use conn::Netlink;
pub use error::{Error, OpError};
pub use host::{Dump, NetlinkHost, StateSource};
