#!/usr/bin/env bash
# 16-bit node state against float32 (`predict --state-dtype`): forward seconds, peak RSS of the process and
# the logits' distance from float32 (relative L2, argmax agreement), each dtype run in turn so that a noisy
# machine's drift hits all three alike.
#   bash bench/engine/state-dtype.sh [--runs K (default 3)] [--threads N (default 2)] CONFIG_DIR GRAPH [CONFIG_DIR GRAPH ...]
# CONFIG_DIR is a work folder of run.sh holding model.gnnz (make it with `bash bench/engine/run.sh --serve-only
# --configs NAME`, e.g. /tmp/gnn-bench/engine/s1/RevSAGE-28); GRAPH the graph it ran on. Prints one markdown
# row per config and dtype: medians over the runs, the range in brackets, and the per-run ratios to f32.
set -euo pipefail
products="gnn-serve"
source "$(dirname "$0")/config-pairs.sh"
echo "| config | state | forward s | ratio to f32 (per run) | peak RSS MiB | RSS ratio | rel. L2 vs f32 | argmax agreement |"
echo "|---|---|---:|---|---:|---:|---:|---:|"
for ((i = 0; i < ${#pairs[@]}; i += 2)); do
  config=${pairs[i]} graph=${pairs[i + 1]} name=$(basename "${pairs[i]}")
  for run in $(seq "$runs"); do
    for dtype in f32 bf16 f16; do
      echo "$name: $dtype, run $run of $runs (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      /usr/bin/time -f '%M' -o "$out/time" "$bin/gnn-serve" predict --model "$config/model.gnnz" "$graph" --state-dtype "$dtype" \
        -o "$out/$name-$dtype.npy" --stats --quiet --threads "$threads" 2>"$out/stats" \
        || { echo "$name: $dtype failed: $(tail -1 "$out/stats")" >&2; continue; }
      echo "$(sed -n 's/.*forward \([0-9.]*\) s.*/\1/p' "$out/stats") $(tail -1 "$out/time")" >>"$out/$name-$dtype.runs"
    done
  done
  python3 - "$out" "$name" <<'PY'
import statistics, sys
import numpy as np
out, name = sys.argv[1:]
def runs(dtype):
    try:
        return [tuple(map(float, line.split())) for line in open(f"{out}/{name}-{dtype}.runs")]
    except FileNotFoundError:
        return []
base = runs("f32")
reference = np.load(f"{out}/{name}-f32.npy")
for dtype in ("f32", "bf16", "f16"):
    rows = runs(dtype)
    if not rows:
        print(f"| {name} | {dtype} | failed | | | | | |")
        continue
    seconds = [r[0] for r in rows]; rss = [r[1] / 1024 for r in rows]
    ratios = [s / b[0] for s, b in zip(seconds, base)]
    logits = np.load(f"{out}/{name}-{dtype}.npy")
    relative = np.linalg.norm(logits - reference) / np.linalg.norm(reference)
    agreement = np.mean(logits.argmax(1) == reference.argmax(1))
    print(f"| {name} | {dtype} | {statistics.median(seconds):.3f} ({min(seconds):.3f}–{max(seconds):.3f}) | "
          f"{statistics.median(ratios):.3f} ({', '.join(f'{r:.2f}' for r in ratios)}) | {statistics.median(rss):.0f} | "
          f"{statistics.median(rss) / statistics.median([b[1] / 1024 for b in base]):.2f} | {relative:.1e} | {100 * agreement:.2f} % |")
PY
done
