# SPDX-License-Identifier: BSD-3-Clause
"""Second derivatives of the core's ops: gradcheck and gradgradcheck against
finite differences, and double backward against PyTorch's on the same
float64 inputs (the op cases of test_ops_vs_torch plus a few of our own)."""

from __future__ import annotations

import contextlib
import zlib

import numpy as np
import pytest
from autograd_oracle import assert_matches_torch, functional, torch
from test_ops_vs_torch import CASES

import ember
import ember.autograd

# cases of our own: inputs holding exact zeros, views of views that repeat
# elements, small shapes for gradgradcheck (which costs a backward per element)
EXTRA = {
    "prod with zero inputs": (lambda lib, a: a.prod(1) + a.prod(0).sum() + a.prod(), [(3, 4)]),
    "cumprod with zero inputs": (lambda lib, a: a.cumprod(1) + a.cumprod(0), [(3, 4)]),
    "inverse trig in domain": (
        lambda lib, a: (a.tanh() * 0.9).asin() + (a.tanh() * 0.9).acos() + a.tanh().tan(),
        [(2, 3)],
    ),  # fmt: skip
    "expand an expanded view": (
        lambda lib, a: a[:, :1].expand(3, 4).unsqueeze(0).expand(2, 3, 4) * lib.arange(4.0),
        [(3, 2)],
    ),  # fmt: skip
    "product of sums": (lambda lib, a: a.sum(0).sum() * a + a.sum(1, keepdim=True) ** 2, [(3, 4)]),
    "small conv2d": (
        lambda lib, x, w, b: functional(lib).conv2d(x, w, b, padding=1),
        [(1, 2, 4, 4), (2, 2, 3, 3), (2,)],
    ),
    "small max_pool2d": (lambda lib, x: functional(lib).max_pool2d(x, 2).square(), [(1, 2, 4, 4)]),
}  # fmt: skip
ALL = {**CASES, **EXTRA}

# elements set to exactly zero in input 0
ZEROS = {
    "prod with zero inputs": [(0, 1), (1, 0), (1, 3)],  # row 1 holds two zeros
    "cumprod with zero inputs": [(0, 1), (1, 1), (1, 2)],
}

# inputs that are not differentiated (the case detaches them)
CONSTANT_INPUTS = {"cross_entropy smoothing weights": {1}}

DOUBLE_BACKWARD = [
    # pointwise
    "mul broadcast", "div", "pow tensor", "pow scalar", "rpow", "atan2", "maximum minimum", "unary chain",
    "logs", "roots", "exp family", "inverse trig in domain", "relu abs neg", "where", "clamp", "lerp", "to dtype",
    "transposed operands",
    # reductions and scans
    "sum dims", "mean var std", "prod", "prod with zero inputs", "amax amin", "max min dim", "max all",
    "cumsum cumprod", "cumprod with zero", "cumprod with zero inputs", "cummax", "logsumexp", "norm", "product of sums",
    # matmul family
    "matmul 2d", "matmul batched broadcast", "matmul vector", "bmm transposed", "addmm", "outer dot",
    "einsum-free linear",
    # views and in-place writes
    "slice step", "select narrow", "reshape view flatten", "permute unsqueeze", "expand", "cat stack",
    "split chunk", "flip roll", "repeat tile", "tril triu diagonal", "unfold", "expand an expanded view",
    "views then in-place", "in-place chain", "in-place on broadcast operand",
    # indexing
    "advanced index", "mixed index", "mask index", "gather", "scatter_add", "index_select", "index_add",
    "index_put accumulate", "setitem tensor", "masked_fill", "take",
    # sorting
    "sort", "sort descending dim0", "topk", "kthvalue median",
    # NN kernels
    "softmax", "log_softmax", "layer_norm", "layer_norm 2d shape", "group_norm", "batch_norm train", "conv2d",
    "conv2d stride dilation groups", "conv1d", "conv_transpose2d", "max_pool2d", "max_pool2d padded strided",
    "avg_pool2d", "adaptive pools", "cross_entropy", "cross_entropy smoothing weights", "nll mse l1 huber",
    "bce with logits", "kl_div", "activations", "embedding", "attention", "interpolate bilinear", "pad reflect",
    # linalg
    "inv", "solve batched", "cholesky", "eigh",
]  # fmt: skip

# gradcheck needs exact float64 functions: "to dtype" rounds through float32
GRADCHECK = [name for name in DOUBLE_BACKWARD if name != "to dtype"]

GRADGRADCHECK = [
    "mul broadcast", "div", "pow tensor", "unary chain", "mean var std", "prod with zero inputs",
    "cumprod with zero inputs", "logsumexp", "norm", "matmul batched broadcast", "views then in-place",
    "expand an expanded view", "gather", "scatter_add", "index_add", "masked_fill", "sort", "softmax",
    "log_softmax", "layer_norm", "small conv2d", "small max_pool2d", "cross_entropy", "activations", "inv",
    "cholesky", "eigh",
]  # fmt: skip


def _arrays(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = [rng.standard_normal(shape) for shape in ALL[name][1]]
    for index in ZEROS.get(name, ()):
        arrays[0][index] = 0.0
    return arrays


def _leaves(lib, name, arrays):
    constant = CONSTANT_INPUTS.get(name, set())
    return [lib.tensor(a, requires_grad=i not in constant) for i, a in enumerate(arrays)]


def _math_attention(lib):
    """PyTorch's fused CPU attention has no double backward: use its math kernel."""
    if lib is not torch:
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel(SDPBackend.MATH)


def _double_backward(lib, name, seed=1):
    """Gradients of ``sum_i <g_i, w_i>`` w.r.t. the inputs and ``v``, where
    ``g_i`` is the gradient of the case's output w.r.t. input i under the
    output gradient ``v`` (random, as are the ``w_i``)."""
    fn = ALL[name][0]
    leaves = _leaves(lib, name, _arrays(name))
    rng = np.random.default_rng(seed)
    with _math_attention(lib):
        out = fn(lib, *leaves)
        v = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype, requires_grad=True)
        wrt = [x for x in leaves if x.requires_grad]
        grads = lib.autograd.grad(out, wrt, v, create_graph=True, allow_unused=True)
        total = 0.0
        for g, x in zip(grads, wrt):
            w = lib.tensor(rng.standard_normal(tuple(x.shape)), dtype=x.dtype)
            if g is not None:
                total = total + (g * w).sum()
        second = lib.autograd.grad(total, [*wrt, v], allow_unused=True)
    return [None if s is None else s.detach().numpy().copy() for s in second]


@pytest.mark.parametrize("name", DOUBLE_BACKWARD)
def test_double_backward_matches_torch(name):
    """d/d(inputs, v) of <grad(out, inputs, v), w> equals PyTorch's."""
    ours = _double_backward(ember, name)
    theirs = _double_backward(torch, name)
    assert len(ours) == len(theirs)
    assert any(t is not None and np.any(t) for t in theirs), "the case has no second derivative to compare"
    for i, (e, t) in enumerate(zip(ours, theirs)):
        if t is None or not np.any(t):
            assert e is None or not np.any(e), f"input {i}: torch's second derivative is zero, ours is {e}"
            continue
        assert e is not None, f"input {i}: no second derivative computed"
        np.testing.assert_allclose(e, t, atol=1e-7, rtol=1e-6, err_msg=f"second derivative w.r.t. input {i} differs")


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck(name):
    """First derivatives match central finite differences."""
    fn = ALL[name][0]
    leaves = _leaves(ember, name, _arrays(name))
    assert ember.autograd.gradcheck(lambda *xs: fn(ember, *xs), leaves)


@pytest.mark.parametrize("name", GRADGRADCHECK)
def test_gradgradcheck(name):
    """Second derivatives (w.r.t. inputs and output gradient) match finite differences of the first."""
    fn = ALL[name][0]
    leaves = _leaves(ember, name, _arrays(name))
    assert ember.autograd.gradgradcheck(lambda *xs: fn(ember, *xs), leaves)


@pytest.mark.parametrize("name", list(EXTRA))
def test_extra_case_gradient_matches_torch(name):
    """First derivatives of this file's own cases equal PyTorch's."""
    assert_matches_torch(ALL[name][0], _arrays(name))


def test_gradgradcheck_detects_a_wrong_second_derivative():
    """gradgradcheck fails for a function whose backward is not differentiated correctly."""

    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() * x.detach()  # detached: the second derivative is lost

    x = ember.tensor(np.random.default_rng(0).standard_normal(4), requires_grad=True)
    assert ember.autograd.gradcheck(Cube.apply, (x,))
    assert not ember.autograd.gradgradcheck(Cube.apply, (x,), raise_exception=False)
