"""``chainrule.linalg``: PyTorch's ``torch.linalg`` (inverses, solves, factorizations, norms).

Every function takes batches of matrices ``(..., m, n)``; multi-output functions return
named tuples that print as PyTorch's (``torch.return_types.linalg_eigh(...)``). Gradients
follow PyTorch's formulas, including where they are infinite (repeated eigenvalues).
"""

from __future__ import annotations

from ..ops.linalg import linalg_cross as cross
from ..ops.linalg import matmul
from ._decompositions import (
    LinAlgError, cholesky, cholesky_ex, det, eig, eigh, eigvals, eigvalsh, inv, inv_ex, lu, lu_factor, lu_factor_ex,
    lu_solve, qr, slogdet, solve, solve_ex, solve_triangular, svd, svdvals,
)
from ._functions import (
    cond, diagonal, lstsq, matrix_exp, matrix_norm, matrix_power, matrix_rank, multi_dot, norm, pinv, tensorinv,
    tensorsolve, vander, vecdot, vector_norm,
)

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
    "eigvalsh", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul",
    "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
    "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve",
    "vander", "vecdot", "vector_norm",
]
