//! LLDP: which switch port each NIC is cabled to, as the switches themselves say.

pub mod listen;
pub mod tlv;

pub use listen::listen;
pub use tlv::Neighbor;

/// The NICs to listen on (name, ifindex): physical links (the config's `ethernet` kind) that
/// are up; a down NIC hears nothing.
pub fn nics(state: &hostnet_core::State) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = state
        .links
        .iter()
        .filter(|l| l.up && matches!(l.iface.kind, hostnet_core::model::Kind::Ethernet(_)))
        .map(|l| (l.iface.name.clone(), l.index))
        .collect();
    v.sort();
    v
}
