"""Registry entries for the nn ops (see opinfo.py for the conventions).

Entries of ``chainrule.nn.functional`` are named ``F.<name>`` (plus a variant after a
space); tests/test_nn_functional_coverage.py checks every public name has one. Dropout's
random masks cannot be compared with torch's: the registry holds its deterministic forms
(eval, p=0, p=1) and the coverage module checks its statistics and gradients.
"""

from __future__ import annotations

import numpy as np

from opinfo import ERRORS, NC, Const, DType, ErrorCase, OpInfo, Sample, register


def F(mod):
    return mod.nn.functional


def _fn(name: str, **fixed):
    """``op`` calling ``nn.functional.<name>`` with ``fixed`` keyword arguments."""

    def op(mod, *args, **kwargs):
        return getattr(F(mod), name)(*args, **fixed, **kwargs)

    op.__name__ = name
    return op


def _inplace_fn(name: str, **fixed):
    """``nn.functional.<name>(y, inplace=True, ...)`` on a non-leaf copy ``y``; returns ``y``."""

    def op(mod, x, *args, **kwargs):
        y = x * 1
        out = getattr(F(mod), name)(y, *args, inplace=True, **fixed, **kwargs)
        assert out is y
        return y

    return op


def _few(make):
    """Pointwise samples: a vector, a matrix, a 3-d, non-contiguous, 0-d, empty."""
    return [Sample((make((5,)),), desc="vector"), Sample((make((2, 3)),), desc="matrix"),
            Sample((make((2, 1, 3)),), desc="3-d"), Sample((NC(make((3, 2))),), desc="non-contiguous"),
            Sample((make(()),), desc="0-d"), Sample((make((0, 3)),), desc="empty")]


def _with(samples, **kw):
    return [Sample(s.args, {**s.kwargs, **kw}, desc=f"{s.desc} {kw}", gradcheck=s.gradcheck) for s in samples]


def _big(make):
    """+-1000 and 0: results and gradients stay finite (not gradchecked: saturated)."""
    return Sample((make.float([[-1000.0, 0.0, 1000.0], [1000.0, -1000.0, 0.5]]),), desc="+-1000", gradcheck=False)


# -- activations ----------------------------------------------------------------------------------

register(
    OpInfo("F.relu", _fn("relu"), _few, prims=("_relu",), avoid=(0.0,)),
    OpInfo("F.relu inplace", _inplace_fn("relu"), lambda make: _few(make)[:3], prims=("_relu",), avoid=(0.0,)),
    OpInfo("F.relu_", lambda mod, x: F(mod).relu_(x * 1), lambda make: _few(make)[:2], prims=("_relu",), avoid=(0.0,)),
    OpInfo("F.relu6", _fn("relu6"), lambda make: _few(make) + [Sample((make.float([-1.0, 0.0, 3.0, 6.0, 7.0]),),
                                                                    desc="at the bounds", gradcheck=False)],
           prims=("_hardtanh",), domain=(-2.0, 8.0), avoid=(0.0, 6.0)),
    OpInfo("F.hardtanh", _fn("hardtanh"),
           lambda make: _few(make) + _with(_few(make)[:3], min_val=-0.5, max_val=1.5)
           + [Sample((make.float([-1.0, 1.0, -0.5, 1.5]),), {"min_val": -0.5, "max_val": 1.5}, desc="at the bounds", gradcheck=False)],
           prims=("_hardtanh",), avoid=(-1.0, 1.0, -0.5, 1.5)),
    OpInfo("F.hardtanh_", lambda mod, x, **k: F(mod).hardtanh_(x * 1, **k), lambda make: _few(make)[:2],
           prims=("_hardtanh",), avoid=(-1.0, 1.0), skips={"grad_fn": "in-place node (HardtanhBackward1) not reproduced"}),
    OpInfo("F.hardtanh inplace", _inplace_fn("hardtanh"), lambda make: _few(make)[:2], prims=("_hardtanh",),
           avoid=(-1.0, 1.0), skips={"grad_fn": "in-place node (HardtanhBackward1) not reproduced"}),
    OpInfo("F.leaky_relu", _fn("leaky_relu"),
           lambda make: _few(make) + _with(_few(make)[1:3], negative_slope=0.2)
           + [Sample((make.float([-1.0, 0.0, 1.0]),), desc="at 0", gradcheck=False)],
           prims=("_leaky_relu",), avoid=(0.0,)),
    OpInfo("F.leaky_relu_", lambda mod, x, **k: F(mod).leaky_relu_(x * 1, **k), lambda make: _few(make)[:2],
           prims=("_leaky_relu",), avoid=(0.0,), skips={"grad_fn": "in-place node (LeakyReluBackward1) not reproduced"}),
    OpInfo("F.threshold", _fn("threshold"),
           lambda make: [Sample((make((2, 3)), 0.5, -2.0)), Sample((make((5,)), -0.3, 0.0)), Sample((NC(make((3, 2))), 0.1, 3.0)),
                         Sample((make.float([0.5, 0.6, -1.0]), 0.5, 2.0), desc="at the threshold", gradcheck=False)],
           prims=("_threshold",), avoid=(0.5, -0.3, 0.1)),
    OpInfo("F.threshold_", lambda mod, x, *a: F(mod).threshold_(x * 1, *a), lambda make: [Sample((make((2, 3)), 0.5, -2.0))],
           prims=("_threshold",), avoid=(0.5,), skips={"grad_fn": "in-place node (ThresholdBackward1) not reproduced"}),
    OpInfo("F.elu", _fn("elu"), lambda make: _few(make) + _with(_few(make)[1:3], alpha=0.5) + [_big(make)],
           prims=("_elu_kernel",), avoid=(0.0,), torch_gradgrad=True),
    OpInfo("F.elu_", lambda mod, x, **k: F(mod).elu_(x * 1, **k), lambda make: _few(make)[:2], prims=("_elu_kernel",),
           avoid=(0.0,), skips={"grad_fn": "in-place node (EluBackward1) not reproduced"}),
    OpInfo("F.selu", _fn("selu"), _few, prims=("_elu_kernel",), avoid=(0.0,)),
    OpInfo("F.selu_", lambda mod, x: F(mod).selu_(x * 1), lambda make: _few(make)[:2], prims=("_elu_kernel",),
           avoid=(0.0,), skips={"grad_fn": "in-place node (EluBackward1) not reproduced"}),
    OpInfo("F.celu", _fn("celu"), lambda make: _few(make) + _with(_few(make)[1:3], alpha=2.0), prims=("_celu_kernel",),
           avoid=(0.0,)),
    OpInfo("F.celu_", lambda mod, x, **k: F(mod).celu_(x * 1, **k), lambda make: _few(make)[:2], prims=("_celu_kernel",),
           avoid=(0.0,), skips={"grad_fn": "in-place node (CeluBackward1) not reproduced"}),
    OpInfo("F.gelu", _fn("gelu"),
           lambda make: _few(make) + [Sample((make((2, 3), -6, 6),), desc="wide range"), _big(make)],
           prims=("_gelu", "_gelu_backward"), torch_gradgrad=True),
    OpInfo("F.gelu tanh", _fn("gelu", approximate="tanh"),
           lambda make: _few(make) + [Sample((make((2, 3), -6, 6),), desc="wide range"), _big(make)],
           prims=("_gelu", "_gelu_backward"), torch_gradgrad=True),
    OpInfo("F.silu", _fn("silu"), lambda make: _few(make) + [_big(make)], prims=("_silu", "_silu_backward"),
           torch_gradgrad=True),
    OpInfo("F.silu inplace", _inplace_fn("silu"), lambda make: _few(make)[:2], prims=("_silu", "_silu_backward")),
    # Not compared with torch's second derivative: at +1000 torch's is NaN.
    OpInfo("F.mish", _fn("mish"), lambda make: _few(make) + [_big(make)], prims=("_mish",)),
    OpInfo("F.softplus", _fn("softplus"),
           lambda make: _few(make) + _with(_few(make)[1:3], beta=2.0, threshold=3.0) + [_big(make)],
           prims=("_softplus",), avoid=(1.5,), torch_gradgrad=True),
    OpInfo("F.softsign", _fn("softsign"), _few, prims=("_abs", "_div"), avoid=(0.0,)),
    OpInfo("F.hardsigmoid", _fn("hardsigmoid"), _few, prims=("_hardsigmoid",), domain=(-4.0, 4.0), avoid=(-3.0, 3.0)),
    OpInfo("F.hardswish", _fn("hardswish"), _few, prims=("_hardswish",), domain=(-4.0, 4.0), avoid=(-3.0, 3.0)),
    OpInfo("F.logsigmoid", _fn("logsigmoid"), lambda make: _few(make) + [_big(make)], prims=("_logsigmoid",),
           torch_gradgrad=True),
    OpInfo("F.tanhshrink", _fn("tanhshrink"), _few, prims=("_tanh",)),
    OpInfo("F.tanh", _fn("tanh"), lambda make: _few(make)[:2], prims=("_tanh",)),
    OpInfo("F.sigmoid", _fn("sigmoid"), lambda make: _few(make)[:2] + [_big(make)], prims=("_sigmoid",)),
    OpInfo("F.glu", _fn("glu"),
           lambda make: [Sample((make((2, 4)),)), Sample((make((4, 3)),), {"dim": 0}), Sample((make((2, 2, 2)),), {"dim": 1}),
                         Sample((NC(make((4, 2))),), {"dim": 0}, desc="non-contiguous"), Sample((make((6,)),))],
           prims=("_glu",), torch_gradgrad=True),
)


# -- softmax family -------------------------------------------------------------------------------


def _softmax_samples(make):
    return [
        Sample((make((5,)),), {"dim": 0}), Sample((make((2, 3)),), {"dim": 1}), Sample((make((2, 3)),), {"dim": 0}),
        Sample((make((2, 3, 2)),), {"dim": -1}), Sample((NC(make((3, 2))),), {"dim": 1}, desc="non-contiguous"),
        Sample((make(()),), {"dim": 0}, desc="0-d"), Sample((make((0, 3)),), {"dim": 1}, desc="empty"),
        Sample((make((2, 3), -6, 6),), {"dim": 1, "dtype": DType("float64")}, desc="dtype"),
        Sample((make((3, 2)),), {"dim": 1, "_stacklevel": 5}, desc="positional-compatible stacklevel"),
        _with([_big(make)], dim=1)[0],
    ]


register(
    OpInfo("F.softmax", _fn("softmax"), _softmax_samples, prims=("_softmax", "_softmax_backward"), torch_gradgrad=True),
    OpInfo("F.log_softmax", _fn("log_softmax"), _softmax_samples, prims=("_log_softmax", "_log_softmax_backward"),
           torch_gradgrad=True),
    OpInfo("F.softmin", _fn("softmin"), lambda make: _softmax_samples(make)[:8], prims=("_softmax", "_neg")),
    OpInfo("F.softmax implicit dim", lambda mod, x: F(mod).softmax(x),
           lambda make: [Sample((make((4,)),)), Sample((make((2, 3)),)), Sample((make((2, 2, 2)),))], prims=("_softmax",)),
)


# -- linear layers, distances ----------------------------------------------------------------------


def _linear_samples(make):
    return [
        Sample((make((2, 2)), make((2, 2)), make((2,))), desc="small, bias"),
        Sample((make((3, 4)), make((2, 4)), make((2,))), desc="matrix, bias"),
        Sample((make((3, 4)), make((2, 4))), desc="no bias"),
        Sample((make((2, 2, 3)), make((2, 3)), make((2,))), desc="3-d input"),
        Sample((make((2, 2, 3)), make((2, 3))), desc="3-d input, no bias"),
        Sample((make((3,)), make((2, 3)), make((2,))), desc="1-d input"),
        Sample((make((3,)), make((2, 3))), desc="1-d input, no bias"),
        Sample((NC(make((3, 2))), NC(make((2, 2))), make((2,))), desc="non-contiguous"),
        Sample((make((0, 3)), make((2, 3)), make((2,))), desc="empty batch"),
        Sample((make((3, 2)), make((2, 2)), make(())), desc="0-d bias"),
        Sample((make((3, 2)), Const(make((2, 2))), make((2,))), desc="frozen weight"),
    ]


register(
    OpInfo("F.linear", _fn("linear"), _linear_samples, prims=("_linear_addmm", "_mm"), torch_gradgrad=True),
    OpInfo("F.bilinear", _fn("bilinear"),
           lambda make: [Sample((make((2, 2)), make((2, 3)), make((2, 2, 3)), make((2,)))),
                         Sample((make((2, 2)), make((2, 1)), make((3, 2, 1))), desc="no bias")],
           prims=("_add",), skips={"grad_fn": "torch's bilinear without bias records its internal _trilinear"}),
    OpInfo("F.normalize", _fn("normalize"),
           lambda make: [Sample((make((2, 3)),)), Sample((make((2, 3)),), {"dim": 0}), Sample((make((4,)),), {"dim": 0}),
                         Sample((make((2, 3)),), {"p": 1.0}), Sample((make((2, 2, 2)),), {"p": 3.0, "dim": -1}),
                         Sample((NC(make((3, 2))),)), Sample((make.float([[0.0, 0.0], [1.0, 2.0]]),), desc="zero row",
                                                             gradcheck=False)],
           prims=("_pnorm", "_div", "_clamp_min")),
    OpInfo("F.cosine_similarity", _fn("cosine_similarity"),
           lambda make: [Sample((make((2, 3)), make((2, 3)))), Sample((make((2, 3)), make((3,))), {"dim": -1}, desc="broadcast"),
                         Sample((make((3, 2)), make((3, 2))), {"dim": 0}), Sample((NC(make((3, 2))), make((3, 2))))],
           prims=("_pnorm", "_div", "_mul")),
    OpInfo("F.pairwise_distance", _fn("pairwise_distance"),
           lambda make: [Sample((make((2, 3)), make((2, 3)))), Sample((make((2, 3)), make((3,))), desc="broadcast"),
                         Sample((make((2, 3)), make((2, 3))), {"p": 1.0}), Sample((make((2, 3)), make((2, 3))), {"p": 3.0}),
                         Sample((make((2, 3)), make((2, 3))), {"keepdim": True}),
                         Sample((make((4,)), make((4,))), desc="vectors")],
           prims=("_pnorm",), avoid=(0.0,)),
)


# -- dropout (deterministic forms) and one_hot ----------------------------------------------------

register(
    OpInfo("F.dropout", _fn("dropout"),
           lambda make: [Sample((make((2, 3)),), {"training": False}), Sample((make((2, 3)),), {"p": 0.0}),
                         Sample((make((2, 3)),), {"p": 1.0}, desc="p=1: all dropped", gradcheck=False)],
           prims=("_mul",)),
    OpInfo("F.alpha_dropout", _fn("alpha_dropout"),
           lambda make: [Sample((make((2, 3)),)), Sample((make((2, 3)),), {"training": True, "p": 0.0}),
                         Sample((make((2, 3)),), {"training": True, "p": 1.0}, desc="p=1", gradcheck=False)],
           prims=("_mul",)),
    OpInfo("F.one_hot", _fn("one_hot"), lambda make: [], differentiable=False,
           int_samples=lambda make: [Sample((make.ints((4,), 0, 3),)), Sample((make.ints((2, 3), 0, 4), 5)),
                                     Sample((make.ints((), 0, 3), 4), desc="0-d"),
                                     Sample((make.ints((0,), 0, 3), 3), desc="empty")]),
)


# -- shrinkage, PReLU, RReLU, channel dropout (deterministic forms), channel_shuffle, pdist -------

_NODE_DIFFERS = "composed of chainrule ops; PyTorch records one node"


def _triplet_distance(mod, *args, cosine=False, **kwargs):
    dist = (lambda u, v: 1 - F(mod).cosine_similarity(u, v)) if cosine else None
    return F(mod).triplet_margin_with_distance_loss(*args, distance_function=dist, **kwargs)


def _channel_dropout_samples(make):
    return [Sample((make((2, 3, 2)),), {"training": False}, desc="eval"),
            Sample((make((2, 3, 2)),), {"p": 0.0}, desc="p=0"),
            Sample((make((2, 3, 2)),), {"p": 1.0}, desc="p=1: all dropped", gradcheck=False)]


def _multilabel_target(make, n, c):
    """Each row: a few distinct classes, then -1 (and junk after it that must be ignored)."""
    rows = []
    for _ in range(n):
        k = int(make.rng.integers(0, c))
        row = list(make.rng.permutation(c)[:k]) + [-1] * (c - k)
        if k < c - 1:
            row[k + 1] = int(make.rng.integers(0, c))
        rows.append(row)
    return np.array(rows, dtype=np.int64)


register(
    OpInfo("F.hardshrink", _fn("hardshrink"), lambda make: _few(make) + _with(_few(make)[1:3], lambd=0.3),
           avoid=(0.5, -0.5, 0.3, -0.3), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.softshrink", _fn("softshrink"), lambda make: _few(make) + _with(_few(make)[1:3], lambd=0.3)
           + [Sample((make((2, 3)),), {"lambd": 0.0}, desc="lambd=0")],
           prims=("_where",), avoid=(0.0, 0.5, -0.5, 0.3, -0.3), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.prelu", _fn("prelu"),
           lambda make: [Sample((make((2, 3, 4)), make((3,), 0.0, 1.0)), desc="per channel"),
                         Sample((make((2, 3)), make((1,), 0.0, 1.0)), desc="shared"),
                         Sample((make((5,)), make((1,), 0.0, 1.0)), desc="vector"),
                         Sample((NC(make((3, 2))), make((2,), 0.0, 1.0)), desc="non-contiguous"),
                         Sample((make(()), make((1,), 0.0, 1.0)), desc="0-d")],
           prims=("_where",), avoid=(0.0,), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.rrelu", _fn("rrelu"),
           lambda make: _few(make) + _with(_few(make)[1:3], lower=0.1, upper=0.3)
           + [Sample((make((2, 3)),), {"lower": 0.2, "upper": 0.2, "training": True}, desc="training, one slope")],
           avoid=(0.0,), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.rrelu_", lambda mod, x, **k: F(mod).rrelu_(x * 1, **k), lambda make: _few(make)[:2],
           avoid=(0.0,), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.dropout1d", _fn("dropout1d"), _channel_dropout_samples, prims=("_mul",)),
    OpInfo("F.dropout2d", _fn("dropout2d"),
           lambda make: [Sample((make((2, 3, 1, 2)),), s.kwargs, desc=s.desc, gradcheck=s.gradcheck)
                         for s in _channel_dropout_samples(make)], prims=("_mul",)),
    OpInfo("F.dropout3d", _fn("dropout3d"),
           lambda make: [Sample((make((2, 3, 1, 1, 2)),), s.kwargs, desc=s.desc, gradcheck=s.gradcheck)
                         for s in _channel_dropout_samples(make)], prims=("_mul",)),
    OpInfo("F.feature_alpha_dropout", _fn("feature_alpha_dropout"),
           lambda make: [Sample((make((2, 3, 2)),)), Sample((make((2, 3, 2)),), {"training": True, "p": 0.0}),
                         Sample((make((2, 3, 2)),), {"training": True, "p": 1.0}, desc="p=1", gradcheck=False)],
           prims=("_mul",)),
    OpInfo("F.channel_shuffle", _fn("channel_shuffle"),
           lambda make: [Sample((make((2, 4, 3)), 2)), Sample((make((1, 6, 2, 2)), 3)), Sample((make((2, 3, 2)), 1)),
                         Sample((NC(make((2, 4, 3))), 4), desc="non-contiguous")],
           skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.pdist", _fn("pdist"),
           lambda make: [Sample((make((4, 3)),)), Sample((make((5, 2)), 1.0), desc="p=1"),
                         Sample((make((3, 4)), 3.0), desc="p=3"), Sample((make((3, 2)), 0.0), desc="p=0"),
                         Sample((make((1, 3)),), desc="one row"), Sample((NC(make((3, 4))),), desc="non-contiguous")],
           prims=("_pnorm",), skips={"grad_fn": _NODE_DIFFERS}),
)


# -- losses ---------------------------------------------------------------------------------------

_REDS = ("none", "mean", "sum")


def _pair_samples(make, **kw):
    out = [Sample((make((2, 3)), make((2, 3))), {"reduction": r, **kw}, desc=r) for r in _REDS]
    out += [Sample((make((4,)), Const(make((4,)))), kw, desc="constant target"),
            Sample((NC(make((3, 2))), make((3, 2))), kw, desc="non-contiguous"),
            Sample((make(()), make(())), kw, desc="0-d"),
            Sample((make((0, 2)), make((0, 2))), kw, desc="empty"),
            Sample((make((2, 3)), make((3,))), kw, desc="broadcast target")]
    return out


def _weighted(make):
    return [Sample((make((2, 3)), make((2, 3))), {"weight": make((2, 3), 0.5, 1.5), "reduction": r}, desc=f"weight, {r}")
            for r in _REDS]


def _ce_samples(make):
    t = np.array([0, 3, 1])
    w = Const(make((4,), 0.5, 1.5))
    probs = Const(make((3, 4), 0.0, 1.0))
    out = [Sample((make((3, 4)), t), {"reduction": r}, desc=r) for r in _REDS]
    out += [
        Sample((make((3, 4)), t, w), desc="weight"),
        Sample((make((3, 4)), t), {"weight": w, "reduction": "sum"}, desc="weight, sum"),
        Sample((make((3, 4)), np.array([0, -100, 1])), desc="ignore_index default"),
        Sample((make((3, 4)), t), {"ignore_index": 3, "weight": w}, desc="ignore_index, weight"),
        Sample((make((3, 4)), t), {"label_smoothing": 0.2}, desc="label smoothing"),
        Sample((make((3, 4)), t), {"label_smoothing": 0.2, "reduction": "none", "ignore_index": 1}, desc="smoothing, none"),
        Sample((make((3, 4)), t), {"label_smoothing": 0.1, "weight": w, "reduction": "sum"}, desc="smoothing, weight"),
        Sample((make((3, 4)), t), {"label_smoothing": 0.1, "weight": w, "ignore_index": 0}, desc="smoothing, weight, mean"),
        Sample((make((3, 4)), probs), desc="probabilities"),
        Sample((make((3, 4)), probs), {"reduction": "none", "weight": w}, desc="probabilities, weight, none"),
        Sample((make((3, 4)), probs), {"reduction": "sum", "label_smoothing": 0.3}, desc="probabilities, smoothing"),
        Sample((make((2, 3, 2)), np.array([[0, 2], [1, 1]])), desc="3-d"),
        Sample((make((2, 3, 2)), np.array([[0, 2], [1, 1]])), {"reduction": "none"}, desc="3-d, none"),
        Sample((make((2, 3, 2, 1)), np.array([[[0], [2]], [[1], [1]]])), {"reduction": "none"}, desc="4-d, none"),
        Sample((make((1, 3, 1, 2, 1)), np.array([[[[0], [2]]]])), desc="5-d"),
        Sample((make((4,)), np.array(2)), desc="unbatched"),
        Sample((NC(make((3, 4))), np.array([0, 2, 1])), desc="non-contiguous"),
        Sample((make((2, 2)), np.array([1, 0])), desc="tiny"),
        Sample((make((2, 3)), np.array([-100, -100])), desc="all ignored: NaN loss, zero gradient", gradcheck=False),
        Sample((make((2, 3)), np.array([-100, -100])), {"label_smoothing": 0.1}, desc="all ignored, smoothing", gradcheck=False),
        Sample((make((0, 3)), np.zeros(0, dtype=np.int64)), desc="empty batch"),
        Sample((make.float([[-1000.0, 0.0, 1000.0], [1000.0, -1000.0, 0.0]]), np.array([0, 1])), desc="+-1000",
               gradcheck=False),
    ]
    return out


def _nll_samples(make):
    t = np.array([0, 3, 1])
    w = Const(make((4,), 0.5, 1.5))
    out = [Sample((make((3, 4)), t), {"reduction": r}, desc=r) for r in _REDS]
    out += [Sample((make((3, 4)), t, w), desc="weight"), Sample((make((3, 4)), t), {"ignore_index": 0}, desc="ignore_index"),
            Sample((make((4,)), np.array(1)), desc="unbatched"),
            Sample((make((2, 3, 2, 2)), np.array([[[0, 1], [2, 2]], [[1, 0], [0, 1]]])), desc="2-d (NllLoss2d)"),
            Sample((make((2, 3, 2, 2)), np.array([[[0, 1], [2, 2]], [[1, 0], [0, 1]]]), Const(make((3,), 0.5, 1.5))),
                   {"reduction": "none"}, desc="2-d, weight, none"),
            Sample((make((2, 3)), np.array([0, 2]).astype("uint8")), desc="uint8 target")]
    return out


def _bce_samples(make):
    x = lambda shape: make(shape, 0.05, 0.95)  # noqa: E731
    t = lambda shape: make(shape, 0.0, 1.0)  # noqa: E731
    out = [Sample((x((2, 3)), t((2, 3))), {"reduction": r}, desc=r) for r in _REDS]
    out += [Sample((x((2, 3)), Const(t((2, 3))), Const(make((3,), 0.5, 1.5))), desc="weight"),
            Sample((x((2, 3)), Const(t((2, 3)))), {"weight": Const(make((2, 3), 0.5, 1.5)), "reduction": "sum"}, desc="weight, sum"),
            Sample((x(()), t(())), desc="0-d"), Sample((NC(x((3, 2))), t((3, 2))), desc="non-contiguous"),
            Sample((x((3,)), t((3,))), {"reduction": "sum"}, desc="tiny")]
    return out


def _bce_edge_samples(make):
    return [Sample((make.float([0.0, 1.0, 0.5]), make.float([1.0, 0.0, 0.5])), desc="0 and 1: clamped logs", gradcheck=False),
            Sample((make.float([0.0, 1.0]), Const(make.float([0.0, 1.0]))), desc="exact", gradcheck=False)]


def _bce_logits_samples(make):
    t = lambda shape: make(shape, 0.0, 1.0)  # noqa: E731
    out = [Sample((make((2, 3)), t((2, 3))), {"reduction": r}, desc=r) for r in _REDS]
    out += [Sample((make((2, 3)), Const(t((2, 3))), Const(make((3,), 0.5, 1.5))), desc="weight"),
            Sample((make((2, 3)), t((2, 3))), {"pos_weight": Const(make((3,), 0.5, 3.0))}, desc="pos_weight"),
            Sample((make((2, 3)), Const(t((2, 3)))), {"pos_weight": Const(make((3,), 0.5, 3.0)),
                                                   "weight": Const(make((2, 1), 0.5, 1.5)), "reduction": "none"},
                   desc="pos_weight, weight, none"),
            Sample((make(()), t(())), desc="0-d"), Sample((NC(make((3, 2))), t((3, 2))), desc="non-contiguous"),
            Sample((make.float([[-1000.0, 0.0, 1000.0]]), make.float([[0.3, 1.0, 0.0]])), desc="+-1000", gradcheck=False)]
    return out


def _margin_target(make, shape):
    return Const(np.where(make.rng.random(shape) < 0.5, -1.0, 1.0).astype(make.dtype))


register(
    OpInfo("F.mse_loss", _fn("mse_loss"), lambda make: _pair_samples(make) + _weighted(make), prims=("_mse_loss",),
           torch_gradgrad=True),
    OpInfo("F.l1_loss", _fn("l1_loss"), lambda make: _pair_samples(make) + _weighted(make), prims=("_abs",)),
    OpInfo("F.smooth_l1_loss", _fn("smooth_l1_loss"),
           lambda make: _pair_samples(make) + _with(_pair_samples(make)[:3], beta=0.5) + _with(_pair_samples(make)[:1], beta=0.0),
           prims=("_smooth_l1_loss",)),
    OpInfo("F.huber_loss", _fn("huber_loss"),
           lambda make: _pair_samples(make) + _with(_pair_samples(make)[:3], delta=0.5) + _weighted(make),
           prims=("_huber_loss",)),
    OpInfo("F.cross_entropy", _fn("cross_entropy"), _ce_samples,
           prims=("_log_softmax", "_nll_loss", "_nll_loss2d", "_nll_loss_backward", "_div_by_number"), torch_gradgrad=True),
    OpInfo("F.nll_loss", _fn("nll_loss"), _nll_samples, prims=("_nll_loss", "_nll_loss2d", "_nll_loss_backward"),
           torch_gradgrad=True),
    OpInfo("F.binary_cross_entropy", _fn("binary_cross_entropy"), _bce_samples, prims=("_bce",), torch_gradgrad=True),
    # Inputs of exactly 0 and 1: finite losses; gradients as PyTorch's (infinite in the target).
    OpInfo("F.binary_cross_entropy at 0 and 1", _fn("binary_cross_entropy"), _bce_edge_samples, prims=("_bce",),
           skips={"gradcheck": "not differentiable at 0 and 1", "gradgradcheck": "not differentiable at 0 and 1"}),
    OpInfo("F.binary_cross_entropy_with_logits", _fn("binary_cross_entropy_with_logits"), _bce_logits_samples,
           prims=("_bce_logits",), torch_gradgrad=True),
    OpInfo("F.kl_div", _fn("kl_div"),
           lambda make: [Sample((make((2, 3)), make((2, 3), 0.1, 1.0)), {"reduction": r}, desc=r)
                         for r in ("none", "sum", "batchmean")]
           + [Sample((make((2, 3)), make((2, 3))), {"log_target": True, "reduction": "batchmean"}, desc="log_target"),
              Sample((make((3,)), Const(make.float([0.0, 0.5, 0.5]))), {"reduction": "sum"}, desc="zero target")],
           prims=("_sub", "_log")),
    OpInfo("F.poisson_nll_loss", _fn("poisson_nll_loss"),
           lambda make: [Sample((make((2, 3)), Const(make((2, 3), 0.0, 3.0))), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((2, 3), 0.2, 2.0), Const(make((2, 3), 0.0, 3.0))), {"log_input": False}, desc="rates"),
              Sample((make((2, 3)), Const(make((2, 3), 0.0, 3.0))), {"full": True, "reduction": "none"}, desc="full")],
           prims=("_exp",)),
    OpInfo("F.gaussian_nll_loss", _fn("gaussian_nll_loss"),
           lambda make: [Sample((make((2, 3)), make((2, 3)), make((2, 3), 0.2, 1.0)), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((2, 3)), make((2, 3)), make((2,), 0.2, 1.0)), {"full": True}, desc="homoscedastic, full"),
              Sample((make((2, 3)), make((2, 3)), make((2, 1), 0.2, 1.0)), desc="last dim 1"),
              Sample((make((3,)), make((3,)), make((3,), 0.2, 1.0)), desc="tiny"),
              Sample((make((2, 3)), make((2, 3)), make((2, 3), 0.0, 0.5)), {"eps": 0.1}, desc="clamped var: not smooth",
                     gradcheck=False)],
           prims=("_log",)),
    OpInfo("F.margin_ranking_loss", _fn("margin_ranking_loss"),
           lambda make: [Sample((make((4,)), make((4,)), _margin_target(make, (4,))), {"reduction": r, "margin": 0.1}, desc=r)
                         for r in _REDS] + [Sample((make((2, 3)), make((2, 3)), _margin_target(make, (2, 3))), desc="matrix")],
           prims=("_clamp_min",)),
    OpInfo("F.hinge_embedding_loss", _fn("hinge_embedding_loss"),
           lambda make: [Sample((make((2, 3)), _margin_target(make, (2, 3))), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((4,)), _margin_target(make, (4,))), {"margin": 0.5}, desc="margin")],
           prims=("_where",), avoid=(0.5, 1.0)),
    OpInfo("F.soft_margin_loss", _fn("soft_margin_loss"),
           lambda make: [Sample((make((2, 3)), _margin_target(make, (2, 3))), {"reduction": r}, desc=r) for r in _REDS],
           prims=("_soft_margin_loss",)),
    OpInfo("F.multilabel_soft_margin_loss", _fn("multilabel_soft_margin_loss"),
           lambda make: [Sample((make((2, 3)), Const(make((2, 3), 0.0, 1.0))), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((2, 3)), Const(make((2, 3), 0.0, 1.0)), Const(make((3,), 0.5, 1.5))), desc="weight")],
           prims=("_logsigmoid",)),
    OpInfo("F.triplet_margin_loss", _fn("triplet_margin_loss"),
           lambda make: [Sample((make((2, 3)), make((2, 3)), make((2, 3))), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((2, 3)), make((2, 3)), make((2, 3))), {"p": 1.0, "margin": 2.0}, desc="p=1"),
              Sample((make((2, 3)), make((2, 3)), make((2, 3))), {"swap": True, "margin": 2.0}, desc="swap"),
              Sample((make((2, 2)), make((2, 2)), make((2, 2))), {"margin": 2.0}, desc="tiny")],
           prims=("_pnorm", "_clamp_min")),
    OpInfo("F.multi_margin_loss", _fn("multi_margin_loss"),
           lambda make: [Sample((make((4, 5)), np.array([0, 3, 4, 1])), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((3, 4)), np.array([2, 0, 3])), {"p": 2, "margin": 0.5}, desc="p=2"),
              Sample((make((3, 4)), np.array([2, 0, 3]), 1, 1.0, Const(make((4,), 0.5, 1.5))), desc="weight"),
              Sample((make((3, 4)), np.array([2, 0, 3])), {"p": 2, "weight": Const(make((4,), 0.5, 1.5)),
                                                            "reduction": "none"}, desc="p=2 weight"),
              Sample((make((4,)), np.array(1)), {"reduction": "none"}, desc="vector"),
              Sample((make((4,)), np.array([1])), {"reduction": "none"}, desc="vector, 1-element target")],
           prims=("_clamp_min",), avoid=(-1.0, 0.0, 1.0), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.multilabel_margin_loss", _fn("multilabel_margin_loss"),
           lambda make: [Sample((make((4, 5)), _multilabel_target(make, 4, 5)), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((4,)), np.array([2, 0, -1, 1])), {"reduction": "none"}, desc="vector"),
              Sample((make((2, 3)), np.array([[0, 1, 2], [-1, 0, 0]])), desc="all and none")],
           prims=("_clamp_min",), avoid=(-1.0, 0.0, 1.0), skips={"grad_fn": _NODE_DIFFERS}),
    OpInfo("F.triplet_margin_with_distance_loss", _triplet_distance,
           lambda make: [Sample((make((2, 3)), make((2, 3)), make((2, 3))), {"reduction": r}, desc=r) for r in _REDS]
           + [Sample((make((3, 3)), make((3, 3)), make((3, 3))), {"swap": True, "margin": 2.0}, desc="swap"),
              Sample((make((3, 4)), make((3, 4)), make((3, 4))), {"cosine": True, "margin": 0.5}, desc="cosine"),
              Sample((make((4,)), make((4,)), make((4,))), {"margin": 2.0}, desc="vectors")],
           prims=("_clamp_min",)),
    OpInfo("F.cosine_embedding_loss", _fn("cosine_embedding_loss"),
           lambda make: [Sample((make((3, 2)), make((3, 2)), np.array([1, -1, 1])), {"reduction": r, "margin": -0.5}, desc=r)
                         for r in _REDS] + [Sample((make((2, 3)), make((2, 3)), np.array([-1, 1])), desc="default margin")],
           prims=("_where",)),
)

def _ctc(mod, x, *args, **kwargs):
    return F(mod).ctc_loss(F(mod).log_softmax(x, -1), *args, **kwargs)


def _ctc_samples(make):
    padded, lens = np.array([[1, 2, 2], [2, 1, 0]]), [3, 2]
    return [
        Sample((make((3, 2, 3)), np.array([[1, 2], [2, 2]]), [3, 3], [2, 1]), {"reduction": "none"}, desc="tiny"),
        Sample((make((6, 2, 4)), padded, [6, 5], lens), desc="mean"),
        Sample((make((6, 2, 4)), padded, np.array([6, 4]), np.array(lens)), {"reduction": "sum"}, desc="length tensors"),
        Sample((make((6, 2, 4)), np.array([1, 2, 2, 2, 1]), [6, 6], lens), {"reduction": "none"}, desc="concatenated targets"),
        Sample((make((6, 2, 4)), np.array([[0, 2, 0], [2, 2, 0]]), [6, 5], lens), {"blank": 3}, desc="blank 3"),
        Sample((make((4, 2, 4)), np.array([[1, 1, 1], [2, 0, 0]]), [4, 3], [3, 0]), {"reduction": "none", "zero_infinity": True},
               desc="impossible alignment, zero_infinity, empty target", gradcheck=False),
        Sample((make((5, 3)), np.array([1, 2]), [5], [2]), {"reduction": "none"}, desc="unbatched"),
    ]


register(
    OpInfo("F.ctc_loss", _ctc, _ctc_samples, prims=("_ctc_loss", "_ctc_loss_backward", "_log_softmax"), gradgrad=False),
    # Directly on log-probabilities: PyTorch's gradient assumes they come from log_softmax
    # (exp(lp) - gamma, not -gamma), so it is compared with torch's, not with finite differences.
    OpInfo("F.ctc_loss on log-probabilities", _fn("ctc_loss"),
           lambda make: [Sample((make((6, 2, 4), -3.0, -0.5), np.array([[1, 2, 2], [2, 1, 0]]), [6, 5], [3, 2]), {"reduction": r},
                                desc=r) for r in _REDS],
           prims=("_ctc_loss",), skips={"gradcheck": "PyTorch's gradient assumes log_softmax inputs",
                                        "gradgradcheck": "PyTorch's gradient assumes log_softmax inputs"}),
)


# -- errors ---------------------------------------------------------------------------------------

ERRORS.extend([
    ErrorCase("F.softmax of int", lambda mod: F(mod).softmax(mod.ones(3, dtype=mod.int64), 0)),
    ErrorCase("F.softmax bad dim", lambda mod: F(mod).softmax(mod.ones(2, 3), 2)),
    ErrorCase("F.gelu bad approximate", lambda mod: F(mod).gelu(mod.ones(3), approximate="fast")),
    ErrorCase("F.glu odd size", lambda mod: F(mod).glu(mod.ones(2, 3))),
    ErrorCase("F.hardtanh min above max", lambda mod: F(mod).hardtanh(mod.ones(3), 2.0, 1.0)),
    ErrorCase("F.linear shape mismatch", lambda mod: F(mod).linear(mod.ones(2, 3), mod.ones(4, 5), mod.ones(4))),
    ErrorCase("F.linear weight dtype", lambda mod: F(mod).linear(mod.ones(2, 3), mod.ones(4, 3, dtype=mod.float64), mod.ones(4))),
    ErrorCase("F.linear bias dtype", lambda mod: F(mod).linear(mod.ones(2, 3), mod.ones(4, 3), mod.ones(4, dtype=mod.float64))),
    ErrorCase("F.silu of int", lambda mod: F(mod).silu(mod.ones(3, dtype=mod.int64))),
    ErrorCase("F.gelu of int", lambda mod: F(mod).gelu(mod.ones(3, dtype=mod.int64))),
    ErrorCase("F.dropout bad p", lambda mod: F(mod).dropout(mod.ones(3), 1.5)),
    ErrorCase("F.alpha_dropout bad p", lambda mod: F(mod).alpha_dropout(mod.ones(3), -0.1, True)),
    ErrorCase("F.softshrink negative lambd", lambda mod: F(mod).softshrink(mod.ones(3), -1.0)),
    ErrorCase("F.softshrink negative lambd double", lambda mod: F(mod).softshrink(mod.ones(3, dtype=mod.float64), -0.5)),
    ErrorCase("F.prelu weight size", lambda mod: F(mod).prelu(mod.ones(2, 3), mod.ones(2))),
    ErrorCase("F.rrelu lower above upper", lambda mod: F(mod).rrelu(mod.ones(2), 0.5, 0.2, True)),
    ErrorCase("F.dropout1d of 1-d", lambda mod: F(mod).dropout1d(mod.ones(2))),
    ErrorCase("F.dropout2d of 1-d", lambda mod: F(mod).dropout2d(mod.ones(2))),
    ErrorCase("F.dropout3d bad p", lambda mod: F(mod).dropout3d(mod.ones(2, 2, 2, 2), 1.5)),
    ErrorCase("F.feature_alpha_dropout of 1-d", lambda mod: F(mod).feature_alpha_dropout(mod.ones(2), 0.5, True)),
    ErrorCase("F.channel_shuffle groups", lambda mod: F(mod).channel_shuffle(mod.ones(2, 3, 3), 2)),
    ErrorCase("F.channel_shuffle of 2-d", lambda mod: F(mod).channel_shuffle(mod.ones(2, 4), 2), same_message=False),
    ErrorCase("F.pdist of 3-d", lambda mod: F(mod).pdist(mod.ones(2, 3, 3))),
    ErrorCase("F.multi_margin_loss p=3", lambda mod: F(mod).multi_margin_loss(mod.ones(2, 3), mod.tensor([0, 1]), p=3)),
    ErrorCase("F.multi_margin_loss target out of range",
              lambda mod: F(mod).multi_margin_loss(mod.ones(2, 3), mod.tensor([0, 3]))),
    ErrorCase("F.multi_margin_loss target size",
              lambda mod: F(mod).multi_margin_loss(mod.ones(2, 3), mod.tensor([0, 1, 1]))),
    ErrorCase("F.multi_margin_loss weight size",
              lambda mod: F(mod).multi_margin_loss(mod.ones(2, 3), mod.tensor([0, 1]), weight=mod.ones(2))),
    ErrorCase("F.multi_margin_loss 3-d", lambda mod: F(mod).multi_margin_loss(mod.ones(2, 3, 1), mod.tensor([0, 1]))),
    ErrorCase("F.multi_margin_loss float target", lambda mod: F(mod).multi_margin_loss(mod.ones(2, 3), mod.ones(2))),
    ErrorCase("F.multilabel_margin_loss out of range",
              lambda mod: F(mod).multilabel_margin_loss(mod.ones(2, 3), mod.tensor([[0, 1, 5], [1, -1, 0]]))),
    ErrorCase("F.multilabel_margin_loss below -1",
              lambda mod: F(mod).multilabel_margin_loss(mod.ones(2, 3), mod.tensor([[0, -2, 1], [1, -1, 0]]))),
    ErrorCase("F.multilabel_margin_loss target size",
              lambda mod: F(mod).multilabel_margin_loss(mod.ones(2, 3), mod.tensor([[0, 1], [1, -1]]))),
    ErrorCase("F.triplet_margin_with_distance_loss margin",
              lambda mod: F(mod).triplet_margin_with_distance_loss(mod.ones(2, 3), mod.ones(2, 3), mod.ones(2, 3), margin=0)),
    ErrorCase("F.triplet_margin_with_distance_loss dims",
              lambda mod: F(mod).triplet_margin_with_distance_loss(mod.ones(2, 3), mod.ones(3), mod.ones(2, 3))),
    ErrorCase("F.one_hot negative", lambda mod: F(mod).one_hot(mod.tensor([0, -1]))),
    ErrorCase("F.one_hot too few classes", lambda mod: F(mod).one_hot(mod.tensor([0, 3]), 3)),
    ErrorCase("F.one_hot of floats", lambda mod: F(mod).one_hot(mod.tensor([0.0, 1.0]))),
    ErrorCase("F.cross_entropy target out of bounds", lambda mod: F(mod).cross_entropy(mod.ones(2, 3), mod.tensor([0, 3]))),
    ErrorCase("F.cross_entropy batch mismatch", lambda mod: F(mod).cross_entropy(mod.ones(2, 3), mod.tensor([0, 1, 2]))),
    ErrorCase("F.cross_entropy bad smoothing", lambda mod: F(mod).cross_entropy(mod.ones(2, 3), mod.tensor([0, 1]),
                                                                               label_smoothing=1.5)),
    ErrorCase("F.cross_entropy bad reduction", lambda mod: F(mod).cross_entropy(mod.ones(2, 3), mod.tensor([0, 1]),
                                                                               reduction="avg")),
    ErrorCase("F.nll_loss float target", lambda mod: F(mod).nll_loss(mod.ones(2, 3), mod.tensor([0.0, 1.0]))),
    ErrorCase("F.nll_loss uint8 target with extra dims",
              lambda mod: F(mod).nll_loss(mod.ones(2, 3, 2), mod.tensor([[0, 2], [1, 1]], dtype=mod.uint8))),
    ErrorCase("F.nll_loss bad weight", lambda mod: F(mod).nll_loss(mod.ones(2, 3), mod.tensor([0, 1]), mod.ones(2))),
    ErrorCase("F.binary_cross_entropy out of range", lambda mod: F(mod).binary_cross_entropy(mod.ones(3) * 2, mod.ones(3))),
    ErrorCase("F.binary_cross_entropy size mismatch", lambda mod: F(mod).binary_cross_entropy(mod.ones(2, 3) / 2, mod.ones(3))),
    ErrorCase("F.binary_cross_entropy_with_logits size mismatch",
              lambda mod: F(mod).binary_cross_entropy_with_logits(mod.ones(2, 3), mod.ones(3))),
    ErrorCase("F.mse_loss weight size", lambda mod: F(mod).mse_loss(mod.ones(2, 3), mod.ones(2, 3), weight=mod.ones(3))),
    ErrorCase("F.mse_loss bad reduction", lambda mod: F(mod).mse_loss(mod.ones(3), mod.ones(3), reduction="max")),
    ErrorCase("F.gaussian_nll_loss negative var",
              lambda mod: F(mod).gaussian_nll_loss(mod.ones(3), mod.ones(3), -mod.ones(3))),
    ErrorCase("F.gaussian_nll_loss var size", lambda mod: F(mod).gaussian_nll_loss(mod.ones(2, 3), mod.ones(2, 3), mod.ones(3, 2))),
    ErrorCase("F.ctc_loss double backward", lambda mod: _ctc_double_backward(mod)),
    ErrorCase("F.ctc_loss input length too long",
              lambda mod: F(mod).ctc_loss(mod.zeros(3, 1, 3), mod.tensor([[1]]), [4], [1])),
])


def _ctc_double_backward(mod):
    x = mod.ones(3, 1, 3, dtype=mod.float64, requires_grad=True)
    loss = F(mod).ctc_loss(F(mod).log_softmax(x, 2), mod.tensor([[1]]), [3], [1])
    (g,) = mod.autograd.grad(loss, x, create_graph=True)
    g.sum().backward()
