//! Another network manager on a link hostnet declares: systemd-networkd with a matching
//! .network, NetworkManager with the device managed, ifupdown bringing it up, or a DHCP client
//! running on it. Two managers fight: each undoes the other, and a reboot decides who wins.

use crate::{Finding, Severity, Snapshot};

/// Who else manages a link, and how that was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub link: String,
    pub manager: Manager,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    /// systemd-networkd, with the .network file that matched the link.
    Networkd {
        network_file: Option<String>,
    },
    NetworkManager,
    Ifupdown,
    DhcpClient {
        program: String,
        pid: u32,
    },
}

impl Manager {
    pub fn name(&self) -> String {
        match self {
            Manager::Networkd { .. } => "systemd-networkd".into(),
            Manager::NetworkManager => "NetworkManager".into(),
            Manager::Ifupdown => "ifupdown".into(),
            Manager::DhcpClient { program, pid } => format!("{program} (pid {pid})"),
        }
    }

    /// The command that hands `link` over to hostnet.
    pub fn hand_over(&self, link: &str) -> String {
        match self {
            Manager::Networkd { network_file: Some(f) } if f.starts_with("/run/systemd/network/") => format!(
                "{f} is generated (netplan writes there): remove {link} from /etc/netplan and run `netplan generate && networkctl reload`, or stop networkd: `systemctl disable --now systemd-networkd.service systemd-networkd.socket`"
            ),
            Manager::Networkd { network_file: Some(f) } => format!(
                "move {f} out of /etc/systemd/network and run `networkctl reload`, or stop networkd: `systemctl disable --now systemd-networkd.service systemd-networkd.socket`"
            ),
            Manager::Networkd { network_file: None } => {
                "stop networkd: `systemctl disable --now systemd-networkd.service systemd-networkd.socket`".into()
            }
            Manager::NetworkManager => format!(
                "`nmcli device set {link} managed no` (and `unmanaged-devices=interface-name:{link}` in NetworkManager.conf to keep it so)"
            ),
            Manager::Ifupdown => format!(
                "remove the `auto {link}` / `allow-hotplug {link}` stanza from /etc/network/interfaces; once hostnet declares everything, `systemctl disable networking.service` stops the `auto` ones, and `ln -s /dev/null /etc/udev/rules.d/80-ifupdown.rules` (or removing ifupdown) stops the udev hook that brings up `allow-hotplug` ones"
            ),
            Manager::DhcpClient { program, pid } => format!(
                "stop it: `kill {pid}` (and whatever starts {program} on {link}); declare dhcp4/dhcp6 in hostnet instead"
            ),
        }
    }
}

pub fn check(s: &Snapshot) -> Vec<Finding> {
    s.claims
        .iter()
        .map(|c| Finding {
            rule: "another-manager",
            severity: Severity::Error,
            subject: c.link.clone(),
            evidence: vec![format!("{} manages {}: {}", c.manager.name(), c.link, c.evidence)],
            fix: c.manager.hand_over(&c.link),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_manager_is_named_with_the_command_that_hands_the_link_over() {
        let s = Snapshot {
            claims: vec![
                Claim {
                    link: "ens16".into(),
                    manager: Manager::Networkd {
                        network_file: Some("/run/systemd/network/10-netplan-ens16.network".into()),
                    },
                    evidence: "/run/systemd/netif/links/2: ADMIN_STATE=configured".into(),
                },
                Claim {
                    link: "ens17".into(),
                    manager: Manager::DhcpClient { program: "dhclient".into(), pid: 812 },
                    evidence: "its command line names ens17".into(),
                },
            ],
            ..Snapshot::default()
        };
        let f = check(&s);
        assert_eq!(f.len(), 2);
        assert!(f[0].evidence[0].starts_with("systemd-networkd manages ens16"), "{f:?}");
        assert!(f[0].fix.contains("netplan generate"), "{f:?}");
        assert!(f[1].fix.contains("kill 812"), "{f:?}");
    }
}
