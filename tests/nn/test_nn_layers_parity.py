"""Every layer against torch: same weights in (via load_state_dict), same outputs and gradients out,
and the same repr and state_dict keys/shapes."""

import numpy as np
import pytest
import torch
from nn_parity import assert_close, check_parity, copy_weights

import chainrule
import chainrule.nn as cnn

rng = np.random.default_rng(1234)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def randint(high, *shape):
    return rng.integers(0, high, shape).astype(np.int64)


# (constructor expression, with `nn` bound to torch.nn or chainrule.nn; input arrays)
LAYERS = [
    ("nn.Linear(5, 3)", lambda: [randn(4, 5)]),
    ("nn.Linear(5, 3, bias=False)", lambda: [randn(2, 4, 5)]),
    ("nn.Bilinear(3, 4, 2)", lambda: [randn(5, 3), randn(5, 4)]),
    ("nn.Identity(3, foo=1)", lambda: [randn(2, 3)]),
    ("nn.Conv1d(3, 4, 3, stride=2, padding=1)", lambda: [randn(2, 3, 9)]),
    ("nn.Conv2d(3, 4, 3)", lambda: [randn(2, 3, 6, 6)]),
    ("nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2, bias=False)", lambda: [randn(2, 4, 7, 7)]),
    ("nn.Conv2d(2, 3, 3, padding='same', padding_mode='reflect')", lambda: [randn(1, 2, 5, 6)]),
    ("nn.Conv2d(2, 3, 3, padding=1, padding_mode='circular')", lambda: [randn(1, 2, 5, 6)]),
    ("nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)", lambda: [randn(2, 3, 4, 4)]),
    ("nn.ConvTranspose1d(3, 2, 4, stride=2)", lambda: [randn(2, 3, 5)]),
    ("nn.MaxPool1d(2)", lambda: [randn(2, 3, 8)]),
    ("nn.MaxPool2d(3, stride=2, padding=1)", lambda: [randn(2, 3, 7, 7)]),
    ("nn.AvgPool1d(3, stride=2)", lambda: [randn(2, 3, 9)]),
    ("nn.AvgPool2d(2)", lambda: [randn(2, 3, 6, 6)]),
    ("nn.AdaptiveAvgPool2d((2, 3))", lambda: [randn(2, 3, 7, 8)]),
    ("nn.AdaptiveAvgPool1d(3)", lambda: [randn(2, 3, 7)]),
    ("nn.AdaptiveMaxPool2d(2)", lambda: [randn(2, 3, 5, 5)]),
    ("nn.BatchNorm1d(4)", lambda: [randn(6, 4)]),
    ("nn.BatchNorm1d(4, affine=False)", lambda: [randn(6, 4, 3)]),
    ("nn.BatchNorm2d(3)", lambda: [randn(4, 3, 5, 5)]),
    ("nn.BatchNorm2d(3, momentum=None)", lambda: [randn(4, 3, 2, 2)]),
    ("nn.BatchNorm2d(3, track_running_stats=False)", lambda: [randn(4, 3, 2, 2)]),
    ("nn.InstanceNorm2d(3, affine=True)", lambda: [randn(2, 3, 4, 4)]),
    ("nn.LayerNorm(6)", lambda: [randn(3, 4, 6)]),
    ("nn.LayerNorm((4, 6), elementwise_affine=False)", lambda: [randn(3, 4, 6)]),
    ("nn.LayerNorm(6, bias=False)", lambda: [randn(3, 6)]),
    ("nn.GroupNorm(2, 4)", lambda: [randn(3, 4, 5)]),
    ("nn.RMSNorm(6)", lambda: [randn(3, 6)]),
    ("nn.RMSNorm([2, 6], eps=1e-3)", lambda: [randn(3, 2, 6)]),
    ("nn.LocalResponseNorm(3)", lambda: [randn(2, 5, 4)]),
    ("nn.Embedding(10, 4)", lambda: [randint(10, 3, 5)]),
    ("nn.Embedding(10, 4, padding_idx=2)", lambda: [np.array([[2, 1, 2, 9]], dtype=np.int64)]),
    ("nn.Flatten()", lambda: [randn(2, 3, 4)]),
    ("nn.Flatten(0, 1)", lambda: [randn(2, 3, 4)]),
    ("nn.Unflatten(1, (2, 3))", lambda: [randn(4, 6)]),
    ("nn.Dropout(0.3).eval()", lambda: [randn(4, 5)]),
    ("nn.PReLU()", lambda: [randn(3, 4)]),
    ("nn.PReLU(4)", lambda: [randn(3, 4, 2)]),
    ("nn.Softmax2d()", lambda: [randn(2, 3, 2, 2)]),
    ("nn.RReLU().eval()", lambda: [randn(3, 4)]),
    ("nn.ZeroPad2d(1)", lambda: [randn(1, 2, 3, 3)]),
    ("nn.ZeroPad2d((1, 2, 0, 3))", lambda: [randn(1, 2, 3, 3)]),
    ("nn.ConstantPad1d(2, 3.5)", lambda: [randn(2, 3, 4)]),
    ("nn.ReflectionPad2d(1)", lambda: [randn(1, 2, 3, 4)]),
    ("nn.ReplicationPad1d((1, 2))", lambda: [randn(1, 2, 4)]),
    ("nn.CircularPad2d(1)", lambda: [randn(1, 2, 3, 4)]),
    ("nn.Upsample(scale_factor=2)", lambda: [randn(1, 2, 3, 3)]),
    ("nn.Upsample(size=(5, 4), mode='bilinear')", lambda: [randn(1, 2, 3, 3)]),
    ("nn.UpsamplingBilinear2d(scale_factor=2)", lambda: [randn(1, 2, 3, 3)]),
    ("nn.PixelShuffle(2)", lambda: [randn(1, 8, 2, 3)]),
    ("nn.PixelUnshuffle(2)", lambda: [randn(1, 2, 4, 6)]),
    ("nn.ChannelShuffle(2)", lambda: [randn(2, 6, 2, 2)]),
    ("nn.Unfold(2, padding=1)", lambda: [randn(2, 3, 4, 4)]),
    ("nn.Fold((4, 5), 2)", lambda: [randn(2, 12, 12)]),
    ("nn.CosineSimilarity(dim=1)", lambda: [randn(4, 5), randn(4, 5)]),
    ("nn.PairwiseDistance(p=1.0)", lambda: [randn(4, 5), randn(4, 5)]),
]

ACTIVATIONS = [
    "nn.ReLU()", "nn.ReLU6()", "nn.LeakyReLU(0.2)", "nn.ELU(alpha=0.7)", "nn.CELU(1.3)", "nn.SELU()",
    "nn.GELU()", "nn.GELU('tanh')", "nn.SiLU()", "nn.Mish()", "nn.Sigmoid()", "nn.Tanh()",
    "nn.Hardtanh(-0.5, 0.7)", "nn.Hardsigmoid()", "nn.Hardswish()", "nn.Hardshrink()", "nn.Softshrink(0.3)",
    "nn.Tanhshrink()", "nn.Softplus(beta=2)", "nn.Softsign()", "nn.LogSigmoid()", "nn.Threshold(0.1, 20)",
    "nn.GLU()", "nn.Softmax(dim=1)", "nn.Softmin(dim=0)", "nn.LogSoftmax(dim=-1)",
]


def _build(expr):
    return eval(expr, {"nn": torch.nn}), eval(expr, {"nn": cnn})


@pytest.mark.parametrize("expr,make_inputs", LAYERS, ids=[e for e, _ in LAYERS])
def test_layer_matches_torch(expr, make_inputs):
    tm, cm = _build(expr)
    assert repr(cm) == repr(tm)
    t_sd, c_sd = tm.state_dict(), cm.state_dict()
    assert list(c_sd) == list(t_sd)
    for k in t_sd:
        assert tuple(c_sd[k].shape) == tuple(t_sd[k].shape), k
        assert str(c_sd[k].dtype) == str(t_sd[k].dtype), k
    check_parity(tm, cm, make_inputs())
    # Running statistics (BatchNorm) move the same way.
    for k, v in tm.state_dict().items():
        assert_close(cm.state_dict()[k], v, 1e-5, 1e-4, k)


@pytest.mark.parametrize("expr", ACTIVATIONS)
def test_activation_matches_torch(expr):
    tm, cm = _build(expr)
    assert repr(cm) == repr(tm)
    check_parity(tm, cm, [randn(4, 6)])


def _targets(kind, shape):
    if kind == "class":
        return randint(shape[1], shape[0])
    if kind == "prob":
        return rng.uniform(0.05, 0.95, shape).astype(np.float32)
    if kind == "sign":
        return np.sign(randn(*shape)).astype(np.float32)
    return randn(*shape)


# (constructor, target kind, input transform)
LOSSES = [
    ("nn.MSELoss()", "real", None),
    ("nn.MSELoss(reduction='sum')", "real", None),
    ("nn.L1Loss(reduction='none')", "real", None),
    ("nn.CrossEntropyLoss()", "class", None),
    ("nn.CrossEntropyLoss(label_smoothing=0.1, reduction='sum')", "class", None),
    ("nn.NLLLoss()", "class", "log_softmax"),
    ("nn.BCELoss()", "prob", "sigmoid"),
    ("nn.BCEWithLogitsLoss()", "prob", None),
    ("nn.KLDivLoss(reduction='batchmean')", "prob", "log_softmax"),
    ("nn.HuberLoss(delta=0.5)", "real", None),
    ("nn.SmoothL1Loss(beta=0.5)", "real", None),
    ("nn.SoftMarginLoss()", "sign", None),
    ("nn.MultiLabelSoftMarginLoss()", "prob", None),
    ("nn.HingeEmbeddingLoss()", "sign", None),
    ("nn.PoissonNLLLoss()", "prob", None),
]


@pytest.mark.parametrize("expr,target_kind,transform", LOSSES, ids=[e for e, _, _ in LOSSES])
def test_loss_matches_torch(expr, target_kind, transform):
    tm, cm = _build(expr)
    assert repr(cm) == repr(tm)
    x = randn(5, 4)
    target = _targets(target_kind, x.shape)
    tx = torch.tensor(x, requires_grad=True)
    cx = chainrule.tensor(x, requires_grad=True)
    ti, ci = tx, cx
    if transform == "log_softmax":
        ti, ci = ti.log_softmax(1), ci.log_softmax(1)
    elif transform == "sigmoid":
        ti, ci = ti.sigmoid(), ci.sigmoid()
    t_loss = tm(ti, torch.tensor(target))
    c_loss = cm(ci, chainrule.tensor(target))
    assert_close(c_loss, t_loss, what="loss")
    cot = randn(*t_loss.shape)
    t_loss.backward(torch.tensor(cot))
    c_loss.backward(chainrule.tensor(cot))
    assert_close(cx.grad, tx.grad, what="grad")


def test_weighted_cross_entropy_registers_weight_buffer():
    w = randn(4) ** 2
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor(w))
    cm = cnn.CrossEntropyLoss(weight=chainrule.tensor(w))
    assert list(cm.state_dict()) == list(tm.state_dict()) == ["weight"]
    x, y = randn(6, 4), randint(4, 6)
    assert_close(cm(chainrule.tensor(x), chainrule.tensor(y)), tm(torch.tensor(x), torch.tensor(y)))


def test_batchnorm_running_stats_follow_torch_over_steps_then_eval():
    tm, cm = _build("nn.BatchNorm2d(3, momentum=0.3)")
    copy_weights(tm, cm)
    for _ in range(4):
        x = randn(5, 3, 2, 2) * 3 + 1
        assert_close(cm(chainrule.tensor(x)), tm(torch.tensor(x)))
    for k, v in tm.state_dict().items():
        assert_close(cm.state_dict()[k], v, what=k)
    assert int(cm.num_batches_tracked) == 4
    tm.eval()
    cm.eval()
    x = randn(2, 3, 2, 2)
    assert_close(cm(chainrule.tensor(x)), tm(torch.tensor(x)))
    for k, v in tm.state_dict().items():
        assert_close(cm.state_dict()[k], v, what=k)


def test_small_cnn_end_to_end_matches_torch():
    expr = ("nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), "
            "nn.Flatten(), nn.Linear(4 * 4 * 4, 10), nn.LogSoftmax(dim=1))")
    tm, cm = _build(expr)
    assert repr(cm) == repr(tm)
    check_parity(tm, cm, [randn(3, 1, 8, 8)], atol=1e-4)


def test_float64_module_matches_torch():
    tm, cm = _build("nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))")
    tm.double()
    cm.double()
    assert all(p.dtype == chainrule.float64 for p in cm.parameters())
    check_parity(tm, cm, [randn(5, 3, dtype=np.float64)], atol=1e-10, rtol=1e-10)


def _multi_input_loss(lib, expr, arrays, grads_of):
    m = eval(expr, {"nn": lib.nn})
    tensors = [lib.tensor(a, requires_grad=i in grads_of) for i, a in enumerate(arrays)]
    loss = m(*tensors)
    loss.backward()
    return repr(m), loss, [tensors[i].grad for i in grads_of]


MULTI_LOSSES = [
    ("nn.GaussianNLLLoss()", lambda: [randn(5, 3), randn(5, 3), np.abs(randn(5, 3)) + 0.1], (0, 2)),
    ("nn.MarginRankingLoss(margin=0.2)", lambda: [randn(6), randn(6), np.sign(randn(6))], (0, 1)),
    ("nn.CosineEmbeddingLoss(margin=0.1)", lambda: [randn(5, 4), randn(5, 4), np.sign(randn(5))], (0, 1)),
    ("nn.TripletMarginLoss(margin=0.5, p=1.0)", lambda: [randn(5, 4), randn(5, 4), randn(5, 4)], (0, 1, 2)),
    ("nn.CTCLoss()", lambda: [np.log(rng.dirichlet(np.ones(5), (6, 2))).astype(np.float32),
                              rng.integers(1, 5, (2, 3)).astype(np.int64), np.array([6, 5]), np.array([3, 2])], (0,)),
]


@pytest.mark.parametrize("expr,make,grads_of", MULTI_LOSSES, ids=[e for e, _, _ in MULTI_LOSSES])
def test_multi_input_losses_match_torch(expr, make, grads_of):
    arrays = make()
    t_repr, t_loss, t_grads = _multi_input_loss(torch, expr, arrays, grads_of)
    c_repr, c_loss, c_grads = _multi_input_loss(chainrule, expr, arrays, grads_of)
    assert c_repr == t_repr
    assert_close(c_loss, t_loss, what="loss")
    for c, t in zip(c_grads, t_grads, strict=True):
        assert_close(c, t, what="grad")
