"""``chainrule.func.vmap`` over every op of the registry (tests/opinfo.py).

For each entry and sample, a batch of B=3 different samples (float arguments perturbed per
sample, integer and boolean arguments permuted so that indices stay valid) runs through
``vmap(op)``; the result must equal stacking the op's per-sample results: values, dtype and
shape. Variants: every tensor argument batched (in_dims 0), the first one unbatched (None)
where there are two or more, and for every fourth entry the batch in the last dimension
(in_dims -1) and out_dims=1, and for every third entry nested vmap over a 2 x 3 grid.
Differentiable entries also run ``vmap(vjp)`` (per-sample gradients) against a loop.
torch.vmap is consulted where it accepts the call; where ours raises, torch's must too.

A spy on ``func._vmap`` records, per primitive, whether a batching rule ran or a fallback
did (a per-op loop, or the whole function per sample); ``test_batching_report`` checks the
spy saw the rule table's claims hold, and lists the primitives without a rule.
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest

import chainrule
from chainrule.func import _vmap
from chainrule.func import vjp as cr_vjp
from chainrule.func import vmap as cr_vmap
from chainrule.ops._registry import PRIMITIVES

from opinfo import OPS, NC, Const, captured_calls, instantiate, prim_key

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:.*(x|Tensor)\\.T.*deprecated:UserWarning"),
    pytest.mark.filterwarnings("ignore:vmap:UserWarning"),
]

B = 3
MAX_SAMPLES = 8  # per entry: keeps the file well under a minute

# What ran under vmap, by primitive key: "ran" (batched in one call), "loop" (a per-op loop,
# noted with "ran by loop"), "whole" (the whole function once per sample).
SEEN: dict[str, set] = {}
RAN: set = set()  # entries whose registry test ran (the checks after it need them all)


@pytest.fixture(autouse=True)
def _spy(monkeypatch):
    real_loop, real_batch, real_per_sample = _vmap._loop, _vmap.batch_record, _vmap._per_sample

    loops: dict[str, int] = {}

    def loop(prim, *args):
        key = prim_key(prim)
        SEEN.setdefault(key, set()).add("loop")
        loops[key] = loops.get(key, 0) + 1
        return real_loop(prim, *args)

    def batch_record(prim, out, args, params):
        key = prim_key(prim)
        before = loops.get(key, 0)
        result = real_batch(prim, out, args, params)
        if result is not None:
            SEEN.setdefault(key, set()).add("ran" if loops.get(key, 0) == before else "ran by loop")
        return result

    def per_sample(func, leaves, dims, build, kwargs, n, out_dims, randomness, op, level):
        SEEN.setdefault(op, set()).add("whole")
        return real_per_sample(func, leaves, dims, build, kwargs, n, out_dims, randomness, op, level)

    monkeypatch.setattr(_vmap, "_loop", loop)
    monkeypatch.setattr(_vmap, "batch_record", batch_record)
    monkeypatch.setattr(_vmap, "_per_sample", per_sample)
    yield


# -- building a batch ----------------------------------------------------------------------------


def _perturb(arr: np.ndarray, b: int, rng) -> np.ndarray:
    """Sample ``b``'s version of a top-level array: floats moved a little, others permuted."""
    if b == 0 or arr.size == 0:
        return arr
    if arr.dtype.kind in "fc":
        return np.asarray(arr + rng.uniform(-0.3, 0.3, arr.shape) * b, dtype=arr.dtype)
    flat = arr.reshape(-1).copy()
    rng.shuffle(flat)
    return flat.reshape(arr.shape)


def _batched_samples(sample, rng, count: int = B):
    """``count`` variants of ``sample``: top-level arrays changed per sample (nested ones kept)."""

    def vary(x, b):
        if isinstance(x, np.ndarray):
            return _perturb(x, b, rng)
        if isinstance(x, NC):
            return NC(_perturb(x.arr, b, rng))
        if isinstance(x, Const):
            return Const(_perturb(x.arr, b, rng))
        return x

    out = []
    for b in range(count):
        args = tuple(vary(a, b % 4) if b < 4 else vary(a, 1 + b % 3) for a in sample.args)
        kwargs = {k: vary(v, b) for k, v in sample.kwargs.items()}
        out.append((args, kwargs))
    return out


def _tensor_slots(args, kwargs) -> list:
    """Where the top-level tensors are: ("a", i) or ("k", name)."""
    slots = [("a", i) for i, a in enumerate(args) if isinstance(a, (chainrule.Tensor, torch.Tensor))]
    slots += [("k", k) for k, v in kwargs.items() if isinstance(v, (chainrule.Tensor, torch.Tensor))]
    return slots


def _get(args, kwargs, slot):
    return args[slot[1]] if slot[0] == "a" else kwargs[slot[1]]


def _put(args, kwargs, slots, values):
    args, kwargs = list(args), dict(kwargs)
    for s, v in zip(slots, values, strict=True):
        if s[0] == "a":
            args[s[1]] = v
        else:
            kwargs[s[1]] = v
    return tuple(args), kwargs


class _Sample:
    def __init__(self, args, kwargs):
        self.args, self.kwargs = args, kwargs


def _instances(mod, variants):
    return [instantiate(mod, _Sample(a, k), False)[:2] for a, k in variants]


def _outs(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _to_np(t) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, (chainrule.Tensor, torch.Tensor)) else np.asarray(t)


def _assert_batch(got, expected: list, out_dim: int, rtol, atol, what: str) -> None:
    """``got`` (a batched result) against the per-sample results ``expected``."""
    got_outs = _outs(got)
    assert len(got_outs) == len(_outs(expected[0])), f"{what}: {len(got_outs)} outputs"
    for i, g in enumerate(got_outs):
        column = [_outs(e)[i] for e in expected]
        if not isinstance(column[0], (chainrule.Tensor, torch.Tensor)):
            continue
        assert isinstance(g, (chainrule.Tensor, torch.Tensor)), f"{what}[{i}]: got {type(g).__name__}"
        want = np.stack([_to_np(c) for c in column], out_dim)
        assert str(g.dtype).split(".")[-1] == str(column[0].dtype).split(".")[-1], (
            f"{what}[{i}]: dtype {g.dtype} != {column[0].dtype}"
        )
        have = _to_np(g)
        assert have.shape == want.shape, f"{what}[{i}]: shape {have.shape} != {want.shape}"
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(have, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=f"{what}[{i}]")
        else:
            np.testing.assert_array_equal(have, want, err_msg=f"{what}[{i}]")


# -- the checks ------------------------------------------------------------------------------------


def _per_sample(mod, op, insts):
    results = []
    for args, kwargs in insts:
        results.append(op.op(mod, *args, **kwargs))
    return results


def _run_vmap(vmap, mod, op, insts, slots, in_dims, out_dims):
    """vmap(op) over the tensors at ``slots`` (stacked at each in_dim), other arguments from sample 0."""
    args0, kwargs0 = insts[0]
    stacked = []
    for s, d in zip(slots, in_dims, strict=True):
        if d is None:
            stacked.append(_get(args0, kwargs0, s))
        else:
            stacked.append(mod.stack([_get(a, k, s) for a, k in insts], d))

    def f(*tensors):
        a, k = _put(args0, kwargs0, slots, tensors)
        return op.op(mod, *a, **k)

    return vmap(f, in_dims=tuple(in_dims), out_dims=out_dims)(*stacked)


def _check_variant(op, sample, variants, in_dim_of, out_dims, with_torch, failures, what):
    insts = _instances(chainrule, variants)
    slots = _tensor_slots(*insts[0])
    if not slots:
        return
    in_dims = [in_dim_of(i) for i in range(len(slots))]
    if all(d is None for d in in_dims):
        return
    # Unbatched arguments take sample 0's value in every sample.
    expected_insts = [
        _put(a, k, slots, [_get(a if d is not None else insts[0][0], k if d is not None else insts[0][1], s)
                           for s, d in zip(slots, in_dims, strict=True)])
        for a, k in insts
    ]
    try:
        expected = _per_sample(chainrule, op, expected_insts)
    except Exception:  # noqa: BLE001 - a perturbed sample outside the op's domain
        return
    if not all(isinstance(o, chainrule.Tensor) for o in _outs(expected[0])):
        return  # vmap only returns tensors
    if out_dims and any(isinstance(o, chainrule.Tensor) and o.dim() < out_dims for o in _outs(expected[0])):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        insts = _instances(chainrule, variants)  # fresh: in-place ops changed the first ones
        try:
            got = _run_vmap(cr_vmap, chainrule, op, insts, slots, in_dims, out_dims)
        except Exception as exc:  # noqa: BLE001
            if _torch_raises(op, variants, in_dims, out_dims, exc):
                return  # torch.vmap refuses it too (in-place into an unbatched tensor, data-dependent shapes)
            failures.append(f"{what}: vmap raised {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            return
    rtol, atol = (1e-7, 1e-9) if variants[0][0] and _is_f64(variants) else (1e-4, 1e-5)
    try:
        _assert_batch(got, expected, out_dims, rtol, atol, what)
    except AssertionError as exc:
        failures.append(str(exc).strip().splitlines()[0] + " | " + " ".join(str(exc).split())[:300])
        return
    if with_torch:
        _check_torch(op, variants, in_dims, out_dims, got, rtol, atol, failures, what)


def _torch_raises(op, variants, in_dims, out_dims, ours: Exception) -> bool:
    insts = _instances(torch, variants)
    slots = _tensor_slots(*insts[0])
    try:
        _run_vmap(torch.vmap, torch, op, insts, slots, in_dims, out_dims)
    except Exception as theirs:  # noqa: BLE001
        return isinstance(ours, type(theirs)) or isinstance(theirs, type(ours))
    return False


def _is_f64(variants) -> bool:
    arrays = [a for a in variants[0][0] if isinstance(a, np.ndarray)]
    return any(a.dtype == np.float64 for a in arrays)


def _check_torch(op, variants, in_dims, out_dims, ours, rtol, atol, failures, what):
    insts = _instances(torch, variants)
    slots = _tensor_slots(*insts[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = _run_vmap(torch.vmap, torch, op, insts, slots, in_dims, out_dims)
        except Exception:  # noqa: BLE001 - torch.vmap has no rule for it: nothing to compare
            return
    for i, (o, t) in enumerate(zip(_outs(ours), _outs(theirs), strict=False)):
        if isinstance(t, torch.Tensor) and isinstance(o, chainrule.Tensor):
            if tuple(o.shape) != tuple(t.shape) or str(o.dtype) != str(t.dtype):
                failures.append(f"{what}[{i}] vs torch.vmap: {tuple(o.shape)} {o.dtype} != {tuple(t.shape)} {t.dtype}")
                continue
            a, b = o.detach().numpy(), t.detach().numpy()
            if b.dtype.kind in "fc":
                if not np.allclose(a, b, rtol=max(rtol, 1e-5), atol=max(atol, 1e-6), equal_nan=True):
                    failures.append(f"{what}[{i}] vs torch.vmap: values differ")
            elif not np.array_equal(a, b):
                failures.append(f"{what}[{i}] vs torch.vmap: values differ")


def _check_vjp(op, variants, failures, what):
    """Per-sample vjp with random cotangents: vmap(vjp) against a loop."""
    insts = _instances(chainrule, variants)
    slots = _tensor_slots(*insts[0])
    diff = [i for i, s in enumerate(slots) if _get(*insts[0], s).dtype.is_floating_point]
    if not diff:
        return
    base = insts[0]

    def vjp_of(*xs_and_cts):
        xs, cts = list(xs_and_cts[:len(slots)]), xs_and_cts[len(slots):]

        def f(*dx):
            for i, v in zip(diff, dx, strict=True):
                xs[i] = v
            a, k = _put(base[0], base[1], slots, xs)
            return tuple(_outs(op.op(chainrule, *a, **k)))

        out, fn = cr_vjp(f, *[xs[i] for i in diff])
        return fn(tuple(cts))

    try:
        per, cts_all = [], []
        rng = np.random.default_rng(0)
        for args, kwargs in insts:
            xs = [_get(args, kwargs, s) for s in slots]
            outs = list(_outs(op.op(chainrule, *args, **kwargs)))
            if not all(isinstance(o, chainrule.Tensor) and o.dtype.is_floating_point for o in outs):
                return
            cts = [chainrule.tensor(rng.standard_normal(tuple(o.shape)).astype(o.numpy().dtype)) for o in outs]
            cts_all.append(cts)
            per.append(vjp_of(*xs, *cts))
    except Exception:  # noqa: BLE001 - not differentiable here: nothing to compare
        return
    insts = _instances(chainrule, variants)
    stacked = [chainrule.stack([_get(a, k, s) for a, k in insts]) for s in slots]
    stacked += [chainrule.stack([c[i] for c in cts_all]) for i in range(len(cts_all[0]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            got = cr_vmap(vjp_of)(*stacked)
        except Exception as exc:  # noqa: BLE001
            if _torch_raises(op, variants, [0] * len(slots), 0, exc):
                return  # torch.vmap refuses the forward already (batch norm's running statistics)
            failures.append(f"{what}: vmap(vjp) raised {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            return
    try:
        _assert_batch(got, per, 0, 1e-6, 1e-8, what + " vjp")
    except AssertionError as exc:
        failures.append(" ".join(str(exc).split())[:300])


def _check_nested(op, sample, rng, failures, what):
    """vmap(vmap(op)) over a 2 x 3 grid of samples against the per-sample results."""
    variants = _batched_samples(sample, rng, 6)
    insts = _instances(chainrule, variants)
    slots = _tensor_slots(*insts[0])
    if not slots:
        return
    try:
        expected = _per_sample(chainrule, op, insts)
    except Exception:  # noqa: BLE001 - a perturbed sample outside the op's domain
        return
    if not all(isinstance(o, chainrule.Tensor) for o in _outs(expected[0])):
        return
    insts = _instances(chainrule, variants)
    args0, kwargs0 = insts[0]
    stacked = [chainrule.stack([_get(a, k, s) for a, k in insts]).reshape(2, 3, *_get(args0, kwargs0, s).shape)
               for s in slots]

    def f(*tensors):
        a, k = _put(args0, kwargs0, slots, tensors)
        return op.op(chainrule, *a, **k)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            got = cr_vmap(cr_vmap(f))(*stacked)
        except Exception as exc:  # noqa: BLE001
            if _torch_raises(op, variants[:3], [0] * len(slots), 0, exc):
                return
            failures.append(f"{what} nested: vmap raised {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            return
    flat = [o.reshape(6, *o.shape[2:]) if isinstance(o, chainrule.Tensor) else o for o in _outs(got)]
    try:
        _assert_batch(tuple(flat) if isinstance(got, (tuple, list)) else flat[0], expected, 0, 1e-7, 1e-9,
                      what + " nested")
    except AssertionError as exc:
        failures.append(" ".join(str(exc).split())[:300])


def _entries():
    out = []
    for i, op in enumerate(OPS):
        out.append(pytest.param(op, i, id=op.name))
    return out


# as_strided addresses the storage: a sample of a stacked batch is a view at an offset into
# it, so the per-sample results this test stacks are not what vmap means (PyTorch's vmap
# gives as_strided its own batched semantics).
SKIP = {"as_strided": "storage-relative: per-sample views differ from separate tensors"}
# Known gaps that raise (never a silent wrong result): sample descriptions, with the reason.
KNOWN = {
    "setitem_(index tensor": "x[index_tensor] = v under vmap raises a shape mismatch (the per-sample fallback "
                             "broadcasts the value against the batched view)",
    "setitem_(repeated indices": "as above",
    "F.ctc_loss": "torch.vmap's ctc_loss mean differs from the per-sample results; ours equals them",
}


@pytest.mark.parametrize("op, index", _entries())
def test_vmap_matches_per_sample(op, index):
    """vmap(op) equals stacking per-sample results (several in_dims/out_dims variants)."""
    RAN.add(op.name)
    if op.name in SKIP:
        pytest.skip(SKIP[op.name])
    samples = list(op.sample_inputs("float64"))[:MAX_SAMPLES] if op.sample_inputs("float64") else []
    samples += list(op.int_sample_inputs())[:3]
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    failures: list[str] = []
    for j, sample in enumerate(samples):
        variants = _batched_samples(sample, rng)
        what = f"{op.name}({sample.desc})"
        _check_variant(op, sample, variants, lambda i: 0, 0, j < 3, failures, what)
        _check_variant(op, sample, variants, lambda i: None if i == 0 else 0, 0, False, failures, what + " first unbatched")
        if index % 4 == 0 and j < 2:
            _check_variant(op, sample, variants, lambda i: -1, 1, False, failures, what + " in_dims=-1 out_dims=1")
        if op.differentiable and j < 2:
            _check_vjp(op, variants, failures, what)
        if index % 3 == 1 and j < 2:
            _check_nested(op, sample, rng, failures, what)
    failures = [f for f in failures if not any(f.startswith(k) or f"| {k}" in f for k in KNOWN)]
    assert not failures, "\n".join(failures)


def test_batching_report():
    """The primitives the registry reached under vmap and how each ran; prints the
    primitives without a batching rule (they run once per sample)."""
    if len(RAN) < len(OPS):
        pytest.skip("run with the whole registry test")
    kinds = {prim_key(p): _vmap.batching_kind(p) for p in PRIMITIVES}
    assert set(kinds.values()) <= {"rule", "elementwise", "loop"}
    loops = sorted(k for k, v in kinds.items() if v == "loop")
    partial = sorted(k for k, v in SEEN.items() if "loop" in v and kinds.get(k, "loop") != "loop")
    print(f"\n{len(kinds) - len(loops)} of {len(kinds)} primitives have batching rules; loop: {loops}")
    print("rules that fell back to the loop for some arguments:", partial)
    print("whole-function fallbacks seen:", sorted(k for k, v in SEEN.items() if "whole" in v))


def test_primitives_inside_gradients_batch():
    """Primitives with a batching rule that no entry reaches under vmap (kernels that run only
    inside first and second derivatives), called as recorded in the entries' gradients: vmap
    over B perturbed copies of their float arguments equals the per-sample calls."""
    if len(RAN) < len(OPS):
        pytest.skip("run with the whole registry test")
    keys = {prim_key(p) for p in PRIMITIVES if _vmap.batching_kind(p) != "loop"}
    calls = captured_calls(chainrule, {k for k in keys if "ran" not in SEEN.get(k, ())})
    failures = []
    for key, (prim, args, params) in sorted(calls.items()):
        rng = np.random.default_rng(zlib.crc32(key.encode()))
        floats = [i for i, a in enumerate(args) if isinstance(a, chainrule.Tensor) and a.dtype.is_floating_point]
        copies = [[chainrule.tensor(_perturb(args[i].numpy(), b, rng)) for i in floats] for b in range(B)]

        def call(*xs, prim=prim, args=args, params=params, floats=floats):
            full = list(args)
            for i, x in zip(floats, xs, strict=True):
                full[i] = x
            return prim(*full, **params)

        try:
            expected = [call(*c) for c in copies]
            got = cr_vmap(call)(*[chainrule.stack([c[j] for c in copies]) for j in range(len(floats))])
            _assert_batch(got, expected, 0, 1e-9, 1e-12, key)
        except Exception as exc:  # noqa: BLE001 - report every primitive
            failures.append(f"{key}: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    assert not failures, "\n".join(failures)


def test_rules_that_batch_some_arguments_only():
    """Rules that loop when a weight is batched (per-sample weights) batch in one call when
    only the data is: an embedding lookup of batched indices, a convolution's input gradient
    for a batch of inputs, and a cross product over a negative dim; each against per-sample calls."""
    rng = np.random.default_rng(7)
    for mod in (chainrule, torch):
        w = mod.tensor(rng.standard_normal((5, 3)))
        idx = mod.tensor(rng.integers(0, 5, (B, 4)))
        got = (cr_vmap if mod is chainrule else torch.vmap)(lambda i, w=w, mod=mod: mod.nn.functional.embedding(i, w))(idx)
        _assert_batch(got, [mod.nn.functional.embedding(i, w) for i in idx], 0, 0, 0, "embedding")
    x = rng.standard_normal((1, 2, 6, 6))
    w = rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal((B, 1, 3, 4, 4))
    results = {}
    for mod, vmap, vjp in ((chainrule, cr_vmap, cr_vjp), (torch, torch.vmap, torch.func.vjp)):
        wt, gs = mod.tensor(w), mod.tensor(g)
        # A batch of cotangents through one vjp (as jacrev does): the input gradient's kernel
        # meets a batched gradient and an unbatched weight. conv_transpose is the same kernel.
        _, vjp_fn = vjp(lambda a, wt=wt, mod=mod: mod.nn.functional.conv2d(a, wt), mod.tensor(x))
        got = vmap(vjp_fn)(gs)[0]
        _assert_batch(got, [vjp_fn(c)[0] for c in gs], 0, 1e-9, 1e-12, "conv input gradient")
        transposed = vmap(lambda c, wt=wt, mod=mod: mod.nn.functional.conv_transpose2d(c, wt))(gs)
        results[mod.__name__] = (_to_np(got), _to_np(transposed))
    for ours, theirs in zip(results["chainrule"], results["torch"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    a, b = rng.standard_normal((B, 2, 3)), rng.standard_normal((B, 2, 3))
    want = torch.vmap(lambda p, q: torch.linalg.cross(p, q, dim=-1))(torch.tensor(a), torch.tensor(b))
    got = cr_vmap(lambda p, q: chainrule.linalg.cross(p, q, dim=-1))(chainrule.tensor(a), chainrule.tensor(b))
    np.testing.assert_allclose(_to_np(got), _to_np(want), rtol=1e-12)
    for key in ("_embedding", "_conv_input_grad_kernel[ConvolutionBackward0]",
                "_conv_input_grad_kernel[ConvolutionBackwardBackward0]", "_cross"):
        assert "ran" in SEEN.get(key, ()), f"{key} did not batch"


def test_capabilities_vmap_column_is_what_the_spy_saw():
    """ops.capabilities' vmap column: True for a primitive whose batching rule the registry
    test saw run, False for one that ran once per sample (and none claimed without a run)."""
    if len(RAN) < len(OPS):
        pytest.skip("run with the whole registry test")
    rows = {r["op"]: r for r in chainrule.ops.capabilities()}
    keys = [prim_key(p) for p in PRIMITIVES]
    claimed = {k for k in keys if rows[k.removeprefix("_")]["vmap"]}
    unproven = sorted(k for k in claimed if "ran" not in SEEN.get(k, ()))
    assert not unproven, f"vmap claimed, but no batched run seen: {unproven}"
    wrong = sorted(k for k in keys if k not in claimed and "ran" in SEEN.get(k, ()))
    assert not wrong, f"ran batched, though capabilities says vmap False: {wrong}"
    looped = sorted(k for k in keys if k not in claimed and "loop" in SEEN.get(k, ()))
    assert looped, "no primitive fell back to the loop: is the spy working?"
    for k in keys:
        row = rows[k.removeprefix("_")]
        assert row["batching"] == (_vmap.batching_kind(PRIMITIVES[keys.index(k)]) if row["vmap"] else None)
