# SPDX-License-Identifier: BSD-3-Clause
"""Extensions built for an ABI the installed core does not provide refuse to
import, with an ImportError naming both ABI versions and the pip command that
fixes it (ember_import_core() in abi.h)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import ember

MAJOR, FEATURE = ember.__abi_version__
# the core release series of an ABI major: ABI N <-> ember-core 0.N.*
PIP = re.compile(r'pip install (?P<flags>(?:--upgrade |-U )?)"ember-core>=0\.(?P<lo>\d+),<0\.(?P<hi>\d+)"')


def _import_error(abi_extensions, name) -> str:
    with pytest.raises(ImportError) as info:
        abi_extensions.load(name)
    assert type(info.value) is ImportError  # not ModuleNotFoundError: it was found
    assert name not in sys.modules
    return str(info.value)


def test_other_major_refuses_to_import(abi_extensions):
    message = _import_error(abi_extensions, "_ember_abi_ext_major")
    assert f"built for ember ABI {MAJOR + 1}.1" in message
    assert f"ember-core {ember.__version__} provides ABI {MAJOR}.{FEATURE}" in message
    m = PIP.search(message)
    assert m, message
    # the core series that provides the extension's ABI major
    assert (int(m["lo"]), int(m["hi"])) == (MAJOR + 1, MAJOR + 2), message
    assert "rebuild the extension against the installed core" in message


def test_newer_feature_refuses_to_import(abi_extensions):
    message = _import_error(abi_extensions, "_ember_abi_ext_feature")
    assert f"built for ember ABI {MAJOR}.{FEATURE + 1}" in message
    assert f"ember-core {ember.__version__} provides ABI {MAJOR}.{FEATURE}" in message
    m = PIP.search(message)
    assert m, message
    assert (int(m["lo"]), int(m["hi"])) == (MAJOR, MAJOR + 1), message


def test_newer_feature_pip_command_upgrades(abi_extensions):
    # The installed core already satisfies ">=0.M,<0.M+1", so without
    # --upgrade that command is a no-op ("Requirement already satisfied") and
    # does not fix the mismatch; the newest core of the series does.
    message = _import_error(abi_extensions, "_ember_abi_ext_feature")
    m = PIP.search(message)
    assert m, message
    assert m["flags"].strip() in ("--upgrade", "-U"), f"the suggested command would not upgrade the core:\n{message}"


def test_refused_extension_registered_nothing(abi_extensions):
    for name in ("_ember_abi_ext_major", "_ember_abi_ext_feature"):
        with pytest.raises(ImportError):
            abi_extensions.load(name)
        assert not [op for op in ember.ops.registered() if op.startswith(name + ".")]


def test_mismatch_seen_from_a_fresh_interpreter(abi_extensions):
    """As a user meets it: the extension imports ember._C itself."""
    env = dict(os.environ, PYTHONPATH=str(abi_extensions.build_dir))
    ok = subprocess.run(
        [sys.executable, "-c", "import _ember_abi_ext, sys; print('ember' in sys.modules)"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "True"
    bad = subprocess.run([sys.executable, "-c", "import _ember_abi_ext_major"], capture_output=True, text=True, env=env)
    assert bad.returncode != 0
    assert "ImportError: this extension was built for ember ABI" in bad.stderr
    assert PIP.search(bad.stderr), bad.stderr
