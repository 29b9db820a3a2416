"""Run one program with chainrule and with PyTorch and compare what each produced.

A test writes its program once, as a function of the module (``m``), which it uses
exactly as user code uses ``torch``. ``same(program)`` runs it with both, turns every
tensor in the result into (dtype, shape, values, requires_grad) and compares; an
exception is compared by type name and, unless told otherwise, by message.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402

MODULES = (chainrule, torch)


class Raised:
    """An exception, as a result to compare."""

    def __init__(self, exc: BaseException) -> None:
        self.type = type(exc).__name__
        self.message = str(exc)
        self.exc = exc

    def __repr__(self) -> str:
        return f"Raised({self.type}: {self.message!r})"


class Arr:
    """A tensor, as a result to compare."""

    def __init__(self, t) -> None:
        self.dtype = str(t.dtype).replace("torch.", "")
        self.shape = tuple(t.shape)
        self.values = np.array(t.detach().tolist(), dtype=complex if t.is_complex() else float)
        self.requires_grad = bool(t.requires_grad)

    def __repr__(self) -> str:
        rg = ", requires_grad" if self.requires_grad else ""
        return f"Arr({self.dtype}, {self.shape}, {self.values.tolist()}{rg})"


def run(program, m):
    """``program(m)`` with tensors turned into ``Arr`` and an exception into ``Raised``."""
    try:
        return normalize(program(m), m)
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return Raised(exc)


def normalize(value, m):
    if isinstance(value, m.Tensor):
        return Arr(value)
    if isinstance(value, (list, tuple)):
        return type(value)(normalize(v, m) for v in value) if not isinstance(value, m.Size) else tuple(value)
    if isinstance(value, dict):
        return {k: normalize(v, m) for k, v in value.items()}
    if isinstance(value, m.dtype):
        return str(value).replace("torch.", "")
    return value


def assert_close(
    got, want, *, rtol: float = 1e-6, atol: float = 1e-7, message=True, path: str = "result"
) -> None:
    """Compare two normalized results; ``message``: True (equal), False (ignore), an int
    (equal up to that many characters) or a callable ``(got, want) -> bool``."""
    if isinstance(want, Raised) or isinstance(got, Raised):
        assert isinstance(got, Raised), f"{path}: chainrule returned {got!r}, torch raised {want!r}"
        assert isinstance(want, Raised), f"{path}: chainrule raised {got!r}, torch returned {want!r}"
        if want.type == "GradcheckError":
            assert got.type == "GradcheckError", f"{path}: {got!r} vs {want!r}"
        else:
            assert got.type == want.type, f"{path}: chainrule raised {got!r}, torch raised {want!r}"
        if message is True:
            assert got.message == want.message, (
                f"{path}: messages differ:\n  chainrule: {got.message}\n  torch:     {want.message}"
            )
        elif isinstance(message, int) and message is not False:
            assert got.message[:message] == want.message[:message], (
                f"{path}: messages differ:\n  chainrule: {got.message}\n  torch:     {want.message}"
            )
        elif callable(message):
            assert message(got.message, want.message), f"{path}: {got.message!r} vs {want.message!r}"
        return
    if isinstance(want, Arr):
        assert isinstance(got, Arr), f"{path}: chainrule gave {got!r}, torch gave a tensor {want!r}"
        assert got.dtype == want.dtype, f"{path}: dtype {got.dtype} != torch's {want.dtype}"
        assert got.shape == want.shape, f"{path}: shape {got.shape} != torch's {want.shape}"
        assert got.requires_grad == want.requires_grad, (
            f"{path}: requires_grad {got.requires_grad} != torch's"
        )
        tol = dict(rtol=rtol, atol=atol)
        if got.dtype in ("float32", "complex64"):
            tol = dict(rtol=max(rtol, 2e-6), atol=max(atol, 1e-6))
        elif got.dtype == "float16":
            tol = dict(rtol=max(rtol, 1e-3), atol=max(atol, 1e-3))
        assert np.allclose(got.values, want.values, equal_nan=True, **tol), (
            f"{path}: values differ\n  chainrule: {got.values.tolist()}\n  torch:     {want.values.tolist()}"
        )
        return
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), (
            f"{path}: {got!r} != torch's {want!r}"
        )
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            assert_close(g, w, rtol=rtol, atol=atol, message=message, path=f"{path}[{i}]")
        return
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), f"{path}: {got!r} != torch's {want!r}"
        for k in want:
            assert_close(got[k], want[k], rtol=rtol, atol=atol, message=message, path=f"{path}[{k!r}]")
        return
    if isinstance(want, float) and isinstance(got, float):
        assert np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True), f"{path}: {got} != torch's {want}"
        return
    assert got == want, f"{path}: chainrule gave {got!r}, torch gave {want!r}"


def same(program, *, rtol: float = 1e-6, atol: float = 1e-7, message=True):
    """Run ``program`` with chainrule and with torch; assert the results agree. Returns torch's."""
    got = run(program, chainrule)
    want = run(program, torch)
    assert_close(got, want, rtol=rtol, atol=atol, message=message)
    return want


def raises_same(program, *, message=True) -> Raised:
    """Like ``same``, and torch must raise (so the test checks an error path)."""
    want = same(program, message=message)
    assert isinstance(want, Raised), f"torch did not raise: {want!r}"
    return want


def version(t) -> int:
    """A tensor's version counter (an int in both libraries)."""
    return t._version


def graph_shape(node):
    """A grad_fn graph as nested ``(name, ((child, output_nr), ...))`` tuples (iterative)."""
    if node is None:
        return None
    # Post-order without recursion: graphs in these tests are small, but keep the habit.
    out = {}
    stack = [(node, False)]
    while stack:
        n, done = stack.pop()
        if done:
            out[id(n)] = (
                n.name(),
                tuple((out[id(c)] if c is not None else None, i) for c, i in n.next_functions),
            )
            continue
        stack.append((n, True))
        for c, _ in n.next_functions:
            if c is not None and id(c) not in out:
                stack.append((c, False))
    return out[id(node)]
