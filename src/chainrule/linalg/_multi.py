"""Multi-output primitives for linalg (the machinery is ``chainrule.ops._multi``), and the
named tuples linalg's results print as."""

from __future__ import annotations

import collections

from ..ops._multi import MultiOutputNode, call_multi, multi_primitive

__all__ = ["MultiOutputNode", "call_multi", "multi_primitive", "return_type"]


def return_type(name: str, fields: tuple):
    """A named tuple that prints as PyTorch's ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, fields)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self, strict=True))
        return f"torch.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    cls.__str__ = __repr__
    cls.__module__ = "chainrule.return_types"
    return cls
