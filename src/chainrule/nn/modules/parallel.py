"""DataParallel, as PyTorch has it on a machine without GPUs: it runs the wrapped module."""

from __future__ import annotations

from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wraps ``module`` (as ``self.module``, so state_dict keys start with ``module.``) and
    calls it: with no GPU there is nothing to split the batch across."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        """The wrapped module's output."""
        return self.module(*inputs, **kwargs)
