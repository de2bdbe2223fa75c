#!/usr/bin/env bash
# The README's second command: install what is missing, run every test, and check the man pages are current.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-dependencies.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee /tmp/gnn-serve-test.log | grep -vE "^Test Case '.*' (started|passed)" || true
status=${PIPESTATUS[0]}
bash scripts/generate-man.sh --check
exit "$status"
