# SPDX-License-Identifier: BSD-3-Clause
"""LBFGS beside PyTorch's on a smooth non-quadratic loss, with and without line search."""

from __future__ import annotations

import numpy as np
import pytest
from optim_oracle import assert_close, make_params, torch

import ember
import ember.optim as eoptim


def make_closure(opt, params, lib):  # noqa: ANN001, ANN201
    def closure():  # noqa: ANN202
        opt.zero_grad()
        loss = 0
        for i, p in enumerate(params):
            loss = loss + ((p - 0.5 * i) ** 2).sum() * (i + 1) + 0.1 * (p**4).sum()
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.5, "max_iter": 4},
        {"lr": 1, "max_iter": 4, "line_search_fn": "strong_wolfe"},
        {"lr": 1, "history_size": 2, "max_iter": 3, "line_search_fn": "strong_wolfe"},
    ],
)
def test_lbfgs_matches_torch(kwargs: dict) -> None:
    ep, tp = make_params(11)
    eo, to = eoptim.LBFGS(ep, **kwargs), torch.optim.LBFGS(tp, **kwargs)
    ec, tc = make_closure(eo, ep, ember), make_closure(to, tp, torch)
    # far from convergence the iterations and line-search evaluations agree exactly ...
    for _ in range(2):
        el, tl = eo.step(ec), to.step(tc)
        np.testing.assert_allclose(float(el), float(tl.detach()), rtol=1e-5)
        assert eo.state[ep[0]]["func_evals"] == to.state[tp[0]]["func_evals"]
        assert eo.state[ep[0]]["n_iter"] == to.state[tp[0]]["n_iter"]
        assert_close(ep, tp, rtol=1e-4, atol=1e-5)
    # ... near it, one-ulp differences in the loss (summation order) may change when a
    # tolerance test stops the loop, but both land on the same minimum
    for _ in range(3):
        eo.step(ec)
        to.step(tc)
    assert_close(ep, tp, rtol=1e-4, atol=1e-4)


def test_lbfgs_converges() -> None:
    ep, _ = make_params(12)
    opt = eoptim.LBFGS(ep, line_search_fn="strong_wolfe")
    closure = make_closure(opt, ep, ember)
    for _ in range(5):
        opt.step(closure)
    closure()
    grads = np.concatenate([p.grad.numpy().ravel() for p in ep])
    assert np.abs(grads).max() < 1e-3


def test_lbfgs_unknown_line_search() -> None:
    ep, _ = make_params()
    opt = eoptim.LBFGS(ep, line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(make_closure(opt, ep, ember))


def test_lbfgs_state_dict_resume(tmp_path) -> None:
    kwargs = {"lr": 1, "max_iter": 3, "line_search_fn": "strong_wolfe"}
    ep, tp = make_params(13)
    eo, to = eoptim.LBFGS(ep, **kwargs), torch.optim.LBFGS(tp, **kwargs)
    eo.step(make_closure(eo, ep, ember))
    to.step(make_closure(to, tp, torch))
    ember.save({"opt": eo.state_dict(), "params": [p.detach() for p in ep]}, tmp_path / "l.pt")
    ckpt = ember.load(tmp_path / "l.pt")
    ep2 = [p.clone().requires_grad_(True) for p in ckpt["params"]]
    eo2 = eoptim.LBFGS(ep2, **kwargs)
    eo2.load_state_dict(ckpt["opt"])
    eo2.step(make_closure(eo2, ep2, ember))
    to.step(make_closure(to, tp, torch))
    assert eo2.state[ep2[0]]["func_evals"] == to.state[tp[0]]["func_evals"]
    assert_close(ep2, tp, rtol=1e-4, atol=1e-5)
