"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    _number,
    Optimizer, _bump, _check, _check_common, _grad_array, _increment, _new_step, _use_grad, _zeros_like,
)


class RMSprop(Optimizer):
    """``torch.optim.RMSprop`` (optionally ``centered`` and with ``momentum``)."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_common(lr, eps, weight_decay)
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(alpha >= 0.0, f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One RMSprop step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps = _number(group["lr"]), group["alpha"], group["eps"]
            wd, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _grad_array(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if centered:
                        state["grad_avg"] = _zeros_like(p)
                _increment(state["step"])
                if wd != 0:
                    g = g + wd * p._data
                sq = state["square_avg"]._data
                sq *= alpha
                sq += (1 - alpha) * (g * g)
                if centered:
                    ga = state["grad_avg"]._data
                    ga += (1 - alpha) * (g - ga)
                    avg = np.sqrt(sq - ga * ga)
                else:
                    avg = np.sqrt(sq)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += g / avg
                    p._data -= lr * buf
                else:
                    p._data -= lr * (g / avg)
                _bump(p)
        return loss
