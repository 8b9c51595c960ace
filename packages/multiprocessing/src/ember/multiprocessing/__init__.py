# SPDX-License-Identifier: BSD-3-Clause
"""ember.multiprocessing: Python's ``multiprocessing`` with ember tensors
shared between processes, as ``torch.multiprocessing``.

Everything ``multiprocessing`` exports is here (``Process``, ``Queue``,
``Pipe``, ``Pool``, ``get_context``, ...), plus :func:`spawn`. Importing it
registers a pickling reduction, so a tensor sent through a queue or pipe,
or passed to a spawned process, moves to shared memory once (in place) and
is then shared, not copied: a write in one process is seen by the other.
"""

from ._compat import __version__, check_core

check_core()

# isort: split
import multiprocessing  # noqa: E402
import os  # noqa: E402
from multiprocessing import *  # noqa: E402, F403

import ember  # noqa: E402

from . import _descriptors, _janitor_client, _sharing, _shm  # noqa: E402
from ._strategy import get_all_sharing_strategies, get_sharing_strategy, set_sharing_strategy  # noqa: E402
from .reductions import init_reductions  # noqa: E402
from .spawn import (  # noqa: E402
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    spawn,
    start_processes,
)

__all__ = [
    "__version__",
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "get_all_sharing_strategies",
    "get_sharing_strategy",
    "set_sharing_strategy",
    "spawn",
    "start_processes",
    *multiprocessing.__all__,
]


def _after_fork_in_child() -> None:
    _descriptors.after_fork_in_child()
    _janitor_client.after_fork_in_child(_shm.adopt())


init_reductions()
os.register_at_fork(after_in_child=_after_fork_in_child)
ember._tensor._set_sharing_handler(_sharing.share_memory_, _sharing.is_shared)
