//! The command line's definition, and nothing else: build.rs includes this file to generate the
//! man pages (one per subcommand) and the shell completions from the same source.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The file the package, the daemon and its unit use; `check`, `plan` and `apply` read it when
/// no FILE is given.
pub const DEFAULT_CONFIG: &str = "/etc/hostnet/hostnet.yaml";

#[derive(Parser, Debug)]
#[command(
    name = "hostnet",
    version,
    about = "Declarative Linux host networking: bonds of bonds, VLANs, bridges, proven to work",
    after_long_help = "Exit status:\n  0   success\n  1   failed; the host is as it was (nothing changed, or every change rolled back)\n  3   an apply failed and left changes in place (--no-rollback, or a rollback step failed)\n  64  the command line cannot be used\n  65  the config (or a file to import) is invalid; nothing changed\n  66  the input file cannot be read; nothing changed\n\nEnvironment:\n  HOSTNET_LOG=LEVEL          log filter (error, info, debug; or per module, as tracing reads it)\n  HOSTNET_NETLINK_STRICT=0   read routes as from a kernel before 4.20, which ignores dump filters\n                             (hostnet then filters itself); for tests and diagnosis"
)]
pub struct Cli {
    /// Log what hostnet does (or set HOSTNET_LOG=debug).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Work inside the network namespace NAME (as made by `ip netns add NAME`).
    #[arg(long, global = true, value_name = "NAME")]
    pub netns: Option<String>,
    /// resolv.conf to manage [default: /etc/resolv.conf, or /etc/netns/NAME/resolv.conf with --netns]
    #[arg(long, global = true, value_name = "PATH")]
    pub resolv_conf: Option<PathBuf>,
    /// Directory for the lock, the journal and pending trials.
    #[arg(long, global = true, value_name = "DIR", default_value = "/run/hostnet")]
    pub state_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate a config file; change nothing.
    Check {
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
    },
    /// Print the ordered operations that would make the host match FILE.
    Plan {
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Plan against this host's live state, or fail. Without --live or --offline, the plan
        /// is against the live host when it can be read, and from an empty host otherwise; it
        /// says which on stderr.
        #[arg(long)]
        live: bool,
        /// Plan from an empty host (for another machine, or a script to keep).
        #[arg(long, conflicts_with = "live")]
        offline: bool,
    },
    /// Show the live state: a table, `--json` (config schema plus status; accepted by `apply`),
    /// or `--yaml` (config only). `show NAME` shows one interface.
    Show {
        #[arg(long, global = true, conflicts_with = "yaml")]
        json: bool,
        #[arg(long, global = true)]
        yaml: bool,
        /// One interface: its row, its bond state if it is a bond, and how to write it.
        name: Option<String>,
        #[command(subcommand)]
        what: Option<ShowWhat>,
    },
    /// Make the host match FILE: plan against the live state, apply in order, verify, and roll
    /// back on failure.
    Apply {
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
        /// Keep what was applied when something fails.
        #[arg(long)]
        no_rollback: bool,
        /// Revert automatically after DURATION (90, 90s, 2m) unless `hostnet confirm` runs first.
        #[arg(long = "try", value_name = "DURATION")]
        try_for: Option<String>,
        /// With --try: confirm by itself once every check passes for 5 s in a row, or roll back
        /// at the deadline. CHECKS: gateway (the default gateways answer ARP/ND), dns (the
        /// config's DNS servers answer), ping:HOST, tcp:HOST:PORT; comma-separated.
        #[arg(long, value_name = "CHECKS", requires = "try_for")]
        confirm_when: Vec<String>,
        /// Boot mode: a missing NIC is reported and the rest applied; nothing is rolled back.
        #[arg(long)]
        boot: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Test hook: fail the N-th operation, to exercise rollback.
        #[arg(long, hide = true, value_name = "N")]
        fail_at: Option<usize>,
        /// Apply here and now even when a daemon runs (the daemon then repairs whatever differs
        /// from its own config).
        #[arg(long)]
        no_daemon: bool,
    },
    /// Keep the changes of a pending `apply --try`.
    Confirm,
    /// Revert the pending `apply --try` now, instead of at its deadline.
    Rollback,
    /// Roll back an apply that was killed midway (every apply and the daemon do this first, by
    /// themselves). With --discard, remove a journal that cannot be read instead: check the
    /// host with `plan --live` first, since what that apply changed stays as it is.
    Recover {
        #[arg(long)]
        discard: bool,
    },
    /// Keep the config true while the host runs: apply it, then follow kernel notifications,
    /// configure links that appear late, repair or report drift, answer `status`, `apply` and
    /// `reload` on /run/hostnet/hostnet.sock. Reloads on SIGHUP.
    Daemon {
        #[arg(long, default_value = DEFAULT_CONFIG, value_name = "FILE")]
        config: PathBuf,
        /// Where DHCP leases are kept across restarts (a subdirectory netns-NAME with --netns).
        #[arg(long, default_value = "/var/lib/hostnet/leases", value_name = "DIR")]
        lease_dir: PathBuf,
        /// Executables run on events (a link configured, drifted, gone or failed; a lease
        /// acquired or lost; an apply), the event as JSON on stdin. Only files owned by root
        /// and writable by no one else run.
        #[arg(long, default_value = "/etc/hostnet/hooks.d", value_name = "DIR")]
        hooks: PathBuf,
        /// How long a hook may run before it is killed (10s, 1m).
        #[arg(long, default_value = "10s", value_name = "DURATION")]
        hook_timeout: String,
    },
    /// Ask the running daemon how each declared interface is: state, drift, recent events,
    /// carrier flaps, bond health.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Wait until the network is online, as the daemon sees it: the config's `online:` contract
    /// (without one, every declared interface configured), or the interfaces named here. Exit 0
    /// once online, 1 at the timeout with what is missing. For scripts and
    /// hostnet-wait-online.service.
    WaitOnline {
        /// Give up after DURATION (90, 90s, 2m).
        #[arg(long, value_name = "DURATION", default_value = "120")]
        timeout: String,
        /// Wait for this interface instead, to reach STATE: carrier, configured (the default),
        /// address, routable or lease. Repeatable.
        #[arg(long = "interface", short = 'i', value_name = "NAME[:STATE]")]
        interfaces: Vec<String>,
        /// One of the named interfaces is enough.
        #[arg(long)]
        any: bool,
    },
    /// Make the running daemon re-read its config file (a bad file changes nothing).
    Reload,
    /// Check the live host for known traps (read-only): hostname on loopback, firewall rules
    /// dropping loopback, LACP bonds seeing two partners, failing bond ports, MTU mismatches...
    Doctor {
        #[arg(long)]
        json: bool,
        /// Sample twice, DURATION apart (30, 30s, 2m), to catch bond ports whose failure count
        /// is rising.
        #[arg(long, value_name = "DURATION")]
        interval: Option<String>,
        /// Listen for LLDP for up to DURATION (30, 30s, 2m) and check the cabling: NICs cabled elsewhere than
        /// their `cabled_to`, NICs hearing no switch, 802.3ad bonds split over two switches that
        /// are not an MLAG pair, failover bonds with every port on one switch.
        #[arg(long, value_name = "DURATION")]
        lldp: Option<String>,
        /// The config whose `cabled_to` expectations are checked (default: the boot config,
        /// when it exists).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Translate a Debian interfaces(5) file or netplan files into a hostnet config (stdout);
    /// what cannot be carried over is listed, never dropped silently.
    Import {
        #[arg(value_enum)]
        format: ImportFormat,
        /// netplan: files or directories, merged in netplan's order (default: /lib/netplan,
        /// /etc/netplan and /run/netplan); ifupdown: one file (default /etc/network/interfaces).
        files: Vec<PathBuf>,
    },
    /// Render a hostnet config for a distribution's own tool, into DIR.
    Export {
        #[arg(long = "to", value_enum)]
        format: ExportFormat,
        /// With --to netplan: the netplan release to write for (Debian 12 ships 0.106);
        /// devices it cannot read are left out, and said so.
        #[arg(long, value_name = "VERSION", default_value = "0.106")]
        netplan_version: String,
        /// Print the files instead of writing them (also: DIR `-`).
        #[arg(long, conflicts_with = "diff")]
        stdout: bool,
        /// Show what writing would change in DIR, as a unified diff, and write nothing; exit 1
        /// when something would change, as diff(1).
        #[arg(long)]
        diff: bool,
        /// Where the files go. hostnet records the files it wrote there (.hostnet-export) and
        /// removes those a later export no longer writes; other files are never touched.
        dir: PathBuf,
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
    },
    /// Build a virtual replica of a design (host, emulated switches, peers), inject faults and
    /// measure loss, outage and recovery per step.
    Lab {
        /// The lab file: host config, switches, cabling, peers (not needed with --throughput).
        #[arg(required_unless_present = "throughput")]
        file: Option<PathBuf>,
        /// Instead of a scenario: per-flow versus aggregate TCP throughput of each bond mode over
        /// two shaped links.
        #[arg(long)]
        throughput: bool,
        /// With --throughput: the rate each emulated link is shaped to.
        #[arg(long, default_value_t = 20, value_name = "MBIT")]
        link_mbit: u32,
        /// With --throughput: parallel flows in the aggregate measurement.
        #[arg(long, default_value_t = 8)]
        flows: u32,
        /// With --throughput: how long each measurement runs (4, 4s, 1m; whole seconds).
        #[arg(long = "duration", alias = "seconds", value_name = "DURATION", default_value = "4s")]
        seconds: String,
        /// With --throughput: the bond modes to measure (default: all seven).
        #[arg(long, value_delimiter = ',')]
        modes: Vec<String>,
        /// A scenario file, or a built-in: one-cable, switch-a, a-then-b-then-one-a, a-then-b-then-one-b.
        #[arg(long, default_value = "one-cable")]
        scenario: String,
        /// Write the full report as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write the timeline plot as SVG.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Run inside the qemu micro-VM (for kernels without bonding).
        #[arg(long)]
        vm: bool,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
        /// Run the scenario K times, each on a fresh replica, and report per step the median,
        /// minimum and maximum.
        #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
        repeat: u32,
    },
    /// Internal: the detached process that reverts an unconfirmed trial.
    #[command(hide = true)]
    RevertPending {
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ShowWhat {
    /// One bond at a glance: mode, options, aggregator, and each port's LACP and MII state;
    /// without NAME, every bond.
    Bond { name: Option<String> },
    /// The switch port each NIC is cabled to, from the LLDP frames the switches send: switch
    /// name, chassis id, port, VLAN. Listens (read-only) until every NIC has heard one or
    /// DURATION (35, 35s, 1m) has passed; switches send every 30 s by default.
    Neighbors {
        #[arg(long, value_name = "DURATION", default_value = "35s")]
        wait: String,
    },
    /// A NIC's changeable features (offloads) with their values, and its queue counts, in the
    /// config schema (`ethtool:`).
    Ethtool { name: String },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    Ifupdown,
    Netplan,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Networkd,
    Netplan,
    Ifupdown,
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
