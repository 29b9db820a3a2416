"""The gamma distribution (shape ``concentration``, inverse scale ``rate``)."""

from __future__ import annotations


import numpy as np

import chainrule as torch

from . import constraints
from .distribution import Distribution
from .utils import _numpy_sample, broadcast_all

__all__ = ["Gamma"]


def _standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dalpha`` for ``x ~ Gamma(alpha, 1)`` held at a fixed quantile (implicit
    reparameterisation): ``-(dP(alpha, x)/dalpha) / p(x; alpha)``.

    Note [Gamma implicit gradient]: the regularised lower incomplete gamma is the series
    ``P = sum_n exp((alpha + n) log x - x - lgamma(alpha + n + 1))``, whose alpha-derivative is the
    same sum weighted by ``log x - digamma(alpha + n + 1)``. lgamma and digamma at ``alpha + n + 1``
    come from those at ``alpha + 1`` by the recurrences (cumulative sums of ``log(alpha + k)`` and
    ``1 / (alpha + k)``). Terms are summed until they are negligible: about ``x + 12 sqrt(x)`` of them."""
    alpha = np.asarray(alpha, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    alpha, x = np.broadcast_arrays(alpha, x)
    out = np.zeros(alpha.shape)
    a, xs = alpha.ravel(), x.ravel()
    if a.size == 0:
        return out
    lgamma_a1 = torch.lgamma(torch.tensor(a + 1)).numpy()
    digamma_a1 = torch.digamma(torch.tensor(a + 1)).numpy()
    n_terms = int(np.max(xs) + 12 * np.sqrt(np.max(xs)) + 40)
    grads = np.empty(a.size)
    chunk = max(1, 2_000_000 // n_terms)  # bounds the (elements, terms) work arrays
    log_x = np.log(xs)
    for start in range(0, a.size, chunk):
        sl = slice(start, start + chunk)
        k = np.arange(1, n_terms, dtype=np.float64)
        shifted = a[sl, None] + k  # alpha + k, k = 1 .. n_terms - 1
        lgam = np.concatenate([lgamma_a1[sl, None], lgamma_a1[sl, None] + np.cumsum(np.log(shifted), -1)], -1)
        psi = np.concatenate([digamma_a1[sl, None], digamma_a1[sl, None] + np.cumsum(1 / shifted, -1)], -1)
        n = np.arange(n_terms, dtype=np.float64)
        log_terms = (a[sl, None] + n) * log_x[sl, None] - xs[sl, None] - lgam
        terms = np.exp(log_terms)
        dP = (terms * (log_x[sl, None] - psi)).sum(-1)
        log_pdf = (a[sl] - 1) * log_x[sl] - xs[sl] - (lgamma_a1[sl] - np.log(a[sl]))
        grads[sl] = -dP / np.exp(log_pdf)
    return grads.reshape(alpha.shape)


class _StandardGamma(torch.autograd.Function):
    """Gamma(concentration, 1) samples (drawn beforehand) with implicit reparameterisation gradients."""

    @staticmethod
    def forward(ctx, concentration, sample):
        """Return ``sample``, remembering it for the backward pass."""
        ctx.save_for_backward(concentration, sample)
        return sample.clone()

    @staticmethod
    def backward(ctx, grad):
        """``grad * dsample/dconcentration`` (Note [Gamma implicit gradient])."""
        concentration, sample = ctx.saved_tensors
        dx = _standard_gamma_grad(concentration.detach().numpy(), sample.detach().numpy())
        return grad * torch.tensor(dx, dtype=grad.dtype), None


def _standard_gamma(concentration, shape):
    """Gamma(concentration, 1) samples of ``shape``, drawn by NumPy and kept at least the dtype's
    smallest normal number (as PyTorch clamps them), differentiable w.r.t. ``concentration``."""
    conc = concentration.expand(shape)
    conc_np = conc.detach().numpy()
    x = _numpy_sample(lambda g, s: g.standard_gamma(conc_np, s), shape, concentration.dtype)
    x = x.clamp(min=torch.finfo(x.dtype).tiny)
    if not (torch.is_grad_enabled() and conc.requires_grad):
        return x
    return _StandardGamma.apply(conc, x)


class Gamma(Distribution):
    """Gamma distribution with ``concentration`` (shape) and ``rate`` (1 / scale).

    ``rsample`` differentiates w.r.t. ``concentration`` by implicit reparameterisation
    (Note [Gamma implicit gradient]); samples are NumPy's, not PyTorch's."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.size(), validate_args=validate_args)  # (numbers: 0-d, Size([]))

    def expand(self, batch_shape, _instance=None):
        """A Gamma with its parameters expanded to ``batch_shape``."""
        return self._expand_params(Gamma, batch_shape, ("concentration", "rate"), _instance)

    @property
    def mean(self):
        """``concentration / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self):
        """``(concentration - 1) / rate``, at least 0."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        """``concentration / rate ** 2``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=torch.Size()):
        """Reparameterised samples: standard gamma draws (implicit gradient) divided by ``rate``."""
        shape = self._extended_shape(sample_shape)
        return _standard_gamma(self.concentration, shape) / self.rate.expand(shape)

    def log_prob(self, value):
        """Log density at ``value``."""
        value = torch.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (
            torch.xlogy(self.concentration, self.rate)
            + torch.xlogy(self.concentration - 1, value)
            - self.rate * value
            - torch.lgamma(self.concentration)
        )

    def entropy(self):
        """``a - log(rate) + lgamma(a) + (1 - a) digamma(a)``."""
        a = self.concentration
        return a - torch.log(self.rate) + torch.lgamma(a) + (1.0 - a) * torch.digamma(a)
