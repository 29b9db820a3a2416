"""The backward pass as data: one plain dict per node the engine ran.

    >>> with chainrule.autograd.trace() as t:
    ...     loss.backward()
    >>> t.records[0]["op"], t.records[0]["grad_out_norm"]
    ('MeanBackward0', [1.0])
    >>> t.table()                      # prints one line per node

Each record holds the node's name, the shapes, norms and largest magnitudes of the
gradients that came in (``grad_out_*``: the gradients of the node's outputs, PyTorch's
``grad_outputs``) and went out (``grad_in_*``: one per input, PyTorch's ``grad_inputs``;
None where no gradient flows), whether any of them has a
NaN or an infinity, the seconds the node's rule took, and ``forward``: the
``file:line`` of the user code that created the node.

# Note [Forward locations]
A node does not remember where it was made: that would cost every op call. The place is
known only for nodes made while anomaly mode (``detect_anomaly``) was on, or while
``trace(record_forward=True)`` is active during the *forward* pass
(it watches function returns with ``sys.setprofile``, which slows the forward a few
times); otherwise ``forward`` is None. So, to get them::

    with chainrule.autograd.trace(record_forward=True) as t:
        loss = model(x)
        loss.backward()

The locations are kept (weakly, per node) after the block, so a later ``trace()``
around the backward alone finds them too.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
import weakref
from typing import Any, Callable

import numpy as np

from . import engine
from .graph import AccumulateGrad

__all__ = ["trace"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

# node -> "file:line" of the user code that created it (Note [Forward locations]).
_FORWARD_SITES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

# -- the engine hook, shared by trace and verify_gradients ------------------------------------
# Each observer is called as observer(node, grads_out, needs, call) where ``call`` runs the
# node (through the observers installed before it); it returns the node's input gradients.
_observers: list[Callable] = []


def _plain_call(node, grads_out, needs):
    return None if needs is None else node.apply(grads_out, needs)


def _dispatch(node, grads_out, needs):
    call = _plain_call
    for obs in _observers:
        call = functools.partial(obs, call=call)
    return call(node, grads_out, needs)


def _install(observer: Callable) -> None:
    _observers.append(observer)
    engine.node_hook = _dispatch


def _uninstall(observer: Callable) -> None:
    _observers.remove(observer)
    if not _observers:
        engine.node_hook = None


# -- statistics of one list of gradients ------------------------------------------------------


def _stats(grads) -> tuple[list, list, list, bool, bool]:
    shapes, norms, maxabs = [], [], []
    nan = inf = False
    for g in grads:
        if g is None:
            shapes.append(None)
            norms.append(None)
            maxabs.append(None)
            continue
        d = np.asarray(g._data)
        shapes.append(tuple(d.shape))
        if d.size == 0:
            norms.append(0.0)
            maxabs.append(0.0)
            continue
        a = np.abs(d.astype(np.complex128 if d.dtype.kind == "c" else np.float64))
        with np.errstate(all="ignore"):
            nan = nan or bool(np.isnan(a).any())
            inf = inf or bool(np.isinf(a).any())
            norms.append(float(np.sqrt(np.sum(np.square(a)))))
            maxabs.append(float(np.max(a)))
    return shapes, norms, maxabs, nan, inf


class trace:
    """Record every node a backward pass runs (see the module docstring).

    ``record_forward=True`` also records where nodes made inside the block were created.
    Not thread-safe: trace one backward at a time.
    """

    def __init__(self, record_forward: bool = False) -> None:
        self.record_forward = record_forward
        self.records: list[dict] = []
        self._old_profile = None

    def __enter__(self) -> "trace":
        _install(self._observe)
        if self.record_forward:
            from .._tensor import Tensor

            self._old_profile = sys.getprofile()
            sites = _FORWARD_SITES

            def profile(frame, event, arg, Tensor=Tensor):
                # The first return of a new Tensor that has a node: stamp its node.
                if event == "return" and isinstance(arg, Tensor):
                    gf = arg._grad_fn
                    if gf is not None and gf not in sites:
                        f = frame
                        while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
                            f = f.f_back
                        if f is not None:
                            sites[gf] = f"{f.f_code.co_filename}:{f.f_lineno}"

            sys.setprofile(profile)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.record_forward:
            sys.setprofile(self._old_profile)
        _uninstall(self._observe)

    def _observe(self, node, grads_out, needs, call):
        start = time.perf_counter()
        grads_in = call(node, grads_out, needs)
        elapsed = time.perf_counter() - start
        out_shapes, out_norms, out_max, out_nan, out_inf = _stats(grads_out)
        if isinstance(node, AccumulateGrad):
            in_shapes, in_norms, in_max, in_nan, in_inf = [], [], [], False, False
        else:
            in_shapes, in_norms, in_max, in_nan, in_inf = _stats(grads_in or ())
        self.records.append(
            {
                "step": len(self.records),
                "op": node.name(),
                "grad_out_shape": out_shapes,
                "grad_out_norm": out_norms,
                "grad_out_max_abs": out_max,
                "grad_in_shape": in_shapes,
                "grad_in_norm": in_norms,
                "grad_in_max_abs": in_max,
                "nan": out_nan or in_nan,
                "inf": out_inf or in_inf,
                "time_s": elapsed,
                "forward": _FORWARD_SITES.get(node) or _anomaly_site(node),
            }
        )
        return grads_in

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i):
        return self.records[i]

    def table(self, file=None) -> None:
        """Print the records, one line per node, in the order they ran."""
        print(self._table(), file=file)

    def _table(self) -> str:
        def fmt(values) -> str:
            return ", ".join("-" if v is None else f"{v:.4g}" for v in values)

        def shapes(values) -> str:
            return ", ".join("-" if s is None else str(s) for s in values)

        rows = [("#", "op", "grad_output", "norm", "max abs", "grad_input", "norm", "flags", "us", "forward")]
        for r in self.records:
            flags = ("NaN " if r["nan"] else "") + ("Inf" if r["inf"] else "")
            rows.append((
                str(r["step"]), r["op"].replace("torch::autograd::", ""), shapes(r["grad_out_shape"]), fmt(r["grad_out_norm"]),
                fmt(r["grad_out_max_abs"]), shapes(r["grad_in_shape"]), fmt(r["grad_in_norm"]),
                flags.strip() or "-", f"{r['time_s'] * 1e6:.0f}", _short(r["forward"]),
            ))
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines)


def _anomaly_site(node) -> str | None:
    """``file:line`` from the creation stack anomaly mode keeps (``metadata["traceback_"]``)."""
    hooks = node._hooks
    meta = hooks.get("metadata") if hooks else None
    stack = meta.get("traceback_") if meta else None
    if not stack:
        return None
    m = re.match(r'\s*File "(.*)", line (\d+)', stack[-1])
    return f"{m.group(1)}:{m.group(2)}" if m else None


def _short(site: str | None) -> str:
    if site is None:
        return "-"
    path, _, line = site.rpartition(":")
    return f"{os.path.basename(path)}:{line}"
