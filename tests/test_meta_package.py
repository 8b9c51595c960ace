# SPDX-License-Identifier: BSD-3-Clause
"""The ``ember`` meta-package pins exactly the package versions in this
checkout, and each component's declared core range admits that core."""

import sys
from pathlib import Path

import pytest

if sys.version_info < (3, 11):
    pytest.skip("tomllib needs Python 3.11", allow_module_level=True)
import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text())["project"]


def test_meta_package_pins_every_package_of_the_checkout():
    packages = {_project(p)["name"]: _project(p)["version"] for p in ROOT.glob("packages/*/pyproject.toml")}
    pins = {}
    for dep in _project(ROOT / "pyproject.toml")["dependencies"]:
        req = Requirement(dep)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{dep}: the meta-package pins exact versions"
        pins[req.name] = spec.version
    assert pins == packages


def test_components_admit_the_core_of_the_checkout():
    core = _project(ROOT / "packages/core/pyproject.toml")["version"]
    for path in ROOT.glob("packages/*/pyproject.toml"):
        for dep in _project(path).get("dependencies", []):
            req = Requirement(dep)
            if req.name == "ember-core":
                assert req.specifier.contains(core), f"{path.parent.name} declares {dep}, the core is {core}"
