#!/usr/bin/env python3
"""Turns the per-config result directories written by bench/engine/run.sh into a markdown table or CSV rows.

    ~/pyg/bin/python bench/engine/summarize.py table DIR...   # one markdown table, a row per config
    ~/pyg/bin/python bench/engine/summarize.py csv DIR...     # config,layers,tool,seconds,peak_rss_bytes rows
    ~/pyg/bin/python bench/engine/summarize.py depth CSV      # memory vs depth table from those rows

Each DIR holds arch.json; serve.npy, serve.time ("%e %M" of /usr/bin/time), serve.stats (--stats stderr);
and unless PyG was skipped (then pyg.skipped says why), for each PyG path that ran (pyg_forward.py's PATHS)
pyg-PATH.npy, pyg-PATH.json (pyg_forward.py's line) and pyg-PATH.time ("%M"), or pyg-PATH.failed; *.busy hold
the % of CPU other work used in the second before each run (timings are unreliable when it is high). With
`run.sh --repeat K` each of these text files has a line per run, in turn for the tools; times and peak RSS
are then medians, shown with the range of the runs, and the speed-up with the range of the per-run pairs.

The table compares gnn-serve with PyG's fastest path (its speed-up) and its smallest (the RSS ratio); a
second table gives every path. Output difference: max over nodes of ‖a_i − b_i‖/‖b_i‖ (a = gnn-serve,
b = PyG on that path) and global ‖a − b‖/‖b‖.
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
    """One config's runs: lists of per-run values (serve_fwd, serve_wall, serve_rss) and, per PyG path, its runs
    (paths[PATH]: fwd, rss, compile, time_rss, busy, diff)."""
    r = {"name": d.name, "layers": json.loads((d / "arch.json").read_text())["layers"]}
    timed = [line.split() for line in lines(d / "serve.time") if re.fullmatch(r"[\d.]+ \d+", line.strip())]
    r["serve_wall"], r["serve_rss"] = [float(w) for w, _ in timed], [int(k) * 1024 for _, k in timed]
    r["serve_fwd"] = [float(s) for s in re.findall(r"forward ([\d.]+) s", (d / "serve.stats").read_text())]
    if (d / "pyg.skipped").exists():
        r["pyg_skipped"] = (d / "pyg.skipped").read_text().split("(", 1)[-1].rstrip(")\n")
    if (d / "serve.busy").exists():
        r["serve_busy"] = max(int(line) for line in lines(d / "serve.busy"))
    r["paths"] = {}
    for json_file in sorted(d.glob("pyg-*.json")):
        path = json_file.stem[len("pyg-"):]
        if (d / f"pyg-{path}.failed").exists():
            r.setdefault("failed", {})[path] = (d / f"pyg-{path}.failed").read_text().strip()
            continue
        runs = [json.loads(line) for line in lines(json_file) if line.startswith("{")]
        p = {"fwd": [run["seconds"] for run in runs], "rss": [run["peak_rss_bytes"] for run in runs],
             "compile": [run["compile_seconds"] for run in runs if "compile_seconds" in run],
             "time_rss": [int(line) * 1024 for line in lines(d / f"pyg-{path}.time") if line.strip().isdigit()],
             "busy": max(int(line) for line in lines(d / f"pyg-{path}.busy"))}
        a, b = np.load(d / "serve.npy").astype(np.float64), np.load(d / f"pyg-{path}.npy").astype(np.float64)
        if a.shape != b.shape:
            p["diff"] = f"shape {a.shape} vs {b.shape}"
        else:
            rows = np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(b, axis=1), 1e-30)
            glob = np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)
            p["diff"] = f"{rows.max():.1e} / {glob:.1e}" + ("" if np.isfinite(a).all() else " (non-finite!)")
        if p["fwd"]:
            r["paths"][path] = p
    return r


def median(values: list) -> float:
    return statistics.median(values)


def spread(values: list, form: str) -> str:
    """The median, and with more than one run the range: `2.81 (2.77–2.90)`."""
    text = form.format(median(values))
    return text if len(values) == 1 else f"{text} ({form.format(min(values))}–{form.format(max(values))})"


def gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def speedup(pyg: list, serve: list) -> str:
    """PyG's median over gnn-serve's, and with more than one run the range of the per-run pairs."""
    text = f"{median(pyg) / median(serve):.2f}×"
    if len(pyg) > 1:
        pairs = [p / s for p, s in zip(pyg, serve)]
        text += f" ({min(pairs):.2f}–{max(pairs):.2f})"
    return text


def table(results: list) -> None:
    print("| config | PyG fastest path: s | gnn-serve s | speed-up | PyG smallest path: peak RSS "
          "| gnn-serve peak RSS | RSS ratio | rel. L2 diff (fastest) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        serve = spread(r["serve_fwd"], "{:.3f}") + f" (proc {median(r['serve_wall']):.2f})"
        if not r["paths"]:
            why = f" ({r['pyg_skipped']})" if "pyg_skipped" in r else ""
            print(f"| {r['name']} | skipped{why} | {serve} | – | – | {gib(median(r['serve_rss']))} | – | – |")
            continue
        fastest = min(r["paths"], key=lambda path: median(r["paths"][path]["fwd"]))
        smallest = min(r["paths"], key=lambda path: median(r["paths"][path]["rss"]))
        f, s = r["paths"][fastest], r["paths"][smallest]
        print(f"| {r['name']} | {fastest}: {spread(f['fwd'], '{:.3f}')} | {serve} | {speedup(f['fwd'], r['serve_fwd'])} "
              f"| {smallest}: {gib(median(s['rss']))} | {gib(median(r['serve_rss']))} "
              f"| {median(s['rss']) / median(r['serve_rss']):.1f}× | {f['diff']} |")
    runs = max(len(r["serve_fwd"]) for r in results) if results else 1
    print("\nseconds: forward pass (gnn-serve: --stats forward; proc = wall time of the whole predict process); "
          "speed-up = PyG's fastest path's forward / gnn-serve forward; RSS = peak of each process, ratio against "
          "PyG's smallest path; diff = max row rel. L2 / global rel. L2 of gnn-serve vs PyG logits."
          + (f" {runs} runs of each tool, in turn: medians, (ranges over the runs), and speed-up (range of the"
             " per-run pairs)." if runs > 1 else ""))
    print("\n| config | PyG path | PyG s | speed-up | PyG peak RSS | RSS ratio | rel. L2 diff |")
    print("|---|---|---:|---:|---:|---:|---|")
    for r in results:
        for path, p in r["paths"].items():
            compiled = f" (compile {median(p['compile']):.1f} s)" if p["compile"] else ""
            print(f"| {r['name']} | {path} | {spread(p['fwd'], '{:.3f}')}{compiled} | {speedup(p['fwd'], r['serve_fwd'])} "
                  f"| {gib(median(p['rss']))} | {median(p['rss']) / median(r['serve_rss']):.1f}× | {p['diff']} |")
        for path, why in r.get("failed", {}).items():
            print(f"| {r['name']} | {path} | failed | – | – | – | {why} |")
    for r in results:
        busy = [("serve", r.get("serve_busy", 0))] + [(f"PyG {path}", p["busy"]) for path, p in r["paths"].items()]
        for tool, percent in busy:
            if percent > 10:
                print(f"warning: {r['name']}: other work used {percent}% of the CPUs just before a {tool} run")
        for path, p in r["paths"].items():
            for rss, timed in zip(p["rss"], p["time_rss"]):
                if abs(rss - timed) > 0.05 * rss:
                    print(f"warning: {r['name']}: PyG {path} peak RSS {rss} (getrusage) vs {timed} (/usr/bin/time)")


def csv(results: list) -> None:
    for r in results:
        print(f"{r['name']},{r['layers']},gnn-serve,{median(r['serve_fwd'])},{median(r['serve_rss'])}")
        for path, p in r["paths"].items():  # edge_index keeps the tool name of the earlier studies
            tool = "PyG" if path == "edge_index" else f"PyG {path}"
            print(f"{r['name']},{r['layers']},{tool},{median(p['fwd'])},{median(p['rss'])}")


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
