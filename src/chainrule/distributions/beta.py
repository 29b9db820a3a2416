"""The beta distribution on ``[0, 1]``."""

from __future__ import annotations

from numbers import Number

import chainrule as torch

from . import constraints
from .distribution import Distribution
from .dirichlet import Dirichlet
from .gamma import _standard_gamma
from .utils import broadcast_all

__all__ = ["Beta"]


class Beta(Distribution):
    """Beta distribution with ``concentration1`` (alpha) and ``concentration0`` (beta).

    ``rsample`` is ``X / (X + Y)`` of gamma draws with implicit reparameterisation gradients."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        # Held as a two-component Dirichlet, as PyTorch does, so that argument errors read the same.
        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            both = torch.tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            both = torch.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        """A Beta with its parameters expanded to ``batch_shape``."""
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = torch.Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        """The first shape parameter (alpha)."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        """The second shape parameter (beta)."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        """``a / (a + b)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        """``(a - 1) / (a + b - 2)``, clamped to the boundary when a or b < 1."""
        a, b = self.concentration1, self.concentration0
        m1 = (a - 1).clamp(min=0.0)
        m0 = (b - 1).clamp(min=0.0)
        mode = m1 / (m1 + m0)
        # Both below 1 (density infinite at both ends): PyTorch answers 1 (its Dirichlet's
        # argmax over an all-NaN pair picks the first component); we match it.
        return torch.where((a < 1) & (b < 1), torch.ones_like(mode), mode)

    @property
    def variance(self):
        """``a b / ((a + b)^2 (a + b + 1))``."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=torch.Size()):
        """Reparameterised samples ``X / (X + Y)``, ``X ~ Gamma(alpha)``, ``Y ~ Gamma(beta)``."""
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma(self.concentration1, shape)
        y = _standard_gamma(self.concentration0, shape)
        return x / (x + y)

    def log_prob(self, value):
        """Log density at ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return (
            torch.xlogy(a - 1, value) + torch.xlogy(b - 1, 1 - value)
            + torch.lgamma(a + b) - torch.lgamma(a) - torch.lgamma(b)
        )

    def entropy(self):
        """Entropy in nats."""
        a, b = self.concentration1, self.concentration0
        total = a + b
        return (
            torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(total)
            - (a - 1) * torch.digamma(a) - (b - 1) * torch.digamma(b)
            + (total - 2) * torch.digamma(total)
        )
