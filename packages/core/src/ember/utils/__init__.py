# SPDX-License-Identifier: BSD-3-Clause
"""ember.utils: filled by components (``ember.utils.data`` from ember-data,
``ember.utils.checkpoint`` from ember-autograd), possibly installed elsewhere.
Its submodules are imported on first attribute access."""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
    import importlib

    return importlib.import_module(f"{__name__}.{name}")
