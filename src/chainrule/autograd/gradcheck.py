"""gradcheck and gradgradcheck: compare autograd with float64 central differences."""

from __future__ import annotations

import warnings
from typing import Callable, Sequence

import numpy as np

from .. import _tensor
from . import engine

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _as_tuple(x) -> tuple:
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _outputs(func, inputs) -> tuple:
    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, _tensor.Tensor))


def _numerical_jacobians(func, inputs, diff_idx, eps) -> list:
    """jac[i][o]: d outputs[o] / d inputs[i] by central differences, shape (in_numel, out_numel)."""
    # Evaluated with grad mode as it is: gradgradcheck's function differentiates inside.
    outs = _outputs(func, inputs)
    jac = []
    for i in diff_idx:
        x = inputs[i]._data
        per_out = [np.zeros((x.size, o._data.size), dtype=o._data.dtype) for o in outs]
        for j, idx in enumerate(np.ndindex(*x.shape)):
            orig = x[idx]
            x[idx] = orig + eps
            plus = [o._data.copy() for o in _outputs(func, inputs)]
            x[idx] = orig - eps
            minus = [o._data.copy() for o in _outputs(func, inputs)]
            x[idx] = orig
            for k, (p, m) in enumerate(zip(plus, minus, strict=False)):
                per_out[k][j] = ((p - m) / (2 * eps)).reshape(-1)
        jac.append(per_out)
    return jac


def _analytical_jacobians(func, inputs, diff_idx) -> list:
    outs = _outputs(func, inputs)
    diff_inputs = [inputs[i] for i in diff_idx]
    jac = [
        [np.zeros((inputs[i]._data.size, o._data.size), dtype=o._data.dtype) for o in outs] for i in diff_idx
    ]
    for k, o in enumerate(outs):
        if not o._requires_grad:
            continue
        for j in range(o._data.size):
            basis = np.zeros(o._data.size, dtype=o._data.dtype)  # contiguous, whatever o's layout
            basis[j] = 1
            g = _tensor.Tensor._make(basis.reshape(o._data.shape))
            grads = engine.grad(o, diff_inputs, g, retain_graph=True, allow_unused=True)
            for n, gi in enumerate(grads):
                if gi is not None:
                    jac[n][k][:, j] = gi._data.reshape(-1)
    return jac


def _forward_jacobians(func, inputs, diff_idx) -> list:
    """jac[i][o] by forward mode: one dual evaluation per element of each input (a column)."""
    from . import forward_ad

    outs = _outputs(func, inputs)
    jac = []
    with forward_ad.dual_level():
        for i in diff_idx:
            x = inputs[i]
            per_out = [np.zeros((x._data.size, o._data.size), dtype=o._data.dtype) for o in outs]
            for j in range(x._data.size):
                basis = np.zeros(x._data.size, dtype=x._data.dtype)
                basis[j] = 1
                args = list(inputs)
                args[i] = forward_ad.make_dual(x, _tensor.Tensor._make(basis.reshape(x._data.shape)))
                for k, o in enumerate(_outputs(func, args)):
                    t = forward_ad.unpack_dual(o).tangent
                    if t is not None:
                        per_out[k][j] = np.asarray(t._data).reshape(-1)
            jac.append(per_out)
    return jac


def _mismatch(kind: str, k: int, i: int, num, ana, fast: bool) -> str:
    what = "Jacobian computed with forward mode mismatch" if kind == "forward" else "Jacobian mismatch"
    msg = (f"{what} for output {k} with respect to input {i},\n"
           f"numerical:{_tensor.Tensor._make(np.asarray(num))!r}\nanalytical:{_tensor.Tensor._make(np.asarray(ana))!r}\n")
    if fast:
        msg += ("\nThe above quantities relating the numerical and analytical jacobians are computed \nin fast mode: "
                "v^T J u for random vectors u (of the input) and v (of the output). Run with fast_mode=False to "
                "see the full Jacobians.\n")
    return msg


def _fast_mismatch(func, inputs, diff_idx, eps, rtol, atol, backward: bool, forward: bool) -> str | None:
    """fast_mode: compare ``v^T J u`` (random ``u``, ``v``) instead of whole Jacobians."""
    from . import forward_ad

    rng = np.random.default_rng(0)
    outs = _outputs(func, inputs)
    vs = [rng.standard_normal(o._data.shape).astype(o._data.dtype) for o in outs]
    for i in diff_idx:
        x = inputs[i]
        u = rng.standard_normal(x._data.shape).astype(x._data.dtype)
        orig = x._data.copy()
        x._data[...] = orig + eps * u
        plus = [o._data.copy() for o in _outputs(func, inputs)]
        x._data[...] = orig - eps * u
        minus = [o._data.copy() for o in _outputs(func, inputs)]
        x._data[...] = orig
        numerical = [float(np.sum(v * (p - m) / (2 * eps))) for v, p, m in zip(vs, plus, minus, strict=False)]
        if backward:
            for k, o in enumerate(outs):
                if not o._requires_grad:
                    ana = 0.0
                else:
                    (g,) = engine.grad(o, [x], _tensor.Tensor._make(vs[k]), retain_graph=True, allow_unused=True)
                    ana = 0.0 if g is None else float(np.sum(np.asarray(g._data) * u))
                if not np.isclose(ana, numerical[k], rtol=rtol, atol=atol, equal_nan=True):
                    return _mismatch("backward", k, i, numerical[k], ana, True)
        if forward:
            with forward_ad.dual_level():
                args = list(inputs)
                args[i] = forward_ad.make_dual(x, _tensor.Tensor._make(u))
                for k, o in enumerate(_outputs(func, args)):
                    t = forward_ad.unpack_dual(o).tangent
                    ana = 0.0 if t is None else float(np.sum(vs[k] * np.asarray(t._data)))
                    if not np.isclose(ana, numerical[k], rtol=rtol, atol=atol, equal_nan=True):
                        return _mismatch("forward", k, i, numerical[k], ana, True)
    return None


def gradcheck(
    func: Callable,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked=None,
) -> bool:
    """Check ``func``'s gradients against central differences (use float64 inputs).

    Returns True, or raises ``GradcheckError`` naming the output and input whose
    Jacobians differ (returns False instead with ``raise_exception=False``).
    ``check_forward_ad`` also checks the Jacobian forward mode computes (one column per
    input element); ``check_backward_ad=False`` skips reverse mode. ``fast_mode`` compares
    ``v^T J u`` for random ``u`` and ``v`` instead of whole Jacobians (one directional
    difference per input instead of one per element).
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _tensor.Tensor) and x._requires_grad]
    if not diff_idx:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True."
        )
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64 and inputs[i]._data.dtype != np.complex128:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point or complex. ",
                stacklevel=2,
            )
    if fast_mode:
        msg = _fast_mismatch(func, inputs, diff_idx, eps, rtol, atol, check_backward_ad, check_forward_ad)
        if msg is not None:
            if raise_exception:
                raise GradcheckError(msg)
            return False
    else:
        numerical = _numerical_jacobians(func, inputs, diff_idx, eps)
        checks = ([("backward", _analytical_jacobians)] if check_backward_ad else []) + (
            [("forward", _forward_jacobians)] if check_forward_ad else [])
        for kind, jacobians in checks:
            analytical = jacobians(func, inputs, diff_idx)
            for n, i in enumerate(diff_idx):
                for k, (num, ana) in enumerate(zip(numerical[n], analytical[n], strict=False)):
                    if not np.allclose(ana, num, rtol=rtol, atol=atol, equal_nan=True):
                        if raise_exception:
                            raise GradcheckError(_mismatch(kind, k, i, num, ana, False))
                        return False
    if check_batched_grad:
        msg = _batched_grad_mismatch(func, inputs, diff_idx, rtol, atol)
        if msg is not None:
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def _batched_grad_mismatch(func, inputs, diff_idx, rtol, atol) -> str | None:
    """check_batched_grad: the vjp of several cotangents under ``vmap`` against one by one."""
    from ..func import vmap
    from ..ops.movement import stack

    outs = [o for o in _outputs(func, inputs) if o._requires_grad]
    if not outs:
        return None
    rng = np.random.default_rng(0)
    cts = [_tensor.Tensor._make(rng.standard_normal((3, *o._data.shape)).astype(o._data.dtype)) for o in outs]
    diff = [inputs[i] for i in diff_idx]

    def vjp(*gs):
        grads = engine.grad(outs, diff, list(gs), retain_graph=True, allow_unused=True)
        return tuple(g if g is not None else _tensor.Tensor._make(np.zeros_like(x._data)) for g, x in zip(grads, diff, strict=True))

    expected = [vjp(*[c[b] for c in cts]) for b in range(3)]
    try:
        got = vmap(vjp)(*cts)
    except Exception as e:  # noqa: BLE001 - reported as the check's failure
        return f"While computing batched gradients, got: {type(e).__name__}: {e}"
    for n, i in enumerate(diff_idx):
        want = stack([e[n] for e in expected])._data
        if not np.allclose(got[n]._data, want, rtol=rtol, atol=atol, equal_nan=True):
            return (f"For output 0 and input {i}:\nBatched gradient mismatch\n"
                    f"expected:{_tensor.Tensor._make(want)!r}\ngot:{got[n]!r}\n")
    return None


def gradgradcheck(
    func: Callable,
    inputs,
    grad_outputs: Sequence | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked=None,
) -> bool:
    """Check second derivatives: gradcheck of ``func``'s vector-Jacobian product.

    ``grad_outputs`` default to random tensors that require grad, so the check also
    covers the second derivative with respect to them. ``check_rev_over_rev`` (the default)
    differentiates the vector-Jacobian product in reverse mode, ``check_fwd_over_rev`` in
    forward mode (forward over reverse); ``fast_mode`` as in ``gradcheck``.
    """
    from .._creation import randn

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(
            randn(*o.shape, dtype=o.dtype, requires_grad=True) for o in outs if o._requires_grad
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _tensor.Tensor) and x._requires_grad]

    def vjp(*args):
        xs, gs = args[:n_in], args[n_in:]
        ys = [o for o in _outputs(func, xs) if o._requires_grad]
        grads = engine.grad(ys, [xs[i] for i in diff_idx], gs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
        check_batched_grad=check_batched_grad, check_backward_ad=check_rev_over_rev,
        check_forward_ad=check_fwd_over_rev, fast_mode=fast_mode,
    )
