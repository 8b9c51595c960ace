# SPDX-License-Identifier: BSD-3-Clause
"""Softmax and the normalizations (layer, batch, group, instance, RMS) and
their gradients against PyTorch, including batch norm's in-place running
statistics and PyTorch's errors."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nn_ops import assert_close, raises_like_torch, randn, to_ember, torch_grads

import ember
from ember._nn import norm, softmax

DTYPES = {"float32": torch.float32, "float64": torch.float64}


# ---- softmax ---------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=4),
    st.integers(-4, 3),
    st.sampled_from(list(DTYPES)),
    st.integers(0, 2**16),
)
def test_softmax_family_forward_and_backward(shape, dim, dtype, seed):
    dim = dim % len(shape)
    x = randn(*shape, dtype=DTYPES[dtype], seed=seed) * 3
    for name in ("softmax", "log_softmax", "softmin"):
        out, grads, go = torch_grads(lambda x, name=name: getattr(F, name)(x, dim), [x])
        got = getattr(softmax, name)(to_ember(x), dim)
        assert_close(got, out)
        assert_close(getattr(softmax, name + "_backward")(to_ember(go), got, dim), grads[0])


def test_softmax_dtype_half_and_errors():
    x = randn(3, 4, seed=1)
    assert_close(softmax.softmax(to_ember(x), 1, dtype=ember.float64), F.softmax(x, 1, dtype=torch.float64))
    assert_close(softmax.log_softmax(to_ember(x).half(), 0), F.log_softmax(x.half(), 0))
    assert_close(softmax.softmax(to_ember(x).bfloat16(), 1), F.softmax(x.bfloat16(), 1))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        assert_close(softmax.softmax(to_ember(x)), F.softmax(x, 1))
    raises_like_torch(lambda: softmax.softmax(ember.arange(5), 0), lambda: F.softmax(torch.arange(5), 0), "Long")
    raises_like_torch(lambda: softmax.softmax(to_ember(x), 2), lambda: F.softmax(x, 2), "Dimension out of range")


# ---- layer norm / RMS norm ----------------------------------------------------------
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("normalized", [(5,), (4, 5), 5])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_forward_and_backward(dtype, normalized, affine):
    dt = DTYPES[dtype]
    x = randn(3, 4, 5, dtype=dt, seed=2) * 2 + 1
    shape = (normalized,) if isinstance(normalized, int) else normalized
    w, b = randn(*shape, dtype=dt, seed=3), randn(*shape, dtype=dt, seed=4)
    if affine:
        out, grads, go = torch_grads(lambda x, w, b: F.layer_norm(x, shape, w, b, 1e-5), [x, w, b])
        got, mean, rstd = norm.native_layer_norm(to_ember(x), normalized, to_ember(w), to_ember(b))
        gi, gw, gb = norm.layer_norm_backward(
            to_ember(go), to_ember(x), normalized, mean, rstd, to_ember(w), to_ember(b)
        )
        assert_close(gw, grads[1], scale=4)
        assert_close(gb, grads[2], scale=4)
    else:
        out, grads, go = torch_grads(lambda x: F.layer_norm(x, shape), [x])
        got, mean, rstd = norm.native_layer_norm(to_ember(x), normalized)
        gi, gw, gb = norm.layer_norm_backward(to_ember(go), to_ember(x), normalized, mean, rstd)
        assert gw is None and gb is None
    assert_close(got, out, scale=4)
    assert_close(gi, grads[0], scale=10)
    stat_shape = (3, 4, 1) if len(shape) == 1 else (3, 1, 1)
    assert tuple(mean.shape) == stat_shape and tuple(rstd.shape) == stat_shape


def test_layer_norm_half_and_errors():
    x = randn(2, 8, seed=5)
    assert_close(norm.layer_norm(to_ember(x).half(), (8,)), F.layer_norm(x.half(), (8,)), tol=(1e-2, 1e-2))
    raises_like_torch(
        lambda: norm.layer_norm(to_ember(x), (5,)), lambda: F.layer_norm(x, (5,)), "expected input with shape [*, 5]"
    )
    w = randn(3)
    raises_like_torch(
        lambda: norm.layer_norm(to_ember(x), (8,), to_ember(w)),
        lambda: F.layer_norm(x, (8,), w),
        "Expected weight to be of same shape as normalized_shape",
    )


@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_forward_and_backward(eps):
    x, w = randn(3, 4, 6, seed=6), randn(6, seed=7)
    out, grads, go = torch_grads(lambda x, w: F.rms_norm(x, (6,), w, eps), [x, w])
    got, rstd = norm.native_rms_norm(to_ember(x), (6,), to_ember(w), eps)
    assert_close(got, out)
    for g, want in zip(norm.rms_norm_backward(to_ember(go), to_ember(x), (6,), rstd, to_ember(w)), grads):
        assert_close(g, want, scale=4)


# ---- batch norm ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_forward_running_stats_and_backward(dtype, shape, training, affine):
    dt = DTYPES[dtype]
    x = randn(*shape, dtype=dt, seed=8) * 2 + 0.5
    w, b = (randn(3, dtype=dt, seed=9), randn(3, dtype=dt, seed=10)) if affine else (None, None)
    rm, rv = randn(3, dtype=dt, seed=11), torch.rand(3, dtype=dt) + 0.5
    erm, erv = to_ember(rm), to_ember(rv)
    inputs = [x] + ([w, b] if affine else [])
    out, grads, go = torch_grads(
        lambda x, *wb: F.batch_norm(x, rm, rv, *(wb or (None, None)), training=training, momentum=0.3), inputs
    )
    got, save_mean, save_invstd = norm.native_batch_norm(
        to_ember(x), erm, erv, None if w is None else to_ember(w), None if b is None else to_ember(b), training, 0.3
    )
    assert_close(got, out, scale=4)
    # running stats updated in place when training (torch_grads ran the torch forward once)
    assert_close(erm, rm)
    assert_close(erv, rv)
    gi, gw, gb = norm.batch_norm_backward(
        to_ember(go), to_ember(x), None if w is None else to_ember(w), save_mean, save_invstd, training
    )
    assert_close(gi, grads[0], scale=10)
    if affine:
        assert_close(gw, grads[1], scale=10)
        assert_close(gb, grads[2], scale=4)


def test_batch_norm_errors_match_torch():
    x = randn(1, 3)
    rm, rv = torch.zeros(3), torch.ones(3)
    raises_like_torch(
        lambda: norm.batch_norm(to_ember(x), to_ember(rm), to_ember(rv), training=True),
        lambda: F.batch_norm(x, rm, rv, training=True),
        "Expected more than 1 value per channel when training",
    )
    x = randn(4, 3)
    raises_like_torch(
        lambda: norm.batch_norm(to_ember(x), None, None), lambda: F.batch_norm(x, None, None), "running_mean must be"
    )
    rm4, rv4 = torch.zeros(4), torch.ones(4)
    raises_like_torch(
        lambda: norm.batch_norm(to_ember(x), to_ember(rm4), to_ember(rv4), training=True),
        lambda: F.batch_norm(x, rm4, rv4, training=True),
        "running_mean should contain 3 elements not 4",
    )


def test_batch_norm_without_running_stats_when_training():
    x = randn(6, 4, 3, seed=12)
    assert_close(norm.batch_norm(to_ember(x), None, None, training=True), F.batch_norm(x, None, None, training=True))


# ---- group / instance norm ----------------------------------------------------------
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape, groups", [((2, 6, 5), 3), ((2, 4, 3, 3), 4), ((3, 4), 2), ((2, 6, 2, 2), 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_forward_and_backward(dtype, shape, groups, affine):
    dt = DTYPES[dtype]
    x = randn(*shape, dtype=dt, seed=13) * 3 - 1
    c = shape[1]
    w, b = (randn(c, dtype=dt, seed=14), randn(c, dtype=dt, seed=15)) if affine else (None, None)
    inputs = [x] + ([w, b] if affine else [])
    out, grads, go = torch_grads(lambda x, *wb: F.group_norm(x, groups, *(wb or (None, None))), inputs)
    got, mean, rstd = norm.native_group_norm(
        to_ember(x), groups, None if w is None else to_ember(w), None if b is None else to_ember(b)
    )
    assert_close(got, out, scale=4)
    gi, gw, gb = norm.group_norm_backward(
        to_ember(go), to_ember(x), groups, mean, rstd, None if w is None else to_ember(w)
    )
    assert_close(gi, grads[0], scale=100 if shape == (3, 4) else 10)
    if affine:
        assert_close(gw, grads[1], scale=10)
        assert_close(gb, grads[2], scale=4)


def test_group_norm_errors_match_torch():
    x = randn(2, 6, 4)
    raises_like_torch(lambda: norm.group_norm(to_ember(x), 4), lambda: F.group_norm(x, 4), "divisible by num_groups")
    w = randn(5)
    raises_like_torch(
        lambda: norm.group_norm(to_ember(x), 3, to_ember(w)),
        lambda: F.group_norm(x, 3, w),
        "Expected weight to be a vector of size equal to the number of channels",
    )


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_forward_running_stats_and_backward(use_input_stats):
    x, w, b = randn(2, 3, 6, seed=16), randn(3, seed=17), randn(3, seed=18)
    rm, rv = randn(3, seed=19), torch.rand(3) + 0.5
    erm, erv = to_ember(rm), to_ember(rv)
    out, grads, go = torch_grads(
        lambda x, w, b: F.instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=0.3), [x, w, b]
    )
    got = norm.instance_norm(to_ember(x), erm, erv, to_ember(w), to_ember(b), use_input_stats, 0.3)
    assert_close(got, out)
    assert_close(erm, rm)
    assert_close(erv, rv)
    if use_input_stats:
        for g, want in zip(norm.instance_norm_backward(to_ember(go), to_ember(x), to_ember(w)), grads):
            assert_close(g, want, scale=10)
