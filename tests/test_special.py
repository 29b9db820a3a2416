"""``chainrule.special`` against ``torch.special``: values, dtypes and gradients (random
cotangents), and second derivatives by central differences for the functions written here."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# name -> (positional extras, the domain of the input)
UNARY = {
    "expit": ((), (-3, 3)), "logit": ((), (0.05, 0.95)), "erf": ((), (-2, 2)), "erfc": ((), (-2, 2)),
    "erfcx": ((), (-1.5, 3)), "erfinv": ((), (-0.9, 0.9)), "gammaln": ((), (0.2, 4)), "digamma": ((), (0.2, 4)),
    "psi": ((), (0.2, 4)), "i0": ((), (-4, 4)), "entr": ((), (0.05, 3)), "sinc": ((), (-2, 2)),
    "ndtr": ((), (-3, 3)), "ndtri": ((), (0.05, 0.95)), "log_ndtr": ((), (-6, 3)), "exp2": ((), (-2, 2)),
    "expm1": ((), (-2, 2)), "log1p": ((), (-0.5, 2)), "multigammaln": ((2,), (1.5, 4)),
}
WRITTEN_HERE = ("erfcx", "entr", "ndtr", "ndtri", "log_ndtr", "xlog1py")


def _run(mod, name, x, *extra):
    t = mod.tensor(x, requires_grad=True)
    return t, getattr(mod.special, name)(t, *extra)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_matches_torch(name, dtype):
    extra, (lo, hi) = UNARY[name]
    rng = np.random.default_rng(len(name))
    x = rng.uniform(lo, hi, size=(3, 4)).astype(dtype)
    cot = rng.standard_normal((3, 4)).astype(dtype)
    (tx, theirs), (ox, ours) = _run(torch, name, x, *extra), _run(chainrule, name, x, *extra)
    assert str(ours.dtype) == str(theirs.dtype)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-11}
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **tol)
    theirs.backward(torch.tensor(cot))
    ours.backward(chainrule.tensor(cot))
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), **tol)


def test_polygamma_round_and_integer_inputs():
    x = np.array([0.5, 1.5, 3.25])
    for n in (0, 1, 2):
        np.testing.assert_allclose(chainrule.special.polygamma(n, chainrule.tensor(x)).numpy(),
                                   torch.special.polygamma(n, torch.tensor(x)).numpy(), rtol=1e-9)
    np.testing.assert_array_equal(chainrule.special.round(chainrule.tensor([0.5, 1.5, -2.5])).numpy(),
                                  torch.special.round(torch.tensor([0.5, 1.5, -2.5])).numpy())
    for name in ("ndtr", "entr", "erfcx", "sinc", "i0"):
        ours = getattr(chainrule.special, name)(chainrule.tensor([0, 1, 2]))
        theirs = getattr(torch.special, name)(torch.tensor([0, 1, 2]))
        assert str(ours.dtype) == str(theirs.dtype), name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_special_values_match_torch():
    x = np.array([-1.0, 0.0, 0.5, np.inf])
    for name in ("entr", "ndtr", "log_ndtr"):
        np.testing.assert_allclose(getattr(chainrule.special, name)(chainrule.tensor(x)).numpy(),
                                   getattr(torch.special, name)(torch.tensor(x)).numpy(), rtol=1e-9)
    tails = np.array([-40.0, -9.0, -3.0, 7.9, 8.0, 10.0, 30.0])  # far tails: no overflow, no log(0)
    for name in ("log_ndtr", "erfcx", "ndtr"):
        ours = getattr(chainrule.special, name)(chainrule.tensor(tails))
        theirs = getattr(torch.special, name)(torch.tensor(tails))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=0, err_msg=name)
        # erfcx(-40) overflows: its gradient there is inf * 0 for chainrule's composition (NaN).
        points = tails[1:] if name == "erfcx" else tails
        t = chainrule.tensor(points, requires_grad=True)
        tt = torch.tensor(points, requires_grad=True)
        getattr(chainrule.special, name)(t).sum().backward()
        getattr(torch.special, name)(tt).sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-300, err_msg=name)


def test_binary_and_reductions_match_torch():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.1, 2, (2, 3)), rng.uniform(-0.5, 2, (2, 3))
    cot = rng.standard_normal((2, 3))
    for name in ("xlogy", "xlog1py"):
        tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y + 0.6, requires_grad=True)
        ox, oy = chainrule.tensor(x, requires_grad=True), chainrule.tensor(y + 0.6, requires_grad=True)
        theirs, ours = getattr(torch.special, name)(tx, ty), getattr(chainrule.special, name)(ox, oy)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9)
        theirs.backward(torch.tensor(cot))
        ours.backward(chainrule.tensor(cot))
        np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(oy.grad.numpy(), ty.grad.numpy(), rtol=1e-9)
    zero = [0.0, 1.0]
    np.testing.assert_allclose(chainrule.special.xlog1py(chainrule.tensor(zero), chainrule.tensor([-1.0, 1.0])).numpy(),
                               torch.special.xlog1py(torch.tensor(zero), torch.tensor([-1.0, 1.0])).numpy())
    for name, args in (("logsumexp", (1,)), ("softmax", (0,)), ("log_softmax", (1,))):
        np.testing.assert_allclose(getattr(chainrule.special, name)(chainrule.tensor(x), *args).numpy(),
                                   getattr(torch.special, name)(torch.tensor(x), *args).numpy(), rtol=1e-9)


@pytest.mark.parametrize("name", WRITTEN_HERE)
def test_second_derivatives_by_central_differences(name):
    lo, hi = UNARY.get(name, ((), (0.2, 2)))[1]
    x = chainrule.tensor(np.random.default_rng(1).uniform(lo, hi, (4,)), requires_grad=True)
    if name == "xlog1py":
        y = chainrule.tensor(np.array([0.3, 1.2, 0.5, 2.0]), requires_grad=True)
        assert gradcheck(chainrule.special.xlog1py, (x, y))
        assert gradgradcheck(chainrule.special.xlog1py, (x, y))
        return
    fn = getattr(chainrule.special, name)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
