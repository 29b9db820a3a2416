"""Tensor printing that reproduces PyTorch's ``repr``/``str`` output exactly.

The layout rules follow PyTorch's observable behaviour:

* one formatter per tensor (two for complex: real and imaginary parts) decides
  a common element width, fixed/scientific notation and whether all floats
  are integer-valued (printed as ``1.``);
* nested dimensions print as nested brackets, indented under ``tensor(``;
* long 1-d rows wrap to fit ``linewidth``;
* tensors with more than ``threshold`` elements are summarised with ``...``
  keeping ``edgeitems`` entries at each end of every dimension;
* ``size=``, ``dtype=`` and autograd suffixes follow the closing bracket.

Only NumPy and the standard library are used.  Element values are converted
to Python scalars before formatting, so the text comes from Python's own float
formatting, as it does in PyTorch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


# ---------------------------------------------------------------------------
# Print options
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set printing options, with ``torch.set_printoptions`` semantics.

    ``profile`` ('default', 'short' or 'full') is applied first and explicit
    arguments override it.  ``sci_mode`` is always assigned, so omitting it
    returns to automatic notation selection.  An unknown profile is ignored,
    as in PyTorch.
    """
    if profile is not None and profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as a dict accepted by :func:`set_printoptions`."""
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (same arguments as :func:`set_printoptions`)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ---------------------------------------------------------------------------
# Formatter selection
# ---------------------------------------------------------------------------


class _Formatter:
    """Formats the elements of one real-valued tensor (or one complex part).

    Built from the values that will be shown (the summarised data when the
    tensor is summarised), it fixes the notation and a common width.
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1

        values = values.reshape(-1)
        if not floating:
            if values.size:
                # str(int) is longest at one of the extremes; for bools this
                # picks "False" whenever a False is present.
                extremes = (values.min().item(), values.max().item())
                self.width = max(self.width, *(len(str(v)) for v in extremes))
            return

        shown = values[np.isfinite(values) & (values != 0)]
        if shown.size == 0:
            # Only zeros and non-finite values: PyTorch keeps the integer
            # style ("0.", "nan") and ignores a forced sci_mode here.
            return

        # The check runs in the tensor's own dtype; it is exact either way.
        self.int_mode = bool(np.all(shown == np.ceil(shown)))

        magnitudes = np.abs(shown).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        if _OPTS.sci_mode is None:
            with np.errstate(over="ignore"):
                ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = _OPTS.sci_mode

        # Rounding is monotone, so the widest text of each sign comes from
        # that sign's smallest or largest magnitude (in scientific notation
        # the exponent length is also extreme there).  This avoids formatting
        # every element of big tensors just to measure them.
        candidates = []
        for part in (shown[shown > 0], shown[shown < 0]):
            if part.size:
                candidates += [part.min().item(), part.max().item()]
        self.width = max(self.width, *(self._measure(v) for v in candidates))

    def _measure(self, value: float) -> int:
        """Width a finite non-zero value contributes to the common width."""
        if self.sci_mode:
            return len(f"{value:.{_OPTS.precision}e}")
        if self.int_mode:
            return len(f"{value:.0f}") + 1  # room for the trailing "."
        return len(f"{value:.{_OPTS.precision}f}")

    def format(self, value: Any) -> str:
        """Format one Python scalar, right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."  # marks the tensor as floating point
        else:
            text = f"{value:.{_OPTS.precision}f}"
        # Non-finite values were not measured, so they may overflow the width.
        return text.rjust(self.width)


# ---------------------------------------------------------------------------
# Element formatting
# ---------------------------------------------------------------------------


class _ElementFormatter:
    """Turns a Python scalar (real or complex) into its printed text."""

    def __init__(self, real: _Formatter, imag: _Formatter | None = None) -> None:
        self.real = real
        self.imag = imag

    def element_length(self) -> int:
        """Width of one element plus its ", " separator, used for wrapping."""
        length = self.real.width + 2
        if self.imag is not None:
            length += self.imag.width + 1  # the imaginary part and its "j"
        return length

    def __call__(self, value: Any) -> str:
        if self.imag is None:
            return self.real.format(value)
        real_text = self.real.format(value.real)
        imag_text = (self.imag.format(value.imag) + "j").lstrip()
        # A formatted imaginary part carries its own sign only when negative.
        if imag_text[0] in "+-":
            return real_text + imag_text
        return real_text + "+" + imag_text


# ---------------------------------------------------------------------------
# Summarisation
# ---------------------------------------------------------------------------


def _edge_indices(size: int) -> list[int]:
    """Indices kept along one summarised dimension."""
    edge = _OPTS.edgeitems
    if size > 2 * edge:
        return list(range(edge)) + list(range(size - edge, size))
    return list(range(size))


def _summarized_values(arr: np.ndarray) -> np.ndarray:
    """The values a summarised print shows, which alone decide the formatter."""
    if arr.ndim == 0:
        return arr
    if not _OPTS.edgeitems:
        # PyTorch quirk: a 1-d tensor keeps all values (its tail slice
        # ``[-0:]`` is the whole tensor) while higher dims keep none.
        return arr if arr.ndim == 1 else arr[(slice(0, 0),) * arr.ndim]
    return arr[np.ix_(*(_edge_indices(n) for n in arr.shape))]


# ---------------------------------------------------------------------------
# Nested layout
# ---------------------------------------------------------------------------


def _vector_str(row: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    """Format a 1-d array, wrapping rows to the line width."""
    edge = _OPTS.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and row.shape[0] > 2 * edge:
        items = (
            [fmt(v) for v in row[:edge].tolist()]
            + [" ..."]
            + [fmt(v) for v in row[-edge:].tolist()]
        )
    else:
        items = [fmt(v) for v in row.tolist()]

    # The " ..." marker counts as an element when splitting into lines.
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / fmt.element_length()))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    """Format an array of any rank as nested brackets starting at ``indent``."""
    if arr.ndim == 0:
        return fmt(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)

    size = arr.shape[0]
    edge = _OPTS.edgeitems
    if summarize and size > 2 * edge:
        head = [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(edge)]
        tail = [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(size - edge, size)]
        slices = head + ["..."] + tail
    else:
        slices = [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(size)]

    # Deeper nesting separates blocks with more blank lines.
    separator = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _body_str(arr: np.ndarray, kind: str, indent: int) -> str:
    """Format the bracketed contents of a non-empty array."""
    summarize = arr.size > _OPTS.threshold
    shown: Callable[[np.ndarray], np.ndarray] = (
        _summarized_values if summarize else (lambda a: a)
    )
    if kind == "complex":
        fmt = _ElementFormatter(
            _Formatter(shown(arr.real), floating=True),
            _Formatter(shown(arr.imag), floating=True),
        )
    else:
        fmt = _ElementFormatter(_Formatter(shown(arr), floating=kind == "float"))
    return _nested_str(arr, indent, summarize, fmt)


# ---------------------------------------------------------------------------
# Suffixes and the public entry point
# ---------------------------------------------------------------------------


def _add_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ``, suffix`` items and the closing parenthesis, wrapping as needed."""
    parts = [text]
    # PyTorch measures the last line as two characters longer than it is;
    # mirrored here so suffixes wrap at the same points.
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tangent_suffix(tensor: Any) -> str | None:
    """``tangent=...`` for a tensor with a forward-mode tangent (None without one).

    As PyTorch prints it: the tangent's own repr, or a Python number for a 0-d tangent.
    """
    from .autograd import forward_ad

    if not forward_ad.active() or forward_ad._paused:  # (hidden inside a custom Function's forward and jvp)
        return None
    tangent = forward_ad.get_tangent(tensor)
    if tangent is None:
        return None
    if tangent.dim() == 0:
        return f"tangent={tangent.item()!r}"
    return f"tangent={tangent!r}"


def _dtype_kind(dtype_name: str) -> str:
    if dtype_name.startswith("complex"):
        return "complex"
    if dtype_name.startswith(("float", "bfloat")):
        return "float"
    return "exact"  # integers and bool


def tensor_repr(
    data: np.ndarray,
    dtype_name: str,
    default_float_name: str,
    suffixes: Sequence[str],
) -> str:
    """Return the text PyTorch prints for a tensor holding ``data``.

    ``dtype_name`` is the tensor's dtype without the ``torch.`` prefix,
    ``default_float_name`` the current default float dtype, and ``suffixes``
    the already formatted autograd suffixes (e.g. ``"requires_grad=True"``),
    which follow any ``size=``/``dtype=`` suffix.
    """
    arr = np.asarray(data)
    kind = _dtype_kind(dtype_name)
    if kind == "float" and arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    elif kind == "complex" and arr.dtype.kind != "c":
        arr = arr.astype(np.complex128)

    prefix = "tensor("
    indent = len(prefix)
    shape_suffix = f"size={tuple(arr.shape)}"
    dtype_suffix = f"dtype=torch.{dtype_name}"
    extra: list[str] = []

    if arr.size == 0:
        # Nothing shows the shape or dtype, so both are spelled out; only the
        # default float dtype and the plain 1-d shape are implied by "[]".
        if arr.ndim != 1:
            extra.append(shape_suffix)
        if dtype_name != default_float_name:
            extra.append(dtype_suffix)
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            extra.append(shape_suffix)
        default_complex = "complex128" if default_float_name == "float64" else "complex64"
        if dtype_name not in (default_float_name, default_complex, "int64", "bool"):
            extra.append(dtype_suffix)
        body = _body_str(arr, kind, indent)

    return _add_suffixes(prefix + body, [*extra, *suffixes], indent)
