"""Registry entries for the elementwise ops (see opinfo.py for the conventions)."""

from __future__ import annotations

import numpy as np

from opinfo import (  # noqa: F401
    ERRORS,
    NC,
    SPECIAL_VALUES,
    Const,
    ErrorCase,
    OpInfo,
    Sample,
    _fix_remainder,
    _inplace,
    _inplace_on_view,
    _leaf,
    _remainder_samples,
    _special_pair,
    _unary,
    binary_int_samples,
    binary_samples,
    register,
    unary_int_samples,
    unary_samples,
)

_ZERO_GRAD = {
    "gradcheck": "piecewise constant: its zero derivative is compared with torch's instead",
    "gradgradcheck": "piecewise constant: its zero derivative is compared with torch's instead",
}

# == more unary math ==========================================================================

register(
    _unary("sgn", ("_sgn",), avoid=(0.0,), kinks=[0.0, -1.0, 1.0]),
    _unary("exp2", ("_exp2",), torch_gradgrad=True),
    _unary("expm1", ("_expm1",), kinks=[0.0, 1e-10, -30.0], torch_gradgrad=True),
    _unary("log2", ("_log2",), domain=(0.2, 3.0), kinks=[0.0, -1.0, 1.0]),
    _unary("log10", ("_log10",), domain=(0.2, 3.0), kinks=[0.0, -1.0, 1.0]),
    _unary("log1p", ("_log1p",), domain=(-0.7, 2.0), kinks=[-1.0, -2.0, 0.0, 1e-10], torch_gradgrad=True),
    _unary("rsqrt", ("_rsqrt",), domain=(0.3, 3.0), kinks=[0.0, 1.0, -1.0], torch_gradgrad=True),
    _unary("square", ("_pow_scalar",), torch_gradgrad=True),
    _unary("reciprocal", ("_reciprocal",), domain=(0.5, 2.0), kinks=[0.0, -0.0, -2.0], torch_gradgrad=True),
    _unary("tan", ("_tan",), domain=(-1.2, 1.2), torch_gradgrad=True),
    _unary("asin", ("_asin", "_rsqrt"), domain=(-0.9, 0.9), kinks=[1.0, -1.0, 0.0, 1.5]),
    _unary("acos", ("_acos", "_rsqrt"), domain=(-0.9, 0.9), kinks=[1.0, -1.0, 0.0, 1.5]),
    _unary("atan", ("_atan",), torch_gradgrad=True),
    _unary("sinh", ("_sinh", "_cosh")),
    _unary("cosh", ("_cosh", "_sinh"), kinks=[0.0, 800.0]),
    _unary("asinh", ("_asinh", "_rsqrt")),
    _unary("acosh", ("_acosh", "_rsqrt"), domain=(1.2, 3.0), kinks=[1.0, 0.5, 2.0]),
    _unary("atanh", ("_atanh",), domain=(-0.9, 0.9), kinks=[1.0, -1.0, 0.0, 1.5], torch_gradgrad=True),
    _unary("erf", ("_erf", "_exp"), kinks=[0.0, 6.0, -30.0], torch_gradgrad=True),
    _unary("erfc", ("_erfc", "_exp"), kinks=[0.0, 6.0, 27.0, -30.0]),
    _unary("erfinv", ("_erfinv", "_exp"), domain=(-0.9, 0.9), kinks=[1.0, -1.0, 0.0, 0.999999, -1e-12, 1.5],
           torch_gradgrad=True),
    # The poles of lgamma and digamma are kept away from: near them central differences fail.
    _unary("lgamma", ("_lgamma", "_digamma"), domain=(0.3, 4.0), kinks=[0.0, -1.0, -2.5, -0.5, 1.0, 2.0, 170.5, 1e6]),
    _unary("deg2rad", ("_deg2rad",)),
    _unary("rad2deg", ("_rad2deg",)),
    _unary("floor", ("_floor",), avoid=(-2.0, -1.0, 0.0, 1.0, 2.0), kinks=[0.0, 1.0, -1.0, 2.5, -2.5], skips=_ZERO_GRAD),
    _unary("ceil", ("_ceil",), avoid=(-2.0, -1.0, 0.0, 1.0, 2.0), kinks=[0.0, 1.0, -1.0, 2.5, -2.5], skips=_ZERO_GRAD),
    _unary("round", ("_round",), avoid=(-1.5, -0.5, 0.5, 1.5), kinks=[0.5, 1.5, 2.5, -0.5, -2.5, 0.0],
           skips=_ZERO_GRAD),
    _unary("frac", ("_frac",), avoid=(-2.0, -1.0, 0.0, 1.0, 2.0), kinks=[0.0, 1.0, -1.0, 2.5, -2.5]),
    _unary("nan_to_num", ("_nan_to_num", "_where")),
)

for _name, _prims, _dom in (("arcsin", ("_asin",), (-0.9, 0.9)), ("arccos", ("_acos",), (-0.9, 0.9)),
                            ("arctan", ("_atan",), (-2, 2)), ("arcsinh", ("_asinh",), (-2, 2)),
                            ("arccosh", ("_acosh",), (1.2, 3.0)), ("arctanh", ("_atanh",), (-0.9, 0.9))):
    register(OpInfo(_name, (lambda n: lambda mod, a: getattr(mod, n)(a))(_name), lambda make: unary_samples(make)[:3],
                    covers=(_name,), prims=_prims, domain=_dom))


def _logit_samples(make):
    out = unary_samples(make)
    out += [
        Sample((make((2, 3)),), {"eps": 0.1}, desc="eps inside"),
        Sample((make((2, 3), -0.5, 1.5),), {"eps": 0.25}, desc="eps clamps", gradcheck=False),
        Sample((make.float([0.0, 0.05, 0.1, 0.5, 0.9, 1.0, -1.0, 2.0]),), {"eps": 0.1}, desc="at eps bounds",
               gradcheck=False),
        Sample((make.float([0.0, 1.0, -1.0, 2.0, 0.5]),), desc="outside [0, 1]", gradcheck=False),
        Sample((make((3,)), 1e-6), desc="positional eps"),
    ]
    return out


def _round_decimals_samples(make):
    out = []
    for d in (1, 2, -1, 0):
        out += [
            Sample((make((2, 3), -300, 300),), {"decimals": d}, desc=f"decimals={d}", gradcheck=False),
            Sample((make.float([0.125, 0.135, 2.675, 1.005, -0.5, 15.0, 25.0, np.nan, np.inf]),), {"decimals": d},
                   desc=f"halves, decimals={d}", gradcheck=False),
        ]
    out.append(Sample((make(()),), {"decimals": 3}, desc="0-d", gradcheck=False))
    out.append(Sample((make((40,), -50, 50, dtype="float16"),), {"decimals": 1}, desc="float16 (computed in float32)",
                      gradcheck=False))
    out.append(Sample((NC(make((3, 2))),), {"decimals": 1}, desc="non-contiguous", gradcheck=False))
    return out


def _nan_to_num_samples(make):
    special = make.float(SPECIAL_VALUES + [2.5])
    return unary_samples(make)[:4] + [
        Sample((special,), {"nan": 1.5}, desc="nan=", gradcheck=False),
        Sample((special, 0.5, 100.0, -100.0), desc="all positional", gradcheck=False),
        Sample((special,), {"posinf": 7.0}, desc="posinf=", gradcheck=False),
        Sample((special,), {"neginf": -7.0}, desc="neginf=", gradcheck=False),
    ]


def _digamma_samples(make):
    # Not at the negative integers: there torch's float32 trigamma (the gradient) is rounding noise.
    return unary_samples(make) + [
        Sample((make.float([0.0, -0.0, -2.5, -0.5, 1.0, 1e-8, 1e6, np.nan, np.inf, -np.inf]),), desc="poles and far",
               gradcheck=False),
    ]


def _polygamma_samples(make):
    return [
        Sample((1, make((2, 3), 0.3, 4.0)), desc="n=1"),
        Sample((2, make((3,), 0.3, 4.0)), desc="n=2"),
        Sample((3, make((), 0.3, 4.0)), desc="n=3, 0-d"),
        Sample((0, make((3,), 0.3, 4.0)), desc="n=0 is digamma"),
        Sample((1, NC(make((3, 2), 0.5, 3.0))), desc="non-contiguous"),
        Sample((1, make((0, 2), 0.5, 3.0)), desc="empty"),
        Sample((1, make.float([1e-8, 20.0, 1e4, 0.5, 0.0, -1.5, np.nan])), desc="far and near 0", gradcheck=False),
        Sample((2, make.float([1e-3, 20.0, 1e4, -1.5, -0.5, -20.25])), desc="n=2 far and negative", gradcheck=False),
        Sample((3, make.float([0.0, -0.0, -1.0, -3.0, -0.75, np.inf, -np.inf, np.nan])), desc="n=3 poles",
               gradcheck=False),
    ]


register(
    OpInfo("logit", lambda mod, a, *e, **k: mod.logit(a, *e, **k), _logit_samples, covers=("logit",), prims=("_logit",),
           domain=(0.05, 0.95), int_samples=unary_int_samples, torch_gradgrad=True),
    OpInfo("round_decimals", lambda mod, a, **k: mod.round(a, **k), _round_decimals_samples, covers=("round",),
           prims=("_round_decimals",), skips=_ZERO_GRAD,
           int_samples=lambda make: [Sample((make.ints((3,)),), {"decimals": 1}, desc="int refused"),
                                     Sample((make.bools((3,)),), {"decimals": 1}, desc="bool refused")]),
    OpInfo("nan_to_num_kwargs", lambda mod, a, *p, **k: mod.nan_to_num(a, *p, **k), _nan_to_num_samples,
           covers=("nan_to_num",), prims=("_nan_to_num",),
           int_samples=lambda make: [Sample((make.ints((3,)),), {"nan": 1.0}), Sample((make.bools((3,)),))]),
    OpInfo("digamma", lambda mod, a: mod.digamma(a), _digamma_samples, covers=("digamma",),
           prims=("_digamma", "_polygamma"), domain=(0.3, 4.0), int_samples=unary_int_samples, torch_gradgrad=True,
           rtol={"float32": 1e-5, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-10}),
    OpInfo("polygamma", lambda mod, n, a: mod.polygamma(n, a), _polygamma_samples, covers=("polygamma",),
           prims=("_polygamma",), torch_gradgrad=True,
           rtol={"float32": 1e-5, "float64": 1e-8}, atol={"float32": 1e-5, "float64": 1e-10},
           int_samples=lambda make: [Sample((1, make.ints((3,), 1, 5)))]),
    OpInfo("Tensor.polygamma", lambda mod, n, a: a.polygamma(n), lambda make: _polygamma_samples(make)[:2],
           prims=("_polygamma",), rtol={"float32": 1e-5, "float64": 1e-8}),
    OpInfo("lgamma negative", lambda mod, a: mod.lgamma(a), lambda make: [Sample((make((2, 3), -2.8, -2.2),))],
           prims=("_lgamma",), rtol={"float32": 1e-4, "float64": 1e-8}, atol={"float32": 1e-5, "float64": 1e-10}),
    OpInfo("digamma negative", lambda mod, a: mod.digamma(a), lambda make: [Sample((make((2, 3), -2.8, -2.2),))],
           prims=("_digamma",), rtol={"float32": 1e-4, "float64": 1e-8}, atol={"float32": 1e-5, "float64": 1e-10}),
)


# == more binary math =========================================================================


def _tensor_binary_samples(make):
    """Binary samples without Python numbers (ops that take two tensors only)."""
    return binary_samples(make, scalars=())


def _ties_sample(make):
    # (No 0.0 against -0.0: which sign torch returns depends on the tensor's length.)
    return Sample((make.float([1.0, 2.0, -1.0, np.nan, 0.0, 3.0]), make.float([1.0, 3.0, -1.0, 1.0, 0.0, np.nan])),
                  desc="ties and nan", gradcheck=False)


def _extremum_samples(make):
    return _tensor_binary_samples(make) + [_ties_sample(make)]


def _float_binary_int_samples(make):
    return binary_int_samples(make)[:2] + binary_int_samples(make)[4:]


register(
    OpInfo("atan2", lambda mod, a, b: mod.atan2(a, b), _tensor_binary_samples, covers=("atan2",), prims=("_atan2",),
           int_samples=_float_binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("arctan2", lambda mod, a, b: mod.arctan2(a, b), lambda make: _tensor_binary_samples(make)[:3],
           covers=("arctan2",), prims=("_atan2",)),
    OpInfo("maximum", lambda mod, a, b: mod.maximum(a, b), _extremum_samples, covers=("maximum",),
           prims=("_maximum",), int_samples=binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("minimum", lambda mod, a, b: mod.minimum(a, b), _extremum_samples, covers=("minimum",),
           prims=("_minimum",), int_samples=binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("fmax", lambda mod, a, b: mod.fmax(a, b), _extremum_samples, covers=("fmax",), prims=("_fmax",),
           int_samples=binary_int_samples, promotion=True),
    OpInfo("fmin", lambda mod, a, b: mod.fmin(a, b), _extremum_samples, covers=("fmin",), prims=("_fmin",),
           int_samples=binary_int_samples, promotion=True),
    OpInfo("hypot", lambda mod, a, b: mod.hypot(a, b), _tensor_binary_samples, covers=("hypot",), prims=("_hypot",),
           int_samples=_float_binary_int_samples, promotion=True, torch_gradgrad=True),
    OpInfo("logaddexp", lambda mod, a, b: mod.logaddexp(a, b),
           lambda make: _tensor_binary_samples(make) + [
               Sample((make.float([1000.0, -1000.0, 0.0]), make.float([999.0, -1000.0, -800.0])), desc="large",
                      gradcheck=False)],
           covers=("logaddexp",), prims=("_logaddexp", "_exp"), int_samples=_float_binary_int_samples,
           promotion=True, torch_gradgrad=True),
    OpInfo("logaddexp2", lambda mod, a, b: mod.logaddexp2(a, b), _tensor_binary_samples, covers=("logaddexp2",),
           prims=("_logaddexp2", "_exp2"), int_samples=_float_binary_int_samples, promotion=True),
)


def _xlogy_samples(make):
    return binary_samples(make) + [
        Sample((make.float([0.0, 0.0, 0.0, 1.0, -2.0, 0.0]), make.float([1.0, -1.0, 0.0, -0.0, 0.0, np.nan])),
               desc="zeros", gradcheck=False),
    ]


def _xlogy_number_samples(make):
    return [
        Sample((2.5, make((2, 3))), desc="number self"),
        Sample((0.0, make((3,))), desc="zero number self"),
        Sample((3, make(())), desc="int self"),
        Sample((make((2, 3)), 0.0), desc="zero number other", gradcheck=False),
        Sample((make.float([0.0, 1.0, -1.0]), -1.5), desc="negative number other", gradcheck=False),
    ]


register(
    OpInfo("xlogy", lambda mod, a, b: mod.xlogy(a, b), _xlogy_samples, covers=("xlogy",),
           prims=("_xlogy", "_xlogy_number_other"), domain=(0.2, 2.0), int_samples=binary_int_samples,
           promotion=True, torch_gradgrad=True),
    OpInfo("xlogy number", lambda mod, a, b: mod.xlogy(a, b), _xlogy_number_samples, covers=("xlogy",),
           prims=("_xlogy_number_self", "_xlogy_number_other"), domain=(0.2, 2.0), torch_gradgrad=True,
           int_samples=lambda make: [Sample((2, make.ints((3,), 1, 5))), Sample((make.ints((3,), 0, 5), 2))]),
    OpInfo("copysign", lambda mod, a, b: mod.copysign(a, b),
           lambda make: binary_samples(make, scalars=(-2.5, 2, -0.0)), covers=("copysign",),
           prims=("_copysign", "_copysign_number"), avoid=(0.0,), int_samples=binary_int_samples, promotion=True),
    OpInfo("fmod", lambda mod, a, b: mod.fmod(a, b),
           lambda make: _fix_remainder(_remainder_samples(make)) + [_special_pair(make)],
           covers=("fmod",), prims=("_fmod", "_fmod_number", "_div_rounding"), promotion=True,
           int_samples=lambda make: binary_int_samples(make) + [
               Sample((make.ints((2, 3), -7, 8), make.ints((3,), -4, -1)), desc="negative divisors")],
           rtol={"float32": 1e-4, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
)


def _float_power_samples(make):
    pos = lambda s: make(s, 0.5, 2.0)  # noqa: E731
    return [
        Sample((pos((2, 3)), make((2, 3))), desc="tensor-tensor"),
        Sample((pos((2, 3)), make((3,))), desc="broadcast"),
        Sample((pos((2, 3)), 2), desc="int exponent"),
        Sample((pos((3,)), -1.5), desc="float exponent"),
        Sample((2.0, make((2, 3))), desc="number base"),
        Sample((pos(()), make((2,))), desc="0-d base"),
        Sample((pos((2,)), make((2,), dtype="float64")), desc="float64 exponent"),
    ]


register(
    OpInfo("float_power", lambda mod, a, b: mod.float_power(a, b), _float_power_samples, covers=("float_power",),
           prims=("_pow_tensor", "_pow_scalar", "_pow_scalar_base"), promotion=True,
           rtol={"float32": 1e-9, "float64": 1e-9}, atol={"float32": 1e-12, "float64": 1e-12},
           int_samples=lambda make: [Sample((make.ints((3,), 1, 4), 2)), Sample((make.ints((3,), 1, 4), make.ints((3,), 0, 3))),
                                     Sample((2, make.ints((3,), 0, 3)))]),
)


def _lerp_samples(make):
    return [
        Sample((make((2, 3)), make((2, 3)), 0.3), desc="number weight"),
        Sample((make((2, 3)), make((3,)), 0.7), desc="number weight >= 0.5, broadcast end"),
        Sample((make((3,)), make((2, 3)), -0.5), desc="negative weight"),
        Sample((make((2, 3)), make((2, 3)), 1), desc="int weight"),
        Sample((make((2, 3)), make((2, 3)), make((2, 3))), desc="tensor weight"),
        Sample((make((2, 3)), make((3,)), make((2, 1))), desc="tensor weight, broadcast"),
        Sample((make(()), make(()), make(())), desc="0-d"),
        Sample((NC(make((3, 2))), make((2,)), 0.25), desc="non-contiguous"),
        Sample((make((0, 3)), make((3,)), make((3,))), desc="empty"),
        Sample((make((2, 3)), Const(make((2, 3))), make((3,))), desc="end without grad"),
        Sample((make((2,)), make((2,)), make.float([0.5, 0.49999])), desc="weight at the switch"),
        Sample((make((4,), dtype="float16"), make((4,), dtype="float16"), 0.3), desc="float16"),
    ]


def _addc_samples(make, div=False):
    t2 = (lambda s: make(s, 0.5, 2.0)) if div else make
    return [
        Sample((make((2, 3)), make((2, 3)), t2((2, 3))), desc="same shape"),
        Sample((make((2, 3)), make((3,)), t2((2, 1))), {"value": 0.5}, desc="broadcast, value"),
        Sample((make((3,)), make((2, 3)), t2(())), {"value": -2}, desc="int value"),
        Sample((make(()), make(()), t2(())), desc="0-d"),
        Sample((NC(make((3, 2))), make((2,)), t2((3, 2))), desc="non-contiguous"),
        Sample((make((0, 3)), make((3,)), t2((3,))), desc="empty"),
        Sample((make((2, 3)), Const(make((2, 3))), t2((3,))), desc="tensor1 without grad"),
        Sample((make((2,)), make((2,), dtype="float64") if make.dtype == np.float32 else make((2,), dtype="float32"),
                t2((2,))), desc="mixed float dtypes"),
    ]


def _addcmul_int_samples(make):
    return [
        Sample((make.ints((2, 3)), make.ints((3,)), make.ints((2, 3))), desc="int"),
        Sample((make.ints((3,)), make.ints((3,)), make.ints((3,))), {"value": 0.5}, desc="int with float value"),
        Sample((make.ints((3,)), make.ints((3,)), make((3,))), desc="int with float tensor"),
        Sample((make.bools((3,)), make.bools((3,)), make.bools((3,))), desc="bool refused"),
    ]


register(
    OpInfo("lerp", lambda mod, a, b, w: mod.lerp(a, b, w), _lerp_samples, covers=("lerp",),
           prims=("_lerp_number", "_lerp_tensor"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3,)), make.ints((3,)), 0.5), desc="int refused")]),
    OpInfo("addcmul", lambda mod, a, b, c, **k: mod.addcmul(a, b, c, **k), _addc_samples, covers=("addcmul",),
           prims=("_addcmul",), int_samples=_addcmul_int_samples, torch_gradgrad=True),
    OpInfo("addcdiv", lambda mod, a, b, c, **k: mod.addcdiv(a, b, c, **k), lambda make: _addc_samples(make, True),
           covers=("addcdiv",), prims=("_addcdiv",), torch_gradgrad=True,
           int_samples=lambda make: _addcmul_int_samples(make)[2:3]),
)


# == in-place forms ===========================================================================

_INPLACE_UNARY = (
    ("sgn_", ("_sgn",), (-2, 2)), ("exp2_", ("_exp2",), (-2, 2)), ("expm1_", ("_expm1",), (-2, 2)),
    ("log2_", ("_log2",), (0.2, 3)), ("log10_", ("_log10",), (0.2, 3)), ("log1p_", ("_log1p",), (-0.5, 2)),
    ("rsqrt_", ("_rsqrt",), (0.3, 3)), ("square_", ("_pow_scalar",), (-2, 2)), ("reciprocal_", ("_reciprocal",), (0.5, 2)),
    ("tan_", ("_tan",), (-1.2, 1.2)), ("asin_", ("_asin",), (-0.9, 0.9)), ("acos_", ("_acos",), (-0.9, 0.9)),
    ("atan_", ("_atan",), (-2, 2)), ("sinh_", ("_sinh",), (-2, 2)), ("cosh_", ("_cosh",), (-2, 2)),
    ("arcsin_", ("_asin",), (-0.9, 0.9)), ("arccos_", ("_acos",), (-0.9, 0.9)), ("arctan_", ("_atan",), (-2, 2)),
    ("logit_", ("_logit",), (0.1, 0.9)), ("erf_", ("_erf",), (-2, 2)), ("erfc_", ("_erfc",), (-2, 2)),
    ("erfinv_", ("_erfinv",), (-0.9, 0.9)), ("lgamma_", ("_lgamma",), (0.3, 4)), ("digamma_", ("_digamma",), (0.3, 4)),
    ("floor_", ("_floor",), (0.1, 0.9)), ("ceil_", ("_ceil",), (0.1, 0.9)), ("round_", ("_round",), (0.1, 0.4)),
    ("frac_", ("_frac",), (0.1, 0.9)), ("nan_to_num_", ("_nan_to_num",), (-2, 2)),
    ("deg2rad_", ("_deg2rad",), (-2, 2)), ("rad2deg_", ("_rad2deg",), (-2, 2)),
)

for _name, _prims, _dom in _INPLACE_UNARY:
    register(OpInfo(_name, _inplace(_name), lambda make: unary_samples(make)[:3] + unary_samples(make)[4:5],
                    covers=(_name,), prims=_prims, domain=_dom,
                    int_samples=lambda make: [Sample((make.ints((3,), 1, 3),), desc="int")]))

# PyTorch has no derivative for these: backward raises.
for _name, _prims, _dom in (("asinh_", ("_asinh_inplace",), (-2, 2)), ("acosh_", ("_acosh_inplace",), (1.2, 3)),
                            ("atanh_", ("_atanh_inplace",), (-0.9, 0.9)), ("arcsinh_", ("_asinh_inplace",), (-2, 2)),
                            ("arccosh_", ("_acosh_inplace",), (1.2, 3)), ("arctanh_", ("_atanh_inplace",), (-0.9, 0.9))):
    register(OpInfo(_name, _inplace(_name), lambda make: unary_samples(make)[1:3], covers=(_name,), prims=_prims,
                    domain=_dom, backward_raises=True))

register(
    OpInfo("round_ decimals", _inplace("round_"), lambda make: [Sample((make((2, 3)),), {"decimals": 2})],
           prims=("_round_decimals",), skips=_ZERO_GRAD),
    OpInfo("logit_ eps", _inplace("logit_"), lambda make: [Sample((make((2, 3), 0.3, 0.7), 0.2))],
           prims=("_logit",)),
    OpInfo("polygamma_", _inplace("polygamma_"), lambda make: [Sample((make((2, 3), 0.3, 4.0), 1)), Sample((make((3,), 0.3, 4.0), 2))],
           covers=("polygamma_",), prims=("_polygamma_inplace", "_polygamma"), rtol={"float32": 1e-5, "float64": 1e-8}),
    OpInfo("nan_to_num_ values", _inplace("nan_to_num_"),
           lambda make: [Sample((make.float(SPECIAL_VALUES),), {"nan": 2.0, "posinf": 1.0}, gradcheck=False)],
           prims=("_nan_to_num",), skips={"gradcheck": "special values only (see nan_to_num_)",
                                          "gradgradcheck": "special values only (see nan_to_num_)"}),
    OpInfo("true_divide_", _inplace("true_divide_"), lambda make: [Sample((make((2, 3)), make((3,), 0.5, 2))),
                                                                   Sample((make((2, 3)), 2.5))],
           covers=("true_divide_",), prims=("_div",)),
    OpInfo("atan2_", _inplace("atan2_"), lambda make: [Sample((make((2, 3)), make((3,))))], covers=("atan2_",),
           prims=("_atan2",)),
    OpInfo("arctan2_", _inplace("arctan2_"), lambda make: [Sample((make((2, 3)), make((3,))))], covers=("arctan2_",),
           prims=("_atan2",)),
    OpInfo("hypot_", _inplace("hypot_"), lambda make: [Sample((make((2, 3)), make((3,))))], covers=("hypot_",),
           prims=("_hypot",)),
    OpInfo("xlogy_", _inplace("xlogy_"), lambda make: [Sample((make((2, 3)), make((3,)))), Sample((make((2, 3)), 2.5))],
           covers=("xlogy_",), prims=("_xlogy", "_xlogy_number_other"), domain=(0.2, 2.0)),
    OpInfo("copysign_", _inplace("copysign_"), lambda make: [Sample((make((2, 3)), make((3,)))), Sample((make((2, 3)), -1.0))],
           covers=("copysign_",), prims=("_copysign", "_copysign_number"), avoid=(0.0,)),
    OpInfo("fmod_", _inplace("fmod_"),
           lambda make: _fix_remainder([Sample((make((2, 3), -6, 6), make((3,), 0.5, 2))), Sample((make((2, 3), -6, 6), 0.7))]),
           covers=("fmod_",), prims=("_fmod", "_fmod_number"),
           rtol={"float32": 1e-4, "float64": 1e-9}, atol={"float32": 1e-5, "float64": 1e-12}),
    OpInfo("float_power_", _inplace("float_power_"),
           lambda make: [Sample((make((2, 3), 0.5, 2.0, dtype="float64"), make((3,)))),
                         Sample((make((2, 3), 0.5, 2.0, dtype="float64"), 2))],
           covers=("float_power_",), prims=("_pow_tensor", "_pow_scalar")),
    OpInfo("lerp_", _inplace("lerp_"), lambda make: [Sample((make((2, 3)), make((3,)), 0.3)),
                                                     Sample((make((2, 3)), make((2, 3)), make((3,))))],
           covers=("lerp_",), prims=("_lerp_number", "_lerp_tensor")),
    OpInfo("addcmul_", _inplace("addcmul_"), lambda make: [Sample((make((2, 2)), make((2,)), make((2, 2))), {"value": 2})],
           covers=("addcmul_",), prims=("_addcmul",)),
    OpInfo("addcdiv_", _inplace("addcdiv_"), lambda make: [Sample((make((2, 2)), make((2,)), make((2, 2), 0.5, 2)), {"value": 2})],
           covers=("addcdiv_",), prims=("_addcdiv",)),
    OpInfo("erf_ on a view", _inplace_on_view("erf_"), lambda make: [Sample((make((3, 2)),))], prims=("_erf",)),
    OpInfo("addcmul_ on a view", _inplace_on_view("addcmul_"), lambda make: [Sample((make((3, 2)), make((2,)), make((2,))))],
           prims=("_addcmul",)),
)


# == comparisons, logic, shifts and predicates (never differentiable) ==========================


def _isclose_samples(make):
    a = make((2, 3))
    near = make.float(a + make.dtype.type(1e-6))
    special = make.float([np.nan, np.inf, -np.inf, 1.0, 0.0, np.inf])
    special2 = make.float([np.nan, np.inf, np.inf, 1.0 + 1e-9, 1e-9, 1e300 if make.dtype == np.float64 else 3e38])
    return [
        Sample((a, near), desc="near"),
        Sample((a, make((3,))), desc="broadcast"),
        Sample((a, near), {"rtol": 0.0, "atol": 0.0}, desc="exact only"),
        Sample((a, near), {"rtol": 1e-9, "atol": 1e-9}, desc="tight"),
        Sample((special, special2), desc="nan and inf"),
        Sample((special, special2), {"equal_nan": True}, desc="equal_nan"),
        Sample((a, make((2, 3), dtype="float64") if make.dtype == np.float32 else make((2, 3), dtype="float32")),
               desc="dtype mismatch refused"),
        Sample((a, 1.0), desc="number refused"),
        Sample((make(()), make(())), desc="0-d"),
        Sample((make((0, 3)), make((3,))), desc="empty"),
    ]


def _isclose_int_samples(make):
    a = make.ints((2, 3))
    return [
        Sample((a, make.ints((2, 3))), desc="int"),
        Sample((a, make.ints((2, 3))), {"atol": 1}, desc="int atol"),
        Sample((a, make.ints((2, 3))), {"rtol": 0.5}, desc="int rtol"),
        Sample((make.bools((3,)), make.bools((3,))), desc="bool"),
    ]


def _equal_samples(make):
    a = make((2, 3))
    return [
        Sample((a, a.copy()), desc="equal"),
        Sample((a, make((2, 3))), desc="different"),
        Sample((a, make((3,))), desc="different shapes"),
        Sample((make.float([np.nan, 1.0]), make.float([np.nan, 1.0])), desc="nan"),
        Sample((a, a.astype(np.float64) if make.dtype == np.float32 else a.astype(np.float32)), desc="other float dtype"),
        Sample((a, 1.0), desc="number refused"),
        Sample((make((0,)), make((0,))), desc="empty"),
    ]


register(
    OpInfo("isclose", lambda mod, a, b, **k: mod.isclose(a, b, **k), _isclose_samples, covers=("isclose",),
           differentiable=False, int_samples=_isclose_int_samples),
    OpInfo("Tensor.isclose", lambda mod, a, b, **k: a.isclose(b, **k), lambda make: _isclose_samples(make)[:3],
           differentiable=False),
    OpInfo("allclose", lambda mod, a, b, **k: mod.allclose(a, b, **k), _isclose_samples, covers=("allclose",),
           differentiable=False, int_samples=_isclose_int_samples),
    OpInfo("Tensor.allclose", lambda mod, a, b, **k: a.allclose(b, **k), lambda make: _isclose_samples(make)[:3],
           differentiable=False),
    OpInfo("equal", lambda mod, a, b: mod.equal(a, b), _equal_samples, covers=("equal",), differentiable=False,
           int_samples=lambda make: [Sample((make.ints((3,)), make.ints((3,)))), Sample((make.ints((3,)), make((3,)))),
                                     Sample((make.bools((2,)), make.bools((2,))))]),
    OpInfo("Tensor.equal", lambda mod, a, b: a.equal(b), lambda make: _equal_samples(make)[:3], differentiable=False),
)


def _logical_samples(make):
    a = make.float(make.ints((2, 3), -1, 2))
    return [
        Sample((a, make.float(make.ints((2, 3), -1, 2))), desc="floats with zeros"),
        Sample((a, make.float(make.ints((3,), -1, 2))), desc="broadcast"),
        Sample((make.float([np.nan, 0.0, -0.0]), make.float([0.0, 0.0, 1.0])), desc="nan and -0.0"),
        Sample((a, 1), desc="number refused"),
    ]


def _logical_int_samples(make):
    return [
        Sample((make.ints((2, 3), -1, 2), make.ints((3,), -1, 2)), desc="int"),
        Sample((make.bools((3,)), make.bools((3,))), desc="bool"),
        Sample((make.bools((3,)), make.ints((3,), 0, 2)), desc="bool with int"),
        Sample((make.ints((3,), 0, 3, dtype="uint8"), make((3,))), desc="uint8 with float"),
    ]


def _shift_int_samples(make):
    return [
        Sample((make.ints((2, 3), -8, 8), make.ints((3,), 0, 5)), desc="int64 broadcast"),
        Sample((make.ints((3,), 0, 200, dtype="uint8"), make.ints((3,), 0, 8, dtype="uint8")), desc="uint8"),
        Sample((make.ints((3,), -8, 8, dtype="int32"), make.ints((3,), 0, 5)), desc="int32 with int64"),
        Sample((make.ints((3,), -8, 8, dtype="int32"), 3), desc="int scalar"),
        Sample((make.ints((5,), -8, 8), np.array([0, 63, 64, 65, -1])), desc="shift by the width or more"),
        Sample((make.ints((3,), -8, 8), 1.5), desc="float scalar refused"),
        Sample((make.bools((3,)), make.bools((3,))), desc="bool refused"),
        Sample((make.ints((0,)), make.ints((0,))), desc="empty"),
    ]


def _shift_float_samples(make):
    return [Sample((make((3,)), make((3,))), desc="float refused")]


register(
    OpInfo("logical_xor", lambda mod, a, b: mod.logical_xor(a, b), _logical_samples, covers=("logical_xor",),
           differentiable=False, int_samples=_logical_int_samples),
    OpInfo("Tensor.logical_xor", lambda mod, a, b: a.logical_xor(b), lambda make: _logical_samples(make)[:2],
           differentiable=False),
    OpInfo("logical_xor_", _inplace("logical_xor_"), lambda make: [], covers=("logical_xor_",), differentiable=False,
           int_samples=lambda make: [Sample((make.bools((2, 3)), make.bools((3,)))),
                                     Sample((make.ints((3,), -1, 2), make.bools((3,))))]),
    OpInfo("bitwise_left_shift", lambda mod, a, b: mod.bitwise_left_shift(a, b), _shift_float_samples,
           covers=("bitwise_left_shift",), differentiable=False, int_samples=_shift_int_samples),
    OpInfo("bitwise_right_shift", lambda mod, a, b: mod.bitwise_right_shift(a, b), _shift_float_samples,
           covers=("bitwise_right_shift",), differentiable=False, int_samples=_shift_int_samples),
    OpInfo("<<", lambda mod, a, b: a << b, lambda make: [], differentiable=False,
           int_samples=lambda make: _shift_int_samples(make)[:5]),
    OpInfo(">>", lambda mod, a, b: a >> b, lambda make: [], differentiable=False,
           int_samples=lambda make: _shift_int_samples(make)[:5]),
    OpInfo("__rlshift__", lambda mod, a: 3 << a, lambda make: [], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((4,), 0, 5),))]),
    OpInfo("__rrshift__", lambda mod, a: 100 >> a, lambda make: [], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((4,), 0, 5),))]),
    OpInfo("bitwise_left_shift_", _inplace("bitwise_left_shift_"), lambda make: [], covers=("bitwise_left_shift_",),
           differentiable=False, int_samples=lambda make: [Sample((make.ints((2, 3)), make.ints((3,), 0, 4))),
                                                           Sample((make.ints((3,)), 2))]),
    OpInfo("bitwise_right_shift_", _inplace("bitwise_right_shift_"), lambda make: [], covers=("bitwise_right_shift_",),
           differentiable=False, int_samples=lambda make: [Sample((make.ints((2, 3)), make.ints((3,), 0, 4))),
                                                           Sample((make.ints((3,)), 2))]),
)


def _ilshift(mod, a, b):
    a = a.clone()
    a <<= b
    return a


def _irshift(mod, a, b):
    a = a.clone()
    a >>= b
    return a


def _predicate_samples(make):
    return [
        Sample((make.float(SPECIAL_VALUES),), desc="nan, inf, signed zeros"),
        Sample((make((2, 3)),), desc="matrix"),
        Sample((NC(make((3, 2))),), desc="non-contiguous"),
        Sample((make(()),), desc="0-d"),
        Sample((make((0, 2)),), desc="empty"),
    ]


register(
    OpInfo("<<=", _ilshift, lambda make: [], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((2, 3)), make.ints((3,), 0, 4)))]),
    OpInfo(">>=", _irshift, lambda make: [], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((2, 3)), make.ints((3,), 0, 4)))]),
)
for _name in ("isposinf", "isneginf", "isreal", "signbit"):
    register(OpInfo(_name, (lambda n: lambda mod, a: getattr(mod, n)(a))(_name), _predicate_samples, covers=(_name,),
                    differentiable=False, int_samples=unary_int_samples),
             OpInfo(f"Tensor.{_name}", (lambda n: lambda mod, a: getattr(a, n)())(_name),
                    lambda make: _predicate_samples(make)[:2], differentiable=False))


# == errors ===================================================================================

ERRORS += [
    ErrorCase("atan2 with a number", lambda mod: mod.atan2(mod.ones(3), 2.0)),
    ErrorCase("maximum with a number", lambda mod: mod.maximum(mod.ones(3), 0.0)),
    ErrorCase("maximum number first", lambda mod: mod.maximum(0.0, mod.ones(3))),
    ErrorCase("maximum shape mismatch", lambda mod: mod.maximum(mod.ones(2, 3), mod.ones(2))),
    ErrorCase("hypot of int", lambda mod: mod.hypot(mod.ones(3, dtype=mod.int64), mod.ones(3, dtype=mod.int64))),
    ErrorCase("logaddexp of int", lambda mod: mod.logaddexp(mod.ones(3, dtype=mod.int64), mod.ones(3, dtype=mod.int64))),
    # torch's messages list every overload; chainrule's say which argument must be a tensor.
    ErrorCase("xlogy of two numbers", lambda mod: mod.xlogy(2.0, 3.0), same_message=False),
    ErrorCase("copysign number first", lambda mod: mod.copysign(2.0, mod.ones(3)), same_message=False),
    ErrorCase("fmod number first", lambda mod: mod.fmod(2.0, mod.ones(3)), same_message=False),
    ErrorCase("fmod int by zero", lambda mod: mod.fmod(mod.ones(3, dtype=mod.int64), 0)),
    ErrorCase("fmod of bool", lambda mod: mod.fmod(mod.ones(3, dtype=mod.bool), mod.ones(3, dtype=mod.bool))),
    ErrorCase("float_power_ on float32", lambda mod: mod.ones(3).float_power_(2)),
    ErrorCase("float_power_ on int", lambda mod: mod.ones(3, dtype=mod.int64).float_power_(2)),
    ErrorCase("lerp end dtype", lambda mod: mod.lerp(mod.ones(3), mod.ones(3, dtype=mod.float64), 0.5)),
    ErrorCase("lerp weight dtype", lambda mod: mod.lerp(mod.ones(3), mod.ones(3), mod.ones(3, dtype=mod.float64))),
    ErrorCase("lerp of int", lambda mod: mod.lerp(mod.ones(3, dtype=mod.int64), mod.ones(3, dtype=mod.int64), 0.5)),
    ErrorCase("lerp shape mismatch", lambda mod: mod.lerp(mod.ones(2, 3), mod.ones(2), 0.5)),
    ErrorCase("addcdiv of ints", lambda mod: mod.addcdiv(mod.ones(3), mod.ones(3, dtype=mod.int64), mod.ones(3, dtype=mod.int64))),
    ErrorCase("addcmul of bools", lambda mod: mod.addcmul(*(mod.ones(3, dtype=mod.bool),) * 3)),
    ErrorCase("addcmul shape mismatch", lambda mod: mod.addcmul(mod.ones(3), mod.ones(2), mod.ones(3))),
    ErrorCase("isclose dtype mismatch", lambda mod: mod.isclose(mod.ones(3), mod.ones(3, dtype=mod.float64))),
    ErrorCase("isclose negative rtol", lambda mod: mod.isclose(mod.ones(3), mod.ones(3), rtol=-1)),
    ErrorCase("isclose negative atol", lambda mod: mod.isclose(mod.ones(3), mod.ones(3), atol=-0.5)),
    ErrorCase("allclose with a number", lambda mod: mod.allclose(mod.ones(3), 1.0)),
    ErrorCase("equal with a number", lambda mod: mod.equal(mod.ones(3), 1)),
    ErrorCase("logical_xor with a number", lambda mod: mod.logical_xor(mod.ones(3), 1)),
    ErrorCase("shift of floats", lambda mod: mod.ones(3) << 1),
    ErrorCase("shift of bools", lambda mod: mod.bitwise_right_shift(mod.ones(3, dtype=mod.bool), mod.ones(3, dtype=mod.bool))),
    ErrorCase("frac of int", lambda mod: mod.frac(mod.ones(3, dtype=mod.int64))),
    ErrorCase("floor of bool", lambda mod: mod.floor(mod.ones(3, dtype=mod.bool))),
    ErrorCase("round int with decimals", lambda mod: mod.round(mod.ones(3, dtype=mod.int64), decimals=1)),
    ErrorCase("polygamma negative n", lambda mod: mod.polygamma(-1, mod.ones(3))),
    ErrorCase("erf of a list", lambda mod: mod.erf([1.0])),
    ErrorCase("in-place erf of int", lambda mod: mod.ones(3, dtype=mod.int64).erf_()),
    ErrorCase("in-place log1p on leaf", lambda mod: _leaf(mod, 3).log1p_()),
]
