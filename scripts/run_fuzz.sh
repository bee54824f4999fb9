#!/usr/bin/env bash
# Runs a libFuzzer binary for a bounded time on a scratch copy of the seed corpus.
# Usage: scripts/run_fuzz.sh FUZZER SECONDS CORPUS_DIR
set -euo pipefail
fuzzer=$1
secs=$2
corpus=$3
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$work" "$log"' EXIT
cp "$root/$corpus"/* "$work"/
if ! "$fuzzer" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work" >"$log" 2>&1; then
  tail -n 60 "$log"
  echo "fuzz: $(basename "$fuzzer") FAILED"
  exit 1
fi
runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
echo "fuzz: $(basename "$fuzzer") ran ${secs}s under ASan+UBSan: $runs inputs, no crash"
