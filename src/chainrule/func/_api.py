"""``grad``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``linearize``, ``functional_call``.

Each transform is a function of functions, as in ``torch.func``, built on the autograd
engine (reverse mode), on ``autograd.forward_ad`` (forward mode) and on ``vmap``.

# Note [Transforms inside vmap]
Under ``vmap`` a transform's inputs may be BatchedTensors. Differentiation then works on the
*physical* tensors (batch dimensions in front): because vmapped samples never mix, the
gradient of the sum of the per-sample outputs is the batch of per-sample gradients.
Inputs that are the same for every sample (a model's weights in ``vmap(grad(loss),
in_dims=(None, 0))``) are first expanded to the batch, so each sample gets its own
gradient. ``_lift`` and ``_bottom`` move between the logical and physical pictures.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .._tensor import Tensor
from . import _vmap
from ._vmap import BatchedTensor, _flatten, _wrap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "functional_call"]


# -- moving between one sample's view and the physical batch (Note [Transforms inside vmap]) ----


def _chain(x) -> list:
    """The vmap levels ``x`` is batched at, outermost wrapper first (highest level first)."""
    levels = []
    while type(x) is BatchedTensor:
        levels.append(x._level)
        x = x._phys
    return levels


def _bottom(x):
    while type(x) is BatchedTensor:
        x = x._phys
    return x


def _rewrap(bottom, levels_desc: list):
    t = bottom
    for level in reversed(levels_desc):
        t = _wrap(t, level)
    return t


def _active_desc() -> list:
    return sorted(_vmap._levels, reverse=True)


def _sizes(x) -> dict:
    """{level: batch size} for the levels ``x`` is batched at."""
    out = {}
    while type(x) is BatchedTensor:
        out[x._level] = _vmap.batch_size(x)
        x = x._phys
    return out


def _lift(x: Tensor, levels_desc: list, sizes: dict):
    """``x`` batched at exactly ``levels_desc`` (expanding where it is the same for every sample)."""
    from ..ops.movement import expand, permute, reshape

    have = _chain(x)
    if have == levels_desc:
        return x
    bottom = _bottom(x)
    asc_have = list(reversed(have))  # the bottom's leading dims, lowest level first
    asc_want = list(reversed(levels_desc))
    extra = [lv for lv in asc_have if lv not in asc_want]
    if extra:
        raise RuntimeError("chainrule internal error: a transform's input is batched at a vmap level that is not active")
    logical = tuple(_vmap._rep_of(bottom).shape[len(asc_have):])
    shape = tuple(_vmap._rep_of(bottom).shape)
    # insert size-1 dims for the missing levels, in level order, then expand them
    new_shape, k = [], 0
    for lv in asc_want:
        if lv in asc_have:
            new_shape.append(shape[k])
            k += 1
        else:
            new_shape.append(1)
    if asc_have != [lv for lv in asc_want if lv in asc_have]:
        order = [asc_have.index(lv) for lv in asc_want if lv in asc_have]
        bottom = permute(bottom, (*order, *range(len(asc_have), len(shape))))
    b = reshape(bottom, (*new_shape, *logical))
    b = expand(b, (*[sizes[lv] for lv in asc_want], *logical))
    return _rewrap(b, levels_desc)


def _all_sizes(*trees) -> dict:
    sizes = dict(_vmap.level_sizes)
    for tree in trees:
        for leaf in _flatten(tree)[0]:
            if type(leaf) is BatchedTensor:
                sizes.update(_sizes(leaf))
    return sizes


# -- reverse mode ----------------------------------------------------------------------------------


def _argnums_tuple(argnums, n: int, api: str) -> tuple:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{api}: argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"{api}: argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -n <= a < n:
            raise RuntimeError(
                f"Got argnums={a}, but only {n} positional inputs"
            )
    return tuple(a % n for a in nums)


class _Prepared:
    """Differentiable stand-ins for a transform's inputs and how to read gradients back."""

    def __init__(self, trees: list, context: tuple = (), every_level: bool = False):
        # The inputs are lifted to the vmap levels any argument of the call is batched at
        # (``context``), or to every active level when the output turned out batched wider.
        if every_level:
            self.levels = _active_desc()
        else:
            found = set()
            for leaf in _flatten(list(trees) + list(context))[0]:
                found.update(_chain(leaf))
            self.levels = sorted(found, reverse=True)
        self.sizes = _all_sizes(*trees)
        self.trees = []
        self.leaves = []  # physical differentiable leaves
        self.any_requires_grad = False
        for tree in trees:
            leaves, build = _flatten(tree)
            new = []
            for x in leaves:
                if not isinstance(x, Tensor):
                    raise RuntimeError(f"Expected inputs to be Tensors, got {type(x)}")
                if x.requires_grad:
                    self.any_requires_grad = True
                lifted = _lift(x, self.levels, self.sizes) if self.levels else x
                bottom = _bottom(lifted)
                from ..ops.movement import view_as

                if bottom.requires_grad or _has_tangent(bottom):  # keep the links to outer transforms
                    leaf = view_as(bottom, bottom)
                    if not leaf.requires_grad:
                        leaf.requires_grad_()
                else:
                    leaf = bottom.detach().requires_grad_()
                self.leaves.append(leaf)
                new.append(_rewrap(leaf, self.levels) if self.levels else leaf)
            self.trees.append(build(new))

    def grads(self, outputs: list, cotangents: list | None, create_graph: bool, retain_graph: bool) -> list:
        """Gradients of ``outputs`` (weighted by ``cotangents``) for each prepared input.

        Cotangents may be batched at vmap levels newer than the inputs (``vmap(vjp_fn)``, as
        in ``jacrev``): those levels stay logical and flow through the backward pass as
        BatchedTensors, while the levels the forward pass ran at are physical.
        """
        from .._creation import ones_like, zeros_like
        from ..autograd.engine import grad as autograd_grad

        prep = self.levels
        new_levels: set = set()
        outs, cots = [], []
        for i, out in enumerate(outputs):
            if not isinstance(out, Tensor):
                raise RuntimeError(f"Expected outputs to be Tensors, got {type(out)}")
            sizes = {**_vmap.level_sizes, **self.sizes, **_sizes(out)}
            o = _bottom(_lift(out, prep, sizes)) if prep else out
            if not o.requires_grad:
                continue
            outs.append(o)
            if cotangents is None:
                cots.append(ones_like(o))
                continue
            c = cotangents[i]
            sizes.update(_sizes(c))
            newer = sorted(set(_chain(c)) - set(prep), reverse=True)
            new_levels.update(newer)
            cots.append(_physical_in(c, prep, newer, sizes) if prep or newer else c)
        if not outs:
            gs = [None] * len(self.leaves)
        else:
            gs = autograd_grad(outs, self.leaves, grad_outputs=cots, retain_graph=retain_graph,
                               create_graph=create_graph, allow_unused=True)
        newer = sorted(new_levels, reverse=True)
        result = []
        for leaf, g in zip(self.leaves, gs, strict=True):
            if g is None:
                g = zeros_like(leaf)
            if prep:
                g = _physical_out(g, prep, newer)
            result.append(g)
        return result


def _physical_in(c, prep: list, newer: list, sizes: dict):
    """Cotangent ``c`` with the ``prep`` levels physical and the ``newer`` ones still batched."""
    from ..ops.movement import permute

    c = _lift(c, sorted(set(prep) | set(newer), reverse=True), sizes)
    if not newer:
        return _bottom(c)
    bottom = _bottom(c)  # leading dims: every level, lowest first (prep levels are older: lower)
    k, m = len(prep), len(newer)
    nd = len(_vmap._rep_of(bottom).shape)
    order = (*range(k, k + m), *range(k), *range(k + m, nd))
    return _rewrap(permute(bottom, order), newer)


def _physical_out(g, prep: list, newer: list):
    """The inverse of ``_physical_in`` for a gradient: every level batched, in order."""
    from ..ops.movement import permute

    chain = _chain(g)
    if not chain:
        return _rewrap(g, prep)
    bottom = _bottom(g)  # leading dims: the newer levels (lowest first), then the prep levels
    m, k = len(chain), len(prep)
    nd = len(_vmap._rep_of(bottom).shape)
    order = (*range(m, m + k), *range(m), *range(m + k, nd))
    return _rewrap(permute(bottom, order), sorted(set(prep) | set(chain), reverse=True))


def _has_tangent(t) -> bool:
    from ..autograd import forward_ad

    return forward_ad.active() and forward_ad.get_tangent(t) is not None


def _wider(out, prep: "_Prepared") -> bool:
    """Whether ``out`` is batched at a vmap level the prepared inputs are not (a closure)."""
    have = set(prep.levels)
    return any(not set(_chain(o)) <= have for o in _flatten(out)[0] if isinstance(o, Tensor))


def _output_detached(out, keep_graph: bool):
    if keep_graph:
        return out
    leaves, build = _flatten(out)
    return build([x.detach() if isinstance(x, Tensor) else x for x in leaves])


def grad_and_value(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """Like ``grad``, but the function returns ``(gradient, value)`` (``((gradient, value), aux)`` with has_aux)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..autograd.grad_mode import enable_grad

        nums = _argnums_tuple(argnums, len(args), "grad_and_value(f)(*args)")
        with enable_grad():
            for every in (False, True):
                prep = _Prepared([args[i] for i in nums], (args, kwargs), every)
                new_args = list(args)
                for i, tree in zip(nums, prep.trees, strict=True):
                    new_args[i] = tree
                out = func(*new_args, **kwargs)
                if every or not _wider(out, prep):
                    break
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(
                        "grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) if "
                        "has_aux is True"
                    )
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}"
                )
            if out.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            from ..autograd.grad_mode import is_grad_enabled

            keep = prep.any_requires_grad and is_grad_enabled()
            flat = prep.grads([out], None, create_graph=keep, retain_graph=keep)
        grads, k = [], 0
        for i in nums:
            leaves, build = _flatten(args[i])
            grads.append(build(flat[k:k + len(leaves)]))
            k += len(leaves)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _output_detached(out, keep)
        if has_aux:
            return (g, value), aux
        return g, value

    return wrapper


def grad(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function, as a function: ``grad(f)(x)`` is df/dx at x."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_aux:
            (g, _), aux = gv(*args, **kwargs)
            return g, aux
        g, _ = gv(*args, **kwargs)
        return g

    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` gives the vector-Jacobian products."""
    from ..autograd.grad_mode import enable_grad, is_grad_enabled

    with enable_grad():
        for every in (False, True):
            prep = _Prepared(list(primals), (), every)
            out = func(*prep.trees)
            if every or not _wider(out, prep):
                break
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: (output, aux) if has_aux "
                               "is True")
        out, aux = out
    out_leaves, _ = _flatten(out)
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): Expected f to be a function that has only Tensors as outputs, "
                               f"got {type(o)}")
    keep = prep.any_requires_grad and is_grad_enabled()

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None):
        cot_leaves, _ = _flatten(cotangents)
        if len(cot_leaves) != len(out_leaves):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs to the "
                f"function. cotangents: {len(cot_leaves)} leaves, primal output: {len(out_leaves)} leaves"
            )
        for c, o in zip(cot_leaves, out_leaves, strict=True):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {c.shape} and output[0] has a shape of "
                    f"{o.shape}."
                )
        cg = (keep or _any_requires_grad(cot_leaves)) if create_graph is None else create_graph
        with enable_grad():
            flat = prep.grads(out_leaves, cot_leaves, create_graph=cg, retain_graph=True)
        result, k = [], 0
        for p in primals:
            leaves, build = _flatten(p)
            result.append(build(flat[k:k + len(leaves)]))
            k += len(leaves)
        return tuple(result)

    value = _output_detached(out, keep)
    if has_aux:
        return value, vjp_fn, aux
    return value, vjp_fn


def _any_requires_grad(leaves) -> bool:
    return any(isinstance(x, Tensor) and x.requires_grad for x in leaves)


def _basis(out: Tensor):
    """The rows of the identity, shaped ``(numel, *out.shape)``, in out's dtype."""
    from .._creation import eye
    from ..ops.movement import reshape

    n = out.numel()
    return reshape(eye(n, dtype=out.dtype), (n, *out.shape))


def jacrev(func: Callable, argnums: int | tuple = 0, *, has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian by reverse mode: one vmapped vector-Jacobian product per output element."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.movement import reshape

        nums = _argnums_tuple(argnums, len(args), "jacrev")

        def partial(*diff):
            new = list(args)
            for i, d in zip(nums, diff, strict=True):
                new[i] = d
            return func(*new, **kwargs)

        res = vjp(partial, *[args[i] for i in nums], has_aux=has_aux)
        out, fn = res[0], res[1]
        out_leaves, out_build = _flatten(out)
        rows = []
        for j, o in enumerate(out_leaves):
            def one(ct, j=j):
                cts = [ct if i == j else _zeros(x) for i, x in enumerate(out_leaves)]
                return fn(out_build(cts))

            if o.numel() == 0:
                per = tuple(_empty_jac(o, args[i]) for i in nums)
            else:
                per = _vmap.vmap(one, chunk_size=chunk_size)(_basis(o))
            # per: tuple over argnums of trees of (numel_out, *in_shape)
            shaped = []
            for tree in per:
                leaves, build = _flatten(tree)
                shaped.append(build([reshape(g, (*o.shape, *g.shape[1:])) if o.numel() else g for g in leaves]))
            rows.append(shaped[0] if isinstance(argnums, int) else tuple(shaped))
        jac = out_build(rows)
        if has_aux:
            return jac, res[2]
        return jac

    return wrapper


def _zeros(x):
    from .._creation import zeros_like

    return zeros_like(x)


def _empty_jac(o, arg):
    from .._creation import zeros

    leaves, build = _flatten(arg)
    return build([zeros((*o.shape, *x.shape), dtype=x.dtype) for x in leaves])


# -- forward mode ----------------------------------------------------------------------------------


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)`` in one forward pass (forward-mode AD)."""
    from ..autograd import forward_ad

    if not isinstance(primals, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, (tuple, list)) or len(tangents) != len(primals):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be.")
    p_leaves, p_build = _flatten(list(primals))
    t_leaves, _ = _flatten(list(tangents))
    if len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure.")
    for p, t in zip(p_leaves, t_leaves, strict=True):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "jvp(f, primals, tangents): Expected primals and tangents to have the same shape, but got "
                f"{list(p.shape)} and {list(t.shape)}"
            )
    owns_level = not forward_ad.active()
    if not owns_level:
        raise RuntimeError("jvp: nested forward-mode transforms (jvp inside jvp or jacfwd) are not supported; "
                           "only one dual level can be active, as in torch.autograd.forward_ad")
    with forward_ad.dual_level():
        duals = [_make_dual(p, t) for p, t in zip(p_leaves, t_leaves, strict=True)]
        out = func(*p_build(duals))
        aux = None
        if has_aux:
            out, aux = out
        o_leaves, o_build = _flatten(out)
        primal_out, tangent_out = [], []
        for o in o_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"jvp(f, primals, tangents): Expected f to return Tensors, got {type(o)}")
            p, t = _unpack_dual(o)
            primal_out.append(p)
            tangent_out.append(t if t is not None else _zeros(p))
    result = (o_build(primal_out), o_build(tangent_out))
    return (*result, aux) if has_aux else result


def _make_dual(p: Tensor, t: Tensor) -> Tensor:
    from ..autograd import forward_ad

    if type(p) is not BatchedTensor:
        return forward_ad.make_dual(p, t)
    levels = sorted(set(_chain(p)) | set(_chain(t)), reverse=True)
    sizes = {**_sizes(p), **_sizes(t)}
    lp = _lift(p, levels, sizes)
    lt = _lift(t, levels, sizes)
    return _rewrap(forward_ad.make_dual(_bottom(lp), _bottom(lt)), levels)


def _unpack_dual(o: Tensor):
    from ..autograd import forward_ad

    levels = _chain(o)
    bottom = _bottom(o)
    p, t = forward_ad.unpack_dual(bottom)
    if not levels:
        return p, t
    return _rewrap(p, levels), (_rewrap(t, levels) if t is not None else None)


def linearize(func: Callable, *primals) -> tuple:
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` gives J @ tangents at these primals."""
    out = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]

    return out, jvp_fn


def jacfwd(func: Callable, argnums: int | tuple = 0, has_aux: bool = False, *, randomness: str = "error",
           chunk_size: int | None = None) -> Callable:
    """The Jacobian by forward mode: one vmapped Jacobian-vector product per input element."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.movement import movedim, reshape

        nums = _argnums_tuple(argnums, len(args), "jacfwd")
        diff = [args[i] for i in nums]
        d_leaves, d_build = _flatten(diff)

        def partial(*ds):
            new = list(args)
            for i, d in zip(nums, d_build(list(ds)), strict=True):
                new[i] = d
            return func(*new, **kwargs)

        out0 = None
        aux = None
        cols = []  # per input leaf: tree of outputs shaped (numel_in, *out_shape)
        for k, x in enumerate(d_leaves):
            def one(u, k=k):
                tangents = [u if i == k else _zeros(y) for i, y in enumerate(d_leaves)]
                res = jvp(partial, tuple(d_leaves), tuple(tangents), has_aux=has_aux)
                return (res[1], res[2]) if has_aux else res[1]

            if has_aux:
                col, aux_b = _vmap.vmap(one, randomness=randomness, chunk_size=chunk_size, out_dims=(0, None))(
                    _basis(x)) if x.numel() else (None, None)
                aux = aux_b
            else:
                col = _vmap.vmap(one, randomness=randomness, chunk_size=chunk_size)(_basis(x)) if x.numel() else None
            cols.append(col)
        if out0 is None:
            out0 = partial(*d_leaves)
            if has_aux:
                out0, aux0 = out0
                aux = aux if aux is not None else aux0
        o_leaves, o_build = _flatten(out0)
        per_out = []
        for j, o in enumerate(o_leaves):
            per_in = []
            for k, x in enumerate(d_leaves):
                if cols[k] is None:
                    from .._creation import zeros

                    per_in.append(zeros((*o.shape, *x.shape), dtype=o.dtype))
                    continue
                c = _flatten(cols[k])[0][j]  # (numel_x, *o.shape)
                c = movedim(c, 0, -1) if c.dim() > 1 else c
                per_in.append(reshape(c, (*o.shape, *x.shape)))
            tree = d_build(per_in)
            per_out.append(tree[0] if isinstance(argnums, int) else tuple(tree))
        jac = o_build(per_out)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func: Callable, argnums: int | tuple = 0) -> Callable:
    """The Hessian, as ``jacfwd(jacrev(func))`` (forward over reverse)."""
    return jacfwd(jacrev(func, argnums), argnums)


# -- modules as functions --------------------------------------------------------------------------


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors."""
    if isinstance(parameter_and_buffer_dicts, dict):
        mapping = dict(parameter_and_buffer_dicts)
    else:
        mapping = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                if k in mapping:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of functional call is "
                                     "ambiguous")
            mapping.update(d)
    if strict:
        names = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing = sorted(names - set(mapping))
        unexpected = sorted(set(mapping) - names)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: missing keys {missing}, "
                               f"unexpected keys {unexpected}")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = kwargs or {}
    saved = []
    try:
        for name, value in mapping.items():
            owner, attr = _resolve(module, name)
            saved.append((owner, attr, _swap(owner, attr, value)))
        return module(*args, **kwargs)
    finally:
        for owner, attr, old in reversed(saved):
            _restore(owner, attr, old)


def _resolve(module, name: str):
    parts = name.split(".")
    owner = module
    for p in parts[:-1]:
        owner = getattr(owner, p)
    return owner, parts[-1]


_MISSING = object()


def _swap(owner, attr: str, value):
    for store in ("_parameters", "_buffers"):
        d = owner.__dict__.get(store)
        if d is not None and attr in d:
            old = d[attr]
            d[attr] = value
            return (store, old)
    old = owner.__dict__.get(attr, _MISSING)
    object.__setattr__(owner, attr, value)
    return (None, old)


def _restore(owner, attr: str, old) -> None:
    store, value = old
    if store is not None:
        owner.__dict__[store][attr] = value
    elif value is _MISSING:
        object.__delattr__(owner, attr)
    else:
        object.__setattr__(owner, attr, value)
