#!/usr/bin/env bash
# Engine benchmark: `gnn-serve predict` vs PyTorch Geometric (CPU) on the same model, weights and graph —
# forward time, peak RSS of each process, and how far the logits differ.
#   bash bench/engine/run.sh [--scale S] [--configs NAME...] [--threads N] [--depth-study]
# Defaults: scale 1 (arxiv-sized: 169k nodes, 4.7M edges), the main configs of configs.py, 2 threads.
# --depth-study runs the depth variants only and writes bench/engine/results/depth.{csv,svg}.
# Work files go to ${BENCH_DIR:-/tmp/gnn-bench}/engine; PyG is skipped where configs.py estimates its peak
# RSS above ${PYG_MAX_GIB:-20} GiB. Python: ${PYTHON:-~/pyg/bin/python}.
set -euo pipefail
export PYTHONWARNINGS=ignore::FutureWarning  # torch.jit.script deprecation, printed on every PyG import
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
py=${PYTHON:-$HOME/pyg/bin/python}
scale=1 threads=2 depth=0 configs=()
while [ $# -gt 0 ]; do
  case $1 in
    --scale) scale=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --depth-study) depth=1; shift ;;
    --configs) shift; while [ $# -gt 0 ] && [[ $1 != --* ]]; do configs+=("$1"); shift; done ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || mapfile -t configs < <("$py" "$here/configs.py" --list "$([ $depth = 1 ] && echo depth || echo main)")

swift build -c release --product gnn-serve >/dev/null
swift build -c release --product gnn-export >/dev/null
bin=$(swift build -c release --show-bin-path)
dir=${BENCH_DIR:-/tmp/gnn-bench}/engine
mkdir -p "$dir"
graph=$dir/graph-s$scale
[ -f "$graph.npz" ] || "$py" "$here/make_graph.py" "$graph.npz" --scale "$scale"
[ "$graph.bin" -nt "$graph.npz" ] || "$bin/gnn-serve" pack "$graph.npz" -o "$graph.bin" --quiet
read -r nodes edges < <("$bin/gnn-serve" info "$graph.bin" --json | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(d["nodes"], d["edges"])')
echo "graph: $nodes nodes, $edges edges (scale $scale), $threads threads" >&2

cpu_busy() {  # % of CPU time used by other work on the machine during one second before a timed run
  local a b i total=0; a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( 100 * (total - b[4] - b[5] + a[4] + a[5]) / (total > 0 ? total : 1) ))
}

dirs=()
for name in "${configs[@]}"; do
  c=$dir/s$scale/$name
  mkdir -p "$c" && rm -f "$c"/pyg.* "$c"/serve.*
  "$py" "$here/configs.py" "$name" >"$c/arch.json"
  params=$("$py" "$here/make_weights.py" --arch "$c/arch.json" --out "$c/weights.safetensors")
  "$bin/gnn-export" --weights "$c/weights.safetensors" --arch "$c/arch.json" -o "$c/model.gnnz" --force >/dev/null
  estimate=$("$py" "$here/configs.py" "$name" --pyg-estimate "$nodes" "$edges" "$params")
  if [ "$estimate" -gt $(( ${PYG_MAX_GIB:-20} << 30 )) ]; then
    echo "$name: PyG skipped (estimated peak RSS $(( estimate >> 30 )) GiB)" >&2
  else
    echo "$name: PyG (estimated peak RSS $(( estimate >> 20 )) MiB)" >&2
    cpu_busy >"$c/pyg.busy"
    /usr/bin/time -f '%M' -o "$c/pyg.time" "$py" "$here/pyg_forward.py" --arch "$c/arch.json" \
      --weights "$c/weights.safetensors" --graph "$graph.npz" --threads "$threads" --out "$c/pyg.npy" >"$c/pyg.json" \
      || { echo "$name: PyG failed" >&2; rm -f "$c"/pyg.*; }
  fi
  echo "$name: gnn-serve" >&2
  cpu_busy >"$c/serve.busy"
  /usr/bin/time -f '%e %M' -o "$c/serve.time" "$bin/gnn-serve" predict --model "$c/model.gnnz" "$graph.bin" \
    -o "$c/serve.npy" --stats --quiet --threads "$threads" 2>"$c/serve.stats"
  dirs+=("$c")
done

if [ $depth = 1 ]; then
  mkdir -p "$here/results"
  { echo "config,layers,tool,seconds,peak_rss_bytes"; "$py" "$here/summarize.py" csv "${dirs[@]}"; } >"$here/results/depth.csv"
  "$py" "$here/plot_depth.py" "$here/results/depth.csv" "$here/results/depth.svg"
fi
"$py" "$here/summarize.py" table "${dirs[@]}"
