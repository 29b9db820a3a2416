"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer, _apply_weight_decay, _check, _check_common, _ema_sq_, _increment, _init_state, _number, _use_grad,
)


class Adadelta(Optimizer):
    """``torch.optim.Adadelta``."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_common(lr, eps, weight_decay)
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One Adadelta step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = _number(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, square_avg=0, acc_delta=0)
                _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, wd)
                sq = _ema_sq_(state["square_avg"]._data, g, rho)
                acc = state["acc_delta"]._data
                delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
                _ema_sq_(acc, delta, rho)
                p._data -= lr * delta
        return loss
