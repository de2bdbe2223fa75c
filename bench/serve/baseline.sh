#!/usr/bin/env bash
# The framework's ceiling beside gnn-serve: bench/serve/baseline's Hummingbird 2 hello world and
# `gnn-serve serve` measured in turn by the same wrk commands as bench/serve/run.sh's single-node sweep
# (Debian's wrk, -t1, not pinned, loopback; bench/serve/infer.lua's bodies).
#   bash bench/serve/baseline.sh [--bin DIR] [--model M.gnnz --graph G.bin] [--duration SECONDS (10)]
#                                [--rounds N (3)] [--connections "64"]
# Both servers run for the whole script (ours on 18000, the baseline on 18100). The baseline's POST answers
# with the bytes of one single-node response of ours (taken with curl once ours is ready). Each round, for
# each connection count: POST baseline, POST ours (BENCH_BATCH=1), GET /v2/health/ready baseline, GET ours;
# `uptime` before each run. Prints every run's req/s and p99, the ratio ours/baseline of each pair and their
# median. Without --bin, gnn-serve is built in release; the baseline always is (its own package, own .build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
duration=10 rounds=3 connections=64 model= graph= bin=
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --graph) graph=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) sed -n 2,12p "$0" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -n "$model" ] && [ -n "$graph" ] || { echo "give --model M.gnnz --graph G.bin (as bench/serve/run.sh made them)" >&2; exit 2; }
if [ -z "$bin" ]; then
  swift build -c release --product gnn-serve >/dev/null
  bin=$(swift build -c release --show-bin-path)
fi
swift build -c release --package-path bench/serve/baseline >/dev/null
baseline_bin=$(swift build -c release --package-path bench/serve/baseline --show-bin-path)/hb-baseline
work=${BENCH_DIR:-/tmp/gnn-bench}/serve-baseline
mkdir -p "$work"
ours_port=18000 base_port=18100

"$bin/gnn-serve" serve --model "$model" "$graph" --name m --port $ours_port --max-batch 4096 2>"$work/serve.log" &
ours=$!
base=
trap 'kill -TERM $ours 2>/dev/null; [ -n "$base" ] && kill -TERM $base 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 3000); do
  curl -sf "http://127.0.0.1:$ours_port/v2/health/ready" >/dev/null && break
  kill -0 $ours 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done
nodes=$("$bin/gnn-serve" info "$graph" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["nodes"])')
curl -sf -H 'Content-Type: application/json' \
  -d '{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[1],"data":[12345]}],"outputs":[{"name":"scores"}]}' \
  "http://127.0.0.1:$ours_port/v2/models/m/infer" -o "$work/body.json"
echo "baseline's POST body: $(wc -c <"$work/body.json") bytes, one single-node response of ours"
"$baseline_bin" $base_port "$work/body.json" &
base=$!
until curl -sf "http://127.0.0.1:$base_port/v2/health/ready" >/dev/null; do
  kill -0 $base 2>/dev/null || exit 1
  sleep 0.1
done

export BENCH_MODEL=m BENCH_NODES=$nodes BENCH_BATCH=1
results=$work/results.txt
: >"$results"
run() {  # label port kind(post|get) connections
  local cmd
  if [ "$3" = post ]; then
    cmd="wrk -t1 -c$4 -d${duration}s --latency -s bench/serve/infer.lua http://127.0.0.1:$2"
  else
    cmd="wrk -t1 -c$4 -d${duration}s --latency http://127.0.0.1:$2/v2/health/ready"
  fi
  local load out r p99 bad
  load=$(uptime)
  out=$($cmd 2>&1)
  r=$(echo "$out" | sed -n 's/^Requests\/sec: *//p')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  bad=$(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ' || true)
  echo "[$load]"
  echo "  $1 $3 c$4: $r req/s, p99 $p99 $bad  ($cmd)"
  echo "$3 $4 $1 $r $p99" >>"$results"
}
for round in $(seq "$rounds"); do
  echo "round $round"
  for c in $connections; do
    run baseline $base_port post "$c"
    run ours $ours_port post "$c"
    run baseline $base_port get "$c"
    run ours $ours_port get "$c"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
for kind in ("post", "get"):
    for c in sorted({int(r[1]) for r in runs}):
        b = [float(r[3]) for r in runs if r[0] == kind and int(r[1]) == c and r[2] == "baseline"]
        o = [float(r[3]) for r in runs if r[0] == kind and int(r[1]) == c and r[2] == "ours"]
        ratios = [y / x for x, y in zip(b, o)]
        print(f"{kind.upper()} c{c}: baseline {', '.join(f'{x:,.0f}' for x in b)}; ours {', '.join(f'{y:,.0f}' for y in o)} req/s; "
              f"ours/baseline per pair {', '.join(f'{r:.3f}' for r in ratios)}, median {statistics.median(ratios):.3f}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
