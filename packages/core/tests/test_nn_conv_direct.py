# SPDX-License-Identifier: BSD-3-Clause
"""The direct stride-1 convolution kernel against PyTorch: forward, input
gradient and transposed convolution on images large enough for the kernel
to be chosen (the hypothesis cases in test_nn_conv.py are mostly too small),
with odd sizes, groups, dilation, padding on either side, float64, batches
of one and batches that do not divide the thread count."""

import warnings

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from test_nn_ops import assert_close, randn, to_ember, torch_grads

import ember
from ember import _C
from ember._nn import conv

DTYPES = {"float32": torch.float32, "float64": torch.float64}

# (x shape, weight shape, conv2d keywords)
CASES = [
    ((2, 8, 16, 16), (8, 8, 3, 3), {"padding": 1}),
    ((3, 5, 13, 47), (7, 5, 3, 3), {"padding": 1}),
    ((1, 4, 12, 44), (9, 4, 3, 5), {"padding": (2, 1)}),
    ((3, 6, 14, 30), (6, 2, 3, 3), {"padding": 1, "groups": 3}),
    ((2, 4, 15, 40), (5, 4, 3, 3), {"padding": 2, "dilation": 2}),
    ((2, 3, 16, 18), (4, 3, 2, 4), {"padding": "same"}),
    ((1, 3, 12, 44), (4, 3, 3, 3), {"padding": "valid"}),
    ((5, 3, 16, 72), (20, 3, 5, 5), {"padding": (3, 0), "dilation": (1, 2)}),
    ((2, 6, 12, 40), (4, 6, 1, 3), {"padding": (1, 1)}),
]


def _suits(x_shape, w_shape, kw, dtype=torch.float32):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.conv2d(torch.zeros(x_shape, dtype=dtype), torch.zeros(w_shape, dtype=dtype), **kw)
    d = kw.get("dilation", 1)
    dw = d if isinstance(d, int) else d[1]
    probe = ember.zeros(1, dtype=ember.float32 if dtype == torch.float32 else ember.float64)
    return _C.conv2d_direct_suits(probe, out.shape[2], out.shape[3], w_shape[3], dw)


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    before = ember.get_num_threads()
    ember.set_num_threads(request.param)
    yield request.param
    ember.set_num_threads(before)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_direct_conv2d_matches_torch(case, bias, dtype, threads):
    x_shape, w_shape, kw = case
    dt = DTYPES[dtype]
    assert _suits(x_shape, w_shape, kw, dt), "the case should run the direct kernel"
    x, w = randn(*x_shape, dtype=dt, seed=1), randn(*w_shape, dtype=dt, seed=2)
    b = randn(w_shape[0], dtype=dt, seed=3) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'same' with an even kernel: torch warns about a copy
        out, grads, go = torch_grads(lambda *a: F.conv2d(a[0], a[1], a[2] if bias else None, **kw), inputs)
    got = conv.conv2d(to_ember(x), to_ember(w), to_ember(b) if bias else None, **kw)
    assert_close(got, out, scale=4)
    gi, gw, _ = conv.conv2d_backward(to_ember(go), to_ember(x), to_ember(w), **kw)
    assert_close(gi, grads[0], scale=4)
    assert_close(gw, grads[1], scale=10)


def test_direct_conv2d_non_contiguous_input():
    x = randn(2, 16, 14, 5, seed=4).permute(0, 3, 1, 2)  # [2, 5, 16, 14], channels last in memory
    w = randn(6, 5, 3, 3, seed=5)
    ex = to_ember(x.contiguous()).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert not ex.is_contiguous()
    assert_close(conv.conv2d(ex, to_ember(w), padding=1), F.conv2d(x, w, padding=1), scale=4)


def test_direct_conv1d_matches_torch():
    x, w, b = randn(3, 4, 284, seed=6), randn(6, 4, 5, seed=7), randn(6, seed=8)
    assert conv._direct(to_ember(x).unsqueeze(2), (1, 5), (1, 1), (0, 2), (1, 2), (1, 280))
    out, grads, go = torch_grads(lambda x, w, b: F.conv1d(x, w, b, padding=2, dilation=2), [x, w, b])
    assert_close(conv.conv1d(to_ember(x), to_ember(w), to_ember(b), padding=2, dilation=2), out, scale=4)
    gi, gw, gb = conv.conv1d_backward(to_ember(go), to_ember(x), to_ember(w), padding=2, dilation=2)
    assert_close(gi, grads[0], scale=4)
    assert_close(gw, grads[1], scale=10)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize(
    "kw",
    [
        {"padding": 1},
        {"padding": 0, "groups": 2},
        {"padding": 3},  # more than d*(k-1): the input is cropped
        {"padding": (1, 2), "dilation": 2, "output_padding": 1},
    ],
)
def test_direct_conv_transpose2d_matches_torch(kw, dtype, threads):
    dt = DTYPES[dtype]
    x, w, b = randn(3, 4, 14, 46, dtype=dt, seed=9), randn(4, 3, 3, 3, dtype=dt, seed=10), randn(6, dtype=dt)
    b = b[: 3 * kw.get("groups", 1)]
    out_hw = F.conv_transpose2d(x, w, b, **kw).shape[2:]
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    assert conv._direct(to_ember(x), (3, 3), (1, 1), pair(kw["padding"]), pair(kw.get("dilation", 1)), out_hw)
    out, grads, go = torch_grads(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), [x, w, b])
    assert_close(conv.conv_transpose2d(to_ember(x), to_ember(w), to_ember(b), **kw), out, scale=4)
    gi, gw, gb = conv.conv_transpose2d_backward(to_ember(go), to_ember(x), to_ember(w), **kw)
    assert_close(gi, grads[0], scale=4)
    assert_close(gw, grads[1], scale=10)
    assert_close(gb, grads[2], scale=4)


def test_direct_conv2d_rejects_bad_arguments():
    x, w = ember.zeros(1, 4, 8, 8), ember.zeros(4, 4, 3, 3)
    with pytest.raises(RuntimeError, match="groups"):
        _C.conv2d_direct(x, ember.zeros(4, 3, 3, 3), None, 1, 1, 1, 1, 1, 8, 8)
    with pytest.raises(RuntimeError, match="float32 or float64"):
        _C.conv2d_direct(x.int(), w.int(), None, 1, 1, 1, 1, 1, 8, 8)
    with pytest.raises(RuntimeError, match="bias"):
        _C.conv2d_direct(x, w, ember.zeros(3), 1, 1, 1, 1, 1, 8, 8)


def test_direct_conv2d_same_bits_for_any_thread_count():
    # batches that do not share out evenly are also cut by output channels
    # (large enough to run on the pool)
    x, w, b = to_ember(randn(3, 16, 40, 40, seed=11)), to_ember(randn(27, 16, 3, 3, seed=12)), to_ember(randn(27))
    before = ember.get_num_threads()
    try:
        got = []
        for threads in (1, 2, 3, 4):
            ember.set_num_threads(threads)
            got.append(conv.conv2d(x, w, b, padding=1).numpy())
    finally:
        ember.set_num_threads(before)
    assert all((g == got[0]).all() for g in got[1:])


def test_direct_conv2d_without_input_channels_is_the_bias():
    x, w, b = ember.zeros(2, 0, 16, 40), ember.zeros(4, 0, 3, 3), to_ember(randn(4, seed=13))
    out = _C.conv2d_direct(x, w, b, 1, 1, 1, 1, 1, 16, 40)
    assert_close(out, torch.from_numpy(b.numpy()).reshape(1, 4, 1, 1).expand(2, 4, 16, 40))
    assert (_C.conv2d_direct(x, w, None, 1, 1, 1, 1, 1, 16, 40).numpy() == 0).all()
