# SPDX-License-Identifier: BSD-3-Clause
"""Pooling and its gradients against PyTorch: max (with indices and
dilation), average (ceil_mode, count_include_pad, divisor_override) and
adaptive pooling in 1-D and 2-D, plus PyTorch's errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nn_ops import assert_close, raises_like_torch, randn, to_ember, torch_grads

import ember
from ember._nn import pool


@st.composite
def pool2d_case(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 3)))
    stride = draw(st.sampled_from([None, 1, 2, (2, 1), (3, 2)]))
    pad = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    h = draw(st.integers(k[0], 9))
    w = draw(st.integers(k[1], 9))
    return {
        "shape": (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w),
        "k": k,
        "stride": stride,
        "pad": pad,
        "ceil": draw(st.booleans()),
        "double": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
    }


@settings(max_examples=40, deadline=None)
@given(pool2d_case(), st.integers(1, 2))
def test_max_pool2d_forward_indices_and_backward(case, dilation):
    k, s, p = case["k"], case["stride"], case["pad"]
    # PyTorch needs the dilated window inside the padded input
    h, w = case["shape"][2:]
    if (k[0] - 1) * dilation + 1 > h + 2 * p[0] or (k[1] - 1) * dilation + 1 > w + 2 * p[1]:
        dilation = 1
    dt = torch.float64 if case["double"] else torch.float32
    x = randn(*case["shape"], dtype=dt, seed=case["seed"])
    kw = {"stride": s, "padding": p, "dilation": dilation, "ceil_mode": case["ceil"]}
    (out, idx), grads, go = _with_indices(lambda x: F.max_pool2d(x, k, return_indices=True, **kw), x)
    got, got_idx = pool.max_pool2d(to_ember(x), k, return_indices=True, **kw)
    assert_close(got, out)
    assert got_idx.tolist() == idx.tolist()
    assert_close(pool.max_pool2d_backward(to_ember(go), got_idx, x.shape), grads[0])


def _with_indices(fn, x):
    leaf = x.detach().clone().requires_grad_(True)
    out, idx = fn(leaf)
    go = torch.randn(out.shape, dtype=out.dtype, generator=torch.Generator().manual_seed(1))
    return (out.detach(), idx), torch.autograd.grad(out, leaf, go), go


@settings(max_examples=40, deadline=None)
@given(pool2d_case(), st.booleans(), st.sampled_from([None, 1, 5]))
def test_avg_pool2d_forward_and_backward(case, count_include_pad, divisor_override):
    k, s, p = case["k"], case["stride"], case["pad"]
    dt = torch.float64 if case["double"] else torch.float32
    x = randn(*case["shape"], dtype=dt, seed=case["seed"])
    kw = {"stride": s, "padding": p, "ceil_mode": case["ceil"], "count_include_pad": count_include_pad}
    kw["divisor_override"] = divisor_override
    out, grads, go = torch_grads(lambda x: F.avg_pool2d(x, k, **kw), [x])
    assert_close(pool.avg_pool2d(to_ember(x), k, **kw), out)
    assert_close(pool.avg_pool2d_backward(to_ember(go), x.shape, k, **kw), grads[0])


@pytest.mark.parametrize("kw", [{}, {"stride": 1, "padding": 1}, {"stride": 2, "dilation": 2, "ceil_mode": True}])
def test_max_pool1d_forward_and_backward(kw):
    x = randn(2, 3, 11, seed=3)
    (out, idx), grads, go = _with_indices(lambda x: F.max_pool1d(x, 3, return_indices=True, **kw), x)
    got, got_idx = pool.max_pool1d(to_ember(x), 3, return_indices=True, **kw)
    assert_close(got, out)
    assert got_idx.tolist() == idx.tolist()
    assert_close(pool.max_pool1d_backward(to_ember(go), got_idx, x.shape), grads[0])
    assert_close(pool.max_pool1d(to_ember(x[0]), 3, **kw), F.max_pool1d(x[0], 3, **kw))


@pytest.mark.parametrize(
    "kw", [{}, {"stride": 1, "padding": 1}, {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}]
)
def test_avg_pool1d_forward_and_backward(kw):
    x = randn(2, 3, 10, dtype=torch.float64, seed=4)
    out, grads, go = torch_grads(lambda x: F.avg_pool1d(x, 3, **kw), [x])
    assert_close(pool.avg_pool1d(to_ember(x), 3, **kw), out)
    assert_close(pool.avg_pool1d_backward(to_ember(go), x.shape, 3, **kw), grads[0])


@pytest.mark.parametrize("output_size", [1, 3, (2, 5), (None, 2), (7, 9), (4, 11)])
@pytest.mark.parametrize("unbatched", [False, True])
def test_adaptive_pool2d_forward_and_backward(output_size, unbatched):
    x = randn(2, 3, 7, 9, seed=5)
    if unbatched:
        x = x[0]
    out, grads, go = torch_grads(lambda x: F.adaptive_avg_pool2d(x, output_size), [x])
    assert_close(pool.adaptive_avg_pool2d(to_ember(x), output_size), out)
    assert_close(pool.adaptive_avg_pool2d_backward(to_ember(go), x.shape), grads[0])
    (out, idx), grads, go = _with_indices(lambda x: F.adaptive_max_pool2d(x, output_size, return_indices=True), x)
    got, got_idx = pool.adaptive_max_pool2d(to_ember(x), output_size, return_indices=True)
    assert_close(got, out)
    assert got_idx.tolist() == idx.tolist()
    assert_close(pool.adaptive_max_pool2d_backward(to_ember(go), got_idx, x.shape), grads[0])


@pytest.mark.parametrize("output_size", [1, 4, 13])
def test_adaptive_pool1d_forward_and_backward(output_size):
    x = randn(2, 3, 10, seed=6)
    out, grads, go = torch_grads(lambda x: F.adaptive_avg_pool1d(x, output_size), [x])
    assert_close(pool.adaptive_avg_pool1d(to_ember(x), output_size), out)
    assert_close(pool.adaptive_avg_pool1d_backward(to_ember(go), x.shape), grads[0])
    (out, idx), grads, go = _with_indices(lambda x: F.adaptive_max_pool1d(x, output_size, return_indices=True), x)
    got, got_idx = pool.adaptive_max_pool1d(to_ember(x), output_size, return_indices=True)
    assert_close(got, out)
    assert got_idx.tolist() == idx.tolist()
    assert_close(pool.adaptive_max_pool1d_backward(to_ember(go), got_idx, x.shape), grads[0])


def test_pooling_unbatched_and_half():
    x = randn(3, 6, 6, seed=7)
    assert_close(pool.max_pool2d(to_ember(x), 2), F.max_pool2d(x, 2))
    assert_close(pool.avg_pool2d(to_ember(x), 3, 2, 1), F.avg_pool2d(x, 3, 2, 1))
    assert_close(pool.max_pool2d(to_ember(x).half(), 2), F.max_pool2d(x.half(), 2))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda f, x: f.max_pool2d(x, 7), "Output size is too small"),
        (lambda f, x: f.max_pool2d(x, 3, padding=2), "pad should be at most half of effective kernel size"),
        (lambda f, x: f.avg_pool2d(x, 7), "Output size is too small"),
        (lambda f, x: f.avg_pool2d(x, 3, padding=2), "pad should be at most half"),
        (lambda f, x: f.avg_pool2d(x, 3, divisor_override=0), "divisor must be not zero"),
        (lambda f, x: f.max_pool2d(x[0, 0], 2), "non-empty 3D or 4D"),
        (lambda f, x: f.adaptive_avg_pool2d(x[0, 0, 0], 2), "Expected 3D or 4D tensor"),
    ],
)
def test_pooling_errors_match_torch(call, match):
    x = randn(2, 3, 5, 5)
    raises_like_torch(lambda: call(pool, to_ember(x)), lambda: call(F, x), match)


def test_max_pool_backward_checks_indices():
    x = randn(1, 1, 4, 4)
    out, idx = pool.max_pool2d(to_ember(x), 2, return_indices=True)
    with pytest.raises(RuntimeError, match="int64 indices"):
        pool.max_pool2d_backward(out, idx.int(), x.shape)


@pytest.mark.parametrize("kernel,stride", [(2, 2), (3, 2), (2, 1)])
def test_max_pool_picks_the_same_element_as_pytorch_with_ties_and_nans(kernel, stride):
    # values from {0, 1, 2, 3} tie often; a NaN wins its window (the last NaN, as PyTorch)
    rng = np.random.default_rng(kernel * 10 + stride)
    for nan_fraction in (0.0, 0.15):
        a = rng.integers(0, 4, (2, 3, 7, 9)).astype(np.float32)
        a[rng.random(a.shape) < nan_fraction] = np.nan
        got, got_idx = pool.max_pool2d(ember.from_numpy(a), kernel, stride, return_indices=True)
        want, want_idx = F.max_pool2d(torch.from_numpy(a), kernel, stride, return_indices=True)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        np.testing.assert_array_equal(got_idx.numpy(), want_idx.numpy())


def test_max_pool_backward_kernel_checks_before_writing():
    x = to_ember(randn(2, 3, 6, 6, seed=8))
    out, idx = pool.max_pool2d(x, 3, 1, return_indices=True)  # overlapping windows share argmaxes
    with pytest.raises(IndexError, match="index 36 lies outside the 6 x 6 plane"):
        ember._C.max_pool2d_backward(out, idx.clone().fill_(36), 6, 6)
    with pytest.raises(RuntimeError, match="one shape"):
        ember._C.max_pool2d_backward(out, idx[:, :, :2], 6, 6)
    with pytest.raises(TypeError, match="float32 or float64"):
        ember._C.max_pool2d_backward(out.half(), idx, 6, 6)
    # half gradients take the composite path, with the same sums
    want = pool.max_pool2d_backward(out, idx, x.shape)
    got = pool.max_pool2d_backward(out.half(), idx, x.shape)
    assert got.dtype == ember.float16
    np.testing.assert_allclose(got.float().numpy(), want.numpy(), rtol=2e-3, atol=2e-3)
