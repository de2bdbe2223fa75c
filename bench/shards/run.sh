#!/usr/bin/env bash
# Sharded predict on this machine: one process on the whole graph, then K MPI ranks on range and METIS
# shards, checking the output bytes and printing each rank's --stats line (forward time split into exchange
# and compute, bytes sent per exchange, owned and halo rows, peak RSS). Every process runs 1 thread, so
# K ranks on a 2-core machine share its cores (K = 4 is oversubscribed: its times are not speeds).
#   bash bench/shards/run.sh [--shape arxiv] [--scale 1] [--config RevSAGE-28] [--ranks "1 2 4"]
#                            [--partitions "range metis"] [--state-dtype f32|bf16|f16]
set -euo pipefail
cd "$(dirname "$0")/../.."
shape=arxiv scale=1 config=RevSAGE-28 ranks="1 2 4" partitions="range metis" dtype=f32
while [ $# -gt 0 ]; do
    case "$1" in
        --shape) shape=$2; shift 2 ;;
        --scale) scale=$2; shift 2 ;;
        --config) config=$2; shift 2 ;;
        --ranks) ranks=$2; shift 2 ;;
        --partitions) partitions=$2; shift 2 ;;
        --state-dtype) dtype=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
python=${PYTHON:-$HOME/pyg/bin/python}
bin=${BIN:-.build/release}   # BIN: another build to measure (an older commit's .build/release)
work=${WORK:-$(mktemp -d)}
mpirun=(mpirun --allow-run-as-root --oversubscribe -q --bind-to none)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Open MPI $(mpirun --version | head -1 | awk '{print $NF}')"
echo "graph: $shape-shaped, scale $scale; model: $config, state $dtype; work: $work"

[ -f "$work/whole.bin" ] || "$bin/gnn-bench" graph --shape "$shape" --scale "$scale" --seed 0 -o "$work/whole.bin"
"$python" bench/engine/configs.py "$config" > "$work/model.arch.json"
"$python" bench/engine/make_weights.py --arch "$work/model.arch.json" --out "$work/model.safetensors" >/dev/null
"$bin/gnn-export" --weights "$work/model.safetensors" --arch "$work/model.arch.json" -o "$work/model.gnnz" --force >/dev/null
"$bin/gnn-serve" info "$work/whole.bin" | sed -n 2,3p

echo "== 1 process on the whole graph"
"$bin/gnn-serve" predict --model "$work/model.gnnz" "$work/whole.bin" -o "$work/one.npy" --threads 1 --stats --quiet --state-dtype "$dtype"
for partition in $partitions; do
    for k in $ranks; do
        [ "$k" = 1 ] && [ "$partition" = metis ] && continue
        start=$(date +%s.%N)
        "$bin/gnn-serve" pack "$work/whole.bin" -o "$work/s.bin" --shards "$k" --partition "$partition" --force 2>&1 \
            | grep shard- || true
        echo "   pack --shards $k --partition $partition: $(echo "$(date +%s.%N) - $start" | bc) s"
        echo "== $k ranks, $partition"
        "${mpirun[@]}" -np "$k" "$bin/gnn-serve" predict --model "$work/model.gnnz" "$work/s.shard-%d-of-$k.bin" \
            -o "$work/$k-$partition.npy" --threads 1 --stats --quiet --state-dtype "$dtype" 2>&1 | sort
        cmp "$work/one.npy" "$work/$k-$partition.npy" && echo "   output bytes equal to 1 process"
    done
done
