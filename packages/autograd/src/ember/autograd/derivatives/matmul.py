# SPDX-License-Identifier: BSD-3-Clause
"""Derivatives of the batched GEMM every matmul goes through, and of mm and
addmm, which are recorded as one op each."""

from __future__ import annotations

from . import derivative


def _is_transposed(t) -> bool:
    """A transposed view of a row-major matrix (as ``w.t()`` or ``w.mT``)."""
    return t.dim() >= 2 and t.stride(-2) == 1 and t.size(-2) > 1 and t.size(-1) > 1


def _h(t):
    return t.mT.conj() if t.is_complex() else t.mT


def _product(left, right, like):
    """``left @ right``, laid out as ``like`` is: for a transposed input the
    transposed product is computed, so the gradient reaching it (through the
    transpose) is row-major, as an optimizer wants it."""
    if _is_transposed(like):
        return _h(_h(right) @ _h(left))
    return left @ right


@derivative("batched_gemm", inputs=True)
def _batched_gemm(ctx, g):
    a, b, _ = ctx.inputs
    alpha, beta = ctx.attrs
    need_a, need_b, need_out = ctx.needs_input_grad
    g_ab = g * alpha if alpha != 1 else g
    ga = _product(g_ab, _h(b), a) if need_a else None
    gb = _product(_h(a), g_ab, b) if need_b else None
    g_out = (g * beta if beta != 0 else g * 0.0) if need_out else None
    return ga, gb, g_out


@derivative("mm", inputs=True)
def _mm(ctx, g):
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    return (_product(g, _h(b), a) if need_a else None), (_product(_h(a), g, b) if need_b else None)


@derivative("addmm", inputs=True)
def _addmm(ctx, g):
    _, m1, m2 = ctx.inputs
    beta, alpha = ctx.attrs
    need_input, need_m1, need_m2 = ctx.needs_input_grad
    g_ab = g * alpha if alpha != 1 else g
    g_input = (g * beta if beta != 1 else g) if need_input and beta != 0 else None
    return g_input, (_product(g_ab, _h(m2), m1) if need_m1 else None), (_product(_h(m1), g_ab, m2) if need_m2 else None)
