"""Inverses, determinants, solves and factorizations: each primitive's NumPy kernel with its
VJP rules right below it. Rules use chainrule ops only (so every op differentiates to any
order); matrices are batched over leading dimensions throughout.

Derivations in the rules use real matrices, ``X^T`` for ``transpose(X, -1, -2)`` and
``<X, Y> = sum(X * Y)``: a rule returns the ``gA`` with ``<gA, dA> = <gOut, dOut>``.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import GRAD_ENABLED
from ..ops import elementwise as ew
from ..ops import movement as mov
from ..ops import reduction as red
from ..ops._registry import defvjp, primitive
from ..ops.linalg import _type_name, matmul
from ._multi import call_multi, multi_primitive, return_type


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle (singular, not positive-definite, ...)."""


# -- small helpers (constant masks; rules combine them with chainrule ops) ---------------------


def _mT(x: Tensor) -> Tensor:
    return mov.transpose(x, -1, -2)


def _const(arr: np.ndarray) -> Tensor:
    return Tensor._make(arr)


def _eye(n: int, like) -> Tensor:
    return _const(np.eye(n, dtype=like.dtype.np if isinstance(like, Tensor) else like))


def _diag_embed(v: Tensor) -> Tensor:
    """Vectors (..., n) as diagonal matrices (..., n, n)."""
    return mov.unsqueeze(v, -1) * _eye(v.shape[-1], v)


def _tril_mask(n: int, m: int, k: int, dtype) -> Tensor:
    return _const(np.tri(n, m, k, dtype=dtype))


def _tril(x: Tensor, k: int = 0) -> Tensor:
    return x * _tril_mask(x.shape[-2], x.shape[-1], k, x.dtype.np)


def _triu(x: Tensor, k: int = 0) -> Tensor:
    return x * (1 - _tril_mask(x.shape[-2], x.shape[-1], k - 1, x.dtype.np))


def _vec(x: Tensor) -> Tensor:
    """(..., n) -> (..., 1, n): a vector broadcast along rows."""
    return mov.unsqueeze(x, -2)


def _solve_right(x: Tensor, r: Tensor) -> Tensor:
    """``x @ r^-1``."""
    return _mT(solve(_mT(r), _mT(x)))


# -- argument checks, worded as PyTorch's --------------------------------------------------------


def check_matrix(name: str, a: Tensor, square: bool = True, argname: str = "A", *, half: str = "kernel") -> None:
    """Refuse what PyTorch refuses before running ``name``'s kernel (``half`` as for ``check_float``)."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument '{argname}' must be Tensor, not {type(a).__name__}")
    d = a._data
    if d.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {argname} must have at least 2 dimensions.")
    check_float(name, a, half=half, argname=argname)
    check_real_grad(name, a)
    if square and d.shape[-1] != d.shape[-2]:
        raise RuntimeError(
            f"{name}: {argname} must be batches of square matrices, but they are {d.shape[-2]} by {d.shape[-1]} matrices"
        )


def check_float(name: str, a: Tensor, *, half: str = "kernel", argname: str = "A") -> None:
    """Refuse integer and float16 matrices as PyTorch does.

    No decomposition computes in float16 (their primitives are declared ``half=False``), as
    PyTorch's CPU LAPACK kernels, but PyTorch refuses in three ways, which ``half`` names:
    ``"check"``: the function checks the dtype first (RuntimeError); ``"kernel"``: the kernel
    is not implemented for Half (NotImplementedError), which an empty input never reaches;
    ``"dispatch"``: the same, for empty inputs too.
    """
    kind, dt = a.dtype.np.kind, a.dtype.np
    if kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_type_name(a)}")
    if dt != np.float16 or (half == "kernel" and a._data.size == 0):
        return
    if half == "check":  # (PyTorch's words exactly: tests/opinfo_linalg.py compares them)
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {_type_name(a)}")
    raise NotImplementedError(
        f"{name}: not implemented for '{_type_name(a)}': decompositions run in float32 or float64 (PyTorch's CPU "
        f"kernels have no float16 either); convert to float32 first ({argname}.float()), and back with .half()"
    )


def check_real_grad(name: str, a: Tensor) -> None:
    """The rules here are derived for real matrices: refuse to record a complex one rather than
    give wrong gradients."""
    if a.dtype.np.kind == "c" and a._requires_grad and GRAD_ENABLED.get():
        raise RuntimeError(
            f"{name}: chainrule differentiates real matrices only; detach the complex input "
            "(or compute under chainrule.no_grad())"
        )


def _batch_prefix(a: np.ndarray, index: int) -> str:
    return f"(Batch element {index}): " if a.ndim > 2 else ""


def _first_failing(a: np.ndarray, fails) -> int:
    """The index (in the flattened batch) of the first matrix for which ``fails`` holds."""
    flat = a.reshape((-1,) + a.shape[-2:])
    return next((i for i, m in enumerate(flat) if fails(m)), 0)


def _zero_pivot(m: np.ndarray) -> int | None:
    """LAPACK getrf's ``info``: the 1-based column of the first exactly-zero pivot of
    Gaussian elimination with partial pivoting, or None."""
    u = np.array(m, dtype=m.dtype)
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        u[[k, p]] = u[[p, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return None


def _singular_error(name: str, a: np.ndarray, solver: bool = False) -> LinAlgError:
    i = _first_failing(a, lambda m: _zero_pivot(m) is not None)
    flat = a.reshape((-1,) + a.shape[-2:])
    prefix = _batch_prefix(a, i)
    if solver:
        return LinAlgError(f"{name}: {prefix}The solver failed because the input matrix is singular.")
    info = _zero_pivot(flat[i]) if flat.shape[0] else 1
    return LinAlgError(
        f"{name}: {prefix}The diagonal element {info} is zero, the inversion could not be completed because the "
        "input matrix is singular."
    )


# -- inverse ---------------------------------------------------------------------------------------


def _lapack(a: np.ndarray) -> np.ndarray:
    """``a`` as NumPy's linalg takes it: it has no float16, which reaches the kernels only in
    empty batches (PyTorch's skip their LAPACK call); the kernel casts its result back."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _inv_array(a: np.ndarray, name: str = "linalg.inv") -> np.ndarray:
    try:
        return np.linalg.inv(_lapack(a)).astype(a.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise _singular_error(name, a) from None


@primitive("LinalgInvExBackward0", save_inputs=False, save_result=True, half=False)
def _inv(a):
    return _inv_array(a)


# d(A^-1) = -A^-1 dA A^-1, so gA = -X^T g X^T with X = A^-1.
defvjp(_inv, lambda grad, result, a: -matmul(_mT(result), matmul(grad, _mT(result))))


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix; raises LinAlgError for a singular one.

    >>> chainrule.linalg.inv(chainrule.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    check_matrix("linalg.inv", A, half="check")
    return _inv(A)


InvExResult = return_type("linalg_inv_ex", ("inverse", "info"))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> tuple:
    """``(inverse, info)``: info is 0 for invertible matrices, else the first zero pivot (1-based)."""
    check_matrix("linalg.inv_ex", A, half="check")
    a = A._data
    try:
        return InvExResult(_inv(A), Tensor._make(np.zeros(a.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.array([_zero_pivot(m) or 0 for m in flat], dtype=np.int32)
    res = np.full(flat.shape, np.inf, dtype=a.dtype)  # singular: no meaningful values (LAPACK's differ)
    good = info == 0
    if good.any():
        res[good] = np.linalg.inv(flat[good])
    return InvExResult(Tensor._make(res.reshape(a.shape)), Tensor._make(info.reshape(a.shape[:-2])))


# -- determinants ----------------------------------------------------------------------------------


@primitive("LinalgDetBackward0", save_result=True, half=False)
def _det(a):
    return np.asarray(np.linalg.det(_lapack(a)), dtype=a.dtype)


def _det_vjp(grad, result, a):
    # gA = g cof(A), the cofactor matrix: det(A) A^-T when A is invertible. For a singular A
    # (as PyTorch) through the SVD A = U S V^T: cof(A) = det(U) det(V) U diag(prod_{j!=i} s_j) V^T.
    g = mov.unsqueeze(mov.unsqueeze(grad, -1), -1)
    if not np.any(result._data == 0):
        return g * mov.unsqueeze(mov.unsqueeze(result, -1), -1) * _mT(_inv(a))  # (inv would refuse empty halfs)
    u, s, vh = svd(a)
    n = s.shape[-1]
    eye = _eye(n, s)
    others = red.prod(_vec(s) * (1 - eye) + eye, -1)  # prod_{j != i} s_j, exact at zeros
    signs = np.linalg.det(u._data) * np.linalg.det(vh._data)  # +-1, locally constant
    return g * _const(np.asarray(signs)[..., None, None]) * matmul(u * _vec(others), vh)


defvjp(_det, _det_vjp)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix."""
    check_matrix("linalg.det", A)
    return _det(A)


SlogdetResult = return_type("linalg_slogdet", ("sign", "logabsdet"))
TorchSlogdetResult = return_type("slogdet", ("sign", "logabsdet"))  # torch.slogdet's name


@multi_primitive("LinalgSlogdetBackward0", 2, half=False)
def _slogdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.asarray(sign), np.asarray(logabs)


def _slogdet_vjp(grads, results, a):
    # The sign is locally constant: only log|det| has a gradient, A^-T.
    g = grads[1]
    if g is None:
        return None
    return mov.unsqueeze(mov.unsqueeze(g, -1), -1) * _mT(inv(a))


defvjp(_slogdet, _slogdet_vjp)


def slogdet(A: Tensor) -> tuple:
    """``(sign, logabsdet)`` of each determinant: stable where the determinant under- or overflows."""
    check_matrix("linalg.slogdet", A, half="check")
    return SlogdetResult(*call_multi(_slogdet, (A,), {}))


# -- solve -----------------------------------------------------------------------------------------


def _is_vector_rhs(a_shape: tuple, b_shape: tuple) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) when it is 1-D or has A's batch shape plus one dim."""
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and b_shape == a_shape[:-1])


@primitive("LinalgSolveExBackward0", save_result=True, half=False)
def _solve(a, b, *, vector, left):
    if not left:  # X A = B: the transposed system A^T X^T = B^T
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    if vector:
        b = b[..., None]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a_, b_ = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
    try:
        x = np.linalg.solve(_lapack(a_), _lapack(b_)).astype(a.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise _singular_error("torch.linalg.solve", a_, solver=True) from None
    return x[..., 0] if vector else x if left else np.swapaxes(x, -1, -2)


# Left: X = A^-1 B, so gB = A^-T g and gA = -gB X^T.
# Right: X = B A^-1, so gB = g A^-T and gA = -X^T gB.
def _solve_vjp_b(grad, result, a, b, *, vector, left):
    return solve(_mT(a), grad, left=left)


def _solve_vjp_a(grad, result, a, b, *, vector, left):
    gb = solve(_mT(a), grad, left=left)
    if vector:  # -gB x^T as an outer product of vectors
        return -(mov.unsqueeze(gb, -1) * _vec(result))
    return -matmul(gb, _mT(result)) if left else -matmul(_mT(result), gb)


defvjp(_solve, _solve_vjp_a, _solve_vjp_b)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``); batches broadcast."""
    check_matrix("linalg.solve", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if A.dtype.np != B.dtype.np:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type {_type_name(A)} and B "
            f"of type {_type_name(B)} instead"
        )
    n = A._data.shape[-1]
    if not left:
        vector = False
        if B._data.ndim < 2 or B._data.shape[-1] != n:
            raise RuntimeError(
                f"linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                f"({'x'.join(map(str, B._data.shape[-2:]))} and {n}x{n})"
            )
    else:
        vector = _is_vector_rhs(A._data.shape, B._data.shape)
        rows = B._data.shape[-1] if vector else B._data.shape[-2] if B._data.ndim >= 2 else B._data.shape[0]
        if B._data.ndim == 0 or rows != n:
            shape_b = f"{B._data.shape[-1]}x1" if vector else "x".join(map(str, B._data.shape[-2:]))
            raise RuntimeError(
                f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {shape_b})"
            )
    batch_b = B._data.shape[:-1] if vector else B._data.shape[:-2]
    try:
        np.broadcast_shapes(A._data.shape[:-2], batch_b)
    except ValueError:
        from ..ops.elementwise import broadcast_error

        raise broadcast_error(batch_b, A._data.shape[:-2]) from None
    return _solve(A, B, vector=vector, left=left)


# -- triangular solves -----------------------------------------------------------------------------


def _triangle(a: np.ndarray, upper: bool, unitriangular: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        t = t.copy()
        idx = np.arange(t.shape[-1])
        t[..., idx, idx] = 1
    return t


@primitive("LinalgSolveTriangularBackward0", save_result=True, half=False)
def _solve_triangular(a, b, *, upper, left, unitriangular):
    t = _triangle(a, upper, unitriangular)
    if not left:  # X T = B: T^T X^T = B^T
        t, b = np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    with np.errstate(all="ignore"):  # a zero on the diagonal gives infinities, as LAPACK's trtrs
        try:
            x = np.linalg.solve(np.broadcast_to(t, batch + t.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))
        except np.linalg.LinAlgError:
            x = np.full(batch + b.shape[-2:], np.nan, dtype=b.dtype)
    return x if left else np.swapaxes(x, -1, -2)


def _solve_triangular_vjp_b(grad, result, a, b, *, upper, left, unitriangular):
    return solve_triangular(_mT(a), grad, upper=not upper, left=left, unitriangular=unitriangular)


def _solve_triangular_vjp_a(grad, result, a, b, *, upper, left, unitriangular):
    # As solve's, restricted to the triangle the op reads (without the diagonal if unit).
    gb = _solve_triangular_vjp_b(grad, result, a, b, upper=upper, left=left, unitriangular=unitriangular)
    ga = -matmul(gb, _mT(result)) if left else -matmul(_mT(result), gb)
    if upper:
        return _triu(ga, 1 if unitriangular else 0)
    return _tril(ga, -1 if unitriangular else 0)


defvjp(_solve_triangular, _solve_triangular_vjp_a, _solve_triangular_vjp_b)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``) reading only A's upper or lower
    triangle (and taking its diagonal as ones with ``unitriangular``)."""
    check_matrix("linalg.solve_triangular", A, half="dispatch")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve_triangular(): argument 'B' must be Tensor, not {type(B).__name__}")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if B.dtype.np != A.dtype.np:  # PyTorch solves in A's dtype
        B = ew.to_dtype(B, A.dtype)
    n = A._data.shape[-1]
    k = B._data.shape[-2] if left else B._data.shape[-1]
    if k != n:
        raise RuntimeError(
            f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {'x'.join(map(str, B._data.shape[-2:]))})"
        )
    return _solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular)


SolveExResult = return_type("linalg_solve_ex", ("result", "info"))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> tuple:
    """``(result, info)``: info is 0 where A is invertible, else its first zero pivot (result: infinities)."""
    try:
        x = solve(A, B, left=left)
    except LinAlgError:
        if check_errors:
            raise
        a, b = A._data, B._data
        flat = a.reshape((-1,) + a.shape[-2:])
        info = np.array([_zero_pivot(m) or 0 for m in flat], dtype=np.int32).reshape(a.shape[:-2])
        # Solve the invertible matrices; the singular ones get infinities (LAPACK's values differ).
        safe = np.where((info > 0)[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a)
        vector = left and _is_vector_rhs(a.shape, b.shape)
        x = _solve.kernel(safe, b, vector=vector, left=left)
        bad = (info > 0).reshape(info.shape + (1,) * (1 if vector else 2))
        return SolveExResult(Tensor._make(np.where(bad, np.inf, x).astype(a.dtype)), Tensor._make(info))
    return SolveExResult(x, Tensor._make(np.zeros(A.shape[:-2], dtype=np.int32)))


# -- Cholesky --------------------------------------------------------------------------------------


def _not_pd_error(name: str, a: np.ndarray) -> LinAlgError:
    def order(m):
        for k in range(1, m.shape[0] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                return k
        return 0

    i = _first_failing(a, lambda m: order(m) > 0)
    flat = a.reshape((-1,) + a.shape[-2:])
    return LinAlgError(
        f"{name}: {_batch_prefix(a, i)}The factorization could not be completed because the input is not "
        f"positive-definite (the leading minor of order {order(flat[i])} is not positive-definite)."
    )


@primitive("LinalgCholeskyExBackward0", save_inputs=False, save_result=True, half=False)
def _cholesky(a, *, upper):
    # LAPACK reads one triangle: the upper one for U (NumPy reads the lower one: of A^T, then).
    src = np.swapaxes(a, -1, -2) if upper else a
    try:
        low = np.linalg.cholesky(_lapack(src)).astype(a.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise _not_pd_error("linalg.cholesky", src) from None
    return np.swapaxes(low, -1, -2).copy() if upper else low


def _cholesky_vjp(grad, result, a, *, upper):
    # A = L L^T. With P = L^T gL taken lower-triangular and its diagonal halved, the
    # symmetric part of L^-T P L^-1 is the gradient (the input is symmetric by assumption).
    low, g = (_mT(result), _mT(grad)) if upper else (result, grad)
    n = low.shape[-1]
    phi = matmul(_mT(low), _tril(g))
    phi = phi * _const(np.tri(n, dtype=low.dtype.np) - 0.5 * np.eye(n, dtype=low.dtype.np))
    s = _solve_right(solve(_mT(low), phi), low)
    return (s + _mT(s)) * 0.5


defvjp(_cholesky, _cholesky_vjp)


# torch.cholesky (deprecated) records its own node name.
_cholesky_legacy = primitive("CholeskyBackward0", save_inputs=False, save_result=True, half=False)(_cholesky.kernel)
defvjp(_cholesky_legacy, _cholesky_vjp)


def _refuse_empty_half(name: str, a: np.ndarray) -> None:
    """PyTorch's kernel refuses float16 before it looks at the size: so do these (the public
    functions let empty float16 batches through, for the kernels that skip them)."""
    if a.dtype == np.float16:
        check_float(name, Tensor._make(a), half="dispatch")


def _factor(factor: np.ndarray, upper: bool) -> np.ndarray:
    """A = L L^T from the triangle of ``factor`` that LAPACK reads."""
    t = np.triu(factor) if upper else np.tril(factor)
    return np.swapaxes(t, -1, -2) @ t if upper else t @ np.swapaxes(t, -1, -2)


@primitive("CholeskySolveBackward0", save_result=True, half=False)
def _cholesky_solve(b, factor, *, upper):
    _refuse_empty_half("cholesky_solve", factor)
    a = _factor(factor, upper)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:]))


def _cholesky_solve_vjp_l(grad, result, b, factor, *, upper):
    # X = A^-1 B with A = L L^T: gA = -gB X^T, and dA = dL L^T + L dL^T gives gL = (gA + gA^T) L.
    gb = _cholesky_solve(grad, factor, upper=upper)
    c = matmul(gb, _mT(result))
    c = c + _mT(c)
    return -matmul(factor, c) if upper else -matmul(c, factor)


defvjp(_cholesky_solve, lambda grad, result, b, factor, *, upper: _cholesky_solve(grad, factor, upper=upper),
       _cholesky_solve_vjp_l)


@primitive("CholeskyInverseBackward0", save_result=True, half=False)
def _cholesky_inverse(factor, *, upper):
    _refuse_empty_half("cholesky_inverse", factor)
    return np.linalg.inv(_factor(factor, upper))


def _cholesky_inverse_vjp(grad, result, factor, *, upper):
    # R = A^-1: gA = -R g R (R symmetric), then gL = (gA + gA^T) L as for cholesky_solve.
    ga = -matmul(result, matmul(grad, result))
    ga = ga + _mT(ga)
    return matmul(factor, ga) if upper else matmul(ga, factor)


defvjp(_cholesky_inverse, _cholesky_inverse_vjp)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The lower-triangular L with ``A = L L^T`` for symmetric positive-definite A (U = L^T with ``upper``)."""
    check_matrix("linalg.cholesky", A)
    return _cholesky(A, upper=upper)


CholeskyExResult = return_type("linalg_cholesky_ex", ("L", "info"))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> tuple:
    """``(L, info)``: info is 0 where the factorization succeeded, else the failing minor's order
    (L then holds what LAPACK leaves: the factor up to that minor, A's values after it)."""
    check_matrix("linalg.cholesky_ex", A)
    try:
        L = _cholesky(A, upper=upper)
        info = np.zeros(A.shape[:-2], dtype=np.int32)
    except LinAlgError:
        if check_errors:
            raise
        a = np.swapaxes(A._data, -1, -2) if upper else A._data  # the triangle LAPACK reads, as lower
        flat = a.reshape((-1,) + a.shape[-2:])
        res = np.tril(flat)
        infos = np.zeros(flat.shape[0], dtype=np.int32)
        for i, m in enumerate(flat):
            k = next((k for k in range(1, m.shape[0] + 1) if not _is_pd(m[:k, :k])), 0)
            if k == 0:
                res[i] = np.linalg.cholesky(m)
                continue
            infos[i] = k
            j = k - 1
            l11 = np.linalg.cholesky(m[:j, :j])
            l21 = np.linalg.solve(l11, m[j:, :j].T).T
            res[i, :, :j] = np.concatenate([l11, l21])
            res[i, j, j] = m[j, j] - np.sum(l21[0] ** 2)
        res = res.reshape(a.shape)
        L = Tensor._make(np.swapaxes(res, -1, -2).copy() if upper else res)
        info = infos.reshape(a.shape[:-2])
    return CholeskyExResult(L, Tensor._make(info))


def _is_pd(m: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(m)
        return True
    except np.linalg.LinAlgError:
        return False


# -- QR --------------------------------------------------------------------------------------------

QRResult = return_type("linalg_qr", ("Q", "R"))
TorchQRResult = return_type("qr", ("Q", "R"))  # torch.qr's


@multi_primitive("LinalgQrBackward0", 2, half=False)
def _qr(a, *, mode):
    if mode == "r":
        r = np.linalg.qr(a, mode="r")
        return np.empty((0,), dtype=a.dtype), np.asarray(r)
    q, r = np.linalg.qr(a, mode=mode)
    return q, r


def _qr_square_vjp(gq, gr, q, r):
    """A = QR with R square (m >= n): gA = [gQ + Q copyutl(gR R^T - Q^T gQ)] R^-T, where
    copyutl mirrors the upper triangle into the lower one."""
    core = 0
    if gr is not None:
        core = matmul(gr, _mT(r))
    if gq is not None:
        core = core - matmul(_mT(q), gq)
    mirrored = _triu(core) + _mT(_triu(core, 1)) if isinstance(core, Tensor) else None
    b = 0 if mirrored is None else matmul(q, mirrored)
    if gq is not None:
        b = b + gq
    if not isinstance(b, Tensor):
        return None
    return _solve_right(b, _mT(r))


def _qr_vjp(grads, results, a, *, mode):
    gq, gr = grads
    q, r = results
    m, n = a.shape[-2], a.shape[-1]
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
            "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
        )
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if m >= n:
        return _qr_square_vjp(gq, gr, q, r)
    # m < n: A = [X Y] with X = Q R1 square and Y = Q R2, so R2 = Q^T Y feeds Q's gradient.
    dtype = a.dtype.np
    first = _const(np.eye(m, n, dtype=dtype))  # X = A first^T
    rest = _const(np.eye(n - m, n, k=m, dtype=dtype))  # Y = A rest^T
    y = matmul(a, _mT(rest))
    r1 = matmul(r, _mT(first))
    gr1 = None if gr is None else matmul(gr, _mT(first))
    gq1 = gq
    out = 0
    if gr is not None:
        gr2 = matmul(gr, _mT(rest))
        gq1 = matmul(y, _mT(gr2)) if gq is None else gq + matmul(y, _mT(gr2))
        out = matmul(matmul(q, gr2), rest)
    gx = _qr_square_vjp(gq1, gr1, q, r1)
    if gx is not None:
        out = out + matmul(gx, first)
    return out if isinstance(out, Tensor) else None


defvjp(_qr, _qr_vjp)


def qr(A: Tensor, mode: str = "reduced") -> tuple:
    """``(Q, R)`` with ``A = Q R``, Q orthonormal columns and R upper-triangular."""
    check_matrix("linalg.qr", A, square=False, half="dispatch")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    return QRResult(*call_multi(_qr, (A,), {"mode": mode}))


# -- symmetric eigendecomposition -----------------------------------------------------------------

EighResult = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))


@multi_primitive("LinalgEighBackward0", 2, half=False)
def _eigh(a, *, UPLO):
    w, v = np.linalg.eigh(_lapack(a), UPLO=UPLO)
    return w.astype(a.dtype, copy=False), v.astype(a.dtype, copy=False)


def _eigh_vjp(grads, results, a, *, UPLO):
    # A = V diag(L) V^T: gA = V (diag(gL) + skew(V^T gV) / 2 * F) V^T, F_ij = 1 / (L_j - L_i)
    # off the diagonal (infinite for repeated eigenvalues, as PyTorch's).
    gl, gv = grads
    lam, v = results
    inner = 0
    if gv is not None:
        n = lam.shape[-1]
        eye = _eye(n, lam)
        diff = _vec(lam) - mov.unsqueeze(lam, -1) + eye
        vgv = matmul(_mT(v), gv)
        inner = (vgv - _mT(vgv)) * 0.5 / diff * (1 - eye)
    if gl is not None:
        inner = inner + _diag_embed(gl)
    return matmul(v, matmul(inner, _mT(v)))


defvjp(_eigh, _eigh_vjp)


def _check_uplo(name: str, UPLO: str) -> None:
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A: Tensor, UPLO: str = "L") -> tuple:
    """``(eigenvalues, eigenvectors)`` of symmetric matrices, eigenvalues ascending.

    Only the ``UPLO`` triangle of A is read.
    """
    check_matrix("linalg.eigh", A)
    _check_uplo("linalg.eigh", UPLO)
    return EighResult(*call_multi(_eigh, (A,), {"UPLO": UPLO.upper()}))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric matrices, ascending."""
    check_matrix("linalg.eigvalsh", A)
    _check_uplo("linalg.eigvalsh", UPLO)
    # eigh's primitive (the gradient needs the eigenvectors; vmap batches it)
    return call_multi(_eigh, (A,), {"UPLO": UPLO.upper()})[0]


# -- LU ------------------------------------------------------------------------------------------

LUResult = return_type("linalg_lu", ("P", "L", "U"))
LUFactorResult = return_type("linalg_lu_factor", ("LU", "pivots"))
LUFactorExResult = return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))


def _lu_array(a: np.ndarray):
    """``(LU, pivots, info)`` as LAPACK's getrf: Gaussian elimination with partial pivoting, L's unit
    diagonal left implicit, pivots 1-based, info the first zero pivot (0 if none)."""
    m, n = a.shape[-2:]
    k = min(m, n)
    flat = np.array(a.reshape((math.prod(a.shape[:-2]), m, n)), copy=True)  # (-1 fails for 0 x 0)
    piv = np.zeros((flat.shape[0], k), dtype=np.int32)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    rows = np.arange(flat.shape[0])
    for j in range(k):
        p = j + np.argmax(np.abs(flat[:, j:, j]), axis=1)
        piv[:, j] = p + 1
        row_j = flat[rows, j].copy()
        flat[rows, j] = flat[rows, p]
        flat[rows, p] = row_j
        pivot = flat[:, j, j]
        zero = pivot == 0  # then the whole column below is 0 too: nothing to eliminate
        info[(info == 0) & zero] = j + 1
        scale = flat[:, j + 1:, j] / np.where(zero, 1, pivot)[:, None]
        flat[:, j + 1:, j] = scale
        flat[:, j + 1:, j + 1:] -= scale[:, :, None] * flat[:, j, None, j + 1:]
    batch = a.shape[:-2]
    return flat.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _permutation(piv: np.ndarray, m: int, dtype) -> np.ndarray:
    """P with A = P L U from LAPACK's row swaps."""
    perm = np.array(np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)))
    for j in range(piv.shape[-1]):
        p = piv[..., j].astype(np.intp) - 1
        pj = np.take_along_axis(perm, p[..., None], -1)[..., 0]
        np.put_along_axis(perm, p[..., None], perm[..., j, None], -1)
        perm[..., j] = pj
    # L U = A[perm], so P = I[perm]^T.
    return np.swapaxes(np.eye(m, dtype=dtype)[perm], -1, -2)


def _unpack_lu(lu: np.ndarray):
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    return low, np.triu(lu[..., :k, :])


def _lu_square_vjp(gl, gu, p, low, up):
    """A = P L U (square): gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T."""
    m = 0
    if gl is not None:
        m = _tril(matmul(_mT(low), gl), -1)
    if gu is not None:
        m = m + _triu(matmul(gu, _mT(up)))
    return matmul(p, _solve_right(solve(_mT(low), m), _mT(up)))


def _lu_vjp(gl, gu, p, low, up):
    # Rectangular: A = P [L1; L2] U (tall) or P L [U1 U2] (wide); the square block goes through
    # _lu_square_vjp, the rest (L2 = B2 U^-1, or U2 = L^-1 B2) feeds it and B2's own gradient.
    m, n = low.shape[-2], up.shape[-1]
    dt = low.dtype.np
    if m == n:
        return _lu_square_vjp(gl, gu, p, low, up)
    if m > n:
        top, rest = _const(np.eye(n, m, dtype=dt)), _const(np.eye(m - n, m, k=n, dtype=dt))
        l1, l2 = matmul(top, low), matmul(rest, low)
        gl1 = None if gl is None else matmul(top, gl)
        out = 0
        if gl is not None:
            gl2 = matmul(rest, gl)
            gb2 = _solve_right(gl2, _mT(up))  # gL2 U^-T
            correction = -matmul(_mT(l2), gb2)
            gu = correction if gu is None else gu + correction
            out = matmul(_mT(rest), gb2)
        out = out + matmul(_mT(top), _lu_square_vjp(gl1, gu, _eye(n, dt), l1, up))
        return matmul(p, out)
    first, rest = _const(np.eye(m, n, dtype=dt)), _const(np.eye(n - m, n, k=m, dtype=dt))
    u1, u2 = matmul(up, _mT(first)), matmul(up, _mT(rest))
    gu1 = None if gu is None else matmul(gu, _mT(first))
    out = 0
    if gu is not None:
        gb2 = solve(_mT(low), matmul(gu, _mT(rest)))  # L^-T gU2
        correction = -matmul(gb2, _mT(u2))
        gl = correction if gl is None else gl + correction
        out = matmul(gb2, rest)
    out = out + matmul(_lu_square_vjp(gl, gu1, _eye(m, dt), low, u1), first)
    return matmul(p, out)


@multi_primitive("LinalgLuBackward0", 3, half=False)
def _lu(a):
    lu, piv, _ = _lu_array(a)
    low, up = _unpack_lu(lu)
    return low, up, _permutation(piv, a.shape[-2], a.dtype)


def _lu_rule(grads, results, a):
    gl, gu, _ = grads
    low, up, p = results
    return _lu_vjp(gl, gu, p, low, up)


defvjp(_lu, _lu_rule)


def lu(A: Tensor, *, pivot: bool = True) -> tuple:
    """``(P, L, U)`` with ``A = P L U``: L unit lower-triangular, U upper-triangular (partial pivoting)."""
    check_matrix("linalg.lu", A, square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    low, up, p = call_multi(_lu, (A,), {}, n_differentiable=2)
    return LUResult(p, low, up)


@multi_primitive("LinalgLuFactorExBackward0", 3, half=False)
def _lu_factor(a, *, check):
    """``check``: the function whose error a zero pivot raises ("": none). The check is in the
    kernel so that vmap checks every sample (its rule runs the kernel on the whole batch)."""
    lu_, piv, info = _lu_array(a)
    if check and info.any():
        flat = info.reshape(-1)
        i = int(np.argmax(flat > 0))
        raise LinAlgError(
            f"{check}: {_batch_prefix(a, i)}U[{flat[i]},{flat[i]}] is zero and using it on lu_solve would result in a "
            "division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) "
            "or linalg.lu_factor_ex(A, pivot)"
        )
    return lu_, piv, info


def _lu_factor_rule(grads, results, a, *, check):
    # LU packs tril(L, -1) and U: its gradient splits the same way.
    g, lu, piv = grads[0], results[0], results[1]._data
    m, n = a.shape[-2:]
    k = min(m, n)
    dt = lu.dtype.np
    low = _tril(lu[..., :, :k], -1) + _const(np.eye(m, k, dtype=dt))
    up = _triu(lu[..., :k, :])
    p = _const(_permutation(piv, m, dt))
    return _lu_vjp(_tril(g[..., :, :k], -1), _triu(g[..., :k, :]), p, low, up)


defvjp(_lu_factor, _lu_factor_rule)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> tuple:
    """``(LU, pivots, info)``: L and U packed in one matrix, LAPACK's 1-based row swaps."""
    check_matrix("linalg.lu_factor_ex", A, square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    return LUFactorExResult(*_lu_factor_ex(A, "torch.linalg.lu_factor_ex" if check_errors else ""))


def _lu_factor_ex(A: Tensor, check: str) -> tuple:
    return call_multi(_lu_factor, (A,), {"check": check}, n_differentiable=1)


def lu_factor(A: Tensor, *, pivot: bool = True) -> tuple:
    """``(LU, pivots)`` (see :func:`lu_factor_ex`); raises for a singular matrix, as PyTorch."""
    check_matrix("linalg.lu_factor", A, square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu_, piv, _ = _lu_factor_ex(A, "torch.linalg.lu_factor")
    return LUFactorResult(lu_, piv)


@primitive("LinalgLuSolveBackward0", save_result=True, half=False)
def _lu_solve(lu, piv, b, *, left, adjoint):
    low, up = _unpack_lu(lu)
    a = _permutation(piv, lu.shape[-2], lu.dtype) @ low @ up
    if adjoint:
        a = np.swapaxes(a, -1, -2)
    return _solve.kernel(a, b, vector=False, left=left)


def _lu_solve_vjp_b(grad, result, lu, piv, b, *, left, adjoint):
    a = _lu_matrix(lu, piv)
    return solve(_mT(a) if not adjoint else a, grad, left=left)


def _lu_solve_vjp_lu(grad, result, lu, piv, b, *, left, adjoint):
    # The gradient of op(A) as for solve, then through A = P L U onto the packed factors:
    # dA = P (dL U + L dU) gives gL = tril(P^T gA U^T, -1) and gU = triu(L^T P^T gA).
    a = _lu_matrix(lu, piv)
    op = _mT(a) if adjoint else a
    gb = solve(_mT(op), grad, left=left)
    g_op = -matmul(gb, _mT(result)) if left else -matmul(_mT(result), gb)
    ga = _mT(g_op) if adjoint else g_op
    n = lu.shape[-1]
    dt = lu.dtype.np
    low = _tril(lu, -1) + _eye(n, dt)
    up = _triu(lu)
    ptga = matmul(_mT(_const(_permutation(piv._data, n, dt))), ga)
    return _tril(matmul(ptga, _mT(up)), -1) + _triu(matmul(_mT(low), ptga))


def _lu_matrix(lu: Tensor, piv: Tensor) -> Tensor:
    """P L U from the packed factors, differentiably in ``lu``."""
    n = lu.shape[-1]
    dt = lu.dtype.np
    p = _const(_permutation(piv._data, n, dt))
    return matmul(p, matmul(_tril(lu, -1) + _eye(n, dt), _triu(lu)))


defvjp(_lu_solve, _lu_solve_vjp_lu, None, _lu_solve_vjp_b)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """The solution X of ``A X = B`` given :func:`lu_factor`'s ``(LU, pivots)`` of A (``X A = B`` with
    ``left=False``; A^T for A with ``adjoint``)."""
    check_matrix("linalg.lu_solve", LU, argname="LU")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.lu_solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    n = LU._data.shape[-1]
    if (B._data.shape[-2] if left else B._data.shape[-1]) != n:
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({n}x{n} and {'x'.join(map(str, B._data.shape[-2:]))})"
        )
    return _lu_solve(LU, pivots, B, left=left, adjoint=adjoint)


# -- general eigendecomposition (forward only) -----------------------------------------------------

EigResult = return_type("linalg_eig", ("eigenvalues", "eigenvectors"))
_COMPLEX_OF = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def _check_no_grad(name: str, a: Tensor) -> None:
    if a._requires_grad and GRAD_ENABLED.get():
        raise RuntimeError(
            f"{name}: chainrule does not differentiate general (non-symmetric) eigendecompositions yet; "
            "use linalg.eigh for symmetric matrices, or detach the input"
        )


def eig(A: Tensor) -> tuple:
    """Complex ``(eigenvalues, eigenvectors)`` of square matrices (unit-norm eigenvectors, as LAPACK's)."""
    check_matrix("linalg.eig", A, half="dispatch")
    _check_no_grad("linalg.eig", A)
    a = A._data
    w, v = np.linalg.eig(a)
    dt = _COMPLEX_OF.get(a.dtype, a.dtype)
    return EigResult(Tensor._make(w.astype(dt)), Tensor._make(v.astype(dt)))


def eigvals(A: Tensor) -> Tensor:
    """The complex eigenvalues of square matrices."""
    check_matrix("linalg.eigvals", A, half="dispatch")
    _check_no_grad("linalg.eigvals", A)
    a = A._data
    return Tensor._make(np.linalg.eigvals(a).astype(_COMPLEX_OF.get(a.dtype, a.dtype)))


# -- singular value decomposition -------------------------------------------------------------------

SVDResult = return_type("linalg_svd", ("U", "S", "Vh"))
TorchSVDResult = return_type("svd", ("U", "S", "V"))  # torch.svd's


@multi_primitive("LinalgSvdBackward0", 3, half=False)
def _svd(a, *, full_matrices):
    if a.size == 0:
        m, n = a.shape[-2:]
        k = min(m, n)
        batch = a.shape[:-2]
        eye_m = np.broadcast_to(np.eye(m, m if full_matrices else k, dtype=a.dtype), batch + (m, m if full_matrices else k))
        eye_n = np.broadcast_to(np.eye(n if full_matrices else k, n, dtype=a.dtype), batch + (n if full_matrices else k, n))
        return eye_m.copy(), np.zeros(batch + (k,), dtype=a.dtype), eye_n.copy()
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def _svd_vjp(grads, results, a, *, full_matrices):
    # A = U S V^T (U: m x k, V: n x k). With F_ij = 1 / (s_j^2 - s_i^2) off the diagonal,
    # gA = U [F*(U^T gU - gU^T U) S + S F*(V^T gV - gV^T V) + diag(gS)] V^T
    #      + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T).
    gu, gs, gvh = grads
    u, s, vh = results
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if full_matrices and m != n:  # the extra columns of U (rows of Vh) are arbitrary: not differentiable
        u, vh = u[..., :k], vh[..., :k, :]
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
    v = _mT(vh)
    inner = 0 if gs is None else _diag_embed(gs)
    if gu is not None or gvh is not None:
        eye = _eye(k, s)
        s2 = s * s
        f = (1 - eye) / (_vec(s2) - mov.unsqueeze(s2, -1) + eye)
        s_row = _vec(s)
        if gu is not None:
            utgu = matmul(_mT(u), gu)
            inner = inner + f * (utgu - _mT(utgu)) * s_row
        if gvh is not None:
            gv = _mT(gvh)
            vtgv = matmul(vh, gv)
            inner = inner + mov.unsqueeze(s, -1) * (f * (vtgv - _mT(vtgv)))
    out = matmul(u, matmul(inner, vh)) if isinstance(inner, Tensor) else None
    if gu is not None and m > k:
        proj = gu - matmul(u, matmul(_mT(u), gu))
        term = matmul(proj / s_row, vh)
        out = term if out is None else out + term
    if gvh is not None and n > k:
        gv = _mT(gvh)
        proj = gv - matmul(v, matmul(vh, gv))
        term = matmul(u / s_row, _mT(proj))
        out = term if out is None else out + term
    return out


defvjp(_svd, _svd_vjp)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> tuple:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, singular values descending."""
    check_matrix("linalg.svd", A, square=False)
    return SVDResult(*call_multi(_svd, (A,), {"full_matrices": full_matrices}))


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values of each matrix, descending."""
    check_matrix("linalg.svd", A, square=False)
    # svd's primitive (the gradient needs the singular vectors; vmap batches it)
    return call_multi(_svd, (A,), {"full_matrices": False})[1]
