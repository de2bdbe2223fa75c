#!/usr/bin/env bash
# The README's first command: install what is missing, build release, and run gnn-serve on the shipped sample.
# Set GNN_TARGET_CPU=native to build for this machine's CPU (see README, "Building for your CPU").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build -c release --product gnn-serve 2>&1 | grep -E "error|warning: unre|Compiling gnn|Build complete" || true
bin=$(swift build -c release --show-bin-path)/gnn-serve
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
set -x
"$bin" pack samples/csbm.npz -o "$out/csbm.bin"
"$bin" info "$out/csbm.bin" --verify
