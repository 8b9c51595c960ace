# SPDX-License-Identifier: BSD-3-Clause
"""Converting a module's dtype keeps its parameter objects (as PyTorch), so
an optimizer built before the conversion updates the converted weights."""

import pytest

import ember
from ember import nn


def test_to_dtype_keeps_parameter_identity_and_grads():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    weight = model[0].weight
    model(ember.randn(4, 3)).sum().backward()
    model.double()
    assert model[0].weight is weight and weight.dtype == ember.float64
    assert isinstance(weight, nn.Parameter) and weight.requires_grad and weight.is_leaf
    assert weight.grad is not None and weight.grad.dtype == ember.float64
    out = model(ember.randn(4, 3, dtype=ember.float64))
    assert out.dtype == ember.float64
    weight.grad = None
    out.sum().backward()
    assert weight.grad.shape == weight.shape


def test_share_memory_moves_parameters_and_buffers_in_place():
    pytest.importorskip("ember.multiprocessing", reason="share_memory_ comes from ember-multiprocessing")
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = list(model.parameters())
    assert not any(t.is_shared() for t in (*params, *model.buffers()))
    assert model.share_memory() is model
    assert list(model.parameters()) == params  # the same objects, now shared
    assert all(t.is_shared() for t in (*model.parameters(), *model.buffers()))
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())
