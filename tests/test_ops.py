"""Every op in the registry (tests/opinfo.py) against PyTorch, the oracle.

For each entry and sample: forward values, dtypes and requires_grad; gradients with random
cotangents; gradcheck and gradgradcheck in float64 (chainrule's own); second derivatives
against torch's for a subset; grad_fn names; the dtype promotion matrix of binary ops;
error types for invalid arguments; and coverage of every primitive and public op.
"""

from __future__ import annotations

import builtins
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import chainrule.ops  # noqa: E402
from chainrule.autograd import gradcheck, gradgradcheck  # noqa: E402
from chainrule.ops._registry import PRIMITIVES  # noqa: E402

from opinfo import ERRORS, OPS, Sample, instantiate, prim_key, substitute  # noqa: E402

# Samples with NaN and infinities make NumPy warn (PyTorch is silent; reported), and torch
# warns about x.T on tensors that are not matrices.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:.*(x|Tensor)\\.T.*deprecated:UserWarning"),
]

FLOATS = ("float32", "float64")
DIFF_OPS = [op for op in OPS if op.differentiable]


def _params(entries, *extra):
    """pytest params over entries (times each tuple in ``extra``), with readable ids."""
    out = []
    for op in entries:
        if not extra:
            out.append(pytest.param(op, id=op.name))
        for e in extra:
            out.append(pytest.param(op, e, id=f"{op.name}-{e}"))
    return out


def _skip(op, test: str) -> None:
    reason = op.skips.get(test)
    if reason:
        pytest.skip(reason)


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(map(str, key)).encode()))


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _run(mod, op, sample: Sample, requires_grad: bool = True):
    args, kwargs, leaves = instantiate(mod, sample, requires_grad and op.differentiable)
    return op.op(mod, *args, **kwargs), args, kwargs, leaves


def _np(t) -> np.ndarray:
    if isinstance(t, torch.Tensor) and t._is_zerotensor():  # torch's symbolic zeros (abs'')
        return np.zeros(tuple(t.shape), dtype=_torch_np_dtype(t))
    return t.detach().numpy()


def _assert_close(ours, theirs, rtol, atol, what: str, zero_signs: bool = False) -> None:
    """One value of ours against torch's: type, dtype, shape and values.

    ``rtol``/``atol`` are numbers, or dicts by float dtype name (picked by torch's result).
    """
    if isinstance(theirs, torch.Tensor):
        if isinstance(rtol, dict):
            key = "float64" if theirs.dtype in (torch.float64, torch.complex128) else "float32"
            rtol, atol = rtol[key], atol[key]
        assert isinstance(ours, chainrule.Tensor), f"{what}: expected a Tensor, got {type(ours).__name__}"
        assert str(ours.dtype) == str(theirs.dtype), f"{what}: dtype {ours.dtype} != torch's {theirs.dtype}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        a, b = _np(ours), _np(theirs)
        if b.dtype.kind in "fc":
            if b.dtype == np.float16:
                rtol, atol = max(rtol, 1e-3), max(atol, 1e-3)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
            if zero_signs:  # -0.0 prints as "-0."
                zeros = (a == 0) & (b == 0)
                np.testing.assert_array_equal(np.signbit(a[zeros]), np.signbit(b[zeros]), err_msg=f"{what}: signs of zeros")
        else:
            np.testing.assert_array_equal(a, b, err_msg=what)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{what}: {ours!r} vs {theirs!r}"
        for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
            _assert_close(o, t, rtol, atol, f"{what}[{i}]", zero_signs)
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{what}: {ours!r} != torch's {theirs!r}"


class _Failures:
    """Collects the failures of each sample so that one run reports them all."""

    def __init__(self) -> None:
        self.messages = []

    def run(self, what: str, fn, *args) -> None:
        try:
            fn(*args)
        except pytest.skip.Exception:
            raise
        except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001 - reported below
            first = str(exc).strip().splitlines()
            self.messages.append(f"{what}: {type(exc).__name__}: {' | '.join(first[:6])}")

    def check(self) -> None:
        if self.messages:
            pytest.fail("\n".join(self.messages), pytrace=False)


def _samples(op, dtype: str) -> list:
    return op.int_sample_inputs() if dtype == "int" else op.sample_inputs(dtype)


# -- forward ------------------------------------------------------------------------------------


def _forward_params():
    out = []
    for op in OPS:
        dtypes = list(FLOATS) if op.sample_inputs("float64") else []
        if op.int_samples is not None:
            dtypes.append("int")
        out += _params([op], *dtypes)
    return out


@pytest.mark.parametrize("op, dtype", _forward_params())
@pytest.mark.parametrize("requires_grad", [True, False], ids=["grad", "nograd"])
def test_forward_matches_torch(op, dtype, requires_grad):
    """Values, dtypes, shapes, requires_grad and aliasing of every sample's result."""
    _skip(op, "forward")
    failures = _Failures()
    for sample in _samples(op, dtype):
        failures.run(f"{op.name}({sample.desc})", _check_forward, op, sample, requires_grad, op.rtol, op.atol)
    failures.check()


def _check_forward(op, sample, requires_grad, rtol, atol):
    try:
        theirs, targs, tkwargs, _ = _run(torch, op, sample, requires_grad)
    except Exception as exc:  # noqa: BLE001 - torch refuses this input: so must chainrule
        _assert_raises_like(exc, lambda: _run(chainrule, op, sample, requires_grad))
        return
    ours, oargs, okwargs, _ = _run(chainrule, op, sample, requires_grad)
    _assert_close(ours, theirs, rtol, atol, "result", zero_signs=True)
    t_inputs = list(targs) + list(tkwargs.values())
    o_inputs = list(oargs) + list(okwargs.values())
    for i, (o, t) in enumerate(zip(_outputs(ours), _outputs(theirs), strict=True)):
        if isinstance(t, torch.Tensor):
            assert o.requires_grad == t.requires_grad, f"output {i} requires_grad: torch's is {t.requires_grad}"
            assert o.is_leaf == t.is_leaf, f"output {i} is_leaf: torch's is {t.is_leaf}"
            aliases = [any(t is x for x in t_inputs), any(o is x for x in o_inputs)]
            assert aliases[0] == aliases[1], f"output {i} is an input: {aliases[1]}, in torch: {aliases[0]}"


def _assert_raises_like(theirs: BaseException, fn) -> None:
    try:
        fn()
    except Exception as ours:  # noqa: BLE001
        assert _builtin_base(ours) is _builtin_base(theirs), (
            f"raised {type(ours).__name__}({ours}); torch raises {type(theirs).__name__}({theirs})"
        )
        return
    raise AssertionError(f"torch raises {type(theirs).__name__}({theirs}); chainrule does not")


def _promotion_operands():
    """(name, value) pairs: tensors of each dtype, 0-d tensors, Python numbers."""
    out = [(d, ("t", d)) for d in ("bool", "uint8", "int32", "int64", "float32", "float64")]
    out += [(f"0-d {d}", ("0", d)) for d in ("bool", "int64", "float32", "float64")]
    out += [("int 2", 2), ("float 2.5", 2.5), ("True", True)]
    return out


def _promotion_value(mod, spec, values):
    if not isinstance(spec, tuple):
        return spec
    kind, d = spec
    arr = np.array([True, True]) if d == "bool" else np.arange(*values)[:2].astype(d)
    if kind == "0":
        arr = arr[0]
    return mod.tensor(arr)


@pytest.mark.parametrize("op", _params([op for op in OPS if op.promotion]))
def test_binary_promotion_matches_torch(op):
    """Every pairing of dtypes, 0-d tensors and Python numbers: result dtype, value or error."""
    _skip(op, "promotion")
    operands = _promotion_operands()
    failures = []
    for lname, lhs in operands:
        for rname, rhs in operands:
            if not isinstance(lhs, tuple) and not isinstance(rhs, tuple):
                continue
            what = f"{op.name}({lname}, {rname})"
            try:
                theirs = op.op(torch, _promotion_value(torch, lhs, op.promotion_values),
                               _promotion_value(torch, rhs, op.promotion_values))
            except Exception as exc:  # noqa: BLE001 - the oracle decides what is an error
                try:
                    op.op(chainrule, _promotion_value(chainrule, lhs, op.promotion_values),
                          _promotion_value(chainrule, rhs, op.promotion_values))
                    failures.append(f"{what}: torch raises {type(exc).__name__}, chainrule does not")
                except Exception as ours:  # noqa: BLE001
                    if _builtin_base(ours) is not _builtin_base(exc):
                        failures.append(f"{what}: {type(ours).__name__} instead of {type(exc).__name__}")
                continue
            try:
                ours = op.op(chainrule, _promotion_value(chainrule, lhs, op.promotion_values),
                             _promotion_value(chainrule, rhs, op.promotion_values))
                _assert_close(ours, theirs, 1e-6, 1e-6, what)
            except Exception as exc:  # noqa: BLE001 - collect all mismatches
                failures.append(f"{what}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    assert not failures, "\n".join(failures)


# -- first derivatives ----------------------------------------------------------------------------


def _cotangents(outs, dtype_of, rng) -> list:
    return [np.asarray(rng.standard_normal(tuple(o.shape)), dtype=dtype_of(o)) for o in outs]


def _torch_np_dtype(t) -> np.dtype:
    return torch.empty(0, dtype=t.dtype).numpy().dtype


def _grad_outputs(ours, theirs):
    """The pairs of outputs that torch differentiates."""
    pairs = [(o, t) for o, t in zip(_outputs(ours), _outputs(theirs), strict=True) if isinstance(t, torch.Tensor) and t.requires_grad]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _assert_grads_close(ours, theirs, rtol, atol, what) -> None:
    assert len(ours) == len(theirs)
    for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
        if t is None:
            assert o is None, f"{what}: input {i} has a gradient, torch's is None"
            continue
        assert o is not None, f"{what}: input {i} has no gradient, torch's is {t}"
        _assert_close(o, t, rtol, atol, f"{what}: gradient of input {i}")


@pytest.mark.parametrize("op, dtype", _params(DIFF_OPS, *FLOATS))
def test_gradients_match_torch(op, dtype):
    """out.backward(random cotangent) in both libraries: every input's .grad agrees."""
    _skip(op, "grad")
    failures = _Failures()
    for k, sample in enumerate(op.sample_inputs(dtype)):
        failures.run(f"{op.name}({sample.desc})", _check_gradients, op, sample, dtype, k)
    failures.check()


def _check_gradients(op, sample, dtype, k):
    # A float32 sample computes in float32 even the gradients of its float64 inputs.
    key = lambda k: dtype if dtype == "float32" else k  # noqa: E731
    rtol = {k: op.rtol[key(k)] * 10 for k in op.rtol}
    atol = {k: op.atol[key(k)] * 10 for k in op.atol}
    try:
        theirs, _, _, t_leaves = _run(torch, op, sample)
    except Exception:  # noqa: BLE001 - an error sample; the forward test compares the errors
        return
    ours, _, _, o_leaves = _run(chainrule, op, sample)
    o_outs, t_outs = _grad_outputs(ours, theirs)
    if not t_outs:
        return
    cots = _cotangents(t_outs, _torch_np_dtype, _rng(op.name, dtype, k))
    if op.backward_raises:
        with pytest.raises(RuntimeError) as t_exc:
            torch.autograd.backward(t_outs, [torch.tensor(c) for c in cots])
        with pytest.raises(RuntimeError) as o_exc:
            chainrule.autograd.backward(o_outs, [chainrule.tensor(c) for c in cots])
        assert str(o_exc.value) == str(t_exc.value)
        return
    torch.autograd.backward(t_outs, [torch.tensor(c) for c in cots])
    chainrule.autograd.backward(o_outs, [chainrule.tensor(c) for c in cots])
    _assert_grads_close([x.grad for x in o_leaves], [x.grad for x in t_leaves], rtol, atol, "")


KINK_CASES = [(op, s) for op in DIFF_OPS if not op.backward_raises for s in op.sample_inputs("float64")
              if not s.gradcheck]


@pytest.mark.parametrize("op, sample", [pytest.param(op, s, id=f"{op.name}-{s.desc}") for op, s in KINK_CASES])
def test_gradient_at_kinks_matches_torch(op, sample):
    """Subgradient choices (relu'(0) = 0, abs'(0) = 0, clamp at its bounds, 0 ** 0, ...) are torch's."""
    theirs, _, _, t_leaves = _run(torch, op, sample)
    ours, _, _, o_leaves = _run(chainrule, op, sample)
    o_outs, t_outs = _grad_outputs(ours, theirs)
    cots = [np.ones(tuple(t.shape)) for t in t_outs]  # ones: each element's own derivative
    torch.autograd.backward(t_outs, [torch.tensor(c) for c in cots])
    chainrule.autograd.backward(o_outs, [chainrule.tensor(c) for c in cots])
    _assert_grads_close([x.grad for x in o_leaves], [x.grad for x in t_leaves], 1e-9, 1e-12, f"{op.name}({sample.desc})")


# -- gradcheck, gradgradcheck ---------------------------------------------------------------------


def _checkable(op, sample: Sample, max_numel: int = 24) -> bool:
    """Small samples whose leaves are all float64 (central differences need the precision)."""
    args, kwargs, leaves = instantiate(chainrule, sample)
    return (
        sample.gradcheck and bool(leaves) and all(x.dtype == chainrule.float64 for x in leaves)
        and builtins.sum(x.numel() for x in leaves) <= max_numel
    )


def _differentiable_fn(op, sample: Sample):
    """(fn, leaves): fn(*leaves) runs the op and returns its floating-point outputs."""
    args, kwargs, leaves = instantiate(chainrule, sample)

    def fn(*new_leaves):
        a, k = substitute(args, kwargs, leaves, new_leaves)
        outs = _outputs(op.op(chainrule, *a, **k))
        return tuple(o for o in outs if isinstance(o, chainrule.Tensor) and o.is_floating_point())

    return fn, leaves




GRADCHECK_OPS = [op for op in DIFF_OPS if not op.backward_raises]


@pytest.mark.parametrize("op", _params(GRADCHECK_OPS))
def test_gradcheck(op):
    """chainrule's gradients equal float64 central differences."""
    _skip(op, "gradcheck")
    samples = [s for s in op.sample_inputs("float64") if _checkable(op, s)]
    assert samples, "no sample to gradcheck"
    failures = _Failures()
    for sample in samples:
        fn, leaves = _differentiable_fn(op, sample)
        failures.run(sample.desc, lambda f=fn, xs=tuple(leaves): gradcheck(f, xs, atol=op.gradcheck_atol))
    failures.check()


@pytest.mark.parametrize("op", _params([op for op in GRADCHECK_OPS if op.gradgrad]))
def test_gradgradcheck(op):
    """Second derivatives (the rules' own rules) equal central differences of the first."""
    _skip(op, "gradgradcheck")
    samples = [s for s in op.sample_inputs("float64") if _checkable(op, s, max_numel=12)]
    assert samples, "no sample to gradgradcheck"
    failures = _Failures()
    for k, sample in enumerate(samples):
        failures.run(sample.desc, _check_gradgrad, op, sample, k)
    failures.check()


def _check_gradgrad(op, sample, k):
    fn, leaves = _differentiable_fn(op, sample)
    outs = [o for o in fn(*leaves) if o.requires_grad]
    rng = _rng(op.name, "gradgrad", k)
    grad_outputs = tuple(chainrule.tensor(c, requires_grad=True) for c in _cotangents(outs, lambda o: np.float64, rng))
    gradgradcheck(fn, tuple(leaves), grad_outputs, atol=op.gradcheck_atol)


def _second_derivatives(mod, outs, leaves, cots, cots2):
    firsts = mod.autograd.grad(outs, leaves, [mod.tensor(c) for c in cots], create_graph=True, allow_unused=True)
    pairs = [(g, c) for g, c in zip(firsts, cots2, strict=True) if g is not None and g.requires_grad]
    if not pairs:
        return [None] * len(leaves)
    return mod.autograd.grad([g for g, _ in pairs], leaves, [mod.tensor(c) for _, c in pairs], allow_unused=True)


@pytest.mark.parametrize("op", _params([op for op in GRADCHECK_OPS if op.torch_gradgrad]))
def test_second_derivatives_match_torch(op):
    """grad of (grad with create_graph=True), both with random cotangents, agrees with torch."""
    failures = _Failures()
    for k, sample in enumerate(op.sample_inputs("float64")):
        failures.run(f"{op.name}({sample.desc})", _check_second_derivatives, op, sample, k)
    failures.check()


def _check_second_derivatives(op, sample, k):
    theirs, _, _, t_leaves = _run(torch, op, sample)
    ours, _, _, o_leaves = _run(chainrule, op, sample)
    o_outs, t_outs = _grad_outputs(ours, theirs)
    if not t_outs or not t_leaves:
        return
    if not all(torch.isfinite(x).all() for x in t_leaves):
        return  # where NaN lands in a second derivative at infinities depends on the formula's form
    rng = _rng(op.name, "second", k)
    cots = _cotangents(t_outs, _torch_np_dtype, rng)
    cots2 = [rng.standard_normal(tuple(x.shape)) for x in t_leaves]
    t2 = _second_derivatives(torch, t_outs, t_leaves, cots, cots2)
    o2 = _second_derivatives(chainrule, o_outs, o_leaves, cots, cots2)
    # A zero second derivative may be None in one library and zeros in the other.
    t2 = [torch.zeros_like(x) if g is None else g for g, x in zip(t2, t_leaves, strict=True)]
    o2 = [chainrule.zeros_like(x) if g is None else g for g, x in zip(o2, o_leaves, strict=True)]
    rtol = {"float32": 1e-4, "float64": 1e-8}
    atol = {"float32": 1e-5, "float64": 1e-10}
    _assert_grads_close(o2, t2, rtol, atol, "second derivative")


# -- grad_fn names --------------------------------------------------------------------------------


def _node_name(fn) -> str | None:
    if fn is None:
        return None
    return fn.name().replace("torch::autograd::", "")


@pytest.mark.parametrize("op", _params(DIFF_OPS))
def test_grad_fn_names_match_torch(op):
    """Users print grad_fn: each output's node is named as torch names it."""
    _skip(op, "grad_fn")
    failures = _Failures()
    for sample in op.sample_inputs("float64"):
        if sample.grad_fn:
            failures.run(f"{op.name}({sample.desc})", _check_grad_fn, op, sample)
    failures.check()


def _check_grad_fn(op, sample):
    theirs, *_ = _run(torch, op, sample)
    ours, *_ = _run(chainrule, op, sample)
    for i, (o, t) in enumerate(zip(_outputs(ours), _outputs(theirs), strict=True)):
        if not isinstance(t, torch.Tensor):
            continue
        assert _node_name(o.grad_fn) == _node_name(t.grad_fn), (
            f"output {i}: {_node_name(o.grad_fn)}, torch's {_node_name(t.grad_fn)}"
        )
        if t.grad_fn is not None:
            assert type(o.grad_fn).__name__ == type(t.grad_fn).__name__, f"output {i}"


# -- errors ---------------------------------------------------------------------------------------


def _builtin_base(exc) -> type:
    """The first built-in exception class of ``exc``'s type (torch raises some subclasses)."""
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in ERRORS])
def test_errors_match_torch(case):
    """Invalid arguments raise torch's exception type (and message, where marked)."""
    with pytest.raises(Exception) as theirs:
        case.fn(torch)
    with pytest.raises(Exception) as ours:
        case.fn(chainrule)
    assert _builtin_base(ours.value) is _builtin_base(theirs.value), (
        f"chainrule raised {type(ours.value).__name__}({ours.value}); torch raises "
        f"{type(theirs.value).__name__}({theirs.value})"
    )
    if case.same_message:
        assert str(ours.value) == str(theirs.value)


# -- coverage -------------------------------------------------------------------------------------


def _public_ops() -> set:
    import types

    return {
        name for name in dir(chainrule.ops)
        if not name.startswith("_") and callable(getattr(chainrule.ops, name))
        and not isinstance(getattr(chainrule.ops, name), (types.ModuleType, type))
        and name != "capabilities"  # the table of what ops support, not an op
    }


def test_every_public_op_has_an_entry():
    covered = {name for op in OPS for name in op.covers}
    missing = sorted(_public_ops() - covered)
    assert not missing, f"ops without a registry entry in tests/opinfo.py: {missing}"
    stale = sorted(covered - _public_ops())
    assert not stale, f"entries cover names chainrule.ops does not export: {stale}"


def test_every_primitive_is_named_by_an_entry():
    keys = {prim_key(p) for p in PRIMITIVES}
    declared = {k for op in OPS for k in op.prims}
    missing = sorted(keys - declared)
    assert not missing, f"primitives no registry entry exercises: {missing}"
    stale = sorted(declared - keys)
    assert not stale, f"entries name primitives that do not exist: {stale}"


def _graph_prims(tensors) -> set:
    """prim_keys of every primitive node reachable from ``tensors``' grad_fns."""
    seen, keys = set(), set()
    stack = [t.grad_fn for t in tensors if isinstance(t, chainrule.Tensor) and t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        prim = getattr(type(node), "prim", None)
        if prim is not None:
            keys.add(prim_key(prim))
        stack.extend(child for child, _ in node.next_functions)
    return keys


@pytest.mark.parametrize("op", _params([op for op in OPS if op.prims]))
def test_entry_exercises_its_primitives(op):
    """What an entry declares in ``prims`` runs in its forward graph or its gradients' graph."""
    found = set()
    for k, sample in enumerate(op.sample_inputs("float64")):
        out, _, _, leaves = _run(chainrule, op, sample)
        outs = [o for o in _outputs(out) if isinstance(o, chainrule.Tensor) and o.requires_grad]
        found |= _graph_prims(outs)
        if outs and leaves and not op.backward_raises:
            # Cotangents that require grad: the rules' own ops are recorded even for linear ops.
            cots = [chainrule.tensor(c, requires_grad=True)
                    for c in _cotangents(outs, lambda o: np.float64, _rng(op.name, k))]
            grads = chainrule.autograd.grad(outs, leaves, cots, create_graph=True, allow_unused=True)
            found |= _graph_prims(grads)
    missing = sorted(set(op.prims) - found)
    assert not missing, f"{op.name} declares primitives its samples never ran: {missing}"
