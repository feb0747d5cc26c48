#!/usr/bin/env python3
"""Tables for docs/lab-stacked-bonds.md from the lab's JSON reports in docs/lab-results/.

    bench/lab-tables.py                 # print the tables
    bench/lab-tables.py --write FILE    # replace the text between the lab-tables markers in FILE

Each cell is the median over the runs with [min-max]; "±" marks a step whose spread the lab
judged large; the corosync column says in how many runs a node would have been lost.
"""
import glob, json, os, statistics, sys

RESULTS = os.path.join(os.path.dirname(__file__), "..", "docs", "lab-results")
DESIGNS = [
    ("stacked-bonds", "balance-alb over two 802.3ad bonds (the seed)"),
    ("stacked-updelay", "same, outer updelay 3000"),
    ("stacked-minlinks", "same, outer updelay 3000, inner min_links 2"),
    ("ab-over-lacp", "active-backup over two 802.3ad bonds"),
    ("alb-four-nics", "balance-alb over four NICs, no LACP"),
]
SCENARIOS = ["one-cable", "switch-a", "a-then-b-then-one-a", "a-then-b-then-one-b"]


def stat(s, unit=""):
    if s is None:
        return "–"
    if s["min"] == s["max"]:
        return f"{s['median']:.0f}{unit}"
    return f"{s['median']:.0f}{unit} [{s['min']:.0f}–{s['max']:.0f}]"


def recovery(st):
    runs, bad = st["runs"], st["not_recovered"]
    if bad == runs:
        return "**no recovery**"
    r = st.get("recovered_after_ms")
    text = "no loss" if st["lost"]["max"] == 0 else stat(r, " ms")
    return text if bad == 0 else f"{text}; **no recovery in {bad}/{runs}**"


def cluster(st):
    c = st.get("cluster")
    if not c:
        return "–"
    if c["node_lost_runs"]:
        return f"**node lost** in {c['node_lost_runs']}/{st['runs']}"
    m = c.get("worst_margin_ms")
    if m is None or m >= c["token_timeout_ms"]:
        return "survives"
    return f"survives (≥ {m / 1000:.1f} s spare)"


def settle_line(reports):
    times = [run["settle"]["settled_after_ms"] / 1000 for r in reports for run in r["runs"]]
    if not times:
        return ""
    return (f"Replicas settled {statistics.median(times):.1f} s (median; {min(times):.1f}–{max(times):.1f} s) "
            f"after the first probe, over {len(times)} runs.\n")


def scenario_tables():
    out, reports = [], []
    for sc in SCENARIOS:
        rows = []
        desc = ""
        for d, label in DESIGNS:
            p = os.path.join(RESULTS, f"{d}.{sc}.json")
            if not os.path.exists(p):
                continue
            r = json.load(open(p))
            reports.append(r)
            desc = r["description"]
            for st in r["summary"]:
                if st["action"] == "baseline":
                    continue
                outage = "–" if st["outage_ms"]["max"] == 0 else stat(st["outage_ms"], " ms")
                spread = " ±" if st["spread_large"] else ""
                rows.append(f"| {label} | {st['action']} | {stat(st['lost'])} | {outage}{spread} | "
                            f"{recovery(st)} | {cluster(st)} |")
        if rows:
            runs = reports[-1]["summary"][0]["runs"]
            out.append(f"#### `{sc}`\n\n_{desc}_ ({runs} runs per design)\n")
            out.append("| design | step | lost packets | longest outage | recovered after | corosync, 3 s token |")
            out.append("|---|---|---|---|---|---|")
            out.extend(rows)
            out.append("")
    return settle_line(reports) + "\n" + "\n".join(out)


def throughput_table():
    files = sorted(glob.glob(os.path.join(RESULTS, "throughput.*.json")))
    if not files:
        return ""
    runs = [json.load(open(f)) for f in files]
    modes = [m["mode"] for m in runs[0]]
    lines = [f"| mode | link (Mbit/s) | 1 flow (Mbit/s) | {runs[0][0]['flows']} flows (Mbit/s) |", "|---|---|---|---|"]
    for mode in modes:
        get = lambda k: [next(m for m in r if m["mode"] == mode)[k] for r in runs]
        def cell(vals):
            return f"{statistics.median(vals):.1f} [{min(vals):.1f}–{max(vals):.1f}]"
        lines.append(f"| {mode} | {get('link_mbit')[0]} | {cell(get('one_flow_mbit'))} | {cell(get('many_flows_mbit'))} |")
    return f"Median [min–max] of {len(runs)} runs.\n\n" + "\n".join(lines) + "\n"


def main():
    tables = {"lab-tables": scenario_tables(), "throughput-table": throughput_table()}
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        text = open(sys.argv[2]).read()
        for name, body in tables.items():
            begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
            if begin in text:
                head, rest = text.split(begin, 1)
                text = head + begin + "\n" + body.strip() + "\n" + end + rest.split(end, 1)[1]
        open(sys.argv[2], "w").write(text)
    else:
        for body in tables.values():
            print(body)


main()
