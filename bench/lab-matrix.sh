#!/usr/bin/env bash
# Runs every built-in scenario on every lab design in the qemu micro-VM, each REPEAT times on
# fresh replicas (settled before the first fault), plus the per-mode throughput three times.
# Keeps the JSON and SVG reports in docs/lab-results/ and regenerates the tables of
# docs/lab-stacked-bonds.md from them (bench/lab-tables.py).
#   bench/lab-matrix.sh [--repeat N] [DESIGN...]     (default: 5 repeats, all designs)
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=5
if [ "${1:-}" = "--repeat" ]; then repeat=$2; shift 2; fi
cargo build --release -q
out=docs/lab-results
mkdir -p "$out"
designs=("$@")
[ ${#designs[@]} -gt 0 ] || designs=(stacked-bonds stacked-updelay stacked-minlinks ab-over-lacp alb-four-nics)
for d in "${designs[@]}"; do
  for s in one-cable switch-a a-then-b-then-one-a a-then-b-then-one-b; do
    echo "== $d / $s ($repeat runs)"
    ./target/release/hostnet lab --vm -q --repeat "$repeat" "examples/lab/$d.lab.yaml" --scenario "$s" \
      --json "$out/$d.$s.json" --svg "$out/$d.$s.svg" | sed -n '/^STEP/,/^median/p'
  done
done
if [ $# -eq 0 ]; then
  for i in 1 2 3; do
    echo "== throughput, run $i"
    ./target/release/hostnet lab --throughput --vm -q --json "$out/throughput.$i.json"
  done
  rm -f "$out/throughput.json"
fi
python3 bench/lab-tables.py --write docs/lab-stacked-bonds.md
