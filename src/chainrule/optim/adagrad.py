"""Adagrad: step sizes shrink with the accumulated squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _apply_weight_decay, _check, _check_common, _increment, _init_state, _number, _use_grad


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``. Its state exists from construction, as in PyTorch."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        _check_common(lr, eps, weight_decay)
        _check(lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}")
        _check(initial_accumulator_value >= 0.0,
               f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                _init_state(self.state[p], p, sum=group["initial_accumulator_value"])

    @_use_grad
    def step(self, closure=None):
        """One Adagrad step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lr_decay, eps, wd = _number(group["lr"]), group["lr_decay"], group["eps"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                step = _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, wd)
                clr = lr / (1 + (step - 1) * lr_decay)
                acc = state["sum"]._data
                acc += g * g
                p._data -= clr * (g / (np.sqrt(acc) + eps))
        return loss
