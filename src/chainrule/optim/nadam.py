"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    _number,
    Optimizer, _bump, _check, _check_common, _grad_array, _increment, _new_step, _use_grad, _zeros_like,
)


class NAdam(Optimizer):
    """``torch.optim.NAdam``."""

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False,
                 *, foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_common(lr, eps, weight_decay, betas)
        _check(momentum_decay >= 0.0, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One NAdam step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = _number(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
            psi = group["momentum_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _grad_array(p, group["maximize"])
                state = self.state[p]
                if not state:
                    state["step"] = _new_step()
                    state["mu_product"] = _new_step(1.0)  # a float32 scalar, as PyTorch keeps it
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step = _increment(state["step"])
                bias_correction2 = 1 - beta2**step
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p._data *= 1 - lr * wd
                    else:
                        g = g + wd * p._data
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                mp = state["mu_product"]
                mp._data = (mp._data * np.float32(mu)).astype(np.float32)
                mu_product = float(mp._data)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * (g * g)
                denom = np.sqrt(v / bias_correction2) + eps
                p._data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
                p._data -= (lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom)
                _bump(p)
        return loss
