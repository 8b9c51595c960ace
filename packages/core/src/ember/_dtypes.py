# SPDX-License-Identifier: BSD-3-Clause
"""ember.dtype objects, in the core's ScalarType order."""

from __future__ import annotations


class dtype:  # noqa: N801 - PyTorch's name
    """An element type, e.g. ``ember.float32``."""

    __slots__ = ("name", "itemsize", "is_floating_point", "is_signed", "_index", "_numpy")

    def __init__(self, name: str, itemsize: int, floating: bool, signed: bool, index: int, numpy_name):
        self.name = name
        self.itemsize = itemsize
        self.is_floating_point = floating
        self.is_signed = signed
        self._index = index
        self._numpy = numpy_name

    is_complex = False

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_lookup, (self.name,))

    def to_real(self) -> dtype:
        return self

    def to_complex(self):
        raise TypeError(f"{self!r} has no complex counterpart in ember yet")


_SPECS = [
    # name, itemsize, floating, signed, numpy name
    ("bool", 1, False, False, "bool"),
    ("uint8", 1, False, False, "uint8"),
    ("int8", 1, False, True, "int8"),
    ("int16", 2, False, True, "int16"),
    ("int32", 4, False, True, "int32"),
    ("int64", 8, False, True, "int64"),
    ("float16", 2, True, True, "float16"),
    ("bfloat16", 2, True, True, None),
    ("float32", 4, True, True, "float32"),
    ("float64", 8, True, True, "float64"),
]

ALL = [dtype(n, s, f, sg, i, np_name) for i, (n, s, f, sg, np_name) in enumerate(_SPECS)]
BY_NAME = {d.name: d for d in ALL}
# PyTorch's aliases
ALIASES = {
    "half": "float16",
    "float": "float32",
    "double": "float64",
    "short": "int16",
    "int": "int32",
    "long": "int64",
}
for _alias, _name in ALIASES.items():
    BY_NAME[_alias] = BY_NAME[_name]


def _lookup(name: str) -> dtype:
    return BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype matching a numpy dtype; raises TypeError if none."""
    name = str(np_dtype)
    if name in BY_NAME and BY_NAME[name]._numpy == name:
        return BY_NAME[name]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{name}. The only supported types are: "
        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
    )


# PyTorch's legacy type names (Float, Long, ...), as its error messages say them.
_TORCH_NAMES = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
}


def torch_name(dt: dtype) -> str:
    """PyTorch's name for ``dt`` in messages: ``torch_name(ember.float32) == "Float"``."""
    return _TORCH_NAMES.get(dt.name, dt.name)
