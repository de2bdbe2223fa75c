#!/usr/bin/env python3
"""Writes realistically sized models for measuring gnn-export's file size against safetensors.

    ~/pyg/bin/python scripts/export_size_models.py OUTDIR

OUTDIR/revsage28.{safetensors,pt,arch.json}: RevSAGE-28, 2 groups, hidden 128, 128 features, 40 classes
(arxiv-shaped), PyG initialisation followed by 20 full-batch Adam steps on a random 2,000-node graph, so the
weights have trained statistics rather than a fresh initialisation's.
OUTDIR/wt_revsage_{10,1000}.{safetensors,arch.json}: one weight-tied block (trained at depth 2) described
at 10 and 1000 layers (one stored block each, as reference_models.py's WT models save it).
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
import make_engine_fixtures as engine  # noqa: E402
import reference_models  # noqa: E402


def arch(family, layers):
    a = engine.make_arch(family, conv={"kind": "sage"}, layers=layers, groups=2, hidden=128)
    a.update(input_channels=128, output_channels=40)
    return a


def train(model, a, steps=20):
    torch.manual_seed(1)
    n = 2000
    x = torch.randn(n, 128)
    edge_index = torch.randint(0, n, (2, 20000))
    y = torch.randint(0, 40, (n,))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(x, edge_index), y).backward()
        optimizer.step()
    model.eval()


def write(out, name, a, model, pt=False):
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, name + ".safetensors"))
    if pt:
        torch.save(model.state_dict(), os.path.join(out, name + ".pt"))
    with open(os.path.join(out, name + ".arch.json"), "w") as f:
        json.dump(a, f, indent=2, sort_keys=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    a = arch("revgnn", 28)
    model = reference_models.build(a)
    train(model, a)
    write(out, "revsage28", a, model, pt=True)
    torch.manual_seed(0)
    model = reference_models.build(arch("wt-revgnn", 2))
    train(model, arch("wt-revgnn", 2))          # trained at depth 2; the depth only changes the arch file
    for layers in (10, 1000):
        write(out, f"wt_revsage_{layers}", arch("wt-revgnn", layers), model)


if __name__ == "__main__":
    main()
