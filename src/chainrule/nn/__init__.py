"""chainrule.nn: neural-network building blocks, as ``torch.nn``."""

from . import functional  # noqa: F401
from . import init  # noqa: F401
from . import utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module  # noqa: F401
from .parameter import Buffer, Parameter  # noqa: F401

import types as _types  # noqa: E402

from .modules.parallel import DataParallel  # noqa: E402

# torch.nn.parallel: only DataParallel (it runs the module: there are no GPUs to split over).
parallel = _types.ModuleType("chainrule.nn.parallel", "torch.nn.parallel: DataParallel only (no GPUs).")
parallel.DataParallel = DataParallel

