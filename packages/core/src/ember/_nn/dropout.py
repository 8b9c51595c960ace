# SPDX-License-Identifier: BSD-3-Clause
"""Dropout: elementwise, per channel (``dropout1d/2d/3d``) and alpha
dropout, each returning or taking the keep-mask its gradient needs."""

from __future__ import annotations

import math
import warnings

from .. import _C
from .._creation import rand
from ._common import check_tensor

_ALPHA_PRIME = -1.7580993408473766  # -SELU scale * SELU alpha


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, generator=None):
    """Bool mask, True with probability ``1 - p``."""
    return rand(*shape, generator=generator) < (1.0 - p)


def _scale(p):
    return 0.0 if p == 1 else 1.0 / (1.0 - p)


def native_dropout(input, p, train, generator=None):
    """Dropout that also returns its bool keep-mask.

    Returns
    -------
    tuple
        ``(output, mask)``: ``output = input * mask / (1 - p)``. Not training
        (or ``p == 0``): ``(input, None)``.
    """
    check_tensor("dropout", "input", input)
    _check_p(p)
    if not train or p == 0:
        return input, None
    mask = _keep_mask(list(input.shape), p, generator)
    return input * (mask._to_dtype(input.dtype) * _scale(p)) if p < 1 else input * 0, mask


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability ``p`` and scales the others by
    ``1 / (1 - p)`` when ``training``; the identity otherwise."""
    out, _ = native_dropout(input, p, training)
    if inplace and out is not input:
        return input.copy_(out)
    return out


def dropout_backward(grad_output, mask, p):
    """Gradient of :func:`dropout` from :func:`native_dropout`'s ``mask``
    (``None``: the identity)."""
    if mask is None:
        return grad_output
    return grad_output * (mask._to_dtype(grad_output.dtype) * _scale(p))


def native_feature_dropout(input, p, train, generator=None):
    """Channel dropout (PyTorch's ``feature_dropout``): whole ``[n, c]``
    entries of ``[N, C, *]`` are zeroed together. Returns ``(output, mask)``
    with the mask shaped ``[N, C, 1, ...]`` (``(input, None)`` when not
    training)."""
    check_tensor("feature_dropout", "input", input)
    _check_p(p)
    if input.dim() < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got {input.dim()}")
    if not train or p == 0:
        return input, None
    mask = _keep_mask([*input.shape[:2], *([1] * (input.dim() - 2))], p, generator)
    return input * (mask._to_dtype(input.dtype) * _scale(p)), mask


def _finish(input, out, inplace):
    return input.copy_(out) if inplace and out is not input else out


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of ``[N, C, L]`` (or ``[C, L]``) with probability
    ``p``, scaling the others by ``1 / (1 - p)``."""
    check_tensor("dropout1d", "input", input)
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs)."
        )
    x = input if nd == 3 else input.unsqueeze(0)
    out, _ = native_feature_dropout(x, p, training)
    return _finish(input, out if nd == 3 else out.squeeze(0), inplace)


def _warn_dims(name, nd, spatial):
    warnings.warn(
        f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an error in a future "
        f"release. To retain the behavior and silence this warning, please use dropout instead. Note that {name} "
        f"exists to provide channel-wise dropout on inputs with {spatial} spatial dimensions, a channel dimension, "
        f"and an optional batch dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).",
        stacklevel=3,
    )


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of ``[N, C, H, W]`` with probability ``p``,
    scaling the others by ``1 / (1 - p)``. As in PyTorch, a 3-D input is
    read as ``[N, C, L]`` (with a warning)."""
    check_tensor("dropout2d", "input", input)
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        _warn_dims("dropout2d", nd, 2)
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _finish(input, native_feature_dropout(input, p, training)[0], inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of ``[N, C, D, H, W]`` (or ``[C, D, H, W]``)
    with probability ``p``, scaling the others by ``1 / (1 - p)``."""
    check_tensor("dropout3d", "input", input)
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        _warn_dims("dropout3d", nd, 3)
    x = input if nd == 5 else input.unsqueeze(0)
    out, _ = native_feature_dropout(x, p, training)
    return _finish(input, out if nd == 5 else out.squeeze(0), inplace)


def feature_dropout_backward(grad_output, mask, p):
    """Gradient of the channel dropouts from :func:`native_feature_dropout`'s ``mask``."""
    return dropout_backward(grad_output, mask, p)


def native_alpha_dropout(input, p, train, generator=None):
    """Alpha dropout that also returns ``(mask, a)``: ``output = a * (x * mask
    + alpha' * (1 - mask)) + b``, keeping SELU's mean and variance."""
    check_tensor("alpha_dropout", "input", input)
    _check_p(p)
    if not train or p == 0:
        return input, None, 1.0
    if p == 1:
        return input * 0, _C.empty(list(input.shape), input.dtype).fill_(0), 0.0
    mask = _keep_mask(list(input.shape), p, generator)._to_dtype(input.dtype)
    a = 1.0 / math.sqrt((_ALPHA_PRIME**2 * p + 1) * (1 - p))
    b = -a * _ALPHA_PRIME * p
    out = (input * mask + (1 - mask) * _ALPHA_PRIME) * a + b
    return out, mask, a


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped elements become SELU's negative
    saturation value, then an affine map restores mean and variance."""
    out = native_alpha_dropout(input, p, training)[0]
    return input.copy_(out) if inplace and out is not input else out


def alpha_dropout_backward(grad_output, mask, a):
    """Gradient of :func:`alpha_dropout` from :func:`native_alpha_dropout`'s ``mask`` and ``a``."""
    if mask is None:
        return grad_output
    return grad_output * mask._to_dtype(grad_output.dtype) * a
