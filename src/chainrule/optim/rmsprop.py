"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer, _apply_weight_decay, _check, _check_common, _ema_, _ema_sq_, _increment, _init_state, _number,
    _use_grad, _zeros_like,
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
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, square_avg=0)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if centered:
                        state["grad_avg"] = _zeros_like(p)
                _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, wd)
                sq = _ema_sq_(state["square_avg"]._data, g, alpha)
                if centered:
                    ga = _ema_(state["grad_avg"]._data, g, alpha)
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
        return loss
