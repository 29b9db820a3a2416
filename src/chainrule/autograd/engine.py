"""The engine: the one place gradients flow.

``run`` walks the graph from the outputs towards the leaves without recursion.

# Note [Execution order]
Every node gets a sequence number when it is created, and a node is always created
after the nodes of its inputs (an op needs its inputs first; an in-place op gives the
tensor a new, later node). So "latest-created first" is a topological order, the one
PyTorch uses too: the engine keeps a heap of the nodes that have received a gradient,
runs the latest one, and pushes its inputs' nodes as their gradients arrive. When a node
comes off the heap, every node created after it that leads to it has already run, so
its gradient is complete: no dependency-counting pass over the graph is needed. With
``inputs`` (``grad`` or ``backward(inputs=...)``) one pass first marks the nodes that
lead to an input, and only those run. In a chain (a node passes its gradient to one
node while the heap is empty) that node is the next to run anyway, so the gradient is
handed to it directly, without a trip through the heap.

It calls a node's rule only for inputs whose edge leads somewhere needed, reduces a
broadcast gradient to its input's shape and dtype here and nowhere else, fires hooks,
accumulates into leaves, and releases each node's saved tensors right after it ran
unless ``retain_graph``.

# Note [Hook order]
As in PyTorch, for the gradient arriving at a tensor: the tensor's hooks run first (in
registration order, each may replace the gradient), then its ``retain_grad`` store,
then (when the node runs) the node's pre-hooks, the node itself, and its post-hooks.
``autograd.grad`` captures an input's gradient after its tensor hooks. A leaf's
post-accumulate hooks run after ``.grad`` is updated.
"""

from __future__ import annotations

import sys
import warnings
from heapq import heappop, heappush
from operator import attrgetter

import numpy as np

from . import grad_mode
from .graph import AccumulateGrad

__all__ = ["backward", "grad", "run"]

_getrefcount = sys.getrefcount
_ndarray = np.ndarray


def _tensor_cls():
    if _Tensor is None:
        _bind_ops()
    return _Tensor


def _make_grads(outputs, grad_outputs) -> list:
    """Default and check the gradient given for each output (ones for a scalar)."""
    Tensor = _tensor_cls()
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs, strict=False)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(out).__name__}")
        if g is None:
            if out._requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if out._data.dtype.kind != "f":
                    raise RuntimeError(
                        f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                    )
            g = _ones_like(out)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        else:
            gd, od = _array(g), _array(out)
            if gd.shape != od.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                    f"has a shape of {out.shape}."
                )
            if gd.dtype != od.dtype:
                if gd.dtype.kind == "c" or od.dtype.kind == "c":
                    raise RuntimeError(
                        "For complex Tensors, both grad_output and output are required to have the same "
                        f"dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and "
                        f"output[{i}] has a dtype of {out.dtype}."
                    )
                if od.dtype.kind == "f":
                    # The gradient of a tensor always has the tensor's dtype.
                    from ..ops.elementwise import to_dtype

                    g = to_dtype(g, out.dtype)
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
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``).

    >>> x = chainrule.tensor(2.0, requires_grad=True)
    >>> chainrule.autograd.backward(x ** 2)
    >>> x.grad
    tensor(4.)
    """
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    else:
        grad_tensors = _as_tuple(grad_tensors)
        if len(grad_tensors) != len(tensors):
            raise RuntimeError(f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in inputs:
            # As in PyTorch: a non-leaf input keeps its gradient in .grad from now on.
            t.retain_grad()
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors)
    if create_graph:
        _warn_create_graph_cycle()
    run(tensors, grads, retain_graph, create_graph, inputs, accumulate=True)


_cycle_warned = False


def _warn_create_graph_cycle() -> None:
    """PyTorch's warning, once per process: the leaf's .grad will point back at the leaf."""
    global _cycle_warned
    if not _cycle_warned:
        _cycle_warned = True
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the parameter "
            "and its gradient which can cause a memory leak. We recommend using autograd.grad when creating "
            "the graph to avoid this. If you have to use this function, make sure to reset the .grad fields "
            "of your parameters to None after use to break the cycle and avoid the leak.",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the user's line, outside chainrule."""
    from ._inplace import _PACKAGE_DIR

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


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
    """Return the gradients of ``outputs`` with respect to ``inputs`` (nothing is accumulated).

    >>> x = chainrule.tensor(2.0, requires_grad=True)
    >>> (g,) = chainrule.autograd.grad(x ** 3, x, create_graph=True)
    >>> chainrule.autograd.grad(g, x)
    (tensor(12.),)
    """
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
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise RuntimeError(
                f"grad requires one grad_output per output: got {len(grad_outputs)} grad_outputs "
                f"and {len(outputs)} outputs"
            )
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_outputs)
    result = run(outputs, grads, retain_graph, create_graph, inputs, accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result, strict=False)):
        if g is None:
            if materialize_grads:
                from .. import _creation

                g = _creation.zeros_like(t, requires_grad=create_graph)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        out.append(g)
    return tuple(out)


def _root_edge(t, i: int) -> tuple:
    if t._extra is not None and t._extra.base is not None:
        t.grad_fn  # noqa: B018 - a view: the property brings its node up to date (Note [Views] in ops/movement.py)
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        return (t._accumulator(), 0)
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def run(outputs, grads, retain_graph: bool, create_graph: bool, inputs, accumulate: bool) -> list:
    """Backpropagate ``grads`` from ``outputs``; return the gradients captured at ``inputs``.

    With ``accumulate`` (``backward``) leaves' ``.grad`` are updated: every leaf, or only
    those in ``inputs``. Without (``grad``) nothing is written; the gradients of ``inputs``
    are returned in order.
    """
    if _Tensor is None:
        _bind_ops()
    roots = [_root_edge(t, i) for i, t in enumerate(outputs)]
    root_nodes = [node for node, _ in roots]

    # Where gradients are captured: node -> [(output_nr, index into inputs)].
    captures = None
    if inputs is not None:
        captures = {}
        for k, t in enumerate(inputs):
            node, nr = t._edge()
            captures.setdefault(node, []).append((nr, k))
        needed = _needed_nodes(root_nodes, captures)
    else:
        needed = None

    buffers: dict = {}
    ready: list = []
    for (node, nr), g in zip(roots, grads, strict=False):
        if needed is None or node in needed:
            if node not in buffers:
                heappush(ready, (-node._seq, node))
            _add_to_buffer(buffers, node, nr, g)

    captured = [None] * (len(inputs) if inputs is not None else 0)
    token = grad_mode.GRAD_ENABLED.set(create_graph)
    try:
        _execute(ready, buffers, needed, captures, captured, retain_graph, create_graph, accumulate)
    finally:
        grad_mode.GRAD_ENABLED.reset(token)
    return captured


_ONLY_INPUT = (True,)

# Set by autograd.trace / autograd.verify_gradients while one is active: called as
# ``node_hook(node, grads_out, needs)`` in place of ``node.apply`` (and with ``needs=None``
# after a leaf accumulated). None when off: then each node costs one ``is None`` test.
node_hook = None


def _execute(ready, buffers, needed, captures, captured, retain_graph, create_graph, accumulate) -> None:
    """The hot loop: run the latest-created node that has a gradient (Note [Execution order])."""
    pop, push = heappop, heappush  # locals: this loop runs once per node
    pop_buffer = buffers.pop
    accumulator_cls = AccumulateGrad
    pruned = needed is not None
    hook = node_hook
    tensor_cls = _Tensor
    chained = None  # the next node when the last one handed its gradient straight on (see below)
    while ready or chained is not None:
        if chained is not None:
            node, grads_out = chained
            chained = None
        else:
            node = pop(ready)[1]
            grads_out = pop_buffer(node)
        hooks = node._hooks
        if node.__class__ is accumulator_cls:
            g = grads_in = d = None  # so that only grads_out holds the gradient (see _accumulate)
            if pruned:
                grads_out = _run_tensor_hooks(node, hooks, grads_out)
                for _, k in captures.get(node, ()):
                    captured[k] = grads_out[0]
                if accumulate:
                    _accumulate_leaf(node, hooks, grads_out, create_graph, tensor_hooks_done=True)
            elif accumulate:
                _accumulate_leaf(node, hooks, grads_out, create_graph, tensor_hooks_done=False)
            if hook is not None:
                hook(node, grads_out, None)
            continue
        if hooks is not None:
            grads_out = _run_tensor_hooks(node, hooks, grads_out)
        if pruned:
            cap = captures.get(node)
            if cap is not None:
                for nr, k in cap:
                    if nr < len(grads_out):
                        captured[k] = grads_out[nr]
        if hooks is not None:
            pre = hooks.get("pre")
            if pre:
                grads_out = _run_pre_hooks(pre, grads_out)

        edges = node._edges
        if pruned:  # None is never in ``needed``: an edge to nowhere is not needed
            if len(edges) == 1:
                needs = (edges[0][0] in needed,)
            elif len(edges) == 2:
                needs = (edges[0][0] in needed, edges[1][0] in needed)
            else:
                needs = [c in needed for c, _ in edges]
        elif len(edges) == 1:
            needs = _ONLY_INPUT  # a node exists only when one of its inputs needs a gradient
        elif len(edges) == 2:
            needs = (edges[0][0] is not None, edges[1][0] is not None)
        else:
            needs = [c is not None for c, _ in edges]
        if (grads_out[0] is not None if len(grads_out) == 1 else any(g is not None for g in grads_out)) and (
            True in needs
        ):
            grads_in = node.apply(grads_out, needs) if hook is None else hook(node, grads_out, needs)
            if hooks is not None:
                post = hooks.get("post")
                if post:
                    grads_in = _run_post_hooks(post, grads_in, grads_out)
        else:
            grads_in = None
        if not retain_graph:
            node._release()
        if grads_in is None:
            continue

        meta = node._meta
        i = -1
        for child, nr in edges:
            i += 1
            g = grads_in[i]
            if g is None or child is None or (pruned and child not in needed):
                continue
            if meta is not None:
                m = meta[i]
                if m is not None:
                    d = g._data if g.__class__ is tensor_cls else _array(g)
                    if d.shape != m[0] or d.dtype != m[1]:
                        g = _conform(g, m)
            slot = buffers.get(child)
            if slot is None:
                if child._seq > node._seq:  # would run too early: a wrong gradient, never silently
                    raise _order_error(node, child)
                if nr == 0 and not ready and (i + 1 == len(edges) or (len(edges) == 2 and edges[1][0] is None)):
                    # A chain: nothing else is waiting and no later input of this node leads
                    # anywhere, so the child runs next with this gradient alone: skip the heap
                    # and the buffer.
                    chained = (child, [g])
                    continue
                push(ready, (-child._seq, child))
                if nr == 0:
                    buffers[child] = [g]
                    continue
            _add_to_buffer(buffers, child, nr, g)


def _order_error(node, child) -> RuntimeError:
    return RuntimeError(
        f"chainrule internal error: {child.name()} was created after {node.name()}, which uses it; "
        "a node must be created after its inputs' nodes (engine's Note [Execution order]). "
        "Please report this with the code that built the graph."
    )


def _needed_nodes(roots, captures: dict) -> set:
    """The nodes reachable from ``roots`` that lead to a capture point (an input asked for).

    With ``backward(inputs=...)`` a captured leaf's accumulator runs (it writes ``.grad``);
    with ``grad`` its gradient is simply captured.
    """
    # Every node reachable from the roots, found depth-first.
    seen = set(roots)
    stack = list(seen)
    while stack:
        node = stack.pop()
        seq = node._seq
        for child, _ in node._edges:
            if child is not None:
                if child._seq > seq:  # the order below would be wrong: never silently
                    raise _order_error(node, child)
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    # Children before parents: a node is created after its inputs' nodes (Note [Execution
    # order]), so ascending sequence numbers visit every child before any node that uses it.
    needed = set()
    for node in sorted(seen, key=_seq_of):
        if node in captures:
            needed.add(node)
            continue
        for child, _ in node._edges:
            if child in needed:  # None is never in it
                needed.add(node)
                break
    return needed


_seq_of = attrgetter("_seq")


def _add_to_buffer(buffers: dict, node, nr: int, g) -> None:
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * (nr + 1)
    elif nr >= len(slot):
        slot.extend([None] * (nr + 1 - len(slot)))
    prev = slot[nr]
    # Out of place: the gradient objects may be shared with rules' outputs or the user.
    slot[nr] = g if prev is None else prev + g


def _array(t):
    """The array that gives ``t``'s shape and dtype; for a vmap BatchedTensor its sample, read
    without counting as a read of its values (Note [How vmap works] in func/_vmap.py)."""
    if t.__class__ is _Tensor:  # the common case, first: a plain Tensor has no ``_rep``
        return t._data
    rep = getattr(t, "_rep", None)
    return t._data if rep is None else rep


def _conform(g, meta):
    """Reduce a broadcast gradient to its input's shape and cast it to its dtype."""
    shape, np_dtype = meta
    if _array(g).shape != shape:
        g = _sum_to_size(g, shape)
    if _array(g).dtype != np_dtype:
        from .._dtype import from_numpy_dtype
        from ..ops.elementwise import to_dtype

        g = to_dtype(g, from_numpy_dtype(np_dtype))
    return g


# Set by _bind_ops on first use, once chainrule's tensors and ops exist (they import this
# module): an import inside each call would cost more than the engine's own work on a small graph.
_Tensor = _sum_to_size = _ones_like = None


def _bind_ops() -> None:
    global _Tensor, _sum_to_size, _ones_like
    from .._creation import ones_like
    from .._tensor import Tensor
    from ..ops.movement import sum_to_size

    _Tensor, _sum_to_size, _ones_like = Tensor, sum_to_size, ones_like


def _check_hook_result(fn, old, new):
    Tensor = _tensor_cls()
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    name = getattr(fn, "__name__", type(fn).__name__)
    if new._data.dtype != old._data.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {old.type()} got {new.type()})")
    if new._data.shape != old._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return new


def _run_tensor_hooks(node, hooks, grads_out: list) -> list:
    """The hooks of the tensors whose gradients arrive here (Note [Hook order])."""
    if node.__class__ is AccumulateGrad:
        extra = node.variable._extra
        leaf_hooks = extra.hooks if extra is not None else None
        if leaf_hooks:
            g = grads_out[0]
            if g is not None:
                for fn in list(leaf_hooks.values()):
                    new = fn(g)
                    if new is not None:
                        g = _check_hook_result(fn, g, new)
                grads_out = [g]
        return grads_out
    if hooks is None:
        return grads_out
    tensor_hooks = hooks.get("tensor")
    if tensor_hooks:
        grads_out = list(grads_out)
        for nr, fn in list(tensor_hooks.values()):
            if nr < len(grads_out) and grads_out[nr] is not None:
                new = fn(grads_out[nr])
                if new is not None:
                    grads_out[nr] = _check_hook_result(fn, grads_out[nr], new)
    retain = hooks.get("retain")
    if retain:
        for nr, fn in list(retain.items()):
            if nr < len(grads_out) and grads_out[nr] is not None:
                fn(grads_out[nr])
    return grads_out


def _run_pre_hooks(pre, grads_out: list) -> list:
    for fn in list(pre.values()):
        new = fn(tuple(grads_out))
        if new is not None:
            grads_out = list(new)
    return grads_out


def _run_post_hooks(hooks, grads_in, grads_out):
    for fn in list(hooks.values()):
        new = fn(tuple(grads_in), tuple(grads_out))
        if new is not None:
            grads_in = list(new)
    return grads_in


def _accumulate_leaf(node, hooks, grads_out: list, create_graph: bool, tensor_hooks_done: bool) -> None:
    """Run an accumulator: the leaf's hooks, then ``.grad += g`` (Note [Hook order])."""
    if not tensor_hooks_done:
        grads_out = _run_tensor_hooks(node, hooks, grads_out)
    if hooks is not None:
        pre = hooks.get("pre")
        if pre:
            grads_out = _run_pre_hooks(pre, grads_out)
    leaf = node.variable
    _accumulate(leaf, grads_out[0], create_graph)
    if hooks is not None:
        post = hooks.get("post")
        if post:
            _run_post_hooks(post, (), grads_out)


def _whole_view_alone(a) -> bool:
    """``a`` is a C-contiguous view of all of an array that nothing else references.

    A rule that ends in a view (``t(mm(...))`` for a linear layer's weight) gives such a
    gradient; taking it is as safe as taking an array that owns its memory.
    """
    base = a.base
    return (
        base.__class__ is _ndarray
        and base.base is None
        and a.flags.c_contiguous
        and a.nbytes == base.nbytes
        and _getrefcount(base) <= 3  # a.base, the local name and getrefcount's argument
    )


def _differentiable_copy(g):
    """A copy of ``g`` that stays in the graph; its node is PyTorch's ``CopyBackwards``."""
    from ..ops.elementwise import _copy

    return _copy(_tensor_cls()._make(np.empty_like(g._data)), g)


def _accumulate(leaf, g, create_graph: bool) -> None:
    """Add ``g`` into ``leaf.grad``, then run the leaf's post-accumulate hooks."""
    if g is None:
        return
    grad = leaf._grad
    if grad is None:
        if create_graph:
            leaf._grad = _differentiable_copy(g)  # never shared with another leaf
        elif (
            g._grad_fn is None
            and (g._extra is None or g._extra.tangent is None)  # .grad never keeps a forward-mode tangent
            and g._data.__class__ is _ndarray
            and _getrefcount(g._data) <= 2
            and _getrefcount(g) <= 3
            and (g._data.base is None or _whole_view_alone(g._data))
        ):
            # Nothing else holds this gradient (only the engine's buffer list, the argument
            # and getrefcount's own): take it without a copy, as PyTorch steals it too.
            leaf._grad = g
        else:
            leaf._grad = g.detach().clone()
    elif not create_graph and grad._data.__class__ is _ndarray and grad._data.flags.writeable:
        grad._data += g._data  # in place, like PyTorch: references to .grad see it
        grad._vc[0] += 1
    else:
        d = grad._data
        if not create_graph and any(st == 0 and n > 1 for st, n in zip(d.strides, d.shape, strict=False)):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location. Please clone() the tensor before performing the operation."
            )
        leaf._grad = grad + g
    extra = leaf._extra
    if extra is not None and extra.post_accumulate_hooks:
        for fn in list(extra.post_accumulate_hooks.values()):
            fn(leaf)
