//! hostnet against systemd-networkd on the same OS image (issue 28, item 9): one guest of
//! vm/hostnet-os carries both managers' files for the seed's design, and boots alternately
//! under one and the other. Measured per boot: the manager unit's start to
//! network-online.target. Then, with 1000 dummy links declared to each: the idle daemon's RSS and
//! CPU, and its CPU for carrier changes of those links. Writes a results file under
//! bench/results/ and prints it.
//!
//!     cargo bench -p hostnet --bench os_networkd [-- ROUNDS [LOAD_ROUNDS]]   (5 and 2)
//!
//! Runs in minutes under KVM and about an hour under TCG; the file says which was used.

#[path = "../../tests/support/os.rs"]
#[allow(dead_code)]
mod os;

mod guest;

use std::fmt::Write as _;

use guest::{BOOT_MEASURE, HOSTNET_1000, LOAD_MEASURE, NETWORKD_1000, NETWORKD_SEED, USE_MANAGER};
use os::{Disk, NEEDS_NETWORK, Os, SEED};

const MANAGERS: [&str; 2] = ["hostnet", "networkd"];

/// What one boot measured, by name (`took_ms=1234` lines of the guest scripts).
#[derive(Default, Clone)]
struct Sample(Vec<(String, f64)>);

impl Sample {
    fn parse(out: &str) -> Sample {
        Sample(
            out.split_whitespace()
                .filter_map(|w| w.split_once('='))
                .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
                .collect(),
        )
    }
    fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// A table row: median and min-max of each manager's values, then hostnet's median over
/// networkd's (the target is a ratio at or below 1).
fn row(out: &mut String, what: &str, runs: &[(&str, Sample)], key: &str) {
    let of = |m: &str| -> Vec<f64> { runs.iter().filter(|(n, _)| *n == m).filter_map(|(_, s)| s.get(key)).collect() };
    let (h, n) = (of("hostnet"), of("networkd"));
    let cell = |v: &[f64]| {
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{:.1} ({:.1}–{:.1}, n={})", median(v), min, max, v.len())
    };
    let _ = writeln!(out, "| {what} | {} | {} | **{:.2}** |", cell(&h), cell(&n), median(&h) / median(&n));
}

fn main() {
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rounds = numbers.first().copied().unwrap_or(5);
    let load_rounds = numbers.get(1).copied().unwrap_or(2);
    let _one = os::exclusive();
    let deb = os::deb();
    let files = vec![
        ("/root/seed.yaml", SEED.to_string()),
        ("/etc/systemd/system/needs-network.service", NEEDS_NETWORK.to_string()),
        ("/root/networkd-seed.sh", NETWORKD_SEED.to_string()),
        ("/root/networkd-1000.sh", NETWORKD_1000.to_string()),
        ("/root/use-manager", USE_MANAGER.to_string()),
        ("/root/boot-measure", BOOT_MEASURE.to_string()),
        ("/root/load-measure", LOAD_MEASURE.to_string()),
    ];
    let mut vm = Os::boot("bench", Disk { debs: vec![&deb], files }, &[]);
    eprintln!("OS VM accel: {}", vm.accel);
    let about = vm.ok(
        "set -e
         dpkg -i /root/hostnet_*.deb >/dev/null
         cp /root/seed.yaml /etc/hostnet/hostnet.yaml
         bash /root/networkd-seed.sh
         chmod +x /root/use-manager /root/boot-measure /root/load-measure
         systemctl enable -q needs-network
         # One manager per host: ifupdown's networking.service (lo only here) runs under neither,
         # nor its udev hook, which runs ifquery for every new link (minutes for 1000 under TCG).
         systemctl disable -q networking.service
         ln -s /dev/null /etc/udev/rules.d/80-ifupdown.rules
         echo \"kernel: $(uname -r); systemd: $(systemctl --version | head -1); hostnet: $(dpkg-query -W -f '${Version}' hostnet)\"",
    );

    // Boots alternate between the managers, so a drift of the machine's speed hits both alike.
    let mut boots: Vec<(&str, Sample)> = Vec::new();
    let mut log = String::new();
    for round in 1..=rounds {
        for m in MANAGERS {
            vm.ok(&format!("/root/use-manager {m}"));
            vm.reboot(&[]);
            let out = vm.ok(&format!("/root/boot-measure {m}"));
            let (measured, why) = out.split_once("\n---").unwrap_or((&out, ""));
            eprintln!("round {round} {m}: {measured}\n---{why}");
            let _ = writeln!(log, "| {round} | {m} | {} |", measured.trim());
            boots.push((m, Sample::parse(measured)));
        }
    }

    // 1000 dummy links, each with an address, declared to both managers beside the seed.
    vm.ok(HOSTNET_1000);
    vm.ok("bash /root/networkd-1000.sh");
    let mut loads: Vec<(&str, Sample)> = Vec::new();
    for round in 1..=load_rounds {
        for m in MANAGERS {
            vm.ok(&format!("/root/use-manager {m}"));
            vm.reboot(&[]);
            let (rc, boot) = vm.run_for(&format!("/root/boot-measure {m}"), std::time::Duration::from_secs(1800));
            assert_eq!(rc, 0, "boot-measure {m} failed:\n{boot}");
            let load = vm.run_for(&format!("/root/load-measure {m}"), std::time::Duration::from_secs(1800));
            assert_eq!(load.0, 0, "load-measure {m} failed:\n{}", load.1);
            let line = format!("{} {}", boot.split("\n---").next().unwrap_or("").trim(), load.1.trim());
            eprintln!("1000 links, round {round} {m}: {line}");
            let _ = writeln!(log, "| 1000 links {round} | {m} | {line} |");
            loads.push((m, Sample::parse(&line)));
        }
    }

    let mut out = String::new();
    let date = std::process::Command::new("date").arg("+%Y-%m-%d %H:%M UTC").output().unwrap().stdout;
    let _ = writeln!(
        out,
        "# hostnet vs systemd-networkd on the same OS image ({})\n",
        String::from_utf8_lossy(&date).trim()
    );
    let _ = writeln!(out, "    cargo bench -p hostnet --bench os_networkd -- {rounds} {load_rounds}\n");
    let _ = writeln!(
        out,
        "Guest: vm/hostnet-os (Debian bookworm, 2 vCPU host), accel **{}**; {}\n",
        vm.accel,
        about.trim()
    );
    let _ = writeln!(out, "Medians, with min–max and the number of samples; the ratio is hostnet over networkd.\n");
    let _ = writeln!(out, "| measure | hostnet | networkd | ratio |\n|---|---|---|---|");
    row(&mut out, "seed: unit start → network-online (ms)", &boots, "took_ms");
    row(&mut out, "seed: kernel start → network-online (ms)", &boots, "online_ms");
    row(&mut out, "1000 links: unit start → network-online (ms)", &loads, "took_ms");
    row(&mut out, "1000 links: idle RSS (KiB)", &loads, "rss_kib");
    row(&mut out, "1000 links: idle CPU (ms per minute)", &loads, "idle_cpu_ms_per_min");
    row(&mut out, "1000 links: CPU per 1000 carrier changes (ms)", &loads, "event_cpu_ms_per_1000");
    let _ = writeln!(out, "\nEvery run, in the order taken:\n\n| round | manager | measured |\n|---|---|---|\n{log}");
    print!("{out}");
    let day = String::from_utf8_lossy(&date).split_whitespace().next().unwrap_or("today").to_string();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../bench/results/os-networkd-{day}.md"));
    std::fs::write(&path, &out).expect("write the results file");
    eprintln!("written to {}", path.display());
}
