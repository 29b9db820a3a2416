"""dtypes and type promotion against PyTorch, the oracle.

Module attributes and their properties, the default dtype, ``promote_types`` for every pair,
``result_type`` for every combination of operand kinds (tensor with dimensions, 0-d tensor,
Python number) and dtypes, and the dtype arithmetic and comparison operators actually give.
"""

from __future__ import annotations

import copy
import operator
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402

DTYPES = [
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
    "complex128",
]
ALIASES = ["half", "float", "double", "long", "int", "short", "cfloat", "cdouble"]


def describe(x):
    if isinstance(x, (torch.Tensor, chainrule.Tensor)):
        return ("tensor", repr(x.dtype), tuple(x.shape))
    if isinstance(x, (torch.dtype, chainrule.dtype)):
        return ("dtype", repr(x))
    if isinstance(x, tuple):
        return tuple(describe(y) for y in x)
    return (type(x).__name__, x)


def outcome(fn, mod):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return describe(fn(mod))
        except Exception as e:  # noqa: BLE001 - the exception type is the outcome
            return ("raises", type(e).__name__)


def assert_same(fn) -> None:
    assert outcome(fn, chainrule) == outcome(fn, torch)


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    yield
    torch.set_default_dtype(torch.float32)
    chainrule.set_default_dtype(chainrule.float32)


# -- the dtype objects -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES + ALIASES)
def test_dtype_attributes_and_properties(name):
    def run(m):
        d = getattr(m, name)
        return (
            repr(d),
            str(d),
            d.is_floating_point,
            d.is_complex,
            d.is_signed,
            d.itemsize,
            isinstance(d, m.dtype),
        )

    assert_same(run)


@pytest.mark.parametrize(
    "alias, name",
    [
        ("half", "float16"),
        ("float", "float32"),
        ("double", "float64"),
        ("long", "int64"),
        ("int", "int32"),
        ("short", "int16"),
        ("cfloat", "complex64"),
        ("cdouble", "complex128"),
    ],
)
def test_aliases_are_the_same_objects(alias, name):
    assert getattr(chainrule, alias) is getattr(chainrule, name)
    assert getattr(torch, alias) is getattr(torch, name)


@pytest.mark.parametrize("name", DTYPES)
def test_dtypes_are_singletons_through_copy_and_pickle(name):
    d = getattr(chainrule, name)
    assert pickle.loads(pickle.dumps(d)) is d
    assert copy.deepcopy(d) is d and copy.copy(d) is d
    assert {d: 1}[getattr(chainrule, name)] == 1


@pytest.mark.parametrize("name", [d for d in DTYPES if d != "float16"])
def test_to_real_and_to_complex(name):
    # float16.to_complex() is complex32 in PyTorch, a dtype chainrule does not have.
    assert_same(lambda m: (getattr(m, name).to_real(), getattr(m, name).to_complex()))


def test_dtype_cannot_be_compared_to_strings():
    assert_same(lambda m: m.float32 == "float32")
    assert_same(lambda m: m.float32 == m.float64)


# -- default dtype ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES)
def test_set_default_dtype_accepts_only_floats(name):
    assert_same(lambda m: (m.set_default_dtype(getattr(m, name)), m.get_default_dtype())[1])


def test_set_default_dtype_rejects_non_dtypes():
    assert_same(lambda m: m.set_default_dtype("float64"))


DEFAULT_FLOAT64_EFFECTS = {
    "python_float": lambda m: m.tensor(1.0),
    "python_complex": lambda m: m.tensor(1j),
    "mixed_list": lambda m: m.tensor([1, 2.0]),
    "ints_stay_int64": lambda m: m.tensor([1, 2]),
    "arange_float": lambda m: m.arange(0.0, 1.0, 0.25),
    "arange_int": lambda m: m.arange(3),
    "zeros": lambda m: m.zeros(2),
    "int_true_division": lambda m: m.tensor([1, 2]) / m.tensor([2, 2]),
    "int_divided_by_int_scalar": lambda m: m.tensor([1, 2]) / 2,
    "int_times_float_scalar": lambda m: m.tensor([1, 2]) * 1.5,
    "float32_times_float_scalar": lambda m: m.tensor([1, 2], dtype=m.float32) * 1.5,
    "float32_times_0d_float64": lambda m: m.tensor([1, 2], dtype=m.float32) * m.tensor(1.5),
    "float32_times_complex_scalar": lambda m: m.tensor([1.0], dtype=m.float32) * 1j,
    "int_times_complex_scalar": lambda m: m.tensor([1, 2]) * 1j,
    "linspace": lambda m: m.linspace(0, 1, 3),
    "eye": lambda m: m.eye(2),
    "full_float": lambda m: m.full((2,), 1.5),
    "full_int": lambda m: m.full((2,), 1),
    "rand": lambda m: m.rand(2),
    "randn": lambda m: m.randn(2),
    "normal": lambda m: m.normal(0.0, 1.0, (2,)),
    "randint": lambda m: m.randint(3, (2,)),
    "legacy_constructor": lambda m: m.Tensor([1, 2]),
    "finfo": lambda m: m.finfo().dtype,
}


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in DEFAULT_FLOAT64_EFFECTS.items()])
def test_default_float64_changes_what_floats_become(fn):
    def run(m):
        m.set_default_dtype(m.float64)
        return m.get_default_dtype(), fn(m)

    assert_same(run)


def test_default_float16():
    assert_same(lambda m: (m.set_default_dtype(m.float16), m.tensor(1.5), m.arange(0.0, 2.0))[1:])


# -- promotion -------------------------------------------------------------------------------------


@pytest.mark.parametrize("b", DTYPES)
@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_every_pair(a, b):
    assert_same(lambda m: m.promote_types(getattr(m, a), getattr(m, b)))


@pytest.mark.parametrize("b", DTYPES)
@pytest.mark.parametrize("a", DTYPES)
def test_can_cast_every_pair(a, b):
    assert_same(lambda m: m.can_cast(getattr(m, a), getattr(m, b)))


PY_SCALARS = {"bool": True, "int": 2, "float": 2.5, "complex": 1 + 1j}
OPERANDS = [("dim", d) for d in DTYPES] + [("0d", d) for d in DTYPES] + [("py", k) for k in PY_SCALARS]


def operand(m, kind: str, name: str):
    if kind == "py":
        return PY_SCALARS[name]
    return m.ones(2 if kind == "dim" else (), dtype=getattr(m, name))


def _complex32(a, b) -> bool:
    """float16 meeting a lower-priority complex operand: PyTorch makes complex32, which
    chainrule (on NumPy) does not have; it uses complex64."""
    (ka, da), (kb, db) = a, b
    rank = {"dim": 0, "0d": 1, "py": 2}
    for (k1, d1), (k2, d2) in ((a, b), (b, a)):
        if d1 == "float16" and d2 in ("complex64", "complex128", "complex") and rank[k2] > rank[k1]:
            return True
    return ka == kb and {da, db} == {"float16", "complex"}


PAIRS = [
    pytest.param(a, b, id=f"{a[0]}-{a[1]}-{b[0]}-{b[1]}")
    for a in OPERANDS
    for b in OPERANDS
    if not (a[0] == "py" and b[0] == "py") and not _complex32(a, b)
]


@pytest.mark.parametrize("a, b", PAIRS)
def test_result_type(a, b):
    assert_same(lambda m: m.result_type(operand(m, *a), operand(m, *b)))


@pytest.mark.parametrize(
    "op", [operator.add, operator.mul, operator.truediv, operator.eq], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("a, b", PAIRS)
def test_operator_result_dtype_and_shape(a, b, op):
    assert_same(lambda m: op(operand(m, *a), operand(m, *b)))


@pytest.mark.parametrize("a, b", [p for p in PAIRS if "bool" not in (p.values[0][1], p.values[1][1])])
def test_subtraction_result_dtype_and_shape(a, b):
    assert_same(lambda m: operand(m, *a) - operand(m, *b))


@pytest.mark.parametrize("kind", ["dim", "0d"])
def test_complex32_is_replaced_by_complex64(kind):
    # A documented difference: chainrule has no complex32.
    x = operand(chainrule, kind, "float16")
    assert chainrule.result_type(x, 1j) is chainrule.complex64
    assert (x * 1j).dtype is chainrule.complex64


def test_reflected_division_rounds_like_torch():
    # PyTorch computes number / tensor as reciprocal(tensor) * number.
    assert_same(lambda m: tuple((200 / m.tensor([3.0, -7.0], dtype=m.float32)).tolist()))


# Mismatches once found in the ops, now fixed.


def test_python_int_wraps_into_small_int_dtypes():
    assert_same(lambda m: (m.tensor([3, -7], dtype=m.int8) + 200).tolist())


@pytest.mark.parametrize("a, b", [p for p in PAIRS if "bool" in (p.values[0][1], p.values[1][1])])
def test_subtraction_with_bool_raises_like_torch(a, b):
    assert_same(lambda m: operand(m, *a) - operand(m, *b))


def test_complex_ordering_raises():
    assert_same(lambda m: m.ones(2, dtype=m.complex64) < 1)


# -- finfo and iinfo -------------------------------------------------------------------------------

FINFO_ATTRS = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")


@pytest.mark.parametrize("name", DTYPES)
def test_finfo(name):
    def run(m):
        f = m.finfo(getattr(m, name))
        return tuple(getattr(f, a) for a in FINFO_ATTRS) + (repr(f),)

    assert_same(run)


def test_finfo_default_and_none():
    assert_same(lambda m: repr(m.finfo()))
    assert_same(lambda m: (m.set_default_dtype(m.float64), m.finfo().eps)[1])


@pytest.mark.parametrize("name", DTYPES)
def test_iinfo(name):
    def run(m):
        f = m.iinfo(getattr(m, name))
        return (f.bits, f.max, f.min, f.dtype, repr(f))

    assert_same(run)


def test_finfo_eps_is_what_numpy_says():
    assert chainrule.finfo(chainrule.float32).eps == float(np.finfo(np.float32).eps)


# -- tensor-level dtype queries --------------------------------------------------------------------


@pytest.mark.parametrize("name", DTYPES)
def test_tensor_dtype_queries(name):
    def run(m):
        t = m.zeros(2, dtype=getattr(m, name))
        return (
            t.dtype,
            t.is_floating_point(),
            t.is_complex(),
            t.is_signed(),
            t.element_size(),
            t.itemsize,
            m.is_floating_point(t),
            m.is_complex(t),
            t.type(),
        )

    assert_same(run)
