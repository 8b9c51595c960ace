# SPDX-License-Identifier: BSD-3-Clause
"""Each layer against PyTorch: same weights, same input; forward, input and
parameter gradients, and the repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close, load_from_torch, to_torch

import ember
import ember.nn as enn

# (name, constructor taking the nn namespace, input shapes, eval mode)
SPECS = [
    ("Identity", lambda nn: nn.Identity(), [(3, 4)]),
    ("Linear", lambda nn: nn.Linear(5, 3), [(4, 5)]),
    ("Linear-3d-nobias", lambda nn: nn.Linear(5, 3, bias=False), [(2, 4, 5)]),
    ("Bilinear", lambda nn: nn.Bilinear(4, 3, 2), [(5, 4), (5, 3)]),
    ("Flatten", lambda nn: nn.Flatten(), [(2, 3, 4)]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    ("Conv1d", lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    ("Conv2d", lambda nn: nn.Conv2d(3, 4, 3, padding=1), [(2, 3, 6, 5)]),
    ("Conv2d-groups", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), dilation=(1, 2), groups=2), [(2, 4, 7, 6)]),
    ("Conv2d-same-reflect", lambda nn: nn.Conv2d(2, 3, 3, padding="same", padding_mode="reflect"), [(1, 2, 5, 5)]),
    ("Conv2d-circular", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", bias=False), [(1, 2, 5, 4)]),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=2), [(2, 3, 5)]),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), [(2, 3, 4, 4)]),
    ("MaxPool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1), [(2, 3, 10)]),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6)]),
    ("MaxPool2d-ceil", lambda nn: nn.MaxPool2d(3, 2, ceil_mode=True), [(1, 2, 7, 6)]),
    ("AvgPool1d", lambda nn: nn.AvgPool1d(3, 2, padding=1), [(2, 3, 9)]),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(2, padding=1, count_include_pad=False), [(2, 3, 5, 5)]),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [(2, 3, 7, 8)]),
    ("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d(3), [(2, 3, 7, 8)]),
    ("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(4), [(2, 3, 9)]),
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(4), [(6, 4)]),
    ("BatchNorm1d-3d", lambda nn: nn.BatchNorm1d(4, momentum=None), [(3, 4, 5)]),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), [(4, 3, 5, 5)]),
    ("BatchNorm2d-noaffine", lambda nn: nn.BatchNorm2d(3, affine=False, track_running_stats=False), [(4, 3, 2, 2)]),
    ("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(3, affine=True), [(2, 3, 4, 4)]),
    ("LayerNorm", lambda nn: nn.LayerNorm((4, 5)), [(3, 4, 5)]),
    ("LayerNorm-nobias", lambda nn: nn.LayerNorm(5, bias=False), [(3, 5)]),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [(3, 4, 5)]),
    ("RMSNorm", lambda nn: nn.RMSNorm(5, eps=1e-6), [(3, 5)]),
    ("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3), [(2, 5, 4, 4)]),
    ("Embedding", lambda nn: nn.Embedding(10, 3, padding_idx=0), ["idx:(4, 5):10"]),
    ("EmbeddingBag-2d", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), ["idx:(4, 5):10"]),
    ("EmbeddingBag-max", lambda nn: nn.EmbeddingBag(10, 3, mode="max"), ["idx:(4, 5):10"]),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2, mode="nearest"), [(1, 2, 3, 3)]),
    ("Upsample-bilinear", lambda nn: nn.Upsample(size=(5, 7), mode="bilinear", align_corners=False), [(1, 2, 3, 3)]),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2), [(1, 8, 3, 3)]),
    ("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), [(1, 2, 4, 6)]),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=1), [(4, 5), (4, 5)]),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(p=3.0), [(4, 5), (4, 5)]),
    ("PReLU", lambda nn: nn.PReLU(3), [(2, 3, 4)]),
    ("Dropout-eval", lambda nn: nn.Dropout(0.3).eval(), [(3, 4)]),
    ("Dropout2d-eval", lambda nn: nn.Dropout2d(0.3).eval(), [(2, 3, 4, 4)]),
]

ACTIVATIONS = [
    ("ReLU", lambda nn: nn.ReLU()),
    ("ReLU6", lambda nn: nn.ReLU6()),
    ("LeakyReLU", lambda nn: nn.LeakyReLU(0.2)),
    ("ELU", lambda nn: nn.ELU(0.7)),
    ("CELU", lambda nn: nn.CELU(1.3)),
    ("SELU", lambda nn: nn.SELU()),
    ("GELU", lambda nn: nn.GELU()),
    ("GELU-tanh", lambda nn: nn.GELU(approximate="tanh")),
    ("SiLU", lambda nn: nn.SiLU()),
    ("Mish", lambda nn: nn.Mish()),
    ("Tanh", lambda nn: nn.Tanh()),
    ("Sigmoid", lambda nn: nn.Sigmoid()),
    ("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.7)),
    ("Hardsigmoid", lambda nn: nn.Hardsigmoid()),
    ("Hardswish", lambda nn: nn.Hardswish()),
    ("Hardshrink", lambda nn: nn.Hardshrink(0.3)),
    ("Softshrink", lambda nn: nn.Softshrink(0.3)),
    ("Tanhshrink", lambda nn: nn.Tanhshrink()),
    ("Softsign", lambda nn: nn.Softsign()),
    ("Softplus", lambda nn: nn.Softplus(beta=2.0, threshold=5.0)),
    ("LogSigmoid", lambda nn: nn.LogSigmoid()),
    ("Threshold", lambda nn: nn.Threshold(0.1, -2.0)),
    ("GLU", lambda nn: nn.GLU(dim=1)),
    ("Softmax", lambda nn: nn.Softmax(dim=1)),
    ("Softmin", lambda nn: nn.Softmin(dim=-1)),
    ("LogSoftmax", lambda nn: nn.LogSoftmax(dim=1)),
    ("Softmax2d", lambda nn: nn.Softmax2d()),
    ("RReLU-eval", lambda nn: nn.RReLU(0.1, 0.3).eval()),
]


def _inputs(shapes, seed):
    g = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if isinstance(s, str):  # "idx:(shape):high" integer indices
            _, shape, high = s.split(":")
            out.append(g.integers(0, int(high), size=eval(shape)).astype(np.int64))
        else:
            out.append(g.standard_normal(s))
    return out


def _check(ctor, shapes, seed=0):
    tm = ctor(torch.nn).double()
    em = ctor(enn).double()
    assert repr(em) == repr(tm)
    load_from_torch(em, tm)
    arrays = _inputs(shapes, seed)
    tx = [torch.tensor(a, requires_grad=a.dtype == np.float64) for a in arrays]
    ex = [ember.tensor(a, requires_grad=a.dtype == np.float64) for a in arrays]
    ty, ey = tm(*tx), em(*ex)
    assert_close(ey, ty, rtol=1e-7, atol=1e-9)
    if not ty.requires_grad:
        return
    w = np.random.default_rng(seed + 1).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (ey * ember.tensor(w)).sum().backward()
    for a, b in zip(ex, tx):
        if b.requires_grad:
            assert_close(a.grad, b.grad, rtol=1e-7, atol=1e-9)
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        assert_close(p.grad, tp[name].grad, rtol=1e-7, atol=1e-9)
    # running statistics (batch norm) follow PyTorch's too
    tb = dict(tm.named_buffers())
    for name, b in em.named_buffers():
        assert_close(b, tb[name])


@pytest.mark.parametrize("name,ctor,shapes", SPECS, ids=[s[0] for s in SPECS])
def test_layer_matches_torch(name, ctor, shapes):
    _check(ctor, shapes)


@pytest.mark.parametrize("name,ctor", ACTIVATIONS, ids=[s[0] for s in ACTIVATIONS])
def test_activation_matches_torch(name, ctor):
    _check(ctor, [(2, 4, 3, 3)])


def test_float32_linear_conv_tolerance():
    for ctor, shape in [(lambda nn: nn.Linear(16, 8), (4, 16)), (lambda nn: nn.Conv2d(3, 5, 3), (2, 3, 8, 8))]:
        tm, em = ctor(torch.nn), ctor(enn)
        load_from_torch(em, tm)
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        assert_close(em(ember.tensor(x)), tm(torch.tensor(x)), rtol=1e-5, atol=1e-5)


def test_ember_state_dict_loads_into_torch():
    em = enn.Sequential(enn.Conv2d(2, 3, 3), enn.BatchNorm2d(3), enn.Flatten(), enn.LazyLinear(4))
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5)).astype(np.float32)
    em.train()
    ey = em(ember.tensor(x))
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(), torch.nn.Linear(27, 4)
    )
    tm.load_state_dict({k: to_torch(v) for k, v in em.state_dict().items()})
    em.eval()
    tm.eval()
    assert_close(em(ember.tensor(x)), tm(torch.tensor(x)), rtol=1e-5, atol=1e-5)
    assert ey.shape == (2, 4)


def test_conv_transpose_output_size():
    tm = torch.nn.ConvTranspose2d(2, 3, 3, stride=2).double()
    em = enn.ConvTranspose2d(2, 3, 3, stride=2).double()
    load_from_torch(em, tm)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    assert_close(em(ember.tensor(x), output_size=[10, 10]), tm(torch.tensor(x), output_size=[10, 10]))
    with pytest.raises(ValueError):
        em(ember.tensor(x), output_size=[20, 20])


def test_embedding_bag_offsets_and_weights():
    tm = torch.nn.EmbeddingBag(10, 3, mode="sum").double()
    em = enn.EmbeddingBag(10, 3, mode="sum").double()
    load_from_torch(em, tm)
    idx = [1, 2, 4, 5, 4, 3, 2, 9]
    off = [0, 3, 3, 6]
    psw = np.random.default_rng(0).standard_normal(8)
    ty = tm(torch.tensor(idx), torch.tensor(off), per_sample_weights=torch.tensor(psw))
    ey = em(ember.tensor(idx), ember.tensor(off), per_sample_weights=ember.tensor(psw))
    assert_close(ey, ty)
    tm2 = torch.nn.EmbeddingBag(10, 3, mode="mean", padding_idx=2).double()
    em2 = enn.EmbeddingBag(10, 3, mode="mean", padding_idx=2).double()
    load_from_torch(em2, tm2)
    assert_close(em2(ember.tensor(idx), ember.tensor(off)), tm2(torch.tensor(idx), torch.tensor(off)))


def test_dropout_train_and_eval():
    m = enn.Dropout(0.5)
    x = ember.ones(1000)
    y = m(x)
    kept = y.numpy() != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(y.numpy()[kept], 2.0)
    m.eval()
    assert (m(x).numpy() == 1).all()
    with pytest.raises(ValueError, match="dropout probability"):
        enn.Dropout(1.5)


def test_batchnorm_eval_uses_running_stats():
    tm, em = torch.nn.BatchNorm1d(3).double(), enn.BatchNorm1d(3).double()
    x = np.random.default_rng(0).standard_normal((8, 3)) * 3 + 1
    for _ in range(3):
        tm(torch.tensor(x))
        em(ember.tensor(x))
    assert_close(em.running_mean, tm.running_mean)
    assert em.num_batches_tracked.item() == 3
    tm.eval()
    em.eval()
    assert_close(em(ember.tensor(x)), tm(torch.tensor(x)))
    before = em.running_mean.numpy().copy()
    em(ember.tensor(x))
    np.testing.assert_array_equal(before, em.running_mean.numpy())


def test_lazy_linear():
    m = enn.LazyLinear(4)
    assert isinstance(m.weight, enn.UninitializedParameter)
    assert repr(m) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    y = m(ember.randn(2, 7))
    assert type(m) is enn.Linear and m.in_features == 7 and tuple(m.weight.shape) == (4, 7)
    assert isinstance(m.weight, enn.Parameter) and not isinstance(m.weight, enn.UninitializedParameter)
    assert y.shape == (2, 4)
    # loading a state dict materialises too
    m2 = enn.LazyLinear(4)
    m2.load_state_dict(m.state_dict())
    assert tuple(m2.weight.shape) == (4, 7)
    np.testing.assert_array_equal(m2(ember.ones(1, 7)).detach().numpy(), m(ember.ones(1, 7)).detach().numpy())


@pytest.mark.parametrize(
    "ctor",
    [
        lambda nn: nn.Linear(1000, 300),
        lambda nn: nn.Conv2d(64, 32, 3),
        lambda nn: nn.Embedding(500, 64),
        lambda nn: nn.Bilinear(40, 30, 20),
    ],
)
def test_default_init_distribution(ctor):
    ember.manual_seed(0)
    em, tm = ctor(enn), ctor(torch.nn)
    for (n, p), (_, q) in zip(em.named_parameters(), tm.named_parameters()):
        a, b = p.detach().numpy(), q.detach().numpy()
        if a.size >= 1000:
            assert abs(a.std() - b.std()) < 0.05 * b.std(), n
        else:  # uniform biases: the same bound
            assert np.abs(a).max() <= 1.5 * np.abs(b).max(), n
