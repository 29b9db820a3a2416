"""Selection by index tensors and masks: gather, scatter, index_select, masked ops, take, put.

Each primitive's NumPy kernel sits with its VJP rules right below it (see ``_registry.py``).
Index tensors and masks are never differentiable, so a primitive takes them as NumPy
parameters rather than inputs: its node keeps the index, not a Tensor whose later in-place
change would look like a modified saved input.

# Note [Accumulating writes]
Writes that add (``scatter_add``, ``index_add``, ``index_put(accumulate=True)``, ``put``
with ``accumulate``) must apply every repeated index, where
``out[idx] += v`` would keep only one. ``np.add.at`` is slow on slices, so ``_add_slices``
sorts the places instead and sums each run of equal ones with ``np.add.reduceat`` (5-10x
faster on small tensors, on par on large ones). Plain writes with repeated indices keep one
of the values, as in PyTorch (which one is unspecified there too).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import _C_TYPE_NAMES, Tensor
from ._common import _dtype_word, apply_inplace, is_scalar, norm_dim
from ..autograd.grad_mode import GRAD_ENABLED
from ._registry import defvjp, primitive, record
from .elementwise import eq, logical_and, to_dtype, where
from .reduction import sum as _sum

_grad_enabled = GRAD_ENABLED.get

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "argwhere", "gather", "index_add", "index_add_", "index_copy", "index_copy_", "index_fill",
    "index_fill_", "index_put", "index_put_", "index_select", "masked_fill", "masked_fill_",
    "masked_scatter", "masked_scatter_", "masked_select", "put", "put_", "scatter", "scatter_",
    "scatter_add", "scatter_add_", "scatter_reduce", "scatter_reduce_", "take", "take_along_dim",
]


# -- shared helpers -----------------------------------------------------------------------------


def _zeros(shape: tuple, like: Tensor) -> Tensor:
    """A constant zero tensor of ``shape`` in ``like``'s dtype (gradients start from it)."""
    return Tensor._make(np.zeros(shape, dtype=like._data.dtype))


def _along(index: np.ndarray, dim: int) -> tuple:
    """The NumPy index that pairs each position of ``index`` with the element whose
    coordinate ``dim`` is the value there and whose other coordinates are the position's."""
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    return tuple(coords)


def _as_1d(a: np.ndarray) -> np.ndarray:
    """0-d tensors index like 1-d tensors of one element (as in PyTorch)."""
    return a.reshape(1) if a.ndim == 0 else a


def _wrap_negative(index: np.ndarray, size: int) -> np.ndarray:
    """Negative positions counted from the end; ``index`` itself when it has none, so that
    under vmap a batched index tensor stays recognizable as the primitive's index parameter
    (Note [How vmap works] in func/_vmap.py: the parameter *is* the tensor's array). Such a
    parameter holds every sample's raw positions: a rule that takes it batched wraps them."""
    if index.size and index.min() < 0:
        return np.where(index < 0, index + size, index)
    return index


def _add_slices(out: np.ndarray, index: np.ndarray, part: np.ndarray) -> None:
    """``out[index] += part`` along the first axis, every repeated index adding (Note [Accumulating writes])."""
    if index.size < 2:
        out[index] += part
        return
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    if starts.size == index.size:  # all distinct
        out[index] += part
    else:
        out[ordered[starts]] += np.add.reduceat(part[order], starts, axis=0)


def _add_at(out: np.ndarray, coords: tuple, values) -> None:
    """``out[coords] += values`` for integer arrays ``coords`` over ``out``'s leading dims
    (non-negative, broadcasting together), every repeated place adding; ``out`` is C-contiguous."""
    k = len(coords)
    coords = np.broadcast_arrays(*coords)
    lead, rest = out.shape[:k], out.shape[k:]
    flat = np.ravel_multi_index(coords, lead).reshape(-1) if k else np.zeros(1, np.int64)
    rows = out.reshape((-1,) + rest)  # a view: out is contiguous
    values = np.broadcast_to(values, coords[0].shape + rest if k else rest)
    _add_slices(rows, flat, values.reshape((-1,) + rest))


def _check_tensor(x, op: str, arg: str, position: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


def _first_out_of_bounds(index: np.ndarray, size: int, negative_ok: bool = False):
    """The first value of ``index`` (in memory order) outside ``[0, size)`` (or ``[-size, size)``)."""
    low = -size if negative_ok else 0
    bad = (index < low) | (index >= size)
    if bad.any():
        return int(index.reshape(-1)[np.argmax(bad.reshape(-1))])
    return None


def _invalid_gradient_error(node: str, position: int, got: tuple, expected: tuple) -> RuntimeError:
    # PyTorch's engine refuses a gradient smaller than its input: here, a src larger than index.
    return RuntimeError(
        f"Function {node} returned an invalid gradient at index {position} - got {list(got)} but "
        f"expected shape compatible with {list(expected)}"
    )


def _no_derivative(op_name: str):
    """The rule of an op PyTorch has no derivative for (its node is named NotImplemented)."""

    def rule(grad, result, *args, **params):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")

    return rule


# -- gather ---------------------------------------------------------------------------------------


def _gather_kernel(x, *, dim, index):
    return _as_1d(x)[_along(_as_1d(index), dim)].reshape(index.shape)


_gather = primitive("GatherBackward0", save_inputs=False)(_gather_kernel)
# Each gathered element's gradient goes back to where it came from; repeats add up.
defvjp(_gather, lambda grad, result, x, *, dim, index: _scatter_add_t(_zeros(x.shape, grad), dim, index, grad))


def _gather_t(input: Tensor, dim: int, index: np.ndarray) -> Tensor:
    return record(_gather, _gather_kernel(input._data, dim=dim, index=index), (input,), {"dim": dim, "index": index})


def _index_arg(index, op: str, position: int = 3) -> np.ndarray:
    """``index`` as an int64 array, after PyTorch's gather/scatter dtype check."""
    _check_tensor(index, op, "index", position)
    if index._data.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    return index._data.astype(np.int64, copy=False)


def _check_gather_index(x: np.ndarray, dim: int, index: np.ndarray) -> None:
    if max(index.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    xs, ix = _as_1d(x).shape, _as_1d(index).shape
    for d in range(len(ix)):
        if d != dim and ix[d] > xs[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be no larger "
                f"than self {list(x.shape)} apart from dimension {dim}"
            )
    bad = _first_out_of_bounds(index, xs[dim])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {xs[dim]}")


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Pick, along ``dim``, the elements that ``index`` names: ``out[i][j] = input[i][index[i][j]]`` for dim 1.

    >>> chainrule.gather(chainrule.tensor([[1, 2], [3, 4]]), 1, chainrule.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    _check_tensor(input, "gather", "input", 1)
    idx = _index_arg(index, "gather")
    dim = norm_dim(dim, input._data.ndim)
    _check_gather_index(input._data, dim, idx)
    return _gather_t(input, dim, idx)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with ``input`` and ``indices`` broadcast against each other apart from ``dim``
    (negative indices count from the end); with ``dim=None``, ``input`` is flattened first."""
    _check_tensor(input, "take_along_dim", "input", 1)
    _check_tensor(indices, "take_along_dim", "indices", 2)
    if indices.dtype.np != np.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {_dtype_word(indices.dtype.np)}"
        )
    from .movement import expand, reshape

    # The index is reshaped and broadcast by ops, and only the result read: under vmap a batched
    # index stays the gather's batched index parameter (Note [How vmap works] in func/_vmap.py).
    x, ind = input, indices
    if dim is None:
        x, ind, dim = reshape(x, (-1,)), reshape(ind, (-1,)), 0
    else:
        if x.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if x.ndim != ind.ndim:
            raise RuntimeError(
                "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
                f"{x.ndim} dimensions for input, and {ind.ndim} dimensions for indices"
            )
        dim = norm_dim(dim, x.ndim)
        xs, ixs = list(x.shape), list(ind.shape)
        xs[dim] = ixs[dim] = 1
        from .elementwise import broadcast_error

        try:
            shape = np.broadcast_shapes(tuple(xs), tuple(ixs))
        except ValueError:
            raise broadcast_error(tuple(xs), tuple(ixs)) from None
        x_shape = shape[:dim] + (x.shape[dim],) + shape[dim + 1 :]
        if x_shape != tuple(x.shape):
            x = expand(x, x_shape)
        ind_shape = shape[:dim] + (ind.shape[dim],) + shape[dim + 1 :]
        if ind_shape != tuple(ind.shape):
            ind = expand(ind, ind_shape)
    size = x.shape[dim]
    idx = ind._data
    bad = _first_out_of_bounds(idx, size, negative_ok=True)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    return _gather_t(x, dim, _wrap_negative(idx, size))


# -- scatter --------------------------------------------------------------------------------------


def _src_part(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The leading block of ``src`` with ``index``'s shape (the part a scatter reads)."""
    if src.shape == index.shape:
        return src
    return _as_1d(src)[tuple(slice(0, n) for n in _as_1d(index).shape)]


def _scatter_kernel(x, src, *, dim, index):
    out = np.array(x, copy=True)
    _as_1d(out)[_along(_as_1d(index), dim)] = _src_part(src, index)
    return out


_scatter = primitive("ScatterBackward0", save_inputs=False)(_scatter_kernel)


def _src_grad(grad: Tensor, src, dim: int, index: np.ndarray, node: str) -> Tensor:
    """A scatter's gradient for ``src``: the gradient at the written places, read back."""
    if tuple(src.shape) != index.shape:
        raise _invalid_gradient_error(node, 1, index.shape, src.shape)
    return _gather_t(grad, dim, index)


defvjp(
    _scatter,
    lambda grad, result, x, src, *, dim, index: _scatter_fill_t(grad, dim, index, 0),
    lambda grad, result, x, src, *, dim, index: _src_grad(grad, src, dim, index, "ScatterBackward0"),
)


def _scatter_fill_kernel(x, *, dim, index, value):
    out = np.array(x, copy=True)
    _as_1d(out)[_along(_as_1d(index), dim)] = value
    return out


_scatter_fill = primitive("ScatterBackward1", save_inputs=False)(_scatter_fill_kernel)
defvjp(_scatter_fill, lambda grad, result, x, *, dim, index, value: _scatter_fill_t(grad, dim, index, 0))


def _scatter_fill_t(x: Tensor, dim: int, index: np.ndarray, value) -> Tensor:
    params = {"dim": dim, "index": index, "value": value}
    return record(_scatter_fill, _scatter_fill_kernel(x._data, **params), (x,), params)


def _scatter_add_kernel(x, src, *, dim, index):
    out = np.array(x, copy=True, order="C")
    _add_at(_as_1d(out), _along(_as_1d(index), dim), _src_part(src, index))  # Note [Accumulating writes]
    return out


_scatter_add = primitive("ScatterAddBackward0", save_inputs=False)(_scatter_add_kernel)
defvjp(
    _scatter_add,
    lambda grad, result, x, src, *, dim, index: grad,
    lambda grad, result, x, src, *, dim, index: _src_grad(grad, src, dim, index, "ScatterAddBackward0"),
)


def _scatter_add_t(x: Tensor, dim: int, index: np.ndarray, src: Tensor) -> Tensor:
    params = {"dim": dim, "index": index}
    return record(_scatter_add, _scatter_add_kernel(x._data, src._data, **params), (x, src), params)


# scatter(..., reduce="add"/"multiply") has no derivative in PyTorch.
_REDUCE_UFUNCS = {"add": np.add, "multiply": np.multiply}


@primitive("NotImplemented", save_inputs=False)
def _scatter_legacy_reduce(x, src, *, dim, index, reduce):
    out = np.array(x, copy=True)
    part = _src_part(src, index) if isinstance(src, np.ndarray) else src
    _REDUCE_UFUNCS[reduce].at(_as_1d(out), _along(_as_1d(index), dim), part)
    return out


defvjp(_scatter_legacy_reduce, _no_derivative("scatter"), _no_derivative("scatter"))


def _check_scatter_index(x: np.ndarray, dim: int, index: np.ndarray, src) -> None:
    if max(index.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and max(src.ndim, 1) != max(index.ndim, 1):
        if src.ndim:
            norm_dim(dim, src.ndim)  # PyTorch looks up dim in src first
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    xs, ix = _as_1d(x).shape, _as_1d(index).shape
    ss = None if src is None else _as_1d(src).shape
    for d in range(len(ix)):
        if (d != dim and ix[d] > xs[d]) or (ss is not None and ix[d] > ss[d]):
            tail = "" if ss is None else f" and to be no larger size than src {list(src.shape)}"
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart from "
                f"dimension {dim}{tail}"
            )
    bad = _first_out_of_bounds(index, xs[dim])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {xs[dim]}")


def _scatter_args(op: str, input, dim, index, src):
    """Checked ``(dim, index array)`` of a scatter, and ``src`` of ``input``'s dtype."""
    _check_tensor(input, op, "input", 1)
    idx = _index_arg(index, op)
    dim = norm_dim(dim, input._data.ndim)
    if isinstance(src, Tensor) and src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    _check_scatter_index(input._data, dim, idx, src._data if isinstance(src, Tensor) else None)
    return dim, idx


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src``'s values (or one ``value``) written where ``index`` points
    along ``dim``: ``out[i][index[i][j]] = src[i][j]`` for dim 1.

    ``reduce="add"`` or ``"multiply"`` combines instead of overwriting (no gradient, as in PyTorch;
    prefer ``scatter_reduce``).
    """
    if src is None:
        if value is None:
            raise TypeError("scatter() missing required argument: 'src' or 'value'")
        src = value
    dim, idx = _scatter_args("scatter", input, dim, index, src)
    if reduce is not None:
        if reduce not in _REDUCE_UFUNCS:
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn(
                "scatter(..., reduce=) with a tensor src is deprecated: use scatter_reduce instead.",
                UserWarning, stacklevel=2,
            )
            args = (input, src)
        else:
            args = (input, _scalar(src, "value", input._data.dtype))
        params = {"dim": dim, "index": idx, "reduce": reduce}
        raw = [a._data if isinstance(a, Tensor) else a for a in args]
        out = _scatter_legacy_reduce.kernel(*raw, **params).astype(input._data.dtype, copy=False)
        return record(_scatter_legacy_reduce, out, args, params)
    if isinstance(src, Tensor):
        params = {"dim": dim, "index": idx}
        return record(_scatter, _scatter_kernel(input._data, src._data, **params), (input, src), params)
    return _scatter_fill_t(input, dim, idx, _scalar(src, "value", input._data.dtype))


def _scalar(v, name: str, dtype: np.dtype | None = None):
    """A fill value as a Python number; PyTorch's error when it overflows ``dtype``."""
    if isinstance(v, np.generic):
        v = v.item()
    if not is_scalar(v):
        raise TypeError(f"{name} must be a number or a Tensor, not {type(v).__name__}")
    if dtype is not None and not isinstance(v, (bool, complex)) and dtype.kind in "fiu":
        if dtype.kind == "f":
            fits = not np.isfinite(v) or abs(v) <= np.finfo(dtype).max
            type_name = _C_TYPE_NAMES[dtype.name]
        else:
            info = np.iinfo(dtype)
            fits = bool(np.isfinite(v)) and info.min <= v <= info.max
            type_name = f"{dtype.name}_t"
        if not fits:
            raise RuntimeError(f"value cannot be converted to type {type_name} without overflow")
    return v


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src``'s values added where ``index`` points along ``dim``;
    repeated indices all add (Note [Accumulating writes])."""
    _check_tensor(src, "scatter_add", "src", 4)
    dim, idx = _scatter_args("scatter", input, dim, index, src)
    return _scatter_add_t(input, dim, idx, src)


# -- scatter_reduce -------------------------------------------------------------------------------

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}  # accepted by PyTorch, though undocumented
_REDUCE_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce: str, dtype: np.dtype):
    """The value that leaves ``reduce`` unchanged (written over self when it is excluded)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    lo, hi = (-np.inf, np.inf) if dtype.kind == "f" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
    if dtype.kind == "b":
        lo, hi = False, True
    return lo if reduce == "amax" else hi


def _counts(shape: tuple, dim: int, index: np.ndarray, include_self: bool) -> np.ndarray:
    """How many values each place of a ``mean`` reduction averages (at least 1)."""
    n = np.full(shape, 1 if include_self else 0, dtype=np.int64)
    _add_at(_as_1d(n), _along(_as_1d(index), dim), 1)
    return np.maximum(n, 1)


def _scatter_reduce_kernel(x, src, *, dim, index, reduce, include_self):
    out = np.array(x, copy=True)
    where_ = _along(_as_1d(index), dim)
    if not include_self:
        _as_1d(out)[where_] = _identity(reduce, out.dtype)
    _REDUCE_AT[reduce].at(_as_1d(out), where_, _src_part(src, index))
    if reduce == "mean":
        n = _counts(x.shape, dim, index, include_self)
        out = out // n if out.dtype.kind in "iub" else (out / n).astype(out.dtype, copy=False)
    return out


_scatter_reduce = primitive("ScatterReduceBackward0", save_result=True)(_scatter_reduce_kernel)


def _scatter_reduce_vjp_self(grad, result, x, src, *, dim, index, reduce, include_self):
    if reduce == "sum":
        g = grad
    elif reduce == "mean":
        g = grad / Tensor._make(_counts(x.shape, dim, index, include_self).astype(grad._data.dtype))
    elif reduce == "prod":
        # d(self * prod(src)) / d self: the product of the src values that land on each place.
        ones = Tensor._make(np.ones(x.shape, dtype=grad._data.dtype))
        g = grad * _scatter_reduce_t(ones, src, dim, index, "prod", True)
    else:
        # Ties at the extreme share its gradient equally (PyTorch's rule).
        g = grad * to_dtype(eq(x, result), grad.dtype) / _ties(result, x, src, dim, index)
    return _scatter_fill_t(g, dim, index, 0) if not include_self else g


def _ties(result, x, src, dim, index) -> Tensor:
    """How many of the reduced values equal the extreme at each place."""
    self_is = to_dtype(eq(x, result), result.dtype)
    src_is = to_dtype(eq(_src_as_index(src, index), _gather_t(result, dim, index)), result.dtype)
    # PyTorch counts a tie of self even where include_self=False leaves self out (its
    # gradient is then dropped): matched, so that the src gradients agree.
    n = _scatter_add_t(self_is, dim, index, src_is)
    return where(eq(n, 0), 1.0, n)


def _src_as_index(src: Tensor, index: np.ndarray) -> Tensor:
    if tuple(src.shape) == index.shape:
        return src
    from .movement import getitem

    return getitem(src, tuple(slice(0, n) for n in index.shape))


def _scatter_reduce_vjp_src(grad, result, x, src, *, dim, index, reduce, include_self):
    if tuple(src.shape) != index.shape:
        raise _invalid_gradient_error("ScatterReduceBackward0", 1, index.shape, src.shape)
    if reduce == "sum":
        return _gather_t(grad, dim, index)
    if reduce == "mean":
        n = Tensor._make(_counts(x.shape, dim, index, include_self).astype(grad._data.dtype))
        return _gather_t(grad / n, dim, index)
    if reduce == "prod":
        return _scatter_prod_vjp_src(grad, result, x, src, dim, index, include_self)
    src_is = to_dtype(eq(src, _gather_t(result, dim, index)), grad.dtype)
    return src_is * _gather_t(grad / _ties(result, x, src, dim, index), dim, index)


def _scatter_prod_vjp_src(grad, result, x, src, dim, index, include_self) -> Tensor:
    """The product of everything else reduced into the same place.

    That is ``result / src`` unless ``src`` is 0; a zero that is alone in its place gets the
    product of the others by reducing again with it replaced by 1 (several zeros: 0, whose
    derivative this formula gets wrong: with ``create_graph`` that case raises, as in PyTorch).
    """
    zero = eq(src, 0)
    zero_f = to_dtype(zero, grad.dtype)
    zeros_here = _gather_t(_scatter_add_t(_zeros(x.shape, grad), dim, index, zero_f), dim, index)
    lone_zero = logical_and(zero, eq(zeros_here, 1))
    src_lone_as_one = where(lone_zero, 1.0, src)
    others_of_lone = _gather_t(grad * _scatter_reduce_t(x, src_lone_as_one, dim, index, "prod", include_self), dim, index)
    regular = _gather_t(grad * result, dim, index) / where(zero, 1.0, src)
    out = where(lone_zero, others_of_lone, regular)
    if out._requires_grad and bool((zeros_here._data > 1).any()):
        # Right values, wrong derivative where zeros meet: its backward raises, as PyTorch's does.
        message = (
            "scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are scattered "
            "to the same position in self"
        )
        return record(_refuse_backward, out._data, (out,), {"message": message})
    return out


@primitive("Error", save_inputs=False)
def _refuse_backward(x, *, message):
    return x


def _refuse_backward_vjp(grad, result, x, *, message):
    raise RuntimeError(message)


defvjp(_refuse_backward, _refuse_backward_vjp)


defvjp(_scatter_reduce, _scatter_reduce_vjp_self, _scatter_reduce_vjp_src)


def _scatter_reduce_t(x: Tensor, src: Tensor, dim: int, index: np.ndarray, reduce: str, include_self: bool) -> Tensor:
    params = {"dim": dim, "index": index, "reduce": reduce, "include_self": include_self}
    return record(_scatter_reduce, _scatter_reduce_kernel(x._data, src._data, **params), (x, src), params)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce ``src``'s values into ``input`` where ``index`` points along ``dim``, with
    ``reduce`` one of "sum", "prod", "mean", "amax", "amin"; ``include_self=False`` leaves
    ``input``'s own values out of the places that receive any."""
    _check_tensor(src, "scatter_reduce", "src", 4)
    reduce = _REDUCE_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    dim, idx = _scatter_args("scatter_reduce", input, dim, index, src)
    return _scatter_reduce_t(input, src, dim, idx, reduce, bool(include_self))


# -- index_select, index_add, index_copy, index_fill ------------------------------------------------


def _index_vector(index, op: str, position: int = 3) -> np.ndarray:
    _check_tensor(index, op, "index", position)
    d = index._data
    if d.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index")
    if d.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return _as_1d(d).astype(np.int64, copy=False)


def _index_select_kernel(x, *, dim, index):
    if x.ndim == 0:
        return x.copy()
    return np.take(x, index, axis=dim)


_index_select = primitive("IndexSelectBackward0", save_inputs=False)(_index_select_kernel)
defvjp(
    _index_select,
    lambda grad, result, x, *, dim, index: _index_add_t(_zeros(x.shape, grad), dim, index, grad, 1),
)


def _index_select_t(x: Tensor, dim: int, index: np.ndarray) -> Tensor:
    return record(_index_select, _index_select_kernel(x._data, dim=dim, index=index), (x,), {"dim": dim, "index": index})


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in ``index`` (a vector), in that order.

    >>> chainrule.index_select(chainrule.tensor([[1, 2], [3, 4]]), 0, chainrule.tensor([1, 1]))
    tensor([[3, 4],
            [3, 4]])
    """
    _check_tensor(input, "index_select", "input", 1)
    idx = _index_vector(index, "index_select")
    dim = norm_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        size = 1
    else:
        size = input._data.shape[dim]
    bad = _first_out_of_bounds(idx, size)
    if bad is not None:
        if dim == 1:  # PyTorch's CPU kernel for dim 1 words it differently
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
        raise IndexError("index out of range in self")
    return _index_select_t(input, dim, idx)


def _moved(a: np.ndarray, dim: int) -> np.ndarray:
    """A view of ``a`` with ``dim`` first (0-d: a 1-d view), so that an index picks slices."""
    return _as_1d(a) if a.ndim == 0 else a if dim == 0 else np.moveaxis(a, dim, 0)


def _index_add_kernel(x, src, *, dim, index, alpha):
    out = np.array(x, copy=True)
    part = src if alpha == 1 else src * alpha
    _add_slices(_moved(out, dim), index, _moved(np.asarray(part, dtype=x.dtype), dim))  # Note [Accumulating writes]
    return out


_index_add = primitive("IndexAddBackward0", save_inputs=False)(_index_add_kernel)
defvjp(
    _index_add,
    lambda grad, result, x, src, *, dim, index, alpha: grad,
    lambda grad, result, x, src, *, dim, index, alpha: _reshape_like(
        _index_select_t(grad, dim, index) * alpha if alpha != 1 else _index_select_t(grad, dim, index), src
    ),
)


def _reshape_like(g: Tensor, like) -> Tensor:
    """A 0-d source's gradient from the one-element slice that index_select returns."""
    if tuple(g.shape) == tuple(like.shape):
        return g
    from .movement import reshape

    return reshape(g, tuple(like.shape))


def _index_add_t(x: Tensor, dim: int, index: np.ndarray, src: Tensor, alpha) -> Tensor:
    params = {"dim": dim, "index": index, "alpha": alpha}
    return record(_index_add, _index_add_kernel(x._data, src._data, **params), (x, src), params)


def _check_source(op: str, x: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray) -> None:
    """index_add/index_copy: ``source`` has ``self``'s shape except ``len(index)`` along ``dim``."""
    if max(src.ndim, 1) == max(x.ndim, 1):
        n = _as_1d(src).shape[dim]
        if n != index.size:
            raise _count_error(op, index.size, n, dim)
        xs, ss = list(_as_1d(x).shape), list(_as_1d(src).shape)
        xs[dim] = ss[dim]
        if xs == ss and src.ndim == x.ndim:
            return
    elif src.ndim:
        n = src.shape[dim] if dim < src.ndim else 1
        if n != index.size:
            raise _count_error(op, index.size, n, dim)
    raise RuntimeError(
        "source tensor shape must match self tensor shape, excluding the specified dimension. "
        f"Got self.shape = {list(x.shape)} source.shape = {list(src.shape)}"
    )


def _count_error(op: str, n_index: int, n_src: int, dim: int) -> Exception:
    if op == "index_copy_":
        return IndexError(f"index_copy_(): Number of indices ({n_index}) should be equal to source.size(dim) ({n_src})")
    return RuntimeError(
        f"{op}(): Number of indices ({n_index}) should be equal to source.size(dim): ({n_src}), for dim: {dim}"
    )


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source``'s slices added at the positions in ``index``
    along ``dim``; repeated positions all add (Note [Accumulating writes])."""
    _check_tensor(input, "index_add", "input", 1)
    _check_tensor(source, "index_add", "source", 4)
    _check_tensor(index, "index_add", "index", 3)
    d = index._data
    if d.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_dtype_word(d.dtype)}")
    if d.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {d.ndim} with type: "
            f"{_dtype_word(d.dtype)} and size: {list(d.shape)}"
        )
    idx = _as_1d(d).astype(np.int64, copy=False)
    dim = norm_dim(dim, input._data.ndim)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_dtype_word(input._data.dtype)}) and source "
            f"({_dtype_word(source._data.dtype)}) must have the same scalar type"
        )
    _check_source("index_add_", input._data, dim, idx, source._data)
    size = _as_1d(input._data).shape[dim]
    bad = _first_out_of_bounds(idx, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    if input._data.dtype.kind in "iu" and not isinstance(alpha, bool):
        alpha = int(alpha)  # PyTorch casts alpha to the integer dtype first
    return _index_add_t(input, dim, idx, source, alpha)


def _index_copy_kernel(x, src, *, dim, index):
    out = np.array(x, copy=True)
    _moved(out, dim)[index] = _moved(src, dim)
    return out


_index_copy = primitive("IndexCopyBackward0", save_inputs=False)(_index_copy_kernel)
defvjp(
    _index_copy,
    lambda grad, result, x, src, *, dim, index: _index_fill_t(grad, dim, index, 0),
    lambda grad, result, x, src, *, dim, index: _reshape_like(_index_select_t(grad, dim, index), src),
)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with its slices along ``dim`` at ``index`` replaced by ``source``'s."""
    _check_tensor(input, "index_copy", "input", 1)
    _check_tensor(source, "index_copy", "source", 4)
    _check_tensor(index, "index_copy", "index", 3)
    d = index._data
    if d.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_dtype_word(d.dtype)}")
    if d.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {d.ndim})")
    idx = _as_1d(d)
    dim = norm_dim(dim, input._data.ndim)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{_dtype_word(input._data.dtype)} and (source) {_dtype_word(source._data.dtype)}"
        )
    _check_source("index_copy_", input._data, dim, idx, source._data)
    size = _as_1d(input._data).shape[dim]
    bad = _first_out_of_bounds(idx, size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {dim} with size {size}")
    params = {"dim": dim, "index": idx}
    return record(_index_copy, _index_copy_kernel(input._data, source._data, **params), (input, source), params)


def _index_fill_kernel(x, *, dim, index, value):
    out = np.array(x, copy=True)
    _moved(out, dim)[index] = value
    return out


_index_fill = primitive("IndexFillBackward0", save_inputs=False)(_index_fill_kernel)
defvjp(_index_fill, lambda grad, result, x, *, dim, index, value: _index_fill_t(grad, dim, index, 0))


def _index_fill_t(x: Tensor, dim: int, index: np.ndarray, value) -> Tensor:
    params = {"dim": dim, "index": index, "value": value}
    return record(_index_fill, _index_fill_kernel(x._data, **params), (x,), params)


@primitive("IndexFillBackward1", save_inputs=False)
def _index_fill_tensor(x, value, *, dim, index):
    return _index_fill_kernel(x, dim=dim, index=index, value=value)


defvjp(
    _index_fill_tensor,
    lambda grad, result, x, value, *, dim, index: _index_fill_t(grad, dim, index, 0),
    lambda grad, result, x, value, *, dim, index: _sum(_index_select_t(grad, dim, index)),
)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with its slices along ``dim`` at ``index`` set to ``value`` (a number
    or a 0-d tensor, which stays differentiable); negative positions count from the end."""
    _check_tensor(input, "index_fill", "input", 1)
    _check_tensor(index, "index_fill", "index", 3)
    d = index._data
    if d.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if d.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    dim = norm_dim(dim, input._data.ndim)
    size = _as_1d(input._data).shape[dim]
    idx = _as_1d(d)
    bad = _first_out_of_bounds(idx, size, negative_ok=True)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    idx = _wrap_negative(idx, size)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        params = {"dim": dim, "index": idx}
        out = _index_fill_kernel(input._data, dim=dim, index=idx, value=value._data)
        return record(_index_fill_tensor, out, (input, value), params)
    return _index_fill_t(input, dim, idx, _scalar(value, "value", input._data.dtype))


# -- masks ------------------------------------------------------------------------------------------


def _mask_arg(mask, op: str, message: str) -> np.ndarray:
    _check_tensor(mask, op, "mask", 2)
    if mask._data.dtype.kind != "b":
        raise RuntimeError(message.format(dtype=_dtype_word(mask._data.dtype), c_type=_C_TYPE_NAMES[mask._data.dtype.name]))
    return mask._data


def _broadcast_shape(*shapes) -> tuple:
    from .elementwise import broadcast_error

    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error(*shapes) from None


def _masked_fill_kernel(x, *, mask, value):
    return np.asarray(np.where(mask, value, x)).astype(x.dtype, copy=False)


_masked_fill = primitive("MaskedFillBackward0", save_inputs=False)(_masked_fill_kernel)
defvjp(_masked_fill, lambda grad, result, x, *, mask, value: _masked_fill_t(grad, mask, 0))


def _masked_fill_t(x: Tensor, mask: np.ndarray, value) -> Tensor:
    params = {"mask": mask, "value": value}
    return record(_masked_fill, _masked_fill_kernel(x._data, **params), (x,), params)


@primitive("MaskedFillBackward1", save_inputs=False)
def _masked_fill_tensor(x, value, *, mask):
    return _masked_fill_kernel(x, mask=mask, value=value)


defvjp(
    _masked_fill_tensor,
    lambda grad, result, x, value, *, mask: _masked_fill_t(grad, mask, 0),
    # The value lands on every masked place: its gradient is their sum.
    lambda grad, result, x, value, *, mask: _sum(_masked_fill_t(grad, ~mask, 0)),
)

def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) where ``mask`` is True;
    ``input`` and ``mask`` broadcast together.

    >>> chainrule.tensor([1.0, 2.0, 3.0]).masked_fill(chainrule.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    _check_tensor(input, "masked_fill", "input", 1)
    m = _mask_arg(mask, "masked_fill", "masked_fill_ only supports boolean masks, but got mask with dtype {c_type}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        _broadcast_shape(m.shape, input._data.shape)
        if value._requires_grad and input._data.dtype.kind not in "fc" and _grad_enabled():
            raise RuntimeError(f"Autograd not support dtype: {_dtype_word(input._data.dtype)}")
        out = _masked_fill_kernel(input._data, mask=m, value=value._data)
        return record(_masked_fill_tensor, out, (input, value), {"mask": m})
    value = _scalar(value, "value", input._data.dtype)
    _broadcast_shape(m.shape, input._data.shape)
    return _masked_fill_t(input, m, value)


def _masked_select_kernel(x, *, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return np.broadcast_to(x, shape)[np.broadcast_to(mask, shape)]


_masked_select = primitive("MaskedSelectBackward0", save_inputs=False)(_masked_select_kernel)


def _masked_select_vjp(grad, result, x, *, mask):
    shape = np.broadcast_shapes(tuple(x.shape), mask.shape)
    return _masked_scatter_t(_zeros(shape, grad), np.broadcast_to(mask, shape), grad)


defvjp(_masked_select, _masked_select_vjp)


def _masked_select_t(x: Tensor, mask: np.ndarray) -> Tensor:
    return record(_masked_select, _masked_select_kernel(x._data, mask=mask), (x,), {"mask": mask})


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-d tensor (the two broadcast)."""
    _check_tensor(input, "masked_select", "input", 1)
    m = _mask_arg(mask, "masked_select", "masked_select: expected BoolTensor for mask")
    _broadcast_shape(m.shape, input._data.shape)
    return _masked_select_t(input, m)


def _masked_scatter_kernel(x, source, *, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    out = np.array(np.broadcast_to(x, shape), copy=True)
    m = np.broadcast_to(mask, shape)
    out[m] = source.reshape(-1)[: np.count_nonzero(m)]
    return out


_masked_scatter = primitive("MaskedScatterBackward0", save_inputs=False)(_masked_scatter_kernel)


def _masked_scatter_vjp_source(grad, result, x, source, *, mask):
    """The gradient at the masked places, in order, then zeros for the unread rest of ``source``."""
    picked = _masked_select_t(grad, mask)
    n, size = picked.shape[0], int(np.prod(source.shape))
    if n == size:
        from .movement import reshape

        return reshape(picked, tuple(source.shape))
    # Write the picked values over the leading places of a zero source-shaped tensor.
    lead = (np.arange(size) < n).reshape(source.shape)
    return _masked_scatter_t(_zeros(tuple(source.shape), grad), lead, picked)


defvjp(
    _masked_scatter,
    lambda grad, result, x, source, *, mask: _masked_fill_t(grad, mask, 0),
    _masked_scatter_vjp_source,
)


def _masked_scatter_t(x: Tensor, mask: np.ndarray, source: Tensor) -> Tensor:
    return record(_masked_scatter, _masked_scatter_kernel(x._data, source._data, mask=mask), (x, source), {"mask": mask})


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the masked places filled, in order, from ``source``'s first elements."""
    _check_tensor(input, "masked_scatter", "input", 1)
    _check_tensor(source, "masked_scatter", "source", 3)
    m = _mask_arg(mask, "masked_scatter", "masked_scatter_ only supports boolean masks, but got mask with dtype {dtype}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{_dtype_word(input._data.dtype)} and {_dtype_word(source._data.dtype)}"
        )
    shape = _broadcast_shape(m.shape, input._data.shape)
    if np.count_nonzero(np.broadcast_to(m, shape)) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return _masked_scatter_t(input, m, source)


# -- take and put -----------------------------------------------------------------------------------


def _flat_index(index, op: str, size: int) -> np.ndarray:
    """``index`` checked against ``size`` elements, negatives wrapped."""
    d = index._data
    if d.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {_dtype_word(d.dtype)}")
    bad = _first_out_of_bounds(d, size, negative_ok=True)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {size} elements.")
    return _wrap_negative(d, size)


def _take_kernel(x, *, index):
    return x.reshape(-1)[index]


_take = primitive("TakeBackward0", save_inputs=False)(_take_kernel)
defvjp(
    _take,
    lambda grad, result, x, *, index: _put_t(_zeros(x.shape, grad), index.reshape(grad.shape), grad, True),
)


def _take_t(x: Tensor, index: np.ndarray) -> Tensor:
    return record(_take, _take_kernel(x._data, index=index), (x,), {"index": index})


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of ``input``, read as a flat row-major vector, at ``index`` (in its shape)."""
    _check_tensor(input, "take", "input", 1)
    _check_tensor(index, "take", "index", 2)
    return _take_t(input, _flat_index(index, "take", input._data.size))


def _put_kernel(x, src, *, index, accumulate):
    out = np.array(x, copy=True, order="C")
    flat = out.reshape(-1)  # a view: out is a fresh contiguous copy
    if accumulate:
        _add_slices(flat, index.reshape(-1), src.reshape(-1))  # Note [Accumulating writes]
    else:
        flat[index.reshape(-1)] = src.reshape(-1)
    return out


_put = primitive("PutBackward0", save_inputs=False)(_put_kernel)
defvjp(
    _put,
    lambda grad, result, x, src, *, index, accumulate: grad if accumulate else _put_t(
        grad, index, _zeros(tuple(src.shape), grad), False
    ),
    lambda grad, result, x, src, *, index, accumulate: _take_t(grad, index.reshape(tuple(src.shape))),
)


def _put_t(x: Tensor, index: np.ndarray, src: Tensor, accumulate: bool) -> Tensor:
    params = {"index": index, "accumulate": accumulate}
    return record(_put, _put_kernel(x._data, src._data, **params), (x, src), params)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source``'s elements written (or added, with ``accumulate``) at
    the flat positions in ``index``."""
    _check_tensor(input, "put", "input", 1)
    _check_tensor(index, "put", "index", 2)
    _check_tensor(source, "put", "source", 3)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{_dtype_word(input._data.dtype)} and source.dtype = {_dtype_word(source._data.dtype)}"
        )
    if index._data.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_dtype_word(index._data.dtype)}")
    if source._data.size != index._data.size:
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source._data.size}, index.numel() = {index._data.size}"
        )
    idx = _flat_index(index, "put_", input._data.size)
    return _put_t(input, idx, source, bool(accumulate))


# -- index_put ----------------------------------------------------------------------------------------


def _index_put_kernel(x, values, *, indices, accumulate):
    out = np.array(x, copy=True, order="C")
    if accumulate:
        _add_at(out, indices, values)  # Note [Accumulating writes]
    else:
        out[indices] = values
    return out


_index_put = primitive("IndexPutBackward0", save_inputs=False)(_index_put_kernel)


def _index_put_vjp_self(grad, result, x, values, *, indices, accumulate):
    if accumulate:
        return grad
    zero = Tensor._make(np.zeros((), dtype=grad._data.dtype))
    return _index_put_t(grad, indices, zero, False)


def _index_put_vjp_values(grad, result, x, values, *, indices, accumulate):
    from .movement import getitem

    return getitem(grad, tuple(Tensor._make(i) for i in indices))


defvjp(_index_put, _index_put_vjp_self, _index_put_vjp_values)


def _index_put_t(x: Tensor, indices: tuple, values: Tensor, accumulate: bool) -> Tensor:
    params = {"indices": indices, "accumulate": accumulate}
    return record(_index_put, _index_put_kernel(x._data, values._data, **params), (x, values), params)


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``input[indices] = values`` (``indices``: a tuple of integer or
    bool tensors), or ``+=`` with ``accumulate``, where repeated indices all add."""
    _check_tensor(input, "index_put", "input", 1)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, not {type(indices).__name__}"
        )
    _check_tensor(values, "index_put", "values", 2)
    arrays = []
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got {type(i).__name__}")
        if i._data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if i._data.dtype == np.uint8:  # PyTorch's index_put treats uint8 as a mask, then refuses it
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
        arrays.append(i._data)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_dtype_word(input._data.dtype)} for the destination and {_dtype_word(values._data.dtype)} for the source."
        )
    np_index = _np_advanced_index(input._data, tuple(arrays))
    try:
        target = input._data[np_index].shape
    except IndexError as exc:
        raise _index_error(exc, input._data.shape) from None
    try:
        np.broadcast_to(values._data, target)
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values._data.shape)} cannot be broadcast to "
            f"indexing result of shape {list(target)}"
        ) from None
    return _index_put_t(input, np_index, values, bool(accumulate))


def _np_advanced_index(x: np.ndarray, arrays: tuple) -> tuple:
    """Index arrays with every bool mask turned into its integer coordinates and negative
    indices wrapped (``_add_at`` needs both); the rule's ``grad[indices]`` reads the same places."""
    out = []
    for a in arrays:
        d = len(out)
        if a.dtype.kind == "b" and a.ndim == 0:  # True: everything, False: nothing
            if not a:
                out.append(np.zeros(0, np.int64))
            continue
        if len(out) + (a.ndim if a.dtype.kind == "b" else 1) > x.ndim:
            raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {len(arrays)})")
        if a.dtype.kind == "b":
            for k, (m, n) in enumerate(zip(a.shape, x.shape[d:], strict=False)):
                if m != n:
                    raise IndexError(
                        f"The shape of the mask {list(a.shape)} at index {k} does not match the shape of the "
                        f"indexed tensor {list(x.shape)} at index {d + k}"
                    )
            out.extend(np.nonzero(a))
        else:
            a = a.astype(np.int64, copy=False)
            bad = _first_out_of_bounds(a, x.shape[d], negative_ok=True)
            if bad is not None:
                raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {x.shape[d]}")
            out.append(np.where(a < 0, a + x.shape[d], a) if (a < 0).any() else a)
    return tuple(out)


def _index_error(exc: IndexError, shape: tuple) -> IndexError:
    msg = str(exc)
    if msg.startswith("too many indices"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    return IndexError(msg.replace("axis", "dimension"))


# -- nonzero ---------------------------------------------------------------------------------------------


def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements of ``input``, one row per element (``nonzero``)."""
    from .movement import nonzero

    return nonzero(input)


# -- in-place forms --------------------------------------------------------------------------------------


def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    """In-place ``masked_fill`` (``mask`` must broadcast to ``self``)."""
    if isinstance(mask, Tensor):
        _broadcast_shape(self._data.shape, mask._data.shape)  # PyTorch names self first here
    return apply_inplace(self, "masked_fill_", lambda s: masked_fill(s, mask, value), (value,))


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place ``masked_scatter``."""
    if isinstance(mask, Tensor) and mask._data.dtype.kind == "b":
        _check_mask_expands(mask._data.shape, self._data.shape)
    return apply_inplace(self, "masked_scatter_", lambda s: masked_scatter(s, mask, source), (source,))


def _check_mask_expands(mask: tuple, shape: tuple) -> None:
    """In place, the mask is expanded to ``self``: PyTorch's expand errors."""
    if len(mask) > len(shape):
        raise RuntimeError(
            f"expand(CPUBoolType{{{list(mask)}}}, size={list(shape)}): the number of sizes provided "
            f"({len(shape)}) must be greater or equal to the number of dimensions in the tensor ({len(mask)})"
        )
    if any(m != 1 and m != s for m, s in zip(mask[::-1], shape[::-1], strict=False)):
        from .movement import expand_error

        raise expand_error(mask, shape)


def scatter_(self: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """In-place ``scatter``."""
    return apply_inplace(
        self, "scatter_", lambda s: scatter(s, dim, index, src, value=value, reduce=reduce), (src,)
    )


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``."""
    return apply_inplace(self, "scatter_add_", lambda s: scatter_add(s, dim, index, src), (src,))


def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """In-place ``scatter_reduce``."""
    return apply_inplace(
        self, "scatter_reduce_", lambda s: scatter_reduce(s, dim, index, src, reduce, include_self=include_self), (src,)
    )


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """In-place ``index_add``."""
    return apply_inplace(self, "index_add_", lambda s: index_add(s, dim, index, source, alpha=alpha), (source,))


def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In-place ``index_copy``."""
    return apply_inplace(self, "index_copy_", lambda s: index_copy(s, dim, index, source), (source,))


def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """In-place ``index_fill``."""
    return apply_inplace(self, "index_fill_", lambda s: index_fill(s, dim, index, value), (value,))


def index_put_(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``."""
    return apply_inplace(self, "index_put_", lambda s: index_put(s, indices, values, accumulate), (values,))


def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``put``."""
    return apply_inplace(self, "put_", lambda s: put(s, index, source, accumulate), (source,))
