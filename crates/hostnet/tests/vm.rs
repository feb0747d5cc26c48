//! hostnet on a kernel with bonding and 802.1Q, inside the qemu micro-VM (vm/hostnet-vm).
//! Ignored by a plain `cargo test`; the README's test command runs them, and they fail when the
//! VM cannot run (exit 125), never pass.

mod support;

use support::vm::{section, vm};

/// Two emulated switches, each an 802.3ad port-channel, cabled to four host NICs (veth ends
/// carrying the MACs the config matches on).
const SWITCHES: &str = r#"
for n in swA swB; do ip netns add $n; done
ip link add tmpa1 address 52:54:00:00:01:02 type veth peer name s-1 netns swA
ip link add tmpa2 address 52:54:00:00:03:02 type veth peer name s-2 netns swA
ip link add tmpb1 address 52:54:00:00:02:03 type veth peer name s-1 netns swB
ip link add enp94s0f1 address 52:54:00:00:03:03 type veth peer name s-2 netns swB
for n in swA swB; do
  ip -n $n link add po type bond mode 802.3ad miimon 100 lacp_rate fast
  ip -n $n link set s-1 master po; ip -n $n link set s-2 master po
  ip -n $n link set po up
done
"#;

const STACKED: &str = r#"
interfaces:
  - name: e1p2
    ethernet: { match: { mac: "52:54:00:00:01:02" } }
  - name: e3p2
    ethernet: { match: { mac: "52:54:00:00:03:02" } }
  - name: e2p3
    ethernet: { match: { mac: "52:54:00:00:02:03" } }
  - name: e3p3
    ethernet: { match: { name: enp94s0f1 } }
  - name: idmz1
    bond: { mode: 802.3ad, ports: [e1p2, e3p2], miimon: 100, lacp_rate: fast, xmit_hash_policy: layer3+4 }
  - name: idmz2
    bond: { mode: 802.3ad, ports: [e2p3, e3p3], miimon: 100, lacp_rate: fast, xmit_hash_policy: layer3+4 }
  - name: idmz
    bond: { mode: balance-alb, ports: [idmz1, idmz2], miimon: 100 }
    addresses: [192.0.2.2/24]
"#;

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn stacked_bonds_over_lacp_switches() {
    let script = format!(
        r#"{SWITCHES}
echo "=== apply"; hostnet apply /cfg/stacked.yaml
sleep 4
echo "=== bond idmz1"; hostnet show bond idmz1
echo "=== bond idmz"; hostnet show bond idmz
echo "=== json"; hostnet show --json
echo "=== partner A"; ip -n swA link show po | awk '/link\/ether/ {{print $2}}'
echo "=== again"; hostnet apply /cfg/stacked.yaml
echo "=== yaml"; hostnet show --yaml > /tmp/shown.yaml; cat /tmp/shown.yaml
echo "=== yaml again"; hostnet apply /tmp/shown.yaml
echo "=== ip"; ip -d link show idmz; ip -br link
echo "=== mode change"; sed 's/mode: balance-alb/mode: active-backup/' /cfg/stacked.yaml > /tmp/ab.yaml
hostnet apply /tmp/ab.yaml
echo "=== after"; ip -d link show idmz | grep -o 'bond mode [a-z0-9.-]*'; ip -br link | grep -E '^(e1p2|e3p3|idmz1|idmz2)'
echo "=== end"
"#
    );
    let c = vm(&script, &[("stacked.yaml", STACKED)]);

    let apply = section(&c, "apply");
    assert!(apply.contains("applied  rename e1p2 find by name tmpa1"), "matched by MAC:\n{apply}");
    assert!(apply.contains("applied  rename e3p3 find by name enp94s0f1"), "{apply}");
    assert!(apply.contains("applied  enslave idmz1 into idmz"), "{apply}");
    assert!(apply.contains("verified: the host matches"), "{apply}");

    let b1 = section(&c, "bond idmz1");
    let partner_a = section(&c, "partner A").trim().to_string();
    assert!(b1.contains("bond idmz1: 802.3ad"), "{b1}");
    assert!(b1.contains("enslaved in: idmz"), "{b1}");
    assert!(b1.contains("lacp_rate fast"), "{b1}");
    assert!(
        b1.contains(&format!("partner system {partner_a}")),
        "LACP did not form with switch A ({partner_a}):\n{b1}"
    );
    for port in ["e1p2", "e3p2"] {
        let row = b1.lines().find(|l| l.trim_start().starts_with(port)).unwrap_or_else(|| panic!("{port}:\n{b1}"));
        assert!(row.contains("sync") && row.contains("dist"), "{row}");
    }
    let outer = section(&c, "bond idmz");
    assert!(outer.contains("bond idmz: balance-alb"), "{outer}");
    assert!(outer.contains("idmz1") && outer.contains("idmz2"), "{outer}");

    let json = section(&c, "json");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("show --json is JSON");
    let idmz = v["interfaces"].as_array().unwrap().iter().find(|i| i["name"] == "idmz").unwrap();
    assert_eq!(idmz["bond"]["mode"], "balance-alb");
    assert_eq!(idmz["bond"]["ports"], serde_json::json!(["idmz1", "idmz2"]));
    assert_eq!(idmz["bond"]["miimon"], 100);
    let st = v["status"]["links"].as_array().unwrap();
    let e1 = st.iter().find(|l| l["name"] == "e1p2").unwrap();
    assert_eq!(e1["master"], "idmz1");
    assert_eq!(e1["bond_port"]["perm_hwaddr"], "52:54:00:00:01:02");

    let again = section(&c, "again");
    assert!(support::vm::without_warnings(again).trim().starts_with("nothing to do"), "{again}");
    assert!(again.contains("2.2 s blackhole"), "the lab's design warning for balance-alb over LACP:\n{again}");

    // show --yaml as a person would write it: NICs by permanent MAC, no MAC the bond lent.
    let yaml = section(&c, "yaml");
    assert!(yaml.contains("- name: e1p2\n  ethernet:\n    match:\n      mac: \"52:54:00:00:01:02\"\n"), "{yaml}");
    assert!(!yaml.contains("\n  mac:") && !yaml.contains("updelay: 0") && !yaml.contains("mtu: 1500"), "{yaml}");
    let again = section(&c, "yaml again");
    assert!(support::vm::without_warnings(again).trim().starts_with("nothing to do"), "{again}");
    let mc = section(&c, "mode change");
    assert!(mc.contains("applied  release idmz1 from idmz"), "{mc}");
    assert!(mc.contains("applied  set_bond_mode idmz active-backup"), "{mc}");
    assert!(mc.contains("verified: the host matches"), "{mc}");
    assert!(section(&c, "after").contains("bond mode active-backup"), "{}", section(&c, "after"));
}

const VLAN_BRIDGE_ON_BOND: &str = r#"
interfaces:
  - name: eno1
    ethernet: {}
    mtu: 9000
  - name: eno2
    ethernet: {}
    mtu: 9000
  - name: bond0
    mtu: 9000
    bond: { mode: active-backup, ports: [eno1, eno2], primary: eno1, miimon: 100, updelay: 200, downdelay: 200 }
  - name: bond0.10
    vlan: { base: bond0, id: 10 }
  - name: brmgmt
    bridge: { ports: [bond0.10], stp: false, forward_delay: 0 }
    addresses: [198.51.100.10/24]
    routes:
      - { dst: default, via: 198.51.100.1 }
  - name: eno3
    ethernet: {}
  - name: eno4
    ethernet: {}
  - name: bond1
    bond: { mode: balance-xor, ports: [eno3, eno4], miimon: 100, xmit_hash_policy: layer2+3 }
  - name: brstore
    bridge: { ports: [bond1] }
    addresses: [203.0.113.10/24]
"#;

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn vlan_on_bond_and_bridge_on_bond() {
    let script = r#"
ip netns add sw
for i in 1 2 3 4; do ip link add eno$i type veth peer name p$i netns sw; ip -n sw link set p$i up; done
echo "=== apply"; hostnet apply /cfg/c.yaml
echo "=== again"; hostnet apply /cfg/c.yaml
echo "=== ip"; ip -d link show bond0.10 | grep -o 'vlan protocol 802.1Q id [0-9]*'
ip -o link show | awk '{print $2, $0}' | grep -o '^[^ ]* .*master [^ ]*' | awk '{print $1, $NF}'
ip -br addr show brmgmt; ip route show default
echo "=== show"; hostnet show
echo "=== bond0"; hostnet show bond bond0
echo "=== end"
"#;
    let c = vm(script, &[("c.yaml", VLAN_BRIDGE_ON_BOND)]);
    assert!(section(&c, "apply").contains("verified: the host matches"), "{}", section(&c, "apply"));
    assert!(section(&c, "again").trim().starts_with("nothing to do"), "{}", section(&c, "again"));
    let ip = section(&c, "ip");
    assert!(ip.contains("vlan protocol 802.1Q id 10"), "{ip}");
    for pair in ["eno1: brd", "bond0.10@bond0: brmgmt", "bond1: brstore"] {
        let _ = pair;
    }
    assert!(ip.contains("198.51.100.10/24"), "{ip}");
    assert!(ip.contains("default via 198.51.100.1 dev brmgmt"), "{ip}");
    let show = section(&c, "show");
    let master_of = |n: &str| {
        show.lines()
            .find(|l| l.split_whitespace().next() == Some(n))
            .and_then(|l| l.split_whitespace().nth(5).map(str::to_string))
            .unwrap_or_default()
    };
    assert_eq!(master_of("eno1"), "bond0", "{show}");
    assert_eq!(master_of("bond0.10"), "brmgmt", "{show}");
    assert_eq!(master_of("bond1"), "brstore", "{show}");
    let b0 = section(&c, "bond0");
    assert!(b0.contains("active port: eno1"), "{b0}");
    assert!(b0.contains("primary eno1"), "{b0}");
}

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn try_with_bonds_reverts_renames_and_bonds() {
    let script = format!(
        r#"{SWITCHES}
echo "=== before"; ip -br link | awk '{{print $1}}' | sort
echo "=== try"; hostnet apply --try 3 /cfg/stacked.yaml
echo "=== during"; ip -br link | awk '{{print $1}}' | sort
sleep 8
echo "=== after"; ip -br link | awk '{{print $1}}' | sort
echo "=== confirm"; hostnet confirm 2>&1 || echo "confirm exited $?"
echo "=== end"
"#
    );
    let c = vm(&script, &[("stacked.yaml", STACKED)]);
    assert!(section(&c, "try").contains("verified: the host matches"), "{}", section(&c, "try"));
    assert!(section(&c, "during").contains("idmz1@") || section(&c, "during").contains("idmz1"), "{c}");
    // Bonds gone, NICs back under their old names, nothing left over.
    assert_eq!(section(&c, "after").trim(), section(&c, "before").trim(), "{c}");
    // Too late: the trial went at its deadline, and confirm says so.
    let confirm = section(&c, "confirm");
    assert!(confirm.contains("too late: the trial was reverted") && confirm.contains("confirm exited 1"), "{c}");
}

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn doctor_sees_an_lacp_bond_split_across_two_switches_and_a_dead_port() {
    let script = r#"
for n in swA swB; do ip netns add $n; done
ip link add a1 type veth peer name s-1 netns swA
ip link add b1 type veth peer name s-1 netns swB
ip link add c1 type veth peer name s-2 netns swA
for n in swA swB; do ip -n $n link add po type bond mode 802.3ad miimon 100 lacp_rate fast; ip -n $n link set s-1 master po; ip -n $n link set po up; done
ip -n swA link set s-2 master po
hostnet apply /cfg/c.yaml >/dev/null
sleep 3
ip -n swA link set s-2 down
sleep 1
echo "=== doctor"; hostnet doctor --json || true
echo "=== bonds"; hostnet show bond
echo "=== end"
"#;
    let cfg = "interfaces:\n  - name: a1\n    ethernet: {}\n  - name: b1\n    ethernet: {}\n  - name: c1\n    ethernet: {}\n  - name: b0\n    bond: {mode: 802.3ad, ports: [a1, b1, c1], miimon: 100, lacp_rate: fast}\n";
    let c = vm(script, &[("c.yaml", cfg)]);
    let v: serde_json::Value = serde_json::from_str(section(&c, "doctor").trim()).unwrap();
    assert_eq!(
        v["counts"]["error"],
        v["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == "error").count()
    );
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"lacp-two-partners"), "{c}");
    assert!(rules.contains(&"bond-port-down"), "{c}");
    // `show bond` without a name: every bond, here the one.
    assert!(section(&c, "bonds").contains("bond b0: 802.3ad"), "{c}");
    let down = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "bond-port-down").unwrap();
    assert_eq!(down["subject"], "b0/c1");
}

/// The daemon on a kernel with bonding: a bond port that appears late is enslaved, a bond
/// option changed by hand is put back, a released port is enslaved again, and a port whose
/// driver is "reloaded" (the NIC goes away and comes back) rejoins its bond.
#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn daemon_enslaves_late_ports_and_restores_bond_options() {
    let script = r#"
ip netns add sw
ip link add tmp1 address 52:54:00:00:01:02 type veth peer name s-1 netns sw
ip -n sw link add po type bond mode 802.3ad miimon 100 lacp_rate fast
ip -n sw link set s-1 master po; ip -n sw link set po up
hostnet daemon --config /cfg/bond.yaml > /tmp/d.log 2>&1 &
until_ok() { i=0; while [ $i -lt 100 ]; do if sh -c "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.05; i=$((i+1)); done; echo "TIMEOUT: $1"; }
until_ok "hostnet status"
plug2() { ip link add tmp2 address 52:54:00:00:03:02 type veth peer name s-2 netns sw; ip -n sw link set s-2 master po; ip -n sw link set s-2 up; }
echo "=== before"; ip -o link show | grep -o '[a-z0-9]*: <[^>]*>.*master bond0' | cut -d: -f1
plug2
until_ok "ip -o link show e3p2 | grep -q 'master bond0'"
echo "=== late"; ip -o link show e3p2 | grep -o 'master bond0'
ip link set bond0 type bond miimon 300
until_ok "grep -qx 100 /sys/class/net/bond0/bonding/miimon"
echo "=== miimon"; cat /sys/class/net/bond0/bonding/miimon
ip link set e1p2 nomaster
until_ok "ip -o link show e1p2 | grep -q 'master bond0'"
echo "=== released"; ip -o link show e1p2 | grep -o 'master bond0'
ip link del e3p2
until_ok "hostnet status --json | grep -q '\"phase\": \"pending\"'"
plug2
until_ok "ip -o link show e3p2 | grep -q 'master bond0'"
echo "=== returned"; ip -o link show e3p2 | grep -o 'master bond0'
echo "=== status"; hostnet status
# LACP converges a few fast-rate exchanges after the last port came back: slow under TCG.
i=0; while [ $i -lt 150 ] && ! wget -qO- http://127.0.0.1:9469/metrics | grep -q 'lacp_state="act,fast,agg,sync,col,dist'; do sleep 0.1; i=$((i+1)); done
echo "=== metrics"; wget -qO- http://127.0.0.1:9469/metrics | grep -E '^hostnet_bond'
echo "=== log"; cat /tmp/d.log
echo "=== end"
"#;
    let cfg = r#"
metrics: { listen: "127.0.0.1:9469" }
interfaces:
  - name: e1p2
    ethernet: { match: { mac: "52:54:00:00:01:02" } }
  - name: e3p2
    ethernet: { match: { mac: "52:54:00:00:03:02" } }
  - name: bond0
    bond: { mode: 802.3ad, ports: [e1p2, e3p2], miimon: 100, lacp_rate: fast }
    addresses: [192.0.2.2/24]
"#;
    let c = vm(script, &[("bond.yaml", cfg)]);
    assert!(!c.contains("TIMEOUT"), "{c}");
    assert_eq!(section(&c, "late").trim(), "master bond0", "{c}");
    assert_eq!(section(&c, "miimon").trim(), "100", "{c}");
    assert_eq!(section(&c, "released").trim(), "master bond0", "{c}");
    assert_eq!(section(&c, "returned").trim(), "master bond0", "{c}");
    let log = section(&c, "log");
    assert!(log.contains("bond0: drift: bond option miimon is 300 instead of 100; repairing"), "{c}");
    assert!(log.contains("e1p2: drift: not a port of bond0"), "{c}");
    assert!(log.contains("e3p2: gone from the host"), "{c}");
    let status = section(&c, "status");
    assert!(status.contains("bond 802.3ad"), "{c}");
    let metrics = section(&c, "metrics");
    assert!(metrics.contains("hostnet_bond_ports{bond=\"bond0\"} 2"), "{c}");
    assert!(metrics.contains("hostnet_bond_info{bond=\"bond0\",mode=\"802.3ad\",aggregator_id=\""), "{c}");
    assert!(metrics.contains("hostnet_bond_port_in_use{bond=\"bond0\",port=\"e1p2\"}"), "{c}");
    assert!(metrics.contains("lacp_state=\"act,fast,agg,sync,col,dist"), "{c}");
}

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm) and dnsmasq"]
fn dhcp4_on_an_lacp_bond_gets_a_lease_from_dnsmasq_behind_the_switch() {
    // The switch's port-channel carries dnsmasq (Debian's, copied into the VM); the host's
    // bond asks it for an address once LACP lets traffic through.
    let script = r#"
ip netns add sw
ip link add tmp1 address 52:54:00:00:01:02 type veth peer name s-1 netns sw
ip link add tmp2 address 52:54:00:00:03:02 type veth peer name s-2 netns sw
ip -n sw link add po type bond mode 802.3ad miimon 100 lacp_rate fast
ip -n sw link set s-1 master po; ip -n sw link set s-2 master po
ip -n sw addr add 10.77.0.1/24 dev po; ip -n sw link set po up
mkdir -p /var/lib/misc
ip netns exec sw dnsmasq --conf-file=/dev/null --user=root --group=root --port=0 --bind-interfaces \
  --interface=po --no-ping --log-dhcp --log-facility=/tmp/dnsmasq.log --pid-file=/tmp/dnsmasq.pid \
  --dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m --dhcp-option=option:router,10.77.0.1 \
  --dhcp-option=option:T1,5 --dhcp-option=option:T2,9 --dhcp-leasefile=/tmp/dnsmasq.leases
hostnet daemon --config /cfg/bond.yaml > /tmp/d.log 2>&1 &
until_ok() { i=0; while [ $i -lt 600 ]; do if sh -c "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.1; i=$((i+1)); done; echo "TIMEOUT: $1"; }
until_ok "ip -4 addr show dev bond0 | grep -q 'inet 10.77.0.*dynamic'"
echo "=== address"; ip -4 -o addr show dev bond0 | grep -o 'inet [0-9./]* .*dynamic'
echo "=== route"; ip route show proto dhcp
until_ok "grep -q 'renewed' /tmp/d.log"
echo "=== status"; hostnet status
echo "=== server"; cat /tmp/dnsmasq.log
echo "=== log"; cat /tmp/d.log
echo "=== end"
"#;
    let cfg = r#"
interfaces:
  - name: e1p2
    ethernet: { match: { mac: "52:54:00:00:01:02" } }
  - name: e3p2
    ethernet: { match: { mac: "52:54:00:00:03:02" } }
  - name: bond0
    bond: { mode: 802.3ad, ports: [e1p2, e3p2], miimon: 100, lacp_rate: fast }
    dhcp4: { route_metric: 100 }
"#;
    let passwd = "root:x:0:0:root:/root:/bin/sh\n";
    let group = "root:x:0:\n";
    let c = support::vm::vm_with(
        &format!("mkdir -p /etc; cp /cfg/passwd /etc/passwd; cp /cfg/group /etc/group\n{script}"),
        &["/usr/sbin/dnsmasq"],
        &[("bond.yaml", cfg), ("passwd", passwd), ("group", group)],
    );
    assert!(!c.contains("TIMEOUT"), "{c}");
    assert!(section(&c, "address").contains("inet 10.77.0."), "{c}");
    assert!(section(&c, "route").contains("default via 10.77.0.1 dev bond0 metric 100"), "{c}");
    let status = section(&c, "status");
    assert!(status.contains("dhcp4 bound 10.77.0."), "{c}");
    assert!(status.contains("bond 802.3ad"), "{c}");
    assert!(section(&c, "server").contains("DHCPACK(po)"), "{c}");
}

/// A bond in a VRF, a VLAN on a VXLAN on that bond, an ipvlan on it and a dummy for a
/// service address: the kinds this machine's kernel lacks (dummy, ipvlan, vrf), stacked.
const SOFTWARE_KINDS: &str = r#"
interfaces:
  - name: eno1
    ethernet: {}
  - name: eno2
    ethernet: {}
  - name: bond0
    bond: { mode: active-backup, ports: [eno1, eno2], miimon: 100 }
    addresses: [192.0.2.1/24]
    vrf: mgmt
    routes: [{ dst: 198.51.100.0/24, via: 192.0.2.254 }]
  - name: mgmt
    vrf: { table: 10 }
  - name: svc0
    dummy: {}
    addresses: [203.0.113.1/32]
  - name: ipv0
    ipvlan: { base: bond0, mode: l2 }
  - name: vx10
    vxlan: { vni: 10, local: 192.0.2.1, remote: 192.0.2.2, base: bond0 }
  - name: vx10.20
    vlan: { base: vx10, id: 20 }
    addresses: [10.20.0.1/24]
"#;

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn dummy_ipvlan_vrf_and_a_vlan_on_vxlan_on_a_bond_in_a_vrf() {
    let changed = SOFTWARE_KINDS.replace("table: 10", "table: 11").replace("mode: l2", "mode: l3");
    let script = r#"
ip netns add sw
for i in 1 2; do ip link add eno$i type veth peer name p$i netns sw; ip -n sw link set p$i up; done
snap() { { ip -d -o link show; ip -o -4 addr show; ip -4 route show table all; } | sed 's/ *[a-z_]*_timer *[0-9.]*//g' | md5sum; }
echo "=== apply"; hostnet apply /cfg/k.yaml
echo "=== again"; hostnet apply /cfg/k.yaml
echo "=== ip"
for l in svc0 ipv0 mgmt bond0 vx10 vx10.20; do ip -d link show $l; done
ip route show table 10
echo "=== show"; hostnet show --yaml
echo "=== rollback"
before=$(snap)
hostnet plan --live /cfg/k2.yaml
n=$(hostnet plan --live /cfg/k2.yaml | grep -cE '^ *[0-9]+  ')
echo "steps $n"
i=1; while [ $i -le $n ]; do
  hostnet apply /cfg/k2.yaml --fail-at $i > /tmp/out.$i 2>&1 || true
  if [ "$(snap)" = "$before" ]; then echo "same $i"; else echo "DIFFER $i"; cat /tmp/out.$i; fi
  i=$((i+1))
done
echo "=== change"; hostnet apply /cfg/k2.yaml
for l in mgmt bond0 ipv0; do ip -d link show $l; done
ip route show table 11
echo "=== end"
"#;
    let c = vm(script, &[("k.yaml", SOFTWARE_KINDS), ("k2.yaml", &changed)]);
    assert!(section(&c, "apply").contains("verified: the host matches"), "{}", section(&c, "apply"));
    assert!(section(&c, "again").trim().starts_with("nothing to do"), "{}", section(&c, "again"));
    let ip = section(&c, "ip");
    for want in [
        "dummy",
        "ipvlan  mode l2",
        "vrf table 10",
        "master mgmt",
        "vxlan id 10 remote 192.0.2.2 local 192.0.2.1 dev bond0",
        "vlan protocol 802.1Q id 20",
        "198.51.100.0/24 via 192.0.2.254",
    ] {
        assert!(ip.contains(want), "missing {want:?} in\n{ip}");
    }
    let show = section(&c, "show");
    for want in ["dummy: {}", "vrf: mgmt", "vrf:\n    table: 10", "ipvlan:\n    base: bond0\n    mode: l2"] {
        assert!(show.contains(want), "missing {want:?} in\n{show}");
    }
    let rb = section(&c, "rollback");
    assert!(!rb.contains("DIFFER"), "{rb}");
    assert!(rb.contains("same 1"), "{rb}");
    let ch = section(&c, "change");
    for want in ["vrf table 11", "master mgmt", "mode l3", "198.51.100.0/24"] {
        assert!(ch.contains(want), "missing {want:?} in\n{ch}");
    }
}

#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn doctor_checks_bond_cabling_with_lldp_from_both_switches() {
    let lldp = r#"
echo '_lldpd:x:103:110::/run/lldpd:/bin/false' >> /etc/passwd; echo '_lldpd:x:110:' >> /etc/group; mkdir -p /run/lldpd
for sw in swA swB; do
  printf 'configure system hostname %s\nconfigure lldp tx-interval 1\nconfigure lldp portidsubtype ifname\n' $sw > /tmp/$sw.conf
  ip netns exec $sw lldpd -d -L /usr/bin/lldpcli -u /run/$sw.sock -I s-1,s-2 -O /tmp/$sw.conf > /tmp/$sw.log 2>&1 &
done
"#;
    let split = STACKED
        .replace("ports: [e1p2, e3p2]", "ports: [e1p2, e2p3]")
        .replace("ports: [e2p3, e3p3]", "ports: [e3p2, e3p3]");
    let single = "interfaces:\n  - name: e1p2\n    ethernet: { match: { mac: \"52:54:00:00:01:02\" } }\n  - name: e3p2\n    ethernet: { match: { mac: \"52:54:00:00:03:02\" } }\n  - name: ab\n    bond: { mode: active-backup, ports: [e1p2, e3p2], miimon: 100 }\n";
    let script = format!(
        r#"{SWITCHES}{lldp}
hostnet apply /cfg/stacked.yaml > /dev/null
echo "=== neighbors"; hostnet show neighbors --wait 8
echo "=== good"; hostnet doctor --lldp 8 --json || true
hostnet apply /cfg/split.yaml > /dev/null
echo "=== split"; hostnet doctor --lldp 8 --json || true
ip link del idmz; ip link del idmz1; ip link del idmz2
hostnet apply /cfg/single.yaml > /dev/null
echo "=== single"; hostnet doctor --lldp 8 --json || true
echo "=== end"
"#
    );
    let c = support::vm::vm_with(
        &script,
        &["/usr/sbin/lldpd", "/usr/sbin/lldpcli"],
        &[("stacked.yaml", STACKED), ("split.yaml", &split), ("single.yaml", single)],
    );
    let rules = |sec: &str| -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_str(support::vm::without_warnings(section(&c, sec)).trim())
            .unwrap_or_else(|e| panic!("{e}: {c}"));
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                ["lacp-ports-on-two-switches", "bond-single-switch", "lldp-no-neighbor"]
                    .contains(&f["rule"].as_str().unwrap())
            })
            .map(|f| (f["rule"].as_str().unwrap().to_string(), f["subject"].as_str().unwrap().to_string()))
            .collect()
    };
    let n = section(&c, "neighbors");
    for (nic, sw) in [("e1p2", "swA"), ("e3p2", "swA"), ("e2p3", "swB"), ("e3p3", "swB")] {
        assert!(n.lines().any(|l| l.starts_with(nic) && l.contains(sw)), "{nic} should hear {sw}:\n{n}");
    }
    assert_eq!(rules("good"), [], "{}", section(&c, "good"));
    let split = rules("split");
    for bond in ["idmz1", "idmz2"] {
        assert!(split.contains(&("lacp-ports-on-two-switches".into(), bond.into())), "{split:?}");
    }
    assert_eq!(rules("single"), [("bond-single-switch".to_string(), "ab".to_string())]);
}

const BRIDGE_VLANS: &str = r#"
interfaces:
  - name: eno1
    ethernet: {}
    bridge_port: { vlans: [{ vid: 10, pvid: true, untagged: true }, "20-29", 100] }
  - name: eno2
    ethernet: {}
    bridge_port: { cost: 9, vlans: ["20-29"] }
  - name: br0
    bridge: { ports: [eno1, eno2], stp: false, vlan_filtering: true, vlans: [{ vid: 1, pvid: true, untagged: true }, 100] }
"#;

/// This machine's kernel has no bridge VLAN filtering; the VM's has.
#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn bridge_vlans_on_ports_and_the_bridge() {
    let base = "interfaces:\n  - name: eno1\n    ethernet: {}\n  - name: eno2\n    ethernet: {}\n  - name: br0\n    bridge: { ports: [eno1, eno2], stp: false, vlan_filtering: true }\n";
    let script = r#"
ip netns add sw
for i in 1 2; do ip link add eno$i type veth peer name p$i netns sw; ip -n sw link set p$i up; done
snap() { { ip -d -o link show | sed 's/ *[a-z_]*_timer *[0-9.]*//g; s/state [A-Z]*//; s/<[^>]*>//'; bridge -compressvlans vlan show; } | md5sum; }
hostnet apply /cfg/base.yaml > /dev/null; sleep 1
before=$(snap)
n=$(hostnet plan --live /cfg/v.yaml | grep -cE '^ *[0-9]+  ')
echo "=== rollback"; echo "steps $n"
i=1; while [ $i -le $n ]; do
  hostnet apply /cfg/v.yaml --fail-at $i > /tmp/out.$i 2>&1 || true
  if [ "$(snap)" = "$before" ]; then echo "same $i"; else echo "DIFFER $i"; cat /tmp/out.$i; bridge -compressvlans vlan show; fi
  i=$((i+1))
done
echo "=== apply"; hostnet apply /cfg/v.yaml
echo "=== vlans"; bridge -j -compressvlans vlan show
echo "=== again"; hostnet apply /cfg/v.yaml
bridge vlan del vid 25 dev eno2
echo "=== drift"; hostnet apply /cfg/v.yaml
echo "=== show"; hostnet show --yaml
echo "=== end"
"#;
    let c = support::vm::vm_with(script, &["/usr/sbin/bridge"], &[("base.yaml", base), ("v.yaml", BRIDGE_VLANS)]);
    let rb = section(&c, "rollback");
    assert!(!rb.contains("DIFFER") && rb.contains("same 1"), "{rb}");
    assert!(section(&c, "apply").contains("verified: the host matches"), "{}", section(&c, "apply"));
    let v: serde_json::Value = serde_json::from_str(section(&c, "vlans").trim()).unwrap();
    let of = |dev: &str| -> Vec<String> {
        let e = v.as_array().unwrap().iter().find(|e| e["ifname"] == dev).unwrap_or_else(|| panic!("{dev}: {v:#}"));
        e["vlans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let flags: Vec<&str> =
                    x["flags"].as_array().map(|f| f.iter().filter_map(|s| s.as_str()).collect()).unwrap_or_default();
                let id = match x.get("vlanEnd") {
                    Some(end) => format!("{}-{end}", x["vlan"]),
                    None => x["vlan"].to_string(),
                };
                format!("{id} {}", flags.join(",")).trim().to_string()
            })
            .collect()
    };
    assert_eq!(of("eno1"), ["10 PVID,Egress Untagged", "20-29", "100"], "{v:#}");
    assert_eq!(of("eno2"), ["20-29"], "{v:#}");
    assert_eq!(of("br0"), ["1 PVID,Egress Untagged", "100"], "{v:#}");
    assert!(section(&c, "again").trim().starts_with("nothing to do"), "{}", section(&c, "again"));
    let drift = section(&c, "drift");
    assert!(drift.contains("bridge_vlans") && drift.contains("eno2") && drift.contains("add 25"), "{drift}");
    assert!(section(&c, "show").contains("vid: 20-29"), "{}", section(&c, "show"));
}

const NIC_SETTINGS: &str = r#"
interfaces:
  - name: eth0
    ethernet: {}
    state: down
    ethtool:
      rings: { rx: 128, tx: 128 }
      coalesce: { tx_frames: 0 }
      link: { autoneg: false, speed: 1000, duplex: half }
  - name: eth1
    ethernet: {}
    ethtool:
      rings: { rx: 512, tx: 1024 }
"#;

/// Rings, coalescing and link modes need real NIC drivers: virtio-net and vmxnet3 in the VM
/// (veth has none of them; that case is in kinds.rs).
#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm)"]
fn nic_rings_coalescing_and_link_modes_on_virtio_and_vmxnet3() {
    let script = r#"
# vmxnet3 reports its speed as unknown once it has been up without a peer: eth0's only.
view() { for d in eth0 eth1; do ethtool -g $d; ethtool -c $d || true; done 2>&1; ethtool eth0; }
snap() { view | md5sum; }
view > /tmp/before
before=$(snap)
n=$(hostnet plan --live /cfg/nic.yaml | grep -cE '^ *[0-9]+  ')
echo "=== rollback"; echo "steps $n"
i=1; while [ $i -le $n ]; do
  hostnet apply /cfg/nic.yaml --fail-at $i > /tmp/out.$i 2>&1 || true
  if [ "$(snap)" = "$before" ]; then echo "same $i"; else echo "DIFFER $i"; cat /tmp/out.$i; view | diff /tmp/before - || true; fi
  i=$((i+1))
done
echo "=== apply"; hostnet apply /cfg/nic.yaml
echo "=== view"; ethtool -g eth0; ethtool -g eth1; ethtool -c eth0 | grep tx-frames; ethtool eth0 | grep -E 'Speed|Duplex'
echo "=== again"; hostnet apply /cfg/nic.yaml
ethtool -G eth1 rx 1024
echo "=== drift"; hostnet apply /cfg/nic.yaml; ethtool -g eth1 | tail -n 8 | grep RX:
echo "=== show"; hostnet show ethtool eth0
echo "=== unsupported"; hostnet apply /cfg/bad.yaml 2>&1 || echo "failed as it should"; ethtool -g eth1 | tail -n 8 | grep -E '^(RX|TX):'
echo "=== end"
"#;
    let bad = "interfaces:\n  - name: eth1\n    ethernet: {}\n    ethtool: { rings: { rx: 256 }, link: { autoneg: false, speed: 100, duplex: full } }\n";
    let c = support::vm::vm_with_nics(
        script,
        &["/sbin/ethtool"],
        &["virtio-net-pci", "vmxnet3"],
        &[("nic.yaml", NIC_SETTINGS), ("bad.yaml", bad)],
    );
    let rb = section(&c, "rollback");
    assert!(!rb.contains("DIFFER") && rb.contains("same 4"), "{rb}");
    assert!(section(&c, "apply").contains("verified: the host matches"), "{}", section(&c, "apply"));
    let view = section(&c, "view");
    let current = |dev: &str| {
        let from = view.find(&format!("Ring parameters for {dev}")).unwrap();
        let v = &view[from..];
        v[v.find("Current hardware settings").unwrap()..].to_string()
    };
    assert!(current("eth0").contains("RX:\t\t128") && current("eth0").contains("TX:\t\t128"), "{view}");
    assert!(current("eth1").contains("RX:\t\t512") && current("eth1").contains("TX:\t\t1024"), "{view}");
    assert!(
        view.contains("tx-frames: 0") && view.contains("Speed: 1000Mb/s") && view.contains("Duplex: Half"),
        "{view}"
    );
    assert!(section(&c, "again").trim().starts_with("nothing to do"), "{}", section(&c, "again"));
    let drift = section(&c, "drift");
    assert!(drift.contains("ethtool") && drift.contains("eth1") && drift.contains("RX:\t\t512"), "{drift}");
    let show = section(&c, "show");
    assert!(show.contains("rings: rx 128") && show.contains("link: autoneg off, speed 1000, duplex half"), "{show}");
    let bad = section(&c, "unsupported");
    assert!(bad.contains("eth1: ethtool link modes") && bad.contains("failed as it should"), "{bad}");
    assert!(bad.contains("RX:\t\t512"), "the rings change was not rolled back: {bad}");
}

const WG: &str = r#"
interfaces:
  - name: wg0
    wireguard:
      private_key_file: /k1
      listen_port: 51820
      peers:
        - public_key: PEERPUB
          allowed_ips: [10.9.0.2/32]
          endpoint: "192.0.2.2:51821"
          persistent_keepalive: 25
    addresses: [10.9.0.1/24]
"#;

/// WireGuard needs the VM (this kernel has no wireguard module). The far end is a WireGuard
/// device in a namespace the script makes, set up with `wg`, so the tunnel carries a ping.
#[test]
#[ignore = "needs the qemu micro-VM (vm/hostnet-vm) and wg (wireguard-tools)"]
fn wireguard_keys_from_files_never_shown_rolled_back_and_repaired() {
    let script = r#"
umask 077
ip netns add far
ip link add veth0 type veth peer name veth1 netns far
ip addr add 192.0.2.1/24 dev veth0; ip link set veth0 up
ip -n far addr add 192.0.2.2/24 dev veth1; ip -n far link set veth1 up
wg genkey > /k1; wg genkey > /k1b; wg genkey > /k2
ip -n far link add wg1 type wireguard
ip netns exec far wg set wg1 private-key /k2 listen-port 51821 peer "$(wg pubkey < /k1)" allowed-ips 10.9.0.1/32 endpoint 192.0.2.1:51820
ip -n far addr add 10.9.0.2/24 dev wg1; ip -n far link set wg1 up
sed "s|PEERPUB|$(wg pubkey < /k2)|" /cfg/wg.yaml > /c1.yaml
sed 's|/k1$|/k1b|; s|10.9.0.2/32|10.9.0.2/32, 10.9.1.0/24|' /c1.yaml > /c2.yaml
awk -v k="$(cat /k1)" '{ print } /private_key_file/ { print "      private_key: " k }' /c1.yaml > /inline.yaml
log() { tee -a /tmp/all.out; }
echo "=== mode"; chmod 644 /k1; hostnet apply /c1.yaml 2>&1 | log || true; ip -br link show wg0 2>&1 || echo "no wg0"; chmod 600 /k1
echo "=== inline"; hostnet check /inline.yaml 2>&1 | log || true
before=$(ip -br link | sort | md5sum)
n=$(hostnet plan --live /c1.yaml | grep -cE '^ *[0-9]+  ')
echo "=== create rollback"; echo "steps $n"
i=1; while [ $i -le $n ]; do
  hostnet apply /c1.yaml --fail-at $i 2>&1 | log > /dev/null || true
  if [ "$(ip -br link | sort | md5sum)" = "$before" ]; then echo "same $i"; else echo "DIFFER $i"; ip -br link; fi
  i=$((i+1))
done
echo "=== apply"; hostnet apply /c1.yaml 2>&1 | log
echo "=== ping"; ping -c 3 -W 2 10.9.0.2 | tail -n 2
conf() { wg showconf wg0 | grep -v '^Endpoint\|^LatestHandshake' | md5sum; }
[ "$(wg show wg0 private-key)" = "$(cat /k1)" ] && echo "key is k1"
before=$(conf)
n=$(hostnet plan --live /c2.yaml | grep -cE '^ *[0-9]+  ')
echo "=== rotate rollback"; echo "steps $n"
i=1; while [ $i -le $n ]; do
  hostnet apply /c2.yaml --fail-at $i 2>&1 | log > /dev/null || true
  if [ "$(conf)" = "$before" ]; then echo "same $i"; else echo "DIFFER $i"; wg showconf wg0 | grep -v Key; fi
  i=$((i+1))
done
echo "=== rotate"; hostnet apply /c2.yaml 2>&1 | log
[ "$(wg show wg0 private-key)" = "$(cat /k1b)" ] && echo "key is k1b"
wg show wg0 allowed-ips
echo "=== again"; hostnet apply /c2.yaml 2>&1 | log
wg set wg0 peer "$(wg pubkey < /k2)" allowed-ips 10.9.0.99/32
echo "=== drift"; hostnet apply /c2.yaml 2>&1 | log; wg show wg0 allowed-ips
echo "=== show"; hostnet show --yaml 2>&1 | log; hostnet plan /c2.yaml 2>&1 | log > /dev/null
echo "=== secrets"
for k in /k1 /k1b /k2; do grep -qF "$(cat $k)" /tmp/all.out && echo "LEAK $k in output"; done
for f in $(grep -rlF "$(cat /k1)" /run/hostnet 2>/dev/null); do echo "file $f $(stat -c %a $f)"; done
echo "=== end"
"#;
    let c = support::vm::vm_with(script, &["/usr/bin/wg"], &[("wg.yaml", WG)]);
    let mode = section(&c, "mode");
    assert!(mode.contains("mode 0644 lets others read the key") && mode.contains("no wg0"), "{mode}");
    let inline = section(&c, "inline");
    assert!(inline.contains("private_key") && inline.contains("never written in the config"), "{inline}");
    for phase in ["create rollback", "rotate rollback"] {
        let rb = section(&c, phase);
        assert!(!rb.contains("DIFFER") && rb.contains("same 1"), "{phase}: {rb}");
    }
    assert!(section(&c, "apply").contains("verified: the host matches"), "{}", section(&c, "apply"));
    let ping = section(&c, "ping");
    assert!(ping.contains("3 packets received") || ping.contains(" 0% packet loss"), "{ping}");
    assert!(c.contains("key is k1\n") && c.contains("key is k1b\n"), "{c}");
    assert!(section(&c, "rotate").contains("10.9.1.0/24"), "{}", section(&c, "rotate"));
    assert!(section(&c, "again").trim().starts_with("nothing to do"), "{}", section(&c, "again"));
    let drift = section(&c, "drift");
    assert!(drift.contains("wireguard") && drift.contains("10.9.1.0/24") && !drift.contains("10.9.0.99"), "{drift}");
    let show = section(&c, "show");
    assert!(show.contains("wireguard:") && show.contains("listen_port: 51820"), "{show}");
    let secrets = section(&c, "secrets");
    assert!(!secrets.contains("LEAK"), "{secrets}");
    for line in secrets.lines().filter(|l| l.starts_with("file ")) {
        assert!(line.contains("/keys/") && line.ends_with(" 600"), "a key outside keys/ or readable: {line}");
    }
}
