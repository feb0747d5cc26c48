//! `wait-online`: polls the daemon's status until the online contract (or the interfaces the
//! command names) holds, for scripts and hostnet-wait-online.service.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hostnet_core::online::{Facts, OnlineState, Require, Verdict, Want, judge};
use hostnet_daemon::protocol::Request;
use hostnet_daemon::status::Status;

use super::apply::Ctx;
use super::daemon::ask;
use super::{EXIT_FAILED, EXIT_USAGE, fail};

/// How often the daemon is asked: a status costs it little, and boot waits on the answer.
const POLL: Duration = Duration::from_millis(200);

pub fn wait_online(ctx: &Ctx, timeout: &str, interfaces: &[String], any: bool) -> ExitCode {
    let limit = match hostnet_core::duration::parse(timeout) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: --timeout: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let named = match interfaces.iter().map(|i| parse_want(i)).collect::<Result<Vec<Want>, String>>() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: --interface: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let require = if any { Require::Any } else { Require::All };
    let deadline = Instant::now() + limit;
    let mut last = String::from("no hostnet daemon answered (is hostnetd running?)");
    loop {
        // The daemon may still be starting at boot: not answering is a reason to wait, not to fail.
        match ask(ctx, &Request::Status, POLL.max(Duration::from_secs(5))) {
            Some(Ok(r)) if r.ok => match serde_json::from_value::<Status>(r.result.unwrap_or_default()) {
                Ok(s) => {
                    let v = verdict(&s, &named, require);
                    if v.online {
                        return ExitCode::SUCCESS;
                    }
                    last = v.summary();
                }
                Err(e) => return fail(format!("unreadable status from the daemon: {e}")),
            },
            Some(Ok(r)) => last = r.error.unwrap_or_default(),
            Some(Err(e)) => last = e.to_string(),
            None => {}
        }
        if Instant::now() >= deadline {
            eprintln!("hostnet wait-online: not online after {}: {last}", timeout.trim());
            return ExitCode::from(EXIT_FAILED);
        }
        std::thread::sleep(POLL);
    }
}

/// The daemon's own judgement of its contract, or the named interfaces judged on its facts.
fn verdict(s: &Status, named: &[Want], require: Require) -> Verdict {
    let facts: BTreeMap<String, Facts> = s.links.iter().filter_map(|l| Some((l.name.clone(), l.facts?))).collect();
    if named.is_empty() {
        if let Some(v) = &s.online {
            return v.clone();
        }
        let all: Vec<Want> =
            facts.keys().map(|n| Want { name: n.clone(), state: OnlineState::Configured, optional: false }).collect();
        return judge(&all, Require::All, &facts);
    }
    judge(named, require, &facts)
}

fn parse_want(s: &str) -> Result<Want, String> {
    let (name, state) = match s.split_once(':') {
        Some((n, st)) => (
            n,
            OnlineState::parse(st)
                .ok_or_else(|| format!("`{st}` is not a state; use carrier, configured, address, routable or lease"))?,
        ),
        None => (s, OnlineState::Configured),
    };
    if name.is_empty() {
        return Err(format!("`{s}` names no interface"));
    }
    Ok(Want { name: name.to_string(), state, optional: false })
}
