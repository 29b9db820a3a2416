"""Registry entries for the shape ops (see opinfo.py for the conventions)."""

from __future__ import annotations

import numpy as np

from opinfo import ERRORS, NC, Const, ErrorCase, OpInfo, Sample, _leaf, register  # noqa: F401


def _ix(*v):
    return np.array(v, dtype=np.int64)


# == reshapes, moves, broadcasting ================================================================

register(
    OpInfo("unflatten", lambda mod, x, d, s: x.unflatten(d, s),
           lambda make: [Sample((make((2, 6)), 1, (2, 3))), Sample((make((2, 6)), -1, (3, -1)), desc="-1 size"),
                         Sample((make((4,)), 0, (2, 1, 2)), desc="1-d"), Sample((make((0, 4)), 1, (2, 2)), desc="empty"),
                         Sample((NC(make((3, 4))), 0, (3, 1)), desc="non-contiguous")],
           covers=("unflatten",), prims=("_view",)),
    OpInfo("movedim", lambda mod, x, s, d: mod.movedim(x, s, d),
           lambda make: [Sample((make((2, 3, 4)), 0, 2)), Sample((make((2, 3, 4)), (0, 1), (2, 0)), desc="tuples"),
                         Sample((make((2, 3, 4)), -1, 0), desc="negative"), Sample((make(()), 0, 0), desc="0-d"),
                         Sample((NC(make((3, 2))), 1, 0), desc="non-contiguous")],
           covers=("movedim",), prims=("_permute",)),
    OpInfo("moveaxis", lambda mod, x, s, d: x.moveaxis(s, d), lambda make: [Sample((make((2, 3, 2)), (0, 2), (1, 0)))],
           covers=("moveaxis",), prims=("_permute",)),
    OpInfo("broadcast_tensors", lambda mod, *xs: mod.broadcast_tensors(*xs),
           lambda make: [Sample((make((3,)), make((2, 3)))), Sample((make((2, 1)), make((1, 3)), make(())), desc="three"),
                         Sample((make((2, 3)),), desc="one"), Sample((make((0, 1)), make((3,))), desc="empty")],
           covers=("broadcast_tensors",), prims=("_expand",)),
    OpInfo("broadcast_shapes", lambda mod, *s: mod.broadcast_shapes(*s),
           lambda make: [Sample(((2, 1), (3,))), Sample(((), (1, 2), 4), desc="int and 0-d"), Sample(((0, 1), (1, 5)), desc="empty")],
           covers=("broadcast_shapes",), differentiable=False),
)


# == repeating, flipping, rolling =================================================================


def _repeat_samples(make):
    return [Sample((make((2, 3)), 2, 1)), Sample((make((2, 3)), (1, 2, 3)), desc="new leading dim"),
            Sample((make(()), 3), desc="0-d"), Sample((make((3,)), 0), desc="zero repeats"),
            Sample((NC(make((3, 2))), 2, 2), desc="non-contiguous"), Sample((make((0, 2)), 2, 2), desc="empty")]


register(
    OpInfo("repeat", lambda mod, x, *s: x.repeat(*s), _repeat_samples, covers=("repeat",), prims=("_repeat",),
           int_samples=lambda make: [Sample((make.ints((2,)), 3, 2))], torch_gradgrad=True),
    OpInfo("tile", lambda mod, x, d: mod.tile(x, d),
           lambda make: [Sample((make((2, 3)), (2,))), Sample((make((3,)), (2, 2)), desc="more dims"), Sample((make(()), (2,)), desc="0-d")],
           covers=("tile",), prims=("_repeat",)),
    OpInfo("repeat_interleave", lambda mod, x, r, **k: mod.repeat_interleave(x, r, **k),
           lambda make: [Sample((make((2, 3)), 2), {"dim": 0}), Sample((make((2, 3)), 3), {"dim": -1}, desc="last dim"),
                         Sample((make((2, 3)), 2), desc="flattened"), Sample((make(()), 2), desc="0-d"),
                         Sample((make((3, 2)), _ix(1, 0, 2)), {"dim": 0}, grad_fn=False,
                                desc="tensor repeats (torch: IndexSelectBackward0, chainrule indexes: IndexBackward0)"),
                         Sample((NC(make((3, 2))), 2), {"dim": 1}, desc="non-contiguous")],
           covers=("repeat_interleave",), prims=("_contiguous", "_view"),
           int_samples=lambda make: [Sample((make.ints((2, 2)), 2), {"dim": 1})]),
    OpInfo("repeat_interleave counts", lambda mod, r: mod.repeat_interleave(r), lambda make: [],
           int_samples=lambda make: [Sample((_ix(1, 0, 3),)), Sample((_ix(),), desc="empty")], differentiable=False),
    OpInfo("flip", lambda mod, x, *d: x.flip(*d),
           lambda make: [Sample((make((2, 3)), 0)), Sample((make((2, 3, 2)), (0, 2)), desc="tuple"), Sample((make((2, 3)), -1, 0), desc="varargs"),
                         Sample((make(()), 0), desc="0-d"), Sample((make((2, 3)), ()), desc="no dims"),
                         Sample((NC(make((3, 2))), 1), desc="non-contiguous"), Sample((make((0, 2)), 0), desc="empty")],
           covers=("flip",), prims=("_flip",), int_samples=lambda make: [Sample((make.ints((2, 3)), 1))]),
    OpInfo("fliplr", lambda mod, x: mod.fliplr(x), lambda make: [Sample((make((2, 3)),)), Sample((make((2, 3, 2)),))],
           covers=("fliplr",), prims=("_flip",)),
    OpInfo("flipud", lambda mod, x: x.flipud(), lambda make: [Sample((make((3,)),)), Sample((NC(make((3, 2))),))],
           covers=("flipud",), prims=("_flip",)),
    OpInfo("roll", lambda mod, x, s, *d: mod.roll(x, s, *d),
           lambda make: [Sample((make((2, 3)), 1, 1)), Sample((make((2, 3)), 2), desc="flattened"),
                         Sample((make((2, 3, 2)), (1, -1), (0, 2)), desc="tuples"), Sample((make((4,)), -5, 0), desc="wraps"),
                         Sample((NC(make((3, 2))), 1, 0), desc="non-contiguous"), Sample((make((0, 2)), 1, 1), desc="empty")],
           covers=("roll",), prims=("_roll",), int_samples=lambda make: [Sample((make.ints((5,)), 2))]),
    OpInfo("rot90", lambda mod, x, *a: x.rot90(*a),
           lambda make: [Sample((make((2, 3)),)), Sample((make((2, 3)), 2), desc="k=2"), Sample((make((2, 3)), -1), desc="k=-1"),
                         Sample((make((2, 3)), 0), desc="k=0"), Sample((make((2, 3, 2)), 1, (2, 0)), desc="dims"),
                         Sample((make((2, 3, 2)), 5, (-1, 1)), desc="k=5, negative dim"),
                         Sample((NC(make((3, 2))), 1), desc="non-contiguous")],
           covers=("rot90",), prims=("_rot90",)),
)


# == pieces =======================================================================================


register(
    OpInfo("narrow", lambda mod, x, d, s, n: mod.narrow(x, d, s, n),
           lambda make: [Sample((make((4, 3)), 0, 1, 2)), Sample((make((4, 3)), -1, -2, 2), desc="negative"),
                         Sample((make((4, 3)), 0, 0, 4), desc="all"), Sample((make((4, 3)), 1, 3, 0), desc="empty result"),
                         Sample((NC(make((3, 4))), 1, 1, 2), desc="non-contiguous")],
           covers=("narrow",), prims=("_take[SliceBackward0]",)),
    OpInfo("narrow tensor start", lambda mod, x, s: x.narrow(0, mod.tensor(s), 2), lambda make: [Sample((make((4, 3)), 1))]),
    OpInfo("split", lambda mod, x, s, *d: mod.split(x, s, *d),
           lambda make: [Sample((make((5, 2)), 2)), Sample((make((2, 6)), 3, 1), desc="even"), Sample((make((2, 6)), [1, 0, 5], 1), desc="sizes"),
                         Sample((make((4, 2)), 10), desc="one piece"), Sample((make((0, 2)), 0), desc="empty"),
                         Sample((NC(make((3, 4))), 2, 1), desc="non-contiguous")],
           covers=("split",), prims=("_split_kernel[SplitBackward0]", "_split_kernel[SplitWithSizesBackward0]"),
           torch_gradgrad=True),
    OpInfo("Tensor.split", lambda mod, x, s: x.split(s), lambda make: [Sample((make((3, 2)), [2, 1]))]),
    OpInfo("chunk", lambda mod, x, c, *d: x.chunk(c, *d),
           lambda make: [Sample((make((5, 2)), 2)), Sample((make((2, 6)), 3, 1)), Sample((make((5,)), 3), desc="fewer chunks"),
                         Sample((make((2, 3)), 5, 1), desc="more chunks than elements"), Sample((make((0, 2)), 2), desc="empty")],
           covers=("chunk",), prims=("_split_kernel[SplitBackward0]", "_split_kernel[SplitWithSizesBackward0]")),
    OpInfo("tensor_split", lambda mod, x, s, *d: mod.tensor_split(x, s, *d),
           lambda make: [Sample((make((5, 2)), 2)), Sample((make((2, 7)), 3, 1), desc="uneven"), Sample((make((6,)), [1, 4]), desc="indices"),
                         Sample((make((6,)), [4, 1, 9]), desc="unsorted, out of range"), Sample((make((6,)), [-2]), desc="negative"),
                         Sample((make((6,)), _ix(2, 3)), desc="index tensor"), Sample((make((6,)), np.array(4)), desc="0-d tensor"),
                         Sample((make((2, 3)), 4, 1), desc="more sections than elements")],
           covers=("tensor_split",), prims=("_take[SliceBackward0]",)),
    OpInfo("unbind views", lambda mod, x: [v * 1 for v in x.unbind(1)], lambda make: [Sample((make((2, 3)),))]),
)


# == joining ======================================================================================


def _other_float(make, shape):
    return make(shape, dtype="float64") if make.dtype == np.float32 else make(shape, dtype="float32")


# Tensors are positional arguments (a sample's arrays become tensors only at the top level);
# the op passes them to cat/stack as one sequence.
def _cat_samples(make):
    return [
        Sample((make((2, 3)), make((1, 3))), desc="dim 0"),
        Sample((make((2, 3)), make((2, 1)), make((2, 2))), {"dim": 1}, desc="three along dim 1"),
        Sample((make((2, 3)), make((2, 2))), {"dim": -1}, desc="negative dim"),
        Sample((make((2,)), make((0,)), make((3,))), desc="1-d with empty"),
        Sample((make((2, 3)), make((0,))), desc="legacy empty 1-d is skipped"),
        Sample((make((2, 3)),), desc="one tensor"),
        Sample((make((0, 3)), make((0, 3))), desc="all empty"),
        Sample((NC(make((3, 2))), make((1, 2))), desc="non-contiguous"),
        Sample((make((2,)), _other_float(make, (2,))), desc="promotes float dtypes"),
        Sample((make((2,)), Const(make((3,)))), desc="an input without grad"),
    ]


def _cat_int_samples(make):
    return [Sample((make.ints((2,)), make.ints((2,), dtype="int32"))), Sample((make.ints((2,)), make((2,))), desc="int with float"),
            Sample((make.bools((2,)), make.ints((1,))), desc="bool with int")]


def _stack_samples(make):
    return [
        Sample((make((2, 3)), make((2, 3)))), Sample((make((2, 3)), make((2, 3)), make((2, 3))), {"dim": 2}, desc="last dim"),
        Sample((make((3,)), make((3,))), {"dim": -1}, desc="negative dim"), Sample((make(()), make(())), desc="0-d"),
        Sample((make((0, 2)),), desc="empty"), Sample((NC(make((2, 3))), make((2, 3))), {"dim": 1}, desc="non-contiguous"),
    ]


def _seq(fn):
    return lambda mod, *ts, **k: getattr(mod, fn)(list(ts), **k)


register(
    OpInfo("cat", lambda mod, *ts, **k: mod.cat(ts, **k), _cat_samples, covers=("cat",), prims=("_cat",),
           int_samples=_cat_int_samples, torch_gradgrad=True),
    OpInfo("cat positional dim", lambda mod, a, b: mod.cat([a, b], 1), lambda make: [Sample((make((2, 1)), make((2, 2))))]),
    OpInfo("concat", _seq("concat"), lambda make: [Sample((make((2, 1)), make((2, 2))), {"dim": 1})], covers=("concat",), prims=("_cat",)),
    OpInfo("concatenate", _seq("concatenate"), lambda make: [Sample((make((2, 1)), make((2, 2))), {"axis": 1})],
           covers=("concatenate",), prims=("_cat",)),
    OpInfo("stack", lambda mod, *ts, **k: mod.stack(ts, **k), _stack_samples, covers=("stack",), prims=("_stack",),
           int_samples=lambda make: [Sample((make.ints((2,)), make.ints((2,), dtype="int32")))], torch_gradgrad=True),
    OpInfo("hstack", _seq("hstack"),
           lambda make: [Sample((make((2,)), make((3,)))), Sample((make((2, 1)), make((2, 2)))), Sample((make(()), make((2,))), desc="0-d")],
           covers=("hstack",), prims=("_cat",)),
    OpInfo("vstack", _seq("vstack"),
           lambda make: [Sample((make((3,)), make((3,)))), Sample((make((1, 2)), make((2,))), desc="mixed"), Sample((make(()), make(())), desc="0-d")],
           covers=("vstack",), prims=("_cat",)),
    OpInfo("row_stack", _seq("row_stack"), lambda make: [Sample((make((3,)), make((3,))))], covers=("row_stack",), prims=("_cat",)),
    OpInfo("dstack", _seq("dstack"),
           lambda make: [Sample((make((3,)), make((3,)))), Sample((make((2, 2)), make((2, 2, 2))), desc="2-d and 3-d"), Sample((make(()),), desc="0-d")],
           covers=("dstack",), prims=("_cat",)),
    OpInfo("column_stack", _seq("column_stack"),
           lambda make: [Sample((make((3,)), make((3,)))), Sample((make((3, 2)), make((3,))), desc="matrix and vector"),
                         Sample((make(()), make(())), desc="0-d")],
           covers=("column_stack",), prims=("_cat",)),
)


# == diagonals and triangles ======================================================================


register(
    OpInfo("diagonal", lambda mod, x, *a, **k: mod.diagonal(x, *a, **k),
           lambda make: [Sample((make((3, 3)),)), Sample((make((2, 4)), 1), desc="offset"), Sample((make((4, 2)), -1), desc="negative offset"),
                         Sample((make((2, 3, 4)), 0, 2, 0), desc="3-d, dims reversed"), Sample((make((2, 3, 4)),), {"dim1": -1, "dim2": 1}, desc="keywords"),
                         Sample((make((2, 3)), 5), desc="empty diagonal"), Sample((NC(make((3, 4))),), desc="non-contiguous"),
                         Sample((make((0, 2)),), desc="empty")],
           covers=("diagonal",), prims=("_diagonal", "_diagonal_backward"), torch_gradgrad=True,
           int_samples=lambda make: [Sample((make.ints((3, 3)),))]),
    OpInfo("diag_embed", lambda mod, x, *a, **k: mod.diag_embed(x, *a, **k),
           lambda make: [Sample((make((3,)),)), Sample((make((2, 3)), 1), desc="offset"), Sample((make((2, 3)), -2, 0, 2), desc="dims"),
                         Sample((make((2, 2)),), {"dim1": 0, "dim2": -1}, desc="keywords"), Sample((make((0,)),), desc="empty")],
           covers=("diag_embed",), prims=("_diag_embed",)),
    OpInfo("diag", lambda mod, x, *a: mod.diag(x, *a),
           lambda make: [Sample((make((3,)),)), Sample((make((2,)), 1), desc="vector, offset"), Sample((make((3, 3)),), desc="matrix"),
                         Sample((make((2, 4)), -1), desc="matrix, negative offset"), Sample((NC(make((3, 3))), 1), desc="non-contiguous")],
           covers=("diag",), prims=("_diag_embed", "_diagonal_copy"), int_samples=lambda make: [Sample((make.ints((3,)),))]),
    OpInfo("tril", lambda mod, x, *a: x.tril(*a),
           lambda make: [Sample((make((3, 3)),)), Sample((make((2, 4)), 1)), Sample((make((2, 3, 3)), -1), desc="batch"),
                         Sample((NC(make((3, 3))),), desc="non-contiguous"), Sample((make((0, 2)),), desc="empty")],
           covers=("tril",), prims=("_tril",), int_samples=lambda make: [Sample((make.ints((3, 3)),))]),
    OpInfo("triu", lambda mod, x, *a: mod.triu(x, *a),
           lambda make: [Sample((make((3, 3)),)), Sample((make((2, 4)), -1)), Sample((make((2, 3, 3)), 1), desc="batch")],
           covers=("triu",), prims=("_triu",)),
    OpInfo("tril_", lambda mod, x, *a: (x * 1).tril_(*a), lambda make: [Sample((make((3, 3)),)), Sample((make((2, 4)), 1))],
           covers=("tril_",), prims=("_tril",)),
    OpInfo("triu_", lambda mod, x, *a: (x * 1).triu_(*a), lambda make: [Sample((make((3, 3)),))], covers=("triu_",), prims=("_triu",)),
    OpInfo("trace", lambda mod, x: mod.trace(x),
           lambda make: [Sample((make((3, 3)),)), Sample((make((2, 4)),), desc="wide"), Sample((make((4, 2)),), desc="tall"),
                         Sample((NC(make((3, 3))),), desc="non-contiguous"), Sample((make((0, 2)),), desc="empty")],
           covers=("trace",), prims=("_trace", "_diagonal_backward"), int_samples=lambda make: [Sample((make.ints((3, 3)),))]),
)


# == grids, at-least-n-d ==========================================================================


def _meshgrid_samples(make):
    return [Sample((make((2,)), make((3,))), {"indexing": "ij"}), Sample((make((2,)), make((3,))), {"indexing": "xy"}, desc="xy"),
            Sample((make((2,)), make(()), make((3,))), {"indexing": "xy"}, desc="three with 0-d"),
            Sample((make((2,)),), {"indexing": "ij"}, desc="one"), Sample((make((0,)), make((2,))), {"indexing": "ij"}, desc="empty")]


register(
    OpInfo("meshgrid", lambda mod, *xs, **k: mod.meshgrid(*xs, **k), _meshgrid_samples, covers=("meshgrid",),
           prims=("_expand", "_view")),
    OpInfo("meshgrid list", lambda mod, a, b: mod.meshgrid([a, b], indexing="xy"), lambda make: [Sample((make((2,)), make((3,))))]),
    OpInfo("cartesian_prod", lambda mod, *xs: mod.cartesian_prod(*xs),
           lambda make: [Sample((make((2,)), make((3,)))), Sample((make((2,)), make((1,)), make((2,))), desc="three"),
                         Sample((make((3,)),), desc="one: the input itself")],
           covers=("cartesian_prod",), prims=("_stack",), int_samples=lambda make: [Sample((make.ints((2,)), make.ints((2,))))]),
)

for _n, _shapes in (("atleast_1d", ((), (2,), (2, 3))), ("atleast_2d", ((), (2,), (2, 3))), ("atleast_3d", ((), (2,), (2, 3), (2, 1, 2)))):
    register(
        OpInfo(_n, (lambda n: lambda mod, *xs: getattr(mod, n)(*xs))(_n),
               (lambda shapes: lambda make: [Sample((make(s),), desc=f"shape {s}") for s in shapes]
                + [Sample(tuple(make(s) for s in shapes), desc="several")])(_shapes),
               covers=(_n,), prims=("_unsqueeze",) if _n != "atleast_1d" else ("_view",)),
        OpInfo(f"{_n} list", (lambda n: lambda mod, a, b: getattr(mod, n)([a, b]))(_n), lambda make: [Sample((make(()), make((2,))))]),
    )


# == strided views ================================================================================


register(
    OpInfo("unfold", lambda mod, x, d, s, st: x.unfold(d, s, st),
           lambda make: [Sample((make((5,)), 0, 2, 1)), Sample((make((2, 7)), 1, 3, 2), desc="step 2"),
                         Sample((make((5, 2)), 0, 2, 3), desc="gaps"), Sample((make((2, 3)), -1, 3, 1), desc="whole dim"),
                         Sample((make((2, 3)), 1, 0, 1), desc="size 0"), Sample((NC(make((3, 4))), 1, 2, 1), desc="non-contiguous"),
                         Sample((make(()), 0, 1, 1), desc="0-d")],
           covers=("unfold",), prims=("_unfold", "_unfold_backward"), torch_gradgrad=True),
    OpInfo("as_strided", lambda mod, x, *a: mod.as_strided(x, *a),
           lambda make: [Sample((make((3, 3)), (2, 2), (1, 2))), Sample((make((3, 3)), (2, 2), (3, 1), 1), desc="storage offset"),
                         Sample((make((6,)), (3, 2), (1, 1)), desc="overlapping windows"), Sample((make((4,)), (2, 2), (0, 1)), desc="zero stride"),
                         Sample((make((2, 3)), (0,), (1,)), desc="empty")],
           covers=("as_strided",), prims=("_as_strided_kernel", "_as_strided_backward"), torch_gradgrad=True),
    # The first gradient as the op: its own gradient runs the rule of as_strided's backward.
    OpInfo("as_strided backward", lambda mod, x, c: mod.autograd.grad(
        (mod.as_strided(x, (3, 2), (1, 1)) * c).sum(), x, create_graph=True)[0],
           lambda make: [Sample((make((4,)), make((3, 2))), grad_fn=False, desc="backward nodes: torch's internal names")],
           prims=("_as_strided_gather",), torch_gradgrad=True),
    OpInfo("contiguous", lambda mod, x: mod.contiguous(x) if mod.__name__ == "chainrule" else x.contiguous(),
           lambda make: [Sample((make((2, 3)),), desc="already: itself"), Sample((NC(make((3, 2))),), desc="transposed"),
                         Sample((NC(make((4,))),), desc="strided")],
           covers=("contiguous",), prims=("_contiguous",)),
)


def _layout(mod, x, fn):
    """(is_contiguous, stride, storage_offset, _base is x's base, shares memory) of fn(x)."""
    y = fn(x)
    return (y.is_contiguous(), y.stride(), y.storage_offset(), y._base is not None and y._base is x,
            y.data_ptr() >= x.data_ptr() and y.data_ptr() < x.data_ptr() + max(1, x.numel()) * x.element_size())


_VIEWS = {
    "transpose": lambda x: x.t(), "narrow": lambda x: x.narrow(1, 1, 2), "diagonal": lambda x: x.diagonal(),
    "unfold": lambda x: x.unfold(1, 2, 1), "split": lambda x: x.split(1, 1)[1], "chunk": lambda x: x.chunk(2)[1],
    "unbind": lambda x: x.unbind(1)[2], "expand": lambda x: x[:1].expand(3, 4), "movedim": lambda x: x.movedim(0, 1),
    "unflatten": lambda x: x.unflatten(1, (2, 2)), "tensor_split": lambda x: x.tensor_split(2, 1)[1],
    "as_strided": lambda x: x.as_strided((2, 2), (1, 4), 1), "select": lambda x: x.select(1, 2),
    "squeeze": lambda x: x[None].squeeze(0), "flatten copy": lambda x: x.t().flatten(), "flip copy": lambda x: x.flip(0),
    "contiguous copy": lambda x: x.t().contiguous(), "view of a view": lambda x: x[1:].view(-1),
}

for _n, _f in _VIEWS.items():
    register(OpInfo(f"layout: {_n}", (lambda f: lambda mod, x: _layout(mod, x, f))(_f),
                    lambda make: [Sample((make((3, 4)),))], differentiable=False))


# == keyword spellings (PyTorch's and its NumPy-style aliases) ===================================

_KEYWORDS = {
    "flip(dims=)": lambda mod, x: mod.flip(x, dims=[0]), "Tensor.flip(dims=)": lambda mod, x: x.flip(dims=(0, 1)),
    "permute(dims=)": lambda mod, x: mod.permute(x, dims=(1, 0)), "Tensor.permute(dims=)": lambda mod, x: x.permute(dims=(1, 0)),
    "reshape(shape=)": lambda mod, x: mod.reshape(x, shape=(3, 2)), "view(size=)": lambda mod, x: x.view(size=(3, 2)),
    "expand(size=)": lambda mod, x: x[:1].expand(size=(4, 3)), "squeeze(axis=)": lambda mod, x: x[None].squeeze(axis=0),
    "cat(axis=)": lambda mod, x: mod.cat([x, x], axis=1), "stack(axis=)": lambda mod, x: mod.stack([x, x], axis=1),
    "Tensor.split(split_size=)": lambda mod, x: x.split(split_size=1), "swapaxes(axis0=, axis1=)": lambda mod, x: x.swapaxes(axis0=0, axis1=1),
    "roll(shifts=, dims=)": lambda mod, x: x.roll(shifts=1, dims=0), "chunk(chunks=, dim=)": lambda mod, x: x.chunk(chunks=2, dim=1),
}
for _n, _f in _KEYWORDS.items():
    register(OpInfo(_n, _f, lambda make: [Sample((make((2, 3)),))]))


# == errors =======================================================================================

ERRORS.extend([
    ErrorCase("unflatten bad sizes", lambda mod: mod.ones(3).unflatten(0, (2, 2))),
    ErrorCase("movedim length mismatch", lambda mod: mod.movedim(mod.ones(2, 3), (0, 1), (0,))),
    ErrorCase("movedim repeated", lambda mod: mod.ones(2, 3).movedim((0, 1), (1, 1))),
    ErrorCase("broadcast_shapes mismatch", lambda mod: mod.broadcast_shapes((2,), (3,))),
    ErrorCase("broadcast_tensors mismatch", lambda mod: mod.broadcast_tensors(mod.ones(2), mod.ones(3))),
    ErrorCase("repeat too few dims", lambda mod: mod.ones(2, 3).repeat(2)),
    ErrorCase("repeat negative", lambda mod: mod.ones(3).repeat(-1)),
    ErrorCase("repeat_interleave wrong length", lambda mod: mod.ones(3).repeat_interleave(mod.tensor([1, 2]))),
    ErrorCase("flip repeated dim", lambda mod: mod.ones(3).flip(0, 0)),
    ErrorCase("fliplr of 1-d", lambda mod: mod.ones(2).fliplr()),
    ErrorCase("flipud of 0-d", lambda mod: mod.tensor(1.0).flipud()),
    ErrorCase("roll misaligned", lambda mod: mod.ones(3).roll((1, 2), (0,))),
    ErrorCase("rot90 of 1-d", lambda mod: mod.ones(3).rot90()),
    ErrorCase("rot90 same dims", lambda mod: mod.ones(3, 3).rot90(1, [0, 0])),
    ErrorCase("rot90 three dims", lambda mod: mod.ones(3, 3, 3).rot90(1, [0, 1, 2])),
    ErrorCase("narrow too long", lambda mod: mod.ones(3).narrow(0, 2, 2)),
    ErrorCase("narrow start out of range", lambda mod: mod.ones(3).narrow(0, 4, 0)),
    ErrorCase("split sizes mismatch", lambda mod: mod.ones(3).split([1, 1])),
    ErrorCase("split size 0", lambda mod: mod.ones(3).split(0)),
    ErrorCase("split negative", lambda mod: mod.ones(3).split(-1)),
    ErrorCase("chunk 0", lambda mod: mod.ones(3).chunk(0)),
    ErrorCase("tensor_split 0 sections", lambda mod: mod.ones(3).tensor_split(0)),
    ErrorCase("cat empty list", lambda mod: mod.cat([])),
    ErrorCase("cat 0-d", lambda mod: mod.cat([mod.tensor(1.0)])),
    ErrorCase("cat size mismatch", lambda mod: mod.cat([mod.ones(2, 3), mod.ones(2, 2)])),
    ErrorCase("cat ndim mismatch", lambda mod: mod.cat([mod.ones(2, 3), mod.ones(2)])),
    ErrorCase("cat bad dim", lambda mod: mod.cat([mod.ones(2, 3), mod.ones(2, 3)], 2)),
    ErrorCase("stack shape mismatch", lambda mod: mod.stack([mod.ones(2, 3), mod.ones(3)])),
    ErrorCase("stack empty", lambda mod: mod.stack([])),
    ErrorCase("diag of 3-d", lambda mod: mod.diag(mod.ones(2, 2, 2))),
    ErrorCase("diagonal same dims", lambda mod: mod.ones(3, 3).diagonal(0, 1, 1)),
    ErrorCase("diagonal of 1-d", lambda mod: mod.ones(3).diagonal()),
    ErrorCase("tril of 1-d", lambda mod: mod.ones(3).tril()),
    ErrorCase("triu of 1-d", lambda mod: mod.ones(3).triu()),
    ErrorCase("trace of 3-d", lambda mod: mod.ones(2, 3, 4).trace()),
    ErrorCase("meshgrid of 2-d", lambda mod: mod.meshgrid(mod.ones(2, 2), indexing="ij"), same_message=False),
    ErrorCase("meshgrid bad indexing", lambda mod: mod.meshgrid(mod.ones(2), indexing="yx")),
    ErrorCase("cartesian_prod of 2-d", lambda mod: mod.cartesian_prod(mod.ones(2, 2), mod.ones(2))),
    ErrorCase("unfold too large", lambda mod: mod.ones(2, 3).unfold(1, 4, 1)),
    ErrorCase("unfold step 0", lambda mod: mod.ones(2, 3).unfold(1, 2, 0)),
    ErrorCase("as_strided out of bounds", lambda mod: mod.ones(2, 3).as_strided((10,), (1,))),
    ErrorCase("tril_ on a leaf", lambda mod: _leaf(mod, 2, 2).tril_()),
    ErrorCase("chunk of 0-d", lambda mod: mod.tensor(1.0).chunk(2)),
    ErrorCase("split of 0-d", lambda mod: mod.tensor(1.0).split(1)),
    ErrorCase("tensor_split of 0-d", lambda mod: mod.tensor(1.0).tensor_split(2)),
    ErrorCase("tensor_split float indices", lambda mod: mod.ones(5).tensor_split(mod.tensor([1.5]))),
    ErrorCase("unbind of 0-d", lambda mod: mod.tensor(1.0).unbind()),
    ErrorCase("roll of 0-d with dims", lambda mod: mod.tensor(1.0).roll(1, 0)),
    # torch's message carries a C++ stack trace after its first line.
    ErrorCase("unflatten of 0-d", lambda mod: mod.tensor(1.0).unflatten(0, (1,)), same_message=False),
    ErrorCase("hstack of nothing", lambda mod: mod.hstack([])),
    ErrorCase("column_stack of nothing", lambda mod: mod.column_stack([])),
    ErrorCase("repeat_interleave negative", lambda mod: mod.ones(2).repeat_interleave(mod.tensor([1, -1]))),
    ErrorCase("meshgrid of nothing", lambda mod: mod.meshgrid(indexing="ij")),
    ErrorCase("cartesian_prod of nothing", lambda mod: mod.cartesian_prod()),
    ErrorCase("split bad dim", lambda mod: mod.ones(2, 3).split(2, 2)),
    ErrorCase("rot90 bad dim", lambda mod: mod.ones(2, 3).rot90(1, (0, 2))),
    ErrorCase("in-place on a split piece", lambda mod: (_leaf(mod, 4) * 1).split(2)[1].mul_(2)),
    ErrorCase("in-place on an unbind piece", lambda mod: (_leaf(mod, 2, 2) * 1).unbind()[0].add_(1)),
    ErrorCase("split piece used after its base changed", lambda mod: _used_after_change(mod)),
    ErrorCase("in-place on a view made in no_grad mode", lambda mod: _no_grad_view(mod).mul_(2)),
])


def _used_after_change(mod):
    y = _leaf(mod, 4) * 1
    a, _ = y.split(2)
    y.mul_(2)
    return a * 1


def _no_grad_view(mod):
    y = _leaf(mod, 2, 2) * 1
    with mod.no_grad():
        return y[0]
