# SPDX-License-Identifier: BSD-3-Clause
"""Resampling and rearranging: ``interpolate`` (nearest, nearest-exact,
(bi)linear, area), ``unfold``/``fold`` (im2col/col2im), ``pixel_shuffle``
and ``pad``, with their gradients.

Interpolation gathers whole rows and columns with ``take_offsets`` (bilinear
is separable: first along the width, then the height, the same order of
operations as PyTorch) and scatters gradients back with ``put_offsets_`` in
add mode. Source indices and weights are computed once per output row and
column, never per element in Python.
"""

from __future__ import annotations

import math

from .. import _C
from ._common import arange, check_tensor, int64, np, ntuple, opmath, zeros
from .pool import adaptive_avg_pool1d, adaptive_avg_pool1d_backward, adaptive_avg_pool2d, adaptive_avg_pool2d_backward


def _tensor(array, dtype):
    return _C.from_numpy(np.ascontiguousarray(array))._to_dtype(dtype)


# ---- interpolate -------------------------------------------------------------------
_LINEAR = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _output_size(spatial, size, scale_factor, recompute_scale_factor, dims):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dims
        if len(sizes) != dims:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {spatial} and output size of {sizes}. Please provide input tensor in (N, C, d1, d2, "
                "...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        return [int(s) for s in sizes], [None] * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dims
    if len(scales) != dims:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got input with spatial "
            f"dimensions of {spatial} and scale_factor of shape {scales}. Please provide input tensor in (N, C, "
            "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
        )
    out = [int(math.floor(float(i) * float(s))) for i, s in zip(spatial, scales)]
    return out, [None] * dims if recompute_scale_factor else [float(s) for s in scales]


def _scale_value(scale, in_size, out_size, dtype):
    """PyTorch's compute_scales_value: 1/scale_factor when given, else in/out."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(in_size) / dtype(out_size) if out_size else dtype(0)


def _nearest_index(in_size, out_size, scale, exact):
    if out_size == in_size and not exact:
        return np.arange(out_size, dtype=np.int64)
    if out_size == 2 * in_size and not exact:
        return np.arange(out_size, dtype=np.int64) >> 1
    s = _scale_value(scale, in_size, out_size, np.float32)
    o = np.arange(out_size, dtype=np.float32)
    src = np.floor((o + np.float32(0.5)) * s if exact else o * s).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _linear_weights(in_size, out_size, scale, align_corners, np_dtype):
    """Per output index: the two source indices and their weights."""
    o = np.arange(out_size, dtype=np_dtype)
    if align_corners:
        s = np_dtype((in_size - 1) / (out_size - 1)) if out_size > 1 else np_dtype(0)
        src = o * s
    else:
        s = _scale_value(scale, in_size, out_size, np_dtype)
        src = np.maximum(s * (o + np_dtype(0.5)) - np_dtype(0.5), np_dtype(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < in_size - 1)
    l1 = np.clip(src - i0.astype(np_dtype), 0, 1).astype(np_dtype)
    l0 = (np_dtype(1) - l1).astype(np_dtype)
    return i0, i1, l0, l1


def _gather(x3, idx, dim):
    """``x3`` ([A, B, C] contiguous) indexed by ``idx`` along dim 1 or 2."""
    a, b, c = x3.shape
    if dim == 2:
        offsets = (arange(a * b) * c).view(a * b, 1) + _tensor(idx, int64).view(1, -1)
        return _C.take_offsets(x3, offsets).view(a, b, len(idx))
    offsets = (arange(a) * (b * c)).view(a, 1, 1) + (_tensor(idx, int64) * c).view(1, -1, 1) + arange(c).view(1, 1, c)
    return _C.take_offsets(x3, offsets)


def _scatter(dst3, idx, dim, values):
    """Adds ``values`` into ``dst3`` ([A, B, C] contiguous) at ``idx`` along dim 1 or 2."""
    a, b, c = dst3.shape
    if dim == 2:
        offsets = (arange(a * b) * c).view(a, b, 1) + _tensor(idx, int64).view(1, 1, -1)
    else:
        offsets = (
            (arange(a) * (b * c)).view(a, 1, 1) + (_tensor(idx, int64) * c).view(1, -1, 1) + arange(c).view(1, 1, c)
        )
    _C.put_offsets_(dst3, offsets, values, 1)


class _Interp:
    def __init__(self, input_shape, dtype, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias):
        nd = len(input_shape)
        if nd < 3:
            raise ValueError(f"interpolate: expected a 3-D or 4-D input (N, C, *spatial), got {list(input_shape)}")
        dims = nd - 2
        if mode in ("nearest", "nearest-exact", "area"):
            if align_corners is not None:
                raise ValueError(
                    "align_corners option can only be set with the interpolating modes: linear | bilinear | "
                    "bicubic | trilinear"
                )
        elif mode in _LINEAR:
            if _LINEAR[mode] != dims:
                raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
            if mode != "linear" and mode != "bilinear":
                raise NotImplementedError(f"interpolate: mode '{mode}' is not supported yet")
        else:
            raise NotImplementedError(
                f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: nearest | "
                f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})"
            )
        if dims > 2:
            raise NotImplementedError("interpolate: only 1-D and 2-D spatial inputs are supported")
        if antialias:
            raise NotImplementedError("interpolate: antialias is not supported")
        self.mode, self.dims = mode, dims
        self.align_corners = bool(align_corners)
        self.in_shape = tuple(int(s) for s in input_shape)
        self.out_size, self.scales = _output_size(
            list(self.in_shape[2:]), size, scale_factor, recompute_scale_factor, dims
        )
        if any(o <= 0 for o in self.out_size):
            raise RuntimeError(
                f"Input and output sizes should be greater than 0, but got input {list(self.in_shape[2:])} "
                f"output {self.out_size}"
            )
        self.np_dtype = np.float64 if dtype.name == "float64" else np.float32
        # as 2-D: height 1 for 1-D inputs
        self.in_hw = (1, self.in_shape[2]) if dims == 1 else self.in_shape[2:]
        self.out_hw = (1, self.out_size[0]) if dims == 1 else tuple(self.out_size)
        self.hw_scales = (None, self.scales[0]) if dims == 1 else tuple(self.scales)

    def output_shape(self):
        return (*self.in_shape[:2], *self.out_size)


def _nearest_axes(it):
    exact = it.mode == "nearest-exact"
    return [_nearest_index(i, o, s, exact) for i, o, s in zip(it.in_hw, it.out_hw, it.hw_scales)]


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    """Resizes ``[N, C, W]`` or ``[N, C, H, W]`` to ``size`` (or by
    ``scale_factor``) with ``mode`` 'nearest', 'nearest-exact', 'linear'
    (3-D), 'bilinear' (4-D, ``align_corners`` as PyTorch) or 'area'."""
    check_tensor("interpolate", "input", input)
    it = _Interp(input.shape, input.dtype, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)
    if mode == "area":
        return (adaptive_avg_pool1d if it.dims == 1 else adaptive_avg_pool2d)(input, it.out_size)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"interpolate: expected a floating-point input, got {input.dtype.name}")
    n, c = it.in_shape[:2]
    (h, w), (oh, ow) = it.in_hw, it.out_hw
    x = opmath(input).contiguous().view(n * c, h, w)
    if mode in ("nearest", "nearest-exact"):
        iy, ix = _nearest_axes(it)
        offsets = (
            (arange(n * c) * (h * w)).view(n * c, 1, 1)
            + (_tensor(iy, int64) * w).view(1, oh, 1)
            + _tensor(ix, int64).view(1, 1, ow)
        )
        out = _C.take_offsets(x, offsets)
    else:
        x0, x1, lx0, lx1 = _linear_weights(w, ow, it.hw_scales[1], it.align_corners, it.np_dtype)
        cols = _gather(x, x0, 2) * _tensor(lx0, x.dtype) + _gather(x, x1, 2) * _tensor(lx1, x.dtype)
        if h == 1 and oh == 1:
            out = cols
        else:
            y0, y1, ly0, ly1 = _linear_weights(h, oh, it.hw_scales[0], it.align_corners, it.np_dtype)
            cols = cols.contiguous()
            out = _gather(cols, y0, 1) * _tensor(ly0, x.dtype).view(1, oh, 1) + _gather(cols, y1, 1) * _tensor(
                ly1, x.dtype
            ).view(1, oh, 1)
    return out.reshape(it.output_shape())._to_dtype(input.dtype)


def interpolate_backward(
    grad_output,
    input_size,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
):
    """Gradient of :func:`interpolate` with respect to its input of shape
    ``input_size`` (the other arguments as in the forward)."""
    it = _Interp(
        tuple(input_size), grad_output.dtype, size, scale_factor, mode, align_corners, recompute_scale_factor, False
    )
    if mode == "area":
        bwd = adaptive_avg_pool1d_backward if it.dims == 1 else adaptive_avg_pool2d_backward
        return bwd(grad_output, input_size)
    n, c = it.in_shape[:2]
    (h, w), (oh, ow) = it.in_hw, it.out_hw
    g = opmath(grad_output).contiguous().view(n * c, oh, ow)
    gi = zeros([n * c, h, w], g.dtype)
    if mode in ("nearest", "nearest-exact"):
        iy, ix = _nearest_axes(it)
        offsets = (
            (arange(n * c) * (h * w)).view(n * c, 1, 1)
            + (_tensor(iy, int64) * w).view(1, oh, 1)
            + _tensor(ix, int64).view(1, 1, ow)
        )
        _C.put_offsets_(gi, offsets, g, 1)
    else:
        if h == 1 and oh == 1:
            gcols = g
        else:
            y0, y1, ly0, ly1 = _linear_weights(h, oh, it.hw_scales[0], it.align_corners, it.np_dtype)
            gcols = zeros([n * c, h, ow], g.dtype)
            _scatter(gcols, y0, 1, g * _tensor(ly0, g.dtype).view(1, oh, 1))
            _scatter(gcols, y1, 1, g * _tensor(ly1, g.dtype).view(1, oh, 1))
        x0, x1, lx0, lx1 = _linear_weights(w, ow, it.hw_scales[1], it.align_corners, it.np_dtype)
        _scatter(gi, x0, 2, gcols * _tensor(lx0, g.dtype))
        _scatter(gi, x1, 2, gcols * _tensor(lx1, g.dtype))
    return gi.view(*it.in_shape)._to_dtype(grad_output.dtype)


# ---- unfold / fold -------------------------------------------------------------------
def _blocks(spatial, k, d, p, s):
    return tuple((i + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for i, kk, dd, pp, ss in zip(spatial, k, d, p, s))


def _fold_params(kernel_size, dilation, padding, stride):
    k = ntuple(kernel_size, 2, "kernel_size")
    d = ntuple(dilation, 2, "dilation")
    p = ntuple(padding, 2, "padding")
    s = ntuple(stride, 2, "stride")
    if any(v <= 0 for v in k) or any(v <= 0 for v in d) or any(v <= 0 for v in s) or any(v < 0 for v in p):
        raise RuntimeError(
            f"unfold/fold: kernel_size {k}, dilation {d} and stride {s} must be positive and padding {p} "
            "non-negative"
        )
    return k, d, p, s


def _check_blocks(spatial, k, d, p, s):
    blocks = _blocks(spatial, k, d, p, s)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size {tuple(spatial)}, kernel_size={k}, dilation={d}, padding={p}, "
            f"calculated shape of the array of sliding blocks as {blocks}, but its components must be at least one."
        )
    return blocks


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of ``[N, C, H, W]`` (or ``[C, H, W]``) as columns:
    ``[N, C * kh * kw, L]`` (im2col)."""
    check_tensor("unfold", "input", input)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    k, d, p, s = _fold_params(kernel_size, dilation, padding, stride)
    x = input if input.dim() == 4 else input.unsqueeze(0)
    oh, ow = _check_blocks(x.shape[2:], k, d, p, s)
    cols = _C.im2col(opmath(x), [k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]], oh, ow)._to_dtype(input.dtype)
    return cols if input.dim() == 4 else cols.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns ``[N, C * kh * kw, L]`` (or unbatched) back into
    ``[N, C, *output_size]`` (col2im; overlapping blocks add up)."""
    check_tensor("fold", "input", input)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {input.dim()}D)"
        )
    k, d, p, s = _fold_params(kernel_size, dilation, padding, stride)
    out_hw = ntuple(output_size, 2, "output_size")
    x = input if input.dim() == 3 else input.unsqueeze(0)
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={x.shape[1]} and kernel_size={k}"
        )
    oh, ow = _check_blocks(out_hw, k, d, p, s)
    if x.shape[2] != oh * ow:
        raise RuntimeError(
            f"Given output_size={out_hw}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, expected size of "
            f"input's dimension 2 to match the calculated number of sliding blocks {oh} * {ow} = {oh * ow}, but got "
            f"input.size(2)={x.shape[2]}."
        )
    out = _C.col2im(
        opmath(x), x.shape[1] // kk, out_hw[0], out_hw[1], [k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]], oh, ow
    )._to_dtype(input.dtype)
    return out if input.dim() == 3 else out.squeeze(0)


def unfold_backward(grad_output, input_size, kernel_size, dilation=1, padding=0, stride=1):
    """Gradient of :func:`unfold`: :func:`fold` of the gradient to ``input_size``'s spatial size."""
    return fold(grad_output, tuple(input_size)[-2:], kernel_size, dilation, padding, stride)


def fold_backward(grad_output, kernel_size, dilation=1, padding=0, stride=1):
    """Gradient of :func:`fold`: :func:`unfold` of the gradient."""
    return unfold(grad_output, kernel_size, dilation, padding, stride)


# ---- pixel shuffle ---------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """``[*, C * r**2, H, W]`` to ``[*, C, H * r, W * r]``."""
    check_tensor("pixel_shuffle", "input", input)
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {input.dim()} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    nl = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    perm = [*range(nl), nl, nl + 3, nl + 1, nl + 4, nl + 2]
    return x.permute(*perm).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """``[*, C, H * r, W * r]`` to ``[*, C * r**2, H, W]`` (the inverse of :func:`pixel_shuffle`)."""
    check_tensor("pixel_unshuffle", "input", input)
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(
            f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.dim()} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(
            f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but got {h}x{w} " f"and {r}"
        )
    nl = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = [*range(nl), nl, nl + 2, nl + 4, nl + 1, nl + 3]
    return x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r)


def pixel_shuffle_backward(grad_output, upscale_factor):
    """Gradient of :func:`pixel_shuffle`: :func:`pixel_unshuffle` of the gradient."""
    return pixel_unshuffle(grad_output, upscale_factor)


def pixel_unshuffle_backward(grad_output, downscale_factor):
    """Gradient of :func:`pixel_unshuffle`: :func:`pixel_shuffle` of the gradient."""
    return pixel_shuffle(grad_output, downscale_factor)


# ---- padding ---------------------------------------------------------------------------
def _pad_pairs(input, pad):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]
    # pad lists the last dim first
    return {input.dim() - 1 - i: pr for i, pr in enumerate(pairs)}


def _pad_source(size, before, after, mode, dim, shape):
    o = np.arange(-before, size + after, dtype=np.int64)
    if mode == "reflect":
        if before >= size or after >= size:
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({before}, {after}) at dimension {dim} of input {list(shape)}"
            )
        o = np.abs(o)
        o = np.where(o >= size, 2 * (size - 1) - o, o)
    elif mode == "replicate":
        o = np.clip(o, 0, size - 1)
    elif mode == "circular":
        if before > size or after > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        o = o % size
    return o


def _pad_offsets(shape, pairs, mode):
    """Source element offset of each output element of a non-constant pad."""
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    nd = len(shape)
    offsets = None
    out_shape = []
    for dim, size in enumerate(shape):
        if dim in pairs:
            src = _pad_source(size, *pairs[dim], mode, dim, shape)
            idx = _tensor(src * strides[dim], int64)
        else:
            idx = arange(size) * strides[dim]
        out_shape.append(idx.shape[0])
        view = [1] * nd
        view[dim] = idx.shape[0]
        idx = idx.view(*view)
        offsets = idx if offsets is None else offsets + idx
    return offsets.expand(*out_shape).contiguous(), out_shape


def _constant_region(shape, pairs):
    """Output shape, and the output slices the input lands in / input slices kept."""
    out_shape, out_sl, in_sl = [], [], []
    for dim, size in enumerate(shape):
        before, after = pairs.get(dim, (0, 0))
        out = size + before + after
        if out < 0:
            raise RuntimeError(
                f"The input size {size}, plus negative padding {before} and {after} resulted in a negative output "
                f"size, which is invalid. Check dimension {dim} of your input."
            )
        out_shape.append(out)
        out_sl.append(slice(max(before, 0), max(before, 0) + max(size + min(before, 0) + min(after, 0), 0)))
        in_sl.append(slice(max(-before, 0), max(-before, 0) + max(size + min(before, 0) + min(after, 0), 0)))
    return out_shape, tuple(out_sl), tuple(in_sl)


def pad(input, pad, mode="constant", value=None):
    """Pads the last ``len(pad) // 2`` dims; ``pad`` lists (before, after) per
    dim starting from the last. ``mode``: 'constant' (``value``, default 0;
    negative pads crop), 'reflect', 'replicate' or 'circular'."""
    check_tensor("pad", "input", input)
    pairs = _pad_pairs(input, pad)
    if mode == "constant":
        out_shape, out_sl, in_sl = _constant_region(list(input.shape), pairs)
        out = _C.empty(out_shape, input.dtype).fill_(0 if value is None else value)
        if all(s.stop > s.start for s in out_sl):
            out[out_sl] = input[in_sl]
        return out
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    k = len(pad) // 2
    if k not in (1, 2, 3) or input.dim() not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor: non-constant padding pads "
            "the last 1, 2 or 3 dims of a 2-4D, 3-4D or 4-5D input"
        )
    offsets, _ = _pad_offsets(list(input.shape), pairs, mode)
    return _C.take_offsets(input.contiguous(), offsets)


def pad_backward(grad_output, input_size, pad, mode="constant"):
    """Gradient of :func:`pad` with respect to its input of shape ``input_size``."""
    shape = [int(s) for s in input_size]
    pairs = {len(shape) - 1 - i: (int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)}
    if mode == "constant":
        _, out_sl, in_sl = _constant_region(shape, pairs)
        gi = zeros(shape, grad_output.dtype)
        if all(s.stop > s.start for s in out_sl):
            gi[in_sl] = grad_output[out_sl]
        return gi
    offsets, _ = _pad_offsets(shape, pairs, mode)
    gi = zeros(shape, opmath(grad_output).dtype)
    _C.put_offsets_(gi, offsets, opmath(grad_output), 1)
    return gi._to_dtype(grad_output.dtype)


def channel_shuffle(input, groups):
    """Splits the channels (dim 1) of ``[N, C, *]`` into ``groups`` and interleaves them."""
    check_tensor("channel_shuffle", "input", input)
    g = int(groups)
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    if input.dim() < 3:
        raise RuntimeError(
            f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.dim()} dimension(s)"
        )
    n, c, *rest = input.shape
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(input.shape)


def channel_shuffle_backward(grad_output, groups):
    """Gradient of :func:`channel_shuffle`: the inverse shuffle."""
    c = grad_output.shape[1]
    return channel_shuffle(grad_output, c // int(groups))
