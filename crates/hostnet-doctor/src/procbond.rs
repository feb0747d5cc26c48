//! /proc/net/bonding/NAME, parsed by key: field order differs between kernel versions.
//! It is the only place that carries each port's LACP partner system.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcBond {
    pub mode: String,
    pub ports: Vec<ProcPort>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcPort {
    pub name: String,
    pub mii_status: String,
    pub link_failures: Option<u32>,
    pub aggregator_id: Option<u32>,
    pub partner_system: Option<String>,
    /// "10000 Mbps", "Unknown": 802.3ad aggregates only ports that know both.
    pub speed: String,
    pub duplex: String,
}

pub fn parse(text: &str) -> ProcBond {
    let mut b = ProcBond::default();
    // Which block a "system mac address" belongs to: the actor's or the partner's.
    let mut in_partner = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("details partner lacp pdu") {
            in_partner = true;
            continue;
        }
        if t.starts_with("details actor lacp pdu") {
            in_partner = false;
            continue;
        }
        let Some((k, v)) = t.split_once(':') else { continue };
        let (k, v) = (k.trim(), v.trim());
        match k {
            "Bonding Mode" => b.mode = v.to_string(),
            "Slave Interface" => {
                in_partner = false;
                b.ports.push(ProcPort { name: v.to_string(), ..Default::default() });
            }
            _ => {
                let Some(p) = b.ports.last_mut() else { continue };
                match k {
                    "MII Status" => p.mii_status = v.to_string(),
                    "Link Failure Count" => p.link_failures = v.parse().ok(),
                    "Aggregator ID" => p.aggregator_id = v.parse().ok(),
                    "Speed" => p.speed = v.to_string(),
                    "Duplex" => p.duplex = v.to_string(),
                    "system mac address" if in_partner => p.partner_system = Some(v.to_string()),
                    _ => {}
                }
            }
        }
    }
    b
}
