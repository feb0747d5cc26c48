//! The device dependency graph: an edge runs from a lower device to the upper device that needs
//! it (port -> bond or bridge, base -> VLAN, veth -> its peer).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use crate::model::{Config, Interface, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `config.interfaces[i]`.
    Declared(usize),
    /// The peer end of the veth declared at `config.interfaces[i]`.
    VethPeer(usize),
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Shared with the `by_name` key: one allocation per device, not two (building the graph is
    /// on every apply's path through validation).
    pub name: Arc<str>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub by_name: HashMap<Arc<str>, usize>,
    /// `uppers[n]`: devices that sit on `n`.
    pub uppers: Vec<Vec<usize>>,
    /// `lowers[n]`: devices `n` sits on.
    pub lowers: Vec<Vec<usize>>,
}

/// A dependency cycle, named in order, first name repeated at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub names: Vec<String>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dependency cycle: {}", self.names.join(" -> "))
    }
}

impl Graph {
    /// Builds the graph. References to undeclared devices are left out; validation reports them.
    /// The first declaration of a duplicated name wins, for the same reason.
    pub fn build(config: &Config) -> Graph {
        let n = config.interfaces.len();
        let mut g = Graph {
            nodes: Vec::with_capacity(n),
            by_name: HashMap::with_capacity_and_hasher(n, Default::default()),
            uppers: Vec::with_capacity(n),
            lowers: Vec::with_capacity(n),
        };
        for (i, iface) in config.interfaces.iter().enumerate() {
            g.add_node(&iface.name, Origin::Declared(i));
        }
        for (i, iface) in config.interfaces.iter().enumerate() {
            if let Kind::Veth(v) = &iface.kind {
                g.add_node(&v.peer, Origin::VethPeer(i));
            }
        }
        for iface in &config.interfaces {
            let Some(&me) = g.by_name.get(iface.name.as_str()) else {
                continue;
            };
            if !matches!(g.nodes[me].origin, Origin::Declared(_)) {
                continue;
            }
            for port in iface.kind.ports() {
                g.add_edge(port, me);
            }
            if let Some(base) = iface.kind.base() {
                g.add_edge(base, me);
            }
            if let Kind::Veth(v) = &iface.kind {
                // Of two ends that declare each other, the first declared creates the pair.
                if let Some(&peer) = g.by_name.get(v.peer.as_str())
                    && !matches!(g.nodes[peer].origin, Origin::Declared(j) if j < g.decl_index(me))
                {
                    g.link(me, peer);
                }
            }
        }
        g
    }

    fn add_node(&mut self, name: &str, origin: Origin) {
        if self.by_name.contains_key(name) {
            return;
        }
        let name: Arc<str> = Arc::from(name);
        self.by_name.insert(name.clone(), self.nodes.len());
        self.nodes.push(Node { name, origin });
        self.uppers.push(Vec::new());
        self.lowers.push(Vec::new());
    }

    fn add_edge(&mut self, lower: &str, upper: usize) {
        if let Some(&l) = self.by_name.get(lower) {
            self.link(l, upper);
        }
    }

    fn link(&mut self, lower: usize, upper: usize) {
        if !self.uppers[lower].contains(&upper) {
            self.uppers[lower].push(upper);
            self.lowers[upper].push(lower);
        }
    }

    fn decl_index(&self, n: usize) -> usize {
        match self.nodes[n].origin {
            Origin::Declared(i) | Origin::VethPeer(i) => i,
        }
    }

    /// Declaration order, so that among independent devices the plan follows the file.
    fn rank(&self, n: usize) -> (usize, u8) {
        match self.nodes[n].origin {
            Origin::Declared(i) => (i, 0),
            Origin::VethPeer(i) => (i, 1),
        }
    }

    /// Every device after all devices it sits on; ties broken by declaration order, so the
    /// result depends only on the config.
    pub fn topo_order(&self) -> Result<Vec<usize>, Cycle> {
        let n = self.nodes.len();
        let mut indeg: Vec<usize> = self.lowers.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<((usize, u8), usize)>> =
            (0..n).filter(|&i| indeg[i] == 0).map(|i| Reverse((self.rank(i), i))).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse((_, i))) = ready.pop() {
            order.push(i);
            for &u in &self.uppers[i] {
                indeg[u] -= 1;
                if indeg[u] == 0 {
                    ready.push(Reverse((self.rank(u), u)));
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        Err(self.find_cycle(&indeg))
    }

    /// The cycle [`Graph::topo_order`] would report, if there is one, found without ordering
    /// (validation only asks whether there is one; the ordering's heap was a third of it).
    /// Nodes stuck behind a cycle, and so the cycle reported, do not depend on the order in
    /// which the others are taken.
    pub fn cycle(&self) -> Option<Cycle> {
        let mut indeg: Vec<usize> = self.lowers.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..self.nodes.len()).filter(|&i| indeg[i] == 0).collect();
        let mut done = 0;
        while let Some(i) = ready.pop() {
            done += 1;
            for &u in &self.uppers[i] {
                indeg[u] -= 1;
                if indeg[u] == 0 {
                    ready.push(u);
                }
            }
        }
        (done < self.nodes.len()).then(|| self.find_cycle(&indeg))
    }

    /// Walks lower-ward from a stuck node until a node repeats: every stuck node has a stuck
    /// lower device, so the walk must close a cycle.
    fn find_cycle(&self, indeg: &[usize]) -> Cycle {
        let start =
            (0..self.nodes.len()).filter(|&i| indeg[i] > 0).min_by_key(|&i| self.rank(i)).expect("a stuck node exists");
        let mut seen: HashMap<usize, usize> = HashMap::default();
        let mut path = Vec::new();
        let mut cur = start;
        while !seen.contains_key(&cur) {
            seen.insert(cur, path.len());
            path.push(cur);
            cur = *self.lowers[cur]
                .iter()
                .filter(|&&l| indeg[l] > 0)
                .min_by_key(|&&l| self.rank(l))
                .expect("a stuck node has a stuck lower device");
        }
        let mut cycle: Vec<usize> = path[seen[&cur]..].to_vec();
        // Report it upper-to-lower reversed, i.e. in the direction "X needs Y".
        cycle.push(cycle[0]);
        Cycle { names: cycle.iter().map(|&i| self.nodes[i].name.to_string()).collect() }
    }

    /// All devices that (transitively) sit on `n`.
    pub fn dependants(&self, n: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        let mut seen = vec![false; self.nodes.len()];
        while let Some(x) = stack.pop() {
            for &u in &self.uppers[x] {
                if !seen[u] {
                    seen[u] = true;
                    out.push(u);
                    stack.push(u);
                }
            }
        }
        out
    }
}

/// Whether `peer_decl` (the declaration of a veth's peer, if any) is itself a veth whose peer is
/// `name`: both ends of one pair. Callers look the peer up in their own name index, since a scan
/// per veth made validation quadratic (14 % of a daemon apply at 2000 interfaces).
pub fn declares_pair(peer_decl: Option<&Interface>, name: &str) -> bool {
    peer_decl.is_some_and(|o| matches!(&o.kind, Kind::Veth(w) if w.peer == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_found_without_ordering_is_the_one_ordering_reports() {
        let configs = [
            "[{name: e0, ethernet: {}}, {name: b0, bond: {mode: active-backup, ports: [e0]}}, {name: v0, vlan: {base: b0, id: 7}}]",
            "[{name: b0, bond: {mode: active-backup, ports: [b1]}}, {name: b1, bond: {mode: active-backup, ports: [b0]}}]",
            "[{name: e0, ethernet: {}}, {name: v0, vlan: {base: b2, id: 7}}, {name: b1, bond: {mode: active-backup, ports: [v0]}},
              {name: b2, bond: {mode: active-backup, ports: [b1, e0]}}, {name: b3, bond: {mode: active-backup, ports: [b2]}}]",
            "[{name: b9, bond: {mode: active-backup, ports: [b8]}}, {name: b8, bond: {mode: active-backup, ports: [b9]}},
              {name: a1, bond: {mode: active-backup, ports: [a2]}}, {name: a2, bond: {mode: active-backup, ports: [a1]}}]",
        ];
        for (k, yaml) in configs.into_iter().enumerate() {
            let config: Config = serde_saphyr::from_str(&format!("interfaces: {yaml}")).unwrap();
            let g = Graph::build(&config);
            assert_eq!(g.cycle(), g.topo_order().err(), "config {k}");
            assert_eq!(g.cycle().is_some(), k > 0, "config {k}");
        }
    }
}
