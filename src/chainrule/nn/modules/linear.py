"""Identity, Linear and Bilinear."""

from __future__ import annotations

import math

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "LazyLinear", "Bilinear"]


def _empty(*shape, dtype=None) -> Tensor:
    return _creation.empty(*shape, dtype=dtype)


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (as PyTorch)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return ``input`` unchanged."""
        return input


class Linear(Module):
    """``y = x @ weight.T + bias``; weight has shape ``(out_features, in_features)``.

    Initialised as PyTorch: weight ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """Apply the layer to ``input`` ``(*, in_features)``: ``input @ weight.T + bias``."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"




class LazyLinear(Linear):
    """A Linear layer whose ``in_features`` is read from its first input.

    Until then its weight has shape ``(out_features, 0)`` (PyTorch's is an UninitializedParameter);
    the first forward call resizes the weight and bias in place (the same Parameter objects),
    initialises them as Linear does, and turns the module into a plain :class:`Linear`.
    """

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, 0, dtype=dtype))
        if bias:
            self.bias = Parameter(_empty(0, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Initialise as Linear does, once ``in_features`` is known; before, there is nothing to fill."""
        if self.in_features != 0:
            super().reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        """Learn ``in_features`` from ``input``'s last dimension on the first call, then apply the layer."""
        if self.in_features == 0:
            self.in_features = input.shape[-1]
            self.weight.data = _empty(self.out_features, self.in_features, dtype=self.weight.dtype)
            if self.bias is not None:
                self.bias.data = _empty(self.out_features, dtype=self.bias.dtype)
            self.__class__ = Linear
            self.reset_parameters()
        return F.linear(input, self.weight, self.bias)


class Bilinear(Module):
    """``y = x1^T A x2 + b``; weight has shape ``(out_features, in1_features, in2_features)``."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, in1_features, in2_features, dtype=dtype))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``x1^T W_k x2 + b_k`` for each output feature ``k``, from ``input1`` and ``input2``."""
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
