//! The planner's simulated links, by name. The simulations live in one vector and the map holds
//! only indexes into it: with each simulation (over 400 bytes) inline in the hash table, every
//! lookup of a 10,000-interface plan missed the cache, and lookups were a fifth of its time.

use rustc_hash::FxHashMap as HashMap;

pub(super) struct Sims<T> {
    index: HashMap<String, u32>,
    /// A removed link leaves its slot empty (`None`); links are rarely removed, and the
    /// indexes of the others stay valid.
    all: Vec<Option<T>>,
}

impl<T> Default for Sims<T> {
    fn default() -> Self {
        Sims { index: HashMap::default(), all: Vec::new() }
    }
}

impl<T> Sims<T> {
    pub(super) fn reserve(&mut self, n: usize) {
        self.index.reserve(n);
        self.all.reserve(n);
    }

    pub(super) fn contains_key(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    pub(super) fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).and_then(|&i| self.all[i as usize].as_ref())
    }

    pub(super) fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.index.get(name).and_then(|&i| self.all[i as usize].as_mut())
    }

    /// Sets the simulation of `name`, replacing any it had.
    pub(super) fn insert(&mut self, name: String, sim: T) {
        match self.index.get(name.as_str()) {
            Some(&i) => self.all[i as usize] = Some(sim),
            None => {
                let i = u32::try_from(self.all.len()).expect("fewer than 2^32 links");
                self.all.push(Some(sim));
                self.index.insert(name, i);
            }
        }
    }

    pub(super) fn remove(&mut self, name: &str) -> Option<T> {
        self.index.remove(name).and_then(|i| self.all[i as usize].take())
    }

    /// Every link with its name, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &T)> {
        self.index.iter().filter_map(|(n, &i)| self.all[i as usize].as_ref().map(|s| (n, s)))
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.all.iter_mut().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_map_through_removal_and_reinsertion() {
        let mut s: Sims<u8> = Sims::default();
        s.insert("a".into(), 1);
        s.insert("b".into(), 2);
        s.insert("a".into(), 3);
        assert_eq!((s.get("a"), s.get("b"), s.get("c")), (Some(&3), Some(&2), None));
        assert_eq!(s.remove("a"), Some(3));
        assert!(!s.contains_key("a") && s.get("a").is_none() && s.remove("a").is_none());
        s.insert("a".into(), 4);
        *s.get_mut("b").unwrap() += 10;
        let mut all: Vec<(String, u8)> = s.iter().map(|(n, v)| (n.clone(), *v)).collect();
        all.sort();
        assert_eq!(all, vec![("a".into(), 4), ("b".into(), 12)]);
        assert_eq!(s.values_mut().map(|v| *v as u32).sum::<u32>(), 16);
    }
}
