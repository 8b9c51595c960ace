# SPDX-License-Identifier: BSD-3-Clause
"""The derivative of the batched GEMM every matmul goes through."""

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
        return _h(_h(right).bmm(_h(left)))
    return left.bmm(right)


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
