"""chainrule's ops, by family. Each primitive's kernel and rules live in its family's file:

- ``elementwise.py``: arithmetic, powers, unary math, clamp, where, comparisons, casts
- ``reduction.py``: sum, mean
- ``movement.py``: views, reshapes, broadcasting, indexing and index assignment
- ``linalg.py``: matmul and friends

``_registry.py`` says how a primitive and its rules are declared.
"""

from .elementwise import (  # noqa: F401
    abs, abs_, absolute, add, add_, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, clamp,
    clamp_, clamp_max, clamp_min, clip, clip_, clone, copy_, cos, cos_, div, div_, divide, eq, exp,
    exp_, fill_, floor_divide, floor_divide_, ge, greater, greater_equal, gt, isfinite, isinf,
    isnan, le, less, less_equal, log, log_, logical_and, logical_not, logical_or, lt, mul, mul_,
    multiply, ne, neg, neg_, negative, not_equal, pow, pow_, relu, relu_, remainder, remainder_,
    sigmoid, sigmoid_, sign, sin, sin_, sqrt, sqrt_, sub, sub_, subtract, tanh, tanh_, to_dtype,
    true_divide, trunc, where, zero_,
)
from .linalg import bmm, dot, matmul, mm, mv  # noqa: F401
from .movement import (  # noqa: F401
    broadcast_to, expand, expand_as, flatten, getitem, nonzero, permute, reshape, reshape_as,
    select, setitem_, squeeze, sum_to_size, swapaxes, swapdims, t, transpose, unbind, unsqueeze,
    view, view_as,
)
from .reduction import mean, sum  # noqa: F401


def bitwise_and_(self, other):
    """In-place bitwise AND."""
    return copy_(self, bitwise_and(self, other))


def bitwise_or_(self, other):
    """In-place bitwise OR."""
    return copy_(self, bitwise_or(self, other))


def bitwise_xor_(self, other):
    """In-place bitwise XOR."""
    return copy_(self, bitwise_xor(self, other))
