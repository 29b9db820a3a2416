"""``torch.jit``: chainrule has no compiler, so ``script`` and ``trace`` return what they are
given (it runs as eager Python, which is what it was before scripting)."""

from __future__ import annotations

__all__ = ["script", "trace", "ignore", "unused", "export", "is_scripting", "is_tracing"]


def script(obj, *args, **kwargs):
    """``obj`` itself: it runs eagerly."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """``func`` itself: it runs eagerly (no graph is recorded)."""
    return func


def ignore(drop=False, **kwargs):
    """A decorator that changes nothing (``@torch.jit.ignore`` and ``@torch.jit.ignore(drop=...)``)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """A decorator that changes nothing."""
    return fn


def export(fn):
    """A decorator that changes nothing."""
    return fn


def is_scripting() -> bool:
    """Whether code runs under TorchScript: never."""
    return False


def is_tracing() -> bool:
    """Whether code runs under the tracer: never."""
    return False
