# SPDX-License-Identifier: BSD-3-Clause
"""Shared fixtures for the cross-package tests: the C ABI test extensions
(tests/abi_extension/) compiled once per session against the installed core."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
EXT_SOURCE = HERE / "abi_extension"


def _tool(name: str) -> str | None:
    """A build tool from this interpreter's environment (.venv), else PATH."""
    bindir = Path(sys.executable).parent
    found = shutil.which(name, path=str(bindir))
    return found or shutil.which(name)


def _ember_cmake_dir() -> str:
    """ember.get_cmake_dir() -- or, where it does not hold the config (see
    test_components.py::test_get_include_and_cmake_dir), the one installed
    next to ember._C, so the ABI tests still test the ABI."""
    import ember

    cmake_dir = ember.get_cmake_dir()
    if os.path.isfile(os.path.join(cmake_dir, "emberConfig.cmake")):
        return cmake_dir
    return os.path.join(os.path.dirname(ember._C.__file__), "share", "cmake", "ember")


class Extensions:
    """The built test extensions: ``load(name)`` imports one by module name."""

    def __init__(self, build_dir: Path, log: str, seconds: float):
        self.build_dir = build_dir
        self.log = log
        self.seconds = seconds

    def path(self, name: str) -> Path:
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        return self.build_dir / f"{name}{suffix}"

    def load(self, name: str):
        """Imports the extension ``name`` (not via sys.path, so each test
        process sees only the ones it loads)."""
        if name in sys.modules:
            return sys.modules[name]
        path = self.path(name)
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        sys.modules[name] = module
        return module


@pytest.fixture(scope="session")
def abi_extensions(tmp_path_factory) -> Extensions:
    """Configures and builds tests/abi_extension with the environment's cmake:
    the extension under test, its C++ twin, one built for a feature level
    above the core's, and one built against a copy of abi.h with another ABI
    major."""
    import ember

    cmake = _tool("cmake")
    if cmake is None:
        pytest.skip("cmake is not installed")
    root = tmp_path_factory.mktemp("abi_ext")
    build = root / "build"

    # A copy of the installed header from ABI major + 1.
    major, feature = ember.__abi_version__
    header = Path(ember.get_include(), "ember", "abi.h")
    if not header.is_file():  # see _ember_cmake_dir
        header = Path(os.path.dirname(ember._C.__file__), "include", "ember", "abi.h")
    other = root / "other_major" / "ember" / "abi.h"
    other.parent.mkdir(parents=True)
    text, n = re.subn(
        r"^#define EMBER_ABI_MAJOR \d+$", f"#define EMBER_ABI_MAJOR {major + 1}", header.read_text(), flags=re.M
    )
    assert n == 1, "abi.h has no '#define EMBER_ABI_MAJOR <n>' line to change"
    other.write_text(text)

    args = [
        cmake,
        "-S",
        str(EXT_SOURCE),
        "-B",
        str(build),
        "-DCMAKE_BUILD_TYPE=Release",
        f"-DPython_EXECUTABLE={sys.executable}",
        f"-Dember_DIR={_ember_cmake_dir()}",
        f"-DEMBER_TEST_TARGET_FEATURE={feature + 1}",
        f"-DEMBER_TEST_OTHER_ABI_INCLUDE={other.parent.parent}",
        f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={build}",
    ]
    ninja = _tool("ninja")
    if ninja:
        args += ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"]
    env = {k: v for k, v in os.environ.items() if k not in ("CFLAGS", "CXXFLAGS", "LDFLAGS")}
    start = time.perf_counter()
    log = []
    for cmd in (args, [cmake, "--build", str(build), "--parallel", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        log.append(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            pytest.fail(f"building the ABI test extensions failed:\n$ {' '.join(cmd)}\n{''.join(log)}")
    return Extensions(build, "".join(log), time.perf_counter() - start)


@pytest.fixture(scope="session")
def abi_ext(abi_extensions):
    """The C test extension (tests/abi_extension/abi_ext.c), imported."""
    return abi_extensions.load("_ember_abi_ext")
