"""``chainrule.special``: PyTorch's ``torch.special`` names for chainrule's special functions.

Most are other names of ops in ``chainrule``; the few that are not (``entr``, ``ndtr``,
``ndtri``, ``log_ndtr``, ``xlog1py``, ``sinc``...) are written with chainrule ops, so their
gradients of any order follow.
"""

from __future__ import annotations

import math

from . import ops as _ops
from .nn import functional as _F
from .ops._common import as_tensor_arg as _as_tensor
from .ops.elementwise import _float_input

__all__ = [
    "expit", "logit", "erf", "erfc", "erfcx", "erfinv", "xlogy", "xlog1py", "log_softmax", "softmax",
    "logsumexp", "gammaln", "digamma", "psi", "polygamma", "multigammaln", "i0", "entr", "sinc", "ndtr",
    "ndtri", "log_ndtr", "exp2", "expm1", "log1p", "round",
]

expit = _ops.sigmoid
logit = _ops.logit
erf = _ops.erf
erfc = _ops.erfc
erfinv = _ops.erfinv
xlogy = _ops.xlogy
gammaln = _ops.lgamma
digamma = psi = _ops.digamma
polygamma = _ops.polygamma
multigammaln = _ops.mvlgamma
i0 = _ops.i0
sinc = _ops.sinc
exp2 = _ops.exp2
expm1 = _ops.expm1
log1p = _ops.log1p
round = _ops.round  # noqa: A001 - PyTorch's name
logsumexp = _ops.logsumexp


def softmax(input, dim, *, dtype=None):
    """The softmax along ``dim`` (as ``torch.special.softmax``: ``dim`` is required)."""
    return _F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """The log of the softmax along ``dim``."""
    return _F.log_softmax(input, dim, dtype=dtype)


def xlog1py(input, other):
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    from ._tensor import Tensor

    x = input if isinstance(input, Tensor) else _as_tensor(input)
    y = other if isinstance(other, Tensor) else _as_tensor(other)
    prod = _ops.mul(x, _ops.log1p(y))
    return _ops.where((x == 0) & ~_ops.isnan(y), 0.0, prod)


def entr(input):
    """The elementwise entropy term: ``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` below 0."""
    x = _float_input(input, "entr")
    safe = _ops.where(x > 0, x, 1.0)
    out = -x * _ops.log(safe)
    return _ops.where(x < 0, -math.inf, _ops.where(x == 0, 0.0, out))


def ndtr(input):
    """The standard normal distribution function: ``(1 + erf(x / sqrt(2))) / 2``."""
    x = _float_input(input, "ndtr")
    return (1 + _ops.erf(x * (1 / math.sqrt(2)))) * 0.5


def ndtri(input):
    """The inverse of ``ndtr``: ``sqrt(2) * erfinv(2p - 1)``."""
    p = _float_input(input, "ndtri")
    return _ops.erfinv(2 * p - 1) * math.sqrt(2)


def log_ndtr(input):
    """The log of ``ndtr``, accurate in both tails (through ``erfcx`` on the left, ``log1p`` on
    the right)."""
    x = _float_input(input, "log_ndtr")
    left = x < 0
    # Each branch gets inputs it is finite at, so the other's gradient is never 0 * inf.
    t = _ops.where(left, x, -1.0) * (-1 / math.sqrt(2))
    low = _ops.log(_erfcx(t) * 0.5) - t * t
    high = _ops.log1p(_ops.erfc(_ops.where(left, 1.0, x) * (1 / math.sqrt(2))) * -0.5)
    return _ops.where(left, low, high)


_ASYMPTOTIC_FROM = 8.0  # erfcx by its asymptotic series from here on (12 terms: float64 precision)


def _erfcx(x):
    big = x >= _ASYMPTOTIC_FROM
    xs = _ops.where(big, 0.0, x)
    direct = _ops.exp(xs * xs) * _ops.erfc(xs)
    xb = _ops.where(big, x, _ASYMPTOTIC_FROM)
    u = 1 / (2 * xb * xb)
    series, term = 1.0, 1.0
    for k in range(1, 13):
        term = term * (-(2 * k - 1)) * u
        series = series + term
    return _ops.where(big, series / (xb * math.sqrt(math.pi)), direct)


def erfcx(input):
    """The scaled complementary error function ``exp(x^2) * erfc(x)`` (no overflow for large x)."""
    return _erfcx(_float_input(input, "erfcx"))
