#!/usr/bin/env python3
"""What keeping bridges down for a while after their ports come up does to the kernel's work
after an apply (issue 15, target 5). For each HOLD: in a fresh namespace, hostnet applies
bench/gen-objects.py's N objects with every bridge `state: down`, sleeps HOLD seconds, applies
the real config (which brings the bridges up), and then waits for the kernel to go quiet as
compare.py judges it. One run per HOLD; give a HOLD twice to repeat it.

    bench/bridge-hold.py N HOLD [HOLD ...]       (HOSTNET_BIN: another build)
Needs root. Prints one line per run; bench/results/bridge-hold-*.md keeps them."""
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def main():
    n, holds = sys.argv[1], [float(h) for h in sys.argv[2:]]
    d = tempfile.mkdtemp(prefix=f"bridge-hold-{n}-")
    subprocess.run([sys.executable, os.path.join(compare.ROOT, "bench/gen-objects.py"), n, d], check=True)
    cfg = json.load(open(f"{d}/hostnet.yaml"))
    for i in cfg["interfaces"]:
        if "bridge" in i:
            i["state"] = "down"
    json.dump(cfg, open(f"{d}/held.yaml", "w"))
    for hold in holds:
        compare.settle()
        with compare.Ns() as ns:
            st = tempfile.mkdtemp(prefix="bridge-hold-state-")
            t0 = time.time()
            held = compare.run([compare.HOSTNET, "--netns", ns.name, "--state-dir", st, "apply", f"{d}/held.yaml"])[0]
            time.sleep(hold)
            up = compare.run([compare.HOSTNET, "--netns", ns.name, "--state-dir", st, "apply", f"{d}/hostnet.yaml"])[0]
            done = time.time() - t0
            busy = compare.settle()
            busy = float("nan") if busy is None else busy
            print(f"N={n} hold {hold:4.1f} s: apply with bridges down {held:.1f} s, bridges up {up:.2f} s, "
                  f"start to bridges up {done:.1f} s, kernel busy after {busy:.0f} s, "
                  f"start to quiet {done + busy:.0f} s", flush=True)


if __name__ == "__main__":
    main()
