# SPDX-License-Identifier: BSD-3-Clause
"""Interop and the Python protocol: zero-copy numpy() and __array__, DLPack
both ways with numpy and PyTorch (a write is seen on the other side), item,
tolist, len, iter, bool, float, int, index, and repr matching PyTorch's text."""

import math
import operator
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")
NUMPY_DTYPES = tuple(d for d in DTYPES if d != "bfloat16")


def sample(dtype, shape=(2, 3)):
    """An ember tensor and a torch tensor with the same (small, exact) values."""
    values = (np.arange(math.prod(shape)).reshape(shape) % 5) - (dtype not in ("bool", "uint8"))
    t = torch.tensor(values).to(getattr(torch, dtype))
    return ember.tensor(values, dtype=getattr(ember, dtype)), t


def one(t):
    """A value that is not already in ``sample``'s tensors."""
    return True if t.dtype.name == "bool" else 7


# ---- numpy -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_numpy_shares_memory_both_ways(dtype):
    x = ember.zeros(3, 4, dtype=getattr(ember, dtype))
    view = x.t()[1:]  # strided, with an offset
    a = view.numpy()
    assert a.dtype == np.dtype(dtype) and a.shape == (3, 3)
    assert a.strides == tuple(s * x.element_size() for s in view.stride())
    a[0, 2] = 1  # a[i, j] is x[j, i + 1]
    assert x[2, 1].item() == 1
    x[1, 2] = 1
    assert a[1, 1] == 1


def test_numpy_array_outlives_the_tensor():
    a = ember.arange(5).numpy()
    assert a.tolist() == [0, 1, 2, 3, 4]


def test_numpy_of_bfloat16_raises():
    with pytest.raises(TypeError, match="BFloat16"):
        ember.zeros(2, dtype=ember.bfloat16).numpy()


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_array_protocol(dtype):
    x, _ = sample(dtype)
    a = np.asarray(x)
    a[0, 0] = one(x)
    assert x[0, 0].item() == one(x)  # shares
    c = np.array(x, copy=True)
    c[0, 1] = one(x)
    assert x[0, 1].item() != one(x) or dtype == "bool" and x[0, 1].item()
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert (np.float64(2) * x).__class__ is ember.Tensor  # numpy defers to the tensor


# ---- DLPack ------------------------------------------------------------------------------
def _write_and_check(src_write, dst_read):
    src_write()
    return dst_read()


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_dlpack_with_numpy_both_ways(dtype):
    a = np.zeros((3, 4), dtype=dtype)[:, 1:]
    t = ember.from_dlpack(a)
    assert t.dtype.name == dtype and tuple(t.shape) == (3, 3) and t.stride() == (4, 1)
    a[1, 1] = 1
    assert t[1, 1].item() == 1
    back = np.from_dlpack(t)
    assert back.dtype == np.dtype(dtype) and back.shape == (3, 3)
    t[2, 2] = 1
    assert back[2, 2] == 1 and a[2, 2] == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_dlpack_with_pytorch_both_ways(dtype):
    x, tt = sample(dtype, (4, 5))
    src = tt.t()[1:]  # strided with an offset
    e = ember.from_dlpack(src)
    assert e.dtype.name == dtype and tuple(e.shape) == tuple(src.shape) and e.stride() == src.stride()
    assert e.tolist() == src.tolist()
    src[0, 0] = one(e)
    assert e[0, 0].item() == one(e)
    back = torch.from_dlpack(x)
    assert back.dtype == getattr(torch, dtype) and back.tolist() == x.tolist()
    back[1, 2] = one(x)
    assert x[1, 2].item() == one(x)


def test_dlpack_capsules_and_lifetime():
    capsule = ember.arange(4).__dlpack__()
    t = ember.from_dlpack(capsule)
    assert t.tolist() == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="consumed"):
        ember.from_dlpack(capsule)
    src = torch.arange(3)
    e = ember.from_dlpack(src)
    del src
    assert e.tolist() == [0, 1, 2]
    assert ember.zeros(2).__dlpack_device__() == (1, 0)
    copied = torch.from_dlpack(ember.zeros(2).__dlpack__(copy=True))
    assert copied.tolist() == [0.0, 0.0]


# ---- the Python protocol --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_item_tolist_and_conversions_match_pytorch(dtype):
    x, t = sample(dtype)
    assert x.tolist() == t.tolist()
    assert [type(v) for v in x.flatten().tolist()] == [type(v) for v in t.flatten().tolist()]
    for i in range(2):
        for j in range(3):
            got, want = x[i, j], t[i, j]
            assert type(got.item()) is type(want.item()) and got.item() == want.item()
            assert float(got) == float(want) and int(got) == int(want) and bool(got) == bool(want)
    assert len(x) == len(t) == 2
    assert [r.tolist() for r in x] == [r.tolist() for r in t]
    assert x[0, 0].tolist() == t[0, 0].tolist()


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64"])
def test_integer_tensors_are_indices(dtype):
    i = ember.tensor(2, dtype=getattr(ember, dtype))
    assert operator.index(i) == 2 and [10, 20, 30][i] == 30 and list(range(i)) == [0, 1]
    if dtype in ("int32", "int64"):  # as PyTorch: a uint8 tensor is a mask, an int8 one an error
        assert ember.arange(5)[i].item() == 2


def test_format_and_hash():
    assert f"{ember.tensor(2.5):.2f}" == "2.50"
    x = ember.zeros(2)
    assert hash(x) == hash(x) and len({x, ember.zeros(2)}) == 2


@pytest.mark.parametrize("dtype", DTYPES)
def test_pickle_round_trip(dtype):
    x, _ = sample(dtype)
    y = pickle.loads(pickle.dumps(x.t()))
    assert y.dtype == x.dtype and y.tolist() == x.t().tolist()


# ---- repr ------------------------------------------------------------------------------------
def assert_repr_matches(values, dtype):
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    e = ember.tensor(values, dtype=getattr(ember, dtype))
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert str(e) == repr(e)


REPR_CASES = [
    ([1.0, 2.0, 3.0], "float32"),
    ([1.5, -2.25], "float32"),
    ([1.0, 10000.0], "float32"),
    ([1.0, math.inf], "float32"),
    ([-math.inf, 1.0], "float32"),
    ([math.nan, 1.5], "float32"),
    ([0.25, -0.0], "float32"),
    ([1e-5, 1.0], "float32"),
    ([123456789.0, 1.0], "float64"),
    ([0.001, 1000.0], "float32"),
    ([1, 2, 3], "int64"),
    ([-1, 200], "int32"),
    ([True, False], "bool"),
    ([1.5, 2.5], "float16"),
    ([1.5, 2.5], "bfloat16"),
    ([[1.0, 2.0], [3.0, 4.0]], "float32"),
    ([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "int8"),
    (3.5, "float32"),
    (3, "int64"),
    (True, "bool"),
    ([], "float32"),
    ([], "int64"),
    ([], "float64"),
    ([x / 7 for x in range(40)], "float32"),
    ([1e20, 1.0], "float32"),
]


@pytest.mark.parametrize("values, dtype", REPR_CASES, ids=[f"{d}-{str(v)[:20]}" for v, d in REPR_CASES])
def test_repr_matches_pytorch(values, dtype):
    assert_repr_matches(values, dtype)


@pytest.mark.parametrize("shape", [(2000,), (40, 50), (2, 12, 50), (10, 10, 11), (1001, 1)])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
def test_repr_of_big_tensors_is_summarised_like_pytorch(shape, dtype):
    values = np.random.default_rng(0).standard_normal(shape) * 10
    assert_repr_matches(values.tolist() if dtype != "bool" else (values > 0).tolist(), dtype)


def test_repr_of_empty_and_other_shapes():
    assert repr(ember.zeros(2, 0)) == "tensor([], size=(2, 0))"
    assert repr(ember.zeros(0, dtype=ember.int32)) == "tensor([], dtype=ember.int32)"


magnitudes = st.sampled_from([1e-6, 1e-3, 1.0, 100.0, 1e5, 1e9])


@given(
    values=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=5), elements=st.floats(-10, 10)),
    scale=magnitudes,
    special=st.sampled_from([None, math.nan, math.inf, -math.inf, 0.0]),
    integral=st.booleans(),
    dtype=st.sampled_from(["float32", "float64", "float16", "int64", "int16"]),
)
def test_repr_of_random_tensors_matches_pytorch(values, scale, special, integral, dtype):
    values = values * scale
    if integral or dtype.startswith("int"):
        values = np.round(values)
    if special is not None and values.size and dtype.startswith("float"):
        values.reshape(-1)[0] = special
    if dtype.startswith("int"):
        values = np.clip(values, -30000, 30000)
    assert_repr_matches(values.tolist(), dtype)


@pytest.fixture
def print_options():
    yield
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.usefixtures("print_options")
@pytest.mark.parametrize(
    "options", [{"precision": 2}, {"sci_mode": True}, {"threshold": 5, "edgeitems": 2}, {"linewidth": 30}]
)
def test_print_options_match_pytorch(options):
    ember.set_printoptions(**options)
    torch.set_printoptions(**options)
    for values in ([1.23456, 2.5, -3.0, 10.0, 0.5, 7.25, 8.0], [[1, 2, 3, 4], [5, 6, 7, 8]]):
        assert_repr_matches(values, "float32")
