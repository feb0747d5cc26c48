//! Synthetic, valid topologies for benchmarks and property tests.

use crate::model::{Bond, BondMode, Bridge, Cidr, Config, Ethernet, Interface, Kind, Vlan};

/// A small deterministic PRNG (xorshift64*), so generated topologies are reproducible from a seed
/// without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Repeats the seed's design until `n` interfaces exist: per block, four NICs, two 802.3ad bonds,
/// one balance-alb bond over them, two VLANs on it, a bridge on each VLAN with an address.
pub fn stacked_blocks(n: usize) -> Config {
    let mut interfaces = Vec::with_capacity(n + 11);
    let mut b = 0usize;
    while interfaces.len() < n {
        let nic = |k: usize| format!("n{b}x{k}");
        for k in 0..4 {
            interfaces.push(Interface::new(nic(k), Kind::Ethernet(Ethernet::default())));
        }
        for (j, ports) in [[nic(0), nic(1)], [nic(2), nic(3)]].into_iter().enumerate() {
            let mut bond = Bond::new(BondMode::Lacp);
            bond.ports = ports.to_vec();
            bond.miimon = Some(100);
            interfaces.push(Interface::new(format!("i{b}x{j}"), Kind::Bond(bond)));
        }
        let mut outer = Bond::new(BondMode::BalanceAlb);
        outer.ports = vec![format!("i{b}x0"), format!("i{b}x1")];
        outer.miimon = Some(100);
        interfaces.push(Interface::new(format!("o{b}"), Kind::Bond(outer)));
        for v in 0..2u16 {
            let vname = format!("o{b}v{v}");
            interfaces.push(Interface::new(
                vname.clone(),
                Kind::Vlan(Vlan { base: format!("o{b}"), id: 10 + v, protocol: None }),
            ));
            let mut br =
                Interface::new(format!("br{b}v{v}"), Kind::Bridge(Bridge { ports: vec![vname], ..Default::default() }));
            let ip = format!("10.{}.{}.1/24", (b >> 7) & 0xff, ((b << 1) | v as usize) & 0xff);
            br.addresses.push(ip.parse::<Cidr>().expect("generated address"));
            interfaces.push(br);
        }
        b += 1;
    }
    interfaces.truncate(n);
    Config { interfaces: drop_dangling(interfaces), ..Default::default() }
}

/// After truncation a block may be cut mid-way; drop references to what was cut.
fn drop_dangling(mut v: Vec<Interface>) -> Vec<Interface> {
    let names: std::collections::HashSet<String> = v.iter().map(|i| i.name.clone()).collect();
    v.retain(|i| match &i.kind {
        Kind::Vlan(vl) => names.contains(&vl.base),
        _ => true,
    });
    let names: std::collections::HashSet<String> = v.iter().map(|i| i.name.clone()).collect();
    for i in &mut v {
        match &mut i.kind {
            Kind::Bond(b) => b.ports.retain(|p| names.contains(p)),
            Kind::Bridge(b) => b.ports.retain(|p| names.contains(p)),
            _ => {}
        }
    }
    v
}

/// A random acyclic topology: `nics` NICs, then `uppers` bonds, bridges and VLANs, each on
/// devices made before it, declared in a shuffled order so the planner has to sort them.
pub fn random(nics: usize, uppers: usize, seed: u64) -> Config {
    let mut rng = Rng::new(seed);
    let mut ifaces: Vec<Interface> =
        (0..nics.max(1)).map(|k| Interface::new(format!("eth{k}"), Kind::Ethernet(Ethernet::default()))).collect();
    // Whether a device may still be enslaved / carry a VLAN without breaking a validation rule.
    let mut enslaveable: Vec<bool> = vec![true; ifaces.len()];
    let mut vlan_ok: Vec<bool> = vec![true; ifaces.len()];
    let mut vlan_ids: std::collections::HashMap<usize, u16> = Default::default();
    for u in 0..uppers {
        let candidates: Vec<usize> = (0..ifaces.len()).filter(|&i| enslaveable[i]).collect();
        let choice = rng.below(3);
        let (kind, is_bridge) = if choice == 2 || candidates.is_empty() {
            let bases: Vec<usize> = (0..ifaces.len()).filter(|&i| vlan_ok[i]).collect();
            let Some(&base) = bases.get(rng.below(bases.len().max(1))) else { continue };
            let id = vlan_ids.entry(base).or_insert(0);
            *id += 1;
            enslaveable[base] = false;
            (Kind::Vlan(Vlan { base: ifaces[base].name.clone(), id: *id, protocol: None }), false)
        } else {
            let take = 1 + rng.below(candidates.len().min(3));
            let mut ports = Vec::new();
            for _ in 0..take {
                let c = candidates[rng.below(candidates.len())];
                if enslaveable[c] {
                    enslaveable[c] = false;
                    vlan_ok[c] = false;
                    ports.push(ifaces[c].name.clone());
                }
            }
            if choice == 0 {
                let mode = BondMode::ALL[rng.below(BondMode::ALL.len())];
                let mut b = Bond::new(mode);
                b.ports = ports;
                b.miimon = Some(100);
                (Kind::Bond(b), false)
            } else {
                (Kind::Bridge(Bridge { ports, ..Default::default() }), true)
            }
        };
        ifaces.push(Interface::new(format!("up{u}"), kind));
        enslaveable.push(!is_bridge);
        vlan_ok.push(true);
    }
    for i in (1..ifaces.len()).rev() {
        ifaces.swap(i, rng.below(i + 1));
    }
    Config { interfaces: ifaces, ..Default::default() }
}
