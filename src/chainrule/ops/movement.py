"""Shape and movement ops: views, reshapes, broadcasting, indexing and index assignment.

# Note [Views]
NumPy views share memory exactly as PyTorch views do, so a view op returns a NumPy view
and shares its input's version counter (Note [Version counters]). With grad mode on, a
view also remembers its root ``base`` and a ``view_fn`` that recreates it from the base.
An in-place op on such a view then rewrites the base's history too (``rebase_view``):
the base gets a ``CopySlices`` node that routes the view's part of the gradient through
the in-place op and the rest to the base's old history.

Other views of that base, made before the in-place op, still hold nodes of the base's
old history. Each view remembers the base's ``grad_fn`` its own ``grad_fn`` was built
on (``base_fn``); wherever a view's ``grad_fn`` is read (the property, ``_edge``, and
``record`` building an edge) ``refresh_view`` compares it with the base's current one
and, when the base has moved on, rebuilds the view's node with ``view_fn(base)``. The
check is one identity test, made only for tensors that are views.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import GRAD_ENABLED
from ..autograd.graph import Node
from ._common import apply_inplace, as_tensor_arg, check_inplace, norm_dim
from ._registry import defvjp, primitive, record

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "broadcast_to", "expand", "expand_as", "flatten", "getitem", "nonzero", "permute", "reshape",
    "reshape_as", "select", "setitem_", "squeeze", "sum_to_size", "swapaxes", "swapdims", "t",
    "transpose", "unbind", "unsqueeze", "view", "view_as",
]

_grad_enabled = GRAD_ENABLED.get


def _view_of(out: Tensor, input: Tensor, fn) -> Tensor:
    """Mark ``out`` as a view of ``input`` made by ``fn`` (see Note [Views])."""
    out._version = input._version
    if _grad_enabled():
        parent = input._extra
        extra = out._get_extra()
        if parent is not None and parent.base is not None:
            parent_fn = parent.view_fn
            extra.base = parent.base
            extra.view_fn = lambda b: fn(parent_fn(b))
        else:
            extra.base = input
            extra.view_fn = fn
        extra.base_fn = extra.base._grad_fn
    return out


def refresh_view(view: Tensor) -> None:
    """Rebuild ``view``'s node if its base's history changed since it was made (Note [Views])."""
    extra = view._extra
    base = extra.base
    if base._grad_fn is extra.base_fn:
        return
    token = GRAD_ENABLED.set(True)
    try:
        fresh = extra.view_fn(base)
    finally:
        GRAD_ENABLED.reset(token)
    view._grad_fn = fresh._grad_fn
    view._output_nr = fresh._output_nr
    view._requires_grad = fresh._requires_grad
    extra.base_fn = base._grad_fn


# -- broadcasting back: the engine's one un-broadcast -----------------------------------------


def _sum_to_size_kernel(x, *, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    return out.reshape(shape)


# PyTorch sums with keepdim and then views away dropped leading dims (ViewBackward0).
_sum_to_size = primitive("SumBackward1", save_inputs=False)(_sum_to_size_kernel)
_sum_to_size_view = primitive("ViewBackward0", save_inputs=False)(_sum_to_size_kernel)
for _p in (_sum_to_size, _sum_to_size_view):
    defvjp(_p, lambda grad, result, x, *, shape: expand(grad, x.shape))


def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` over broadcast dimensions so that its shape becomes ``size``.

    >>> chainrule.ones(2, 3).sum_to_size(1, 3)
    tensor([[2., 2., 2.]])
    """
    shape = _shape_arg(size)
    d = input._data
    if shape == d.shape:
        return input
    if len(shape) > d.ndim or any(s != 1 and s != t for s, t in zip(shape[::-1], d.shape[::-1], strict=False)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(d.shape)}}}.")
    prim = _sum_to_size if len(shape) == d.ndim else _sum_to_size_view
    return record(prim, _sum_to_size_kernel(d, shape=shape), (input,), {"shape": shape})


@primitive("ExpandBackward0", save_inputs=False)
def _expand(x, *, shape):
    return np.broadcast_to(x, shape)


# The engine sums the gradient back to the input's shape.
defvjp(_expand, lambda grad, result, x, *, shape: grad)


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view of ``input`` with shape ``sizes`` (-1 keeps a dimension)."""
    sizes = _shape_arg(sizes)
    d = input._data
    if len(sizes) < d.ndim:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(d.shape)}}}, size={list(sizes)}): the number of sizes provided "
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({d.ndim})"
        )
    lead = len(sizes) - d.ndim
    shape = tuple(
        d.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
    )
    for i in range(d.ndim):
        if d.shape[i] != 1 and d.shape[i] != shape[i + lead]:
            raise expand_error(d.shape, sizes)
    out = record(_expand, np.broadcast_to(d, shape), (input,), {"shape": shape})
    return _view_of(out, input, lambda b: expand(b, *shape))


def expand_error(shape: tuple, sizes: tuple) -> RuntimeError:
    """PyTorch's error for a tensor of ``shape`` that cannot be expanded to ``sizes``."""
    lead = len(sizes) - len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] != 1 and shape[i] != sizes[i + lead] and sizes[i + lead] != -1:
            return RuntimeError(
                f"The expanded size of the tensor ({sizes[i + lead]}) must match the existing size "
                f"({shape[i]}) at non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
    return RuntimeError(f"cannot expand a tensor of size {list(shape)} to {list(sizes)}")


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    """``input.expand(size)``."""
    return expand(input, size)


def _shape_arg(size) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f(torch.Size([2, 3]))`` alike."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer, Tensor)):
        size = size[0]
    return tuple(int(s) for s in size)


# -- reshapes ----------------------------------------------------------------------------------


def _infer_shape(shape: tuple, numel: int) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


@primitive("ViewBackward0", save_inputs=False)
def _view(x, *, shape):
    return x.reshape(shape)


defvjp(_view, lambda grad, result, x, *, shape: reshape(grad, x.shape))


# reshape of a non-contiguous tensor that can still be a view (PyTorch's _reshape_alias).
@primitive("ReshapeAliasBackward0", save_inputs=False)
def _reshape_alias(x, *, shape):
    return x.reshape(shape)


defvjp(_reshape_alias, lambda grad, result, x, *, shape: reshape(grad, x.shape))


@primitive("UnsafeViewBackward0", save_inputs=False)
def _reshape_copy(x, *, shape):
    return x.reshape(shape)


defvjp(_reshape_copy, lambda grad, result, x, *, shape: reshape(grad, x.shape))


def view(input: Tensor, *shape) -> Tensor:
    """A view of ``input`` with a new shape; raises when the memory layout does not allow it."""
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported; use .to(dtype)")
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    try:
        out_data = input._data.view()
        out_data.shape = shape  # raises instead of copying, like PyTorch's view
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    out = record(_view, out_data, (input,), {"shape": shape})
    return _view_of(out, input, lambda b: view(b, shape))


def reshape(input: Tensor, *shape) -> Tensor:
    """``input`` with a new shape: a view when the layout allows, else a copy."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    d = input._data
    out_data = d.reshape(shape)
    if np.shares_memory(out_data, d) if out_data.size else True:
        prim = _view if d.flags.c_contiguous else _reshape_alias
        out = record(prim, out_data, (input,), {"shape": shape})
        return _view_of(out, input, lambda b: reshape(b, shape))
    return record(_reshape_copy, out_data, (input,), {"shape": shape})


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` into one."""
    d = input._data
    if d.ndim == 0:
        return reshape(input, (1,))
    s, e = norm_dim(start_dim, d.ndim), norm_dim(end_dim, d.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = d.shape[:s] + (math.prod(d.shape[s : e + 1]),) + d.shape[e + 1 :]
    return reshape(input, shape)


@primitive("UnsqueezeBackward0", save_inputs=False)
def _unsqueeze(x, *, dim):
    return np.expand_dims(x, dim)


defvjp(_unsqueeze, lambda grad, result, x, *, dim: squeeze(grad, dim))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view with a new dimension of size 1 at ``dim``."""
    dim = norm_dim(dim, input._data.ndim + 1)
    out = record(_unsqueeze, np.expand_dims(input._data, dim), (input,), {"dim": dim})
    return _view_of(out, input, lambda b: unsqueeze(b, dim))


def _squeeze_kernel(x, *, dims):
    return np.squeeze(x, axis=dims)


# One kernel, several node names: PyTorch names the node by how squeeze was called (all
# dims, one dim, a tuple of dims; SqueezeBackward4 is matmul's in-place squeeze_).
_squeeze_prims = {
    name: primitive(name, save_inputs=False)(_squeeze_kernel)
    for name in ("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2", "SqueezeBackward4")
}
for _p in _squeeze_prims.values():
    defvjp(_p, lambda grad, result, x, *, dims: reshape(grad, x.shape))


def squeeze(input: Tensor, dim=None) -> Tensor:
    """A view without the size-1 dimensions (all, or those in ``dim``: an int or a tuple)."""
    d = input._data
    if dim is None:
        node = "SqueezeBackward0"
        dims = tuple(i for i, s in enumerate(d.shape) if s == 1)
    else:
        node = "SqueezeBackward1" if isinstance(dim, (int, np.integer)) else "SqueezeBackward2"
        given = (dim,) if node == "SqueezeBackward1" else tuple(dim)
        dims = tuple(i for i in (norm_dim(x, d.ndim) for x in given) if d.ndim and d.shape[i] == 1)
    return squeeze_dims(input, dims, node, lambda b: squeeze(b, dim))


def squeeze_dims(input: Tensor, dims: tuple, node: str = "SqueezeBackward1", view_fn=None) -> Tensor:
    """The view of ``input`` without its size-1 dimensions ``dims``, recorded as ``node``."""
    prim = _squeeze_prims[node]
    out = record(prim, np.squeeze(input._data, axis=dims), (input,), {"dims": dims})
    return _view_of(out, input, view_fn or (lambda b: squeeze_dims(b, dims, node)))


# -- transposes --------------------------------------------------------------------------------


@primitive("PermuteBackward0", save_inputs=False)
def _permute(x, *, dims):
    return np.transpose(x, dims)


defvjp(_permute, lambda grad, result, x, *, dims: permute(grad, tuple(np.argsort(dims))))


def permute(input: Tensor, *dims) -> Tensor:
    """A view with dimensions reordered as ``dims``."""
    d = input._data
    dims = _shape_arg(dims)
    if len(dims) != d.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
            f"of the desired ordering of dimensions i.e. input.dim() = {d.ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(norm_dim(x, d.ndim) for x in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = record(_permute, np.transpose(d, dims), (input,), {"dims": dims})
    return _view_of(out, input, lambda b: permute(b, dims))


@primitive("TransposeBackward0", save_inputs=False)
def _transpose(x, *, dim0, dim1):
    return np.swapaxes(x, dim0, dim1)


defvjp(_transpose, lambda grad, result, x, *, dim0, dim1: transpose(grad, dim0, dim1))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view with dimensions ``dim0`` and ``dim1`` swapped."""
    d = input._data
    dim0, dim1 = norm_dim(dim0, d.ndim), norm_dim(dim1, d.ndim)
    out_data = np.swapaxes(d, dim0, dim1) if d.ndim else d.view()
    out = record(_transpose, out_data, (input,), {"dim0": dim0, "dim1": dim1})
    return _view_of(out, input, lambda b: transpose(b, dim0, dim1))


swapaxes = swapdims = transpose


@primitive("TBackward0", save_inputs=False)
def _t(x):
    return x.T


defvjp(_t, lambda grad, result, x: t(grad))


def t(input: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dimensions."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    out = record(_t, input._data.T, (input,), None)
    return _view_of(out, input, t)


# -- indexing ----------------------------------------------------------------------------------


def _convert_index(index):
    """A PyTorch index as a NumPy index, and whether it is basic (so the result is a view)."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    basic = True
    for item in index:
        if isinstance(item, Tensor):
            kind = item._data.dtype.kind
            if kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if kind in "iu" and item._data.ndim == 0:
                out.append(int(item._data))  # a 0-d integer tensor indexes like an int (a view)
                continue
            out.append(item._data)
            basic = False
        elif isinstance(item, (list, tuple)):
            arr = np.asarray([x._data if isinstance(x, Tensor) else x for x in item])
            if arr.dtype.kind not in "iub" and arr.size:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr.astype(np.int64) if arr.dtype.kind not in "iub" else arr)
            basic = False
        elif isinstance(item, np.ndarray):
            out.append(item)
            basic = False
        elif item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice)):
            if isinstance(item, bool):
                out.append(np.asarray(item))
                basic = False
            elif isinstance(item, slice) and item.step is not None and item.step <= 0:
                raise ValueError("step must be greater than zero")
            else:
                out.append(item)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(item).__name__})"
            )
    if basic and Ellipsis not in out:
        out.append(Ellipsis)  # so that integers alone give a 0-d view, not a NumPy scalar copy
    return tuple(out), basic


_FULL_SLICE = slice(None)


def _index_node_name(index, np_index: tuple, basic: bool, shape: tuple) -> str:
    """The kind of the last view op PyTorch applies for this index (it names the node).

    PyTorch applies a tuple's items left to right and skips slices that keep a whole
    dimension; a lone slice is always applied.
    """
    if not basic:
        return "index"
    if isinstance(index, slice):
        return "slice"
    consumed = sum(1 for i in np_index if i is not None and i is not Ellipsis)
    kind, dim = "alias", 0
    for item in np_index:
        if item is None:
            kind = "unsqueeze"
        elif item is Ellipsis:
            dim += len(shape) - consumed
        else:
            if not isinstance(item, slice):
                kind = "select"
            elif item.indices(shape[dim]) != (0, shape[dim], 1):
                kind = "slice"
            dim += 1
    return kind


def _numpy_index_error(exc: IndexError, shape: tuple = (), index: tuple = ()) -> IndexError:
    """NumPy's IndexError reworded as PyTorch words it."""
    msg = str(exc)
    if msg.startswith("too many indices"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if msg.startswith("boolean index did not match"):
        dim = 0
        for item in index:
            if isinstance(item, np.ndarray) and item.dtype.kind == "b":
                if item.shape != shape[dim : dim + item.ndim]:
                    for k, (m, s) in enumerate(zip(item.shape, shape[dim:], strict=False)):
                        if m != s:
                            return IndexError(
                                f"The shape of the mask {list(item.shape)} at index {k} does not match the "
                                f"shape of the indexed tensor {list(shape)} at index {dim + k}"
                            )
                dim += item.ndim
            elif item is not None and item is not Ellipsis:
                dim += 1
    return IndexError(msg.replace("axis", "dimension"))


def _take(x, *, index):
    try:
        return x[index]
    except IndexError as exc:
        raise _numpy_index_error(exc, x.shape, index) from None


# One kernel, several node names: PyTorch names the node by the kind of indexing.
_getitem_prims = {
    kind: primitive(name, save_inputs=False)(_take)
    for kind, name in (
        ("index", "IndexBackward0"),
        ("select", "SelectBackward0"),
        ("slice", "SliceBackward0"),
        ("unsqueeze", "UnsqueezeBackward0"),
        ("alias", "AliasBackward0"),
    )
}
for _p in _getitem_prims.values():
    defvjp(_p, lambda grad, result, x, *, index: _index_backward(grad, index=index, shape=x.shape))


def _is_basic(index: tuple) -> bool:
    return not any(isinstance(i, np.ndarray) for i in index)


@primitive("IndexPutBackward0", save_inputs=False)
def _index_backward_kernel(grad, *, index, shape):
    out = np.zeros(shape, dtype=grad.dtype)
    if _is_basic(index):
        out[index] = grad  # a view: each element is reached once
    else:
        np.add.at(out, index, grad)  # accumulate: repeated indices each receive their gradient
    return out


# _index_backward is linear in grad; its own gradient is indexing again.
defvjp(_index_backward_kernel, lambda grad, result, g, *, index, shape: _getitem_raw(grad, index))


def _index_backward(grad: Tensor, *, index, shape) -> Tensor:
    return record(
        _index_backward_kernel,
        _index_backward_kernel.kernel(grad._data, index=index, shape=shape),
        (grad,),
        {"index": index, "shape": shape},
    )


def _getitem_raw(input: Tensor, np_index) -> Tensor:
    return record(_getitem_prims["index"], _take(input._data, index=np_index), (input,), {"index": np_index})


def getitem(input: Tensor, index) -> Tensor:
    """``input[index]`` with PyTorch's (and NumPy's) indexing rules.

    Integers, slices, None and Ellipsis give a view; integer/bool tensors and lists copy.
    """
    if input._data.ndim == 0 and isinstance(index, (int, np.integer, slice)) and not isinstance(index, bool):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
            "to convert a 0-dim tensor to a number"
        )
    np_index, basic = _convert_index(index)
    prim = _getitem_prims[_index_node_name(index, np_index, basic, input._data.shape)]
    out = record(prim, _take(input._data, index=np_index), (input,), {"index": np_index})
    if basic:
        return _view_of(out, input, lambda b: getitem(b, index))
    return out


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (a view, one dimension fewer)."""
    dim = norm_dim(dim, input._data.ndim)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at dimension {dim}"
        )
    return getitem(input, (slice(None),) * dim + (index,))


@primitive("UnbindBackward0", save_inputs=False)
def _unbind(x, *, index):
    return x[index]


defvjp(_unbind, lambda grad, result, x, *, index: _index_backward(grad, index=index, shape=x.shape))


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim`` as a tuple of views."""
    d = input._data
    dim = norm_dim(dim, d.ndim)
    out = []
    for i in range(d.shape[dim]):
        index = (slice(None),) * dim + (i, Ellipsis)
        t = record(_unbind, d[index], (input,), {"index": index})
        out.append(_view_of(t, input, lambda b, i=i: select(b, dim, i)))
    return tuple(out)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of non-zero elements: an ``(n, ndim)`` int64 tensor, or one tensor per dim."""
    d = input._data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(d)))
    if d.ndim == 0:
        return Tensor._make(np.zeros((int(bool(d)), 0), np.int64))
    return Tensor._make(np.stack(np.nonzero(d), axis=1).astype(np.int64))


# -- index assignment --------------------------------------------------------------------------


@primitive("IndexPutBackward0", save_inputs=False)
def _index_put(x, v, *, index):
    out = x.copy()
    out[index] = v
    return out


defvjp(
    _index_put,
    lambda grad, result, x, v, *, index: _index_put_constant(grad, index, 0),
    lambda grad, result, x, v, *, index: _getitem_raw(grad, index),
)


def _index_put_constant(grad: Tensor, index, value) -> Tensor:
    """``grad`` with ``grad[index] = value``: linear in grad, so its rule reuses itself."""
    return record(_index_put_const, _index_put_const.kernel(grad._data, index=index, value=value), (grad,), {"index": index, "value": value})


@primitive("IndexPutBackward0", save_inputs=False)
def _index_put_const(x, *, index, value):
    out = x.copy()
    out[index] = value
    return out


defvjp(_index_put_const, lambda grad, result, x, *, index, value: _index_put_constant(grad, index, 0))


def _index_put_error(self: Tensor, np_index, value) -> RuntimeError:
    target = _take(self._data, index=np_index).shape
    shape = list(value._data.shape) if isinstance(value, Tensor) else []
    return RuntimeError(
        f"shape mismatch: value tensor of shape {shape} cannot be broadcast to indexing result of shape {list(target)}"
    )


def _is_full(item) -> bool:
    return item is Ellipsis or (isinstance(item, slice) and item == _FULL_SLICE)


def setitem_(self: Tensor, index, value) -> None:
    """``self[index] = value``, in place; differentiable with respect to both.

    Recorded as PyTorch records it: an index of only ``:`` and ``...`` fills (a number or
    a 0-d tensor) or copies into ``self``; other basic indexes write through a view (the base's node becomes
    CopySlices); advanced indexes are an index_put (IndexPutBackward0), through a view
    when they also hold ints, ``None`` or partial slices.
    """
    np_index, basic = _convert_index(index)
    needs_graph = _grad_enabled() and (
        self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    )
    if not needs_graph:
        check_inplace(self)
        v = value._data if isinstance(value, Tensor) else value
        try:
            self._data[np_index] = v
        except IndexError as exc:
            raise _numpy_index_error(exc, self._data.shape, np_index) from None
        except ValueError:
            if basic:
                from .elementwise import copy_

                copy_(getitem(self.detach(), index), value)  # raises PyTorch's error
            raise _index_put_error(self, np_index, value) from None
        from ..autograd import _inplace

        _inplace.bump(self._version, "__setitem__")
        return
    from .elementwise import copy_, fill_

    if basic:
        if all(_is_full(i) for i in np_index):
            if isinstance(value, Tensor) and value._data.ndim:
                copy_(self, value)
            else:
                fill_(self, as_tensor_arg(value, "value"))
        else:
            copy_(getitem(self, index), value)
        return
    value = as_tensor_arg(value, "value") if not isinstance(value, Tensor) else value
    target = _take(self._data, index=np_index).shape
    if not _broadcasts_to(value._data.shape, target):
        raise _index_put_error(self, np_index, value)
    mixed = not all(_is_full(i) or isinstance(i, np.ndarray) for i in np_index)
    dest = getitem(self, Ellipsis) if mixed else self  # written through an alias view: CopySlices
    apply_inplace(
        dest,
        "__setitem__",
        lambda s: record(_index_put, _index_put.kernel(s._data, value._data.astype(s._data.dtype), index=np_index), (s, value), {"index": np_index}),
        (value,),
    )


def _broadcasts_to(src: tuple, dst: tuple) -> bool:
    if len(src) > len(dst):
        return all(s == 1 for s in src[: len(src) - len(dst)]) and _broadcasts_to(src[len(src) - len(dst):], dst)
    return all(s == 1 or s == d for s, d in zip(src[::-1], dst[::-1], strict=False))


# -- in-place on a view ------------------------------------------------------------------------


class CopySlices(Node):
    """A base tensor's node after an in-place op on one of its views (Note [Views])."""

    __slots__ = ("_meta", "_view_fn", "_mask")

    def __init__(self, edges, meta, view_fn, mask):
        super().__init__(edges)
        self._meta = meta
        self._view_fn = view_fn
        self._mask = mask

    def apply(self, grads, needs):
        g = grads[0]
        return [
            g * self._mask if needs[0] else None,
            self._view_fn(g) if needs[1] else None,
        ]


def rebase_view(view: Tensor, result: Tensor) -> None:
    """Give ``view``'s base the history of an in-place op whose new values are ``result``."""
    extra = view._extra
    base, view_fn = extra.base, extra.view_fn
    # Which elements of the base the view covers: write through a view of a mask.
    mask = np.ones(base._data.shape, dtype=bool)
    covered = view_fn(Tensor._make(mask))._data
    covered[...] = False
    edges = (
        base._edge() if base._requires_grad else (None, 0),
        result._edge(),
    )
    meta = [
        (base._data.shape, base._data.dtype),
        (result._data.shape, result._data.dtype),
    ]
    base._grad_fn = CopySlices(edges, meta, view_fn, Tensor._make(mask))
    base._output_nr = 0
    base._requires_grad = True
    fresh = view_fn(base)  # the view's own history now starts at the base's new node
    view._grad_fn = fresh._grad_fn
    view._output_nr = fresh._output_nr
    view._requires_grad = True
    extra.base_fn = base._grad_fn
