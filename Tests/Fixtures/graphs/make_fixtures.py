#!/usr/bin/env python3
"""Writes the small input files the import and command-line tests read (numpy only) into this folder,
Tests/Fixtures/graphs/, from wherever it is run:

    python3 Tests/Fixtures/graphs/make_fixtures.py

The expected CSR arrays in GNNImportTests are worked out by hand from the edges listed here.
"""
import gzip
import os

import numpy as np

os.chdir(os.path.dirname(os.path.abspath(__file__)))

# small.npz: 5 nodes; edges in input order (index: source -> destination):
#   0: 0->1, 1: 2->1, 2: 0->1 (repeat of 0), 3: 3->3 (self loop), 4: 4->0, 5: 1->2
edge_index = np.array([[0, 2, 0, 3, 4, 1], [1, 1, 1, 3, 0, 2]], dtype=np.int64)
np.savez_compressed(
    "small.npz",
    edge_index=edge_index,
    x=np.arange(10, dtype=np.float64).reshape(5, 2),
    edge_attr=np.array([[10], [20], [30], [40], [50], [60]], dtype=np.float32),
    y=np.array([0, 1, 2, 1, 0], dtype=np.int64),
    train_mask=np.array([True, True, False, False, False]),
    val_idx=np.array([2], dtype=np.int64),
    test_idx=np.array([3, 4], dtype=np.int64),
)

# fortran.npz: Fortran-ordered int32 edges and float32 features, float targets (multi-label), stored (not deflated).
np.savez(
    "fortran.npz",
    edge_index=np.asfortranarray(np.array([[0, 1, 2], [1, 2, 0]], dtype=np.int32)),
    x=np.asfortranarray(np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)),
    y=np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32),
)

# Bad inputs.
np.savez("bad_index.npz", edge_index=np.array([[0, 7], [1, 2]]), x=np.zeros((5, 2), dtype=np.float32))
np.savez("missing_x.npz", edge_index=np.array([[0], [1]]))
np.savez("edge_rows.npz", edge_index=np.array([[0, 1], [1, 0]]), x=np.zeros((2, 2), np.float32),
         edge_attr=np.zeros((3, 1), np.float32))
np.savez("empty.npz", edge_index=np.zeros((2, 0), dtype=np.int64), x=np.zeros((0, 3), dtype=np.float32))
np.savez("float_index.npz", edge_index=np.array([[0.5, 1.0], [1.0, 0.0]]), x=np.zeros((2, 2), np.float32))
np.savez("transposed.npz", edge_index=np.array([[0, 1], [1, 0], [1, 1]]), x=np.zeros((2, 2), np.float32))
with open("truncated.npz", "wb") as f:
    f.write(open("small.npz", "rb").read()[:300])

# ogb/: OGB's raw layout, 3 nodes, 3 edges, 2 features, 1 edge feature, one split folder.
def gz(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wt") as f:
        f.write("".join(line + "\n" for line in lines))

gz("ogb/raw/edge.csv.gz", ["0,1", "1,2", "2,0"])
gz("ogb/raw/node-feat.csv.gz", ["0.5,1.5", "-2,3e-1", "7,8"])
gz("ogb/raw/edge-feat.csv.gz", ["1", "2", "3"])
gz("ogb/raw/node-label.csv.gz", ["2", "0", "1"])
gz("ogb/raw/num-node-list.csv.gz", ["3"])
gz("ogb/split/time/train.csv.gz", ["0", "1"])
gz("ogb/split/time/valid.csv.gz", ["2"])
gz("ogb/split/time/test.csv.gz", [])
os.makedirs("not_ogb", exist_ok=True)
with open("not_ogb/README.txt", "w") as f:
    f.write("not a data set\n")

# edges.tsv + features.npy: an edge list with a header and a comment.
with open("edges.tsv", "w") as f:
    f.write("# a comment\nsrc\tdst\n0\t1\n1\t0\n2\t1\n")
np.save("features.npy", np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
