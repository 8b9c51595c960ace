# SPDX-License-Identifier: BSD-3-Clause
"""ember: tensors with PyTorch's API, a small fast core, and components
(autograd, nn, optim, data, ...) installed and versioned separately."""

# Components (ember-nn, ...) install their subpackage into this namespace,
# possibly from another directory (editable installs).
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from . import (
    _C,  # noqa: E402
    _components,  # noqa: E402
)
from ._dtypes import ALL as _ALL_DTYPES  # noqa: E402
from ._dtypes import BY_NAME as _DTYPES_BY_NAME
from ._dtypes import dtype

_C._register_dtypes(_ALL_DTYPES)
globals().update(_DTYPES_BY_NAME)

from . import (  # noqa: E402
    _autograd_tensor,
    _creation,
    _grad_mode,
    _matmul,
    _nn,
    _pointwise,
    _random_extra,
    _reduce,
    _sorting,
    _tensor,
    _tensor_str,
    _views,
    linalg,
)

# isort: split
# after _views and _pointwise: these replace Tensor.__getitem__/__setitem__ and ember.where
from . import _indexing, _shape_ops  # noqa: E402

# isort: split
from . import serialization  # noqa: E402
from ._registry import EXPORTS as _EXPORTS  # noqa: E402
from ._registry import Tensor

globals().update(_EXPORTS)
from . import ops  # noqa: E402
from ._device import device  # noqa: E402
from ._size import Size  # noqa: E402

__version__: str = _C.__version__
__abi_version__: tuple[int, int] = tuple(_C.__abi_version__)

Generator = _C.Generator
get_num_threads = _C.get_num_threads
set_num_threads = _C.set_num_threads
empty_cache = _C.empty_cache
memory_stats = _C.memory_stats
promote_types = _C.promote_types
result_type = _C.result_type
can_cast = _C.can_cast
get_default_dtype = _C.get_default_dtype
set_default_dtype = _C.set_default_dtype
default_generator = _C.default_generator()


def get_include() -> str:
    """Directory holding ``ember/abi.h``, for compiling against the C ABI."""
    import os

    # installed beside the extension (also in editable installs)
    return os.path.join(os.path.dirname(_C.__file__), "include")


def get_cmake_dir() -> str:
    """Directory of ember's CMake package config (``find_package(ember)``)."""
    import os

    return os.path.join(os.path.dirname(_C.__file__), "share", "cmake", "ember")


def __getattr__(name: str):
    # `from ember import nn` without ember-nn: name the distribution to install
    if name in _components.COMPONENTS or name in ("array_api", "utils"):  # imported on first use
        import importlib

        return importlib.import_module(f"ember.{name}")
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


_components.install_import_hook()
