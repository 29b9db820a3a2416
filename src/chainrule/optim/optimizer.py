"""The ``Optimizer`` base class: parameter groups, per-parameter state and its state_dict.

Subclasses implement ``step``. Updates run under ``no_grad`` and work in place on the
parameters' NumPy arrays (Note [In-place updates]), so a step costs a few NumPy calls per
parameter and records no graph.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import GRAD_ENABLED, enable_grad

# Note [In-place updates]
# An optimizer writes new values into ``p._data`` with NumPy's in-place operators, so views of a
# parameter and the parameter itself stay one piece of memory, exactly as PyTorch's in-place
# ``add_``. Each write bumps the parameter's version counter (``p._vc[0]``), so a tensor saved
# for backward before the step is reported as modified if that graph is used afterwards.


class _RequiredParameter:
    """Marks a hyper-parameter that has no default (``lr`` of some optimizers)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _use_grad(step: Callable) -> Callable:
    """Run ``step`` under ``no_grad``; its closure (if any) re-enables grad mode itself."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        token = GRAD_ENABLED.set(False)  # what ``with no_grad():`` does, without its object per step
        try:
            return step(self, *args, **kwargs)
        finally:
            GRAD_ENABLED.reset(token)

    return wrapper


def _typename(obj) -> str:
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


_global_step_pre_hooks: dict = {}
_global_step_post_hooks: dict = {}


def _handle(hooks: dict, hook: Callable):
    from ..nn.modules.module import RemovableHandle  # the one handle type of the library

    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def register_optimizer_step_pre_hook(hook: Callable):
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; returns a handle."""
    return _handle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable):
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``; returns a handle."""
    return _handle(_global_step_post_hooks, hook)


def _with_step_hooks(step: Callable) -> Callable:
    """Wrap a subclass's ``step`` so that step hooks run around it (once, even through super())."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        d = self.__dict__
        if d.get("_in_step"):
            return step(self, *args, **kwargs)  # a subclass's step calling super().step()
        args = (self, *args)  # hooks see the optimizer among the arguments, as in PyTorch
        if _global_step_pre_hooks or d.get("_step_pre_hooks"):  # (no list to build when there are none)
            for hook in [*_global_step_pre_hooks.values(), *d.get("_step_pre_hooks", {}).values()]:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
        self._in_step = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._in_step = False
        if _global_step_post_hooks or d.get("_step_post_hooks"):
            for hook in [*_global_step_post_hooks.values(), *d.get("_step_post_hooks", {}).values()]:
                hook(self, args, kwargs)
        return out

    return wrapper


class Optimizer:
    """Base class of all optimizers, like ``torch.optim.Optimizer``.

    ``params`` is an iterable of tensors, or of dicts (parameter groups) each with a ``"params"``
    entry and any hyper-parameters that override ``defaults`` for that group.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {params.type()}"
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def register_step_pre_hook(self, hook: Callable):
        """Run ``hook(optimizer, args, kwargs)`` before this optimizer's ``step``; it may return new ``(args, kwargs)``."""
        return _handle(self.__dict__.setdefault("_step_pre_hooks", {}), hook)

    def register_step_post_hook(self, hook: Callable):
        """Run ``hook(optimizer, args, kwargs)`` after this optimizer's ``step``."""
        return _handle(self.__dict__.setdefault("_step_post_hooks", {}), hook)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # -- parameter groups ------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (a dict with ``"params"``) with its own hyper-parameters."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            import warnings

            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an "
                "error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients -------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    g = p._grad
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data[...] = 0
                    g._vc[0] += 1

    def step(self, closure: Callable | None = None):
        """Perform one optimization step (subclasses implement it)."""
        raise NotImplementedError

    def _params_with_grad(self, group: dict):
        """Yield ``(p, g)`` for each parameter of ``group`` that has a gradient, in order.

        ``g`` is the gradient's array, negated when the group maximizes. The loop body updates
        ``p._data`` in place; when it is done, ``p``'s version counter is bumped (Note [In-place
        updates]). Parameters without a gradient are skipped and get no state, as in PyTorch.
        """
        maximize = group["maximize"]
        for p in group["params"]:
            if p._grad is None:
                continue
            yield p, _grad_array(p, maximize)
            _bump(p)

    @staticmethod
    def _closure_loss(closure: Callable | None):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- state_dict ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimizer's state in PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by their index, counted across groups in order.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a ``state_dict()`` (state tensors are copied and cast to their parameter's dtype)."""
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups, strict=True)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        id_map = {
            old_id: p
            for g, s in zip(groups, saved_groups, strict=True)
            for old_id, p in zip(s["params"], g["params"], strict=True)
        }

        def cast(param: Tensor, value, key=None):
            if isinstance(value, Tensor):
                # 'step' keeps its own dtype, as in PyTorch; other float state follows the parameter.
                if key != "step" and param.is_floating_point() and value.is_floating_point():
                    return Tensor._make(np.array(value._data, dtype=param._data.dtype, copy=True))
                return Tensor._make(np.array(value._data, copy=True))
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, key) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v
        self.state = state
        new_groups = []
        for group, saved in zip(groups, saved_groups, strict=True):
            new = dict(saved)
            new["params"] = group["params"]
            new_groups.append(new)
        self.param_groups = new_groups


# -- helpers the optimizers share ------------------------------------------------------------
def _grad_array(p: Tensor, maximize: bool) -> np.ndarray:
    """The parameter's gradient as an array; negated (a new array) when maximizing."""
    g = p._grad._data
    return -g if maximize else g


def _number(value) -> float:
    """A hyper-parameter as a Python number (PyTorch also accepts a one-element tensor ``lr``)."""
    return value.item() if isinstance(value, Tensor) else value


def _new_step(value: float = 0.0) -> Tensor:
    """A scalar float32 ``step`` counter, as PyTorch keeps it in the state."""
    return Tensor._make(np.array(value, dtype=np.float32))


def _increment(step: Tensor) -> float:
    step._data = step._data + np.float32(1)
    return float(step._data)


def _zeros_like(p: Tensor) -> Tensor:
    return Tensor._make(np.zeros_like(p._data))


def _init_state(state: dict, p: Tensor, **entries) -> None:
    """Fill a parameter's empty state: a float32 ``step`` of 0, then ``entries`` in their order.

    A number ``x`` in ``entries`` makes a buffer shaped like ``p`` and full of ``x``; a tensor
    is stored as it is. The key order is PyTorch's, which ``state_dict()`` shows.
    """
    state["step"] = _new_step()
    for name, value in entries.items():
        state[name] = value if isinstance(value, Tensor) else Tensor._make(np.full_like(p._data, value))


def _apply_weight_decay(p: Tensor, g: np.ndarray, lr: float, weight_decay: float,
                        decoupled: bool = False) -> np.ndarray:
    """Weight decay; returns the gradient the rest of the step uses.

    L2 (the default) adds ``weight_decay * p`` to the gradient. Decoupled (AdamW's) shrinks the
    weights instead, ``p *= 1 - lr * weight_decay``, and leaves the gradient as it is.
    """
    if weight_decay == 0:
        return g
    if decoupled:
        p._data *= 1 - lr * weight_decay
        return g
    return g + weight_decay * p._data


def _ema_(avg: np.ndarray, x: np.ndarray, beta: float) -> np.ndarray:
    """In place, ``avg = beta * avg + (1 - beta) * x`` (a running mean, e.g. Adam's first moment).

    Computed as ``avg += (1 - beta) * (x - avg)``, the rounding of PyTorch's ``lerp_``. Returns ``avg``.
    """
    avg += (1 - beta) * (x - avg)
    return avg


def _ema_sq_(avg: np.ndarray, x: np.ndarray, beta: float) -> np.ndarray:
    """In place, ``avg = beta * avg + (1 - beta) * x**2`` (a running mean of squares, e.g. Adam's
    second moment), computed as PyTorch's ``mul_`` then ``addcmul_``. Returns ``avg``."""
    avg *= beta
    avg += (1 - beta) * (x * x)
    return avg


def _bump(p: Tensor) -> None:
    """Record an in-place write to ``p`` (Note [In-place updates])."""
    p._vc[0] += 1


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_common(lr, eps=None, weight_decay=None, betas=None) -> None:
    if not isinstance(lr, Tensor):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
    if eps is not None:
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    if weight_decay is not None:
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
    if betas is not None:
        _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
