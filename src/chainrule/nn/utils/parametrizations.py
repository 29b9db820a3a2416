"""Ready-made parametrizations, as ``torch.nn.utils.parametrizations``: weight_norm, spectral_norm, orthogonal."""

from __future__ import annotations

import numpy as np

from ... import _creation, ops
from ..._dtype import finfo
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dimension but ``dim``, kept as size-1 dims; ``dim == -1``: the whole norm."""
    if dim == -1:
        return v.norm()
    others = tuple(d for d in range(v.dim()) if d != dim)
    if not others:
        return v.abs()
    return v.pow(2).sum(others, keepdim=True).sqrt()


class _WeightNorm(Module):
    """``weight = g * v / ||v||``, the norm taken over every dimension but ``dim``."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        """The weight rebuilt from its magnitude ``weight_g`` and direction ``weight_v``."""
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        """Split ``weight`` into its magnitude (``original0``) and itself as the direction (``original1``)."""
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as magnitude times direction: ``original0 * original1 / ||original1||``.

    Example::

        >>> m = weight_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape  # the magnitude, one per output row
        torch.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def load_old_keys(state_dict, prefix, *args):
        # Checkpoints of the older nn.utils.weight_norm hold <name>_g and <name>_v: load them
        # as the magnitude and the direction (as PyTorch does).
        g, v = prefix + name + "_g", prefix + name + "_v"
        if g in state_dict and v in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v)

    module._register_load_state_dict_pre_hook(load_old_keys)
    return module


class _SpectralNorm(Module):
    """``weight / sigma``, sigma the largest singular value estimated by power iteration on ``_u`` and ``_v``."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = _creation.empty(h, dtype=weight.dtype).normal_(0, 1)
            v = _creation.empty(w, dtype=weight.dtype).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # _u and _v are updated in place (no gradient), as PyTorch's buffers are.
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(ops.mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(ops.mv(weight_mat.H, self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        """``weight`` divided by its estimated spectral norm (one power-iteration step first, in training)."""
        if weight.dim() == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = ops.vdot(u, ops.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        """The identity: any weight is stored as it is."""
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize ``module.<name>`` divided by its spectral norm, estimated by power iteration.

    ``dim`` defaults to 1 for transposed convolutions, else 0. The vectors ``_u`` and ``_v`` are buffers of
    the parametrization, updated at each access in training mode.

    Example::

        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> torch.linalg.matrix_norm(m.weight, 2)  # about 1
    """
    from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def _is_orthogonal(q: Tensor, eps: float | None = None) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eye = _creation.eye(k, dtype=q.dtype)
    eps = 10.0 * n * float(finfo(q.dtype).eps) if eps is None else eps
    return bool(ops.allclose(q.mH @ q, eye, atol=eps))


def _make_orthogonal(a: Tensor) -> Tensor:
    """The Q of a QR decomposition of ``a``, with signs fixed so that R's diagonal is positive."""
    from ... import linalg

    q, r = linalg.qr(a)
    q = q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)
    return q


def _householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """The first ``k`` columns of ``H_0 H_1 ... H_{k-1}``, ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` column ``i``
    of the strictly lower-triangular ``a`` plus a one at row ``i`` (``linalg.householder_product``)."""
    n, k = a.shape[-2], a.shape[-1]
    eye = _creation.eye(n, dtype=a.dtype)
    h = eye.expand(*a.shape[:-2], n, n)
    for i in range(k):
        v = (a[..., :, i] + eye[:, i]).unsqueeze(-1)
        h = h - (h @ v) @ v.mT * tau[..., i, None, None]
    return h[..., :k]


def _householder_inverse(q: Tensor, transpose: bool) -> Tensor:
    """The reflectors (LAPACK geqrf's packed form) of ``q``'s QR decomposition, with R's diagonal made positive:
    what the householder map turns back into ``q``. NumPy's ``qr(mode="raw")`` returns geqrf's output transposed."""
    flat = q._data.reshape(-1, *q.shape[-2:])
    out = np.empty_like(flat)
    for i, mat in enumerate(flat):
        h, tau = np.linalg.qr(mat, mode="raw")
        a = h.T.copy()
        diag = np.sign(np.diagonal(a)).copy()
        diag[tau == 0] *= -1  # LAPACK leaves tau exactly 0 where it skips a reflection
        np.fill_diagonal(a, diag)
        out[i] = a
    result = _creation.tensor(out.reshape(q.shape))
    return result.mT if transpose else result


class _Orthogonal(Module):
    """An orthogonal (or unitary) matrix from an unconstrained one: ``matrix_exp`` or ``cayley`` of its skew part,
    or ``householder`` products."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == "householder":
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x: Tensor) -> Tensor:
        """The orthogonal matrix that ``x`` parametrizes."""
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:
                x = ops.cat([x, x.new_zeros(*x.shape[:-2], n, n - k)], dim=-1)
            a = x - x.mH
            if self.orthogonal_map == "matrix_exp":
                q = ops.matrix_exp(a)
            else:
                from ... import linalg

                eye = _creation.eye(n, dtype=a.dtype)
                q = linalg.solve(eye - a * 0.5, eye + a * 0.5)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = _householder_product(a, tau)
            q = q * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            q = self.base @ q
        if transposed:
            q = q.mT
        return q

    def right_inverse(self, q: Tensor) -> Tensor:
        """An unconstrained tensor that maps to ``q`` (kept as ``base`` with the trivialization)."""
        if q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {q.shape}.")
        with no_grad():
            q_init = q
            n, k = q.shape[-2], q.shape[-1]
            transpose = n < k
            if transpose:
                q = q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in ("cayley", "matrix_exp"):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley parametrizations "
                        "when use_trivialization=False.")
                return _householder_inverse(q, transpose)
            if n == k:
                if not _is_orthogonal(q):
                    q = _make_orthogonal(q)
                else:
                    q = q.clone()
            else:
                extra = _creation.randn(*q.shape[:-2], n, n - k, dtype=q.dtype)
                q = _make_orthogonal(ops.cat([q, extra], dim=-1))
            self.base = q
            neg_id = _creation.zeros(*q_init.shape, dtype=q_init.dtype)
            neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_id


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Reparametrize the matrix (or batch of matrices) ``module.<name>`` to stay orthogonal (unitary).

    ``orthogonal_map`` is ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (default: ``matrix_exp`` for a
    square or complex matrix, else ``householder``).

    Example::

        >>> m = orthogonal(nn.Linear(20, 40))
        >>> torch.dist(m.weight.T @ m.weight, torch.eye(20))  # about 0
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.dim() < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.dim()} dimensions.")
    if orthogonal_map is None:
        square_or_complex = weight.shape[-2] == weight.shape[-1] or weight.is_complex()
        orthogonal_map = "matrix_exp" if square_or_complex else "householder"
    if orthogonal_map not in ("matrix_exp", "cayley", "householder"):
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
