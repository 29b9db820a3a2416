"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure.

The parameters are handled as one flat vector (NumPy), the curvature pairs ``(s, y)`` of the last
``history_size`` iterations approximate the inverse Hessian (the two-loop recursion), and the
step length is either ``lr`` or found by a strong-Wolfe line search.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import _number, Optimizer, _bump, _use_grad


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0  # no real minimum: bisect
    d2 = float(np.sqrt(disc))
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` for a step ``t`` meeting the strong Wolfe conditions.

    ``evaluate(t)`` returns the loss and flat gradient at ``x + t * d``. Returns
    ``(f_new, g_new, t, evaluations)``. Nocedal & Wright, Algorithms 3.5 and 3.6.
    """
    d_norm = float(np.abs(d).max())
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g.copy(), gtd
    done = False
    it = 0
    # Phase 1: grow t until an interval is known to contain an acceptable step.
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [[t, f_new, g_new, gtd_new]]
            done = True
            break
        if gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        t_next = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        it += 1
    if it == max_ls:
        bracket = [[0.0, f, g, gtd], [t, f_new, g_new, gtd_new]]

    # Phase 2 ("zoom"): shrink the interval by cubic interpolation.
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient_progress = False
    while not done and it < max_ls:
        a, b = bracket[0][0], bracket[1][0]
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(a, bracket[0][1], bracket[0][3], b, bracket[1][1], bracket[1][3])
        lo, hi = min(a, b), max(a, b)
        margin = 0.1 * (hi - lo)
        # Keep t away from the interval's ends, so that it shrinks by a useful amount.
        if min(hi - t, t - lo) < margin:
            if insufficient_progress or t >= hi or t <= lo:
                t = hi - margin if abs(t - hi) < abs(t - lo) else lo + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = list(bracket[low])
            bracket[low] = [t, f_new, g_new.copy(), gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    """``torch.optim.LBFGS``: one parameter group; ``step(closure)`` runs up to ``max_iter`` iterations.

    >>> opt = LBFGS([w], lr=1, line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad(); loss = f(w); loss.backward(); return loss
    >>> opt.step(closure)
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # -- the parameters as one flat vector --------------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        parts = [np.zeros(p._data.size, p._data.dtype) if p._grad is None else p._grad._data.reshape(-1)
                 for p in self._params]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _add_to_params(self, t: float, d: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (t * d[offset:offset + n]).reshape(p._data.shape).astype(p._data.dtype, copy=False)
            _bump(p)
            offset += n

    def _params_copy(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self._params]

    def _set_params(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self._params, values, strict=True):
            p._data[...] = v
            _bump(p)

    @_use_grad
    def step(self, closure):  # type: ignore[override]
        """Run L-BFGS iterations; ``closure`` clears the gradients, computes the loss, calls backward."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = _number(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        line_search, history_size = group["line_search_fn"], group["history_size"]

        def evaluate():
            with _enable():
                return closure()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = evaluate()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss

        # The state keeps tensors, as PyTorch's does (so state_dict and save see tensors).
        d, t = _arr(state.get("d")), _num(state.get("t"))
        old_dirs, old_stps = _arrs(state.get("old_dirs")), _arrs(state.get("old_stps"))
        ro, h_diag = _nums(state.get("ro")), _num(state.get("H_diag"))
        prev_g, prev_loss = _arr(state.get("prev_flat_grad")), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep only pairs with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                # Two-loop recursion: d = -H g.
                q = -g
                al = [0.0] * len(old_dirs)
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                # Kept in the state only so that it has PyTorch's keys; nothing reads it back.
                state["al"] = [_scalar(a) for a in al] + [None] * (history_size - len(al))
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(d) * ro[i]
                    d = d + (al[i] - be_i) * old_stps[i]
            prev_g = g.copy()
            prev_loss = loss
            # The very first step is scaled down to at most lr / |g|_1.
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)
            if gtd > -tol_change:
                break  # not a descent direction any more
            ls_evals = 0
            if line_search is not None:
                if line_search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x0 = self._params_copy()

                def at(step, x0=x0, d=d):
                    self._add_to_params(step, d)
                    f = float(evaluate())
                    grad = self._flat_grad()
                    self._set_params(x0)
                    return f, grad

                loss, g, t, ls_evals = _strong_wolfe(at, t, d, loss, g, gtd, max_ls=max_eval - evals)
                self._add_to_params(t, d)
                opt_cond = np.abs(g).max() <= tol_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(evaluate())
                    g = self._flat_grad()
                    opt_cond = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=_tensor(d), t=_scalar(t), old_dirs=[_tensor(y) for y in old_dirs],
                     old_stps=[_tensor(s) for s in old_stps], ro=[_scalar(r) for r in ro], H_diag=_scalar(h_diag),
                     prev_flat_grad=_tensor(prev_g), prev_loss=prev_loss)
        return orig_loss


def _tensor(a):
    return None if a is None else Tensor._make(a)


def _scalar(x):
    # PyTorch's t, ro and H_diag are 0-d tensors once computed from tensors, plain numbers before.
    return Tensor._make(np.asarray(x)) if isinstance(x, np.generic) else x


def _arr(t):
    return None if t is None else t._data


def _arrs(ts):
    return None if ts is None else [t._data for t in ts]


def _num(x):
    return x._data[()] if isinstance(x, Tensor) else x


def _nums(xs):
    return None if xs is None else [_num(x) for x in xs]


def _enable():
    from ..autograd.grad_mode import enable_grad

    return enable_grad()
