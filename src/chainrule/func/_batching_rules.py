"""Batching rules beyond the generic ones in ``_vmap.py``: the nn path, joins, reductions.

A rule is ``rule(prim, out, args, params, phys, n) -> physical result`` (batch dimension in
front), or None to fall back to the per-sample loop (Note [How vmap works] in ``_vmap.py``).
``phys[i]`` is input i's physical tensor when it is batched at this level, else None. A rule
registered with ``batched_params=(...)`` also accepts those parameters batched: they arrive
as a seventh argument ``{name: physical tensor}`` (an index array an op read from a batched
tensor, such as embedding's indices).

Most rules fold the batch into a dimension the primitive already loops over (convolution's
N, nll_loss's N) or compute the reduction over each sample's dims with chainrule ops, so
autograd records them as usual.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._vmap import _dims_rule as _vmap_dims_rule
from ._vmap import _op_name as _vmap_op_name
from ._vmap import _elementwise, _pad, _plain, _rep_of, _same_rule, _shift, defbatch


def _full(a, p, n: int):
    """Input ``a`` as a physical tensor: its batch, or (unbatched) expanded to ``n`` samples."""
    from ..ops.movement import expand, unsqueeze

    if p is not None:
        return p
    return expand(unsqueeze(a, 0), (n, *a.shape))


def _fold(p: Tensor) -> Tensor:
    """(B, N, ...) -> (B * N, ...)."""
    from ..ops.movement import reshape

    shape = tuple(_rep_of(p).shape)
    return reshape(p, (shape[0] * shape[1], *shape[2:]))


def _unfold(r: Tensor, n: int) -> Tensor:
    from ..ops.movement import reshape

    shape = tuple(_rep_of(r).shape)
    return reshape(r, (n, shape[0] // n, *shape[1:]))


def _sample_dims(r: Tensor) -> tuple:
    return tuple(range(1, _rep_of(r).ndim))


# -- elementwise-like primitives outside the elementwise modules --------------------------------

defbatch("_div_by_number", "_gelu_backward", "_silu_backward")(_elementwise)


@defbatch("_softmax_backward", "_log_softmax_backward")
def _softmax_backward_rule(prim, out, args, params, phys, n):
    nd = out.ndim
    if nd == 0:
        return None
    inputs = [_pad(p, a.ndim, nd) if p is not None else a for a, p in zip(args, phys, strict=True)]
    inputs = [_full(a, None, n) if p is None else a for a, p in zip(inputs, phys, strict=True)]
    return prim(*inputs, dim=_shift(params["dim"]))


# -- losses -------------------------------------------------------------------------------------


@defbatch("_mse_loss", "_smooth_l1_loss", "_huber_loss", "_soft_margin_loss", "_bce", "_bce_logits")
def _pointwise_loss_rule(prim, out, args, params, phys, n):
    """The unreduced loss (elementwise), then each sample's mean or sum."""
    reduction = params["reduction"]
    nd = max(a.ndim for a in args if a is not None)
    inputs = [_pad(p, a.ndim, nd) if p is not None else a for a, p in zip(args, phys, strict=True)]
    r = prim(*inputs, **{**params, "reduction": "none"})
    if reduction == "none":
        return r
    dims = _sample_dims(r)
    if not dims:
        return r
    return r.mean(dim=dims) if reduction == "mean" else r.sum(dim=dims)


@defbatch("_nll_loss", "_nll_loss2d")
def _nll_rule(prim, out, args, params, phys, n):
    """Fold the batch into N: the unreduced loss of all samples at once, then each sample's
    sum, or its sum divided by its total target weight (the mean)."""
    from .._creation import tensor as make_tensor

    x, target, weight = args
    px, pt, pw = phys
    if pw is not None:
        return None
    reduction, ignore = params["reduction"], params["ignore_index"]
    px, pt = _full(x, px, n), _full(target, pt, n)
    if x.ndim == 1:  # one sample of class scores (C,): the batch becomes N
        r = prim(px, pt, weight, **{**params, "reduction": "none"})
        per = r
        if reduction == "none":
            return r
    else:
        r = prim(_fold(px), _fold(pt), weight, **{**params, "reduction": "none"})
        per = _unfold(r, n)
        if reduction == "none":
            return per
    dims = _sample_dims(per)
    total = per.sum(dim=dims) if dims else per
    if reduction == "sum":
        return total
    t = _rep_of(pt)
    valid = t != ignore
    w = np.where(valid, 1.0, 0.0) if weight is None else np.where(
        valid, _rep_of(weight)[np.where(valid, t, 0)], 0.0)
    denom = w.reshape(n, -1).sum(1) if w.ndim > 1 else w
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / make_tensor(denom.astype(out.dtype))


# -- convolution and normalisation ----------------------------------------------------------------


@defbatch("_convolution")
def _conv_rule(prim, out, args, params, phys, n):
    """Only the input batched: the batch folds into N (one convolution for all samples).
    Batched weights (per-sample gradients lift them): the batch becomes groups, sample i's
    channels meeting sample i's filters only."""
    from ..ops.movement import movedim, reshape

    x, w, b = args
    px, pw, pb = phys
    if pw is None and pb is None:
        if px is None:
            return None
        return _unfold(prim(_fold(px), w, b, **params), n)
    if x.ndim != w.ndim:
        return None
    px, pw = _full(x, px, n), _full(w, pw, n)
    xs, ws = tuple(_rep_of(px).shape), tuple(_rep_of(pw).shape)  # (B, N, C, *sp), (B, O, C/g, *k)
    xg = reshape(movedim(px, 0, 1), (xs[1], n * xs[2], *xs[3:]))
    wg = reshape(pw, (n * ws[1], *ws[2:]))
    bg = None if b is None else reshape(_full(b, pb, n), (n * ws[1],))
    r = prim(xg, wg, bg, **dict(params, groups=params["groups"] * n))
    rs = tuple(_rep_of(r).shape)  # (N, B * O, *sp)
    return movedim(reshape(r, (rs[0], n, ws[1], *rs[2:])), 1, 0)


@defbatch("_native_norm_kernel")
def _norm_rule(prim, out, args, params, phys, n):
    """Statistics over each sample's axes: the batch is one more leading dim."""
    px, pw, pb = phys
    if px is None or pw is not None or pb is not None:
        return None
    axes = params["axes"]
    if any(a < 0 for a in axes):
        return None
    new = dict(params, stat_shape=(n, *params["stat_shape"]), axes=tuple(a + 1 for a in axes))
    return prim(px, args[1], args[2], **new)


# -- embedding (indices batched as a parameter) ---------------------------------------------------


def _embedding_rule(prim, out, args, params, phys, n, bphys=None):
    (pw,) = phys
    if pw is not None:
        return None
    if bphys and "indices" in bphys:
        idx = bphys["indices"]
        if not isinstance(idx, Tensor) or type(idx) is not Tensor:
            return None
        return prim(args[0], **dict(params, indices=idx._data))
    return None


_embedding_rule.batched_params = frozenset({"indices"})
defbatch("_embedding")(_embedding_rule)


# -- joins ----------------------------------------------------------------------------------------


@defbatch("_cat", "_stack")
def _join_rule(prim, out, args, params, phys, n):
    dim = params["dim"]
    if prim.name == "_cat" and any(a.ndim == 1 and a.shape[0] == 0 for a in args):
        return None  # legacy empty inputs are skipped by shape
    inputs = [_full(a, p, n) for a, p in zip(args, phys, strict=True)]
    bounds = params.get("bounds")
    new = dict(params, dim=dim + 1 if dim >= 0 else dim)
    if bounds is not None:
        new["bounds"] = bounds
    return prim(*inputs, **new)


# -- whole-tensor reductions ----------------------------------------------------------------------


@defbatch("_max_all", "_min_all")
def _extreme_all_rule(prim, out, args, params, phys, n):
    (p,) = phys
    nd = args[0].ndim
    if nd == 0 or args[0].numel() == 0:
        return None
    dims = tuple(range(1, nd + 1))
    return p.amax(dim=dims) if prim.name == "_max_all" else p.amin(dim=dims)


@defbatch("_prod_all")
def _prod_all_rule(prim, out, args, params, phys, n):
    from ..ops.movement import reshape

    (p,) = phys
    if args[0].ndim == 0:
        return None
    flat = reshape(p, (n, -1))
    from .._dtype import from_numpy_dtype

    return flat.prod(dim=1, dtype=from_numpy_dtype(out.dtype))


@defbatch("_transpose")
def _transpose_rule(prim, out, args, params, phys, n):
    if args[0].ndim == 0:  # a 0-d transpose is the identity: swap the batch dim with itself
        return prim(phys[0], dim0=0, dim1=0)
    return prim(phys[0], dim0=_shift(params["dim0"]), dim1=_shift(params["dim1"]))


@defbatch("_fill_tensor", "_copy")
def _fill_rule(prim, out, args, params, phys, n):
    """Kernels that write one operand into the other's shape: every input gets the batch."""
    nd = out.ndim
    inputs = [_pad(_full(a, p, n), a.ndim, nd) for a, p in zip(args, phys, strict=True)]
    return prim(*inputs, **params)


# -- indexing -------------------------------------------------------------------------------------


def _is_advanced(i) -> bool:
    return isinstance(i, (np.ndarray, list))


def _batched_index(index):
    """``index`` (a NumPy index for one sample) for the batch: a full slice in front. None
    when NumPy would move the indexed dims to the front (advanced indices apart)."""
    idx = index if isinstance(index, tuple) else (index,)
    adv = [k for k, i in enumerate(idx) if _is_advanced(i)]
    if adv and adv[-1] - adv[0] + 1 != len(adv):
        return None  # separated advanced indices: their dims would go before the batch dim
    if adv and any(isinstance(i, (int, np.integer)) for i in idx):
        return None  # ints count as advanced next to arrays
    return (slice(None), *idx)


@defbatch("_take")
def _take_rule(prim, out, args, params, phys, n):
    index = _batched_index(params["index"])
    if index is None:
        return None
    return prim(phys[0], index=index)


@defbatch("_index_backward_kernel")
def _index_backward_rule(prim, out, args, params, phys, n):
    index = _batched_index(params["index"])
    if index is None:
        return None
    return prim(phys[0], index=index, shape=(n, *params["shape"]))


def _gather_rule(prim, out, args, params, phys, n, bphys=None):
    """gather / take_along_dim: the index gets the batch too (its own, or repeated)."""
    (px,) = phys
    x = args[0]
    dim = params["dim"]
    if x.ndim == 0 or dim < 0:
        return None
    idx = _index_param(params, bphys, "index", n)
    if idx is None:
        return None
    if px is None:
        px = _full(x, None, n)
    if idx.ndim != _rep_of(px).ndim:
        return None
    return prim(px, **dict(params, dim=dim + 1, index=np.ascontiguousarray(idx)))


_gather_rule.batched_params = frozenset({"index"})
defbatch("_gather_kernel", "_take_along")(_gather_rule)


def _index_select_rule(prim, out, args, params, phys, n, bphys=None):
    """index_select along ``dim`` (dim + 1 on the batch); a batched index, (n, k), is a gather
    along dim + 1 with each sample's index spread over the other dims."""
    x, dim = args[0], params["dim"]
    if x.ndim == 0 or dim < 0:
        return None
    if not bphys:
        return prim(phys[0], **dict(params, dim=dim + 1))
    from ..ops.indexing import _gather_t

    idx = _index_param(params, bphys, "index", n)
    if idx is None or idx.ndim != 2 or ((idx < 0) | (idx >= x.shape[dim])).any():
        return None  # (out of range in some sample: the per-sample loop raises the op's error)
    shape = (n, *x.shape[:dim], idx.shape[1], *x.shape[dim + 1:])
    spread = idx.reshape((n,) + (1,) * dim + (idx.shape[1],) + (1,) * (x.ndim - dim - 1))
    return _gather_t(_full(x, phys[0], n), dim + 1, np.ascontiguousarray(np.broadcast_to(spread, shape)))


_index_select_rule.batched_params = frozenset({"index"})
defbatch("_index_select_kernel")(_index_select_rule)


def _masked_fill_rule(prim, out, args, params, phys, n, bphys=None):
    """The mask (a parameter) broadcasts against the batch, or is batched itself."""
    nd = out.ndim
    mask = params["mask"]
    if bphys and "mask" in bphys:
        pm = bphys["mask"]
        if type(pm) is not Tensor:
            return None
        m = pm._data
        mask = m.reshape((n,) + (1,) * (nd - (m.ndim - 1)) + m.shape[1:])
    inputs = [_pad(_full(a, p, n), a.ndim, nd) if i == 0 else (_pad(p, a.ndim, nd) if p is not None else a)
              for i, (a, p) in enumerate(zip(args, phys, strict=True))]
    return prim(*inputs, **dict(params, mask=mask))


_masked_fill_rule.batched_params = frozenset({"mask"})
defbatch("_masked_fill_kernel", "_masked_fill_tensor")(_masked_fill_rule)


# -- ops on the trailing dims (leading dims are batch dims already) -------------------------------


@defbatch("_inv", "_det", "_cholesky", "_cholesky_inverse", "_matrix_exp", "_tril", "_triu", "_attention_softmax",
          "_separable", "_constant_pad")
def _trailing_rule(prim, out, args, params, phys, n):
    if len(args) != 1 or args[0].ndim < 1:
        return None
    if prim.name == "_constant_pad" and len(params["pads"]) // 2 > args[0].ndim:
        return None
    return prim(phys[0], **params)


@defbatch("_solve", "_solve_triangular", "_cholesky_solve", "_sdpa_fused", "_sdpa_grad")
def _trailing_multi_rule(prim, out, args, params, phys, n):
    """Several operands with matrix (trailing) dims: every one gets the batch."""
    if any(a is not None and a.ndim < 2 for a in args):
        return None
    if prim.name == "_solve" and params.get("vector"):
        return None
    inputs = [_full(a, p, n) if a is not None else None for a, p in zip(args, phys, strict=True)]
    ranks = {_rep_of(x).ndim for x in inputs if x is not None}
    if len(ranks) != 1:
        return None
    return prim(*inputs, **params)


@defbatch("_repeat")
def _repeat_rule(prim, out, args, params, phys, n):
    repeats = tuple(params["repeats"])
    if len(repeats) != args[0].ndim:
        return None
    return prim(phys[0], repeats=(1, *repeats))


@defbatch("_roll")
def _roll_rule(prim, out, args, params, phys, n):
    dims = params["dims"]
    if dims is None:
        return None
    return prim(phys[0], shifts=params["shifts"], dims=tuple(d + 1 if d >= 0 else d for d in dims))


@defbatch("_vector_norm")
def _vector_norm_rule(prim, out, args, params, phys, n):
    dim = params["dim"]
    nd = args[0].ndim
    if nd == 0:
        return None
    if dim is None:
        dim = tuple(range(nd))
    dim = tuple(d + 1 if d >= 0 else d for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
    return prim(phys[0], **dict(params, dim=dim))


@defbatch("_im2col", "_col2im")
def _fold_rule(prim, out, args, params, phys, n):
    """(N, C, ...) kernels: the batch folds into N."""
    if args[0].ndim < 3 or (prim.name == "_im2col" and args[0].ndim != 4):
        return None
    return _unfold(prim(_fold(phys[0]), **params), n)


@defbatch("_conv_input_grad_kernel")
def _conv_input_grad_rule(prim, out, args, params, phys, n):
    g, w, b = args
    pg, pw, pb = phys
    if pg is None or pw is not None or pb is not None:
        return None
    return _unfold(prim(_fold(pg), w, b, **params), n)


# -- more products, scatters and shape ops --------------------------------------------------------


@defbatch("_addmm", "_baddbmm")
def _add_product_rule(prim, out, args, params, phys, n):
    """``beta * input + alpha * (m1 @ m2)``: the matrices get the batch, the input broadcasts."""
    inp, m1, m2 = args
    nd = out.ndim
    pi = phys[0]
    first = _pad(pi, inp.ndim, nd) if pi is not None else inp
    return prim(first, _full(m1, phys[1], n), _full(m2, phys[2], n), **params)


@defbatch("_cross")
def _cross_rule(prim, out, args, params, phys, n):
    dim = params["dim"]
    nd = out.ndim
    inputs = [_pad(_full(a, p, n), a.ndim, nd) for a, p in zip(args, phys, strict=True)]
    return prim(*inputs, dim=dim + 1 if dim >= 0 else dim)  # (a negative dim counts from the end)


@defbatch("_diagonal_backward")
def _diagonal_backward_rule(prim, out, args, params, phys, n):
    if params["dim1"] < 0 or params["dim2"] < 0:
        return None
    return prim(phys[0], shape=(n, *params["shape"]), offset=params["offset"], dim1=params["dim1"] + 1,
                dim2=params["dim2"] + 1)


@defbatch("_trace")
def _trace_rule(prim, out, args, params, phys, n):
    from .._dtype import from_numpy_dtype

    d = phys[0].diagonal(dim1=1, dim2=2)
    return d.sum(dim=-1, dtype=from_numpy_dtype(out.dtype))


@defbatch("_unfold")
def _unfold_dim_rule(prim, out, args, params, phys, n):
    if args[0].ndim == 0 or params["dimension"] < 0:
        return None
    return prim(phys[0], **dict(params, dimension=params["dimension"] + 1))


@defbatch("_unfold_backward")
def _unfold_backward_rule(prim, out, args, params, phys, n):
    if not params["shape"] or params["dimension"] < 0:
        return None
    return prim(phys[0], **dict(params, shape=(n, *params["shape"]), dimension=params["dimension"] + 1))


@defbatch("_rot90")
def _rot90_rule(prim, out, args, params, phys, n):
    dims = params["dims"]
    if any(d < 0 for d in dims):
        return None
    return prim(phys[0], k=params["k"], dims=tuple(d + 1 for d in dims))


defbatch("_pnorm")(_vector_norm_rule)


def _scatter_rule(prim, out, args, params, phys, n, bphys=None):
    """Scatters and index_add & co. along ``dim``: every operand gets the batch; the index
    too (scatter's index has the operands' rank, index_add's is 1-d and stays shared)."""
    dim = params["dim"]
    if out.ndim == 0 or dim < 0:
        return None
    # (legacy scatter with reduce= takes a number for src)
    inputs = [_full(a, p, n) if isinstance(a, Tensor) else a for a, p in zip(args, phys, strict=True)]
    if any(isinstance(x, Tensor) and _rep_of(x).ndim != out.ndim + 1 for x in inputs):
        return None
    if prim.name.startswith("_index_"):
        if bphys:
            return None
        new_index = params["index"]
    else:
        new_index = _index_param(params, bphys, "index", n)
        if new_index is None or np.ndim(new_index) != out.ndim + 1:
            return None
    r = prim(*inputs, **dict(params, dim=dim + 1, index=np.ascontiguousarray(new_index)))
    if _rep_of(r).dtype != out.dtype:  # legacy reduce= casts its result to the input's dtype
        from .._dtype import from_numpy_dtype
        from ..ops.elementwise import to_dtype

        r = to_dtype(r, from_numpy_dtype(out.dtype))
    return r


_scatter_rule.batched_params = frozenset({"index"})
defbatch("_scatter_kernel", "_scatter_add_kernel", "_scatter_fill_kernel", "_scatter_reduce_kernel",
         "_index_add_kernel", "_index_copy_kernel", "_index_fill_kernel", "_scatter_legacy_reduce")(_scatter_rule)


def _index_param(params, bphys, name: str, n: int):
    """Index parameter ``name`` for the batch: its physical array when it is batched (read
    through ``_data``: under nested vmap the outer level batches it in turn), else the one
    array repeated for every sample. None for a batched index that is not a tensor."""
    if bphys and name in bphys:
        p = bphys[name]
        return p._data if isinstance(p, Tensor) else None
    return np.ascontiguousarray(np.broadcast_to(params[name], (n, *np.shape(params[name]))))


def _put_along_rule(prim, out, args, params, phys, n, bphys=None):
    dim = params["dim"]
    if out.ndim == 0 or dim < 0:
        return None
    index = _index_param(params, bphys, "index", n)
    if index is None:
        return None
    return prim(phys[0], index=index, dim=dim + 1, shape=(n, *params["shape"]))


_put_along_rule.batched_params = frozenset({"index"})
defbatch("_put_along_kernel")(_put_along_rule)


# -- picks: values at positions an op computed from sample 0 (Note [Further outputs]) -----------


def _frame_of(codes: tuple, input):
    """The innermost running frame of one of ``codes`` whose ``input`` is ``input``, or None."""
    import sys

    f = sys._getframe(2)
    while f is not None and f.f_code not in codes:
        f = f.f_back
    return f if f is not None and f.f_locals.get("input") is input else None


def _pick_rule(prim, out, args, params, phys, n):
    """The op itself on the physical input (one more leading dim): its values, and its
    indices as the further output the op wraps next."""
    from ..ops import reduction
    from ..ops.movement import squeeze
    from ._vmap import _Unbatchable

    (px,) = phys
    dim, keepdim, index = params["dim"], params["keepdim"], params["index"]
    flags = dict(params.get("flags", ()))  # the op's own arguments (topk's largest...)
    if args[0].ndim == 0:  # the element itself (its index, 0, is the same for every sample)
        return px.clone()
    d = _shift(dim)
    name = prim.name
    if name in ("_max_pick", "_min_pick"):
        r = (reduction.max if name == "_max_pick" else reduction.min)(px, d, keepdim=True)
    elif name == "_median_pick":
        r = reduction.median(px, d, keepdim=True)
    elif name == "_mode_pick":
        r = reduction.mode(px, d, keepdim=True)
    elif name in ("_cummax_pick", "_cummin_pick"):
        r = (reduction.cummax if name == "_cummax_pick" else reduction.cummin)(px, d)
    elif name == "_kthvalue_pick":
        r = reduction.kthvalue(px, flags["k"], d, keepdim=True)
    elif name == "_topk_pick":
        r = reduction.topk(px, index.shape[dim], d, largest=flags["largest"])
    else:  # sort; the primitive tells which overload (``stable`` named or not)
        r = reduction.sort(px, d, descending=flags["descending"], stable=None if name == "_sort_pick" else True)
    values, indices = r
    if not np.array_equal(_rep_of(indices)[0], index):
        raise _Unbatchable(f"{name} with arguments its batching rule did not expect")
    if not keepdim:
        values, indices = squeeze(values, d), squeeze(indices, d)
    return values, (indices,)


defbatch("_max_pick", "_min_pick", "_median_pick", "_mode_pick", "_kthvalue_pick", "_sort_pick", "_sort_stable_pick",
         "_topk_pick", "_cummax_pick", "_cummin_pick")(_pick_rule)
defbatch("_aminmax_min", "_aminmax_max")(_vmap_dims_rule("dims"))
defbatch("_shift_along")(_vmap_dims_rule("dim"))
defbatch("_scatter_along")(_put_along_rule)


def _all_samples(t) -> np.ndarray:
    """The values of every sample of every active vmap level (``t``'s innermost physical array)."""
    from ._api import _bottom

    return _bottom(t)._data


@defbatch("_median_all")
def _median_all_rule(prim, out, args, params, phys, n):
    """Each sample's lower median from a sort; its gradient shared evenly by the elements equal
    to it, as the op's: ``m + (s - s)`` with ``s`` their mean, exact while ``m`` is finite (an
    infinite or NaN median: the loop)."""
    from ..ops import reduction
    from ..ops.elementwise import where
    from ..ops.movement import reshape, select

    (px,) = phys
    size = args[0].numel()
    if size == 0:
        return None
    flat = reshape(px, (n, size))
    m = select(reduction.sort(flat.detach(), 1).values, 1, (size - 1) // 2)
    if out.dtype.kind != "f":
        return m
    if not np.isfinite(_all_samples(m)).all():
        return None
    ties = flat == reshape(m, (n, 1))
    share = (where(ties, flat, 0.0) / ties.sum(dim=1, keepdim=True)).sum(dim=1)
    if not np.isfinite(_all_samples(share)).all():
        return None
    return m + (share - share.detach())


# -- decompositions with several outputs (NumPy's linalg runs on stacks of matrices) -------------

# How many leading outputs share the node, as the ops call them (the rest carry no gradient).
_DIFFERENTIABLE_OUTPUTS = {"_lu": 2, "_lu_factor": 1}


@defbatch("_svd", "_qr", "_eigh", "_slogdet", "_lu", "_lu_factor", "_lstsq")
def _decomposition_rule(prim, out, args, params, phys, n):
    """The primitive on the stack of every sample's matrices, its outputs after the first
    handed to the op as further outputs (Note [Further outputs])."""
    from ..linalg._multi import call_multi

    if prim.name == "_qr" and params["mode"] == "r":
        return None  # its empty Q has no batch dimension
    inputs = tuple(_full(a, p, n) for a, p in zip(args, phys, strict=True))
    first, *rest = call_multi(prim, inputs, params, _DIFFERENTIABLE_OUTPUTS.get(prim.name))
    # lstsq's residuals are empty (no batch dimension) unless every sample has them; the op
    # checks that sample 0's agree (an empty array, or one that has them).
    rest = [_full(o, None, n) if _rep_of(o).shape == (0,) else o for o in rest]
    return first, tuple(rest)


# -- max pooling with its indices ---------------------------------------------------------------


def _pool_gather_rule(prim, out, args, params, phys, n, bphys=None):
    """``_gather_flat``: max pooling (its indices computed from sample 0 by the op) runs the
    pooling op again on the batch folded into N, its indices handed to the op (Note [Further
    outputs]); called with indices of its own (max_unpool's gradient), a gather at them."""
    from ..nn import _conv
    from ._vmap import _Unbatchable

    (px,) = phys
    x, nd = args[0], params["nd"]
    f = _frame_of((_conv._max_pool.__code__, _conv.adaptive_max_pool2d.__code__), x)
    if f is None:  # indices from elsewhere: the same for every sample, or batched themselves
        idx = _index_param(params, bphys, "indices", n)
        if idx is None:
            return None
        return prim(_full(x, px, n), indices=idx, nd=nd)
    if px is None or x.ndim not in (nd + 1, nd + 2):
        raise _Unbatchable(_vmap_op_name(prim))
    loc = f.f_locals
    folded = px if x.ndim == nd + 1 else _fold(px)
    if f.f_code is _conv._max_pool.__code__:
        values, indices = _conv._max_pool(folded, loc["kernel_size"], loc["stride"], loc["padding"],
                                          loc["dilation"], loc["ceil_mode"], True, nd, loc["name"], loc["prim"])
    else:
        values, indices = _conv.adaptive_max_pool2d(folded, loc["output_size"], True)
    if x.ndim == nd + 2:
        values, indices = _unfold(values, n), _unfold(indices, n)
    if not np.array_equal(_rep_of(indices)[0], params["indices"]):
        raise _Unbatchable(_vmap_op_name(prim))
    return (values, (indices,)) if loc["return_indices"] else values


_pool_gather_rule.batched_params = frozenset({"indices"})
defbatch("_gather_flat")(_pool_gather_rule)


def _scatter_flat_rule(prim, out, args, params, phys, n, bphys=None):
    """max_unpool and max pooling's gradient: ``g`` summed at flat indices into each plane;
    the batch is one more leading dim (indices batched, or the same for every sample)."""
    (pg,) = phys
    idx = _index_param(params, bphys, "indices", n)
    g = _full(args[0], pg, n)
    if idx is None or idx.shape != tuple(_rep_of(g).shape):
        return None
    return prim(g, indices=idx, shape=(n, *params["shape"]), nd=params["nd"])


_scatter_flat_rule.batched_params = frozenset({"indices"})
defbatch("_scatter_flat", "_place_flat")(_scatter_flat_rule)


# -- products with a vector or a sum over batches: one batched matrix product (baddbmm) ----------


@defbatch("_addmv", "_addr", "_addbmm")
def _vector_product_rule(prim, out, args, params, phys, n):
    from ..ops import linalg
    from ..ops.movement import permute, reshape, unsqueeze

    inp, a, b = args
    pi, pa, pb = phys
    if len({inp.dtype, a.dtype, b.dtype}) != 1:
        return None
    a, b = _full(a, pa, n), _full(b, pb, n)
    if prim.name == "_addmv":  # (m, k) @ (k,): a column
        if pi is not None:
            first = unsqueeze(_pad(pi, inp.ndim, 1), -1)
        else:
            first = unsqueeze(inp, -1) if inp.ndim else inp
        r = linalg._baddbmm(first, a, unsqueeze(b, -1), **params)
        return reshape(r, (n, *out.shape))
    if prim.name == "_addr":  # an outer product: (m, 1) @ (1, k)
        a, b = unsqueeze(a, -1), unsqueeze(b, 1)
    else:  # the sum over addbmm's batches: one product over (batch, k) concatenated
        sa, sb = tuple(_rep_of(a).shape), tuple(_rep_of(b).shape)  # (n, B, m, k), (n, B, k, p)
        a = reshape(permute(a, (0, 2, 1, 3)), (n, sa[2], sa[1] * sa[3]))
        b = reshape(b, (n, sb[1] * sb[2], sb[3]))
    first = _pad(pi, inp.ndim, 2) if pi is not None else inp
    return linalg._baddbmm(first, a, b, **params)


@defbatch("_vdot")
def _vdot_rule(prim, out, args, params, phys, n):
    from .._dtype import from_numpy_dtype

    x, y = (_full(a, p, n) for a, p in zip(args, phys, strict=True))
    if x.dtype != y.dtype or out.dtype.kind == "c":  # (complex: the first factor is conjugated)
        return None
    return (x * y).sum(dim=1, dtype=from_numpy_dtype(out.dtype))


defbatch("_pixel_shuffle", "_pixel_unshuffle")(_same_rule)
defbatch("_var_of_var_mean", "_mean_of_var_mean", "_std_of_std_mean", "_mean_of_std_mean")(_vmap_dims_rule("dims"))


@defbatch("_split_kernel", "_unbind")
def _pieces_rule(prim, out, args, params, phys, n):
    """split / unbind: the primitive on the batch (``dim`` shifted past it), every piece after
    the first handed to the op as a further output (Note [Further outputs])."""
    from ..ops._multi import call_multi

    (px,) = phys
    first, *rest = call_multi(prim, (px,), dict(params, dim=params["dim"] + 1))
    return first, tuple(rest)


@defbatch("_pinv")
def _pinv_rule(prim, out, args, params, phys, n):
    if any(isinstance(params[k], np.ndarray) for k in ("atol", "rtol")):
        return None  # tolerances per matrix
    return prim(phys[0], **params)


@defbatch("_lu_solve", "_cdist", "_euclidean_dist")
def _same_rank_rule(prim, out, args, params, phys, n):
    """Operands with the same number of (leading) dims: every one gets the batch in front."""
    if len({a.ndim for a in args if prim.name != "_lu_solve" or a is not args[1]}) != 1:
        return None  # broadcast leading dims: the batch would not line up
    return prim(*(_full(a, p, n) for a, p in zip(args, phys, strict=True)), **params)


# -- flat indexing (take, put) and index_fill with a tensor value ---------------------------------


def _flat_offsets(index: np.ndarray, n: int, size: int) -> np.ndarray:
    """``index`` (flat positions into one sample of ``size`` elements) for each of ``n``
    samples laid end to end: sample b's positions moved by ``b * size``."""
    shifts = (np.arange(n, dtype=np.int64) * size).reshape((n,) + (1,) * np.ndim(index))
    return np.ascontiguousarray(index + shifts)


def _flat_index_rule(prim, out, args, params, phys, n, bphys=None):
    """take/put address one sample as a flat vector: the batch is n such vectors end to end.
    A batched index holds each sample's raw positions (negative ones count from its end)."""
    size = args[0].numel()
    if bphys:
        index = _index_param(params, bphys, "index", n)
        if index is None or ((index < -size) | (index >= size)).any():
            return None  # (out of range in some sample: the per-sample loop raises the op's error)
        index = np.where(index < 0, index + size, index)  # (n, *positions)
        index = np.ascontiguousarray(index + (np.arange(n, dtype=np.int64) * size).reshape((n,) + (1,) * (index.ndim - 1)))
    else:
        index = _flat_offsets(params["index"], n, size)
    inputs = [_full(a, p, n) for a, p in zip(args, phys, strict=True)]
    return prim(*inputs, **dict(params, index=index))


_flat_index_rule.batched_params = frozenset({"index"})
defbatch("_take_kernel", "_put_kernel")(_flat_index_rule)


@defbatch("_index_fill_tensor")
def _index_fill_tensor_rule(prim, out, args, params, phys, n):
    """index_fill with a 0-d tensor value: a batched value is a where over the filled slices."""
    from .._dtype import from_numpy_dtype
    from ..ops.elementwise import to_dtype, where
    from ..ops.movement import reshape

    x, value = args
    px, pv = phys
    dim, index = params["dim"], params["index"]
    if x.ndim == 0:
        return None
    if pv is None:
        return prim(px, value, **dict(params, dim=_shift(dim)))
    shape = [1] * (x.ndim + 1)
    shape[_shift(dim)] = x.shape[dim]
    mask = np.zeros(x.shape[dim], dtype=bool)
    mask[index] = True
    if pv.dtype != x.dtype:
        pv = to_dtype(pv, from_numpy_dtype(out.dtype))
    return where(_plain(mask.reshape(shape)), reshape(pv, (n,) + (1,) * x.ndim), _full(x, px, n))


def _embedding_backward_rule(prim, out, args, params, phys, n, bphys=None):
    """The gradient of n embedding lookups: one scatter into n tables stacked (each sample's
    indices moved to its table), the padding row of each zeroed after."""
    from ..ops.elementwise import where
    from ..ops.movement import reshape

    nw, pad = params["num_weights"], params["padding_idx"]
    if bphys and type(bphys["indices"]) is not Tensor:
        return None  # nested: moved indices would no longer be the outer level's batched array
    indices = _index_param(params, bphys, "indices", n)
    rows = np.arange(n, dtype=np.int64).reshape((n,) + (1,) * (indices.ndim - 1)) * nw
    r = prim(_full(args[0], phys[0], n), indices=np.ascontiguousarray(indices + rows), padding_idx=None,
             num_weights=n * nw)
    r = reshape(r, (n, *out.shape))
    if pad is None:
        return r
    keep = (np.arange(nw) != pad).reshape((1, nw) + (1,) * (out.ndim - 1))
    return where(_plain(keep), r, 0.0)


_embedding_backward_rule.batched_params = frozenset({"indices"})
defbatch("_embedding_backward")(_embedding_backward_rule)


@defbatch("_batch_norm_eval")
def _batch_norm_eval_rule(prim, out, args, params, phys, n):
    """Batch norm with fixed statistics works on trailing dims: the batch is one more leading
    dim. Batched weight or bias (per-sample gradients lift them): scaled and shifted after."""
    from .._dtype import from_numpy_dtype
    from ..ops.elementwise import to_dtype
    from ..ops.movement import reshape

    x, w, b = args
    px, pw, pb = phys
    x = _full(x, px, n)
    if pw is None and pb is None:
        return prim(x, w, b, **params)
    aff = tuple(params["affine_shape"])
    lead = (1,) * (args[0].ndim - len(aff))
    y = prim(x, None, None, **params)
    for t, p, is_weight in ((w, pw, True), (b, pb, False)):
        if t is None:
            continue
        t = reshape(_full(t, p, n), (n, *lead, *aff))
        if t.dtype != y.dtype:
            t = to_dtype(t, from_numpy_dtype(out.dtype))
        y = y * t if is_weight else y + t
    return y


@defbatch("_conv_weight_grad")
def _conv_weight_grad_rule(prim, out, args, params, phys, n):
    """A convolution's weight gradient for a batch (of cotangents, as jacrev gives): the batch
    becomes groups, sample i's input channels meeting sample i's output gradients only."""
    from ..ops.movement import movedim, reshape

    x, g = args
    if x.ndim != g.ndim:
        return None

    def grouped(a, p):  # (B, N, C, *sp) -> (N, B * C, *sp)
        s = tuple(_rep_of(p).shape) if p is not None else (n, *a.shape)
        return reshape(movedim(_full(a, p, n), 0, 1), (s[1], n * s[2], *s[3:]))

    r = prim(grouped(x, phys[0]), grouped(g, phys[1]), **dict(params, groups=params["groups"] * n))
    return reshape(r, (n, *out.shape))


@defbatch("_nll_loss_backward")
def _nll_loss_backward_rule(prim, out, args, params, phys, n):
    """nll_loss's input gradient for a batch of incoming gradients (target and weight shared),
    as jacrev over a loss gives: linear in the gradient, so a scaled unit gradient when it is a
    number (mean, sum), the batch folded into N when it has the target's shape (none)."""
    from ..ops.movement import reshape

    grad, target, weight = args
    pg, pt, pw = phys
    if pg is None or pt is not None or pw is not None or out.dtype == np.float16:
        return None
    if params["reduction"] != "none":
        unit = prim(_plain(np.ones((), out.dtype)), target, weight, **params)
        return unit * reshape(pg, (n,) + (1,) * out.ndim)
    if target.ndim == 0:  # one sample of class scores: the batch becomes N
        return prim(pg, _full(target, None, n), weight, **dict(params, shape=(n, *out.shape)))
    r = prim(_fold(pg), _fold(_full(target, None, n)), weight, **dict(params, shape=(n * out.shape[0], *out.shape[1:])))
    return _unfold(r, n)


@defbatch("_affine_grid")
def _affine_grid_rule(prim, out, args, params, phys, n):
    """affine_grid over (N, 2, 3) matrices: the batch folds into N."""
    size = tuple(params["size"])
    return _unfold(prim(_fold(phys[0]), **dict(params, size=(n * size[0], *size[1:]))), n)


@defbatch("_grid_sampler_2d")
def _grid_sample_rule(prim, out, args, params, phys, n):
    """grid_sample: the input and the grid fold the batch into N."""
    (x, g), (px, pg) = args, phys
    return _unfold(prim(_fold(_full(x, px, n)), _fold(_full(g, pg, n)), **params), n)

