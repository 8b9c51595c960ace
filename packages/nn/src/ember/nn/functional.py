# SPDX-License-Identifier: BSD-3-Clause
"""``ember.nn.functional``: torch.nn.functional's names over the core's NN
kernels (re-exported as they are), plus the few functions built here from
ember ops (``linear``, ``bilinear``, distances, ``embedding_bag``, the
margin losses). Gradients come from autograd recording the kernels."""

from __future__ import annotations

import math

import ember
import ember.autograd
from ember._nn import activation as _act
from ember._nn import attention as _attn
from ember._nn import conv as _conv
from ember._nn import dropout as _drop
from ember._nn import embedding as _emb
from ember._nn import loss as _loss
from ember._nn import norm as _norm
from ember._nn import pool as _pool
from ember._nn import sampling as _samp
from ember._nn import softmax as _sm

Tensor = ember.Tensor

# ---- re-exported kernels (torch.nn.functional signatures) ---------------------------
conv1d = _conv.conv1d
conv2d = _conv.conv2d
conv_transpose1d = _conv.conv_transpose1d
conv_transpose2d = _conv.conv_transpose2d

max_pool1d = _pool.max_pool1d
max_pool2d = _pool.max_pool2d
avg_pool1d = _pool.avg_pool1d
avg_pool2d = _pool.avg_pool2d
adaptive_avg_pool1d = _pool.adaptive_avg_pool1d
adaptive_avg_pool2d = _pool.adaptive_avg_pool2d
adaptive_max_pool1d = _pool.adaptive_max_pool1d
adaptive_max_pool2d = _pool.adaptive_max_pool2d

layer_norm = _norm.layer_norm
rms_norm = _norm.rms_norm
batch_norm = _norm.batch_norm
group_norm = _norm.group_norm
instance_norm = _norm.instance_norm

softmax = _sm.softmax
log_softmax = _sm.log_softmax
softmin = _sm.softmin

relu = _act.relu
threshold = _act.threshold
hardtanh = _act.hardtanh
relu6 = _act.relu6
leaky_relu = _act.leaky_relu
prelu = _act.prelu
rrelu = _act.rrelu
elu = _act.elu
selu = _act.selu
celu = _act.celu
gelu = _act.gelu
silu = _act.silu
mish = _act.mish
softplus = _act.softplus
softsign = _act.softsign
logsigmoid = _act.logsigmoid
sigmoid = _act.sigmoid
tanh = _act.tanh
glu = _act.glu
hardsigmoid = _act.hardsigmoid
hardswish = _act.hardswish
hardshrink = _act.hardshrink
softshrink = _act.softshrink
tanhshrink = _act.tanhshrink

scaled_dot_product_attention = _attn.scaled_dot_product_attention

one_hot = _emb.one_hot

dropout = _drop.dropout
dropout1d = _drop.dropout1d
dropout2d = _drop.dropout2d
dropout3d = _drop.dropout3d
alpha_dropout = _drop.alpha_dropout

mse_loss = _loss.mse_loss
l1_loss = _loss.l1_loss
smooth_l1_loss = _loss.smooth_l1_loss
huber_loss = _loss.huber_loss
binary_cross_entropy = _loss.binary_cross_entropy
binary_cross_entropy_with_logits = _loss.binary_cross_entropy_with_logits
kl_div = _loss.kl_div
nll_loss = _loss.nll_loss
cross_entropy = _loss.cross_entropy

interpolate = _samp.interpolate
unfold = _samp.unfold
fold = _samp.fold
pixel_shuffle = _samp.pixel_shuffle
pixel_unshuffle = _samp.pixel_unshuffle
channel_shuffle = _samp.channel_shuffle
native_channel_shuffle = _samp.channel_shuffle
pad = _samp.pad


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """1-D max pooling returning ``(output, indices)``."""
    return _pool.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    """2-D max pooling returning ``(output, indices)``."""
    return _pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """1-D adaptive max pooling returning ``(output, indices)``."""
    return _pool.adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """2-D adaptive max pooling returning ``(output, indices)``."""
    return _pool.adaptive_max_pool2d(input, output_size, True)


def relu_(input):
    """In-place ReLU."""
    return _act.relu(input, inplace=True)


def elu_(input, alpha=1.0):
    """In-place ELU."""
    return _act.elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky ReLU."""
    return _act.leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return _act.hardtanh(input, min_val, max_val, inplace=True)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at the integer ``input``; the ``padding_idx`` row gets no gradient."""
    return _emb.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return _samp.interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return _samp.interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return _samp.interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- built here from ember ops ---------------------------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias``."""
    if bias is not None and input.dim() == 2 and weight.dim() == 2:
        return ember.addmm(bias, input, weight.t())
    out = ember.matmul(input, weight.t())
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1^T W_k x2 + b_k`` over the last dim of both inputs."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got {weight.dim()} dimensions")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected {in1}"
        )
    if input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected {in2}"
        )
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (B, in1) @ (in1, out*in2) -> (B, out, in2), then contract with x2
    t = ember.matmul(x1, weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    out = ember.matmul(t, x2.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_f)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    denom = ember.clamp_min(input.norm(p, dim, keepdim=True), eps).expand_as(input)
    res = input / denom
    if out is not None:
        return out.copy_(res)
    return res


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast)."""
    x1, x2 = ember.broadcast_tensors(x1, x2)
    # as PyTorch: each norm clamped separately, then the product
    n1 = ember.clamp_min(x1.norm(2, dim, keepdim=True), eps)
    n2 = ember.clamp_min(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim."""
    nd = max(x1.dim(), x2.dim(), 1)
    return (x1 - x2 + eps).norm(p, nd - 1, keepdim=keepdim)


def pdist(input, p=2.0):
    """Distances between all row pairs ``i < j`` of a 2-D input, flattened."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    n = input.shape[0]
    import numpy as np

    i, j = (ember.tensor(a) for a in np.triu_indices(n, 1))
    return (input[i] - input[j]).norm(p, 1)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalizes each channel by the mean squared activity of ``size`` neighbouring channels."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    sizes = input.shape
    div = (input * input).reshape(sizes[0], 1, sizes[1], -1)
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).squeeze(1).reshape(sizes)
    return input / (div * alpha + k) ** beta


def embedding_bag(
    input,
    weight,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    """Sums, means or maxes of embedding rows per bag: a 2-D ``input`` holds one
    bag per row; a 1-D ``input`` is cut into bags at ``offsets``."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
        )
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed "
                f"length sequences. However, found offsets of type {type(offsets).__name__}"
            )
        b, n = input.shape
        offsets = ember.arange(0, b * n, n, dtype=input.dtype)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if include_last_offset:
        offsets = offsets[:-1]
    nbags = offsets.shape[0]
    rows = embedding(input, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    # the bag of each index: how many offsets are <= its position, minus one
    pos = ember.arange(input.shape[0], dtype=offsets.dtype)
    bag = ember.searchsorted(offsets, pos, right=True) - 1
    keep = ember.ones(input.shape[0], dtype=ember.bool) if padding_idx is None else input != padding_idx
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.unsqueeze(1)
    rows = rows * keep.unsqueeze(1).to(rows.dtype)
    d = weight.shape[1]
    idx = bag.to(ember.int64)
    if mode == "max":
        return _bag_max(rows, keep, offsets, input.shape[0])
    out = ember.zeros((nbags, d), dtype=rows.dtype).index_add(0, idx, rows)
    if mode == "mean":
        counts = ember.zeros(nbags, dtype=rows.dtype).index_add(0, idx, keep.to(rows.dtype))
        out = out / ember.clamp_min(counts, 1).unsqueeze(1)
    return out


def _bag_max(rows, keep, offsets, n):
    # each bag's rows gathered into a padded [bags, longest, D] block, then amax
    # (scatter_reduce's amax has no derivative in ember-autograd)
    import numpy as np

    starts = offsets.numpy().astype(np.int64)
    ends = np.append(starts[1:], n)
    lengths = np.maximum(ends - starts, 0)
    longest = max(int(lengths.max()) if lengths.size else 0, 1)
    pos = starts[:, None] + np.arange(longest)[None, :]
    valid = np.arange(longest)[None, :] < lengths[:, None]
    pos = np.where(valid, pos, 0)
    pos_t = ember.tensor(pos)
    mask = ember.tensor(valid) & keep[pos_t] if n else ember.tensor(valid)
    block = rows[pos_t] if n else ember.zeros((*pos.shape, rows.shape[1]), dtype=rows.dtype)
    block = ember.where(mask.unsqueeze(-1), block, ember.full_like(block, -math.inf))
    out = block.amax(1)
    return ember.where(out == -math.inf, ember.zeros_like(out), out)


# ---- margin and likelihood losses, from ember ops ----------------------------------
def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``."""
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``."""
    zeros = ember.zeros_like(input)
    pos = ember.where(target == 1, input, zeros)
    neg = ember.where(target == -1, (margin - input).clamp(min=0), zeros)
    return _reduce(pos + neg, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-target * input))``."""
    return _reduce(softplus(-target * input), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos`` for ``target == 1``, ``max(0, cos - margin)`` for ``target == -1``."""
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)
    zeros = ember.zeros_like(cos)
    loss = ember.where(target == 1, 1 - cos, zeros) + ember.where(target == -1, (cos - margin).clamp(min=0), zeros)
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
):
    """Negative log-likelihood of ``target`` under Poisson(``input``)."""
    if log_input:
        loss = ember.exp(input) - target * input
    else:
        loss = input - target * ember.log(input + eps)
    if full:
        stirling = target * ember.log(target) - target + 0.5 * ember.log(2 * math.pi * target)
        loss = loss + ember.where(target > 1, stirling, ember.zeros_like(stirling))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of ``target`` under N(``input``, ``var``)."""
    if var.dim() == input.dim() - 1 or (var.shape != input.shape and var.shape[-1:] != (1,)):
        var = var.unsqueeze(-1)
    if ember.any(var < 0):
        raise ValueError("var has negative entry/entries")
    var = ember.clamp_min(var, eps)
    loss = 0.5 * (ember.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin=1.0,
    p=2,
    eps=1e-6,
    swap=False,
    size_average=None,
    reduce=None,
    reduction="mean",
):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with pairwise distances."""
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per-sample mean of the binary logistic loss over the classes."""
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=-1) / input.shape[-1]
    return _reduce(loss, reduction)


def multi_head_attention_forward(*args, **kwargs):
    """``torch.nn.functional.multi_head_attention_forward`` (what ``nn.MultiheadAttention`` runs)."""
    from .modules.attention import multi_head_attention_forward as forward

    return forward(*args, **kwargs)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations", "ember", "math", "Tensor")]
