"""``torch.testing.assert_close``: compare tensors (or numbers, or nested sequences and dicts
of them) with dtype-aware tolerances, failing with PyTorch's messages."""

from __future__ import annotations

import numpy as np

__all__ = ["assert_close"]

# (rtol, atol) by dtype, as PyTorch's defaults.
_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
               "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def _fail(msg, default: str):
    if callable(msg):
        raise AssertionError(msg(default))
    raise AssertionError(default if msg is None else msg)


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close: same structure, shapes,
    dtypes (``check_dtype``) and ``|actual - expected| <= atol + rtol * |expected|`` elementwise."""
    from ._tensor import Tensor

    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            _fail(msg, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected, strict=True):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        if set(actual) != set(expected):
            _fail(msg, f"The keys of the mappings do not match:\n{sorted(actual)}\n{sorted(expected)}")
        for k in expected:
            assert_close(actual[k], expected[k], rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_dtype=check_dtype, msg=msg)
        return
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                            f"{type(expected)}.")
        return _tensors(actual, expected, rtol, atol, equal_nan, check_dtype, msg)
    if isinstance(actual, (bool, int, float, complex)) and isinstance(expected, (bool, int, float, complex)):
        return _scalars(actual, expected, rtol, atol, equal_nan, msg)
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _scalars(actual, expected, rtol, atol, equal_nan, msg) -> None:
    if type(actual) is not type(expected):
        _fail(msg, f"The values for attribute 'type' do not match: {type(actual)} != {type(expected)}.")
    exact = isinstance(expected, (bool, int))
    if rtol is None:
        rtol, atol = (0.0, 0.0) if exact else _TOLERANCES["float64"]
    if actual == expected or (equal_nan and actual != actual and expected != expected):
        return
    diff = abs(actual - expected)
    if not exact and diff <= atol + rtol * abs(expected):
        return
    if exact:
        _fail(msg, f"Scalars are not equal!\n\nExpected {expected} but got {actual}.\nAbsolute difference: {diff}")
    rel = diff / abs(expected) if expected else float("inf")
    _fail(msg, f"Scalars are not close!\n\nExpected {expected} but got {actual}.\n"
               f"Absolute difference: {diff} (up to {atol} allowed)\nRelative difference: {rel} (up to {rtol} allowed)")


def _tensors(actual, expected, rtol, atol, equal_nan, check_dtype, msg) -> None:
    if actual.shape != expected.shape:
        _fail(msg, f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}.")
    if check_dtype and actual.dtype is not expected.dtype:
        _fail(msg, f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}.")
    a, e = actual.detach().numpy(), expected.detach().numpy()
    exact = e.dtype.kind in "biu" and a.dtype.kind in "biu"
    if rtol is None:
        names = [d.name for d in (a.dtype, e.dtype) if d.name in _TOLERANCES]
        rtol, atol = (0.0, 0.0) if not names else max((_TOLERANCES[n] for n in names), key=lambda t: t[0])
    # Differences in the inputs' common floating dtype, as PyTorch computes them (float32 for ints).
    common = np.result_type(a.dtype, e.dtype)
    if common.kind not in "fc":
        common = np.dtype(np.float32)
    a64, e64 = a.astype(common), e.astype(common)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a64 - e64)
        ok = diff <= atol + rtol * np.abs(e64)
        ok |= a64 == e64  # infinities of the same sign
        if equal_nan:
            ok |= np.isnan(a64) & np.isnan(e64)
    if ok.all():
        return
    bad = int((~ok).sum())
    total = ok.size
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.abs(e64))
    ia, ir = np.unravel_index(int(np.argmax(diff)), diff.shape), np.unravel_index(int(np.argmax(rel)), rel.shape)
    word = "equal" if exact else "close"

    def num(x):
        return int(x) if exact and float(x).is_integer() else float(x)

    lines = [f"Tensor-likes are not {word}!", "", f"Mismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)",
             f"Greatest absolute difference: {num(diff[ia])} at index {tuple(int(i) for i in ia)}"
             + ("" if exact else f" (up to {atol} allowed)"),
             f"Greatest relative difference: {float(rel[ir])} at index {tuple(int(i) for i in ir)}"
             + ("" if exact else f" (up to {rtol} allowed)")]
    _fail(msg, "\n".join(lines))
