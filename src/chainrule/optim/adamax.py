"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _apply_weight_decay, _check_common, _ema_, _increment, _init_state, _number, _use_grad


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
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, exp_avg=0, exp_inf=0)
                step = _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, wd)
                m = _ema_(state["exp_avg"]._data, g, beta1)
                u = state["exp_inf"]._data  # u = max(beta2 * u, |g| + eps): the infinity norm
                u *= beta2
                np.maximum(u, np.abs(g) + eps, out=u)
                clr = lr / (1 - beta1**step)
                p._data -= clr * (m / u)
        return loss
