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
    """Chooses one format for all shown values so columns line up (PyTorch's
    rules: widths and modes come from the nonzero finite values only)."""

    def __init__(self, values, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            self.max_width = max((len(str(v)) for v in values), default=1)
            return
        nonzero = [v for v in values if math.isfinite(v) and v != 0]
        if not nonzero:
            return
        p = _PrintOptions.precision
        magnitudes = [abs(v) for v in nonzero]
        hi, lo = max(magnitudes), min(magnitudes)
        self.int_mode = all(v == math.ceil(v) for v in nonzero)
        self.sci_mode = _PrintOptions.sci_mode
        if self.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in nonzero]
        elif self.int_mode:  # room for the "." that marks a float
            widths = [len(f"{v:.0f}") + 1 for v in nonzero]
        else:
            widths = [len(f"{v:.{p}f}") for v in nonzero]
        self.max_width = max(widths)

    def format(self, v) -> str:
        p = _PrintOptions.precision
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:{self.max_width}.{p}e}"
        elif self.int_mode:
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = f"{v:.{p}f}"
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
        items = [" ..." if i is None else fmt.format(arr[i].item()) for i in show]
        width = fmt.max_width + 2
        per_line = max(1, (_PrintOptions.linewidth - indent) // width)
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    rows = ["..." if i is None else _format_nd(arr[i], fmt, indent + 1, summarize) for i in show]
    return "[" + sep.join(rows) + "]"


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
    default = _C.get_default_dtype().name
    if self.numel() == 0:
        body = "[]"
        if self.dim() != 1:
            suffixes.append(f"size={tuple(self.shape)}")
        if self.dtype.name != default:  # no values to tell an int64 tensor by
            suffixes.append(f"dtype=ember.{self.dtype.name}")
    else:
        body = _format_nd(arr, fmt, len(prefix), summarize)
        if self.dtype.name not in (default, "int64", "bool"):
            suffixes.append(f"dtype=ember.{self.dtype.name}")
    if self._requires_grad:
        fn = self.grad_fn
        suffixes.append(f"grad_fn=<{fn.name()}>" if fn is not None else "requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, len(prefix))


def _add_suffixes(text, suffixes, indent):
    """Appends ", suffix" items, each on a new line if it would pass the line width."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _PrintOptions.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


Tensor.__repr__ = _tensor_repr
Tensor.__str__ = _tensor_repr
