"""float16: every registry op, on its first float32 samples cast to half precision, gives
PyTorch's dtypes and (to half precision) PyTorch's values. Forward only; torch is the oracle."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402
from opinfo import OPS, instantiate  # noqa: E402

# Known differences, kept strict so that a fix shows up.
KNOWN = {
    "matrix_exp": "values differ from torch's in half precision",
    "linalg.matrix_exp": "values differ from torch's in half precision",
    "addr": "a Python-number sample meets a half tensor: dtype check refuses what torch promotes",
    "linalg.det": "refuses float16 where torch computes it",
    "linalg.matrix_norm": "refuses float16 where torch computes it",
    "linalg.norm": "refuses float16 where torch computes it",
}


def _half(x):
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        return x.astype(np.float16)
    return x


def _flat(x) -> list:
    if isinstance(x, (tuple, list)):
        return [y for z in x for y in _flat(z)]
    return [x]


def _check(op) -> int:
    """Compare every half-precision sample torch accepts; return how many were compared."""
    compared = 0
    for sample in op.sample_inputs("float32")[:3]:
        half = dataclasses.replace(
            sample, args=tuple(_half(a) for a in sample.args), kwargs={k: _half(v) for k, v in sample.kwargs.items()}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                args, kwargs, _ = instantiate(torch, half, requires_grad=False)
                want = op.op(torch, *args, **kwargs)
            except Exception:  # noqa: BLE001 - torch refuses float16 here: nothing to compare
                continue
            args, kwargs, _ = instantiate(chainrule, half, requires_grad=False)
            got = op.op(chainrule, *args, **kwargs)
        for w, g in zip(_flat(want), _flat(got), strict=True):
            if not isinstance(w, torch.Tensor):
                continue
            assert str(g.dtype) == str(w.dtype), f"dtype {g.dtype}, torch {w.dtype}"
            if w.dtype.is_floating_point:
                np.testing.assert_allclose(
                    g.detach().numpy().astype(np.float64), w.detach().numpy().astype(np.float64),
                    rtol=2e-2, atol=2e-2, equal_nan=True,
                )
        compared += 1
    return compared


@pytest.mark.parametrize(
    "op",
    [
        pytest.param(op, id=op.name, marks=[pytest.mark.xfail(strict=True, reason=KNOWN[op.name])] if op.name in KNOWN else [])
        for op in OPS
    ],
)
def test_float16_forward_matches_torch(op):
    _check(op)
