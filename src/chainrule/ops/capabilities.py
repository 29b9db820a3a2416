"""What each primitive supports, read from the op registry (``PRIMITIVES``).

    >>> chainrule.ops.capabilities("cumprod")
    {'op': 'cumprod', 'node': 'CumprodBackward0', 'backward': True, 'double_backward': True,
     'forward_mode': False, 'vmap': False, 'float16': None}

- ``backward``: the primitive has a VJP rule for some input that does not refuse (PyTorch
  has no derivative for a few ops, e.g. ``floor_divide``: their rules raise).
- ``double_backward``: rules are written with chainrule ops, so every working rule is
  itself differentiable; tests/autograd/test_trace_explain_verify.py checks this column
  against the op registry's gradgradcheck entries.
- ``forward_mode`` and ``vmap``: False for every op: chainrule has neither yet.
- ``float16``: None: the test suite does not check float16 per op yet, so nothing is claimed.

Rows are keyed like the test registry's ``prims``: the kernel's name without its leading
underscore, plus the node name where one kernel serves several primitives.
"""

from __future__ import annotations

from ._registry import PRIMITIVES, Primitive

__all__ = ["capabilities"]

# Words in a rule's name or in the names it calls that mark a rule that only raises.
_REFUSALS = ("no_derivative", "no_inplace_derivative", "not_implemented", "refuse")


def _refuses(rule) -> bool:
    code = getattr(rule, "__code__", None)
    names = (getattr(rule, "__qualname__", ""),) + (code.co_names if code is not None else ())
    return any(word in name for name in names for word in _REFUSALS)


def _key(prim: Primitive) -> str:
    shared = sum(p.name == prim.name for p in PRIMITIVES) > 1
    name = prim.name.removeprefix("_")
    return f"{name}[{prim.node_cls.__name__}]" if shared else name


def _row(prim: Primitive) -> dict:
    rules = [r for r in prim.vjps if r is not None]
    # PyTorch names the node of a call it cannot differentiate "NotImplemented" or "Error".
    refused = prim.node_cls.__name__ in ("NotImplemented", "Error")
    backward = bool(rules) and not refused and not all(_refuses(r) for r in rules)
    return {
        "op": _key(prim),
        "node": prim.node_cls.__name__,
        "backward": backward,
        "double_backward": backward,
        "forward_mode": False,
        "vmap": False,
        "float16": None,
    }


def capabilities(op: str | None = None) -> list[dict] | dict:
    """Every primitive's row (a list of dicts), or the row of ``op``.

    ``op`` may be a row's name (``"cumprod"``), its node's name (``"CumprodBackward0"``), or
    a public op made of several primitives (``"sum"``: the rows are combined, each column
    True only if it is True for all of them).
    """
    rows = [_row(p) for p in PRIMITIVES]
    if op is None:
        return rows
    for key in ("op", "node"):
        hits = [r for r in rows if r[key] == op]
        if len(hits) == 1:
            return hits[0]
    hits = [r for r in rows if r["op"] == op or r["op"].startswith(op + "_") or r["op"].startswith(op + "[")]
    if not hits:
        raise ValueError(f"no primitive op named {op!r}; capabilities() lists them all")
    combined = {"op": op, "node": ", ".join(sorted({r["node"] for r in hits}))}
    for col in ("backward", "double_backward", "forward_mode", "vmap"):
        combined[col] = all(r[col] for r in hits)
    combined["float16"] = None
    return combined
