#!/usr/bin/env bash
# A/B timing of two gnn-serve binaries on one config's model and graph, alternating so that a noisy machine's
# drift hits both: the forward seconds of every run, each binary's median, and the median of B/A over the pairs.
#   bash bench/engine/ab.sh BINARY_A BINARY_B CONFIG_DIR GRAPH [RUNS (default 10)] [THREADS (default 2)]
# CONFIG_DIR is a work folder of run.sh holding model.gnnz (e.g. /tmp/gnn-bench/engine/s1/RevSAGE-28); GRAPH
# the graph it ran on. Build the two binaries from the two commits first, e.g. `git stash -u`, build, copy.
# Both outputs are compared byte for byte after the first pair (a change meant to keep the bits must).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,7p "$0" >&2; exit 2; }
a=$1 b=$2 config=$3 graph=$4 runs=${5:-10} threads=${6:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
forward() {  # forward seconds of one predict run of binary $1, output to $2
  "$1" predict --model "$config/model.gnnz" "$graph" -o "$2" --stats --quiet --threads "$threads" 2>&1 \
    | sed -n 's/.*forward \([0-9.]*\) s.*/\1/p'
}
for run in $(seq "$runs"); do
  echo "$(forward "$a" "$out/a.npy") $(forward "$b" "$out/b.npy")"
  if [ "$run" = 1 ] && ! cmp -s "$out/a.npy" "$out/b.npy"; then echo "note: the two binaries' outputs differ" >&2; fi
done | python3 -c '
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in sys.stdin]
for a, b in pairs: print(f"A {a:.3f}  B {b:.3f}  B/A {b / a:.3f}")
print(f"median A {statistics.median(p[0] for p in pairs):.3f} s, B {statistics.median(p[1] for p in pairs):.3f} s; "
      f"median B/A over {len(pairs)} pairs {statistics.median(b / a for a, b in pairs):.3f}")'
