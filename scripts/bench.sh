#!/usr/bin/env bash
# Runs every benchmark pinned to one core (the thread-scaling ones on both) and writes
# BENCHMARKS.md.
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
: >"$build/bench-batch-all.txt"
for i in 1 2 3; do
  echo "bench: aegis evaluate --batch, run $i of 3: one thread on one core, then every core" >&2
  set +e
  $pin "$build/aegis" evaluate --batch "$batch" -o /dev/null --threads 1 2>>"$build/bench-batch.txt"
  rc=$?
  "$build/aegis" evaluate --batch "$batch" -o /dev/null --threads "$(nproc)" \
    2>>"$build/bench-batch-all.txt"
  rc=$((rc | $?))
  set -e
  [ "$rc" -eq 0 ] || { echo "bench: batch run failed ($rc)" >&2; exit 1; }
done

echo "bench: the same 1,000,000 lines through a plain-Python loop (the reference run, one core)" >&2
$pin /usr/bin/python3 bench/bench_batch_python.py "$batch" "$build/bench-batch-python.json" >/dev/null

echo "bench: Python module against plain Python + scipy" >&2
$pin /usr/bin/python3 bench/bench_python.py "$build" "$build/bench-python.json" >/dev/null
echo "bench: pcw_decide_batch in one and two Python threads (unpinned: both cores)" >&2
/usr/bin/python3 bench/bench_python.py "$build" "$build/bench-python-threads.json" --threads >/dev/null

echo "bench: durable decisions on every core, SQLite then PostgreSQL (throwaway cluster), 100,000 lines, against the disk's synced-append bandwidth" >&2
head -n 100000 "$batch" >"$build/bench-durable.jsonl"
pgdir="$build/pg-bench-cluster"
scripts/pg_cluster.sh start "$pgdir" >/dev/null
trap 'scripts/pg_cluster.sh stop "$pgdir" >/dev/null' EXIT
/usr/bin/python3 bench/bench_durable.py "$build/aegis" "$build/bench-durable.jsonl" "$build" \
  "$build/bench-durable.json" sqlite "$(cat "$pgdir/url")/postgres" >/dev/null
scripts/pg_cluster.sh stop "$pgdir" >/dev/null
trap - EXIT
rm -f "$build/bench-durable.jsonl"

echo "bench: key management (X-Wing, ML-KEM-768, telemetry sealing, KEK wrap) and noble" >&2
hsmdir=$(mktemp -d)
mkdir -p "$hsmdir/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$hsmdir/tokens" \
  >"$hsmdir/softhsm2.conf"
export SOFTHSM2_CONF="$hsmdir/softhsm2.conf"
softhsm2-util --init-token --free --label aegis-bench --so-pin 12345678 --pin 87654321 >/dev/null
head -c 32 /dev/urandom >"$hsmdir/kek.bin"
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label aegis-bench --login \
  --pin 87654321 --write-object "$hsmdir/kek.bin" --type secrkey --key-type AES:32 \
  --label aegis-kek --usage-wrap >/dev/null 2>&1
rm -f "$hsmdir/kek.bin"
AEGIS_BENCH_HSM=1 $pin "$build/bench/aegis_bench_kem" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_format=json \
  --benchmark_out="$build/bench-kem.json" >/dev/null
rm -rf "$hsmdir"
unset SOFTHSM2_CONF
$pin node tests/kem/bench_noble.mjs >"$build/bench-noble.json"

echo "bench: HTTP: nginx as the ceiling, then aegis serve (wrk 2 threads x 64 connections, 10 s)" >&2
scripts/bench_http.sh "$build"

echo "bench: MCP gateway: the same tools/call direct and through aegis gateway (stdio, 64 in flight, SQLite), with fdatasync p50/p99" >&2
node tests/gateway/bench_gateway.mjs "$build/aegis" "$build" >"$build/bench-gateway.json"

echo "bench: rollout gates: Argo Rollouts and Flagger questions against a real Prometheus (SQLite)" >&2
/usr/bin/python3 bench/bench_rollouts.py "$build/aegis" "$build" "$build/bench-rollouts.json"

/usr/bin/python3 scripts/write_benchmarks.py "$build" >BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md" >&2
cat BENCHMARKS.md
