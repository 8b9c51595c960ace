# SPDX-License-Identifier: BSD-3-Clause
"""Convolutions (1-D and 2-D, plain and transposed) and their gradients.

Stride-1 convolutions run a direct kernel that keeps each image's padded
planes in cache (``_C.conv2d_direct``), where the output is wide enough
for its register tiles; so do the input gradients of stride-1
convolutions (a stride-1 correlation with the flipped weight) and stride-1
transposed convolutions. The others are im2col + one batched GEMM: the
input's patches become the columns of a ``[N, C*kh*kw, OH*OW]`` matrix and
the weight, viewed as ``[O, C*kh*kw]``, multiplies them for all images in
one call (the weight is expanded over the batch with stride 0, so it is not
copied; with groups the batch is ``N*groups`` and the small weight is
repeated instead). 1x1 convolutions with stride 1 and no padding skip
im2col. Gradients are GEMMs too, with col2im folding column gradients back
onto the input; the weight gradient of a large enough batch builds one
image's columns at a time, in cache (``_C.conv2d_weight_grad``). 1-D
convolutions are 2-D ones with a height of 1.
"""

from __future__ import annotations

from .. import _C
from .._autograd_tensor import recorded_as
from ._common import check_tensor, is_half, ntuple

_gemm = _C.batched_gemm


# ---- argument checks -------------------------------------------------------
class _Conv:
    """A 2-D convolution's geometry, checked as PyTorch checks it."""

    def __init__(
        self, name, input, weight, bias, stride, padding, dilation, groups, nd, transposed=False, output_padding=0
    ):
        check_tensor(name, "input", input)
        check_tensor(name, "weight", weight)
        self.name, self.nd = name, nd
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(
                f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, "
                f"but got input of size: {list(input.shape)}"
            )
        if weight.dim() != nd + 2:
            raise RuntimeError(
                f"{name}: expected weight to be {nd + 2}-dimensional, but got weight of size {list(weight.shape)}"
            )
        if input.dtype != weight.dtype:
            raise RuntimeError(
                f"Input type ({input.dtype.name}) and weight type ({weight.dtype.name}) should be the same"
            )
        if not input.dtype.is_floating_point:
            raise NotImplementedError(f"{name}: only floating-point inputs are supported, got {input.dtype.name}")
        self.batched = input.dim() == nd + 2
        groups = int(groups)
        if groups <= 0:
            raise RuntimeError("non-positive groups is not supported")
        self.groups = groups
        self.stride = ntuple(stride, nd, "stride")
        self.dilation = ntuple(dilation, nd, "dilation")
        if any(s <= 0 for s in self.stride):
            raise RuntimeError("non-positive stride is not supported")
        if any(d <= 0 for d in self.dilation):
            raise RuntimeError("dilation should be greater than zero")
        shape = list(input.shape) if self.batched else [1, *input.shape]
        ksize = tuple(weight.shape[2:])
        channels = shape[1]
        if transposed:
            if weight.shape[0] != channels:
                raise RuntimeError(
                    f"Given transposed=1, weight of size {list(weight.shape)}, expected input{shape} to have "
                    f"{weight.shape[0]} channels, but got {channels} channels instead"
                )
            if channels % groups:
                raise RuntimeError(
                    f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                    f"but got weight of size [{list(weight.shape)}] instead"
                )
            out_channels = weight.shape[1] * groups
        else:
            if weight.shape[0] % groups:
                raise RuntimeError(
                    f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                    f"but got weight of size [{list(weight.shape)}] instead"
                )
            if weight.shape[1] * groups != channels:
                raise RuntimeError(
                    f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{shape} to have "
                    f"{weight.shape[1] * groups} channels, but got {channels} channels instead"
                )
            out_channels = weight.shape[0]
        if bias is not None:
            check_tensor(name, "bias", bias)
            if bias.dim() != 1 or bias.shape[0] != out_channels:
                raise RuntimeError(
                    f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                    f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
                )
            if bias.dtype != input.dtype:
                raise RuntimeError(
                    f"Input type ({input.dtype.name}) and bias type ({bias.dtype.name}) should be the same"
                )
        spatial = shape[2:]
        if transposed:
            self.padding = ntuple(padding, nd, "padding")
            if any(p < 0 for p in self.padding):
                raise RuntimeError("negative padding is not supported")
            self.output_padding = ntuple(output_padding, nd, "output_padding")
            for op, s, d in zip(self.output_padding, self.stride, self.dilation):
                if op < 0 or (op >= s and op >= d):
                    raise RuntimeError(
                        "output padding must be smaller than either stride or dilation, but got "
                        f"output_padding={list(self.output_padding)} stride={list(self.stride)} "
                        f"dilation={list(self.dilation)}"
                    )
            self.out_size = tuple(
                (i - 1) * s - 2 * p + d * (k - 1) + op + 1
                for i, s, p, d, k, op in zip(
                    spatial, self.stride, self.padding, self.dilation, ksize, self.output_padding
                )
            )
            if any(o <= 0 for o in self.out_size):
                raise RuntimeError(
                    f"Given input size per channel: ({' x '.join(map(str, spatial))}). Calculated output size per "
                    f"channel: ({' x '.join(map(str, self.out_size))}). Output size is too small"
                )
        elif isinstance(padding, str):
            if padding == "same":
                if any(s != 1 for s in self.stride):
                    raise RuntimeError("padding='same' is not supported for strided convolutions")
                # PyTorch pads d*(k-1) in total, the odd one at the end; im2col
                # reads zeros past the end, so asking for the input's size is enough
                self.padding = tuple(d * (k - 1) // 2 for d, k in zip(self.dilation, ksize))
                self.out_size = tuple(spatial)
            elif padding == "valid":
                self._explicit_padding(0, spatial, ksize)
            else:
                raise RuntimeError(f"Invalid padding string: '{padding}'")
        else:
            self._explicit_padding(padding, spatial, ksize)
        self.in_shape = shape
        self.out_channels = out_channels

    def _explicit_padding(self, padding, spatial, ksize):
        self.padding = ntuple(padding, self.nd, "padding")
        if any(p < 0 for p in self.padding):
            raise RuntimeError("negative padding is not supported")
        padded = tuple(i + 2 * p for i, p in zip(spatial, self.padding))
        eff = tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, ksize))
        if any(e > p for e, p in zip(eff, padded)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, eff))}). "
                "Kernel size can't be greater than actual input size"
            )
        self.out_size = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, self.stride))

    def as_2d(self, t, what):
        """A tensor of the op (input: batched and 4-D; weight: 4-D)."""
        if what == "input" and not self.batched:
            t = t.unsqueeze(0)
        if self.nd == 1:
            t = t.unsqueeze(2)
        return t

    def from_2d(self, t, what="input"):
        if self.nd == 1:
            t = t.squeeze(2)
        if what == "input" and not self.batched:
            t = t.squeeze(0)
        return t

    def window(self):
        """Stride, padding and dilation of the 2-D convolution that runs."""
        if self.nd == 1:
            return (1, *self.stride), (0, *self.padding), (1, *self.dilation)
        return self.stride, self.padding, self.dilation


def _params(k, s, p, d):
    return [k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]]


def _is_pointwise(k, s, p, in_hw, out_hw):
    return k == (1, 1) and s == (1, 1) and p == (0, 0) and tuple(in_hw) == tuple(out_hw)


def _cols(x, k, s, p, d, oh, ow):
    """``x``'s patches as columns: ``[N, C*kh*kw, oh*ow]``."""
    if _is_pointwise(k, s, p, x.shape[2:], (oh, ow)):
        return x.reshape(x.shape[0], x.shape[1], oh * ow)
    return _C.im2col(x, _params(k, s, p, d), oh, ow)


def _uncols(cols, c, h, w, k, s, p, d, oh, ow):
    """The inverse of :func:`_cols` (overlaps summed): ``[N, c, h, w]``."""
    if _is_pointwise(k, s, p, (h, w), (oh, ow)):
        return cols.reshape(cols.shape[0], c, h, w)
    return _C.col2im(cols, c, h, w, _params(k, s, p, d), oh, ow)


def _batched_weight(wm, n, transpose=False):
    """The per-group matrices ``wm`` ([g, M, K]) for a batch of ``n`` images
    as ``[n*g, M, K]`` (or ``[n*g, K, M]`` transposed): a stride-0 expansion
    for one group, a small copy otherwise."""
    if transpose:
        wm = wm.transpose(1, 2)
    g, m, k = wm.shape
    if g == 1:
        return wm.expand(n, m, k)
    return wm.unsqueeze(0).expand(n, g, m, k).reshape(n * g, m, k)


def _matmul_sum(a, b_t, n, g):
    """``sum over the batch of a[i] @ b_t[i]^T`` per group, with ``a``:
    [n*g, M, L] and ``b_t``: [n*g, K, L] -> [g*M, K]. Picks between a
    batched GEMM then a sum (no copy of the operands) and one GEMM over
    operands permuted to [M, n*L] (no [n, M, K] intermediate)."""
    _, m, length = a.shape
    k = b_t.shape[1]
    if g == 1 and m * k > (m + k) * length:
        a2 = a.permute(1, 0, 2).reshape(1, m, n * length)
        b2 = b_t.permute(1, 0, 2).reshape(1, k, n * length)
        return _gemm(a2, b2.transpose(1, 2), None, 1.0, 0.0).reshape(m, k)
    prod = _gemm(a, b_t.transpose(1, 2), None, 1.0, 0.0)  # [n*g, M, K]
    return prod.reshape(n, g * m, k).sum(0)


def _fused_weight_grad(n, g, m, k, length):
    """Whether the weight gradient builds each image's columns in cache and
    multiplies them straight away (``_C.conv2d_weight_grad``) rather than
    taking :func:`_matmul_sum` of whole-batch columns. The fused form sums
    into ``[m, k]`` accumulators once per image: worth it with enough
    images to share out and enough pixels per image to cover that traffic
    (the same rule by which :func:`_matmul_sum` prefers one long GEMM)."""
    return n >= 8 and (g > 1 or m * k <= (m + k) * length)


def _compute_dtype(*tensors):
    """16-bit floats run in float32 (our GEMM is BLAS for float32/float64)."""
    return [None if t is None else (t.float() if is_half(t) else t) for t in tensors]


def _direct(x, k, s, p, d, out_hw, *operands, recordable=False):
    """Whether the direct kernel runs this convolution (im2col otherwise).
    Autograd differentiates the kernel only as a forward convolution
    (``recordable``); its other uses run on im2col and batched_gemm while
    autograd records a call with ``x`` or ``operands``."""
    if s != (1, 1) or _is_pointwise(k, s, p, x.shape[2:], out_hw):
        return False
    if not _C.conv2d_direct_suits(x, out_hw[0], out_hw[1], k[1], d[1]):
        return False
    return recordable or not _C.autograd_records(x, *operands)


def _direct_input_grad(go, w, p, d, g, in_hw):
    """The input gradient of a stride-1 convolution (or a stride-1 transposed
    convolution): a correlation of ``go`` with the weight flipped and its
    channel dims swapped, ``go`` placed ``d*(k-1) - p`` into the plane."""
    o, cg, kh, kw = w.shape
    wt = w.reshape(g, o // g, cg, kh, kw).transpose(1, 2).flip((3, 4)).reshape(g * cg, o // g, kh, kw)
    pt, pl = d[0] * (kh - 1) - p[0], d[1] * (kw - 1) - p[1]
    return _C.conv2d_direct(go, wt, None, pt, pl, d[0], d[1], g, *in_hw)


# ---- forward ---------------------------------------------------------------
def _conv2d(x, w, b, k, s, p, d, g, out_hw):
    n, c, h, wd = x.shape
    o = w.shape[0]
    oh, ow = out_hw
    if _direct(x, k, s, p, d, out_hw, w, b, recordable=True):
        return _C.conv2d_direct(x, w, b, p[0], p[1], d[0], d[1], g, oh, ow)
    kg = (c // g) * k[0] * k[1]
    cols = _cols(x, k, s, p, d, oh, ow)  # [N, C*kk, L]
    a = _batched_weight(w.reshape(g, o // g, kg), n)
    if b is not None:
        out = b.reshape(1, o, 1).expand(n, o, oh * ow).contiguous()
        _gemm(a, cols.reshape(n * g, kg, oh * ow), out.view(n * g, o // g, oh * ow), 1.0, 1.0)
    else:
        out = _gemm(a, cols.reshape(n * g, kg, oh * ow), None, 1.0, 0.0)
    return out.view(n, o, oh, ow)


def _conv_transpose2d(x, w, b, k, s, p, d, g, out_hw):
    n, cin, h, wd = x.shape
    cout = w.shape[1] * g
    m = (cout // g) * k[0] * k[1]
    if _direct(x, k, s, p, d, out_hw, w, b):
        out = _direct_input_grad(x, w, p, d, g, out_hw)
        return out if b is None else out.add_(b.reshape(1, cout, 1, 1))
    a = _batched_weight(w.reshape(g, cin // g, m), n, transpose=True)  # [N*g, M, Cin/g]
    cols = _gemm(a, x.reshape(n * g, cin // g, h * wd), None, 1.0, 0.0)  # [N*g, M, H*W]
    out = _uncols(cols.view(n, cout * k[0] * k[1], h * wd), cout, *out_hw, k, s, p, d, h, wd)
    if b is not None:
        out.add_(b.reshape(1, cout, 1, 1))
    return out


def _run(geo, input, weight, bias, fn):
    x, w, b = _compute_dtype(input, weight, bias)
    x2, w2 = geo.as_2d(x, "input"), geo.as_2d(w, "weight")
    s, p, d = geo.window()
    k = tuple(w2.shape[2:])
    out_hw = (1, *geo.out_size) if geo.nd == 1 else geo.out_size
    out = fn(x2.contiguous(), w2.contiguous(), b, k, s, p, d, geo.groups, out_hw)
    out = geo.from_2d(out)
    return out._to_dtype(input.dtype) if out.dtype != input.dtype else out


@recorded_as("conv2d")  # one node whose gradient runs conv2d_backward
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over ``[N, C, H, W]`` or ``[C, H, W]``.

    ``padding`` is an int, a pair, ``'valid'`` (no padding) or ``'same'``
    (output as large as the input; stride 1 only). See
    ``torch.nn.functional.conv2d``.
    """
    geo = _Conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)
    return _run(geo, input, weight, bias, _conv2d)


@recorded_as("conv1d")  # one node whose gradient runs conv1d_backward
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over ``[N, C, L]`` or ``[C, L]`` (a 2-D one of height 1)."""
    geo = _Conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)
    return _run(geo, input, weight, bias, _conv2d)


@recorded_as("conv_transpose2d")  # one node whose gradient runs conv_transpose2d_backward
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution"): the gradient of
    :func:`conv2d` with respect to its input. ``weight`` is
    ``[C_in, C_out / groups, kH, kW]``."""
    geo = _Conv("conv_transpose2d", input, weight, bias, stride, padding, dilation, groups, 2, True, output_padding)
    return _run(geo, input, weight, bias, _conv_transpose2d)


@recorded_as("conv_transpose1d")  # one node whose gradient runs conv_transpose1d_backward
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution over ``[N, C, L]`` or ``[C, L]``."""
    geo = _Conv("conv_transpose1d", input, weight, bias, stride, padding, dilation, groups, 1, True, output_padding)
    return _run(geo, input, weight, bias, _conv_transpose2d)


# ---- backward --------------------------------------------------------------
def _conv2d_grads(go, x, w, k, s, p, d, g, mask):
    n, c, h, wd = x.shape
    o = w.shape[0]
    oh, ow = go.shape[2:]
    length = oh * ow
    kg = (c // g) * k[0] * k[1]
    go3 = go.reshape(n * g, o // g, length)
    gi = gw = gb = None
    if mask[0] and _direct(go, k, s, p, d, (h, wd), x, w):
        gi = _direct_input_grad(go, w, p, d, g, (h, wd))
    elif mask[0]:
        a = _batched_weight(w.reshape(g, o // g, kg), n, transpose=True)  # [N*g, Kg, Og]
        dcols = _gemm(a, go3, None, 1.0, 0.0)  # [N*g, Kg, L]
        gi = _uncols(dcols.view(n, c * k[0] * k[1], length), c, h, wd, k, s, p, d, oh, ow)
    fused = _fused_weight_grad(n, g, o // g, kg, length) and not _C.autograd_records(go, x)
    if mask[1] and fused and not _is_pointwise(k, s, p, (h, wd), (oh, ow)):
        gw = _C.conv2d_weight_grad(go, x, _params(k, s, p, d), g)
    elif mask[1]:
        cols = _cols(x, k, s, p, d, oh, ow).reshape(n * g, kg, length)
        gw = _matmul_sum(go3, cols, n, g).reshape(w.shape)
    if mask[2]:
        gb = go.sum((0, 2, 3))
    return gi, gw, gb


def _conv_transpose2d_grads(go, x, w, k, s, p, d, g, mask):
    n, cin, h, wd = x.shape
    cout = w.shape[1] * g
    m = (cout // g) * k[0] * k[1]
    oh, ow = go.shape[2:]
    gi = gw = gb = None
    cols = None
    direct = mask[0] and _direct(go, k, s, p, d, (h, wd), w)
    if direct:  # a plain convolution of grad_output
        gi = _C.conv2d_direct(go, w, None, p[0], p[1], d[0], d[1], g, h, wd)
    if (mask[0] and not direct) or mask[1]:
        cols = _cols(go, k, s, p, d, h, wd).reshape(n * g, m, h * wd)  # [N*g, M, H*W]
    if mask[0] and not direct:
        a = _batched_weight(w.reshape(g, cin // g, m), n)  # [N*g, Cin/g, M]
        gi = _gemm(a, cols, None, 1.0, 0.0).view(n, cin, h, wd)
    if mask[1]:
        gw = _matmul_sum(x.reshape(n * g, cin // g, h * wd), cols, n, g).reshape(w.shape)
    if mask[2]:
        gb = go.sum((0, 2, 3))
    return gi, gw, gb


def _run_backward(geo, grad_output, input, weight, output_mask, fn):
    check_tensor(geo.name + "_backward", "grad_output", grad_output)
    go, x, w = _compute_dtype(grad_output, input, weight)
    go2 = geo.as_2d(go, "input")
    expected = [geo.in_shape[0], geo.out_channels, *geo.out_size]
    if list(go2.shape) != ([expected[0], expected[1], 1, *geo.out_size] if geo.nd == 1 else expected):
        got = list(grad_output.shape)
        raise RuntimeError(f"{geo.name}_backward: expected grad_output of size {expected}, got {got}")
    x2, w2 = geo.as_2d(x, "input"), geo.as_2d(w, "weight")
    s, p, d = geo.window()
    k = tuple(w2.shape[2:])
    mask = tuple(bool(m) for m in output_mask)
    gi, gw, gb = fn(go2.contiguous(), x2.contiguous(), w2.contiguous(), k, s, p, d, geo.groups, mask)
    if gi is not None:
        gi = geo.from_2d(gi)._to_dtype(input.dtype)
    if gw is not None:
        gw = gw.reshape(weight.shape)._to_dtype(weight.dtype)
    if gb is not None:
        gb = gb._to_dtype(weight.dtype)
    return gi, gw, gb


def conv2d_backward(
    grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1, output_mask=(True, True, True)
):
    """Gradients of :func:`conv2d`.

    Parameters
    ----------
    grad_output : Tensor
        The gradient of the loss with respect to the convolution's output.
    input, weight : Tensor
        The forward's input and weight.
    stride, padding, dilation, groups
        The forward's arguments.
    output_mask : tuple of 3 bool
        Which of (input, weight, bias) gradients to compute.

    Returns
    -------
    tuple of Tensor or None
        ``(grad_input, grad_weight, grad_bias)``; ``None`` where the mask is False.
    """
    geo = _Conv("conv2d", input, weight, None, stride, padding, dilation, groups, 2)
    return _run_backward(geo, grad_output, input, weight, output_mask, _conv2d_grads)


def conv1d_backward(
    grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1, output_mask=(True, True, True)
):
    """Gradients of :func:`conv1d`: ``(grad_input, grad_weight, grad_bias)``."""
    geo = _Conv("conv1d", input, weight, None, stride, padding, dilation, groups, 1)
    return _run_backward(geo, grad_output, input, weight, output_mask, _conv2d_grads)


def conv_transpose2d_backward(
    grad_output,
    input,
    weight,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
    output_mask=(True, True, True),
):
    """Gradients of :func:`conv_transpose2d`: ``(grad_input, grad_weight, grad_bias)``."""
    geo = _Conv("conv_transpose2d", input, weight, None, stride, padding, dilation, groups, 2, True, output_padding)
    return _run_backward(geo, grad_output, input, weight, output_mask, _conv_transpose2d_grads)


def conv_transpose1d_backward(
    grad_output,
    input,
    weight,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
    output_mask=(True, True, True),
):
    """Gradients of :func:`conv_transpose1d`: ``(grad_input, grad_weight, grad_bias)``."""
    geo = _Conv("conv_transpose1d", input, weight, None, stride, padding, dilation, groups, 1, True, output_padding)
    return _run_backward(geo, grad_output, input, weight, output_mask, _conv_transpose2d_grads)


__all__ = [
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv1d_backward",
    "conv2d_backward",
    "conv_transpose1d_backward",
    "conv_transpose2d_backward",
]
