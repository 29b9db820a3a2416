"""Convolution, pooling, padding, resampling and embedding of chainrule.nn.functional.

# Note [Windows]
Convolution and max pooling read their input through a strided view of sliding windows,
shape ``(N, C, *out, *kernel)``, made by ``as_strided`` over the padded input: no copy, no
loop over pixels. Convolution flattens the windows once (im2col) and multiplies them by
the weight in ONE matmul, batched over groups. Its input gradient is the transposed
product folded back by ``_fold_windows`` (col2im: one vectorised strided add per kernel
offset, e.g. 9 for a 3x3 kernel); its weight gradient is one more matmul against the
windows. The three are primitives whose rules call each other, so gradients of any
order stay convolutions.

# Note [Separable maps]
Average pooling, adaptive average pooling, linear/bilinear/nearest resampling and the
reflect/replicate/circular pads are linear maps that act on each spatial axis
separately: ``y = A_h @ x @ A_w^T``. ``_separable`` applies one small dense matrix per
axis (one BLAS product each); the adjoint is the same kernel with the matrices
transposed, so each such op is a pair of primitives whose rules call each other.
Pads and nearest resampling only select elements: their matrices are kept as indices
(``_Select``) and applied by ``np.take``, exactly. Dense products would spread an
infinite input along its whole row (0 * inf = NaN); ``_along`` keeps it inside the
windows that contain it, as PyTorch does (linear resampling differs from PyTorch only
where PyTorch multiplies an infinity by an exactly-zero weight and gets NaN).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops import _registry
from ..ops import getitem, mean, squeeze, sum, unsqueeze
from ..ops._registry import defvjp, primitive, record

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "embedding",
    "fold",
    "interpolate",
    "lp_pool1d",
    "lp_pool2d",
    "max_pool1d",
    "max_pool2d",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


# -- geometry helpers --------------------------------------------------------------------------


def _tuple(value, n: int, name: str = "value") -> tuple:
    """An int or a sequence as an n-tuple of ints (a 1-sequence is repeated)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _pad_array(x: np.ndarray, pads: tuple, value=0) -> np.ndarray:
    """``x`` with ``pads`` ((lo, hi) per trailing spatial axis) added; negative pads crop."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        crop = tuple(
            slice(max(-lo, 0), s - max(-hi, 0)) for (lo, hi), s in zip(pads, x.shape[lead:], strict=False)
        )
        x = x[(Ellipsis,) + crop]
        pads = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
    # np.pad costs tens of microseconds in Python for small arrays: fill and copy instead.
    shape = x.shape[:lead] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[lead:], pads, strict=False))
    out = np.full(shape, value, dtype=x.dtype) if value else np.zeros(shape, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[lead:], pads, strict=False))] = x
    return out


def _windows(xp: np.ndarray, out: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """The read-only view of sliding windows of ``xp`` (Note [Windows]): (N, C, *out, *kernel)."""
    nd = len(kernel)
    st = xp.strides
    shape = xp.shape[:-nd] + tuple(out) + tuple(kernel)
    strides = (
        st[:-nd]
        + tuple(st[-nd + i] * stride[i] for i in range(nd))
        + tuple(st[-nd + i] * dilation[i] for i in range(nd))
    )
    return as_strided(xp, shape, strides, writeable=False)


def _fold_windows(cols: np.ndarray, padded: tuple, out: tuple, kernel: tuple, stride: tuple, dilation: tuple):
    """col2im: sum the windows ``cols`` (..., *out, *kernel) back into an array of shape (..., *padded)."""
    nd = len(kernel)
    lead = cols.shape[: cols.ndim - 2 * nd]
    xp = np.zeros(lead + tuple(padded), dtype=cols.dtype)
    # One strided add per kernel offset: every output position at once.
    for off in np.ndindex(*kernel):
        target = tuple(
            slice(o * d, o * d + (m - 1) * s + 1, s)
            for o, d, m, s in zip(off, dilation, out, stride, strict=False)
        )
        xp[(Ellipsis,) + target] += cols[(Ellipsis,) + off]
    return xp


def _out_size(spatial, kernel, stride, pads, dilation) -> tuple:
    return tuple(
        (s + lo + hi - d * (k - 1) - 1) // st + 1
        for s, k, st, (lo, hi), d in zip(spatial, kernel, stride, pads, dilation, strict=False)
    )


# -- convolution --------------------------------------------------------------------------------


def _im2col_groups(x, out, kernel, stride, pads, dilation, groups):
    """Windows of the padded ``x`` as columns per group: (groups, C/groups * prod(kernel), N * prod(out)).

    Output positions are the fastest axis so that the one copy runs along image rows
    (copying kernel-offset-fastest is about 15x slower).
    """
    n, c = x.shape[:2]
    nd = len(kernel)
    win = _windows(_pad_array(x, pads), out, kernel, stride, dilation)
    win = win.reshape((n, groups, c // groups) + tuple(out) + tuple(kernel))
    perm = (1, 2, *range(3 + nd, 3 + 2 * nd), 0, *range(3, 3 + nd))
    return win.transpose(perm).reshape(groups, (c // groups) * math.prod(kernel), n * math.prod(out))


def _grad_columns(g, groups):
    """(N, O, *out) as (groups, O/groups, N * prod(out))."""
    n, o = g.shape[:2]
    p = math.prod(g.shape[2:])
    return g.reshape(n, groups, o // groups, p).transpose(1, 2, 0, 3).reshape(groups, o // groups, n * p)


def _add_bias(y: np.ndarray, b) -> np.ndarray:
    if b is not None:
        y += b.reshape((-1,) + (1,) * (y.ndim - 2))
    return y


def _half_in_float(kernel):
    """Run ``kernel`` on float16 arrays in float32 and round the result back: NumPy has no
    half-precision BLAS (its float16 matmul is ~100x slower), and PyTorch accumulates
    half in float too."""

    @functools.wraps(kernel)
    def run(*arrays, **params):
        if any(getattr(a, "dtype", None) == np.float16 for a in arrays):
            up = [a.astype(np.float32) if getattr(a, "dtype", None) == np.float16 else a for a in arrays]
            return kernel(*up, **params).astype(np.float16)
        return kernel(*arrays, **params)

    return run


@primitive("ConvolutionBackward0")
@_half_in_float
def _convolution(x, w, b, *, stride, pads, dilation, groups):
    n = x.shape[0]
    o = w.shape[0]
    kernel = w.shape[2:]
    nd = len(kernel)
    out = _out_size(x.shape[2:], kernel, stride, pads, dilation)
    cols = _im2col_groups(x, out, kernel, stride, pads, dilation, groups)
    wm = w.reshape(groups, o // groups, math.prod(w.shape[1:]))
    y = np.matmul(wm, cols)  # (groups, O / groups, N * P): the one BLAS product
    y = y.reshape((groups, o // groups, n) + out).transpose(2, 0, 1, *range(3, 3 + nd))
    return _add_bias(np.ascontiguousarray(y).reshape((n, o) + out), b)


def _bias_grad(grad):
    return sum(grad, (0,) + tuple(range(2, grad.ndim)))


defvjp(
    _convolution,
    lambda grad, result, x, w, b, *, stride, pads, dilation, groups: _conv_input_grad(
        grad, w, None, stride=stride, pads=pads, dilation=dilation, groups=groups, spatial=x.shape[2:]
    ),
    lambda grad, result, x, w, b, *, stride, pads, dilation, groups: _conv_weight_grad(
        x, grad, stride=stride, pads=pads, dilation=dilation, groups=groups, kernel=w.shape[2:]
    ),
    lambda grad, result, x, w, b, **params: _bias_grad(grad),
)


@_half_in_float
def _conv_input_grad_kernel(g, w, b, *, stride, pads, dilation, groups, spatial):
    """The adjoint of convolution in its input (a transposed convolution) to ``spatial`` size."""
    n, o = g.shape[:2]
    out = g.shape[2:]
    kernel = w.shape[2:]
    nd = len(kernel)
    og, cg = o // groups, w.shape[1]
    wm = w.reshape(groups, og, cg * math.prod(kernel)).transpose(0, 2, 1)
    cols = np.matmul(wm, _grad_columns(g, groups))  # (groups, C/groups * K, N * P)
    cols = cols.reshape((groups, cg) + kernel + (n,) + out)
    cols = cols.transpose(2 + nd, 0, 1, *range(3 + nd, 3 + 2 * nd), *range(2, 2 + nd))  # (N, g, cg, *out, *k)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads, strict=False))
    xp = _fold_windows(cols, padded, out, kernel, stride, dilation).reshape((n, groups * cg) + padded)
    crop = tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads, strict=False))
    return _add_bias(np.ascontiguousarray(xp[(Ellipsis,) + crop]), b)


def _conv_to(x, w, like, *, stride, pads, dilation, groups):
    """Convolution cropped to ``like``'s spatial size: the adjoint of a transposed convolution
    whose output_padding went past the stride (those last outputs reach no input)."""
    out = _convolution(x, w, None, stride=stride, pads=pads, dilation=dilation, groups=groups)
    if out.shape[2:] != like.shape[2:]:
        out = getitem(out, (Ellipsis,) + tuple(slice(0, s) for s in like.shape[2:]))
    return out


def _conv_input_grad_vjp_g(grad, result, g, w, b, *, stride, pads, dilation, groups, spatial):
    return _conv_to(grad, w, g, stride=stride, pads=pads, dilation=dilation, groups=groups)


def _conv_input_grad_vjp_w(grad, result, g, w, b, *, stride, pads, dilation, groups, spatial):
    return _conv_weight_grad(
        grad, g, stride=stride, pads=pads, dilation=dilation, groups=groups, kernel=w.shape[2:]
    )


# conv_transpose is this kernel as a forward op, and PyTorch names its node as a
# convolution's; inside double backward it is the convolution's backward.
_conv_transpose_prim = primitive("ConvolutionBackward0")(_conv_input_grad_kernel)
_conv_input_grad = primitive("ConvolutionBackwardBackward0")(_conv_input_grad_kernel)
for _p in (_conv_transpose_prim, _conv_input_grad):
    defvjp(
        _p,
        _conv_input_grad_vjp_g,
        _conv_input_grad_vjp_w,
        lambda grad, result, g, w, b, **params: _bias_grad(grad),
    )


@primitive("ConvolutionBackwardBackward0")
@_half_in_float
def _conv_weight_grad(x, g, *, stride, pads, dilation, groups, kernel):
    o = g.shape[1]
    cols = _im2col_groups(x, g.shape[2:], kernel, stride, pads, dilation, groups)
    dw = np.matmul(_grad_columns(g, groups), cols.transpose(0, 2, 1))  # (groups, O/groups, C/groups * K)
    return dw.reshape((o, x.shape[1] // groups) + tuple(kernel))


defvjp(
    _conv_weight_grad,
    lambda grad, result, x, g, *, stride, pads, dilation, groups, kernel: _conv_input_grad(
        g, grad, None, stride=stride, pads=pads, dilation=dilation, groups=groups, spatial=x.shape[2:]
    ),
    lambda grad, result, x, g, *, stride, pads, dilation, groups, kernel: _conv_to(
        x, grad, g, stride=stride, pads=pads, dilation=dilation, groups=groups
    ),
)


_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half"}


def _type_name(t: Tensor) -> str:
    return _TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)


def _check_conv_args(input: Tensor, weight: Tensor, bias, nd: int, groups: int, transposed: bool) -> None:
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"conv{nd}d(): argument 'input' and 'weight' must be Tensor, not {type(input).__name__}"
        )
    if weight._data.ndim != nd + 2:
        raise RuntimeError(
            f"{'conv_transpose' if transposed else 'conv'}{nd}d expects a {nd + 2}-dimensional weight "
            f"({'in_channels, out_channels / groups' if transposed else 'out_channels, in_channels / groups'}, "
            f"*kernel_size), but got weight of size {list(weight._data.shape)}"
        )
    if input._data.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{'_transpose' if transposed else ''}{nd}d, "
            f"but got input of size: {list(input._data.shape)}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"expected scalar type {_type_name(input).capitalize()} but found {_type_name(weight).capitalize()}"
        )
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"Input type ({_type_name(input)}) and bias type ({_type_name(bias)}) should be the same"
        )
    c = input._data.shape[1]
    w = weight._data.shape
    if transposed:
        if c != w[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {list(w)}, expected input{list(input._data.shape)} "
                f"to have {w[0]} channels, but got {c} channels instead"
            )
        if w[0] % groups:
            raise RuntimeError("Given groups, weight of size must be divisible by groups")
    else:
        if c != w[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {list(w)}, expected input{list(input._data.shape)} "
                f"to have {w[1] * groups} channels, but got {c} channels instead"
            )
        if w[0] % groups:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
                f"weight of size [{list(w)}] instead"
            )
    out_channels = w[1] * groups if transposed else w[0]
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {list(w)}, expected bias to be 1-dimensional with {out_channels} elements, "
            f"but got bias of size {list(bias._data.shape)} instead"
        )


def _batched(input: Tensor, nd: int):
    """``(input with a batch dim, whether it was added)``: conv and pooling accept unbatched input."""
    if isinstance(input, Tensor) and input._data.ndim == nd + 1:
        return unsqueeze(input, 0), True
    return input, False


def _conv(input, weight, bias, stride, padding, dilation, groups, nd: int) -> Tensor:
    input, unbatched = _batched(input, nd)
    _check_conv_args(input, weight, bias, nd, groups, False)
    kernel = weight._data.shape[2:]
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = tuple(d * (k - 1) for d, k in zip(dilation, kernel, strict=False))
            pads = tuple((t // 2, t - t // 2) for t in total)
        else:
            raise RuntimeError(f"Invalid padding string: {padding!r}")
    else:
        pads = tuple((p, p) for p in _tuple(padding, nd, "padding"))
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p, _ in pads):
        raise RuntimeError("negative padding is not supported")
    spatial = input._data.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads, strict=False))
    effective = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel, strict=False))
    if any(p < e for p, e in zip(padded, effective, strict=False)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, effective))}). Kernel size can't be greater than actual input size"
        )
    params = {"stride": stride, "pads": pads, "dilation": dilation, "groups": groups}
    out = _convolution(input, weight, bias, **params)
    return squeeze(out, 0) if unbatched else out


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) of ``input`` (N, C, L) with ``weight`` (O, C/groups, k).

    ``padding`` is an int, a tuple, ``"valid"`` or ``"same"``.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kh, kw).

    >>> F.conv2d(chainrule.ones(1, 1, 3, 3), chainrule.ones(1, 1, 2, 2)).shape
    chainrule.Size([1, 1, 2, 2])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution of ``input`` (N, C, D, H, W) with ``weight`` (O, C/groups, kd, kh, kw)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transpose(
    input, weight, bias, stride, padding, output_padding, groups, dilation, nd: int
) -> Tensor:
    input, unbatched = _batched(input, nd)
    _check_conv_args(input, weight, bias, nd, groups, True)
    kernel = weight._data.shape[2:]
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    for op, s, d in zip(output_padding, stride, dilation, strict=False):
        if op >= s and op >= d:
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding_height: {op} output_padding_width: {op} stride_height: {s} "
                f"stride_width: {s} dilation_height: {d} dilation_width: {d}"
            )
    spatial = tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, s, p, d, k, op in zip(
            input._data.shape[2:], stride, padding, dilation, kernel, output_padding, strict=False
        )
    )
    if any(s <= 0 for s in spatial):
        raise RuntimeError(
            f"Given input size per channel: {list(input._data.shape[2:])}. Calculated output size "
            f"per channel: {list(spatial)}. Output size is too small"
        )
    pads = tuple((p, p) for p in padding)
    out = _conv_transpose_prim(
        input, weight, bias, stride=stride, pads=pads, dilation=dilation, groups=groups, spatial=spatial
    )
    return squeeze(out, 0) if unbatched else out


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 1-D convolution (the adjoint of conv1d in its input); ``weight`` is (C_in, C_out/groups, k)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 2-D convolution; ``weight`` is (C_in, C_out/groups, kh, kw)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 3-D convolution; ``weight`` is (C_in, C_out/groups, kd, kh, kw)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


# -- max pooling -------------------------------------------------------------------------------


def _gather_flat(x, *, indices, nd):
    """``x`` (*lead, *spatial) read at flat indices into its ``nd`` spatial dims: (*lead, *out)."""
    lead = x.shape[: x.ndim - nd]
    flat = np.take_along_axis(
        x.reshape(lead + (math.prod(x.shape[x.ndim - nd :]),)),
        indices.reshape(lead + (math.prod(indices.shape[len(lead) :]),)),
        -1,
    )
    return flat.reshape(indices.shape)


@primitive("MaxPool2DWithIndicesBackwardBackward0", save_inputs=False)
def _scatter_flat(g, *, indices, shape, nd):
    """The adjoint of ``_gather_flat``: ``g`` summed into zeros of ``shape`` at ``indices``."""
    rows = math.prod(shape[: len(shape) - nd])
    size = math.prod(shape[len(shape) - nd :])
    flat = (
        np.arange(rows).reshape(rows, 1) * size + indices.reshape(rows, indices.size // max(rows, 1))
    ).ravel()
    out = np.bincount(flat, weights=np.ravel(g), minlength=rows * size)
    return out.astype(g.dtype, copy=False).reshape(shape)


# Max pooling is a gather at the argmax of each window: its gradient scatters.
_max_pool2d_prim = primitive("MaxPool2DWithIndicesBackward0", save_inputs=False)(_gather_flat)
_max_pool3d_prim = primitive("MaxPool3DWithIndicesBackward0", save_inputs=False)(_gather_flat)
_adaptive_max_pool2d_prim = primitive("AdaptiveMaxPool2DBackward0", save_inputs=False)(_gather_flat)
for _p in (_max_pool2d_prim, _max_pool3d_prim, _adaptive_max_pool2d_prim):
    defvjp(
        _p, lambda grad, result, x, *, indices, nd: _scatter_flat(grad, indices=indices, shape=x.shape, nd=nd)
    )
defvjp(
    _scatter_flat,
    lambda grad, result, g, *, indices, shape, nd: _max_pool2d_prim(grad, indices=indices, nd=nd),
)


def _pool_out(spatial, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    out = []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=False):
        span = size + 2 * p - d * (k - 1) - 1
        o = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= size + p:  # the last window must start inside the input
            o -= 1
        out.append(o)
    return tuple(out)


def _pool_args(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode, nd: int, name: str):
    """Pooling's normalized arguments and output size (``input``: (N, C, *spatial) or unbatched;
    only its shape is read)."""
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = (
        kernel
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _tuple(stride, nd, "stride")
    )
    padding = _tuple(padding, nd, "padding")
    dilation = _tuple(dilation, nd, "dilation")
    axes = "DHW"[3 - nd :]
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            "kernel size should be greater than zero, but got "
            + " ".join(f"k{a}: {k}" for a, k in zip(axes, kernel, strict=False))
        )
    if any(s < 0 for s in stride):
        raise RuntimeError(
            "stride should be greater than zero, but got "
            + " ".join(f"d{a}: {s}" for a, s in zip(axes, stride, strict=False))
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            + " ".join(f"dilation{a}: {d}" for a, d in zip(axes, dilation, strict=False))
        )
    for p, k, d in zip(padding, kernel, dilation, strict=False):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and dilation={d}"
            )
    shape = tuple(input.shape)
    spatial, c = shape[-nd:], shape[-nd - 1]
    out = _pool_out(spatial, kernel, stride, padding, dilation, ceil_mode)
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated output size: "
            f"({'x'.join(map(str, (c,) + out))}). Output size is too small"
        )
    return kernel, stride, padding, dilation, out


def _check_pool_input(input, nd: int, name: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    d = input._data
    if (
        d.ndim not in (nd + 1, nd + 2)
        or any(s == 0 for s in d.shape[-nd - 1 + (d.ndim == nd + 2) :][1:])
        or (d.ndim == nd + 2 and d.shape[1] == 0)
    ):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if d.dtype.kind not in "fiu":  # integers pool as in PyTorch
        raise RuntimeError(f"\"{name}\" not implemented for '{_type_name(input).capitalize()}'")


def _max_pool_indices(x: np.ndarray, kernel, stride, padding, dilation, out):
    """Values and flat input indices of each window's maximum (the first one, as PyTorch)."""
    nd = len(kernel)
    spatial = x.shape[2:]
    pads = tuple(
        (p, (o - 1) * s + d * (k - 1) + 1 - size - p)
        for p, o, s, d, k, size in zip(padding, out, stride, dilation, kernel, spatial, strict=False)
    )
    xp = _pad_array(x, pads, -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    win = _windows(xp, out, kernel, stride, dilation)
    origin, offset = _pool_index_tables(spatial, kernel, stride, padding, dilation, out)
    if math.prod(kernel) <= 16:
        values, index = _running_max(win, nd, offset)
        return values, index + origin
    flat = win.reshape(win.shape[: 2 + nd] + (math.prod(kernel),))
    arg = np.argmax(flat, axis=-1)
    values = np.take_along_axis(flat, arg[..., None], -1)[..., 0]
    return values, origin + offset[arg]


def _running_max(win: np.ndarray, nd: int, offset: np.ndarray):
    """Each window's maximum and the offset of its first maximum, one kernel offset at a time.

    For small kernels this is several times faster than copying the windows out and calling
    ``argmax`` along a short axis. Every step is branch-free (a masked write mispredicts on
    random data); NaN counts as the largest value, the first NaN winning, as in PyTorch.
    """
    offsets = np.ndindex(*win.shape[2 + nd :])
    lead = (Ellipsis,)
    best = win[lead + next(offsets)].copy()
    index = np.zeros(best.shape, np.int64)
    floating = best.dtype.kind == "f"
    seen_nan = np.isnan(best) if floating else None
    for j, off in enumerate(offsets, 1):
        v = win[lead + off]
        better = v > best
        if floating:
            nan = np.isnan(v)
            better |= nan & ~seen_nan
            seen_nan |= nan
        np.maximum(best, v, out=best)
        index += better * (offset[j] - index)
    return best, index


@functools.lru_cache(maxsize=256)
def _pool_index_tables(spatial, kernel, stride, padding, dilation, out):
    """Flat input index of each window's origin (shape ``out``) and of each kernel offset."""
    origin = np.zeros((), dtype=np.int64)
    offset = np.zeros((), dtype=np.int64)
    for size, k, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out, strict=False):
        origin = np.add.outer(origin * size, np.arange(o) * s - p)
        offset = np.add.outer(offset * size, np.arange(k) * d)
    return _frozen(origin), _frozen(offset.ravel())


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd, name, prim):
    if _registry._transform is not None and not return_indices:  # vmap: the batch joins N (func/_vmap.py)
        from ..func._vmap import fold_op

        out = fold_op(input, nd, lambda x: _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, False,
                                                   nd, name, prim))
        if out is not None:
            return out
    _check_pool_input(input, nd, name)
    kernel, stride, padding, dilation, out = _pool_args(
        input, kernel_size, stride, padding, dilation, ceil_mode, nd, name
    )
    # (C, *spatial) input: a batch of one as a view of its own array (under vmap, the array the
    # pooling rule recognizes as this input's: Note [How vmap works] in func/_vmap.py)
    x, unbatched = _with_batch_dim(input._data, nd)
    values, indices = _max_pool_indices(x, kernel, stride, padding, dilation, out)
    if unbatched:  # PyTorch pools (C, *spatial) input as it is: one node
        values, indices = values[0], indices[0]
    result = record(prim, values, (input,), {"indices": indices, "nd": nd})
    return (result, Tensor._make(indices)) if return_indices else result


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """2-D max pooling over (N, C, H, W); with ``return_indices`` also the flat argmax in each (H, W) plane."""
    return _max_pool(
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
        2,
        "max_pool2d",
        _max_pool2d_prim,
    )


def max_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """3-D max pooling over (N, C, D, H, W)."""
    return _max_pool(
        input,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        return_indices,
        3,
        "max_pool3d",
        _max_pool3d_prim,
    )


def max_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """1-D max pooling over (N, C, L): PyTorch's 2-D pooling of a height-1 image."""
    _check_pool_input(input, 1, "max_pool1d")
    one = lambda v: (1,) + _tuple(v, 1)  # noqa: E731
    stride = None if stride is None or (not isinstance(stride, int) and len(stride) == 0) else one(stride)
    out = max_pool2d(
        unsqueeze(input, -2),
        one(kernel_size),
        stride,
        (0,) + _tuple(padding, 1),
        one(dilation),
        ceil_mode,
        return_indices,
    )
    if return_indices:
        return squeeze(out[0], -2), squeeze(out[1], -2)
    return squeeze(out, -2)


__all__ += ["max_pool3d"]


def _adaptive_bounds(size: int, out: int):
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _with_batch_dim(x: np.ndarray, nd: int) -> tuple:
    """``(x with a batch dim, whether it was added)`` for arrays of (N, C, *spatial) or (C, *spatial)."""
    return (x[None], True) if x.ndim == nd + 1 else (x, False)


def _adaptive_sizes(input: Tensor, output_size, nd: int) -> tuple:
    spatial = tuple(input.shape)[-nd:]
    if isinstance(output_size, (int, np.integer)):
        output_size = (int(output_size),) * nd
    output_size = tuple(s if o is None else int(o) for o, s in zip(output_size, spatial, strict=False))
    if len(output_size) != nd:
        raise RuntimeError(f"adaptive_avg_pool{nd}d: output_size must be {nd}")
    return output_size


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over ``output_size`` windows that tile (H, W) as evenly as possible."""
    _check_pool_input(input, 2, "adaptive_max_pool2d")
    out = _adaptive_sizes(input, output_size, 2)
    x, unbatched = _with_batch_dim(input._data, 2)  # (see _max_pool)
    (h, w), (oh, ow) = x.shape[2:], out
    idx = []
    for size, o in ((h, oh), (w, ow)):
        start, end = _adaptive_bounds(size, o)
        k = int((end - start).max()) if o else 1
        # Windows shorter than the longest repeat their last element: the max is unchanged.
        idx.append(np.minimum(start[:, None] + np.arange(k), end[:, None] - 1))
    ih, iw = idx
    win = x[:, :, ih[:, :, None, None], iw[None, None, :, :]]  # (N, C, oh, kh, ow, kw)
    win = win.transpose(0, 1, 2, 4, 3, 5).reshape(x.shape[:2] + (oh, ow, ih.shape[1] * iw.shape[1]))
    arg = np.argmax(win, axis=-1)
    kw = iw.shape[1]
    rows = ih[np.arange(oh)[:, None], arg // kw]
    cols = iw[np.arange(ow)[None, :], arg % kw]
    indices = (rows * w + cols).astype(np.int64)
    values = np.take_along_axis(win, arg[..., None], -1)[..., 0]
    if unbatched:
        values, indices = values[0], indices[0]
    result = record(_adaptive_max_pool2d_prim, values, (input,), {"indices": indices, "nd": 2})
    return (result, Tensor._make(indices)) if return_indices else result


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling: PyTorch's 2-D pooling of a height-1 image."""
    out = adaptive_max_pool2d(unsqueeze(input, -2), (1,) + _tuple(output_size, 1), return_indices)
    if return_indices:
        return squeeze(out[0], -2), squeeze(out[1], -2)
    return squeeze(out, -2)


# -- max unpooling: the scatter of max pooling's gradient, as an op of its own ---------------------

def _place_flat(g, *, indices, shape, nd):
    """max_unpool: ``g`` written into zeros of ``shape`` at ``indices`` (a position that two
    overlapping windows both picked gets the value once, as in PyTorch, not twice)."""
    rows = math.prod(shape[: len(shape) - nd])
    size = math.prod(shape[len(shape) - nd :])
    flat = (
        np.arange(rows).reshape(rows, 1) * size + indices.reshape(rows, indices.size // max(rows, 1))
    ).ravel()
    out = np.zeros(rows * size, dtype=g.dtype)
    out[flat] = np.ravel(g)
    return out.reshape(shape)


_max_unpool2d_prim = primitive("MaxUnpool2DBackward0", save_inputs=False)(_place_flat)
_max_unpool3d_prim = primitive("MaxUnpool3DBackward0", save_inputs=False)(_place_flat)
for _p in (_max_unpool2d_prim, _max_unpool3d_prim):
    defvjp(_p, lambda grad, result, g, *, indices, shape, nd: _max_pool2d_prim(grad, indices=indices, nd=nd))


def _max_unpool(input: Tensor, indices: Tensor, kernel_size, stride, padding, output_size, nd: int, prim):
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None else _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    d = input._data
    spatial_in = d.shape[-nd:]
    default = tuple(
        (i - 1) * s - 2 * p + k for i, s, p, k in zip(spatial_in, stride, padding, kernel, strict=True)
    )
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in output_size)[-nd:]
        for dim, (want, base, s) in enumerate(zip(size, default, stride, strict=True)):
            if not base - s < want < base + s:
                raise ValueError(
                    f'invalid output_size "{tuple(size)}" (dim {dim} must be between {base - s} and {base + s})'
                )
    idx = indices._data.astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= math.prod(size)):
        bad = idx.max() if idx.max() >= math.prod(size) else idx.min()
        raise RuntimeError(
            f"Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, size))})"
        )
    shape = d.shape[: d.ndim - nd] + size
    return prim(input, indices=idx, shape=shape, nd=nd)


def max_unpool2d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """The inverse of max_pool2d: each value goes back to its ``indices`` position, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, _max_unpool2d_prim)


def max_unpool3d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """The inverse of max_pool3d."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, _max_unpool3d_prim)


def max_unpool1d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """The inverse of max_pool1d: PyTorch's 2-D unpooling of a height-1 image."""
    one = lambda v: (1,) + _tuple(v, 1)  # noqa: E731
    size = None if output_size is None else (1,) + tuple(output_size)[-1:]
    out = max_unpool2d(
        unsqueeze(input, -2),
        unsqueeze(indices, -2),
        one(kernel_size),
        None if stride is None else one(stride),
        (0,) + _tuple(padding, 1),
        size,
    )
    return squeeze(out, -2)


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = True,
):
    """``max_pool2d(..., return_indices=True)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


__all__ += ["max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


# -- separable linear maps: average pooling, resampling, padding (Note [Separable maps]) ----------


class _Select:
    """A 0/1 matrix with one 1 per row, kept as its column indices: applied by ``np.take``,
    which is exact where a product would turn 0 * inf into NaN (pads, nearest resampling)."""

    __slots__ = ("index", "size")

    def __init__(self, index: np.ndarray, size: int) -> None:
        self.index, self.size = index, size

    @property
    def T(self) -> np.ndarray:
        m = np.zeros((len(self.index), self.size))
        m[np.arange(len(self.index)), self.index] = 1.0
        return m.T


@_half_in_float
def _separable(x, *, mats):
    """Apply ``mats[i]`` (out_i, in_i) along the i-th of the trailing ``len(mats)`` axes."""
    nd = len(mats)
    for i, m in enumerate(mats):
        axis = x.ndim - nd + i
        if m is None:
            continue
        if isinstance(m, _Select):
            x = np.take(x, m.index, axis=axis)
        else:
            x = _along(x, m.astype(x.dtype, copy=False), axis)
    return np.ascontiguousarray(x)


def _along(x: np.ndarray, m: np.ndarray, axis: int) -> np.ndarray:
    """``m`` applied along ``axis`` of ``x``; infinities and NaN reach only the outputs whose
    weights touch them (a plain product would spread 0 * inf = NaN along the whole row)."""
    if x.dtype.kind != "f" or np.isfinite(x).all():
        if axis == x.ndim - 1:  # plain products: no transposed copies
            return x @ m.T
        if axis == x.ndim - 2:
            return m @ x
        return np.moveaxis(np.tensordot(x, m, axes=([axis], [1])), -1, axis)
    bad = ~np.isfinite(x)
    touch = (m != 0).astype(x.dtype)

    def reached(mask):
        return np.moveaxis(np.tensordot(mask.astype(x.dtype), touch, axes=([axis], [1])), -1, axis) > 0

    clean = np.moveaxis(np.tensordot(np.where(bad, 0, x), m, axes=([axis], [1])), -1, axis)
    pos, neg, nan = reached(x == np.inf), reached(x == -np.inf), reached(np.isnan(x))
    out = np.where(pos, np.inf, np.where(neg, -np.inf, clean))
    return np.where(nan | (pos & neg), np.nan, out).astype(x.dtype, copy=False)


def _transposed(mats: tuple) -> tuple:
    return tuple(None if m is None else m.T for m in mats)


_SEPARABLE_NAMES = (
    "AvgPool2DBackward0",
    "AvgPool3DBackward0",
    "AdaptiveAvgPool2DBackward0",
    "AdaptiveAvgPool3DBackward0",
    "UpsampleNearest1DBackward0",
    "UpsampleNearest2DBackward0",
    "UpsampleNearest3DBackward0",
    "UpsampleNearestExact1DBackward0",
    "UpsampleNearestExact2DBackward0",
    "UpsampleNearestExact3DBackward0",
    "UpsampleLinear1DBackward0",
    "UpsampleBilinear2DBackward0",
    "UpsampleTrilinear3DBackward0",
    "UpsampleBicubic2DBackward0",
    "ReflectionPad1DBackward0",
    "ReflectionPad2DBackward0",
    "ReflectionPad3DBackward0",
    "ReplicationPad1DBackward0",
    "ReplicationPad2DBackward0",
    "ReplicationPad3DBackward0",
    # PyTorch builds a circular pad by copying slices into a new tensor.
    "CopySlices",
)
_SEPARABLE = {}
for _name in _SEPARABLE_NAMES:
    _fwd = primitive(_name, save_inputs=False)(_separable)
    _bwd = primitive(
        _name.replace("Backward0", "") + "BackwardBackward0"
        if _name.endswith("Backward0")
        else _name + "Backward0",
        save_inputs=False,
    )(_separable)
    defvjp(_fwd, lambda grad, result, x, *, mats, _adjoint=_bwd: _adjoint(grad, mats=_transposed(mats)))
    defvjp(_bwd, lambda grad, result, x, *, mats, _adjoint=_fwd: _adjoint(grad, mats=_transposed(mats)))
    _SEPARABLE[_name] = _fwd


def _apply_separable(name: str, input: Tensor, mats: tuple) -> Tensor:
    return _SEPARABLE[name](input, mats=tuple(mats))


@functools.lru_cache(maxsize=256)
def _avg_windows(size, k, s, p, out, count_include_pad):
    """Which inputs each output's window holds (0/1 rows), and its divisor by PyTorch's rules."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    pool = end - start
    lo, hi = np.maximum(start, 0), np.minimum(end, size)
    div = pool if count_include_pad else hi - lo
    pos = np.arange(size)
    inside = (pos[None, :] >= lo[:, None]) & (pos[None, :] < hi[:, None])
    return _frozen(inside.astype(np.float64)), _frozen(div)


def _frozen(a: np.ndarray) -> np.ndarray:
    """A cached geometry array, made read-only so that no caller can change the cache."""
    a.flags.writeable = False
    return a


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd, name):
    if _registry._transform is not None:  # vmap: the batch joins N (func/_vmap.py)
        from ..func._vmap import fold_op

        out = fold_op(input, nd, lambda x: _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                                   divisor_override, nd, name))
        if out is not None:
            return out
    _check_pool_input(input, nd, name)
    kernel, stride, padding, _, out = _pool_args(
        _batched(input, nd)[0], kernel_size, stride, padding, 1, ceil_mode, nd, name
    )
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    spatial = input._data.shape[-nd:]
    windows = [
        _avg_windows(*args, count_include_pad)
        for args in zip(spatial, kernel, stride, padding, out, strict=False)
    ]
    if input._data.dtype.kind in "iu":  # PyTorch divides integer window sums with truncation
        sums = _separable(input._data.astype(np.float64), mats=[m for m, _ in windows])
        div = divisor_override
        if div is None:
            div = 1
            for i, (_, d) in enumerate(windows):
                div = np.multiply.outer(div, d) if i else d
        return Tensor._make(np.trunc(sums / div).astype(input._data.dtype))
    if divisor_override is not None:  # a plain window sum, divided once
        mats = [m / (divisor_override if i == 0 else 1) for i, (m, _) in enumerate(windows)]
    else:
        mats = [m / d[:, None] for m, d in windows]
    return _apply_separable(f"AvgPool{nd}DBackward0", input, mats)


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
) -> Tensor:
    """2-D average pooling over (N, C, H, W)."""
    return _avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2, "avg_pool2d"
    )


def avg_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
) -> Tensor:
    """3-D average pooling over (N, C, D, H, W)."""
    return _avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3, "avg_pool3d"
    )


__all__ += ["avg_pool3d"]


def avg_pool1d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling over (N, C, L): PyTorch's 2-D pooling of a height-1 image."""
    _check_pool_input(input, 1, "avg_pool1d")
    stride = (
        None
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else (1,) + _tuple(stride, 1)
    )
    out = avg_pool2d(
        unsqueeze(input, -2),
        (1,) + _tuple(kernel_size, 1),
        stride,
        (0,) + _tuple(padding, 1),
        ceil_mode,
        count_include_pad,
    )
    return squeeze(out, -2)


@functools.lru_cache(maxsize=256)
def _adaptive_avg_matrix(size: int, out: int) -> np.ndarray:
    start, end = _adaptive_bounds(size, out)
    pos = np.arange(size)
    inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])
    return _frozen(inside / (end - start)[:, None])


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Mean over ``output_size`` windows that tile (H, W) as evenly as possible."""
    if not isinstance(input, Tensor) or input._data.ndim not in (3, 4):
        raise RuntimeError(
            "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
            + (f"{list(input._data.shape)}" if isinstance(input, Tensor) else type(input).__name__)
        )
    out = _adaptive_sizes(input, output_size, 2)
    if out == (1, 1):  # PyTorch takes a mean here
        return mean(input, (-2, -1), keepdim=True)
    spatial = input._data.shape[-2:]
    mats = [_adaptive_avg_matrix(s, o) for s, o in zip(spatial, out, strict=False)]
    return _apply_separable("AdaptiveAvgPool2DBackward0", input, mats)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Mean over ``output_size`` windows that tile (D, H, W) as evenly as possible."""
    out = _adaptive_sizes(input, output_size, 3)
    if out == (1, 1, 1):
        return mean(input, (-3, -2, -1), keepdim=True)
    mats = [_adaptive_avg_matrix(s, o) for s, o in zip(input._data.shape[-3:], out, strict=False)]
    return _apply_separable("AdaptiveAvgPool3DBackward0", input, mats)


__all__ += ["adaptive_avg_pool3d"]


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling: PyTorch's 2-D pooling of a height-1 image."""
    if not isinstance(input, Tensor) or input._data.ndim not in (2, 3):
        raise RuntimeError("adaptive_avg_pool1d() argument 'input' must be a 2D or 3D tensor")
    return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), (1,) + _tuple(output_size, 1)), -2)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x ** p) ** (1 / p), as PyTorch computes it: from an average pool."""
    kh, kw = _tuple(kernel_size, 2)
    out = avg_pool2d(input**norm_type, (kh, kw), stride, 0, ceil_mode)
    return ((out.sign() * out.abs().relu()) * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x ** p) ** (1 / p) over (N, C, L)."""
    (k,) = _tuple(kernel_size, 1)
    out = avg_pool1d(input**norm_type, k, stride, 0, ceil_mode)
    return ((out.sign() * out.abs().relu()) * k) ** (1.0 / norm_type)


# -- padding --------------------------------------------------------------------------------------


@primitive("ConstantPadNdBackward0", save_inputs=False)
def _constant_pad(x, *, pads, value):
    return _pad_array(x, pads, value)


# Cropping is padding by negative amounts: the rule is the op itself.
defvjp(
    _constant_pad,
    lambda grad, result, x, *, pads, value: _constant_pad(
        grad, pads=tuple((-lo, -hi) for lo, hi in pads), value=0
    ),
)


def _index_matrix(index: np.ndarray, size: int) -> _Select:
    return _Select(index, size)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims; ``pad`` lists (left, right) for the last dim first.

    ``mode`` is ``"constant"`` (negative pads crop), ``"reflect"``, ``"replicate"`` or ``"circular"``.
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    d = input._data
    if k > d.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {d.ndim}"
        )
    pairs = tuple((pad[2 * i], pad[2 * i + 1]) for i in range(k))[::-1]
    if mode == "constant":
        if any(s + lo + hi < 0 for s, (lo, hi) in zip(d.shape[d.ndim - k :], pairs, strict=False)):
            raise RuntimeError(
                f"The input size {d.shape[d.ndim - k]}, plus negative padding {pairs[0][0]} and {pairs[0][1]} resulted in a "
                "negative output size, which is invalid. Check dimension 0 of your input."
            )
        return _constant_pad(input, pads=pairs, value=0 if value is None else value)
    if value is not None and value != 0:
        raise NotImplementedError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if k > 3 or d.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {2 * k} is not supported for {d.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    mats = []
    for dim, (size, (lo, hi)) in enumerate(zip(d.shape[d.ndim - k :], pairs, strict=False)):
        pos = np.arange(-lo, size + hi)
        if mode == "reflect":
            if lo >= size or hi >= size:
                raise RuntimeError(
                    f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                    f"padding ({lo}, {hi}) at dimension {d.ndim - k + dim} of input {list(d.shape)}"
                )
            pos = np.abs(pos)
            pos = np.where(pos >= size, 2 * (size - 1) - pos, pos)
        elif mode == "replicate":
            pos = np.clip(pos, 0, size - 1)
        else:
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            pos = pos % size
        mats.append(_index_matrix(pos, size))
    name = (
        "CopySlices"
        if mode == "circular"
        else f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{k}DBackward0"
    )
    return _apply_separable(name, input, mats)


# -- resampling -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _linear_matrix(size: int, out: int, align_corners: bool, scale) -> np.ndarray:
    if out == size:  # PyTorch copies a dim that keeps its size, whatever the scale factor
        return _frozen(np.eye(size))
    o = np.arange(out)
    if align_corners:
        src = o * ((size - 1) / (out - 1)) if out > 1 else np.zeros(out)
    else:
        ratio = 1.0 / scale if scale is not None else size / out
        src = np.maximum((o + 0.5) * ratio - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    i1 = np.minimum(i0 + 1, size - 1)
    lam = src - i0
    m = np.zeros((out, size))
    np.add.at(m, (o, i0), 1.0 - lam)
    np.add.at(m, (o, i1), lam)
    return _frozen(m)


@functools.lru_cache(maxsize=256)
def _cubic_matrix(size: int, out: int, align_corners: bool, scale) -> np.ndarray:
    """Keys' cubic convolution (A = -0.75, as PyTorch) with edge samples repeated."""
    o = np.arange(out)
    if align_corners:
        src = o * ((size - 1) / (out - 1)) if out > 1 else np.zeros(out)
    else:
        ratio = 1.0 / scale if scale is not None else size / out
        src = (o + 0.5) * ratio - 0.5  # not clamped at 0: the cubic reaches the left edge itself
    base = np.floor(src).astype(np.int64)
    t = src - base
    a = -0.75

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    m = np.zeros((out, size))
    for offset, w in zip((-1, 0, 1, 2), (far(t + 1), near(t), near(1 - t), far(2 - t)), strict=True):
        np.add.at(m, (o, np.clip(base + offset, 0, size - 1)), w)
    return _frozen(m)


@functools.lru_cache(maxsize=256)
def _nearest_matrix(size: int, out: int, scale, exact: bool, shortcuts: bool) -> np.ndarray:
    o = np.arange(out)
    # PyTorch's 2-D nearest kernel copies a dim that keeps its size and halves indices for
    # exactly twice the size, whatever the scale factor; its 1-D and 3-D kernels do not.
    if shortcuts and out == size:
        return _index_matrix(o, size)
    if shortcuts and out == 2 * size:
        return _index_matrix(o >> 1, size)
    ratio = 1.0 / scale if scale is not None else size / out
    src = np.floor((o + 0.5) * ratio) if exact else np.floor(o.astype(np.float32) * np.float32(ratio))
    return _index_matrix(np.minimum(src.astype(np.int64), size - 1), size)


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample the spatial dims of (N, C, *spatial) to ``size`` or by ``scale_factor``.

    Modes: ``nearest``, ``nearest-exact``, ``linear`` (3-D input), ``bilinear`` and ``bicubic`` (4-D),
    ``trilinear`` (5-D); ``align_corners`` maps corner pixel centres onto each other.
    """
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    nd = input._data.ndim - 2
    if nd < 1 or nd > 3:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input._data.ndim}D) for the modes: "
            f"nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})"
        )
    linear_modes = {"linear": 1, "bilinear": 2, "trilinear": 3}
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if mode in linear_modes and linear_modes[mode] != nd:
        raise NotImplementedError(
            f"Got {input._data.ndim}D input, but {mode} mode needs {linear_modes[mode] + 2}D input"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError(
            "only one of size or scale_factor should be defined"
            if size is not None
            else "either size or scale_factor should be defined"
        )
    spatial = input._data.shape[2:]
    scales = [None] * nd
    if size is not None:
        out = _tuple(size, nd, "size")
    else:
        factors = tuple(
            float(f)
            for f in (scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd)
        )
        out = tuple(int(math.floor(s * f)) for s, f in zip(spatial, factors, strict=False))
        if not recompute_scale_factor:
            scales = list(factors)
    if mode in linear_modes:
        mats = [
            _linear_matrix(s, o, bool(align_corners), sc)
            for s, o, sc in zip(spatial, out, scales, strict=False)
        ]
        name = {
            1: "UpsampleLinear1DBackward0",
            2: "UpsampleBilinear2DBackward0",
            3: "UpsampleTrilinear3DBackward0",
        }[nd]
    elif mode in ("nearest", "nearest-exact"):
        shortcuts = mode == "nearest" and nd == 2
        mats = [
            _nearest_matrix(s, o, sc, mode == "nearest-exact", shortcuts)
            for s, o, sc in zip(spatial, out, scales, strict=False)
        ]
        name = f"UpsampleNearest{'Exact' if mode == 'nearest-exact' else ''}{nd}DBackward0"
    elif mode == "bicubic":
        if nd != 2:
            raise NotImplementedError(f"Got {input._data.ndim}D input, but bicubic mode needs 4D input")
        mats = [
            _cubic_matrix(s, o, bool(align_corners), sc)
            for s, o, sc in zip(spatial, out, scales, strict=True)
        ]
        name = "UpsampleBicubic2DBackward0"
    elif mode == "area":
        if nd == 1:
            return adaptive_avg_pool1d(input, out)
        return adaptive_avg_pool2d(input, out) if nd == 2 else adaptive_avg_pool3d(input, out)
    else:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported")
    return _apply_separable(name, input, mats)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None) -> Tensor:
    """Deprecated alias of ``interpolate(mode="nearest")``."""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None) -> Tensor:
    """Deprecated alias of ``interpolate(mode="bilinear", align_corners=True)``."""
    return interpolate(input, size, scale_factor, "bilinear", True)


# -- pixel shuffle ---------------------------------------------------------------------------------


@primitive("PixelShuffleBackward0", save_inputs=False)
def _pixel_shuffle(x, *, r):
    *lead, c, h, w = x.shape
    y = x.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    n = len(lead)
    y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return np.ascontiguousarray(y).reshape(tuple(lead) + (c // (r * r), h * r, w * r))


@primitive("PixelUnshuffleBackward0", save_inputs=False)
def _pixel_unshuffle(x, *, r):
    *lead, c, h, w = x.shape
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    n = len(lead)
    y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return np.ascontiguousarray(y).reshape(tuple(lead) + (c * r * r, h // r, w // r))


defvjp(_pixel_shuffle, lambda grad, result, x, *, r: _pixel_unshuffle(grad, r=r))
defvjp(_pixel_unshuffle, lambda grad, result, x, *, r: _pixel_shuffle(grad, r=r))


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r)."""
    d = input._data
    r = int(upscale_factor)
    if d.ndim < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {d.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if d.shape[-3] % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={d.shape[-3]} is not divisible by {r * r}"
        )
    return _pixel_shuffle(input, r=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W)."""
    d = input._data
    r = int(downscale_factor)
    if d.ndim < 3:
        raise RuntimeError(
            f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with {d.ndim} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if d.shape[-2] % r:
        raise RuntimeError(
            f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={d.shape[-2]} is not divisible by {r}"
        )
    if d.shape[-1] % r:
        raise RuntimeError(
            f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={d.shape[-1]} is not divisible by {r}"
        )
    return _pixel_unshuffle(input, r=r)


# -- unfold / fold (im2col / col2im) ---------------------------------------------------------------


@primitive("Im2ColBackward0", save_inputs=False)
def _im2col(x, *, kernel, dilation, pads, stride):
    if x.ndim == 3:  # unbatched
        return _im2col.kernel(x[None], kernel=kernel, dilation=dilation, pads=pads, stride=stride)[0]
    n, c = x.shape[:2]
    out = _out_size(x.shape[2:], kernel, stride, pads, dilation)
    win = _windows(_pad_array(x, pads), out, kernel, stride, dilation)  # (N, C, oh, ow, kh, kw)
    cols = win.transpose(0, 1, 4, 5, 2, 3)
    return np.ascontiguousarray(cols).reshape(n, c * math.prod(kernel), math.prod(out))


@primitive("Col2ImBackward0", save_inputs=False)
def _col2im(cols, *, output_size, kernel, dilation, pads, stride):
    if cols.ndim == 2:  # unbatched
        return _col2im.kernel(
            cols[None], output_size=output_size, kernel=kernel, dilation=dilation, pads=pads, stride=stride
        )[0]
    n = cols.shape[0]
    c = cols.shape[1] // math.prod(kernel)
    out = _out_size(output_size, kernel, stride, pads, dilation)
    win = cols.reshape((n, c) + tuple(kernel) + out).transpose(0, 1, 4, 5, 2, 3)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(output_size, pads, strict=False))
    xp = _fold_windows(win, padded, out, kernel, stride, dilation)
    crop = tuple(slice(lo, lo + s) for s, (lo, _) in zip(output_size, pads, strict=False))
    return np.ascontiguousarray(xp[(Ellipsis,) + crop])


defvjp(
    _im2col,
    lambda grad, result, x, *, kernel, dilation, pads, stride: _col2im(
        grad, output_size=x.shape[-2:], kernel=kernel, dilation=dilation, pads=pads, stride=stride
    ),
)
defvjp(
    _col2im,
    lambda grad, result, cols, *, output_size, kernel, dilation, pads, stride: _im2col(
        grad, kernel=kernel, dilation=dilation, pads=pads, stride=stride
    ),
)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: the sliding blocks of (N, C, H, W) as columns, (N, C * kh * kw, L)."""
    d = input._data
    if d.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {d.ndim}D)")
    kernel, dilation = _tuple(kernel_size, 2), _tuple(dilation, 2)
    pads, stride = tuple((p, p) for p in _tuple(padding, 2)), _tuple(stride, 2)
    out = _out_size(d.shape[-2:], kernel, stride, pads, dilation)
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input with spatial size ({', '.join(map(str, d.shape[-2:]))}), kernel_size=({', '.join(map(str, kernel))}), "
            f"dilation=({', '.join(map(str, dilation))}), padding=({', '.join(str(p) for p, _ in pads)}), calculated shape of the array of sliding "
            f"blocks as ({', '.join(map(str, out))}), but its components must be at least one."
        )
    return _im2col(input, kernel=kernel, dilation=dilation, pads=pads, stride=stride)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im: sum columns (N, C * kh * kw, L) back into an image (N, C, *output_size)."""
    d = input._data
    if d.ndim not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {d.ndim}D)"
        )
    output_size, kernel = _tuple(output_size, 2), _tuple(kernel_size, 2)
    dilation, stride = _tuple(dilation, 2), _tuple(stride, 2)
    pads = tuple((p, p) for p in _tuple(padding, 2))
    k = math.prod(kernel)
    out = _out_size(output_size, kernel, stride, pads, dilation)
    if d.shape[-2] % k:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={d.shape[-2]} and kernel_size=({', '.join(map(str, kernel))})"
        )
    if d.shape[-1] != math.prod(out):
        raise RuntimeError(
            f"Given output_size=({', '.join(map(str, output_size))}), kernel_size=({', '.join(map(str, kernel))}), "
            f"dilation=({', '.join(map(str, dilation))}), padding=({', '.join(str(p) for p, _ in pads)}), "
            f"stride=({', '.join(map(str, stride))}), expected size of input's dimension 2 to match the calculated "
            f"number of sliding blocks {out[0]} * {out[1]} = {math.prod(out)}, but got input.size(2)={d.shape[-1]}."
        )
    return _col2im(input, output_size=output_size, kernel=kernel, dilation=dilation, pads=pads, stride=stride)


# -- embedding ------------------------------------------------------------------------------------


@primitive("EmbeddingBackward0", save_inputs=False)
def _embedding(weight, *, indices, padding_idx, mask_padding):
    out = weight[indices]
    if mask_padding and padding_idx is not None:
        out[indices == padding_idx] = 0
    return out


@primitive("EmbeddingBackwardBackward0", save_inputs=False)
def _embedding_backward(g, *, indices, padding_idx, num_weights):
    out = np.zeros((num_weights,) + g.shape[indices.ndim :], dtype=g.dtype)
    flat = indices.reshape(-1)
    if flat.size:
        # Rows that share an index are summed by one reduceat over the sorted indices
        # (np.add.at is about 10x slower). Indices are in range: embedding checked them.
        order = np.argsort(flat, kind="stable")
        keys = flat[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        out[keys[starts]] = np.add.reduceat(g.reshape((flat.size,) + out.shape[1:])[order], starts, axis=0)
    if padding_idx is not None:
        out[padding_idx] = 0  # the padding row never learns
    return out


defvjp(
    _embedding,
    lambda grad, result, weight, *, indices, padding_idx, mask_padding: _embedding_backward(
        grad, indices=indices, padding_idx=padding_idx, num_weights=weight.shape[0]
    ),
)
defvjp(
    _embedding_backward,
    lambda grad, result, g, *, indices, padding_idx, num_weights: _embedding(
        grad, indices=indices, padding_idx=padding_idx, mask_padding=True
    ),
)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``; the ``padding_idx`` row gets no gradient.

    With ``max_norm``, the picked rows are first renormalised in place (no gradient), as PyTorch.
    """
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
        kind = type(input).__name__ if not isinstance(input, Tensor) else _type_name(input).capitalize()
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got torch.{kind}Tensor instead (while checking arguments for embedding)"
        )
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    n = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx += n
    indices = input._data.astype(np.int64, copy=False)
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    return _embedding(weight, indices=indices, padding_idx=padding_idx, mask_padding=False)


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: rows whose norm exceeds ``max_norm`` are scaled down, in place."""
    from ..autograd import _inplace

    with no_grad():
        w = weight._data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        scale = max_norm / (norms[big] + 1e-7)
        w[rows[big]] *= scale[:, None].astype(w.dtype)
        _inplace.bump(weight._vc, "embedding_renorm_")
