"""chainrule.autograd: automatic differentiation, as ``torch.autograd``: reverse mode, and
forward mode in ``chainrule.autograd.forward_ad``."""

from . import graph  # noqa: F401
from . import functional  # noqa: F401
from . import forward_ad  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .trace import trace  # noqa: F401  (not in torch.autograd: chainrule's own)
from .verify import verify_gradients  # noqa: F401  (chainrule's own)
from .explain import explain  # noqa: F401  (chainrule's own)
from .variable import Variable

__all__ = [
    "backward",
    "grad",
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "graph",
    "functional",
    "forward_ad",
    "detect_anomaly",
    "set_detect_anomaly",
    "Variable",
]
