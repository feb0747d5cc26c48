#!/usr/bin/env python3
"""What the daemon promises, measured in fresh network namespaces (issue 11):

1. One change in an N-object config (bench/gen-objects.py; object 0's address changes, and its
   route, which the kernel drops with the address, comes back) applied through a running daemon,
   against the same change by `ip -batch` (three lines: del, add, route add) and by one-shot
   `hostnet apply --no-daemon`. Each run changes the address one way and back; every apply is a
   sample. The `ip` samples are taken in a twin namespace holding the same config, alternating
   with the daemon's (the daemon would repair `ip`'s change in its own): a machine that slows
   down for a while slows both alike.
2. A late NIC: a veth end with a declared MAC moved into the namespace from a peer namespace
   while the daemon runs; the time until its declared address is on it (polled every 2 ms,
   so ±2 ms plus one `ip` call).
3. Drift repair: object 0's address deleted by hand (`ip address del`, which also takes the
   route through it); the time from that command's start until the daemon has put both back
   (the notification, the 20 ms debounce, one plan against the mirror, the two operations and
   their verification; polled as above).

The config is JSON, as programs and Ansible write it; --yaml writes it as block YAML, as a
person does (the daemon then parses the whole file on every apply: see BENCHMARKS.md).

Prints a Markdown report (BENCHMARKS.md quotes it).
    bench/daemon.py [--n 1000] [--runs 20] [--late 20] [--yaml]
Needs root (namespaces) and iproute2. Build first: cargo build --release.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import HOSTNET, ROOT, Ns, run, settle  # noqa: E402

UPLINK_MAC = "02:00:00:00:0b:01"


def stats(xs):
    xs = sorted(xs)
    return f"{statistics.median(xs) * 1000:.1f} ms [{xs[0] * 1000:.1f}–{xs[-1] * 1000:.1f}] (n={len(xs)})"


def with_uplink(path, yaml=False):
    cfg = json.load(open(path))
    cfg["interfaces"].append({"name": "uplink", "ethernet": {"match": {"mac": UPLINK_MAC}},
                              "addresses": ["192.0.2.1/24"]})
    open(path, "w").write("".join(block_yaml(cfg)) if yaml else json.dumps(cfg))


def block_yaml(v, indent=""):
    """`v` (maps, lists, strings, numbers, booleans) as block YAML lines; strings double-quoted."""
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                yield f"{indent}{k}:\n"
                yield from block_yaml(x, indent + "  ")
            else:
                yield f"{indent}{k}: {json.dumps(x)}\n"
    else:
        for x in v:
            lines = list(block_yaml(x, indent + "  ")) if isinstance(x, (dict, list)) else [f"{indent}  {json.dumps(x)}\n"]
            yield f"{indent}- {lines[0].lstrip()}"
            yield from lines[1:]


def hostnet(ns, state, *args):
    return [HOSTNET, "--netns", ns, "--state-dir", state, *args]


def wait_for(cond, timeout=30.0, step=0.002):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if cond():
            return time.perf_counter() - t0
        time.sleep(step)
    raise RuntimeError("timed out")


def has_addr(ns, dev, addr):
    p = subprocess.run(["ip", "-n", ns, "-br", "addr", "show", "dev", dev], capture_output=True, text=True)
    return addr in p.stdout


def has_route(ns, dst):
    p = subprocess.run(["ip", "-n", ns, "route", "show", dst], capture_output=True, text=True)
    return dst.split("/")[0] in p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--late", type=int, default=20)
    # More than 10 repairs of one link in 60 s is a fight with another tool, and the daemon
    # pauses repair: stay below that.
    ap.add_argument("--drift", type=int, default=8)
    ap.add_argument("--yaml", action="store_true", help="write the config as block YAML, not JSON")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hostnet-daemon-bench-")
    d, dc = f"{tmp}/base", f"{tmp}/change"
    for out, extra in [(d, []), (dc, ["--change"])]:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/gen-objects.py"), str(a.n), out, *extra], check=True)
        with_uplink(f"{out}/hostnet.yaml", a.yaml)
    gw, dst = "10.0.0.2", "172.16.0.0/28"
    for name, old, new in [("to", "1", "3"), ("back", "3", "1")]:
        open(f"{tmp}/ip-{name}.batch", "w").write(
            f"address del 10.0.0.{old}/24 dev p0\naddress add 10.0.0.{new}/24 dev p0\nroute add {dst} via {gw} dev p0\n")
    state = f"{tmp}/state"
    res = {}
    with Ns() as ns, Ns() as peer, Ns() as twin:
        # Boot mode: the uplink NIC is not there yet.
        run(hostnet(ns.name, state, "apply", "--boot", f"{d}/hostnet.yaml"))
        run(hostnet(twin.name, f"{tmp}/twin-state", "apply", "--boot", f"{d}/hostnet.yaml"))
        busy = settle()
        print(f"  applied N={a.n} in the daemon's and the twin namespace; kernel busy {busy:.0f} s afterwards", file=sys.stderr)
        log = open(f"{tmp}/daemon.log", "w")
        daemon = subprocess.Popen(hostnet(ns.name, state, "daemon", "--config", f"{d}/hostnet.yaml"),
                                  stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_for(lambda: subprocess.run(hostnet(ns.name, state, "status"), capture_output=True).returncode == 0)
            settle()
            for r in range(a.runs):
                for cfg, name in ((dc, "to"), (d, "back")):
                    res.setdefault("daemon", []).append(run(hostnet(ns.name, state, "apply", f"{cfg}/hostnet.yaml"))[0])
                    res.setdefault("ip", []).append(run(["ip", "-n", twin.name, "-batch", f"{tmp}/ip-{name}.batch"])[0])
            for r in range(a.drift):
                t0 = time.perf_counter()
                subprocess.run(["ip", "-n", ns.name, "address", "del", "10.0.0.1/24", "dev", "p0"], check=True)
                wait_for(lambda: has_addr(ns.name, "p0", "10.0.0.1/24") and has_route(ns.name, dst), timeout=10)
                res.setdefault("drift", []).append(time.perf_counter() - t0)
                time.sleep(0.2)
            for r in range(a.late):
                t0 = time.perf_counter()
                subprocess.run(["ip", "-n", peer.name, "link", "add", "enx1", "address", UPLINK_MAC, "netns", ns.name,
                                "type", "veth", "peer", "name", "p-enx1"], check=True)
                wait_for(lambda: has_addr(ns.name, "uplink", "192.0.2.1/24"), timeout=10)
                res.setdefault("late", []).append(time.perf_counter() - t0)
                subprocess.run(["ip", "-n", ns.name, "link", "del", "uplink"], check=True)
                time.sleep(0.2)
        finally:
            daemon.terminate()
            daemon.wait()
        for r in range(a.runs):
            for cfg in (dc, d):
                res.setdefault("one-shot", []).append(
                    run(hostnet(ns.name, state, "apply", "--no-daemon", "--boot", f"{cfg}/hostnet.yaml"))[0])
    ratio = statistics.median(res["daemon"]) / statistics.median(res["ip"])
    print(f"### hostnet daemon (N={a.n}: {2 * a.n + (a.n + 99) // 100 + 1} declared links, "
          f"config as {'YAML' if a.yaml else 'JSON'}), {time.strftime('%Y-%m-%d')}\n")
    print("| what | median [min–max] |\n|---|---|")
    print(f"| one change through the daemon (`hostnet apply`) | {stats(res['daemon'])} |")
    print(f"| one change, one-shot (`hostnet apply --no-daemon`) | {stats(res['one-shot'])} |")
    print(f"| one change, `ip -batch` (3 lines) | {stats(res['ip'])} |")
    print(f"| daemon / ip | {ratio:.2f}x |")
    print(f"| late NIC: `ip link add` until its declared address is on it | {stats(res['late'])} |")
    if res.get("drift"):
        print(f"| drift repair: `ip address del` until address and route are back | {stats(res['drift'])} |")


if __name__ == "__main__":
    main()
