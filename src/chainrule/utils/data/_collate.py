"""How a list of samples becomes a batch: ``default_collate`` stacks like with like."""

from __future__ import annotations

import collections.abc as abc
import numbers

import numpy as np

from ... import _creation
from ..._dtype import float64
from ..._tensor import Tensor

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_collate(batch):
    """Merge a list of samples into a batch, recursing through dicts, tuples and lists.

    Tensors and NumPy arrays are stacked along a new first dimension; Python floats become a
    float64 tensor and ints an int64 tensor; strings stay a list; a dict of samples becomes a
    dict of batches and a tuple of samples a list of batches, as in PyTorch.
    """
    from ... import stack  # the op library, imported late: chainrule imports utils first

    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray) or isinstance(elem, np.generic):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_ERR.format(elem.dtype))
        if isinstance(elem, np.generic) or elem.shape == ():
            return _creation.as_tensor(np.array(batch))
        return stack([_creation.as_tensor(b) for b in batch], 0)
    if isinstance(elem, float):
        return _creation.tensor(batch, dtype=float64)
    if isinstance(elem, (bool, numbers.Integral)):
        return _creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, abc.Mapping):
        merged = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(merged)  # keep the mapping's own type (OrderedDict, ...) when it allows
        except TypeError:
            return merged
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(s) for s in zip(*batch, strict=True)))
    if isinstance(elem, abc.Sequence):
        if any(len(s) != len(elem) for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch, strict=True)]
        if isinstance(elem, tuple):
            return columns  # PyTorch returns a list for tuple samples
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Turn NumPy arrays inside ``data`` into tensors, leaving everything else (used without batching)."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "SaUO":
        return _creation.as_tensor(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "SaUO":
        return _creation.as_tensor(data)
    if isinstance(data, abc.Mapping):
        return {key: default_convert(data[key]) for key in data}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data
