"""Parameter: a tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is registered when set on a Module.

    Example::

        >>> w = Parameter(chainrule.zeros(2))
        >>> w.requires_grad
        True
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        if data is None:
            array = np.empty((0,), dtype=np.float32)
            vc = [0, None]
        elif isinstance(data, Tensor):
            array = data._data
            vc = data._vc  # shares memory (and so the version counter) with `data`, as in PyTorch
        else:
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        p = cls._make(array)
        p._vc = vc
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(Tensor._make(self._data.copy()), self.requires_grad)
        if self._grad is not None:
            p._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = p
        return p

    def __copy__(self):
        return Parameter(Tensor._make(self._data), self.requires_grad)


class _BufferMeta(type):
    # A Buffer is a plain Tensor marked as one (as in PyTorch), so isinstance checks the mark.
    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a buffer: assigned to a Module attribute, it is registered as one.

    ``Buffer(t)`` returns ``t`` detached (keeping ``requires_grad``), with ``persistent`` saying
    whether it goes into ``state_dict``.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            data = Tensor._make(np.empty((0,), dtype=np.float32))
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
