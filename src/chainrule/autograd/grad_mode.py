"""Grad mode: whether ops record the graph.

# Note [Grad mode lives in a ContextVar]
PyTorch keeps grad mode in a thread-local, so a coroutine suspended inside ``no_grad``
switches grad off for every other asyncio task on that thread. chainrule keeps it in a
``contextvars.ContextVar``: each thread starts with grad on (as in PyTorch), and each
asyncio task works on its own copy of the context, so nothing leaks between tasks.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from typing import Any, Callable

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]

# Read on every op: the op records a node only when this is True.
GRAD_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("grad_enabled", default=True)
INFERENCE_MODE: contextvars.ContextVar[bool] = contextvars.ContextVar("inference_mode", default=False)


def is_grad_enabled() -> bool:
    """Whether ops currently record the autograd graph."""
    return GRAD_ENABLED.get()


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode(True)`` block is active."""
    return INFERENCE_MODE.get()


class _GradModeContext:
    """Base of the grad-mode context managers; each is also a decorator.

    Entering saves the previous mode and exiting restores it, also when an exception
    passes through. A decorated function (or generator) runs under the mode each call.
    """

    def _enter(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._tokens = self._enter()

    def __exit__(self, *exc: Any) -> None:
        for var, token in reversed(self._tokens):
            var.reset(token)

    def clone(self) -> "_GradModeContext":
        return self.__class__()

    def __call__(self, func: Callable) -> Callable:
        if inspect.isclass(func):
            raise TypeError("grad-mode decorators apply to functions, not classes")
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                response = None
                while True:
                    with self.clone():
                        try:
                            response = gen.send(response)
                        except StopIteration as stop:
                            return stop.value
                    response = yield response

            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator that turns graph recording off.

    >>> x = chainrule.tensor(2.0, requires_grad=True)
    >>> with chainrule.no_grad():
    ...     y = x ** 2
    >>> y.requires_grad
    False
    """

    def _enter(self):
        return [(GRAD_ENABLED, GRAD_ENABLED.set(False))]


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns graph recording back on inside ``no_grad``."""

    def _enter(self):
        return [(GRAD_ENABLED, GRAD_ENABLED.set(True))]


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``: immediately as a call, or for a block as a context manager.

    >>> chainrule.set_grad_enabled(False)   # grad off from here on
    >>> with chainrule.set_grad_enabled(True): ...
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        # Like PyTorch, calling it switches the mode at once; __exit__ restores it.
        self._previous = GRAD_ENABLED.set(self.mode)

    def _enter(self):
        return [(GRAD_ENABLED, self._previous)]

    def __enter__(self) -> None:
        self._tokens = [(GRAD_ENABLED, self._previous)]

    def clone(self) -> "set_grad_enabled":
        return self.__class__(self.mode)

    def __call__(self, func: Callable) -> Callable:
        # Used as a decorator the mode must not stay switched at decoration time.
        GRAD_ENABLED.reset(self._previous)
        return super().__call__(func)


class inference_mode(_GradModeContext):
    """Like ``no_grad``, for code that will never need gradients (``mode=False`` is a no-op)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def clone(self) -> "inference_mode":
        return self.__class__(self.mode)

    def _enter(self):
        if not self.mode:
            return [(INFERENCE_MODE, INFERENCE_MODE.set(False))]
        return [
            (GRAD_ENABLED, GRAD_ENABLED.set(False)),
            (INFERENCE_MODE, INFERENCE_MODE.set(True)),
        ]
