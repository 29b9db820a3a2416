"""Rprop: per-weight step sizes that grow while the gradient keeps its sign and shrink when it flips."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _check, _increment, _init_state, _number, _use_grad


class Rprop(Optimizer):
    """``torch.optim.Rprop`` (only the gradient's sign is used)."""

    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        _check(0.0 <= _number(lr), f"Invalid learning rate: {lr}")
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad
    def step(self, closure=None):
        """One Rprop step; returns the closure's loss if a closure is given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            (eta_minus, eta_plus), (step_min, step_max) = group["etas"], group["step_sizes"]
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    _init_state(state, p, prev=0, step_size=_number(group["lr"]))
                _increment(state["step"])
                prev, size = state["prev"]._data, state["step_size"]._data
                agreement = np.sign(g * prev)
                factor = np.where(agreement > 0, eta_plus, np.where(agreement < 0, eta_minus, 1.0)).astype(size.dtype)
                size *= factor
                np.clip(size, step_min, step_max, out=size)
                # After a sign flip the weight stays put this step, and the flip is forgotten.
                g = np.where(agreement < 0, 0, g).astype(p._data.dtype)
                p._data -= np.sign(g) * size
                prev[...] = g
        return loss
