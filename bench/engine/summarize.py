#!/usr/bin/env python3
"""Turns the per-config result directories written by bench/engine/run.sh into a markdown table or CSV rows.

    ~/pyg/bin/python bench/engine/summarize.py table DIR...   # one markdown table, a row per config
    ~/pyg/bin/python bench/engine/summarize.py csv DIR...     # config,layers,tool,seconds,peak_rss_bytes rows
    ~/pyg/bin/python bench/engine/summarize.py depth CSV      # memory vs depth table from those rows

Each DIR holds arch.json; serve.npy, serve.time ("%e %M" of /usr/bin/time), serve.stats (--stats stderr);
and unless PyG was skipped (then pyg.skipped says why) pyg.npy, pyg.json (pyg_forward.py's line) and pyg.time ("%M"); *.busy hold the %
of CPU other work used in the second before each run (timings are unreliable when it is high). With
`run.sh --repeat K` each of these text files has a line per run, in turn for the two tools; times and peak
RSS are then medians, shown with the range of the runs, and the speed-up with the range of the per-run pairs.
Output difference: max over nodes of ‖a_i − b_i‖/‖b_i‖ (a = gnn-serve, b = PyG) and global ‖a − b‖/‖b‖.
"""
import json
import pathlib
import re
import statistics
import sys

import numpy as np


def lines(path: pathlib.Path) -> list:
    return [line for line in path.read_text().splitlines() if line.strip()]


def load(d: pathlib.Path) -> dict:
    """One config's runs: lists of per-run values (serve_fwd, serve_wall, serve_rss, pyg_fwd, pyg_rss, pyg_time_rss)."""
    r = {"name": d.name, "layers": json.loads((d / "arch.json").read_text())["layers"]}
    timed = [line.split() for line in lines(d / "serve.time") if re.fullmatch(r"[\d.]+ \d+", line.strip())]
    r["serve_wall"], r["serve_rss"] = [float(w) for w, _ in timed], [int(k) * 1024 for _, k in timed]
    r["serve_fwd"] = [float(s) for s in re.findall(r"forward ([\d.]+) s", (d / "serve.stats").read_text())]
    if (d / "pyg.skipped").exists():
        r["pyg_skipped"] = (d / "pyg.skipped").read_text().split("(", 1)[-1].rstrip(")\n")
    for tool in ("pyg", "serve"):
        if (d / f"{tool}.busy").exists():
            r[f"{tool}_busy"] = max(int(line) for line in lines(d / f"{tool}.busy"))
    if (d / "pyg.json").exists():
        runs = [json.loads(line) for line in lines(d / "pyg.json") if line.startswith("{")]
        r["pyg_fwd"], r["pyg_rss"] = [p["seconds"] for p in runs], [p["peak_rss_bytes"] for p in runs]
        r["pyg_time_rss"] = [int(line) * 1024 for line in lines(d / "pyg.time") if line.strip().isdigit()]
        a, b = np.load(d / "serve.npy").astype(np.float64), np.load(d / "pyg.npy").astype(np.float64)
        if a.shape != b.shape:
            r["diff"] = f"shape {a.shape} vs {b.shape}"
        else:
            rows = np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(b, axis=1), 1e-30)
            glob = np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)
            r["diff"] = f"{rows.max():.1e} / {glob:.1e}" + ("" if np.isfinite(a).all() else " (non-finite!)")
    return r


def median(values: list) -> float:
    return statistics.median(values)


def spread(values: list, form: str) -> str:
    """The median, and with more than one run the range: `2.81 (2.77–2.90)`."""
    text = form.format(median(values))
    return text if len(values) == 1 else f"{text} ({form.format(min(values))}–{form.format(max(values))})"


def gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def table(results: list) -> None:
    print("| config | PyG s | gnn-serve s | speed-up | PyG peak RSS | gnn-serve peak RSS | RSS ratio | rel. L2 diff |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        serve = spread(r["serve_fwd"], "{:.3f}") + f" (proc {median(r['serve_wall']):.2f})"
        if "pyg_fwd" not in r:
            why = f" ({r['pyg_skipped']})" if "pyg_skipped" in r else ""
            print(f"| {r['name']} | skipped{why} | {serve} | – | – | {gib(median(r['serve_rss']))} | – | – |")
            continue
        speedup = f"{median(r['pyg_fwd']) / median(r['serve_fwd']):.2f}×"
        if len(r["pyg_fwd"]) > 1:
            pairs = [p / s for p, s in zip(r["pyg_fwd"], r["serve_fwd"])]
            speedup += f" ({min(pairs):.2f}–{max(pairs):.2f})"
        print(f"| {r['name']} | {spread(r['pyg_fwd'], '{:.3f}')} | {serve} | {speedup} "
              f"| {gib(median(r['pyg_rss']))} | {gib(median(r['serve_rss']))} "
              f"| {median(r['pyg_rss']) / median(r['serve_rss']):.1f}× | {r['diff']} |")
    runs = max(len(r["serve_fwd"]) for r in results) if results else 1
    print("\nseconds: forward pass (gnn-serve: --stats forward; proc = wall time of the whole predict process); "
          "speed-up = PyG forward / gnn-serve forward; RSS = peak of each process; "
          "diff = max row rel. L2 / global rel. L2 of gnn-serve vs PyG logits."
          + (f" {runs} runs of each tool, in turn: medians, (ranges over the runs), and speed-up (range of the"
             " per-run pairs)." if runs > 1 else ""))
    for r in results:
        for tool in ("pyg", "serve"):
            if r.get(f"{tool}_busy", 0) > 10:
                print(f"warning: {r['name']}: other work used {r[f'{tool}_busy']}% of the CPUs just before a {tool} run")
        for rss, timed in zip(r.get("pyg_rss", []), r.get("pyg_time_rss", [])):
            if abs(rss - timed) > 0.05 * rss:
                print(f"warning: {r['name']}: PyG peak RSS {rss} (getrusage) vs {timed} (/usr/bin/time)")


def csv(results: list) -> None:
    for r in results:
        print(f"{r['name']},{r['layers']},gnn-serve,{median(r['serve_fwd'])},{median(r['serve_rss'])}")
        if "pyg_fwd" in r:
            print(f"{r['name']},{r['layers']},PyG,{median(r['pyg_fwd'])},{median(r['pyg_rss'])}")


def depth(path: str) -> None:
    """Peak RSS per model and tool at each depth, and the deepest over the shallowest (target: within 5 %)."""
    import csv as csvmodule
    rss, secs = {}, {}
    for row in csvmodule.DictReader(open(path)):
        key = (row["config"].rsplit("-", 1)[0], row["tool"])
        rss.setdefault(key, {})[int(row["layers"])] = int(row["peak_rss_bytes"])
        secs.setdefault(key, {})[int(row["layers"])] = float(row["seconds"])
    layers = sorted({n for by_depth in rss.values() for n in by_depth})
    print("| model | tool | " + " | ".join(f"L={n}: s, peak RSS" for n in layers) + " | deepest / shallowest RSS |")
    print("|---|---|" + "---:|" * (len(layers) + 1))
    for (model, tool), by_depth in sorted(rss.items()):
        cells = [f"{secs[(model, tool)][n]:.2f} s, {gib(by_depth[n])}" if n in by_depth else "skipped" for n in layers]
        known = sorted(by_depth)
        growth = f"{by_depth[known[-1]] / by_depth[known[0]]:.3f} (L={known[-1]} / L={known[0]})" if len(known) > 1 else "–"
        print(f"| {model} | {tool} | " + " | ".join(cells) + f" | {growth} |")


if __name__ == "__main__":
    if sys.argv[1] == "depth":
        depth(sys.argv[2])
    else:
        {"table": table, "csv": csv}[sys.argv[1]]([load(pathlib.Path(d)) for d in sys.argv[2:]])
