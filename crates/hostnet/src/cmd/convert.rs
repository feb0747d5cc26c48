//! `import` and `export`: from and to the distributions' own formats.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hostnet_convert::{Exported, Imported, Lost};

use super::check::{EXIT_INVALID, load};
use super::{EXIT_FAILED, EXIT_NO_INPUT, EXIT_USAGE, ExportFormat, ImportFormat};

pub fn import(format: ImportFormat, files: &[PathBuf]) -> ExitCode {
    if let ImportFormat::Ifupdown = format {
        let default = [PathBuf::from("/etc/network/interfaces")];
        let files = if files.is_empty() { &default[..] } else { files };
        if files.len() != 1 {
            eprintln!("error: ifupdown import takes one file (the files it sources are read with it)");
            return ExitCode::from(EXIT_USAGE);
        }
        return match hostnet_convert::import_ifupdown_path(&files[0]) {
            Ok(imported) => print_imported(&imported),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_INVALID)
            }
        };
    }
    // Directories as netplan reads them; nothing named: netplan's own directories.
    let named: Vec<PathBuf> = if files.is_empty() {
        hostnet_convert::netplan::DIRS.iter().map(PathBuf::from).filter(|d| d.is_dir()).collect()
    } else {
        files.to_vec()
    };
    let files = match hostnet_convert::netplan::files_in(&named) {
        Ok(f) if f.is_empty() => {
            let looked: Vec<String> = if named.is_empty() {
                hostnet_convert::netplan::DIRS.iter().map(|d| d.to_string()).collect()
            } else {
                named.iter().map(|p| p.display().to_string()).collect()
            };
            eprintln!("error: no netplan files (*.yaml) in {}", looked.join(", "));
            return ExitCode::from(EXIT_NO_INPUT);
        }
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: reading the netplan directories: {e}");
            return ExitCode::from(EXIT_NO_INPUT);
        }
    };
    let mut texts = Vec::new();
    for f in &files {
        match std::fs::read_to_string(f) {
            Ok(t) => texts.push((f.display().to_string(), t)),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return ExitCode::from(EXIT_NO_INPUT);
            }
        }
    }
    match hostnet_convert::netplan::import(&texts) {
        Ok(imported) => print_imported(&imported),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}

/// Prints an import as a config file, with what was lost as comments and on stderr; the
/// output must itself pass `check`.
fn print_imported(imported: &Imported) -> ExitCode {
    let yaml = imported.config.to_yaml();
    let mut out = String::from("# Imported by hostnet.\n");
    if !imported.lost.is_empty() {
        out.push_str("# Not carried over:\n");
        for l in &imported.lost {
            out.push_str(&format!("#   {l}\n"));
        }
    }
    out.push_str(&yaml);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    print!("{out}");
    report_lost(&imported.lost);
    // What we print must be a file `check` accepts.
    match hostnet_core::load("(imported)", &out) {
        Ok(_) => ExitCode::SUCCESS,
        Err(p) => {
            eprint!("the imported config does not pass `check`:\n{}", p.lines());
            ExitCode::from(EXIT_FAILED)
        }
    }
}

pub fn export(format: ExportFormat, to: super::export::To, file: &Path, netplan_version: &str) -> ExitCode {
    let version = match hostnet_convert::netplan::parse_version(netplan_version) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --netplan-version: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let config = match load(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (exported, name): (Exported, &str) = match format {
        ExportFormat::Networkd => (hostnet_convert::networkd::export(&config), "networkd"),
        ExportFormat::Netplan => (hostnet_convert::netplan::export_for(&config, version), "netplan"),
        ExportFormat::Ifupdown => (hostnet_convert::ifupdown::export(&config), "ifupdown"),
    };
    // netplan warns about, and may hold secrets in, a file others can read.
    let mode = if matches!(format, ExportFormat::Netplan) { 0o600 } else { 0o644 };
    let code = super::export::deliver(&to, name, &exported.files, mode);
    report_lost(&exported.lost);
    code
}

fn report_lost(lost: &[Lost]) {
    if lost.is_empty() {
        return;
    }
    eprintln!("not carried over ({}):", lost.len());
    for l in lost {
        eprintln!("  {l}");
    }
}
