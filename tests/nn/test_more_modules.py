"""Modules and functions added after the first nn families: MaxUnpool1d/2d/3d, MultiMarginLoss,
MultiLabelMarginLoss, TripletMarginWithDistanceLoss, FeatureAlphaDropout, and the modules that
now call their functional forms (PReLU, RReLU, Hardshrink, Softshrink, Dropout1d/2d/3d).

Deterministic results are compared with torch (values and gradients, weights copied); the random
ones (channel dropout, feature alpha dropout, rrelu in training) by shape, which elements are
zeroed together, scaling, eval-mode identity and statistics.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import chainrule.nn as cnn  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402

RNG = np.random.default_rng(20261127)


def _pair(arr, requires_grad=False):
    """The same float64 values as a chainrule and a torch tensor."""
    a = np.array(arr, dtype=np.float64) if np.asarray(arr).dtype.kind == "f" else np.array(arr)
    return (chainrule.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad))


def _close(ours, theirs, **kw):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12, **kw)


# -- reprs --------------------------------------------------------------------------------------


REPRS = [
    ("MaxUnpool1d", (3, 2, 1), {}), ("MaxUnpool2d", (2,), {}), ("MaxUnpool2d", ((2, 3),), {"stride": 1}),
    ("MaxUnpool3d", (2,), {"padding": 1}), ("MultiMarginLoss", (), {}), ("MultiMarginLoss", (), {"p": 2, "margin": 0.5}),
    ("MultiLabelMarginLoss", (), {}), ("MultiLabelMarginLoss", (), {"reduction": "sum"}),
    ("TripletMarginWithDistanceLoss", (), {}), ("TripletMarginWithDistanceLoss", (), {"margin": 2.0, "swap": True}),
    ("FeatureAlphaDropout", (), {}), ("FeatureAlphaDropout", (0.2,), {"inplace": True}),
    ("Dropout1d", (0.3,), {}), ("Dropout2d", (), {}), ("Dropout3d", (0.1,), {}),
    ("Hardshrink", (), {}), ("Softshrink", (0.3,), {}), ("RReLU", (0.1, 0.4), {}), ("PReLU", (3,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", REPRS, ids=[f"{n}{a}{k}" for n, a, k in REPRS])
def test_repr_matches_torch(name, args, kwargs):
    assert repr(getattr(cnn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_multi_margin_loss_weight_is_a_buffer():
    w = np.array([0.5, 1.0, 2.0])
    ours, theirs = cnn.MultiMarginLoss(weight=chainrule.tensor(w)), torch.nn.MultiMarginLoss(weight=torch.tensor(w))
    assert sorted(dict(ours.named_buffers())) == sorted(dict(theirs.named_buffers())) == ["weight"]
    assert list(ours.parameters()) == []


# -- max unpooling ------------------------------------------------------------------------------


@pytest.mark.parametrize("dims,kw", [(1, {"kernel_size": 2}), (1, {"kernel_size": 3, "stride": 3, "padding": 1}),
                                     (2, {"kernel_size": 2}), (2, {"kernel_size": (2, 3), "stride": (3, 3)}),
                                     (3, {"kernel_size": 2})])
def test_max_unpool_modules_match_torch(dims, kw):
    # Windows do not overlap: with overlapping windows one index can be chosen twice, and what
    # unpooling then writes there is not compared here.
    shape = (2, 3) + (6,) * dims
    x = torch.tensor(RNG.standard_normal(shape))
    pool = getattr(torch.nn, f"MaxPool{dims}d")(**kw, return_indices=True)
    pooled, idx = pool(x)
    theirs_mod, ours_mod = getattr(torch.nn, f"MaxUnpool{dims}d")(**kw), getattr(cnn, f"MaxUnpool{dims}d")(**kw)
    p_ours, p_theirs = _pair(pooled.numpy(), requires_grad=True)
    size = shape[2:]  # the pooled input's size: the default can be smaller when windows overlap the border
    ours = ours_mod(p_ours, chainrule.tensor(idx.numpy()), output_size=size)
    theirs = theirs_mod(p_theirs, idx, output_size=size)
    _close(ours, theirs)
    g = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(chainrule.tensor(g))
    theirs.backward(torch.tensor(g))
    _close(p_ours.grad, p_theirs.grad)


def test_max_unpool2d_output_size_matches_torch():
    x = torch.tensor(RNG.standard_normal((1, 2, 5, 5)))
    pooled, idx = torch.nn.functional.max_pool2d(x, 2, return_indices=True)
    p_ours, p_theirs = _pair(pooled.numpy())
    ours = cnn.MaxUnpool2d(2)(p_ours, chainrule.tensor(idx.numpy()), output_size=(5, 5))
    theirs = torch.nn.MaxUnpool2d(2)(p_theirs, idx, output_size=(5, 5))
    assert tuple(ours.shape) == tuple(theirs.shape) == (1, 2, 5, 5)
    _close(ours, theirs)


# -- losses -------------------------------------------------------------------------------------


def _loss_vs_torch(ours_mod, theirs_mod, inputs, targets):
    """Forward values and input gradients (random cotangent) of two loss modules."""
    pairs = [_pair(a, requires_grad=True) for a in inputs]
    ours = ours_mod(*[p[0] for p in pairs], *[chainrule.tensor(t) for t in targets])
    theirs = theirs_mod(*[p[1] for p in pairs], *[torch.tensor(t) for t in targets])
    _close(ours, theirs)
    g = RNG.standard_normal(tuple(theirs.shape))
    ours.backward(chainrule.tensor(g))
    theirs.backward(torch.tensor(g))
    for o, t in pairs:
        _close(o.grad, t.grad)


@pytest.mark.parametrize("kw", [{}, {"p": 2}, {"margin": 0.3, "reduction": "sum"}, {"reduction": "none"}, {"weight": 1}])
def test_multi_margin_loss_module_matches_torch(kw):
    if "weight" in kw:
        w = RNG.uniform(0.5, 1.5, 5)
        ours_mod, theirs_mod = cnn.MultiMarginLoss(weight=chainrule.tensor(w)), torch.nn.MultiMarginLoss(weight=torch.tensor(w))
    else:
        ours_mod, theirs_mod = cnn.MultiMarginLoss(**kw), torch.nn.MultiMarginLoss(**kw)
    _loss_vs_torch(ours_mod, theirs_mod, [RNG.standard_normal((4, 5))], [np.array([0, 4, 2, 2])])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_module_matches_torch(reduction):
    target = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [2, 2, -1, 0, 0]])
    _loss_vs_torch(cnn.MultiLabelMarginLoss(reduction=reduction), torch.nn.MultiLabelMarginLoss(reduction=reduction),
                   [RNG.standard_normal((4, 5))], [target])


@pytest.mark.parametrize("kw", [{}, {"swap": True, "margin": 2.0}, {"reduction": "none"}])
def test_triplet_margin_with_distance_loss_module_matches_torch(kw):
    _loss_vs_torch(cnn.TripletMarginWithDistanceLoss(**kw), torch.nn.TripletMarginWithDistanceLoss(**kw),
                   [RNG.standard_normal((3, 4)) for _ in range(3)], [])


def test_triplet_margin_with_distance_loss_custom_distance():
    ours_mod = cnn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1 - F.cosine_similarity(a, b), margin=0.5)
    theirs_mod = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1 - torch.nn.functional.cosine_similarity(a, b), margin=0.5)
    _loss_vs_torch(ours_mod, theirs_mod, [RNG.standard_normal((5, 3)) for _ in range(3)], [])


@pytest.mark.parametrize("make", [lambda nn: nn.MultiMarginLoss(p=3), lambda nn: nn.TripletMarginWithDistanceLoss(margin=0),
                                  lambda nn: nn.TripletMarginWithDistanceLoss(margin=-1.0)])
def test_loss_constructor_errors_match_torch(make):
    with pytest.raises(Exception) as theirs:
        make(torch.nn)
    with pytest.raises(type(theirs.value)) as ours:
        make(cnn)
    assert str(ours.value) == str(theirs.value)


# -- activations calling their functional forms --------------------------------------------------


@pytest.mark.parametrize("name,args", [("Hardshrink", ()), ("Hardshrink", (0.3,)), ("Softshrink", ()),
                                       ("Softshrink", (0.2,)), ("RReLU", ()), ("RReLU", (0.05, 0.5))])
def test_activation_modules_match_torch(name, args):
    ours_mod, theirs_mod = getattr(cnn, name)(*args), getattr(torch.nn, name)(*args)
    ours_mod.eval()
    theirs_mod.eval()
    x_ours, x_theirs = _pair(RNG.standard_normal((3, 4, 2)), requires_grad=True)
    ours, theirs = ours_mod(x_ours), theirs_mod(x_theirs)
    _close(ours, theirs)
    g = RNG.standard_normal((3, 4, 2))
    ours.backward(chainrule.tensor(g))
    theirs.backward(torch.tensor(g))
    _close(x_ours.grad, x_theirs.grad)


@pytest.mark.parametrize("num,shape", [(1, (2, 3, 4)), (3, (2, 3, 4)), (4, (5, 4)), (1, (5,))])
def test_prelu_module_matches_torch_with_copied_weights(num, shape):
    theirs_mod = torch.nn.PReLU(num, dtype=torch.float64)
    w = RNG.uniform(0.0, 1.0, num)
    with torch.no_grad():
        theirs_mod.weight.copy_(torch.tensor(w))
    ours_mod = cnn.PReLU(num, dtype=chainrule.float64)
    with chainrule.no_grad():
        ours_mod.weight.copy_(chainrule.tensor(w))
    x_ours, x_theirs = _pair(RNG.standard_normal(shape), requires_grad=True)
    ours, theirs = ours_mod(x_ours), theirs_mod(x_theirs)
    _close(ours, theirs)
    g = RNG.standard_normal(shape)
    ours.backward(chainrule.tensor(g))
    theirs.backward(torch.tensor(g))
    _close(x_ours.grad, x_theirs.grad)
    _close(ours_mod.weight.grad, theirs_mod.weight.grad)


def test_channel_shuffle_module_agrees_with_functional():
    x_ours, x_theirs = _pair(RNG.standard_normal((2, 6, 3)))
    _close(cnn.ChannelShuffle(3)(x_ours), torch.nn.ChannelShuffle(3)(x_theirs))
    _close(F.channel_shuffle(x_ours, 2), torch.nn.functional.channel_shuffle(x_theirs, 2))


# -- random ones: rrelu in training -------------------------------------------------------------


def test_rrelu_training_slopes_are_uniform_in_bounds():
    chainrule.manual_seed(0)
    x = chainrule.tensor(-np.ones((200, 100)), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005
    assert abs(slopes.var() - 0.2**2 / 12) < 0.0005  # uniform on [0.1, 0.3]
    y.backward(chainrule.ones(200, 100, dtype=chainrule.float64))
    np.testing.assert_allclose(x.grad.numpy(), slopes)  # the gradient is the drawn slope
    pos = chainrule.tensor(np.ones(5))
    np.testing.assert_array_equal(F.rrelu(pos, training=True).numpy(), np.ones(5))


def test_rrelu_in_place_and_module_training():
    chainrule.manual_seed(1)
    x = chainrule.tensor(-np.ones((4, 5)))
    y = F.rrelu_(x, 0.2, 0.4, training=True)
    assert y is x and (x.numpy() <= -0.2).all() and (x.numpy() >= -0.4).all()
    m = cnn.RReLU(0.2, 0.4)
    out = m(chainrule.tensor(-np.ones((50, 50)))).numpy()
    assert len(np.unique(out)) > 1 and (-out >= 0.2).all() and (-out <= 0.4).all()
    m.eval()
    np.testing.assert_allclose(m(chainrule.tensor(-np.ones(3))).numpy(), -0.3)


# -- random ones: channel dropout ---------------------------------------------------------------


@pytest.mark.parametrize("fn,shape,batched", [
    ("dropout1d", (40, 50, 6), True), ("dropout1d", (50, 6), False),
    ("dropout2d", (40, 50, 2, 3), True), ("dropout3d", (40, 50, 2, 1, 3), True), ("dropout3d", (50, 2, 1, 3), False),
])
@pytest.mark.parametrize("p", [0.2, 0.6])
def test_channel_dropout_zeroes_whole_channels(fn, shape, batched, p):
    chainrule.manual_seed(2)
    x = chainrule.tensor(RNG.uniform(1.0, 2.0, shape), requires_grad=True)
    y = getattr(F, fn)(x, p)
    assert tuple(y.shape) == shape
    keep_dims = 2 if batched else 1
    ratio = (y.detach().numpy() / x.detach().numpy()).reshape(shape[:keep_dims] + (-1,))
    # every element of a channel is kept or dropped together, kept ones scaled by 1 / (1 - p)
    assert np.allclose(ratio, ratio[..., :1], rtol=1e-12, atol=0)
    kept = ratio[..., 0] != 0
    np.testing.assert_allclose(ratio[..., 0][kept], 1 / (1 - p))
    assert abs(kept.mean() - (1 - p)) < 0.05
    g = RNG.standard_normal(shape)
    y.backward(chainrule.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), g * (y.detach().numpy() / x.detach().numpy()))


@pytest.mark.parametrize("name,shape", [("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 4, 4)),
                                        ("Dropout3d", (2, 3, 2, 2, 2)), ("FeatureAlphaDropout", (2, 3, 4))])
def test_dropout_modules_are_identity_in_eval_and_random_in_training(name, shape):
    m = getattr(cnn, name)(0.5)
    x = chainrule.tensor(RNG.uniform(1.0, 2.0, shape))
    m.eval()
    assert m(x) is x
    m.train()
    chainrule.manual_seed(3)
    y = m(chainrule.tensor(RNG.uniform(1.0, 2.0, (20,) + shape[1:]))).numpy()
    assert len(np.unique(y.reshape(20, shape[1], -1)[..., 0])) > 1  # some channels dropped, some kept


def test_channel_dropout_p1_zeroes_and_in_place():
    x = chainrule.tensor(RNG.uniform(1.0, 2.0, (2, 3, 4)))
    np.testing.assert_array_equal(F.dropout1d(x, 1.0).numpy(), np.zeros((2, 3, 4)))
    y = x * 1
    out = F.dropout1d(y, 0.5, inplace=True)
    assert out is y


def test_dropout_dimension_errors_and_warnings_match_torch():
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.dropout1d(torch.ones(3))
    with pytest.raises(RuntimeError) as ours:
        F.dropout1d(chainrule.ones(3))
    assert str(ours.value) == str(theirs.value)
    for fn, shape in [("dropout2d", (2, 3, 4)), ("dropout2d", (2, 3)), ("dropout3d", (2, 3))]:
        with warnings.catch_warnings(record=True) as theirs_w:
            warnings.simplefilter("always")
            getattr(torch.nn.functional, fn)(torch.ones(shape))
        with warnings.catch_warnings(record=True) as ours_w:
            warnings.simplefilter("always")
            getattr(F, fn)(chainrule.ones(*shape))
        assert [str(w.message) for w in ours_w] == [str(w.message) for w in theirs_w]


# -- random ones: feature alpha dropout ---------------------------------------------------------


def test_feature_alpha_dropout_drops_channels_and_keeps_moments():
    chainrule.manual_seed(4)
    p = 0.3
    x = chainrule.randn(400, 60, 5, dtype=chainrule.float64)
    y = F.feature_alpha_dropout(x, p, training=True).numpy()
    xn = x.numpy()
    # y = a * x + b on kept channels, a constant on dropped ones: the per-channel affine map's slope
    # is a or 0, shared by the whole channel
    slope = (y[..., 1] - y[..., 0]) / (xn[..., 1] - xn[..., 0])
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    dropped = np.isclose(slope, 0)
    np.testing.assert_allclose(slope[~dropped], a)
    assert abs(dropped.mean() - p) < 0.02
    np.testing.assert_allclose(y[dropped], -alpha * a + alpha * a * p)  # the dropped value, then the same shift
    np.testing.assert_allclose(y[~dropped], (a * xn + alpha * a * p)[~dropped])
    assert abs(y.mean()) < 0.03 and abs(y.var() - 1) < 0.05  # zero mean, unit variance kept
    assert F.feature_alpha_dropout(x, p) is x  # training defaults to False


def test_feature_alpha_dropout_gradient_is_the_channel_scale():
    chainrule.manual_seed(5)
    x = chainrule.randn(30, 20, 3, dtype=chainrule.float64, requires_grad=True)
    y = F.feature_alpha_dropout(x, 0.5, training=True)
    g = RNG.standard_normal((30, 20, 3))
    y.backward(chainrule.tensor(g))
    scale = x.grad.numpy() / g
    assert np.all(np.isclose(scale, scale[..., :1]))
    assert set(np.round(np.unique(scale), 8)) <= {0.0, round(1 / np.sqrt((1.7580993408473766**2 * 0.5 + 1) * 0.5), 8)}


# -- LazyLinear ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_lazy_linear_reads_in_features_and_becomes_linear(bias):
    ours, theirs = cnn.LazyLinear(4, bias=bias, dtype=chainrule.float64), torch.nn.LazyLinear(4, bias=bias, dtype=torch.float64)
    assert repr(ours) == repr(theirs)
    params_before = list(ours.parameters())
    x_ours, x_theirs = _pair(RNG.standard_normal((2, 3)), requires_grad=True)
    ours(x_ours)
    theirs(x_theirs)
    assert type(ours) is cnn.Linear and repr(ours) == repr(theirs)
    assert [p is q for p, q in zip(params_before, ours.parameters(), strict=True)] == [True] * len(params_before)
    assert [tuple(p.shape) for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert ours.weight.dtype == chainrule.float64
    bound = 1 / np.sqrt(3)  # initialised as Linear: U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(ours.weight.detach().numpy()).max() <= bound
    with torch.no_grad():  # copied weights: the same layer
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        if bias:
            theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    _close(y_ours, y_theirs)
    g = RNG.standard_normal((2, 4))
    y_ours.backward(chainrule.tensor(g))
    y_theirs.backward(torch.tensor(g))
    _close(x_ours.grad, x_theirs.grad)
    _close(ours.weight.grad, theirs.weight.grad)


def test_data_parallel_wraps_the_module_as_torch_does_without_gpus():
    results = []
    for m in (chainrule, torch):
        m.manual_seed(0)
        inner = m.nn.Linear(2, 3)
        with m.no_grad():
            inner.weight.copy_(m.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
            inner.bias.zero_()
        wrapped = m.nn.DataParallel(inner)
        same = m.nn.parallel.DataParallel is m.nn.DataParallel
        out = wrapped(m.ones(4, 2))
        results.append((repr(wrapped), list(wrapped.state_dict()), wrapped.module is inner, wrapped.device_ids,
                        out.detach().numpy().tolist(), same))
    assert results[0] == results[1]


MODULE_CALLS = {
    "get_buffer": lambda m, net: net.get_buffer("1.running_mean"),
    "get_buffer of a parameter": lambda m, net: net.get_buffer("1.weight"),
    "get_buffer missing": lambda m, net: net.get_buffer("1.nothing"),
    "get_buffer missing module": lambda m, net: net.get_buffer("2.running_mean"),
    "set_submodule": lambda m, net: (net.set_submodule("0", m.nn.Tanh()), repr(net)),
    "set_submodule new": lambda m, net: (net.set_submodule("5", m.nn.Tanh()), repr(net)),
    "set_submodule strict new": lambda m, net: net.set_submodule("5", m.nn.Tanh(), strict=True),
    "set_submodule not a module": lambda m, net: net.set_submodule("1", 3),
    "set_submodule empty": lambda m, net: net.set_submodule("", m.nn.Tanh()),
    "cuda": lambda m, net: net.cuda(),
    "share_memory": lambda m, net: net.share_memory() is net,
}  # (not Module.compile: torch's compiles for real and changes torch's global state)


@pytest.mark.parametrize("name", sorted(MODULE_CALLS))
def test_module_methods_match_torch(name):
    results = []
    for m in (chainrule, torch):
        net = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.BatchNorm1d(2))
        try:
            out = MODULE_CALLS[name](m, net)
            results.append(out.tolist() if hasattr(out, "tolist") else out)
        except Exception as exc:  # noqa: BLE001 - compare type and message
            results.append((type(exc).__name__, str(exc).split(" (chainrule")[0]))
    assert results[0] == results[1]


def test_module_compile_is_a_no_op():
    net = chainrule.nn.Linear(2, 2)
    before = net(chainrule.ones(1, 2))
    assert net.compile() is None
    np.testing.assert_array_equal(net(chainrule.ones(1, 2)).detach().numpy(), before.detach().numpy())



def _hook_story(m):
    net = m.nn.Sequential(m.nn.Linear(2, 2))
    calls = []
    net[0].register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(("pre", prefix, keep_vars)))
    net[0].register_state_dict_post_hook(lambda mod, sd, prefix, meta: calls.append(("post", prefix, list(sd))))

    def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        calls.append(("load pre", prefix, strict))
        if prefix + "old_weight" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "old_weight")

    def forgive(mod, keys):
        calls.append(("load post", list(keys.missing_keys), list(keys.unexpected_keys)))
        keys.unexpected_keys.clear()

    net[0].register_load_state_dict_pre_hook(rename)
    net[0].register_load_state_dict_post_hook(forgive)
    sd = net.state_dict()
    old = {("0.old_weight" if k == "0.weight" else k): v * 2 for k, v in sd.items()}
    old["extra"] = m.zeros(1)
    result = net.load_state_dict(old)
    handle = net._register_state_dict_hook(lambda mod, sd, prefix, meta: {"only": m.ones(1)})
    replaced = list(net.state_dict())
    handle.remove()
    bad = m.nn.Linear(1, 1)
    bad.register_state_dict_post_hook(lambda *args: 5)
    try:
        bad.state_dict()
        error = None
    except RuntimeError as exc:
        error = str(exc)
    loaded = net[0].weight.detach().numpy().tolist() == (sd["0.weight"] * 2).tolist()
    return calls, repr(result), loaded, replaced, list(net.state_dict()), error


def test_state_dict_and_load_hooks_run_as_in_torch():
    """state_dict pre/post hooks and load_state_dict pre/post hooks: the calls they see, an old
    key renamed by a load pre-hook, an unexpected key forgiven by a load post-hook, and the
    private hook that replaces the state_dict."""
    assert _hook_story(chainrule) == _hook_story(torch)


def _lazy_conv_story(m, cls_name, shape):
    m.manual_seed(0)
    conv = getattr(m.nn, cls_name)(4, 3, padding=1, bias=True)
    before = repr(conv)  # (torch's uninitialized weight has no shape; chainrule's is (out, 0, *kernel))
    weight = conv.weight
    x = m.tensor(np.random.default_rng(0).standard_normal(shape), dtype=m.float32)
    first = tuple(conv(x).shape)
    after = (repr(conv), type(conv).__name__, tuple(conv.weight.shape), conv.weight is weight)
    with m.no_grad():  # the same weights in both libraries, then the same output
        conv.weight.copy_(m.tensor(np.linspace(-1, 1, conv.weight.numel()).reshape(tuple(conv.weight.shape))))
        conv.bias.fill_(0.5)
    return before, first, after, conv(x).detach().numpy().round(10).tolist()


@pytest.mark.parametrize("cls_name, shape", [("LazyConv1d", (2, 3, 6)), ("LazyConv2d", (2, 3, 5, 5)),
                                             ("LazyConv2d", (3, 5, 5)), ("LazyConv3d", (1, 2, 3, 3, 3))])
def test_lazy_conv_learns_in_channels_as_torch(cls_name, shape):
    ours, theirs = _lazy_conv_story(chainrule, cls_name, shape), _lazy_conv_story(torch, cls_name, shape)
    assert ours[:3] == theirs[:3]
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5, atol=1e-6)
