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
}


class _MissingComponentFinder:
    """A sys.meta_path finder (duck-typed: importlib.abc costs ~10 ms to
    import). Last on sys.meta_path: reached only when no installed distribution
    provides ``ember.<component>``; raises an error naming the one to install."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("ember."):
            return None
        sub = fullname[len("ember.") :]
        for name, dist in COMPONENTS.items():
            if sub == name or sub.startswith(name + "."):
                raise ModuleNotFoundError(
                    f"No module named '{fullname}': it is part of the '{dist}' "
                    f"distribution, which is not installed. Install it with: "
                    f"pip install {dist}",
                    name=fullname,
                )
        return None


def install_import_hook() -> None:
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
