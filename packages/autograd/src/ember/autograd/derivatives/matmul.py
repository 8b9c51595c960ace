# SPDX-License-Identifier: BSD-3-Clause
"""The derivative of the batched GEMM every matmul goes through."""

from __future__ import annotations

from . import derivative


@derivative("batched_gemm", inputs=True)
def _batched_gemm(ctx, g):
    a, b, _ = ctx.inputs
    alpha, beta = ctx.attrs
    need_a, need_b, need_out = ctx.needs_input_grad
    if alpha != 1:
        g_ab = g * alpha
    else:
        g_ab = g
    ga = g_ab.bmm(b.mT.conj() if b.is_complex() else b.mT) if need_a else None
    gb = (a.mT.conj() if a.is_complex() else a.mT).bmm(g_ab) if need_b else None
    g_out = (g * beta if beta != 0 else g * 0.0) if need_out else None
    return ga, gb, g_out
