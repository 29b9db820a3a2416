"""Convolutions: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d."""

from __future__ import annotations

import math

from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import _pair, _single, _triple
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "LazyConv1d", "LazyConv2d", "LazyConv3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution shares: argument checks, parameters, default init and repr."""

    _ntuple = staticmethod(_pair)

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding == "same":
                # Padding per side for the non-zeros modes: total = dilation * (k - 1), extra on the right.
                self._reversed_padding_repeated_twice = []
                for d, k in zip(reversed(dilation), reversed(kernel_size), strict=True):
                    total = d * (k - 1)
                    left = total // 2
                    self._reversed_padding_repeated_twice += [left, total - left]
            else:
                self._reversed_padding_repeated_twice = [0, 0] * len(kernel_size)
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in range(2)]
        if transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(_creation.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``."""
        # kaiming_uniform with a=sqrt(5): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr (those left at their default omitted)."""
        n = len(self.kernel_size)
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * n:
            s += ", padding={padding}"
        if self.dilation != (1,) * n:
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * n:
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def _conv(self, input: Tensor, conv) -> Tensor:
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        else:
            padding = self.padding
        return conv(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


def _conv_class(name: str, ntuple, conv_fn_name: str, doc: str):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        _ConvNd.__init__(
            self, in_channels, out_channels, ntuple(kernel_size), ntuple(stride),
            padding if isinstance(padding, str) else ntuple(padding), ntuple(dilation), False, ntuple(0),
            groups, bias, padding_mode, dtype,
        )

    def forward(self, input: Tensor) -> Tensor:
        """Convolve ``input`` ``(N, C_in, *spatial)`` or ``(C_in, *spatial)`` with the weight (plus bias)."""
        return self._conv(input, getattr(F, conv_fn_name))

    return type(name, (_ConvNd,), {"__init__": __init__, "forward": forward, "__doc__": doc, "__module__": __name__})


Conv1d = _conv_class("Conv1d", _single, "conv1d", "1-d convolution over ``(N, C, L)`` input.")
Conv2d = _conv_class("Conv2d", _pair, "conv2d", "2-d convolution over ``(N, C, H, W)`` input.")
Conv3d = _conv_class("Conv3d", _triple, "conv3d", "3-d convolution over ``(N, C, D, H, W)`` input.")


def _transpose_class(name: str, ntuple, conv_fn_name: str, doc: str):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        _ConvNd.__init__(
            self, in_channels, out_channels, ntuple(kernel_size), ntuple(stride), ntuple(padding),
            ntuple(dilation), True, ntuple(output_padding), groups, bias, padding_mode, dtype,
        )

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """Apply the transposed convolution to ``input``; ``output_size`` picks among the possible sizes."""
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return getattr(F, conv_fn_name)(
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        n = len(self.kernel_size)
        output_size = list(output_size)[-n:]
        pads = []
        for d in range(n):
            size_in = input.shape[input.dim() - n + d]
            smallest = (size_in - 1) * self.stride[d] - 2 * self.padding[d] + self.dilation[d] * (self.kernel_size[d] - 1) + 1
            extra = output_size[d] - smallest
            if not 0 <= extra < max(self.stride[d], self.dilation[d]):
                raise ValueError(
                    f"requested an output size of {output_size}, but valid sizes range from {smallest} to "
                    f"{smallest + max(self.stride[d], self.dilation[d]) - 1} (for an input of {list(input.shape[2:])})"
                )
            pads.append(extra)
        return tuple(pads)

    return type(name, (_ConvNd,), {"__init__": __init__, "forward": forward, "_output_padding": _output_padding,
                                   "__doc__": doc, "__module__": __name__})


ConvTranspose1d = _transpose_class("ConvTranspose1d", _single, "conv_transpose1d", "1-d transposed convolution.")
ConvTranspose2d = _transpose_class("ConvTranspose2d", _pair, "conv_transpose2d", "2-d transposed convolution.")
ConvTranspose3d = _transpose_class("ConvTranspose3d", _triple, "conv_transpose3d", "3-d transposed convolution.")


def _lazy_conv_class(conv_cls, nd: int):
    """A ``conv_cls`` whose ``in_channels`` is read from its first input (as LazyLinear)."""

    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        conv_cls.__init__(self, 0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                          device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """Learn ``in_channels`` from ``input`` on the first call (the weight is resized in place
        and initialised, and the module becomes a plain convolution), then convolve."""
        if self.in_channels == 0:
            self.in_channels = input.shape[1] if input.dim() == nd + 2 else input.shape[0]
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.data = _creation.empty(*shape, dtype=self.weight.dtype)
            self.__class__ = conv_cls
            self.reset_parameters()
        return conv_cls.forward(self, input)

    name = "Lazy" + conv_cls.__name__
    doc = f"A :class:`{conv_cls.__name__}` whose ``in_channels`` is read from its first input."
    return type(name, (conv_cls,), {"__init__": __init__, "forward": forward, "__doc__": doc, "__module__": __name__})


LazyConv1d = _lazy_conv_class(Conv1d, 1)
LazyConv2d = _lazy_conv_class(Conv2d, 2)
LazyConv3d = _lazy_conv_class(Conv3d, 3)

