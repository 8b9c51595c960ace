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

WARNINGS = ["-Wall", "-Wextra"]

setup(
    ext_modules=[
        # segments wrapped as tensors: through the core's C ABI only
        Extension(
            "ember.multiprocessing._shm",
            sources=["csrc/shm.c"],
            include_dirs=[ember.get_include()],
            extra_compile_args=WARNINGS,
        ),
        # hands descriptors to receiving processes; needs nothing of the core
        Extension(
            "ember.multiprocessing._descriptor_server",
            sources=["csrc/descriptor_server.c"],
            extra_compile_args=WARNINGS,
        ),
    ]
)
