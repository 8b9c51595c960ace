# SPDX-License-Identifier: BSD-3-Clause
"""spawn / start_processes as torch.multiprocessing's: fn(i, *args) in
nprocs processes, and a failure raised in the parent with its cause."""

from __future__ import annotations

import pytest
from mp_child_tasks import exit_with_code, fill_with_index, kill_self, raise_value_error, sleep_forever

import ember
import ember.multiprocessing as mp


def test_spawn_runs_fn_with_the_index_and_shared_arguments():
    shared = ember.zeros(3, 2)
    assert mp.spawn(fill_with_index, args=(shared, 1.0), nprocs=3) is None
    assert shared.tolist() == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]


def test_a_raised_exception_carries_the_child_traceback():
    with pytest.raises(mp.ProcessRaisedException) as error:
        mp.start_processes(raise_value_error, nprocs=2, start_method="fork")
    assert error.value.error_index == 1
    assert "Traceback" in error.value.msg and "ValueError: process 1 failed on purpose" in error.value.msg
    assert "raise_value_error" in error.value.msg


def test_exit_code_and_signal():
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3") as error:
        mp.start_processes(exit_with_code, args=(3,), nprocs=1, start_method="fork")
    assert error.value.exit_code == 3
    with pytest.raises(mp.ProcessExitedException, match="terminated with signal SIGKILL") as error:
        mp.start_processes(kill_self, nprocs=1, start_method="fork")
    assert error.value.signal_name == "SIGKILL" and error.value.exit_code == -9


def test_join_false_returns_the_context():
    context = mp.start_processes(sleep_forever, nprocs=2, join=False, start_method="fork")
    try:
        assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
        assert context.join(timeout=0.05) is False
    finally:
        for process in context.processes:
            process.kill()
            process.join(5)


def test_other_start_method_warns_as_torch():
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(fill_with_index, args=(ember.zeros(1, 1), 0.0), nprocs=0, start_method="fork")
