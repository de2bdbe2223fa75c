# Sourced by state-dtype.sh and floor.sh: their shared command line, `[--runs K] [--threads N] CONFIG_DIR GRAPH
# [CONFIG_DIR GRAPH ...]`, into $runs (default 3), $threads (default 2) and the array pairs; the usage (lines
# 2-8 of the calling script) on a bad one. Then goes to the repository root, builds the release products
# named in $products, sets $bin to where they are, and $out to a scratch folder removed on exit.
runs=3 threads=2 pairs=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) [ $# -ge 2 ] || { sed -n 2,8p "$0" >&2; exit 2; }; pairs+=("$1" "$2"); shift 2 ;;
  esac
done
[ ${#pairs[@]} -gt 0 ] || { sed -n 2,8p "$0" >&2; exit 2; }
cd "$(dirname "$0")/../.."
bin=$(swift build -c release --show-bin-path)
for product in $products; do swift build -c release --product "$product" >/dev/null; done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
