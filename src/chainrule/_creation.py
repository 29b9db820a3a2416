"""Creating tensors: from data, filled, ranges, random, and the ``*_like`` forms.

Random numbers come from NumPy ``Generator`` objects (``chainrule.Generator`` wraps one;
``manual_seed`` seeds the default). The stream is NumPy's, not PyTorch's: the same seed
gives different numbers than PyTorch, but the same numbers run after run.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence

import numpy as np

from . import _dtype
from . import _tensor as _tensor_mod
from ._tensor import Size, Tensor, _check_device
from .ops._registry import Primitive, defvjp

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "arange",
    "linspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "normal",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "manual_seed",
    "seed",
    "initial_seed",
    "Generator",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
]

_PY_SCALARS = (bool, int, float, complex)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


# -- random generators ---------------------------------------------------------------------------


class Generator:
    """A source of random numbers, like ``torch.Generator`` (NumPy's PCG64 underneath).

    >>> g = chainrule.Generator().manual_seed(0)
    >>> chainrule.rand(2, generator=g).shape
    torch.Size([2])
    """

    def __init__(self, device="cpu") -> None:
        _check_device(device)
        self.device = _cpu_device()
        self.seed()

    def manual_seed(self, seed) -> "Generator":
        """Seed this generator; returns it, so ``Generator().manual_seed(0)`` chains."""
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise RuntimeError(f"Overflow when unpacking long long: {seed}")
        self._seed = seed % 2**64  # PyTorch reports negative seeds as their unsigned value
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed chosen."""
        s = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed last given to ``manual_seed`` (or chosen by ``seed``)."""
        return self._seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor, for ``set_state``."""
        state = {"seed": self._seed, "bit_generator": self._rng.bit_generator.state}
        raw = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy()
        return Tensor._make(raw)

    def set_state(self, new_state: Tensor) -> "Generator":
        """Restore a state returned by ``get_state``."""
        if not isinstance(new_state, Tensor) or new_state.dtype is not _dtype.uint8:
            raise TypeError("expected a torch.ByteTensor from get_state()")
        try:
            state = json.loads(new_state._data.tobytes().decode())
            rng = np.random.default_rng()
            rng.bit_generator.state = state["bit_generator"]
        except (ValueError, KeyError, TypeError):
            raise RuntimeError("Invalid generator state: use a tensor returned by get_state()") from None
        self._seed, self._rng = state["seed"], rng
        return self


def _cpu_device():
    from ._tensor import _CPU

    return _CPU


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator (NumPy's PCG64: numbers differ from PyTorch's) and return it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


def _rng(generator) -> np.random.Generator:
    if _tensor_mod._make_hook is not None:  # inside vmap: its `randomness` flag decides (func/_vmap.py)
        from .func._vmap import check_random

        check_random()
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a torch.Generator, not {type(generator).__name__}")
    return generator._rng


# -- helpers -------------------------------------------------------------------------------------


def _finish(data: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    if device is not None:
        _check_device(device)
    t = Tensor._make(data)
    if requires_grad:
        if data.dtype.kind not in "fc":  # creation functions word it differently from requires_grad_()
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _check_dtype(dtype) -> None:
    if dtype is not None and not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"dtype must be a torch.dtype, not {type(dtype).__name__}")


def _type_name(x) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _not_implemented(kernel: str, dtype: _dtype.dtype) -> NotImplementedError:
    """PyTorch's error for a kernel that has no version for ``dtype``."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.scalar_type_name(dtype)}'")


def _is_sequence(x) -> bool:
    """What PyTorch walks into when it reads nested data: sequences, but not text or tensors."""
    if isinstance(x, (list, tuple, range)):
        return True
    if isinstance(x, np.ndarray):
        return x.ndim > 0
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes, bytearray, Tensor))


def _element_dtype(x) -> _dtype.dtype:
    """The dtype PyTorch gives one element of nested data (numbers keep NumPy's width)."""
    if isinstance(x, np.generic):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return _dtype.bool_
    if isinstance(x, int):
        return _dtype.int64
    if isinstance(x, float):
        return _dtype.get_default_dtype()
    if isinstance(x, complex):
        return _dtype.default_complex()
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


class _Scan:
    """One pass over nested data: its shape, the dtype PyTorch infers, and what it holds.

    Shapes are checked as PyTorch checks them (the first element of each level sets the
    length; a ragged level is a ValueError naming the dim). Python numbers are summarised
    by type per innermost list, which keeps the scan fast on long lists.
    """

    __slots__ = ("shape", "dtype", "tensors", "py_complex", "big_int", "refused", "infer")

    def __init__(self, data, infer: bool) -> None:
        self.infer = infer
        self.dtype = None
        self.tensors = False  # tensors inside: replaced by their values before NumPy sees them
        self.py_complex = False  # a Python complex (float dtypes refuse it)
        self.big_int = False  # a Python int outside int64's range
        self.refused = {}  # dtype category -> type name of the first element it cannot store
        shape = []
        x = data
        while _is_sequence(x):
            if isinstance(x, np.ndarray):
                shape.extend(x.shape)
                break
            n = len(x)
            shape.append(n)
            if n == 0:
                break
            x = x[0]
        self.shape = tuple(shape)
        self._walk(data, 0)
        if self.dtype is None:
            self.dtype = _dtype.get_default_dtype()

    def _add(self, d: _dtype.dtype) -> None:
        self.dtype = d if self.dtype is None else _dtype.promote_types(self.dtype, d)

    def _walk(self, x, dim: int) -> None:
        shape = self.shape
        if dim == len(shape):
            if _is_sequence(x):
                raise TypeError(f"must be real number, not {type(x).__name__}")
            self._scalar(x)
            return
        if isinstance(x, np.ndarray):
            if x.shape != shape[dim:]:
                bad = next(
                    (i for i, (a, b) in enumerate(zip(x.shape, shape[dim:], strict=False)) if a != b), 0
                )
                got = x.shape[bad] if bad < x.ndim else 0
                raise ValueError(
                    f"expected sequence of length {shape[dim + bad]} at dim {dim + bad} (got {got})"
                )
            self._add(_dtype.from_numpy_dtype(x.dtype))
            return
        if not _is_sequence(x):
            raise TypeError("not a sequence")
        if len(x) != shape[dim]:
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(x)})")
        if len(x) == 0:
            if self.infer:  # an empty level counts as the default dtype, as in PyTorch
                self._add(_dtype.get_default_dtype())
            return
        if dim == len(shape) - 1:
            kinds = set(map(type, x))
            if kinds <= {float, int, bool}:
                if int in kinds and not _INT64_MIN <= min(x) <= max(x) <= _INT64_MAX:
                    self.big_int = self.big_int or any(
                        type(v) is int and not _INT64_MIN <= v <= _INT64_MAX for v in x
                    )
                if self.infer:
                    for k in kinds:
                        self._add(_element_dtype(k()))
                return
        for y in x:
            self._walk(y, dim + 1)

    def _scalar(self, x) -> None:
        if isinstance(x, Tensor):
            if x._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            self.tensors = True
        elif isinstance(x, np.generic) and not isinstance(x, (float, complex)):
            self._numpy_scalar(x)
        elif isinstance(x, complex):
            self.py_complex = self.py_complex or type(x) is complex
            self.refused.setdefault(_dtype.INT, _type_name(x))
        elif type(x) is int and not _INT64_MIN <= x <= _INT64_MAX:
            self.big_int = True
        elif not isinstance(x, (_PY_SCALARS, np.generic)):
            if self.infer or isinstance(x, (str, bytes)):
                _element_dtype(x)  # raises PyTorch's error for this type
            raise TypeError(f"must be real number, not {type(x).__name__}")
        if self.infer:
            self._add(_element_dtype(x))

    def _numpy_scalar(self, x: np.generic) -> None:
        """Note what a NumPy number cannot be stored as: PyTorch reads one through Python's
        number protocols, so integer dtypes take only NumPy integers (and float64, a Python
        float), and bool refuses NumPy floats and complex64."""
        name = _type_name(x)
        if isinstance(x, (np.floating, np.complexfloating)):
            self.refused.setdefault(_dtype.BOOL, name)
        if not isinstance(x, np.integer):
            self.refused.setdefault(_dtype.INT, name)


def _plain(data):
    """Nested data with tensors replaced by their values, ready for ``np.array``."""
    if isinstance(data, Tensor):
        return data._data.reshape(()).item()
    if isinstance(data, np.ndarray) or not _is_sequence(data):
        return data
    return [_plain(x) for x in data]


def _out_of_range(arr: np.ndarray, target: _dtype.dtype) -> bool:
    """Whether converting numbers ``arr`` to the integer dtype ``target`` overflows.

    PyTorch checks each Python number it stores: a float must lie within the target's
    range, and an integer may also be a negative number that wraps into an unsigned type
    (uint8 accepts -255 .. 255).
    """
    if arr.size == 0 or arr.dtype.kind == "b":
        return False
    info = np.iinfo(target.np)
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            return bool(np.isnan(arr).any() or (arr < float(info.min)).any() or (arr > float(info.max)).any())
    lo = -info.max if info.min == 0 else info.min
    return bool(arr.min() < lo or arr.max() > info.max)


def _from_nested(data, dtype: _dtype.dtype | None) -> np.ndarray:
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    scan = _Scan(data, infer=dtype is None)
    target = dtype or scan.dtype
    if scan.tensors:
        data = _plain(data)
    if target.category in scan.refused:
        raise TypeError(f"'{scan.refused[target.category]}' object cannot be interpreted as an integer")
    if target.category == _dtype.COMPLEX:
        natural = np.array(data, dtype=np.complex128)
    elif scan.py_complex and target.category == _dtype.FLOAT:
        raise TypeError("must be real number, not complex")
    else:
        natural = np.array(data)
        if natural.dtype.kind == "c" and target.category != _dtype.BOOL:
            natural = natural.real  # NumPy complex numbers: PyTorch keeps the real part
    if scan.big_int:
        if target.category == _dtype.INT:
            raise ValueError("Overflow when unpacking long long")
        if natural.dtype.kind in "Ou":  # NumPy's fallback for huge ints; PyTorch converts them to float
            natural = np.array(data, dtype=np.float64)
    if target.category == _dtype.INT and _out_of_range(natural, target):
        if natural.dtype.kind != "f":
            raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")
        # Ints mixed with floats: each number is checked by its own kind (an int may wrap).
        numbers = list(_leaves(data))
        for v in numbers:
            kind = np.int64 if isinstance(v, (int, np.integer)) else np.float64
            if _out_of_range(np.array([v], dtype=kind), target):
                raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")
        return np.array([int(v) for v in numbers], dtype=np.int64).astype(target.np).reshape(scan.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        return natural.astype(target.np).reshape(scan.shape)


def _leaves(data):
    """The numbers of nested data, in order."""
    if isinstance(data, np.ndarray):
        yield from data.ravel().tolist()
    elif _is_sequence(data):
        for x in data:
            yield from _leaves(x)
    else:
        yield data


def _check_numpy(arr: np.ndarray) -> _dtype.dtype:
    """The dtype of a NumPy array PyTorch can wrap; TypeError or ValueError for one it cannot."""
    d = _dtype.from_numpy_dtype(arr.dtype)
    if any(s < 0 for s in arr.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative strides are "
            "not currently supported. (You can probably work around this by making a copy of your array  "
            "with array.copy().) "
        )
    return d


def _to_array(data, dtype: _dtype.dtype | None) -> np.ndarray:
    """A fresh array holding ``data`` as ``dtype`` (inferred as PyTorch infers it when None)."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
        _check_numpy(arr)
        if dtype is None:
            dtype = _dtype.from_numpy_dtype(arr.dtype)
    else:
        return _from_nested(data, dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(arr, dtype=dtype.np if dtype is not None else arr.dtype, copy=True)


# -- from data -----------------------------------------------------------------------------------


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor copied from ``data`` (a number, nested lists, an array or a tensor).

    The dtype is inferred as PyTorch infers it: Python ints give int64, floats the
    default dtype, NumPy numbers and arrays keep theirs.

    >>> chainrule.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    """
    _check_dtype(dtype)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        if dtype is None:
            dtype = data.dtype
    return _finish(_to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a tensor or NumPy array when the dtype matches.

    A tensor converted to another dtype stays in the autograd graph.
    """
    _check_dtype(dtype)
    if isinstance(data, Tensor):
        if device is not None:
            _check_device(device)
        return data if dtype is None or dtype.np == data._data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype):
        _check_numpy(data)
        return _finish(data, False, device)
    return _finish(_to_array(data, dtype), False, device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {_type_name(ndarray)})")
    _check_numpy(ndarray)
    return Tensor._make(ndarray)


# -- filled --------------------------------------------------------------------------------------


def _is_int_scalar_tensor(x) -> bool:
    return isinstance(x, Tensor) and x._data.dtype.kind in "iu" and x._data.size == 1


def _dim_size(s, fn: str, pos: int) -> int:
    if isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)):
        return int(s)
    if _is_int_scalar_tensor(s):
        return int(s._data.reshape(()))
    raise TypeError(
        f"{fn}(): argument 'size' failed to unpack the object at pos {pos} with error "
        f'"type must be tuple of ints,but got {type(s).__name__}"'
    )


def _shape(size, fn: str) -> tuple:
    """A checked shape from a sequence of sizes."""
    shape = tuple(_dim_size(s, fn, i + 1) for i, s in enumerate(size))
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def _varargs_shape(size: tuple, size_kw, fn: str) -> tuple:
    """The shape of ``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])`` or ``zeros(size=...)``."""
    if size_kw is not None:
        if size:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        size = (size_kw,)
    if not size:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    first = size[0]
    if len(size) == 1 and _is_sequence(first):
        size = first
    elif isinstance(first, (bool, np.bool_)) or (
        len(size) == 1 and not isinstance(first, (int, np.integer)) and not _is_int_scalar_tensor(first)
    ):
        raise TypeError(
            f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {type(size[0]).__name__}"
        )
    return _shape(size, fn)


def _sequence_shape(size, fn: str, name: str = "size", pos: int = 1) -> tuple:
    """A shape given as one sequence argument (``full``, ``randint``, ``normal``)."""
    if not _is_sequence(size):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {pos}) must be tuple of ints, not {type(size).__name__}"
        )
    return _shape(size, fn)


def _float_dtype(dtype) -> _dtype.dtype:
    _check_dtype(dtype)
    return dtype or _dtype.get_default_dtype()


def zeros(*size, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """A tensor of zeros with shape ``size`` (``zeros(2, 3)``, ``zeros((2, 3))``)."""
    shape = _varargs_shape(size, kwargs.pop("size", None), "zeros")
    _no_extra(kwargs, "zeros", out)
    return _finish(np.zeros(shape, _float_dtype(dtype).np), requires_grad, device)


def ones(*size, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """A tensor of ones with shape ``size``."""
    shape = _varargs_shape(size, kwargs.pop("size", None), "ones")
    _no_extra(kwargs, "ones", out)
    return _finish(np.ones(shape, _float_dtype(dtype).np), requires_grad, device)


def empty(*size, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """An uninitialised tensor with shape ``size``."""
    shape = _varargs_shape(size, kwargs.pop("size", None), "empty")
    kwargs.pop("memory_format", None)
    _no_extra(kwargs, "empty", out)
    return _finish(np.empty(shape, _float_dtype(dtype).np), requires_grad, device)


def _no_extra(kwargs: dict, fn: str, out=None) -> None:
    kwargs.pop("layout", None)
    kwargs.pop("pin_memory", None)
    if kwargs:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if out is not None:
        raise NotImplementedError(f"chainrule's {fn}() does not support out=; assign the result instead")


def _fill_value(value, fn: str):
    """A fill value as a Python number and the dtype PyTorch gives it."""
    if isinstance(value, np.generic) or isinstance(value, Tensor) and value._data.ndim == 0:
        value = value.item()
    if not isinstance(value, _PY_SCALARS):
        raise TypeError(
            f"{fn}(): argument 'fill_value' (position 2) must be Number, not {type(value).__name__}"
        )
    return value, _element_dtype(value)


def _cast_number(value, dtype: _dtype.dtype):
    """One Python number as a ``dtype`` NumPy scalar, with PyTorch's overflow checks."""
    if isinstance(value, int) and not _INT64_MIN <= value <= 2**64 - 1:
        raise OverflowError("int too big to convert")
    if dtype.category == _dtype.BOOL:
        return np.bool_(value)
    overflow = RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    if dtype.category == _dtype.COMPLEX:
        value = complex(value)
        limit = float(np.finfo(dtype.np).max)
        if any(math.isfinite(p) and abs(p) > limit for p in (value.real, value.imag)):
            raise overflow
        return dtype.np.type(value)
    if isinstance(value, complex):
        if value.imag != 0:
            raise overflow
        value = value.real
    if dtype.category == _dtype.INT:
        if _out_of_range(np.array([value]), dtype):
            raise overflow
        # In range, or a negative int that wraps into an unsigned type as in C.
        return np.array(int(value) % 2**64, dtype=np.uint64).astype(dtype.np)[()]
    if math.isfinite(value) and abs(value) > float(np.finfo(dtype.np).max):
        raise overflow
    return dtype.np.type(value)


def full(
    size, fill_value, *, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """A tensor with shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    shape = _sequence_shape(size, "full")
    value, inferred = _fill_value(fill_value, "full")
    _check_dtype(dtype)
    dtype = dtype or inferred
    fill = _cast_number(value, dtype)
    _no_extra(kwargs, "full", out)
    return _finish(np.full(shape, fill, dtype.np), requires_grad, device)


# -- ranges --------------------------------------------------------------------------------------


def _range_number(x, fn: str, name: str, pos: int):
    if isinstance(x, Tensor) and x._data.ndim == 0:
        return x._data.item()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, _PY_SCALARS):
        return x
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Number, not {type(x).__name__}")


def arange(
    start=None, end=None, step=1, *, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``.

    Integer arguments give int64; any float argument gives the default float dtype. The
    length is ``ceil((end - start) / step)``, computed in double precision as PyTorch does.

    >>> chainrule.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        if start is None:
            raise TypeError("arange() missing required argument 'end' (pos 1)")
        start, end = 0, start
    elif start is None:
        start = 0
    start = _range_number(start, "arange", "start", 0)
    end = _range_number(end, "arange", "end", 1)
    step = _range_number(step, "arange", "step", 2)
    _no_extra(kwargs, "arange", out)
    if any(isinstance(v, complex) for v in (start, end, step)):
        raise RuntimeError("arange() does not support complex start, end or step")
    _check_dtype(dtype)
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if floating else _dtype.int64
    if dtype.category in (_dtype.BOOL, _dtype.COMPLEX):
        raise _not_implemented("arange_cpu", dtype)
    # Bounds are checked in double precision.
    dstart, dend, dstep = float(start), float(end), float(step)
    if dstep == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(dstart) and math.isfinite(dend)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if not ((dstep > 0 and dend >= dstart) or (dstep < 0 and dend <= dstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype.category == _dtype.INT:
        # Integer dtypes accumulate in int64: a fractional start or step is truncated first.
        istart, iend, istep = int(start), int(end), int(step)
        if dtype is _dtype.int64:
            # int64 sizes its result in exact integer arithmetic (C division truncates).
            if istep == 0:
                raise ValueError("step must be nonzero")
            num = iend - istart + istep - (1 if istep > 0 else -1)
            n = abs(num) // abs(istep) * (1 if (num >= 0) == (istep > 0) else -1)
            if n < 0:
                raise RuntimeError("invalid size, possible overflow?")
        else:
            n = math.ceil((dend - dstart) / dstep)
        data = (istart + istep * np.arange(n, dtype=np.int64)).astype(dtype.np)
    else:
        n = math.ceil((dend - dstart) / dstep)
        acc = np.float32 if dtype is _dtype.float16 else np.float64
        with np.errstate(over="ignore"):
            data = (acc(start) + acc(step) * np.arange(n, dtype=acc)).astype(dtype.np)
    return _finish(data, requires_grad, device)


def _two_product(a: np.ndarray, b: np.ndarray):
    """``a * b`` and its rounding error, exactly (Dekker's algorithm)."""
    p = a * b
    split = 134217729.0  # 2**27 + 1
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, err


def _fma(a, b, c) -> np.ndarray:
    """``a * b + c`` rounded once, as a fused multiply-add gives it (float64)."""
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        p, e = _two_product(a, b)
        s = p + c
        bb = s - p
        err = (p - (s - bb)) + (c - bb)
        out = s + (err + e)
    return np.where(np.isfinite(out), out, a * b + c)


def linspace(
    start, end, steps, *, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Values are computed as PyTorch's CPU kernel computes them: the first half counts up
    from ``start``, the second half down from ``end``, each with one fused multiply-add.
    """
    start = _range_number(start, "linspace", "start", 0)
    end = _range_number(end, "linspace", "end", 1)
    if isinstance(steps, Tensor) and steps._data.dtype.kind in "iu" and steps._data.size == 1:
        steps = int(steps._data.reshape(()))
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    steps = int(steps)
    _no_extra(kwargs, "linspace", out)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    _check_dtype(dtype)
    if dtype is None:
        is_complex = isinstance(start, complex) or isinstance(end, complex)
        dtype = _dtype.default_complex() if is_complex else _dtype.get_default_dtype()
    if dtype.category == _dtype.BOOL:
        raise _not_implemented("linspace_cpu", dtype)
    return _finish(_linspace_values(start, end, steps, dtype), requires_grad, device)


def _linspace_values(start, end, steps: int, dtype: _dtype.dtype) -> np.ndarray:
    if steps == 1:
        return np.array([start], dtype=dtype.np)
    idx = np.arange(steps)
    down = steps - idx - 1
    first_half = idx < steps // 2
    denom = max(steps - 1, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype.category == _dtype.INT:
            # start and end are first converted to the integer dtype (wrapping, as in C).
            s, e = (
                float(np.array(int(v.real if isinstance(v, complex) else v)).astype(dtype.np))
                for v in (start, end)
            )
            step = (e - s) / denom
            vals = np.where(first_half, _fma(step, idx, s), _fma(-step, down, e))
            return np.trunc(vals).astype(np.int64).astype(dtype.np)
        if dtype.category == _dtype.COMPLEX:
            # Real and imaginary parts are each computed as a real linspace would be.
            real_dtype = dtype.to_real()
            s, e = complex(start), complex(end)
            re = _linspace_values(s.real, e.real, steps, real_dtype)
            im = _linspace_values(s.imag, e.imag, steps, real_dtype)
            return (re + 1j * im).astype(dtype.np)
        real = np.dtype(dtype.np)
        s, e = real.type(start), real.type(end)
        step = real.type(real.type(e - s) / real.type(denom))
        if dtype is _dtype.float16:
            # Half arithmetic rounds after every operation; there is no fused multiply-add.
            vals = np.where(first_half, s + step * idx.astype(np.float16), e - step * down.astype(np.float16))
        else:
            vals = np.where(first_half, _fma(step, idx, s), _fma(-step, down, e))
        return vals.astype(real)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """A 2-D tensor with ones on the diagonal and zeros elsewhere."""
    n = _int_arg(n, "eye", "n", 1)
    m = n if m is None else _int_arg(m, "eye", "m", 2)
    _no_extra(kwargs, "eye", out)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype).np), requires_grad, device)


def _int_arg(x, fn: str, name: str, pos: int) -> int:
    if isinstance(x, Tensor) and x._data.dtype.kind in "iu" and x._data.size == 1:
        return int(x._data.reshape(()))
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return int(x)
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be int, not {type(x).__name__}")


# -- random --------------------------------------------------------------------------------------


def _uniform(g: np.random.Generator, shape: tuple, dtype: _dtype.dtype) -> np.ndarray:
    if dtype.category == _dtype.COMPLEX:
        real = dtype.to_real().np
        return (
            g.random(shape, np.float64).astype(real) + 1j * g.random(shape, np.float64).astype(real)
        ).astype(dtype.np)
    if dtype.category != _dtype.FLOAT:
        raise _not_implemented("check_uniform_bounds", dtype)
    return g.random(shape, np.float64).astype(dtype.np)


def _standard_normal(g: np.random.Generator, shape: tuple, dtype: _dtype.dtype) -> np.ndarray:
    if dtype.category == _dtype.COMPLEX:
        # Real and imaginary parts each have variance 1/2, so |z| has variance 1.
        z = g.standard_normal(shape + (2,)) * math.sqrt(0.5)
        return (z[..., 0] + 1j * z[..., 1]).astype(dtype.np)
    if dtype.category != _dtype.FLOAT:
        raise _not_implemented("normal_kernel_cpu", dtype)
    return g.standard_normal(shape).astype(dtype.np)


def rand(
    *size, generator=None, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """Uniform random numbers in ``[0, 1)``."""
    shape = _varargs_shape(size, kwargs.pop("size", None), "rand")
    _no_extra(kwargs, "rand", out)
    return _finish(_uniform(_rng(generator), shape, _float_dtype(dtype)), requires_grad, device)


def randn(
    *size, generator=None, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """Standard normal random numbers."""
    shape = _varargs_shape(size, kwargs.pop("size", None), "randn")
    _no_extra(kwargs, "randn", out)
    return _finish(_standard_normal(_rng(generator), shape, _float_dtype(dtype)), requires_grad, device)


def _random_ints(g: np.random.Generator, low, high, shape: tuple, dtype: _dtype.dtype) -> np.ndarray:
    if dtype.category == _dtype.COMPLEX:
        raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype.category <= _dtype.INT:
        lo, hi = (0, 1) if dtype is _dtype.bool_ else (np.iinfo(dtype.np).min, np.iinfo(dtype.np).max)
        ctype = _C_TYPE_NAMES[dtype.name]
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {ctype}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {ctype}")
    return g.integers(low, high, shape, dtype=np.int64).astype(dtype.np)


_C_TYPE_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
}


def randint(
    *args, generator=None, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """Random integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    The dtype is int64 unless ``dtype`` says otherwise.
    """
    names = ("low", "high", "size") if len(args) + len(kwargs) >= 3 or "low" in kwargs else ("high", "size")
    bound = dict(zip(names, args, strict=False))
    for k in ("low", "high", "size"):
        if k in kwargs:
            if k in bound:
                raise TypeError(f"randint() got multiple values for argument '{k}'")
            bound[k] = kwargs.pop(k)
    _no_extra(kwargs, "randint", out)
    if len(args) > 3 or "high" not in bound or "size" not in bound:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    low = _int_arg(bound.get("low", 0), "randint", "low", 1)
    high = _int_arg(bound["high"], "randint", "high", len(names) - 1)
    shape = _sequence_shape(bound["size"], "randint", pos=len(names))
    _check_dtype(dtype)
    data = _random_ints(_rng(generator), low, high, shape, dtype or _dtype.int64)
    return _finish(data, requires_grad, device)


# Note [normal's gradient]
# normal() with tensor arguments is differentiable, but (as in PyTorch) a sample's gradient
# with respect to its mean and std is zero: it is a draw, not a reparameterisation. Its three
# forms are primitives so that results print PyTorch's grad_fn names. They are built with
# Primitive directly, not @primitive, so they stay out of PRIMITIVES: the op registry checks
# values against PyTorch, and random draws cannot be.
def _normal_tensor_float(mean, *, std, rng):
    return (mean + std * _standard_normal(rng, mean.shape, _dtype.from_numpy_dtype(mean.dtype))).astype(
        mean.dtype
    )


def _normal_float_tensor(std, *, mean, rng):
    return (mean + std * _standard_normal(rng, std.shape, _dtype.from_numpy_dtype(std.dtype))).astype(
        std.dtype
    )


def _normal_tensor_tensor(mean, std, *, rng):
    shape = np.broadcast_shapes(mean.shape, std.shape)
    dt = np.result_type(mean.dtype, std.dtype)
    return (mean + std * _standard_normal(rng, shape, _dtype.from_numpy_dtype(dt))).astype(dt)


def _zero_grad(grad, result, *inputs, **params):
    return zeros_like(grad)


_NORMAL_TF = Primitive("NormalBackward1", _normal_tensor_float, save_inputs=False, save_result=False)
_NORMAL_FT = Primitive("NormalBackward2", _normal_float_tensor, save_inputs=False, save_result=False)
_NORMAL_TT = Primitive("NormalBackward3", _normal_tensor_tensor, save_inputs=False, save_result=False)
defvjp(_NORMAL_TF, _zero_grad)
defvjp(_NORMAL_FT, _zero_grad)
defvjp(_NORMAL_TT, _zero_grad, _zero_grad)


def _check_std(std) -> None:
    if isinstance(std, Tensor):
        if std._data.size and bool((std._data < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def normal(
    mean=None,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    **kwargs,
) -> Tensor:
    """Normal random numbers with the given ``mean`` and ``std`` (numbers or tensors).

    With two numbers, ``size`` is required. With tensors, the result takes their
    broadcast shape and dtype.
    """
    _no_extra(kwargs, "normal", out)
    if mean is None:
        raise TypeError('normal() missing 1 required positional arguments: "mean"')
    g = _rng(generator)
    t_mean, t_std = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (t_mean or t_std):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: two numbers need a size")
        mean, std = _range_number(mean, "normal", "mean", 1), _range_number(std, "normal", "std", 2)
        _check_std(std)
        shape = _sequence_shape(size, "normal", pos=3)
        d = _float_dtype(dtype)
        return _finish((mean + std * _standard_normal(g, shape, d)).astype(d.np), requires_grad, device)
    if size is not None or dtype is not None or requires_grad:
        raise TypeError("normal() with tensor mean or std takes no size, dtype or requires_grad")
    for t in (mean, std):
        if isinstance(t, Tensor) and t.dtype.category < _dtype.FLOAT:
            raise _not_implemented("normal_kernel_cpu", t.dtype)
    _check_std(std)
    if t_mean and t_std:
        _check_broadcastable(mean, std)
        return _NORMAL_TT(mean, std, rng=g)
    if t_mean:
        return _NORMAL_TF(mean, std=float(std), rng=g)
    return _NORMAL_FT(std, mean=float(mean), rng=g)


def _check_broadcastable(a: Tensor, b: Tensor) -> None:
    sa, sb = a._data.shape, b._data.shape
    for i in range(1, min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {max(len(sa), len(sb)) - i}"
            )


# -- *_like --------------------------------------------------------------------------------------


def _like(input, dtype, fn: str) -> np.dtype:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if dtype is None:
        return input._data.dtype
    _check_dtype(dtype)
    return dtype.np


def zeros_like(
    input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None, **kwargs
) -> Tensor:
    """Zeros with ``input``'s shape, dtype and memory layout."""
    np_dtype = _like(input, dtype, "zeros_like")
    return _finish(np.zeros_like(input._data, np_dtype), requires_grad, device)


def ones_like(
    input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None, **kwargs
) -> Tensor:
    """Ones with ``input``'s shape, dtype and memory layout."""
    np_dtype = _like(input, dtype, "ones_like")
    return _finish(np.ones_like(input._data, np_dtype), requires_grad, device)


def empty_like(
    input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, memory_format=None, **kwargs
) -> Tensor:
    """Uninitialised with ``input``'s shape and dtype."""
    np_dtype = _like(input, dtype, "empty_like")
    return _finish(np.empty_like(input._data, np_dtype), requires_grad, device)


def full_like(
    input: Tensor,
    fill_value,
    *,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    memory_format=None,
    **kwargs,
) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype."""
    np_dtype = _like(input, dtype, "full_like")
    value, _ = _fill_value(fill_value, "full_like")
    fill = _cast_number(value, _dtype.from_numpy_dtype(np_dtype))
    return _finish(np.full_like(input._data, fill, np_dtype), requires_grad, device)


def rand_like(
    input: Tensor,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    memory_format=None,
    **kwargs,
) -> Tensor:
    """Uniform random numbers in ``[0, 1)`` with ``input``'s shape and dtype."""
    d = _dtype.from_numpy_dtype(_like(input, dtype, "rand_like"))
    return _finish(_uniform(_rng(generator), input._data.shape, d), requires_grad, device)


def randn_like(
    input: Tensor,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    memory_format=None,
    **kwargs,
) -> Tensor:
    """Standard normal random numbers with ``input``'s shape and dtype."""
    d = _dtype.from_numpy_dtype(_like(input, dtype, "randn_like"))
    return _finish(_standard_normal(_rng(generator), input._data.shape, d), requires_grad, device)


def randint_like(
    input: Tensor,
    low=None,
    high=None,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
    memory_format=None,
    **kwargs,
) -> Tensor:
    """Random integers in ``[low, high)`` with ``input``'s shape and dtype."""
    d = _dtype.from_numpy_dtype(_like(input, dtype, "randint_like"))
    if high is None:
        if low is None:
            raise TypeError("randint_like() missing required argument 'high'")
        low, high = 0, low
    low = _int_arg(0 if low is None else low, "randint_like", "low", 1)
    high = _int_arg(high, "randint_like", "high", 2)
    return _finish(_random_ints(_rng(generator), low, high, input._data.shape, d), requires_grad, device)


# -- Tensor.new_* --------------------------------------------------------------------------------


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor from ``data`` with ``self``'s dtype unless ``dtype`` is given."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    return _finish(_to_array(data, dtype or self.dtype), requires_grad, device)


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """Zeros of shape ``size`` with ``self``'s dtype unless ``dtype`` is given."""
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """Ones of shape ``size`` with ``self``'s dtype unless ``dtype`` is given."""
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
    """An uninitialised tensor of shape ``size`` with ``self``'s dtype unless ``dtype`` is given."""
    return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad, **kwargs)


def new_full(
    self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` in shape ``size`` with ``self``'s dtype unless ``dtype`` is given."""
    if not _is_sequence(size):
        raise TypeError(
            f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def legacy_new(cls, *args, device=None) -> Tensor:
    """``chainrule.Tensor(...)``: PyTorch's legacy constructor, in the default dtype.

    ``Tensor(2, 3)`` is an uninitialised 2x3 tensor, ``Tensor([1, 2])`` copies data, and
    ``Tensor(t)`` returns ``t`` itself.
    """
    if device is not None:
        _check_device(device)
    dt = _dtype.get_default_dtype()
    if not args:
        return Tensor._make(np.empty((0,), dt.np))
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]
    if len(args) == 1 and isinstance(args[0], Size):
        return Tensor._make(np.zeros(_shape(args[0], "new"), dt.np))
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return Tensor._make(np.zeros(_shape(args, "new"), dt.np))
    if len(args) == 1 and (_is_sequence(args[0]) or isinstance(args[0], np.ndarray)):
        return Tensor._make(_to_array(args[0], dt))
    raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")


def logspace(start, end, steps, base: float = 10.0, *, out=None, dtype=None, device=None,
             requires_grad: bool = False, **kwargs) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end`` whose logarithms are evenly spaced."""
    start = _range_number(start, "logspace", "start", 0)
    end = _range_number(end, "logspace", "end", 1)
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"logspace(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    _no_extra(kwargs, "logspace", out)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    _check_dtype(dtype)
    dtype = _dtype.get_default_dtype() if dtype is None else dtype
    if dtype.category == _dtype.BOOL:
        raise _not_implemented("logspace_cpu", dtype)
    exps = _linspace_values(start, end, int(steps), _dtype.float64)
    with np.errstate(over="ignore"):
        values = np.power(float(base), exps)
    if dtype.category < _dtype.FLOAT:
        values = np.trunc(values)
    return _finish(values.astype(dtype.np), requires_grad, device)


def _triangle_indices(which, row: int, col: int, offset: int, dtype, device) -> Tensor:
    name = "tril_indices" if which is np.tril_indices else "triu_indices"
    for i, v in enumerate((row, col, offset)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{name}(): argument '{('row', 'col', 'offset')[i]}' (position {i + 1}) must be int, "
                            f"not {type(v).__name__}")
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else f"col must be non-negative, got{col}")
    _check_dtype(dtype)
    dtype = _dtype.int64 if dtype is None else dtype
    if dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"\"{name}\" not implemented for '{_dtype.scalar_type_name(dtype)}'")
    r, c = which(int(row), int(offset), int(col))
    return _finish(np.stack([r, c]).astype(dtype.np).reshape(2, -1), False, device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (row, column) coordinates, as a 2 x N tensor, of the lower triangle of a ``row`` x ``col``
    matrix (on and below the ``offset``-th diagonal), in row-major order."""
    return _triangle_indices(np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """The (row, column) coordinates, as a 2 x N tensor, of the upper triangle of a ``row`` x ``col``
    matrix (on and above the ``offset``-th diagonal), in row-major order."""
    return _triangle_indices(np.triu_indices, row, col, offset, dtype, device)
