"""Anomaly detection: find the forward line behind a failing or NaN-producing backward.

    with chainrule.autograd.detect_anomaly():
        y = x / x                 # each node remembers the stack that created it
        y.sum().backward()        # RuntimeError: Function 'DivBackward0' returned nan values ...

While the mode is on, every node records its creation stack in ``node.metadata["traceback_"]``
(as PyTorch does), and the engine checks each node's gradients for NaN
(``check_nan``). An error in a node's backward is reported with a warning that shows
that stack. The mode is process-wide, like PyTorch's; while it is off, ops pay one
global check (Note [Extras on the recording path] in saved_hooks.py) and the engine
nothing: the checks run through the engine's node hook (autograd/trace.py), installed
only while the mode is on. As in PyTorch, a node is checked if the mode is on during
backward, wherever it was created; without a recorded stack the message says so.
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
    from .saved_hooks import refresh_extras
    from .trace import _install, _uninstall  # the engine's node hook, shared with trace/verify

    was = _enabled
    _enabled, _check_nan = bool(enabled), bool(check_nan)
    if _enabled and not was:
        _install(_check_node)
    elif was and not _enabled:
        _uninstall(_check_node)
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
    """Store the user's stack at the creation of ``node`` (chainrule's own frames trimmed)."""
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    node.metadata["traceback_"] = traceback.format_list(frames)


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


def _check_node(node, grads_out, needs, call):
    """Run ``node`` through ``call``, reporting where it was created if it fails or gives NaN.

    An observer of the engine's node hook (see autograd/trace.py), installed only while
    the mode is on.
    """
    if needs is None:  # a leaf's accumulator ran: nothing to check
        return call(node, grads_out, needs)
    try:
        grads_in = call(node, grads_out, needs)
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
