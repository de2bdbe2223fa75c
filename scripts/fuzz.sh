#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser (Tests/Fuzz): builds gnn-fuzz with libFuzzer, runs each target for
# SECONDS (default 5) from the seeds in Tests/Fuzz/Corpus, and prints executions and findings per target.
# Exit status 1 when any target found a crash, timeout or memory blow-up.
#
#   bash scripts/fuzz.sh            # CI: 5 s per target, debug build with AddressSanitizer
#   bash scripts/fuzz.sh 600        # a longer run: 10 min per target
#   FUZZ_TARGETS="pt npz" bash scripts/fuzz.sh 60
#   FUZZ_BUILD=release bash scripts/fuzz.sh 1200   # volume: an optimised build without ASan runs 10-50x
#                                                   # more inputs (Swift's own checks still trap on overflow
#                                                   # and bounds); the ASan build catches memory errors in
#                                                   # the unsafe code.
#
# Findings land in SCRATCH/findings/TARGET-* (SCRATCH: .build-fuzz, or .build-fuzz-release); replay one with
#   SCRATCH/debug/gnn-fuzz TARGET FILE   (SCRATCH/release/... for the release build)
# and add it as a regression test. New corpus entries stay in SCRATCH/corpus (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
targets="${FUZZ_TARGETS:-graph model safetensors pt npy npz edgelist arch ogb}"
case "${FUZZ_BUILD:-asan}" in
  asan) scratch=.build-fuzz configuration=debug sanitizers=fuzzer,address ;;
  # -enable-testing: the pt target reads internals through @testable imports.
  release) scratch=.build-fuzz-release configuration=release sanitizers="fuzzer -Xswiftc -enable-testing" ;;
  *) echo "FUZZ_BUILD is asan or release, not '$FUZZ_BUILD'" >&2; exit 2 ;;
esac

mkdir -p "$scratch"
# shellcheck disable=SC2086  # $sanitizers carries the release build's extra flag
GNN_FUZZ=1 swift build -c "$configuration" --scratch-path "$scratch" --product gnn-fuzz \
    -Xswiftc -sanitize=$sanitizers >"$scratch/build.log" 2>&1 || { tail -30 "$scratch/build.log"; exit 1; }
binary="$scratch/$configuration/gnn-fuzz"

# Inputs may not ask for more than this; the parsers check declared sizes against it (GNN_MEMORY_LIMIT).
export GNN_MEMORY_LIMIT=$((1 << 30))
# A trap must reach libFuzzer's handler, which saves the input; Swift's backtracer would take it first.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1"
mkdir -p "$scratch/findings"
status=0
printf '%-12s %12s %10s %12s %8s\n' target executions exec/s 'peak RSS MB' findings
for target in $targets; do
    corpus="$scratch/corpus/$target"
    mkdir -p "$corpus"
    log="$scratch/findings/$target.log"
    before=$(ls "$scratch/findings" | grep -c "^$target-" || true)
    "$binary" "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1536 \
        -print_final_stats=1 -artifact_prefix="$scratch/findings/$target-" "$corpus" "Tests/Fuzz/Corpus/$target" \
        >"$log" 2>&1 || true
    after=$(ls "$scratch/findings" | grep -c "^$target-" || true)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    printf '%-12s %12s %10s %12s %8s\n' "$target" "${runs:-?}" "${rate:-?}" "${rss:-?}" "$((after - before))"
    if [ "$((after - before))" -gt 0 ] || [ -z "$runs" ]; then status=1; grep -m3 -E "ERROR|==ERROR|Fatal|fatal" "$log" || tail -5 "$log"; fi
done
exit $status
