//! The bridge's timers, in one table: each with its YAML key, the range the kernel honours (in
//! seconds, as people and switch vendors write them), and its name in the formats hostnet
//! converts. Validation, the plan's `ip` rendering, the kernel codec and the converters all
//! read it, and the seconds↔hundredths conversion is written once, here.

use super::kinds::Bridge;

pub struct BridgeTimer {
    /// The key in hostnet's YAML, which is also `ip link`'s keyword.
    pub key: &'static str,
    pub get: fn(&Bridge) -> Option<u32>,
    pub set: fn(&mut Bridge, u32),
    /// Seconds the kernel keeps as given: (lowest with STP off, lowest with STP on, highest).
    /// The kernel clamps a forward delay above 30 s and an ageing time above 1,000,000 s
    /// without a word (seen on 6.1), so hostnet refuses them instead.
    pub range: (u32, u32, u32),
    pub ifupdown: &'static str,
    pub netplan: &'static str,
    pub networkd: &'static str,
}

impl BridgeTimer {
    /// The range for a bridge with STP on or off.
    pub fn range(&self, stp: bool) -> std::ops::RangeInclusive<u32> {
        (if stp { self.range.1 } else { self.range.0 })..=self.range.2
    }
}

pub const BRIDGE_TIMERS: [BridgeTimer; 4] = [
    BridgeTimer {
        key: "forward_delay",
        get: |b| b.forward_delay,
        set: |b, v| b.forward_delay = Some(v),
        range: (0, 2, 30),
        ifupdown: "bridge_fd",
        netplan: "forward-delay",
        networkd: "ForwardDelaySec",
    },
    BridgeTimer {
        key: "hello_time",
        get: |b| b.hello_time,
        set: |b, v| b.hello_time = Some(v),
        range: (1, 1, 10),
        ifupdown: "bridge_hello",
        netplan: "hello-time",
        networkd: "HelloTimeSec",
    },
    BridgeTimer {
        key: "max_age",
        get: |b| b.max_age,
        set: |b, v| b.max_age = Some(v),
        range: (6, 6, 40),
        ifupdown: "bridge_maxage",
        netplan: "max-age",
        networkd: "MaxAgeSec",
    },
    BridgeTimer {
        key: "ageing_time",
        get: |b| b.ageing_time,
        set: |b, v| b.ageing_time = Some(v),
        range: (0, 0, 1_000_000),
        ifupdown: "bridge_ageing",
        netplan: "ageing-time",
        networkd: "AgeingTimeSec",
    },
];

/// Seconds as the kernel takes them: USER_HZ, hundredths. Saturates rather than wraps for a
/// value validation would have refused.
pub fn to_hundredths(secs: u32) -> u32 {
    secs.saturating_mul(100)
}

/// Hundredths as the config says them, to the nearest second: the kernel keeps timers in
/// jiffies and reports 15 s back as 1499 or 1498 on some HZ, which truncation read as 14.
pub fn from_hundredths(h: u32) -> u32 {
    h / 100 + u32::from(h % 100 >= 50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_times_round_to_the_nearest_second_and_back() {
        assert_eq!(from_hundredths(1499), 15);
        assert_eq!(from_hundredths(1498), 15);
        assert_eq!(from_hundredths(1449), 14);
        assert_eq!(from_hundredths(0), 0);
        for s in [0, 1, 2, 15, 30, 300, 1_000_000] {
            assert_eq!(from_hundredths(to_hundredths(s)), s);
            // What a 250 Hz kernel reports back: one jiffy (4 ms) less.
            assert_eq!(from_hundredths(to_hundredths(s).saturating_sub(1)), s);
        }
        assert_eq!(to_hundredths(u32::MAX), u32::MAX);
    }

    #[test]
    fn every_timer_reads_and_writes_its_own_field() {
        for (k, t) in BRIDGE_TIMERS.iter().enumerate() {
            let mut b = Bridge::default();
            (t.set)(&mut b, 7 + k as u32);
            assert_eq!((t.get)(&b), Some(7 + k as u32), "{}", t.key);
            let others = BRIDGE_TIMERS.iter().filter(|o| o.key != t.key);
            assert!(others.clone().all(|o| (o.get)(&b).is_none()), "{} set another field", t.key);
        }
    }
}
