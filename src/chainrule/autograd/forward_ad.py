"""Forward-mode AD, as ``torch.autograd.forward_ad``: tangents that flow alongside values.

Inside ``with dual_level():``, ``make_dual(x, u)`` gives a tensor carrying the tangent ``u``
(the direction of a directional derivative). Every op on it computes its result and,
from its inputs' tangents, the result's tangent ``J u``: a Jacobian-vector product in one
forward pass, without building or running a backward graph.

# Note [Where JVP rules come from]
Each primitive declares VJP rules (``defvjp``); forward mode derives its JVP from them, so
a derivative is written once:

- elementwise ops (``ELEMENTWISE``): the Jacobian is diagonal, so the VJP rule applied to the
  tangent (broadcast to the output's shape) *is* the JVP: ``u * f'(x)`` either way;
- linear ops (``LINEAR``: reshape, sum, cat, indexing...): the op applied to the tangents;
- multilinear ops (``MULTILINEAR``: matmul, dot...): one term per input, the op applied
  with that input replaced by its tangent;
- ``defjvp(prim, rule)`` gives an explicit rule where one is clearer or cheaper;
- every other primitive uses the transpose trick: a VJP rule is linear in its ``grad``
  argument, ``vjp(g) = J^T g``, so ``J u`` is the gradient of ``<vjp(g), u>`` with respect to
  ``g``. One small reverse pass through the rule's own graph gives the JVP, for any
  primitive whose rules are written with chainrule ops (they all are).

Tangents are computed with chainrule ops, so they are themselves differentiable (reverse
over forward) and batchable (``func.jacfwd`` is ``vmap`` over JVPs).

Only one dual level can be active at a time, as in PyTorch.
"""

from __future__ import annotations

import weakref
from typing import Callable, NamedTuple

from .._tensor import Tensor

__all__ = [
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
    "UnpackedDualTensor",
    "defjvp",
]

_level: int | None = None  # the active dual level (0) or None
_duals: list = []  # weak references to the tensors that got a tangent at this level
# A node that saves its result keeps only the array; the result's tangent is kept here so
# that the backward pass sees it (forward over reverse: jvp(grad(f)), jacfwd(jacrev(f))).
_result_tangents: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal (a view without tangent) and the tangent."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Start a dual level (forward-mode AD is on until ``exit_dual_level``); returns it."""
    global _level
    if _level is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _level = 0
    _transforms().refresh()
    return _level


def exit_dual_level(*, level: int | None = None) -> None:
    """End the dual level: every tangent created in it is dropped."""
    global _level
    if _level is None or (level is not None and level != _level):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.") if _level is not None else RuntimeError(
            "Dual level must be a positive number.")
    for ref in _duals:
        t = ref()
        if t is not None and t._extra is not None:
            t._extra.tangent = None
    _duals.clear()
    _result_tangents.clear()
    _level = None
    _transforms().refresh()


class dual_level:
    """Context manager for a dual level: ``with dual_level(): ...``."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of ``tensor`` that carries ``tangent`` as its forward-mode gradient."""
    if _level is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first."
        )
    if not (isinstance(tensor, Tensor) and isinstance(tangent, Tensor)):
        raise TypeError("make_dual expects Tensors for both the primal and the tangent")
    if tensor.dtype.is_floating_point is False and not tensor.is_complex():
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original Tensor, this is "
            f"not supported. Tensor is of size {list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}."
        )
    from ..ops.movement import view_as

    dual = view_as(tensor, tensor)
    set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``; the tangent is None when it has none."""
    tangent = get_tangent(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    from ..ops.movement import view_as

    with _without_tangents():
        primal = view_as(tensor, tensor)
    return UnpackedDualTensor(primal, tangent)


def get_tangent(t) -> Tensor | None:
    """The tangent ``t`` carries at the active level, or None."""
    extra = t._extra if isinstance(t, Tensor) else None
    return None if extra is None else extra.tangent


def set_tangent(t: Tensor, tangent: Tensor | None) -> None:
    """Give ``t`` a tangent at the active level (dropped when the level exits)."""
    if tangent is None:
        if t._extra is not None:
            t._extra.tangent = None
        return
    t._get_extra().tangent = tangent
    _duals.append(weakref.ref(t))


class _without_tangents:
    """Run ops whose results must not get tangents (the primal of ``unpack_dual``)."""

    def __enter__(self):
        global _paused
        self._old, _paused = _paused, True

    def __exit__(self, *exc):
        global _paused
        _paused = self._old


_paused = False


def active() -> bool:
    """Whether a dual level is active (read by chainrule._transforms)."""
    return _level is not None


# -- JVP rules -------------------------------------------------------------------------------

_explicit: dict = {}


def defjvp(prim, rule: Callable) -> None:
    """Give ``prim`` an explicit JVP rule ``rule(tangents, result, *inputs, **params)``.

    ``tangents`` has one entry per input (None where an input has no tangent); the rule
    returns the result's tangent.
    """
    _explicit[prim] = rule


# Names of primitives by how their JVP is derived (Note [Where JVP rules come from]).
ELEMENTWISE_MODULES = frozenset({"chainrule.ops.elementwise"})
ELEMENTWISE = frozenset({
    "_hardtanh", "_leaky_relu", "_threshold", "_elu_kernel", "_celu_kernel", "_gelu", "_silu", "_mish",
    "_softplus", "_logsigmoid", "_hardsigmoid", "_hardswish",
})
LINEAR = frozenset({
    "_sum_to_size_kernel", "_expand", "_view", "_reshape_alias", "_reshape_copy", "_unsqueeze", "_squeeze_kernel",
    "_permute", "_transpose", "_t", "_take", "_index_backward_kernel", "_cat", "_stack", "_repeat", "_flip", "_roll",
    "_rot90", "_diagonal", "_diagonal_copy", "_diagonal_backward", "_diag_embed", "_tril", "_triu", "_trace",
    "_unfold", "_unfold_backward", "_as_strided_kernel", "_as_strided_backward", "_as_strided_gather", "_contiguous",
    "_take_along", "_flip_along", "_shift_along", "_sum_all", "_sum_dims", "_mean_all", "_mean_dims", "_cumsum",
    "_gather_kernel", "_index_select_kernel", "_take_kernel", "_masked_select_kernel",
})
MULTILINEAR = frozenset({"_dot", "_mv", "_mm", "_matmul_kernel", "_vdot", "_cross"})

_kind_cache: dict = {}


def _kind(prim) -> str:
    kind = _kind_cache.get(prim)
    if kind is None:
        if prim in _explicit:
            kind = "explicit"
        elif getattr(prim, "n_outputs", 1) != 1:
            kind = "transpose"
        elif prim.kernel.__module__ in ELEMENTWISE_MODULES or prim.name in ELEMENTWISE:
            kind = "elementwise"
        elif prim.name in LINEAR:
            kind = "linear"
        elif prim.name in MULTILINEAR:
            kind = "multilinear"
        else:
            kind = "transpose"
        _kind_cache[prim] = kind
    return kind


def jvp_kind(prim) -> str:
    """How ``prim``'s JVP is obtained: elementwise, linear, multilinear, explicit or transpose."""
    return _kind(prim)


def propagate(prim, result: Tensor, args: tuple, params: dict | None) -> None:
    """Give ``result`` its tangent, from the tangents of ``args`` (called for every recorded op)."""
    global _paused
    if _paused:
        return
    tangents = [get_tangent(a) for a in args]
    if not any(t is not None for t in tangents):
        return
    if result._data.dtype.kind not in "fc":
        return
    params = params or {}
    kind = _kind(prim)
    _paused = True  # the rule's own ops get no tangents (one dual level at a time)
    try:
        if kind == "explicit":
            out = _explicit[prim](tangents, result, *args, **params)
        elif kind == "elementwise":
            out = _elementwise_jvp(prim, tangents, result, args, params)
        elif kind == "linear":
            out = _linear_jvp(prim, tangents, args, params)
        elif kind == "multilinear":
            out = _multilinear_jvp(prim, tangents, args, params)
        else:
            out = _transpose_jvp(prim, tangents, result, args, params)
        if out is not None:
            out = _conform(out, result)
    finally:
        _paused = False
    if out is not None:
        set_tangent(result, out)
        if prim.save_result and result._grad_fn is not None:
            _result_tangents[result._grad_fn] = out


def saved_result_tangent(node) -> Tensor | None:
    """The tangent of the result ``node`` saved for its backward, or None (read by ops._registry)."""
    return _result_tangents.get(node) if _result_tangents else None


def _conform(t: Tensor, like: Tensor) -> Tensor:
    if t.shape != like.shape:
        t = t.expand(like.shape) if t.dim() <= like.dim() else t.reshape(like.shape)
    if t.dtype != like.dtype:
        t = t.to(like.dtype)
    return t


def _call_rule(prim, i: int, rule, grad, result, args, params):
    if _variadic(prim):
        return rule(i, grad, result, *args, **params)
    return rule(grad, result, *args, **params)


def _variadic(prim) -> bool:
    from ..ops.movement import _PerInputNode

    return issubclass(prim.node_cls, _PerInputNode)


def _elementwise_jvp(prim, tangents, result, args, params):
    total = None
    rules = prim.vjps
    for i, u in enumerate(tangents):
        if u is None:
            continue
        rule = rules[0] if _variadic(prim) else rules[i]
        if rule is None:
            continue
        if u.shape != result.shape:
            u = u.expand(result.shape)
        term = _call_rule(prim, i, rule, u, result, args, params)
        total = term if total is None else total + term
    return total


def _zeros_like(a):
    from .._creation import zeros_like

    return zeros_like(a)


def _linear_jvp(prim, tangents, args, params):
    with _without_tangents():
        inputs = [u if u is not None else (_zeros_like(a) if _differentiable(a) else a)
                  for a, u in zip(args, tangents, strict=True)]
        return prim(*inputs, **params)


def _multilinear_jvp(prim, tangents, args, params):
    total = None
    with _without_tangents():
        for i, u in enumerate(tangents):
            if u is None:
                continue
            inputs = list(args)
            inputs[i] = u
            term = prim(*inputs, **params)
            total = term if total is None else total + term
    return total


def _differentiable(a) -> bool:
    return isinstance(a, Tensor) and a._data.dtype.kind in "fc"


def _transpose_jvp(prim, tangents, result, args, params):
    """``J u`` as the gradient of ``<vjp(g), u>`` with respect to ``g`` (Note [Where JVP rules come from])."""
    from .._creation import zeros
    from .engine import grad as autograd_grad
    from .grad_mode import enable_grad, is_grad_enabled

    # Keep a graph of the tangent only when something it depends on requires grad (reverse over forward).
    create_graph = is_grad_enabled() and any(
        isinstance(a, Tensor) and a.requires_grad for a in (*args, *tangents, result)
    )
    rules = prim.vjps
    multi = getattr(prim, "n_outputs", 1) != 1
    if multi:
        return None  # multi-output primitives: handled by chainrule.linalg._multi (see _transforms)
    with enable_grad(), _without_tangents():
        g = zeros(tuple(result.shape), dtype=result.dtype, requires_grad=True)
        total = None
        for i, u in enumerate(tangents):
            if u is None:
                continue
            rule = rules[0] if _variadic(prim) else rules[i]
            if rule is None:
                continue
            v = _call_rule(prim, i, rule, g, result, args, params)
            if v is None:
                continue
            if v.shape != u.shape:
                from ..ops.movement import sum_to_size

                v = sum_to_size(v, tuple(u.shape))
            term = (v * u).sum()
            total = term if total is None else total + term
        if total is None or not total.requires_grad:
            return None
        (out,) = autograd_grad(total, g, create_graph=create_graph, allow_unused=True)
    return out


def _transforms():
    from .. import _transforms

    return _transforms

