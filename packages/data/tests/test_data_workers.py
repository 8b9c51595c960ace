# SPDX-License-Identifier: BSD-3-Clause
"""DataLoader with worker processes: the same batches as torch's, seeding,
errors and crashes reported in the main process, and no process left behind."""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest
from data_oracle import assert_same, hard_timeout, tdata, tensor_datasets, torch

import ember
import ember.data as edata
from ember.data import _transport, _worker


@pytest.fixture(autouse=True)
def no_stray_workers():
    yield
    gc.collect()
    assert multiprocessing.active_children() == []


def loaders(datasets, **kwargs):
    """ember's loader with workers, torch's in the main process."""
    return edata.DataLoader(datasets["ember"], **kwargs), tdata.DataLoader(datasets["torch"], **_no_workers(kwargs))


def _no_workers(kwargs):
    worker_options = ("num_workers", "prefetch_factor", "persistent_workers", "multiprocessing_context", "timeout")
    return {k: v for k, v in kwargs.items() if k not in worker_options}


# ------------------------------------------------------------ datasets (module level: picklable)


class Squares(edata.Dataset):
    def __init__(self, n=20):
        self.n = n

    def __getitem__(self, i):
        return np.float64(i * i)

    def __len__(self):
        return self.n


class FailsAt(Squares):
    def __init__(self, bad, error=ValueError):
        super().__init__()
        self.bad, self.error = bad, error

    def __getitem__(self, i):
        if i == self.bad:
            raise self.error(f"bad sample {i}")
        return super().__getitem__(i)


class NoMessageError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class KillsItself(Squares):
    def __getitem__(self, i):
        if i == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(i)


class KillsItselfOnce(Squares):
    """Dies at sample 7 the first time any worker reaches it (the marker file
    remembers), so the workers started after the crash finish the pass."""

    def __init__(self, marker):
        super().__init__()
        self.marker = marker

    def __getitem__(self, i):
        if i == 7 and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(i)


class SlowAt(Squares):
    def __init__(self, slow):
        super().__init__()
        self.slow = slow

    def __getitem__(self, i):
        if i == self.slow:
            time.sleep(1.5)
        return super().__getitem__(i)


class WorkerState(Squares):
    """Per sample: the worker's id, seed and draws from each generator."""

    def __getitem__(self, i):
        info = edata.get_worker_info()
        draws = (ember.randint(0, 2**30, (1,)).item(), random.randrange(2**30), int(np.random.randint(2**30)))
        return {"worker": info.id, "seed": info.seed, "draws": draws, "threads": ember.get_num_threads()}


class Pids(Squares):
    def __getitem__(self, i):
        return os.getpid()


class Unpicklable(Squares):
    def __getitem__(self, i):
        return lambda: i


class ShardedRange(edata.IterableDataset):
    """range(start, stop), split between workers in contiguous pieces."""

    def __init__(self, start, stop, shard=True):
        self.start, self.stop, self.shard = start, stop, shard

    def __iter__(self):
        info = edata.get_worker_info() if isinstance(self, edata.IterableDataset) else tdata.get_worker_info()
        start, stop = self.start, self.stop
        if self.shard and info is not None:
            per = -(-(stop - start) // info.num_workers)
            start = start + info.id * per
            stop = min(start + per, self.stop)
        return iter(range(start, stop))


class TorchShardedRange(tdata.IterableDataset):
    def __init__(self, start, stop, shard=True):
        self.start, self.stop, self.shard = start, stop, shard

    def __iter__(self):
        info = tdata.get_worker_info()
        start, stop = self.start, self.stop
        if self.shard and info is not None:
            per = -(-(stop - start) // info.num_workers)
            start = start + info.id * per
            stop = min(start + per, self.stop)
        return iter(range(start, stop))


def first_two(batch):
    return [len(batch), batch[:2]]


def tag_batch(batch):
    return ("packed", batch)


def untag_batch(payload):
    assert payload[0] == "packed"
    return {"unpacked": payload[1]}


def record_init(worker_id):
    info = edata.get_worker_info()
    assert info.id == worker_id
    info.dataset.init_by = worker_id


class InitRecorded(Squares):
    init_by = None

    def __getitem__(self, i):
        return self.init_by


def failing_init(worker_id):
    raise KeyError(f"no config for worker {worker_id}")


# ------------------------------------------------------------ batches


@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")
@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 3},
        {"batch_size": 4, "drop_last": True, "prefetch_factor": 1},
        {"batch_size": 5, "num_workers": 3},
        {"batch_size": None},
        {"batch_sampler": [[3, 1], [0, 22, 5], [7], [8, 9, 10, 11]]},
    ],
)
def test_batches_match_torch(kwargs):
    kwargs = {"num_workers": 2, **kwargs}
    ours, theirs = loaders(tensor_datasets(), **kwargs)
    assert_same(list(ours), list(theirs))


def test_custom_collate_with_workers():
    data = {"ember": Squares(), "torch": Squares()}
    ours, theirs = loaders(data, batch_size=6, num_workers=2, collate_fn=first_two)
    assert_same(list(ours), list(theirs))


def test_out_of_order_delivers_every_batch_once():
    loader = edata.DataLoader(SlowAt(4), batch_size=2, num_workers=2, in_order=False)
    got = [tuple(b.tolist()) for b in loader]
    expected = [tuple(b.tolist()) for b in edata.DataLoader(Squares(), batch_size=2)]
    assert sorted(got) == sorted(expected)
    assert got != expected  # the slow batch came late


def test_spawn_start_method_matches_torch():
    ours, theirs = loaders(tensor_datasets(n=10), batch_size=4, num_workers=2, multiprocessing_context="spawn")
    with hard_timeout(60):
        assert_same(list(ours), list(theirs))


def test_transport_pair_is_used_on_both_sides():
    previous = _transport.set_transport(tag_batch, untag_batch)
    try:
        batches = list(edata.DataLoader(Squares(4), batch_size=2, num_workers=1))
    finally:
        _transport.set_transport(*previous)
    assert [b["unpacked"].tolist() for b in batches] == [[0.0, 1.0], [4.0, 9.0]]
    with pytest.raises(TypeError, match="expects two callables"):
        _transport.set_transport(None, untag_batch)


# ------------------------------------------------------------ seeds


def worker_states(seed, num_workers=2):
    loader = edata.DataLoader(
        WorkerState(8), batch_size=None, num_workers=num_workers, generator=ember.Generator().manual_seed(seed)
    )
    return list(loader)


def test_worker_seeds_are_distinct_and_reproducible():
    first, again, other = worker_states(0), worker_states(0), worker_states(1)
    assert first == again
    assert first != other
    seeds = {s["worker"]: s["seed"] for s in first}
    assert len(seeds) == 2 and seeds[1] == seeds[0] + 1
    for sample in first:  # each generator draws something else in each worker
        twin = next(s for s in first if s["worker"] != sample["worker"])
        assert all(a != b for a, b in zip(sample["draws"], twin["draws"]))
    assert {s["threads"] for s in first} == {1}


def test_numpy_seed_is_torchs_mix_of_base_seed_and_worker_id():
    from torch.utils.data._utils.worker import _generate_state

    state = np.random.get_state()
    try:
        for base_seed, worker_id in [(0, 0), (123456789123, 3), (2**63 - 1, 1)]:
            assert _worker.seed_worker(base_seed, worker_id) == base_seed + worker_id
            ours = np.random.randint(2**31, size=4)
            np.random.seed(_generate_state(base_seed, worker_id))
            np.testing.assert_array_equal(ours, np.random.randint(2**31, size=4))
    finally:
        np.random.set_state(state)


def test_worker_init_fn_runs_in_each_worker():
    loader = edata.DataLoader(InitRecorded(4), batch_size=None, num_workers=2, worker_init_fn=record_init)
    assert sorted(loader) == [0, 0, 1, 1]


# ------------------------------------------------------------ errors


def test_worker_exception_reraised_with_its_traceback():
    loader = edata.DataLoader(FailsAt(5), batch_size=2, num_workers=2)
    with hard_timeout(30), pytest.raises(ValueError) as info:
        list(loader)
    message = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in message
    assert "Traceback (most recent call last)" in message and "bad sample 5" in message
    assert "in __getitem__" in message


def test_key_error_message_is_readable():
    # KeyError would show repr() of its message: one line with escaped newlines
    with pytest.raises(KeyError) as info:
        list(edata.DataLoader(FailsAt(3, KeyError), num_workers=1))
    lines = str(info.value).splitlines()
    assert lines[0] == "Caught KeyError in DataLoader worker process 0."  # as torch's
    assert lines[1] == "Original Traceback (most recent call last):"
    del info


def test_exception_that_takes_no_message_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="Caught NoMessageError in DataLoader worker process"):
        list(edata.DataLoader(FailsAt(1, lambda msg: NoMessageError(msg, 2)), num_workers=1))


def test_loading_continues_after_a_worker_exception():
    it = iter(edata.DataLoader(FailsAt(1), batch_size=None, num_workers=2))
    assert next(it) == 0.0
    with pytest.raises(ValueError):
        next(it)
    assert [float(x) for x in it] == [float(i * i) for i in range(2, 20)]


def test_worker_init_fn_error_is_reported_for_each_batch_of_that_worker():
    it = iter(edata.DataLoader(Squares(4), num_workers=2, worker_init_fn=failing_init))
    for worker_id in (0, 1, 0):
        with pytest.raises(KeyError, match=f"no config for worker {worker_id}"):
            next(it)
    del it


class BrokenStream(edata.IterableDataset):
    def __iter__(self):
        raise OSError("cannot open the shard")


def test_iterable_dataset_whose_iter_fails():
    with pytest.raises(OSError, match="cannot open the shard"):
        list(edata.DataLoader(BrokenStream(), num_workers=1))


def test_unpicklable_batch_is_an_error_not_a_hang():
    with hard_timeout(30), pytest.raises(Exception, match="sending its batch"):
        list(edata.DataLoader(Unpicklable(4), batch_size=None, num_workers=1))


def test_killed_worker_is_reported():
    loader = edata.DataLoader(KillsItself(), batch_size=2, num_workers=2)
    with hard_timeout(30), pytest.raises(RuntimeError) as info:
        list(loader)
    assert "DataLoader worker 1" in str(info.value)
    assert "exited unexpectedly with exit code -9 (killed by signal SIGKILL)" in str(info.value)


def test_persistent_loader_starts_new_workers_after_a_crash(tmp_path):
    loader = edata.DataLoader(
        KillsItselfOnce(str(tmp_path / "killed")), batch_size=2, num_workers=2, persistent_workers=True
    )
    with hard_timeout(30), pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    with hard_timeout(30):
        batches = [b.tolist() for b in loader]  # fresh workers
    assert batches == [[float(i * i), float((i + 1) ** 2)] for i in range(0, 20, 2)]
    del loader


def test_zero_prefetch_factor_with_workers_is_an_error():
    loader = edata.DataLoader(Squares(), num_workers=1, prefetch_factor=0)
    with pytest.raises(ValueError, match="prefetch_factor should be positive with num_workers > 0"):
        iter(loader)


def test_timeout_raises():
    loader = edata.DataLoader(SlowAt(2), batch_size=2, num_workers=1, timeout=0.3)
    it = iter(loader)
    assert next(it).tolist() == [0.0, 1.0]
    with hard_timeout(30), pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        next(it)
    del it


def test_timeout_does_not_fire_when_batches_come_in_time():
    assert len(list(edata.DataLoader(Squares(), batch_size=2, num_workers=2, timeout=5))) == 10


# ------------------------------------------------------------ lifetime


def test_early_break_and_garbage_collection_leave_no_process():
    loader = edata.DataLoader(Squares(), batch_size=2, num_workers=2)
    for _ in loader:
        break
    gc.collect()
    assert multiprocessing.active_children() == []
    it = iter(loader)
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    gc.collect()
    assert multiprocessing.active_children() == []


def test_iterator_in_a_reference_cycle_shuts_down_promptly():
    # see Note [Queues outlive the iterator]
    it = iter(edata.DataLoader(Squares(), batch_size=2, num_workers=2))
    next(it)
    it.itself = it
    del it
    start = time.monotonic()
    gc.collect()
    assert multiprocessing.active_children() == []
    assert time.monotonic() - start < 0.5  # not the workers' 1 s idle poll


def test_iterating_twice_gives_the_same_batches():
    loader = edata.DataLoader(Squares(), batch_size=3, num_workers=2)
    first = [b.tolist() for b in loader]
    assert multiprocessing.active_children() == []  # shut down at exhaustion
    assert [b.tolist() for b in loader] == first


def test_persistent_workers_are_reused_across_epochs():
    loader = edata.DataLoader(Pids(8), batch_size=None, num_workers=2, persistent_workers=True)
    first = set(loader)
    assert len(first) == 2 and set(loader) == first
    workers = loader._iterator._workers
    assert all(w.is_alive() for w in workers)
    # an unfinished epoch: its leftover batches must not leak into the next
    it = iter(loader)
    next(it)
    assert len(list(loader)) == 8
    del it, loader
    gc.collect()
    assert not any(w.is_alive() for w in workers)


def test_persistent_workers_batches_every_epoch():
    datasets = tensor_datasets()
    ours, theirs = loaders(datasets, batch_size=4, num_workers=2, persistent_workers=True)
    expected = list(theirs)
    for _ in range(3):
        assert_same(list(ours), expected)


# ------------------------------------------------------------ iterable datasets


@pytest.mark.parametrize("batch_size, drop_last", [(None, False), (2, False), (3, True)])
@pytest.mark.parametrize("shard", [True, False])
def test_iterable_dataset_with_workers_matches_torch(batch_size, drop_last, shard):
    kwargs = {"batch_size": batch_size, "drop_last": drop_last, "num_workers": 2}
    ours = list(edata.DataLoader(ShardedRange(3, 14, shard), **kwargs))
    theirs = list(tdata.DataLoader(TorchShardedRange(3, 14, shard), **kwargs))
    assert_same(ours, theirs)


@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")
def test_iterable_dataset_with_uneven_workers():
    ours = list(edata.DataLoader(ShardedRange(0, 5), batch_size=None, num_workers=3))
    theirs = list(tdata.DataLoader(TorchShardedRange(0, 5), batch_size=None, num_workers=3))
    assert_same(ours, theirs)


def test_iterable_dataset_with_persistent_workers():
    loader = edata.DataLoader(ShardedRange(0, 10), batch_size=2, num_workers=2, persistent_workers=True)
    first = [b.tolist() for b in loader]
    assert sorted(i for b in first for i in b) == list(range(10))
    assert [b.tolist() for b in loader] == first
    del loader


def test_default_context_is_fork_on_linux():
    from ember.data._multiprocess_iter import default_context

    if multiprocessing.get_start_method(allow_none=True) is None and os.uname().sysname == "Linux":
        assert default_context().get_start_method() == "fork"
    assert torch is not None
