# SPDX-License-Identifier: BSD-3-Clause
"""The core version this component works with, checked at import."""

from __future__ import annotations

__version__ = "0.1.0"
CORE_RANGE = ("0.1", "0.2")  # >=, < ; as in pyproject.toml
ABI_MAJOR = 1


def check_core() -> None:
    import ember

    ember._components.require_core("ember-multiprocessing", __version__, CORE_RANGE, ABI_MAJOR)
