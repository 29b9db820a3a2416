"""Custom differentiable functions: subclass ``Function`` with ``forward`` and ``backward``.

    class MyReLU(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

``MyReLU.apply(x)`` runs ``forward`` with grad mode off and gives its outputs a node,
``MyReLUBackward``, that is also the ``ctx`` (as in PyTorch). ``backward`` runs with grad
mode set to ``create_graph``, so a backward written with chainrule ops is itself
differentiable.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .. import _tensor
from . import grad_mode, saved_hooks
from .graph import Node, saved_tensors_freed_error

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``forward``/``setup_context`` may record for ``backward``."""

    def save_for_backward(self, *tensors: "_tensor.Tensor | None") -> None:
        """Save tensors for ``backward``; they are checked for in-place changes when unpacked."""
        for t in tensors:
            if t is not None and not isinstance(t, _tensor.Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{tensors.index(t)} is of type {type(t).__name__}"
                )
        self._to_save = tensors

    def save_for_forward(self, *tensors: "_tensor.Tensor | None") -> None:
        """Save tensors for ``jvp``, which reads them as ``ctx.saved_tensors`` (forward-mode AD)."""
        for t in tensors:
            if t is not None and not isinstance(t, _tensor.Tensor):
                raise TypeError(
                    "save_for_forward expects all arguments to be tensors; but got an object of type "
                    f"{type(t).__name__}."
                )
        self._saved_for_forward = tensors

    def mark_dirty(self, *tensors: "_tensor.Tensor") -> None:
        """Declare inputs that ``forward`` modified in place (they must be returned)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: "_tensor.Tensor") -> None:
        """Declare outputs that have no gradient (e.g. indices)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` sees zeros (True, the default) or None for unused outputs."""
        self._materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node of one ``Function.apply`` call; it is also that call's ``ctx``."""

    _function: type

    def __init__(self) -> None:
        Node.__init__(self, ())
        self._to_save = ()
        self._saved = None
        self._dirty = ()
        self._non_differentiable = ()
        self._materialize_grads = True
        self._meta = None
        self._out_meta = ()
        self.needs_input_grad = ()

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        if getattr(self, "_in_jvp", False):  # inside jvp: what save_for_forward saved
            return tuple(getattr(self, "_saved_for_forward", ()))
        if self._saved is None:
            if self._freed:
                raise saved_tensors_freed_error()
            return tuple(self._to_save)  # still inside forward
        out = []
        for i, item in enumerate(self._saved):
            if item is None:
                out.append(None)
                continue
            kind, t, version = item
            if kind == "packed":  # saved through saved_tensors_hooks: no version check, as in PyTorch
                t = saved_hooks.unpack_function_saved(self, t)
            elif kind == "output":
                data, counter, nr = t
                if counter[0] != version:
                    from ._inplace import modified_error

                    raise modified_error(None, nr, self, version, counter[0], data.shape, data.dtype, counter)
                t = _tensor.Tensor._make(data)
                t._vc, t._grad_fn, t._output_nr, t._requires_grad = counter, self, nr, True
            elif t._vc[0] != version:
                from ._inplace import modified_error

                raise modified_error(t, i, self, version)
            out.append(t)
        return tuple(out)

    @property
    def saved_variables(self) -> tuple:
        """The old name of ``saved_tensors``."""
        return self.saved_tensors

    def apply(self, grads, needs):
        """Run the Function's ``backward`` on the outputs' gradients (called by the engine)."""
        from .._creation import zeros

        grads = list(grads) + [None] * (len(self._out_meta) - len(grads))
        if self._materialize_grads:
            grads = [
                zeros(m[0], dtype=m[1]) if g is None and m is not None else g
                for g, m in zip(grads, self._out_meta, strict=False)
            ]
        result = self._function.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._edges)
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n}, got {len(result)})"
                )
        for i, (g, m) in enumerate(zip(result, self._meta, strict=False)):
            if g is None:
                continue
            if m is None:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at position "
                    f"{i + 1}, but the corresponding forward input was not a Variable"
                )
            if not isinstance(g, _tensor.Tensor):
                raise TypeError(
                    f"function {self.name()} returned a {type(g).__name__} as gradient {i}; "
                    "gradients must be Tensors or None"
                )
            _check_grad_shape(self, i, g, m[0])
        return [g if need else None for g, need in zip(result, needs, strict=False)]

    def _release(self) -> None:
        self._freed = True
        self._saved = None


def _check_grad_shape(node, i: int, g: "_tensor.Tensor", shape: tuple) -> None:
    gs = g._data.shape
    if gs == shape:
        return
    # A gradient that broadcasts to the input's shape is summed back by the engine.
    ok = len(gs) >= len(shape) and all(s == t or s == 1 for s, t in zip(shape[::-1], gs[::-1], strict=False))
    if not ok:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {i} - got "
            f"{list(gs)} but expected shape compatible with {list(shape)}"
        )


class _FunctionMeta(type):
    """Gives each Function subclass its own node class, named like PyTorch's."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_function": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations; call them with ``.apply``."""

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """Compute the outputs (``forward(ctx, *args)``, or ``forward(*args)`` with ``setup_context``)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> Any:
        """Save what ``backward``/``jvp`` need, given the inputs and outputs of ``forward``."""
        return _SETUP_CONTEXT_NOT_OVERRIDDEN

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """The gradients of the inputs, given those of the outputs (reverse mode)."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function "
            "to use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx: FunctionCtx, *grad_inputs: Any) -> Any:
        """The tangents of the outputs, given those of the inputs (forward mode; tensor inputs
        without a tangent get zeros, other arguments None); reads ``ctx.save_for_forward``'s
        tensors as ``ctx.saved_tensors``."""
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all static, so you "
            "should invoke them on the class itself. Instantiating an autograd function will raise an error in a "
            "future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
            "autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and connect its outputs to the graph."""
        ctx = cls._backward_cls()
        recording = grad_mode.GRAD_ENABLED.get()
        ctx.needs_input_grad = tuple(
            isinstance(a, _tensor.Tensor) and a._requires_grad and recording for a in args
        )
        new_style = cls.setup_context is not Function.setup_context
        tangents = _input_tangents(args)
        with grad_mode.no_grad(), _forward_ad_hidden(tangents):
            if new_style:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not any(ctx.needs_input_grad):
            _mark_dirty_without_graph(ctx)
        else:
            if apply_hook is not None:  # autograd.verify_gradients keeps the inputs to check backward on
                apply_hook(ctx, args, kwargs)
            outputs = _connect(ctx, args, outputs)
        if tangents is not None:
            _forward_mode(cls, ctx, args, tangents, outputs)
        return outputs


# Set by autograd.verify_gradients while active: called as apply_hook(ctx, args, kwargs).
apply_hook = None


_SETUP_CONTEXT_NOT_OVERRIDDEN = object()


def _input_tangents(args: tuple) -> list | None:
    """Each argument's tangent (None where it has none), or None outside forward-mode AD."""
    from . import forward_ad

    if not forward_ad.active():
        return None
    tangents = [forward_ad.get_tangent(a) if isinstance(a, _tensor.Tensor) else None for a in args]
    return tangents if any(t is not None for t in tangents) else None


class _forward_ad_hidden:
    """``forward`` sees its inputs without tangents and records none (as in PyTorch)."""

    def __init__(self, tangents) -> None:
        self.on = tangents is not None

    def __enter__(self):
        if self.on:
            from . import forward_ad

            self.inner = forward_ad._without_tangents()
            self.inner.__enter__()

    def __exit__(self, *exc):
        if self.on:
            self.inner.__exit__(*exc)


def _forward_mode(cls, ctx, args: tuple, tangents: list, outputs: Any) -> None:
    """Give the outputs of ``cls.apply`` the tangents its ``jvp`` computes."""
    from . import forward_ad

    if cls.jvp is Function.jvp:
        Function.jvp(ctx)  # raises PyTorch's NotImplementedError
    # Tensor inputs without a tangent get zeros, other arguments None (as in PyTorch).
    grads = [
        t if t is not None else (_zeros_like(a) if isinstance(a, _tensor.Tensor) else None)
        for a, t in zip(args, tangents, strict=True)
    ]
    ctx._in_jvp = True
    try:
        with forward_ad._without_tangents():
            result = cls.jvp(ctx, *grads)
    finally:
        ctx._in_jvp = False
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    results = (result,) if not isinstance(result, tuple) else result
    if len(results) != len(outs):
        raise RuntimeError(
            f"Function's jvp returned an invalid number of forward gradients (expected {len(outs)} but got "
            f"{len(results)})"
        )
    for out, tangent in zip(outs, results, strict=True):
        if tangent is None or not isinstance(out, _tensor.Tensor) or out._data.dtype.kind not in "fc":
            continue
        if not isinstance(tangent, _tensor.Tensor):
            raise TypeError(f"Function's jvp returned a {type(tangent).__name__} as a forward gradient; "
                            "forward gradients must be Tensors or None")
        if tuple(tangent.shape) != tuple(out.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the original Tensor, "
                f"this is not supported. Tensor is of size {list(out.shape)} while the given forward gradient is "
                f"of size {list(tangent.shape)}."
            )
        forward_ad.set_tangent(out, tangent)


def _zeros_like(t):
    from .._creation import zeros_like

    return zeros_like(t)


def _mark_dirty_without_graph(ctx) -> None:
    from ._inplace import bump

    for t in ctx._dirty:
        bump(t._vc, ctx.name())


def _connect(ctx: BackwardCFunction, args: tuple, outputs: Any) -> Any:
    """Give the outputs ``ctx`` as grad_fn and record what backward needs."""
    from ._inplace import bump

    ctx._edges = tuple(
        a._edge() if isinstance(a, _tensor.Tensor) and a._requires_grad else (None, 0) for a in args
    )
    ctx._meta = [(a._data.shape, a._data.dtype) if isinstance(a, _tensor.Tensor) else None for a in args]
    # Numbered after its inputs' nodes (a leaf's accumulator may have just been made above):
    # the engine relies on nodes being numbered after their inputs' (Note [Execution order]).
    ctx._seq = next(ctx._sequence)
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    inputs_by_id = {id(a) for a in args if isinstance(a, _tensor.Tensor)}
    wrapped = []
    for nr, out in enumerate(outs):
        if not isinstance(out, _tensor.Tensor):
            wrapped.append(out)
            continue
        if id(out) in dirty:
            if out._requires_grad and out._grad_fn is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad has been used in an in-place operation."
                )
            bump(out._vc, ctx.name())
        elif id(out) in inputs_by_id:
            # An input returned unchanged becomes a new tensor sharing its data.
            out = out.detach()
        if id(out) in non_diff or out._data.dtype.kind not in "fc":
            out._requires_grad = False
        else:
            out._grad_fn, out._output_nr, out._requires_grad = ctx, nr, True
        wrapped.append(out)
    ctx._out_meta = tuple(
        (o._data.shape, o.dtype) if isinstance(o, _tensor.Tensor) else None for o in wrapped
    )
    # Saved outputs are kept as arrays: a Tensor here would point back at ctx (a cycle).
    out_ids = {id(o): nr for nr, o in enumerate(wrapped) if isinstance(o, _tensor.Tensor)}
    saved = []
    for t in ctx._to_save:
        if t is None:
            saved.append(None)
        elif id(t) in out_ids:
            saved.append(("output", (t._data, t._vc, out_ids[id(t)]), t._vc[0]))
        else:
            saved.append(("input", t, t._vc[0]))
    ctx._saved = tuple(saved)
    if saved_hooks.extras_on:  # saved-tensor hooks or anomaly mode (Note [Extras on the recording path])
        ctx._saved = saved_hooks.pack_function_saved(ctx, ctx._saved, wrapped)
    ctx._to_save = ()
    return wrapped[0] if single else tuple(wrapped)


def once_differentiable(fn: Callable) -> Callable:
    """Decorate a ``backward`` that is not itself differentiable: it runs without a graph."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)

    return wrapper
