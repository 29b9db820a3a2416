"""``grad``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian``, ``linearize``, ``functional_call``,
``stack_module_state``.

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

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "functional_call",
           "stack_module_state"]


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


def _argnums_tuple(argnums, n: int) -> tuple:
    """``argnums`` as a tuple of non-negative ints, checked as torch.func checks it."""
    if not isinstance(argnums, (int, tuple)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    nums = (argnums,) if isinstance(argnums, int) else argnums
    wrapped = []
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnum must be int, got: {type(a)}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
        wrapped.append(a % n)
    if isinstance(argnums, tuple):
        if not wrapped:
            raise RuntimeError("argnums must be non-empty")
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(wrapped)


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
                    raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
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

    def own_ids(self) -> set:
        """The ids of the fresh leaves (Note [What a transform's results require grad for])."""
        return {id(leaf) for leaf in self.leaves}

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


# Note [What a transform's results require grad for]
# torch.func gives each transform a level: a result requires grad exactly when it depends on
# a tensor that requires grad *outside* the transform (an input that did, or a tensor the
# function closes over). chainrule differentiates fresh leaves instead (``_Prepared``), so a
# result is kept in the graph only when that graph reaches a leaf that is not one of them
# (``_reaches_outer``); everything else is detached. The backward pass records a graph
# (``create_graph``) only when some such outer tensor exists and grad mode is on.


def _reaches_outer(tensors, own: set, clean: set) -> bool:
    """Whether the graph of any of ``tensors`` reaches a leaf requiring grad that is not in ``own``.

    ``own`` holds the ids of the transform's fresh leaves; ``clean`` collects the ids of nodes
    already found not to reach one (shared across calls to save work).
    """
    from ..autograd.graph import AccumulateGrad

    stack = []
    for x in tensors:
        if not isinstance(x, Tensor):
            continue
        b = _bottom(x)
        if not b.requires_grad:
            continue
        fn = b.grad_fn
        if fn is None:
            if id(b) not in own:
                return True
        elif id(fn) not in clean:
            stack.append(fn)
    seen = []
    visited = set()
    while stack:  # iterative: graphs can be deep
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        seen.append(node)
        if type(node) is AccumulateGrad:
            if id(node.variable) not in own:
                return True
            continue
        for nxt, _ in node.next_functions:
            if nxt is not None and id(nxt) not in visited and id(nxt) not in clean:
                stack.append(nxt)
    clean.update(id(n) for n in seen)
    return False


def _keep_outer(tree, own: set, clean: set, keep: bool):
    """``tree`` with each tensor detached unless its graph reaches an outer tensor (Note above)."""
    leaves, build = _flatten(tree)
    out = []
    for x in leaves:
        if isinstance(x, Tensor) and x.requires_grad and not (keep and _reaches_outer([x], own, clean)):
            x = x.detach()
        out.append(x)
    return build(out)


def _check_has_aux(out, api: str):
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True")
    for x in _flatten(out[1])[0]:
        if not isinstance(x, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
    return out


def grad_and_value(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """Like ``grad``, but returns ``(gradient, value)``; ``(gradient, (value, aux))`` with ``has_aux``.

    >>> grad_and_value(lambda x: (x ** 2).sum())(chainrule.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..autograd.grad_mode import enable_grad, is_grad_enabled

        outer_grad = is_grad_enabled()
        nums = _argnums_tuple(argnums, len(args))
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
                out, aux = _check_has_aux(out, "grad_and_value(f)(*args)")
            if not isinstance(out, Tensor):
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}"
                )
            if out.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            own, clean = prep.own_ids(), set()
            keep = outer_grad and (prep.any_requires_grad or _reaches_outer([out], own, clean))
            flat = prep.grads([out], None, create_graph=keep, retain_graph=keep)
            if keep:
                flat = _keep_outer(flat, own, clean, True)
        grads, k = [], 0
        for i in nums:
            leaves, build = _flatten(args[i])
            grads.append(build(flat[k:k + len(leaves)]))
            k += len(leaves)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = _keep_outer(out, own, clean, keep)
        if has_aux:
            return g, (value, _keep_outer(aux, own, clean, outer_grad))
        return g, value

    return wrapper


def grad(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function, as a function: ``grad(f)(x)`` is df/dx at x.

    ``argnums`` picks the argument(s) to differentiate (a tuple gives a tuple of gradients);
    with ``has_aux`` the function returns ``(output, aux)`` and so does ``grad(f)``.

    >>> grad(lambda x: (x ** 3).sum())(chainrule.tensor([1.0, 2.0]))
    tensor([ 3., 12.])
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_aux:
            g, (_, aux) = gv(*args, **kwargs)
            return g, aux
        g, _ = gv(*args, **kwargs)
        return g

    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives the vector-Jacobian products.

    ``vjp_fn`` returns a tuple with one entry per primal and may be called many times. With
    ``has_aux`` the function returns ``(output, aux)`` and ``vjp`` returns ``(output, vjp_fn, aux)``.

    >>> out, vjp_fn = vjp(lambda x: x ** 2, chainrule.tensor([1.0, 2.0]))
    >>> vjp_fn(chainrule.tensor([1.0, 1.0]))
    (tensor([2., 4.]),)
    """
    from ..autograd.grad_mode import enable_grad, is_grad_enabled

    outer_grad = is_grad_enabled()
    with enable_grad():
        for every in (False, True):
            prep = _Prepared(list(primals), (), every)
            out = func(*prep.trees)
            if every or not _wider(out, prep):
                break
    aux = None
    if has_aux:
        out, aux = _check_has_aux(out, "vjp(f, *primals)")
    out_leaves, out_build = _flatten(out)
    if not out_leaves or (len(out_leaves) == 1 and out_leaves[0] is None):
        raise RuntimeError(f"vjp(f, *primals): Expected f to be a function that has non-empty output (got output = "
                           f"{out_leaves})")
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): expected f(*primals) to return only tensors, got unsupported type "
                               f"{type(o)}")
        if not (o.is_floating_point() or o.is_complex()):
            raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor "
                               f"with dtype {o.dtype}")
    own, clean = prep.own_ids(), set()
    keep = outer_grad and (prep.any_requires_grad or _reaches_outer(out_leaves, own, clean))

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None):
        cot_leaves, _ = _flatten(cotangents)
        if not _same_structure(cotangents, out):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of outputs to the "
                f"function. cotangents: {len(cot_leaves)} leaves in a {type(cotangents).__name__}, primal output: "
                f"{len(out_leaves)} leaves in a {type(out).__name__}"
            )
        for i, (c, o) in enumerate(zip(cot_leaves, out_leaves, strict=True)):
            if not isinstance(c, Tensor):
                raise RuntimeError(f"vjp_fn: expected cotangents to be Tensors, got {type(c)}")
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] has a shape of "
                    f"{o.shape}."
                )
        grad_on = is_grad_enabled()
        if create_graph is None:
            create_graph = grad_on and (keep or _any_requires_grad(cot_leaves))
        with enable_grad():
            flat = prep.grads(out_leaves, cot_leaves, create_graph=create_graph, retain_graph=True)
            if create_graph:
                flat = _keep_outer(flat, own, set(clean), True)
        result, k = [], 0
        for p in primals:
            leaves, build = _flatten(p)
            result.append(build(flat[k:k + len(leaves)]))
            k += len(leaves)
        return tuple(result)

    value = _keep_outer(out, own, clean, keep)
    if has_aux:
        return value, vjp_fn, _keep_outer(aux, own, clean, outer_grad)
    return value, vjp_fn


def _same_structure(a, b) -> bool:
    """Whether two pytrees have the same nesting (tensors match tensors, whatever their values)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return isinstance(a, Tensor) and isinstance(b, Tensor)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b, strict=True))
    return True


def _any_requires_grad(leaves) -> bool:
    return any(isinstance(x, Tensor) and x.requires_grad for x in leaves)


def _basis(leaves: list) -> tuple[int, list]:
    """The standard basis over all elements of ``leaves``: (N, one (N, *leaf.shape) tensor per leaf).

    Row ``i`` of the basis is the one-hot vector of element ``i`` of the leaves laid end to
    end, so one vmapped pass over the rows gives every row (jacrev) or column (jacfwd) of a
    Jacobian at once, as torch.func does.
    """
    import numpy as np

    from .._creation import from_numpy

    sizes = [x.numel() for x in leaves]
    n = sum(sizes)
    parts, off = [], 0
    for x, k in zip(leaves, sizes, strict=True):
        a = np.zeros((n, k), dtype=x.dtype.np)
        a[np.arange(off, off + k), np.arange(k)] = 1
        parts.append(from_numpy(a.reshape((n, *x.shape))))
        off += k
    return n, parts


def _split_last(j: Tensor, leaves: list) -> list:
    """``j`` shaped ``(*lead, N)`` split along its last dim into ``(*lead, *leaf.shape)`` per leaf."""
    from ..ops.movement import narrow, reshape

    lead = tuple(j.shape[:-1])
    out, off = [], 0
    for x in leaves:
        k = x.numel()
        out.append(reshape(narrow(j, -1, off, k), (*lead, *x.shape)))
        off += k
    return out


def jacrev(func: Callable, argnums: int | tuple = 0, *, has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian by reverse mode: one vmapped vector-Jacobian product over the output's basis.

    ``jacrev(f)(x)[i..., j...]`` is d f(x)[i...] / d x[j...]; a tuple ``argnums`` gives a tuple
    per output, and ``chunk_size`` computes that many rows per batched pass.

    >>> jacrev(lambda x: x.sin())(chainrule.tensor([0.0, 1.0]))
    tensor([[1.0000, 0.0000],
            [0.0000, 0.5403]])
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.movement import narrow, reshape

        nums = _argnums_tuple(argnums, len(args))

        def partial(*diff):
            new = list(args)
            for i, d in zip(nums, diff, strict=True):
                new[i] = d
            return func(*new, **kwargs)

        res = vjp(partial, *[args[i] for i in nums], has_aux=has_aux)
        out, fn = res[0], res[1]
        out_leaves, out_build = _flatten(out)
        in_leaves, in_build = _flatten([args[i] for i in nums])
        n, basis = _basis(out_leaves)
        if n:
            per_in = _flatten(_vmap.vmap(lambda *cts: fn(out_build(list(cts))), chunk_size=chunk_size)(*basis))[0]
        else:
            from .._creation import zeros

            per_in = [zeros((0, *x.shape), dtype=x.dtype) for x in in_leaves]
        # per_in[k]: (N, *in_k.shape), N running over all output elements: output j's rows are a slice.
        rows, off = [], 0
        for o in out_leaves:
            k = o.numel()
            tree = in_build([reshape(narrow(g, 0, off, k), (*o.shape, *x.shape)) for g, x in zip(per_in, in_leaves,
                                                                                                strict=True)])
            rows.append(tree[0] if isinstance(argnums, int) else tuple(tree))
            off += k
        jac = out_build(rows)
        return (jac, res[2]) if has_aux else jac

    return wrapper


def _zeros(x):
    from .._creation import zeros_like

    return zeros_like(x)


# -- forward mode ----------------------------------------------------------------------------------


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)`` in one forward pass (forward-mode AD).

    ``primals`` is a tuple of arguments and ``tangents`` has the same structure. With
    ``has_aux`` the function returns ``(output, aux)`` and ``jvp`` returns ``(output, jvp_out, aux)``.
    Only one dual level can be active: a ``jvp`` inside another ``jvp`` (or ``jacfwd``) raises.

    >>> jvp(lambda x: x ** 2, (chainrule.tensor([1.0, 2.0]),), (chainrule.tensor([1.0, 0.0]),))
    (tensor([1., 4.]), tensor([2., 0.]))
    """
    from ..autograd import forward_ad

    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    if not _same_structure(primals, tangents):
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python structure. For example, "
                           "if primals is a tuple of 3 tensors, tangents also must be.")
    p_leaves, p_build = _flatten(primals)
    t_leaves, _ = _flatten(tangents)
    for name, leaves in (("primals", p_leaves), ("tangents", t_leaves)):
        if not leaves:
            raise RuntimeError(f"{api}: Expected {name} to contain at least one Tensor.")
        for x in leaves:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"{api}: Expected {name} to only contain Tensors, got {type(x)}")
    for p, t in zip(p_leaves, t_leaves, strict=True):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the original Tensor, this "
                f"is not supported. Tensor is of size {list(p.shape)} while the given forward gradient is of size "
                f"{list(t.shape)}."
            )
    if forward_ad.active():
        raise RuntimeError("jvp: nested forward-mode transforms (jvp inside jvp or jacfwd) are not supported; "
                           "only one dual level can be active, as in torch.autograd.forward_ad")
    with forward_ad.dual_level():
        duals = [_make_dual(p, t) for p, t in zip(p_leaves, t_leaves, strict=True)]
        out = func(*p_build(duals))
        aux = None
        if has_aux:
            out, aux = _check_has_aux(out, api)
            aux = _strip_tangents(aux)
        o_leaves, o_build = _flatten(out)
        if not o_leaves or (len(o_leaves) == 1 and o_leaves[0] is None):
            raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = "
                               f"{o_leaves})")
        primal_out, tangent_out = [], []
        for o in o_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type "
                                   f"{type(o)}")
            p, t = _unpack_dual(o)
            primal_out.append(p)
            tangent_out.append(t if t is not None else _zeros(p))
    result = (o_build(primal_out), o_build(tangent_out))
    return (*result, aux) if has_aux else result


def _strip_tangents(tree):
    leaves, build = _flatten(tree)
    return build([_unpack_dual(x)[0] if isinstance(x, Tensor) else x for x in leaves])


def _make_dual(p: Tensor, t: Tensor) -> Tensor:
    from ..autograd import forward_ad

    if type(p) is not BatchedTensor:
        dual = forward_ad.make_dual(p, t)
        if type(t) is BatchedTensor:
            # make_dual read only the tangent's dtype (is_floating_point), never its values: not a
            # read that could hide a per-sample value (Note [How vmap works] in _vmap.py).
            _vmap._forget(t)
        return dual
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
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` gives J @ tangents at these primals.

    chainrule does not trace ``func``: each ``jvp_fn`` call runs one forward-mode pass.

    >>> out, jvp_fn = linearize(lambda x: x.sin(), chainrule.tensor([0.0]))
    >>> jvp_fn(chainrule.tensor([2.0]))
    tensor([2.])
    """
    out = func(*primals)

    def jvp_fn(*tangents):
        if not _same_structure(tangents, primals):
            raise RuntimeError("Expected the tangents to have the same argspec as the primals")
        return jvp(func, primals, tangents)[1]

    return out, jvp_fn


def jacfwd(func: Callable, argnums: int | tuple = 0, has_aux: bool = False, *, randomness: str = "error",
           chunk_size: int | None = None) -> Callable:
    """The Jacobian by forward mode: one vmapped Jacobian-vector product over the input's basis.

    Same results as ``jacrev``; cheaper when the function has more outputs than inputs.
    ``chunk_size`` (a chainrule extension) computes that many columns per batched pass.

    >>> jacfwd(lambda x: x.sin())(chainrule.tensor([0.0, 1.0]))
    tensor([[1.0000, 0.0000],
            [0.0000, 0.5403]])
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.movement import movedim, select

        nums = _argnums_tuple(argnums, len(args))
        diff = tuple(args[i] for i in nums)
        d_leaves, d_build = _flatten(list(diff))
        for x in d_leaves:
            if not isinstance(x, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")

        def partial(*ds):
            new = list(args)
            for i, d in zip(nums, ds, strict=True):
                new[i] = d
            return func(*new, **kwargs)

        n, basis = _basis(d_leaves)
        aux = None
        if n == 0:  # no input elements: an empty Jacobian (torch raises here)
            out = partial(*diff)
            if has_aux:
                out, aux = _check_has_aux(out, "jvp(f, primals, tangents)")
            from .._creation import zeros

            jac_outs = [zeros((*o.shape, 0), dtype=o.dtype) for o in _flatten(out)[0]]
            o_build = _flatten(out)[1]
        else:
            def push(*us):
                res = jvp(partial, diff, tuple(d_build(list(us))), has_aux=has_aux)
                return (res[1], res[2]) if has_aux else res[1]

            results = _vmap.vmap(push, randomness=randomness, chunk_size=chunk_size)(*basis)
            if has_aux:
                results, aux = results
                aux_leaves, aux_build = _flatten(aux)
                aux = aux_build([select(a, 0, 0) for a in aux_leaves])
            t_leaves, o_build = _flatten(results)
            jac_outs = [movedim(j, 0, -1) for j in t_leaves]  # (*out, N)
        rows = []
        for j in jac_outs:
            tree = d_build(_split_last(j, d_leaves))
            rows.append(tree[0] if isinstance(argnums, int) else tuple(tree))
        jac = o_build(rows)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func: Callable, argnums: int | tuple = 0) -> Callable:
    """The Hessian, as ``jacfwd(jacrev(func))`` (forward over reverse).

    >>> hessian(lambda x: (x ** 3).sum())(chainrule.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


# -- modules as functions --------------------------------------------------------------------------


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors.

    ``parameter_and_buffer_dicts`` maps dotted names (as in ``named_parameters``) to tensors;
    names it leaves out keep the module's own values. The module is unchanged afterwards.
    With ``tie_weights``, a value given for one of several tied names serves them all.

    >>> lin = chainrule.nn.Linear(2, 1)
    >>> functional_call(lin, {"weight": chainrule.ones(1, 2), "bias": chainrule.zeros(1)},
    ...                 (chainrule.tensor([[1.0, 2.0]]),))
    tensor([[3.]])
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        mapping = dict(parameter_and_buffer_dicts)
    elif isinstance(parameter_and_buffer_dicts, (tuple, list)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts: dict = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, c in counts.items() if c > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        mapping = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    if tie_weights:
        mapping = _untie(named, mapping)
    if strict:
        missing = sorted(set(named) - set(mapping))
        unexpected = sorted(set(mapping) - set(named))
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(type(module).__name__,
                                                                                  "\n\t".join(msgs)))
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


def stack_module_state(models) -> tuple[dict, dict]:
    """The parameters and buffers of same-class ``models``, stacked along a new first dim.

    For ensembles: ``vmap(lambda p, b, x: functional_call(model, (p, b), (x,)), in_dims=(0, 0, None))``
    runs every model at once. Stacked parameters are new leaves that require grad.
    """
    from ..ops.movement import stack

    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(tensors: list, name: str):
        flags = {t.requires_grad for t in tensors}
        if len(flags) > 1:
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        result = stack(tensors)
        return result.detach().requires_grad_() if flags == {True} else result

    per_model = [dict(m.named_parameters()) for m in models]
    params = {k: stacked([d[k] for d in per_model], k) for k in per_model[0]}
    per_model = [dict(m.named_buffers()) for m in models]
    buffers = {k: stacked([d[k] for d in per_model], k) for k in per_model[0]}
    return params, buffers


def _untie(named: dict, mapping: dict) -> dict:
    """``mapping`` extended to every name tied to a given one (the same tensor object in the module)."""
    by_tensor: dict = {}
    for name, t in named.items():
        by_tensor.setdefault(id(t), []).append(name)
    out = dict(mapping)
    for names in by_tensor.values():
        if len(names) < 2:
            continue
        given = [n for n in names if n in mapping]
        if not given:
            continue
        if len({id(mapping[n]) for n in given}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, which are tied. "
                             "Consider using tie_weights=False")
        for n in names:
            out[n] = mapping[given[0]]
    return out


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
