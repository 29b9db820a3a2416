"""Module backward hooks, built from two identity Functions around ``forward``.

``register_full_backward_hook`` needs the gradients w.r.t. a module's inputs and outputs. The
output identity's backward sees ``grad_output`` (and runs the backward pre-hooks on it); the input
identity's backward, which runs after the whole module has been differentiated, sees
``grad_input`` and calls the hooks with both. A simplification of PyTorch's machinery: gradients
of outputs the loss does not use arrive as zeros rather than ``None``.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, state, is_output, *tensors):
        ctx.state = state
        ctx.is_output = is_output
        ctx.set_materialize_grads(True)
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        if ctx.is_output:
            grads = ctx.state.on_grad_output(grads)
        else:
            grads = ctx.state.on_grad_input(grads)
        return (None, None, *grads)


class BackwardHook:
    """The per-call state that links one module call's input and output identities."""

    def __init__(self, module) -> None:
        self.module = module
        self.grad_output = None
        self.n_inputs = 0
        self.input_positions: list[int] = []

    def _wrap(self, values, is_output: bool):
        single = isinstance(values, Tensor)
        items = [values] if single else list(values) if isinstance(values, tuple) else None
        if items is None:
            return values, []
        positions = [i for i, v in enumerate(items) if isinstance(v, Tensor) and v.requires_grad]
        if positions:
            wrapped = _Identity.apply(self, is_output, *(items[i] for i in positions))
            for i, w in zip(positions, wrapped, strict=True):
                items[i] = w
        return (items[0] if single else tuple(items)), positions

    def setup_input(self, args: tuple) -> tuple:
        self.n_inputs = sum(isinstance(a, Tensor) for a in args)
        wrapped, self.input_positions = self._wrap(args, is_output=False)
        return wrapped

    def setup_output(self, output):
        wrapped, _ = self._wrap(output, is_output=True)
        return wrapped

    def on_grad_output(self, grads: tuple) -> tuple:
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grads)
            if result is not None:
                grads = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_output = grads
        if not self.input_positions:
            # No input needs a gradient: the hooks see None for every input, as in PyTorch.
            self._call_hooks((None,) * self.n_inputs)
        return grads

    def on_grad_input(self, grads: tuple) -> tuple:
        result = self._call_hooks(grads)
        return grads if result is None else result

    def _call_hooks(self, grad_input: tuple):
        replaced = None
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input if replaced is None else replaced, self.grad_output)
            if result is not None:
                replaced = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        return replaced
