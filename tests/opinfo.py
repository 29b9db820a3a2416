"""The op registry ("OpInfo"): every op chainrule exports, how to call it, what to feed it.

One ``OpInfo`` per op (or per calling form: ``x + y`` and ``chainrule.add`` are separate
entries). ``op(mod, *args, **kwargs)`` runs the op with ``mod`` being either ``chainrule``
or ``torch``, so the same lambda produces our result and the oracle's. A sample's
arguments are NumPy arrays and plain Python values; ``instantiate`` turns every array
into a tensor of the library under test, so both libraries see the same numbers.

Conventions of a sample's arguments:

- a float ``np.ndarray`` at the top level of ``args``/``kwargs`` becomes a leaf that
  requires grad (when the entry is differentiable); arrays of other kinds, and arrays
  nested inside tuples (indices), become plain tensors;
- ``NC(arr)``: the same values as ``arr`` in a non-contiguous tensor (a transposed or
  strided view), itself a leaf;
- ``Const(arr)``: a tensor that never requires grad;
- anything else (Python numbers, lists, slices, dtypes given as names) passes through;
  ``DType("float64")`` becomes ``mod.float64``.

Float arrays are made in the dtype under test (float32 or float64) by ``Maker``; an
array made with an explicit other dtype keeps it (promotion samples).

``prims`` names the chainrule primitives an entry exercises (see ``prim_key``): the
coverage tests check that every primitive in ``PRIMITIVES`` is named by some entry and
that each entry really runs the primitives it names.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# -- sample arguments -------------------------------------------------------------------------


@dataclass
class NC:
    """A non-contiguous tensor holding ``arr``'s values (a leaf when it is a float array)."""

    arr: np.ndarray


@dataclass
class Const:
    """A tensor that never requires grad."""

    arr: np.ndarray


@dataclass
class DType:
    """A dtype by name, resolved in the library under test (``mod.float64``)."""

    name: str


@dataclass
class Sample:
    """One call of an op: positional and keyword arguments (see the module docstring)."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    desc: str = ""
    # False at kinks and discontinuities, where central differences are meaningless; such
    # samples are still compared with torch's gradients.
    gradcheck: bool = True
    # False where torch's node name reflects its internals; the reason is in `desc`.
    grad_fn: bool = True


class Maker:
    """Makes a sample's arrays: floats in the dtype under test, within the op's domain."""

    def __init__(self, dtype: str, domain: tuple, avoid: tuple, rng: np.random.Generator) -> None:
        self.dtype = np.dtype(dtype)
        self.domain = domain
        self.avoid = avoid
        self.rng = rng

    def __call__(self, shape, low=None, high=None, dtype=None) -> np.ndarray:
        low = self.domain[0] if low is None else low
        high = self.domain[1] if high is None else high
        a = self.rng.uniform(low, high, size=shape)
        for p in self.avoid:  # keep clear of kinks so that finite differences are valid
            near = np.abs(a - p) < 0.1
            a = np.where(near, p + np.where(a >= p, 0.1, -0.1) + (a - p), a)
        return np.asarray(a, dtype=self.dtype if dtype is None else dtype)

    def ints(self, shape, low=-5, high=6, dtype="int64") -> np.ndarray:
        return np.asarray(self.rng.integers(low, high, size=shape), dtype=dtype)

    def bools(self, shape) -> np.ndarray:
        return np.asarray(self.rng.random(shape) < 0.5)

    def float(self, values) -> np.ndarray:
        """Given values, in the dtype under test."""
        return np.asarray(values, dtype=self.dtype)


# -- the entry --------------------------------------------------------------------------------


@dataclass
class OpInfo:
    """One op (or calling form) under test.

    ``skips`` maps a test ("forward", "grad", "gradcheck", "gradgradcheck", "grad_fn",
    "promotion") to the reason it does not apply; the test is then reported as skipped.
    """

    name: str
    op: Callable
    samples: Callable[[Maker], list]
    covers: tuple = ()  # names in chainrule.ops that this entry tests
    prims: tuple = ()  # primitives exercised, by prim_key
    differentiable: bool = True
    # Backward raises in torch (and must in chainrule): the derivative is not implemented.
    backward_raises: bool = False
    int_samples: Callable[[Maker], list] | None = None  # forward-only, integer/bool inputs
    domain: tuple = (-2.0, 2.0)
    avoid: tuple = ()  # kink points kept away from in generated samples
    gradgrad: bool = True
    torch_gradgrad: bool = False  # also compare our second derivatives with torch's
    promotion: bool = False  # a binary op f(a, b): run the dtype promotion matrix
    promotion_values: tuple = (1, 3)  # the range of values in promotion samples
    rtol: dict = field(default_factory=lambda: {"float32": 1e-5, "float64": 1e-9})
    atol: dict = field(default_factory=lambda: {"float32": 1e-6, "float64": 1e-12})
    gradcheck_atol: float = 1e-5
    skips: dict = field(default_factory=dict)  # test name -> reason

    def sample_inputs(self, dtype: str) -> list:
        return self.samples(self.maker(dtype))

    def int_sample_inputs(self) -> list:
        return self.int_samples(self.maker("float64")) if self.int_samples else []

    def maker(self, dtype: str) -> Maker:
        rng = np.random.default_rng(zlib.crc32(f"{self.name}/{dtype}".encode()))
        return Maker(dtype, self.domain, self.avoid, rng)

    def __repr__(self) -> str:
        return self.name


def prim_key(prim) -> str:
    """How an entry names a primitive: its kernel's name, plus the node name when a kernel
    serves several primitives (``_take[SelectBackward0]``)."""
    from chainrule.ops._registry import PRIMITIVES

    shared = sum(p.name == prim.name for p in PRIMITIVES) > 1
    return f"{prim.name}[{prim.node_cls.__name__}]" if shared else prim.name


# -- turning a sample into tensors --------------------------------------------------------------


def _tensor(mod, arr: np.ndarray):
    return mod.tensor(np.array(arr))


def _noncontiguous(mod, arr: np.ndarray):
    """A transposed view when the last two dims are > 1, else every other row of a taller tensor."""
    if arr.ndim >= 2 and arr.shape[-1] > 1 and arr.shape[-2] > 1:
        t = _tensor(mod, np.ascontiguousarray(np.swapaxes(arr, -1, -2))).mT
    else:
        dim = next((i for i, s in enumerate(arr.shape) if s > 1), 0)
        t = _tensor(mod, np.repeat(arr, 2, axis=dim))[(slice(None),) * dim + (slice(None, None, 2),)]
    t = t.detach()
    assert not t.is_contiguous() or t.numel() <= 1, "NC sample is contiguous"
    return t


def instantiate(mod, sample: Sample, requires_grad: bool = True):
    """``(args, kwargs, leaves)``: the sample's arguments as ``mod``'s tensors."""
    leaves = []

    def top(x):
        assert not isinstance(x, np.generic), "a NumPy scalar in a sample: use a 0-d array or a Python number"
        if isinstance(x, (np.ndarray, NC)):
            arr = x.arr if isinstance(x, NC) else x
            t = _noncontiguous(mod, arr) if isinstance(x, NC) else _tensor(mod, arr)
            if requires_grad and arr.dtype.kind == "f":
                t.requires_grad_(True)
                leaves.append(t)
            return t
        return nested(x)

    def nested(x):
        if isinstance(x, np.ndarray):
            return _tensor(mod, x)
        if isinstance(x, Const):
            return _tensor(mod, x.arr)
        if isinstance(x, NC):
            return _noncontiguous(mod, x.arr)
        if isinstance(x, DType):
            return getattr(mod, x.name)
        if isinstance(x, tuple):
            return tuple(nested(y) for y in x)
        return x

    args = tuple(top(a) for a in sample.args)
    kwargs = {k: top(v) for k, v in sample.kwargs.items()}
    return args, kwargs, leaves


def substitute(args: tuple, kwargs: dict, leaves: list, new: tuple):
    """``args``/``kwargs`` with each of ``leaves`` replaced by the tensor at its position in ``new``."""
    index = {id(t): i for i, t in enumerate(leaves)}

    def sub(x):
        i = index.get(id(x))
        return x if i is None else new[i]

    return tuple(sub(a) for a in args), {k: sub(v) for k, v in kwargs.items()}


# -- helpers for samples ----------------------------------------------------------------------

UNARY_SHAPES = ((), (5,), (2, 3), (2, 1, 3))


def unary_samples(make: Maker) -> list:
    out = [Sample((make(s),), desc=f"shape {s}") for s in UNARY_SHAPES]
    out.append(Sample((NC(make((3, 2))),), desc="non-contiguous"))
    out.append(Sample((NC(make((4,))),), desc="strided 1-d"))
    out.append(Sample((make((0, 3)),), desc="empty"))
    return out


SPECIAL_VALUES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0]


def unary_int_samples(make: Maker) -> list:
    return [
        Sample((make.ints((2, 3), 1, 5),), desc="int64"),
        Sample((make.ints((4,), 1, 5, dtype="int32"),), desc="int32"),
        Sample((make.ints((3,), 0, 5, dtype="uint8"),), desc="uint8"),
        Sample((make.bools((3,)),), desc="bool"),
    ]


def binary_samples(make: Maker, scalars=(2.5, 2), **kw) -> list:
    out = [
        Sample((make((2, 3)), make((2, 3))), kw, desc="same shape"),
        Sample((make((2, 3)), make((3,))), kw, desc="broadcast rhs"),
        Sample((make((3,)), make((2, 3))), kw, desc="broadcast lhs"),
        Sample((make((3, 1)), make((1, 2))), kw, desc="broadcast both"),
        Sample((make(()), make((2, 2))), kw, desc="0-d lhs"),
        Sample((make((2, 2)), make(())), kw, desc="0-d rhs"),
        Sample((make(()), make(())), kw, desc="both 0-d"),
        Sample((NC(make((3, 2))), make((2,))), kw, desc="non-contiguous lhs"),
        Sample((make((2, 3)), NC(make((2, 3)))), kw, desc="non-contiguous rhs"),
        Sample((make((0, 3)), make((3,))), kw, desc="empty"),
        Sample((make((2, 3)), Const(make((2, 3)))), kw, desc="rhs without grad"),
    ]
    out += [Sample((make((2, 3)), s), kw, desc=f"tensor-scalar {s!r}") for s in scalars]
    out.append(_special_pair(make, kw))
    out.append(Sample((make((2,)), make((), dtype="float64") if make.dtype == np.float32 else make((), dtype="float32")), kw, desc="0-d of another float dtype"))
    return out


def _special_pair(make: Maker, kw=None) -> Sample:
    """Every pairing of NaN, infinities, signed zeros and +-1 (no gradcheck: not smooth there)."""
    a, b = np.meshgrid(SPECIAL_VALUES, SPECIAL_VALUES)
    return Sample((make.float(a), make.float(b)), kw or {}, desc="nan, inf, signed zeros", gradcheck=False)


def binary_int_samples(make: Maker, low=1, high=5) -> list:
    return [
        Sample((make.ints((2, 3), low, high), make.ints((3,), low, high)), desc="int64"),
        Sample((make.ints((2, 3), low, high, dtype="int32"), make.ints((2, 3), low, high)), desc="int32 with int64"),
        Sample((make.ints((3,), low, high, dtype="uint8"), 2), desc="uint8 with int scalar"),
        Sample((make.ints((3,), low, high), 2.5), desc="int with float scalar"),
        Sample((make.ints((3,), low, high), make((3,), 1, 2)), desc="int with float tensor"),
        Sample((make.ints((3,), low, high), make((), 1, 2)), desc="int with 0-d float tensor"),
    ]


def _inplace(method: str):
    """``op`` for an in-place method on a non-leaf copy of the first argument."""

    def op(mod, x, *args, **kwargs):
        y = x * 1
        out = getattr(y, method)(*args, **kwargs)
        assert out is y, f"{method} must return self"
        return y

    op.__name__ = method
    return op


def _inplace_on_view(method: str, index=1):
    """The in-place method on a view (a row) of a non-leaf: the base's history is rewritten.

    Returns the base and ``view * 1``: the view's own node after the write is torch's
    AsStridedBackward0, an implementation detail chainrule does not reproduce.
    """

    def op(mod, x, *args, **kwargs):
        y = x * 1
        view = y[index]
        getattr(view, method)(*args, **kwargs)
        return y, view * 1

    return op


def _inplace_operator(symbol: str):
    def op(mod, x, other):
        y = x * 1
        before = y
        if symbol == "+=":
            y += other
        elif symbol == "-=":
            y -= other
        elif symbol == "*=":
            y *= other
        elif symbol == "/=":
            y /= other
        elif symbol == "**=":
            y **= other
        elif symbol == "//=":
            y //= other
        elif symbol == "%=":
            y %= other
        assert y is before
        return y

    return op


def _away(make: Maker, shape, points, margin=0.1):
    """Floats kept at least ``margin`` from ``points`` (discontinuities of the op)."""
    a = make(shape)
    for p in points:
        a = np.where(np.abs(a - p) < margin, a + 2 * margin, a)
    return make.float(a)


OPS: list = []


def register(*entries: OpInfo) -> None:
    OPS.extend(entries)


# == elementwise arithmetic ===================================================================


def _add_samples(make):
    return binary_samples(make) + [
        Sample((make((2, 3)), make((3,))), {"alpha": 2}, desc="alpha int"),
        Sample((make((2, 3)), make((2, 3))), {"alpha": -0.5}, desc="alpha float"),
        Sample((make((2,)), 3.0), {"alpha": 2}, desc="scalar other with alpha"),
    ]


register(
    OpInfo("add", lambda mod, a, b, **k: mod.add(a, b, **k), _add_samples, covers=("add",),
           prims=("_add", "_mul"), int_samples=binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("sub", lambda mod, a, b, **k: mod.sub(a, b, **k), _add_samples, covers=("sub", "subtract"),
           prims=("_sub",), int_samples=binary_int_samples, promotion=True),
    OpInfo("mul", lambda mod, a, b: mod.mul(a, b), binary_samples, covers=("mul", "multiply"),
           prims=("_mul",), int_samples=binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("div", lambda mod, a, b: mod.div(a, b), lambda make: binary_samples(make),
           covers=("div", "divide", "true_divide"), prims=("_div",), domain=(0.5, 2.0),
           int_samples=binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("divide", lambda mod, a, b: mod.divide(a, b), lambda make: binary_samples(make)[:3],
           covers=("divide",), prims=("_div",), domain=(0.5, 2.0)),
    OpInfo("true_divide", lambda mod, a, b: mod.true_divide(a, b), lambda make: binary_samples(make)[:3],
           covers=("true_divide",), prims=("_div",), domain=(0.5, 2.0)),
)


_PIECEWISE_CONSTANT = {
    "gradcheck": "piecewise constant: its zero derivative is compared with torch's instead",
    "gradgradcheck": "piecewise constant: its zero derivative is compared with torch's instead",
}


def _div_rounding_samples(make):
    out = []
    for mode in ("floor", "trunc"):
        out += [
            Sample((_away(make, (2, 3), (0,)), _away(make, (3,), (0,))), {"rounding_mode": mode},
                   desc=f"{mode} broadcast", gradcheck=False),
            Sample((make((2, 2), -6, 6), 0.7), {"rounding_mode": mode}, desc=f"{mode} scalar", gradcheck=False),
            Sample((make((), -6, 6), make((2,))), {"rounding_mode": mode}, desc=f"{mode} 0-d", gradcheck=False),
            _special_pair(make, {"rounding_mode": mode}),
        ]
    return out


def _div_rounding_int_samples(make):
    out = []
    for mode in ("floor", "trunc"):
        out += [
            Sample((make.ints((2, 3), -7, 8), make.ints((3,), 1, 4)), {"rounding_mode": mode}, desc=f"{mode} int"),
            Sample((make.ints((4,), -7, 8), -3), {"rounding_mode": mode}, desc=f"{mode} int by negative scalar"),
            Sample((make.ints((4,), -7, 8), 2.5), {"rounding_mode": mode}, desc=f"{mode} int by float scalar"),
            Sample((make.ints((4,), -7, 8, dtype="int32"), make.ints((), 1, 3)), {"rounding_mode": mode},
                   desc=f"{mode} int32 by 0-d int64"),
            Sample((make.ints((4,), 0, 8, dtype="uint8"), 3), {"rounding_mode": mode}, desc=f"{mode} uint8"),
        ]
    out.append(Sample((make.ints((4,), -7, 8), make.ints((4,), 1, 4)), {"rounding_mode": None}, desc="None int"))
    return out


register(
    # The derivative of a rounded quotient is zero almost everywhere (DivBackward2).
    OpInfo("div_rounding", lambda mod, a, b, **k: mod.div(a, b, **k), _div_rounding_samples,
           covers=("div",), prims=("_div_rounding",), int_samples=_div_rounding_int_samples, skips=_PIECEWISE_CONSTANT),
)


def _floor_divide_samples(make):
    return [
        Sample((make((2, 3), -6, 6), _away(make, (3,), (0,))), desc="broadcast", gradcheck=False),
        Sample((make((2, 2), -6, 6), 0.7), desc="scalar", gradcheck=False),
        Sample((make((2, 2), -6, 6), -0.7), desc="negative scalar", gradcheck=False),
        Sample((make((), -6, 6), make(())), desc="0-d", gradcheck=False),
        _special_pair(make),
    ]


def _floor_divide_int_samples(make):
    return [
        Sample((make.ints((2, 3), -7, 8), make.ints((3,), 1, 4)), desc="int"),
        Sample((make.ints((2, 3), -7, 8), make.ints((3,), -4, -1)), desc="int by negatives"),
        Sample((make.ints((4,), -7, 8), -3), desc="int by negative scalar"),
        Sample((make.ints((4,), -7, 8), 2.5), desc="int by float scalar"),
        Sample((make.ints((4,), 0, 8, dtype="uint8"), 3), desc="uint8"),
    ]


# floor_divide and x % tensor with a scalar first: torch has no derivative (NotImplemented
# node); chainrule must raise on backward too.
register(
    OpInfo("floor_divide", lambda mod, a, b: mod.floor_divide(a, b), _floor_divide_samples,
           covers=("floor_divide",), prims=("_floor_divide",), backward_raises=True,
           int_samples=_floor_divide_int_samples, promotion=True),
    OpInfo("__floordiv__", lambda mod, a, b: a // b, _floor_divide_samples, prims=("_floor_divide",),
           backward_raises=True, int_samples=_floor_divide_int_samples),
    OpInfo("__rfloordiv__", lambda mod, a: 3 // a,
           lambda make: [Sample((_away(make, (2, 3), (0,)),), gradcheck=False)],
           prims=("_floor_divide",), backward_raises=True,
           int_samples=lambda make: [Sample((make.ints((4,), 1, 5),))]),
)


def _remainder_samples(make):
    return [
        Sample((make((2, 3), -6, 6), _away(make, (3,), (0,))), desc="broadcast"),
        Sample((make((2, 2), -6, 6), 0.7), desc="scalar"),
        Sample((make((2, 2), -6, 6), -0.7), desc="negative scalar"),
        Sample((make((), -6, 6), make((2,), 0.5, 2)), desc="0-d"),
        Sample((NC(make((3, 2), -6, 6)), make((2,), 0.5, 2)), desc="non-contiguous"),
        Sample((make((0, 2)), make((2,), 0.5, 2)), desc="empty"),
    ]


def _fix_remainder(samples):
    """Shift each sample's dividend until no quotient is near an integer (remainder jumps there)."""
    out = []
    for s in samples:
        a, b = s.args
        av = a.arr if isinstance(a, NC) else a
        for _ in range(100):
            q = np.asarray(av, dtype=np.float64) / np.asarray(b, dtype=np.float64)
            frac = q - np.floor(q)
            if not np.any((frac < 0.05) | (frac > 0.95)):
                break
            av = np.asarray(av + 0.037, dtype=av.dtype)
        else:
            raise AssertionError(f"no smooth remainder sample for {s.desc}")
        out.append(dataclasses.replace(s, args=(NC(av) if isinstance(a, NC) else av, b)))
    return out


register(
    OpInfo("remainder", lambda mod, a, b: mod.remainder(a, b),
           lambda make: _fix_remainder(_remainder_samples(make)) + [_special_pair(make)],
           covers=("remainder",), prims=("_remainder", "_remainder_scalar", "_div_rounding"),
           int_samples=_floor_divide_int_samples, promotion=True,
           rtol={"float32": 1e-4, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("__mod__", lambda mod, a, b: a % b, lambda make: _fix_remainder(_remainder_samples(make)[:3]),
           prims=("_remainder",), int_samples=_floor_divide_int_samples,
           rtol={"float32": 1e-4, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("__rmod__", lambda mod, a: 3 % a,
           lambda make: [Sample((make((2, 3), 0.7, 2.0),), gradcheck=False)], prims=("_remainder_rev",),
           backward_raises=True, int_samples=lambda make: [Sample((make.ints((4,), 1, 5),))]),
)


def _pow_samples(make):
    pos = lambda s: make(s, 0.5, 2.0)  # noqa: E731
    return [
        # tensor ** tensor (positive bases: log(x) in the exponent's gradient)
        Sample((pos((2, 3)), make((2, 3))), desc="tensor-tensor"),
        Sample((pos((2, 3)), make((3,))), desc="broadcast exponent"),
        Sample((pos((3,)), make((2, 3))), desc="broadcast base"),
        Sample((pos(()), make((2,))), desc="0-d base"),
        Sample((pos((2,)), make(())), desc="0-d exponent"),
        Sample((NC(pos((3, 2))), make((2,))), desc="non-contiguous"),
        Sample((pos((0, 2)), make((2,))), desc="empty"),
        # tensor ** scalar
        Sample((make((2, 3)), 2), desc="square"),
        Sample((make((2, 3)), 3), desc="cube"),
        Sample((make((3,)), -2), desc="negative int exponent"),
        Sample((pos((2, 3)), 0.5), desc="sqrt"),
        Sample((pos((2, 3)), -1.5), desc="negative float exponent"),
        Sample((make((3,)), 0), desc="exponent 0"),
        Sample((make((3,)), 1), desc="exponent 1"),
        Sample((make(()), 2.0), desc="0-d"),
        # kinks: 0 ** y, x ** 0
        Sample((make.float([0.0, 0.0, 1.5, 0.0]), make.float([0.0, 2.0, 0.0, 0.5])), desc="zero base", gradcheck=False),
        Sample((make.float([0.0, 1.0, -1.0]), 0), desc="0 ** 0", gradcheck=False),
        Sample((make.float([0.0, 1.0, -1.0]), 2), desc="0 ** 2", gradcheck=False),
        Sample((make.float([0.0, 1.0, 2.0]), 0.5), desc="sqrt at 0", gradcheck=False),
        Sample((make.float([-2.0, -0.5, -1.0]), make.float([2.0, 0.5, 3.0])), desc="negative base", gradcheck=False),
        _special_pair(make),
    ]


def _pow_int_samples(make):
    return [
        Sample((make.ints((2, 3), -3, 4), make.ints((3,), 0, 4)), desc="int ** int"),
        Sample((make.ints((2, 3), -3, 4), 2), desc="int ** 2"),
        Sample((make.ints((2, 3), 1, 4), 0.5), desc="int ** 0.5"),
        Sample((make.ints((3,), 0, 4, dtype="uint8"), 2), desc="uint8 ** 2"),
        Sample((make.ints((3,), 1, 4, dtype="int32"), make((3,), 0.5, 2)), desc="int32 ** float"),
        Sample((make((3,), 0.5, 2), make.ints((3,), -2, 3)), desc="float ** int tensor"),
        Sample((make.bools((3,)), 2), desc="bool ** 2"),
        Sample((make.bools((3,)), True), desc="bool ** True"),
        Sample((make.ints((6,), -2, 3), make.ints((6,), -3, 0)), desc="int ** negative int tensor"),
    ]


register(
    OpInfo("pow", lambda mod, a, b: mod.pow(a, b), _pow_samples, covers=("pow",),
           prims=("_pow_tensor", "_pow_scalar", "_log"), int_samples=_pow_int_samples, promotion=True,
           torch_gradgrad=True, promotion_values=(1, 3),
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("pow_scalar_base", lambda mod, b, base: mod.pow(base, b),
           lambda make: [
               Sample((make((2, 3)), 2.0), desc="2 ** x"),
               Sample((make((3,)), 0.5), desc="0.5 ** x"),
               Sample((make(()), 3), desc="int base"),
               Sample((make((0,)), 2.0), desc="empty"),
               Sample((make.float([0.0, 1.0, -1.0]), 0.0), desc="0 ** x", gradcheck=False),
               Sample((make.float([1.0, 2.0]), -2.0), desc="negative base: nan gradient", gradcheck=False),
           ],
           covers=("pow",), prims=("_pow_scalar_base",), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3,), 0, 4), 2)), Sample((make.ints((3,), 0, 4), 2.5))]),
    OpInfo("__pow__", lambda mod, a, b: a ** b, lambda make: _pow_samples(make)[:3] + _pow_samples(make)[7:9],
           prims=("_pow_tensor", "_pow_scalar")),
    OpInfo("__rpow__", lambda mod, a: 2 ** a, lambda make: [Sample((make((2, 3)),))], prims=("_pow_scalar_base",),
           int_samples=lambda make: [Sample((make.ints((3,), 0, 4),))]),
)


def _operator_samples(make):
    return binary_samples(make)[:4] + [
        Sample((make((2, 3)), 2.5), desc="tensor-scalar"),
        Sample((make((2, 3)), 2), desc="tensor-int"),
        Sample((make((2,)), make((), dtype="float64") if make.dtype == np.float32 else make((), dtype="float32")),
               desc="0-d of another float dtype"),
    ]


def _reflected_samples(make):
    return [Sample((make((2, 3), 0.5, 2),), desc="matrix"), Sample((make((), 0.5, 2),), desc="0-d")]


def _int_unary_pos(make):
    return [Sample((make.ints((3,), 1, 5),), desc="int64"), Sample((make.ints((3,), 1, 5, dtype="uint8"),), desc="uint8")]


register(
    OpInfo("__add__", lambda mod, a, b: a + b, _operator_samples, prims=("_add",), int_samples=binary_int_samples),
    OpInfo("__radd__", lambda mod, a: 2.5 + a, _reflected_samples, prims=("_add",), int_samples=_int_unary_pos),
    OpInfo("__sub__", lambda mod, a, b: a - b, _operator_samples, prims=("_sub",), int_samples=binary_int_samples),
    OpInfo("__rsub__", lambda mod, a: 2 - a, _reflected_samples, prims=("_rsub",), int_samples=_int_unary_pos),
    OpInfo("__mul__", lambda mod, a, b: a * b, _operator_samples, prims=("_mul",), int_samples=binary_int_samples),
    OpInfo("__rmul__", lambda mod, a: 2 * a, _reflected_samples, prims=("_mul",), int_samples=_int_unary_pos),
    OpInfo("__truediv__", lambda mod, a, b: a / b, _operator_samples, prims=("_div",), domain=(0.5, 2.0),
           int_samples=binary_int_samples),
    # torch computes `2 / x` as reciprocal(x) * 2 (MulBackward0).
    OpInfo("__rtruediv__", lambda mod, a: 2 / a, _reflected_samples, prims=("_reciprocal", "_mul"),
           int_samples=_int_unary_pos, torch_gradgrad=True),
    OpInfo("__neg__", lambda mod, a: -a, unary_samples, prims=("_neg",),
           int_samples=lambda make: unary_int_samples(make)[:3]),
    OpInfo("neg", lambda mod, a: mod.neg(a), unary_samples, covers=("neg",), prims=("_neg",),
           int_samples=lambda make: unary_int_samples(make)[:3]),
    OpInfo("negative", lambda mod, a: mod.negative(a), lambda make: unary_samples(make)[:3], covers=("negative",),
           prims=("_neg",)),
    OpInfo("__pos__", lambda mod, a: +a, lambda make: unary_samples(make)[:2], differentiable=False),
)


# == unary math ===============================================================================


def _unary(name, prims, domain=(-2.0, 2.0), avoid=(), kinks=None, int_ok=True, torch_gradgrad=False, **kw):
    def samples(make):
        out = unary_samples(make)
        if kinks is not None:
            out.append(Sample((make.float(kinks),), desc=f"kinks {kinks}", gradcheck=False))
        out.append(Sample((make.float(SPECIAL_VALUES),), desc="nan, inf, -0.0", gradcheck=False))
        return out

    return OpInfo(name, lambda mod, a: getattr(mod, name)(a), samples, covers=(name,), prims=prims,
                  domain=domain, avoid=avoid, int_samples=unary_int_samples if int_ok else None,
                  torch_gradgrad=torch_gradgrad, **kw)


register(
    _unary("exp", ("_exp",), torch_gradgrad=True),
    _unary("log", ("_log",), domain=(0.2, 3.0), kinks=[0.0, -1.0, 1.0], torch_gradgrad=True),
    _unary("sqrt", ("_sqrt",), domain=(0.2, 3.0), kinks=[0.0, 1.0, -1.0]),
    _unary("sin", ("_sin", "_cos")),
    _unary("cos", ("_cos", "_sin")),
    _unary("tanh", ("_tanh", "_tanh_backward_kernel"), torch_gradgrad=True),
    _unary("sigmoid", ("_sigmoid", "_sigmoid_backward_kernel"), kinks=[-800.0, 800.0, 0.0, 30.0], torch_gradgrad=True),
    # relu'(0) = 0, abs'(0) = 0, as torch.
    _unary("relu", ("_relu", "_relu_backward_kernel"), avoid=(0.0,), kinks=[0.0, -1.0, 1.0], torch_gradgrad=True),
    _unary("abs", ("_abs", "_sign"), avoid=(0.0,), kinks=[0.0, -1.0, 1.0], torch_gradgrad=True),
    _unary("absolute", ("_abs",), avoid=(0.0,)),
    _unary("sign", ("_sign",), avoid=(0.0,), kinks=[0.0, -1.0, 1.0]),
    _unary("trunc", ("_trunc",), avoid=(-2.0, -1.0, 0.0, 1.0, 2.0), kinks=[0.0, 1.0, -1.0, 2.5, -2.5]),
    OpInfo("__abs__", lambda mod, a: abs(a), unary_samples, prims=("_abs",), avoid=(0.0,),
           int_samples=lambda make: unary_int_samples(make)[:3]),
)

# == clamp and where ==========================================================================


def _clamp_samples(make):
    # Bounds at -0.5 and 0.5; avoid=(+-0.5) keeps generated values off them.
    return [
        Sample((make((2, 3)),), {"min": -0.5, "max": 0.5}, desc="both bounds"),
        Sample((make((2, 3)), -0.5, 0.5), desc="positional bounds"),
        Sample((make((2, 3)),), {"min": -0.5}, desc="min only"),
        Sample((make((2, 3)),), {"max": 0.5}, desc="max only"),
        Sample((make(()),), {"min": -0.5, "max": 0.5}, desc="0-d"),
        Sample((NC(make((3, 2))),), {"min": -0.5, "max": 0.5}, desc="non-contiguous"),
        Sample((make((0, 2)),), {"min": -0.5}, desc="empty"),
        Sample((make((3,)),), {"min": 1, "max": 1}, desc="int bounds, min == max"),
        Sample((make((3,)),), {"min": 0.5, "max": -0.5}, desc="min > max", gradcheck=False),
        # At a bound the gradient passes (torch's choice: min <= x <= max).
        Sample((make.float([-0.5, 0.5, 0.0, -1.0, 1.0]),), {"min": -0.5, "max": 0.5}, desc="at the bounds",
               gradcheck=False),
    ]


def _clamp_int_samples(make):
    return [
        Sample((make.ints((2, 3), -5, 6),), {"min": -2, "max": 2}, desc="int bounds"),
        Sample((make.ints((2, 3), -5, 6),), {"min": -1.5, "max": 2.5}, desc="float bounds on int"),
        Sample((make.ints((3,), 0, 6, dtype="uint8"),), {"max": 3}, desc="uint8"),
    ]


def _clamp_tensor_samples(make):
    lo, hi = make((3,), -1.0, -0.2), make((2, 3), 0.2, 1.0)
    return [
        Sample((make((2, 3)),), {"min": lo, "max": hi}, desc="tensor bounds"),
        Sample((make((2, 3)),), {"min": lo}, desc="tensor min"),
        Sample((make((2, 3)),), {"max": hi}, desc="tensor max"),
        Sample((make((3,)),), {"min": make((2, 1), -1.0, -0.2)}, desc="bound broadcasts the result"),
        Sample((make((2, 3)),), {"min": Const(lo), "max": Const(hi)}, desc="bounds without grad"),
        Sample((make(()),), {"min": make((), -1, -0.2), "max": make((), 0.2, 1)}, desc="0-d"),
        Sample((make.float([-0.5, 0.5, 0.0, -1.0]),), {"min": make.float([-0.5, -0.5, 0.0, 0.0]),
                                                      "max": make.float([0.5, 0.5, 0.0, 1.0])},
               desc="ties with the bounds", gradcheck=False),
    ]


register(
    OpInfo("clamp", lambda mod, a, *b, **k: mod.clamp(a, *b, **k), _clamp_samples, covers=("clamp",),
           prims=("_clamp",), avoid=(-0.5, 0.5), int_samples=_clamp_int_samples),
    OpInfo("clip", lambda mod, a, *b, **k: mod.clip(a, *b, **k), lambda make: _clamp_samples(make)[:4],
           covers=("clip",), prims=("_clamp",), avoid=(-0.5, 0.5)),
    OpInfo("clamp_tensor", lambda mod, a, **k: mod.clamp(a, **k), _clamp_tensor_samples, covers=("clamp",),
           prims=("_clamp_tensor",), avoid=(-1.0, -0.2, 0.2, 1.0)),
    OpInfo("clamp_min", lambda mod, a, b: mod.clamp_min(a, b),
           lambda make: [Sample((make((2, 3)), -0.5)), Sample((make((2, 3)), make((3,), -1, -0.2)), desc="tensor"),
                         Sample((make.float([-0.5, 0.0]), -0.5), desc="at bound", gradcheck=False)],
           covers=("clamp_min",), prims=("_clamp_min", "_clamp_min_tensor"), avoid=(-0.5, -1, -0.2),
           int_samples=lambda make: [Sample((make.ints((4,), -3, 3), 0))]),
    OpInfo("clamp_max", lambda mod, a, b: mod.clamp_max(a, b),
           lambda make: [Sample((make((2, 3)), 0.5)), Sample((make((2, 3)), make((3,), 0.2, 1)), desc="tensor"),
                         Sample((make.float([0.5, 0.0]), 0.5), desc="at bound", gradcheck=False)],
           covers=("clamp_max",), prims=("_clamp_max", "_clamp_max_tensor"), avoid=(0.5, 1, 0.2),
           int_samples=lambda make: [Sample((make.ints((4,), -3, 3), 0))]),
)


def _where_samples(make):
    c = make.bools((2, 3))
    return [
        Sample((c, make((2, 3)), make((2, 3))), desc="same shape"),
        Sample((c, make((3,)), make((2, 1))), desc="broadcast values"),
        Sample((make.bools((3,)), make((2, 3)), make((2, 3))), desc="broadcast condition"),
        Sample((c, make((2, 3)), 0.5), desc="scalar other"),
        Sample((c, 2.0, make((2, 3))), desc="scalar input"),
        Sample((c, make(()), make((2, 3))), desc="0-d input"),
        Sample((make.bools(()), make((2,)), make((2,))), desc="0-d condition"),
        Sample((NC(make.bools((3, 2))), NC(make((3, 2))), make((2,))), desc="non-contiguous"),
        Sample((make.bools((0, 2)), make((0, 2)), make((2,))), desc="empty"),
        Sample((c, make((2, 3)), Const(make((2, 3)))), desc="other without grad"),
    ]


def _where_int_samples(make):
    c = make.bools((2, 3))
    return [
        Sample((c, make.ints((2, 3)), make.ints((3,))), desc="int"),
        Sample((c, make.ints((2, 3)), 2.5), desc="int with float scalar"),
        Sample((c, 1, 0), desc="two int scalars"),
        Sample((c, 1.0, 0), desc="float and int scalars"),
        Sample((c, make.ints((2, 3), dtype="int32"), make((3,))), desc="int32 with float"),
    ]


register(
    OpInfo("where", lambda mod, c, a, b: mod.where(c, a, b), _where_samples, covers=("where",), prims=("_where",),
           int_samples=_where_int_samples, torch_gradgrad=True),
    OpInfo("Tensor.where", lambda mod, c, a, b: a.where(c, b), lambda make: _where_samples(make)[:4],
           prims=("_where",)),
)


# == comparisons, logic, predicates (never differentiable) =====================================


def _compare_samples(make):
    a = make.float(make.ints((2, 3), -2, 3))  # small integers in floats: ties happen
    return [
        Sample((a, make.float(make.ints((2, 3), -2, 3))), desc="same shape"),
        Sample((a, make.float(make.ints((3,), -2, 3))), desc="broadcast"),
        Sample((a, 1), desc="int scalar"),
        Sample((a, 0.5), desc="float scalar"),
        Sample((make.float(1.0), a), desc="0-d lhs"),
        Sample((a, make.ints((2, 3), -2, 3)), desc="float with int tensor"),
        Sample((make.float([np.nan, 1.0, np.inf]), make.float([np.nan, 1.0, np.inf])), desc="nan and inf"),
        Sample((make((0, 3)), make((3,))), desc="empty"),
        Sample((NC(a), a), desc="non-contiguous"),
    ]


def _compare_int_samples(make):
    return [
        Sample((make.ints((2, 3), -2, 3), make.ints((3,), -2, 3)), desc="int"),
        Sample((make.ints((3,), 0, 3, dtype="uint8"), 1), desc="uint8 with scalar"),
        Sample((make.ints((3,), -2, 3, dtype="int32"), 0.5), desc="int with float scalar"),
        Sample((make.bools((3,)), True), desc="bool"),
        Sample((make.bools((3,)), make.ints((3,), 0, 2)), desc="bool with int"),
    ]


for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"):
    register(OpInfo(_name, (lambda n: lambda mod, a, b: getattr(mod, n)(a, b))(_name), _compare_samples,
                    covers=(_name,), differentiable=False, int_samples=_compare_int_samples, promotion=True))

for _name, _fn in (("__eq__", lambda a, b: a == b), ("__ne__", lambda a, b: a != b), ("__lt__", lambda a, b: a < b),
                   ("__le__", lambda a, b: a <= b), ("__gt__", lambda a, b: a > b), ("__ge__", lambda a, b: a >= b)):
    register(OpInfo(_name, (lambda f: lambda mod, a, b: f(a, b))(_fn), _compare_samples, differentiable=False,
                    int_samples=_compare_int_samples))


def _bitwise_int_samples(make):
    return [
        Sample((make.ints((2, 3), -8, 8), make.ints((3,), -8, 8)), desc="int64 broadcast"),
        Sample((make.ints((3,), 0, 9, dtype="uint8"), make.ints((3,), 0, 9, dtype="uint8")), desc="uint8"),
        Sample((make.ints((3,), -8, 8, dtype="int32"), make.ints((3,), -8, 8)), desc="int32 with int64"),
        Sample((make.ints((3,), -8, 8), 3), desc="int scalar"),
        Sample((make.bools((2, 3)), make.bools((3,))), desc="bool"),
        Sample((make.bools((3,)), True), desc="bool scalar"),
        Sample((make.bools((3,)), make.ints((3,), 0, 4)), desc="bool with int"),
        Sample((make.ints((0,)), make.ints((0,))), desc="empty"),
    ]


for _name, _fn in (("bitwise_and", None), ("bitwise_or", None), ("bitwise_xor", None)):
    register(OpInfo(_name, (lambda n: lambda mod, a, b: getattr(mod, n)(a, b))(_name), lambda make: [],
                    covers=(_name,), differentiable=False, int_samples=_bitwise_int_samples))
    register(OpInfo(_name + "_", _inplace(_name + "_"), lambda make: [], covers=(_name + "_",), differentiable=False,
                    int_samples=lambda make: [s for s in _bitwise_int_samples(make) if "with int" not in s.desc
                                              and "int32" not in s.desc and "broadcast" not in s.desc]))

for _name, _fn in (("__and__", lambda a, b: a & b), ("__or__", lambda a, b: a | b), ("__xor__", lambda a, b: a ^ b),
                   ("__rand__", lambda a, b: 3 & a), ("__ror__", lambda a, b: 3 | a), ("__rxor__", lambda a, b: 3 ^ a)):
    register(OpInfo(_name, (lambda f: lambda mod, a, b: f(a, b))(_fn), lambda make: [], differentiable=False,
                    int_samples=lambda make: _bitwise_int_samples(make)[:4]))

register(
    OpInfo("bitwise_not", lambda mod, a: mod.bitwise_not(a), lambda make: [], covers=("bitwise_not",),
           differentiable=False,
           int_samples=lambda make: [Sample((make.ints((2, 3), -8, 8),)), Sample((make.ints((3,), 0, 9, dtype="uint8"),)),
                                     Sample((make.bools((3,)),)), Sample((make.ints((), -8, 8, dtype="int32"),))]),
    OpInfo("__invert__", lambda mod, a: ~a, lambda make: [], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((2, 3), -8, 8),)), Sample((make.bools((3,)),))]),
)


def _logical_samples(make):
    a = make.float([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]])
    return [Sample((a, make.float([0.0, 2.0, 0.0]))), Sample((a, 0.0), desc="scalar"),
            Sample((make.float(np.nan), a), desc="nan is true")]


def _logical_int_samples(make):
    return [Sample((make.ints((2, 3), -1, 2), make.bools((3,)))), Sample((make.bools((3,)), make.ints((3,), 0, 2, dtype="uint8")))]


register(
    OpInfo("logical_and", lambda mod, a, b: mod.logical_and(a, b), _logical_samples, covers=("logical_and",),
           differentiable=False, int_samples=_logical_int_samples),
    OpInfo("logical_or", lambda mod, a, b: mod.logical_or(a, b), _logical_samples, covers=("logical_or",),
           differentiable=False, int_samples=_logical_int_samples),
    OpInfo("logical_not", lambda mod, a: mod.logical_not(a), lambda make: [Sample((s.args[0],)) for s in _logical_samples(make)],
           covers=("logical_not",), differentiable=False,
           int_samples=lambda make: [Sample((make.ints((3,), -1, 2),)), Sample((make.bools((2, 2)),))]),
)


def _special_values(make):
    return [Sample((make.float([[np.nan, np.inf, -np.inf], [0.0, -1.5, 1e30]]),)), Sample((make.float(np.nan),), desc="0-d"),
            Sample((make((0,)),), desc="empty")]


for _name in ("isnan", "isinf", "isfinite"):
    register(OpInfo(_name, (lambda n: lambda mod, a: getattr(mod, n)(a))(_name), _special_values, covers=(_name,),
                    differentiable=False, int_samples=lambda make: [Sample((make.ints((3,)),)), Sample((make.bools((2,)),))]))


# == copies and casts =========================================================================

register(
    OpInfo("clone", lambda mod, a: mod.clone(a), unary_samples, covers=("clone",), prims=("_clone",),
           int_samples=unary_int_samples),
    OpInfo("to_dtype", lambda mod, a, d: a.to(d),
           lambda make: [Sample((make((2, 3)), DType("float64"))), Sample((make((2, 3)), DType("float32"))),
                         Sample((make((3,)), DType("float16")), desc="to half", gradcheck=False),
                         Sample((NC(make((3, 2))), DType("float64")), desc="non-contiguous"),
                         Sample((make((2,)), DType("int64")), desc="to int: not differentiable")],
           covers=("to_dtype",), prims=("_to_dtype",),
           skips={"gradcheck": "float32/float16 results: central differences in float64 are meaningless",
                  "gradgradcheck": "float32/float16 results: central differences in float64 are meaningless"},
           rtol={"float32": 1e-3, "float64": 1e-3}, atol={"float32": 1e-3, "float64": 1e-3},
           int_samples=lambda make: [Sample((make.ints((3,)), DType("float32"))), Sample((make.ints((3,)), DType("bool"))),
                                     Sample((make.bools((3,)), DType("int32"))), Sample((make.ints((3,)), DType("uint8")))]),
)


# == reductions ===============================================================================


def _reduction_samples(make):
    x = make((2, 3, 2))
    return [
        Sample((x,), desc="all"),
        Sample((x, 1), desc="dim 1"),
        Sample((x, -1), desc="dim -1"),
        Sample((x, (0, 2)), desc="dims tuple"),
        Sample((x, (-1, 0)), desc="unsorted negative dims"),
        Sample((x, 1, True), desc="keepdim"),
        Sample((x,), {"dim": (0, 1), "keepdim": True}, desc="keyword dims, keepdim"),
        Sample((x, []), desc="empty dim list reduces everything"),
        Sample((x, (), True), desc="empty dim tuple, keepdim"),
        Sample((x,), {"dim": None, "keepdim": True}, desc="dim None, keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((make(()), 0), desc="0-d with dim 0"),
        Sample((make(()), -1, True), desc="0-d with dim -1, keepdim"),
        Sample((make((4,)), 0), desc="vector"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make((0, 3)), 0), desc="empty dim reduced"),
        Sample((make((0, 3)), 1), desc="empty dim kept"),
        Sample((make((2, 3)),), {"dtype": DType("float64")}, desc="dtype float64"),
        Sample((make((2, 3)), 0), {"dtype": DType("float32")}, desc="dim and dtype float32", gradcheck=False),
    ]


def _sum_int_samples(make):
    return [
        Sample((make.ints((2, 3)),), desc="int64"),
        Sample((make.ints((2, 3), dtype="int32"), 1), desc="int32 to int64"),
        Sample((make.ints((2, 3), 0, 200, dtype="uint8"),), desc="uint8 to int64"),
        Sample((make.bools((2, 3)), 0), desc="bool counts"),
        Sample((make.ints((2, 3)),), {"dtype": DType("float32")}, desc="int with float dtype"),
        Sample((make.ints((2, 3), dtype="int32"),), {"dtype": DType("int32")}, desc="keep int32"),
    ]


register(
    OpInfo("sum", lambda mod, *a, **k: mod.sum(*a, **k), _reduction_samples, covers=("sum",),
           prims=("_sum_all", "_sum_dims"), int_samples=_sum_int_samples, torch_gradgrad=True,
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("mean", lambda mod, *a, **k: mod.mean(*a, **k), _reduction_samples, covers=("mean",),
           prims=("_mean_all", "_mean_dims"),
           int_samples=lambda make: [Sample((make.ints((2, 3)),), {"dtype": DType("float32")}, desc="int with dtype"),
                                     Sample((make.ints((2, 3)), 1), {"dtype": DType("float64")})],
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("Tensor.sum", lambda mod, x, *a, **k: x.sum(*a, **k), lambda make: _reduction_samples(make)[:8],
           prims=("_sum_all", "_sum_dims")),
)


# == shapes and views =========================================================================


def _reshape_samples(make):
    return [
        Sample((make((2, 3)), (3, 2)), desc="tuple shape"),
        Sample((make((2, 3)), 6), desc="varargs: one int"),
        Sample((make((2, 3)), 3, -1), desc="varargs with -1"),
        Sample((make((2, 3)), (-1,)), desc="flatten by -1"),
        Sample((make(()), (1, 1)), desc="0-d to (1, 1)"),
        Sample((make((1,)), ()), desc="to 0-d"),
        Sample((make((0, 3)), (3, 0)), desc="empty"),
        Sample((make((0, 3)), (-1, 3)), desc="empty with -1"),
    ]


def _view_samples(make):
    return _reshape_samples(make) + [Sample((NC(make((3, 4))), (3, 2, 2)), desc="non-contiguous: split the contiguous dim")]


register(
    OpInfo("reshape", lambda mod, x, *s: mod.reshape(x, s[0] if len(s) == 1 and isinstance(s[0], tuple) else s),
           lambda make: _reshape_samples(make) + [
        Sample((NC(make((3, 2))), (6,)), desc="non-contiguous: copies"),
        Sample((NC(make((3, 4))), (3, 2, 2)), desc="non-contiguous: still a view"),
    ], covers=("reshape",), prims=("_view", "_reshape_copy", "_reshape_alias"), int_samples=lambda make: [Sample((make.ints((2, 3)), (6,)))]),
    OpInfo("Tensor.reshape", lambda mod, x, *s: x.reshape(*s), _reshape_samples, prims=("_view",)),
    OpInfo("view", lambda mod, x, *s: x.view(*s), _view_samples, covers=("view",), prims=("_view",),
           int_samples=lambda make: [Sample((make.ints((2, 3)), 3, 2))]),
    OpInfo("view_as", lambda mod, x, y: x.view_as(y),
           lambda make: [Sample((make((2, 3)), Const(make((3, 2))))), Sample((make((4,)), Const(make((2, 2, 1)))))],
           covers=("view_as",), prims=("_view",)),
    OpInfo("reshape_as", lambda mod, x, y: x.reshape_as(y),
           lambda make: [Sample((make((2, 3)), Const(make((3, 2))))), Sample((NC(make((3, 2))), Const(make((6,)))))],
           covers=("reshape_as",), prims=("_view", "_reshape_copy")),
    OpInfo("flatten", lambda mod, x, *a, **k: mod.flatten(x, *a, **k),
           lambda make: [Sample((make((2, 3, 2)),)), Sample((make((2, 3, 2)), 1)), Sample((make((2, 3, 2)), 0, 1)),
                         Sample((make((2, 3, 2)),), {"start_dim": -2, "end_dim": -1}),
                         Sample((make((2, 3, 2)), 1, 1), desc="start == end: the input itself"),
                         Sample((make(()),), desc="0-d becomes 1-d"),
                         Sample((NC(make((3, 2))),), desc="non-contiguous: copies"),
                         Sample((make((2, 0, 3)), 1), desc="empty")],
           covers=("flatten",), prims=("_view", "_reshape_copy")),
    OpInfo("unsqueeze", lambda mod, x, d: mod.unsqueeze(x, d),
           lambda make: [Sample((make((2, 3)), 0)), Sample((make((2, 3)), 2)), Sample((make((2, 3)), -1)),
                         Sample((make((2, 3)), -3)), Sample((make(()), 0), desc="0-d"),
                         Sample((NC(make((3, 2))), 1), desc="non-contiguous"), Sample((make((0,)), 0), desc="empty")],
           covers=("unsqueeze",), prims=("_unsqueeze",)),
    OpInfo("squeeze", lambda mod, x, *a: mod.squeeze(x, *a),
           lambda make: [Sample((make((2, 1, 3, 1)),), desc="all"), Sample((make((2, 1, 3)), 1), desc="dim"),
                         Sample((make((2, 1, 3)), 0), desc="dim of size > 1: unchanged"),
                         Sample((make((2, 1, 3, 1)), -1), desc="negative dim"),
                         Sample((make((2, 1, 3, 1)), (1, 3)), desc="dims tuple"),
                         Sample((make(()),), desc="0-d"), Sample((make(()), 0), desc="0-d with dim"),
                         Sample((make((1, 1)),), desc="to 0-d"), Sample((make((1, 0)),), desc="empty"),
                         Sample((NC(make((2, 1, 3))),), desc="non-contiguous")],
           covers=("squeeze",), prims=("_squeeze_kernel[SqueezeBackward0]", "_squeeze_kernel[SqueezeBackward1]",
                                       "_squeeze_kernel[SqueezeBackward2]")),
    OpInfo("permute", lambda mod, x, *d: x.permute(*d),
           lambda make: [Sample((make((2, 3, 2)), 2, 0, 1)), Sample((make((2, 3, 2)), (1, 0, 2)), desc="tuple"),
                         Sample((make((2, 3, 2)), -1, 0, -2), desc="negative dims"), Sample((make(()), ()), desc="0-d"),
                         Sample((NC(make((3, 2))), 1, 0), desc="non-contiguous"), Sample((make((0, 2)), 1, 0), desc="empty")],
           covers=("permute",), prims=("_permute",)),
    OpInfo("torch.permute", lambda mod, x, d: mod.permute(x, d), lambda make: [Sample((make((2, 3, 2)), (2, 0, 1)))],
           covers=("permute",), prims=("_permute",)),
    OpInfo("transpose", lambda mod, x, a, b: mod.transpose(x, a, b),
           lambda make: [Sample((make((2, 3)), 0, 1)), Sample((make((2, 3, 2)), 0, -1)), Sample((make((2, 3)), 1, 1), desc="same dim"),
                         Sample((make(()), 0, -1), desc="0-d"), Sample((NC(make((3, 2))), 0, 1), desc="non-contiguous"),
                         Sample((make((0, 2)), 0, 1), desc="empty")],
           covers=("transpose",), prims=("_transpose",)),
    OpInfo("swapaxes", lambda mod, x, a, b: mod.swapaxes(x, a, b), lambda make: [Sample((make((2, 3, 2)), 0, 2))],
           covers=("swapaxes",), prims=("_transpose",)),
    OpInfo("swapdims", lambda mod, x, a, b: x.swapdims(a, b), lambda make: [Sample((make((2, 3, 2)), -1, 1))],
           covers=("swapdims",), prims=("_transpose",)),
    OpInfo("t", lambda mod, x: mod.t(x),
           lambda make: [Sample((make((2, 3)),)), Sample((make((3,)),), desc="1-d"), Sample((make(()),), desc="0-d"),
                         Sample((NC(make((3, 2))),), desc="non-contiguous"), Sample((make((0, 2)),), desc="empty")],
           covers=("t",), prims=("_t",)),
    OpInfo("T", lambda mod, x: x.T, lambda make: [Sample((make((2, 3)),)), Sample((make((2,)),)), Sample((make(()),))],
           prims=("_permute",)),
    OpInfo("mT", lambda mod, x: x.mT, lambda make: [Sample((make((2, 3)),)), Sample((make((2, 3, 2)),))],
           prims=("_transpose",)),
)


def _expand_samples(make):
    return [
        Sample((make((3,)), 2, 3), desc="varargs"),
        Sample((make((3, 1)), (3, 4)), desc="tuple"),
        Sample((make((3, 1)), -1, 4), desc="-1 keeps a dim"),
        Sample((make((1, 3)), 2, 2, 3), desc="new leading dims"),
        Sample((make(()), (2, 2)), desc="0-d"),
        Sample((make((2, 3)), 2, 3), desc="same shape"),
        Sample((make((1,)), (0,)), desc="to empty"),
        Sample((NC(make((3, 1))), 2, 3, 4), desc="non-contiguous"),
    ]


register(
    OpInfo("expand", lambda mod, x, *s: x.expand(*s), _expand_samples, covers=("expand",), prims=("_expand",),
           int_samples=lambda make: [Sample((make.ints((3,)), 2, 3))], torch_gradgrad=True),
    OpInfo("expand_as", lambda mod, x, y: x.expand_as(y), lambda make: [Sample((make((3, 1)), Const(make((2, 3, 4)))))],
           covers=("expand_as",), prims=("_expand",)),
    OpInfo("broadcast_to", lambda mod, x, s: mod.broadcast_to(x, s),
           lambda make: [Sample((make((3,)), (2, 3))), Sample((make(()), (2,)))], covers=("broadcast_to",), prims=("_expand",)),
    OpInfo("sum_to_size", lambda mod, x, *s: x.sum_to_size(*s),
           lambda make: [Sample((make((2, 3)), 1, 3)), Sample((make((2, 3)), (2, 1))), Sample((make((2, 2, 3)), (3,)), desc="drop leading"),
                         Sample((make((2, 3)), 1, 1)), Sample((make((2, 3)), 2, 3), desc="same size: the input itself"),
                         Sample((make((2, 1, 3)), (1, 1)), desc="leading and inner")],
           covers=("sum_to_size",), prims=("_sum_to_size_kernel[SumBackward1]", "_sum_to_size_kernel[ViewBackward0]",
                                           "_expand")),
)


# == indexing =================================================================================


def _getitem_samples(make):
    x = make((3, 4))
    x3 = make((3, 4, 2))
    ix = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    return [
        Sample((x, 1), desc="int"), Sample((x, -1), desc="negative int"),
        Sample((x, (1, 2)), desc="two ints: 0-d"),
        Sample((x, slice(1, None)), desc="slice"), Sample((x, slice(None, None, 2)), desc="step"),
        Sample((x, (slice(None), slice(1, 4, 2))), desc="inner step"),
        Sample((x, slice(-2, None)), desc="negative start"), Sample((x, slice(5, 9)), desc="empty slice"),
        Sample((x, None), desc="None"), Sample((x, (None, 1, None)), desc="None around int"),
        Sample((x, Ellipsis), desc="Ellipsis"), Sample((x3, (Ellipsis, 1)), desc="Ellipsis then int"),
        Sample((x3, (1, Ellipsis, None)), desc="int, Ellipsis, None"),
        Sample((x, (ix(0, 2),)), desc="int tensor"), Sample((x, ix(2, 0, 2)), desc="repeated indices"),
        Sample((x, [0, 2]), desc="list"), Sample((x, [-1, 0, -1]), desc="list with negatives and repeats"),
        Sample((x, (ix(0, 2), slice(1, None))), desc="x[idx, 1:]"), Sample((x, (slice(None), ix(3, 0))), desc="x[:, idx]"),
        Sample((x, (ix(0, 2), ix(1, 3))), desc="two index tensors"),
        Sample((x, (ix(0, 2)[:, None], ix(1, 3))), desc="index tensors broadcast"),
        Sample((x3, (ix(0, 2), slice(None), ix(1, 0))), desc="separated advanced indices"),
        Sample((x, ix(), ), desc="empty index tensor"),
        Sample((x, (make.bools((3, 4)),)), desc="boolean mask"),
        Sample((x, (np.array([True, False, True]),)), desc="row mask"),
        Sample((x3, (np.array([True, False, True]), 1)), desc="mask then int"),
        Sample((x, (1, ix(0, 0, 3))), desc="int then repeated index"),
        Sample((x, (np.array(2),)), desc="0-d int tensor"),
        Sample((x, True), desc="True"), Sample((x, False), desc="False: empty"),
        Sample((x, [True, False, True]), desc="list of bools"),
        Sample((x, (Ellipsis, None)), desc="trailing None"),
        Sample((x3, (slice(None), None, 1)), desc="full slice, None, int"),
        Sample((x3, (1, slice(None), slice(None))), desc="int then full slices"),
        Sample((x, (slice(None),)), desc="full slice only, in a tuple"),
        Sample((x, slice(0, 3)), desc="a lone slice of everything"),
        Sample((x, (slice(None), slice(0, 4))), desc="slices of everything"),
        Sample((x3, (slice(1, None), slice(None))), desc="partial slice then full slice"),
        Sample((make(()), ()), desc="0-d with empty tuple"), Sample((make(()), None), desc="0-d with None"),
        Sample((make(()), Ellipsis), desc="0-d with Ellipsis"),
        Sample((NC(make((4, 3))), (slice(None), 1)), desc="non-contiguous"),
        Sample((make((0, 3)), (slice(None), 1)), desc="empty"),
    ]


_GETITEM_PRIMS = tuple(f"_take[{n}]" for n in ("IndexBackward0", "SelectBackward0", "SliceBackward0",
                                               "UnsqueezeBackward0", "AliasBackward0")) + ("_index_backward_kernel",)


def _getitem(mod, x, index):
    return x[index]


register(
    OpInfo("getitem", _getitem, _getitem_samples, covers=("getitem",), prims=_GETITEM_PRIMS, torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), (np.array([0, 2]), 1))), Sample((make.bools((3,)), 1))]),
    OpInfo("select", lambda mod, x, d, i: mod.select(x, d, i),
           lambda make: [Sample((make((3, 4)), 0, 1)), Sample((make((3, 4)), 1, -1)), Sample((make((3, 4, 2)), -1, 0)),
                         Sample((NC(make((4, 3))), 1, 2), desc="non-contiguous")],
           covers=("select",), prims=("_take[SelectBackward0]",)),
    OpInfo("unbind", lambda mod, x, *d: mod.unbind(x, *d),
           lambda make: [Sample((make((3, 2)),)), Sample((make((3, 2)), 1)), Sample((make((2, 3, 2)), -1)),
                         Sample((make((0, 2)), 1), desc="empty slices"), Sample((make((0, 2)),), desc="no slices")],
           covers=("unbind",), prims=("_unbind",)),
    OpInfo("iter", lambda mod, x: tuple(x), lambda make: [Sample((make((3, 2)),))], prims=("_unbind",)),
    OpInfo("nonzero", lambda mod, x, **k: mod.nonzero(x, **k),
           lambda make: [Sample((make.float([[0, 1.5, 0], [2, 0, -1]]),)), Sample((make.float([[0, 1.5, 0], [2, 0, -1]]),), {"as_tuple": True}),
                         Sample((make.float(2.0),), desc="0-d"), Sample((make.float(0.0),), {"as_tuple": True}, desc="0-d as tuple"),
                         Sample((make((0, 2)),), desc="empty")],
           covers=("nonzero",), differentiable=False,
           int_samples=lambda make: [Sample((make.ints((2, 3), -1, 2),)), Sample((make.bools((4,)),), {"as_tuple": True})]),
)


def _setitem(mod, x, v, index):
    y = x * 1  # a non-leaf: index assignment on a leaf that requires grad is an error
    y[index] = v
    return y


def _setitem_samples(make):
    ix = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    return [
        Sample((make((3, 4)), make((4,)), 1), desc="row"),
        Sample((make((3, 4)), make((3,)), (slice(None), 2)), desc="column"),
        Sample((make((3, 4)), make(()), (0, 1)), desc="one element"),
        Sample((make((3, 4)), 2.5, (slice(None, None, 2), slice(1, 3))), desc="python scalar into a strided block"),
        Sample((make((3, 4)), make((1, 2)), (slice(0, 2), slice(1, 3))), desc="broadcast value"),
        Sample((make((3, 4)), make((2, 4)), ix(0, 2)), desc="index tensor"),
        Sample((make((3, 4)), make((4,)), ix(0, 2)), desc="index tensor, broadcast value"),
        # Which duplicate write wins is unspecified; each duplicate's gradient is its slot's.
        Sample((make((3, 4)), make((3, 4)), ix(1, 1, 0)), desc="repeated indices", gradcheck=False),
        Sample((make((3, 4)), make(()), (make.bools((3, 4)),)), desc="mask with 0-d value"),
        Sample((make((3, 4)), make((2,)), (ix(0, 2), ix(1, 3))), desc="two index tensors"),
        Sample((make((3, 4)), make((2, 3)), (ix(0, 2), slice(1, None))), desc="y[idx, 1:] = v"),
        Sample((make((3, 4)), Const(make((4,))), 0), desc="value without grad"),
        Sample((Const(make((3, 4))), make((4,)), 1), desc="only the value requires grad"),
        Sample((Const(make((3, 4))), make((2, 4)), ix(2, 0)), desc="only the value requires grad, index tensor"),
        Sample((make((3, 4)), make((3, 1)), (slice(None), ix(1))), desc="y[:, idx] = v"),
        Sample((make((3, 4)), make((2,)), (1, ix(0, 3))), desc="y[1, idx] = v (through a view)"),
        Sample((make((3, 4)), 1.5, (make.bools((3, 4)),)), desc="mask with a number"),
        Sample((make((3, 4)), 1.5, Ellipsis), desc="y[...] = number (fill_)"),
        Sample((make((3, 4)), make(()), slice(None)), desc="y[:] = 0-d tensor (copy_)"),
        Sample((make((3, 4)), make((4,), dtype="float64") if make.dtype == np.float32 else make((4,), dtype="float32"), 2),
               desc="value of another float dtype"),
        Sample((make((3, 4)), make((3, 4)), Ellipsis), desc="everything"),
        Sample((NC(make((4, 3))), make((4,)), (slice(None), 0)), desc="non-contiguous"),
    ]


register(
    OpInfo("setitem_", _setitem, _setitem_samples, covers=("setitem_",),
           prims=("_index_put", "_index_put_const", "_copy"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), 7, (slice(None), 1))),
                                     Sample((make.ints((3, 4)), make.ints((2,)), np.array([2, 0]))),
                                     Sample((make.ints((3, 4)), 2.7, 0), desc="float into int truncates")]),
)


# == matrix products ==========================================================================

_MATMUL_SHAPES = (
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)),
    ((2, 2, 3), (3,)), ((3,), (2, 3, 2)), ((2, 2, 3), (3, 2)), ((2, 3), (2, 3, 2)),
    ((2, 2, 3), (2, 3, 2)), ((1, 2, 3), (2, 3, 2)), ((2, 1, 2, 3), (2, 3, 2)),
    ((0, 3), (3, 2)), ((2, 0), (0, 2)), ((2, 3), (3, 0)),
)


def _matmul_samples(make):
    out = []
    for a, b in _MATMUL_SHAPES:
        # torch's node for a 2-D (or batch-1) matrix times a batch is CloneBackward0 or
        # UnsafeViewBackward0 by its internal folding; chainrule always names it UnsafeViewBackward0.
        folded = len(a) in (2, 3) and len(b) >= 3 and (len(a) == 2 or a[0] == 1) and b[0] > 1
        out.append(Sample((make(a), make(b)), desc=f"{a} @ {b}", grad_fn=not folded))
    out.append(Sample((NC(make((3, 2))), NC(make((2, 3)))), desc="non-contiguous"))
    out.append(Sample((make((2, 3)), Const(make((3, 2)))), desc="rhs without grad"))
    return out


_MATMUL_PRIMS = ("_dot", "_mv", "_mm", "_matmul_kernel[UnsafeViewBackward0]", "_squeeze_kernel[SqueezeBackward4]")

register(
    OpInfo("matmul", lambda mod, a, b: mod.matmul(a, b), _matmul_samples, covers=("matmul",), prims=_MATMUL_PRIMS,
           torch_gradgrad=True, rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12},
           int_samples=lambda make: [Sample((make.ints((2, 3)), make.ints((3, 2)))), Sample((make.ints((3,)), make.ints((3,))))]),
    OpInfo("__matmul__", lambda mod, a, b: a @ b, lambda make: _matmul_samples(make)[:9], prims=_MATMUL_PRIMS,
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("mm", lambda mod, a, b: mod.mm(a, b),
           lambda make: [Sample((make((2, 3)), make((3, 2)))), Sample((NC(make((3, 2))), make((2, 4))), desc="non-contiguous"),
                         Sample((make((0, 3)), make((3, 2))), desc="empty")],
           covers=("mm",), prims=("_mm",), rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("mv", lambda mod, a, b: mod.mv(a, b),
           lambda make: [Sample((make((2, 3)), make((3,)))), Sample((NC(make((3, 2))), NC(make((2,)))), desc="non-contiguous")],
           covers=("mv",), prims=("_mv",), torch_gradgrad=True,
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("dot", lambda mod, a, b: mod.dot(a, b),
           lambda make: [Sample((make((3,)), make((3,)))), Sample((make((0,)), make((0,))), desc="empty")],
           covers=("dot",), prims=("_dot",), int_samples=lambda make: [Sample((make.ints((3,)), make.ints((3,))))],
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("bmm", lambda mod, a, b: mod.bmm(a, b),
           lambda make: [Sample((make((2, 2, 3)), make((2, 3, 2)))), Sample((make((2, 0, 3)), make((2, 3, 1))), desc="empty")],
           covers=("bmm",), prims=("_matmul_kernel[BmmBackward0]",),
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
)


# == in-place forms ===========================================================================


def _inplace_binary_samples(make, scalars=(2.5, 2)):
    out = [
        Sample((make((2, 3)), make((2, 3))), desc="same shape"),
        Sample((make((2, 3)), make((3,))), desc="broadcast other"),
        Sample((make((2, 3)), make(())), desc="0-d other"),
        Sample((make((2, 3)), Const(make((3,)))), desc="other without grad"),
        Sample((Const(make((2, 3))), make((3,))), desc="self without grad"),
        Sample((NC(make((3, 2))), make((2,))), desc="non-contiguous self"),
    ]
    out += [Sample((make((2, 3)), s), desc=f"scalar {s!r}") for s in scalars]
    return out


register(
    OpInfo("add_", _inplace("add_"), lambda make: _inplace_binary_samples(make) + [
        Sample((make((2, 3)), make((3,))), {"alpha": 2}, desc="alpha")], covers=("add_",), prims=("_add", "_mul")),
    OpInfo("sub_", _inplace("sub_"), lambda make: _inplace_binary_samples(make) + [
        Sample((make((2, 3)), make((3,))), {"alpha": 0.5}, desc="alpha")], covers=("sub_",), prims=("_sub",)),
    OpInfo("mul_", _inplace("mul_"), _inplace_binary_samples, covers=("mul_",), prims=("_mul",), torch_gradgrad=True),
    OpInfo("div_", _inplace("div_"), _inplace_binary_samples, covers=("div_",), prims=("_div",), domain=(0.5, 2.0)),
    OpInfo("div_rounding_", _inplace("div_"),
           lambda make: [Sample((make((2, 3), -6, 6), _away(make, (3,), (0,))), {"rounding_mode": "floor"}, gradcheck=False),
                         Sample((make((2, 3), -6, 6), 0.7), {"rounding_mode": "trunc"}, gradcheck=False)],
           covers=("div_",), prims=("_div_rounding",), skips=_PIECEWISE_CONSTANT),
    OpInfo("floor_divide_", _inplace("floor_divide_"),
           lambda make: [Sample((make((2, 3), -6, 6), _away(make, (3,), (0,))), gradcheck=False)],
           covers=("floor_divide_",), prims=("_floor_divide_inplace",), backward_raises=True),
    OpInfo("remainder_", _inplace("remainder_"),
           lambda make: _fix_remainder([Sample((make((2, 3), -6, 6), make((3,), 0.5, 2))), Sample((make((2, 3), -6, 6), 0.7))]),
           covers=("remainder_",), prims=("_remainder", "_remainder_scalar"),
           rtol={"float32": 1e-4, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("pow_", _inplace("pow_"),
           lambda make: [Sample((make((2, 3), 0.5, 2), make((3,)))), Sample((make((2, 3)), 2)), Sample((make((2, 3), 0.5, 2), 0.5))],
           covers=("pow_",), prims=("_pow_tensor", "_pow_scalar")),
    OpInfo("clamp_", _inplace("clamp_"), lambda make: _clamp_samples(make)[:4] + _clamp_tensor_samples(make)[:2],
           covers=("clamp_",), prims=("_clamp", "_clamp_tensor"), avoid=(-0.5, 0.5, -1.0, -0.2, 0.2, 1.0)),
    OpInfo("clip_", _inplace("clip_"), lambda make: _clamp_samples(make)[:2], covers=("clip_",), prims=("_clamp",),
           avoid=(-0.5, 0.5)),
    OpInfo("zero_", _inplace("zero_"), lambda make: [Sample((make((2, 3)),)), Sample((NC(make((3, 2))),))], covers=("zero_",),
           prims=("_zero",), int_samples=lambda make: [Sample((make.ints((3,)),))]),
    OpInfo("fill_", _inplace("fill_"),
           lambda make: [Sample((make((2, 3)), 2.5)), Sample((make((2, 3)), 2), desc="int value"),
                         Sample((make((2, 3)), make(())), desc="0-d tensor value"),
                         Sample((make((2, 3)), make((), dtype="float64") if make.dtype == np.float32 else make((), dtype="float32")),
                                desc="0-d tensor of another dtype")],
           covers=("fill_",), prims=("_fill", "_fill_tensor"),
           int_samples=lambda make: [Sample((make.ints((3,)), 2.7), desc="float into int truncates")]),
    OpInfo("copy_", _inplace("copy_"),
           lambda make: [Sample((make((2, 3)), make((2, 3)))), Sample((make((2, 3)), make((3,))), desc="broadcast src"),
                         Sample((make((2, 3)), make((3,), dtype="float64") if make.dtype == np.float32 else make((3,), dtype="float32")),
                                desc="src of another dtype"),
                         Sample((NC(make((3, 2))), make((2,))), desc="non-contiguous self")],
           covers=("copy_",), prims=("_copy",),
           int_samples=lambda make: [Sample((make.ints((3,)), make((3,), -10, 10)), desc="float into int truncates"),
                                     Sample((make((3,)), make.ints((3,))), desc="int into float")]),
)

for _name in ("exp_", "log_", "sqrt_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_", "abs_", "neg_"):
    _dom = (0.2, 3.0) if _name in ("log_", "sqrt_") else (-2.0, 2.0)
    _prim = {"neg_": "_neg", "abs_": "_abs"}.get(_name, "_" + _name[:-1])
    register(OpInfo(_name, _inplace(_name), lambda make: unary_samples(make)[:3] + unary_samples(make)[4:5], covers=(_name,),
                    prims=(_prim,), domain=_dom, avoid=(0.0,) if _name in ("relu_", "abs_") else ()))

register(
    OpInfo("+=", _inplace_operator("+="), lambda make: _inplace_binary_samples(make)[:3] + [Sample((make((2,)), 1.5))],
           prims=("_add",)),
    OpInfo("-=", _inplace_operator("-="), lambda make: _inplace_binary_samples(make)[:2], prims=("_sub",)),
    OpInfo("*=", _inplace_operator("*="), lambda make: _inplace_binary_samples(make)[:2] + [Sample((make((2,)), 3))],
           prims=("_mul",)),
    OpInfo("/=", _inplace_operator("/="), lambda make: _inplace_binary_samples(make)[:2], prims=("_div",), domain=(0.5, 2.0)),
    OpInfo("**=", _inplace_operator("**="), lambda make: [Sample((make((2, 3), 0.5, 2), 2)), Sample((make((2, 3), 0.5, 2), make((3,))))],
           prims=("_pow_scalar", "_pow_tensor")),
    OpInfo("%=", _inplace_operator("%="), lambda make: _fix_remainder([Sample((make((2, 3), -6, 6), 0.7))]), prims=("_remainder_scalar",),
           rtol={"float32": 1e-4, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("//=", _inplace_operator("//="), lambda make: [], differentiable=False, int_samples=lambda make: [
        Sample((make.ints((2, 3), -7, 8), make.ints((3,), 1, 4)))]),
    OpInfo("+= int", _inplace_operator("+="), lambda make: [], differentiable=False, int_samples=lambda make: [
        Sample((make.ints((2, 3)), make.ints((3,)))), Sample((make.ints((2, 3), dtype="int32"), 2)),
        Sample((make.ints((3,), dtype="uint8"), make.bools((3,))))]),
)


# In-place ops on a view of a non-leaf: the base's history is rewritten (CopySlices).
register(
    OpInfo("mul_ on a view", _inplace_on_view("mul_"),
           lambda make: [Sample((make((3, 2)), make((2,)))), Sample((make((3, 2)), 2.5)), Sample((make((3, 2)), make(())))],
           prims=("_mul", "_take[SelectBackward0]"), torch_gradgrad=True),
    OpInfo("mul_ on an element", _inplace_on_view("mul_", (1, 1)),
           lambda make: [Sample((make((3, 2)), make(()))), Sample((make((3, 2)), 2.5))], prims=("_mul",)),
    OpInfo("add_ on a column", _inplace_on_view("add_", (slice(None), 1)),
           lambda make: [Sample((make((3, 2)), make((3,))))], prims=("_add",)),
    OpInfo("add_ on a view", _inplace_on_view("add_"), lambda make: [Sample((make((3, 2)), make((2,))))], prims=("_add",)),
    OpInfo("exp_ on a view", _inplace_on_view("exp_"), lambda make: [Sample((make((3, 2)),))], prims=("_exp",)),
    OpInfo("copy_ on a view", _inplace_on_view("copy_"), lambda make: [Sample((make((3, 2)), make((2,))))], prims=("_copy",)),
    OpInfo("zero_ on a view", _inplace_on_view("zero_"), lambda make: [Sample((make((3, 2)),))], prims=("_zero",)),
)


# == errors ===================================================================================


@dataclass
class ErrorCase:
    name: str
    fn: Callable  # fn(mod) raises
    same_message: bool = True  # compare the message too, not only the exception type


def _leaf(mod, *shape):
    return mod.ones(*shape, requires_grad=True)


ERRORS = [
    ErrorCase("sum bad dim", lambda mod: mod.ones(2, 3).sum(2)),
    ErrorCase("sum bad negative dim", lambda mod: mod.ones(2, 3).sum(-3)),
    # The message names the dims tuple, not the repeated dim (ops/_common.py norm_dims; reported).
    ErrorCase("sum repeated dim", lambda mod: mod.ones(2, 3).sum((0, 0)), same_message=False),
    ErrorCase("mean of int", lambda mod: mod.ones(2, 3, dtype=mod.int64).mean()),
    ErrorCase("mean bad dim", lambda mod: mod.ones(2, 3).mean(5)),
    ErrorCase("0-d bad dim", lambda mod: mod.tensor(1.0).sum(1)),
    ErrorCase("add shape mismatch", lambda mod: mod.ones(2, 3) + mod.ones(2)),
    ErrorCase("mul shape mismatch", lambda mod: mod.ones(2, 3) * mod.ones(4, 3)),
    ErrorCase("matmul shape mismatch", lambda mod: mod.ones(2, 3) @ mod.ones(2, 3)),
    ErrorCase("matmul vector mismatch", lambda mod: mod.ones(3) @ mod.ones(4)),
    ErrorCase("matmul 0-d", lambda mod: mod.matmul(mod.tensor(1.0), mod.ones(3))),
    ErrorCase("matmul batch mismatch", lambda mod: mod.ones(2, 2, 3) @ mod.ones(3, 3, 2)),
    ErrorCase("matmul dtype mismatch", lambda mod: mod.ones(2, 3) @ mod.ones(3, 2, dtype=mod.float64)),
    ErrorCase("mm of vectors", lambda mod: mod.mm(mod.ones(3), mod.ones(3, 2))),
    ErrorCase("mm shape mismatch", lambda mod: mod.mm(mod.ones(2, 3), mod.ones(2, 3))),
    ErrorCase("mv shape", lambda mod: mod.mv(mod.ones(2, 3), mod.ones(2, 3))),
    ErrorCase("dot of matrices", lambda mod: mod.dot(mod.ones(2, 3), mod.ones(2, 3))),
    ErrorCase("dot length mismatch", lambda mod: mod.dot(mod.ones(3), mod.ones(4))),
    ErrorCase("bmm of matrices", lambda mod: mod.bmm(mod.ones(2, 3), mod.ones(3, 2))),
    ErrorCase("bmm batch mismatch", lambda mod: mod.bmm(mod.ones(2, 2, 3), mod.ones(3, 3, 2))),
    ErrorCase("view incompatible", lambda mod: mod.ones(3, 2).t().view(6)),
    ErrorCase("view bad size", lambda mod: mod.ones(2, 3).view(4)),
    ErrorCase("reshape bad size", lambda mod: mod.ones(2, 3).reshape(4, -1)),
    ErrorCase("reshape two -1", lambda mod: mod.ones(2, 3).reshape(-1, -1)),
    ErrorCase("expand bad size", lambda mod: mod.ones(2, 3).expand(3, 3)),
    ErrorCase("expand too few dims", lambda mod: mod.ones(2, 3).expand(3)),
    ErrorCase("permute wrong length", lambda mod: mod.ones(2, 3).permute(0)),
    ErrorCase("permute repeated", lambda mod: mod.ones(2, 3).permute(0, 0)),
    ErrorCase("transpose bad dim", lambda mod: mod.ones(2, 3).transpose(0, 2)),
    ErrorCase("t of 3-d", lambda mod: mod.ones(2, 3, 4).t()),
    ErrorCase("unsqueeze bad dim", lambda mod: mod.ones(2, 3).unsqueeze(3)),
    ErrorCase("squeeze bad dim", lambda mod: mod.ones(2, 3).squeeze(2)),
    ErrorCase("flatten start after end", lambda mod: mod.ones(2, 3, 4).flatten(2, 1)),
    ErrorCase("select out of range", lambda mod: mod.ones(2, 3).select(1, 3)),
    ErrorCase("select bad dim", lambda mod: mod.ones(2, 3).select(2, 0)),
    ErrorCase("index out of range", lambda mod: mod.ones(2, 3)[2]),
    ErrorCase("index too many", lambda mod: mod.ones(2, 3)[0, 0, 0]),
    ErrorCase("index tensor out of range", lambda mod: mod.ones(2, 3)[mod.tensor([0, 5])]),
    ErrorCase("index with float tensor", lambda mod: mod.ones(2, 3)[mod.tensor([0.0])]),
    ErrorCase("index with float", lambda mod: mod.ones(2, 3)[1.5]),
    ErrorCase("index negative step", lambda mod: mod.ones(4)[::-1]),
    ErrorCase("mask shape mismatch", lambda mod: mod.ones(2, 3)[mod.ones(3, 2, dtype=mod.bool)]),
    ErrorCase("index 0-d with int", lambda mod: mod.tensor(1.0)[0]),
    ErrorCase("setitem shape mismatch", lambda mod: mod.ones(2, 3).__setitem__(0, mod.ones(2))),
    ErrorCase("setitem on leaf requiring grad", lambda mod: _leaf(mod, 2, 3).__setitem__(0, 1.0)),
    ErrorCase("in-place on leaf requiring grad", lambda mod: _leaf(mod, 2, 3).add_(1)),
    ErrorCase("in-place on view of leaf", lambda mod: _leaf(mod, 2, 3)[0].mul_(2)),
    ErrorCase("in-place on an expanded tensor", lambda mod: mod.ones(3).expand(2, 3).add_(1)),
    ErrorCase("in-place on an expanded non-leaf", lambda mod: (_leaf(mod, 3) * 1).expand(2, 3).add_(1)),
    ErrorCase("in-place float into int", lambda mod: mod.ones(3, dtype=mod.int64).add_(1.5)),
    ErrorCase("in-place broadcast to larger", lambda mod: mod.ones(3).add_(mod.ones(2, 3))),
    ErrorCase("in-place true division of int", lambda mod: mod.ones(3, dtype=mod.int64).div_(2)),
    ErrorCase("int tensor requires grad", lambda mod: mod.ones(3, dtype=mod.int64).requires_grad_()),
    ErrorCase("int tensor() requires grad", lambda mod: mod.tensor([1, 2], requires_grad=True)),
    ErrorCase("bitwise on floats", lambda mod: mod.ones(3) & mod.ones(3)),
    ErrorCase("bitwise_not on floats", lambda mod: mod.bitwise_not(mod.ones(3))),
    ErrorCase("bitwise float scalar", lambda mod: mod.ones(3, dtype=mod.int64) | 1.5),
    ErrorCase("negation of bool", lambda mod: -mod.ones(3, dtype=mod.bool)),
    ErrorCase("bool minus bool", lambda mod: mod.ones(3, dtype=mod.bool) - mod.ones(3, dtype=mod.bool)),
    ErrorCase("int division by zero", lambda mod: mod.ones(3, dtype=mod.int64) // 0),
    ErrorCase("int remainder by zero", lambda mod: mod.ones(3, dtype=mod.int64) % mod.zeros(3, dtype=mod.int64)),
    ErrorCase("int to negative power", lambda mod: mod.ones(3, dtype=mod.int64) ** -1),
    ErrorCase("div bad rounding mode", lambda mod: mod.div(mod.ones(3), 2, rounding_mode="round")),
    ErrorCase("clamp without bounds", lambda mod: mod.clamp(mod.ones(3))),
    # torch's message lists its overloads; chainrule says what to do instead.
    ErrorCase("clamp mixed bound kinds", lambda mod: mod.clamp(mod.ones(3), mod.zeros(3), 1.0), same_message=False),
    ErrorCase("where non-bool condition", lambda mod: mod.where(mod.ones(3), mod.ones(3), mod.zeros(3))),
    ErrorCase("where shape mismatch", lambda mod: mod.where(mod.ones(3, dtype=mod.bool), mod.ones(2), mod.zeros(3))),
    ErrorCase("exp of a list", lambda mod: mod.exp([1.0, 2.0])),
    # Python words torch's message (Tensor.__add__ returns NotImplemented); reported.
    ErrorCase("add a string", lambda mod: mod.ones(3) + "a", same_message=False),
    ErrorCase("fill_ with 1-d tensor", lambda mod: mod.ones(3).fill_(mod.ones(2))),
    ErrorCase("sum_to_size not expandable", lambda mod: mod.ones(2, 3).sum_to_size(3, 2)),
    ErrorCase("unbind bad dim", lambda mod: mod.ones(2, 3).unbind(2)),
    ErrorCase("floor_divide backward", lambda mod: (_leaf(mod, 3) // 2).sum().backward()),
    ErrorCase("scalar remainder backward", lambda mod: (2 % _leaf(mod, 3)).sum().backward()),
    ErrorCase("batch_norm float64 input, float32 running stats",
              lambda mod: mod.nn.functional.batch_norm(mod.ones(4, 3, dtype=mod.float64), mod.zeros(3), mod.ones(3)),
              same_message=False),
    ErrorCase("batch_norm float32 input, float64 weight (training)",
              lambda mod: mod.nn.functional.batch_norm(mod.ones(4, 3), None, None, mod.ones(3, dtype=mod.float64),
                                                       training=True), same_message=False),
    # An advanced index is an index_put: it does not cast the value (a basic index does).
    ErrorCase("setitem index tensor, value of another dtype",
              lambda mod: mod.zeros(4).__setitem__(mod.tensor([0, 2]), mod.ones(2, dtype=mod.float64))),
    ErrorCase("setitem mask, int value into float",
              lambda mod: mod.zeros(4).__setitem__(mod.zeros(4) == 0, mod.ones(4, dtype=mod.int64))),
    ErrorCase("setitem list and slice, 0-d value of another dtype",
              lambda mod: mod.zeros(3, 4).__setitem__((slice(None), [0, 2]), mod.tensor(1.0, dtype=mod.float64))),
]



def captured_calls(mod, keys: set, order: int = 2) -> dict:
    """One recorded call ``(prim, args, params)`` per primitive key in ``keys``, taken from
    the entries' forward passes and their gradients up to ``order`` (each built with
    create_graph=True, random cotangents): how to reach the kernels that run only inside
    gradients. ``mod`` is chainrule."""
    from chainrule.ops import _registry

    calls: dict = {}

    def capture(prim, out, args, params):
        key = prim_key(prim)
        if key in keys and key not in calls and out.dtype.kind == "f":
            calls[key] = (prim, tuple(a.detach().clone() if isinstance(a, mod.Tensor) else a for a in args),
                          dict(params or {}))
        return _registry.record(prim, out, args, params, True)

    def grads_of(outs, leaves, rng):
        outs = [o for o in outs if isinstance(o, mod.Tensor) and o.requires_grad]
        if not outs or not leaves:
            return []
        cots = [mod.tensor(rng.standard_normal(tuple(o.shape)), requires_grad=True) for o in outs]
        grads = mod.autograd.grad(outs, leaves, cots, create_graph=True, allow_unused=True)
        return [g for g in grads if g is not None]

    assert _registry._transform is None
    _registry._transform = capture
    try:
        for op in OPS:
            if not (set(op.prims) & keys - set(calls)) or not op.differentiable or op.backward_raises:
                continue
            for k, sample in enumerate(op.sample_inputs("float64")):
                if not set(op.prims) & keys - set(calls):
                    break
                rng = np.random.default_rng(zlib.crc32(f"{op.name}/{k}/captured".encode()))
                args, kwargs, leaves = instantiate(mod, sample)
                out = op.op(mod, *args, **kwargs)
                outs = list(out) if isinstance(out, (tuple, list)) else [out]
                for _ in range(order):
                    outs = grads_of(outs, leaves, rng)
    finally:
        _registry._transform = None
    return calls


# -- families registered in their own files ----------------------------------------------------
# Each module below calls register() and extends ERRORS when imported.
import opinfo_elementwise  # noqa: E402,F401
import opinfo_indexing  # noqa: E402,F401
import opinfo_linalg  # noqa: E402,F401
import opinfo_nn  # noqa: E402,F401
import opinfo_reduction  # noqa: E402,F401
import opinfo_shape  # noqa: E402,F401
import opinfo_nn_conv  # noqa: E402,F401
import opinfo_more  # noqa: E402,F401
