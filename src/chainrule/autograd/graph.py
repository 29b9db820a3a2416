"""The backward graph: nodes (``grad_fn``), leaf accumulators, hooks and saved tensors.

A node is created by an op when grad mode is on and an input requires grad. It holds
``_edges``, one ``(node, output_nr)`` pair per input (``(None, 0)`` for an input that
needs no gradient), and whatever its derivative rule needs later. It never holds its
own output Tensor: an output saved for backward is kept as its array and rebuilt on
unpacking, so the graph is freed by reference counting alone.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable

__all__ = [
    "Node",
    "AccumulateGrad",
    "RemovableHandle",
    "saved_tensors_freed_error",
    "saved_tensors_hooks",
    "save_on_cpu",
    "disable_saved_tensors_hooks",
]

# Creation order of nodes: the engine runs later nodes first, as PyTorch does.
_sequence = itertools.count()


class RemovableHandle:
    """Returned by ``register_*hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks_ref", "_key")
    _ids = itertools.count()

    def __init__(self, hooks: dict) -> None:
        self._hooks_ref = weakref.ref(hooks) if hasattr(hooks, "__weakref__") else (lambda: hooks)
        self._key = next(RemovableHandle._ids)

    @property
    def id(self) -> int:
        """The key of the hook this handle removes."""
        return self._key

    def remove(self) -> None:
        """Remove the hook (nothing happens if it is already gone)."""
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self._key, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class _HookDict(dict):
    """A dict that a RemovableHandle may refer to weakly."""

    __slots__ = ("__weakref__",)


def _add_hook(hooks: dict | None, fn: Callable) -> tuple[_HookDict, RemovableHandle]:
    if hooks is None:
        hooks = _HookDict()
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return hooks, handle


def saved_tensors_freed_error() -> RuntimeError:
    """The error raised on a second backward through a graph whose saved tensors were freed."""
    return RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        "backward through the graph a second time or if you need to access saved tensors after "
        "calling backward."
    )


class Node:
    """A backward function: maps the gradients of an op's outputs to those of its inputs.

    Subclasses implement ``apply(grads, needs)``: ``grads`` holds one gradient (or None)
    per output and ``needs`` one flag per input; it returns one gradient (or None) per
    input. The engine does everything else: order, broadcasting, accumulation, hooks.
    """

    __slots__ = ("_edges", "_seq", "_hooks", "_freed", "__weakref__")
    # A node must be numbered after the nodes its edges point to: build the edges first,
    # then the node (the engine's order depends on it; see engine's Note [Execution order]).
    _sequence = _sequence
    _meta = None  # per input (shape, np dtype) for the engine to conform gradients to; None: no need

    def __init__(self, edges: tuple) -> None:
        self._edges = edges
        self._seq = next(_sequence)
        self._hooks = None  # dict of hook kind -> _HookDict, created on first registration
        self._freed = False

    # -- what users see -------------------------------------------------------------------
    def name(self) -> str:
        """The node's name, as PyTorch prints it (e.g. ``"MulBackward0"``)."""
        cls = type(self).__name__
        return _CPP_NAMES.get(cls, cls)

    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` for each input: where its gradient flows on to (``(None, 0)`` if nowhere)."""
        return tuple(self._edges)

    @property
    def metadata(self) -> dict:
        """A dict for the user's own annotations of this node."""
        if self._hooks is None:
            self._hooks = {}
        d = self._hooks.get("metadata")
        if d is None:
            d = self._hooks["metadata"] = {}
        return d

    def _hook_dict(self, kind: str) -> dict:
        if self._hooks is None:
            self._hooks = {}
        d = self._hooks.get(kind)
        if d is None:
            d = self._hooks[kind] = _HookDict()
        return d

    def _hooks_of(self, kind: str):
        return None if self._hooks is None else self._hooks.get(kind)

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """Call ``fn(grad_inputs, grad_outputs)`` after this node runs; it may return new grad_inputs."""
        hooks, handle = _add_hook(self._hook_dict("post"), fn)
        return handle

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """Call ``fn(grad_outputs)`` before this node runs; it may return new grad_outputs."""
        hooks, handle = _add_hook(self._hook_dict("pre"), fn)
        return handle

    def _register_tensor_hook(self, output_nr: int, fn: Callable) -> RemovableHandle:
        hooks, handle = _add_hook(self._hook_dict("tensor"), (output_nr, fn))
        return handle

    def _register_retain_hook(self, output_nr: int, fn: Callable) -> None:
        """Store the gradient of output ``output_nr`` after its tensor hooks (Note [Hook order])."""
        self._hook_dict("retain")[output_nr] = fn

    def apply(self, grads: tuple, needs: tuple) -> tuple:  # pragma: no cover - abstract
        """The gradients of this node's inputs from ``grads`` of its outputs (``needs`` says which)."""
        raise NotImplementedError

    def _release(self) -> None:
        """Drop saved tensors after a backward pass that did not retain the graph."""
        self._freed = True

    def __call__(self, *grads):
        """Run this node on gradients of its outputs (as PyTorch's ``grad_fn(...)`` does).

        Returns the gradient of its input, or a tuple of them when it has several.
        """
        result = self.apply(list(grads), [e[0] is not None for e in self._edges])
        return result[0] if len(result) == 1 else tuple(result)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


# Nodes PyTorch implements in C++ report a namespaced name() (their type name is plain).
_CPP_NAMES = {
    "AccumulateGrad": "torch::autograd::AccumulateGrad",
    "CopySlices": "torch::autograd::CopySlices",
    "CopyBackwards": "torch::autograd::CopyBackwards",
    "GraphRoot": "torch::autograd::GraphRoot",
}


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds the incoming gradient to ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable) -> None:
        super().__init__(())
        self.variable = variable

    def apply(self, grads, needs):  # the engine accumulates; see engine._accumulate
        """Nothing: a leaf's gradient is accumulated by the engine, not by this node."""
        return ()


# Saved-tensor hooks live in their own module; PyTorch users reach them here.
from .saved_hooks import disable_saved_tensors_hooks, save_on_cpu, saved_tensors_hooks  # noqa: E402
