# SPDX-License-Identifier: BSD-3-Clause
"""Cross entropy against class indices is one autograd node whose gradient
is the core's fused kernel: gradients against PyTorch's for spatial inputs
with weights, ignore_index and label smoothing, second derivatives through
the composite, and class weights that require grad (which PyTorch refuses)
differentiated op by op."""

import numpy as np
import pytest
import torch

import ember
from ember import autograd
from ember._nn.loss import cross_entropy


def _case(seed, shape=(4, 5, 3)):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2
    t = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    t.reshape(-1)[1] = -100
    w = rng.random(shape[1]) + 0.1
    return x, t, w


def test_one_node_straight_to_the_logits():
    x = ember.randn(6, 4, requires_grad=True)
    loss = cross_entropy(x, ember.tensor([0, 1, 2, 3, 1, 0]))
    (edge,) = loss.grad_fn.next_functions
    assert loss.grad_fn.name() == "CrossEntropyBackward0"
    assert edge[0].name().endswith("AccumulateGrad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_matches_pytorch(reduction, label_smoothing, dtype):
    x, t, w = _case(0)
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(tx, torch.tensor(t), torch.tensor(w.astype(dtype)), **kw)
    ex = ember.tensor(x.astype(dtype), requires_grad=True)
    eloss = cross_entropy(ex, ember.tensor(t), ember.tensor(w.astype(dtype)), **kw)
    upstream = np.random.default_rng(1).standard_normal(tuple(tloss.shape)).astype(dtype)
    tloss.backward(torch.tensor(upstream))
    eloss.backward(ember.tensor(upstream))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(eloss.detach().numpy(), tloss.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_gradgradcheck(label_smoothing):
    x, t, w = _case(2, (3, 4))
    weight, target = ember.tensor(w), ember.tensor(t)
    fn = lambda x: cross_entropy(x, target, weight, label_smoothing=label_smoothing)  # noqa: E731
    leaf = ember.tensor(x, requires_grad=True)
    assert autograd.gradcheck(fn, [leaf])
    assert autograd.gradgradcheck(fn, [leaf])


def test_weight_that_requires_grad_gets_its_gradient():
    x, t, w = _case(3)
    leaf_x = ember.tensor(x, requires_grad=True)
    leaf_w = ember.tensor(w, requires_grad=True)
    target = ember.tensor(t)
    assert autograd.gradcheck(lambda x, w: cross_entropy(x, target, w, label_smoothing=0.1), [leaf_x, leaf_w])
    # the input's gradient is the one PyTorch gives for a constant weight
    cross_entropy(leaf_x, target, leaf_w).backward()
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.cross_entropy(tx, torch.tensor(t), torch.tensor(w)).backward()
    np.testing.assert_allclose(leaf_x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert leaf_w.grad is not None and leaf_w.grad.shape == (5,)


def test_fused_kernel_refuses_tensors_that_require_grad():
    x = ember.randn(2, 3, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable"):
        ember._C.class_cross_entropy(x, ember.tensor([[0], [1]]), None, -100, 0.0)
