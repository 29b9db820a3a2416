"""Registry entries for searching, counting, statistics and the smaller elementwise and shape ops
PyTorch programs use (searchsorted, quantile, cov, sinc, hsplit, block_diag...), and for the
creation functions logspace and tril/triu_indices (see opinfo.py for the conventions).

Most of these ops are compositions of chainrule's primitives; where PyTorch records a node of its
own (SincBackward0, QuantileBackward...) the grad_fn name test is skipped with that reason.
"""

from __future__ import annotations

import numpy as np

from opinfo import ERRORS, NC, Const, DType, ErrorCase, OpInfo, Sample, register

_LOOSE = {"rtol": {"float32": 1e-4, "float64": 1e-9}, "atol": {"float32": 1e-5, "float64": 1e-12}}
_COMPOSITE = {"grad_fn": "a composition of chainrule ops; PyTorch records a node of its own"}


def _call(name):
    return lambda mod, *a, **k: getattr(mod, name)(*a, **k)


def _method(name):
    return lambda mod, x, *a, **k: getattr(x, name)(*a, **k)


def _sorted(make, shape):
    return np.sort(make(shape), axis=-1)


# == searching and counting (no gradient) =========================================================


def _searchsorted_samples(make):
    s = _sorted(make, (2, 5))
    return [
        Sample((s, make((2, 3))), desc="rows"),
        Sample((s[0].copy(), make((2, 3))), desc="1-d boundaries"),
        Sample((s[0].copy(), make((2, 3))), {"right": True}, desc="right"),
        Sample((s[0].copy(), make((4,))), {"side": "right", "out_int32": True}, desc="side, int32"),
        Sample((s[0].copy(), 0.5), desc="a number"),
        Sample((s[0].copy(), s[0].copy()), desc="ties left"),
        Sample((s[0].copy(), s[0].copy()), {"right": True}, desc="ties right"),
    ]


def _searchsorted_sorter(mod, seq, values, **kw):
    return mod.searchsorted(seq, values, sorter=mod.argsort(seq), **kw)


def _isin_int_samples(make):
    return [
        Sample((make.ints((3, 4), 0, 6), make.ints((5,), 0, 6)), desc="int64"),
        Sample((make.ints((3, 4), 0, 6), make.ints((5,), 0, 6)), {"invert": True}, desc="invert"),
        Sample((make.ints((6,), 0, 9), np.arange(3)), {"assume_unique": True}, desc="assume_unique"),
        Sample((make.ints((4,), 0, 4), 2), desc="a number"),
        Sample((make.ints((4,), 0, 4, dtype="int32"), make.float([1.0, 2.5])), desc="int32 and float"),
    ]


def _bincount_int_samples(make):
    return [
        Sample((make.ints((8,), 0, 5),), desc="counts"),
        Sample((make.ints((8,), 0, 5),), {"minlength": 9}, desc="minlength"),
        Sample((np.zeros(0, dtype=np.int64),), desc="empty"),
        Sample((make.ints((4,), 0, 3, dtype="int32"), np.array([1, 2, 3, 4], dtype=np.int32)), desc="int weights"),
        Sample((make.ints((4,), 0, 3), make.float([0.5, 1.5, -1.0, 2.0])), desc="float weights"),
    ]


def _histc_samples(make):
    return [
        Sample((make((20,)),), desc="data range, 100 bins"),
        Sample((make((4, 5)), 7), desc="7 bins"),
        Sample((make((20,)),), {"bins": 4, "min": -1, "max": 1}, desc="range, values outside ignored"),
        Sample((make.float([0.0, 1.0, 2.0, 2.0]),), {"bins": 4, "min": 0, "max": 2}, desc="max in the last bin"),
        Sample((make.float([3.0, 3.0]), 3), desc="one value"),
    ]


def _unique_consecutive_samples(make):
    runs = make.float([1.0, 1.0, 2.0, 2.0, 2.0, -1.0, 1.0])
    rows = make.float([[1.0, 2.0], [1.0, 2.0], [0.5, 2.0], [1.0, 2.0]])
    return [
        Sample((runs,), desc="runs"),
        Sample((runs,), {"return_inverse": True, "return_counts": True}, desc="inverse and counts"),
        Sample((rows,), {"dim": 0, "return_inverse": True, "return_counts": True}, desc="rows"),
        Sample((rows,), {"dim": 1, "return_counts": True}, desc="columns"),
        Sample((rows,), {"return_inverse": True}, desc="2-d flattened, inverse keeps the shape"),
        Sample((make(()),), desc="0-d"),
    ]


register(
    OpInfo("searchsorted", _call("searchsorted"), lambda make: _searchsorted_samples(make)[:-1], covers=("searchsorted",), differentiable=False,
           int_samples=lambda make: [Sample((np.array([1, 3, 5, 7]), make.ints((2, 3), 0, 9))),
                                     Sample((np.array([1, 3, 5, 7]), 4), {"right": True})]),
    OpInfo("searchsorted(sorter)", _searchsorted_sorter, lambda make: [
        Sample((make((6,)), make((2, 3))), desc="unsorted"), Sample((make((2, 6)), make((2, 3))), {"right": True})],
        differentiable=False),
    OpInfo("bucketize", _call("bucketize"), lambda make: [
        Sample((make((2, 3)), _sorted(make, (5,))), desc="values"),
        Sample((make((4,)), _sorted(make, (5,))), {"right": True, "out_int32": True}, desc="right, int32"),
        Sample((0.25, _sorted(make, (5,))), desc="a number")],
        covers=("bucketize",), differentiable=False),
    OpInfo("isin", _call("isin"), lambda make: [
        Sample((make.float([1.0, 2.0, 3.0, 2.5]), make.float([2.0, 3.0])), desc="floats")],
        covers=("isin",), differentiable=False, int_samples=_isin_int_samples),
    OpInfo("histc", _call("histc"), _histc_samples, covers=("histc",), differentiable=False),
    OpInfo("Tensor.histc", _method("histc"), lambda make: _histc_samples(make)[1:3], differentiable=False),
    OpInfo("bincount", _call("bincount"), lambda make: [], covers=("bincount",), differentiable=False,
           int_samples=_bincount_int_samples),
    OpInfo("bincount(weights)", lambda mod, w: mod.bincount(mod.tensor([0, 2, 2, 4]), w, 6), lambda make: [
        Sample((make((4,)),), desc="float weights")], prims=("_bincount_weighted",), backward_raises=True),
    OpInfo("Tensor.bincount", _method("bincount"), lambda make: [], differentiable=False,
           int_samples=lambda make: _bincount_int_samples(make)[:2]),
    OpInfo("unique_consecutive", _call("unique_consecutive"), _unique_consecutive_samples,
           covers=("unique_consecutive",), prims=("_unique_consecutive",), backward_raises=True,
           int_samples=lambda make: [Sample((make.ints((9,), 0, 2),), {"return_counts": True})]),
    OpInfo("Tensor.unique_consecutive", _method("unique_consecutive"),
           lambda make: _unique_consecutive_samples(make)[1:3], prims=("_unique_consecutive",),
           backward_raises=True),
)


# == differences, integrals, statistics ===========================================================


def _diff_samples(make):
    x = make((3, 5))
    return [
        Sample((x,), desc="last dim"),
        Sample((x, 2, 0), desc="second order along dim 0"),
        Sample((x, 1, -1, make((3, 2)), make((3, 1))), desc="prepend and append"),
        Sample((x,), {"n": 6}, desc="order past the length"),
        Sample((x,), {"n": 0}, desc="order 0: a copy (CopyBackwards in PyTorch)", grad_fn=False),
        Sample((make((2, 3)), 1, 0), desc="small"),
        Sample((NC(make((4, 3))), 1, 0), desc="non-contiguous"),
        Sample((make((0, 3)), 1, 0), desc="empty"),
    ]


def _trapezoid_samples(make):
    y = make((3, 5))
    return [
        Sample((y,), desc="unit spacing"),
        Sample((y,), {"dx": 0.5, "dim": 0}, desc="dx, dim 0"),
        Sample((make((2, 3)), np.sort(make((3,)))), desc="small"),
        Sample((y, np.sort(make((5,)))), desc="1-d x"),
        Sample((y, np.sort(make((3, 5)), axis=-1)), desc="x like y"),
        Sample((y, np.sort(make((3,)))), {"dim": 0}, desc="1-d x along dim 0"),
        Sample((make((3, 1)),), desc="one point"),
    ]


def _quantile_samples(make):
    x = make((3, 5))
    out = [
        Sample((x, 0.3), desc="all elements"),
        Sample((x, 0.75, 1), desc="dim 1"),
        Sample((x, 0.4, 0, True), desc="dim 0, keepdim"),
        Sample((x, make.float([0.1, 0.45, 0.9]), 1), desc="q tensor"),
        Sample((x, make.float([0.2, 0.55]), None, True), desc="q tensor, all, keepdim"),
        Sample((x, make.float(0.35), -1), desc="0-d q"),
        Sample((x, 1.0, 1), desc="q 1"),
        Sample((x, 0.0, 0), desc="q 0"),
        Sample((NC(make((5, 3))), 0.6, 0), desc="non-contiguous"),
    ]
    for mode in ("lower", "higher", "midpoint", "nearest"):
        out.append(Sample((x, Const(make.float([0.125, 0.5, 0.8])), 1), {"interpolation": mode}, desc=mode))
    out.append(Sample((make((2, 3)), make.float([0.3, 0.6]), 1), desc="small"))
    return out


def _nan_rows(make):
    x = make((2, 5))
    x[0, 1] = x[1, 4] = x[1, 0] = np.nan
    return x


def _nanquantile_samples(make):
    return _quantile_samples(make)[:6] + [
        Sample((_nan_rows(make), 0.3, 1), desc="NaN in rows"),
        Sample((_nan_rows(make), Const(make.float([0.25, 0.7])), 1), {"interpolation": "midpoint"},
               desc="NaN, midpoint"),
        Sample((_nan_rows(make), 0.5), desc="NaN, all"),
    ]


def _quantile_nan_samples(make):
    return _quantile_samples(make)[:6] + _quantile_samples(make)[-1:] + [
        Sample((_nan_rows(make), 0.3, 1), desc="NaN wins", gradcheck=False)]


def _nanmedian_samples(make):
    return [
        Sample((make((3, 5)),), desc="all, no NaN"),
        Sample((make((3, 5)), 1), desc="dim 1"),
        Sample((make((3, 4)), 0, True), desc="dim 0, keepdim"),
        Sample((_nan_rows(make),), desc="all with NaN"),
        Sample((_nan_rows(make), 1), desc="NaN in rows"),
        Sample((make(()), 0), desc="0-d"),
        Sample((make.float([[1.0, np.nan, 0.5], [np.nan, 2.0, -1.5]]), 1), desc="small, NaN"),
    ]


def _cov_samples(make):
    return [
        Sample((make((3, 6)),), desc="variables in rows"),
        Sample((make((6,)),), desc="one variable"),
        Sample((make((2, 5)),), {"correction": 0}, desc="correction 0"),
        Sample((make((2, 4)),), {"fweights": np.array([1, 3, 2, 1])}, desc="fweights"),
        Sample((make((2, 4)),), {"aweights": Const(make((4,), 0.2, 1.0))}, desc="aweights"),
        Sample((make((2, 4)),), {"fweights": np.array([1, 3, 2, 1]), "aweights": Const(make((4,), 0.2, 1.0)),
                                 "correction": 2}, desc="both weights"),
        Sample((NC(make((4, 3))),), desc="non-contiguous"),
    ]


def _renorm_samples(make):
    return [
        Sample((make((3, 4)), 2, 0, 1.0), desc="rows, p 2"),
        Sample((make((3, 4)), 1, 1, 1.5), desc="columns, p 1"),
        Sample((make((2, 3, 2)), 3.0, -1, 0.8), desc="3-d"),
        Sample((make((3, 4), 0.01, 0.1), 2, 0, 5.0), desc="under maxnorm: unchanged"),
    ]


register(
    OpInfo("diff", _call("diff"), _diff_samples, covers=("diff",), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((4, 3)),)), Sample((make.bools((5,)),)),
                                     Sample((make.ints((4,)), 2, 0, np.array([1, 2])))]),
    OpInfo("Tensor.diff", _method("diff"), lambda make: _diff_samples(make)[1:3] + _diff_samples(make)[-2:]),
    OpInfo("trapezoid", _call("trapezoid"), _trapezoid_samples, covers=("trapezoid",), skips=_COMPOSITE,
           int_samples=lambda make: [Sample((make.ints((2, 4)),))], **_LOOSE),
    OpInfo("trapz", _call("trapz"), lambda make: _trapezoid_samples(make)[2:4], covers=("trapz",),
           skips=_COMPOSITE, **_LOOSE),
    OpInfo("cumulative_trapezoid", _call("cumulative_trapezoid"), _trapezoid_samples,
           covers=("cumulative_trapezoid",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("dist", _call("dist"), lambda make: [
        Sample((make((2, 3)), make((2, 3))), desc="p 2"),
        Sample((make((2, 3)), make((3,)), 1), desc="p 1, broadcast"),
        Sample((make((4,)), make((4,)), 3.5), desc="p 3.5")],
        covers=("dist",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("Tensor.dist", _method("dist"), lambda make: [Sample((make((2, 3)), make((2, 3)), 3))], skips=_COMPOSITE,
           **_LOOSE),
    OpInfo("quantile", _call("quantile"), _quantile_samples, covers=("quantile",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("quantile(NaN)", _call("quantile"), _quantile_nan_samples, skips=_COMPOSITE, **_LOOSE),
    OpInfo("Tensor.quantile", _method("quantile"), lambda make: _quantile_samples(make)[-1:], skips=_COMPOSITE,
           **_LOOSE),
    OpInfo("nanquantile", _call("nanquantile"), _nanquantile_samples, covers=("nanquantile",), skips=_COMPOSITE,
           **_LOOSE),
    OpInfo("Tensor.nanquantile", _method("nanquantile"), lambda make: _nanquantile_samples(make)[-3:],
           skips=_COMPOSITE, **_LOOSE),
    OpInfo("nanmedian", _call("nanmedian"), _nanmedian_samples, covers=("nanmedian",),
           skips={"grad_fn": "recorded as median's pick (MedianBackward0/1), PyTorch's is NanmedianBackward0/1"},
           int_samples=lambda make: [Sample((make.ints((3, 4)),)), Sample((make.ints((3, 4)), 1))]),
    OpInfo("Tensor.nanmedian", _method("nanmedian"), lambda make: _nanmedian_samples(make)[3:],
           skips={"grad_fn": "recorded as median's pick"}),
    OpInfo("cov", _call("cov"), _cov_samples, covers=("cov",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("corrcoef", _call("corrcoef"), lambda make: [Sample((make((3, 6)),)), Sample((make((5,)),))],
           covers=("corrcoef",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("renorm", _call("renorm"), _renorm_samples, covers=("renorm",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("Tensor.renorm", _method("renorm"), lambda make: _renorm_samples(make)[:1], skips=_COMPOSITE, **_LOOSE),
    OpInfo("msort", _call("msort"), lambda make: [Sample((make((4, 3)),)), Sample((make((5,)),))],
           covers=("msort",)),
    OpInfo("Tensor.msort", _method("msort"), lambda make: [Sample((make((4, 3)),))]),
    OpInfo("cosine_similarity", _call("cosine_similarity"), lambda make: [
        Sample((make((2, 3)), make((2, 3))), desc="dim 1"), Sample((make((2, 3)), make((3,)), -1), desc="broadcast")],
        covers=("cosine_similarity",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("pairwise_distance", _call("pairwise_distance"), lambda make: [
        Sample((make((2, 3)), make((2, 3))), desc="p 2"), Sample((make((3, 2)), make((3, 2)), 1.0, 1e-6, True),
                                                                 desc="p 1, keepdim")],
        covers=("pairwise_distance",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("chain_matmul", _call("chain_matmul"), lambda make: [
        Sample((make((2, 3)), make((3, 4)), make((4, 2))), desc="three"),
        Sample((make((2, 3)), make((3, 2))), desc="two"), Sample((make((1, 2)), make((2, 2)), make((2, 1))))],
        covers=("chain_matmul",), skips=_COMPOSITE, **_LOOSE),
)


# == elementwise ==================================================================================


def _away_from_zero(make, shape):
    a = make(shape)
    return np.where(np.abs(a) < 0.1, a + 0.3, a).astype(a.dtype)


register(
    OpInfo("fix", _call("fix"), lambda make: [Sample((make((2, 3), -3, 3),))], covers=("fix",),
           avoid=(-2.0, -1.0, 0.0, 1.0, 2.0), int_samples=lambda make: [Sample((make.ints((3,)),))]),
    OpInfo("Tensor.fix_", lambda mod, x: (x * 1).fix_(), lambda make: [Sample((make((2, 3), -3, 3),))],
           covers=("fix_",), avoid=(-2.0, -1.0, 0.0, 1.0, 2.0)),
    OpInfo("sinc", _call("sinc"), lambda make: [
        Sample((make((2, 3)),)), Sample((make.float([0.0, 0.5, 1.0, -2.0]),), gradcheck=False,
               desc="at 0 and the integers (PyTorch's second derivative at 0: NaN or 0 by the mode)"),
        Sample((NC(make((3, 2))),), desc="non-contiguous")],
        covers=("sinc",), skips=_COMPOSITE, **_LOOSE,
        int_samples=lambda make: [Sample((make.ints((4,)),))]),
    OpInfo("Tensor.sinc_", lambda mod, x: (x * 1).sinc_(), lambda make: [Sample((make((3,)),))], covers=("sinc_",),
           skips=_COMPOSITE, **_LOOSE),
    OpInfo("heaviside", _call("heaviside"), lambda make: [
        Sample((make.float([-1.0, 0.0, 2.0, 0.0]), make.float([0.5, 0.25, 0.5, 3.0])), desc="zeros take values"),
        Sample((make.float([[-1.0, 0.0], [0.0, 1.0]]), make.float(0.5)), desc="0-d values")],
        covers=("heaviside",), prims=("_heaviside",), backward_raises=True,
        int_samples=lambda make: [Sample((np.array([-2, 0, 3]), np.array([7, 7, 7])))]),
    OpInfo("gcd", _call("gcd"), lambda make: [], covers=("gcd",), differentiable=False, int_samples=lambda make: [
        Sample((make.ints((3, 4), -20, 20), make.ints((4,), -20, 20))), Sample((np.array([0, 0, 5]), np.array([0, 3, 0])))]),
    OpInfo("lcm", _call("lcm"), lambda make: [], covers=("lcm",), differentiable=False, int_samples=lambda make: [
        Sample((make.ints((3, 4), -20, 20), make.ints((4,), -20, 20))), Sample((np.array([0, 4, 6]), np.array([0, 6, 4])))]),
    OpInfo("Tensor.gcd_", lambda mod, a, b: a.clone().gcd_(b), lambda make: [], covers=("gcd_",),
           differentiable=False, int_samples=lambda make: [Sample((make.ints((4,), 1, 30), make.ints((4,), 1, 30)))]),
    OpInfo("Tensor.lcm_", lambda mod, a, b: a.clone().lcm_(b), lambda make: [], covers=("lcm_",),
           differentiable=False, int_samples=lambda make: [Sample((make.ints((4,), 1, 30), make.ints((4,), 1, 30)))]),
    OpInfo("ldexp", _call("ldexp"), lambda make: [
        Sample((make((2, 3)), np.array([1, 0, 3])), desc="int exponents"),
        Sample((make((2, 3)), make((2, 3))), desc="float exponents")],
        covers=("ldexp",), skips=_COMPOSITE, **_LOOSE,
        int_samples=lambda make: [Sample((np.array([1, 2, 3]), np.array([2, 0, -1])))]),
    OpInfo("Tensor.ldexp_", lambda mod, x, e: (x * 1).ldexp_(e), lambda make: [Sample((make((3,)), np.array([1, 2, 0])))],
           covers=("ldexp_",), skips=_COMPOSITE),
    OpInfo("frexp", _call("frexp"), lambda make: [
        Sample((make((2, 3), -20, 20),)), Sample((make.float([0.0, 1.0, -0.5, 3.0]),), desc="exact powers", gradcheck=False)],
        covers=("frexp",), skips=_COMPOSITE),
    OpInfo("nextafter", _call("nextafter"), lambda make: [
        Sample((make((2, 3)), make((2, 3))), desc="both ways"),
        Sample((make((3,)), make(())), desc="broadcast"),
        Sample((make.float([1.0, 0.0, -2.0]), make.float([1.0, -1.0, np.inf])), desc="equal, zero, infinity",
               gradcheck=False)],
        covers=("nextafter",), skips=_COMPOSITE, gradgrad=False),
    OpInfo("Tensor.nextafter_", lambda mod, x, y: (x * 1).nextafter_(y), lambda make: [Sample((make((3,)), make((3,))))],
           covers=("nextafter_",), skips=_COMPOSITE, gradgrad=False),
    OpInfo("angle", _call("angle"), lambda make: [
        Sample((make.float([-1.0, 0.5, 2.0, -0.25]),), desc="signs"), Sample((make((2, 3)),))],
        covers=("angle",), skips=_COMPOSITE,
        int_samples=lambda make: [Sample((np.array([-2, 0, 3]),))]),
    OpInfo("real", _call("real"), lambda make: [Sample((make((2, 3)),))], covers=("real",)),
    OpInfo("Tensor.real", lambda mod, x: x.real, lambda make: [Sample((make((2, 3)),))]),
    OpInfo("imag of complex", lambda mod, x: mod.imag(x.detach().to(mod.complex128)), lambda make: [
        Sample((make((2, 3)),))], covers=("imag",), differentiable=False),
    OpInfo("conj", _call("conj"), lambda make: [Sample((make((2, 3)),))], covers=("conj",)),
    OpInfo("conj_physical", _call("conj_physical"), lambda make: [Sample((make((2, 3)),))], covers=("conj_physical",)),
    OpInfo("resolve_conj", _call("resolve_conj"), lambda make: [Sample((make((2, 3)),))], covers=("resolve_conj",)),
    OpInfo("resolve_neg", _call("resolve_neg"), lambda make: [Sample((make((2, 3)),))], covers=("resolve_neg",)),
    OpInfo("is_conj", lambda mod, x: mod.tensor(mod.is_conj(x)), lambda make: [Sample((make((2,)),))],
           covers=("is_conj",), differentiable=False),
    OpInfo("is_neg", lambda mod, x: mod.tensor(mod.is_neg(x)), lambda make: [Sample((make((2,)),))],
           covers=("is_neg",), differentiable=False),
    OpInfo("mvlgamma", _call("mvlgamma"), lambda make: [
        Sample((make((2, 3), 2.0, 4.0), 1), desc="p 1"), Sample((make((4,), 2.0, 4.0), 3), desc="p 3")],
        covers=("mvlgamma",), skips=_COMPOSITE, **_LOOSE,
        int_samples=lambda make: [Sample((np.array([3, 4]), 2))]),
    OpInfo("Tensor.mvlgamma_", lambda mod, x, p: (x * 1).mvlgamma_(p), lambda make: [Sample((make((3,), 2.0, 4.0), 2))],
           covers=("mvlgamma_",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("hardshrink", _call("hardshrink"), lambda make: [
        Sample((make((2, 3)),)), Sample((make((4,)), 0.3), desc="lambd"),
        Sample((make.float([np.nan, 1.0, 0.1]),), desc="NaN", gradcheck=False)],
        covers=("hardshrink",), avoid=(-0.5, 0.5, -0.3, 0.3), skips=_COMPOSITE),
    OpInfo("i0", _call("i0"), lambda make: [Sample((make((2, 3), -4, 4),)), Sample((make.float([0.0, 12.0]),))],
           covers=("i0",), skips=_COMPOSITE, **_LOOSE, int_samples=lambda make: [Sample((np.array([0, 1, 3]),))]),
    OpInfo("Tensor.i0_", lambda mod, x: (x * 1).i0_(), lambda make: [Sample((make((3,)),))], covers=("i0_",),
           skips=_COMPOSITE, **_LOOSE),
    OpInfo("Tensor.greater", lambda mod, a, b: (a.greater(b), a.greater_equal(b), a.less(b), a.less_equal(b),
                                                a.not_equal(b)),
           lambda make: [Sample((make((2, 3)), make((3,))))], differentiable=False),
)


# == shapes =======================================================================================


def _split3(name):
    return lambda mod, x, s: getattr(mod, name)(x, s)


register(
    OpInfo("ravel", _call("ravel"), lambda make: [Sample((make((2, 3)),)), Sample((NC(make((3, 2))),), desc="nc"),
                                                 Sample((make(()),), desc="0-d")], covers=("ravel",)),
    OpInfo("Tensor.ravel", _method("ravel"), lambda make: [Sample((make((2, 3)),))]),
    OpInfo("hsplit", _split3("hsplit"), lambda make: [
        Sample((make((2, 4)), 2), desc="sections"), Sample((make((6,)), [1, 4]), desc="1-d at indices"),
        Sample((make((2, 3, 2)), [2]), desc="3-d")], covers=("hsplit",)),
    OpInfo("vsplit", _split3("vsplit"), lambda make: [
        Sample((make((4, 2)), 2), desc="sections"), Sample((make((5, 2)), [1, 3]), desc="indices")], covers=("vsplit",)),
    OpInfo("dsplit", _split3("dsplit"), lambda make: [
        Sample((make((2, 2, 4)), 2), desc="sections"), Sample((make((1, 2, 5)), [3]), desc="indices")],
        covers=("dsplit",)),
    OpInfo("Tensor.hsplit", lambda mod, x: (x.hsplit(2), x.vsplit(2), x.reshape(2, 2, 2).dsplit([1])),
           lambda make: [Sample((make((4, 2)),))]),
    OpInfo("block_diag", _call("block_diag"), lambda make: [
        Sample((make((2, 3)), make((1, 2))), desc="matrices"),
        Sample((make((2, 2)), make(()), make((3,))), desc="0-d and 1-d"),
        Sample((make((2, 2)), np.array([[1, 2]])), desc="int promoted"),
        Sample((make((0, 2)), make((2, 1))), desc="empty block")],
        covers=("block_diag",), skips={"grad_fn": "built with cat (CatBackward0); PyTorch's is BlockDiagBackward0"}),
    OpInfo("diagflat", _call("diagflat"), lambda make: [
        Sample((make((2, 2)),)), Sample((make((3,)), -1), desc="offset -1"), Sample((make(()), 2), desc="0-d")],
        covers=("diagflat",)),
    OpInfo("combinations", _call("combinations"), lambda make: [
        Sample((make((4,)),), desc="pairs"), Sample((make((4,)), 3), desc="r 3"),
        Sample((make((3,)), 2, True), desc="with replacement"), Sample((make((1,)), 2), desc="too few")],
        covers=("combinations",), skips=_COMPOSITE),
    OpInfo("narrow_copy", _call("narrow_copy"), lambda make: [Sample((make((3, 4)), 1, 1, 2))],
           covers=("narrow_copy",), skips=_COMPOSITE),
    OpInfo("Tensor.narrow_copy", _method("narrow_copy"), lambda make: [Sample((make((3, 4)), 0, 1, 2))],
           skips=_COMPOSITE),
    OpInfo("vander", _call("vander"), lambda make: [
        Sample((make((3,)),), desc="square"), Sample((make((4,)), 2), desc="N 2"),
        Sample((make((3,)), 4, True), desc="increasing"), Sample((make((3,)), 0), desc="N 0")],
        covers=("vander",), skips={"grad_fn": "built with stack and flip",
                                   "grad": "torch.vander's backward fails (its own in-place error)"},
        int_samples=lambda make: [Sample((np.array([1, 2, 3], dtype=np.int32),)), Sample((make.bools((3,)),))]),
)


# == creation =====================================================================================

register(
    OpInfo("logspace", lambda mod, *a, **k: mod.logspace(*a, **k), lambda make: [
        Sample((0, 2, 5)), Sample((-1.5, 2, 7), {"base": 2.0}), Sample((0, 2, 5), {"dtype": DType("int64")}),
        Sample((1, 1, 1)), Sample((0, 3, 0)), Sample((0, 2, 4), {"dtype": DType("float64")})],
        covers=("logspace",), differentiable=False),
    OpInfo("tril_indices", lambda mod, *a, **k: mod.tril_indices(*a, **k), lambda make: [
        Sample((3, 4)), Sample((4, 3, -1)), Sample((3, 3, 1), {"dtype": DType("int32")}), Sample((0, 3))],
        covers=("tril_indices",), differentiable=False),
    OpInfo("triu_indices", lambda mod, *a, **k: mod.triu_indices(*a, **k), lambda make: [
        Sample((3, 4)), Sample((4, 3, 2)), Sample((3, 3, -1), {"dtype": DType("int32")})],
        covers=("triu_indices",), differentiable=False),
)


# == errors =======================================================================================

ERRORS.extend([
    ErrorCase("searchsorted side", lambda mod: mod.searchsorted(mod.ones(3), mod.ones(2), side="middle")),
    ErrorCase("searchsorted side vs right", lambda mod: mod.searchsorted(mod.ones(3), mod.ones(2), side="left",
                                                                           right=True)),
    ErrorCase("searchsorted shapes", lambda mod: mod.searchsorted(mod.ones(2, 3), mod.ones(3))),
    ErrorCase("bucketize 2-d boundaries", lambda mod: mod.bucketize(mod.ones(2), mod.ones(2, 3)),
              same_message=False),
    ErrorCase("histc of int", lambda mod: mod.histc(mod.ones(3, dtype=mod.int64))),
    ErrorCase("histc min > max", lambda mod: mod.histc(mod.ones(3), min=2, max=1)),
    ErrorCase("bincount negative", lambda mod: mod.bincount(mod.tensor([1, -1]))),
    ErrorCase("bincount of float", lambda mod: mod.bincount(mod.ones(3))),
    ErrorCase("bincount of bool", lambda mod: mod.bincount(mod.tensor([True, False]))),
    ErrorCase("bincount 2-d", lambda mod: mod.bincount(mod.ones(2, 2, dtype=mod.int64))),
    ErrorCase("diff of 0-d", lambda mod: mod.diff(mod.tensor(1.0))),
    ErrorCase("diff negative order", lambda mod: mod.diff(mod.ones(3), -1)),
    ErrorCase("diff 0-d prepend", lambda mod: mod.diff(mod.ones(3), prepend=mod.tensor(2.0))),
    ErrorCase("gcd with a number", lambda mod: mod.gcd(mod.tensor([4, 6]), 4)),
    ErrorCase("hsplit at a tensor of indices", lambda mod: mod.hsplit(mod.ones(3, 4), mod.tensor([1, 2])),
              same_message=False),
    ErrorCase("quantile q out of range", lambda mod: mod.quantile(mod.ones(3), 1.5)),
    ErrorCase("quantile of int", lambda mod: mod.quantile(mod.ones(3, dtype=mod.int64), 0.5)),
    ErrorCase("quantile q dtype", lambda mod: mod.quantile(mod.ones(3), mod.tensor([0.5], dtype=mod.float64))),
    ErrorCase("quantile interpolation", lambda mod: mod.quantile(mod.ones(3), 0.5, interpolation="cubic"),
              same_message=False),
    ErrorCase("cov 3-d", lambda mod: mod.cov(mod.ones(2, 2, 2))),
    ErrorCase("cov float fweights", lambda mod: mod.cov(mod.ones(2, 3), fweights=mod.ones(3))),
    ErrorCase("renorm 1-d", lambda mod: mod.renorm(mod.ones(3), 2, 0, 1.0)),
    ErrorCase("heaviside dtypes", lambda mod: mod.heaviside(mod.ones(2), mod.ones(2, dtype=mod.float64))),
    ErrorCase("heaviside number", lambda mod: mod.heaviside(mod.ones(2), 0.5), same_message=False),
    ErrorCase("gcd of float", lambda mod: mod.gcd(mod.ones(2), mod.ones(2))),
    ErrorCase("frexp of int", lambda mod: mod.frexp(mod.ones(2, dtype=mod.int64))),
    ErrorCase("imag of real", lambda mod: mod.ones(2).imag),
    ErrorCase("hsplit of 0-d", lambda mod: mod.hsplit(mod.tensor(1.0), 2)),
    ErrorCase("vsplit of 1-d", lambda mod: mod.vsplit(mod.ones(3), 3)),
    ErrorCase("hsplit indivisible", lambda mod: mod.hsplit(mod.ones(3, 3), 2)),
    ErrorCase("block_diag 3-d", lambda mod: mod.block_diag(mod.ones(1, 1, 1))),
    ErrorCase("combinations 2-d", lambda mod: mod.combinations(mod.ones(2, 2))),
    ErrorCase("fill_diagonal_ 1-d", lambda mod: mod.ones(3).fill_diagonal_(1.0)),
    ErrorCase("fill_diagonal_ unequal", lambda mod: mod.ones(2, 3, 2).fill_diagonal_(1.0)),
    ErrorCase("apply_ requires grad", lambda mod: mod.ones(2, requires_grad=True).apply_(lambda v: v)),
    ErrorCase("chain_matmul 3-d", lambda mod: mod.chain_matmul(mod.ones(2, 2, 2), mod.ones(2, 2))),
    ErrorCase("tril_indices negative", lambda mod: mod.tril_indices(-1, 3)),
])


# == in-place Tensor methods =======================================================================


def _inplace_shape(mod, x, name, *args):
    y = x * 1
    assert getattr(y, name)(*args) is y
    return y


def _fill_diagonal(mod, x, value, wrap=False):
    y = x * 1
    assert y.fill_diagonal_(value, wrap) is y
    return y


def _apply(mod, x):
    y = x.detach().clone()
    assert y.apply_(lambda v: v * v + 1) is y
    return y


_SHAPE_INPLACE = {"grad_fn": "the out-of-place op's node (TBackward0...); PyTorch names the in-place overload's "
                             "(TBackward1...)"}

register(
    OpInfo("Tensor.unsqueeze_", lambda mod, x, d: _inplace_shape(mod, x, "unsqueeze_", d), lambda make: [
        Sample((make((2, 3)), 1)), Sample((make((2,)), -1))], skips=_SHAPE_INPLACE),
    OpInfo("Tensor.squeeze_", lambda mod, x, *d: _inplace_shape(mod, x, "squeeze_", *d), lambda make: [
        Sample((make((2, 1, 3)),)), Sample((make((1, 3)), 0))], skips=_SHAPE_INPLACE),
    OpInfo("Tensor.t_", lambda mod, x: _inplace_shape(mod, x, "t_"), lambda make: [
        Sample((make((2, 3)),)), Sample((make((3,)),))], skips=_SHAPE_INPLACE),
    OpInfo("Tensor.transpose_", lambda mod, x, a, b: _inplace_shape(mod, x, "transpose_", a, b), lambda make: [
        Sample((make((2, 3, 2)), 0, 2))], skips=_SHAPE_INPLACE),
    OpInfo("Tensor.fill_diagonal_", _fill_diagonal, lambda make: [
        Sample((make((3, 3)), 0.5), desc="square"), Sample((make((5, 2)), -1.0, True), desc="tall, wrap"),
        Sample((make((5, 2)), 2.0), desc="tall"), Sample((make((2, 2, 2)), 1.5), desc="cube")],
        skips={"grad_fn": "written through where (CopyBackwards); PyTorch's is CopySlices"}),
    OpInfo("Tensor.apply_", _apply, lambda make: [Sample((make((2, 3)),))], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((4,)),))]),
)


# == histogram and more in-place forms ===============================================================


def _histogram_samples(make):
    return [
        Sample((make((20,)),), desc="100 bins over the data"),
        Sample((make((4, 5)), 6), desc="6 bins"),
        Sample((make((20,)), 4), {"range": (-1.0, 1.0)}, desc="range"),
        Sample((make((12,)), 3), {"weight": Const(make((12,), 0, 1)), "density": True}, desc="weight, density"),
        Sample((make((10,)), Const(make.float([-2.0, -0.5, 0.0, 1.5]))), desc="edges"),
        Sample((make.float([1.0, 1.0, 1.0]), 2), desc="one value"),
    ]


def _inplace_method(name):
    def op(mod, x, *args):
        y = x * 1
        assert getattr(y, name)(*args) is y
        return y

    return op


register(
    OpInfo("histogram", _call("histogram"), _histogram_samples, covers=("histogram",), differentiable=False),
    OpInfo("Tensor.histogram", _method("histogram"), lambda make: _histogram_samples(make)[1:2], differentiable=False),
    OpInfo("Tensor.renorm_", _inplace_method("renorm_"), lambda make: [Sample((make((3, 4)), 2, 0, 1.0))],
           covers=("renorm_",), skips=_COMPOSITE, **_LOOSE),
    OpInfo("Tensor.heaviside_", _inplace_method("heaviside_"), lambda make: [
        Sample((make.float([-1.0, 0.0, 2.0]), Const(make.float([0.5, 0.25, 0.5]))))],
        covers=("heaviside_",), differentiable=False),
    OpInfo("Tensor.greater_", lambda mod, a, b: (_inplace_method("greater_")(mod, a, b),
                                                 _inplace_method("greater_equal_")(mod, a, b),
                                                 _inplace_method("less_")(mod, a, b),
                                                 _inplace_method("less_equal_")(mod, a, b),
                                                 _inplace_method("not_equal_")(mod, a, b)),
           lambda make: [Sample((make((2, 3)), make((3,))))], differentiable=False,
           covers=("greater_", "greater_equal_", "less_", "less_equal_", "not_equal_")),
    OpInfo("Tensor.cov", lambda mod, x: (x.cov(), x.corrcoef(), x.diagflat()), lambda make: [Sample((make((2, 4)),))],
           skips=_COMPOSITE, **_LOOSE),
)

ERRORS.extend([
    ErrorCase("histogram of int", lambda mod: mod.histogram(mod.ones(3, dtype=mod.int64), 2)),
    ErrorCase("histogram edges dtype", lambda mod: mod.histogram(mod.ones(3), mod.ones(2, dtype=mod.float64)),
              same_message=False),
])
