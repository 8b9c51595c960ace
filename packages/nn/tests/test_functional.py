# SPDX-License-Identifier: BSD-3-Clause
"""``ember.nn.functional`` against ``torch.nn.functional``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF  # noqa: N812
from helpers import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

import ember
import ember.nn.functional as F  # noqa: N812


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def test_every_name_is_torch_functional():
    missing = [n for n in F.__all__ if not hasattr(TF, n)]
    assert missing == []


def _check(efn, tfn, shapes, seed=0):
    pairs = [_pair(s, seed + i) for i, s in enumerate(shapes)]
    ey, ty = efn(*[p[0] for p in pairs]), tfn(*[p[1] for p in pairs])
    assert_close(ey, ty, rtol=1e-7, atol=1e-9)
    g = np.random.default_rng(99).standard_normal(tuple(ty.shape))
    (ey * ember.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for e, t in pairs:
        assert_close(e.grad, t.grad, rtol=1e-6, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(batch=st.integers(1, 4), fin=st.integers(1, 6), fout=st.integers(1, 5), seed=st.integers(0, 100))
def test_linear_and_bilinear(batch, fin, fout, seed):
    _check(F.linear, TF.linear, [(batch, fin), (fout, fin), (fout,)], seed)
    _check(lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), [(2, batch, fin), (fout, fin)], seed)
    _check(F.bilinear, TF.bilinear, [(batch, fin), (batch, 3), (fout, fin, 3), (fout,)], seed)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_normalize_cosine_pairwise(dim):
    _check(lambda x: F.normalize(x, dim=dim), lambda x: TF.normalize(x, dim=dim), [(3, 4)])
    _check(lambda x: F.normalize(x, p=1.0, dim=dim), lambda x: TF.normalize(x, p=1.0, dim=dim), [(3, 4)])
    _check(lambda a, b: F.cosine_similarity(a, b, dim), lambda a, b: TF.cosine_similarity(a, b, dim), [(3, 4), (3, 4)])
    _check(lambda a, b: F.cosine_similarity(a, b, dim), lambda a, b: TF.cosine_similarity(a, b, dim), [(3, 4), (1, 4)])
    _check(F.pairwise_distance, TF.pairwise_distance, [(3, 4), (3, 4)])
    _check(lambda a, b: F.pairwise_distance(a, b, 1.0, keepdim=True),
           lambda a, b: TF.pairwise_distance(a, b, 1.0, keepdim=True), [(3, 4), (3, 4)])  # fmt: skip
    _check(F.pdist, TF.pdist, [(5, 3)])


def test_local_response_norm():
    _check(lambda x: F.local_response_norm(x, 3), lambda x: TF.local_response_norm(x, 3), [(2, 5, 4)])
    _check(lambda x: F.local_response_norm(x, 2), lambda x: TF.local_response_norm(x, 2), [(2, 5, 3, 2)])


def test_embedding_padding_idx_gets_no_gradient():
    idx = [[0, 2, 0], [1, 3, 2]]
    w = np.random.default_rng(0).standard_normal((5, 3))
    ew, tw = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    ey = F.embedding(ember.tensor(idx), ew, padding_idx=0, scale_grad_by_freq=True)
    ty = TF.embedding(torch.tensor(idx), tw, padding_idx=0, scale_grad_by_freq=True)
    assert_close(ey, ty)
    ey.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    assert_close(ew.grad, tw.grad)


LOSSES = [
    ("margin_ranking", lambda f, s, p, b: lambda x, y: f.margin_ranking_loss(x, y, s, margin=0.2), [(6,), (6,)]),
    ("hinge_embedding", lambda f, s, p, b: lambda x: f.hinge_embedding_loss(x, s, margin=0.5), [(6,)]),
    ("soft_margin", lambda f, s, p, b: lambda x: f.soft_margin_loss(x, s), [(6,)]),
    ("cosine_embedding", lambda f, s, p, b: lambda x, y: f.cosine_embedding_loss(x, y, s[:4], 0.1), [(4, 3), (4, 3)]),
    ("poisson_nll", lambda f, s, p, b: lambda x: f.poisson_nll_loss(x, p, full=True), [(6,)]),
    ("gaussian_nll", lambda f, s, p, b: lambda x: f.gaussian_nll_loss(x, p, p + 0.5), [(6,)]),
    ("triplet", lambda f, s, p, b: lambda x, y, z: f.triplet_margin_loss(x, y, z, swap=True), [(4, 3)] * 3),
    ("multilabel_soft", lambda f, s, p, b: lambda x: f.multilabel_soft_margin_loss(x, b, reduction="sum"), [(2, 3)]),
]


@pytest.mark.parametrize("name,make,shapes", LOSSES, ids=[x[0] for x in LOSSES])
def test_losses_built_here(name, make, shapes):
    g = np.random.default_rng(1)
    sign = np.where(g.random(6) < 0.5, -1.0, 1.0)
    pos = g.random(6) * 3
    binary = (g.random((2, 3)) < 0.5).astype(np.float64)
    efn = make(F, *(ember.tensor(a) for a in (sign, pos, binary)))
    tfn = make(TF, *(torch.tensor(a) for a in (sign, pos, binary)))
    _check(efn, tfn, shapes)


def test_embedding_bag_functional_max_grad():
    w = np.random.default_rng(0).standard_normal((6, 2))
    ew, tw = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    idx, off = [1, 2, 3, 3, 5], [0, 2, 2]
    ey = F.embedding_bag(ember.tensor(idx), ew, ember.tensor(off), mode="max")
    ty = TF.embedding_bag(torch.tensor(idx), tw, torch.tensor(off), mode="max")
    assert_close(ey, ty)
    ey.sum().backward()
    ty.sum().backward()
    assert_close(ew.grad, tw.grad)


def test_reexported_kernels_are_differentiable():
    _check(lambda x: F.softmax(x, dim=1), lambda x: TF.softmax(x, dim=1), [(2, 3)])
    _check(lambda x: F.gelu(x), lambda x: TF.gelu(x), [(2, 3)])
    x = _pair((2, 4))
    t = [1, 3]
    el = F.cross_entropy(x[0], ember.tensor(t), label_smoothing=0.1)
    tl = TF.cross_entropy(x[1], torch.tensor(t), label_smoothing=0.1)
    assert_close(el, tl)
