#!/usr/bin/env python3
"""Writes a synthetic graph shaped like ogbn-arxiv as an uncompressed .npz (numpy only, seeded, vectorised).

    ~/pyg/bin/python bench/engine/make_graph.py OUT.npz [--scale 1.0] [--seed 0]

At scale S: round(169,343·S) nodes, round(2,350,000·S) random undirected pairs stored in both directions
(~4.7M·S directed int64 edges, no self loops, repeats possible), 128 float32 features ~ N(0, 1) and 40
classes in y. Endpoints are drawn with probability ∝ rank^-0.5 over a random node order, a mild power law
(expected degree of the busiest node ≈ 5,700 at S = 1, mean ≈ 28 directed edges per node).
"""
import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    nodes = max(2, round(169_343 * args.scale))
    pairs = max(1, round(2_350_000 * args.scale))

    weight = np.arange(1, nodes + 1, dtype=np.float64) ** -0.5
    cdf = np.cumsum(weight[rng.permutation(nodes)])
    cdf /= cdf[-1]
    ends = np.searchsorted(cdf, rng.random(2 * pairs), side="right").astype(np.int64)
    np.minimum(ends, nodes - 1, out=ends)
    src, dst = ends[:pairs], ends[pairs:]
    loops = src == dst  # move self loops to the next node
    dst[loops] = (dst[loops] + 1) % nodes
    edge_index = np.stack([np.concatenate([src, dst]), np.concatenate([dst, src])])

    x = rng.standard_normal((nodes, 128), dtype=np.float32)
    y = rng.integers(0, 40, size=nodes, dtype=np.int64)
    np.savez(args.out, edge_index=edge_index, x=x, y=y)
    print(f"{args.out}: {nodes} nodes, {edge_index.shape[1]} directed edges, 128 features, 40 classes")


if __name__ == "__main__":
    main()
