# SPDX-License-Identifier: BSD-3-Clause
"""Views: random chains of view ops run on an ember tensor and, in lockstep,
on a PyTorch tensor with the same values. After each step shape, strides,
storage offset, contiguity and values must agree (or both raise); at the end a
write through the view must change the same elements of the base (views share
storage, reshape copies only when PyTorch does) and bump the same version."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ember


def state(t):
    """What a view is: its layout and values, comparable across libraries
    (an empty tensor's strides and offset mean nothing)."""
    layout = (tuple(t.stride()), t.storage_offset(), t.is_contiguous()) if t.numel() else ()
    return tuple(t.shape), layout, t.numpy().tolist()


def wrap(d, n):
    return d % max(n, 1) if n else 0


# ---- drawing one view op for the current shape ------------------------------------------
def _new_shape(draw, shape):
    """A shape with the same number of elements (maybe with one -1)."""
    shape = list(shape)
    nd = len(shape)
    kind = draw(st.sampled_from(["merge", "split", "add1", "drop1", "infer", "flat"]))
    if kind == "merge" and nd >= 2:
        i = draw(st.integers(0, nd - 2))
        return shape[:i] + [shape[i] * shape[i + 1]] + shape[i + 2 :]
    if kind == "split" and nd >= 1:
        i = draw(st.integers(0, nd - 1))
        divisors = [d for d in range(1, shape[i] + 1) if shape[i] % d == 0] or [1]
        a = draw(st.sampled_from(divisors))
        return shape[:i] + [a, shape[i] // a if a else 0] + shape[i + 1 :]
    if kind == "add1":
        i = draw(st.integers(0, nd))
        return shape[:i] + [1] + shape[i:]
    if kind == "drop1" and 1 in shape:
        shape.remove(1)
        return shape
    if kind == "infer" and nd >= 1 and 0 not in shape:
        shape[draw(st.integers(0, nd - 1))] = -1
        return shape
    return [-1] if 0 not in shape else [math.prod(shape)]


def _slice(draw, size):
    start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
    stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
    return slice(start, stop, draw(st.sampled_from([None, 1, 2, 3])))


@st.composite
def view_op(draw, shape):
    """(name, args) of a view op valid-or-invalid for ``shape``; args may be
    out of range so that both libraries must raise."""
    nd, n = len(shape), max(len(shape), 1)
    dim = st.integers(-n, n - 1)
    names = ["transpose", "permute", "unsqueeze", "squeeze", "flatten", "view", "reshape", "expand", "index"]
    names += ["narrow", "select", "unflatten"] * (nd > 0) + ["t"] * (nd <= 2) + ["T"] * (nd == 2) + ["mT"] * (nd >= 2)
    names += ["contiguous", "unbind"]
    name = draw(st.sampled_from(names))
    if name == "transpose":
        return name, (draw(dim), draw(dim))
    if name == "permute":
        return name, (tuple(draw(st.permutations(range(nd)))),)
    if name == "unsqueeze":
        return name, (draw(st.integers(-nd - 1, nd)),)
    if name == "squeeze":
        return name, draw(
            st.one_of(
                st.just(()),
                dim.map(lambda d: (d,)),
                st.lists(dim, max_size=2, unique=True).map(lambda ds: (tuple(ds),)),
            )
        )
    if name == "flatten":
        return name, (draw(dim), draw(dim))
    if name in ("view", "reshape"):
        return name, (tuple(_new_shape(draw, shape)),)
    if name == "expand":
        sizes = [draw(st.sampled_from([0, 2, 3, -1])) if s == 1 else draw(st.sampled_from([s, -1])) for s in shape]
        return name, (tuple([draw(st.integers(1, 2))] * draw(st.integers(0, 1)) + sizes),)
    if name == "narrow":
        d = draw(dim)
        size = shape[wrap(d, nd)]
        start = draw(st.integers(-size, size))
        return name, (d, start, draw(st.integers(0, size - (start % size if size and start < 0 else start) + 1)))
    if name == "select":
        d = draw(dim)
        size = shape[wrap(d, nd)]
        return name, (d, draw(st.integers(-size - 1, size)))
    if name == "unflatten":
        d = draw(dim)
        size = shape[wrap(d, nd)]
        a = draw(st.sampled_from([k for k in range(1, size + 1) if size % k == 0] or [1]))
        return name, (d, (a, -1) if size else (1, 0))
    if name == "index":
        parts = [
            draw(st.one_of(_slice_strategy(s), st.integers(-s, s - 1) if s else _slice_strategy(s))) for s in shape
        ]
        parts = parts[: draw(st.integers(0, nd))]
        if draw(st.booleans()):
            parts.insert(draw(st.integers(0, len(parts))), None)
        if draw(st.booleans()):
            parts.insert(draw(st.integers(0, len(parts))), Ellipsis)
        return name, (tuple(parts),)
    if name == "unbind":
        return name, (draw(dim),)
    return name, ()


def _slice_strategy(size):
    return st.builds(
        slice,
        st.one_of(st.none(), st.integers(-size - 1, size + 1)),
        st.one_of(st.none(), st.integers(-size - 1, size + 1)),
        st.sampled_from([None, 1, 2, 3]),
    )


def apply(t, name, args):
    """The same call on an ember or a PyTorch tensor."""
    if name == "index":
        return t[args[0]]
    if name in ("T", "mT"):
        return getattr(t, name)
    if name == "unbind":
        parts = t.unbind(*args)
        return parts[len(parts) // 2] if parts else t
    return getattr(t, name)(*args)


initial = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@given(data=st.data(), shape=initial, steps=st.integers(1, 5))
def test_view_chains_match_pytorch(data, shape, steps):
    values = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    e_base, t_base = ember.tensor(values), torch.tensor(values)
    e, t = e_base, t_base
    for _ in range(steps):
        name, args = data.draw(view_op(tuple(t.shape)), label="op")
        try:
            t = apply(t, name, args)
        except (RuntimeError, IndexError, TypeError) as err:
            with pytest.raises(type(err)):
                apply(e, name, args)
            return
        e = apply(e, name, args)
        assert state(e) == state(t), (name, args)
    # a write through the result reaches the same elements of the base
    if e.numel() == 0:
        return  # test_writing_into_an_empty_expanded_tensor_is_allowed
    t_version, e_version = t_base._version, e_base._version
    try:
        t.add_(1000)
    except RuntimeError:  # an expanded view can't be written
        with pytest.raises(RuntimeError, match="single memory location"):
            e.add_(1000)
        return
    e.add_(1000)
    assert e_base.numpy().tolist() == t_base.numpy().tolist()
    assert e.numpy().tolist() == t.numpy().tolist()
    assert e_base._version - e_version == t_base._version - t_version


# ---- single ops ---------------------------------------------------------------------
def test_negative_step_raises_value_error():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        ember.arange(5)[::-1]
    with pytest.raises(ValueError):
        ember.zeros(3, 3)[:, ::0]


def test_view_of_incompatible_strides_raises_and_reshape_copies():
    x = ember.arange(6).reshape(2, 3).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)
    r = x.reshape(6)
    assert r.tolist() == [0, 3, 1, 4, 2, 5]
    r.fill_(0)
    assert x.tolist() == [[0, 3], [1, 4], [2, 5]]  # a copy


@pytest.mark.parametrize("shape", [(1, 1), (1,), ()])
def test_zero_dim_tensors_view_as_any_size_one_shape(shape):
    x = ember.tensor(5.0)
    v = x.view(*shape)
    assert tuple(v.shape) == shape and v.data_ptr() == x.data_ptr()


@given(data=st.data())
def test_as_strided_matches_numpy(data):
    n = data.draw(st.integers(1, 24))
    base = np.arange(n, dtype=np.int64)
    nd = data.draw(st.integers(0, 3))
    sizes = data.draw(st.lists(st.integers(0, 4), min_size=nd, max_size=nd))
    strides = data.draw(st.lists(st.integers(0, 4), min_size=nd, max_size=nd))
    offset = data.draw(st.integers(0, n))
    last = offset + sum((s - 1) * st_ for s, st_ in zip(sizes, strides)) if 0 not in sizes else offset - 1
    x = ember.from_numpy(base)
    if last >= n:
        with pytest.raises(RuntimeError, match="storage"):
            x.as_strided(sizes, strides, offset)
        return
    want = np.lib.stride_tricks.as_strided(base[offset:], sizes, [s * 8 for s in strides])
    got = ember.as_strided(x, sizes, strides, offset)
    assert got.tolist() == want.tolist()
    assert got.stride() == tuple(strides) and got.storage_offset() == offset


@pytest.mark.parametrize(
    "sizes, strides, contiguous",
    [((2, 3), (3, 1), True), ((2, 3), (1, 2), False), ((3, 1), (1, 7), True), ((), (), True), ((0, 3), (9, 9), True)],
)
def test_is_contiguous_matches_pytorch(sizes, strides, contiguous):
    e = ember.zeros(64).as_strided(sizes, strides)
    t = torch.zeros(64).as_strided(sizes, strides)
    assert e.is_contiguous() == t.is_contiguous() == contiguous
    c = e.contiguous()
    assert c.is_contiguous() and (c is e) == contiguous


def test_views_share_storage_and_version():
    x = ember.zeros(3, 4)
    views = [
        x[1],
        x[:, 2],
        x.t(),
        x.view(12),
        x.unsqueeze(0),
        x.narrow(1, 1, 2),
        x.select(0, 2),
        x.T,
        x.mT,
        x[..., None],
    ]
    for i, v in enumerate(views):
        before = x._version
        v.fill_(i + 1)
        assert x._version == before + 1 and v._version == x._version
        assert (x == i + 1).any().item()


def test_setitem_writes_through_and_broadcasts():
    x = ember.zeros(2, 3)
    version = x._version
    x[0] = 5
    x[:, 1] = ember.tensor([7.0, 8.0])
    x[1, ::2] = ember.tensor(9.0)
    assert x.tolist() == [[5, 7, 5], [9, 8, 9]]
    assert x._version == version + 3


def test_writing_into_an_empty_expanded_tensor_is_allowed():
    x = ember.zeros(1, 0).expand(3, 0)
    assert x.add_(1) is x


def test_filling_an_expanded_tensor_is_allowed():
    base = ember.zeros(1)
    x = base.expand(3)
    assert x.fill_(2) is x and base.tolist() == [2.0]
    assert x.zero_() is x and base.tolist() == [0.0]


FACTORIES = {
    "zeros": lambda: ember.zeros(2),
    "ones": lambda: ember.ones(2, dtype=ember.int8),
    "full": lambda: ember.full((2,), 3.0),
    "empty": lambda: ember.empty(2),
    "eye": lambda: ember.eye(3),
    "arange": lambda: ember.arange(4),
    "linspace": lambda: ember.linspace(0, 1, 5),
    "rand": lambda: ember.rand(3),
    "randn": lambda: ember.randn(3),
    "randint": lambda: ember.randint(5, (3,)),
    "normal": lambda: ember.normal(0.0, 1.0, (3,)),
    "randperm": lambda: ember.randperm(4),
    "tensor_of_a_list": lambda: ember.tensor([1.0, 2.0]),
    "tensor_of_an_array": lambda: ember.tensor(np.zeros(2, dtype=np.float32)),
    "clone": lambda: ember.ones(2).clone(),
    "zeros_like": lambda: ember.zeros_like(ember.ones(2)),
    "result_of_an_op": lambda: ember.ones(2) + 1,
}


@pytest.mark.parametrize("make", FACTORIES.values(), ids=FACTORIES.keys())
def test_fresh_tensors_start_at_version_zero(make):
    assert make()._version == 0  # as in PyTorch


def test_getitem_errors():
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        x[2]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="ellipsis"):
        x[..., ...]


def test_expand_errors_and_broadcast_to():
    x = ember.zeros(3, 1)
    assert tuple(ember.broadcast_to(x, (2, 3, 4)).shape) == (2, 3, 4)
    assert x.expand_as(ember.zeros(3, 5)).stride() == (1, 0)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(4\) must match the existing size \(3\)"):
        x.expand(4, 1)
    with pytest.raises(RuntimeError, match="number of sizes"):
        x.expand(3)


def test_flatten_squeeze_unsqueeze_permute_errors():
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match="duplicate"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="does not match"):
        x.permute(0)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(1, 0)
    with pytest.raises(RuntimeError, match="expects a tensor with <= 2 dimensions"):
        ember.zeros(2, 2, 2).t()
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        x.reshape(4)


def test_narrow_and_select_errors_match_pytorch():
    for lib in (ember, torch):
        x = lib.zeros(5)
        with pytest.raises(RuntimeError, match=r"start \(3\) \+ length \(4\) exceeds dimension size \(5\)"):
            x.narrow(0, 3, 4)
        with pytest.raises(IndexError):
            x.narrow(0, 6, 0)
        with pytest.raises(IndexError):
            x.select(0, 5)
        with pytest.raises(IndexError):
            lib.tensor(1.0).select(0, 0)


def test_view_as_and_reshape_as():
    x = ember.arange(6)
    assert tuple(x.view_as(ember.zeros(2, 3)).shape) == (2, 3)
    assert tuple(x.reshape_as(ember.zeros(3, 2)).shape) == (3, 2)


@pytest.mark.parametrize(
    ("src", "dst", "shape"),
    [
        ("float32", "int32", (3, 4)),
        ("float32", "int16", (3, 4)),
        ("int64", "float32", (2, 3)),
        ("bfloat16", "int16", (5,)),
        ("uint8", "int32", (2, 8)),
    ],
)
def test_view_as_another_dtype_matches_pytorch(src, dst, shape):
    base = torch.arange(int(np.prod(shape)), dtype=torch.int64).reshape(shape).to(getattr(torch, src))
    want = base.view(getattr(torch, dst))
    e = ember.from_dlpack(base.clone())
    got = e.view(getattr(ember, dst))
    assert tuple(got.shape) == tuple(want.shape) and got.stride() == want.stride()
    assert got.dtype is getattr(ember, dst)
    np.testing.assert_array_equal(got.float().numpy() if dst == "bfloat16" else got.numpy(), want.numpy())
    assert got._storage_ptr() == e._storage_ptr()  # shares memory


def test_view_as_a_wider_dtype_needs_a_contiguous_last_dim():
    with pytest.raises(RuntimeError, match="stride"):
        ember.zeros(4, 4).t().view(ember.int64)
