# SPDX-License-Identifier: BSD-3-Clause
"""Threads: every result is bit-for-bit the same whatever ember.set_num_threads
says (fixed-size blocks, counter-based random numbers), and a process forked
after parallel work runs parallel work itself without hanging."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember

THREADS = [1, 2, 3, 4]


@pytest.fixture
def restore_threads():
    before = ember.get_num_threads()
    yield
    ember.set_num_threads(before)


def big(shape, seed=0, dtype=np.float32):
    return ember.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


# inputs above the parallel grain (32768 elements) and the reduction block (65536)
X = big((1013, 1031))
V = big(1_000_003, seed=1)
H = big((517, 1031), seed=2).half()

WORK = {
    "add_broadcast": lambda: X + X[0],
    "mul_transposed": lambda: X * X.t().contiguous().t(),
    "exp_strided": lambda: X[::2, ::3].exp(),
    "where": lambda: ember.where(X > 0, X, V[: X.shape[1]]),
    "cast": lambda: X.double() + X.half().float(),
    "sum_all": lambda: V.sum(),
    "sum_all_double": lambda: V.double().sum(),
    "sum_all_half": lambda: H.sum(),
    "sum_rows": lambda: X.sum(1),
    "sum_cols": lambda: X.sum(0),
    "sum_transposed": lambda: X.t().sum(1),
    "sum_dims": lambda: X.reshape(1013, 1031, 1).sum((0, 2)),
    "mean_var_std": lambda: (X.mean(0), X.var(0), X.std(1)),
    "prod": lambda: (X * 1e-3 + 1).prod(0),
    "amax_argmax": lambda: (X.amax(0), X.argmax(1), V.argmin(), V.amax()),
    "norm_logsumexp": lambda: (X.norm(dim=1), ember.logsumexp(X, 0), V.norm()),
    "all_any": lambda: ((X > -10).all(), (X > 4).any(1)),
    "cumsum": lambda: X.cumsum(0),
    "int_sum": lambda: (X * 100).long().sum(0),
    "rand": lambda: ember.rand(300_001, generator=ember.Generator().manual_seed(5)),
    "randn": lambda: ember.randn(300_001, generator=ember.Generator().manual_seed(5)),
    "randint": lambda: ember.randint(0, 1000, (300_001,), generator=ember.Generator().manual_seed(5)),
    "integer_matmul": lambda: (X[:65] * 10).long() @ (X[:67] * 10).long().t(),  # ember's own loops
}


def as_arrays(result):
    results = result if isinstance(result, tuple) else (result,)
    return [(r.float() if r.dtype == ember.bfloat16 else r).numpy().copy() for r in results]


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize("name", sorted(WORK))
def test_results_do_not_depend_on_the_thread_count(name):
    ember.set_num_threads(1)
    want = as_arrays(WORK[name]())
    for n in THREADS[1:]:
        ember.set_num_threads(n)
        assert ember.get_num_threads() == n
        for got, expected in zip(as_arrays(WORK[name]()), want):
            np.testing.assert_array_equal(got, expected, err_msg=f"{n} threads")


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("shape", [(257, 300, 263), (120, 40, 600), (600, 40, 120), (3, 100, 90, 130), (64, 9, 64)])
def test_blas_matmul_is_the_same_for_every_thread_count(dtype, shape):
    # the pool cuts a GEMM into blocks by its shape alone: OpenBLAS's
    # arithmetic for an element may depend on the block it lies in
    *batch, m, k, n = shape
    a = X[: (batch[0] if batch else 1) * m, :k].reshape(*batch, m, k).to(dtype)
    b = X[-(batch[0] if batch else 1) * k :, -n:].reshape(*batch, k, n).to(dtype)
    ember.set_num_threads(1)
    want = (a @ b).numpy()
    for n_threads in THREADS[1:]:
        ember.set_num_threads(n_threads)
        np.testing.assert_array_equal((a @ b).numpy(), want, err_msg=f"{n_threads} threads")


@pytest.mark.usefixtures("restore_threads")
def test_parallel_results_are_right():
    ember.set_num_threads(2)
    v = V.numpy().astype(np.float64)
    assert abs(V.sum().item() - v.sum()) <= 1e-6 * np.abs(v).sum()
    np.testing.assert_allclose(X.sum(0).numpy(), X.numpy().astype(np.float64).sum(0), rtol=1e-5, atol=1e-4)
    assert V.argmax().item() == int(np.argmax(v))


FORK_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    import ember

    ember.set_num_threads(2)
    x = ember.rand(2_000_000, generator=ember.Generator().manual_seed(0))
    want = (x * 2 + 1).sum().item()  # the pool's threads are busy here

    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:  # child: parallel work on a pool re-created after fork
            ok = (x * 2 + 1).sum().item() == want and ember.rand(100_000).numel() == 100_000
            ember.set_num_threads(3)
            ok = ok and (x * 2 + 1).sum().item() == want
            os._exit(0 if ok else 3)
        pids.append(pid)

    deadline = time.time() + 30
    codes = {}
    while len(codes) < len(pids) and time.time() < deadline:
        for pid in pids:
            if pid not in codes:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    codes[pid] = os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    for pid in pids:
        if pid not in codes:
            os.kill(pid, 9)
            print("child", pid, "hung")
            sys.exit(2)
    assert (x * 2 + 1).sum().item() == want  # the parent's pool still works
    sys.exit(max(codes.values()))
    """
)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_fork_after_parallel_work_does_not_hang():
    proc = subprocess.run([sys.executable, "-c", FORK_SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_set_num_threads_validates():
    with pytest.raises((RuntimeError, ValueError)):
        ember.set_num_threads(0)


def _ember_openblas():
    """ember's own OpenBLAS (the 32-bit-index build it ships), as loaded in this process."""
    import ctypes

    ember.ones(2, 2) @ ember.ones(2, 2)  # loaded by now
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "libscipy_openblas." in line}
    except OSError:
        pytest.skip("no /proc/self/maps here")
    ours = [p for p in paths if os.path.dirname(p) == os.path.dirname(ember._C.__file__)]
    if len(ours) != 1:
        pytest.skip(f"ember's OpenBLAS is not beside its extension here: {sorted(paths)}")
    return ctypes.CDLL(ours[0])


def test_gemm_keeps_openblas_single_threaded_when_another_library_raised_it():
    # threadpoolctl's limits set every OpenBLAS in the process, ours too;
    # its threads would then fight the pool's
    blas = _ember_openblas()
    blas.scipy_openblas_set_num_threads(4)
    try:
        a = ember.randn(300, 300)
        want = (a.double() @ a.double()).float()
        got = a @ a
        assert blas.scipy_openblas_get_num_threads() == 1
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-3)
    finally:
        blas.scipy_openblas_set_num_threads(1)
