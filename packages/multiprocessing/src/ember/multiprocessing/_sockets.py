# SPDX-License-Identifier: BSD-3-Clause
"""Connections to the package's helper servers (the janitor, the descriptor
servers), which listen on abstract Unix sockets: nothing on disk to clean up."""

from __future__ import annotations

import socket


def connect(address: str) -> socket.socket:
    """A SOCK_SEQPACKET connection to the abstract socket ``address``; the
    socket is closed again when the connection fails."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect("\0" + address)
    except OSError:
        sock.close()
        raise
    return sock
