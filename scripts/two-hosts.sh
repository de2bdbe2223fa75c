#!/usr/bin/env bash
# Two "hosts" on one machine: two network namespaces joined by a veth pair (iproute2), one MPI rank in each,
# talking over Open MPI's TCP transport only. Checks that `mpirun -np 2 gnn-serve predict` over two shards
# writes the bytes single-process predict writes. Needs root; removes the namespaces on exit.
#   bash scripts/two-hosts.sh [BUILD_DIR]    (default .build/debug; build first)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/debug}")
work=$(mktemp -d)
a=gnn18a b=gnn18b
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cleanup; work=$(mktemp -d)

ip netns add "$a"
ip netns add "$b"
ip link add veth18a netns "$a" type veth peer name veth18b netns "$b"
ip -n "$a" addr add 10.18.0.1/24 dev veth18a
ip -n "$b" addr add 10.18.0.2/24 dev veth18b
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set veth18a up
ip -n "$b" link set veth18b up

# mpirun starts the remote daemon through an "rsh agent": here, entering the other namespace instead of ssh.
cat > "$work/agent" <<AGENT
#!/bin/sh
host=\$1; shift
[ "\$host" = 10.18.0.2 ] || { echo "unknown host \$host" >&2; exit 1; }
exec ip netns exec $b sh -c "\$*"
AGENT
chmod +x "$work/agent"
printf '10.18.0.1 slots=1\n10.18.0.2 slots=1\n' > "$work/hosts"

"$bin/gnn-serve" pack samples/csbm.npz -o "$work/csbm.bin" --quiet
"$bin/gnn-serve" predict --model samples/revsage.gnnz "$work/csbm.bin" -o "$work/one.npy"
"$bin/gnn-serve" pack samples/csbm.npz -o "$work/csbm.bin" --shards 2 --partition metis --force --quiet
ip netns exec "$a" mpirun --allow-run-as-root -q -np 2 --hostfile "$work/hosts" \
    --mca plm_rsh_agent "$work/agent" --mca btl tcp,self --mca btl_tcp_if_include 10.18.0.0/24 \
    --mca oob_tcp_if_include 10.18.0.0/24 \
    "$bin/gnn-serve" predict --model samples/revsage.gnnz "$work/csbm.shard-%d-of-2.bin" -o "$work/two.npy" --stats
cmp "$work/one.npy" "$work/two.npy"
echo "two hosts over TCP (veth): output bytes equal to single-process predict"
