# SPDX-License-Identifier: BSD-3-Clause
"""``ember.nn.init`` and ``ember.nn.utils``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import assert_close, to_ember

import ember
import ember.nn as enn
from ember.nn import init
from ember.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


@pytest.mark.parametrize("nl,param", [("linear", None), ("relu", None), ("tanh", None), ("leaky_relu", 0.2),
                                      ("selu", None), ("sigmoid", None), ("conv2d", None)])  # fmt: skip
def test_calculate_gain(nl, param):
    assert init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("nope")


def _std(fn, shape, **kw):
    t = ember.empty(shape)
    out = fn(t, **kw)
    assert out is t
    return t.numpy()


def test_distributions():
    ember.manual_seed(0)
    shape = (256, 128)
    fan_in, fan_out = 128, 256
    a = _std(init.kaiming_uniform_, shape, nonlinearity="relu")
    assert abs(a.std() - math.sqrt(2 / fan_in)) < 0.03 * math.sqrt(2 / fan_in)
    assert np.abs(a).max() <= math.sqrt(6 / fan_in)
    a = _std(init.kaiming_normal_, shape, mode="fan_out")
    assert abs(a.std() - math.sqrt(2 / (1 + 0.01**2) / fan_out)) < 0.03 * a.std()
    a = _std(init.xavier_uniform_, shape, gain=2.0)
    assert np.abs(a).max() <= 2.0 * math.sqrt(6 / (fan_in + fan_out))
    a = _std(init.xavier_normal_, shape)
    assert abs(a.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.03 * a.std()
    a = _std(init.trunc_normal_, shape, mean=0.5, std=1.0, a=-0.5, b=1.0)
    assert a.min() >= -0.5 and a.max() <= 1.0 and a.std() > 0.3
    a = _std(init.uniform_, shape, a=2.0, b=3.0)
    assert a.min() >= 2.0 and a.max() <= 3.0
    a = _std(init.normal_, shape, mean=1.0, std=0.1)
    assert abs(a.mean() - 1.0) < 0.01


def test_deterministic_fills_match_torch():
    for fn, shape, kw in [
        (init.eye_, (3, 5), {}),
        (init.dirac_, (4, 2, 3, 3), {}),
        (init.dirac_, (6, 3, 3), {"groups": 2}),
        (init.constant_, (2, 3), {"val": 0.3}),
        (init.ones_, (2,), {}),
        (init.zeros_, (2,), {}),
    ]:
        t = torch.empty(shape)
        getattr(torch.nn.init, fn.__name__)(t, **kw)
        e = ember.empty(shape)
        fn(e, **kw)
        assert_close(e, t)


def test_orthogonal():
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        t = init.orthogonal_(ember.empty(shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = min(t.shape)
        prod = t @ t.T if t.shape[0] == small else t.T @ t
        np.testing.assert_allclose(prod, 4.0 * np.eye(small), atol=1e-5)


def test_init_under_no_grad_on_parameters():
    p = enn.Parameter(ember.empty(3, 4))
    init.kaiming_uniform_(p, a=math.sqrt(5))
    assert p.is_leaf and p.grad_fn is None
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(3))


def test_clip_grad_norm_and_value_match_torch():
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(3, 4), (5,)]]
    for norm_type in [2.0, 1.0, math.inf]:
        tps = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
        eps = [enn.Parameter(ember.zeros(g.shape, dtype=ember.float64)) for g in grads]
        for tp, ep, g in zip(tps, eps, grads):
            tp.grad, ep.grad = torch.tensor(g), ember.tensor(g)
        tn = torch.nn.utils.clip_grad_norm_(tps, 1.5, norm_type)
        en = clip_grad_norm_(eps, 1.5, norm_type)
        assert_close(en, tn)
        for tp, ep in zip(tps, eps):
            assert_close(ep.grad, tp.grad)
    p = enn.Parameter(ember.zeros(4))
    p.grad = ember.tensor([-3.0, 0.5, 2.0, -0.1])
    clip_grad_value_([p], 1.0)
    np.testing.assert_allclose(p.grad.numpy(), [-1.0, 0.5, 1.0, -0.1])
    with pytest.raises(RuntimeError, match="non-finite"):
        p.grad = ember.tensor([math.inf, 0.0, 0.0, 0.0])
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_vector_round_trip():
    m = enn.Sequential(enn.Linear(3, 2), enn.Linear(2, 1))
    v = parameters_to_vector(m.parameters())
    assert tuple(v.shape) == (11,)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    assert_close(v, torch.nn.utils.parameters_to_vector(tm.parameters()) * 0 + to_torch_vec(v))
    vector_to_parameters(ember.arange(11, dtype=ember.float32), m.parameters())
    np.testing.assert_array_equal(m[0].weight.detach().numpy().ravel(), np.arange(6))
    assert isinstance(m[0].weight, enn.Parameter)
    to_ember(torch.zeros(1))


def to_torch_vec(v):
    return torch.tensor(v.detach().numpy())
