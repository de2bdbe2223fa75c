#!/usr/bin/env bash
# Engine benchmark: `gnn-serve predict` vs PyTorch Geometric (CPU) on the same model, weights and graph —
# forward time, peak RSS of each process, and how far the logits differ.
#   bash bench/engine/run.sh [--shape arxiv|proteins|products] [--scale S] [--degree-factor F] [--configs NAME...] [--threads N]
#                            [--reorder metis] [--target-cpu CPU] [--repeat K] [--depth-study] [--products] [--serve-only]
#                            [--pyg-paths PATH...]
# Each config runs on the synthetic graph of its shape (configs.py), written by `gnn-bench graph --shape SHAPE
# --scale S --seed 0` and read by both sides (PyG through graphfile.py). Defaults: scale 1 (OGB sizes), the
# main configs of configs.py (--shape S: only those on shape S), 2 threads.
# --reorder metis packs that graph again with `gnn-serve pack --reorder metis` and gives the reordered file to
#   both sides (PyG's rows are put back in input-id order).
# --target-cpu CPU builds gnn-serve for that LLVM CPU (GNN_TARGET_CPU, see Package.swift), e.g. portable; the
#   default is the build for this machine (native), or the one GNN_TARGET_CPU names when it is set.
# --pyg-paths runs only these of the ways PyG can be given the graph (pyg_forward.py: edge_index, adj_t,
#   adj_t-compile); by default every path the config's conv supports (configs.py NAME --pyg-paths).
# --repeat K runs each config K times, PyG and gnn-serve in turn, so that both meet the same drift of a noisy
#   machine; the table gives medians, the spread of the runs and the per-pair speed-ups.
# --depth-study runs the depth variants only and writes bench/engine/results/depth.{csv,svg} (at --scale 1;
#   a scaled study writes them beside its work files instead).
# --products runs RevSAGE-28-160 on the products-like graph, gnn-serve only (PyG would need hundreds of GiB).
# --serve-only skips PyG everywhere. Work files go to ${BENCH_DIR:-/tmp/gnn-bench}/engine; PyG is also skipped
# where configs.py estimates its peak RSS above ${PYG_MAX_GIB:-20} GiB. Python: ${PYTHON:-~/pyg/bin/python}.
set -euo pipefail
export PYTHONWARNINGS=ignore::FutureWarning  # torch.jit.script deprecation, printed on every PyG import
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
py=${PYTHON:-$HOME/pyg/bin/python}
scale=1 degree=1 threads=2 repeat=1 depth=0 serve_only=0 list=main shape=() configs=() reorder=none paths=()
while [ $# -gt 0 ]; do
  case $1 in
    --shape) shape=(--shape "$2"); shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --degree-factor) degree=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --reorder) reorder=$2; shift 2 ;;
    --target-cpu) export GNN_TARGET_CPU=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --depth-study) depth=1 list=depth; shift ;;
    --products) list=products serve_only=1; shift ;;
    --serve-only) serve_only=1; shift ;;
    --configs) shift; while [ $# -gt 0 ] && [[ $1 != --* ]]; do configs+=("$1"); shift; done ;;
    --pyg-paths) shift; while [ $# -gt 0 ] && [[ $1 != --* ]]; do paths+=("$1"); shift; done ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || mapfile -t configs < <("$py" "$here/configs.py" --list "$list" "${shape[@]}")
[[ $repeat =~ ^[1-9][0-9]*$ ]] || { echo "--repeat needs a positive whole number, not '$repeat'" >&2; exit 2; }
[ ${#configs[@]} -gt 0 ] || { echo "no configs for ${shape[*]} in the $list list of configs.py" >&2; exit 2; }

echo "gnn-serve build: ${GNN_TARGET_CPU:-native}" >&2
for product in gnn-serve gnn-export gnn-bench; do swift build -c release --product $product >/dev/null; done
bin=$(swift build -c release --show-bin-path)
dir=${BENCH_DIR:-/tmp/gnn-bench}/engine
mkdir -p "$dir"

tag=$([ "$degree" = 1 ] || echo "-d$degree")  # in the names of graphs and work folders with a degree factor
work=s$scale$tag$([ "$reorder" = none ] || echo "-$reorder")  # the work folder of this graph
graph_for() {  # the graph file of a shape at this scale, generated (and reordered) on first use
  local graph=$dir/$1-s$scale$tag.bin
  [ -f "$graph" ] || "$bin/gnn-bench" graph --shape "$1" --scale "$scale" --degree-factor "$degree" --seed 0 -o "$graph" >&2
  if [ "$reorder" != none ]; then
    local ordered=${graph%.bin}-$reorder.bin
    [ -f "$ordered" ] || "$bin/gnn-serve" pack "$graph" -o "$ordered" --reorder "$reorder" --quiet >&2
    graph=$ordered
  fi
  echo "$graph"
}

cpu_busy() {  # % of CPU time used by other work on the machine during one second before a timed run
  local a b i total=0; a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( 100 * (total - b[4] - b[5] + a[4] + a[5]) / (total > 0 ? total : 1) ))
}

dirs=()
for name in "${configs[@]}"; do
  graph=$(graph_for "$("$py" "$here/configs.py" "$name" --shape)")
  read -r nodes edges < <("$bin/gnn-serve" info "$graph" --json | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(d["nodes"], d["edges"])')
  echo "$name on $(basename "$graph"): $nodes nodes, $edges edges, $threads threads" >&2
  c=$dir/$work/$name
  mkdir -p "$c" && rm -f "$c"/pyg[.-]* "$c"/serve.*
  "$py" "$here/configs.py" "$name" >"$c/arch.json"
  # A family this checkout does not know yet (e.g. DEQ before its merge) skips the config, not the run.
  if ! params=$("$py" "$here/make_weights.py" --arch "$c/arch.json" --out "$c/weights.safetensors" 2>"$c/prepare.log") \
     || ! "$bin/gnn-export" --weights "$c/weights.safetensors" --arch "$c/arch.json" -o "$c/model.gnnz" --force \
          >/dev/null 2>>"$c/prepare.log"; then
    echo "$name: skipped, the model could not be built or exported: $(tail -1 "$c/prepare.log")" >&2
    continue
  fi
  estimate=$("$py" "$here/configs.py" "$name" --pyg-estimate "$nodes" "$edges" "$params")
  if [ ${#paths[@]} -gt 0 ]; then pyg_paths=("${paths[@]}"); else mapfile -t pyg_paths < <("$py" "$here/configs.py" "$name" --pyg-paths); fi
  if [ $serve_only = 1 ]; then
    echo "$name: PyG skipped (--serve-only; estimated peak RSS $(( estimate >> 20 )) MiB)" | tee "$c/pyg.skipped" >&2
    pyg_paths=()
  elif [ "$estimate" -gt $(( ${PYG_MAX_GIB:-20} << 30 )) ]; then
    echo "$name: PyG skipped (estimated peak RSS $(( estimate >> 30 )) GiB > ${PYG_MAX_GIB:-20} GiB)" | tee "$c/pyg.skipped" >&2
    pyg_paths=()
  fi
  # Each run appends a line to each tool's files (pyg-PATH.json, .time, .busy; serve.time, .stats, .busy):
  # summarize.py reads them all. Every PyG path runs, then gnn-serve, in turn.
  served=1
  for run in $(seq "$repeat"); do
    for path in "${pyg_paths[@]}"; do
      p=$c/pyg-$path
      [ ! -f "$p.failed" ] || continue
      echo "$name: PyG $path, run $run of $repeat (estimated peak RSS with edge_index $(( estimate >> 20 )) MiB)" >&2
      cpu_busy >>"$p.busy"
      /usr/bin/time -a -f '%M' -o "$p.time" "$py" "$here/pyg_forward.py" --arch "$c/arch.json" --path "$path" \
        --weights "$c/weights.safetensors" --graph "$graph" --threads "$threads" --out "$p.npy" >>"$p.json" 2>"$p.log" \
        || { echo "$name: PyG $path failed: $(tail -1 "$p.log")" | tee "$p.failed" >&2; }
    done
    echo "$name: gnn-serve, run $run of $repeat" >&2
    cpu_busy >>"$c/serve.busy"
    if ! /usr/bin/time -a -f '%e %M' -o "$c/serve.time" "$bin/gnn-serve" predict --model "$c/model.gnnz" "$graph" \
         -o "$c/serve.npy" --stats --quiet --threads "$threads" 2>>"$c/serve.stats"; then
      echo "$name: gnn-serve failed: $(tail -1 "$c/serve.stats")" >&2
      served=0
      break
    fi
  done
  [ $served = 0 ] || dirs+=("$c")
done

if [ $depth = 1 ]; then
  # Only a full-size study replaces the committed results; a scaled one stays with the work files.
  out=$here/results; [ "$scale" = 1 ] || out=$dir/s$scale
  mkdir -p "$out"
  { echo "config,layers,tool,seconds,peak_rss_bytes"; "$py" "$here/summarize.py" csv "${dirs[@]}"; } >"$out/depth.csv"
  "$py" "$here/plot_depth.py" "$out/depth.csv" "$out/depth.svg"
  "$py" "$here/summarize.py" depth "$out/depth.csv"
fi
"$py" "$here/summarize.py" table "${dirs[@]}"
