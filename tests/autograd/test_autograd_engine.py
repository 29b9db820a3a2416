"""The engine: order, accumulation, retain_graph, inputs=, autograd.grad and its errors.

Every program runs with chainrule and with PyTorch (``same``); PyTorch is the oracle.
"""

from __future__ import annotations

import sys
import time
import warnings

import pytest

from autograd_oracle import chainrule, raises_same, same, torch

G23 = [[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]]


# -- graph shapes -------------------------------------------------------------------------------


def test_diamond_sums_both_paths():
    def program(m):
        x = m.tensor([1.0, -2.0, 3.0], dtype=m.float64, requires_grad=True)
        y = x * x
        z = y.sin() + y * 3  # y feeds two branches that meet again
        w = (z * x.exp()).sum()
        w.backward()
        return x.grad

    same(program)


def test_shared_leaf_used_in_many_places_accumulates_every_use():
    def program(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        w = m.tensor([2.0, -1.0], requires_grad=True)
        out = (x * w + x * x - w / (x + 2) + x).sum()
        out.backward()
        return x.grad, w.grad

    same(program)


def test_same_tensor_as_both_operands():
    def program(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=m.float64, requires_grad=True)
        (x @ x + x * x).sum().backward()
        return x.grad

    same(program)


def test_several_outputs_backward_together():
    def program(m):
        x = m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True)
        a, b = x.sin(), x * x
        m.autograd.backward([a, b], [m.tensor([1.0, -1.0, 0.5], dtype=m.float64), m.ones(3, dtype=m.float64)])
        return x.grad

    same(program)


def test_long_chain_of_100000_ops_backpropagates_without_recursion():
    n = 100_000
    limit = sys.getrecursionlimit()

    def program(m):
        x = m.tensor([1.0, 2.0, 3.0, 4.0], dtype=m.float64, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.00001
        start = time.perf_counter()
        y.sum().backward()
        elapsed = time.perf_counter() - start
        del y  # dropping the 100,000-node graph must not recurse either
        return x.grad, elapsed < 30

    sys.setrecursionlimit(1000)  # a recursive walk would need ~100,000 frames
    try:
        got = program(chainrule)
    finally:
        sys.setrecursionlimit(limit)
    want = program(torch)
    assert got[1], "backward of a 100,000-op chain took more than 30 s"
    assert got[0].tolist() == pytest.approx(want[0].tolist(), rel=1e-9)


def test_nodes_run_in_reverse_creation_order_like_torch():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x * 2
        b = x * 3
        c = a + b
        for name, t in (("a", a), ("b", b), ("c", c)):
            t.register_hook(lambda g, name=name: log.append(name))
        c.sum().backward()
        return log

    same(program)


# -- retain_graph -------------------------------------------------------------------------------


def test_backward_twice_without_retain_graph_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()

    raises_same(program)


def test_grad_twice_without_retain_graph_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        m.autograd.grad(y, x)
        m.autograd.grad(y, x)

    raises_same(program)


def test_retain_graph_allows_a_second_backward_then_frees():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x.sin() * x).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()  # frees the graph
        try:
            y.backward()
        except RuntimeError as exc:
            return first, x.grad, str(exc)
        return "no error"

    same(program)


def test_graph_of_ops_that_save_nothing_can_backward_twice():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x + x).sum()
        y.backward()
        y.backward()
        return x.grad

    same(program)


def test_create_graph_retains_the_graph_by_default():
    def program(m):
        x = m.tensor(3.0, requires_grad=True)
        y = x**3
        (g,) = m.autograd.grad(y, x, create_graph=True)
        y.backward()
        return g, x.grad

    same(program)


# -- accumulation -------------------------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls():
    def program(m):
        x = m.tensor([1.0, -2.0], requires_grad=True)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        x.sin().sum().backward()
        return x.grad

    same(program)


def test_grad_zero_then_backward_starts_again():
    def program(m):
        x = m.tensor([1.0, -2.0], requires_grad=True)
        (x * x).sum().backward()
        x.grad.zero_()
        (x * 3).sum().backward()
        return x.grad

    same(program)


def test_backward_on_a_leaf_itself():
    def program(m):
        x = m.tensor(3.0, requires_grad=True)
        x.backward()
        x.backward()
        return x.grad

    same(program)


# -- inputs= ------------------------------------------------------------------------------------


def test_backward_inputs_only_accumulates_into_those_leaves():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        z = (x * y).sum()
        z.backward(inputs=[x])
        return x.grad, y.grad

    same(program)


def test_backward_inputs_non_leaf_gets_grad_and_retains_it():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        h = x * y
        z = (h * h).sum()
        z.backward(inputs=[h], retain_graph=True)
        first = h.grad.clone()
        z.backward(inputs=[x, h])
        return first, h.grad, h.retains_grad, x.grad, y.grad, h.is_leaf

    same(program)


def test_backward_inputs_tensor_not_in_graph_gets_nothing():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward(inputs=[y])
        return x.grad, y.grad

    same(program)


def test_backward_inputs_empty_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward(inputs=[])

    raises_same(program)


def test_backward_inputs_that_does_not_require_grad_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0])
        (x * y).sum().backward(inputs=[y])

    raises_same(program)


# -- autograd.grad ------------------------------------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([0.5, -1.0], requires_grad=True)
        z = (x * y.exp()).sum()
        gx, gy = m.autograd.grad(z, [x, y])
        return gx, gy, x.grad, y.grad

    same(program)


def test_grad_with_respect_to_intermediate_tensor():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x.sin()
        z = (h * h * x).sum()
        return m.autograd.grad(z, [h, x])

    same(program)


def test_grad_input_not_reached_raises_without_allow_unused():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * 2).sum(), [x, y])

    raises_same(program)


def test_grad_allow_unused_gives_none():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0], requires_grad=True)
        return m.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)

    same(program)


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_materialize_grads_gives_zeros(create_graph):
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([[1.0, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
        return m.autograd.grad((x * x).sum(), [x, y], materialize_grads=True, create_graph=create_graph)

    same(program)


def test_grad_materialize_grads_with_allow_unused_false_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad(x.sum(), x, materialize_grads=True, allow_unused=False)

    raises_same(program)


def test_grad_grad_outputs_weights_each_output():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, b = x * 2, x * x
        return m.autograd.grad([a, b], x, grad_outputs=[m.tensor([1.0, -1.0]), m.tensor([0.5, 3.0])])

    same(program)


def test_grad_grad_outputs_none_entry_means_ones_for_scalar():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, b = (x * 2).sum(), (x * x).sum()
        return m.autograd.grad([a, b], x, grad_outputs=[None, m.tensor(2.0)])

    same(program)


def test_grad_of_input_that_does_not_require_grad_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.ones(2)
        m.autograd.grad((x * y).sum(), [x, y])

    raises_same(program)


def test_grad_of_output_with_respect_to_itself():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        return m.autograd.grad(y, y, m.tensor([2.0, 5.0]))

    same(program)


# -- create_graph: higher order -----------------------------------------------------------------


def test_third_derivative_of_x_to_the_fourth():
    def program(m):
        x = m.tensor(1.7, dtype=m.float64, requires_grad=True)
        y = x**4
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1, x, create_graph=True)
        (g3,) = m.autograd.grad(g2, x, create_graph=True)
        (g4,) = m.autograd.grad(g3, x)
        return g1, g2, g3, g4

    same(program)


def test_second_derivative_through_several_ops():
    def program(m):
        x = m.tensor([0.3, -1.1, 2.0], dtype=m.float64, requires_grad=True)
        w = m.tensor([1.5, 0.2, -0.7], dtype=m.float64, requires_grad=True)
        y = (x.sin() * w.exp() + x.tanh() * x / (1 + w * w)).sum()
        gx, gw = m.autograd.grad(y, [x, w], create_graph=True)
        hxx, hxw = m.autograd.grad((gx * gx).sum() + gw.sum(), [x, w])
        return gx, gw, hxx, hxw

    same(program, rtol=1e-10)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_create_graph_makes_grad_differentiable():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        (x**3).sum().backward(create_graph=True)
        g = x.grad
        flags = (g.requires_grad, g.grad_fn is not None)
        x.grad = None
        g.sum().backward()
        return flags, x.grad

    same(program)


def test_gradient_of_a_gradient_wrt_a_constant_rule_has_no_graph():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (g,) = m.autograd.grad((x * 2).sum(), x, create_graph=True)
        return g, g.grad_fn is None

    same(program)


# -- only what is needed runs -------------------------------------------------------------------


def _counting_function(m, calls: list, label: str):
    class Scale(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            calls.append((label, ctx.needs_input_grad))
            a, b = ctx.saved_tensors
            return grad * b, grad * a

    return Scale


def test_branch_not_leading_to_requested_inputs_is_not_run():
    def program(m):
        calls = []
        f = _counting_function(m, calls, "f")
        g = _counting_function(m, calls, "g")
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        z = (f.apply(x, x) + g.apply(y, y)).sum()
        (gx,) = m.autograd.grad(z, x, retain_graph=True)
        z.backward(inputs=[y])
        return gx, y.grad, x.grad, calls

    same(program)


def test_rules_are_called_only_for_inputs_that_need_a_gradient():
    def program(m):
        calls = []
        f = _counting_function(m, calls, "f")
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([3.0, 4.0])
        f.apply(x, c).sum().backward()
        f.apply(c, x).sum().backward()
        return x.grad, calls

    same(program)


def test_subgraph_that_does_not_require_grad_is_not_walked():
    def program(m):
        calls = []
        f = _counting_function(m, calls, "f")
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            frozen = f.apply(x, x)
        (frozen * x).sum().backward()
        return x.grad, calls

    same(program)


# -- broadcasting and dtypes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "shapes",
    [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((5,), ()), ((1, 1), (2, 1, 3)), ((2, 1, 3), (2, 4, 1))],
    ids=str,
)
def test_broadcast_gradient_is_summed_back_to_each_input_shape(shapes):
    sa, sb = shapes

    def program(m):
        gen = __import__("numpy").random.default_rng(0)
        a = m.tensor(gen.standard_normal(sa).tolist(), dtype=m.float64, requires_grad=True)
        b = m.tensor(gen.standard_normal(sb).tolist(), dtype=m.float64, requires_grad=True)
        out = a * b + a / (b * b + 1) - b
        cot = m.tensor(gen.standard_normal(tuple(out.shape)).tolist(), dtype=m.float64)
        out.backward(cot)
        return a.grad, b.grad

    same(program)


def test_mixed_float_dtypes_give_each_input_a_gradient_of_its_own_dtype():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float32, requires_grad=True)
        y = m.tensor([3.0, -1.0], dtype=m.float64, requires_grad=True)
        h = m.tensor([0.5, 0.25], dtype=m.float16, requires_grad=True)
        z = x * y + h * x
        z.sum().backward()
        return z.dtype, x.grad, y.grad, h.grad

    same(program, rtol=1e-3)


def test_float_times_int_tensor_gives_float_gradient():
    def program(m):
        x = m.tensor([2.0, 3.0], dtype=m.float16, requires_grad=True)
        (x * m.tensor([1, 2])).sum().backward()
        return x.grad

    same(program)


def test_0d_tensors_of_different_dtypes():
    def program(m):
        x = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        y = m.tensor(3.0, dtype=m.float32, requires_grad=True)
        z = x * y
        z.backward()
        return z, x.grad, y.grad

    same(program)


@pytest.mark.parametrize("kind", ["float64", "int64"])
def test_grad_output_of_another_dtype_is_cast_to_the_output_dtype(kind):
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.backward(m.ones(2, dtype=getattr(m, kind)))
        (g,) = m.autograd.grad(x * 3, x, m.ones(2, dtype=getattr(m, kind)))
        return x.grad, g

    same(program)


# -- errors -------------------------------------------------------------------------------------


def test_implicit_grad_of_non_scalar_output_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward()

    raises_same(program)


def test_implicit_grad_of_non_scalar_output_raises_in_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad(x * 2, x)

    raises_same(program)


def test_output_that_does_not_require_grad_raises():
    def program(m):
        x = m.tensor([1.0, 2.0])
        (x * 2).sum().backward()

    want = raises_same(program)
    assert "element 0 of tensors does not require grad and does not have a grad_fn" in want.message


def test_second_output_that_does_not_require_grad_names_its_index():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.backward([(x * 2).sum(), m.ones(()).sum()])

    raises_same(program)


def test_output_computed_under_no_grad_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            y = (x * 2).sum()
        y.backward()

    raises_same(program)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_tensor_cannot_require_grad(dtype):
    def program(m):
        x = m.tensor([1, 0], dtype=getattr(m, dtype))
        x.requires_grad_()

    raises_same(program)


def test_integer_tensor_requires_grad_setter_raises():
    def program(m):
        x = m.tensor([1, 2])
        x.requires_grad = True

    raises_same(program)


def test_integer_tensor_created_with_requires_grad_raises():
    def program(m):
        m.tensor([1, 2], requires_grad=True)

    raises_same(program)


@pytest.mark.parametrize("api", ["backward", "grad"])
def test_grad_output_shape_mismatch_raises(api):
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        if api == "backward":
            y.backward(m.ones(3))
        else:
            m.autograd.grad(y, x, m.ones(2, 1))

    raises_same(program)


def test_wrong_number_of_grad_tensors_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.backward([x * 2, x * 3], [m.ones(2)])

    raises_same(program)


def test_grad_output_that_is_not_a_tensor_raises_type_error():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad(x * 2, x, [[1.0, 2.0]])

    raises_same(program)


def test_changing_requires_grad_of_non_leaf_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).requires_grad_(False)

    raises_same(program)


def test_assigning_grad_of_wrong_shape_or_dtype_raises():
    def wrong_shape(m):
        x = m.tensor([2.0, 3.0], requires_grad=True)
        x.grad = m.ones(3)

    def wrong_dtype(m):
        x = m.tensor([2.0, 3.0], requires_grad=True)
        x.grad = m.ones(2, dtype=m.float64)

    def not_a_tensor(m):
        x = m.tensor([2.0, 3.0], requires_grad=True)
        x.grad = [1.0, 2.0]

    for program in (wrong_shape, wrong_dtype, not_a_tensor):
        raises_same(program)


def test_grad_mode_is_restored_after_backward_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        try:
            y.backward(create_graph=True)
        except RuntimeError:
            pass
        return m.is_grad_enabled(), (x * 2).requires_grad

    same(program)


def test_backward_with_create_graph_warns_once_about_the_grad_cycle(monkeypatch):
    # PyTorch warns once per process (so its warning cannot be caught here reliably).
    from chainrule.autograd import engine

    monkeypatch.setattr(engine, "_cycle_warned", False)
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="create_graph=True will create a reference cycle") as record:
        (x * x).sum().backward(create_graph=True)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x * x).sum().backward(create_graph=True)
        chainrule.autograd.grad((x * x).sum(), x, create_graph=True)


def test_grad_with_no_inputs_raises():
    def program(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        m.autograd.grad((x * x).sum(), [])

    raises_same(program)


def test_grad_with_the_same_input_twice_returns_it_twice():
    def program(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        h = x * 2
        return m.autograd.grad((h * h).sum(), [x, h, x])

    same(program)


def test_reentrant_backward_inside_a_function_backward():
    # The pattern of activation checkpointing: backward recomputes and differentiates.
    def program(m):
        class Checkpointed(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.sin() * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                with m.enable_grad():
                    again = x.detach().requires_grad_()
                    (g,) = m.autograd.grad(again.sin() * again, again, grad)
                return g

        x = m.tensor([0.5, 1.5], dtype=m.float64, requires_grad=True)
        z = Checkpointed.apply(x * 2)
        (z * z).sum().backward()
        return x.grad

    same(program)


def test_backward_inside_a_hook_runs_a_separate_graph():
    def program(m):
        w = m.tensor([2.0], requires_grad=True)
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = x * 3

        def hook(g):
            (w * w).sum().backward()
            return g

        y.register_hook(hook)
        y.sum().backward()
        return x.grad, w.grad

    same(program)


def test_exception_in_a_hook_propagates_and_the_graph_stays_usable():
    def program(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = x * 3
        handle = y.register_hook(lambda g: 1 / 0)
        z = y.sum()
        try:
            z.backward()
        except ZeroDivisionError:
            pass
        handle.remove()
        flags = (m.is_grad_enabled(), x.grad)
        z.backward()
        return flags, x.grad

    same(program)
