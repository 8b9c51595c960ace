# SPDX-License-Identifier: BSD-3-Clause
"""Samplers: which dataset indices a DataLoader loads, in which order
(``torch.utils.data.sampler``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import ember

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)

# RandomSampler draws indices with replacement this many at a time
_DRAW_CHUNK = 32


class Sampler(Generic[T_co]):
    """Base class of samplers: ``__iter__`` yields indices (or lists of
    indices, for batch samplers); ``__len__`` is optional.

    There is deliberately no default ``__len__`` (see :class:`Dataset`).
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


def _is_positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _fresh_generator() -> ember.Generator:
    """A generator seeded from the global one, so each epoch of an unseeded
    sampler is a new permutation and ``ember.manual_seed`` reproduces it."""
    seed = int(ember.empty((), dtype=ember.int64).random_().item())
    generator = ember.Generator()
    generator.manual_seed(seed)
    return generator


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``.

    Parameters
    ----------
    data_source : Sized
        The dataset (only its length is used).
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices: a fresh permutation per pass, or draws with replacement.

    Parameters
    ----------
    data_source : Sized
        The dataset (only its length is used).
    replacement : bool, default False
        Draw each index independently instead of permuting.
    num_samples : int, optional
        How many indices to yield (default: ``len(data_source)``); without
        replacement, more than the length chains several permutations.
    generator : Generator, optional
        The generator to draw from (default: a new one per pass, seeded from
        the global generator).
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: ember.Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        # read at each pass: the dataset may grow or shrink
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = self.generator if self.generator is not None else _fresh_generator()
        if self.replacement:
            for _ in range(self.num_samples // _DRAW_CHUNK):
                yield from ember.randint(0, n, (_DRAW_CHUNK,), dtype=ember.int64, generator=generator).tolist()
            rest = self.num_samples % _DRAW_CHUNK
            yield from ember.randint(0, n, (rest,), dtype=ember.int64, generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from ember.randperm(n, generator=generator).tolist()
            yield from ember.randperm(n, generator=generator).tolist()[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order (a new one per pass).

    Parameters
    ----------
    indices : sequence of int
        The indices to permute.
    generator : Generator, optional
        The generator of the permutation.
    """

    def __init__(self, indices: Sequence[int], generator: ember.Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in ember.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional
    to ``weights``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative weights, one per index (they need not sum to one).
    num_samples : int
        How many indices to draw per pass.
    replacement : bool, default True
        Without replacement an index is drawn at most once per pass.
    generator : Generator, optional
        The generator to draw from.
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: ember.Generator | None = None,
    ) -> None:
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_tensor = ember.as_tensor(weights, dtype=ember.float64)
        if weights_tensor.dim() != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(weights_tensor.shape)}"
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        drawn = ember.multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from drawn.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Groups the indices of another sampler into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler or iterable
        The indices to group.
    batch_size : int
        Indices per batch.
    drop_last : bool
        Drop the last batch when it is shorter than ``batch_size``.
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        indices = iter(self.sampler)
        if self.drop_last:
            # zip over one iterator repeated: stops at the first short batch
            for batch in zip(*[indices] * self.batch_size):
                yield [*batch]
            return
        while batch := [*itertools.islice(indices, self.batch_size)]:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
