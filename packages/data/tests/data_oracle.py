# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for comparing ember.data with torch.utils.data: both libraries
side by side, nested batches as numpy, and a hard time limit for tests that
would hang if the loader did."""

from __future__ import annotations

import collections.abc
import contextlib
import signal

import numpy as np
import pytest

import ember
import ember.data as edata

torch = pytest.importorskip("torch")
import torch.utils.data as tdata  # noqa: E402

LIBS = {"ember": (ember, edata), "torch": (torch, tdata)}


def as_numpy(batch):
    """A nested batch with every tensor as a numpy array (and the container
    types kept, so type differences show)."""
    if isinstance(batch, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(batch.dtype).split(".")[-1], batch.detach().numpy().copy())
    if isinstance(batch, np.ndarray):
        return ("ndarray", batch)
    if isinstance(batch, collections.abc.Mapping):
        return (type(batch).__name__, {k: as_numpy(v) for k, v in batch.items()})
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return (type(batch).__name__, [as_numpy(v) for v in batch])
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [as_numpy(v) for v in batch])
    return batch


def assert_same(a, b) -> None:
    """Equal nested structures: same containers, dtypes, shapes and values."""
    a, b = as_numpy(a), as_numpy(b)
    _assert_same(a, b, "batch")


def _assert_same(a, b, path: str) -> None:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), path
        assert a.dtype == b.dtype and a.shape == b.shape, f"{path}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{path}: {a!r} vs {b!r}"
        assert type(a) is type(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def tensor_pair(array: np.ndarray):
    """The same data as an ember tensor and a torch tensor."""
    return ember.from_numpy(array.copy()), torch.from_numpy(array.copy())


def tensor_datasets(n: int = 23, features: int = 3, seed: int = 0):
    """{lib: TensorDataset(x, y)} with identical contents."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(0, 10, n)
    (ex, tx), (ey, ty) = tensor_pair(x), tensor_pair(y)
    return {"ember": edata.TensorDataset(ex, ey), "torch": tdata.TensorDataset(tx, ty)}


@contextlib.contextmanager
def hard_timeout(seconds: int):
    """Fails the test instead of hanging: SIGALRM after ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"the test did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def chi_square(counts: np.ndarray, expected: np.ndarray) -> float:
    """Pearson's statistic of observed counts against expected counts."""
    return float(((counts - expected) ** 2 / expected).sum())
