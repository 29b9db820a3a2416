"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    _number,
    Optimizer, _bump, _check_common, _grad_array, _increment, _new_step, _use_grad, _zeros_like,
)


class Adamax(Optimizer):
    """``torch.optim.Adamax``."""

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One Adamax step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = _number(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _grad_array(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                step = _increment(state["step"])
                if wd != 0:
                    g = g + wd * p._data
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                m += (1 - beta1) * (g - m)
                u *= beta2
                np.maximum(u, np.abs(g) + eps, out=u)
                clr = lr / (1 - beta1**step)
                p._data -= clr * (m / u)
                _bump(p)
        return loss
