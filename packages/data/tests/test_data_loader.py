# SPDX-License-Identifier: BSD-3-Clause
"""DataLoader in the main process beside torch's: the same batches, lengths
and argument errors."""

from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pytest
from data_oracle import LIBS, assert_same, tdata, tensor_datasets, torch

import ember
import ember.data as edata
from ember.data import _fetch


def batches(lib, dataset, **kwargs):
    return list(LIBS[lib][1].DataLoader(dataset, **kwargs))


def both(datasets, **kwargs):
    """Runs the same loader over each library's dataset; kwargs values may be
    {lib: value} for library-specific arguments."""
    pick = lambda lib: {k: v[lib] if isinstance(v, dict) and set(v) == set(LIBS) else v for k, v in kwargs.items()}  # noqa: E731
    return batches("ember", datasets["ember"], **pick("ember")), batches("torch", datasets["torch"], **pick("torch"))


@pytest.mark.parametrize("batch_size", [1, 4, 23, 50])
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_batches_match_torch(batch_size, drop_last):
    ours, theirs = both(tensor_datasets(), batch_size=batch_size, drop_last=drop_last)
    assert_same(ours, theirs)


def test_fast_path_equals_general_collation():
    dataset = tensor_datasets(n=40, features=5)["ember"]
    sampler = edata.BatchSampler(edata.RandomSampler(dataset, generator=ember.Generator().manual_seed(0)), 7, False)
    fast = _fetch.create_fetcher(False, dataset, True, edata.default_collate, False)
    general = _fetch.MapFetcher(dataset, True, edata.default_collate, False)
    assert isinstance(fast, _fetch.TensorDatasetFetcher)
    for indices in [*sampler, [3], [-1, 0, -40], [np.int64(5), np.int32(2)]]:
        assert_same(fast.fetch(indices), general.fetch(indices))
    with pytest.raises(IndexError):
        fast.fetch([0, 40])


def test_fast_path_through_subsets_equals_general_collation():
    dataset = tensor_datasets(n=30)["ember"]
    train, _ = edata.random_split(dataset, [0.7, 0.3], generator=ember.Generator().manual_seed(0))
    nested = edata.Subset(edata.Subset(dataset, list(range(29, -1, -1))), [0, 5, -1, 7, 2])
    for subset in (train, nested):
        fast = _fetch.create_fetcher(False, subset, True, edata.default_collate, False)
        assert isinstance(fast, _fetch.TensorDatasetFetcher)
        general = _fetch.MapFetcher(subset, True, edata.default_collate, False)
        for indices in [[0, 1, 2], [4, 3], [-1]]:
            assert_same(fast.fetch(indices), general.fetch(indices))
    with pytest.raises(IndexError):
        fast.fetch([0, 5])


def test_fast_path_respects_a_customized_collate_map():
    dataset = tensor_datasets(n=6)["ember"]
    table = edata.collate.default_collate_fn_map
    original = table[ember.Tensor]
    table[ember.Tensor] = lambda batch, *, collate_fn_map=None: "custom"
    try:
        assert list(edata.DataLoader(dataset, batch_size=3))[0] == ["custom", "custom"]
    finally:
        table[ember.Tensor] = original


def test_shuffled_loader_is_a_permutation_and_follows_its_generator():
    dataset = edata.TensorDataset(ember.arange(50))

    def order(seed):
        loader = edata.DataLoader(dataset, batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(seed))
        return [i for (batch,) in loader for i in batch.tolist()]

    assert sorted(order(0)) == list(range(50))
    assert order(0) == order(0) and order(0) != order(1)


def test_custom_collate_and_python_samples_match_torch():
    data = [{"x": np.float32(i), "label": f"l{i}", "pair": (i, i * 2)} for i in range(10)]
    ours, theirs = both({"ember": data, "torch": data}, batch_size=3)
    assert_same(ours, theirs)
    collate = lambda batch: [len(batch), batch[0]["label"]]  # noqa: E731
    ours, theirs = both({"ember": data, "torch": data}, batch_size=4, collate_fn=collate)
    assert ours == theirs == [[4, "l0"], [4, "l4"], [2, "l8"]]


def test_batch_sampler_matches_torch():
    datasets = tensor_datasets(n=12)
    order = [[3, 1], [0, 11, 5], [7]]
    ours, theirs = both(datasets, batch_sampler=order)
    assert_same(ours, theirs)
    loader = edata.DataLoader(datasets["ember"], batch_sampler=order)
    assert len(loader) == 3 and loader.batch_size is None and loader.drop_last is False


def test_no_auto_batching_matches_torch():
    datasets = tensor_datasets(n=5)
    ours, theirs = both(datasets, batch_size=None)
    assert_same(ours, theirs)
    data = [np.arange(2) + i for i in range(3)]
    ours, theirs = both({"ember": data, "torch": data}, batch_size=None)
    assert_same(ours, theirs)


def test_sampler_argument_matches_torch():
    datasets = tensor_datasets(n=10)
    ours, theirs = both(datasets, batch_size=3, sampler=[9, 0, 4, 4, 2])
    assert_same(ours, theirs)


class Stream(edata.IterableDataset):
    def __init__(self, n, reported=None):
        self.n, self.reported = n, reported

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n if self.reported is None else self.reported


class TorchStream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("batch_size, drop_last", [(None, False), (1, False), (3, False), (3, True)])
def test_iterable_dataset_matches_torch(batch_size, drop_last):
    ours = list(edata.DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last))
    theirs = list(tdata.DataLoader(TorchStream(10), batch_size=batch_size, drop_last=drop_last))
    assert_same(ours, theirs)
    assert len(edata.DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last)) == len(
        tdata.DataLoader(TorchStream(10), batch_size=batch_size, drop_last=drop_last)
    )


def test_iterable_dataset_longer_than_reported_warns():
    loader = edata.DataLoader(Stream(5, reported=3), batch_size=None)
    assert len(loader) == 3
    with pytest.warns(UserWarning, match="was reported to be 3"):
        assert len(list(loader)) == 5


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (1, 5, False)])
def test_len_matches_torch(n, batch_size, drop_last):
    datasets = tensor_datasets(n=n)
    ours = edata.DataLoader(datasets["ember"], batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(datasets["torch"], batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))
    assert len(iter(ours)) == len(ours)


ARGUMENT_ERRORS = [
    ({"num_workers": -1}, ValueError, "num_workers option should be non-negative"),
    ({"timeout": -1}, ValueError, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, ValueError, "prefetch_factor option could only be specified in multiprocessing"),
    ({"num_workers": 1, "prefetch_factor": -1}, ValueError, "prefetch_factor option should be non-negative"),
    ({"persistent_workers": True}, ValueError, "persistent_workers option needs num_workers > 0"),
    ({"sampler": [0, 1], "shuffle": True}, ValueError, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, ValueError, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "shuffle": True}, ValueError, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, ValueError, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, ValueError, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, ValueError, "batch_size=None option disables auto-batching"),
    ({"batch_size": 0}, ValueError, "batch_size should be a positive integer value"),
    ({"multiprocessing_context": "fork"}, ValueError, "multiprocessing_context can only be used with multi-process"),
    ({"num_workers": 1, "multiprocessing_context": "bogus"}, ValueError, "should specify a valid start method"),
    ({"num_workers": 1, "multiprocessing_context": 3}, TypeError, "should be a valid context object"),
]


@pytest.mark.parametrize("kwargs, error, message", ARGUMENT_ERRORS)
def test_argument_errors_match_torch(kwargs, error, message):
    datasets = tensor_datasets(n=4)
    for lib in LIBS:
        with pytest.raises(error, match=message):
            LIBS[lib][1].DataLoader(datasets[lib], **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"shuffle": True}, "expected unspecified shuffle option, but got shuffle=True"),
        ({"sampler": [0]}, r"expected unspecified sampler option, but got sampler=\[0\]"),
        ({"batch_sampler": [[0]]}, "expected unspecified batch_sampler option"),
    ],
)
def test_iterable_dataset_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        edata.DataLoader(Stream(3), **kwargs)
    with pytest.raises(ValueError, match=message):
        tdata.DataLoader(TorchStream(3), **kwargs)


def test_settings_are_frozen_after_construction():
    loader = edata.DataLoader(tensor_datasets(n=4)["ember"], batch_size=2)
    for name in ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"]:
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after DataLoader is initialized"):
            setattr(loader, name, None)
    loader.num_workers = 0  # not frozen, as in PyTorch


def test_options_are_stored():
    context = multiprocessing.get_context("spawn")
    loader = edata.DataLoader(
        tensor_datasets(n=4)["ember"], num_workers=1, multiprocessing_context=context, pin_memory=True, timeout=3
    )
    assert loader.multiprocessing_context is context and loader.prefetch_factor == 2
    assert loader.pin_memory is True and loader.timeout == 3 and loader.in_order is True
    assert edata.DataLoader(range(3), num_workers=1, multiprocessing_context="fork").multiprocessing_context is (
        multiprocessing.get_context("fork")
    )


def test_more_workers_than_cpus_warns():
    with pytest.warns(UserWarning, match=r"This DataLoader will create \d+ worker processes in total"):
        edata.DataLoader(range(3), num_workers=(os.cpu_count() or 1) + 1)


def test_pin_memory_changes_nothing():
    dataset = tensor_datasets(n=6)["ember"]
    assert_same(
        list(edata.DataLoader(dataset, batch_size=4, pin_memory=True)), list(edata.DataLoader(dataset, batch_size=4))
    )


def test_iterator_cannot_be_pickled():
    import pickle

    with pytest.raises(NotImplementedError, match="cannot be pickled"):
        pickle.dumps(iter(edata.DataLoader(range(3))))


def test_get_worker_info_is_none_in_the_main_process():
    assert edata.get_worker_info() is None
    assert torch.utils.data.get_worker_info() is None
