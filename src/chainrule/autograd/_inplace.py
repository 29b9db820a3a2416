"""Version counters and the error raised when a saved tensor was modified in place.

# Note [Version counters]
Every tensor carries ``_vc``, a two-item list ``[count, last_writer]`` shared with
all its views. An in-place op bumps ``count`` and records which op wrote and from which
line of user code. A node that saves a tensor remembers ``count``; if it differs when
backward unpacks the tensor, the gradient would be silently wrong, so we raise. PyTorch
raises too; chainrule's message also names the op that saved the tensor and the line
that modified it, so the user knows where to add a ``.clone()``.
"""

from __future__ import annotations

import os
import re
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


_getframe = sys._getframe


def user_frame_location() -> str:
    """``file:line`` of the innermost frame outside chainrule (the user's code)."""
    code, line = _user_frame(_getframe(1))
    return _format_location(code, line)


def _user_frame(frame) -> tuple:
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return (None, 0) if frame is None else (frame.f_code, frame.f_lineno)


def _format_location(code, line: int) -> str:
    return "<unknown>" if code is None else f"{code.co_filename}:{line}"


def bump(version: list, op_name: str) -> None:
    """Record an in-place write by ``op_name`` on a tensor whose version counter is ``version``.

    Every in-place op calls this, so it keeps the writer's code object and line; the
    error message formats them only if it is ever raised.
    """
    version[0] += 1
    frame = _getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    version[1] = (op_name, None, 0) if frame is None else (op_name, frame.f_code, frame.f_lineno)


_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}


def _short_name(node) -> str:
    """A node's name as PyTorch's message shows it: ``MulBackward0`` -> ``Mul``."""
    return re.sub(r"Backwards?\d*$", "", node.name())


def modified_error(
    t, index, node, expected, current=None, shape=None, dtype=None, version=None
) -> RuntimeError:
    """PyTorch's in-place modification error, plus which node saved it and who wrote it.

    ``t`` is the saved input, or None for a saved output of ``node`` (then ``shape``,
    ``dtype`` and the output's ``version`` counter describe it).
    """
    if t is not None:
        version = t._vc
        shape, dtype = t._data.shape, t._data.dtype
        producer = (
            f", which is output {t._output_nr} of {_short_name(t._grad_fn)},"
            if t._grad_fn is not None
            else ""
        )
    else:
        if version is None:
            saved = getattr(node, "_result", None)  # a primitive's saved result: (array, counter, version)
            version = saved[1] if saved is not None else None
        producer = f", which is output {index} of {_short_name(node)},"
    if current is None:
        current = version[0]
    type_name = _TYPE_NAMES.get(str(dtype), "Tensor")
    dims = ", ".join(str(s) for s in shape)
    writer = ""
    last = version[1] if version is not None else None
    if last is not None:
        writer = f" It was modified in place by {last[0]} at {_format_location(last[1], last[2])}."
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{type_name} [{dims}]]{producer} is at version {current}; expected "
        f"version {expected} instead. chainrule: it was saved for backward by {node.name()}."
        f"{writer} Clone it before modifying it (x = x.clone()), or use the out-of-place op."
    )
