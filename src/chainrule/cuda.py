"""``torch.cuda`` as a CPU-only PyTorch build has it: no GPU is ever available.

Scripts written for a GPU run unchanged: ``torch.cuda.is_available()`` is False, seeding is a
no-op, and what needs a GPU raises PyTorch's error.
"""

from __future__ import annotations

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all", "empty_cache",
           "synchronize", "current_device", "get_device_name", "is_bf16_supported", "amp"]

_NO_CUDA = "Torch not compiled with CUDA enabled (chainrule runs on the CPU only: use device='cpu')"


def is_available() -> bool:
    """Whether a CUDA GPU can be used: never, in chainrule."""
    return False


def device_count() -> int:
    """The number of CUDA GPUs: 0."""
    return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU generators: nothing to do without a GPU (as in PyTorch, silently)."""


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: nothing to do without a GPU."""


def seed() -> None:
    """Seed the GPU generator randomly: nothing to do without a GPU."""


def seed_all() -> None:
    """Seed every GPU's generator randomly: nothing to do without a GPU."""


def empty_cache() -> None:
    """Release cached GPU memory: nothing to release."""


def synchronize(device=None) -> None:
    """Wait for the GPU: raises, as PyTorch built without CUDA does."""
    raise AssertionError(_NO_CUDA)


def current_device() -> int:
    """The current GPU's index: raises, as PyTorch built without CUDA does."""
    raise AssertionError(_NO_CUDA)


def get_device_name(device=None) -> str:
    """A GPU's name: raises, as PyTorch built without CUDA does."""
    raise AssertionError(_NO_CUDA)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether the GPU supports bfloat16: there is no GPU."""
    return False


from . import amp as _amp  # noqa: E402


class amp:  # noqa: N801 - PyTorch's namespace torch.cuda.amp
    """``torch.cuda.amp``: the deprecated spellings of ``torch.amp``'s autocast and GradScaler."""

    @staticmethod
    def autocast(enabled: bool = True, dtype=None, cache_enabled: bool = True):
        """``torch.amp.autocast("cuda", ...)``: disabled, with PyTorch's warning (no GPU)."""
        return _amp.autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    @staticmethod
    def GradScaler(init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,  # noqa: N802
                   growth_interval: int = 2000, enabled: bool = True):
        """``torch.amp.GradScaler("cuda", ...)``: disabled, with PyTorch's warning (no GPU)."""
        return _amp.GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)
