"""Run one program with chainrule and with torch and compare the outcomes.

Shared by the Tensor-API test files: a case is a function of the module (``chainrule`` or
``torch``); the summaries of its results, or the types (and optionally messages) of the
exceptions it raises, must agree.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule


def describe(x):
    """A comparable summary of a result from either library."""
    if isinstance(x, (torch.Tensor, chainrule.Tensor)):
        arr = x.detach().numpy()
        return ("tensor", repr(x.dtype), tuple(x.shape), x.requires_grad, repr(arr.tolist()))
    if isinstance(x, (torch.Size, chainrule.Size)):
        return ("Size", tuple(x))
    if isinstance(x, (torch.dtype, chainrule.dtype, torch.device, chainrule.device)):
        return (type(x).__name__, repr(x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [describe(y) for y in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.name, x.shape, repr(x.tolist()))
    if isinstance(x, float) and math.isnan(x):
        return ("float", "nan")
    return (type(x).__name__, x)


def outcome(fn, mod, message: bool = False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return describe(fn(mod))
        except Exception as e:  # noqa: BLE001 - the exception type is the outcome
            return ("raises", type(e).__name__, str(e) if message else "")


def assert_same(fn, message: bool = False) -> None:
    expected = outcome(fn, torch, message)
    got = outcome(fn, chainrule, message)
    assert got == expected


def cases(table: dict):
    return [pytest.param(fn, id=name) for name, fn in table.items()]
