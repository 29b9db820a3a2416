"""Helpers every op family shares: argument checks, dtype promotion, in-place plumbing."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _norm_dim
from ..autograd import _inplace
from ..autograd.grad_mode import GRAD_ENABLED
from ..autograd.graph import Node
from . import _registry
from ._registry import Primitive, record

__all__ = ["as_tensor_arg", "promote_operands", "norm_dim", "norm_dims", "check_inplace", "apply_inplace"]

_grad_enabled = GRAD_ENABLED.get
_SCALARS = (bool, int, float, complex)
norm_dim = _norm_dim


def is_scalar(x) -> bool:
    return isinstance(x, _SCALARS) or isinstance(x, np.generic)


def as_tensor_arg(x, name: str = "input") -> Tensor:
    """``x`` as a Tensor: Python and NumPy numbers are wrapped; anything else is a TypeError."""
    if isinstance(x, Tensor):
        return x
    if is_scalar(x):
        from .._creation import tensor

        return tensor(x.item() if isinstance(x, np.generic) else x)
    raise TypeError(f"{name} must be a Tensor, not {type(x).__name__}")


def _scalar_value(x):
    return x.item() if isinstance(x, np.generic) else x


def promote_operands(a, b, *, to_float: bool = False):
    """PyTorch's result dtype of ``a op b`` and their values cast to it.

    Returns ``(a_value, b_value, result_dtype)``: arrays or Python scalars that NumPy
    combines into exactly that dtype. ``to_float`` makes integer results the default
    float dtype (true division).
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            da, db = a._data, b._data
            if da.dtype is db.dtype and (not to_float or da.dtype.kind in "fc"):
                return da, db, None  # the common case: nothing to cast
            rt = _dtype.result_type(a, b)
        elif is_scalar(b):
            b = _scalar_value(b)
            rt = _dtype.result_type(a, b)
        else:
            raise TypeError(f"unsupported operand type: {type(b).__name__}")
    elif is_scalar(a) and isinstance(b, Tensor):
        a = _scalar_value(a)
        rt = _dtype.result_type(a, b)
    else:
        raise TypeError(f"unsupported operand types: {type(a).__name__} and {type(b).__name__}")
    if to_float and rt.category < _dtype.FLOAT:
        rt = _dtype.get_default_dtype()
    return _cast(a, rt), _cast(b, rt), rt


def _cast(x, rt):
    if isinstance(x, Tensor):
        d = x._data
        return d if d.dtype == rt.np else d.astype(rt.np)
    # Python scalars stay "weak" in NumPy 2 and take the array's dtype, except when the
    # scalar's category is higher, which result_type has already applied to the array.
    if rt.category == _dtype.BOOL:
        return bool(x)
    if rt.category == _dtype.INT:
        x = int(x)
        info = np.iinfo(rt.np)
        if not info.min <= x <= info.max and -(2**63) <= x < 2**64:
            # PyTorch wraps a number that does not fit (int8 + 200); NumPy 2 would raise.
            return np.array(x, dtype=np.uint64 if x >= 2**63 else np.int64).astype(rt.np)
        return x
    if rt.category == _dtype.FLOAT:
        return float(x) if not isinstance(x, complex) else x
    return complex(x)


def norm_dims(dim, ndim: int) -> tuple:
    """``dim`` (None, an int, or a sequence) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (norm_dim(int(dim), ndim),)
    dims = tuple(norm_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def check_inplace(self: Tensor) -> None:
    """PyTorch's error for an in-place op on a leaf that requires grad, with grad mode on."""
    if not _grad_enabled():
        return
    if self._requires_grad and self._grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    extra = self._extra
    if extra is not None and extra.base is not None:
        if extra.base_fn is not None and not isinstance(extra.base_fn, Node):
            from .movement import frozen_view_inplace_error

            error = frozen_view_inplace_error(self)  # split/unbind pieces, views made in no_grad mode
            if error is not None:
                raise error
        base = extra.base
        if base._requires_grad and base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )


def apply_inplace(self: Tensor, op_name: str, out_of_place, others: tuple = ()) -> Tensor:
    """Run ``out_of_place(self_snapshot)`` and write its result into ``self``.

    Without a graph to record, the values are simply written into ``self``'s memory (its
    views see them). When grad mode is on and something requires grad, the result's node
    becomes ``self``'s ``grad_fn``; ``self``'s old values are copied first only when that
    node saved them (``self`` is about to be overwritten).
    """
    check_inplace(self)
    if self._extra is not None and self._extra.base is not None:
        from .movement import refresh_view

        refresh_view(self)  # ``old`` below must carry the view's current history
    d = self._data
    if not d.flags.writeable and 0 in d.strides and d.size > 1:  # an expanded tensor
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )
    batched = _registry._transform is not None and _is_batched(self)
    if batched:  # a BatchedTensor's graph lives on its physical tensor (Note [How vmap works])
        recording = _grad_enabled() and (
            self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)
        )
    else:
        recording = _grad_enabled() and (
            self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)
        )
    if recording and batched:
        old = _vmap_module().snapshot(self)
    elif recording:
        old = Tensor._make(self._data.copy())
        old._grad_fn, old._output_nr, old._requires_grad = self._grad_fn, self._output_nr, self._requires_grad
    else:
        old = self
    forward = _registry._transform is not None  # forward-mode AD may be on: tangents move too
    if forward:
        from ..autograd import forward_ad

        forward_ad.inplace_input(self, old)
    result = out_of_place(old)
    rd = result._data
    if rd.dtype != self._data.dtype and not _dtype.can_cast(
        _dtype.from_numpy_dtype(rd.dtype), self.dtype
    ):
        raise RuntimeError(
            f"result type {_TYPE_WORD[rd.dtype.kind]} can't be cast to the desired output type "
            f"{_dtype_word(self._data.dtype)}"
        )
    if rd.shape != self._data.shape:
        try:
            np.broadcast_to(rd, self._data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape {list(rd.shape)}"
            ) from None
    if recording and batched:
        _vmap_module().rebase(self, result)  # before the write: it may refuse (and vmap loop)
    if _registry._transform is not None and _write_batched(self, result):
        pass  # vmap wrote the whole batch (Note [How vmap works] in func/_vmap.py)
    elif self._data.flags.writeable:
        np.copyto(self._data, rd, casting="unsafe")
    else:
        raise RuntimeError("cannot write into a read-only tensor (it shares memory with a read-only array)")
    _inplace.bump(self._vc, op_name)
    if recording and result._grad_fn is not None and not batched:
        if self._extra is not None and self._extra.base is not None:
            from .movement import rebase_view

            rebase_view(self, result)
        else:
            old_node, old_nr = self._grad_fn, self._output_nr
            self._grad_fn = result._grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = True
            if self._extra is not None and self._extra.retains_grad:
                from .movement import move_retain_grad

                move_retain_grad(self, old_node, old_nr)
    if forward:
        forward_ad.inplace_result(self, result)
    return self


def _write_batched(self: Tensor, result: Tensor) -> bool:
    return _vmap_module().write_inplace(self, result)


def _vmap_module():
    from ..func import _vmap

    return _vmap


def _is_batched(t: Tensor) -> bool:
    return type(t) is _vmap_module().BatchedTensor


_TYPE_WORD = {"f": "Float", "c": "ComplexFloat", "i": "Long", "u": "Byte", "b": "Bool"}


def _dtype_word(np_dtype) -> str:
    """PyTorch's name of a NumPy dtype in its messages (``Float``, ``Long``, ...)."""
    return _dtype.scalar_type_name(_dtype.from_numpy_dtype(np_dtype))


__all__ += ["Primitive", "record", "is_scalar"]
