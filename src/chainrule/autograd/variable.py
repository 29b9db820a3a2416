"""``Variable``: PyTorch's pre-0.4 wrapper, kept so that old code runs. Tensors do everything
Variables did; ``Variable(t)`` gives a tensor sharing ``t``'s data, outside its graph."""

from __future__ import annotations

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        from .._tensor import Tensor

        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a new leaf sharing ``tensor``'s data (every
    tensor is an instance of Variable, as in PyTorch)."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        from .._tensor import Tensor

        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out
