# SPDX-License-Identifier: BSD-3-Clause
"""The components of ember, which distribution ships each, and the import
hook that names the distribution to install when one is missing."""

from __future__ import annotations

import sys

# subpackage -> distribution
COMPONENTS = {
    "autograd": "ember-autograd",
    "nn": "ember-nn",
    "optim": "ember-optim",
    "jit": "ember-jit",
    "multiprocessing": "ember-multiprocessing",
    "data": "ember-data",
    "utils.data": "ember-data",
    "utils.checkpoint": "ember-autograd",
}


def _is_probe() -> bool:
    """True when the lookup comes from ``importlib.util.find_spec`` (code
    asking whether a component is installed), which must get None rather
    than an error. Frames: 0 here, 1 find_spec below, 2 importlib's
    _find_spec, 3 its caller. Any other layout counts as an import."""
    try:
        frame = sys._getframe(3)
    except ValueError:
        return False
    return frame.f_code.co_name == "find_spec" and frame.f_globals.get("__name__") == "importlib.util"


def missing_message(fullname: str) -> str | None:
    """The error for importing ``fullname`` when no installed distribution
    provides it, or None when it is not (part of) a component."""
    if not fullname.startswith("ember."):
        return None
    sub = fullname[len("ember.") :]
    for name, dist in COMPONENTS.items():
        if sub == name or sub.startswith(name + "."):
            return (
                f"No module named '{fullname}': it is part of the '{dist}' "
                f"distribution, which is not installed. Install it with: "
                f"pip install {dist}"
            )
    # a parent of a component path, e.g. ember.utils for ember.utils.data
    below = {f"ember.{name}": dist for name, dist in COMPONENTS.items() if name.startswith(sub + ".")}
    if below:
        dists = list(dict.fromkeys(below.values()))
        return (
            f"No module named '{fullname}': {', '.join(below)} "
            f"{'is' if len(below) == 1 else 'are'} part of "
            f"{' and '.join(repr(d) for d in dists)}, which {'is' if len(dists) == 1 else 'are'} "
            f"not installed. Install with: pip install {' '.join(dists)}"
        )
    return None


class _MissingComponentFinder:
    """A sys.meta_path finder (duck-typed: importlib.abc costs ~10 ms to
    import). Last on sys.meta_path: reached only when no installed distribution
    provides ``ember.<component>``; raises an error naming the one to install."""

    def find_spec(self, fullname, path=None, target=None):
        message = missing_message(fullname)
        if message is None or _is_probe():
            return None
        raise ModuleNotFoundError(message, name=fullname)


def install_import_hook() -> None:
    """Appends the missing-component finder to sys.meta_path (once)."""
    if not any(isinstance(f, _MissingComponentFinder) for f in sys.meta_path):
        sys.meta_path.append(_MissingComponentFinder())


def installed() -> dict[str, str | None]:
    """{distribution: version or None} for every ember distribution."""
    from importlib import metadata

    result = {}
    for dist in ["ember-core", *dict.fromkeys(COMPONENTS.values())]:
        try:
            result[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            result[dist] = None
    return result


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("+")[0].split(".")[:2] if p.isdigit())


def require_core(component: str, version: str, core_range: tuple[str, str], abi_major: int) -> None:
    """For a component's import: raises ImportError naming both versions, both
    ABIs and the pip command that fixes it when this core is outside
    ``core_range`` (lower bound inclusive, upper exclusive) or speaks another
    ABI major."""
    from . import _C

    low, high = core_range
    core, abi = _C.__version__, tuple(_C.__abi_version__)
    if abi[0] == abi_major and _release(low) <= _release(core) < _release(high):
        return
    spec = f">={low},<{high}"
    raise ImportError(
        f"{component} {version} needs ember-core{spec} (ABI {abi_major}.x), but ember-core {core} "
        f"(ABI {'.'.join(map(str, abi))}) is installed. Fix it with: pip install 'ember-core{spec}' "
        f"(or install the {component} that matches your ember-core)"
    )
