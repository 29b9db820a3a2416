"""Adam: per-parameter step sizes from running moments of the gradient."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import (
    _number,
    Optimizer, _bump, _check_common, _grad_array, _increment, _new_step, _use_grad, _zeros_like,
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
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _grad_array(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                step = _increment(state["step"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p._data *= 1 - lr * wd
                    else:
                        g = g + wd * p._data
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)  # lerp towards g, as PyTorch's lerp_
                v *= beta2
                v += (1 - beta2) * (g * g)
                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = math.sqrt(1 - beta2**step)
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    np.maximum(vmax, v, out=vmax)
                    v = vmax
                denom = np.sqrt(v) / bias_correction2_sqrt + eps
                p._data -= (lr / bias_correction1) * (m / denom)
                _bump(p)
        return loss
