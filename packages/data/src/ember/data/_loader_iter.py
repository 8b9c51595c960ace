# SPDX-License-Identifier: BSD-3-Clause
"""What ``iter(DataLoader)`` returns: the state shared by both kinds of
iterator, and the single-process one (``num_workers=0``)."""

from __future__ import annotations

import warnings

import ember

from ._fetch import create_fetcher


class BaseLoaderIter:
    """One pass over a DataLoader: the sampler's iterator and the counts."""

    def __init__(self, loader) -> None:
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        self._sampler_iter = iter(self._index_sampler)
        # drawn for every iterator, workers or not, so the loader's generator
        # advances the same way whatever num_workers is
        self._base_seed = int(ember.empty((), dtype=ember.int64).random_(generator=loader.generator).item())
        self._reported_len = loader._reported_len
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._reported_len = loader._reported_len
        self._num_yielded = 0

    def _next_index(self):
        return next(self._sampler_iter)  # StopIteration ends the pass

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._is_iterable and self._reported_len is not None and self._num_yielded > self._reported_len:
            message = (
                f"Length of IterableDataset {self._dataset} was reported to be {self._reported_len} "
                f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. "
            )
            if self._num_workers > 0:
                message += (
                    "For multiprocessing data-loading, this could be caused by not properly configuring the "
                    "IterableDataset replica at each worker (see ember.data.get_worker_info)."
                )
            warnings.warn(message, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class SingleProcessLoaderIter(BaseLoaderIter):
    """Loads each batch in the calling process when it is asked for."""

    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._fetcher = create_fetcher(
            self._is_iterable, self._dataset, self._auto_collation, self._collate_fn, self._drop_last
        )

    def _next_data(self):
        return self._fetcher.fetch(self._next_index())
