"""Random sampling against PyTorch: randperm, multinomial, bernoulli, poisson and the in-place fills.

chainrule draws from NumPy's generator, so the numbers differ from PyTorch's by design. What must
agree is everything else: which calls are accepted and which are refused (exception types, and the
messages where chainrule words them as PyTorch does), result dtypes, shapes, requires_grad and
grad_fn names, gradients (zero, or an error, as in PyTorch), version counters, warnings, and the
distributions themselves (checked by moments over many draws, and by the supports).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import api_oracle  # noqa: E402
from api_oracle import cases  # noqa: E402

MODS = pytest.mark.parametrize("mod", [chainrule, torch], ids=["chainrule", "torch"])


def _summary(x):
    """What a random result must share with PyTorch's: everything but its numbers."""
    if isinstance(x, (torch.Tensor, chainrule.Tensor)):
        fn = type(x.grad_fn).__name__ if x.grad_fn is not None else None
        return ("tensor", repr(x.dtype), tuple(x.shape), x.requires_grad, fn)
    if isinstance(x, tuple):
        return tuple(_summary(y) for y in x)
    return (type(x).__name__, x)


def assert_same(fn, message: bool = False) -> None:
    api_oracle.assert_same(lambda m: _summary(fn(m)), message)


# -- accepted and refused calls ------------------------------------------------------------------------

RANDPERM = {
    "n": lambda m: m.randperm(5),
    "zero": lambda m: m.randperm(0),
    "n_keyword": lambda m: m.randperm(n=3),
    "int_tensor_n": lambda m: m.randperm(m.tensor(4)),
    "numpy_int_n": lambda m: m.randperm(np.int64(3)),
    "float32": lambda m: m.randperm(5, dtype=m.float32),
    "float64_requires_grad": lambda m: m.randperm(5, dtype=m.float64, requires_grad=True),
    "float16_2049": lambda m: m.randperm(2049, dtype=m.float16),
    "int8": lambda m: m.randperm(5, dtype=m.int8),
    "uint8_256": lambda m: m.randperm(256, dtype=m.uint8),
    "int32": lambda m: m.randperm(7, dtype=m.int32),
    "generator_keyword": lambda m: m.randperm(3, generator=m.Generator()),
    "device_layout_pin_memory": lambda m: m.randperm(3, device="cpu", pin_memory=False),
    "generator_positional": lambda m: m.randperm(3, m.Generator()),
    "two_numbers": lambda m: m.randperm(3, 4),
    "no_n": lambda m: m.randperm(),
    "float_n": lambda m: m.randperm(5.0),
    "bool_n": lambda m: m.randperm(True),
    "negative": lambda m: m.randperm(-1),
    "int64_requires_grad": lambda m: m.randperm(5, requires_grad=True),
    "int8_overflow": lambda m: m.randperm(200, dtype=m.int8),
    "uint8_overflow": lambda m: m.randperm(257, dtype=m.uint8),
    "int16_overflow": lambda m: m.randperm(40000, dtype=m.int16),
    "float16_overflow": lambda m: m.randperm(2050, dtype=m.float16),
    "bool": lambda m: m.randperm(2, dtype=m.bool),
    "complex": lambda m: m.randperm(3, dtype=m.complex64),
    "generator_not_generator": lambda m: m.randperm(3, generator=3),
    "unknown_keyword": lambda m: m.randperm(3, bogus=1),
}

# Calls whose error message chainrule words exactly as PyTorch does.
RANDPERM_MESSAGES = ["negative", "int8_overflow", "uint8_overflow", "int16_overflow", "float16_overflow", "bool", "complex"]


P3 = [0.1, 0.0, 0.9]

MULTINOMIAL = {
    "1d": lambda m: m.multinomial(m.tensor(P3), 2),
    "1d_all_categories": lambda m: m.multinomial(m.tensor(P3), 3),
    "replacement_more_than_categories": lambda m: m.multinomial(m.tensor(P3), 7, True),
    "replacement_keyword": lambda m: m.multinomial(m.tensor(P3), 5, replacement=True),
    "keywords": lambda m: m.multinomial(input=m.tensor(P3), num_samples=2),
    "2d": lambda m: m.multinomial(m.rand(3, 4), 2),
    "2d_replacement": lambda m: m.multinomial(m.rand(3, 4), 6, True),
    "unnormalised": lambda m: m.multinomial(m.tensor([[3.0, 5.0], [10.0, 0.5]]), 1),
    "float64": lambda m: m.multinomial(m.tensor([1.0, 2.0], dtype=m.float64), 1),
    "float16": lambda m: m.multinomial(m.tensor([1.0, 2.0], dtype=m.float16), 1),
    "requires_grad_input": lambda m: m.multinomial(m.rand(2, 3, requires_grad=True), 2),
    "zero_rows": lambda m: m.multinomial(m.zeros(0, 3), 2),
    "int_tensor_num_samples": lambda m: m.multinomial(m.tensor(P3), m.tensor(1)),
    "generator": lambda m: m.multinomial(m.tensor(P3), 1, generator=m.Generator()),
    "method": lambda m: m.tensor(P3).multinomial(2),
    "method_keywords": lambda m: m.tensor(P3).multinomial(num_samples=4, replacement=True),
    "one_category": lambda m: m.multinomial(m.tensor([3.0]), 1),
    "3d": lambda m: m.multinomial(m.rand(2, 3, 4), 2),
    "0d": lambda m: m.multinomial(m.tensor(1.0), 1),
    "3d_int_dim_checked_first": lambda m: m.multinomial(m.zeros(2, 2, 2, dtype=m.int64), 1),
    "int_input": lambda m: m.multinomial(m.tensor([1, 2]), 1),
    "bool_input": lambda m: m.multinomial(m.tensor([True, False]), 1),
    "complex_input": lambda m: m.multinomial(m.tensor([1.0, 2.0], dtype=m.complex64), 1),
    "zero_samples": lambda m: m.multinomial(m.tensor(P3), 0),
    "negative_samples": lambda m: m.multinomial(m.tensor(P3), -1),
    "zero_samples_zero_rows": lambda m: m.multinomial(m.zeros(0, 3), 0),
    "too_many_without_replacement": lambda m: m.multinomial(m.tensor(P3), 4),
    "too_many_checked_before_values": lambda m: m.multinomial(m.tensor([-1.0, 1.0]), 3),
    "no_categories": lambda m: m.multinomial(m.zeros(0), 1),
    "no_categories_replacement": lambda m: m.multinomial(m.zeros(2, 0), 1, True),
    "negative_weight": lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1),
    "negative_weight_second_row": lambda m: m.multinomial(m.tensor([[1.0, 1.0], [-1.0, 1.0]]), 1),
    "inf_weight": lambda m: m.multinomial(m.tensor([1.0, math.inf]), 1),
    "nan_weight": lambda m: m.multinomial(m.tensor([1.0, math.nan]), 1),
    "all_zero": lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    "all_zero_replacement": lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1, True),
    "all_zero_second_row": lambda m: m.multinomial(m.tensor([[1.0, 0.0], [0.0, 0.0]]), 1, True),
    "float_num_samples": lambda m: m.multinomial(m.tensor(P3), 1.0),
    "bool_num_samples": lambda m: m.multinomial(m.tensor(P3), True),
    "list_input": lambda m: m.multinomial([0.1, 0.9], 1),
    "int_replacement": lambda m: m.multinomial(m.tensor(P3), 1, 1),
    "generator_positional": lambda m: m.multinomial(m.tensor(P3), 1, False, m.Generator()),
}
MULTINOMIAL_MESSAGES = [
    "3d", "0d", "3d_int_dim_checked_first", "int_input", "bool_input", "complex_input", "zero_samples",
    "negative_samples", "too_many_without_replacement", "too_many_checked_before_values", "no_categories",
    "no_categories_replacement", "negative_weight", "inf_weight", "nan_weight", "all_zero",
    "all_zero_replacement", "all_zero_second_row", "float_num_samples", "bool_num_samples", "list_input",
    "int_replacement",
]


BERNOULLI = {
    "probabilities": lambda m: m.bernoulli(m.tensor([0.2, 0.8])),
    "0d": lambda m: m.bernoulli(m.tensor(0.3)),
    "empty": lambda m: m.bernoulli(m.zeros(0)),
    "float64": lambda m: m.bernoulli(m.tensor([0.2, 0.8], dtype=m.float64)),
    "float16": lambda m: m.bernoulli(m.tensor([0.2, 0.8], dtype=m.float16)),
    "requires_grad": lambda m: m.bernoulli(m.tensor([0.2, 0.8], requires_grad=True)),
    "p": lambda m: m.bernoulli(m.tensor([0.2, 0.8]), 0.5),
    "p_keyword": lambda m: m.bernoulli(m.tensor([0.2, 0.8]), p=0.5),
    "p_int": lambda m: m.bernoulli(m.tensor([0.2, 0.8]), 1),
    "p_bool": lambda m: m.bernoulli(m.tensor([0.2, 0.8]), True),
    "p_0d_tensor": lambda m: m.bernoulli(m.tensor([0.2, 0.8]), m.tensor(0.5)),
    "p_on_int_input": lambda m: m.bernoulli(m.tensor([1, 0]), 0.5),
    "p_on_bool_input": lambda m: m.bernoulli(m.tensor([True, False]), 0.5),
    "p_requires_grad_input": lambda m: m.bernoulli(m.tensor([0.2, 0.8], requires_grad=True), 0.3),
    "generator": lambda m: m.bernoulli(m.tensor([0.5]), generator=m.Generator()),
    "method": lambda m: m.tensor([0.2, 0.8]).bernoulli(),
    "method_p": lambda m: m.tensor([0.2, 0.8]).bernoulli(0.3),
    "method_p_keyword": lambda m: m.tensor([0.2, 0.8]).bernoulli(p=0.3),
    "method_generator_positional": lambda m: m.tensor([0.2, 0.8]).bernoulli(0.5, m.Generator()),
    "generator_positional": lambda m: m.bernoulli(m.tensor([0.5]), m.Generator()),
    "p_1d_tensor": lambda m: m.bernoulli(m.rand(3), m.tensor([0.5, 0.5, 0.5])),
    "p_0d_tensor_requires_grad": lambda m: m.bernoulli(m.rand(3), m.tensor(0.5, requires_grad=True)),
    "p_str": lambda m: m.bernoulli(m.tensor([0.5]), "a"),
    "list_input": lambda m: m.bernoulli([0.5]),
    "p_above_one": lambda m: m.bernoulli(m.tensor([0.5]), 1.5),
    "p_below_zero": lambda m: m.bernoulli(m.tensor([0.5]), -0.5),
    "input_above_one": lambda m: m.bernoulli(m.tensor([1.5])),
    "input_below_zero": lambda m: m.bernoulli(m.tensor([-0.5])),
    "input_nan": lambda m: m.bernoulli(m.tensor([math.nan])),
    "int_input": lambda m: m.bernoulli(m.tensor([1, 0])),
    "bool_input": lambda m: m.bernoulli(m.tensor([True, False])),
    "complex_input": lambda m: m.bernoulli(m.tensor([0.5], dtype=m.complex64)),
    "complex_input_p": lambda m: m.bernoulli(m.tensor([0.5], dtype=m.complex64), 0.5),
}
BERNOULLI_MESSAGES = [
    "p_above_one", "p_below_zero", "input_above_one", "input_below_zero", "input_nan", "int_input",
    "bool_input", "complex_input", "complex_input_p", "list_input",
]


POISSON = {
    "rates": lambda m: m.poisson(m.tensor([1.0, 2.0])),
    "0d": lambda m: m.poisson(m.tensor(3.0)),
    "empty": lambda m: m.poisson(m.zeros(0)),
    "float64": lambda m: m.poisson(m.tensor([1.0, 2.0], dtype=m.float64)),
    "float16": lambda m: m.poisson(m.tensor([1.0, 2.0], dtype=m.float16)),
    "requires_grad": lambda m: m.poisson(m.tensor([1.0, 2.0], requires_grad=True)),
    "generator_positional": lambda m: m.poisson(m.tensor([1.0]), m.Generator()),
    "generator_keyword": lambda m: m.poisson(m.tensor([1.0]), generator=m.Generator()),
    "input_keyword": lambda m: m.poisson(input=m.tensor([1.0])),
    "three_arguments": lambda m: m.poisson(m.tensor([1.0]), None, None),
    "generator_not_generator": lambda m: m.poisson(m.tensor([1.0]), 3),
    "list_input": lambda m: m.poisson([1.0]),
    "negative_rate": lambda m: m.poisson(m.tensor([-1.0, 2.0])),
    "nan_rate": lambda m: m.poisson(m.tensor([math.nan])),
    "int_input": lambda m: m.poisson(m.tensor([1, 2])),
    "bool_input": lambda m: m.poisson(m.tensor([True])),
    "complex_input": lambda m: m.poisson(m.tensor([1.0], dtype=m.complex64)),
    "no_method": lambda m: m.tensor([1.0]).poisson(),
    "out": lambda m: m.poisson(m.tensor([1.0]), out=m.empty(1)),
}
POISSON_MESSAGES = ["negative_rate", "nan_rate", "int_input", "bool_input", "complex_input", "list_input"]


CALLS = {"randperm": RANDPERM, "multinomial": MULTINOMIAL, "bernoulli": BERNOULLI, "poisson": POISSON}
WITH_MESSAGES = {
    "randperm": RANDPERM_MESSAGES, "multinomial": MULTINOMIAL_MESSAGES, "bernoulli": BERNOULLI_MESSAGES,
    "poisson": POISSON_MESSAGES,
}


@pytest.mark.parametrize(
    "family, name", [pytest.param(f, n, id=f"{f}-{n}") for f, table in CALLS.items() for n in table]
)
def test_calls(family, name):
    """Accepted calls give PyTorch's dtype, shape, requires_grad and grad_fn; refused ones its
    exception type, and its message where chainrule words it the same."""
    assert_same(CALLS[family][name], message=name in WITH_MESSAGES[family])


def test_poisson_of_an_infinite_rate_is_int64_min_as_in_pytorch():
    rates = [math.inf, 0.0]
    assert chainrule.poisson(chainrule.tensor(rates)).tolist() == torch.poisson(torch.tensor(rates)).tolist()


# -- in-place fills ------------------------------------------------------------------------------------

DTYPES = ["float32", "float16", "float64", "complex64", "complex128", "int64", "int32", "int16", "int8", "uint8", "bool"]

FILLS = {
    "uniform_": lambda t: t.uniform_(),
    "uniform_2_5": lambda t: t.uniform_(2, 5),
    "normal_": lambda t: t.normal_(),
    "normal_1_2": lambda t: t.normal_(1, 2),
    "bernoulli_": lambda t: t.bernoulli_(),
    "bernoulli_p": lambda t: t.bernoulli_(0.3),
    "random_": lambda t: t.random_(),
    "random_to": lambda t: t.random_(5),
    "random_from_to": lambda t: t.random_(2, 5),
    "random_negative_from": lambda t: t.random_(-3, 5),
    "random_from_none": lambda t: t.random_(1, None),
    "exponential_": lambda t: t.exponential_(),
    "geometric_": lambda t: t.geometric_(0.5),
    "cauchy_": lambda t: t.cauchy_(),
    "log_normal_": lambda t: t.log_normal_(),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fill", cases(FILLS))
def test_fills_by_dtype(fill, dtype):
    """Which dtypes each fill takes (the result keeps the dtype, and is ``self``), and PyTorch's
    error, message included, for those it refuses."""

    def run(m):
        t = m.zeros(4, dtype=getattr(m, dtype))
        out = fill(t)
        return out is t, out

    assert_same(run, message=True)


FILL_ARGS = {
    "uniform_from_above_to": lambda m: m.zeros(3).uniform_(5, 2),
    "uniform_empty_range": lambda m: m.zeros(3).uniform_(2, 2),
    "uniform_infinite_from": lambda m: m.zeros(3).uniform_(-math.inf, 0),
    "uniform_nan_from": lambda m: m.zeros(3).uniform_(math.nan, 0),
    "uniform_range_overflows": lambda m: m.zeros(3).uniform_(-3e38, 3e38),
    "uniform_range_overflows_float64": lambda m: m.zeros(3, dtype=m.float64).uniform_(-1.7e308, 1.7e308),
    "uniform_to_beyond_float16": lambda m: m.zeros(3, dtype=m.float16).uniform_(0, 1e5),
    "uniform_to_infinite_float64": lambda m: m.zeros(3, dtype=m.float64).uniform_(0, math.inf),
    "uniform_complex_bounds": lambda m: m.zeros(3, dtype=m.complex64).uniform_(0, 1e39),
    "uniform_from_to_keywords": lambda m: m.zeros(3).uniform_(**{"from": 1, "to": 2}),
    "uniform_a_b_keywords": lambda m: m.zeros(3).uniform_(a=1, b=2),
    "uniform_0d_tensors": lambda m: m.zeros(3).uniform_(m.tensor(1.0), m.tensor(2.0)),
    "uniform_tensor_requiring_grad": lambda m: m.zeros(3).uniform_(m.tensor(0.0, requires_grad=True), 1),
    "uniform_1d_tensor": lambda m: m.zeros(3).uniform_(m.tensor([0.0]), 1),
    "uniform_numpy_float": lambda m: m.zeros(3).uniform_(np.float32(0.5), 1),
    "uniform_str": lambda m: m.zeros(3).uniform_("a"),
    "uniform_three_positional": lambda m: m.zeros(3).uniform_(0, 1, None),
    "uniform_generator": lambda m: m.zeros(3).uniform_(0, 1, generator=m.Generator()),
    "normal_negative_std": lambda m: m.zeros(3).normal_(0, -1),
    "normal_zero_std": lambda m: m.zeros(3).normal_(3, 0),
    "normal_nan_std": lambda m: m.zeros(3).normal_(3, math.nan),
    "normal_keywords": lambda m: m.zeros(3).normal_(mean=1, std=2),
    "normal_complex_mean": lambda m: m.zeros(3, dtype=m.complex64).normal_(1 + 1j, 2),
    "normal_negative_std_int": lambda m: m.zeros(3, dtype=m.int64).normal_(0, -1),
    "normal_generator": lambda m: m.zeros(3).normal_(generator=m.Generator()),
    "exponential_zero": lambda m: m.zeros(3).exponential_(0),
    "exponential_negative": lambda m: m.zeros(3).exponential_(-1),
    "exponential_nan": lambda m: m.zeros(3).exponential_(math.nan),
    "exponential_infinite": lambda m: m.zeros(3).exponential_(math.inf),
    "exponential_keyword": lambda m: m.zeros(3).exponential_(lambd=2),
    "exponential_int_lambd": lambda m: m.zeros(3).exponential_(2),
    "exponential_str": lambda m: m.zeros(3).exponential_("a"),
    "exponential_bad_lambd_int": lambda m: m.zeros(3, dtype=m.int64).exponential_(-1),
    "geometric_zero": lambda m: m.zeros(3).geometric_(0),
    "geometric_one": lambda m: m.zeros(3).geometric_(1),
    "geometric_above_one": lambda m: m.zeros(3).geometric_(1.5),
    "geometric_no_p": lambda m: m.zeros(3).geometric_(),
    "geometric_keyword": lambda m: m.zeros(3).geometric_(p=0.3),
    "geometric_str": lambda m: m.zeros(3).geometric_("a"),
    "geometric_bool_bad_p": lambda m: m.zeros(3, dtype=m.bool).geometric_(2),
    "cauchy_zero_sigma": lambda m: m.zeros(3).cauchy_(0, 0),
    "cauchy_negative_sigma": lambda m: m.zeros(3).cauchy_(0, -1),
    "cauchy_keywords": lambda m: m.zeros(3).cauchy_(median=1, sigma=2),
    "cauchy_bad_sigma_int": lambda m: m.zeros(3, dtype=m.int64).cauchy_(0, -1),
    "log_normal_zero_std": lambda m: m.zeros(3).log_normal_(1, 0),
    "log_normal_negative_std": lambda m: m.zeros(3).log_normal_(1, -1),
    "log_normal_keywords": lambda m: m.zeros(3).log_normal_(mean=1, std=2),
    "log_normal_bad_std_int": lambda m: m.zeros(3, dtype=m.int64).log_normal_(1, -1),
    "random_zero": lambda m: m.zeros(3).random_(0),
    "random_negative_to": lambda m: m.zeros(3).random_(-1),
    "random_from_equals_to": lambda m: m.zeros(3).random_(5, 5),
    "random_from_above_to": lambda m: m.zeros(3).random_(5, 2),
    "random_to_keyword": lambda m: m.zeros(3, dtype=m.int8).random_(to=7),
    "random_from_to_keywords": lambda m: m.zeros(3, dtype=m.int8).random_(**{"from": 5, "to": None}),
    "random_float_argument": lambda m: m.zeros(3).random_(1.5),
    "random_float_to": lambda m: m.zeros(3).random_(0, 1.5),
    "random_0d_int_tensor": lambda m: m.zeros(3).random_(m.tensor(3)),
    "random_int64_full_range": lambda m: m.zeros(3, dtype=m.int64).random_(-(2**63), 2**63 - 1),
    "random_beyond_int64": lambda m: m.zeros(3, dtype=m.int64).random_(0, 2**63),
    "random_uint8_to_256": lambda m: m.zeros(3, dtype=m.uint8).random_(0, 256),
    "random_uint8_to_257": lambda m: m.zeros(3, dtype=m.uint8).random_(0, 257),
    "random_int16_to_out_of_bounds": lambda m: m.zeros(3, dtype=m.int16).random_(0, 2**20),
    "random_int16_from_out_of_bounds": lambda m: m.zeros(3, dtype=m.int16).random_(-(2**20), 0),
    "random_bool_0_2": lambda m: m.zeros(3, dtype=m.bool).random_(0, 2),
    "random_float16_beyond_range": lambda m: m.zeros(3, dtype=m.float16).random_(0, 70000),
    "random_float32_wide": lambda m: m.zeros(3).random_(0, 2**25),
    "random_generator": lambda m: m.zeros(3).random_(generator=m.Generator()),
    "random_generator_positional": lambda m: m.zeros(3).random_(0, 3, m.Generator()),
    "bernoulli_p_above_one": lambda m: m.zeros(3).bernoulli_(1.5),
    "bernoulli_p_below_zero": lambda m: m.zeros(3).bernoulli_(-0.5),
    "bernoulli_p_nan": lambda m: m.zeros(3).bernoulli_(math.nan),
    "bernoulli_p_int": lambda m: m.zeros(3).bernoulli_(1),
    "bernoulli_p_str": lambda m: m.zeros(3).bernoulli_("a"),
    "bernoulli_p_keyword": lambda m: m.zeros(3).bernoulli_(p=0.2, generator=None),
    "bernoulli_generator_positional": lambda m: m.zeros(3).bernoulli_(0.5, m.Generator()),
    "bernoulli_p_tensor": lambda m: m.zeros(3).bernoulli_(m.tensor([0.1, 0.2, 0.3])),
    "bernoulli_p_0d_tensor": lambda m: m.zeros(3).bernoulli_(m.tensor(0.5)),
    "bernoulli_p_tensor_broadcast": lambda m: m.zeros(2, 3).bernoulli_(m.tensor([0.1, 0.2, 0.3])),
    "bernoulli_p_tensor_float64": lambda m: m.zeros(3).bernoulli_(m.rand(3, dtype=m.float64)),
    "bernoulli_p_tensor_into_int": lambda m: m.zeros(3, dtype=m.int64).bernoulli_(m.rand(3)),
    "bernoulli_p_tensor_into_bool": lambda m: m.zeros(3, dtype=m.bool).bernoulli_(m.rand(3)),
    "bernoulli_p_tensor_into_complex": lambda m: m.zeros(3, dtype=m.complex64).bernoulli_(m.rand(3)),
    "bernoulli_p_tensor_wrong_shape": lambda m: m.zeros(3).bernoulli_(m.tensor([0.1, 0.2])),
    "bernoulli_p_tensor_more_dims": lambda m: m.zeros(3).bernoulli_(m.rand(2, 3)),
    "bernoulli_p_int_tensor": lambda m: m.zeros(3).bernoulli_(m.tensor([1, 0, 1])),
    "bernoulli_p_bool_tensor": lambda m: m.zeros(3).bernoulli_(m.tensor([True, False, True])),
    "bernoulli_p_tensor_above_one": lambda m: m.zeros(3).bernoulli_(m.tensor([1.5, 0.0, 1.0])),
    "bernoulli_p_tensor_empty": lambda m: m.zeros(0).bernoulli_(m.rand(0)),
    "bernoulli_p_0d_int_tensor": lambda m: m.zeros(3).bernoulli_(m.tensor(1)),
    "bernoulli_p_0d_tensor_above_one": lambda m: m.zeros(3).bernoulli_(m.tensor(1.5)),
    "bernoulli_complex_bad_p": lambda m: m.zeros(3, dtype=m.complex64).bernoulli_(2),
}
FILL_ARGS_NO_MESSAGE = {  # PyTorch's parser words these its own way; the exception type is checked
    "uniform_a_b_keywords", "uniform_tensor_requiring_grad", "uniform_1d_tensor", "uniform_three_positional",
    "normal_complex_mean", "geometric_no_p", "random_float_argument", "random_float_to",
    "random_generator_positional", "bernoulli_p_str", "bernoulli_generator_positional",
    "bernoulli_p_tensor_more_dims",
}


@pytest.mark.parametrize("name", list(FILL_ARGS))
def test_fill_arguments(name):
    assert_same(FILL_ARGS[name], message=name not in FILL_ARGS_NO_MESSAGE)


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda m: m.zeros(3).random_(0, 2**25), "to - 1 is out of bounds [-(2^24), 2^24]"),
        (lambda m: m.zeros(3).random_(-(2**25), 0), "from is out of bounds [-(2^24), 2^24]"),
        (lambda m: m.zeros(3, dtype=m.float16).random_(0, 2**12), "to - 1 is out of bounds [-(2^11), 2^11]"),
    ],
)
def test_random_beyond_exact_integers_warns_as_pytorch(call, expected):
    for m in (torch, chainrule):
        with pytest.warns(UserWarning, match=expected.replace("(", r"\(").replace(")", r"\)")
                          .replace("[", r"\[").replace("]", r"\]").replace("^", r"\^")):
            call(m)


# -- in-place rules: versions, leaves, views, graphs --------------------------------------------------

INPLACE = {
    "uniform_": lambda t: t.uniform_(),
    "random_no_bounds": lambda t: t.random_(),
    "random_to": lambda t: t.random_(5),
    "random_from_none": lambda t: t.random_(1, None),
    "normal_": lambda t: t.normal_(),
    "bernoulli_": lambda t: t.bernoulli_(),
    "bernoulli_p_tensor": lambda t: t.bernoulli_(t.detach() * 0 + 0.5),
    "random_": lambda t: t.random_(0, 4),
    "exponential_": lambda t: t.exponential_(),
    "geometric_": lambda t: t.geometric_(0.5),
    "cauchy_": lambda t: t.cauchy_(),
    "log_normal_": lambda t: t.log_normal_(),
}


@pytest.mark.parametrize("fill", cases(INPLACE))
def test_fills_bump_the_version_once(fill):
    def run(m):
        t = m.zeros(4)
        before = t._version
        fill(t)
        empty = m.zeros(0)
        fill(empty)
        return t._version - before, empty._version

    assert run(chainrule) == run(torch) == (1, 1)


@pytest.mark.parametrize("fill", cases(INPLACE))
def test_fills_refuse_a_leaf_that_requires_grad(fill):
    assert_same(lambda m: fill(m.zeros(3, requires_grad=True)), message=True)
    assert_same(lambda m: fill(m.zeros(3, requires_grad=True)[:2]), message=True)


@pytest.mark.parametrize("fill", cases(INPLACE))
def test_fills_on_a_leaf_under_no_grad(fill):
    def run(m):
        t = m.zeros(3, requires_grad=True)
        with m.no_grad():
            out = fill(t)
        return out is t, t

    assert_same(run)


@pytest.mark.parametrize("fill", cases(INPLACE))
def test_fills_write_through_a_view(fill):
    def run(m):
        base = m.zeros(2, 4)
        view = base[:, 1:3]
        fill(view)
        kept = (base[:, 0] == 0).all().item() and (base[:, 3] == 0).all().item()
        return kept, (view == base[:, 1:3]).all().item(), view._version, base._version

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("fill", cases(INPLACE))
def test_fills_refuse_expanded_tensors(fill):
    assert_same(lambda m: fill(m.zeros(1).expand(3)), message=True)


@pytest.mark.parametrize("fill", cases(INPLACE))
def test_fill_of_a_non_leaf_records_a_zero_gradient(fill):
    """The result of a fill on a tensor in the graph has PyTorch's grad_fn, and its gradient
    (with a random cotangent) is zero, as PyTorch's."""
    rng = np.random.default_rng(0)
    cotangent = rng.standard_normal(3)

    def run(m):
        a = m.rand(3, requires_grad=True)
        out = fill(a * 1)
        out.backward(m.tensor(cotangent, dtype=m.float32))
        return type(out.grad_fn).__name__, out.requires_grad, a.grad.tolist()

    assert run(chainrule) == run(torch)


def test_bernoulli_fill_gradient_reaches_a_tensor_p_as_zero():
    def run(m):
        self_ = m.rand(2, 3, requires_grad=True)
        p = m.rand(3, dtype=m.float64, requires_grad=True)
        out = (self_ * 1).bernoulli_(p)
        out.backward(m.ones(2, 3))
        return type(out.grad_fn).__name__, self_.grad.tolist(), p.grad.tolist(), repr(p.grad.dtype)

    assert run(chainrule) == run(torch)


GRADIENTS = {
    "bernoulli": lambda m, a: m.bernoulli(a),
    "bernoulli_p": lambda m, a: m.bernoulli(a, 0.5),
    "poisson": lambda m, a: m.poisson(a),
    "multinomial": lambda m, a: m.multinomial(a, 2).float().requires_grad,
}


@pytest.mark.parametrize("fn", cases(GRADIENTS))
def test_gradients_through_draws(fn):
    """bernoulli and poisson pass back zero; bernoulli with a number p has no derivative;
    multinomial's integer result is outside the graph."""

    def run(m):
        a = m.rand(3, requires_grad=True)
        out = fn(m, a)
        if not isinstance(out, (m.Tensor,)):
            return out
        out.backward(m.tensor([0.5, -1.0, 2.0]))
        return a.grad.tolist()

    assert_same(run, message=True)


# -- reproducibility -----------------------------------------------------------------------------------

DRAWS = {
    "randperm": lambda m, g: m.randperm(10, generator=g),
    "multinomial": lambda m, g: m.multinomial(m.ones(2, 6), 3, generator=g),
    "multinomial_replacement": lambda m, g: m.multinomial(m.ones(6), 8, True, generator=g),
    "bernoulli": lambda m, g: m.bernoulli(m.full((8,), 0.5), generator=g),
    "poisson": lambda m, g: m.poisson(m.full((8,), 4.0), g),
    "uniform_": lambda m, g: m.zeros(6).uniform_(generator=g),
    "normal_": lambda m, g: m.zeros(6).normal_(generator=g),
    "bernoulli_": lambda m, g: m.zeros(8).bernoulli_(generator=g),
    "random_": lambda m, g: m.zeros(6).random_(0, 1000, generator=g),
    "exponential_": lambda m, g: m.zeros(6).exponential_(generator=g),
    "geometric_": lambda m, g: m.zeros(6).geometric_(0.2, generator=g),
    "cauchy_": lambda m, g: m.zeros(6).cauchy_(generator=g),
    "log_normal_": lambda m, g: m.zeros(6).log_normal_(generator=g),
}


@MODS
@pytest.mark.parametrize("draw", cases(DRAWS))
def test_manual_seed_makes_draws_reproducible(draw, mod):
    mod.manual_seed(1234)
    first, second = draw(mod, None).tolist(), draw(mod, None).tolist()
    mod.manual_seed(1234)
    assert draw(mod, None).tolist() == first
    assert draw(mod, None).tolist() == second
    assert first != second


@MODS
@pytest.mark.parametrize("draw", cases(DRAWS))
def test_generators_are_reproducible_and_leave_the_default_alone(draw, mod):
    mod.manual_seed(7)
    expected_default = mod.rand(3).tolist()
    mod.manual_seed(7)
    g = mod.Generator().manual_seed(99)
    first = draw(mod, g).tolist()
    assert mod.rand(3).tolist() == expected_default
    assert draw(mod, mod.Generator().manual_seed(99)).tolist() == first
    state = g.get_state()
    later = draw(mod, g).tolist()
    g.set_state(state)
    assert draw(mod, g).tolist() == later


# -- distributions ---------------------------------------------------------------------------------------

N = 200_000


def _moments(x) -> tuple[float, float]:
    a = np.asarray(x.tolist(), dtype=np.float64)
    return a.mean(), a.var()


@pytest.mark.parametrize(
    "fill, mean, var, support",
    [
        (lambda t: t.uniform_(2, 5), 3.5, 9 / 12, (2, 5)),
        (lambda t: t.normal_(1, 2), 1.0, 4.0, None),
        (lambda t: t.bernoulli_(0.3), 0.3, 0.21, (0, 1)),
        (lambda t: t.random_(2, 6), 3.5, (4**2 - 1) / 12, (2, 5)),
        (lambda t: t.random_(), 2**52, (2**53 + 1) ** 2 / 12, (0, 2**53)),  # float64: every integer up to 2**53
        (lambda t: t.exponential_(4), 0.25, 1 / 16, (0, math.inf)),
        (lambda t: t.geometric_(0.25), 4.0, 0.75 / 0.25**2, (1, math.inf)),
        (lambda t: t.log_normal_(0.5, 0.25), math.exp(0.5 + 0.25**2 / 2),
         (math.exp(0.25**2) - 1) * math.exp(1 + 0.25**2), (0, math.inf)),
    ],
    ids=["uniform_", "normal_", "bernoulli_", "random_from_to", "random_", "exponential_", "geometric_",
         "log_normal_"],
)
@MODS
def test_fill_distributions(fill, mean, var, support, mod):
    """Both libraries' draws have the distribution's mean and variance (within 5 standard errors)."""
    mod.manual_seed(0)
    x = fill(mod.zeros(N, dtype=mod.float64))
    m, v = _moments(x)
    assert abs(m - mean) < 5 * math.sqrt(var / N)
    assert abs(v - var) < 0.05 * var
    if support is not None:
        a = x.numpy()
        assert a.min() >= support[0] and a.max() <= support[1]


@MODS
def test_cauchy_quartiles(mod):
    """Cauchy has no mean: its median and quartiles are median and median -/+ sigma."""
    mod.manual_seed(0)
    a = mod.zeros(N, dtype=mod.float64).cauchy_(1.0, 2.0).numpy()
    q1, q2, q3 = np.quantile(a, [0.25, 0.5, 0.75])
    assert abs(q2 - 1.0) < 0.05 and abs(q1 - -1.0) < 0.05 and abs(q3 - 3.0) < 0.05


@MODS
def test_integer_fills_stay_in_range(mod):
    mod.manual_seed(0)
    for dtype, lo, hi in [("int8", 0, 127), ("uint8", 0, 255), ("bool", 0, 1)]:
        a = mod.zeros(20_000, dtype=getattr(mod, dtype)).random_().numpy().astype(np.int64)
        assert a.min() == lo and a.max() == hi
    a = mod.zeros(20_000, dtype=mod.int32).random_().numpy()
    assert a.min() >= 0 and a.max() > 2**30  # [0, 2**31 - 1]
    a = mod.zeros(20_000, dtype=mod.int8).random_(-3, None).numpy()
    assert a.min() == -3 and a.max() == 127


@MODS
def test_complex_fills_split_between_parts(mod):
    mod.manual_seed(0)
    z = mod.zeros(N, dtype=mod.complex128).normal_(1.0, 2.0).numpy()
    for part in (z.real, z.imag):  # the mean in both parts; variance std**2 / 2 in each
        assert abs(part.mean() - 1.0) < 0.02 and abs(part.var() - 2.0) < 0.05
    u = mod.zeros(N, dtype=mod.complex64).uniform_(1.0, 2.0).numpy()
    for part in (u.real, u.imag):
        assert part.min() >= 1.0 and part.max() <= 2.0 and abs(part.mean() - 1.5) < 0.01


@MODS
def test_bernoulli_and_poisson_follow_their_rates(mod):
    mod.manual_seed(0)
    p = mod.tensor([0.0, 0.1, 0.5, 0.9, 1.0], dtype=mod.float64).repeat(40_000, 1)
    freq = mod.bernoulli(p).numpy().mean(axis=0)
    assert np.abs(freq - [0.0, 0.1, 0.5, 0.9, 1.0]).max() < 0.01
    assert freq[0] == 0.0 and freq[-1] == 1.0
    rates = mod.tensor([0.0, 0.5, 3.0, 40.0], dtype=mod.float64).repeat(40_000, 1)
    counts = mod.poisson(rates).numpy()
    assert np.abs(counts.mean(axis=0) - [0.0, 0.5, 3.0, 40.0]).max() < 0.1
    assert np.abs(counts.var(axis=0) - [0.0, 0.5, 3.0, 40.0]).max() < 1.0
    assert (counts == np.round(counts)).all() and counts.min() >= 0


@MODS
def test_randperm_is_a_permutation(mod):
    mod.manual_seed(0)
    for n in (0, 1, 2, 17, 1000):
        assert sorted(mod.randperm(n).tolist()) == list(range(n))
    firsts = np.array([mod.randperm(4)[0].item() for _ in range(4000)])
    assert np.abs(np.bincount(firsts, minlength=4) / 4000 - 0.25).max() < 0.04


@MODS
def test_multinomial_with_replacement_matches_the_weights(mod):
    mod.manual_seed(0)
    weights = mod.tensor([[1.0, 0.0, 3.0, 6.0], [0.0, 0.0, 0.0, 2.0]])  # unnormalised
    draws = mod.multinomial(weights, 100_000, replacement=True).numpy()
    freq = np.stack([np.bincount(row, minlength=4) / row.size for row in draws])
    assert np.abs(freq[0] - [0.1, 0.0, 0.3, 0.6]).max() < 0.01
    assert freq[0][1] == 0.0 and (draws[1] == 3).all()


@MODS
def test_multinomial_without_replacement(mod):
    """Distinct indices, zero weights never drawn while positive weights remain, and the first
    draw's frequencies follow the weights."""
    mod.manual_seed(0)
    weights = mod.tensor([0.5, 0.0, 2.0, 1.0, 0.0, 0.5])
    for _ in range(200):
        row = mod.multinomial(weights, 4).tolist()
        assert len(set(row)) == 4 and 1 not in row and 4 not in row
    rows = mod.multinomial(weights.repeat(3, 1), 6).tolist()
    for row in rows:
        assert sorted(row) == list(range(6)) and set(row[4:]) == {1, 4}
    firsts = mod.multinomial(weights.repeat(40_000, 1), 2)[:, 0].numpy()
    assert np.abs(np.bincount(firsts, minlength=6) / firsts.size - np.array([0.5, 0, 2, 1, 0, 0.5]) / 4).max() < 0.01


@MODS
def test_multinomial_second_draw_follows_sequential_sampling(mod):
    """P(second = j | first = i) = w_j / (1 - w_i): the draws are sequential, not independent."""
    mod.manual_seed(0)
    w = [0.7, 0.2, 0.1]
    draws = mod.multinomial(mod.tensor(w, dtype=mod.float64).repeat(60_000, 1), 2).numpy()
    second_given_0 = draws[draws[:, 0] == 0][:, 1]
    assert abs((second_given_0 == 1).mean() - 0.2 / 0.3) < 0.02


# -- transforms ------------------------------------------------------------------------------------------

TRANSFORMED = {
    "uniform_": lambda m, x: (x * 1).uniform_(),
    "normal_": lambda m, x: (x * 1).normal_(),
    "bernoulli": lambda m, x: m.bernoulli(x.clamp(0, 1)),
    "bernoulli_p_tensor": lambda m, x: (x * 1).bernoulli_(x.clamp(0, 1)),
    "poisson": lambda m, x: m.poisson(x.abs()),
    "exponential_": lambda m, x: (x * 1).exponential_(),
}


@pytest.mark.parametrize("fn", cases(TRANSFORMED))
def test_forward_mode_tangent_of_a_draw_is_zero(fn):
    def run(m):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            y = fn(m, fwAD.make_dual(m.rand(3), m.tensor([1.0, -2.0, 0.5])))
            return fwAD.unpack_dual(y).tangent.tolist()

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("fn", cases({**TRANSFORMED, "multinomial": lambda m, x: m.multinomial(x, 2)}))
def test_vmap_randomness_modes(fn):
    """vmap refuses a draw by default; with randomness='different' each sample draws its own."""

    def run(m):
        batch = m.full((3, 4), 0.5)
        refused = _outcome_of(lambda: m.func.vmap(lambda x: fn(m, x))(batch))
        r = m.func.vmap(lambda x: fn(m, x), randomness="different")(batch)
        return refused, tuple(r.shape), repr(r.dtype), not (r[0] == r[1]).all().item() or not (r[1] == r[2]).all().item()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # chainrule may say it loops over the samples
        chainrule.manual_seed(0)
        torch.manual_seed(0)
        assert run(chainrule) == run(torch)


def _outcome_of(call):
    try:
        call()
    except RuntimeError as e:
        return str(e).split(".")[0]
    return "no error"
