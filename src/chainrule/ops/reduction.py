"""Reductions: sums, means, products, extrema, statistics, norms, cumulative ops, sorting.

Each primitive's NumPy kernel has its VJP rules right below it, written with chainrule ops
so that they differentiate again. Ops that return ``(values, indices)`` record only the
values; the indices are plain int64 tensors, passed to the rules as parameters.

# Note [Value-selecting gradients]
max/min/median/mode/kthvalue with a ``dim``, sort, topk, cummax and cummin pick input
elements by index: their gradient is the output's gradient put back at the picked indices
(``_put_along``), and the transpose of that is a gather (``_take_along``). PyTorch sends
the gradient only to the returned index, also at ties. amax/amin and max()/min() without a
dim instead share the gradient evenly among tied extrema, as PyTorch does.
"""

from __future__ import annotations

import builtins
import functools
import math
import types
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._common import _dtype_word, norm_dim, norm_dims
from ._registry import defvjp, primitive, record
from .elementwise import abs, div, eq, exp, isnan, log, logical_or, maximum, minimum, mul, sign, where
from .movement import expand, reshape, unsqueeze

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "argsort", "count_nonzero",
    "cummax", "cummin", "cumprod", "cumsum", "kthvalue", "logcumsumexp", "logsumexp", "max",
    "mean", "median", "min", "mode", "nanmean", "nansum", "norm", "prod", "sort", "std",
    "return_types", "std_mean", "sum", "topk", "unique", "var", "var_mean",
]

_make = Tensor._make


def _const(arr) -> Tensor:
    """A constant tensor (no grad) around a NumPy array, for masks and indices in rules."""
    return _make(np.asarray(arr))


# -- named tuples of results, printed as torch.return_types.<name>(...) -----------------------


def _return_type(name: str, fields: tuple) -> type:
    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self, strict=True))
        return f"torch.return_types.{name}(\n{body})"

    ns = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "_fields": fields,
          "__module__": "torch.return_types", "__reduce__": lambda self: (type(self), tuple(self)),
          "__doc__": f"The result of ``{name}``: a tuple ({', '.join(fields)}) whose items are also attributes."}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i), doc=f"Item {i} of the result, ``{f}``.")
    return type(name, (tuple,), ns)


return_types = types.ModuleType("chainrule.return_types", "Named tuples of (values, indices) results.")
for _name in ("max", "min", "median", "mode", "kthvalue", "sort", "topk", "cummax", "cummin"):
    setattr(return_types, _name, _return_type(_name, ("values", "indices")))
return_types.aminmax = _return_type("aminmax", ("min", "max"))


def _alias(prim, node_name: str, name: str):
    """The same kernel and rules as ``prim``, recorded under another node name (PyTorch names
    each output of std_mean/var_mean/aminmax by the op, not by its parts); ``name`` is how the
    op registry calls it."""
    kernel = prim.kernel

    def twin_kernel(*args, **params):
        return kernel(*args, **params)

    twin_kernel.__name__ = twin_kernel.__qualname__ = name
    twin = primitive(node_name, save_inputs=prim.save_inputs, save_result=prim.save_result)(twin_kernel)
    defvjp(twin, *prim.vjps)
    return twin


def _numpy_names(fn):
    """Accept NumPy's ``axis`` and ``keepdims`` for ``dim`` and ``keepdim``, as PyTorch's
    argument parser does (``x.sum(axis=0)``)."""

    def op(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return functools.update_wrapper(op, fn)


# -- dims -----------------------------------------------------------------------------------------


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _reduced_dims(dim, keepdim: bool, ndim: int):
    """``dim`` as sorted non-negative dims; None (reduce everything, no dims kept) stays None.

    An empty list of dims reduces everything, as in PyTorch; a 0-d tensor has no dims to
    reduce (dim 0 and -1 are accepted).
    """
    if dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0):
        return tuple(range(ndim)) if keepdim or dim is not None else None
    dims = norm_dims(dim, ndim)
    return dims if ndim else ()


def _kept_shape(shape: tuple, dims) -> tuple:
    dims = range(len(shape)) if dims is None else dims
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _keep(grad: Tensor, shape: tuple, dims, keepdim: bool) -> Tensor:
    """A reduced gradient with its reduced dims back as size 1 (it broadcasts against the input)."""
    if keepdim:
        return grad
    return reshape(grad, _kept_shape(shape, dims))


def _restore_dims(grad: Tensor, shape: tuple, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dimensions of ``shape``."""
    return expand(_keep(grad, shape, dims, keepdim), shape)


def _one_dim(input: Tensor, dim) -> int:
    return norm_dim(int(dim), input._data.ndim)


# -- gathering and putting back along a dim (Note [Value-selecting gradients]) --------------------


def _along_index(index: np.ndarray, dim: int) -> tuple:
    """A full NumPy fancy index that picks ``index`` along ``dim`` and every position elsewhere."""
    idx = []
    for i, s in enumerate(index.shape):
        if i == dim:
            idx.append(index)
        else:
            shape = [1] * index.ndim
            shape[i] = s
            idx.append(np.arange(s).reshape(shape))
    return tuple(idx)


@primitive("GatherBackward0", save_inputs=False)
def _take_along(x, *, index, dim):
    return np.take_along_axis(x, index, axis=dim)


defvjp(_take_along, lambda grad, result, x, *, index, dim: _put_along(grad, index=index, dim=dim, shape=x.shape))


@primitive("ScatterAddBackward0", save_inputs=False)
def _put_along_kernel(g, *, index, dim, shape):
    out = np.zeros(shape, dtype=g.dtype)
    if g.size:
        np.add.at(out, _along_index(index, dim), g)  # add: cummax/cummin pick an index repeatedly
    return out


defvjp(_put_along_kernel, lambda grad, result, g, *, index, dim, shape: _take_along(grad, index=index, dim=dim))


def _put_along(grad: Tensor, *, index: np.ndarray, dim: int, shape: tuple) -> Tensor:
    """A zero tensor of ``shape`` with ``grad`` added at ``index`` along ``dim``."""
    if len(shape) == 0:  # a 0-d input: its one element was picked
        return reshape(grad, ())
    return _put_along_kernel(grad, index=index, dim=dim, shape=shape)


_scatter_along = _alias(_put_along_kernel, "ScatterBackward0", "_scatter_along")


def _selected_grad(grad: Tensor, shape: tuple, index: np.ndarray, dim: int, keepdim: bool,
                   repeated: bool = False) -> Tensor:
    """The gradient of values picked at ``index`` (kept dim) along ``dim`` of an input of ``shape``;
    ``repeated`` when an index may be picked more than once (PyTorch then scatter-adds)."""
    if len(shape) == 0:
        return reshape(grad, ())
    if not keepdim:
        grad = unsqueeze(grad, dim)
    prim = _put_along_kernel if repeated else _scatter_along
    return prim(grad, index=index, dim=dim, shape=shape)


# -- flipping and shifting along a dim: the pieces of reversed cumulative sums and products ----


@primitive("FlipBackward0", save_inputs=False)
def _flip_along(x, *, dim):
    return np.flip(x, axis=dim).copy()


defvjp(_flip_along, lambda grad, result, x, *, dim: _flip_along(grad, dim=dim))


@primitive("ConstantPadNdBackward0", save_inputs=False)
def _shift_along(x, *, dim, step, fill):
    """``x`` moved ``step`` (1 or -1) places along ``dim``; the place left empty holds ``fill``."""
    out = np.full_like(x, fill)
    n = x.shape[dim]
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    src[dim], dst[dim] = (slice(0, n - 1), slice(1, n)) if step > 0 else (slice(1, n), slice(0, n - 1))
    out[tuple(dst)] = x[tuple(src)]
    return out


defvjp(_shift_along, lambda grad, result, x, *, dim, step, fill: _shift_along(grad, dim=dim, step=-step, fill=0))


def _rev_cumsum(t: Tensor, dim: int) -> Tensor:
    """``out[i] = sum(t[i:])`` along ``dim``."""
    return _flip_along(cumsum(_flip_along(t, dim=dim), dim), dim=dim)


# -- sum, nansum, mean, nanmean ------------------------------------------------------------------


@primitive("SumBackward0", save_inputs=False)
def _sum_all(x, *, dtype):
    return _half(np.sum(x, dtype=_acc(dtype)), dtype)


defvjp(_sum_all, lambda grad, result, x, *, dtype: expand(grad, x.shape))


@primitive("SumBackward1", save_inputs=False)
def _sum_dims(x, *, dims, keepdim, dtype):
    return _half(np.sum(x, axis=dims, keepdims=keepdim, dtype=_acc(dtype)), dtype)


defvjp(
    _sum_dims,
    lambda grad, result, x, *, dims, keepdim, dtype: _restore_dims(grad, x.shape, dims, keepdim),
)


def _acc(dtype):
    """The dtype to accumulate in: float16 sums run in float32, as PyTorch's do."""
    return np.float32 if np.dtype(dtype) == np.float16 else dtype


def _half(out, dtype) -> np.ndarray:
    return np.asarray(out).astype(dtype, copy=False)


def _int_to_long(input: Tensor, dtype):
    """Integers and bools sum (and multiply, accumulate) to int64, as PyTorch."""
    if dtype is not None:
        return dtype.np
    return np.dtype(np.int64) if input._data.dtype.kind in "iub" else input._data.dtype


@_numpy_names
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum of all elements, or over ``dim`` (an int or a tuple of ints).

    >>> chainrule.tensor([[1, 2], [3, 4]]).sum(0)
    tensor([4, 6])
    """
    dt = _int_to_long(input, dtype)
    d = input._data
    dims = _reduced_dims(dim, keepdim, d.ndim)
    if dims is None:
        out = np.asarray(np.sum(d, dtype=dt)) if dt != np.float16 else _sum_all.kernel(d, dtype=dt)
        return record(_sum_all, out, (input,), {"dtype": dt})
    params = {"dims": dims, "keepdim": keepdim, "dtype": dt}
    return record(_sum_dims, _sum_dims.kernel(d, **params), (input,), params)


@primitive("NansumBackward0")
def _nansum(x, *, dims, keepdim, dtype):
    return _half(np.nansum(x, axis=dims, keepdims=keepdim, dtype=_acc(dtype)), dtype)


# PyTorch multiplies by the not-NaN mask (a NaN or infinite gradient stays so there).
defvjp(_nansum, lambda grad, result, x, *, dims, keepdim, dtype: mul(
    _keep(grad, x.shape, dims, keepdim), _const(~np.isnan(x._data))))


@_numpy_names
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero."""
    dt = _int_to_long(input, dtype)
    dims = _reduced_dims(dim, keepdim, input._data.ndim)
    params = {"dims": dims, "keepdim": keepdim, "dtype": dt}
    return record(_nansum, _nansum.kernel(input._data, **params), (input,), params)


def _mean(x, axis, keepdims: bool, dtype):
    """NumPy's mean (sum, then divide), but NaN over no elements without a warning, as PyTorch."""
    n = x.size if axis is None else _numel(x.shape[i] for i in axis)
    total = np.sum(x, axis=axis, keepdims=keepdims, dtype=_acc(dtype))
    if n == 0:
        return np.full(np.shape(total), np.nan, dtype=dtype)
    return np.asarray(np.true_divide(total, n)).astype(dtype, copy=False)


@primitive("MeanBackward0", save_inputs=False)
def _mean_all(x, *, dtype):
    return _mean(x, None, False, dtype)


# An empty input has an empty gradient: max(n, 1) only avoids dividing by zero.
defvjp(_mean_all, lambda grad, result, x, *, dtype: expand(grad / builtins.max(_numel(x.shape), 1), x.shape))


@primitive("MeanBackward1", save_inputs=False)
def _mean_dims(x, *, dims, keepdim, dtype):
    return _mean(x, dims, keepdim, dtype)


defvjp(
    _mean_dims,
    lambda grad, result, x, *, dims, keepdim, dtype: _restore_dims(
        grad / builtins.max(_numel(x.shape[i] for i in dims), 1), x.shape, dims, keepdim
    ),
)


def _float_dtype(input: Tensor, dtype, name: str):
    dt = dtype.np if dtype is not None else input._data.dtype
    if np.dtype(dt).kind not in "fc":
        word = _dtype.from_numpy_dtype(dt).name.capitalize().replace("Int64", "Long")
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {word}"
        )
    return dt


@_numpy_names
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of all elements, or over ``dim``; integer tensors need an explicit float ``dtype``."""
    dt = _float_dtype(input, dtype, "mean")
    d = input._data
    dims = _reduced_dims(dim, keepdim, d.ndim)
    if dims is None:
        return record(_mean_all, _mean_all.kernel(d, dtype=dt), (input,), {"dtype": dt})
    params = {"dims": dims, "keepdim": keepdim, "dtype": dt}
    return record(_mean_dims, _mean_dims.kernel(d, **params), (input,), params)


@_numpy_names
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the elements that are not NaN (PyTorch composes it the same way: DivBackward0)."""
    _float_dtype(input, dtype, "nanmean")
    count = _make(np.asarray(np.sum(~np.isnan(input._data), axis=_reduced_dims(dim, keepdim, input._data.ndim),
                                    keepdims=keepdim)))
    return div(nansum(input, dim, keepdim, dtype=dtype), count)


# -- prod ------------------------------------------------------------------------------------------


@primitive("ProdBackward0", save_result=True)
def _prod_all(x, *, dtype):
    return np.asarray(np.prod(x, dtype=dtype))


defvjp(_prod_all, lambda grad, result, x, *, dtype: _prod_vjp(grad, result, x, None, False))


@primitive("ProdBackward1", save_result=True)
def _prod_dim(x, *, dim, keepdim, dtype):
    return np.asarray(np.prod(x, axis=dim, keepdims=keepdim, dtype=dtype))


defvjp(_prod_dim, lambda grad, result, x, *, dim, keepdim, dtype: _prod_vjp(grad, result, x, dim, keepdim))


def _prod_vjp(grad, result, x, dim, keepdim):
    """``grad * result / x`` without zeros, as PyTorch; with zeros, ``grad`` times the product of
    the other elements (prefix and suffix cumprods: exact, and right to any order)."""
    if x.ndim == 0:
        return grad
    dims = None if dim is None else (dim,)
    g = _keep(grad, x.shape, dims, keepdim)
    if not (x._data == 0).any():
        return g * (_keep(result, x.shape, dims, keepdim) / x)
    if dim is None:
        return reshape(g * _prod_of_others(reshape(x, (-1,)), 0), x.shape)
    return g * _prod_of_others(x, dim)


def _prod_of_others(x: Tensor, dim: int) -> Tensor:
    """``out[i] = prod(x[j] for j != i)`` along ``dim``, exact with zeros: prefix times suffix."""
    before = cumprod(_shift_along(x, dim=dim, step=1, fill=1), dim)
    after = _flip_along(cumprod(_flip_along(_shift_along(x, dim=dim, step=-1, fill=1), dim=dim), dim), dim=dim)
    return before * after


@_numpy_names
def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product of all elements, or along one ``dim``; integers multiply to int64."""
    dt = _int_to_long(input, dtype)
    d = input._data
    if dim is None:
        return record(_prod_all, _prod_all.kernel(d, dtype=dt), (input,), {"dtype": dt})
    dim = _one_dim(input, dim)
    if d.ndim == 0:
        return record(_prod_dim, np.asarray(d, dtype=dt).copy(), (input,), {"dim": 0, "keepdim": keepdim, "dtype": dt})
    params = {"dim": dim, "keepdim": keepdim, "dtype": dt}
    return record(_prod_dim, _prod_dim.kernel(d, **params), (input,), params)


# -- extrema ---------------------------------------------------------------------------------------


def _evenly(grad: Tensor, result: Tensor, x: Tensor) -> Tensor:
    """max()/min()/median() without a dim: the gradient shared by every element equal to the
    result (by every NaN when the result is NaN), as PyTorch's evenly_distribute_backward."""
    xd, rd = x._data, result._data
    mask = np.isnan(xd) if np.isnan(rd) else xd == rd
    return where(_const(mask), grad / int(mask.sum()), 0.0)


@primitive("MaxBackward1", save_result=True)
def _max_all(x):
    return np.asarray(np.max(x))


defvjp(_max_all, lambda grad, result, x: _evenly(grad, result, x))


@primitive("MinBackward1", save_result=True)
def _min_all(x):
    return np.asarray(np.min(x))


defvjp(_min_all, lambda grad, result, x: _evenly(grad, result, x))


@primitive("MaxBackward0", save_inputs=False)
def _max_pick(x, *, dim, keepdim, index, flags=()):
    """The values of ``x`` at ``index`` along ``dim`` (a kept dim of size 1, or k positions).

    ``flags``: the op's own arguments that decided ``index`` (topk's ``largest``, sort's
    ``descending``, kthvalue's ``k``), as ``(name, value)`` pairs; unused here, they let vmap's
    batching rule run the op again on the whole batch."""
    if x.ndim == 0:
        return x.copy()
    out = np.take_along_axis(x, index, axis=dim)
    return out if keepdim else np.squeeze(out, axis=dim)


defvjp(_max_pick, lambda grad, result, x, *, dim, keepdim, index, flags=(): _selected_grad(
    grad, x.shape, index, dim, keepdim))

_min_pick = _alias(_max_pick, "MinBackward0", "_min_pick")
_median_pick = _alias(_max_pick, "MedianBackward1", "_median_pick")
_mode_pick = _alias(_max_pick, "ModeBackward0", "_mode_pick")
_kthvalue_pick = _alias(_max_pick, "KthvalueBackward0", "_kthvalue_pick")
_sort_pick = _alias(_max_pick, "SortBackward0", "_sort_pick")
_topk_pick = _alias(_max_pick, "TopkBackward0", "_topk_pick")
_sort_stable_pick = _alias(_max_pick, "SortBackward1", "_sort_stable_pick")


# cummax/cummin pick an index repeatedly: their gradient adds up there.
@primitive("CummaxBackward0", save_inputs=False)
def _cummax_pick(x, *, dim, keepdim, index, flags=()):
    return _max_pick.kernel(x, dim=dim, keepdim=keepdim, index=index)


defvjp(_cummax_pick, lambda grad, result, x, *, dim, keepdim, index, flags=(): _selected_grad(
    grad, x.shape, index, dim, keepdim, repeated=True))
_cummin_pick = _alias(_cummax_pick, "CumminBackward0", "_cummin_pick")


def _picked(prim, rtype, input: Tensor, dim: int, keepdim: bool, index: np.ndarray, flags: tuple = ()):
    """``rtype(values, indices)`` for ``index`` (int64, the reduced dim kept) along ``dim``;
    ``flags`` as for ``_max_pick``."""
    d = input._data
    params = {"dim": dim, "keepdim": keepdim, "index": index}
    if flags:
        params["flags"] = flags
    values = record(prim, _max_pick.kernel(d, **params), (input,), params)
    if d.ndim == 0:
        indices = np.zeros((), dtype=np.int64)
    else:
        indices = index if keepdim else np.squeeze(index, axis=dim)
    return rtype(values, _const(np.array(indices, dtype=np.int64, order="C")))


def _check_reduction_dim(name: str, d: np.ndarray, dim: int | None) -> None:
    if dim is None:
        if d.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                "reduction dim with the 'dim' argument."
            )
    elif d.ndim and d.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _arg_extreme(d: np.ndarray, dim: int, largest: bool) -> np.ndarray:
    """Index of the first maximum (minimum) along ``dim``, kept as a size-1 dim; NaN wins."""
    if d.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if d.shape[dim] == 0 or d.size == 0:
        shape = list(d.shape)
        shape[dim] = 1
        return np.zeros(shape, dtype=np.int64)
    f = np.argmax if largest else np.argmin
    return np.expand_dims(f(d, axis=dim), dim).astype(np.int64)


def _extremum(name, input, dim, keepdim, other, largest: bool):
    if isinstance(dim, Tensor) or other is not None:
        return _binary_extremum(input, dim if other is None else other, largest)
    d = input._data
    if dim is None:
        _check_reduction_dim(name, d, None)
        prim = _max_all if largest else _min_all
        return record(prim, prim.kernel(d), (input,), None)
    dim = _one_dim(input, dim)
    _check_reduction_dim(name, d, dim)
    index = _arg_extreme(d, dim, largest)
    rtype = return_types.max if largest else return_types.min
    return _picked(_max_pick if largest else _min_pick, rtype, input, dim, keepdim, index)


def _binary_extremum(input, other, largest: bool):
    # max(a, b) is maximum(a, b): ties share the gradient evenly there.
    return maximum(input, other) if largest else minimum(input, other)


@_numpy_names
def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``maximum``.

    >>> chainrule.max(chainrule.tensor([[1, 5], [4, 2]]), 1)
    torch.return_types.max(
    values=tensor([5, 4]),
    indices=tensor([1, 0]))
    """
    return _extremum("max", input, dim, keepdim, other, True)


@_numpy_names
def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor, ``minimum``."""
    return _extremum("min", input, dim, keepdim, other, False)


@primitive("AmaxBackward0", save_result=True)
def _amax(x, *, dims, keepdim):
    return np.asarray(np.amax(x, axis=dims, keepdims=keepdim))


def _amax_vjp(grad, result, x, *, dims, keepdim):
    """Ties share the gradient evenly (a NaN result makes its slice's gradient NaN, as PyTorch)."""
    r = result._data if keepdim else result._data.reshape(_kept_shape(x.shape, dims))
    mask = x._data == r
    count = np.sum(mask, axis=dims, keepdims=True).astype(x._data.dtype)
    with np.errstate(divide="ignore"):
        return mul(div(_keep(grad, x.shape, dims, keepdim), _const(count)), _const(mask))


defvjp(_amax, _amax_vjp)


@primitive("AminBackward0", save_result=True)
def _amin(x, *, dims, keepdim):
    return np.asarray(np.amin(x, axis=dims, keepdims=keepdim))


defvjp(_amin, _amax_vjp)

_aminmax_min = _alias(_amin, "AminmaxBackward0", "_aminmax_min")
_aminmax_max = _alias(_amax, "AminmaxBackward0", "_aminmax_max")


def _amax_dims(name: str, input: Tensor, dim, keepdim: bool) -> tuple:
    d = input._data
    dims = _reduced_dims(() if dim is None else dim, keepdim, d.ndim) or tuple(range(d.ndim))
    for i in dims:
        _check_reduction_dim(name, d, i)
    if d.size == 0 and len(dims) == d.ndim and d.ndim:
        _check_reduction_dim(name, d, None)
    return dims


@_numpy_names
def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all dims by default); ties share the gradient evenly."""
    params = {"dims": _amax_dims("amax", input, dim, keepdim), "keepdim": keepdim}
    return record(_amax, _amax.kernel(input._data, **params), (input,), params)


@_numpy_names
def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all dims by default); ties share the gradient evenly."""
    params = {"dims": _amax_dims("amin", input, dim, keepdim), "keepdim": keepdim}
    return record(_amin, _amin.kernel(input._data, **params), (input,), params)


@_numpy_names
def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (or over everything)."""
    d = input._data
    if dim is None:
        _check_reduction_dim("aminmax", d, None)
        dims = tuple(range(d.ndim))
    else:
        dims = (_one_dim(input, dim),) if d.ndim else ()
        for i in dims:
            _check_reduction_dim("aminmax", d, i)
    params = {"dims": dims, "keepdim": keepdim}
    lo = record(_aminmax_min, _amin.kernel(d, **params), (input,), params)
    hi = record(_aminmax_max, _amax.kernel(d, **params), (input,), params)
    return return_types.aminmax(lo, hi)


def _argextreme(name: str, input: Tensor, dim, keepdim: bool, largest: bool) -> Tensor:
    d = input._data
    if d.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if d.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        flat = np.asarray((np.argmax if largest else np.argmin)(d.reshape(-1)), dtype=np.int64)
        return _const(flat.reshape((1,) * d.ndim) if keepdim else flat)
    dim = _one_dim(input, dim)
    _check_reduction_dim(name, d, dim)
    index = _arg_extreme(d, dim, largest)
    return _const(index if keepdim or d.ndim == 0 else np.squeeze(index, axis=dim))


@_numpy_names
def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) largest element, of the flattened tensor unless ``dim`` is given."""
    return _argextreme("argmax", input, dim, keepdim, True)


@_numpy_names
def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) smallest element, of the flattened tensor unless ``dim`` is given."""
    return _argextreme("argmin", input, dim, keepdim, False)


# -- variance and standard deviation -----------------------------------------------------------


def _var_kernel(x, dims, correction, keepdim):
    n = _numel(x.shape[i] for i in dims)
    with np.errstate(divide="ignore", invalid="ignore"):
        if n == 0:
            return np.full(_kept_shape(x.shape, dims) if keepdim else
                           tuple(s for i, s in enumerate(x.shape) if i not in dims), np.nan, dtype=x.dtype)
        wide = x.astype(_acc(x.dtype), copy=False)
        centred = wide - np.mean(wide, axis=dims, keepdims=True)
        total = np.sum(centred * centred, axis=dims, keepdims=keepdim)
        return np.asarray(np.true_divide(total, builtins.max(n - correction, 0))).astype(x.dtype, copy=False)


@primitive("VarBackward0")
def _var(x, *, dims, correction, keepdim):
    return _var_kernel(x, dims, correction, keepdim)


def _var_vjp(grad, result, x, *, dims, correction, keepdim):
    n = _numel(x.shape[i] for i in dims) - correction
    scale = 2.0 / n if n != 0 else math.inf
    return scale * _keep(grad, x.shape, dims, keepdim) * (x - mean(x, dims, keepdim=True))


defvjp(_var, _var_vjp)


@primitive("StdBackward0", save_result=True)
def _std(x, *, dims, correction, keepdim):
    return np.asarray(np.sqrt(_var_kernel(x, dims, correction, keepdim)))  # a 0-d array, not a NumPy scalar


def _std_vjp(grad, result, x, *, dims, correction, keepdim):
    # Zero where the deviation is zero, as PyTorch (not the infinite slope of sqrt at 0).
    zero = _const(result._data == 0)
    grad_var = where(zero, 0.0, grad / (2 * where(zero, 1.0, result)))  # no 1/0 in its own derivatives
    return _var_vjp(grad_var, None, x, dims=dims, correction=correction, keepdim=keepdim)


defvjp(_std, _std_vjp)

_std_of_std_mean = _alias(_std, "StdMeanBackward0", "_std_of_std_mean")
_mean_of_std_mean = _alias(_mean_dims, "StdMeanBackward0", "_mean_of_std_mean")
_var_of_var_mean = _alias(_var, "VarMeanBackward0", "_var_of_var_mean")
_mean_of_var_mean = _alias(_mean_dims, "VarMeanBackward0", "_mean_of_var_mean")


def _var_args(name: str, input: Tensor, dim, unbiased, keepdim: bool, correction) -> dict:
    """PyTorch's var/std overloads: ``(dim, unbiased, keepdim)``, ``(unbiased)`` or ``correction=``."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments: unbiased given twice")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(
            f"{name}() received an invalid combination of arguments: give either unbiased or correction, not both"
        )
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = _reduced_dims(() if dim is None else dim, keepdim, d.ndim) or tuple(range(d.ndim))
    if _numel(d.shape[i] for i in dims) - correction <= 0:
        base = name.split("_")[0]
        warnings.warn(
            f"{base}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
            "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return {"dims": dims, "correction": correction, "keepdim": keepdim}


@_numpy_names
def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim`` (all dims by default), divided by ``N - correction`` (1: unbiased)."""
    params = _var_args("var", input, dim, unbiased, keepdim, correction)
    return record(_var, _var.kernel(input._data, **params), (input,), params)


@_numpy_names
def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim`` (all dims by default); see ``var`` for ``correction``."""
    params = _var_args("std", input, dim, unbiased, keepdim, correction)
    return record(_std, _std.kernel(input._data, **params), (input,), params)


def _with_mean(prim, mean_prim, name, input, dim, unbiased, keepdim, correction) -> tuple:
    params = _var_args(name, input, dim, unbiased, keepdim, correction)
    spread = record(prim, prim.kernel(input._data, **params), (input,), params)
    mparams = {"dims": params["dims"], "keepdim": keepdim, "dtype": input._data.dtype}
    return spread, record(mean_prim, _mean_dims.kernel(input._data, **mparams), (input,), mparams)


@_numpy_names
def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(var, mean)`` over ``dim``."""
    return _with_mean(_var_of_var_mean, _mean_of_var_mean, "var_mean", input, dim, unbiased, keepdim, correction)


@_numpy_names
def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(std, mean)`` over ``dim``."""
    return _with_mean(_std_of_std_mean, _mean_of_std_mean, "std_mean", input, dim, unbiased, keepdim, correction)


# -- logsumexp and norms -------------------------------------------------------------------------


# A primitive rather than log(sum(exp(x))) for stability: the largest element is taken out first.
@primitive("LogsumexpBackward0", save_result=True)
def _logsumexp(x, *, dims, keepdim):
    if x.size == 0:
        return np.full(_kept_shape(x.shape, dims) if keepdim else
                       tuple(s for i, s in enumerate(x.shape) if i not in dims), -np.inf, dtype=x.dtype)
    m = np.amax(x, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return np.asarray(out if keepdim else np.squeeze(out, axis=dims))


defvjp(_logsumexp, lambda grad, result, x, *, dims, keepdim: _keep(grad, x.shape, dims, keepdim) * exp(
    x - _keep(result, x.shape, dims, keepdim)))


@_numpy_names
def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow."""
    if input._data.dtype.kind not in "fc":
        from .elementwise import to_dtype

        input = to_dtype(input, _dtype.get_default_dtype())
    d = input._data
    dims = _reduced_dims(dim, keepdim, d.ndim) or tuple(range(d.ndim))
    params = {"dims": dims, "keepdim": keepdim}
    return record(_logsumexp, _logsumexp.kernel(d, **params), (input,), params)


@primitive("LinalgVectorNormBackward0", save_result=True)
def _vector_pnorm(x, *, ord, dims, keepdim):
    a = np.abs(x)
    if ord == math.inf:
        out = np.amax(a, axis=dims, keepdims=keepdim)
    elif ord == -math.inf:
        out = np.amin(a, axis=dims, keepdims=keepdim)
    elif ord == 0:
        out = np.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
    elif ord == 1:
        out = np.sum(a, axis=dims, keepdims=keepdim)
    elif ord == 2:
        out = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
    else:
        with np.errstate(divide="ignore"):
            out = np.sum(a**ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)
    return np.asarray(out, dtype=a.dtype)


def _vector_norm_vjp(grad, result, x, *, ord, dims, keepdim):
    """PyTorch's subgradients of a vector norm (also linalg.vector_norm's rule): zero where
    the norm is zero (NaN there for a NaN or infinite gradient); inf norms share the gradient
    evenly among the tied extrema (NaNs included)."""
    if ord == 0:
        return None  # the norm counts non-zeros: no gradient flows (PyTorch: the input is unused)
    g = _keep(grad, x.shape, dims, keepdim)
    norm = _keep(result, x.shape, dims, keepdim)
    if ord == 1:
        return sign(x) * g
    if ord in (math.inf, -math.inf):
        ax = abs(x)
        mask = logical_or(eq(ax, norm), isnan(ax)).to(x.dtype)
        return sign(x) * (g / sum(mask, dims, keepdim=True)) * mask
    zero = eq(norm, 0)
    safe = where(zero, 1.0, norm)  # same values; keeps 1/0 out of the rule's own derivatives
    if ord == 2:
        return g * where(zero, 0.0, x / safe)
    ax = abs(x)
    if ord < 1:  # |x|^(ord-1) is infinite at x = 0, where the sign makes the term 0
        return sign(x) * where(eq(ax, 0), 1.0, ax) ** (ord - 1) * (g * norm ** (1 - ord))
    scaled = sign(x) * ax ** (ord - 1) if ord < 2 else x * ax ** (ord - 2)
    return scaled * where(zero, 0.0, g / safe ** (ord - 1))


defvjp(_vector_pnorm, _vector_norm_vjp)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """The vector ``p``-norm over ``dim`` (all elements by default); ``'fro'`` is the 2-norm.

    >>> chainrule.norm(chainrule.tensor([3.0, -4.0]))
    tensor(5.)
    """
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{_dtype_word(d.dtype)}"
        )
    if p == "nuc":  # the sum of singular values: a matrix norm (PyTorch's node is SumBackward1)
        try:
            from ..linalg import matrix_norm
        except ImportError:
            raise NotImplementedError("norm(p='nuc') needs chainrule.linalg, which is not available") from None
        if dim is None and d.ndim != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, range(d.ndim)))}")
        return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim, dtype=dtype)
    if p is None or p == "fro":
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if dtype is not None:
        from .elementwise import to_dtype

        input = to_dtype(input, dtype)
        d = input._data
    dims = _reduced_dims(() if dim is None else dim, keepdim, d.ndim) or tuple(range(d.ndim))
    if p in (math.inf, -math.inf) and d.size == 0:
        where_ = "an empty tensor " if dim is None else next(
            (f"the dimension {i}" for i in dims if d.shape[i] == 0), None)
        if where_ is not None:  # (PyTorch's message has no space after the dimension)
            raise RuntimeError(f"linalg.vector_norm cannot compute the {'-' if p < 0 else ''}inf norm on {where_}because "
                               f"{'this dimension is empty and ' if dim is not None else ''}the operation "
                               "does not have an identity")
    params = {"ord": float(p), "dims": dims, "keepdim": keepdim}
    return record(_vector_pnorm, _vector_pnorm.kernel(d, **params), (input,), params)


# -- cumulative ops ------------------------------------------------------------------------------


@primitive("CumsumBackward0", save_inputs=False)
def _cumsum(x, *, dim, dtype):
    return _half(np.cumsum(x, axis=dim, dtype=_acc(dtype)), dtype) if x.ndim else np.asarray(x, dtype=dtype).copy()


defvjp(_cumsum, lambda grad, result, x, *, dim, dtype: _rev_cumsum(grad, dim) if x.ndim else grad)


@_numpy_names
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along ``dim``; integers accumulate in int64."""
    params = {"dim": _one_dim(input, dim), "dtype": _int_to_long(input, dtype)}
    return record(_cumsum, _cumsum.kernel(input._data, **params), (input,), params)


@primitive("CumprodBackward0", save_result=True)
def _cumprod(x, *, dim, dtype):
    return np.cumprod(x, axis=dim, dtype=dtype) if x.ndim else np.asarray(x, dtype=dtype).copy()


def _cumprod_vjp(grad, result, x, *, dim, dtype=None):
    """``sum(grad[i] * prod(x[k] for k <= i, k != j) for i >= j)``, exact with zeros.

    Before the first zero ``x[z]`` of a slice it is a reversed cumsum divided by ``x[j]``. At
    and after it, it is ``x[z]`` times (after) the same expression for ``x`` with ``x[z]``
    replaced by 1 (fewer zeros: the recursion ends). The factor ``x[z]`` is zero, but keeps
    the second derivative with respect to ``x[z]`` right.
    """
    if x.ndim == 0:
        return grad
    zeros = x._data == 0
    if not zeros.any():
        return _rev_cumsum(grad * result, dim) / x
    seen = np.cumsum(zeros, axis=dim)
    before, first = _const(seen == 0), _const(zeros & (seen == 1))
    lifted = where(first, 1.0, x)
    others = _cumprod_vjp(grad, cumprod(lifted, dim), lifted, dim=dim)
    x_first = sum(where(first, x, 0.0), dim, keepdim=True)
    return where(before, _rev_cumsum(grad * result, dim) / where(before, x, 1.0),
                 where(first, others, x_first * others))


defvjp(_cumprod, _cumprod_vjp)


@_numpy_names
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running products along ``dim``; integers accumulate in int64."""
    params = {"dim": _one_dim(input, dim), "dtype": _int_to_long(input, dtype)}
    return record(_cumprod, _cumprod.kernel(input._data, **params), (input,), params)


def _cum_extreme(input: Tensor, dim, largest: bool):
    d = input._data
    dim = _one_dim(input, dim)
    if d.ndim == 0:
        index = np.zeros((), dtype=np.int64)
    else:
        acc = (np.maximum if largest else np.minimum).accumulate(d, axis=dim)
        hit = (d == acc) | (np.isnan(d) & np.isnan(acc)) if d.dtype.kind in "fc" else d == acc
        shape = [1] * d.ndim
        shape[dim] = d.shape[dim]
        positions = np.where(hit, np.arange(d.shape[dim]).reshape(shape), -1)
        index = np.maximum.accumulate(positions, axis=dim) if d.size else positions
        index = index.astype(np.int64)
    rtype = return_types.cummax if largest else return_types.cummin
    return _picked(_cummax_pick if largest else _cummin_pick, rtype, input, dim, True, index)


@_numpy_names
def cummax(input: Tensor, dim: int):
    """Running maxima along ``dim`` and where each was found (the latest index at ties)."""
    return _cum_extreme(input, dim, True)


@_numpy_names
def cummin(input: Tensor, dim: int):
    """Running minima along ``dim`` and where each was found (the latest index at ties)."""
    return _cum_extreme(input, dim, False)


@primitive("LogcumsumexpBackward0", save_result=True)
def _logcumsumexp(x, *, dim):
    return np.logaddexp.accumulate(x, axis=dim) if x.ndim else x.copy()


def _logcumsumexp_vjp(grad, result, x, *, dim):
    """``sum(grad[i] * exp(x[j] - result[i]) for i >= j)`` in log space, the positive and the
    negative parts of ``grad`` apart, so that large inputs do not overflow."""
    if x.ndim == 0:
        return grad
    out = None
    for part, sgn in ((grad._data > 0, 1.0), (grad._data < 0, -1.0)):
        mask = _const(part)
        # A very negative finite "log 0": -inf would make the next derivative NaN.
        log_g = where(mask, log(where(mask, grad * sgn, 1.0)), float(np.finfo(grad._data.dtype).min) / 8)
        term = exp(_flip_along(logcumsumexp(_flip_along(log_g - result, dim=dim), dim), dim=dim) + x)
        out = term * sgn if out is None else out + term * sgn
    return out


defvjp(_logcumsumexp, _logcumsumexp_vjp)


@_numpy_names
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow."""
    if input._data.dtype.kind not in "fc":
        from .elementwise import to_dtype

        input = to_dtype(input, _dtype.get_default_dtype())
    params = {"dim": _one_dim(input, dim)}
    return record(_logcumsumexp, _logcumsumexp.kernel(input._data, **params), (input,), params)


# -- logical reductions and counting ---------------------------------------------------------------


def _logical_reduction(ufunc, input: Tensor, dim, keepdim: bool) -> Tensor:
    d = input._data
    dims = _reduced_dims(dim, keepdim, d.ndim)
    out = np.asarray(ufunc(d != 0, axis=dims, keepdims=keepdim))
    return _const(out.astype(np.uint8) if d.dtype == np.uint8 else out)


@_numpy_names
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether every element (over ``dim``) is non-zero; uint8 stays uint8, others give bool."""
    return _logical_reduction(np.all, input, dim, keepdim)


@_numpy_names
def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether some element (over ``dim``) is non-zero; uint8 stays uint8, others give bool."""
    return _logical_reduction(np.any, input, dim, keepdim)


@_numpy_names
def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements (over ``dim``), as int64."""
    d = input._data
    dims = None if dim is None else (norm_dims(dim, d.ndim) if d.ndim else ())
    return _const(np.asarray(np.count_nonzero(d, axis=dims), dtype=np.int64))


# -- order statistics and sorting --------------------------------------------------------------


def _stable_argsort(d: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """PyTorch's stable order: equal elements keep their order, NaN counts as the largest."""
    if not descending:
        return np.argsort(d, axis=dim, kind="stable")
    n = d.shape[dim]
    rev = np.flip(d, axis=dim)
    return (n - 1 - np.flip(np.argsort(rev, axis=dim, kind="stable"), axis=dim)).astype(np.int64)


@primitive("MedianBackward0", save_result=True)
def _median_all(x):
    flat = np.sort(x.reshape(-1))
    if flat.size and np.isnan(flat[-1]):
        return np.asarray(np.nan, dtype=x.dtype)
    if flat.size:
        return np.asarray(flat[(flat.size - 1) // 2])
    # Nothing to pick: NaN, or (as PyTorch returns) the integer type's lowest value.
    return np.asarray(np.nan if x.dtype.kind == "f" else np.iinfo(x.dtype).min, dtype=x.dtype)


defvjp(_median_all, lambda grad, result, x: _evenly(grad, result, x))


@_numpy_names
def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of all elements; with ``dim``, ``(values, indices)`` along it. NaN wins."""
    d = input._data
    if d.dtype.kind == "b" and d.size:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if dim is None:
        return record(_median_all, _median_all.kernel(d), (input,), None)
    dim = _one_dim(input, dim)
    _check_reduction_dim("median", d, dim)
    if d.ndim == 0:
        return _picked(_median_pick, return_types.median, input, 0, keepdim, np.zeros((), np.int64))
    order = np.argsort(d, axis=dim, kind="stable")
    n = d.shape[dim]
    nans = np.sum(np.isnan(d), axis=dim, keepdims=True) if d.dtype.kind == "f" else np.zeros(1, np.int64)
    pos = np.where(nans > 0, n - nans, (n - 1) // 2)
    index = np.take_along_axis(order, pos.astype(np.int64) + np.zeros_like(np.take(order, [0], axis=dim)), axis=dim)
    return _picked(_median_pick, return_types.median, input, dim, keepdim, index.astype(np.int64))


@_numpy_names
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and its
    last index."""
    d = input._data
    dim = _one_dim(input, dim)
    if d.ndim == 0:
        return _picked(_mode_pick, return_types.mode, input, 0, keepdim, np.zeros((), np.int64))
    _check_reduction_dim("mode", d, dim)
    index = np.expand_dims(_mode_index(np.moveaxis(d, dim, -1)), dim)
    return _picked(_mode_pick, return_types.mode, input, dim, keepdim, index)


def _mode_index(rows: np.ndarray) -> np.ndarray:
    """Per row (last dim): the last index of the most frequent value, the smallest at ties."""
    m = rows.shape[-1]
    ordered = np.sort(rows, axis=-1)
    pos = np.arange(m)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    # Each sorted position's count so far within its run of equal values.
    run = pos - np.maximum.accumulate(np.where(starts, pos, 0), axis=-1) + 1
    # The first position reaching the longest run ends the smallest most frequent value.
    best = np.take_along_axis(ordered, np.argmax(run == run.max(axis=-1, keepdims=True), axis=-1)[..., None], -1)
    last = m - 1 - np.argmax(np.flip(rows == best, axis=-1), axis=-1)
    return last.astype(np.int64)


@_numpy_names
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest value along ``dim`` and its index."""
    d = input._data
    dim = _one_dim(input, dim)
    n = d.shape[dim] if d.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if d.ndim == 0:
        return _picked(_kthvalue_pick, return_types.kthvalue, input, 0, keepdim, np.zeros((), np.int64))
    index = np.take(np.argsort(d, axis=dim, kind="stable"), [k - 1], axis=dim)
    return _picked(_kthvalue_pick, return_types.kthvalue, input, dim, keepdim, index.astype(np.int64), (("k", k),))


@_numpy_names
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool | None = None):
    """``(values, indices)`` sorted along ``dim`` (always stably; NaN sorts as the largest)."""
    d = input._data
    dim = _one_dim(input, dim)
    index = np.zeros((), np.int64) if d.ndim == 0 else _stable_argsort(d, dim, descending).astype(np.int64)
    # Naming `stable` selects PyTorch's other overload, whose node is SortBackward1.
    prim = _sort_pick if stable is None else _sort_stable_pick
    return _picked(prim, return_types.sort, input, dim, True, index, (("descending", descending),))


@_numpy_names
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    d = input._data
    dim = _one_dim(input, dim)
    return _const(np.zeros((), np.int64) if d.ndim == 0 else _stable_argsort(d, dim, descending).astype(np.int64))


@_numpy_names
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, in order."""
    d = input._data
    dim = _one_dim(input, dim)
    n = d.shape[dim] if d.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if d.ndim == 0:
        index = np.zeros((), np.int64)
    else:
        index = np.take(_stable_argsort(d, dim, largest), np.arange(k), axis=dim).astype(np.int64)
    return _picked(_topk_pick, return_types.topk, input, dim, True, index, (("largest", largest),))


# PyTorch records unique's output but has no derivative for it: backward raises.
@primitive("Unique2Backward0", save_inputs=False)
def _unique(x):
    return np.unique(x)


defvjp(_unique, lambda grad, result, x: _raise_not_implemented("_unique2"))


@primitive("UniqueDimBackward0", save_inputs=False)
def _unique_dim(x, *, dim):
    return np.unique(x, axis=dim)


defvjp(_unique_dim, lambda grad, result, x, *, dim: _raise_not_implemented("unique_dim"))


def _raise_not_implemented(name: str):
    raise NotImplementedError(f"the derivative for '{name}' is not implemented.")


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim=None):
    """The distinct elements (sorted), optionally with each element's position in them and counts."""
    d = input._data
    if dim is not None:
        dim = _one_dim(input, dim)
        values, inverse, counts = np.unique(d, return_inverse=True, return_counts=True, axis=dim)
        out = record(_unique_dim, values, (input,), {"dim": dim})
    else:
        values, inverse, counts = np.unique(d, return_inverse=True, return_counts=True)
        out = record(_unique, values, (input,), None)
        inverse = inverse.reshape(d.shape)
    extra = []
    if return_inverse:
        extra.append(_const(inverse.astype(np.int64).reshape(-1) if dim is not None else inverse.astype(np.int64)))
    if return_counts:
        extra.append(_const(counts.astype(np.int64)))
    return (out, *extra) if extra else out


# -- in-place forms (Tensor methods only, as in PyTorch) -------------------------------------------


def _cumsum_inplace(self: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``x.cumsum_(dim)``: running sums written into ``x``."""
    from ._common import apply_inplace

    return apply_inplace(self, "cumsum_", lambda x: cumsum(x, dim, dtype=dtype), ())


def _cumprod_inplace(self: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``x.cumprod_(dim)``: running products written into ``x``."""
    from ._common import apply_inplace

    return apply_inplace(self, "cumprod_", lambda x: cumprod(x, dim, dtype=dtype), ())


# -- more ops PyTorch programs use: searching, counting, statistics ---------------------------------
# Index and count results are computed with NumPy (no gradient); the differentiable ones are
# compositions of the ops above, so their gradients of any order follow.

__all__ += [
    "searchsorted", "bucketize", "isin", "histc", "bincount", "unique_consecutive", "diff", "trapezoid",
    "trapz", "cumulative_trapezoid", "dist", "quantile", "nanquantile", "nanmedian", "cov", "corrcoef",
    "renorm", "msort", "cosine_similarity", "pairwise_distance", "chain_matmul",
]

return_types.nanmedian = _return_type("nanmedian", ("values", "indices"))
return_types.frexp = _return_type("frexp", ("mantissa", "exponent"))


def _scalar_tensor(x, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    from .._creation import tensor

    return tensor(x)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """For each value of ``input``, the index at which inserting it into the innermost dim of
    ``sorted_sequence`` keeps it sorted (the first such index; the last with ``right`` or
    ``side='right'``). ``sorter`` gives the order that sorts an unsorted sequence."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = _scalar_tensor(input)._data
    seq = sorted_sequence._data
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq.shape)}and got sorter tensor {list(sorter._data.shape)}")
        seq = np.take_along_axis(seq, sorter._data, axis=-1) if seq.ndim else seq
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    how = "right" if right else "left"
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side=how)
    else:
        if scalar or values.ndim != seq.ndim or values.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
        rows_s = seq.reshape(-1, seq.shape[-1])
        rows_v = values.reshape(-1, values.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(rows_s, rows_v, strict=True)]) \
            if rows_s.shape[0] else np.zeros(rows_v.shape, np.int64)
        out = out.reshape(values.shape)
    return _const(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The index of the bucket of each value of ``input`` among the 1-d, sorted ``boundaries``
    (``boundaries[i-1] < x <= boundaries[i]``; ``<=``/``<`` swapped with ``right``)."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (its negation with ``invert``)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got (number, number)")
    a = _scalar_tensor(elements)._data
    b = _scalar_tensor(test_elements)._data
    if isinstance(elements, Tensor) and isinstance(test_elements, Tensor):
        rt = _dtype.result_type(elements, test_elements).np
        a, b = a.astype(rt, copy=False), b.astype(rt, copy=False)
    return _const(np.isin(a, b, invert=invert))


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """A histogram of ``input``'s values: ``bins`` equal-width bins over ``[min, max]`` (the data's
    range when both are 0); values outside are ignored, ``max`` itself counts in the last bin."""
    d = input._data
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_dtype_word(d.dtype)}'")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and d.size:
        lo, hi = float(np.min(d)), float(np.max(d))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    x = d.reshape(-1)
    x = x[(x >= lo) & (x <= hi)].astype(np.float64)
    idx = np.minimum(((x - lo) * bins / (hi - lo)).astype(np.int64), bins - 1)
    return _const(np.bincount(idx, minlength=bins).astype(d.dtype))


@primitive("NotImplemented", save_inputs=False)
def _bincount_weighted(w, *, index, minlength):
    out = np.bincount(index, weights=w.astype(np.float64), minlength=minlength)
    return out.astype(w.dtype if w.dtype == np.float32 else np.float64)


def _bincount_no_derivative(grad, result, w, *, index, minlength):
    raise RuntimeError("derivative for aten::bincount is not implemented")


defvjp(_bincount_weighted, _bincount_no_derivative)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs in the 1-d ``input`` (its ``weights`` summed
    instead, when given); at least ``minlength`` bins."""
    d = input._data
    if d.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_dtype_word(d.dtype)}'")
    if d.ndim != 1 or (d.size and d.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _const(np.bincount(d.astype(np.int64), minlength=minlength).astype(np.int64))
    if weights._data.ndim != 1 or weights._data.shape[0] != d.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = weights if weights._data.dtype.kind == "f" else weights.to(_dtype.float64)
    params = {"index": d.astype(np.int64), "minlength": int(minlength)}
    return record(_bincount_weighted, _bincount_weighted.kernel(w._data, **params), (w,), params)


def _run_starts(d: np.ndarray, dim) -> np.ndarray:
    """Where each run of equal consecutive elements (slices along ``dim``) starts, as a mask."""
    if dim is None:
        flat = d.reshape(-1)
        change = flat[1:] != flat[:-1]
        n = flat.shape[0]
    else:
        n = d.shape[dim] if d.ndim else 1
        moved = np.moveaxis(d, dim, 0).reshape(n, -1) if d.ndim else d.reshape(1, 1)
        change = np.any(moved[1:] != moved[:-1], axis=1)
    return np.concatenate([[True], change]) if n else np.zeros(0, bool)


# The kernel finds the runs itself (no parameter computed from the values, so that vmap runs
# it per sample); PyTorch records the op but has no derivative for it.
@primitive("UniqueConsecutiveBackward0", save_inputs=False)
def _unique_consecutive(x, *, dim):
    keep = _run_starts(x, dim)
    return np.compress(keep, x, axis=dim) if dim is not None else x.reshape(-1)[keep]


defvjp(_unique_consecutive, lambda grad, result, x, *, dim: _raise_not_implemented("unique_consecutive"))


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """``input`` with each run of equal consecutive elements (slices along ``dim``) kept once;
    optionally each element's run number and each run's length."""
    d = input._data
    if dim is not None:
        dim = _one_dim(input, dim)
    keep = _run_starts(d, dim)
    n = keep.shape[0]
    shape = d.shape if dim is None else (n,)
    out = record(_unique_consecutive, _unique_consecutive.kernel(d, dim=dim), (input,), {"dim": dim})
    extra = []
    if return_inverse:
        extra.append(_const((np.cumsum(keep) - 1).astype(np.int64).reshape(shape)))
    if return_counts:
        starts = np.flatnonzero(keep)
        extra.append(_const(np.diff(np.append(starts, n)).astype(np.int64)))
    return (out, *extra) if extra else out


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined first); for
    bool tensors, whether neighbours differ."""
    from .elementwise import logical_xor, sub
    from .movement import cat, narrow

    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = norm_dim(dim, input._data.ndim)
    if n == 0:
        return input.clone()
    x = input
    if prepend is not None or append is not None:
        parts = [t for t in (prepend, input, append) if t is not None]
        if builtins.any(p._data.ndim != input._data.ndim for p in parts):
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        x = cat(parts, dim)
    for _ in range(n):
        size = x._data.shape[dim]
        if size == 0:
            break
        hi, lo = narrow(x, dim, 1, size - 1), narrow(x, dim, 0, size - 1)
        x = logical_xor(hi, lo) if x._data.dtype.kind == "b" else sub(hi, lo)
    return x


def _trapezoid_spacing(y: Tensor, x, dim: int):
    from .elementwise import sub
    from .movement import narrow

    if x is None or not isinstance(x, Tensor):
        return None
    if x._data.ndim == 1:
        size = x._data.shape[0]
        if size != y._data.shape[dim]:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point, but got "
                               f"{size} x values and {y._data.shape[dim]} sample points.")
        dx = sub(narrow(x, 0, 1, size - 1), narrow(x, 0, 0, size - 1)) if size else x
        return reshape(dx, *[-1 if i == dim else 1 for i in range(y._data.ndim)])
    xd = norm_dim(dim, x._data.ndim)
    size = x._data.shape[xd]
    return sub(narrow(x, xd, 1, size - 1), narrow(x, xd, 0, size - 1)) if size else x


def _trapezoid_parts(y: Tensor, x, dx, dim: int):
    """The areas of the trapezoids along ``dim`` (a tensor with ``dim`` one shorter)."""
    from .elementwise import add, mul
    from .movement import narrow

    if y._data.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    dim = norm_dim(dim, y._data.ndim)
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"trapezoid() received an invalid combination of arguments - got (Tensor, "
                        f"{type(x).__name__}): x must be a Tensor (give a spacing as dx=)")
    size = y._data.shape[dim]
    if size == 0:
        return None, dim
    mids = add(narrow(y, dim, 1, size - 1), narrow(y, dim, 0, size - 1))
    spacing = _trapezoid_spacing(y, x, dim)
    if spacing is not None:
        return mul(mids, spacing) / 2, dim
    return mids * ((1 if dx is None else dx) / 2), dim


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoidal rule's integral of ``y`` along ``dim``, at points ``x`` (a tensor) or
    with constant spacing ``dx`` (1 by default; also accepted as the second argument)."""
    parts, d = _trapezoid_parts(y, x, dx, dim)
    if parts is None:
        from .elementwise import zeros_like

        return sum(zeros_like(y if y._data.dtype.kind == "f" else y.to(_dtype.get_default_dtype())), d)
    return sum(parts, d)


def trapz(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The same as ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim`` (one element shorter there)."""
    parts, d = _trapezoid_parts(y, x, dx, dim)
    if parts is None:
        return y if y._data.dtype.kind == "f" else y.to(_dtype.get_default_dtype())
    return cumsum(parts, d)


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """The ``p``-norm of ``input - other``."""
    from .elementwise import sub

    return norm(sub(input, other), float(p))


def _quantile(name: str, input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool):
    from .elementwise import lerp
    from .indexing import gather
    from .movement import movedim, squeeze

    d = input._data
    if d.dtype.kind != "f" or d.dtype == np.float16:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._data.dtype != d.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qs, scalar_q = np.asarray(q._data, dtype=np.float64).reshape(-1), q._data.ndim == 0
    else:
        qs, scalar_q = np.asarray([float(q)]), True
    if qs.size and (np.any(qs < 0) or np.any(qs > 1)):
        bad = qs[(qs < 0) | (qs > 1)][0]
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]" if isinstance(q, Tensor)
                           else f"{name}() q must be in the range [0, 1] but got {bad}")
    if d.size == 0 and dim is None:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        x, axis = reshape(input, -1), 0
    else:
        axis = _one_dim(input, dim)
        x = input if d.ndim else reshape(input, 1)
    srt = movedim(sort(x, axis).values, axis, -1)
    s = srt._data
    n = s.shape[-1]
    rest = s.shape[:-1]
    nan = np.isnan(s)
    # ranks = q * (k - 1), computed as chainrule ops in the input's dtype: a q tensor that
    # requires grad gets its gradient through the linear interpolation's weights.
    qt = reshape(q, -1) if isinstance(q, Tensor) else _const(qs.astype(d.dtype))
    qt = reshape(qt, -1, *[1] * len(rest))
    if ignore_nan:
        k = n - nan.sum(-1)
        rank_t = mul(qt, _const(np.maximum(k - 1, 0).astype(d.dtype)))
    else:
        rank_t = mul(qt, _const(np.full(rest, n - 1, dtype=d.dtype)))
        rank_t = where(_const(np.broadcast_to(nan.any(-1), rank_t.shape).copy()), float(n - 1), rank_t)
    ranks = rank_t._data.astype(np.float64)
    if interpolation == "nearest":
        ranks = np.round(ranks)
    lo = np.floor(ranks).astype(np.int64)
    hi = np.ceil(ranks).astype(np.int64)
    if ignore_nan:  # rows of NaN only give NaN
        lo = np.where(k == 0, n - 1, lo)
        hi = np.where(k == 0, n - 1, hi)
    full = srt.unsqueeze(0).expand(len(qs), *s.shape)

    def pick(idx):
        return squeeze(gather(full, -1, _const(idx[..., None].copy())), -1)

    if interpolation in ("lower", "nearest"):
        out = pick(lo)
    elif interpolation == "higher":
        out = pick(hi)
    else:
        if interpolation == "midpoint":
            w = _const(np.where(hi > lo, 0.5, 0.0).astype(d.dtype))
        else:
            w = rank_t - _const(lo.astype(d.dtype))
        out = lerp(pick(lo), pick(hi), w)
    if keepdim:
        out = reshape(out, len(qs), *[1] * d.ndim) if dim is None else unsqueeze(out, axis + 1) if d.ndim \
            else out
    return squeeze(out, 0) if scalar_q else out


def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles of ``input`` (of all elements, or along ``dim``), interpolating
    between neighbours by ``interpolation``; a 1-d ``q`` puts its dimension first. NaN wins."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """``quantile`` ignoring NaN (NaN only where a row holds nothing else)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


@_numpy_names
def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of the non-NaN elements; with ``dim``, ``(values, indices)`` along it."""
    d = input._data
    if dim is None:
        if d.dtype.kind != "f" or not np.isnan(d).any():
            return median(input)
        flat = reshape(input, -1)
        order = _stable_argsort(flat._data, 0, False)
        k = int((~np.isnan(flat._data)).sum())
        pos = np.asarray([(k - 1) // 2 if k else 0])
        index = order[pos].astype(np.int64)
        return _picked(_median_pick, return_types.nanmedian, flat, 0, False, index).values
    dim = _one_dim(input, dim)
    _check_reduction_dim("nanmedian", d, dim)
    if d.ndim == 0:
        return _picked(_median_pick, return_types.nanmedian, input, 0, keepdim, np.zeros((), np.int64))
    order = _stable_argsort(d, dim, False)
    k = (d.shape[dim] - np.sum(np.isnan(d), axis=dim, keepdims=True)) if d.dtype.kind == "f" else \
        np.full([1 if i == dim else s for i, s in enumerate(d.shape)], d.shape[dim])
    pos = np.where(k > 0, (k - 1) // 2, 0).astype(np.int64)
    index = np.take_along_axis(order, pos, axis=dim)
    return _picked(_median_pick, return_types.nanmedian, input, dim, keepdim, index.astype(np.int64))


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in ``input``'s rows (observations in columns),
    optionally weighted by observation; a 1-d input is one variable (a 0-d result)."""
    from .elementwise import clamp_min, mul, sub
    from .linalg import mm

    d = input._data
    if d.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{d.ndim} dimensions")
    x = input if d.ndim == 2 else reshape(input, 1, -1)
    if x._data.dtype.kind not in "fc":
        x = x.to(_dtype.get_default_dtype())
    nobs = x._data.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        if wt._data.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{wt._data.ndim} dimensions")
        if wt._data.size != nobs:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in "
                               f"the input but got {wt._data.size} != {nobs}")
        if name == "fweights" and wt._data.dtype.kind not in "iu":
            raise RuntimeError("cov(): expected fweights to have integral dtype but got fweights with "
                               f"{_dtype.scalar_type_name(wt.dtype)} dtype")
        if name == "aweights" and wt._data.dtype.kind != "f":
            raise RuntimeError("cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{_dtype.scalar_type_name(wt.dtype)} dtype")
        if wt._data.size and wt._data.min() < 0:
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = wt if w is None else mul(w, wt)
    if w is None:
        avg = mean(x, 1)
        wsum = nobs
        norm_factor = nobs - correction
        xm = sub(x, unsqueeze(avg, 1))
        c = mm(xm, xm.t())
    else:
        wsum = sum(w)
        avg = div(sum(mul(x, w), 1), wsum)
        if aweights is None:
            norm_factor = wsum - correction
        else:
            norm_factor = wsum - correction * div(sum(mul(w, aweights)), wsum)
        xm = sub(x, unsqueeze(avg, 1))
        c = mm(xm, mul(xm, w).t())
    if isinstance(norm_factor, Tensor):
        norm_factor = clamp_min(norm_factor, 0)
    elif norm_factor <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                      "of observations.", UserWarning, stacklevel=2)
        norm_factor = 0
    out = div(c, norm_factor)
    return reshape(out, ()) if out._data.size == 1 else out


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the variables in ``input``'s rows, clipped to [-1, 1]."""
    from .elementwise import clamp, sqrt

    c = cov(input)
    if c._data.ndim == 0:
        return div(c, c)
    eye = _const(np.eye(c._data.shape[0], dtype=c._data.dtype))
    std = sqrt(sum(mul(c, eye), 1))  # the diagonal
    c = div(div(c, unsqueeze(std, 1)), unsqueeze(std, 0))
    return clamp(c, -1, 1)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to
    norm ``maxnorm``."""
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError(f"renorm: expected a floating point tensor, got {_dtype_word(d.dtype)}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if d.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {d.ndim} dimensions")
    dim = norm_dim(dim, d.ndim)
    others = tuple(i for i in range(d.ndim) if i != dim)
    norms = norm(input, float(p), others, keepdim=True)
    factor = where(norms > maxnorm, div(maxnorm, norms + 1e-7), 1.0)
    return mul(input, factor)


def renorm_(self: Tensor, p, dim: int, maxnorm) -> Tensor:
    """In-place ``renorm``."""
    from ._common import apply_inplace

    return apply_inplace(self, "renorm_", lambda x: renorm(x, p, dim, maxnorm), ())


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dimension."""
    return sort(input, 0).values


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (``nn.functional``'s)."""
    from ..nn.functional import cosine_similarity as f

    return f(x1, x2, dim, eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last dimension (``nn.functional``'s)."""
    from ..nn.functional import pairwise_distance as f

    return f(x1, x2, p, eps, keepdim)


def chain_matmul(*matrices: Tensor) -> Tensor:
    """The product of the given matrices (deprecated in PyTorch for ``linalg.multi_dot``)."""
    from ..linalg import multi_dot

    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                  "multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(list(matrices))


__all__ += ["histogram", "renorm_"]
return_types.histogram = _return_type("histogram", ("hist", "bin_edges"))


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False):
    """``(hist, bin_edges)``: counts (or summed ``weight``) of ``input``'s values in ``bins`` equal
    bins over ``range`` (the data's by default), or between the given edges (a 1-d tensor);
    ``density`` normalizes the histogram to integrate to 1. The last bin includes its right edge."""
    from .._creation import linspace

    d = input._data
    # PyTorch's float16 kernel runs only with the edges known (bins a tensor, or a range).
    if d.dtype.kind != "f" or (d.dtype == np.float16 and range is None and not isinstance(bins, Tensor)):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_dtype_word(d.dtype)}'")
    x = d.reshape(-1).astype(np.float64)
    if isinstance(bins, Tensor):
        if bins._data.ndim != 1 or bins._data.shape[0] < 1:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension, but got "
                               f"{bins._data.ndim} dimensions")
        if bins._data.dtype != d.dtype:
            raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                               f"input {_dtype_word(d.dtype).lower()} and bins {_dtype_word(bins._data.dtype).lower()}")
        edges_t = bins.detach().clone()
    else:
        if bins <= 0:
            raise RuntimeError("torch.histogram(): bins must be > 0, but got " + str(bins))
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.size:
            lo, hi = float(x.min()), float(x.max())
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): max must be larger than min, but got min {lo} max {hi}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges_t = linspace(lo, hi, int(bins) + 1, dtype=input.dtype)
    edges = edges_t._data.astype(np.float64)
    n = edges.shape[0] - 1
    w = None if weight is None else weight._data.reshape(-1).astype(np.float64)
    if w is not None and weight._data.shape != d.shape:
        raise RuntimeError("torch.histogram(): if weight tensor is provided it should have the same shape as the "
                           "input tensor excluding its innermost dimension")
    inside = (x >= edges[0]) & (x <= edges[-1])
    if isinstance(bins, Tensor):
        idx = np.minimum(np.searchsorted(edges, x[inside], side="right") - 1, n - 1)
    else:
        idx = np.minimum(((x[inside] - edges[0]) * n / (edges[-1] - edges[0])).astype(np.int64), n - 1)
    hist = np.bincount(idx, weights=None if w is None else w[inside], minlength=n).astype(np.float64)
    if density:
        total = hist.sum()
        hist = hist / (total * np.diff(edges))
    return return_types.histogram(_const(hist.astype(d.dtype)), edges_t)
