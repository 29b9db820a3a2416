"""Tensor printing must match PyTorch character for character.

PyTorch itself is the oracle: every expected string comes from ``repr`` of a
real ``torch.Tensor`` built from the same NumPy data under the same options.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from chainrule._printing import (  # noqa: E402
    get_printoptions,
    printoptions,
    set_printoptions,
    tensor_repr,
)

FLOAT_DTYPES = ("float16", "float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8")


# ---------------------------------------------------------------------------
# Helpers and fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _default_options():
    """Every test starts and ends with default options on both sides."""
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    default_dtype = torch.get_default_dtype()
    yield
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")
    torch.set_default_dtype(default_dtype)


def to_torch(arr: np.ndarray):
    """A torch tensor holding the same values (torch needs positive strides)."""
    return torch.from_numpy(np.array(arr, copy=True))


def dtype_name(arr: np.ndarray) -> str:
    return np.dtype(arr.dtype).name


def assert_same(arr: np.ndarray, *, default: str = "float32") -> None:
    arr = np.asarray(arr)
    expected = repr(to_torch(arr))
    assert tensor_repr(arr, dtype_name(arr), default, []) == expected


def both_options(**kwargs) -> None:
    torch.set_printoptions(**kwargs)
    set_printoptions(**kwargs)


# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------


def _cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1234)
    c: dict[str, np.ndarray] = {}

    # Scalars (0-d)
    c["0d_int_valued"] = np.array(4.0, dtype=np.float32)
    c["0d_negative"] = np.array(-2.6146, dtype=np.float32)
    c["0d_tiny"] = np.array(1e-5)
    c["0d_huge"] = np.array(1e9, dtype=np.float32)
    c["0d_nan"] = np.array(np.nan)
    c["0d_neg_inf"] = np.array(-np.inf, dtype=np.float32)
    c["0d_neg_zero"] = np.array(-0.0)
    c["0d_int"] = np.array(-7)
    c["0d_bool"] = np.array(True)
    c["0d_complex"] = np.array(1.5 - 2j, dtype=np.complex64)
    c["0d_uint8"] = np.array(255, dtype=np.uint8)

    # Empty tensors
    c["empty_1d"] = np.zeros(0, dtype=np.float32)
    c["empty_0x3"] = np.zeros((0, 3), dtype=np.float32)
    c["empty_2x0x4"] = np.zeros((2, 0, 4), dtype=np.float64)
    c["empty_int32"] = np.zeros(0, dtype=np.int32)
    c["empty_int64"] = np.zeros(0, dtype=np.int64)
    c["empty_bool_0x3"] = np.zeros((0, 3), dtype=bool)
    c["empty_complex"] = np.zeros(0, dtype=np.complex64)

    # Small float tensors and notation switches
    c["ints_as_floats"] = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    c["neg_ints_as_floats"] = np.array([-10.0, 3.0, 200.0], dtype=np.float32)
    c["halves"] = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    c["spanning"] = np.array([1e-3, 1.0, 1e3, 1e6], dtype=np.float32)
    c["ratio_exactly_1000"] = np.array([1.0, 1000.0, 2.5])
    c["ratio_above_1000"] = np.array([1.0, 1000.5, 2.5])
    c["tiny"] = np.array([1e-5, 2e-5, 3.5e-5])
    c["just_above_1e-4"] = np.array([1e-4, 2e-4])
    c["huge"] = np.array([1e9, 2e9, 3.5e9])
    c["huge_int_valued"] = np.array([1e8, 1e8 + 1])
    c["big_exponent"] = np.array([1e-300, 1e300, 1.0])
    c["denormal"] = np.array([5e-324, 1.0])
    c["nan_inf_mix"] = np.array([np.nan, 1.5, -np.inf, np.inf, 0.0], dtype=np.float32)
    c["nan_inf_ints"] = np.array([np.nan, 1.0, -np.inf, 100.0], dtype=np.float32)
    c["only_nonfinite"] = np.array([np.nan, np.inf, -np.inf])
    c["only_zeros"] = np.array([0.0, -0.0, 0.0])
    c["neg_zero_mixed"] = np.array([-0.0, 1.5, -2.25])
    c["neg_zero_sci"] = np.array([-0.0, 1e-6, 3.0])
    c["rounding_width"] = np.array([9.99996, 0.5, -9.99996])
    c["rounding_sci"] = np.array([9.99999e-5, 1.0, 9.99999e99])
    c["float16"] = (rng.standard_normal((3, 5)) * 10).astype(np.float16)
    c["float16_big"] = np.array([65504.0, -1.0, 0.001], dtype=np.float16)
    c["randn_1d"] = rng.standard_normal(7).astype(np.float32)
    c["randn_2d"] = rng.standard_normal((4, 6)).astype(np.float32)
    c["randn_3d"] = rng.standard_normal((2, 3, 4))
    c["randn_4d"] = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    c["ones_1x1x1"] = np.ones((1, 1, 1), dtype=np.float32)
    c["scaled_2d"] = (rng.standard_normal((3, 3)) * 1e5).astype(np.float32)
    c["mixed_magnitudes"] = rng.standard_normal(12) * 10.0 ** rng.integers(-8, 8, 12)

    # Line wrapping of long rows
    c["long_row_float"] = rng.standard_normal(45).astype(np.float32)
    c["long_row_int"] = np.arange(100)
    c["long_row_sci"] = rng.standard_normal(30) * 1e10
    c["long_rows_2d"] = rng.standard_normal((3, 25)).astype(np.float32)
    c["long_rows_3d"] = np.arange(2 * 2 * 30).reshape(2, 2, 30).astype(np.float64)

    # Summarised tensors (numel > 1000)
    c["summ_1d"] = np.arange(2000, dtype=np.float32)
    c["summ_1d_rand"] = rng.standard_normal(1500)
    c["summ_2d"] = rng.standard_normal((50, 30)).astype(np.float32)
    c["summ_2d_wide_hidden"] = np.concatenate([np.ones(500), [1e12] * 10, np.ones(500)])
    c["summ_2d_narrow_rows"] = rng.standard_normal((1200, 1)).astype(np.float32)
    c["summ_2d_short_rows"] = rng.standard_normal((6, 300)).astype(np.float32)
    c["summ_3d"] = rng.standard_normal((10, 11, 12)).astype(np.float32)
    c["summ_3d_int"] = np.arange(10 * 11 * 12).reshape(10, 11, 12)
    c["summ_4d"] = rng.standard_normal((4, 5, 6, 9))
    c["summ_exactly_1000"] = np.arange(1000, dtype=np.float32)
    c["summ_1001"] = np.arange(1001, dtype=np.float32)
    c["summ_complex"] = (rng.standard_normal((40, 40)) + 1j * rng.standard_normal((40, 40))).astype(
        np.complex64
    )
    c["summ_bool"] = rng.integers(0, 2, (40, 40)).astype(bool)

    # Integers and bools
    c["int_negative"] = np.array([-5, 0, 17, -1234])
    c["int_big"] = np.array([2**62, -(2**63), 1], dtype=np.int64)
    c["int8"] = np.array([-128, 127, 0], dtype=np.int8)
    c["int16"] = rng.integers(-30000, 30000, (3, 4)).astype(np.int16)
    c["int32"] = np.array([1, 2], dtype=np.int32)
    c["uint8"] = rng.integers(0, 256, (2, 3, 4)).astype(np.uint8)
    c["bool_1d"] = np.array([True, False, True])
    c["bool_all_true"] = np.array([[True, True], [True, True]])
    c["bool_long"] = rng.integers(0, 2, 40).astype(bool)

    # Complex
    c["complex_small"] = np.array([1 + 2j, -3.5 - 0.25j, 0 - 0j], dtype=np.complex64)
    c["complex_ints"] = np.array([1 + 2j, 3 - 4j], dtype=np.complex128)
    c["complex_neg_zero_imag"] = np.array([complex(1.0, -0.0), complex(-0.0, 0.0)])
    c["complex_nan"] = np.array([complex(np.nan, 1.0), complex(1.0, np.nan), complex(np.inf, -np.inf)])
    c["complex_sci"] = np.array([1e-6 + 1e6j, 2.0 - 3.0j], dtype=np.complex128)
    c["complex_2d"] = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(
        np.complex64
    )
    c["complex_long_row"] = rng.standard_normal(20) + 1j * rng.standard_normal(20)

    # Non-contiguous views
    base = rng.standard_normal((6, 8)).astype(np.float32)
    c["view_transposed"] = base.T
    c["view_strided"] = base[::2, ::-3]
    c["view_int_transposed"] = np.arange(24).reshape(4, 6).T
    return c


CASES = _cases()
FLOAT_CASES = {k: v for k, v in CASES.items() if v.dtype.kind in "fc"}


# ---------------------------------------------------------------------------
# Default options
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_same(CASES[name])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + COMPLEX_DTYPES + INT_DTYPES + ("bool",))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (0,), (3, 0), (1, 1, 1)])
def test_every_dtype_and_shape(dtype, shape):
    rng = np.random.default_rng(7)
    values = rng.standard_normal(shape) * 50
    if dtype.startswith("complex"):
        values = values + 1j * rng.standard_normal(shape)
    assert_same(values.astype(dtype))


@pytest.mark.parametrize("seed", range(12))
def test_random_shapes_and_scales(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 6, rng.integers(1, 4)))
    scale = 10.0 ** rng.integers(-7, 10)
    arr = rng.standard_normal(shape) * scale
    if seed % 3 == 0:
        arr = np.round(arr)
    assert_same(arr.astype(FLOAT_DTYPES[seed % 3]))


# ---------------------------------------------------------------------------
# Autograd suffixes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FLOAT_CASES))
def test_requires_grad_suffix(name):
    arr = FLOAT_CASES[name]
    expected = repr(to_torch(arr).requires_grad_())
    assert tensor_repr(arr, dtype_name(arr), "float32", ["requires_grad=True"]) == expected


@pytest.mark.parametrize(
    "name", ["0d_negative", "randn_2d", "float16", "summ_2d", "complex_2d", "long_row_float"]
)
def test_grad_fn_suffix(name):
    arr = CASES[name]
    result = to_torch(arr).requires_grad_() * 1
    expected = repr(result)
    assert "grad_fn=<MulBackward0>" in expected
    got = tensor_repr(arr, dtype_name(arr), "float32", ["grad_fn=<MulBackward0>"])
    assert got == expected


@pytest.mark.parametrize("linewidth", [20, 30, 40, 55, 80])
@pytest.mark.parametrize("name", ["0d_negative", "randn_1d", "randn_2d", "halves", "empty_0x3"])
def test_suffix_wrapping(linewidth, name):
    # float64 under a float32 default adds a dtype suffix before requires_grad.
    arr = CASES[name].astype(np.float64)
    both_options(linewidth=linewidth)
    expected = repr(to_torch(arr).requires_grad_())
    assert tensor_repr(arr, "float64", "float32", ["requires_grad=True"]) == expected


@pytest.mark.parametrize("width", range(8, 40))
def test_suffix_wrapping_boundary(width):
    # Sweep a row across the wrap threshold for a dtype + requires_grad pair.
    arr = np.arange(width // 4, dtype=np.float16)
    both_options(linewidth=width)
    expected = repr(to_torch(arr).requires_grad_())
    assert tensor_repr(arr, "float16", "float32", ["requires_grad=True"]) == expected


# ---------------------------------------------------------------------------
# Print options
# ---------------------------------------------------------------------------

OPTION_SETS = {
    "precision2": {"precision": 2},
    "precision0": {"precision": 0},
    "precision8": {"precision": 8},
    "sci_on": {"sci_mode": True},
    "sci_off": {"sci_mode": False},
    "sci_on_precision1": {"sci_mode": True, "precision": 1},
    "threshold5": {"threshold": 5},
    "threshold0": {"threshold": 0},
    "edgeitems2": {"edgeitems": 2},
    "edgeitems1_threshold5": {"edgeitems": 1, "threshold": 5},
    "edgeitems0": {"edgeitems": 0},
    "edgeitems0_threshold5": {"edgeitems": 0, "threshold": 5},
    "linewidth40": {"linewidth": 40},
    "linewidth10": {"linewidth": 10},
    "linewidth200": {"linewidth": 200},
    "profile_full": {"profile": "full"},
    "profile_short": {"profile": "short"},
    "profile_short_precision5": {"profile": "short", "precision": 5},
}

OPTION_CASE_NAMES = [
    "0d_negative",
    "0d_int",
    "empty_0x3",
    "ints_as_floats",
    "halves",
    "spanning",
    "tiny",
    "huge",
    "nan_inf_mix",
    "only_nonfinite",
    "neg_zero_mixed",
    "float16",
    "randn_2d",
    "randn_3d",
    "long_row_float",
    "long_row_int",
    "summ_1d",
    "summ_2d",
    "summ_3d_int",
    "summ_complex",
    "int_negative",
    "bool_long",
    "complex_small",
    "complex_sci",
]


@pytest.mark.parametrize("option_set", list(OPTION_SETS))
def test_print_options(option_set):
    both_options(**OPTION_SETS[option_set])
    for name in OPTION_CASE_NAMES:
        arr = CASES[name]
        expected = repr(to_torch(arr))
        assert tensor_repr(arr, dtype_name(arr), "float32", []) == expected, name


def test_profile_full_prints_everything():
    both_options(profile="full")
    arr = np.arange(1500, dtype=np.float32).reshape(30, 50)
    got = tensor_repr(arr, "float32", "float32", [])
    assert "..." not in got
    assert got == repr(to_torch(arr))


def test_get_printoptions_matches_torch():
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    for kwargs in OPTION_SETS.values():
        both_options(**kwargs)
        assert get_printoptions() == torch._tensor_str.get_printoptions()


def test_set_printoptions_resets_sci_mode():
    both_options(sci_mode=True)
    both_options(precision=3)  # sci_mode omitted: back to automatic
    assert get_printoptions()["sci_mode"] is None
    assert get_printoptions() == torch._tensor_str.get_printoptions()


def test_unknown_profile_is_ignored_like_torch():
    both_options(precision=6)
    both_options(profile="no-such-profile")
    assert get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager_restores():
    set_printoptions(precision=6, linewidth=50)
    before = get_printoptions()
    arr = np.array([1.123456789, 2.5])
    with printoptions(precision=2, sci_mode=True):
        assert get_printoptions()["precision"] == 2
        with torch._tensor_str.printoptions(precision=2, sci_mode=True):
            assert tensor_repr(arr, "float64", "float32", []) == repr(to_torch(arr))
    assert get_printoptions() == before


def test_printoptions_context_manager_restores_on_error():
    before = get_printoptions()
    with pytest.raises(RuntimeError):
        with printoptions(threshold=3):
            raise RuntimeError("boom")
    assert get_printoptions() == before


# ---------------------------------------------------------------------------
# Default dtype float64
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "0d_int_valued",
        "0d_complex",
        "empty_1d",
        "empty_2x0x4",
        "empty_int64",
        "empty_complex",
        "halves",
        "randn_3d",
        "float16",
        "complex_small",
        "complex_ints",
        "complex_2d",
        "int32",
        "bool_1d",
        "summ_2d",
    ],
)
def test_default_dtype_float64(name):
    arr = CASES[name]
    torch.set_default_dtype(torch.float64)
    assert_same(arr, default="float64")
    expected = repr(to_torch(arr).requires_grad_()) if arr.dtype.kind in "fc" else None
    if expected is not None:
        assert tensor_repr(arr, dtype_name(arr), "float64", ["requires_grad=True"]) == expected


# ---------------------------------------------------------------------------
# Property-based comparison
# ---------------------------------------------------------------------------

_float_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-5, 1e-4, 1e8, 1e9, 0.5, 1000.0]),
    st.integers(-(10**6), 10**6).map(float),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=hnp.arrays(
        dtype=np.float64,
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7),
        elements=_float_values,
    ),
    dtype=st.sampled_from(FLOAT_DTYPES),
    precision=st.integers(0, 6),
    sci_mode=st.sampled_from([None, True, False]),
    linewidth=st.integers(10, 120),
)
def test_hypothesis_floats(values, dtype, precision, sci_mode, linewidth):
    with np.errstate(over="ignore"):  # out-of-range values become inf in float16
        arr = values.astype(dtype)
    both_options(precision=precision, sci_mode=sci_mode, linewidth=linewidth)
    assert tensor_repr(arr, dtype, "float32", []) == repr(to_torch(arr))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arr=hnp.arrays(
        dtype=st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=9),
    ),
    threshold=st.integers(0, 50),
    edgeitems=st.integers(0, 4),
)
def test_hypothesis_exact_dtypes_summarised(arr, threshold, edgeitems):
    both_options(threshold=threshold, edgeitems=edgeitems)
    assert tensor_repr(arr, dtype_name(arr), "float32", []) == repr(to_torch(arr))


_complex_values = st.builds(complex, _float_values, _float_values)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=hnp.arrays(
        dtype=np.complex128,
        shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=6),
        elements=_complex_values,
    ),
    dtype=st.sampled_from(COMPLEX_DTYPES),
    threshold=st.sampled_from([1000, 4]),
)
def test_hypothesis_complex(values, dtype, threshold):
    arr = values.astype(dtype)
    both_options(threshold=threshold, edgeitems=1)
    assert tensor_repr(arr, dtype, "float32", []) == repr(to_torch(arr))


def test_threshold_inf_is_math_inf():
    both_options(profile="full")
    assert get_printoptions()["threshold"] == math.inf
