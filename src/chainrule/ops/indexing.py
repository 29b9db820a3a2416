"""Selection by index tensors and masks: gather, scatter, index_select, masked ops, take, put.

Each primitive's NumPy kernel sits with its VJP rules right below it (see ``_registry.py``).
"""

from __future__ import annotations

__all__: list[str] = []  # the public ops of this family (re-exported by chainrule.ops)
