#!/usr/bin/env bash
# The issue-6 comparison in one command: installs nmstatectl (crates.io) and GNU time if needed,
# builds hostnet, runs bench/compare.py and writes bench/results/compare.md and its chart,
# bench/results/compare.svg.
#   bench/run-compare.sh [--sizes 10,100,1000,4000] [--runs 3]
set -euo pipefail
cd "$(dirname "$0")/.."
nm=target/bench-tools/bin/nmstatectl
[ -x "$nm" ] || cargo install nmstatectl --locked --root target/bench-tools
command -v ip >/dev/null || { apt-get update -qq; apt-get install -y -qq iproute2; }
cargo build --release -q
mkdir -p bench/results
python3 bench/compare.py --nmstatectl "$nm" --svg bench/results/compare.svg "$@" | tee bench/results/compare.md
