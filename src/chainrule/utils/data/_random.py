"""Random permutations for samplers and random_split, drawn from a ``chainrule.Generator``."""

from __future__ import annotations

import numpy as np

from ..._creation import Generator, default_generator


def permutation(n: int, generator: Generator | None) -> list[int]:
    """A random ordering of ``range(n)`` drawn from ``generator`` (the default one if None).

    The numbers differ from PyTorch's (NumPy's PCG64 underneath), but the same seed gives the
    same order on every run.
    """
    gen = default_generator if generator is None else generator
    return gen._rng.permutation(n).tolist()


def randint_below(high: int, size: int, generator: Generator | None) -> list[int]:
    """``size`` random integers in ``[0, high)`` drawn from ``generator`` (the default one if None)."""
    gen = default_generator if generator is None else generator
    return gen._rng.integers(0, high, size=size, dtype=np.int64).tolist()
