#!/usr/bin/env python3
"""Why the kernel stays busy after a large first apply: one apply of N objects
(bench/gen-objects.py) in a fresh namespace, how long the kernel stays busy after it (as
compare.py judges it), and the namespace's IPv6 packet counters (/proc/net/snmp6) at the end
of the apply and once settled, with the packets the CPUs' input queues dropped meanwhile
(/proc/net/softnet_stat, machine-wide).

    bench/busy-counters.py hostnet|ip DIR      (DIR: gen-objects.py's output)
Needs root. One run takes minutes at N=4000; BENCHMARKS.md quotes the results."""
import os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

KEYS = ["Ip6InReceives", "Ip6InMcastPkts", "Ip6OutMcastPkts", "Icmp6OutRouterSolicits",
        "Icmp6OutNeighborSolicits", "Icmp6OutMLDv2Reports"]

def snmp6(ns):
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp6"], capture_output=True, text=True,
                         check=True).stdout
    v = dict(line.split() for line in out.splitlines() if line.strip())
    return {k: int(v.get(k, 0)) for k in KEYS}

def softnet_drops():
    return sum(int(line.split()[1], 16) for line in open("/proc/net/softnet_stat"))

def main():
    tool, d = sys.argv[1], sys.argv[2]
    compare.settle()
    with compare.Ns() as ns:
        drops = softnet_drops()
        if tool == "hostnet":
            argv = [compare.HOSTNET, "--netns", ns.name, "--state-dir", tempfile.mkdtemp(), "apply", f"{d}/hostnet.yaml"]
        else:
            argv = ["ip", "-n", ns.name, "-batch", f"{d}/ip.batch"]
        took = compare.run(argv)[0]
        at_apply = snmp6(ns.name)
        busy = compare.settle()
        busy = float("nan") if busy is None else busy
        settled = snmp6(ns.name)
        print(f"{tool} {d}: apply {took:.1f} s, kernel busy after {busy:.0f} s, "
              f"input queue drops {softnet_drops() - drops}")
        print("| counter | end of apply | settled |\n|---|---|---|")
        for k in KEYS:
            print(f"| {k} | {at_apply[k]} | {settled[k]} |")

if __name__ == "__main__":
    main()
