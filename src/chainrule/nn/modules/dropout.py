"""Dropout layers: active in training mode, the identity in eval mode."""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the rest by ``1/(1-p)``."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply dropout to ``input`` in training mode; return it unchanged in eval mode."""
        return F.dropout(input, self.p, self.training, self.inplace)


class _ChannelDropout(_DropoutNd):
    """Zero whole channels: one Bernoulli draw per (sample, channel)."""

    _spatial = 2

    def forward(self, input: Tensor) -> Tensor:
        """Zero whole channels of ``input`` at random in training mode, scaling the rest by ``1/(1-p)``."""
        if not self.training or self.p == 0:
            return input
        from ... import _creation

        if input.dim() not in (self._spatial + 1, self._spatial + 2):
            raise ValueError(
                f"{type(self).__name__.lower()}: Expected {self._spatial + 1}D or {self._spatial + 2}D input, "
                f"but received a {input.dim()}D input"
            )
        batched = input.dim() == self._spatial + 2
        if self._spatial == 2 and not batched:
            # PyTorch reads a 3-D input to Dropout2d as (N, C, L), for backward compatibility.
            warnings.warn(
                "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                "dropout1d instead.", stacklevel=2,
            )
            batched = True
        keep_dims = 2 if batched else 1
        mask_shape = tuple(input.shape[:keep_dims]) + (1,) * (input.dim() - keep_dims)
        keep = (_creation.rand(*mask_shape) >= self.p).to(input.dtype)
        scale = 0.0 if self.p == 1 else 1.0 / (1.0 - self.p)
        return input * (keep * scale)


class Dropout1d(_ChannelDropout):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input in training, scaling the rest."""

    _spatial = 1


class Dropout2d(_ChannelDropout):
    """Zero whole channels of ``(N, C, H, W)`` input in training (3-D input is read as ``(N, C, L)``)."""

    _spatial = 2


class Dropout3d(_ChannelDropout):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input in training, scaling the rest."""

    _spatial = 3


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's zero mean and unit variance."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply alpha dropout to ``input`` in training mode; return it unchanged in eval mode."""
        return F.alpha_dropout(input, self.p, self.training)
