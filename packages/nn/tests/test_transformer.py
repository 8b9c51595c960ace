# SPDX-License-Identifier: BSD-3-Clause
"""MultiheadAttention and the Transformer modules against PyTorch: the same
weights (copied state_dict), the same inputs and masks; outputs, attention
weights and every gradient compared."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close, load_from_torch, to_ember

import ember
import ember.nn as nn

DT = {torch.float64: ember.float64, torch.float32: ember.float32}
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")

TOL = {torch.float64: {"rtol": 1e-9, "atol": 1e-10}, torch.float32: {"rtol": 2e-4, "atol": 2e-5}}


def _conv(v):
    """torch tensors (in args, kwargs, tuples) -> ember tensors, keeping
    identity, since ``q is k is v`` selects self-attention's packed path."""
    memo = {}

    def one(x):
        if isinstance(x, torch.Tensor):
            if id(x) not in memo:
                e = to_ember(x)
                if x.requires_grad:
                    e.requires_grad_(True)
                memo[id(x)] = (x, e)
            return memo[id(x)][1]
        if isinstance(x, (tuple, list)):
            return type(x)(one(y) for y in x)
        if isinstance(x, dict):
            return {k: one(y) for k, y in x.items()}
        return x

    return one(v), memo


def _pair(tcls, ecls, *args, dtype=torch.float64, seed=0, **kwargs):
    torch.manual_seed(seed)
    tm = tcls(*args, dtype=dtype, **kwargs)
    em = ecls(*args, dtype=DT[dtype], **kwargs)
    load_from_torch(em, tm)
    tm.eval()
    em.eval()
    return tm, em


def _compare(tm, em, args, kwargs=None, dtype=torch.float64):
    """Runs both, compares outputs, then backpropagates a random weighting
    of the first output and compares parameter and input gradients."""
    kwargs = kwargs or {}
    (eargs, ekwargs), memo = _conv((args, kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor/fast-path notices
        tout = tm(*args, **kwargs)
        eout = em(*eargs, **ekwargs)
    tol = TOL[dtype]
    t0 = tout[0] if isinstance(tout, tuple) else tout
    e0 = eout[0] if isinstance(eout, tuple) else eout
    assert_close(eout, tout, **tol)
    g = torch.randn(t0.shape, dtype=t0.dtype)
    (t0 * g).sum().backward()
    (e0 * to_ember(g)).sum().backward()
    tparams = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        tp = tparams[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert p.grad is not None, name
            assert_close(p.grad, tp.grad, **tol)
    for t, e in memo.values():
        if t.requires_grad:
            assert_close(e.grad, t.grad, **tol)
    return tout, eout


def _x(*shape, dtype=torch.float64, grad=True):
    return torch.randn(*shape, dtype=dtype).requires_grad_(grad)


# ---- MultiheadAttention ---------------------------------------------------------------------
def test_parameter_names_and_init():
    torch.manual_seed(0)
    for kw in ({}, {"kdim": 6, "vdim": 10}, {"bias": False, "add_bias_kv": True}):
        t = torch.nn.MultiheadAttention(8, 2, **kw)
        e = nn.MultiheadAttention(8, 2, **kw)
        assert {k: tuple(v.shape) for k, v in e.state_dict().items()} == {
            k: tuple(v.shape) for k, v in t.state_dict().items()
        }
    e = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform over the packed [3E, E]
    w = e.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not np.any(e.in_proj_bias.detach().numpy()) and not np.any(e.out_proj.bias.detach().numpy())
    assert e.bias_k is None and e.q_proj_weight is None
    assert e.head_dim == 16 and e._qkv_same_embed_dim


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(batch_first, need_weights, average):
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 12, 3, batch_first=batch_first)
    x = _x(4, 5, 12)
    _compare(tm, em, (x, x, x), {"need_weights": need_weights, "average_attn_weights": average})


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"bias": False},
        {"add_bias_kv": True},
        {"add_zero_attn": True},
        {"add_bias_kv": True, "add_zero_attn": True},
        {"kdim": 6, "vdim": 10},
        {"kdim": 6, "vdim": 10, "bias": False, "batch_first": True},
    ],
)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_cross_attention_options(kw, need_weights):
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2, **kw)
    bf = kw.get("batch_first", False)
    lq, lk, n = 3, 6, 2
    q = _x(*((n, lq) if bf else (lq, n)), 8)
    k = _x(*((n, lk) if bf else (lk, n)), kw.get("kdim", 8))
    v = _x(*((n, lk) if bf else (lk, n)), kw.get("vdim", 8))
    kpm = torch.tensor([[False] * 5 + [True], [False] * 4 + [True] * 2])
    _compare(tm, em, (q, k, v), {"need_weights": need_weights, "key_padding_mask": kpm})


def _masks(lq, lk, n, heads):
    g = torch.Generator().manual_seed(1)
    bool2 = torch.rand(lq, lk, generator=g) > 0.7
    bool2[:, 0] = False  # every query keeps a key: no all -inf rows
    float2 = torch.randn(lq, lk, generator=g, dtype=torch.float64)
    bool3 = torch.rand(n * heads, lq, lk, generator=g) > 0.6
    bool3[..., 1] = False
    float3 = torch.randn(n * heads, lq, lk, generator=g, dtype=torch.float64)
    kpm_bool = torch.zeros(n, lk, dtype=torch.bool)
    kpm_bool[0, -2:] = True
    kpm_float = torch.zeros(n, lk, dtype=torch.float64)
    kpm_float[1, -1] = float("-inf")
    kpm_float[0, 0] = -0.5
    return {
        "bool2": bool2,
        "float2": float2,
        "bool3": bool3,
        "float3": float3,
        "kpm_bool": kpm_bool,
        "kpm_float": kpm_float,
    }


@pytest.mark.parametrize(
    "attn,kpm",
    [
        ("bool2", None),
        ("float2", None),
        ("bool3", None),
        ("float3", None),
        (None, "kpm_bool"),
        (None, "kpm_float"),
        ("bool2", "kpm_bool"),
        ("float3", "kpm_float"),
    ],
)
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks(attn, kpm, need_weights):
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2)
    m = _masks(4, 5, 3, 2)
    q, k = _x(4, 3, 8), _x(5, 3, 8)
    kwargs = {"need_weights": need_weights, "attn_mask": m.get(attn), "key_padding_mask": m.get(kpm)}
    _compare(tm, em, (q, k, k), kwargs)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [False, True])
def test_mha_is_causal(need_weights, with_kpm):
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 4, batch_first=True)
    x = _x(2, 5, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    kpm = torch.tensor([[False] * 4 + [True], [False] * 5]) if with_kpm else None
    kwargs = {"attn_mask": mask, "is_causal": True, "need_weights": need_weights, "key_padding_mask": kpm}
    _compare(tm, em, (x, x, x), kwargs)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched(need_weights):
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2, batch_first=True)
    q, k = _x(3, 8), _x(5, 8)
    kpm = torch.tensor([False, False, True, False, False])
    mask3 = torch.randn(2, 3, 5, dtype=torch.float64)
    _compare(tm, em, (q, k, k), {"need_weights": need_weights, "key_padding_mask": kpm, "attn_mask": mask3})


def test_mha_float32():
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 16, 4, dtype=torch.float32)
    x = _x(6, 3, 16, dtype=torch.float32)
    mask = torch.rand(6, 6) > 0.8
    mask.fill_diagonal_(False)
    _compare(tm, em, (x, x, x), {"attn_mask": mask}, dtype=torch.float32)


def test_mha_dropout_in_training():
    em = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(4, 2, 8)
    em.eval()
    ref, _ = em(x, x, x)
    em.train()
    ember.manual_seed(0)
    out, w = em(x, x, x, average_attn_weights=False)
    assert not np.allclose(out.detach().numpy(), ref.detach().numpy())
    assert np.any(w.detach().numpy() == 0)  # dropped attention weights
    out.sum().backward()
    assert np.isfinite(em.in_proj_weight.grad.numpy()).all()


def test_mha_mismatched_mask_types_warn():
    em = nn.MultiheadAttention(8, 2)
    x = ember.randn(3, 1, 8)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        em(x, x, x, attn_mask=ember.zeros(3, 3), key_padding_mask=ember.zeros(1, 3, dtype=ember.bool))


def test_mha_errors():
    for mod in (torch.nn, nn):
        with pytest.raises(ValueError):
            mod.MultiheadAttention(0, 2)
        with pytest.raises(AssertionError):
            mod.MultiheadAttention(10, 3)
    tm, em = _pair(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, 2)
    x = torch.randn(4, 2, 8, dtype=torch.float64)
    ex = to_ember(x)
    cases = [
        (RuntimeError, {"attn_mask": torch.zeros(4, 3, dtype=torch.float64)}),  # wrong 2-D size
        (RuntimeError, {"attn_mask": torch.zeros(3, 4, 4, dtype=torch.float64)}),  # wrong 3-D size
        (RuntimeError, {"is_causal": True}),  # the hint needs its mask
        (AssertionError, {"attn_mask": torch.zeros(4, 4, dtype=torch.int64)}),  # neither bool nor float
        (AssertionError, {"key_padding_mask": torch.zeros(2, 3, dtype=torch.bool)}),  # wrong padding length
        (AssertionError, {"key_padding_mask": torch.zeros(2, 4, 1, dtype=torch.bool)}),  # wrong rank
    ]
    for exc, kwargs in cases:
        with pytest.raises(exc):
            tm(x, x, x, **kwargs)
        (ekw,), _ = _conv((kwargs,))
        with pytest.raises(exc):
            em(ex, ex, ex, **ekw)
    for m, t in ((tm, x), (em, ex)):
        with pytest.raises(AssertionError):  # 4-D query
            m(t.unsqueeze(0), t.unsqueeze(0), t.unsqueeze(0))
        with pytest.raises(AssertionError):  # 3-D query, 2-D key
            m(t, t[0], t[0])
        with pytest.raises(AssertionError):  # wrong embedding size
            m(t[..., :6], t[..., :6], t[..., :6])


# ---- encoder / decoder layers and stacks -----------------------------------------------------
LAYER_OPTIONS = [
    {},
    {"norm_first": True},
    {"activation": "gelu", "batch_first": True},
    {"activation": torch.tanh, "bias": False},
    {"layer_norm_eps": 1e-3, "norm_first": True, "batch_first": True},
]


def _activation(kw):
    """The same option for each framework (a callable taken from its own library)."""
    tkw, ekw = dict(kw), dict(kw)
    if kw.get("activation") is torch.tanh:
        ekw["activation"] = ember.tanh
    return tkw, ekw


def _layer_pair(tcls, ecls, kw, dtype=torch.float64, **extra):
    tkw, ekw = _activation(kw)
    torch.manual_seed(0)
    tm = tcls(16, 4, dim_feedforward=24, dropout=0.0, dtype=dtype, **tkw, **extra)
    em = ecls(16, 4, dim_feedforward=24, dropout=0.0, dtype=DT[dtype], **ekw, **extra)
    load_from_torch(em, tm)
    return tm, em


@pytest.mark.parametrize("kw", LAYER_OPTIONS)
def test_encoder_layer(kw):
    tm, em = _layer_pair(torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer, kw)
    bf = kw.get("batch_first", False)
    x = _x(*((2, 6) if bf else (6, 2)), 16)
    m = _masks(6, 6, 2, 4)
    _compare(tm, em, (x,), {"src_mask": m["bool2"], "src_key_padding_mask": m["kpm_bool"]})


def test_encoder_layer_activation_kinds():
    assert nn.TransformerEncoderLayer(8, 2, 16, activation="relu").activation_relu_or_gelu == 1
    assert nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU()).activation_relu_or_gelu == 2
    assert nn.TransformerEncoderLayer(8, 2, 16, activation=ember.tanh).activation_relu_or_gelu == 0
    for mod in (torch.nn, nn):
        with pytest.raises(RuntimeError, match="relu/gelu"):
            mod.TransformerEncoderLayer(8, 2, 16, activation="swish")


@pytest.mark.parametrize("kw", LAYER_OPTIONS[:3])
def test_decoder_layer(kw):
    tm, em = _layer_pair(torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer, kw)
    bf = kw.get("batch_first", False)
    tgt = _x(*((2, 5) if bf else (5, 2)), 16)
    mem = _x(*((2, 7) if bf else (7, 2)), 16)
    m = _masks(5, 7, 2, 4)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    kwargs = {
        "tgt_mask": causal,
        "tgt_is_causal": True,
        "memory_mask": m["float2"],
        "memory_key_padding_mask": m["kpm_bool"],
    }
    _compare(tm, em, (tgt, mem), kwargs)


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_stack(batch_first):
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(16, 4, 24, 0.0, batch_first=batch_first, dtype=torch.float64)
    el = nn.TransformerEncoderLayer(16, 4, 24, 0.0, batch_first=batch_first, dtype=ember.float64)
    tm = torch.nn.TransformerEncoder(tl, 3, norm=torch.nn.LayerNorm(16, dtype=torch.float64))
    em = nn.TransformerEncoder(el, 3, norm=nn.LayerNorm(16, dtype=ember.float64))
    load_from_torch(em, tm)
    # clones are independent copies
    assert em.layers[0].linear1.weight is not em.layers[1].linear1.weight
    x = _x(*((2, 6) if batch_first else (6, 2)), 16)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(6, dtype=torch.float64)
    m = _masks(6, 6, 2, 4)
    _compare(tm, em, (x,), {"mask": causal})  # detected as causal
    tm.zero_grad()
    em.zero_grad()
    _compare(tm, em, (x.detach(),), {"mask": m["bool2"], "src_key_padding_mask": m["kpm_bool"]})


def test_decoder_stack_and_detect_causal():
    torch.manual_seed(0)
    tl = torch.nn.TransformerDecoderLayer(16, 4, 24, 0.0, dtype=torch.float64, norm_first=True)
    el = nn.TransformerDecoderLayer(16, 4, 24, 0.0, dtype=ember.float64, norm_first=True)
    tm, em = torch.nn.TransformerDecoder(tl, 2), nn.TransformerDecoder(el, 2)
    load_from_torch(em, tm)
    tgt, mem = _x(5, 3, 16), _x(4, 3, 16)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    _compare(tm, em, (tgt, mem), {"tgt_mask": causal})
    from ember.nn.modules.transformer import _detect_is_causal_mask

    ecausal = to_ember(causal)
    assert _detect_is_causal_mask(ecausal) and not _detect_is_causal_mask(ecausal * 0)
    assert _detect_is_causal_mask(None, True) and not _detect_is_causal_mask(ecausal, False)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(dtype, batch_first):
    torch.manual_seed(0)
    kw = {"num_encoder_layers": 2, "num_decoder_layers": 2, "dim_feedforward": 24, "dropout": 0.0}
    tm = torch.nn.Transformer(16, 4, batch_first=batch_first, dtype=dtype, **kw)
    em = nn.Transformer(16, 4, batch_first=batch_first, dtype=DT[dtype], **kw)
    assert list(em.state_dict()) == list(tm.state_dict())
    load_from_torch(em, tm)
    shape = (lambda n, s: (n, s)) if batch_first else (lambda n, s: (s, n))
    src = _x(*shape(2, 7), 16, dtype=dtype)
    tgt = _x(*shape(2, 5), 16, dtype=dtype)
    tgt_mask = tm.generate_square_subsequent_mask(5, dtype=dtype)
    kpm = torch.zeros(2, 7, dtype=torch.bool)
    kpm[1, -3:] = True
    kwargs = {"tgt_mask": tgt_mask, "src_key_padding_mask": kpm, "memory_key_padding_mask": kpm}
    _compare(tm, em, (src, tgt), kwargs, dtype=dtype)


def test_transformer_init_and_errors():
    em = nn.Transformer(16, 4, 1, 1, 32)
    for name, p in em.named_parameters():
        if p.dim() > 1:  # xavier_uniform everywhere, including out_proj and the FFN
            fan_out, fan_in = p.shape
            assert np.abs(p.detach().numpy()).max() <= math.sqrt(6 / (fan_in + fan_out)) + 1e-7, name
    tm = torch.nn.Transformer(16, 4, 1, 1, 32)
    for m, mod in ((tm, torch), (em, ember)):
        with pytest.raises(RuntimeError, match="batch number"):
            m(mod.zeros(3, 2, 16), mod.zeros(3, 4, 16))
        with pytest.raises(RuntimeError, match="d_model"):
            m(mod.zeros(3, 2, 8), mod.zeros(3, 2, 8))


def test_generate_square_subsequent_mask():
    e = nn.Transformer.generate_square_subsequent_mask(4)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert e.dtype == ember.float32
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64).dtype == ember.float64


def test_transformer_trains_with_dropout():
    ember.manual_seed(0)
    em = nn.Transformer(8, 2, 1, 1, 16, dropout=0.2, batch_first=True)
    em.train()
    src, tgt = ember.randn(2, 5, 8), ember.randn(2, 4, 8)
    out = em(src, tgt, tgt_mask=em.generate_square_subsequent_mask(4))
    out.pow(2).mean().backward()
    grads = [p.grad for p in em.parameters()]
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)
