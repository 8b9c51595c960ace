# SPDX-License-Identifier: BSD-3-Clause
"""Grad modes: whether ops on tensors that require grad are recorded. The
flag lives in the core (per thread), so these work with or without
ember-autograd installed."""

from __future__ import annotations

import functools

from . import _C
from ._registry import export

is_grad_enabled = _C.is_grad_enabled
export(is_grad_enabled, name="is_grad_enabled")


class _GradModeContext:
    """A context manager that is also a decorator (including of generator
    functions, whose body runs in the mode on every resumption)."""

    mode: bool

    def __enter__(self):
        self._prev = _C._set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def clone(self):
        return type(self)()

    def __call__(self, func):
        import inspect  # only when decorating: importing it costs ~5 ms

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as exc:  # noqa: BLE001 - forwarded into the generator
                        with self.clone():
                            response = gen.throw(exc)
                    else:
                        with self.clone():
                            try:
                                response = gen.send(request)
                            except StopIteration as stop:
                                return stop.value

            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


@export
class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Ops inside run without recording gradients (context manager or decorator)."""

    mode = False


@export
class enable_grad(_GradModeContext):  # noqa: N801
    """Turns recording back on inside a ``no_grad`` region."""

    mode = True


@export
class set_grad_enabled(_GradModeContext):  # noqa: N801
    """Sets grad mode to ``mode``: at once when called, and back to the previous
    mode when used as a context manager or decorator exits."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = _C._set_grad_enabled(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def clone(self):
        return _Scoped(self.mode)

    def __call__(self, func):
        _C._set_grad_enabled(self._prev)  # as a decorator, only the calls change the mode
        return super().__call__(func)


class _Scoped(_GradModeContext):
    def __init__(self, mode: bool):
        self.mode = mode


_inference_mode = __import__("threading").local()


@export
class inference_mode(_GradModeContext):  # noqa: N801
    """``no_grad`` for inference (``mode=False`` leaves grad mode as it is)."""

    def __init__(self, mode: bool = True):
        self._enabled = bool(mode)

    def __enter__(self):
        self._prev_inference = getattr(_inference_mode, "on", False)
        _inference_mode.on = self._enabled
        self._prev = _C._set_grad_enabled(False if self._enabled else _C.is_grad_enabled())
        return self

    def __exit__(self, *exc):
        _inference_mode.on = self._prev_inference
        return super().__exit__(*exc)

    def clone(self):
        return type(self)(self._enabled)


@export
def is_inference_mode_enabled() -> bool:
    return getattr(_inference_mode, "on", False)
