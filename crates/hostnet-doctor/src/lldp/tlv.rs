//! IEEE 802.1AB LLDPDUs read into what cabling checks need: who the switch is (chassis id,
//! system name), which of its ports the cable ends in, the port's VLAN. No maintained crate
//! parses LLDP (the ones on crates.io are unmaintained or parts of packet-capture suites), and
//! the format is a flat list of type-length-value fields, so this module reads it itself.

use std::net::IpAddr;

use serde::Serialize;

/// One switch port as its LLDPDU describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Neighbor {
    /// Chassis ID (TLV 1): usually the switch's base MAC, written aa:bb:cc:dd:ee:ff.
    pub chassis_id: String,
    /// Port ID (TLV 2): an interface name or a MAC.
    pub port_id: String,
    /// Seconds the information stays valid (TLV 3).
    pub ttl: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management_address: Option<IpAddr>,
    /// IEEE 802.1 Port VLAN ID (organizationally specific TLV, OUI 00-80-C2, subtype 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
}

impl Neighbor {
    /// The switch's name for people: its system name, else its chassis id.
    pub fn switch(&self) -> &str {
        self.system_name.as_deref().unwrap_or(&self.chassis_id)
    }
}

const END: u8 = 0;
const CHASSIS_ID: u8 = 1;
const PORT_ID: u8 = 2;
const TTL: u8 = 3;
const PORT_DESCRIPTION: u8 = 4;
const SYSTEM_NAME: u8 = 5;
const SYSTEM_DESCRIPTION: u8 = 6;
const MANAGEMENT_ADDRESS: u8 = 8;
const ORG_SPECIFIC: u8 = 127;
const IEEE_8021: [u8; 3] = [0x00, 0x80, 0xc2];

/// An LLDPDU (the payload after the Ethernet header); `None` when the three mandatory TLVs
/// (chassis id, port id, TTL) do not open it, as 802.1AB 8.2 requires.
pub fn parse(pdu: &[u8]) -> Option<Neighbor> {
    let mut n = Neighbor::default();
    let mut seen = 0;
    let mut rest = pdu;
    while rest.len() >= 2 {
        let head = u16::from_be_bytes([rest[0], rest[1]]);
        let (kind, len) = ((head >> 9) as u8, usize::from(head & 0x1ff));
        let value = rest.get(2..2 + len)?;
        rest = &rest[2 + len..];
        match (kind, seen) {
            (END, _) => break,
            (CHASSIS_ID, 0) => n.chassis_id = id_text(value, 4, 5)?,
            (PORT_ID, 1) => n.port_id = id_text(value, 3, 4)?,
            (TTL, 2) => n.ttl = u16::from_be_bytes(value.try_into().ok()?),
            (_, 0..=2) => return None,
            (PORT_DESCRIPTION, _) => n.port_description = Some(text(value)),
            (SYSTEM_NAME, _) => n.system_name = Some(text(value)),
            (SYSTEM_DESCRIPTION, _) => n.system_description = Some(text(value)),
            (MANAGEMENT_ADDRESS, _) => n.management_address = n.management_address.or(mgmt_addr(value)),
            (ORG_SPECIFIC, _) if value.len() == 6 && value[..3] == IEEE_8021 && value[3] == 1 => {
                n.vlan = Some(u16::from_be_bytes([value[4], value[5]]))
            }
            _ => {}
        }
        seen += 1;
    }
    (seen >= 3).then_some(n)
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).trim_end_matches('\0').to_string()
}

/// A chassis or port id: subtype, then the id. `mac` and `net` are the subtypes that hold a
/// MAC address and a network address (they differ between the two TLVs).
fn id_text(v: &[u8], mac: u8, net: u8) -> Option<String> {
    let (&subtype, id) = v.split_first()?;
    Some(match subtype {
        s if s == mac && id.len() == 6 => id.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"),
        s if s == net => mgmt_family_addr(id).map(|a| a.to_string()).unwrap_or_else(|| text(id)),
        _ => text(id),
    })
}

/// An IANA address family number and an address (IPv4 = 1, IPv6 = 2).
fn mgmt_family_addr(v: &[u8]) -> Option<IpAddr> {
    match v.split_first()? {
        (1, a) if a.len() == 4 => Some(IpAddr::from(<[u8; 4]>::try_from(a).ok()?)),
        (2, a) if a.len() == 16 => Some(IpAddr::from(<[u8; 16]>::try_from(a).ok()?)),
        _ => None,
    }
}

/// Management address TLV: address string length (subtype + address), subtype, address, ...
fn mgmt_addr(v: &[u8]) -> Option<IpAddr> {
    let len = usize::from(*v.first()?);
    mgmt_family_addr(v.get(1..1 + len)?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn tlv(kind: u8, value: &[u8]) -> Vec<u8> {
        let head = (u16::from(kind) << 9) | value.len() as u16;
        [&head.to_be_bytes()[..], value].concat()
    }

    /// An LLDPDU as lldpd sends it with `portidsubtype ifname`.
    pub(crate) fn pdu(system: &str, port: &str) -> Vec<u8> {
        [
            tlv(CHASSIS_ID, &[4, 0x52, 0x54, 0, 0xaa, 0, 1]),
            tlv(PORT_ID, &[[5].as_slice(), port.as_bytes()].concat()),
            tlv(TTL, &120u16.to_be_bytes()),
            tlv(PORT_DESCRIPTION, port.as_bytes()),
            tlv(SYSTEM_NAME, system.as_bytes()),
            tlv(MANAGEMENT_ADDRESS, &[5, 1, 192, 0, 2, 9, 2, 0, 0, 0, 1, 0]),
            tlv(ORG_SPECIFIC, &[0x00, 0x80, 0xc2, 1, 0, 30]),
            tlv(END, &[]),
        ]
        .concat()
    }

    #[test]
    fn a_switch_port_is_read() {
        let n = parse(&pdu("swA", "Ethernet12")).unwrap();
        assert_eq!(n.chassis_id, "52:54:00:aa:00:01");
        assert_eq!((n.port_id.as_str(), n.ttl), ("Ethernet12", 120));
        assert_eq!(n.system_name.as_deref(), Some("swA"));
        assert_eq!(n.management_address, Some("192.0.2.9".parse().unwrap()));
        assert_eq!(n.vlan, Some(30));
    }

    #[test]
    fn a_pdu_without_its_mandatory_opening_is_refused() {
        assert!(parse(&[tlv(SYSTEM_NAME, b"x"), tlv(END, &[])].concat()).is_none());
        assert!(parse(&[0xff]).is_none());
        let cut = pdu("swA", "p1");
        assert!(parse(&cut[..10]).is_none(), "a truncated PDU");
    }
}
