#!/usr/bin/env bash
# Runs every fuzz target, seeded from the examples and fixtures, for SECONDS each or RUNS
# executions each; prints executions and the outcome per target. Exit 1 on any crash.
#   fuzz/run.sh [--seconds N | --runs N]
set -euo pipefail
cd "$(dirname "$0")"
limit=(-max_total_time=20)
case "${1:-}" in
  --seconds) limit=(-max_total_time="$2") ;;
  --runs) limit=(-runs="$2") ;;
esac
./seed.sh
status=0
for t in config import_ifupdown import_netplan; do
  log=$(mktemp)
  if cargo +nightly fuzz run --sanitizer none "$t" "corpus/$t" -- "${limit[@]}" -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH; status=1
    tail -60 "$log"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  echo "$t: $result, $execs executions"
  rm -f "$log"
done
exit $status
