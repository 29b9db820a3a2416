"""chainrule.nn.functional, as ``torch.nn.functional``: activations, losses, convolution,
pooling, normalisation and attention, gathered from their family files."""

from ._activation import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._sampling import *  # noqa: F401,F403
from ._embedding_bag import *  # noqa: F401,F403
