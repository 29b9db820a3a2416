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
- ``defjvp(prim, rule)`` gives an explicit rule (``_EXPLICIT_BY_NAME`` below: where
  PyTorch's tangent is not the transpose of its gradient, or the rules cannot be
  differentiated where the tangent can be computed);
- every other primitive uses the transpose trick: a VJP rule is linear in its ``grad``
  argument, ``vjp(g) = J^T g``, so ``J u`` is the gradient of ``<vjp(g), u>`` with respect to
  ``g``. One small reverse pass through the rule's own graph gives the JVP, for any
  primitive whose rules are written with chainrule ops (they all are). Multi-output
  primitives (``linalg._multi``) take it over all their outputs at once
  (``propagate_multi``).

Where a JVP cannot be computed (the VJP rule refuses: ``floor_divide``, ``unique``...),
``NotImplementedError`` names the op, as PyTorch's "Trying to use forward AD with ...".
tests/test_ops_jvp.py checks every primitive's JVP: against PyTorch's, central
differences, and reverse mode (``<v, J u> = <J^T v, u>``).

Tangents are computed with chainrule ops, so they are themselves differentiable (reverse
over forward) and batchable (``func.jacfwd`` is ``vmap`` over JVPs). In-place ops move
tangents too (Note [In-place ops on dual tensors]); custom ``Function``s give theirs with
a ``jvp`` staticmethod (``autograd/function.py``).

Only one dual level can be active at a time, as in PyTorch.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from .. import _tensor

if TYPE_CHECKING:
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
    _compact_at[0] = 1024
    _result_tangents.clear()
    _rewritten.clear()
    _view_sources.clear()
    _primals.clear()
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
    if not (isinstance(tensor, _tensor.Tensor) and isinstance(tangent, _tensor.Tensor)):
        raise TypeError("make_dual expects Tensors for both the primal and the tangent")
    if get_tangent(tensor) is not None:
        raise RuntimeError(
            f"Making a dual Tensor based on a Tensor that already has a forward gradient at the same level {_level} "
            "is not supported."
        )
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

    with _without_tangents():
        dual = view_as(tensor, tensor)
    if dual._extra is not None:
        # The dual owns its tangent: views of it (and in-place ops on them) share the
        # dual's tangent, not the primal's (Note [In-place ops on dual tensors]).
        dual._extra.base = dual._extra.view_fn = dual._extra.base_fn = None
    set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``; the tangent is None when it has none."""
    tangent = None if _paused else get_tangent(tensor)  # inside a custom Function's forward: hidden
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    from ..ops.movement import view_as

    with _without_tangents():
        primal = view_as(tensor, tensor)
    _primals[id(primal)] = (weakref.ref(primal), None)  # its in-place ops leave the dual's tangent alone
    return UnpackedDualTensor(primal, tangent)


def get_tangent(t) -> Tensor | None:
    """The tangent ``t`` carries at the active level, or None."""
    extra = t._extra if isinstance(t, _tensor.Tensor) else None
    if extra is None:
        return None
    if _rewritten and extra.base is not None and id(extra.base) in _rewritten:
        _refresh_view_tangent(t, extra)
    return extra.tangent


def _refresh_view_tangent(view: Tensor, extra) -> None:
    """Give ``view`` its part of its base's tangent, which an in-place op replaced."""
    global _paused
    base = extra.base
    ref, _ = _rewritten[id(base)]
    bt = base._extra.tangent if ref() is base and base._extra is not None else None
    if bt is None or extra.view_fn is None:
        return
    seen = _view_sources.get(id(view))
    if seen is not None and seen[0]() is view and seen[1] is bt:
        return
    old, _paused = _paused, True
    try:
        tangent = extra.view_fn(bt)
    finally:
        _paused = old
    extra.tangent = tangent
    _duals.append(weakref.ref(view))
    _view_sources[id(view)] = (weakref.ref(view), bt)


def set_tangent(t: Tensor, tangent: Tensor | None) -> None:
    """Give ``t`` a tangent at the active level (dropped when the level exits)."""
    if tangent is None:
        if t._extra is not None:
            t._extra.tangent = None
        return
    t._get_extra().tangent = tangent
    _duals.append(weakref.ref(t))
    if len(_duals) > _compact_at[0]:  # a long loop inside one level: drop references to freed tensors
        _duals[:] = [r for r in _duals if r() is not None]
        for table in (_rewritten, _view_sources, _primals):
            for key in [k for k, (ref, _) in table.items() if ref() is None]:
                del table[key]
        _compact_at[0] = max(1024, 2 * len(_duals))


_compact_at = [1024]


class _without_tangents:
    """Run ops whose results must not get tangents (the primal of ``unpack_dual``)."""

    def __enter__(self):
        global _paused
        self._old, _paused = _paused, True

    def __exit__(self, *exc):
        global _paused
        _paused = self._old


_paused = False

# Note [In-place ops on dual tensors]
# An in-place op computes its result out of place (``ops._common.apply_inplace``); that
# result's tangent becomes the tangent of ``self``. When ``self`` is a view, its base gets a
# new tangent: the old one (zeros if it had none) with the view's part replaced. Views of
# that base made earlier read their part of the new base tangent lazily: ``_rewritten``
# holds the bases whose tangent an in-place op replaced, ``_view_sources`` the base tangent
# each view's tangent was last taken from. Unlike PyTorch, tangents are never written in
# place: the tangent given to ``make_dual`` keeps its values.
_rewritten: dict = {}  # id(base) -> (weakref to base, None)
_primals: dict = {}  # id(primal) -> (weakref, None): the primals unpack_dual made (views without a tangent)
_view_sources: dict = {}  # id(view) -> (weakref to view, base tangent it was taken from)


def inplace_input(self: Tensor, old: Tensor) -> None:
    """``old`` (the snapshot an in-place op computes from) gets ``self``'s tangent."""
    if _level is None or _paused or old is self:
        return
    tangent = get_tangent(self)
    if tangent is not None:
        set_tangent(old, tangent)


def inplace_result(self: Tensor, result: Tensor) -> None:
    """After ``self`` was overwritten with ``result``: move the tangent (Note [In-place ops on dual tensors])."""
    global _paused
    if _level is None or _paused:
        return
    new = get_tangent(result) if result is not self else None
    extra = self._extra
    base = extra.base if extra is not None and extra.view_fn is not None else None
    if base is not None and id(self) in _primals and _primals[id(self)][0]() is self:
        base = None  # unpack_dual's primal: writing into it does not change the dual's tangent
    if new is None and get_tangent(self) is None and (base is None or get_tangent(base) is None):
        return
    from .._creation import zeros_like

    old_paused, _paused = _paused, True
    try:
        if new is None:
            new = zeros_like(self)
        else:
            new = _conform(new, self)
        if base is not None:
            bt = get_tangent(base)
            new_bt = zeros_like(base) if bt is None else bt.clone()
            extra.view_fn(new_bt).copy_(new)
            view_t = extra.view_fn(new_bt)
    finally:
        _paused = old_paused
    if base is None:
        set_tangent(self, new)
        _rewritten[id(self)] = (weakref.ref(self), None)
    else:
        set_tangent(base, new_bt)
        _rewritten[id(base)] = (weakref.ref(base), None)
        set_tangent(self, view_t)
        _view_sources[id(self)] = (weakref.ref(self), new_bt)


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
# LINEAR holds only ops linear in their float inputs: an op that also writes a constant
# (``_shift_along``'s ``fill``) is affine, and uses the transpose trick.
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
    "_take_along", "_flip_along", "_sum_all", "_sum_dims", "_mean_all", "_mean_dims", "_cumsum",
    "_gather_kernel", "_index_select_kernel", "_take_kernel", "_masked_select_kernel",
    # The padding row of an embedding gets no gradient on purpose; its tangent is still the
    # derivative of the lookup (as in PyTorch), so forward mode applies the op itself.
    "_embedding", "_embedding_backward",
    # Writes of tensors into tensors are linear in both. Where indices repeat, applying the op
    # to the tangents writes the tangent of the value that won (the VJP rules give every
    # repeat a gradient, as PyTorch's do, so their transpose would sum them).
    "_index_put", "_scatter_kernel", "_scatter_add_kernel", "_index_copy_kernel", "_index_add_kernel",
    "_put_kernel", "_masked_scatter_kernel", "_index_put_kernel", "_fill_tensor", "_copy", "_index_fill_tensor",
    "_masked_fill_tensor", "_place_flat",
})
MULTILINEAR = frozenset({"_dot", "_mv", "_mm", "_matmul_kernel", "_vdot", "_cross"})

_kind_cache: dict = {}


def _kind(prim) -> str:
    kind = _kind_cache.get(prim)
    if kind is None:
        if prim not in _explicit and prim.name in _EXPLICIT_BY_NAME:
            _explicit[prim] = _EXPLICIT_BY_NAME[prim.name]
        if prim in _explicit:
            kind = "explicit"
        elif getattr(prim, "n_outputs", 1) != 1:
            kind = "transpose"
        elif prim.name in LINEAR:
            kind = "linear"
        elif prim.kernel.__module__ in ELEMENTWISE_MODULES or prim.name in ELEMENTWISE:
            kind = "elementwise"
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
    # (t.dtype, not t._data: under vmap reading a batched tangent's _data counts as a value read)
    if result._data.dtype.kind == "f" and any(t is not None and t.dtype.is_complex for t in tangents):
        # A real result of complex inputs (abs, a cast): not holomorphic, and the rules
        # derived here assume it; refuse rather than return a wrong tangent.
        raise NotImplementedError(
            f"Trying to use forward AD with {prim.name.strip('_')} that does not support it: chainrule's forward "
            "mode does not differentiate a real result of complex inputs"
        )
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
            if any(out is u or (u is not None and _array_of(out) is _array_of(u)) for u in tangents):
                out = out.clone()  # a rule that returns its gradient (add): the result's tangent is its own
    except RuntimeError as exc:
        raise _unsupported(prim, exc) from exc
    finally:
        _paused = False
    if out is not None:
        set_tangent(result, out)
        if prim.save_result and result._grad_fn is not None:
            _result_tangents[result._grad_fn] = out


def saved_result_tangent(node) -> Tensor | None:
    """The tangent of the result ``node`` saved for its backward, or None (read by ops._registry)."""
    return _result_tangents.get(node) if _result_tangents else None


def _unsupported(prim, exc: Exception) -> NotImplementedError:
    """PyTorch's error for an op without forward AD, naming the op and why."""
    if isinstance(exc, NotImplementedError) and str(exc).startswith("Trying to use forward AD"):
        return exc
    return NotImplementedError(
        f"Trying to use forward AD with {prim.name.strip('_')} that does not support it (its JVP is derived "
        f"from its VJP rule, which raised: {exc})"
    )


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
        if term is None:  # a rule's "no gradient flows": this input moves the result not at all
            continue
        total = term if total is None else total + term
    return total if total is not None else _zeros_like(result)


def _array_of(t):
    """The array holding ``t``'s values; for a vmap BatchedTensor its batch's, read without
    counting as a read of one sample (Note [How vmap works] in func/_vmap.py)."""
    while hasattr(t, "_phys"):
        t = t._phys
    return t._data


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
    return isinstance(a, _tensor.Tensor) and a._data.dtype.kind in "fc"


def _transpose_jvp(prim, tangents, result, args, params):
    """``J u`` as the gradient of ``<vjp(g), u>`` with respect to ``g`` (Note [Where JVP rules come from])."""
    from .._creation import ones, zeros_like
    from .engine import grad as autograd_grad
    from .grad_mode import enable_grad, is_grad_enabled

    # Keep a graph of the tangent only when something it depends on requires grad (reverse over forward).
    create_graph = is_grad_enabled() and any(
        isinstance(a, _tensor.Tensor) and a.requires_grad for a in (*args, *tangents, result)
    )
    rules = prim.vjps
    multi = getattr(prim, "n_outputs", 1) != 1
    if multi:
        return None  # multi-output primitives: handled by chainrule.linalg._multi (see _transforms)
    levels = _vmap_levels(tangents)
    with enable_grad(), _without_tangents():
        # The rules are linear in g, so any point will do; ones keep rules that branch on
        # the sign of g (logcumsumexp) from dropping it. Under vmap (batched tangents: jacfwd)
        # g is batched too, so that each sample gets its own gradient.
        g = ones(tuple(result.shape), dtype=result.dtype, requires_grad=True)
        if levels:
            g = g_leaf = ones((*levels.values(), *result.shape), dtype=result.dtype, requires_grad=True)
            g = _rewrap(g, levels)
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
            # No rule depends on g: the derivative is zero (a piecewise-constant op, or a
            # rule returning None: "no gradient flows"), as PyTorch's zero tangent.
            return zeros_like(result)
        if levels:
            from ..func import _api

            physical = _api._bottom(_api._lift(total, sorted(levels, reverse=True), levels)).sum()
            (out,) = autograd_grad(physical, g_leaf, create_graph=create_graph, allow_unused=True)
            out = None if out is None else _rewrap(out, levels)
        else:
            (out,) = autograd_grad(total, g, create_graph=create_graph, allow_unused=True)
    return zeros_like(result) if out is None else out


def _vmap_levels(tangents) -> dict:
    """{level: batch size}, lowest level first, of the vmap levels any tangent is batched at."""
    from ..func import _api, _vmap

    found: set = set()
    for u in tangents:
        found.update(_api._chain(u))
    return {lv: _vmap.level_sizes[lv] for lv in sorted(found)}


def _rewrap(physical, levels: dict):
    from ..func import _api

    return _api._rewrap(physical, sorted(levels, reverse=True))


def propagate_multi(prim, outputs: tuple, args: tuple, params: dict | None, n_differentiable: int) -> None:
    """Tangents of a multi-output primitive's outputs (``linalg._multi.call_multi``).

    Its rules map the gradients of all outputs to each input's, linearly: the transpose
    trick over every differentiable output at once gives all their tangents.
    """
    global _paused
    if _level is None or _paused:
        return
    tangents = [get_tangent(a) for a in args]
    if not any(t is not None for t in tangents):
        return
    from .._creation import ones, zeros_like
    from .engine import grad as autograd_grad
    from .grad_mode import enable_grad, is_grad_enabled

    params = params or {}
    diff = [i for i, o in enumerate(outputs[:n_differentiable]) if o._data.dtype.kind in "fc"]
    create_graph = is_grad_enabled() and any(
        isinstance(a, _tensor.Tensor) and a.requires_grad for a in (*args, *tangents)
    )
    _paused = True
    try:
        if prim in _explicit:
            outs = _explicit[prim](tangents, outputs, *args, **params)
        else:
            levels = _vmap_levels(tangents)  # batched tangents: batched gs (as in _transpose_jvp)
            with enable_grad():
                gs = [None] * len(outputs)
                leaves = {}
                for i in diff:
                    gs[i] = ones((*levels.values(), *outputs[i].shape), dtype=outputs[i].dtype, requires_grad=True)
                    if levels:
                        leaves[i], gs[i] = gs[i], _rewrap(gs[i], levels)
                total = None
                for rule, u in zip(prim.vjps, tangents, strict=False):
                    if u is None or rule is None:
                        continue
                    v = rule(tuple(gs), tuple(outputs), *args, **params)
                    if v is None:
                        continue
                    term = (v * u).sum()
                    total = term if total is None else total + term
                outs = [None] * len(outputs)
                if total is not None and total.requires_grad:
                    if levels:
                        from ..func import _api

                        total = _api._bottom(_api._lift(total, sorted(levels, reverse=True), levels)).sum()
                    found = autograd_grad(total, [leaves.get(i, gs[i]) for i in diff], create_graph=create_graph,
                                          allow_unused=True)
                    for i, t in zip(diff, found, strict=True):
                        outs[i] = _rewrap(t, levels) if levels and t is not None else t
        for i in diff:
            t = outs[i] if i < len(outs) else None
            t = zeros_like(outputs[i]) if t is None else _conform(t, outputs[i])
            outs[i] = t
    except RuntimeError as exc:
        raise _unsupported(prim, exc) from exc
    finally:
        _paused = False
    for i in diff:
        set_tangent(outputs[i], outs[i])
    node = outputs[0]._grad_fn
    if node is not None:  # forward over reverse: the node's saved outputs keep their tangents
        _result_tangents[node] = tuple(outs[i] if i in diff else None for i in range(len(outputs)))


# -- explicit rules, where deriving from the VJP rules cannot give PyTorch's tangent -----------


def _cholesky_jvp(tangents, result, a, *, upper):
    """``dL = L Phi(L^-1 dA L^-T)`` (Phi: the lower triangle, its diagonal halved), with the
    whole tangent ``dA`` as PyTorch takes it. The VJP rule symmetrizes (the input is
    symmetric by assumption), so its transpose would see only the symmetric part of ``dA``."""
    from ..linalg import solve_triangular
    from ..ops.movement import transpose

    (da,) = tangents
    low = transpose(result, -2, -1) if upper else result
    x = solve_triangular(low, da, upper=False)
    x = transpose(solve_triangular(low, transpose(x, -2, -1), upper=False), -2, -1)
    n = x.shape[-1]
    dt = x._data.dtype
    phi = x * _tensor.Tensor._make(np.tri(n, dtype=dt) - 0.5 * np.eye(n, dtype=dt))
    dl = low @ phi
    return transpose(dl, -2, -1) if upper else dl


def _scatter_reduce_jvp(tangents, result, x, src, *, dim, index, reduce, include_self):
    """``sum``/``mean``: the op on the tangents. ``prod``: a sum over the reduced values, each
    tangent times the product of the others, which are the VJP rules at a gradient of ones
    (those rules refuse a derivative of their own where zeros meet, which the transpose trick
    would need). ``amax``/``amin``: the mean tangent of the values that reach the extreme."""
    prim = _SCATTER_REDUCE[0]
    params = {"dim": dim, "index": index, "reduce": reduce, "include_self": include_self}
    if reduce in ("sum", "mean"):
        return _linear_jvp(prim, tangents, (x, src), params)
    from .._creation import ones_like, zeros_like
    from ..ops.indexing import gather, scatter_add

    ux, us = tangents
    idx = _tensor.Tensor._make(index)
    if reduce in ("amax", "amin"):
        # The mean of the tangents of the values that reach the extreme (PyTorch's tangent; its
        # gradient also counts a tie of self left out by include_self=False).
        ux = zeros_like(x) if ux is None else ux
        us = zeros_like(src) if us is None else us
        src_part = src if tuple(src.shape) == index.shape else src[tuple(slice(0, n) for n in index.shape)]
        us = us if tuple(us.shape) == index.shape else us[tuple(slice(0, n) for n in index.shape)]
        self_is = (x == result).to(result.dtype)
        if not include_self:
            touched = scatter_add(zeros_like(result), dim, idx, ones_like(src_part)) > 0
            self_is = self_is * (~touched).to(result.dtype)
        src_is = (src_part == gather(result, dim, idx)).to(result.dtype)
        n = scatter_add(self_is, dim, idx, src_is)
        total = scatter_add(self_is * ux, dim, idx, src_is * us)
        return total / (n + (n == 0).to(n.dtype))
    g = ones_like(result)
    out = zeros_like(result)
    if ux is not None:
        out = out + prim.vjps[0](g, result, x, src, **params) * ux
    if us is not None:
        part = prim.vjps[1](g, result, x, src, **params) * us
        out = scatter_add(out, dim, _tensor.Tensor._make(index), part)
    return out


_SCATTER_REDUCE: list = []


def _scatter_reduce_entry(tangents, result, *args, **params):
    if not _SCATTER_REDUCE:
        from ..ops.indexing import _scatter_reduce

        _SCATTER_REDUCE.append(_scatter_reduce)
    return _scatter_reduce_jvp(tangents, result, *args, **params)


# Explicit rules by primitive name (the primitives live in the op modules).
_EXPLICIT_BY_NAME = {
    "_cholesky": _cholesky_jvp,
    "_scatter_reduce_kernel": _scatter_reduce_entry,
}


def _transforms():
    from .. import _transforms

    return _transforms

