#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests, stopped by its own pid.
# Usage: scripts/pg_cluster.sh start DIR   (writes DIR/url: postgresql://postgres@127.0.0.1:PORT)
#        scripts/pg_cluster.sh stop DIR
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=$1
dir=$(realpath -m "$2")
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port" >"$dir/url"
    echo "pg_cluster: started pid $(head -n 1 "$dir/data/postmaster.pid") on port $port"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      pid=$(head -n 1 "$dir/data/postmaster.pid")
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      echo "pg_cluster: stopped pid $pid"
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
