# SPDX-License-Identifier: BSD-3-Clause
"""Gradients of the core's ops against PyTorch's on the same float64 inputs
(broadcasting, non-contiguous views, in-place writes and views included)."""

from __future__ import annotations

import numpy as np
import pytest
from autograd_oracle import assert_matches_torch, functional
from hypothesis import given, settings
from hypothesis import strategies as st


def _set_through_views(lib, a):
    b = a * 1
    b[1].mul_(3)
    b[:, 0] = 7
    b[2:, 1:3] += a[:2, :2]
    return b


def _positive(x):
    return x.abs() + 0.5


CASES = {
    # pointwise, with broadcasting and non-contiguous operands
    "mul broadcast": (lambda lib, a, b: a * b, [(3, 4), (4,)]),
    "div": (lambda lib, a, b: a / _positive(b), [(3, 4), (3, 1)]),
    "sub rsub scalar": (lambda lib, a: 2.0 - a - a * 3, [(3, 4)]),
    "add alpha": (lambda lib, a, b: lib.add(a, b, alpha=2.5), [(3, 4), (3, 4)]),
    "transposed operands": (lambda lib, a, b: a.t() * b + a.t(), [(4, 3), (3, 4)]),
    "pow tensor": (lambda lib, a, b: _positive(a).pow(b), [(3, 5), (5,)]),
    "pow scalar": (lambda lib, a: a.pow(3) + _positive(a) ** 0.5, [(3, 5)]),
    "rpow": (lambda lib, a: 2.0**a, [(3, 5)]),
    "atan2": (lambda lib, a, b: lib.atan2(a, b), [(3, 5), (3, 5)]),
    "maximum minimum": (lambda lib, a, b: lib.maximum(a, b) + lib.minimum(a, b) * 2, [(3, 5), (5,)]),
    "remainder fmod": (lambda lib, a, b: lib.remainder(a, _positive(b)) + lib.fmod(a, _positive(b)), [(3, 5), (3, 5)]),
    "unary chain": (lambda lib, a: a.exp() + a.sin() * a.cos() + a.tanh() + a.sigmoid() + a.atan(), [(3, 5)]),
    "logs": (
        lambda lib, a: _positive(a).log() + _positive(a).log2() + _positive(a).log10() + _positive(a).log1p(),
        [(3, 5)],
    ),  # fmt: skip
    "roots": (lambda lib, a: _positive(a).sqrt() + _positive(a).rsqrt() + _positive(a).reciprocal(), [(3, 5)]),
    "exp family": (lambda lib, a: a.exp2() + a.expm1() + a.sinh() + a.cosh() + a.square(), [(3, 5)]),
    "inverse trig": (lambda lib, a: (a * 0.5).asin() + (a * 0.5).acos() + (a * 0.5).tan(), [(3, 5)]),
    "erf": (lambda lib, a: a.erf() + a.erfc(), [(3, 5)]),
    "relu abs neg": (lambda lib, a: a.relu() + a.abs() - (-a), [(3, 5)]),
    "where": (lambda lib, a, b: lib.where(a > 0, a, b), [(3, 5), (3, 5)]),
    "clamp": (lambda lib, a: a.clamp(-0.5, 0.5) + a.clamp(min=0.1), [(3, 5)]),
    "lerp": (lambda lib, a, b: lib.lerp(a, b, 0.3), [(3, 5), (3, 5)]),
    "to dtype": (lambda lib, a: a.float().double() * 2, [(3, 5)]),
    # reductions and scans
    "sum dims": (lambda lib, a: a.sum((0, 2)) + a.sum(1, keepdim=True).sum((0, 2)).squeeze(), [(3, 4, 5)]),
    "mean var std": (lambda lib, a: a.var(1) + a.mean(0).sum() + a.std(1, unbiased=False), [(4, 5)]),
    "prod": (lambda lib, a: a.prod(1) + a.prod(), [(3, 5)]),
    "prod with zero": (lambda lib, a: (a * (lib.arange(5.0) != 2)).prod(1), [(3, 5)]),
    "amax amin": (lambda lib, a: a.amax(1) + a.amin(0).sum(), [(3, 5)]),
    "max min dim": (lambda lib, a: a.max(1).values + a.min(1).values, [(3, 5)]),
    "max all": (lambda lib, a: a.max() + a.min(), [(3, 5)]),
    "cumsum cumprod": (lambda lib, a: a.cumsum(1) + a.cumprod(0), [(3, 5)]),
    "cumprod with zero": (lambda lib, a: (a * (lib.arange(5.0) != 1)).cumprod(1), [(2, 5)]),
    "cummax": (lambda lib, a: a.cummax(1).values + a.cummin(0).values, [(3, 5)]),
    "logsumexp": (lambda lib, a: a.logsumexp(1), [(3, 5)]),
    "norm": (lambda lib, a: a.norm(dim=1) + lib.linalg.vector_norm(a, 3), [(3, 5)]),
    # matmul family
    "matmul 2d": (lambda lib, a, b: a @ b, [(3, 4), (4, 5)]),
    "matmul batched broadcast": (lambda lib, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "matmul vector": (lambda lib, a, b: a @ b, [(3, 4), (4,)]),
    "bmm transposed": (lambda lib, a, b: lib.bmm(a.transpose(1, 2), b), [(2, 4, 3), (2, 4, 5)]),
    "addmm": (lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0), [(3, 5), (3, 4), (4, 5)]),
    "outer dot": (lambda lib, a, b: lib.outer(a, b) * lib.dot(a, a), [(3,), (4,)]),
    "einsum-free linear": (lambda lib, x, w, b: functional(lib).linear(x, w, b), [(3, 5), (4, 5), (4,)]),
    # views and shape ops
    "slice step": (lambda lib, a: a[1:, ::2] * 3, [(4, 5)]),
    "select narrow": (lambda lib, a: a[1] + a.narrow(0, 2, 1).squeeze(0), [(4, 5)]),
    "reshape view flatten": (lambda lib, a: a.reshape(5, 4).t().flatten() * lib.arange(20.0), [(4, 5)]),
    "permute unsqueeze": (lambda lib, a: a.permute(2, 0, 1).unsqueeze(1) * 2, [(2, 3, 4)]),
    "expand": (lambda lib, a: a.expand(3, 4, 5) * lib.arange(5.0), [(4, 1)]),
    "cat stack": (lambda lib, a, b: lib.cat([a, b], 0).sum(0) + lib.stack([a, b]).sum((0, 1)), [(2, 3), (2, 3)]),
    "split chunk": (lambda lib, a: a.split(2, 1)[1].sum() + a.chunk(3, 0)[2].sum(), [(3, 5)]),
    "flip roll": (lambda lib, a: a.flip(1) * lib.roll(a, 2, 1), [(3, 5)]),
    "repeat tile": (lambda lib, a: a.repeat(2, 3).sum(0).sum() * lib.tile(a, (2,)), [(3, 5)]),
    "tril triu diagonal": (lambda lib, a: a.tril() + a.triu(1) + lib.diag_embed(a.diagonal()), [(4, 4)]),
    "unfold": (lambda lib, a: a.unfold(1, 2, 1).sum(-1), [(3, 5)]),
    "movedim swapaxes": (lambda lib, a: a.movedim(0, 2).swapaxes(0, 1) * 2, [(2, 3, 4)]),
    "views then in-place": (_set_through_views, [(4, 5)]),
    "in-place chain": (lambda lib, a: (a * 1).mul_(2).add_(a).exp_(), [(3, 5)]),
    "in-place on broadcast operand": (lambda lib, a, b: (a * 1).add_(b), [(3, 5), (5,)]),
    # indexing
    "advanced index": (lambda lib, a: a[[0, 2, 2]], [(4, 5)]),
    "mixed index": (lambda lib, a: a[1:, [0, 3]] * 2, [(4, 5)]),
    "mask index": (lambda lib, a: a[a > 0] * 2, [(4, 5)]),
    "gather": (lambda lib, a: a.gather(1, lib.tensor([[0, 1], [2, 2], [4, 0]])), [(3, 5)]),
    "scatter_add": (lambda lib, a, s: a.scatter_add(1, lib.tensor([[0, 1], [2, 2], [4, 0]]), s), [(3, 5), (3, 2)]),
    "index_select": (lambda lib, a: a.index_select(0, lib.tensor([2, 0, 2])), [(3, 5)]),
    "index_add": (lambda lib, a, s: a.index_add(0, lib.tensor([2, 0, 2]), s), [(3, 5), (3, 5)]),
    "index_put accumulate": (
        lambda lib, a, v: a.index_put((lib.tensor([0, 2, 0]),), v, accumulate=True),
        [(3, 5), (5,)],
    ),
    "setitem tensor": (lambda lib, a, v: _setitem(lib, a, v), [(3, 5), (2, 5)]),
    "masked_fill": (lambda lib, a: a.masked_fill(a > 0.5, 0.0), [(3, 5)]),
    "take": (lambda lib, a: lib.take(a, lib.tensor([0, 7, 7, 14])), [(3, 5)]),
    # sorting
    "sort": (lambda lib, a: a.sort(1).values * lib.arange(5.0), [(3, 5)]),
    "sort descending dim0": (lambda lib, a: a.sort(0, descending=True).values, [(3, 5)]),
    "topk": (lambda lib, a: a.topk(2, 1).values, [(3, 5)]),
    "kthvalue median": (lambda lib, a: a.kthvalue(2, 1).values + a.median(1).values, [(3, 5)]),
    # NN kernels
    "softmax": (lambda lib, a: functional(lib).softmax(a, dim=1), [(3, 5)]),
    "log_softmax": (lambda lib, a: functional(lib).log_softmax(a, 0), [(3, 5)]),
    "layer_norm": (lambda lib, a, w, b: functional(lib).layer_norm(a, (5,), w, b), [(3, 5), (5,), (5,)]),
    "layer_norm 2d shape": (lambda lib, a: functional(lib).layer_norm(a, (3, 4)), [(2, 3, 4)]),
    "group_norm": (lambda lib, a, w, b: functional(lib).group_norm(a, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    "batch_norm train": (
        lambda lib, a, w, b: functional(lib).batch_norm(a, None, None, w, b, training=True),
        [(4, 3, 2), (3,), (3,)],
    ),  # fmt: skip
    "conv2d": (lambda lib, x, w, b: functional(lib).conv2d(x, w, b, padding=1), [(2, 3, 6, 6), (4, 3, 3, 3), (4,)]),
    "conv2d stride dilation groups": (
        lambda lib, x, w: functional(lib).conv2d(x, w, stride=2, padding=2, dilation=2, groups=2),
        [(2, 4, 7, 7), (6, 2, 3, 3)],
    ),
    "conv1d": (lambda lib, x, w: functional(lib).conv1d(x, w, padding="same"), [(2, 3, 9), (4, 3, 3)]),
    # shapes the core's direct and fused kernels take when nothing records
    "conv2d wide rows": (
        lambda lib, x, w, b: functional(lib).conv2d(x, w, b, padding=1),
        [(8, 3, 6, 40), (4, 3, 3, 3), (4,)],
    ),
    "conv_transpose2d stride 1 wide rows": (
        lambda lib, x, w: functional(lib).conv_transpose2d(x, w, padding=1),
        [(2, 3, 6, 40), (3, 2, 3, 3)],
    ),
    "conv_transpose2d": (
        lambda lib, x, w: functional(lib).conv_transpose2d(x, w, stride=2, padding=1),
        [(2, 3, 4, 4), (3, 2, 3, 3)],
    ),  # fmt: skip
    "max_pool2d": (lambda lib, x: functional(lib).max_pool2d(x, 2), [(2, 3, 6, 6)]),
    "max_pool2d padded strided": (lambda lib, x: functional(lib).max_pool2d(x, 3, 2, 1), [(2, 3, 7, 7)]),
    "avg_pool2d": (lambda lib, x: functional(lib).avg_pool2d(x, 3, 2, 1), [(2, 3, 7, 7)]),
    "adaptive pools": (
        lambda lib, x: functional(lib).adaptive_avg_pool2d(x, 3) + functional(lib).adaptive_max_pool2d(x, 3),
        [(2, 2, 7, 7)],
    ),  # fmt: skip
    "cross_entropy": (lambda lib, x: functional(lib).cross_entropy(x, lib.tensor([1, 0, 3])).reshape(1), [(3, 5)]),
    "cross_entropy smoothing weights": (
        lambda lib, x, w: functional(lib)
        .cross_entropy(x, lib.tensor([1, 0, 3]), weight=w.detach().abs(), label_smoothing=0.1)
        .reshape(1),
        [(3, 5), (5,)],
    ),
    "nll mse l1 huber": (
        lambda lib, x, y: (
            functional(lib).mse_loss(x, y)
            + functional(lib).l1_loss(x, y)
            + functional(lib).huber_loss(x, y)
            + functional(lib).smooth_l1_loss(x, y)
        ).reshape(1),
        [(3, 5), (3, 5)],
    ),  # fmt: skip
    "bce with logits": (
        lambda lib, x, y: functional(lib).binary_cross_entropy_with_logits(x, y.sigmoid()).reshape(1),
        [(3, 5), (3, 5)],
    ),  # fmt: skip
    "kl_div": (
        lambda lib, x, y: functional(lib).kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean").reshape(1),
        [(3, 5), (3, 5)],
    ),  # fmt: skip
    "activations": (
        lambda lib, x: functional(lib).gelu(x)
        + functional(lib).gelu(x, approximate="tanh")
        + functional(lib).silu(x)
        + functional(lib).mish(x)
        + functional(lib).softplus(x)
        + functional(lib).elu(x)
        + functional(lib).selu(x)
        + functional(lib).leaky_relu(x, 0.1)
        + functional(lib).hardswish(x)
        + functional(lib).logsigmoid(x)
        + functional(lib).softsign(x)
        + functional(lib).celu(x),
        [(3, 5)],
    ),
    "embedding": (lambda lib, w: functional(lib).embedding(lib.tensor([[0, 2], [3, 3]]), w), [(5, 3)]),
    "embedding padding_idx scale_grad_by_freq": (
        lambda lib, w: functional(lib).embedding(
            lib.tensor([[0, 2], [3, 3]]), w, padding_idx=2, scale_grad_by_freq=True
        ),
        [(5, 3)],
    ),
    "attention": (
        lambda lib, q, k, v: functional(lib).scaled_dot_product_attention(q, k, v, is_causal=True),
        [(2, 3, 4, 8), (2, 3, 4, 8), (2, 3, 4, 8)],
    ),
    "interpolate bilinear": (
        lambda lib, x: functional(lib).interpolate(x, scale_factor=2, mode="bilinear"),
        [(1, 2, 3, 3)],
    ),  # fmt: skip
    "pad reflect": (lambda lib, x: functional(lib).pad(x, (1, 2), mode="reflect"), [(2, 3, 5)]),
    # linalg
    "inv": (lambda lib, x: lib.linalg.inv(x + 3 * lib.eye(4, dtype=lib.float64)), [(4, 4)]),
    "solve batched": (
        lambda lib, a, b: lib.linalg.solve(a + 3 * lib.eye(4, dtype=lib.float64), b),
        [(2, 4, 4), (2, 4, 3)],
    ),
    "cholesky": (lambda lib, a: lib.linalg.cholesky(a @ a.mT + lib.eye(4, dtype=lib.float64)), [(4, 4)]),
    "eigh": (lambda lib, a: lib.linalg.eigvalsh(a + a.mT), [(4, 4)]),
    "eigh vectors": (lambda lib, a: lib.linalg.eigh(a + a.mT)[1].abs(), [(4, 4)]),
    "det": (lambda lib, a: lib.linalg.det(a), [(4, 4)]),
    "slogdet batched": (lambda lib, a: lib.linalg.slogdet(a)[1], [(3, 4, 4)]),
    "svd tall": (lambda lib, a: lib.linalg.svd(a, full_matrices=False)[0].abs(), [(5, 3)]),
    "svd wide all outputs": (
        lambda lib, a: (lambda u, s, vh: (u * s.unsqueeze(-2)) @ vh.abs() + s.sum())(
            *lib.linalg.svd(a, full_matrices=False)
        ),
        [(4, 6)],
    ),
    "svdvals and norms": (
        lambda lib, a: lib.linalg.svdvals(a).sum() + lib.linalg.matrix_norm(a, "nuc") + lib.linalg.matrix_norm(a, 2),
        [(4, 3)],
    ),
    "qr": (lambda lib, a: (lambda q, r: q.sum(0) + r.sum(0))(*lib.linalg.qr(a)), [(5, 3)]),
    "lstsq": (lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(6, 3), (6, 2)]),
    "pinv": (lambda lib, a: lib.linalg.pinv(a), [(5, 3)]),
    "matrix_power cross": (
        lambda lib, a, b: lib.linalg.matrix_power(a[:3], 3).sum(0) + lib.linalg.cross(a[3:], b),
        [(4, 3), (1, 3)],
    ),
}


def _setitem(lib, a, v):
    b = a.clone()
    b[lib.tensor([0, 2])] = v
    return b


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_torch(name):
    fn, shapes = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = [rng.standard_normal(s) for s in shapes]
    assert_matches_torch(fn, arrays)


UNARY = ["exp", "tanh", "sigmoid", "sin", "cos", "atan", "erf", "neg", "abs", "relu", "sinh", "expm1"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "atan2"]


def _shapes_broadcasting():
    dims = st.integers(1, 4)
    return st.lists(dims, min_size=0, max_size=3).flatmap(
        lambda shape: st.tuples(
            st.just(tuple(shape)),
            st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)).map(
                lambda ones: tuple(1 if o else s for s, o in zip(shape, ones))
            ),
        )
    )


@settings(max_examples=40, deadline=None)
@given(op=st.sampled_from(BINARY), shapes=_shapes_broadcasting(), transpose=st.booleans(), seed=st.integers(0, 99))
def test_binary_gradients_broadcast_property(op, shapes, transpose, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes
    arrays = [rng.standard_normal(a_shape), rng.standard_normal(b_shape[::-1] if transpose else b_shape)]

    def fn(lib, a, b):
        if transpose and b.dim() > 1:
            b = b.permute(*reversed(range(b.dim())))
        elif transpose:
            b = b.flip(0) if b.dim() else b
        return getattr(lib, op)(a, b)

    assert_matches_torch(fn, arrays)


@settings(max_examples=30, deadline=None)
@given(op=st.sampled_from(UNARY), shape=st.lists(st.integers(1, 5), max_size=3), step=st.integers(1, 2),
       seed=st.integers(0, 99))  # fmt: skip
def test_unary_gradients_on_strided_views_property(op, shape, step, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((*shape, 2 * step))]
    assert_matches_torch(lambda lib, a: getattr(a[..., ::step], op)(), arrays)
