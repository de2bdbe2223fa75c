#!/usr/bin/env bash
# Installs the Debian packages gnn-serve builds against, when any is missing (needs root).
set -euo pipefail
packages=(libopenblas-dev libzstd-dev libxxhash-dev zlib1g-dev libmetis-dev libopenmpi-dev openmpi-bin pkg-config)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
