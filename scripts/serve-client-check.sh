#!/usr/bin/env bash
# Runs the official Triton HTTP client (tritonclient[http] from PyPI, in a venv this script makes under
# .build/) against `gnn-serve serve` on a loopback port, serving the sample model and graph, and checks
# its scores against `gnn-serve predict`'s bytes (scripts/serve_client_check.py). With --schemathesis,
# also fuzzes the server against formats/serve-openapi.yaml (a bounded schemathesis run: no 5xx, no crash).
#   bash scripts/serve-client-check.sh [--schemathesis]     (after swift build; uses its debug binary)
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz=0
[ "${1:-}" = --schemathesis ] && fuzz=1
venv=.build/venv-serve-check
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
packages=('tritonclient[http]')
[ $fuzz = 1 ] && packages+=(schemathesis)
"$venv/bin/pip" install -q --disable-pip-version-check "${packages[@]}"
bin=$(swift build --show-bin-path)/gnn-serve
work=$(mktemp -d)
log=$work/serve.log
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
nodes=0,5,3,599,17,100,42,7
"$bin" predict --model samples/revsage.gnnz samples/csbm.bin --nodes "$nodes" -o "$work/expected.npy" --quiet
"$bin" serve --model samples/revsage.gnnz samples/csbm.bin --port 0 2>"$log" &
server=$!
port= ready=
for _ in $(seq 600); do  # at most 60 s
  port=$(sed -n '/serving/s/.*port=\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && ready=1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$ready" ] || { echo "the server was not ready within 60 s" >&2; cat "$log" >&2; exit 1; }
"$venv/bin/python" scripts/serve_client_check.py "127.0.0.1:$port" revsage "$work/expected.npy" "$nodes"
if [ $fuzz = 1 ]; then
  # Bounded: a fixed number of examples per operation, fixed seed; any 5xx or a dead server fails.
  "$venv/bin/schemathesis" run formats/serve-openapi.yaml --url "http://127.0.0.1:$port" \
    --checks not_a_server_error --max-examples 50 --seed 1 --request-timeout 10
  curl -sf "http://127.0.0.1:$port/v2/health/live" >/dev/null || { echo "the server died under schemathesis" >&2; exit 1; }
fi
kill -TERM "$server"
wait "$server" && server= || { echo "the server exited with $?" >&2; exit 1; }
echo "serve-client-check: OK"
