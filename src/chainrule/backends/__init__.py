"""``torch.backends`` for a CPU-only build: the flags scripts set exist and change nothing."""

from __future__ import annotations

import types

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "openmp"]


def _false() -> bool:
    return False


cudnn = types.ModuleType("chainrule.backends.cudnn", "cuDNN's flags: accepted, unused (no GPU).")
cudnn.enabled = True
cudnn.benchmark = False
cudnn.deterministic = False
cudnn.allow_tf32 = True
cudnn.is_available = _false
cudnn.is_available.__doc__ = "Whether cuDNN can be used: never, in chainrule."

mps = types.ModuleType("chainrule.backends.mps", "Apple's Metal backend: never available.")
mps.is_available = lambda: False
mps.is_available.__doc__ = "Whether the Metal (MPS) backend can be used: never, in chainrule."
mps.is_built = lambda: False
mps.is_built.__doc__ = "Whether PyTorch was built with MPS: not chainrule."

cuda = types.ModuleType("chainrule.backends.cuda", "CUDA's matmul flags: accepted, unused (no GPU).")
cuda.matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)
cuda.is_built = lambda: False
cuda.is_built.__doc__ = "Whether PyTorch was built with CUDA: not chainrule."

mkldnn = types.ModuleType("chainrule.backends.mkldnn", "oneDNN's flag: accepted, unused (NumPy computes).")
mkldnn.enabled = True
mkldnn.is_available = _false
mkldnn.is_available.__doc__ = "Whether oneDNN is used: no, NumPy computes."

openmp = types.ModuleType("chainrule.backends.openmp", "OpenMP: not used by chainrule itself.")
openmp.is_available = _false
openmp.is_available.__doc__ = "Whether chainrule uses OpenMP: no (NumPy's BLAS may)."
