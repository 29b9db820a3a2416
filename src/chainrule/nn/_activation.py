"""Activations, the softmax family, linear layers and dropout of chainrule.nn.functional.

The ops that dominate a training step or need care for stability are primitives with
their own rules: ``softmax``, ``log_softmax`` and ``gelu`` (and their backward kernels,
so that double backward stays one fused op per call), and the pointwise activations that
PyTorch records as one node (``silu``, ``elu``, ``softplus``, ...). The rest are composed
of chainrule ops and need no rules.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from .. import ops as _ops
from ..ops import (
    clamp_min, exp, expand, matmul, mm, reshape, sigmoid, squeeze, sum, t, tanh, to_dtype,
    unsqueeze, view, where,
)
from ..ops._common import apply_inplace, norm_dim
from ..ops._registry import defvjp, primitive, record
from ..ops.movement import _index_backward

__all__ = [
    "alpha_dropout", "bilinear", "celu", "celu_", "cosine_similarity", "dropout", "elu", "elu_", "gelu",
    "glu", "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "linear",
    "log_softmax", "logsigmoid", "mish", "normalize", "one_hot", "pairwise_distance", "relu", "relu6",
    "relu_", "selu", "selu_", "silu", "softmax", "softmin", "softplus", "softsign", "tanh", "sigmoid",
    "tanhshrink", "threshold", "threshold_", "hardshrink", "softshrink", "prelu", "rrelu", "rrelu_",
    "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout", "channel_shuffle", "pdist",
]

_nd = np.asarray


def _opmath(x: np.ndarray) -> np.ndarray:
    """Half precision computes in float32, as PyTorch's CPU kernels do."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


_INT_WORDS = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _check_float(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind not in "fc":
        word = _INT_WORDS.get(input._data.dtype.name, str(input.dtype))
        raise NotImplementedError(f"\"{name}\" not implemented for '{word}'")


def _pointwise(prim, input: Tensor, name: str, **params) -> Tensor:
    _check_float(input, name)
    return record(prim, _nd(prim.kernel(input._data, **params)), (input,), params or None)


def _maybe_inplace(input: Tensor, inplace: bool, name: str, fn) -> Tensor:
    """``fn(input)``, or its values written into ``input`` (PyTorch's ``inplace=True``)."""
    return apply_inplace(input, name, fn) if inplace else fn(input)


# -- linear layers ------------------------------------------------------------------------------


# ``bias + input @ weight.T`` in one node, as PyTorch records a linear layer (AddmmBackward0).
@primitive("AddmmBackward0")
def _linear_addmm(bias, x, w_t):
    out = np.matmul(x, w_t)
    out += bias
    return out


defvjp(
    _linear_addmm,
    lambda grad, result, bias, x, w_t: grad,
    lambda grad, result, bias, x, w_t: mm(grad, t(w_t)),
    # As the transpose of grad.T @ x, so that the weight's gradient (its transpose) is contiguous.
    lambda grad, result, bias, x, w_t: t(mm(t(grad), x)),
)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, as ``torch.nn.functional.linear``.

    >>> linear(chainrule.ones(2, 3), chainrule.ones(4, 3)).shape
    chainrule.Size([2, 4])
    """
    if bias is None or weight.dim() != 2 or input.dim() == 0:
        out = matmul(input, t(weight))
        return out if bias is None else out + bias
    if input.dim() == 2:
        return _addmm(bias, input, t(weight))
    batch = input.shape[:-1]
    flat = _ops.reshape(input, (-1, input.shape[-1])) if input.dim() > 1 else view(input, (1, -1))  # a copy only when input is not contiguous
    out = _addmm(bias, flat, t(weight))
    return view(out, (*batch, weight.shape[0]))


def _addmm(bias: Tensor, x: Tensor, w_t: Tensor) -> Tensor:
    if x.shape[1] != w_t.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[1]} and "
            f"{w_t.shape[0]}x{w_t.shape[1]})"
        )
    if x.dtype != w_t.dtype or bias.dtype != x.dtype:  # PyTorch names the bias ("self") and the weight
        raise RuntimeError("self and mat2 must have the same dtype, but got "
                           f"{_dtype_name(bias)} and {_dtype_name(w_t)}")
    return _linear_addmm(bias, x, w_t)


def _dtype_name(x: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(x._data.dtype.name, str(x.dtype))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            "bilinear(): input batch dimensions do not match: got "
            f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}"
        )
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.dim()} dimension(s)")
    # (..., 1, 1, i) @ (o, i, j) -> (..., o, 1, j), then contracted with input2 over j.
    left = matmul(unsqueeze(unsqueeze(input1, -2), -2), weight)
    out = sum(squeeze(left, -2) * unsqueeze(input2, -2), -1)
    return out if bias is None else out + bias


# -- rectifiers and thresholds ------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)`` elementwise."""
    return _ops.relu_(input) if inplace else _ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return _ops.relu_(input)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)`` (PyTorch records it as hardtanh)."""
    return hardtanh(input, 0.0, 6.0, inplace)


@primitive("HardtanhBackward0")
def _hardtanh(x, *, min_val, max_val):
    return np.clip(x, min_val, max_val)


# Zero gradient at the bounds themselves, as PyTorch.
defvjp(_hardtanh, lambda grad, result, x, *, min_val, max_val: where((x > min_val) & (x < max_val), grad, 0.0))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, inplace, "hardtanh_",
                          lambda x: _pointwise(_hardtanh, x, "hardtanh", min_val=min_val, max_val=max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


@primitive("LeakyReluBackward0")
def _leaky_relu(x, *, negative_slope):
    # max + slope * min rather than a mask (np.where is slow); keeps -0.0 and NaN as PyTorch.
    return (np.maximum(x, 0) + np.minimum(x, 0) * x.dtype.type(negative_slope)).astype(x.dtype, copy=False)


defvjp(_leaky_relu, lambda grad, result, x, *, negative_slope: where(x > 0, grad, grad * negative_slope))


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    return _maybe_inplace(input, inplace, "leaky_relu_",
                          lambda x: _pointwise(_leaky_relu, x, "leaky_relu", negative_slope=negative_slope))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


@primitive("ThresholdBackward0")
def _threshold(x, *, threshold, value):
    return np.where(x > threshold, x, value).astype(x.dtype, copy=False)


defvjp(_threshold, lambda grad, result, x, *, threshold, value: where(x > threshold, grad, 0.0))


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where it is above ``threshold``, else ``value``."""
    return _maybe_inplace(input, inplace, "threshold_",
                          lambda x: _pointwise(_threshold, x, "threshold", threshold=threshold, value=value))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return globals()["threshold"](input, threshold, value, inplace=True)


# -- exponential units --------------------------------------------------------------------------


def _elu_kernel(x, *, alpha, scale, input_scale):
    xo = _opmath(x)
    neg = (scale * alpha) * np.expm1(np.minimum(xo, 0) * input_scale)
    return np.where(xo > 0, xo * scale, neg).astype(x.dtype, copy=False)


# At 0 the negative branch's slope, as PyTorch (x <= 0); its own derivative there is 0, as
# PyTorch's double backward (x < 0). where(x < 0, x, 0) also keeps exp from overflowing.
def _elu_vjp(grad, result, x, *, alpha, scale, input_scale):
    neg = grad * (scale * alpha * input_scale) * exp(where(x < 0, x, 0.0) * input_scale)
    return where(x <= 0, neg, grad * scale)


_elu = primitive("EluBackward0")(_elu_kernel)
defvjp(_elu, _elu_vjp)


def _celu_kernel(x, *, alpha, scale, input_scale):
    return _elu_kernel(x, alpha=alpha, scale=scale, input_scale=input_scale)


_celu = primitive("CeluBackward0")(_celu_kernel)
defvjp(_celu, _elu_vjp)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    return _maybe_inplace(input, inplace, "elu_",
                          lambda x: _pointwise(_elu, x, "elu", alpha=alpha, scale=1.0, input_scale=1.0))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the self-normalising constants."""
    return _maybe_inplace(input, inplace, "selu_", lambda x: _pointwise(
        _elu, x, "selu", alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0))


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _maybe_inplace(input, inplace, "celu_", lambda x: _pointwise(
        _celu, x, "celu", alpha=alpha, scale=1.0, input_scale=1.0 / alpha))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


# -- gelu ---------------------------------------------------------------------------------------
# A primitive for speed (one NumPy pass each way); its backward is a primitive too
# (GeluBackwardBackward0, as PyTorch), whose rules give every higher order.



def _erfcx_coefficients(degree: int) -> np.ndarray:
    """Power-series coefficients, in u = (2 - z) / (2 + z), of erfcx(z) = exp(z**2) erfc(z), z >= 0.

    Interpolated at Chebyshev points once, at import, from math.erfc: erfcx is smooth in
    u on [-1, 1] (u = -1 is z = infinity), so a short polynomial is accurate everywhere.
    """
    from numpy.polynomial import chebyshev

    def erfcx(u):
        z = 2 * (1 - u) / (1 + u) if u > -1 else math.inf
        if z > 25:  # asymptotic series (erfc underflows out here)
            w = 1 / (z * z)
            return (1 - 0.5 * w + 0.75 * w * w - 1.875 * w**3) / (z * math.sqrt(math.pi))
        return math.erfc(z) * math.exp(z * z)

    cheb = chebyshev.chebinterpolate(np.vectorize(erfcx), degree)
    return chebyshev.cheb2poly(cheb)[::-1].copy()


# Relative errors in erfcx: 2e-13 (degree 22, float64), 6e-7 (degree 12 evaluated in float32).
_ERFCX_64 = _erfcx_coefficients(22)
_ERFCX_32 = _erfcx_coefficients(12).astype(np.float32)


def _normal_cdf(x: np.ndarray, gauss: np.ndarray) -> np.ndarray:
    """Phi(x), the standard normal CDF, to relative precision in both tails, given
    ``gauss = exp(-x**2 / 2)``. Vectorised NumPy only (no masks: they are slow)."""
    coeffs = _ERFCX_32 if x.dtype == np.float32 else _ERFCX_64
    # In place throughout (out= keeps 0-d results arrays): each temporary of a large
    # tensor costs fresh pages.
    u = np.abs(x, out=np.empty_like(x))
    u *= x.dtype.type(_SQRT1_2)  # z
    u += 2
    np.divide(4, u, out=u)
    u -= 1  # (2 - z) / (2 + z), and -1 at z = inf
    acc = np.full_like(x, coeffs[0])
    for c in coeffs[1:]:
        acc *= u
        acc += c
    q = acc
    q *= gauss
    q *= 0.5  # Phi(-|x|): small where x is very negative, and kept to relative precision
    # Phi(x) is q below 0 and 1 - q above, written without a cancelling subtraction below 0.
    above = np.multiply(q, -2, out=u)
    above += 1
    above *= x >= 0
    q += above
    return q


_SQRT1_2 = 1 / math.sqrt(2)
_SQRT2_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_C = 0.044715


def _tanh_inner(xo, x2):
    """tanh(sqrt(2/pi) * (x + 0.044715 x**3)) given ``x2 = x * x``, in one new array."""
    th = np.multiply(x2, _GELU_C, out=np.empty_like(x2))  # out=: an array even when 0-d
    th += 1
    th *= xo
    th *= _SQRT2_PI
    return np.tanh(th, out=th)


def _gelu_np(x, approximate):
    xo = _opmath(x)
    if approximate == "tanh":  # in place: each temporary costs a pass over memory
        out = _tanh_inner(xo, np.multiply(xo, xo, out=np.empty_like(xo)))
        out += 1
        out *= xo
        out *= 0.5
    else:
        out = _normal_cdf(xo, _gauss(xo))
        out *= xo
    return _nd(out).astype(x.dtype, copy=False)


def _gauss(xo):
    """exp(-x**2 / 2), as a new array."""
    g = np.multiply(xo, xo, out=np.empty_like(xo))
    g *= -0.5
    return np.exp(g, out=g)


def _gelu_grad_np(grad, x, approximate):
    xo = _opmath(x)
    if approximate == "tanh":
        # 0.5 (1 + th) + 0.5 x (1 - th**2) d_inner, with d_inner = sqrt(2/pi) (1 + 3 * 0.044715 x**2)
        x2 = np.multiply(xo, xo, out=np.empty_like(xo))
        th = _tanh_inner(xo, x2)
        d = x2
        d *= 3 * _GELU_C * _SQRT2_PI
        d += _SQRT2_PI
        d *= xo
        d *= 0.5
        sech2 = np.multiply(th, th, out=np.empty_like(th))
        np.subtract(1, sech2, out=sech2)
        d *= sech2
        th += 1
        th *= 0.5
        d += th
    else:
        gauss = _gauss(xo)
        d = _normal_cdf(xo, gauss)
        gauss *= xo
        gauss *= xo.dtype.type(_INV_SQRT_2PI)
        d += gauss
    return _nd(_opmath(grad) * d).astype(grad.dtype, copy=False)


@primitive("GeluBackward0")
def _gelu(x, *, approximate):
    return _gelu_np(x, approximate)


defvjp(_gelu, lambda grad, result, x, *, approximate: _gelu_backward(grad, x, approximate=approximate))


@primitive("GeluBackwardBackward0")
def _gelu_backward(grad, x, *, approximate):
    return _gelu_grad_np(grad, x, approximate)


def _gelu_second(x: Tensor, approximate: str) -> Tensor:
    """gelu''(x), in chainrule ops."""
    if approximate == "tanh":
        inner = _SQRT2_PI * (x + _GELU_C * x * x * x)
        th = tanh(inner)
        d_inner = _SQRT2_PI * (1 + 3 * _GELU_C * x * x)
        dd_inner = _SQRT2_PI * 6 * _GELU_C * x
        return (1 - th * th) * (d_inner - x * th * d_inner * d_inner + 0.5 * x * dd_inner)
    return exp(-0.5 * x * x) * _INV_SQRT_2PI * (2 - x * x)


defvjp(
    _gelu_backward,
    lambda gg, result, grad, x, *, approximate: _gelu_backward(gg, x, approximate=approximate),
    lambda gg, result, grad, x, *, approximate: gg * grad * _gelu_second(x, approximate),
)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: ``x * Phi(x)``, or its tanh approximation.

    >>> gelu(chainrule.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _pointwise(_gelu, input, "GeluKernelImpl", approximate=approximate)


# -- smooth activations --------------------------------------------------------------------------


@primitive("SiluBackward0")
def _silu(x):
    xo = _opmath(x)
    return (xo * _sigmoid_np(xo)).astype(x.dtype, copy=False)


defvjp(_silu, lambda grad, result, x: _silu_backward(grad, x))


# silu's backward as one NumPy pass (SiluBackwardBackward0, as PyTorch); its rules give
# the higher orders.
@primitive("SiluBackwardBackward0")
def _silu_backward(grad, x):
    xo = _opmath(x)
    s = _sigmoid_np(xo)
    return (_opmath(grad) * s * (1 + xo * (1 - s))).astype(grad.dtype, copy=False)


def _silu_second(x: Tensor) -> Tensor:
    s = sigmoid(x)
    return s * (1 - s) * (2 + x * (1 - 2 * s))


defvjp(
    _silu_backward,
    lambda gg, result, grad, x: _silu_backward(gg, x),
    lambda gg, result, grad, x: gg * grad * _silu_second(x),
)


def _sigmoid_np(x):
    # exp(-x) overflows to inf for very negative x, and 1 / inf is the right 0 (no masks: slow).
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _softplus_np(x):
    """log(1 + exp(x)) without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (swish)."""
    return _maybe_inplace(input, inplace, "silu_", lambda x: _pointwise(_silu, x, "silu_cpu"))


@primitive("MishBackward0")
def _mish(x):
    xo = _opmath(x)
    return (xo * np.tanh(_softplus_np(xo))).astype(x.dtype, copy=False)


def _mish_vjp(grad, result, x):
    tsp = tanh(softplus(x))
    return grad * (tsp + x * sigmoid(x) * (1 - tsp * tsp))


defvjp(_mish, _mish_vjp)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))``."""
    return _maybe_inplace(input, inplace, "mish_", lambda x: _pointwise(_mish, x, "mish"))


@primitive("SoftplusBackward0")
def _softplus(x, *, beta, threshold):
    xo = _opmath(x)
    z = xo * beta
    return np.where(z > threshold, xo, _softplus_np(z) / beta).astype(x.dtype, copy=False)


# Above the threshold the function is the identity, and so is its gradient (as PyTorch).
defvjp(_softplus, lambda grad, result, x, *, beta, threshold: where(
    x * beta > threshold, grad, grad * sigmoid(x * beta)))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""
    return _pointwise(_softplus, input, "softplus", beta=beta, threshold=threshold)


@primitive("LogSigmoidBackward0")
def _logsigmoid(x):
    xo = _opmath(x)
    return (np.minimum(xo, 0) - np.log1p(np.exp(-np.abs(xo)))).astype(x.dtype, copy=False)


defvjp(_logsigmoid, lambda grad, result, x: grad * sigmoid(-x))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, finite for large negative inputs."""
    return _pointwise(_logsigmoid, input, "log_sigmoid_forward")


@primitive("HardsigmoidBackward0")
def _hardsigmoid(x):
    return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)


# PyTorch multiplies by 1/6 rounded to float32, in every dtype.
_ONE_SIXTH = float(np.float32(1) / np.float32(6))
defvjp(_hardsigmoid, lambda grad, result, x: where((x > -3) & (x < 3), grad * _ONE_SIXTH, 0.0))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _maybe_inplace(input, inplace, "hardsigmoid_", lambda x: _pointwise(_hardsigmoid, x, "hardsigmoid"))


@primitive("HardswishBackward0")
def _hardswish(x):
    return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)


# PyTorch's branches: 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above.
defvjp(_hardswish, lambda grad, result, x: where(x < -3, 0.0, where(x <= 3, grad * (x / 3 + 0.5), grad)))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return _maybe_inplace(input, inplace, "hardswish_", lambda x: _pointwise(_hardswish, x, "hardswish"))


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)``."""
    return input - tanh(input)


@primitive("GluBackward0")
def _glu(x, *, dim):
    a, b = np.split(_opmath(x), 2, axis=dim)
    return (a * _sigmoid_np(b)).astype(x.dtype, copy=False)


def _glu_vjp(grad, result, x, *, dim):
    half = x.shape[dim] // 2
    first = (slice(None),) * dim + (slice(0, half),)
    second = (slice(None),) * dim + (slice(half, None),)
    a, s = x[first], sigmoid(x[second])
    ga = grad * s
    gb = grad * a * s * (1 - s)
    return _index_backward(ga, index=first, shape=x.shape) + _index_backward(gb, index=second, shape=x.shape)


defvjp(_glu, _glu_vjp)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where ``a`` and ``b`` are the halves of ``input`` along ``dim``."""
    _check_float(input, "glu")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = norm_dim(dim, input.dim())
    if input.shape[d] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}"
        )
    return record(_glu, _glu.kernel(input._data, dim=d), (input,), {"dim": d})


# -- softmax family -----------------------------------------------------------------------------
# Primitives for stability (the max is subtracted before exp) and speed; their backward
# kernels are primitives too (PyTorch's *BackwardDataBackward0), so double backward is two
# fused ops, not a chain of small ones.


def _reduce_sum(a, dim):
    return np.sum(a, axis=dim, keepdims=True) if a.ndim else a


def _softmax_np(x, dim):
    xo = _opmath(x)
    if xo.ndim == 0:
        return np.exp(xo - xo).astype(x.dtype)
    if xo.size == 0:
        return np.empty_like(x)
    e = np.exp(xo - np.max(xo, axis=dim, keepdims=True))
    e /= np.sum(e, axis=dim, keepdims=True)
    return e.astype(x.dtype, copy=False)


def _log_softmax_np(x, dim):
    xo = _opmath(x)
    if xo.ndim == 0:
        return (xo - xo).astype(x.dtype)
    if xo.size == 0:
        return np.empty_like(x)
    shifted = xo - np.max(xo, axis=dim, keepdims=True)
    shifted -= np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
    return shifted.astype(x.dtype, copy=False)


@primitive("SoftmaxBackward0", save_inputs=False, save_result=True)
def _softmax(x, *, dim):
    return _softmax_np(x, dim)


defvjp(_softmax, lambda grad, result, x, *, dim: _softmax_backward(grad, result, dim=dim))


@primitive("SoftmaxBackwardDataBackward0")
def _softmax_backward(grad, y, *, dim):
    g, yo = _opmath(grad), _opmath(y)
    return _nd(yo * (g - _reduce_sum(g * yo, dim))).astype(grad.dtype, copy=False)


# The softmax Jacobian is symmetric: its backward's gradient in `grad` is itself.
def _softmax_backward_vjp_y(gg, result, grad, y, *, dim):
    return gg * (grad - sum(grad * y, dim, True)) - grad * sum(gg * y, dim, True)


defvjp(
    _softmax_backward,
    lambda gg, result, grad, y, *, dim: _softmax_backward(gg, y, dim=dim),
    _softmax_backward_vjp_y,
)


@primitive("LogSoftmaxBackward0", save_inputs=False, save_result=True)
def _log_softmax(x, *, dim):
    return _log_softmax_np(x, dim)


defvjp(_log_softmax, lambda grad, result, x, *, dim: _log_softmax_backward(grad, result, dim=dim))


@primitive("LogSoftmaxBackwardDataBackward0")
def _log_softmax_backward(grad, y, *, dim):
    g, yo = _opmath(grad), _opmath(y)
    return _nd(g - np.exp(yo) * _reduce_sum(g, dim)).astype(grad.dtype, copy=False)


defvjp(
    _log_softmax_backward,
    lambda gg, result, grad, y, *, dim: gg - sum(gg * exp(y), dim, True),
    lambda gg, result, grad, y, *, dim: -gg * exp(y) * sum(grad, dim, True),
)


def _softmax_dim(input: Tensor, dim, name: str, stacklevel: int = 4) -> int:
    if dim is None:
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
            "as an argument.",
            UserWarning,
            stacklevel=stacklevel,  # the user's call
        )
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return norm_dim(dim, input.dim())


def _softmax_like(prim, input: Tensor, dim, dtype, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    d = _softmax_dim(input, dim, name)
    if dtype is not None:
        input = to_dtype(input, dtype)
    _check_float(input, "softmax_lastdim_kernel_impl" if name == "softmax" else "log_softmax_lastdim_kernel_impl")
    return record(prim, prim.kernel(input._data, dim=d), (input,), {"dim": d})


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``, computed stably.

    >>> softmax(chainrule.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return _softmax_like(_softmax, input, dim, dtype, "softmax")


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(x))``, finite where softmax underflows."""
    return _softmax_like(_log_softmax, input, dim, dtype, "log_softmax")


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-input)``."""
    if dim is None:
        dim = _softmax_dim(input, None, "softmin", 3)
    if dtype is not None:
        input = to_dtype(input, dtype)
    return _softmax_like(_softmax, -input, dim, None, "softmin")


# -- distances ----------------------------------------------------------------------------------


@primitive("NormBackward1", save_result=True)
def _pnorm(x, *, p, dim, keepdim):
    xo = _opmath(x)
    if p == 2:
        out = np.sqrt(np.sum(xo * xo, axis=dim, keepdims=keepdim))
    elif p == 1:
        out = np.sum(np.abs(xo), axis=dim, keepdims=keepdim)
    elif p == math.inf:
        out = np.max(np.abs(xo), axis=dim, keepdims=keepdim, initial=0)
    elif p == 0:
        out = np.sum(xo != 0, axis=dim, keepdims=keepdim).astype(xo.dtype)
    else:
        out = np.sum(np.abs(xo) ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)
    return _nd(out).astype(x.dtype, copy=False)


def _pnorm_vjp(grad, result, x, *, p, dim, keepdim):
    """linalg.vector_norm's rule (zero norms get zero gradients, as PyTorch's norm backward)."""
    from ..linalg._functions import _vector_norm_vjp

    dims = tuple(sorted({d % x.ndim for d in ((dim,) if isinstance(dim, int) else dim)}))  # (a tuple under vmap)
    if p == 0:
        shape = tuple(1 if i in dims else s for i, s in enumerate(x.shape))
        return (grad if keepdim else grad.reshape(shape)) * 0.0 * x
    return _vector_norm_vjp(grad, result, x, ord=float(p), dim=dims, keepdim=keepdim)


defvjp(_pnorm, _pnorm_vjp)


def _norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    d = norm_dim(dim, x.dim())
    return record(_pnorm, _pnorm.kernel(x._data, p=p, dim=d, keepdim=keepdim), (x,), {"p": p, "dim": d, "keepdim": keepdim})


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    denom = clamp_min(_norm(input, p, dim, True), eps)
    return input / expand(denom, input.shape)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (they broadcast)."""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = expand(x1, shape), expand(x2, shape)
    d = norm_dim(dim, len(shape))
    n1 = clamp_min(_norm(x1, 2, d, True), eps)
    n2 = clamp_min(_norm(x2, 2, d, True), eps)
    return sum((x1 / n1) * (x2 / n2), d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension."""
    diff = x1 - x2 + eps
    if diff.dim() == 0:
        return _norm(reshape(diff, (1,)), p, 0, keepdim) if keepdim else _norm(reshape(diff, (1,)), p, 0, False)
    return _norm(diff, p, -1, keepdim)


# -- dropout ------------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, p: float) -> np.ndarray:
    from .._creation import _rng

    return _rng(None).random(input.shape) >= p  # _rng: vmap's randomness check


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    from ..ops import _registry

    if _registry._transform is not None:  # inside vmap: its `randomness` flag decides the mask
        from ..func._vmap import dropout_noise

        noise = dropout_noise(input, p, scale)
    else:
        keep = _keep_mask(input, p)
        noise = Tensor._make((keep * scale).astype(input._data.dtype))
    return _maybe_inplace(input, inplace, "mul_", lambda x: x * noise)


_ALPHA_DROPOUT = 1.7580993408473766  # -SELU's negative saturation value, negated


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * Tensor._make(np.zeros((), dtype=input._data.dtype))
    return _alpha_noise(input, _keep_mask(input, p).astype(input._data.dtype), p, inplace)


def _feature_keep(input: Tensor, p: float, batched: bool) -> np.ndarray:
    """One Bernoulli keep draw per (sample, channel), or per channel, broadcast over the rest."""
    from .._creation import _rng

    if batched and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    keep_dims = 2 if batched else 1
    shape = tuple(input.shape[:keep_dims]) + (1,) * (input.dim() - keep_dims)
    return (_rng(None).random(shape) >= p).astype(input._data.dtype)


_SPATIAL_NOTE = ("Note that {name} exists to provide channel-wise dropout on inputs with {s} spatial "
                 "dimension{plural}, a channel dimension, and an optional batch dimension (i.e. {a}D or {b}D inputs).")


def _channel_dropout(input: Tensor, p: float, training: bool, inplace: bool, spatial: int, name: str) -> Tensor:
    _check_p(p)
    dim = input.dim()
    note = _SPATIAL_NOTE.format(name=name, s=spatial, plural="" if spatial == 1 else "s", a=spatial + 1, b=spatial + 2)
    if dim not in (spatial + 1, spatial + 2):
        if spatial == 1:
            raise RuntimeError(f"{name}: Expected 2D or 3D input, but received a {dim}D input. {note}")
        warnings.warn(f"{name}: Received a {dim}-D input to {name}, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. {note}", stacklevel=3)
    if spatial == 2 and dim == 3:
        # PyTorch reads a 3-D input to dropout2d as (N, C, L), for backward compatibility.
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.", stacklevel=3,
        )
    if not training or p == 0.0:
        return input
    batched = spatial == 2 or dim == spatial + 2
    if p == 1.0:  # nothing is kept: no draw (PyTorch does not draw either)
        if batched and dim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        noise = Tensor._make(np.zeros((), dtype=input._data.dtype))
    else:
        noise = Tensor._make((_feature_keep(input, p, batched) / (1.0 - p)).astype(input._data.dtype))
    return _maybe_inplace(input, inplace, "mul_", lambda x: x * noise)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``, scaling the rest."""
    return _channel_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p`` (3-D input is read as ``(N, C, L)``)."""
    return _channel_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability ``p``."""
    return _channel_dropout(input, p, training, inplace, 3, "dropout3d")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: a dropped channel takes SELU's saturation value, then all are
    rescaled to keep zero mean and unit variance."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * Tensor._make(np.zeros((), dtype=input._data.dtype))
    keep = _feature_keep(input, p, True)
    return _alpha_noise(input, keep, p, inplace)


def _alpha_noise(input: Tensor, keep: np.ndarray, p: float, inplace: bool) -> Tensor:
    """``input * keep * a + b``: alpha dropout's affine map for a (broadcastable) keep mask."""
    a = 1.0 / math.sqrt((_ALPHA_DROPOUT**2 * p + 1) * (1 - p))
    dt = input._data.dtype
    b = Tensor._make(((keep - 1) * (_ALPHA_DROPOUT * a) + _ALPHA_DROPOUT * a * p).astype(dt))
    name = "feature_alpha_dropout_" if keep.shape != input._data.shape else "alpha_dropout_"
    return _maybe_inplace(input, inplace, name, lambda x: x * Tensor._make((keep * a).astype(dt)) + b)


# -- shrinkage, PReLU, RReLU ---------------------------------------------------------------------


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0."""
    return _ops.hardshrink(input, lambd)


_DTYPE_WORDS = {"float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink ``input`` toward zero by ``lambd``: ``x - lambd`` above it, ``x + lambd`` below ``-lambd``, else 0."""
    _check_float(input, "softshrink")
    if lambd < 0:
        top = np.finfo(input._data.dtype).max
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {_DTYPE_WORDS[input._data.dtype.name]}, "
                           f"but found {lambd:g}")
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, input * 0))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``: one slope shared, or one per channel (dim 1)."""
    _check_float(input, "prelu_cpu")
    if weight._data.dtype != input._data.dtype:
        words = [_INT_WORDS.get(d.name) or _DTYPE_WORDS[d.name] for d in (input._data.dtype, weight._data.dtype)]
        raise RuntimeError(f"prelu: Type promoting not supported. Got {words[0]} and {words[1]}")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    n = weight.numel()
    if n == 1:
        weight = reshape(weight, ())
    else:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else 1
        if n != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{n} and channel size = {channels}."
            )
        if input.dim() >= 2:
            weight = reshape(weight, (-1,) + (1,) * (input.dim() - 2))
    return where(input > 0, input, weight * input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky ReLU whose negative slopes are drawn uniformly from ``[lower, upper]`` in training,
    and are ``(lower + upper) / 2`` otherwise."""
    _check_float(input, "rrelu_with_noise")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    from .._creation import _rng

    u = _rng(None).uniform(lower, upper, input.shape)
    slopes = np.where(input._data >= 0, 1, u).astype(input._data.dtype)
    noise = Tensor._make(slopes)
    return _maybe_inplace(input, inplace, "rrelu_with_noise_", lambda x: x * noise)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


# -- channel_shuffle, pdist ----------------------------------------------------------------------


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels (dim 1) of ``input`` ``(N, C, *)`` across ``groups``: channel
    ``g * (C / groups) + k`` moves to ``k * groups + g``."""
    if input.dim() <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes {_dims(input)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input.shape[:2]
    if c % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    x = reshape(input, (n, groups, c // groups) + rest).transpose(1, 2)
    return reshape(x, (n, c) + rest)


def _dims(t: Tensor) -> str:
    """A shape as PyTorch's messages print it: ``[2, 3]``."""
    return "[" + ", ".join(str(d) for d in t.shape) + "]"


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between every pair of rows of the 2-d ``input``: the upper triangle of
    ``cdist(input, input)``, row by row, of length ``N * (N - 1) / 2``."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    rows_i = _ops.index_select(input, 0, Tensor._make(i.astype(np.int64)))
    rows_j = _ops.index_select(input, 0, Tensor._make(j.astype(np.int64)))
    return _norm(rows_i - rows_j, float(p), 1, False)


# -- one_hot ------------------------------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices: a new last dimension of size ``num_classes``."""
    if tensor.dtype.np != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes < -1:
        raise RuntimeError("num_classes should be positive")
    if tensor.numel() == 0 and num_classes == -1:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    # With num_classes given, the zeros are made before the classes are read, and the ones are
    # scattered by an op: vmap batches it (Note [How vmap works] in func/_vmap.py).
    zeros = None if num_classes == -1 else Tensor._make(np.zeros(tuple(tensor.shape) + (num_classes,), np.int64))
    d = tensor._data
    if d.size and d.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(d.max()) + 1
        zeros = Tensor._make(np.zeros(d.shape + (num_classes,), np.int64))
    elif d.size and d.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _ops.scatter(zeros, -1, unsqueeze(tensor, -1), value=1)

