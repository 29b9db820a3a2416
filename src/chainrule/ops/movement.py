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

The pieces of an op with several view outputs (split, chunk, unbind), views made in
no_grad mode of tensors that require grad, and views of either, are never rebuilt: as
PyTorch, chainrule refuses in-place ops on them with grad mode on, and raises when their
``grad_fn`` is read after their base was modified (their ``base_fn`` is a ``_FrozenView``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import GRAD_ENABLED
from ..autograd.graph import Node
from ._common import apply_inplace, as_tensor_arg, check_inplace, norm_dim
from ._multi import call_multi, multi_primitive
from ._registry import PrimitiveNode, defvjp, primitive, record

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "broadcast_to", "expand", "expand_as", "flatten", "getitem", "nonzero", "permute", "reshape",
    "reshape_as", "select", "setitem_", "squeeze", "sum_to_size", "swapaxes", "swapdims", "t",
    "transpose", "unbind", "unsqueeze", "view", "view_as",
]

_grad_enabled = GRAD_ENABLED.get


class _FrozenView:
    """``base_fn`` of a view whose history is never rebuilt (see Note [Views]).

    ``no_grad``: made in no_grad mode from a tensor that requires grad; otherwise a piece
    ``index`` of a multi-output view op (or a view of one).
    """

    __slots__ = ("version", "name", "index", "no_grad", "base_fn")

    def __init__(self, out: Tensor, index: int, no_grad: bool, base_fn) -> None:
        self.version = out._vc[0]
        self.name = _short_node_name(out._grad_fn)
        self.index = index
        self.no_grad = no_grad
        self.base_fn = base_fn


def _short_node_name(node) -> str:
    name = type(node).__name__ if node is not None else ""
    return name[: name.index("Backward")] if "Backward" in name else name


_MULTI_OUTPUT_TAIL = (
    "This view is the output of a function that returns multiple views. Such functions do not allow the output "
    "views to be modified inplace. You should replace the inplace operation by an out-of-place one."
)
_NO_GRAD_TAIL = (
    "with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the "
    "inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)


def frozen_view_inplace_error(view: Tensor) -> RuntimeError | None:
    """PyTorch's error for an in-place op (with grad mode on) on a view that cannot be rebuilt, or None."""
    marker = view._extra.base_fn
    if type(marker) is not _FrozenView:
        return None
    if marker.no_grad:
        return RuntimeError(f"A view was created in no_grad mode and is being modified inplace {_NO_GRAD_TAIL}")
    if view._requires_grad:
        return RuntimeError(
            f"Output {marker.index} of {marker.name} is a view and is being modified inplace. {_MULTI_OUTPUT_TAIL}"
        )
    return None


def _view_of(out: Tensor, input: Tensor, fn, multi_output: int | None = None) -> Tensor:
    """Mark ``out`` as a view of ``input`` made by ``fn`` (see Note [Views]).

    ``multi_output``: the index of ``out`` among the views one call returns (split, unbind).
    """
    out._vc = input._vc
    parent = input._extra
    if parent is not None and parent.base is None:
        parent = None
    if _grad_enabled():
        extra = out._get_extra()
        if parent is not None:
            parent_fn = parent.view_fn
            extra.base = parent.base
            extra.view_fn = (lambda b: fn(parent_fn(b))) if parent_fn is not None else None
        else:
            extra.base = input
            extra.view_fn = fn
        if multi_output is not None:
            extra.base_fn = _FrozenView(out, multi_output, False, None)
        elif parent is not None and type(parent.base_fn) is _FrozenView:
            inherited = parent.base_fn
            extra.base_fn = _FrozenView(out, out._output_nr, inherited.no_grad, inherited.base_fn)
        else:
            extra.base_fn = extra.base._grad_fn
    elif input._requires_grad or parent is not None:
        # In no_grad mode only views of tensors that require grad are tracked: PyTorch's
        # ``_base``, and its errors when such a view or its base is later modified in place.
        extra = out._get_extra()
        extra.base = parent.base if parent is not None else input
        extra.base_fn = _FrozenView(out, 0, True, extra.base._grad_fn)
    return out


def refresh_view(view: Tensor) -> None:
    """Rebuild ``view``'s node if its base's history changed since it was made (Note [Views])."""
    extra = view._extra
    base = extra.base
    if base._grad_fn is extra.base_fn:
        return
    marker = extra.base_fn
    if type(marker) is _FrozenView:
        if marker.no_grad:
            # As PyTorch: any in-place change since the view was made (even under no_grad) counts.
            if (base._grad_fn is not marker.base_fn or view._vc[0] != marker.version) and _grad_enabled():
                raise RuntimeError(
                    "A view was created in no_grad mode and its base or another view of its base has been modified "
                    f"inplace {_NO_GRAD_TAIL}"
                )
        elif view._vc[0] != marker.version and (view._requires_grad or base._requires_grad):
            raise RuntimeError(
                f"Output {marker.index} of {marker.name} is a view and its base or another view of its base has "
                f"been modified inplace. {_MULTI_OUTPUT_TAIL}"
            )
        return
    token = GRAD_ENABLED.set(True)
    try:
        fresh = extra.view_fn(base)
    finally:
        GRAD_ENABLED.reset(token)
    old = (view._grad_fn, view._output_nr)
    view._grad_fn = fresh._grad_fn
    view._output_nr = fresh._output_nr
    view._requires_grad = fresh._requires_grad
    extra.base_fn = base._grad_fn
    move_retain_grad(view, *old)


def move_retain_grad(t: Tensor, old_node, old_nr: int) -> None:
    """After ``t`` got a new grad_fn, its ``retain_grad`` follows it there (as in PyTorch)."""
    extra = t._extra
    if extra is None or not extra.retains_grad or old_node is None or old_node is t._grad_fn:
        return
    hooks = old_node._hooks_of("retain")
    fn = hooks.pop(old_nr, None) if hooks is not None else None
    if fn is not None and t._grad_fn is not None:
        t._grad_fn._register_retain_hook(t._output_nr, fn)


# -- broadcasting back: the engine's one un-broadcast -----------------------------------------


def _sum_to_size_kernel(x, *, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
    )
    # (np.add.reduce is np.sum without its Python wrapper: this runs once per broadcast gradient)
    out = np.add.reduce(x, axis=axes, keepdims=True) if axes else x
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


def expand(input: Tensor, *sizes, size=None) -> Tensor:
    """A broadcast view of ``input`` with shape ``sizes`` (-1 keeps a dimension)."""
    sizes = _shape_arg(sizes if size is None else (size,))
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


def view(input: Tensor, *shape, size=None) -> Tensor:
    """A view of ``input`` with a new shape; raises when the memory layout does not allow it."""
    if size is not None:
        shape = (size,)
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported; use .to(dtype)")
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    try:
        out_data = np.asarray(input._data).view()  # (a NumPy scalar from a kernel becomes a 0-d array)
        out_data.shape = shape  # raises instead of copying, like PyTorch's view
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    out = record(_view, out_data, (input,), {"shape": shape})
    return _view_of(out, input, lambda b: view(b, shape))


def reshape(input: Tensor, *args, shape=None) -> Tensor:
    """``input`` with a new shape: a view when the layout allows, else a copy."""
    shape = _infer_shape(_shape_arg(args if shape is None else (shape,)), input._data.size)
    d = input._data
    out_data = d.reshape(shape)
    # A copy is fresh memory, so the cheap bounds test tells a view from a copy.
    if np.may_share_memory(out_data, d) if out_data.size else True:
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


def squeeze(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """A view without the size-1 dimensions (all, or those in ``dim``: an int or a tuple)."""
    dim = axis if dim is None else dim
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


def permute(input: Tensor, *args, dims=None) -> Tensor:
    """A view with dimensions reordered as ``dims``."""
    d = input._data
    dims = _shape_arg(args if dims is None else (dims,))
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
    return np.swapaxes(x, dim0, dim1) if x.ndim else x.view()


defvjp(_transpose, lambda grad, result, x, *, dim0, dim1: transpose(grad, dim0, dim1))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view with dimensions ``dim0`` and ``dim1`` swapped."""
    d = input._data
    dim0, dim1 = norm_dim(dim0, d.ndim), norm_dim(dim1, d.ndim)
    out_data = np.swapaxes(d, dim0, dim1) if d.ndim else d.view()
    out = record(_transpose, out_data, (input,), {"dim0": dim0, "dim1": dim1})
    return _view_of(out, input, lambda b: transpose(b, dim0, dim1))


swapdims = transpose


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose`` with NumPy's argument names."""
    return transpose(input, axis0, axis1)


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


def _torch_index(index):
    """An index as PyTorch reads it, before NumPy sees it.

    A list holding sequences, slices, None or Ellipsis is a tuple of indices (as NumPy
    once read it, and PyTorch still does); a uint8 tensor is a mask (deprecated).
    """
    if isinstance(index, list) and any(
        item is None or item is Ellipsis or isinstance(item, (list, tuple, slice, Tensor)) for item in index
    ):
        index = tuple(index)
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(item, Tensor) and item._data.dtype == np.uint8 for item in items):
        warnings.warn(
            "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
            UserWarning,
            stacklevel=3,
        )
        items = tuple(
            Tensor._make(item._data.astype(bool)) if isinstance(item, Tensor) and item._data.dtype == np.uint8 else item
            for item in items
        )
        index = items if isinstance(index, tuple) else items[0]
    return index


def _is_int_item(item) -> bool:
    if isinstance(item, Tensor):
        return item._data.ndim == 0 and item._data.dtype.kind in "iu"
    return isinstance(item, (int, np.integer)) and not isinstance(item, bool)


def _is_advanced_item(item) -> bool:
    if isinstance(item, Tensor):
        return not _is_int_item(item)
    return isinstance(item, (list, np.ndarray, bool))


def _split_int_items(index):
    """``(ints_first, rest)`` when ``index`` mixes integers with advanced items, else None.

    PyTorch applies integer items as selects before it indexes with tensors, while NumPy
    counts them among the advanced indices, which can move the result's dimensions
    (``x[0, :, [0, 3]]`` is (3, 2) in PyTorch, (2, 3) in NumPy). Indexing in two steps,
    the integers first, gives PyTorch's result.
    """
    if not isinstance(index, tuple):
        return None
    if not (any(_is_int_item(i) for i in index) and any(_is_advanced_item(i) for i in index)):
        return None
    first, rest = [], []
    for item in index:
        if _is_int_item(item):
            first.append(item)
            continue
        rest.append(item)
        if item is None:
            continue
        if item is Ellipsis:
            first.append(Ellipsis)
        elif _is_advanced_item(item):
            arr = item._data if isinstance(item, Tensor) else np.asarray(item)
            first.extend([slice(None)] * (arr.ndim if arr.dtype == bool else 1))
        else:
            first.append(slice(None))
    return tuple(first), tuple(rest)


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
    index = _torch_index(index)
    split = _split_int_items(index)
    if split is not None:
        return getitem(getitem(input, split[0]), split[1])
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


@multi_primitive("UnbindBackward0", lambda params: params["n"], save_inputs=False, save_result=False)
def _unbind(x, *, dim, n):
    """The ``n`` slices of ``x`` along ``dim`` (views), as one primitive with one node."""
    return tuple(np.moveaxis(x, dim, 0))


def _pieces_grad(grads, x, dim: int, sizes, join):
    """The input's gradient from its pieces' (zeros where a piece got none), joined along ``dim``."""
    dt = next(g for g in grads if g is not None).dtype.np
    pieces = []
    for g, size in zip(grads, sizes, strict=True):
        if g is None:
            shape = list(x.shape)
            if size is None:
                del shape[dim]
            else:
                shape[dim] = size
            g = Tensor._make(np.zeros(shape, dtype=dt))
        pieces.append(g)
    return join(pieces, dim)


defvjp(_unbind, lambda grads, results, x, *, dim, n: _pieces_grad(grads, x, dim, [None] * n, stack))


def _no_dims_error(dim: int) -> IndexError:
    return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim`` as a tuple of views (one backward node for all of them)."""
    d = input._data
    if d.ndim == 0:
        raise _no_dims_error(dim)
    dim = norm_dim(dim, d.ndim)
    if d.shape[dim] == 0:
        return ()
    pieces = call_multi(_unbind, (input,), {"dim": dim, "n": d.shape[dim]})
    return tuple(_view_of(t, input, lambda b, i=i: select(b, dim, i), multi_output=i) for i, t in enumerate(pieces))


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
    index = _torch_index(index)
    split = _split_int_items(index)
    if split is not None:  # integers first, as PyTorch applies them (see _split_int_items)
        setitem_(getitem(self, split[0]), split[1], value)
        return
    np_index, basic = _convert_index(index)
    if not basic and isinstance(value, Tensor) and value.dtype is not self.dtype:
        # An advanced index is an index_put, which does not cast (a basic index copies, and does).
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {_dtype.scalar_type_name(self.dtype)} "
            f"for the destination and {_dtype.scalar_type_name(value.dtype)} for the source."
        )
    if self._extra is not None and self._extra.base is not None:
        check_inplace(self)
        refresh_view(self)  # its base may have gained a history since it was made (Note [Views])
    needs_graph = _grad_enabled() and (
        self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    )
    from . import _registry

    if not needs_graph and _registry._transform is None:  # (forward-mode AD, vmap: through the ops below)
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

        _inplace.bump(self._vc, "__setitem__")
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
    old_base = (base._grad_fn, base._output_nr)
    base._grad_fn = CopySlices(edges, meta, view_fn, Tensor._make(mask))
    base._output_nr = 0
    base._requires_grad = True
    move_retain_grad(base, *old_base)
    fresh = view_fn(base)  # the view's own history now starts at the base's new node
    old_view = (view._grad_fn, view._output_nr)
    view._grad_fn = fresh._grad_fn
    view._output_nr = fresh._output_nr
    view._requires_grad = True
    extra.base_fn = base._grad_fn
    move_retain_grad(view, *old_view)


# == more shape and movement ops ==============================================================

_as_strided_np = np.lib.stride_tricks.as_strided


def _strided_view(x: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """A (writable when ``x`` is) NumPy view of ``x``'s memory; strides in elements.

    Made on the array that owns the memory, so that the view's chain of bases reaches it
    (``storage_offset`` walks that chain).
    """
    item = x.itemsize
    root, offset = _storage_of(x)
    if root.flags.c_contiguous or root.flags.f_contiguous:
        try:
            return np.ndarray(shape, x.dtype, buffer=root.reshape(-1, order="A"), offset=offset * item,
                              strides=tuple(s * item for s in strides))
        except (TypeError, ValueError):
            pass  # not expressible on the owner's buffer (e.g. an empty view past its end)
    return _as_strided_np(x, shape, tuple(s * item for s in strides), writeable=x.flags.writeable)


def _int_arg(value, name: str = "value") -> int:
    if isinstance(value, Tensor):
        return int(value._data)
    return int(value)


# -- variadic primitives: cat and stack ---------------------------------------------------------


class _PerInputNode(PrimitiveNode):
    """The node of a primitive with any number of inputs: rule ``i`` is ``rule(i, grad, ...)``."""

    __slots__ = ()

    def apply(self, grads, needs):
        grad = grads[0]
        args = self._unpack_args(grad)
        rule = self.prim.vjps[0]
        params = self._params or {}
        return [rule(i, grad, None, *args, **params) if need else None for i, need in enumerate(needs)]


def _variadic(node_name: str):
    def declare(kernel):
        prim = primitive(node_name, save_inputs=False)(kernel)
        prim.node_cls = type(node_name, (_PerInputNode,), {"__slots__": (), "prim": prim})
        return prim

    return declare


def _legacy_empty(shape: tuple) -> bool:
    """A 1-d tensor of size 0, which cat skips whatever the others' shapes (as PyTorch)."""
    return shape == (0,)


@_variadic("CatBackward0")
def _cat(*xs, dim, dtype, bounds=None):
    kept = [x for x in xs if not _legacy_empty(x.shape)] or list(xs[:1])
    return np.concatenate([x.astype(dtype, copy=False) for x in kept], axis=dim)


# ``bounds[i]``: where input i lies along ``dim`` in the result (None: a skipped empty 1-d input).
def _cat_vjp(i, grad, result, *xs, dim, dtype, bounds):
    if bounds[i] is None:
        return reshape(_slice_view(grad, 0, 0, 0), (0,))
    return _slice_view(grad, dim, *bounds[i])


defvjp(_cat, _cat_vjp)


def _tensor_list(tensors, fn: str) -> list:
    if isinstance(tensors, Tensor):
        return list(unbind(tensors, 0))
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
    return list(tensors)


def _nonempty(tensors, fn: str) -> list:
    tensors = _tensor_list(tensors, fn)
    if not tensors:
        raise RuntimeError(f"{fn} expects a non-empty TensorList")
    return tensors


def _common_dtype(tensors) -> np.dtype:
    rt = tensors[0].dtype
    for t in tensors[1:]:
        rt = _dtype.promote_types(rt, t.dtype)
    return rt.np


def cat(tensors, dim: int = 0, *, axis: int | None = None, out=None) -> Tensor:
    """Join ``tensors`` along the existing dimension ``dim`` (dtypes promote).

    >>> chainrule.cat([chainrule.ones(1, 2), chainrule.zeros(1, 2)]).shape
    chainrule.Size([2, 2])
    """
    dim = dim if axis is None else axis
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [t for t in tensors if not _legacy_empty(t._data.shape)]
    ref = kept[0]._data.shape if kept else (0,)
    dim = norm_dim(dim, len(ref))
    for i, t in enumerate(tensors):
        s = t._data.shape
        if _legacy_empty(s) and len(ref) != 1:
            continue
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(s)}")
        for d, (a, b) in enumerate(zip(ref, s, strict=False)):
            if d != dim and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {a} but got size {b} "
                    f"for tensor number {i} in the list."
                )
    dt = _common_dtype(tensors)
    arrays = [t._data for t in tensors]
    bounds, start = [], 0
    for a in arrays:
        if _legacy_empty(a.shape) and len(ref) != 1:
            bounds.append(None)
        else:
            bounds.append((start, start + a.shape[dim]))
            start += a.shape[dim]
    params = {"dim": dim, "dtype": dt, "bounds": bounds}
    return record(_cat, _cat.kernel(*arrays, dim=dim, dtype=dt), tuple(tensors), params)


def concat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Alias of ``cat``."""
    return cat(tensors, dim)


def concatenate(tensors, axis: int = 0, *, out=None) -> Tensor:
    """Alias of ``cat`` (NumPy's name and its ``axis`` argument)."""
    return cat(tensors, axis)


@_variadic("StackBackward0")
def _stack(*xs, dim, dtype):
    return np.stack([x.astype(dtype, copy=False) for x in xs], axis=dim)


defvjp(_stack, lambda i, grad, result, *xs, dim, dtype: select(grad, dim, i))


def stack(tensors, dim: int = 0, *, axis: int | None = None, out=None) -> Tensor:
    """Join equally shaped ``tensors`` along a new dimension ``dim``."""
    dim = dim if axis is None else axis
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    dim = norm_dim(dim, len(shape) + 1)
    dt = _common_dtype(tensors)
    arrays = [t._data for t in tensors]
    return record(_stack, _stack.kernel(*arrays, dim=dim, dtype=dt), tuple(tensors), {"dim": dim, "dtype": dt})


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate column-wise: along dim 1, or dim 0 when the inputs are 1-d."""
    tensors = atleast_1d(*_nonempty(tensors, "hstack"))
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate row-wise (dim 0), treating 1-d inputs as rows."""
    tensors = atleast_2d(*_nonempty(tensors, "vstack"))
    return cat([tensors] if isinstance(tensors, Tensor) else list(tensors), 0)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate depth-wise (dim 2), after making every input at least 3-d."""
    tensors = atleast_3d(*_nonempty(tensors, "dstack"))
    return cat([tensors] if isinstance(tensors, Tensor) else list(tensors), 2)


def column_stack(tensors, *, out=None) -> Tensor:
    """Stack 0-d and 1-d inputs as columns (and matrices as they are) along dim 1."""
    cols = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in _nonempty(tensors, "column_stack")]
    return cat(cols, 1)


# -- reshapes, moves, broadcasting --------------------------------------------------------------


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1)."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError(f"unflatten got an unexpected error:\nDimension specified as {dim} but tensor has no dimensions")
    dim = norm_dim(dim, d.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = d.shape[dim]
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (-1 in sizes and (known == 0 or n % known)):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({n}) in the input tensor"
        )
    return view(input, d.shape[:dim] + _infer_shape(sizes, n) + d.shape[dim + 1 :])


def _dim_list(dims, ndim: int) -> tuple:
    if ndim == 0 and not isinstance(dims, (int, np.integer)) and len(dims) == 0:
        return ()
    if ndim == 0:
        raise _no_dims_error(dims if isinstance(dims, (int, np.integer)) else dims[0])
    return tuple(norm_dim(int(d), ndim) for d in ((dims,) if isinstance(dims, (int, np.integer)) else dims))


def movedim(input: Tensor, source, destination) -> Tensor:
    """A view with dimensions ``source`` moved to positions ``destination``."""
    ndim = input._data.ndim
    if ndim == 0:
        for d in ((source,) if isinstance(source, (int, np.integer)) else tuple(source)) + (
            (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
        ):
            norm_dim(int(d), 0)
        return getitem(input, Ellipsis)  # PyTorch's node here is an alias
    src, dst = _dim_list(source, ndim), _dim_list(destination, ndim)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same "
            f"number of dims as destination ({list(dst)} dims)"
        )
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    order = [None] * ndim
    for s, t in zip(src, dst, strict=False):
        order[t] = s
    rest = iter(d for d in range(ndim) if d not in src)
    order = tuple(o if o is not None else next(rest) for o in order)
    return permute(input, order)


moveaxis = movedim


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to together, as ``chainrule.Size``."""
    from .._tensor import Size

    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    out: list = []
    for shape in shapes:
        for i, s in enumerate(reversed(shape)):
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
            if i >= len(out):
                out.insert(0, s)
            elif out[-1 - i] == 1:
                out[-1 - i] = s
            elif s != 1 and s != out[-1 - i]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {s} at {-1 - i}! Mismatching argument at index "
                    f"{shapes.index(shape)} had {tuple(shape)}; but expected shape should be broadcastable to {out}"
                )
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    """Views of ``tensors`` expanded to their common shape (an input already of that shape is returned)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = tuple(np.broadcast_shapes(*(t._data.shape for t in tensors)))
    except ValueError:
        from .elementwise import broadcast_error

        raise broadcast_error(*(t._data.shape for t in tensors)) from None
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


# -- repeating ----------------------------------------------------------------------------------


@primitive("RepeatBackward0", save_inputs=False)
def _repeat(x, *, repeats):
    return np.tile(x.reshape((1,) * (len(repeats) - x.ndim) + x.shape), repeats)


def _repeat_vjp(grad, result, x, *, repeats):
    shape = (1,) * (len(repeats) - len(x.shape)) + tuple(x.shape)
    split = tuple(v for r, s in zip(repeats, shape, strict=False) for v in (r, s))
    summed = sum_to_size(reshape(grad, split), tuple(v for s in shape for v in (1, s)))
    return reshape(summed, x.shape)


defvjp(_repeat, _repeat_vjp)


def repeat(input: Tensor, *sizes) -> Tensor:
    """``input`` tiled ``sizes[i]`` times along each dimension (leading new dims allowed)."""
    sizes = _shape_arg(sizes)
    d = input._data
    if len(sizes) < d.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    out_shape = tuple(r * s for r, s in zip(sizes, (1,) * (len(sizes) - d.ndim) + d.shape, strict=False))
    for s in out_shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(out_shape)}")
    return record(_repeat, _repeat.kernel(d, repeats=sizes), (input,), {"repeats": sizes})


def tile(input: Tensor, dims) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dimension (missing dims count as 1)."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each element (or slice along ``dim``) repeated ``repeats`` times, in place of itself.

    With only a 1-d integer tensor, returns the indices ``i`` repeated ``input[i]`` times.
    """
    if repeats is None:
        counts = input._data
        return Tensor._make(np.repeat(np.arange(counts.shape[0]), counts).astype(np.int64))
    if dim is None:
        input, dim = flatten(input), 0
    d = input._data
    dim = norm_dim(dim, d.ndim)
    if isinstance(repeats, Tensor) and repeats._data.ndim == 1:
        r = repeats._data
        if r.shape[0] != d.shape[dim] and r.shape[0] != 1:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got repeats.size(0) = {r.shape[0]} "
                f"and input.size(0) = {d.shape[dim]}"
            )
        if (r < 0).any():
            raise RuntimeError("repeats can not be negative")
        index = np.repeat(np.arange(d.shape[dim]), r)
        return getitem(input, (slice(None),) * dim + (Tensor._make(index),))
    r = _int_arg(repeats)
    if r < 0:
        raise RuntimeError("repeats can not be negative")
    shape = d.shape
    wide = expand(unsqueeze(input, dim + 1), shape[: dim + 1] + (r,) + shape[dim + 1 :])
    return view(contiguous(wide), shape[:dim] + (shape[dim] * r,) + shape[dim + 1 :])


# -- flips and rotations ------------------------------------------------------------------------


@primitive("FlipBackward0", save_inputs=False)
def _flip(x, *, dims):
    return np.flip(x, dims).copy() if dims else x.copy()


defvjp(_flip, lambda grad, result, x, *, dims: _flip_dims(grad, dims))


def _flip_dims(input: Tensor, dims: tuple) -> Tensor:
    return record(_flip, _flip.kernel(input._data, dims=dims), (input,), {"dims": dims})


def flip(input: Tensor, *args, dims=None) -> Tensor:
    """A copy of ``input`` with the order of elements reversed along ``dims``."""
    dims = _shape_arg(args if dims is None else (dims,)) if args or dims is not None else ()
    ndim = input._data.ndim
    dims = tuple(norm_dim(d, ndim) for d in dims)
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return _flip_dims(input, dims if ndim else ())


def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dim 1)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _flip_dims(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dim 0)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _flip_dims(input, (0,))


@primitive("RollBackward0", save_inputs=False)
def _roll(x, *, shifts, dims):
    return np.roll(x, shifts if dims is not None else shifts[0], dims)


defvjp(_roll, lambda grad, result, x, *, shifts, dims: _roll_raw(grad, tuple(-s for s in shifts), dims))


def _roll_raw(input: Tensor, shifts: tuple, dims) -> Tensor:
    # Without dims NumPy rolls the flattened array by one shift, as PyTorch does.
    return record(_roll, _roll.kernel(input._data, shifts=shifts, dims=dims), (input,), {"shifts": shifts, "dims": dims})


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor without dims)."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return _roll_raw(input, shifts, None)
    dims = _dim_list(dims, input._data.ndim)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return _roll_raw(input, shifts, dims)


@primitive("Rot90Backward0", save_inputs=False)
def _rot90(x, *, k, dims):
    return np.rot90(x, k, dims).copy()


defvjp(_rot90, lambda grad, result, x, *, k, dims: record(
    _rot90, _rot90.kernel(grad._data, k=-k, dims=dims), (grad,), {"k": -k, "dims": dims}))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times, from the first of ``dims`` towards the second."""
    dims = tuple(dims)
    ndim = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = norm_dim(dims[0], ndim), norm_dim(dims[1], ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = int(k) % 4
    return record(_rot90, _rot90.kernel(input._data, k=k, dims=(d0, d1)), (input,), {"k": k, "dims": (d0, d1)})


# -- slicing into pieces --------------------------------------------------------------------------


def _slice_view(input: Tensor, dim: int, start: int, stop: int, prim=None, multi_output=None) -> Tensor:
    """``input[..., start:stop, ...]`` along ``dim`` as a view, recorded as ``prim`` (SliceBackward0)."""
    index = (slice(None),) * dim + (slice(start, stop), Ellipsis)
    prim = prim or _getitem_prims["slice"]
    out = record(prim, input._data[index], (input,), {"index": index})
    return _view_of(out, input, lambda b: _slice_view(b, dim, start, stop, prim), multi_output)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = norm_dim(dim, d.ndim)
    size = d.shape[dim]
    start, length = _int_arg(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _slice_view(input, dim, start, start + length)


def _split_kernel(x, *, dim, sizes):
    """``x`` cut along ``dim`` into pieces of ``sizes`` (views)."""
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


# split (by one size) and split_with_sizes: one primitive each, one node for all the pieces.
_split_prims = {
    name: multi_primitive(name, lambda params: len(params["sizes"]), save_inputs=False, save_result=False)(
        _split_kernel)
    for name in ("SplitBackward0", "SplitWithSizesBackward0")
}
for _p in _split_prims.values():
    defvjp(_p, lambda grads, results, x, *, dim, sizes: _pieces_grad(grads, x, dim, sizes, cat))


def _pieces(input: Tensor, dim: int, sizes, prim) -> tuple:
    pieces = call_multi(prim, (input,), {"dim": dim, "sizes": tuple(sizes)})
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()
    return tuple(
        _view_of(t, input, lambda b, a=a, s=s: _slice_view(b, dim, a, a + s), multi_output=i)
        for i, (t, a, s) in enumerate(zip(pieces, starts, sizes, strict=True))
    )


def split(tensor: Tensor, split_size_or_sections=None, dim: int = 0, *, split_size=None) -> tuple:
    """Views of ``tensor`` in pieces of ``split_size_or_sections`` along ``dim`` (a size, or a list of sizes)."""
    if split_size is not None:  # Tensor.split's name for it
        split_size_or_sections = split_size
    d = tensor._data
    if d.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = norm_dim(dim, d.ndim)
    size = d.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)) or (
        isinstance(split_size_or_sections, Tensor) and split_size_or_sections._data.ndim == 0
    ):
        step = _int_arg(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        n = max(1, -(-size // step)) if step else 1
        sizes = [min(step, size - i * step) for i in range(n)]
        return _pieces(tensor, dim, sizes, _split_prims["SplitBackward0"])
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != size or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
            f"{dim}), but got split_sizes={sizes}"
        )
    return _pieces(tensor, dim, sizes, _split_prims["SplitWithSizesBackward0"])


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of (nearly) equal size along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    dim = norm_dim(dim, d.ndim)
    size = d.shape[dim]
    if size == 0:
        return _pieces(input, dim, [0] * chunks, _split_prims["SplitWithSizesBackward0"])
    return split(input, -(-size // chunks), dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views of ``input`` split into ``n`` near-equal sections, or at the given indices, along ``dim``."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = norm_dim(dim, d.ndim)
    size = d.shape[dim]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec._data.dtype.kind not in "iu":
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                f"{_dtype.scalar_type_name(spec.dtype)}"
            )
        if spec._data.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"tensor, but got a tensor with {spec._data.ndim} dims"
            )
        spec = int(spec._data) if spec._data.ndim == 0 else [int(i) for i in spec._data]
    if isinstance(spec, (int, np.integer)):
        n = int(spec)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = [0]
        for i in range(n):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = [0] + [int(i) for i in spec] + [size]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        a = min(max(a + size if a < 0 else a, 0), size)
        b = min(max(b + size if b < 0 else b, 0), size)
        out.append(_slice_view(input, dim, a, max(a, b)))
    return tuple(out)


# -- diagonals and triangles ----------------------------------------------------------------------


def _diag_geometry(shape: tuple, strides: tuple, offset: int, dim1: int, dim2: int):
    """(start, shape, strides) in elements of the diagonal view of an array."""
    n1, n2 = shape[dim1], shape[dim2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    start = 0
    if length:
        start = offset * strides[dim2] if offset >= 0 else -offset * strides[dim1]
    rest = [i for i in range(len(shape)) if i not in (dim1, dim2)]
    return start, tuple(shape[i] for i in rest) + (length,), tuple(strides[i] for i in rest) + (strides[dim1] + strides[dim2],)


def _diag_of(x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The diagonal view of ``x`` (NumPy's own ``diagonal`` is read-only; PyTorch's is writable)."""
    item = x.itemsize
    el_strides = tuple(s // item for s in x.strides)
    start, shape, strides = _diag_geometry(x.shape, el_strides, offset, dim1, dim2)
    if start:
        # Step to the first element with a basic index, which keeps the view and its bounds.
        index = [0] * x.ndim
        if offset >= 0:
            index[dim2] = offset
        else:
            index[dim1] = -offset
        x = x[tuple(slice(i, None) for i in index)]
    return _strided_view(x, shape, strides)


@primitive("DiagonalBackward0", save_inputs=False)
def _diagonal(x, *, offset, dim1, dim2):
    return _diag_of(x, offset, dim1, dim2)


defvjp(_diagonal, lambda grad, result, x, *, offset, dim1, dim2: _diag_scatter(grad, tuple(x.shape), offset, dim1, dim2))


@primitive("DiagonalBackward0_copy", save_inputs=False)
def _diagonal_copy(x, *, offset, dim1, dim2):
    return _diag_of(x, offset, dim1, dim2).copy()


defvjp(_diagonal_copy, lambda grad, result, x, *, offset, dim1, dim2: _diag_scatter(grad, tuple(x.shape), offset, dim1, dim2))


@primitive("DiagonalBackwardBackward0", save_inputs=False)
def _diagonal_backward(g, *, shape, offset, dim1, dim2):
    out = np.zeros(shape, dtype=g.dtype)
    _diag_of(out, offset, dim1, dim2)[...] = g
    return out


# Scattering onto a diagonal is linear; its own gradient takes the diagonal again.
defvjp(_diagonal_backward, lambda grad, result, g, *, shape, offset, dim1, dim2: diagonal(grad, offset, dim1, dim2))


def _diag_scatter(g: Tensor, shape: tuple, offset: int, dim1: int, dim2: int) -> Tensor:
    params = {"shape": shape, "offset": offset, "dim1": dim1, "dim2": dim2}
    return record(_diagonal_backward, _diagonal_backward.kernel(g._data, **params), (g,), params)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The view of the diagonal of the ``dim1``/``dim2`` planes, as the last dimension."""
    ndim = input._data.ndim
    d1, d2 = norm_dim(dim1, ndim), norm_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    params = {"offset": int(offset), "dim1": d1, "dim2": d2}
    out = record(_diagonal, _diag_of(input._data, **params), (input,), params)
    return _view_of(out, input, lambda b: diagonal(b, offset, d1, d2))


@primitive("DiagEmbedBackward0", save_inputs=False)
def _diag_embed(x, *, offset, dim1, dim2):
    n = x.shape[-1] + abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((dim1, dim2)):
        shape.insert(d, n)
    out = np.zeros(shape, dtype=x.dtype)
    _diag_of(out, offset, dim1, dim2)[...] = x
    return out


defvjp(_diag_embed, lambda grad, result, x, *, offset, dim1, dim2: diagonal(grad, offset, dim1, dim2))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2``) whose ``offset`` diagonals hold the last dimension of ``input``."""
    ndim = input._data.ndim + 1
    d1, d2 = norm_dim(dim1, ndim), norm_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    params = {"offset": int(offset), "dim1": d1, "dim2": d2}
    return record(_diag_embed, _diag_embed.kernel(input._data, **params), (input,), params)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d input as a diagonal matrix, or a copy of a matrix's ``diagonal``-th diagonal."""
    ndim = input._data.ndim
    if ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    params = {"offset": int(diagonal), "dim1": 0, "dim2": 1}
    return record(_diagonal_copy, _diagonal_copy.kernel(input._data, **params), (input,), params)


@primitive("TrilBackward0", save_inputs=False)
def _tril(x, *, diagonal):
    return np.tril(x, diagonal)


defvjp(_tril, lambda grad, result, x, *, diagonal: tril(grad, diagonal))


@primitive("TriuBackward0", save_inputs=False)
def _triu(x, *, diagonal):
    return np.triu(x, diagonal)


defvjp(_triu, lambda grad, result, x, *, diagonal: triu(grad, diagonal))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below the ``diagonal``-th diagonal) of the last two dims; zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return record(_tril, np.tril(input._data, diagonal), (input,), {"diagonal": int(diagonal)})


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above the ``diagonal``-th diagonal) of the last two dims; zeros elsewhere."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return record(_triu, np.triu(input._data, diagonal), (input,), {"diagonal": int(diagonal)})


def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """In-place ``tril``."""
    return apply_inplace(self, "tril_", lambda s: tril(s, diagonal))


def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """In-place ``triu``."""
    return apply_inplace(self, "triu_", lambda s: triu(s, diagonal))


@primitive("TraceBackward0", save_inputs=False)
def _trace(x):
    return np.asarray(np.trace(x), dtype=x.dtype if x.dtype.kind in "fc" else np.int64)


defvjp(_trace, lambda grad, result, x: _diag_scatter(expand(grad, (min(x.shape),)), tuple(x.shape), 0, 0, 1))


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return record(_trace, _trace.kernel(input._data), (input,), None)


# -- grids ---------------------------------------------------------------------------------------


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 0-d/1-d tensors: output ``i`` varies along dim ``i`` ("ij") or as NumPy's "xy"."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        import warnings

        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}"
            )
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t._data.size for t in order)
    n = len(order)
    grids = [expand(reshape(t, (1,) * i + (-1,) + (1,) * (n - i - 1)), shape) for i, t in enumerate(order)]
    if swap:  # "xy": the grid's first two dims stay swapped, the outputs return to input order
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of the elements of 1-d tensors, one per row (like ``itertools.product``)."""
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([flatten(g) for g in meshgrid(*tensors, indexing="ij")], 1)


# -- at least n-d ---------------------------------------------------------------------------------


def _atleast(fn, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fn(tensors[0])
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(fn(t) for t in tensors)


def _to_1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _to_2d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    return reshape(t, (1, 1)) if ndim == 0 else unsqueeze(t, 0) if ndim == 1 else t


def _to_3d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    if ndim == 0:
        return reshape(t, (1, 1, 1))
    if ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if ndim == 2 else t


def atleast_1d(*tensors):
    """Each input as a tensor of at least 1 dimension (a view where it grows)."""
    return _atleast(_to_1d, tensors)


def atleast_2d(*tensors):
    """Each input as a tensor of at least 2 dimensions (a view where it grows)."""
    return _atleast(_to_2d, tensors)


def atleast_3d(*tensors):
    """Each input as a tensor of at least 3 dimensions (a view where it grows)."""
    return _atleast(_to_3d, tensors)


# -- strided views --------------------------------------------------------------------------------


@primitive("UnfoldBackward0", save_inputs=False)
def _unfold(x, *, dimension, size, step):
    if x.ndim == 0:  # a 0-d tensor unfolds as one element along a dim of size 1
        return _strided_view(x, (size,), (0,))
    strides = tuple(s // x.itemsize for s in x.strides)
    shape = list(x.shape)
    shape[dimension] = (x.shape[dimension] - size) // step + 1
    st = list(strides)
    st[dimension] = strides[dimension] * step
    return _strided_view(x, tuple(shape) + (size,), tuple(st) + (strides[dimension],))


def _unfold_vjp(grad, result, x, *, dimension, size, step):
    params = {"shape": tuple(x.shape), "dimension": dimension, "size": size, "step": step}
    return record(_unfold_backward, _unfold_backward.kernel(grad._data, **params), (grad,), params)


defvjp(_unfold, _unfold_vjp)


@primitive("UnfoldBackwardBackward0", save_inputs=False)
def _unfold_backward(g, *, shape, dimension, size, step):
    if not shape:
        return np.asarray(g.sum(), dtype=g.dtype)
    out = np.zeros(shape, dtype=g.dtype)
    n = g.shape[dimension]
    for j in range(size):  # window position j of every window at once
        index = (slice(None),) * dimension + (slice(j, j + step * (n - 1) + 1, step),)
        out[index] += g[..., j]
    return out


# Summing windows back is linear; its own gradient unfolds again.
defvjp(_unfold_backward, lambda grad, result, g, *, shape, dimension, size, step: unfold(grad, dimension, size, step))


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A view of every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim."""
    d = input._data
    dim = norm_dim(dimension, d.ndim)
    length = d.shape[dim] if d.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    params = {"dimension": dim, "size": int(size), "step": int(step)}
    out = record(_unfold, _unfold.kernel(d, **params), (input,), params)
    return _view_of(out, input, lambda b: unfold(b, dim, size, step))


def _storage_of(x: np.ndarray):
    """(the array owning ``x``'s memory, ``x``'s offset in it in elements)."""
    root = x
    while isinstance(root.base, np.ndarray):
        root = root.base
    offset = (x.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // x.itemsize
    return root, offset


def _positions(shape: tuple, strides: tuple, start: int) -> np.ndarray:
    pos = np.full(shape, start, dtype=np.int64)
    for i, (n, s) in enumerate(zip(shape, strides, strict=False)):
        pos += (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(shape) - i - 1))
    return pos


def _as_strided_kernel(x, *, size, stride, storage_offset, in_geometry=None):
    root, offset = _storage_of(x)
    start = offset if storage_offset is None else storage_offset
    extent = start + sum((n - 1) * s for n, s in zip(size, stride, strict=False)) + 1 if all(size) else 0
    if extent > root.size or start < 0:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {start}, and itemsize "
            f"{x.itemsize} requiring a storage size of {extent * x.itemsize} are out of bounds for storage of "
            f"size {root.size * x.itemsize}"
        )
    flat = root.reshape(-1, order="A")  # the owner of the memory is contiguous: a view
    return _strided_view(flat[start:] if all(size) else flat, size, stride)


_as_strided = primitive("AsStridedBackward0", save_inputs=False)(_as_strided_kernel)


def _as_strided_vjp(grad, result, x, *, size, stride, storage_offset, in_geometry):
    params = {"in_geometry": in_geometry, "size": size, "stride": stride, "storage_offset": storage_offset}
    return record(_as_strided_backward, _as_strided_backward.kernel(grad._data, **params), (grad,), params)


defvjp(_as_strided, _as_strided_vjp)


@primitive("AsStridedBackwardBackward0", save_inputs=False)
def _as_strided_backward(g, *, in_geometry, size, stride, storage_offset):
    in_shape, in_strides, in_offset = in_geometry
    pos_in = _positions(in_shape, in_strides, in_offset)
    pos_out = _positions(size, stride, in_offset if storage_offset is None else storage_offset)
    n = int(max(pos_in.max(initial=0), pos_out.max(initial=0))) + 1
    buf = np.bincount(pos_out.ravel(), weights=g.ravel().real, minlength=n)
    counts = np.bincount(pos_in.ravel(), minlength=n)
    return (buf / np.maximum(counts, 1))[pos_in].astype(g.dtype)


def _as_strided_backward_vjp(grad, result, g, *, in_geometry, size, stride, storage_offset):
    params = {"in_geometry": in_geometry, "size": size, "stride": stride, "storage_offset": storage_offset}
    return record(_as_strided_gather, _as_strided_gather.kernel(grad._data, **params), (grad,), params)


defvjp(_as_strided_backward, _as_strided_backward_vjp)


@primitive("AsStridedScatterBackward0", save_inputs=False)
def _as_strided_gather(g, *, in_geometry, size, stride, storage_offset):
    """The transpose of ``_as_strided_backward``: spread input-shaped values to the output's positions."""
    in_shape, in_strides, in_offset = in_geometry
    pos_in = _positions(in_shape, in_strides, in_offset)
    pos_out = _positions(size, stride, in_offset if storage_offset is None else storage_offset)
    n = int(max(pos_in.max(initial=0), pos_out.max(initial=0))) + 1
    counts = np.bincount(pos_in.ravel(), minlength=n)
    buf = np.bincount(pos_in.ravel(), weights=g.ravel().real, minlength=n) / np.maximum(counts, 1)
    return buf[pos_out].astype(g.dtype)


defvjp(_as_strided_gather, lambda grad, result, g, *, in_geometry, size, stride, storage_offset: record(
    _as_strided_backward, _as_strided_backward.kernel(
        grad._data, in_geometry=in_geometry, size=size, stride=stride, storage_offset=storage_offset),
    (grad,), {"in_geometry": in_geometry, "size": size, "stride": stride, "storage_offset": storage_offset}))


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s memory with the given ``size``, ``stride`` and ``storage_offset`` (in elements)."""
    d = input._data
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    _, offset = _storage_of(d)
    in_geometry = (d.shape, tuple(s // d.itemsize for s in d.strides), offset)
    out_data = _as_strided_kernel(d, size=size, stride=stride, storage_offset=storage_offset)
    params = {"size": size, "stride": stride, "storage_offset": storage_offset, "in_geometry": in_geometry}
    out = record(_as_strided, out_data, (input,), params)
    return _view_of(out, input, lambda b: as_strided(b, size, stride, offset if storage_offset is None else storage_offset))


@primitive("CloneBackward0", save_inputs=False)
def _contiguous(x):
    return np.ascontiguousarray(x)


defvjp(_contiguous, lambda grad, result, x: grad)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """``input`` itself when its memory is contiguous (row-major), else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return record(_contiguous, np.ascontiguousarray(input._data), (input,), None)


__all__ += [
    "as_strided", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
    "cartesian_prod", "cat", "chunk", "column_stack", "concat", "concatenate", "contiguous", "diag",
    "diag_embed", "diagonal", "dstack", "flip", "fliplr", "flipud", "hstack", "meshgrid", "moveaxis",
    "movedim", "narrow", "repeat", "repeat_interleave", "roll", "rot90", "row_stack", "split", "stack",
    "tensor_split", "tile", "trace", "tril", "tril_", "triu", "triu_", "unflatten", "unfold", "vstack",
]


# -- more ops PyTorch programs use: compositions of the ops above ----------------------------------

__all__ += [
    "ravel", "hsplit", "vsplit", "dsplit", "block_diag", "diagflat", "combinations", "narrow_copy", "vander",
]


def ravel(input: Tensor) -> Tensor:
    """``input`` as a 1-d tensor: a view when its memory allows, else a copy."""
    return view(contiguous(input), -1)


def _directional_split(name: str, input: Tensor, indices_or_sections, min_dims: int, dim: int) -> tuple:
    if isinstance(indices_or_sections, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, Tensor): give "
                        "an int or a list of ints")
    ndim = input._data.ndim
    if ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a "
                           f"tensor with {ndim} dimensions!")
    if isinstance(indices_or_sections, (int, np.integer)) and not isinstance(indices_or_sections, bool):
        size = input._data.shape[dim]
        n = int(indices_or_sections)
        if n == 0 or size % n:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension {size} "
                f"is not divisible by the split_size {n}!"
            )
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Views of ``input`` split column-wise (dim 1; dim 0 for a 1-d tensor), as ``tensor_split``
    does, except that a number of sections must divide the dimension."""
    return _directional_split("hsplit", input, indices_or_sections, 1, 0 if input._data.ndim == 1 else 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Views of ``input`` split row-wise (dim 0) into equal sections or at indices."""
    return _directional_split("vsplit", input, indices_or_sections, 2, 0)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Views of ``input`` split depth-wise (dim 2) into equal sections or at indices."""
    return _directional_split("dsplit", input, indices_or_sections, 3, 2)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the given tensors (0-d and 1-d ones are taken as one row)."""
    from .._creation import zeros

    mats = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): argument 'tensors' (position {i + 1}) must be tuple of Tensors, "
                            f"not {type(t).__name__}")
        nd = t._data.ndim
        if nd > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{nd} dimensions")
        mats.append(t if nd == 2 else reshape(t, 1, -1))
    if not mats:
        return zeros(1, 0)
    dt = _dtype.result_type(*mats) if len(mats) > 1 else mats[0].dtype
    total = sum(m._data.shape[1] for m in mats)
    rows, before = [], 0
    for m in mats:
        r, c = m._data.shape
        m = m.to(dt)
        rows.append(cat([zeros(r, before, dtype=dt), m, zeros(r, total - before - c, dtype=dt)], 1))
        before += c
    return cat(rows, 0)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened ``input`` on its ``offset``-th diagonal."""
    return diag_embed(reshape(input, -1), offset, 0, 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-d tensor's elements, one per row (as ``itertools``)."""
    import itertools

    from .indexing import index_select

    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        from .._creation import empty

        return empty(0, dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    cols = [index_select(input, 0, Tensor._make(np.ascontiguousarray(idx[:, k]))) for k in range(r)]
    return stack(cols, 1)


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A copy of ``narrow(input, dim, start, length)``."""
    return narrow(input, dim, start, length).clone()


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-d tensor: column ``j`` is ``x ** (N - 1 - j)`` (``x ** j``
    when ``increasing``); ``N`` defaults to ``len(x)``."""
    from .elementwise import mul, ones_like

    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind == "b":
        x = x.to(_dtype.int64)
    elif x._data.dtype.kind in "iu" and x._data.dtype != np.int64:
        x = x.to(_dtype.int64)
    cols, p = [], ones_like(x)
    for _ in range(n):
        cols.append(p)
        p = mul(p, x)
    if not cols:
        from .._creation import empty

        return empty(x._data.shape[0], 0, dtype=x.dtype)
    out = stack(cols, 1)
    return out if increasing else flip(out, (1,))
