# SPDX-License-Identifier: BSD-3-Clause
"""Each optimizer steps beside PyTorch's from identical params and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from optim_oracle import assert_close, make_params, set_grads, torch

import ember
import ember.optim as eoptim

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.2, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),
    ("RAdam", {"weight_decay": 0.1}),
    ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
]


def pair(name: str, kwargs: dict, seed: int = 0) -> tuple:
    ep, tp = make_params(seed)
    return ep, tp, getattr(eoptim, name)(ep, **kwargs), getattr(torch.optim, name)(tp, **kwargs)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch(name: str, kwargs: dict) -> None:
    ep, tp, eo, to = pair(name, kwargs)
    rng = np.random.default_rng(1)
    for _ in range(20):
        set_grads(rng, ep, tp)
        eo.step()
        to.step()
    assert_close(ep, tp)
    # the per-param state matches too
    for e, t in zip(ep, tp):
        for key, tv in to.state[t].items():
            ev = eo.state[e][key]
            if isinstance(tv, torch.Tensor):
                np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam"])
def test_missing_grads_and_param_groups(name: str) -> None:
    """Params without a grad are skipped (their state and step stay), per-group options apply."""
    kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    ep, tp = make_params(3)
    eo = getattr(eoptim, name)([{"params": ep[:2]}, {"params": ep[2:], "lr": 0.003}], lr=0.01, **kwargs)
    to = getattr(torch.optim, name)([{"params": tp[:2]}, {"params": tp[2:], "lr": 0.003}], lr=0.01, **kwargs)
    rng = np.random.default_rng(2)
    for i in range(12):
        set_grads(rng, ep, tp, skip=(i % 3 if i < 9 else None))
        eo.step()
        to.step()
    assert_close(ep, tp)


def test_quadratic_loss_with_backward() -> None:
    ep, tp = make_params(4)
    eo, to = eoptim.Adam(ep, lr=0.05), torch.optim.Adam(tp, lr=0.05)
    for _ in range(20):
        for opt, ps in ((eo, ep), (to, tp)):
            opt.zero_grad()
            loss = sum(((p - 1.0) ** 2).sum() * (i + 1) for i, p in enumerate(ps))
            loss.backward()
            opt.step()
    assert_close(ep, tp)


def test_float64_and_mixed_dtypes() -> None:
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((4, 3)), rng.standard_normal(5).astype(np.float32)]
    ep = [ember.tensor(a, requires_grad=True) for a in arrays]
    tp = [torch.tensor(a, requires_grad=True) for a in arrays]
    eo, to = eoptim.Adam(ep, lr=0.01), torch.optim.Adam(tp, lr=0.01)
    for _ in range(10):
        for e, t, a in zip(ep, tp, arrays):
            g = rng.standard_normal(a.shape).astype(a.dtype)
            e.grad, t.grad = ember.tensor(g), torch.tensor(g)
        eo.step()
        to.step()
    assert ep[0].dtype == ember.float64
    assert_close(ep, tp)


def test_state_views_follow_updates() -> None:
    """state[p] tensors are live views of the flat state, shaped like p."""
    ep, _ = make_params()
    opt = eoptim.Adam(ep)
    for p in ep:
        p.grad = ember.ones(p.shape)
    opt.step()
    exp_avg = opt.state[ep[0]]["exp_avg"]
    assert tuple(exp_avg.shape) == tuple(ep[0].shape)
    before = exp_avg.numpy().copy()
    opt.step()
    assert not np.allclose(before, opt.state[ep[0]]["exp_avg"].numpy())
    assert opt.state[ep[0]]["step"].item() == 2.0


def test_closure_returns_loss() -> None:
    ep, _ = make_params()
    opt = eoptim.SGD(ep, lr=0.1)

    def closure() -> ember.Tensor:
        opt.zero_grad()
        loss = sum((p**2).sum() for p in ep)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor)
    assert all(p.grad is not None for p in ep)
