// Generates the man pages (hostnet(1) and one per subcommand, as git and systemd ship them) and
// the bash, zsh and fish completions from the clap definitions in src/cli.rs, into
// target/<profile>/man and target/<profile>/completions, where cargo-deb picks them up.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

#[path = "src/cli.rs"]
#[allow(dead_code)]
mod cli;

fn main() {
    println!("cargo::rerun-if-changed=src/cli.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // OUT_DIR is target/<profile>/build/hostnet-<hash>/out.
    let profile_dir = out.ancestors().nth(3).expect("OUT_DIR under target/<profile>").to_path_buf();
    let man = profile_dir.join("man");
    let completions = profile_dir.join("completions");
    std::fs::create_dir_all(&man).expect("create man dir");
    std::fs::create_dir_all(&completions).expect("create completions dir");

    let cmd = cli::Cli::command();
    write_man(&man, "hostnet", cmd.clone());
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("hostnet-{}", sub.get_name());
        write_man(
            &man,
            &name,
            sub.clone().name(Box::leak(name.clone().into_boxed_str()) as &str).version(env!("CARGO_PKG_VERSION")),
        );
    }
    let mut cmd = cmd;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "hostnet", &completions).expect("write completions");
    }
}

fn write_man(dir: &Path, name: &str, cmd: clap::Command) {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf).expect("render man page");
    std::fs::write(dir.join(format!("{name}.1")), buf).expect("write man page");
}
