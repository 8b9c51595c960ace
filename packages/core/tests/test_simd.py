# SPDX-License-Identifier: BSD-3-Clause
"""Each ISA's loops (EMBER_SIMD caps the level chosen at load) agree with
each other and with numpy on the same inputs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember

# Runs in a child so the level is chosen fresh; prints results as JSON.
_PROGRAM = r"""
import json, numpy as np, ember
rng = np.random.default_rng(7)
x = rng.standard_normal(1003).astype(np.float32) * 20
y = rng.standard_normal(1003).astype(np.float32)
x[5], x[17] = np.nan, np.inf
ex, ey = ember.from_numpy(x), ember.from_numpy(y)
m = ember.from_numpy(rng.standard_normal((67, 129)).astype(np.float32))
out = {
    "level": ember._C.simd_level(),
    "add": (ex + ey).tolist(), "div": (ex / ey).tolist(),
    "exp": ex.exp().tolist(), "tanh": ex.tanh().tolist(), "sigmoid": ex.sigmoid().tolist(),
    "sum0": m.sum(0).tolist(), "sum1": m.sum(1).tolist(),
    "max1": ex.reshape(17, 59).amax(1).tolist(), "min0": ex.reshape(17, 59).amin(0).tolist(),
    "argmax": int(ey.argmax()),
}
print(json.dumps(out))
"""


def _run(level):
    env = dict(os.environ, EMBER_SIMD=level)
    proc = subprocess.run([sys.executable, "-c", _PROGRAM], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def results():
    return {level: _run(level) for level in ("baseline", "avx2", "avx512")}


def test_level_cap_is_respected(results):
    assert results["baseline"]["level"] == "baseline"
    assert results["avx2"]["level"] in ("baseline", "avx2")
    assert results["avx512"]["level"] == ember._C.simd_level()


@pytest.mark.parametrize("key", ["add", "div", "exp", "tanh", "sigmoid", "sum0", "sum1", "max1", "min0", "argmax"])
def test_levels_agree(results, key):
    base = np.array(results["baseline"][key], dtype=np.float64)
    for level in ("avx2", "avx512"):
        other = np.array(results[level][key], dtype=np.float64)
        np.testing.assert_allclose(other, base, rtol=2e-6, atol=0, equal_nan=True)


def test_vector_exp_and_tanh_match_numpy():
    x = np.concatenate(
        [np.linspace(-110, 100, 20001, dtype=np.float32), np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], np.float32)]
    )
    t = ember.from_numpy(x)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(t.exp().numpy(), np.exp(x), rtol=4e-7, atol=1e-44, equal_nan=True)
    np.testing.assert_allclose(t.tanh().numpy(), np.tanh(x), rtol=4e-7, atol=1e-7, equal_nan=True)
