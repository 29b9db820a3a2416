"""The Laplace (double exponential) distribution."""

from __future__ import annotations


import chainrule as torch

from .distribution import _LocationScale
from .utils import _numpy_sample

__all__ = ["Laplace"]


class Laplace(_LocationScale):
    """Laplace distribution with location ``loc`` and scale ``scale``."""

    def expand(self, batch_shape, _instance=None):
        """A Laplace with ``loc`` and ``scale`` expanded to ``batch_shape``."""
        return self._expand_params(Laplace, batch_shape, ("loc", "scale"), _instance)

    @property
    def variance(self):
        """``2 * scale ** 2``."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        """``sqrt(2) * scale``."""
        return (2**0.5) * self.scale

    def rsample(self, sample_shape=torch.Size()):
        """``loc + scale * e`` with ``e`` standard Laplace noise."""
        shape = self._extended_shape(sample_shape)
        e = _numpy_sample(lambda g, s: g.laplace(0.0, 1.0, s), shape, self.loc.dtype)
        return self.loc + self.scale * e

    def log_prob(self, value):
        """``-log(2 scale) - |value - loc| / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        return -torch.log(2 * self.scale) - torch.abs(value - self.loc) / self.scale

    def cdf(self, value):
        """Cumulative distribution function at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * torch.expm1(-(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        """Quantile function at ``value``."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * torch.log1p(-2 * term.abs())

    def entropy(self):
        """``1 + log(2 scale)``."""
        return 1 + torch.log(2 * self.scale)
