# SPDX-License-Identifier: BSD-3-Clause
"""pytest plugin for ci/test-isolated (loaded with ``-p``): the report header
says where ``ember`` was imported from, and the session fails when any
``ember`` module was imported from outside the environment under test (the
checkout's sources instead of the installed wheels)."""

from __future__ import annotations

import os
import sys


def _outside_prefix() -> list[str]:
    prefix = os.path.realpath(sys.prefix) + os.sep
    outside = []
    for name, module in list(sys.modules.items()):
        if name != "ember" and not name.startswith("ember."):
            continue
        path = getattr(module, "__file__", None)
        if path and not os.path.realpath(path).startswith(prefix):
            outside.append(f"{name}: {path}")
    return outside


def pytest_report_header(config):
    import ember

    return f"ember {ember.__version__} imported from {ember.__file__} (environment {sys.prefix})"


def pytest_sessionfinish(session, exitstatus):
    outside = _outside_prefix()
    if outside:
        print(f"\nERROR: ember modules imported from outside {sys.prefix}:", *outside, sep="\n  ")
        session.exitstatus = 1
