# SPDX-License-Identifier: BSD-3-Clause
"""A first pass over the core: each area against numpy."""

import numpy as np
import pytest

import ember


def test_binary_broadcast_matches_numpy():
    a = np.random.default_rng(0).standard_normal((3, 1, 4)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((5, 1)).astype(np.float32)
    np.testing.assert_allclose((ember.from_numpy(a) * ember.from_numpy(b)).numpy(), a * b, rtol=1e-6)


def test_reduction_and_matmul_match_numpy():
    a = np.random.default_rng(2).standard_normal((64, 33)).astype(np.float64)
    t = ember.from_numpy(a)
    np.testing.assert_allclose(t.sum(0).numpy(), a.sum(0), rtol=1e-12)
    np.testing.assert_allclose(t.amax(1).numpy(), a.max(1))
    np.testing.assert_allclose((t @ t.t()).numpy(), a @ a.T, rtol=1e-10)


def test_shape_mismatch_raises_with_shapes():
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[4\]"):
        ember.zeros(2, 3) + ember.zeros(4)
