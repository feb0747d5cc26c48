//! Addresses: the dump, parsed down to what hostnet reads, and each address's place in the
//! state (permanent, dynamic or IPv6 link-local).

use hostnet_core::model::Cidr;
use hostnet_core::state::LiveLink;
use rtnetlink::packet_core::{DecodeError, NetlinkBuffer, NlasIterator, Parseable};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags, AddressHeader, AddressMessage};

use crate::attr_set::Kinds;
use crate::dump::DumpSocket;
use crate::error::Error;

/// The message type of an address in a dump (linux/rtnetlink.h).
const RTM_NEWADDR: u16 = 20;
/// The size of struct ifaddrmsg, which the attributes follow.
const ADDRESS_HEADER_LEN: usize = 8;
/// The IFA_* attributes hostnet reads: address, local address, broadcast, flags. The label (a string) and
/// the lifetimes were parsed for every address and dropped: 8041 links carry 12,000 addresses,
/// and parsing them whole took longer than the kernel took to dump them.
const KEPT_ADDRESS_ATTRS: Kinds = Kinds::of(&[1, 2, 4, 8]);

/// Every address of both families, each with only the attributes hostnet reads.
pub(super) fn addresses_on(dumps: &DumpSocket) -> Result<Vec<AddressMessage>, Error> {
    dumps.collect_raw(RouteNetlinkMessage::GetAddress(AddressMessage::default()), |m: NetlinkBuffer<&[u8]>| {
        if m.message_type() != RTM_NEWADDR {
            return Ok(None);
        }
        parse_address(m.payload()).map(Some).map_err(|e| Error::Other(format!("netlink address dump: {e}")))
    })
}

/// An address message's payload (struct ifaddrmsg and its attributes), parsed by the crate's
/// own parsers but only as far as hostnet reads it.
pub fn parse_address(payload: &[u8]) -> Result<AddressMessage, DecodeError> {
    let mut a = AddressMessage::default();
    a.header = AddressHeader::parse(payload)?;
    for nla in NlasIterator::new(payload.get(ADDRESS_HEADER_LEN..).unwrap_or_default()) {
        let nla = nla?;
        if KEPT_ADDRESS_ATTRS.contains(nla.kind()) {
            a.attributes.push(AddressAttribute::parse(&nla)?);
        }
    }
    Ok(a)
}

/// Puts address `a` on its link in the state: as permanent, dynamic (a lease, SLAAC) or IPv6
/// link-local.
pub fn attach_address(link: &mut LiveLink, a: &AddressMessage) {
    let Some(cidr) = address_of(a) else { return };
    // lo's 127.0.0.1/8 and ::1 are the kernel's, as its prefix and local routes are.
    if cidr.addr().is_loopback() {
        return;
    }
    if is_dynamic(a) && !cidr.is_link_local() {
        link.dynamic.push(cidr);
    } else if !cidr.is_link_local() {
        let broadcast = a.attributes.iter().any(|x| matches!(x, AddressAttribute::Broadcast(_)));
        if cidr.takes_broadcast() && !broadcast {
            link.no_broadcast.push(cidr);
        }
        link.iface.addresses.push(cidr);
    } else if cidr.addr().is_ipv6() {
        link.link_local.push(cidr);
    }
}

/// Whether an address has a lifetime (a DHCP lease, SLAAC) rather than being permanent.
pub fn is_dynamic(a: &AddressMessage) -> bool {
    !flags_of(a).contains(AddressFlags::Permanent)
}

/// Whether an address can be used now (DAD neither running nor failed), and whether it then
/// reaches beyond the link (scope global): the `address` and `routable` of the online contract.
pub fn usable(a: &AddressMessage) -> (bool, bool) {
    let f = flags_of(a);
    let usable = !f.intersects(AddressFlags::Tentative | AddressFlags::Dadfailed);
    (usable, usable && a.header.scope == rtnetlink::packet_route::address::AddressScope::Universe)
}

/// An address's IFA_F_* flags: the 32-bit IFA_FLAGS attribute, or the header's 8 bits where
/// the kernel sent none (the values below 0x100 are the same in both).
pub fn flags_of(a: &AddressMessage) -> AddressFlags {
    a.attributes
        .iter()
        .find_map(|x| if let AddressAttribute::Flags(f) = x { Some(*f) } else { None })
        .unwrap_or_else(|| AddressFlags::from_bits_retain(u32::from(a.header.flags.bits())))
}

/// An address message as the config writes it, `192.0.2.2/24`.
pub fn address_of(a: &AddressMessage) -> Option<Cidr> {
    // IFA_LOCAL is the address itself on point-to-point links; IFA_ADDRESS elsewhere.
    let ip =
        a.attributes.iter().find_map(|x| if let AddressAttribute::Local(ip) = x { Some(*ip) } else { None }).or_else(
            || a.attributes.iter().find_map(|x| if let AddressAttribute::Address(ip) = x { Some(*ip) } else { None }),
        )?;
    ipnet::IpNet::new(ip, a.header.prefix_len).ok().map(Cidr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_core::Emitable;
    use rtnetlink::packet_route::AddressFamily;
    use rtnetlink::packet_route::address::CacheInfo;

    /// A DHCP lease as the kernel reports it: every attribute it sends for one.
    fn lease() -> AddressMessage {
        let mut life = CacheInfo::default();
        life.ifa_preferred = 300;
        life.ifa_valid = 600;
        let mut a = AddressMessage::default();
        a.header.family = AddressFamily::Inet;
        a.header.prefix_len = 24;
        a.header.index = 7;
        a.attributes = vec![
            AddressAttribute::Address("192.0.2.9".parse().unwrap()),
            AddressAttribute::Local("192.0.2.9".parse().unwrap()),
            AddressAttribute::Broadcast("192.0.2.255".parse().unwrap()),
            AddressAttribute::Label("eth0".into()),
            AddressAttribute::Flags(AddressFlags::Noprefixroute),
            AddressAttribute::CacheInfo(life),
        ];
        a
    }

    #[test]
    fn keeps_what_is_read_and_reads_the_same() {
        let whole = lease();
        let mut bytes = vec![0; whole.buffer_len()];
        whole.emit(&mut bytes);
        let parsed = parse_address(&bytes).unwrap();
        assert_eq!(parsed.header, whole.header);
        assert_eq!(parsed.attributes.len(), 4, "address, local, broadcast, flags: {:?}", parsed.attributes);
        assert_eq!(address_of(&parsed), address_of(&whole));
        assert_eq!(address_of(&parsed).unwrap().to_string(), "192.0.2.9/24");
        assert!(is_dynamic(&parsed) && is_dynamic(&whole));
    }

    #[test]
    fn a_cut_attribute_is_an_error() {
        let whole = lease();
        let mut bytes = vec![0; whole.buffer_len()];
        whole.emit(&mut bytes);
        // The first attribute claims more bytes than the message holds.
        bytes[ADDRESS_HEADER_LEN..ADDRESS_HEADER_LEN + 2].copy_from_slice(&200u16.to_ne_bytes());
        assert!(parse_address(&bytes).is_err());
    }
}
