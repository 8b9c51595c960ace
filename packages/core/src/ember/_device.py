# SPDX-License-Identifier: BSD-3-Clause
"""ember.device: where a tensor lives."""

from __future__ import annotations


class device:  # noqa: N801 - PyTorch's name
    """A device such as ``ember.device("cpu")`` or ``ember.device("cuda", 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string, got {type!r}")
        if ":" in type:
            if index is not None:
                raise ValueError("device(): type string already names an index")
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, meta device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def as_device(d) -> device:
    if d is None:
        return CPU
    if isinstance(d, int):
        return device("cuda", d)
    return d if isinstance(d, device) else device(d)


def check_available(d: device) -> None:
    if d.type != "cpu":
        raise RuntimeError(f"device '{d}' is not available: this ember-core was built for the CPU only")
