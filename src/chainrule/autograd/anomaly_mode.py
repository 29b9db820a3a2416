"""Anomaly detection: find the forward line behind a failing or NaN-producing backward.

    with chainrule.autograd.detect_anomaly():
        y = x / x                 # each node remembers the stack that created it
        y.sum().backward()        # RuntimeError: Function 'DivBackward0' returned nan values ...

While the mode is on, every node records its creation stack in ``node.metadata["traceback_"]``
(as PyTorch does), and the engine checks each node's gradients for NaN
(``check_nan``). An error in a node's backward is reported with a warning that shows
that stack. The mode is process-wide, like PyTorch's; while it is off, ops pay one
global check (Note [Extras on the recording path] in saved_hooks.py) and the engine
nothing: a node created in anomaly mode gets a same-named subclass whose ``apply`` does
the checks. Unlike PyTorch, a node created while the mode was off is not checked.
"""

from __future__ import annotations

import os
import traceback
import warnings

import numpy as np

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "set_anomaly_enabled",
]

_enabled = False
_check_nan = True
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks backward results for NaN."""
    return _check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (the function behind both context managers)."""
    global _enabled, _check_nan
    _enabled, _check_nan = bool(enabled), bool(check_nan)
    from .saved_hooks import refresh_extras

    refresh_extras()


class detect_anomaly:
    """Context manager that turns anomaly detection on for its body.

    >>> with chainrule.autograd.detect_anomaly():
    ...     out = model(x)
    ...     out.backward()
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = _enabled
        self.check_nan = check_nan
        self.prev_check_nan = _check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
            "for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Set anomaly detection on or off, as a call or as a context manager (restored on exit).

    >>> chainrule.autograd.set_detect_anomaly(True)
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _enabled
        self.prev_check_nan = _check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


def remember_creation(node) -> None:
    """Store the user's stack at the creation of ``node`` and make its backward checked.

    The node's class is swapped for a same-named subclass whose ``apply`` checks (see
    ``_checked_class``), so the engine's loop needs no test of its own.
    """
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    node.metadata["traceback_"] = traceback.format_list(frames)
    node.__class__ = _checked_class(node.__class__)


_CHECKED: dict = {}


def _checked_class(cls: type) -> type:
    """``cls`` with an ``apply`` that reports where the node was created if it fails or gives NaN."""
    if getattr(cls, "_anomaly_checked", False):
        return cls
    sub = _CHECKED.get(cls)
    if sub is None:
        attrs = {"apply": _checked_apply, "_anomaly_checked": True, "__qualname__": cls.__qualname__}
        if "__slots__" in cls.__dict__:
            attrs["__slots__"] = ()  # same layout, so that ``__class__`` may be assigned
        sub = _CHECKED[cls] = type(cls.__name__, (cls,), attrs)
        sub.__module__ = cls.__module__
    return sub


def _creation_trace(node) -> str:
    hooks = node._hooks
    meta = hooks.get("metadata") if hooks is not None else None
    lines = meta.get("traceback_") if meta else None
    if not lines:
        return (
            "No forward pass information available. Enable detect anomaly during forward pass for more "
            "information."
        )
    return "".join(lines)


def _checked_apply(node, grads_out, needs):
    apply = super(node.__class__, node).apply
    if not _enabled:  # turned off since the forward pass: PyTorch checks only while it is on
        return apply(grads_out, needs)
    try:
        grads_in = apply(grads_out, needs)
        if _check_nan:
            for i, g in enumerate(grads_in):
                if g is not None and np.isnan(g._data).any():
                    raise RuntimeError(
                        f"Function '{node.name()}' returned nan values in its {i}th output.\n\n"
                        f"Traceback of forward call that caused the error:\n{_creation_trace(node)}"
                    )
    except Exception:
        warnings.warn(
            f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
            f"{_creation_trace(node)}",
            stacklevel=2,
        )
        raise
    return grads_in
