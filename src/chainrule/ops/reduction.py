"""Reductions: sum and mean, each primitive with its rule right below it."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._common import norm_dims
from ._registry import defvjp, primitive, record
from .movement import expand, reshape

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "mean", "sum",
]


def _restore_dims(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dimensions of ``shape``."""
    if not keepdim:
        kept = tuple(1 if i in dims else s for i, s in enumerate(shape))
        grad = reshape(grad, kept)
    return expand(grad, shape)


@primitive("SumBackward0", save_inputs=False)
def _sum_all(x, *, dtype):
    return np.asarray(np.sum(x, dtype=dtype))


defvjp(_sum_all, lambda grad, result, x, *, dtype: expand(grad, x.shape))


@primitive("SumBackward1", save_inputs=False)
def _sum_dims(x, *, dims, keepdim, dtype):
    return np.asarray(np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype))


defvjp(
    _sum_dims,
    lambda grad, result, x, *, dims, keepdim, dtype: _restore_dims(grad, x.shape, dims, keepdim),
)


def _reduced_dims(dim, keepdim: bool, ndim: int):
    """``dim`` as sorted non-negative dims; None (reduce everything, no dims kept) stays None.

    An empty list of dims reduces everything, as in PyTorch; a 0-d tensor has no dims to
    reduce (dim 0 and -1 are accepted).
    """
    if dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0):
        return tuple(range(ndim)) if keepdim or dim is not None else None
    dims = norm_dims(dim, ndim)
    return dims if ndim else ()


def _sum_dtype(input: Tensor, dtype):
    """Integers and bools sum to int64, as PyTorch."""
    if dtype is not None:
        return dtype.np
    return np.int64 if input._data.dtype.kind in "iub" else input._data.dtype


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum of all elements, or over ``dim`` (an int or a tuple of ints)."""
    dt = _sum_dtype(input, dtype)
    d = input._data
    dims = _reduced_dims(dim, keepdim, d.ndim)
    if dims is None:
        return record(_sum_all, np.asarray(np.sum(d, dtype=dt)), (input,), {"dtype": dt})
    params = {"dims": dims, "keepdim": keepdim, "dtype": dt}
    return record(_sum_dims, _sum_dims.kernel(d, **params), (input,), params)


def _mean(x, axis, keepdims: bool, dtype):
    """NumPy's mean (sum, then divide), but NaN over no elements without a warning, as PyTorch."""
    n = x.size if axis is None else _numel(x.shape[i] for i in axis)
    total = np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype)
    if n == 0:
        return np.full(np.shape(total), np.nan, dtype=dtype)
    return np.asarray(np.true_divide(total, n)).astype(dtype, copy=False)


@primitive("MeanBackward0", save_inputs=False)
def _mean_all(x, *, dtype):
    return _mean(x, None, False, dtype)


# An empty input has an empty gradient: max(n, 1) only avoids dividing by zero.
defvjp(_mean_all, lambda grad, result, x, *, dtype: expand(grad / max(_numel(x.shape), 1), x.shape))


@primitive("MeanBackward1", save_inputs=False)
def _mean_dims(x, *, dims, keepdim, dtype):
    return _mean(x, dims, keepdim, dtype)


defvjp(
    _mean_dims,
    lambda grad, result, x, *, dims, keepdim, dtype: _restore_dims(
        grad / max(_numel(x.shape[i] for i in dims), 1), x.shape, dims, keepdim
    ),
)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of all elements, or over ``dim``; integer tensors need an explicit float ``dtype``."""
    dt = dtype.np if dtype is not None else input._data.dtype
    if np.dtype(dt).kind not in "fc":
        name = _dtype.from_numpy_dtype(dt).name.capitalize().replace("Int64", "Long")
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {name}"
        )
    d = input._data
    dims = _reduced_dims(dim, keepdim, d.ndim)
    if dims is None:
        return record(_mean_all, _mean_all.kernel(d, dtype=dt), (input,), {"dtype": dt})
    params = {"dims": dims, "keepdim": keepdim, "dtype": dt}
    return record(_mean_dims, _mean_dims.kernel(d, **params), (input,), params)
