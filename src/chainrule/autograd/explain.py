"""Explain mode: the chain rule applied step by step to a small graph, with the numbers.

    >>> x = chainrule.tensor(2.0, requires_grad=True)
    >>> chainrule.autograd.explain(chainrule.sin(x ** 2), x)
    y = sin(x^2)
    step 1: SinBackward0   sin(u)   with u = x^2 = 4
            local derivative  d(sin(u))/du = cos(u) = cos(4) = -0.6536
            gradient  1 * cos(4) = -0.6536  -> u
    step 2: PowBackward0   u^p   with u = x = 2
            local derivative  d(u^p)/du = 2 * u = 2 * 2 = 4
            gradient  -0.6536 * 2 * 2 = -2.6146  -> u
    d y/dx = -2.6146
    chain rule: d sin(x^2)/dx = cos(4) * 2 * 2 = -2.6146 at x = 2

It runs ``autograd.grad(y, inputs)`` (nothing is accumulated into ``.grad``) and, for
each node in the order the engine ran them, prints the op's local derivative (from the
table below, or else the source of its rule in the op registry), the values that went in,
the gradient that came in and the one that went out, and where a broadcast gradient was
summed back to an input's shape. When the path from ``y`` to an input is a single chain
of scalars, the last line multiplies the local derivatives out.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

from .graph import AccumulateGrad
from .trace import _install, _uninstall
from .verify import _sum_to

__all__ = ["explain"]

# node name -> (forward expression, one local derivative per input), in terms of u (input 0),
# v (input 1) and p (the exponent parameter).
_FORMULAS = {
    "AddBackward0": ("u + v", ("1", "1")),
    "SubBackward0": ("u - v", ("1", "-1")),
    "MulBackward0": ("u * v", ("v", "u")),
    "DivBackward0": ("u / v", ("1 / v", "-u / v^2")),
    "NegBackward0": ("-u", ("-1",)),
    "PowBackward0": ("u^p", ("p * u^(p-1)",)),
    "ExpBackward0": ("exp(u)", ("exp(u)",)),
    "LogBackward0": ("log(u)", ("1 / u",)),
    "SqrtBackward0": ("sqrt(u)", ("1 / (2 * sqrt(u))",)),
    "SinBackward0": ("sin(u)", ("cos(u)",)),
    "CosBackward0": ("cos(u)", ("-sin(u)",)),
    "TanhBackward0": ("tanh(u)", ("1 - tanh(u)^2",)),
    "SigmoidBackward0": ("sigmoid(u)", ("sigmoid(u) * (1 - sigmoid(u))",)),
    "ReluBackward0": ("relu(u)", ("1 if u > 0 else 0",)),
    "SumBackward0": ("sum(u)", ("1 (copied to every element)",)),
    "MeanBackward0": ("mean(u)", ("1/n (n = number of elements)",)),
}


def _num(a) -> str:
    """A value as the explanation prints it: 4, -0.6536, or an array."""
    a = np.asarray(a)
    if a.size == 1:
        v = float(a.reshape(()))
        return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) or abs(v) > 1e15 else str(int(v))
    return np.array2string(a, precision=4, separator=", ", max_line_width=10_000).replace("\n", "")


def _fill(template: str, names: dict) -> str:
    return re.sub(r"\b([uvp])\b", lambda m: names.get(m.group(1), m.group(1)), template)


def _local_numeric(name: str, i: int, vals: list, params: dict) -> str | None:
    """The local derivative with the numbers put in (scalars only), e.g. 'cos(4)', '2 * 2'."""
    if not all(v is None or np.asarray(v).size == 1 for v in vals):
        return None
    nums = {k: _num(v) for k, v in zip("uv", vals, strict=False) if v is not None}
    if name == "PowBackward0":
        p = params.get("exponent")
        if "u" not in nums or p is None:
            return None
        return f"{_num(p)} * {nums['u']}" if p == 2 else f"{_num(p)} * {nums['u']}^{_num(p - 1)}"
    entry = _FORMULAS.get(name)
    if entry is None or name in ("SumBackward0", "MeanBackward0"):
        return None
    deriv = entry[1][i]
    if any(s in deriv for s in ("u", "v")) and not all(s in nums for s in "uv" if re.search(rf"\b{s}\b", deriv)):
        return None
    return _fill(deriv, nums)


def _rule_source(node, i: int) -> str:
    prim = getattr(node, "prim", None)
    if prim is None:
        fn = getattr(node, "_function", None)
        return f"{fn.__name__}.backward (your code)" if fn is not None else "(no formula known)"
    try:
        rule = prim.vjps[i]
        src = inspect.getsource(rule).strip().splitlines()
    except (IndexError, OSError, TypeError):
        return "(no formula known)"
    line = src[-1].strip() if len(src) > 1 else src[0]
    return "rule: " + line.removeprefix("defvjp(").rstrip(")")


def _inputs_of(node, values: dict | None = None) -> list:
    """The values that went into a node: those it kept, else its inputs' known outputs."""
    args = getattr(node, "_args", None)
    if args is not None:
        return [np.asarray(a._data) if hasattr(a, "_data") else a for a in args]
    values = values or {}
    return [values.get(c) if c is not None and nr == 0 else None for c, nr in node._edges]


def _value_of(node, values: dict):
    """The output of a node, where it can be known: a leaf's data, a saved result, or recomputed."""
    if isinstance(node, AccumulateGrad):
        return np.asarray(node.variable._data)
    result = getattr(node, "_result", None)
    if result is not None:
        return result[0]
    prim = getattr(node, "prim", None)
    ins = _inputs_of(node, values)
    if prim is not None and getattr(node, "_args", None) is not None:
        try:
            out = prim.kernel(*ins, **(node._params or {}))
        except Exception:  # noqa: BLE001 - an explanation never fails for want of a number
            return None
        return out if isinstance(out, np.ndarray) else None
    return None


def explain(outputs: Any, inputs: Any, names: dict | None = None, file=None) -> tuple:
    """Print how the gradient of ``outputs`` with respect to ``inputs`` is built; return it.

    ``names`` maps a name to each input (default ``x``, or ``x0``, ``x1``, ...).
    """
    from .._tensor import Tensor
    from .engine import grad as autograd_grad

    xs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if names is None:
        label = {id(x): ("x" if len(xs) == 1 else f"x{k}") for k, x in enumerate(xs)}
    else:
        label = {id(t): n for n, t in names.items()}
    y = outputs

    # Forward expressions, built from the leaves up (ascending creation order).
    nodes, stack = set(), [y.grad_fn] if y.grad_fn is not None else []
    while stack:
        n = stack.pop()
        if n not in nodes:
            nodes.add(n)
            stack.extend(c for c, _ in n._edges if c is not None)
    expr: dict = {}
    values: dict = {}
    letters = iter("abcdefghklmnqrstw")
    for n in sorted(nodes, key=lambda n: n._seq):
        values[n] = _value_of(n, values)
        if isinstance(n, AccumulateGrad):
            expr[n] = label.get(id(n.variable)) or next(letters, "w")
            continue
        ins = [expr.get(c, "?") if c is not None else _const(v) for (c, _), v in zip(n._edges, _inputs_of(n), strict=False)]
        entry = _FORMULAS.get(n.name())
        params = getattr(n, "_params", None) or {}
        if entry is None:
            fn = getattr(n, "_function", None)
            op = fn.__name__ if fn is not None else n.name().removesuffix("Backward0").lower()
            expr[n] = f"{op}({', '.join(ins)})"
        else:
            call = re.fullmatch(r"\w+\(u\)", entry[0]) is not None  # sin(u): no parentheses needed
            wrap = (lambda e: e) if call else _paren
            subs = {"u": wrap(ins[0]) if len(ins) > 0 else "u", "v": wrap(ins[1]) if len(ins) > 1 else "v"}
            if "exponent" in params:
                subs["p"] = _num(params["exponent"])
            expr[n] = _fill(entry[0], subs)

    steps: list = []

    def observe(node, grads_out, needs, call):
        grads_in = call(node, grads_out, needs)
        steps.append((node, list(grads_out), None if grads_in is None else list(grads_in)))
        return grads_in

    _install(observe)
    try:
        result = autograd_grad(y, xs, retain_graph=True, allow_unused=True)
    finally:
        _uninstall(observe)

    out = [f"y = {expr.get(y.grad_fn, '?')}"]
    chains: dict = {}  # node -> list of numeric local derivatives along the single path, or None
    chains[y.grad_fn] = []
    k = 0
    for node, grads_out, grads_in in steps:
        if isinstance(node, AccumulateGrad):
            continue
        k += 1
        name = node.name()
        vals = _inputs_of(node, values)
        params = getattr(node, "_params", None) or {}
        entry = _FORMULAS.get(name)
        in_names = [expr.get(c, "?") if c is not None else _const(v) for (c, _), v in zip(node._edges, vals, strict=False)]
        shown = ", ".join(
            f"{s} = {e}" + (f" = {_num(v)}" if v is not None and e != _num(v) else "")
            for s, e, v in zip("uv", in_names, vals, strict=False)
        )
        form = entry[0] if entry else expr.get(node, name)
        out.append(f"step {k}: {name}   {form}" + (f"   with {shown}" if shown else ""))
        g_out = grads_out[0]
        for i, ((child, _), g_in) in enumerate(zip(node._edges, grads_in or (), strict=False)):
            if child is None or g_in is None:
                continue
            who = "uv"[i] if i < 2 else f"input {i}"
            if entry is not None:
                local = entry[1][i] if i < len(entry[1]) else "?"
                if "exponent" in params:
                    p = params["exponent"]
                    local = f"{_num(p)} * u" if p == 2 else f"{_num(p)} * u^{_num(p - 1)}"
                line = f"        local derivative  d({form})/d{who} = {local}"
            else:
                line = f"        local derivative  {_rule_source(node, i)}"
            numeric = _local_numeric(name, i, vals, params)
            gd = np.asarray(g_in._data)
            if numeric is not None and numeric != local:
                line += f" = {numeric}"
            go = None if g_out is None else np.asarray(g_out._data)
            scalar = go is not None and go.size == 1 and gd.size == 1 and float(go.reshape(())) != 0
            if scalar and entry is not None and _num(gd / go) not in (numeric, local):
                line += f" = {_num(gd / go)}"
            out.append(line)
            meta = getattr(node, "_meta", None)
            target = meta[i][0] if meta is not None and meta[i] is not None else None
            if scalar:
                factor = _paren(numeric or local, product=True)
                out.append(f"        gradient  {_num(go)} * {factor} = {_num(gd)}  -> {who}")
            else:
                out.append(f"        gradient in {'0' if go is None else _num(go)}, out {_num(gd)}  -> {who}")
            if target is not None and tuple(target) != gd.shape:
                summed = _sum_to(gd, tuple(target))
                out.append(
                    f"        broadcast: {who} had shape {tuple(target)}, the gradient {gd.shape}: "
                    f"summed over the broadcast dimensions -> {_num(summed)}"
                )
            prev = chains.get(node)
            if node in chains and child not in chains:
                chains[child] = None if prev is None or numeric is None else prev + [numeric]
            else:
                chains[child] = None  # reached by more than one path: no single product
    for x, g in zip(xs, result, strict=False):
        name = label.get(id(x), "x")
        if g is None:
            out.append(f"d y/d{name}: {name} is not used")
            continue
        out.append(f"d y/d{name} = {_num(g._data)}")
        acc = x.grad_fn if x.grad_fn is not None else x._accumulator()
        chain = chains.get(acc)
        if chain and np.asarray(x._data).size == 1:
            factors = " * ".join(_paren(f, product=True) for f in chain)
            out.append(f"chain rule: d {expr.get(y.grad_fn, 'y')}/d{name} = {factors} = {_num(g._data)} at {name} = {_num(x._data)}")
    print("\n".join(out), file=file)
    return result


def _const(v) -> str:
    return "c" if v is None or isinstance(v, np.ndarray) and v.size != 1 else _num(v)


def _paren(s: str, product: bool = False) -> str:
    if re.fullmatch(r"-?[\w.^]+(\(.*\))?", s) or (product and re.fullmatch(r"[\w.()]+( \* [\w.()]+)*", s)):
        return s
    return f"({s})"

