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


float_power = None  # defined by the op library issue


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
    return np.where(x < 0, x.dtype.type(0), x)  # keeps -0.0 and NaN, as PyTorch


# relu'(0) = 0, as PyTorch: the gradient is blocked where the result is <= 0 (NaN passes).
defvjp(_relu, lambda grad, result, x: where(result <= 0, 0.0, grad))


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
    return float(v) if rt.category == _dtype.FLOAT and not isinstance(v, complex) else v


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


@primitive("WhereBackward0")
def _where(condition, x, y):
    return np.where(condition, x, y)


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
        out = np.where(condition._data, a, b)
    except ValueError:
        raise broadcast_error(condition._data.shape, _shape(input), _shape(other)) from None
    return record(_where, out, (condition, input, other), None)


# -- comparisons and logic (never differentiable: their results are bool) ----------------------


def _compare(ufunc, name: str, input, other) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}): argument 'input' must be a Tensor"
        )
    a, b, _ = promote_operands(input, other)
    try:
        return Tensor._make(_nd(ufunc(a, b)))
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
        return Tensor._make(_nd(ufunc(a, b)))
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
    return Tensor._make(_nd(np.invert(input._data)))


def _logical(ufunc, name: str, input: Tensor, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    try:
        return Tensor._make(_nd(ufunc(input._data, other._data)))
    except ValueError:
        raise broadcast_error(input._data.shape, other._data.shape) from None


def logical_not(input: Tensor) -> Tensor:
    """``True`` where ``input`` is zero."""
    return Tensor._make(_nd(np.logical_not(input._data)))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical AND of the truth values."""
    return _logical(np.logical_and, "logical_and", input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical OR of the truth values."""
    return _logical(np.logical_or, "logical_or", input, other)


def isnan(input: Tensor) -> Tensor:
    """``True`` where ``input`` is NaN."""
    return Tensor._make(_nd(np.isnan(input._data)))


def isinf(input: Tensor) -> Tensor:
    """``True`` where ``input`` is infinite."""
    return Tensor._make(_nd(np.isinf(input._data)))


def isfinite(input: Tensor) -> Tensor:
    """``True`` where ``input`` is finite."""
    return Tensor._make(_nd(np.isfinite(input._data)))


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

    return GRAD_ENABLED.get() and (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))


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

    if not GRAD_ENABLED.get():
        return _castable(self, other)
    if self._requires_grad or (isinstance(other, Tensor) and other._requires_grad):
        return False
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

    _inplace.bump(self._version, op_name)
    return self


# -- more elementwise ops ----------------------------------------------------------------------
# (Unary math, binary math and logic beyond the core set; their names are added to __all__ here.)
