"""Matrix products. ``matmul`` dispatches to the primitive PyTorch would use, so that
``grad_fn`` prints the same node name (DotBackward0, MvBackward0, MmBackward0, ...)."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._common import as_tensor_arg, norm_dim
from ._registry import defvjp, primitive, record
from . import elementwise as ew
from . import movement as mov
from . import reduction as red
from .movement import squeeze_dims, t, transpose, unsqueeze

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "addbmm", "addbmm_", "addmm", "addmm_", "addmv", "addmv_", "addr", "addr_", "baddbmm", "baddbmm_", "bmm", "cdist",
    "cholesky", "cholesky_inverse", "cholesky_solve", "cross", "det", "dot", "einsum", "ger", "inner", "inverse",
    "kron", "logdet", "matmul", "matrix_exp", "matrix_power", "mm", "mv", "outer", "pinverse", "qr", "slogdet",
    "svd", "tensordot", "vdot",
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
    lambda grad, result, m, v: matmul(t(m), grad),
)


@primitive("MmBackward0")
def _mm(x, y):
    return np.matmul(x, y)


# t() as PyTorch's rules (a TBackward0 node when differentiated again), and cheaper than transpose.
defvjp(
    _mm,
    lambda grad, result, x, y: matmul(grad, t(y)),
    lambda grad, result, x, y: matmul(t(x), grad),
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
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        a, b = input._data, other._data
        # Fast path for two matrices of one dtype whose inner sizes agree (every product in a
        # linear layer's backward): every check of ``_check_matmul`` would pass, so skip it.
        if a.ndim == 2 and b.ndim == 2 and a.dtype is b.dtype and a.shape[1] == b.shape[0]:
            return record(_mm, np.matmul(a, b), (input, other), None)
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


def _stack_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul`` of stacks of matrices, with the two stacks vmap makes (per-sample gradients) fast."""
    if a.ndim == 3 and b.ndim == 3 and a.shape[0] == b.shape[0] > 0:
        if a.shape[2] == 1 and b.shape[1] == 1:  # outer products: one multiply, nothing to sum
            return np.multiply(a, b)
        if b.strides[0] == 0 and a.shape[1] == 1:  # one row each times one shared (expanded) matrix: one GEMM
            return np.matmul(a[:, 0, :], b[0])[:, None, :]
    return np.matmul(a, b)


def _batched(prim, input: Tensor, other: Tensor) -> Tensor:
    try:
        out = _stack_matmul(input._data, other._data)
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




# -- products built on matmul -------------------------------------------------------------------


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``input[i] * vec2[j]``.

    >>> chainrule.outer(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    input, vec2 = as_tensor_arg(input), as_tensor_arg(vec2, "vec2")
    for name, arg in (("self", input), ("vec2", vec2)):
        if arg._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {arg._data.ndim}-D")
    return ew.mul(unsqueeze(input, 1), vec2)  # PyTorch's node is MulBackward0 too


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """Alias of :func:`outer`."""
    return outer(input, vec2)


@primitive("VdotBackward0")
def _vdot(x, y):
    return np.asarray(np.vdot(x, y))


defvjp(_vdot, lambda grad, result, x, y: grad * y, lambda grad, result, x, y: grad * x)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Dot product of two 1-D tensors, conjugating the first (a no-op for real tensors)."""
    input, other = as_tensor_arg(input), as_tensor_arg(other, "other")
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors"
        )
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {_type_name(input)} and {_type_name(other)}"
        )
    if input._data.shape != other._data.shape:
        n, m = input._data.shape[0], other._data.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively"
        )
    return _vdot(input, other)


def _type_name(t: Tensor) -> str:
    from .._tensor import _SCALAR_TYPE_NAMES

    return _SCALAR_TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dimension of both (a product when either is 0-d)."""
    input, other = as_tensor_arg(input), as_tensor_arg(other, "other")
    if input._data.ndim == 0 or other._data.ndim == 0:
        return ew.mul(input, other)
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input._data.shape)} and {list(other._data.shape)}"
        )
    return tensordot(input, other, dims=([-1], [-1]))


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract the dims ``dims[0]`` of ``a`` with ``dims[1]`` of ``b`` (an int ``n``: the last
    ``n`` of ``a`` with the first ``n`` of ``b``), as one matrix product."""
    a, b = as_tensor_arg(a, "a"), as_tensor_arg(b, "b")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a._data.ndim or dims > b._data.ndim:
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}"
            )
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, (int, np.integer)) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, (int, np.integer)) else list(dims_b)
        if len(dims_a) != len(dims_b):
            raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    sa, sb = a._data.shape, b._data.shape
    for da, db in zip(dims_a, dims_b, strict=True):
        if sa[da] != sb[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {sa[da]} in dim {da} "
                f"and second has size {sb[db]} in dim {db}"
            )
    ca = [norm_dim(int(d), a._data.ndim) for d in dims_a]
    cb = [norm_dim(int(d), b._data.ndim) for d in dims_b]
    free_a = [d for d in range(a._data.ndim) if d not in ca]
    free_b = [d for d in range(b._data.ndim) if d not in cb]
    k = _prod(sa[d] for d in ca)
    a2 = mov.reshape(_permuted(a, free_a + ca), (_prod(sa[d] for d in free_a), k))
    b2 = mov.reshape(_permuted(b, cb + free_b), (k, _prod(sb[d] for d in free_b)))
    # PyTorch's node: the view that shapes the product (ViewBackward0)
    return mov.view(matmul(a2, b2), tuple(sa[d] for d in free_a) + tuple(sb[d] for d in free_b))


def _prod(sizes) -> int:
    n = 1
    for s in sizes:
        n *= s
    return n


def _permuted(t: Tensor, order: list) -> Tensor:
    """``t.permute(order)``, or ``t`` itself when ``order`` is the identity."""
    if order == list(range(t._data.ndim)):
        return t
    return mov.permute(t, tuple(order))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: blocks ``input[i, j] * other`` (the smaller rank is padded with 1s)."""
    input, other = as_tensor_arg(input), as_tensor_arg(other, "other")
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    # Interleave: a[i0, 1, i1, 1, ...] * b[1, j0, 1, j1, ...], then merge each pair of dims.
    a = mov.reshape(input, tuple(x for s in sa for x in (s, 1)))
    b = mov.reshape(other, tuple(x for s in sb for x in (1, s)))
    prod = ew.mul(a, b)
    # PyTorch merges with _unsafe_view (UnsafeViewBackward0).
    return mov._reshape_copy(prod, shape=tuple(p * q for p, q in zip(sa, sb, strict=True)))


# -- add + product (addmm, addmv, addbmm, baddbmm) -----------------------------------------------


def _scaled(t: Tensor, factor) -> Tensor:
    return t if factor == 1 else t * factor


def _add_product(input, product, beta, alpha):
    """``beta * input + alpha * product`` on arrays; beta = 0 ignores input (even NaN), as PyTorch."""
    out = product if alpha == 1 else product * np.asarray(alpha, product.dtype)
    if beta == 0:
        return np.broadcast_to(out, np.broadcast_shapes(np.shape(input), out.shape)).copy()
    return out + (input if beta == 1 else input * np.asarray(beta, product.dtype))


@primitive("AddmmBackward0")
def _addmm(input, mat1, mat2, *, beta, alpha):
    return _add_product(input, np.matmul(mat1, mat2), beta, alpha)


defvjp(
    _addmm,
    lambda grad, result, input, m1, m2, *, beta, alpha: _scaled(grad, beta),
    lambda grad, result, input, m1, m2, *, beta, alpha: _scaled(matmul(grad, transpose(m2, -2, -1)), alpha),
    lambda grad, result, input, m1, m2, *, beta, alpha: _scaled(matmul(transpose(m1, -2, -1), grad), alpha),
)


@primitive("AddrBackward0")
def _addr(input, vec1, vec2, *, beta, alpha):
    return _add_product(input, np.multiply.outer(vec1, vec2), beta, alpha)


defvjp(
    _addr,
    lambda grad, result, input, v1, v2, *, beta, alpha: _scaled(grad, beta),
    lambda grad, result, input, v1, v2, *, beta, alpha: _scaled(matmul(grad, v2), alpha),
    lambda grad, result, input, v1, v2, *, beta, alpha: _scaled(matmul(v1, grad), alpha),
)


@primitive("AddmvBackward0")
def _addmv(input, mat, vec, *, beta, alpha):
    return _add_product(input, np.matmul(mat, vec), beta, alpha)


defvjp(
    _addmv,
    lambda grad, result, input, mat, vec, *, beta, alpha: _scaled(grad, beta),
    lambda grad, result, input, mat, vec, *, beta, alpha: _scaled(outer(grad, vec), alpha),
    lambda grad, result, input, mat, vec, *, beta, alpha: _scaled(matmul(transpose(mat, 0, 1), grad), alpha),
)


@primitive("BaddbmmBackward0")
def _baddbmm(input, b1, b2, *, beta, alpha):
    return _add_product(input, np.matmul(b1, b2), beta, alpha)


defvjp(
    _baddbmm,
    lambda grad, result, input, b1, b2, *, beta, alpha: _scaled(grad, beta),
    lambda grad, result, input, b1, b2, *, beta, alpha: _scaled(matmul(grad, transpose(b2, -2, -1)), alpha),
    lambda grad, result, input, b1, b2, *, beta, alpha: _scaled(matmul(transpose(b1, -2, -1), grad), alpha),
)


@primitive("AddbmmBackward0")
def _addbmm(input, b1, b2, *, beta, alpha):
    return _add_product(input, np.matmul(b1, b2).sum(0), beta, alpha)


def _addbmm_vjp_b1(grad, result, input, b1, b2, *, beta, alpha):
    # grad is the same for every batch: grad @ b2[i]^T
    return _scaled(matmul(unsqueeze(grad, 0), transpose(b2, 1, 2)), alpha)


def _addbmm_vjp_b2(grad, result, input, b1, b2, *, beta, alpha):
    return _scaled(matmul(transpose(b1, 1, 2), unsqueeze(grad, 0)), alpha)


defvjp(_addbmm, lambda grad, result, input, b1, b2, *, beta, alpha: _scaled(grad, beta), _addbmm_vjp_b1, _addbmm_vjp_b2)


def _check_add_input(input: Tensor, shape: tuple) -> None:
    try:
        np.broadcast_to(np.empty(input._data.shape, dtype=bool), shape)
    except ValueError:
        from .movement import expand_error

        raise expand_error(input._data.shape, shape) from None


def _check_same_dtype(input: Tensor, *others: Tensor) -> None:
    for o in others:
        if o._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"self and mat2 must have the same dtype, but got {_type_name(input)} and {_type_name(o)}"
            )


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    input, mat1, mat2 = as_tensor_arg(input), as_tensor_arg(mat1, "mat1"), as_tensor_arg(mat2, "mat2")
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m._data.ndim}-D tensor")
    _check_matmul(mat1, mat2)
    _check_same_dtype(input, mat1)
    _check_add_input(input, (mat1._data.shape[0], mat2._data.shape[1]))
    return _addmm(input, mat1, mat2, beta=beta, alpha=alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    input, mat, vec = as_tensor_arg(input), as_tensor_arg(mat, "mat"), as_tensor_arg(vec, "vec")
    if mat._data.ndim != 2 or vec._data.ndim != 1 or mat._data.shape[1] != vec._data.shape[0] or (
        input._data.ndim == 1 and input._data.shape[0] not in (1, mat._data.shape[0])
    ):
        raise RuntimeError(
            f"size mismatch, got input ({_dims(input)}), mat ({_dims(mat)}), vec ({_dims(vec)})"
        )
    _check_same_dtype(input, mat, vec)
    _check_add_input(input, (mat._data.shape[0],))
    return _addmv(input, mat, vec, beta=beta, alpha=alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    input, vec1, vec2 = as_tensor_arg(input), as_tensor_arg(vec1, "vec1"), as_tensor_arg(vec2, "vec2")
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    # Unlike addmm and addmv, PyTorch's addr promotes its arguments to a common dtype.
    dt = _dtype.result_type(input, vec1, vec2)
    input, vec1, vec2 = (t if t.dtype is dt else ew.to_dtype(t, dt) for t in (input, vec1, vec2))
    _check_add_input(input, (vec1._data.shape[0], vec2._data.shape[0]))
    return _addr(input, vec1, vec2, beta=beta, alpha=alpha)


def _dims(t: Tensor) -> str:
    return "x".join(str(s) for s in t._data.shape)


def _check_batches(b1: Tensor, b2: Tensor) -> None:
    if b1._data.ndim != 3 or b2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if b1._data.ndim != 3 else "batch2 must be a 3D tensor")
    (b, _, k), (bb, kk, _) = b1._data.shape, b2._data.shape
    if (bb, kk) != (b, k):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] but got: [{bb}, {kk}]."
        )


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices."""
    input, batch1, batch2 = as_tensor_arg(input), as_tensor_arg(batch1, "batch1"), as_tensor_arg(batch2, "batch2")
    _check_batches(batch1, batch2)
    _check_same_dtype(input, batch1, batch2)
    _check_add_input(input, batch1._data.shape[:2] + batch2._data.shape[2:])
    return _baddbmm(input, batch1, batch2, beta=beta, alpha=alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    input, batch1, batch2 = as_tensor_arg(input), as_tensor_arg(batch1, "batch1"), as_tensor_arg(batch2, "batch2")
    _check_batches(batch1, batch2)
    _check_same_dtype(input, batch1, batch2)
    _check_add_input(input, batch1._data.shape[1:2] + batch2._data.shape[2:])
    return _addbmm(input, batch1, batch2, beta=beta, alpha=alpha)


def _inplace_form(fn, name: str):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        from ._common import apply_inplace

        return apply_inplace(self, name, lambda s: fn(s, *args, **kwargs), args)

    method.__name__ = name
    method.__doc__ = f"In-place :func:`{fn.__name__}`."
    return method


addmm_ = _inplace_form(addmm, "addmm_")
addr_ = _inplace_form(addr, "addr_")
addmv_ = _inplace_form(addmv, "addmv_")
addbmm_ = _inplace_form(addbmm, "addbmm_")
baddbmm_ = _inplace_form(baddbmm, "baddbmm_")


# -- einsum ---------------------------------------------------------------------------------------


def _einsum_parse(equation: str, operands: tuple):
    """Each operand's labels and the output's. Letters stay letters; the dims an ellipsis
    covers become labels ``".0"``, ``".1"``... aligned from the right across operands."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    pos = 0
    parsed = []
    for term in terms:
        labels, i = [], 0
        while i < len(term):
            if term[i] == ".":
                if not term.startswith("...", i):
                    raise RuntimeError(f"einsum(): found '.' for operand {len(parsed)} that is not part of any ellipsis")
                if "..." in labels:
                    raise RuntimeError(
                        f"einsum(): found '.' for operand {len(parsed)} for which an ellipsis was already found"
                    )
                labels.append("...")
                i += 3
                continue
            if not term[i].isalpha() or not term[i].isascii():
                raise RuntimeError(
                    f"einsum(): invalid subscript given at index {pos + i} in the equation string, "
                    "subscripts must be in [a-zA-Z]"
                )
            labels.append(term[i])
            i += 1
        parsed.append(labels)
        pos += len(term) + 1
    n_ell = 0
    for k, (labels, op) in enumerate(zip(parsed, operands, strict=True)):
        ndim, named = op._data.ndim, len(labels) - ("..." in labels)
        if "..." in labels:
            if named > ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) is more than the number "
                    f"of dimensions ({ndim}) for operand {k}"
                )
            n_ell = max(n_ell, ndim - named)
        elif named != ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match the number "
                f"of dimensions ({ndim}) for operand {k} and no ellipsis was given"
            )
    ell = [f".{j}" for j in range(n_ell)]
    inputs = []
    for labels, op in zip(parsed, operands, strict=True):
        if "..." in labels:
            i = labels.index("...")
            covered = op._data.ndim - (len(labels) - 1)
            labels = labels[:i] + ell[n_ell - covered:] + labels[i + 1:]
        inputs.append(labels)
    if arrow:
        out = []
        i = 0
        while i < len(rhs):
            if rhs.startswith("...", i):
                out += ell
                i += 3
                continue
            c = rhs[i]
            if not c.isalpha() or not c.isascii():
                raise RuntimeError(
                    f"einsum(): invalid subscript given at index {len(lhs) + 2 + i} in the equation string, "
                    "subscripts must be in [a-zA-Z]"
                )
            if not any(c in labels for labels in inputs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
            if c in out:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            out.append(c)
            i += 1
    else:  # implicit: the ellipsis, then the letters seen once, in alphabetical order
        counts: dict = {}
        for labels in inputs:
            for c in labels:
                counts[c] = counts.get(c, 0) + 1
        out = ell + sorted(c for c, n in counts.items() if n == 1 and not c.startswith("."))
    return inputs, out


def einsum(*args) -> Tensor:
    """Sum of products of the operands' elements, as the equation's subscripts say.

    >>> a, b = chainrule.ones(2, 3), chainrule.ones(3, 4)
    >>> chainrule.einsum("ij,jk->ik", a, b).shape
    torch.Size([2, 4])
    """
    if args and isinstance(args[0], Tensor):  # sublist form: einsum(a, [0, 1], b, [1, 2], [0, 2])
        args = _einsum_from_sublists(args)
    if not args or not isinstance(args[0], str):
        raise TypeError("einsum(): the first argument must be the equation string")
    equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(as_tensor_arg(o, "operands") for o in operands)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    dtypes = {o._data.dtype for o in operands}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"expected scalar type {_type_name(operands[0])} but found "
            f"{next(_type_name(o) for o in operands if o._data.dtype != operands[0]._data.dtype)}"
        )
    inputs, out = _einsum_parse(equation, operands)
    sizes: dict = {}
    for k, (labels, op) in enumerate(zip(inputs, operands, strict=True)):
        seen: dict = {}
        for c, s in zip(labels, op._data.shape, strict=True):
            if c in seen and seen[c] != s:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, {s} != {seen[c]}"
                )
            seen[c] = s
            prev = sizes.get(c, 1)
            if s != 1 and prev != 1 and s != prev:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {s} for operand {k} which does not broadcast with "
                    f"previously seen size {prev}"
                )
            sizes[c] = s if s != 1 else prev
    terms = []
    for k, (labels, op) in enumerate(zip(inputs, operands, strict=True)):
        op, labels = _einsum_diagonals(op, labels)
        later = set(out).union(*inputs[:k], *inputs[k + 1:])
        alone = [i for i, c in enumerate(labels) if c not in later]
        if alone:  # summed before any product, as PyTorch does
            op = red.sum(op, tuple(alone))
            labels = [c for c in labels if c in later]
        terms.append((op, labels))
    result, labels = terms[0]
    for k in range(1, len(terms)):
        keep = set(out).union(*(t[1] for t in terms[k + 1:]))
        result, labels = _einsum_pair(result, labels, *terms[k], keep)
    order = [labels.index(c) for c in out]
    if result is operands[0] and order == list(range(len(order))):
        return mov.permute(result, tuple(order))  # a view, never the operand itself (as PyTorch)
    return _permuted(result, order)


def _einsum_from_sublists(args: tuple) -> tuple:
    """``(equation, *operands)`` from PyTorch's sublist form: ints in [0, 52) name dims, ``...`` an ellipsis."""

    def letters(sub) -> str:
        out = []
        for d in sub:
            if d is Ellipsis:
                out.append("...")
            elif isinstance(d, (int, np.integer)) and 0 <= d < 52:
                out.append(chr(ord("A") + d) if d < 26 else chr(ord("a") + d - 26))
            else:
                raise RuntimeError(f"einsum(): expected subscript to be within the range [0, 52) but got {d}")
        return "".join(out)

    operands = args[0:len(args) - len(args) % 2:2]
    terms = [letters(sub) for sub in args[1::2]][: len(operands)]
    equation = ",".join(terms)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return (equation, *operands)


def _einsum_diagonals(op: Tensor, labels: list):
    """Take the diagonal over each label repeated within one operand (``ii->i``)."""
    while len(set(labels)) < len(labels):
        c = next(c for c in labels if labels.count(c) > 1)
        where_c = [i for i, x in enumerate(labels) if x == c]
        rest = [i for i in range(len(labels)) if i not in where_c]
        op = _permuted(op, rest + where_c)
        n = op._data.shape[-1]
        idx = Tensor._make(np.arange(n))
        op = mov.getitem(op, (Ellipsis,) + (idx,) * len(where_c))
        labels = [labels[i] for i in rest] + [c]
    return op, labels


def _einsum_pair(a: Tensor, la: list, b: Tensor, lb: list, keep: set):
    """The product of two terms, summing the labels they share that nothing later needs."""
    shared = [c for c in la if c in lb]
    contracted = [c for c in shared if c not in keep]
    # A contracted label of size 1 on one side only broadcasts: sum each side by itself.
    lone = [c for c in contracted if a._data.shape[la.index(c)] != b._data.shape[lb.index(c)]]
    if lone:
        a = red.sum(a, tuple(la.index(c) for c in lone))
        b = red.sum(b, tuple(lb.index(c) for c in lone))
        la = [c for c in la if c not in lone]
        lb = [c for c in lb if c not in lone]
        contracted = [c for c in contracted if c not in lone]
    batch = [c for c in shared if c in keep]
    left = [c for c in la if c not in lb]
    right = [c for c in lb if c not in la]
    if not contracted:  # a broadcast product (PyTorch: MulBackward0)
        a = _permuted(a, [la.index(c) for c in batch + left])
        b = _permuted(b, [lb.index(c) for c in batch + right])
        for _ in right:
            a = unsqueeze(a, -1)
        for _ in left:
            b = unsqueeze(b, len(batch))
        return ew.mul(a, b), batch + left + right
    sa, sb = a._data.shape, b._data.shape
    a = _permuted(a, [la.index(c) for c in batch + left + contracted])
    b = _permuted(b, [lb.index(c) for c in batch + contracted + right])
    bsa = tuple(sa[la.index(c)] for c in batch)
    bsb = tuple(sb[lb.index(c)] for c in batch)
    left_sizes = tuple(sa[la.index(c)] for c in left)
    right_sizes = tuple(sb[lb.index(c)] for c in right)
    k = _prod(sa[la.index(c)] for c in contracted)
    a = mov.reshape(a, bsa + (_prod(left_sizes), k))
    b = mov.reshape(b, bsb + (k, _prod(right_sizes)))
    prod = matmul(a, b)
    bs = tuple(max(p, q) for p, q in zip(bsa, bsb, strict=True))
    return mov.view(prod, bs + left_sizes + right_sizes), batch + left + right


# -- cross products and distances -----------------------------------------------------------------


@primitive("LinalgCrossBackward0")
def _cross(x, y, *, dim):
    x, y = np.broadcast_arrays(x, y)
    return np.cross(x, y, axis=dim)


defvjp(
    _cross,
    lambda grad, result, x, y, *, dim: _cross(y, grad, dim=dim),
    lambda grad, result, x, y, *, dim: _cross(grad, x, dim=dim),
)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (``chainrule.linalg.cross``)."""
    input, other = as_tensor_arg(input), as_tensor_arg(other, "other")
    if input._data.ndim != other._data.ndim:
        raise RuntimeError(
            "linalg.cross: inputs must have the same number of dimensions."
        )
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(other)}")
    nd = input._data.ndim
    d = norm_dim(dim, nd)
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input._data.shape[d]} and "
            f"{other._data.shape[d]}"
        )
    try:
        np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        from .elementwise import broadcast_error

        raise broadcast_error(input._data.shape, other._data.shape) from None
    return _cross(input, other, dim=d - nd)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """Cross product along ``dim`` (default: the first dimension of size 3, with PyTorch's warning)."""
    input, other = as_tensor_arg(input), as_tensor_arg(other, "other")
    if dim is None:
        import warnings

        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\n"
            "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
            "The default value of dim will change to agree with that of linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        shape = np.broadcast_shapes(input._data.shape, other._data.shape) if input._data.ndim == other._data.ndim else ()
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


@primitive("CdistBackward0", save_result=True)
def _cdist(x1, x2, *, p):
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return np.count_nonzero(diff, axis=-1).astype(x1.dtype)
    if p == np.inf:
        return np.max(diff, axis=-1, initial=0.0).astype(x1.dtype, copy=False)
    if p == 2:
        return np.sqrt(np.sum(diff * diff, axis=-1))
    if p == 1:
        return np.sum(diff, axis=-1)
    return np.sum(diff**p, axis=-1) ** (1.0 / p)


def _cdist_dist_grad(grad, result, x1, x2, p):
    """d(sum grad * dist) / d(x1 - x2), over (..., P, R, M); zero where a distance is 0."""
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)
    g = unsqueeze(grad, -1)
    if p == 0:
        return diff * 0.0
    if p == 1:
        return g * ew.sign(diff)
    dist = unsqueeze(result, -1)
    zero = dist == 0
    if p == 2:
        return diff * ew.where(zero, 0.0, g / ew.where(zero, 1.0, dist))
    if p == np.inf:
        return g * ew.sign(diff) * (ew.abs(diff) == dist)
    scale = ew.where(zero, 0.0, g / ew.where(zero, 1.0, dist) ** (p - 1))
    return ew.sign(diff) * ew.abs(diff) ** (p - 1) * scale


def _cdist_vjp_x1(grad, result, x1, x2, *, p):
    return red.sum(_cdist_dist_grad(grad, result, x1, x2, p), -2)


def _cdist_vjp_x2(grad, result, x1, x2, *, p):
    return -red.sum(_cdist_dist_grad(grad, result, x1, x2, p), -3)


defvjp(_cdist, _cdist_vjp_x1, _cdist_vjp_x2)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M)."""
    x1, x2 = as_tensor_arg(x1, "x1"), as_tensor_arg(x2, "x2")
    if x1._data.ndim < 2 or x2._data.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X1 got: {x1._data.ndim}D"
            if x1._data.ndim < 2 else f"cdist only supports at least 2D tensors, X2 got: {x2._data.ndim}D"
        )
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: {x2._data.shape[-1]}"
        )
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(x1)} but found {_type_name(x2)}")
    if x1._data.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {_type_name(x1)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    rows = max(x1._data.shape[-2], x2._data.shape[-2])
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (compute_mode == _CDIST_MODES[0] and rows > 25)):
        # PyTorch's matrix-product path (its own node, then a view): the same values to rounding
        out = _euclidean_dist(x1, x2)
        return mov.view(out, out._data.shape)
    return _cdist(x1, x2, p=float(p))


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


@primitive("EuclideanDistBackward0", save_result=True)
def _euclidean_dist(x1, x2):
    # ||a - b||^2 = [-2a, |a|^2, 1] . [b, 1, |b|^2]: one matrix product, clamped at 0 against rounding.
    n1 = np.sum(x1 * x1, axis=-1, keepdims=True)
    n2 = np.sum(x2 * x2, axis=-1, keepdims=True)
    a = np.concatenate([-2 * x1, n1, np.ones_like(n1)], axis=-1)
    b = np.concatenate([x2, np.ones_like(n2), n2], axis=-1)
    return np.sqrt(np.maximum(np.matmul(a, np.swapaxes(b, -1, -2)), 0))


def _euclidean_ratio(grad, result):
    zero = result == 0
    return ew.where(zero, 0.0, grad / ew.where(zero, 1.0, result))  # 0 at coincident points, as PyTorch


def _euclidean_dist_vjp_x1(grad, result, x1, x2):
    ratio = _euclidean_ratio(grad, result)
    return x1 * red.sum(ratio, -1, keepdim=True) - matmul(ratio, x2)


def _euclidean_dist_vjp_x2(grad, result, x1, x2):
    ratio = _euclidean_ratio(grad, result)
    return x2 * unsqueeze(red.sum(ratio, -2), -1) - matmul(transpose(ratio, -1, -2), x1)


defvjp(_euclidean_dist, _euclidean_dist_vjp_x1, _euclidean_dist_vjp_x2)


# -- torch.* spellings of chainrule.linalg functions ---------------------------------------------


def _linalg():
    from .. import linalg  # the package imports this module: imported late

    return linalg


def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix (``chainrule.linalg.det``)."""
    return _linalg().det(input)


def inverse(input: Tensor) -> Tensor:
    """The inverse of each square matrix (``chainrule.linalg.inv``)."""
    return _linalg().inv(input)


def slogdet(input: Tensor) -> tuple:
    """``(sign, logabsdet)`` of each determinant (``chainrule.linalg.slogdet``)."""
    from ..linalg._decompositions import TorchSlogdetResult

    return TorchSlogdetResult(*_linalg().slogdet(input))


def logdet(input: Tensor) -> Tensor:
    """The log of each determinant: NaN for a negative one, -inf for zero."""
    sign, logabs = _linalg().slogdet(input)
    from .elementwise import where

    return where(sign < 0, float("nan"), logabs)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``chainrule.linalg.matrix_power``."""
    return _linalg().matrix_power(input, n)


def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential (``chainrule.linalg.matrix_exp``)."""
    return _linalg().matrix_exp(input)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond * s_max`` counting as 0."""
    return _linalg().pinv(input, rtol=rcond)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> tuple:
    """``(U, S, V)`` with ``input = U diag(S) V^T`` (note V, not ``linalg.svd``'s Vh); ``some``:
    reduced U and V. Without ``compute_uv``, U and V are zeros."""
    from ..linalg._decompositions import TorchSVDResult

    if compute_uv:
        u, s, vh = _linalg().svd(input, full_matrices=not some)
        return TorchSVDResult(u, s, transpose(vh, -2, -1))
    s = _linalg().svdvals(input)
    m, n = input._data.shape[-2:]
    batch, dt = input._data.shape[:-2], input._data.dtype
    return TorchSVDResult(Tensor._make(np.zeros(batch + (m, m), dt)), s, Tensor._make(np.zeros(batch + (n, n), dt)))


def qr(input: Tensor, some: bool = True) -> tuple:
    """Deprecated spelling of ``chainrule.linalg.qr`` (``some``: reduced, else complete)."""
    import warnings

    from ..linalg._decompositions import TorchQRResult

    warnings.warn(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
        "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
        "Q, R = torch.qr(A, some)\nshould be replaced with\n"
        "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')",
        UserWarning,
        stacklevel=2,
    )
    return TorchQRResult(*_linalg().qr(input, "reduced" if some else "complete"))


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """Deprecated spelling of ``chainrule.linalg.cholesky`` (its node: CholeskyBackward0)."""
    import warnings

    from ..linalg._decompositions import _cholesky_legacy, check_matrix

    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
        "release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
        "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
        "This transform will produce equivalent results for all valid (symmetric positive definite) inputs.",
        UserWarning,
        stacklevel=2,
    )
    check_matrix("linalg.cholesky", input)
    return _cholesky_legacy(input, upper=upper)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """The solution X of ``A X = input`` given A's Cholesky factor ``input2`` (lower, or upper)."""
    from ..linalg._decompositions import _cholesky_solve, check_matrix

    check_matrix("cholesky_solve", input2, argname="input2")
    if not isinstance(input, Tensor) or input._data.ndim < 2:
        raise RuntimeError(
            f"b should have at least 2 dimensions, but has {getattr(input, 'ndim', 0)} dimensions instead"
        )
    if input._data.dtype != input2._data.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {_type_name(input)} and A of type "
            f"{_type_name(input2)} instead."
        )
    if input._data.shape[-2] != input2._data.shape[-1]:
        n = input2._data.shape[-1]
        raise RuntimeError(
            f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} by {n} but each b matrix is "
            f"{input._data.shape[-2]} by {input._data.shape[-1]}"
        )
    return _cholesky_solve(input, input2, upper=upper)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """The inverse of ``A = L L^T`` given its Cholesky factor L (or U with ``upper``)."""
    from ..linalg._decompositions import _cholesky_inverse, check_matrix

    check_matrix("cholesky_inverse", input)
    return _cholesky_inverse(input, upper=upper)
