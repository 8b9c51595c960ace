# SPDX-License-Identifier: BSD-3-Clause
"""The fused LSTM layer's derivative: gradcheck in both directions, the
weight gradient against PyTorch's LSTM, and the refusal to differentiate it
twice (its backward kernel has no derivative)."""

import numpy as np
import pytest
import torch

import ember
from ember import autograd
from ember._nn.recurrent import lstm_layer


def _leaves(rng, steps=4, batch=3, hidden=5):
    shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden)]
    return [ember.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]


@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck(reverse):
    args = _leaves(np.random.default_rng(0))
    assert autograd.gradcheck(lambda *a: lstm_layer(*a, reverse), args)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradients_match_pytorch_lstm(reverse):
    rng = np.random.default_rng(1)
    xp, h0, c0, w = _leaves(rng)
    out, h_n, c_n = lstm_layer(xp, h0, c0, w, reverse)
    (out.sum() + (h_n * 2).sum() + c_n.sum()).backward()
    # PyTorch: an LSTM whose input projection is the identity carries xp in
    hidden = h0.shape[1]
    t = torch.nn.LSTM(4 * hidden, hidden, bias=False).double()
    with torch.no_grad():
        t.weight_ih_l0.copy_(torch.eye(4 * hidden))
        t.weight_hh_l0.copy_(torch.from_numpy(w.detach().numpy()))
    x = torch.from_numpy(xp.detach().numpy()).requires_grad_()
    th0, tc0 = (torch.from_numpy(s.detach().numpy())[None].requires_grad_() for s in (h0, c0))
    t_out, (t_h, t_c) = t(x.flip(0) if reverse else x, (th0, tc0))
    (t_out.sum() + (t_h * 2).sum() + t_c.sum()).backward()
    np.testing.assert_allclose(out.detach().numpy(), (t_out.flip(0) if reverse else t_out).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xp.grad.numpy(), x.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), t.weight_hh_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(h0.grad.numpy(), th0.grad[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(c0.grad.numpy(), tc0.grad[0].numpy(), atol=1e-12)


def test_differentiating_twice_raises():
    xp, h0, c0, w = _leaves(np.random.default_rng(2))
    out, _, _ = lstm_layer(xp, h0, c0, w)
    (g,) = autograd.grad(out.sum(), xp, create_graph=True)  # the incoming gradient needs no grad
    with pytest.raises(RuntimeError, match="differentiate twice"):
        g.sum().backward()
