"""RAdam: Adam whose adaptive step is switched on once its variance estimate is reliable."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import (
    Optimizer, _apply_weight_decay, _check_common, _ema_, _ema_sq_, _increment, _init_state, _number, _use_grad,
)


class RAdam(Optimizer):
    """``torch.optim.RAdam``."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One RAdam step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = _number(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, exp_avg=0, exp_avg_sq=0)
                step = _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, wd, group["decoupled_weight_decay"])
                m = _ema_(state["exp_avg"]._data, g, beta1)
                v = _ema_sq_(state["exp_avg_sq"]._data, g, beta2)
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                corrected = m / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive_lr = math.sqrt(bias_correction2) / (np.sqrt(v) + eps)
                    p._data -= corrected * lr * adaptive_lr * rect
                else:
                    p._data -= corrected * lr
        return loss
