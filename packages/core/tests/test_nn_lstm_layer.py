# SPDX-License-Identifier: BSD-3-Clause
"""The fused LSTM layer (Note [Fused LSTM layer]) against a numpy
step-by-step reference, forward and backward: both directions, hidden sizes
that are and are not whole blocks of units, batches of one, empty sequences,
one and two threads, and its errors."""

import numpy as np
import pytest

import ember
from ember import _C
from ember._nn.recurrent import lstm_layer


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_forward(x, w_ih, b, h0, c0, w, reverse):
    xp = x @ w_ih.T + (0 if b is None else b)
    steps, hidden = xp.shape[0], h0.shape[1]
    h, c = h0, c0
    out, cs, acts = np.zeros((steps, *h0.shape)), np.zeros((steps, *h0.shape)), [None] * steps
    for t in reversed(range(steps)) if reverse else range(steps):
        z = xp[t] + h @ w.T
        i, f, g, o = (_sigmoid(z[:, :hidden]), _sigmoid(z[:, hidden : 2 * hidden]),
                      np.tanh(z[:, 2 * hidden : 3 * hidden]), _sigmoid(z[:, 3 * hidden :]))  # fmt: skip
        c = f * c + i * g
        h = o * np.tanh(c)
        out[t], cs[t], acts[t] = h, c, (i, f, g, o)
    return out, h, c, cs, acts


def reference_backward(x, w_ih, b, h0, c0, w, reverse, d_out, d_hn, d_cn):
    steps, hidden = x.shape[0], h0.shape[1]
    out, _, _, cs, acts = reference_forward(x, w_ih, b, h0, c0, w, reverse)
    d_xp = np.zeros((steps, x.shape[1], 4 * hidden))
    dh_next, dc = d_hn.copy(), d_cn.copy()
    order = list(range(steps)) if reverse else list(reversed(range(steps)))
    for k, t in enumerate(order):
        i, f, g, o = acts[t]
        prev = order[k + 1] if k + 1 < steps else None
        c_prev = cs[prev] if prev is not None else c0
        dh = d_out[t] + dh_next
        tc = np.tanh(cs[t])
        dc = dc + dh * o * (1 - tc * tc)
        d_gates = np.concatenate(
            [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tc * o * (1 - o)], 1
        )
        d_xp[t] = d_gates
        dc = dc * f
        dh_next = d_gates @ w
    return d_xp, dh_next, dc


def _case(rng, steps, batch, hidden, dtype, inputs=3, bias=True):
    x = rng.standard_normal((steps, batch, inputs))
    w_ih = rng.standard_normal((4 * hidden, inputs)) / np.sqrt(inputs)
    b = rng.standard_normal(4 * hidden) if bias else None
    h0, c0 = rng.standard_normal((batch, hidden)), rng.standard_normal((batch, hidden))
    w = rng.standard_normal((4 * hidden, hidden)) / np.sqrt(hidden)
    return [None if a is None else a.astype(dtype) for a in (x, w_ih, b, h0, c0, w)]


def _ember(arrays):
    return [None if a is None else ember.from_numpy(np.ascontiguousarray(a)) for a in arrays]


def _f64(arrays):
    return [None if a is None else a.astype("float64") for a in arrays]


SIZES = [(5, 3, 8), (7, 4, 100), (4, 1, 130), (3, 20, 64), (0, 2, 5), (2, 2, 1)]
TOL = {"float64": 1e-12, "float32": 2e-5}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("steps,batch,hidden", SIZES)
def test_forward_and_backward_match_the_step_by_step_reference(steps, batch, hidden, reverse, dtype):
    rng = np.random.default_rng(steps * 1000 + hidden)
    args = _case(rng, steps, batch, hidden, dtype, bias=hidden != 8)
    out, h_n, c_n, gates, cs = _C.lstm_layer(*_ember(args), reverse)
    want_out, want_h, want_c, want_cs, _ = reference_forward(*_f64(args), reverse)
    tol = TOL[dtype]
    for got, want in ((out, want_out), (h_n, want_h), (c_n, want_c), (cs, want_cs)):
        assert got.dtype.name == dtype
        np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)
    d_out = rng.standard_normal(want_out.shape).astype(dtype)
    d_hn, d_cn = rng.standard_normal(want_h.shape).astype(dtype), rng.standard_normal(want_h.shape).astype(dtype)
    *_, c0, w = _ember(args)
    d_gates, dh0, dc0 = _C.lstm_layer_backward(*_ember([d_out, d_hn, d_cn]), gates, cs, c0, w, reverse)
    wants = reference_backward(*_f64(args), reverse, *_f64([d_out, d_hn, d_cn]))
    for got, want in zip((d_gates, dh0, dc0), wants):
        np.testing.assert_allclose(got.numpy(), want, rtol=10 * tol, atol=10 * tol)


def test_the_gradient_of_out_may_have_any_strides():
    rng = np.random.default_rng(4)
    args = _ember(_case(rng, 4, 3, 6, "float64"))
    out, h_n, c_n, gates, cs = _C.lstm_layer(*args, False)
    expanded = ember.ones(1, 1, 6, dtype=ember.float64).expand(4, 3, 6)  # the gradient of out.sum()
    a = _C.lstm_layer_backward(expanded, None, None, gates, cs, args[4], args[5], False)
    b = _C.lstm_layer_backward(expanded.contiguous(), None, None, gates, cs, args[4], args[5], False)
    for x, y in zip(a, b):
        assert np.array_equal(x.numpy(), y.numpy())


def test_missing_gradients_count_as_zero():
    rng = np.random.default_rng(1)
    args = _ember(_case(rng, 4, 2, 6, "float64"))
    c0, w = args[4], args[5]
    out, h_n, c_n, gates, cs = _C.lstm_layer(*args, False)
    zeros_state = ember.zeros_like(h_n)
    only_out = _C.lstm_layer_backward(ember.ones_like(out), None, None, gates, cs, c0, w, False)
    explicit = _C.lstm_layer_backward(ember.ones_like(out), zeros_state, zeros_state, gates, cs, c0, w, False)
    for a, b in zip(only_out, explicit):
        assert np.array_equal(a.numpy(), b.numpy())
    nothing = _C.lstm_layer_backward(None, None, None, gates, cs, c0, w, False)
    assert all(not g.numpy().any() for g in nothing)


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(2)
    args = _ember(_case(rng, 6, 20, 150, "float32", inputs=40))
    threads = ember.get_num_threads()
    try:
        results = []
        for n in (1, 2):
            ember.set_num_threads(n)
            out, h_n, c_n, gates, cs = _C.lstm_layer(*args, True)
            back = _C.lstm_layer_backward(ember.ones_like(out), h_n, c_n, gates, cs, args[4], args[5], True)
            results.append([t.numpy() for t in (out, h_n, c_n, *back)])
    finally:
        ember.set_num_threads(threads)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_non_contiguous_inputs_and_the_python_front():
    rng = np.random.default_rng(3)
    x, w_ih, b, h0, c0, w = _case(rng, 3, 2, 5, "float64")
    x_view = ember.from_numpy(np.ascontiguousarray(x.transpose(1, 0, 2))).transpose(0, 1)  # a strided view
    w_view = ember.from_numpy(np.ascontiguousarray(w.T)).t()
    out, h_n, c_n = lstm_layer(x_view, *_ember([w_ih, b, h0, c0]), w_view)
    want_out, want_h, want_c, _, _ = reference_forward(x, w_ih, b, h0, c0, w, False)
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-12)
    np.testing.assert_allclose(c_n.numpy(), want_c, rtol=1e-12)


def test_bad_shapes_and_dtypes_raise_with_the_shapes():
    x, w_ih, b = ember.zeros(3, 2, 5), ember.zeros(8, 5), ember.zeros(8)
    h0, c0, w = ember.zeros(2, 2), ember.zeros(2, 2), ember.zeros(8, 2)
    with pytest.raises(RuntimeError, match=r"expected h0 of shape \[2, 2\].*float32\[3, 2\]"):
        _C.lstm_layer(x, w_ih, b, ember.zeros(3, 2), c0, w, False)
    with pytest.raises(RuntimeError, match=r"\[steps, batch, input_size\]"):
        _C.lstm_layer(ember.zeros(3, 5), w_ih, b, h0, c0, w, False)
    with pytest.raises(RuntimeError, match=r"w_ih of shape \[8, 5\]"):
        _C.lstm_layer(x, ember.zeros(8, 4), b, h0, c0, w, False)
    with pytest.raises(RuntimeError, match=r"bias of shape \[8\]"):
        _C.lstm_layer(x, w_ih, ember.zeros(4), h0, c0, w, False)
    with pytest.raises(RuntimeError, match=r"w_hh of shape \[4 \* hidden, hidden\]"):
        _C.lstm_layer(x, w_ih, b, h0, c0, ember.zeros(2, 8), False)
    with pytest.raises(RuntimeError, match="float32 or float64"):
        _C.lstm_layer(x.to(ember.float16), w_ih, b, h0, c0, w, False)
    with pytest.raises(RuntimeError, match="dtype float32"):
        _C.lstm_layer(x, w_ih, b, h0.double(), c0, w, False)
    out, h_n, c_n, gates, cs = _C.lstm_layer(x, w_ih, b, h0, c0, w, False)
    with pytest.raises(RuntimeError, match=r"grad of out of shape \[3, 2, 2\]"):
        _C.lstm_layer_backward(ember.zeros(3, 2), None, None, gates, cs, c0, w, False)
    with pytest.raises(RuntimeError, match="do not belong to one LSTM layer"):
        _C.lstm_layer_backward(None, None, None, gates, cs[:2], c0, w, False)
