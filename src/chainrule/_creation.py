"""Creating tensors: from data, filled, ranges, random, and the ``*_like`` forms.

Random numbers come from one NumPy ``Generator`` seeded by ``manual_seed``. The stream
is NumPy's, not PyTorch's: the same seed gives different numbers than PyTorch.
"""

from __future__ import annotations

import math
import numpy as np

from . import _dtype
from ._tensor import Tensor, _check_device

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
    "eye", "rand", "randn", "randint", "normal", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand_like", "randn_like", "randint_like", "manual_seed", "seed", "initial_seed",
]

_rng = np.random.default_rng()
_initial_seed = None


def manual_seed(seed: int):
    """Seed chainrule's random generator (NumPy's PCG64: numbers differ from PyTorch's)."""
    global _rng, _initial_seed
    _initial_seed = int(seed)
    _rng = np.random.default_rng(_initial_seed)
    return _rng


def seed() -> int:
    """Seed the generator from the operating system's entropy and return the seed."""
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed last given to ``manual_seed`` (or chosen by ``seed``)."""
    if _initial_seed is None:
        return seed()
    return _initial_seed


def generator() -> np.random.Generator:
    return _rng


def _finish(data: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    if device is not None:
        _check_device(device)
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data) -> _dtype.dtype:
    """The dtype PyTorch infers for nested Python data."""
    kinds = set()

    def walk(x):
        if isinstance(x, Tensor):
            kinds.add(x.dtype)
        elif isinstance(x, np.ndarray):
            kinds.add(_dtype.from_numpy_dtype(x.dtype))
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, bool) or isinstance(x, np.bool_):
            kinds.add(_dtype.bool_)
        elif isinstance(x, (int, np.integer)):
            kinds.add(_dtype.int64)
        elif isinstance(x, (float, np.floating)):
            kinds.add(_dtype.get_default_dtype())
        elif isinstance(x, (complex, np.complexfloating)):
            kinds.add(_dtype.default_complex())
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")

    walk(data)
    if not kinds:
        return _dtype.get_default_dtype()
    result = None
    for d in kinds:
        result = d if result is None else _dtype.promote_types(result, d)
    return result


def _to_array(data, dtype: _dtype.dtype | None) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
        if dtype is None:
            dtype = _dtype.from_numpy_dtype(arr.dtype)
    else:
        if dtype is None:
            dtype = _infer_dtype(data)
        arr = _nested_to_array(data)
    target = dtype.np if dtype is not None else arr.dtype
    return np.array(arr, dtype=target, copy=True)


def _nested_to_array(data):
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, Tensor) for x in data):
            data = [x._data if isinstance(x, Tensor) else x for x in data]
        try:
            return np.array(data)
        except ValueError:
            raise ValueError(
                "expected sequence of equal-length sequences (a ragged nested list cannot be a tensor)"
            ) from None
    return np.array(data)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor copied from ``data`` (a number, nested lists, an array or a tensor).

    >>> chainrule.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    if isinstance(data, Tensor) and dtype is None:
        dtype = data.dtype
    return _finish(_to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a tensor or NumPy array when the dtype matches."""
    if isinstance(data, Tensor):
        return data if dtype is None or dtype == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype):
        _dtype.from_numpy_dtype(data.dtype)
        return _finish(data, False, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = size[0]
    out = []
    for s in size:
        if not isinstance(s, (int, np.integer)) and not (isinstance(s, Tensor) and s.numel() == 1):
            raise TypeError(
                f"size must be a tuple of ints, but got an element of type {type(s).__name__}"
            )
        s = int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(map(int, size))}")
        out.append(s)
    return tuple(out)


def _float_dtype(dtype) -> np.dtype:
    return (dtype or _dtype.get_default_dtype()).np


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of zeros with shape ``size``."""
    return _finish(np.zeros(_size(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of ones with shape ``size``."""
    return _finish(np.ones(_size(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor with shape ``size``."""
    return _finish(np.empty(_size(size), _float_dtype(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor with shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    if dtype is None:
        dtype = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(np.full(_size((size,)), fill_value, dtype.np), requires_grad, device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``.

    Integer arguments give int64; any float argument gives the default float dtype.
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dtype = _infer_dtype(values)
        if dtype is _dtype.bool_:
            dtype = _dtype.int64
    start, end, step = values
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    n = max(math.ceil((end - start) / step), 0)
    data = (start + np.arange(n, dtype=np.float64 if dtype.category >= _dtype.FLOAT else np.int64) * step).astype(dtype.np)
    return _finish(data, requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    data = np.linspace(float(start), float(end), int(steps), dtype=np.float64)
    return _finish(data.astype(_float_dtype(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 2-D tensor with ones on the diagonal."""
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in ``[0, 1)``."""
    g = generator or _rng
    return _finish(g.random(_size(size)).astype(_float_dtype(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers."""
    g = generator or _rng
    return _finish(g.standard_normal(_size(size)).astype(_float_dtype(dtype)), requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)`` (int64 unless ``dtype`` says otherwise)."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high is None:
        low, high = 0, low
    g = generator or _rng
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    data = g.integers(low, high, _size((size,)))
    return _finish(data.astype((dtype or _dtype.int64).np), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Normal random numbers with the given ``mean`` and ``std`` (numbers or tensors)."""
    g = generator or _rng
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if isinstance(s, (int, float)) and s < 0 or isinstance(s, np.ndarray) and np.any(s < 0):
        raise RuntimeError("normal expects std >= 0.0, but found std -1")
    if size is None:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    else:
        shape = _size((size,))
    if dtype is None:
        dtype = mean.dtype if isinstance(mean, Tensor) else std.dtype if isinstance(std, Tensor) else None
    data = g.normal(m, s, shape)
    return _finish(np.asarray(data).astype(_float_dtype(dtype)), requires_grad, None)


# -- *_like ------------------------------------------------------------------------------------


def _like_dtype(input: Tensor, dtype) -> np.dtype:
    return dtype.np if dtype is not None else input._data.dtype


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _finish(np.zeros(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _finish(np.ones(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Uninitialised with ``input``'s shape and dtype."""
    return _finish(np.empty(input._data.shape, _like_dtype(input, dtype)), requires_grad, device)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype."""
    return _finish(np.full(input._data.shape, fill_value, _like_dtype(input, dtype)), requires_grad, device)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Uniform random numbers with ``input``'s shape and dtype."""
    return _finish(_rng.random(input._data.shape).astype(_like_dtype(input, dtype)), requires_grad, device)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Standard normal random numbers with ``input``'s shape and dtype."""
    return _finish(_rng.standard_normal(input._data.shape).astype(_like_dtype(input, dtype)), requires_grad, device)


def randint_like(input: Tensor, low, high=None, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    """Random integers in ``[low, high)`` with ``input``'s shape."""
    if high is None:
        low, high = 0, low
    return _finish(_rng.integers(low, high, input._data.shape).astype(_like_dtype(input, dtype)), requires_grad, device)
