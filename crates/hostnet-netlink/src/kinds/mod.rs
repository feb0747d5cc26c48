//! Per-kind codecs: for each kind of link, what hostnet writes into IFLA_LINKINFO to create it
//! and how it reads the kernel's IFLA_LINKINFO back into the model, side by side in one file, so
//! that an option is added in one place and the round trip through netlink-packet-route's bytes
//! (below) proves both directions agree. `read.rs` and `write.rs` only dispatch here.

pub(crate) mod bond;
pub(crate) mod bridge;
pub(crate) mod veth;
pub(crate) mod virt;
pub(crate) mod vlan;

#[cfg(test)]
mod tests;
