# SPDX-License-Identifier: BSD-3-Clause
"""Where in the user's code an op ran: the first frame outside ember. Kept as
(code object, instruction offset) so that recording costs a short frame walk
and the line is looked up only when an error message needs it."""

from __future__ import annotations

import os
import sys

import ember


def _package_dirs() -> tuple[str, ...]:
    return tuple(os.path.join(os.path.realpath(p), "") for p in ember.__path__) + tuple(
        os.path.join(p, "") for p in ember.__path__
    )


_EMBER_DIRS = _package_dirs()
_inside_cache: dict = {}


def _inside_ember(code) -> bool:
    # keyed by id: hashing a code object hashes its whole contents
    entry = _inside_cache.get(id(code))
    if entry is None or entry[0] is not code:
        entry = _inside_cache[id(code)] = (code, code.co_filename.startswith(_EMBER_DIRS))
    return entry[1]


def current(skip: int = 1):
    """(code, offset) of the innermost frame that is not ember's, or None;
    ``skip`` frames above this one are known to be ember's."""
    try:
        f = sys._getframe(skip)
    except ValueError:
        return None
    cache = _inside_cache
    while f is not None:
        code = f.f_code
        entry = cache.get(id(code))
        inside = entry[1] if entry is not None and entry[0] is code else _inside_ember(code)
        if not inside:
            return (code, f.f_lasti)  # the line is looked up only for a message
        f = f.f_back
    return None


def _line(code, offset: int):
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return code.co_firstlineno


def describe(site) -> str:
    if site is None:
        return "an unknown location"
    code, offset = site
    return f'File "{code.co_filename}", line {_line(code, offset)}, in {code.co_name}'


# In-place writes to tensors that autograd tracks: (storage address, version
# after the write) -> site. Bounded: only the newest entries are kept.
_INPLACE_SITES: dict = {}
_MAX_SITES = 4096


def note_inplace(t, site) -> None:
    if len(_INPLACE_SITES) >= _MAX_SITES:
        for key in list(_INPLACE_SITES)[: _MAX_SITES // 2]:
            del _INPLACE_SITES[key]
    _INPLACE_SITES[(t._storage_ptr(), t._version)] = site


def _inplace_site(t, saved_version: int):
    ptr = t._storage_ptr()
    for v in range(saved_version + 1, t._version + 1):
        site = _INPLACE_SITES.get((ptr, v))
        if site is not None:
            return site
    return None


def modified_message(t, saved, node) -> str:
    from ember._dtypes import torch_name

    kind = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
            "bfloat16": "BFloat16Tensor"}.get(t.dtype.name, torch_name(t.dtype))  # fmt: skip
    what = f"[torch.{kind} [{', '.join(map(str, t.shape))}]]"
    if saved._is_output:
        what += f", which is output {saved._output_nr} of {node.name()},"
    message = (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{what} is at version {t._version}; expected version {saved._version} instead."
    )
    where = [f"\n  saved for backward by {node.name()} at {describe(getattr(node, '_site', None))}"]
    site = _inplace_site(t, saved._version)
    if site is not None:
        where.append(f"\n  modified in place at {describe(site)}")
    return (
        message
        + "".join(where)
        + "\nHint: the in-place operation changed a tensor that backward needs; use its out-of-place "
        "form (e.g. x = x * 2 instead of x.mul_(2)) or clone the tensor before changing it."
    )
