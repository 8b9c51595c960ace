# SPDX-License-Identifier: BSD-3-Clause
"""ember.nn (work in progress)."""

from ._compat import __version__, check_core

check_core()

__all__ = ["__version__"]
