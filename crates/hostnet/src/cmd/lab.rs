//! `hostnet lab`: run a fault scenario on a virtual replica of a design.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use hostnet_lab::LabError;
use hostnet_lab::repeat::LabResult;
use hostnet_lab::scenario::Scenario;
use hostnet_lab::topology::Topology;

use super::{fail, runtime};

pub struct LabArgs {
    pub file: PathBuf,
    pub scenario: String,
    pub json: Option<PathBuf>,
    pub svg: Option<PathBuf>,
    pub vm: bool,
    pub quiet: bool,
    pub repeat: usize,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn scenario_for(t: &Topology, name: &str) -> Result<Scenario, LabError> {
    let p = Path::new(name);
    if p.exists() {
        return Scenario::load(p);
    }
    let with_ports: Vec<_> = t.switches.iter().filter(|s| !s.ports.is_empty()).collect();
    let a = with_ports.first().ok_or_else(|| LabError::Input("the lab has no switch with host ports".into()))?;
    let (b_ports, b_name) = with_ports.get(1).map(|b| (b.ports.clone(), b.name.clone())).unwrap_or_default();
    Scenario::builtin(name, &a.ports, &b_ports, &a.name, &b_name).ok_or_else(|| {
        LabError::Input(format!(
            "no scenario file or built-in scenario `{name}` (built-ins: {})",
            Scenario::BUILTINS.join(", ")
        ))
    })
}

pub fn lab(a: LabArgs) -> ExitCode {
    let (t, host) = match Topology::load(&a.file) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let scenario = match scenario_for(&t, &a.scenario) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let report = if a.vm {
        match in_vm(&a, &t, &scenario) {
            Ok(r) => r,
            Err(e) => return fail(e),
        }
    } else {
        // SAFETY: installing an async-signal-safe handler that only stores to an atomic.
        unsafe {
            libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
            libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        }
        let run = hostnet_lab::run::run_repeated(&t, &host, &scenario, a.repeat, !a.quiet, &INTERRUPTED);
        match runtime().block_on(run) {
            Ok(r) => r,
            Err(e) => return fail(format!("lab: {e}\n(the replica has been removed)")),
        }
    };
    print!("{}", hostnet_lab::text::render(&report));
    if let Some(p) = &a.json
        && let Err(e) = std::fs::write(p, serde_json::to_string_pretty(&report).expect("serializable") + "\n")
    {
        return fail(format!("{}: {e}", p.display()));
    }
    if let Some(p) = &a.svg
        && let Some(first) = report.runs.first()
        && let Err(e) = std::fs::write(
            p,
            hostnet_lab::svg::timeline(first, &hostnet_lab::svg::design_line(&host), &a.file.display().to_string()),
        )
    {
        return fail(format!("{}: {e}", p.display()));
    }
    ExitCode::SUCCESS
}

/// Runs the same lab inside the qemu micro-VM (a kernel with bonding), returning its report.
fn in_vm(a: &LabArgs, t: &Topology, scenario: &Scenario) -> Result<LabResult, String> {
    let host_path = a.file.parent().unwrap_or(Path::new(".")).join(&t.host);
    let mut lab_copy = t.clone();
    lab_copy.host = PathBuf::from("host.yaml");
    let files = vec![
        ("host.yaml", std::fs::read_to_string(&host_path).map_err(|e| format!("{}: {e}", host_path.display()))?),
        ("lab.yaml", serde_json::to_string(&lab_copy).map_err(|e| e.to_string())?),
        ("scenario.yaml", serde_json::to_string(scenario).map_err(|e| e.to_string())?),
    ];
    let args = format!("lab /cfg/lab.yaml --scenario /cfg/scenario.yaml --repeat {}", a.repeat);
    // Each run builds, settles (up to the settle timeout) and plays the scenario.
    let per_run = 120 + t.settle.timeout_ms / 1000 + scenario_secs(scenario);
    let json = run_in_vm(&args, &files, 60 + per_run * a.repeat as u64)?;
    serde_json::from_str(&json).map_err(|e| format!("report from the VM: {e}"))
}

/// Runs `hostnet ARGS --json FILE` in the VM with `files` under /cfg; returns the JSON it wrote.
fn scenario_secs(s: &Scenario) -> u64 {
    s.steps
        .iter()
        .filter_map(|st| match st {
            hostnet_lab::scenario::Step::Wait(d) => hostnet_lab::scenario::parse_duration(d).ok(),
            _ => None,
        })
        .map(|d| d.as_secs() + 1)
        .sum()
}

fn run_in_vm(args: &str, files: &[(&str, String)], timeout_secs: u64) -> Result<String, String> {
    let harness = find_harness().ok_or("vm/hostnet-vm not found (set HOSTNET_VM_HARNESS)")?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // mkdtemp: a fresh directory of ours, never one a user made at a guessable name.
    let tmpdir = tempfile::Builder::new().prefix("hostnet-labvm-").tempdir().map_err(|e| e.to_string())?;
    let tmp = tmpdir.path();
    let mut cmd = std::process::Command::new(harness);
    cmd.args(["--bin", &exe.display().to_string(), "--timeout", &timeout_secs.to_string()]);
    for (name, text) in files {
        std::fs::write(tmp.join(name), text).map_err(|e| e.to_string())?;
        cmd.args(["--file", &format!("{}=/cfg/{name}", tmp.join(name).display())]);
    }
    let script = format!(
        "hostnet {args} --json /tmp/report.json >&2\necho '=== REPORT'\ncat /tmp/report.json\necho\necho '=== END'\n"
    );
    std::fs::write(tmp.join("run.sh"), script).map_err(|e| e.to_string())?;
    let out = cmd
        .arg(tmp.join("run.sh"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("running the VM: {e}"));
    drop(tmpdir);
    let console = String::from_utf8_lossy(&out?.stdout).replace('\r', "");
    console
        .split("=== REPORT\n")
        .nth(1)
        .and_then(|r| r.split("\n=== END").next())
        .map(|j| j.trim().to_string())
        .filter(|j| !j.is_empty())
        .ok_or_else(|| vm_failure(&console))
}

/// Why the lab in the VM gave no report: hostnet's own error (with the lines that follow it),
/// or the whole console when hostnet never got to say anything.
fn vm_failure(console: &str) -> String {
    match console.find("error: ") {
        Some(i) => {
            let text = &console[i + "error: ".len()..];
            let end = text.find("\n=== REPORT").or_else(|| text.find("HOSTNET-VM-EXIT")).unwrap_or(text.len());
            text[..end].trim_end().to_string()
        }
        None => format!("the lab in the VM produced no report:\n{console}"),
    }
}

pub struct ThroughputArgs {
    pub link_mbit: u32,
    pub flows: u32,
    pub seconds: u64,
    pub modes: Vec<String>,
    pub json: Option<PathBuf>,
    pub vm: bool,
    pub quiet: bool,
}

pub fn throughput(a: ThroughputArgs) -> ExitCode {
    use hostnet_core::model::BondMode;
    let modes: Result<Vec<BondMode>, String> =
        if a.modes.is_empty() { Ok(BondMode::ALL.to_vec()) } else { a.modes.iter().map(|m| m.parse()).collect() };
    let modes = match modes {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let results: Vec<hostnet_lab::throughput::ModeResult> = if a.vm {
        let names: Vec<String> = modes.iter().map(|m| m.to_string()).collect();
        let args = format!(
            "lab --throughput -q --link-mbit {} --flows {} --duration {}s --modes {}",
            a.link_mbit,
            a.flows,
            a.seconds,
            names.join(",")
        );
        match run_in_vm(&args, &[], 900).and_then(|j| serde_json::from_str(&j).map_err(|e| e.to_string())) {
            Ok(r) => r,
            Err(e) => return fail(e),
        }
    } else {
        let s = hostnet_lab::throughput::Settings { link_mbit: a.link_mbit, flows: a.flows, seconds: a.seconds, modes };
        match runtime().block_on(hostnet_lab::throughput::measure(&s, !a.quiet)) {
            Ok(r) => r,
            Err(e) => return fail(format!("lab: {e}\n(the replica has been removed)")),
        }
    };
    print!("{}", hostnet_lab::throughput::table(&results));
    if let Some(p) = &a.json
        && let Err(e) = std::fs::write(p, serde_json::to_string_pretty(&results).expect("serializable") + "\n")
    {
        return fail(format!("{}: {e}", p.display()));
    }
    ExitCode::SUCCESS
}

fn find_harness() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("HOSTNET_VM_HARNESS") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let mut candidates = vec![PathBuf::from("vm/hostnet-vm")];
    // target/{debug,release}/hostnet inside a checkout
    if let Some(root) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
        candidates.push(root.join("vm/hostnet-vm"));
    }
    candidates.push(PathBuf::from("/usr/lib/hostnet/hostnet-vm"));
    candidates.into_iter().find(|p| p.exists())
}
