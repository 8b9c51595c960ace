# SPDX-License-Identifier: BSD-3-Clause
"""The core versions this component works with, checked at import."""

from __future__ import annotations

__version__ = "0.1.0"
CORE_RANGE = ">=0.1,<0.2"  # as in pyproject.toml
ABI_MAJOR = 1


def check_core() -> None:
    """Raises ImportError naming both versions and the fix when the installed
    ember-core is outside CORE_RANGE or speaks another ABI major."""
    import ember

    try:
        require = ember._components.require_core
    except AttributeError:  # a core older than the seam
        raise ImportError(
            f"ember-autograd {__version__} needs ember-core{CORE_RANGE}, but ember-core "
            f"{getattr(ember, '__version__', 'unknown')} is installed. "
            f"Fix it with: pip install 'ember-core{CORE_RANGE}'"
        ) from None
    require("ember-autograd", __version__, ("0.1", "0.2"), ABI_MAJOR)
