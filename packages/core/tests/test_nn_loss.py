# SPDX-License-Identifier: BSD-3-Clause
"""Losses and their input gradients against PyTorch, for every reduction;
class-index losses with weights, ignore_index and label smoothing, on 1-D,
2-D and spatial inputs; PyTorch's errors for bad targets."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812 - the usual name
from test_nn_ops import assert_close, raises_like_torch, randn, to_ember, torch_grads

import ember
from ember._nn import loss

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _e(t):
    return None if t is None else to_ember(t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize(
    "name, kw",
    [
        ("mse_loss", {}),
        ("l1_loss", {}),
        ("smooth_l1_loss", {"beta": 0.7}),
        ("smooth_l1_loss", {"beta": 0.0}),
        ("huber_loss", {"delta": 0.5}),
        ("huber_loss", {"delta": 2.0}),
    ],
)
def test_regression_losses(name, kw, reduction, dtype):
    dt = DTYPES[dtype]
    x, t = randn(4, 5, dtype=dt, seed=1), randn(4, 5, dtype=dt, seed=2)
    x[0, 0] = t[0, 0]  # a zero difference: sign(0) = 0
    out, grads, go = torch_grads(lambda x: getattr(F, name)(x, t, reduction=reduction, **kw), [x])
    assert_close(getattr(loss, name)(to_ember(x), to_ember(t), reduction=reduction, **kw), out)
    got = getattr(loss, name + "_backward")(to_ember(go), to_ember(x), to_ember(t), reduction=reduction, **kw)
    assert_close(got, grads[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_broadcast_target_warns_and_reduces_gradient(reduction):
    x, t = randn(4, 5, seed=3), randn(5, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, grads, go = torch_grads(lambda x: F.mse_loss(x, t, reduction=reduction), [x])
    with pytest.warns(UserWarning, match="different to the input size"):
        got = loss.mse_loss(to_ember(x), to_ember(t), reduction=reduction)
    assert_close(got, out)
    assert_close(loss.mse_loss_backward(to_ember(go), to_ember(x), to_ember(t), reduction=reduction), grads[0])


def test_legacy_size_average_and_reduce():
    x, t = randn(3, 4, seed=5), randn(3, 4, seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = F.l1_loss(x, t, size_average=False)
        got = loss.l1_loss(to_ember(x), to_ember(t), size_average=False)
    assert_close(got, want)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    gen = torch.Generator().manual_seed(7)
    p = torch.rand(4, 5, dtype=torch.float64, generator=gen) * 0.98 + 0.01
    t = torch.rand(4, 5, dtype=torch.float64, generator=gen)
    w = torch.rand(4, 5, dtype=torch.float64, generator=gen) if weighted else None
    out, grads, go = torch_grads(lambda p: F.binary_cross_entropy(p, t, w, reduction=reduction), [p])
    assert_close(loss.binary_cross_entropy(to_ember(p), to_ember(t), _e(w), reduction=reduction), out)
    got = loss.binary_cross_entropy_backward(to_ember(go), to_ember(p), to_ember(t), _e(w), reduction=reduction)
    assert_close(got, grads[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_with_logits(reduction, weighted):
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(4, 5, generator=gen) * 8  # large logits: the stable form matters
    t = torch.rand(4, 5, generator=gen)
    w = torch.rand(4, 5, generator=gen) if weighted else None
    pw = torch.rand(5, generator=gen) * 3 if weighted else None
    kw = {"reduction": reduction, "pos_weight": pw}
    out, grads, go = torch_grads(lambda x: F.binary_cross_entropy_with_logits(x, t, w, **kw), [x])
    ekw = {"reduction": reduction, "pos_weight": _e(pw)}
    assert_close(loss.binary_cross_entropy_with_logits(to_ember(x), to_ember(t), _e(w), **ekw), out)
    got = loss.binary_cross_entropy_with_logits_backward(to_ember(go), to_ember(x), to_ember(t), _e(w), **ekw)
    assert_close(got, grads[0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = F.log_softmax(randn(4, 5, dtype=torch.float64, seed=9), 1)
    t = F.softmax(randn(4, 5, dtype=torch.float64, seed=10), 1)
    t[0, 0] = 0  # 0 * log 0 = 0
    if log_target:
        t = t.clamp(min=1e-9).log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, grads, go = torch_grads(lambda x: F.kl_div(x, t, reduction=reduction, log_target=log_target), [x])
        got = loss.kl_div(to_ember(x), to_ember(t), reduction=reduction, log_target=log_target)
    assert_close(got, out)
    got = loss.kl_div_backward(to_ember(go), to_ember(x), to_ember(t), reduction=reduction, log_target=log_target)
    assert_close(got, grads[0])


# ---- class-index losses ----------------------------------------------------------------
CLASS_SHAPES = [((6, 5), (6,)), ((3, 5, 4), (3, 4)), ((2, 5, 3, 2), (2, 3, 2)), ((5,), ())]


def _class_case(shape, tshape, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, dtype=torch.float64, generator=gen) * 2
    t = torch.randint(0, 5, tshape, generator=gen)
    if t.dim():
        t.view(-1)[0] = -100  # ignored
    return x, t


@pytest.mark.parametrize("shape, tshape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_cross_entropy_class_indices(shape, tshape, reduction, weighted, label_smoothing):
    x, t = _class_case(shape, tshape, seed=11)
    w = torch.rand(5, dtype=torch.float64, generator=torch.Generator().manual_seed(12)) + 0.1 if weighted else None
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    out, grads, go = torch_grads(lambda x: F.cross_entropy(x, t, w, **kw), [x])
    assert_close(loss.cross_entropy(to_ember(x), to_ember(t), _e(w), **kw), out)
    assert_close(loss.cross_entropy_backward(to_ember(go), to_ember(x), to_ember(t), _e(w), **kw), grads[0])


@pytest.mark.parametrize("shape, tshape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
def test_cross_entropy_probabilities(shape, tshape, reduction, weighted, label_smoothing):
    x = randn(*shape, dtype=torch.float64, seed=13)
    t = F.softmax(randn(*shape, dtype=torch.float64, seed=14), 0 if len(shape) == 1 else 1)
    w = torch.rand(5, dtype=torch.float64, generator=torch.Generator().manual_seed(15)) if weighted else None
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    out, grads, go = torch_grads(lambda x: F.cross_entropy(x, t, w, **kw), [x])
    assert_close(loss.cross_entropy(to_ember(x), to_ember(t), _e(w), **kw), out)
    assert_close(loss.cross_entropy_backward(to_ember(go), to_ember(x), to_ember(t), _e(w), **kw), grads[0])


@pytest.mark.parametrize("shape, tshape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(shape, tshape, reduction, weighted):
    x, t = _class_case(shape, tshape, seed=16)
    x = F.log_softmax(x, 0 if len(shape) == 1 else 1)
    w = torch.rand(5, dtype=torch.float64, generator=torch.Generator().manual_seed(17)) if weighted else None
    out, grads, go = torch_grads(lambda x: F.nll_loss(x, t, w, reduction=reduction), [x])
    assert_close(loss.nll_loss(to_ember(x), to_ember(t), _e(w), reduction=reduction), out)
    assert_close(loss.nll_loss_backward(to_ember(go), to_ember(x), to_ember(t), _e(w), reduction=reduction), grads[0])


def test_cross_entropy_float32_custom_ignore_index_and_uint8_targets():
    x = randn(8, 4, seed=18)
    t = torch.tensor([0, 1, 2, 3, 1, 1, 0, 2])
    out, grads, go = torch_grads(lambda x: F.cross_entropy(x, t, ignore_index=1), [x])
    assert_close(loss.cross_entropy(to_ember(x), to_ember(t), ignore_index=1), out)
    assert_close(loss.cross_entropy_backward(to_ember(go), to_ember(x), to_ember(t), ignore_index=1), grads[0])
    t8 = t.to(torch.uint8)
    assert_close(loss.nll_loss(to_ember(x), to_ember(t8)), F.nll_loss(x, t8))


@pytest.mark.parametrize("cols", [1, 15, 16, 31, 32, 33, 100, 1000, 1025, 5000])
def test_cross_entropy_float32_rows_of_any_length(cols):
    # the fused logsumexp's vector loop, its block sums and its scalar tail
    gen = torch.Generator().manual_seed(cols)
    x = torch.randn(6, cols, generator=gen) * torch.tensor([[0.01], [1.0], [10.0], [100.0], [1e3], [1.0]])
    x[5, : cols // 2] = -float("inf")  # exp(-inf) is 0; values far below the max underflow to 0
    t = torch.randint(0, cols, (6,), generator=gen)
    t[5] = cols - 1
    for reduction in REDUCTIONS:
        assert_close(
            loss.cross_entropy(to_ember(x), to_ember(t), reduction=reduction),
            F.cross_entropy(x, t, reduction=reduction),
        )


def test_logsumexp_rows_with_nan_and_all_minus_inf():
    x = torch.zeros(4, 40)
    x[0] = -float("inf")  # all -inf: -inf
    x[1, 7] = float("nan")  # NaN anywhere: NaN
    x[2, 39] = float("nan")
    x[3, 1:] = -200.0  # exp underflows to 0 but the row is still finite
    got = ember._C.logsumexp_last(to_ember(x))
    assert_close(got, torch.logsumexp(x, 1))


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = randn(3, 4, seed=19)
    t = torch.full((3,), -100)
    assert_close(loss.cross_entropy(to_ember(x), to_ember(t)), F.cross_entropy(x, t))


@pytest.mark.parametrize(
    "x_shape, target, kw, match",
    [
        ((3, 5), torch.tensor([1, 2]), {}, "Expected input batch_size (3) to match target batch_size (2)."),
        ((3, 5), torch.tensor([1.0, 2.0, 3.0]), {}, "expected target dtype to be Long or Byte, but got Float"),
        ((3, 5), torch.zeros(3, 2).long(), {}, "0D or 1D target tensor expected, multi-target not supported"),
        ((3, 5), torch.tensor([1, 2, 5]), {}, "Target 5 is out of bounds."),
        ((3, 5), torch.tensor([1, 2, -3]), {}, "Target -3 is out of bounds."),
        ((3, 5), torch.tensor([1, 2, 3]), {"weight": torch.rand(4)}, "weight tensor should be defined"),
        ((3, 5), torch.tensor([1, 2, 3]), {"label_smoothing": 1.5}, "label_smoothing must be between 0.0 and 1.0"),
        ((3, 5), torch.tensor([1, 2, 3]), {"reduction": "foo"}, "foo is not a valid value for reduction"),
        ((3, 5, 4), torch.zeros(3, 5).long(), {}, "Expected target size [3, 4], got [3, 5]"),
        ((3, 5), torch.rand(3, 4), {}, "0D or 1D target tensor expected"),
    ],
)
def test_cross_entropy_errors_match_torch(x_shape, target, kw, match):
    x = randn(*x_shape)
    ekw = {k: (to_ember(v) if isinstance(v, torch.Tensor) else v) for k, v in kw.items()}
    raises_like_torch(
        lambda: loss.cross_entropy(to_ember(x), to_ember(target), **ekw),
        lambda: F.cross_entropy(x, target, **kw),
        match,
    )


def test_cross_entropy_integer_logits_raise_like_torch():
    x, t = torch.arange(15).reshape(3, 5), torch.tensor([1, 2, 3])
    raises_like_torch(lambda: loss.cross_entropy(to_ember(x), to_ember(t)), lambda: F.cross_entropy(x, t), "Long")


def test_other_loss_errors_match_torch():
    a, b = torch.rand(3), torch.rand(3, 1)
    raises_like_torch(
        lambda: loss.binary_cross_entropy(to_ember(a), to_ember(b)),
        lambda: F.binary_cross_entropy(a, b),
        "Please ensure they have the same size",
    )
    raises_like_torch(
        lambda: loss.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([0.5])),
        lambda: F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([0.5])),
        "all elements of input should be between 0 and 1",
    )
    raises_like_torch(
        lambda: loss.binary_cross_entropy_with_logits(to_ember(a), to_ember(b)),
        lambda: F.binary_cross_entropy_with_logits(a, b),
        "must be the same as input size",
    )
    raises_like_torch(
        lambda: loss.smooth_l1_loss(to_ember(a), to_ember(a), beta=-1),
        lambda: F.smooth_l1_loss(a, a, beta=-1),
        "negative values for beta",
    )
    raises_like_torch(
        lambda: loss.huber_loss(to_ember(a), to_ember(a), delta=0),
        lambda: F.huber_loss(a, a, delta=0),
        "non-positive values for delta",
    )
    c, d = torch.rand(3, 5), torch.rand(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like_torch(
            lambda: loss.mse_loss(to_ember(c), to_ember(d)), lambda: F.mse_loss(c, d), "must match the size"
        )
    raises_like_torch(
        lambda: loss.kl_div(to_ember(a), to_ember(a), reduction="foo"),
        lambda: F.kl_div(a, a, reduction="foo"),
        "foo is not a valid value for reduction",
    )


def test_logsumexp_last_of_rows_with_infinities_matches_torch():
    rows = [[float("inf"), 1.0], [float("-inf"), float("-inf")], [float("inf"), float("nan")], [2.0, float("-inf")]]
    for dtype in (ember.float32, ember.float64):
        got = ember._C.logsumexp_last(ember.tensor(rows, dtype=dtype)).tolist()
        expected = torch.tensor(rows, dtype=getattr(torch, dtype.name)).logsumexp(-1).tolist()
        assert np.array_equal(np.array(got), np.array(expected), equal_nan=True), (got, expected)


def test_fused_class_cross_entropy_checks_operands_before_reading():
    x, t = ember.randn(6, 4), ember.zeros(6, dtype=ember.int64)
    fused, backward = ember._C.class_cross_entropy, ember._C.class_cross_entropy_backward
    with pytest.raises(RuntimeError, match=r"int64 targets of shape \[6\]"):
        fused(x, ember.zeros(5, dtype=ember.int64), None, -100, 0.0)
    with pytest.raises(RuntimeError, match="int64 targets"):
        fused(x, ember.zeros(6), None, -100, 0.0)
    with pytest.raises(RuntimeError, match="class weights of 4 elements"):
        fused(x, t, ember.ones(3), -100, 0.0)
    with pytest.raises(RuntimeError, match=r"contiguous \[R, C\] logits"):
        fused(ember.randn(4, 6).t(), t, None, -100, 0.0)
    with pytest.raises(TypeError, match="float32 or float64"):
        fused(x.half(), t, None, -100, 0.0)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        fused(x, ember.full((6,), 7, dtype=ember.int64), None, -100, 0.0)
    with pytest.raises(RuntimeError, match="one element or of shape"):
        backward(x, t, None, -100, 0.0, ember.ones(5), False)
    assert backward(x, t, None, -100, 0.0, ember.ones(1), True).shape == (6, 4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_without_classes_is_all_ignored_like_torch(reduction):
    x, t = torch.zeros(3, 0, dtype=torch.float64), torch.full((3,), -100)
    out, grads, go = torch_grads(lambda x: F.cross_entropy(x, t, reduction=reduction), [x])
    assert_close(loss.cross_entropy(to_ember(x), to_ember(t), reduction=reduction), out)
    got = loss.cross_entropy_backward(to_ember(go), to_ember(x), to_ember(t), reduction=reduction)
    assert tuple(got.shape) == (3, 0) == tuple(grads[0].shape)
