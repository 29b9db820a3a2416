"""Activation functions as modules; each calls its twin in ``nn.functional``."""

from __future__ import annotations

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = [
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Hardshrink", "Softshrink", "Tanhshrink",
    "Softplus", "Softsign", "LogSigmoid", "Threshold", "GLU", "Softmax", "Softmin", "LogSoftmax", "Softmax2d",
]


class _Inplace(Module):
    """An activation with only an ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr (``inplace=True`` when set)."""
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """``max(0, x)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply ReLU elementwise to ``input`` (any shape; the output has the same shape)."""
        return F.relu(input, inplace=self.inplace)


class ReLU6(_Inplace):
    """``min(max(0, x), 6)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Clamp ``input`` elementwise to ``[0, 6]`` (any shape)."""
        return F.relu6(input, inplace=self.inplace)


class SELU(_Inplace):
    """Scaled ELU with the self-normalising constants."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply SELU elementwise to ``input`` (any shape; the output has the same shape)."""
        return F.selu(input, self.inplace)


class SiLU(_Inplace):
    """``x * sigmoid(x)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply SiLU, ``x * sigmoid(x)``, elementwise to ``input`` (any shape)."""
        return F.silu(input, inplace=self.inplace)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply Mish, ``x * tanh(softplus(x))``, elementwise to ``input`` (any shape)."""
        return F.mish(input, inplace=self.inplace)


class Hardsigmoid(_Inplace):
    """Piecewise-linear sigmoid."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply the piecewise-linear sigmoid elementwise to ``input`` (any shape)."""
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_Inplace):
    """``x * hardsigmoid(x)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply hardswish, ``x * hardsigmoid(x)``, elementwise to ``input`` (any shape)."""
        return F.hardswish(input, self.inplace)


class LeakyReLU(Module):
    """``x`` for positive ``x``, else ``negative_slope * x``."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply leaky ReLU elementwise to ``input`` (negatives scaled by ``negative_slope``)."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU whose negative slope is learned (one per channel, or one shared)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.full((num_parameters,), init, dtype=dtype))

    def reset_parameters(self) -> None:
        """Refill the learnable slopes with their initial value ``init``."""
        from .. import init as nn_init

        nn_init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """Scale the negatives of ``input`` by the learned slope (one per channel, dim 1, or one shared)."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Leaky ReLU with a random slope in ``[lower, upper]`` while training, the mean slope in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Scale negatives of ``input`` by random slopes in ``[lower, upper]`` (their mean in eval mode)."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """``x`` for positive ``x``, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply ELU elementwise to ``input`` (any shape; the output has the same shape)."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply CELU elementwise to ``input`` (any shape; the output has the same shape)."""
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    """Gaussian error linear unit; ``approximate='tanh'`` uses the tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """Apply GELU (exact or tanh-approximated) elementwise to ``input`` (any shape)."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"approximate={self.approximate!r}"


class _NoArgs(Module):
    """An activation without settings."""


class Sigmoid(_NoArgs):
    """``1 / (1 + exp(-x))``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply the logistic sigmoid elementwise to ``input`` (any shape)."""
        return input.sigmoid()


class Tanh(_NoArgs):
    """Hyperbolic tangent."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply the hyperbolic tangent elementwise to ``input`` (any shape)."""
        return input.tanh()


class Tanhshrink(_NoArgs):
    """``x - tanh(x)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply ``x - tanh(x)`` elementwise to ``input`` (any shape)."""
        return F.tanhshrink(input)


class Softsign(_NoArgs):
    """``x / (1 + |x|)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply ``x / (1 + |x|)`` elementwise to ``input`` (any shape)."""
        return F.softsign(input)


class LogSigmoid(_NoArgs):
    """``log(sigmoid(x))``, computed stably."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply ``log(sigmoid(x))`` elementwise to ``input`` (any shape)."""
        return F.logsigmoid(input)


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"max_val must be greater than min_val, got min_val={min_val}, max_val={max_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Clamp ``input`` elementwise to ``[min_val, max_val]`` (any shape)."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class _Shrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr (the threshold ``lambd``)."""
        return str(self.lambd)


class Hardshrink(_Shrink):
    """``x`` where ``|x| > lambd``, else 0."""

    def forward(self, input: Tensor) -> Tensor:
        """Zero the elements of ``input`` within ``[-lambd, lambd]``, keep the rest."""
        return F.hardshrink(input, self.lambd)


class Softshrink(_Shrink):
    """Shrink toward zero by ``lambd``."""

    def forward(self, input: Tensor) -> Tensor:
        """Shrink ``input`` toward zero by ``lambd``; elements within ``[-lambd, lambd]`` become 0."""
        return F.softshrink(input, self.lambd)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``; linear above ``threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """Apply softplus elementwise to ``input`` (linear above ``threshold / beta``)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Replace the elements of ``input`` not above ``threshold`` by ``value``."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """Gated linear unit: split ``dim`` in halves ``a, b`` and return ``a * sigmoid(b)``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Split ``input`` in two halves along ``dim`` and return ``a * sigmoid(b)`` (half the size there)."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"dim={self.dim}"


class _SoftmaxBase(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """``exp(x) / sum(exp(x))`` along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmax to ``input`` along ``dim``: each slice becomes non-negative and sums to 1."""
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmin(_SoftmaxBase):
    """Softmax of ``-x`` along ``dim``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmin (softmax of ``-input``) along ``dim``."""
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(x))`` along ``dim``, computed stably."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply log-softmax to ``input`` along ``dim`` (the output has the same shape)."""
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmax2d(_NoArgs):
    """Softmax over the channel dimension of ``(N, C, H, W)`` or ``(C, H, W)`` input."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmax over the channels of a ``(N, C, H, W)`` or ``(C, H, W)`` ``input``."""
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)
