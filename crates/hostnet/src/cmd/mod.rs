//! Command-line surface. Each subcommand is a thin shell over the library crates.

mod check;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "hostnet",
    version,
    about = "Declarative Linux host networking: bonds of bonds, VLANs, bridges, proven to work"
)]
pub struct Cli {
    /// Log what hostnet does (or set HOSTNET_LOG=debug).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate a config file; change nothing.
    Check { file: PathBuf },
    /// Print the ordered operations that would make the host match FILE.
    Plan {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    /// A numbered list of operations.
    Text,
    /// An equivalent iproute2 shell script.
    Ip,
    /// JSON, for programs; each operation with its undo.
    Json,
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check { file } => check::check(&file),
        Command::Plan { file, format } => check::plan(&file, format),
    }
}
