"""Spatial transformers of chainrule.nn.functional: affine_grid and grid_sample (2-D).

grid_sample is written once, as a composite (gathers at the corner pixels, weights that are
linear in the grid) over either chainrule ops or NumPy: its derivatives of every order follow
from the first. PyTorch prints one node (GridSampler2DBackward0), so the op is a primitive
whose kernel runs the composite on arrays (NumPy only: under vmap a kernel makes no tensors)
and whose rules differentiate the composite of chainrule ops (``_composite_grad``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..ops import clamp, getitem, matmul, permute, reshape, transpose, where
from ..ops._registry import defvjp, primitive
from ._norm import _composite_grad

__all__ = ["affine_grid", "grid_sample"]


def _default_align_corners(align_corners):
    if align_corners is None:
        warnings.warn(
            "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
            "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
            "details.",
            stacklevel=3,
        )
        return False
    return bool(align_corners)


# -- affine_grid ----------------------------------------------------------------------------------


def _base_grid(h: int, w: int, align_corners: bool, dtype) -> np.ndarray:
    """(h * w, 3) rows of (x, y, 1): pixel centres in [-1, 1] coordinates."""

    def axis(n):
        if align_corners:
            return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
        return (np.arange(n) * 2.0 + 1.0) / n - 1.0

    ys, xs = np.meshgrid(axis(h), axis(w), indexing="ij")
    return np.stack([xs.ravel(), ys.ravel(), np.ones(h * w)], axis=1).astype(dtype)


@primitive("AffineGridGeneratorBackward0", save_inputs=False)
def _affine_grid(theta, *, size, align_corners):
    n, _, h, w = size
    base = _base_grid(h, w, align_corners, theta.dtype)
    return np.matmul(base, np.swapaxes(theta, 1, 2)).reshape(n, h, w, 2)


def _affine_grid_vjp(grad, result, theta, *, size, align_corners):
    n, _, h, w = size
    base = Tensor._make(_base_grid(h, w, align_corners, grad.dtype.np))
    return matmul(transpose(reshape(grad, (n, h * w, 2)), 1, 2), base)


defvjp(_affine_grid, _affine_grid_vjp)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """Sampling grid (N, H, W, 2) of the 2-D affine maps ``theta`` (N, 2, 3) over an output of ``size``."""
    align_corners = _default_align_corners(align_corners)
    given = size
    size = tuple(int(s) for s in size)
    if len(size) != 4:
        raise NotImplementedError("affine_grid only supports 4D sizes, for 2D affine transformations")
    if theta._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if theta._data.shape != (size[0], 2, 3):
        raise ValueError(
            f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {given}. "
            f"Got torch.Size({list(theta._data.shape)})."
        )
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    return _affine_grid(theta, size=size, align_corners=bool(align_corners))


# -- grid_sample ----------------------------------------------------------------------------------


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(a))


class _TensorOps:
    """The composite's few ops that differ between chainrule tensors and NumPy arrays."""

    where, clamp, const = staticmethod(where), staticmethod(clamp), staticmethod(_const)
    getitem = staticmethod(getitem)

    @staticmethod
    def channels_first(v):
        return permute(v, 0, 3, 1, 2)

    @staticmethod
    def values(t: Tensor) -> np.ndarray:
        return t._data


class _ArrayOps:
    where, clamp = staticmethod(np.where), staticmethod(np.clip)

    @staticmethod
    def const(a: np.ndarray) -> np.ndarray:
        return a

    @staticmethod
    def getitem(a: np.ndarray, index) -> np.ndarray:
        return a[index]

    @staticmethod
    def channels_first(v):
        return v.transpose(0, 3, 1, 2)

    @staticmethod
    def values(a: np.ndarray) -> np.ndarray:
        return a


def _grid_sample_composite(input, grid, *, mode, padding_mode, align_corners, ops=_TensorOps):
    """grid_sample of chainrule tensors (``ops=_TensorOps``: differentiable) or of arrays (``_ArrayOps``)."""
    n, c, h, w = input.shape
    x = _unnormalize(ops.getitem(grid, (Ellipsis, 0)), w, align_corners)
    y = _unnormalize(ops.getitem(grid, (Ellipsis, 1)), h, align_corners)
    if padding_mode == "border":  # coordinates clipped into the image
        x, y = ops.clamp(x, 0, w - 1), ops.clamp(y, 0, h - 1)
    batch = np.arange(n).reshape(n, 1, 1)
    zero = ops.const(np.zeros((), dtype=ops.values(input).dtype))

    def corner(yi: np.ndarray, xi: np.ndarray):
        """input at integer pixels (N, C, Ho, Wo), zero outside the image."""
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        vals = ops.getitem(input, (batch, slice(None), np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)))
        return ops.channels_first(vals), ops.const(inside[:, None])

    if mode == "nearest":
        xi, yi = (
            np.rint(ops.values(x)).astype(np.int64),
            np.rint(ops.values(y)).astype(np.int64),
        )  # half to even, as PyTorch
        vals, inside = corner(yi, xi)
        return ops.where(inside, vals, zero)  # +0.0 outside, as PyTorch (not -0.0 from a product)
    x0, y0 = np.floor(ops.values(x)), np.floor(ops.values(y))
    wx1, wy1 = x - ops.const(x0), y - ops.const(y0)  # the weights are linear in the grid
    wx0, wy0 = 1 - wx1, 1 - wy1
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    out = None
    for yi, wy in ((y0, wy0), (y0 + 1, wy1)):
        for xi, wx in ((x0, wx0), (x0 + 1, wx1)):
            vals, inside = corner(yi, xi)
            term = ops.where(inside, vals * (wy * wx).reshape((n, 1) + tuple(wy.shape[1:])), zero)
            out = term if out is None else out + term
    return out


@primitive("GridSampler2DBackward0")
def _grid_sampler_2d(input, grid, *, mode, padding_mode, align_corners):
    out = _grid_sample_composite(
        input, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners, ops=_ArrayOps
    )
    return np.asarray(out, dtype=input.dtype)


defvjp(
    _grid_sampler_2d, _composite_grad(_grid_sample_composite, 0), _composite_grad(_grid_sample_composite, 1)
)


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` (N, C, H, W) at the [-1, 1] coordinates ``grid`` (N, Ho, Wo, 2): (N, C, Ho, Wo).

    ``mode`` is ``bilinear`` or ``nearest``; ``padding_mode`` is ``zeros`` or ``border``.
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    align_corners = _default_align_corners(align_corners)
    if mode == "bicubic" or padding_mode == "reflection":
        raise NotImplementedError("grid_sample: bicubic mode and reflection padding are not supported")
    d, g = input._data, grid._data
    if d.ndim != 4:
        raise NotImplementedError("grid_sample: only 4-D input (2-D sampling) is supported")
    if g.ndim != 4 or g.shape[-1] != 2 or g.shape[0] != d.shape[0]:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size 2 in last dimension and the same batch size as input, "
            f"but got input with sizes {list(d.shape)} and grid with sizes {list(g.shape)}"
        )
    if d.dtype != g.dtype:
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have same dtype, but input has {input.dtype} "
            f"and grid has {grid.dtype}"
        )
    return _grid_sampler_2d(
        input, grid, mode=mode, padding_mode=padding_mode, align_corners=bool(align_corners)
    )
