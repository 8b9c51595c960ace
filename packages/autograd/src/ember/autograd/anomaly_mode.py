# SPDX-License-Identifier: BSD-3-Clause
"""Anomaly detection: nodes remember the forward traceback that made them,
and a backward that produces NaN raises with it."""

from __future__ import annotations

import traceback

import ember
from ember import _C


class _State:
    """Process-wide, as in PyTorch (read on every recorded op, so a plain attribute)."""

    on = False
    check_nan = True


_state = _State()


def _set(on: bool, check_nan: bool) -> None:
    _state.on, _state.check_nan = on, check_nan
    # nodes remember their forward traceback only when recorded in Python
    _C._set_native_recording(not on)


def is_enabled() -> bool:
    return _state.on


def is_check_nan() -> bool:
    return _state.check_nan


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) turning anomaly detection on."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = (is_enabled(), is_check_nan())
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801
    """Turns anomaly detection on or off (at once, and back on context exit)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (is_enabled(), is_check_nan())
        _set(bool(mode), check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False


def remember_forward(node) -> None:
    node.metadata["traceback_"] = traceback.format_stack()[:-3]


def check_nan(node, grad_inputs) -> None:
    if not is_check_nan():
        return
    for i, g in enumerate(grad_inputs):
        if isinstance(g, ember.Tensor) and g.dtype.is_floating_point and bool(g.isnan().any()):
            trace = "".join(node.metadata.get("traceback_", []))
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output."
                + (f"\nTraceback of the forward call that made it:\n{trace}" if trace else "")
            )
