#!/usr/bin/env python3
"""Time per phase against N for hostnet, `ip -batch` and nmstatectl, as one SVG: a panel per
phase, both axes logarithmic. Reads the Markdown tables bench/compare.py prints (several files
merge: later ones add sizes), so a chart can be redrawn from recorded results:

    python3 bench/chart.py bench/results/compare.md bench/results/compare-4000.md -o bench/results/compare.svg

compare.py draws it itself with --svg PATH. No plotting library: the SVG is written directly.
"""
import argparse, math, re, sys

PHASES = ["apply", "re-apply, no change", "apply one change", "show"]
TOOLS = [("hostnet", "#1f77b4", ""), ("ip -batch", "#2ca02c", "6,3"), ("nmstatectl", "#d62728", "2,3")]


def parse(text, data):
    """Adds {phase: {tool: {n: ms}}} from one compare.py report."""
    phase = None
    for line in text.splitlines():
        m = re.match(r"^### (.+)$", line.strip())
        if m:
            phase = m.group(1) if m.group(1) in PHASES else None
            continue
        if not phase or not line.startswith("| ") or line.startswith("| N "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells[0].isdigit():
            continue
        n = int(cells[0])
        for (tool, _, _), cell in zip(TOOLS, cells[1:4]):
            m = re.match(r"^([0-9.]+) ms$", cell)
            if m:
                data.setdefault(phase, {}).setdefault(tool, {})[n] = float(m.group(1))
    return data


def decades(lo, hi):
    return list(range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1))


def label(exp, unit=""):
    v = 10 ** exp
    if unit == "ms":
        return f"{v:g} ms" if v < 1000 else f"{v / 1000:g} s"
    return f"{v:g}"


def svg(data, title):
    w, h, cols = 380, 270, 2
    left, right, top, bottom = 62, 14, 34, 40
    rows = math.ceil(len(PHASES) / cols)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * w}" height="{rows * h + 56}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{cols * w / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>']
    ns = [n for p in data.values() for t in p.values() for n in t]
    ms = [v for p in data.values() for t in p.values() for v in t.values()]
    if not ns:
        sys.exit("chart: no timings in the input")
    xd, yd = decades(min(ns), max(ns)), decades(min(ms), max(ms))
    for i, phase in enumerate(PHASES):
        ox, oy = (i % cols) * w, 28 + (i // cols) * h
        pw, ph = w - left - right, h - top - bottom
        x = lambda n: ox + left + (math.log10(n) - xd[0]) / (xd[-1] - xd[0] or 1) * pw
        y = lambda v: oy + top + ph - (math.log10(v) - yd[0]) / (yd[-1] - yd[0] or 1) * ph
        out.append(f'<text x="{ox + left + pw / 2}" y="{oy + top - 10}" text-anchor="middle" font-size="12">{phase}</text>')
        out.append(f'<rect x="{ox + left}" y="{oy + top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for e in xd:
            out.append(f'<line x1="{x(10 ** e):.1f}" y1="{oy + top}" x2="{x(10 ** e):.1f}" y2="{oy + top + ph}" stroke="#eee"/>')
            out.append(f'<text x="{x(10 ** e):.1f}" y="{oy + top + ph + 14}" text-anchor="middle">{label(e)}</text>')
        for e in yd:
            out.append(f'<line x1="{ox + left}" y1="{y(10 ** e):.1f}" x2="{ox + left + pw}" y2="{y(10 ** e):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{ox + left - 4}" y="{y(10 ** e) + 4:.1f}" text-anchor="end">{label(e, "ms")}</text>')
        out.append(f'<text x="{ox + left + pw / 2}" y="{oy + top + ph + 30}" text-anchor="middle">N (objects)</text>')
        for tool, colour, dash in TOOLS:
            pts = sorted(data.get(phase, {}).get(tool, {}).items())
            if not pts:
                continue
            path = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in pts)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')
            for n, v in pts:
                out.append(f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"><title>{tool}, N={n}: {v:g} ms</title></circle>')
    ly = rows * h + 44
    for k, (tool, colour, dash) in enumerate(TOOLS):
        lx = 70 + k * 170
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 30}" y2="{ly - 4}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{lx + 36}" y="{ly}">{tool}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="+")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--title", default="wall time per phase against N (medians; log-log)")
    a = ap.parse_args()
    data = {}
    for r in a.reports:
        parse(open(r).read(), data)
    open(a.out, "w").write(svg(data, a.title))


if __name__ == "__main__":
    main()
