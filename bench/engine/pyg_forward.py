#!/usr/bin/env python3
"""One full-graph forward pass in PyTorch Geometric on CPU: the reference side of the engine benchmark.

    ~/pyg/bin/python bench/engine/pyg_forward.py --arch A.json --weights W.safetensors --graph G.bin \
        --threads 2 --out OUT.npy

Builds scripts/fixtures/reference_models.build(arch), loads the weights (strict), runs model.eval() and one
forward under torch.inference_mode() on the graph file's edges (graphfile.py: the same CSR gnn-serve reads, as
an edge_index in CSR order) and, when the architecture has edge channels, its edge features; saves the float32
logits of every node (in input-id order when the file's rows are reordered: node.order) and prints one JSON
line: {"seconds": forward wall time, "peak_rss_bytes": the process's peak RSS}.
"""
import argparse
import json
import os
import pathlib
import resource
import sys
import time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU only
import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "fixtures"))
from reference_models import build  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from graphfile import GraphFile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--graph", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    arch = json.loads(pathlib.Path(args.arch).read_text())
    model = build(arch)
    model.load_state_dict(load_file(args.weights), strict=True)
    model.eval()
    graph = GraphFile(args.graph)
    order = graph.get("node.order")
    order = None if order is None else np.array(order, dtype=np.int64)
    x = torch.from_numpy(np.array(graph["node.features"], dtype=np.float32))
    edge_index = torch.from_numpy(graph.edge_index())
    edge_attr = None
    if arch.get("edge_channels", 0) > 0:
        edge_attr = torch.from_numpy(np.array(graph["edge.features"], dtype=np.float32))
    del graph  # drop the mappings: only the tensors count towards PyG's memory
    with torch.inference_mode():
        start = time.perf_counter()
        logits = model(x, edge_index) if edge_attr is None else model(x, edge_index, edge_attr)
        seconds = time.perf_counter() - start
    logits = logits.float().numpy()
    if order is not None:  # row r holds input node order[r]; write rows by input id, as gnn-serve does
        by_id = np.empty_like(logits)
        by_id[order] = logits
        logits = by_id
    np.save(args.out, logits)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak}), flush=True)
    # Skip interpreter teardown: it raises the process's peak RSS by ~100 MB after the work is done, which
    # would make /usr/bin/time's %M (run.sh's cross-check) disagree with the figure above.
    os._exit(0)


if __name__ == "__main__":
    main()
