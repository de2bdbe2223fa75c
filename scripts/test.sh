#!/usr/bin/env bash
# The README's second command: install what is missing, check the man pages are current, run every test,
# then a real client against the server (the Triton HTTP client and a bounded schemathesis run), then every
# parser's fuzz target for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build --build-tests
bash scripts/generate-man.sh --check
# Every temporary file the tests make goes into one folder, removed when the run ends however it ends.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/gnn-serve-test-run.XXXXXX")"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
# Passing test cases are not listed one by one; failures, suites and the totals are.
set +e
swift test --skip-build --disable-swift-testing 2>&1 | grep --line-buffered -vE "^Test Case '.*' (started|passed)"
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || exit "$status"
bash scripts/serve-client-check.sh --schemathesis
# Every parser's fuzz target for a few seconds (a longer run: bash scripts/fuzz.sh 600).
bash scripts/fuzz.sh 3
