# SPDX-License-Identifier: BSD-3-Clause
"""Samplers beside torch.utils.data: the same indices where the order is
fixed, the same statistics where it is random (the generators differ)."""

from __future__ import annotations

import numpy as np
import pytest
from data_oracle import chi_square, tdata, torch

import ember
import ember.data as edata

# 99.9% quantiles of chi-square with k degrees of freedom, k = 9 and 10
CHI2_999 = {9: 27.88, 10: 29.59}


def test_sequential_sampler():
    assert list(edata.SequentialSampler(range(5))) == list(tdata.SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(edata.SequentialSampler(range(5))) == 5


def test_random_sampler_is_a_permutation_and_reproducible():
    def order(seed):
        return list(edata.RandomSampler(range(20), generator=ember.Generator().manual_seed(seed)))

    assert sorted(order(0)) == list(range(20))
    assert order(0) == order(0) and order(0) != order(1)
    ember.manual_seed(5)
    first = list(edata.RandomSampler(range(20)))
    ember.manual_seed(5)
    assert list(edata.RandomSampler(range(20))) == first


def test_random_sampler_position_frequencies_match_torch():
    # how often index 0 lands in each of the 10 positions: uniform for both
    n, trials = 10, 2000
    counts = {}
    for lib, (mod, data) in {"ember": (ember, edata), "torch": (torch, tdata)}.items():
        sampler = data.RandomSampler(range(n), generator=mod.Generator().manual_seed(0))
        hits = np.zeros(n)
        for _ in range(trials):
            hits[list(sampler).index(0)] += 1
        counts[lib] = hits
        assert chi_square(hits, np.full(n, trials / n)) < CHI2_999[9], lib


@pytest.mark.parametrize("num_samples", [7, 25, 64, 65])
def test_random_sampler_num_samples(num_samples):
    drawn = list(edata.RandomSampler(range(10), num_samples=num_samples, generator=ember.Generator().manual_seed(0)))
    reference = list(tdata.RandomSampler(range(10), num_samples=num_samples))
    assert len(drawn) == len(reference) == num_samples
    # without replacement: whole permutations, then part of one
    for start in range(0, num_samples - num_samples % 10, 10):
        assert sorted(drawn[start : start + 10]) == list(range(10))
    assert len(set(drawn[num_samples - num_samples % 10 :])) == num_samples % 10


def test_random_sampler_with_replacement_frequencies():
    n, draws = 10, 20000
    for mod, data in [(ember, edata), (torch, tdata)]:
        sampler = data.RandomSampler(
            range(n), replacement=True, num_samples=draws, generator=mod.Generator().manual_seed(1)
        )
        drawn = list(sampler)
        assert len(drawn) == len(sampler) == draws and min(drawn) >= 0 and max(drawn) < n
        counts = np.bincount(drawn, minlength=n)
        assert chi_square(counts, np.full(n, draws / n)) < CHI2_999[9]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"replacement": 1}, TypeError, "replacement should be a boolean value, but got replacement=1"),
        ({"num_samples": 0}, ValueError, "num_samples should be a positive integer value, but got num_samples=0"),
        ({"num_samples": 2.0}, ValueError, "num_samples should be a positive integer value"),
    ],
)
def test_random_sampler_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        edata.RandomSampler(range(3), **kwargs)
    with pytest.raises(error, match=message):
        tdata.RandomSampler(range(3), **kwargs)


def test_subset_random_sampler():
    indices = [3, 8, 11, 40]
    sampler = edata.SubsetRandomSampler(indices, generator=ember.Generator().manual_seed(0))
    assert sorted(sampler) == indices and len(sampler) == 4


def test_weighted_random_sampler_frequencies_match_weights_and_torch():
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6, 0.0, 1.3, 2.0, 1.0, 0.5]
    p = np.array(weights) / sum(weights)
    draws = 20000
    for mod, data in [(ember, edata), (torch, tdata)]:
        sampler = data.WeightedRandomSampler(weights, draws, generator=mod.Generator().manual_seed(0))
        counts = np.bincount(list(sampler), minlength=len(weights))
        assert counts[6] == 0
        keep = p > 0
        assert chi_square(counts[keep], draws * p[keep]) < CHI2_999[9]


def test_weighted_random_sampler_without_replacement():
    weights = [0.9, 0.4, 0.05, 0.2, 0.3, 0.1]
    drawn = list(edata.WeightedRandomSampler(weights, 6, replacement=False))
    assert sorted(drawn) == list(range(6))
    # the heaviest index comes first most often, as in torch
    firsts = {"ember": np.zeros(6), "torch": np.zeros(6)}
    for _ in range(400):
        firsts["ember"][next(iter(edata.WeightedRandomSampler(weights, 2, replacement=False)))] += 1
        firsts["torch"][next(iter(tdata.WeightedRandomSampler(weights, 2, replacement=False)))] += 1
    np.testing.assert_allclose(firsts["ember"] / 400, firsts["torch"] / 400, atol=0.1)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        list(edata.WeightedRandomSampler(weights, 7, replacement=False))


@pytest.mark.parametrize(
    "args, message",
    [
        (([1.0, 2.0], 0), "num_samples should be a positive integer value, but got num_samples=0"),
        (([1.0, 2.0], True), "num_samples should be a positive integer value, but got num_samples=True"),
        (([1.0, 2.0], 2, 1), "replacement should be a boolean value, but got replacement=1"),
        (([[1.0, 2.0]], 2), r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
    ],
)
def test_weighted_random_sampler_errors(args, message):
    with pytest.raises(ValueError, match=message):
        edata.WeightedRandomSampler(*args)
    with pytest.raises(ValueError, match=message):
        tdata.WeightedRandomSampler(*args)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(batch_size, drop_last):
    ours = edata.BatchSampler(edata.SequentialSampler(range(10)), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(10)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, False), "batch_size should be a positive integer value, but got batch_size=0"),
        ((True, False), "batch_size should be a positive integer value, but got batch_size=True"),
        ((2, 0), "drop_last should be a boolean value, but got drop_last=0"),
    ],
)
def test_batch_sampler_errors(args, message):
    with pytest.raises(ValueError, match=message):
        edata.BatchSampler(range(4), *args)


@pytest.mark.parametrize("n, replicas", [(10, 3), (12, 4), (5, 8), (7, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_unshuffled_matches_torch(n, replicas, drop_last):
    for rank in range(replicas):
        ours = edata.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = tdata.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_distributed_sampler_shuffled_ranks_partition_one_order():
    n, replicas = 20, 4
    shares = [list(edata.DistributedSampler(range(n), replicas, rank, seed=7)) for rank in range(replicas)]
    assert sorted(i for share in shares for i in share) == list(range(n))
    assert shares[0] != list(range(0, n, replicas))  # shuffled
    sampler = edata.DistributedSampler(range(n), replicas, 0, seed=7)
    first = list(sampler)
    assert list(sampler) == first  # same epoch, same order
    sampler.set_epoch(1)
    assert list(sampler) != first and sampler.epoch == 1


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        edata.DistributedSampler(range(5), num_replicas=3, rank=3)
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        edata.DistributedSampler(range(5))
