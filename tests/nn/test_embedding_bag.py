"""F.embedding_bag and nn.EmbeddingBag against torch (values, gradients to the weight and the per-sample weights,
errors, repr), and F.gumbel_softmax's shapes, one-hot samples, straight-through gradients and statistics."""

import numpy as np
import pytest
import torch
from nn_parity import assert_close, check_parity, copy_weights

import chainrule
import chainrule.nn as cnn
import chainrule.nn.functional as CF

rng = np.random.default_rng(3)

# (input, offsets, include_last_offset): 1-D with offsets (an empty bag among them), and 2-D
BAGS = [
    (np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4]), False),
    (np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 6]), False),
    (np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 2, 2, 5, 8]), True),
    (np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 2, 8, 8]), True),
    (np.array([[1, 2, 4], [5, 4, 3], [0, 0, 9]]), None, False),
    (np.array([3, 0, 0, 7]), np.array([0, 1, 4, 4]), False),
]


def _call(lib, weight, input, offsets, include_last_offset, psw=None, **kwargs):
    to = torch.tensor if lib is torch else chainrule.tensor
    F = torch.nn.functional if lib is torch else CF
    return F.embedding_bag(to(input), weight, None if offsets is None else to(offsets),
                           include_last_offset=include_last_offset, per_sample_weights=psw, **kwargs)


@pytest.mark.parametrize("input, offsets, include_last_offset", BAGS)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 0, -6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_bag_matches_torch(input, offsets, include_last_offset, mode, padding_idx, dtype):
    w = rng.standard_normal((10, 4)).astype(dtype)
    tw = torch.tensor(w, requires_grad=True)
    cw = chainrule.tensor(w, requires_grad=True)
    t = _call(torch, tw, input, offsets, include_last_offset, mode=mode, padding_idx=padding_idx)
    c = _call(chainrule, cw, input, offsets, include_last_offset, mode=mode, padding_idx=padding_idx)
    assert c.dtype == chainrule.float64 if dtype == np.float64 else chainrule.float32
    assert_close(c, t)
    cot = rng.standard_normal(tuple(t.shape)).astype(dtype)
    (t * torch.tensor(cot)).sum().backward()
    (c * chainrule.tensor(cot)).sum().backward()
    assert_close(cw.grad, tw.grad)


@pytest.mark.parametrize("input, offsets, include_last_offset", BAGS)
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_per_sample_weights_get_gradients(input, offsets, include_last_offset, padding_idx):
    w = rng.standard_normal((10, 3))
    p = rng.standard_normal(input.shape)
    tw, tp = torch.tensor(w, requires_grad=True), torch.tensor(p, requires_grad=True)
    cw, cp = chainrule.tensor(w, requires_grad=True), chainrule.tensor(p, requires_grad=True)
    t = _call(torch, tw, input, offsets, include_last_offset, tp, mode="sum", padding_idx=padding_idx)
    c = _call(chainrule, cw, input, offsets, include_last_offset, cp, mode="sum", padding_idx=padding_idx)
    assert_close(c, t, atol=1e-12, rtol=1e-12)
    cot = rng.standard_normal(tuple(t.shape))
    (t * torch.tensor(cot)).sum().backward()
    (c * chainrule.tensor(cot)).sum().backward()
    assert_close(cw.grad, tw.grad, atol=1e-12, rtol=1e-12)
    assert_close(cp.grad, tp.grad, atol=1e-12, rtol=1e-12)


def test_int32_indices_and_offsets():
    w = rng.standard_normal((6, 2))
    idx, off = np.array([1, 5, 2], dtype=np.int32), np.array([0, 2], dtype=np.int32)
    t = torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(w), torch.tensor(off))
    c = CF.embedding_bag(chainrule.tensor(idx), chainrule.tensor(w), chainrule.tensor(off))
    assert_close(c, t)


def test_max_norm_renormalizes_the_rows_used():
    w = rng.standard_normal((6, 3)) * 3
    tw, cw = torch.tensor(w), chainrule.tensor(w)
    idx, off = np.array([1, 5, 2]), np.array([0, 1])
    t = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor(off), max_norm=1.0)
    c = CF.embedding_bag(chainrule.tensor(idx), cw, chainrule.tensor(off), max_norm=1.0)
    assert_close(c, t)
    assert_close(cw, tw)


ERRORS = [
    (dict(input=np.array([1, 2, 3]), offsets=np.array([1, 2])), RuntimeError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0, 4])), RuntimeError),
    (dict(input=np.array([1, 2, 3]), offsets=None), ValueError),
    (dict(input=np.array([[1, 2], [3, 4]]), offsets=np.array([0, 1])), ValueError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([[0, 1]])), ValueError),
    (dict(input=np.array([[[1]]]), offsets=None), ValueError),
    (dict(input=np.array([1.0, 2.0]), offsets=np.array([0])), RuntimeError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), mode="min"), ValueError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), mode="mean", psw=np.ones(3, np.float32)),
     NotImplementedError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), mode="sum", psw=np.ones(2, np.float32)), ValueError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), mode="sum", psw=np.ones(3)), RuntimeError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), padding_idx=5), RuntimeError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), padding_idx=-6), RuntimeError),
    (dict(input=np.array([1, 2, 7]), offsets=np.array([0]), mode="sum"), RuntimeError),
    (dict(input=np.array([1, 2, 3]), offsets=np.array([0]), mode="max", scale_grad_by_freq=True), ValueError),
]


@pytest.mark.parametrize("kwargs, error", ERRORS)
def test_errors_match_torch(kwargs, error):
    kwargs = dict(kwargs)
    input, offsets, psw = kwargs.pop("input"), kwargs.pop("offsets"), kwargs.pop("psw", None)
    w = rng.standard_normal((5, 3)).astype(np.float32)
    with pytest.raises(error) as theirs:
        _call(torch, torch.tensor(w), input, offsets, False, None if psw is None else torch.tensor(psw), **kwargs)
    with pytest.raises(error) as ours:
        _call(chainrule, chainrule.tensor(w), input, offsets, False, None if psw is None else chainrule.tensor(psw),
              **kwargs)
    # torch appends the type of an empty tensor to one message, on a line of its own
    assert str(ours.value).replace("chainrule._tensor", "torch") == str(theirs.value).split("\n")[0]


@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum"}, {"mode": "max", "padding_idx": 1, "max_norm": 2.0},
                                    {"norm_type": 1.0, "include_last_offset": True, "padding_idx": -1}])
def test_module_matches_torch(kwargs):
    t = torch.nn.EmbeddingBag(10, 4, **kwargs)
    c = cnn.EmbeddingBag(10, 4, **kwargs)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    assert c.padding_idx == t.padding_idx
    if c.padding_idx is not None:
        assert not c.weight.detach().numpy()[c.padding_idx].any()
    copy_weights(t, c)
    offsets = np.array([0, 2, 2, 5]) if kwargs.get("include_last_offset") else np.array([0, 2, 2])
    check_parity(t, c, [], input=np.array([1, 2, 4, 1, 3]), offsets=offsets)


def test_module_2d_input_and_per_sample_weights():
    t, c = torch.nn.EmbeddingBag(7, 3, mode="sum"), cnn.EmbeddingBag(7, 3, mode="sum")
    copy_weights(t, c)
    check_parity(t, c, [], input=np.array([[1, 2], [6, 0]]),
                 per_sample_weights=rng.standard_normal((2, 2)).astype(np.float32))


def test_module_padding_idx_out_of_range():
    for idx in (10, -11):
        with pytest.raises(AssertionError) as theirs:
            torch.nn.EmbeddingBag(10, 3, padding_idx=idx)
        with pytest.raises(AssertionError) as ours:
            cnn.EmbeddingBag(10, 3, padding_idx=idx)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained(freeze):
    w = rng.standard_normal((5, 2)).astype(np.float32)
    t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=freeze, mode="max")
    c = cnn.EmbeddingBag.from_pretrained(chainrule.tensor(w), freeze=freeze, mode="max")
    assert repr(c) == repr(t)
    assert c.weight.requires_grad == t.weight.requires_grad
    idx = np.array([[0, 4], [3, 3]])
    assert_close(c(chainrule.tensor(idx)), t(torch.tensor(idx)))


# -- gumbel_softmax ----------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [-1, 0, 1])
@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_shape_and_simplex(dim, hard):
    logits = rng.standard_normal((4, 5, 3)).astype(np.float32)
    t = torch.nn.functional.gumbel_softmax(torch.tensor(logits), tau=0.7, hard=hard, dim=dim)
    c = CF.gumbel_softmax(chainrule.tensor(logits), tau=0.7, hard=hard, dim=dim)
    assert tuple(c.shape) == tuple(t.shape)
    assert c.dtype == chainrule.float32
    y = c.numpy()
    np.testing.assert_allclose(y.sum(dim), 1, rtol=1e-5)
    assert (y >= 0).all()
    if hard:
        assert set(np.unique(y)) <= {0.0, 1.0}
        np.testing.assert_array_equal((y == 1).sum(dim), 1)


def test_gumbel_softmax_hard_straight_through_gradient():
    """With hard=True the gradient is the soft sample's: compare with torch by rebuilding both soft samples
    from one shared Gumbel noise."""
    logits = rng.standard_normal((6, 4))
    chainrule.manual_seed(0)
    x = chainrule.tensor(logits, requires_grad=True)
    y = CF.gumbel_softmax(x, tau=0.5, hard=True)
    chainrule.manual_seed(0)
    x2 = chainrule.tensor(logits, requires_grad=True)
    soft = CF.gumbel_softmax(x2, tau=0.5, hard=False)
    # the hard sample is the one-hot of the soft sample's argmax
    np.testing.assert_array_equal(y.detach().numpy().argmax(-1), soft.detach().numpy().argmax(-1))
    noise = soft.detach().numpy()  # recover torch's computation on the same perturbed logits
    g = np.log(noise) * 0.5 - logits  # (logits + g) / tau = log softmax up to a per-row constant
    tx = torch.tensor(logits, requires_grad=True)
    t_soft = ((tx + torch.tensor(g)) / 0.5).softmax(-1)
    index = t_soft.max(-1, keepdim=True)[1]
    t_y = torch.zeros_like(t_soft).scatter_(-1, index, 1.0) - t_soft.detach() + t_soft
    cot = rng.standard_normal((6, 4))
    (y * chainrule.tensor(cot)).sum().backward()
    (t_y * torch.tensor(cot)).sum().backward()
    assert_close(y, t_y, atol=1e-12)
    assert_close(x.grad, tx.grad, atol=1e-10, rtol=1e-8)


def test_gumbel_softmax_statistics():
    """Hard samples pick class k with probability softmax(logits)_k, as torch's do."""
    logits = np.array([1.0, 0.0, -1.0, 0.5])
    n = 20000
    batch = np.broadcast_to(logits, (n, 4)).copy()
    chainrule.manual_seed(1)
    c = CF.gumbel_softmax(chainrule.tensor(batch), tau=1.0, hard=True).numpy().mean(0)
    torch.manual_seed(1)
    t = torch.nn.functional.gumbel_softmax(torch.tensor(batch), tau=1.0, hard=True).numpy().mean(0)
    p = np.exp(logits) / np.exp(logits).sum()
    tol = 4 * np.sqrt(p * (1 - p) / n)
    assert (np.abs(c - p) < tol).all(), (c, p)
    assert (np.abs(t - p) < tol).all(), (t, p)


def test_gumbel_softmax_temperature_sharpens():
    logits = rng.standard_normal((2000, 5))
    chainrule.manual_seed(2)
    cold = CF.gumbel_softmax(chainrule.tensor(logits), tau=0.05).numpy().max(-1).mean()
    hot = CF.gumbel_softmax(chainrule.tensor(logits), tau=10.0).numpy().max(-1).mean()
    torch.manual_seed(2)
    t_cold = torch.nn.functional.gumbel_softmax(torch.tensor(logits), tau=0.05).numpy().max(-1).mean()
    t_hot = torch.nn.functional.gumbel_softmax(torch.tensor(logits), tau=10.0).numpy().max(-1).mean()
    assert abs(cold - t_cold) < 0.02 and abs(hot - t_hot) < 0.02
    assert cold > 0.95 and hot < 0.5
