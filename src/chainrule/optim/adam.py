"""Adam: per-parameter step sizes from running moments of the gradient."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import (
    Optimizer, _apply_weight_decay, _check_common, _ema_, _ema_sq_, _increment, _init_state, _number, _use_grad,
    _zeros_like,
)


class Adam(Optimizer):
    """``torch.optim.Adam`` (L2 weight decay added to the gradient; ``amsgrad`` optional).

    ``decoupled_weight_decay=True`` gives AdamW's update.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One Adam step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = _number(group["lr"]), group["betas"], group["eps"]
            wd, amsgrad = group["weight_decay"], group["amsgrad"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, exp_avg=0, exp_avg_sq=0)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                step = _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, wd, group["decoupled_weight_decay"])
                m = _ema_(state["exp_avg"]._data, g, beta1)
                v = _ema_sq_(state["exp_avg_sq"]._data, g, beta2)
                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = math.sqrt(1 - beta2**step)
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    np.maximum(vmax, v, out=vmax)
                    v = vmax
                denom = np.sqrt(v) / bias_correction2_sqrt + eps
                p._data -= (lr / bias_correction1) * (m / denom)
        return loss
