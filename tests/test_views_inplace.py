"""Views and in-place ops against PyTorch: shared memory, in-place writes through views of
tensors in the graph (CopySlices), views made before an in-place op, and the detection of
in-place changes to saved tensors.

Each test is one program written against a module ``m`` (chainrule or torch); both run it
and everything it returns (values, gradients with random cotangents, flags, node names,
exceptions) must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402

RNG = np.random.default_rng(1234)
X = RNG.standard_normal((3, 4))
G = RNG.standard_normal((3, 4))  # a random cotangent for (3, 4) results
S = RNG.standard_normal((4,))


def _normalize(value, m):
    if isinstance(value, m.Tensor):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), np.array(value.detach().tolist()))
    if isinstance(value, (list, tuple)):
        return tuple(_normalize(v, m) for v in value)
    if isinstance(value, m.Size):
        return tuple(value)
    return value


def _run(program, m):
    try:
        return _normalize(program(m), m)
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return ("raised", type(exc).__name__)


def _compare(ours, theirs, path="result"):
    if isinstance(theirs, tuple) and theirs and theirs[0] == "tensor":
        assert isinstance(ours, tuple) and ours[0] == "tensor", f"{path}: {ours!r} vs torch's tensor"
        assert ours[1:3] == theirs[1:3], f"{path}: dtype/shape {ours[1:3]} vs torch's {theirs[1:3]}"
        np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-7, atol=1e-9, err_msg=path)
    elif isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), f"{path}: {ours!r} vs torch's {theirs!r}"
        for i, (o, t) in enumerate(zip(ours, theirs, strict=False)):
            _compare(o, t, f"{path}[{i}]")
    else:
        assert ours == theirs, f"{path}: {ours!r} vs torch's {theirs!r}"


def same(program):
    theirs = _run(program, torch)
    ours = _run(program, chainrule)
    _compare(ours, theirs)
    return theirs


def version(t) -> int:
    """The version counter's value (an int in both libraries)."""
    return t._version


def leaf(m, arr=X):
    return m.tensor(arr, dtype=m.float64, requires_grad=True)


def cot(m, arr=G):
    return m.tensor(arr, dtype=m.float64)


# -- the known silent wrong gradient: views made before an in-place op on their base ----------


@pytest.mark.parametrize("how", ["base mul_", "another view", "base setitem", "twice", "under no_grad then grad"])
@pytest.mark.parametrize("view", ["row", "column", "diagonal", "transpose", "narrow", "split piece", "unbind piece",
                                  "reshape", "unflatten", "view of a view", "unfold", "expand of a row"])
def test_view_made_before_an_in_place_op_sees_the_new_history(view, how):
    views = {
        "row": lambda y: y[0], "column": lambda y: y[:, 1], "diagonal": lambda y: y.diagonal(1),
        "transpose": lambda y: y.t(), "narrow": lambda y: y.narrow(1, 1, 2), "split piece": lambda y: y.split(2, 1)[1],
        "unbind piece": lambda y: y.unbind(1)[2], "reshape": lambda y: y.reshape(2, 6), "unflatten": lambda y: y.unflatten(1, (2, 2)),
        "view of a view": lambda y: y[1:].t()[2], "unfold": lambda y: y.unfold(1, 2, 1), "expand of a row": lambda y: y[1].expand(2, 4),
    }

    def program(m):
        x = leaf(m)
        y = x * 1
        v = views[view](y)
        if how == "base mul_":
            y.mul_(2)
        elif how == "another view":
            y[0].mul_(3)
        elif how == "base setitem":
            y[1:, ::2] = leaf(m, S[:2]) * 1
        elif how == "twice":
            y.mul_(2)
            y[:, 0].add_(1)
        else:
            with m.no_grad():
                y.add_(1)
            y.mul_(y.detach().clone())
        w = m.tensor(np.resize(G.ravel(), tuple(v.shape)), dtype=m.float64)
        (v * v * w).sum().backward()
        return v, x.grad, v.requires_grad, v.is_leaf

    same(program)


def test_issue_example_in_place_through_views():
    def program(m):
        x = leaf(m)
        y = x * 1
        y[:, 0] *= 2
        y.view(-1)[3] = 0
        (y * cot(m)).sum().backward()
        return y, x.grad, y.grad_fn.name()

    same(program)


def test_stale_view_grad_fn_name_and_later_in_place_on_it():
    def program(m):
        x = leaf(m)
        y = x * 1
        v = y[0]
        y.mul_(2)
        v.add_(x[1] * 3)  # in place on the stale view: its current history is the base's new one
        (y * cot(m)).sum().backward()
        return y, x.grad

    same(program)


def test_view_of_a_constant_base_that_gains_a_history():
    def program(m):
        s = leaf(m, S)
        c = m.zeros(3, 4, dtype=m.float64)
        v = c[1]
        c.add_(s)
        flags = (v.requires_grad, v.is_leaf)
        (v * cot(m, G[0])).sum().backward()
        return flags, s.grad

    same(program)


def test_view_of_a_constant_base_that_gains_a_history_used_at_once():
    def program(m):
        s = leaf(m, S)
        c = m.zeros(3, 4, dtype=m.float64)
        v = c[1]
        c.add_(s)
        out = (v * cot(m, G[0])).sum() + s.sum()  # v's history is found when it is used
        out.backward()
        return s.grad

    same(program)


# -- in-place writes through views (CopySlices) ---------------------------------------------------


@pytest.mark.parametrize("chain", ["t slice diagonal", "view narrow slice", "tensor_split select", "tensor_split t",
                                   "movedim narrow", "diagonal", "as_strided", "squeeze unsqueeze", "unflatten permute",
                                   "split select (refused: a multi-output view)", "unbind (refused)", "chunk t (refused)"])
def test_in_place_through_a_chain_of_views(chain):
    chains = {
        "t slice diagonal": lambda y: y.t()[1:].diagonal(),
        "view narrow slice": lambda y: y.view(-1).narrow(0, 2, 6)[1::2],
        "tensor_split select": lambda y: y.tensor_split([1])[1][:, 3],
        "tensor_split t": lambda y: y.tensor_split(2, 1)[1].t(),
        "unflatten permute": lambda y: y.unflatten(1, (2, 2)).permute(2, 0, 1)[1],
        "split select (refused: a multi-output view)": lambda y: y.split([1, 2])[1][:, 3],
        "chunk t (refused)": lambda y: y.chunk(2, 1)[1].t(),
        "unbind (refused)": lambda y: y.unbind()[2],
        "movedim narrow": lambda y: y.unsqueeze(0).movedim(0, 2).narrow(1, 1, 2),
        "diagonal": lambda y: y.diagonal(-1),
        "as_strided": lambda y: y.as_strided((2, 2), (4, 1), 1),
        "squeeze unsqueeze": lambda y: y[None, :, None][0, 1:].squeeze(1),
    }

    def program(m):
        x = leaf(m)
        s = leaf(m, S)
        y = x * 1
        v = chains[chain](y)
        v.mul_(s[: v.shape[-1]] if v.dim() else s[0])
        v.add_(1)
        out = (y * cot(m)).sum() + (v * v).sum()
        out.backward()
        return y, v, x.grad, s.grad

    same(program)


def test_second_derivative_through_copy_slices():
    def program(m):
        x = leaf(m)
        y = x * x
        y[1:, 1].mul_(x[0, :2])
        g, = m.autograd.grad((y * cot(m)).sum(), x, create_graph=True)
        (g * cot(m, X)).sum().backward()
        return g, x.grad

    same(program)


def test_in_place_on_a_view_of_a_leaf_raises():
    def program(m):
        x = leaf(m)
        x.t()[0].add_(1)

    same(program)


def test_in_place_on_an_expanded_view_raises():
    def program(m):
        x = leaf(m, S)
        (x * 1).expand(2, 4).mul_(2)

    assert same(program)[0] == "raised"


# -- saved tensors modified in place, also through views -------------------------------------------


@pytest.mark.parametrize("case", ["base after saved view", "view after saved base", "sibling piece", "diagonal of saved",
                                  "unrelated copy", "saved result through view", "flip copy is not a view"])
def test_in_place_change_of_a_saved_tensor_is_detected(case):
    def program(m):
        x = leaf(m)
        y = x * 1
        if case == "base after saved view":
            z = y[0].exp()  # saves its result, a view's function
            w = y[0] * y[0]
            y.mul_(2)
            out = z.sum() + w.sum()
        elif case == "view after saved base":
            out = y.sin().sum()
            y[1].zero_()
        elif case == "sibling piece":
            a, b = y.split(2)
            out = (a * a).sum()
            b.add_(1)  # memory is shared: PyTorch's version counter is per storage
        elif case == "diagonal of saved":
            out = (y.t() * y.t()).sum()
            y.diagonal().mul_(0.5)
        elif case == "unrelated copy":
            c = y.flatten().contiguous().clone()
            out = (c * c).sum()
            y.add_(1)
        elif case == "saved result through view":
            z = y.tanh()
            out = z.sum()
            z.view(-1)[0] = 1.0
        else:
            f = y.flip(0)
            out = (f * f).sum()
            f.add_(1)  # f is a copy, but f itself was saved by the product
        out.backward()
        return x.grad

    same(program)


# -- memory sharing and layout ----------------------------------------------------------------------


@pytest.mark.parametrize("op", ["t", "narrow", "diagonal", "unfold", "split", "chunk", "unbind", "movedim", "unflatten",
                                "expand", "as_strided", "select", "view", "reshape copy", "flip", "repeat", "contiguous",
                                "tensor_split", "broadcast_tensors", "meshgrid", "atleast_3d"])
def test_views_share_memory_and_version_like_pytorch(op):
    ops = {
        "t": lambda y: y.t(), "narrow": lambda y: y.narrow(0, 1, 2), "diagonal": lambda y: y.diagonal(),
        "unfold": lambda y: y.unfold(1, 2, 2), "split": lambda y: y.split(1)[2], "chunk": lambda y: y.chunk(2, 1)[0],
        "unbind": lambda y: y.unbind(1)[1], "movedim": lambda y: y.movedim(1, 0), "unflatten": lambda y: y.unflatten(1, (2, 2)),
        "expand": lambda y: y[:1].expand(2, 4), "as_strided": lambda y: y.as_strided((3,), (5,)), "select": lambda y: y.select(1, 0),
        "view": lambda y: y.view(4, 3), "reshape copy": lambda y: y.t().reshape(-1), "flip": lambda y: y.flip(1),
        "repeat": lambda y: y.repeat(1, 2), "contiguous": lambda y: y.t().contiguous(), "tensor_split": lambda y: y.tensor_split(3, 1)[1],
    }
    module_ops = {
        "broadcast_tensors": lambda m, y: m.broadcast_tensors(y[0], y[:, :1])[0],
        "meshgrid": lambda m, y: m.meshgrid(y[0], y[:, 0], indexing="ij")[1],
        "atleast_3d": lambda m, y: m.atleast_3d(y),
    }

    def program(m):
        x = leaf(m)
        y = x * 1
        v = ops[op](y) if op in ops else module_ops[op](m, y)
        before = version(y)
        try:
            v.mul_(1)
            wrote = True
        except RuntimeError:
            wrote = False
        return (v._base is y, v.is_contiguous(), v.stride(), v.storage_offset(), version(y) - before, wrote)

    same(program)


# -- a stale view as the root of backward, retain_grad following the new history ---------------


@pytest.mark.parametrize("how", ["backward", "autograd.grad", "autograd.backward"])
def test_stale_view_as_the_root_of_backward(how):
    def program(m):
        x = leaf(m)
        y = x * 1
        v = y[:, 1]
        y.mul_(y.detach().clone())
        g = cot(m, G[:, 0])
        if how == "backward":
            v.backward(g)
            return x.grad
        if how == "autograd.grad":
            return m.autograd.grad(v, x, g)
        m.autograd.backward([v], [g])
        return x.grad

    same(program)


@pytest.mark.parametrize("case", ["stale view", "in place on the view", "in place on the tensor", "in place on a view of it"])
def test_retain_grad_follows_the_new_history(case):
    def program(m):
        x = leaf(m)
        y = x * 1
        if case == "stale view":
            t = y[0]
            t.retain_grad()
            y.mul_(2)
        elif case == "in place on the view":
            t = y[0]
            t.retain_grad()
            t.mul_(2)
        elif case == "in place on the tensor":
            t = y
            t.retain_grad()
            t.mul_(2)
        else:
            t = y
            t.retain_grad()
            y[1:, ::2].mul_(3)
        (t * t * m.tensor(np.resize(G.ravel(), tuple(t.shape)), dtype=m.float64)).sum().backward()
        return t.grad, x.grad

    same(program)


# -- views made in no_grad mode ---------------------------------------------------------------------


@pytest.mark.parametrize("case", ["in place on it", "base modified, then used", "both in no_grad", "view of it, in place",
                                  "of a leaf, in place", "base modified under no_grad", "read only", "_base"])
def test_views_made_in_no_grad_mode(case):
    def program(m):
        x = leaf(m)
        y = x * 3
        with m.no_grad():
            v = y[0] if case != "of a leaf, in place" else x[0]
        if case in ("in place on it", "of a leaf, in place"):
            v.mul_(2)
        elif case == "base modified, then used":
            y.mul_(2)
            return (v * 2).sum()
        elif case == "both in no_grad":
            with m.no_grad():
                v.mul_(2)
        elif case == "view of it, in place":
            v[1:].mul_(2)
        elif case == "base modified under no_grad":
            with m.no_grad():
                y.add_(1)
            return v * 2
        elif case == "_base":
            return v._base is y, v.is_leaf, v.grad_fn
        (y * cot(m)).sum().backward()
        return y, x.grad

    same(program)


# In place on such a view itself (v.mul_(3)) PyTorch raises its leaf error; chainrule
# records it (and gets the gradient right) instead.
@pytest.mark.parametrize("op", ["zero_", "fill_", "copy_", "setitem", "add_"])
def test_in_place_without_grad_on_a_view_whose_base_gained_a_history(op):
    def program(m):
        s = leaf(m, S)
        c = m.zeros(3, 4, dtype=m.float64)
        v = c[1:]
        c.add_(s)  # c now depends on s; v was made before
        if op == "zero_":
            v[:, 1].zero_()
        elif op == "fill_":
            v[0].fill_(2.0)
        elif op == "copy_":
            v[:, 0].copy_(m.ones(2, dtype=m.float64))
        elif op == "setitem":
            v[0, 2] = 5.0
        else:
            v[1].add_(1)
        (c * cot(m)).sum().backward()
        return c, s.grad

    same(program)
