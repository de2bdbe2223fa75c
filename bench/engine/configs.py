#!/usr/bin/env python3
"""The engine benchmark's model configurations, as architecture documents (formats/model.md §8).

    ~/pyg/bin/python bench/engine/configs.py --list main|depth      # config names, one a line
    ~/pyg/bin/python bench/engine/configs.py NAME                   # NAME's arch.json on stdout
    ~/pyg/bin/python bench/engine/configs.py NAME --pyg-estimate NODES EDGES PARAMS   # PyG peak RSS, bytes

Every conv option is written out explicitly (PyG's defaults), as in Tests/GNNEngineTests/Fixtures/*/arch.json.
"""
import argparse
import json
import sys

SAGE = {"kind": "sage", "aggr": "mean", "bias": True, "normalize": False, "project": False, "root_weight": True}
GEN = {"kind": "gen", "aggr": "softmax", "bias": False, "expansion": 2, "learn_msg_scale": False, "learn_p": False,
       "learn_t": True, "mlp_norm": "layer", "msg_norm": False, "num_layers": 2, "p": 1.0, "t": 1.0}
GAT = {"kind": "gat", "add_self_loops": True, "bias": True, "concat": True, "heads": 2, "negative_slope": 0.2,
       "residual": False}


def arch(family: str, layers: int, conv: dict) -> dict:
    return {"family": family, "layers": layers, "groups": 2 if "rev" in family else 1, "input_channels": 128,
            "hidden_channels": 128, "output_channels": 40, "edge_channels": 0, "task": "multi-class",
            "norm": "layer", "activation": "relu", "conv": dict(conv)}


MAIN = {
    "RevSAGE-28": arch("revgnn", 28, SAGE),
    "RevGEN-7": arch("revgnn", 7, GEN),
    "RevGAT-7": arch("revgnn", 7, GAT),
    "WT-RevSAGE-28": arch("wt-revgnn", 28, SAGE),
    "ResSAGE-28": arch("resgnn", 28, SAGE),
}
DEPTH = {f"{name}-{layers}": arch(family, layers, SAGE)
         for name, family in (("RevSAGE", "revgnn"), ("WT-RevSAGE", "wt-revgnn")) for layers in (10, 100, 1000)}
ALL = {**MAIN, **DEPTH}

# Floats alive per edge and conv channel at the peak of one conv in PyG (gathered messages, their transforms,
# softmax terms). At scale 0.2 the estimate was 2-20 % above the measured peak for all main configs.
EDGE_FLOATS = {"sage": 2, "gat": 3, "gen": 7}


def pyg_estimate(a: dict, nodes: int, edges: int, params: int) -> int:
    """Expected PyG peak RSS of pyg_forward.py (bytes). Under torch.inference_mode no activations are kept,
    so depth enters only through the parameters; a forward that kept them for autograd would add
    layers x nodes x hidden x ~4 floats (the term that makes e.g. a 1000-layer ResSAGE on arxiv impossible)."""
    width = a["hidden_channels"] // a["groups"]
    conv = a["conv"]["kind"]
    edges_used = edges + (nodes if a["conv"].get("add_self_loops") and conv == "gat" else 0)
    return int(0.6 * 2**30                                       # interpreter, torch, PyG
               + 2 * 4 * nodes * a["input_channels"]             # x from the npz and as a tensor
               + 3 * 8 * 2 * edges_used                          # edge_index (npz, tensor, self-loop copy)
               + 4 * 6 * nodes * a["hidden_channels"]            # state, norm, conv output, group split/cat
               + 4 * EDGE_FLOATS[conv] * edges_used * width      # per-edge messages of one conv
               + 4 * params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--list", choices=["main", "depth", "all"])
    parser.add_argument("--pyg-estimate", nargs=3, type=int, metavar=("NODES", "EDGES", "PARAMS"))
    args = parser.parse_args()
    if args.list:
        print("\n".join({"main": MAIN, "depth": DEPTH, "all": ALL}[args.list]))
    elif args.name not in ALL:
        sys.exit(f"unknown config {args.name!r}; known: {', '.join(ALL)}")
    elif args.pyg_estimate:
        print(pyg_estimate(ALL[args.name], *args.pyg_estimate))
    else:
        print(json.dumps(ALL[args.name], indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
