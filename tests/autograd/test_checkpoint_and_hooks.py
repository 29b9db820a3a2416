"""Saved-tensor hooks and activation checkpointing, against PyTorch.

Programs run with chainrule and with torch; the number of pack calls is compared
only on ops where both libraries save the same tensors.
"""

import gc
import importlib
import warnings
import weakref

import numpy as np
import pytest
from autograd_oracle import raises_same, same

import chainrule

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3)).tolist()
W1 = RNG.standard_normal((3, 5)).tolist()
W2 = RNG.standard_normal((5, 2)).tolist()


def _checkpoint_mod(m):
    return importlib.import_module(f"{m.__name__}.utils.checkpoint")


# -- saved_tensors_hooks --------------------------------------------------------------------


def test_pack_sees_saved_tensors_and_unpack_result_is_used():
    def program(m):
        x = m.tensor([0.5, 1.0, 2.0], dtype=m.float64, requires_grad=True)
        packed = []

        def pack(t):
            packed.append((tuple(t.shape), t.requires_grad))
            return t.detach() * 2  # what backward sees is changed, to prove unpack's result is used

        with m.autograd.graph.saved_tensors_hooks(pack, lambda p: p):
            y = x.sin()  # saves x
            z = (y * y).exp()  # mul saves y twice; exp saves its result
        z.sum().backward()
        return packed, x.grad

    same(program)


def test_unpack_called_once_per_saved_tensor_in_backward():
    def program(m):
        x = m.tensor([0.5, 1.0], requires_grad=True)
        calls = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: calls.append(1) or p):
            y = x.exp() * x.cos()
        n_before = len(calls)
        y.sum().backward()
        return n_before, len(calls), x.grad

    same(program)


def test_hooks_nest_innermost_wins():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        log = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("outer") or t, lambda p: p):
            with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("inner") or t, lambda p: p):
                y = x.sin()
            z = y.cos()
        (z.sum()).backward()
        return log, x.grad

    same(program)


def test_no_pack_outside_context_or_without_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        log = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: log.append(1) or t, lambda p: p):
            with m.no_grad():
                x.sin()
        x.sin()
        return len(log)

    same(program)


def test_unpack_must_return_a_tensor():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: 3, lambda p: p):
            y = x.sin()
        y.sum().backward()

    raises_same(program)


def test_inplace_change_after_save_is_not_checked_with_hooks():
    """As in PyTorch, the hooks own the saved value: no version check; backward sees the new value."""

    def program(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            b = a * 1
            c = b.sin()
        with m.no_grad():
            b.add_(1)
        c.sum().backward()
        return a.grad

    same(program)


def test_double_backward_through_unpacked_tensors():
    def program(m):
        x = m.tensor([0.3, 0.7], dtype=m.float64, requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            y = (x.sin() * x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return g, gg

    same(program)


def test_custom_function_saved_tensors_are_packed():
    def program(m):
        class Square(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = m.tensor([1.0, 3.0], requires_grad=True)
        log = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: log.append("pack") or t + 1, lambda p: p):
            y = Square.apply(x)
        y.sum().backward()
        return log, x.grad

    same(program)


def test_disable_saved_tensors_hooks():
    def enter_inside(m):
        with m.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
            with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
                pass

    def disable_inside(m):
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            with m.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
                pass

    raises_same(enter_inside)
    raises_same(disable_inside)

    def after(m):
        with m.autograd.graph.disable_saved_tensors_hooks("x"):
            pass
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p):
            return m.tensor([1.0], requires_grad=True).exp()

    same(after)


def test_save_on_cpu_gives_same_gradients():
    def program(m):
        x = m.tensor(X, requires_grad=True)
        w = m.tensor(W1, requires_grad=True)
        with m.autograd.graph.save_on_cpu():
            y = (x @ w).tanh().sum()
        y.backward()
        return x.grad, w.grad

    same(program)


# -- checkpoint ------------------------------------------------------------------------------


def _mlp(m, x, w1, w2):
    return ((x @ w1).tanh() @ w2).sigmoid()


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_gives_identical_gradients(use_reentrant):
    def program(m, ckpt):
        x = m.tensor(X, dtype=m.float64, requires_grad=True)
        w1 = m.tensor(W1, dtype=m.float64, requires_grad=True)
        w2 = m.tensor(W2, dtype=m.float64, requires_grad=True)
        if ckpt:
            y = _checkpoint_mod(m).checkpoint(_mlp, m, x, w1, w2, use_reentrant=use_reentrant)
        else:
            y = _mlp(m, x, w1, w2)
        (y * y).sum().backward()
        return y, x.grad, w1.grad, w2.grad

    for m in (chainrule, torch):  # identical (not just close) to the same program without checkpoint
        with_ckpt, without = program(m, True), program(m, False)
        for p, q in zip(with_ckpt, without, strict=True):
            assert np.array_equal(p.detach().numpy(), q.detach().numpy())
    same(lambda m: program(m, True))


def test_checkpoint_grad_fn_names():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        ck = _checkpoint_mod(m).checkpoint
        return (
            ck(lambda t: t.exp(), x, use_reentrant=False).grad_fn.name(),
            ck(lambda t: t.exp(), x, use_reentrant=True).grad_fn.name(),
        )

    same(program)


def test_checkpoint_frees_activations_during_forward():
    """With checkpoint the graph keeps no intermediate: the weakrefs die after forward."""

    def intermediates_alive(m, ckpt: bool) -> int:
        refs = []

        def block(x):
            h = x * 1.5
            for _ in range(4):
                h = h.sin()  # sin saves its input: the previous h
                refs.append(weakref.ref(h))
            return h

        x = m.tensor(X, requires_grad=True)
        if ckpt:
            y = _checkpoint_mod(m).checkpoint(block, x, use_reentrant=False)
        else:
            y = block(x)
        gc.collect()
        alive = sum(r() is not None for r in refs[:-1])  # the last one is y itself
        y.sum().backward()
        return alive

    for m in (chainrule, torch):
        assert intermediates_alive(m, ckpt=False) == 3
        assert intermediates_alive(m, ckpt=True) == 0


def test_checkpoint_packs_placeholders_not_activations():
    """Outer hooks see nothing saved inside a checkpointed block (its own hooks are innermost)."""

    def program(m):
        x = m.tensor(X, requires_grad=True)
        counts = []
        for ckpt in (False, True):
            packed = []
            with m.autograd.graph.saved_tensors_hooks(lambda t, packed=packed: packed.append(1) or t, lambda p: p):
                h = x.sin()  # outside the block: packed by the outer hooks either way
                if ckpt:
                    y = _checkpoint_mod(m).checkpoint(lambda a: (a.exp() * a).cos(), h, use_reentrant=False)
                else:
                    y = (h.exp() * h).cos()
            counts.append(len(packed))
            y.sum().backward()
        return counts

    for m in (chainrule, torch):  # PyTorch's checkpoint also packs the block's inputs: counts differ
        with_ckpt, without = program(m)[::-1]
        assert with_ckpt < without


def test_checkpoint_preserves_rng_state_for_dropout_like_randomness():
    def program(m, preserve):
        x = m.tensor(X, dtype=m.float64, requires_grad=True)
        m.manual_seed(0)

        def noisy(t):
            return t * m.rand(t.shape, dtype=m.float64)

        y = _checkpoint_mod(m).checkpoint(noisy, x, use_reentrant=False, preserve_rng_state=preserve)
        y.sum().backward()
        return np.allclose(x.grad.numpy(), (y / x).detach().numpy())

    for m in (chainrule, torch):
        state = m.get_rng_state()  # leave the global generator as other tests expect it
        try:
            assert program(m, True) is True
            assert program(m, False) is False
        finally:
            m.set_rng_state(state)


def test_checkpoint_kwargs_and_errors():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = _checkpoint_mod(m).checkpoint(lambda t, scale: t * scale, x, scale=3.0, use_reentrant=False)
        y.sum().backward()
        return x.grad

    same(program)
    raises_same(lambda m: _checkpoint_mod(m).checkpoint(lambda t, s: t, m.ones(1), s=1, use_reentrant=True))


def test_checkpoint_without_use_reentrant_warns_like_torch():
    for m in (chainrule, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _checkpoint_mod(m).checkpoint(lambda t: t.exp(), x)
        assert any("use_reentrant parameter should be passed explicitly" in str(w.message) for w in caught)


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_on_list_of_callables(segments):
    def program(m):
        x = m.tensor(X, dtype=m.float64, requires_grad=True)
        w1 = m.tensor(W1, dtype=m.float64, requires_grad=True)
        w2 = m.tensor(W2, dtype=m.float64, requires_grad=True)
        fns = [lambda t: t @ w1, lambda t: t.tanh(), lambda t: t @ w2, lambda t: t.sigmoid()]
        y = _checkpoint_mod(m).checkpoint_sequential(fns, segments, x, use_reentrant=False)
        y.sum().backward()
        return y, x.grad, w1.grad, w2.grad

    same(program)


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_checkpoint_sequential_on_nn_sequential_matches_torch(use_reentrant):
    def program(m):
        model = m.nn.Sequential(m.nn.Linear(3, 5), m.nn.Tanh(), m.nn.Linear(5, 2), m.nn.Sigmoid())
        with m.no_grad():  # the same weights in both libraries
            model[0].weight.copy_(m.tensor(W1).T)
            model[0].bias.fill_(0.1)
            model[2].weight.copy_(m.tensor(W2).T)
            model[2].bias.fill_(-0.2)
        x = m.tensor(X, requires_grad=True)
        y = _checkpoint_mod(m).checkpoint_sequential(model, 2, x, use_reentrant=use_reentrant)
        y.sum().backward()
        return y, x.grad, [p.grad for p in model.parameters()]

    same(program)


def test_custom_function_saved_output_is_packed_and_double_backward_works():
    def program(m):
        class Exp(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                result = x.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, g):
                (result,) = ctx.saved_tensors
                return g * result

        x = m.tensor([0.5, -1.0], dtype=m.float64, requires_grad=True)
        log = []
        with m.autograd.graph.saved_tensors_hooks(lambda t: log.append(t.requires_grad) or t, lambda p: p):
            y = Exp.apply(x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return log, g, gg

    same(program)


def test_checkpointed_graph_is_freed_by_reference_counting():
    x = chainrule.tensor(X, requires_grad=True)

    def block(a):
        return (a.exp() * a).tanh().sigmoid()  # exp, tanh and sigmoid save their results

    gc.collect()
    gc.disable()
    try:
        y = chainrule.utils.checkpoint.checkpoint(block, x, use_reentrant=False)
        y.sum().backward()
        del y
        assert gc.collect() == 0
    finally:
        gc.enable()
