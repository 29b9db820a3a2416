"""Batching variable-length sequences, as ``torch.nn.utils.rnn``: padding them to one length, or packing
them into a :class:`PackedSequence` that the recurrent layers run over without touching the padding.

A packed sequence holds the time steps one after another, each with the sequences still running at that
step: ``data`` is ``(sum(lengths), *)``, and ``batch_sizes[t]`` says how many rows step ``t`` has. The
sequences are sorted by decreasing length (``sorted_indices``), so that step ``t``'s rows are the first
``batch_sizes[t]`` sequences.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from ... import _creation, ops
from ..._tensor import Tensor
from .. import functional as F

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "pad_sequence", "unpack_sequence", "unpad_sequence"]


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    order = permutation._data.astype(np.int64)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return _creation.tensor(inverse)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Sequences of different lengths packed step by step: ``(data, batch_sizes, sorted_indices, unsorted_indices)``.

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence`; the recurrent layers take and return it.

    Example::

        >>> p = pack_sequence([torch.ones(3, 2), torch.ones(2, 2)])
        >>> p.batch_sizes
        tensor([2, 2, 1])
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...), as PyTorch allows
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The same packing with ``data`` converted by ``Tensor.to(*args, **kwargs)``."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def cpu(self) -> "PackedSequence":
        """This packed sequence (chainrule's tensors live on the CPU)."""
        return self

    def double(self) -> "PackedSequence":
        """``data`` as float64."""
        return self.to(dtype=_dtype("float64"))

    def float(self) -> "PackedSequence":
        """``data`` as float32."""
        return self.to(dtype=_dtype("float32"))

    def half(self) -> "PackedSequence":
        """``data`` as float16."""
        return self.to(dtype=_dtype("float16"))

    def bfloat16(self) -> "PackedSequence":
        """``data`` as bfloat16."""
        return self.to(dtype=_dtype("bfloat16"))

    def long(self) -> "PackedSequence":
        """``data`` as int64."""
        return self.to(dtype=_dtype("int64"))

    def int(self) -> "PackedSequence":
        """``data`` as int32."""
        return self.to(dtype=_dtype("int32"))

    def short(self) -> "PackedSequence":
        """``data`` as int16."""
        return self.to(dtype=_dtype("int16"))

    def char(self) -> "PackedSequence":
        """``data`` as int8."""
        return self.to(dtype=_dtype("int8"))

    def byte(self) -> "PackedSequence":
        """``data`` as uint8."""
        return self.to(dtype=_dtype("uint8"))

    @property
    def is_cuda(self) -> bool:
        """False: chainrule has no GPU tensors."""
        return False

    def is_pinned(self) -> bool:
        """False: chainrule has no pinned memory."""
        return False


def _dtype(name: str):
    from ... import _dtype as dtypes

    return getattr(dtypes, name)


def _as_lengths(lengths) -> np.ndarray:
    return (lengths._data if isinstance(lengths, Tensor) else np.asarray(lengths)).astype(np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack the padded batch ``input`` (``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``) whose sequence ``b``
    has ``lengths[b]`` steps. With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is
    sorted first (and ``sorted_indices`` records how). Differentiable in ``input``.

    Example::

        >>> x = torch.randn(4, 3, 2)
        >>> pack_padded_sequence(x, [4, 2, 1]).data.shape
        torch.Size([7, 2])
    """
    lengths = _as_lengths(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _creation.tensor(order)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={batch})")
    if lengths.size and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
            "you do not need ONNX exportability.")
    order = np.arange(batch) if sorted_indices is None else sorted_indices._data
    batch_sizes = (lengths[None, :] > np.arange(min(int(lengths[0]), steps) if batch else 0)[:, None]).sum(1)
    # row t * B + b of the flattened input, for every step t and running sequence b, step-major
    rows = np.concatenate([t * batch + order[:n] for t, n in enumerate(batch_sizes)]) if batch_sizes.size else \
        np.zeros(0, dtype=np.int64)
    data = input.reshape(steps * batch, *input.shape[2:]).index_select(0, _creation.tensor(rows))
    return PackedSequence(data, _creation.tensor(batch_sizes.astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch (``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``)
    in the original order, and the lengths (int64). ``total_length`` pads to that many steps. Differentiable.

    Example::

        >>> padded, lengths = pad_packed_sequence(pack_sequence([torch.ones(3), torch.ones(1)]))
        >>> lengths
        tensor([3, 1])
    """
    batch_sizes = sequence.batch_sizes._data.astype(np.int64)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    data = sequence.data
    # each (t, b) of the padded batch reads its row of data, or an extra row of padding_value after the data
    where = np.full((steps, batch), data.shape[0], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)
    for t, (start, n) in enumerate(zip(starts, batch_sizes, strict=True)):
        where[t, :n] = start + np.arange(n)
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        where = where[:, unsorted._data]
        lengths = lengths[unsorted._data]
    pad_row = _creation.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = ops.cat([data, pad_row]).index_select(0, _creation.tensor(where.reshape(-1)))
    padded = padded.reshape(steps, batch, *data.shape[1:])
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _creation.tensor(lengths.astype(np.int64))


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors ``(L_i, *)`` (by decreasing length unless ``enforce_sorted=False``).

    Example::

        >>> pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5]), torch.tensor([6])])
        PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), sorted_indices=None, unsorted_indices=None)
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """The inverse of :func:`pad_sequence`: sequence ``b`` cut to its ``lengths[b]`` steps."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _as_lengths(lengths).tolist(), strict=True)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of :func:`pack_sequence`: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


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
