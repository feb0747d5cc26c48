//! Building the replica: namespaces, cables, switches, peers and the host, each configured by
//! hostnet's own apply. Dropping the [`Lab`] tears it all down.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use hostnet_core::model::{Bond, BondMode, Bridge, Config, Ethernet, Interface, Kind};
use hostnet_engine::{Engine, Options};
use hostnet_netlink::Netlink;
use hostnet_netlink::journal::StateDir;
use hostnet_netlink::write::Env;
use hostnet_netlink::{Dump, NetlinkHost};
use rtnetlink::packet_route::link::{InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};

use crate::error::{LabError, Result};
use crate::ns;
use crate::topology::Topology;

/// The switch-side end of one cable, which faults take down.
#[derive(Debug, Clone)]
pub struct CableEnd {
    pub switch: String,
    pub ifname: String,
    /// The host NIC on the other end, for host cables.
    pub host_nic: Option<String>,
}

pub struct Lab {
    /// Netlink connections into each switch, and each cable end's ifindex, resolved once so
    /// that a fault takes effect within microseconds of being timestamped.
    switch_nl: BTreeMap<String, Netlink>,
    end_index: BTreeMap<(String, String), u32>,
    pub host_ns: String,
    pub switch_ns: BTreeMap<String, String>,
    pub peer_ns: BTreeMap<String, String>,
    pub cables: Vec<CableEnd>,
    pub host_addr: IpAddr,
    pub peers: Vec<(String, IpAddr)>,
    created: Vec<String>,
    workdir: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for n in self.created.iter().rev() {
            ns::delete(n);
        }
        let _ = std::fs::remove_dir_all(&self.workdir);
    }
}

fn ifname(prefix: &str, rest: &str) -> String {
    let mut s = format!("{prefix}{rest}");
    s.truncate(15);
    s
}

impl Lab {
    /// Builds the replica. On error, whatever was built is torn down.
    pub async fn build(t: &Topology, host: &Config) -> Result<Lab> {
        // Unique per build: a repeated run must not meet the namespaces of the one before.
        static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = BUILDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tag = format!("hnl{}-{n}", std::process::id());
        // Made afresh with a random name (mkdtemp), never one found there: root writes state
        // and resolv.conf files into it, and a directory or symlink a user planted at a
        // guessable name would steer those writes.
        let workdir = tempfile::Builder::new()
            .prefix(&format!("hostnet-lab-{tag}-"))
            .tempdir()
            .map_err(LabError::os("the lab's work directory"))?
            .keep();
        let host_addr = t
            .host_address(host)
            .ok_or_else(|| LabError::Input("the host config has no IPv4 address to probe".into()))?;
        let mut lab = Lab {
            switch_nl: BTreeMap::new(),
            end_index: BTreeMap::new(),
            host_ns: format!("{tag}-host"),
            switch_ns: t.switches.iter().map(|s| (s.name.clone(), format!("{tag}-{}", s.name))).collect(),
            peer_ns: t.peers.iter().map(|p| (p.name.clone(), format!("{tag}-{}", p.name))).collect(),
            cables: Vec::new(),
            host_addr,
            peers: Vec::new(),
            created: Vec::new(),
            workdir,
        };
        let all: Vec<String> = std::iter::once(lab.host_ns.clone())
            .chain(lab.switch_ns.values().cloned())
            .chain(lab.peer_ns.values().cloned())
            .collect();
        for n in all {
            ns::create(&n)?;
            lab.created.push(n);
        }
        let host_nl = lab.connect(&lab.host_ns.clone())?;
        // Host cables: the NIC end in the host namespace (with the MAC the config matches on),
        // the port end in the switch.
        for s in &t.switches {
            let sw_ns = lab.switch_ns[&s.name].clone();
            for nic in &s.ports {
                let mac = host.get(nic).and_then(|i| match &i.kind {
                    Kind::Ethernet(e) => e.matches.mac,
                    _ => None,
                });
                let end = ifname("h-", nic);
                cable(&host_nl, nic, mac.map(|m| m.0), &end, &sw_ns).await?;
                lab.cables.push(CableEnd { switch: s.name.clone(), ifname: end, host_nic: Some(nic.clone()) });
            }
        }
        for [a, b] in &t.links {
            let nl = lab.connect(&lab.switch_ns[a].clone())?;
            let (ea, eb) = (ifname("isl-", b), ifname("isl-", a));
            cable(&nl, &ea, None, &eb, &lab.switch_ns[b]).await?;
            lab.cables.push(CableEnd { switch: a.clone(), ifname: ea, host_nic: None });
            lab.cables.push(CableEnd { switch: b.clone(), ifname: eb, host_nic: None });
        }
        for p in &t.peers {
            let nl = lab.connect(&lab.peer_ns[&p.name].clone())?;
            let end = ifname("pe-", &p.name);
            cable(&nl, "eth0", None, &end, &lab.switch_ns[&p.switch]).await?;
            lab.cables.push(CableEnd { switch: p.switch.clone(), ifname: end, host_nic: None });
        }
        // Switches, peers and the host are all configured by hostnet itself.
        for s in &t.switches {
            let ends: Vec<String> =
                lab.cables.iter().filter(|c| c.switch == s.name).map(|c| c.ifname.clone()).collect();
            let mut ifs: Vec<Interface> =
                ends.iter().map(|e| Interface::new(e.clone(), Kind::Ethernet(Ethernet::default()))).collect();
            let host_ends: Vec<String> = lab
                .cables
                .iter()
                .filter(|c| c.switch == s.name && c.host_nic.is_some())
                .map(|c| c.ifname.clone())
                .collect();
            let mut bridge_ports: Vec<String> = ends.iter().filter(|e| !host_ends.contains(e)).cloned().collect();
            if s.lacp && !host_ends.is_empty() {
                let mut b = Bond::new(BondMode::Lacp);
                b.ports = host_ends.clone();
                b.miimon = Some(100);
                b.lacp_rate =
                    Some(s.lacp_rate.parse().map_err(|e: String| LabError::Input(format!("switch {}: {e}", s.name)))?);
                ifs.push(Interface::new("po", Kind::Bond(b)));
                bridge_ports.insert(0, "po".into());
            } else {
                bridge_ports.splice(0..0, host_ends.iter().cloned());
            }
            let br = Bridge {
                ports: bridge_ports,
                stp: Some(s.stp_forward_delay.is_some()),
                forward_delay: Some(s.stp_forward_delay.unwrap_or(0)),
                ..Default::default()
            };
            ifs.push(Interface::new("sw", Kind::Bridge(br)));
            lab.apply(&lab.switch_ns[&s.name].clone(), &Config { interfaces: ifs, ..Default::default() }).await?;
        }
        for p in &t.peers {
            let mut eth = Interface::new("eth0", Kind::Ethernet(Ethernet::default()));
            eth.addresses.push(p.address.parse().map_err(|e| LabError::Input(format!("peer {}: {e}", p.name)))?);
            lab.apply(&lab.peer_ns[&p.name].clone(), &Config { interfaces: vec![eth], ..Default::default() }).await?;
            lab.peers.push((p.name.clone(), eth_addr(&p.address)?));
        }
        // The lab's NICs already carry their final names, so matching is by name.
        let mut h = host.clone();
        h.dns = None;
        for i in &mut h.interfaces {
            if let Kind::Ethernet(e) = &mut i.kind {
                e.matches = Default::default();
            }
        }
        lab.apply(&lab.host_ns.clone(), &h).await?;
        for s in &t.switches {
            let nl = lab.connect(&lab.switch_ns[&s.name].clone())?;
            for l in nl.links().await.map_err(LabError::kernel(format!("links of {}", s.name)))? {
                if let Some(n) = hostnet_netlink::read::ifname(&l) {
                    lab.end_index.insert((s.name.clone(), n), l.header.index);
                }
            }
            lab.switch_nl.insert(s.name.clone(), nl);
        }
        Ok(lab)
    }

    /// A netlink connection inside one of the lab's namespaces.
    pub fn connect(&self, ns_name: &str) -> Result<Netlink> {
        ns::within(ns_name, Netlink::connect)?.map_err(LabError::kernel(format!("netlink in {ns_name}")))
    }

    async fn apply(&self, ns_name: &str, config: &Config) -> Result<()> {
        let nl = self.connect(ns_name)?;
        let dir = StateDir::new(&self.workdir.join("state"), Some(ns_name));
        let env =
            Env { resolv_conf: self.workdir.join(format!("{ns_name}.resolv.conf")), key_dir: dir.dir.join("keys") };
        // The same transaction as `hostnet apply`: an interrupted earlier build is recovered, and
        // a pending trial refuses.
        let mut engine = Engine::new(NetlinkHost::new(&nl, &env, Dump), &dir);
        let (applied, _) = engine
            .apply(config, &Options::default(), None)
            .await
            .map_err(|source| LabError::Refused { node: ns_name.to_string(), source })?;
        let report = applied.report;
        if !report.ok() {
            let failed: Vec<String> = report.failed().map(|s| format!("{:?}", s.op)).collect();
            let drift: Vec<String> = report.drift.iter().map(hostnet_core::plan::op_line).collect();
            let detail = format!("failed: {}; still different: {}", failed.join(", "), drift.join(", "));
            return Err(LabError::Configure { node: ns_name.to_string(), detail });
        }
        Ok(())
    }

    /// Sets a switch-side cable end up or down: a cable pulled or plugged back.
    pub async fn set_cable(&self, end: &CableEnd, up: bool) -> Result<()> {
        let nl = &self.switch_nl[&end.switch];
        let index = *self
            .end_index
            .get(&(end.switch.clone(), end.ifname.clone()))
            .ok_or_else(|| LabError::Input(format!("{} not found in {}", end.ifname, end.switch)))?;
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.header.change_mask = LinkFlags::Up;
        if up {
            msg.header.flags = LinkFlags::Up;
        }
        let what = format!("{} {} in {}", if up { "plugging" } else { "pulling" }, end.ifname, end.switch);
        nl.handle().link().set(msg).execute().await.map_err(LabError::kernel(what))
    }
}

fn eth_addr(cidr: &str) -> Result<IpAddr> {
    cidr.split('/').next().and_then(|a| a.parse().ok()).ok_or_else(|| LabError::Input(format!("bad address {cidr}")))
}

/// A veth pair with one end here (`near`) and the other (`far`) created directly inside
/// namespace `far_ns`.
async fn cable(nl: &Netlink, near: &str, mac: Option<[u8; 6]>, far: &str, far_ns: &str) -> Result<()> {
    let fd = ns::open(far_ns)?;
    let mut peer = LinkMessage::default();
    peer.attributes.push(LinkAttribute::IfName(far.to_string()));
    peer.attributes.push(LinkAttribute::NetNsFd(fd.as_raw_fd()));
    let mut msg = LinkMessage::default();
    msg.attributes.push(LinkAttribute::IfName(near.to_string()));
    if let Some(m) = mac {
        msg.attributes.push(LinkAttribute::Address(m.to_vec()));
    }
    msg.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::Veth),
        LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
    ]));
    nl.handle().link().add(msg).execute().await.map_err(LabError::kernel(format!("cable {near} <-> {far_ns}/{far}")))
}
