//! The planner. It walks devices lower-first and simulates the host as it emits operations, so
//! each operation is emitted only when the simulated state needs it, and its undo is taken from
//! the state just before it.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use smallvec::smallvec;

use super::sims::Sims;
use super::{Op, Plan, Selector, Step, Undo};
use crate::graph::{Graph, Origin};
use crate::model::{Bond, BondOpt, Bridge, Config, Interface, Kind, LinkState, MacAddr};
use crate::state::State;

/// The simulated condition of one link while the plan is built.
#[derive(Debug, Clone, Default)]
struct Sim {
    exists: bool,
    up: bool,
    /// Offline, a NIC's admin state is not known: treated as up where that is the cautious
    /// assumption (take it down before enslaving) and as down where that is (bring it up).
    unknown_up: bool,
    master: Option<String>,
    mtu: Option<u32>,
    mac: Option<MacAddr>,
    kind: Option<Kind>,
    addresses: Vec<crate::model::Cidr>,
    routes: Vec<crate::model::Route>,
    sysctls: crate::model::SysctlValues,
    link_local: Vec<crate::model::Cidr>,
    dynamic: Vec<crate::model::Cidr>,
    /// Its settings as a bridge port, as the kernel reported them; `None` when not a port or
    /// just enslaved (unknown until read).
    bridge_port: Option<Box<crate::model::BridgePort>>,
    /// Its VLANs as a port of, or as, a VLAN-filtering bridge; `None`: not read (the
    /// kernel's default, VLAN 1 as PVID and untagged, is assumed).
    vlans: Option<Box<crate::model::vlans::VlanSet>>,
    /// Its NIC features and queue counts as read; `None`: not read, left alone (unless
    /// `fresh`). These three are boxed: most links have none, and a Sim is hashed and cloned
    /// often (unboxed they made the 10,000-interface plan 40 % slower).
    ethtool: Option<Box<crate::model::Ethtool>>,
    /// Created in this plan: no feature of it is known, and every declared one is to be set.
    fresh: bool,
}

impl Sim {
    /// Down, with what the kernel drops from a running link taken down.
    fn close(&mut self) {
        if self.up {
            super::take_down(&mut self.addresses, &mut self.dynamic, &mut self.routes);
        }
        self.up = false;
    }
}

struct Planner<'a> {
    desired: &'a Config,
    current: &'a State,
    /// Declared interfaces by name, and the declared master of each port: looked up per device,
    /// so they must not be scans (10,000-interface configs plan in milliseconds).
    declared: HashMap<&'a str, &'a Interface>,
    master_of: HashMap<&'a str, &'a str>,
    /// Current ports of each master, in the state's order.
    live_ports: HashMap<&'a str, Vec<String>>,
    live: HashMap<&'a str, &'a crate::state::LiveLink>,
    sim: Sims<Sim>,
    steps: Vec<Step>,
    /// Names borrowed from the config: queuing 10,000 links allocated 20,000 strings.
    want_up: Vec<&'a str>,
    want_up_set: HashSet<&'a str>,
    rules: Vec<crate::model::Rule>,
    /// The host's interface-less routes, as the plan so far leaves them.
    typed_routes: Vec<crate::model::Route>,
    /// The listed namespace-wide sysctls, as the plan so far leaves them.
    net_sysctls: std::collections::BTreeMap<String, String>,
}

/// Plans the operations that take `current` to `desired`. `desired` must have passed
/// validation (in particular: no cycles); a cyclic config yields an empty link section.
pub fn plan(desired: &Config, current: &State) -> Plan {
    plan_with_graph(desired, current, &Graph::build(desired))
}

/// [`plan`] with the dependency graph of `desired` that validation built
/// ([`crate::load_with_graph`]), instead of building it again: a tenth of planning 10,000
/// interfaces.
pub fn plan_with_graph(desired: &Config, current: &State, graph: &Graph) -> Plan {
    plan_with(desired, current, graph, &super::Owned::new())
}

/// [`plan`], also removing or releasing what hostnet owns (`owned`) and `desired` no longer
/// declares, when `desired.prune` says so: a bridge dropped from the file is deleted and its
/// ports let go, a dropped port leaves its master. NICs are never deleted. When `desired` is a
/// part of a config ([`super::scope::reach`]), `owned` must leave out what the whole config
/// declares.
pub fn plan_pruning(desired: &Config, current: &State, owned: &super::Owned) -> Plan {
    plan_with(desired, current, &Graph::build(desired), owned)
}

fn plan_with(desired: &Config, current: &State, graph: &Graph, owned: &super::Owned) -> Plan {
    let plan = plan_once(desired, current, graph, owned, &[]);
    // A multipath route the kernel would drop or change with a link this plan touches is
    // taken out first and put back at the end, so that neither the plan nor its undo meets it
    // half gone. Known only once the plan is made: planned again then, rarely.
    let cycled = super::multipath::in_the_way(current, &plan);
    if cycled.is_empty() { plan } else { plan_once(desired, current, graph, owned, &cycled) }
}

fn plan_once(
    desired: &Config,
    current: &State,
    graph: &Graph,
    owned: &super::Owned,
    cycled: &[crate::model::Route],
) -> Plan {
    let declared: HashMap<&str, &Interface> = desired.interfaces.iter().map(|i| (i.name.as_str(), i)).collect();
    // What is ours and no longer declared, as it is now (the same name with the same index).
    let pruned: Vec<&crate::state::LiveLink> = match desired.prune {
        crate::model::Prune::None => Vec::new(),
        crate::model::Prune::Owned => current
            .links
            .iter()
            .filter(|l| {
                let n = l.iface.name.as_str();
                owned.get(n) == Some(&l.index) && !declared.contains_key(n) && n != "lo"
            })
            .collect(),
    };
    let pruned_names: HashSet<&str> = pruned.iter().map(|l| l.iface.name.as_str()).collect();
    let master_of = desired.masters().into_iter().map(|(p, m)| (p, m.name.as_str())).collect();
    // Only declared masters' ports are ever asked for: a plan of a few interfaces on a host of
    // thousands of links sorts and copies only those.
    let mut live_ports: HashMap<&str, Vec<String>> = HashMap::default();
    let mut ported: Vec<&crate::state::LiveLink> = current
        .links
        .iter()
        .filter(|l| l.master.as_deref().is_some_and(|m| declared.contains_key(m) || pruned_names.contains(m)))
        .collect();
    ported.sort_by_key(|l| l.index);
    for l in ported {
        if let Some(m) = &l.master {
            live_ports.entry(m.as_str()).or_default().push(l.iface.name.clone());
        }
    }
    let live = current.links.iter().map(|l| (l.iface.name.as_str(), l)).collect();
    let mut p = Planner {
        desired,
        current,
        declared,
        master_of,
        live_ports,
        live,
        sim: Sims::default(),
        steps: Vec::new(),
        want_up: Vec::new(),
        want_up_set: Default::default(),
        rules: current.rules.clone(),
        typed_routes: current.routes.clone(),
        net_sysctls: current.net_sysctls.clone(),
    };
    let touchable = touchable(desired, current, &p.live, &pruned_names);
    // Sized once: growing it rehashed every simulated link several times.
    p.sim.reserve(touchable.len() + desired.interfaces.len());
    for l in current.links.iter().filter(|l| touchable.contains(l.iface.name.as_str())) {
        p.sim.insert(
            l.iface.name.clone(),
            Sim {
                exists: true,
                up: l.up,
                unknown_up: false,
                master: l.master.clone(),
                mtu: l.iface.mtu,
                mac: l.iface.mac,
                kind: Some(l.iface.kind.clone()),
                addresses: l.iface.addresses.clone(),
                routes: l.iface.routes.clone(),
                sysctls: l.sysctls,
                link_local: l.link_local.clone(),
                dynamic: l.dynamic.clone(),
                bridge_port: l.iface.bridge_port.clone().map(Box::new),
                ethtool: l.iface.ethtool.clone().map(Box::new),
                fresh: false,
                vlans: match &l.iface.kind {
                    Kind::Bridge(b) => b.vlans.as_deref().map(crate::model::vlans::expand).map(Box::new),
                    _ => l
                        .iface
                        .bridge_port
                        .as_ref()
                        .and_then(|p| p.vlans.as_deref())
                        .map(crate::model::vlans::expand)
                        .map(Box::new),
                },
            },
        );
    }
    let order = graph.topo_order().unwrap_or_default();
    p.multipath_out(cycled);
    // First: forwarding written namespace-wide reaches every link, and the links' own
    // settings, planned below, must come after it.
    p.net_sysctls();
    p.prune(&pruned);
    p.teardown(graph, &order);
    for &n in &order {
        if let Origin::Declared(i) = graph.nodes[n].origin {
            p.link(&desired.interfaces[i]);
        }
    }
    for &n in &order {
        if let Origin::Declared(i) = graph.nodes[n].origin {
            p.bridge_port(&desired.interfaces[i]);
            p.ethtool(&desired.interfaces[i]);
        }
    }
    // Addresses go on while links are still down (the kernel accepts that) and routes after
    // the links are up (it requires that): the fewer requests made once links are up and IPv6
    // autoconfiguration holds the RTNL lock, the faster a large apply finishes.
    for &n in &order {
        if let Origin::Declared(i) = graph.nodes[n].origin {
            p.addresses(&desired.interfaces[i]);
        }
    }
    // Bridges come up last, after everything that does not need them: the apply may hold them
    // for the start-up of the links behind their ports (`plan::bridge_hold`), and whatever is
    // left after them competes with the start-up traffic they flood.
    let late = p.ups_early();
    for &n in &order {
        if let Origin::Declared(i) = graph.nodes[n].origin
            && !p.up_late(&desired.interfaces[i].name)
        {
            p.routes(&desired.interfaces[i]);
        }
    }
    p.typed_routes();
    p.rules();
    p.ups(late);
    for &n in &order {
        if let Origin::Declared(i) = graph.nodes[n].origin
            && p.up_late(&desired.interfaces[i].name)
        {
            p.routes(&desired.interfaces[i]);
        }
    }
    p.multipath_in(cycled);
    p.dns();
    Plan { steps: p.steps }
}

/// The current links a plan of `desired` can read or change: the declared ones, their ports
/// and masters as declared and as they are, and the NICs a declaration may match. Only these get
/// a simulation; the daemon plans a few interfaces of a config against a host of thousands of
/// links, and simulating every link was most of such a plan.
fn touchable<'a>(
    desired: &'a Config,
    current: &'a State,
    live: &HashMap<&'a str, &'a crate::state::LiveLink>,
    pruned: &HashSet<&'a str>,
) -> HashSet<&'a str> {
    let mut out: HashSet<&'a str> = pruned.clone();
    for i in &desired.interfaces {
        out.insert(i.name.as_str());
        if let Kind::Veth(v) = &i.kind {
            out.insert(v.peer.as_str());
        }
        out.extend(i.kind.ports().iter().map(String::as_str));
        if let Some(m) = live.get(i.name.as_str()).and_then(|l| l.master.as_deref()) {
            out.insert(m);
        }
    }
    for l in &current.links {
        let name = l.iface.name.as_str();
        // A NIC may be matched and renamed; a port of a declared master may be released.
        let port_of_declared = l.master.as_deref().is_some_and(|m| out.contains(m));
        if matches!(l.iface.kind, Kind::Ethernet(_)) || port_of_declared {
            out.insert(name);
        }
    }
    // Links stacked on these (a VLAN on a VLAN...) go when the kernel deletes what is under
    // them, and an undo must know them to make them again.
    let mut stacked: Vec<&crate::state::LiveLink> =
        current.links.iter().filter(|l| l.iface.kind.base().is_some()).collect();
    loop {
        let before = stacked.len();
        stacked.retain(|l| match l.iface.kind.base() {
            Some(b) if out.contains(b) => {
                out.insert(l.iface.name.as_str());
                false
            }
            _ => true,
        });
        if stacked.len() == before {
            break;
        }
    }
    out
}

impl<'a> Planner<'a> {
    fn s(&mut self, name: &str) -> &mut Sim {
        // Looked up before inserting: most calls find the link, and `entry` would allocate its
        // name every time.
        if !self.sim.contains_key(name) {
            self.sim.insert(name.to_string(), Sim::default());
        }
        self.sim.get_mut(name).expect("inserted above")
    }

    fn known(&self, name: &str) -> Option<&Sim> {
        self.sim.get(name)
    }

    /// Records `op` with its undo, then applies it to the simulation.
    fn emit(&mut self, op: Op) {
        let undo = self.undo_of(&op);
        self.apply_sim(&op);
        self.steps.push(Step { op, undo });
    }

    fn undo_of(&self, op: &Op) -> Undo {
        // Borrowed, not cloned: a link's simulation is over 500 bytes with its lists, and every
        // operation asks for one (cloning it was a tenth of the 10,000-interface plan).
        let unknown = Sim::default();
        let before = |n: &str| self.sim.get(n).unwrap_or(&unknown);
        match op {
            Op::Missing { .. } => smallvec![],
            Op::Rename { from: Selector::Name(old), to } => {
                let mut v = smallvec![Op::Rename { from: Selector::Name(to.clone()), to: old.clone() }];
                let b = before(old);
                if b.up {
                    v.extend(super::back_up(old, &b.addresses, &b.routes));
                }
                v
            }
            Op::Rename { .. } => smallvec![],
            Op::Create { name, .. } => smallvec![Op::Delete { name: name.clone(), takes: vec![] }],
            Op::Delete { name, .. } => {
                let b = before(name);
                let mut v = Undo::new();
                if let Some(kind) = &b.kind {
                    // Where it was, if it was there before this plan (not one this plan made).
                    let at = self.live.get(name.as_str()).map(|l| crate::plan::Indexes {
                        link: l.index,
                        peer: match kind {
                            Kind::Veth(v) => self.live.get(v.peer.as_str()).map(|p| p.index),
                            _ => None,
                        },
                    });
                    v.push(Op::Create { name: name.clone(), kind: without_ports(kind), at });
                    self.restore(name, b, &mut v);
                    // A veth's peer went with it and came back with it, bare.
                    if let Kind::Veth(veth) = kind
                        && let Some(peer) = self.sim.get(&veth.peer).filter(|s| s.exists)
                    {
                        self.restore(&veth.peer, peer, &mut v);
                    }
                    // A bridge's or VRF's ports go back in (they need not be down for it), with
                    // the routes a VRF's members lost when it went.
                    if let Kind::Bridge(_) | Kind::Vrf(_) = kind {
                        let table = if let Kind::Vrf(vrf) = kind { Some(vrf.table) } else { None };
                        let mut ports: Vec<(&String, &Sim)> =
                            self.sim.iter().filter(|(_, s)| s.master.as_deref() == Some(name.as_str())).collect();
                        ports.sort_by_key(|(n, _)| *n);
                        for (port, s) in ports {
                            v.push(Op::Enslave { port: port.clone(), master: name.clone() });
                            let lost = s.routes.iter().filter(|r| Some(r.table_id()) == table);
                            v.extend(lost.map(|r| Op::AddRoute { name: port.clone(), route: r.clone() }));
                        }
                    }
                    // The links on it that the kernel deletes with it and this plan did not
                    // delete first (ones the config leaves alone) come back on top of it.
                    let mut uppers: Vec<&String> = self
                        .sim
                        .iter()
                        .filter(|(_, s)| s.kind.as_ref().and_then(Kind::base) == Some(name))
                        .map(|(n, _)| n)
                        .collect();
                    uppers.sort();
                    for upper in uppers {
                        v.extend(self.undo_of(&Op::Delete { name: upper.clone(), takes: vec![] }));
                    }
                }
                v
            }
            Op::SetMtu { name, .. } => {
                before(name).mtu.map(|mtu| Op::SetMtu { name: name.clone(), mtu }).into_iter().collect()
            }
            Op::SetMac { name, .. } => {
                before(name).mac.map(|mac| Op::SetMac { name: name.clone(), mac }).into_iter().collect()
            }
            Op::SetDown { name } if before(name).up => {
                let b = before(name);
                super::back_up(name, &b.addresses, &b.routes).collect()
            }
            Op::SetUp { name } if !before(name).up => smallvec![Op::SetDown { name: name.clone() }],
            Op::SetDown { .. } | Op::SetUp { .. } => smallvec![],
            Op::Enslave { port, master } => smallvec![Op::Release { port: port.clone(), master: master.clone() }],
            Op::Release { port, master } => {
                let mut v = Undo::new();
                if self.is_bond(master) {
                    v.push(Op::SetDown { name: port.clone() });
                }
                v.push(Op::Enslave { port: port.clone(), master: master.clone() });
                v
            }
            // A port enslaved in this plan goes back out with its settings; one that was a
            // port already gets its old values back.
            Op::SetBridgePort { name, options } => match before(name).bridge_port.as_deref() {
                Some(have) => smallvec![Op::SetBridgePort { name: name.clone(), options: options.previous(have) }],
                None => smallvec![],
            },
            Op::SetEthtool { name, settings } => {
                match before(name).ethtool.as_deref().map(|had| settings.previous(had)) {
                    Some(prev) if !prev.is_empty() => {
                        smallvec![Op::SetEthtool { name: name.clone(), settings: Box::new(prev) }]
                    }
                    _ => smallvec![],
                }
            }
            Op::BridgeVlans { name, own, add, del } => {
                let default;
                let had = match before(name).vlans.as_deref() {
                    Some(v) => v,
                    None => {
                        default = default_vlans();
                        &default
                    }
                };
                let added = crate::model::vlans::expand(add);
                let back: crate::model::vlans::VlanSet = crate::model::vlans::expand(del)
                    .into_keys()
                    .chain(added.keys().copied())
                    .filter_map(|vid| had.get(&vid).map(|f| (vid, *f)))
                    .collect();
                let new: crate::model::vlans::VlanSet =
                    added.into_iter().filter(|(vid, _)| !had.contains_key(vid)).collect();
                smallvec![Op::BridgeVlans {
                    name: name.clone(),
                    own: *own,
                    add: crate::model::vlans::compress(&back),
                    del: crate::model::vlans::compress(&new),
                }]
            }
            // The kernel changes these only on a bond that is down, as it was before: undoing
            // later steps may have brought it up since (re-enslaving it into an outer bond
            // does), so the undo takes it down first. What brought it down is undone after.
            Op::SetBondMode { name, .. } => match &before(name).kind {
                Some(Kind::Bond(b)) => {
                    smallvec![Op::SetDown { name: name.clone() }, Op::SetBondMode { name: name.clone(), mode: b.mode }]
                }
                _ => smallvec![],
            },
            Op::SetBondOptions { name, options } => match &before(name).kind {
                Some(Kind::Bond(b)) => {
                    let old = b.options();
                    let back: Vec<BondOpt> =
                        options.iter().filter_map(|o| old.iter().find(|x| x.same_kind(o)).cloned()).collect();
                    let mut v = Undo::new();
                    if back.iter().any(BondOpt::needs_bond_down) && !before(name).up {
                        v.push(Op::SetDown { name: name.clone() });
                    }
                    if !back.is_empty() {
                        v.push(Op::SetBondOptions { name: name.clone(), options: back });
                    }
                    v
                }
                _ => smallvec![],
            },
            Op::SetWireguard { name, .. } => match &before(name).kind {
                Some(Kind::Wireguard(w)) => {
                    smallvec![Op::SetWireguard { name: name.clone(), config: Box::new(w.clone()) }]
                }
                _ => smallvec![],
            },
            Op::SetBridgeOptions { name, options } => match &before(name).kind {
                Some(Kind::Bridge(b)) => {
                    smallvec![Op::SetBridgeOptions { name: name.clone(), options: bridge_previous(options, b) }]
                }
                _ => smallvec![],
            },
            Op::AddAddress { name, address, .. } => smallvec![Op::DelAddress { name: name.clone(), address: *address }],
            Op::DelAddress { name, address } => {
                let mut v = smallvec![Op::AddAddress {
                    name: name.clone(),
                    address: *address,
                    no_broadcast: self.had_no_broadcast(name, address),
                }];
                v.extend(
                    self.routes_dropped_by(name, address)
                        .into_iter()
                        .map(|route| Op::AddRoute { name: name.clone(), route }),
                );
                v
            }
            Op::AddRoute { name, route } => smallvec![Op::DelRoute { name: name.clone(), route: route.clone() }],
            Op::DelRoute { name, route } => smallvec![Op::AddRoute { name: name.clone(), route: route.clone() }],
            Op::SetDns { links, .. } => match &self.current.dns {
                Some(d) => smallvec![Op::SetDns { dns: d.clone(), links: links.clone() }],
                None => smallvec![],
            },
            Op::SetSysctl { name, key, .. } => match before(name).sysctls.get(*key) {
                Some(value) => smallvec![Op::SetSysctl { name: name.clone(), key: *key, value }],
                None => smallvec![],
            },
            Op::AddRule { rule } => smallvec![Op::DelRule { rule: rule.clone() }],
            Op::DelRule { rule } => smallvec![Op::AddRule { rule: rule.clone() }],
            Op::SetNetSysctl { key, .. } => self.net_sysctl_undo(key),
        }
    }

    /// Puts a namespace-wide sysctl back; for one the kernel also writes on every link
    /// (forwarding), each link whose own value differed from it gets that back too.
    fn net_sysctl_undo(&self, key: &str) -> Undo {
        let Some(old) = self.net_sysctls.get(key) else { return smallvec![] };
        let mut v = smallvec![Op::SetNetSysctl { key: key.to_string(), value: old.clone() }];
        let Some((per_link, old)) = crate::model::net_sysctl::fan_out(key, old) else { return v };
        for l in &self.current.links {
            let name = l.iface.name.as_str();
            let have = match self.sim.get(name) {
                Some(s) if !s.exists => continue,
                Some(s) => s.sysctls.get(per_link),
                None => l.sysctls.get(per_link),
            };
            if let Some(have) = have.filter(|h| *h != old) {
                v.push(Op::SetSysctl { name: name.to_string(), key: per_link, value: have });
            }
        }
        v
    }

    fn apply_sim(&mut self, op: &Op) {
        match op {
            Op::Missing { .. } | Op::SetDns { .. } => {}
            Op::SetSysctl { name, key, value } => self.s(name).sysctls.set(*key, *value),
            Op::SetNetSysctl { key, value } => {
                self.net_sysctls.insert(key.clone(), value.clone());
                // The kernel writes it on every link too; the links planned later see that.
                if let Some((per_link, n)) = crate::model::net_sysctl::fan_out(key, value) {
                    let names: Vec<String> = self.current.links.iter().map(|l| l.iface.name.clone()).collect();
                    for name in names {
                        if self.sim.contains_key(&name) {
                            self.s(&name).sysctls.set(per_link, n);
                        }
                    }
                }
            }
            Op::AddRule { rule } => self.rules.push(rule.clone()),
            Op::DelRule { rule } => self.rules.retain(|r| r != rule),
            Op::Rename { from, to } => {
                let old = match from {
                    Selector::Name(n) => self.sim.remove(n),
                    _ => None,
                };
                // Renaming takes the link down: the kernel refuses to rename a running link.
                let mut s = old.unwrap_or_default();
                s.exists = true;
                s.close();
                s.kind.get_or_insert(Kind::Ethernet(Default::default()));
                self.sim.insert(to.clone(), s);
            }
            Op::Create { name, kind, .. } => {
                let vlans = matches!(kind, Kind::Bridge(_)).then(|| Box::new(default_vlans()));
                // A new link's features are not known, only that every declared one is to be set.
                *self.s(name) =
                    Sim { exists: true, kind: Some(kind.clone()), vlans, fresh: true, ..Default::default() };
                if let Kind::Veth(v) = kind {
                    let back = Kind::Veth(crate::model::Veth { peer: name.clone() });
                    *self.s(&v.peer) = Sim { exists: true, kind: Some(back), ..Default::default() };
                }
            }
            Op::Delete { name, .. } => {
                // Its ports are released with it; a VRF's take their routes in its table along.
                let vrf_table = match self.sim.remove(name).and_then(|s| s.kind) {
                    Some(Kind::Vrf(v)) => Some(v.table),
                    _ => None,
                };
                for s in self.sim.values_mut().filter(|s| s.master.as_deref() == Some(name.as_str())) {
                    s.master = None;
                    if let Some(t) = vrf_table {
                        s.routes.retain(|r| r.table_id() != t);
                    }
                }
                // The kernel deletes a veth's peer with it, and the links stacked on it.
                let mut gone: Vec<String> = self
                    .sim
                    .iter()
                    .filter(|(_, s)| s.kind.as_ref().is_some_and(|k| k.goes_with(name)))
                    .map(|(n, _)| n.clone())
                    .collect();
                gone.sort();
                for g in gone {
                    self.apply_sim(&Op::Delete { name: g, takes: vec![] });
                }
            }
            Op::SetMtu { name, mtu } => self.s(name).mtu = Some(*mtu),
            Op::SetMac { name, mac } => self.s(name).mac = Some(*mac),
            Op::SetDown { name } => {
                let s = self.s(name);
                s.close();
                s.unknown_up = false;
            }
            Op::SetUp { name } => {
                let s = self.s(name);
                s.up = true;
                s.unknown_up = false;
            }
            Op::Enslave { port, master } => {
                let to_bridge = matches!(self.sim.get(master).and_then(|m| m.kind.as_ref()), Some(Kind::Bridge(_)));
                let s = self.s(port);
                s.master = Some(master.clone());
                s.bridge_port = None;
                s.vlans = to_bridge.then(|| Box::new(default_vlans()));
            }
            Op::SetEthtool { name, settings } => {
                self.s(name).ethtool.get_or_insert_with(Default::default).overlay(settings);
            }
            Op::BridgeVlans { name, add, del, .. } => {
                let set: &mut crate::model::vlans::VlanSet =
                    self.s(name).vlans.get_or_insert_with(|| Box::new(default_vlans()));
                for (vid, _) in crate::model::vlans::expand(del) {
                    set.remove(&vid);
                }
                set.extend(crate::model::vlans::expand(add));
            }
            Op::SetBridgePort { name, options } => {
                let s = self.s(name);
                s.bridge_port.get_or_insert_with(Default::default).overlay(options);
            }
            Op::Release { port, master } => {
                // A bond closes the ports it lets go (bonding's __bond_release_one); a bridge
                // leaves them as they were.
                let from_bond = self.is_bond(master);
                let s = self.s(port);
                s.master = None;
                if from_bond {
                    s.close();
                }
            }
            Op::SetBondMode { name, mode } => {
                if let Some(Kind::Bond(b)) = &mut self.s(name).kind {
                    b.mode = *mode;
                    b.clear_options();
                }
            }
            Op::SetBondOptions { name, options } => {
                if let Some(Kind::Bond(b)) = &mut self.s(name).kind {
                    for o in options {
                        b.set_option(o.clone());
                    }
                }
            }
            Op::SetWireguard { name, config } => {
                self.s(name).kind = Some(Kind::Wireguard((**config).clone()));
            }
            Op::SetBridgeOptions { name, options } => {
                if let Some(Kind::Bridge(b)) = &mut self.s(name).kind {
                    b.overlay(options);
                }
            }
            Op::AddAddress { name, address, .. } => self.s(name).addresses.push(*address),
            Op::DelAddress { name, address } => {
                let dropped = self.routes_dropped_by(name, address);
                let s = self.s(name);
                s.addresses.retain(|a| a != address);
                s.link_local.retain(|a| a != address);
                s.dynamic.retain(|a| a != address);
                s.routes.retain(|r| !dropped.contains(r));
            }
            Op::AddRoute { name, route } if name == super::ROUTES_SUBJECT => self.typed_routes.push(route.clone()),
            Op::DelRoute { name, route } if name == super::ROUTES_SUBJECT => self.typed_routes.retain(|r| r != route),
            Op::AddRoute { name, route } => self.s(name).routes.push(route.clone()),
            Op::DelRoute { name, route } => self.s(name).routes.retain(|r| r != route),
        }
    }

    /// The declared NIC features and queue counts the link does not have (read from the host;
    /// left alone when not read).
    fn ethtool(&mut self, want: &Interface) {
        let Some(e) = &want.ethtool else { return };
        if want.state == LinkState::Absent {
            return;
        }
        let Some(have) = self.known(&want.name).and_then(|s| match &s.ethtool {
            Some(e) => Some((**e).clone()),
            None => s.fresh.then(crate::model::Ethtool::default),
        }) else {
            return;
        };
        for settings in e.changes(&have) {
            self.emit(Op::SetEthtool { name: want.name.clone(), settings: Box::new(settings) });
        }
    }

    /// The declared bridge port settings that the port does not have yet, and the VLANs of a
    /// port or of a bridge itself.
    fn bridge_port(&mut self, want: &Interface) {
        if want.state == LinkState::Absent || !self.known(&want.name).is_some_and(|s| s.exists) {
            return;
        }
        if let Some(bp) = &want.bridge_port {
            let have = self.known(&want.name).and_then(|s| s.bridge_port.as_deref().cloned());
            let settings = bp.settings();
            if !settings.is_empty() && !have.is_some_and(|h| settings.within(&h)) {
                self.emit(Op::SetBridgePort { name: want.name.clone(), options: settings });
            }
        }
        let (own, list) = match (&want.kind, &want.bridge_port) {
            (Kind::Bridge(b), _) => (true, b.vlans.as_ref()),
            (_, Some(bp)) => (false, bp.vlans.as_ref()),
            _ => return,
        };
        let Some(list) = list else { return };
        let want_set = crate::model::vlans::expand(list);
        // Unknown (a host state read without VLANs, as the daemon's mirror is): left alone.
        let Some(have) = self.known(&want.name).and_then(|s| s.vlans.as_deref().cloned()) else { return };
        let add: crate::model::vlans::VlanSet =
            want_set.iter().filter(|(vid, f)| have.get(vid) != Some(f)).map(|(v, f)| (*v, *f)).collect();
        let del: crate::model::vlans::VlanSet =
            have.iter().filter(|(vid, _)| !want_set.contains_key(vid)).map(|(v, f)| (*v, *f)).collect();
        if !add.is_empty() || !del.is_empty() {
            self.emit(Op::BridgeVlans {
                name: want.name.clone(),
                own,
                add: crate::model::vlans::compress(&add),
                del: crate::model::vlans::compress(&del),
            });
        }
    }

    fn live_ports_of(&self, master: &str) -> Vec<String> {
        self.live_ports.get(master).cloned().unwrap_or_default()
    }

    /// Whether the host had `address` on `name` without a broadcast (see `LiveLink::no_broadcast`).
    fn had_no_broadcast(&self, name: &str, address: &crate::model::Cidr) -> bool {
        self.live.get(name).is_some_and(|l| l.no_broadcast.contains(address))
    }

    fn routes_dropped_by(&self, name: &str, address: &crate::model::Cidr) -> Vec<crate::model::Route> {
        let Some(s) = self.known(name) else { return vec![] };
        super::routes_dropped_by(&s.addresses, &s.dynamic, &s.routes, address)
    }

    /// The links on the host that deleting `name` changes too: those stacked on it (VLANs,
    /// macvlans, ipvlans), which the kernel deletes with it, and its ports, which it releases.
    /// Read from the host as it was: the plan deletes or releases them first.
    fn taken_by_delete(&self, name: &str) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        // Stacking is transitive (a VLAN on a VLAN on it goes too); being a port is not.
        let mut bases = vec![name.to_string()];
        while let Some(b) = bases.pop() {
            for l in &self.current.links {
                let n = &l.iface.name;
                let on = l.iface.kind.base() == Some(b.as_str());
                if (on || (b == name && l.master.as_deref() == Some(name))) && !v.contains(n) {
                    v.push(n.clone());
                    if on {
                        bases.push(n.clone());
                    }
                }
            }
        }
        v.sort();
        v
    }

    /// What a link deleted as `b` had that the link made anew in its place does not: the MAC
    /// (kinds that get a random one), MTU, sysctls other than the namespace's defaults (set
    /// before it comes up, as a bridge port's no-link-local is), its master and its settings
    /// as a bridge port, being up, addresses and routes.
    fn restore(&self, name: &str, b: &Sim, v: &mut Undo) {
        // These kinds get a random MAC at creation; the old one is put back. A bridge's follows
        // its ports' unless set, and setting it would pin it.
        let own_mac =
            matches!(b.kind, Some(Kind::Dummy(_) | Kind::Macvlan(_) | Kind::Vxlan(_) | Kind::Vrf(_) | Kind::Veth(_)));
        let name = name.to_string();
        if let (true, Some(mac)) = (own_mac, b.mac) {
            v.push(Op::SetMac { name: name.clone(), mac });
        }
        if let Some(mtu) = b.mtu {
            v.push(Op::SetMtu { name: name.clone(), mtu });
        }
        let defaults = &self.current.sysctl_defaults;
        for key in crate::model::Sysctl::ALL {
            if let (Some(value), Some(d)) = (b.sysctls.get(key), defaults.get(key))
                && value != d
            {
                v.push(Op::SetSysctl { name: name.clone(), key, value });
            }
        }
        if let Some(master) = &b.master {
            v.push(Op::Enslave { port: name.clone(), master: master.clone() });
            if let Some(bp) = b.bridge_port.as_deref() {
                let options = crate::model::BridgePort { vlans: None, ..bp.clone() };
                if !options.is_empty() {
                    v.push(Op::SetBridgePort { name: name.clone(), options });
                }
            }
        }
        if b.up {
            v.push(Op::SetUp { name: name.clone() });
        }
        v.extend(b.addresses.iter().map(|a| Op::AddAddress {
            name: name.clone(),
            address: *a,
            no_broadcast: self.had_no_broadcast(&name, a),
        }));
        v.extend(b.routes.iter().map(|r| Op::AddRoute { name: name.clone(), route: r.clone() }));
    }

    /// Whether `name` is a bond now, at this point of the plan (a bond the config turns into
    /// a bridge is still a bond while its ports are released); the declaration where the link
    /// is not known.
    fn is_bond(&self, name: &str) -> bool {
        match self.known(name).and_then(|s| s.kind.as_ref()) {
            Some(k) => matches!(k, Kind::Bond(_)),
            None => self.declared.get(name).is_some_and(|i| matches!(i.kind, Kind::Bond(_))),
        }
    }

    /// Removes what hostnet owns and the config dropped: ports are released from dropped masters
    /// (so that a rollback puts them back), then dropped virtual links are deleted, links on a
    /// base before the base and ports before masters. A dropped NIC is only let go.
    fn prune(&mut self, pruned: &[&'a crate::state::LiveLink]) {
        let rank = |k: &Kind| match k {
            _ if k.base().is_some() => 0,
            Kind::Bond(_) | Kind::Bridge(_) | Kind::Vrf(_) => 2,
            _ => 1,
        };
        let mut order: Vec<&crate::state::LiveLink> = pruned.to_vec();
        order.sort_by_key(|l| (rank(&l.iface.kind), l.index));
        for l in order {
            let name = l.iface.name.as_str();
            if !self.known(name).is_some_and(|s| s.exists) {
                continue; // taken with what it sat on
            }
            // Newest port first: the undo, run backwards, enslaves them again oldest first, and
            // a bridge numbers its ports in the order they join (`ip -d` shows the numbers).
            for port in self.live_ports_of(name).into_iter().rev() {
                if self.known(&port).is_some_and(|s| s.master.as_deref() == Some(name)) {
                    self.emit(Op::Release { port, master: name.to_string() });
                }
            }
            if l.iface.kind.is_virtual() {
                self.emit(Op::Delete { name: name.to_string(), takes: self.taken_by_delete(name) });
            }
        }
    }

    /// Removes what stands in the way before anything is built: absent devices, devices of the
    /// wrong kind, and ports in the wrong master. Upper devices go first.
    fn teardown(&mut self, graph: &Graph, order: &[usize]) {
        for &n in order.iter().rev() {
            let Origin::Declared(i) = graph.nodes[n].origin else {
                continue;
            };
            let want = &self.desired.interfaces[i];
            let Some(cur) = self.known(&want.name).cloned() else {
                continue;
            };
            let wrong_kind = cur.kind.as_ref().is_some_and(|k| k.name() != want.kind.name());
            let going = want.state == LinkState::Absent || (wrong_kind && want.kind.is_virtual());
            if going {
                // Those still its ports here: one deleted earlier in this plan (a VLAN whose
                // base went) has no master to leave.
                // Newest first, as in `prune`, so that a rollback numbers bridge ports as before.
                for port in self.live_ports_of(&want.name).into_iter().rev() {
                    if self.known(&port).is_some_and(|s| s.master.as_deref() == Some(want.name.as_str())) {
                        self.emit(Op::Release { port, master: want.name.clone() });
                    }
                }
                if want.kind.is_virtual() || cur.kind.as_ref().is_some_and(Kind::is_virtual) {
                    self.emit(Op::Delete { name: want.name.clone(), takes: self.taken_by_delete(&want.name) });
                } else if cur.up {
                    self.emit(Op::SetDown { name: want.name.clone() });
                }
            }
        }
        // Ports whose master is declared but is not where the config puts them.
        let mut moves = Vec::new();
        for l in &self.current.links {
            let name = l.iface.name.as_str();
            let Some(cur_master) = self.known(name).and_then(|s| s.master.clone()) else {
                continue;
            };
            let master_managed = self.declared.contains_key(cur_master.as_str());
            let want = self.master_of.get(name).copied();
            let stays = want == Some(cur_master.as_str());
            if !stays && (master_managed || want.is_some()) {
                moves.push((name.to_string(), cur_master));
            }
        }
        for (port, master) in moves {
            self.emit(Op::Release { port, master });
        }
    }

    /// Brings one device into shape: present, named, configured, ports enslaved, up or down.
    fn link(&mut self, want: &'a Interface) {
        if want.state == LinkState::Absent {
            return;
        }
        let name = &want.name;
        match &want.kind {
            Kind::Ethernet(e) => {
                if !self.find_ethernet(want, &e.matches) {
                    return;
                }
            }
            // The kernel makes lo with the namespace; a host planned offline has it, up.
            Kind::Loopback(_) if !self.known(name).is_some_and(|s| s.exists) => {
                let s = self.s(name);
                (s.exists, s.up, s.kind) = (true, true, Some(want.kind.clone()));
            }
            Kind::Loopback(_) => {}
            kind => self.ensure_virtual(name, kind),
        }
        if let Some(mtu) = want.mtu
            && self.known(name).and_then(|s| s.mtu) != Some(mtu)
        {
            self.emit(Op::SetMtu { name: name.clone(), mtu });
        }
        if let Some(mac) = want.mac
            && self.known(name).and_then(|s| s.mac) != Some(mac)
        {
            self.emit(Op::SetMac { name: name.clone(), mac });
        }
        self.sysctls(want);
        let is_bond = matches!(want.kind, Kind::Bond(_));
        for port in want.kind.ports() {
            // Only these two are read: cloning the port's whole simulation was a tenth of the
            // 10,000-interface plan's allocations.
            let Some((enslaved, up)) = self.known(port).map(|s| (s.master.as_deref() == Some(name.as_str()), s.up))
            else {
                continue;
            };
            if !enslaved {
                if is_bond && up {
                    self.emit(Op::SetDown { name: port.clone() });
                }
                self.emit(Op::Enslave { port: port.clone(), master: name.clone() });
            }
            let port_up = self.declared.get(port.as_str()).is_none_or(|p| p.state == LinkState::Up);
            if port_up {
                self.bring_up(port);
            }
        }
        // A device with a master comes up with its master's ports; the rest on their own.
        let has_master = self.master_of.contains_key(name.as_str());
        let up = self.known(name).is_some_and(|s| s.up);
        match want.state {
            LinkState::Up if !has_master => self.bring_up(name),
            LinkState::Down if up => self.emit(Op::SetDown { name: name.clone() }),
            _ => {}
        }
        // The peer is part of the declared veth: it follows it up, unless a master owns it.
        if let Kind::Veth(v) = &want.kind {
            let owned = self.master_of.contains_key(v.peer.as_str());
            if want.state == LinkState::Up && !owned {
                self.bring_up(&v.peer);
            }
        }
    }

    /// Queues a link to come up once every link is built and enslaved. Bringing a veth end up
    /// while its peer is down (or a port before its master exists) makes the kernel process a
    /// carrier change and restart IPv6 autoconfiguration later, under the RTNL lock every other
    /// request needs: measured, deferring all ups makes applying 1000 veth pairs 5x faster.
    fn bring_up(&mut self, name: &'a str) {
        if self.want_up_set.insert(name) {
            self.want_up.push(name);
        }
    }

    /// Brings up every queued link but the bridges (and VLANs on them), and returns those.
    ///
    /// Bridges come up after every other link (and so do VLANs on them, which the kernel
    /// refuses to bring up on a down base). An up bridge floods each port's IPv6 start-up
    /// traffic (duplicate address detection, MLD, router solicitations) to all its other ports,
    /// and the kernel's cost of each packet grows with the number of links; every moment a
    /// bridge stays down while its ports start saves some of that. Measured with 4000 veth
    /// pairs in 40 bridges: the kernel's work after apply fell from 349 s to 270-289 s, for
    /// 1.4 s more of apply (no difference at 1000 pairs). The executor may also hold them until
    /// that start-up is over (`plan::bridge_hold`).
    fn ups_early(&mut self) -> Vec<&'a str> {
        let (late, early): (Vec<&str>, Vec<&str>) =
            std::mem::take(&mut self.want_up).into_iter().partition(|n| self.up_late(n));
        self.ups(early);
        late
    }

    fn ups(&mut self, names: Vec<&'a str>) {
        for name in names {
            if self.known(name).is_some_and(|s| s.exists && (!s.up || s.unknown_up)) {
                self.emit(Op::SetUp { name: name.to_string() });
            }
        }
    }

    fn up_late(&self, name: &str) -> bool {
        match self.declared.get(name).map(|i| &i.kind) {
            Some(Kind::Bridge(_)) => true,
            Some(Kind::Vlan(v)) => self.up_late(&v.base),
            _ => false,
        }
    }

    /// Finds (and renames) the NIC for a declared ethernet. False when it is missing.
    fn find_ethernet(&mut self, want: &Interface, m: &crate::model::Match) -> bool {
        let name = &want.name;
        if !self.current.observed {
            match offline_selector(name, m) {
                Some(from) => self.emit(Op::Rename { from, to: name.clone() }),
                None => {
                    // Unseen NICs may have been brought up by firmware or an earlier tool.
                    let s = self.s(name);
                    s.kind.get_or_insert(Kind::Ethernet(Default::default()));
                    s.up = true;
                    s.unknown_up = true;
                }
            }
            self.s(name).exists = true;
            return true;
        }
        let by_name = self.live.get(name.as_str()).copied().filter(|l| crate::state::nic_fits(l, m));
        let found = by_name.or_else(|| self.current.find_nic_by_match(m));
        match found.map(|l| l.iface.name.clone()) {
            None => {
                let selector = offline_selector(name, m).unwrap_or(Selector::Name(name.clone()));
                self.emit(Op::Missing { name: name.clone(), selector });
                false
            }
            Some(found) if found != *name => {
                self.emit(Op::Rename { from: Selector::Name(found), to: name.clone() });
                true
            }
            Some(_) => true,
        }
    }

    fn ensure_virtual(&mut self, name: &str, kind: &Kind) {
        let cur = self.known(name).and_then(|s| s.kind.clone());
        let Some(cur) = cur else {
            self.emit(Op::Create { name: name.to_string(), kind: without_ports(kind), at: None });
            return;
        };
        match (kind, cur) {
            (Kind::Bond(want), Kind::Bond(have)) => self.reshape_bond(name, want, &have),
            (Kind::Bridge(want), Kind::Bridge(have)) => {
                let (w, h) = (bridge_options(want), bridge_options(&have));
                if !bridge_subset(&w, &h) {
                    self.emit(Op::SetBridgeOptions { name: name.to_string(), options: w });
                }
            }
            (Kind::Wireguard(want), Kind::Wireguard(have)) if !want.satisfied_by(&have) => {
                self.emit(Op::SetWireguard { name: name.to_string(), config: Box::new(want.clone()) });
            }
            (want, have) if remade(want, &have) => {
                self.emit(Op::Delete { name: name.to_string(), takes: self.taken_by_delete(name) });
                self.emit(Op::Create { name: name.to_string(), kind: without_ports(want), at: None });
            }
            _ => {}
        }
    }

    /// Mode changes need the bond empty and down; some options need it down.
    fn reshape_bond(&mut self, name: &str, want: &Bond, have: &Bond) {
        let mut have = have.clone();
        if want.mode != have.mode {
            for port in self.live_ports_of(name) {
                if self.known(&port).and_then(|s| s.master.as_deref()) == Some(name) {
                    self.emit(Op::Release { port, master: name.to_string() });
                }
            }
            if self.known(name).is_some_and(|s| s.up) {
                self.emit(Op::SetDown { name: name.to_string() });
            }
            self.emit(Op::SetBondMode { name: name.to_string(), mode: want.mode });
            have = Bond::new(want.mode);
        }
        let current = have.options();
        let changed: Vec<BondOpt> = want.options().into_iter().filter(|o| !current.contains(o)).collect();
        if changed.is_empty() {
            return;
        }
        if changed.iter().any(BondOpt::needs_bond_down) && self.known(name).is_some_and(|s| s.up) {
            self.emit(Op::SetDown { name: name.to_string() });
        }
        if changed.iter().any(BondOpt::needs_no_ports) {
            for port in self.live_ports_of(name) {
                if self.known(&port).and_then(|s| s.master.as_deref()) == Some(name) {
                    self.emit(Op::Release { port, master: name.to_string() });
                }
            }
        }
        self.emit(Op::SetBondOptions { name: name.to_string(), options: changed });
    }

    fn addresses(&mut self, want: &Interface) {
        if want.state == LinkState::Absent || !self.known(&want.name).is_some_and(|s| s.exists) {
            return;
        }
        let have = self.known(&want.name).map(|s| s.addresses.clone()).unwrap_or_default();
        let mut gone: Vec<crate::model::Cidr> =
            have.iter().filter(|a| !a.is_link_local() && !want.addresses.contains(a)).copied().collect();
        // The kernel lists an IPv4 subnet's primary address first; deleting it deletes the
        // subnet's secondaries too (promote_secondaries=0) or promotes the next one (=1). Kept
        // secondaries of a deleted primary are deleted and added back, so the result is the
        // same either way.
        let taken: Vec<crate::model::Cidr> = have
            .iter()
            .enumerate()
            .filter(|(i, b)| !gone.contains(b) && gone.iter().any(|a| super::same_subnet_after(&have, a, b, *i)))
            .map(|(_, b)| *b)
            .collect();
        gone.extend(taken);
        // Last first: secondaries go before their primary, and undone (in reverse) the
        // addresses come back in the kernel's order, primary first.
        let position = |a: &crate::model::Cidr| have.iter().position(|h| h == a).unwrap_or(0);
        gone.sort_by_key(|a| std::cmp::Reverse(position(a)));
        for a in &gone {
            self.emit(Op::DelAddress { name: want.name.clone(), address: *a });
        }
        for a in want.addresses.iter().filter(|a| !have.contains(a) || gone.contains(a)) {
            let no_broadcast = gone.contains(a) && self.had_no_broadcast(&want.name, a);
            self.emit(Op::AddAddress { name: want.name.clone(), address: *a, no_broadcast });
        }
        // A lease left by another DHCP client goes when the config no longer asks for DHCP;
        // IPv6 ones are the kernel's own (SLAAC) and expire by its rules.
        if want.dhcp4.is_none() {
            let leased = self.known(&want.name).map(|s| s.dynamic.clone()).unwrap_or_default();
            for a in leased.iter().filter(|a| a.addr().is_ipv4() && !want.addresses.contains(a)) {
                self.emit(Op::DelAddress { name: want.name.clone(), address: *a });
            }
        }
    }

    fn routes(&mut self, want: &Interface) {
        if want.state == LinkState::Absent || !self.known(&want.name).is_some_and(|s| s.exists) {
            return;
        }
        let have = self.known(&want.name).map(|s| s.routes.clone()).unwrap_or_default();
        for r in have.iter().filter(|r| !want.routes.contains(r)) {
            self.emit(Op::DelRoute { name: want.name.clone(), route: r.clone() });
        }
        for r in want.routes.iter().filter(|r| !have.contains(r)) {
            self.emit(Op::AddRoute { name: want.name.clone(), route: r.clone() });
        }
    }

    /// Sysctls go on before the link comes up: the kernel reads `addr_gen_mode` when it does.
    /// On a link already up, turning link-local off leaves the kernel's fe80:: address in
    /// place, so it is removed too.
    fn sysctls(&mut self, want: &Interface) {
        let bridge_port = self
            .master_of
            .get(want.name.as_str())
            .and_then(|m| self.declared.get(m))
            .is_some_and(|m| matches!(m.kind, Kind::Bridge(_)));
        let wanted = crate::model::ip::wanted_sysctls(&want.ipv4, &want.ipv6, bridge_port);
        let mut no_ll = false;
        for (key, value) in wanted {
            no_ll |= key == crate::model::Sysctl::AddrGenMode && value == 1;
            if self.known(&want.name).and_then(|s| s.sysctls.get(key)) != Some(value) {
                self.emit(Op::SetSysctl { name: want.name.clone(), key, value });
            }
        }
        if !bridge_port && want.ipv6.link_local.is_none() && want.ipv6.addr_gen_mode.is_none() {
            self.restore_link_local(want);
        }
        if no_ll {
            let stale: Vec<crate::model::Cidr> = self
                .known(&want.name)
                .map(|s| s.link_local.iter().filter(|a| !want.addresses.contains(a)).copied().collect())
                .unwrap_or_default();
            for address in stale {
                self.emit(Op::DelAddress { name: want.name.clone(), address });
            }
        }
    }

    /// A link released from its bridge gets its link-local address back: the namespace's
    /// default address generation mode, in place of the `none` ports get (otherwise it would
    /// stay without IPv6 link-local until someone reset it by hand). One that stays a port of
    /// a bridge the config does not manage is left alone.
    fn restore_link_local(&mut self, want: &Interface) {
        use crate::model::Sysctl::AddrGenMode;
        let was_port = self
            .live
            .get(want.name.as_str())
            .and_then(|l| l.master.as_deref())
            .and_then(|m| self.live.get(m))
            .is_some_and(|m| matches!(m.iface.kind, Kind::Bridge(_)));
        // Released by this plan's teardown, which runs before any link is planned.
        let released = was_port && self.known(&want.name).is_some_and(|s| s.master.is_none());
        let (Some(default), true) = (self.current.sysctl_defaults.get(AddrGenMode), released) else { return };
        let none = crate::model::AddrGenMode::None.kernel();
        if default != none && self.known(&want.name).and_then(|s| s.sysctls.get(AddrGenMode)) == Some(none) {
            self.emit(Op::SetSysctl { name: want.name.clone(), key: AddrGenMode, value: default });
        }
    }

    /// Only when the config lists top-level routes; undeclared ones go first, so that a route
    /// changing type never meets its old self (the kernel would refuse it as existing).
    fn typed_routes(&mut self) {
        let Some(want) = &self.desired.routes else { return };
        let subject = super::ROUTES_SUBJECT.to_string();
        let extra: Vec<_> = self.typed_routes.iter().filter(|r| !want.contains(r)).cloned().collect();
        for route in extra {
            self.emit(Op::DelRoute { name: subject.clone(), route });
        }
        // Multipath routes need their links up: they come last (`multipath_in`).
        let missing: Vec<_> =
            want.iter().filter(|r| !r.is_multipath() && !self.typed_routes.contains(r)).cloned().collect();
        for route in missing {
            self.emit(Op::AddRoute { name: subject.clone(), route });
        }
    }

    /// Before any link changes: the multipath routes the file no longer declares (when it lists
    /// top-level routes), and those `cycled` (see `plan_with`), go.
    fn multipath_out(&mut self, cycled: &[crate::model::Route]) {
        let want = self.desired.routes.as_ref();
        let out: Vec<_> = self
            .typed_routes
            .iter()
            .filter(|r| r.is_multipath() && (cycled.contains(r) || want.is_some_and(|w| !w.contains(r))))
            .cloned()
            .collect();
        for route in out {
            self.emit(Op::DelRoute { name: super::ROUTES_SUBJECT.to_string(), route });
        }
    }

    /// Once every link is up: the declared multipath routes the host lacks, and the cycled ones
    /// the file does not manage, put back if every link they go through is still there and up.
    fn multipath_in(&mut self, cycled: &[crate::model::Route]) {
        let declared = self.desired.routes.iter().flatten().filter(|r| r.is_multipath());
        // A link this plan never simulated is as the host has it.
        let up = |dev: &str| match self.sim.get(dev) {
            Some(s) => s.exists && s.up,
            None => self.live.get(dev).is_some_and(|l| l.up),
        };
        // A path through a link this plan renamed goes through it by its new name, as the
        // kernel's route (which holds the index) would have.
        let renamed = |dev: &str| {
            self.steps.iter().rev().find_map(|s| match &s.op {
                Op::Rename { from: super::Selector::Name(old), to } if old == dev => Some(to.clone()),
                _ => None,
            })
        };
        let unmanaged: Vec<crate::model::Route> = cycled
            .iter()
            .filter(|_| self.desired.routes.is_none())
            .map(|r| {
                let mut r = r.clone();
                for h in &mut r.nexthops {
                    if let Some(to) = renamed(&h.dev) {
                        h.dev = to;
                    }
                }
                r
            })
            .filter(|r| r.nexthops.iter().all(|h| up(&h.dev)))
            .collect();
        let missing: Vec<_> = declared.cloned().chain(unmanaged).filter(|r| !self.typed_routes.contains(r)).collect();
        for route in missing {
            self.emit(Op::AddRoute { name: super::ROUTES_SUBJECT.to_string(), route });
        }
    }

    /// The listed namespace-wide sysctls the host does not have (or cannot say it has).
    fn net_sysctls(&mut self) {
        let changes: Vec<(String, String)> = self
            .desired
            .sysctls
            .iter()
            .filter(|(k, want)| !self.net_sysctls.get(*k).is_some_and(|have| want.same_as(have)))
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect();
        for (key, value) in changes {
            self.emit(Op::SetNetSysctl { key, value });
        }
    }

    /// Only when the config lists rules: then undeclared admin rules go, before new ones come,
    /// so that a rule changing priority never exists twice.
    fn rules(&mut self) {
        let Some(want) = &self.desired.routing_rules else { return };
        let extra: Vec<crate::model::Rule> =
            self.rules.iter().filter(|live| !want.iter().any(|w| w.matches(live))).cloned().collect();
        for rule in extra {
            self.emit(Op::DelRule { rule });
        }
        let missing: Vec<crate::model::Rule> =
            want.iter().filter(|w| !self.rules.iter().any(|live| w.matches(live))).cloned().collect();
        for rule in missing {
            self.emit(Op::AddRule { rule });
        }
    }

    fn dns(&mut self) {
        if let Some(d) = &self.desired.dns
            && self.current.dns.as_ref() != Some(d)
        {
            self.emit(Op::SetDns { dns: d.clone(), links: self.desired.dns_links() });
        }
    }
}

/// How to find a NIC on a host we cannot see; `None` when its own name finds it.
fn offline_selector(name: &str, m: &crate::model::Match) -> Option<Selector> {
    if let Some(mac) = m.mac {
        return Some(Selector::Mac(mac));
    }
    if let Some(p) = &m.pci_path {
        return Some(Selector::PciPath(p.clone()));
    }
    match &m.name {
        Some(n) if n != name => Some(Selector::Name(n.clone())),
        _ => None,
    }
}

pub(crate) fn without_ports(kind: &Kind) -> Kind {
    match kind {
        Kind::Bond(b) => Kind::Bond(Bond { ports: Vec::new(), ..b.clone() }),
        Kind::Bridge(b) => Kind::Bridge(Bridge { ports: Vec::new(), vlans: None, ..b.clone() }),
        Kind::Vrf(v) => Kind::Vrf(crate::model::Vrf { ports: Vec::new(), ..v.clone() }),
        k => k.clone(),
    }
}

/// What the kernel gives a new bridge and each new port: VLAN 1, as PVID and untagged.
pub(crate) fn default_vlans() -> crate::model::vlans::VlanSet {
    [(1, (true, true))].into_iter().collect()
}

/// Whether a link of kind `have` must be made anew to become `want`: what the kernel fixes at
/// creation (a VLAN's base and id, a macvlan's base, a VXLAN's endpoints, a VRF's table) or
/// hostnet does not change in place (a macvlan's or ipvlan's mode) differs. Unset settings
/// stand for the kernel's defaults, which the read-back names.
pub(crate) fn remade(want: &Kind, have: &Kind) -> bool {
    match (want, have) {
        (Kind::Vlan(w), Kind::Vlan(h)) => w.base != h.base || w.id != h.id,
        (Kind::Macvlan(w), Kind::Macvlan(h)) => w.base != h.base || w.mode() != h.mode(),
        (Kind::Ipvlan(w), Kind::Ipvlan(h)) => w.base != h.base || w.mode() != h.mode() || w.flags() != h.flags(),
        (Kind::Vxlan(w), Kind::Vxlan(h)) => {
            (w.vni, w.local, w.remote, w.group, w.port(), &w.base, w.learning())
                != (h.vni, h.local, h.remote, h.group, h.port(), &h.base, h.learning())
        }
        (Kind::Vrf(w), Kind::Vrf(h)) => w.table != h.table,
        _ => false,
    }
}

fn bridge_options(b: &Bridge) -> Bridge {
    Bridge { ports: Vec::new(), vlans: None, ..b.clone() }
}

/// `have`'s values of the options `set` sets: what puts them back, and nothing else (an option
/// the change did not touch is not written again; `vlan_filtering: false` written to a kernel
/// built without VLAN filtering fails).
fn bridge_previous(set: &Bridge, have: &Bridge) -> Bridge {
    fn was<T: Clone>(set: &Option<T>, have: &Option<T>) -> Option<T> {
        set.as_ref().and(have.clone())
    }
    let mut b = Bridge {
        stp: was(&set.stp, &have.stp),
        priority: was(&set.priority, &have.priority),
        vlan_filtering: was(&set.vlan_filtering, &have.vlan_filtering),
        mcast_snooping: was(&set.mcast_snooping, &have.mcast_snooping),
        mcast_querier: was(&set.mcast_querier, &have.mcast_querier),
        ..Bridge::default()
    };
    for t in &crate::model::bridge_timers::BRIDGE_TIMERS {
        if let (Some(_), Some(v)) = ((t.get)(set), (t.get)(have)) {
            (t.set)(&mut b, v);
        }
    }
    b
}

/// Every option `want` sets has the same value in `have`.
fn bridge_subset(want: &Bridge, have: &Bridge) -> bool {
    fn eq<T: PartialEq>(w: &Option<T>, h: &Option<T>) -> bool {
        w.is_none() || w == h
    }
    eq(&want.stp, &have.stp)
        && crate::model::bridge_timers::BRIDGE_TIMERS.iter().all(|t| eq(&(t.get)(want), &(t.get)(have)))
        && eq(&want.priority, &have.priority)
        && eq(&want.vlan_filtering, &have.vlan_filtering)
        && eq(&want.mcast_snooping, &have.mcast_snooping)
        && eq(&want.mcast_querier, &have.mcast_querier)
}
