# SPDX-License-Identifier: BSD-3-Clause
"""A C extension built against ember/abi.h (tests/abi_extension/abi_ext.c)
reads, creates and wraps tensors and registers kernels through the table only."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import ember

EXT = "_ember_abi_ext"

# (EmberTypeCode, bits) of every dtype that crosses the ABI
DTYPE_CODES = {
    "bool": (6, 8),
    "uint8": (1, 8),
    "int8": (0, 8),
    "int16": (0, 16),
    "int32": (0, 32),
    "int64": (0, 64),
    "float16": (2, 16),
    "bfloat16": (4, 16),
    "float32": (2, 32),
    "float64": (2, 64),
}


def test_table_versions_match_the_python_side(abi_ext):
    runtime_major, runtime_feature, core_version, header_major, header_feature, target = abi_ext.versions()
    assert (runtime_major, runtime_feature) == tuple(ember.__abi_version__)
    assert core_version == ember.__version__
    # built against the installed header, for its default target feature
    assert (header_major, header_feature) == tuple(ember.__abi_version__)
    assert 1 <= target <= header_feature


def test_header_compiles_and_imports_as_cxx(abi_extensions):
    cxx = abi_extensions.load("_ember_abi_ext_cxx")
    assert cxx.versions() == (*ember.__abi_version__, ember.__version__)


def test_build_is_fast(abi_extensions):
    # configure + build of all four test modules, on 2 cores
    assert abi_extensions.seconds < 60, abi_extensions.log


# ---- reading tensors --------------------------------------------------------

LAYOUTS = {
    "contiguous": lambda a: a,
    "transposed": lambda a: a.T,
    "offset": lambda a: a[1:, 2:],
    "stepped": lambda a: a[::2, 1::3],
    "negative-free reversed dims": lambda a: a.transpose(1, 0)[1:, ::2],
    "row": lambda a: a[2],
    "column": lambda a: a[:, 3],
    "scalar": lambda a: a[1, 1],
    "empty": lambda a: a[2:2],
}


def _pair(view, dtype=np.float32):
    base = np.arange(1, 5 * 6 + 1, dtype=dtype).reshape(5, 6) * 0.5
    t = ember.from_numpy(base.copy())
    return view(t), view(base)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_through_the_abi(abi_ext, layout, dtype):
    t, a = _pair(LAYOUTS[layout], dtype)
    assert abi_ext.sum(t) == pytest.approx(float(np.sum(a, dtype=np.float64)))


def test_sum_of_a_broadcast_view(abi_ext):
    t = ember.arange(4, dtype=ember.float32).expand(3, 4)
    shape, strides, *_ = abi_ext.describe(t)
    assert (shape, strides) == ((3, 4), (0, 1))
    assert abi_ext.sum(t) == 18.0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_view_describes_shape_strides_and_data(abi_ext, layout):
    t, a = _pair(LAYOUTS[layout])
    shape, strides, dtype, device, address = abi_ext.describe(t)
    assert shape == tuple(t.shape) == a.shape
    assert strides == tuple(t.stride()) == tuple(s // a.itemsize for s in a.strides)
    assert dtype == (2, 32, 1)
    assert device == (1, 0)  # EMBER_DEVICE_CPU, device 0
    # the address of the first element, storage offset applied
    assert address == t.data_ptr()


def test_view_data_applies_the_storage_offset(abi_ext):
    base = ember.arange(30, dtype=ember.float32).reshape(5, 6)
    view = base[1:, 2:]
    assert abi_ext.describe(view)[4] == abi_ext.describe(base)[4] + (1 * 6 + 2) * 4


@pytest.mark.parametrize("name", DTYPE_CODES)
def test_view_dtype_codes(abi_ext, name):
    t = ember.zeros(3, dtype=getattr(ember, name))
    assert abi_ext.describe(t)[2] == (*DTYPE_CODES[name], 1)


def test_from_and_to_pyobject_share_the_tensor(abi_ext):
    t = ember.zeros(2, 3)
    r = abi_ext.roundtrip(t)
    assert isinstance(r, ember.Tensor)
    assert r.data_ptr() == t.data_ptr() and tuple(r.shape) == (2, 3)
    r.fill_(4.0)
    assert t.sum().item() == 24.0


# ---- wrapping external memory -----------------------------------------------


def test_wrap_external_buffer(abi_ext):
    t = abi_ext.wrap((2, 3))
    assert isinstance(t, ember.Tensor) and t.dtype == ember.float32
    assert tuple(t.shape) == (2, 3) and t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3))


def test_wrap_external_buffer_with_strides(abi_ext):
    # a row-major 2x3 buffer seen as its 3x2 transpose
    t = abi_ext.wrap((3, 2), (1, 3))
    assert tuple(t.stride()) == (1, 3) and not t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3).T)
    assert abi_ext.sum(t) == 15.0


def test_wrapped_memory_is_shared_not_copied(abi_ext):
    t = abi_ext.wrap((4,))
    before = abi_ext.describe(t)[4]
    t.fill_(7.0)  # written by the core, read by the extension
    assert abi_ext.sum(t) == 28.0
    assert abi_ext.describe(t)[4] == before


def test_deleter_runs_when_the_last_view_dies(abi_ext):
    calls, bad = abi_ext.deleted()
    t = abi_ext.wrap((4, 4))
    views = [t[1:, ::2], t.T, t.reshape(16), t[3]]
    derived = t * 2  # a new tensor: must not keep the buffer alive
    del t
    gc.collect()
    assert abi_ext.deleted() == (calls, bad), "deleter ran while views were alive"
    # the memory is still valid through the views
    expected = np.arange(16, dtype=np.float32).reshape(4, 4)
    assert abi_ext.sum(views[0]) == float(expected[1:, ::2].sum())
    while len(views) > 1:
        views.pop()
        gc.collect()
        assert abi_ext.deleted() == (calls, bad), "deleter ran while a view was alive"
    views.pop()
    gc.collect()
    assert abi_ext.deleted() == (calls + 1, bad), "deleter did not run once, with (data, ctx) as passed"
    np.testing.assert_array_equal(derived.numpy(), 2 * expected)


def test_numpy_view_keeps_the_wrapped_buffer_alive(abi_ext):
    calls, bad = abi_ext.deleted()
    t = abi_ext.wrap((3,))
    a = t.numpy()
    assert a.__array_interface__["data"][0] == abi_ext.describe(t)[4], "numpy() copied"
    del t
    gc.collect()
    assert abi_ext.deleted() == (calls, bad), "deleter ran while a numpy view was alive"
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
    del a
    gc.collect()
    assert abi_ext.deleted() == (calls + 1, bad)


def test_failed_wrap_leaves_the_buffer_to_the_caller(abi_ext):
    calls, bad = abi_ext.deleted()
    rc, message = abi_ext.try_wrap_bad_dtype()
    assert rc == -1
    assert "unsupported dtype" in message and "24 bits" in message
    gc.collect()
    assert abi_ext.deleted() == (calls, bad), "the core ran the deleter of a wrap that failed"


# ---- allocation and errors ----------------------------------------------------


@pytest.mark.parametrize("name", DTYPE_CODES)
def test_tensor_empty(abi_ext, name):
    code, bits = DTYPE_CODES[name]
    rc, message, t = abi_ext.empty((2, 3), code, bits)
    assert rc == 0, message
    assert isinstance(t, ember.Tensor)
    assert t.dtype == getattr(ember, name)
    assert tuple(t.shape) == (2, 3) and t.is_contiguous() and t.device.type == "cpu"
    t.fill_(1)
    assert t.to(ember.float64).sum().item() == 6.0


def test_tensor_empty_scalar_and_zero_size(abi_ext):
    assert tuple(abi_ext.empty((), 2, 32)[2].shape) == ()
    assert tuple(abi_ext.empty((0, 5), 2, 32)[2].shape) == (0, 5)


@pytest.mark.parametrize(
    "args, words",
    [
        (((2,), 2, 24), ["unsupported dtype"]),
        (((2,), 9, 32), ["unsupported dtype"]),
        (((2,), 2, 32, 2), ["device type 2", "not available"]),
    ],
    ids=["bits", "code", "cuda"],
)
def test_tensor_empty_errors(abi_ext, args, words):
    rc, message, t = abi_ext.empty(*args)
    assert (rc, t) == (-1, None)
    for word in words:
        assert word in message


def test_tensor_empty_negative_size_is_an_error(abi_ext):
    rc, message, t = abi_ext.empty((2, -1), 2, 32)
    assert (rc, t) == (-1, None)
    assert "negative dimension" in message


def test_from_pyobject_rejects_non_tensors(abi_ext):
    assert abi_ext.try_from_pyobject(ember.zeros(1))[0] == 0
    rc, message = abi_ext.try_from_pyobject(np.zeros(3))
    assert rc == -1 and "expected an ember.Tensor" in message
    with pytest.raises(RuntimeError, match="expected an ember.Tensor"):
        abi_ext.sum([1.0, 2.0])


def test_set_error_and_last_error(abi_ext):
    abi_ext.set_error("from the extension")
    assert abi_ext.last_error() == "from the extension"


def test_last_error_is_per_thread(abi_ext):
    abi_ext.set_error("main thread")
    seen = {}

    def worker():
        seen["initial"] = abi_ext.last_error()
        seen["failure"] = abi_ext.try_from_pyobject(None)

    th = threading.Thread(target=worker)
    th.start()
    th.join()
    assert seen["initial"] == ""
    assert seen["failure"][0] == -1 and "expected an ember.Tensor" in seen["failure"][1]
    assert abi_ext.last_error() == "main thread"


def test_cuda_stream(abi_ext):
    rc, message, stream = abi_ext.cuda_stream()
    if ember._C.build_config()["cuda"]:
        assert rc == 0
    else:
        assert (rc, stream) == (-1, 0)
        assert "CUDA" in message


# ---- kernels through ember.ops --------------------------------------------------


def test_registered_lists_the_extension_kernels(abi_ext):
    names = ember.ops.registered()
    for op in ("scale2", "add", "fail"):
        assert f"{EXT}.{op}" in names
    assert names == sorted(set(names))


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "scalar", "empty"])
def test_call_kernel(abi_ext, layout):
    t, a = _pair(LAYOUTS[layout])
    out = ember.ops.call(f"{EXT}.scale2", t)
    assert isinstance(out, ember.Tensor) and out.dtype == ember.float32
    assert tuple(out.shape) == a.shape
    np.testing.assert_array_equal(out.numpy(), 2 * a)


def test_call_kernel_with_two_inputs(abi_ext):
    x = ember.arange(6, dtype=ember.float32).reshape(2, 3)
    y = ember.ones(3, 2).T
    out = ember.ops.call(f"{EXT}.add", x, y)
    np.testing.assert_array_equal(out.numpy(), np.arange(6, dtype=np.float32).reshape(2, 3) + 1)
    # the result outlives the kernel's handles and the inputs
    del x, y
    gc.collect()
    assert out.sum().item() == 21.0


def test_call_kernel_failure_carries_its_message(abi_ext):
    t = ember.zeros(2)
    with pytest.raises(RuntimeError, match="fail kernel called with 2 inputs"):
        ember.ops.call(f"{EXT}.fail", t, t)
    with pytest.raises(RuntimeError, match="expects a float32 tensor"):
        ember.ops.call(f"{EXT}.scale2", ember.zeros(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="scale2 takes 1 tensor, got 0"):
        ember.ops.call(f"{EXT}.scale2")


def test_register_kernel_rejects_an_empty_name(abi_ext):
    rc, message = abi_ext.try_register_bad()
    assert rc == -1 and "empty name" in message
    assert "" not in ember.ops.registered()


def test_call_unknown_op():
    with pytest.raises(RuntimeError, match="no kernel registered for op 'no.such.op'"):
        ember.ops.call("no.such.op", ember.zeros(1))


def test_call_checks_argument_types():
    with pytest.raises(TypeError, match="argument 2 must be an ember.Tensor, got ndarray"):
        ember.ops.call("no.such.op", ember.zeros(1), np.zeros(1))
    with pytest.raises(TypeError, match="name must be a str"):
        ember.ops.call(3, ember.zeros(1))


def test_ops_module_is_documented():
    for obj in (ember.ops, ember.ops.call, ember.ops.registered):
        assert obj.__doc__ and obj.__doc__.strip()
