# SPDX-License-Identifier: BSD-3-Clause
"""Sorting, selection, searching and counting against numpy (np.sort with
kind='stable', np.unique, np.searchsorted, np.bincount) and, where numpy has no
such function or differs (topk, mode, kthvalue, lower medians, cummax indices,
NaN handling, histc), against PyTorch on the same values.

Inputs come from hypothesis: shapes up to 3-d including 0-d and empty, small
integer-valued data (so ties are common), NaNs in floats, every dtype, and
non-contiguous layouts (transposed, step-sliced)."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")
NUMERIC = tuple(d for d in DTYPES if d != "bool")
FLOATS = ("float16", "bfloat16", "float32", "float64")


# ---- making and comparing tensors --------------------------------------------
def values(rng, shape, dtype, nan=False):
    """Small integer values (ties are common), halves for floats, and NaN in
    about one element in eight when ``nan``."""
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    low = 0 if dtype == "uint8" else -4
    a = np.asarray(rng.integers(low, 5, size=shape), dtype=np.float64)
    if dtype in FLOATS:
        a = np.asarray(a / 2)
        if nan:
            a[rng.random(shape) < 0.125] = np.nan
        return a
    return a.astype(dtype)


def to_ember(a, dtype, layout="contiguous"):
    """An ember tensor of ``dtype`` with ``a``'s values, laid out as asked:
    contiguous, transposed (a permuted view) or strided (every other element)."""
    a = np.asarray(a)
    if layout == "transposed" and a.ndim >= 2:
        return to_ember(np.ascontiguousarray(a.swapaxes(0, -1)), dtype).transpose(0, -1)
    if layout == "strided" and a.ndim >= 1:
        return to_ember(np.repeat(a, 2, axis=-1), dtype)[..., ::2]
    if dtype == "bfloat16":
        return ember.tensor(a.astype(np.float32)).to(ember.bfloat16)
    return ember.tensor(a.astype(dtype))


def to_torch(a, dtype):
    a = np.asarray(a)
    if dtype == "bfloat16":
        return torch.tensor(a.astype(np.float32)).to(torch.bfloat16)
    return torch.tensor(a.astype(dtype))


def as_numpy(t):
    if isinstance(t, torch.Tensor):
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    return (t.float() if t.dtype == ember.bfloat16 else t).numpy()


def same(actual, expected, dtype=None):
    """``actual`` (ember) has ``expected``'s (numpy or torch) shape and values,
    NaN where it has NaN, and ``dtype`` when given."""
    assert isinstance(actual, ember.Tensor), type(actual)
    if dtype is not None:
        assert actual.dtype.name == dtype, (actual.dtype, dtype)
    got, want = as_numpy(actual), np.asarray(as_numpy(expected) if isinstance(expected, torch.Tensor) else expected)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def picks(input, dim, indices, values):
    """``indices`` point along ``dim`` at elements of ``input`` equal to
    ``values`` (NaN at NaN)."""
    a = as_numpy(input)
    if a.ndim == 0:
        assert as_numpy(indices).item() == 0
        return
    got = np.take_along_axis(a, as_numpy(indices).astype(np.int64), axis=dim)
    np.testing.assert_array_equal(got, as_numpy(values))


layouts = st.sampled_from(["contiguous", "transposed", "strided"])
seeds = st.integers(0, 2**32 - 1)


@st.composite
def arrays(draw, dtypes=DTYPES, max_dims=3, min_dims=0, max_side=5, nan=True):
    """(numpy values, dtype, layout)."""
    dtype = draw(st.sampled_from(dtypes))
    shape = tuple(draw(st.lists(st.integers(0, max_side), min_size=min_dims, max_size=max_dims)))
    a = values(np.random.default_rng(draw(seeds)), shape, dtype, nan=nan)
    return a, dtype, draw(layouts)


@st.composite
def with_dim(draw, nonempty_dim=False, **kw):
    """An array and a dim of it (0 or -1 for a 0-d array)."""
    a, dtype, layout = draw(arrays(**kw))
    nd = a.ndim
    dim = draw(st.integers(-nd, nd - 1) if nd else st.sampled_from([0, -1]))
    if nonempty_dim and nd and a.shape[dim] == 0:
        a = values(np.random.default_rng(0), a.shape[: dim % nd] + (2,) + a.shape[dim % nd + 1 :], dtype, nan=True)
    return a, dtype, layout, dim


def axis(a, dim):
    return dim % a.ndim if a.ndim else None


# ---- sort, argsort, msort ----------------------------------------------------
@given(with_dim(), st.booleans())
def test_sort_matches_stable_sort(case, descending):
    a, dtype, layout, dim = case
    x = to_ember(a, dtype, layout)
    values, indices = ember.sort(x, dim=dim, descending=descending, stable=True)
    if descending or dtype == "bfloat16" or a.ndim == 0:
        # numpy has no stable descending sort: PyTorch's stable sort is the oracle
        want = torch.sort(to_torch(a, dtype), dim=dim, descending=descending, stable=True)
        same(values, want.values, dtype)
        same(indices, want.indices, "int64")
    else:
        same(values, np.sort(a.astype(dtype), axis=dim, kind="stable"), dtype)
        same(indices, np.argsort(a.astype(dtype), axis=dim, kind="stable"), "int64")
    same(ember.argsort(x, dim, descending, stable=True), as_numpy(indices), "int64")
    same(x.sort(dim, descending).values, as_numpy(values))


@given(arrays(min_dims=1))
def test_msort_sorts_along_the_first_dim(case):
    a, dtype, layout = case
    want = torch.msort(to_torch(a, dtype))
    same(ember.msort(to_ember(a, dtype, layout)), want, dtype)
    same(to_ember(a, dtype, layout).msort(), want, dtype)


def test_sort_out_and_results_contiguous():
    x = ember.tensor([[3.0, 1.0], [2.0, 5.0], [0.0, 4.0]])
    out = (ember.empty(3, 2), ember.empty(3, 2, dtype=ember.int64))
    r = ember.sort(x, 0, out=out)
    assert r.values is out[0] and r.indices is out[1]
    same(out[0], [[0.0, 1.0], [2.0, 4.0], [3.0, 5.0]])
    same(out[1], [[2, 0], [1, 2], [0, 1]])
    assert ember.sort(x, 0).values.is_contiguous()
    assert isinstance(r, ember.return_types.sort) and r._fields == ("values", "indices")


# ---- topk and kthvalue -------------------------------------------------------
@given(with_dim(dtypes=NUMERIC), st.booleans(), st.booleans(), st.data())
def test_topk_values_match_torch_and_indices_point_at_them(case, largest, sorted_, data):
    a, dtype, layout, dim = case
    n = a.shape[dim] if a.ndim else 1
    k = data.draw(st.integers(0, n))
    x = to_ember(a, dtype, layout)
    values, indices = ember.topk(x, k, dim=dim, largest=largest, sorted=sorted_)
    want = torch.topk(to_torch(a, dtype), k, dim=dim, largest=largest, sorted=True).values
    assert values.dtype.name == dtype and indices.dtype == ember.int64
    if sorted_:
        same(values, want)
    else:  # the same elements, in some order
        ax = axis(a, dim) or 0
        same(ember.sort(values, dim).values, np.sort(as_numpy(want), axis=ax) if a.ndim else as_numpy(want))
    picks(x, axis(a, dim), indices, values)
    if a.ndim and k:  # distinct indices
        idx = np.sort(as_numpy(indices), axis=axis(a, dim))
        assert (np.diff(idx, axis=axis(a, dim)) > 0).all()


def test_topk_ties_take_the_lowest_index_first():
    # PyTorch leaves the order of ties unspecified; ember's is stable
    r = ember.topk(ember.tensor([1.0, 0.0, 1.0, 0.0, 1.0]), 2)
    same(r.values, [1.0, 1.0])
    same(r.indices, [0, 2])
    r = ember.tensor([1.0, float("nan"), 3.0]).topk(2)  # NaN is the largest
    same(r.values, [np.nan, 3.0])
    same(r.indices, [1, 2])


@given(with_dim(dtypes=NUMERIC), st.booleans(), st.data())
def test_kthvalue_is_the_kth_smallest(case, keepdim, data):
    a, dtype, layout, dim = case
    n = a.shape[dim] if a.ndim else 1
    if n == 0:
        return
    k = data.draw(st.integers(1, n))
    x = to_ember(a, dtype, layout)
    values, indices = ember.kthvalue(x, k, dim, keepdim)
    want = torch.kthvalue(to_torch(a, dtype), k, dim, keepdim)
    same(values, want.values, dtype)
    assert list(indices.shape) == list(want.indices.shape)
    full = indices if keepdim or not a.ndim else indices.unsqueeze(dim)
    picks(x, axis(a, dim), full, values.reshape(full.shape))


# ---- medians and mode -------------------------------------------------------
@given(arrays(dtypes=NUMERIC))
def test_median_of_all_elements_is_the_lower_median(case):
    a, dtype, layout = case
    if a.size == 0 and dtype not in FLOATS:
        return  # PyTorch returns garbage; ember raises (tested below)
    x = to_ember(a, dtype, layout)
    t = to_torch(a, dtype)
    same(ember.median(x), torch.median(t), dtype)
    same(x.nanmedian(), torch.nanmedian(t), dtype)


@given(with_dim(dtypes=NUMERIC), st.booleans(), st.sampled_from(["median", "nanmedian"]))
def test_median_along_dim(case, keepdim, name):
    a, dtype, layout, dim = case
    x = to_ember(a, dtype, layout)
    t = to_torch(a, dtype)
    try:
        want = getattr(torch, name)(t, dim, keepdim)
    except IndexError:
        with pytest.raises(IndexError):
            getattr(ember, name)(x, dim, keepdim)
        return
    values, indices = getattr(ember, name)(x, dim, keepdim)
    same(values, want.values, dtype)
    assert indices.dtype == ember.int64 and list(indices.shape) == list(want.indices.shape)
    full = indices if keepdim or not a.ndim else indices.unsqueeze(dim)
    picks(x, axis(a, dim), full, values.reshape(full.shape))
    nan_rows = np.isnan(as_numpy(want.values)) if dtype in FLOATS else False
    # a NaN median points at the row's first NaN, as PyTorch's
    np.testing.assert_array_equal(as_numpy(indices)[nan_rows], as_numpy(want.indices)[nan_rows])


@given(with_dim(nan=False), st.booleans())
def test_mode_is_the_smallest_most_frequent_value(case, keepdim):
    a, dtype, layout, dim = case
    x = to_ember(a, dtype, layout)
    t = to_torch(a, dtype)
    try:
        want = torch.mode(t, dim, keepdim)
    except IndexError:
        with pytest.raises(IndexError):
            ember.mode(x, dim, keepdim)
        return
    values, indices = x.mode(dim, keepdim)
    same(values, want.values, dtype)
    full = indices if keepdim or not a.ndim else indices.unsqueeze(dim)
    picks(x, axis(a, dim), full, values.reshape(full.shape))


def test_mode_index_is_the_last_occurrence_and_nans_are_equal():
    r = ember.mode(ember.tensor([[2, 1, 1, 2, 3, 0], [1, 2, 2, 1, 1, 2]]))
    same(r.values, [1, 1])
    same(r.indices, [2, 4])
    nan = float("nan")
    r = ember.mode(ember.tensor([nan, 1.0, nan, 2.0]))
    assert np.isnan(r.values.item()) and r.indices.item() == 2


# ---- quantiles ---------------------------------------------------------------
@given(
    with_dim(dtypes=("float32", "float64"), nonempty_dim=True),
    st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]),
    st.sampled_from(["scalar", "0d", "1d"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_quantile_matches_torch(case, interpolation, q_kind, reduce_all, keepdim, ignore_nan, data):
    a, dtype, layout, dim = case
    if a.size == 0:
        return
    qs = data.draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 0.75, 1.0]), min_size=1, max_size=3))
    q_e, q_t = qs[0], qs[0]
    if q_kind != "scalar":
        q_np = np.array(qs[0] if q_kind == "0d" else qs)
        q_e, q_t = to_ember(q_np, dtype), to_torch(q_np, dtype)
    name = "nanquantile" if ignore_nan else "quantile"
    d = None if reduce_all else dim
    got = getattr(ember, name)(to_ember(a, dtype, layout), q_e, d, keepdim, interpolation=interpolation)
    want = getattr(torch, name)(to_torch(a, dtype), q_t, d, keepdim, interpolation=interpolation)
    assert got.dtype.name == dtype and list(got.shape) == list(want.shape)
    np.testing.assert_allclose(as_numpy(got), want.numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)


def test_quantile_linear_agrees_with_numpy():
    a = np.random.default_rng(5).normal(size=(4, 7))
    got = ember.quantile(ember.tensor(a), ember.tensor([0.1, 0.5, 0.9], dtype=ember.float64), dim=1)
    np.testing.assert_allclose(got.numpy(), np.quantile(a, [0.1, 0.5, 0.9], axis=1), rtol=1e-12)


# ---- unique --------------------------------------------------------------------
@given(arrays(nan=False), st.booleans(), st.booleans())
def test_unique_matches_numpy(case, return_inverse, return_counts):
    a, dtype, layout = case
    x = to_ember(a, dtype, layout)
    got = ember.unique(x, return_inverse=return_inverse, return_counts=return_counts)
    got = got if isinstance(got, tuple) else (got,)
    ref = as_numpy(x)
    u, inv, cnt = np.unique(ref, return_inverse=True, return_counts=True)
    assert len(got) == 1 + return_inverse + return_counts
    same(got[0], u, dtype)
    if return_inverse:
        same(got[1], inv.reshape(ref.shape), "int64")
    if return_counts:
        same(got[-1], cnt, "int64")


@given(with_dim(max_side=4, nan=False), st.booleans(), st.booleans())
def test_unique_along_a_dim_matches_numpy(case, return_inverse, return_counts):
    a, dtype, layout, dim = case
    if a.ndim == 0:
        return
    x = to_ember(a, dtype, layout)
    ref = as_numpy(x)
    zero_dims = sum(s == 0 for s in ref.shape)
    if zero_dims > 1 or (zero_dims == 1 and ref.shape[dim] != 0):
        with pytest.raises(RuntimeError):
            ember.unique(x, dim=dim)
        return
    got = ember.unique(x, return_inverse=True, return_counts=True, dim=dim)
    if ref.size == 0:
        assert list(got[0].shape) == list(ref.shape) and got[1].numel() == 0 and got[2].numel() == 0
        return
    u, inv, cnt = np.unique(ref, return_inverse=True, return_counts=True, axis=dim)
    same(got[0], u, dtype)
    same(got[1], inv.reshape(-1), "int64")
    same(got[2], cnt, "int64")
    same(x.unique(dim=dim), u, dtype)


def test_unique_nans_are_distinct_as_in_torch():
    nan = float("nan")
    got = ember.unique(ember.tensor([nan, 1.0, nan, 1.0]), return_inverse=True, return_counts=True)
    want = torch.unique(torch.tensor([nan, 1.0, nan, 1.0]), return_inverse=True, return_counts=True)
    for g, w in zip(got, want):
        same(g, w)


@given(with_dim(max_side=4), st.booleans(), st.booleans(), st.booleans())
def test_unique_consecutive_matches_torch(case, return_inverse, return_counts, along_dim):
    a, dtype, layout, dim = case
    d = dim if along_dim else None
    x, t = to_ember(a, dtype, layout), to_torch(a, dtype)
    try:
        want = torch.unique_consecutive(t, return_inverse=return_inverse, return_counts=return_counts, dim=d)
    except (RuntimeError, IndexError) as e:
        with pytest.raises(type(e)):
            ember.unique_consecutive(x, return_inverse=return_inverse, return_counts=return_counts, dim=d)
        return
    got = x.unique_consecutive(return_inverse=return_inverse, return_counts=return_counts, dim=d)
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        same(g, w, str(w.dtype).removeprefix("torch."))


# ---- searchsorted and bucketize ---------------------------------------------
@given(
    st.sampled_from(NUMERIC),
    st.integers(0, 6),
    st.lists(st.integers(0, 4), max_size=2),
    st.sampled_from(["1d", "batched"]),
    st.sampled_from([None, "left", "right"]),
    st.booleans(),
    st.booleans(),
    seeds,
)
def test_searchsorted_matches_numpy(dtype, n, value_shape, kind, side, use_sorter, out_int32, seed):
    rng = np.random.default_rng(seed)
    value_shape = tuple(value_shape)
    batch = value_shape[:-1] if kind == "batched" and value_shape else ()
    if kind == "batched" and not value_shape:
        kind = "1d"
    seq = np.sort(values(rng, batch + (n,), dtype), axis=-1)
    vals = values(rng, value_shape, dtype)
    sorter = None
    if use_sorter:  # shuffle the sequence and pass the permutation that sorts it
        perm = np.argsort(rng.random(seq.shape), axis=-1)
        seq = np.take_along_axis(seq, perm, axis=-1)
        sorter = np.argsort(seq, axis=-1, kind="stable")
    right = side == "right"
    got = ember.searchsorted(
        to_ember(seq, dtype),
        to_ember(vals, dtype, "strided" if vals.ndim else "contiguous"),
        out_int32=out_int32,
        side=side,
        sorter=None if sorter is None else ember.tensor(sorter),
    )
    rows = int(np.prod(batch)) if kind == "batched" else 1
    flat_seq, flat_vals = seq.reshape(rows, n), vals.reshape(rows, value_shape[-1] if kind == "batched" else vals.size)
    s = "right" if right else "left"
    want = np.zeros(flat_vals.shape, dtype=np.int64)
    for i, (r, v) in enumerate(zip(flat_seq, flat_vals)):  # the oracle, one row at a time
        want[i] = np.searchsorted(np.sort(r), v, side=s)
    same(got, want.reshape(vals.shape), "int32" if out_int32 else "int64")


@given(arrays(dtypes=("int64", "float32"), nan=False), st.booleans())
def test_bucketize_matches_torch(case, right):
    a, dtype, layout = case
    boundaries = [-2.0, -0.5, 0.0, 1.0, 1.0, 3.0]
    got = ember.bucketize(to_ember(a, dtype, layout), ember.tensor(boundaries), right=right)
    same(got, torch.bucketize(to_torch(a, dtype), torch.tensor(boundaries), right=right), "int64")


def test_searchsorted_scalars_and_out():
    seq = ember.tensor([1.0, 2.0, 2.0, 3.0])
    same(ember.searchsorted(seq, 2.0), np.int64(1))
    same(ember.searchsorted(seq, 2, right=True), np.int64(3))
    same(ember.bucketize(2.5, seq), np.int64(3))
    out = ember.empty(2, dtype=ember.int64)
    assert ember.searchsorted(seq, ember.tensor([0.0, 9.0]), out=out) is out
    same(out, [0, 4])


# ---- bincount and histograms --------------------------------------------------
@given(
    st.sampled_from(("uint8", "int8", "int16", "int32", "int64")),
    st.integers(0, 20),
    st.integers(0, 12),
    st.sampled_from([None, "float32", "float64", "int64", "float16"]),
    seeds,
)
def test_bincount_matches_numpy(dtype, n, minlength, weight_dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 8, size=n).astype(dtype)
    x = ember.tensor(a)
    if weight_dtype is None:
        same(ember.bincount(x, minlength=minlength), np.bincount(a, minlength=minlength), "int64")
        same(x.bincount(), np.bincount(a))
        return
    w = rng.integers(-3, 4, size=n).astype(weight_dtype)
    got = ember.bincount(x, ember.tensor(w), minlength)
    want_dtype = "float32" if weight_dtype == "float32" else "float64"
    same(got, np.bincount(a, w.astype(np.float64), minlength).astype(want_dtype), want_dtype)


@given(
    arrays(dtypes=FLOATS, min_dims=1),
    st.integers(1, 12),
    st.sampled_from([(0, 0), (-1.0, 1.0), (-2.0, 0.5), (0.25, 0.75), (2.0, 2.0)]),
)
def test_histc_matches_torch(case, bins, bounds):
    a, dtype, layout = case
    x, t = to_ember(a, dtype, layout), to_torch(a, dtype)
    try:
        want = torch.histc(t, bins=bins, min=bounds[0], max=bounds[1])
    except RuntimeError:  # a NaN as the data's range
        with pytest.raises(RuntimeError):
            ember.histc(x, bins=bins, min=bounds[0], max=bounds[1])
        return
    same(ember.histc(x, bins=bins, min=bounds[0], max=bounds[1]), want, dtype)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # numpy: density of nothing
@given(
    arrays(dtypes=("float32", "float64"), nan=False),
    st.integers(1, 8),
    st.sampled_from([None, (-1.0, 1.0), (0.0, 0.0)]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_histogram_matches_torch(case, bins, range_, weighted, density, edges_given):
    a, dtype, layout = case
    x, t = to_ember(a, dtype, layout), to_torch(a, dtype)
    w = np.random.default_rng(1).random(a.shape) if weighted else None
    kw_e = {"weight": to_ember(w, dtype) if weighted else None, "density": density}
    kw_t = {"weight": to_torch(w, dtype) if weighted else None, "density": density}
    if edges_given:
        edges = np.array([-2.0, -0.5, 0.0, 0.5, 2.5])
        got, want = (
            ember.histogram(x, to_ember(edges, dtype), **kw_e),
            torch.histogram(t, to_torch(edges, dtype), **kw_t),
        )
    else:
        got = ember.histogram(x, bins, range=range_, **kw_e)
        want = torch.histogram(t, bins, range=range_, **kw_t)
    # edges are ember.linspace's, which may differ from PyTorch's in the last bit
    edges = as_numpy(got.bin_edges)
    np.testing.assert_allclose(edges, want.bin_edges.numpy(), rtol=1e-6, atol=1e-6)
    assert got.hist.dtype.name == dtype and got.bin_edges.dtype.name == dtype
    # the binning, given the edges: numpy's (bins closed on the left, the last on both sides)
    expected, _ = np.histogram(a.astype(dtype), edges.astype(np.float64), weights=w, density=density)
    np.testing.assert_allclose(as_numpy(got.hist), expected, rtol=1e-5, atol=1e-6, equal_nan=True)
    if np.array_equal(edges, want.bin_edges.numpy()):
        np.testing.assert_allclose(as_numpy(got.hist), want.hist.numpy(), rtol=1e-5, atol=1e-6, equal_nan=True)


# ---- cummax and cummin -----------------------------------------------------------
@given(with_dim(max_side=9), st.sampled_from(["cummax", "cummin"]))
def test_cummax_cummin_match_torch(case, name):
    a, dtype, layout, dim = case
    got = getattr(ember, name)(to_ember(a, dtype, layout), dim)
    want = getattr(torch, name)(to_torch(a, dtype), dim)
    same(got.values, want.values, dtype)
    same(got.indices, want.indices, "int64")
    assert isinstance(got, getattr(ember.return_types, name))


def test_cummax_out_and_method():
    x = ember.tensor([[1, 3], [2, 0]])
    out = (ember.empty(2, 2, dtype=ember.int64), ember.empty(2, 2, dtype=ember.int64))
    r = ember.cummax(x, 0, out=out)
    assert r.values is out[0]
    same(out[0], [[1, 3], [2, 3]])
    same(out[1], [[0, 0], [1, 0]])
    same(x.cummin(1).indices, [[0, 0], [0, 1]])


# ---- errors, as PyTorch raises them ------------------------------------------------
ERRORS = {
    "topk k too large": lambda m: m.topk(m.tensor([1.0, 2.0]), 3),
    "topk k negative": lambda m: m.topk(m.tensor([1.0, 2.0]), -1),
    "topk bad dim": lambda m: m.topk(m.tensor([1.0, 2.0]), 1, dim=1),
    "sort bad dim": lambda m: m.sort(m.tensor([1.0, 2.0]), dim=2),
    "sort 0-d bad dim": lambda m: m.sort(m.tensor(1.0), dim=1),
    "kthvalue k zero": lambda m: m.kthvalue(m.tensor([1.0, 2.0]), 0),
    "kthvalue k too large": lambda m: m.kthvalue(m.tensor([1.0, 2.0]), 3),
    "kthvalue empty dim": lambda m: m.kthvalue(m.zeros(3, 0), 1, dim=1),
    "median empty dim": lambda m: m.median(m.zeros(0, 3), 0),
    "nanmedian empty dim": lambda m: m.nanmedian(m.zeros(0, 3), 0),
    "mode empty dim": lambda m: m.mode(m.zeros(0), 0),
    "quantile q > 1": lambda m: m.quantile(m.tensor([1.0, 2.0]), 1.5),
    "quantile q tensor > 1": lambda m: m.quantile(m.tensor([1.0, 2.0]), m.tensor([0.5, 2.0])),
    "quantile int input": lambda m: m.quantile(m.tensor([1, 2]), 0.5),
    "quantile 2-d q": lambda m: m.quantile(m.tensor([1.0, 2.0]), m.tensor([[0.5]])),
    "quantile q dtype": lambda m: m.quantile(m.tensor([1.0, 2.0]), m.tensor([0.5], dtype=m.float64)),
    "quantile empty": lambda m: m.quantile(m.zeros(0), 0.5),
    "quantile interpolation": lambda m: m.quantile(m.tensor([1.0]), 0.5, interpolation="cubic"),
    "unique dim of 0-d": lambda m: m.unique(m.tensor(1.0), dim=0),
    "unique unselected empty dim": lambda m: m.unique(m.zeros(0, 3), dim=1),
    "unique two empty dims": lambda m: m.unique(m.zeros(0, 0), dim=0),
    "searchsorted side and right": lambda m: m.searchsorted(m.tensor([1.0]), m.tensor([1.0]), side="left", right=True),
    "searchsorted bad side": lambda m: m.searchsorted(m.tensor([1.0]), m.tensor([1.0]), side="middle"),
    "searchsorted 0-d sequence": lambda m: m.searchsorted(m.tensor(1.0), m.tensor([1.0])),
    "searchsorted leading dims": lambda m: m.searchsorted(m.zeros(2, 3), m.zeros(3, 1)),
    "searchsorted float sorter": lambda m: m.searchsorted(
        m.tensor([1.0, 2.0]), m.tensor([1.0]), sorter=m.tensor([0.0, 1.0])
    ),
    "searchsorted sorter size": lambda m: m.searchsorted(m.tensor([1.0, 2.0]), m.tensor([1.0]), sorter=m.tensor([0])),
    "searchsorted sorter range": lambda m: m.searchsorted(
        m.tensor([1.0, 2.0]), m.tensor([1.0]), sorter=m.tensor([0, 5])
    ),
    "bucketize 2-d boundaries": lambda m: m.bucketize(m.tensor([1.0]), m.tensor([[1.0]])),
    "bincount negative": lambda m: m.bincount(m.tensor([1, -1])),
    "bincount 2-d": lambda m: m.bincount(m.zeros(2, 2, dtype=m.int64)),
    "bincount 0-d": lambda m: m.bincount(m.tensor(1)),
    "bincount float": lambda m: m.bincount(m.tensor([1.0])),
    "bincount bool": lambda m: m.bincount(m.tensor([True])),
    "bincount minlength": lambda m: m.bincount(m.tensor([1]), minlength=-1),
    "bincount weights length": lambda m: m.bincount(m.tensor([1, 2]), weights=m.ones(3)),
    "histc bins zero": lambda m: m.histc(m.tensor([1.0]), bins=0),
    "histc bins negative": lambda m: m.histc(m.tensor([1.0]), bins=-3),
    "histc max < min": lambda m: m.histc(m.tensor([1.0]), bins=3, min=2, max=1),
    "histc int input": lambda m: m.histc(m.tensor([1, 2])),
    "histc infinite range": lambda m: m.histc(m.tensor([float("inf")])),
    "histogram bins zero": lambda m: m.histogram(m.tensor([1.0]), 0),
    "histogram min > max": lambda m: m.histogram(m.tensor([1.0]), 2, range=(2.0, 0.0)),
    "histogram int input": lambda m: m.histogram(m.tensor([1, 2]), 3),
    "histogram half input": lambda m: m.histogram(m.tensor([1.0], dtype=m.float16), 3),
    "cummax bad dim": lambda m: m.cummax(m.tensor([1.0]), 1),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_raises_like_torch(case):
    call = ERRORS[case]
    with pytest.raises(Exception) as want:  # noqa: B017 - torch says which
        call(torch)
    with pytest.raises(Exception) as got:  # noqa: B017
        call(ember)
    family = RuntimeError if issubclass(want.type, RuntimeError) else want.type
    assert issubclass(got.type, family), f"{case}: ember raised {got.type.__name__}, torch {want.type.__name__}"
    if want.type is NotImplementedError:
        assert got.type is NotImplementedError


def test_median_of_an_empty_integer_tensor_raises():
    # PyTorch returns an arbitrary integer here
    with pytest.raises(RuntimeError, match="empty"):
        ember.median(ember.zeros(0, dtype=ember.int64))


# ---- methods, namespace, scale ---------------------------------------------------
NAMES = (
    "sort argsort msort topk kthvalue median nanmedian mode quantile nanquantile unique unique_consecutive "
    "bincount histc histogram cummax cummin"
).split()


@pytest.mark.parametrize("name", NAMES)
def test_tensor_methods_where_torch_has_them(name):
    assert hasattr(torch.Tensor, name)
    assert getattr(ember.Tensor, name) is getattr(ember, name)


def test_searchsorted_and_bucketize_are_functions_only():
    assert not hasattr(torch.Tensor, "searchsorted") and not hasattr(ember.Tensor, "searchsorted")
    assert not hasattr(ember.Tensor, "bucketize")


def test_large_inputs_take_vectorized_paths():
    # a per-element Python loop would take minutes here
    rng = np.random.default_rng(0)
    a = rng.integers(0, 1000, size=(200, 500))
    x = ember.tensor(a)
    u, inv, cnt = ember.unique(x, return_inverse=True, return_counts=True)
    wu, winv, wcnt = np.unique(a, return_inverse=True, return_counts=True)
    same(u, wu)
    same(inv, winv.reshape(a.shape))
    same(cnt, wcnt)
    same(ember.unique(x[:, :3] % 4, dim=0), np.unique(a[:, :3] % 4, axis=0))
    same(ember.cummax(x, 1).values, np.maximum.accumulate(a, axis=1))
    same(ember.mode(x % 7, 1).values, torch.mode(torch.tensor(a % 7), 1).values)
    same(ember.bincount(x.reshape(-1)), np.bincount(a.reshape(-1)))
