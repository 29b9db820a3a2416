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
import sys
import warnings
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
    passes through. One object may be entered again while inside itself (each entry
    keeps its own tokens). A decorated function (or generator) runs under the mode on
    each call, and a generator only while it runs: not while it is suspended at a yield.
    """

    _tokens: list

    def _enter(self) -> list:
        raise NotImplementedError

    def __enter__(self) -> None:
        tokens = self._enter()
        try:
            self._tokens.append(tokens)
        except AttributeError:
            self._tokens = [tokens]

    def __exit__(self, *exc: Any) -> None:
        for var, token in reversed(self._tokens.pop()):
            var.reset(token)

    def clone(self) -> "_GradModeContext":
        """A fresh context manager of the same kind (used when decorating a function)."""
        return self.__class__()

    def __call__(self, func: Callable) -> Callable:
        if inspect.isclass(func):
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in future versions. You should only "
                "decorate functions or methods. To preserve the current behavior of class decoration, you can "
                "directly decorate the `__init__` method and nothing else.",
                FutureWarning,
                stacklevel=2,
            )
            return self(lambda *args, **kwargs: func(*args, **kwargs))
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                with self.clone():
                    gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        except BaseException:
                            with self.clone():
                                response = gen.throw(*sys.exc_info())
                        else:
                            with self.clone():
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value

            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class _NoParamDecorator(_GradModeContext):
    """A mode that takes no argument, so ``@no_grad`` works as well as ``@no_grad()``."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Context manager and decorator that turns graph recording off.

    >>> x = chainrule.tensor(2.0, requires_grad=True)
    >>> with chainrule.no_grad():
    ...     y = x ** 2
    >>> y.requires_grad
    False
    """

    def _enter(self):
        return [(GRAD_ENABLED, GRAD_ENABLED.set(False))]


class enable_grad(_NoParamDecorator):
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
        previous, self._previous = self._previous, None
        if previous is None:  # entered a second time: switch again
            return [(GRAD_ENABLED, GRAD_ENABLED.set(self.mode))]
        return [(GRAD_ENABLED, previous)]

    def clone(self) -> "set_grad_enabled":
        """A fresh context manager with the same mode (used when decorating a function)."""
        return self.__class__(self.mode)

    def __call__(self, func: Callable) -> Callable:
        # Used as a decorator the mode must not stay switched at decoration time.
        if self._previous is not None:
            GRAD_ENABLED.reset(self._previous)
            self._previous = None
        return super().__call__(func)


class inference_mode(_GradModeContext):
    """Like ``no_grad``, for code that will never need gradients.

    ``inference_mode(False)`` switches both off again: grad mode on, inference mode off.
    """

    def __new__(cls, mode_or_orig_func: Any = True):
        if mode_or_orig_func is None or isinstance(mode_or_orig_func, bool):
            return super().__new__(cls)
        return cls()(mode_or_orig_func)

    def __init__(self, mode: Any = True) -> None:
        self.mode = bool(mode) if isinstance(mode, bool) else True

    def clone(self) -> "inference_mode":
        """A fresh context manager with the same mode (used when decorating a function)."""
        return self.__class__(self.mode)

    def _enter(self):
        return [
            (GRAD_ENABLED, GRAD_ENABLED.set(not self.mode)),
            (INFERENCE_MODE, INFERENCE_MODE.set(self.mode)),
        ]
