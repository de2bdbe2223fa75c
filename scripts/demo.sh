#!/usr/bin/env bash
# The README's first command: install what is missing, build release, and run the main job on the shipped
# sample: pack a graph, export a model trained in PyG, inspect it, and score the test split.
# The build targets this machine's CPU; set GNN_TARGET_CPU=portable for one that runs on any (README, "Building
# for your CPU").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
for product in gnn-serve gnn-export; do
    swift build -c release --product "$product" 2>&1 | grep -E "error|Build complete" || true
done
bin=$(swift build -c release --show-bin-path)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
set -x
# A 600-node graph with 4 classes, and a 16-layer weight-tied reversible GEN trained on it in PyG.
"$bin/gnn-serve" pack samples/csbm.npz -o "$out/csbm.bin"
"$bin/gnn-export" --weights samples/wt_revgen.safetensors --arch samples/wt_revgen.arch.json -o "$out/wt_revgen.gnnz"
"$bin/gnn-serve" info "$out/wt_revgen.gnnz"
"$bin/gnn-serve" predict --model "$out/wt_revgen.gnnz" "$out/csbm.bin" --split test --top-k 2 --stats -o "$out/test.csv"
head -4 "$out/test.csv"
