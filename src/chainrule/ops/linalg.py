"""Matrix products. ``matmul`` dispatches to the primitive PyTorch would use, so that
``grad_fn`` prints the same node name (DotBackward0, MvBackward0, MmBackward0, ...)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._common import as_tensor_arg
from ._registry import defvjp, primitive, record
from .movement import squeeze_dims, transpose, unsqueeze

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "bmm", "dot", "matmul", "mm", "mv",
]


@primitive("DotBackward0")
def _dot(x, y):
    return np.asarray(np.dot(x, y))


defvjp(_dot, lambda grad, result, x, y: grad * y, lambda grad, result, x, y: grad * x)


@primitive("MvBackward0")
def _mv(m, v):
    return np.matmul(m, v)


defvjp(
    _mv,
    lambda grad, result, m, v: unsqueeze(grad, -1) * v,  # outer(grad, v)
    lambda grad, result, m, v: matmul(transpose(m, 0, 1), grad),
)


@primitive("MmBackward0")
def _mm(x, y):
    return np.matmul(x, y)


defvjp(
    _mm,
    lambda grad, result, x, y: matmul(grad, transpose(y, -1, -2)),
    lambda grad, result, x, y: matmul(transpose(x, -1, -2), grad),
)


def _matmul_kernel(x, y):
    return np.matmul(x, y)


def _matmul_vjp_input(grad, result, x, y):
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return matmul(unsqueeze(grad, -1), unsqueeze(y, 0)) if x.ndim > 1 else grad * y
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m); the engine sums the batch dims
        return squeeze_dims(matmul(unsqueeze(grad, -2), transpose(y, -1, -2)), (grad.ndim - 1,))
    return matmul(grad, transpose(y, -1, -2))


def _matmul_vjp_other(grad, result, x, y):
    if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return matmul(unsqueeze(x, -1), unsqueeze(grad, -2)) if y.ndim > 1 else grad * x
    if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n); the engine sums the batch dims
        return squeeze_dims(matmul(transpose(x, -1, -2), unsqueeze(grad, -1)), (grad.ndim,))
    return matmul(transpose(x, -1, -2), grad)


# Batched products. torch.bmm's node is BmmBackward0; matmul of batches reshapes around a
# bmm or an mm, so PyTorch names its node UnsafeViewBackward0. Broadcast batch dimensions
# are summed back by the engine.
_bmm_prims = {name: primitive(name)(_matmul_kernel) for name in ("BmmBackward0", "UnsafeViewBackward0")}
for _p in _bmm_prims.values():
    defvjp(_p, _matmul_vjp_input, _matmul_vjp_other)


def _check_matmul(a: Tensor, b: Tensor) -> None:
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a._data.ndim}D and {b._data.ndim}D"
        )
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_word(a)} != {_word(b)}"
        )
    k1 = a._data.shape[-1]
    k2 = b._data.shape[-2] if b._data.ndim > 1 else b._data.shape[0]
    if k1 != k2:
        if a._data.ndim == 1 and b._data.ndim == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{k1}] and src [{k2}] to have the same "
                f"number of elements, but got {k1} and {k2} elements respectively"
            )
        rows = a._data.shape[-2] if a._data.ndim > 1 else 1
        cols = b._data.shape[-1] if b._data.ndim > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k1} and {k2}x{cols})"
        )


def _word(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int"}.get(
        t._data.dtype.name, t._data.dtype.name
    )


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy's (and PyTorch's) broadcasting rules for 1-D and batched inputs.

    >>> chainrule.matmul(chainrule.ones(2, 3), chainrule.ones(3))
    tensor([3., 3.])
    """
    input, other = as_tensor_arg(input), as_tensor_arg(other, "other")
    _check_matmul(input, other)
    a, b = input._data, other._data
    if a.ndim == 1 and b.ndim == 1:
        return record(_dot, np.asarray(np.dot(a, b)), (input, other), None)
    if a.ndim == 2 and b.ndim == 1:
        return record(_mv, np.matmul(a, b), (input, other), None)
    if a.ndim == 2 and b.ndim == 2:
        return record(_mm, np.matmul(a, b), (input, other), None)
    if a.ndim == 1 and b.ndim == 2:  # PyTorch: unsqueeze(0).mm(other).squeeze_(0)
        return squeeze_dims(matmul(unsqueeze(input, 0), other), (0,), "SqueezeBackward4")
    return _batched(_bmm_prims["UnsafeViewBackward0"], input, other)


def _batched(prim, input: Tensor, other: Tensor) -> Tensor:
    try:
        out = np.matmul(input._data, other._data)
    except ValueError:
        from .elementwise import broadcast_error

        raise broadcast_error(input._data.shape[:-2], other._data.shape[:-2]) from None
    return record(prim, out, (input, other), None)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two 2-D matrices."""
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError("self must be a matrix" if input._data.ndim != 2 else "mat2 must be a matrix")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors"
        )
    return matmul(input, other)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of two 3-D tensors with the same batch size."""
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if input._data.ndim != 3 else "batch2 must be a 3D tensor")
    (b, _, k), (b2, k2, _) = input._data.shape, mat2._data.shape
    if (b2, k2) != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: [{b2}, {k2}]."
        )
    _check_matmul(input, mat2)
    return _batched(_bmm_prims["BmmBackward0"], input, mat2)


