"""The benchmark workloads, each written once against the torch API.

Every factory takes the library module (``chainrule`` or ``torch``) and the shared initial
state (NumPy arrays, float32) and returns a :class:`Workload`: ``step()`` runs one timed
step, ``grads()`` returns the loss and the gradients (no optimizer update) for the
agreement check. The same state feeds the hand-written NumPy limit (``bench/limit.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

LR = 0.01


@dataclass
class Workload:
    step: Callable[[], object]
    grads: Callable[[], tuple]  # (loss: float, [np.ndarray, ...]) in the state's order
    units: int = 1  # what one step counts (ops for the per-op row, else 1 step)


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()


def _load(mod, model, state: dict) -> None:
    model.load_state_dict({k: mod.from_numpy(v.copy()) for k, v in state.items()})


# ---- per-op overhead --------------------------------------------------------------------


def per_op_chain(mod, state=None, n_ops: int = 1000) -> Workload:
    """``n_ops`` chained elementwise ops on a 4-element float32 tensor, forward + backward."""
    x = mod.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    a = mod.tensor([1.01, 0.99, 1.02, 0.98])
    b = mod.tensor([0.01, -0.02, 0.03, -0.01])

    def forward():
        y = x
        for _ in range(n_ops // 4):
            y = y * a
            y = y + b
            y = y.sin()
            y = y.tanh()
        return y.sum()

    def step():
        forward().backward()
        x.grad = None

    def grads():
        loss = forward()
        loss.backward()
        g = _np(x.grad)
        x.grad = None
        return loss.item(), [g]

    return Workload(step, grads, units=n_ops // 4 * 4 + 1)


# ---- MLPs -------------------------------------------------------------------------------


def mlp_model(mod, sizes: tuple, act: str = "relu"):
    nn = mod.nn
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if act == "relu" else nn.Tanh())
    return nn.Sequential(*layers)


def mlp_state(sizes: tuple, batch: int, seed: int = 0) -> dict:
    """Initial weights (PyTorch's default Linear init, drawn by NumPy) and one batch of data."""
    rng = np.random.default_rng(seed)
    state = {}
    for i in range(len(sizes) - 1):
        bound = 1 / math.sqrt(sizes[i])
        idx = 2 * i  # nn.Sequential indices: Linear at 0, 2, 4, ...
        state[f"{idx}.weight"] = rng.uniform(-bound, bound, (sizes[i + 1], sizes[i])).astype(np.float32)
        state[f"{idx}.bias"] = rng.uniform(-bound, bound, sizes[i + 1]).astype(np.float32)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch).astype(np.int64)
    return {"params": state, "x": x, "y": y, "sizes": sizes}


def _train_step(mod, model, x, y, loss_fn=None) -> Workload:
    F = mod.nn.functional
    opt = mod.optim.SGD(model.parameters(), lr=LR)
    params = list(model.parameters())

    def forward():
        return F.cross_entropy(model(x), y)

    def step():
        opt.zero_grad()
        loss = forward()
        loss.backward()
        opt.step()
        return loss

    def grads():
        opt.zero_grad()
        loss = forward()
        loss.backward()
        out = [_np(p.grad) for p in params]
        opt.zero_grad()
        return loss.item(), out

    return Workload(step, grads)


def mlp_step(mod, state: dict) -> Workload:
    """One SGD step of an MLP with ReLU and cross-entropy."""
    model = mlp_model(mod, state["sizes"])
    _load(mod, model, state["params"])
    return _train_step(mod, model, mod.from_numpy(state["x"].copy()), mod.from_numpy(state["y"].copy()))


# ---- small CNN --------------------------------------------------------------------------


def cnn_model(mod, c1: int = 8, c2: int = 16, classes: int = 10):
    nn = mod.nn
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 7 * 7, classes),
    )


def cnn_state(batch: int = 32, c1: int = 8, c2: int = 16, classes: int = 10, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)

    def u(shape, fan_in):
        b = 1 / math.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(np.float32)

    params = {
        "0.weight": u((c1, 1, 3, 3), 9), "0.bias": u(c1, 9),
        "3.weight": u((c2, c1, 3, 3), c1 * 9), "3.bias": u(c2, c1 * 9),
        "7.weight": u((classes, c2 * 49), c2 * 49), "7.bias": u(classes, c2 * 49),
    }
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, classes, batch).astype(np.int64)
    return {"params": params, "x": x, "y": y}


def cnn_step(mod, state: dict) -> Workload:
    """One SGD step of two conv3x3+ReLU+maxpool blocks and a linear classifier."""
    model = cnn_model(mod)
    _load(mod, model, state["params"])
    return _train_step(mod, model, mod.from_numpy(state["x"].copy()), mod.from_numpy(state["y"].copy()))


# ---- transformer block ------------------------------------------------------------------


def transformer_model(mod, vocab: int = 96, seq: int = 64, d: int = 128, heads: int = 4):
    nn = mod.nn
    F = nn.functional

    class Block(nn.Module):
        """Token + position embedding, one pre-LN block (causal attention, GELU MLP), LM head."""

        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(seq, d)
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.fc1 = nn.Linear(d, 4 * d)
            self.fc2 = nn.Linear(4 * d, d)
            self.lnf = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab)

        def forward(self, idx):
            b, t = idx.shape
            x = self.tok(idx) + self.pos.weight[:t]
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
            q = q.view(b, t, heads, d // heads).transpose(1, 2)
            k = k.view(b, t, heads, d // heads).transpose(1, 2)
            v = v.view(b, t, heads, d // heads).transpose(1, 2)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(a.transpose(1, 2).reshape(b, t, d))
            x = x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))
            return self.head(self.lnf(x))

    return Block()


def transformer_state(batch=16, seq=64, d=128, heads=4, vocab=96, seed=0) -> dict:
    rng = np.random.default_rng(seed)

    def lin(name, n_in, n_out):
        b = 1 / math.sqrt(n_in)
        params[f"{name}.weight"] = rng.uniform(-b, b, (n_out, n_in)).astype(np.float32)
        params[f"{name}.bias"] = rng.uniform(-b, b, n_out).astype(np.float32)

    params = {
        "tok.weight": rng.standard_normal((vocab, d)).astype(np.float32),
        "pos.weight": rng.standard_normal((seq, d)).astype(np.float32),
    }
    for ln in ("ln1", "ln2", "lnf"):
        params[f"{ln}.weight"] = (1 + 0.1 * rng.standard_normal(d)).astype(np.float32)
        params[f"{ln}.bias"] = (0.1 * rng.standard_normal(d)).astype(np.float32)
    lin("qkv", d, 3 * d)
    lin("proj", d, d)
    lin("fc1", d, 4 * d)
    lin("fc2", 4 * d, d)
    lin("head", d, vocab)
    idx = rng.integers(0, vocab, (batch, seq + 1))
    return {"params": params, "x": idx[:, :-1].copy(), "y": idx[:, 1:].copy(),
            "dims": dict(batch=batch, seq=seq, d=d, heads=heads, vocab=vocab)}


def transformer_step(mod, state: dict) -> Workload:
    dims = state["dims"]
    model = transformer_model(mod, dims["vocab"], dims["seq"], dims["d"], dims["heads"])
    _load(mod, model, state["params"])
    F = mod.nn.functional
    opt = mod.optim.SGD(model.parameters(), lr=LR)
    names = list(state["params"])
    named = dict(model.named_parameters())
    params = [named[n] for n in names]
    x = mod.from_numpy(state["x"].copy())
    y = mod.from_numpy(state["y"].copy())
    vocab = dims["vocab"]

    def forward():
        return F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))

    def step():
        opt.zero_grad()
        loss = forward()
        loss.backward()
        opt.step()
        return loss

    def grads():
        opt.zero_grad()
        loss = forward()
        loss.backward()
        out = [_np(p.grad) for p in params]
        opt.zero_grad()
        return loss.item(), out

    return Workload(step, grads)


# ---- Hessian-vector product -------------------------------------------------------------


def hvp_state(seed: int = 0) -> dict:
    state = mlp_state((64, 128, 10), 64, seed)
    rng = np.random.default_rng(seed + 1)
    state["v"] = {k: rng.standard_normal(a.shape).astype(np.float32) for k, a in state["params"].items()}
    return state


def hvp(mod, state: dict) -> Workload:
    """Hessian-vector product of the small MLP's loss (tanh hidden layer), by double backward."""
    model = mlp_model(mod, state["sizes"], act="tanh")
    _load(mod, model, state["params"])
    F = mod.nn.functional
    params = list(model.parameters())
    vs = [mod.from_numpy(state["v"][k].copy()) for k in state["params"]]
    x = mod.from_numpy(state["x"].copy())
    y = mod.from_numpy(state["y"].copy())

    def run():
        loss = F.cross_entropy(model(x), y)
        gs = mod.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(gs, vs, strict=True))
        return loss, mod.autograd.grad(dot, params)

    def step():
        run()

    def grads():
        loss, hv = run()
        return loss.item(), [_np(h) for h in hv]

    return Workload(step, grads)

