"""``torch.amp``: autocast and GradScaler.

chainrule has no bfloat16 and no GPU, so ``autocast`` never changes dtypes: on ``"cuda"`` it is
disabled with PyTorch's own warning (as on a CPU-only PyTorch); on ``"cpu"`` it warns once that
ops keep their inputs' dtypes (PyTorch would compute matmuls in bfloat16). Cast explicitly
(``model.half()``) for float16 computation. ``GradScaler`` implements loss scaling for real
(scale, unscale, skip steps with inf/NaN gradients, grow/back off), so training loops written
with it run unchanged; on ``"cuda"`` it is disabled, as PyTorch disables it without a GPU.
"""

from __future__ import annotations

import math
import warnings

__all__ = ["autocast", "GradScaler", "is_autocast_available"]

_warned_cpu = [False]


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can change dtypes on ``device_type``: never, in chainrule."""
    return False


class autocast:  # noqa: N801 - PyTorch's name
    """Mixed-precision context (and decorator): never changes dtypes in chainrule (see module docstring)."""

    def __init__(self, device_type: str = "cuda", dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = False
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
        elif enabled and device_type == "cpu" and not _warned_cpu[0]:
            _warned_cpu[0] = True
            warnings.warn("chainrule's autocast does not change dtypes: ops compute in their inputs' dtypes "
                          "(cast the model with .half() for float16)", UserWarning, stacklevel=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, func):
        """Use as a decorator: ``func`` runs inside the context."""
        import functools

        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapped


class GradScaler:
    """Dynamic loss scaling: ``scale(loss).backward()``, ``step(optimizer)``, ``update()``."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._growth_tracker = 0
        self._found_inf = False
        self._unscaled: set = set()

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False when constructed disabled, or for "cuda")."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale factor (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` (a tensor or nested lists/tuples of them) multiplied by the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and note any inf/NaN."""
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        from .autograd.grad_mode import no_grad

        inv = 1.0 / self._scale
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inv)
                    if not bool(p.grad.isfinite().all()):
                        self._found_inf = True
        self._unscaled.add(id(optimizer))

    def step(self, optimizer, *args, **kwargs):
        """Unscale (if not done yet), then ``optimizer.step()`` unless a gradient was inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        if self._found_inf:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Back off the scale after an inf/NaN step, grow it after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif self._found_inf:
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                if math.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
        self._found_inf = False
        self._unscaled.clear()

    def state_dict(self) -> dict:
        """The scale and growth state, for checkpoints (empty when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict`` saved."""
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]
