//! Sets of netlink attribute kinds, for the readers that parse only the few attributes hostnet
//! uses out of the many the kernel sends.

/// A set of attribute kinds below 128 (IFLA_* and IFLA_BRPORT_* stay far below). Checked once
/// per attribute of every link in a dump: a linear search of the list was a tenth of parsing it.
#[derive(Clone, Copy)]
pub(crate) struct Kinds(u128);

impl Kinds {
    pub(crate) const fn of(kinds: &[u16]) -> Kinds {
        let mut bits = 0u128;
        let mut i = 0;
        while i < kinds.len() {
            assert!(kinds[i] < 128, "attribute kind out of range");
            bits |= 1 << kinds[i];
            i += 1;
        }
        Kinds(bits)
    }

    pub(crate) fn contains(self, kind: u16) -> bool {
        kind < 128 && (self.0 >> kind) & 1 == 1
    }

    pub(crate) const fn len(self) -> usize {
        self.0.count_ones() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::Kinds;

    #[test]
    fn holds_exactly_its_kinds() {
        let k = Kinds::of(&[0, 1, 56, 127]);
        assert_eq!(k.len(), 4);
        for kind in 0..200u16 {
            assert_eq!(k.contains(kind), [0, 1, 56, 127].contains(&kind), "kind {kind}");
        }
    }
}
