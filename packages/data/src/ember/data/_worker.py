# SPDX-License-Identifier: BSD-3-Clause
"""The loop a DataLoader worker process runs, and what it shares with the
main process: the messages on its queues and ``get_worker_info``.

Protocol. The main process puts ``(task_index, sampler_output)`` on a
worker's own index queue; the worker answers ``(task_index, payload)`` on the
result queue shared by all workers, where ``payload`` is a packed batch
(see ``_transport``), a ``WorkerError``, or ``IterableEnd`` when its copy of
an iterable dataset is exhausted. ``ResumeIteration`` starts a new epoch of
persistent workers (echoed back as an acknowledgement); ``None`` stops the
worker.
"""

from __future__ import annotations

import multiprocessing.queues
import os
import queue
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import ember

from ._fetch import create_fetcher
from ._worker_error import WorkerError

# how often an idle worker checks that the main process is still there
# (and still wants it)
PARENT_CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker.

    Attributes
    ----------
    id : int
        This worker's id, ``0 .. num_workers - 1``.
    num_workers : int
        The number of workers of the loader.
    seed : int
        The seed this worker gave ember, ``random`` and (mixed) numpy.
    dataset : Dataset
        This process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Information about the current DataLoader worker process (``id``,
    ``num_workers``, ``seed``, ``dataset``), or None in the main process.

    An :class:`IterableDataset` uses it in ``__iter__`` (or the loader's
    ``worker_init_fn``) to give each worker its own shard of the data.
    """
    return _worker_info


@dataclass(frozen=True)
class IterableEnd:
    """A worker's copy of an iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """A persistent worker starts a new epoch."""


@dataclass
class WorkerSetup:
    """Everything a worker needs besides its queues."""

    dataset: Any
    is_iterable: bool
    auto_collation: bool
    collate_fn: Callable
    drop_last: bool
    base_seed: int
    init_fn: Callable[[int], None] | None
    worker_id: int
    num_workers: int
    pack: Callable[[Any], Any]


class ResultQueue(multiprocessing.queues.Queue):
    """The result queue. A queue pickles what is put on it in a background
    thread, where a failure would only be printed and the batch lost (the
    main process would wait for it forever); here it becomes a WorkerError
    for that task instead."""

    # set by the worker loop in the worker's copy of the queue
    worker_id: int | None = None

    def _on_queue_feeder_error(self, e: Exception, obj: object) -> None:
        if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], int):
            where = f"in DataLoader worker process {self.worker_id} sending its batch"
            self.put((obj[0], WorkerError(where, e)))
        else:
            super()._on_queue_feeder_error(e, obj)


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seeds ember, ``random`` and numpy's global generator for this worker,
    as PyTorch does: ``base_seed + worker_id`` for ember and ``random``;
    numpy gets a SeedSequence mix of both (numpy takes 32-bit words only).
    Returns the seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    np.random.seed(np.random.SeedSequence(entropy).generate_state(4))
    return seed


def worker_loop(setup: WorkerSetup, index_queue, result_queue: ResultQueue, done_event) -> None:
    """The body of a worker process: fetch what the index queue asks for and
    put the batches on the result queue, until told to stop or orphaned."""
    global _worker_info
    try:
        ember.set_num_threads(1)  # workers run side by side: one thread each
        seed = seed_worker(setup.base_seed, setup.worker_id)
        _worker_info = WorkerInfo(setup.worker_id, setup.num_workers, seed, setup.dataset)
        result_queue.worker_id = setup.worker_id
        where = f"in DataLoader worker process {setup.worker_id}"

        def start_epoch():
            """A fetcher for a new pass (for an iterable dataset, a new
            iterator), or the error that prevented it."""
            try:
                fetcher = create_fetcher(
                    setup.is_iterable, setup.dataset, setup.auto_collation, setup.collate_fn, setup.drop_last
                )
                return fetcher, None
            except Exception:
                return None, WorkerError(where)

        # A worker that cannot start (worker_init_fn failed) or cannot begin a
        # pass answers each task with the error, so the main process raises
        # it where it waits for that worker's batches.
        init_error = None
        try:
            if setup.init_fn is not None:
                setup.init_fn(setup.worker_id)
        except Exception:
            init_error = WorkerError(where)
        fetcher, epoch_error = start_epoch() if init_error is None else (None, None)

        exhausted = False
        parent = os.getppid()
        while os.getppid() == parent:
            try:
                message = index_queue.get(timeout=PARENT_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shut down, and the stop message was lost
                continue
            if message is None:
                break
            if isinstance(message, ResumeIteration):
                result_queue.put((message, None))
                exhausted = False
                if init_error is None:
                    fetcher, epoch_error = start_epoch()
                continue
            if done_event.is_set() or exhausted:
                continue  # shutting down, or nothing left to fetch this epoch
            task, index = message
            error = init_error or epoch_error
            if error is not None:
                payload = error
            else:
                try:
                    payload = setup.pack(fetcher.fetch(index))
                except StopIteration:
                    if not setup.is_iterable:
                        payload = WorkerError(where)
                    else:
                        payload, exhausted = IterableEnd(setup.worker_id), True
                except Exception:
                    payload = WorkerError(where)
            result_queue.put((task, payload))
            del payload, message, index  # let the batch go before blocking on the next task
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C and shuts the workers down
    if done_event.is_set():
        # nobody reads the results any more: exit without flushing them
        result_queue.cancel_join_thread()
        result_queue.close()
