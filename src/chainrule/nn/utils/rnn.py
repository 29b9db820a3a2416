"""Batching variable-length sequences: pad_sequence (PackedSequence is not provided)."""

from __future__ import annotations

from collections.abc import Sequence

from ... import ops
from ..._tensor import Tensor
from .. import functional as F

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shape ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)`` with ``batch_first``),
    filling with ``padding_value`` on ``padding_side``. Differentiable."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = max_len - s.shape[0]
        # F.pad lists (left, right) pairs from the last dimension backwards; dim 0 is the last pair.
        pairs = [0, 0] * (s.dim() - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(F.pad(s, pairs, value=padding_value) if extra else s)
    return ops.stack(padded, 0 if batch_first else 1)
