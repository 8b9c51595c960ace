# SPDX-License-Identifier: BSD-3-Clause
"""Datasets and random_split beside torch.utils.data."""

from __future__ import annotations

import numpy as np
import pytest
from data_oracle import LIBS, assert_same, tdata, tensor_datasets, tensor_pair

import ember
import ember.data as edata


class Squares(edata.Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Count(edata.IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


@pytest.mark.parametrize("index", [0, 5, -1, slice(2, 7)])
def test_tensor_dataset_indexes_every_tensor(index):
    datasets = tensor_datasets()
    assert len(datasets["ember"]) == len(datasets["torch"]) == 23
    assert_same(list(datasets["ember"][index]), list(datasets["torch"][index]))


def test_tensor_dataset_size_mismatch():
    for ember_or_torch, data in LIBS.values():
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            data.TensorDataset(ember_or_torch.zeros(3), ember_or_torch.zeros(4))


def test_concat_dataset_indexes_across_parts():
    parts = [Squares(3), Squares(0), Squares(4)]
    ds = edata.ConcatDataset(parts)
    assert len(ds) == 7 and ds.cumulative_sizes == [3, 3, 7]
    assert [ds[i] for i in range(7)] == [0, 1, 4, 0, 1, 4, 9]
    assert ds[-1] == 9 and ds[-7] == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        ds[-8]
    assert len(Squares(2) + Squares(5)) == 7


def test_concat_dataset_rejects_empty_and_iterable():
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        edata.ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        edata.ConcatDataset([Squares(2), Count(0, 3)])


def test_chain_dataset_chains_streams():
    chain = Count(0, 3) + Count(10, 12)
    assert isinstance(chain, edata.ChainDataset)
    assert list(chain) == [0, 1, 2, 10, 11] and len(chain) == 5
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(edata.ChainDataset([Squares(2)]))


def test_subset_indexes_and_batches():
    sub = edata.Subset(Squares(10), [9, 3, 5])
    assert len(sub) == 3 and sub[0] == 81 and sub[-1] == 25
    assert sub.__getitems__([2, 0]) == [25, 81]
    t = edata.TensorDataset(ember.arange(10))
    assert edata.Subset(t, [4, 2])[[1, 0]][0].tolist() == [2, 4]


def test_subset_subclass_must_override_getitems():
    class Doubled(edata.Subset):
        def __getitem__(self, i):
            return 2 * super().__getitem__(i)

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Doubled(Squares(3), [0, 1])


def test_stack_dataset_tuple_and_dict():
    a, b = Squares(4), edata.TensorDataset(ember.arange(4))
    tuples = edata.StackDataset(a, b)
    assert tuples[2][0] == 4 and tuples[2][1][0].item() == 2
    assert [s[0] for s in tuples.__getitems__([3, 1])] == [9, 1]
    named = edata.StackDataset(square=a, data=b)
    assert named[1]["square"] == 1
    assert [s["square"] for s in named.__getitems__([0, 3])] == [0, 9]
    assert len(named) == 4


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((), {}, "At least one dataset should be passed"),
        ((Squares(2), Squares(3)), {}, "Size mismatch between datasets"),
        ((Squares(2),), {"b": Squares(2)}, "both types are given"),
    ],
)
def test_stack_dataset_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        edata.StackDataset(*args, **kwargs)


def test_stack_dataset_matches_torch():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    (ex, tx), (ey, ty) = tensor_pair(x), tensor_pair(np.arange(6))
    ours = edata.StackDataset(x=edata.TensorDataset(ex), y=edata.TensorDataset(ey))
    theirs = tdata.StackDataset(x=tdata.TensorDataset(tx), y=tdata.TensorDataset(ty))
    for i in range(6):
        assert_same({k: list(v) for k, v in ours[i].items()}, {k: list(v) for k, v in theirs[i].items()})


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [10]])
def test_random_split_sizes_match_torch_and_are_disjoint(lengths):
    splits = edata.random_split(range(10), lengths, generator=ember.Generator().manual_seed(0))
    reference = tdata.random_split(range(10), lengths, generator=LIBS["torch"][0].Generator().manual_seed(0))
    assert [len(s) for s in splits] == [len(s) for s in reference]
    seen = [i for s in splits for i in s]
    assert sorted(seen) == list(range(10))
    assert all(isinstance(s, edata.Subset) for s in splits)


def test_random_split_is_reproducible_with_a_generator():
    def split(seed):
        return [
            list(s) for s in edata.random_split(range(50), [0.2, 0.8], generator=ember.Generator().manual_seed(seed))
        ]

    assert split(3) == split(3)
    assert split(3) != split(4)


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        edata.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        edata.random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 2 is 0"):
        edata.random_split(range(2), [0.5, 0.5, 0.0])


def test_dataset_base_classes():
    with pytest.raises(NotImplementedError):
        edata.Dataset()[0]
    assert not hasattr(edata.Dataset(), "__len__")
    assert edata.Dataset[int] is not None  # generic, as in PyTorch
