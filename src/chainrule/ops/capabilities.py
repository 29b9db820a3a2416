"""What each primitive supports, read from the op registry (``PRIMITIVES``).

    >>> chainrule.ops.capabilities("cumprod")
    {'op': 'cumprod', 'node': 'CumprodBackward0', 'backward': True, 'double_backward': True,
     'forward_mode': True, 'jvp': 'transpose', 'vmap': True, 'batching': 'rule', 'float16': True}

- ``backward``: the primitive has a VJP rule for some input that does not refuse (PyTorch
  has no derivative for a few ops, e.g. ``floor_divide``: their rules raise).
- ``double_backward``: rules are written with chainrule ops, so every working rule is
  itself differentiable, unless it runs a primitive without a derivative (ctc_loss's
  backward kernel); tests/autograd/test_trace_explain_verify.py checks this column
  against the op registry's gradgradcheck entries.
- ``forward_mode``: forward-mode AD gives the op's tangent. Its JVP comes from its VJP
  rules (Note [Where JVP rules come from] in autograd/forward_ad.py), so it works wherever
  they do, and for linear, multilinear and explicitly ruled ops in any case;
  tests/test_ops_jvp.py checks this column against the primitives whose tangents it
  compared (and those that raise, as PyTorch's do).
- ``jvp``: how that JVP is obtained (``elementwise``, ``linear``, ``multilinear``,
  ``explicit``, ``transpose``), None where there is none.
- ``vmap``: ``chainrule.func.vmap`` runs the op batched, in one call for the whole batch;
  False where it falls back to running the op once per sample (with a warning).
  tests/test_vmap_ops.py checks this column against what its spy saw run.
- ``batching``: how vmap batches it (``rule``: its own batching rule, ``elementwise``: the
  batch dimension broadcasts in front), None where it loops.
- ``float16``: the primitive computes in float16 (half precision); False where it refuses
  float16 inputs, as PyTorch's CPU kernels do (the linear algebra decompositions: LAPACK has
  no half precision), None where float16 does not apply (a primitive without floating-point
  inputs). Read from the declaration ``primitive(..., half=...)``; tests/test_float16.py
  checks it against the primitives it saw compute in float16 next to PyTorch, and those it
  saw refuse as PyTorch's do.

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


def _backward(prim: Primitive) -> bool:
    rules = [r for r in prim.vjps if r is not None]
    # PyTorch names the node of a call it cannot differentiate "NotImplemented" or "Error".
    refused = prim.node_cls.__name__ in ("NotImplemented", "Error")
    return bool(rules) and not refused and not all(_refuses(r) for r in rules)


def _rule_is_differentiable(rule) -> bool:
    """False when ``rule`` runs a primitive that has no derivative (ctc_loss's backward kernel)."""
    code = getattr(rule, "__code__", None)
    if code is None:
        return True
    names = getattr(rule, "__globals__", {})
    return not any(isinstance(names.get(n), Primitive) and not _backward(names[n]) for n in code.co_names)


def _key(prim: Primitive) -> str:
    shared = sum(p.name == prim.name for p in PRIMITIVES) > 1
    name = prim.name.removeprefix("_")
    return f"{name}[{prim.node_cls.__name__}]" if shared else name


def _row(prim: Primitive) -> dict:
    rules = [r for r in prim.vjps if r is not None]
    backward = _backward(prim)
    double = backward and all(_rule_is_differentiable(r) for r in rules)
    from ..autograd import forward_ad

    from ..func import _vmap

    kind = forward_ad.jvp_kind(prim)
    batching = _vmap.batching_kind(prim)
    # Elementwise JVPs run the VJP rules, the transpose trick differentiates them; linear,
    # multilinear and explicit ones do not need them.
    forward = bool(rules) and (
        kind in ("linear", "multilinear", "explicit") or (double if kind == "transpose" else backward))
    return {
        "op": _key(prim),
        "node": prim.node_cls.__name__,
        "backward": backward,
        "double_backward": double,
        "forward_mode": forward,
        "jvp": kind if forward else None,
        "vmap": batching != "loop",
        "batching": batching if batching != "loop" else None,
        "float16": prim.half,
    }


def capabilities(op: str | None = None) -> list[dict] | dict:
    """Every primitive's row (a list of dicts), or the row of ``op``.

    ``op`` may be a row's name (``"cumprod"``), its node's name (``"CumprodBackward0"``), or
    a public op made of several primitives (``"sum"``: the rows are combined, each column
    True only if it is True for all of them; ``float16`` None only if None for all).
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
    def kinds(col: str) -> str:  # how: the kinds met
        return ", ".join(sorted({r[col] for r in hits}))

    combined = {"op": op, "node": kinds("node")}
    for col in ("backward", "double_backward", "forward_mode"):
        combined[col] = all(r[col] for r in hits)
    combined["jvp"] = kinds("jvp") if combined["forward_mode"] else None
    combined["vmap"] = all(r["vmap"] for r in hits)
    combined["batching"] = kinds("batching") if combined["vmap"] else None
    applies = [r["float16"] for r in hits if r["float16"] is not None]  # None where float16 does not apply
    combined["float16"] = all(applies) if applies else None
    return combined
