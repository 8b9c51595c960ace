# SPDX-License-Identifier: BSD-3-Clause
"""Helpers: the same parameters and gradients in ember and in PyTorch (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SHAPES = [(5, 4), (7,), (3, 2, 2), ()]


def make_params(seed: int = 0, shapes: list = SHAPES) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ep = [ember.tensor(a, requires_grad=True) for a in init]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    return ep, tp


def set_grads(rng: np.random.Generator, ep: list, tp: list, skip: int | None = None) -> None:
    """Give both libraries the same random gradient; param ``skip`` gets none."""
    for i, (e, t) in enumerate(zip(ep, tp)):
        if i == skip:
            e.grad, t.grad = None, None
            continue
        g = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        e.grad, t.grad = ember.tensor(g), torch.tensor(g)


def assert_close(ep: list, tp: list, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
