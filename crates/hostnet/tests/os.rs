//! The real-server journey in an OS-level VM (vm/hostnet-os): Debian with systemd as PID 1,
//! hostnet installed from the .deb this checkout builds, taking over from the network manager
//! that was there, and rebooted. Ignored by a plain `cargo test`; the README's test command runs
//! them, and they fail when the VM cannot run.

mod support;

use support::os::{Disk, NEEDS_NETWORK, Os, SEED, deb, deb_version, exclusive};

/// What must hold after every boot of the seed's design: every port enslaved (pulled cables
/// too), both switches' aggregators formed where cables are in, the peer reachable on both
/// networks, and hostnet finding nothing to change.
const SEED_HOLDS: &str = r#"
set -e
for i in $(seq 60); do
  if ping -c1 -W1 10.0.0.1 >/dev/null 2>&1 && ping -c1 -W1 10.100.0.1 >/dev/null 2>&1; then break; fi
  sleep 1
done
ping -c1 -W2 10.0.0.1; ping -c1 -W2 10.100.0.1
systemctl is-active hostnetd
grep -q 'Slave Interface: e1p1' /proc/net/bonding/idmz1
grep -q 'Slave Interface: e1p2' /proc/net/bonding/idmz1
grep -q 'Slave Interface: e2p1' /proc/net/bonding/idmz2
grep -q 'Slave Interface: e2p2' /proc/net/bonding/idmz2
grep -q 'Slave Interface: idmz1' /proc/net/bonding/idmz
grep -q 'Slave Interface: idmz2' /proc/net/bonding/idmz
hostnet plan --live | tee /tmp/plan
grep -q 'nothing to do' /tmp/plan
hostnet wait-online --timeout 5
hostnet status | head -3
systemctl is-system-running --wait || systemctl --failed --no-pager
echo "first ping: $(grep -c '^ok' /var/log/first-ping) ok of $(wc -l < /var/log/first-ping) boots"
# From the daemon's start to its READY=1, as systemd saw them.
start=$(systemctl show hostnetd -p ExecMainStartTimestampMonotonic --value)
ready=$(systemctl show hostnetd -p ActiveEnterTimestampMonotonic --value)
echo "online after: $(( (ready - start) / 1000 )) ms"
echo === show
hostnet show --yaml
"#;

#[test]
#[ignore = "needs the OS-level VM (vm/hostnet-os)"]
fn the_seed_design_comes_up_on_every_boot_with_every_port_enslaved() {
    let _one = exclusive();
    let deb = deb();
    let files = vec![
        ("/root/seed.yaml", SEED.to_string()),
        ("/etc/systemd/system/needs-network.service", NEEDS_NETWORK.to_string()),
    ];
    let mut os = Os::boot("seed", Disk { debs: vec![&deb], files }, &[]);
    eprintln!("OS VM accel: {}", os.accel);
    // The first boot had no hostnet: the unit ran before any network existed.
    // README's install section, as written: the package from target/debian/, then the daemon.
    let install = support::os::readme_command("dpkg -i");
    let enable = support::os::readme_command("enable --now hostnetd");
    os.ok(&format!(
        "set -e; mkdir -p /root/target/debian && mv /root/hostnet_*.deb /root/target/debian/ && cd /root
         {install}
         cp /root/seed.yaml /etc/hostnet/hostnet.yaml && systemctl enable needs-network
         {enable}
         : > /var/log/first-ping"
    ));
    os.reboot(&[]);
    let first = os.ok(SEED_HOLDS);
    eprintln!(
        "boot 2: {}",
        first
            .lines()
            .filter(|l| l.starts_with("online after") || l.starts_with("first ping"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    assert!(first.contains("first ping: 1 ok of 1 boots"), "{first}");
    let want = first.split("=== show\n").nth(1).unwrap().to_string();
    // Boots 3-7 under hostnet; on the 3rd, 5th and 7th one cable of each switch is out while
    // the host boots (degraded bonds count as up).
    for boot in 3..=7 {
        let pulled: &[usize] = if boot % 2 == 1 { &[1, 3] } else { &[] };
        os.reboot(pulled);
        let got = os.ok(SEED_HOLDS);
        eprintln!(
            "boot {boot}: {}",
            got.lines()
                .filter(|l| l.starts_with("online after") || l.starts_with("first ping"))
                .collect::<Vec<_>>()
                .join("; ")
        );
        assert!(
            got.contains(&format!("first ping: {n} ok of {n} boots", n = boot - 1)),
            "boot {boot}: a unit after network-online.target found no network:\n{got}"
        );
        assert_eq!(
            got.split("=== show\n").nth(1).unwrap(),
            want,
            "boot {boot}: the network differs from the first boot"
        );
        if !pulled.is_empty() {
            // The ports without carrier at boot were enslaved; plugged in, they join their
            // aggregator.
            for n in pulled {
                os.set_link(*n, true);
            }
            os.ok(r#"for i in $(seq 30); do
                     [ "$(grep -c 'MII Status: up' /proc/net/bonding/idmz1)" = 3 ] &&
                     [ "$(grep -c 'MII Status: up' /proc/net/bonding/idmz2)" = 3 ] && exit 0
                     sleep 1
                   done
                   cat /proc/net/bonding/idmz1 /proc/net/bonding/idmz2; exit 1"#);
        }
    }
    assert_eq!(os.boots, 7);
}

/// A server as Debian's installer and a sysadmin leave it: ifupdown with a bond, a VLAN on it
/// in a file of its own under interfaces.d, a bridge, a static route and the default gateway.
const INTERFACES: &str = r#"# interfaces(5) file used by ifup(8) and ifdown(8)
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto bond0
iface bond0 inet static
    address 10.0.0.20/24
    gateway 10.0.0.1
    bond-slaves ens16 ens17
    bond-mode 802.3ad
    bond-miimon 100
    bond-lacp-rate fast
    dns-nameservers 10.0.0.1
    dns-search lab.test
    up ip route add 192.0.2.0/24 via 10.0.0.1
    down ip route del 192.0.2.0/24 via 10.0.0.1

auto br0
iface br0 inet static
    address 10.200.0.20/24
    bridge_ports ens18
    bridge_stp off
    bridge_fd 0
"#;

const INTERFACES_VLAN: &str = r#"auto bond0.100
iface bond0.100 inet static
    address 10.100.0.20/24
    vlan-raw-device bond0
"#;

/// The network as it matters to a server: IPv4 addresses, routes (who added them aside), the
/// bond's ports and both peers reachable.
const NETWORK: &str = r#"
set -e
# The agent starts early in boot: wait for the boot (networking.service included) to finish.
systemctl is-system-running --wait >/dev/null 2>&1 || true
for i in $(seq 60); do ping -c1 -W1 10.0.0.1 >/dev/null 2>&1 && break; sleep 1; done
ping -c1 -W2 10.0.0.1 >/dev/null; ping -c1 -W2 10.100.0.1 >/dev/null
echo === network
ip -4 -br addr | sort
ip -4 route | sed -e 's/ proto [a-z]*//' -e 's/ *$//' | sort
grep 'Slave Interface' /proc/net/bonding/bond0 | sort
ip -br link | awk '{print $1}' | grep -v "^lo$" | sort
"#;

fn network(out: &str) -> &str {
    out.split("=== network\n").nth(1).unwrap_or_else(|| panic!("no network section:\n{out}"))
}

#[test]
#[ignore = "needs the OS-level VM (vm/hostnet-os)"]
fn an_ifupdown_server_moves_to_hostnet_and_keeps_its_network_across_a_reboot() {
    let _one = exclusive();
    let deb = deb();
    let files = vec![
        ("/etc/network/interfaces", INTERFACES.to_string()),
        ("/etc/network/interfaces.d/vlan100", INTERFACES_VLAN.to_string()),
    ];
    let mut os = Os::boot("ifupdown", Disk { debs: vec![&deb], files }, &[]);
    eprintln!("OS VM accel: {}", os.accel);
    let before = os.ok(NETWORK);
    let want = network(&before).to_string();
    assert!(want.contains("192.0.2.0/24 via 10.0.0.1 dev bond0"), "ifupdown did not set the route up:\n{want}");

    // The takeover, as README tells it: import, check, a trial that confirms itself.
    let took = os.ok(r#"set -e
        dpkg -i /root/hostnet_*.deb >/dev/null
        hostnet import ifupdown /etc/network/interfaces > /etc/hostnet/hostnet.yaml 2> /tmp/import.err
        cat /etc/hostnet/hostnet.yaml; echo "--- import said:"; cat /tmp/import.err
        hostnet check
        hostnet plan --live
        # systemd-resolved owns resolv.conf here: the servers go to it per link, and a trial
        # rolled back hands the link back as it was, the symlink untouched.
        hostnet apply --try 2m >/dev/null
        echo "during the trial: $(resolvectl dns bond0)"
        hostnet rollback
        echo "after rollback: $(resolvectl dns bond0)"
        hostnet apply --try 2m --confirm-when gateway,dns,ping:10.0.0.1,ping:10.100.0.1
        echo "kept: $(resolvectl dns bond0); $(resolvectl domain bond0)"
        echo "resolv.conf: $(readlink /etc/resolv.conf)"
        echo "gw: $(getent hosts gw.hostnet.test)"
        systemctl disable networking.service
        systemctl enable hostnetd"#);
    eprintln!("{took}");
    assert!(!took.contains("not carried over"), "the import lost something:\n{took}");
    assert!(took.contains("confirming"), "{took}");
    let line =
        |p: &str| took.lines().find(|l| l.starts_with(p)).unwrap_or_else(|| panic!("no {p}:\n{took}")).to_string();
    assert!(line("during the trial:").contains("10.0.0.1"), "{took}");
    assert!(!line("after rollback:").contains("10.0.0.1"), "the rollback left resolved's DNS:\n{took}");
    assert!(line("kept:").contains("10.0.0.1") && line("kept:").contains("lab.test"), "{took}");
    assert_eq!(line("resolv.conf:"), "resolv.conf: ../run/systemd/resolve/stub-resolv.conf");
    assert!(line("gw:").contains("10.0.0.1"), "name resolution through resolved and the peer's DNS:\n{took}");
    let after = os.ok(NETWORK);
    assert_eq!(network(&after), want, "hostnet's apply changed the network ifupdown had made");

    // A later change that would cut the host off its gateway rolls back by itself.
    let (rc, cut) = os.run(
        "sed 's/10\\.0\\.0\\./10.9.0./g' /etc/hostnet/hostnet.yaml > /root/cut.yaml
         hostnet apply --try 40 --confirm-when gateway /root/cut.yaml",
    );
    assert_eq!(rc, 1, "{cut}");
    assert!(cut.contains("10.9.0.1 did not answer ARP/ND") && cut.contains("rolled back the trial"), "{cut}");
    assert_eq!(network(&os.ok(NETWORK)), want, "after the cut trial rolled back");

    os.reboot(&[]);
    let rebooted = os.ok(NETWORK);
    assert_eq!(network(&rebooted), want, "after the reboot, under hostnetd");
    os.ok("systemctl is-active hostnetd && ! systemctl is-active networking");
    assert!(os.ok("hostnet plan --live").contains("nothing to do"));
    let dns = os.ok("resolvectl dns bond0; test -L /etc/resolv.conf");
    assert!(dns.contains("10.0.0.1"), "hostnetd did not give resolved the servers at boot:\n{dns}");
}

/// Install, the same version again, an upgrade, remove and purge, with hostnetd running.
const LIFECYCLE: &str = r#"
set -e
dpkg -i /root/hostnet_0.1.0-1_amd64.deb >/dev/null
cat > /etc/hostnet/hostnet.yaml <<'YAML'
interfaces:
  - name: ens16
    ethernet: {}
  - name: ens17
    ethernet: {}
  - name: bond0
    bond: { mode: 802.3ad, ports: [ens16, ens17], miimon: 100, lacp_rate: fast }
    addresses: [10.0.0.30/24]
online:
  interfaces: { bond0: routable }
YAML
systemctl enable --now hostnetd 2>/dev/null
hostnet wait-online --timeout 60
for i in $(seq 30); do ping -c1 -W1 10.0.0.1 >/dev/null && break; sleep 1; done
ip -br addr > /tmp/net.before
# LACP settles for some seconds after the bond forms, and its port state changes are link
# notifications too: start counting once 5 s pass without any.
for i in $(seq 12); do
  timeout 5 ip -o monitor link > /tmp/settle.log 2>&1 || true
  [ -s /tmp/settle.log ] || break
done
pid() { systemctl show -p MainPID --value hostnetd; }
first=$(pid)
ip -o monitor link > /tmp/links.log 2>&1 & mon=$!
sleep 1
dpkg -i /root/hostnet_0.1.0-1_amd64.deb >/dev/null
same=$(pid)
dpkg -i /root/hostnet_0.1.1-1_amd64.deb >/dev/null
newer=$(pid)
hostnet wait-online --timeout 30
sleep 2; kill $mon
echo "version: $(dpkg-query -W -f '${Version}' hostnet); daemon pids: $first $same $newer"
echo "link notifications during both upgrades: $(grep -c . /tmp/links.log || true)"
cat /tmp/links.log
grep -q 10.0.0.30 /etc/hostnet/hostnet.yaml
dpkg -r hostnet >/dev/null
! systemctl is-active -q hostnetd
ip -br addr | diff /tmp/net.before -
test -f /etc/hostnet/hostnet.yaml
dpkg -P hostnet >/dev/null
ip -br addr | diff /tmp/net.before -
ping -c1 -W2 10.0.0.1 >/dev/null
echo "left after purge:"
find / -xdev -name '*hostnet*' -not -path '/proc/*' -not -path '/root/*' -not -name '*hostnet-test*' \
  -not -path '/var/lib/dpkg/*' -not -path '/lib/modules/*' | sort
find /etc/systemd/system -xtype l | sed 's/^/dangling: /'
echo end
"#;

#[test]
#[ignore = "needs the OS-level VM (vm/hostnet-os)"]
fn the_package_installs_upgrades_and_purges_without_touching_the_network() {
    let _one = exclusive();
    let deb = deb();
    let next = deb_version("0.1.1-1");
    let mut os = Os::boot("package", Disk { debs: vec![&deb, &next], files: vec![] }, &[]);
    let out = os.ok(LIFECYCLE);
    eprintln!("{out}");
    let line = out.lines().find(|l| l.starts_with("version:")).unwrap();
    let pids: Vec<&str> = line.rsplit(": ").next().unwrap().split(' ').collect();
    assert!(out.contains("version: 0.1.1-1;"), "{out}");
    assert!(
        pids.len() == 3 && pids[0] != pids[1] && pids[1] != pids[2] && pids.iter().all(|p| *p != "0"),
        "each install restarts the running daemon: {pids:?}"
    );
    assert!(out.contains("link notifications during both upgrades: 0"), "a restart touched links:\n{out}");
    let left = out.split("left after purge:\n").nth(1).unwrap();
    assert_eq!(left.trim(), "end", "purge left files behind:\n{left}");
}

const NETPLAN_BOND: &str = r#"network:
  version: 2
  renderer: networkd
  ethernets:
    ens16: {}
    ens17: {}
  bonds:
    bond0:
      interfaces: [ens16, ens17]
      parameters: { mode: 802.3ad, lacp-rate: fast, mii-monitor-interval: 100 }
      addresses: [10.0.0.40/24]
      routes:
        - { to: default, via: 10.0.0.1 }
"#;

const NETPLAN_VLAN: &str = r#"network:
  version: 2
  vlans:
    bond0.100:
      id: 100
      link: bond0
      addresses: [10.100.0.40/24]
"#;

#[test]
#[ignore = "needs the OS-level VM (vm/hostnet-os)"]
fn a_netplan_server_is_warned_of_networkd_then_handed_over_and_rebooted() {
    let _one = exclusive();
    let deb = deb();
    let files = vec![
        ("/etc/netplan/10-bond.yaml", NETPLAN_BOND.to_string()),
        ("/etc/netplan/20-vlan.yaml", NETPLAN_VLAN.to_string()),
    ];
    let mut os = Os::boot("netplan", Disk { debs: vec![&deb], files }, &[]);
    // netplan's own generator renders the files for networkd, which it starts.
    os.ok("chmod 600 /etc/netplan/*.yaml && netplan apply");
    let want = network(&os.ok(NETWORK)).to_string();

    // hostnet next to a running networkd: doctor and the daemon name it, with the way out.
    let beside = os.ok(r#"set -e
        dpkg -i /root/hostnet_*.deb >/dev/null
        hostnet import netplan /etc/netplan/*.yaml > /etc/hostnet/hostnet.yaml
        hostnet check
        echo "--- doctor"; hostnet doctor || true
        systemctl start hostnetd
        echo "--- journal"; journalctl -u hostnetd -b --no-pager | grep 'also manages' || true"#);
    eprintln!("{beside}");
    let doctor = beside.split("--- doctor\n").nth(1).unwrap();
    assert!(doctor.contains("systemd-networkd manages ens16"), "doctor did not see networkd:\n{doctor}");
    assert!(doctor.contains("netplan generate"), "{doctor}");
    let journal = beside.split("--- journal\n").nth(1).unwrap();
    assert!(journal.contains("systemd-networkd also manages bond0"), "the daemon did not warn:\n{journal}");

    // The hand-over the message gives, then hostnetd alone across a reboot.
    let handed = os.ok(r#"set -e
        mkdir -p /root/netplan-was && mv /etc/netplan/*.yaml /root/netplan-was/
        netplan generate
        systemctl disable --now systemd-networkd.service systemd-networkd.socket 2>/dev/null
        systemctl enable hostnetd 2>/dev/null
        hostnet doctor || true"#);
    assert!(!handed.contains("another-manager") && !handed.contains("also manages"), "{handed}");
    os.reboot(&[]);
    assert_eq!(network(&os.ok(NETWORK)), want, "after the reboot, under hostnetd alone");
    os.ok("systemctl is-active hostnetd && ! systemctl is-active systemd-networkd");
}

/// The OS tests run README's install commands as written; this says which those are.
#[test]
fn the_readme_install_commands_are_the_ones_the_os_tests_run() {
    let c = support::os::readme_install();
    assert!(c.contains(&"cargo install cargo-deb && cargo deb -p hostnet --strip".to_string()), "{c:?}");
    assert!(c.contains(&"dpkg -i target/debian/hostnet_*.deb".to_string()), "{c:?}");
    assert!(c.contains(&"systemctl enable --now hostnetd".to_string()), "{c:?}");
}
