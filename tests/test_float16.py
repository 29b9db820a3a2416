"""float16: every registry op, on all its float32 samples cast to half precision, gives
PyTorch's dtypes and (to half precision) PyTorch's values, forward and backward (random
half-precision cotangents). Torch is the oracle. Where torch refuses float16, chainrule must
refuse with the same type of error, except where torch's CPU kernel lacks half precision
and chainrule computes: then, as where torch's float16 result is wrong (BETTER), values and
gradients are compared with torch's float32 ones from the same half-precision inputs.

A spy on the op registry's ``record`` notes which primitives each entry ran in float16
(backward kernels included); kernels no entry reaches in float16 (they run only inside
gradients) are replayed from captured calls. ``test_capabilities_float16_column_is_what_this_file_proves``
checks ``chainrule.ops.capabilities()``'s float16 column against what this file saw.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402
from chainrule.ops import _registry  # noqa: E402
from chainrule.ops._registry import PRIMITIVES  # noqa: E402
from opinfo import NC, OPS, Const, captured_calls, instantiate, prim_key  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:.*(x|Tensor)\\.T.*deprecated:UserWarning"),
]

# Known differences, one sample each: (entry, sample) -> why. Kept strict: the sample must
# still differ (test_known_differences_remain), so that a fix shows up. What such a sample
# runs proves nothing about float16.
KNOWN: dict[tuple[str, str], str] = {}
KNOWN_SEEN: set[tuple[str, str]] = set()

# Primitives that ran in float16 inside an entry that passed, or that failed.
PROVEN: set[str] = set()
FAILED: set[str] = set()
REFUSED: set[str] = set()  # named by entries whose float16 samples both libraries refuse
RAN: set[str] = set()  # entries that ran
REPLAYED: set[str] = set()  # kernels proven by replaying a captured call in float16


def _half(x, deep: bool = False):
    """``x`` in float16 if a float32 array; with ``deep``, also inside constants, non-contiguous
    tensors and tuples (without, a constant stays float32: a mixed-precision call)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        with np.errstate(over="ignore"):
            return x.astype(np.float16)
    if deep and isinstance(x, (NC, Const)):
        return type(x)(_half(x.arr))
    if deep and isinstance(x, tuple):
        return tuple(_half(y, deep) for y in x)
    return x


def _variants(sample) -> list:
    """The sample in float16, its constants kept float32 (mixed) and, if that differs, cast too."""
    out = []
    for deep in (False, True):
        half = dataclasses.replace(sample, args=tuple(_half(a, deep) for a in sample.args),
                                   kwargs={k: _half(v, deep) for k, v in sample.kwargs.items()})
        if not out or repr(half) != repr(out[0][1]):
            out.append(("all half" if deep else "", half))
    return out


def _flat(x) -> list:
    if isinstance(x, (tuple, list)):
        return [y for z in x for y in _flat(z)]
    return [x]


def _half_sizes(xs) -> list:
    """The sizes of the float16 arrays among ``xs``."""
    arrays = [x._data if isinstance(x, chainrule.Tensor) else x for x in xs]
    return [a.size for a in arrays if isinstance(a, np.ndarray) and a.dtype == np.float16]


def _computes_in_half(out, args) -> bool:
    """A call computes in float16 when a float16 input is not empty, or, with none, when its
    result is float16 (a conversion). Empty inputs prove nothing: PyTorch's kernels skip them
    (``det`` of a 0 x 0 matrix is 1 without LAPACK)."""
    sizes = _half_sizes(args)
    return any(sizes) if sizes else any(_half_sizes(out if isinstance(out, tuple) else (out,)))


class _Spy:
    """Installed as the registry's transform hook: notes each float16 call, then records it plainly."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, prim, out, args, params):
        if _computes_in_half(out, args):
            self.seen.add(prim_key(prim))
        return _registry.record(prim, out, args, params, plain=True)

    def __enter__(self):
        assert _registry._transform is None
        _registry._transform = self
        return self

    def __exit__(self, *exc) -> None:
        _registry._transform = None


def _close(got, want, what: str) -> None:
    assert str(got.dtype) == str(want.dtype), f"{what}: dtype {got.dtype}, torch {want.dtype}"
    if want.dtype.is_floating_point:
        w = want.detach().numpy(force=True).astype(np.float64)
        # Half precision keeps ~3 significant digits; allow a few roundings of the largest value.
        scale = float(np.nanmax(np.abs(w), initial=1.0)) if np.isfinite(w).any() else 1.0
        np.testing.assert_allclose(
            got.detach().numpy().astype(np.float64), w, rtol=2e-2, atol=2e-2 * max(1.0, min(scale, 1e3)),
            equal_nan=True, err_msg=what,
        )


# PyTorch's CPU kernels without half precision: where chainrule computes anyway, its float16
# result is compared with PyTorch's float32 one.
_NO_HALF_KERNEL = ("not implemented for 'Half'", "Low precision dtypes not supported", "but got Half",
                   "doesn't handle types other than float and double")

# Entries whose float16 results PyTorch's CPU kernels get wrong where chainrule's are right:
# their values and gradients are compared with PyTorch's float32 ones (from the same
# half-precision inputs), their dtypes with PyTorch's float16 ones.
_MATRIX_EXP = ("PyTorch's float16 matrix exponential overflows to inf/nan (already for ||A|| ~ 1); "
               "chainrule's rounds a float64 one")
BETTER: dict[str, str] = {"linalg.matrix_exp": _MATRIX_EXP, "matrix_exp": _MATRIX_EXP}
DOES_BETTER: dict[str, str] = {}  # entry -> why: where chainrule computes what torch refuses or gets wrong


def _up(sample):
    """``sample`` with its float16 arrays as float32 (the same values)."""
    def up(x):
        if isinstance(x, (NC, Const)):
            return type(x)(up(x.arr))
        if isinstance(x, tuple):
            return tuple(up(y) for y in x)
        return x.astype(np.float32) if isinstance(x, np.ndarray) and x.dtype == np.float16 else x

    return dataclasses.replace(sample, args=tuple(up(a) for a in sample.args),
                               kwargs={k: up(v) for k, v in sample.kwargs.items()})


def _as_half(w):
    return w.half() if w.dtype == torch.float32 else w


def _check(op, spy) -> set:
    """Compare every sample in half precision; return the primitives refused as torch refuses."""
    refused = set()
    samples = [(f"{k}{variant}", half, dataclasses.replace(sample, desc=f"{sample.desc}{', ' * bool(variant)}{variant}"))
               for k, sample in enumerate(op.sample_inputs("float32")) for variant, half in _variants(sample)]
    for k, half, sample in samples:
        seen = set(spy.seen)
        grads = op.differentiable and not op.backward_raises
        better = BETTER.get(op.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            args, kwargs, t_leaves = instantiate(torch, half, requires_grad=grads)
            try:
                want = op.op(torch, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - torch refuses float16 here
                args, kwargs, o_leaves = instantiate(chainrule, half, requires_grad=grads)
                try:
                    got = op.op(chainrule, *args, **kwargs)
                except Exception as ours:  # noqa: BLE001 - both refuse: the same type of error
                    assert type(ours) is type(exc), f"{sample.desc}: {type(ours).__name__}, torch {type(exc).__name__}"
                    refused.update(op.prims)
                    continue
                if (op.name, sample.desc) in KNOWN:
                    KNOWN_SEEN.add((op.name, sample.desc))
                    spy.seen = seen
                    continue
                if not any(m in str(exc) for m in _NO_HALF_KERNEL):
                    raise AssertionError(f"{sample.desc}: computed, where torch refuses: {exc}") from None
                better = f"PyTorch refuses float16: {exc}"
                want = None
            else:
                args, kwargs, o_leaves = instantiate(chainrule, half, requires_grad=grads)
                got = op.op(chainrule, *args, **kwargs)
            if better:
                DOES_BETTER.setdefault(op.name, better)
                args, kwargs, t_leaves32 = instantiate(torch, _up(half), requires_grad=grads)
                want32 = op.op(torch, *args, **kwargs)
        if better:  # compare values with torch's float32 results, dtypes with its float16 ones (float16 if none)
            dtypes = ([w.dtype for w in _flat(want) if isinstance(w, torch.Tensor)] if want is not None else
                      [_as_half(w).dtype for w in _flat(want32) if isinstance(w, torch.Tensor)])
            want, half_leaves, t_leaves = want32, t_leaves, t_leaves32
        pairs = [(g, w) for w, g in zip(_flat(want), _flat(got), strict=True) if isinstance(w, torch.Tensor)]
        dtypes = dtypes if better else [w.dtype for _, w in pairs]
        for i, (g, w) in enumerate(pairs):
            _close(g, w.to(dtypes[i]), f"{sample.desc}: output {i}")
        outs = [(g, w, dt) for (g, w), dt in zip(pairs, dtypes, strict=True) if w.requires_grad]
        if not outs:
            continue
        rng = np.random.default_rng(zlib.crc32(f"{op.name}/{k}".encode()))
        cots = [rng.standard_normal(tuple(w.shape)).astype(torch.empty(0, dtype=dt).numpy().dtype) for _, w, dt in outs]
        try:
            torch.autograd.backward([w for _, w, _ in outs],
                                    [torch.tensor(c).to(w.dtype) for c, (_, w, _) in zip(cots, outs, strict=True)])
        except Exception:  # noqa: BLE001 - torch has no half-precision backward here
            continue
        chainrule.autograd.backward([g for g, _, _ in outs], [chainrule.tensor(c) for c in cots])
        for i, (o, t) in enumerate(zip(o_leaves, t_leaves, strict=True)):
            if t.grad is None:
                assert o.grad is None, f"{sample.desc}: input {i} has a gradient, torch's is None"
            else:
                assert o.grad is not None, f"{sample.desc}: input {i} has no gradient"
                _close(o.grad, t.grad.to(half_leaves[i].dtype) if better else t.grad,
                       f"{sample.desc}: gradient of input {i}")
    return refused


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in OPS])
def test_float16_matches_torch(op):
    RAN.add(op.name)
    with _Spy() as spy:
        try:
            REFUSED.update(_check(op, spy))
        except BaseException:
            FAILED.update(spy.seen)
            raise
    PROVEN.update(spy.seen)


def _cast(x, dtype):
    if isinstance(x, chainrule.Tensor) and x.dtype.is_floating_point:
        return chainrule.tensor(x.numpy().astype(dtype))
    return x


def test_kernels_reached_only_inside_gradients():
    """Kernels that no entry ran in float16 (their calls run only inside gradients of
    gradients) replayed with float16 arguments: float16 results, equal to half precision to
    the same kernel's float32 results from the same half-precision values. (Not those of an
    entry that refused float16: a replay skips the checks of the public function.)"""
    if len(RAN) < len(OPS):
        pytest.skip("run with the whole file")
    keys = {prim_key(p) for p in PRIMITIVES if p.half} - PROVEN - FAILED - REFUSED
    calls = captured_calls(chainrule, keys, order=1)  # (a second order would raise where it refuses)
    calls.update(captured_calls(chainrule, keys - set(calls), order=2) if keys - set(calls) else {})
    failures = []
    for key, (prim, args, params) in sorted(calls.items()):
        half = [_cast(a, np.float16) for a in args]
        with _Spy() as spy:
            got = prim(*half, **params)
        want = prim(*[_cast(a, np.float32) for a in half], **params)
        try:
            assert key in spy.seen, f"{key}: did not run in float16"
            _close(got, want.half() if want.dtype == chainrule.float32 else want, key)
        except AssertionError as exc:
            failures.append(str(exc))
        else:
            REPLAYED.add(key)
    assert not failures, "\n".join(failures)
    assert sorted(keys - set(calls)) == [], "never captured: reach them in float16 or declare them"


def test_capabilities_float16_column_is_what_this_file_proves():
    """True: the primitive computed in float16 here (next to torch, or replayed) and never
    failed; False: an entry using it refused float16 as torch does, and it never computed in
    float16; None: it never ran in float16."""
    if len(RAN) < len(OPS) or not REPLAYED:  # (the replay runs after the entries)
        pytest.skip("run with the whole file")
    proven = PROVEN | (REPLAYED - REFUSED)
    wrong = []
    for prim, row in zip(PRIMITIVES, chainrule.ops.capabilities(), strict=True):
        key, half = prim_key(prim), row["float16"]
        if half is True and (key not in proven or key in FAILED):
            wrong.append(f"{key}: claims float16, {'failed' if key in FAILED else 'never ran in float16'}")
        elif half is False and (key not in REFUSED or key in proven | FAILED):
            wrong.append(f"{key}: claims a refusal, {'computed float16' if key in proven | FAILED else 'never refused'}")
        elif half is None and key in proven | FAILED:
            wrong.append(f"{key}: ran in float16, yet the column says float16 does not apply")
    assert wrong == []
    column = [r["float16"] for r in chainrule.ops.capabilities()]
    assert column.count(False) > 0 and column.count(True) > 0


def test_known_differences_remain():
    if len(RAN) < len(OPS):
        pytest.skip("run with the whole file")
    assert sorted(set(KNOWN) - KNOWN_SEEN) == [], "fixed? remove them from KNOWN"


def test_report():
    if len(RAN) < len(OPS):
        pytest.skip("run with the whole file")
    keys = {prim_key(p) for p in PRIMITIVES}
    print("\nPROVEN", len(PROVEN), "FAILED", sorted(FAILED - PROVEN))
    print("REPLAYED", sorted(REPLAYED))
    print("NEVER", sorted(keys - PROVEN - FAILED - REFUSED - REPLAYED))
    print("REFUSED", sorted(REFUSED - PROVEN))
    print("BETTER THAN TORCH", DOES_BETTER)



def _outcome(fn):
    """``fn()``'s results as (shape, dtype, values) tuples, or the type of error it raised."""
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - compared with torch's
        return type(exc)
    return [(tuple(t.shape), str(t.dtype), np.asarray(t.detach().numpy(), dtype=np.float64))
            for t in _flat(out) if hasattr(t, "shape")]


def _assert_same_outcome(make, what: str) -> None:
    ours, theirs = _outcome(lambda: make(chainrule)), _outcome(lambda: make(torch))
    if isinstance(theirs, type) or isinstance(ours, type):
        assert ours is theirs, f"{what}: chainrule {ours}, torch {theirs}"
        return
    assert [o[:2] for o in ours] == [t[:2] for t in theirs], what
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o[2], t[2], rtol=2e-2, atol=2e-2, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_parameter_dtypes_with_half_input(training):
    """PyTorch's CPU rule: a float16 input's weight, bias and running statistics are all float16
    or all float32 (as the first one given); mixing them raises."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2)).astype(np.float16)
    params = {d: (rng.random(2) + 0.5).astype(d) for d in ("float16", "float32")}
    for stats, weight, bias in itertools.product(("float16", "float32", None), repeat=3):
        def make(mod, stats=stats, weight=weight, bias=bias):
            def t(d):
                return None if d is None else mod.tensor(params[d])
            return mod.nn.functional.batch_norm(mod.tensor(x), t(stats), t(stats), t(weight), t(bias), training)
        if training or stats is not None:
            _assert_same_outcome(make, f"stats {stats}, weight {weight}, bias {bias}")


def test_attention_mask_dtypes():
    """A mask is bool, float32 (cast to the query's dtype; its gradient stays float32) or of the
    query's dtype; other dtypes raise."""
    rng = np.random.default_rng(4)
    for q_dtype, mask_dtype, heads in itertools.product(
            ("float16", "float32", "float64"), ("float16", "float32", "float64", "int64", "bool"), (False, True)):
        shape = (1, 2, 4, 5) if heads else (2, 4, 5)
        q, k = rng.standard_normal(shape).astype(q_dtype), rng.standard_normal(shape[:-2] + (6, 5)).astype(q_dtype)
        v = rng.standard_normal(shape[:-2] + (6, 3)).astype(q_dtype)
        mask = rng.random((4, 6)) > 0.3 if mask_dtype == "bool" else rng.standard_normal((4, 6)).astype(mask_dtype)

        def make(mod, q=q, k=k, v=v, mask=mask, grad=mask_dtype.startswith("float")):
            m = mod.tensor(mask).requires_grad_(grad)
            out = mod.nn.functional.scaled_dot_product_attention(mod.tensor(q), mod.tensor(k), mod.tensor(v), attn_mask=m)
            if not grad:
                return out
            out.sum().backward()
            return out, m.grad

        _assert_same_outcome(make, f"query {q_dtype}, mask {mask_dtype}, {'4-d' if heads else '3-d'}")


_EMPTY_HALF = {
    "inv": lambda mod, e: mod.linalg.inv(e), "det": lambda mod, e: mod.linalg.det(e),
    "slogdet": lambda mod, e: mod.linalg.slogdet(e), "solve": lambda mod, e: mod.linalg.solve(e, e),
    "solve_ex": lambda mod, e: mod.linalg.solve_ex(e, e),
    "solve_triangular": lambda mod, e: mod.linalg.solve_triangular(e, e, upper=True),
    "cholesky": lambda mod, e: mod.linalg.cholesky(e), "cholesky_ex": lambda mod, e: mod.linalg.cholesky_ex(e),
    "cholesky_solve": lambda mod, e: mod.cholesky_solve(e, e), "cholesky_inverse": lambda mod, e: mod.cholesky_inverse(e),
    "qr": lambda mod, e: mod.linalg.qr(e), "eigh": lambda mod, e: mod.linalg.eigh(e),
    "eig": lambda mod, e: mod.linalg.eig(e), "svd": lambda mod, e: mod.linalg.svd(e),
    "lu": lambda mod, e: mod.linalg.lu(e), "lu_factor": lambda mod, e: mod.linalg.lu_factor(e),
    "lu_solve": lambda mod, e: mod.linalg.lu_solve(e, mod.zeros(e.shape[:-1], dtype=mod.int32), e),
    "cond": lambda mod, e: mod.linalg.cond(e), "cond nuc": lambda mod, e: mod.linalg.cond(e, "nuc"),
    "cond fro": lambda mod, e: mod.linalg.cond(e, "fro"), "pinv": lambda mod, e: mod.linalg.pinv(e),
    "matrix_norm nuc": lambda mod, e: mod.linalg.matrix_norm(e, "nuc"), "lstsq": lambda mod, e: mod.linalg.lstsq(e, e),
}


@pytest.mark.parametrize("shape", [(0, 2, 2), (0, 0)])
@pytest.mark.parametrize("name", list(_EMPTY_HALF))
def test_empty_half_matrices(name, shape):
    """PyTorch's LAPACK kernels skip empty batches, so some take empty float16 matrices; the
    others check the dtype first, or dispatch on it before they look at the size."""
    _assert_same_outcome(lambda mod: _EMPTY_HALF[name](mod, mod.zeros(shape, dtype=mod.float16)), name)
