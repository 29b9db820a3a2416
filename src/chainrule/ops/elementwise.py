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
from ._common import apply_inplace, as_tensor_arg, is_scalar, promote_operands
from ._registry import defvjp, primitive, record

# -- arithmetic -------------------------------------------------------------------------------


@primitive("AddBackward0", save_inputs=False)
def _add(x, y):
    return np.add(x, y)


defvjp(_add, lambda grad, result, x, y: grad, lambda grad, result, x, y: grad)


@primitive("SubBackward0", save_inputs=False)
def _sub(x, y):
    return np.subtract(x, y)


defvjp(_sub, lambda grad, result, x, y: grad, lambda grad, result, x, y: neg(grad))


@primitive("MulBackward0")
def _mul(x, y):
    return np.multiply(x, y)


defvjp(_mul, lambda grad, result, x, y: grad * y, lambda grad, result, x, y: grad * x)


@primitive("DivBackward0")
def _div(x, y):
    return np.true_divide(x, y)


defvjp(
    _div,
    lambda grad, result, x, y: grad / y,
    lambda grad, result, x, y: -grad * x / (y * y),
)


@primitive("NegBackward0", save_inputs=False)
def _neg(x):
    return np.negative(x)


defvjp(_neg, lambda grad, result, x: neg(grad))


def _binary(prim, input, other, to_float: bool = False) -> Tensor:
    a, b, _ = promote_operands(input, other, to_float=to_float)
    return record(prim, prim.kernel(a, b), (input, other), None)


def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other``, with broadcasting and PyTorch's type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(_add, input, other)


def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(_sub, input, other)


subtract = sub


def mul(input, other) -> Tensor:
    """``input * other`` elementwise."""
    return _binary(_mul, input, other)


multiply = mul


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """``input / other``; integers divide to the default float dtype unless ``rounding_mode``
    is ``"trunc"`` or ``"floor"``."""
    if rounding_mode is None:
        return _binary(_div, input, other, to_float=True)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        a, b, rt = promote_operands(input, other)
        if (rt or _dtype.from_numpy_dtype(np.result_type(a, b))).category <= _dtype.INT:
            q = np.trunc(np.true_divide(a, b))
            return Tensor._make(q.astype(np.result_type(a, b) if rt is None else rt.np))
        return trunc(div(input, other))
    raise ValueError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
    )


divide = div
true_divide = div


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return record(_neg, np.negative(input._data), (input,), None)


negative = neg


# Floor division and remainder: PyTorch rounds toward -inf, as NumPy does.
@primitive("FloorDivideBackward0", save_inputs=False)
def _floor_divide(x, y):
    return np.floor_divide(x, y)


defvjp(_floor_divide, lambda grad, result, x, y: zeros_like(grad), None)


def floor_divide(input, other) -> Tensor:
    """``input // other``: division rounded toward negative infinity."""
    a, b, rt = promote_operands(input, other)
    if _is_int_values(a, b) and _any_zero(b):
        raise RuntimeError("ZeroDivisionError")
    return record(_floor_divide, np.floor_divide(a, b), (input, other), None)


@primitive("RemainderBackward0")
def _remainder(x, y):
    return np.remainder(x, y)


defvjp(
    _remainder,
    lambda grad, result, x, y: grad,
    lambda grad, result, x, y: -grad * floor_divide(x, y),
)


def remainder(input, other) -> Tensor:
    """``input % other``, with the sign of ``other`` (Python's convention, as PyTorch)."""
    a, b, rt = promote_operands(input, other)
    if _is_int_values(a, b) and _any_zero(b):
        raise RuntimeError("ZeroDivisionError")
    return record(_remainder, np.remainder(a, b), (input, other), None)


def _is_int_values(a, b) -> bool:
    kinds = {np.asarray(v).dtype.kind for v in (a, b)}
    return kinds <= {"i", "u", "b"}


def _any_zero(b) -> bool:
    return bool(np.any(np.asarray(b) == 0))


# -- powers ------------------------------------------------------------------------------------


@primitive("PowBackward0")
def _pow_scalar(x, *, exponent):
    return np.power(x, exponent)


def _pow_scalar_vjp(grad, result, x, *, exponent):
    if exponent == 0:
        return zeros_like(grad)  # PyTorch: d(x**0)/dx is 0 everywhere, 0 ** 0 included
    return grad * (exponent * pow(x, exponent - 1))


defvjp(_pow_scalar, _pow_scalar_vjp)


@primitive("PowBackward1", save_result=True)
def _pow_tensor(x, y):
    return np.power(x, y)


def _pow_tensor_vjp_base(grad, result, x, y):
    # d(x**y)/dx = y * x**(y-1), and 0 where y == 0 (as PyTorch).
    return grad * where(y == 0, 0.0, y * pow(x, y - 1))


def _pow_tensor_vjp_exponent(grad, result, x, y):
    # d(x**y)/dy = x**y * log(x); PyTorch takes 0 where x == 0 and y >= 0.
    return grad * where((x == 0) & (y >= 0), 0.0, result * log(x))


defvjp(_pow_tensor, _pow_tensor_vjp_base, _pow_tensor_vjp_exponent)


@primitive("PowBackward2", save_result=True)
def _pow_scalar_base(x, y):
    return np.power(x, y)


def _pow_scalar_base_vjp(grad, result, x, y):
    if x == 0:
        return grad * where(y >= 0, 0.0, result * float("-inf"))
    return grad * result * float(np.log(x))


defvjp(_pow_scalar_base, None, _pow_scalar_base_vjp)


def pow(input, exponent) -> Tensor:
    """``input ** exponent``; either may be a Python number."""
    if isinstance(input, Tensor) and is_scalar(exponent):
        a, e, rt = promote_operands(input, exponent)
        if isinstance(e, (int, np.integer)) and e < 0 and a.dtype.kind in "iub":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return record(_pow_scalar, np.power(a, e), (input,), {"exponent": e})
    if is_scalar(input):
        a, b, rt = promote_operands(input, exponent)
        return record(_pow_scalar_base, np.power(a, b), (a, exponent), None)
    a, b, rt = promote_operands(input, exponent)
    if b.dtype.kind in "iu" and np.any(b < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return record(_pow_tensor, np.power(a, b), (input, exponent), None)


float_power = None  # defined by the op library issue


# -- unary math --------------------------------------------------------------------------------


def _unary_float(prim, input: Tensor) -> Tensor:
    """Apply a float-valued unary primitive; integer inputs compute in the default float."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{prim.name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    d = input._data
    if d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    return record(prim, prim.kernel(d), (input,), None)


@primitive("ExpBackward0", save_inputs=False, save_result=True)
def _exp(x):
    return np.exp(x)


defvjp(_exp, lambda grad, result, x: grad * result)


def exp(input: Tensor) -> Tensor:
    """``e ** input`` elementwise."""
    return _unary_float(_exp, input)


@primitive("LogBackward0")
def _log(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


defvjp(_log, lambda grad, result, x: grad / x)


def log(input: Tensor) -> Tensor:
    """Natural logarithm elementwise (``nan`` below 0, ``-inf`` at 0)."""
    return _unary_float(_log, input)


@primitive("SqrtBackward0", save_inputs=False, save_result=True)
def _sqrt(x):
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


defvjp(_sqrt, lambda grad, result, x: grad / (2 * result))


def sqrt(input: Tensor) -> Tensor:
    """Square root elementwise."""
    return _unary_float(_sqrt, input)


@primitive("SinBackward0")
def _sin(x):
    return np.sin(x)


defvjp(_sin, lambda grad, result, x: grad * cos(x))


def sin(input: Tensor) -> Tensor:
    """Sine elementwise."""
    return _unary_float(_sin, input)


@primitive("CosBackward0")
def _cos(x):
    return np.cos(x)


defvjp(_cos, lambda grad, result, x: grad * -sin(x))


def cos(input: Tensor) -> Tensor:
    """Cosine elementwise."""
    return _unary_float(_cos, input)


@primitive("TanhBackward0", save_inputs=False, save_result=True)
def _tanh(x):
    return np.tanh(x)


defvjp(_tanh, lambda grad, result, x: grad * (1 - result * result))


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


defvjp(_sigmoid, lambda grad, result, x: grad * (result * (1 - result)))


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))`` elementwise."""
    return _unary_float(_sigmoid, input)


@primitive("ReluBackward0", save_inputs=False, save_result=True)
def _relu(x):
    return np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind != "b" else x


# relu'(0) = 0, as PyTorch: the gradient passes only where the result is positive.
defvjp(_relu, lambda grad, result, x: grad * (result > 0))


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)`` elementwise."""
    return record(_relu, _relu.kernel(input._data), (input,), None)


@primitive("AbsBackward0")
def _abs(x):
    return np.abs(x)


# abs'(0) = 0, as PyTorch (sign(0) is 0).
defvjp(_abs, lambda grad, result, x: grad * sign(x))


def abs(input: Tensor) -> Tensor:
    """Absolute value elementwise."""
    return record(_abs, np.abs(input._data), (input,), None)


absolute = abs


@primitive("SignBackward0", save_inputs=False)
def _sign(x):
    return np.sign(x)


defvjp(_sign, lambda grad, result, x: zeros_like(grad))


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element."""
    if input._data.dtype.kind == "b":
        return input.clone()
    return record(_sign, np.sign(input._data), (input,), None)


@primitive("TruncBackward0", save_inputs=False)
def _trunc(x):
    return np.trunc(x)


defvjp(_trunc, lambda grad, result, x: zeros_like(grad))


def trunc(input: Tensor) -> Tensor:
    """Round toward zero elementwise."""
    if input._data.dtype.kind in "iub":
        return input.clone()
    return record(_trunc, np.trunc(input._data), (input,), None)


# -- clamp and where ---------------------------------------------------------------------------


@primitive("ClampBackward1")
def _clamp(x, *, min, max):
    return np.clip(x, min, max)


def _clamp_vjp(grad, result, x, *, min, max):
    # The gradient passes where min <= x <= max, bounds included (PyTorch's choice).
    mask = ones_like(x, dtype=_dtype.bool_)
    if min is not None:
        mask = mask & (x >= min)
    if max is not None:
        mask = mask & (x <= max)
    return grad * mask


defvjp(_clamp, _clamp_vjp)


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit ``input`` to ``[min, max]``; the bounds may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # Tensor bounds: where() picks input at ties, so input gets the gradient there.
        out = input
        if min is not None:
            out = where(out < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    d = input._data
    rt = _dtype.result_type(input, *(b for b in (min, max) if b is not None))
    if rt.np != d.dtype:
        d = d.astype(rt.np)
    return record(_clamp, np.clip(d, min, max), (input,), {"min": min, "max": max})


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)


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
        raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
    if condition._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype.name.capitalize()}")
    if is_scalar(input) and is_scalar(other):
        input = as_tensor_arg(input)
    a, b, rt = promote_operands(input, other)
    return record(_where, np.where(condition._data, a, b), (condition, input, other), None)


# -- comparisons and logic (never differentiable: their results are bool) ----------------------


def _compare(ufunc, input, other) -> Tensor:
    a, b, _ = promote_operands(input, other)
    return Tensor._make(np.asarray(ufunc(a, b)))


def eq(input, other) -> Tensor:
    """``input == other`` elementwise (a bool tensor)."""
    return _compare(np.equal, input, other)


def ne(input, other) -> Tensor:
    """``input != other`` elementwise."""
    return _compare(np.not_equal, input, other)


def lt(input, other) -> Tensor:
    """``input < other`` elementwise."""
    return _compare(np.less, input, other)


def le(input, other) -> Tensor:
    """``input <= other`` elementwise."""
    return _compare(np.less_equal, input, other)


def gt(input, other) -> Tensor:
    """``input > other`` elementwise."""
    return _compare(np.greater, input, other)


def ge(input, other) -> Tensor:
    """``input >= other`` elementwise."""
    return _compare(np.greater_equal, input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(ufunc, name: str, input, other) -> Tensor:
    a, b, rt = promote_operands(input, other)
    kind = np.result_type(a, b).kind
    if kind not in "iub":
        raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_kind_name(a, b)}'")
    return Tensor._make(np.asarray(ufunc(a, b)))


def _kind_name(a, b) -> str:
    dt = np.result_type(a, b)
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(dt.name, dt.name)


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
    if input._data.dtype.kind not in "iub":
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{_kind_name(input._data, input._data)}'")
    return Tensor._make(np.asarray(np.invert(input._data)))


def logical_not(input: Tensor) -> Tensor:
    """``True`` where ``input`` is zero."""
    return Tensor._make(np.asarray(np.logical_not(input._data)))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical AND of the truth values."""
    return Tensor._make(np.asarray(np.logical_and(input._data, as_tensor_arg(other)._data)))


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise logical OR of the truth values."""
    return Tensor._make(np.asarray(np.logical_or(input._data, as_tensor_arg(other)._data)))


def isnan(input: Tensor) -> Tensor:
    """``True`` where ``input`` is NaN."""
    return Tensor._make(np.asarray(np.isnan(input._data)))


def isinf(input: Tensor) -> Tensor:
    """``True`` where ``input`` is infinite."""
    return Tensor._make(np.asarray(np.isinf(input._data)))


def isfinite(input: Tensor) -> Tensor:
    """``True`` where ``input`` is finite."""
    return Tensor._make(np.asarray(np.isfinite(input._data)))


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
        if alpha != 1:
            other = mul(other, alpha)
        o = other._data if isinstance(other, Tensor) else other
        np.add(self._data, o, out=self._data, casting="unsafe")
        return _bumped(self, "add_")
    return apply_inplace(self, "add_", lambda s: add(s, other, alpha=alpha), (other,))


def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    """In-place ``self -= alpha * other``."""
    return apply_inplace(self, "sub_", lambda s: sub(s, other, alpha=alpha), (other,))


def mul_(self: Tensor, other) -> Tensor:
    """In-place ``self *= other``."""
    if _fast_inplace(self, other):
        o = other._data if isinstance(other, Tensor) else other
        np.multiply(self._data, o, out=self._data, casting="unsafe")
        return _bumped(self, "mul_")
    return apply_inplace(self, "mul_", lambda s: mul(s, other), (other,))


def div_(self: Tensor, other, *, rounding_mode=None) -> Tensor:
    """In-place ``self /= other``."""
    return apply_inplace(self, "div_", lambda s: div(s, other, rounding_mode=rounding_mode), (other,))


def floor_divide_(self: Tensor, other) -> Tensor:
    """In-place ``self //= other``."""
    return apply_inplace(self, "floor_divide_", lambda s: floor_divide(s, other), (other,))


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


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place."""
    return fill_(self, 0)


def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` in place (a number or a 0-d tensor, which stays differentiable)."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        return apply_inplace(self, "fill_", lambda s: add(mul(s, 0), value), (value,))
    if _fast_inplace(self, value):
        self._data[...] = value
        return _bumped(self, "fill_")
    return apply_inplace(self, "fill_", lambda s: mul(s, 0) + value)


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast to ``self``'s shape) into ``self`` in place."""
    src = as_tensor_arg(src, "src")
    if _fast_inplace(self, src):
        np.copyto(self._data, np.broadcast_to(src._data, self._data.shape), casting="unsafe")
        return _bumped(self, "copy_")
    return apply_inplace(self, "copy_", lambda s: add(mul(s, 0), src.to(s.dtype)), (src,))


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
    return builtins.all(s == 1 or s == d for s, d in zip(src[::-1], dst[::-1]))


def _bumped(self: Tensor, op_name: str) -> Tensor:
    from ..autograd import _inplace

    _inplace.bump(self._version, op_name)
    return self
