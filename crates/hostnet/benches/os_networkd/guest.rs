//! The guest side of the networkd benchmark: networkd's files for the seed's design (as close as
//! networkd expresses it), the 1000-link additions for both managers, the switch between them,
//! and the scripts that measure a boot and a loaded daemon.
//!
//! Where the two designs differ, and why:
//! - hostnet renames the four NICs (e1p1 ...); networkd matches them by permanent MAC and name
//!   but leaves their names, because renaming is udev's job (.link files), and a .link file would
//!   rename them under hostnet too. hostnet does more work here, not less.
//! - networkd waits for an IPv6 link-local address on every link it configures unless told not
//!   to; hostnet's contract (idmz: lease, vl100: address) is IPv4 only, so networkd gets
//!   `LinkLocalAddressing=no` and `IPv6AcceptRA=no` on the links it addresses: both then wait for
//!   the same things. The kernel still gives hostnet's links link-local addresses.
//! - ifupdown stays installed (Debian's default) but idle under both: networking.service
//!   disabled and its udev hook masked, as `hostnet doctor` advises after a migration. The hook
//!   runs ifquery for every new link, whoever made it.

/// networkd's files for SEED (crates/hostnet/tests/support/os.rs).
pub const NETWORKD_SEED: &str = r#"set -e
d=/etc/systemd/network
mkdir -p $d
for b in idmz1 idmz2; do
  printf '[NetDev]\nName=%s\nKind=bond\n[Bond]\nMode=802.3ad\nMIIMonitorSec=100ms\nLACPTransmitRate=fast\n' $b > $d/10-$b.netdev
done
printf '[NetDev]\nName=idmz\nKind=bond\n[Bond]\nMode=balance-alb\nMIIMonitorSec=100ms\n' > $d/10-idmz.netdev
printf '[NetDev]\nName=vl100\nKind=vlan\n[VLAN]\nId=100\n' > $d/10-vl100.netdev
printf '[Match]\nPermanentMACAddress=52:54:00:aa:00:00 52:54:00:aa:00:01\n[Network]\nBond=idmz1\n[Link]\nRequiredForOnline=no\n' > $d/20-e1.network
printf '[Match]\nName=ens18 ens19\n[Network]\nBond=idmz2\n[Link]\nRequiredForOnline=no\n' > $d/20-e2.network
printf '[Match]\nName=idmz1 idmz2\n[Network]\nBond=idmz\n[Link]\nRequiredForOnline=no\n' > $d/30-inner.network
printf '[Match]\nName=idmz\n[Network]\nDHCP=ipv4\nVLAN=vl100\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n[DHCPv4]\nUseDNS=no\n[Link]\nRequiredForOnline=routable\n' > $d/40-idmz.network
printf '[Match]\nName=vl100\n[Network]\nAddress=10.100.0.10/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n[Link]\nRequiredForOnline=routable\n' > $d/50-vl100.network
"#;

/// 1000 dummy links with an address each, for networkd: what hostnet gets in HOSTNET_1000.
pub const NETWORKD_1000: &str = r#"set -e
d=/etc/systemd/network
for i in $(seq 0 999); do
  printf '[NetDev]\nName=d%s\nKind=dummy\n' $i > $d/60-d$i.netdev
  printf '[Match]\nName=d%s\n[Network]\nAddress=10.200.%s.%s/32\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n[Link]\nRequiredForOnline=no\n' \
    $i $((i / 250)) $((i % 250 + 1)) > $d/60-d$i.network
done
"#;

/// The seed with 1000 dummy links inserted before its `online:` section, as hostnet's file.
pub const HOSTNET_1000: &str = r#"set -e
f=/etc/hostnet/hostnet.yaml
awk '/^online:/{exit} {print}' /root/seed.yaml > $f
for i in $(seq 0 999); do
  echo "  - { name: d$i, dummy: {}, addresses: [10.200.$((i / 250)).$((i % 250 + 1))/32] }"
done >> $f
sed -n '/^online:/,$p' /root/seed.yaml >> $f
hostnet check
"#;

/// `use-manager hostnet|networkd`: the host's only network manager from the next boot on.
pub const USE_MANAGER: &str = r#"#!/bin/bash
set -e
networkd="systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service"
case "$1" in
  hostnet) systemctl disable -q $networkd; systemctl enable -q hostnetd.service ;;
  networkd) systemctl disable -q hostnetd.service; systemctl enable -q $networkd ;;
  *) echo "use-manager: hostnet or networkd" >&2; exit 2 ;;
esac
"#;

/// `boot-measure MANAGER`, right after a boot: waits for network-online.target, checks that the
/// design holds (every port enslaved, the lease, both networks answer), and prints `took_ms`
/// (the manager unit's start to network-online.target), `online_ms` (the kernel's start to it)
/// and `first_ping` (1 when the unit ordered after network-online.target reached the peer).
pub const BOOT_MEASURE: &str = r#"#!/bin/bash
set -e
case "$1" in
  hostnet) unit=hostnetd.service; waiter=hostnetd.service ;;
  networkd) unit=systemd-networkd.service; waiter=systemd-networkd-wait-online.service ;;
esac
# Until the unit that needs the network has run this boot (or 20 min, for 1000 links under TCG).
for i in $(seq 1200); do
  [ "$(systemctl show needs-network -p ExecMainExitTimestampMonotonic --value)" != 0 ] && break
  sleep 1
done
if ! systemctl is-active -q network-online.target $waiter; then
  echo "$waiter did not start: the network never came online" >&2
  systemctl status --no-pager $unit 2>&1 | head -n 12 >&2
  journalctl -b -u $unit -o short-monotonic --no-pager | head -n 30 >&2
  echo ... >&2
  journalctl -b -u $unit -o short-monotonic --no-pager | tail -n 30 >&2
  exit 1
fi
start=$(systemctl show $unit -p InactiveExitTimestampMonotonic --value)
online=$(systemctl show network-online.target -p ActiveEnterTimestampMonotonic --value)
for b in idmz1 idmz2 idmz; do
  if [ "$(grep -c '^Slave Interface' /proc/net/bonding/$b)" != 2 ]; then
    echo "$b: not every port enslaved" >&2; cat /proc/net/bonding/$b >&2; exit 1
  fi
done
for i in $(seq 60); do
  ping -c1 -W1 10.0.0.1 >/dev/null 2>&1 && ping -c1 -W1 10.100.0.1 >/dev/null 2>&1 && break
  sleep 1
done
ping -c1 -W2 10.0.0.1 >/dev/null && ping -c1 -W2 10.100.0.1 >/dev/null
ip -4 -o addr show dev idmz | grep -q 'inet 10\.0\.0\.'
first=$(tail -n1 /var/log/first-ping)
echo "took_ms=$(( (online - start) / 1000 )) online_ms=$(( online / 1000 )) first_ping=$([ "$first" = ok ] && echo 1 || echo 0)"
# Not measured, but what explains a number: when the bonds got carrier and the lease came.
echo "--- $unit started at $((start / 1000)) ms; its journal:"
journalctl -b -u $unit -o short-monotonic --no-pager | grep -iE 'carrier|dhcp|lease|online|ready|bond' | tail -n 12
"#;

/// `load-measure MANAGER`, after a boot with the 1000 dummy links: once every link has its
/// address and the daemon is quiet, its RSS and its CPU over an idle minute (from the unit's
/// cgroup, so helpers count too), then three rounds of 1000 carrier-offs and 1000 carrier-ons
/// (`ip -batch`), each measured until the daemon is quiet again, less its idle rate.
pub const LOAD_MEASURE: &str = r#"#!/bin/bash
set -e
case "$1" in
  hostnet) unit=hostnetd.service ;;
  networkd) unit=systemd-networkd.service ;;
esac
cg=/sys/fs/cgroup/system.slice/$unit
# A restart removes the unit's cgroup for a moment: the script then stops and says why.
cpu_us() {
  if ! awk '/^usage_usec/{print $2}' $cg/cpu.stat 2>/dev/null; then
    echo "$unit restarted ($(systemctl show $unit -p NRestarts --value) restarts); its journal:" >&2
    journalctl -b -u $unit -o short-monotonic --no-pager | grep -viE 'configur' | tail -n 20 >&2
    exit 1
  fi
}
addrs() { ip -4 -o addr show | grep -c 'inet 10\.200\.' || true; }
# quiet: the unit used under 20 ms of CPU in the last 5 s (at most 10 min)
quiet() {
  local a b
  for i in $(seq 120); do a=$(cpu_us); sleep 5; b=$(cpu_us); [ $((b - a)) -lt 20000 ] && return 0; done
  echo "$unit never went quiet" >&2; return 1
}
for i in $(seq 600); do [ "$(addrs)" = 1000 ] && break; sleep 1; done
[ "$(addrs)" = 1000 ] || { echo "only $(addrs) of the 1000 dummy addresses" >&2; exit 1; }
quiet
pid=$(systemctl show -p MainPID --value $unit)
a=$(cpu_us); sleep 60; b=$(cpu_us)
idle_us=$((b - a))
rss=$(awk '/^VmRSS/{print $2}' /proc/$pid/status)
hwm=$(awk '/^VmHWM/{print $2}' /proc/$pid/status)
for i in $(seq 0 999); do echo "link set d$i carrier off"; done > /tmp/off
for i in $(seq 0 999); do echo "link set d$i carrier on"; done > /tmp/on
per=()
for r in 1 2 3; do
  a=$(cpu_us); t0=$(date +%s%N)
  ip -batch /tmp/off; ip -batch /tmp/on
  quiet
  b=$(cpu_us); t1=$(date +%s%N)
  used=$(( (b - a) - idle_us * ((t1 - t0) / 1000000) / 60000 ))
  per+=($(( used / 2 / 1000 )))
  left=$(addrs)
  [ "$left" = 1000 ] || { echo "after the carrier changes, $left of 1000 addresses" >&2; exit 1; }
done
sorted=($(printf '%s\n' "${per[@]}" | sort -n))
restarts=$(systemctl show $unit -p NRestarts --value)
[ "$restarts" = 0 ] || { echo "$unit restarted $restarts times during the measurement" >&2; exit 1; }
echo "rss_kib=$rss hwm_kib=$hwm idle_cpu_ms_per_min=$((idle_us / 1000)) event_cpu_ms_per_1000=${sorted[1]} event_rounds=${per[0]},${per[1]},${per[2]}"
"#;
