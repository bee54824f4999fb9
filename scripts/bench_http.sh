#!/usr/bin/env bash
# The HTTP benchmarks of `make bench`, in one run: Debian's nginx answering a fixed JSON body (this
# machine's ceiling, started here with worker_processes 2 and stopped by its pid), then `aegis
# serve` — /v1/risk-check, /v1/evaluate on durable SQLite and on PostgreSQL, and MCP tools/call at
# /mcp — all with wrk 2 threads × 64 connections, keep-alive, 10 s each. Writes
# BUILD/bench-http.txt: one "WRK name=... requests_per_sec=... p50_ms=... p99_ms=... errors=...
# non2xx=..." line per run.
# Usage: scripts/bench_http.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$build/bench-http.txt"
: >"$out"
dir=$(mktemp -d)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; echo "bench: nothing listens on $1" >&2; exit 1; }
run_wrk() {  # name url [body file]
  local name=$1 url=$2 body=${3:-}
  echo "bench: wrk $name" >&2
  AEGIS_BENCH_KEY="$key" AEGIS_BENCH_BODY="$body" wrk -t2 -c64 -d10s -s bench/wrk_evaluate.lua "$url" \
    | grep '^WRK' | sed "s/^WRK /WRK name=$name /" >>"$out"
}
pids=()
pgdir="$(realpath -m "$build")/pg-bench-http"  # the postgres user must reach it (not under mktemp)
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; scripts/pg_cluster.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

# nginx: the same wrk script, a fixed ~100-byte JSON body.
nport=$(free_port)
mkdir -p "$dir/nginx"
cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/nginx/body;
  server {
    listen 127.0.0.1:$nport;
    location / {
      default_type application/json;
      return 200 '{"safe":true,"risk_score":0.2,"threshold":0.5,"note":"a fixed JSON body of about 100 bytes"}';
    }
  }
}
CONF
/usr/sbin/nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx" 2>/dev/null &
pids+=($!)
wait_port "$nport"
key=none
echo '{"action_description": "restart a pod", "risk_score": 0.2}' >"$dir/risk.json"
run_wrk nginx "http://127.0.0.1:$nport/" "$dir/risk.json"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

# aegis serve with a key of every permission.
line=$("$build/aegis" apikey new --actor bench --role admin)
key=$(echo "$line" | sed -n 's/^API key (shown once): //p')
{ echo "server:"; echo "  rate_limit_per_minute: 0"; echo "  api_keys:"; echo "$line" | grep -- '- {actor_id' | sed 's/^/  /'; echo "mcp_rate_limit: 0"; } >"$dir/c.yaml"
serve() {  # db url → starts aegis serve, sets sport
  sport=$(free_port)
  "$build/aegis" serve --listen "127.0.0.1:$sport" -c "$dir/c.yaml" --db "$1" 2>/dev/null &
  serve_pid=$!
  pids+=($serve_pid)
  wait_port "$sport"
}
serve "sqlite:$dir/s.db"
run_wrk risk-check "http://127.0.0.1:$sport/v1/risk-check" "$dir/risk.json"
run_wrk evaluate-sqlite "http://127.0.0.1:$sport/v1/evaluate"
# MCP answers tools/call only in an initialized session: open one, then send every call in it.
mcp_headers=(-H "Authorization: Bearer $key" -H 'Content-Type: application/json'
  -H 'Accept: application/json, text/event-stream')
session=$(curl -s -D - -o /dev/null -X POST "http://127.0.0.1:$sport/mcp" "${mcp_headers[@]}" \
  -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' |
  tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
[ -n "$session" ] || { echo "bench: MCP initialize gave no session" >&2; exit 1; }
curl -sf -o /dev/null -X POST "http://127.0.0.1:$sport/mcp" "${mcp_headers[@]}" \
  -H "Mcp-Session-Id: $session" -H "MCP-Protocol-Version: 2025-06-18" \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_quick_risk_check","arguments":{"action_description":"restart a pod","risk_score":0.2}}}' >"$dir/mcp.json"
AEGIS_BENCH_SESSION="$session" run_wrk mcp-tools-call "http://127.0.0.1:$sport/mcp" "$dir/mcp.json"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
"$build/aegis" audit verify --db "sqlite:$dir/s.db" >/dev/null

scripts/pg_cluster.sh start "$pgdir" >/dev/null
serve "$(cat "$pgdir/url")/postgres"
run_wrk evaluate-postgresql "http://127.0.0.1:$sport/v1/evaluate"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
cat "$out" >&2
