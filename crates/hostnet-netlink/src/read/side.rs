//! The dumps observation takes besides the links (addresses, managed routes, rules), shared by
//! the two threads of a piped observation: whichever is free takes the next one not taken.
//!
//! Which thread is free first depends on the host. At 2011 links the kernel fills the link dump
//! faster than it is parsed, so the reading thread is free early and takes them all. At 8041
//! the kernel takes 33 ms over the link dump, about as long as the parse, and the reading
//! thread still had 10-12 ms of these dumps ahead of it when the parser had built the links
//! and could only wait.

use std::sync::atomic::{AtomicUsize, Ordering};

use hostnet_core::model::{Route, Rule};
use rtnetlink::packet_route::address::AddressMessage;

use super::{IpFamily, addresses::addresses_on, routes_of_families};
use crate::dump::DumpSocket;
use crate::error::Error;

/// What observation dumps besides the links: addresses, managed routes, rules.
pub(super) type SideDumps = (Vec<AddressMessage>, Vec<(u32, Route)>, Vec<Rule>);

#[derive(Clone, Copy)]
enum Dump {
    Routes(IpFamily),
    Addresses,
    Rules,
}

/// Longest first, so that the dump left to the thread that comes last is a short one. At 8041
/// links: IPv6 routes 5-9 ms (every route of the local table is walked, once per managed
/// protocol), addresses 5-8 ms, IPv4 routes 2-5 ms, rules 0.1 ms.
const ORDER: [Dump; 4] = [Dump::Routes(IpFamily::V6), Dump::Addresses, Dump::Routes(IpFamily::V4), Dump::Rules];

/// What one dump gave.
pub(super) enum Taken {
    Addresses(Vec<AddressMessage>),
    Routes(Vec<(u32, Route)>),
    Rules(Vec<Rule>),
}

/// A result by its dump's place in [`ORDER`].
pub(super) type Done = Vec<(usize, Result<Taken, Error>)>;

/// The side dumps not taken yet.
#[derive(Default)]
pub(super) struct Queue {
    next: AtomicUsize,
}

impl Queue {
    /// Takes dumps, on `dumps`, until none is left.
    pub(super) fn drain(&self, dumps: &DumpSocket) -> Done {
        let mut done = Vec::new();
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(dump) = ORDER.get(i) else { return done };
            let taken = match dump {
                Dump::Routes(family) => routes_of_families(dumps, &[*family]).map(Taken::Routes),
                Dump::Addresses => addresses_on(dumps).map(Taken::Addresses),
                Dump::Rules => crate::rules::rules_on(dumps).map(Taken::Rules),
            };
            done.push((i, taken));
        }
    }
}

/// The side dumps from what the threads took, as one dump after another would have given
/// them (IPv4 routes before IPv6); the first failure in [`ORDER`] if any failed.
pub(super) fn gather(done: impl IntoIterator<Item = (usize, Result<Taken, Error>)>) -> Result<SideDumps, Error> {
    let mut done: Vec<_> = done.into_iter().collect();
    done.sort_by_key(|(i, _)| *i);
    let (mut addrs, mut v4, mut v6, mut rules) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, taken) in done {
        match (ORDER[i], taken?) {
            (_, Taken::Addresses(a)) => addrs = a,
            (Dump::Routes(IpFamily::V4), Taken::Routes(r)) => v4 = r,
            (_, Taken::Routes(r)) => v6 = r,
            (_, Taken::Rules(r)) => rules = r,
        }
    }
    v4.append(&mut v6);
    Ok((addrs, v4, rules))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dst: &str) -> (u32, Route) {
        (2, serde_json::from_value(serde_json::json!({ "dst": dst })).unwrap())
    }

    #[test]
    fn gathers_in_dump_order_whoever_took_them() {
        let v6 = route("2001:db8::/64");
        let v4 = route("192.0.2.0/24");
        // The reading thread took the IPv6 routes and the rules, the parser the rest.
        let reader: Done = vec![(0, Ok(Taken::Routes(vec![v6.clone()]))), (3, Ok(Taken::Rules(Vec::new())))];
        let parser: Done = vec![(1, Ok(Taken::Addresses(Vec::new()))), (2, Ok(Taken::Routes(vec![v4.clone()])))];
        let (addrs, routes, rules) = gather(parser.into_iter().chain(reader)).unwrap();
        assert!(addrs.is_empty() && rules.is_empty());
        assert_eq!(routes, vec![v4, v6]);
    }

    #[test]
    fn the_first_failure_in_dump_order_is_the_one_reported() {
        let done: Done = vec![
            (2, Err(Error::Other("IPv4 routes".into()))),
            (1, Err(Error::Other("addresses".into()))),
            (0, Ok(Taken::Routes(Vec::new()))),
        ];
        let Err(e) = gather(done) else { panic!("a failed dump gathered") };
        assert!(e.to_string().contains("addresses"), "{e}");
    }
}
