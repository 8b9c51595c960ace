# SPDX-License-Identifier: BSD-3-Clause
"""The distribution: its version and core check, torch.multiprocessing's
names, the core's Tensor methods deferring to it, and the native part's
refusal of a core of another ABI major."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

import ember
import ember.multiprocessing as mp


def test_version_matches_metadata():
    assert mp.__version__ == metadata.version("ember-multiprocessing")


def test_core_range_is_checked(monkeypatch):
    from ember.multiprocessing import _compat

    monkeypatch.setattr(_compat, "CORE_RANGE", ("0.5", "0.6"))
    with pytest.raises(ImportError, match=r"ember-multiprocessing 0.1.0 needs ember-core>=0.5,<0.6"):
        _compat.check_core()


def test_reexports_multiprocessing_and_torchs_names():
    for name in multiprocessing.__all__:
        assert name in mp.__all__ and hasattr(mp, name), name
    torch_mp = pytest.importorskip("torch.multiprocessing")
    assert set(torch_mp.__all__) <= set(mp.__all__)
    for name in ("spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException"):
        assert hasattr(mp, name) and hasattr(torch_mp, name)


def test_tensor_methods_name_the_distribution_when_it_is_missing(monkeypatch):
    monkeypatch.setattr(ember._tensor, "_sharing_handler", None)
    monkeypatch.setitem(sys.modules, "ember.multiprocessing", None)
    assert ember.ones(2).is_shared() is False
    with pytest.raises(ModuleNotFoundError, match="pip install ember-multiprocessing"):
        ember.ones(2).share_memory_()


def test_share_memory_imports_the_package_on_first_use():
    code = (
        "import sys, ember\n"
        "assert 'ember.multiprocessing' not in sys.modules\n"
        "t = ember.ones(2)\n"
        "assert not t.is_shared() and 'ember.multiprocessing' not in sys.modules\n"
        "assert t.share_memory_().is_shared() and 'ember.multiprocessing' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_native_part_refuses_a_core_of_another_abi_major():
    # a stand-in ember._C whose ABI table says 2.0, then the extension loaded from its file
    code = textwrap.dedent(
        f"""
        import ctypes, importlib.util, sys, types
        import ember
        Fn = ctypes.CFUNCTYPE(ctypes.c_int)
        Version = ctypes.CFUNCTYPE(ctypes.c_char_p)
        major, feature, version = Fn(lambda: 2), Fn(lambda: 0), Version(lambda: b"9.0.0")
        table = (ctypes.c_void_p * 13)(*(ctypes.cast(f, ctypes.c_void_p) for f in (major, feature, version)))
        new_capsule = ctypes.pythonapi.PyCapsule_New
        new_capsule.restype = ctypes.py_object
        new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        fake = types.ModuleType("ember._C")
        fake._ABI = new_capsule(ctypes.addressof(table), b"ember._C._ABI", None)
        sys.modules["ember._C"] = fake
        spec = importlib.util.spec_from_file_location("_shm", {mp._shm.__file__!r})
        try:
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        except ImportError as e:
            print(e)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    major = ember.__abi_version__[0]
    assert f"built for ember ABI {major}." in proc.stdout
    assert "but the installed ember-core 9.0.0 provides ABI 2.0" in proc.stdout
