#!/usr/bin/env bash
# Rebuilds the shipped sample files from their sources with the tools themselves:
#   samples/csbm.bin        <- samples/csbm.npz (make_csbm.py)
#   samples/revsage.gnnz    <- samples/revsage.safetensors + revsage.arch.json (scripts/fixtures/train_sample.py)
#   samples/wt_revgen.gnnz  <- samples/wt_revgen.safetensors + wt_revgen.arch.json
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build --product gnn-serve >/dev/null
swift build --product gnn-export >/dev/null
bin=$(swift build --show-bin-path)
"$bin/gnn-serve" pack samples/csbm.npz -o samples/csbm.bin --quiet
for model in revsage wt_revgen; do
    "$bin/gnn-export" --weights "samples/$model.safetensors" --arch "samples/$model.arch.json" \
        -o "samples/$model.gnnz" --name "$model" --force
done
