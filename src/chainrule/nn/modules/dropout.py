"""Dropout layers: active in training mode, the identity in eval mode."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


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


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input in training, scaling the rest."""

    def forward(self, input: Tensor) -> Tensor:
        """Zero whole channels of ``input`` at random in training mode, scaling the rest by ``1/(1-p)``."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` input in training (3-D input is read as ``(N, C, L)``)."""

    def forward(self, input: Tensor) -> Tensor:
        """Zero whole channels of ``input`` at random in training mode, scaling the rest by ``1/(1-p)``."""
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input in training, scaling the rest."""

    def forward(self, input: Tensor) -> Tensor:
        """Zero whole channels of ``input`` at random in training mode, scaling the rest by ``1/(1-p)``."""
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's zero mean and unit variance."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply alpha dropout to ``input`` in training mode; return it unchanged in eval mode."""
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels: a dropped channel takes SELU's saturation value."""

    def forward(self, input: Tensor) -> Tensor:
        """Apply feature alpha dropout to ``input`` ``(N, C, *)`` in training mode; identity in eval mode."""
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
