#!/usr/bin/env bash
# Prints a SHA-256 for every output the tools produce from the committed fixtures and samples: packed
# graphs (input and METIS order), `info` text and JSON of graphs and models, and `predict` outputs (npy
# logits, csv probabilities with top-k, jsonl) of every fixture model, exported from both .safetensors and
# .pt. A change meant to keep behaviour (a refactor) must leave this list unchanged:
#
#   bash scripts/fixture-digests.sh BIN_BEFORE > before.txt
#   bash scripts/fixture-digests.sh BIN_AFTER > after.txt && diff before.txt after.txt
#
# BIN is a folder holding gnn-serve and gnn-export (default: this checkout's release build). Model files
# themselves are not hashed: they record their creation time. Their `info` lines are, without that time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
serve="$bin/gnn-serve" export="$bin/gnn-export"
models=Tests/Fixtures/models graphs=Tests/Fixtures/graphs

digest() {  # NAME FILE: one manifest line
    printf '%s  %s\n' "$(sha256sum < "$2" | cut -c1-64)" "$1"
}

# Graph files, and their info.
pack() {  # NAME INPUT [OPTIONS...]
    local name=$1 input=$2
    shift 2
    "$serve" pack "$input" -o "$work/$name.bin" --quiet "$@" > /dev/null
    digest "graph $name" "$work/$name.bin"
    "$serve" info "$work/$name.bin" --verify | sed "s|$work/||" > "$work/$name.info"
    digest "info $name" "$work/$name.info"
    "$serve" info "$work/$name.bin" --json | sed "s|$work/||" > "$work/$name.json"
    digest "info --json $name" "$work/$name.json"
}
pack engine "$models/graph.npz"
pack engine-metis "$models/graph.npz" --reorder metis
pack deq "$models/deq/graph.npz"
pack deq-metis "$models/deq/graph.npz" --reorder metis
pack csbm samples/csbm.npz
pack csbm-undirected samples/csbm.npz --undirected --duplicates remove --self-loops add --feature-dtype f16
for npz in "$graphs"/*.npz; do
    name=$(basename "$npz" .npz)
    "$serve" pack "$npz" -o "$work/import-$name.bin" --quiet > /dev/null 2>&1 && digest "graph import-$name" "$work/import-$name.bin"
done
"$serve" pack "$graphs"/ogb -o "$work/ogb.bin" --quiet > /dev/null && digest "graph ogb" "$work/ogb.bin"
"$serve" pack "$graphs"/edges.tsv --features "$graphs"/features.npy \
    -o "$work/edges.bin" --quiet > /dev/null && digest "graph edges.tsv" "$work/edges.bin"

# Models: export, info, predict in three formats.
model() {  # NAME WEIGHTS ARCH GRAPH
    local name=$1 weights=$2 arch=$3 graph=$4 m="$work/$1.gnnz"
    "$export" --weights "$weights" --arch "$arch" -o "$m" --force > /dev/null
    "$serve" info "$m" --verify | sed "s|$work/||; s|^\(  producer .*\), .*|\1|" > "$work/$name.info"
    digest "info $name" "$work/$name.info"
    "$serve" predict --model "$m" "$graph" --format npy -o "$work/$name.npy" 2> /dev/null
    digest "predict npy $name" "$work/$name.npy"
    "$serve" predict --model "$m" "$graph" --scores probs --top-k 3 -o "$work/$name.csv" 2> /dev/null
    digest "predict csv $name" "$work/$name.csv"
    "$serve" predict --model "$m" "$graph" --format jsonl --nodes 0..7 -o "$work/$name.jsonl" 2> /dev/null
    digest "predict jsonl $name" "$work/$name.jsonl"
}
for dir in "$models"/*/ "$models"/deq/*/; do
    [ -f "$dir/arch.json" ] || continue
    name=$(basename "$dir")
    graph=engine
    case "$dir" in */deq/*) graph=deq ;; esac
    model "$name" "$dir/weights.safetensors" "$dir/arch.json" "$work/$graph.bin"
    if [ -f "$dir/weights.pt" ]; then model "$name-pt" "$dir/weights.pt" "$dir/arch.json" "$work/$graph.bin"; fi
    model "$name-metis" "$dir/weights.safetensors" "$dir/arch.json" "$work/$graph-metis.bin"
done
model sample-wt_revgen samples/wt_revgen.safetensors samples/wt_revgen.arch.json "$work/csbm.bin"
model sample-revsage samples/revsage.safetensors samples/revsage.arch.json "$work/csbm-undirected.bin"
# Model files written by an earlier writer, as committed.
for m in samples/*.gnnz; do
    name=$(basename "$m" .gnnz)
    "$serve" predict --model "$m" "$work/csbm-undirected.bin" --format npy -o "$work/committed-$name.npy" 2> /dev/null
    digest "predict npy committed-$name" "$work/committed-$name.npy"
done
