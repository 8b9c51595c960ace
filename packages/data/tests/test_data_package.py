# SPDX-License-Identifier: BSD-3-Clause
"""The distribution: its version, its core check, and ember.utils.data as
the same module as ember.data."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib import metadata

import pytest

import ember
import ember.data as edata


def test_version_matches_metadata():
    assert edata.__version__ == metadata.version("ember-data")


def test_utils_data_is_the_same_module():
    import ember.utils.data as udata

    assert udata is edata and ember.utils.data is edata
    assert udata.DataLoader is edata.DataLoader and udata.default_collate is edata.default_collate


@pytest.mark.parametrize("submodule", ["dataset", "sampler", "dataloader", "distributed", "collate"])
def test_utils_data_submodules_are_ember_datas(submodule):
    assert importlib.import_module(f"ember.utils.data.{submodule}") is importlib.import_module(
        f"ember.data.{submodule}"
    )


def test_utils_data_first_in_a_fresh_interpreter():
    code = (
        "from ember.utils.data.sampler import BatchSampler\n"
        "import ember, ember.data\n"
        "assert BatchSampler is ember.data.BatchSampler is ember.utils.data.BatchSampler\n"
        "import ember as torch\n"
        "print(len(torch.utils.data.DataLoader(range(10), batch_size=4)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "3"


def test_public_names_match_torch():
    tdata = pytest.importorskip("torch.utils.data")
    ours = set(edata.__all__) - {"__version__", "WorkerInfo"}
    theirs = {n for n in tdata.__all__ if not n.startswith("_") and "DataPipe" not in n and n[0].isupper()}
    theirs |= {"default_collate", "default_convert", "get_worker_info", "random_split"}
    theirs -= {"DataChunk"}
    assert ours == theirs


def test_core_range_is_checked(monkeypatch):
    from ember.data import _compat

    monkeypatch.setattr(_compat, "CORE_RANGE", ("0.0", "0.1"))
    with pytest.raises(ImportError, match=r"ember-data 0\.1\.0 needs ember-core>=0\.0,<0\.1"):
        _compat.check_core()
