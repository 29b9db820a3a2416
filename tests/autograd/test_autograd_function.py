"""Custom autograd.Function: both styles, ctx's API, errors, double backward.

Each Function is defined inside the program, against the module it runs with, so the
same class body runs on chainrule and on PyTorch.
"""

from __future__ import annotations

import pytest

from autograd_oracle import chainrule, raises_same, same


def my_relu(m):
    """The seed article's MyReLU."""

    class MyReLU(m.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return MyReLU


def cube(m):
    """New style: forward without ctx, then setup_context; a non-tensor argument."""

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x**3 * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.save_for_backward(x)
            ctx.k = k

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2 * ctx.k, None

    return Cube


def exp_fn(m):
    """Saves its own output."""

    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    return Exp


def test_seed_my_relu():
    def program(m):
        x = m.tensor([-1.0, 2.0, -3.0], requires_grad=True)
        y = my_relu(m).apply(x)
        y.backward(m.ones_like(x))
        return y, x.grad, y.grad_fn.name(), [(type(f).__name__, i) for f, i in y.grad_fn.next_functions]

    same(program)


def test_new_style_forward_with_setup_context():
    def program(m):
        x = m.tensor([1.0, -2.0], dtype=m.float64, requires_grad=True)
        y = cube(m).apply(x, 2.5)
        y.sum().backward()
        return y, x.grad, y.grad_fn.name()

    same(program)


def test_saving_the_output_and_using_it_in_backward():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = exp_fn(m).apply(x)
        y.backward(m.tensor([1.0, -0.5], dtype=m.float64))
        return y, x.grad

    same(program)


def test_several_outputs_and_a_non_tensor_output():
    def program(m):
        class Two(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.save_for_backward(x, y)
                return x * y, x + y, 7

            @staticmethod
            def backward(ctx, ga, gb, gc):
                x, y = ctx.saved_tensors
                return ga * y + gb, ga * x + gb

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        a, b, c = Two.apply(x, y)
        (a * 2 + b).sum().backward()
        return c, a.grad_fn is b.grad_fn, x.grad, y.grad

    same(program)


def test_unused_output_gets_zero_gradient_by_default():
    def program(m):
        log = []

        class Two(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                log.append((ga, gb))
                return ga * 2 + gb * 3

        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, b = Two.apply(x)
        a.sum().backward()
        return log, x.grad

    same(program)


def test_set_materialize_grads_false_gives_none_for_unused_outputs():
    def program(m):
        log = []

        class Two(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, ga, gb):
                log.append((ga is None, gb is None))
                return ga * 2 if ga is not None else None

        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, b = Two.apply(x)
        a.sum().backward()
        return log, x.grad

    same(program)


def test_needs_input_grad_in_forward_and_backward():
    def program(m):
        log = []

        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, k):
                log.append(("forward", ctx.needs_input_grad, m.is_grad_enabled()))
                return x * y * k

            @staticmethod
            def backward(ctx, g):
                log.append(("backward", ctx.needs_input_grad, m.is_grad_enabled()))
                return g, g, None

        x = m.tensor([1.0], requires_grad=True)
        y = m.tensor([2.0])
        F.apply(x, y, 3).sum().backward()
        F.apply(y, x, 3).sum().backward(create_graph=True)
        return log

    same(program)


def test_returning_none_gradients():
    def program(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return None, g

        x = m.tensor([1.0], requires_grad=True)
        y = m.tensor([2.0], requires_grad=True)
        F.apply(x, y).sum().backward()
        return x.grad, y.grad

    same(program)


def test_extra_none_gradients_are_ignored():
    def program(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, None, None

        x = m.tensor([1.0], requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad

    same(program)


@pytest.mark.parametrize("returned", ["too few", "too many"])
def test_wrong_number_of_gradients_raises(returned):
    def program(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return (g,) if returned == "too few" else (g, g, g)

        x = m.tensor([1.0], requires_grad=True)
        y = m.tensor([2.0], requires_grad=True)
        F.apply(x, y).sum().backward()

    raises_same(program)


def test_gradient_of_the_wrong_shape_raises():
    def program(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return m.ones(3)

        x = m.tensor([1.0, 2.0], requires_grad=True)
        F.apply(x).sum().backward()

    raises_same(program)


def test_gradient_for_a_non_tensor_argument_raises():
    def program(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g, g

        x = m.tensor([1.0, 2.0], requires_grad=True)
        F.apply(x, 2.0).sum().backward()

    raises_same(program, message=False)


def test_saved_tensors_are_version_checked():
    def program(m):
        x = m.tensor([-1.0, 2.0, -3.0], requires_grad=True)
        h = x * 1
        y = my_relu(m).apply(h)
        h.add_(1)
        y.sum().backward()

    want = raises_same(program, message=len("one of the variables needed for gradient computation"))
    assert "modified by an inplace operation" in want.message


def test_saved_output_modified_in_place_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = exp_fn(m).apply(x)
        y.mul_(2)
        y.sum().backward()

    raises_same(program, message=lambda a, b: a.split(" instead.")[0] == b.split(" instead.")[0])


def test_saved_tensors_after_backward_raise():
    def program(m):
        x = m.tensor([-1.0, 2.0], requires_grad=True)
        y = my_relu(m).apply(x)
        y.sum().backward()
        return y.grad_fn.saved_tensors

    raises_same(program)


def test_second_backward_through_a_function_raises():
    def program(m):
        x = m.tensor([-1.0, 2.0], requires_grad=True)
        y = my_relu(m).apply(x)
        y.sum().backward()
        y.sum().backward()

    raises_same(program)


def test_mark_dirty_for_an_in_place_forward():
    def program(m):
        class MulTwo_(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        a = m.tensor([1.0, 2.0], requires_grad=True)
        x = a * 1
        y = MulTwo_.apply(x)
        flags = (y is x, x.grad_fn.name())
        (y * y).sum().backward()
        return flags, y, a.grad

    same(program)


def test_mark_dirty_on_a_leaf_that_requires_grad_raises():
    def program(m):
        class MulTwo_(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        MulTwo_.apply(m.tensor([1.0, 2.0], requires_grad=True))

    raises_same(program)


def test_mark_non_differentiable_outputs():
    def program(m):
        class WithMask(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                mask = (x > 0).double()
                ctx.mark_non_differentiable(mask)
                return x * 2, mask

            @staticmethod
            def backward(ctx, g, g_mask):
                return g * 2

        x = m.tensor([1.0, -2.0], dtype=m.float64, requires_grad=True)
        y, mask = WithMask.apply(x)
        flags = (y.requires_grad, mask.requires_grad, mask.grad_fn is None)
        y.sum().backward()
        return flags, mask, x.grad

    same(program)


def test_integer_outputs_do_not_require_grad():
    def program(m):
        class ArgAndValue(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1, (x > 0).long()

            @staticmethod
            def backward(ctx, g, gi):
                return g

        x = m.tensor([1.0, -2.0], requires_grad=True)
        y, i = ArgAndValue.apply(x)
        return y.requires_grad, i.requires_grad, i

    same(program)


def test_input_returned_unchanged_becomes_a_new_tensor_in_the_graph():
    def program(m):
        class Ident(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 5

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Ident.apply(x)
        flags = (y is x, y.grad_fn.name(), x.is_leaf)
        y.sum().backward()
        return flags, x.grad

    same(program)


def test_no_input_requires_grad_gives_plain_outputs():
    def program(m):
        y = my_relu(m).apply(m.tensor([-1.0, 2.0]))
        with m.no_grad():
            z = my_relu(m).apply(m.tensor([-1.0, 2.0], requires_grad=True))
        return y.requires_grad, y.grad_fn is None, z.requires_grad

    same(program)


def test_keyword_and_non_tensor_arguments():
    def program(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, factor, name="scale"):
                ctx.factor = factor
                ctx.name = name
                return x * factor

            @staticmethod
            def backward(ctx, g):
                return g * ctx.factor, None, None

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = Scale.apply(x, 3.0, "triple")
        y.sum().backward()
        return y, x.grad

    same(program)


def test_once_differentiable_backward_has_no_graph():
    def program(m):
        from importlib import import_module

        once_differentiable = import_module(m.__name__ + ".autograd.function").once_differentiable

        class Square(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**2

            @staticmethod
            @once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = m.tensor([1.0, 2.0], requires_grad=True)
        (g,) = m.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
        return g, g.requires_grad

    same(program)


@pytest.mark.parametrize("make", [exp_fn, cube])
def test_double_backward_through_a_function_written_with_ops(make):
    def program(m):
        fn = make(m)
        x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = fn.apply(x) if make is exp_fn else fn.apply(x, 1.5)
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x, create_graph=True)
        (ggg,) = m.autograd.grad(gg.sum(), x)
        return g, gg, ggg

    same(program, rtol=1e-10)


def test_function_inside_a_larger_graph():
    def program(m):
        x = m.tensor([-1.0, 0.5, 2.0], dtype=m.float64, requires_grad=True)
        w = m.tensor([0.3, -0.2, 1.0], dtype=m.float64, requires_grad=True)
        h = my_relu(m).apply(x * w - 0.1)
        out = (exp_fn(m).apply(h) * w).sum() + cube(m).apply(h, 2.0).mean()
        out.backward()
        return x.grad, w.grad

    same(program)


def test_function_node_is_the_ctx_and_has_its_saved_tensors():
    def program(m):
        x = m.tensor([-1.0, 2.0], requires_grad=True)
        y = my_relu(m).apply(x)
        (saved,) = y.grad_fn.saved_tensors
        return type(y.grad_fn).__name__, saved is x, saved, y.grad_fn.needs_input_grad

    same(program)


def test_calling_a_function_instance_directly_raises():
    def program(m):
        fn = my_relu(m)
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            instance = fn()
        instance(m.tensor([1.0]))

    raises_same(program, message=False)


def test_save_for_backward_rejects_non_tensors():
    def program(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        F.apply(m.tensor([1.0], requires_grad=True))

    raises_same(program, message=False)


def test_function_backward_hooks_on_its_node():
    def program(m):
        log = []
        x = m.tensor([-1.0, 2.0], requires_grad=True)
        y = my_relu(m).apply(x)
        y.grad_fn.register_prehook(lambda go: log.append(("pre", go)))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", gi)))
        y.sum().backward()
        return log

    same(program)


def test_chainrule_gradcheck_passes_on_the_seed_function():
    x = chainrule.tensor([-1.5, 0.7, 2.0], dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(my_relu(chainrule).apply, (x,))
