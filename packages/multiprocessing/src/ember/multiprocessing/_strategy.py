# SPDX-License-Identifier: BSD-3-Clause
"""How CPU tensors are shared: ``file_descriptor`` (the default: an anonymous
memfd whose descriptor travels with the message; nothing is ever named) or
``file_system`` (a named file in /dev/shm that the receiver opens by name;
no descriptors travel, and a cleanup helper unlinks the files)."""

from __future__ import annotations

__all__ = ["get_all_sharing_strategies", "get_sharing_strategy", "set_sharing_strategy"]

_ALL_STRATEGIES = frozenset({"file_descriptor", "file_system"})
_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Sets the strategy for sharing CPU tensors from now on (tensors already
    in shared memory keep theirs).

    Parameters
    ----------
    new_strategy : str
        One of :func:`get_all_sharing_strategies`.
    """
    global _strategy
    if new_strategy not in _ALL_STRATEGIES:
        # PyTorch raises AssertionError here
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of {sorted(_ALL_STRATEGIES)}")
    _strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current strategy for sharing CPU tensors."""
    return _strategy


def get_all_sharing_strategies() -> set[str]:
    """The sharing strategies this system supports."""
    return set(_ALL_STRATEGIES)
