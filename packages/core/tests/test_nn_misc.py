# SPDX-License-Identifier: BSD-3-Clause
"""Embedding, one_hot, dropout, scaled dot-product attention, interpolate,
unfold/fold, pixel/channel shuffle and pad, with their gradients, against
PyTorch."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from test_nn_ops import assert_close, raises_like_torch, randn, to_ember, to_numpy, torch_grads

import ember
from ember._nn import attention, dropout, embedding, sampling


# ---- embedding / one_hot ----------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 2, -8])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_forward_and_backward(padding_idx, scale_grad_by_freq):
    w = randn(10, 4, dtype=torch.float64, seed=1)
    idx = torch.tensor([[2, 2, 5, 9], [0, 2, 1, 1], [7, 3, 3, 3]])
    kw = {"padding_idx": padding_idx, "scale_grad_by_freq": scale_grad_by_freq}
    out, grads, go = torch_grads(lambda w: F.embedding(idx, w, **kw), [w])
    assert_close(embedding.embedding(to_ember(idx), to_ember(w), **kw), out)
    assert_close(embedding.embedding_backward(to_ember(go), to_ember(idx), 10, **kw), grads[0])


def test_embedding_max_norm_renormalizes_in_place_and_int32_indices():
    w = randn(10, 4, seed=2) * 3
    ew = to_ember(w)
    idx = torch.tensor([1, 4, 4, 7])
    want = F.embedding(idx, w, max_norm=1.5)
    assert_close(embedding.embedding(to_ember(idx), ew, max_norm=1.5), want)
    assert_close(ew, w)  # torch renormalized its weight too
    assert_close(embedding.embedding(to_ember(idx.int()), ew), F.embedding(idx.int(), w))


def test_embedding_errors_match_torch():
    w = randn(5, 3)
    for bad in (torch.tensor([5]), torch.tensor([-1])):
        raises_like_torch(
            lambda bad=bad: embedding.embedding(to_ember(bad), to_ember(w)),
            lambda bad=bad: F.embedding(bad, w),
            "index out of range in self",
        )
    raises_like_torch(
        lambda: embedding.embedding(ember.tensor([1.0]), to_ember(w)),
        lambda: F.embedding(torch.tensor([1.0]), w),
        "Expected tensor for argument #1 'indices'",
    )
    raises_like_torch(
        lambda: embedding.embedding(ember.tensor([1]), to_ember(w), padding_idx=7),
        lambda: F.embedding(torch.tensor([1]), w, padding_idx=7),
        "Padding_idx must be within num_embeddings",
    )


@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot(num_classes):
    t = torch.tensor([[0, 3], [2, 4]])
    got = embedding.one_hot(to_ember(t), num_classes)
    assert got.dtype == ember.int64
    assert got.tolist() == F.one_hot(t, num_classes).tolist()


def test_one_hot_errors_match_torch():
    for t, n, match in [
        (torch.tensor([-1]), 3, "non-negative"),
        (torch.tensor([3]), 3, "smaller than num_classes"),
        (torch.tensor([1.0]), 3, "LongTensor"),
        (torch.tensor([1], dtype=torch.int32), 3, "LongTensor"),
    ]:
        raises_like_torch(lambda t=t, n=n: embedding.one_hot(to_ember(t), n), lambda t=t, n=n: F.one_hot(t, n), match)


# ---- dropout ---------------------------------------------------------------------------
def test_dropout_mask_scale_and_backward():
    x = to_ember(randn(200, 50, seed=3))
    out, mask = dropout.native_dropout(x, 0.3, True)
    assert mask.dtype == ember.bool
    keep = to_numpy(mask)
    assert 0.65 < keep.mean() < 0.75
    np.testing.assert_allclose(to_numpy(out), np.where(keep, to_numpy(x) / 0.7, 0), rtol=1e-6)
    g = to_ember(randn(200, 50, seed=4))
    np.testing.assert_allclose(
        to_numpy(dropout.dropout_backward(g, mask, 0.3)), np.where(keep, to_numpy(g) / 0.7, 0), rtol=1e-6
    )
    # eval and p=0 are the identity; p=1 zeroes everything
    assert dropout.dropout(x, 0.5, training=False) is x
    assert dropout.native_dropout(x, 0.0, True) == (x, None)
    assert float(dropout.dropout(x, 1.0).abs().sum()) == 0.0
    raises_like_torch(lambda: dropout.dropout(x, 1.5), lambda: F.dropout(torch.ones(3), 1.5), "between 0 and 1")


def test_dropout_seeded_is_reproducible_and_inplace():
    x = to_ember(randn(100, seed=5))
    ember.manual_seed(3)
    a = dropout.dropout(x, 0.5)
    ember.manual_seed(3)
    b = dropout.dropout(x.clone(), 0.5, inplace=True)
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize(
    "dims, shape", [(1, (4, 6, 5)), (1, (6, 5)), (2, (4, 6, 3, 3)), (3, (2, 6, 2, 2, 2)), (3, (6, 2, 2, 2))]
)
def test_feature_dropout_zeroes_whole_channels(dims, shape):
    x = to_ember(randn(*shape, seed=6).abs() + 1)
    out = getattr(dropout, f"dropout{dims}d")(x, 0.5)
    assert tuple(out.shape) == shape
    per_channel = to_numpy(out).reshape(*shape[: len(shape) - dims], -1)
    zero = (per_channel == 0).all(-1)
    nonzero = (per_channel != 0).all(-1)
    assert (zero | nonzero).all() and zero.any() and nonzero.any()


def test_feature_dropout_dims_like_torch():
    raises_like_torch(
        lambda: dropout.dropout1d(to_ember(randn(3)), 0.5), lambda: F.dropout1d(randn(3), 0.5), "Expected 2D or 3D"
    )
    with pytest.warns(UserWarning, match="interpreted as shape"):
        out = dropout.dropout2d(to_ember(randn(8, 6, 5).abs() + 1), 0.5)
    per_channel = to_numpy(out)  # (N, C, L): whole rows of L zeroed
    assert ((per_channel == 0).all(-1) | (per_channel != 0).all(-1)).all()
    with pytest.warns(UserWarning, match="deprecated"):
        dropout.dropout3d(to_ember(randn(3, 4)), 0.5)
    mask_out, mask = dropout.native_feature_dropout(to_ember(randn(4, 5, 3)), 0.5, True)
    assert tuple(mask.shape) == (4, 5, 1)
    g = to_ember(randn(4, 5, 3, seed=9))
    np.testing.assert_allclose(
        to_numpy(dropout.feature_dropout_backward(g, mask, 0.5)), to_numpy(g) * to_numpy(mask) * 2, rtol=1e-6
    )


def test_alpha_dropout_keeps_mean_and_variance():
    x = to_ember(randn(200000, seed=7))
    out, mask, a = dropout.native_alpha_dropout(x, 0.2, True)
    assert abs(float(out.mean())) < 0.02 and abs(float(out.std()) - 1) < 0.02
    g = to_ember(randn(200000, seed=8))
    np.testing.assert_allclose(to_numpy(dropout.alpha_dropout_backward(g, mask, a)), to_numpy(g * mask) * a, rtol=1e-6)
    assert dropout.alpha_dropout(x, 0.2) is x


# ---- attention -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "q_shape, k_shape, v_shape, mask, causal, scale",
    [
        ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), None, False, None),
        ((2, 3, 5, 8), (2, 3, 5, 8), (2, 3, 5, 8), None, True, 0.3),
        ((2, 4, 8), (2, 6, 8), (2, 6, 3), "bool", False, None),
        ((2, 4, 8), (2, 6, 8), (2, 6, 3), "float", False, None),
        ((4, 8), (1, 6, 8), (1, 6, 3), None, False, None),
        ((2, 6, 8), (2, 4, 8), (2, 4, 8), None, True, None),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_scaled_dot_product_attention(q_shape, k_shape, v_shape, mask, causal, scale, dtype):
    gen = torch.Generator().manual_seed(9)
    q, k, v = (torch.randn(*s, dtype=dtype, generator=gen) for s in (q_shape, k_shape, v_shape))
    m = None
    if mask == "bool":
        m = torch.rand(q_shape[-2], k_shape[-2], generator=gen) > 0.3
        m[:, 0] = True
    elif mask == "float":
        m = torch.randn(q_shape[-2], k_shape[-2], dtype=dtype, generator=gen)
    kw = {"is_causal": causal, "scale": scale}
    out, grads, go = torch_grads(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, m, **kw), [q, k, v])
    got, attn, drop = attention.native_scaled_dot_product_attention(
        to_ember(q), to_ember(k), to_ember(v), None if m is None else to_ember(m), **kw
    )
    assert_close(got, out)
    ge = attention.scaled_dot_product_attention_backward(
        to_ember(go), to_ember(q), to_ember(k), to_ember(v), attn, drop, scale=scale
    )
    for g, want in zip(ge, grads):
        assert_close(g, want, scale=4)


def test_scaled_dot_product_attention_dropout_backward():
    q, k, v = (
        randn(2, 4, 8, dtype=torch.float64, seed=10),
        randn(2, 6, 8, dtype=torch.float64, seed=11),
        randn(2, 6, 3, dtype=torch.float64, seed=12),
    )
    out, attn, keep = attention.native_scaled_dot_product_attention(
        to_ember(q), to_ember(k), to_ember(v), dropout_p=0.4
    )
    mask = torch.from_numpy(to_numpy(keep))

    def manual(q, k, v):
        return (torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(8), -1) * mask / 0.6) @ v

    want, grads, go = torch_grads(manual, [q, k, v])
    assert_close(out, want)
    got = attention.scaled_dot_product_attention_backward(
        to_ember(go), to_ember(q), to_ember(k), to_ember(v), attn, keep, 0.4
    )
    for g, w in zip(got, grads):
        assert_close(g, w)


def test_scaled_dot_product_attention_errors():
    q, k, v = randn(2, 3, 4), randn(2, 5, 3), randn(2, 5, 4)
    with pytest.raises(RuntimeError, match="query's last dim"):
        attention.scaled_dot_product_attention(to_ember(q), to_ember(k), to_ember(v))
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        attention.scaled_dot_product_attention(
            to_ember(q), to_ember(q), to_ember(q), ember.ones(3, 3) > 0, is_causal=True
        )


# ---- interpolate ---------------------------------------------------------------------------
INTERP = [
    ((2, 3, 5, 7), {"size": (8, 4)}),
    ((2, 3, 5, 7), {"scale_factor": 2}),
    ((2, 3, 5, 7), {"scale_factor": (1.7, 0.6)}),
    ((1, 2, 4, 4), {"size": 3}),
    ((2, 3, 9), {"size": 5}),
    ((2, 3, 9), {"scale_factor": 2.5, "recompute_scale_factor": True}),
]


def _interp_cases():
    for shape, kw in INTERP:
        modes = ["nearest", "nearest-exact", "bilinear" if len(shape) == 4 else "linear"]
        if "size" in kw:
            modes.append("area")
        for mode in modes:
            for align_corners in [False, True] if "linear" in mode else [None]:
                yield shape, kw, mode, align_corners


@pytest.mark.parametrize("shape, kw, mode, align_corners", list(_interp_cases()))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_interpolate_forward_and_backward(shape, kw, mode, align_corners, dtype):
    x = randn(*shape, dtype=dtype, seed=13)
    full = dict(kw, mode=mode, align_corners=align_corners)
    out, grads, go = torch_grads(lambda x: F.interpolate(x, **full), [x])
    assert_close(sampling.interpolate(to_ember(x), **full), out)
    assert_close(sampling.interpolate_backward(to_ember(go), x.shape, **full), grads[0])


def test_interpolate_errors_match_torch():
    x = randn(1, 1, 4, 4)
    for kw, match in [
        ({"size": 3, "scale_factor": 2}, "only one of size or scale_factor"),
        ({}, "either size or scale_factor"),
        ({"size": 3, "align_corners": True}, "align_corners option can only be set"),
    ]:
        raises_like_torch(
            lambda kw=kw: sampling.interpolate(to_ember(x), **kw), lambda kw=kw: F.interpolate(x, **kw), match
        )


# ---- unfold / fold / shuffles / pad ----------------------------------------------------------
@pytest.mark.parametrize(
    "kw", [{"kernel_size": 2}, {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}]
)
def test_unfold_fold_forward_and_backward(kw):
    x = randn(2, 3, 7, 6, dtype=torch.float64, seed=14)
    out, grads, go = torch_grads(lambda x: F.unfold(x, **kw), [x])
    assert_close(sampling.unfold(to_ember(x), **kw), out)
    assert_close(sampling.unfold_backward(to_ember(go), x.shape, **kw), grads[0])
    cols = out.clone()
    out, grads, go = torch_grads(lambda c: F.fold(c, (7, 6), **kw), [cols])
    assert_close(sampling.fold(to_ember(cols), (7, 6), **kw), out)
    assert_close(sampling.fold_backward(to_ember(go), **kw), grads[0])
    assert_close(sampling.unfold(to_ember(x[0]), **kw), F.unfold(x[0], **kw))


def test_unfold_fold_errors_match_torch():
    raises_like_torch(
        lambda: sampling.fold(to_ember(randn(1, 12, 8)), (4, 4), 2),
        lambda: F.fold(randn(1, 12, 8), (4, 4), 2),
        "calculated number of sliding blocks",
    )
    raises_like_torch(
        lambda: sampling.unfold(to_ember(randn(1, 1, 2, 2)), 3),
        lambda: F.unfold(randn(1, 1, 2, 2), 3),
        "must be at least one",
    )


def test_pixel_and_channel_shuffle():
    x = randn(2, 8, 3, 4, seed=15)
    assert_close(sampling.pixel_shuffle(to_ember(x), 2), F.pixel_shuffle(x, 2))
    assert_close(sampling.pixel_unshuffle(to_ember(x), 1), F.pixel_unshuffle(x, 1))
    y = randn(2, 3, 4, 6, seed=16)
    assert_close(sampling.pixel_unshuffle(to_ember(y), 2), F.pixel_unshuffle(y, 2))
    out, grads, go = torch_grads(lambda x: F.pixel_shuffle(x, 2), [x])
    assert_close(sampling.pixel_shuffle_backward(to_ember(go), 2), grads[0])
    out, grads, go = torch_grads(lambda x: F.channel_shuffle(x, 4), [x])
    assert_close(sampling.channel_shuffle(to_ember(x), 4), out)
    assert_close(sampling.channel_shuffle_backward(to_ember(go), 4), grads[0])
    raises_like_torch(
        lambda: sampling.pixel_shuffle(to_ember(randn(1, 5, 2, 2)), 2),
        lambda: F.pixel_shuffle(randn(1, 5, 2, 2), 2),
        "divisible by the square of upscale_factor",
    )


@pytest.mark.parametrize(
    "mode, pad, shape",
    [
        ("constant", (1, 2), (2, 3, 4)),
        ("constant", (2, 1, 1, 0), (2, 3, 4, 5)),
        ("constant", (-1, 2, 1, -2), (2, 3, 4, 5)),
        ("constant", (1, 1, 2, 2, 0, 1), (2, 3, 4, 5)),
        ("reflect", (2, 1), (2, 3, 4)),
        ("reflect", (2, 1, 1, 3), (2, 3, 4, 5)),
        ("replicate", (2, 1, 1, 3), (2, 3, 4, 5)),
        ("replicate", (1, 1, 2, 2, 0, 1), (2, 3, 4, 5, 3)),
        ("circular", (2, 1, 1, 0), (2, 3, 4, 5)),
    ],
)
def test_pad_forward_and_backward(mode, pad, shape):
    x = randn(*shape, dtype=torch.float64, seed=17)
    value = 1.5 if mode == "constant" else None
    out, grads, go = torch_grads(lambda x: F.pad(x, pad, mode, value), [x])
    assert_close(sampling.pad(to_ember(x), pad, mode, value), out)
    assert_close(sampling.pad_backward(to_ember(go), x.shape, pad, mode), grads[0])


def test_pad_errors_match_torch():
    x = randn(1, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like_torch(
            lambda: sampling.pad(to_ember(x), (3, 3), "reflect"),
            lambda: F.pad(x, (3, 3), "reflect"),
            "Padding size should be less than the corresponding input dimension",
        )
        raises_like_torch(lambda: sampling.pad(to_ember(x), (1,)), lambda: F.pad(x, (1,)), "divisible by 2")
