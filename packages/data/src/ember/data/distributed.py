# SPDX-License-Identifier: BSD-3-Clause
"""DistributedSampler: each of ``num_replicas`` processes loads its own
share of a dataset (``torch.utils.data.distributed``)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import ember

from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """The indices of rank ``rank`` out of ``num_replicas``: every
    ``num_replicas``-th index of one shared (optionally shuffled) order.

    The order is padded by repeating its start (or, with ``drop_last``,
    trimmed) so every rank gets the same number of indices.

    Parameters
    ----------
    dataset : Dataset
        The dataset (only its length is used); it must keep its size.
    num_replicas : int
        The number of processes. ember has no process-group package yet, so
        this (and ``rank``) must be given.
    rank : int
        This process's rank, in ``[0, num_replicas - 1]``.
    shuffle : bool, default True
        Shuffle with a generator seeded by ``seed + epoch``: the same order
        on every rank, a new one per epoch.
    seed : int, default 0
        The shuffle seed; must be the same on all ranks.
    drop_last : bool, default False
        Trim the tail instead of padding.

    Notes
    -----
    Call :meth:`set_epoch` before each epoch's iterator is created, or every
    epoch uses the same order.
    """

    def __init__(
        self,
        dataset: Dataset,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            raise RuntimeError(
                "Requires distributed package to be available: ember has no process groups yet, "
                "pass num_replicas and rank explicitly"
            )
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            # the largest share every rank can have without repeats
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            generator = ember.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = ember.randperm(n, generator=generator).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            padding = self.total_size - len(indices)
            indices += (indices * math.ceil(padding / len(indices)))[:padding] if padding else []
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch, which (with ``seed``) picks this epoch's order."""
        self.epoch = epoch
