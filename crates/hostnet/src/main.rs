//! `hostnet`: declare, plan, apply and inspect Linux host networking.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOSTNET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(if cli.verbose { "debug" } else { "warn" })),
        )
        .with_writer(std::io::stderr)
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
