# SPDX-License-Identifier: BSD-3-Clause
"""ember.linalg against numpy.linalg on random well-conditioned matrices
(batched, empty batches, sizes 0..6, float32/float64, non-contiguous), and
against PyTorch for shapes, result types and errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ember

LA = ember.linalg
DTYPES = {"float32": (ember.float32, np.float32, 2e-4), "float64": (ember.float64, np.float64, 1e-10)}

# numpy warns on empty inputs and PyTorch on its deprecated spellings
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"), pytest.mark.filterwarnings("ignore::UserWarning")]


# ---- inputs -------------------------------------------------------------------
@st.composite
def cases(draw, square=True, min_n=0):
    """(numpy float64 array of matrices, dtype name, layout)."""
    batch = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
    m = draw(st.integers(min_n, 6))
    n = m if square else draw(st.integers(min_n, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((*batch, m, n))
    return a, draw(st.sampled_from(sorted(DTYPES))), draw(st.sampled_from(["contiguous", "transposed", "strided"]))


def well_conditioned(a):
    """A square matrix far from singular: diagonally dominant."""
    n = a.shape[-1]
    return a + (n + 2) * np.eye(n)


def spd(a):
    n = a.shape[-1]
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def make(a, dtype, layout="contiguous"):
    """An ember tensor holding ``a`` in ``dtype``, laid out as asked (the
    non-contiguous ones are views with the same values)."""
    et, nt, _ = DTYPES[dtype]
    a = np.asarray(a, dtype=nt)
    if layout == "transposed" and a.ndim >= 2:
        return ember.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)), dtype=et).mT
    if layout == "strided" and a.ndim >= 1:
        wide = np.repeat(a, 2, axis=-1)
        return ember.tensor(wide, dtype=et)[..., ::2]
    return ember.tensor(a, dtype=et)


def close(actual, expected, dtype, scale=1.0):
    """``actual`` (a tensor) matches ``expected`` to the dtype's tolerance."""
    tol = DTYPES[dtype][2] * scale
    got = actual.numpy() if isinstance(actual, ember.Tensor) else np.asarray(actual)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * (1 + np.abs(expected).max(initial=0)))


def t(a, dtype="float64"):
    return torch.from_numpy(np.asarray(a, dtype=DTYPES[dtype][1]).copy())


# ---- solves, inverses, determinants ------------------------------------------
@given(cases())
def test_inv_solve_det_match_numpy(case):
    a, dtype, layout = case
    a = well_conditioned(a)
    A = make(a, dtype, layout)
    a = A.numpy().astype(np.float64)  # the values actually stored (float32 rounding)
    close(LA.inv(A), np.linalg.inv(a), dtype)
    close(LA.det(A), np.linalg.det(a), dtype, scale=10)
    sign, logabs = LA.slogdet(A)
    ns, nl = np.linalg.slogdet(a)
    close(sign, ns, dtype)
    close(logabs, nl, dtype, scale=10)
    b = np.random.default_rng(1).standard_normal((*a.shape[:-1], 2))
    close(LA.solve(A, make(b, dtype, layout)), np.linalg.solve(a, b.astype(DTYPES[dtype][1])), dtype, scale=10)
    vec = b[..., 0]  # the shape A.shape[:-1]: a batch of vectors
    close(LA.solve(A, make(vec, dtype)), np.linalg.solve(a, vec[..., None])[..., 0], dtype, scale=10)
    inverse, info = LA.inv_ex(A)
    close(inverse, np.linalg.inv(a), dtype)
    assert info.dtype == ember.int32 and info.shape == A.shape[:-2] and not info.any()


def test_solve_broadcasts_batches_and_vectors_as_pytorch():
    rng = np.random.default_rng(0)
    a = well_conditioned(rng.standard_normal((3, 1, 4, 4)))
    for b_shape in [(4,), (2, 4, 1), (3, 2, 4, 5), (4, 3)]:
        b = rng.standard_normal(b_shape)
        got = LA.solve(ember.tensor(a), ember.tensor(b))
        want = torch.linalg.solve(t(a), t(b))
        close(got, want.numpy(), "float64")
    got = LA.solve(ember.tensor(a), ember.tensor(rng.standard_normal((2, 4))), left=False)
    assert tuple(got.shape) == (3, 1, 2, 4)
    b = rng.standard_normal((5, 4))
    close(LA.solve(ember.tensor(a[0, 0]), ember.tensor(b), left=False), b @ np.linalg.inv(a[0, 0]), "float64")


def test_det_empty_and_singular():
    assert LA.det(ember.ones(0, 0)).item() == 1.0
    assert LA.det(ember.ones(3, 0, 0)).tolist() == [1.0, 1.0, 1.0]
    assert LA.det(ember.ones(0, 2, 2)).shape == (0,)
    singular = ember.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert LA.det(singular).item() == 0.0
    sign, logabs = LA.slogdet(singular)
    assert sign.item() == 0.0 and logabs.item() == -math.inf
    neg = ember.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=ember.float64)
    assert LA.det(neg).item() == -1.0
    assert math.isnan(ember.logdet(neg).item())
    assert ember.logdet(singular).item() == -math.inf
    assert ember.logdet(ember.eye(3) * 2).item() == pytest.approx(3 * math.log(2))


# ---- factorizations ----------------------------------------------------------
@given(cases())
def test_cholesky_matches_numpy(case):
    a, dtype, layout = case
    A = make(spd(a), dtype, layout)
    s = A.numpy().astype(np.float64)
    L = LA.cholesky(A)
    close(L, np.linalg.cholesky(s), dtype, scale=10)
    close(LA.cholesky(A, upper=True), np.swapaxes(np.linalg.cholesky(s), -1, -2), dtype, scale=10)
    Lx, info = LA.cholesky_ex(A)
    close(Lx, L.numpy(), dtype)
    assert not info.any()


@given(cases(square=False), st.sampled_from(["reduced", "complete", "r"]))
def test_qr_reconstructs_and_matches_numpy(case, mode):
    a, dtype, layout = case
    A = make(a, dtype, layout)
    a = A.numpy().astype(np.float64)
    Q, R = LA.qr(A, mode)
    m, n = a.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    assert tuple(R.shape) == (*a.shape[:-2], k, n)
    r = R.numpy()
    assert np.all(np.triu(r) == r)
    if mode == "r":
        assert tuple(Q.shape) == (0,)
        close(np.abs(r), np.abs(np.linalg.qr(a, mode="r")), dtype, scale=10)
        return
    q = Q.numpy().astype(np.float64)
    assert q.shape == (*a.shape[:-2], m, k)
    close(q @ r, a, dtype, scale=10)
    close(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)), dtype, scale=10)


@given(cases(square=False), st.booleans())
def test_svd_matches_numpy(case, full_matrices):
    a, dtype, layout = case
    A = make(a, dtype, layout)
    a = A.numpy().astype(np.float64)
    U, S, Vh = LA.svd(A, full_matrices=full_matrices)
    close(S, np.linalg.svd(a, compute_uv=False), dtype, scale=10)
    close(LA.svdvals(A), S.numpy(), dtype)
    m, n = a.shape[-2:]
    k = min(m, n)
    assert tuple(U.shape) == (*a.shape[:-2], m, m if full_matrices else k)
    assert tuple(Vh.shape) == (*a.shape[:-2], n if full_matrices else k, n)
    u, s, vh = (x.numpy().astype(np.float64) for x in (U, S, Vh))
    close((u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, dtype, scale=10)
    eye = np.broadcast_to(np.eye(u.shape[-1]), u.shape[:-2] + (u.shape[-1],) * 2)
    close(np.swapaxes(u, -1, -2) @ u, eye, dtype, scale=10)


@given(cases(), st.sampled_from(["L", "U"]))
def test_eigh_matches_numpy(case, uplo):
    a, dtype, layout = case
    sym = a + np.swapaxes(a, -1, -2)
    A = make(sym, dtype, layout)
    s = A.numpy().astype(np.float64)
    w, V = LA.eigh(A, UPLO=uplo)
    close(w, np.linalg.eigvalsh(s, UPLO=uplo), dtype, scale=10)
    close(LA.eigvalsh(A, uplo), w.numpy(), dtype, scale=10)
    v = V.numpy().astype(np.float64)
    close(s @ v, v * w.numpy()[..., None, :], dtype, scale=20)


def test_eigh_reads_one_triangle():
    a = np.array([[2.0, 100.0], [1.0, 3.0]])
    close(LA.eigvalsh(ember.tensor(a)), np.linalg.eigvalsh(a, UPLO="L"), "float64")
    close(LA.eigvalsh(ember.tensor(a), UPLO="U"), np.linalg.eigvalsh(a, UPLO="U"), "float64")


def test_lu_matches_pytorch():
    rng = np.random.default_rng(2)
    for shape in [(4, 4), (2, 5, 3), (3, 3, 5), (0, 3, 3), (1, 1)]:
        a = rng.standard_normal(shape)
        P, L, U = LA.lu(ember.tensor(a))
        tP, tL, tU = torch.linalg.lu(t(a))
        for got, want in [(P, tP), (L, tL), (U, tU)]:
            close(got, want.numpy(), "float64")
        LU, piv = LA.lu_factor(ember.tensor(a))
        tLU, tpiv = torch.linalg.lu_factor(t(a))
        close(LU, tLU.numpy(), "float64")
        assert piv.dtype == ember.int32 and piv.tolist() == tpiv.tolist()


# ---- least squares, pseudo-inverse, rank -------------------------------------
@given(cases(square=False, min_n=1))
def test_lstsq_matches_numpy(case):
    a, dtype, layout = case
    m, n = a.shape[-2:]
    if m < n:
        a = np.swapaxes(a, -1, -2)
        m, n = n, m
    A = make(a + np.eye(m, n) * 3, dtype, layout)  # tall, full rank
    a = A.numpy().astype(np.float64)
    b = np.random.default_rng(3).standard_normal((*a.shape[:-1], 2)).astype(DTYPES[dtype][1])
    result = LA.lstsq(A, make(b, dtype), driver="gelsd")
    x = np.linalg.pinv(a) @ b
    close(result.solution, x, dtype, scale=100)
    assert result.rank.tolist() == np.full(a.shape[:-2], n).tolist()
    close(result.singular_values, np.linalg.svd(a, compute_uv=False), dtype, scale=10)
    if m > n:
        close(result.residuals, ((a @ x - b) ** 2).sum(-2), dtype, scale=100)
    else:
        assert result.residuals.numel() == 0


def test_lstsq_fields_follow_the_driver_as_pytorch():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    for driver in [None, "gels", "gelsy", "gelsd", "gelss"]:
        got = LA.lstsq(ember.tensor(a), ember.tensor(b), driver=driver)
        want = torch.linalg.lstsq(t(a), t(b), driver=driver)
        assert got._fields == ("solution", "residuals", "rank", "singular_values") and len(want) == 4
        for g, w in zip(got, want):
            assert tuple(g.shape) == tuple(w.shape), (driver, g.shape, w.shape)
            if w.numel():
                close(g, w.numpy(), "float64")
    rank_deficient = np.ones((4, 2))
    got = LA.lstsq(ember.tensor(rank_deficient), ember.tensor(b[:4]), driver="gelsd")
    assert got.rank.item() == 1 and got.residuals.numel() == 0
    close(got.solution, np.linalg.pinv(rank_deficient) @ b[:4], "float64")
    # a vector right-hand side, and broadcast batches
    got = LA.lstsq(ember.tensor(a), ember.tensor(b[:, 0]), driver="gelsd")
    assert tuple(got.solution.shape) == (3,) and tuple(got.residuals.shape) == (1,)
    batch_a = rng.standard_normal((2, 1, 5, 3))
    got = LA.lstsq(ember.tensor(batch_a), ember.tensor(rng.standard_normal((1, 3, 5, 2))))
    assert tuple(got.solution.shape) == (2, 3, 3, 2)


@given(cases(square=False), st.booleans())
def test_pinv_and_rank_match_numpy(case, low_rank):
    a, dtype, layout = case
    m, n = a.shape[-2:]
    if low_rank and min(m, n) > 1:
        a = a[..., :, :1] @ a[..., :1, :]  # rank 1
    A = make(a, dtype, layout)
    a = A.numpy().astype(np.float64)
    # the default cut-off: singular values below eps * max(m, n) * largest
    rtol = np.finfo(DTYPES[dtype][1]).eps * max(m, n)
    if not (low_rank and dtype == "float32"):  # float32 rounding noise sits near that cut-off
        close(LA.pinv(A), np.linalg.pinv(a, rcond=rtol), dtype, scale=1e3)
    expected = 0 if a.size == 0 else (1 if low_rank and min(m, n) > 1 else min(m, n))
    rank = LA.matrix_rank(A, rtol=1e-4 if low_rank else None)
    assert rank.dtype == ember.int64
    assert rank.tolist() == np.full(a.shape[:-2], expected).tolist()


def test_pinv_and_rank_tolerances_as_pytorch():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4, 4)) @ np.diag([10.0, 1.0, 0.1, 1e-3])
    sym = a @ np.swapaxes(a, -1, -2)
    for kw in [{}, {"atol": 0.5}, {"rtol": 0.05}, {"atol": 0.5, "rtol": 0.5}, {"hermitian": True}]:
        x = sym if kw.get("hermitian") else a
        close(LA.pinv(ember.tensor(x), **kw), torch.linalg.pinv(t(x), **kw).numpy(), "float64", scale=1e4)
        assert LA.matrix_rank(ember.tensor(x), **kw).tolist() == torch.linalg.matrix_rank(t(x), **kw).tolist()
    assert LA.matrix_rank(ember.tensor(a), tol=0.5).tolist() == torch.linalg.matrix_rank(t(a), tol=0.5).tolist()
    atol = ember.tensor([0.05, 0.5, 5.0], dtype=ember.float64)
    want = torch.linalg.matrix_rank(t(a), atol=torch.tensor([0.05, 0.5, 5.0], dtype=torch.float64))
    assert LA.matrix_rank(ember.tensor(a), atol=atol).tolist() == want.tolist()
    close(LA.pinv(ember.tensor(a), 0.05), torch.linalg.pinv(t(a), 0.05).numpy(), "float64", scale=1e4)
    close(ember.pinverse(ember.tensor(a)), torch.pinverse(t(a)).numpy(), "float64", scale=1e4)
    assert tuple(LA.pinv(ember.ones(2, 0, 3)).shape) == (2, 3, 0)


@pytest.mark.parametrize("power", [0, 1, 2, 3, 7, -1, -3])
def test_matrix_power_matches_numpy(power):
    a = well_conditioned(np.random.default_rng(6).standard_normal((2, 3, 3))) / 5
    close(LA.matrix_power(ember.tensor(a), power), np.linalg.matrix_power(a, power), "float64")
    close(ember.tensor(a).matrix_power(power), np.linalg.matrix_power(a, power), "float64")
    if power >= 0:  # integer matrices: positive powers only (inv needs floats)
        fib = LA.matrix_power(ember.tensor([[1, 1], [1, 0]]), power)
        assert fib.tolist() == np.linalg.matrix_power(np.array([[1, 1], [1, 0]]), power).tolist()
    assert LA.matrix_power(ember.ones(0, 2, 2), power).shape == (0, 2, 2)


# ---- norms ------------------------------------------------------------------
MATRIX_ORDS = ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2]


@given(cases(square=False, min_n=1), st.sampled_from(MATRIX_ORDS), st.booleans())
def test_matrix_norm_matches_numpy(case, ord, keepdim):
    a, dtype, layout = case
    A = make(a, dtype, layout)
    a = A.numpy().astype(np.float64)
    want = np.linalg.norm(a, ord=ord, axis=(-2, -1), keepdims=keepdim) if a.size else None
    got = LA.matrix_norm(A, ord, keepdim=keepdim)
    assert got.dtype == A.dtype
    if want is not None:
        close(got, want, dtype, scale=10)
    if a.ndim >= 3 and a.size:  # other dims, in either order
        close(LA.matrix_norm(A, ord, dim=(-1, 0)), np.linalg.norm(a, ord=ord, axis=(-1, 0)), dtype, scale=10)


@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=3),
    st.sampled_from([2, 1, 0, math.inf, -math.inf, 3, 0.5, -1]),
    st.sampled_from(sorted(DTYPES)),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_vector_norm_matches_pytorch(shape, ord, dtype, keepdim, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    dims = [None, 0, (0, -1)]
    for dim in dims:
        try:
            want = torch.linalg.vector_norm(t(x, dtype), ord, dim, keepdim)
        except RuntimeError as e:
            with pytest.raises(RuntimeError) as got:
                LA.vector_norm(make(x, dtype, "strided"), ord, dim, keepdim)
            assert ("cannot compute" in str(got.value)) == ("cannot compute" in str(e))
            continue
        got = LA.vector_norm(make(x, dtype, "strided"), ord, dim, keepdim)
        close(got, want.numpy(), dtype, scale=10)


def test_norm_dispatch_as_pytorch():
    a = np.random.default_rng(7).standard_normal((2, 3, 4))
    calls = [
        ((), {}),
        ((), {"dim": (1, 2)}),
        ((2,), {"dim": (0, 2)}),
        (("nuc",), {"dim": (1, 2)}),
        ((), {"dim": 1, "keepdim": True}),
        ((3,), {"dim": -1}),
    ]
    for args, kw in calls:
        close(LA.norm(ember.tensor(a), *args, **kw), torch.linalg.norm(t(a), *args, **kw).numpy(), "float64")
    close(LA.norm(ember.tensor(a[0]), 1), torch.linalg.norm(t(a[0]), 1).numpy(), "float64")
    close(LA.norm(ember.tensor(a[0, 0]), 1), torch.linalg.norm(t(a[0, 0]), 1).numpy(), "float64")
    close(LA.norm(ember.tensor(a), dtype=ember.float64), np.linalg.norm(a.ravel()), "float64")
    half = LA.vector_norm(ember.ones(4, dtype=ember.float16))
    assert half.dtype == ember.float16 and half.item() == 2.0
    assert LA.vector_norm(ember.ones(3), dtype=ember.float64).dtype == ember.float64


def test_cond_matches_pytorch():
    a = well_conditioned(np.random.default_rng(8).standard_normal((2, 4, 4)))
    for p in [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf]:
        close(LA.cond(ember.tensor(a), p), torch.linalg.cond(t(a), p).numpy(), "float64", scale=100)
    assert LA.cond(ember.tensor([[1.0, 2.0], [2.0, 4.0]]), "fro").item() == math.inf


# ---- products, cross and small helpers --------------------------------------------
def test_cross_matches_numpy():
    rng = np.random.default_rng(9)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((1, 3))
    close(LA.cross(ember.tensor(a), ember.tensor(b)), np.cross(a, b), "float64")
    c, d = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    close(LA.cross(ember.tensor(c), ember.tensor(d), dim=0), np.cross(c, d, axis=0), "float64")
    close(ember.cross(ember.tensor(c), ember.tensor(d)), np.cross(c, d, axis=0), "float64")  # first size-3 dim
    close(ember.tensor(c).cross(ember.tensor(d), dim=0), np.cross(c, d, axis=0), "float64")
    ints = LA.cross(ember.tensor([1, 0, 0]), ember.tensor([0, 1, 0]))
    assert ints.dtype == ember.int64 and ints.tolist() == [0, 0, 1]


def test_products_and_helpers_match_pytorch():
    rng = np.random.default_rng(10)
    m = [rng.standard_normal(s) for s in [(3,), (3, 5), (5, 2), (2, 4)]]
    close(LA.multi_dot([ember.tensor(x) for x in m]), torch.linalg.multi_dot([t(x) for x in m]).numpy(), "float64")
    x, y = rng.standard_normal((2, 4)), rng.standard_normal((4,))
    close(LA.vecdot(ember.tensor(x), ember.tensor(y)), torch.linalg.vecdot(t(x), t(y)).numpy(), "float64")
    close(LA.matmul(ember.tensor(x), ember.tensor(y)), x @ y, "float64")
    a = rng.standard_normal((2, 3, 4))
    for kw in [{}, {"offset": 1}, {"offset": -2}, {"dim1": 0, "dim2": 2}]:
        close(LA.diagonal(ember.tensor(a), **kw), torch.linalg.diagonal(t(a), **kw).numpy(), "float64")
    v = ember.tensor([1.0, 2.0, 3.0])
    close(LA.vander(v), np.vander([1.0, 2.0, 3.0], increasing=True), "float32")
    close(LA.vander(v, N=2), np.vander([1.0, 2.0, 3.0], 2, increasing=True), "float32")
    tri = well_conditioned(rng.standard_normal((2, 4, 4)))
    b = rng.standard_normal((2, 4, 3))
    for upper in (True, False):
        for unit in (True, False):
            want = torch.linalg.solve_triangular(t(tri), t(b), upper=upper, unitriangular=unit)
            got = LA.solve_triangular(ember.tensor(tri), ember.tensor(b), upper=upper, unitriangular=unit)
            close(got, want.numpy(), "float64")


# ---- PyTorch's top-level spellings and Tensor methods ----------------------------
TOP_LEVEL = ["det", "logdet", "slogdet", "inverse", "cholesky", "pinverse", "matrix_power", "svd", "qr", "cross"]


def test_top_level_names_are_pytorchs():
    for name in TOP_LEVEL:
        assert hasattr(torch, name) and callable(getattr(ember, name)), name
        assert hasattr(torch.Tensor, name) and hasattr(ember.Tensor, name), name
    assert issubclass(LA.LinAlgError, RuntimeError)
    for name in LA.__all__:
        assert hasattr(torch.linalg, name), name


def test_old_spellings_match_pytorch():
    a = spd(np.random.default_rng(11).standard_normal((2, 3, 3)))
    A, T = ember.tensor(a), t(a)
    close(ember.det(A), torch.det(T).numpy(), "float64")
    close(A.det(), torch.det(T).numpy(), "float64")
    close(ember.inverse(A), torch.inverse(T).numpy(), "float64")
    close(A.cholesky(upper=True), T.cholesky(upper=True).numpy(), "float64")
    s, la = A.slogdet()
    close(la, torch.slogdet(T).logabsdet.numpy(), "float64")
    close(A.logdet(), T.logdet().numpy(), "float64")
    r = np.random.default_rng(12).standard_normal((5, 3))
    for some in (True, False):
        U, S, V = ember.svd(ember.tensor(r), some=some)
        tU, tS, tV = torch.svd(t(r), some=some)
        assert tuple(U.shape) == tuple(tU.shape) and tuple(V.shape) == tuple(tV.shape)
        close((U[:, :3] * S) @ V[:, :3].mT, r, "float64")  # V, not Vh
        Q, R = ember.tensor(r).qr(some=some)
        tQ, tR = torch.qr(t(r), some=some)
        assert tuple(Q.shape) == tuple(tQ.shape) and tuple(R.shape) == tuple(tR.shape)
        close(Q @ R, r, "float64")
    U, S, V = ember.svd(ember.tensor(r), compute_uv=False)
    assert tuple(U.shape) == (5, 5) and tuple(V.shape) == (3, 3) and not U.any() and not V.any()
    assert type(ember.svd(ember.tensor(r))).__name__ == "svd"


# ---- errors -------------------------------------------------------------------
SINGULAR = [[1.0, 2.0], [2.0, 4.0]]
NOT_PD = [[1.0, 2.0], [2.0, 1.0]]


def _batch(m):
    return [[[1.0, 0.0], [0.0, 1.0]], m, m]


ERRORS = {
    "inv_singular": lambda m, la: la.inv(m.tensor(SINGULAR)),
    "inv_batch": lambda m, la: la.inv(m.tensor(_batch(SINGULAR))),
    "inverse_singular": lambda m, la: m.inverse(m.tensor(SINGULAR)),
    "inv_ex_check": lambda m, la: la.inv_ex(m.tensor(SINGULAR), check_errors=True),
    "solve_singular": lambda m, la: la.solve(m.tensor(SINGULAR), m.tensor([1.0, 1.0])),
    "solve_batch": lambda m, la: la.solve(m.tensor(_batch(SINGULAR)), m.tensor([1.0, 1.0])),
    "cholesky_not_pd": lambda m, la: la.cholesky(m.tensor(NOT_PD)),
    "cholesky_batch": lambda m, la: la.cholesky(m.tensor(_batch(NOT_PD))),
    "cholesky_old": lambda m, la: m.cholesky(m.tensor(NOT_PD)),
    "matrix_power_singular": lambda m, la: la.matrix_power(m.tensor(SINGULAR), -1),
    "svd_nan": lambda m, la: la.svd(m.full((3, 3), math.nan)),
    "svdvals_nan": lambda m, la: la.svdvals(m.eye(3) * math.nan),
    "eigh_nan": lambda m, la: la.eigvalsh(m.full((3, 3), math.nan)),
    "inv_int": lambda m, la: la.inv(m.ones(3, 3, dtype=m.int64)),
    "det_int": lambda m, la: la.det(m.ones(3, 3, dtype=m.int64)),
    "inv_half": lambda m, la: la.inv(m.ones(3, 3, dtype=m.float16)),
    "inv_1d": lambda m, la: la.inv(m.ones(3)),
    "inv_rect": lambda m, la: la.inv(m.ones(2, 3)),
    "slogdet_rect": lambda m, la: la.slogdet(m.ones(2, 3)),
    "cholesky_int": lambda m, la: la.cholesky(m.ones(3, 3, dtype=m.int64)),
    "solve_dtypes": lambda m, la: la.solve(m.eye(3), m.eye(3, dtype=m.float64)),
    "solve_shapes": lambda m, la: la.solve(m.eye(3), m.ones(2)),
    "solve_batch_shapes": lambda m, la: la.solve(m.ones(3, 2, 2), m.ones(4, 2, 1)),
    "qr_mode": lambda m, la: la.qr(m.ones(2, 3), mode="x"),
    "svd_driver": lambda m, la: la.svd(m.ones(2, 2), driver="gesvd"),
    "eigh_uplo": lambda m, la: la.eigh(m.eye(2), UPLO="X"),
    "lstsq_int": lambda m, la: la.lstsq(m.ones(3, 3, dtype=m.int64), m.ones(3, 3, dtype=m.int64)),
    "lstsq_rows": lambda m, la: la.lstsq(m.ones(2, 3), m.ones(3)),
    "lstsq_dims": lambda m, la: la.lstsq(m.ones(4, 2), m.ones(5, 4, 2)),
    "lstsq_driver": lambda m, la: la.lstsq(m.ones(2, 3), m.ones(2, 1), driver="x"),
    "pinv_int": lambda m, la: la.pinv(m.ones(3, 3, dtype=m.int64)),
    "rank_1d": lambda m, la: la.matrix_rank(m.ones(3)),
    "matrix_power_rect": lambda m, la: la.matrix_power(m.ones(2, 3), 2),
    "matrix_power_int_negative": lambda m, la: la.matrix_power(m.ones(2, 2, dtype=m.int64), -1),
    "matrix_norm_ord": lambda m, la: la.matrix_norm(m.ones(2, 2), 3),
    "matrix_norm_str": lambda m, la: la.matrix_norm(m.ones(2, 2), "foo"),
    "matrix_norm_dims": lambda m, la: la.matrix_norm(m.ones(2, 2), dim=(0, 0)),
    "matrix_norm_int": lambda m, la: la.matrix_norm(m.ones(2, 2, dtype=m.int64)),
    "matrix_norm_empty_negative": lambda m, la: la.matrix_norm(m.ones(3, 0), -1),
    "vector_norm_int": lambda m, la: la.vector_norm(m.ones(3, dtype=m.int64)),
    "vector_norm_str": lambda m, la: la.vector_norm(m.ones(3), "fro"),
    "vector_norm_empty_inf": lambda m, la: la.vector_norm(m.ones(0), math.inf),
    "vector_norm_narrowing": lambda m, la: la.vector_norm(m.ones(3), dtype=m.float16),
    "norm_3d_ord": lambda m, la: la.norm(m.ones(2, 2, 2), 2),
    "norm_dims": lambda m, la: la.norm(m.ones(2, 2, 2), dim=(0, 1, 2)),
    "cross_length": lambda m, la: la.cross(m.ones(2, 4), m.ones(2, 4)),
    "cross_ndim": lambda m, la: la.cross(m.ones(3), m.ones(4, 3)),
    "cross_dtypes": lambda m, la: la.cross(m.ones(3, dtype=m.int64), m.ones(3)),
    "cross_no_size_3": lambda m, la: m.cross(m.ones(2, 2), m.ones(2, 2)),
    "lu_factor_singular": lambda m, la: la.lu_factor(m.zeros(2, 2)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_pytorch(name):
    call = ERRORS[name]
    with pytest.raises(Exception) as want:
        call(torch, torch.linalg)
    with pytest.raises(Exception) as got:
        call(ember, ember.linalg)
    # same kind (LinAlgError where PyTorch raises torch.linalg.LinAlgError) and message
    assert isinstance(got.value, RuntimeError) == isinstance(want.value, RuntimeError), (got.value, want.value)
    assert isinstance(got.value, TypeError) == isinstance(want.value, TypeError), (got.value, want.value)
    assert isinstance(got.value, IndexError) == isinstance(want.value, IndexError), (got.value, want.value)
    assert isinstance(got.value, LA.LinAlgError) == isinstance(want.value, torch.linalg.LinAlgError)
    got_text, want_text = str(got.value).splitlines()[0], str(want.value).splitlines()[0]
    if name == "eigh_nan":  # Note [LAPACKE NaN check]: no LAPACK error code to quote
        got_text, want_text = got_text.split(" because")[0], want_text.split(" because")[0]
    assert got_text == want_text


def test_ex_variants_report_info_without_raising():
    batch = ember.tensor(_batch(NOT_PD))
    L, info = LA.cholesky_ex(batch)
    assert info.tolist() == [0, 2, 2]
    inverse, info = LA.inv_ex(ember.tensor(_batch(SINGULAR)))
    assert info.tolist() == [0, 2, 2]
    result, info = LA.solve_ex(ember.tensor(SINGULAR), ember.tensor([1.0, 1.0]))
    assert info.item() == 2
    LU, piv, info = LA.lu_factor_ex(ember.zeros(2, 2))
    assert info.item() == 1


# Note [LAPACKE NaN check] in ember/linalg.py: NaN in, NaN out (as PyTorch)
def test_nan_input_propagates_as_pytorch():
    a = np.eye(3)
    a[2, 0] = math.nan
    A, T = ember.tensor(a), t(a)
    assert np.isnan(LA.inv(A).numpy()).all()
    assert np.isnan(LA.solve(A, ember.ones(3, dtype=ember.float64)).numpy()).all()
    assert math.isnan(LA.det(A).item())
    assert math.isnan(LA.slogdet(A).logabsdet.item())
    Q, R = LA.qr(A)
    assert np.isnan(Q.numpy()).all() and np.isnan(R.numpy()[np.triu_indices(3)]).all()
    LU, piv, info = LA.lu_factor_ex(A)
    assert piv.tolist() == [1, 2, 3] and info.item() == 0
    L, info = LA.cholesky_ex(A)
    assert info.item() == torch.linalg.cholesky_ex(T).info.item() == 3
    with pytest.raises(LA.LinAlgError, match="leading minor of order 3"):
        LA.cholesky(A)
    with pytest.raises(LA.LinAlgError, match="failed to converge"):
        LA.eigh(A)
    with pytest.raises(LA.LinAlgError, match="non-finite"):
        LA.pinv(A)


def test_empty_inputs_as_pytorch():
    for name, call in {
        "svd": lambda m: m.linalg.svd(m.ones(0, 3)),
        "eigh": lambda m: m.linalg.eigh(m.ones(0, 0)),
        "qr": lambda m: m.linalg.qr(m.ones(0, 3)),
        "qr_complete": lambda m: m.linalg.qr(m.ones(3, 0), mode="complete"),
        "lstsq": lambda m: m.linalg.lstsq(m.ones(0, 3), m.ones(0, 2)),
        "slogdet": lambda m: m.linalg.slogdet(m.ones(0, 0)),
        "inv": lambda m: (m.linalg.inv(m.ones(2, 0, 0)),),
        "cholesky": lambda m: (m.linalg.cholesky(m.ones(0, 0)),),
        "matrix_rank": lambda m: (m.linalg.matrix_rank(m.ones(0, 3)),),
        "matrix_norm": lambda m: (m.linalg.matrix_norm(m.ones(0, 3), 2), m.linalg.matrix_norm(m.ones(0, 3), "nuc")),
    }.items():
        got, want = call(ember), call(torch)
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            assert tuple(g.shape) == tuple(w.shape), (name, g.shape, w.shape)
            np.testing.assert_array_equal(g.numpy(), w.numpy())
