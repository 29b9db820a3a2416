"""nn.utils.rnn's packed sequences (pack_padded_sequence, pad_packed_sequence, pack_sequence, PackedSequence)
and the recurrent layers run on them, against torch: values, indices, gradients with random cotangents,
final hidden states at each sequence's true length, reprs and errors."""

import numpy as np
import pytest
import torch
from nn_parity import assert_close, copy_weights

import chainrule
import chainrule.nn as cnn
from chainrule.nn.utils import rnn as crnn
from torch.nn.utils import rnn as trnn

rng = np.random.default_rng(5)

LENGTHS = [[5, 3, 3, 1], [2, 5, 2, 2, 4, 1], [3], [4, 4, 4]]


def padded(lengths, batch_first, features=(3,), dtype=np.float64):
    shape = (len(lengths), max(lengths)) if batch_first else (max(lengths), len(lengths))
    return rng.standard_normal(shape + features).astype(dtype)


def both(x):
    return torch.tensor(x, requires_grad=True), chainrule.tensor(x, requires_grad=True)


def backward_both(t, c):
    cot = rng.standard_normal(tuple(t.shape))
    (t * torch.tensor(cot, dtype=t.dtype)).sum().backward()
    (c * chainrule.tensor(cot).to(c.dtype)).sum().backward()


def assert_same_packing(c, t):
    assert_close(c.data, t.data, atol=1e-12)
    assert c.batch_sizes.tolist() == t.batch_sizes.tolist()
    assert c.batch_sizes.dtype == chainrule.int64
    for ours, theirs in ((c.sorted_indices, t.sorted_indices), (c.unsorted_indices, t.unsorted_indices)):
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_sequence_matches_torch(lengths, batch_first, as_tensor):
    x = padded(lengths, batch_first)
    tx, cx = both(x)
    t_len = torch.tensor(lengths) if as_tensor else lengths
    c_len = chainrule.tensor(lengths) if as_tensor else lengths
    t = trnn.pack_padded_sequence(tx, t_len, batch_first=batch_first, enforce_sorted=False)
    c = crnn.pack_padded_sequence(cx, c_len, batch_first=batch_first, enforce_sorted=False)
    assert isinstance(c, crnn.PackedSequence)
    assert_same_packing(c, t)
    backward_both(t.data, c.data)
    assert_close(cx.grad, tx.grad, atol=1e-12)


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("total_length", [None, 7])
def test_pad_packed_sequence_matches_torch(lengths, batch_first, total_length):
    x = padded(lengths, False)
    t_packed = trnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    data = t_packed.data.numpy()
    t_data, c_data = both(data)
    t_in = trnn.PackedSequence(t_data, t_packed.batch_sizes, t_packed.sorted_indices, t_packed.unsorted_indices)
    c_in = crnn.PackedSequence(c_data, chainrule.tensor(t_packed.batch_sizes.numpy()),
                               chainrule.tensor(t_packed.sorted_indices.numpy()))
    t_out, t_len = trnn.pad_packed_sequence(t_in, batch_first, padding_value=-2.5, total_length=total_length)
    c_out, c_len = crnn.pad_packed_sequence(c_in, batch_first, padding_value=-2.5, total_length=total_length)
    assert_close(c_out, t_out, atol=1e-12)
    assert c_len.tolist() == t_len.tolist()
    assert c_len.dtype == chainrule.int64
    backward_both(t_out, c_out)
    assert_close(c_data.grad, t_data.grad, atol=1e-12)


def test_enforce_sorted_packing_has_no_indices():
    x = padded([4, 2, 1], False)
    t = trnn.pack_padded_sequence(torch.tensor(x), [4, 2, 1])
    c = crnn.pack_padded_sequence(chainrule.tensor(x), [4, 2, 1])
    assert_same_packing(c, t)
    assert repr(c) == repr(t)
    t_out, _ = trnn.pad_packed_sequence(t)
    c_out, _ = crnn.pad_packed_sequence(c)
    assert_close(c_out, t_out)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack(enforce_sorted):
    lengths = [4, 3, 1] if enforce_sorted else [2, 4, 1, 3]
    seqs = [rng.standard_normal((n, 2)) for n in lengths]
    t_seqs = [torch.tensor(s, requires_grad=True) for s in seqs]
    c_seqs = [chainrule.tensor(s, requires_grad=True) for s in seqs]
    t = trnn.pack_sequence(t_seqs, enforce_sorted=enforce_sorted)
    c = crnn.pack_sequence(c_seqs, enforce_sorted=enforce_sorted)
    assert_same_packing(c, t)
    t_back, c_back = trnn.unpack_sequence(t), crnn.unpack_sequence(c)
    assert len(c_back) == len(t_back)
    for ours, theirs in zip(c_back, t_back, strict=True):
        assert_close(ours, theirs)
    backward_both(torch.cat(t_back), chainrule.cat(c_back))
    for ours, theirs in zip(c_seqs, t_seqs, strict=True):
        assert_close(ours.grad, theirs.grad, atol=1e-12)


def test_unpad_sequence():
    x = padded([3, 1, 2], True)
    ours = crnn.unpad_sequence(chainrule.tensor(x), chainrule.tensor([3, 1, 2]), batch_first=True)
    theirs = trnn.unpad_sequence(torch.tensor(x), torch.tensor([3, 1, 2]), batch_first=True)
    for a, b in zip(ours, theirs, strict=True):
        assert_close(a, b)


def test_packed_sequence_repr_and_conversions():
    seqs = [np.arange(3), np.arange(2) + 10]
    t = trnn.pack_sequence([torch.tensor(s) for s in seqs])
    c = crnn.pack_sequence([chainrule.tensor(s) for s in seqs])
    assert repr(c) == repr(t)
    assert c._fields == t._fields
    for method in ("double", "float", "long", "int", "short", "char", "byte", "half", "cpu"):
        ours, theirs = getattr(c, method)(), getattr(t, method)()
        assert str(ours.data.dtype) == str(theirs.data.dtype), method
        assert isinstance(ours, crnn.PackedSequence)
    assert c.to(chainrule.float64).data.dtype == chainrule.float64
    assert c.is_cuda is False and c.is_pinned() is False
    unsorted = crnn.pack_sequence([chainrule.tensor(s) for s in seqs[::-1]], enforce_sorted=False)
    assert unsorted.double().sorted_indices.tolist() == [1, 0]


ERRORS = [
    (lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [2, 3, 1]), RuntimeError),
    (lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [3, 2]), RuntimeError),
    (lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [3, 2, 0]), RuntimeError),
    (lambda lib, x: lib.nn.utils.rnn.pad_packed_sequence(lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 1]),
                                                         total_length=3), ValueError),
    (lambda lib, x: lib.nn.RNN(3, 2)(lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 1]), x.new_zeros(1, 2, 2)),
     RuntimeError),
    (lambda lib, x: lib.nn.LSTM(3, 2)(x, (x.new_zeros(1, 3, 2), x.new_zeros(1, 2, 2))), RuntimeError),
    (lambda lib, x: lib.nn.GRU(3, 2)(x, x.new_zeros(2, 3, 2)), RuntimeError),
    (lambda lib, x: lib.nn.GRU(3, 2)(x[:, 0], x.new_zeros(1, 1, 2)), RuntimeError),
    (lambda lib, x: lib.nn.GRU(2, 2)(lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 1])), RuntimeError),
]


@pytest.mark.parametrize("call, error", ERRORS)
def test_errors_match_torch(call, error):
    x = padded([4, 2, 1], False, dtype=np.float32)
    with pytest.raises(error) as theirs:
        call(torch, torch.tensor(x))
    with pytest.raises(error) as ours:
        call(chainrule, chainrule.tensor(x))
    assert str(ours.value) == str(theirs.value)


# -- recurrent layers on packed input ----------------------------------------------------------

RNNS = [
    "nn.RNN(3, 4)",
    "nn.RNN(3, 4, nonlinearity='relu', bias=False)",
    "nn.GRU(3, 4, num_layers=2)",
    "nn.LSTM(3, 4)",
    "nn.LSTM(3, 4, num_layers=2, bidirectional=True)",
    "nn.GRU(3, 4, bidirectional=True, batch_first=True)",
    "nn.RNN(3, 4, num_layers=2, bidirectional=True)",
]


@pytest.mark.parametrize("expr", RNNS)
@pytest.mark.parametrize("lengths", [[5, 3, 3, 1], [2, 5, 2, 4, 1]])
@pytest.mark.parametrize("with_hx", [False, True])
def test_recurrent_layers_on_packed_input_match_torch(expr, lengths, with_hx):
    t_mod = eval(expr, {"nn": torch.nn}).double()
    c_mod = eval(expr, {"nn": cnn}).double()
    copy_weights(t_mod, c_mod)
    x = padded(lengths, t_mod.batch_first)
    tx, cx = both(x)
    t_in = trnn.pack_padded_sequence(tx, lengths, batch_first=t_mod.batch_first, enforce_sorted=False)
    c_in = crnn.pack_padded_sequence(cx, lengths, batch_first=t_mod.batch_first, enforce_sorted=False)
    args_t, args_c, hs = [], [], []
    if with_hx:
        layers = t_mod.num_layers * (2 if t_mod.bidirectional else 1)
        n = 2 if isinstance(t_mod, torch.nn.LSTM) else 1
        hs = [both(rng.standard_normal((layers, len(lengths), 4))) for _ in range(n)]
        args_t = [tuple(h[0] for h in hs) if n == 2 else hs[0][0]]
        args_c = [tuple(h[1] for h in hs) if n == 2 else hs[0][1]]
    t_out, t_hidden = t_mod(t_in, *args_t)
    c_out, c_hidden = c_mod(c_in, *args_c)
    assert isinstance(c_out, crnn.PackedSequence)
    assert_same_packing(c_out, t_out)
    t_hidden = t_hidden if isinstance(t_hidden, tuple) else (t_hidden,)
    c_hidden = c_hidden if isinstance(c_hidden, tuple) else (c_hidden,)
    for ours, theirs in zip(c_hidden, t_hidden, strict=True):
        assert_close(ours, theirs, atol=1e-12, rtol=1e-10)
    # the padded output too: zero past each sequence's end
    t_pad, _ = trnn.pad_packed_sequence(t_out, batch_first=t_mod.batch_first)
    c_pad, _ = crnn.pad_packed_sequence(c_out, batch_first=c_mod.batch_first)
    assert_close(c_pad, t_pad, atol=1e-12, rtol=1e-10)
    t_loss, c_loss = 0, 0
    for ours, theirs in [(c_out.data, t_out.data), *zip(c_hidden, t_hidden, strict=True)]:
        cot = rng.standard_normal(tuple(theirs.shape))
        t_loss = t_loss + (theirs * torch.tensor(cot)).sum()
        c_loss = c_loss + (ours * chainrule.tensor(cot)).sum()
    t_loss.backward()
    c_loss.backward()
    assert_close(cx.grad, tx.grad, atol=1e-10, rtol=1e-8)
    for (th, ch) in hs:
        assert_close(ch.grad, th.grad, atol=1e-10, rtol=1e-8)
    for (name, tp), (c_name, cp) in zip(t_mod.named_parameters(), c_mod.named_parameters(), strict=True):
        assert name == c_name
        assert_close(cp.grad, tp.grad, atol=1e-10, rtol=1e-8, what=name)


def test_packed_run_equals_each_sequence_run_alone():
    """The final state of a packed sequence is that of the sequence run alone, unpadded."""
    m = cnn.GRU(3, 4, bidirectional=True).double()
    lengths = [2, 5, 3]
    x = padded(lengths, False)
    _, h = m(crnn.pack_padded_sequence(chainrule.tensor(x), lengths, enforce_sorted=False))
    for b, n in enumerate(lengths):
        _, h_alone = m(chainrule.tensor(x[:n, b]))
        assert_close(h[:, b], h_alone.detach(), atol=1e-12)
