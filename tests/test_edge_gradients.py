"""Gradients and results at edges, against torch: vector norms where the norm is zero (with
finite and NaN cotangents, every order p), and linalg calls on mixed dtypes and empty matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402

X = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.0], [0.5, 0.0, -0.25]])
ORDS = [2, 1, 1.5, 0.5, 3, -1, math.inf, -math.inf]
NORMS = {
    "norm": lambda m, t, p: m.norm(t, p=p, dim=1),
    "linalg.vector_norm": lambda m, t, p: m.linalg.vector_norm(t, p, dim=1),
    "linalg.vector_norm all": lambda m, t, p: m.linalg.vector_norm(t[:2], p).reshape(1).expand(3),
}


@pytest.mark.parametrize("cot", [1.0, float("nan"), float("inf")], ids=["finite", "nan", "inf"])
@pytest.mark.parametrize("p", ORDS, ids=str)
@pytest.mark.parametrize("name", sorted(NORMS))
def test_norm_gradient_at_zero_matches_torch(name, p, cot):
    grads = []
    for m in (chainrule, torch):
        t = m.tensor(X, requires_grad=True)
        out = NORMS[name](m, t, p)
        out.backward(m.tensor([cot, 0.7, -1.3], dtype=m.float64))
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0], ids=str)
def test_normalize_gradient_at_zero_matches_torch(p):
    grads = []
    cot = np.random.default_rng(3).standard_normal(X.shape)
    for m in (chainrule, torch):
        t = m.tensor(X, requires_grad=True)
        m.nn.functional.normalize(t, p=p, dim=1).backward(m.tensor(cot))
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12, equal_nan=True)


def test_solve_triangular_casts_b_to_a_dtype_as_torch():
    rng = np.random.default_rng(0)
    a = np.triu(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    b = rng.standard_normal((2, 3))
    outs = []
    for m in (chainrule, torch):
        r = m.linalg.solve_triangular(m.tensor(a, dtype=m.float32), m.tensor(b, dtype=m.float64), upper=True,
                                      left=False)
        outs.append((str(r.dtype).split(".")[-1], r.numpy()))
    assert outs[0][0] == outs[1][0]
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-5)


@pytest.mark.parametrize("fn", ["lu", "lu_factor", "det", "slogdet", "cond"])
def test_empty_matrix_linalg_matches_torch(fn):
    results = []
    for m in (chainrule, torch):
        out = getattr(m.linalg, fn)(m.zeros(0, 0, dtype=m.float64))
        outs = out if isinstance(out, tuple) else (out,)
        results.append([(tuple(o.shape), str(o.dtype).split(".")[-1], o.numpy().tolist()) for o in outs])
    assert results[0] == results[1]
