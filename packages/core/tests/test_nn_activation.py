# SPDX-License-Identifier: BSD-3-Clause
"""Activations and their input gradients against PyTorch, on random values
plus the points where the piecewise ones switch (0, +-3, the thresholds)."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nn_ops import assert_close, raises_like_torch, randn, to_ember, torch_grads

import ember
from ember._nn import activation

# name, forward kwargs, which kwargs the backward takes too
CASES = [
    ("relu", {}),
    ("relu6", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 1.5}),
    ("selu", {}),
    ("celu", {"alpha": 0.7}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("silu", {}),
    ("mish", {}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softplus", {}),
    ("softsign", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 1.5}),
    ("hardsigmoid", {}),
    ("hardswish", {}),
    ("logsigmoid", {}),
    ("hardshrink", {"lambd": 1.0}),
    ("softshrink", {"lambd": 1.0}),
    ("tanhshrink", {}),
    ("threshold", {"threshold": 0.5, "value": -2.0}),
]
BREAKS = [0.0, 3.0, -3.0, 6.0, -1.0, 1.0, 0.5, -2.0, 1.5, 2.5]


def _values(dtype, seed):
    x = randn(40, dtype=dtype, seed=seed) * 4
    x[: len(BREAKS)] = torch.tensor(BREAKS, dtype=dtype)
    return x


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name, kw", CASES)
def test_activation_forward_and_backward(name, kw, dtype):
    x = _values(dtype, seed=1)
    fn = getattr(F, name)
    out, grads, go = torch_grads(lambda x: fn(x, **kw), [x])
    assert_close(getattr(activation, name)(to_ember(x), **kw), out)
    bkw = {k: v for k, v in kw.items() if k != "value"}
    got = getattr(activation, name + "_backward")(to_ember(go), to_ember(x), **bkw)
    # PyTorch computes celu's 1/alpha and hardsigmoid's 1/6 in float32
    tol = (1e-6, 1e-7) if dtype == torch.float64 and name in ("celu", "hardsigmoid") else None
    assert_close(got, grads[0], tol=tol)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(CASES), st.integers(0, 2**16), st.sampled_from([1.0, 10.0, 40.0]))
def test_activation_random_ranges(case, seed, scale):
    name, kw = case
    x = randn(3, 7, seed=seed) * scale
    out, grads, go = torch_grads(lambda x: getattr(F, name)(x, **kw), [x])
    assert_close(getattr(activation, name)(to_ember(x), **kw), out)
    bkw = {k: v for k, v in kw.items() if k != "value"}
    assert_close(getattr(activation, name + "_backward")(to_ember(go), to_ember(x), **bkw), grads[0])


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sigmoid_tanh_backward_from_output(name):
    x = _values(torch.float64, seed=2)
    out, grads, go = torch_grads(getattr(torch, name), [x])
    y = getattr(activation, name)(to_ember(x))
    assert_close(y, out)
    assert_close(getattr(activation, name + "_backward")(to_ember(go), y), grads[0])


@pytest.mark.parametrize("channels", [1, 3])
def test_prelu_forward_and_backward(channels):
    x, w = randn(2, 3, 4, dtype=torch.float64, seed=3), torch.rand(channels, dtype=torch.float64)
    out, grads, go = torch_grads(F.prelu, [x, w])
    assert_close(activation.prelu(to_ember(x), to_ember(w)), out)
    for got, want in zip(activation.prelu_backward(to_ember(go), to_ember(x), to_ember(w)), grads):
        assert_close(got, want)


def test_glu_forward_and_backward():
    x = randn(2, 4, 3, dtype=torch.float64, seed=4)
    out, grads, go = torch_grads(lambda x: F.glu(x, 1), [x])
    assert_close(activation.glu(to_ember(x), 1), out)
    assert_close(activation.glu_backward(to_ember(go), to_ember(x), 1), grads[0])
    raises_like_torch(lambda: activation.glu(to_ember(x), 2), lambda: F.glu(x, 2), "Halving dimension must be even")


def test_rrelu_eval_training_and_backward():
    x = _values(torch.float32, seed=5)
    assert_close(activation.rrelu(to_ember(x)), F.rrelu(x), tol=(1e-6, 1e-7))
    out, noise = activation.rrelu_with_noise(to_ember(x), 0.1, 0.3, training=True)
    neg = (to_ember(x) <= 0).numpy()  # PyTorch draws a slope for 0 too
    slopes = noise.numpy()[neg]
    assert ((slopes >= 0.1) & (slopes <= 0.3)).all() and (noise.numpy()[~neg] == 1).all()
    go = to_ember(randn(40, seed=6))
    assert_close(activation.rrelu_backward(go, noise), torch.from_numpy((go * noise).numpy()))


def test_inplace_writes_input_and_half_rounds_once():
    x = to_ember(_values(torch.float32, seed=7))
    y = activation.silu(x, inplace=True)
    assert y is x
    assert_close(x, F.silu(_values(torch.float32, seed=7)))
    h = _values(torch.float32, seed=8).half()
    assert_close(activation.gelu(to_ember(h)), F.gelu(h))
    assert_close(activation.mish(to_ember(h).bfloat16()), F.mish(h.bfloat16()))


def test_activation_errors_match_torch():
    x = randn(3)
    raises_like_torch(
        lambda: activation.gelu(to_ember(x), approximate="foo"),
        lambda: F.gelu(x, approximate="foo"),
        "approximate argument must be either none or tanh",
    )
    raises_like_torch(
        lambda: activation.softshrink(to_ember(x), -1.0), lambda: F.softshrink(x, -1.0), "lambda must be greater"
    )
    raises_like_torch(
        lambda: activation.softplus(ember.arange(3), 2), lambda: F.softplus(torch.arange(3), 2), "not implemented"
    )
    w = torch.rand(2)
    xx = randn(2, 3, 4)
    raises_like_torch(
        lambda: activation.prelu(to_ember(xx), to_ember(w)), lambda: F.prelu(xx, w), "Mismatch of parameter numbers"
    )
