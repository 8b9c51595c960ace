# SPDX-License-Identifier: BSD-3-Clause
"""Derivatives of the LAPACK-backed kernels (batched over leading dims)."""

from __future__ import annotations

import ember

from . import derivative


def _h(t):
    return t.mT.conj() if t.is_complex() else t.mT


@derivative("linalg_inv", result=True)
def _inv(ctx, g, g_info=None):
    x, _ = ctx.result
    xh = _h(x)
    return -(xh @ g @ xh)


@derivative("linalg_solve", inputs=True, result=True)
def _solve(ctx, g, g_info=None):
    a, _ = ctx.inputs
    x, _ = ctx.result
    need_a, need_b = ctx.needs_input_grad
    gb = ember.linalg.solve(_h(a), g)
    ga = -(gb @ _h(x)) if need_a else None
    return ga, (gb if need_b else None)


@derivative("linalg_cholesky", result=True)
def _cholesky(ctx, g, g_info=None):
    (upper,) = ctx.attrs
    factor, _ = ctx.result
    lower = _h(factor) if upper else factor
    g_lower = _h(g) if upper else g
    # Phi(L^H gL): the lower triangle with the diagonal halved
    p = _h(lower) @ g_lower
    p = p.tril() - 0.5 * p.diagonal(dim1=-2, dim2=-1).diag_embed()
    # A's gradient is L^{-H} Phi L^{-1}, symmetrized
    s = ember.linalg.solve_triangular(_h(lower), p, upper=True)
    s = _h(ember.linalg.solve_triangular(_h(lower), _h(s), upper=True))
    return 0.5 * (s + _h(s))


@derivative("linalg_eigh", inputs=True, result=True)
def _eigh(ctx, g_w, g_v=None, g_info=None):
    w, v, _ = ctx.result
    upper, vectors = ctx.attrs
    if not vectors:  # eigvalsh: the eigenvectors are needed for the gradient
        w, v = ember.linalg.eigh(ctx.inputs[0], UPLO="U" if upper else "L")
    vh = _h(v)
    inner = ember.zeros_like(v) if g_v is None else vh @ g_v
    if g_v is not None:
        diff = w.unsqueeze(-2) - w.unsqueeze(-1)  # w_j - w_i
        eye = ember.eye(w.shape[-1], dtype=w.dtype).bool()
        f = ember.where(eye, ember.zeros_like(diff), 1.0 / ember.where(eye, ember.ones_like(diff), diff))
        inner = f * 0.5 * (inner - _h(inner))
    if g_w is not None:
        inner = inner + g_w.diag_embed()
    ga = v @ inner @ vh
    return 0.5 * (ga + _h(ga))
