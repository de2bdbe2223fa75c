#!/usr/bin/env python3
"""The materialised twin of an edge-encoder model, for bench/edge-encoder/run.sh.

    ~/pyg/bin/python bench/edge-encoder/materialise.py --graph G.bin --arch A.json --weights W.safetensors --out DIR

Writes DIR/graph.npz (the graph's nodes and edges with edge_attr = edge_encoder(edge_attr), M x hidden float32,
computed once as PyTorch does) and DIR/arch.json + DIR/weights.safetensors: the same model without its
`encoder.edge`, whose convs read those hidden-wide features directly. Both models compute the same function;
one encodes each edge as the aggregation reads it, the other reads a stored M x hidden buffer.
"""
import argparse
import json
import pathlib
import sys

import numpy as np
import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "engine"))
import graphfile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--graph", "--arch", "--weights", "--out"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    arch = json.loads(pathlib.Path(args.arch).read_text())
    name = arch["encoder"]["edge"]
    weights = load_file(args.weights)
    w, b = weights.pop(name + ".weight"), weights.pop(name + ".bias")
    graph = graphfile.GraphFile(args.graph)
    edge_attr = torch.from_numpy(np.asarray(graph["edge.features"], dtype=np.float32))
    with torch.no_grad():
        encoded = torch.nn.functional.linear(edge_attr, w, b).numpy()
    arrays = {"x": np.asarray(graph["node.features"]), "edge_index": graph.edge_index(), "edge_attr": encoded}
    np.savez(out / "graph.npz", **arrays)
    del arch["encoder"]
    arch["edge_channels"] = arch["hidden_channels"]
    (out / "arch.json").write_text(json.dumps(arch, indent=2, sort_keys=True))
    save_file(weights, str(out / "weights.safetensors"))


if __name__ == "__main__":
    main()
