"""Peak memory of one training step, measured in a fresh process per library.

    python -m bench.memory large-mlp torch      # prints one JSON object

What is measured (Linux): the process's peak resident set size during one step, above its
resident size just before the step (weights and data, no gradients held). Two warm-up
steps run first; then the kernel's
high-water mark is reset (``/proc/self/clear_refs``) and the step runs. The parent starts
this process with ``MALLOC_MMAP_THRESHOLD_`` fixed, so freed large blocks go back to the OS
and a step cannot hide its use in memory an earlier step freed. This sees NumPy's, PyTorch's
and Python's allocations alike. For chainrule and the NumPy limit we also report
``tracemalloc``'s peak (NumPy reports its array buffers to it), which excludes allocator slack.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc

MMAP_THRESHOLD = 64 * 1024


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(row_key: str, lib: str) -> dict:
    from .__main__ import ROWS, build

    row = ROWS[row_key]
    w = build(row, lib, row["state"]())
    w.step()
    w.step()
    w.grads()  # ends with zero_grad: no gradients are held going into the measured step
    gc.collect()
    out = {"row": row_key, "lib": lib}
    base = _status_kb("VmRSS")
    if _reset_peak():
        w.step()
        out["rss_peak_delta_mb"] = (_status_kb("VmHWM") - base) / 1024
    if lib != "torch":
        w.grads()
        gc.collect()
        tracemalloc.start()
        start, _ = tracemalloc.get_traced_memory()
        w.step()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["tracemalloc_peak_mb"] = (peak - start) / 2**20
    return out


def measure_in_subprocess(row_key: str, lib: str, timeout: float = 300) -> dict:
    """Run :func:`measure` in a fresh interpreter (so one library's memory can't mask another's)."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(MMAP_THRESHOLD))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "bench.memory", row_key, lib], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        return {"row": row_key, "lib": lib, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2])))
