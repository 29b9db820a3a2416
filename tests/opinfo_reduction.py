"""Registry entries for the reduction ops (see opinfo.py for the conventions).

sum and mean have their entries in opinfo.py. Samples with ties, NaN or zeros where the
gradient has a kink are marked ``gradcheck=False``: their gradients are compared with torch's.
"""

from __future__ import annotations

import numpy as np

import chainrule
import chainrule.ops
from opinfo import ERRORS, NC, DType, ErrorCase, OpInfo, Sample, register

_LOOSE = {"rtol": {"float32": 1e-4, "float64": 1e-9}, "atol": {"float32": 1e-5, "float64": 1e-12}}


_KINKS_ONLY = {"gradcheck": "only samples at kinks, compared with torch's gradients",
               "gradgradcheck": "only samples at kinks, compared with torch's gradients"}


def _call(name):
    """``op`` calling ``mod.<name>`` (the function form)."""
    return lambda mod, *a, **k: getattr(mod, name)(*a, **k)


def _method(name):
    return lambda mod, x, *a, **k: getattr(x, name)(*a, **k)


def _ties(make):
    return make.float([[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]])


def _with_nan(make):
    return make.float([[1.0, np.nan, 3.0], [2.0, 0.5, -1.0]])


def _dim_samples(make, full=True):
    """Samples of an op reducing one ``dim`` (and everything when ``full``)."""
    x = make((2, 3, 2))
    out = [
        Sample((x, 1), desc="dim 1"),
        Sample((x, -1, True), desc="dim -1, keepdim"),
        Sample((make((3, 4)),), {"dim": 0}, desc="keyword dim"),
        Sample((make(()), 0), desc="0-d with dim 0"),
        Sample((make((5,)), 0), desc="vector"),
        Sample((NC(make((3, 2))), 1), desc="non-contiguous"),
    ]
    if full:
        out += [Sample((x,), desc="all"), Sample((make(()),), desc="0-d"), Sample((NC(make((2, 3))),), desc="nc all")]
    return out


# == sums and products ==========================================================================


def _nansum_samples(make):
    return [
        Sample((make((2, 3)),), desc="no NaN"),
        Sample((make((2, 3)), 1), desc="dim"),
        Sample((_with_nan(make),), desc="NaN", gradcheck=False),
        Sample((_with_nan(make), 0, True), desc="NaN, dim 0, keepdim", gradcheck=False),
        Sample((make((2, 3)), (0, 1)), desc="dims tuple"),
        Sample((make(()),), desc="0-d"),
        Sample((make((0, 3)), 1), desc="empty"),
        Sample((make((4, 300), 0, 1, dtype="float16"),), desc="float16 accumulates in float32"),
    ]


def _prod_samples(make):
    x = make((2, 3, 2))
    return [
        Sample((x,), desc="all"),
        Sample((x, 1), desc="dim 1"),
        Sample((x, -1, True), desc="dim -1, keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((make(()), 0), desc="0-d with dim 0"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make.float([[0.0, 2.0, 3.0], [2.0, 0.5, -1.5]]),), desc="one zero, all"),
        Sample((make.float([[0.0, 2.0, 0.0], [2.0, 0.5, -1.5]]),), desc="two zeros, all"),
        Sample((make.float([[0.0, 2.0, 3.0], [0.0, 0.0, -1.5], [1.5, 2.0, 0.5]]), 1), desc="zeros, dim 1"),
        Sample((make.float([[1.5, 0.0], [0.0, 0.0], [1.5, 2.0]]), 0, True), desc="zeros, dim 0, keepdim"),
        Sample((make((0, 3)), 1), desc="empty dim kept"),
        Sample((make((0, 3)), 0), desc="empty dim reduced"),
        Sample((make((2, 3)), 1), {"dtype": DType("float64")}, desc="dtype float64"),
    ]


def _prod_int_samples(make):
    return [
        Sample((make.ints((2, 3)),), desc="int64"),
        Sample((make.ints((2, 3), dtype="int32"), 1), desc="int32 to int64"),
        Sample((make.bools((2, 3)), 0), desc="bool"),
        Sample((make.ints((2, 3)),), {"dtype": DType("float32")}, desc="int with float dtype"),
    ]


def _cum_samples(make):
    return [
        Sample((make((2, 3, 2)), 1), desc="dim 1"),
        Sample((make((2, 3)), -1), desc="dim -1"),
        Sample((make((4,)), 0), desc="vector"),
        Sample((make(()), 0), desc="0-d"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make((0, 3)), 1), desc="empty"),
        Sample((make((2, 3)),), {"dim": 0}, desc="keyword dim"),
    ]


def _cumsum_samples(make):
    return _cum_samples(make) + [Sample((make((2, 3)), 1), {"dtype": DType("float64")}, desc="dtype float64"),
                                 Sample((make((2, 300), 0, 1, dtype="float16"), 1), desc="float16 accumulates in float32")]


def _cum_int_samples(make):
    return [
        Sample((make.ints((2, 3)), 1), desc="int64"),
        Sample((make.ints((4,), dtype="int32"), 0), desc="int32 to int64"),
        Sample((make.bools((4,)), 0), desc="bool to int64"),
        Sample((make.ints((2, 3), 1, 4), 0), {"dtype": DType("float64")}, desc="int with float dtype"),
    ]


def _cumprod_samples(make):
    return _cum_samples(make) + [
        Sample((make.float([1.5, 0.0, 2.0, -0.5, 1.2]), 0), desc="one zero"),
        Sample((make.float([1.5, 0.0, 2.0, 0.0, 3.0]), 0), desc="two zeros"),
        Sample((make.float([[0.0, 2.0, 3.0], [2.0, 0.5, 0.0]]), 1), desc="zeros first and last"),
        Sample((make.float([[0.0, 2.0], [0.0, 0.5], [1.5, 0.0]]), 0), desc="zeros along dim 0"),
    ]


def _inplace_cum(method):
    def op(mod, x, dim):
        y = x * 1
        assert getattr(y, method)(dim) is y
        return y

    return op


register(
    OpInfo("nansum", _call("nansum"), _nansum_samples, covers=("nansum",), prims=("_nansum",), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((2, 3)),)), Sample((make.bools((3,)), 0))]),
    OpInfo("nanmean", _call("nanmean"), _nansum_samples, covers=("nanmean",), prims=("_nansum",), **_LOOSE),
    OpInfo("prod", _call("prod"), _prod_samples, covers=("prod",), prims=("_prod_all", "_prod_dim", "_shift_along",
           "_flip_along", "_cumprod"), int_samples=_prod_int_samples, torch_gradgrad=True, **_LOOSE),
    OpInfo("Tensor.prod", _method("prod"), lambda make: _prod_samples(make)[:3], prims=("_prod_all", "_prod_dim")),
    OpInfo("cumsum", _call("cumsum"), _cumsum_samples, covers=("cumsum",), prims=("_cumsum", "_flip_along"),
           int_samples=_cum_int_samples, torch_gradgrad=True, **_LOOSE),
    OpInfo("Tensor.cumsum_", _inplace_cum("cumsum_"), lambda make: _cum_samples(make)[:2], prims=("_cumsum",)),
    OpInfo("cumprod", _call("cumprod"), _cumprod_samples, covers=("cumprod",), prims=("_cumprod",),
           int_samples=_cum_int_samples, torch_gradgrad=True, **_LOOSE),
    OpInfo("Tensor.cumprod_", _inplace_cum("cumprod_"), lambda make: _cum_samples(make)[:2], prims=("_cumprod",)),
    OpInfo("logcumsumexp", _call("logcumsumexp"), lambda make: _cum_samples(make) + [
        Sample((make.float([1000.0, -1000.0, 999.0, 1.0]), 0), desc="+-1000")],
        covers=("logcumsumexp",), prims=("_logcumsumexp",), torch_gradgrad=True, **_LOOSE),
)


# == extrema ====================================================================================


def _max_full_samples(make):
    return [
        Sample((make((2, 3)),), desc="matrix"),
        Sample((make(()),), desc="0-d"),
        Sample((NC(make((3, 2))),), desc="non-contiguous"),
        Sample((make((2, 1, 3)),), desc="3-d"),
        Sample((_ties(make),), desc="ties share the gradient", gradcheck=False),
        Sample((_with_nan(make),), desc="NaN", gradcheck=False),
    ]


def _max_dim_samples(make):
    return _dim_samples(make, full=False) + [
        Sample((_ties(make), 1), desc="ties: the first index", gradcheck=False),
        Sample((_ties(make), 0, True), desc="ties along dim 0, keepdim", gradcheck=False),
        Sample((_with_nan(make), 1), desc="NaN", gradcheck=False),
        Sample((make((0, 3)), 1), desc="empty dim kept"),
    ]


def _extreme_int_samples(make):
    return [
        Sample((make.ints((2, 3)),), desc="int64"),
        Sample((make.ints((2, 3)), 1), desc="int64 dim"),
        Sample((make.bools((2, 3)), 0), desc="bool dim"),
        Sample((make.ints((4,), dtype="int32"),), desc="int32"),
    ]


def _binary_samples(make):
    a = make((2, 3))
    return [
        Sample((a, make((2, 3))), desc="same shape"),
        Sample((make((2, 3)), make((3,))), desc="broadcast"),
        Sample((a, a.copy()), desc="equal: ties share", gradcheck=False),
    ]


def _amax_samples(make):
    x = make((2, 3, 2))
    return [
        Sample((x,), desc="all"),
        Sample((x, 1), desc="dim 1"),
        Sample((x, (0, 2)), desc="dims tuple"),
        Sample((x, -1, True), desc="keepdim"),
        Sample((x,), {"dim": (), "keepdim": True}, desc="empty dims: all, keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((_ties(make), 1), desc="ties share the gradient", gradcheck=False),
        Sample((_ties(make),), desc="ties, all", gradcheck=False),
        Sample((make((0, 3)), 1), desc="empty dim kept"),
    ]


def _aminmax_samples(make):
    return [
        Sample((make((2, 3)),), desc="all"),
        Sample((make((2, 3)),), {"dim": 1}, desc="dim"),
        Sample((make((2, 3)),), {"dim": 0, "keepdim": True}, desc="keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((_ties(make),), {"dim": 1}, desc="ties", gradcheck=False),
    ]


def _arg_samples(make):
    x = make((2, 3, 2))
    return [
        Sample((x,), desc="flat"),
        Sample((x, 1), desc="dim"),
        Sample((x, -1, True), desc="keepdim"),
        Sample((x,), {"keepdim": True}, desc="flat, keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((_ties(make), 1), desc="ties: the first"),
        Sample((_with_nan(make), 1), desc="NaN wins"),
    ]


def _max_binary(name):
    return lambda mod, a, b: getattr(mod, name)(a, b)


register(
    OpInfo("max", _call("max"), _max_full_samples, covers=("max",), prims=("_max_all",),
           int_samples=lambda make: _extreme_int_samples(make)[::3]),
    OpInfo("min", _call("min"), _max_full_samples, covers=("min",), prims=("_min_all",),
           int_samples=lambda make: _extreme_int_samples(make)[::3]),
    OpInfo("max(dim)", _call("max"), _max_dim_samples, prims=("_max_pick", "_scatter_along"),
           int_samples=lambda make: _extreme_int_samples(make)[1:3], torch_gradgrad=True),
    OpInfo("min(dim)", _call("min"), _max_dim_samples, prims=("_min_pick",),
           int_samples=lambda make: _extreme_int_samples(make)[1:3]),
    OpInfo("Tensor.max", _method("max"), lambda make: _max_dim_samples(make)[:3] + _max_full_samples(make)[:1]),
    OpInfo("Tensor.min", _method("min"), lambda make: _max_dim_samples(make)[:3] + _max_full_samples(make)[:1]),
    OpInfo("max(a, b)", _max_binary("max"), _binary_samples),
    OpInfo("min(a, b)", _max_binary("min"), _binary_samples),
    OpInfo("amax", _call("amax"), _amax_samples, covers=("amax",), prims=("_amax",), torch_gradgrad=True,
           int_samples=_extreme_int_samples),
    OpInfo("amin", _call("amin"), _amax_samples, covers=("amin",), prims=("_amin",),
           int_samples=_extreme_int_samples),
    OpInfo("aminmax", _call("aminmax"), _aminmax_samples, covers=("aminmax",), prims=("_aminmax_min", "_aminmax_max"),
           int_samples=lambda make: [Sample((make.ints((2, 3)),), {"dim": 1})]),
    OpInfo("argmax", _call("argmax"), _arg_samples, covers=("argmax",), differentiable=False,
           int_samples=_extreme_int_samples),
    OpInfo("argmin", _call("argmin"), _arg_samples, covers=("argmin",), differentiable=False,
           int_samples=_extreme_int_samples),
)


# == statistics =================================================================================


def _var_samples(make):
    x = make((2, 3, 2))
    return [
        Sample((x,), desc="all"),
        Sample((x, 1), desc="dim 1"),
        Sample((x, (0, 2)), desc="dims tuple"),
        Sample((x, -1, True), desc="dim, unbiased, positional"),
        Sample((x, 1, False, True), desc="dim, biased, keepdim"),
        Sample((x, False), desc="unbiased=False positional"),
        Sample((x,), {"dim": 1, "correction": 0}, desc="correction 0"),
        Sample((x,), {"dim": (0, 1), "correction": 2, "keepdim": True}, desc="correction 2"),
        Sample((x,), {"unbiased": False}, desc="unbiased keyword"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make((5,)),), desc="vector"),
        Sample((make.float([[1.5, 1.5, 1.5], [1.0, 2.0, 3.0]]), 1), desc="constant row", gradcheck=False),
        Sample((make((2, 1)), 1), desc="one element: NaN", gradcheck=False),
        Sample((make((3, 400), 0, 8, dtype="float16"), 1), desc="float16 accumulates in float32"),
    ]


register(
    OpInfo("var", _call("var"), _var_samples, covers=("var",), prims=("_var", "_mean_dims"),
           torch_gradgrad=True, **_LOOSE),
    OpInfo("std", _call("std"), _var_samples, covers=("std",), prims=("_std",), torch_gradgrad=True, **_LOOSE),
    OpInfo("Tensor.var", _method("var"), lambda make: _var_samples(make)[:3], prims=("_var",)),
    OpInfo("Tensor.std", _method("std"), lambda make: _var_samples(make)[:3], prims=("_std",)),
    OpInfo("var_mean", _call("var_mean"), lambda make: _var_samples(make)[:9:2], covers=("var_mean",),
           prims=("_var_of_var_mean", "_mean_of_var_mean"), **_LOOSE),
    OpInfo("std_mean", _call("std_mean"), lambda make: _var_samples(make)[:9:2], covers=("std_mean",),
           prims=("_std_of_std_mean", "_mean_of_std_mean"), torch_gradgrad=True, **_LOOSE),
)


def _logsumexp_samples(make):
    x = make((2, 3, 2))
    return [
        Sample((x, 1), desc="dim 1"),
        Sample((x, (0, 2)), desc="dims tuple"),
        Sample((x, -1, True), desc="keepdim"),
        Sample((x,), {"dim": 0}, desc="keyword dim"),
        Sample((make(()), 0), desc="0-d"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make.float([[1000.0, -1000.0, 999.0], [-1000.0, -999.0, -1000.0]]), 1), desc="+-1000"),
        Sample((make.float([[-np.inf, -np.inf], [np.inf, 1.0]]), 1), desc="infinities", gradcheck=False),
        Sample((make((0, 3)), 0), desc="empty: -inf"),
    ]


register(
    OpInfo("logsumexp", _call("logsumexp"), _logsumexp_samples, covers=("logsumexp",), prims=("_logsumexp",), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((2, 3)), 1))], **_LOOSE),
)


def _norm_samples(make):
    x = make((2, 3))
    out = [
        Sample((x,), desc="default fro"),
        Sample((x, 2), desc="p 2"),
        Sample((x, 1, 1), desc="p 1, dim 1"),
        Sample((x, float("inf"), 0), desc="p inf, dim 0"),
        Sample((x, -float("inf")), desc="p -inf"),
        Sample((x, 3.5, (0, 1), True), desc="p 3.5, dims, keepdim"),
        Sample((x, 0.5, 1), desc="p 0.5"),
        Sample((x, "fro", 1), desc="fro, dim 1"),
        Sample((x,), {"p": 2, "dim": 0, "keepdim": True}, desc="keywords"),
        Sample((make(()),), desc="0-d"),
        Sample((NC(make((3, 2))), 2, 0), desc="non-contiguous"),
        Sample((make((2, 3)), 0, 1), desc="p 0: counts non-zeros"),
        Sample((make((2, 3), dtype="float32"),), {"dtype": DType("float64")}, desc="dtype float64"),
    ]
    if hasattr(chainrule, "linalg") and hasattr(chainrule.linalg, "matrix_norm"):
        out += [Sample((make((3, 2)), "nuc"), desc="nuclear"),
                Sample((make((2, 3, 2)), "nuc", (1, 2)), desc="nuclear, dims")]
    return out


def _norm_kink_samples(make):
    at_zero = make.float([[0.0, 0.0, 0.0], [1.5, 0.0, -2.0]])
    out = [Sample((at_zero, p, 1), desc=f"p {p} at zero", gradcheck=False)
           for p in (2, 1, float("inf"), -float("inf"), 3.5, 0.5)]
    out.append(Sample((make.float([[2.0, -2.0, 1.0]]), float("inf"), 1), desc="inf norm ties", gradcheck=False))
    return out


register(
    OpInfo("norm", _call("norm"), _norm_samples, covers=("norm",), prims=("_vector_pnorm",),
           domain=(0.2, 2.0), torch_gradgrad=True, **_LOOSE),
    # torch's second derivative at a zero norm is NaN (its masked division); not compared.
    OpInfo("norm at kinks", _call("norm"), _norm_kink_samples, prims=("_vector_pnorm",), skips=_KINKS_ONLY),
    OpInfo("Tensor.norm", _method("norm"), lambda make: _norm_samples(make)[:3], prims=("_vector_pnorm",)),
)


# == logical reductions and counting ============================================================


def _logical_samples(make):
    x = make.float([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    return [
        Sample((x,), desc="all"),
        Sample((x, 1), desc="dim"),
        Sample((x, 0, True), desc="keepdim"),
        Sample((make((0, 3)),), desc="empty"),
        Sample((make.float(np.nan),), desc="NaN counts as true"),
    ]


def _logical_int_samples(make):
    return [
        Sample((make.bools((2, 3)),), desc="bool"),
        Sample((make.bools((2, 3)), 1), desc="bool dim"),
        Sample((make.ints((2, 3), 0, 2, dtype="uint8"),), desc="uint8 stays uint8"),
        Sample((make.ints((2, 3), 0, 2), 0), desc="int64"),
    ]


register(
    OpInfo("all", _call("all"), _logical_samples, covers=("all",), differentiable=False,
           int_samples=_logical_int_samples),
    OpInfo("any", _call("any"), _logical_samples, covers=("any",), differentiable=False,
           int_samples=_logical_int_samples),
    OpInfo("Tensor.all", _method("all"), _logical_samples, differentiable=False),
    OpInfo("count_nonzero", _call("count_nonzero"), lambda make: _logical_samples(make)[:2] + [
        Sample((make.float([[0.0, 1.0], [2.0, 0.0]]), (0, 1)), desc="dims tuple")],
        covers=("count_nonzero",), differentiable=False, int_samples=_logical_int_samples),
)


# == order statistics and sorting ===============================================================


def _sort_samples(make):
    return [
        Sample((make((2, 3, 2)),), desc="default dim -1"),
        Sample((make((3, 4)), 0), desc="dim 0"),
        Sample((make((3, 4)), 1, True), desc="descending"),
        Sample((make((3, 4)),), {"dim": 0, "descending": True}, desc="keywords"),
        Sample((make((4,)),), {"stable": True}, desc="stable"),
        Sample((make(()),), desc="0-d"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make((0, 3)), 1), desc="empty"),
        Sample((make.float([2.0, 1.0, 2.0, 1.0, 2.0]),), {"stable": True}, desc="ties keep their order", gradcheck=False),
        Sample((make.float([2.0, 1.0, 2.0, 1.0, 2.0]),), {"stable": True, "descending": True},
               desc="ties, descending", gradcheck=False),
        Sample((make.float([2.0, np.nan, 1.0, -np.inf]), 0, True), desc="NaN first descending", gradcheck=False),
        Sample((make.float([2.0, np.nan, 1.0, np.inf]),), desc="NaN last", gradcheck=False),
    ]


def _topk_samples(make):
    return [
        Sample((make((2, 5)), 2), desc="k 2"),
        Sample((make((4, 3)), 2, 0), desc="dim 0"),
        Sample((make((2, 5)), 3, -1, False), desc="smallest"),
        Sample((make((2, 5)), 1), {"largest": True, "sorted": True}, desc="keywords"),
        Sample((make((5,)), 0), desc="k 0"),
        Sample((make((5,)), 5), desc="k = n"),
        Sample((make(()), 1), desc="0-d"),
        Sample((NC(make((3, 2))), 1, 0), desc="non-contiguous"),
        Sample((make.float([1.0, 3.0, 3.0, 2.0]), 2), desc="ties", gradcheck=False),
    ]


def _kthvalue_samples(make):
    return [
        Sample((make((2, 5)), 2), desc="k 2"),
        Sample((make((4, 3)), 1, 0), desc="dim 0"),
        Sample((make((4, 3)), 3, 0, True), desc="keepdim"),
        Sample((make(()), 1), desc="0-d"),
        Sample((NC(make((3, 2))), 2, 0), desc="non-contiguous"),
    ]  # no ties: which of the tied indices torch returns depends on its quickselect


def _median_samples(make):
    return [
        Sample((make((2, 3)),), desc="all, odd"),
        Sample((make((2, 2)),), desc="all, even: the lower"),
        Sample((make((3, 4)), 1), desc="dim 1"),
        Sample((make((3, 5)), 0, True), desc="dim 0, keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((make(()), 0), desc="0-d dim 0"),
        Sample((NC(make((3, 2))), 0), desc="non-contiguous"),
        Sample((make.float([1.0, 2.0, 2.0, 3.0]),), desc="ties share", gradcheck=False),
        Sample((make.float([[1.0, np.nan, 3.0], [2.0, 0.0, 1.0]]),), desc="NaN", gradcheck=False),
        Sample((make.float([[1.0, np.nan, 3.0], [2.0, 0.0, 1.0]]), 1), desc="NaN, dim", gradcheck=False),
    ]  # no ties along a dim: which of the tied indices torch returns depends on its quickselect


def _mode_samples(make):
    return [
        Sample((make((2, 4)),), desc="distinct: the smallest"),
        Sample((make((4, 3)), 0), desc="dim 0"),
        Sample((make((2, 3)), 1, True), desc="keepdim"),
        Sample((make(()),), desc="0-d"),
        Sample((make.float([[1.0, 2.0, 2.0, 3.0, 1.0], [3.0, 3.0, 0.5, 3.0, 0.5]]),), desc="repeats",
               gradcheck=False),
    ]


def _order_int_samples(make):
    distinct = make.rng.permutation(12).reshape(3, 4) - 5
    return [Sample((distinct, 2), desc="int64"), Sample((make.ints((5,), dtype="int32"), 1), desc="int32")]


register(
    OpInfo("sort", _call("sort"), _sort_samples, covers=("sort",), prims=("_sort_pick", "_sort_stable_pick"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)),)), Sample((make.bools((5,)),))]),
    OpInfo("Tensor.sort", _method("sort"), lambda make: _sort_samples(make)[:3], prims=("_sort_pick",)),
    OpInfo("argsort", _call("argsort"), _sort_samples, covers=("argsort",), differentiable=False,
           int_samples=lambda make: [Sample((make.ints((3, 4)),))]),
    OpInfo("topk", _call("topk"), _topk_samples, covers=("topk",), prims=("_topk_pick",), torch_gradgrad=True,
           int_samples=_order_int_samples),
    OpInfo("kthvalue", _call("kthvalue"), _kthvalue_samples, covers=("kthvalue",), prims=("_kthvalue_pick",),
           int_samples=lambda make: _order_int_samples(make)[:1]),
    OpInfo("median", _call("median"), _median_samples, covers=("median",), prims=("_median_all", "_median_pick"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 5)),)), Sample((make.rng.permutation(15).reshape(3, 5), 1))]),
    OpInfo("mode", _call("mode"), _mode_samples, covers=("mode",), prims=("_mode_pick",),
           int_samples=lambda make: [Sample((make.ints((3, 6), 0, 3), 1))]),
    OpInfo("cummax", _call("cummax"), lambda make: _cum_samples(make) + [
        Sample((make.float([1.0, 3.0, 2.0, 3.0, 0.5]), 0), desc="ties: the latest", gradcheck=False)],
        covers=("cummax",), prims=("_cummax_pick", "_put_along_kernel"), int_samples=lambda make: _cum_int_samples(make)[:2]),
    OpInfo("cummin", _call("cummin"), lambda make: _cum_samples(make) + [
        Sample((make.float([3.0, 1.0, 2.0, 1.0, 4.0]), 0), desc="ties: the latest", gradcheck=False)],
        covers=("cummin",), prims=("_cummin_pick",), int_samples=lambda make: _cum_int_samples(make)[:2]),
    OpInfo("unique", _call("unique"), lambda make: [
        Sample((make.float([[2.0, 1.0, 2.0], [3.0, 1.0, 0.5]]),), desc="sorted"),
        Sample((make.float([2.0, 1.0, 2.0]),), {"return_inverse": True}, desc="inverse"),
        Sample((make.float([[2.0, 1.0], [2.0, 3.0]]),), {"return_inverse": True, "return_counts": True},
               desc="inverse and counts"),
        Sample((make(()),), desc="0-d")],
        covers=("unique",), prims=("_unique",), backward_raises=True,
        int_samples=lambda make: [Sample((make.ints((3, 4), 0, 3),), {"return_counts": True}),
                                  Sample((make.ints((3, 2), 0, 2),), {"dim": 0, "return_inverse": True})]),
    OpInfo("unique(dim)", _call("unique"), lambda make: [
        Sample((make.float([[2.0, 1.0], [2.0, 1.0], [0.5, 3.0]]),), {"dim": 0}, desc="rows"),
        Sample((make.float([[2.0, 2.0, 1.0], [1.0, 1.0, 3.0]]),), {"dim": 1, "return_counts": True}, desc="columns")],
        prims=("_unique_dim",), backward_raises=True),
)


# == errors =====================================================================================

ERRORS += [
    ErrorCase("max of empty", lambda mod: mod.max(mod.zeros(0, 3))),
    ErrorCase("max over an empty dim", lambda mod: mod.max(mod.zeros(0, 3), 0)),
    ErrorCase("min dim out of range", lambda mod: mod.ones(2, 3).min(2)),
    ErrorCase("amax over an empty dim", lambda mod: mod.amax(mod.zeros(0, 3), 0)),
    ErrorCase("argmax of empty", lambda mod: mod.argmax(mod.zeros(0, 3))),
    ErrorCase("norm of int", lambda mod: mod.norm(mod.ones(3, dtype=mod.int64))),
    ErrorCase("var of int", lambda mod: mod.var(mod.ones(3, dtype=mod.int64))),
    ErrorCase("kthvalue k out of range", lambda mod: mod.kthvalue(mod.ones(2, 3), 4)),
    ErrorCase("topk k out of range", lambda mod: mod.topk(mod.ones(2, 3), 4)),
    ErrorCase("cumsum bad dim", lambda mod: mod.cumsum(mod.ones(2, 3), 2)),
    # torch's message lists its overloads; chainrule says which argument is missing.
    ErrorCase("logsumexp without dim", lambda mod: mod.logsumexp(mod.ones(2, 3)), same_message=False),
    ErrorCase("var unbiased and correction", lambda mod: mod.var(mod.ones(3), 0, unbiased=True, correction=1),
              same_message=False),
    ErrorCase("prod backward through unique", lambda mod: mod.unique(mod.ones(3, requires_grad=True)).sum().backward()),
]


def _first_grad(name, *args):
    """``op``: the gradient of ``mod.<name>(x, *args).values`` as a function of ``x`` (built with
    create_graph=True), so that the gradient's own ops (scatters, gathers) are what is tested."""

    def op(mod, x, cot):
        values = getattr(mod, name)(x, *args)[0]
        return mod.autograd.grad(values, x, cot, create_graph=True)[0]

    return op


register(
    OpInfo("max(dim) gradient", _first_grad("max", 1), lambda make: [
        Sample((make((2, 3)), make((2,))), desc="matrix"), Sample((make((3, 2, 2)), make((3, 2))), desc="3-d")],
        prims=("_scatter_along", "_take_along"), torch_gradgrad=True),
    OpInfo("cummax gradient", _first_grad("cummax", 1), lambda make: [
        Sample((make.float([[1.0, 3.0, 2.0], [0.5, 0.2, 0.1]]), make((2, 3))), desc="repeated indices",
               gradcheck=False)],
        prims=("_put_along_kernel", "_take_along"), torch_gradgrad=True, skips=_KINKS_ONLY),
)

ERRORS += [
    ErrorCase("norm nuc of 3-d without dim", lambda mod: mod.norm(mod.ones(2, 3, 4), "nuc")),
    ErrorCase("norm unknown order", lambda mod: mod.norm(mod.ones(2, 3), "abc")),
    ErrorCase("unique dim backward", lambda mod: mod.unique(mod.ones(2, 2, requires_grad=True), dim=0).sum().backward()),
    ErrorCase("argmax of bool", lambda mod: mod.argmax(mod.ones(3, dtype=mod.bool))),
    ErrorCase("median over an empty dim", lambda mod: mod.median(mod.zeros(0, 3), 0)),
    ErrorCase("sort bad dim", lambda mod: mod.sort(mod.ones(2, 3), 2)),
]

ERRORS += [
    ErrorCase("inf norm of empty", lambda mod: mod.norm(mod.zeros(0, 3), float("inf"))),
    ErrorCase("inf norm over an empty dim", lambda mod: mod.norm(mod.zeros(3, 0), -float("inf"), 1)),
    ErrorCase("median of bool", lambda mod: mod.median(mod.ones(3, dtype=mod.bool))),
]


# PyTorch's argument parser also takes NumPy's names: axis for dim, keepdims for keepdim.
register(
    OpInfo("sum(axis, keepdims)", _call("sum"), lambda make: [
        Sample((make((2, 3)),), {"axis": 1}, desc="axis"), Sample((make((2, 3)),), {"axis": 0, "keepdims": True})],
        prims=("_sum_dims",)),
    OpInfo("Tensor.max(axis)", _method("max"), lambda make: [Sample((make((2, 3)),), {"axis": 1, "keepdims": True})],
           prims=("_max_pick",)),
    OpInfo("std(axis, keepdims)", _call("std"), lambda make: [Sample((make((2, 3)),), {"axis": 1, "keepdims": True})],
           prims=("_std",)),
    OpInfo("cumsum(axis)", _call("cumsum"), lambda make: [Sample((make((2, 3)),), {"axis": 1})], prims=("_cumsum",)),
    OpInfo("amax(axis)", _call("amax"), lambda make: [Sample((make((2, 3)),), {"axis": 1, "keepdims": True})],
           prims=("_amax",)),
)
