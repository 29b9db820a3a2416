"""Run chainrule and PyTorch side by side in one process and print time ratios.

    python -m bench                 # all workloads
    python -m bench --rounds 9      # more rounds for steadier medians
    python -m bench --json out.json # also write the results as JSON

Each workload is written once against the torch API and run with ``chainrule`` and with
``torch`` (when installed), interleaved round by round after a warm-up; we report the
median of the rounds and chainrule's time divided by PyTorch's (below 1 is faster).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

import numpy as np

import chainrule

try:
    import torch
except ImportError:  # the suite still runs chainrule alone
    torch = None


def per_op_chain(mod, n_ops: int = 1000):
    """A chain of ``n_ops`` elementwise ops on a 4-element float32 tensor, forward + backward."""
    x = mod.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    a = mod.tensor([1.01, 0.99, 1.02, 0.98])
    b = mod.tensor([0.01, -0.02, 0.03, -0.01])

    def run():
        y = x
        for _ in range(n_ops // 4):
            y = y * a
            y = y + b
            y = y.sin()
            y = y.tanh()
        y.sum().backward()
        x.grad = None

    return run, n_ops + 1


WORKLOADS = {"per-op overhead (1,000 elementwise ops, 4 elements, fwd+bwd)": per_op_chain}


def _time(fn, inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def measure(factory, rounds: int, inner: int) -> dict:
    libs = {"chainrule": chainrule}
    if torch is not None:
        libs["torch"] = torch
    runs = {name: factory(mod) for name, mod in libs.items()}
    n_ops = next(iter(runs.values()))[1]
    for run, _ in runs.values():  # warm-up
        _time(run, inner)
    samples = {name: [] for name in runs}
    for _ in range(rounds):  # interleaved, so drift hits both alike
        for name, (run, _) in runs.items():
            samples[name].append(_time(run, inner))
    result = {name: statistics.median(s) for name, s in samples.items()}
    result["n_ops"] = n_ops
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--inner", type=int, default=5)
    parser.add_argument("--json", default=None, help="write results to this file")
    args = parser.parse_args(argv)

    print(f"chainrule {chainrule.__version__}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}, python {platform.python_version()}, "
          f"{platform.machine()}")
    rows = []
    for name, factory in WORKLOADS.items():
        r = measure(factory, args.rounds, args.inner)
        per_op = {k: v / r["n_ops"] * 1e6 for k, v in r.items() if k != "n_ops"}
        ratio = per_op["chainrule"] / per_op["torch"] if "torch" in per_op else float("nan")
        rows.append({"workload": name, "us_per_op": per_op, "ratio": ratio})
        torch_txt = f"{per_op['torch']:.2f} us/op" if "torch" in per_op else "n/a"
        print(f"{name}: chainrule {per_op['chainrule']:.2f} us/op, torch {torch_txt}, "
              f"ratio {ratio:.2f}x (goal <= 0.5x)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
