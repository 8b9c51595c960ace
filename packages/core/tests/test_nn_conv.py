# SPDX-License-Identifier: BSD-3-Clause
"""Convolutions and their gradients against PyTorch: random geometry
(stride, padding incl. 'same'/'valid', dilation, groups, bias) from
hypothesis, forward vs ``torch.nn.functional`` and each gradient vs
``torch.autograd.grad``; PyTorch's errors for bad shapes."""

import warnings

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nn_ops import assert_close, raises_like_torch, randn, to_ember, torch_grads

from ember._nn import conv

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@st.composite
def conv2d_case(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["int", "pair", "same", "valid"]))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    if padding == "same":
        stride = (1, 1)
        pad = "same"
    elif padding == "valid":
        pad = "valid"
    elif padding == "int":
        pad = draw(st.integers(0, 2))
    else:
        pad = (draw(st.integers(0, 2)), draw(st.integers(0, 1)))
    ph, pw = (0, 0) if isinstance(pad, str) else ((pad, pad) if isinstance(pad, int) else pad)
    h = draw(st.integers(max(1, dil[0] * (kh - 1) + 1 - 2 * ph), 7))
    w = draw(st.integers(max(1, dil[1] * (kw - 1) + 1 - 2 * pw), 7))
    return {
        "x": (draw(st.integers(1, 3)), cin, h, w),
        "w": (cout, cin // groups, kh, kw),
        "bias": draw(st.booleans()),
        "kw": {"stride": stride, "padding": pad, "dilation": dil, "groups": groups},
        "dtype": draw(st.sampled_from(list(DTYPES))),
        "seed": draw(st.integers(0, 2**16)),
    }


@settings(max_examples=40, deadline=None)
@given(conv2d_case())
def test_conv2d_forward_and_backward(case):
    dt = DTYPES[case["dtype"]]
    gen = torch.Generator().manual_seed(case["seed"])
    x, w = randn(*case["x"], dtype=dt, gen=gen), randn(*case["w"], dtype=dt, gen=gen)
    b = randn(case["w"][0], dtype=dt, gen=gen) if case["bias"] else None
    kw = case["kw"]
    inputs = [x, w] + ([b] if b is not None else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'same' with an even kernel: torch warns about a copy
        out, grads, go = torch_grads(lambda *a: F.conv2d(a[0], a[1], a[2] if len(a) > 2 else None, **kw), inputs)
    got = conv.conv2d(to_ember(x), to_ember(w), None if b is None else to_ember(b), **kw)
    assert_close(got, out, scale=4)
    gi, gw, gb = conv.conv2d_backward(to_ember(go), to_ember(x), to_ember(w), **kw)
    assert_close(gi, grads[0], scale=4)
    assert_close(gw, grads[1], scale=10)
    if b is not None:
        assert_close(gb, grads[2], scale=4)


@st.composite
def conv_transpose2d_case(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    outpad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dil))
    h, w = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    return {
        "x": (draw(st.integers(1, 3)), cin, h, w),
        "w": (cin, cout // groups, *k),
        "bias": draw(st.booleans()),
        "kw": {"stride": stride, "padding": pad, "output_padding": outpad, "groups": groups, "dilation": dil},
        "dtype": draw(st.sampled_from(list(DTYPES))),
        "seed": draw(st.integers(0, 2**16)),
    }


@settings(max_examples=30, deadline=None)
@given(conv_transpose2d_case())
def test_conv_transpose2d_forward_and_backward(case):
    dt = DTYPES[case["dtype"]]
    gen = torch.Generator().manual_seed(case["seed"])
    x, w = randn(*case["x"], dtype=dt, gen=gen), randn(*case["w"], dtype=dt, gen=gen)
    b = randn(case["w"][1] * case["kw"]["groups"], dtype=dt, gen=gen) if case["bias"] else None
    kw = case["kw"]
    sizes = [
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, s, p, d, k, op in zip(
            case["x"][2:], kw["stride"], kw["padding"], kw["dilation"], case["w"][2:], kw["output_padding"]
        )
    ]
    if min(sizes) < 1:
        # PyTorch raises this or returns an empty tensor, depending on the
        # backend it picks; ember always raises
        with pytest.raises(RuntimeError, match="Output size is too small"):
            conv.conv_transpose2d(to_ember(x), to_ember(w), **kw)
        return
    inputs = [x, w] + ([b] if b is not None else [])
    out, grads, go = torch_grads(lambda *a: F.conv_transpose2d(a[0], a[1], a[2] if len(a) > 2 else None, **kw), inputs)
    got = conv.conv_transpose2d(to_ember(x), to_ember(w), None if b is None else to_ember(b), **kw)
    assert_close(got, out, scale=4)
    gi, gw, gb = conv.conv_transpose2d_backward(to_ember(go), to_ember(x), to_ember(w), **kw)
    assert_close(gi, grads[0], scale=4)
    assert_close(gw, grads[1], scale=10)
    if b is not None:
        assert_close(gb, grads[2], scale=4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kw", [{}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": "same"}, {"groups": 2, "padding": "valid"}]
)
def test_conv1d_forward_and_backward(dtype, kw):
    dt = DTYPES[dtype]
    x, w, b = (
        randn(2, 4, 9, dtype=dt, seed=1),
        randn(6, 4 // kw.get("groups", 1), 3, dtype=dt, seed=2),
        randn(6, dtype=dt),
    )
    out, grads, go = torch_grads(lambda x, w, b: F.conv1d(x, w, b, **kw), [x, w, b])
    assert_close(conv.conv1d(to_ember(x), to_ember(w), to_ember(b), **kw), out)
    for got, want in zip(conv.conv1d_backward(to_ember(go), to_ember(x), to_ember(w), **kw), grads):
        assert_close(got, want, scale=4)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "output_padding": 1}, {"groups": 2, "dilation": 2}])
def test_conv_transpose1d_forward_and_backward(kw):
    x, w, b = randn(2, 4, 6, seed=1), randn(4, 3, 3, seed=2), randn(3 * kw.get("groups", 1), seed=3)
    out, grads, go = torch_grads(lambda x, w, b: F.conv_transpose1d(x, w, b, **kw), [x, w, b])
    assert_close(conv.conv_transpose1d(to_ember(x), to_ember(w), to_ember(b), **kw), out)
    for got, want in zip(conv.conv_transpose1d_backward(to_ember(go), to_ember(x), to_ember(w), **kw), grads):
        assert_close(got, want, scale=4)


def test_conv2d_unbatched_pointwise_and_output_mask():
    x, w = randn(3, 5, 4, seed=1), randn(6, 3, 1, 1, seed=2)
    out, grads, go = torch_grads(lambda x, w: F.conv2d(x, w), [x, w])
    assert_close(conv.conv2d(to_ember(x), to_ember(w)), out)
    gi, gw, gb = conv.conv2d_backward(to_ember(go), to_ember(x), to_ember(w), output_mask=(True, False, False))
    assert_close(gi, grads[0])
    assert gw is None and gb is None


def test_conv2d_half_computes_in_float32():
    x, w = randn(2, 3, 6, 6, seed=1), randn(4, 3, 3, 3, seed=2)
    got = conv.conv2d(to_ember(x).half(), to_ember(w).half(), padding=1)
    want = F.conv2d(x.half().float(), w.half().float(), padding=1).half()
    assert_close(got, want, tol=(2e-3, 2e-3))


def test_conv2d_large_weight_gradient_path():
    # O * K > (O + K) * L picks the single-GEMM weight gradient
    x, w = randn(3, 16, 3, 3, seed=1), randn(32, 16, 3, 3, seed=2)
    out, grads, go = torch_grads(lambda x, w: F.conv2d(x, w, padding=1), [x, w])
    assert_close(conv.conv2d_backward(to_ember(go), to_ember(x), to_ember(w), padding=1)[1], grads[1], scale=10)


@pytest.mark.parametrize(
    "x_shape, w_shape, kw, match",
    [
        ((2, 3, 5, 5), (4, 2, 3, 3), {}, "to have 2 channels, but got 3 channels instead"),
        ((2, 3, 5, 5), (4, 3, 7, 7), {}, "Kernel size can't be greater than actual input size"),
        ((2, 3, 5, 5), (4, 1, 3, 3), {"groups": 3}, "expected weight to be divisible by 3"),
        ((5, 5), (4, 3, 3, 3), {}, "Expected 3D (unbatched) or 4D (batched) input to conv2d"),
        ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 2, "padding": "same"}, "not supported for strided convolutions"),
        ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": "foo"}, "Invalid padding string"),
        ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": -1}, "negative padding is not supported"),
        ((2, 3, 5, 5), (4, 3, 3, 3), {"stride": 0}, "non-positive stride is not supported"),
    ],
)
def test_conv2d_errors_match_torch(x_shape, w_shape, kw, match):
    x, w = randn(*x_shape), randn(*w_shape)
    raises_like_torch(lambda: conv.conv2d(to_ember(x), to_ember(w), **kw), lambda: F.conv2d(x, w, **kw), match)


def test_conv_bias_and_dtype_errors_match_torch():
    x, w = randn(2, 3, 5, 5), randn(4, 3, 3, 3)
    b = randn(3)
    raises_like_torch(
        lambda: conv.conv2d(to_ember(x), to_ember(w), to_ember(b)), lambda: F.conv2d(x, w, b), "expected bias"
    )
    raises_like_torch(
        lambda: conv.conv2d(to_ember(x), to_ember(w.double())), lambda: F.conv2d(x, w.double()), "should be the same"
    )
    wt = randn(4, 2, 3, 3)
    raises_like_torch(
        lambda: conv.conv_transpose2d(to_ember(x), to_ember(wt)),
        lambda: F.conv_transpose2d(x, wt),
        "to have 4 channels",
    )
    wt = randn(3, 2, 3, 3)
    raises_like_torch(
        lambda: conv.conv_transpose2d(to_ember(x), to_ember(wt), output_padding=1),
        lambda: F.conv_transpose2d(x, wt, output_padding=1),
        "output padding must be smaller than either stride or dilation",
    )
    x1, w1 = randn(2, 3, 5), randn(4, 2, 3)
    raises_like_torch(lambda: conv.conv1d(to_ember(x1), to_ember(w1)), lambda: F.conv1d(x1, w1), "to have 2 channels")


def test_conv2d_backward_checks_grad_shape():
    x, w = randn(2, 3, 5, 5), randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match="grad_output"):
        conv.conv2d_backward(to_ember(randn(2, 4, 5, 5)), to_ember(x), to_ember(w))


def test_conv_transpose2d_output_too_small_raises():
    x, w = randn(1, 1, 2, 2), randn(1, 1, 1, 1)
    raises_like_torch(
        lambda: conv.conv_transpose2d(to_ember(x), to_ember(w), padding=(0, 2)),
        lambda: F.conv_transpose2d(x, w, padding=(0, 2)),
        "Output size is too small",
    )
