"""The engine: the one place gradients flow.

``run`` walks the graph from the outputs towards the leaves without recursion:

1. discover the nodes that reach what was asked for (iterative DFS);
2. count, for each node, how many edges from other needed nodes point at it;
3. run nodes whose count has dropped to zero, latest-created first (as PyTorch does),
   summing the gradients that arrive for each node's outputs.

It calls a node's rule only for inputs whose edge leads somewhere needed, reduces a
broadcast gradient to its input's shape and dtype here and nowhere else, fires hooks,
accumulates into leaves, and releases each node's saved tensors right after it ran
unless ``retain_graph``.
"""

from __future__ import annotations

import heapq
import sys
from typing import Sequence

from . import grad_mode
from .graph import AccumulateGrad, Node

__all__ = ["backward", "grad", "run"]


def _tensor_cls():
    from .._tensor import Tensor

    return Tensor


def _make_grads(outputs, grad_outputs, create_graph: bool) -> list:
    """Default and check the gradient given for each output (ones for a scalar)."""
    from .. import _creation

    Tensor = _tensor_cls()
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fc":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            g = _creation.ones_like(out)
        elif not isinstance(g, Tensor):
            g = _creation.tensor(g, dtype=out.dtype)
        elif g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        elif g._data.dtype.kind != out._data.dtype.kind and not (
            g._data.dtype.kind in "fc" and out._data.dtype.kind in "fc"
        ):
            raise RuntimeError(
                f"For complex Tensors, both grad_output and output are required to have the same dtype. "
                f"Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and output[{i}] has a dtype of {out.dtype}."
            )
        grads.append(g)
    return grads


def _as_tuple(x) -> tuple:
    Tensor = _tensor_cls()
    if isinstance(x, Tensor):
        return (x,)
    if x is None:
        return ()
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``)."""
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    else:
        grad_tensors = _as_tuple(grad_tensors)
        if len(grad_tensors) != len(tensors):
            raise RuntimeError(
                f"got {len(grad_tensors)} tensors and {len(tensors)} gradients"
            )
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors, create_graph)
    run(tensors, grads, retain_graph, create_graph, inputs, accumulate=True)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused=None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing is accumulated)."""
    from .. import _creation

    if is_grads_batched:
        raise NotImplementedError("is_grads_batched=True needs vmap, which chainrule does not have yet")
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise RuntimeError(
                f"grad requires one grad_output per output: got {len(grad_outputs)} grad_outputs "
                f"and {len(outputs)} outputs"
            )
    for i, t in enumerate(inputs):
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_outputs, create_graph)
    result = run(outputs, grads, retain_graph, create_graph, inputs, accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                g = _creation.zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        out.append(g)
    return tuple(out)


def _root_edge(t, i: int) -> tuple:
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        return (t._accumulator(), 0)
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _capture_point(t) -> tuple:
    """The (node, output_nr) whose incoming gradient is ``t``'s gradient."""
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    return (t._accumulator(), 0)


def run(outputs, grads, retain_graph: bool, create_graph: bool, inputs, accumulate: bool) -> list:
    """Backpropagate ``grads`` from ``outputs``; return the gradients captured at ``inputs``.

    With ``accumulate`` (``backward``) leaves' ``.grad`` are updated: every leaf, or only
    those in ``inputs``. Without (``grad``) nothing is written; the gradients of ``inputs``
    are returned in order.
    """
    roots = [_root_edge(t, i) for i, t in enumerate(outputs)]

    # Where gradients are captured: (node, output_nr) -> index into `inputs`.
    captures: dict = {}
    keep = []  # accumulators created for inputs must outlive the run
    if inputs is not None:
        for k, t in enumerate(inputs):
            point = _capture_point(t)
            keep.append(point[0])
            captures.setdefault(point, []).append(k)
    capture_nodes = {node for node, _ in captures}

    needed = _needed_nodes([node for node, _ in roots], capture_nodes if inputs is not None else None)
    deps = _dependencies(needed)

    buffers: dict = {}
    for (node, nr), g in zip(roots, grads):
        if node in needed:
            _add_to_buffer(buffers, node, nr, g)
    ready = [(-node._seq, node) for node in {node for node, _ in roots} if node in needed and deps.get(node, 0) == 0]
    heapq.heapify(ready)

    captured = [None] * (len(inputs) if inputs is not None else 0)
    token = grad_mode.GRAD_ENABLED.set(create_graph)
    try:
        while ready:
            _, node = heapq.heappop(ready)
            grads_out = buffers.pop(node, None)
            if grads_out is None:
                grads_out = [None]
            grads_out = _run_pre_hooks(node, grads_out)

            if node in capture_nodes:
                for nr, g in enumerate(grads_out):
                    for k in captures.get((node, nr), ()):
                        captured[k] = g

            if isinstance(node, AccumulateGrad):
                if accumulate and (inputs is None or node in capture_nodes):
                    _accumulate(node.variable, grads_out[0], create_graph)
                continue

            edges = node._edges
            needs = tuple(e[0] is not None and e[0] in needed for e in edges)
            if any(g is not None for g in grads_out) and any(needs):
                grads_in = node.apply(tuple(grads_out), needs)
                post = node._hooks_of("post")
                if post:
                    grads_in = _run_post_hooks(post, grads_in, grads_out)
            else:
                grads_in = (None,) * len(edges)
            if not retain_graph:
                node._release()

            meta = getattr(node, "_meta", None)
            for i, (edge, g) in enumerate(zip(edges, grads_in)):
                child = edge[0]
                if child is None or child not in needed:
                    continue
                if g is not None:
                    if meta is not None and meta[i] is not None:
                        g = _conform(g, meta[i])
                    _add_to_buffer(buffers, child, edge[1], g)
                deps[child] -= 1
                if deps[child] == 0:
                    heapq.heappush(ready, (-child._seq, child))
    finally:
        grad_mode.GRAD_ENABLED.reset(token)
    del keep
    return captured


def _needed_nodes(roots: Sequence[Node], targets) -> set:
    """Nodes reachable from ``roots`` that lead to a target (all of them when no targets)."""
    seen = set()
    order = []  # post-order, children before parents
    stack = [(n, False) for n in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child, _ in node._edges:
            if child is not None and child not in seen:
                stack.append((child, False))
    if targets is None:
        return seen
    needed = set()
    for node in order:
        if node in targets or any(c is not None and c in needed for c, _ in node._edges):
            needed.add(node)
    return needed


def _dependencies(needed: set) -> dict:
    deps = dict.fromkeys(needed, 0)
    for node in needed:
        for child, _ in node._edges:
            if child is not None and child in needed:
                deps[child] += 1
    return deps


def _add_to_buffer(buffers: dict, node: Node, nr: int, g) -> None:
    slot = buffers.get(node)
    if slot is None:
        n = max(nr + 1, 1)
        slot = buffers[node] = [None] * n
    elif nr >= len(slot):
        slot.extend([None] * (nr + 1 - len(slot)))
    prev = slot[nr]
    # Out of place: the gradient objects may be shared with rules' outputs or the user.
    slot[nr] = g if prev is None else prev + g


def _conform(g, meta):
    """Reduce a broadcast gradient to its input's shape and cast it to its dtype."""
    shape, np_dtype = meta
    if g._data.shape != shape:
        from ..ops.movement import sum_to_size

        g = sum_to_size(g, shape)
    if g._data.dtype != np_dtype:
        from ..ops.elementwise import to_dtype
        from .._dtype import from_numpy_dtype

        g = to_dtype(g, from_numpy_dtype(np_dtype))
    return g


def _run_pre_hooks(node: Node, grads_out: list) -> list:
    tensor_hooks = node._hooks_of("tensor")
    if tensor_hooks:
        grads_out = list(grads_out)
        for nr, fn in list(tensor_hooks.values()):
            if nr < len(grads_out) and grads_out[nr] is not None:
                new = fn(grads_out[nr])
                if new is not None:
                    grads_out[nr] = new
    pre = node._hooks_of("pre")
    if pre:
        for fn in list(pre.values()):
            new = fn(tuple(grads_out))
            if new is not None:
                grads_out = list(new)
    if isinstance(node, AccumulateGrad):
        extra = node.variable._extra
        if extra is not None and extra.hooks:
            g = grads_out[0]
            for fn in list(extra.hooks.values()):
                if g is None:
                    break
                new = fn(g)
                if new is not None:
                    g = new
            grads_out = [g]
    return grads_out


def _run_post_hooks(hooks, grads_in, grads_out):
    for fn in list(hooks.values()):
        new = fn(tuple(grads_in), tuple(grads_out))
        if new is not None:
            grads_in = list(new)
    return grads_in


def _accumulate(leaf, g, create_graph: bool) -> None:
    """Add ``g`` into ``leaf.grad``."""
    if g is None:
        return
    if leaf._grad is None:
        if create_graph:
            leaf._grad = g
        elif sys.getrefcount(g._data) <= 3 and g._data.base is None and g._grad_fn is None and sys.getrefcount(g) <= 4:
            # Nothing else holds this gradient: take it without a copy (PyTorch steals it too).
            leaf._grad = g
        else:
            leaf._grad = g.detach().clone()
    elif create_graph or leaf._grad._requires_grad or g._requires_grad:
        leaf._grad = leaf._grad + g
    else:
        leaf._grad._data += g._data  # in place, like PyTorch: references to .grad see it
        leaf._grad._version[0] += 1
    extra = leaf._extra
    if extra is not None and extra.post_accumulate_hooks:
        for fn in list(extra.post_accumulate_hooks.values()):
            fn(leaf)
