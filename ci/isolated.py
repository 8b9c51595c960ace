# SPDX-License-Identifier: BSD-3-Clause
"""The worker of ci/test-isolated (read its header for what is checked and
why). Run by .venv's Python, which has the build tools and ``packaging``.

Steps: build a wheel of every package under packages/; then, for each, a
fresh venv with that wheel, the wheels of the ember packages it declares
(transitively) and its test extra; its tests, copied out of the checkout, run
against the installed wheels. ember-core's venv also runs the cross-package
tests of the core alone. Each component's venv then gets a copy of the
component rebuilt for the next ABI major, which must refuse to import."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10: the copy pip vendors
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(__file__).resolve().parent / "isolated_pytest_plugin.py"
CORE = "ember-core"
TEST_EXTRAS = ("test", "tests")
# The cross-package tests (tests/) about the core alone, run in ember-core's
# venv (no component installed), and the tools they need beyond the core's
# test extra: cmake and ninja build the C ABI test extensions (conftest.py).
CORE_ALONE_TESTS = ["test_core_alone.py", "test_components.py", "test_abi_extension.py", "test_abi_mismatch.py"]
CORE_ALONE_SUPPORT = ["conftest.py", "abi_extension"]
CORE_ALONE_REQUIREMENTS = ["cmake>=3.20", "ninja"]
# Native build tools in the build venv, as tools/dev-install puts them in .venv
# (with --no-build-isolation, scikit-build-core cannot ask pip for them).
NATIVE_BUILD_TOOLS = ["cmake>=3.20", "ninja"]
COPY_IGNORE = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache", "*.so", "*.pyc")


class CheckError(Exception):
    """A check failed; the message says which and why."""


def ours(name: str) -> bool:
    """Names never taken from an index: ``ember`` and ``ember-*``."""
    name = canonicalize_name(name)
    return name == "ember" or name.startswith("ember-")


# ---- commands and logs ------------------------------------------------------------------


class Log:
    """One log file per step; a failing command prints its output."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def run(self, cmd, *, cwd=None, env=None, check=True, show=False) -> subprocess.CompletedProcess:
        cmd = [str(c) for c in cmd]
        with self.path.open("a") as f:
            f.write(f"$ {' '.join(cmd)}\n")
        if show:  # streamed to the console (pytest)
            proc = subprocess.run(cmd, cwd=cwd, env=env, text=True)
            proc.stdout = proc.stderr = ""
        else:
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
            with self.path.open("a") as f:
                f.write(proc.stdout + proc.stderr)
        if check and proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
            raise CheckError(f"exit {proc.returncode}: {' '.join(cmd)}\n{tail}\n(full log: {self.path})")
        return proc


def clean_env(venv: Path | None = None, **extra: str) -> dict[str, str]:
    """os.environ without anything that would let the checkout or another
    environment leak in; ``venv``'s bin first on PATH, as if activated."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


class Venv:
    def __init__(self, path: Path, log: Log, create: bool = True):
        self.path, self.log = path, log
        self.python = path / "bin" / "python"
        if create:
            shutil.rmtree(path, ignore_errors=True)
            # .venv's interpreter makes the venv from its base Python: the
            # same interpreter, so the wheels' tags match.
            log.run([sys.executable, "-m", "venv", path], env=clean_env())

    def pip(self, *args, check=True) -> subprocess.CompletedProcess:
        cmd = [self.python, "-m", "pip", "--disable-pip-version-check", *args]
        return self.log.run(cmd, env=clean_env(self.path), check=check)

    def install_third_party(self, requirements: list[str]) -> None:
        """From the configured index (and the shared pip cache)."""
        if requirements:
            self.pip("install", "-q", *requirements)

    def install_ours(self, wheels: list[Wheel]) -> None:
        """Our wheels by path, never from an index, never their dependencies."""
        if wheels:
            self.pip("install", "-q", "--no-deps", "--no-index", *[w.path for w in wheels])


# ---- packages and wheels ---------------------------------------------------------------


@dataclass
class Source:
    """A package of the checkout: packages/<dir>/pyproject.toml."""

    dir: Path
    name: str
    backend: str
    build_requires: list[Requirement]
    pytest_options: dict | None

    @classmethod
    def read(cls, pyproject: Path) -> Source:
        data = tomllib.loads(pyproject.read_text())
        build = data.get("build-system", {})
        return cls(
            dir=pyproject.parent,
            name=canonicalize_name(data["project"]["name"]),
            backend=build.get("build-backend", "setuptools.build_meta:__legacy__"),
            build_requires=[Requirement(r) for r in build.get("requires", ["setuptools", "wheel"])],
            pytest_options=data.get("tool", {}).get("pytest", {}).get("ini_options"),
        )

    def build_args(self, work: Path) -> list[str]:
        """A private build directory for scikit-build-core packages other than
        the core, so a run never reconfigures the developer's build tree."""
        if self.backend.startswith("scikit_build_core") and self.name != CORE:
            return ["-C", f"build-dir={work / 'native-build' / self.name}"]
        return []


@dataclass
class Wheel:
    path: Path
    name: str
    version: str
    requires: list[Requirement]
    extras: list[str]
    files: list[str] = field(repr=False)

    @classmethod
    def read(cls, path: Path) -> Wheel:
        with zipfile.ZipFile(path) as z:
            files = z.namelist()
            (meta,) = [f for f in files if f.count("/") == 1 and f.endswith(".dist-info/METADATA")]
            headers = HeaderParser().parsestr(z.read(meta).decode())
        return cls(
            path=path,
            name=canonicalize_name(headers["Name"]),
            version=headers["Version"],
            requires=[Requirement(r) for r in headers.get_all("Requires-Dist") or []],
            extras=[canonicalize_name(e) for e in headers.get_all("Provides-Extra") or []],
            files=files,
        )

    @property
    def test_extra(self) -> str | None:
        return next((e for e in TEST_EXTRAS if e in self.extras), None)

    def requirements(self, extras) -> list[Requirement]:
        """Requires-Dist with markers evaluated for this interpreter and ``extras``."""
        envs = [{"extra": e} for e in extras] or [{"extra": ""}]
        return [r for r in self.requires if r.marker is None or any(r.marker.evaluate(e) for e in envs)]

    @property
    def modules(self) -> list[str]:
        """The importable names this wheel provides at its top: ``ember``
        for the core, ``ember.nn`` for ember-nn, plus single modules such as
        ``ember.utils.data`` whose package another distribution ships."""
        py = {f[: -len(".py")] for f in self.files if f.endswith(".py") and ".dist-info/" not in f}
        result = []
        for path in sorted(py):
            parts = path.split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if not parts or "/".join([*parts[:-1], "__init__"]) in py:
                continue  # inside a package this wheel ships: imported with it
            result.append(".".join(parts))
        return result


def resolve(target: Wheel, wheels: dict[str, Wheel], extras=()) -> tuple[list[Wheel], list[str]]:
    """The ember wheels ``target`` needs (itself included, dependencies
    first) and the third-party requirements of them all, from their metadata.
    Every ember requirement must be a package of this checkout whose version
    it admits."""
    order: list[Wheel] = []
    third_party: list[str] = []
    seen: set[tuple[str, frozenset]] = set()

    def visit(wheel: Wheel, extras) -> None:
        key = (wheel.name, frozenset(extras))
        if key in seen:
            return
        seen.add(key)
        for req in wheel.requirements(extras):
            name = canonicalize_name(req.name)
            if name in wheels:
                dep = wheels[name]
                if not req.specifier.contains(dep.version, prereleases=True):
                    raise CheckError(f"{wheel.name} requires {req}, but this checkout has {dep.name} {dep.version}")
                visit(dep, [canonicalize_name(e) for e in req.extras])
            elif ours(name):
                raise CheckError(
                    f"{wheel.name} requires {req}, which is not a package of this checkout "
                    "(ember names are never taken from an index)"
                )
            else:
                plain = Requirement(str(req))
                plain.marker = None
                if str(plain) not in third_party:
                    third_party.append(str(plain))
        if wheel not in order:
            order.append(wheel)

    visit(target, extras)
    return order, third_party


def build_order(sources: list[Source]) -> list[Source]:
    """ember-core first, then the others, each after the ember packages its
    build requires."""
    by_name = {s.name: s for s in sources}
    done: list[Source] = []

    def visit(source: Source, stack: tuple[str, ...]) -> None:
        if source in done:
            return
        if source.name in stack:
            raise CheckError(f"build requirements form a cycle: {' -> '.join([*stack, source.name])}")
        for req in source.build_requires:
            dep = by_name.get(canonicalize_name(req.name))
            if dep is not None:
                visit(dep, (*stack, source.name))
        done.append(source)

    for source in sorted(sources, key=lambda s: (s.name != CORE, s.name)):
        visit(source, ())
    return done


def build_wheels(sources: list[Source], work: Path, results: Results) -> dict[str, Wheel]:
    """ember-core with .venv (its build tools, its persistent build tree: an
    incremental build); every other package in a build venv holding the core
    wheel just built, its build requirements and the ember wheels they name,
    so native components compile against the core as a wheel installs it.
    Always --no-build-isolation --no-deps --no-index: no ember name is
    resolved from an index, at build time either. One step per package: a
    package that fails to build fails alone (and whatever requires it)."""
    out = work / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = Log(work / "logs" / "build.log")
    wheels: dict[str, Wheel] = {}
    build_venv: Venv | None = None
    installed: set[str] = set()
    no_index = ["wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", out]
    parallel = {"CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count()))}

    def build(source: Source) -> str:
        nonlocal build_venv
        before = set(out.iterdir())
        if source.name == CORE:
            log.run([sys.executable, "-m", "pip", *no_index, source.dir], env=clean_env(**parallel))
        else:
            if build_venv is None:
                fresh = Venv(work / "venvs" / "_build", log)
                tools = {str(r) for s in sources if s.name != CORE for r in s.build_requires if not ours(r.name)}
                fresh.install_third_party(sorted(tools) + NATIVE_BUILD_TOOLS)
                build_venv = fresh
            names = [canonicalize_name(r.name) for r in source.build_requires if ours(r.name)]
            names.append(CORE)  # native components build against the installed core
            if missing := [n for n in names if n not in wheels]:
                raise CheckError(f"needs {', '.join(missing)} to build, which did not build")
            for dep in [wheels[n] for n in names]:
                chain, third_party = resolve(dep, wheels)
                build_venv.install_third_party(third_party)
                build_venv.install_ours([w for w in chain if w.name not in installed])
                installed.update(w.name for w in chain)
            build_venv.log.run(
                [build_venv.python, "-m", "pip", *no_index, *source.build_args(work), source.dir],
                env=clean_env(build_venv.path, **parallel),
            )
        (path,) = set(out.iterdir()) - before
        wheel = Wheel.read(path)
        if wheel.name != source.name:
            raise CheckError(f"{source.dir} built {path.name}, expected a wheel of {source.name}")
        if wheel.name != CORE and "ember/__init__.py" in wheel.files:
            raise CheckError(f"{path.name} ships ember/__init__.py: only ember-core may (DESIGN.md, 'Namespace')")
        wheels[wheel.name] = wheel
        return path.name

    for source in build_order(sources):
        results.step(source.name, "build its wheel (ember names from here only)", lambda s=source: build(s))
    return wheels


# ---- tests ---------------------------------------------------------------------------------


def pytest_ini(options: dict) -> str:
    """[tool.pytest.ini_options] as a pytest.ini, without testpaths."""
    lines = ["[pytest]"]
    for key, value in options.items():
        if key == "testpaths":
            continue
        if isinstance(value, list):
            lines.append(f"{key} =" + "".join(f"\n    {v}" for v in value))
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def run_pytest(venv: Venv, run_dir: Path, paths: list[str], options: dict) -> None:
    """pytest in ``venv`` from ``run_dir`` (which holds copies of the tests,
    never the sources), with the isolation plugin."""
    (run_dir / "pytest.ini").write_text(pytest_ini(options))
    plugin_dir = run_dir / "_plugin"
    plugin_dir.mkdir(exist_ok=True)
    shutil.copy(PLUGIN, plugin_dir / "ember_isolated_check.py")
    cmd = [venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "ember_isolated_check"]
    cmd += [f"--basetemp={run_dir / '_tmp'}", *paths]
    env = clean_env(venv.path, PYTHONPATH=str(plugin_dir))
    proc = venv.log.run(cmd, cwd=run_dir, env=env, show=True, check=False)
    if proc.returncode == 5:
        raise CheckError(f"no tests collected from {', '.join(paths)}")
    if proc.returncode != 0:
        raise CheckError(f"pytest exit {proc.returncode} (its output is above)")


def check_imports_from_venv(venv: Venv, modules: list[str], run_dir: Path) -> None:
    """``modules`` import, from the venv's site-packages."""
    code = (
        "import importlib, sys\n"
        "for name in ['ember', *sys.argv[1:]]:\n"
        "    print(name, importlib.import_module(name).__file__)\n"
    )
    proc = venv.log.run([venv.python, "-c", code, *modules], cwd=run_dir, env=clean_env(venv.path))
    prefix = str(venv.path.resolve()) + os.sep
    for line in proc.stdout.splitlines():
        name, path = line.split(" ", 1)
        if not str(Path(path).resolve()).startswith(prefix):
            raise CheckError(f"{name} was imported from {path}, not from {venv.path}")


def core_abi(venv: Venv) -> tuple[str, int, int]:
    code = "import ember; print(ember.__version__, *ember.__abi_version__)"
    version, major, feature = venv.log.run([venv.python, "-c", code], env=clean_env(venv.path)).stdout.split()
    return version, int(major), int(feature)


# ---- a component built for another ABI major ------------------------------------------------


def bump_core_series(source: Source, copy: Path, series: int) -> list[str]:
    """Turns the copy of a component into one built for ABI major
    ``series + 1``, as a release for that core series would be: its
    ``ember-core>=0.N,<0.N+1`` requirement and, in the modules that define
    ``ABI_MAJOR``, that constant and the core range. Returns what changed."""
    n, m, k = series, series + 1, series + 2
    changed = []
    pyproject = copy / "pyproject.toml"
    text, count = re.subn(
        rf"(ember[-_.]core\s*(?:\[[^\]]*\])?\s*)>=\s*0\.{n}(?:\.0)?\s*,\s*<\s*0\.{m}(?:\.0)?\b",
        rf"\g<1>>=0.{m},<0.{k}",
        pyproject.read_text(),
        flags=re.I,
    )
    if count:
        pyproject.write_text(text)
        changed.append(f"pyproject.toml: ember-core>=0.{m},<0.{k}")
    for path in sorted(copy.rglob("*.py")):
        text = path.read_text()
        if not re.search(r"^ABI_MAJOR\s*=\s*\d+", text, re.M):
            continue
        text = re.sub(r"^(ABI_MAJOR\s*=\s*)\d+", rf"\g<1>{m}", text, flags=re.M)
        text = re.sub(rf"""(["'])0\.{n}\1(\s*,\s*)(["'])0\.{m}\3""", rf"\g<1>0.{m}\1\g<2>\g<3>0.{k}\3", text)
        text = re.sub(rf">=\s*0\.{n}\s*,\s*<\s*0\.{m}\b", f">=0.{m},<0.{k}", text)
        path.write_text(text)
        changed.append(f"{path.relative_to(copy)}: ABI_MAJOR = {m}")
    return changed


def check_other_abi_major(source: Source, wheel: Wheel, wheels: dict[str, Wheel], venv: Venv, work: Path) -> str:
    """In ``venv`` (the component's, its tests done): a build of the component
    for the next ABI major is refused by pip from its metadata, and when
    forced in refuses to import with an ImportError naming the component,
    both versions, both ABIs and the pip command that fixes it."""
    core_version, major, feature = core_abi(venv)
    base = work / "other-abi" / wheel.name
    shutil.rmtree(base, ignore_errors=True)
    copy = base / "src"
    ignore = shutil.ignore_patterns("build", "dist", "tests", "*.egg-info", "__pycache__", ".hypothesis", "*.so")
    shutil.copytree(source.dir, copy, ignore=ignore)
    changed = bump_core_series(source, copy, major)
    if not changed:
        raise CheckError(f"{wheel.name}: found no ember-core requirement or ABI_MAJOR to bump in {source.dir}")
    builder = Venv(work / "venvs" / "_build", venv.log, create=False)  # build_wheels' build venv
    out = base / "wheel"
    builder.log.run(
        [builder.python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", out]
        + source.build_args(base)
        + [copy],
        env=clean_env(builder.path),
    )
    (other,) = out.iterdir()

    # pip refuses the set from the metadata alone (the checkout's wheels only)
    proc = venv.pip("install", "--dry-run", "--no-index", "--find-links", wheels[CORE].path.parent, other, check=False)
    if proc.returncode == 0 or "ember-core" not in proc.stdout + proc.stderr:
        raise CheckError(f"pip accepted {other.name} next to ember-core {core_version}:\n{proc.stdout}{proc.stderr}")

    # forced in, it refuses to import
    venv.pip("install", "-q", "--no-deps", "--no-index", "--force-reinstall", other)
    expected = [
        f"{wheel.name} {wheel.version}",
        f"ember-core {core_version}",
        f"ABI {major}.{feature}",
        f"ABI {major + 1}",
    ]
    fix = re.compile(rf"pip install (?:--upgrade |-U )?['\"]?ember-core>=0\.{major + 1},<0\.{major + 2}['\"]?")
    for module in wheel.modules:
        proc = venv.log.run([venv.python, "-c", f"import {module}"], cwd=base, env=clean_env(venv.path), check=False)
        err = proc.stderr.strip().splitlines()
        last = err[-1] if err else ""
        if proc.returncode == 0:
            raise CheckError(
                f"import {module} succeeded against ember-core {core_version} though built for ABI {major + 1}"
            )
        if not last.startswith("ImportError: "):
            raise CheckError(f"import {module}: expected an ImportError, got:\n{proc.stderr}")
        missing = [s for s in expected if s not in last]
        if missing or not fix.search(last):
            what = missing or ["the pip command that installs the matching core"]
            raise CheckError(f"import {module}: the error does not name {', '.join(what)}:\n{last}")
    return f"import refused: {last[len('ImportError: ') :]}"


# ---- the run -----------------------------------------------------------------------------------


def copy_tests(src: Path, dst: Path, only: list[str] | None = None) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    if only is None:
        shutil.copytree(src, dst, ignore=COPY_IGNORE)
        return
    dst.mkdir(parents=True)
    for name in only:
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name, ignore=COPY_IGNORE)
        elif (src / name).exists():
            shutil.copy(src / name, dst / name)


class Results:
    def __init__(self):
        self.rows: list[tuple[str, str, bool, float, str]] = []

    def step(self, package: str, what: str, fn) -> bool:
        print(f"-- {package}: {what}", flush=True)
        start = time.perf_counter()
        try:
            note = fn() or ""
            ok = True
        except CheckError as e:
            note, ok = str(e), False
            print(f"FAILED: {package}: {what}\n{e}", flush=True)
        self.rows.append((package, what, ok, time.perf_counter() - start, note))
        return ok

    def report(self) -> bool:
        print("\n== ci/test-isolated summary")
        for package, what, ok, seconds, note in self.rows:
            first = note.splitlines()[0] if note else ""
            print(f"  {'ok  ' if ok else 'FAIL'} {package:<24} {what:<44} {seconds:6.0f} s  {first[:160]}")
        return all(ok for _, _, ok, _, _ in self.rows)


def test_package(source: Source, wheels: dict[str, Wheel], work: Path, results: Results, keep: bool) -> None:
    wheel = wheels[source.name]
    extra = wheel.test_extra
    label = wheel.name
    log = Log(work / "logs" / f"{wheel.name}.log")
    run_dir = work / "run" / wheel.name
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    venv: Venv | None = None
    options = (
        source.pytest_options or tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    )

    def install():
        nonlocal venv
        chain, third_party = resolve(wheel, wheels, [extra] if extra else [])
        venv = Venv(work / "venvs" / wheel.name, log)
        venv.install_third_party(third_party)
        installed = {canonicalize_name(line.split("==")[0]) for line in venv.pip("freeze", "--all").stdout.split()}
        if any(ours(n) for n in installed):
            raise CheckError(f"a third-party requirement brought in an ember distribution: {sorted(installed)}")
        venv.install_ours(chain)
        venv.pip("check")
        check_imports_from_venv(venv, wheel.modules, run_dir)
        with_extra = f"[{extra}]" if extra else ""
        deps = [f"{w.name} {w.version}" for w in chain if w is not wheel]
        return f"{wheel.name}{with_extra}" + (f" with {', '.join(deps)}" if deps else ", no other ember package")

    if not results.step(label, "fresh venv: wheel + declared dependencies", install):
        return
    try:
        tests = source.dir / "tests"
        if tests.is_dir():

            def package_tests():
                copy_tests(tests, run_dir / "tests")
                run_pytest(venv, run_dir, ["tests"], options)

            results.step(label, "its tests, against the installed wheels", package_tests)
        else:
            results.rows.append((label, "its tests", False, 0.0, f"{source.dir} has no tests/"))

        if wheel.name == CORE:

            def core_alone():
                venv.install_third_party(CORE_ALONE_REQUIREMENTS)
                copy_tests(ROOT / "tests", run_dir / "core-alone", CORE_ALONE_TESTS + CORE_ALONE_SUPPORT)
                run_pytest(venv, run_dir, [f"core-alone/{t}" for t in CORE_ALONE_TESTS], options)

            results.step(label, "core alone: tests/ on array math, errors, ABI", core_alone)
        elif any(canonicalize_name(r.name) == CORE for r in wheel.requires):
            results.step(
                label,
                "built for another ABI major: refused",
                lambda: check_other_abi_major(source, wheel, wheels, venv, work),
            )
    finally:
        if not keep and venv is not None:
            shutil.rmtree(venv.path, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ci/test-isolated", description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", help="directories under packages/ to test (default: all)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "isolated", help="default: build/isolated")
    parser.add_argument("--keep", action="store_true", help="keep the test venvs (about 1 GB each with torch)")
    args = parser.parse_args(argv)
    work = args.workdir.resolve()
    start = time.perf_counter()

    results = Results()
    sources = []
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        try:
            sources.append(Source.read(pyproject))
        except (ValueError, KeyError) as e:  # TOML errors are ValueErrors
            what = f"{pyproject.relative_to(ROOT)} unreadable"
            results.rows.append((pyproject.parent.name, "read pyproject.toml", False, 0.0, f"{what}: {e!r}"))
            print(f"FAILED: {what}: {e}", flush=True)
    if not any(s.name == CORE for s in sources):
        print("no packages/*/pyproject.toml names ember-core", file=sys.stderr)
        return 2
    selected = sources
    if args.packages:
        names = {p.strip("/").removeprefix("packages/") for p in args.packages}
        selected = [s for s in sources if s.dir.name in names]
        if unknown := names - {s.dir.name for s in selected}:
            print(f"no such package under packages/: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    print(f"== ci/test-isolated: {', '.join(s.name for s in sources)} (work dir {work})", flush=True)
    shutil.rmtree(work / "venvs", ignore_errors=True)

    wheels = build_wheels(sources, work, results)
    for source in build_order(selected):  # ember-core first
        if source.name in wheels:
            test_package(source, wheels, work, results, args.keep)
    if not args.keep:
        shutil.rmtree(work / "venvs", ignore_errors=True)
    ok = results.report()
    print(f"== ci/test-isolated: {'passed' if ok else 'FAILED'} in {time.perf_counter() - start:.0f} s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
