"""chainrule against PyTorch and the hand-written NumPy limit, side by side in one process.

    OPENBLAS_NUM_THREADS=1 python -m bench      # every row, peak memory, scaling; writes bench/results.json
    python -m bench --only per-op               # one row (the old default); --only may repeat
    python -m bench --quick                     # a few seconds: smaller rounds, no memory rows
    python -m bench --json out.json             # write the results elsewhere

Each workload (``bench/workloads.py``) is written once against the torch API and run with
``chainrule`` and ``torch`` (when installed); ``bench/limit.py`` does the same math by hand
in NumPy. After a warm-up the three are timed interleaved, round by round, and we report
the median of the rounds and chainrule's time divided by the goal's reference. Before
timing, every row checks that the losses and gradients agree (same float32 initial weights).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import numpy as np  # noqa: E402

import chainrule  # noqa: E402

from . import limit, workloads  # noqa: E402

try:
    import torch
except ImportError:  # the suite still runs chainrule and the NumPy limit
    torch = None

THREADS = int(os.environ["OPENBLAS_NUM_THREADS"])
if torch is not None:
    torch.set_num_threads(THREADS)  # the same thread count as NumPy's BLAS

# key: (name, shape, make state, torch-API factory, NumPy-limit factory, goal reference, goal factor)
ROWS = {
    "per-op": dict(name="per-op overhead", shape="1,000 chained elementwise ops, 4 elements, fwd+bwd",
                   state=lambda: None, make=workloads.per_op_chain, limit=None, ref="torch", goal=0.5),
    "small-mlp": dict(name="small MLP step", shape="batch 64, 64-128-10, cross-entropy, SGD",
                      state=lambda: workloads.mlp_state((64, 128, 10), 64), make=workloads.mlp_step,
                      limit=limit.mlp_step, ref="torch", goal=0.6),
    "large-mlp": dict(name="large MLP step", shape="batch 512, 1024-1024-1024-10",
                      state=lambda: workloads.mlp_state((1024, 1024, 1024, 10), 512), make=workloads.mlp_step,
                      limit=limit.mlp_step, ref="numpy", goal=1.1),
    "cnn": dict(name="small CNN step", shape="batch 32, 1x28x28, 2x(conv3x3 8/16 + relu + maxpool), linear",
                state=workloads.cnn_state, make=workloads.cnn_step, limit=limit.cnn_step, ref="torch", goal=1.5),
    "transformer": dict(name="transformer block step",
                        shape="batch 16, seq 64, d 128, 4 heads, pre-LN, GELU(tanh) MLP, vocab 96",
                        state=workloads.transformer_state, make=workloads.transformer_step,
                        limit=limit.transformer_step, ref="torch", goal=1.2),
    "hvp": dict(name="Hessian-vector product", shape="small MLP (tanh) loss, double backward",
                state=workloads.hvp_state, make=workloads.hvp, limit=None, ref="torch", goal=1.0),
}
MEMORY_ROWS = ("large-mlp", "transformer")
RTOL = 2e-3  # float32, sums over up to 1,024 terms, different summation orders


def libraries() -> list:
    return ["chainrule"] + (["torch"] if torch is not None else [])


def build(row: dict, lib: str, state) -> workloads.Workload:
    """The row's workload for ``lib`` ("chainrule", "torch" or "numpy"), fresh from ``state``."""
    if lib == "numpy":
        return row["limit"](state)
    return row["make"](chainrule if lib == "chainrule" else torch, state)


def _rel_err(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-6)) if b.size else 0.0


def check(results: dict) -> dict:
    """How far each library's loss and gradients are from the reference's (torch, else chainrule)."""
    ref_name = "torch" if "torch" in results else "chainrule"
    ref_loss, ref_grads = results[ref_name]
    out = {"reference": ref_name}
    for name, (loss, grads) in results.items():
        if name == ref_name:
            continue
        err = max([abs(loss - ref_loss) / max(abs(ref_loss), 1e-6)] + [_rel_err(g, r) for g, r in zip(grads, ref_grads, strict=False)])
        out[name] = {"max_rel_err": err, "ok": bool(err <= RTOL and len(grads) == len(ref_grads))}
    out["ok"] = all(v["ok"] for k, v in out.items() if isinstance(v, dict))
    return out


def _time(fn, inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def time_interleaved(steps: dict, rounds: int, target: float) -> dict:
    """Median seconds per call of each function, timed round by round in turn after a warm-up."""
    inner = {}
    for name, fn in steps.items():
        once = _time(fn, 1)  # warm-up, then size the inner loop to about ``target`` seconds a round
        once = min(once, _time(fn, 1))
        inner[name] = max(1, int(target / max(once, 1e-9)))
    samples = {name: [] for name in steps}
    for _ in range(rounds):  # interleaved, so drift hits every library alike
        for name, fn in steps.items():
            samples[name].append(_time(fn, inner[name]))
    return {name: statistics.median(s) for name, s in samples.items()}


def run_row(key: str, rounds: int, target: float) -> dict:
    row = ROWS[key]
    libs = libraries() + (["numpy"] if row["limit"] else [])
    state = row["state"]()
    built = {lib: build(row, lib, state) for lib in libs}
    agreement = check({lib: w.grads() for lib, w in built.items()})  # before any step moves the weights
    gc.collect()
    seconds = time_interleaved({lib: w.step for lib, w in built.items()}, rounds, target)
    units = built["chainrule"].units
    per_unit = {lib: s / units for lib, s in seconds.items()}
    ref = per_unit.get(row["ref"])
    ratio = per_unit["chainrule"] / ref if ref else float("nan")
    return {"key": key, "workload": row["name"], "shape": row["shape"],
            "unit": "op" if units > 1 else "step", "seconds": per_unit,
            "vs_torch": per_unit["chainrule"] / per_unit["torch"] if "torch" in per_unit else None,
            "vs_numpy": per_unit["chainrule"] / per_unit["numpy"] if "numpy" in per_unit else None,
            "goal": f"<= {row['goal']}x {'PyTorch' if row['ref'] == 'torch' else 'the NumPy limit'}",
            "ratio": ratio, "goal_met": bool(ratio <= row["goal"]), "agreement": agreement}


# ---- scaling ----------------------------------------------------------------------------


def _exponents(points: list) -> list:
    """Growth exponent between consecutive sizes: log(t2 / t1) / log(n2 / n1) (1 is linear)."""
    return [math.log(t2 / t1) / math.log(n2 / n1) for (n1, t1), (n2, t2) in zip(points, points[1:], strict=False)]


def _linear(points: list, slack: float = 1.15) -> bool:
    """Linear or better where it counts, at the largest sizes: the last growth exponent is at
    most ``slack`` (mid-range steps can exceed 1 as the working set leaves the CPU caches,
    for PyTorch too; the exponents are printed)."""
    return _exponents(points)[-1] <= slack


def scaling(batches: list, depths: list, rounds: int, target: float) -> dict:
    out = {"batch": {}, "depth": {}}
    for lib in libraries():
        mod = chainrule if lib == "chainrule" else torch
        pts = []
        for b in batches:
            w = workloads.mlp_step(mod, workloads.mlp_state((64, 128, 10), b))
            pts.append((b, time_interleaved({lib: w.step}, rounds, target)[lib]))
        out["batch"][lib] = {"points": pts, "exponents": _exponents(pts), "linear": _linear(pts)}
        pts = []
        for n in depths:
            w = workloads.per_op_chain(mod, n_ops=n)
            pts.append((w.units, time_interleaved({lib: w.step}, max(3, rounds // 2), target)[lib]))
        out["depth"][lib] = {"points": pts, "exponents": _exponents(pts), "linear": _linear(pts)}
    return out


# ---- printing ---------------------------------------------------------------------------


def _fmt(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "n/a"
    if unit == "op":
        return f"{seconds * 1e6:.2f} us/op"
    return f"{seconds * 1e3:.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} us"


def table(rows: list) -> str:
    head = "| workload | shape | PyTorch | NumPy limit | chainrule | vs PyTorch | vs NumPy | goal | met | grads agree |"
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        s, u = r["seconds"], r["unit"]
        vs = lambda x: f"{x:.2f}x" if x is not None else "n/a"  # noqa: E731
        agree = "yes" if r["agreement"]["ok"] else "NO"
        errs = [v["max_rel_err"] for v in r["agreement"].values() if isinstance(v, dict)]
        agree += f" ({max(errs):.0e})" if errs else ""
        lines.append(f"| {r['workload']} | {r['shape']} | {_fmt(s.get('torch'), u)} | {_fmt(s.get('numpy'), u)} | "
                     f"{_fmt(s['chainrule'], u)} | {vs(r['vs_torch'])} | {vs(r['vs_numpy'])} | {r['goal']} | "
                     f"{'yes' if r['goal_met'] else 'no'} | {agree} |")
    return "\n".join(lines)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return {"chainrule": chainrule.__version__, "numpy": np.__version__,
            "torch": torch.__version__ if torch else None, "python": platform.python_version(),
            "cpu": cpu, "cores": os.cpu_count(), "OPENBLAS_NUM_THREADS": THREADS,
            "torch_threads": torch.get_num_threads() if torch else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=list(ROWS), help="run only this row (may repeat)")
    parser.add_argument("--quick", action="store_true", help="smoke run: few short rounds, small scaling, no memory")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per row (default 7, quick 3)")
    parser.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results.json"),
                        help="write results here ('' for none)")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-scaling", action="store_true")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    target = 0.005 if args.quick else 0.1
    keys = args.only or list(ROWS)

    info = machine()
    print(", ".join(f"{k} {v}" for k, v in info.items()))
    rows = []
    for key in keys:
        rows.append(run_row(key, rounds, target))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(rows))
    result = {"machine": info, "rounds": rounds, "rows": rows}

    if not (args.quick or args.no_memory or args.only):
        from .memory import measure_in_subprocess

        print("\npeak memory of one step, above the resident size before it (fresh process each; "
              "bench/memory.py says how):")
        mem = {}
        for key in MEMORY_ROWS:
            mem[key] = {lib: measure_in_subprocess(key, lib) for lib in libraries() + ["numpy"]}
            parts = []
            for lib, m in mem[key].items():
                txt = f"{lib} RSS +{m['rss_peak_delta_mb']:.1f} MB" if "rss_peak_delta_mb" in m else f"{lib} {m}"
                if "tracemalloc_peak_mb" in m:
                    txt += f" (tracemalloc {m['tracemalloc_peak_mb']:.1f} MB)"
                parts.append(txt)
            ratio = ""
            if "rss_peak_delta_mb" in mem[key].get("torch", {}) and "rss_peak_delta_mb" in mem[key]["chainrule"]:
                ratio = f"; chainrule/PyTorch {mem[key]['chainrule']['rss_peak_delta_mb'] / mem[key]['torch']['rss_peak_delta_mb']:.2f}x"
            print(f"  {ROWS[key]['name']}: " + ", ".join(parts) + ratio)
        result["memory"] = mem

    if not (args.no_scaling or args.only):
        batches = [1, 16, 256] if args.quick else [1, 4, 16, 64, 256, 1024]
        depths = [10, 100, 1000] if args.quick else [10, 100, 1000, 10000, 100000]
        sc = scaling(batches, depths, rounds, target)
        print("\nscaling (chainrule; PyTorch in brackets):")
        for what, unit in (("batch", "small MLP step, batch"), ("depth", "per-op chain, ops")):
            ch = sc[what]["chainrule"]
            th = sc[what].get("torch")
            cells = []
            for i, (n, t) in enumerate(ch["points"]):
                cell = f"{n}: {t * 1e3:.3f} ms"
                if th:
                    cell += f" [{th['points'][i][1] * 1e3:.3f}]"
                cells.append(cell)
            print(f"  {unit}: " + ", ".join(cells))
            for lib, r in sc[what].items():
                print(f"    {lib} growth exponents " + " ".join(f"{e:.2f}" for e in r["exponents"])
                      + f"; linear or better at the top: {'yes' if r['linear'] else 'NO'}")
        result["scaling"] = sc

    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print(f"\nwrote {args.json}")
    return 0 if all(r["agreement"]["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
