# SPDX-License-Identifier: BSD-3-Clause
"""``ember.linalg``: PyTorch's ``torch.linalg`` on OpenBLAS's LAPACK.

Every function takes float32 or float64 matrices batched over leading
dimensions. The kernels return LAPACK's ``info`` per matrix; failures
(singular, not positive-definite, no convergence) raise :class:`LinAlgError`
with PyTorch's message, naming the first failing batch element."""

# Matrices are capitals (A, B, X, L, Q, R, U, S, Vh), as in PyTorch's signatures.
# ruff: noqa: N803, N806

from __future__ import annotations

import builtins
import collections
import math
import operator

from . import _C
from ._creation import eye
from ._dtypes import BY_NAME
from ._dtypes import torch_name as _tname
from ._matmul import matmul
from ._reduce import return_types
from ._registry import Tensor, export

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "vander",
    "vecdot",
    "vector_norm",
]

_f32, _f64 = BY_NAME["float32"], BY_NAME["float64"]
_int32, _int64, _bool = BY_NAME["int32"], BY_NAME["int64"], BY_NAME["bool"]
_EPS = {"float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16}


class LinAlgError(RuntimeError):
    """Raised when a factorization or solve fails on a valid input: a singular
    matrix, one that is not positive-definite, or no convergence. A subclass
    of ``RuntimeError``, as ``torch.linalg.LinAlgError``."""


# PyTorch's result namedtuples, in ember.return_types beside max/min/sort
def _result_type(name, fields):
    if not hasattr(return_types, name):
        setattr(return_types, name, collections.namedtuple(name, fields))
    return getattr(return_types, name)


_Slogdet = _result_type("linalg_slogdet", ["sign", "logabsdet"])
_SlogdetOld = _result_type("slogdet", ["sign", "logabsdet"])
_InvEx = _result_type("linalg_inv_ex", ["inverse", "info"])
_SolveEx = _result_type("linalg_solve_ex", ["result", "info"])
_CholeskyEx = _result_type("linalg_cholesky_ex", ["L", "info"])
_QR = _result_type("linalg_qr", ["Q", "R"])
_QROld = _result_type("qr", ["Q", "R"])
_SVD = _result_type("linalg_svd", ["U", "S", "Vh"])
_SVDOld = _result_type("svd", ["U", "S", "V"])
_Eigh = _result_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
_Lstsq = _result_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
_LUFactor = _result_type("linalg_lu_factor", ["LU", "pivots"])
_LUFactorEx = _result_type("linalg_lu_factor_ex", ["LU", "pivots", "info"])
_LU = _result_type("linalg_lu", ["P", "L", "U"])


# ---- checks and helpers ------------------------------------------------------
def _need_tensor(fn, A, arg="A"):
    if not isinstance(A, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position 1) must be Tensor, not {type(A).__name__}")


def _check(api, A, square=True, arg="A"):
    """PyTorch's checks for a LAPACK input: at least 2-D, float32/float64,
    square when asked."""
    _need_tensor(api.replace(".", "_"), A, arg)
    if A.dim() < 2:
        raise RuntimeError(f"{api}: The input tensor {arg} must have at least 2 dimensions.")
    _check_float(api, A)
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{api}: A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} matrices"
        )


def _check_float(api, A):
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{api}: Expected a floating point or complex tensor as input. Got {_tname(A.dtype)}")
    if A.dtype not in (_f32, _f64):
        raise RuntimeError(f"{api}: Low precision dtypes not supported. Got {_tname(A.dtype)}")


def _error_text(kind: str, code: int) -> str:
    if kind == "inv":
        return (
            f"The diagonal element {code} is zero, the inversion could not be completed because the input "
            "matrix is singular."
        )
    if kind == "solve":
        return "The solver failed because the input matrix is singular."
    if kind == "cholesky":
        return (
            "The factorization could not be completed because the input is not positive-definite "
            f"(the leading minor of order {code} is not positive-definite)."
        )
    if kind == "svd":
        if code < 0:
            return "The algorithm failed to converge because the input matrix contained non-finite values."
        return (
            "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
            f"repeated singular values (error code: {code})."
        )
    if kind == "eigh":
        return (
            "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
            f"repeated eigenvalues (error code: {code})."
        )
    if kind == "lstsq":
        return (
            "The least squares solution could not be computed because the input matrix does not have full "
            f"rank (error code: {code})."
        )
    return f"Unknown error code: {code}."  # pragma: no cover


def _check_info(api: str, info, kind: str, error=LinAlgError):
    """Raises PyTorch's error for the first matrix whose LAPACK ``info`` is not 0."""
    if info.numel() == 0 or not bool((info != 0).any()):
        return
    codes = info.reshape(-1).tolist()
    index = next(i for i, c in enumerate(codes) if c != 0)
    where = f": (Batch element {index})" if info.dim() > 0 else ""
    raise error(f"{api}{where}: {_error_text(kind, codes[index])}")


def _finish(result, out):
    """Copies ``result`` (a tensor or a tuple of them) into ``out`` when given."""
    if out is None:
        return result
    if isinstance(result, Tensor):
        if tuple(out.shape) != tuple(result.shape):
            raise RuntimeError(f"out= has shape {list(out.shape)} but the result has shape {list(result.shape)}")
        return out.copy_(result)
    for o, r in zip(out, result):
        _finish(r, o)
    return type(result)(*out) if hasattr(result, "_fields") else tuple(out)


def _batch(A):
    return tuple(A.shape[:-2])


def _broadcast_shapes(a, b):
    """NumPy's broadcast of two shapes, with PyTorch's error."""
    n = builtins.max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def _diag(A):
    """The main diagonal of every matrix of ``A`` [..., m, n], as a view [..., min(m, n)]."""
    st = A.stride()
    k = builtins.min(A.shape[-2], A.shape[-1])
    return A.as_strided((*A.shape[:-2], k), (*st[:-2], st[-2] + st[-1]), A.storage_offset())


def _eye_like(n, batch, dtype):
    return eye(n, dtype=dtype).expand(*batch, n, n)


def _triangle_mask(m, n, upper: bool, diagonal: int = 0):
    """The bool [m, n] mask of ``triu`` (``tril`` unless ``upper``)."""
    rows = _C.arange(0.0, float(m), 1.0, _int64).reshape(m, 1)
    cols = _C.arange(0.0, float(n), 1.0, _int64).reshape(1, n)
    return (cols - rows >= diagonal) if upper else (cols - rows <= diagonal)


def _triangle(A, upper: bool, diagonal: int = 0):
    """``triu``/``tril`` of the last two dims (a copy)."""
    keep = _triangle_mask(A.shape[-2], A.shape[-1], upper, diagonal)
    return _C.where(keep, A, False if A.dtype is _bool else 0, None)


def _eps(A) -> float:
    return _EPS[A.dtype.name]


def _amax_or_zero(x, dim, keepdim=False):
    """amax over ``dim``; 0 where the dim is empty (values here are >= 0)."""
    if x.shape[dim] == 0:
        shape = list(x.shape)
        if keepdim:
            shape[dim] = 1
        else:
            del shape[dim]
        return _C.empty(shape, x.dtype).zero_()
    return x.amax(dim, keepdim=keepdim)


def _amin_nonempty(x, dim, keepdim=False):
    if x.shape[dim] == 0:
        raise IndexError(f"amin(): Expected reduction dim {dim} to have non-zero size.")
    return x.amin(dim, keepdim=keepdim)


# ---- inverses and solves ----------------------------------------------------
def inv(A, *, out=None):
    """The inverse of each square matrix of ``A``. Raises :class:`LinAlgError`
    for a singular matrix."""
    _check("linalg.inv", A)
    X, info = _C.linalg_inv(A)
    _check_info("linalg.inv", info, "inv")
    return _finish(X, out)


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: :func:`inv` that reports LAPACK's ``info`` per
    matrix instead of raising (unless ``check_errors``)."""
    _check("linalg.inv", A)
    X, info = _C.linalg_inv(A)
    if check_errors:
        _check_info("linalg.inv_ex", info, "inv")
    return _finish(_InvEx(X, info), out)


def _solve(A, B, left, api, allow_vector=True):
    _check(api, A)
    _need_tensor(api.replace(".", "_"), B, "B")
    if B.dtype is not A.dtype:
        raise RuntimeError(
            f"{api}: Expected A and B to have the same dtype, but found A of type {_tname(A.dtype)} "
            f"and B of type {_tname(B.dtype)} instead"
        )
    if B.dim() == 0:
        raise RuntimeError(f"{api}: The input tensor B must have at least 1 dimensions.")
    vector = allow_vector and (B.dim() == 1 or (A.dim() - 1 == B.dim() and tuple(B.shape) == tuple(A.shape[:-1])))
    B2 = (B.unsqueeze(-1) if left else B.unsqueeze(-2)) if vector else B
    n = A.shape[-1]
    if B2.dim() < 2 or (B2.shape[-2] if left else B2.shape[-1]) != n:
        rows, cols = (B2.shape[-2], B2.shape[-1]) if B2.dim() >= 2 else (B2.shape[-1], 1)
        raise RuntimeError(
            f"{api}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({A.shape[-2]}x{A.shape[-1]} and {rows}x{cols})"
        )
    batch = _broadcast_shapes(_batch(B2), _batch(A))
    A2 = A.expand(*batch, n, n)
    B2 = B2.expand(*batch, *B2.shape[-2:])
    if left:
        X, info = _C.linalg_solve(A2, B2)
    else:  # X A = B  <=>  A^T X^T = B^T
        X, info = _C.linalg_solve(A2.mT, B2.mT)
        X = X.mT
    if vector:
        X = X.squeeze(-1) if left else X.squeeze(-2)
    return X, info


def solve(A, B, *, left=True, out=None):
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``).
    ``B`` is a batch of vectors when it is 1-D or has the shape ``A.shape[:-1]``;
    batch dimensions broadcast. Raises :class:`LinAlgError` for a singular ``A``."""
    X, info = _solve(A, B, left, "linalg.solve")
    _check_info("torch.linalg.solve", info, "solve")
    return _finish(X, out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: :func:`solve` that reports LAPACK's ``info``."""
    X, info = _solve(A, B, left, "linalg.solve")
    if check_errors:
        _check_info("torch.linalg.solve_ex", info, "solve")
    return _finish(_SolveEx(X, info), out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """The solution of ``A X = B`` (or ``X A = B``) reading only the upper or
    lower triangle of ``A`` (with a unit diagonal when ``unitriangular``)."""
    _check("linalg.solve_triangular", A)
    T = _triangle(A, upper)
    if unitriangular:
        _diag(T).fill_(1)
    if B.dim() < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    X, info = _solve(T, B, left, "linalg.solve_triangular", allow_vector=False)
    _check_info("linalg.solve_triangular", info, "solve")
    return _finish(X, out)


# ---- factorizations ---------------------------------------------------------
def _cholesky(A, upper, api, check):
    _check(api, A)
    L, info = _C.linalg_cholesky(A, bool(upper))
    if check:
        _check_info(api, info, "cholesky")
    return L, info


def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor ``L`` (``A = L L^T``) of symmetric positive-definite
    matrices, or ``U`` with ``upper=True``. Only that triangle of ``A`` is read.
    Raises :class:`LinAlgError` when ``A`` is not positive-definite."""
    return _finish(_cholesky(A, upper, "linalg.cholesky", True)[0], out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: :func:`cholesky` that reports LAPACK's ``info`` (the order
    of the leading minor that is not positive-definite, or 0)."""
    L, info = _cholesky(A, upper, "linalg.cholesky", False)
    if check_errors:
        _check_info("linalg.cholesky_ex", info, "cholesky")
    return _finish(_CholeskyEx(L, info), out)


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with ``A = Q R``: ``mode`` is ``'reduced'`` (``Q`` is m x k),
    ``'complete'`` (``Q`` is m x m) or ``'r'`` (``Q`` is empty)."""
    _check("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    Q, R = _C.linalg_qr(A, mode)
    return _finish(_QR(Q, R), out)


def _svd(A, full_matrices, compute_uv, driver):
    _check("linalg.svd", A, square=False)
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend."
        )
    U, S, Vh, info = _C.linalg_svd(A, bool(full_matrices), bool(compute_uv))
    _check_info("linalg.svd", info, "svd")
    return U, S, Vh


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, singular values descending.
    ``full_matrices=False`` gives the reduced factors (k = min(m, n) columns)."""
    return _finish(_SVD(*_svd(A, full_matrices, True, driver)), out)


def svdvals(A, *, driver=None, out=None):
    """The singular values of ``A``, descending."""
    return _finish(_svd(A, False, False, driver)[1], out)


def _eigh(A, UPLO, vectors):
    _check("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, V, info = _C.linalg_eigh(A, UPLO == "U", vectors)
    _check_info("linalg.eigh", info, "eigh")
    return w, V


def eigh(A, UPLO="L", *, out=None):  # noqa: N803 - PyTorch's name
    """``(eigenvalues, eigenvectors)`` of symmetric matrices: eigenvalues
    ascending, eigenvectors as columns. Only the ``UPLO`` triangle is read."""
    return _finish(_Eigh(*_eigh(A, UPLO, True)), out)


def eigvalsh(A, UPLO="L", *, out=None):  # noqa: N803 - PyTorch's name
    """The eigenvalues of symmetric matrices, ascending."""
    return _finish(_eigh(A, UPLO, False)[0], out)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``(LU, pivots, info)``: the packed LU factorization with partial
    pivoting (``pivots`` 1-based int32, as LAPACK's ``getrf``)."""
    _need_tensor("linalg_lu_factor_ex", A)
    if A.dim() < 2:
        raise RuntimeError(
            f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead"
        )
    _check_float("linalg.lu_factor", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU, piv, info = _C.lu_factor(A)
    if check_errors:
        _check_lu_info("torch.linalg.lu_factor_ex", info)
    return _finish(_LUFactorEx(LU, piv, info), out)


def _check_lu_info(api, info):
    if info.numel() == 0 or not bool((info > 0).any()):
        return
    codes = info.reshape(-1).tolist()
    index = next(i for i, c in enumerate(codes) if c > 0)
    where = f": (Batch element {index})" if info.dim() > 0 else ""
    c = codes[index]
    raise RuntimeError(
        f"{api}{where}: U[{c},{c}] is zero and using it on lu_solve would result in a division by zero. "
        "If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        "linalg.lu_factor_ex(A, pivot)"
    )


def lu_factor(A, *, pivot=True, out=None):
    """``(LU, pivots)``: :func:`lu_factor_ex` that raises when a pivot is zero."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    _check_lu_info("torch.linalg.lu_factor", info)
    return _finish(_LUFactor(LU, piv), out)


def lu(A, *, pivot=True, out=None):
    """``(P, L, U)`` with ``A = P L U``: ``P`` a permutation matrix, ``L`` unit
    lower trapezoidal (m x k), ``U`` upper trapezoidal (k x n)."""
    LU, piv, _ = lu_factor_ex(A, pivot=pivot)
    m, n = A.shape[-2], A.shape[-1]
    k = builtins.min(m, n)
    L = _triangle(LU[..., :, :k], upper=False, diagonal=-1)
    _diag(L).fill_(1)
    U = _triangle(LU[..., :k, :], upper=True)
    return _finish(_LU(_permutation(piv, m, A.dtype), L, U), out)


def _permutation(piv, m, dtype):
    """The matrix P of ``A = P L U`` from LAPACK's sequential row swaps."""
    import numpy as np

    swaps = piv.numpy().astype(np.int64) - 1  # [..., k]
    batch = swaps.shape[:-1]
    count = int(np.prod(batch, dtype=np.int64))
    perm = np.tile(np.arange(m), (count, 1))
    flat = swaps.reshape(count, swaps.shape[-1])
    rows = np.arange(count)
    for i in range(flat.shape[-1]):  # the row swaps are sequential; the batch is not
        j = flat[:, i]
        perm[rows, i], perm[rows, j] = perm[rows, j], perm[rows, i].copy()
    # row i of P A is row perm[i] of A, so P = (one-hot rows)^T
    P = np.zeros((perm.shape[0], m, m), dtype=np.float64)
    P[rows[:, None], perm, np.arange(m)[None, :]] = 1.0
    return _C.from_numpy(P.reshape(*batch, m, m))._to_dtype(dtype)


# ---- determinants -----------------------------------------------------------
def _lu_diag_and_sign(A, api):
    _check(api, A)
    LU, piv, _ = _C.lu_factor(A)
    n = A.shape[-1]
    swaps = (piv != _C.arange(1.0, float(n + 1), 1.0, _int32)).sum(-1)
    parity = 1 - 2 * (swaps % 2)  # +1 or -1 per matrix
    return _diag(LU), parity._to_dtype(A.dtype)


def det(A, *, out=None):
    """The determinant of each square matrix (LU with partial pivoting)."""
    d, sign = _lu_diag_and_sign(A, "linalg.det")
    return _finish(d.prod(-1) * sign, out)


def slogdet(A, *, out=None):
    """``(sign, logabsdet)``: the determinant as ``sign * exp(logabsdet)``,
    without overflow. A singular matrix gives ``(0, -inf)``."""
    d, sign = _lu_diag_and_sign(A, "linalg.slogdet")
    return _finish(_Slogdet(d.sign().prod(-1) * sign, d.abs().log().sum(-1)), out)


# ---- derived: powers, pseudo-inverse, rank, least squares --------------------
def matrix_power(A, n, *, out=None):
    """``A`` to the integer power ``n`` by repeated squaring; ``n = 0`` gives
    the identity and negative ``n`` uses :func:`inv`."""
    _need_tensor("linalg_matrix_power", A)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_power: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    n = operator.index(n)
    if n == 0:
        return _finish(_eye_like(A.shape[-1], _batch(A), A.dtype).contiguous(), out)
    base = inv(A) if n < 0 else A
    k = abs(n)
    if k == 1:
        return _finish(base.clone() if n > 0 else base, out)
    result = None
    while k:
        if k & 1:
            result = base if result is None else result @ base
        k >>= 1
        if k:
            base = base @ base
    return _finish(result, out)


def _tolerances(api, A, atol, rtol):
    """(atol, rtol) as PyTorch's pinv/matrix_rank: rtol defaults to
    ``eps * max(m, n)`` when neither is given, and to 0 when ``atol > 0`` is."""
    default = _eps(A) * builtins.max(A.shape[-1], A.shape[-2])
    if rtol is None:
        if atol is None:
            rtol = default
        elif isinstance(atol, Tensor):
            rtol = _C.where(atol > 0, 0.0, default, None)
        else:
            rtol = 0.0 if atol > 0 else default
    return (0.0 if atol is None else atol), rtol


def _keep_mask(S, smax, atol, rtol):
    """``S > max(atol, rtol * smax)`` with tolerances broadcast over the batch."""
    atol = atol.unsqueeze(-1) if isinstance(atol, Tensor) else atol
    rtol = rtol.unsqueeze(-1) if isinstance(rtol, Tensor) else rtol
    tol = rtol * smax
    tol = _C.binary(_C.binary_ops["maximum"], tol, atol, None) if isinstance(atol, Tensor) else tol.clamp(min=atol)
    return S > tol


def _check_rcond(api, rcond, atol, rtol):
    if rcond is not None:
        if atol is not None or rtol is not None:
            raise TypeError(f"{api}() received an invalid combination of arguments: rcond with atol or rtol")
        return 0.0, rcond
    return atol, rtol


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse, from the SVD (or :func:`eigh` when
    ``hermitian``). Singular values at most ``max(atol, rtol * largest)`` are
    treated as zero; ``rcond`` is the older name of ``rtol``."""
    _need_tensor("linalg_pinv", A)
    if A.dim() < 2 or A.dtype not in (_f32, _f64):
        raise RuntimeError(
            f"linalg.pinv({_tname(A.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 or more dimensions "
            "of float, double, cfloat or cdouble types"
        )
    atol, rtol = _tolerances("linalg.pinv", A, *_check_rcond("linalg_pinv", rcond, atol, rtol))
    m, n = A.shape[-2], A.shape[-1]
    if m == 0 or n == 0:
        return _finish(_C.empty([*_batch(A), n, m], A.dtype).zero_(), out)
    if hermitian:
        w, V = _eigh(A, "L", True)
        aw = w.abs()
        keep = _keep_mask(aw, aw.amax(-1, keepdim=True), atol, rtol)
        winv = _C.where(keep, w.reciprocal(), 0.0, None)
        return _finish((V * winv.unsqueeze(-2)) @ V.mT, out)
    U, S, Vh = _svd(A, False, True, None)
    keep = _keep_mask(S, S[..., :1], atol, rtol)
    sinv = _C.where(keep, S.reciprocal(), 0.0, None)
    return _finish((Vh.mT * sinv.unsqueeze(-2)) @ U.mT, out)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values (absolute eigenvalues when ``hermitian``)
    above ``max(atol, rtol * largest)``, as int64. ``tol`` is the older
    spelling of ``atol`` with ``rtol = 0``."""
    _need_tensor("linalg_matrix_rank", A)
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if A.dtype not in (_f32, _f64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        if atol is not None or rtol is not None:
            raise TypeError("linalg_matrix_rank() received an invalid combination of arguments: tol with atol or rtol")
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances("linalg.matrix_rank", A, atol, rtol)
    if A.shape[-1] == 0 or A.shape[-2] == 0:
        return _finish(_C.empty(list(_batch(A)), _int64).zero_(), out)
    if hermitian:
        S = _eigh(A, "L", False)[0].abs()
        smax = S.amax(-1, keepdim=True)
    else:
        S = _svd(A, False, False, None)[1]
        smax = S[..., :1]
    return _finish(_keep_mask(S, smax, atol, rtol).sum(-1), out)


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)``: the least-squares
    solution of ``A X = B`` (the minimum-norm one when ``A`` is rank-deficient).

    As PyTorch on the CPU: ``driver`` defaults to ``'gelsy'``; ``rank`` is
    empty for ``'gels'``, ``singular_values`` are filled only for ``'gelsd'``
    and ``'gelss'``, and ``residuals`` (squared residual norms per column) only
    for tall systems (m > n) and drivers other than ``'gelsy'``, where every
    matrix has full rank. All drivers use LAPACK's ``gelsd``."""
    api = "torch.linalg.lstsq"
    _need_tensor("linalg_lstsq", A)
    _need_tensor("linalg_lstsq", B, "b")
    if A.dtype not in (_f32, _f64) or B.dtype not in (_f32, _f64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"{api}: Expected input and other to have the same dtype, but got input's dtype "
            f"{_tname(A.dtype)} and other's dtype {_tname(B.dtype)}"
        )
    if A.dim() < 2:
        raise RuntimeError(f"{api}: input must have at least 2 dimensions.")
    if B.dim() < 1:
        raise RuntimeError(f"{api}: other must have at least 1 dimension.")
    if not (A.dim() >= B.dim() and A.dim() - B.dim() <= 1):
        raise RuntimeError(
            f"{api}: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1"
        )
    vector = B.dim() == A.dim() - 1
    B2 = B.unsqueeze(-1) if vector else B
    batch = _broadcast_shapes(_batch(A), _batch(B2))
    if A.shape[-2] != B.shape[-1 if vector else -2]:
        raise RuntimeError(f"{api}: input.size(-2) should match other.size({-1 if vector else -2})")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{api}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    m, n = A.shape[-2], A.shape[-1]
    rcond = _eps(A) * builtins.max(m, n) if rcond is None else float(rcond)
    A2 = A.expand(*batch, m, n)
    B2 = B2.expand(*batch, m, B2.shape[-1])
    X, rank, S, info = _C.linalg_lstsq(A2, B2, rcond)
    _check_info(api, info, "lstsq")
    empty = _C.empty([0], A.dtype)
    residuals = empty
    if m > n and driver != "gelsy":
        full = driver == "gels" or bool((rank == n).all())
        if full:
            r = A2 @ X - B2
            residuals = (r * r).sum(-2)
    if driver not in ("gelsd", "gelss"):
        S = empty
    if driver == "gels":
        rank = _C.empty([0], _int64)
    return _Lstsq(X.squeeze(-1) if vector else X, residuals, rank, S)


# ---- norms ------------------------------------------------------------------
def _norm_dtype(api, x, dtype):
    """The dtype the norm is computed in (float32 for half inputs) and returned in."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{api}: Expected a floating point or complex tensor as input. Got {_tname(x.dtype)}")
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(f"{api}: dtype should be floating point or complex, but got {_tname(dtype)}")
        if dtype.itemsize < x.dtype.itemsize:
            raise RuntimeError(
                f"{api}: the dtype of the input ({_tname(x.dtype)}) should be convertible without narrowing "
                f"to the specified dtype ({_tname(dtype)})"
            )
        x = x._to_dtype(dtype)
    return x


def _dim_list(dim, ndim):
    if dim is None:
        return None
    dims = [operator.index(d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
    return [d + ndim if d < 0 and ndim else d for d in dims]


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002 - PyTorch's name
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when ``dim``
    is None or empty): ``sum(|x|**ord)**(1/ord)``, with ``inf``/``-inf`` the
    largest/smallest ``|x|`` and ``0`` the count of non-zeros."""
    _need_tensor("linalg_vector_norm", x, "input")
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    out_dtype = dtype or x.dtype
    x = _norm_dtype("linalg.vector_norm", x, dtype)
    if x.dtype.itemsize < 4:
        x = x._to_dtype(_f32)
    dims = _dim_list(dim, x.dim()) or []
    reduced = [x.shape[d] for d in dims] if dims else [x.numel()]
    if (ord < 0 or math.isinf(ord)) and 0 in reduced:
        where = f"the dimension {dims[reduced.index(0)]}" if dims else "an empty tensor"
        sep = "" if dims else " "
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord:g} norm on {where}{sep}because "
            + ("this dimension is empty and " if dims else "")
            + "the operation does not have an identity"
        )
    a = x.abs()
    if ord == 2:
        r = (a * a).sum(dims, keepdim=keepdim).sqrt()
    elif ord == math.inf:
        r = a.amax(dims, keepdim=keepdim)
    elif ord == -math.inf:
        r = a.amin(dims, keepdim=keepdim)
    elif ord == 0:
        r = (a != 0)._to_dtype(x.dtype).sum(dims, keepdim=keepdim)
    elif ord == 1:
        r = a.sum(dims, keepdim=keepdim)
    else:
        r = (a ** float(ord)).sum(dims, keepdim=keepdim) ** (1.0 / ord)
    return _finish(r._to_dtype(out_dtype), out)


def _move_to_end(A, d0, d1):
    rest = [d for d in range(A.dim()) if d not in (d0, d1)]
    return A.permute(*rest, d0, d1)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The matrix norm over the two dims ``dim``: ``'fro'``, ``'nuc'`` (sum of
    singular values), ``inf``/``-inf`` (max/min row sum of ``|A|``),
    ``1``/``-1`` (max/min column sum), ``2``/``-2`` (largest/smallest
    singular value)."""
    api = "linalg.matrix_norm"
    _need_tensor("linalg_matrix_norm", A)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{api}: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"{api}: Order {ord:g} not supported.")
    if A.dim() < 2:
        raise RuntimeError(f"{api}: The input tensor A must have at least 2 dimensions.")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{api}: dim must be a 2-tuple. Got {dim if not isinstance(dim, list) else tuple(dim)}")
    out_dtype = dtype or A.dtype
    A = _norm_dtype(api, A, dtype)
    if ord in ("nuc", 2, -2) and A.dtype not in (_f32, _f64):
        raise RuntimeError(f"{api}: Low precision dtypes not supported. Got {_tname(A.dtype)}")
    d0, d1 = _dim_list(dim, A.dim())
    if not (0 <= d0 < A.dim() and 0 <= d1 < A.dim()):
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-A.dim()}, {A.dim() - 1}], but got {dim})"
        )
    if d0 == d1:
        raise RuntimeError(f"{api}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _finish(vector_norm(A, 2, (d0, d1), keepdim)._to_dtype(out_dtype), out)
    if ord in ("nuc", 2, -2):
        S = _svd(_move_to_end(A, d0, d1), False, False, None)[1]
        if ord == "nuc":
            r = S.sum(-1)
        elif ord == 2:
            r = _amax_or_zero(S, -1)
        else:
            r = _amin_nonempty(S, -1)
        if keepdim:
            r = r.unsqueeze(builtins.min(d0, d1)).unsqueeze(builtins.max(d0, d1))
        return _finish(r._to_dtype(out_dtype), out)
    if ord in (math.inf, -math.inf):
        d0, d1 = d1, d0
    sums = vector_norm(A, 1, d0, keepdim)
    if not keepdim and d0 < d1:
        d1 -= 1
    r = _amax_or_zero(sums, d1, keepdim) if ord > 0 else _amin_nonempty(sums, d1, keepdim)
    return _finish(r._to_dtype(out_dtype), out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """A vector or matrix norm: :func:`matrix_norm` when ``ord`` is a string,
    or given with a 2-D input or a 2-tuple ``dim``; :func:`vector_norm`
    otherwise (``ord=None`` is the 2-norm of the flattened input, or of ``dim``)."""
    _need_tensor("linalg_norm", A)
    if dim is not None:
        dim = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and A.dim() not in (1, 2):
        raise RuntimeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.dim()}D."
        )
    if isinstance(ord, str):
        r = matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    elif ord is not None and ((dim is not None and len(dim) == 2) or (dim is None and A.dim() == 2)):
        r = matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    else:
        r = vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return _finish(r, out)


def cond(A, p=None, *, out=None):
    """The condition number of ``A`` in the norm ``p`` (default 2: the ratio
    of the largest to the smallest singular value)."""
    _check("linalg.cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        S = svdvals(A)
        r = S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
        return _finish(r, out)
    Ainv, info = inv_ex(A)
    r = matrix_norm(A, p) * matrix_norm(Ainv, p)
    return _finish(_C.where(info > 0, math.inf, r, None), out)


# ---- products and small utilities ------------------------------------------------
def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim``, batched (broadcast)."""
    return _finish((x * y).sum(dim), out)


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices (the first and last may be 1-D),
    multiplied in the order that costs the fewest flops."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec, last_vec = tensors[0].dim() == 1, tensors[-1].dim() == 1
    mats = [tensors[0].unsqueeze(0) if first_vec else tensors[0], *tensors[1:-1]]
    mats.append(tensors[-1].unsqueeze(-1) if last_vec else tensors[-1])
    for i, t in enumerate(mats):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    r = _chain(mats, _chain_order(dims), 0, len(mats) - 1)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return _finish(r, out)


def _chain_order(dims):
    """The classic matrix-chain dynamic program: split[i][j] for the cheapest order."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return matmul(_chain(mats, split, i, k), _chain(mats, split, k + 1, j))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of the matrices over ``dim1``, ``dim2`` (a view), appended
    as the last dimension."""
    nd = A.dim()
    d1, d2 = (d + nd if d < 0 else d for d in (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [d for d in range(nd) if d not in (d1, d2)]
    st, sh = A.stride(), A.shape
    if offset >= 0:
        k = builtins.max(0, builtins.min(sh[d1], sh[d2] - offset))
        start = A.storage_offset() + (offset * st[d2] if k else 0)
    else:
        k = builtins.max(0, builtins.min(sh[d1] + offset, sh[d2]))
        start = A.storage_offset() + (-offset * st[d1] if k else 0)
    return A.as_strided([sh[d] for d in rest] + [k], [st[d] for d in rest] + [st[d1] + st[d2]], start)


def vander(x, *, N=None):  # noqa: N803 - PyTorch's name
    """The Vandermonde matrix of ``x`` (batched): columns ``x**0 .. x**(N-1)``."""
    n = x.shape[-1] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    powers = _C.arange(0.0, float(n), 1.0, x.dtype if x.dtype.is_floating_point else _int64)
    return x.unsqueeze(-1) ** powers


def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim`` (broadcast)."""
    _need_tensor("linalg_cross", input, "input")
    _need_tensor("linalg_cross", other, "other")
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_tname(input.dtype)} but found {_tname(other.dtype)}")
    nd = input.dim()
    d = dim + nd if dim < 0 else dim
    if not 0 <= d < builtins.max(nd, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and {other.shape[d]}"
        )
    shape = _broadcast_shapes(tuple(input.shape), tuple(other.shape))
    a, b = input.expand(*shape), other.expand(*shape)
    r = _C.empty(list(shape), input.dtype)
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        r.select(d, i).copy_(a.select(d, j) * b.select(d, k) - a.select(d, k) * b.select(d, j))
    return _finish(r, out)


# ---- PyTorch's older top-level spellings, in ``ember`` and on Tensor ---------
@export(name="det")
def _det(input):
    """The determinant (``ember.linalg.det``)."""
    return det(input)


@export(name="slogdet")
def _slogdet(input):
    """``(sign, logabsdet)`` of the determinant (``ember.linalg.slogdet``)."""
    s, la = slogdet(input)
    return _SlogdetOld(s, la)


@export
def logdet(input):
    """The log of the determinant: ``nan`` where it is negative, ``-inf``
    where it is zero."""
    s, la = slogdet(input)
    return _C.where(s < 0, math.nan, la, None)


@export
def inverse(input, *, out=None):
    """The matrix inverse (``ember.linalg.inv``)."""
    return inv(input, out=out)


@export(name="cholesky")
def _cholesky_old(input, upper=False, *, out=None):
    """The Cholesky factor, lower by default (``ember.linalg.cholesky``)."""
    L, info = _cholesky(input, upper, "cholesky", True)
    return _finish(L, out)


@export
def pinverse(input, rcond=1e-15):
    """The pseudo-inverse with relative tolerance ``rcond``
    (``ember.linalg.pinv``)."""
    return pinv(input, rtol=rcond)


@export(name="matrix_power")
def _matrix_power(input, n):
    """``input`` to the integer power ``n`` (``ember.linalg.matrix_power``)."""
    return matrix_power(input, n)


@export(name="svd")
def _svd_old(input, some=True, compute_uv=True, *, out=None):
    """``(U, S, V)`` with ``input = U diag(S) V^T`` (note: ``V``, not
    ``Vh``). ``some=False`` gives the full ``U`` and ``V``; without
    ``compute_uv`` they are zero-filled m x m and n x n matrices."""
    m, n = (input.shape[-2], input.shape[-1]) if input.dim() >= 2 else (0, 0)
    if not compute_uv:
        S = svdvals(input)
        z = _C.empty([*_batch(input), m, m], input.dtype).zero_()
        return _finish(_SVDOld(z, S, _C.empty([*_batch(input), n, n], input.dtype).zero_()), out)
    U, S, Vh = _svd(input, not some, True, None)
    return _finish(_SVDOld(U, S, Vh.mT), out)


@export(name="qr")
def _qr_old(input, some=True, *, out=None):
    """``(Q, R)``: reduced with ``some=True``, complete otherwise
    (``ember.linalg.qr``)."""
    Q, R = qr(input, "reduced" if some else "complete")
    return _finish(_QROld(Q, R), out)


@export(name="cross")
def _cross_old(input, other, dim=None, *, out=None):
    """The cross product along ``dim``; without ``dim``, along the first
    dimension of size 3 (``ember.linalg.cross`` defaults to the last)."""
    if dim is None:
        shape = _broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return cross(input, other, dim=dim, out=out)


for _name, _fn in {
    "det": _det, "slogdet": _slogdet, "logdet": logdet, "inverse": inverse, "cholesky": _cholesky_old,
    "pinverse": pinverse, "matrix_power": _matrix_power, "svd": _svd_old, "qr": _qr_old, "cross": _cross_old,
}.items():  # fmt: skip
    _fn.__name__ = _fn.__qualname__ = _name
    setattr(Tensor, _name, _fn)
del _name, _fn
