# SPDX-License-Identifier: BSD-3-Clause
"""ember-core installed alone (ci/test-isolated runs this in a fresh venv
holding only the core wheel): array math works, and reaching for a component
raises an error naming the distribution to install. Skipped where a component
is installed (the development venv)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import _components

COMPONENTS = sorted(dist for dist in _components.installed() if dist != "ember-core")
pytestmark = pytest.mark.skipif(
    any(_components.installed()[dist] is not None for dist in COMPONENTS),
    reason="a component is installed here: these tests are for ember-core alone",
)


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_only_the_core_is_installed():
    installed = _components.installed()
    assert installed["ember-core"] == ember.__version__
    assert [dist for dist in COMPONENTS if installed[dist] is not None] == []


def test_array_math():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((5, 3)).astype(np.float32)
    c = rng.standard_normal(3).astype(np.float32)
    x, y, z = ember.tensor(a), ember.tensor(b), ember.tensor(c)
    np.testing.assert_allclose((x @ y + z).numpy(), a @ b + c, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ember.exp(x).sum(dim=1).numpy(), np.exp(a).sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(x.t()[1:, ::2].numpy(), a.T[1:, ::2])
    assert (x.max(dim=0).values.numpy() == a.max(axis=0)).all()
    assert (ember.arange(6).reshape(2, 3) * 2.5).dtype == ember.float32  # promotion with a Python scalar
    assert (
        ember.linalg.solve(ember.eye(3, dtype=ember.float64) * 2, ember.ones(3, dtype=ember.float64)).tolist()
        == [0.5] * 3
    )


def test_requires_grad_names_ember_autograd():
    x = ember.ones(3)
    for call in (lambda: x.requires_grad_(), lambda: ember.ones(3, requires_grad=True)):
        with pytest.raises(ModuleNotFoundError) as info:
            call()
        assert "'ember-autograd'" in str(info.value) and "pip install ember-autograd" in str(info.value)
    assert not x.requires_grad
    y = x * 2 + 1  # ember still works after the refusal
    assert y.tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize(
    "statement, dist",
    [
        ("import ember.nn", "ember-nn"),
        ("from ember import nn", "ember-nn"),
        ("import ember.optim", "ember-optim"),
        ("import ember.autograd", "ember-autograd"),
        ("from ember.utils.data import DataLoader", "ember-data"),
        ("import ember; ember.ones(2).requires_grad_()", "ember-autograd"),
    ],
)
def test_a_missing_component_names_its_distribution(statement, dist):
    """As a user meets it: a fresh interpreter, the statement, the error."""
    proc = _python(statement)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: "), proc.stderr
    assert f"'{dist}'" in last and f"pip install {dist}" in last, last
