"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _apply_weight_decay, _check, _check_common, _number, _use_grad


class SGD(Optimizer):
    """``torch.optim.SGD``: ``p -= lr * g`` where ``g`` folds in weight decay and momentum.

    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None) -> None:
        _check_common(lr, weight_decay=weight_decay)
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One SGD step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum, dampening = _number(group["lr"]), group["momentum"], group["dampening"]
            wd, nesterov = group["weight_decay"], group["nesterov"]
            for p, g in self._params_with_grad(group):
                g = _apply_weight_decay(p, g, lr, wd)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        # The first step starts the buffer at the gradient itself, undamped.
                        state["momentum_buffer"] = buf = Tensor._make(np.array(g, copy=True))
                    else:
                        b = buf._data
                        b *= momentum
                        b += (1 - dampening) * g
                    g = g + momentum * buf._data if nesterov else buf._data
                p._data -= lr * g
        return loss
