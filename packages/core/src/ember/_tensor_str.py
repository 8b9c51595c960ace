# SPDX-License-Identifier: BSD-3-Clause
"""PyTorch-style printing: ``tensor([1., 2.])``, with big tensors summarised."""

from __future__ import annotations

import math

from ._registry import Tensor, export


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


@export
def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Sets how tensors print (as ``torch.set_printoptions``)."""
    if profile == "default":
        _PrintOptions.precision, _PrintOptions.threshold = 4, 1000
        _PrintOptions.edgeitems, _PrintOptions.linewidth = 3, 80
    elif profile == "short":
        _PrintOptions.precision, _PrintOptions.threshold = 2, 1000
        _PrintOptions.edgeitems, _PrintOptions.linewidth = 2, 80
    elif profile == "full":
        _PrintOptions.precision, _PrintOptions.threshold = 4, math.inf
        _PrintOptions.edgeitems, _PrintOptions.linewidth = 3, 80
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            setattr(_PrintOptions, name, value)
    _PrintOptions.sci_mode = sci_mode


class _Formatter:
    """Chooses one format for all shown values so columns line up."""

    def __init__(self, values, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = _PrintOptions.precision
        if not floating:
            strs = [str(v) for v in values]
            self.max_width = max((len(s) for s in strs), default=1)
            return
        finite = [abs(v) for v in values if math.isfinite(v)]
        nonzero = [v for v in finite if v != 0]
        self.int_mode = all(v == int(v) for v in finite)
        if self.int_mode:
            if nonzero and max(nonzero) > 1e8:
                self.sci_mode = True
        elif nonzero:
            hi, lo = max(nonzero), min(nonzero)
            if hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4:
                self.sci_mode = True
        if _PrintOptions.sci_mode is not None:
            self.sci_mode = _PrintOptions.sci_mode
        self.max_width = max((len(self._fmt(v, p)) for v in values), default=1)

    def _fmt(self, v, p):
        if not math.isfinite(v):
            return "nan" if v != v else ("inf" if v > 0 else "-inf")
        if self.sci_mode:
            return f"{v:.{p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{p}f}"

    def format(self, v) -> str:
        if not self.floating:
            s = str(v)
        else:
            s = self._fmt(v, _PrintOptions.precision)
        return s.rjust(self.max_width)


def _summarized_values(arr, summarize: bool):
    """The values that will be shown (edges only when summarising)."""
    import numpy as np

    if not summarize or arr.ndim == 0:
        return arr.reshape(-1).tolist()
    e = _PrintOptions.edgeitems
    parts = []

    def walk(a):
        if a.ndim == 0:
            parts.append(a.item())
            return
        n = a.shape[0]
        idx = list(range(n)) if n <= 2 * e else list(range(e)) + list(range(n - e, n))
        for i in idx:
            walk(a[i])

    walk(arr)
    return parts if parts else np.zeros(0).tolist()


def _format_nd(arr, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    e = _PrintOptions.edgeitems
    n = arr.shape[0]
    show = list(range(n)) if (not summarize or n <= 2 * e) else list(range(e)) + [None] + list(range(n - e, n))
    if arr.ndim == 1:
        items = ["..." if i is None else fmt.format(arr[i].item()) for i in show]
        width = fmt.max_width + 2
        per_line = max(1, (_PrintOptions.linewidth - indent) // width)
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    rows = ["..." if i is None else _format_nd(arr[i], fmt, indent + 1, summarize) for i in show]
    return "[" + sep.join(rows) + "]"


_DEFAULT_DTYPES = ("float32", "int64", "bool")


def _tensor_repr(self) -> str:
    import numpy as np

    from . import _C

    src = self.float() if self.dtype.name in ("bfloat16", "float16") else self
    arr = np.asarray(_C.to_numpy(src))
    floating = self.dtype.is_floating_point
    summarize = self.numel() > _PrintOptions.threshold
    values = _summarized_values(arr, summarize)
    if self.dtype.name == "bool":
        fmt = _Formatter([str(v) for v in values], False)
    else:
        fmt = _Formatter(values, floating)
    prefix = "tensor("
    suffixes = []
    if self.numel() == 0:
        body = "[]"
        if self.dim() != 1:
            suffixes.append(f"size={tuple(self.shape)}")
    else:
        body = _format_nd(arr, fmt, len(prefix), summarize)
    default = _C.get_default_dtype().name
    if self.dtype.name not in _DEFAULT_DTYPES or (self.dtype.name == "float32" and default != "float32"):
        if not (self.dtype.name == default):
            suffixes.append(f"dtype=ember.{self.dtype.name}")
    return prefix + ", ".join([body] + suffixes) + ")"


Tensor.__repr__ = _tensor_repr
Tensor.__str__ = _tensor_repr
