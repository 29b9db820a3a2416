"""chainrule's ops, by family. Each primitive's kernel and rules live in its family's file:

- ``elementwise.py``: arithmetic, powers, unary math, clamp, where, comparisons, casts
- ``reduction.py``: sums, means, extrema, statistics, cumulative ops, sorting
- ``movement.py``: views, reshapes, broadcasting, joining and splitting, indexing
- ``indexing.py``: selection by index tensors and masks (gather, scatter, index_*, masked_*)
- ``linalg.py``: matmul and friends (``chainrule.linalg`` holds the decompositions)

``_registry.py`` says how a primitive and its rules are declared. Each family lists its
public ops in ``__all__``; this package re-exports them all.
"""

from . import elementwise, indexing, linalg, movement, reduction
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .elementwise import bitwise_and, bitwise_or, bitwise_xor, copy_
from .._creation import logspace, tril_indices, triu_indices  # made like arange; listed here to be exported
from .capabilities import capabilities  # noqa: F401  (a table about the ops, not an op: not in __all__)


def bitwise_and_(self, other):
    """In-place bitwise AND."""
    return copy_(self, bitwise_and(self, other))


def bitwise_or_(self, other):
    """In-place bitwise OR."""
    return copy_(self, bitwise_or(self, other))


def bitwise_xor_(self, other):
    """In-place bitwise XOR."""
    return copy_(self, bitwise_xor(self, other))


__all__ = [
    *elementwise.__all__, *indexing.__all__, *linalg.__all__, *movement.__all__, *reduction.__all__,
    "bitwise_and_", "bitwise_or_", "bitwise_xor_", "logspace", "tril_indices", "triu_indices",
]
