"""chainrule: PyTorch's autograd, rebuilt in pure Python on NumPy.

Write ``import chainrule as torch`` and PyTorch programs run and print what PyTorch prints.
"""

from . import _dtype
from ._dtype import (  # noqa: F401
    bool_ as bool,  # noqa: A004 - PyTorch's name
    complex64, complex128, dtype, finfo, float16, float32, float64, get_default_dtype, iinfo, int8,
    int16, int32, int64, promote_types, set_default_dtype, uint8,
)
from ._tensor import Size, Tensor, device  # noqa: F401
from ._creation import (  # noqa: F401
    Generator, arange, as_tensor, default_generator, empty, empty_like, eye, from_numpy, full,
    full_like, get_rng_state, initial_seed, linspace, manual_seed, normal, ones, ones_like, rand,
    rand_like, randint, randint_like, randn, randn_like, seed, set_rng_state, tensor, zeros,
    zeros_like,
)
from ._random import bernoulli, multinomial, poisson, randperm  # noqa: F401
from ._printing import get_printoptions, printoptions, set_printoptions  # noqa: F401
from . import autograd, nn  # noqa: F401
from .nn.functional import (  # noqa: F401  (also at top level in PyTorch, with the same arguments)
    avg_pool1d, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, group_norm,
    layer_norm, max_pool1d, max_pool2d, max_pool3d, pixel_shuffle, pixel_unshuffle, rms_norm,
)
from . import linalg  # noqa: F401
from . import viz  # noqa: F401
from .autograd.anomaly_mode import (  # noqa: F401
    is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled,
)
from .autograd.grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from .ops import *  # noqa: F401,F403  (every public op, family by family: see ops/__init__.py)
from .nn.functional import log_softmax, softmax  # noqa: F401  (torch.softmax is F.softmax)
from . import func, optim, utils  # noqa: F401
from .serialization import load, save  # noqa: F401
from . import amp, backends, cuda, jit, testing  # noqa: F401  (CPU-only shims: see each module)
from .amp import autocast  # noqa: F401
from . import distributions  # noqa: F401
from . import special  # noqa: F401

# PyTorch's dtype aliases.
half, float, double = float16, float32, float64
cfloat, cdouble = complex64, complex128
short, int, long = int16, int32, int64

__version__ = "0.1.0"


def is_tensor(obj) -> bool:  # noqa: F811
    """Whether ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input`` has a floating-point dtype."""
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    """Whether ``input`` has a complex dtype."""
    return input.is_complex()


def is_nonzero(input: Tensor) -> bool:
    """Whether the single element of ``input`` is non-zero (a RuntimeError for other sizes)."""
    if input.numel() != 1:
        raise RuntimeError(
            "Boolean value of Tensor with no values is ambiguous" if input.numel() == 0
            else "Boolean value of Tensor with more than one value is ambiguous"
        )
    return input.__bool__()


def get_default_device() -> device:
    """The device new tensors are created on: always the CPU."""
    return device("cpu")


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's type promotion gives ``tensor1 op tensor2``."""
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether casting ``from_`` to ``to`` is allowed by PyTorch's casting rules."""
    return _dtype.can_cast(from_, to)


# -- what a GPU-aware script sets up: accepted, and as a CPU-only PyTorch answers ------------------

_settings = {"num_threads": None, "matmul_precision": "highest", "deterministic": False}


def compile(model=None, **kwargs):  # noqa: A001 - PyTorch's name
    """``model`` itself (or, with no model, a decorator that returns its function): chainrule
    has no compiler, so the code runs eagerly, as it did before compiling."""
    if model is None:
        return lambda fn: fn
    return model


def set_num_threads(n: int) -> None:
    """Remember ``n`` for ``get_num_threads``; NumPy's BLAS threads are set by its environment
    (``OPENBLAS_NUM_THREADS``), not at run time."""
    import builtins

    if not isinstance(n, (builtins.int, __import__("numpy").integer)) or n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _settings["num_threads"] = builtins.int(n)


def get_num_threads() -> int:
    """The number set by ``set_num_threads``, else the number of CPUs."""
    import os

    return _settings["num_threads"] or os.cpu_count() or 1


def set_float32_matmul_precision(precision: str) -> None:
    """Accept PyTorch's setting ("highest", "high", "medium"); chainrule always computes float32
    matmuls in float32."""
    if precision not in ("highest", "high", "medium"):
        import warnings

        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the "
                      "currentsetFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last given to ``set_float32_matmul_precision`` ("highest" by default)."""
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accept PyTorch's switch; chainrule's ops are deterministic anyway."""
    _settings["deterministic"] = mode is True or (mode is not False and __import__("builtins").bool(mode))


def are_deterministic_algorithms_enabled() -> bool:
    """The value last given to ``use_deterministic_algorithms``."""
    return _settings["deterministic"]

