"""embedding_bag: the sum, mean or max of bags of embedding rows, as ``torch.nn.functional.embedding_bag``;
and gumbel_softmax, sampling from the Gumbel-softmax (concrete) distribution."""

from __future__ import annotations

import numpy as np

from .. import _creation
from .._tensor import Tensor
from ._conv import _renorm_rows, _type_name

__all__ = ["embedding_bag", "gumbel_softmax"]


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple:
    """The flat indices and, for each of them, the number of its bag; and the number of bags."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        rows, cols = input.shape
        return input._data.reshape(-1), np.repeat(np.arange(rows), cols), rows
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    idx = input._data
    starts = offsets._data.astype(np.int64)
    if starts.size and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {starts[0]}")
    if starts.size and starts[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but got offsets[-1] "
                           f"of {starts[-1]}")
    if np.any(np.diff(starts) < 0):
        raise RuntimeError("embedding_bag: offsets must be non-decreasing")
    if include_last_offset:
        n_bags = max(starts.size - 1, 0)
        idx = idx[: starts[-1]] if starts.size else idx[:0]
    else:
        n_bags = starts.size
    # the bag of position p is the last bag that starts at or before p
    bag_of = np.searchsorted(starts[:n_bags], np.arange(idx.size), side="right") - 1
    return idx, bag_of, n_bags


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Reduce bags of rows of ``weight`` to one row each, without building the ``(N, embedding_dim)`` rows per bag.

    ``input`` is either 2-D ``(B, N)``, B bags of N indices, or 1-D with ``offsets`` giving where each bag starts
    (with ``include_last_offset``, the last offset ends the last bag). ``mode`` is ``"sum"``, ``"mean"`` or
    ``"max"``; ``per_sample_weights`` (mode ``"sum"`` only) scales each row first. Indices equal to
    ``padding_idx`` are left out of their bag; an empty bag gives zeros.

    Example::

        >>> w = torch.randn(10, 3)
        >>> F.embedding_bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), w, torch.tensor([0, 4])).shape
        torch.Size([2, 3])
    """
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
        kind = type(input).__name__ if not isinstance(input, Tensor) else _type_name(input).capitalize()
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{kind}Tensor instead (while checking arguments for embedding_bag)")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    idx, bag_of, n_bags = _bags(input, offsets, include_last_offset)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not supported")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on GitHub.")
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
            f"'per_sample_weights'; but type {weight.type()} does not equal {per_sample_weights.type()} "
            "(while checking arguments for embedding_bag)")
    num, dim = weight.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} through {num - 1}, "
                               f"but got {padding_idx}")
        padding_idx %= num
    idx = idx.astype(np.int64)
    bad = np.flatnonzero((idx < 0) | (idx >= num))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {idx[bad[0]]} which is not in the valid range [0, {num})")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(idx), max_norm, norm_type)
    keep = np.ones(idx.size, dtype=bool) if padding_idx is None else idx != padding_idx
    idx, bag_of = idx[keep], bag_of[keep]
    counts = np.bincount(bag_of, minlength=n_bags)
    if mode == "max":
        return _bag_max(weight, idx, bag_of, n_bags, counts)
    rows = weight.index_select(0, _creation.tensor(idx))
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[_creation.tensor(np.flatnonzero(keep))].unsqueeze(1)
    out = _creation.zeros(n_bags, dim, dtype=weight.dtype).index_add(0, _creation.tensor(bag_of), rows)
    if mode == "mean":
        out = out / _creation.tensor(np.maximum(counts, 1)[:, None].astype(weight._data.dtype))
    return out


def _bag_max(weight: Tensor, idx: np.ndarray, bag_of: np.ndarray, n_bags: int, counts: np.ndarray) -> Tensor:
    """Per bag and feature, the largest entry: found in NumPy, then gathered so that its gradient goes to that row."""
    dim = weight.shape[1]
    values = weight._data[idx]  # (n, dim)
    best = np.full((n_bags, dim), -np.inf, dtype=values.dtype)
    np.maximum.at(best, bag_of, values)
    # the first position (in input order) holding each bag's maximum, as PyTorch's CPU kernel keeps
    hits = values == best[bag_of]
    pos = np.where(hits, np.arange(idx.size)[:, None], idx.size)
    first = np.full((n_bags, dim), idx.size, dtype=np.int64)
    np.minimum.at(first, bag_of, pos)
    empty = counts == 0
    rows = np.where(empty[:, None], 0, idx[np.minimum(first, max(idx.size - 1, 0))] if idx.size else 0)
    out = weight.gather(0, _creation.tensor(rows.astype(np.int64)))
    if empty.any():
        out = out.masked_fill(_creation.tensor(empty[:, None]), 0)
    return out


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with ``g`` standard Gumbel noise.

    With ``hard``, the result is the one-hot vector of the sample's largest entry, with the gradient of the soft
    sample (straight-through). ``eps`` is unused, as in PyTorch. The noise comes from chainrule's generator, so the
    numbers differ from PyTorch's for the same seed.

    Example::

        >>> y = F.gumbel_softmax(torch.randn(4, 5), tau=0.5, hard=True)
        >>> y.sum(-1)
        tensor([1., 1., 1., 1.])
    """
    gumbels = -_creation.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = _creation.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
