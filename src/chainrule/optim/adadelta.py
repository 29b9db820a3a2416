"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer, _bump, _check, _check_common, _grad_array, _increment, _new_step, _number, _use_grad, _zeros_like,
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
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _grad_array(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                _increment(state["step"])
                if wd != 0:
                    g = g + wd * p._data
                sq, acc = state["square_avg"]._data, state["acc_delta"]._data
                sq *= rho
                sq += (1 - rho) * (g * g)
                delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
                acc *= rho
                acc += (1 - rho) * (delta * delta)
                p._data -= lr * delta
                _bump(p)
        return loss
