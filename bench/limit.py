"""The same steps written by hand in NumPy, forward and backward, no autograd: "the limit".

Each factory takes the state a workload in ``bench/workloads.py`` is built from and returns
a :class:`~bench.workloads.Workload` with the same ``step()`` (one SGD step) and ``grads()``
(loss and gradients in the state's order), so the suite can time it and check it agrees.
The code is what a careful NumPy programmer would write: float32 throughout, BLAS for every
product, in-place updates, no autograd bookkeeping.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .workloads import LR, Workload


def _softmax_xent(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy and its gradient with respect to ``logits`` (rows are samples)."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    n = len(y)
    rows = np.arange(n)
    loss = -np.log(z[rows, y]).mean()
    z[rows, y] -= 1
    z *= 1 / n
    return float(loss), z


def _sgd(params: list, grads: list) -> None:
    for p, g in zip(params, grads, strict=True):
        p -= LR * g


# ---- MLP --------------------------------------------------------------------------------


def mlp_step(state: dict) -> Workload:
    names = list(state["params"])
    params = [state["params"][k].copy() for k in names]
    ws, bs = params[0::2], params[1::2]
    x, y = state["x"], state["y"]

    def grads():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            h = h @ w.T
            h += b
            if i < len(ws) - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        loss, d = _softmax_xent(h, y)
        out = []
        for i in range(len(ws) - 1, -1, -1):
            out.append(d.sum(axis=0))
            out.append(d.T @ acts[i])
            if i:
                d = d @ ws[i]
                d *= acts[i] > 0
        return loss, out[::-1]

    def step():
        _, g = grads()
        _sgd(params, g)

    return Workload(step, grads)


# ---- CNN (NHWC inside; weights and gradients in PyTorch's layout at the edges) -----------


def _conv3x3(x: np.ndarray, w2: np.ndarray, b: np.ndarray):
    """3x3 same-padding convolution of NHWC ``x`` with ``w2`` (out, in*9): output and columns."""
    n, h, wd, c = x.shape
    xp = np.zeros((n, h + 2, wd + 2, c), x.dtype)
    xp[:, 1:-1, 1:-1] = x
    cols = sliding_window_view(xp, (3, 3), axis=(1, 2)).reshape(n * h * wd, c * 9)
    out = cols @ w2.T
    out += b
    return out.reshape(n, h, wd, -1), cols


def _conv3x3_input_grad(d2: np.ndarray, w2: np.ndarray, shape: tuple) -> np.ndarray:
    n, h, wd, c = shape
    dcols = (d2 @ w2).reshape(n, h, wd, c, 3, 3)
    dxp = np.zeros((n, h + 2, wd + 2, c), d2.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + wd] += dcols[..., i, j]
    return dxp[:, 1:-1, 1:-1]


def _pool2(x: np.ndarray):
    n, h, w, c = x.shape
    win = x.reshape(n, h // 2, 2, w // 2, 2, c)
    out = win.max(axis=(2, 4))
    return out, win == out[:, :, None, :, None]


def cnn_step(state: dict) -> Workload:
    p = state["params"]
    c1, c2 = p["0.weight"].shape[0], p["3.weight"].shape[0]
    classes = p["7.weight"].shape[0]
    w1 = p["0.weight"].reshape(c1, -1).copy()
    w2 = p["3.weight"].reshape(c2, -1).copy()
    # PyTorch flattens (C, H, W); NHWC flattens (H, W, C): permute the classifier's columns once.
    w3 = p["7.weight"].reshape(classes, c2, 7, 7).transpose(0, 2, 3, 1).reshape(classes, -1).copy()
    b1, b2, b3 = p["0.bias"].copy(), p["3.bias"].copy(), p["7.bias"].copy()
    params = [w1, b1, w2, b2, w3, b3]
    x = np.ascontiguousarray(state["x"].transpose(0, 2, 3, 1))
    y = state["y"]
    n = len(x)

    def raw_grads():
        a1, cols1 = _conv3x3(x, w1, b1)
        np.maximum(a1, 0, out=a1)
        p1, m1 = _pool2(a1)
        a2, cols2 = _conv3x3(p1, w2, b2)
        np.maximum(a2, 0, out=a2)
        p2, m2 = _pool2(a2)
        flat = p2.reshape(n, -1)
        loss, d = _softmax_xent(flat @ w3.T + b3, y)
        gw3, gb3 = d.T @ flat, d.sum(axis=0)
        d = (d @ w3).reshape(p2.shape)
        d = (m2 * d[:, :, None, :, None]).reshape(a2.shape)
        d *= a2 > 0
        d = d.reshape(-1, c2)
        gw2, gb2 = d.T @ cols2, d.sum(axis=0)
        d = _conv3x3_input_grad(d, w2, p1.shape)
        d = (m1 * d[:, :, None, :, None]).reshape(a1.shape)
        d *= a1 > 0
        d = d.reshape(-1, c1)
        gw1, gb1 = d.T @ cols1, d.sum(axis=0)
        return loss, [gw1, gb1, gw2, gb2, gw3, gb3]

    def step():
        _, g = raw_grads()
        _sgd(params, g)

    def grads():
        loss, (gw1, gb1, gw2, gb2, gw3, gb3) = raw_grads()
        gw3 = gw3.reshape(classes, 7, 7, c2).transpose(0, 3, 1, 2).reshape(classes, -1)
        return loss, [gw1.reshape(p["0.weight"].shape), gb1, gw2.reshape(p["3.weight"].shape), gb2, gw3, gb3]

    return Workload(step, grads)


# ---- transformer block ------------------------------------------------------------------

_GELU_C = np.float32(np.sqrt(2 / np.pi))


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    rstd = 1 / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps)
    xhat = xc * rstd
    return xhat * g + b, (xhat, rstd)


def _layer_norm_grad(dh: np.ndarray, g: np.ndarray, cache):
    xhat, rstd = cache
    flat_dh = dh.reshape(-1, dh.shape[-1])
    dg = (flat_dh * xhat.reshape(flat_dh.shape)).sum(axis=0)
    db = flat_dh.sum(axis=0)
    dxhat = dh * g
    dx = dxhat - dxhat.mean(axis=-1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=-1, keepdims=True)
    dx *= rstd
    return dx, dg, db


def transformer_step(state: dict) -> Workload:
    dims = state["dims"]
    bsz, t, d, heads, vocab = dims["batch"], dims["seq"], dims["d"], dims["heads"], dims["vocab"]
    dh = d // heads
    names = list(state["params"])
    params = [state["params"][k].copy() for k in names]
    P = dict(zip(names, params, strict=True))
    idx, y = state["x"], state["y"].reshape(-1)
    onehot = np.zeros((bsz * t, vocab), np.float32)
    onehot[np.arange(bsz * t), idx.reshape(-1)] = 1
    causal = np.triu(np.ones((t, t), bool), 1)
    scale = np.float32(1 / np.sqrt(dh))

    def lin(x, name):
        out = x @ P[name + ".weight"].T
        out += P[name + ".bias"]
        return out

    def lin_grad(dout, x, name, G):
        d2, x2 = dout.reshape(-1, dout.shape[-1]), x.reshape(-1, x.shape[-1])
        G[name + ".weight"] = d2.T @ x2
        G[name + ".bias"] = d2.sum(axis=0)
        return dout @ P[name + ".weight"]

    def grads():
        G = {}
        x0 = P["tok.weight"][idx] + P["pos.weight"][:t]
        h1, c1 = _layer_norm(x0, P["ln1.weight"], P["ln1.bias"])
        qkv = lin(h1, "qkv").reshape(bsz, t, 3, heads, dh).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        s = q @ k.transpose(0, 1, 3, 2)
        s *= scale
        s[..., causal] = -np.inf
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        p = s
        a = (p @ v).transpose(0, 2, 1, 3).reshape(bsz, t, d)
        x1 = x0 + lin(a, "proj")
        h2, c2 = _layer_norm(x1, P["ln2.weight"], P["ln2.bias"])
        u = lin(h2, "fc1")
        th = np.tanh(_GELU_C * (u + 0.044715 * u * u * u))
        gel = 0.5 * u * (1 + th)
        x2 = x1 + lin(gel, "fc2")
        hf, cf = _layer_norm(x2, P["lnf.weight"], P["lnf.bias"])
        logits = lin(hf, "head").reshape(-1, vocab)
        loss, dlog = _softmax_xent(logits, y)

        dhf = lin_grad(dlog, hf.reshape(-1, d), "head", G).reshape(bsz, t, d)
        dx2, G["lnf.weight"], G["lnf.bias"] = _layer_norm_grad(dhf, P["lnf.weight"], cf)
        dgel = lin_grad(dx2, gel, "fc2", G)
        du = dgel * (0.5 * (1 + th) + 0.5 * u * (1 - th * th) * _GELU_C * (1 + 3 * 0.044715 * u * u))
        dh2 = lin_grad(du, h2, "fc1", G)
        dln2, G["ln2.weight"], G["ln2.bias"] = _layer_norm_grad(dh2, P["ln2.weight"], c2)
        dx1 = dx2 + dln2
        da = lin_grad(dx1, a, "proj", G).reshape(bsz, t, heads, dh).transpose(0, 2, 1, 3)
        dp = da @ v.transpose(0, 1, 3, 2)
        dqkv = np.empty((3, bsz, heads, t, dh), np.float32)
        np.matmul(p.transpose(0, 1, 3, 2), da, out=dqkv[2])
        dp -= (dp * p).sum(axis=-1, keepdims=True)
        dp *= p
        dp *= scale
        np.matmul(dp, k, out=dqkv[0])
        np.matmul(dp.transpose(0, 1, 3, 2), q, out=dqkv[1])
        dqkv = dqkv.transpose(1, 3, 0, 2, 4).reshape(bsz, t, 3 * d)
        dh1 = lin_grad(dqkv, h1, "qkv", G)
        dln1, G["ln1.weight"], G["ln1.bias"] = _layer_norm_grad(dh1, P["ln1.weight"], c1)
        dx0 = (dx1 + dln1).reshape(-1, d)
        G["tok.weight"] = onehot.T @ dx0
        pos = np.zeros_like(P["pos.weight"])
        pos[:t] = dx0.reshape(bsz, t, d).sum(axis=0)
        G["pos.weight"] = pos
        return loss, [G[n] for n in names]

    def step():
        _, g = grads()
        _sgd(params, g)

    return Workload(step, grads)
