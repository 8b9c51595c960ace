# SPDX-License-Identifier: BSD-3-Clause
"""This process's connections to janitors (see ``_janitor``): the one of its
process tree, started on first need and found by its children through the
environment, and those of segments received from elsewhere."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading

from ._sockets import connect

# the abstract socket address of this process tree's janitor
ENV_VAR = "EMBER_SHM_JANITOR"
_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_janitor.py")

_lock = threading.Lock()
_connections: dict[str, socket.socket] = {}


def _start_janitor() -> str:
    address = f"ember-shm-janitor-{os.getpid()}-{secrets.token_hex(8)}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        listener.bind("\0" + address)
        listener.listen(128)
        subprocess.Popen(
            [sys.executable, "-I", "-S", _SCRIPT, str(listener.fileno())],
            pass_fds=(listener.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # out of our process group: a signal to the group (Ctrl-C, a
            # killpg of the workers) must not take the cleanup with it
            start_new_session=True,
        )
    finally:
        listener.close()
    return address


def connection(address: str | None = None) -> tuple[str, socket.socket]:
    """``(address, socket)`` of the janitor at ``address``, or of this process
    tree's janitor (started now if there is none) when ``address`` is None."""
    with _lock:
        if address is None:
            address = os.environ.get(ENV_VAR)
            if address and address not in _connections:
                try:
                    _connections[address] = connect(address)
                except OSError:  # that janitor is gone: start our own
                    address = None
            if not address:
                address = _start_janitor()
                os.environ[ENV_VAR] = address
        if address not in _connections:
            _connections[address] = connect(address)
        return address, _connections[address]


def tell(address: str, verb: str, name: str) -> int:
    """Sends ``verb name`` to the janitor at ``address``; returns the
    connection's descriptor (the core-side bookkeeping keeps it)."""
    _, sock = connection(address)
    sock.send(f"{verb} {name}".encode("ascii"))
    return sock.fileno()


def after_fork_in_child(adopted: list[tuple[str, str]]) -> None:
    """In a forked child: drops the parent's connections (closing our copies,
    so a janitor notices the parent's death) and holds the inherited named
    segments in this process's name."""
    global _lock
    _lock = threading.Lock()
    for sock in _connections.values():
        sock.close()
    _connections.clear()
    from . import _shm

    for name, address in adopted:
        try:
            _shm.set_janitor_fd(name, tell(address, "hold", name))
        except OSError:
            pass  # its janitor is gone: nothing left to clean up with it
