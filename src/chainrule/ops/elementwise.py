"""Elementwise math: each primitive's NumPy kernel with its VJP rules right below it.

Rules receive ``(grad, result, *inputs, **params)`` and use chainrule ops only, so they
are differentiable themselves. The engine reduces broadcast gradients to each input's
shape, so binary rules return the broadcast shape without worrying about it.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._common import _dtype_word, apply_inplace, as_tensor_arg, is_scalar, promote_operands
from . import _registry
from ._registry import defvjp, primitive, record

__all__ = [  # the public ops of this family (re-exported by chainrule.ops)
    "abs", "abs_", "absolute", "add", "add_", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "clamp", "clamp_", "clamp_max", "clamp_min", "clip", "clip_", "clone", "copy_",
    "cos", "cos_", "div", "div_", "divide", "eq", "exp", "exp_", "fill_", "floor_divide",
    "floor_divide_", "ge", "greater", "greater_equal", "gt", "isfinite", "isinf", "isnan", "le",
    "less", "less_equal", "log", "log_", "logical_and", "logical_not", "logical_or", "lt", "mul",
    "mul_", "multiply", "ne", "neg", "neg_", "negative", "not_equal", "pow", "pow_", "relu",
    "relu_", "remainder", "remainder_", "sigmoid", "sigmoid_", "sign", "sin", "sin_", "sqrt",
    "sqrt_", "sub", "sub_", "subtract", "tanh", "tanh_", "to_dtype", "true_divide", "trunc",
    "where", "zero_",
]

# Ufuncs return NumPy scalars for 0-d operands; a tensor always holds an array (a writable
# one, so that in-place ops and views work on 0-d tensors too). np.asarray returns an array
# argument itself and costs less than any Python-level check.
_nd = np.asarray


def _shape(x) -> tuple:
    return x._data.shape if isinstance(x, Tensor) else ()


def broadcast_error(*shapes) -> RuntimeError:
    """PyTorch's error for operand shapes that do not broadcast together."""
    out = ()
    for shape in shapes:
        n = builtins.max(len(out), len(shape))
        a, b = (1,) * (n - len(out)) + tuple(out), (1,) * (n - len(shape)) + tuple(shape)
        for i, (p, q) in enumerate(zip(a, b, strict=True)):
            if p != q and p != 1 and q != 1:
                return RuntimeError(
                    f"The size of tensor a ({p}) must match the size of tensor b ({q}) at non-singleton dimension {i}"
                )
        out = tuple(builtins.max(p, q) if p != 1 else q for p, q in zip(a, b, strict=True))
    return RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast together")


def _is_bool(x) -> bool:
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def _result_kind(a, b) -> str:
    """The NumPy kind ('b', 'i', 'u', 'f', 'c') of the promoted operands ``a``, ``b``."""
    return np.result_type(a, b).kind


def _not_implemented_for_bool(kernel_name: str) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel_name}\" not implemented for 'Bool'")


def _no_derivative(op_name: str):
    """The rule of an op PyTorch has no derivative for (its node is called NotImplemented)."""

    def rule(grad, result, *args, **params):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")

    return rule


# -- arithmetic -------------------------------------------------------------------------------


@primitive("AddBackward0", save_inputs=False)
def _add(x, y):
    return _nd(np.add(x, y))


defvjp(_add, lambda grad, result, x, y: grad, lambda grad, result, x, y: grad)


@primitive("SubBackward0", save_inputs=False)
def _sub(x, y):
    return _nd(np.subtract(x, y))


defvjp(_sub, lambda grad, result, x, y: grad, lambda grad, result, x, y: neg(grad))


# `number - tensor` is PyTorch's rsub (the reflected operator), with its own node name.
@primitive("RsubBackward1", save_inputs=False)
def _rsub(x, y):
    return _nd(np.subtract(x, y))


defvjp(_rsub, None, lambda grad, result, x, y: neg(grad))


@primitive("MulBackward0")
def _mul(x, y):
    return _nd(np.multiply(x, y))


defvjp(_mul, lambda grad, result, x, y: grad * y, lambda grad, result, x, y: grad * x)


@primitive("DivBackward0")
def _div(x, y):
    return _nd(np.true_divide(x, y))


defvjp(
    _div,
    lambda grad, result, x, y: grad / y,
    lambda grad, result, x, y: -grad * x / (y * y),
)


# `number / tensor` is computed as PyTorch does: reciprocal(tensor) * number (MulBackward0).
@primitive("ReciprocalBackward0", save_inputs=False, save_result=True)
def _reciprocal(x):
    return _nd(np.reciprocal(x))


defvjp(_reciprocal, lambda grad, result, x: -grad * (result * result))


@primitive("NegBackward0", save_inputs=False)
def _neg(x):
    return _nd(np.negative(x))


defvjp(_neg, lambda grad, result, x: neg(grad))


def _binary(prim, input, other, to_float: bool = False) -> Tensor:
    # Fast paths first (every op of a training step comes through here): two float tensors
    # of one dtype, or a float tensor and a Python float or int, need no promotion.
    if isinstance(input, Tensor):
        a = input._data
        if isinstance(other, Tensor):
            b = other._data
            if a.dtype is not b.dtype or a.dtype.kind not in "fc":
                a, b, _ = promote_operands(input, other, to_float=to_float)
        elif (other.__class__ is float or other.__class__ is int) and a.dtype.kind in "fc":
            b = other
        else:
            a, b, _ = promote_operands(input, other, to_float=to_float)
    else:
        a, b, _ = promote_operands(input, other, to_float=to_float)
    try:
        out = prim.kernel(a, b)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    return record(prim, out, (input, other), None)


def _scaled(input, other, alpha):
    """``alpha * other`` for add and sub, with PyTorch's checks on ``alpha``."""
    if isinstance(alpha, bool) or alpha != 1:
        kind = _dtype.result_type(*(v for v in (input, other) if isinstance(v, Tensor) or is_scalar(v))).category
        if isinstance(alpha, bool) and kind != _dtype.BOOL:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        if isinstance(alpha, float) and kind < _dtype.FLOAT:
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        if alpha != 1:
            return other * alpha if is_scalar(other) else mul(other, alpha)
    return other


def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other``, with broadcasting and PyTorch's type promotion.

    >>> chainrule.add(chainrule.tensor([1.0, 2.0]), 1.5, alpha=2)
    tensor([4., 5.])
    """
    if alpha != 1 or alpha.__class__ is bool:
        other = _scaled(input, other, alpha)
    return _binary(_add, input, other)


def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other`` (``rsub`` when ``input`` is a number)."""
    if alpha != 1 or alpha.__class__ is bool:
        other = _scaled(input, other, alpha)
    if _is_bool(input) or _is_bool(other):
        if _is_bool(input) and _is_bool(other):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return _binary(_rsub if is_scalar(input) else _sub, input, other)


subtract = sub


def mul(input, other) -> Tensor:
    """``input * other`` elementwise."""
    return _binary(_mul, input, other)


multiply = mul


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """``input / other``; integers divide to the default float dtype unless ``rounding_mode``
    is ``"trunc"`` or ``"floor"``.

    >>> chainrule.div(chainrule.tensor([-7, 7]), 2, rounding_mode="trunc")
    tensor([-3,  3])
    """
    if rounding_mode is None:
        if is_scalar(input) and isinstance(other, Tensor):
            return mul(reciprocal(other), input)
        return _binary(_div, input, other, to_float=True)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    a, b, _ = promote_operands(input, other)
    kind = _result_kind(a, b)
    if kind == "b":
        raise _not_implemented_for_bool(f"div_{rounding_mode}_cpu")
    if kind in "iu" and _any_zero(b):
        raise RuntimeError("ZeroDivisionError")
    try:
        out = _div_rounding.kernel(a, b, rounding_mode=rounding_mode)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    return record(_div_rounding, out, (input, other), {"rounding_mode": rounding_mode})


divide = div
true_divide = div


# A rounded quotient is piecewise constant: its derivative is zero (PyTorch's DivBackward2).
@primitive("DivBackward2", save_inputs=False)
def _div_rounding(x, y, *, rounding_mode):
    if rounding_mode == "floor":
        return _nd(np.floor_divide(x, y))
    if np.result_type(x, y).kind in "iu":
        q = np.floor_divide(x, y)
        return _nd(q + ((q < 0) & (q * y != x)))  # floor toward zero for negative quotients
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.trunc(np.true_divide(x, y)))


defvjp(
    _div_rounding,
    lambda grad, result, x, y, *, rounding_mode: zeros_like(grad),
    lambda grad, result, x, y, *, rounding_mode: zeros_like(grad),
)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input`` elementwise (integers give the default float dtype)."""
    return _unary_float(_reciprocal, input)


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
            "a mask, use the `~` or `logical_not()` operator instead."
        )
    return record(_neg, _nd(np.negative(input._data)), (input,), None)


negative = neg


# Floor division and remainder round toward -inf, in PyTorch as in NumPy. PyTorch has no
# derivative for floor_divide (nor for `number % tensor`): backward through them raises.
@primitive("NotImplemented", save_inputs=False)
def _floor_divide(x, y):
    return _nd(np.floor_divide(x, y))


defvjp(_floor_divide, _no_derivative("floor_divide"), _no_derivative("floor_divide"))


@primitive("NotImplemented", save_inputs=False)
def _floor_divide_inplace(x, y):
    return _nd(np.floor_divide(x, y))


defvjp(_floor_divide_inplace, _no_derivative("floor_divide_"), _no_derivative("floor_divide_"))


def floor_divide(input, other, *, _prim=_floor_divide) -> Tensor:
    """``input // other``: division rounded toward negative infinity."""
    a, b, _ = promote_operands(input, other)
    kind = _result_kind(a, b)
    if kind == "b":
        raise _not_implemented_for_bool("div_floor_cpu")
    if kind in "iu" and _any_zero(b):
        raise RuntimeError("ZeroDivisionError")
    try:
        out = _prim.kernel(a, b)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    return record(_prim, out, (input, other), None)


def _remainder_kernel(x, y):
    """``x % y`` as PyTorch computes it for floats: fmod, moved to ``y``'s sign. A zero
    result keeps fmod's sign (``-1.0 % 1`` is ``-0.0``), where NumPy gives ``+0.0``."""
    if np.result_type(x, y).kind != "f":
        return _nd(np.remainder(x, y))
    r = np.fmod(x, y)
    return _nd(np.where((r != 0) & ((r < 0) != (np.asarray(y) < 0)), r + y, r))


@primitive("RemainderBackward1")
def _remainder(x, y):
    return _remainder_kernel(x, y)


defvjp(
    _remainder,
    lambda grad, result, x, y: grad,
    lambda grad, result, x, y: -grad * div(x, y, rounding_mode="floor"),
)


@primitive("RemainderBackward0", save_inputs=False)
def _remainder_scalar(x, *, other):
    return _remainder_kernel(x, other)


defvjp(_remainder_scalar, lambda grad, result, x, *, other: grad)


@primitive("NotImplemented", save_inputs=False)
def _remainder_rev(x, y):
    return _remainder_kernel(x, y)


defvjp(_remainder_rev, _no_derivative("remainder"), _no_derivative("remainder"))


def remainder(input, other) -> Tensor:
    """``input % other``, with the sign of ``other`` (Python's convention, as PyTorch)."""
    a, b, _ = promote_operands(input, other)
    kind = _result_kind(a, b)
    if kind == "b":
        raise _not_implemented_for_bool("remainder_cpu")
    if kind in "iu" and _any_zero(b):
        raise RuntimeError("ZeroDivisionError")
    if is_scalar(other):
        return record(_remainder_scalar, _remainder_scalar.kernel(a, other=b), (input,), {"other": b})
    prim = _remainder_rev if is_scalar(input) else _remainder
    try:
        out = prim.kernel(a, b)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    return record(prim, out, (input, other), None)


def _any_zero(b) -> bool:
    return bool(np.any(np.asarray(b) == 0))


# -- powers ------------------------------------------------------------------------------------


@primitive("PowBackward0")
def _pow_scalar(x, *, exponent):
    out = np.power(x, exponent)
    return _nd(out if x.dtype.kind != "b" else out.astype(np.bool_))  # bool ** bool stays bool


def _pow_scalar_vjp(grad, result, x, *, exponent):
    if exponent == 0:
        return zeros_like(grad)  # PyTorch: d(x**0)/dx is 0 everywhere, 0 ** 0 included
    return grad * (exponent * pow(x, exponent - 1))


defvjp(_pow_scalar, _pow_scalar_vjp)


@primitive("PowBackward1", save_result=True)
def _pow_tensor(x, y):
    return _int_power(x, y) if np.result_type(x, y).kind in "iu" else _nd(np.power(x, y))


def _pow_tensor_vjp_base(grad, result, x, y):
    # d(x**y)/dx = y * x**(y-1), and 0 where y == 0 (as PyTorch).
    return grad * where(y == 0, 0.0, y * pow(x, y - 1))


def _pow_tensor_vjp_exponent(grad, result, x, y):
    # d(x**y)/dy = x**y * log(x); PyTorch takes 0 where x == 0 and y >= 0.
    return grad * where((x == 0) & (y >= 0), 0.0, result * log(x))


defvjp(_pow_tensor, _pow_tensor_vjp_base, _pow_tensor_vjp_exponent)


@primitive("PowBackward2", save_result=True)
def _pow_scalar_base(x, y):
    return _int_power(x, y) if np.result_type(x, y).kind in "iu" else _nd(np.power(x, y))


def _pow_scalar_base_vjp(grad, result, x, y):
    if x == 0:
        return grad * where(y >= 0, 0.0, result * float("-inf"))
    return grad * result * float(np.log(x))


defvjp(_pow_scalar_base, None, _pow_scalar_base_vjp)


def _int_power(x, y):
    """Integer powers as PyTorch computes them: a negative exponent gives 1 ** y, (-1) ** y,
    or 0 for any other base (NumPy refuses negative integer exponents)."""
    y = np.asarray(y)
    if not np.any(y < 0):
        return _nd(np.power(x, y))
    x = np.asarray(x)
    safe = np.power(x, np.where(y < 0, 0, y))
    one_or_sign = np.where(x == 1, 1, np.where(x == -1, np.where(y % 2 == 0, 1, -1), 0))
    return _nd(np.where(y < 0, one_or_sign, safe).astype(safe.dtype, copy=False))


def pow(input, exponent) -> Tensor:
    """``input ** exponent``; either may be a Python number.

    >>> chainrule.pow(chainrule.tensor([1.0, 2.0]), 2)
    tensor([1., 4.])
    """
    a, b, _ = promote_operands(input, exponent)
    kind = _result_kind(a, b)
    if isinstance(input, Tensor) and is_scalar(exponent):
        if kind in "iu" and isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return record(_pow_scalar, _pow_scalar.kernel(a, exponent=b), (input,), {"exponent": b})
    if kind == "b":
        raise _not_implemented_for_bool("pow")
    prim = _pow_scalar_base if is_scalar(input) else _pow_tensor
    try:
        out = prim.kernel(a, b)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(exponent)) from None
    return record(prim, out, (a if prim is _pow_scalar_base else input, exponent), None)


# -- unary math --------------------------------------------------------------------------------


def _unary_float(prim, input: Tensor) -> Tensor:
    """Apply a float-valued unary primitive; integer inputs compute in the default float."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{prim.name.lstrip('_')}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    d = input._data
    if d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    return record(prim, prim.kernel(d), (input,), None)


@primitive("ExpBackward0", save_inputs=False, save_result=True)
def _exp(x):
    return _nd(np.exp(x))


defvjp(_exp, lambda grad, result, x: grad * result)


def exp(input: Tensor) -> Tensor:
    """``e ** input`` elementwise."""
    return _unary_float(_exp, input)


@primitive("LogBackward0")
def _log(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.log(x))


defvjp(_log, lambda grad, result, x: grad / x)


def log(input: Tensor) -> Tensor:
    """Natural logarithm elementwise (``nan`` below 0, ``-inf`` at 0)."""
    return _unary_float(_log, input)


@primitive("SqrtBackward0", save_inputs=False, save_result=True)
def _sqrt(x):
    with np.errstate(invalid="ignore"):
        return _nd(np.sqrt(x))


defvjp(_sqrt, lambda grad, result, x: grad / (2 * result))


def sqrt(input: Tensor) -> Tensor:
    """Square root elementwise."""
    return _unary_float(_sqrt, input)


@primitive("SinBackward0")
def _sin(x):
    return _nd(np.sin(x))


defvjp(_sin, lambda grad, result, x: grad * cos(x))


def sin(input: Tensor) -> Tensor:
    """Sine elementwise."""
    return _unary_float(_sin, input)


@primitive("CosBackward0")
def _cos(x):
    return _nd(np.cos(x))


defvjp(_cos, lambda grad, result, x: grad * -sin(x))


def cos(input: Tensor) -> Tensor:
    """Cosine elementwise."""
    return _unary_float(_cos, input)


@primitive("TanhBackward0", save_inputs=False, save_result=True)
def _tanh(x):
    return _nd(np.tanh(x))


defvjp(_tanh, lambda grad, result, x: _tanh_backward(grad, result))


# tanh's backward as one op (as PyTorch has it): one NumPy expression instead of three
# chainrule ops on the backward pass; its own rules keep higher orders differentiable.
@primitive("TanhBackwardBackward0")
def _tanh_backward_kernel(grad, result):
    return _nd(grad * (1 - result * result))


defvjp(
    _tanh_backward_kernel,
    lambda gg, out, grad, result: _tanh_backward(gg, result),
    lambda gg, out, grad, result: gg * grad * (-2 * result),
)


def _tanh_backward(grad: Tensor, result: Tensor) -> Tensor:
    return record(_tanh_backward_kernel, _tanh_backward_kernel.kernel(grad._data, result._data), (grad, result), None)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return _unary_float(_tanh, input)


@primitive("SigmoidBackward0", save_inputs=False, save_result=True)
def _sigmoid(x):
    # Split by sign so that exp never overflows.
    out = np.empty_like(x)
    pos = x >= 0
    np.divide(1, 1 + np.exp(-x, where=pos, out=np.zeros_like(x)), out=out, where=pos)
    ex = np.exp(x, where=~pos, out=np.zeros_like(x))
    np.divide(ex, 1 + ex, out=out, where=~pos)
    return out


defvjp(_sigmoid, lambda grad, result, x: _sigmoid_backward(grad, result))


# sigmoid's backward as one op, for the same reason as tanh's.
@primitive("SigmoidBackwardBackward0")
def _sigmoid_backward_kernel(grad, result):
    return _nd(grad * (result * (1 - result)))


defvjp(
    _sigmoid_backward_kernel,
    lambda gg, out, grad, result: _sigmoid_backward(gg, result),
    lambda gg, out, grad, result: gg * grad * (1 - 2 * result),
)


def _sigmoid_backward(grad: Tensor, result: Tensor) -> Tensor:
    return record(
        _sigmoid_backward_kernel, _sigmoid_backward_kernel.kernel(grad._data, result._data), (grad, result), None
    )


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))`` elementwise."""
    return _unary_float(_sigmoid, input)


@primitive("ReluBackward0", save_inputs=False, save_result=True)
def _relu(x):
    # max(0, x) returns x at -0.0 and NaN (as PyTorch) and is branch-free: np.where branches
    # per element and mispredicts on random signs (2.0 vs 0.22 ms for 512x1024 float32).
    # NumPy's half maximum gives +0.0 at -0.0, so half keeps np.where.
    if x.dtype == np.float16:
        return np.where(x < 0, x.dtype.type(0), x)
    return np.maximum(x.dtype.type(0), x)


# relu'(0) = 0, as PyTorch: the gradient is blocked where the result is <= 0 (NaN passes).
defvjp(_relu, lambda grad, result, x: _relu_backward(grad, result))


# relu's backward as one op (PyTorch's threshold_backward), as tanh's: one branch-free select
# instead of a comparison and a where on the backward pass.
@primitive("ThresholdBackwardBackward0")
def _relu_backward_kernel(grad, result):
    return _select(result <= 0, grad.dtype.type(0), grad)


defvjp(
    _relu_backward_kernel,
    lambda gg, out, grad, result: _relu_backward(gg, result),
    lambda gg, out, grad, result: None,  # the result only says where the gradient passes: none flows to it
)


def _relu_backward(grad: Tensor, result: Tensor) -> Tensor:
    return record(_relu_backward_kernel, _relu_backward_kernel.kernel(grad._data, result._data), (grad, result), None)


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)`` elementwise."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return record(_relu, _relu.kernel(input._data), (input,), None)


@primitive("AbsBackward0")
def _abs(x):
    return _nd(np.abs(x))


# abs'(0) = 0, as PyTorch (sign(0) is 0).
defvjp(_abs, lambda grad, result, x: grad * sign(x))


def abs(input: Tensor) -> Tensor:
    """Absolute value elementwise."""
    if input._data.dtype.kind == "b":
        raise _not_implemented_for_bool("abs_cpu")
    return record(_abs, _abs.kernel(input._data), (input,), None)


absolute = abs


@primitive("SignBackward0", save_inputs=False)
def _sign(x):
    return _nd(np.subtract(x > 0, x < 0, dtype=x.dtype))  # sign(NaN) is 0 in PyTorch


defvjp(_sign, lambda grad, result, x: zeros_like(grad))


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element."""
    if input._data.dtype.kind == "b":
        return input.clone()
    return record(_sign, _sign.kernel(input._data), (input,), None)


@primitive("TruncBackward0", save_inputs=False)
def _trunc(x):
    return _nd(np.trunc(x))


defvjp(_trunc, lambda grad, result, x: zeros_like(grad))


def trunc(input: Tensor) -> Tensor:
    """Round toward zero elementwise."""
    kind = input._data.dtype.kind
    if kind == "b":
        raise _not_implemented_for_bool("trunc_vml_cpu")
    if kind in "iu":
        return input.clone()
    return record(_trunc, _trunc.kernel(input._data), (input,), None)


# -- clamp and where ---------------------------------------------------------------------------
# At a bound the gradient goes to the input, as in PyTorch: it passes where min <= x <= max.


@primitive("ClampBackward1")
def _clamp(x, *, min, max):
    return _nd(np.clip(x, min, max))


def _clamp_vjp(grad, result, x, *, min, max):
    if min is None:
        return where(x <= max, grad, 0.0)
    if max is None:
        return where(x >= min, grad, 0.0)
    return where((x >= min) & (x <= max), grad, 0.0)


defvjp(_clamp, _clamp_vjp)


@primitive("ClampMinBackward0")
def _clamp_min(x, *, min):
    return _nd(np.maximum(x, min))


defvjp(_clamp_min, lambda grad, result, x, *, min: where(x >= min, grad, 0.0))


@primitive("ClampMaxBackward0")
def _clamp_max(x, *, max):
    return _nd(np.minimum(x, max))


defvjp(_clamp_max, lambda grad, result, x, *, max: where(x <= max, grad, 0.0))


@primitive("ClampBackward0")
def _clamp_tensor(x, lo, hi):
    out = x if lo is None else np.maximum(x, lo)
    return _nd(out if hi is None else np.minimum(out, hi))


# With both bounds and min > max the result is max: then max gets the gradient (PyTorch's rule).
def _clamp_tensor_vjp_input(grad, result, x, lo, hi):
    if lo is None:
        return where(x <= hi, grad, 0.0)
    if hi is None:
        return where(x >= lo, grad, 0.0)
    return where((x >= lo) & (x <= hi), grad, 0.0)


def _clamp_tensor_vjp_min(grad, result, x, lo, hi):
    if hi is None:
        return where(x < lo, grad, 0.0)
    return where((x < lo) & (lo < hi), grad, 0.0)


def _clamp_tensor_vjp_max(grad, result, x, lo, hi):
    if lo is None:
        return where(x > hi, grad, 0.0)
    return where((x > hi) | (hi < lo), grad, 0.0)


defvjp(_clamp_tensor, _clamp_tensor_vjp_input, _clamp_tensor_vjp_min, _clamp_tensor_vjp_max)


@primitive("ClampMinBackward1")
def _clamp_min_tensor(x, lo):
    return _nd(np.maximum(x, lo))


defvjp(
    _clamp_min_tensor,
    lambda grad, result, x, lo: where(x >= lo, grad, 0.0),
    lambda grad, result, x, lo: where(x < lo, grad, 0.0),
)


@primitive("ClampMaxBackward1")
def _clamp_max_tensor(x, hi):
    return _nd(np.minimum(x, hi))


defvjp(
    _clamp_max_tensor,
    lambda grad, result, x, hi: where(x <= hi, grad, 0.0),
    lambda grad, result, x, hi: where(x > hi, grad, 0.0),
)


def _clamp_operands(input: Tensor, bounds: tuple) -> list:
    """The arrays of ``input`` and its bounds (None stays None) cast to the result dtype."""
    present = [b for b in bounds if b is not None]
    rt = _dtype.result_type(input, *present)
    out = []
    for v in (input,) + bounds:
        if v is None:
            out.append(None)
        elif isinstance(v, Tensor):
            d = v._data
            out.append(d if d.dtype == rt.np else d.astype(rt.np))
        else:
            out.append(_cast_scalar(v, rt))
    return out


def _cast_scalar(v, rt):
    if rt.category == _dtype.INT:
        return int(v) if not isinstance(v, float) else v
    return float(v) if rt.category == _dtype.FLOAT and not isinstance(v, builtins.complex) else v


def _clamp_with(prim, input: Tensor, bounds: tuple, params: dict | None) -> Tensor:
    arrays = _clamp_operands(input, bounds)
    if params is not None:  # scalar bounds: parameters, not inputs
        params = dict(zip(params, arrays[1:], strict=True))
        return record(prim, prim.kernel(arrays[0], **params), (input,), params)
    try:
        out = prim.kernel(*arrays)
    except ValueError:
        raise broadcast_error(*(_shape(v) for v in (input,) + bounds if v is not None)) from None
    return record(prim, out, (input,) + bounds, None)


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit ``input`` to ``[min, max]``; the bounds are both numbers or both tensors.

    >>> chainrule.clamp(chainrule.tensor([-2.0, 0.5, 2.0]), min=-1, max=1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensors = [isinstance(b, Tensor) for b in (min, max) if b is not None]
    if builtins.any(tensors):
        if not builtins.all(tensors):
            raise TypeError(
                "clamp() received an invalid combination of arguments: the bounds must be both numbers "
                "or both tensors"
            )
        return _clamp_with(_clamp_tensor, input, (min, max), None)
    return _clamp_with(_clamp, input, (min, max), ("min", "max"))


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    """``max(input, min)`` elementwise (``min`` a number or a tensor)."""
    if isinstance(min, Tensor):
        return _clamp_with(_clamp_min_tensor, input, (min,), None)
    return _clamp_with(_clamp_min, input, (min,), ("min",))


def clamp_max(input: Tensor, max) -> Tensor:
    """``min(input, max)`` elementwise (``max`` a number or a tensor)."""
    if isinstance(max, Tensor):
        return _clamp_with(_clamp_max_tensor, input, (max,), None)
    return _clamp_with(_clamp_max, input, (max,), ("max",))


_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def _select(c: np.ndarray, a, b) -> np.ndarray:
    """``np.where(c, a, b)``, bit for bit; for large floating results as a branch-free bit
    select (np.where branches per element and mispredicts on a random mask, such as relu's
    backward: 2.0 vs 0.22 ms for 512x1024 float32)."""
    dt = np.result_type(a, b)
    if dt.kind != "f" or c.size < 4096 or np.broadcast_shapes(c.shape, np.shape(a), np.shape(b)) != c.shape:
        return np.where(c, a, b)
    it = _SAME_SIZE_INT[dt.itemsize]
    keep = c.astype(it)
    np.negative(keep, out=keep)  # all bits set where c holds
    out = np.bitwise_and(np.asarray(a, dt).view(it), keep)
    np.invert(keep, out=keep)
    np.bitwise_and(np.asarray(b, dt).view(it), keep, out=keep)
    np.bitwise_or(out, keep, out=out)  # two arrays of the result's size at most, as np.where's
    return out.view(dt)


@primitive("WhereBackward0")
def _where(condition, x, y):
    return _select(condition, x, y)


defvjp(
    _where,
    None,
    lambda grad, result, c, x, y: where(c, grad, 0.0),
    lambda grad, result, c, x, y: where(c, 0.0, grad),
)


def where(condition: Tensor, input=None, other=None):
    """Pick ``input`` where ``condition`` holds and ``other`` elsewhere (numbers allowed)."""
    if input is None and other is None:
        from .movement import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(
            f"where(): argument 'condition' (position 1) must be Tensor, not {type(condition).__name__}"
        )
    if condition._data.dtype.kind != "b":
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{_dtype_word(condition._data.dtype)}"
        )
    if is_scalar(input) and is_scalar(other):
        input = as_tensor_arg(input)
    a, b, rt = promote_operands(input, other)
    try:
        out = _select(condition._data, a, b)
    except ValueError:
        raise broadcast_error(condition._data.shape, _shape(input), _shape(other)) from None
    return record(_where, out, (condition, input, other), None)


# -- comparisons and logic (never differentiable: their results are bool) ----------------------


def _values(fn, operands: tuple, arrays: tuple) -> Tensor:
    """A result computed outside the primitives (bool or integer: no gradient), ``fn(*arrays)``.
    Under vmap, ``fn`` runs on the whole batch (Note [How vmap works] in func/_vmap.py)."""
    if _registry._transform is not None:
        from ..func._vmap import values_op

        out = values_op(fn, operands, arrays)
        if out is not None:
            return out
    return Tensor._make(_nd(fn(*arrays)))


def _compare(ufunc, name: str, input, other) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}): argument 'input' must be a Tensor"
        )
    a, b, _ = promote_operands(input, other)
    if name in ("lt", "le", "gt", "ge") and np.result_type(a, b).kind == "c":
        word = _dtype_word(np.result_type(a, b))
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{word}'")
    try:
        return _values(ufunc, (input, other), (a, b))
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None


def eq(input, other) -> Tensor:
    """``input == other`` elementwise (a bool tensor)."""
    return _compare(np.equal, "eq", input, other)


def ne(input, other) -> Tensor:
    """``input != other`` elementwise."""
    return _compare(np.not_equal, "ne", input, other)


def lt(input, other) -> Tensor:
    """``input < other`` elementwise."""
    return _compare(np.less, "lt", input, other)


def le(input, other) -> Tensor:
    """``input <= other`` elementwise."""
    return _compare(np.less_equal, "le", input, other)


def gt(input, other) -> Tensor:
    """``input > other`` elementwise."""
    return _compare(np.greater, "gt", input, other)


def ge(input, other) -> Tensor:
    """``input >= other`` elementwise."""
    return _compare(np.greater_equal, "ge", input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(ufunc, name: str, input, other) -> Tensor:
    a, b, _ = promote_operands(input, other)
    dt = np.result_type(a, b)
    if dt.kind not in "iub":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype_word(dt)}'")
    try:
        return _values(ufunc, (input, other), (a, b))
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None


def bitwise_and(input, other) -> Tensor:
    """Bitwise (logical for bool) AND."""
    return _bitwise(np.bitwise_and, "bitwise_and", input, other)


def bitwise_or(input, other) -> Tensor:
    """Bitwise (logical for bool) OR."""
    return _bitwise(np.bitwise_or, "bitwise_or", input, other)


def bitwise_xor(input, other) -> Tensor:
    """Bitwise (logical for bool) XOR."""
    return _bitwise(np.bitwise_xor, "bitwise_xor", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """Bitwise NOT (logical NOT for bool)."""
    dt = input._data.dtype
    if dt.kind not in "iub":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{_dtype_word(dt)}'")
    return _values(np.invert, (input,), (input._data,))


def _logical(ufunc, name: str, input: Tensor, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    try:
        return _values(ufunc, (input, other), (input._data, other._data))
    except ValueError:
        raise broadcast_error(input._data.shape, other._data.shape) from None


def logical_not(input: Tensor) -> Tensor:
    """``True`` where ``input`` is zero."""
    return _values(np.logical_not, (input,), (input._data,))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical AND of the truth values."""
    return _logical(np.logical_and, "logical_and", input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical OR of the truth values."""
    return _logical(np.logical_or, "logical_or", input, other)


def isnan(input: Tensor) -> Tensor:
    """``True`` where ``input`` is NaN."""
    return _values(np.isnan, (input,), (input._data,))


def isinf(input: Tensor) -> Tensor:
    """``True`` where ``input`` is infinite."""
    return _values(np.isinf, (input,), (input._data,))


def isfinite(input: Tensor) -> Tensor:
    """``True`` where ``input`` is finite."""
    return _values(np.isfinite, (input,), (input._data,))


# -- copies and casts --------------------------------------------------------------------------


@primitive("CloneBackward0", save_inputs=False)
def _clone(x):
    return np.array(x, copy=True)


defvjp(_clone, lambda grad, result, x: grad)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that stays in the graph."""
    return record(_clone, np.array(input._data, copy=True), (input,), None)


@primitive("ToCopyBackward0", save_inputs=False)
def _to_dtype(x, *, dtype):
    return x.astype(dtype.np)


# The engine casts every gradient to its input's dtype, so the rule is the identity.
defvjp(_to_dtype, lambda grad, result, x, *, dtype: grad)


def to_dtype(input: Tensor, dtype) -> Tensor:
    """``input`` converted to ``dtype`` (differentiable between float dtypes)."""
    return record(_to_dtype, input._data.astype(dtype.np), (input,), {"dtype": dtype})


# -- *_like helpers used by rules ----------------------------------------------------------------


def zeros_like(input: Tensor, *, dtype=None) -> Tensor:
    from .._creation import zeros_like as _zl

    return _zl(input, dtype=dtype)


def ones_like(input, *, dtype=None) -> Tensor:
    from .._creation import ones_like as _ol

    return _ol(input, dtype=dtype)


# -- in-place forms ----------------------------------------------------------------------------


def add_(self: Tensor, other, *, alpha=1) -> Tensor:
    """In-place ``self += alpha * other``."""
    if _fast_inplace(self, other):
        if alpha != 1 or alpha.__class__ is bool:
            other = _scaled(self, other, alpha)
        o = other._data if isinstance(other, Tensor) else other
        try:
            np.add(self._data, o, out=self._data, casting="unsafe")
        except ValueError:
            raise _write_error(self, other) from None
        return _bumped(self, "add_")
    return apply_inplace(self, "add_", lambda s: add(s, other, alpha=alpha), (other,))


def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    """In-place ``self -= alpha * other``."""
    return apply_inplace(self, "sub_", lambda s: sub(s, other, alpha=alpha), (other,))


def mul_(self: Tensor, other) -> Tensor:
    """In-place ``self *= other``."""
    if _fast_inplace(self, other):
        o = other._data if isinstance(other, Tensor) else other
        try:
            np.multiply(self._data, o, out=self._data, casting="unsafe")
        except ValueError:
            raise _write_error(self, other) from None
        return _bumped(self, "mul_")
    return apply_inplace(self, "mul_", lambda s: mul(s, other), (other,))


def div_(self: Tensor, other, *, rounding_mode=None) -> Tensor:
    """In-place ``self /= other``."""
    return apply_inplace(self, "div_", lambda s: div(s, other, rounding_mode=rounding_mode), (other,))


def floor_divide_(self: Tensor, other) -> Tensor:
    """In-place ``self //= other``."""
    return apply_inplace(
        self, "floor_divide_", lambda s: floor_divide(s, other, _prim=_floor_divide_inplace), (other,)
    )


def remainder_(self: Tensor, other) -> Tensor:
    """In-place ``self %= other``."""
    return apply_inplace(self, "remainder_", lambda s: remainder(s, other), (other,))


def pow_(self: Tensor, exponent) -> Tensor:
    """In-place ``self **= exponent``."""
    return apply_inplace(self, "pow_", lambda s: pow(s, exponent), (exponent,))


def neg_(self: Tensor) -> Tensor:
    """In-place negation."""
    return apply_inplace(self, "neg_", neg)


def exp_(self: Tensor) -> Tensor:
    """In-place ``exp``."""
    return apply_inplace(self, "exp_", exp)


def log_(self: Tensor) -> Tensor:
    """In-place ``log``."""
    return apply_inplace(self, "log_", log)


def sqrt_(self: Tensor) -> Tensor:
    """In-place ``sqrt``."""
    return apply_inplace(self, "sqrt_", sqrt)


def sin_(self: Tensor) -> Tensor:
    """In-place ``sin``."""
    return apply_inplace(self, "sin_", sin)


def cos_(self: Tensor) -> Tensor:
    """In-place ``cos``."""
    return apply_inplace(self, "cos_", cos)


def tanh_(self: Tensor) -> Tensor:
    """In-place ``tanh``."""
    return apply_inplace(self, "tanh_", tanh)


def sigmoid_(self: Tensor) -> Tensor:
    """In-place ``sigmoid``."""
    return apply_inplace(self, "sigmoid_", sigmoid)


def relu_(self: Tensor) -> Tensor:
    """In-place ``relu``."""
    return apply_inplace(self, "relu_", relu)


def abs_(self: Tensor) -> Tensor:
    """In-place ``abs``."""
    return apply_inplace(self, "abs_", abs)


def clamp_(self: Tensor, min=None, max=None) -> Tensor:
    """In-place ``clamp``."""
    return apply_inplace(self, "clamp_", lambda s: clamp(s, min, max), (min, max))


clip_ = clamp_


@primitive("ZeroBackward0", save_inputs=False)
def _zero(x):
    return np.zeros_like(x)


defvjp(_zero, lambda grad, result, x: zeros_like(grad))


@primitive("FillBackward2", save_inputs=False)
def _fill(x, *, value):
    return np.full_like(x, value)


defvjp(_fill, lambda grad, result, x, *, value: zeros_like(grad))


@primitive("FillBackward3", save_inputs=False)
def _fill_tensor(x, value):
    return np.full_like(x, value)


def _fill_tensor_vjp_value(grad, result, x, value):
    from .reduction import sum

    return sum(grad)


defvjp(_fill_tensor, lambda grad, result, x, value: zeros_like(grad), _fill_tensor_vjp_value)


@primitive("CopyBackwards", save_inputs=False)
def _copy(x, src):
    return np.array(np.broadcast_to(src, x.shape), dtype=x.dtype)


# The engine sums the gradient to src's shape and casts it to src's dtype.
defvjp(_copy, lambda grad, result, x, src: zeros_like(grad), lambda grad, result, x, src: grad)


def _recording(self: Tensor, other=None) -> bool:
    from ..autograd.grad_mode import GRAD_ENABLED
    if _registry._transform is not None:
        return True  # under vmap, writes go through apply_inplace (Note [How vmap works])
    return GRAD_ENABLED.get() and (
        self._requires_grad
        or (isinstance(other, Tensor) and other._requires_grad)
        or (self._extra is not None and self._extra.base is not None)  # a view: Note [Views] in movement.py
    )


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place."""
    if not _recording(self):
        _check_writable(self)
        self._data[...] = 0
        return _bumped(self, "zero_")
    return apply_inplace(self, "zero_", lambda s: record(_zero, _zero.kernel(s._data), (s,), None))


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` in place (a number, cast to ``self``'s dtype, or a 0-d tensor,
    which stays differentiable)."""
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
        )
    if not _recording(self, value):
        _check_writable(self)
        self._data[...] = value._data if isinstance(value, Tensor) else value
        return _bumped(self, "fill_")
    if isinstance(value, Tensor):
        return apply_inplace(
            self, "fill_", lambda s: record(_fill_tensor, _fill_tensor.kernel(s._data, value._data), (s, value), None),
            (value,),
        )
    return apply_inplace(
        self, "fill_", lambda s: record(_fill, _fill.kernel(s._data, value=value), (s,), {"value": value})
    )


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast to ``self``'s shape, cast to its dtype) into ``self`` in place."""
    src = as_tensor_arg(src, "src")
    if not _broadcastable(src._data.shape, self._data.shape):
        from .movement import expand_error

        raise expand_error(src._data.shape, self._data.shape)
    if not _recording(self, src):
        _check_writable(self)
        np.copyto(self._data, src._data, casting="unsafe")
        return _bumped(self, "copy_")
    return apply_inplace(self, "copy_", lambda s: record(_copy, _copy.kernel(s._data, src._data), (s, src), None), (src,))


def _check_writable(self: Tensor) -> None:
    from ._common import check_inplace

    check_inplace(self)
    if not self._data.flags.writeable:
        raise _write_error(self)


def _write_error(self: Tensor, other=None) -> RuntimeError:
    """Why an in-place write into ``self`` failed: a read-only or expanded array, or shapes."""
    d = self._data
    if d.flags.writeable:
        return broadcast_error(d.shape, _shape(other))
    if 0 in d.strides and d.size > 1:
        return RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )
    return RuntimeError("cannot write into a read-only tensor (it shares memory with a read-only array)")


def _fast_inplace(self: Tensor, other) -> bool:
    """True when an in-place op needs no graph: nothing involved requires grad, or grad is off."""
    from ..autograd.grad_mode import GRAD_ENABLED
    if _registry._transform is not None:
        return False  # under vmap, writes go through apply_inplace (Note [How vmap works])
    if not GRAD_ENABLED.get():
        return _castable(self, other)
    if self._requires_grad or (isinstance(other, Tensor) and other._requires_grad):
        return False
    if self._extra is not None and self._extra.base is not None:
        return False  # a view: its base may have gained a history since (Note [Views] in movement.py)
    return _castable(self, other)


def _castable(self: Tensor, other) -> bool:
    if isinstance(other, Tensor):
        return _dtype.can_cast(other.dtype, self.dtype) and _broadcastable(other._data.shape, self._data.shape)
    if isinstance(other, bool) or self._data.dtype.kind in "fc":
        return True
    if isinstance(other, int):
        return self._data.dtype.kind in "iu"
    return False


def _broadcastable(src: tuple, dst: tuple) -> bool:
    if len(src) > len(dst):
        return False
    return builtins.all(s == 1 or s == d for s, d in zip(src[::-1], dst[::-1], strict=False))


def _bumped(self: Tensor, op_name: str) -> Tensor:
    from ..autograd import _inplace

    _inplace.bump(self._vc, op_name)
    return self


# -- more elementwise ops ----------------------------------------------------------------------
# (Unary math, binary math and logic beyond the core set; their names are added to __all__ here.)

import math as _math  # noqa: E402

__all__ += [
    "reciprocal", "reciprocal_", "sgn", "sgn_", "exp2", "exp2_", "expm1", "expm1_", "log2", "log2_", "log10",
    "log10_", "log1p", "log1p_", "rsqrt", "rsqrt_", "square", "square_", "tan", "tan_", "asin", "asin_", "acos",
    "acos_", "atan", "atan_", "sinh", "sinh_", "cosh", "cosh_", "asinh", "asinh_", "acosh", "acosh_", "atanh",
    "atanh_", "arcsin", "arcsin_", "arccos", "arccos_", "arctan", "arctan_", "arcsinh", "arcsinh_", "arccosh",
    "arccosh_", "arctanh", "arctanh_", "logit", "logit_", "erf", "erf_", "erfc", "erfc_", "erfinv", "erfinv_",
    "lgamma", "lgamma_", "digamma", "digamma_", "polygamma", "polygamma_", "floor", "floor_", "ceil", "ceil_",
    "round", "round_", "frac", "frac_", "nan_to_num", "nan_to_num_", "deg2rad", "deg2rad_", "rad2deg", "rad2deg_",
    "true_divide_", "atan2", "atan2_", "arctan2", "arctan2_", "maximum", "minimum", "fmax", "fmin", "hypot",
    "hypot_", "logaddexp", "logaddexp2", "xlogy", "xlogy_", "copysign", "copysign_", "lerp", "lerp_", "addcmul",
    "addcmul_", "addcdiv", "addcdiv_", "fmod", "fmod_", "float_power", "float_power_", "isclose", "allclose",
    "equal", "logical_xor", "logical_xor_", "bitwise_left_shift", "bitwise_left_shift_", "bitwise_right_shift",
    "bitwise_right_shift_", "isposinf", "isneginf", "isreal", "signbit",
]

_LN2 = _math.log(2.0)
_LN10 = _math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / _math.sqrt(_math.pi)


def _inplace_form(op, name: str):
    """The in-place form ``name`` of ``op``: ``op(self, *args)`` written back into ``self``."""

    def inplace(self: Tensor, *args, **kwargs) -> Tensor:
        return apply_inplace(self, name, lambda s: op(s, *args, **kwargs), args + tuple(kwargs.values()))

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"In-place ``{op.__name__}``."
    return inplace


def _float64_kernel(fn, x: np.ndarray) -> np.ndarray:
    """``fn`` evaluated in float64 (special functions built on ``math``), cast back to ``x``'s dtype."""
    out = np.asarray(fn(np.asarray(x, dtype=np.float64)), dtype=np.float64)
    return _nd(out.astype(x.dtype, copy=False))


def _not_implemented_for(kernel_name: str, np_dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel_name}\" not implemented for '{_dtype_word(np.dtype(np_dtype))}'")


def _require_tensor(x, name: str, arg: str, position: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


# -- more unary math ---------------------------------------------------------------------------


def reciprocal_(self: Tensor) -> Tensor:
    """In-place ``reciprocal``."""
    return apply_inplace(self, "reciprocal_", reciprocal)


# sgn is sign extended to complex numbers (z / |z|); for real inputs it is sign, with its
# own node, whose gradient is zero.
@primitive("SgnBackward0", save_inputs=False)
def _sgn(x):
    return _sign.kernel(x)


defvjp(_sgn, lambda grad, result, x: zeros_like(grad))


def sgn(input: Tensor) -> Tensor:
    """The sign of each element (``z / |z|`` for complex numbers)."""
    _require_tensor(input, "sgn", "input", 1)
    if input._data.dtype.kind == "b":
        return input.clone()
    return record(_sgn, _sgn.kernel(input._data), (input,), None)


@primitive("Exp2Backward0", save_inputs=False, save_result=True)
def _exp2(x):
    return _nd(np.exp2(x))


defvjp(_exp2, lambda grad, result, x: grad * (result * _LN2))


def exp2(input: Tensor) -> Tensor:
    """``2 ** input`` elementwise."""
    return _unary_float(_exp2, input)


@primitive("Expm1Backward0", save_inputs=False, save_result=True)
def _expm1(x):
    return _nd(np.expm1(x))


defvjp(_expm1, lambda grad, result, x: grad * (result + 1))


def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate near 0."""
    return _unary_float(_expm1, input)


@primitive("Log2Backward0")
def _log2(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.log2(x))


defvjp(_log2, lambda grad, result, x: grad / (x * _LN2))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm elementwise."""
    return _unary_float(_log2, input)


@primitive("Log10Backward0")
def _log10(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.log10(x))


defvjp(_log10, lambda grad, result, x: grad / (x * _LN10))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm elementwise."""
    return _unary_float(_log10, input)


@primitive("Log1PBackward0")
def _log1p(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.log1p(x))


defvjp(_log1p, lambda grad, result, x: grad / (x + 1))


def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate near 0."""
    return _unary_float(_log1p, input)


@primitive("RsqrtBackward0", save_inputs=False, save_result=True)
def _rsqrt(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.reciprocal(np.sqrt(x)))


defvjp(_rsqrt, lambda grad, result, x: grad * (-0.5 * result * result * result))


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)`` elementwise."""
    return _unary_float(_rsqrt, input)


def square(input: Tensor) -> Tensor:
    """``input * input`` (PyTorch's ``pow(input, 2)``: bool becomes int64)."""
    _require_tensor(input, "square", "input", 1)
    if input._data.dtype.kind == "b":
        input = to_dtype(input, _dtype.int64)
    return pow(input, 2)


@primitive("TanBackward0", save_inputs=False, save_result=True)
def _tan(x):
    return _nd(np.tan(x))


defvjp(_tan, lambda grad, result, x: grad * (1 + result * result))


def tan(input: Tensor) -> Tensor:
    """Tangent elementwise."""
    return _unary_float(_tan, input)


@primitive("AsinBackward0")
def _asin(x):
    with np.errstate(invalid="ignore"):
        return _nd(np.arcsin(x))


defvjp(_asin, lambda grad, result, x: grad * rsqrt(1 - x * x))


def asin(input: Tensor) -> Tensor:
    """Inverse sine elementwise (``nan`` outside [-1, 1])."""
    return _unary_float(_asin, input)


@primitive("AcosBackward0")
def _acos(x):
    with np.errstate(invalid="ignore"):
        return _nd(np.arccos(x))


defvjp(_acos, lambda grad, result, x: -grad * rsqrt(1 - x * x))


def acos(input: Tensor) -> Tensor:
    """Inverse cosine elementwise (``nan`` outside [-1, 1])."""
    return _unary_float(_acos, input)


@primitive("AtanBackward0")
def _atan(x):
    return _nd(np.arctan(x))


defvjp(_atan, lambda grad, result, x: grad / (x * x + 1))


def atan(input: Tensor) -> Tensor:
    """Inverse tangent elementwise."""
    return _unary_float(_atan, input)


@primitive("SinhBackward0")
def _sinh(x):
    with np.errstate(over="ignore"):
        return _nd(np.sinh(x))


defvjp(_sinh, lambda grad, result, x: grad * cosh(x))


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine elementwise."""
    return _unary_float(_sinh, input)


@primitive("CoshBackward0")
def _cosh(x):
    with np.errstate(over="ignore"):
        return _nd(np.cosh(x))


defvjp(_cosh, lambda grad, result, x: grad * sinh(x))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine elementwise."""
    return _unary_float(_cosh, input)


@primitive("AsinhBackward0")
def _asinh(x):
    return _nd(np.arcsinh(x))


defvjp(_asinh, lambda grad, result, x: grad * rsqrt(x * x + 1))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine elementwise."""
    return _unary_float(_asinh, input)


@primitive("AcoshBackward0")
def _acosh(x):
    with np.errstate(invalid="ignore"):
        return _nd(np.arccosh(x))


defvjp(_acosh, lambda grad, result, x: grad * rsqrt(x * x - 1))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine elementwise (``nan`` below 1)."""
    return _unary_float(_acosh, input)


@primitive("AtanhBackward0")
def _atanh(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.arctanh(x))


defvjp(_atanh, lambda grad, result, x: grad / (1 - x * x))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent elementwise (``nan`` outside [-1, 1])."""
    return _unary_float(_atanh, input)


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


@primitive("LogitBackward0")
def _logit(x, *, eps):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.log(x / (1 - x)))


# Without eps the derivative is NaN outside [0, 1]; with eps it is 0 outside [eps, 1 - eps]
# (the clamp), and the bounds themselves keep the smooth derivative, as PyTorch.
def _logit_vjp(grad, result, x, *, eps):
    d = grad / (x * (1 - x))
    if eps is None:
        return where((x < 0) | (x > 1), float("nan"), d)
    return where((x < eps) | (x > 1 - eps), 0.0, d)


defvjp(_logit, _logit_vjp)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))`` elementwise, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    _require_tensor(input, "logit", "input", 1)
    d = input._data
    if d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    params = {"eps": None if eps is None else float(eps)}
    return record(_logit, _logit.kernel(d, **params), (input,), params)


# -- special functions (NumPy has none; built on math's float64 ones) ---------------------------

_erf_py = np.frompyfunc(_math.erf, 1, 1)
_erfc_py = np.frompyfunc(_math.erfc, 1, 1)


def _lgamma_scalar(v: float) -> float:
    try:
        return _math.lgamma(v)
    except ValueError:  # a pole (0 or a negative integer): PyTorch gives +inf
        return _math.inf


_lgamma_py = np.frompyfunc(_lgamma_scalar, 1, 1)


def _erf64(x):
    return np.asarray(_erf_py(x), dtype=np.float64)


def _erfc64(x):
    return np.asarray(_erfc_py(x), dtype=np.float64)


def _erfinv64(y):
    """Inverse error function: Winitzki's closed-form guess (relative error below 2e-3), then
    two Halley steps (cubic convergence) on erf, or on erfc in the tails, where 1 - |y| is
    exact and erf has no digits left."""
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = a < 1
        ac = np.where(inside, a, 0.0)
        ln = np.log1p(-ac * ac)
        t = 2.0 / (_math.pi * 0.147) + ln / 2
        x = np.sqrt(np.sqrt(t * t - ln / 0.147) - t)
        tail = ac > 0.5
        f = np.empty_like(x)
        for _ in range(2):
            f[~tail] = _erf64(x[~tail]) - ac[~tail]
            f[tail] = (1 - ac[tail]) - _erfc64(x[tail])
            step = f / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
            x = x - step / (1 + x * step)
        x = np.where(inside, x, np.where(a == 1, np.inf, np.nan))
    return np.copysign(x, y)


# Bernoulli numbers B2, B4, ..., B14 for the asymptotic series of digamma and polygamma.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _digamma64(x):
    """psi(x): reflection below 0, the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10,
    then the asymptotic series."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        neg = x < 0
        z = np.where(neg, 1 - x, x)
        z = np.where(np.isfinite(z), z, 10.0)
        acc = np.zeros_like(z)
        small = (z < 10) & (z > 0)
        while small.any():
            acc -= np.where(small, 1 / np.where(small, z, 1.0), 0.0)
            z = np.where(small, z + 1, z)
            small = z < 10
        inv2 = 1 / (z * z)
        series = 0.0
        for k in range(len(_BERNOULLI) - 1, -1, -1):
            series = series * inv2 + _BERNOULLI[k] / (2 * (k + 1))
        out = np.log(z) - 0.5 / z - series * inv2 + acc
        # psi(x) = psi(1 - x) - pi / tan(pi x); tan has period 1, so reduce x first.
        frac = x - np.floor(x)
        out = np.where(neg, out - _math.pi / np.tan(_math.pi * frac), out)
        out = np.where(neg & (frac == 0), np.nan, out)
        out = np.where(x == 0, np.copysign(np.inf, -x), out)  # psi(+-0) = -+inf, as PyTorch
        out = np.where(np.isposinf(x), np.inf, out)
        out = np.where(np.isneginf(x) | np.isnan(x), np.nan, out)
    return out


def _hurwitz_zeta(s: int, a):
    """zeta(s, a) = sum over k >= 0 of (a + k)^-s, for s >= 2 and finite a > 0: the terms up
    to a + k >= 10 + s, then the Euler-Maclaurin tail."""
    bound = 10.0 + s
    z = np.array(a, dtype=np.float64)
    acc = np.zeros_like(z)
    small = z < bound
    while small.any():
        acc += np.where(small, 1 / np.where(small, z, 1.0) ** s, 0.0)
        z = np.where(small, z + 1, z)
        small = z < bound
    # z^(1-s)/(s-1) + z^-s/2 + sum_k B2k s(s+1)...(s+2k-2) / (2k)! z^(-s-2k+1)
    tail = z ** (1 - s) / (s - 1) + z ** (-s) / 2
    for k, b in enumerate(_BERNOULLI, start=1):
        rising = _math.factorial(s + 2 * k - 2) / _math.factorial(s - 1)
        tail = tail + b * rising / _math.factorial(2 * k) * z ** (-s - 2 * k + 1)
    return acc + tail


def _polygamma64(n: int, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1."""
    x = np.asarray(x, dtype=np.float64)
    s = n + 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        finite = np.isfinite(x)
        neg = finite & (x < 0)
        pos = np.where(finite & ~neg, x, 1.0)
        if n == 1:
            # Trigamma below 0 by reflection, psi_1(x) = pi^2 / sin^2(pi x) - psi_1(1 - x), as
            # PyTorch (which is why it gives huge finite values, not inf, at the negative integers).
            zeta = _hurwitz_zeta(s, np.where(neg, 1 - x, pos))
            out = np.where(neg, (_math.pi / np.sin(_math.pi * x)) ** 2 - zeta, zeta)
        else:
            # x = -M + r with 0 <= r < 1: the terms with x + k < 0 are (-1)^s / (j - r)^s, j = 1..M.
            m = np.where(neg, np.floor(-x) + 1, 0.0)
            r = np.where(neg, x + m, pos)
            zeta = _hurwitz_zeta(s, r)
            back = _hurwitz_zeta(s, np.where(neg, 1 - r, 1.0)) - _hurwitz_zeta(s, np.where(neg, m + 1 - r, 1.0))
            zeta = np.where(neg, zeta + (-1.0) ** s * back, zeta)
            sign = 1.0 if n % 2 == 1 else -1.0
            out = sign * _math.factorial(n) * zeta
            # The poles (0, -0.0, the negative integers, and -inf) are (-1)^(n+1) inf, as PyTorch.
            out = np.where((x <= 0) & (x == np.floor(x)), sign * np.inf, out)
        # At +inf PyTorch gives 0 (n = 1) or NaN (n >= 2); at -inf trigamma is NaN.
        out = np.where(np.isposinf(x), 0.0 if n == 1 else np.nan, out)
        if n == 1:
            out = np.where(np.isneginf(x), np.nan, out)
        out = np.where(np.isnan(x), np.nan, out)
    return out


@primitive("ErfBackward0")
def _erf(x):
    return _float64_kernel(_erf64, x)


defvjp(_erf, lambda grad, result, x: grad * (_TWO_OVER_SQRT_PI * exp(-(x * x))))


def erf(input: Tensor) -> Tensor:
    """The error function elementwise."""
    return _unary_float(_erf, input)


@primitive("ErfcBackward0")
def _erfc(x):
    return _float64_kernel(_erfc64, x)


defvjp(_erfc, lambda grad, result, x: grad * (-_TWO_OVER_SQRT_PI * exp(-(x * x))))


def erfc(input: Tensor) -> Tensor:
    """``1 - erf(input)``, accurate where erf is close to 1."""
    return _unary_float(_erfc, input)


@primitive("ErfinvBackward0", save_inputs=False, save_result=True)
def _erfinv(x):
    return _float64_kernel(_erfinv64, x)


defvjp(_erfinv, lambda grad, result, x: grad * ((_math.sqrt(_math.pi) / 2) * exp(result * result)))


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function elementwise (``+-inf`` at ``+-1``, ``nan`` outside)."""
    return _unary_float(_erfinv, input)


@primitive("LgammaBackward0")
def _lgamma(x):
    return _float64_kernel(lambda v: _lgamma_py(v), x)


defvjp(_lgamma, lambda grad, result, x: grad * digamma(x))


def lgamma(input: Tensor) -> Tensor:
    """``log(|gamma(input)|)`` elementwise."""
    return _unary_float(_lgamma, input)


@primitive("DigammaBackward0")
def _digamma(x):
    return _float64_kernel(_digamma64, x)


defvjp(_digamma, lambda grad, result, x: grad * polygamma(1, x))


def digamma(input: Tensor) -> Tensor:
    """The logarithmic derivative of gamma, ``psi(input)``, elementwise."""
    return _unary_float(_digamma, input)


@primitive("PolygammaBackward0")
def _polygamma(x, *, n):
    return _float64_kernel(_digamma64 if n == 0 else (lambda v: _polygamma64(n, v)), x)


defvjp(_polygamma, lambda grad, result, x, *, n: grad * polygamma(n + 1, x))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of digamma elementwise (``n = 0`` is digamma)."""
    return _polygamma_with(_polygamma, n, input)


def _polygamma_with(prim, n: int, input: Tensor) -> Tensor:
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    _require_tensor(input, "polygamma", "input", 2)
    d = input._data
    if d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    return record(prim, prim.kernel(d, n=n), (input,), {"n": n})


# The in-place form has a node of its own in PyTorch.
@primitive("PolygammaBackward1")
def _polygamma_inplace(x, *, n):
    return _polygamma.kernel(x, n=n)


defvjp(_polygamma_inplace, lambda grad, result, x, *, n: grad * polygamma(n + 1, x))


def polygamma_(self: Tensor, n: int) -> Tensor:
    """In-place ``polygamma(n, self)``."""
    return apply_inplace(self, "polygamma_", lambda s: _polygamma_with(_polygamma_inplace, n, s))


# -- rounding (piecewise constant: zero gradient, as PyTorch) ------------------------------------


@primitive("FloorBackward0", save_inputs=False)
def _floor(x):
    return _nd(np.floor(x))


defvjp(_floor, lambda grad, result, x: zeros_like(grad))


@primitive("CeilBackward0", save_inputs=False)
def _ceil(x):
    return _nd(np.ceil(x))


defvjp(_ceil, lambda grad, result, x: zeros_like(grad))


@primitive("RoundBackward0", save_inputs=False)
def _round(x):
    return _nd(np.rint(x))  # halves to even, as PyTorch


defvjp(_round, lambda grad, result, x: zeros_like(grad))


@primitive("RoundBackward1", save_inputs=False)
def _round_decimals(x, *, decimals):
    # PyTorch's order of operations (scale, round, unscale in the tensor's dtype), so that
    # halfway cases land on the same side.
    # float16 computes in float32 (PyTorch's "opmath" type for half).
    work = np.float32 if x.dtype == np.float16 else x.dtype.type
    xw = x.astype(work, copy=False)
    scale = work(10.0 ** builtins.abs(decimals))
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.rint(xw * scale) / scale if decimals >= 0 else np.rint(xw / scale) * scale
    return _nd(out.astype(x.dtype, copy=False))


defvjp(_round_decimals, lambda grad, result, x, *, decimals: zeros_like(grad))


def _rounding(prim, name: str, input: Tensor, params=None) -> Tensor:
    _require_tensor(input, name, "input", 1)
    kind = input._data.dtype.kind
    if kind == "b":
        raise _not_implemented_for_bool(f"{name}_vml_cpu" if params is None else f"{name}_cpu")
    if kind in "iu":
        if params is not None:
            raise _not_implemented_for(f"{name}_cpu", input._data.dtype)
        return input.clone()
    if params is None:
        return record(prim, prim.kernel(input._data), (input,), None)
    return record(prim, prim.kernel(input._data, **params), (input,), params)


def floor(input: Tensor) -> Tensor:
    """Round down elementwise."""
    return _rounding(_floor, "floor", input)


def ceil(input: Tensor) -> Tensor:
    """Round up elementwise."""
    return _rounding(_ceil, "ceil", input)


def round(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """Round to the nearest integer (halves to even), or to ``decimals`` decimal places.

    >>> chainrule.round(chainrule.tensor([0.5, 1.5, 1.2345]), decimals=2)
    tensor([0.5000, 1.5000, 1.2300])
    """
    if decimals is None:
        return _rounding(_round, "round", input)
    return _rounding(_round_decimals, "round", input, {"decimals": int(decimals)})


@primitive("FracBackward0", save_inputs=False)
def _frac(x):
    with np.errstate(invalid="ignore"):
        return _nd(x - np.trunc(x))


defvjp(_frac, lambda grad, result, x: grad)


def frac(input: Tensor) -> Tensor:
    """The fractional part ``input - trunc(input)``, with ``input``'s sign."""
    _require_tensor(input, "frac", "input", 1)
    if input._data.dtype.kind not in "fc":
        raise _not_implemented_for("frac_cpu", input._data.dtype)
    return record(_frac, _frac.kernel(input._data), (input,), None)


@primitive("NanToNumBackward0")
def _nan_to_num(x, *, nan, posinf, neginf):
    return _nd(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf))


defvjp(_nan_to_num, lambda grad, result, x, *, nan, posinf, neginf: where(isfinite(x), grad, 0.0))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replace NaN, +inf and -inf by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    dtype's largest and lowest finite values)."""
    _require_tensor(input, "nan_to_num", "input", 1)
    if input._data.dtype.kind not in "fc":
        return input.clone()
    params = {"nan": nan, "posinf": posinf, "neginf": neginf}
    return record(_nan_to_num, _nan_to_num.kernel(input._data, **params), (input,), params)


@primitive("Deg2RadBackward0", save_inputs=False)
def _deg2rad(x):
    return _nd(x * x.dtype.type(_math.pi / 180))


defvjp(_deg2rad, lambda grad, result, x: grad * (_math.pi / 180))


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return _unary_float(_deg2rad, input)


@primitive("Rad2DegBackward0", save_inputs=False)
def _rad2deg(x):
    return _nd(x * x.dtype.type(180 / _math.pi))


defvjp(_rad2deg, lambda grad, result, x: grad * (180 / _math.pi))


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return _unary_float(_rad2deg, input)


sgn_ = _inplace_form(sgn, "sgn_")
exp2_ = _inplace_form(exp2, "exp2_")
expm1_ = _inplace_form(expm1, "expm1_")
log2_ = _inplace_form(log2, "log2_")
log10_ = _inplace_form(log10, "log10_")
log1p_ = _inplace_form(log1p, "log1p_")
rsqrt_ = _inplace_form(rsqrt, "rsqrt_")
square_ = _inplace_form(square, "square_")
tan_ = _inplace_form(tan, "tan_")
asin_ = arcsin_ = _inplace_form(asin, "asin_")
acos_ = arccos_ = _inplace_form(acos, "acos_")
atan_ = arctan_ = _inplace_form(atan, "atan_")
sinh_ = _inplace_form(sinh, "sinh_")
cosh_ = _inplace_form(cosh, "cosh_")
logit_ = _inplace_form(logit, "logit_")
erf_ = _inplace_form(erf, "erf_")
erfc_ = _inplace_form(erfc, "erfc_")
erfinv_ = _inplace_form(erfinv, "erfinv_")
lgamma_ = _inplace_form(lgamma, "lgamma_")
digamma_ = _inplace_form(digamma, "digamma_")
floor_ = _inplace_form(floor, "floor_")
ceil_ = _inplace_form(ceil, "ceil_")
round_ = _inplace_form(round, "round_")
frac_ = _inplace_form(frac, "frac_")
nan_to_num_ = _inplace_form(nan_to_num, "nan_to_num_")
deg2rad_ = _inplace_form(deg2rad, "deg2rad_")
rad2deg_ = _inplace_form(rad2deg, "rad2deg_")


# -- more binary math ------------------------------------------------------------------------------


# PyTorch has no derivative for the in-place inverse hyperbolic functions: their nodes
# raise when backward reaches them.
def _no_inplace_derivative(op_name: str):
    def rule(grad, result, x):
        raise NotImplementedError(f"the derivative for 'inplace version of {op_name}' is not implemented.")

    return rule


@primitive("AsinhBackward1", save_inputs=False)
def _asinh_inplace(x):
    return _asinh.kernel(x)


defvjp(_asinh_inplace, _no_inplace_derivative("asinh"))


@primitive("AcoshBackward1", save_inputs=False)
def _acosh_inplace(x):
    return _acosh.kernel(x)


defvjp(_acosh_inplace, _no_inplace_derivative("acosh"))


@primitive("AtanhBackward1", save_inputs=False)
def _atanh_inplace(x):
    return _atanh.kernel(x)


defvjp(_atanh_inplace, _no_inplace_derivative("atanh"))


def asinh_(self: Tensor) -> Tensor:
    """In-place ``asinh`` (not differentiable, as in PyTorch)."""
    return apply_inplace(self, "asinh_", lambda s: _unary_float(_asinh_inplace, s))


def acosh_(self: Tensor) -> Tensor:
    """In-place ``acosh`` (not differentiable, as in PyTorch)."""
    return apply_inplace(self, "acosh_", lambda s: _unary_float(_acosh_inplace, s))


def atanh_(self: Tensor) -> Tensor:
    """In-place ``atanh`` (not differentiable, as in PyTorch)."""
    return apply_inplace(self, "atanh_", lambda s: _unary_float(_atanh_inplace, s))


arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_


def _binary_tensors(prim, name: str, input, other, *, to_float: bool = False, floats_only: bool = False,
                    params: dict | None = None) -> Tensor:
    """A binary primitive over two tensors (PyTorch accepts no Python numbers here)."""
    _require_tensor(input, name, "input", 1)
    _require_tensor(other, name, "other", 2)
    return _binary_any(prim, name, input, other, to_float=to_float, floats_only=floats_only, params=params)


def _binary_any(prim, name: str, input, other, *, to_float: bool = False, floats_only: bool = False,
                params: dict | None = None) -> Tensor:
    a, b, _ = promote_operands(input, other, to_float=to_float)
    if floats_only:
        dt = np.result_type(a, b)
        if dt.kind not in "fc":
            raise _not_implemented_for(f"{name}_cpu", dt)
    try:
        out = prim.kernel(a, b) if params is None else prim.kernel(a, b, **params)
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None
    return record(prim, out, (input, other), params)


true_divide_ = _inplace_form(div, "true_divide_")


@primitive("Atan2Backward0")
def _atan2(x, y):
    return _nd(np.arctan2(x, y))


# At the origin PyTorch takes the derivative as 0 (1 / (x^2 + y^2) is masked where infinite).
def _atan2_scale(x, y):
    d = x * x + y * y
    return where(d == 0, 0.0, reciprocal(d))


defvjp(
    _atan2,
    lambda grad, result, x, y: grad * y * _atan2_scale(x, y),
    lambda grad, result, x, y: grad * -x * _atan2_scale(x, y),
)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant."""
    return _binary_tensors(_atan2, "atan2", input, other, to_float=True)


arctan2 = atan2
atan2_ = arctan2_ = _inplace_form(atan2, "atan2_")


# maximum and minimum split the gradient evenly at ties; NaN (which both propagate) sends the
# full gradient to both inputs, as PyTorch.
@primitive("MaximumBackward0")
def _maximum(x, y):
    # At a tie of 0.0 and -0.0 PyTorch's sign depends on its kernel (vectorised or not);
    # NumPy's choice, ``other``, is that of its vectorised kernel.
    return _nd(np.maximum(x, y))


defvjp(
    _maximum,
    lambda grad, result, x, y: where(x < y, 0.0, where(x == y, grad / 2, grad)),
    lambda grad, result, x, y: where(x > y, 0.0, where(x == y, grad / 2, grad)),
)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """The larger of ``input`` and ``other`` elementwise (NaN if either is NaN)."""
    return _binary_tensors(_maximum, "maximum", input, other)


@primitive("MinimumBackward0")
def _minimum(x, y):
    return _nd(np.minimum(x, y))


defvjp(
    _minimum,
    lambda grad, result, x, y: where(x > y, 0.0, where(x == y, grad / 2, grad)),
    lambda grad, result, x, y: where(x < y, 0.0, where(x == y, grad / 2, grad)),
)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of ``input`` and ``other`` elementwise (NaN if either is NaN)."""
    return _binary_tensors(_minimum, "minimum", input, other)


# fmax and fmin ignore NaN; at ties the whole gradient goes to ``input``, as PyTorch.
@primitive("FmaxBackward0")
def _fmax(x, y):
    return _nd(np.where((x >= y) | (y != y), x, y))  # a tie gives ``input`` (its zero sign), as PyTorch


defvjp(
    _fmax,
    lambda grad, result, x, y: where((x >= y) | isnan(y), grad, 0.0),
    lambda grad, result, x, y: where((x >= y) | isnan(y), 0.0, grad),
)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """The larger of ``input`` and ``other``, ignoring a NaN on one side."""
    return _binary_tensors(_fmax, "fmax", input, other)


@primitive("FminBackward0")
def _fmin(x, y):
    return _nd(np.where((x <= y) | (y != y), x, y))


defvjp(
    _fmin,
    lambda grad, result, x, y: where((x <= y) | isnan(y), grad, 0.0),
    lambda grad, result, x, y: where((x <= y) | isnan(y), 0.0, grad),
)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of ``input`` and ``other``, ignoring a NaN on one side."""
    return _binary_tensors(_fmin, "fmin", input, other)


@primitive("HypotBackward0", save_result=True)
def _hypot(x, y):
    return _nd(np.hypot(x, y))


defvjp(_hypot, lambda grad, result, x, y: grad * x / result, lambda grad, result, x, y: grad * y / result)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input ** 2 + other ** 2)`` without overflow."""
    return _binary_tensors(_hypot, "hypot", input, other, floats_only=True)


hypot_ = _inplace_form(hypot, "hypot_")


@primitive("LogaddexpBackward0")
def _logaddexp(x, y):
    with np.errstate(invalid="ignore"):  # inf and -inf together give NaN, silently as in PyTorch
        return _nd(np.logaddexp(x, y))


defvjp(
    _logaddexp,
    lambda grad, result, x, y: grad / (1 + exp(y - x)),
    lambda grad, result, x, y: grad / (1 + exp(x - y)),
)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow."""
    return _binary_tensors(_logaddexp, "logaddexp", input, other, floats_only=True)


@primitive("Logaddexp2Backward0")
def _logaddexp2(x, y):
    with np.errstate(invalid="ignore"):  # inf and -inf together give NaN, silently as in PyTorch
        return _nd(np.logaddexp2(x, y))


defvjp(
    _logaddexp2,
    lambda grad, result, x, y: grad / (1 + exp2(y - x)),
    lambda grad, result, x, y: grad / (1 + exp2(x - y)),
)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2 ** input + 2 ** other)`` without overflow."""
    return _binary_tensors(_logaddexp2, "logaddexp2", input, other, floats_only=True)


def _xlogy_kernel(x, y):
    dt = np.result_type(x, y)  # a Python number stays weak: it takes the tensor's dtype
    x, y = np.asarray(x, dtype=dt), np.asarray(y, dtype=dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _nd(np.multiply(x, np.log(y)))
    return _nd(np.where((np.asarray(x) == 0) & ~np.isnan(y), out.dtype.type(0), out))


# xlogy(0, y) is 0 unless y is NaN; d/dx is then 0 where y <= 0 as well (log(y) is not finite).
@primitive("XlogyBackward0")
def _xlogy(x, y):
    return _xlogy_kernel(x, y)


defvjp(
    _xlogy,
    lambda grad, result, x, y: where((x == 0) & (y <= 0), 0.0, xlogy(grad, y)),
    lambda grad, result, x, y: grad * x / y,
)


@primitive("XlogyBackward1")
def _xlogy_number_self(x, y):
    return _xlogy_kernel(x, y)


defvjp(_xlogy_number_self, None, lambda grad, result, x, y: grad * x / y)


@primitive("XlogyBackward2")
def _xlogy_number_other(x, y):
    return _xlogy_kernel(x, y)


def _xlogy_number_other_vjp(grad, result, x, y):
    return where(x == 0, 0.0, xlogy(grad, y)) if y <= 0 else xlogy(grad, y)


defvjp(_xlogy_number_other, _xlogy_number_other_vjp, None)


def xlogy(input, other) -> Tensor:
    """``input * log(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN).
    Either argument may be a Python number."""
    if isinstance(input, Tensor):
        prim = _xlogy if isinstance(other, Tensor) else _xlogy_number_other
    elif isinstance(other, Tensor) and is_scalar(input):
        prim = _xlogy_number_self
    else:
        raise TypeError(
            f"xlogy() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}): at least one of 'input' and 'other' must be a Tensor"
        )
    return _binary_any(prim, "xlogy", input, other, to_float=True)


xlogy_ = _inplace_form(xlogy, "xlogy_")


# d/dx copysign(x, y) is result / x (+-1), and 0 at x == 0, as PyTorch; y gets no gradient.
def _copysign_vjp_self(grad, result, x, y):
    return grad * where(x == 0, 0.0, result / x)


@primitive("CopysignBackward0", save_result=True)
def _copysign(x, y):
    return _nd(np.copysign(x, y))


defvjp(_copysign, _copysign_vjp_self, lambda grad, result, x, y: zeros_like(grad))


@primitive("CopysignBackward1", save_result=True)
def _copysign_number(x, y):
    return _nd(np.copysign(x, y))


defvjp(_copysign_number, _copysign_vjp_self, None)


def copysign(input: Tensor, other) -> Tensor:
    """``input``'s magnitude with ``other``'s sign (``other`` may be a number)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"copysign() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}): argument 'input' must be a Tensor"
        )
    prim = _copysign if isinstance(other, Tensor) else _copysign_number
    return _binary_any(prim, "copysign", input, other, to_float=True)


copysign_ = _inplace_form(copysign, "copysign_")


@primitive("FmodBackward1")
def _fmod(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.fmod(x, y))


defvjp(
    _fmod,
    lambda grad, result, x, y: grad,
    lambda grad, result, x, y: -grad * div(x, y, rounding_mode="trunc"),
)


@primitive("FmodBackward0", save_inputs=False)
def _fmod_number(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(np.fmod(x, y))


defvjp(_fmod_number, lambda grad, result, x, y: grad, None)


def fmod(input: Tensor, other) -> Tensor:
    """The remainder of ``input / other`` with ``input``'s sign (C's fmod); ``other`` may be a number."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}): argument 'input' must be a Tensor"
        )
    a, b, _ = promote_operands(input, other)
    kind = _result_kind(a, b)
    if kind == "b":
        raise _not_implemented_for_bool("fmod_cpu")
    if kind in "iu" and _any_zero(b):
        raise RuntimeError("ZeroDivisionError")
    prim = _fmod if isinstance(other, Tensor) else _fmod_number
    return _binary_any(prim, "fmod", input, other)


fmod_ = _inplace_form(fmod, "fmod_")


def _to_double(x):
    """A tensor in float64 (complex128 if complex), or a number as a float (complex)."""
    if isinstance(x, Tensor):
        target = _dtype.complex128 if x._data.dtype.kind == "c" else _dtype.float64
        return x if x._data.dtype == target.np else to_dtype(x, target)
    return builtins.complex(x) if isinstance(x, builtins.complex) else float(x)


def float_power(input, exponent) -> Tensor:
    """``input ** exponent`` computed in double precision (float64, or complex128)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"float_power() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(exponent).__name__}): at least one of 'input' and 'exponent' must be a Tensor"
        )
    return pow(_to_double(input), _to_double(exponent))


def float_power_(self: Tensor, exponent) -> Tensor:
    """In-place ``float_power``; ``self`` must already be float64 (or complex128)."""
    want = "c" if self._data.dtype.kind == "c" or isinstance(exponent, builtins.complex) else "f"
    if self._data.dtype != (np.complex128 if want == "c" else np.float64):
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_dtype_word(self._data.dtype)} but the operation's "
            f"result requires dtype {'ComplexDouble' if want == 'c' else 'Double'}"
        )
    return apply_inplace(self, "float_power_", lambda s: float_power(s, exponent), (exponent,))


# -- lerp, addcmul, addcdiv ------------------------------------------------------------------------


def _lerp_kernel(x, e, w):
    # PyTorch's two-sided formula: exact at both ends (w = 0 gives x, w = 1 gives e).
    diff = e - x
    if isinstance(w, np.ndarray):
        return _nd(np.where(np.abs(w) < 0.5, x + w * diff, e - diff * (1 - w)))
    return _nd(x + w * diff if builtins.abs(w) < 0.5 else e - diff * (1 - w))


@primitive("LerpBackward0")
def _lerp_number(x, e, *, weight):
    return _lerp_kernel(x, e, weight)


defvjp(
    _lerp_number,
    lambda grad, result, x, e, *, weight: grad * (1 - weight),
    lambda grad, result, x, e, *, weight: grad * weight,
)


@primitive("LerpBackward1")
def _lerp_tensor(x, e, w):
    return _lerp_kernel(x, e, w)


defvjp(
    _lerp_tensor,
    lambda grad, result, x, e, w: grad * (1 - w),
    lambda grad, result, x, e, w: grad * w,
    lambda grad, result, x, e, w: grad * (e - x),
)


_DTYPE_NAME = {"float16": "c10::Half", "float32": "float", "float64": "double"}


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor."""
    _require_tensor(input, "lerp", "input", 1)
    _require_tensor(end, "lerp", "end", 2)
    dt = input._data.dtype
    tensor_weight = isinstance(weight, Tensor)
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != dt:
            raise RuntimeError(
                f"expected dtype {_DTYPE_NAME.get(dt.name, dt.name)} for `{name}` but got dtype "
                f"{_DTYPE_NAME.get(t._data.dtype.name, t._data.dtype.name)}"
            )
    if dt.kind not in "fc":
        raise _not_implemented_for("lerp_kernel_tensor" if tensor_weight else "lerp_kernel_scalar", dt)
    try:
        if tensor_weight:
            out = _lerp_tensor.kernel(input._data, end._data, weight._data)
            return record(_lerp_tensor, out, (input, end, weight), None)
        params = {"weight": float(weight) if not isinstance(weight, builtins.complex) else weight}
        out = _lerp_number.kernel(input._data, end._data, **params)
    except ValueError:
        raise broadcast_error(input._data.shape, end._data.shape, _shape(weight)) from None
    return record(_lerp_number, out, (input, end), params)


lerp_ = _inplace_form(lerp, "lerp_")


def _three_operands(name: str, input, tensor1, tensor2, value):
    """The arrays of ``input``, ``tensor1``, ``tensor2`` in their result dtype, and ``value`` cast to it."""
    for i, (arg, t) in enumerate((("input", input), ("tensor1", tensor1), ("tensor2", tensor2)), start=1):
        _require_tensor(t, name, arg, i)
    rt = _dtype.result_type(input, tensor1, tensor2)
    arrays = [t._data if t._data.dtype == rt.np else t._data.astype(rt.np) for t in (input, tensor1, tensor2)]
    if rt.category == _dtype.BOOL:
        raise _not_implemented_for_bool(f"{name}_cpu_out")
    if rt.category == _dtype.INT:
        value = int(value)  # PyTorch casts the scale to the integer result type (0.5 becomes 0)
    elif rt.category == _dtype.FLOAT and not isinstance(value, builtins.complex):
        value = float(value)
    return arrays, value


@primitive("AddcmulBackward0")
def _addcmul(x, t1, t2, *, value):
    return _nd(x + value * (t1 * t2))


defvjp(
    _addcmul,
    lambda grad, result, x, t1, t2, *, value: grad,
    lambda grad, result, x, t1, t2, *, value: grad * (t2 * value),
    lambda grad, result, x, t1, t2, *, value: grad * (t1 * value),
)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2`` elementwise."""
    arrays, value = _three_operands("addcmul", input, tensor1, tensor2, value)
    params = {"value": value}
    try:
        out = _addcmul.kernel(*arrays, **params)
    except ValueError:
        raise broadcast_error(input._data.shape, tensor1._data.shape, tensor2._data.shape) from None
    return record(_addcmul, out, (input, tensor1, tensor2), params)


addcmul_ = _inplace_form(addcmul, "addcmul_")


@primitive("AddcdivBackward0")
def _addcdiv(x, t1, t2, *, value):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nd(x + value * (t1 / t2))


defvjp(
    _addcdiv,
    lambda grad, result, x, t1, t2, *, value: grad,
    lambda grad, result, x, t1, t2, *, value: grad * (value / t2),
    lambda grad, result, x, t1, t2, *, value: -grad * value * t1 / (t2 * t2),
)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2`` elementwise (floating point only)."""
    for i, (arg, t) in enumerate((("input", input), ("tensor1", tensor1), ("tensor2", tensor2)), start=1):
        _require_tensor(t, "addcdiv", arg, i)
    if tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
            "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented "
            "as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the "
            "latter implementation: (input + value * tensor1 / tensor2), for all dtypes."
        )
    arrays, value = _three_operands("addcdiv", input, tensor1, tensor2, value)
    params = {"value": value}
    try:
        out = _addcdiv.kernel(*arrays, **params)
    except ValueError:
        raise broadcast_error(input._data.shape, tensor1._data.shape, tensor2._data.shape) from None
    return record(_addcdiv, out, (input, tensor1, tensor2), params)


addcdiv_ = _inplace_form(addcdiv, "addcdiv_")


# -- more comparisons, logic and predicates (never differentiable) --------------------------------


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close).

    >>> chainrule.isclose(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0 + 1e-9, 2.1]))
    tensor([ True, False])
    """
    _require_tensor(input, "isclose", "input", 1)
    _require_tensor(other, "isclose", "other", 2)
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_dtype_word(a.dtype)} did not match {_dtype_word(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {_number_str(rtol)}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {_number_str(atol)}")
    try:
        close = np.equal(a, b)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    if a.dtype.kind == "b" or (rtol == 0 and atol == 0):
        return Tensor._make(_nd(close))
    if equal_nan and a.dtype.kind in "fc":
        close = close | (np.isnan(a) & np.isnan(b))
    if a.dtype.kind not in "fc":
        a, b = a.astype(_dtype.get_default_dtype().np), b.astype(_dtype.get_default_dtype().np)
    with np.errstate(invalid="ignore", over="ignore"):
        allowed = atol + np.abs(rtol * b)
        actual = np.abs(a - b)
        close = close | (np.isfinite(actual) & (actual <= allowed))
    return Tensor._make(_nd(close))


def _number_str(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other``'s (see ``isclose``)."""
    _require_tensor(input, "allclose", "input", 1)
    _require_tensor(other, "allclose", "other", 2)
    return bool(np.all(isclose(input, other, rtol, atol, equal_nan)._data))


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether ``input`` and ``other`` have the same shape and the same values."""
    _require_tensor(input, "equal", "input", 1)
    _require_tensor(other, "equal", "other", 2)
    if input._data.shape != other._data.shape:
        return False
    a, b, _ = promote_operands(input, other)
    return bool(np.array_equal(a, b))


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical XOR of the truth values."""
    return _logical(np.logical_xor, "logical_xor", input, other)


logical_xor_ = _inplace_form(logical_xor, "logical_xor_")


def _shift(ufunc, kernel_name: str, input, other) -> Tensor:
    a, b, _ = promote_operands(input, other)
    dt = np.result_type(a, b)
    if dt.kind not in "iu":
        raise _not_implemented_for(f"{kernel_name}_cpu", dt)
    try:
        return _values(ufunc, (input, other), (a, b))
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None


def bitwise_left_shift(input, other) -> Tensor:
    """``input << other`` for integers (shifting by the width or more gives 0)."""
    return _shift(np.left_shift, "lshift", input, other)


def bitwise_right_shift(input, other) -> Tensor:
    """``input >> other`` for integers (an arithmetic shift: the sign fills in)."""
    return _shift(np.right_shift, "rshift", input, other)


bitwise_left_shift_ = _inplace_form(bitwise_left_shift, "bitwise_left_shift_")
bitwise_right_shift_ = _inplace_form(bitwise_right_shift, "bitwise_right_shift_")


def _predicate(input: Tensor, name: str, fn) -> Tensor:
    _require_tensor(input, name, "input", 1)
    d = input._data
    return Tensor._make(_nd(fn(d) if d.dtype.kind in "fc" else np.zeros(d.shape, dtype=np.bool_)))


def isposinf(input: Tensor) -> Tensor:
    """``True`` where ``input`` is +inf."""
    return _predicate(input, "isposinf", np.isposinf)


def isneginf(input: Tensor) -> Tensor:
    """``True`` where ``input`` is -inf."""
    return _predicate(input, "isneginf", np.isneginf)


def isreal(input: Tensor) -> Tensor:
    """``True`` where ``input`` has no imaginary part (everywhere for real dtypes)."""
    _require_tensor(input, "isreal", "input", 1)
    d = input._data
    return Tensor._make(_nd(d.imag == 0 if d.dtype.kind == "c" else np.ones(d.shape, dtype=np.bool_)))


def signbit(input: Tensor) -> Tensor:
    """``True`` where the sign bit is set (``-0.0`` included)."""
    _require_tensor(input, "signbit", "input", 1)
    d = input._data
    if d.dtype.kind == "f":
        return Tensor._make(_nd(np.signbit(d)))
    return Tensor._make(_nd(d < 0 if d.dtype.kind == "i" else np.zeros(d.shape, dtype=np.bool_)))


# -- more ops PyTorch programs use: compositions of the primitives above ---------------------------

__all__ += [
    "fix", "fix_", "sinc", "sinc_", "heaviside", "gcd", "gcd_", "lcm", "lcm_", "ldexp", "ldexp_", "frexp",
    "nextafter", "nextafter_", "angle", "real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg",
    "is_conj", "is_neg", "mvlgamma", "mvlgamma_", "hardshrink", "i0", "i0_", "heaviside_", "greater_",
    "greater_equal_", "less_", "less_equal_", "not_equal_",
]

fix = trunc
fix_ = _inplace_form(trunc, "fix_")


def _float_input(input: Tensor, name: str) -> Tensor:
    """``input`` itself when it is floating point, else cast to the default float dtype."""
    _require_tensor(input, name, "input", 1)
    if input._data.dtype.kind in "fc":
        return input
    return to_dtype(input, _dtype.get_default_dtype())


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc: ``sin(pi x) / (pi x)``, and 1 at 0."""
    x = _float_input(input, "sinc")
    # Near 0, sin(t)/t's Taylor polynomial (exact there to rounding): derivatives of every
    # order at 0 come out right, where the quotient has none.
    small = abs(x) < 1e-3
    safe = where(small, 1.0, x) * _math.pi
    t = square(where(small, x, 0.0) * _math.pi)
    series = 1 - t * (1 / 6 - t * (1 / 120 - t / 5040))
    return where(small, series, sin(safe) / safe)


sinc_ = _inplace_form(sinc, "sinc_")


@primitive("NotImplemented", save_inputs=False)
def _heaviside(x, v):
    return _nd(np.where(x == 0, v, (x > 0).astype(np.result_type(x, v))))


defvjp(_heaviside, _no_derivative("heaviside"), _no_derivative("heaviside"))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step: 0 below zero, 1 above, and ``values`` where ``input`` is 0."""
    _require_tensor(input, "heaviside", "input", 1)
    _require_tensor(values, "heaviside", "values", 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if input._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    return _binary_any(_heaviside, "heaviside", input, values)


heaviside_ = _inplace_form(heaviside, "heaviside_")
greater_ = _inplace_form(gt, "greater_")
greater_equal_ = _inplace_form(ge, "greater_equal_")
less_ = _inplace_form(lt, "less_")
less_equal_ = _inplace_form(le, "less_equal_")
not_equal_ = _inplace_form(ne, "not_equal_")


def _integer_binary(ufunc, name: str, input, other) -> Tensor:
    """An integer-only elementwise function of two tensors (no gradient)."""
    _require_tensor(input, name, "input", 1)
    _require_tensor(other, name, "other", 2)
    a, b, _ = promote_operands(input, other)
    dt = np.result_type(a, b)
    if dt.kind not in "iu":
        raise _not_implemented_for(f"{name}_cpu", dt)
    try:
        return _values(lambda p, q: ufunc(p, q).astype(dt, copy=False), (input, other), (a, b))
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of integer elements (never negative; ``gcd(0, 0) = 0``)."""
    return _integer_binary(np.gcd, "gcd", input, other)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple of integer elements (never negative; 0 when either is 0)."""
    return _integer_binary(np.lcm, "lcm", input, other)


gcd_ = _inplace_form(gcd, "gcd_")
lcm_ = _inplace_form(lcm, "lcm_")


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other`` (a floating-point result even for integer operands)."""
    _require_tensor(input, "ldexp", "input", 1)
    _require_tensor(other, "ldexp", "other", 2)
    rt = _dtype.result_type(input, other)
    if rt.category < _dtype.FLOAT:
        rt = _dtype.get_default_dtype()
    return mul(input, exp2(other if other.dtype == rt else to_dtype(other, rt)))


ldexp_ = _inplace_form(ldexp, "ldexp_")


def frexp(input: Tensor):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent`` and ``0.5 <= |mantissa| < 1``;
    the exponent is int32. The gradient reaches ``input`` through the mantissa."""
    _require_tensor(input, "frexp", "input", 1)
    if input._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    d = input._data
    # Elementwise NumPy results (_values): under vmap they are computed for the whole batch.
    exponent = _values(lambda x: np.frexp(x)[1].astype(np.int32), (input,), (d,))
    scale = _values(lambda x: np.ldexp(np.ones((), x.dtype), -np.frexp(x)[1]).astype(x.dtype), (input,), (d,))
    return _frexp_result(mul(input, scale), exponent)


def _frexp_result(mantissa, exponent):
    from .reduction import return_types

    return return_types.frexp(mantissa, exponent)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``input`` toward ``other``. Its gradient, as PyTorch
    takes it, is 1 for ``input`` and 0 for ``other``."""
    _require_tensor(input, "nextafter", "input", 1)
    _require_tensor(other, "nextafter", "other", 2)
    a, b, _ = promote_operands(input, other)
    dt = np.result_type(a, b)
    if dt.kind != "f":
        raise _not_implemented_for("nextafter_cpu", dt)
    try:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise broadcast_error(_shape(input), _shape(other)) from None

    def step(p, q):  # the move from p to its neighbour toward q (0 where it is infinite)
        s = np.nextafter(p, q) - np.asarray(p, dtype=dt)
        return np.where(np.isfinite(s), s, 0).astype(dt)

    def jump(p, q):  # from an infinity, the step itself is infinite: the result is taken as is
        return ~np.isfinite(np.nextafter(p, q) - np.asarray(p, dtype=dt))

    # PyTorch's derivative: 1 for ``input`` where the operands differ, 0 elsewhere and for ``other``.
    operands = (input, other)
    differ = _values(np.not_equal, operands, (a, b))
    never = _values(lambda p, q: np.zeros(np.broadcast_shapes(np.shape(p), np.shape(q)), bool), operands, (a, b))
    same = _values(lambda p, q: np.broadcast_to(np.asarray(p, dtype=dt), np.broadcast_shapes(np.shape(p), np.shape(q))).copy(),
                   operands, (a, b))
    out = add(where(differ, input, where(never, other, same)), _values(step, operands, (a, b)))
    if np.broadcast_to(jump(a, b), shape).any():
        out = where(_values(jump, operands, (a, b)), _values(lambda p, q: np.nextafter(p, q).astype(dt), operands, (a, b)),
                    out)
    return out


nextafter_ = _inplace_form(nextafter, "nextafter_")


def angle(input: Tensor) -> Tensor:
    """The argument of each element: pi for negative reals, 0 otherwise (NaN stays NaN)."""
    _require_tensor(input, "angle", "input", 1)
    d = input._data
    if d.dtype.kind == "c":
        return _values(np.angle, (input,), (d,))
    x = _float_input(input, "angle")
    return where(x < 0, _math.pi, where(isnan(x), x, x * 0.0))


def _is_complex(input: Tensor) -> bool:
    return input._data.dtype.kind == "c"


def real(input: Tensor) -> Tensor:
    """The real part: ``input`` itself for real tensors (complex tensors: a copy, without gradient)."""
    _require_tensor(input, "real", "input", 1)
    return _values(np.real, (input,), (input._data,)) if _is_complex(input) else input


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor (a copy, without gradient); real tensors raise."""
    _require_tensor(input, "imag", "input", 1)
    if not _is_complex(input):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _values(np.imag, (input,), (input._data,))


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: ``input`` itself for real tensors (complex: a copy, without gradient)."""
    _require_tensor(input, "conj", "input", 1)
    return _values(np.conj, (input,), (input._data,)) if _is_complex(input) else input


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, materialized (a real tensor is returned as it is)."""
    _require_tensor(input, "conj_physical", "input", 1)
    return _values(np.conj, (input,), (input._data,)) if _is_complex(input) else input


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` itself: chainrule never defers a conjugation."""
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` itself: chainrule never defers a negation."""
    return input


def is_conj(input: Tensor) -> bool:
    """False: chainrule never defers a conjugation."""
    return False


def is_neg(input: Tensor) -> bool:
    """False: chainrule never defers a negation."""
    return False


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma of dimension ``p``: ``sum_i lgamma(x - i/2) + p(p-1)/4 log(pi)``."""
    _require_tensor(input, "mvlgamma", "input", 1)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _float_input(input, "mvlgamma")
    out = lgamma(x)
    for i in range(1, p):
        out = out + lgamma(x - i / 2)
    return out + p * (p - 1) / 4 * _math.log(_math.pi)


mvlgamma_ = _inplace_form(mvlgamma, "mvlgamma_")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0."""
    _require_tensor(input, "hardshrink", "input", 1)
    return where((input >= -lambd) & (input <= lambd), 0.0, input)


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 0 (its derivative is ``i1``)."""
    x = _float_input(input, "i0")
    if x._data.dtype == np.float16:  # the series' terms overflow half precision
        return to_dtype(_i0_op(to_dtype(x, _dtype.float32)), _dtype.float16)
    return _i0_op(x)


def _i0_op(x: Tensor) -> Tensor:
    # sum_k (x^2/4)^k / (k!)^2, written with chainrule ops so gradients of any order follow;
    # the series converges for every x; its terms peak near k = |x|/2, and 30 + 1.5|x| of them
    # reach float64 precision.
    d = x._data
    top = float(np.nanmax(np.abs(d[np.isfinite(d)]))) if d.size and np.isfinite(d).any() else 0.0
    if _registry._transform is not None:  # under vmap ``d`` is one sample: take enough terms for any
        top = 800.0
    q = x * x / 4
    term = ones_like(x)
    out = ones_like(x)
    for k in range(1, 30 + int(1.5 * builtins.min(top, 800.0))):
        term = term * q / (k * k)
        out = out + term
    return out


i0_ = _inplace_form(i0, "i0_")

