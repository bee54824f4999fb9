#!/usr/bin/env bash
# `make run`: evaluate the example contexts, then serve the HTTP API on 127.0.0.1:8080 with
# SQLite in ./aegis.db. A local API key is created once in ./aegis.local.yaml (git-ignored).
set -euo pipefail
build=${1:-build}
for f in examples/*.json; do
  echo "== $f"
  "$build/aegis" evaluate -i "$f" --format text || true
done
config=aegis.local.yaml
if [ ! -f "$config" ]; then
  umask 077
  out=$("$build/aegis" apikey new --actor local-dev --role admin)
  key=$(echo "$out" | sed -n 's/^API key (shown once): //p')
  { echo "# Local development config of make run (git-ignored). Key for local-dev: $key"
    echo "server:"
    echo "  api_keys:"
    echo "$out" | grep -- '- {actor_id' | sed 's/^/  /'
  } >"$config"
fi
key=$(sed -n 's/^# Local development config of make run (git-ignored). Key for local-dev: //p' "$config")
cat <<MSG

aegis serve: http://127.0.0.1:8080/  (store sqlite:aegis.db, config $config)
Dashboard: http://127.0.0.1:8080/#key=$key
Try:
  curl -s -H "Authorization: Bearer $key" -d '{"risk_proposed":0.3}' http://127.0.0.1:8080/v1/evaluate
  curl -s http://127.0.0.1:8080/health
  curl -s http://127.0.0.1:8080/openapi.json   # every route
Stop with Ctrl-C.
MSG
exec "$build/aegis" serve --listen 127.0.0.1:8080 -c "$config" --db sqlite:aegis.db
