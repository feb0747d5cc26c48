#!/usr/bin/env python3
"""hostnet vs `ip -batch` vs `nmstatectl --kernel`, side by side, in fresh network namespaces.

For N objects (bench/gen-objects.py) it measures, per tool, the median of RUNS runs of:
apply from empty, re-apply with no change, apply of one change in the big config, and show
(itself the median of SHOW_REPEATS runs back to back: the first runs after the kernel has gone
quiet are slow, and one run per repetition spread 2-3x at N=1000).
Wall time is taken around each child process; peak memory is the child's max RSS (wait4).
Prints a Markdown report (BENCHMARKS.md quotes it).

    bench/compare.py [--sizes 10,100,1000,4000] [--runs 3] [--nmstatectl PATH] [--skip-nmstate-above 1000]
Needs root (namespaces), iproute2, and nmstatectl (bench/run-compare.sh installs it).
"""
import argparse, os, signal, statistics, subprocess, sys, tempfile, time

# A benchmark stopped by `kill` or a timeout must still delete its namespaces (each holds
# thousands of links that slow every later run): SIGTERM unwinds like Ctrl-C, through the
# `with Ns()` blocks.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# HOSTNET_BIN runs another build (an older commit built elsewhere) through the same scripts.
HOSTNET = os.environ.get("HOSTNET_BIN", os.path.join(ROOT, "target/release/hostnet"))

SHOW_REPEATS = 9

def median_run(runs):
    """Of several runs of one command, the one with the median wall time."""
    return sorted(runs)[len(runs) // 2]

def run(argv):
    """Runs argv; returns (wall seconds, max RSS in KiB, user CPU seconds, system CPU seconds).
    Fails loudly on error."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}: {err[-2000:]}")
    return dt, ru.ru_maxrss, ru.ru_utime, ru.ru_stime

class Ns:
    seq = 0
    def __init__(self):
        Ns.seq += 1
        self.name = f"hnb-{os.getpid()}-{Ns.seq}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
    def __enter__(self): return self
    def __exit__(self, *a):
        subprocess.run(["ip", "netns", "del", self.name], check=False)
        # Namespace teardown finishes in kernel workers after `ip netns del` returns (minutes
        # for 8000 links); measuring the next run meanwhile would charge it for this cleanup.
        time.sleep(1)
        settle()

def cpu_times():
    v = list(map(int, open("/proc/stat").readline().split()[1:]))
    return sum(v), v[3] + v[4]  # all, idle + iowait

def settle(timeout=900, busy_below=0.10, quiet_secs=3):
    """After links come up the kernel keeps working for seconds to minutes (IPv6 duplicate
    address detection, MLD and router solicitations: quadratic in the number of links, partly
    under the RTNL lock). Later phases are measured once the machine's CPUs have been idle
    for `quiet_secs` seconds in a row, as they would be on a running host. Returns how long the
    kernel stayed busy, or None if it never settled."""
    start, quiet = time.time(), 0
    a = cpu_times()
    while time.time() - start < timeout:
        time.sleep(1)
        b = cpu_times()
        busy = 1 - (b[1] - a[1]) / max(1, b[0] - a[0])
        a = b
        quiet = quiet + 1 if busy < busy_below else 0
        if quiet >= quiet_secs:
            return time.time() - start - quiet_secs
    print(f"  warning: the kernel was still busy after {timeout} s", file=sys.stderr)
    return None

def tools(nm, state):
    return {
        "hostnet": {
            "apply": lambda ns, d: [HOSTNET, "--netns", ns, "--state-dir", state, "apply", f"{d}/hostnet.yaml"],
            "show": lambda ns: [HOSTNET, "--netns", ns, "show", "--json"],
        },
        "ip -batch": {
            "apply": lambda ns, d: ["ip", "-n", ns, "-batch", f"{d}/ip.batch"],
            "show": lambda ns: ["ip", "-n", ns, "-d", "-j", "link", "show"],
        },
        "nmstatectl": {
            "apply": lambda ns, d: ["ip", "netns", "exec", ns, nm, "apply", "--kernel", "-q", f"{d}/nmstate.yml"],
            "show": lambda ns: ["ip", "netns", "exec", ns, nm, "show", "--kernel", "-q"],
        },
    }

def median(xs):
    return statistics.median(xs) if xs else None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000,4000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--nmstatectl", default=os.path.join(ROOT, "target/bench-tools/bin/nmstatectl"))
    ap.add_argument("--skip-nmstate-above", type=int, default=1000)
    ap.add_argument("--svg", help="also draw the report as a chart (bench/chart.py) to this file")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    tmp = tempfile.mkdtemp(prefix="hostnet-bench-")
    state = os.path.join(tmp, "state")
    results = {}  # (tool, n, phase) -> [(secs, rss)]
    for n in sizes:
        d, dc = f"{tmp}/n{n}", f"{tmp}/n{n}c"
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/gen-objects.py"), str(n), d], check=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/gen-objects.py"), str(n), dc, "--change"], check=True)
        # ip's "one change" is the two commands a person would type.
        a0 = "10.0.0"
        open(f"{dc}/ip.batch", "w").write(f"address del {a0}.1/24 dev p0\naddress add {a0}.3/24 dev p0\n")
        for tool, t in tools(a.nmstatectl, state).items():
            if tool == "nmstatectl" and n > a.skip_nmstate_above:
                continue
            runs = 1 if (tool == "nmstatectl" and n >= 1000) else a.runs
            for r in range(runs):
                with Ns() as ns:
                    results.setdefault((tool, n, "apply"), []).append(run(t["apply"](ns.name, d)))
                    busy = settle()
                    results.setdefault((tool, n, "kernel busy after apply"), []).append((busy if busy is not None else float("nan"),))
                    shows = [run(t["show"](ns.name)) for _ in range(SHOW_REPEATS)]
                    results.setdefault((tool, n, "show"), []).append(median_run(shows))
                    if tool != "ip -batch":
                        results.setdefault((tool, n, "re-apply, no change"), []).append(run(t["apply"](ns.name, d)))
                    results.setdefault((tool, n, "apply one change"), []).append(run(t["apply"](ns.name, dc)))
                print(f"  {tool} N={n} run {r + 1}/{runs} done", file=sys.stderr)
    text = report(results, sizes)
    print(text)
    if a.svg:
        import chart
        open(a.svg, "w").write(chart.svg(chart.parse(text, {}), "wall time per phase against N (medians; log-log)"))

def report(results, sizes):
    out = []
    phases = ["apply", "re-apply, no change", "apply one change", "show"]
    tools_ = ["hostnet", "ip -batch", "nmstatectl"]
    for phase in phases:
        out.append(f"\n### {phase}\n")
        out.append("| N | " + " | ".join(f"{t} time" for t in tools_) + " | " + " | ".join(f"{t} peak RSS" for t in tools_) + " | hostnet / ip -batch | nmstatectl / hostnet |")
        out.append("|---" * (2 + 2 * len(tools_) + 1) + "|")
        for n in sizes:
            cells, rss = [], []
            med = {}
            for t in tools_:
                xs = results.get((t, n, phase), [])
                if xs:
                    med[t] = median([x[0] for x in xs])
                    cells.append(f"{med[t] * 1000:.1f} ms")
                    rss.append(f"{median([x[1] for x in xs]) / 1024:.1f} MiB")
                else:
                    cells.append("n/a")
                    rss.append("n/a")
            ratio = lambda a, b: f"{med[a] / med[b]:.2f}x" if a in med and b in med else "n/a"
            out.append(f"| {n} | " + " | ".join(cells) + " | " + " | ".join(rss) + f" | {ratio('hostnet', 'ip -batch')} | {ratio('nmstatectl', 'hostnet')} |")
    out.append(growth(results, sizes, tools_))
    out.append(afterwards(results, sizes, tools_))
    out.append(spread(results, sizes, tools_, phases + ["kernel busy after apply"]))
    return "\n".join(out)

def spread(results, sizes, tools_, phases):
    """Every phase's runs as min–max, so that a median can be read against its spread (the
    tables above print medians only)."""
    out = ["\n### spread of the runs (min–max; n runs)\n", "| phase | N | " + " | ".join(tools_) + " |",
           "|---" * (2 + len(tools_)) + "|"]
    for phase in phases:
        unit, scale = ("s", 1) if phase == "kernel busy after apply" else ("ms", 1000)
        for n in sizes:
            cells = []
            for t in tools_:
                xs = [x[0] * scale for x in results.get((t, n, phase), [])]
                cells.append(f"{min(xs):.1f}–{max(xs):.1f} {unit} ({len(xs)})" if xs else "n/a")
            out.append(f"| {phase} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(out)

def growth(results, sizes, tools_):
    """How apply's cost grows with N, split into the tool's own CPU time in user space, the CPU
    time the kernel spent in its system calls, and wall time (which adds waiting, mostly on
    the RTNL lock). Per object, so linear growth reads as a constant."""
    out = ["\n### apply: growth per object (wall / user CPU / kernel CPU, µs per object)\n",
           "| N | " + " | ".join(tools_) + " |", "|---" * (1 + len(tools_)) + "|"]
    for n in sizes:
        cells = []
        for t in tools_:
            xs = results.get((t, n, "apply"), [])
            if not xs or len(xs[0]) < 4:
                cells.append("n/a")
                continue
            w, u, k = (median([x[i] for x in xs]) * 1e6 / n for i in (0, 2, 3))
            cells.append(f"{w:.0f} / {u:.0f} / {k:.0f}")
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(out)

def afterwards(results, sizes, tools_):
    """The work a tool leaves the kernel: seconds of busy CPUs after it exits."""
    out = ["\n### kernel busy after apply (s, median)\n", "| N | " + " | ".join(tools_) + " |", "|---" * (1 + len(tools_)) + "|"]
    for n in sizes:
        cells = []
        for t in tools_:
            xs = [x[0] for x in results.get((t, n, "kernel busy after apply"), [])]
            cells.append(f"{median(xs):.0f}" if xs else "n/a")
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(out)

if __name__ == "__main__":
    main()
