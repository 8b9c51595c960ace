# SPDX-License-Identifier: BSD-3-Clause
"""default_collate and default_convert beside PyTorch's on nested samples."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from data_oracle import assert_same, tdata, torch

import ember
import ember.data as edata

Point = collections.namedtuple("Point", ["x", "y"])


class Frozen(collections.abc.Mapping):
    """A read-only mapping that cannot be built from a dict (falls back to dict)."""

    def __init__(self, **items):
        self._data = items

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


def samples(lib):
    """Three samples of every kind default_collate handles, for one library."""
    mod = ember if lib == "ember" else torch
    rng = np.random.default_rng(0)
    out = []
    for i in range(3):
        image = rng.standard_normal((2, 3)).astype(np.float32)
        out.append(
            {
                "tensor": mod.from_numpy(image.copy()),
                "int_tensor": mod.tensor([i, i + 1]),
                "array": np.arange(4, dtype=np.int32) * i,
                "float64_array": rng.standard_normal(2),
                "np_float32": np.float32(i / 3),
                "np_int16": np.int16(i),
                "np_bool": np.bool_(i % 2),
                "float": i * 0.5,
                "int": i,
                "bool": bool(i % 2),
                "str": f"s{i}",
                "bytes": b"b",
                "point": Point(mod.tensor(float(i)), i),
                "tuple": (i, mod.zeros(2) + i),
                "list": [i, [f"{i}", 2.5 * i]],
                "ordered": collections.OrderedDict(b=i, a=np.float64(i)),
                "frozen": Frozen(k=i),
            }
        )
    return out


def test_default_collate_nested_structures_match_torch():
    ours = edata.default_collate(samples("ember"))
    theirs = tdata.default_collate(samples("torch"))
    assert_same(ours, theirs)
    assert type(ours["ordered"]) is collections.OrderedDict
    assert type(ours["point"]) is Point
    assert type(ours["frozen"]) is dict


@pytest.mark.parametrize(
    "batch",
    [[0, 1, 2, 3], [0.5, 1.5], [True, False], ["a", "b"], [(0, 1), (2, 3)], [[0, 1], [2, 3]], [{"A": 0, "B": 1}]],
)
def test_default_collate_simple_batches_match_torch(batch):
    assert_same(edata.default_collate(batch), tdata.default_collate(batch))


def test_default_collate_numpy_batches_match_torch():
    for batch in [
        [np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)],
        [np.int64(4), np.int64(5)],
        [np.float64(1.5), np.float64(2)],
        [np.uint8(3)],
    ]:
        assert_same(edata.default_collate(batch), tdata.default_collate(batch))


def test_default_collate_stacks_tensors():
    batch = [ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])]
    out = edata.default_collate(batch)
    assert out.shape == (2, 2) and out.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        edata.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        edata.default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        edata.default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        edata.default_collate([ember.zeros(2), ember.zeros(3)])


def test_collate_fn_map_extension():
    class Token:
        def __init__(self, v):
            self.v = v

    def collate_tokens(batch, *, collate_fn_map=None):
        return [t.v for t in batch]

    table = {**edata.collate.default_collate_fn_map, Token: collate_tokens}
    out = edata.collate.collate([(Token(1), 2), (Token(3), 4)], collate_fn_map=table)
    assert out[0] == [1, 3] and out[1].tolist() == [2, 4]


def test_default_convert_matches_torch():
    for data in [
        np.arange(3),
        np.float32(2.5),
        {"a": np.ones(2), "b": [np.zeros(1), "text"]},
        Point(np.array(0), np.array(1)),
        (np.arange(2), 3),
        [np.arange(2), np.arange(2)],
        "text",
        7,
        np.array(["a", "b"]),
    ]:
        assert_same(edata.default_convert(data), tdata.default_convert(data))
    tensor = ember.ones(2)
    assert edata.default_convert(tensor) is tensor
