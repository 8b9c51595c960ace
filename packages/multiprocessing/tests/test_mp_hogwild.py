# SPDX-License-Identifier: BSD-3-Clause
"""The Hogwild example of docs/api/multiprocessing.rst runs as printed:
processes training one shared model bring its loss down."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "api" / "multiprocessing.rst"


def hogwild_example() -> str:
    text = PAGE.read_text()
    section = text[text.index("Example: Hogwild") :]
    block = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", section)
    return textwrap.dedent(block.group(1))


def test_hogwild_example(tmp_path):
    if not PAGE.exists():
        pytest.skip("the docs are not in this checkout")
    pytest.importorskip("ember.nn")
    pytest.importorskip("ember.optim")
    script = tmp_path / "hogwild.py"
    script.write_text(hogwild_example())
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    before, after = map(float, re.fullmatch(r"loss (\S+) -> (\S+)\n", proc.stdout).groups())
    assert after < before / 10
