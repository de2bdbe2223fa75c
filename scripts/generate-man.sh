#!/usr/bin/env bash
# Regenerates Man/ from the command-line tools' own help (swift-argument-parser's generate-manual plugin).
# With --check, regenerates into a temporary folder and fails if the committed pages differ.
set -euo pipefail
cd "$(dirname "$0")/.."
date=2026-11-24   # fixed, so the pages change only when the help does
target=Man
if [ "${1:-}" = "--check" ]; then
    target=$(mktemp -d)
    trap 'rm -rf "$target"' EXIT
fi
rm -rf .build/plugins/GenerateManual/outputs
# The plugin documents every executable of the package.
swift package plugin generate-manual --multi-page --date "$date" --configuration debug >/dev/null 2>&1
cp .build/plugins/GenerateManual/outputs/*/*.1 "$target"/
if [ "${1:-}" = "--check" ]; then
    if ! diff -r Man "$target" >/dev/null; then
        diff -r Man "$target" | head -20 >&2
        echo "Man/ is stale: run 'bash scripts/generate-man.sh' and commit the result" >&2
        exit 1
    fi
    echo "man pages are current"
fi
