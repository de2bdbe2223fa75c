#!/usr/bin/env python3
"""Writes samples/csbm.npz: a contextual stochastic block model graph with class structure.

A CSBM (Deshpande et al., 2018) draws each node's class uniformly, links nodes of the same class with
probability p_in and of different classes with p_out, and draws features from a Gaussian around a
class mean. Seeded, numpy only, so anyone can regenerate the sample bit for bit:

    python3 samples/scripts/make_csbm.py samples/csbm.npz
"""
import sys

import numpy as np

NODES, CLASSES, FEATURES = 600, 4, 16
AVG_DEGREE_IN, AVG_DEGREE_OUT = 6.0, 2.0
SEED = 20261124


def main(path: str) -> None:
    rng = np.random.default_rng(SEED)
    y = rng.integers(0, CLASSES, size=NODES)
    same = y[:, None] == y[None, :]
    per_class = NODES / CLASSES
    p = np.where(same, AVG_DEGREE_IN / per_class, AVG_DEGREE_OUT / (NODES - per_class))
    upper = np.triu(rng.random((NODES, NODES)) < p, k=1)
    src, dst = np.nonzero(upper)
    # Undirected graph stored with both directions, as PyG's to_undirected gives it.
    edge_index = np.stack([np.concatenate([src, dst]), np.concatenate([dst, src])]).astype(np.int64)
    means = rng.normal(0.0, 1.0, size=(CLASSES, FEATURES))
    x = (means[y] * 0.6 + rng.normal(0.0, 1.0, size=(NODES, FEATURES))).astype(np.float32)
    order = rng.permutation(NODES)
    train, val, test = order[:300], order[300:450], order[450:]
    masks = {}
    for name, ids in (("train_mask", train), ("val_mask", val), ("test_mask", test)):
        mask = np.zeros(NODES, dtype=bool)
        mask[ids] = True
        masks[name] = mask
    np.savez_compressed(path, edge_index=edge_index, x=x, y=y.astype(np.int64), **masks)
    print(f"{path}: {NODES} nodes, {edge_index.shape[1]} directed edges, {FEATURES} features, {CLASSES} classes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/csbm.npz")
