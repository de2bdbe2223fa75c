#!/usr/bin/env bash
# Edge encoder: encoding each edge as the aggregation reads it (what gnn-serve does) against reading an M × hidden
# buffer of encoded features (the materialised alternative), on the proteins-shaped graph.
#   bash bench/edge-encoder/run.sh [--scale S (default 0.05)] [--layers L (default 14)] [--repeat K (default 3)]
# Model: ResGNN with GENConv (softmax, learned t, LayerNorm MLP) and examples/ogbn_proteins_deepgcn.py's shared
# edge encoder (8 edge features → hidden 64), seeded random weights (bench/engine/make_weights.py). Its twin
# (materialise.py) is the same function with the encoder applied once by PyTorch: its graph file holds the M × 64
# encoded features and its convs read them as they are. Each run is `gnn-serve predict --stats` (forward seconds,
# peak RSS), the two alternating K times; the logits of the two are compared. Work files: ${BENCH_DIR:-/tmp/gnn-bench}/edge-encoder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
py=${PYTHON:-$HOME/pyg/bin/python}
scale=0.05 layers=14 repeat=3
while [ $# -gt 0 ]; do
  case $1 in
    --scale) scale=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) sed -n 2,10p "$0" >&2; exit 2 ;;
  esac
done
for product in gnn-serve gnn-export gnn-bench; do swift build -c release --product $product >/dev/null; done
bin=$(swift build -c release --show-bin-path)
dir=${BENCH_DIR:-/tmp/gnn-bench}/edge-encoder/s$scale-l$layers
mkdir -p "$dir/encoded" "$dir/materialised"
[ -f "$dir/graph.bin" ] || "$bin/gnn-bench" graph --shape proteins --scale "$scale" --seed 0 -o "$dir/graph.bin" --quiet
"$py" - "$layers" > "$dir/encoded/arch.json" <<'PY'
import json, sys
gen = {"kind": "gen", "aggr": "softmax", "bias": False, "expansion": 2, "learn_msg_scale": False, "learn_p": False,
       "learn_t": True, "mlp_norm": "layer", "msg_norm": False, "num_layers": 2, "p": 1.0, "t": 1.0}
print(json.dumps({"family": "resgnn", "layers": int(sys.argv[1]), "groups": 1, "input_channels": 8,
                  "hidden_channels": 64, "output_channels": 112, "edge_channels": 8, "task": "multi-label",
                  "norm": "layer", "activation": "relu", "conv": gen, "encoder": {"edge": "edge_encoder"}}, indent=2))
PY
"$py" bench/engine/make_weights.py --arch "$dir/encoded/arch.json" --out "$dir/encoded/weights.safetensors" >/dev/null
"$py" "$here/materialise.py" --graph "$dir/graph.bin" --arch "$dir/encoded/arch.json" \
    --weights "$dir/encoded/weights.safetensors" --out "$dir/materialised"
rm -f "$dir/materialised/graph.bin"
"$bin/gnn-serve" pack "$dir/materialised/graph.npz" -o "$dir/materialised/graph.bin" --quiet
rm "$dir/materialised/graph.npz"
for variant in encoded materialised; do
  "$bin/gnn-export" --weights "$dir/$variant/weights.safetensors" --arch "$dir/$variant/arch.json" -o "$dir/$variant/model.gnnz" --force >/dev/null
done
ls -l "$dir/graph.bin" "$dir/materialised/graph.bin" | awk '{printf "%s %.1f MiB\n", $NF, $5 / 1048576}'
for run in $(seq "$repeat"); do
  for variant in encoded materialised; do
    graph=$dir/graph.bin; [ $variant = encoded ] || graph=$dir/materialised/graph.bin
    rm -f "$dir/$variant/out.npy"
    printf '%-13s run %d, load %s: ' $variant "$run" "$(cut -d' ' -f1 /proc/loadavg)"
    "$bin/gnn-serve" predict --model "$dir/$variant/model.gnnz" "$graph" -o "$dir/$variant/out.npy" --stats --quiet --threads 2 2>&1 | tail -1
  done
done
"$py" -c "
import numpy as np, sys
a, b = (np.load(sys.argv[1] + f'/{v}/out.npy') for v in ('encoded', 'materialised'))
print(f'logits: relative L2 {np.linalg.norm(a - b) / np.linalg.norm(b):.2e}, max |diff| {np.abs(a - b).max():.2e}')" "$dir"
