//! `daemon`, `status`, `reload`, and the client half of `apply` through a running daemon.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use hostnet_daemon::protocol::{ClientError, Request, Response, request, request_file, socket_path};
use hostnet_daemon::status::{Status, render};

use super::apply::Ctx;
use super::check::EXIT_INVALID;
use super::{EXIT_FAILED, fail, runtime};

/// Long enough for a whole-host apply of thousands of links on a slow machine.
const APPLY_TIMEOUT: Duration = Duration::from_secs(900);
const QUICK_TIMEOUT: Duration = Duration::from_secs(60);

pub fn daemon(
    ctx: &Ctx,
    config: &Path,
    lease_dir: std::path::PathBuf,
    hooks: std::path::PathBuf,
    hook_timeout: Duration,
) -> ExitCode {
    // The CLI dies of SIGPIPE like any filter (main.rs); the daemon must not: a hook that exits
    // before reading its event, or a client gone before its answer, would take it down.
    // SAFETY: setting a signal's disposition to ignore has no preconditions.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let opts = hostnet_daemon::DaemonOptions {
        config: config.to_path_buf(),
        env: ctx.env.clone(),
        dir: ctx.dir.clone(),
        lease_dir,
        hooks: Some(hooks),
        hook_timeout,
    };
    match runtime().block_on(hostnet_daemon::run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(hostnet_daemon::StartError::Config(e)) => {
            for line in e.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(EXIT_INVALID)
        }
        Err(e) => fail(e),
    }
}

/// Sends `req` to the daemon of this namespace; `None` when no daemon runs.
pub fn ask(ctx: &Ctx, req: &Request, timeout: Duration) -> Option<Result<Response, ClientError>> {
    running(request(&socket_path(&ctx.dir.dir), req, timeout))
}

/// A daemon's answer; `None` when no daemon runs.
fn running(asked: Result<Response, ClientError>) -> Option<Result<Response, ClientError>> {
    match asked {
        Err(ClientError::NotRunning) => None,
        other => Some(other),
    }
}

/// Prints a failed response the way one-shot commands print errors; returns the exit code.
pub fn refused(ctx: &Ctx, r: &Response) -> ExitCode {
    let said = ctx.localize(r.error.as_deref().unwrap_or("the daemon refused without saying why"));
    for line in said.lines() {
        eprintln!("error: {line}");
    }
    ExitCode::from(if r.invalid { EXIT_INVALID } else { EXIT_FAILED })
}

pub fn status(ctx: &Ctx, json: bool) -> ExitCode {
    let r = match ask(ctx, &Request::Status, QUICK_TIMEOUT) {
        None => {
            return fail(
                "no hostnet daemon is running (start it with `hostnet daemon` or its unit); `hostnet show` reads the host without one",
            );
        }
        Some(Err(e)) => return fail(e),
        Some(Ok(r)) if !r.ok => return refused(ctx, &r),
        Some(Ok(r)) => r,
    };
    let value = r.result.unwrap_or_default();
    if json {
        println!("{}", serde_json::to_string_pretty(&value).expect("serializable"));
        return ExitCode::SUCCESS;
    }
    match serde_json::from_value::<Status>(value) {
        Ok(s) => {
            print!("{}", render(&s));
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("unreadable status from the daemon: {e}")),
    }
}

pub fn reload(ctx: &Ctx) -> ExitCode {
    match ask(ctx, &Request::Reload, APPLY_TIMEOUT) {
        None => fail("no hostnet daemon is running"),
        Some(Err(e)) => fail(e),
        Some(Ok(r)) if !r.ok => refused(ctx, &r),
        Some(Ok(_)) => {
            println!("reloaded");
            ExitCode::SUCCESS
        }
    }
}

/// `apply` through the daemon. `None`: no daemon runs, so the caller applies one-shot.
pub fn apply(ctx: &Ctx, file: &Path, a: &super::apply::ApplyArgs) -> Option<ExitCode> {
    let req = |config| Request::Apply {
        config,
        source: file.display().to_string(),
        try_secs: a.try_secs,
        no_rollback: a.no_rollback,
        fail_at: a.fail_at,
    };
    // A regular file goes as its descriptor, and the daemon reads it; anything else (standard
    // input, a pipe) is read here and sent as text.
    let regular = std::fs::File::open(file).ok().filter(|f| f.metadata().is_ok_and(|m| m.is_file()));
    let asked = match regular {
        Some(f) => running(request_file(&socket_path(&ctx.dir.dir), &req(String::new()), &f, APPLY_TIMEOUT))?,
        None => {
            let text = match super::check::read_config(file) {
                Ok(t) => t,
                Err(code) => return Some(code),
            };
            ask(ctx, &req(text), APPLY_TIMEOUT)?
        }
    };
    let r = match asked {
        Err(e) => return Some(fail(e)),
        Ok(r) if !r.ok => return Some(refused(ctx, &r)),
        Ok(r) => r,
    };
    let applied: hostnet_engine::Applied = match serde_json::from_value(r.result.unwrap_or_default()) {
        Ok(a) => a,
        Err(e) => return Some(fail(format!("unreadable report from the daemon: {e}"))),
    };
    super::apply::print_applied(ctx, &applied, file, a.json);
    if !a.json && applied.report.failed().next().is_some() && applied.succeeded(true) {
        println!("the daemon configures the missing NICs when they appear (`hostnet status` shows them)");
    }
    Some(super::apply::exit_code(&applied, true))
}

/// `confirm` through the daemon, so that its status stops showing the trial at once.
pub fn confirm(ctx: &Ctx) -> Option<ExitCode> {
    match ask(ctx, &Request::Confirm, QUICK_TIMEOUT)? {
        Err(e) => Some(fail(e)),
        Ok(r) if !r.ok => Some(refused(ctx, &r)),
        Ok(r) => {
            let found = r.result.and_then(|mut v| serde_json::from_value(v.get_mut("found")?.take()).ok());
            Some(super::apply::say_confirmed(found.unwrap_or(hostnet_engine::Confirmed::NothingPending)))
        }
    }
}

/// `rollback` through the daemon, which also stops keeping the trial's config true.
pub fn rollback(ctx: &Ctx) -> Option<ExitCode> {
    match ask(ctx, &Request::Rollback, QUICK_TIMEOUT)? {
        Err(e) => Some(fail(e)),
        Ok(r) if !r.ok => Some(refused(ctx, &r)),
        Ok(r) => {
            let steps: Option<Vec<hostnet_engine::StepReport>> =
                r.result.and_then(|mut v| serde_json::from_value(v.get_mut("reverted")?.take()).ok());
            Some(super::apply::say_rolled_back(steps.as_deref()))
        }
    }
}
