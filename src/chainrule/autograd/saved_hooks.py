"""Saved-tensor hooks: decide how the tensors an op saves for backward are stored.

    with chainrule.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = x.sin()          # sin saves x: the graph keeps pack(x), not x
    y.sum().backward()       # the rule gets unpack(pack(x))

# Note [Extras on the recording path]
``ops._registry.record`` runs once per op, so features that must see every recorded
node (these hooks, and anomaly mode's creation stack) cost it a single module-global
check, ``_registry._extras_on``, which is True only while one of them is in use. Then
``on_record`` does the work. Saved inputs and results of a primitive are replaced by a
``Packed`` holder that the node's ``_unpack_*`` methods recognise; a custom Function's
saved tensors become ``("packed", ...)`` entries.

An unpacked tensor keeps the autograd identity of the tensor that was saved (its
grad_fn, output number and version counter), so double backward works as without
hooks. As in PyTorch, the hooks own the saved value: it is not checked for in-place
changes. A saved leaf that requires grad is kept itself (it is a
parameter the caller holds anyway); it is replaced by the unpacked tensor only when
unpack returns different data, which then carries no gradient back to the leaf.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "Packed"]

# The active (pack, unpack) pairs, innermost last; per thread and per asyncio task.
_HOOKS: contextvars.ContextVar[tuple] = contextvars.ContextVar("chainrule_saved_tensors_hooks", default=())
_DISABLED: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "chainrule_saved_tensors_hooks_disabled", default=None
)
_active_contexts = 0  # hooks contexts open in any thread: whether record must look at all
extras_on = False  # the same flag as ops._registry._extras_on, for custom Functions


def refresh_extras() -> None:
    """Set ``_registry._extras_on`` from the features that need it (Note [Extras on the recording path])."""
    from ..ops import _registry
    from . import anomaly_mode

    global extras_on
    extras_on = _registry._extras_on = _active_contexts > 0 or anomaly_mode._enabled


class saved_tensors_hooks:
    """Context manager: tensors saved for backward inside it are stored as ``pack_hook(tensor)``
    and given back to backward as ``unpack_hook(packed)``.

    >>> with chainrule.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda p: p):
    ...     y = x.exp()
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook
        self._tokens: list = []

    def __enter__(self) -> "saved_tensors_hooks":
        global _active_contexts
        message = _DISABLED.get()
        if message is not None:
            raise RuntimeError(message)
        self._tokens.append(_HOOKS.set(_HOOKS.get() + ((self.pack_hook, self.unpack_hook),)))
        _active_contexts += 1
        refresh_extras()
        return self

    def __exit__(self, *exc: object) -> None:
        global _active_contexts
        _HOOKS.reset(self._tokens.pop())
        _active_contexts -= 1
        refresh_extras()


class save_on_cpu(saved_tensors_hooks):
    """Store saved tensors on the CPU. chainrule tensors always live there, so the pair of
    hooks keeps each saved tensor as it is (PyTorch also skips the copy for CPU tensors)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """Inside this context, entering ``saved_tensors_hooks`` raises RuntimeError(error_message)."""
    if _HOOKS.get():
        raise RuntimeError(error_message)
    token = _DISABLED.set(error_message)
    try:
        yield
    finally:
        _DISABLED.reset(token)


# -- packing and unpacking ------------------------------------------------------------------


def _pack_tensor(pack, t) -> tuple:
    """What a saved tensor becomes: the packed value and the autograd identity to restore."""
    leaf = t if (t._grad_fn is None and t._requires_grad) else None
    return (pack(t), t._grad_fn, t._output_nr, t._requires_grad, t._vc, leaf)


def _unpack_tensor(unpack, item: tuple):
    from .._tensor import Tensor

    packed, grad_fn, output_nr, requires_grad, vc, leaf = item
    u = unpack(packed)
    if not isinstance(u, Tensor):
        raise TypeError(
            f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type {type(u).__name__}"
        )
    if leaf is not None and (u is leaf or u._data is leaf._data):
        return leaf
    t = Tensor._make(u._data)
    t._vc = vc  # so that in-place changes after saving are still caught
    if grad_fn is not None:
        t._grad_fn, t._output_nr, t._requires_grad = grad_fn, output_nr, requires_grad
    return t


class Packed:
    """A primitive node's saved inputs or result after ``pack_hook`` (Note [Extras on the recording path])."""

    __slots__ = ("items", "unpack")

    def __init__(self, items: list, unpack: Callable) -> None:
        self.items = items
        self.unpack = unpack

    def unpack_args(self) -> list:
        """The node's inputs, each saved tensor passed back through the unpack hook."""
        unpack = self.unpack
        return [_unpack_tensor(unpack, it) if kind else it for kind, it in self.items]

    def unpack_result(self, node) -> Any:
        """The node's saved result, through the unpack hook, as an output of ``node``."""
        packed, vc, _ = self.items
        t = _unpack_tensor(self.unpack, (packed, None, 0, True, vc, None))
        t._grad_fn, t._requires_grad = node, True
        return t


def on_record(node, result) -> None:
    """Called by ``record`` for each new node while an extra is on (Note [Extras on the recording path])."""
    from . import anomaly_mode

    if anomaly_mode._enabled:
        anomaly_mode.remember_creation(node)
    hooks = _HOOKS.get()
    if not hooks:
        return
    from .._tensor import Tensor

    pack, unpack = hooks[-1]
    if node._args is not None:
        node._args = Packed(
            [(True, _pack_tensor(pack, a)) if isinstance(a, Tensor) else (False, a) for a in node._args], unpack
        )
    if node._result is not None:
        # Not _pack_tensor: its grad_fn is this very node (no cycle through our own holder).
        node._result = Packed((pack(result), result._vc, node._result[2]), unpack)


def pack_function_saved(ctx, saved: tuple, outputs: list) -> tuple:
    """A custom Function's saved entries, packed when hooks are active."""
    from . import anomaly_mode

    if anomaly_mode._enabled:
        anomaly_mode.remember_creation(ctx)
    hooks = _HOOKS.get()
    if not hooks:
        return saved
    pack, unpack = hooks[-1]
    out = []
    for item in saved:
        if item is None:
            out.append(None)
            continue
        kind, t, version = item
        if kind == "output":
            t = outputs[t[2]]
        out.append(("packed", (_pack_tensor(pack, t), unpack, kind), version))
    return tuple(out)


def unpack_function_saved(ctx, entry) -> Any:
    item, unpack, kind = entry
    t = _unpack_tensor(unpack, item)
    if kind == "output":
        t._grad_fn, t._requires_grad = ctx, True
    return t
