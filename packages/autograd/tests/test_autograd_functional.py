# SPDX-License-Identifier: BSD-3-Clause
"""ember.autograd.functional and ember.utils.checkpoint against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember.autograd import functional
from ember.utils.checkpoint import checkpoint

RNG = np.random.default_rng(0)
X = RNG.standard_normal(3)
Y = RNG.standard_normal((2, 3))
V3 = RNG.standard_normal(3)


def f(lib, x):
    return (x.exp() * x.sin()).sum() + (x**3).sum()


def g(lib, x, y):
    return (y @ x).tanh(), x * 2


def both(fn):
    return fn(ember), fn(torch.autograd.functional)


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else t


@pytest.mark.parametrize("name", ["jacobian", "hessian"])
def test_jacobian_and_hessian_match_torch(name):
    e = getattr(functional, name)(lambda x: f(ember, x), ember.tensor(X))
    t = getattr(torch.autograd.functional, name)(lambda x: f(torch, x), torch.tensor(X))
    np.testing.assert_allclose(_np(e), _np(t), rtol=1e-10)


def test_jacobian_of_tuples_matches_torch():
    e = functional.jacobian(lambda x, y: g(ember, x, y), (ember.tensor(X), ember.tensor(Y)))
    t = torch.autograd.functional.jacobian(lambda x, y: g(torch, x, y), (torch.tensor(X), torch.tensor(Y)))
    for eo, to in zip(e, t):
        for ei, ti in zip(eo, to):
            np.testing.assert_allclose(_np(ei), _np(ti), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
def test_products_match_torch(name):
    fn = (
        (lambda lib: (lambda x: (x.exp() * x).cumsum(0)))
        if name in ("vjp", "jvp")
        else (lambda lib: lambda x: f(lib, x))
    )
    e_out, e_val = getattr(functional, name)(fn(ember), ember.tensor(X), ember.tensor(V3))
    t_out, t_val = getattr(torch.autograd.functional, name)(fn(torch), torch.tensor(X), torch.tensor(V3))
    np.testing.assert_allclose(_np(e_out), _np(t_out), rtol=1e-10)
    np.testing.assert_allclose(_np(e_val), _np(t_val), rtol=1e-10)


def test_strict_mode_and_bad_v():
    with pytest.raises(RuntimeError, match="independent of input"):
        functional.vjp(lambda x: ember.ones(3, dtype=ember.float64), ember.tensor(X), ember.tensor(V3), strict=True)
    with pytest.raises(RuntimeError, match="v has invalid size|Entry 0 in v has invalid size"):
        functional.vjp(lambda x: x * 2, ember.tensor(X), ember.ones(2, dtype=ember.float64))


def test_checkpoint_recomputes_and_matches_plain_backward():
    w = ember.randn(3, 3, dtype=ember.float64, requires_grad=True)
    x = ember.randn(2, 3, dtype=ember.float64)
    calls = []

    def block(x):
        calls.append(1)
        return ((x @ w).tanh() @ w).exp()

    checkpoint(block, x).sum().backward()
    assert len(calls) == 2, "the block runs again in backward"
    expected = w.grad.clone()
    w.grad = None
    block(x).sum().backward()
    assert ember.allclose(expected, w.grad)


def test_checkpoint_replays_the_random_state():
    x = ember.randn(4, 4, dtype=ember.float64, requires_grad=True)

    def noisy(t):
        return t * ember.rand(4, 4, dtype=ember.float64)

    out = checkpoint(noisy, x)
    out.sum().backward()
    assert ember.allclose(x.grad, out.detach() / x.detach())
    x.grad = None
    out = checkpoint(noisy, x, use_reentrant=True)
    out.sum().backward()
    assert ember.allclose(x.grad, out.detach() / x.detach())
