"""Activation checkpointing: trade compute for memory, as ``torch.utils.checkpoint``.

    y = checkpoint(block, x, use_reentrant=False)
    y.sum().backward()     # block's forward runs again here, to rebuild what it saved

# Note [Non-reentrant checkpoint]
The forward runs normally, so its graph is recorded, but under ``saved_tensors_hooks``
whose pack hook keeps only a numbered placeholder: the graph holds none of the block's
activations. The first unpack during backward re-runs the block (same inputs, and the
random state they first saw when ``preserve_rng_state``), collecting what it saves in
the same order, and each placeholder is answered with its recomputed tensor. This is
PyTorch's ``use_reentrant=False`` design; ``use_reentrant=True`` is the older one, a
custom Function whose backward re-runs the block and backpropagates through it.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterable

from .. import _creation
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.engine import backward as _backward
from ..autograd.function import Function
from ..autograd.saved_hooks import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential"]


def _noop_context_fn():
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


class _Recomputation:
    """One checkpointed call: what is needed to run it again, and what that run saved."""

    def __init__(self, function: Callable, args: tuple, kwargs: dict, rng_state, recompute_context) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs
        self.rng_state = rng_state
        self.recompute_context = recompute_context
        self.count = 0  # placeholders handed out during the first forward
        self.saved: list | None = None

    def pack(self, tensor: Tensor) -> tuple:
        index = self.count
        self.count += 1
        return (self, index)

    def unpack(self, packed: tuple) -> Tensor:
        index = packed[1]
        if self.saved is None:
            self.recompute()
        if index >= len(self.saved):
            raise RuntimeError(
                "torch.utils.checkpoint: A different number of tensors was saved during the original forward "
                f"and recomputation.\nNumber of tensors saved during forward: {self.count}\n"
                f"Number of tensors saved during recomputation: {len(self.saved)}."
            )
        return self.saved[index]

    def recompute(self) -> None:
        saved: list = []

        def keep(t):
            # Only the data is used (the graph keeps the original's identity); detached, the
            # recomputed graph is no reference cycle and dies with this frame.
            saved.append(t.detach())
            return None

        with _rng_restored(self.rng_state), grad_mode.enable_grad(), saved_tensors_hooks(keep, lambda t: t):
            with self.recompute_context:
                self.function(*self.args, **self.kwargs)
        self.saved = saved


class _rng_restored:
    """Run with the default generator set to ``state``, then put back its current state."""

    def __init__(self, state) -> None:
        self.state = state

    def __enter__(self) -> None:
        if self.state is not None:
            self.current = _creation.get_rng_state()
            _creation.set_rng_state(self.state)

    def __exit__(self, *exc: object) -> None:
        if self.state is not None:
            _creation.set_rng_state(self.current)


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable = _noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its activations; backward recomputes them.

    >>> y = checkpoint(lambda x: x.sin().exp(), x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
            "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False "
            "is recommended, but if you need to preserve the current default behavior, you can pass "
            "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not _noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return _ReentrantCheckpoint.apply(function, preserve, *args)
    forward_context, recompute_context = context_fn()
    rng_state = _creation.get_rng_state() if preserve else None
    frame = _Recomputation(function, args, kwargs, rng_state, recompute_context)
    with saved_tensors_hooks(frame.pack, frame.unpack), forward_context:
        return function(*args, **kwargs)


class _ReentrantCheckpoint(Function):
    """``use_reentrant=True``: forward without a graph; backward re-runs it with one."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng_state = _creation.get_rng_state() if preserve_rng_state else None
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=3)
        with grad_mode.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors, strict=True):
            inputs[i] = t.detach().requires_grad_(t.requires_grad)
        with _rng_restored(ctx.rng_state), grad_mode.enable_grad():
            outputs = ctx.run_function(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads, strict=False) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        _backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, *(inp.grad if isinstance(inp, Tensor) else None for inp in inputs))


_ReentrantCheckpoint._backward_cls.__name__ = "CheckpointFunctionBackward"  # PyTorch's grad_fn name


def checkpoint_sequential(functions: Iterable[Callable], segments: int, input: Tensor, use_reentrant=None, **kwargs):
    """Run ``functions`` in order, checkpointing all but the last of ``segments`` equal chunks.

    ``functions`` is a list of callables or an ``nn.Sequential``.

    >>> y = checkpoint_sequential([f, g, h, k], 2, x, use_reentrant=False)
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
            "use_reentrant=False is recommended, but if you need to preserve the current default behavior, you "
            "can pass use_reentrant=True. Refer to docs for more details on the differences between the two "
            "variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if hasattr(functions, "children") and callable(functions.children):  # an nn.Sequential
        functions = list(functions.children())
    functions = list(functions)

    def run(start: int, stop: int) -> Callable:
        def forward(x):
            for fn in functions[start:stop]:
                x = fn(x)
            return x

        return forward

    size = len(functions) // segments
    stop = 0
    for start in range(0, size * (segments - 1), size):
        stop = start + size
        input = checkpoint(run(start, stop), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(stop, len(functions))(input)
