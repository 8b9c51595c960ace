# SPDX-License-Identifier: BSD-3-Clause
"""ember.save / ember.load, PyTorch files and safetensors.

PyTorch and the safetensors package, when installed, are the oracles for the
formats they define. Every malformed or hostile file must raise a clear error
and run no code; hostile files try to create a marker file, which must not
appear.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import stat
import struct
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember
from ember import _C
from ember.serialization import _native

DTYPES = [
    ember.bool,
    ember.uint8,
    ember.int8,
    ember.int16,
    ember.int32,
    ember.int64,
    ember.float16,
    ember.bfloat16,
    ember.float32,
    ember.float64,
]
LOAD_ERRORS = (ValueError, RuntimeError, pickle.UnpicklingError)


# ---- helpers ---------------------------------------------------------------
def roundtrip(obj, **load_kwargs):
    buffer = io.BytesIO()
    ember.save(obj, buffer)
    buffer.seek(0)
    return ember.load(buffer, **load_kwargs)


def storage_bytes(t) -> bytes:
    return _C.storage_bytes(t).numpy().tobytes()


def value_bytes(t) -> bytes:
    """The element values of an ember tensor, in row-major order, as bytes."""
    c = t.contiguous()
    start = c.storage_offset() * c.dtype.itemsize
    return _C.storage_bytes(c).numpy()[start : start + c.numel() * c.dtype.itemsize].tobytes()


def torch_value_bytes(t) -> bytes:
    import torch

    return t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def random_tensor(dtype, shape, seed=0):
    """Random bits of ``dtype`` (valid bools), any dtype including bfloat16."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = rng.integers(0, 2 if dtype is ember.bool else 256, size=n, dtype=np.uint8)
    if dtype.is_floating_point:  # keep away from NaN payloads: clear the top exponent bit
        raw = raw.reshape(-1, dtype.itemsize)
        raw[:, -1] &= 0x3F
        raw = raw.reshape(-1)
    storage = _C.from_numpy(raw.copy())
    strides = [int(np.prod(shape[i + 1 :], dtype=np.int64)) for i in range(len(shape))]
    return _C.from_storage_bytes(storage, dtype, list(shape), strides, 0)


def assert_same(a, b, storages=None):
    """``b`` is a faithful copy of ``a``: same types, values and layouts, and
    tensors on one storage in ``a`` are on one storage in ``b`` (and only then)."""
    storages = {} if storages is None else storages
    assert type(a) is type(b), (a, b)
    if isinstance(a, ember.Tensor):
        assert (a.dtype, a.shape, a.stride(), a.storage_offset()) == (b.dtype, b.shape, b.stride(), b.storage_offset())
        assert storage_bytes(a) == storage_bytes(b)
        key_a = (a._storage_ptr(), a._storage_nbytes())
        key_b = (b._storage_ptr(), b._storage_nbytes())
        assert storages.setdefault(key_a, key_b) == key_b, "tensors that shared a storage no longer do"
        assert list(storages.values()).count(key_b) == 1, "tensors on different storages now share one"
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y, storages)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k], storages)
    elif isinstance(a, float):
        assert a == b or (a != a and b != b)
    else:
        assert a == b


def write_ember_archive(path, manifest, records=None):
    """An ember file with the given manifest (dict or raw bytes) and records."""
    with zipfile.ZipFile(path, "w") as zf:
        text = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
        zf.writestr(_native.MANIFEST, text)
        for name, data in (records or {}).items():
            zf.writestr(name, data)


def ember_manifest(root, storages=(), tensors=()):
    return {
        "format": "ember",
        "version": 1,
        "byteorder": sys.byteorder,
        "storages": list(storages),
        "tensors": list(tensors),
        "root": root,
    }


# classes stored as whole objects (module level: they have an import path)
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Slotted:
    __slots__ = ("a", "b")


class Custom:
    def __init__(self, value):
        self.value = value

    def __getstate__(self):
        return {"v": self.value}

    def __setstate__(self, state):
        self.value = ("restored", state["v"])


class Reducing:
    def __reduce__(self):
        return (Reducing, ())


class Raising:
    def __getstate__(self):
        raise RuntimeError("boom while saving")


# ---- ember.save / ember.load -----------------------------------------------
def test_roundtrip_of_containers_and_scalars():
    obj = collections.OrderedDict(
        a=[1, -(2**70), 2.5, float("inf"), float("-inf"), "héllo", b"\x00\xff", None, True, False],
        b=(1, (2, 3), []),
        c={1: "int key", (1, 2): "tuple key", "s": {3, 4}, "f": frozenset({5})},
        d=[ember.float16, ember.bfloat16, ember.Size([2, 3]), ember.device("cpu")],
    )
    out = roundtrip(obj)
    assert_same(obj, out)
    assert type(out["c"]["s"]) is set and out["c"]["s"] == {3, 4}
    assert out["d"][0] is ember.float16 and type(out["d"][2]) is ember.Size
    nan = roundtrip(float("nan"))
    assert nan != nan


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_roundtrip_every_dtype(dtype):
    t = random_tensor(dtype, (3, 4), seed=1)
    out = roundtrip({"t": t, "scalar": t[1, 2]})
    assert_same({"t": t, "scalar": t[1, 2]}, out)
    assert out["t"].dtype is dtype


def test_views_share_one_storage_after_loading():
    base = ember.arange(24.0)
    obj = {"base": base, "mat": base.view(4, 6), "t": base.view(4, 6).t(), "tail": base[10:], "step": base[::3]}
    out = roundtrip(obj)
    assert_same(obj, out)
    assert len({t._storage_ptr() for t in out.values()}) == 1
    out["tail"].fill_(-1)  # the views alias each other again
    assert out["base"][23].item() == -1 and out["t"][5, 3].item() == -1


def test_storage_is_written_once(tmp_path):
    base = ember.zeros(10_000, dtype=ember.float64)
    ember.save([base[i : i + 100] for i in range(0, 10_000, 100)], tmp_path / "views.em")
    ember.save(base, tmp_path / "one.em")
    # a hundred views cost their manifest entries, not a hundred copies
    assert os.path.getsize(tmp_path / "views.em") < 20_000 + os.path.getsize(tmp_path / "one.em")
    with zipfile.ZipFile(tmp_path / "views.em") as zf:
        assert [n for n in zf.namelist() if n.startswith("ember/data/")] == ["ember/data/0"]


def test_views_of_other_dtypes_share_a_storage():
    x = ember.arange(8, dtype=ember.int32)
    as_bytes = _C.view_as_dtype(x, ember.uint8)
    out = roundtrip([x, as_bytes, _C.view_as_dtype(x[2:], ember.float32)])
    assert_same([x, as_bytes, _C.view_as_dtype(x[2:], ember.float32)], out)


def test_same_tensor_twice_loads_as_one_object():
    t = ember.ones(3)
    out = roundtrip({"w": t, "tied": t, "copy": t.clone()})
    assert out["w"] is out["tied"] and out["copy"] is not out["w"]


def test_empty_and_zero_dim_tensors():
    obj = [ember.empty(0), ember.empty(2, 0, 3), ember.tensor(3.5), ember.zeros(4)[4:]]
    assert_same(obj, roundtrip(obj))


def test_paths_file_objects_and_streams(tmp_path):
    obj = {"x": ember.arange(5)}
    for target in (str(tmp_path / "a.em"), tmp_path / "b.em"):
        ember.save(obj, target)
        assert_same(obj, ember.load(target))
    with open(tmp_path / "c.em", "wb") as f:
        ember.save(obj, f)
    with open(tmp_path / "c.em", "rb") as f:
        assert_same(obj, ember.load(f))

    class Unseekable(io.RawIOBase):
        def __init__(self, data=b""):
            self.data, self.out = io.BytesIO(data), bytearray()

        def readable(self):
            return True

        def writable(self):
            return True

        def readinto(self, b):
            return self.data.readinto(b)

        def write(self, b):
            self.out += b
            return len(b)

    sink = Unseekable()
    ember.save(obj, sink)
    assert_same(obj, ember.load(Unseekable(bytes(sink.out))))


def test_load_from_a_file_object_positioned_inside_a_larger_file():
    buffer = io.BytesIO()
    buffer.write(b"some header")
    ember.save({"x": ember.arange(3)}, buffer)
    buffer.seek(len(b"some header"))
    assert ember.load(buffer)["x"].tolist() == [0, 1, 2]


def test_save_to_a_missing_folder_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        ember.save(1, tmp_path / "missing" / "x.em")


def test_saving_is_deterministic():
    obj = {"x": ember.arange(6.0).view(2, 3), "n": [1, "a"]}
    first, second = io.BytesIO(), io.BytesIO()
    ember.save(obj, first)
    ember.save(obj, second)
    assert first.getvalue() == second.getvalue()


def test_file_holds_a_json_manifest(tmp_path):
    ember.save({"w": ember.ones(2)}, tmp_path / "m.em")
    with zipfile.ZipFile(tmp_path / "m.em") as zf:
        manifest = json.loads(zf.read(_native.MANIFEST))
        assert all(info.compress_type == zipfile.ZIP_STORED for info in zf.infolist())
    assert manifest["format"] == "ember" and manifest["tensors"][0]["dtype"] == "float32"
    assert manifest["root"] == {"dict": [["w", {"tensor": 0}]]}


def test_load_accepts_pytorch_arguments():
    x = ember.ones(2)
    for kwargs in ({"map_location": "cpu"}, {"map_location": ember.device("cpu")}, {"map_location": {"cpu": "cpu"}}):
        assert_same(x, roundtrip(x, **kwargs))
    assert_same(x, roundtrip(x, weights_only=False, map_location=lambda storage, location: storage))
    with pytest.raises(RuntimeError, match="CPU only"):
        roundtrip(x, map_location="cuda:0")
    with pytest.raises(NotImplementedError, match="mmap"):
        roundtrip(x, mmap=True)
    with pytest.raises(TypeError, match="unexpected keyword"):
        roundtrip(x, bogus=1)


# ---- what ember.save refuses -------------------------------------------------
def local_class_instance():
    class Local:
        pass

    return Local()


class _DictSubclass(dict):
    """A dict subclass of the user's: stored only as an allowlisted object."""


@pytest.mark.parametrize(
    "obj, match",
    [
        (lambda: 1, "code"),
        (len, "code"),
        (os, "code"),
        (Point, "code"),
        (np.zeros(2), "its own pickling"),
        (1 + 2j, "ember files hold None"),
        (bytearray(b"x"), "ember files hold None"),
        (_DictSubclass(a=1), "ember files hold None"),
        (local_class_instance(), "no import path"),
        (Reducing(), "its own pickling"),
    ],
    ids=["lambda", "builtin", "module", "class", "ndarray", "complex", "bytearray", "dict-subclass", "local", "reduce"],
)
def test_save_refuses_what_it_cannot_store_as_data(obj, match):
    with pytest.raises(TypeError, match=match):
        ember.save({"k": [obj]}, io.BytesIO())


def test_save_error_names_the_path_to_the_object():
    with pytest.raises(TypeError, match=r"obj\['layers'\]\[1\]\['fn'\]"):
        ember.save({"layers": [{}, {"fn": print}]}, io.BytesIO())


def test_save_refuses_cycles():
    a = [1]
    a.append(a)
    with pytest.raises(ValueError, match="contains itself"):
        ember.save(a, io.BytesIO())
    p = Point(1, 2)
    p.x = p
    with pytest.raises(ValueError, match="contains itself"):
        ember.save(p, io.BytesIO())
    shared = [1]
    assert roundtrip([shared, shared]) == [[1], [1]]  # shared, but not a cycle


# ---- atomic writes -------------------------------------------------------------
def test_failed_save_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "ckpt.em"
    ember.save({"step": 1, "w": ember.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        ember.save({"step": 2, "w": ember.zeros(3), "bad": Raising()}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.em"]  # no temporary file left behind


def test_save_dying_midway_through_writing_leaves_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.em"
    ember.save({"w": ember.ones(1000)}, path)
    before = path.read_bytes()
    written = []
    real = _native.write_record

    def failing(zf, name, data):
        if written:
            raise OSError("disk full")
        written.append(name)
        real(zf, name, data)

    monkeypatch.setattr(_native, "write_record", failing)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"w": ember.zeros(1000), "v": ember.zeros(5)}, path)
    assert written  # the manifest was written: the failure came midway
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.em"]
    assert ember.load(path)["w"].sum().item() == 1000


def test_save_keeps_mode_and_writes_through_symlinks(tmp_path):
    target = tmp_path / "real.em"
    ember.save(1, target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.em"
    link.symlink_to(target)
    ember.save(2, link)
    assert link.is_symlink() and ember.load(target) == 2
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


# ---- whole objects and the allowlist ----------------------------------------------
def test_objects_need_to_be_allowed():
    p = Point(ember.arange(3), [1, 2])
    buffer = io.BytesIO()
    ember.save({"p": p}, buffer)
    buffer.seek(0)
    name = f"{Point.__module__}.Point"
    with pytest.raises(pickle.UnpicklingError, match=rf"{name}.*add_safe_globals") as err:
        ember.load(buffer)
    assert "never imports" in str(err.value)
    buffer.seek(0)
    with ember.serialization.safe_globals([Point]):
        out = ember.load(buffer)
    assert type(out["p"]) is Point and out["p"].y == [1, 2]
    assert_same(p.x, out["p"].x)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):  # the with block is over
        ember.load(buffer)


def test_add_get_and_clear_safe_globals():
    ember.serialization.clear_safe_globals()
    try:
        ember.serialization.add_safe_globals([Point, (Custom, "old.module.Custom")])
        assert ember.serialization.get_safe_globals() == [Point, (Custom, "old.module.Custom")]
        obj = [Point(1, 2), Custom(3)]
        with pytest.raises(pickle.UnpicklingError, match="Custom"):  # allowed under another name only
            roundtrip(obj)
        ember.serialization.add_safe_globals([Custom])
        point, custom = roundtrip(obj)
        assert (point.x, point.y) == (1, 2) and custom.value == ("restored", 3)
    finally:
        ember.serialization.clear_safe_globals()
    assert ember.serialization.get_safe_globals() == []


def test_objects_with_slots_and_shared_tensors():
    s = Slotted()
    s.a = ember.arange(4.0)
    s.b = s.a[1:]
    with ember.serialization.safe_globals([Slotted]):
        out = roundtrip(s)
    assert_same([s.a, s.b], [out.a, out.b])


def test_allowlisted_function_is_not_a_class(tmp_path):
    write_ember_archive(tmp_path / "f.em", ember_manifest({"object": ["builtins", "print", None]}))
    with ember.serialization.safe_globals([print]), pytest.raises(pickle.UnpicklingError, match="as if it were"):
        ember.load(tmp_path / "f.em")


@pytest.fixture
def trap_module(tmp_path, monkeypatch):
    """A module on sys.path that creates a marker file if anything imports it."""
    marker = tmp_path / "imported"
    (tmp_path / "ember_trap_module.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass Thing:\n    pass\ndef system(cmd):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    assert "ember_trap_module" not in sys.modules
    assert not marker.exists(), "ember.load imported a module named by a file"


def test_load_never_imports_a_module_named_by_an_ember_file(tmp_path, trap_module):
    for root in ({"object": ["ember_trap_module", "Thing", {"dict": []}]}, {"object": ["posix", "system", "x"]}):
        write_ember_archive(tmp_path / "o.em", ember_manifest({"list": [root]}))
        with pytest.raises(pickle.UnpicklingError, match="not an allowed global"):
            ember.load(tmp_path / "o.em")


def test_load_never_imports_a_module_named_by_a_pickle(tmp_path, trap_module):
    path = tmp_path / "trap.pt"
    write_torch_zip(path, b"\x80\x02cember_trap_module\nsystem\nX\x05\x00\x00\x00touch\x85R.")
    with pytest.raises(pickle.UnpicklingError, match="ember_trap_module.system"):
        ember.load(path)


# ---- PyTorch files -------------------------------------------------------------------
DTYPE_NAMES = [d.name for d in DTYPES]  # the same in PyTorch


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def torch_saved(torch, obj, tmp_path, legacy=False):
    path = tmp_path / ("legacy.pt" if legacy else "model.pt")
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    return ember.load(path)


def assert_matches_torch(t, e, layout=True):
    assert e.dtype.name == str(t.dtype).removeprefix("torch.")
    assert tuple(e.shape) == tuple(t.shape)
    if layout:
        assert e.stride() == t.stride() and e.storage_offset() == t.storage_offset()
    assert value_bytes(e) == torch_value_bytes(t)


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_torch_file_of_every_dtype(torch, tmp_path, name, legacy):
    dtype = getattr(torch, name)
    g = torch.Generator().manual_seed(0)
    t = torch.randint(0, 2 if name == "bool" else 100, (3, 5), generator=g).to(dtype)
    if dtype.is_floating_point:
        t = torch.randn(3, 5, generator=g).to(dtype)
    out = torch_saved(torch, {"t": t, "row": t[1], "scalar": t[2, 3]}, tmp_path, legacy)
    for key in ("t", "row", "scalar"):
        assert_matches_torch({"t": t, "row": t[1], "scalar": t[2, 3]}[key], out[key])


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_torch_views_share_storage_in_ember(torch, tmp_path, legacy):
    base = torch.arange(24, dtype=torch.float32)
    sd = {"base": base, "mat": base.view(4, 6), "t": base.view(4, 6).t(), "cols": base.view(4, 6)[:, 1::2]}
    out = torch_saved(torch, sd, tmp_path, legacy)
    for key, t in sd.items():
        assert_matches_torch(t, out[key])
    assert len({t._storage_ptr() for t in out.values()}) == 1
    out["mat"][3, 5] = -1.0
    assert out["base"][23].item() == -1.0 and out["t"][5, 3].item() == -1.0


def test_torch_state_dict_with_nested_containers(torch, tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    sd = model.state_dict()
    obj = {
        "model": sd,
        "epoch": 7,
        "lr": 0.1,
        "name": "run",
        "history": [1.5, 2.5],
        "shape": torch.Size([2, 3]),
        "dtype": torch.bfloat16,
        "device": torch.device("cpu"),
        "blob": b"\x00\x01",
        "tags": {"a", "b"},
        "pair": (1, None, True),
    }
    out = torch_saved(torch, obj, tmp_path)
    assert type(out["model"]) is collections.OrderedDict and list(out["model"]) == list(sd)
    assert out["model"]._metadata == sd._metadata  # the attribute nn.Module.load_state_dict reads
    for key, t in sd.items():
        assert_matches_torch(t, out["model"][key])
    assert out["model"]["1.num_batches_tracked"].dtype is ember.int64
    assert (out["epoch"], out["lr"], out["name"], out["history"]) == (7, 0.1, "run", [1.5, 2.5])
    assert out["shape"] == ember.Size([2, 3]) and type(out["shape"]) is ember.Size
    assert out["dtype"] is ember.bfloat16 and out["device"] == ember.device("cpu")
    assert (out["blob"], out["tags"], out["pair"]) == (b"\x00\x01", {"a", "b"}, (1, None, True))


def test_torch_parameters_need_autograd(torch, tmp_path, monkeypatch):
    import importlib.util
    import sys

    from ember import _autograd_tensor

    if importlib.util.find_spec("ember.autograd") is not None:
        loaded = torch_saved(torch, {"p": torch.nn.Parameter(torch.ones(2))}, tmp_path)["p"]
        assert loaded.requires_grad and loaded.is_leaf
    # as if ember-autograd were not installed
    monkeypatch.setattr(_autograd_tensor, "_autograd", None)
    monkeypatch.setitem(sys.modules, "ember.autograd", None)
    with pytest.raises(ModuleNotFoundError, match="ember-autograd"):
        torch_saved(torch, {"p": torch.nn.Parameter(torch.ones(2))}, tmp_path)
    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    assert_matches_torch(frozen.detach(), torch_saved(torch, {"p": frozen}, tmp_path)["p"])


def test_torch_map_location(torch, tmp_path):
    path = tmp_path / "cuda.pt"
    write_torch_zip(path, craft(torch, FakeTensor(torch, FakeStorage(torch, "0", 2, "cuda:0"))), {"0": b"\x00" * 8})
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        ember.load(path)
    for location in ("cpu", ember.device("cpu"), {"cuda:0": "cpu"}, torch.device("cpu")):
        assert ember.load(path, map_location=location).tolist() == [0.0, 0.0]


# Crafting PyTorch-layout files with chosen (possibly hostile) contents.
class FakeStorage:
    """Pickles as the persistent id torch.save gives a storage."""

    def __init__(self, torch, key, numel, location="cpu", storage_type=None):
        self.pid = ("storage", storage_type or torch.FloatStorage, key, location, numel)


class FakeTensor:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)."""

    def __init__(self, torch, storage, offset=0, size=(2,), stride=(1,)):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())
        self.rebuild = torch._utils._rebuild_tensor_v2

    def __reduce__(self):
        return (self.rebuild, self.args)


class _CraftingPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, FakeStorage) else None


def craft(torch, obj) -> bytes:
    buffer = io.BytesIO()
    _CraftingPickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def write_torch_zip(path, data_pkl: bytes, records=None, prefix="archive"):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", data_pkl)
        zf.writestr(f"{prefix}/byteorder", "little")
        for key, data in (records or {}).items():
            zf.writestr(f"{prefix}/data/{key}", data)


class Evil:
    """Runs a shell command when unpickled (by an unrestricted unpickler)."""

    def __init__(self, marker, func=os.system):
        self.marker, self.func = marker, func

    def __reduce__(self):
        return (self.func, (f"touch {self.marker}",))


class EvilEval(Evil):
    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w')",))


@pytest.mark.parametrize("evil", [Evil, EvilEval])
def test_hostile_pickles_are_refused_and_run_nothing(tmp_path, evil):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": [evil(marker)]}, protocol=2)
    raw = tmp_path / "raw.pt"
    raw.write_bytes(payload)
    write_torch_zip(tmp_path / "zip.pt", payload)
    legacy = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001, {})) + payload
    (tmp_path / "legacy.pt").write_bytes(legacy)
    for name in ("raw.pt", "zip.pt", "legacy.pt"):
        with pytest.raises(pickle.UnpicklingError, match=r"(posix|nt|builtins)\.(system|eval).*not an allowed"):
            ember.load(tmp_path / name)
        assert not marker.exists()
    # even while the user allows unrelated globals, and with weights_only=False
    with ember.serialization.safe_globals([Point]), pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "zip.pt", weights_only=False)
    assert not marker.exists()


def test_pickles_cannot_modify_what_they_did_not_create(tmp_path):
    # GLOBAL torch.float32, then BUILD (None, {"itemsize": 0}): would corrupt ember.float32
    dtype_attack = b"\x80\x02ctorch\nfloat32\nN}X\x08\x00\x00\x00itemsizeK\x00s\x86b."
    # GLOBAL torch._utils._rebuild_tensor_v2, then BUILD {"__defaults__": ...} on the function
    function_attack = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n}X\x0c\x00\x00\x00__defaults__)sb."
    for payload, name in ((dtype_attack, "dtype"), (function_attack, "function")):
        write_torch_zip(tmp_path / "build.pt", payload)
        with pytest.raises(pickle.UnpicklingError, match=f"sets attributes of a {name}"):
            ember.load(tmp_path / "build.pt")
    assert ember.float32.itemsize == 4 and ember.ones(2).dtype.itemsize == 4


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-7\x86R.", "latin-1"),
        (b"\x80\x02ctorch\nComplexFloatStorage\n.", "dtype that ember does not have"),
        (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x02K\x03K\x04\x89}tR.", "from a storage"),
        (b"\x80\x02ctorch\nSize\nX\x01\x00\x00\x00a\x85\x85R.", "torch.Size expects"),
        (b"\x80\x02(X\x07\x00\x00\x00storageK\x01K\x02K\x03K\x04tQ.", "persistent id"),
        (b"\x80\x02X\x01\x00\x00\x00a\x85Q.", "persistent id"),
        (b"\x80\x02ccollections\nOrderedDict.fromkeys\n.", "not an allowed global"),
        (b"\x80\x02]q\x00h\x00\x85R.", "malformed pickle"),
        (b"\x80\x02\x8c\x01a", "malformed pickle"),
    ],
    ids=["codecs", "complex-storage", "rebuild-args", "size", "pid-types", "pid-shape", "dotted", "call-list", "trunc"],
)
def test_malformed_pickles_are_refused(tmp_path, payload, match):
    write_torch_zip(tmp_path / "bad.pt", payload)
    with pytest.raises(pickle.UnpicklingError, match=match):
        ember.load(tmp_path / "bad.pt")


def test_crafted_tensor_layouts_are_checked(torch, tmp_path):
    def load(tensor, records):
        write_torch_zip(tmp_path / "c.pt", craft(torch, tensor), records)
        return ember.load(tmp_path / "c.pt")

    s = FakeStorage(torch, "0", 4)
    assert load(FakeTensor(torch, s, 1, (3,), (1,)), {"0": b"\x00" * 16}).shape == (3,)
    bad_layouts = [
        ((2,), (1,), 3, "needs 20 bytes"),  # runs off the end
        ((3,), (2**62,), 0, "needs"),  # would overflow int64 in the core
        ((2,), (1,), -1, "storage offset"),
        ((-1,), (1,), 0, "size must hold"),
        ((2, 2), (1,), 0, "different lengths"),
        ((2**40, 2**40), (1, 1), 0, "too many elements"),
    ]
    for size, stride, offset, match in bad_layouts:
        with pytest.raises(pickle.UnpicklingError, match=match):
            load(FakeTensor(torch, s, offset, size, stride), {"0": b"\x00" * 16})
    with pytest.raises(ValueError, match="holds 15 bytes, but 16 were expected"):
        load(FakeTensor(torch, s), {"0": b"\x00" * 15})
    with pytest.raises(ValueError, match="no record"):
        load(FakeTensor(torch, s), {})
    huge = FakeStorage(torch, "0", 2**60)
    with pytest.raises(ValueError, match="bytes"):
        load(FakeTensor(torch, huge), {"0": b"\x00" * 16})


def test_legacy_file_claiming_huge_storage(torch, tmp_path):
    head = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    body = craft(torch, FakeTensor(torch, FakeStorage(torch, "7", 2**50)))
    (tmp_path / "huge.pt").write_bytes(head + body + pickle.dumps(["7"], protocol=2) + b"\x00" * 16)
    with pytest.raises(ValueError, match="more than the file holds"):
        ember.load(tmp_path / "huge.pt")
    body = craft(torch, FakeTensor(torch, FakeStorage(torch, "7", 2)))
    for keys, tail, match in [
        (["7"], struct.pack("<q", 3) + b"\x00" * 8, "has 3 elements"),
        (["7"], struct.pack("<q", 2) + b"\x00" * 7, "truncated"),
        ([], b"", "does not match"),
        (["7", "8"], b"", "does not match"),
    ]:
        (tmp_path / "bad.pt").write_bytes(head + body + pickle.dumps(keys, protocol=2) + tail)
        with pytest.raises(ValueError, match=match):
            ember.load(tmp_path / "bad.pt")


def test_torchscript_and_unknown_zips_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "ts.pt", "w") as zf:
        zf.writestr("m/constants.pkl", b"")
        zf.writestr("m/code/m.py", "import os")
    with pytest.raises(ValueError, match="TorchScript"):
        ember.load(tmp_path / "ts.pt")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ValueError, match="neither"):
        ember.load(tmp_path / "other.zip")


# ---- safetensors ----------------------------------------------------------------------
save_file, load_file = ember.serialization.save_file, ember.serialization.load_file


@pytest.fixture
def safetensors():
    return pytest.importorskip("safetensors")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_safetensors_roundtrip_every_dtype(tmp_path, dtype):
    tensors = {
        "a": random_tensor(dtype, (3, 4), seed=2),
        "empty": random_tensor(dtype, (0, 2)),
        "s": random_tensor(dtype, ()),
    }
    save_file(tensors, tmp_path / "t.safetensors")
    out = load_file(tmp_path / "t.safetensors")
    assert sorted(out) == sorted(tensors)
    for name, t in tensors.items():
        assert out[name].dtype is dtype and out[name].shape == t.shape and value_bytes(out[name]) == value_bytes(t)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_safetensors_package_reads_ember_files_and_back(tmp_path, safetensors, torch, name):
    from safetensors.torch import load_file as torch_load_file
    from safetensors.torch import save_file as torch_save_file

    dtype = getattr(ember, name)
    ours = {"w": random_tensor(dtype, (2, 3), seed=3), "b": random_tensor(dtype, (5,), seed=4)}
    save_file(ours, tmp_path / "ember.safetensors", metadata={"format": "pt"})
    theirs = torch_load_file(tmp_path / "ember.safetensors")
    for key, t in ours.items():
        assert value_bytes(t) == torch_value_bytes(theirs[key]) and tuple(theirs[key].shape) == tuple(t.shape)
    torch_save_file(theirs, tmp_path / "torch.safetensors", metadata={"k": "v"})
    back = load_file(tmp_path / "torch.safetensors")
    for key, t in theirs.items():
        assert_matches_torch(t, back[key], layout=False)  # one buffer: offsets differ
    assert ember.serialization.load_metadata(tmp_path / "torch.safetensors") == {"k": "v"}


def test_safetensors_numpy_interop(tmp_path, safetensors):
    from safetensors.numpy import load_file as np_load_file
    from safetensors.numpy import save_file as np_save_file

    arrays = {
        "f": np.arange(6, dtype=np.float32).reshape(2, 3),
        "i": np.array([1, -2], dtype=np.int16),
        "b": np.array([True]),
    }
    np_save_file(arrays, str(tmp_path / "np.safetensors"))
    out = load_file(tmp_path / "np.safetensors")
    for key, a in arrays.items():
        np.testing.assert_array_equal(out[key].numpy(), a)
    save_file(out, tmp_path / "back.safetensors")
    for key, a in np_load_file(str(tmp_path / "back.safetensors")).items():
        np.testing.assert_array_equal(a, arrays[key])


def test_safetensors_writes_views_contiguously_and_refuses_aliasing(tmp_path):
    m = ember.arange(12.0).view(3, 4)
    save_file({"t": m.t(), "col": ember.arange(12.0).view(3, 4)[:, 1]}, tmp_path / "v.safetensors")
    out = load_file(tmp_path / "v.safetensors")
    assert out["t"].tolist() == m.t().tolist() and out["col"].tolist() == [1.0, 5.0, 9.0]
    save_file({"top": m[:1], "bottom": m[1:]}, tmp_path / "disjoint.safetensors")  # one storage, no overlap
    with pytest.raises(RuntimeError, match="'a' and 'b' share memory"):
        save_file({"a": m, "b": m[1]}, tmp_path / "alias.safetensors")
    for bad, match in [
        ({1: m}, "names must be strings"),
        ({"__metadata__": m}, "names must be strings"),
        ({"a": [1.0]}, "not a tensor"),
    ]:
        with pytest.raises(TypeError, match=match):
            save_file(bad, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="metadata"):
        save_file({"a": m}, tmp_path / "x.safetensors", metadata={"a": 1})


def write_safetensors(path, header, data=b"", length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + data)


def test_safetensors_misaligned_tensors_are_copied(tmp_path):
    header = {
        "a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
        "b": {"dtype": "F32", "shape": [1], "data_offsets": [1, 5]},
    }
    write_safetensors(tmp_path / "m.safetensors", header, b"\x07" + struct.pack("<f", 2.5))
    out = load_file(tmp_path / "m.safetensors")
    assert out["a"].tolist() == [7] and out["b"].tolist() == [2.5]


@pytest.mark.parametrize(
    "header, data, length, match",
    [
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\x00" * 4, None, "describes 8 bytes"),
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\x00" * 4, None, "need 8|needs 8"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\x00" * 8, None, "expected 0"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 8, None, "file holds 8"),
        ({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\x00" * 8, None, "'C64'"),
        ({"a": {"dtype": "float", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4, None, "unknown"),
        ({"a": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4, None, "unknown"),
        ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"", None, "non-negative"),
        ({"a": {"dtype": "F32", "shape": [2**62, 2**62], "data_offsets": [0, 4]}}, b"", None, "needs"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"", None, "data_offsets"),
        ({"a": {"dtype": "F32", "shape": [1]}}, b"", None, "expected"),
        ({"a": [1]}, b"", None, "expected"),
        ({"__metadata__": {"a": 1}}, b"", None, "__metadata__"),
        ([1, 2], b"", None, "not a JSON object"),
        (b'{"a": ', b"", None, "not valid JSON"),
        (b"\xff\xfe", b"", None, "not valid JSON"),
        (b'{"a": 1, "a": 2}', b"", None, "twice"),
        (b'{"a": NaN}', b"", None, "expected"),
        ({}, b"", 2**62, "more than"),
        ({}, b"", 1000, "has 2 after"),
    ],
)
def test_safetensors_malformed_files(tmp_path, header, data, length, match):
    write_safetensors(tmp_path / "bad.safetensors", header, data, length)
    with pytest.raises(ValueError, match=match):
        load_file(tmp_path / "bad.safetensors")


def test_safetensors_truncated_length(tmp_path):
    (tmp_path / "short.safetensors").write_bytes(b"\x01\x00")
    with pytest.raises(ValueError, match="truncated"):
        load_file(tmp_path / "short.safetensors")


# ---- robustness of ember.load -------------------------------------------------------
def test_truncated_files_raise_clear_errors(tmp_path):
    path = tmp_path / "full.em"
    ember.save({"w": ember.arange(100.0), "b": [1, "x"]}, path)
    data = path.read_bytes()
    for cut in sorted({0, 1, 2, 3, 10, 30, 100, len(data) // 2, len(data) - 22, len(data) - 1}):
        (tmp_path / "cut.em").write_bytes(data[:cut])
        with pytest.raises(ValueError):
            ember.load(tmp_path / "cut.em")


def test_truncated_torch_files_raise_clear_errors(torch, tmp_path):
    for legacy in (False, True):
        path = tmp_path / "full.pt"
        torch.save({"w": torch.arange(50.0)}, path, _use_new_zipfile_serialization=not legacy)
        data = path.read_bytes()
        for cut in range(1, len(data), max(1, len(data) // 40)):
            (tmp_path / "cut.pt").write_bytes(data[:cut])
            with pytest.raises(LOAD_ERRORS):
                ember.load(tmp_path / "cut.pt")


def test_corrupted_bytes_raise_clear_errors_or_load(tmp_path):
    path = tmp_path / "full.em"
    ember.save({"w": ember.arange(64.0), "n": {"a": [1, 2]}}, path)
    data = path.read_bytes()
    rng = np.random.default_rng(5)
    for position in rng.integers(0, len(data), size=60):
        corrupted = bytearray(data)
        corrupted[position] ^= 0xFF
        (tmp_path / "bad.em").write_bytes(bytes(corrupted))
        try:
            ember.load(tmp_path / "bad.em")
        except LOAD_ERRORS:
            pass


@pytest.mark.parametrize(
    "manifest, match",
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "ember", "version": 1, "root": NaN}', "NaN"),
        (b"[1]", "not an ember manifest"),
        ({"format": "ember", "version": 99}, "newer than this ember"),
        ({"format": "ember", "version": "1"}, "version"),
        ({**ember_manifest(None), "byteorder": "middle"}, "byte order"),
        ({**ember_manifest(None), "storages": {}}, "'storages' must be a list"),
        ({k: v for k, v in ember_manifest(None).items() if k != "root"}, "no 'root'"),
        (ember_manifest({"tensor": 0}), "not in the tensor table"),
        (ember_manifest({"what": 1}), "unknown kind"),
        (ember_manifest({"list": 1}), "must be a JSON list"),
        (ember_manifest({"dict": [[1]]}), "key, value"),
        (ember_manifest({"dict": [[{"list": []}, 1]]}), "unhashable"),
        (ember_manifest({"set": [{"list": []}]}), "unhashable"),
        (ember_manifest({"float": "1.5"}), "'nan'"),
        (ember_manifest({"bytes": "***"}), "base64"),
        (ember_manifest({"dtype": "complex64"}), "unknown dtype"),
        (ember_manifest({"dtype": ["float32"]}), "unknown dtype"),
        (ember_manifest({"device": "tpu"}), "bad device"),
        (ember_manifest({"size": [-1]}), "non-negative"),
        (ember_manifest({"object": ["m"]}), "module, qualname"),
        (ember_manifest({"a": 1, "b": 2}), "expected a value"),
        (ember_manifest(None, storages=[{"nbytes": -1}]), "storage 0"),
        (ember_manifest(None, storages=[{"nbytes": 8}]), "no record 'ember/data/0'"),
    ],
)
def test_corrupted_manifests_raise_clear_errors(tmp_path, manifest, match):
    write_ember_archive(tmp_path / "bad.em", manifest)
    with pytest.raises(ValueError, match=match):
        ember.load(tmp_path / "bad.em")


@pytest.mark.parametrize(
    "record, nbytes, match",
    [
        ({"storage": 0, "dtype": "float32", "size": [3], "stride": [1], "offset": 0}, 8, "needs 12 bytes"),
        ({"storage": 0, "dtype": "float32", "size": [3], "stride": [2**62], "offset": 0}, 8, "needs"),
        ({"storage": 0, "dtype": "float32", "size": [2**62, 4], "stride": [1, 1], "offset": 0}, 8, "too many"),
        ({"storage": 0, "dtype": "float32", "size": [1], "stride": [1], "offset": 2**64}, 8, "storage offset"),
        ({"storage": 0, "dtype": "float32", "size": [1], "stride": [1, 1], "offset": 0}, 8, "different lengths"),
        ({"storage": 0, "dtype": "float32", "size": [True], "stride": [1], "offset": 0}, 8, "size must"),
        ({"storage": 0, "dtype": "float32", "size": 3, "stride": [1], "offset": 0}, 8, "size must"),
        ({"storage": 1, "dtype": "float32", "size": [1], "stride": [1], "offset": 0}, 8, "not in the storage table"),
        ({"storage": 0, "dtype": "float128", "size": [1], "stride": [1], "offset": 0}, 8, "unknown dtype"),
        ({"storage": 0, "dtype": "float32", "size": [1], "stride": [1], "offset": 0, "x": 1}, 8, "unknown fields"),
        (
            {"storage": 0, "dtype": "int8", "size": [1], "stride": [1], "offset": 0, "requires_grad": 1},
            8,
            "requires_grad",
        ),
        ([], 8, "expected a record"),
    ],
)
def test_corrupted_tensor_records_raise_clear_errors(tmp_path, record, nbytes, match):
    manifest = ember_manifest({"tensor": 0}, storages=[{"nbytes": nbytes, "device": "cpu"}], tensors=[record])
    write_ember_archive(tmp_path / "bad.em", manifest, {"ember/data/0": b"\x00" * nbytes})
    with pytest.raises(ValueError, match=match):
        ember.load(tmp_path / "bad.em")


def test_storage_record_sizes_are_checked(tmp_path):
    manifest = ember_manifest(None, storages=[{"nbytes": 16, "device": "cpu"}])
    write_ember_archive(tmp_path / "a.em", manifest, {"ember/data/0": b"\x00" * 8})
    with pytest.raises(ValueError, match="holds 8 bytes, but 16"):
        ember.load(tmp_path / "a.em")
    manifest = ember_manifest(None, storages=[{"nbytes": 2**60, "device": "cpu"}])
    write_ember_archive(tmp_path / "b.em", manifest, {"ember/data/0": b"\x00" * 8})
    with pytest.raises(ValueError, match="bytes"):
        ember.load(tmp_path / "b.em")
    with zipfile.ZipFile(tmp_path / "c.em", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_native.MANIFEST, json.dumps(ember_manifest(1)))
    with pytest.raises(ValueError, match="compressed"):
        ember.load(tmp_path / "c.em")


def test_corrupted_storage_bytes_fail_the_crc_check(tmp_path):
    path = tmp_path / "crc.em"
    ember.save(ember.arange(16.0), path)
    data = bytearray(path.read_bytes())
    position = data.index(struct.pack("<f", 7.0))
    data[position] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="CRC-32"):
        ember.load(path)


def test_unknown_formats_say_what_they_are(tmp_path):
    (tmp_path / "text.txt").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an ember or PyTorch file"):
        ember.load(tmp_path / "text.txt")
    save_file({"a": ember.ones(1)}, tmp_path / "s.safetensors")
    with pytest.raises(ValueError, match="load_file"):
        ember.load(tmp_path / "s.safetensors")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(ValueError):
        ember.load(tmp_path / "empty")


def test_deeply_nested_files_raise_clear_errors(tmp_path):
    head = json.dumps(ember_manifest(None))[: -len("null}")].encode()
    write_ember_archive(tmp_path / "deep.em", head + b'{"list":[' * 100_000 + b"]}" * 100_000 + b"}")
    with pytest.raises(ValueError, match="nested too deeply"):
        ember.load(tmp_path / "deep.em")
    nested = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(ValueError, match="nested too deeply"):
        ember.save(nested, io.BytesIO())


# ---- random round trips ---------------------------------------------------------------
_STORAGE_BYTES = 256  # room for any layout below in any dtype


@st.composite
def storage_pool(draw):
    count = draw(st.integers(1, 3))
    return [
        _C.from_numpy(np.frombuffer(draw(st.binary(min_size=_STORAGE_BYTES, max_size=_STORAGE_BYTES)), np.uint8).copy())
        for _ in range(count)
    ]


@st.composite
def tensor_views(draw):
    """A view of one of a few shared storages: any dtype, shape, stride, offset."""
    pool = draw(st.shared(storage_pool(), key="storages"))
    storage = draw(st.sampled_from(pool))
    dtype = draw(st.sampled_from(DTYPES))
    ndim = draw(st.integers(0, 3))
    size = [draw(st.integers(0, 3)) for _ in range(ndim)]
    stride = [draw(st.integers(0, 3)) for _ in range(ndim)]
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride) if n)
    offset = draw(st.integers(0, _STORAGE_BYTES // dtype.itemsize - span))
    return _C.from_storage_bytes(storage, dtype, size, stride, offset)


_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.binary(max_size=5)
    | st.sampled_from(DTYPES)
    | st.lists(st.integers(0, 5), max_size=3).map(ember.Size)
    | tensor_views()
)
_keys = st.text(max_size=3) | st.integers(-3, 3)
trees = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4)
    | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(_keys, children, max_size=3)
    | st.dictionaries(_keys, children, max_size=3).map(collections.OrderedDict)
    | st.builds(Point, children, children),
    max_leaves=12,
)


def _same_with_points(a, b, storages):
    if type(a) is Point:
        assert type(b) is Point
        _same_with_points([a.x, a.y], [b.x, b.y], storages)
    elif isinstance(a, (list, tuple)) and not isinstance(a, ember.Size):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same_with_points(x, y, storages)
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            _same_with_points(a[k], b[k], storages)
    else:
        assert_same(a, b, storages)


@given(trees)
def test_random_trees_roundtrip(tree):
    with ember.serialization.safe_globals([Point]):
        out = roundtrip(tree)
    _same_with_points(tree, out, {})


@given(st.dictionaries(st.text(min_size=1, max_size=4), tensor_views(), max_size=4))
def test_random_tensors_roundtrip_through_safetensors(tensors):
    buffer = io.BytesIO()
    try:
        save_file(tensors, buffer)
    except RuntimeError as e:  # views that overlap in memory are refused
        assert "share memory" in str(e)
        return
    buffer.seek(0)
    out = load_file(buffer)
    assert sorted(out) == sorted(tensors)
    for name, t in tensors.items():
        assert (out[name].dtype, out[name].shape) == (t.dtype, t.shape)
        assert value_bytes(out[name]) == value_bytes(t)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
_kinds = st.sampled_from(
    ["list", "tuple", "set", "dict", "odict", "float", "bytes", "dtype", "size", "tensor", "object"]
)


@given(st.recursive(_json, lambda children: st.builds(lambda k, v: {k: v}, _kinds, children), max_leaves=10))
def test_random_manifests_load_or_raise_clear_errors(tmp_path_factory, root):
    path = tmp_path_factory.mktemp("fuzz") / "random.em"
    storage = {"nbytes": 8, "device": "cpu"}
    record = {"storage": 0, "dtype": "float32", "size": [2], "stride": [1], "offset": 0}
    write_ember_archive(path, ember_manifest(root, [storage], [record]), {"ember/data/0": b"\x00" * 8})
    try:
        ember.load(path)
    except (ValueError, pickle.UnpicklingError):
        pass


def test_counter_round_trips(tmp_path):
    import collections

    obj = {"milestones": collections.Counter([30, 80, 80]), "t": ember.ones(2)}
    ember.save(obj, tmp_path / "c.pt")
    out = ember.load(tmp_path / "c.pt")
    assert type(out["milestones"]) is collections.Counter and out["milestones"] == obj["milestones"]
