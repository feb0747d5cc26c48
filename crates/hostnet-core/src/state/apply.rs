//! Carrying out one planned operation on a [`State`], as the kernel would: what the in-memory
//! host of the engine's tests runs, so that engine, planner and tests share one model of the
//! host. It refuses what the kernel refuses (a name taken, a device gone, a bond port enslaved
//! while up, a bond mode changed with ports) with the kernel's errno, and it does what the
//! kernel does besides (a veth's peer goes with it, a VLAN goes with its base, a bond opens the
//! ports it takes and closes the ones it lets go).

use super::{LiveLink, State};
use crate::model::{Interface, Kind};
use crate::op_error::{OpError, errno};
use crate::plan::{Op, ROUTES_SUBJECT, Selector};

impl State {
    /// Carries out `op`, or refuses it and changes nothing.
    pub fn apply(&mut self, op: &Op) -> Result<(), OpError> {
        self.apply_unsynced(op)?;
        self.sync_ports();
        Ok(())
    }

    fn apply_unsynced(&mut self, op: &Op) -> Result<(), OpError> {
        match op {
            Op::Missing { name, selector } => {
                Err(OpError::new(errno::ENODEV, format!("NIC {name} not found: nothing matches {selector}")))
            }
            Op::Rename { from, to } => {
                let i = self.select(from).ok_or_else(|| OpError::new(errno::ENODEV, format!("no link with {from}")))?;
                if self.links[i].iface.name == *to {
                    return Ok(());
                }
                if self.get(to).is_some() {
                    return Err(OpError::new(errno::EEXIST, format!("{to} exists")));
                }
                let old = std::mem::replace(&mut self.links[i].iface.name, to.clone());
                // The kernel refuses to rename a running link: the adapter takes it down first.
                self.links[i].close();
                self.renamed(&old, to);
                Ok(())
            }
            Op::Create { name, kind, .. } => {
                if self.get(name).is_some() {
                    return Err(exists(name));
                }
                let peer = match kind {
                    Kind::Vlan(v) => {
                        self.need(&v.base)?;
                        None
                    }
                    Kind::Veth(v) if self.get(&v.peer).is_some() => return Err(exists(&v.peer)),
                    Kind::Veth(v) => Some(v.peer.clone()),
                    _ => None,
                };
                // As the kernel creates it: without ports, which are enslaved one by one.
                self.push_link(name, crate::plan::without_ports(kind));
                if let Some(p) = peer {
                    self.push_link(&p, Kind::Veth(crate::model::Veth { peer: name.clone() }));
                }
                Ok(())
            }
            Op::Delete { name, .. } => {
                let i = self.need(name)?;
                let gone = self.links.remove(i);
                let vrf_table = match &gone.iface.kind {
                    Kind::Vrf(v) => Some(v.table),
                    _ => None,
                };
                for l in self.links.iter_mut().filter(|l| l.master.as_deref() == Some(name.as_str())) {
                    l.master = None;
                    if let Some(t) = vrf_table {
                        l.iface.routes.retain(|r| r.table_id() != t);
                    }
                }
                // What cannot outlive it: a veth's peer, and the links stacked on it.
                let dependants: Vec<String> =
                    self.links.iter().filter(|l| l.iface.kind.goes_with(name)).map(|l| l.iface.name.clone()).collect();
                for d in dependants {
                    self.apply_unsynced(&Op::Delete { name: d, takes: vec![] })?;
                }
                Ok(())
            }
            Op::SetMtu { name, mtu } => self.with(name, |l| l.iface.mtu = Some(*mtu)),
            Op::SetMac { name, mac } => self.with(name, |l| l.iface.mac = Some(*mac)),
            Op::SetDown { name } => self.with(name, LiveLink::close),
            Op::SetUp { name } => self.with(name, |l| l.up = true),
            Op::Enslave { port, master } => {
                let m = self.need(master)?;
                let p = self.need(port)?;
                let into_bond = matches!(self.links[m].iface.kind, Kind::Bond(_));
                let into_bridge = matches!(self.links[m].iface.kind, Kind::Bridge(_));
                let l = &mut self.links[p];
                if l.master.as_deref() == Some(master.as_str()) {
                    return Ok(());
                }
                if l.master.is_some() {
                    return Err(OpError::new(errno::EBUSY, format!("{port} is already a port of another master")));
                }
                if into_bond && l.up {
                    return Err(OpError::new(errno::EBUSY, "Device can not be enslaved while up"));
                }
                l.master = Some(master.clone());
                // A bond opens the links it takes.
                l.up |= into_bond;
                l.iface.bridge_port = into_bridge.then(Default::default);
                Ok(())
            }
            Op::Release { port, master } => {
                let m = self.need(master)?;
                let from_bond = matches!(self.links[m].iface.kind, Kind::Bond(_));
                let p = self.need(port)?;
                let l = &mut self.links[p];
                match l.master.as_deref() {
                    // Setting no master on a link without one is a no-op to the kernel.
                    None => return Ok(()),
                    Some(m) if m != master => {
                        return Err(OpError::new(errno::EINVAL, format!("{port} is a port of {m}, not {master}")));
                    }
                    Some(_) => {}
                }
                l.master = None;
                l.iface.bridge_port = None;
                // ...and closes the ones it lets go.
                if from_bond {
                    l.close();
                }
                Ok(())
            }
            Op::SetBondMode { name, mode } => {
                let i = self.need(name)?;
                if self.links.iter().any(|l| l.master.as_deref() == Some(name.as_str())) {
                    return Err(OpError::new(
                        errno::ENOTEMPTY,
                        "unable to set option because the bond device has slaves",
                    ));
                }
                if self.links[i].up {
                    return Err(OpError::new(errno::EBUSY, "unable to set option because the bond is up"));
                }
                match &mut self.links[i].iface.kind {
                    Kind::Bond(b) => {
                        // The kernel keeps the options (but arp_validate) across a mode change;
                        // a read reports those that mean something in the new mode.
                        let kept: Vec<_> = b
                            .options()
                            .into_iter()
                            .filter(|o| o.applies().allows(*mode) && o.key() != "arp_validate")
                            .collect();
                        b.mode = *mode;
                        b.clear_options();
                        for o in kept {
                            b.set_option(o);
                        }
                        Ok(())
                    }
                    _ => Err(not_a(name, "bond")),
                }
            }
            Op::SetBondOptions { name, options } => {
                let i = self.need(name)?;
                if self.links[i].up && options.iter().any(|o| o.needs_bond_down()) {
                    return Err(OpError::new(errno::EBUSY, "unable to set option because the bond is up"));
                }
                match &mut self.links[i].iface.kind {
                    Kind::Bond(b) => {
                        for o in options {
                            b.set_option(o.clone());
                        }
                        Ok(())
                    }
                    _ => Err(not_a(name, "bond")),
                }
            }
            Op::SetBridgeOptions { name, options } => {
                let i = self.need(name)?;
                match &mut self.links[i].iface.kind {
                    Kind::Bridge(b) => {
                        b.overlay(options);
                        Ok(())
                    }
                    _ => Err(not_a(name, "bridge")),
                }
            }
            Op::SetWireguard { name, config } => {
                self.with(name, |l| l.iface.kind = Kind::Wireguard((**config).clone()))
            }
            Op::SetBridgePort { name, options } => {
                let i = self.need(name)?;
                let l = &mut self.links[i];
                let Some(have) = l.iface.bridge_port.as_mut() else {
                    return Err(OpError::new(errno::EINVAL, format!("{name} is not a bridge port")));
                };
                have.overlay(options);
                Ok(())
            }
            Op::SetEthtool { name, settings } => {
                self.with(name, |l| l.iface.ethtool.get_or_insert_with(Default::default).overlay(settings))
            }
            Op::BridgeVlans { name, own, add, del } => {
                let i = self.need(name)?;
                let l = &mut self.links[i];
                let list = match (&mut l.iface.kind, own) {
                    (Kind::Bridge(b), true) => &mut b.vlans,
                    (_, false) => &mut l.iface.bridge_port.get_or_insert_with(Default::default).vlans,
                    _ => return Err(not_a(name, "bridge")),
                };
                let mut set =
                    list.as_deref().map(crate::model::vlans::expand).unwrap_or_else(crate::plan::default_vlans);
                for (vid, _) in crate::model::vlans::expand(del) {
                    set.remove(&vid);
                }
                set.extend(crate::model::vlans::expand(add));
                *list = Some(crate::model::vlans::compress(&set));
                Ok(())
            }
            Op::AddAddress { name, address, no_broadcast } => {
                let i = self.need(name)?;
                let l = &mut self.links[i];
                if l.iface.addresses.contains(address) || l.link_local.contains(address) {
                    return Err(OpError::new(errno::EEXIST, format!("{address} exists on {name}")));
                }
                l.iface.addresses.push(*address);
                if *no_broadcast && address.takes_broadcast() {
                    l.no_broadcast.push(*address);
                }
                Ok(())
            }
            Op::DelAddress { name, address } => {
                let i = self.need(name)?;
                let l = &mut self.links[i];
                let before = l.iface.addresses.len() + l.link_local.len() + l.dynamic.len();
                l.iface.addresses.retain(|a| a != address);
                l.link_local.retain(|a| a != address);
                l.dynamic.retain(|a| a != address);
                l.no_broadcast.retain(|a| a != address);
                if before == l.iface.addresses.len() + l.link_local.len() + l.dynamic.len() {
                    return Err(OpError::new(errno::EADDRNOTAVAIL, format!("{address} is not on {name}")));
                }
                let dropped = crate::plan::routes_dropped_by(&l.iface.addresses, &l.dynamic, &l.iface.routes, address);
                l.iface.routes.retain(|r| !dropped.contains(r));
                Ok(())
            }
            Op::AddRoute { name, route } if name == ROUTES_SUBJECT => {
                if self.routes.iter().any(|r| r.key() == route.key()) {
                    return Err(OpError::new(errno::EEXIST, "File exists"));
                }
                self.routes.push(route.clone());
                Ok(())
            }
            Op::DelRoute { name, route } if name == ROUTES_SUBJECT => {
                let n = self.routes.len();
                self.routes.retain(|r| r != route);
                if n == self.routes.len() { Err(OpError::new(errno::ESRCH, "No such process")) } else { Ok(()) }
            }
            Op::AddRoute { name, route } => {
                let i = self.need(name)?;
                if !self.links[i].up {
                    return Err(OpError::new(101, "Network is down"));
                }
                let r = &mut self.links[i].iface.routes;
                if r.iter().any(|have| have.key() == route.key()) {
                    return Err(OpError::new(errno::EEXIST, "File exists"));
                }
                r.push(route.clone());
                Ok(())
            }
            Op::DelRoute { name, route } => {
                let i = self.need(name)?;
                let r = &mut self.links[i].iface.routes;
                let n = r.len();
                r.retain(|have| have != route);
                if n == r.len() { Err(OpError::new(errno::ESRCH, "No such process")) } else { Ok(()) }
            }
            Op::SetDns { dns, .. } => {
                self.dns = Some(dns.clone());
                Ok(())
            }
            Op::SetSysctl { name, key, value } => self.with(name, |l| l.sysctls.set(*key, *value)),
            Op::SetNetSysctl { key, value } => {
                self.net_sysctls.insert(key.clone(), value.clone());
                if let Some((per_link, n)) = crate::model::net_sysctl::fan_out(key, value) {
                    for l in &mut self.links {
                        l.sysctls.set(per_link, n);
                    }
                }
                Ok(())
            }
            Op::AddRule { rule } => {
                self.rules.push(rule.clone());
                Ok(())
            }
            Op::DelRule { rule } => match self.rules.iter().position(|r| r == rule) {
                Some(i) => {
                    self.rules.remove(i);
                    Ok(())
                }
                None => Err(OpError::new(errno::ENOENT, "No such file or directory")),
            },
        }
    }

    fn need(&self, name: &str) -> Result<usize, OpError> {
        self.links
            .iter()
            .position(|l| l.iface.name == name)
            .ok_or_else(|| OpError::new(errno::ENODEV, format!("Cannot find device \"{name}\"")))
    }

    fn with(&mut self, name: &str, f: impl FnOnce(&mut LiveLink)) -> Result<(), OpError> {
        let i = self.need(name)?;
        f(&mut self.links[i]);
        Ok(())
    }

    fn select(&self, s: &Selector) -> Option<usize> {
        self.links.iter().position(|l| match s {
            Selector::Name(n) => l.iface.name == *n,
            Selector::Mac(m) => matches!(l.iface.kind, Kind::Ethernet(_)) && l.perm_mac.or(l.iface.mac) == Some(*m),
            Selector::PciPath(p) => l.pci_path.as_ref() == Some(p),
        })
    }

    fn push_link(&mut self, name: &str, kind: Kind) {
        let index = self.links.iter().map(|l| l.index).max().unwrap_or(0) + 1;
        // A new link starts with the namespace's conf/default sysctls.
        let sysctls = self.sysctl_defaults;
        // A VLAN takes its base's MTU; every other kind starts at Ethernet's.
        let mtu = match &kind {
            Kind::Vlan(v) => self.get(&v.base).and_then(|b| b.iface.mtu),
            _ => Some(1500),
        };
        self.links.push(LiveLink {
            iface: Interface { mtu, ..Interface::new(name.to_string(), kind) },
            index,
            up: false,
            master: None,
            perm_mac: None,
            pci_path: None,
            sysctls,
            link_local: Vec::new(),
            dynamic: Vec::new(),
            no_broadcast: Vec::new(),
        });
    }

    /// Every name that referred to `old` now says `new`, as the kernel's indexes would.
    fn renamed(&mut self, old: &str, new: &str) {
        for l in &mut self.links {
            if l.master.as_deref() == Some(old) {
                l.master = Some(new.to_string());
            }
            match &mut l.iface.kind {
                Kind::Veth(v) if v.peer == old => v.peer = new.to_string(),
                Kind::Vlan(v) if v.base == old => v.base = new.to_string(),
                _ => {}
            }
        }
    }

    /// The masters' port lists, as an observation reports them: from each port's master, in
    /// index order.
    fn sync_ports(&mut self) {
        let mut ports: rustc_hash::FxHashMap<String, Vec<(u32, String)>> = Default::default();
        for l in &self.links {
            if let Some(m) = &l.master {
                ports.entry(m.clone()).or_default().push((l.index, l.iface.name.clone()));
            }
        }
        for l in &mut self.links {
            let list = match &mut l.iface.kind {
                Kind::Bond(b) => &mut b.ports,
                Kind::Bridge(b) => &mut b.ports,
                Kind::Vrf(v) => &mut v.ports,
                _ => continue,
            };
            let mut mine = ports.remove(&l.iface.name).unwrap_or_default();
            mine.sort();
            *list = mine.into_iter().map(|(_, n)| n).collect();
        }
    }
}

fn exists(name: &str) -> OpError {
    OpError::new(errno::EEXIST, format!("{name} exists"))
}

fn not_a(name: &str, kind: &str) -> OpError {
    OpError::new(errno::EINVAL, format!("{name} is not a {kind}"))
}

impl LiveLink {
    /// Down, with what the kernel drops from a running link taken down.
    fn close(&mut self) {
        if self.up {
            crate::plan::take_down(&mut self.iface.addresses, &mut self.dynamic, &mut self.iface.routes);
        }
        self.up = false;
    }
}
