"""The gamma distribution (shape ``concentration``, inverse scale ``rate``)."""

from __future__ import annotations

from numbers import Number

import chainrule as torch

from . import constraints
from .distribution import Distribution
from .utils import _numpy_sample, broadcast_all

__all__ = ["Gamma"]


def _standard_gamma(concentration, shape):
    """Gamma(concentration, 1) samples of ``shape`` (no gradient), drawn by NumPy and kept
    at least the dtype's smallest normal number, as PyTorch clamps them."""
    conc = concentration.detach().expand(shape).numpy()
    x = _numpy_sample(lambda g, s: g.standard_gamma(conc, s), shape, concentration.dtype)
    return x.clamp(min=torch.finfo(x.dtype).tiny)


class Gamma(Distribution):
    """Gamma distribution with ``concentration`` (shape) and ``rate`` (1 / scale).

    Unlike PyTorch, there is no ``rsample``: implicit reparameterisation gradients are not implemented."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = False

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, Number) and isinstance(rate, Number)
        super().__init__(torch.Size() if scalar else self.concentration.size(), validate_args=validate_args)

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

    def sample(self, sample_shape=torch.Size()):
        """Draw samples (no gradient)."""
        shape = self._extended_shape(sample_shape)
        with torch.no_grad():
            x = _standard_gamma(self.concentration, shape) / self.rate.detach().expand(shape)
            return x.clamp(min=torch.finfo(x.dtype).tiny)

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
