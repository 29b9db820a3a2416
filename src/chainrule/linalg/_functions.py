"""Norms, pseudo-inverses, least squares and matrix functions (see _decompositions.py for
the conventions of the rules)."""

from __future__ import annotations

import builtins
import math

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops import elementwise as ew
from ..ops import movement as mov
from ..ops import reduction as red
from ..ops._common import norm_dim, norm_dims
from ..ops._registry import defvjp, primitive
from ..ops.linalg import _type_name, matmul
from ._decompositions import _mT, _vec, check_float, check_matrix, check_real_grad, inv, svdvals
from ._multi import call_multi, multi_primitive, return_type

_INF = math.inf


# -- vector norms ----------------------------------------------------------------------------------


@primitive("LinalgVectorNormBackward0", save_result=True)
def _vector_norm(x, *, ord, dim, keepdim):
    a = np.abs(x)
    if ord == 2:
        out = np.sqrt(np.sum(a * a, axis=dim, keepdims=keepdim))
    elif ord == _INF:
        out = np.max(a, axis=dim, keepdims=keepdim)
    elif ord == -_INF:
        out = np.min(a, axis=dim, keepdims=keepdim)
    elif ord == 0:
        out = np.sum(a != 0, axis=dim, keepdims=keepdim)
    elif ord == 1:
        out = np.sum(a, axis=dim, keepdims=keepdim)
    else:
        with np.errstate(divide="ignore"):
            out = np.sum(a**ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)
    return np.asarray(out, dtype=x.dtype)


def _vector_norm_vjp(grad, result, x, *, ord, dim, keepdim):
    """torch.norm's rule (ops/reduction.py), over all dims when ``dim`` is None."""
    dims = tuple(range(x.ndim)) if dim is None else dim
    return red._vector_norm_vjp(grad, result, x, ord=ord, dims=dims, keepdim=keepdim)


defvjp(_vector_norm, _vector_norm_vjp)


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The ``ord``-norm of ``x`` as a flat vector, or of its vectors along ``dim``.

    >>> chainrule.linalg.vector_norm(chainrule.tensor([3.0, 4.0]))
    tensor(5.)
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_type_name(x)}"
        )
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}"
        )
    check_real_grad("linalg.vector_norm", x)
    if dtype is not None:
        x = ew.to_dtype(x, dtype)
    dims = None if dim is None else norm_dims(dim, builtins.max(x._data.ndim, 1))
    if x._data.ndim == 0 and dims is not None:
        dims = None
    ord = float(ord)
    if ord < 0 or ord == _INF:
        reduced = x._data.shape if dims is None else tuple(x._data.shape[d] for d in dims)
        if any(s == 0 for s in reduced) or (dims is None and x._data.size == 0):
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {_ord_word(ord)} norm on an empty tensor because the "
                "operation does not have an identity"
            )
    return _vector_norm(x, ord=ord, dim=dims, keepdim=keepdim)


def _ord_word(ord: float) -> str:
    return "inf" if ord == _INF else "-inf" if ord == -_INF else f"{ord:g}"


# -- matrix norms ----------------------------------------------------------------------------------

_MATRIX_ORDS = ("fro", "nuc", _INF, -_INF, 1, -1, 2, -2)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """The matrix ``ord``-norm ('fro', 'nuc', inf, -inf, 1, -1, 2, -2) over the two dims ``dim``."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_norm(): argument 'input' must be Tensor, not {type(A).__name__}")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in ("nuc", 2, -2) or A._data.dtype.kind not in "fc":  # (float16 only without an SVD, as in PyTorch)
        check_float("linalg.matrix_norm", A, half="check")
    if dtype is not None:
        A = ew.to_dtype(A, dtype)
    nd = A._data.ndim
    d0, d1 = norm_dim(dim[0], nd), norm_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    rest = [i for i in range(nd) if i not in (d0, d1)]
    if ord in ("nuc", 2, -2):
        moved = mov.permute(A, tuple(rest + [d0, d1]))
        s = svdvals(moved)
        out = red.sum(s, -1) if ord == "nuc" else red.amax(s, -1) if ord == 2 else red.amin(s, -1)
    else:
        # 1-norms: largest column sum; inf-norms: largest row sum (smallest for negative orders).
        summed_dim, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = red.sum(ew.abs(A), summed_dim, keepdim=True)
        moved = mov.permute(sums, tuple(rest + [summed_dim, other]))
        moved = mov.squeeze(moved, -2)
        out = red.amax(moved, -1) if ord in (1, _INF) else red.amin(moved, -1)
    if keepdim:
        for d in sorted((d0, d1)):
            out = mov.unsqueeze(out, d)
    return out


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector norm (1-D input or an int ``dim``) or a matrix norm (2-D input or two dims)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.norm(): argument 'input' must be Tensor, not {type(A).__name__}")
    if dim is not None and not isinstance(dim, (int, np.integer)):
        dim = tuple(dim)
        if len(dim) == 1:
            dim = dim[0]
    if isinstance(dim, tuple):
        if len(dim) != 2:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None and ord is not None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A._data.ndim}D."
            )
        if A._data.ndim == 2 or isinstance(ord, str):  # 'fro' and 'nuc' are matrix norms
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# -- pseudo-inverse and least squares ----------------------------------------------------------------


def _pinv_array(a: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(a.dtype).eps * builtins.max(m, n)
    atol = 0.0 if atol is None else atol
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
    if hermitian:
        w, v = np.linalg.eigh(a)
        s = np.abs(w)
        thr = np.maximum(atol, rtol * s.max(-1, keepdims=True))
        with np.errstate(divide="ignore"):
            winv = np.where(s > thr, 1 / w, 0).astype(a.dtype)
        return (v * winv[..., None, :]) @ np.swapaxes(v, -1, -2)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    thr = np.maximum(atol, rtol * s[..., :1])
    with np.errstate(divide="ignore"):
        sinv = np.where(s > thr, 1 / s, 0).astype(a.dtype)
    return (np.swapaxes(vh, -1, -2) * sinv[..., None, :]) @ np.swapaxes(u, -1, -2)


@primitive("LinalgPinvBackward0", save_result=True, half=False)
def _pinv(a, *, atol, rtol, hermitian):
    return _pinv_array(a, atol, rtol, hermitian)


def pinv_vjp(g: Tensor, p: Tensor, a: Tensor) -> Tensor:
    """gA for P = pinv(A) (Golub and Pereyra's derivative of the pseudo-inverse):
    dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P, hence
    gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    pt, gt = _mT(p), _mT(g)
    t1 = -matmul(pt, matmul(g, pt))
    w = matmul(gt, matmul(p, pt))
    t2 = w - matmul(a, matmul(p, w))
    v = matmul(matmul(pt, p), gt)
    t3 = v - matmul(matmul(v, p), a)
    return t1 + t2 + t3


defvjp(_pinv, lambda grad, result, a, *, atol, rtol, hermitian: pinv_vjp(grad, result, a))


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse; singular values at most ``max(atol, rtol * s_max)`` count as 0."""
    if isinstance(A, Tensor) and (A._data.ndim < 2 or A._data.dtype.kind not in "fc"):
        raise RuntimeError(
            f"linalg.pinv({_type_name(A)}{{{list(A._data.shape)}}}): expected a tensor with 2 or more dimensions "
            "of float, double, cfloat or cdouble types"
        )
    check_matrix("linalg.pinv", A, square=False, half="check")
    atol = atol.item() if isinstance(atol, Tensor) else atol
    rtol = rtol.item() if isinstance(rtol, Tensor) else rtol
    return _pinv(A, atol=atol, rtol=rtol, hermitian=hermitian)


LstsqResult = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


@multi_primitive("LinalgLstsqBackward0", 2, half=False)
def _lstsq(a, b, *, vector, rcond, driver):
    m, n = a.shape[-2:]
    bm = b[..., None] if vector else b
    x = _pinv_array(a, None, rcond, False) @ bm
    if driver != "gelsy" and m > n and np.all(np.linalg.matrix_rank(a) == n) if a.size else False:
        res = np.sum((a @ x - bm) ** 2, axis=-2)
        res = res[..., 0] if vector else res
    else:
        res = np.empty((0,), dtype=a.dtype)
    return (x[..., 0] if vector else x), res


def _lstsq_residual(grads, results, a, b, vector):
    """(E, weights): the residual AX - B and the residuals' gradient as a row. X is optimal,
    so residual r = ||A X - B||^2 has dr = 2 <E, dA X - dB> (X's own change does not count)."""
    gr, (x, res) = grads[1], results
    if gr is None or res.shape == (0,):
        return None, None
    if vector:
        x, b, gr = mov.unsqueeze(x, -1), mov.unsqueeze(b, -1), mov.unsqueeze(gr, -1)
    return matmul(a, x) - b, _vec(gr) * 2


def _lstsq_vjp_a(grads, results, a, b, *, vector, rcond, driver):
    gx, out = grads[0], None
    if gx is not None:
        bm = b
        if vector:
            gx, bm = mov.unsqueeze(gx, -1), mov.unsqueeze(b, -1)
        out = pinv_vjp(matmul(gx, _mT(bm)), pinv(a), a)
    e, w = _lstsq_residual(grads, results, a, b, vector)
    if e is not None:
        x = mov.unsqueeze(results[0], -1) if vector else results[0]
        term = matmul(e * w, _mT(x))
        out = term if out is None else out + term
    return out


def _lstsq_vjp_b(grads, results, a, b, *, vector, rcond, driver):
    gx, out = grads[0], None
    if gx is not None:
        pt = _mT(pinv(a))
        out = mov.squeeze(matmul(pt, mov.unsqueeze(gx, -1)), -1) if vector else matmul(pt, gx)
    e, w = _lstsq_residual(grads, results, a, b, vector)
    if e is not None:
        term = -(e * w)
        term = mov.squeeze(term, -1) if vector else term
        out = term if out is None else out + term
    return out


defvjp(_lstsq, _lstsq_vjp_a, _lstsq_vjp_b)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> tuple:
    """``(solution, residuals, rank, singular_values)`` of the least-squares problem min ||A X - B||."""
    check_matrix("torch.linalg.lstsq", A, square=False, half="check")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.lstsq(): argument 'b' must be Tensor, not {type(B).__name__}")
    if B._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype "
            f"{_type_name(A)} and other's dtype {_type_name(B)}"
        )
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError(
            "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
        )
    driver = driver or "gelsy"
    if not (A._data.ndim >= B._data.ndim and A._data.ndim - B._data.ndim <= 1):
        raise RuntimeError(
            "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
            "(input.dim() - other.dim()) <= 1"
        )
    vector = B._data.ndim == A._data.ndim - 1
    rows = B._data.shape[-1] if vector else B._data.shape[-2]
    if rows != A._data.shape[-2]:
        raise RuntimeError(
            "torch.linalg.lstsq: input.size(-1) should match other.size(-1)" if vector
            else "torch.linalg.lstsq: input.size(-2) should match other.size(-2)"
        )
    solution, residuals = call_multi(_lstsq, (A, B), {"vector": vector, "rcond": rcond, "driver": driver})
    # rank and singular values (no gradient) through svd's primitive, so that vmap batches them
    dt, batch, (m, n) = A.dtype.np, tuple(A.shape[:-2]), A.shape[-2:]
    s = None
    if driver != "gels" and A.numel():
        with no_grad():
            s = svdvals(A)
    if driver == "gels":
        rank = Tensor._make(np.empty((0,), dtype=np.int64))
    elif s is None:
        rank = Tensor._make(np.zeros(batch, np.int64))
    else:
        tol = rcond if rcond is not None else np.finfo(dt).eps * builtins.max(m, n)
        rank = red.sum(ew.gt(s, s[..., :1] * tol), -1)
    if driver not in ("gelsd", "gelss"):
        sv = Tensor._make(np.empty((0,), dtype=dt))
    else:
        sv = Tensor._make(np.zeros(batch + (0,), dt)) if s is None else s
    return LstsqResult(solution, residuals, rank, sv)


# -- matrix powers and the exponential --------------------------------------------------------------


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0``: of its inverse; ``n = 0``: the identity)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_power(): argument 'input' must be Tensor, not {type(A).__name__}")
    d = A.shape  # metadata only (vmap: Note [How vmap works] in func/_vmap.py)
    if len(d) < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if d[-1] != d[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {d[-2]} by {d[-1]} matrices"
        )
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:
        eye = Tensor._make(np.broadcast_to(np.eye(d[-1], dtype=A.dtype.np), tuple(d)))
        return ew.copy_(ew.clone(A), eye)  # PyTorch's node: CopyBackwards, a zero gradient
    a = A
    if n < 0:
        a, n = inv(A), -n
        if n == 1:
            return a
    if n == 1:
        return ew.clone(a)
    # Binary powering, as PyTorch: the squares z, multiplied into the result by the bits of n.
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


# Pade(13) scaling and squaring (Higham, "The scaling and squaring method for the matrix
# exponential revisited", 2005).
_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
    10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)
_THETA13 = 5.371920351148152


def _expm_array(a: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return a.copy()
    dt = a.dtype
    a = a.astype(np.float64)
    n = a.shape[-1]
    norm1 = np.abs(a).sum(-2).max(-1)
    s = np.maximum(0, np.ceil(np.log2(np.maximum(norm1, 1e-300) / _THETA13))).astype(int)
    a = a / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = np.eye(n)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for k in range(int(s.max()) if s.size else 0):
        square = (s > k)[..., None, None]
        r = np.where(square, r @ r, r)
    return r.astype(dt)


@primitive("LinalgMatrixExpBackward0")
def _matrix_exp(a):
    return _expm_array(a)


def _matrix_exp_vjp(grad, result, a):
    # The upper-right block of exp([[A^T, G], [0, A^T]]) is the derivative's adjoint applied to G.
    n = a.shape[-1]
    dt = a.dtype.np
    top = Tensor._make(np.eye(n, 2 * n, dtype=dt))  # [I 0]
    bottom = Tensor._make(np.eye(n, 2 * n, k=n, dtype=dt))  # [0 I]
    at = _mT(a)
    big = matmul(_mT(top), matmul(at, top)) + matmul(_mT(top), matmul(grad, bottom)) + matmul(
        _mT(bottom), matmul(at, bottom)
    )
    return matmul(top, matmul(_matrix_exp(big), _mT(bottom)))


defvjp(_matrix_exp, _matrix_exp_vjp)


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.matrix_exp(): argument 'input' must be Tensor, not {type(A).__name__}")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 dimensions.")
    d = A._data
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_exp: A must be batches of square matrices, but they are {d.shape[-2]} by {d.shape[-1]} matrices"
        )
    if d.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as input. Got {_type_name(A)}")
    check_real_grad("linalg.matrix_exp", A)
    return _matrix_exp(A)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """The number of singular values above ``max(atol, rtol * s_max)`` (int64, not differentiable)."""
    check_matrix("linalg.matrix_rank", A, square=False, half="check")
    m, n = A.shape[-2:]
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(A.dtype.np).eps * builtins.max(m, n)
    atol = 0.0 if atol is None else atol
    if A.numel() == 0:
        return Tensor._make(np.zeros(A.shape[:-2], dtype=np.int64))
    # through the decompositions' primitives (no gradient), so that vmap batches them
    from ._decompositions import eigvalsh

    with no_grad():
        s = ew.abs(eigvalsh(A)) if hermitian else svdvals(A)
    thr = red.amax(s, -1, keepdim=True) * rtol
    thr = ew.maximum(thr, atol) if isinstance(atol, Tensor) else ew.clamp(thr, min=atol)
    return red.sum(ew.gt(s, thr), -1)


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number of each matrix in the ``p`` norm (None/2/-2: ratios of singular values;
    otherwise ``norm(A) * norm(A^-1)``, infinite for a singular matrix)."""
    svd = p in (None, 2, -2)
    # PyTorch's nuclear-norm condition number also runs an SVD first; the others invert (inv checks
    # the dtype first), but not for empty matrices.
    empty = isinstance(A, Tensor) and A.numel() == 0
    check_matrix("linalg.cond", A, square=not svd, half="kernel" if svd or p == "nuc" or empty else "check")
    if p not in _MATRIX_ORDS and not svd:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.numel() == 0:  # PyTorch: 0 for empty matrices (and an empty batch)
        return Tensor._make(np.zeros(A.shape[:-2], dtype=np.abs(np.empty(0, A.dtype.np)).dtype))
    if svd:
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        return big / small if p != -2 else small / big
    from ._decompositions import inv_ex

    inverse = inv_ex(A).inverse  # infinities for a singular matrix: an infinite condition number
    return matrix_norm(A, p) * matrix_norm(inverse, p)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of ``A`` as a linear map from its last dims to its first ``ind`` ones."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._data.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
            f"but got {cols} != {rows}"
        )
    return mov.reshape(inv(mov.reshape(A, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """The X with ``tensordot(A, X, X.ndim) = B`` (``dims`` of A are moved to the end first)."""
    if dims is not None:
        dims = [dims] if isinstance(dims, int) else list(dims)
        nd = A._data.ndim
        moved = [norm_dim(d, nd) for d in dims]
        A = mov.permute(A, tuple([d for d in range(nd) if d not in moved] + moved))
    shape = tuple(A._data.shape)
    k = B._data.ndim
    rows, cols = math.prod(shape[:k]), math.prod(shape[k:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), "
            f"but got {cols} != {rows}"
        )
    from ._decompositions import solve

    x = solve(mov.reshape(A, (rows, cols)), mov.reshape(B, (rows,)))
    return mov.reshape(x, shape[k:])


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """Vandermonde matrices: columns ``x^0, x^1, ..., x^(N-1)`` for the vectors along x's last dim."""
    if x.dtype.np == np.bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    n = x.shape[-1] if x.ndim else 1
    N = n if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    from .. import ops

    powers = ops.cumprod(mov.expand(mov.unsqueeze(x, -1), tuple(x.shape) + (N - 1,)), -1)
    ones = Tensor._make(np.ones(tuple(x.shape) + (1,), dtype=x.dtype.np))
    return ops.cat([ones, powers], -1)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``chainrule.diagonal`` with the matrix dims last by default."""
    from .. import ops

    return ops.diagonal(A, offset, dim1, dim2)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Dot products of the vectors along ``dim`` (batches broadcast)."""
    return red.sum(x * y, dim)


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices (the first and last may be vectors), left to right."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out

