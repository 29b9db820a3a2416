"""Where the per-op time goes: forward (recording), backward, and no-grad forward, separately.

    python -m bench.split            # chainrule and torch, garbage collector off

Same chain as ``python -m bench``'s per-op row (1,000 elementwise ops on 4 elements).
"""

from __future__ import annotations

import gc
import time

import chainrule

try:
    import torch
except ImportError:
    torch = None


def split(mod, rounds: int = 25) -> dict:
    x = mod.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    a = mod.tensor([1.01, 0.99, 1.02, 0.98])
    b = mod.tensor([0.01, -0.02, 0.03, -0.01])

    def forward():
        y = x
        for _ in range(250):
            y = (y * a + b).sin().tanh()
        return y.sum()

    n_ops = 1001
    fwd = bwd = 0.0
    for r in range(rounds + 5):
        t0 = time.perf_counter()
        s = forward()
        t1 = time.perf_counter()
        s.backward()
        t2 = time.perf_counter()
        x.grad = None
        if r >= 5:  # warm-up rounds are not counted
            fwd, bwd = fwd + t1 - t0, bwd + t2 - t1
    with mod.no_grad():
        t0 = time.perf_counter()
        for _ in range(rounds):
            forward()
        no_grad = time.perf_counter() - t0
    scale = 1e6 / (rounds * n_ops)
    return {"forward": fwd * scale, "backward": bwd * scale, "no_grad forward": no_grad * scale}


def main() -> None:
    gc.disable()
    for mod in (chainrule, torch):
        if mod is None:
            continue
        r = split(mod)
        print(f"{mod.__name__:9s} " + "   ".join(f"{k} {v:.2f} us/op" for k, v in r.items()))


if __name__ == "__main__":
    main()
