# SPDX-License-Identifier: BSD-3-Clause
"""The digits demo (examples/digits, the README's first command): one short
run prints the test accuracy, writes the checkpoint and the plot, and the
model reloaded from the checkpoint scores the same; its PyTorch twin is the
same program but for the imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "examples" / "digits"
INSTALL_HINT = "pip install -r examples/digits/requirements.txt"


def _require_demo_dependencies() -> None:
    for module in ("ember.autograd", "ember.nn", "ember.optim", "ember.data"):
        pytest.importorskip(module, reason=f"the digits demo needs {module}")
    for module, distribution in (("sklearn", "scikit-learn"), ("tqdm", "tqdm"), ("matplotlib", "matplotlib")):
        pytest.importorskip(module, reason=f"the digits demo needs {distribution}: {INSTALL_HINT}")


def test_one_epoch_trains_saves_plots_and_reloads(tmp_path):
    _require_demo_dependencies()
    proc = subprocess.run(
        [sys.executable, str(DEMO / "train.py"), "--epochs", "1", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout

    trained = re.search(r"^epoch  1/1 .*test accuracy (\d+\.\d\d)%$", out, flags=re.M)
    assert trained, out
    # one epoch of a one-cycle schedule already learns most digits
    assert float(trained.group(1)) > 50, out
    reloaded = re.search(r"^reloaded model: test accuracy (\d+\.\d\d)%$", out, flags=re.M)
    assert reloaded and reloaded.group(1) == trained.group(1), out

    checkpoint_path = tmp_path / "digits_cnn.pt"
    plot_path = tmp_path / "digits_training.png"
    assert f"saved {checkpoint_path}" in out and f"saved {plot_path}" in out, out
    assert plot_path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    import ember

    checkpoint = ember.load(checkpoint_path)
    assert set(checkpoint) == {"model", "optimizer"}
    assert checkpoint["model"]["0.weight"].shape == (32, 1, 3, 3)
    assert checkpoint["optimizer"]["state"], "Adam's moments are saved"


def _without_framework_lines(path: Path) -> list[str]:
    """The program past its docstring, less blank lines and the lines that
    name the framework."""
    body = path.read_text().split('"""', 2)[2]
    framework = re.compile(r"^(import (ember|torch)\b|from (ember|torch)[\s.]|FRAMEWORK = )")
    return [line for line in body.splitlines() if line.strip() and not framework.match(line)]


def test_pytorch_twin_differs_only_in_imports():
    # the wall-time comparison is fair only while both run the same program
    ember_lines = _without_framework_lines(DEMO / "train.py")
    torch_lines = _without_framework_lines(DEMO / "train_torch.py")
    assert ember_lines == torch_lines
