# SPDX-License-Identifier: BSD-3-Clause
"""Joining, splitting, flipping, repeating, triangles and diagonals, moving
dims, broadcasting, grids, windows and padding: against numpy on random
shapes (0-d and empty included), non-contiguous inputs and every dtype;
PyTorch says which dtype a join promotes to and which calls are errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from test_indexing import DTYPES, assert_same, make, outcome, to_numpy, to_torch, values_for

import ember
from ember._shape_ops import pad

shapes = st.lists(st.integers(0, 4), max_size=3)
nonempty_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3)


def check(got, expected, dtype=None):
    """ember ``got`` equals numpy ``expected`` (values and shape), in ``dtype``."""
    expected = np.asarray(expected)
    assert tuple(got.shape) == expected.shape
    if dtype is not None:
        assert got.dtype == getattr(ember, dtype)
    out = to_numpy(got)
    np.testing.assert_array_equal(out, expected.astype(out.dtype))


# ---- cat, stack and friends --------------------------------------------------------------------
@given(nonempty_shapes, st.lists(st.sampled_from(DTYPES), min_size=1, max_size=4), st.data())
def test_cat_and_stack_match_numpy_and_promote_like_pytorch(shape, dtypes, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    arrays, tensors = [], []
    for i, dt in enumerate(dtypes):
        s = list(shape)
        s[dim] = data.draw(st.integers(0, 3))
        a = values_for(s, seed=i)
        arrays.append(a)
        tensors.append(make(a, dt, strided=data.draw(st.booleans())))
    want = torch.cat([to_torch(t) for t in tensors], dim)
    got = ember.cat(tensors, dim)
    assert_same(got, want)
    assert ember.equal(ember.concat(tensors, dim=dim), got) and ember.equal(ember.concatenate(tensors, axis=dim), got)
    same = [make(arrays[0], dt) for dt in dtypes]
    sdim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_same(ember.stack(same, sdim), torch.stack([to_torch(t) for t in same], sdim))
    out = ember.empty(*got.shape, dtype=got.dtype)
    assert ember.cat(tensors, dim, out=out) is out and ember.equal(out, got)


@given(st.lists(st.lists(st.integers(0, 3), max_size=3), min_size=1, max_size=3))
def test_hstack_vstack_dstack_column_stack_match_numpy(shape_list):
    for np_fn, fn in (
        (np.hstack, ember.hstack),
        (np.vstack, ember.vstack),
        (np.dstack, ember.dstack),
        (np.column_stack, ember.column_stack),
    ):
        base = shape_list[0]
        arrays = [values_for(base, seed=i) for i in range(len(shape_list))]  # same shapes: always joinable
        check(fn([make(a) for a in arrays]), np_fn(arrays))
    assert ember.row_stack([ember.zeros(2), ember.ones(2)]).tolist() == [[0.0, 0.0], [1.0, 1.0]]


def test_atleast():
    assert ember.atleast_1d(ember.tensor(1.0)).shape == (1,)
    assert ember.atleast_2d(ember.zeros(3)).shape == (1, 3)
    assert ember.atleast_3d(ember.zeros(3)).shape == (1, 3, 1)
    assert ember.atleast_3d(ember.zeros(2, 3)).shape == (2, 3, 1)
    a, b = ember.atleast_2d(ember.tensor(1.0), ember.zeros(2, 2, 2))
    assert a.shape == (1, 1) and b.shape == (2, 2, 2)
    assert [t.shape for t in ember.atleast_1d([ember.tensor(1), ember.zeros(2)])] == [(1,), (2,)]


def test_join_errors():
    with pytest.raises(ValueError, match="non-empty list"):
        ember.cat([])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 0\)"):
        ember.cat([ember.tensor(1.0)])
    with pytest.raises(RuntimeError, match="Expected size 3 but got size 2 for tensor number 1"):
        ember.cat([ember.zeros(3, 4), ember.zeros(2, 3)], 1)
    with pytest.raises(RuntimeError, match="got 2 and 1"):
        ember.cat([ember.zeros(3, 4), ember.zeros(4)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.cat([ember.zeros(3, 4)], 2)
    with pytest.raises(TypeError, match="must be tuple of Tensors"):
        ember.cat(ember.zeros(3))
    with pytest.raises(RuntimeError, match=r"equal size, but got \[3, 4\] at entry 0 and \[3, 3\] at entry 1"):
        ember.stack([ember.zeros(3, 4), ember.zeros(3, 3)])
    with pytest.raises(RuntimeError, match="non-empty TensorList"):
        ember.stack([])
    # 1-D empty tensors are skipped by cat (but take part in the dtype)
    r = ember.cat([ember.zeros(2, 2, dtype=ember.int32), ember.zeros(0, dtype=ember.int64)])
    assert r.shape == (2, 2) and r.dtype == ember.int64


# ---- splits ---------------------------------------------------------------------------------------
@given(nonempty_shapes, st.data())
def test_split_chunk_tensor_split_are_views_matching_numpy(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    a = values_for(shape)
    x = make(a)
    size = data.draw(st.integers(1, 5))
    pieces = ember.split(x, size, dim)
    check_pieces(pieces, np.split(a, list(range(size, n, size)), axis=dim), x)
    sizes = data.draw(st.lists(st.integers(0, n), max_size=3))
    sizes = sizes + [n - sum(sizes)] if sum(sizes) <= n else [n]
    check_pieces(x.split(sizes, dim), np.split(a, np.cumsum(sizes)[:-1], axis=dim), x)
    chunks = data.draw(st.integers(1, 5))
    step = -(-n // chunks)
    check_pieces(ember.chunk(x, chunks, dim), np.split(a, list(range(step, n, step)), axis=dim), x)
    sections = data.draw(st.integers(1, 5))
    check_pieces(ember.tensor_split(x, sections, dim), np.array_split(a, sections, axis=dim), x)
    cuts = data.draw(st.lists(st.integers(-n - 1, n + 1), max_size=3))
    want = [to_numpy(t) for t in torch.tensor_split(torch.tensor(a), cuts, dim)]
    check_pieces(x.tensor_split(cuts, dim), want, x)
    check_pieces(ember.tensor_split(x, ember.tensor(cuts, dtype=ember.int64), dim), want, x)


def check_pieces(pieces, expected, base):
    assert isinstance(pieces, tuple) and len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        check(p, e)
        assert p._storage_ptr() == base._storage_ptr()  # a view


def test_hsplit_vsplit_dsplit():
    x = ember.arange(24).reshape(2, 3, 4)
    assert [t.shape for t in ember.hsplit(x, 3)] == [(2, 1, 4)] * 3
    assert [t.shape for t in ember.vsplit(x, [1])] == [(1, 3, 4), (1, 3, 4)]
    assert [t.shape for t in ember.dsplit(x, 2)] == [(2, 3, 2)] * 2
    assert [t.tolist() for t in ember.hsplit(ember.arange(4), 2)] == [[0, 1], [2, 3]]
    with pytest.raises(RuntimeError, match="not divisible by the split_size 3"):
        ember.hsplit(ember.zeros(3, 4), 3)
    with pytest.raises(RuntimeError, match="at least 2 dimension"):
        ember.vsplit(ember.zeros(4), 2)


def test_split_errors():
    with pytest.raises(RuntimeError, match=r"sum exactly to 5 .* split_sizes=\[2, 2\]"):
        ember.split(ember.zeros(5), [2, 2])
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        ember.split(ember.zeros(5), 0)
    assert [t.shape for t in ember.split(ember.zeros(0), 0)] == [(0,)]
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.split(ember.zeros(5), -1)
    with pytest.raises(RuntimeError, match="at least a 1-dimensional"):
        ember.split(ember.tensor(1.0), 1)
    with pytest.raises(RuntimeError, match="greater than 0, got: 0"):
        ember.chunk(ember.zeros(5), 0)
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0"):
        ember.tensor_split(ember.zeros(5), 0)
    with pytest.raises(RuntimeError, match="zero-dimensional or one-dimensional"):
        ember.tensor_split(ember.zeros(5), ember.tensor([[2]]))
    assert [t.shape for t in ember.chunk(ember.zeros(0), 3)] == [(0,)] * 3


# ---- flip, roll, rot90 --------------------------------------------------------------------------------
@given(shapes, st.sampled_from(DTYPES), st.data())
def test_flip_roll_rot90_match_numpy(shape, dtype, data):
    a = values_for(shape)
    x = make(a, dtype)
    nd = len(shape)
    dims = data.draw(
        st.lists(st.integers(-max(nd, 1), max(nd, 1) - 1), unique_by=lambda d: d % max(nd, 1), max_size=nd)
    )
    check(ember.flip(x, dims), np.flip(a, [d % nd for d in dims]) if nd else a, dtype)
    assert ember.equal(x.flip(*dims), ember.flip(x, dims)) if dims else True
    if nd:
        shifts = data.draw(st.lists(st.integers(-6, 6), min_size=len(dims), max_size=len(dims)))
        if dims:
            check(ember.roll(x, shifts, dims), np.roll(a, shifts, [d % nd for d in dims]), dtype)
        check(x.roll(shifts[:1] or 2), np.roll(a, shifts[:1] or 2), dtype)
    if nd >= 2:
        k = data.draw(st.integers(-5, 5))
        check(ember.rot90(x, k, [nd - 1, 0]), np.rot90(a, k, (nd - 1, 0)), dtype)
        check(x.rot90(), np.rot90(a), dtype)
    if nd >= 1:
        check(ember.flipud(x), np.flipud(a))
    if nd >= 2:
        check(ember.fliplr(x), np.fliplr(a))


def test_flip_roll_rot90_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        ember.flip(x, (0, 0))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.flip(x, (2,))
    with pytest.raises(RuntimeError, match=">= 2-d"):
        ember.fliplr(ember.zeros(3))
    with pytest.raises(RuntimeError, match=">= 1-d"):
        ember.flipud(ember.tensor(1.0))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:1"):
        ember.roll(x, (1, 2), (0,))
    with pytest.raises(IndexError, match="no dimensions"):
        ember.roll(ember.tensor(1.0), 1, 0)
    with pytest.raises(RuntimeError, match="rotation dims == 2"):
        ember.rot90(x, 1, (0, 1, 2))
    with pytest.raises(RuntimeError, match="dims >= 2"):
        ember.rot90(ember.zeros(3))
    with pytest.raises(RuntimeError, match="to be different"):
        ember.rot90(x, 1, (0, 0))
    assert ember.roll(ember.tensor(1.0), 3).tolist() == 1.0


# ---- repeat, tile, repeat_interleave --------------------------------------------------------------------
@given(shapes, st.sampled_from(DTYPES), st.data())
def test_repeat_tile_repeat_interleave_match_numpy(shape, dtype, data):
    a = values_for(shape)
    x = make(a, dtype)
    nd = len(shape)
    reps = data.draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd + 2))
    check(x.repeat(*reps), np.tile(a, reps), dtype)  # numpy's tile is PyTorch's repeat
    short = data.draw(st.lists(st.integers(0, 3), max_size=nd + 1))
    check(ember.tile(x, short), np.tile(a, short), dtype)
    check(x.tile(short), np.tile(a, short), dtype)
    r = data.draw(st.integers(0, 3))
    check(ember.repeat_interleave(x, r), np.repeat(a, r), dtype)
    if nd:
        dim = data.draw(st.integers(-nd, nd - 1))
        counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[dim], max_size=shape[dim]))
        check(x.repeat_interleave(ember.tensor(counts, dtype=ember.int64), dim), np.repeat(a, counts, axis=dim), dtype)
        check(ember.repeat_interleave(x, r, dim), np.repeat(a, r, axis=dim), dtype)


def test_repeat_interleave_forms_and_errors():
    assert ember.repeat_interleave(ember.tensor([1, 0, 2])).tolist() == [0, 2, 2]
    assert ember.repeat_interleave(ember.tensor([[1, 2]]), ember.tensor([2]), dim=1).tolist() == [[1, 1, 2, 2]]
    assert ember.repeat_interleave(ember.tensor([1, 2]), ember.tensor([1, 2], dtype=ember.int32)).tolist() == [1, 2, 2]
    with pytest.raises(RuntimeError, match="non-negative"):
        ember.repeat_interleave(ember.zeros(3), -1)
    with pytest.raises(RuntimeError, match="can not be negative"):
        ember.repeat_interleave(ember.zeros(3), ember.tensor([1, -2, 1]), 0)
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 2 and input.size\(1\) = 4"):
        ember.repeat_interleave(ember.zeros(3, 4), ember.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match="allocated size does not match"):
        ember.repeat_interleave(ember.zeros(3), ember.tensor([1, 2, 1]), 0, output_size=5)
    with pytest.raises(RuntimeError, match="smaller than number of dimensions"):
        ember.zeros(3, 4).repeat(2)
    with pytest.raises(RuntimeError, match="negative dimension"):
        ember.zeros(3, 4).repeat(2, -1)


# ---- triangles and diagonals ---------------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), min_size=2, max_size=3), st.sampled_from(DTYPES), st.integers(-4, 4))
def test_tril_triu_diagonal_match_numpy(shape, dtype, k):
    a = values_for(shape)
    x = make(a, dtype)
    check(ember.tril(x, k), np.tril(a, k), dtype)
    check(x.triu(k), np.triu(a, k), dtype)
    y = x.clone()
    assert y.tril_(k) is y
    check(y, np.tril(a, k))
    y = x.clone()
    y.triu_(diagonal=k)
    check(y, np.triu(a, k))
    d = ember.diagonal(x, k, -2, -1)
    check(d, np.diagonal(a, k, -2, -1))
    assert d._storage_ptr() == x._storage_ptr()
    check(x.diagonal(k, 0, 1), np.diagonal(a, k, 0, 1))
    if len(shape) == 2:
        check(ember.diag(x, k), np.diag(a, k))


@given(st.lists(st.integers(0, 4), min_size=1, max_size=3), st.sampled_from(DTYPES), st.integers(-3, 3), st.data())
def test_diag_embed_diagflat_diag_match_pytorch(shape, dtype, k, data):
    x = make(values_for(shape), dtype)
    t = to_torch(x)
    nd = len(shape) + 1
    d1 = data.draw(st.integers(-nd, nd - 1))
    d2 = data.draw(st.integers(-nd, nd - 1))
    got = outcome(lambda: ember.diag_embed(x, k, d1, d2))
    want = outcome(lambda: torch.diag_embed(t, k, d1, d2))
    if isinstance(want, type):
        assert got is want
    else:
        assert_same(got, want)
    assert_same(ember.diagflat(x, k), torch.diagflat(t, k))
    if len(shape) == 1:
        assert_same(x.diag(k), torch.diag(t, k))


def test_diag_errors():
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        ember.tril(ember.zeros(3))
    with pytest.raises(RuntimeError, match="Supports 1D or 2D tensors. Got 3D"):
        ember.diag(ember.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        ember.diagonal(ember.zeros(2, 2), 0, 1, 1)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        ember.diag_embed(ember.zeros(2, 3), 0, 1, 1)
    assert ember.diagonal(ember.zeros(3, 4), 7).shape == (0,)


# ---- movedim, broadcasting, meshgrid -----------------------------------------------------------------
@given(shapes, st.data())
def test_movedim_matches_numpy(shape, data):
    nd = len(shape)
    a = values_for(shape)
    x = make(a)
    k = data.draw(st.integers(0, nd))
    src = data.draw(st.permutations(range(nd)))[:k] if nd else []
    dst = data.draw(st.permutations(range(nd)))[:k] if nd else []
    src = [s - nd if data.draw(st.booleans()) else s for s in src]
    got = ember.movedim(x, src, dst)
    check(got, np.moveaxis(a, src, dst))
    assert got._storage_ptr() == x._storage_ptr()
    assert ember.equal(ember.moveaxis(x, src, dst), got) and ember.equal(x.movedim(src, dst), got)
    if nd:
        check(x.moveaxis(0, -1), np.moveaxis(a, 0, -1))


def test_movedim_errors():
    x = ember.zeros(2, 3)
    with pytest.raises(
        RuntimeError, match=r"source \(\[0, 1\] dims\) should contain the same number of dims as destination"
    ):
        ember.movedim(x, (0, 1), (0,))
    with pytest.raises(RuntimeError, match=r"repeated dim in `source` \(\[0, 0\]\)"):
        ember.movedim(x, (0, 0), (0, 1))
    with pytest.raises(RuntimeError, match="repeated dim in `destination`"):
        ember.movedim(x, (0, 1), (1, 1))
    with pytest.raises(IndexError):
        ember.movedim(x, 2, 0)


@given(st.lists(shapes, min_size=1, max_size=4))
def test_broadcast_shapes_and_tensors_match_numpy(shape_list):
    try:
        want = np.broadcast_shapes(*[tuple(s) for s in shape_list])
    except ValueError:
        with pytest.raises(RuntimeError, match="broadcast"):
            ember.broadcast_shapes(*shape_list)
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            ember.broadcast_tensors(*[ember.zeros(*s) for s in shape_list])
        return
    got = ember.broadcast_shapes(*shape_list)
    assert isinstance(got, ember.Size) and tuple(got) == want
    arrays = [values_for(s, seed=i) for i, s in enumerate(shape_list)]
    for t, a in zip(ember.broadcast_tensors(*[make(a) for a in arrays]), np.broadcast_arrays(*arrays)):
        check(t, a)


def test_broadcast_errors_name_the_sizes():
    with pytest.raises(RuntimeError, match=r"length 3 at -2! Mismatching argument at index 1 had \(3, 3\)"):
        ember.broadcast_shapes((2, 1), (3, 3))
    with pytest.raises(ValueError, match="negative length"):
        ember.broadcast_shapes((-1,))
    with pytest.raises(
        RuntimeError,
        match=r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 0",
    ):
        ember.broadcast_tensors(ember.zeros(2), ember.zeros(3))
    assert ember.broadcast_shapes(2, (3, 1)) == (3, 2)


@given(st.lists(st.integers(0, 4), min_size=1, max_size=3), st.sampled_from(["ij", "xy"]), st.booleans())
def test_meshgrid_matches_numpy(lengths, indexing, zero_d):
    arrays = [values_for([n], seed=i) for i, n in enumerate(lengths)]
    tensors = [make(a) for a in arrays]
    if zero_d and lengths[0]:  # a 0-d input counts as one element
        arrays[0] = arrays[0][:1].reshape(())
        tensors[0] = ember.tensor(float(arrays[0]))
    grids = ember.meshgrid(*tensors, indexing=indexing)
    want = np.meshgrid(*[a.reshape(-1) for a in arrays], indexing=indexing)
    assert len(grids) == len(want)
    for g, w in zip(grids, want):
        check(g, w)
    assert all(g._storage_ptr() == t._storage_ptr() for g, t in zip(ember.meshgrid(tensors), tensors))  # views


def test_meshgrid_errors():
    with pytest.raises(RuntimeError, match='one of "xy" or "ij"'):
        ember.meshgrid(ember.zeros(2), indexing="foo")
    with pytest.raises(RuntimeError, match="0D or 1D"):
        ember.meshgrid(ember.zeros(2, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.meshgrid(ember.zeros(2), ember.zeros(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="non-empty"):
        ember.meshgrid()


# ---- unfold, narrow_copy ------------------------------------------------------------------------------
@given(shapes, st.data())
def test_unfold_matches_pytorch(shape, data):
    x = make(values_for(shape), "int64")
    t = to_torch(x)
    nd = len(shape)
    dim = data.draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
    size, step = data.draw(st.integers(-1, 5)), data.draw(st.integers(0, 3))
    got = outcome(lambda: x.unfold(dim, size, step))
    want = outcome(lambda: t.unfold(dim, size, step))
    if isinstance(want, type):
        assert got is want
        return
    assert_same(got, want)
    assert got._storage_ptr() == x._storage_ptr()


def test_unfold_errors_and_narrow_copy():
    x = ember.arange(12).reshape(3, 4)
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 3 but size is 4"):
        x.unfold(0, 4, 1)
    with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
        x.unfold(0, 2, 0)
    c = ember.narrow_copy(x, 1, 1, 2)
    assert c.tolist() == [[1, 2], [5, 6], [9, 10]] and c.is_contiguous() and c._storage_ptr() != x._storage_ptr()
    assert x.narrow_copy(0, 2, 1).tolist() == [[8, 9, 10, 11]]


# ---- pad ----------------------------------------------------------------------------------------------
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.sampled_from(["constant", "reflect", "replicate", "circular"]),
    st.sampled_from(("float32", "int64", "bool")),
    st.data(),
)
def test_pad_matches_numpy(shape, mode, dtype, data):
    a = values_for(shape)
    x = make(a, dtype)
    npad = data.draw(st.integers(1, len(shape)))
    widths = []
    for i in range(npad):
        n = shape[len(shape) - 1 - i]
        hi = {"constant": 3, "reflect": n - 1, "replicate": 3, "circular": n}[mode]
        widths.append((data.draw(st.integers(0, hi)), data.draw(st.integers(0, hi))))
    flat = [w for pair in widths for w in pair]
    np_widths = [(0, 0)] * (len(shape) - npad) + widths[::-1]
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    kwargs = {"constant_values": 2} if mode == "constant" else {}
    expected = np.pad(a if dtype != "bool" else a != 0, np_widths, mode=np_mode, **kwargs)
    got = pad(x, flat, mode, 2 if mode == "constant" else None)
    check(got, expected, dtype)


def test_pad_negative_widths_crop_as_pytorch():
    from torch.nn import functional

    a = values_for((2, 3, 5)).astype(np.float32)
    for mode in ("constant", "circular", "reflect", "replicate"):
        for widths in ((-1, 2), (2, -2, -1, 1), (-2, -2), (1, -1)):
            want = functional.pad(torch.tensor(a), widths, mode=mode)
            assert_same(pad(make(a), widths, mode), want)


def test_pad_errors():
    x = ember.zeros(1, 3)
    with pytest.raises(RuntimeError, match="divisible by 2"):
        pad(x, (1,))
    with pytest.raises(RuntimeError, match="padding length 6 and input of dimension 2"):
        pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r"padding \(3, 3\) at dimension 1 of input \[1, 3\]"):
        pad(x, (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        pad(x, (4, 0), mode="circular")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        pad(x, (1, 1), mode="reflect", value=1)
    with pytest.raises(RuntimeError, match="negative output size"):
        pad(ember.zeros(3), (-2, -2))
    assert "pad" not in dir(ember)  # for ember.nn.functional, not the public namespace
