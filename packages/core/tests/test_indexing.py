# SPDX-License-Identifier: BSD-3-Clause
"""Advanced indexing and the gather/scatter family. Random keys (ints,
slices, None, ..., integer lists and tensors, boolean masks) index a
non-contiguous ember tensor and a PyTorch tensor with the same values: the
results (or the exception types) must agree, as must assignments. The
gather/scatter functions are checked against numpy (np.take_along_axis,
np.add.at, ...) on random shapes, dtypes and indices, duplicates included."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")


# ---- helpers (test_shape_ops.py uses them too) ----------------------------------------
def to_numpy(t):
    return (t.float() if t.dtype == ember.bfloat16 else t).numpy()


def make(values, dtype="float32", strided=True):
    """An ember tensor of ``dtype`` holding ``values``; when ``strided``, a
    non-contiguous view (every other element of a wider tensor)."""
    arr = np.asarray(values)
    if dtype == "bool":
        arr = arr != 0
    if not strided or arr.ndim == 0:
        return ember.tensor(arr).to(getattr(ember, dtype))
    wide = np.repeat(arr, 2, axis=-1)
    t = ember.tensor(wide).to(getattr(ember, dtype))[..., ::2]
    assert arr.size < 2 or arr.shape[-1] < 2 or not t.is_contiguous()
    return t


def to_torch(t):
    arr = to_numpy(t).copy()
    return torch.from_numpy(arr).to(getattr(torch, t.dtype.name))


def assert_same(e, t):
    """ember result ``e`` equals torch result ``t``: shape, dtype and values."""
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    expected = (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    np.testing.assert_array_equal(to_numpy(e), expected)


def values_for(shape, seed=0):
    """Small integers, exact in every dtype."""
    return np.random.default_rng(seed).integers(0, 6, size=shape)


def outcome(fn):
    try:
        return fn()
    except (IndexError, RuntimeError, ValueError, TypeError) as err:
        return type(err)


# ---- random keys --------------------------------------------------------------------------------
@st.composite
def index_list(draw, n, length=None, unique=False, bad=False):
    """Integer indices for a dim of size n (negative ones included)."""
    length = draw(st.integers(0, 3)) if length is None else length
    if unique:
        length = min(length, n)
        picks = draw(st.permutations(range(n)))[:length] if n else []
        return [p - n if draw(st.booleans()) else p for p in picks]
    if n == 0:
        return [] if not bad else [0] * length
    lo, hi = (-n - 1, n) if bad else (-n, n - 1)
    return draw(st.lists(st.integers(lo, hi), min_size=length, max_size=length))


@st.composite
def index_case(draw, unique=False, allow_bad=True):
    """(shape, key as items): items are ('int', i), ('slice', s), ('none',),
    ('ellipsis',), ('list', [...]), ('tensor', nested list), ('mask', bool
    array), ('bool', b)."""
    shape = draw(st.lists(st.integers(0, 4), max_size=3))
    nd = len(shape)
    bad = allow_bad and draw(st.integers(0, 9)) == 0
    batch = draw(st.integers(0, 3))  # the common length of integer index tensors
    items, d, used_ellipsis = [], 0, False
    for _ in range(draw(st.integers(1, nd + 1))):
        kinds = ["none", "bool"] + ["ellipsis"] * (not used_ellipsis)
        if d < nd:
            kinds += ["int", "slice", "list", "tensor", "mask"]
        kind = draw(st.sampled_from(kinds))
        if kind == "ellipsis":
            used_ellipsis = True
            items.append(("ellipsis",))
            d = max(d, nd - sum(1 for it in items if it[0] in ("int", "slice", "list", "tensor")))
        elif kind == "none":
            items.append(("none",))
        elif kind == "bool":
            items.append(("bool", draw(st.booleans())))
        elif kind == "int":
            n = shape[d]
            lo, hi = (-n - 1, n) if bad else (-n, n - 1)
            if not bad and n == 0:
                items.append(("slice", slice(None)))
            else:
                items.append(("int", draw(st.integers(lo, hi))))
            d += 1
        elif kind == "slice":
            n = shape[d]
            items.append(("slice", slice(draw(st.integers(-n - 1, n + 1)), None, draw(st.sampled_from([None, 1, 2])))))
            d += 1
        elif kind == "list":
            items.append(("list", draw(index_list(shape[d], batch if draw(st.booleans()) else 1, unique, bad))))
            d += 1
        elif kind == "tensor":
            rows = draw(index_list(shape[d], batch, unique, bad))
            as_column = draw(st.booleans()) and not unique
            items.append(("tensor", [[r] for r in rows] if as_column else rows))
            d += 1
        else:
            k = draw(st.integers(1, min(2, nd - d)))
            mshape = list(shape[d : d + k])
            if bad:
                mshape[0] += 1
            bits = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)), max_size=int(np.prod(mshape))))
            items.append(("mask", np.asarray(bits, dtype=bool).reshape(mshape)))
            d += k
    return shape, items


def build_key(items, lib):
    key = []
    for it in items:
        kind = it[0]
        if kind == "ellipsis":
            key.append(Ellipsis)
        elif kind == "none":
            key.append(None)
        elif kind in ("int", "slice", "bool", "list"):
            key.append(it[1])
        elif kind == "tensor":
            key.append(lib.tensor(it[1], dtype=lib.int64))
        else:
            key.append(lib.tensor(it[1]))
    return tuple(key)


# ---- __getitem__ / __setitem__ --------------------------------------------------------------------
@given(index_case(), st.sampled_from(DTYPES))
def test_getitem_matches_pytorch(case, dtype):
    shape, items = case
    e = make(values_for(shape), dtype)
    t = to_torch(e)
    got = outcome(lambda: e[build_key(items, ember)])
    want = outcome(lambda: t[build_key(items, torch)])
    if isinstance(want, type):
        assert got is want, (got, want)
    elif got is IndexError:
        # stricter than PyTorch: an index out of range is an error even when
        # the result is empty (PyTorch checks only the elements it reads)
        assert want.numel() == 0
    else:
        assert not isinstance(got, type), got
        assert_same(got, want)


@given(index_case(unique=True, allow_bad=False), st.sampled_from(DTYPES), st.data())
def test_setitem_matches_pytorch(case, dtype, data):
    shape, items = case
    e = make(values_for(shape), dtype)
    t = to_torch(e)
    target = outcome(lambda: t[build_key(items, torch)])
    if isinstance(target, type):  # an invalid key: both refuse it
        assert outcome(lambda: e.__setitem__(build_key(items, ember), 1)) is target
        return
    # a value of the target's shape, or one that broadcasts to it
    vshape = list(target.shape)
    drop = data.draw(st.integers(0, len(vshape)))
    vshape = [1 if data.draw(st.booleans()) else s for s in vshape[drop:]]
    scalar = data.draw(st.booleans())
    value = 7 if scalar else make(values_for(vshape, seed=1) + 1, dtype, strided=data.draw(st.booleans()))
    e[build_key(items, ember)] = value
    t[build_key(items, torch)] = value if scalar else to_torch(value)
    assert_same(e, t)


def test_basic_keys_return_views_and_advanced_keys_copies():
    x = ember.arange(24).reshape(2, 3, 4)
    v = x[1, ::2, None, ...]
    assert v._storage_ptr() == x._storage_ptr()
    v.fill_(-1)
    assert (x[1, 0] == -1).all() and (x[1, 1] != -1).all()
    for key in ([0, 1], x > 3, (slice(None), [0]), True, (ember.tensor([1]),)):
        c = x[key]
        assert c.is_contiguous()
        c.fill_(100)
        assert (x != 100).all()
    assert x[ember.tensor(1)]._storage_ptr() == x._storage_ptr()  # a 0-d integer tensor selects


def test_placement_of_advanced_dims_follows_pytorch():
    x = ember.zeros(2, 3, 4, 5)
    assert x[:, [0, 1], [0, 1]].shape == (2, 2, 5)  # adjacent: in place
    assert x[:, [0, 1], :, [1, 2]].shape == (2, 2, 4)  # separated: first
    assert x[:, 0, :, [0, 1]].shape == (2, 4, 2)  # an int selects first (PyTorch, not numpy)
    assert x[[[0], [1]], :, [0, 1, 2]].shape == (2, 3, 3, 5)


def test_getitem_values_match_numpy():
    a = np.arange(60).reshape(3, 4, 5)
    x = ember.tensor(a).transpose(0, 2)  # non-contiguous, shape (5, 4, 3)
    b = a.transpose(2, 1, 0)
    np.testing.assert_array_equal(x[[4, -1, 0]].numpy(), b[[4, -1, 0]])
    np.testing.assert_array_equal(x[:, [[1, 2]], [[0], [2]]].numpy(), b[:, [[1, 2]], [[0], [2]]])
    np.testing.assert_array_equal(x[b > 30].numpy(), b[b > 30])
    np.testing.assert_array_equal(x[1:, b[0] > 5].numpy(), b[1:, b[0] > 5])
    np.testing.assert_array_equal(x[np.array([1, 3])].numpy(), b[[1, 3]])
    np.testing.assert_array_equal(x[[]].numpy(), b[np.array([], dtype=np.int64)])
    rows = [True, False, True, False, True]
    np.testing.assert_array_equal(x[rows, 1].numpy(), b[rows, 1])  # a list of bools is a mask
    np.testing.assert_array_equal(x[np.int64(2), [0]].numpy(), b[2, [0]])


def test_getitem_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[[0, 5]]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        x[:, ember.tensor([[-5]])]
    with pytest.raises(
        IndexError, match=r"The shape of the mask \[4\] at index 0 does not match .* \[3, 4\] at index 0"
    ):
        x[ember.ones(4, dtype=ember.bool)]
    with pytest.raises(IndexError, match=r"shapes \[2\], \[3\]"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        x[ember.tensor([0.0])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        x[ember.tensor([0], dtype=ember.int16)]
    with pytest.raises(IndexError, match="too many indices"):
        x[[0], [0], [0]]
    with pytest.raises(IndexError, match="only integers, slices"):
        x["a"]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[[0, 1], ::-1]
    with pytest.raises(RuntimeError, match=r"\[3\]"):
        x[[0, 1]] = ember.ones(3)


def test_setitem_casts_broadcasts_and_strips_leading_ones():
    x = ember.zeros(3, 4, dtype=ember.int32)
    x[[0, 2]] = ember.tensor([1.9, 2.2, 3.5, 4.0], dtype=ember.float64)  # cast (truncated) and broadcast
    assert x.tolist() == [[1, 2, 3, 4], [0, 0, 0, 0], [1, 2, 3, 4]]
    x[1] = ember.ones(1, 1, 4)  # leading size-1 dims are dropped, as in PyTorch
    assert x[1].tolist() == [1, 1, 1, 1]
    x[x > 2] = -1  # a scalar through a full mask
    assert x.tolist() == [[1, 2, -1, -1], [1, 1, 1, 1], [1, 2, -1, -1]]
    x[x == 1] = ember.tensor([9])
    assert x[1].tolist() == [9, 9, 9, 9]
    x[True] = 0
    assert not x.any()
    x[:, [1]] = [[5], [6], [7]]
    assert x[:, 1].tolist() == [5, 6, 7]


def test_setitem_duplicates_last_write_wins_and_aliasing_is_safe():
    x = ember.zeros(4)
    x[[0, 0, 1, 0]] = ember.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.tolist() == [4.0, 3.0, 0.0, 0.0]
    y = ember.arange(5)
    y[[1, 2, 3, 4]] = y[[0, 1, 2, 3]]  # reads all before writing
    assert y.tolist() == [0, 0, 1, 2, 3]
    z = ember.arange(5)
    z[[1, 2, 3, 4]] = z[:4]  # a view of the target itself
    assert z.tolist() == [0, 0, 1, 2, 3]


def test_setitem_bumps_the_version():
    x = ember.zeros(3)
    v = x._version
    x[[0]] = 1
    assert x._version > v


# ---- index_put_ ----------------------------------------------------------------------------------
@given(
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(0, 12),
    st.sampled_from(("int32", "int64", "float32", "float64")),
    st.data(),
)
def test_index_put_accumulates_duplicates_like_np_add_at(n, m, k, dtype, data):
    rows = data.draw(st.lists(st.integers(-n, n - 1), min_size=k, max_size=k))
    cols = data.draw(st.lists(st.integers(-m, m - 1), min_size=k, max_size=k))
    base = values_for((n, m))
    vals = values_for((k,), seed=2)
    x = make(base, dtype)
    key = (ember.tensor(rows, dtype=ember.int64), ember.tensor(cols, dtype=ember.int64))
    out = x.index_put_(key, make(vals, dtype, strided=False), accumulate=True)
    assert out is x
    expected = base.astype(np.float64)
    np.add.at(expected, (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)), vals)
    np.testing.assert_array_equal(to_numpy(x), expected)


def test_index_put_forms():
    x = ember.zeros(2, 3)
    r = ember.index_put(x, (None, ember.tensor([0, 2])), ember.tensor(5.0))
    assert r.tolist() == [[5.0, 0.0, 5.0], [5.0, 0.0, 5.0]] and not x.any()
    x.index_put_((ember.tensor(1), ember.tensor(2)), ember.tensor(3.0))  # 0-d integer indices
    assert x[1, 2].item() == 3.0
    x.index_put_((ember.tensor([[True, False, True], [False, False, False]]),), ember.tensor(1.0), accumulate=True)
    assert x.tolist() == [[1.0, 0.0, 1.0], [0.0, 0.0, 3.0]]
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        x.index_put_((ember.tensor([0]),), ember.tensor(1.0, dtype=ember.float64))
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_put_((ember.tensor([2]),), ember.tensor(1.0))
    with pytest.raises(TypeError):
        x.index_put_(ember.tensor([0]), ember.tensor(1.0))


# ---- gather, scatter --------------------------------------------------------------------------------
@st.composite
def gather_case(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    ishape = [draw(st.integers(0, s)) if k != d else draw(st.integers(0, 4)) for k, s in enumerate(shape)]
    index = np.asarray(
        draw(st.lists(st.integers(0, shape[d] - 1), min_size=int(np.prod(ishape)), max_size=int(np.prod(ishape))))
    ).reshape(ishape)
    return shape, dim, index.astype(np.int64)


@given(gather_case(), st.sampled_from(DTYPES), st.sampled_from(("int64", "int32")))
def test_gather_matches_numpy(case, dtype, index_dtype):
    shape, dim, index = case
    a = values_for(shape)
    x = make(a, dtype)
    idx = make(index, index_dtype) if index.size else ember.tensor(index)
    got = ember.gather(x, dim, idx)
    # numpy: take_along_axis on the leading block of `a` shaped like index
    block = a[tuple(slice(0, s) if k != dim % len(shape) else slice(None) for k, s in enumerate(index.shape))]
    expected = np.take_along_axis(block, index, axis=dim)
    assert got.dtype == x.dtype and tuple(got.shape) == index.shape
    np.testing.assert_array_equal(to_numpy(got), expected.astype(to_numpy(got).dtype))
    np.testing.assert_array_equal(to_numpy(x.gather(dim, idx)), to_numpy(got))


def _scatter_oracle(a, dim, index, src, combine):
    out = a.astype(np.float64).copy()
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        out[tuple(target)] = combine(out[tuple(target)], src[pos])
    return out


@given(
    gather_case(),
    st.sampled_from(("int32", "int64", "float32", "float64", "bfloat16")),
    st.sampled_from([None, "add", "multiply"]),
)
def test_scatter_matches_a_sequential_oracle(case, dtype, reduce):
    shape, dim, index = case
    d = dim % len(shape)
    a = values_for(shape)
    src = values_for([s + 1 for s in index.shape], seed=3)  # larger than index: its leading block is used
    combine = {None: lambda o, v: v, "add": lambda o, v: o + v, "multiply": lambda o, v: o * v}[reduce]
    expected = _scatter_oracle(a, d, index, src, combine)
    x = make(a, dtype)
    got = ember.scatter(x, dim, ember.tensor(index), make(src, dtype), reduce=reduce)
    np.testing.assert_array_equal(to_numpy(got), expected)
    np.testing.assert_array_equal(to_numpy(x), a)  # out of place
    if reduce is None:
        filled = x.clone().scatter_(dim, ember.tensor(index), 9)
        np.testing.assert_array_equal(to_numpy(filled), _scatter_oracle(a, d, index, src, lambda o, v: 9))


@given(
    gather_case(),
    st.sampled_from(("int64", "float32", "float64")),
    st.sampled_from(("sum", "prod", "mean", "amax", "amin")),
    st.booleans(),
)
def test_scatter_reduce_matches_pytorch(case, dtype, reduce, include_self):
    shape, dim, index = case
    a = values_for(shape) - 2
    src = values_for(index.shape, seed=4) - 3
    x = make(a, dtype)
    s = make(src, dtype, strided=False)
    got = ember.scatter_reduce(x, dim, ember.tensor(index), s, reduce, include_self=include_self)
    want = torch.scatter_reduce(to_torch(x), dim, torch.tensor(index), to_torch(s), reduce, include_self=include_self)
    if dtype == "float32" and reduce == "mean":
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-6)
    else:
        assert_same(got, want)
    if reduce == "sum" and include_self:
        assert_same(ember.scatter_add(x, dim, ember.tensor(index), s), want)


def test_scatter_family_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 4"):
        ember.gather(x, 1, ember.tensor([[0, 5]]))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        ember.gather(x, 1, ember.tensor([[-1]]))  # no negative indices, as PyTorch
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ember.gather(x, 1, ember.tensor([0]))
    with pytest.raises(RuntimeError, match=r"index \[4, 1\] to be no larger than self \[3, 4\] apart from dimension 1"):
        ember.gather(x, 1, ember.zeros(4, 1, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        ember.gather(x, 1, ember.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match=r"no larger size than src \[1, 1\]"):
        x.scatter_(1, ember.tensor([[0, 1]]), ember.ones(1, 1))
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        x.scatter_(1, ember.tensor([[0]]), ember.ones(1, 1, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        x.scatter_(1, ember.tensor([[0]]), 1.0, reduce="max")
    with pytest.raises(RuntimeError, match="sum, prod, mean, amax or amin"):
        x.scatter_reduce(1, ember.tensor([[0]]), ember.ones(1, 1), "max")
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x.scatter_add_(0, ember.tensor([[3]]), ember.ones(1, 1))
    assert not x.any()  # nothing written by a failed call


def test_scatter_of_0d_and_empty():
    assert ember.gather(ember.tensor(5.0), 0, ember.tensor(0)).tolist() == 5.0
    assert ember.gather(ember.tensor([5.0, 6.0]), 0, ember.tensor(1)).tolist() == 6.0
    assert ember.gather(ember.zeros(2, 3), 0, ember.zeros(0, 3, dtype=ember.int64)).shape == (0, 3)
    x = ember.zeros(3)
    x.scatter_(0, ember.zeros(0, dtype=ember.int64), ember.ones(0))
    assert not x.any()


# ---- index_select / add / copy / fill / reduce -----------------------------------------------------
@given(st.lists(st.integers(0, 4), min_size=1, max_size=3), st.sampled_from(DTYPES), st.data())
def test_index_select_matches_numpy(shape, dtype, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    idx = data.draw(st.lists(st.integers(0, n - 1), max_size=5)) if n else []
    a = values_for(shape)
    x = make(a, dtype)
    got = ember.index_select(x, dim, ember.tensor(idx, dtype=ember.int64))
    expected = np.take(a, np.array(idx, dtype=np.int64), axis=dim)
    assert tuple(got.shape) == expected.shape and got.dtype == x.dtype
    np.testing.assert_array_equal(to_numpy(got), expected.astype(to_numpy(got).dtype))
    assert ember.equal(x.index_select(dim, ember.tensor(idx, dtype=ember.int32)), got)


@pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.sampled_from(("int32", "int64", "float32", "float64")),
    st.data(),
)
def test_index_add_copy_fill_match_pytorch(shape, dtype, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    k = data.draw(st.integers(0, 5))
    idx = data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    uniq = list(dict.fromkeys(idx))
    sshape = list(shape)
    sshape[dim] = k
    x = make(values_for(shape), dtype)
    src = make(values_for(sshape, seed=5), dtype)
    t, tsrc = to_torch(x), to_torch(src)
    ti = torch.tensor(idx, dtype=torch.int64)
    assert_same(
        ember.index_add(x, dim, ember.tensor(idx, dtype=ember.int64), src, alpha=2),
        torch.index_add(t, dim, ti, tsrc, alpha=2),
    )
    # index_copy with unique indices (PyTorch leaves duplicates unspecified)
    csrc = src.narrow(dim, 0, len(uniq))
    tu = torch.tensor(uniq, dtype=torch.int64)
    assert_same(
        ember.index_copy(x, dim, ember.tensor(uniq, dtype=ember.int64), csrc),
        torch.index_copy(t, dim, tu, to_torch(csrc)),
    )
    neg = [i - n for i in idx]  # index_fill takes negative indices
    assert_same(
        ember.index_fill(x, dim, ember.tensor(neg, dtype=ember.int64), -3),
        torch.index_fill(t, dim, torch.tensor(neg, dtype=torch.int64), -3),
    )
    for reduce in ("prod", "amax", "amin", "mean"):
        for include_self in (True, False):
            got = ember.index_reduce(
                x, dim, ember.tensor(idx, dtype=ember.int64), src, reduce, include_self=include_self
            )
            want = torch.index_reduce(t, dim, ti, tsrc, reduce, include_self=include_self)
            np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-6)


def test_index_family_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        ember.index_select(x, 0, ember.tensor([3]))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        ember.index_select(x, 0, ember.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"Got self.shape = \[3, 4\] source.shape = \[1, 3\]"):
        x.index_add_(0, ember.tensor([0]), ember.ones(1, 3))
    with pytest.raises(RuntimeError, match=r"Number of indices \(1\) should be equal to source.size\(dim\): \(2\)"):
        x.index_add_(0, ember.tensor([0]), ember.ones(2, 4))
    with pytest.raises(RuntimeError, match="must have the same scalar type"):
        x.index_add_(0, ember.tensor([0]), ember.ones(1, 4, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        ember.zeros(3, dtype=ember.int64).index_add_(0, ember.tensor([0]), ember.ones(1, dtype=ember.int64), alpha=0.5)
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        x.index_copy_(0, ember.tensor([-1]), ember.ones(1, 4))
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        x.index_fill_(0, ember.tensor([3]), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.index_fill_(0, ember.tensor([0]), ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="prod, mean, amax or amin but got sum"):
        x.index_reduce_(0, ember.tensor([0]), ember.ones(1, 4), "sum")
    assert not x.any()


# ---- take, put, take_along_dim ----------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), max_size=3), st.sampled_from(DTYPES), st.data())
def test_take_and_put_match_numpy(shape, dtype, data):
    a = values_for(shape)
    n = a.size
    idx = np.asarray(data.draw(st.lists(st.integers(-n, n - 1), max_size=6)) if n else [], dtype=np.int64)
    x = make(a, dtype) if len(shape) else ember.tensor(a).to(getattr(ember, dtype))
    got = ember.take(x, ember.tensor(idx))
    np.testing.assert_array_equal(to_numpy(got), a.reshape(-1)[idx].astype(to_numpy(got).dtype))
    if dtype in ("int64", "float64"):
        src = values_for(idx.shape, seed=6) + 1
        acc = x.clone().put_(ember.tensor(idx), make(src, dtype, strided=False), accumulate=True)
        expected = a.reshape(-1).astype(np.float64)
        np.add.at(expected, idx, src)
        np.testing.assert_array_equal(to_numpy(acc).reshape(-1), expected)
        last = ember.put(x, ember.tensor(idx), make(src, dtype, strided=False))
        expected = a.reshape(-1).astype(np.float64)
        expected[idx] = src  # numpy: the last of duplicates wins, as here
        np.testing.assert_array_equal(to_numpy(last).reshape(-1), expected)


@given(gather_case(), st.booleans())
def test_take_along_dim_matches_numpy(case, negative):
    shape, dim, index = case
    a = values_for(shape)
    d = dim % len(shape)
    index = index[tuple(slice(0, 1) if k != d else slice(None) for k in range(index.ndim))]  # broadcast the rest
    if negative:
        index = index - shape[d]
    got = outcome(lambda: ember.take_along_dim(make(a), ember.tensor(index), dim))
    want = outcome(lambda: torch.take_along_dim(torch.tensor(a), torch.tensor(index), dim))
    if isinstance(want, type):  # indices with an empty dim do not broadcast
        assert got is want
        return
    np.testing.assert_array_equal(got.numpy(), np.take_along_axis(a, index, axis=dim).astype(np.float32))
    flat = ember.take_along_dim(make(a), ember.tensor(index))
    np.testing.assert_array_equal(flat.numpy(), a.reshape(-1)[index.reshape(-1)].astype(np.float32))


def test_take_put_errors():
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match="out of range: tried to access index 6 on a tensor of 6 elements"):
        ember.take(x, ember.tensor([6]))
    with pytest.raises(IndexError, match="index -7"):
        ember.take(x, ember.tensor([-7]))
    with pytest.raises(RuntimeError, match=r"source.numel\(\) = 1, index.numel\(\) = 2"):
        x.put_(ember.tensor([0, 1]), ember.ones(1))
    with pytest.raises(RuntimeError, match="same dtype"):
        x.put_(ember.tensor([0]), ember.ones(1, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ember.take_along_dim(x, ember.tensor([0]), 1)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        ember.take_along_dim(x, ember.tensor([[3]]), 1)


# ---- masks ---------------------------------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), max_size=3), st.sampled_from(DTYPES), st.data())
def test_masked_ops_match_numpy(shape, dtype, data):
    a = values_for(shape)
    mshape = [1 if data.draw(st.booleans()) else s for s in shape][data.draw(st.integers(0, len(shape))) :]
    m = np.asarray(
        data.draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)), max_size=int(np.prod(mshape)))), dtype=bool
    ).reshape(mshape)
    x = make(a, dtype)
    mask = ember.tensor(m)
    mb = np.broadcast_to(m, a.shape)
    filled = ember.masked_fill(x, mask, 3)
    expect = np.where(mb, 3, a)
    assert filled.dtype == x.dtype
    np.testing.assert_array_equal(to_numpy(filled), expect.astype(to_numpy(filled).dtype))
    y = x.clone()
    assert y.masked_fill_(mask, ember.tensor(4)) is y
    np.testing.assert_array_equal(to_numpy(y), np.where(mb, 4, a).astype(to_numpy(y).dtype))
    sel = ember.masked_select(x, mask)
    np.testing.assert_array_equal(to_numpy(sel), a[mb].astype(to_numpy(sel).dtype))
    src = values_for([a.size + 1], seed=7) + 1
    scat = x.clone().masked_scatter_(mask, make(src, dtype, strided=False))
    expect = a.copy()
    expect[mb] = src[: int(mb.sum())]
    np.testing.assert_array_equal(to_numpy(scat), expect.astype(to_numpy(scat).dtype))


def test_mask_errors():
    x = ember.zeros(4)
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_fill(ember.tensor([1, 0, 1, 0]), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.masked_fill(ember.tensor([True, False, True, False]), ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"output with shape \[4\] doesn't match the broadcast shape \[3, 4\]"):
        x.masked_fill_(ember.ones(3, 4, dtype=ember.bool), 1.0)
    assert ember.masked_fill(x, ember.ones(3, 4, dtype=ember.bool), 1.0).shape == (3, 4)  # out of place broadcasts
    with pytest.raises(RuntimeError, match="expected BoolTensor"):
        ember.masked_select(x, ember.ones(4, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
        x.masked_scatter_(ember.ones(4, dtype=ember.bool), ember.ones(3))
    with pytest.raises(RuntimeError, match="same dtypes"):
        x.masked_scatter_(ember.ones(4, dtype=ember.bool), ember.ones(4, dtype=ember.float64))


# ---- nonzero, argwhere, where --------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), max_size=3), st.sampled_from(DTYPES))
def test_nonzero_argwhere_where_match_numpy(shape, dtype):
    a = values_for(shape) % 2
    x = make(a, dtype)
    expected = np.argwhere(a)
    np.testing.assert_array_equal(ember.nonzero(x).numpy().reshape(expected.shape), expected)
    np.testing.assert_array_equal(ember.argwhere(x).numpy().reshape(expected.shape), expected)
    tup = ember.nonzero(x, as_tuple=True)
    want = np.nonzero(a) if a.ndim else (np.arange(int(a != 0)),)
    assert len(tup) == len(want)
    for got, w in zip(tup, want):
        assert got.dtype == ember.int64
        np.testing.assert_array_equal(got.numpy(), w)
    assert all(ember.equal(p, q) for p, q in zip(ember.where(x != 0), tup))
    assert ember.equal(x.nonzero(), ember.nonzero(x))


def test_where_forms():
    c = ember.tensor([True, False])
    assert ember.where(c, 1.0, 0.0).tolist() == [1.0, 0.0]
    assert ember.where(c, ember.tensor([1, 2]), ember.tensor([3, 4])).tolist() == [1, 4]
    assert [t.tolist() for t in ember.where(ember.tensor([[0, 3], [2, 0]]))] == [[0, 1], [1, 0]]
    with pytest.raises(TypeError):
        ember.where(c, 1.0)
    assert ember.nonzero(ember.tensor(5), as_tuple=True)[0].tolist() == [0]
    assert ember.nonzero(ember.tensor(0), as_tuple=True)[0].tolist() == []


def test_methods_are_bound():
    x = ember.arange(6).reshape(2, 3)
    i = ember.tensor([[0, 2]])
    assert x.gather(1, i).tolist() == [[0, 2]]
    assert x.index_select(0, ember.tensor([1])).tolist() == [[3, 4, 5]]
    assert x.take(ember.tensor([5])).tolist() == [5]
    assert x.take_along_dim(i, 1).tolist() == [[0, 2], [3, 5]]
    assert x.scatter(1, i, 0).tolist() == [[0, 1, 0], [3, 4, 5]]
    assert x.scatter_add(1, i, ember.ones(1, 2, dtype=ember.int64)).tolist() == [[1, 1, 3], [3, 4, 5]]
    assert x.scatter_reduce(1, i, ember.tensor([[9, 9]]), "amin").tolist() == [[0, 1, 2], [3, 4, 5]]
    assert x.index_add(0, ember.tensor([0]), ember.ones(1, 3, dtype=ember.int64)).tolist() == [[1, 2, 3], [3, 4, 5]]
    assert x.index_copy(0, ember.tensor([1]), x[:1]).tolist() == [[0, 1, 2], [0, 1, 2]]
    assert x.index_fill(1, ember.tensor([0]), -1).tolist() == [[-1, 1, 2], [-1, 4, 5]]
    assert x.index_reduce(0, ember.tensor([0]), x[1:], "amax").tolist() == [[3, 4, 5], [3, 4, 5]]
    assert x.masked_select(x > 3).tolist() == [4, 5]
    assert x.masked_scatter(x > 3, ember.tensor([7, 8])).tolist() == [[0, 1, 2], [3, 7, 8]]
    assert x.put(ember.tensor([0]), ember.tensor([9])).tolist() == [[9, 1, 2], [3, 4, 5]]
    assert x.argwhere().shape == (5, 2)
    y = x.clone()
    j = i[0, :1]
    ops = [
        lambda: y.index_add_(0, j, y[:1]),
        lambda: y.index_copy_(0, j, y[:1]),
        lambda: y.index_fill_(0, j, 1),
        lambda: y.scatter_(1, i, 1),
        lambda: y.scatter_add_(1, i, y[:1, :2]),
        lambda: y.scatter_reduce_(1, i, y[:1, :2], "sum"),
        lambda: y.index_reduce_(0, j, y[:1], "prod"),
        lambda: y.masked_fill_(y > 0, 1),
        lambda: y.masked_scatter_(y > 0, y),
        lambda: y.put_(i[0], y[0, :2]),
        lambda: y.index_put_((j,), y[0, :1]),
    ]
    for op in ops:
        assert op() is y
