#!/usr/bin/env python3
"""The engine benchmark's model configurations, as architecture documents (formats/model.md §8), each on the
synthetic graph shape (gnn-bench graph --shape) it is measured on.

    ~/pyg/bin/python bench/engine/configs.py --list main|depth|products|gcnii|all [--shape S]   # names, one a line
    ~/pyg/bin/python bench/engine/configs.py NAME                   # NAME's arch.json on stdout
    ~/pyg/bin/python bench/engine/configs.py NAME --shape           # the graph shape NAME runs on
    ~/pyg/bin/python bench/engine/configs.py NAME --pyg-estimate NODES EDGES PARAMS   # PyG peak RSS, bytes
    ~/pyg/bin/python bench/engine/configs.py NAME --pyg-paths      # the PyG paths NAME's conv runs, one a line

Every conv option is written out explicitly (PyG's defaults), as in Tests/Fixtures/models/*/arch.json.
Input, output and edge widths and the task come from the shape (SHAPES mirrors bench/GNNBench's
SyntheticGraphShape). Choices from the literature:
- RevGEN-112 (proteins): DeeperGCN's ogbn-proteins model — 112 GEN layers, softmax aggregation with learnable
  t, layer norm, hidden 64 (Li et al. 2020; PyG examples/ogbn_proteins_deepgcn.py uses the same conv and
  norm at 28 layers), made reversible with 2 groups as in the RevGNN paper; the 8 edge features go through
  GENConv's edge encoder (edge_dim 8 != 32 channels per group).
- RevSAGE-28-160 (products): PyG examples/rev_gnn.py's ogbn-products model (SAGEConv, hidden 160, 2 groups,
  layer norm) at 28 layers.
- GCNII-64 (arxiv): PyG examples/gcn2_cora.py's model (alpha 0.1, theta 0.5, shared weights) at 64 layers,
  hidden 128, on the arxiv shape; no norm (family "gcnii" has none).
- DEQ-GCN: one weight-tied GCN layer solved to its fixed point by Anderson acceleration (family "deq",
  which needs the DEQ engine and reference_models' "deq" family).
"""
import argparse
import json
import sys

SHAPES = {  # input features, outputs, edge features, task
    "arxiv": (128, 40, 0, "multi-class"),
    "proteins": (8, 112, 8, "multi-label"),
    "products": (100, 47, 0, "multi-class"),
}
SAGE = {"kind": "sage", "aggr": "mean", "bias": True, "normalize": False, "project": False, "root_weight": True}
GEN = {"kind": "gen", "aggr": "softmax", "bias": False, "expansion": 2, "learn_msg_scale": False, "learn_p": False,
       "learn_t": True, "mlp_norm": "layer", "msg_norm": False, "num_layers": 2, "p": 1.0, "t": 1.0}
GAT = {"kind": "gat", "add_self_loops": True, "bias": True, "concat": True, "heads": 2, "negative_slope": 0.2,
       "residual": False}
GCN = {"kind": "gcn", "add_self_loops": True, "bias": True, "improved": False, "normalize": True}
GCN2 = {"kind": "gcn2", "alpha": 0.1, "theta": 0.5, "shared_weights": True, "add_self_loops": True, "normalize": True}
ANDERSON = {"method": "anderson", "tolerance": 1e-4, "max_iterations": 30, "memory": 5, "damping": 1.0,
            "regularization": 1e-4}


def arch(family: str, layers: int, conv: dict, shape: str = "arxiv", hidden: int = 128, **extra) -> dict:
    inputs, outputs, edges, task = SHAPES[shape]
    return {"family": family, "layers": layers, "groups": 2 if "rev" in family else 1, "input_channels": inputs,
            "hidden_channels": hidden, "output_channels": outputs, "edge_channels": edges, "task": task,
            "norm": "layer", "activation": "relu", "conv": dict(conv), **extra}


# name: (shape, arch)
MAIN = {
    "RevSAGE-28": ("arxiv", arch("revgnn", 28, SAGE)),
    "RevGEN-7": ("arxiv", arch("revgnn", 7, GEN)),
    "RevGAT-7": ("arxiv", arch("revgnn", 7, GAT)),
    "WT-RevSAGE-28": ("arxiv", arch("wt-revgnn", 28, SAGE)),
    "ResSAGE-28": ("arxiv", arch("resgnn", 28, SAGE)),
    "DEQ-GCN": ("arxiv", arch("deq", 1, GCN, solver=dict(ANDERSON))),
    "RevGEN-112": ("proteins", arch("revgnn", 112, GEN, "proteins", hidden=64)),
}
# Memory versus depth: gnn-serve's reversible and weight-tied models, PyG's residual and reversible ones.
DEPTH = {f"{name}-{layers}": ("arxiv", arch(family, layers, SAGE))
         for name, family in (("RevSAGE", "revgnn"), ("WT-RevSAGE", "wt-revgnn"), ("ResSAGE", "resgnn"))
         for layers in (10, 100, 1000)}
PRODUCTS = {"RevSAGE-28-160": ("products", arch("revgnn", 28, SAGE, "products", hidden=160))}
GCNII = {"GCNII-64": ("arxiv", {**arch("gcnii", 64, GCN2), "norm": "none"})}
ALL = {**MAIN, **DEPTH, **PRODUCTS, **GCNII}

# The ways PyG can be given the graph (pyg_forward.py PATHS) and what each conv runs with torch 2.13 and PyG
# 2.8.1, checked on a 2,000-node graph without repeated edges or self loops against edge_index (relative L2
# of the logits ≤ 2.3e-7, RevSAGE, RevGAT, DEQ-GCN, GCNII). torch.compile is tried on the path a user would
# pick it for: SAGE's sparse product (adj_t); the gather-scatter (edge_index) of GAT and GEN, which have no
# sparse product to fuse, and of GCN and GCNII, whose gcn_norm does not compile on a sparse CSR tensor ("could
# not find kernel for aten.as_strided.default at dispatch key SparseCsrCPU"). DEQ's solver loop breaks the
# compiled graph at every residual (Tensor.item), so only f's pieces are compiled.
PYG_PATHS = {"sage": ["edge_index", "adj_t", "adj_t-compile"], "gat": ["edge_index", "adj_t", "edge_index-compile"],
             "gen": ["edge_index", "adj_t", "edge_index-compile"], "gcn": ["edge_index", "adj_t", "edge_index-compile"],
             "gcn2": ["edge_index", "adj_t", "edge_index-compile"]}

# Floats alive per edge and conv channel at the peak of one conv in PyG (gathered messages, their transforms,
# softmax terms). At scale 0.2 the estimate was 2-20 % above the measured peak for the arxiv configs.
EDGE_FLOATS = {"sage": 2, "gat": 3, "gen": 7, "gcn": 2, "gcn2": 2}


def pyg_estimate(a: dict, nodes: int, edges: int, params: int) -> int:
    """Expected PyG peak RSS of pyg_forward.py (bytes). Under torch.inference_mode no activations are kept,
    so depth enters only through the parameters; a forward that kept them for autograd would add
    layers x nodes x hidden x ~4 floats (the term that makes e.g. a 1000-layer ResSAGE on arxiv impossible)."""
    width = a["hidden_channels"] // a["groups"]
    conv = a["conv"]["kind"]
    edges_used = edges + (nodes if a["conv"].get("add_self_loops") and conv in ("gat", "gcn", "gcn2") else 0)
    solver_history = 2 * a["solver"]["memory"] * nodes * a["hidden_channels"] if a["family"] == "deq" else 0
    return int(0.6 * 2**30                                       # interpreter, torch, PyG
               + 2 * 4 * nodes * a["input_channels"]             # x as read and as a tensor
               + 3 * 8 * 2 * edges_used                          # edge_index (numpy, tensor, self-loop copy)
               + 2 * 4 * edges * a["edge_channels"]              # edge_attr as read and as a tensor
               + 4 * 6 * nodes * a["hidden_channels"]            # state, norm, conv output, group split/cat
               + 4 * EDGE_FLOATS[conv] * edges_used * width      # per-edge messages of one conv
               + 4 * solver_history                              # Anderson's past iterates and residuals
               + 4 * params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--list", choices=["main", "depth", "products", "gcnii", "all"])
    parser.add_argument("--shape", nargs="?", const=True, help="with --list: only configs on this shape; "
                        "with NAME: print NAME's shape")
    parser.add_argument("--pyg-estimate", nargs=3, type=int, metavar=("NODES", "EDGES", "PARAMS"))
    parser.add_argument("--pyg-paths", action="store_true")
    args = parser.parse_args()
    if args.list:
        group = {"main": MAIN, "depth": DEPTH, "products": PRODUCTS, "gcnii": GCNII, "all": ALL}[args.list]
        print("\n".join(name for name, (shape, _) in group.items() if args.shape in (None, True, shape)))
    elif args.name not in ALL:
        sys.exit(f"unknown config {args.name!r}; known: {', '.join(ALL)}")
    elif args.shape:
        print(ALL[args.name][0])
    elif args.pyg_paths:
        print("\n".join(PYG_PATHS[ALL[args.name][1]["conv"]["kind"]]))
    elif args.pyg_estimate:
        print(pyg_estimate(ALL[args.name][1], *args.pyg_estimate))
    else:
        print(json.dumps(ALL[args.name][1], indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
