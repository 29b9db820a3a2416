"""Turning an int-or-tuple argument into a tuple, as PyTorch's _single/_pair."""

from collections.abc import Iterable


def _ntuple(n: int):
    def parse(x):
        if isinstance(x, Iterable) and not isinstance(x, str):
            return tuple(x)
        return (x,) * n

    return parse


_single = _ntuple(1)
_pair = _ntuple(2)
_triple = _ntuple(3)
