"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer, _apply_weight_decay, _check, _check_common, _ema_, _ema_sq_, _increment, _init_state, _new_step,
    _number, _use_grad,
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
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    # mu_product is a float32 scalar, as PyTorch keeps it.
                    _init_state(state, p, mu_product=_new_step(1.0), exp_avg=0, exp_avg_sq=0)
                step = _increment(state["step"])
                bias_correction2 = 1 - beta2**step
                g = _apply_weight_decay(p, g, lr, wd, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                mp = state["mu_product"]
                mp._data = (mp._data * np.float32(mu)).astype(np.float32)
                mu_product = float(mp._data)
                m = _ema_(state["exp_avg"]._data, g, beta1)
                v = _ema_sq_(state["exp_avg_sq"]._data, g, beta2)
                denom = np.sqrt(v / bias_correction2) + eps
                p._data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
                p._data -= (lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom)
        return loss
