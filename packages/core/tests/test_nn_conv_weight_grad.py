# SPDX-License-Identifier: BSD-3-Clause
"""The fused convolution weight gradient (patch matrices built per image,
summed per fixed part of the batch) against PyTorch, and the same bits
whatever the thread count."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from test_nn_ops import assert_close, randn, to_ember, torch_grads

import ember
from ember import _C
from ember._nn import conv

DTYPES = {"float32": torch.float32, "float64": torch.float64}

# (x shape, weight shape, conv2d keywords): batches of 1, of fewer images
# than parts, not divisible by the thread count, and more than 8 parts' worth
CASES = [
    ((1, 4, 9, 11), (6, 4, 3, 3), {"padding": 1}),
    ((3, 6, 10, 10), (4, 3, 3, 2), {"stride": 2, "padding": (1, 0), "groups": 2}),
    ((11, 3, 8, 7), (5, 3, 2, 3), {"dilation": (2, 1), "padding": 2}),
    ((20, 2, 6, 6), (3, 2, 3, 3), {"stride": (1, 2)}),
    ((9, 4, 10, 10), (8, 2, 3, 3), {"padding": 1, "groups": 2}),
    # outputs as wide as the input: im2col's one-copy-per-row path
    ((4, 3, 12, 9), (5, 3, 3, 3), {"padding": 2, "dilation": 2}),
    ((2, 2, 5, 5), (3, 2, 5, 5), {"padding": "same"}),
    ((2, 2, 4, 6), (3, 2, 4, 2), {"padding": "same"}),
]


def _params(w_shape, kw):
    """im2col's window [kh, kw, sh, sw, ph, pw, dh, dw] for conv2d's keywords."""
    k = w_shape[2:]
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    s, d = pair(kw.get("stride", 1)), pair(kw.get("dilation", 1))
    p = kw.get("padding", 0)
    # 'same': PyTorch's odd extra pad goes at the end, where im2col reads zeros anyway
    p = tuple(di * (ki - 1) // 2 for di, ki in zip(d, k)) if p == "same" else pair(p)
    return [*k, *s, *p, *d]


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_weight_grad_matches_torch_with_any_thread_count(case, dtype):
    x_shape, w_shape, kw = case
    dt = DTYPES[dtype]
    x, w = randn(*x_shape, dtype=dt, seed=1), randn(*w_shape, dtype=dt, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'same' with an even kernel: torch warns about a copy
        _, grads, go = torch_grads(lambda x, w: F.conv2d(x, w, **kw), [x, w])
    before = ember.get_num_threads()
    got = []
    try:
        for threads in (1, 2, 3):
            ember.set_num_threads(threads)
            gw = _C.conv2d_weight_grad(to_ember(go), to_ember(x), _params(w_shape, kw), kw.get("groups", 1))
            assert_close(gw, grads[1], scale=10)
            got.append(gw.numpy())
    finally:
        ember.set_num_threads(before)
    assert all(np.array_equal(got[0], g) for g in got[1:])
    # and through conv2d_backward, whichever form it picks
    _, gw, _ = conv.conv2d_backward(to_ember(go), to_ember(x), to_ember(w), **kw, output_mask=(False, True, False))
    assert_close(gw, grads[1], scale=10)


def test_weight_grad_rejects_bad_arguments():
    go, x = ember.zeros(2, 4, 6, 6), ember.zeros(2, 3, 8, 8)
    params = [3, 3, 1, 1, 0, 0, 1, 1]
    with pytest.raises(RuntimeError, match="groups"):
        _C.conv2d_weight_grad(go, x, params, 2)
    with pytest.raises(RuntimeError, match="float32 or float64"):
        _C.conv2d_weight_grad(go.int(), x.int(), params, 1)
    with pytest.raises(RuntimeError, match="window"):
        _C.conv2d_weight_grad(go, x, [3, 3, 0, 1, 0, 0, 1, 1], 1)


def test_weight_grad_of_an_empty_batch_is_zero():
    gw = _C.conv2d_weight_grad(ember.zeros(0, 4, 8, 8), ember.zeros(0, 3, 10, 10), [3, 3, 1, 1, 0, 0, 1, 1], 1)
    assert tuple(gw.shape) == (4, 3, 3, 3) and (gw.numpy() == 0).all()
