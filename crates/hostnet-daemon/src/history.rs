//! What happened to each declared link while the daemon ran: recent events with their times,
//! and running counts (carrier changes, drift, repairs, failures) for status and metrics.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Events kept per link; older ones are dropped (the counts keep everything).
const KEPT: usize = 16;
/// Repairs of one link within this window beyond which the daemon stops fighting.
pub const FIGHT_WINDOW_SECS: u64 = 60;
pub const FIGHT_REPAIRS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Seconds since the epoch.
    pub at: f64,
    pub what: String,
}

#[derive(Debug, Clone, Default)]
pub struct LinkHistory {
    pub events: VecDeque<Event>,
    pub carrier: Option<bool>,
    pub carrier_changes: u64,
    pub drift_events: u64,
    pub repairs: u64,
    pub errors: u64,
    pub last_error: Option<String>,
    /// The drift last reported, so the same drift is not reported again and again.
    pub reported_drift: Vec<String>,
    recent_repairs: VecDeque<Instant>,
}

impl LinkHistory {
    pub fn note(&mut self, what: impl Into<String>) {
        let what = what.into();
        tracing::info!("{what}");
        if self.events.len() == KEPT {
            self.events.pop_front();
        }
        let at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        self.events.push_back(Event { at, what });
    }

    /// Records a repair; true when this link has been repaired too often lately, which means
    /// something else keeps changing it back.
    pub fn repaired(&mut self) -> bool {
        self.repairs += 1;
        let now = Instant::now();
        self.recent_repairs.push_back(now);
        while self.recent_repairs.front().is_some_and(|t| now.duration_since(*t).as_secs() > FIGHT_WINDOW_SECS) {
            self.recent_repairs.pop_front();
        }
        self.recent_repairs.len() > FIGHT_REPAIRS
    }
}

/// Histories of every link the daemon has seen declared.
#[derive(Debug, Default)]
pub struct History {
    pub links: BTreeMap<String, LinkHistory>,
}

impl History {
    pub fn of(&mut self, name: &str) -> &mut LinkHistory {
        self.links.entry(name.to_string()).or_default()
    }

    /// Takes in a link's carrier as just observed; records a change from what was seen before.
    pub fn carrier(&mut self, name: &str, up: bool) {
        let h = self.of(name);
        match h.carrier {
            Some(was) if was != up => {
                h.carrier_changes += 1;
                h.carrier = Some(up);
                h.note(format!("{name}: carrier {}", if up { "up" } else { "down" }));
            }
            None => h.carrier = Some(up),
            _ => {}
        }
    }
}
