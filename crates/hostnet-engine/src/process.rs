//! The process that reverts a trial, named by its pid *and* its start time: a pid alone may
//! belong to another process by the time anyone looks (the reverter killed, the pid reused), and
//! then a dead reverter would look alive and a stranger would get its SIGTERM.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reverter {
    pub pid: u32,
    /// When the process started, in clock ticks after boot (`/proc/PID/stat`, field 22): fixed
    /// for a process's life, and different for the next process given the same pid.
    pub started: u64,
}

impl Reverter {
    /// This process.
    pub fn me() -> Option<Reverter> {
        Reverter::of(std::process::id())
    }

    /// Process `pid` as it is now; `None` if there is none.
    pub fn of(pid: u32) -> Option<Reverter> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        Some(Reverter { pid, started: start_time(&stat)? })
    }

    /// Whether this very process still runs (a zombie counts as gone: it reverts nothing).
    pub fn alive(&self) -> bool {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) else { return false };
        start_time(&stat) == Some(self.started) && state(&stat) != Some('Z')
    }

    /// Asks it to stop, if it is still the same process and not this one (the daemon guards its
    /// own trials, and a confirm must not stop it); a failure is harmless (a reverter whose
    /// trial is gone exits by itself within a second).
    pub fn stop(&self) {
        if self.pid != std::process::id() && self.alive() {
            // SAFETY: kill(2) with a plain pid and signal has no memory effects.
            unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGTERM) };
        }
    }
}

/// The fields after the command name, which is in parentheses and may itself hold spaces and
/// parentheses: the last `)` ends it.
fn after_comm(stat: &str) -> Option<impl Iterator<Item = &str>> {
    Some(stat[stat.rfind(')')? + 1..].split_ascii_whitespace())
}

fn state(stat: &str) -> Option<char> {
    after_comm(stat)?.next()?.chars().next()
}

fn start_time(stat: &str) -> Option<u64> {
    // Field 3 is the state; field 22 the start time, the 20th after the command name.
    after_comm(stat)?.nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let rest = "S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21";
        let stat = format!("42 (a) b (c)) {rest}");
        assert_eq!(start_time(&stat), Some(987654));
        assert_eq!(state(&stat), Some('S'));
    }

    #[test]
    fn this_process_is_alive_and_a_changed_start_time_is_not() {
        let me = Reverter::me().expect("/proc is mounted");
        assert!(me.alive());
        assert!(!Reverter { started: me.started + 1, ..me }.alive());
    }

    #[test]
    fn a_child_that_exited_is_not_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let r = Reverter::of(child.id()).expect("the child exists until it is reaped");
        child.wait().unwrap();
        assert!(!r.alive());
    }
}
