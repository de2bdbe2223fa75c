#!/usr/bin/env python3
"""What a 16-bit node state would cost in accuracy, emulated in PyG before the engine stores one.

    ~/pyg/bin/python bench/engine/state_dtype_emulation.py                     # every fixture model (Tests/Fixtures/models)
    ~/pyg/bin/python bench/engine/state_dtype_emulation.py --arch A.json --weights W.safetensors --graph G.bin

Runs each model in float32 and again with the output of every module but the last (the logits) rounded to
bfloat16 and to float16 (torch's `.to`, round to nearest even) and widened back, so every product and sum
still runs in float32 while every stored N x channels result (linear, norm, activation, conv, block, the
reversible state) carries 16 bits, as `predict --state-dtype` would store them. Statistics inside a module
(norm means and variances, softmax sums, the DEQ solver's inner products) stay float32. Prints one markdown
row per model: relative L2 of the logits against float32 and argmax agreement for each dtype; for DEQ
models also the solver's evaluations and final relative residual, and whether it reached the tolerance.
A graph file (bench/engine/graphfile.py) is read as adj_t (pyg_forward.py's path) to keep PyG's memory low.
"""
import argparse
import json
import pathlib
import sys
import warnings

import numpy as np
import torch
from safetensors.torch import load_file

warnings.filterwarnings("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "fixtures"))
sys.path.insert(0, str(ROOT / "bench" / "engine"))
from reference_models import build  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}


def forward(model: torch.nn.Module, inputs: tuple, dtype):
    """The logits, rounding every module's output but the last to `dtype` (None: float32 throughout)."""
    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]

    def store(module, args, out):
        if module is last or not isinstance(out, torch.Tensor) or not out.is_floating_point():
            return None
        return out.to(dtype).float()

    hooks = [] if dtype is None else [m.register_forward_hook(store) for m in model.modules() if m is not model]
    with torch.inference_mode():
        logits = model(*inputs)
    for hook in hooks:
        hook.remove()
    return logits, getattr(model, "last_stats", None)


def compare(name: str, arch: dict, model: torch.nn.Module, inputs: tuple) -> None:
    reference, stats = forward(model, inputs, None)
    cells = [name, arch["family"], arch["conv"]["kind"]]
    cells.append("–" if stats is None else f"{stats['evaluations']} evals, residual {stats['residual']:.1e}")
    for dtype in DTYPES.values():
        logits, stats = forward(model, inputs, dtype)
        relative = float((logits - reference).norm() / reference.norm())
        agreement = float((logits.argmax(1) == reference.argmax(1)).float().mean())
        cell = f"{relative:.1e}, {100 * agreement:.2f} %"
        if stats is not None:
            cell += f", {stats['evaluations']} evals, residual {stats['residual']:.1e}" + ("" if stats["converged"] else " (not reached)")
        cells.append(cell)
    print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch")
    parser.add_argument("--weights")
    parser.add_argument("--graph")
    args = parser.parse_args()
    torch.set_num_threads(2)
    print("| model | family | conv | float32 DEQ solve | bf16: rel. L2, argmax agreement | f16: rel. L2, argmax agreement |")
    print("|---|---|---|---|---|---|")
    if args.graph:
        from graphfile import GraphFile
        from pyg_forward import adjacency
        arch = json.loads(pathlib.Path(args.arch).read_text())
        model = build(arch)
        model.load_state_dict(load_file(args.weights), strict=True)
        graph = GraphFile(args.graph)
        inputs = (torch.from_numpy(np.array(graph["node.features"], dtype=np.float32)), adjacency(graph, "adj_t"))
        compare(pathlib.Path(args.arch).parent.name, arch, model.eval(), inputs)
        return
    for arch_path in sorted((ROOT / "Tests" / "Fixtures" / "models").glob("**/arch.json")):
        folder = arch_path.parent
        if folder.parent.name in ("compat-1.0", "ops"):
            continue
        arch = json.loads(arch_path.read_text())
        model = build(arch)
        model.load_state_dict(load_file(folder / "weights.safetensors"), strict=True)
        graph = np.load(folder.parent / "graph.npz")
        inputs = (torch.from_numpy(graph["x"]).float(), torch.from_numpy(graph["edge_index"]).long())
        if arch.get("edge_channels", 0) > 0:
            inputs += (torch.from_numpy(graph["edge_attr"]).float(),)
        compare(folder.name, arch, model.eval(), inputs)


if __name__ == "__main__":
    main()
