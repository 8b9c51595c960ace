# SPDX-License-Identifier: BSD-3-Clause
"""Derivatives of the NN kernels: softmax, layer norm, im2col/col2im (conv),
pooling, the fused LSTM layer."""

from __future__ import annotations

import ember
from ember import _C

from ..function import delay_error
from . import derivative


@derivative("softmax", result=True)
def _softmax(ctx, g):
    (dim,) = ctx.attrs
    y = ctx.result
    return y * (g - (g * y).sum(dim, keepdim=True))


@derivative("log_softmax", result=True)
def _log_softmax(ctx, g):
    (dim,) = ctx.attrs
    y = ctx.result
    return g - y.exp() * g.sum(dim, keepdim=True)


@derivative("layer_norm", inputs=True, result=True)
def _layer_norm(ctx, g, g_mean=None, g_rstd=None):
    x, w, b = ctx.inputs
    n, _ = ctx.attrs
    _, mean, rstd = ctx.result
    need_x, need_w, need_b = ctx.needs_input_grad
    rows = x.numel() // n if n else 0
    r = rstd.reshape(rows, 1)
    xhat = (x.reshape(rows, n) - mean.reshape(rows, 1)) * r
    g2 = g.reshape(rows, n) if g is not None else None
    gx = gw = gb = None
    if need_x:
        if g2 is not None:
            gxhat = g2 * w.reshape(1, n) if w is not None else g2
            gx = r * (gxhat - gxhat.mean(-1, keepdim=True) - xhat * (gxhat * xhat).mean(-1, keepdim=True))
        else:
            gx = ember.zeros_like(xhat)
        # mean and rstd are outputs too (double backward reaches them through
        # this formula): d mean / dx = 1/n, d rstd / dx = -rstd^3 (x - mean) / n
        if g_mean is not None:
            gx = gx + g_mean.reshape(rows, 1) / n
        if g_rstd is not None:
            gx = gx - g_rstd.reshape(rows, 1) * r * r * xhat / n
        gx = gx.reshape(x.shape)
    if need_w and g2 is not None:
        gw = (g2 * xhat).sum(0).reshape(w.shape)
    if need_b and g2 is not None:
        gb = g2.sum(0).reshape(b.shape)
    return gx, gw, gb


@derivative("im2col")
def _im2col(ctx, g):
    params, oh, ow = ctx.attrs
    (shape,) = ctx.input_shapes
    _, c, h, w = shape
    return _C.col2im(g, c, h, w, params, oh, ow)


@derivative("col2im")
def _col2im(ctx, g):
    _, _, _, params, oh, ow = ctx.attrs
    return _C.im2col(g, params, oh, ow)


@derivative("conv2d_direct", inputs=True)
def _conv2d_direct(ctx, g):
    """The forward convolution the direct kernel computes (stride 1): its
    gradients are the core's conv2d backward kernels."""
    from ember._nn.conv import conv2d_backward

    x, w, _ = ctx.inputs
    pt, pl, dh, dw, groups, oh, ow = ctx.attrs
    kh, kw = w.shape[2:]
    h, wd = x.shape[2:]
    if (oh, ow) != (h + 2 * pt - dh * (kh - 1), wd + 2 * pl - dw * (kw - 1)):
        raise NotImplementedError("the derivative of conv2d_direct covers forward convolutions with even padding")
    need_x, need_w, need_b = ctx.needs_input_grad
    return conv2d_backward(g, x, w, 1, (pt, pl), (dh, dw), groups, (need_x, need_w, need_b))


def _conv(name):
    """conv*(input, weight, bias) as one op: its gradients are the core's
    ``<name>_backward`` kernels (fused where they are fastest)."""

    @derivative(name, inputs=True)
    def formula(ctx, g):
        from ember._nn import conv

        x, w, b = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        backward = getattr(conv, f"{name}_backward")
        gx, gw, gb = backward(g, x, w, *ctx.attrs, output_mask=(need_x, need_w, need_b and b is not None))
        return gx, gw, gb


for _name in ("conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d"):
    _conv(_name)


@derivative("cross_entropy", inputs=True)
def _cross_entropy(ctx, g):
    """Cross entropy against class indices as one op (its class weights
    do not require grad)."""
    from ember._nn.loss import cross_entropy_backward

    (x,) = ctx.inputs
    return cross_entropy_backward(g, x, *ctx.attrs)


@derivative("max_pool2d", result=True)
def _max_pool2d(ctx, g, g_indices=None):
    from ember._nn.pool import max_pool2d_backward

    _, indices = ctx.result
    (shape,) = ctx.input_shapes
    return max_pool2d_backward(g, indices, shape)


@derivative("avg_pool2d")
def _avg_pool2d(ctx, g):
    hs, he, ws, we, divisor = ctx.attrs
    (shape,) = ctx.input_shapes
    return _C.avg_pool2d_backward(g.contiguous(), shape[2], shape[3], hs, he, ws, we, divisor)


@derivative("avg_pool2d_backward")
def _avg_pool2d_backward(ctx, g):
    # avg_pool2d is linear: the adjoint of its gradient is the op itself
    hs, he, ws, we, divisor = ctx.attrs
    return _C.avg_pool2d(g.contiguous(), hs, he, ws, we, divisor)


def _not_differentiable_again(formula):
    """For a formula built on a kernel that has no derivative itself: it runs
    without recording, and under create_graph its results lead to a node that
    raises, since they depend on the op's inputs and on the incoming gradients."""

    def wrapper(ctx, *grads):
        with ember.no_grad():
            result = formula(ctx, *grads)
        if ember.is_grad_enabled():
            delay_error(result, (*grads, *ctx.inputs))
        return result

    return wrapper


@derivative("lstm_layer", inputs=True, result=True)
@_not_differentiable_again
def _lstm_layer(ctx, d_out, d_hn, d_cn, d_gates=None, d_cs=None):
    if d_gates is not None or d_cs is not None:
        raise RuntimeError("lstm_layer: its gates and cell states (outputs 3 and 4) are not differentiable")
    x, w_ih, _, h0, c0, w_hh = ctx.inputs
    (reverse,) = ctx.attrs
    out, _, _, gates, cs = ctx.result
    d_gates, dh0, dc0 = _C.lstm_layer_backward(d_out, d_hn, d_cn, gates, cs, c0, w_hh, reverse)
    need_x, need_w_ih, need_b, _, _, need_w_hh = ctx.needs_input_grad
    steps, batch, hidden = out.shape
    dg = d_gates.reshape(steps * batch, 4 * hidden)
    dx = dg.mm(w_ih).reshape(x.shape) if need_x else None
    dw_ih = dg.t().mm(x.reshape(steps * batch, x.shape[2])) if need_w_ih else None
    db = dg.sum(0) if need_b else None
    dw_hh = None
    if need_w_hh:  # sum over steps of d_gates_t^T h_{t-1}: one GEMM
        first = h0.unsqueeze(0)
        h_prev = ember.cat([out[1:], first]) if reverse else ember.cat([first, out[:-1]])
        dw_hh = dg.t().mm(h_prev.reshape(steps * batch, hidden))
    return dx, dw_ih, db, dh0, dc0, dw_hh
