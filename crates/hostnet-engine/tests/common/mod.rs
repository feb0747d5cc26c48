//! Hosts and configs for the engine's properties: random valid topologies (`synth::random`)
//! with addresses, routes, MTUs, DNS and rules on them, the bare host they start from, and a
//! comparison of hosts that ignores what the kernel renumbers.

#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use hostnet_core::model::{Cidr, Dns, Ethernet, Interface, Kind, Route, Sysctl, SysctlValues};
use hostnet_core::state::LiveLink;
use hostnet_core::synth::{self, Rng};
use hostnet_core::{Config, State, load};

/// A valid config: `synth::random`'s links, and on those that are no port, addresses, routes
/// through them and MTUs; sometimes DNS and a routing rule.
pub fn config(nics: usize, uppers: usize, seed: u64) -> Config {
    let mut c = synth::random(nics, uppers, seed);
    let mut rng = Rng::new(seed ^ 0x5eed);
    let ports: std::collections::HashSet<String> =
        c.interfaces.iter().flat_map(|i| i.kind.ports().iter().cloned()).collect();
    let bases: std::collections::HashSet<String> = c
        .interfaces
        .iter()
        .filter_map(|i| if let Kind::Vlan(v) = &i.kind { Some(v.base.clone()) } else { None })
        .collect();
    for (k, i) in c.interfaces.iter_mut().enumerate() {
        if ports.contains(&i.name) {
            continue;
        }
        if rng.below(3) > 0 {
            i.addresses.push(cidr(&format!("10.{k}.0.1/24")));
            if rng.below(2) == 0 {
                i.addresses.push(cidr(&format!("fd00:{k:x}::1/64")));
            }
            if rng.below(2) == 0 {
                i.routes.push(route(&format!("198.18.{k}.0/24"), &format!("10.{k}.0.254")));
            }
        }
        if matches!(i.kind, Kind::Ethernet(_)) && !bases.contains(&i.name) && rng.below(3) == 0 {
            i.mtu = Some(1400 + 100 * rng.below(5) as u32);
        }
    }
    if rng.below(2) == 0 {
        c.dns = Some(Dns { nameservers: vec!["192.0.2.53".parse().unwrap()], search: vec!["example.org".into()] });
    }
    if rng.below(2) == 0 {
        let rule = serde_json::json!({"from": "10.0.0.0/8", "table": 100, "priority": 1000});
        c.routing_rules = Some(vec![serde_json::from_value(rule).unwrap()]);
    }
    let yaml = c.to_yaml();
    load("gen.yaml", &yaml).unwrap_or_else(|e| panic!("generated an invalid config:\n{}\n{yaml}", e.lines()))
}

pub fn cidr(s: &str) -> Cidr {
    s.parse().unwrap()
}

pub fn route(dst: &str, via: &str) -> Route {
    serde_json::from_value(serde_json::json!({"dst": dst, "via": via})).unwrap()
}

/// The host before any apply: the NICs of `configs` (down, unconfigured; those matched by MAC
/// or PCI path under the kernel's names, to be renamed), an empty resolv.conf, and a link
/// hostnet must leave alone.
pub fn bare_host(configs: &[&Config]) -> State {
    let mut links: Vec<LiveLink> = Vec::new();
    for (k, i) in configs.iter().flat_map(|c| c.interfaces.iter()).enumerate() {
        let Kind::Ethernet(e) = &i.kind else { continue };
        let m = &e.matches;
        let name = match (&m.name, m.mac.is_some() || m.pci_path.is_some()) {
            (Some(n), _) => n.clone(),
            (None, true) => format!("enp{k}s0"),
            (None, false) => i.name.clone(),
        };
        if links.iter().any(|l| l.iface.name == name) {
            continue;
        }
        let mut l = nic(&name);
        l.perm_mac = m.mac;
        l.pci_path = m.pci_path.clone();
        links.push(l);
    }
    let mut other = nic("other0");
    other.up = true;
    other.iface.addresses.push(cidr("203.0.113.7/24"));
    links.push(other);
    for (k, l) in links.iter_mut().enumerate() {
        l.index = k as u32 + 2;
    }
    let sysctl_defaults = kernel_defaults();
    for l in &mut links {
        l.sysctls = sysctl_defaults;
        l.iface.mtu = Some(1500);
    }
    State { links, observed: true, dns: Some(Dns::default()), sysctl_defaults, ..State::default() }
}

/// What a 6.1 kernel's conf/default holds for the sysctls hostnet manages.
fn kernel_defaults() -> SysctlValues {
    let mut v = SysctlValues::default();
    for k in Sysctl::ALL {
        let value = match k {
            Sysctl::AcceptRa | Sysctl::Autoconf => 1,
            _ => 0,
        };
        v.set(k, value);
    }
    v
}

fn nic(name: &str) -> LiveLink {
    LiveLink {
        iface: Interface::new(name, Kind::Ethernet(Ethernet::default())),
        index: 0,
        up: false,
        master: None,
        perm_mac: None,
        pci_path: None,
        sysctls: Default::default(),
        link_local: vec![],
        dynamic: vec![],
        no_broadcast: Vec::new(),
    }
}

/// A host as a comparable value: links by name, lists as sets; indexes (which a link made
/// anew gets fresh) and list order (which the kernel does not promise) left out.
pub fn canonical(s: &State) -> String {
    let mut links: Vec<serde_json::Value> = s
        .links
        .iter()
        .map(|l| {
            let mut iface = l.iface.clone();
            iface.addresses.sort_by_key(|a| a.to_string());
            iface.routes.sort_by_key(|r| format!("{r:?}"));
            match &mut iface.kind {
                Kind::Bond(b) => b.ports.sort(),
                Kind::Bridge(b) => b.ports.sort(),
                _ => {}
            }
            serde_json::json!({"iface": iface, "up": l.up, "master": l.master, "sysctls": format!("{:?}", l.sysctls)})
        })
        .collect();
    links.sort_by_key(|v| v["iface"]["name"].as_str().unwrap_or_default().to_string());
    let mut rules: Vec<String> = s.rules.iter().map(|r| format!("{r:?}")).collect();
    rules.sort();
    serde_json::to_string_pretty(&serde_json::json!({"links": links, "dns": s.dns, "rules": rules})).unwrap()
}

/// Runs a future that never waits on anything outside itself (the in-memory host).
pub fn run<F: Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// Polls `f` once, as far as it gets without waiting, then drops it: what a process killed
/// while it waits (the stall hook) leaves behind. True if it finished instead.
pub fn run_until_stalled<F: Future>(f: F) -> bool {
    let mut f = pin!(f);
    matches!(f.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(_))
}

/// The lines that differ between two canonical hosts, for failure messages.
pub fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    for l in &w {
        if !g.contains(l) {
            out.push_str(&format!("- {l}\n"));
        }
    }
    for l in &g {
        if !w.contains(l) {
            out.push_str(&format!("+ {l}\n"));
        }
    }
    out
}
