#!/usr/bin/env bash
# Runs every built-in scenario on every lab design in the qemu micro-VM and keeps the JSON and
# SVG reports in docs/lab-results/. docs/lab-stacked-bonds.md quotes these numbers.
#   bench/lab-matrix.sh [DESIGN...]     (default: all examples/lab/*.lab.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
out=docs/lab-results
mkdir -p "$out"
designs=("$@")
[ ${#designs[@]} -gt 0 ] || designs=(stacked-bonds stacked-updelay stacked-minlinks ab-over-lacp alb-four-nics)
for d in "${designs[@]}"; do
  for s in one-cable switch-a a-then-b-then-one-a a-then-b-then-one-b; do
    echo "== $d / $s"
    ./target/release/hostnet lab --vm -q "examples/lab/$d.lab.yaml" --scenario "$s" \
      --json "$out/$d.$s.json" --svg "$out/$d.$s.svg" | tail -n +4
  done
done
