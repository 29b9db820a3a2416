"""How a primitive op and its derivative rules are declared, and how a call is recorded.

A primitive is a NumPy kernel (arrays in, array out) plus one VJP rule per input
(Tensors in, Tensors out), declared side by side::

    @primitive("ExpBackward0", save_result=True)
    def exp(x):
        return np.exp(x)

    defvjp(exp, lambda grad, result, x: grad * result)

A rule receives the output's gradient, the op's result, then the op's inputs and its
keyword parameters. Rules are written with chainrule ops, so when the engine runs them
with grad mode on (``create_graph=True``) they record a graph of their own: gradients of
any order come for free. Inputs or results a primitive does not declare as saved reach
its rules as ``Meta`` stand-ins that know only ``shape``, ``dtype`` and ``ndim``.

``PRIMITIVES`` lists every primitive; the op-registry tests check each has an entry.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _dtype
from ..autograd.grad_mode import GRAD_ENABLED
from ..autograd.graph import Node, saved_tensors_freed_error
from ..autograd.saved_hooks import Packed
from ..autograd.saved_hooks import on_record as _on_record

__all__ = ["primitive", "defvjp", "Primitive", "PRIMITIVES", "Meta"]

PRIMITIVES: list["Primitive"] = []
_grad_enabled = GRAD_ENABLED.get
Tensor = None  # set by chainrule._tensor once the class exists (breaks the import cycle)
_refresh_view = None  # set by chainrule._tensor: ops.movement.refresh_view
_DIFFERENTIABLE_KINDS = frozenset("fc")  # float and complex arrays carry gradients
_extras_on = False  # set by autograd.saved_hooks.refresh_extras
# While vmap or forward-mode AD is active, every recorded call detours through this
# function (chainrule._transforms.record_transformed; Note [Transforms] there).
_transform: Callable | None = None


class Meta:
    """What a rule may know about an input that was not saved: its shape and dtype."""

    __slots__ = ("shape", "_np_dtype")

    def __init__(self, shape: tuple, np_dtype) -> None:
        self.shape = shape
        self._np_dtype = np_dtype

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self._np_dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return len(self.shape)


class Primitive:
    """An op with a NumPy kernel and VJP rules; see the module docstring."""

    __slots__ = ("name", "kernel", "vjps", "node_cls", "save_inputs", "save_result", "half", "__dict__")

    def __init__(self, node_name: str, kernel: Callable, save_inputs: bool, save_result: bool,
                 half: bool | None = True):
        self.name = kernel.__name__
        self.kernel = kernel
        self.vjps: tuple = ()
        self.save_inputs = save_inputs
        self.save_result = save_result
        self.half = half
        # One Node class per primitive, named as PyTorch names it (users print grad_fn).
        self.node_cls = type(node_name, (PrimitiveNode,), {"__slots__": (), "prim": self})
        self.__doc__ = kernel.__doc__

    def __call__(self, *args, **params):
        """Run the kernel on the arrays of ``args`` and record a node if a gradient is needed."""
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        return record(self, self.kernel(*arrays, **params), args, params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def primitive(node_name: str, *, save_inputs: bool = True, save_result: bool = False, half: bool | None = True):
    """Declare a NumPy kernel as a primitive op whose backward node is called ``node_name``.

    ``half=False`` declares that the op refuses float16 inputs, as PyTorch's CPU kernel does
    (LAPACK has no half precision); ``half=None`` that it takes no floating-point input.
    ``ops.capabilities()`` reports it; tests/test_float16.py checks it.
    """

    def declare(kernel: Callable) -> Primitive:
        prim = Primitive(node_name, kernel, save_inputs, save_result, half)
        PRIMITIVES.append(prim)
        return prim

    return declare


def defvjp(prim: Primitive, *rules: Callable | None) -> None:
    """Give ``prim`` one VJP rule per input (None for an input that is never differentiable)."""
    prim.vjps = rules


_new = object.__new__
_NO_EDGE = (None, 0)
_sequence = Node._sequence


def record(prim: Primitive, out: np.ndarray, args: tuple, params: dict | None, plain: bool = False):
    """Wrap ``out`` in a Tensor and, when some input needs a gradient, attach a node.

    This runs once per op call, so it is written flat: no helper calls on the way.
    ``plain=True`` skips the vmap / forward-AD detour (the detour itself passes it).
    """
    if _transform is not None and not plain:
        return _transform(prim, out, args, params)
    result = _new(Tensor)
    result._data = out
    result._grad_fn = None
    result._requires_grad = False
    result._vc = [0, None]
    if not _grad_enabled() or out.dtype.kind not in _DIFFERENTIABLE_KINDS:
        return result
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            break
    else:
        for a in args:  # a view whose base gained a history after it was made (Note [Views] in movement.py)
            if isinstance(a, Tensor) and a._extra is not None and a._extra.base is not None:
                _refresh_view(a)
                if a._requires_grad:
                    break
        else:
            return result

    node = _new(prim.node_cls)
    edges = []
    versions = [] if prim.save_inputs else None
    same_meta = True  # every tensor input has the output's shape and dtype
    shape, dt = out.shape, out.dtype
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            if same_meta and (d.shape != shape or d.dtype is not dt):
                same_meta = False
            if a._requires_grad:
                if a._extra is not None and a._extra.base is not None:
                    _refresh_view(a)  # its base may have a new history (Note [Views] in movement.py)
                gf = a._grad_fn
                edges.append((gf, a._output_nr) if gf is not None else (a._accumulator(), 0))
            else:
                edges.append(_NO_EDGE)
            if versions is not None:
                versions.append(a._vc[0])
        else:
            edges.append(_NO_EDGE)
            if versions is not None:
                versions.append(None)
    node._edges = edges
    node._seq = next(_sequence)
    node._hooks = None
    node._freed = False
    node._params = params
    node._meta = None if same_meta else _input_meta(args)
    node._args = args if versions is not None else None
    node._versions = versions
    # Keep the result's array, not the Tensor: the Tensor points at this node (a cycle).
    node._result = (out, result._vc, 0) if prim.save_result else None
    result._grad_fn = node
    result._requires_grad = True
    if _extras_on:  # saved-tensor hooks or anomaly mode (Note [Extras on the recording path] in autograd/saved_hooks.py)
        _on_record(node, result)
    return result


def _input_meta(args: tuple) -> list:
    """Each tensor input's (shape, dtype): what the engine reduces a gradient to."""
    return [(a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None for a in args]


class PrimitiveNode(Node):
    """The backward node of one call of a primitive: runs its VJP rules.

    Built by ``record`` (not by ``__init__``). ``_meta`` holds each input's
    ``(shape, dtype)``, or is None when they all equal the output's; the engine uses it
    to reduce broadcast gradients.
    """

    __slots__ = ("_meta", "_args", "_versions", "_params", "_result")
    prim: Primitive

    def _unpack_args(self, grad) -> list:
        args = self._args
        if args is None:
            meta = self._meta
            if meta is None:  # inputs look like the output, hence like its gradient
                # (a vmap BatchedTensor's shape comes from its sample, not a read of its values)
                d = grad._data if grad.__class__ is Tensor else getattr(grad, "_rep", None)
                if d is None:
                    d = grad._data
                return [Meta(d.shape, d.dtype)] * len(self._edges)
            return [Meta(*m) if m is not None else None for m in meta]
        if args.__class__ is Packed:  # saved through saved_tensors_hooks: no version check, as in PyTorch
            return args.unpack_args()
        i = 0
        for v in self._versions:
            if v is not None and args[i]._vc[0] != v:
                raise _modified_error(args[i], i, self, v)
            i += 1
        return args

    def _unpack_result(self):
        if self._result.__class__ is Packed:  # saved through saved_tensors_hooks
            return self._result.unpack_result(self)
        data, version, saved = self._result
        if version[0] != saved:
            raise _modified_error(None, 0, self, saved, current=version[0], shape=data.shape, dtype=data.dtype)
        t = _new(Tensor)
        t._data = data
        t._grad_fn = self
        t._requires_grad = True
        t._vc = version
        if _transform is not None:  # forward over reverse: the saved result keeps its tangent
            from ..autograd import forward_ad

            tangent = forward_ad.saved_result_tangent(self)
            if tangent is not None:
                forward_ad.set_tangent(t, tangent)
        return t

    def apply(self, grads, needs):
        prim = self.prim
        if self._freed and (prim.save_inputs or prim.save_result):
            raise saved_tensors_freed_error()
        grad = grads[0]
        args = self._unpack_args(grad)
        result = None if self._result is None else self._unpack_result()
        params = self._params
        vjps = prim.vjps
        n = len(vjps)
        if n == 1:  # unary and binary ops, the common cases, without a loop
            if not needs[0]:
                return [None]
            return [vjps[0](grad, result, *args, **params) if params else vjps[0](grad, result, *args)]
        if n == 2 and not params:
            return [
                vjps[0](grad, result, *args) if needs[0] else None,
                vjps[1](grad, result, *args) if needs[1] else None,
            ]
        if params:
            return [rule(grad, result, *args, **params) if need else None for rule, need in zip(vjps, needs, strict=False)]
        return [rule(grad, result, *args) if need else None for rule, need in zip(vjps, needs, strict=False)]

    def _release(self) -> None:
        self._freed = True
        self._args = self._result = None


def _modified_error(t, index, node, expected, current=None, shape=None, dtype=None) -> RuntimeError:
    from ..autograd import _inplace

    return _inplace.modified_error(t, index, node, expected, current, shape, dtype)
