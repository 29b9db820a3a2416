"""In-place operations: version counters, the modified-saved-tensor error, leaves, views.

In-place ops on non-leaves are recorded and stay differentiable; gradients are compared
with PyTorch's using random-looking cotangents (never only ``.sum()``).
"""

from __future__ import annotations

import pytest

from autograd_oracle import chainrule, raises_same, same, torch, version

X23 = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]
G23 = [[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]]
MESSAGE_START = (
    "one of the variables needed for gradient computation has been modified by an inplace operation"
)


def _grads_after(op):
    """A program: x -> y = x * x, ``op(m, y)`` in place, backward with a cotangent."""

    def program(m):
        x = m.tensor(X23, dtype=m.float64, requires_grad=True)
        y = x * x
        op(m, y)
        (y * m.tensor(G23, dtype=m.float64)).sum().backward()
        return y, x.grad

    return program


def _iadd(m, y):
    y += 1.5


def _isub(m, y):
    y -= m.tensor([1.0, 2.0, 3.0], dtype=m.float64)


def _imul(m, y):
    y *= 3


def _itruediv(m, y):
    y /= 4


def _setitem_scalar(m, y):
    y[0, 1] = 5.0


def _setitem_row(m, y):
    y[:, 0] = m.tensor([7.0, 8.0], dtype=m.float64)


def _setitem_mask(m, y):
    y[y > 2] = 0.0


def _setitem_int_array(m, y):
    y[m.tensor([1, 0]), m.tensor([2, 2])] = m.tensor([9.0, -9.0], dtype=m.float64)


IN_PLACE = {
    "add_": lambda m, y: y.add_(2),
    "add_ tensor alpha": lambda m, y: y.add_(m.tensor([1.0, 2.0, 3.0], dtype=m.float64), alpha=2),
    "sub_": lambda m, y: y.sub_(1),
    "mul_": lambda m, y: y.mul_(3),
    "mul_ broadcast": lambda m, y: y.mul_(m.tensor([[2.0], [-1.0]], dtype=m.float64)),
    "div_": lambda m, y: y.div_(4),
    "clamp_": lambda m, y: y.clamp_(0.5, 3),
    "clamp_ min": lambda m, y: y.clamp_(min=1.0),
    "zero_": lambda m, y: y.zero_(),
    "fill_": lambda m, y: y.fill_(2),
    "copy_": lambda m, y: y.copy_(m.ones(2, 3, dtype=m.float64)),
    "copy_ broadcast": lambda m, y: y.copy_(m.tensor([1.0, 2.0, 3.0], dtype=m.float64)),
    "x += y": _iadd,
    "x -= t": _isub,
    "x *= 3": _imul,
    "x /= 4": _itruediv,
    "x[i, j] = v": _setitem_scalar,
    "x[:, 0] = t": _setitem_row,
    "x[mask] = v": _setitem_mask,
    "x[ints] = t": _setitem_int_array,
    "twice": lambda m, y: y.mul_(2).add_(1),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_on_non_leaf_is_differentiable(name):
    same(_grads_after(IN_PLACE[name]))


VIEW_IN_PLACE = {
    "row mul_": lambda m, y: y[0].mul_(2),
    "slice add_": lambda m, y: y[1:].add_(1),
    "column sub_": lambda m, y: y[:, 1].sub_(3),
    "view of view": lambda m, y: y[:, 1:][0].mul_(3),
    "transposed": lambda m, y: y.t()[0].mul_(3),
    "reshaped slice": lambda m, y: y.view(6)[2:4].mul_(3),
    "row zero_": lambda m, y: y[1].zero_(),
    "row copy_": lambda m, y: y[1].copy_(m.tensor([1.0, 2.0, 3.0], dtype=m.float64)),
    "row clamp_": lambda m, y: y[0].clamp_(-1, 2),
}


@pytest.mark.parametrize("name", list(VIEW_IN_PLACE))
def test_in_place_on_a_view_of_a_non_leaf_is_differentiable(name):
    same(_grads_after(VIEW_IN_PLACE[name]))


def test_in_place_with_a_source_that_requires_grad():
    def program(m):
        x = m.tensor(X23, dtype=m.float64, requires_grad=True)
        s = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        y = x * 1
        y[1].copy_(s * 2)
        y.mul_(s)
        y[:, 2] = s[:2] * 3
        (y * m.tensor(G23, dtype=m.float64)).sum().backward()
        return y, x.grad, s.grad

    same(program)


def test_in_place_on_a_constant_with_a_source_that_requires_grad():
    def program(m):
        c = m.ones(2, 3, dtype=m.float64)
        s = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        c.mul_(s)
        flags = (c.requires_grad, c.is_leaf, c.grad_fn.name())
        (c * m.tensor(G23, dtype=m.float64)).sum().backward()
        return flags, s.grad

    same(program)


def test_view_then_use_both_view_and_base():
    def program(m):
        x = m.tensor(X23, dtype=m.float64, requires_grad=True)
        y = x * 1
        v = y[1:]
        v.add_(1)
        w = (v * v).sum() + (y * m.tensor(G23, dtype=m.float64)).sum()
        w.backward()
        return x.grad

    same(program)


@pytest.mark.parametrize("modified", ["base", "another view"])
def test_view_made_before_an_in_place_op_on_its_base_sees_the_new_history(modified):
    def program(m):
        x = m.tensor(X23, dtype=m.float64, requires_grad=True)
        y = x * 1
        v = y[:, 0]
        if modified == "base":
            y.mul_(2)
        else:
            y[0].mul_(2)
        (v * v).sum().backward()
        return v, x.grad

    same(program)


def test_in_place_on_a_0d_view_writes_through_to_its_base():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y[0].mul_(3)
        (y * m.tensor([0.5, 2.0])).sum().backward()
        return y, x.grad

    same(program)


def test_in_place_under_no_grad_on_non_leaf_keeps_old_history():
    def program(m):
        x = m.tensor(X23, dtype=m.float64, requires_grad=True)
        y = x * 2
        with m.no_grad():
            y.add_(1)
        (y * y).sum().backward()
        return y, x.grad, y.grad_fn.name()

    same(program)


# -- version counters ---------------------------------------------------------------------------


def test_version_counter_is_shared_with_views_and_detached_aliases():
    def program(m):
        x = m.ones(2, 3)
        v, w, d = x[1:], x.view(6), x.detach()
        log = [version(x)]
        v.add_(1)
        log.append((version(x), version(v), version(w), version(d)))
        x.mul_(2)
        x[0, 0] = 3.0
        d.zero_()
        log.append((version(x), version(v), version(w), version(d)))
        y = x * 1  # a new tensor has its own counter
        log.append(version(y))
        return log

    same(program)


def test_out_of_place_ops_do_not_bump_the_version():
    def program(m):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        _ = y + 1, y.sum(), y[0], y.exp()
        return version(x), version(y)

    same(program)


# -- the modified-saved-tensor error ------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "saved input",
        "saved output",
        "saved by mul with itself",
        "constant saved",
        "view of saved",
        "function input",
    ],
)
def test_modifying_a_saved_tensor_then_backward_raises(case):
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        if case == "saved input":
            y = x * 1
            z = y.sin()
            y.add_(1)
        elif case == "saved output":
            y = x.sigmoid()
            z = y
            y.mul_(2)
        elif case == "saved by mul with itself":
            y = x * 1
            z = y * y
            y.mul_(2)
        elif case == "constant saved":
            c = m.tensor([3.0, 4.0])
            z = x * c
            c.add_(1)
        elif case == "view of saved":
            y = x * 1
            z = y.exp() * y
            y[0:1].mul_(2)
        else:

            class Square(m.autograd.Function):
                @staticmethod
                def forward(ctx, a):
                    ctx.save_for_backward(a)
                    return a * a

                @staticmethod
                def backward(ctx, g):
                    (a,) = ctx.saved_tensors
                    return 2 * a * g

            y = x * 1
            z = Square.apply(y)
            y.add_(1)
        z.sum().backward()

    # Up to "instead.": PyTorch then adds an anomaly-mode hint, chainrule its own account.
    want = raises_same(program, message=lambda a, b: a.split(" instead.")[0] == b.split(" instead.")[0])
    assert want.message.startswith(MESSAGE_START)


def test_modified_error_names_the_saving_node_and_the_line_that_wrote():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.sin()
    y.add_(1)
    line = test_modified_error_names_the_saving_node_and_the_line_that_wrote.__code__.co_firstlineno + 4
    with pytest.raises(RuntimeError) as info:
        z.sum().backward()
    message = str(info.value)
    assert message.startswith(MESSAGE_START)
    assert "is at version 1; expected version 0 instead." in message
    assert "SinBackward0" in message, message
    assert f"{__file__}:{line}" in message, message
    assert "add_" in message


def test_modified_error_for_a_saved_output_names_the_writer():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.mul_(2)
    line = test_modified_error_for_a_saved_output_names_the_writer.__code__.co_firstlineno + 3
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert message.startswith(MESSAGE_START)
    assert "ExpBackward0" in message and f"{__file__}:{line}" in message and "mul_" in message, message


def test_modified_error_for_setitem_names_the_line():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * y
    y[0] = 3.0
    line = test_modified_error_for_setitem_names_the_line.__code__.co_firstlineno + 4
    with pytest.raises(RuntimeError, match="MulBackward0") as info:
        z.sum().backward()
    assert f"{__file__}:{line}" in str(info.value)


def test_modifying_a_tensor_that_was_not_saved_is_fine():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y + 1  # AddBackward0 saves nothing
        y.mul_(3)
        z.sum().backward()
        return x.grad

    same(program)


# -- leaves -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    ["add_", "mul_", "zero_", "fill_", "copy_", "clamp_", "+=", "view add_", "setitem", "mask setitem"],
)
def test_in_place_on_a_leaf_that_requires_grad_raises(op):
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        if op == "add_":
            x.add_(1)
        elif op == "mul_":
            x.mul_(2)
        elif op == "zero_":
            x.zero_()
        elif op == "fill_":
            x.fill_(1)
        elif op == "copy_":
            x.copy_(m.ones(2))
        elif op == "clamp_":
            x.clamp_(0, 1)
        elif op == "+=":
            x += 1
        elif op == "view add_":
            x[0:1].add_(1)
        elif op == "setitem":
            x[0] = 1.0
        else:
            x[x > 1] = 0.0

    raises_same(program)


def test_in_place_on_a_leaf_is_allowed_under_no_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            x.add_(1)
            x[0] = 9.0
            x.mul_(2)
        flags = (x.requires_grad, x.is_leaf, version(x))
        (x * x).sum().backward()
        return flags, x, x.grad

    same(program)


def test_sgd_step_under_no_grad_then_backward_again():
    def program(m):
        w = m.tensor([0.5, -1.0], requires_grad=True)
        data = m.tensor([1.0, 2.0])
        for _ in range(3):
            loss = ((w * data).sum() - 1.0) ** 2
            loss.backward()
            with m.no_grad():
                w -= 0.1 * w.grad
            w.grad.zero_()
        return w, loss

    same(program)


def test_zero_grad_in_place_keeps_the_grad_object():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        g = x.grad
        x.grad.zero_()
        (x * 3).sum().backward()
        return g is x.grad, g

    same(program)


def test_in_place_node_names_match_torch():
    def program(m):
        names = []
        for op in ("zero_", "fill_", "copy_"):
            y = m.tensor([1.0, 2.0], requires_grad=True) * 1
            if op == "zero_":
                y.zero_()
            elif op == "fill_":
                y.fill_(1.0)
            else:
                y.copy_(m.ones(2))
            names.append(y.grad_fn.name())
        return names

    same(program)


def test_oracle_sees_torch_version_as_an_int():
    assert version(torch.ones(1)) == 0 and version(chainrule.ones(1)) == 0
