# SPDX-License-Identifier: BSD-3-Clause
"""Descriptors in messages (the file_descriptor strategy). The sender offers
a descriptor to its server (``_descriptor_server``, a C thread) and pickles
a ``DescriptorHandle``; the receiver asks the sender's server for it over a
connection it keeps per sender, so a descriptor costs one round trip on an
open socket, answered even while the sender's Python code is busy."""

from __future__ import annotations

import errno
import os
import select
import socket
import struct
import threading

from . import _descriptor_server
from ._sockets import connect

_lock = threading.Lock()
_connections: dict[str, socket.socket] = {}


class DescriptorHandle:
    """What a message carries for a descriptor: the sender's server address
    and the id of the offer. ``detach()`` (once) returns our own descriptor."""

    __slots__ = ("address", "id")

    def __init__(self, address: str, id: int) -> None:  # noqa: A002 - the offer's id
        self.address, self.id = address, id

    def __reduce__(self):
        return DescriptorHandle, (self.address, self.id)

    def detach(self) -> int:
        return fetch(self.address, self.id)


def offer(fd: int) -> DescriptorHandle:
    """Keeps a duplicate of ``fd`` for one receiver."""
    return DescriptorHandle(*_descriptor_server.offer(fd))


def _drop_dead_connections() -> None:
    """Closes connections to senders that exited (their server hung up)."""
    poller = select.poll()
    by_fd = {sock.fileno(): address for address, sock in _connections.items()}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    for fd, _ in poller.poll(0):  # readable without a request: EOF
        _connections.pop(by_fd[fd]).close()


def _connection(address: str) -> socket.socket:
    sock = _connections.get(address)
    if sock is None:
        _drop_dead_connections()
        sock = _connections[address] = connect(address)
    return sock


def fetch(address: str, offer_id: int) -> int:
    """Our own descriptor for the offer ``offer_id`` of the server at
    ``address``. EOFError or OSError when the sender is gone."""
    with _lock:
        sock = _connection(address)
        try:
            sock.send(struct.pack("=Q", offer_id))
            reply, fds, _, _ = socket.recv_fds(sock, 1, 1, socket.MSG_CMSG_CLOEXEC)
        except OSError:
            _connections.pop(address, None)
            sock.close()
            raise
        if not reply:
            _connections.pop(address, None)
            sock.close()
            raise EOFError(f"the process that sent a tensor is gone (its descriptor server {address})")
    if reply != b"\x01" or not fds:
        for fd in fds:
            os.close(fd)
        raise OSError(errno.ENOENT, f"descriptor {offer_id} is no longer offered by {address}")
    return fds[0]


def after_fork_in_child() -> None:
    """A forked child asks the senders on connections of its own."""
    global _lock
    _lock = threading.Lock()
    for sock in _connections.values():
        sock.close()
    _connections.clear()
