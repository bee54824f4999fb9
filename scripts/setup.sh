#!/usr/bin/env bash
# Installs every Debian package the project needs that is missing. Idempotent: silent when all
# are present. Runs as root (as on the project machines) or through sudo.
#   scripts/setup.sh            everything: build, tests, benchmarks, fuzzing, the node test clients
#   scripts/setup.sh --runtime  only what building and running the `aegis` binary needs
#                               (`make binary`; for a CI job that runs `aegis gate`)
set -euo pipefail

# What building and running the `aegis` binary needs (`make binary`; tests/cli/test_setup.py
# checks it covers every library the build of the binary finds).
runtime_packages=(
  build-essential cmake ninja-build pkg-config
  ccache                 # optional for the build, used when present: a clean clone compiles from cache
  nlohmann-json3-dev libsimdjson-dev libdragonbox-dev libyaml-cpp-dev libssl-dev libsecp256k1-dev
  libsqlite3-dev libpqxx-dev libcurl4-openssl-dev prometheus-cpp-dev libboost-dev libcli11-dev
  libfmt-dev libp11-kit-dev
  libre2-dev             # the gateway policy's regex predicates (linear time: no catastrophic backtracking)
)
# Everything: the runtime, and what the tests, benchmarks, fuzzing and the Python module need.
packages=(
  "${runtime_packages[@]}"
  postgresql-15 prometheus
  golang-go golang-github-antonmedv-expr-dev  # the rollout tests: the controllers' own request code, Argo's expression library
  libcpp-httplib-dev  # only as the receiver of the telemetry sink tests
  wrk nginx-light
  jq                     # the README's runnable examples (tests/cli/test_readme.py)
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  chromium
  python3-dev python3-pytest python3-scipy python3-jsonschema python3-yaml pybind11-dev
  python3-pip python3-venv python3-setuptools python3-wheel  # pip install of the Python module
  valgrind                                               # the constant-time check of the KEM
  softhsm2 opensc                                        # PKCS#11: the HSM tests
  python3-botocore python3-cryptography                  # oracles: SigV4 signer, RFC 5649 wrap
  python3-mypy                                           # stubtest: _core.pyi against the module
)

# The node test clients (npm, lock files committed): the MCP SDK, the reference MCP servers
# (filesystem, memory, everything), the OpenAPI validator, the KEM oracle (noble post-quantum,
# hpke-js) and playwright-core.
root=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
install_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is missing; installing nodejs and npm" >&2
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [ ! -d "$root/tests/mcp/node_modules/@modelcontextprotocol/sdk" ]; then
    echo "setup: installing the MCP test client (npm ci)" >&2
    (cd "$root/tests/mcp" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
  if [ ! -d "$root/tests/openapi/node_modules/@seriousme/openapi-schema-validator" ]; then
    echo "setup: installing the OpenAPI validator for the openapi test (npm ci)" >&2
    (cd "$root/tests/openapi" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
  if [ ! -d "$root/tests/kem/node_modules/@noble/post-quantum" ] || [ ! -d "$root/tests/kem/node_modules/@hpke/hybridkem-x-wing" ]; then
    echo "setup: installing the X-Wing / ML-KEM / HPKE oracle (npm ci)" >&2
    (cd "$root/tests/kem" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
  if [ ! -d "$root/tests/gateway/node_modules/@modelcontextprotocol/server-everything" ]; then
    echo "setup: installing the MCP SDK and reference servers for the gateway tests (npm ci)" >&2
    (cd "$root/tests/gateway" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
  if [ ! -d "$root/tests/web/node_modules/playwright-core" ]; then
    echo "setup: installing playwright-core for the console test (npm ci)" >&2
    (cd "$root/tests/web" && npm ci --no-audit --no-fund --silent >/dev/null)
  fi
}

runtime=false
case "${1:-}" in
  "") ;;
  --runtime) runtime=true; packages=("${runtime_packages[@]}") ;;
  *) echo "setup: unknown option '$1' (did you mean --runtime?)" >&2; exit 3 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  $runtime || install_npm
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
$runtime || install_npm
