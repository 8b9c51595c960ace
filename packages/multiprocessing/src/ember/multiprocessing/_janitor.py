# SPDX-License-Identifier: BSD-3-Clause
"""The cleanup helper of the ``file_system`` sharing strategy: a small process
(standard library only, started by ``_janitor_client``) that unlinks each
named segment in /dev/shm once no process holds it and no message carrying
its name is still in flight, including when the processes holding it died
(SIGKILL included: their connections close).

Every process that maps a segment keeps a connection to the janitor and
sends, as one datagram each: ``hold NAME`` (it maps the segment), ``release
NAME`` (it unmapped it), ``sent NAME`` (it pickled the name into a message)
and ``arrived NAME`` (it opened a segment it received). A dead connection
drops its holds and its messages in flight. When the last connection closes
the janitor unlinks whatever is left and exits.

Run as ``python -I -S _janitor.py LISTENING_FD``.
"""

import os
import re
import selectors
import socket
import struct
import sys

SHM_DIR = "/dev/shm"
# only names our clients make: a connection cannot unlink anything else
NAME = re.compile(r"/ember_[0-9a-z_]{1,80}")
# a janitor nobody connects to (its starter died at once) does not linger
FIRST_CONNECTION_TIMEOUT = 60.0


def unlink(name: str) -> None:
    try:
        os.unlink(SHM_DIR + name)
    except OSError:
        pass


class Ledger:
    """Who holds each segment, and how many messages carry its name."""

    def __init__(self) -> None:
        self.holds: dict[str, dict[object, int]] = {}
        self.in_flight: dict[str, dict[object, int]] = {}
        # arrivals read before the matching "sent" (two connections race)
        self.early_arrivals: dict[str, int] = {}

    def apply(self, conn: object, verb: str, name: str) -> None:
        if verb == "hold":
            self._add(self.holds, name, conn, 1)
        elif verb == "release":
            self._add(self.holds, name, conn, -1)
            self.settle(name)
        elif verb == "sent":
            if self.early_arrivals.get(name):
                self.early_arrivals[name] -= 1
            else:
                self._add(self.in_flight, name, conn, 1)
        elif verb == "arrived":
            senders = self.in_flight.get(name)
            if senders:
                self._add(self.in_flight, name, next(iter(senders)), -1)
            else:
                self.early_arrivals[name] = self.early_arrivals.get(name, 0) + 1
            self.settle(name)

    def forget(self, conn: object) -> None:
        """A connection closed: its process is gone, with its holds."""
        touched = set()
        for table in (self.holds, self.in_flight):
            for name, counts in list(table.items()):
                if counts.pop(conn, None) is not None:
                    touched.add(name)
        for name in touched:
            self.settle(name)

    def settle(self, name: str) -> None:
        if not self.holds.get(name) and not self.in_flight.get(name):
            self.holds.pop(name, None)
            self.in_flight.pop(name, None)
            self.early_arrivals.pop(name, None)
            unlink(name)

    def names(self) -> set[str]:
        return set(self.holds) | set(self.in_flight)

    @staticmethod
    def _add(table: dict, name: str, conn: object, delta: int) -> None:
        counts = table.setdefault(name, {})
        counts[conn] = counts.get(conn, 0) + delta
        if counts[conn] <= 0:
            del counts[conn]


def same_user(conn: socket.socket) -> bool:
    """Whether the peer runs as our user (the address is abstract: any local
    process could connect)."""
    _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    return uid == os.getuid()


def serve(listener: socket.socket) -> None:
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    ledger = Ledger()
    clients = 0
    connected_once = False
    while not connected_once or clients:
        events = selector.select(timeout=None if connected_once else FIRST_CONNECTION_TIMEOUT)
        if not events and not connected_once:
            break
        for key, _ in events:
            if key.fileobj is listener:
                conn, _ = listener.accept()
                if not same_user(conn):
                    conn.close()
                    continue
                selector.register(conn, selectors.EVENT_READ)
                clients += 1
                connected_once = True
                continue
            conn = key.fileobj
            try:
                data = conn.recv(256)
            except OSError:
                data = b""
            if not data:
                selector.unregister(conn)
                conn.close()
                clients -= 1
                ledger.forget(conn)
                continue
            verb, _, name = data.decode("ascii", "replace").partition(" ")
            if NAME.fullmatch(name):
                ledger.apply(conn, verb, name)
    for name in ledger.names():
        unlink(name)


def main() -> None:
    listener = socket.socket(fileno=int(sys.argv[1]))
    serve(listener)


if __name__ == "__main__":
    main()
