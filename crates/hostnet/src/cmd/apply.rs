//! `apply`, `confirm` and the trial reverter: the commands that change the host.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hostnet_core::plan::{Op, render_ip, render_text};
use hostnet_netlink::Netlink;
use hostnet_netlink::exec::{Options, Outcome, Report, StepReport};
use hostnet_netlink::journal::{Pending, StateDir};
use hostnet_netlink::write::Env;

use super::check::load;
use super::{Cli, EXIT_FAILED, PlanFormat, runtime};

/// What every live command needs: where it works and where it keeps its files.
pub struct Ctx {
    pub env: Env,
    pub dir: StateDir,
    /// Arguments that put a child process in the same place (namespace, files).
    pub passthrough: Vec<String>,
}

impl Ctx {
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
        Ctx { env: Env { resolv_conf }, dir: StateDir::new(&cli.state_dir, cli.netns.as_deref()), passthrough }
    }
}

pub struct ApplyArgs {
    pub no_rollback: bool,
    pub try_secs: Option<u64>,
    pub boot: bool,
    pub json: bool,
    pub fail_at: Option<usize>,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_FAILED)
}

pub fn plan_live(ctx: &Ctx, file: &Path, format: PlanFormat) -> ExitCode {
    let config = match load(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let plan = match runtime().block_on(async { Netlink::connect()?.plan_for(&config, &ctx.env).await }) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    match format {
        PlanFormat::Text => print!("{}", render_text(&plan)),
        PlanFormat::Ip => print!("{}", render_ip(&plan, &file.display().to_string())),
        PlanFormat::Json => println!("{}", plan.to_json()),
    }
    ExitCode::SUCCESS
}

pub fn apply(ctx: &Ctx, file: &Path, a: ApplyArgs) -> ExitCode {
    // A bad file stops everything before the host is touched.
    let config = match load(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let _lock = match ctx.dir.lock() {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot take the lock in {}: {e}", ctx.dir.dir.display())),
    };
    let rt = runtime();
    let nl = match rt.block_on(async { Netlink::connect() }) {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    if let Err(code) = recover(ctx, &rt, &nl) {
        return code;
    }
    match ctx.dir.pending() {
        Ok(Some(p)) => {
            return fail(format!(
                "a trial apply is pending (it reverts in {}s); run `hostnet confirm` or wait for it",
                p.deadline.saturating_sub(now())
            ));
        }
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    let opts = Options {
        rollback: !(a.no_rollback || a.boot),
        tolerate_missing: a.boot,
        fail_at: a.fail_at,
        stall_after: std::env::var("HOSTNET_TEST_STALL_AFTER").ok().and_then(|v| v.parse().ok()),
        ..Options::default()
    };
    let report = match rt.block_on(nl.apply(&config, &ctx.env, &ctx.dir, &opts)) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let names = if report.links_seen.is_empty() {
        rt.block_on(nl.link_names()).unwrap_or_default()
    } else {
        report.links_seen.clone()
    };
    let declared = declared_names(&config);
    let left_alone = names.into_iter().filter(|n| !declared.contains(n.as_str()) && n != "lo").collect::<Vec<_>>();
    if a.json {
        let mut v = serde_json::to_value(&report).expect("serializable");
        v["left_alone"] = serde_json::json!(left_alone);
        println!("{}", serde_json::to_string_pretty(&v).expect("serializable"));
    } else {
        print_report(&report, file, &left_alone);
    }
    let success = report.ok() || (a.boot && report.only_missing_nics() && report.verified);
    if success
        && let Some(secs) = a.try_secs
        && !report.undo.is_empty()
    {
        return start_trial(ctx, report.undo.clone(), secs);
    }
    if success { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) }
}

fn print_report(r: &Report, file: &Path, left_alone: &[String]) {
    use std::io::Write;
    // One write for the whole report: stdout is line-buffered, and a big apply has thousands
    // of lines.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = write_report(&mut out, r, file, left_alone);
    let _ = out.flush();
}

fn write_report(out: &mut impl std::io::Write, r: &Report, file: &Path, left_alone: &[String]) -> std::io::Result<()> {
    if r.nothing_to_do() {
        writeln!(out, "nothing to do: the host already matches {}", file.display())?;
        return Ok(());
    }
    for s in &r.steps {
        match &s.outcome {
            Outcome::Applied => writeln!(out, "  applied  {}", one_line(&s.op)),
            Outcome::Failed { error } => writeln!(out, "  FAILED   {}: {error}", one_line(&s.op)),
            Outcome::Skipped { because } => writeln!(out, "  skipped  {} ({because})", one_line(&s.op)),
        }?;
    }
    let count = |f: fn(&Outcome) -> bool| r.steps.iter().filter(|s| f(&s.outcome)).count();
    writeln!(
        out,
        "applied {}, failed {}, skipped {} of {} operations",
        count(|o| *o == Outcome::Applied),
        count(|o| matches!(o, Outcome::Failed { .. })),
        count(|o| matches!(o, Outcome::Skipped { .. })),
        r.steps.len()
    )?;
    if r.verified {
        writeln!(out, "verified: the host matches {}", file.display())?;
    } else if !r.drift.is_empty() {
        writeln!(out, "NOT verified; still different from {}:", file.display())?;
        for op in &r.drift {
            writeln!(out, "  {}", one_line(op))?;
        }
    }
    if r.rolled_back() {
        let bad: Vec<&StepReport> = r.rollback.iter().filter(|s| s.outcome != Outcome::Applied).collect();
        writeln!(
            out,
            "rolled back {} operations{}:",
            r.rollback.len(),
            if bad.is_empty() { "" } else { " (some failed)" }
        )?;
        for s in &r.rollback {
            match &s.outcome {
                Outcome::Failed { error } => writeln!(out, "  FAILED   {}: {error}", one_line(&s.op)),
                _ => writeln!(out, "  undone   {}", one_line(&s.op)),
            }?;
        }
    }
    if !left_alone.is_empty() {
        writeln!(out, "left alone (not in the file): {}", left_alone.join(", "))?;
    }
    Ok(())
}

fn one_line(op: &Op) -> String {
    hostnet_core::plan::op_line(op)
}

/// Finishes an apply that was killed midway, by rolling back what it completed.
fn recover(ctx: &Ctx, rt: &tokio::runtime::Runtime, nl: &Netlink) -> Result<(), ExitCode> {
    let unfinished = ctx.dir.unfinished().map_err(|e| fail(format!("reading the journal: {e}")))?;
    let Some(u) = unfinished else { return Ok(()) };
    let undo = u.undo();
    eprintln!(
        "hostnet: an apply (pid {}) was interrupted after {} of {} operations; rolling back {} operations",
        u.pid,
        u.done.len(),
        u.steps.len(),
        undo.len()
    );
    for s in rt.block_on(nl.run_all(&undo, &ctx.env)) {
        if let Outcome::Failed { error } = &s.outcome {
            eprintln!("  rollback of {} failed: {error}", one_line(&s.op));
        }
    }
    ctx.dir.discard_journal().map_err(fail)?;
    Ok(())
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Records the trial and starts a reverter in its own session, so it outlives the shell (and
/// the SSH connection) that ran `apply --try`.
fn start_trial(ctx: &Ctx, undo: Vec<Op>, secs: u64) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let id = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    );
    let mut pending = Pending { id: id.clone(), deadline: now() + secs, undo, reverter_pid: None };
    if let Err(e) = ctx.dir.set_pending(&pending) {
        return fail(format!("cannot record the trial: {e}"));
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let log = std::fs::File::create(ctx.dir.dir.join("revert.log")).ok();
    let mut cmd = std::process::Command::new(exe);
    cmd.args(&ctx.passthrough).args(["revert-pending", "--id", &id]).stdin(std::process::Stdio::null());
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
    match cmd.spawn() {
        Ok(child) => {
            pending.reverter_pid = Some(child.id());
            let _ = ctx.dir.set_pending(&pending);
            println!("trial: run `hostnet confirm` within {secs}s to keep these changes, or they are reverted");
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("cannot start the reverter: {e}")),
    }
}

pub fn confirm(ctx: &Ctx) -> ExitCode {
    let _lock = match ctx.dir.lock() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    match ctx.dir.pending() {
        Ok(Some(p)) => {
            if let Err(e) = ctx.dir.clear_pending() {
                return fail(e);
            }
            if let Some(pid) = p.reverter_pid {
                // SAFETY: signalling a pid we started; if it already exited, kill fails harmlessly.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
            }
            println!("confirmed: the trial's changes are kept");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("nothing to confirm: no trial is pending");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// The reverter: waits for the deadline, then undoes the trial unless it was confirmed (or
/// replaced by a newer one) meanwhile.
pub fn revert_pending(ctx: &Ctx, id: &str) -> ExitCode {
    loop {
        match ctx.dir.pending() {
            Ok(Some(p)) if p.id == id => {
                let left = p.deadline.saturating_sub(now());
                if left == 0 {
                    break;
                }
                std::thread::sleep(Duration::from_secs(left.min(1)));
            }
            _ => return ExitCode::SUCCESS,
        }
    }
    let _lock = match ctx.dir.lock() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let p = match ctx.dir.pending() {
        Ok(Some(p)) if p.id == id => p,
        _ => return ExitCode::SUCCESS,
    };
    let rt = runtime();
    let results = rt.block_on(async {
        let nl = Netlink::connect()?;
        Ok::<_, hostnet_netlink::Error>(nl.run_all(&p.undo, &ctx.env).await)
    });
    let _ = ctx.dir.clear_pending();
    match results {
        Ok(rs) => {
            for s in rs {
                match s.outcome {
                    Outcome::Failed { error } => println!("FAILED {}: {error}", one_line(&s.op)),
                    _ => println!("reverted {}", one_line(&s.op)),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// Whether the file names `n`, as an interface or as the peer of a declared veth.
/// Every link name the config declares, veth peers included: a set, since every link on the
/// host is looked up in it (a scan per link was quadratic: 8000 links x 12000 declarations).
fn declared_names(config: &hostnet_core::Config) -> std::collections::HashSet<&str> {
    let mut names = std::collections::HashSet::new();
    for i in &config.interfaces {
        names.insert(i.name.as_str());
        if let hostnet_core::model::Kind::Veth(v) = &i.kind {
            names.insert(v.peer.as_str());
        }
    }
    names
}
