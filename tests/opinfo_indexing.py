"""Registry entries for the indexing ops (see opinfo.py for the conventions).

Index arrays at the top level of a sample are integer arrays, so they become plain tensors
(never leaves). Samples that write one place twice without accumulating are not
gradchecked: which write wins is unspecified, and each duplicate gets its slot's gradient.
"""

from __future__ import annotations

import numpy as np

from opinfo import (  # noqa: F401
    ERRORS, NC, Const, ErrorCase, OpInfo, Sample, _inplace, _inplace_on_view, register,
)


def _method(name: str, op, samples, **kw) -> OpInfo:
    """The Tensor-method form of an op: its function's entry runs the second-order checks."""
    return OpInfo(name, op, samples, gradgrad=False, **kw)


def ix(*values, dtype="int64") -> np.ndarray:
    return np.array(values, dtype=dtype)


def _leaf(mod, *shape):
    return mod.ones(*shape, requires_grad=True)


# == gather, take_along_dim ======================================================================


def _gather_samples(make):
    return [
        Sample((make((3, 4)), 1, ix([0, 1], [3, 3], [2, 0])), desc="dim 1, repeated indices"),
        Sample((make((3, 4)), 0, ix([0, 2, 1, 1], [2, 2, 0, 1])), desc="dim 0"),
        Sample((make((3, 4)), -1, ix([1], [0])), desc="negative dim, index smaller than input"),
        Sample((make((2, 3, 2)), 1, ix([[0, 2], [1, 1]], [[2, 0], [0, 0]])), desc="3-d"),
        Sample((make(()), 0, np.array(0)), desc="0-d"),
        Sample((make(()), 0, ix(0, 0)), desc="0-d input, 1-d index"),
        Sample((make((4,)), 0, np.array(2)), desc="1-d input, 0-d index"),
        Sample((NC(make((3, 4))), 1, ix([0, 3], [1, 1], [2, 0])), desc="non-contiguous"),
        Sample((make((3, 4)), 1, np.zeros((0, 2), np.int64)), desc="empty index"),
        Sample((make((3, 4)), 1, ix([0, 2], [1, 1], [3, 0], dtype="int32")), desc="int32 index"),
        Sample((make((3, 4)), 1, ix([0, 2], [1, 1])), {"sparse_grad": False}, desc="sparse_grad=False"),
    ]


def _take_along_dim_samples(make):
    return [
        Sample((make((3, 4)), ix([0, 11, 5, 5])), desc="dim None"),
        Sample((make((3, 4)), ix([2, 0], [1, 1], [3, 3])), {"dim": 1}, desc="dim 1"),
        Sample((make((3, 4)), ix([2, 0, 1, 1])), {"dim": 0}, desc="indices broadcast"),
        Sample((make((1, 4)), ix([1], [0], [3])), {"dim": 1}, desc="input broadcast"),
        Sample((make((3, 4)), ix([-1], [0], [-4])), {"dim": -1}, desc="negative indices and dim"),
        Sample((make((2, 3, 2)), ix([[0, 1]], [[2, 2]])), {"dim": 1}, desc="3-d"),
    ]


register(
    OpInfo("gather", lambda mod, x, d, i, **k: mod.gather(x, d, i, **k), _gather_samples, covers=("gather",),
           prims=("_gather_kernel", "_scatter_add_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), 1, ix([0, 1], [3, 3])))]),
    _method("Tensor.gather", lambda mod, x, d, i: x.gather(d, i), lambda make: _gather_samples(make)[:2],
           prims=("_gather_kernel",)),
    OpInfo("take_along_dim", lambda mod, x, i, **k: mod.take_along_dim(x, i, **k), _take_along_dim_samples,
           covers=("take_along_dim",), prims=("_gather_kernel",), torch_gradgrad=True),
    _method("Tensor.take_along_dim", lambda mod, x, i, **k: x.take_along_dim(i, **k),
           lambda make: _take_along_dim_samples(make)[:2], prims=("_gather_kernel",)),
)


# == scatter, scatter_add, scatter_reduce ========================================================


def _scatter_samples(make):
    return [
        Sample((make((3, 4)), 1, ix([0, 1], [3, 2], [2, 0]), make((3, 2))), desc="dim 1"),
        Sample((make((3, 4)), 0, ix([0, 2, 1, 1], [2, 1, 0, 0]), make((2, 4))), desc="dim 0"),
        Sample((make((3, 4)), -1, ix([1], [0]), make((2, 1))), desc="negative dim, index smaller than input"),
        Sample((make((2, 3, 2)), 1, ix([[0, 2]], [[1, 1]]), make((2, 1, 2))), desc="3-d"),
        Sample((make((3, 4)), 1, ix([0, 1], [3, 2]), Const(make((3, 3)))), desc="src larger than index"),
        Sample((make((3, 4)), 1, ix([0, 0], [1, 1]), make((2, 2))), desc="repeated indices", gradcheck=False),
        Sample((make(()), 0, np.array(0), make(())), desc="0-d"),
        Sample((NC(make((3, 4))), 1, ix([0, 1], [3, 2], [2, 0]), NC(make((3, 2)))), desc="non-contiguous"),
        Sample((make((3, 4)), 1, np.zeros((0, 2), np.int64), make((0, 2))), desc="empty index"),
        Sample((make((3, 4)), 1, ix([0, 1], [3, 2], dtype="int32"), make((2, 2))), desc="int32 index"),
        Sample((make((3, 4)), 1, ix([0, 1], [3, 2], [2, 0]), 2.5), desc="value"),
        Sample((make((3, 4)), 0, ix([2, 1, 0, 0])), {"value": -1}, desc="value keyword"),
    ]


def _scatter_int_samples(make):
    return [
        Sample((make.ints((3, 4)), 1, ix([0, 1], [3, 2]), make.ints((2, 2))), desc="int"),
        Sample((make.ints((3, 4)), 1, ix([0, 1], [3, 2]), 7), desc="int value"),
        Sample((make.ints((3, 4)), 1, ix([0, 0], [3, 2]), make.ints((2, 2))), {"reduce": "add"}, desc="reduce add"),
        Sample((make.ints((3, 4)), 1, ix([0, 0], [3, 2]), 3), {"reduce": "multiply"}, desc="reduce multiply value"),
    ]


def _scatter_add_samples(make):
    return [
        Sample((make((3, 4)), 1, ix([0, 0], [3, 2], [2, 2]), make((3, 2))), desc="repeated indices add up"),
        Sample((make((3, 4)), 0, ix([0, 2, 1, 1], [0, 2, 0, 1]), make((2, 4))), desc="dim 0"),
        Sample((make((2, 3, 2)), -2, ix([[0, 2]], [[1, 1]]), make((2, 1, 2))), desc="3-d, negative dim"),
        Sample((make((3, 4)), 1, ix([0, 1], [3, 2]), Const(make((3, 3)))), desc="src larger than index"),
        Sample((make(()), 0, ix(0, 0), make((2,))), desc="0-d self, repeated"),
        Sample((NC(make((3, 4))), 1, ix([0, 1], [3, 3], [2, 0]), NC(make((3, 2)))), desc="non-contiguous"),
        Sample((make((3, 4)), 1, np.zeros((0, 2), np.int64), make((0, 2))), desc="empty index"),
    ]


def _scatter_legacy_samples(make):
    return [
        Sample((make((3, 4)), 1, ix([0, 0], [3, 2]), make((2, 2))), {"reduce": "add"}, desc="add, repeated"),
        Sample((make((3, 4)), 1, ix([0, 0], [3, 2]), make((2, 2))), {"reduce": "multiply"}, desc="multiply"),
        Sample((make((3, 4)), 0, ix([0, 0, 1, 1])), {"value": 2.0, "reduce": "multiply"}, desc="value, multiply"),
    ]


def _scatter_reduce_samples(make):
    out = []
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            kw = {"include_self": include_self}
            out += [
                Sample((make((3, 4)), 1, ix([0, 0], [3, 2], [2, 2]), make((3, 2)), reduce), kw,
                       desc=f"{reduce} include_self={include_self}"),
                Sample((make((4,)), 0, ix(1, 1, 1, 3, 3), make((5,)), reduce), kw,
                       desc=f"{reduce} 1-d include_self={include_self}"),
            ]
        out.append(Sample((make((2, 3, 2)), -1, ix([[0, 0]], [[1, 0]]), make((2, 1, 2)), reduce),
                          desc=f"{reduce} 3-d, negative dim"))
        if reduce in ("sum", "mean"):  # torch's rules for the others fail on a src larger than index
            out.append(Sample((make((3, 4)), 1, ix([0, 1], [3, 3]), Const(make((3, 3))), reduce),
                              desc=f"{reduce} src larger than index"))
    f = make.float
    # Ties at the extreme share its gradient; prod at zeros: one zero, two zeros, zero in self.
    for reduce in ("amax", "amin"):
        for include_self in (True, False):
            out.append(Sample((f([1.0, 2.0, 3.0]), 0, ix(0, 0, 1, 1), f([1.0, 1.0, 0.5, 2.0]), reduce),
                              {"include_self": include_self}, desc=f"{reduce} ties, include_self={include_self}",
                              gradcheck=False))
    for include_self in (True, False):
        kw = {"include_self": include_self}
        out.append(Sample((f([0.0, 2.0]), 0, ix(0, 0, 1), f([3.0, -1.5, 0.0]), "prod"), kw,
                          desc=f"prod with a zero self and a lone zero, include_self={include_self}"))
    out.append(Sample((NC(make((3, 4))), 1, ix([0, 0], [3, 2], [1, 1]), NC(make((3, 2))), "sum"), desc="non-contiguous"))
    out.append(Sample((make(()), 0, ix(0, 0), make((2,)), "mean"), desc="0-d self"))
    return out


def _scatter_prod_zeros_samples(make):
    f = make.float
    return [
        Sample((f([1.5, 2.0, 3.0]), 0, ix(0, 0, 1, 1, 2), f([0.0, 2.0, 0.0, 0.0, 1.5]), "prod"),
               {"include_self": include_self}, desc=f"one and two zeros in a place, include_self={include_self}")
        for include_self in (True, False)
    ]


def _scatter_reduce_int_samples(make):
    return [
        Sample((make.ints((4,)), 0, ix(1, 1, 1, 3, 0), make.ints((5,)), reduce), {"include_self": s},
               desc=f"{reduce} include_self={s}")
        for reduce in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)
    ] + [Sample((make.ints((4,)), 0, ix(1, 1, 0), make.ints((3,)), "max"), desc="max alias")]


register(
    OpInfo("scatter", lambda mod, x, d, i, *a, **k: mod.scatter(x, d, i, *a, **k), _scatter_samples,
           covers=("scatter",), prims=("_scatter_kernel", "_scatter_fill_kernel", "_gather_kernel"),
           torch_gradgrad=True, int_samples=_scatter_int_samples),
    _method("Tensor.scatter", lambda mod, x, d, i, s: x.scatter(d, i, s), lambda make: _scatter_samples(make)[:2],
           prims=("_scatter_kernel",)),
    OpInfo("scatter_", _inplace("scatter_"), lambda make: _scatter_samples(make)[:3] + _scatter_samples(make)[-2:],
           covers=("scatter_",), prims=("_scatter_kernel", "_scatter_fill_kernel")),
    OpInfo("scatter_ on a view", _inplace_on_view("scatter_"),
           lambda make: [Sample((make((3, 3)), 0, ix(2, 0), make((2,))))], prims=("_scatter_kernel",)),
    # reduce= on scatter has no derivative in torch (a NotImplemented node).
    OpInfo("scatter reduce=", lambda mod, x, d, i, *a, **k: mod.scatter(x, d, i, *a, **k), _scatter_legacy_samples,
           prims=("_scatter_legacy_reduce",), backward_raises=True),
    OpInfo("scatter_add", lambda mod, x, d, i, s: mod.scatter_add(x, d, i, s), _scatter_add_samples,
           covers=("scatter_add",), prims=("_scatter_add_kernel", "_gather_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), 1, ix([0, 0], [3, 2]), make.ints((2, 2))))]),
    _method("Tensor.scatter_add", lambda mod, x, d, i, s: x.scatter_add(d, i, s),
           lambda make: _scatter_add_samples(make)[:1], prims=("_scatter_add_kernel",)),
    OpInfo("scatter_add_", _inplace("scatter_add_"),
           lambda make: _scatter_add_samples(make)[:3] + [Sample((make((2, 3)), 1, ix([0, 0]), make((1, 2))))],
           covers=("scatter_add_",), prims=("_scatter_add_kernel",)),
    OpInfo("scatter_reduce", lambda mod, x, d, i, s, r, **k: mod.scatter_reduce(x, d, i, s, r, **k),
           _scatter_reduce_samples, covers=("scatter_reduce",), torch_gradgrad=True,
           prims=("_scatter_reduce_kernel", "_scatter_fill_kernel", "_gather_kernel"),
           int_samples=_scatter_reduce_int_samples),
    # Where two zeros meet, the second derivative for src is refused (as torch refuses it).
    OpInfo("scatter_reduce prod at zeros", lambda mod, x, d, i, s, r, **k: mod.scatter_reduce(x, d, i, s, r, **k),
           _scatter_prod_zeros_samples, prims=("_scatter_reduce_kernel", "_refuse_backward"), gradgrad=False),
    _method("Tensor.scatter_reduce", lambda mod, x, d, i, s, r, **k: x.scatter_reduce(d, i, s, r, **k),
           lambda make: _scatter_reduce_samples(make)[:4], prims=("_scatter_reduce_kernel",)),
    OpInfo("scatter_reduce_", _inplace("scatter_reduce_"),
           lambda make: [s for s in _scatter_reduce_samples(make) if "1-d" in s.desc][::2],
           covers=("scatter_reduce_",), prims=("_scatter_reduce_kernel",)),
)


# == index_select, index_add, index_copy, index_fill ==============================================


def _index_select_samples(make):
    return [
        Sample((make((3, 4)), 1, ix(0, 3, 3)), desc="dim 1, repeated"),
        Sample((make((3, 4)), 0, ix(2, 0)), desc="dim 0"),
        Sample((make((2, 3, 2)), -2, ix(1, 2, 0, 1)), desc="3-d, negative dim"),
        Sample((make((3, 4)), 1, np.array(2)), desc="0-d index"),
        Sample((make(()), 0, ix(0)), desc="0-d input"),
        Sample((make((5,)), 0, ix(4, 0, 4)), desc="1-d"),
        Sample((NC(make((3, 4))), 1, ix(3, 0)), desc="non-contiguous"),
        Sample((make((3, 4)), 0, ix()), desc="empty index"),
        Sample((make((3, 4)), 1, ix(1, 2, dtype="int32")), desc="int32 index"),
    ]


def _index_add_samples(make):
    return [
        Sample((make((3, 4)), 1, ix(0, 3, 3), make((3, 3))), desc="dim 1, repeated indices add up"),
        Sample((make((3, 4)), 0, ix(2, 0), make((2, 4))), {"alpha": 2}, desc="dim 0, alpha"),
        Sample((make((2, 3, 2)), -2, ix(1, 1), make((2, 2, 2))), {"alpha": -0.5}, desc="3-d, float alpha"),
        Sample((make(()), 0, ix(0), make(())), desc="0-d"),
        Sample((make((4,)), 0, np.array(1), make((1,))), desc="0-d index"),
        Sample((NC(make((3, 4))), 1, ix(3, 0), NC(make((3, 2)))), desc="non-contiguous"),
        Sample((make((3, 4)), 0, ix(), make((0, 4))), desc="empty index"),
        Sample((make((3, 4)), 1, ix(1, 1, dtype="int32"), Const(make((3, 2)))), desc="int32 index, source without grad"),
    ]


def _index_copy_samples(make):
    return [
        Sample((make((3, 4)), 1, ix(0, 3), make((3, 2))), desc="dim 1"),
        Sample((make((3, 4)), 0, ix(2, 0), make((2, 4))), desc="dim 0"),
        Sample((make((2, 3, 2)), -2, ix(2,), make((2, 1, 2))), desc="3-d, negative dim"),
        Sample((make(()), 0, ix(0), make(())), desc="0-d"),
        Sample((make((3, 4)), 0, ix(1, 1), make((2, 4))), desc="repeated index", gradcheck=False),
        Sample((NC(make((3, 4))), 1, ix(3, 0), NC(make((3, 2)))), desc="non-contiguous"),
        Sample((make((3, 4)), 0, ix(), make((0, 4))), desc="empty index"),
    ]


def _index_fill_samples(make):
    return [
        Sample((make((3, 4)), 1, ix(0, 3, 3), 2.5), desc="dim 1, number"),
        Sample((make((3, 4)), 0, ix(-1), -1), desc="negative index, int"),
        Sample((make((3, 4)), 1, ix(1, 2), make(())), desc="0-d tensor value"),
        Sample((make((2, 3, 2)), -2, np.array(1), make(())), desc="3-d, 0-d index and value"),
        Sample((make(()), 0, ix(0), 1.5), desc="0-d"),
        Sample((NC(make((3, 4))), 1, ix(3, 0), make(())), desc="non-contiguous"),
        Sample((make((3, 4)), 0, ix(), 1.0), desc="empty index"),
        Sample((make((3, 4)), 1, ix(1), Const(make(()))), desc="value without grad"),
    ]


register(
    OpInfo("index_select", lambda mod, x, d, i: mod.index_select(x, d, i), _index_select_samples,
           covers=("index_select",), prims=("_index_select_kernel", "_index_add_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), 1, ix(0, 3, 3))), Sample((make.bools((3, 2)), 0, ix(2)))]),
    _method("Tensor.index_select", lambda mod, x, d, i: x.index_select(d, i), lambda make: _index_select_samples(make)[:2],
           prims=("_index_select_kernel",)),
    OpInfo("index_add", lambda mod, x, d, i, s, **k: mod.index_add(x, d, i, s, **k), _index_add_samples,
           covers=("index_add",), prims=("_index_add_kernel", "_index_select_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), 1, ix(0, 0), make.ints((3, 2))), {"alpha": 3}),
                                     Sample((make.ints((3, 4)), 1, ix(0, 1), make.ints((3, 2))), {"alpha": 2.5},
                                            desc="float alpha on int: cast first")]),
    _method("Tensor.index_add", lambda mod, x, d, i, s, **k: x.index_add(d, i, s, **k),
           lambda make: _index_add_samples(make)[:2], prims=("_index_add_kernel",)),
    OpInfo("index_add_", _inplace("index_add_"),
           lambda make: _index_add_samples(make)[:3] + [Sample((make((2, 3)), 1, ix(0, 0), make((2, 2))))],
           covers=("index_add_",), prims=("_index_add_kernel",)),
    OpInfo("index_add_ on a view", _inplace_on_view("index_add_"),
           lambda make: [Sample((make((3, 3)), 0, ix(1, 1), make((2,))))], prims=("_index_add_kernel",)),
    OpInfo("index_copy", lambda mod, x, d, i, s: mod.index_copy(x, d, i, s), _index_copy_samples,
           covers=("index_copy",), prims=("_index_copy_kernel", "_index_fill_kernel", "_index_select_kernel"),
           torch_gradgrad=True, int_samples=lambda make: [Sample((make.ints((3, 4)), 1, ix(2, 0), make.ints((3, 2))))]),
    _method("Tensor.index_copy", lambda mod, x, d, i, s: x.index_copy(d, i, s), lambda make: _index_copy_samples(make)[:2],
           prims=("_index_copy_kernel",)),
    OpInfo("index_copy_", _inplace("index_copy_"),
           lambda make: _index_copy_samples(make)[:3] + [Sample((make((2, 3)), 1, ix(2,), make((2, 1))))],
           covers=("index_copy_",), prims=("_index_copy_kernel",)),
    OpInfo("index_fill", lambda mod, x, d, i, v: mod.index_fill(x, d, i, v), _index_fill_samples,
           covers=("index_fill",), prims=("_index_fill_kernel", "_index_fill_tensor"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), 1, ix(2, 0), 9)), Sample((make.ints((3, 4)), 0, ix(1), 2.7))]),
    _method("Tensor.index_fill", lambda mod, x, d, i, v: x.index_fill(d, i, v), lambda make: _index_fill_samples(make)[:3],
           prims=("_index_fill_kernel", "_index_fill_tensor")),
    OpInfo("index_fill_", _inplace("index_fill_"), lambda make: _index_fill_samples(make)[:4],
           covers=("index_fill_",), prims=("_index_fill_kernel", "_index_fill_tensor")),
)


# == index_put, take, put ========================================================================


def _index_put_samples(make):
    return [
        Sample((make((3, 4)), (ix(0, 2, 0),), make((3, 4)), True), desc="accumulate, repeated rows"),
        Sample((make((3, 4)), (ix(0, 2, 0), ix(1, 1, 1)), make((3,)), True), desc="accumulate, repeated elements"),
        Sample((make((3, 4)), (ix(0, 2), ix(1, 3)), make((2,))), desc="two index tensors"),
        Sample((make((3, 4)), (ix(2, 0),), make((4,))), desc="broadcast value"),
        Sample((make((3, 4)), (ix(1, 1),), make((2, 4))), desc="repeated, no accumulate", gradcheck=False),
        Sample((make((3, 4)), (make.bools((3, 4)),), make(())), desc="mask, 0-d value"),
        Sample((make((3, 4)), (np.array([True, False, True]),), make((2, 4))), {"accumulate": True}, desc="row mask, accumulate"),
        Sample((make((2, 3, 2)), (ix(1, 0), ix(2, 2)), make((2, 2))), {"accumulate": True}, desc="3-d, keyword"),
        Sample((NC(make((3, 4))), (ix(2, 0),), NC(make((2, 4)))), desc="non-contiguous"),
        Sample((make((3, 4)), (ix(1),), Const(make((1, 4))), True), desc="values without grad"),
        Sample((make((3, 4)), (ix(),), make((0, 4))), desc="empty index"),
        Sample((make((3, 4)), (ix(-1, 2, -1), ix(-4, 0, 0)), make((3,)), True), desc="negative indices, accumulate"),
    ]


def _take_samples(make):
    return [
        Sample((make((3, 4)), ix(0, 11, 5, 5)), desc="repeated"),
        Sample((make((3, 4)), ix([-1, 0], [-12, 3])), desc="2-d index, negative"),
        Sample((make(()), ix(0, 0)), desc="0-d input"),
        Sample((make((5,)), np.array(2)), desc="0-d index"),
        Sample((NC(make((3, 4))), ix(1, 4, 7)), desc="non-contiguous: logical order"),
        Sample((make((3, 4)), ix()), desc="empty index"),
    ]


def _put_samples(make):
    return [
        Sample((make((3, 4)), ix(0, 11, 5), make((3,))), desc="distinct"),
        Sample((make((3, 4)), ix(0, 11, 0, 0), make((4,)), True), desc="accumulate, repeated"),
        Sample((make((3, 4)), ix([-1, 0], [2, 3]), make((4,))), {"accumulate": True}, desc="2-d index, 1-d source"),
        Sample((make((3, 4)), ix(1, 1), make((2,))), desc="repeated, no accumulate", gradcheck=False),
        Sample((make(()), ix(0), make((1,))), desc="0-d"),
        Sample((NC(make((3, 4))), ix(1, 4), make((2, 1))), desc="non-contiguous: logical order"),
        Sample((make((3, 4)), ix(), make((0,))), desc="empty index"),
    ]


register(
    OpInfo("index_put", lambda mod, x, i, v, *a, **k: mod.index_put(x, i, v, *a, **k), _index_put_samples,
           covers=("index_put",), prims=("_index_put_kernel", "_take[IndexBackward0]"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), (ix(0, 0),), make.ints((2, 4)), True))]),
    _method("Tensor.index_put", lambda mod, x, i, v, *a, **k: x.index_put(i, v, *a, **k),
           lambda make: _index_put_samples(make)[:3], prims=("_index_put_kernel",)),
    OpInfo("index_put_", _inplace("index_put_"),
           lambda make: _index_put_samples(make)[:4] + [Sample((make((2, 3)), (ix(1, 1),), make((3,)), True))],
           covers=("index_put_",), prims=("_index_put_kernel",)),
    OpInfo("take", lambda mod, x, i: mod.take(x, i), _take_samples, covers=("take",),
           prims=("_take_kernel", "_put_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), ix(1, -1)))]),
    _method("Tensor.take", lambda mod, x, i: x.take(i), lambda make: _take_samples(make)[:2], prims=("_take_kernel",)),
    OpInfo("put", lambda mod, x, i, s, *a, **k: mod.put(x, i, s, *a, **k), _put_samples, covers=("put",),
           prims=("_put_kernel", "_take_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), ix(1, 1), make.ints((2,)), True))]),
    _method("Tensor.put", lambda mod, x, i, s, *a: x.put(i, s, *a), lambda make: _put_samples(make)[:2],
           prims=("_put_kernel",)),
    OpInfo("put_", _inplace("put_"), lambda make: _put_samples(make)[:3] + [Sample((make((2, 3)), ix(5, 0, 5), make((3,)), True))],
           covers=("put_",), prims=("_put_kernel",)),
)


# == masks =======================================================================================


def _masked_fill_samples(make):
    m = make.bools
    return [
        Sample((make((3, 4)), m((3, 4)), 2.5), desc="number"),
        Sample((make((3, 4)), m((4,)), -1), desc="broadcast mask, int"),
        Sample((make((4,)), m((3, 4)), 0.5), desc="broadcast input"),
        Sample((make((3, 4)), m((3, 4)), make(())), desc="0-d tensor value"),
        Sample((make((3, 1)), m((1, 4)), make(())), desc="both broadcast, 0-d tensor value"),
        Sample((make(()), np.array(True), make(())), desc="0-d"),
        Sample((make((2, 3, 2)), m((3, 1)), float("-inf")), desc="3-d, -inf (attention masks)"),
        Sample((make((3,)), np.array([True, False, True]), float("nan")), desc="NaN", gradcheck=False),
        Sample((NC(make((3, 4))), m((3, 4)), make(())), desc="non-contiguous"),
        Sample((make((0, 4)), m((4,)), 1.0), desc="empty"),
        Sample((make((3, 4)), m((3, 4)), Const(make(()))), desc="value without grad"),
        Sample((make((2,)), m((2,)), make((), dtype="float64") if make.dtype == np.float32 else make((), dtype="float32")),
               desc="0-d value of another float dtype"),
    ]


def _masked_fill_int_samples(make):
    return [
        Sample((make.ints((3, 4)), make.bools((3, 4)), 7), desc="int"),
        Sample((make.ints((3, 4)), make.bools((4,)), 2.7), desc="int, float value truncates"),
        Sample((make.ints((3,)), make.bools((3,)), np.array(2.5)), desc="int, 0-d float tensor value"),
        Sample((make.bools((3,)), make.bools((3,)), True), desc="bool"),
    ]


def _masked_select_samples(make):
    m = make.bools
    return [
        Sample((make((3, 4)), m((3, 4))), desc="same shape"),
        Sample((make((3, 4)), m((4,))), desc="broadcast mask"),
        Sample((make((4,)), m((3, 4))), desc="broadcast input"),
        Sample((make(()), np.array(True)), desc="0-d"),
        Sample((NC(make((3, 4))), m((3, 4))), desc="non-contiguous"),
        Sample((make((3, 4)), np.zeros((3, 4), bool)), desc="nothing selected"),
        Sample((make((0, 4)), m((4,))), desc="empty"),
    ]


def _masked_scatter_samples(make):
    m = make.bools
    return [
        Sample((make((3, 4)), m((3, 4)), make((12,))), desc="source as large as self"),
        Sample((make((3, 4)), m((4,)), make((3, 5))), desc="broadcast mask, larger 2-d source"),
        Sample((make((4,)), m((2, 4)), make((8,))), desc="broadcast self"),
        Sample((make(()), np.array(True), make((2,))), desc="0-d"),
        Sample((NC(make((3, 4))), m((3, 4)), NC(make((4, 3)))), desc="non-contiguous"),
        Sample((make((3, 4)), np.zeros((3, 4), bool), make((2,))), desc="nothing selected"),
        Sample((make((3, 4)), np.ones((4,), bool), make((3, 4))), desc="everything selected"),
    ]


register(
    OpInfo("masked_fill", lambda mod, x, m, v: mod.masked_fill(x, m, v), _masked_fill_samples,
           covers=("masked_fill",), prims=("_masked_fill_kernel", "_masked_fill_tensor"), torch_gradgrad=True,
           int_samples=_masked_fill_int_samples),
    _method("Tensor.masked_fill", lambda mod, x, m, v: x.masked_fill(m, v), lambda make: _masked_fill_samples(make)[:4],
           prims=("_masked_fill_kernel", "_masked_fill_tensor")),
    OpInfo("masked_fill_", _inplace("masked_fill_"), lambda make: _masked_fill_samples(make)[:2] + _masked_fill_samples(make)[3:4],
           covers=("masked_fill_",), prims=("_masked_fill_kernel", "_masked_fill_tensor")),
    OpInfo("masked_fill_ on a view", _inplace_on_view("masked_fill_"),
           lambda make: [Sample((make((3, 3)), make.bools((3,)), make(())))], prims=("_masked_fill_tensor",)),
    OpInfo("masked_select", lambda mod, x, m: mod.masked_select(x, m), _masked_select_samples,
           covers=("masked_select",), prims=("_masked_select_kernel", "_masked_scatter_kernel"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), make.bools((4,))))]),
    _method("Tensor.masked_select", lambda mod, x, m: x.masked_select(m), lambda make: _masked_select_samples(make)[:2],
           prims=("_masked_select_kernel",)),
    OpInfo("masked_scatter", lambda mod, x, m, s: mod.masked_scatter(x, m, s), _masked_scatter_samples,
           covers=("masked_scatter",), prims=("_masked_scatter_kernel", "_masked_select_kernel", "_masked_fill_kernel"),
           torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 4)), make.bools((4,)), make.ints((12,))))]),
    _method("Tensor.masked_scatter", lambda mod, x, m, s: x.masked_scatter(m, s), lambda make: _masked_scatter_samples(make)[:2],
           prims=("_masked_scatter_kernel",)),
    OpInfo("masked_scatter_", _inplace("masked_scatter_"),
           lambda make: _masked_scatter_samples(make)[:2] + [Sample((make((2, 3)), make.bools((3,)), make((5,))))],
           covers=("masked_scatter_",), prims=("_masked_scatter_kernel",)),
    OpInfo("argwhere", lambda mod, x: mod.argwhere(x),
           lambda make: [Sample((make.float([[0, 1.5, 0], [2, 0, -1]]),)), Sample((make.float(2.0),), desc="0-d"),
                         Sample((make.float(0.0),), desc="0-d zero"), Sample((make((0, 2)),), desc="empty")],
           covers=("argwhere",), differentiable=False,
           int_samples=lambda make: [Sample((make.ints((2, 3), -1, 2),)), Sample((make.bools((4,)),))]),
    _method("Tensor.argwhere", lambda mod, x: x.argwhere(), lambda make: [Sample((make.float([0, 1.5, 0]),))],
           differentiable=False),
)


# == errors ======================================================================================


def _prod_two_zeros_grad(mod):
    src = mod.zeros(2, requires_grad=True)
    out = mod.ones(2).scatter_reduce(0, mod.tensor([0, 0]), src, "prod")
    (g,) = mod.autograd.grad(out.sum(), src, create_graph=True)
    g.sum().backward()


def _i(mod, *values):
    return mod.tensor(values, dtype=mod.int64)


ERRORS += [
    ErrorCase("gather float index", lambda mod: mod.ones(3, 4).gather(1, mod.zeros(3, 1))),
    ErrorCase("gather index ndim", lambda mod: mod.ones(3, 4).gather(1, _i(mod, 1))),
    ErrorCase("gather index too large", lambda mod: mod.ones(3, 4).gather(1, mod.zeros(4, 2, dtype=mod.int64))),
    ErrorCase("gather out of bounds", lambda mod: mod.ones(3, 4).gather(1, _i(mod, [4]))),
    ErrorCase("gather negative index", lambda mod: mod.ones(3, 4).gather(1, _i(mod, [-1]))),
    ErrorCase("gather bad dim", lambda mod: mod.ones(3, 4).gather(2, _i(mod, [0]))),
    ErrorCase("take_along_dim int32", lambda mod: mod.ones(3, 4).take_along_dim(_i(mod, [0]).int(), dim=1)),
    ErrorCase("take_along_dim ndim", lambda mod: mod.ones(3, 4).take_along_dim(_i(mod, 0), dim=1)),
    ErrorCase("take_along_dim broadcast", lambda mod: mod.ones(3, 4).take_along_dim(mod.zeros(2, 1, dtype=mod.int64), dim=1)),
    ErrorCase("scatter dtype mismatch", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0]), mod.ones(1, 1, dtype=mod.float64))),
    ErrorCase("scatter float index", lambda mod: mod.ones(3, 4).scatter(1, mod.zeros(1, 1), 1.0)),
    ErrorCase("scatter index ndim", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, 0), mod.ones(3, 4))),
    ErrorCase("scatter src ndim", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0]), mod.ones(3, 4, 1))),
    ErrorCase("scatter src too small", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0, 1], [2, 3]), mod.ones(1, 1))),
    ErrorCase("scatter index too large", lambda mod: mod.ones(3, 4).scatter(1, mod.zeros(4, 2, dtype=mod.int64), mod.ones(5, 5))),
    ErrorCase("scatter out of bounds", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [4]), 1.0)),
    ErrorCase("scatter bad reduce", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0]), mod.ones(1, 1), reduce="mean")),
    ErrorCase("scatter_add negative index", lambda mod: mod.ones(3, 4).scatter_add(1, _i(mod, [-1]), mod.ones(1, 1))),
    ErrorCase("scatter_add src larger backward",
              lambda mod: mod.ones(3, 4).scatter_add(1, _i(mod, [0]), _leaf(mod, 2, 2)).sum().backward()),
    ErrorCase("scatter src larger backward",
              lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0]), _leaf(mod, 2, 2)).sum().backward()),
    ErrorCase("scatter_reduce src larger backward",
              lambda mod: mod.ones(3, 4).scatter_reduce(1, _i(mod, [0]), _leaf(mod, 1, 2), "mean").sum().backward()),
    ErrorCase("scatter_reduce prod double backward at two zeros", _prod_two_zeros_grad),
    ErrorCase("scatter_reduce bad reduce", lambda mod: mod.ones(3).scatter_reduce(0, _i(mod, 0), mod.ones(1), "add")),
    ErrorCase("scatter reduce= backward",
              lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0]), _leaf(mod, 1, 1), reduce="add").sum().backward()),
    ErrorCase("index_select float index", lambda mod: mod.ones(3, 4).index_select(1, mod.zeros(1))),
    ErrorCase("index_select 2-d index", lambda mod: mod.ones(3, 4).index_select(1, _i(mod, [0]))),
    ErrorCase("index_select out of range", lambda mod: mod.ones(3, 4).index_select(1, _i(mod, 4))),
    ErrorCase("index_select negative", lambda mod: mod.ones(3, 4).index_select(1, _i(mod, -1))),
    ErrorCase("index_select 0-d with 2 indices", lambda mod: mod.tensor(1.0).index_select(0, _i(mod, 0, 0))),
    ErrorCase("index_add dtype mismatch", lambda mod: mod.ones(3, 4).index_add(0, _i(mod, 0), mod.ones(1, 4, dtype=mod.float64))),
    ErrorCase("index_add float index", lambda mod: mod.ones(3, 4).index_add(0, mod.zeros(1), mod.ones(1, 4))),
    ErrorCase("index_add 2-d index", lambda mod: mod.ones(3, 4).index_add(0, _i(mod, [0]), mod.ones(1, 4))),
    ErrorCase("index_add out of bounds", lambda mod: mod.ones(3, 4).index_add(0, _i(mod, 3), mod.ones(1, 4))),
    ErrorCase("index_add source shape", lambda mod: mod.ones(3, 4).index_add(0, _i(mod, 0), mod.ones(1, 3))),
    ErrorCase("index_add source count", lambda mod: mod.ones(3, 4).index_add(0, _i(mod, 0), mod.ones(4))),
    ErrorCase("index_add 1-d self, 0-d source", lambda mod: mod.ones(2).index_add(0, _i(mod, 1), mod.tensor(2.0))),
    ErrorCase("index_copy int32 index", lambda mod: mod.ones(3, 4).index_copy(0, _i(mod, 0).int(), mod.ones(1, 4))),
    ErrorCase("index_copy out of bounds", lambda mod: mod.ones(3, 4).index_copy(0, _i(mod, -1), mod.ones(1, 4))),
    ErrorCase("index_copy count", lambda mod: mod.ones(3, 4).index_copy(0, _i(mod, 0, 1), mod.ones(1, 4))),
    ErrorCase("index_copy dtype", lambda mod: mod.ones(3, 4).index_copy(0, _i(mod, 0), mod.ones(1, 4, dtype=mod.float64))),
    ErrorCase("index_copy 2-d index", lambda mod: mod.ones(3, 4).index_copy(0, _i(mod, [0]), mod.ones(1, 4))),
    ErrorCase("index_fill out of bounds", lambda mod: mod.ones(3, 4).index_fill(0, _i(mod, 3), 5)),
    ErrorCase("index_fill 1-d value", lambda mod: mod.ones(3, 4).index_fill(0, _i(mod, 0), mod.ones(2))),
    ErrorCase("index_fill int32 index", lambda mod: mod.ones(3, 4).index_fill(0, _i(mod, 0).int(), 1)),
    ErrorCase("index_fill 2-d index", lambda mod: mod.ones(3, 4).index_fill(0, _i(mod, [0]), 1)),
    ErrorCase("index_put dtype", lambda mod: mod.ones(3, 4).index_put((_i(mod, 0),), mod.tensor(1.0, dtype=mod.float64))),
    ErrorCase("index_put indices not a tuple", lambda mod: mod.ones(3, 4).index_put(_i(mod, 0), mod.tensor(1.0))),
    ErrorCase("index_put number value", lambda mod: mod.ones(3, 4).index_put((_i(mod, 0),), 1.0)),
    ErrorCase("index_put shape", lambda mod: mod.ones(3, 4).index_put((_i(mod, 0),), mod.ones(3))),
    ErrorCase("index_put out of bounds", lambda mod: mod.ones(3, 4).index_put((_i(mod, 5),), mod.ones(4), accumulate=True)),
    ErrorCase("index_put negative out of bounds", lambda mod: mod.ones(3, 4).index_put((_i(mod, -4),), mod.ones(4), True)),
    ErrorCase("index_put mask shape", lambda mod: mod.ones(3, 4).index_put((mod.ones(2, dtype=mod.bool),), mod.ones(4))),
    ErrorCase("index_put too many indices", lambda mod: mod.ones(3, 4).index_put((_i(mod, 0),) * 3, mod.ones(1))),
    ErrorCase("index_put float index", lambda mod: mod.ones(3, 4).index_put((mod.zeros(1),), mod.ones(4))),
    ErrorCase("masked_fill float mask", lambda mod: mod.ones(3, 4).masked_fill(mod.ones(3, 4), 1.0)),
    ErrorCase("masked_fill uint8 mask", lambda mod: mod.ones(3, 4).masked_fill(mod.ones(3, 4, dtype=mod.uint8), 1.0)),
    ErrorCase("masked_fill 1-d value", lambda mod: mod.ones(3, 4).masked_fill(mod.ones(3, 4, dtype=mod.bool), mod.ones(2))),
    ErrorCase("masked_fill shape", lambda mod: mod.ones(3, 4).masked_fill(mod.ones(2, dtype=mod.bool), 1.0)),
    ErrorCase("masked_fill_ broadcast self", lambda mod: mod.ones(4).masked_fill_(mod.ones(3, 4, dtype=mod.bool), 1.0)),
    ErrorCase("masked_fill_ shape", lambda mod: mod.ones(3, 4).masked_fill_(mod.ones(2, dtype=mod.bool), 1.0)),
    ErrorCase("masked_select float mask", lambda mod: mod.ones(3, 4).masked_select(mod.ones(3, 4))),
    ErrorCase("masked_select shape", lambda mod: mod.ones(3, 4).masked_select(mod.ones(2, dtype=mod.bool))),
    ErrorCase("masked_scatter source too small", lambda mod: mod.ones(3, 4).masked_scatter(mod.ones(4, dtype=mod.bool), mod.ones(3))),
    ErrorCase("masked_scatter dtype", lambda mod: mod.ones(3, 4).masked_scatter(mod.ones(4, dtype=mod.bool), mod.ones(12, dtype=mod.float64))),
    ErrorCase("masked_scatter float mask", lambda mod: mod.ones(3, 4).masked_scatter(mod.ones(4), mod.ones(12))),
    ErrorCase("masked_scatter_ broadcast self", lambda mod: mod.ones(2).masked_scatter_(mod.ones(2, 2, dtype=mod.bool), mod.ones(4))),
    ErrorCase("masked_scatter_ shape", lambda mod: mod.ones(2, 2).masked_scatter_(mod.ones(3, dtype=mod.bool), mod.ones(4))),
    ErrorCase("take int32 index", lambda mod: mod.ones(3, 4).take(_i(mod, 0).int())),
    ErrorCase("take out of range", lambda mod: mod.ones(3, 4).take(_i(mod, 12))),
    ErrorCase("take negative out of range", lambda mod: mod.ones(3, 4).take(_i(mod, -13))),
    ErrorCase("put count", lambda mod: mod.ones(3, 4).put(_i(mod, 0, 1), mod.ones(3))),
    ErrorCase("put dtype", lambda mod: mod.ones(3, 4).put(_i(mod, 0, 1), mod.ones(2, dtype=mod.float64))),
    ErrorCase("put out of range", lambda mod: mod.ones(3, 4).put(_i(mod, 12), mod.ones(1))),
    ErrorCase("put float index", lambda mod: mod.ones(3, 4).put(mod.zeros(1), mod.ones(1))),
    ErrorCase("scatter 0-d src with 2-d index", lambda mod: mod.ones(3, 4).scatter(1, _i(mod, [0]), mod.tensor(2.0))),
    ErrorCase("take_along_dim 0-d with dim", lambda mod: mod.tensor(3.0).take_along_dim(mod.tensor(0), dim=0)),
    ErrorCase("index_put uint8 index", lambda mod: mod.ones(3, 4).index_put((mod.tensor([1, 0, 1], dtype=mod.uint8),), mod.tensor(9.0))),
    ErrorCase("masked_fill overflows half", lambda mod: mod.ones(3, dtype=mod.float16).masked_fill(mod.ones(3, dtype=mod.bool), 1e5)),
    ErrorCase("index_fill overflows int8", lambda mod: mod.ones(3, dtype=mod.int8).index_fill(0, _i(mod, 0), 300)),
    ErrorCase("masked_fill NaN into int", lambda mod: mod.ones(3, dtype=mod.int64).masked_fill(mod.ones(3, dtype=mod.bool), float("nan"))),
    ErrorCase("scatter value overflows half", lambda mod: mod.ones(3, dtype=mod.float16).scatter(0, _i(mod, 0), 7e4)),
    ErrorCase("masked_fill_ on a leaf", lambda mod: _leaf(mod, 3).masked_fill_(mod.ones(3, dtype=mod.bool), 0.0)),
    ErrorCase("index_add_ on a leaf", lambda mod: _leaf(mod, 3).index_add_(0, _i(mod, 0), mod.ones(1))),
]
