//! The lab file: which host ports are cabled to which switch, how switches are built, where
//! probe peers sit.

use crate::error::LabError;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// The hostnet config of the host under test, relative to the lab file.
    pub host: PathBuf,
    pub switches: Vec<Switch>,
    #[serde(default)]
    pub peers: Vec<Peer>,
    /// Switch pairs joined by an inter-switch link.
    #[serde(default)]
    pub links: Vec<[String; 2]>,
    #[serde(default)]
    pub probe: Probe,
    /// When the replica counts as settled, before the first step.
    #[serde(default)]
    pub settle: crate::settle::SettleRule,
    /// The cluster that runs over the design: each step then says whether it would lose a node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<crate::cluster::Cluster>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    pub name: String,
    /// Host NICs cabled to this switch.
    #[serde(default)]
    pub ports: Vec<String>,
    /// Bundle this switch's host ports into an 802.3ad port-channel, so LACP really negotiates.
    #[serde(default)]
    pub lacp: bool,
    #[serde(default = "fast")]
    pub lacp_rate: String,
    /// Run STP on the switch bridge with this forward delay (seconds).
    #[serde(default)]
    pub stp_forward_delay: Option<u32>,
}

fn fast() -> String {
    "fast".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peer {
    pub name: String,
    pub switch: String,
    /// The peer's address with prefix, in the host's subnet.
    pub address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// Probe packets per second, in each direction, per peer.
    #[serde(default = "rate")]
    pub rate: u32,
    /// The host address probes use; default: the first IPv4 address of the host config.
    #[serde(default)]
    pub host_address: Option<String>,
}

fn rate() -> u32 {
    200
}

impl Default for Probe {
    fn default() -> Self {
        Probe { rate: rate(), host_address: None }
    }
}

impl Topology {
    pub fn load(path: &Path) -> Result<(Topology, hostnet_core::Config), LabError> {
        let text = std::fs::read_to_string(path).map_err(LabError::os(path.display().to_string()))?;
        let t: Topology = serde_saphyr::from_str(&text)
            .map_err(|e| LabError::Input(format!("{}: {}", path.display(), e.without_snippet())))?;
        let host_path = path.parent().unwrap_or(Path::new(".")).join(&t.host);
        let host = hostnet_core::load_file(&host_path).map_err(|e| {
            LabError::Input(match e {
                hostnet_core::LoadError::Invalid(p) => p.lines(),
                other => other.to_string(),
            })
        })?;
        t.check(&host)?;
        Ok((t, host))
    }

    fn check(&self, host: &hostnet_core::Config) -> Result<(), LabError> {
        let nics: Vec<&str> = host
            .interfaces
            .iter()
            .filter(|i| matches!(i.kind, hostnet_core::model::Kind::Ethernet(_)))
            .map(|i| i.name.as_str())
            .collect();
        for s in &self.switches {
            for p in &s.ports {
                if !nics.contains(&p.as_str()) {
                    return Err(LabError::Input(format!(
                        "switch {}: port {p} is not an ethernet of the host config",
                        s.name
                    )));
                }
            }
        }
        for p in &self.peers {
            if !self.switches.iter().any(|s| s.name == p.switch) {
                return Err(LabError::Input(format!("peer {}: no switch named {}", p.name, p.switch)));
            }
        }
        for [a, b] in &self.links {
            for n in [a, b] {
                if !self.switches.iter().any(|s| &s.name == n) {
                    return Err(LabError::Input(format!("link {a}-{b}: no switch named {n}")));
                }
            }
        }
        Ok(())
    }

    /// Which switch a host NIC is cabled to.
    pub fn switch_of(&self, nic: &str) -> Option<&Switch> {
        self.switches.iter().find(|s| s.ports.iter().any(|p| p == nic))
    }

    /// The host address probes target.
    pub fn host_address(&self, host: &hostnet_core::Config) -> Option<std::net::IpAddr> {
        if let Some(a) = &self.probe.host_address {
            return a.parse().ok();
        }
        host.interfaces.iter().flat_map(|i| i.addresses.iter()).find(|a| a.addr().is_ipv4()).map(|a| a.addr())
    }
}
