# SPDX-License-Identifier: BSD-3-Clause
"""An exception raised in a worker process, carried to the main process
and raised there again with the worker's traceback in its message."""

from __future__ import annotations

import pickle
import sys
import traceback


class _KeyErrorMessage(str):
    """KeyError shows ``repr`` of its argument; this keeps the traceback's
    newlines readable."""

    __slots__ = ()

    def __repr__(self) -> str:
        return self


class WorkerError:
    """The type, traceback and origin of ``exc`` (default: the exception
    being handled).

    Only picklable parts are kept (the exception object itself may not be):
    an exception type that cannot be pickled by reference travels as
    RuntimeError.
    """

    def __init__(self, where: str, exc: BaseException | None = None) -> None:
        if exc is None:
            exc = sys.exc_info()[1]
        exc_type, tb = type(exc), exc.__traceback__
        try:
            pickle.dumps(exc_type)
        except Exception:
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.traceback = "".join(traceback.format_exception(type(exc), exc, tb))
        self.where = where

    def reraise(self):
        """Raises the same exception type with the original traceback in the
        message (RuntimeError when that type cannot be built from a message)."""
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.traceback}"
        if self.exc_type is KeyError:
            message = _KeyErrorMessage(message)
        try:
            exception = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        try:
            raise exception
        finally:
            exception = None  # the frame must not keep its own traceback alive (a cycle)
