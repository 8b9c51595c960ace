# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers: run one function on ember and on PyTorch (the oracle)
with the same float64 inputs and compare outputs and gradients."""

from __future__ import annotations

import types

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _ember_functional():
    ns = types.SimpleNamespace()
    for module in ("activation", "attention", "conv", "dropout", "embedding", "loss", "norm", "pool", "sampling",
                   "softmax"):  # fmt: skip
        for name, fn in vars(getattr(ember._nn, module)).items():
            if callable(fn) and not name.startswith("_"):
                setattr(ns, name, fn)
    ns.linear = lambda x, w, b=None: x @ w.t() + (b if b is not None else 0)
    return ns


EMBER_F = _ember_functional()


def functional(lib):
    """``torch.nn.functional`` for torch; the core's kernels of the same names for ember."""
    return lib.nn.functional if lib is torch else EMBER_F


def gradients(lib, fn, arrays, seed=0, create_graph=False):
    """(output, [input grads]) of ``fn(lib, *leaves)`` under a fixed random output gradient."""
    leaves = [lib.tensor(a, requires_grad=True) if a.dtype.kind == "f" else lib.tensor(a) for a in arrays]
    out = fn(lib, *leaves)
    rng = np.random.default_rng(seed)
    seed_grad = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    out.backward(seed_grad)
    grads = [x.grad.numpy().copy() if x.grad is not None else None for x in leaves]
    return out.detach().numpy().copy(), grads


def assert_matches_torch(fn, arrays, atol=1e-7, rtol=1e-6):
    eo, eg = gradients(ember, fn, arrays)
    to, tg = gradients(torch, fn, arrays)
    np.testing.assert_allclose(eo, to, atol=atol, rtol=rtol, err_msg="forward differs")
    for i, (e, t) in enumerate(zip(eg, tg)):
        if t is None:
            assert e is None or not np.any(e), f"input {i}: torch has no gradient, ember has {e}"
            continue
        assert e is not None, f"input {i}: ember computed no gradient"
        np.testing.assert_allclose(e, t, atol=atol, rtol=rtol, err_msg=f"gradient of input {i} differs")
