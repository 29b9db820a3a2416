"""gradcheck and gradgradcheck, as users call them on their own Functions.

Each check runs with chainrule's and with PyTorch's gradcheck on the same Function: both
must pass, or both must fail, with the same exception type and message start.
"""

from __future__ import annotations

import warnings

import pytest

from autograd_oracle import chainrule, same


def square_mul(m, *, wrong: bool = False, scale: float = 1.0):
    """f(x, y) = x * x * y, with an optionally wrong backward."""

    class SquareMul(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            gx = g * 2 * x * y * scale
            return gx + 1 if wrong else gx, g * x * x

    return SquareMul


def cube_detached(m):
    """Right first derivative, wrong second: backward detaches its input."""

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    return Cube


def inputs(m):
    return (
        m.tensor([[0.5, -1.2], [2.0, 0.3]], dtype=m.float64, requires_grad=True),
        m.tensor([1.5, -0.7], dtype=m.float64, requires_grad=True),
    )


def _check(m, fn, args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_gradcheck_passes_on_a_correct_function():
    same(lambda m: _check(m, m.autograd.gradcheck, (square_mul(m).apply, inputs(m))))


def test_gradgradcheck_passes_on_a_correct_function():
    same(lambda m: _check(m, m.autograd.gradgradcheck, (square_mul(m).apply, inputs(m))))


def test_gradcheck_raises_gradcheck_error_on_a_wrong_backward():
    def program(m):
        _check(m, m.autograd.gradcheck, (square_mul(m, wrong=True).apply, inputs(m)))

    same(program, message=len("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor("))
    with pytest.raises(RuntimeError):  # a GradcheckError is a RuntimeError
        chainrule.autograd.gradcheck(square_mul(chainrule, wrong=True).apply, inputs(chainrule))
    from chainrule.autograd.gradcheck import GradcheckError

    assert issubclass(GradcheckError, RuntimeError)


def test_gradcheck_error_message_shows_both_jacobians():
    def program(m):
        class Double(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = m.tensor([0.5, 1.0], dtype=m.float64, requires_grad=True)
        m.autograd.gradcheck(Double.apply, (x,))

    same(program)


def test_gradcheck_without_raise_exception_returns_false():
    def program(m):
        return (
            _check(
                m, m.autograd.gradcheck, (square_mul(m, wrong=True).apply, inputs(m)), raise_exception=False
            ),
            _check(m, m.autograd.gradcheck, (square_mul(m).apply, inputs(m)), raise_exception=False),
        )

    assert same(program) == (False, True)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        fn = cube_detached(m).apply
        return (
            _check(m, m.autograd.gradcheck, (fn, (x,))),
            _check(m, m.autograd.gradgradcheck, (fn, (x,)), raise_exception=False),
        )

    assert same(program) == (True, False)


@pytest.mark.parametrize(
    "scale, atol, rtol, expected",
    [
        (1.001, 1e-5, 1e-6, False),
        (1.001, 1e-1, 1e-2, True),
        (1.0005, 1e-5, 1e-3, True),
        (1.003, 1e-5, 1e-3, False),
    ],
)
def test_gradcheck_respects_atol_and_rtol(scale, atol, rtol, expected):
    def program(m):
        fn = square_mul(m, scale=scale).apply
        return _check(m, m.autograd.gradcheck, (fn, inputs(m)), atol=atol, rtol=rtol, raise_exception=False)

    assert same(program) is expected


def test_gradcheck_respects_eps():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)

        def f(t):
            return (t**3).sum()

        return [
            _check(m, m.autograd.gradcheck, (f, (x,)), eps=1e-1, raise_exception=False),
            _check(m, m.autograd.gradcheck, (f, (x,)), eps=1e-1, atol=0.05, raise_exception=False),
            _check(m, m.autograd.gradcheck, (f, (x,)), eps=1e-6, raise_exception=False),
        ]

    assert same(program) == [False, True, True]


def test_gradcheck_on_composite_ops_and_several_outputs():
    def program(m):
        x = m.tensor([[0.5, -1.2], [2.0, 0.3]], dtype=m.float64, requires_grad=True)
        w = m.tensor([0.7, -0.1], dtype=m.float64, requires_grad=True)

        def f(a, b):
            return (a.sin() * b.exp()).sum(0) / (1 + a.tanh() ** 2).mean(), a @ b

        return _check(m, m.autograd.gradcheck, (f, (x, w))), _check(m, m.autograd.gradgradcheck, (f, (x, w)))

    assert same(program) == (True, True)


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_arguments():
    def program(m):
        x = m.tensor([0.5, -1.2], dtype=m.float64, requires_grad=True)
        return (
            _check(m, m.autograd.gradcheck, (lambda t: t * t, x)),
            _check(m, m.autograd.gradcheck, (lambda t, k: t * k, (x, 3.0))),
        )

    same(program)


def test_gradcheck_with_no_input_requiring_grad_raises():
    def program(m):
        m.autograd.gradcheck(lambda t: t * 2, (m.ones(2, dtype=m.float64),))

    same(program)


def test_gradgradcheck_with_given_grad_outputs():
    def program(m):
        x = m.tensor([0.5, -1.2, 2.0], dtype=m.float64, requires_grad=True)
        g = m.tensor([1.0, -2.0, 0.5], dtype=m.float64, requires_grad=True)
        return _check(m, m.autograd.gradgradcheck, (lambda t: t.exp() * t, (x,), (g,)))

    assert same(program) is True
