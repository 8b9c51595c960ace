# SPDX-License-Identifier: BSD-3-Clause
"""Fetchers: turn what the sampler yields (an index, a list of indices, or
nothing for an iterable dataset) into a collated batch. The same code runs
in the main process and in workers."""

from __future__ import annotations

import numpy as np

import ember

from . import collate
from .dataset import Subset, TensorDataset


class MapFetcher:
    """Indexes a map-style dataset: one ``__getitems__`` call per batch when
    the dataset has it, else one ``__getitem__`` per index."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            data = getitems(possibly_batched_index)
        else:
            data = [self.dataset[i] for i in possibly_batched_index]
        return self.collate_fn(data)


def _stock_default_collate(sample: tuple) -> bool:
    """Whether default_collate would merge ``sample``-like tuples of tensors
    by stacking each position: no user entry in the map changes that."""
    table = collate.default_collate_fn_map
    if table.get(ember.Tensor) is not collate.collate_tensor_fn:
        return False
    return not any(isinstance(sample, kind) for kind in table)


def _underlying_tensor_dataset(dataset) -> TensorDataset | None:
    """The TensorDataset that ``dataset`` is, or is a chain of Subsets of
    (exact types: a subclass may index its own way); else None."""
    while type(dataset) is Subset:
        dataset = dataset.dataset
    return dataset if type(dataset) is TensorDataset else None


class TensorDatasetFetcher(MapFetcher):
    """A TensorDataset (or Subsets of one, as random_split makes) under
    default_collate: the batch is ``[t.index_select(0, rows) for t in
    tensors]``, one gather per tensor instead of a Python-level index and a
    stack per sample. The result equals the general path's; batches it cannot
    take (indices that are not in-range integers, a customized collate map)
    go the general way, which also raises its errors."""

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            batch = self._gather(possibly_batched_index)
            if batch is not None:
                return batch
        return super().fetch(possibly_batched_index)

    def _gather(self, indices) -> list | None:
        dataset = self.dataset
        while type(dataset) is Subset:
            try:
                indices = [dataset.indices[i] for i in indices]
            except Exception:
                return None
            dataset = dataset.dataset
        tensors = dataset.tensors
        if not tensors or not all(type(t) is ember.Tensor for t in tensors) or not _stock_default_collate(()):
            return None
        rows = np.asarray(indices)
        if rows.ndim != 1 or not rows.size or rows.dtype.kind not in "iu":
            return None
        if rows.min() < 0 or rows.max() >= len(dataset):
            return None
        rows = ember.from_numpy(rows.astype(np.int64, copy=False))
        return [t.index_select(0, rows) for t in tensors]


class IterableFetcher:
    """Pulls the next samples from one iterator over an iterable dataset."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in possibly_batched_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(is_iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    """The fetcher for a dataset of this kind."""
    if is_iterable:
        return IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    if collate_fn is collate.default_collate and _underlying_tensor_dataset(dataset) is not None:
        return TensorDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
    return MapFetcher(dataset, auto_collation, collate_fn, drop_last)
