//! Planning part of a config. A caller that knows the host matched an earlier config `old`
//! everywhere except on some links (the daemon knows it from its passes and the kernel's
//! notifications) need not plan a new config's thousands of unchanged interfaces again: only
//! the interfaces that differ between the two configs, the links it does not vouch for, their
//! neighbours in either config (a changed bond's ports and masters, a port that left it), and
//! what those sit on.
//! The sections that are not per interface (DNS, rules, routes without an interface) are always
//! planned whole: they are few.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use crate::graph::{Graph, Origin};
use crate::model::{Config, Interface, Kind};

/// The interfaces declared differently in `new` than in `old` (added, removed or changed), by
/// name.
pub fn changed(old: &Config, new: &Config) -> BTreeSet<String> {
    changed_but(old, new, |_| false)
}

/// [`changed`], told by `same(i)` that interface `i` of `new` is known to equal interface `i`
/// of `old` (the daemon knows which it took from the old config unparsed).
pub fn changed_but(old: &Config, new: &Config, same: impl Fn(usize) -> bool) -> BTreeSet<String> {
    // Usually an edit keeps every interface where it was: compare them pair by pair.
    if old.interfaces.len() == new.interfaces.len()
        && old.interfaces.iter().zip(&new.interfaces).all(|(a, b)| a.name == b.name)
    {
        return old
            .interfaces
            .iter()
            .zip(&new.interfaces)
            .enumerate()
            .filter(|(i, (a, b))| !same(*i) && a != b)
            .map(|(_, (_, b))| b.name.clone())
            .collect();
    }
    let before: HashMap<&str, &Interface> = old.interfaces.iter().map(|i| (i.name.as_str(), i)).collect();
    let after: HashMap<&str, &Interface> = new.interfaces.iter().map(|i| (i.name.as_str(), i)).collect();
    let mut out: BTreeSet<String> =
        new.interfaces.iter().filter(|i| before.get(i.name.as_str()) != Some(i)).map(|i| i.name.clone()).collect();
    out.extend(old.interfaces.iter().filter(|i| !after.contains_key(i.name.as_str())).map(|i| i.name.clone()));
    out
}

/// The part of `new` to plan when the host matches `old` except on the links in `names`: those
/// links, their neighbours in either config and everything below them, as declared in `new`,
/// plus every section that is not per interface. Planning it yields the steps planning all of
/// `new` would, in the same order. `g_old` and `g_new` are the configs' graphs
/// ([`Graph::build`]), which a caller usually has already.
pub fn reach(old: &Config, g_old: &Graph, new: &Config, g_new: &Graph, names: &BTreeSet<String>) -> Config {
    let mut keep: BTreeSet<String> = names.clone();
    // A link whose kind changes may be made anew, and the kernel deletes what is stacked on it
    // (VLANs...) with it: those come back with their masters, however high the stack.
    let kind_of = |c: &'_ Config, g: &Graph, n: &str| {
        g.by_name.get(n).and_then(|&i| match g.nodes[i].origin {
            Origin::Declared(d) => Some(c.interfaces[d].kind.clone()),
            Origin::VethPeer(_) => None,
        })
    };
    let remade: Vec<&String> = names
        .iter()
        .filter(|n| match (kind_of(old, g_old, n), kind_of(new, g_new, n)) {
            (Some(a), Some(b)) => a.name() != b.name() || crate::plan::remade(&b, &a),
            _ => false,
        })
        .collect();
    for g in [g_old, g_new] {
        let mut stack: Vec<usize> = remade.iter().filter_map(|n| g.by_name.get(n.as_str()).copied()).collect();
        let mut seen = vec![false; g.nodes.len()];
        while let Some(n) = stack.pop() {
            if !std::mem::replace(&mut seen[n], true) {
                keep.insert(g.nodes[n].name.to_string());
                stack.extend(&g.uppers[n]);
            }
        }
    }
    let names = &keep.clone();
    for (config, g) in [(old, g_old), (new, g_new)] {
        for name in names {
            let Some(&n) = g.by_name.get(name.as_str()) else { continue };
            for &m in g.lowers[n].iter().chain(&g.uppers[n]).chain([&n]) {
                keep.insert(g.nodes[m].name.to_string());
                // A veth's two ends are one declaration, or two naming each other.
                let (Origin::VethPeer(i) | Origin::Declared(i)) = g.nodes[m].origin;
                keep.insert(config.interfaces[i].name.clone());
                if let Kind::Veth(v) = &config.interfaces[i].kind {
                    keep.insert(v.peer.clone());
                }
            }
        }
    }
    // With everything they sit on, transitively (a short stack: NICs, bonds, a VLAN): then the
    // part's devices come in the same order as in the whole plan, since a device is ready to be
    // planned exactly when the devices below it are.
    let g = g_new;
    let mut stack: Vec<usize> = keep.iter().filter_map(|n| g.by_name.get(n.as_str()).copied()).collect();
    let mut seen = vec![false; g.nodes.len()];
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        keep.insert(g.nodes[n].name.to_string());
        stack.extend(&g.lowers[n]);
    }
    // Listed field by field, so that a new section of the config cannot be left out unnoticed.
    let Config { interfaces, dns, routing_rules, routes, sysctls, reconcile, prune, online, metrics, status: _ } = new;
    Config {
        interfaces: interfaces.iter().filter(|i| keep.contains(&i.name)).cloned().collect(),
        dns: dns.clone(),
        routing_rules: routing_rules.clone(),
        routes: routes.clone(),
        sysctls: sysctls.clone(),
        reconcile: *reconcile,
        prune: *prune,
        online: online.clone(),
        metrics: metrics.clone(),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cidr, LinkState};
    use crate::{State, plan, synth};

    /// Every kind of change to one interface of a config the host matches: planning the part
    /// [`reach`] picks gives exactly the steps (operations and undo) planning everything does.
    #[test]
    fn planning_the_reach_of_a_change_is_planning_everything() {
        for seed in 0..40 {
            let old = synth::random(6, 10, seed);
            let host = State::from_config(&old);
            for k in 0..old.interfaces.len() {
                for change in 0..6 {
                    let mut new = old.clone();
                    let i = &mut new.interfaces[k];
                    match change {
                        0 => i.mtu = Some(1400 + k as u32),
                        1 => i.addresses.push(format!("10.9.{k}.1/24").parse::<Cidr>().unwrap()),
                        2 => i.state = if i.state == LinkState::Down { LinkState::Up } else { LinkState::Down },
                        // A master losing a port (the port stays declared, now alone).
                        3 => match &mut i.kind {
                            Kind::Bond(b) if b.ports.len() > 1 => drop(b.ports.pop()),
                            Kind::Bridge(b) if !b.ports.is_empty() => drop(b.ports.pop()),
                            _ => continue,
                        },
                        // A bond becoming a bridge: its ports become bridge ports, whose link-local
                        // addressing hostnet turns off, though their own declarations are the same.
                        4 => match &i.kind {
                            Kind::Bond(b) => {
                                i.kind =
                                    Kind::Bridge(crate::model::Bridge { ports: b.ports.clone(), ..Default::default() })
                            }
                            _ => continue,
                        },
                        _ => {
                            new.interfaces.remove(k);
                            if crate::graph::Graph::build(&new).by_name.len() + 1 != old.interfaces.len()
                                || crate::load("t.yaml", &new.to_yaml()).is_err()
                            {
                                continue;
                            }
                        }
                    }
                    let whole = plan(&new, &host).steps;
                    assert!(
                        change == 5 || !whole.is_empty(),
                        "seed {seed}, interface {k}: change {change} plans nothing"
                    );
                    let part = reach(&old, &Graph::build(&old), &new, &Graph::build(&new), &changed(&old, &new));
                    // A kind change at the bottom of a stack may reach everything on it.
                    assert!(change == 4 || part.interfaces.len() < new.interfaces.len() || new.interfaces.len() < 4);
                    let got = plan(&part, &host).steps;
                    let show = |s: &[crate::plan::Step]| {
                        s.iter().map(|s| crate::plan::op_line(&s.op)).collect::<Vec<_>>().join("\n")
                    };
                    assert!(
                        got == whole,
                        "seed {seed}, interface {k}, change {change}:\npart:\n{}\nwhole:\n{}",
                        show(&got),
                        show(&whole)
                    );
                }
            }
        }
    }
}
