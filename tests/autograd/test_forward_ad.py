"""chainrule.autograd.forward_ad against torch.autograd.forward_ad.

Each case is a program run with both libraries (``mod`` is ``chainrule`` or ``torch``);
the values and tangents it returns, or the exception it raises, must agree. The op
registry's tangents are checked op by op in tests/test_ops_jvp.py; here: the API and its
errors, in-place ops and views, detach and ``.grad``, custom Functions (``jvp``,
``save_for_forward``), printing, forward over reverse and reverse over forward, and
``gradcheck(check_forward_ad=True, fast_mode=...)``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule

F64 = "float64"


def _summary(mod, x):
    """Values and tangents, comparable across the two libraries."""
    if isinstance(x, (list, tuple)):
        return [_summary(mod, y) for y in x]
    if isinstance(x, (torch.Tensor, chainrule.Tensor)):
        primal, tangent = mod.autograd.forward_ad.unpack_dual(x)  # (always inside a dual level)
        return (
            str(x.dtype).replace("torch.", ""), tuple(x.shape), x.requires_grad,
            np.round(primal.detach().numpy().astype(float), 10).tolist(),
            None if tangent is None else np.round(tangent.detach().numpy().astype(float), 10).tolist(),
        )
    return x


def _outcome(fn, mod):
    try:
        with mod.autograd.forward_ad.dual_level():
            return ("ok", _summary(mod, fn(mod)))
    except Exception as e:  # noqa: BLE001 - the exception type is the outcome
        return ("raises", next(c for c in type(e).__mro__ if c.__module__ == "builtins").__name__)


def _same(fn):
    assert _outcome(fn, chainrule) == _outcome(fn, torch)


def _dual(mod, values, tangent, **kw):
    fw = mod.autograd.forward_ad
    return fw.make_dual(mod.tensor(values, dtype=mod.float64, **kw), mod.tensor(tangent, dtype=mod.float64))


X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
U = [[1.0, 2.0, -1.0], [0.5, -0.5, 3.0]]


# -- the API ------------------------------------------------------------------------------------

API_CASES = {
    "sin": lambda mod: _dual(mod, X, U).sin(),
    "matmul": lambda mod: _dual(mod, X, U) @ _dual(mod, X, U).mT,
    "softmax": lambda mod: _dual(mod, X, U).softmax(-1),
    "cumprod": lambda mod: _dual(mod, X, U).cumprod(1),
    "tangent of a plain tensor": lambda mod: mod.ones(2),
    "unpack_dual fields": lambda mod: list(mod.autograd.forward_ad.unpack_dual(_dual(mod, X, U))._fields),
    "unpack_dual primal has no tangent": lambda mod: mod.autograd.forward_ad.unpack_dual(_dual(mod, X, U)).primal,
    "make_dual keeps requires_grad": lambda mod: _dual(mod, X, U, requires_grad=True),
    "int primal": lambda mod: mod.autograd.forward_ad.make_dual(mod.ones(2, dtype=mod.int64), mod.ones(2)),
    "int tangent": lambda mod: mod.autograd.forward_ad.make_dual(mod.ones(2), mod.ones(2, dtype=mod.int64)),
    "tangent of another shape": lambda mod: mod.autograd.forward_ad.make_dual(mod.ones(2), mod.ones(3)),
    "nested levels": lambda mod: mod.autograd.forward_ad.enter_dual_level(),
    "make_dual of a dual": lambda mod: mod.autograd.forward_ad.make_dual(_dual(mod, X, U), mod.ones(2, 3)),
    "two inputs": lambda mod: mod.atan2(_dual(mod, X, U), _dual(mod, U, X)),
    "one input without tangent": lambda mod: _dual(mod, X, U) * mod.tensor(U, dtype=mod.float64),
    "integer result": lambda mod: _dual(mod, X, U).argmax(1),
    "multi-output op": lambda mod: mod.linalg.eigh(_dual(mod, [[2.0, 0.5], [0.5, 1.0]], [[1.0, 0.2], [0.2, -1.0]])),
    "max with indices": lambda mod: mod.max(_dual(mod, X, U), 1),
    "op without forward AD": lambda mod: _dual(mod, X, U) // 2,
}


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in API_CASES.items()])
def test_api_matches_torch(fn):
    _same(fn)


def test_errors_outside_a_level():
    for mod in (torch, chainrule):
        with pytest.raises(RuntimeError, match="no level exists"):
            mod.autograd.forward_ad.make_dual(mod.ones(2), mod.ones(2))


def test_exiting_the_level_drops_tangents():
    fw = chainrule.autograd.forward_ad
    with fw.dual_level():
        d = fw.make_dual(chainrule.ones(2), chainrule.ones(2))
        y = d * 2
        assert fw.unpack_dual(y).tangent is not None
    with fw.dual_level():
        assert fw.unpack_dual(y).tangent is None and fw.unpack_dual(d).tangent is None
    assert not fw.active()


def test_enter_and_exit_by_hand():
    fw = chainrule.autograd.forward_ad
    assert fw.enter_dual_level() == 0
    try:
        d = fw.make_dual(chainrule.ones(2), chainrule.ones(2))
        assert fw.unpack_dual(d.exp()).tangent is not None
    finally:
        fw.exit_dual_level(level=0)
    with pytest.raises(RuntimeError):
        fw.exit_dual_level()


def test_unsupported_op_names_itself():
    fw = chainrule.autograd.forward_ad
    with fw.dual_level(), pytest.raises(NotImplementedError, match="Trying to use forward AD with floor_divide"):
        fw.make_dual(chainrule.ones(2), chainrule.ones(2)) // 2


# -- in-place ops and views -----------------------------------------------------------------------


def _view_then_base(mod):
    d = _dual(mod, X, U)
    a = d * 1
    row0, row1 = a[0], a[1]
    a.mul_(3)
    return a, row0, row1


def _inplace_on_view_of_plain(mod):
    y = mod.zeros(2, 3, dtype=mod.float64)
    y[1].add_(_dual(mod, X, U)[0])
    return y


def _view_of_dual(mod):
    d = _dual(mod, X, U)
    v = d[0]
    v.mul_(2)
    return d, v, d[1]


def _column(mod):
    d = _dual(mod, X, U) * 1
    d[:, 1].add_(mod.ones(2, dtype=mod.float64))
    return d


INPLACE_CASES = {
    "mul_": lambda mod: _dual(mod, X, U).mul_(2),
    "add_ a dual": lambda mod: (_dual(mod, X, U) * 1).add_(_dual(mod, U, X)),
    "plain add_ a dual": lambda mod: mod.tensor(X, dtype=mod.float64).add_(_dual(mod, U, X)),
    "exp_": lambda mod: _dual(mod, X, U).exp_(),
    "zero_": lambda mod: _dual(mod, X, U).zero_(),
    "fill_": lambda mod: _dual(mod, X, U).fill_(2.0),
    "copy_ a dual": lambda mod: mod.zeros(2, 3, dtype=mod.float64).copy_(_dual(mod, X, U)),
    "copy_ a plain tensor": lambda mod: _dual(mod, X, U).copy_(mod.ones(2, 3)),
    "x[0].add_(y)": lambda mod: (lambda d: (d[0].add_(_dual(mod, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])), d)[1])(
        _dual(mod, X, U)),
    "view of a dual, in place": _view_of_dual,
    "views made before the base changed": _view_then_base,
    "view of a plain tensor gets a tangent": _inplace_on_view_of_plain,
    "column of a dual": _column,
    "setitem": lambda mod: (lambda d: (d.__setitem__((0, 1), _dual(mod, 5.0, 7.0)), d)[1])(_dual(mod, X, U) * 1),
    "relu_ in place": lambda mod: mod.nn.functional.relu(_dual(mod, X, U) * 1, inplace=True),
    "detach drops the tangent": lambda mod: _dual(mod, X, U).detach(),
    "detach_ too": lambda mod: (_dual(mod, X, U) * 1).detach_(),
    "writing into unpack_dual's primal": lambda mod: (lambda d: (mod.autograd.forward_ad.unpack_dual(d).primal.add_(1),
                                                                  d)[1])(_dual(mod, X, U)),
    "writing into a result's tangent": lambda mod: (lambda d: (mod.autograd.forward_ad.unpack_dual(d + 1).tangent.mul_(2),
                                                               d)[1])(_dual(mod, X, U)),
    ".data too": lambda mod: _dual(mod, X, U).data,
    "clone keeps it": lambda mod: _dual(mod, X, U).clone(),
}


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in INPLACE_CASES.items()])
def test_inplace_and_views_match_torch(fn):
    _same(fn)


def test_make_dual_tangent_is_not_written():
    """Unlike PyTorch, an in-place op on a dual leaves the tangent given to make_dual as it was."""
    fw = chainrule.autograd.forward_ad
    u = chainrule.ones(3)
    with fw.dual_level():
        d = fw.make_dual(chainrule.ones(3), u)
        d.mul_(2)
        assert fw.unpack_dual(d).tangent.tolist() == [2.0, 2.0, 2.0]
    assert u.tolist() == [1.0, 1.0, 1.0]


def _grads(mod):
    xr = mod.tensor([1.0, 2.0], dtype=mod.float64, requires_grad=True)
    d = mod.autograd.forward_ad.make_dual(xr, mod.tensor([1.0, 1.0], dtype=mod.float64))
    y = d.sin()
    (g,) = mod.autograd.grad(y.sum(), xr, retain_graph=True)
    y.sum().backward()
    return g, xr.grad


def test_grad_keeps_the_tangent_and_dot_grad_drops_it():
    _same(_grads)


# -- custom Functions --------------------------------------------------------------------------------


def _unary(mod, f, df, jvp_df=None):
    """A custom Function ``y = f(x)`` that saves ``x`` for both modes: ``backward`` returns
    ``g * df(x)``, ``jvp`` returns ``g * jvp_df(x)`` (``df`` unless a wrong one is wanted)."""
    jvp_df = jvp_df or df

    class Unary(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return f(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * df(x)

        @staticmethod
        def jvp(ctx, g):
            (x,) = ctx.saved_tensors
            return g * jvp_df(x)

    return Unary


def _functions(mod):
    fw = mod.autograd.forward_ad

    class Scaled(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.seen = fw.unpack_dual(x).tangent is not None
            ctx.save_for_forward(x)
            ctx.k = k
            return x * x * k

        @staticmethod
        def jvp(ctx, gx, gk):
            (x,) = ctx.saved_tensors
            assert gk is None and not ctx.seen
            return 2 * x * gx * ctx.k

    class Two(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_forward(x, y)
            return x * y, x + y

        @staticmethod
        def jvp(ctx, gx, gy):
            x, y = ctx.saved_tensors
            return gx * y + x * gy, gx + gy

    Both = _unary(mod, lambda x: x.sin(), lambda x: x.cos())

    class Dirty(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def jvp(ctx, g):
            g.mul_(2)
            return g

    d = _dual(mod, X, U)
    xr = _dual(mod, [1.0, 2.0], [1.0, -1.0], requires_grad=True)
    both = Both.apply(xr)
    both.sum().backward()
    dirty = _dual(mod, [1.0, 2.0], [1.0, 1.0])
    dirty_out = Dirty.apply(dirty)
    return [Scaled.apply(d, 3.0), *Two.apply(d, mod.tensor(U, dtype=mod.float64)), both,
            dirty_out, dirty_out is dirty]


def _no_jvp(mod, dual: bool = True):
    class NoJvp(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return NoJvp.apply(_dual(mod, X, U) if dual else mod.tensor(X))


def _bad(kind):
    def case(mod):
        class Bad(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return (x * 2, x * 3) if kind == "count" else x * 2

            @staticmethod
            def jvp(ctx, g):
                return g if kind == "count" else g[:1]

        return Bad.apply(_dual(mod, X, U))

    return case


FUNCTION_CASES = {
    "jvp, save_for_forward, mark_dirty": _functions,
    "no jvp": _no_jvp,
    "jvp returns too few": _bad("count"),
    "jvp returns another shape": _bad("shape"),
    "no dual input: jvp not needed": lambda mod: _no_jvp(mod, dual=False),
}


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in FUNCTION_CASES.items()])
def test_custom_functions_match_torch(fn):
    _same(fn)


def test_custom_function_errors_match_torch_messages():
    for case in (_no_jvp, _bad("count"), _bad("shape")):
        msgs = []
        for mod in (torch, chainrule):
            with pytest.raises(Exception) as exc, mod.autograd.forward_ad.dual_level():
                case(mod)
            msgs.append((type(exc.value).__name__, str(exc.value)))
        assert msgs[0] == msgs[1]


# -- printing --------------------------------------------------------------------------------------

PRINT_CASES = {
    "0-d": lambda mod: _dual(mod, 1.5, 1 / 3),
    "0-d float32": lambda mod: mod.autograd.forward_ad.make_dual(mod.tensor(1.5), mod.tensor(1 / 3)),
    "matrix": lambda mod: mod.autograd.forward_ad.make_dual(mod.arange(12.0).reshape(3, 4), mod.ones(3, 4)),
    "small matrix": lambda mod: mod.autograd.forward_ad.make_dual(mod.ones(2, 2), mod.ones(2, 2)),
    "requires grad": lambda mod: mod.autograd.forward_ad.make_dual(mod.ones(2, requires_grad=True), mod.ones(2)),
    "grad_fn": lambda mod: mod.autograd.forward_ad.make_dual(mod.ones(2, requires_grad=True), mod.ones(2)).sin(),
    "float64": lambda mod: _dual(mod, [1.0, 2.0], [3.0, 4.0]),
    "empty": lambda mod: mod.autograd.forward_ad.make_dual(mod.zeros(0), mod.zeros(0)),
    "result of an op": lambda mod: mod.autograd.forward_ad.make_dual(mod.arange(6.0).reshape(2, 3),
                                                                     mod.ones(2, 3)).sin(),
}


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in PRINT_CASES.items()])
def test_printing_matches_torch(fn):
    texts = []
    for mod in (torch, chainrule):
        with mod.autograd.forward_ad.dual_level():
            texts.append(repr(fn(mod)))
    assert texts[1] == texts[0]


# -- forward over reverse, reverse over forward ------------------------------------------------------


def _f(mod, x):
    return (x.sin() * x.cumsum(0)).tanh().sum(0) + (x @ x.mT).trace()


def _hvp(mod):
    """Forward over reverse: the tangent of the gradient is a Hessian-vector product."""
    fw = mod.autograd.forward_ad
    x = mod.tensor(X, dtype=mod.float64, requires_grad=True)
    d = fw.make_dual(x, mod.tensor(U, dtype=mod.float64))
    (g,) = mod.autograd.grad(_f(mod, d).sum(), d, create_graph=True)
    return g


def _reverse_over_forward(mod):
    """The gradient of <tangent, w> with respect to the primal: the same Hessian-vector product."""
    fw = mod.autograd.forward_ad
    x = mod.tensor(X, dtype=mod.float64, requires_grad=True)
    d = fw.make_dual(x, mod.tensor(U, dtype=mod.float64))
    tangent = fw.unpack_dual(_f(mod, d).sum()).tangent
    (h,) = mod.autograd.grad(tangent, x)
    # (h's own tangent, a third derivative through the tangent's graph, is not the derivative
    # of h in either library: one dual level cannot tell the two perturbations apart.)
    return fw.unpack_dual(h).primal


def test_forward_over_reverse_matches_torch():
    _same(_hvp)


def test_reverse_over_forward_matches_torch():
    _same(_reverse_over_forward)


def test_hvp_agrees_with_double_backward():
    x = chainrule.tensor(X, dtype=chainrule.float64, requires_grad=True)
    u = chainrule.tensor(U, dtype=chainrule.float64)
    (g,) = chainrule.autograd.grad(_f(chainrule, x).sum(), x, create_graph=True)
    (rr,) = chainrule.autograd.grad(g, x, u)
    with chainrule.autograd.forward_ad.dual_level():
        fr = chainrule.autograd.forward_ad.unpack_dual(_hvp(chainrule)).tangent
    np.testing.assert_allclose(fr.detach().numpy(), rr.numpy(), rtol=1e-10)


# -- gradcheck --------------------------------------------------------------------------------------


def _wrong_jvp(mod):
    """exp with the right backward and a jvp twice too large."""
    return _unary(mod, lambda a: a.exp(), lambda a: a.exp(), lambda a: a.exp() * 2)


@pytest.mark.parametrize("fast_mode", [False, True], ids=["full", "fast"])
def test_gradcheck_forward_ad_matches_torch(fast_mode):
    results = []
    for mod in (torch, chainrule):
        x = mod.tensor(X, dtype=mod.float64, requires_grad=True)
        y = mod.tensor([0.3, -0.4, 0.2], dtype=mod.float64, requires_grad=True)
        f = lambda a, b: (a.sin() * b).cumsum(0)  # noqa: E731
        gc = mod.autograd.gradcheck
        out = [gc(f, (x, y), check_forward_ad=True, fast_mode=fast_mode),
               gc(f, (x, y), check_forward_ad=True, check_backward_ad=False, fast_mode=fast_mode)]
        wrong = _wrong_jvp(mod).apply
        out.append(gc(wrong, (y,), fast_mode=fast_mode))  # reverse mode alone is right
        out.append(gc(wrong, (y,), check_forward_ad=True, fast_mode=fast_mode, raise_exception=False))
        with pytest.raises(Exception, match="Jacobian computed with forward mode mismatch") as exc:
            gc(wrong, (y,), check_forward_ad=True, fast_mode=fast_mode)
        out.append(type(exc.value).__mro__[-3].__name__)
        results.append(out)
    assert results[1] == results[0]


# -- complex ---------------------------------------------------------------------------------------


def _complex(mod, f):
    fw = mod.autograd.forward_ad
    x = mod.tensor([1 + 2j, 0.5 - 1j], dtype=mod.complex128)
    y = mod.tensor([2 - 1j, 1 + 1j], dtype=mod.complex128)
    d = fw.make_dual(x, mod.tensor([0.3 + 0.1j, -1 + 0.5j], dtype=mod.complex128))
    t = fw.unpack_dual(f(d, y)).tangent
    return [complex(v) for v in t.reshape(-1).tolist()]


COMPLEX_CASES = {
    "exp": lambda d, y: d.exp(),
    "sin": lambda d, y: d.sin(),
    "mul": lambda d, y: d * y,
    "div": lambda d, y: y / d,
    "pow": lambda d, y: d ** 2,
    "sum": lambda d, y: d.sum(),
    "matmul": lambda d, y: d @ y,
}


@pytest.mark.parametrize("f", [pytest.param(f, id=k) for k, f in COMPLEX_CASES.items()])
def test_holomorphic_complex_ops_match_torch(f):
    got = []
    for mod in (torch, chainrule):
        with mod.autograd.forward_ad.dual_level():
            got.append(_complex(mod, f))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-12)


def test_real_result_of_complex_input_raises():
    """Not derived correctly from the rules (not holomorphic): refused, not a wrong tangent."""
    with chainrule.autograd.forward_ad.dual_level(), pytest.raises(NotImplementedError, match="complex"):
        _complex(chainrule, lambda d, y: d.abs())


def _sin_with_wrong_jvp_in_backward(mod):
    cos = _unary(mod, lambda x: x.cos(), lambda x: -x.sin(), lambda x: -2 * x.sin())  # right backward, wrong jvp
    return _unary(mod, lambda x: x.sin(), lambda x: cos.apply(x), lambda x: x.cos()).apply


def test_gradgradcheck_forward_over_reverse_matches_torch():
    results = []
    for mod in (torch, chainrule):
        x = mod.tensor([0.3, -0.4, 1.2], dtype=mod.float64, requires_grad=True)
        ggc = mod.autograd.gradgradcheck
        f = _sin_with_wrong_jvp_in_backward(mod)
        out = [ggc(lambda a: (a.sin() * a.cumsum(0)).tanh(), (x,), check_fwd_over_rev=True),
               ggc(f, (x,)),
               ggc(f, (x,), check_fwd_over_rev=True, raise_exception=False),
               ggc(f, (x,), check_fwd_over_rev=True, fast_mode=True, raise_exception=False)]
        results.append(out)
    assert results[1] == results[0] == [True, True, False, False]


def test_a_long_loop_in_one_level_keeps_its_bookkeeping_small():
    fw = chainrule.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(chainrule.ones(4), chainrule.ones(4))
        for _ in range(5000):
            y = (x * 2).sin()
            y[0].mul_(3)
        assert len(fw._duals) < 3000 and len(fw._rewritten) < 3000 and len(fw._view_sources) < 3000
        assert fw.unpack_dual(y).tangent is not None
