#!/usr/bin/env bash
# The float32 forward against the model's roofline floor on this machine (issue 19's "within 1.25x of the
# floor"), side by side in one run: `gnn-bench roofline GRAPH --model M` (ModelFloor: every array once at the
# triad bandwidth, dense products at the best rate measured at their shape), then `gnn-serve predict --stats`
# --runs times. A DEQ model's floor takes the evaluations of f its first run made.
#   bash bench/engine/floor.sh [--runs K (default 3)] [--threads N (default 2)] CONFIG_DIR GRAPH [CONFIG_DIR GRAPH ...]
# CONFIG_DIR is a work folder of run.sh holding model.gnnz (e.g. /tmp/gnn-bench/engine/s1/RevSAGE-28); GRAPH
# the graph it ran on. Writes each roofline table to CONFIG_DIR/floor.md and prints one markdown row a config.
set -euo pipefail
products="gnn-serve gnn-bench"
source "$(dirname "$0")/config-pairs.sh"
printf '%s\n' "| config | floor s | unblocked-gather total s | forward s, median (range) | forward / floor |" "|---|---:|---:|---:|---:|"
for ((i = 0; i < ${#pairs[@]}; i += 2)); do
  config=${pairs[i]} graph=${pairs[i + 1]} name=$(basename "${pairs[i]}")
  : >"$out/$name.runs"
  evaluations=()
  for run in $(seq "$runs"); do
    echo "$name: run $run of $runs (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    "$bin/gnn-serve" predict --model "$config/model.gnnz" "$graph" -o "$out/$name.npy" --stats --quiet \
      --threads "$threads" 2>"$out/stats" || { echo "$name: predict failed: $(tail -1 "$out/stats")" >&2; continue 2; }
    sed -n 's/.*forward \([0-9.]*\) s.*/\1/p' "$out/stats" >>"$out/$name.runs"
    k=$(sed -n 's/^solver [a-z]*: \([0-9]*\) iterations.*/\1/p' "$out/stats")
    [ -z "$k" ] || [ ${#evaluations[@]} -gt 0 ] || evaluations=(--evaluations "$k")
  done
  echo "$name: roofline floor" >&2
  "$bin/gnn-bench" roofline "$graph" --threads "$threads" --model "$config/model.gnnz" "${evaluations[@]}" >"$config/floor.md" \
    || { echo "$name: no floor: $(tail -1 "$config/floor.md")" >&2; continue; }
  python3 - "$out/$name.runs" "$config/floor.md" "$name" <<'PY'
import re, statistics, sys
runs, table, name = sys.argv[1:]
seconds = [float(line) for line in open(runs) if line.strip()]
floor, unblocked = map(float, re.search(r"floor: ([0-9.]+) s .*; ([0-9.]+) s", open(table).read()).groups())
median = statistics.median(seconds)
print(f"| {name} | {floor:.3f} | {unblocked:.3f} | {median:.3f} ({min(seconds):.3f}–{max(seconds):.3f}) | {median / floor:.2f} |")
PY
done
