# SPDX-License-Identifier: BSD-3-Clause
"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

Note [Recurrent layer evaluation]
An LSTM layer over a padded input without projection runs in one call of
the core's fused kernel (its Note [Fused LSTM layer]). Otherwise, per layer
and direction the input-to-hidden product of every time step is one matmul
over the whole sequence (for LSTM and RNN the two biases are folded into
it); only the hidden-to-hidden product runs step by step, one matmul per
step for all gates at once, which are then split. Packed
sequences use the same loop: step ``t`` works on the first
``batch_sizes[t]`` rows of the state, so a sequence that ends leaves the
state there (its final state) and, in the reverse direction, a sequence
joins the state at its last step. Everything is built from ember ops, so
autograd provides the backward pass.
"""

from __future__ import annotations

import math
import numbers
import warnings

import ember
from ember._nn import recurrent as _recurrent
from ember.autograd import Function
from ember.autograd.function import once_differentiable

from .. import functional as F  # noqa: N812 - the PyTorch convention
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


# ---- fused steps -----------------------------------------------------------------------
def _sum_leading(t):
    return t.sum(tuple(range(t.dim() - 1)))


class _Steps(Function):
    """Splits the projected input into its time steps. Recording the pieces as
    plain views would give each a full-size gradient buffer in backward (one
    per step); here backward is one ``cat``."""

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        return tuple(x.detach().split(sizes, dim))

    @staticmethod
    @once_differentiable
    def backward(ctx, *grads):
        return ember.cat(grads, ctx.dim), None, None


class _LSTMCell(Function):
    """``(h', c')`` from the input projection ``xp``, the hidden product ``hg`` and
    ``c``; gates ``i, f, g, o``. One node per step instead of a dozen."""

    @staticmethod
    def forward(ctx, xp, hg, c):
        i, f, g, o = (xp + hg).chunk(4, -1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c_next = ember.addcmul(f * c, i, g)
        tc = c_next.tanh()
        ctx.save_for_backward(i, f, g, o, c, tc)
        return o * tc, c_next

    @staticmethod
    @once_differentiable
    def backward(ctx, dh, dc):
        i, f, g, o = ctx.saved_tensors[:4]
        c, tc = ctx.saved_tensors[4:]
        dc = ember.addcmul(dc, dh * o, 1 - tc * tc)
        d_gates = ember.cat(
            [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), dh * tc * o * (1 - o)], -1
        )
        return d_gates, d_gates, dc * f


class _GRUCell(Function):
    """``h'`` from the input projection ``xp`` (with ``b_ih``), the hidden product
    ``hg`` (without ``b_hh``), ``h`` and ``b_hh``; gates ``r, z, n``."""

    @staticmethod
    def forward(ctx, xp, hg, h, b_hh):
        if b_hh is not None:
            hg = hg + b_hh
        x_r, x_z, x_n = xp.chunk(3, -1)
        h_r, h_z, h_n = hg.chunk(3, -1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = ember.addcmul(x_n, r, h_n).tanh()
        ctx.has_bias = b_hh is not None
        ctx.save_for_backward(r, z, n, h_n, h)
        return ember.lerp(n, h, z)  # (1 - z) * n + z * h

    @staticmethod
    @once_differentiable
    def backward(ctx, dh):
        r, z, n, h_n, h = ctx.saved_tensors
        d_n = dh * (1 - z) * (1 - n * n)
        d_r = d_n * h_n * r * (1 - r)
        d_z = dh * (h - n) * z * (1 - z)
        d_xp = ember.cat([d_r, d_z, d_n], -1)
        d_hg = ember.cat([d_r, d_z, d_n * r], -1)
        return d_xp, d_hg, dh * z, _sum_leading(d_hg) if ctx.has_bias else None


# one time step: (projected input, state tuple) -> state tuple, state[0] the output
def _lstm_step(w_hh, w_hr):
    w_hh_t = w_hh.t().unsqueeze(0)
    w_hr_t = None if w_hr is None else w_hr.t().unsqueeze(0)

    def step(xp, state):
        h, c = _LSTMCell.apply(xp, ember.bmm(state[0], w_hh_t), state[1])
        if w_hr_t is not None:
            h = ember.bmm(h, w_hr_t)
        return h, c

    return step


def _gru_step(w_hh, b_hh):
    w_hh_t = w_hh.t().unsqueeze(0)

    def step(xp, state):
        h = state[0]
        return (_GRUCell.apply(xp, ember.bmm(h, w_hh_t), h, b_hh),)

    return step


def _rnn_step(w_hh, relu):
    w_hh_t = w_hh.t().unsqueeze(0)

    def step(xp, state):
        h = state[0]
        pre = xp + ember.bmm(h, w_hh_t)
        return (pre.relu() if relu else pre.tanh(),)

    return step


def _make_step(mode, w_hh, b_hh, w_hr):
    """The step over 3-D states ``[1, batch, size]`` (one ``bmm`` node per product)."""
    if mode == "LSTM":
        return _lstm_step(w_hh, w_hr)
    if mode == "GRU":
        return _gru_step(w_hh, b_hh)
    return _rnn_step(w_hh, mode == "RNN_RELU")


def _input_bias(mode, b_ih, b_hh):
    """The bias added to the input projection; GRU keeps ``b_hn`` inside ``r * (...)``."""
    if b_ih is None:
        return None
    return b_ih if mode == "GRU" else b_ih + b_hh


def _fused_lstm_suits(mode, packed, w_hr, x) -> bool:
    """Whether the core's fused LSTM layer runs this layer and direction: padded
    input, no projection, float32/float64 (Note [Recurrent layer evaluation])."""
    return mode == "LSTM" and not packed and w_hr is None and x.dtype in (ember.float32, ember.float64)


def _project(x2d, w_ih, bias):
    return x2d.mm(w_ih.t()) if bias is None else ember.addmm(bias, x2d, w_ih.t())


def _scan(step, xs, state, batch_sizes, reverse):
    """Runs ``step`` over the per-step inputs ``xs`` (``[1, rows, *]``); returns
    the per-step outputs (in time order) and the final state (every
    sequence's last state). States are ``[1, batch, size]``."""
    steps = len(xs)
    outs = [None] * steps
    if batch_sizes is None:
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            state = step(xs[t], state)
            outs[t] = state[0]
        return outs, state
    if not reverse:
        done, rows = [], batch_sizes[0]
        for t in range(steps):
            n = batch_sizes[t]
            if n < rows:
                done.append(tuple(s[:, n:rows] for s in state))
                state = tuple(s[:, :n] for s in state)
                rows = n
            state = step(xs[t], state)
            outs[t] = state[0]
        if not done:
            return outs, state
        done.append(state)
        return outs, tuple(ember.cat([d[k] for d in reversed(done)], 1) for k in range(len(state)))
    first, rows = state, batch_sizes[-1]
    state = tuple(s[:, :rows] for s in first)
    for t in range(steps - 1, -1, -1):
        n = batch_sizes[t]
        if n > rows:
            state = tuple(ember.cat([s, s0[:, rows:n]], 1) for s, s0 in zip(state, first))
            rows = n
        state = step(xs[t], state)
        outs[t] = state[0]
    return outs, state


class RNNBase(Module):
    """The shared body of ``RNN``, ``LSTM`` and ``GRU``; see Note [Recurrent layer evaluation]."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ember.empty(shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Does nothing: the weights are always used as they are (kept for PyTorch code that calls it)."""

    # ---- checks, with PyTorch's messages and exception types ----
    def _check_input(self, input, batch_sizes) -> None:
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})"
            )
        expected_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.size(-1)}"
            )

    def _expected_hidden_size(self, input, batch_sizes, cell=False):
        if batch_sizes is not None:
            batch = batch_sizes[0]
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        size = self.proj_size if self.proj_size > 0 and not cell else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    def _check_forward_args(self, input, states, batch_sizes) -> None:
        self._check_input(input, batch_sizes)
        if self.mode == "LSTM":
            checks = [
                (states[0], False, "Expected hidden[0] size {}, got {}"),
                (states[1], True, "Expected hidden[1] size {}, got {}"),
            ]
        else:
            checks = [(states[0], False, "Expected hidden size {}, got {}")]
        for hx, cell, msg in checks:
            expected = self._expected_hidden_size(input, batch_sizes, cell)
            if tuple(hx.shape) != expected:
                raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _hidden_dims(self, hx, is_batched):
        want = 3 if is_batched else 2
        kind = "batched 3-D" if is_batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(
                    f"For {kind} input, hx and cx should also be {want}-D but got "
                    f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors"
                )
        elif hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        sorted_indices = unsorted_indices = None
        if packed:
            input, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(n) for n in batch_sizes_t.tolist()]
            batch, is_batched = batch_sizes[0], True
        else:
            batch_sizes = None
            if input.dim() not in (2, 3):
                name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
                tail = " tensor instead" if name == "RNN" else " instead"
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            batch = input.size(batch_dim)
        if hx is None:
            layers = self.num_layers * (2 if self.bidirectional else 1)
            real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
            states = (ember.zeros((layers, batch, real_hidden), dtype=input.dtype),)
            if lstm:
                states += (ember.zeros((layers, batch, self.hidden_size), dtype=input.dtype),)
        else:
            if not packed:
                self._hidden_dims(hx, is_batched)
            states = tuple(hx) if lstm else (hx,)
            if not is_batched:
                states = tuple(s.unsqueeze(1) for s in states)
        self._check_forward_args(input, states, batch_sizes)
        if hx is not None and sorted_indices is not None:
            states = tuple(s.index_select(1, sorted_indices) for s in states)

        output, finals = self._run(input, states, batch_sizes)

        if unsorted_indices is not None:
            finals = tuple(s.index_select(1, unsorted_indices) for s in finals)
        if packed:
            output = PackedSequence(output, batch_sizes_t, sorted_indices, unsorted_indices)
        elif not is_batched:
            output = output.squeeze(batch_dim)
            finals = tuple(s.squeeze(1) for s in finals)
        return output, (finals if lstm else finals[0])

    def _run(self, input, states, batch_sizes):
        """All layers and directions over a padded input (time-major, or batch-first)
        or packed data; returns the output and the stacked final states."""
        directions = 2 if self.bidirectional else 1
        initial = [s.split(1, 0) for s in states]
        finals = [[] for _ in states]
        packed = batch_sizes is not None
        x = input
        if self.batch_first and not packed:
            x = x.transpose(0, 1)
        steps = len(batch_sizes) if packed else x.size(0)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = [getattr(self, name) for name in self._all_weights[index]]
                w_ih, w_hh = weights[0], weights[1]
                b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
                w_hr = weights[-1] if self.proj_size > 0 else None
                bias = _input_bias(self.mode, b_ih, b_hh)
                state0 = tuple(s[index] for s in initial)
                if _fused_lstm_suits(self.mode, packed, w_hr, x):
                    h0, c0 = state0[0][0], state0[1][0]
                    out, h_n, c_n = _recurrent.lstm_layer(x, w_ih, bias, h0, c0, w_hh, direction == 1)
                    outputs.append(out)
                    finals[0].append(h_n.unsqueeze(0))
                    finals[1].append(c_n.unsqueeze(0))
                    continue
                # one input projection per layer and direction, over all steps at once
                proj = _project(x.reshape(-1, x.size(-1)), w_ih, bias).unsqueeze(0)
                if packed:
                    xs = _Steps.apply(proj, batch_sizes, 1)
                else:
                    xs = _Steps.apply(proj.reshape(steps, x.size(1), -1), 1, 0)
                step = _make_step(self.mode, w_hh, b_hh, w_hr)
                outs, state = _scan(step, xs, state0, batch_sizes, reverse=direction == 1)
                outputs.append(ember.cat(outs, 1).squeeze(0) if packed else ember.cat(outs, 0))
                for k, s in enumerate(state):
                    finals[k].append(s)
            x = outputs[0] if directions == 1 else ember.cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if self.batch_first and not packed:
            x = x.transpose(0, 1)
        return x, tuple(ember.cat(f, 0) for f in finals)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, ``act``
    ``tanh`` or ``relu``. Signature: ``RNN(input_size, hidden_size, num_layers=1,
    nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, gates ordered ``i, f, g, o`` as PyTorch; with
    ``proj_size > 0`` the hidden state is projected by ``weight_hr``. Returns
    ``output, (h_n, c_n)``."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, gates ordered ``r, z, n`` as PyTorch:
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ---- cells ---------------------------------------------------------------------------
class RNNCellBase(Module):
    """Parameters and checks shared by the cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, name, input, states):
        """Checks dims and sizes; returns the 2-D input, the 2-D states (zeros
        when not given) and whether the input was batched."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if states is not None:
            for i, s in enumerate(states):
                if s.dim() not in (1, 2):
                    what = "hidden" if name != "LSTMCell" else f"hx[{i}]"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
            if states is not None:
                states = tuple(s.unsqueeze(0) for s in states)
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        if states is None:
            zeros = ember.zeros((input.size(0), self.hidden_size), dtype=input.dtype)
            return input, (zeros, zeros), is_batched
        for i, s in enumerate(states):
            if s.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} batch size {s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {s.size(1)}, expected {self.hidden_size}"
                )
        return input, states, is_batched

    def _step(self, mode, input, states):
        b_ih, b_hh = self.bias_ih, self.bias_hh
        xp = _project(input, self.weight_ih, _input_bias(mode, b_ih, b_hh))
        states = tuple(s.unsqueeze(0) for s in states)
        return tuple(s.squeeze(0) for s in _make_step(mode, self.weight_hh, b_hh, None)(xp.unsqueeze(0), states))


class RNNCell(RNNCellBase):
    """One step of ``RNN``: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", device=None, dtype=None
    ):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, states, is_batched = self._prepare("RNNCell", input, None if hx is None else (hx,))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        (h,) = self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, states[:1])
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One step of ``LSTM``; returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, states, is_batched = self._prepare("LSTMCell", input, None if hx is None else tuple(hx))
        h, c = self._step("LSTM", input, states)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One step of ``GRU``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, states, is_batched = self._prepare("GRUCell", input, None if hx is None else (hx,))
        (h,) = self._step("GRU", input, states[:1])
        return h if is_batched else h.squeeze(0)
