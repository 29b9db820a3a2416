"""The detour every recorded op takes while ``vmap`` or forward-mode AD is active.

# Note [Transforms]
chainrule's ops end in ``ops._registry.record`` (a primitive's result is wrapped there,
and its backward node attached). Function transforms hook in at that single point:
while one is active, ``_registry._transform`` points at ``record_transformed`` below, and
``record`` hands each call to it. With no transform active the hot path pays one global
load and a comparison.

- If an input is a ``BatchedTensor`` (inside ``vmap``), the batching rule of the primitive
  runs it on the physical arrays, which carry the batch dimension in front
  (``func/_vmap.py``). The op was already validated against the logical shapes.
- Otherwise the call is recorded as usual and, inside a dual level, the result gets its
  tangent (``autograd/forward_ad.py``).
"""

from __future__ import annotations

from .ops import _registry

_vmap_depth = 0  # how many vmap calls are active (set by func._vmap)


def refresh() -> None:
    """Point ``record`` at the detour exactly while a transform is active."""
    from .autograd import forward_ad

    _registry._transform = record_transformed if (_vmap_depth or forward_ad.active()) else None


def record_transformed(prim, out, args, params):
    """``record`` while a transform is active (Note [Transforms])."""
    if _vmap_depth:
        from .func import _vmap

        batched = _vmap.batch_record(prim, out, args, params)
        if batched is not None:
            return batched
    result = _registry.record(prim, out, args, params, True)
    from .autograd import forward_ad

    if forward_ad._level is not None:
        forward_ad.propagate(prim, result, args, params)
    return result
