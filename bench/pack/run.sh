#!/usr/bin/env bash
# Pack benchmark: throughput and peak RSS of `gnn-serve pack` on a 2M-node, 50M-edge .npz, and the cost of
# opening the resulting multi-GB graph file. Needs ~6 GB free in $BENCH_DIR (default /tmp/gnn-bench).
#   bash bench/pack/run.sh [NODES EDGES FEATURES]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${BENCH_DIR:-/tmp/gnn-bench}
mkdir -p "$dir"
swift build -c release --product gnn-serve >/dev/null
bin=$(swift build -c release --show-bin-path)/gnn-serve
npz="$dir/pack-input.npz"
[ -f "$npz" ] || python3 bench/pack/make_npz.py "$npz" "$@"
echo "input: $npz ($(du -h "$npz" | cut -f1))"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
/usr/bin/time -f "pack: %e s wall, %M KiB peak RSS" "$bin" pack "$npz" -o "$dir/pack-output.bin" --quiet
out_bytes=$(stat -c %s "$dir/pack-output.bin")
in_bytes=$(stat -c %s "$npz")
echo "output: $out_bytes bytes"
# Open cost: info reads only header and table. Cold cache first, then warm.
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
/usr/bin/time -f "info (cold cache): %e s wall, %M KiB peak RSS" "$bin" info "$dir/pack-output.bin" >/dev/null
/usr/bin/time -f "info (warm): %e s wall, %M KiB peak RSS" "$bin" info "$dir/pack-output.bin" >/dev/null
/usr/bin/time -f "info --verify: %e s wall, %M KiB peak RSS" "$bin" info "$dir/pack-output.bin" --verify >/dev/null
echo "input bytes $in_bytes, output bytes $out_bytes"
