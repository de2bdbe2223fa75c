#!/usr/bin/env python3
"""Plots the memory-vs-depth study: peak RSS against layers (log x), one line per model and tool, as SVG.

One colour per model; gnn-serve solid, PyG dashed; a depth where a tool was skipped has no point.

    ~/pyg/bin/python bench/engine/plot_depth.py [bench/engine/results/depth.csv] [OUT.svg]

Reads the CSV bench/engine/run.sh --depth-study writes (config,layers,tool,seconds,peak_rss_bytes; config is
MODEL-LAYERS) and writes the SVG by hand (no matplotlib). OUT defaults to the CSV's path with .svg.
"""
import csv
import math
import pathlib
import sys
from collections import defaultdict

W, H, L, R, T, B = 720, 440, 80, 200, 30, 60  # size and margins (left, right, top, bottom)
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def main() -> None:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "results/depth.csv")
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else src.with_suffix(".svg")
    lines = defaultdict(list)
    for row in csv.DictReader(src.open()):
        model = row["config"].rsplit("-", 1)[0]
        lines[f"{model} ({row['tool']})"].append((int(row["layers"]), int(row["peak_rss_bytes"]) / 2**20))
    xs = [x for pts in lines.values() for x, _ in pts]
    x0, x1 = math.floor(math.log10(min(xs))), max(math.ceil(math.log10(max(xs))), math.floor(math.log10(min(xs))) + 1)
    ymax = max(y for pts in lines.values() for _, y in pts)
    step = 10 ** math.floor(math.log10(ymax / 2)) * (5 if ymax / 10 ** math.floor(math.log10(ymax / 2)) > 10 else 1)
    y1 = step * math.ceil(ymax * 1.05 / step)

    def px(x):
        return L + (math.log10(x) - x0) / (x1 - x0) * (W - L - R)

    def py(y):
        return H - B - y / y1 * (H - T - B)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        svg.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B + 5}" stroke="#ddd"/>'
                   f'<text x="{x:.1f}" y="{H - B + 20}" text-anchor="middle">{10 ** e}</text>')
    for k in range(int(round(y1 / step)) + 1):
        y = py(k * step)
        svg.append(f'<line x1="{L - 5}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{L - 8}" y="{y + 4:.1f}" text-anchor="end">{k * step:g}</text>')
    svg.append(f'<text x="{(L + W - R) / 2}" y="{H - 15}" text-anchor="middle">layers (log scale)</text>')
    svg.append(f'<text transform="translate(20 {(T + H - B) / 2}) rotate(-90)" text-anchor="middle">peak RSS (MiB)</text>')
    models = sorted({name.rsplit(" (", 1)[0] for name in lines})
    svg.append(f'<text x="{(L + W - R) / 2}" y="{T - 10}" text-anchor="middle">peak RSS of one full-graph forward '
               f'pass (gnn-serve solid, PyG dashed)</text>')
    for i, (name, pts) in enumerate(sorted(lines.items())):
        color = COLORS[models.index(name.rsplit(" (", 1)[0]) % len(COLORS)]
        dash = ' stroke-dasharray="6 4"' if "(PyG" in name else ""
        pts.sort()
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        svg += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in pts]
        ly = T + 10 + 20 * i
        svg.append(f'<line x1="{W - R + 15}" y1="{ly}" x2="{W - R + 40}" y2="{ly}" stroke="{color}" stroke-width="2"{dash}/>'
                   f'<text x="{W - R + 45}" y="{ly + 4}">{name}</text>')
    svg.append("</svg>")
    out.write_text("\n".join(svg) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
