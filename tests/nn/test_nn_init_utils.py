"""nn.init (distributions, fan rules, gains), default layer initialisation, and nn.utils, against torch.

Random values differ from torch's (NumPy's stream), so distributions are compared by their
moments and bounds on large samples; deterministic functions are compared exactly."""

import math

import numpy as np
import pytest
import torch
from nn_parity import assert_close, to_cr

import chainrule
import chainrule.nn as cnn


@pytest.mark.parametrize(
    "args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
             ("selu",)]
)
def test_calculate_gain_matches_torch(args):
    assert cnn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


def test_calculate_gain_unknown_raises_like_torch():
    with pytest.raises(ValueError) as t:
        torch.nn.init.calculate_gain("nope")
    with pytest.raises(ValueError) as c:
        cnn.init.calculate_gain("nope")
    assert str(c.value) == str(t.value)


@pytest.mark.parametrize("shape", [(30, 20), (8, 4, 3, 3), (5, 7, 2)])
def test_fan_in_and_fan_out_match_torch(shape):
    assert cnn.init._calculate_fan_in_and_fan_out(chainrule.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


SAMPLERS = [
    ("uniform_", dict(a=-2.0, b=3.0)),
    ("normal_", dict(mean=1.0, std=0.5)),
    ("trunc_normal_", dict(mean=0.0, std=1.0, a=-1.0, b=2.0)),
    ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", dict()),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", dict(nonlinearity="relu")),
]


@pytest.mark.parametrize("name,kwargs", SAMPLERS, ids=[f"{n}{k}" for n, k in SAMPLERS])
def test_random_init_has_torchs_distribution(name, kwargs):
    torch.manual_seed(0)
    chainrule.manual_seed(0)
    t = getattr(torch.nn.init, name)(torch.empty(200, 300), **kwargs)
    c = getattr(cnn.init, name)(chainrule.empty(200, 300), **kwargs)
    tn, cn = t.numpy(), c.numpy()
    assert cn.dtype == np.float32
    assert abs(cn.mean() - tn.mean()) < 0.02 * max(1.0, tn.std())
    assert abs(cn.std() - tn.std()) / tn.std() < 0.02
    assert cn.min() >= tn.min() - 0.05 * tn.std() - 1e-6 or name.endswith("normal_")
    assert cn.max() <= tn.max() + 0.05 * tn.std() + 1e-6 or name.endswith("normal_")


def test_init_returns_its_tensor_works_on_parameters_and_records_no_graph():
    p = cnn.Parameter(chainrule.empty(3, 4))
    out = cnn.init.kaiming_uniform_(p)
    assert out is p
    assert p.grad_fn is None and p.requires_grad and p.is_leaf


@pytest.mark.parametrize("name,args", [("constant_", (0.3,)), ("zeros_", ()), ("ones_", ()), ("eye_", ())])
def test_deterministic_init_matches_torch(name, args):
    t = getattr(torch.nn.init, name)(torch.empty(3, 5), *args)
    c = getattr(cnn.init, name)(chainrule.empty(3, 5), *args)
    assert_close(c, t)


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((2, 3, 3, 3, 3), 1)])
def test_dirac_matches_torch(shape, groups):
    t = torch.nn.init.dirac_(torch.empty(*shape), groups)
    c = cnn.init.dirac_(chainrule.empty(*shape), groups)
    assert_close(c, t)


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = cnn.init.orthogonal_(chainrule.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


LAYER_INIT = [
    ("nn.Linear(50, 40)", "weight"), ("nn.Linear(50, 2000)", "bias"),
    ("nn.Conv2d(8, 16, 3)", "weight"), ("nn.Conv2d(8, 2000, 3)", "bias"),
    ("nn.ConvTranspose2d(16, 8, 3)", "weight"), ("nn.Conv1d(4, 32, 5)", "weight"),
    ("nn.Bilinear(20, 30, 40)", "weight"), ("nn.Embedding(100, 64)", "weight"),
]


@pytest.mark.parametrize("expr,name", LAYER_INIT)
def test_default_layer_init_has_torchs_bounds_and_spread(expr, name):
    # Every sample has at least 640 values, so the spread of uniform draws is within a few percent.
    torch.manual_seed(0)
    chainrule.manual_seed(0)
    t = getattr(eval(expr, {"nn": torch.nn}), name).detach().numpy()
    c = getattr(eval(expr, {"nn": cnn}), name).detach().numpy()
    assert c.shape == t.shape and c.dtype == t.dtype
    if "Embedding" in expr:
        assert abs(c.std() - 1) < 0.05
        return
    bound = np.abs(t).max()
    assert np.abs(c).max() <= bound * 1.05
    assert abs(c.std() - t.std()) / t.std() < 0.15


def test_norm_layers_start_at_ones_and_zeros():
    bn, ln = cnn.BatchNorm1d(3), cnn.LayerNorm(3)
    for m in (bn, ln):
        assert m.weight.tolist() == [1.0] * 3 and m.bias.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3 and bn.num_batches_tracked.item() == 0


def _with_grads(lib, grads):
    params = [lib.nn.Parameter(lib.zeros(*g.shape)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = lib.tensor(g)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3])
def test_clip_grad_norm_matches_torch(norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    tp, cp = _with_grads(torch, grads), _with_grads(chainrule, grads)
    t_total = torch.nn.utils.clip_grad_norm_(tp, 0.5, norm_type)
    c_total = cnn.utils.clip_grad_norm_(cp, 0.5, norm_type)
    assert_close(c_total, t_total)
    for c, t in zip(cp, tp, strict=True):
        assert_close(c.grad, t.grad)


def test_clip_grad_norm_leaves_small_gradients_and_rejects_nonfinite():
    cp = _with_grads(chainrule, [np.array([0.1, 0.2], np.float32)])
    cnn.utils.clip_grad_norm_(cp, 10.0)
    assert_close(cp[0].grad, np.array([0.1, 0.2], np.float32))
    bad = _with_grads(chainrule, [np.array([np.inf], np.float32)])
    tbad = _with_grads(torch, [np.array([np.inf], np.float32)])
    with pytest.raises(RuntimeError) as t:
        torch.nn.utils.clip_grad_norm_(tbad, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as c:
        cnn.utils.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    assert str(c.value) == str(t.value)


def test_clip_grad_value_matches_torch():
    g = [np.linspace(-2, 2, 9, dtype=np.float32).reshape(3, 3)]
    tp, cp = _with_grads(torch, g), _with_grads(chainrule, g)
    torch.nn.utils.clip_grad_value_(tp, 0.75)
    cnn.utils.clip_grad_value_(cp, 0.75)
    assert_close(cp[0].grad, tp[0].grad)


def test_parameters_to_vector_and_back_match_torch():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    cm = cnn.Sequential(cnn.Linear(3, 2), cnn.Linear(2, 1))
    cm.load_state_dict({k: to_cr(v) for k, v in tm.state_dict().items()})
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    cv = cnn.utils.parameters_to_vector(cm.parameters())
    assert_close(cv, tv)
    new = np.arange(tv.numel(), dtype=np.float32)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), tm.parameters())
    cnn.utils.vector_to_parameters(chainrule.tensor(new), cm.parameters())
    for (k, t), c in zip(tm.state_dict().items(), cm.state_dict().values(), strict=True):
        assert_close(c, t, what=k)
    # parameters_to_vector is differentiable
    cv = cnn.utils.parameters_to_vector(cm.parameters())
    (cv * chainrule.arange(float(cv.numel()))).sum().backward()
    assert cm[0].weight.grad.flatten().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("batch_first,side", [(False, "right"), (True, "right"), (True, "left")])
def test_pad_sequence_matches_torch_with_gradients(batch_first, side):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((n, 3)).astype(np.float32) for n in (4, 2, 3)]
    outs, grads = [], []
    for lib, pad in ((torch, torch.nn.utils.rnn.pad_sequence), (chainrule, cnn.utils.rnn.pad_sequence)):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = pad(xs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
        cot = np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape))
        (out * lib.tensor(cot)).sum().backward()
        outs.append(out)
        grads.append([x.grad for x in xs])
    assert_close(outs[1], outs[0])
    for c, t in zip(grads[1], grads[0], strict=True):
        assert_close(c, t)
