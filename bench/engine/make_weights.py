#!/usr/bin/env python3
"""Random (seeded) weights for an architecture document, in PyG's naming, as a .safetensors file.

    ~/pyg/bin/python bench/engine/make_weights.py --arch A.json --out W.safetensors [--seed 0]

The model is scripts/fixtures/reference_models.build(arch) with PyTorch's default initialisation.
Prints the parameter count (elements of every tensor saved) on stdout.
"""
import argparse
import json
import pathlib
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "fixtures"))
from reference_models import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = build(json.loads(pathlib.Path(args.arch).read_text()))
    state = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, args.out)
    print(sum(tensor.numel() for tensor in state.values()))


if __name__ == "__main__":
    main()
