"""Higher-level derivatives of whole functions, as ``torch.autograd.functional``.

``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp`` and ``vhp`` take a function of
Tensors and the point to differentiate at, and return plain Tensors shaped like
PyTorch's: a Tensor per (output, input) pair, nested in tuples exactly where the
function's inputs or outputs were tuples.

    >>> def f(x):
    ...     return (x ** 3).sum()
    >>> chainrule.autograd.functional.hessian(f, chainrule.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])

# Note [Double-backward trick]
``jvp`` and ``hvp`` take a Jacobian-vector product ``J v`` in reverse mode twice, as
PyTorch's ``autograd.functional`` does: ``g(u) = J^T u`` is linear in a dummy cotangent
``u``, and the gradient of ``<g(u), v>`` with respect to ``u`` is ``J v``.

# Note [Vectorized Jacobians]
``jacobian(vectorize=True)`` runs one backward pass under ``func.vmap``, its cotangents the
rows of the identity split across the outputs, instead of one pass per output element.
``strategy="forward-mode"`` (which needs ``vectorize=True``, as in PyTorch) pushes the
identity's rows through one vmapped forward-mode pass (``autograd.forward_ad``), and
``hessian(outer_jacobian_strategy="forward-mode")`` is then forward over reverse.
"""

from __future__ import annotations

from typing import Callable

from .. import _tensor
from . import grad_mode
from .engine import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# -- argument handling shared by every function ----------------------------------------


def _zeros_like(t, requires_grad: bool = False):
    from .._creation import zeros_like  # chainrule.autograd is imported before the creation ops exist

    return zeros_like(t, requires_grad=requires_grad)


def _as_tuple(value, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """Return (whether ``value`` was a tuple, ``value`` as a tuple of Tensors)."""
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for i, el in enumerate(items):
        if not isinstance(el, _tensor.Tensor):
            where = f"the value at index {i}" if was_tuple else f"the given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                f"{where} has type {type(el)}."
            )
    return was_tuple, items


def _unpack(res, was_tuple):
    """Undo ``_as_tuple``; ``was_tuple`` may be a pair (outer, inner) for nested results."""
    if isinstance(was_tuple, tuple):
        outer, inner = was_tuple
        if not inner:
            res = tuple(el[0] for el in res)
        return res if outer else res[0]
    return res if was_tuple else res[0]


def _prepare(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh Tensor objects for the inputs, so the function's own captures stay apart.

    With ``create_graph`` an input that requires grad stays connected to the caller's
    graph (through a view); otherwise it is detached.
    """
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
        for t in inputs
    )


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    """Detach results unless the caller asked for a graph through them."""
    if tensors and isinstance(tensors[0], _tensor.Tensor):
        return tensors if create_graph else tuple(t.detach() for t in tensors)
    return tuple(_finish(t, create_graph) for t in tensors)


def _check_v(v: tuple, like: tuple, like_is_tuple: bool) -> None:
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like, strict=True)):
        if a.size() != b.size():
            where = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {b.size()} but got {a.size()}.")


def _strict_check(tensors: tuple, kind: str, strict: bool) -> None:
    """In strict mode, refuse results that do not depend on the inputs (PyTorch's messages)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode."
            )
        if t.requires_grad:
            continue
        if kind == "outputs":
            raise RuntimeError(
                f"Output {i} of the user-provided function does not require gradients. The outputs must be "
                "computed in a differentiable manner from the input when running in strict mode."
            )
        if kind == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the user-provided "
                "function. This is not allowed in strict mode."
            )
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided function with "
                f"respect to input {i} is independent of the input. This is not allowed in strict mode. You "
                "should ensure that your function is twice differentiable and that the jacobian depends on "
                "the inputs (this would be violated by a linear function for example)."
            )
        raise RuntimeError(
            f"The hessian of the user-provided function with respect to input {i} is independent of the "
            "input. This is not allowed in strict mode. You should ensure that your function is thrice "
            "differentiable and that the hessian depends on the inputs."
        )


def _grad_or_none(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` that skips outputs without a graph and gives None for unused inputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs, strict=True) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gos = zip(*pairs, strict=True)
    return _grad(outs, inputs, gos, retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


_STAGE_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
    "when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
    "grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick "
    "to replace forward mode AD.",
}


def _zeros_for_none(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Replace missing gradients by zeros shaped like ``refs``, or raise in strict mode."""
    out = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STAGE_MESSAGES[stage].format(i=i))
            g = _zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if stage.startswith("double") else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. "
                "This is not allowed in strict mode when create_graph=True."
            )
        out.append(g)
    return tuple(out)


def _prepare_v(v, like: tuple, like_is_tuple: bool, fn_name: str, create_graph: bool, none_message: str):
    if v is None:
        if len(like) != 1 or like[0].nelement() != 1:
            raise RuntimeError(none_message)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _prepare(v, create_graph, need_graph=False)
    _check_v(v, like, like_is_tuple)
    return v


_V_NONE_FOR_INPUT = (
    "The vector v can only be None if the input to the user-provided function is a single Tensor with a "
    "single element."
)


# -- the public functions ----------------------------------------------------------------


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(inputs), v^T J)``: a vector-Jacobian product at ``inputs``.

    >>> out, g = chainrule.autograd.functional.vjp(lambda x: x ** 2, chainrule.tensor([1.0, 2.0]),
    ...                                            chainrule.tensor([1.0, 1.0]))
    >>> g
    tensor([2., 4.])
    """
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _strict_check(outputs, "outputs", strict)
        v = _prepare_v(
            v, outputs, outputs_tuple, "vjp", create_graph,
            "The vector v can only be None if the user-provided function returns a single Tensor with a "
            "single element.",
        )
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        res = _grad_or_none(outputs, inputs, v, create_graph=create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "back")
    return _unpack(_finish(outputs, create_graph), outputs_tuple), _unpack(_finish(res, create_graph), inputs_tuple)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(inputs), J v)``: a Jacobian-vector product (Note [Double-backward trick]).

    >>> out, t = chainrule.autograd.functional.jvp(lambda x: x ** 2, chainrule.tensor([1.0, 2.0]),
    ...                                            chainrule.tensor([1.0, 0.0]))
    >>> t
    tensor([2., 0.])
    """
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, inputs_tuple, "jvp", create_graph, _V_NONE_FOR_INPUT)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        _strict_check(outputs, "outputs", strict)
        # J^T u is linear in u, so u's value never matters; zeros keep NaN and inf out.
        dummies = tuple(_zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad_or_none(outputs, inputs, dummies, create_graph=True)
        _strict_check(grad_inputs, "grad_inputs", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        res = _grad_or_none(grad_inputs, dummies, v, create_graph=create_graph)
        res = _zeros_for_none(res, outputs, strict, create_graph, "back_trick")
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(res, create_graph), outputs_tuple),
    )


def jacobian(
    func: Callable,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """The Jacobian of ``func`` at ``inputs``: ``result[i][j]`` has shape ``out_i.shape + in_j.shape``.

    The nesting follows the arguments: a single Tensor in and out gives a single Tensor.

    >>> chainrule.autograd.functional.jacobian(lambda x: x.exp(), chainrule.zeros(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function has more '
            'outputs than inputs, "forward-mode" tends to be more performant. Otherwise, prefer to use '
            '"reverse-mode".'
        )
    if strategy == "forward-mode":
        # PyTorch's checks, in its order.
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are "
                "not supported together (yet). Please either set `create_graph=False` or "
                '`strategy="reverse-mode"`.'
            )
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are not "
                'supported together (yet). Please either set `strict=False` or `strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                "only implemented for `vectorize=True`."
            )
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        outputs_tuple, jac = _jacobian_forward(func, inputs)
        # Forward mode differentiates the caller's own inputs: the result keeps a graph
        # exactly when one of them requires grad.
        return _unpack(jac, (outputs_tuple, inputs_tuple))
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        _strict_check(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported "
                "together. Please either set `strict=False` or `vectorize=False`."
            )
        if vectorize:
            jac = _jacobian_vectorized(outputs, inputs, create_graph)
        else:
            jac = tuple(_jacobian_rows(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
    jac = _finish(jac, create_graph)
    return _unpack(jac, (outputs_tuple, inputs_tuple))


def _empty_jacobian(outputs: tuple, inputs: tuple) -> tuple:
    from .._creation import zeros

    return tuple(
        tuple(zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype) for x in inputs) for o in outputs
    )


def _split_rows(per_input: tuple, outputs: tuple, inputs: tuple) -> tuple:
    """``per_input[j]`` shaped ``(N, *in_j)``, N running over all output elements, as jac[i][j]."""
    result, off = [], 0
    for o in outputs:
        k = o.nelement()
        result.append(tuple(
            g.narrow(0, off, k).reshape(tuple(o.shape) + tuple(x.shape)) for g, x in zip(per_input, inputs, strict=True)
        ))
        off += k
    return tuple(result)


def _jacobian_vectorized(outputs: tuple, inputs: tuple, create_graph: bool) -> tuple:
    """Every row of the Jacobian in one vmapped backward pass (Note [Vectorized Jacobians])."""
    from ..func import vmap
    from ..func._api import _basis

    flat = tuple(o.reshape(-1) for o in outputs)
    n, basis = _basis(list(flat))
    if n == 0:
        return _empty_jacobian(outputs, inputs)

    def vjp_rows(*grad_outputs):
        grads = _grad_or_none(flat, inputs, grad_outputs, create_graph=create_graph, retain_graph=True)
        return tuple(g if g is not None else _zeros_like(x) for g, x in zip(grads, inputs, strict=True))

    return _split_rows(vmap(vjp_rows)(*basis), outputs, inputs)


def _jacobian_forward(func: Callable, inputs: tuple) -> tuple:
    """``(outputs were a tuple, Jacobian)`` from one vmapped forward-mode pass (Note [Vectorized Jacobians])."""
    from ..func import _vmap, vmap
    from ..func._api import _basis
    from . import forward_ad

    n, tangents = _basis(list(inputs))
    info: list = []
    if n == 0:
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        return outputs_tuple, _empty_jacobian(outputs, inputs)

    def jvp_columns(*us):
        with forward_ad.dual_level():
            duals = tuple(forward_ad.make_dual(x, u) for x, u in zip(inputs, us, strict=True))
            for u in us:  # make_dual read only the batched tangents' dtypes, not their values
                _vmap._forget(u)
            outputs_tuple, outputs = _as_tuple(func(*duals), "outputs of the user-provided function", "jacobian")
            columns, primals = [], []
            for o in outputs:
                primal, tangent = forward_ad.unpack_dual(o)
                primals.append(primal)
                columns.append(tangent if tangent is not None else _zeros_like(primal))
            info[:] = [outputs_tuple, primals]
            return tuple(columns)

    per_output = vmap(jvp_columns)(*tangents)  # each (N, *out_i): N runs over the input elements
    outputs_tuple, primals = info
    jac = []
    for col, o in zip(per_output, primals, strict=True):
        moved = col.movedim(0, -1)  # (*out_i, N)
        row, off = [], 0
        for x in inputs:
            k = x.nelement()
            row.append(moved.narrow(-1, off, k).reshape(tuple(o.shape) + tuple(x.shape)))
            off += k
        jac.append(tuple(row))
    return outputs_tuple, tuple(jac)


def _jacobian_rows(i: int, out: "_tensor.Tensor", inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """The Jacobians of one output with respect to every input, one backward pass per element."""
    rows = tuple([] for _ in inputs)
    flat = out.reshape(-1)
    for k in range(out.nelement()):
        grads = _grad_or_none((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
        for j, (g, inp) in enumerate(zip(grads, inputs, strict=True)):
            if g is None:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input {j}. "
                        "This is not allowed in strict mode."
                    )
                g = _zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            rows[j].append(g)
    from .._creation import zeros
    from ..ops.movement import stack

    return tuple(
        (stack(r, 0) if r else zeros((0,) + tuple(inp.shape), dtype=inp.dtype)).view(
            tuple(out.shape) + tuple(inp.shape)
        )
        for r, inp in zip(rows, inputs, strict=True)
    )


def hessian(
    func: Callable,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """The Hessian of a scalar ``func`` at ``inputs``: ``result[i][j]`` has shape ``in_i.shape + in_j.shape``.

    >>> chainrule.autograd.functional.hessian(lambda x: (x ** 3).sum(), chainrule.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _strict_check(outs, "outputs", strict)
        if out_tuple or not isinstance(out, _tensor.Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.reshape(())  # one element (checked above); under vmap a reshape batches, squeeze() may not

    def gradient(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(scalar_func, inp, create_graph=True)
        _strict_check(jac, "jacobian", strict)
        return jac

    if outer_jacobian_strategy == "forward-mode":
        # PyTorch's forward-over-reverse marks the inputs as requiring grad, so its
        # Hessian keeps a graph; do the same on copies (the caller's tensors stay as they are).
        inputs = tuple(t if t.requires_grad else t.detach().requires_grad_(True) for t in inputs)
    res = jacobian(
        gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return _unpack(res, (inputs_tuple, inputs_tuple))


def _scalar_output(func, inputs, fn_name: str, strict: bool) -> tuple:
    outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _strict_check(outputs, "outputs", strict)
    if outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    return outputs


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(inputs), v^T H)`` for a scalar ``func``: a vector-Hessian product.

    >>> out, r = chainrule.autograd.functional.vhp(lambda x: (x ** 3).sum(), chainrule.tensor([1.0, 2.0]),
    ...                                            chainrule.tensor([1.0, 1.0]))
    >>> r
    tensor([ 6., 12.])
    """
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, inputs_tuple, "vhp", create_graph, _V_NONE_FOR_INPUT)
        outputs = _scalar_output(func, inputs, "vhp", strict)
        jac = _grad_or_none(outputs, inputs, create_graph=True)
        _strict_check(jac, "jacobian", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        res = _grad_or_none(jac, inputs, v, create_graph=create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "double_back")
    return _finish(outputs, create_graph)[0], _unpack(_finish(res, create_graph), inputs_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """Return ``(func(inputs), H v)`` for a scalar ``func`` (Note [Double-backward trick]).

    >>> out, r = chainrule.autograd.functional.hvp(lambda x: (x ** 3).sum(), chainrule.tensor([1.0, 2.0]),
    ...                                            chainrule.tensor([1.0, 1.0]))
    >>> r
    tensor([ 6., 12.])
    """
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, inputs_tuple, "hvp", create_graph, _V_NONE_FOR_INPUT)
        outputs = _scalar_output(func, inputs, "hvp", strict)
        jac = _grad_or_none(outputs, inputs, create_graph=True)
        _strict_check(jac, "jacobian", strict)
        dummies = tuple(_zeros_like(t, requires_grad=True) for t in inputs)
        double_back = _grad_or_none(jac, inputs, dummies, create_graph=True)
        _strict_check(jac, "hessian", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        res = _grad_or_none(double_back, dummies, v, create_graph=create_graph)
        res = _zeros_for_none(res, inputs, strict, create_graph, "double_back_trick")
    return _finish(outputs, create_graph)[0], _unpack(_finish(res, create_graph), inputs_tuple)
