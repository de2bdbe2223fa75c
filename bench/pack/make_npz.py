#!/usr/bin/env python3
"""Writes a large random graph as an uncompressed .npz for the pack benchmark (numpy only, seeded).

    python3 bench/pack/make_npz.py OUT.npz [NODES] [EDGES] [FEATURES]

Defaults: 2,000,000 nodes, 50,000,000 directed edges, 100 features (float32), 47 classes.
"""
import sys

import numpy as np


def main() -> None:
    out = sys.argv[1]
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    edges = int(sys.argv[3]) if len(sys.argv) > 3 else 50_000_000
    features = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    rng = np.random.default_rng(6)
    edge_index = rng.integers(0, nodes, size=(2, edges), dtype=np.int64)
    x = rng.standard_normal((nodes, features), dtype=np.float32)
    y = rng.integers(0, 47, size=nodes, dtype=np.int64)
    np.savez(out, edge_index=edge_index, x=x, y=y)


if __name__ == "__main__":
    main()
