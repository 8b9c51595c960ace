# SPDX-License-Identifier: BSD-3-Clause
"""The NN kernels PyTorch also has in its top-level namespace (``torch.conv2d``,
``torch.softmax``, ``torch.batch_norm``, ...), exported as ``ember.<name>`` with
``torch.<name>``'s signature, which sometimes differs from the
``torch.nn.functional`` one (``batch_norm``'s and ``embedding``'s argument
order, integer ``reduction`` codes, ``max_pool2d`` without ``return_indices``).
"""

from __future__ import annotations

from .._registry import Tensor, export
from . import activation, conv, loss, norm, pool, sampling
from . import dropout as _dropout
from . import embedding as _embedding
from . import softmax as _softmax

# the same signature as torch.nn.functional
for _fn in (
    conv.conv1d,
    conv.conv2d,
    conv.conv_transpose1d,
    conv.conv_transpose2d,
    pool.avg_pool1d,
    pool.adaptive_avg_pool1d,
    norm.rms_norm,
    activation.prelu,
    activation.hardshrink,
    sampling.pixel_shuffle,
    sampling.pixel_unshuffle,
    sampling.channel_shuffle,
    _embedding.embedding_renorm_,
):
    export(_fn)

_REDUCTION_CODES = {0: "none", 1: "mean", 2: "sum"}


def _reduction(code):
    if isinstance(code, str):
        return code
    if code not in _REDUCTION_CODES:
        raise ValueError(f"{code} is not a valid value for reduction")
    return _REDUCTION_CODES[code]


@export
def softmax(input, dim, dtype=None):
    """Softmax along ``dim`` (``torch.softmax``); ``dtype`` casts the input first."""
    return _softmax.softmax(input, dim, dtype=dtype)


@export
def log_softmax(input, dim, dtype=None):
    """Log-softmax along ``dim`` (``torch.log_softmax``)."""
    return _softmax.log_softmax(input, dim, dtype=dtype)


# as Tensor methods too: logits.softmax(-1), as in PyTorch
Tensor.softmax = softmax
Tensor.log_softmax = log_softmax


@export
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling (``torch.max_pool1d``: no indices)."""
    return pool.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


@export
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """2-D max pooling (``torch.max_pool2d``: no indices)."""
    return pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


@export
def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling returning ``(output, indices)``."""
    return pool.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


@export
def adaptive_max_pool1d(input, output_size):
    """1-D adaptive max pooling returning ``(output, indices)`` (as ``torch.adaptive_max_pool1d``)."""
    return pool.adaptive_max_pool1d(input, output_size, True)


@export
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """Layer normalization over the trailing ``normalized_shape`` dims."""
    return norm.layer_norm(input, normalized_shape, weight, bias, eps)


@export
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    """Batch normalization with ``torch.batch_norm``'s argument order
    (``weight, bias`` before the running statistics)."""
    return norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@export
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled=True):
    """Instance normalization with ``torch.instance_norm``'s argument order."""
    return norm.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


@export
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """Group normalization over ``num_groups`` channel groups."""
    return norm.group_norm(input, num_groups, weight, bias, eps)


@export
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at ``indices`` (``torch.embedding``: weight first)."""
    return _embedding.embedding(indices, weight, None, None, 2.0, scale_grad_by_freq, sparse)


@export
def dropout(input, p, train):
    """Dropout (``torch.dropout``: ``p`` and ``train`` required)."""
    return _dropout.dropout(input, p, train)


@export
def feature_dropout(input, p, train):
    """Channel dropout: whole ``[n, c]`` entries of ``[N, C, *]`` zeroed together."""
    return _dropout.native_feature_dropout(input, p, train)[0]


@export
def alpha_dropout(input, p, train):
    """Alpha dropout (``torch.alpha_dropout``)."""
    return _dropout.alpha_dropout(input, p, train)


@export
def selu(input):
    """SELU (``torch.selu``)."""
    return activation.selu(input)


@export
def celu(input, alpha=1.0):
    """CELU (``torch.celu``)."""
    return activation.celu(input, alpha)


@export
def threshold(input, threshold, value):
    """``input`` where ``> threshold``, else ``value`` (``torch.threshold``)."""
    return activation.threshold(input, threshold, value)


@export
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Randomized leaky ReLU (``torch.rrelu``)."""
    return activation.rrelu_with_noise(input, lower, upper, training, generator)[0]


@export
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    """``torch.binary_cross_entropy_with_logits``: ``reduction`` is 0 (none), 1 (mean) or 2 (sum)."""
    return loss.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction), pos_weight=pos_weight
    )


@export
def kl_div(input, target, reduction=1, log_target=False):
    """``torch.kl_div``: ``reduction`` is 0 (none), 1 (mean) or 2 (sum)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return loss.kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


@export
def constant_pad_nd(input, pad, value=0):
    """Pads with ``value`` (``pad`` as in ``torch.nn.functional.pad``)."""
    return sampling.pad(input, pad, "constant", value)
