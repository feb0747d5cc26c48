//! `apply`, `confirm` and the trial reverter: the commands that change the host.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use hostnet_core::plan::{IpTarget, op_line, render_ip, render_text};
use hostnet_engine::{Applied, Confirmed, Engine, Faulty, Options, Outcome, Pending, Refused, Store};
use hostnet_netlink::journal::StateDir;
use hostnet_netlink::write::Env;
use hostnet_netlink::{Dump, Netlink, NetlinkHost};

use super::check::load_here;
use super::{Cli, EXIT_FAILED, PlanFormat, fail, runtime};

/// `--state-dir`'s default, as the command line declares it.
const DEFAULT_STATE_DIR: &str = "/run/hostnet";

/// What every live command needs: where it works and where it keeps its files.
pub struct Ctx {
    pub env: Env,
    pub dir: StateDir,
    /// `--netns` and `--state-dir` as given, for hints that name commands.
    pub netns: Option<String>,
    pub state_root: PathBuf,
    /// Arguments that put a child process in the same place (namespace, files).
    pub passthrough: Vec<String>,
}

impl Ctx {
    /// The command line that runs `sub` where this one works: the same namespace and state
    /// directory, so that following a hint literally finds the same trial.
    pub fn command(&self, sub: &str) -> String {
        let mut c = String::from("hostnet");
        if let Some(ns) = &self.netns {
            c.push_str(&format!(" --netns {ns}"));
        }
        if self.state_root != std::path::Path::new(DEFAULT_STATE_DIR) {
            c.push_str(&format!(" --state-dir {}", self.state_root.display()));
        }
        c.push(' ');
        c.push_str(sub);
        c
    }

    /// `msg` with each command it names (`` `hostnet confirm` ``, `` `hostnet recover --discard` ``)
    /// written as [`Ctx::command`] writes it, for messages made where the flags are not known.
    pub fn localize(&self, msg: &str) -> String {
        msg.replace("`hostnet ", &format!("`{}", self.command("")))
    }

    pub fn new(cli: &Cli) -> Self {
        let resolv_conf = cli.resolv_conf.clone().unwrap_or_else(|| match &cli.netns {
            // The file `ip netns exec` bind-mounts over /etc/resolv.conf inside the namespace.
            Some(ns) => PathBuf::from(format!("/etc/netns/{ns}/resolv.conf")),
            None => PathBuf::from("/etc/resolv.conf"),
        });
        let mut passthrough = vec!["--state-dir".to_string(), cli.state_dir.display().to_string()];
        passthrough.extend(["--resolv-conf".to_string(), resolv_conf.display().to_string()]);
        if let Some(ns) = &cli.netns {
            passthrough.extend(["--netns".to_string(), ns.clone()]);
        }
        let dir = StateDir::new(&cli.state_dir, cli.netns.as_deref());
        Ctx {
            env: Env { resolv_conf, key_dir: dir.dir.join("keys") },
            dir,
            passthrough,
            netns: cli.netns.clone(),
            state_root: cli.state_dir.clone(),
        }
    }
}

pub struct ApplyArgs {
    pub no_rollback: bool,
    pub try_secs: Option<u64>,
    pub boot: bool,
    pub json: bool,
    pub fail_at: Option<usize>,
}

/// What `plan` plans against.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The live host, or fail (`--live`).
    Live,
    /// An empty host (`--offline`).
    Empty,
    /// The live host when it can be read, an empty one otherwise.
    LiveIfReadable,
}

impl Against {
    pub fn of(live: bool, offline: bool) -> Self {
        match (live, offline) {
            (true, _) => Against::Live,
            (_, true) => Against::Empty,
            _ => Against::LiveIfReadable,
        }
    }
}

pub fn plan(ctx: &Ctx, file: &Path, format: PlanFormat, against: Against) -> ExitCode {
    let config = match load_here(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let live = match against {
        Against::Empty => None,
        _ => Some(live_plan(ctx, &config)),
    };
    let (plan, said) = match live {
        Some(Ok(p)) => (p, "planned against the live host".to_string()),
        Some(Err(e)) if against == Against::Live => return fail(e),
        Some(Err(e)) => (empty_plan(&config), format!("planned from an empty host: this host could not be read ({e})")),
        None => (empty_plan(&config), "planned from an empty host (--offline)".to_string()),
    };
    let target = IpTarget {
        netns: ctx.netns.clone(),
        resolv_conf: ctx.env.resolv_conf.display().to_string(),
        resolved: hostnet_netlink::resolved::owns(&ctx.env.resolv_conf),
    };
    match format {
        PlanFormat::Text => print!("{}", render_text(&plan)),
        PlanFormat::Ip => print!("{}", render_ip(&plan, &file.display().to_string(), &target)),
        PlanFormat::Json => println!("{}", plan.to_json()),
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    eprintln!("note: {said}");
    note_pruned(&config, plan.ops(), file);
    ExitCode::SUCCESS
}

/// The plan against this host, through the engine, which knows what hostnet owns: it shows
/// what pruning removes.
fn live_plan(ctx: &Ctx, config: &hostnet_core::Config) -> Result<hostnet_core::Plan, String> {
    runtime()
        .block_on(async {
            let nl = Netlink::connect().map_err(|e| Refused::Host(e.into()))?;
            Engine::new(NetlinkHost::new(&nl, &ctx.env, Dump), &ctx.dir).plan(config).await
        })
        .map_err(|e| ctx.localize(&e.to_string()))
}

fn empty_plan(config: &hostnet_core::Config) -> hostnet_core::Plan {
    hostnet_core::plan(config, &hostnet_core::State::offline())
}

/// Says why links the file does not mention are deleted, after the plan or report that lists
/// them (on stderr, after stdout is flushed, when both go to one terminal).
fn note_pruned<'a>(config: &hostnet_core::Config, ops: impl Iterator<Item = &'a hostnet_core::plan::Op>, file: &Path) {
    let declared = hostnet_engine::declared_names(config);
    let pruned: Vec<&str> = ops
        .filter_map(|o| match o {
            hostnet_core::plan::Op::Delete { name, .. } if !declared.contains(name.as_str()) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    if pruned.is_empty() {
        return;
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let one = pruned.len() == 1;
    eprintln!(
        "note: {} {} not in {}; hostnet made or configured {}, so {} removed (`prune: none` at the top of the file keeps {})",
        pruned.join(", "),
        if one { "is" } else { "are" },
        file.display(),
        if one { "it" } else { "them" },
        if one { "it is" } else { "they are" },
        if one { "it" } else { "them" },
    );
}

pub fn apply(ctx: &Ctx, file: &Path, a: ApplyArgs) -> ExitCode {
    // A bad file stops everything before the host is touched.
    let config = match load_here(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = Options {
        rollback: !(a.no_rollback || a.boot),
        tolerate_missing: a.boot,
        hold_after_ups: std::env::var("HOSTNET_TEST_HOLD_AFTER_UPS_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(hostnet_engine::HOLD_AFTER_UPS, std::time::Duration::from_millis),
        ..Options::default()
    };
    // Test hooks: fail one operation, or hang after one (or inside it, once the kernel carried it
    // out and before the journal says so) so that a test can kill the apply there.
    let hook = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let (stall_after, stall_inside) = (hook("HOSTNET_TEST_STALL_AFTER"), hook("HOSTNET_TEST_STALL_INSIDE"));
    let rt = runtime();
    let result = rt.block_on(async {
        let nl = Netlink::connect().map_err(|e| Refused::Host(e.into()))?;
        let mut host = Faulty::new(NetlinkHost::new(&nl, &ctx.env, Dump), a.fail_at, stall_after);
        host.stall_inside = stall_inside;
        Engine::new(host, &ctx.dir).apply(&config, &opts, a.try_secs).await
    });
    let (applied, pending) = match result {
        Ok(x) => x,
        Err(e) => return fail(ctx.localize(&e.to_string())),
    };
    print_applied(ctx, &applied, file, a.json);
    // A lease must be renewed while the host runs; a one-shot apply cannot do that.
    for i in &config.interfaces {
        for (proto, on) in [("dhcp4", i.dhcp4.is_some()), ("dhcp6", i.dhcp6.is_some())] {
            if on {
                eprintln!(
                    "note: {}: {proto} is run by `hostnet daemon` (a lease must be renewed); this one-shot apply leaves any leased address alone and gets none",
                    i.name
                );
            }
        }
    }
    if let Some(p) = pending {
        return start_reverter(ctx, p);
    }
    exit_code(&applied, a.boot)
}

/// An apply's exit code: success, failed with the host as before, or failed and left changed.
pub fn exit_code(applied: &Applied, boot: bool) -> ExitCode {
    match (applied.succeeded(boot), applied.left_changed()) {
        (true, _) => ExitCode::SUCCESS,
        (false, false) => ExitCode::from(EXIT_FAILED),
        (false, true) => ExitCode::from(super::exit::PARTIAL),
    }
}

/// Prints an apply's outcome as text or JSON; also used for applies the daemon ran.
pub fn print_applied(ctx: &Ctx, applied: &Applied, file: &Path, json: bool) {
    use std::io::Write;
    // One write for the whole report: stdout is line-buffered, and a big apply has thousands
    // of lines.
    let text = if json {
        serde_json::to_string_pretty(applied).expect("serializable") + "\n"
    } else {
        let mut t = hostnet_engine::render(applied, &file.display().to_string());
        if let Some(trial) = &applied.trial {
            t.push_str(&format!(
                "trial: run `{}` within {} s to keep these changes, or they are reverted (`{}` reverts them now)\n",
                ctx.command("confirm"),
                trial.seconds,
                ctx.command("rollback"),
            ));
        }
        t
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    let deletes = applied.report.steps.iter().any(|st| matches!(st.op, hostnet_core::plan::Op::Delete { .. }));
    if deletes && let Ok(config) = hostnet_core::load_file(file) {
        note_pruned(&config, applied.report.steps.iter().map(|st| &st.op), file);
    }
}

/// Hands a recorded trial over to its reverter; this process guarded it until now.
fn start_reverter(ctx: &Ctx, pending: Pending) -> ExitCode {
    let reverter = match spawn_reverter(ctx, &pending) {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the reverter: {e}")),
    };
    if let Err(e) = hostnet_engine::record_reverter(&ctx.dir, &pending.id, reverter) {
        eprintln!("warning: could not record the reverter's pid ({e}); it reverts all the same");
    }
    ExitCode::SUCCESS
}

/// A trial whose reverter was killed gets a new one from whichever hostnet command notices
/// first (the daemon notices too): it is reverted at its deadline, never stuck and never kept
/// by default. Quiet when there is nothing to do or no right to look.
pub fn watch_trial(ctx: &Ctx) {
    // A running daemon watches trials itself, and takes them over as the reverter.
    let daemon = hostnet_daemon::protocol::socket_path(&ctx.dir.dir);
    if !ctx.dir.dir.exists() || std::os::unix::net::UnixStream::connect(daemon).is_ok() {
        return;
    }
    match hostnet_engine::adopt_orphan(&ctx.dir, |p| spawn_reverter(ctx, p)) {
        Ok(Some(p)) => eprintln!(
            "warning: trial {}'s reverter is gone; a new one reverts it in {} s unless `{}` keeps it",
            p.id,
            p.deadline.saturating_sub(hostnet_engine::now()),
            ctx.command("confirm")
        ),
        Ok(None) => {}
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
        Err(e) => eprintln!("warning: could not check the pending trial's reverter: {e}"),
    }
}

/// Starts the reverter of trial `pending` in its own session, so it outlives the shell (and the
/// SSH connection) that ran `apply --try`.
fn spawn_reverter(ctx: &Ctx, pending: &Pending) -> std::io::Result<hostnet_engine::Reverter> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    let log = ctx.dir.append("revert.log").ok();
    let mut cmd = std::process::Command::new(exe);
    cmd.args(&ctx.passthrough).args(["revert-pending", "--id", &pending.id]).stdin(std::process::Stdio::null());
    match log.and_then(|l| Some((l.try_clone().ok()?, l))) {
        Some((out, err)) => cmd.stdout(out).stderr(err),
        None => cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()),
    };
    // SAFETY: setsid is async-signal-safe; it detaches the child from the terminal's session.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    // Its start time is fixed at fork: read now, while the child certainly exists (it is not
    // reaped before this process exits).
    hostnet_engine::Reverter::of(child.id())
        .ok_or_else(|| std::io::Error::other(format!("the reverter (pid {}) exited at once", child.id())))
}

/// `hostnet recover`: rolls back an interrupted apply now, or removes an unreadable journal.
pub fn recover(ctx: &Ctx, discard: bool) -> ExitCode {
    let result: Result<String, Refused> = runtime().block_on(async {
        let nl = Netlink::connect().map_err(|e| Refused::Host(e.into()))?;
        let mut engine = Engine::new(NetlinkHost::new(&nl, &ctx.env, Dump), &ctx.dir);
        if discard {
            return Ok(if engine.discard_journal()? {
                format!("removed the journal in {}; the host is as that apply left it", ctx.dir.dir.display())
            } else {
                "no journal to remove".to_string()
            });
        }
        Ok(match engine.recover().await? {
            Some(r) => {
                format!("{}\n{}", r.describe(), hostnet_engine::render_undone(&r.rollback)).trim_end().to_string()
            }
            None => "nothing to recover: no apply was interrupted".to_string(),
        })
    });
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub fn confirm(ctx: &Ctx) -> ExitCode {
    let found = runtime().block_on(async {
        let nl = Netlink::connect()?;
        let mut engine = Engine::new(NetlinkHost::new(&nl, &ctx.env, Dump), &ctx.dir);
        Ok::<_, hostnet_netlink::Error>(engine.confirm_or_revert().await?)
    });
    match found {
        Ok(found) => say_confirmed(found),
        Err(e) => fail(e),
    }
}

/// What `confirm` found, in words, and its exit code: a trial confirmed too late is a failure
/// (its changes are gone), saying when they went.
pub fn say_confirmed(found: Confirmed) -> ExitCode {
    match found {
        Confirmed::Kept => {
            super::say(format_args!("confirmed: the trial's changes are kept"));
            ExitCode::SUCCESS
        }
        Confirmed::NothingPending => {
            super::say(format_args!("nothing to confirm: no trial is pending"));
            ExitCode::SUCCESS
        }
        Confirmed::Overdue { id, deadline } => {
            eprintln!(
                "error: too late: trial {id}'s deadline passed {} s ago",
                hostnet_engine::now().saturating_sub(deadline)
            );
            ExitCode::from(EXIT_FAILED)
        }
        Confirmed::Reverted(r) => {
            let ago = hostnet_engine::now().saturating_sub(r.at);
            eprintln!(
                "error: too late: the trial was reverted {ago} s ago ({}; {} operations undone{}); \
                 apply the file again to make the change",
                r.why,
                r.operations,
                if r.failed > 0 { format!(", {} failed", r.failed) } else { String::new() }
            );
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// `hostnet rollback`: reverts the pending trial now.
pub fn rollback(ctx: &Ctx) -> ExitCode {
    let result = runtime().block_on(async {
        let nl = Netlink::connect()?;
        let mut engine = Engine::new(NetlinkHost::new(&nl, &ctx.env, Dump), &ctx.dir);
        Ok::<_, hostnet_netlink::Error>(engine.rollback().await?)
    });
    match result {
        Ok(r) => say_rolled_back(r.as_ref().map(|(_, steps)| steps.as_slice())),
        Err(e) => fail(e),
    }
}

pub fn say_rolled_back(steps: Option<&[hostnet_engine::StepReport]>) -> ExitCode {
    let Some(steps) = steps else {
        super::say(format_args!("nothing to roll back: no trial is pending"));
        return ExitCode::SUCCESS;
    };
    super::say(format_args!("{}", hostnet_engine::render_undone(steps).trim_end()));
    let failed = steps.iter().filter(|s| s.outcome != Outcome::Applied).count();
    super::say(format_args!(
        "rolled back the trial: {} operations{}",
        steps.len(),
        if failed > 0 { format!(", {failed} failed") } else { String::new() }
    ));
    if failed > 0 { ExitCode::from(EXIT_FAILED) } else { ExitCode::SUCCESS }
}

/// The reverter: waits for the deadline, then undoes the trial unless it was confirmed (or
/// replaced by a newer one) meanwhile.
pub fn revert_pending(ctx: &Ctx, id: &str) -> ExitCode {
    loop {
        match ctx.dir.pending() {
            Ok(Some(p)) if p.id == id => {
                let left = p.deadline.saturating_sub(hostnet_engine::now());
                if left == 0 {
                    break;
                }
                std::thread::sleep(Duration::from_secs(left.min(1)));
            }
            _ => return ExitCode::SUCCESS,
        }
    }
    let rt = runtime();
    let results = rt.block_on(async {
        let nl = Netlink::connect()?;
        let mut engine = Engine::new(NetlinkHost::new(&nl, &ctx.env, Dump), &ctx.dir);
        Ok::<_, hostnet_netlink::Error>(engine.revert(id).await?)
    });
    match results {
        Ok(Some(rs)) => {
            for s in rs {
                match s.outcome {
                    Outcome::Failed { error } => println!("FAILED {}: {error}", op_line(&s.op)),
                    _ => println!("reverted {}", op_line(&s.op)),
                }
            }
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}
