# SPDX-License-Identifier: BSD-3-Clause
"""The native part of ember-multiprocessing (metadata: pyproject.toml). It
compiles against the C ABI header of the installed ember-core, so it is
built without build isolation, after the core."""

from setuptools import Extension, setup

try:
    import ember
except ImportError as e:
    raise SystemExit(
        "ember-multiprocessing compiles against the installed ember-core: install it first, then build "
        "without isolation (pip install --no-build-isolation ...)"
    ) from e

setup(
    ext_modules=[
        Extension(
            "ember.multiprocessing._shm",
            sources=["csrc/shm.c"],
            include_dirs=[ember.get_include()],
            extra_compile_args=["-Wall", "-Wextra"],
        )
    ]
)
