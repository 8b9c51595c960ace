# SPDX-License-Identifier: BSD-3-Clause
"""Normalization: layer, batch, group, instance and RMS norm, and their
gradients.

Layer and group norm run on the core's fused row kernel (mean, reciprocal
standard deviation and the normalized rows in one pass); batch norm uses the
reduction framework over every dim but the channels and applies one fused
scale and shift. 16-bit floats compute in float32. Each ``native_*`` form
also returns the statistics that the gradient needs.
"""

from __future__ import annotations

from .. import _C
from ._common import check_tensor, is_half, np, opmath


def _prod(values):
    n = 1
    for v in values:
        n *= int(v)
    return n


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _param(t, like):
    """An affine parameter in the compute dtype of ``like`` (or None)."""
    if t is None:
        return None
    return t._to_dtype(like.dtype) if t.dtype != like.dtype else t


def _channel_view(t, ndim):
    """A per-channel vector shaped to broadcast against [N, C, *]."""
    return t.reshape(1, -1, *([1] * (ndim - 2)))


# ---- layer norm --------------------------------------------------------------
def _check_layer_norm(input, shape, weight, bias):
    k = len(shape)
    if k == 0 or tuple(input.shape[input.dim() - k :]) != shape or input.dim() < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {what} to be of same shape as normalized_shape, but got {what} of shape "
                f"{list(t.shape)} and normalized_shape = {list(shape)}"
            )


def native_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """:func:`layer_norm` that also returns ``(mean, rstd)``, shaped as the
    input's leading dims with ones for the normalized ones."""
    check_tensor("layer_norm", "input", input)
    shape = _normalized_shape(normalized_shape)
    _check_layer_norm(input, shape, weight, bias)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"layer_norm: expected a floating-point input, got {input.dtype.name}")
    x = opmath(input)
    n = _prod(shape)
    out, mean, rstd = _C.layer_norm(x, n, _param(weight, x), _param(bias, x), float(eps))
    stat_shape = [*input.shape[: input.dim() - len(shape)], *([1] * len(shape))]
    out = out._to_dtype(input.dtype) if is_half(input) else out
    return out, mean.view(*stat_shape), rstd.view(*stat_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalizes over the trailing ``normalized_shape`` dims, then scales by
    ``weight`` and shifts by ``bias`` (elementwise, of that shape)."""
    return native_layer_norm(input, normalized_shape, weight, bias, eps)[0]


def _row_norm_grad(gy, xhat, rstd, subtract_mean=True):
    """The input gradient of ``xhat = (x - mean) * rstd`` over rows (dim 1)
    from the gradient ``gy`` of ``xhat``."""
    proj = (gy * xhat).mean(1, keepdim=True)
    if subtract_mean:
        return rstd * (gy - gy.mean(1, keepdim=True) - xhat * proj)
    return rstd * (gy - xhat * proj)


def layer_norm_backward(
    grad_output, input, normalized_shape, mean, rstd, weight=None, bias=None, output_mask=(True, True, True)
):
    """Gradients of :func:`layer_norm`.

    Parameters
    ----------
    grad_output, input : Tensor
        The output's gradient and the forward's input.
    normalized_shape : sequence of int
        The forward's ``normalized_shape``.
    mean, rstd : Tensor
        The statistics :func:`native_layer_norm` returned.
    weight, bias : Tensor or None
        The forward's affine parameters.
    output_mask : tuple of 3 bool
        Which of (input, weight, bias) gradients to compute.

    Returns
    -------
    tuple
        ``(grad_input, grad_weight, grad_bias)``; ``None`` where not asked
        for or where the parameter is None.
    """
    shape = _normalized_shape(normalized_shape)
    n = _prod(shape)
    rows = input.numel() // n if n else 0
    x = opmath(input).reshape(rows, n)
    g = opmath(grad_output).reshape(rows, n)
    mu = opmath(mean).reshape(rows, 1)
    rs = opmath(rstd).reshape(rows, 1)
    xhat = (x - mu) * rs
    gi = gw = gb = None
    if output_mask[0]:
        gy = g * _param(weight, x).reshape(1, n) if weight is not None else g
        gi = _row_norm_grad(gy, xhat, rs).reshape(input.shape)._to_dtype(input.dtype)
    if output_mask[1] and weight is not None:
        gw = (g * xhat).sum(0).reshape(shape)._to_dtype(weight.dtype)
    if output_mask[2] and bias is not None:
        gb = g.sum(0).reshape(shape)._to_dtype(bias.dtype)
    return gi, gw, gb


# ---- RMS norm ------------------------------------------------------------------
def _default_eps(dtype):
    name = "float32" if dtype.name == "bfloat16" else dtype.name
    return 0.0078125 if dtype.name == "bfloat16" else float(np.finfo(name).eps)


def native_rms_norm(input, normalized_shape, weight=None, eps=None):
    """:func:`rms_norm` that also returns ``rstd`` (shaped as in :func:`native_layer_norm`)."""
    check_tensor("rms_norm", "input", input)
    shape = _normalized_shape(normalized_shape)
    _check_layer_norm(input, shape, weight, None)
    eps = _default_eps(input.dtype) if eps is None else float(eps)
    x = opmath(input)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    rstd = ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    out = x * rstd
    if weight is not None:
        out = out * _param(weight, x)
    return out._to_dtype(input.dtype), rstd


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing
    ``normalized_shape`` dims; ``eps`` defaults to the dtype's machine epsilon."""
    return native_rms_norm(input, normalized_shape, weight, eps)[0]


def rms_norm_backward(grad_output, input, normalized_shape, rstd, weight=None, output_mask=(True, True)):
    """Gradients of :func:`rms_norm`: ``(grad_input, grad_weight)``."""
    shape = _normalized_shape(normalized_shape)
    n = _prod(shape)
    rows = input.numel() // n if n else 0
    x = opmath(input).reshape(rows, n)
    g = opmath(grad_output).reshape(rows, n)
    rs = opmath(rstd).reshape(rows, 1)
    xhat = x * rs
    gi = gw = None
    if output_mask[0]:
        gy = g * _param(weight, x).reshape(1, n) if weight is not None else g
        gi = _row_norm_grad(gy, xhat, rs, subtract_mean=False).reshape(input.shape)._to_dtype(input.dtype)
    if output_mask[1] and weight is not None:
        gw = (g * xhat).sum(0).reshape(shape)._to_dtype(weight.dtype)
    return gi, gw


# ---- batch norm ----------------------------------------------------------------
def _check_channels(what, t, c):
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{what} should contain {c} elements not {t.numel()}")


def native_batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """:func:`batch_norm` that also returns ``(save_mean, save_invstd)`` per
    channel: the batch statistics when training, the running ones otherwise
    (what :func:`batch_norm_backward` takes)."""
    check_tensor("batch_norm", "input", input)
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected at least 2D input (got {input.dim()}D input)")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"batch_norm: expected a floating-point input, got {input.dtype.name}")
    c = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        _check_channels(what, t, c)
    nd = input.dim()
    x = opmath(input)
    dims = (0, *range(2, nd))
    count = input.numel() // c if c else 0
    if training:
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mean = x.sum(dims) / count
        diff = x - _channel_view(mean, nd)
        var = (diff * diff).sum(dims) / count
        invstd = (var + eps).rsqrt()
        if running_mean is not None or running_var is not None:
            if momentum is None:
                raise ValueError("batch_norm: momentum=None (a cumulative average) is the module's job; pass a factor")
            m = float(momentum)
            if running_mean is not None:
                running_mean.mul_(1 - m).add_(mean._to_dtype(running_mean.dtype) * m)
            if running_var is not None:
                unbiased = var * (count / (count - 1))
                running_var.mul_(1 - m).add_(unbiased._to_dtype(running_var.dtype) * m)
        scale = invstd if weight is None else invstd * _param(weight, x)
        out = diff * _channel_view(scale, nd)
    else:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
        mean = _param(running_mean, x)
        invstd = (_param(running_var, x) + eps).rsqrt()
        scale = invstd if weight is None else invstd * _param(weight, x)
        out = x * _channel_view(scale, nd) - _channel_view(mean * scale, nd)
    if bias is not None:
        out = out + _channel_view(_param(bias, x), nd)
    return out._to_dtype(input.dtype), mean, invstd


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalizes each channel (dim 1) of ``[N, C, *]``.

    Training: with the batch's mean and biased variance, and updates
    ``running_mean``/``running_var`` in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` (the
    unbiased variance for ``running_var``). Evaluation: with the running
    statistics.
    """
    return native_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)[0]


def batch_norm_backward(
    grad_output, input, weight, save_mean, save_invstd, training=True, output_mask=(True, True, True)
):
    """Gradients of :func:`batch_norm` from :func:`native_batch_norm`'s statistics.

    Returns
    -------
    tuple
        ``(grad_input, grad_weight, grad_bias)``; ``None`` where not asked for.
        ``grad_weight``/``grad_bias`` are computed even when the forward had
        no ``weight``/``bias`` if the mask asks.
    """
    nd = input.dim()
    c = input.shape[1]
    dims = (0, *range(2, nd))
    count = input.numel() // c if c else 0
    x, g = opmath(input), opmath(grad_output)
    mean, invstd = opmath(save_mean), opmath(save_invstd)
    xhat = (x - _channel_view(mean, nd)) * _channel_view(invstd, nd)
    gb = g.sum(dims)
    gw = (g * xhat).sum(dims)
    gi = None
    if output_mask[0]:
        scale = invstd if weight is None else invstd * _param(weight, x)
        if training:
            gi = (g - _channel_view(gb / count, nd) - xhat * _channel_view(gw / count, nd)) * _channel_view(scale, nd)
        else:
            gi = g * _channel_view(scale, nd)
        gi = gi._to_dtype(input.dtype)
    dt = weight.dtype if weight is not None else input.dtype
    return gi, gw._to_dtype(dt) if output_mask[1] else None, gb._to_dtype(dt) if output_mask[2] else None


# ---- group norm ----------------------------------------------------------------
def native_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """:func:`group_norm` that also returns ``(mean, rstd)`` of shape ``[N, num_groups]``."""
    check_tensor("group_norm", "input", input)
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    g = int(num_groups)
    if g <= 0 or c % g:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {what} to be a vector of size equal to the number of channels in input, but got "
                f"{what} of shape {list(t.shape)} and input of shape {list(input.shape)}"
            )
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"group_norm: expected a floating-point input, got {input.dtype.name}")
    x = opmath(input)
    m = input.numel() // (n * g) if n else 0
    if n == 0 or m == 0:
        return input.clone(), _C.empty([n, g], x.dtype), _C.empty([n, g], x.dtype)
    out, mean, rstd = _C.layer_norm(x.reshape(n * g, m), m, None, None, float(eps))
    if weight is not None or bias is not None:
        out = out.view(n, c, m // (c // g))
        if weight is not None:
            out = out * _param(weight, x).view(1, c, 1)
        if bias is not None:
            out = out + _param(bias, x).view(1, c, 1)
    return out.reshape(input.shape)._to_dtype(input.dtype), mean.view(n, g), rstd.view(n, g)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalizes ``[N, C, *]`` over each of ``num_groups`` channel groups
    (and all other dims), then applies the per-channel ``weight`` and ``bias``."""
    return native_group_norm(input, num_groups, weight, bias, eps)[0]


def group_norm_backward(grad_output, input, num_groups, mean, rstd, weight=None, output_mask=(True, True, True)):
    """Gradients of :func:`group_norm`: ``(grad_input, grad_weight, grad_bias)``
    from :func:`native_group_norm`'s ``mean`` and ``rstd``."""
    n, c = input.shape[0], input.shape[1]
    g = int(num_groups)
    s = input.numel() // (n * c) if n * c else 0
    x = opmath(input).reshape(n, g, (c // g) * s)
    go = opmath(grad_output).reshape(n, c, s)
    mu, rs = opmath(mean).reshape(n, g, 1), opmath(rstd).reshape(n, g, 1)
    xhat = (x - mu) * rs
    gi = gw = gb = None
    if output_mask[0]:
        gy = go * _param(weight, go).view(1, c, 1) if weight is not None else go
        gy = gy.reshape(n * g, (c // g) * s)
        gi = _row_norm_grad(gy, xhat.reshape(n * g, -1), rs.reshape(n * g, 1))
        gi = gi.reshape(input.shape)._to_dtype(input.dtype)
    dt = weight.dtype if weight is not None else input.dtype
    if output_mask[1]:
        gw = (go * xhat.reshape(n, c, s)).sum((0, 2))._to_dtype(dt)
    if output_mask[2]:
        gb = go.sum((0, 2))._to_dtype(dt)
    return gi, gw, gb


# ---- instance norm -------------------------------------------------------------
def instance_norm(
    input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, momentum=0.1, eps=1e-5
):
    """Normalizes each channel of each sample of ``[N, C, *]`` over its other
    dims (group norm with one channel per group). With ``use_input_stats``
    the running statistics, when given, are updated with the batch average of
    the per-instance statistics; otherwise they normalize (as batch norm in
    evaluation)."""
    check_tensor("instance_norm", "input", input)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected at least 3D input (got {input.dim()}D input)")
    n, c = input.shape[0], input.shape[1]
    s = input.numel() // (n * c) if n * c else 0
    if s <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    out, mean, rstd = native_group_norm(input, c, weight, bias, eps)
    if running_mean is not None or running_var is not None:
        m = float(momentum)
        if running_mean is not None:
            running_mean.mul_(1 - m).add_(mean.mean(0)._to_dtype(running_mean.dtype) * m)
        if running_var is not None:
            var = opmath(input).reshape(n, c, s).var(2)
            running_var.mul_(1 - m).add_(var.mean(0)._to_dtype(running_var.dtype) * m)
    return out


def instance_norm_backward(grad_output, input, weight=None, eps=1e-5, output_mask=(True, True, True)):
    """Gradients of :func:`instance_norm` with ``use_input_stats=True``:
    ``(grad_input, grad_weight, grad_bias)`` (the statistics are recomputed)."""
    c = input.shape[1]
    _, mean, rstd = native_group_norm(input, c, None, None, eps)
    return group_norm_backward(grad_output, input, c, mean, rstd, weight, output_mask)
