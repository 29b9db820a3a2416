"""Who owns a gradient, and that graphs are freed by reference counting alone.

Aliasing: a gradient the engine hands out is never the object the user passed in nor one
shared by two tensors, and ``.grad`` accumulates in place as PyTorch's does.

Memory: with the garbage collector disabled, nothing a backward pass leaves behind may
need it: a weakref to a node, to a saved tensor, to a saved array must die as soon as
the last user reference goes, and a 10,000-step training loop must not grow.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
import weakref
from contextlib import contextmanager

import numpy as np
import pytest

from autograd_oracle import chainrule, raises_same, same


@contextmanager
def gc_disabled():
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- aliasing -----------------------------------------------------------------------------------


def test_add_gives_each_input_its_own_gradient_object():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        g = m.tensor([5.0, 6.0])
        (x + y).backward(g)
        identities = (x.grad is y.grad, x.grad is g, y.grad is g)
        g.add_(100)  # the user's gradient changes afterwards ...
        x.grad.mul_(10)  # ... and so does one of the results
        return identities, x.grad, y.grad, g

    same(program)


def test_leaf_backward_copies_the_given_gradient():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        g = m.tensor([5.0, 6.0])
        x.backward(g)
        same_object = x.grad is g
        g.add_(100)
        return same_object, x.grad

    same(program)


def test_grad_result_is_not_the_grad_output():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        g = m.tensor([5.0, 6.0])
        (gx,) = m.autograd.grad(x.clone(), x, g)
        return gx is g

    same(program)


def test_grad_accumulates_in_place_so_references_see_the_update():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        ref = x.grad
        (x * 3).sum().backward()
        return ref is x.grad, ref

    same(program)


def test_accumulating_into_a_user_assigned_grad_updates_that_tensor():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        mine = m.tensor([10.0, 20.0])
        x.grad = mine
        (x * 3).sum().backward()
        return mine is x.grad, mine

    same(program)


def test_leaves_sharing_one_rule_output_do_not_share_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0], requires_grad=True)
        (x + y).sum().backward()
        x.grad.add_(1)
        return x.grad is y.grad, x.grad, y.grad

    same(program)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_grad_with_create_graph_is_differentiable_and_accumulates_out_of_place():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        (x**3).sum().backward(create_graph=True)
        first = x.grad
        (x**2).sum().backward(create_graph=True)
        second = x.grad
        (hess,) = m.autograd.grad(second.sum(), x)
        return first is second, first, second, second.requires_grad, hess

    same(program)


# -- memory -------------------------------------------------------------------------------------


def test_graph_and_saved_tensors_are_freed_right_after_backward():
    with gc_disabled():
        x = chainrule.tensor([0.5, -1.0, 2.0], requires_grad=True)
        h = x.sin() * x  # MulBackward0 saves the SinBackward0 output and x
        node = weakref.ref(h.grad_fn)
        sin_node = weakref.ref(h.grad_fn.next_functions[0][0])
        saved = weakref.ref(x.sin())  # a temporary: gone at once
        y = (h * h).sum()
        saved_h = weakref.ref(h)
        del h
        assert saved() is None
        assert saved_h() is not None, "h is saved by the MulBackward0 of y = h * h"
        y.backward()
        assert saved_h() is None, "backward must release the tensors its nodes saved"
        assert node() is not None, "y still holds its graph"
        del y
        assert node() is None and sin_node() is None, "the graph must die with its output, without gc"


def test_saved_arrays_are_freed_after_backward_even_while_the_output_lives():
    with gc_disabled():
        x = chainrule.tensor(np.ones(1000, dtype=np.float32), requires_grad=True)
        h = x.exp()
        arr = weakref.ref(h._data.base if h._data.base is not None else h._data)
        y = (h * h).sum()
        del h
        assert arr() is not None
        y.backward()
        assert arr() is None, "the array saved by MulBackward0 must be freed by backward"
        assert y.grad_fn is not None


def test_graph_built_but_never_backpropagated_is_freed():
    with gc_disabled():
        x = chainrule.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).tanh().sum()
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None


def test_leaf_and_its_accumulator_do_not_form_a_cycle():
    with gc_disabled():
        x = chainrule.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        leaf = weakref.ref(x)
        grad = weakref.ref(x.grad)
        del x
        assert leaf() is None and grad() is None


def test_hooks_and_retain_grad_do_not_keep_tensors_alive():
    with gc_disabled():
        x = chainrule.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 2)
        x.register_hook(lambda g: g + 1)
        x.register_post_accumulate_grad_hook(lambda t: None)
        z = (y * y).sum()
        z.backward()
        refs = [weakref.ref(t) for t in (x, y, z)]
        del x, y, z
        assert [r() for r in refs] == [None, None, None]


def _mlp_step(params, X, Y, lr):
    W1, b1, W2 = params
    h = (X @ W1 + b1).relu()
    loss = ((h @ W2 - Y) ** 2).mean()
    loss.backward()
    with chainrule.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def test_training_loop_memory_stays_flat_without_gc():
    gen = np.random.default_rng(0)
    params = [
        chainrule.tensor(gen.standard_normal((4, 8)) * 0.3, dtype=chainrule.float32, requires_grad=True),
        chainrule.zeros(8, requires_grad=True),
        chainrule.tensor(gen.standard_normal((8, 1)) * 0.3, dtype=chainrule.float32, requires_grad=True),
    ]
    X = chainrule.tensor(gen.standard_normal((16, 4)), dtype=chainrule.float32)
    Y = chainrule.tensor(gen.standard_normal((16, 1)), dtype=chainrule.float32)
    start = time.perf_counter()
    with gc_disabled():
        first = _mlp_step(params, X, Y, 0.01).item()
        for _ in range(200):  # warm up caches (dtype tables, interned names, ...)
            _mlp_step(params, X, Y, 0.01)
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            growth = []
            for _ in range(5):
                for _ in range(2_000):
                    loss = _mlp_step(params, X, Y, 0.01)
                growth.append(tracemalloc.get_traced_memory()[0] - base)
        finally:
            tracemalloc.stop()
        collected = gc.collect()
    elapsed = time.perf_counter() - start
    assert loss.item() < first, "the loop must actually train"
    # One leaked graph per step would be several KB each: 10,000 steps, tens of MB. The first
    # chunk may fill Python's free lists (freed tuples kept for reuse count as allocated).
    assert growth[-1] < 1024 * 1024, f"memory grew by {growth} bytes over 10,000 steps"
    assert growth[-1] - growth[0] < 16 * 1024, f"memory keeps growing: {growth}"
    assert collected < 50, f"{collected} objects were only reclaimable by the cycle collector"
    assert elapsed < 30, f"10,000 steps took {elapsed:.1f} s"


def test_custom_function_saving_its_output_has_no_cycle():
    class Exp(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    with gc_disabled():
        x = chainrule.tensor([0.5, 1.0], requires_grad=True)
        y = Exp.apply(x)
        node = weakref.ref(y.grad_fn)
        out = weakref.ref(y)
        del y
        assert out() is None and node() is None, "ctx must not hold its output Tensor"
        y = Exp.apply(x)
        y.sum().backward()
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None


def test_custom_function_with_non_tensor_state_on_ctx_has_no_cycle():
    class Scale(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.save_for_backward(x)
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k, None

    with gc_disabled():
        x = chainrule.tensor([0.5, 1.0], requires_grad=True)
        y = Scale.apply(x, 3.0)
        y.sum().backward()
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_gives_each_leaf_its_own_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        g = m.tensor([5.0, 6.0], requires_grad=True)
        (x + y).backward(g, create_graph=True)
        return x.grad is y.grad, x.grad is g, x.grad, y.grad

    same(program)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_plain_backward_after_create_graph_accumulates_in_place():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x**3).sum().backward(create_graph=True)
        ref = x.grad
        (x * 2).sum().backward()
        return ref is x.grad, x.grad

    same(program)


def test_accumulating_into_a_grad_whose_elements_share_memory_raises():
    def program(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x.grad = m.tensor([1.0, 2.0]).expand(2, 2)  # a broadcast view: its memory is shared
        (x * 3).sum().backward()

    raises_same(program)
