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


def reference_forward(xp, h0, c0, w, reverse):
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


def reference_backward(xp, h0, c0, w, reverse, d_out, d_hn, d_cn):
    steps, hidden = xp.shape[0], h0.shape[1]
    out, _, _, cs, acts = reference_forward(xp, h0, c0, w, reverse)
    d_xp = np.zeros_like(xp)
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


def _case(rng, steps, batch, hidden, dtype):
    xp = rng.standard_normal((steps, batch, 4 * hidden))
    h0, c0 = rng.standard_normal((batch, hidden)), rng.standard_normal((batch, hidden))
    w = rng.standard_normal((4 * hidden, hidden)) / np.sqrt(hidden)
    return [a.astype(dtype) for a in (xp, h0, c0, w)]


SIZES = [(5, 3, 8), (7, 4, 100), (4, 1, 130), (3, 20, 64), (0, 2, 5), (2, 2, 1)]
TOL = {"float64": 1e-12, "float32": 2e-5}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("steps,batch,hidden", SIZES)
def test_forward_and_backward_match_the_step_by_step_reference(steps, batch, hidden, reverse, dtype):
    rng = np.random.default_rng(steps * 1000 + hidden)
    xp, h0, c0, w = _case(rng, steps, batch, hidden, dtype)
    out, h_n, c_n, gates, cs = _C.lstm_layer(*(ember.from_numpy(a) for a in (xp, h0, c0, w)), reverse)
    want_out, want_h, want_c, want_cs, _ = reference_forward(*(a.astype("float64") for a in (xp, h0, c0, w)), reverse)
    tol = TOL[dtype]
    for got, want in ((out, want_out), (h_n, want_h), (c_n, want_c), (cs, want_cs)):
        assert got.dtype.name == dtype
        np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol)
    d_out = rng.standard_normal(want_out.shape).astype(dtype)
    d_hn, d_cn = rng.standard_normal(h0.shape).astype(dtype), rng.standard_normal(h0.shape).astype(dtype)
    d_xp, dh0, dc0 = _C.lstm_layer_backward(
        ember.from_numpy(d_out), ember.from_numpy(d_hn), ember.from_numpy(d_cn), gates, cs,
        ember.from_numpy(c0), ember.from_numpy(w), reverse,
    )  # fmt: skip
    wants = reference_backward(*(a.astype("float64") for a in (xp, h0, c0, w, )), reverse,
                               *(a.astype("float64") for a in (d_out, d_hn, d_cn)))  # fmt: skip
    for got, want in zip((d_xp, dh0, dc0), wants):
        np.testing.assert_allclose(got.numpy(), want, rtol=10 * tol, atol=10 * tol)


def test_missing_gradients_count_as_zero():
    rng = np.random.default_rng(1)
    xp, h0, c0, w = (ember.from_numpy(a) for a in _case(rng, 4, 2, 6, "float64"))
    out, h_n, c_n, gates, cs = _C.lstm_layer(xp, h0, c0, w, False)
    zeros_out, zeros_state = ember.zeros_like(out), ember.zeros_like(h_n)
    only_out = _C.lstm_layer_backward(ember.ones_like(out), None, None, gates, cs, c0, w, False)
    explicit = _C.lstm_layer_backward(ember.ones_like(out), zeros_state, zeros_state, gates, cs, c0, w, False)
    for a, b in zip(only_out, explicit):
        assert np.array_equal(a.numpy(), b.numpy())
    nothing = _C.lstm_layer_backward(None, None, None, gates, cs, c0, w, False)
    assert all(not g.numpy().any() for g in nothing)
    assert zeros_out.shape == out.shape


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(2)
    args = [ember.from_numpy(a) for a in _case(rng, 6, 20, 150, "float32")]
    threads = ember.get_num_threads()
    try:
        results = []
        for n in (1, 2):
            ember.set_num_threads(n)
            out, h_n, c_n, gates, cs = _C.lstm_layer(*args, True)
            back = _C.lstm_layer_backward(ember.ones_like(out), h_n, c_n, gates, cs, args[2], args[3], True)
            results.append([t.numpy() for t in (out, h_n, c_n, *back)])
    finally:
        ember.set_num_threads(threads)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_non_contiguous_inputs_and_the_python_front():
    rng = np.random.default_rng(3)
    xp, h0, c0, w = _case(rng, 3, 2, 5, "float64")
    x_t = ember.from_numpy(np.ascontiguousarray(xp.transpose(1, 0, 2))).transpose(0, 1)  # a strided view
    w_t = ember.from_numpy(np.ascontiguousarray(w.T)).t()
    out, h_n, c_n = lstm_layer(x_t, ember.from_numpy(h0), ember.from_numpy(c0), w_t)
    want_out, want_h, want_c, _, _ = reference_forward(xp, h0, c0, w, False)
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-12)
    np.testing.assert_allclose(c_n.numpy(), want_c, rtol=1e-12)


def test_bad_shapes_and_dtypes_raise_with_the_shapes():
    xp, h0, c0, w = ember.zeros(3, 2, 8), ember.zeros(2, 2), ember.zeros(2, 2), ember.zeros(8, 2)
    with pytest.raises(RuntimeError, match=r"expected h0 of shape \[2, 2\].*float32\[3, 2\]"):
        _C.lstm_layer(xp, ember.zeros(3, 2), c0, w, False)
    with pytest.raises(RuntimeError, match=r"4 \* hidden"):
        _C.lstm_layer(ember.zeros(3, 2, 7), h0, c0, w, False)
    with pytest.raises(RuntimeError, match=r"w_hh of shape \[8, 2\]"):
        _C.lstm_layer(xp, h0, c0, ember.zeros(2, 8), False)
    with pytest.raises(RuntimeError, match="float32 or float64"):
        _C.lstm_layer(xp.to(ember.float16), h0, c0, w, False)
    with pytest.raises(RuntimeError, match="dtype float32"):
        _C.lstm_layer(xp, h0.double(), c0, w, False)
    out, h_n, c_n, gates, cs = _C.lstm_layer(xp, h0, c0, w, False)
    with pytest.raises(RuntimeError, match=r"grad of out of shape \[3, 2, 2\]"):
        _C.lstm_layer_backward(ember.zeros(3, 2), None, None, gates, cs, c0, w, False)
    with pytest.raises(RuntimeError, match="do not belong to one LSTM layer"):
        _C.lstm_layer_backward(None, None, None, gates, cs[:2], c0, w, False)
