//! `hostnet`: declare, plan, apply and inspect Linux host networking. A thin front end: every
//! change goes through `hostnet-engine`'s `Engine` over the kernel adapter (`hostnet-netlink`).

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns `hostnet show | head` into a panic on the first write
    // after head exits; the default action ends the process quietly, as for any Unix filter.
    // SAFETY: setting a signal disposition before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    // A host's state at thousands of links is a few large vectors, built, cloned and freed on
    // every observation. glibc serves blocks that large by mmap and returns them on free, so
    // each build faulted in fresh pages: a sixth of a daemon apply at 2000 links. Kept in the
    // heap and not trimmed, the pages are reused.
    // SAFETY: mallopt only tunes the allocator; called before any thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
    let cli = match cmd::Cli::try_parse() {
        Ok(cli) => cli,
        // clap exits 2 for a usage error; hostnet's scheme (cmd::exit) keeps 2 free and says 64.
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { cmd::EXIT_USAGE } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOSTNET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level(&cli))),
        )
        .with_writer(std::io::stderr)
        // Colour codes would end up verbatim in the journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // The namespace is entered before any thread exists, so every socket lives in it.
    if let Some(ns) = &cli.netns
        && let Err(e) = hostnet_netlink::netns::enter(ns)
    {
        eprintln!("error: {e}");
        return ExitCode::from(cmd::EXIT_FAILED);
    }
    cmd::run(cli)
}

/// The daemon logs what it does (events, drift, repairs) for the journal; commands only warn.
fn default_level(cli: &cmd::Cli) -> &'static str {
    match (cli.verbose, &cli.command) {
        (true, _) => "debug",
        (false, cmd::Command::Daemon { .. }) => "info",
        _ => "warn",
    }
}
