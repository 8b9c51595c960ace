# SPDX-License-Identifier: BSD-3-Clause
"""Shared-memory segments as 1-D uint8 tensors (the native ``_shm`` wraps
them through the core's C ABI): made under the current sharing strategy,
mapped from what a message carries, and turned back into something a
message can carry.

A descriptor-strategy segment is an anonymous memfd. The process that made
it keeps its descriptor while the tensor lives, to share it again; a
process that receives one maps it and closes the descriptor at once, so
holding many received tensors costs no descriptors. A ``file_system``
segment is a file in /dev/shm, closed once mapped in every process; the
janitor (``_janitor``) unlinks it when the last holder lets go.
"""

from __future__ import annotations

import errno
import itertools
import os
import secrets
from multiprocessing import reduction, util
from multiprocessing.context import get_spawning_popen

from . import _descriptors, _janitor_client, _shm
from ._janitor import NAME as SEGMENT_NAME
from ._strategy import get_sharing_strategy

SHM_DIR = "/dev/shm"
# where Linux lets a process reopen its own mappings (with CAP_SYS_ADMIN or
# CAP_CHECKPOINT_RESTORE only)
MAP_FILES_DIR = "/proc/self/map_files"
_OUT_OF_MEMORY_ERRNOS = {errno.ENOSPC, errno.ENOMEM, errno.EFBIG, errno.EDQUOT}

_names = itertools.count()
_token = secrets.token_hex(4)


def _new_name() -> str:
    return f"/ember_{os.getpid()}_{next(_names)}_{_token}"


def _dev_shm_space() -> tuple[int, int]:
    """(free, total) bytes of /dev/shm."""
    st = os.statvfs(SHM_DIR)
    return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{value:.1f} {unit} ({n} bytes)"
        value /= 1024
    raise AssertionError("unreachable")


def out_of_shared_memory(nbytes: int, strategy: str, cause: OSError | None = None) -> RuntimeError:
    """The error for a segment of ``nbytes`` that could not be allocated:
    what was asked, what is free, and how to get more."""
    try:
        free, total = _dev_shm_space()
        space = f"{SHM_DIR} has {_size(free)} free of {_size(total)}"
    except OSError as e:
        space = f"{SHM_DIR} could not be measured ({e})"
    reason = f" ({cause.strerror})" if cause is not None and cause.strerror else ""
    if strategy == "file_system":
        where = f"{space}; the file_system sharing strategy keeps shared tensors there"
    else:
        where = (
            "the file_descriptor sharing strategy's anonymous segments count against the memory this "
            f"process may use (its container or cgroup limit), not {SHM_DIR}'s size; {space}"
        )
    return RuntimeError(
        f"out of shared memory: could not allocate {_size(nbytes)} for a tensor's storage{reason}: {where}. "
        "To raise the limit, give the container more shared memory and memory (docker run --shm-size=8g "
        "--memory=...; shm_size in docker compose; an emptyDir with medium: Memory on Kubernetes), or remount "
        f"it: sudo mount -o remount,size=8G {SHM_DIR}. Smaller batches or fewer DataLoader workers need less."
    )


def allocate(nbytes: int):
    """A new zero-filled shared segment of ``nbytes`` under the current
    strategy, as a 1-D uint8 tensor."""
    strategy = get_sharing_strategy()
    if strategy == "file_system":
        return _allocate_named(nbytes)
    try:
        return _shm.create(nbytes)
    except OSError as e:
        if e.errno in _OUT_OF_MEMORY_ERRNOS:
            raise out_of_shared_memory(nbytes, strategy, e) from e
        raise


def _allocate_named(nbytes: int):
    free, _ = _dev_shm_space()
    if free < nbytes:  # fail before a partial file takes what is left
        raise out_of_shared_memory(nbytes, "file_system")
    name = _new_name()
    # held before the file exists: if we die now, the janitor still unlinks it
    address, sock = _janitor_client.connection()
    sock.send(f"hold {name}".encode("ascii"))
    try:
        return _shm.create(nbytes, name, address, sock.fileno())
    except OSError as e:
        sock.send(f"release {name}".encode("ascii"))
        if e.errno in _OUT_OF_MEMORY_ERRNOS:
            raise out_of_shared_memory(nbytes, "file_system", e) from e
        raise


def receive_descriptor(handle, nbytes: int, dev: int, ino: int, origin_pid: int, origin_fd: int):
    """The segment a message carries as a descriptor handle: mapped (once per
    process) and its descriptor closed at once. If the sender exited before
    the message was read, its descriptor is lost with it; the segment is then
    found where this process maps it already, or through its creator."""
    try:
        fd = handle.detach()
    except (OSError, EOFError):  # the sender is gone, and its descriptor with it
        base = _shm.existing(dev, ino, nbytes)
        if base is not None:
            return base
        fd = _reopen({"dev": dev, "ino": ino, "origin_pid": origin_pid, "origin_fd": origin_fd}, None)
    try:
        base, _ = _shm.attach(fd, nbytes, origin_pid, origin_fd)
    finally:
        os.close(fd)
    return base


def attach_name(name: str, janitor: str, nbytes: int):
    """The segment received by name: opened, mapped and closed at once; the
    message's claim on it passes to this process's hold."""
    if not SEGMENT_NAME.fullmatch(name):
        raise ValueError(f"not a shared tensor's segment name: {name!r}")
    try:
        fd = os.open(SHM_DIR + name, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        raise RuntimeError(
            f"the shared memory of a received tensor ({SHM_DIR}{name}) no longer exists: every process "
            "holding it exited (or was killed) before this message was read"
        ) from None
    try:
        address, sock = _janitor_client.connection(janitor)
        base, new = _shm.attach(fd, nbytes, name=name, janitor=address, janitor_fd=sock.fileno())
    finally:
        os.close(fd)
    if new:
        sock.send(f"hold {name}".encode("ascii"))
    sock.send(f"arrived {name}".encode("ascii"))
    return base


def announce_sent(info: dict) -> None:
    """A message now carries a named segment's name: the janitor keeps the
    file until it arrives."""
    _janitor_client.tell(info["janitor"], "sent", info["name"])


def _reopen(info: dict, storage_ptr: int | None) -> int:
    """A new descriptor for a segment this process keeps none for (it
    received it): through its own mapping where Linux allows it, else through
    the process that made the segment, which keeps one while it holds the
    tensor."""
    paths = [f"/proc/{info['origin_pid']}/fd/{info['origin_fd']}"]
    if storage_ptr is not None:
        paths.insert(0, f"{MAP_FILES_DIR}/{storage_ptr:x}-{storage_ptr + info['length']:x}")
    for path in paths:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == (info["dev"], info["ino"]):
            return fd
        os.close(fd)  # the descriptor number now names another file
    if storage_ptr is None:
        raise RuntimeError(
            "a received tensor's shared memory is gone: the process that sent it exited before the message "
            f"was read, and the process that created it (pid {info['origin_pid']}) no longer holds it. Under "
            "the file_descriptor sharing strategy a sender must stay alive until its tensors are received "
            "(or use ember.multiprocessing.set_sharing_strategy('file_system'))"
        )
    raise RuntimeError(
        "cannot send this tensor on: it arrived from another process under the file_descriptor sharing "
        "strategy, this process keeps no descriptor for received tensors, and the process that created "
        f"its shared memory (pid {info['origin_pid']}) no longer holds it. Call "
        "ember.multiprocessing.set_sharing_strategy('file_system') in every process to forward received "
        "tensors freely, or .clone() it before sending"
    )


def descriptor_for_pickle(info: dict, storage_ptr: int):
    """A picklable handle (``detach()`` gives the receiver its own
    descriptor): ``multiprocessing``'s ``DupFd`` for a process being spawned,
    else an offer of this process's descriptor server."""
    kept = info["fd"] >= 0
    fd = info["fd"] if kept else _reopen(info, storage_ptr)
    popen = get_spawning_popen()
    if popen is not None:
        # a process being spawned inherits this very descriptor at launch:
        # give it one of its own (a tensor may be passed twice), closed with the Popen
        own = os.dup(fd) if kept else fd
        util.Finalize(popen, os.close, (own,))
        return reduction.DupFd(own)
    try:
        return _descriptors.offer(fd)  # a duplicate, kept until the receiver asks
    finally:
        if not kept:
            os.close(fd)
