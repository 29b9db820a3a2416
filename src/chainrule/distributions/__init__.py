"""Probability distributions with differentiable ``log_prob``, ``entropy`` and reparameterised
``rsample`` (``torch.distributions``), for policy gradients, VAEs and probabilistic models.

Samples come from NumPy's generator behind ``chainrule.manual_seed``: reproducible, but not
PyTorch's numbers.
"""

from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Categorical", "Distribution", "Independent", "MultivariateNormal", "Normal",
    "Uniform", "constraints", "kl_divergence", "register_kl",
]
