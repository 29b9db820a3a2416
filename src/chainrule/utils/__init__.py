"""chainrule.utils: helpers around training, as ``torch.utils`` (``data`` for datasets and loaders, ``checkpoint`` for activation checkpointing)."""

from . import data  # noqa: F401
from . import checkpoint  # noqa: F401  (torch.utils.checkpoint is reachable after `import torch` too)
