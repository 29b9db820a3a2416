"""``chainrule.func.vmap``'s API against ``torch.func.vmap``: in_dims/out_dims structures,
chunk_size, nested vmap, kwargs, randomness, in-place ops and the error messages."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402
from chainrule.func import _vmap, vmap  # noqa: E402

from api_oracle import assert_same, cases  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:vmap:UserWarning")


def _x(mod, *shape, seed=0):
    return mod.tensor(np.random.default_rng(seed).standard_normal(shape))


def _vm(mod):
    return mod.func.vmap if mod is chainrule else torch.func.vmap


@contextlib.contextmanager
def _batched_only(loops_ok: bool = False):
    """vmap's fallback warnings (a primitive's per-sample loop, the whole function per sample)
    become errors, including those already shown once in this session; with ``loops_ok``, only
    the whole function's."""
    shown = set(_vmap._warned)
    _vmap._warned.clear()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            if loops_ok:
                warnings.filterwarnings("ignore", "vmap: .* has no batching rule", UserWarning)
            yield
    finally:
        _vmap._warned.update(shown)


def _assert_batched_like_torch(run, rtol=1e-9, atol=1e-12, loops_ok=False):
    """``run(module)`` (a list of arrays) batches under chainrule and matches torch's."""
    with _batched_only(loops_ok):
        ours = run(chainrule)
    theirs = run(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


SAME = {
    "in_dims tuple with None": lambda m: _vm(m)(lambda x, y: x * y, in_dims=(0, None))(_x(m, 3, 4), _x(m, 4, seed=1)),
    "in_dims 1": lambda m: _vm(m)(lambda x: x.sum(0), in_dims=1)(_x(m, 2, 5)),
    "in_dims -1": lambda m: _vm(m)(lambda x: x * 2, in_dims=-1)(_x(m, 2, 3)),
    "out_dims 1": lambda m: _vm(m)(lambda x: x.exp(), out_dims=1)(_x(m, 3, 4)),
    "out_dims tuple": lambda m: _vm(m)(lambda x: (x, x.sum()), out_dims=(1, 0))(_x(m, 3, 4)),
    "out_dims None for an unbatched output": lambda m: _vm(m)(lambda x, y: (x * 2, y), in_dims=(0, None),
                                                             out_dims=(0, None))(_x(m, 3, 2), _x(m, 2)),
    "nested tuple in_dims": lambda m: _vm(m)(lambda p: p[0] + p[1], in_dims=((0, None),))((_x(m, 3, 2), _x(m, 2))),
    "dict input": lambda m: _vm(m)(lambda d: d["a"] * d["b"])({"a": _x(m, 3, 2), "b": _x(m, 3, 2, seed=1)}),
    "dict in_dims": lambda m: _vm(m)(lambda d: d["a"] * d["b"], in_dims=({"a": 0, "b": None},))(
        {"a": _x(m, 3, 2), "b": _x(m, 2, seed=1)}),
    "kwargs are not batched": lambda m: _vm(m)(lambda x, scale=1.0: x * scale)(_x(m, 3, 2), scale=_x(m, 2)),
    "chunk_size": lambda m: _vm(m)(lambda x: x @ x, chunk_size=2)(_x(m, 5, 3)),
    "chunk_size 1 with out_dims": lambda m: _vm(m)(lambda x: x.outer(x), chunk_size=1, out_dims=2)(_x(m, 3, 2)),
    "nested vmap": lambda m: _vm(m)(_vm(m)(lambda x, y: x * y + x.sum()))(_x(m, 2, 3, 4), _x(m, 2, 3, 4, seed=1)),
    "nested vmap, inner in_dims None": lambda m: _vm(m)(_vm(m)(lambda x, w: x @ w, in_dims=(0, None)))(
        _x(m, 2, 3, 4), _x(m, 2, 4, 5, seed=1)),
    "matmul batched both": lambda m: _vm(m)(m.matmul)(_x(m, 3, 2, 4), _x(m, 3, 4, 5, seed=1)),
    "softmax + cross_entropy, target batched": lambda m: _vm(m)(
        lambda x, t: m.nn.functional.cross_entropy(x.unsqueeze(0), t.unsqueeze(0)))(
        _x(m, 4, 5), m.tensor([0, 3, 1, 4])),
    "embedding, indices batched": lambda m: _vm(m)(lambda i, w: m.nn.functional.embedding(i, w), in_dims=(0, None))(
        m.tensor([[0, 2], [1, 1], [3, 0]]), _x(m, 4, 3)),
    "conv2d, input batched": lambda m: _vm(m)(lambda x, w: m.nn.functional.conv2d(x, w), in_dims=(0, None))(
        _x(m, 2, 1, 3, 5, 5), _x(m, 4, 3, 3, 3, seed=1)),
    "layer_norm": lambda m: _vm(m)(lambda x: m.nn.functional.layer_norm(x, (4,)))(_x(m, 3, 2, 4)),
    "in-place on a batched tensor": lambda m: _vm(m)(lambda x, y: x.mul_(y))(_x(m, 3, 2), _x(m, 3, 2, seed=1)),
    "in-place into an unbatched tensor raises": lambda m: _vm(m)(lambda x, y: x.copy_(y), in_dims=(None, 0))(
        _x(m, 2), _x(m, 3, 2, seed=1)),
    "per-sample grads": lambda m: _vm(m)(m.func.grad(lambda w, x: (x @ w).tanh().sum()), in_dims=(None, 0))(
        _x(m, 3), _x(m, 5, 3, seed=1)),
}


@pytest.mark.parametrize("fn", cases(SAME))
def test_same_as_torch(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _outcome(fn, torch)
        got = _outcome(fn, chainrule)
    assert _close(got, expected), f"{got}\n!=\n{expected}"


def _outcome(fn, mod):
    try:
        return _arrays(fn(mod))
    except Exception as e:  # noqa: BLE001 - the exception type is the outcome
        return ("raises", type(e).__name__)


def _arrays(x):
    if isinstance(x, (torch.Tensor, chainrule.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.detach().numpy())
    if isinstance(x, (tuple, list)):
        return tuple(_arrays(y) for y in x)
    return x


def _close(a, b) -> bool:
    if isinstance(a, tuple) and a and a[0] == "tensor":
        return (isinstance(b, tuple) and b[:3] == a[:3]
                and np.allclose(a[3], b[3], rtol=1e-6, atol=1e-8))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


ERRORS = {
    "in_dims out of range": lambda m: _vm(m)(lambda x: x, in_dims=2)(_x(m, 2, 3)),
    "size mismatch": lambda m: _vm(m)(lambda x, y: x + y)(_x(m, 2, 3), _x(m, 3, 3)),
    "in_dims structure": lambda m: _vm(m)(lambda x, y: x + y, in_dims=(0,))(_x(m, 2, 3), _x(m, 2, 3)),
    "no batched input": lambda m: _vm(m)(lambda x: x, in_dims=None)(_x(m, 2, 3)),
    "in_dim for a non-tensor": lambda m: _vm(m)(lambda x, n: x * n, in_dims=(0, 0))(_x(m, 2, 3), 2),
    "non-tensor output": lambda m: _vm(m)(lambda x: 1.0)(_x(m, 2, 3)),
    "bad randomness": lambda m: _vm(m)(lambda x: x, randomness="sometimes")(_x(m, 2)),
    "item inside vmap": lambda m: _vm(m)(lambda x: x.sum().item())(_x(m, 2, 3)),
    "random op in error mode": lambda m: _vm(m)(lambda x: x + m.randn(3))(_x(m, 2, 3)),
    "dropout in error mode": lambda m: _vm(m)(lambda x: m.nn.functional.dropout(x, 0.5))(_x(m, 2, 3)),
}


@pytest.mark.parametrize("fn", cases(ERRORS))
def test_errors_match_torch(fn):
    """The exception type of each misuse, as torch's."""
    assert_same(fn)


def test_error_messages_match_torch():
    for name in ("size mismatch", "random op in error mode", "in_dims out of range", "no batched input"):
        t = c = None
        try:
            ERRORS[name](torch)
        except Exception as e:  # noqa: BLE001
            t = str(e)
        try:
            ERRORS[name](chainrule)
        except Exception as e:  # noqa: BLE001
            c = str(e)
        assert t is not None and c is not None
        if name == "random op in error mode":
            assert c == t
        else:
            assert c.split(":")[0] == t.split(":")[0], (c, t)


@pytest.mark.parametrize("mode", ["same", "different"])
@pytest.mark.parametrize("kind", ["randn", "dropout", "rand_like", "after a fallback"])
def test_randomness(mode, kind):
    """'same': one draw for every sample; 'different': each sample its own."""
    f = {
        "randn": lambda x: x + chainrule.randn(64),
        "dropout": lambda x: F.dropout(x, 0.5),
        "rand_like": lambda x: x * chainrule.rand_like(x),
        "after a fallback": lambda x: x.max(0)[0] * chainrule.randn(64),  # max(dim) runs per sample
    }[kind]
    r = vmap(f, randomness=mode)(chainrule.ones(4, 64)).numpy()
    equal = [np.array_equal(r[0], r[i]) for i in range(1, 4)]
    assert all(equal) if mode == "same" else not any(equal)
    assert _vmap.randomness() is None


def test_randomness_is_reported_inside():
    seen = []
    vmap(lambda x: seen.append(_vmap.randomness()) or x, randomness="same")(chainrule.ones(2))
    assert seen == ["same"]


def test_batching_kind():
    from chainrule.ops import elementwise
    from chainrule.ops._registry import PRIMITIVES

    kinds = {p.name: _vmap.batching_kind(p) for p in PRIMITIVES}
    assert kinds["_exp"] == "elementwise"
    assert kinds["_nll_loss"] == "rule" and kinds["_convolution"] == "rule"
    assert kinds["_unique"] == "loop" and kinds["_lstsq"] == "rule" and kinds["_topk_pick"] == "rule"
    assert _vmap.batching_kind(elementwise._exp) == "elementwise"


def test_no_silent_sample_zero():
    """Values an op computes outside the primitives (comparisons, argmax positions) are
    never taken from sample 0 alone."""
    x = _x(chainrule, 4, 5)
    out = vmap(lambda x: (x > 0).float() * x.max(0)[0] + x.argmax().float())(x)
    want = chainrule.stack([(s > 0).float() * s.max(0)[0] + s.argmax().float() for s in x])
    np.testing.assert_allclose(out.numpy(), want.numpy())


INPLACE_BODIES = {
    "exp_": lambda a: (a * 1).exp_().sum(),
    "mul_ by itself": lambda a: (a * 1).mul_(a).sum(),
    "pow_ then sin": lambda a: (a * 2).pow_(3).sin().sum(),
    "add_ of a closed-over weight": lambda a: (a * 1).add_(a.cos(), alpha=2.0).mul(a).sum(),
    "clamp_ twice": lambda a: (a * 3).clamp_(-1, 1).clamp_(max=0.5).sum(),
}


@pytest.mark.parametrize("name", sorted(INPLACE_BODIES))
def test_per_sample_grads_through_inplace_ops_match_torch(name):
    """vmap(grad(f)) where f writes in place into an intermediate: the in-place op's history
    reaches the batch (it once gave ones for exp_: a silent wrong gradient)."""
    f = INPLACE_BODIES[name]
    x = np.random.default_rng(1).standard_normal((4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # batched, not the per-sample fallback
        ours = vmap(chainrule.func.grad(f))(chainrule.tensor(x))
    theirs = torch.vmap(torch.func.grad(f))(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_per_sample_grads_match_torch_mlp():
    """vmap(grad(loss)) over a batch: a 6-16-3 MLP with cross_entropy, against torch.func."""
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((16, 6)) * 0.3, rng.standard_normal(16) * 0.1
    w2, b2 = rng.standard_normal((3, 16)) * 0.3, rng.standard_normal(3) * 0.1
    xs, ys = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)

    def run(m):
        params = [m.tensor(a) for a in (w1, b1, w2, b2)]

        def loss(params, x, y):
            h = m.nn.functional.linear(x.unsqueeze(0), params[0], params[1]).relu()
            return m.nn.functional.cross_entropy(m.nn.functional.linear(h, params[2], params[3]), y.unsqueeze(0))

        g = _vm(m)(m.func.grad(loss), in_dims=(None, 0, 0))(params, m.tensor(xs), m.tensor(ys))
        return [t.detach().numpy() for t in g]

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback may run
        ours = run(chainrule)
    for a, b in zip(ours, run(torch), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_gradcheck_check_batched_grad(monkeypatch):
    """gradcheck(check_batched_grad=True): the vjp of several cotangents under vmap agrees
    with one by one; a wrong batching rule is caught."""
    from chainrule.autograd import GradcheckError, gradcheck

    x = chainrule.randn(3, 4, dtype=chainrule.float64, requires_grad=True)
    w = chainrule.randn(4, 2, dtype=chainrule.float64, requires_grad=True)
    assert gradcheck(lambda x, w: (x @ w).tanh().log_softmax(1), (x, w), check_batched_grad=True)
    assert gradcheck(lambda x: F.cross_entropy(x, chainrule.tensor([0, 1, 3])), (x,), check_batched_grad=True)
    from chainrule.autograd import gradgradcheck

    assert gradgradcheck(lambda x: (x.tanh() * x).log_softmax(1), (x,), check_batched_grad=True)

    def wrong(prim, out, args, params, phys, n):  # drops the batch: every sample gets sample 0's values
        from chainrule.ops.movement import expand, select, unsqueeze

        p = [select(q, 0, 0) if q is not None else a for a, q in zip(args, phys, strict=True)]
        r = prim(*p, **params)
        return expand(unsqueeze(r, 0), (n, *r.shape))

    monkeypatch.setitem(_vmap._RULES, "_mul", wrong)
    with pytest.raises(GradcheckError, match="Batched gradient mismatch"):
        gradcheck(lambda x: x.sin(), (x,), check_batched_grad=True)
    assert not gradcheck(lambda x: x.sin(), (x,), check_batched_grad=True, raise_exception=False)


def test_per_sample_grads_match_torch_cnn():
    """vmap(grad(loss)) of a small CNN (conv2d, relu, max_pool2d, avg_pool2d, linear,
    cross_entropy) against torch.func: batched all the way (no fallback warning)."""
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((4, 2, 3, 3)) * 0.3, rng.standard_normal(4) * 0.1,
              rng.standard_normal((3, 4)) * 0.3, rng.standard_normal(3) * 0.1]
    xs, ys = rng.standard_normal((6, 2, 8, 8)), rng.integers(0, 3, 6)

    def run(m):
        F_ = m.nn.functional
        params = [m.tensor(a) for a in arrays]

        def loss(params, x, y):
            h = F_.max_pool2d(F_.conv2d(x.unsqueeze(0), params[0], params[1], padding=1).relu(), 2)
            h = F_.avg_pool2d(h, 4).flatten(1)
            return F_.cross_entropy(F_.linear(h, params[2], params[3]), y.unsqueeze(0))

        g = _vm(m)(m.func.grad(loss), in_dims=(None, 0, 0))(params, m.tensor(xs), m.tensor(ys))
        return [t.detach().numpy() for t in g]

    _assert_batched_like_torch(run)


def test_like_creations_stay_batched():
    """zeros_like(x) & co. read only x's shape: no fallback, results like torch's."""
    def f(m):
        return _vm(m)(lambda x: x + m.zeros_like(x) + m.ones_like(x, dtype=m.float64) * m.full_like(x, 2.0))(
            _x(m, 3, 4))

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got = _outcome(f, chainrule)
    assert _close(got, _outcome(f, torch))


BACKWARD_CASES = {
    # op on one sample, and the primitives whose batching rules its vjp under vmap runs
    "diagonal": (lambda x: x.diagonal(0, 0, 1), "_diagonal_backward"),
    "unfold": (lambda x: x.unfold(1, 2, 1), "_unfold_backward"),
    "advanced index": (lambda x: x[chainrule.tensor([0, 2, 2])], "_index_backward_kernel"),
    "take_along_dim": (lambda x: chainrule.take_along_dim(x, chainrule.tensor([[0, 1, 1, 0]] * 3), 1), None),
    "cummax values": (lambda x: x.cummax(1)[0], "_put_along_kernel"),
    "max values": (lambda x: x.max(1)[0], "_scatter_along"),
    "median of all": (lambda x: x.median(), None),
    "max_pool2d with indices": (lambda x: F.max_pool2d(x[None], 2, return_indices=True)[0], "_scatter_flat"),
    "index_fill": (lambda x: x.index_fill(1, chainrule.tensor([0, 2]), 0.5), "_index_fill_kernel"),
}


@pytest.mark.parametrize("name", list(BACKWARD_CASES))
def test_vjp_under_vmap_runs_backward_rules(name, monkeypatch):
    """vmap over a vjp function with several cotangents: the backward kernels batch (their
    rules ran, no loop) and the gradients equal the one-by-one ones."""
    from chainrule.func import vjp

    fn, prim = BACKWARD_CASES[name]
    xs = _x(chainrule, 3, 3, 4)
    cts = chainrule.stack([_x(chainrule, *fn(xs[0]).shape, seed=i + 1) for i in range(3)])
    looped, ran = [], []
    real_loop = _vmap._loop
    monkeypatch.setattr(_vmap, "_loop", lambda p, *a: looped.append(p.name) or real_loop(p, *a))
    if prim is not None:
        rule = _vmap._RULES[prim]

        def spy(*a):
            ran.append(prim)
            return rule(*a)

        spy.batched_params = getattr(rule, "batched_params", frozenset())
        monkeypatch.setitem(_vmap._RULES, prim, spy)

    _, vjp_fn = vjp(fn, xs[0])  # one forward pass; the cotangents are batched (as in jacrev)
    got = vmap(vjp_fn)(cts)[0]
    want = chainrule.stack([vjp_fn(cts[i])[0] for i in range(3)])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    if prim is not None:
        assert prim in ran and prim not in looped, (ran, looped)


PICKS = {
    # ops whose indices the op computes from each sample's values (no ties: torch's order at
    # ties is its own)
    "max dim": lambda m, x: tuple(m.max(x, 1)),
    "min dim keepdim": lambda m, x: tuple(m.min(x, -1, keepdim=True)),
    "median dim": lambda m, x: tuple(m.median(x, 0)),
    "median all": lambda m, x: m.median(x),
    "mode": lambda m, x: tuple(m.mode((x * 2).round(), 1)),
    "kthvalue": lambda m, x: tuple(m.kthvalue(x, 2, 0)),
    "sort descending": lambda m, x: tuple(m.sort(x, 0, descending=True)),
    "sort stable": lambda m, x: tuple(m.sort(x, stable=True)),
    "topk smallest": lambda m, x: tuple(m.topk(x, 3, largest=False)),
    "topk": lambda m, x: tuple(m.topk(x, 2, dim=0)),
    "cummax": lambda m, x: tuple(m.cummax(x, 1)),
    "cummin": lambda m, x: tuple(m.cummin(x, 0)),
    "aminmax": lambda m, x: tuple(m.aminmax(x, dim=1)),
    "max of a 0-d sample": lambda m, x: tuple(m.max(x[0, 0], 0)),
}


def _first_sum(r):
    return (r[0] if isinstance(r, tuple) else r).sum()


@pytest.mark.parametrize("name", sorted(PICKS))
def test_picks_batch_like_torch(name):
    """max/sort/topk & co. run batched (no fallback warning): values and indices as
    torch.vmap's for in_dims 0 and -1 and nested vmap, and per-sample gradients as torch's."""
    op = PICKS[name]
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5))
    results = {}
    for m in (chainrule, torch):
        vm, grad = _vm(m), m.func.grad
        t = m.tensor(x)
        with warnings.catch_warnings():
            if m is chainrule:
                warnings.simplefilter("error", UserWarning)
            results[m] = [
                vm(lambda s, m=m: op(m, s))(t[0]),
                vm(lambda s, m=m: op(m, s), in_dims=-1)(t[0]),
                vm(vm(lambda s, m=m: op(m, s)))(t),
                vm(grad(lambda s, m=m: _first_sum(op(m, s))))(t[0]),
                vm(vm(grad(lambda s, m=m: _first_sum(op(m, s)))))(t),
            ]
    assert _close(_arrays(results[chainrule]), _arrays(results[torch]))


def test_picks_at_ties_equal_per_sample():
    """At ties (where torch's topk order is its own), the batched picks equal ours one by one."""
    x = np.random.default_rng(4).standard_normal((3, 4, 6))
    x[1, 2, :] = 1.0
    x[2, :, 1] = x[2, :, 4]
    t = chainrule.tensor(x)
    for op in PICKS.values():
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            got = vmap(lambda s, op=op: op(chainrule, s))(t)
            grads = vmap(chainrule.func.grad(lambda s, op=op: _first_sum(op(chainrule, s))))(t)
        want = [op(chainrule, s) for s in t]
        want_grads = [chainrule.func.grad(lambda s, op=op: _first_sum(op(chainrule, s)))(s) for s in t]
        for i, g in enumerate(got if isinstance(got, tuple) else (got,)):
            np.testing.assert_array_equal(
                g.numpy(), np.stack([(w if isinstance(w, tuple) else (w,))[i].numpy() for w in want]))
        np.testing.assert_array_equal(grads.numpy(), np.stack([w.numpy() for w in want_grads]))


def test_pick_rule_checks_the_op_it_batches():
    """A pick primitive called directly with an index of one's own (not the op's positions of
    a max) is not recomputed: vmap runs the function per sample, with a warning."""
    from chainrule.ops import reduction

    x = _x(chainrule, 3, 4, 5)
    index = np.zeros((4, 1), dtype=np.int64)
    with pytest.warns(UserWarning, match="per sample"):
        got = vmap(lambda s: reduction._max_pick(s, dim=1, keepdim=False, index=index))(x)
    np.testing.assert_array_equal(got.numpy(), x.numpy()[:, :, 0])


@pytest.mark.parametrize("nested", [False, True])
def test_print_inside_vmap_shows_the_batch(nested):
    """str() and print() of a batched tensor show the BatchedTensor wrapper, as torch's."""
    shown = {}
    for m in (chainrule, torch):
        seen = []
        f = _vm(m)(lambda s, seen=seen: seen.append((str(s), repr(s), f"{s}")) or s * 1)
        (_vm(m)(f) if nested else f)(m.ones(2, 3, 2) if nested else m.ones(2, 3))
        shown[m] = seen
    assert shown[chainrule] == shown[torch]


DECOMPOSITIONS = {
    # op, input, and a loss that does not depend on the sign of singular/eigen vectors
    "svd": (lambda m, a: tuple(m.linalg.svd(a, full_matrices=False)), "tall",
            lambda r: r[1].sum() + (r[0] ** 2 * r[1]).sum()),
    "qr": (lambda m, a: tuple(m.linalg.qr(a)), "tall", lambda r: r[1].sum() + r[0].sum()),
    "eigh": (lambda m, a: tuple(m.linalg.eigh(a)), "symmetric", lambda r: r[0].sum() + (r[1] ** 2 * r[0]).sum()),
    "slogdet": (lambda m, a: tuple(m.linalg.slogdet(a)), "square", lambda r: r[1]),
    "lu": (lambda m, a: tuple(m.linalg.lu(a)), "square", lambda r: (r[1] * r[2]).sum()),
    "lu_factor_ex": (lambda m, a: tuple(m.linalg.lu_factor_ex(a)), "tall", lambda r: r[0].sum()),
}


@pytest.mark.parametrize("name", sorted(DECOMPOSITIONS))
def test_decompositions_batch_like_torch(name):
    """Multi-output linalg primitives run batched (no fallback warning): every output as
    torch.vmap's (the outputs with a sign of their own as ours one by one), gradients
    with respect to the batch as torch's, under nested vmap too."""
    op, kind, loss = DECOMPOSITIONS[name]
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 5, 3) if kind == "tall" else (2, 3, 4, 4))
    if kind == "symmetric":
        a = a + np.swapaxes(a, -1, -2)
    results = {}
    for m in (chainrule, torch):
        vm, t = _vm(m), m.tensor(a)
        with warnings.catch_warnings():
            warnings.filterwarnings("error" if m is chainrule else "ignore", "vmap|.*batching rule")
            results[m] = [
                vm(lambda s, m=m: op(m, s))(t[0]),
                vm(vm(lambda s, m=m: op(m, s)))(t),
                vm(m.func.grad(lambda s, m=m: loss(op(m, s))))(t[0]),
                vm(vm(m.func.grad(lambda s, m=m: loss(op(m, s)))))(t),
            ]
    ours, theirs = _arrays(results[chainrule]), _arrays(results[torch])
    if name in ("svd", "eigh"):  # vectors' signs: LAPACK's choice; compare with ours per sample
        one_by_one = tuple(_arrays(np.stack([o.numpy() for o in outs])) for outs in
                           zip(*[op(chainrule, chainrule.tensor(s)) for s in a[0]], strict=True))
        assert all(np.allclose(x[3], y, atol=1e-10) for x, y in zip(ours[0], one_by_one, strict=True))
        ours, theirs = ours[2:], theirs[2:]
    assert _close(ours, theirs)
    # Which outputs carry a gradient (lu's P and lu_factor_ex's pivots do not).
    flags = {}
    for m in (chainrule, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs = _vm(m)(lambda s, m=m: op(m, s))(m.tensor(a[0], requires_grad=True))
        flags[m] = [o.requires_grad for o in outs]
    assert flags[chainrule] == flags[torch]


POOLS = {
    "max_pool2d with indices": (lambda m, x: tuple(m.nn.functional.max_pool2d(x, 2, return_indices=True)), 4),
    "max_pool2d strided, padded": (lambda m, x: tuple(m.nn.functional.max_pool2d(
        x, 3, stride=2, padding=1, return_indices=True)), 4),
    "adaptive_max_pool2d with indices": (lambda m, x: tuple(m.nn.functional.adaptive_max_pool2d(
        x, (3, 2), return_indices=True)), 4),
    "max_unpool2d of max_pool2d": (lambda m, x: m.nn.functional.max_unpool2d(
        *m.nn.functional.max_pool2d(x, 2, return_indices=True), 2), 4),
}


@pytest.mark.parametrize("name", sorted(POOLS))
def test_max_pool_with_indices_batches_like_torch(name):
    """Max pooling that returns its indices (and unpooling at them) runs batched: values,
    indices and per-sample gradients as torch's, nested too."""
    op, nd = POOLS[name]
    x = np.random.default_rng(6).standard_normal((2, 3, 2, 4, 6, 6))
    results = {}
    for m in (chainrule, torch):
        vm, t = _vm(m), m.tensor(x)
        loss = lambda s, m=m: (op(m, s)[0] ** 2).sum() if isinstance(op(m, s), tuple) else (op(m, s) ** 3).sum()  # noqa: E731
        with warnings.catch_warnings():
            warnings.filterwarnings("error" if m is chainrule else "ignore", "vmap|.*batching rule")
            results[m] = [
                vm(lambda s, m=m: op(m, s))(t[0]),
                vm(vm(lambda s, m=m: op(m, s)))(t),
                vm(m.func.grad(loss))(t[0]),
            ]
    assert _close(_arrays(results[chainrule]), _arrays(results[torch]))


PRODUCTS = {
    # op, sample shapes (the batch of 3 in front), in_dims variants
    "addmv": (lambda m, i, a, v: m.addmv(i, a, v, beta=0.5, alpha=2.0), [(3, 4), (3, 4, 5), (3, 5)],
              [0, (None, 0, 0), (0, None, 0), (0, 0, None)]),
    "addmv, 0-d input": (lambda m, i, a, v: m.addmv(i, a, v), [(3,), (3, 4, 5), (3, 5)], [0, (None, 0, 0)]),
    "addr, beta 0": (lambda m, i, a, v: m.addr(i, a, v, beta=0.0), [(3, 4, 5), (3, 4), (3, 5)],
                     [0, (None, 0, 0), (0, 0, None)]),
    "addr, broadcast input": (lambda m, i, a, v: m.addr(i, a, v), [(3, 5), (3, 4), (3, 5)], [0, (0, None, 0)]),
    "addbmm": (lambda m, i, a, v: m.addbmm(i, a, v, alpha=0.5), [(3, 4, 6), (3, 2, 4, 5), (3, 2, 5, 6)],
               [0, (None, 0, 0), (0, None, 0), (0, 0, None)]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [(3, 5), (3, 5)], [0, (None, 0)]),
    "pixel_shuffle": (lambda m, a: m.nn.functional.pixel_shuffle(a, 2), [(3, 2, 8, 3, 3)], [0, -1]),
    "pixel_unshuffle": (lambda m, a: m.nn.functional.pixel_unshuffle(a, 2), [(3, 2, 4, 6)], [0]),
    "var_mean": (lambda m, a: tuple(m.var_mean(a, 1)), [(3, 4, 5)], [0, -1]),
    "std_mean": (lambda m, a: tuple(m.std_mean(a)), [(3, 4, 5)], [0]),
    "unbind": (lambda m, a: m.unbind(a, 1), [(3, 4, 5)], [0, -1]),
    "pinv": (lambda m, a: m.linalg.pinv(a), [(3, 4, 3)], [0, -1]),
    "pinv, hermitian with rtol": (lambda m, a: m.linalg.pinv(a @ a.mT, rtol=0.1, hermitian=True), [(3, 4, 4)], [0]),
    "cdist": (lambda m, a, b: m.cdist(a, b), [(3, 4, 2), (3, 5, 2)], [0, (None, 0), (0, None)]),
    "cdist p=1, leading dims": (lambda m, a, b: m.cdist(a, b, p=1.0), [(3, 2, 4, 3), (3, 2, 5, 3)], [0]),
    "cdist by matrix products": (lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
                                 [(3, 4, 2), (3, 5, 2)], [0, (None, 0)]),
    "take": (lambda m, a: m.take(a, m.tensor([[0, 5, 7], [11, 3, 3]])), [(3, 3, 4)], [0, -1]),
    "put": (lambda m, a, s: m.put(a, m.tensor([[0, 5, 7], [11, 3, 2]]), s), [(3, 3, 4), (3, 2, 3)],
            [0, (None, 0), (0, None)]),
    "put, accumulate": (lambda m, a, s: m.put(a, m.tensor([[0, 5, 7], [11, 3, 3]]), s, accumulate=True),
                        [(3, 3, 4), (3, 6)], [0, (None, 0)]),
    # (torch.vmap gives every sample the last value when only the value is batched: see
    # test_index_fill_of_a_batched_value_equals_per_sample)
    "index_fill with a tensor value": (lambda m, a, v: a.index_fill(1, m.tensor([0, 2]), v), [(3, 3, 4), (3,)],
                                       [0, (0, None)]),
    "batch_norm with running statistics": (lambda m, x, w, b: m.nn.functional.batch_norm(
        x, m.tensor([0.5, -1.0], dtype=m.float64), m.tensor([2.0, 0.5], dtype=m.float64), w, b), [(3, 4, 2, 5), (3, 2), (3, 2)],
        [0, (0, None, None), (None, 0, 0)]),
    "affine_grid": (lambda m, t: m.nn.functional.affine_grid(t, (2, 1, 4, 5), align_corners=False), [(3, 2, 2, 3)],
                    [0, -1]),
    "lu_solve of lu_factor_ex": (lambda m, a, b: m.linalg.lu_solve(
        *m.linalg.lu_factor_ex(a + 4 * m.eye(4, dtype=a.dtype))[:2], b, adjoint=True), [(3, 4, 4), (3, 4, 2)],
        [0, (None, 0), (0, None)]),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_and_shape_ops_batch_like_torch(name):
    """addmv/addr/addbmm/vdot, pixel (un)shuffle, var_mean/std_mean, unbind, pinv, cdist,
    lu_solve, take/put, index_fill, eval batch norm and affine_grid run batched (no fallback warning) for
    several in_dims and nested: values and per-sample gradients as torch's."""
    op, shapes, variants = PRODUCTS[name]
    rng = np.random.default_rng(8)
    full = [rng.standard_normal(s) for s in shapes]

    def loss(m):
        def f(*t):
            r = op(m, *t)
            return sum((x ** 2).sum() for x in (r if isinstance(r, tuple) else (r,)))
        return f

    results = {}
    for m in (chainrule, torch):
        vm, out = _vm(m), []
        with warnings.catch_warnings():
            warnings.filterwarnings("error" if m is chainrule else "ignore", "vmap|.*batching rule")
            for d in variants:
                arrays = [a[0] if isinstance(d, tuple) and d[i] is None else (np.moveaxis(a, 0, -1) if d == -1 else a)
                          for i, a in enumerate(full)]
                ts = [m.tensor(a) for a in arrays]
                out.append(vm(lambda *t, m=m: op(m, *t), in_dims=d)(*ts))
                out.append(vm(m.func.grad(loss(m), argnums=tuple(range(len(ts)))), in_dims=d)(*ts))
            out.append(vm(vm(lambda *t, m=m: op(m, *t)))(*[m.tensor(np.stack([a, 2 * a])) for a in full]))
        results[m] = out
    assert _close(_arrays(results[chainrule]), _arrays(results[torch]))


def test_median_of_all_with_ties_and_infinities_like_torch():
    """median() (no dim) under vmap(grad): ties share the gradient, infinite and NaN medians
    (where the batched form would not be exact the samples loop) give torch's values and gradients."""
    x = np.random.default_rng(9).standard_normal((5, 3, 4)).round(0)
    x[1, 0, 0], x[1, :, 1:] = np.inf, np.inf
    x[2, 1, 1] = np.nan
    x[3] = -np.inf
    x[4, :2] = 1e308
    results = {}
    for m in (chainrule, torch):
        vm, t = _vm(m), m.tensor(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[m] = [vm(m.median)(t), vm(m.func.grad(m.median))(t), vm(vm(m.func.grad(m.median)))(t[:4])]
    for ours, theirs in zip(results[chainrule], results[torch], strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_index_fill_of_a_batched_value_equals_per_sample():
    """index_fill(x, dim, index, value) with only the 0-d value batched: each sample gets its
    own value and gradient, as torch's per-sample calls (torch.vmap repeats the last sample's)."""
    rng = np.random.default_rng(10)
    x, v, w = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((3, 4))

    def f(m):
        return lambda a, b: (a.index_fill(1, m.tensor([0, 2]), b) ** 2 * m.tensor(w)).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got = vmap(chainrule.func.grad(f(chainrule), argnums=(0, 1)), in_dims=(None, 0))(
            chainrule.tensor(x), chainrule.tensor(v))
        values = vmap(lambda a, b: a.index_fill(1, chainrule.tensor([0, 2]), b), in_dims=(None, 0))(
            chainrule.tensor(x), chainrule.tensor(v))
    want = [torch.func.grad(f(torch), argnums=(0, 1))(torch.tensor(x), torch.tensor(b)) for b in v]
    np.testing.assert_allclose(got[0].numpy(), np.stack([g[0].numpy() for g in want]), rtol=1e-12)
    np.testing.assert_allclose(got[1].numpy(), np.stack([g[1].numpy() for g in want]), rtol=1e-12)
    np.testing.assert_array_equal(values.numpy(), np.stack([torch.tensor(x).index_fill(
        1, torch.tensor([0, 2]), torch.tensor(b)).numpy() for b in v]))


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_backward_over_cotangents_batches(padding_idx, monkeypatch):
    """vmap over embedding's vjp (as jacrev does): one scatter for all cotangents, the padding
    row zero in each, as torch's."""
    from chainrule.func import vjp

    rng = np.random.default_rng(11)
    w, idx, cts = rng.standard_normal((6, 3)), np.array([[0, 2, 2], [5, 1, 2]]), rng.standard_normal((4, 2, 3, 3))
    looped = []
    real_loop = _vmap._loop
    monkeypatch.setattr(_vmap, "_loop", lambda p, *a: looped.append(p.name) or real_loop(p, *a))
    results = {}
    for m, vjp_ in ((chainrule, vjp), (torch, torch.func.vjp)):
        _, fn = vjp_(lambda t, m=m: m.nn.functional.embedding(m.tensor(idx), t, padding_idx=padding_idx), m.tensor(w))
        results[m] = _vm(m)(fn)(m.tensor(cts))[0].numpy()
    np.testing.assert_allclose(results[chainrule], results[torch], rtol=1e-12, atol=1e-12)
    assert "_embedding_backward" not in looped


def test_conv_weight_gradient_over_cotangents_batches(monkeypatch):
    """jacrev of a convolution in its weight: vmap over the cotangents runs the weight
    gradient kernel once (the batch as groups, with groups and stride of its own), as torch's."""
    from chainrule.func import vjp

    rng = np.random.default_rng(12)
    x, w, cts = rng.standard_normal((2, 4, 7, 7)), rng.standard_normal((6, 2, 3, 3)), rng.standard_normal((5, 2, 6, 3, 3))
    looped = []
    real_loop = _vmap._loop
    monkeypatch.setattr(_vmap, "_loop", lambda p, *a: looped.append(p.name) or real_loop(p, *a))
    results = {}
    for m, vjp_ in ((chainrule, vjp), (torch, torch.func.vjp)):
        _, fn = vjp_(lambda t, m=m: m.nn.functional.conv2d(m.tensor(x), t, stride=2, groups=2), m.tensor(w))
        results[m] = _vm(m)(fn)(m.tensor(cts))[0].numpy()
    np.testing.assert_allclose(results[chainrule], results[torch], rtol=1e-10, atol=1e-12)
    assert "_conv_weight_grad" not in looped


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape, target_shape", [((4, 5), (4,)), ((5,), ()), ((3, 5, 2, 2), (3, 2, 2))])
def test_nll_loss_backward_over_cotangents_batches(reduction, shape, target_shape, monkeypatch):
    """vmap over cross_entropy's vjp (class weights, an ignored class): the loss's backward
    kernel runs once for all cotangents, the gradients as torch's."""
    from chainrule.func import vjp

    rng = np.random.default_rng(13)
    x, target, weight = rng.standard_normal(shape), rng.integers(0, 5, target_shape), rng.random(5)
    target.reshape(-1)[0] = 1
    cts = rng.standard_normal((3, *(target_shape if reduction == "none" else ())))
    looped = []
    real_loop = _vmap._loop
    monkeypatch.setattr(_vmap, "_loop", lambda p, *a: looped.append(p.name) or real_loop(p, *a))
    results = {}
    for m, vjp_ in ((chainrule, vjp), (torch, torch.func.vjp)):
        _, fn = vjp_(lambda t, m=m: m.nn.functional.cross_entropy(
            t, m.tensor(target), weight=m.tensor(weight), reduction=reduction, ignore_index=1), m.tensor(x))
        results[m] = _vm(m)(fn)(m.tensor(cts))[0].numpy()
    np.testing.assert_allclose(results[chainrule], results[torch], rtol=1e-10, atol=1e-12)
    assert "_nll_loss_backward" not in looped


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_legacy_scatter_reduce_batches_like_torch(reduce):
    """scatter(..., reduce=) with a tensor or a number as src, index batched or shared."""
    rng = np.random.default_rng(14)
    x, src, idx = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 4, 5)), rng.integers(0, 4, (3, 2, 5))
    results = {}
    for m in (chainrule, torch):
        vm = _vm(m)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*reduce argument|.*deprecated")
            warnings.filterwarnings("error" if m is chainrule else "ignore", "vmap")
            results[m] = [
                vm(lambda a, s, i: a.scatter(0, i, s, reduce=reduce))(m.tensor(x), m.tensor(src), m.tensor(idx)),
                vm(lambda a, s, i: a.scatter(0, i, s, reduce=reduce), in_dims=(0, 0, None))(
                    m.tensor(x), m.tensor(src), m.tensor(idx[0])),
                vm(lambda a, i: a.scatter(0, i, 2.5, reduce=reduce))(m.tensor(x), m.tensor(idx)),
                vm(vm(lambda a, i: a.scatter(0, i, 2.5, reduce=reduce)))(
                    m.tensor(x.reshape(3, 1, 4, 5)), m.tensor(idx.reshape(3, 1, 2, 5))),
            ]
    assert _close(_arrays(results[chainrule]), _arrays(results[torch]))


SDPA_CASES = {
    # name: (per-sample head layout, mask kind, whether the mask differs per sample)
    "math causal": ((2, 5, 4), "causal", False),
    "math bool mask": ((2, 5, 4), "bool", False),
    "math float mask": ((2, 5, 4), "float", False),
    "math per-sample bool mask": ((2, 5, 4), "bool", True),
    "math per-sample float mask": ((2, 5, 4), "float", True),
    "fused causal": ((1, 2, 5, 4), "causal", False),
    "fused bool mask": ((1, 2, 5, 4), "bool", False),
    "fused float mask": ((1, 2, 5, 4), "float", False),
    "fused no mask": ((1, 2, 5, 4), None, False),
    "fused per-sample bool mask": ((1, 2, 5, 4), "bool", True),
    "fused per-sample float mask": ((1, 2, 5, 4), "float", True),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_per_sample_grads_match_torch_attention(case):
    """vmap(grad(loss)) of a tiny attention block (qkv projection, scaled_dot_product_attention,
    output projection, layer_norm) against torch.func: batched all the way (no fallback warning)."""
    heads_shape, mask_kind, per_sample_mask = SDPA_CASES[case]
    rng = np.random.default_rng(3)
    B, L, E = 4, 5, 8
    arrays = [rng.standard_normal((3 * E, E)) * 0.3, rng.standard_normal((E, E)) * 0.3, rng.standard_normal(E) * 0.1]
    xs = rng.standard_normal((B, L, E))
    mask_shape = (B, L, L) if per_sample_mask else (L, L)
    bool_mask = rng.random(mask_shape) < 0.7
    bool_mask[..., 0] = True  # no row entirely masked
    masks = {"bool": bool_mask, "float": rng.standard_normal(mask_shape), "causal": None, None: None}

    def run(m):
        F_ = m.nn.functional
        params = [m.tensor(a) for a in arrays]
        mask = None if masks[mask_kind] is None else m.tensor(masks[mask_kind])

        def loss(params, x, mask):
            q, k, v = F_.linear(x, params[0]).split(E, -1)
            q, k, v = (t.reshape(*heads_shape[:-3], L, 2, E // 2).transpose(-3, -2) for t in (q, k, v))
            a = F_.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask_kind == "causal")
            a = a.transpose(-3, -2).reshape(L, E)
            return (F_.layer_norm(x + F_.linear(a, params[1], params[2]), (E,)) ** 2).mean()

        in_dims = (None, 0, 0 if per_sample_mask else None)
        g = _vm(m)(m.func.grad(loss), in_dims=in_dims)(params, m.tensor(xs), mask)
        return [t.detach().numpy() for t in g]

    _assert_batched_like_torch(run)


def _spd(m, a):
    return a @ a.mT + 4 * m.eye(a.shape[-1], dtype=a.dtype)


# Ops whose own code used to compute from a sample's values (so vmap ran the whole function
# per sample): each now batches. name: (function of (module, sample), batch shape)
LINALG_BATCHED = {
    "svdvals": (lambda m, a: m.linalg.svdvals(a), (3, 4, 3)),
    "jacrev svdvals": (lambda m, a: m.func.jacrev(m.linalg.svdvals)(a), (3, 4, 3)),
    "jacrev svd S": (lambda m, a: m.func.jacrev(lambda x: m.linalg.svd(x, full_matrices=False)[1])(a), (3, 3, 4)),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(_spd(m, a)), (3, 4, 4)),
    "jacrev eigvalsh": (lambda m, a: m.func.jacrev(lambda x: m.linalg.eigvalsh(_spd(m, x)))(a), (3, 4, 4)),
    "lu_factor": (lambda m, a: m.linalg.lu_factor(a)[0], (3, 4, 4)),
    "lstsq": (lambda m, a: m.linalg.lstsq(a, a[:, :2]).solution, (3, 5, 3)),
    "lstsq gelsd": (lambda m, a: m.linalg.lstsq(a, a[:, 1:], driver="gelsd")[::2], (3, 5, 3)),
    "matrix_rank": (lambda m, a: m.linalg.matrix_rank(a @ a[:2].mT @ a[:2]), (3, 4, 4)),
    "matrix_rank hermitian": (lambda m, a: m.linalg.matrix_rank(a + a.mT, hermitian=True, atol=0.5), (3, 4, 4)),
    "matrix_power 0": (lambda m, a: m.linalg.matrix_power(a, 0), (3, 4, 4)),
    "matrix_power -2": (lambda m, a: m.linalg.matrix_power(a, -2), (3, 4, 4)),
    "solve_ex": (lambda m, a: m.linalg.solve_ex(a, a[:, :1])[0], (3, 4, 4)),
    "inv_ex": (lambda m, a: m.linalg.inv_ex(a)[0], (3, 4, 4)),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(_spd(m, a))[0], (3, 4, 4)),
    "cond": (lambda m, a: m.linalg.cond(a), (3, 4, 4)),
    "vander": (lambda m, a: m.linalg.vander(a[0], N=3), (3, 4, 4)),
}


@pytest.mark.parametrize("name", list(LINALG_BATCHED))
def test_linalg_batches_like_torch(name):
    fn, shape = LINALG_BATCHED[name]
    a = np.random.default_rng(5).standard_normal(shape)

    def run(m):
        out = _vm(m)(lambda x: fn(m, x))(m.tensor(a))
        return [t.detach().numpy() for t in (out if isinstance(out, tuple) else (out,))]

    _assert_batched_like_torch(run, rtol=1e-7, atol=1e-10)


def test_lu_factor_checks_every_sample_like_torch():
    """lu_factor under vmap raises for a singular sample other than the first, as PyTorch (batch element)."""
    a = np.random.default_rng(6).standard_normal((3, 4, 4))
    a[1] = 0
    with pytest.raises(RuntimeError) as theirs:
        torch.func.vmap(torch.linalg.lu_factor)(torch.tensor(a))
    with _batched_only(), pytest.raises(RuntimeError) as ours:
        vmap(chainrule.linalg.lu_factor)(chainrule.tensor(a))
    assert "(Batch element 1): U[1,1] is zero" in str(theirs.value)
    assert str(ours.value) == str(theirs.value)


def _grad_of(m, f):
    return m.func.grad(lambda x: (f(x) ** 2).sum())


def _grid_sample_of(m, x):
    theta = m.tensor([[[0.9, 0.2, 0.1], [-0.3, 1.1, -0.2]]], dtype=x.dtype)
    grid = m.nn.functional.affine_grid(theta, [1, 1, 3, 4], align_corners=False) * 1.2
    return m.nn.functional.grid_sample(x[None], grid, align_corners=False)


# Pooling of (C, *spatial) samples and grid_sample: values and per-sample gradients.
NN_BATCHED = {
    "max_pool2d 3-D indices": lambda m, x: m.nn.functional.max_pool2d(x, 2, return_indices=True)[1],
    "max_pool2d 3-D grad": lambda m, x: _grad_of(m, lambda y: m.nn.functional.max_pool2d(
        y, 2, return_indices=True)[0])(x),
    "max_pool1d indices": lambda m, x: m.nn.functional.max_pool1d(x[0], 2, return_indices=True),
    "adaptive_max_pool2d 3-D": lambda m, x: m.nn.functional.adaptive_max_pool2d(x, 3, return_indices=True),
    "adaptive_max_pool2d 3-D grad": lambda m, x: _grad_of(m, lambda y: m.nn.functional.adaptive_max_pool2d(y, 3))(x),
    "adaptive_max_pool1d grad": lambda m, x: _grad_of(m, lambda y: m.nn.functional.adaptive_max_pool1d(y[0], 4))(x),
    "grid_sample": _grid_sample_of,
    "grid_sample grad": lambda m, x: _grad_of(m, lambda y: _grid_sample_of(m, y))(x),
}
@pytest.mark.parametrize("name", sorted(NN_BATCHED))
def test_nn_batches_like_torch(name):
    x = np.random.default_rng(7).standard_normal((3, 2, 6, 6))

    def run(m):
        out = _vm(m)(lambda s: NN_BATCHED[name](m, s))(m.tensor(x))
        return [t.detach().numpy() for t in (out if isinstance(out, tuple) else (out,))]

    _assert_batched_like_torch(run)


# Ops that no longer run the whole function per sample, whose primitives' rules do not take
# their arguments batched yet (a loop over the primitive alone): grid_sample (no rule), a
# batched index for take/put/index_fill (positions in the index tensor's own array).
LOOP_ONLY = {
    "grid_sample grad": lambda m, x, i: _grad_of(m, lambda y: _grid_sample_of(m, y))(x),
    "take": lambda m, x, i: m.take(x, i),
    "take grad": lambda m, x, i: _grad_of(m, lambda y: m.take(y, i))(x),
    "put": lambda m, x, i: x.put(i, x[0, 0, :4]),
    "put accumulate": lambda m, x, i: x.put(i, x[0, 0, :4], accumulate=True),
    "index_fill": lambda m, x, i: x.index_fill(2, i % 6, -1.0),
}


@pytest.mark.parametrize("name", list(LOOP_ONLY))
def test_loops_over_the_primitive_only(name):
    rng = np.random.default_rng(8)
    x, i = rng.standard_normal((3, 2, 6, 6)), np.stack([rng.permutation(20)[:4] for _ in range(3)])
    i[1:, 1] = -3  # negative positions in samples after the first (the first's are kept as they are)

    def run(m):
        return [_vm(m)(lambda s, j: LOOP_ONLY[name](m, s, j))(m.tensor(x), m.tensor(i)).detach().numpy()]

    _assert_batched_like_torch(run, loops_ok=True)


def test_one_hot_batches_like_torch():
    labels = np.random.default_rng(9).integers(0, 5, (4, 3))

    def run(m):
        return [_vm(m)(lambda y: m.nn.functional.one_hot(y, 5))(m.tensor(labels)).numpy()]

    _assert_batched_like_torch(run)


TAKE_ALONG = {
    "dim None": (lambda m, x, i: m.take_along_dim(x, i), (3, 5)),
    "dim 1": (lambda m, x, i: m.take_along_dim(x, i[:, :2] % 4, 1), (3, 5)),
    "indices broadcast": (lambda m, x, i: m.take_along_dim(x, i[:2, :1] % 3, 0), (3, 5)),
    "input broadcast": (lambda m, x, i: m.take_along_dim(x[:1], i % 4, 1), (3, 5)),
    "grad": (lambda m, x, i: _grad_of(m, lambda y: m.take_along_dim(y, i % 4, 1))(x), (3, 5)),
}


@pytest.mark.parametrize("name", list(TAKE_ALONG))
def test_take_along_dim_batched_indices_like_torch(name):
    """A batched index (reshaped or broadcast by the op) stays gather's batched index."""
    fn, ishape = TAKE_ALONG[name]
    rng = np.random.default_rng(10)
    x, i = rng.standard_normal((4, 3, 4)), rng.integers(0, 12, (4, *ishape))

    def run(m):
        return [_vm(m)(lambda s, j: fn(m, s, j))(m.tensor(x), m.tensor(i)).detach().numpy()]

    _assert_batched_like_torch(run)


def test_a_failed_vmap_leaves_no_pending_reads():
    """An error inside a vmapped function (a gather with an out-of-range index) must not leave
    reads behind that send the next, valid, vmap to the per-sample fallback."""
    x = chainrule.tensor(np.arange(12.0).reshape(3, 4))
    with pytest.raises(RuntimeError):
        vmap(lambda r: r.gather(0, chainrule.tensor([7])))(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        out = vmap(lambda r: r.gather(0, chainrule.tensor([2, 0])))(x)
    np.testing.assert_array_equal(out.numpy(), np.arange(12.0).reshape(3, 4)[:, [2, 0]])


def test_jacrev_of_fused_attention_batches_like_torch():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 2, 5, 4)) for _ in range(3))
    mask = rng.random((5, 5)) < 0.7
    mask[:, 0] = True
    results = []
    for m in (chainrule, torch):
        def f(q, k, v, m=m):
            return m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m.tensor(mask))

        with warnings.catch_warnings():
            warnings.simplefilter("error" if m is chainrule else "ignore", UserWarning)
            _vmap._warned.clear()
            results.append([t.detach().numpy() for t in m.func.jacrev(f, argnums=(0, 1, 2))(
                *(m.tensor(a) for a in (q, k, v)))])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)



def test_batched_index_tensors_batch_like_torch():
    """take/put/index_select with a different index per sample (negative positions in later
    samples) run batched, values and gradients as torch.vmap's."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4))
    i = np.stack([rng.permutation(20)[:6] for _ in range(3)])
    i[1:, 2] = -2
    j = rng.integers(0, 5, (3, 3))
    def run(m):
        vm, xs, ii, jj = m.func.vmap, m.tensor(x), m.tensor(i), m.tensor(j)
        return [t.detach().numpy() for t in (
            vm(lambda s, k: m.take(s, k))(xs, ii),
            vm(m.func.grad(lambda s, k: m.take(s, k).pow(2).sum()))(xs, ii),
            vm(lambda s, k: s.put(k, s[:2].reshape(-1)[:6] * 2))(xs, ii),
            vm(lambda s, k: m.index_select(s, 1, k % 4))(xs, jj),
            vm(m.func.grad(lambda s, k: m.index_select(s, 0, k).pow(2).sum()))(xs, jj),
        )]

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # batched: no fallback
        results = [run(chainrule)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results.append(run(torch))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
