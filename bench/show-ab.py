#!/usr/bin/env python3
"""`show` of several hostnet builds against `ip -d -j link show`, interleaved, in one settled
namespace: the machine's speed drifts by up to 20 % within minutes, so only runs taken in turn
are compared. Times each process from the outside (wall clock); prints per command the median
and the spread of ROUNDS runs.

    bench/show-ab.py NETNS BUILD [BUILD ...] [--rounds 30]

A BUILD is a hostnet binary, or `ip` for `ip -n NETNS -d -j link show`. The namespace must hold
the links already, and the kernel should have gone quiet (see compare.py's settle). Needs root.
"""
import argparse, statistics, subprocess, time


def argv(build, ns):
    if build == "ip":
        return ["ip", "-n", ns, "-d", "-j", "link", "show"]
    return [build, "--netns", ns, "show", "--json"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("netns")
    ap.add_argument("builds", nargs="+")
    ap.add_argument("--rounds", type=int, default=30)
    a = ap.parse_args()
    times = {b: [] for b in a.builds}
    for _ in range(a.rounds):
        for b in a.builds:
            t = time.perf_counter()
            subprocess.run(argv(b, a.netns), stdout=subprocess.DEVNULL, check=True)
            times[b].append((time.perf_counter() - t) * 1000)
    for b in a.builds:
        xs = sorted(times[b])
        print(f"{b}: median {statistics.median(xs):.1f} ms, middle half {xs[len(xs) // 4]:.1f}-{xs[3 * len(xs) // 4]:.1f} ms, "
              f"min {xs[0]:.1f} ms ({len(xs)} runs)")


if __name__ == "__main__":
    main()
