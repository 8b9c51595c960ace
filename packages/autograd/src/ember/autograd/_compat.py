# SPDX-License-Identifier: BSD-3-Clause
"""The core versions this component works with, checked at import."""

from __future__ import annotations

import ember

__version__ = "0.1.0"
CORE_RANGE = ">=0.1,<0.2"  # as in pyproject.toml
ABI_MAJOR = 1


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("+")[0].split(".")[:2] if p.isdigit())


def check_core() -> None:
    """Raises ImportError naming both versions and the fix when the installed
    ember-core is outside CORE_RANGE or speaks another ABI major."""
    core = getattr(ember, "__version__", "unknown")
    abi = tuple(getattr(ember, "__abi_version__", (0, 0)))
    release = _release(core)
    if abi[:1] == (ABI_MAJOR,) and (0, 1) <= release < (0, 2) and hasattr(ember._C, "_set_autograd_handler"):
        return
    raise ImportError(
        f"ember-autograd {__version__} needs ember-core{CORE_RANGE} (ABI {ABI_MAJOR}.x), but ember-core "
        f"{core} (ABI {'.'.join(map(str, abi))}) is installed. Fix it with: "
        f"pip install 'ember-core{CORE_RANGE}' (or install the ember-autograd that matches your ember-core)"
    )
