"""Attention, Transformer encoder and recurrent layers against torch: same weights, same outputs
(including attention weights and final hidden states) and the same gradients."""

import numpy as np
import pytest
import torch
from nn_parity import check_parity

import chainrule.nn as cnn

rng = np.random.default_rng(7)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def causal(n):
    return np.triu(np.ones((n, n), dtype=bool), k=1)


def build(expr):
    return eval(expr, {"nn": torch.nn}), eval(expr, {"nn": cnn})


MHA = [
    ("nn.MultiheadAttention(8, 2)", lambda: [randn(5, 3, 8)] * 3, {}),
    ("nn.MultiheadAttention(8, 2)", lambda: [randn(5, 3, 8), randn(4, 3, 8), randn(4, 3, 8)],
     {"average_attn_weights": False}),
    ("nn.MultiheadAttention(8, 4, batch_first=True)", lambda: [randn(3, 5, 8)] * 3, {"attn_mask": causal(5)}),
    ("nn.MultiheadAttention(8, 2, kdim=4, vdim=6)", lambda: [randn(5, 2, 8), randn(3, 2, 4), randn(3, 2, 6)],
     {"key_padding_mask": np.array([[False, False, True], [False, True, True]])}),
    ("nn.MultiheadAttention(8, 2, bias=False)", lambda: [randn(4, 8)] * 3, {"need_weights": False}),
    ("nn.MultiheadAttention(6, 3)", lambda: [randn(4, 2, 6)] * 3, {"attn_mask": randn(4, 4)}),
]


@pytest.mark.parametrize("expr,make_inputs,kwargs", MHA, ids=[f"{e}-{sorted(k)}" for e, _, k in MHA])
def test_multihead_attention_matches_torch(expr, make_inputs, kwargs):
    tm, cm = build(expr)
    assert repr(cm) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in cm.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    inputs = make_inputs()
    if len({id(x) for x in inputs}) == 1:  # self-attention: one tensor used three times
        class SelfAttention:
            def __init__(self, m):
                self.m = m
                self.named_parameters = m.named_parameters
                self.state_dict = m.state_dict
                self.load_state_dict = m.load_state_dict

            def __call__(self, x, **kw):
                return self.m(x, x, x, **kw)

        tm, cm, inputs = SelfAttention(tm), SelfAttention(cm), inputs[:1]
    check_parity(tm, cm, inputs, atol=1e-5, **kwargs)


ENCODER = [
    ("nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)", {}),
    ("nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation='gelu', norm_first=True, batch_first=True)", {}),
    ("nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=nn.GELU())", {"src_mask": causal(5)}),
    ("nn.TransformerEncoderLayer(8, 4, 16, dropout=0.3).eval()",
     {"src_key_padding_mask": np.array([[False] * 4 + [True]] * 3)}),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=nn.LayerNorm(8), "
     "enable_nested_tensor=False)", {"mask": causal(5)}),
]


@pytest.mark.parametrize("expr,kwargs", ENCODER, ids=[e for e, _ in ENCODER])
def test_transformer_encoder_matches_torch(expr, kwargs):
    tm, cm = build(expr)
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    x = randn(3, 5, 8) if "batch_first=True" in expr else randn(5, 3, 8)
    if "src_key_padding_mask" in kwargs:
        x = randn(5, 3, 8)
        kwargs = {"src_key_padding_mask": kwargs["src_key_padding_mask"]}
    check_parity(tm, cm, [x], atol=2e-5, **kwargs)


RNNS = [
    ("nn.RNN(3, 4)", lambda: [randn(5, 2, 3)]),
    ("nn.RNN(3, 4, num_layers=2, nonlinearity='relu', bias=False)", lambda: [randn(5, 2, 3)]),
    ("nn.RNN(3, 4, batch_first=True, bidirectional=True)", lambda: [randn(2, 5, 3), randn(2, 2, 4)]),
    ("nn.LSTM(3, 4)", lambda: [randn(5, 2, 3)]),
    ("nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)", lambda: [randn(2, 6, 3)]),
    ("nn.LSTM(3, 4)", lambda: [randn(6, 3)]),
    ("nn.GRU(3, 4)", lambda: [randn(5, 2, 3)]),
    ("nn.GRU(3, 5, num_layers=2, bidirectional=True)", lambda: [randn(4, 2, 3), randn(4, 2, 5)]),
    ("nn.GRU(3, 4, batch_first=True, dropout=0.5).eval()", lambda: [randn(2, 5, 3)]),
    ("nn.RNNCell(3, 4)", lambda: [randn(2, 3), randn(2, 4)]),
    ("nn.GRUCell(3, 4)", lambda: [randn(2, 3), randn(2, 4)]),
    ("nn.LSTMCell(3, 4)", lambda: [randn(2, 3)]),
]


@pytest.mark.parametrize("expr,make_inputs", RNNS, ids=[e for e, _ in RNNS])
def test_recurrent_layers_match_torch(expr, make_inputs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, cm = build(expr)
    assert repr(cm) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in cm.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    check_parity(tm, cm, make_inputs(), atol=1e-5)


def test_lstm_with_initial_state_matches_torch():
    tm, cm = build("nn.LSTM(3, 4, num_layers=2)")

    class WithState:
        def __init__(self, m):
            self.m = m
            self.named_parameters = m.named_parameters
            self.state_dict = m.state_dict
            self.load_state_dict = m.load_state_dict

        def __call__(self, x, h, c):
            return self.m(x, (h, c))

    check_parity(WithState(tm), WithState(cm), [randn(5, 2, 3), randn(2, 2, 4), randn(2, 2, 4)], atol=1e-5)


class _TwoInputs:
    """Adapts a module so that check_parity's positional inputs map to (src/tgt, memory) and masks."""

    def __init__(self, m, **masks):
        self.m = m
        self.masks = masks
        self.named_parameters = m.named_parameters
        self.state_dict = m.state_dict
        self.load_state_dict = m.load_state_dict

    def __call__(self, a, b):
        return self.m(a, b, **self.masks)


@pytest.mark.parametrize("expr", [
    "nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0)",
    "nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True, activation='gelu')",
    "nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2, norm=nn.LayerNorm(8))",
    "nn.Transformer(8, 2, 1, 2, 16, dropout=0.0)",
])
def test_transformer_decoder_and_full_transformer_match_torch(expr):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, cm = build(expr)
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4)
    c_mask = cnn.Transformer.generate_square_subsequent_mask(4)
    assert c_mask.tolist() == t_mask.tolist()
    if expr.startswith("nn.Transformer("):
        inputs = [randn(5, 2, 8), randn(4, 2, 8)]  # src, tgt
    else:
        inputs = [randn(4, 2, 8), randn(5, 2, 8)]  # tgt, memory
    check_parity(_TwoInputs(tm, tgt_mask=t_mask), _TwoInputs(cm, tgt_mask=c_mask), inputs, atol=3e-5)
