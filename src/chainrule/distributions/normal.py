"""The normal (Gaussian) distribution."""

from __future__ import annotations

import math
from numbers import Number

import chainrule as torch

from .distribution import _LocationScale
from .utils import _standard_normal

__all__ = ["Normal"]


class Normal(_LocationScale):
    """Normal distribution with mean ``loc`` and standard deviation ``scale``."""

    def expand(self, batch_shape, _instance=None):
        """A Normal with ``loc`` and ``scale`` expanded to ``batch_shape``."""
        return self._expand_params(Normal, batch_shape, ("loc", "scale"), _instance)

    @property
    def stddev(self):
        """``scale``."""
        return self.scale

    @property
    def variance(self):
        """``scale ** 2``."""
        return self.stddev.pow(2)

    def rsample(self, sample_shape=torch.Size()):
        """``loc + eps * scale`` with ``eps`` standard normal."""
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        """Log density at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale**2
        log_scale = math.log(self.scale) if isinstance(self.scale, Number) else self.scale.log()
        return -((value - self.loc) ** 2) / (2 * var) - log_scale - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        """Cumulative distribution function at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + torch.erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        """Quantile function at ``value``."""
        return self.loc + self.scale * torch.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        """``0.5 + 0.5 * log(2 pi) + log(scale)``."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + torch.log(self.scale)
