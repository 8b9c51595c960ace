# SPDX-License-Identifier: BSD-3-Clause
"""The documentation: the quickstart's examples run and print what the page
says, every page builds without a warning, and the API reference lists every
public name of ``ember`` and ``ember.Tensor`` (and nothing that is not)."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import ember

DOCS = Path(__file__).resolve().parent.parent / "docs"
QUICKSTART = DOCS / "quickstart.rst"
API = DOCS / "api"

# Runs a page's `>>>` examples with the standard library's doctest, in a fresh
# interpreter (the examples change global state: threads, seeds).
_RUN_DOCTESTS = """
import doctest, sys
result = doctest.testfile(sys.argv[1], module_relative=False, optionflags=doctest.ELLIPSIS)
print(f"{result.attempted} examples, {result.failed} failed")
sys.exit(1 if result.failed or not result.attempted else 0)
"""


def _run(args, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=DOCS.parent, capture_output=True, text=True, timeout=timeout)


def test_quickstart_examples_run_and_match():
    proc = _run(["-c", _RUN_DOCTESTS, str(QUICKSTART)])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_quickstart_has_no_untested_code():
    # Python on the page is written as doctest (`>>>`) blocks, which the test
    # above runs; a plain code block would go untested.
    text = QUICKSTART.read_text()
    blocks = re.findall(r"^\.\. code-block:: *(python|py|pycon)\s*$", text, flags=re.M)
    assert not blocks, "write quickstart examples as `>>>` doctest blocks so tests/test_docs.py runs them"


def _sphinx(builder: str, out: Path):
    pytest.importorskip("sphinx")
    return _run(
        ["-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder, "-d", str(out / "doctrees"), "docs", str(out)]
    )


def test_docs_build_without_warnings(tmp_path):
    proc = _sphinx("html", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not proc.stderr.strip(), proc.stderr


def test_every_page_doctest_passes(tmp_path):
    # sphinx's doctest builder: the `>>>` blocks of every page (install,
    # design notes, quickstart) and of the docstrings autodoc pulls in.
    proc = _sphinx("doctest", tmp_path)
    report = (tmp_path / "output.txt").read_text() if (tmp_path / "output.txt").exists() else ""
    assert proc.returncode == 0, proc.stdout + proc.stderr + report
    assert re.search(r"^\s*[1-9]\d* tests$", report, flags=re.M), report


# ---- the API reference covers the public API -------------------------------
_DIRECTIVE = re.compile(r"^\s*\.\. (?:auto(?:function|class|method|data)|py:\w+):: +(ember\.[\w.]+)", re.M)
_LISTED = re.compile(r"``([A-Za-z_]\w*)``")


def _listed_names(page: Path) -> set[str]:
    """Names in bullet items (`* ``name```) and in table rows (a line that
    starts with ``name`` and a column gap): how the reference lists names."""
    names = set()
    for line in page.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("* ``") or re.match(r"``\w+`` {2,}", line):
            names.update(_LISTED.findall(line))
    return names


def _documented_targets() -> set[str]:
    targets = set()
    for page in API.glob("*.rst"):
        targets.update(_DIRECTIVE.findall(page.read_text()))
    return targets


def _resolve(dotted: str):
    obj = ember
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def _public_ember_names() -> dict[str, object]:
    return {
        name: getattr(ember, name)
        for name in dir(ember)
        if not name.startswith("_")
        # `from __future__ import annotations` in ember/__init__.py leaks a name
        and type(getattr(ember, name)).__module__ != "__future__"
    }


def test_api_reference_lists_every_public_name():
    documented = {t.split(".", 1)[1] for t in _documented_targets() if t.count(".") == 1}
    listed = set().union(*(_listed_names(p) for p in API.glob("*.rst") if p.name != "tensor.rst"))
    public = _public_ember_names()
    functions = {n for n, obj in public.items() if not isinstance(obj, types.ModuleType)}
    missing = sorted(functions - documented - listed)
    assert not missing, f"public names missing from docs/api/: {missing}"
    # submodules with an __all__ (ember.ops, ember.multiprocessing): each name
    # documented, or listed (names re-exported from the standard library)
    targets = _documented_targets()
    for name, obj in public.items():
        if isinstance(obj, types.ModuleType) and hasattr(obj, "__all__"):
            undocumented = sorted(
                f"ember.{name}.{n}" for n in obj.__all__ if f"ember.{name}.{n}" not in targets and n not in listed
            )
            assert not undocumented, f"undocumented: {undocumented}"


def test_functions_with_docstrings_are_autodocumented():
    # a docstring written in the source is shown, not just the name
    documented = {t.split(".", 1)[1] for t in _documented_targets() if t.count(".") == 1}
    plain = sorted(
        name
        for name, obj in _public_ember_names().items()
        if isinstance(obj, types.FunctionType) and obj.__name__ == name and obj.__doc__ and name not in documented
    )
    assert not plain, f"add `.. autofunction:: ember.<name>` in docs/api/ for: {plain}"


def test_api_reference_names_exist():
    for target in sorted(_documented_targets()):
        try:
            _resolve(target)
        except AttributeError:
            pytest.fail(f"docs/api/ documents {target}, which does not exist")
    for page in API.glob("*.rst"):
        # a page lists names of ember, of Tensor (tensor.rst) or of its own module (multiprocessing.rst)
        owners = [ember.Tensor] if page.name == "tensor.rst" else [ember]
        module = getattr(ember, page.stem, None)
        if isinstance(module, types.ModuleType):
            owners.append(module)
        absent = sorted(n for n in _listed_names(page) if not any(hasattr(o, n) for o in owners))
        assert not absent, f"{page.name} lists names {owners[0].__name__} does not have: {absent}"


def test_api_reference_lists_every_tensor_method():
    listed = _listed_names(API / "tensor.rst")
    listed |= {t.rsplit(".", 1)[1] for t in _documented_targets() if t.startswith("ember.Tensor.")}
    public = {n for n in dir(ember.Tensor) if not n.startswith("_")}
    missing = sorted(public - listed)
    assert not missing, f"Tensor methods missing from docs/api/tensor.rst: {missing}"
