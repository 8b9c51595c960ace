# SPDX-License-Identifier: BSD-3-Clause
"""Pooling (max, average, adaptive; 1-D and 2-D) and its gradients.

The core's window kernels take, per output row and column, the input window
``[start, end)`` already clipped to the input; this module computes those
windows for each flavour (padding, ``ceil_mode``, adaptive bins), the
average's divisor per output position (``count_include_pad``,
``divisor_override``), and PyTorch's output sizes and checks. Max pooling
with dilation gathers its windows with im2col from a ``-inf``-padded copy.
Gradients: average pooling has a core kernel; max pooling adds the gradient
at the recorded argmax positions (a core kernel, or ``put_offsets_`` in add
mode where autograd records the call to differentiate it again).
1-D pooling is 2-D pooling of height 1.
"""

from __future__ import annotations

import functools
import math

from .. import _C
from ._common import arange, check_tensor, float32, float64, int64, np, ntuple, zeros


def _pair(value, name):
    return ntuple(value, 2, name)


def _out_size(size, k, p, s, d, ceil_mode):
    """PyTorch's pooling_output_shape."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _as_4d(name, input, dims=2):
    """The input as [N, C, H, W] (1-D pooling: H = 1) and how to undo it."""
    check_tensor(name, "input", input)
    nd = input.dim()
    ok = (nd in (2, 3)) if dims == 1 else (nd in (3, 4))
    if not ok or any(s == 0 for s in input.shape[1:]):
        want = "2D or 3D" if dims == 1 else "3D or 4D"
        raise RuntimeError(f"{name}: non-empty {want} (batch mode) tensor expected for input, got {list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype.name}'")
    batched = nd == dims + 2
    x = input if batched else input.unsqueeze(0)
    if dims == 1:
        x = x.unsqueeze(2)

    def back(t):
        if dims == 1:
            t = t.squeeze(2)
        return t if batched else t.squeeze(0)

    return x, back


class _Window:
    """Pooling geometry: kernel, stride, padding, dilation, output sizes."""

    def __init__(self, name, shape, kernel_size, stride, padding, dilation, ceil_mode, dims):
        n1 = dims == 1
        k = ntuple(kernel_size, dims, "kernel_size")
        s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else stride
        s = ntuple(s, dims, "stride")
        p = ntuple(padding, dims, "padding")
        d = ntuple(dilation, dims, "dilation")
        if n1:
            k, s, p, d = (1, *k), (1, *s), (0, *p), (1, *d)
        if any(v <= 0 for v in k):
            raise RuntimeError(f"kernel_size should be greater than zero, but got kernel_size={list(k[2 - dims :])}")
        if any(v <= 0 for v in s):
            raise RuntimeError(f"stride should be greater than zero, but got stride={list(s[2 - dims :])}")
        if any(v <= 0 for v in d):
            raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(d[2 - dims :])}")
        for kk, pp, dd in zip(k, p, d):
            if pp < 0 or pp > (dd * (kk - 1) + 1) // 2:
                raise RuntimeError(
                    "pad should be at most half of effective kernel size, but got "
                    f"pad={pp}, kernel_size={kk} and dilation={dd}"
                )
        n, c, h, w = shape
        oh, ow = (_out_size(h, k[0], p[0], s[0], d[0], ceil_mode), _out_size(w, k[1], p[1], s[1], d[1], ceil_mode))
        if oh < 1 or ow < 1:
            got = f"{c}x{h}x{w}"
            raise RuntimeError(
                f"Given input size: ({got}). Calculated output size: ({c}x{oh}x{ow}). Output size is too small"
            )
        self.k, self.s, self.p, self.d = k, s, p, d
        self.in_hw, self.out_hw = (h, w), (oh, ow)
        self.ceil_mode = ceil_mode

    def bounds(self, axis):
        """Per output index along ``axis``: (start, end) clipped to the input,
        and the window size clipped to the padded input (for averages)."""
        a = axis
        return _axis_bounds(self.in_hw[a], self.out_hw[a], self.k[a], self.s[a], self.p[a])


@functools.lru_cache(maxsize=256)
def _axis_bounds(size, out, k, s, p):
    # cached: a network pools the same shapes on every call (read-only arrays)
    start = np.arange(out, dtype=np.int64) * s - p
    end = np.minimum(start + k, size + p)
    pool = end - start
    bounds = (np.maximum(start, 0), np.minimum(end, size), pool)
    for b in bounds:
        b.flags.writeable = False
    return bounds


def _windows(win):
    hs, he, hpool = win.bounds(0)
    ws, we, wpool = win.bounds(1)
    return hs, he, ws, we, hpool, wpool


def _avg_divisors(win, count_include_pad, divisor_override):
    hs, he, ws, we, hpool, wpool = _windows(win)
    if divisor_override is not None:
        div = np.full(len(hs) * len(ws), float(divisor_override))
    elif count_include_pad:
        div = np.outer(hpool, wpool).ravel().astype(np.float64)
    else:
        div = np.outer(he - hs, we - ws).ravel().astype(np.float64)
    return [hs.tolist(), he.tolist(), ws.tolist(), we.tolist(), div.tolist()]


def _flat_indices_offsets(shape):
    """Offset of each [n, c] plane in a contiguous [N, C, H, W] tensor."""
    n, c, h, w = shape
    return (arange(n * c) * (h * w)).view(n, c, 1, 1)


# ---- max pooling -----------------------------------------------------------
def _max_dilated(x, win):
    """Max pooling with dilation: im2col over a -inf padded copy, then the
    max (and argmax) over each window's elements."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = win.k, win.s, win.p, win.d
    oh, ow = win.out_hw
    hp = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)
    wp = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)
    xp = _C.empty([n, c, hp, wp], x.dtype).fill_(-math.inf)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    cols = _C.im2col(xp, [kh, kw, sh, sw, 0, 0, dh, dw], oh, ow).view(n, c, kh * kw, oh * ow)
    out = cols.amax(2)
    arg = cols.argmax(2)  # [N, C, L]: which kernel element
    ki, kj = arg // kw, arg % kw
    oy = (arange(oh) * sh - ph).view(oh, 1).expand(oh, ow).reshape(oh * ow)
    ox = (arange(ow) * sw - pw).view(1, ow).expand(oh, ow).reshape(oh * ow)
    idx = (oy + ki * dh) * w + (ox + kj * dw)
    return out.view(n, c, oh, ow), idx.view(n, c, oh, ow)


def _max_pool(name, input, kernel_size, stride, padding, dilation, ceil_mode, dims):
    x, back = _as_4d(name, input, dims)
    win = _Window(name, tuple(x.shape), kernel_size, stride, padding, dilation, ceil_mode, dims)
    if win.d == (1, 1):
        hs, he, ws, we, _, _ = _windows(win)
        out, idx = _C.max_pool2d(x, hs.tolist(), he.tolist(), ws.tolist(), we.tolist())
    else:
        out, idx = _max_dilated(x, win)
    return back(out), back(idx)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over ``[N, C, H, W]`` or ``[C, H, W]``.

    With ``return_indices``, also returns the argmax of each window as a flat
    index into its ``H*W`` plane (what :func:`max_pool2d_backward` takes).
    """
    out, idx = _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, 2)
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over ``[N, C, L]`` or ``[C, L]``; indices index ``L``."""
    out, idx = _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, 1)
    return (out, idx) if return_indices else out


def _scatter_max(grad_output, indices, input_size, dims):
    """Adds each output gradient at its window's argmax."""
    shape = tuple(int(s) for s in input_size)
    g = grad_output.contiguous()
    idx = indices
    if len(shape) == dims + 1:  # unbatched
        shape, g, idx = (1, *shape), g.unsqueeze(0), idx.unsqueeze(0)
    if dims == 1:
        shape = (shape[0], shape[1], 1, shape[2])
        g, idx = g.unsqueeze(2), idx.unsqueeze(2)
    if tuple(g.shape) != tuple(idx.shape):
        raise RuntimeError(
            f"max_pool_backward: grad_output {list(grad_output.shape)} and indices {list(indices.shape)} differ"
        )
    if idx.dtype != int64:
        raise RuntimeError(f"max_pool_backward: expected int64 indices, got {idx.dtype.name}")
    if g.dtype in (float32, float64) and not _C.autograd_records(g):
        grad_input = _C.max_pool2d_backward(g, idx, shape[2], shape[3])  # one pass per plane
    else:  # a composite autograd can differentiate again
        grad_input = zeros(shape, g.dtype)
        _C.put_offsets_(grad_input, idx + _flat_indices_offsets(shape), g, 1)
    return grad_input.view(*[int(s) for s in input_size])


def max_pool2d_backward(grad_output, indices, input_size):
    """Gradient of :func:`max_pool2d` with respect to its input.

    Parameters
    ----------
    grad_output : Tensor
        Gradient of the pooled output.
    indices : Tensor
        The forward's ``return_indices`` result.
    input_size : sequence of int
        The forward input's shape.
    """
    return _scatter_max(grad_output, indices, input_size, 2)


def max_pool1d_backward(grad_output, indices, input_size):
    """Gradient of :func:`max_pool1d` (see :func:`max_pool2d_backward`)."""
    return _scatter_max(grad_output, indices, input_size, 1)


# ---- average pooling ---------------------------------------------------------
def _avg_setup(name, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, dims):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, back = _as_4d(name, input, dims)
    win = _Window(name, tuple(x.shape), kernel_size, stride, padding, 1, ceil_mode, dims)
    return x, back, _avg_divisors(win, count_include_pad, divisor_override)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """2-D average pooling over ``[N, C, H, W]`` or ``[C, H, W]``.

    ``count_include_pad`` counts the zero padding in each window's divisor;
    ``divisor_override`` replaces the divisor.
    """
    x, back, args = _avg_setup(
        "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2
    )
    return back(_C.avg_pool2d(x, *args))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over ``[N, C, L]`` or ``[C, L]``."""
    x, back, args = _avg_setup("avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)
    return back(_C.avg_pool2d(x, *args))


def _avg_backward(
    name, grad_output, input_size, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, dims
):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    shape = [int(s) for s in input_size]
    x_shape = shape if len(shape) == dims + 2 else [1, *shape]
    if dims == 1:
        x_shape = [x_shape[0], x_shape[1], 1, x_shape[2]]
    win = _Window(name, tuple(x_shape), kernel_size, stride, padding, 1, ceil_mode, dims)
    g = grad_output.reshape(x_shape[0], x_shape[1], *win.out_hw)
    args = _avg_divisors(win, count_include_pad, divisor_override)
    return _C.avg_pool2d_backward(g, x_shape[2], x_shape[3], *args).view(*shape)


def avg_pool2d_backward(
    grad_output,
    input_size,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """Gradient of :func:`avg_pool2d` with respect to its input of shape ``input_size``."""
    return _avg_backward(
        "avg_pool2d",
        grad_output,
        input_size,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        2,
    )


def avg_pool1d_backward(
    grad_output, input_size, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
):
    """Gradient of :func:`avg_pool1d` with respect to its input of shape ``input_size``."""
    return _avg_backward(
        "avg_pool1d", grad_output, input_size, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1
    )


# ---- adaptive pooling --------------------------------------------------------
def _adaptive_bins(size, out):
    i = np.arange(out, dtype=np.int64)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)  # ceil
    return start, end


def _adaptive_setup(name, input_shape, output_size, dims):
    shape = [int(s) for s in input_shape]
    if len(shape) not in (dims + 1, dims + 2):
        want = "2D or 3D" if dims == 1 else "3D or 4D"
        raise RuntimeError(f"{name}(): Expected {want} tensor, but got {shape}")
    osz = list(output_size) if isinstance(output_size, (list, tuple)) else [output_size] * dims
    if len(osz) != dims:
        raise RuntimeError(f"{name}: output_size must be {dims}, got {list(osz)}")
    spatial = shape[-dims:]
    osz = [spatial[i] if o is None else int(o) for i, o in enumerate(osz)]
    if any(o < 0 for o in osz):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received {osz}")
    if dims == 1:
        spatial, osz = [1, *spatial], [1, *osz]
    hs, he = _adaptive_bins(spatial[0], osz[0])
    ws, we = _adaptive_bins(spatial[1], osz[1])
    return hs, he, ws, we


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``output_size`` (an int, a pair; ``None``
    keeps that input size); bins as in PyTorch (floor start, ceil end)."""
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool1d(input, output_size):
    """1-D :func:`adaptive_avg_pool2d`."""
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


def _adaptive_avg(name, input, output_size, dims):
    check_tensor(name, "input", input)
    hs, he, ws, we = _adaptive_setup(name, input.shape, output_size, dims)
    x, back = _as_4d(name, input, dims)
    div = np.outer(he - hs, we - ws).ravel().astype(np.float64).tolist()
    return back(_C.avg_pool2d(x, hs.tolist(), he.tolist(), ws.tolist(), we.tolist(), div))


def _adaptive_avg_backward(name, grad_output, input_size, dims):
    shape = [int(s) for s in input_size]
    out_size = list(grad_output.shape[-dims:])
    hs, he, ws, we = _adaptive_setup(name, shape, out_size, dims)
    x_shape = shape if len(shape) == dims + 2 else [1, *shape]
    if dims == 1:
        x_shape = [x_shape[0], x_shape[1], 1, x_shape[2]]
    g = grad_output.reshape(x_shape[0], x_shape[1], len(hs), len(ws))
    div = np.outer(he - hs, we - ws).ravel().astype(np.float64).tolist()
    args = (hs.tolist(), he.tolist(), ws.tolist(), we.tolist(), div)
    return _C.avg_pool2d_backward(g, x_shape[2], x_shape[3], *args).view(*shape)


def adaptive_avg_pool2d_backward(grad_output, input_size):
    """Gradient of :func:`adaptive_avg_pool2d` with respect to its input of shape ``input_size``."""
    return _adaptive_avg_backward("adaptive_avg_pool2d", grad_output, input_size, 2)


def adaptive_avg_pool1d_backward(grad_output, input_size):
    """Gradient of :func:`adaptive_avg_pool1d`."""
    return _adaptive_avg_backward("adaptive_avg_pool1d", grad_output, input_size, 1)


def _adaptive_max(name, input, output_size, return_indices, dims):
    check_tensor(name, "input", input)
    hs, he, ws, we = _adaptive_setup(name, input.shape, output_size, dims)
    x, back = _as_4d(name, input, dims)
    out, idx = _C.max_pool2d(x, hs.tolist(), he.tolist(), ws.tolist(), we.tolist())
    return (back(out), back(idx)) if return_indices else back(out)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed ``output_size``; indices as :func:`max_pool2d`'s."""
    return _adaptive_max("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D :func:`adaptive_max_pool2d`."""
    return _adaptive_max("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d_backward(grad_output, indices, input_size):
    """Gradient of :func:`adaptive_max_pool2d` (the same scatter as max pooling)."""
    return _scatter_max(grad_output, indices, input_size, 2)


def adaptive_max_pool1d_backward(grad_output, indices, input_size):
    """Gradient of :func:`adaptive_max_pool1d`."""
    return _scatter_max(grad_output, indices, input_size, 1)
