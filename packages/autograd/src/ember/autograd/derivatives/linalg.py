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


def _skew(x):
    return x - _h(x)


@derivative("lu_factor", inputs=True, result=True)
def _lu_factor(ctx, g_lu, g_piv=None, g_info=None):
    """A = P L U (square): A's gradient is P L^{-H} (tril_{-1}(L^H gL) + triu(gU U^H)) U^{-H}."""
    (a,) = ctx.inputs
    lu, piv, _ = ctx.result
    m, n = lu.shape[-2], lu.shape[-1]
    if m != n:
        raise NotImplementedError("the derivative of lu_factor is implemented for square matrices.")
    eye = ember.eye(n, dtype=lu.dtype)
    lower = lu.tril(-1) + eye
    upper = lu.triu()
    phi = (_h(lower) @ g_lu.tril(-1)).tril(-1) + (g_lu.triu() @ _h(upper)).triu()
    x = ember.linalg.solve_triangular(_h(lower), phi, upper=True, unitriangular=True)
    x = ember.linalg.solve_triangular(_h(upper), x, upper=False, left=False)
    p = ember.linalg._permutation(piv, m, lu.dtype)
    return p @ x


@derivative("linalg_svd", inputs=True, result=True)
def _svd(ctx, g_u, g_s, g_vh, g_info=None):
    u, s, vh, _ = ctx.result
    full_matrices, compute_uv = ctx.attrs[:2]
    if not compute_uv:  # svdvals: the gradient needs the singular vectors
        u, s, vh = ember.linalg.svd(ctx.inputs[0], full_matrices=False)
        full_matrices = False
    if full_matrices and (g_u is not None or g_vh is not None):
        k = s.shape[-1]
        if u.shape[-1] != k or vh.shape[-2] != k:
            raise NotImplementedError(
                "the derivative of svd with full_matrices=True is not defined for the extra singular vectors; "
                "use full_matrices=False."
            )
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    if g_u is not None:
        g_u = g_u[..., :, :k]
    if g_vh is not None:
        g_vh = g_vh[..., :k, :]
    if g_u is None and g_vh is None:
        return (u * g_s.unsqueeze(-2)) @ vh
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1)  # E_ij = s_j^2 - s_i^2
    e = e + ember.eye(k, dtype=s.dtype)  # the diagonal is not used; keep it away from 0
    inner = ember.zeros(*s.shape[:-1], k, k, dtype=s.dtype)
    if g_s is not None:
        inner = inner + g_s.diag_embed()
    if g_u is not None:
        j = _skew(_h(u) @ g_u) / e
        inner = inner + j * s.unsqueeze(-2)
    if g_vh is not None:
        kk = _skew(vh @ _h(g_vh)) / e
        inner = inner + s.unsqueeze(-1) * kk
    ga = u @ inner @ vh
    if g_u is not None and m > k:
        ga = ga + ((g_u - u @ (_h(u) @ g_u)) / s.unsqueeze(-2)) @ vh
    if g_vh is not None and n > k:
        ga = ga + u @ ((g_vh - (g_vh @ _h(vh)) @ vh) / s.unsqueeze(-1))
    return ga


@derivative("linalg_qr", result=True)
def _qr(ctx, g_q, g_r):
    q, r = ctx.result
    (mode,) = ctx.attrs
    m, n = q.shape[-2], r.shape[-1]
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
        )
    if m < n or (mode == "complete" and m > n):
        raise NotImplementedError(
            "The QR decomposition is not differentiable when mode='complete' and nrows > ncols, or for wide inputs."
        )
    g_q = ember.zeros_like(q) if g_q is None else g_q
    g_r = ember.zeros_like(r) if g_r is None else g_r
    # gA = (gQ + Q copyltu(M)) R^{-H},  M = R gR^H - gQ^H Q
    mm = r @ _h(g_r) - _h(g_q) @ q
    low = mm.tril(-1)
    sym = low + _h(low) + mm.diagonal(dim1=-2, dim2=-1).diag_embed()
    b = g_q + q @ sym
    return ember.linalg.solve_triangular(_h(r), b, upper=False, left=False)


@derivative("linalg_lstsq", inputs=True)
def _lstsq(ctx, g_x, g_res=None, g_rank=None, g_sv=None):
    """Through the normal equations X = (A^H A)^{-1} A^H B, differentiated
    with ember's own ops (full column rank)."""
    from ..engine import grad as _grad

    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    create_graph = g_x._requires_grad
    with ember.enable_grad():
        if not create_graph:  # a private graph, discarded after this gradient
            a, b = a.detach().requires_grad_(), b.detach().requires_grad_()
        x = ember.linalg.solve(_h(a) @ a, _h(a) @ b)
        ga, gb = _grad(x, (a, b), g_x, create_graph=create_graph, allow_unused=True)
    return (ga if need_a else None), (gb if need_b else None)
