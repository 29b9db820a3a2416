"""Run every example under chainrule and under PyTorch and print a Markdown table of results.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python examples/compare.py            # best of 3
    python examples/compare.py --repeat 1 --quick                                  # a fast look

Each script ends with a line ``RESULT key=value ...``; this reads it. The time shown is the
script's own measure of its main loop (training or fitting, wall-clock), the best of ``--repeat``
runs, and beside it the whole process's CPU time (user + system, imports and data loading
included), which other jobs on a busy machine disturb less than wall-clock time.
"""

import argparse
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = ["digits_mlp", "digits_cnn", "char_transformer", "polynomial_custom_function", "per_sample_grads",
           "digits_vae"]
SHOWN = {  # which RESULT fields make the "result" column, and how
    "digits_mlp": lambda r: f"test acc {float(r['accuracy']):.2%}, train loss {float(r['loss']):.4f}",
    "digits_cnn": lambda r: f"test acc {float(r['accuracy']):.2%}, train loss {float(r['loss']):.4f}",
    "char_transformer": lambda r: f"train loss {float(r['loss']):.3f}, held-out {float(r['val_loss']):.3f} nats/char",
    "polynomial_custom_function": lambda r: f"MSE {float(r['loss']):.1e} (optimum {float(r['best']):.1e})",
    "per_sample_grads": lambda r: (f"max diff vs loop {float(r['max_difference']):.0e}, "
                                   f"DP-SGD test acc {float(r['accuracy']):.2%}"),
    "digits_vae": lambda r: f"held-out ELBO {float(r['elbo']):.2f} nats/digit",
}


def run(script: str, backend: str, quick: bool) -> tuple[dict, float]:
    """Run one script once; return its RESULT fields and the process's CPU time."""
    env = dict(os.environ, CHAINRULE_EXAMPLES_BACKEND=backend)
    src = os.path.join(os.path.dirname(HERE), "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cmd = [sys.executable, os.path.join(HERE, f"{script}.py")] + (["--quick"] if quick else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return dict(field.split("=", 1) for field in line.split()[1:]), cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each script; the fastest is shown")
    parser.add_argument("--quick", action="store_true", help="run the scripts' --quick versions")
    parser.add_argument("--only", nargs="*", default=SCRIPTS, help="which scripts")
    args = parser.parse_args(argv)
    print("| example | chainrule: result | loop s (process CPU s) | PyTorch: result | loop s (process CPU s) |")
    print("|---|---|---|---|---|")
    for script in args.only:
        cells = [f"`{script}.py`"]
        for backend in ("chainrule", "torch"):
            runs = [run(script, backend, args.quick) for _ in range(args.repeat)]
            result, _ = runs[-1]
            loop = min(float(r["seconds"]) for r, _ in runs)
            cpu = min(c for _, c in runs)
            cells += [SHOWN[script](result), f"{loop:.2f} ({cpu:.1f})"]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
