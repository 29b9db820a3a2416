"""ASGD: averaged stochastic gradient descent (Polyak and Juditsky), as PyTorch's."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _apply_weight_decay, _check_common, _increment, _init_state, _number, _use_grad


def _scalar(value: float) -> Tensor:
    """A float32 0-d state entry (PyTorch keeps ``eta`` and ``mu`` as tensors)."""
    return Tensor._make(np.array(value, dtype=np.float32))


class ASGD(Optimizer):
    """``torch.optim.ASGD``: SGD whose step size decays as ``lr / (1 + lambd * lr * t) ** alpha``,
    with a running average ``ax`` of the parameters from step ``t0`` on."""

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_common(lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One ASGD step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _number(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, eta=_scalar(lr), mu=_scalar(1.0), ax=0)
                step = _increment(state["step"])
                g = _apply_weight_decay(p, g, lr, group["weight_decay"])
                eta, mu = float(state["eta"]._data), float(state["mu"]._data)
                p._data *= 1 - lambd * eta  # the decay toward zero, then the gradient step
                p._data -= eta * g
                ax = state["ax"]._data
                if mu != 1:
                    ax += (p._data - ax) * np.float32(mu).astype(ax.dtype)
                else:
                    ax[...] = p._data
                state["eta"]._data = np.array(lr / ((1 + lambd * lr * step) ** alpha), dtype=np.float32)
                state["mu"]._data = np.array(1 / max(1, step - t0), dtype=np.float32)
        return loss
