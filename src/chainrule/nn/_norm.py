"""Normalisation layers of chainrule.nn.functional: layer, batch, group, instance, RMS, LRN.

# Note [Fused normalisation]
layer_norm, batch_norm and group_norm share one fused primitive (``_native_norm``) for
speed: one NumPy pass computes the statistics and the affine output, where a composite
would record a dozen nodes. The input is viewed as ``stat_shape`` and normalised over
``axes``; the weight and bias broadcast as ``affine_shape``. Its rules recompute the
statistics with chainrule ops (rather than saving raw arrays) so that they are
differentiable again: double backward works.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd import _inplace
from ..ops import mean, reshape, sum_to_size, unsqueeze, expand
from ..ops._registry import defvjp, primitive, record
from ._conv import _type_name, avg_pool2d, avg_pool3d, pad

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm", "rms_norm"]


def _mean(a: np.ndarray, axes: tuple) -> np.ndarray:
    """``a.mean(axes, keepdims=True)``; over trailing dims as one BLAS product with a vector
    of 1/m (NumPy's reductions along a short last axis are several times slower)."""
    k = len(axes)
    m = math.prod(a.shape[a.ndim - k :])
    if m and axes == tuple(range(a.ndim - k, a.ndim)) and a.flags.c_contiguous:
        return (a.reshape(-1, m) @ np.full(m, 1.0 / m, dtype=a.dtype)).reshape(
            a.shape[: a.ndim - k] + (1,) * k
        )
    return a.mean(axes, keepdims=True)


def _normalized(x: np.ndarray, stat_shape: tuple, axes: tuple, eps: float):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` of ``x`` viewed as ``stat_shape``, and the stats."""
    xs = x.reshape(stat_shape)
    if xs.dtype == np.float16:  # PyTorch accumulates half in float
        xs = xs.astype(np.float32)
    mu = _mean(xs, axes)
    xc = xs - mu
    var = _mean(xc * xc, axes)
    rstd = 1.0 / np.sqrt(var + eps)
    xc *= rstd
    return xc.reshape(x.shape), mu, var


def _native_norm_kernel(x, w, b, *, stat_shape, axes, affine_shape, eps):
    y, _, _ = _normalized(x, stat_shape, axes, eps)
    if w is not None:
        y *= w.reshape(affine_shape)
    if b is not None:
        y += b.reshape(affine_shape)
    return y.astype(x.dtype, copy=False)


def _xhat(x: Tensor, stat_shape, axes, eps):
    """The normalised input and 1 / std, recomputed with chainrule ops (differentiable)."""
    xs = reshape(x, stat_shape)
    xc = xs - mean(xs, axes, keepdim=True)
    rstd = (mean(xc * xc, axes, keepdim=True) + eps) ** -0.5
    return xc * rstd, rstd


def _native_norm_vjp_input(grad, result, x, w, b, *, stat_shape, axes, affine_shape, eps):
    xhat, rstd = _xhat(x, stat_shape, axes, eps)
    g = grad if w is None else grad * reshape(w, affine_shape)
    g = reshape(g, stat_shape)
    dx = rstd * (g - mean(g, axes, keepdim=True) - xhat * mean(g * xhat, axes, keepdim=True))
    return reshape(dx, x.shape)


def _native_norm_vjp_bias(grad, result, x, w, b, *, stat_shape, axes, affine_shape, eps):
    return reshape(sum_to_size(grad, affine_shape), b.shape)


# -- fused backward (speed) ----------------------------------------------------------------------
# The first derivatives above are about a dozen chainrule ops each; as NumPy kernels they are
# a few passes over the data. Their own derivatives (double backward) are taken from those
# composites by a nested autograd.grad, so every order stays exact.


def _norm_input_grad_kernel(g, x, w, *, stat_shape, axes, affine_shape, eps):
    if x.size == 0:
        return np.zeros(x.shape, dtype=x.dtype)
    xhat, _, var = _normalized(x, stat_shape, axes, eps)
    rstd = 1.0 / np.sqrt(var + eps)
    gw = (g if w is None else g * w.reshape(affine_shape)).reshape(stat_shape)
    xh = xhat.reshape(stat_shape)
    dx = gw - _mean(gw, axes)
    dx -= xh * _mean(gw * xh, axes)
    dx *= rstd
    return dx.reshape(x.shape).astype(x.dtype, copy=False)


def _reduce_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``a`` over the dims that broadcasting ``shape`` to ``a.shape`` added or expanded."""
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1
    )
    return a.sum(axes).reshape(shape) if axes else a.reshape(shape)


def _norm_weight_grad_kernel(g, x, *, stat_shape, axes, affine_shape, eps):
    if x.size == 0:
        return np.zeros(affine_shape, dtype=x.dtype)
    xhat, _, _ = _normalized(x, stat_shape, axes, eps)
    return _reduce_to(g * xhat, affine_shape).astype(x.dtype, copy=False)


def _composite_grad(composite, index: int):
    """A rule for a fused kernel: the VJP of the equivalent ``composite`` w.r.t. argument ``index``."""

    def rule(grad, result, *args, **params):
        from ..autograd import grad as autograd_grad
        from ..autograd.grad_mode import GRAD_ENABLED, enable_grad

        create_graph = GRAD_ENABLED.get()
        with enable_grad():
            out = composite(*args, **params)
            (r,) = autograd_grad(out, (args[index],), grad, create_graph=create_graph, allow_unused=True)
        return r if r is not None else grad.new_zeros(args[index].shape)

    return rule


def _input_grad_composite(g, x, w, **params):
    return _native_norm_vjp_input(g, None, x, w, None, **params)


def _weight_grad_composite(g, x, **params):
    xhat, _ = _xhat(x, params["stat_shape"], params["axes"], params["eps"])
    return sum_to_size(g * reshape(xhat, x.shape), params["affine_shape"])


_NORM_PRIMS = {}
_NORM_INPUT_GRAD = {}
_NORM_WEIGHT_GRAD = {}
for _name in ("NativeLayerNormBackward0", "NativeBatchNormBackward0", "NativeGroupNormBackward0"):
    _double = _name.replace("Backward0", "BackwardBackward0")
    _NORM_PRIMS[_name] = primitive(_name)(_native_norm_kernel)
    _NORM_INPUT_GRAD[_name] = _p = primitive(_double)(_norm_input_grad_kernel)
    defvjp(_p, *(_composite_grad(_input_grad_composite, i) for i in range(3)))
    _NORM_WEIGHT_GRAD[_name] = _p = primitive(_double)(_norm_weight_grad_kernel)
    defvjp(_p, *(_composite_grad(_weight_grad_composite, i) for i in range(2)))
    defvjp(
        _NORM_PRIMS[_name],
        lambda grad, result, x, w, b, _k=_name, **params: _NORM_INPUT_GRAD[_k](grad, x, w, **params),
        lambda grad, result, x, w, b, _k=_name, **params: reshape(
            _NORM_WEIGHT_GRAD[_k](grad, x, **params), w.shape
        ),
        _native_norm_vjp_bias,
    )


def _check_float(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _check_affine_dtype(input: Tensor, *params) -> None:
    for p in params:
        if p is not None and p._data.dtype != input._data.dtype and input._data.dtype != np.float16:
            raise RuntimeError(
                f"expected scalar type {_type_name(input).capitalize()} but found {_type_name(p).capitalize()}"
            )


def _check_batch_norm_dtypes(input: Tensor, weight, bias, running_mean, running_var) -> None:
    """PyTorch's CPU rule: the parameters and running statistics have the input's dtype, except
    that a float16 input may have them all float32 ("mixed"), as the first one given (weight,
    bias, mean, var) says."""
    given = [p for p in (weight, bias, running_mean, running_var) if p is not None]
    if input._data.dtype != np.float16:
        for p in given:
            if p._data.dtype != input._data.dtype:
                raise RuntimeError(
                    f"expected scalar type {_type_name(input).capitalize()} but found {_type_name(p).capitalize()}: "
                    "give batch_norm's weight, bias and running statistics the input's dtype"
                )
        return None
    if not given:
        return None
    want = np.float16 if given[0]._data.dtype == np.float16 else np.float32
    for p in given:
        if p._data.dtype == want:
            continue
        if want == np.float32:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float: give a float16 "
                               "input float16 weight, bias and running statistics, or all of them float32")
        raise RuntimeError(f"expected scalar type Half but found {_type_name(p).capitalize()}: give a float16 input "
                           "float16 weight, bias and running statistics, or all of them float32")
    return None


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims, then scale by ``weight`` and shift by ``bias``.

    >>> F.layer_norm(chainrule.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    _check_float(input, "layer_norm")
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int"
        )
    shape = tuple(int(s) for s in normalized_shape)
    d = input._data
    k = len(shape)
    if k == 0 or d.shape[d.ndim - k :] != shape or d.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(d.shape)}"
        )
    for p, what in ((weight, "weight"), (bias, "bias")):
        if p is not None and tuple(p._data.shape) != shape:
            raise RuntimeError(
                f"Expected {what} to be of same shape as normalized_shape, but got {what} of shape "
                f"{list(p._data.shape)} and normalized_shape = {list(shape)}"
            )
    _check_affine_dtype(input, weight, bias)
    axes = tuple(range(d.ndim - k, d.ndim))
    return _NORM_PRIMS["NativeLayerNormBackward0"](
        input, weight, bias, stat_shape=d.shape, axes=axes, affine_shape=shape, eps=eps
    )


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each of ``num_groups`` channel groups of (N, C, *) separately; per-channel affine."""
    _check_float(input, "group_norm")
    d = input._data
    if d.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {d.ndim}")
    n, c = d.shape[:2]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(d.shape)} and num_groups={num_groups}"
        )
    for p, what in ((weight, "weight"), (bias, "bias")):
        if p is not None and (p._data.ndim != 1 or p._data.shape[0] != c):
            raise RuntimeError(
                f"Expected {what} to be a vector of size equal to the number of channels in input, but got "
                f"{what} of shape {list(p._data.shape)} and input of shape {list(d.shape)}"
            )
    _check_affine_dtype(input, weight, bias)
    stats_shape = [n * c // num_groups, num_groups, *d.shape[2:]]
    if stats_shape[0] * math.prod(d.shape[2:]) == 1:  # PyTorch's check, on the shape it normalises
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {stats_shape}"
        )
    return _NORM_PRIMS["NativeGroupNormBackward0"](
        input,
        weight,
        bias,
        stat_shape=(n, num_groups, (c // num_groups) * math.prod(d.shape[2:])),
        axes=(2,),
        affine_shape=(c,) + (1,) * (d.ndim - 2),
        eps=eps,
    )


@primitive("NativeBatchNormBackward0")
def _batch_norm_eval(x, w, b, *, mean, invstd, affine_shape):
    y = (x - mean.reshape(affine_shape)) * invstd.reshape(affine_shape)
    if w is not None:
        y *= w.reshape(affine_shape)
    if b is not None:
        y += b.reshape(affine_shape)
    return y.astype(x.dtype, copy=False)


def _const(a: np.ndarray, shape) -> Tensor:
    return Tensor._make(np.ascontiguousarray(a.reshape(shape)))


def _batch_norm_eval_vjp_input(grad, result, x, w, b, *, mean, invstd, affine_shape):
    # The statistics may be float32 while x is float16: the gradient keeps x's dtype.
    scale = _const(invstd.astype(grad._data.dtype, copy=False), affine_shape)
    return grad * (scale if w is None else scale * reshape(w, affine_shape))


def _batch_norm_eval_vjp_weight(grad, result, x, w, b, *, mean, invstd, affine_shape):
    xhat = (x - _const(mean, affine_shape)) * _const(invstd, affine_shape)
    return reshape(sum_to_size(grad * xhat, affine_shape), w.shape)


defvjp(
    _batch_norm_eval,
    _batch_norm_eval_vjp_input,
    _batch_norm_eval_vjp_weight,
    lambda grad, result, x, w, b, *, mean, invstd, affine_shape: reshape(
        sum_to_size(grad, affine_shape), b.shape
    ),
)


def _update_running(running: Tensor | None, value: np.ndarray, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * value, in place, as PyTorch."""
    if running is None:
        return
    from ..ops import _registry

    if _registry._transform is not None:  # vmap: Note [How vmap works] in func/_vmap.py
        from ..func._vmap import check_running_stats

        check_running_stats(running)
    r = running._data
    r *= 1 - momentum
    r += (momentum * value).astype(r.dtype, copy=False)
    _inplace.bump(running._vc, "batch_norm")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of (N, C, *) by batch statistics (training, which also updates the
    running statistics in place) or by the running statistics (evaluation)."""
    _check_float(input, "batch_norm")
    d = input._data
    if d.ndim < 2:
        raise ValueError(f"Expected 2D or 3D input (got {d.ndim}D input)")
    c = d.shape[1]
    for p, what in (
        (running_mean, "running_mean"),
        (running_var, "running_var"),
        (weight, "weight"),
        (bias, "bias"),
    ):
        if p is not None and p._data.size != c:
            raise RuntimeError(f"{what} should contain {c} elements not {p._data.size}")
    _check_batch_norm_dtypes(input, weight, bias, running_mean, running_var)
    affine_shape = (c,) + (1,) * (d.ndim - 2)
    axes = (0,) + tuple(range(2, d.ndim))
    if training:
        count = d.size // c if c else 0
        if count == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {_size(d.shape)}"
            )
        params = {"stat_shape": d.shape, "axes": axes, "affine_shape": affine_shape, "eps": eps}
        # The kernel's work done here, so that its statistics also update the running ones.
        if count == 0:  # an empty batch: nothing to normalise, running statistics untouched
            return record(_NORM_PRIMS["NativeBatchNormBackward0"], d.copy(), (input, weight, bias), params)
        y, mu, var = _normalized(d, d.shape, axes, eps)
        if weight is not None:
            y *= weight._data.reshape(affine_shape)
        if bias is not None:
            y += bias._data.reshape(affine_shape)
        out = record(
            _NORM_PRIMS["NativeBatchNormBackward0"],
            y.astype(d.dtype, copy=False),
            (input, weight, bias),
            params,
        )
        if running_mean is not None or running_var is not None:
            _update_running(running_mean, mu.reshape(c), momentum)
            _update_running(running_var, var.reshape(c) * (count / (count - 1)), momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    mu = running_mean._data.astype(np.float32 if d.dtype == np.float16 else d.dtype)
    invstd = 1.0 / np.sqrt(running_var._data.astype(mu.dtype) + eps)
    return _batch_norm_eval(input, weight, bias, mean=mu, invstd=invstd, affine_shape=affine_shape)


def _size(shape) -> str:
    return f"torch.Size([{', '.join(map(str, shape))}])"


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims; PyTorch's batch norm of a
    (1, N * C, *) view, viewed back."""
    _check_float(input, "instance_norm")
    d = input._data
    if use_input_stats and math.prod(d.shape[2:]) <= 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {_size(d.shape)}"
        )
    if d.ndim < 3:
        raise ValueError(f"Expected 3D input (got {d.ndim}D input)")
    n, c = d.shape[:2]

    def repeated(p):
        return None if p is None else reshape(expand(unsqueeze(p, 0), (n, c)), (n * c,))

    folded = reshape(input, (1, n * c) + d.shape[2:])
    if use_input_stats:
        axes = tuple(range(2, d.ndim))
        out = _NORM_PRIMS["NativeBatchNormBackward0"](
            folded,
            repeated(weight),
            repeated(bias),
            stat_shape=folded._data.shape,
            axes=axes,
            affine_shape=(n * c,) + (1,) * (d.ndim - 2),
            eps=eps,
        )
        if running_mean is not None or running_var is not None:
            _, mu, var = _normalized(d, d.shape, axes, eps)
            count = math.prod(d.shape[2:])
            _update_running(running_mean, mu.reshape(n, c).mean(0), momentum)
            _update_running(running_var, (var.reshape(n, c) * (count / (count - 1))).mean(0), momentum)
    else:
        rm = np.tile(running_mean._data, n)
        rv = np.tile(running_var._data, n)
        out = batch_norm(
            folded, Tensor._make(rm), Tensor._make(rv), repeated(weight), repeated(bias), False, momentum, eps
        )
    return reshape(out, d.shape)


def rms_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """``input / sqrt(mean(input ** 2) + eps) * weight`` over the trailing ``normalized_shape`` dims."""
    shape = (
        (int(normalized_shape),)
        if isinstance(normalized_shape, (int, np.integer))
        else tuple(int(s) for s in normalized_shape)
    )
    d = input._data
    k = len(shape)
    if d.shape[d.ndim - k :] != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(d.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(d.dtype).eps)
    dims = tuple(range(-k, 0))
    out = input * (mean(input * input, dims, keepdim=True) + eps) ** -0.5
    return out if weight is None else out * weight


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Divide each element by (k + alpha * mean of squares over ``size`` neighbouring channels) ** beta."""
    d = input._data
    if d.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {d.ndim} dimensions)")
    if d.size == 0:
        return input
    div = unsqueeze(input * input, 1)
    if d.ndim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = d.shape
        div = reshape(div, (sizes[0], 1, sizes[1], sizes[2], -1))
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = reshape(div, sizes)
    div = (div * alpha + k) ** beta
    return input / div
