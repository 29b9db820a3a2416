"""dtype objects, their NumPy counterparts, and PyTorch's type-promotion rules.

NumPy 2 promotes differently from PyTorch (an int64 array times a float32 array is
float64 in NumPy, float32 in PyTorch; a 0-d float64 array widens a float32 array in
NumPy but not in PyTorch), so chainrule computes every result dtype here and casts
operands before NumPy sees them.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
    "can_cast",
    "finfo",
    "iinfo",
]

# Categories order the kinds of number: a higher category always wins promotion.
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32``)."""

    __slots__ = ("name", "np", "category", "itemsize", "is_signed")

    def __init__(self, name: str, np_dtype: np.dtype, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = name not in ("bool", "uint8")

    @property
    def is_floating_point(self) -> bool:
        """Whether this is a floating-point dtype."""
        return self.category == FLOAT

    @property
    def is_complex(self) -> bool:
        """Whether this is a complex dtype."""
        return self.category == COMPLEX

    def to_real(self) -> "dtype":
        """The real dtype of a complex one (``complex64`` to ``float32``); other dtypes unchanged."""
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> "dtype":
        """The complex dtype for a float one (complex64 for float16); complex unchanged; bool, ints raise."""
        # float16 would be complex32 in PyTorch; NumPy has no such type, so complex64 stands in.
        if self.category < FLOAT:
            raise RuntimeError(f"Unknown Complex ScalarType for {scalar_type_name(self)}")
        return {float16: complex64, float32: complex64, float64: complex128}.get(self, self)

    def __repr__(self) -> str:
        # Printed with PyTorch's prefix so that programs print what PyTorch prints.
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16, FLOAT)
float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)
complex64 = dtype("complex64", np.complex64, COMPLEX)
complex128 = dtype("complex128", np.complex128, COMPLEX)
uint8 = dtype("uint8", np.uint8, INT)
int8 = dtype("int8", np.int8, INT)
int16 = dtype("int16", np.int16, INT)
int32 = dtype("int32", np.int32, INT)
int64 = dtype("int64", np.int64, INT)
bool_ = dtype("bool", np.bool_, BOOL)

ALL = (float16, float32, float64, complex64, complex128, uint8, int8, int16, int32, int64, bool_)
_FROM_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}

# PyTorch's aliases, exported as module attributes of chainrule.
ALIASES = {
    "half": float16,
    "float": float32,
    "double": float64,
    "cfloat": complex64,
    "cdouble": complex128,
    "short": int16,
    "int": int32,
    "long": int64,
    "bool": bool_,
}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The chainrule dtype of a NumPy dtype; TypeError for ones PyTorch lacks."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _FROM_NP:
        return _FROM_NP[np_dtype]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{np_dtype.name}. The only supported types are: "
        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
    )


_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of float tensors created from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default float dtype; like PyTorch, only float32 and float64 are allowed."""
    global _default_float
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default_float = d


def default_complex() -> dtype:
    return complex128 if _default_float is float64 else complex64


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: the smallest dtype both ``a`` and ``b`` cast to safely.

    Unlike NumPy, a higher category wins outright (int64 with float16 is float16), except
    that complex keeps the width of a wider float (complex64 with float64 is complex128).
    """
    if a is b:
        return a
    if a.category == b.category or min(a.category, b.category) >= FLOAT:
        return _FROM_NP[np.promote_types(a.np, b.np)]
    return a if a.category > b.category else b


def _scalar_dtype(value) -> dtype:
    """The dtype a Python number takes when it meets a tensor (a 'wrapped number')."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default_float
    if isinstance(value, complex):
        return default_complex()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Let lower-priority operands widen ``higher`` only when their category is higher."""
    if higher is None:
        return lower
    if lower is None or higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        # A float keeps its width: float64 with a complex scalar is complex128.
        return higher.to_complex() if higher.category == FLOAT else lower
    if higher.category == FLOAT:
        return higher
    if higher.category == BOOL or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """PyTorch's result type of an op over tensors and Python numbers.

    Operands come in three priorities: tensors with dimensions, 0-d tensors, and Python
    numbers. Each lower priority only matters when its category (bool < int < float <
    complex) is higher than everything above it, so ``float32_tensor * 2.0`` stays
    float32 and ``int_tensor * 2.5`` becomes the default float dtype.
    """
    dim_t = zero_t = scalar_t = None
    for x in operands:
        if isinstance(x, (bool, int, float, complex)):
            d = _scalar_dtype(x)
            scalar_t = d if scalar_t is None else promote_types(scalar_t, d)
        else:
            d = x.dtype
            if x._data.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
    return _combine(dim_t, _combine(zero_t, scalar_t))


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether an in-place op may write a ``from_`` result into a ``to`` tensor."""
    return from_.category <= to.category


_SCALAR_TYPE_NAMES = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "bool": "Bool",
}


def scalar_type_name(d: dtype) -> str:
    """PyTorch's C++ name of ``d`` (``Float``, ``Long``, ...), which its error messages use."""
    return _SCALAR_TYPE_NAMES[d.name]


class finfo:
    """Machine limits of a floating-point dtype, like ``torch.finfo`` (complex: its real part).

    >>> chainrule.finfo(chainrule.float32).eps
    1.1920928955078125e-07
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
    _cache: dict = {}

    def __new__(cls, type: dtype | None = None) -> "finfo":
        d = get_default_dtype() if type is None else type
        if not isinstance(d, dtype) or d.category < FLOAT:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"
            )
        d = d.to_real()
        if d not in cls._cache:
            info = np.finfo(d.np)
            self = object.__new__(cls)
            self.bits = info.bits
            self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
            self.tiny = self.smallest_normal = float(info.smallest_normal)
            self.resolution = 10.0**-info.precision  # exactly PyTorch's value (NumPy rounds it to the dtype)
            self.dtype = d.name
            cls._cache[d] = self
        return cls._cache[d]

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """Limits of an integer dtype, like ``torch.iinfo``.

    >>> chainrule.iinfo(chainrule.int8).max
    127
    """

    __slots__ = ("bits", "max", "min", "dtype")
    _cache: dict = {}

    def __new__(cls, type: dtype) -> "iinfo":
        if type is bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if not isinstance(type, dtype) or type.category != INT:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'"
            )
        if type not in cls._cache:
            info = np.iinfo(type.np)
            self = object.__new__(cls)
            self.bits, self.max, self.min, self.dtype = info.bits, int(info.max), int(info.min), type.name
            cls._cache[type] = self
        return cls._cache[type]

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
