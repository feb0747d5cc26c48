#!/usr/bin/env python3
"""Two or more hostnet builds through the daemon, back to back (issue 11): in one settled
namespace of bench/gen-objects.py's N objects, each round starts each build's daemon in turn and
times ROUNDS x REPS one-change applies through it (as bench/daemon.py does), and reads the
daemon's CPU time per apply from /proc. `ip -batch` is timed once at the end for the ratio.
    bench/daemon-ab.py OLD_BIN,NEW_BIN [--rounds 4] [--reps 30] [--n 1000]
Needs root. Build each commit first (for example with `git worktree` and `cargo build --release`).
"""
import argparse, glob, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, Ns, run, settle  # noqa: E402
from daemon import wait_for, with_uplink  # noqa: E402


def cpu_ns(pid):
    """Run time of every thread of `pid` so far, in nanoseconds."""
    return sum(int(open(f).read().split()[0]) for f in glob.glob(f"/proc/{pid}/task/*/schedstat"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bins")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--n", type=int, default=1000)
    a = ap.parse_args()
    bins = a.bins.split(",")
    tmp = tempfile.mkdtemp(prefix="hostnet-daemon-ab-")
    d, dc = f"{tmp}/base", f"{tmp}/change"
    for out, extra in [(d, []), (dc, ["--change"])]:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench/gen-objects.py"), str(a.n), out, *extra], check=True)
        with_uplink(f"{out}/hostnet.yaml")
    state = f"{tmp}/state"
    wall = [[] for _ in bins]
    cpu = [[] for _ in bins]
    ipt = []
    with Ns() as ns:
        def h(b, *args):
            return [b, "--netns", ns.name, "--state-dir", state, *args]
        run(h(bins[0], "apply", "--boot", f"{d}/hostnet.yaml"))
        settle()
        for _ in range(a.rounds):
            for i, b in enumerate(bins):
                daemon = subprocess.Popen(h(b, "daemon", "--config", f"{d}/hostnet.yaml"),
                                          stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/daemon.log", "a"))
                try:
                    wait_for(lambda: subprocess.run(h(b, "status"), capture_output=True).returncode == 0)
                    time.sleep(0.5)
                    # The first applies after a start plan the whole config and keep its text.
                    for _ in range(3):
                        run(h(b, "apply", f"{d}/hostnet.yaml"))
                    c0 = cpu_ns(daemon.pid)
                    for _ in range(a.reps):
                        for cfg in (dc, d):
                            wall[i].append(run(h(b, "apply", f"{cfg}/hostnet.yaml"))[0])
                    cpu[i].append((cpu_ns(daemon.pid) - c0) / 1e6 / (2 * a.reps))
                finally:
                    daemon.terminate()
                    daemon.wait()
        for old, new in [("1", "3"), ("3", "1")]:
            open(f"{tmp}/ip-{old}.batch", "w").write(
                f"address del 10.0.0.{old}/24 dev p0\naddress add 10.0.0.{new}/24 dev p0\n"
                "route add 172.16.0.0/28 via 10.0.0.2 dev p0\n")
        for _ in range(a.reps):
            for old in ("1", "3"):
                ipt.append(run(["ip", "-n", ns.name, "-batch", f"{tmp}/ip-{old}.batch"])[0])
    ip = statistics.median(ipt)
    print(f"| build | through the daemon, median [p25–p75] | / ip -batch ({ip * 1000:.2f} ms) | daemon CPU per apply, per round |")
    print("|---|---|---|---|")
    for i, b in enumerate(bins):
        xs = sorted(wall[i])
        m = statistics.median(xs)
        print(f"| {b} | {m * 1000:.2f} ms [{xs[len(xs) // 4] * 1000:.2f}–{xs[3 * len(xs) // 4] * 1000:.2f}] "
              f"| {m / ip:.2f}x | {', '.join(f'{c:.2f}' for c in cpu[i])} ms |")


if __name__ == "__main__":
    main()
