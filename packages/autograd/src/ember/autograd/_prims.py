# SPDX-License-Identifier: BSD-3-Clause
"""The handlers the core calls (Note [Autograd seam]), one per core binding,
with the binding's arguments and grad mode off: each says which arguments
are the op's differentiable inputs, which one it writes in place, and the
derivative's name, and records the call."""

from __future__ import annotations

from ember import _C

from ._record import record
from ._views import geometry, mark_view

Tensor = _C.Tensor
_BINARY = {v: k for k, v in _C.binary_ops.items()}
_UNARY = {v: k for k, v in _C.unary_ops.items()}
_REDUCE = {v: k for k, v in _C.reduce_ops.items()}


def _requires_grad(x) -> bool:
    return isinstance(x, Tensor) and x._requires_grad


def _out_position(name, out, inputs):
    """The index of ``out`` among ``inputs`` (an in-place write), or None when there is no out=."""
    if out is None:
        return None
    for i, x in enumerate(inputs):
        if x is out:
            return i
    if _requires_grad(out) or any(_requires_grad(x) for x in inputs):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    return None


def _binary(op, a, b, out):
    key = _BINARY[op]
    mutated = None if out is None else _out_position(key, out, (a, b))
    return record(key, (a, b), lambda: _C.binary(op, a, b, out), (), mutated)


def _unary(op, a, out, params):
    key = _UNARY[op]
    mutated = _out_position(key, out, (a,))
    return record(key, (a,), lambda: _C.unary(op, a, out, params), (params,), mutated)


def _where(c, a, b, out):
    mutated = _out_position("where", out, (a, b))
    return record("where", (a, b), lambda: _C.where(c, a, b, out), (c,), mutated)


def _reduce(op, a, dims, keepdim):
    return record(_REDUCE[op], (a,), lambda: _C.reduce(op, a, dims, keepdim), (dims, keepdim))


def _cumulative(a, dim, product):
    key = "cumprod" if product else "cumsum"
    return record(key, (a,), lambda: _C.cumulative(a, dim, product), (dim,))


def _cumulative_extreme(a, dim, is_max):
    key = "cummax" if is_max else "cummin"
    return record(key, (a,), lambda: _C.cumulative_extreme(a, dim, is_max), (dim,))


def _batched_gemm(a, b, out, alpha, beta):
    run = lambda: _C.batched_gemm(a, b, out, alpha, beta)
    if out is None:
        return record("batched_gemm", (a, b, None), run, (alpha, beta))
    mutated = 2 if out is not a and out is not b else _out_position("batched_gemm", out, (a, b))
    return record("batched_gemm", (a, b, out), run, (alpha, beta), mutated)


def _random_fill(name):
    def adapter(t, p1, p2, generator, fresh):
        return record(name, (t,), lambda: getattr(_C, name)(t, p1, p2, generator, fresh), mutated=0)

    return adapter


def _take_offsets(src, offsets):
    return record("take_offsets", (src,), lambda: _C.take_offsets(src, offsets), (offsets, geometry(src)))


def _put_offsets(dst, offsets, values, mode):
    run = lambda: _C.put_offsets_(dst, offsets, values, mode)
    return record("put_offsets_", (dst, values), run, (offsets, mode, geometry(dst)), mutated=0)


def _index_select(src, dim, index):
    return record("index_select", (src,), lambda: _C.index_select(src, dim, index), (dim, index))


def _index_add(dst, dim, index, src, alpha):
    run = lambda: _C.index_add_(dst, dim, index, src, alpha)
    return record("index_add_", (dst, src), run, (dim, index, alpha), mutated=0)


def _sort_last(t, descending, stable):
    return record("sort_last", (t,), lambda: _C.sort_last(t, descending, stable))


def _topk_last(t, k, largest, is_sorted):
    return record("topk_last", (t,), lambda: _C.topk_last(t, k, largest, is_sorted))


def _softmax(x, dim, log):
    return record("log_softmax" if log else "softmax", (x,), lambda: _C.softmax(x, dim, log), (dim,))


def _logsumexp_last(x):
    return record("logsumexp_last", (x,), lambda: _C.logsumexp_last(x))


def _layer_norm(x, n, w, b, eps):
    return record("layer_norm", (x, w, b), lambda: _C.layer_norm(x, n, w, b, eps), (n, eps))


def _im2col(x, params, oh, ow):
    return record("im2col", (x,), lambda: _C.im2col(x, params, oh, ow), (params, oh, ow))


def _col2im(cols, c, h, w, params, oh, ow):
    return record("col2im", (cols,), lambda: _C.col2im(cols, c, h, w, params, oh, ow), (c, h, w, params, oh, ow))


def _max_pool2d(x, hs, he, ws, we):
    return record("max_pool2d", (x,), lambda: _C.max_pool2d(x, hs, he, ws, we))


def _avg_pool2d(x, hs, he, ws, we, divisor):
    return record("avg_pool2d", (x,), lambda: _C.avg_pool2d(x, hs, he, ws, we, divisor), (hs, he, ws, we, divisor))


def _avg_pool2d_backward(g, h, w, hs, he, ws, we, divisor):
    run = lambda: _C.avg_pool2d_backward(g, h, w, hs, he, ws, we, divisor)
    return record("avg_pool2d_backward", (g,), run, (hs, he, ws, we, divisor))


def _conv2d_direct(x, w, b, pt, pl, dh, dw, groups, oh, ow):
    run = lambda: _C.conv2d_direct(x, w, b, pt, pl, dh, dw, groups, oh, ow)
    return record("conv2d_direct", (x, w, b), run, (pt, pl, dh, dw, groups, oh, ow))


def _lstm_layer(x, w_ih, bias, h0, c0, w_hh, reverse):
    run = lambda: _C.lstm_layer(x, w_ih, bias, h0, c0, w_hh, reverse)
    return record("lstm_layer", (x, w_ih, bias, h0, c0, w_hh), run, (reverse,))


def _composite(key, inputs, attrs):
    """The handler of a composite recorded as one op ``key``: ``inputs`` name its
    differentiable arguments, ``attrs`` the ones its derivative reads."""

    def adapter(fn, args, kwargs):
        call = _signature(fn).bind(*args, **kwargs)
        call.apply_defaults()
        a = call.arguments
        if a.get("out") is not None:
            _out_position(key, a["out"], tuple(a[n] for n in inputs))  # out= is not differentiable
        run = lambda: _without_grad(fn, args, kwargs)
        return record(key, tuple(a[n] for n in inputs), run, tuple(a[n] for n in attrs))

    return adapter


_SIGNATURES: dict = {}


def _signature(fn):
    """``inspect.signature(fn)``, computed once per function (a composite
    such as mm runs on every Linear layer)."""
    sig = _SIGNATURES.get(fn)
    if sig is None:
        import inspect

        sig = _SIGNATURES[fn] = inspect.signature(fn)
    return sig


def _without_grad(fn, args, kwargs):
    prev = _C._set_grad_enabled(False)
    try:
        return fn(*args, **kwargs)
    finally:
        _C._set_grad_enabled(prev)


def _linalg(name):
    def adapter(*args):
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        attrs = tuple(a for a in args if not isinstance(a, Tensor))
        return record(name, tensors, lambda: getattr(_C, name)(*args), attrs)

    return adapter


def _as_strided(t, size, stride, offset):
    out_geom = (tuple(size), tuple(stride), t.storage_offset() if offset is None else offset)
    out = record("as_strided", (t,), lambda: t.as_strided(size, stride, offset), (geometry(t), out_geom))
    if out._requires_grad:
        mark_view(out)
    return out


def _contiguous(t):
    return record("contiguous", (t,), t.contiguous)


def _clone(t):
    return record("clone", (t,), t.clone)


def _to_dtype(t, dtype):
    return record("_to_dtype", (t,), lambda: t._to_dtype(dtype))


def _copy(dst, src):
    return record("copy_", (dst, src), lambda: dst.copy_(src), mutated=0)


def _fill(dst, value):
    return record("fill_", (dst, value), lambda: dst.fill_(value), mutated=0)


ADAPTERS = {
    "binary": _binary,
    "unary": _unary,
    "where": _where,
    "reduce": _reduce,
    "cumulative": _cumulative,
    "cumulative_extreme": _cumulative_extreme,
    "batched_gemm": _batched_gemm,
    "uniform_": _random_fill("uniform_"),
    "normal_": _random_fill("normal_"),
    "random_int_": _random_fill("random_int_"),
    "take_offsets": _take_offsets,
    "put_offsets_": _put_offsets,
    "index_select": _index_select,
    "index_add_": _index_add,
    "sort_last": _sort_last,
    "topk_last": _topk_last,
    "softmax": _softmax,
    "logsumexp_last": _logsumexp_last,
    "layer_norm": _layer_norm,
    "im2col": _im2col,
    "col2im": _col2im,
    "conv2d_direct": _conv2d_direct,
    "lstm_layer": _lstm_layer,
    "embedding": _composite("embedding", ("weight",), ("input", "padding_idx", "scale_grad_by_freq")),
    "mm": _composite("mm", ("input", "mat2"), ()),
    "addmm": _composite("addmm", ("input", "mat1", "mat2"), ("beta", "alpha")),
    "conv2d": _composite("conv2d", ("input", "weight", "bias"), ("stride", "padding", "dilation", "groups")),
    "conv1d": _composite("conv1d", ("input", "weight", "bias"), ("stride", "padding", "dilation", "groups")),
    "conv_transpose2d": _composite(
        "conv_transpose2d", ("input", "weight", "bias"), ("stride", "padding", "output_padding", "groups", "dilation")
    ),
    "conv_transpose1d": _composite(
        "conv_transpose1d", ("input", "weight", "bias"), ("stride", "padding", "output_padding", "groups", "dilation")
    ),
    "cross_entropy": _composite(
        "cross_entropy", ("input",), ("target", "weight", "ignore_index", "reduction", "label_smoothing")
    ),
    "max_pool2d": _max_pool2d,
    "avg_pool2d": _avg_pool2d,
    "avg_pool2d_backward": _avg_pool2d_backward,
    "as_strided": _as_strided,
    "contiguous": _contiguous,
    "clone": _clone,
    "_to_dtype": _to_dtype,
    "copy_": _copy,
    "fill_": _fill,
}
for _name in ("lu_factor", "linalg_solve", "linalg_inv", "linalg_cholesky", "linalg_qr", "linalg_svd",
              "linalg_eigh", "linalg_lstsq"):  # fmt: skip
    ADAPTERS[_name] = _linalg(_name)
