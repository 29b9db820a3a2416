"""Forward-mode AD of every op in the registry (tests/opinfo.py), in float64.

For each differentiable entry and its first samples: each float input becomes a dual tensor
with a random tangent; the outputs' tangents must equal

- PyTorch's, from ``torch.autograd.forward_ad`` on the same sample (where torch has no
  forward AD for the op, central differences stand in);
- ``<v, J u> = <J^T v, u>`` with chainrule's own reverse mode, for a random ``v``:
  forward and reverse mode describe the same Jacobian;
- central differences of the op along ``u``, for the samples where the op is smooth.

A tangent missing where torch has one fails the test, as does a tangent torch does not
have. Ops whose forward AD raises must raise in both libraries.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
from chainrule.autograd import forward_ad as fwAD  # noqa: E402
from chainrule.ops._registry import PRIMITIVES  # noqa: E402

from opinfo import OPS, captured_calls, instantiate, prim_key, substitute  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:.*(x|Tensor)\\.T.*deprecated:UserWarning"),
]

SAMPLES_PER_OP = 100
# Entries whose forward AD in torch is not the derivative of the values it computes: ours
# is checked against central differences instead.
TORCH_DIFFERS = {
    "cholesky_inverse": "torch's tangent differs from central differences even along the triangle it reads",
}
# Entries whose forward and reverse mode disagree in torch too (a choice made for gradients
# that forward mode does not share): the identity <v, J u> = <J^T v, u> is not checked.
NOT_TRANSPOSES = {
    "nn.functional.embedding": "the padding row gets no gradient, but a tangent",
    "linalg.cholesky reads one triangle": "the tangent uses the whole tangent matrix, the gradient is symmetric",
}
# Writes at repeated indices: every repeat gets a gradient, but only the value written has a
# tangent (as in torch): the identity is not checked for those samples.
INDEX_WRITES = {"setitem_", "scatter", "index_copy", "put", "index_put", "nn.functional.max_unpool1d"}
# Differentiable primitives the first samples of the entries do not reach with a tangent.
# Kernels of gradients' gradients (their JVPs run only in forward over reverse over reverse),
# reached with a tangent by no sample: test_primitives_inside_gradients_have_right_jvps
# replays a recorded call of each.
UNEXERCISED: dict = dict.fromkeys([
    "_as_strided_gather", "_ctc_loss_backward", "_diagonal_backward", "_embedding_backward", "_index_put_const",
    "_nll_loss_backward", "_refuse_backward", "_scatter_flat",
    "_separable[AdaptiveAvgPool2DBackwardBackward0]", "_separable[AdaptiveAvgPool3DBackwardBackward0]",
    "_separable[CopySlicesBackward0]", "_separable[ReflectionPad1DBackwardBackward0]",
    "_separable[ReflectionPad2DBackwardBackward0]", "_separable[ReflectionPad3DBackwardBackward0]",
    "_separable[ReplicationPad1DBackwardBackward0]", "_separable[ReplicationPad2DBackwardBackward0]",
    "_separable[ReplicationPad3DBackwardBackward0]", "_separable[UpsampleBicubic2DBackwardBackward0]",
    "_separable[UpsampleBilinear2DBackwardBackward0]", "_separable[UpsampleLinear1DBackwardBackward0]",
    "_separable[UpsampleNearest1DBackwardBackward0]", "_separable[UpsampleNearest2DBackwardBackward0]",
    "_separable[UpsampleNearest3DBackwardBackward0]", "_separable[UpsampleNearestExact1DBackwardBackward0]",
    "_separable[UpsampleNearestExact2DBackwardBackward0]", "_separable[UpsampleNearestExact3DBackwardBackward0]",
    "_separable[UpsampleTrilinear3DBackwardBackward0]", "_shift_along", "_take_along", "_unfold_backward",
], "not reached with a tangent by the samples")
# Samples at kinks where the tangent follows our reverse mode's subgradient, not torch's.
KINK_DIFFERS = {
    ("F.binary_cross_entropy at 0 and 1", "exact"): "0, as the gradient (torch: NaN, where its gradient is 0)",
    ("fmax", "ties and nan"): "at a tie torch's tangent is other's, though its gradient goes to input",
    ("fmax", "nan, inf, signed zeros"): "at a tie torch's tangent is other's, though its gradient goes to input",
    ("atan2", "nan, inf, signed zeros"): "at infinite inputs (a finite angle) torch's tangent is NaN",
}
# Samples where torch's forward and reverse modes disagree: the identity is not checked.
NOT_TRANSPOSE_SAMPLES = {
    ("scatter_reduce", "amax ties, include_self=False"): "torch's gradient counts the tie of self left out",
    ("scatter_reduce", "amin ties, include_self=False"): "torch's gradient counts the tie of self left out",
}
DEBUG = False
JVP_OPS = [op for op in OPS if op.differentiable]


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(map(str, key)).encode()))


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _samples(op) -> list:
    """The first samples of ``op`` with a float64 input (what forward mode differentiates)."""
    out = []
    for s in op.sample_inputs("float64"):
        _, _, leaves = instantiate(chainrule, s)
        if leaves and all(x.dtype == chainrule.float64 for x in leaves) and all(x.numel() for x in leaves):
            out.append(s)
        if len(out) == SAMPLES_PER_OP:
            break
    return out


def _fn(mod, op, sample):
    """(fn, leaves): fn(*leaves) runs the op on the sample with ``leaves`` substituted."""
    args, kwargs, leaves = instantiate(mod, sample)

    def fn(*new):
        a, k = substitute(args, kwargs, leaves, new)
        return _outputs(op.op(mod, *a, **k))

    # The primals require grad, as a sample's leaves do (some entries differentiate inside).
    return fn, [x.detach().requires_grad_() for x in leaves]


def _float_outputs(outs) -> list:
    return [i for i, o in enumerate(outs) if isinstance(o, (chainrule.Tensor, torch.Tensor)) and o.is_floating_point()]


def _jvp(mod, fn, primals, tangents):
    """The outputs and their tangents (None where an output has none) under forward AD."""
    fw = mod.autograd.forward_ad
    with fw.dual_level():
        duals = [fw.make_dual(p, t) for p, t in zip(primals, tangents, strict=True)]
        outs = fn(*duals)
        idx = _float_outputs(outs)
        values = [fw.unpack_dual(outs[i]).primal.detach().numpy().copy() for i in idx]
        tans = [fw.unpack_dual(outs[i]).tangent for i in idx]
        tans = [None if t is None else _np(t) for t in tans]
    return values, tans


def _np(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():
            return np.zeros(tuple(t.shape))
        return t.detach().numpy().copy()
    return t.detach().numpy().copy()


def _central(fn, primals, tangents, eps=1e-6) -> list:
    """Central differences of ``fn``'s float outputs along ``tangents``."""
    plus = fn(*[p + eps * t for p, t in zip(primals, tangents, strict=True)])
    minus = fn(*[p - eps * t for p, t in zip(primals, tangents, strict=True)])
    idx = _float_outputs(plus)
    return [(_np(plus[i]) - _np(minus[i])) / (2 * eps) if plus[i].dtype in (chainrule.float64, torch.float64)
            else None for i in idx]


def _close(ours, theirs, what, rtol=1e-7, atol=1e-9) -> None:
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _check(op, sample, k):
    rng = _rng(op.name, "jvp", k)
    fn, primals = _fn(chainrule, op, sample)
    tangents_np = [rng.standard_normal(tuple(p.shape)) for p in primals]
    tangents = [chainrule.tensor(u) for u in tangents_np]
    tfn, tprimals = _fn(torch, op, sample)
    try:
        values, ours = _jvp(chainrule, fn, primals, tangents)
    except RuntimeError as exc:  # no forward AD for this op: torch must have none either
        with pytest.raises(RuntimeError):
            _jvp(torch, tfn, tprimals, [torch.tensor(u) for u in tangents_np])
        assert str(exc), "an error without a message"
        return

    # (a) torch's forward AD, or central differences where torch has none (or disagrees with them)
    if op.name in TORCH_DIFFERS:
        for i, (o, c) in enumerate(zip(ours, _central(fn, primals, tangents), strict=True)):
            _close(o, c, f"output {i} tangent vs central differences", rtol=1e-4, atol=1e-5)
        return
    try:
        _, theirs = _jvp(torch, tfn, tprimals, [torch.tensor(u) for u in tangents_np])
    except RuntimeError as exc:  # torch has no forward AD for this op or sample
        if DEBUG:
            print("torch:", exc)
        theirs = _central(fn, primals, tangents) if sample.gradcheck else None
        if theirs is not None:  # central differences where torch has no forward AD
            for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
                assert o is not None, f"output {i}: no tangent"
                if t is not None:
                    _close(o, t, f"output {i} tangent vs central differences", rtol=1e-4, atol=1e-5)
            theirs = None
    if theirs is not None and (op.name, sample.desc) not in KINK_DIFFERS:
        assert len(ours) == len(theirs)
        for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
            if t is None:
                if o is not None and np.any(o):  # torch drops some tangents (scatter_reduce prod): check ours
                    assert sample.gradcheck, f"output {i}: a tangent where torch has none"
                    _close(o, _central(fn, primals, tangents)[i], f"output {i} tangent (torch: None) vs central "
                           "differences", rtol=1e-4, atol=1e-5)
                continue
            assert o is not None, f"output {i}: no tangent; torch's is {t}"
            if not sample.gradcheck:  # special values: where the value is NaN or infinite, so may be its tangent
                finite = np.broadcast_to(np.isfinite(values[i]), o.shape)
                o, t = np.where(finite, o, 0.0), np.where(finite, t, 0.0)
            _close(o, t, f"output {i} tangent vs torch", rtol=1e-6, atol=1e-8)

    # (b) <v, J u> = <J^T v, u>, with chainrule's reverse mode
    leaves = [p.detach().clone().requires_grad_() for p in primals]
    outs = fn(*leaves)
    pairs = [(outs[i], o) for i, o in zip(_float_outputs(outs), ours, strict=True)
             if outs[i].requires_grad and o is not None]
    transposes = (op.name not in NOT_TRANSPOSES and (op.name, sample.desc) not in NOT_TRANSPOSE_SAMPLES
                  and not (op.name in INDEX_WRITES and "repeat" in sample.desc))
    if pairs and all(np.isfinite(o).all() for _, o in pairs) and transposes:
        vs = [rng.standard_normal(tuple(out.shape)) for out, _ in pairs]
        grads = chainrule.autograd.grad([p[0] for p in pairs], leaves, [chainrule.tensor(v) for v in vs],
                                        allow_unused=True)
        lhs = sum(float(np.sum(v * o)) for v, (_, o) in zip(vs, pairs, strict=True))
        rhs = sum(float(np.sum(_np(g) * u)) for g, u in zip(grads, tangents_np, strict=True) if g is not None)
        low = any(out.dtype != chainrule.float64 for out, _ in pairs)  # float16/32 results round
        assert np.isclose(lhs, rhs, rtol=1e-3 if low else 1e-7, atol=1e-4 if low else 1e-9), (
            f"<v, J u> = {lhs} but <J^T v, u> = {rhs}")

    # (c) central differences, where the op is smooth at the sample
    if (sample.gradcheck and op.name in CENTRAL and "gradcheck" not in op.skips
            and all(o is not None for o in ours)):
        for i, (o, c) in enumerate(zip(ours, _central(fn, primals, tangents), strict=True)):
            if c is not None:
                _close(o, c, f"output {i} tangent vs central differences", rtol=1e-4, atol=1e-5)


# Central differences for every fifth entry: the torch comparison covers the rest.
CENTRAL = {op.name for op in JVP_OPS[::5]}


# -- forward over reverse ------------------------------------------------------------------------

FWD_OVER_REV_SAMPLES = 2  # the first samples of each entry


def _grad_jvp(mod, fn, primals, tangents, cots):
    """Tangents of the gradients ``J(x)^T v`` along ``u``: forward over reverse (None: no tangent)."""
    fw = mod.autograd.forward_ad
    with fw.dual_level():
        duals = [fw.make_dual(p, t) for p, t in zip(primals, tangents, strict=True)]
        outs = fn(*duals)
        outs = [outs[i] for i in _float_outputs(outs)]
        pairs = [(o, c) for o, c in zip(outs, cots, strict=True) if o.requires_grad]
        if not pairs:
            return None
        grads = mod.autograd.grad([o for o, _ in pairs], duals, [mod.tensor(c) for _, c in pairs],
                                  create_graph=True, allow_unused=True)
        return [None if g is None else (None if fw.unpack_dual(g).tangent is None else _np(fw.unpack_dual(g).tangent))
                for g in grads]


def _check_forward_over_reverse(op, sample, k):
    rng = _rng(op.name, "fwd-over-rev", k)
    fn, primals = _fn(chainrule, op, sample)
    us = [rng.standard_normal(tuple(p.shape)) for p in primals]
    outs = fn(*primals)
    cots = [rng.standard_normal(tuple(outs[i].shape)) for i in _float_outputs(outs)]
    tfn, tprimals = _fn(torch, op, sample)
    try:
        ours = _grad_jvp(chainrule, fn, primals, [chainrule.tensor(u) for u in us], cots)
    except RuntimeError:  # no forward AD through the gradient: torch must have none either
        with pytest.raises(RuntimeError):
            _grad_jvp(torch, tfn, tprimals, [torch.tensor(u) for u in us], cots)
        return
    try:
        theirs = _grad_jvp(torch, tfn, tprimals, [torch.tensor(u) for u in us], cots)
    except RuntimeError:  # torch has no forward-over-reverse here: ours stands alone
        return
    if ours is None or theirs is None:
        assert ours is None and theirs is None
        return
    for i, (o, t) in enumerate(zip(ours, theirs, strict=True)):
        if t is None or not np.any(t):
            assert o is None or np.allclose(o, 0.0, atol=1e-12), f"input {i}: a tangent of the gradient where torch has none"
            continue
        assert o is not None, f"input {i}: no tangent of the gradient; torch's is {t}"
        if not sample.gradcheck:
            finite = np.isfinite(t) & np.isfinite(o)
            o, t = np.where(finite, o, 0.0), np.where(finite, t, 0.0)
        _close(o, t, f"input {i}: tangent of the gradient vs torch", rtol=1e-6, atol=1e-8)


FWD_OVER_REV_OPS = [op for op in OPS if op.differentiable and not op.backward_raises and op.gradgrad
                    and op.name not in TORCH_DIFFERS]


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in FWD_OVER_REV_OPS])
def test_forward_over_reverse_matches_torch(op):
    """jvp of the gradient (Hessian-vector products and their kin) as torch computes it."""
    samples = [s for s in _samples(op) if s.gradcheck][:FWD_OVER_REV_SAMPLES]  # not at kinks
    if not samples:
        pytest.skip("no float64 sample")
    failures = []
    for k, sample in enumerate(samples):
        try:
            _check_forward_over_reverse(op, sample, k)
        except Exception as exc:  # noqa: BLE001 - report every sample
            first = str(exc).strip().splitlines()
            failures.append(f"{op.name}({sample.desc}): {type(exc).__name__}: {' | '.join(first[:6])}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


# prim_keys of the primitives whose JVP rule ran on a tangent in some sample (filled as the
# tests run; the coverage test at the end of this file reads it).
EXERCISED: set = set()
RAN: set = set()  # the entries test_jvp_matches_torch ran
RAISED: set = set()  # those whose JVP raised (NotImplementedError, as torch's do for these ops)


@pytest.fixture(autouse=True, scope="module")
def _record_exercised():
    propagate, propagate_multi = fwAD.propagate, fwAD.propagate_multi

    def note(prim, args):
        if not fwAD._paused and any(fwAD.get_tangent(a) is not None for a in args):
            EXERCISED.add(prim_key(prim))
            return True
        return False

    def recording(prim, result, args, params):
        noted = note(prim, args)
        try:
            return propagate(prim, result, args, params)
        except NotImplementedError:
            if noted:
                RAISED.add(prim_key(prim))
            raise

    def recording_multi(prim, outputs, args, params, n):
        noted = note(prim, args)
        try:
            return propagate_multi(prim, outputs, args, params, n)
        except NotImplementedError:
            if noted:
                RAISED.add(prim_key(prim))
            raise

    fwAD.propagate, fwAD.propagate_multi = recording, recording_multi
    yield
    fwAD.propagate, fwAD.propagate_multi = propagate, propagate_multi


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in JVP_OPS])
def test_jvp_matches_torch(op):
    RAN.add(op.name)
    samples = _samples(op)
    if not samples:
        pytest.skip("no float64 sample")
    failures = []
    for k, sample in enumerate(samples):
        try:
            _check(op, sample, k)
        except Exception as exc:  # noqa: BLE001 - report every sample
            first = str(exc).strip().splitlines()
            failures.append(f"{op.name}({sample.desc}): {type(exc).__name__}: {' | '.join(first[:6])}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


# -- primitives reached only inside gradients: replayed one by one ------------------------------


def _captured_calls(keys: set) -> dict:
    return captured_calls(chainrule, keys, order=1)


def test_primitives_inside_gradients_have_right_jvps():
    """The JVPs of UNEXERCISED primitives (kernels of gradients), called as recorded, against
    central differences; those whose capabilities row says no forward mode must raise."""
    before = set(EXERCISED), set(RAISED)  # (the registry's record stays the registry's)
    try:
        _replay_all()
    finally:
        EXERCISED.clear(), RAISED.clear()
        EXERCISED.update(before[0]), RAISED.update(before[1])


def _replay_all():
    calls = _captured_calls(set(UNEXERCISED))
    rows = {r["op"]: r for r in chainrule.ops.capabilities()}
    failures, checked = [], set()
    for key, (prim, args, params) in sorted(calls.items()):
        rng = _rng(key, "replay")
        floats = [i for i, a in enumerate(args) if isinstance(a, chainrule.Tensor) and a.dtype == chainrule.float64]
        us = {i: chainrule.tensor(rng.standard_normal(tuple(args[i].shape))) for i in floats}

        def run(shift=0.0, prim=prim, args=args, params=params, us=us):
            return prim(*[a + shift * us[i] if i in us else a for i, a in enumerate(args)], **params)

        try:
            with fwAD.dual_level():
                out = prim(*[fwAD.make_dual(a, us[i]) if i in us else a for i, a in enumerate(args)], **params)
                tangent = fwAD.unpack_dual(out).tangent
        except NotImplementedError:
            if rows[key.removeprefix("_")]["forward_mode"]:
                failures.append(f"{key}: raised, though capabilities claims forward mode")
            checked.add(key)
            continue
        if not rows[key.removeprefix("_")]["forward_mode"]:
            failures.append(f"{key}: has a tangent, though capabilities says it has none")
        eps = 1e-6
        central = (run(eps).numpy() - run(-eps).numpy()) / (2 * eps)
        if tangent is None or not np.allclose(tangent.numpy(), central, rtol=1e-4, atol=1e-5):
            failures.append(f"{key}: tangent {None if tangent is None else tangent.numpy()} vs central {central}")
        checked.add(key)
    assert not failures, "\n".join(failures)
    REPLAYED.update(checked)


REPLAYED: set = set()


def test_every_differentiable_primitive_has_a_checked_jvp():
    """Each primitive with a VJP rule ran forward mode in some sample above (run with the file)."""
    if len(RAN) < len(JVP_OPS):
        pytest.skip("run with the whole file: the samples above fill the record")
    differentiable = {prim_key(p) for p in PRIMITIVES if any(r is not None for r in p.vjps)}
    missing = sorted(differentiable - EXERCISED - set(UNEXERCISED))
    assert not missing, f"primitives whose JVP no sample checks: {missing}"
    stale = sorted(set(UNEXERCISED) & EXERCISED)
    assert not stale, f"UNEXERCISED lists primitives that are checked: {stale}"
    if REPLAYED:
        unreplayed = sorted(set(UNEXERCISED) - REPLAYED)
        assert not unreplayed, f"UNEXERCISED primitives no recorded call replays: {unreplayed}"


def test_capabilities_forward_mode_is_what_this_file_proves():
    """ops.capabilities' forward_mode column: True for the primitives checked above, False for those that raise."""
    if len(RAN) < len(JVP_OPS):
        pytest.skip("run with the whole file: the samples above fill the record")
    rows = {r["op"]: r for r in chainrule.ops.capabilities()}
    keys = {prim_key(p): p for p in PRIMITIVES}
    wrong = sorted(k for k in EXERCISED if rows[k.removeprefix("_")]["forward_mode"] != (k not in RAISED))
    assert not wrong, f"forward_mode disagrees with the tests for: {wrong}"
    assert RAISED, "no JVP raised: the refusing ops (floor_divide, ...) should"
    unproven = sorted(k for k in keys if rows[k.removeprefix("_")]["forward_mode"] and k not in EXERCISED
                      and k not in UNEXERCISED)
    assert not unproven, f"forward_mode claimed without a test: {unproven}"
