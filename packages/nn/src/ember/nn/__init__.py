# SPDX-License-Identifier: BSD-3-Clause
"""ember.nn: modules, parameters, functional ops and initialisation, with
torch.nn's names and semantics."""

from ._compat import __version__, check_core

check_core()

from . import functional, init, utils  # noqa: E402
from .modules import *  # noqa: E402, F403
from .modules import __all__ as _modules_all  # noqa: E402
from .parameter import Buffer, Parameter, UninitializedParameter  # noqa: E402

__all__ = ["__version__", "Buffer", "Parameter", "UninitializedParameter", "functional", "init", "utils", *_modules_all]
