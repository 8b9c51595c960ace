# SPDX-License-Identifier: BSD-3-Clause
"""The core as installed: missing components name their distribution,
``python -m ember.info`` reports the install, versions agree, ``import ember``
stays light and self-contained, and the package ships what native code needs."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import ember
from ember import _components, info

REPO = Path(__file__).resolve().parent.parent
SOURCE_HEADER = REPO / "packages" / "core" / "include" / "ember" / "abi.h"
C_LIB = Path(ember._C.__file__)


def _run(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=str(REPO))


# ---- missing components -----------------------------------------------------------


@pytest.mark.parametrize(
    "module, dist",
    [
        ("ember.nn", "ember-nn"),
        ("ember.nn.functional", "ember-nn"),
        ("ember.optim", "ember-optim"),
        ("ember.utils.data", "ember-data"),
        ("ember.autograd", "ember-autograd"),
    ],
)
def test_missing_component_names_its_distribution(module, dist):
    if _components.installed()[dist] is not None:
        pytest.skip(f"{dist} is installed here")
    with pytest.raises(ModuleNotFoundError) as info_:
        importlib.import_module(module)
    message = str(info_.value)
    assert f"'{dist}'" in message
    assert f"pip install {dist}" in message
    assert info_.value.name is not None and module.startswith(info_.value.name)
    assert module not in sys.modules


def test_missing_component_import_statement_in_fresh_interpreter():
    if _components.installed()["ember-nn"] is not None:
        pytest.skip("ember-nn is installed here")
    proc = _run("import ember.nn")
    assert proc.returncode != 0
    assert "ModuleNotFoundError: No module named 'ember.nn': it is part of the 'ember-nn' distribution" in proc.stderr
    assert "pip install ember-nn" in proc.stderr


def test_hook_applies_to_any_declared_component(monkeypatch):
    # independent of what is installed: a component no distribution provides
    monkeypatch.setitem(_components.COMPONENTS, "zz_missing", "ember-zz-missing")
    monkeypatch.setitem(_components.COMPONENTS, "zz_parent.child", "ember-zz-child")
    with pytest.raises(ModuleNotFoundError, match=r"'ember-zz-missing'.*pip install ember-zz-missing"):
        import ember.zz_missing  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match=r"ember\.zz_parent\.child.*pip install ember-zz-child"):
        import ember.zz_parent.child  # noqa: F401


def test_unknown_submodule_keeps_the_plain_error():
    with pytest.raises(ModuleNotFoundError) as info_:
        import ember.no_such_submodule  # noqa: F401
    assert str(info_.value) == "No module named 'ember.no_such_submodule'"


def test_find_spec_probe_returns_none_for_missing_components(monkeypatch):
    monkeypatch.setitem(_components.COMPONENTS, "zz_missing", "ember-zz-missing")
    assert importlib.util.find_spec("ember.zz_missing") is None


def test_import_hook_installed_once():
    _components.install_import_hook()
    finders = [f for f in sys.meta_path if isinstance(f, _components._MissingComponentFinder)]
    assert len(finders) == 1 and sys.meta_path[-1] is finders[0]


# ---- python -m ember.info --------------------------------------------------------


def test_info_reports_the_install():
    proc = subprocess.run([sys.executable, "-m", "ember.info"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"ember-core {ember.__version__}" in out
    assert "(ABI {}.{})".format(*ember.__abi_version__) in out
    for dist, version in _components.installed().items():
        line = re.search(rf"^\s+{re.escape(dist)}\s+(.*)$", out, re.M)
        assert line, f"{dist} missing from:\n{out}"
        if version is None:
            assert line.group(1).strip() == "not installed"
        else:
            assert line.group(1).startswith(version)
    build = ember._C.build_config()
    fields = dict(re.findall(r"^\s+(compiler|SIMD|BLAS|threads|CUDA)\s+(.+)$", out, re.M))
    assert set(fields) == {"compiler", "SIMD", "BLAS", "threads", "CUDA"}, out
    assert fields["compiler"] == build["compiler"].strip('"') and '"' not in fields["compiler"]
    assert fields["SIMD"].startswith(ember._C.simd_level())
    assert "OpenBLAS" in fields["BLAS"]
    assert int(fields["threads"]) >= 1
    assert fields["CUDA"] == ("yes" if build["cuda"] else "no")


def _fake_component(monkeypatch, requires: list[str]):
    """Makes info see an installed 'ember-nn' whose metadata declares ``requires``."""
    real_installed = _components.installed

    def installed():
        return {**real_installed(), "ember-nn": "9.9.9"}

    class FakeMetadata:
        def get_all(self, key):
            return requires if key == "Requires-Dist" else None

    real_metadata = metadata.metadata
    monkeypatch.setattr(_components, "installed", installed)
    monkeypatch.setattr(metadata, "metadata", lambda d: FakeMetadata() if d == "ember-nn" else real_metadata(d))


@pytest.mark.parametrize("packaging_available", [True, False])
def test_info_compatibility_without_packaging(monkeypatch, capsys, packaging_available):
    if not packaging_available:
        # the core's only dependency is numpy: info must not need packaging
        for name in [m for m in sys.modules if m == "packaging" or m.startswith("packaging.")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, "packaging", None)
    major = int(ember.__version__.split(".")[1])
    _fake_component(monkeypatch, ["numpy>=1.24", f"ember-core>={ember.__version__},<0.{major + 1}"])
    entry = info.collect()["components"]["ember-nn"]
    assert entry == {"version": "9.9.9", "requires_core": f">={ember.__version__},<0.{major + 1}", "compatible": True}
    _fake_component(monkeypatch, [f"ember-core (>=0.{major + 1},<0.{major + 2})"])
    assert info.collect()["components"]["ember-nn"]["compatible"] is False
    info.main()
    out = capsys.readouterr().out
    assert re.search(rf"ember-nn\s+9\.9\.9\s+requires ember-core>=0\.{major + 1},<0\.{major + 2}: INCOMPATIBLE", out)


def test_info_module_does_not_import_packaging():
    proc = _run(
        "import sys; sys.modules['packaging'] = None\n"
        "import ember.info, io, contextlib\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf): ember.info.main()\n"
        "print('ok' if 'ember-core' in buf.getvalue() else 'bad')"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "version, spec, expected",
    [
        ("0.1.0", ">=0.1,<0.2", True),
        ("0.1.7", ">=0.1,<0.2", True),
        ("0.2.0", ">=0.1,<0.2", False),
        ("0.0.9", ">=0.1,<0.2", False),
        ("0.1", ">=0.1.0", True),
        ("0.10.0", ">=0.9,<0.11", True),  # numeric, not string, comparison
        ("0.2.0.dev0", ">=0.2,<0.3", False),  # a dev release precedes its release
        ("0.2.0rc1", "<0.2", False),  # PEP 440: <V excludes V's pre-releases
        ("0.2.0rc1", "<0.3", True),
        ("0.2.0rc1", ">=0.1,<0.3", True),  # an installed pre-release is judged, not rejected
        ("0.1.0.post1", ">0.1", False),  # PEP 440: >V excludes V's post releases
        ("0.1.0.post1", ">=0.1", True),
        ("0.1.0+local", "==0.1.0", True),
        ("0.1.5", "==0.1.*", True),
        ("0.2.0", "==0.1.*", False),
        ("0.1.5", "!=0.1.*", False),
        ("0.1.5", "~=0.1.2", True),
        ("0.2.0", "~=0.1.2", False),
        ("0.1.0", "", True),
        ("0.1.0", " >= 0.1 , < 0.2 ", True),
        ("0.1.0", "!=0.1.0", False),
        ("0.1.0", "<=0.1", True),
        ("0.1.0", "bogus", None),
        ("not-a-version", ">=0.1", None),
    ],
)
def test_version_satisfies(version, spec, expected):
    assert info.version_satisfies(version, spec) is expected


def test_version_satisfies_agrees_with_packaging():
    specifiers = pytest.importorskip("packaging.specifiers")
    versions = ["0.0.1", "0.1", "0.1.0", "0.1.3", "0.2.0", "0.2.1", "0.10.0", "1.0.0"]
    versions += ["0.1.0.post2", "0.2.0rc1", "0.2.0.dev0", "0.1.1a2", "0.1.0+local"]
    specs = [">=0.1,<0.2", ">=0.2,<0.3", ">0.1.0", "<0.2", "<=0.2", "==0.1.0", "!=0.2.0"]
    specs += ["~=0.1.0", "==0.1.*", ">=0.9,<0.11", ">0.1", "<0.2.0", ">=0.2"]
    for v in versions:
        for s in specs:
            expected = specifiers.SpecifierSet(s).contains(v, prereleases=True)
            assert info.version_satisfies(v, s) == expected, (v, s)


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["numpy>=1.24", "ember-core>=0.1,<0.2"], ">=0.1,<0.2"),
        (["ember_core (>=0.3, <0.4)"], ">=0.3,<0.4"),
        (["Ember.Core>=0.1; python_version >= '3.10'"], ">=0.1"),
        (["ember-core>=0.9; extra == 'test'", "ember-core>=0.1"], ">=0.1"),
        (["ember-core[cuda]>=0.1,<0.2"], ">=0.1,<0.2"),
        (["ember-core"], ""),
        (["ember-core-extras>=1", "numpy"], None),
        ([], None),
    ],
)
def test_core_requirement(lines, expected):
    assert info.core_requirement(lines) == expected


# ---- versions ------------------------------------------------------------------------


def _header_version(path: Path) -> tuple[int, int]:
    text = path.read_text()
    return tuple(int(re.search(rf"#define {n} (\d+)", text).group(1)) for n in ("EMBER_ABI_MAJOR", "EMBER_ABI_FEATURE"))


def test_versions_agree_with_metadata_and_header():
    assert ember.__version__ == metadata.version("ember-core")
    assert isinstance(ember.__abi_version__, tuple) and len(ember.__abi_version__) == 2
    assert ember.__abi_version__ == _header_version(C_LIB.parent / "include" / "ember" / "abi.h")
    if SOURCE_HEADER.exists():  # a stale build shows here
        assert ember.__abi_version__ == _header_version(SOURCE_HEADER)


def test_core_series_matches_the_abi_major():
    # ABI major N is the ember-core 0.N series (abi.h's pip hint relies on it)
    assert int(ember.__version__.split(".")[1]) == ember.__abi_version__[0]


# ---- import ember: light and self-contained ---------------------------------------------


def test_import_ember_loads_nothing_heavier_than_numpy():
    proc = _run(
        "import sys; before = set(sys.modules)\n"
        "import ember; t = ember.ones(3) + 1\n"
        "print(' '.join(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    assert "ember" in loaded
    third_party = loaded - set(sys.stdlib_module_names) - {"ember", "numpy"}
    assert not third_party, f"import ember loaded {sorted(third_party)}"
    for heavy in ("torch", "scipy", "pandas", "packaging", "pytest"):
        assert heavy not in loaded


def test_core_imports_without_ld_library_path():
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    proc = _run(
        "import ember\n"
        "a = ember.ones(64, 64); b = (a @ a)[0, 0].item()\n"
        "libs = {l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l}\n"
        "print(b); print('\\n'.join(sorted(libs)))",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split()
    assert float(lines[0]) == 64.0
    # the OpenBLAS the core shipped, next to _C, and no other
    assert lines[1:] == [str(C_LIB.parent / "libscipy_openblas.so")]


# ---- what the package ships ------------------------------------------------------------


def _elf_dynamic(path: Path) -> dict[str, list[str]]:
    """NEEDED, RPATH and RUNPATH of a 64-bit little-endian ELF file, read
    from its .dynamic section."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit little-endian ELF"
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    dynamic = [s for s in sections if s[1] == 6]  # SHT_DYNAMIC
    assert len(dynamic) == 1
    _, _, _, _, offset, size, link, _, _, entsize = dynamic[0]
    strtab = sections[link][4]
    tags = {1: "NEEDED", 15: "RPATH", 29: "RUNPATH"}
    result: dict[str, list[str]] = {name: [] for name in tags.values()}
    for pos in range(offset, offset + size, entsize):
        tag, value = struct.unpack_from("<qQ", data, pos)
        if tag == 0:
            break
        if tag in tags:
            end = data.index(b"\0", strtab + value)
            result[tags[tag]].append(data[strtab + value : end].decode())
    return result


def test_openblas_ships_next_to_the_extension_with_origin_rpath():
    blas = C_LIB.parent / "libscipy_openblas.so"
    assert blas.is_file()
    dyn = _elf_dynamic(C_LIB)
    assert "libscipy_openblas.so" in dyn["NEEDED"]
    search = dyn["RUNPATH"] + dyn["RPATH"]
    assert search and all(p == "$ORIGIN" for entry in search for p in entry.split(":")), dyn
    readelf = shutil.which("readelf")
    if readelf:  # cross-check the parser
        out = subprocess.run([readelf, "-d", str(C_LIB)], capture_output=True, text=True).stdout
        assert "[libscipy_openblas.so]" in out
        assert re.search(r"\((?:RUNPATH|RPATH)\).*\[\$ORIGIN\]", out), out


def test_get_include_and_cmake_dir():
    header = Path(ember.get_include(), "ember", "abi.h")
    assert header.is_file(), f"ember.get_include() = {ember.get_include()} has no ember/abi.h"
    assert "EMBER_ABI_SLOTS_BEGIN" in header.read_text()
    config = Path(ember.get_cmake_dir(), "emberConfig.cmake")
    assert config.is_file(), f"ember.get_cmake_dir() = {ember.get_cmake_dir()} has no emberConfig.cmake"
