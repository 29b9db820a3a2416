"""Check backward rules while they run, against central differences on the live inputs.

    class MyReLU(chainrule.autograd.Function): ...

    with chainrule.autograd.verify_gradients():
        y = MyReLU.apply(x)          # the forward must run inside the block too:
        y.sum().backward()           # its inputs are what the check differentiates at

While active, each backward of a custom ``Function`` is compared with the numerical
vector-Jacobian product: for every input that gets a gradient, the forward is run again
in float64 with each element nudged by ``+-eps``, and ``sum(grad_output * dy) / (2 eps)``
must match what ``backward`` returned (``rtol``/``atol`` as in ``gradcheck``). A
mismatch raises ``GradcheckError`` naming the Function, the input and both gradients.
``builtin_ops=True`` checks chainrule's own primitives the same way (those that keep
their inputs for backward). ``sample`` is the fraction of backward calls checked.

When no ``verify_gradients`` block is active, the only cost is one ``is None`` test per
custom Function call and per node in backward.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from . import function, grad_mode
from .gradcheck import GradcheckError
from .trace import _install, _uninstall

__all__ = ["verify_gradients"]


class verify_gradients:
    """Check every custom Function's backward (optionally every op's) while active."""

    def __init__(
        self,
        sample: float = 1.0,
        rtol: float = 1e-3,
        atol: float = 1e-5,
        eps: float = 1e-6,
        builtin_ops: bool = False,
        seed: int = 0,
    ) -> None:
        if not 0.0 <= sample <= 1.0:
            raise ValueError(f"sample must be between 0 and 1, got {sample}")
        self.sample, self.rtol, self.atol, self.eps = sample, rtol, atol, eps
        self.builtin_ops = builtin_ops
        self.checked = 0  # how many (node, input) pairs were verified
        self._rng = random.Random(seed)
        self._inputs: dict = {}  # id(ctx) -> (ctx, float64 copies of the forward's args, kwargs)
        self._old_apply_hook = None

    def __enter__(self) -> "verify_gradients":
        self._old_apply_hook = function.apply_hook
        function.apply_hook = self._keep_inputs
        _install(self._observe)
        return self

    def __exit__(self, *exc: Any) -> None:
        _uninstall(self._observe)
        function.apply_hook = self._old_apply_hook
        self._inputs.clear()

    # -- hooks ------------------------------------------------------------------------------
    def _keep_inputs(self, ctx, args, kwargs) -> None:
        from .._tensor import Tensor

        # Copies: backward may run after the inputs were changed in place.
        copies = tuple(a._data.copy() if isinstance(a, Tensor) else a for a in args)
        self._inputs[id(ctx)] = (ctx, copies, kwargs)

    def _observe(self, node, grads_out, needs, call):
        grads_in = call(node, grads_out, needs)
        if needs is None or grads_in is None:
            return grads_in
        kept = self._inputs.pop(id(node), None)
        if kept is not None and kept[0] is node:
            if self._rng.random() < self.sample:
                cls = node._function
                name = cls.__name__
                self._check(name, _function_forward(cls, kept[1], kept[2]), kept[1], grads_out, grads_in, node)
        elif self.builtin_ops and getattr(node, "_args", None) is not None and hasattr(node, "prim"):
            if self._rng.random() < self.sample:
                args = [a._data if hasattr(a, "_data") else a for a in node._args]
                prim, params = node.prim, node._params or {}
                self._check(node.name(), lambda *xs: prim.kernel(*xs, **params), args, grads_out, grads_in, node)
        return grads_in

    # -- the check --------------------------------------------------------------------------
    def _check(self, name, forward, args, grads_out, grads_in, node) -> None:
        cotangents = [None if g is None else np.asarray(g._data, dtype=np.float64) for g in grads_out]
        base = [a.astype(np.float64) if _is_float_array(a) else a for a in args]
        for i, g in enumerate(grads_in):
            if g is None or i >= len(base) or not _is_float_array(base[i]) or node._edges[i][0] is None:
                continue
            numeric = self._numeric_vjp(forward, base, i, cotangents)
            analytic = np.asarray(g._data, dtype=np.float64)
            if analytic.shape != numeric.shape:  # a broadcast gradient: the engine would sum it
                analytic = _sum_to(analytic, numeric.shape)
            self.checked += 1
            if not np.allclose(analytic, numeric, rtol=self.rtol, atol=self.atol, equal_nan=True):
                raise GradcheckError(
                    f"verify_gradients: {name}.backward returned a wrong gradient for input {i} "
                    f"(shape {tuple(numeric.shape)}).\n"
                    f"backward gave:\n{np.array2string(analytic, precision=6)}\n"
                    f"central differences (float64, eps={self.eps:g}) give:\n{np.array2string(numeric, precision=6)}"
                )

    def _numeric_vjp(self, forward, base, i, cotangents) -> np.ndarray:
        x = base[i].copy()
        out = np.zeros(x.shape, dtype=np.float64)
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        args = list(base)
        args[i] = x
        for j in range(flat_x.size):
            old = flat_x[j]
            flat_x[j] = old + self.eps
            plus = _dot(forward(*args), cotangents)
            flat_x[j] = old - self.eps
            minus = _dot(forward(*args), cotangents)
            flat_x[j] = old
            flat_out[j] = (plus - minus) / (2 * self.eps)
        return out


def _function_forward(cls, args, kwargs):
    """The Function's forward as arrays in, arrays out (run without a graph)."""
    from .._tensor import Tensor

    new_style = cls.setup_context is not function.Function.setup_context

    def run(*xs):
        ts = [Tensor._make(x) if isinstance(x, np.ndarray) else x for x in xs]
        with grad_mode.no_grad():
            out = cls.forward(*ts, **kwargs) if new_style else cls.forward(cls._backward_cls(), *ts, **kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(o._data if isinstance(o, Tensor) else None for o in outs)

    return run


def _is_float_array(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _dot(outputs, cotangents) -> float:
    if not isinstance(outputs, tuple):
        outputs = (outputs,)
    total = 0.0
    for y, g in zip(outputs, cotangents, strict=False):
        if y is not None and g is not None:
            total += float(np.sum(np.asarray(y, dtype=np.float64) * g))
    return total


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient back to ``shape``, as the engine does (on arrays, for reports)."""
    lead = a.ndim - len(shape)
    a = a.sum(axis=tuple(range(lead))) if lead > 0 else a
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and a.shape[k] != 1)
    return a.sum(axis=axes, keepdims=True) if axes else a
