"""Probability distributions with differentiable ``log_prob``, ``entropy`` and reparameterised
``rsample`` (``torch.distributions``), for policy gradients, VAEs and probabilistic models.

Samples come from NumPy's generator behind ``chainrule.manual_seed``: reproducible, but not
PyTorch's numbers.
"""

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .transformed_distribution import LogNormal, TransformedDistribution
from .transforms import (
    AffineTransform, ComposeTransform, ExpTransform, SigmoidTransform, TanhTransform, Transform,
)
from .uniform import Uniform

__all__ = [
    "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "ComposeTransform", "Dirichlet",
    "Distribution", "ExpTransform", "Exponential", "Gamma", "Independent", "Laplace", "LogNormal",
    "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "SigmoidTransform", "TanhTransform",
    "Transform", "TransformedDistribution", "Uniform", "constraints", "kl_divergence", "register_kl",
    "transforms",
]
