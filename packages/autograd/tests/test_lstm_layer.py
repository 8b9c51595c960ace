# SPDX-License-Identifier: BSD-3-Clause
"""The fused LSTM layer's derivative: gradcheck in both directions, every
gradient against PyTorch's LSTM, and the refusal to differentiate it twice
(its backward kernel has no derivative)."""

import numpy as np
import pytest
import torch

import ember
from ember import autograd
from ember._nn.recurrent import lstm_layer

STEPS, BATCH, INPUTS, HIDDEN = 4, 3, 2, 5


def _leaves(rng, bias=True):
    shapes = [(STEPS, BATCH, INPUTS), (4 * HIDDEN, INPUTS), (4 * HIDDEN,), (BATCH, HIDDEN), (BATCH, HIDDEN),
              (4 * HIDDEN, HIDDEN)]  # fmt: skip
    leaves = [ember.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]
    if not bias:
        leaves[2] = None
    return leaves


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck(reverse, bias):
    args = _leaves(np.random.default_rng(0), bias)
    if bias:
        assert autograd.gradcheck(lambda *a: lstm_layer(*a, reverse), args)
    else:
        rest = [a for a in args if a is not None]
        assert autograd.gradcheck(lambda x, wi, h, c, wh: lstm_layer(x, wi, None, h, c, wh, reverse), rest)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradients_match_pytorch_lstm(reverse):
    x, w_ih, b, h0, c0, w_hh = _leaves(np.random.default_rng(1))
    out, h_n, c_n = lstm_layer(x, w_ih, b, h0, c0, w_hh, reverse)
    (out.sum() + (h_n * 2).sum() + c_n.sum()).backward()
    t = torch.nn.LSTM(INPUTS, HIDDEN).double()
    with torch.no_grad():
        for name, value in (("weight_ih_l0", w_ih), ("weight_hh_l0", w_hh), ("bias_ih_l0", b)):
            getattr(t, name).copy_(torch.from_numpy(value.detach().numpy()))
        t.bias_hh_l0.zero_()
    tx = torch.from_numpy(x.detach().numpy()).requires_grad_()
    th0, tc0 = (torch.from_numpy(s.detach().numpy())[None].requires_grad_() for s in (h0, c0))
    t_out, (t_h, t_c) = t(tx.flip(0) if reverse else tx, (th0, tc0))
    (t_out.sum() + (t_h * 2).sum() + t_c.sum()).backward()
    t_out = t_out.flip(0) if reverse else t_out
    pairs = [(out, t_out), (x.grad, tx.grad), (w_ih.grad, t.weight_ih_l0.grad), (b.grad, t.bias_ih_l0.grad),
             (w_hh.grad, t.weight_hh_l0.grad), (h0.grad, th0.grad[0]), (c0.grad, tc0.grad[0])]  # fmt: skip
    for got, want in pairs:
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-12)


def test_differentiating_twice_raises():
    args = _leaves(np.random.default_rng(2))
    out, _, _ = lstm_layer(*args)
    (g,) = autograd.grad(out.sum(), args[0], create_graph=True)  # the incoming gradient needs no grad
    with pytest.raises(RuntimeError, match="differentiate twice"):
        g.sum().backward()
