#!/usr/bin/env bash
# Runs every benchmark pinned to one core and writes BENCHMARKS.md.
# Usage: scripts/bench.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
core=1
[ "$(nproc)" -gt 1 ] || core=0
pin="taskset -c $core"

echo "bench: core benchmarks (Google Benchmark, 5 repetitions, pinned to CPU $core)" >&2
$pin "$build/bench/aegis_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$build/bench-core.json" \
  --latency_out="$build/bench-latency.json" >/dev/null

echo "bench: signatures and two-key overrides" >&2
$pin "$build/bench/aegis_bench_crypto" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$build/bench-crypto.json" >/dev/null

batch="$build/bench-batch.jsonl"
lines=1000000
if [ ! -f "$batch" ] || [ "$(wc -l <"$batch")" -ne "$lines" ]; then
  echo "bench: generating $lines contexts" >&2
  /usr/bin/python3 scripts/gen_batch.py "$lines" "$batch"
fi
: >"$build/bench-batch.txt"
for i in 1 2 3; do
  echo "bench: aegis evaluate --batch, run $i of 3" >&2
  set +e
  $pin "$build/aegis" evaluate --batch "$batch" -o /dev/null 2>>"$build/bench-batch.txt"
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || { echo "bench: batch run failed ($rc)" >&2; exit 1; }
done

echo "bench: Python module against plain Python + scipy" >&2
$pin /usr/bin/python3 bench/bench_python.py "$build" "$build/bench-python.json" >/dev/null

echo "bench: durable decisions into SQLite (100,000 lines, group commit)" >&2
head -n 100000 "$batch" >"$build/bench-durable.jsonl"
rm -f "$build"/bench-durable.db*
$pin "$build/aegis" evaluate --batch "$build/bench-durable.jsonl" -o /dev/null \
  --db "sqlite:$build/bench-durable.db" 2>"$build/bench-durable.txt"
"$build/aegis" audit verify --db "sqlite:$build/bench-durable.db" >/dev/null
rm -f "$build"/bench-durable.db*

echo "bench: durable decisions into PostgreSQL (throwaway cluster)" >&2
pgdir="$build/pg-bench-cluster"
scripts/pg_cluster.sh start "$pgdir" >/dev/null
trap 'scripts/pg_cluster.sh stop "$pgdir" >/dev/null' EXIT
pgurl="$(cat "$pgdir/url")/postgres"
$pin "$build/aegis" evaluate --batch "$build/bench-durable.jsonl" -o /dev/null \
  --db "$pgurl" 2>"$build/bench-durable-pg.txt"
"$build/aegis" audit verify --db "$pgurl" >/dev/null
scripts/pg_cluster.sh stop "$pgdir" >/dev/null
trap - EXIT
rm -f "$build/bench-durable.jsonl"

echo "bench: aegis serve POST /v1/evaluate with wrk (2 threads, 64 connections, 30 s, store on)" >&2
serve_dir=$(mktemp -d)
key=$("$build/aegis" apikey new --actor bench --role proposer)
keyval=$(echo "$key" | sed -n 's/^API key (shown once): //p')
{ echo "server:"; echo "  rate_limit_per_minute: 0"; echo "  api_keys:"; echo "$key" | grep -- '- {actor_id' | sed 's/^/  /'; } >"$serve_dir/c.yaml"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$build/aegis" serve --listen "127.0.0.1:$port" -c "$serve_dir/c.yaml" --db "sqlite:$serve_dir/s.db" 2>/dev/null &
serve_pid=$!
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
AEGIS_BENCH_KEY="$keyval" wrk -t2 -c64 -d30s -s bench/wrk_evaluate.lua "http://127.0.0.1:$port/v1/evaluate" \
  | grep '^WRK' >"$build/bench-wrk.txt"
echo "bench: the batch endpoint (100 contexts per request) and risk-check (no store), 15 s each" >&2
/usr/bin/python3 -c 'import json; print(json.dumps([{"risk_baseline": 0.1, "risk_proposed": 0.1 + i / 1000, "novelty_score": 0.9, "estimated_impact": "low"} for i in range(100)]))' >"$serve_dir/batch.json"
AEGIS_BENCH_KEY="$keyval" AEGIS_BENCH_BODY="$serve_dir/batch.json" wrk -t2 -c16 -d15s \
  -s bench/wrk_evaluate.lua "http://127.0.0.1:$port/v1/evaluate/batch" | grep '^WRK' >"$build/bench-wrk-batch.txt"
echo '{"action_description": "restart a pod", "risk_score": 0.2}' >"$serve_dir/risk.json"
AEGIS_BENCH_KEY="$keyval" AEGIS_BENCH_BODY="$serve_dir/risk.json" wrk -t2 -c64 -d15s \
  -s bench/wrk_evaluate.lua "http://127.0.0.1:$port/v1/risk-check" | grep '^WRK' >"$build/bench-wrk-risk.txt"
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
rm -rf "$serve_dir"

/usr/bin/python3 scripts/write_benchmarks.py "$build" >BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md" >&2
cat BENCHMARKS.md
