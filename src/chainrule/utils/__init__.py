"""chainrule.utils: helpers around training, as ``torch.utils`` (``data`` for datasets and loaders)."""

from . import data  # noqa: F401
