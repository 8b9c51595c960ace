# SPDX-License-Identifier: BSD-3-Clause
"""DataLoader: batches of a dataset, loaded in the main process or in
worker processes (``torch.utils.data.dataloader``)."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.context
import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import ember

from ._loader_iter import BaseLoaderIter, SingleProcessLoaderIter
from ._multiprocess_iter import MultiProcessLoaderIter
from ._worker import get_worker_info
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)

# fixed once the loader is built: its iterators and len() depend on them
_FROZEN_ATTRIBUTES = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the sampler of an iterable dataset, whose batches
    are as many ``next()`` calls as there are Nones in the batch."""

    def __iter__(self):
        while True:
            yield None


def _usable_cpus() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


class DataLoader(Generic[T_co]):
    """Iterates over a dataset in batches, as ``torch.utils.data.DataLoader``.

    Parameters
    ----------
    dataset : Dataset
        A map-style dataset (``__getitem__``, ``__len__``) or an
        :class:`IterableDataset`.
    batch_size : int or None, default 1
        Samples per batch; None turns automatic batching off (each sample is
        passed through ``collate_fn``, by default :func:`default_convert`).
    shuffle : bool, optional
        A new random order every epoch (a :class:`RandomSampler`).
    sampler : Sampler or iterable, optional
        The order of the indices; excludes ``shuffle``.
    batch_sampler : Sampler or iterable, optional
        Yields whole lists of indices; excludes ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``.
    num_workers : int, default 0
        Worker processes that load batches; 0 loads in the main process.
    collate_fn : callable, optional
        Merges a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool, default False
        Accepted for compatibility. It changes nothing: ember's CPU tensors
        need no pinning and this version never copies batches into
        page-locked memory.
    drop_last : bool, default False
        Drop the last batch when it is shorter than ``batch_size``.
    timeout : float, default 0
        With workers: seconds to wait for a batch before RuntimeError (0 waits
        as long as the workers live).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker after seeding,
        before loading.
    multiprocessing_context : str or multiprocessing context, optional
        The start method of the workers. Default: the one set with
        ``multiprocessing.set_start_method``, else ``"fork"`` on Linux (as
        PyTorch), else the platform's default.
    generator : Generator, optional
        Draws the :class:`RandomSampler`'s order and the workers' base seed.
    prefetch_factor : int, optional
        Batches in flight per worker (default 2 with workers); only with
        ``num_workers > 0``.
    persistent_workers : bool, default False
        Keep the workers (and their dataset copies) from one epoch to the next.
    pin_memory_device : str, default ""
        Accepted for compatibility and ignored (deprecated in PyTorch).
    in_order : bool, default True
        With workers: False delivers batches as they are ready instead of in
        sampler order.

    Notes
    -----
    Each worker seeds ember and ``random`` with ``base_seed + worker_id`` and
    numpy's global generator with a mix of both, where ``base_seed`` is drawn
    from ``generator`` (or the global generator) once per iterator; it runs
    ember with one thread. Batches reach the main process by pickling.
    """

    _initialized = False

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable | None = None,
        batch_sampler: Sampler[list] | Iterable[list] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context=None,
        generator: ember.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing. let num_workers > 0 to "
                "enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._reported_len: int | None = None  # len(self) of an iterable dataset, for a warning
        self._iterator: MultiProcessLoaderIter | None = None
        self._initialized = True
        self.check_worker_number_rationality()

    # ------------------------------------------------------------ settings

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                    f"but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        f"multiprocessing_context option should specify a valid start method in {methods!r}, "
                        f"but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string specifying "
                    f"the start method, but got multiprocessing_context={context}"
                )
        self._multiprocessing_context = context

    def __setattr__(self, name: str, value) -> None:
        if self._initialized and name in _FROZEN_ATTRIBUTES:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    # ------------------------------------------------------------ iteration

    def _get_iterator(self) -> BaseLoaderIter:
        if self.num_workers == 0:
            return SingleProcessLoaderIter(self)
        self.check_worker_number_rationality()
        return MultiProcessLoaderIter(self)

    def __iter__(self) -> BaseLoaderIter:
        if self.persistent_workers and self.num_workers > 0:
            old = self._iterator
            # first epoch, or a worker died (reported, or not noticed yet: its answers may be unreadable)
            if old is None or old._shutdown or not all(w.is_alive() for w in old._workers):
                if old is not None:
                    old._shutdown_workers()
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if not self._is_iterable:
            return len(self._index_sampler)
        # an estimate: each worker may end with its own short batch
        length = self._reported_len = len(self.dataset)
        if self.batch_size is not None:
            length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
        return length

    def check_worker_number_rationality(self) -> None:
        """Warns when there are more workers than usable CPUs."""
        if not self.num_workers:
            return
        cpus = _usable_cpus()
        if cpus is not None and self.num_workers <= cpus:
            return
        suggestion = (
            f"Our suggested max number of worker in current system is {cpus}, which is smaller than what this "
            "DataLoader is going to create."
            if cpus is not None
            else "DataLoader is not able to compute a suggested max number of worker in current system."
        )
        warnings.warn(
            f"This DataLoader will create {self.num_workers} worker processes in total. {suggestion} Please be "
            "aware that excessive worker creation might get DataLoader running slow or even freeze, lower the "
            "worker number to avoid potential slowness/freeze if necessary.",
            stacklevel=2,
        )
