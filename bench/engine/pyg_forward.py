#!/usr/bin/env python3
"""One full-graph forward pass in PyTorch Geometric on CPU: the reference side of the engine benchmark.

    ~/pyg/bin/python bench/engine/pyg_forward.py --arch A.json --weights W.safetensors --graph G.bin \
        --threads 2 --out OUT.npy [--path edge_index|adj_t|edge_index-compile|adj_t-compile]

Builds scripts/fixtures/reference_models.build(arch), loads the weights (strict), runs model.eval() and one
forward under torch.inference_mode() on the graph file's edges (graphfile.py: the same CSR gnn-serve reads)
and, when the architecture has edge channels, its edge features; saves the float32 logits of every node (in
input-id order when the file's rows are reordered: node.order) and prints one JSON line: {"seconds": forward
wall time, "peak_rss_bytes": the process's peak RSS, "path": the path, and for adj_t-compile
"compile_seconds": the first, compiling, call}.

The paths are the ways a PyG user passes the graph (PATHS):
- edge_index: a 2 x M index in CSR order; every conv gathers one message per edge and scatters it.
- adj_t: the graph file's CSR as a torch.sparse_csr_tensor of ones, rows = destinations (PyG's adj_t, what
  torch_geometric.utils.to_torch_csr_tensor gives for the transposed edge_index and T.ToSparseTensor's layout):
  PyG's "memory-efficient aggregations", one sparse-dense product per conv where the conv has one (SAGE, GCN,
  GCNII); the others fall back to gathering per edge from the sparse tensor's indices.
- edge_index-compile, adj_t-compile: that path through torch.compile(model, dynamic=False); the first call
  compiles (its time is reported as compile_seconds), the second is timed.
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

PATHS = ("edge_index", "adj_t", "edge_index-compile", "adj_t-compile")


def adjacency(graph: GraphFile, path: str) -> torch.Tensor:
    """The graph as `path` passes it: edge_index (2 x M) or adj_t (N x N sparse CSR, row = destination)."""
    if path.startswith("edge_index"):
        return torch.from_numpy(graph.edge_index())
    offsets = torch.from_numpy(np.asarray(graph["csr.offsets"], dtype=np.int64))
    sources = torch.from_numpy(np.asarray(graph["csr.sources"], dtype=np.int64))
    return torch.sparse_csr_tensor(offsets, sources, torch.ones(graph.edges), size=(graph.nodes, graph.nodes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--graph", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", required=True)
    parser.add_argument("--path", choices=PATHS, default="edge_index")
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
    edge_index = adjacency(graph, args.path)
    edge_attr = None
    if arch.get("edge_channels", 0) > 0:
        edge_attr = torch.from_numpy(np.array(graph["edge.features"], dtype=np.float32))
    del graph  # drop the mappings: only the tensors count towards PyG's memory
    inputs = (x, edge_index) if edge_attr is None else (x, edge_index, edge_attr)
    report = {"path": args.path}
    with torch.inference_mode():
        if args.path.endswith("-compile"):
            model = torch.compile(model, dynamic=False)
            start = time.perf_counter()
            model(*inputs)
            report["compile_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        logits = model(*inputs)
        seconds = time.perf_counter() - start
    logits = logits.float().numpy()
    if order is not None:  # row r holds input node order[r]; write rows by input id, as gnn-serve does
        by_id = np.empty_like(logits)
        by_id[order] = logits
        logits = by_id
    np.save(args.out, logits)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak, **report}), flush=True)
    # Skip interpreter teardown: it raises the process's peak RSS by ~100 MB after the work is done, which
    # would make /usr/bin/time's %M (run.sh's cross-check) disagree with the figure above.
    os._exit(0)


if __name__ == "__main__":
    main()
