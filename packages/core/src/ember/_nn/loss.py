# SPDX-License-Identifier: BSD-3-Clause
"""Loss functions and their gradients with respect to the input.

Class-index losses gather each sample's target entry with one
``take_offsets`` (cross entropy: the core's log-softmax, then that gather);
their gradients are dense ``softmax * total - coefficient`` terms plus one
scatter at the targets. Each ``<name>_backward`` takes the upstream gradient
(a scalar for 'mean'/'sum', the loss's shape for 'none') and the forward's
arguments and returns the gradient with respect to ``input`` (for the
symmetric regression losses the target's gradient is its negation).
"""

from __future__ import annotations

import functools
import warnings

from .. import _C
from .._autograd_tensor import recorded_as
from ._common import (
    arange,
    check_reduction,
    check_tensor,
    expand_grad,
    int64,
    legacy_reduction,
    opmath,
    reduce_loss,
    torch_name,
    uint8,
)
from .softmax import log_softmax, softmax


def _sum_to(t, shape):
    """``t`` summed over the dims broadcasting added to ``shape``."""
    shape = tuple(shape)
    if tuple(t.shape) == shape:
        return t
    lead = t.dim() - len(shape)
    if lead:
        t = t.sum(tuple(range(lead)))
    dims = tuple(i for i, s in enumerate(shape) if s == 1 and t.shape[i] != 1)
    if dims:
        t = t.sum(dims, keepdim=True)
    return t.reshape(shape)


def _result_dtype(input, target):
    return _C.result_type(input, target) if hasattr(target, "dtype") else input.dtype


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=4,
        )


def _regression(name, input, target, size_average, reduce, reduction, fn):
    check_tensor(name, "input", input)
    check_tensor(name, "target", target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _warn_size(input, target)
    dt = _result_dtype(input, target)
    loss = fn(opmath(input._to_dtype(dt)), opmath(target._to_dtype(dt)))
    return reduce_loss(loss, reduction)._to_dtype(dt)


def _regression_backward(grad_output, input, target, reduction, fn):
    check_reduction(reduction)
    dt = _result_dtype(input, target)
    x, t = opmath(input._to_dtype(dt)), opmath(target._to_dtype(dt))
    diff = x - t
    g = expand_grad(opmath(grad_output), diff.shape, reduction, diff.numel())
    return _sum_to(fn(g, diff), input.shape)._to_dtype(input.dtype)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2``, reduced by ``reduction``
    ('none', 'mean' or 'sum'); ``weight`` scales each element."""

    def fn(x, t):
        d = x - t
        return d * d if weight is None else d * d * weight

    return _regression("mse_loss", input, target, size_average, reduce, reduction, fn)


def mse_loss_backward(grad_output, input, target, reduction="mean", weight=None):
    """Gradient of :func:`mse_loss` with respect to ``input``: ``2 * (input - target)``."""
    return _regression_backward(
        grad_output, input, target, reduction, lambda g, d: g * d * 2 if weight is None else g * d * weight * 2
    )


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``."""

    def fn(x, t):
        d = (x - t).abs()
        return d if weight is None else d * weight

    return _regression("l1_loss", input, target, size_average, reduce, reduction, fn)


def l1_loss_backward(grad_output, input, target, reduction="mean", weight=None):
    """Gradient of :func:`l1_loss`: ``sign(input - target)`` (0 where equal)."""
    return _regression_backward(
        grad_output, input, target, reduction, lambda g, d: g * d.sign() if weight is None else g * d.sign() * weight
    )


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``
    (``d = input - target``; ``beta=0`` is the L1 loss)."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")

    def fn(x, t):
        d = (x - t).abs()
        if beta == 0:
            return d
        return _C.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta, None)

    return _regression("smooth_l1_loss", input, target, size_average, reduce, reduction, fn)


def smooth_l1_loss_backward(grad_output, input, target, reduction="mean", beta=1.0):
    """Gradient of :func:`smooth_l1_loss`: ``d / beta`` inside, ``sign(d)`` outside."""

    def fn(g, d):
        if beta == 0:
            return g * d.sign()
        return g * _C.where(d.abs() < beta, d / beta, d.sign(), None)

    return _regression_backward(grad_output, input, target, reduction, fn)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def fn(x, t):
        d = (x - t).abs()
        loss = _C.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta, None)
        return loss if weight is None else loss * weight

    return _regression("huber_loss", input, target, None, None, reduction, fn)


def huber_loss_backward(grad_output, input, target, reduction="mean", delta=1.0, weight=None):
    """Gradient of :func:`huber_loss`: ``d`` inside, ``delta * sign(d)`` outside."""

    def fn(g, d):
        r = g * d.clamp(-delta, delta)
        return r if weight is None else r * weight

    return _regression_backward(grad_output, input, target, reduction, fn)


# ---- binary cross entropy --------------------------------------------------------
def _bce_check(input, target):
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-weight * (t * log(x) + (1 - t) * log(1 - x))`` for probabilities
    ``x`` in [0, 1] (each log clamped at -100, as PyTorch)."""
    check_tensor("binary_cross_entropy", "input", input)
    check_tensor("binary_cross_entropy", "target", target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _bce_check(input, target)
    x, t = opmath(input), opmath(target)
    if bool(((x < 0) | (x > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(t * x.log().clamp(min=-100) + (1 - t) * (1 - x).log().clamp(min=-100))
    if weight is not None:
        loss = loss * opmath(weight)
    return reduce_loss(loss, reduction)._to_dtype(input.dtype)


def binary_cross_entropy_backward(grad_output, input, target, weight=None, reduction="mean"):
    """Gradient of :func:`binary_cross_entropy`: ``weight * (x - t) / max(x * (1 - x), 1e-12)``."""
    check_reduction(reduction)
    x, t = opmath(input), opmath(target)
    g = expand_grad(opmath(grad_output), x.shape, reduction, x.numel())
    gi = g * (x - t) / (x * (1 - x)).clamp(min=1e-12)
    if weight is not None:
        gi = gi * opmath(weight)
    return gi._to_dtype(input.dtype)


def _log_weight(t, pos_weight):
    return None if pos_weight is None else (opmath(pos_weight) - 1) * t + 1


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the
    logits: ``(1 - t) * x - (1 + (pos_weight - 1) * t) * logsigmoid(x)``."""
    check_tensor("binary_cross_entropy_with_logits", "input", input)
    check_tensor("binary_cross_entropy_with_logits", "target", target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    x, t = opmath(input), opmath(target)
    log_sig = x.clamp(max=0) - (-x.abs()).exp().log1p()
    lw = _log_weight(t, pos_weight)
    loss = (1 - t) * x - (log_sig if lw is None else lw * log_sig)
    if weight is not None:
        loss = loss * opmath(weight)
    return reduce_loss(loss, reduction)._to_dtype(input.dtype)


def binary_cross_entropy_with_logits_backward(
    grad_output, input, target, weight=None, reduction="mean", pos_weight=None
):
    """Gradient of :func:`binary_cross_entropy_with_logits` with respect to ``input``."""
    check_reduction(reduction)
    x, t = opmath(input), opmath(target)
    g = expand_grad(opmath(grad_output), x.shape, reduction, x.numel())
    lw = _log_weight(t, pos_weight)
    sig_neg = (-x).sigmoid()
    gi = g * ((1 - t) - (sig_neg if lw is None else lw * sig_neg))
    if weight is not None:
        gi = gi * opmath(weight)
    return gi._to_dtype(input.dtype)


# ---- KL divergence ---------------------------------------------------------------
_KL_REDUCTIONS = ("none", "mean", "sum", "batchmean")


def _kl_reduction(reduction):
    check_reduction(reduction, _KL_REDUCTIONS)
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=3,
        )


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` for log-probabilities ``input``
    (``exp(target) * (target - input)`` with ``log_target``); 'batchmean'
    divides the sum by the batch size."""
    check_tensor("kl_div", "input", input)
    check_tensor("kl_div", "target", target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    _kl_reduction(reduction)
    x, t = opmath(input), opmath(target)
    if log_target:
        loss = t.exp() * (t - x)
    else:
        loss = _C.where(t == 0, 0.0, t * t.log(), None) - t * x
    if reduction == "batchmean":
        out = loss.sum() / (input.shape[0] if input.dim() else 1)
    else:
        out = reduce_loss(loss, reduction)
    return out._to_dtype(input.dtype)


def kl_div_backward(grad_output, input, target, reduction="mean", log_target=False):
    """Gradient of :func:`kl_div` with respect to ``input``: ``-target`` (``-exp(target)``)."""
    check_reduction(reduction, _KL_REDUCTIONS)
    x, t = opmath(input), opmath(target)
    shape = tuple(t.shape) if t.dim() >= x.dim() else tuple(x.shape)
    if reduction == "batchmean":
        g = opmath(grad_output).reshape(()) / (input.shape[0] if input.dim() else 1)
        g = g.expand(*shape)
    else:
        g = expand_grad(opmath(grad_output), shape, reduction, _numel(shape))
    gi = -g * (t.exp() if log_target else t)
    return _sum_to(gi, input.shape)._to_dtype(input.dtype)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# ---- negative log likelihood and cross entropy ----------------------------------
class _ClassTargets:
    """Class-index targets laid out against ``input`` viewed as [N, C, D]."""

    def __init__(self, name, input, target, weight, ignore_index):
        check_tensor(name, "input", input)
        check_tensor(name, "target", target)
        nd = input.dim()
        if nd < 1:
            raise ValueError(f"Expected 1 or more dimensions (got {nd})")
        if nd == 1:
            if target.dim() > 1:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            if target.dim() == 1 and target.shape[0] != 1:
                raise ValueError(f"Expected input batch_size (1) to match target batch_size ({target.shape[0]}).")
            n, c, d = 1, input.shape[0], 1
        else:
            if nd == 2 and target.dim() > 1:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            if target.dim() == 0 or input.shape[0] != target.shape[0]:
                got = target.shape[0] if target.dim() else 1
                raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({got}).")
            expected = [input.shape[0], *input.shape[2:]]
            if nd > 2 and list(target.shape) != expected:
                raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
            n, c = input.shape[0], input.shape[1]
            d = _numel(input.shape[2:])
        if target.dtype not in (int64, uint8):
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got {torch_name(target.dtype)}")
        if weight is not None and (weight.dim() != 1 or weight.numel() != c):
            raise RuntimeError(
                f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                f"tensor of shape: {list(weight.shape)}"
            )
        self.n, self.c, self.d = n, c, d
        self.target_shape = tuple(target.shape)
        self.indices = target.reshape(n, d)._to_dtype(int64)  # [N, D]
        self.ignore_index = ignore_index

    @functools.cached_property
    def _layout(self):
        """(valid, classes, offsets): which targets count, their classes (0
        where ignored) and their element offsets in [N, C, D]; checks bounds."""
        t, n, c, d = self.indices, self.n, self.c, self.d
        valid = t != self.ignore_index
        classes = _C.where(valid, t, 0, None)
        bad = valid & ((t < 0) | (t >= c))
        if bool(bad.any()):
            value = int(_C.take_offsets(t.contiguous(), bad.reshape(-1).int().argmax().reshape(1)).item())
            raise IndexError(f"Target {value} is out of bounds.")
        offsets = (arange(n) * (c * d)).view(n, 1) + classes * d + arange(d).view(1, d)
        return valid, classes, offsets

    valid = property(lambda self: self._layout[0])
    classes = property(lambda self: self._layout[1])
    offsets = property(lambda self: self._layout[2])

    def fused_operands(self, input, weight):
        """The logits as [N*D, C] rows, the targets as [N*D] and the class
        weights as the fused cross-entropy kernels take them, or None where
        they cannot (integer logits; autograd recording the call op by op)."""
        if not input.dtype.is_floating_point or _C.autograd_records(input, weight):
            return None
        x3 = _as_ncd(input, self)
        rows = x3.view(self.n, self.c) if self.d == 1 else x3.transpose(1, 2).reshape(self.n * self.d, self.c)
        w = None if weight is None else opmath(weight)._to_dtype(x3.dtype).contiguous()
        return rows, self.indices.reshape(-1).contiguous(), w

    def from_rows(self, grad_rows, shape):
        """A gradient over the [N*D, C] rows back in the input's layout."""
        if self.d == 1:
            return grad_rows.view(*shape)
        return grad_rows.view(self.n, self.d, self.c).transpose(1, 2).reshape(*shape)

    def weights(self, weight, like):
        """Each target's class weight (0 where ignored): [N, D]."""
        if weight is None:
            return self.valid._to_dtype(like.dtype)
        w = _C.take_offsets(opmath(weight).contiguous(), self.classes)
        return _C.where(self.valid, w, 0.0, None)


def _nll(picked, targets, weight, reduction):
    """NLL from the targets' log-probabilities ``picked`` [N, D]: (loss [N, D] or reduced, total weight)."""
    w = targets.weights(weight, picked)
    loss = _C.where(targets.valid, -picked * w, 0.0, None)
    total = w.sum()
    if reduction == "none":
        return loss, total
    if reduction == "sum":
        return loss.sum(), total
    return loss.sum() / total, total


def _as_ncd(input, targets):
    return opmath(input).contiguous().view(targets.n, targets.c, targets.d)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood: ``-weight[t] * input[n, t]`` for class
    indices ``t`` (``input``: log-probabilities ``[N, C, *]`` or ``[C]``);
    targets equal to ``ignore_index`` count for nothing, and 'mean' divides
    by the total weight of the others."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    targets = _ClassTargets("nll_loss", input, target, weight, ignore_index)
    x3 = _as_ncd(input, targets)
    loss, _ = _nll(_C.take_offsets(x3, targets.offsets), targets, weight, reduction)
    if reduction == "none":
        loss = loss.reshape(targets.target_shape)
    return loss._to_dtype(input.dtype)


def nll_loss_backward(grad_output, input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Gradient of :func:`nll_loss` with respect to ``input``: ``-weight[t]``
    (over the total weight for 'mean') at each target, zero elsewhere."""
    check_reduction(reduction)
    targets = _ClassTargets("nll_loss", input, target, weight, ignore_index)
    like = opmath(input)
    w = targets.weights(weight, like)
    g = opmath(grad_output)
    coef = -w * (g.reshape(targets.n, targets.d) if reduction == "none" else g.reshape(()))
    if reduction == "mean":
        coef = coef / w.sum()
    gi = _C.empty([targets.n, targets.c, targets.d], like.dtype).fill_(0)
    _C.put_offsets_(gi, targets.offsets, _C.where(targets.valid, coef, 0.0, None), 0)
    return gi.view(*input.shape)._to_dtype(input.dtype)


def _check_smoothing(label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _is_probabilities(input, target):
    return target.dtype.is_floating_point and tuple(target.shape) == tuple(input.shape)


def _class_view(t, nd):
    """A per-class vector broadcast against [N, C, D]."""
    return t.reshape(1, -1, 1)


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
):
    """Cross entropy of unnormalized logits ``input`` (``[N, C, *]`` or
    ``[C]``) against class indices (with ``ignore_index``) or class
    probabilities of ``input``'s shape, with optional class ``weight`` and
    ``label_smoothing``: log-softmax, then a gather of the targets."""
    check_tensor("cross_entropy", "input", input)
    check_tensor("cross_entropy", "target", target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _check_smoothing(label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    if _is_probabilities(input, target):
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim)
    if weight is not None and weight.requires_grad:  # the one-op form differentiates input only
        return _class_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    return _class_cross_entropy_op(input, target, weight, ignore_index, reduction, label_smoothing)


def _class_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    """Cross entropy against class indices."""
    class_dim = 0 if input.dim() == 1 else 1
    targets = _ClassTargets("cross_entropy", input, target, weight, ignore_index)
    fused = targets.fused_operands(input, weight)
    if fused is not None:
        loss, taken = _C.class_cross_entropy(*fused, ignore_index, float(label_smoothing))
        if reduction == "sum":
            loss = loss.sum()
        elif reduction == "mean":
            loss = loss.sum() / taken.sum()
        else:
            loss = loss.reshape(targets.target_shape)
        return loss._to_dtype(input.dtype)
    if label_smoothing == 0 and targets.d == 1 and targets.c > 0 and input.dtype.is_floating_point:
        # only the targets' log-probabilities: x[t] - logsumexp(x), no [N, C] log_softmax
        x3 = _as_ncd(input, targets)
        lse = _C.logsumexp_last(x3.view(targets.n, targets.c)).view(targets.n, 1)
        loss, _ = _nll(_C.take_offsets(x3, targets.offsets) - lse, targets, weight, reduction)
        if reduction == "none":
            loss = loss.reshape(targets.target_shape)
        return loss._to_dtype(input.dtype)
    logp = log_softmax(input, class_dim)
    x3 = _as_ncd(logp, targets)
    loss, total = _nll(_C.take_offsets(x3, targets.offsets), targets, weight, reduction)
    if label_smoothing > 0:
        w = None if weight is None else _class_view(opmath(weight), 3)
        smooth = -(x3 if w is None else x3 * w).sum(1)  # [N, D]
        smooth = _C.where(targets.valid, smooth, 0.0, None)
        if reduction == "mean":
            smooth = smooth.sum() / total
        elif reduction == "sum":
            smooth = smooth.sum()
        loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / targets.c)
    if reduction == "none":
        loss = loss.reshape(targets.target_shape)
    return loss._to_dtype(input.dtype)


# one autograd node whose gradient runs cross_entropy_backward, not one per op above
_class_cross_entropy_op = recorded_as("cross_entropy")(_class_cross_entropy)


def _smoothed(target, label_smoothing, c):
    t = opmath(target)
    return t * (1 - label_smoothing) + label_smoothing / c if label_smoothing > 0 else t


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim):
    c = input.shape[class_dim]
    logp = opmath(log_softmax(input, class_dim))
    t = _smoothed(target, label_smoothing, c)
    prod = logp * t
    if weight is not None:
        _check_prob_weight(weight, c)
        prod = prod * opmath(weight).reshape(-1, *([1] * (input.dim() - class_dim - 1)))
    if reduction == "none":
        out = -prod.sum(class_dim)
    elif reduction == "sum":
        out = -prod.sum()
    else:
        count = input.numel() // c if c else 0
        out = -prod.sum() / count if count else -prod.sum() * float("nan")
    return out._to_dtype(input.dtype)


def _check_prob_weight(weight, c):
    if weight.dim() != 1 or weight.numel() != c:
        raise RuntimeError(
            f"weight tensor should be defined either for all {c} classes or no classes but got weight tensor "
            f"of shape: {list(weight.shape)}"
        )


def cross_entropy_backward(
    grad_output, input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0
):
    """Gradient of :func:`cross_entropy` with respect to ``input``.

    With the loss written as ``-sum_c q[c] * log_softmax(x)[c]`` per sample,
    the gradient is ``grad * (softmax(x) * sum_c q[c] - q)``; ``q`` holds the
    (smoothed, weighted, reduction-scaled) target coefficients.
    """
    check_reduction(reduction)
    _check_smoothing(label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    g = opmath(grad_output)
    if _is_probabilities(input, target):
        c = input.shape[class_dim]
        p = opmath(softmax(input, class_dim))
        q = _smoothed(target, label_smoothing, c)
        if weight is not None:
            _check_prob_weight(weight, c)
            q = q * opmath(weight).reshape(-1, *([1] * (input.dim() - class_dim - 1)))
        if reduction == "none":
            g = g.unsqueeze(class_dim)
        else:
            g = g.reshape(())
            if reduction == "mean":
                g = g / (input.numel() // c if c else 0)
        gi = (p * q.sum(class_dim, keepdim=True) - q) * g
        return gi._to_dtype(input.dtype)
    targets = _ClassTargets("cross_entropy", input, target, weight, ignore_index)
    n, c, d = targets.n, targets.c, targets.d
    fused = None if _C.autograd_records(grad_output) else targets.fused_operands(input, weight)
    if fused is not None:
        rows, indices, w = fused
        g = g._to_dtype(rows.dtype).contiguous()
        g = g.reshape(n * d) if reduction == "none" else g.reshape(1)
        mean = reduction == "mean"
        gi = _C.class_cross_entropy_backward(rows, indices, w, ignore_index, float(label_smoothing), g, mean)
        return targets.from_rows(gi, input.shape)._to_dtype(input.dtype)
    p = _as_ncd(softmax(input, class_dim), targets)  # [N, C, D]
    w_t = targets.weights(weight, p)  # [N, D]
    g = g.reshape(n, d) if reduction == "none" else g.reshape(())
    if reduction == "mean":
        g = g / w_t.sum()
    eps = float(label_smoothing)
    # q[n, c, d] = a[n, d] * [c == t] + b[n, d] * weight[c]
    a = w_t * (1 - eps)
    b = targets.valid._to_dtype(p.dtype) * (eps / c)
    w_sum = float(c) if weight is None else opmath(weight).sum()
    total = (a + b * w_sum) * g  # sum_c q, times the upstream gradient
    gi = p * total.view(n, 1, d)
    if eps > 0:
        bw = (b * g).view(n, 1, d)
        gi = gi - (bw if weight is None else bw * _class_view(opmath(weight), 3))
    gi = gi.contiguous()
    _C.put_offsets_(gi, targets.offsets, _C.where(targets.valid, -(a * g), 0.0, None), 1)
    return gi.view(*input.shape)._to_dtype(input.dtype)
