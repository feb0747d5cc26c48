//! `check`, and loading a config for the other commands: no root needed, nothing changed.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use hostnet_core::{Config, LoadError};

pub use super::EXIT_INVALID;
use super::EXIT_NO_INPUT;

/// Loads and validates, printing every problem and warning. `Err` means the caller must exit
/// non-zero.
pub fn load(file: &Path) -> Result<Config, ExitCode> {
    load_with_graph(file, false).map(|(config, _)| config)
}

/// [`load`] of a config meant for this host (`check`, `plan --live`, `apply`): also warns of the
/// link kinds the running kernel cannot make, naming the module.
pub fn load_here(file: &Path) -> Result<Config, ExitCode> {
    load_with_graph(file, true).map(|(config, _)| config)
}

/// [`load`], also returning the dependency graph validation built, for planning.
fn load_with_graph(file: &Path, here: bool) -> Result<(Config, hostnet_core::graph::Graph), ExitCode> {
    let src = read_config(file)?;
    let name = file.display().to_string();
    let (config, graph) = hostnet_core::load_with_graph(&name, &src).map_err(|p| {
        report_load_error(&LoadError::Invalid(p));
        ExitCode::from(EXIT_INVALID)
    })?;
    for w in hostnet_core::warnings(&name, &src, &config) {
        eprintln!("warning: {w}");
    }
    if here {
        let lacking =
            hostnet_netlink::kernel_modules::lacking(&config, &hostnet_netlink::kernel_modules::Modules::running());
        for w in hostnet_core::parse::locate(&name, &src, lacking) {
            eprintln!("warning: {w}");
        }
    }
    Ok((config, graph))
}

/// Reads a config file's text (within the size limit) without validating it.
pub fn read_config(file: &Path) -> Result<String, ExitCode> {
    hostnet_core::read_file(file).map_err(|e| {
        report_load_error(&e);
        if matches!(&e, LoadError::Io(_, io) if io.kind() == std::io::ErrorKind::NotFound)
            && file == Path::new(crate::cli::DEFAULT_CONFIG)
        {
            // A new user typing `hostnet check` may not know a default file is read at all.
            eprintln!(
                "hint: with no FILE, hostnet reads {}; write it (the package installs an example \
                 beside it, hostnet.yaml.example), or name a file: `hostnet check FILE`",
                crate::cli::DEFAULT_CONFIG
            );
        }
        ExitCode::from(match e {
            LoadError::Io(_, io) if io.kind() != std::io::ErrorKind::InvalidData => EXIT_NO_INPUT,
            _ => EXIT_INVALID,
        })
    })
}

fn report_load_error(e: &LoadError) {
    match e {
        LoadError::Io(..) | LoadError::TooLarge(..) | LoadError::NotUtf8 { .. } => eprintln!("error: {e}"),
        // One rendering each: the underlined source for a person at a terminal, and for scripts
        // and logs the plain `file:line:col: field: message` lines.
        LoadError::Invalid(problems) if std::io::stderr().is_terminal() => {
            eprintln!("{:?}", miette::Report::new(problems.clone()));
        }
        LoadError::Invalid(problems) => eprint!("{}", problems.lines()),
    }
}

pub fn check(file: &Path) -> ExitCode {
    match load_here(file) {
        Ok(c) => {
            println!("{}: ok ({} interfaces)", file.display(), c.interfaces.len());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
