"""Recurrent layers: RNN, LSTM, GRU (num_layers, bidirectional, batch_first, dropout between layers).

The input projection of every time step is one matmul over the whole sequence; only the
hidden-to-hidden product runs step by step. Parameters are named as PyTorch's
(``weight_ih_l0``, ``bias_hh_l1_reverse``, ...) so that state_dicts load across.
"""

from __future__ import annotations

import math
import warnings

from ... import _creation, ops
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(x_proj: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _lstm_step(x_proj: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None) -> tuple:
    h, c = state
    gates = x_proj + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_step(x_proj: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    gh = F.linear(h, w_hh, b_hh)
    xr, xz, xn = x_proj.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r = (xr + hr).sigmoid()
    z = (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()  # the reset gate scales the hidden part, bias included (as PyTorch)
    return (1 - z) * n + z * h


def _uniform_by_hidden_size(module: Module) -> None:
    """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch's RNNs and cells."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, default init, repr and the layer/direction loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        if proj_size != 0:
            raise NotImplementedError("chainrule's LSTM does not support proj_size")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}", stacklevel=3,
            )
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate_size, layer_input), (gate_size, hidden_size)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                for name, shape in zip(names, shapes, strict=True):
                    setattr(self, name, Parameter(_creation.empty(*shape, dtype=dtype)))
                self._flat_weights_names += names
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """The parameters by layer and direction: ``[w_ih, w_hh, b_ih, b_hh]`` (or without the biases)."""
        per = 4 if self.bias else 2
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def flatten_parameters(self) -> None:
        """A no-op: there is no fused cuDNN buffer to refresh."""

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _uniform_by_hidden_size(self)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _weights(self, layer: int, direction: int) -> tuple:
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        return w_ih, w_hh, b_ih, b_hh

    def _step(self, x_proj, state, w_hh, b_hh):
        if self.mode == "LSTM":
            return _lstm_step(x_proj, state, w_hh, b_hh)
        if self.mode == "GRU":
            return _gru_step(x_proj, state, w_hh, b_hh)
        return _rnn_step(x_proj, state, w_hh, b_hh, self.mode == "RNN_RELU")

    def _run(self, input: Tensor, hx, batch_sizes: list[int] | None = None):
        """input: (L, N, H_in); hx: (layers * dirs, N, H) or, for LSTM, a pair of those.

        With ``batch_sizes``, ``input`` is packed data ``(sum(lengths), H_in)``: step ``t`` runs only its first
        ``batch_sizes[t]`` sequences, so each final state is taken at its sequence's last true step."""
        num_directions = 2 if self.bidirectional else 1
        is_lstm = self.mode == "LSTM"
        if batch_sizes is not None:
            starts = [0]
            for n in batch_sizes:
                starts.append(starts[-1] + n)
        h_n, c_n = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                idx = layer * num_directions + direction
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                x_proj = F.linear(layer_input, w_ih, b_ih)  # every time step in one matmul
                state = (hx[0][idx], hx[1][idx]) if is_lstm else hx[idx]
                if batch_sizes is None:
                    out, state = self._run_padded(x_proj, state, direction == 1, w_hh, b_hh)
                else:
                    run = _run_packed_backward if direction == 1 else _run_packed_forward
                    out, state = run(self._step, x_proj, starts, batch_sizes, state, is_lstm, w_hh, b_hh)
                outputs.append(out)
                if is_lstm:
                    h_n.append(state[0])
                    c_n.append(state[1])
                else:
                    h_n.append(state)
            layer_input = outputs[0] if num_directions == 1 else ops.cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = ops.stack(h_n)
        return layer_input, ((h_n, ops.stack(c_n)) if is_lstm else h_n)

    def _run_padded(self, x_proj: Tensor, state, reverse: bool, w_hh: Tensor, b_hh: Tensor | None):
        """One direction of one layer over ``x_proj`` (L, N, gates); returns the outputs and the final state."""
        is_lstm = self.mode == "LSTM"
        seq_len = x_proj.shape[0]
        steps = range(seq_len - 1, -1, -1) if reverse else range(seq_len)
        hs = [None] * seq_len
        for t in steps:
            state = self._step(x_proj[t], state, w_hh, b_hh)
            hs[t] = state[0] if is_lstm else state
        return (ops.stack(hs) if seq_len else x_proj[:, :, : self.hidden_size] * 0), state

    def _check_hidden(self, hx, expected: tuple) -> None:
        pieces = [("hidden[0]", hx[0]), ("hidden[1]", hx[1])] if self.mode == "LSTM" else [("hidden", hx)]
        for name, h in pieces:
            if tuple(h.shape) != expected:
                raise RuntimeError(f"Expected {name} size {expected}, got {list(h.shape)}")

    def forward(self, input, hx=None):
        """Run the layers over the sequence ``input``; returns the outputs and the final hidden state.

        ``input`` may be a :class:`~chainrule.nn.utils.rnn.PackedSequence`: the output is then packed the same
        way, and each sequence's final state is the one at its own last step."""
        from ..utils.rnn import PackedSequence

        is_lstm = self.mode == "LSTM"
        num_directions = 2 if self.bidirectional else 1
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if not batched:
            if hx is not None:
                h = hx[0] if is_lstm else hx
                if h.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {h.dim()}-D tensor")
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1).contiguous()  # F.linear views its input as 2-D
        batch = input.shape[1]
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}")
        if hx is None:
            zeros = _creation.zeros(self.num_layers * num_directions, batch, self.hidden_size, dtype=input.dtype)
            hx = (zeros, zeros) if is_lstm else zeros
        elif not batched:
            hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if is_lstm else hx.unsqueeze(1)
        self._check_hidden(hx, (self.num_layers * num_directions, batch, self.hidden_size))
        output, hidden = self._run(input, hx)
        if not batched:
            output = output.squeeze(1)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1)) if is_lstm else hidden.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1).contiguous()
        return output, hidden

    def _forward_packed(self, packed, hx):
        from ..utils.rnn import PackedSequence

        is_lstm = self.mode == "LSTM"
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        if data.dim() != 2:
            raise RuntimeError(f"input must have 2 dimensions, got {data.dim()}")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {data.shape[-1]}")
        sizes = [int(n) for n in batch_sizes._data]
        batch = sizes[0] if sizes else 0
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            zeros = _creation.zeros(layers, batch, self.hidden_size, dtype=data.dtype)
            hx = (zeros, zeros) if is_lstm else zeros
        elif sorted_indices is not None:  # the caller's batch order to the packing's
            hx = _select_batch(hx, sorted_indices, is_lstm)
        self._check_hidden(hx, (layers, batch, self.hidden_size))
        output, hidden = self._run(data, hx, sizes)
        if unsorted_indices is not None:
            hidden = _select_batch(hidden, unsorted_indices, is_lstm)
        return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), hidden


def _select_batch(hx, order: Tensor, is_lstm: bool):
    """The hidden state(s) with the batch (dim 1) reordered by ``order``."""
    if is_lstm:
        return hx[0].index_select(1, order), hx[1].index_select(1, order)
    return hx.index_select(1, order)


def _rows(state, n: int, is_lstm: bool, start: int = 0):
    """Rows ``start:n`` of a state (a pair of them for an LSTM)."""
    return (state[0][start:n], state[1][start:n]) if is_lstm else state[start:n]


def _cat_rows(pieces: list, is_lstm: bool):
    if len(pieces) == 1:
        return pieces[0]
    if is_lstm:
        return ops.cat([p[0] for p in pieces]), ops.cat([p[1] for p in pieces])
    return ops.cat(pieces)


def _run_packed_forward(step, x_proj, starts, batch_sizes, h0, is_lstm, w_hh, b_hh):
    """Steps 0..T-1; when the batch shrinks, the sequences that ended keep their state as final."""
    state, ended, outs = h0, [], []
    current = batch_sizes[0] if batch_sizes else 0
    for t, n in enumerate(batch_sizes):
        if n < current:
            ended.append(_rows(state, current, is_lstm, n))
            state = _rows(state, n, is_lstm)
            current = n
        state = step(x_proj[starts[t]:starts[t + 1]], state, w_hh, b_hh)
        outs.append(state[0] if is_lstm else state)
    # rows 0..n_last still running, then the ones that ended, later endings first (they are lower rows)
    return ops.cat(outs), _cat_rows([state, *reversed(ended)], is_lstm)


def _run_packed_backward(step, x_proj, starts, batch_sizes, h0, is_lstm, w_hh, b_hh):
    """Steps T-1..0; each sequence starts from its initial state at its own last step."""
    outs = [None] * len(batch_sizes)
    current = batch_sizes[-1] if batch_sizes else 0
    state = _rows(h0, current, is_lstm)
    for t in range(len(batch_sizes) - 1, -1, -1):
        n = batch_sizes[t]
        if n > current:
            state = _cat_rows([state, _rows(h0, n, is_lstm, current)], is_lstm)
            current = n
        state = step(x_proj[starts[t]:starts[t + 1]], state, w_hh, b_hh)
        outs[t] = state[0] if is_lstm else state
    return ops.cat(outs), state


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__ and name == "nonlinearity":
            object.__setattr__(self, name, value)  # set before Module.__init__, as PyTorch does
            return
        super().__setattr__(name, value)


class LSTM(RNNBase):
    """Long short-term memory; returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype=dtype)


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = self._gates * hidden_size
        self.weight_ih = Parameter(_creation.empty(g, input_size, dtype=dtype))
        self.weight_hh = Parameter(_creation.empty(g, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(g, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(g, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _uniform_by_hidden_size(self)

    def extra_repr(self) -> str:
        """The arguments shown in the module's repr."""
        s = "{input_size}, {hidden_size}"
        if self.bias is not True:
            s += ", bias={bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _zeros(self, input: Tensor) -> Tensor:
        shape = (input.shape[0], self.hidden_size) if input.dim() == 2 else (self.hidden_size,)
        return _creation.zeros(*shape, dtype=input.dtype)


class RNNCell(_CellBase):
    """One step of an Elman RNN."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One Elman RNN step on ``input``; returns the new hidden state (zeros for a missing ``hx``)."""
        h = self._zeros(input) if hx is None else hx
        return _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh,
                         self.nonlinearity == "relu")


class LSTMCell(_CellBase):
    """One step of an LSTM; returns ``(h, c)``."""

    _gates = 4

    def forward(self, input: Tensor, hx=None) -> tuple:
        """One LSTM step on ``input``; returns the new ``(h, c)`` (zeros stand in for a missing ``hx``)."""
        if hx is None:
            hx = (self._zeros(input), self._zeros(input))
        return _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)


class GRUCell(_CellBase):
    """One step of a GRU."""

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One GRU step on ``input`` ``(N, input_size)`` or ``(input_size)``; returns the new hidden state."""
        h = self._zeros(input) if hx is None else hx
        return _gru_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
