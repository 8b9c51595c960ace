# SPDX-License-Identifier: BSD-3-Clause
"""The iterator of a DataLoader with ``num_workers > 0``: it starts the
worker processes, keeps ``prefetch_factor`` tasks in flight per worker,
delivers batches in sampler order (or as they come, with
``in_order=False``), and shuts the workers down at the end of the pass, when
it is garbage collected, or when a worker dies.

Tasks are numbered in the order the sampler yields them and handed to the
workers round-robin. A batch that arrives before its turn waits in
``_early``; the pass ends when every sent task was delivered or can no
longer come (its worker's copy of an iterable dataset ran out).
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import queue
import signal
import sys
import time

from ._loader_iter import BaseLoaderIter
from ._transport import get_transport
from ._worker import IterableEnd, ResultQueue, ResumeIteration, WorkerSetup, worker_loop
from ._worker_error import WorkerError

# how long the main process waits on the result queue before it checks
# that the workers are still alive
STATUS_CHECK_INTERVAL = 0.5
# how long a worker gets to exit by itself before it is terminated
JOIN_TIMEOUT = 5.0
# how long a failed receive waits for its worker's death to show (seconds)
DEATH_GRACE = 1.0

_interpreter_exiting = False

# Note [Queues outlive the iterator]: when an iterator dies in a reference
# cycle, the garbage collector runs weak-reference callbacks before __del__,
# and a multiprocessing.Queue's callback stops its feeder thread: the stop
# messages __del__ puts would never be sent. Holding each live iterator's
# queues here keeps them out of that garbage until the shutdown is done.
_queues_of_live_iterators: dict[int, list] = {}


def _mark_interpreter_exiting() -> None:
    # from here on module globals may be torn down; multiprocessing's own
    # exit handler terminates the (daemonic) workers
    global _interpreter_exiting
    _interpreter_exiting = True


atexit.register(_mark_interpreter_exiting)


def default_context():
    """The start method a loader uses when given none: the one the program
    chose with ``multiprocessing.set_start_method``, else ``fork`` on Linux
    (cheap, and the dataset needs no pickling), else the platform's default."""
    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen is None and sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context(chosen)


def _exit_description(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"exit code {exitcode} (killed by signal {signal.Signals(-exitcode).name})"
        except ValueError:
            pass
    return f"exit code {exitcode}"


class MultiProcessLoaderIter(BaseLoaderIter):
    """Loads batches in ``num_workers`` worker processes."""

    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._shutdown = True  # nothing to shut down until workers exist
        self._prefetch_factor = loader.prefetch_factor
        if self._prefetch_factor < 1:
            raise ValueError(
                "prefetch_factor should be positive with num_workers > 0, "
                f"but got prefetch_factor={self._prefetch_factor}"
            )
        self._in_order = loader.in_order
        context = loader.multiprocessing_context or default_context()
        pack, self._unpack = get_transport()
        self._result_queue = ResultQueue(ctx=context)
        self._done_event = context.Event()
        self._index_queues = []
        self._workers = []
        _queues_of_live_iterators[id(self)] = self._index_queues
        self._shutdown = False
        try:
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                index_queue.cancel_join_thread()  # undelivered tasks must not block exit
                self._index_queues.append(index_queue)
                setup = WorkerSetup(
                    dataset=self._dataset,
                    is_iterable=self._is_iterable,
                    auto_collation=self._auto_collation,
                    collate_fn=self._collate_fn,
                    drop_last=self._drop_last,
                    base_seed=self._base_seed,
                    init_fn=loader.worker_init_fn,
                    worker_id=worker_id,
                    num_workers=self._num_workers,
                    pack=pack,
                )
                process = context.Process(
                    target=worker_loop,
                    args=(setup, index_queue, self._result_queue, self._done_event),
                    name=f"ember.data worker {worker_id}",
                    daemon=True,
                )
                process.start()
                self._workers.append(process)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    # ------------------------------------------------------------ epochs

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader)
        self._sent = 0  # tasks handed to workers
        self._next_task = 0  # the task whose batch is delivered next (in order)
        self._pending: dict[int, int] = {}  # task -> worker, not answered yet
        self._early: dict[int, tuple[int, object]] = {}  # task -> (worker, payload), ahead of its turn
        self._active = [True] * self._num_workers  # still fetching this pass
        self._tasks_of = [0] * self._num_workers  # sent to each worker and not yet delivered
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: their acknowledgements follow any answer
            # still queued from an unfinished pass, which is dropped
            for index_queue in self._index_queues:
                index_queue.put(ResumeIteration())
            waiting = self._num_workers
            while waiting:
                task, _ = self._get_result()
                waiting -= isinstance(task, ResumeIteration)
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        try:
            index = self._next_index()
        except StopIteration:
            return
        worker = self._pick_worker()
        if worker is None:
            return  # every worker's iterable dataset ran out
        self._index_queues[worker].put((self._sent, index))
        self._pending[self._sent] = worker
        self._tasks_of[worker] += 1
        self._sent += 1

    def _pick_worker(self) -> int | None:
        active = [w for w in range(self._num_workers) if self._active[w]]
        if not active:
            return None
        # out of order, a slow worker must not hold more than its share
        share = self._prefetch_factor * self._num_workers // len(active)
        for _ in range(self._num_workers):
            worker = next(self._worker_cycle)
            if self._active[worker] and (self._in_order or self._tasks_of[worker] < share):
                return worker
        return min(active, key=self._tasks_of.__getitem__)

    # ------------------------------------------------------------ batches

    def _next_data(self):
        while True:
            # skip tasks that will not come: delivered out of order, or lost
            # with a worker whose dataset ran out
            while self._next_task < self._sent and not (
                self._next_task in self._pending or self._next_task in self._early
            ):
                self._next_task += 1
            if self._next_task == self._sent:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if self._next_task in self._early:
                worker, payload = self._early.pop(self._next_task)
                self._next_task += 1
                return self._deliver(worker, payload)
            task, payload = self._get_result()
            worker = self._pending.pop(task)
            if isinstance(payload, IterableEnd):
                self._retire(worker)
                continue
            if task == self._next_task:
                self._next_task += 1
            elif self._in_order:
                self._early[task] = (worker, payload)
                continue
            return self._deliver(worker, payload)

    def _deliver(self, worker: int, payload):
        self._tasks_of[worker] -= 1
        self._try_put_index()
        if isinstance(payload, WorkerError):
            payload.reraise()
        try:
            return self._unpack(payload)
        except RuntimeError:
            self._report_dead_worker()
            raise

    def _retire(self, worker: int) -> None:
        """The worker's copy of an iterable dataset ran out: it answers no
        more tasks this pass, so they are handed out again."""
        self._active[worker] = False
        if not self._persistent_workers:
            self._index_queues[worker].put(None)  # it can exit now
        lost = [task for task, w in self._pending.items() if w == worker]
        for task in lost:
            del self._pending[task]
        self._tasks_of[worker] = 0
        for _ in range(len(lost) + 1):
            self._try_put_index()

    def _get_result(self):
        """The next ``(task, payload)`` from any worker. Checks the workers'
        health whenever the queue stays empty for a while, so a dead worker
        is an error rather than a hang."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                pass
            except RuntimeError:
                self._report_dead_worker()
                raise
            self._check_workers_alive()
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _report_dead_worker(self) -> None:
        """A batch in shared memory whose worker died cannot be received; the
        death is the error to report. The receiver can notice before the
        process is reapable, so this waits a moment for it."""
        deadline = time.monotonic() + DEATH_GRACE
        while True:
            self._check_workers_alive()  # raises for a dead worker
            if time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    def _check_workers_alive(self) -> None:
        for worker_id, process in enumerate(self._workers):
            expected_alive = self._persistent_workers or self._active[worker_id]
            if expected_alive and not process.is_alive():
                exitcode, pid = process.exitcode, process.pid
                self._shutdown_workers()
                raise RuntimeError(
                    f"DataLoader worker {worker_id} (pid {pid}) exited unexpectedly with "
                    f"{_exit_description(exitcode)}"
                )

    # ------------------------------------------------------------ shutdown

    def _shutdown_workers(self) -> None:
        if self._shutdown or _interpreter_exiting:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                index_queue.put(None)
            for process in self._workers:
                process.join(timeout=JOIN_TIMEOUT)
        finally:
            for process in self._workers:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=JOIN_TIMEOUT)
            for index_queue in self._index_queues:
                index_queue.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
            _queues_of_live_iterators.pop(id(self), None)

    def __del__(self) -> None:
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()
