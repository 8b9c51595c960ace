# SPDX-License-Identifier: BSD-3-Clause
"""``python -m ember.info``: what is installed and how the core was built."""

from __future__ import annotations

import re
import sys

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(.*?)\s*$")
_PRE = re.compile(r"^(?:(?:a|b|c|rc|alpha|beta|pre|preview)[.\-_]?\d*(?:[.\-_]?(?:post|dev)\d*)*|dev\d*)$")
_POST = re.compile(r"^(?:(?:post|rev|r)[.\-_]?\d*|\d+)(?:[.\-_]?dev\d*)?$")
_CLAUSE = re.compile(r"^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")
_REQUIREMENT = re.compile(
    r"^\s*ember[-_.]core(?![-_.A-Za-z0-9])\s*(?:\[[^\]]*\])?\s*\(?\s*(?P<spec>[^;()]*?)\s*\)?\s*(?:;\s*(?P<marker>.*))?$",
    re.IGNORECASE,
)


def _parse_version(text: str) -> tuple[tuple[int, ...], int] | None:
    """(release numbers, rank) with rank -1 for a pre- or dev release, 0 for
    a final one (a '+local' label ignored), 1 for a post release; None when
    ``text`` is not such a version. Pre-releases of one release compare
    equal to each other (enough for the ranges components declare)."""
    m = _VERSION.match(text)
    if m is None:
        return None
    release = tuple(int(p) for p in m.group(1).split("."))
    rest = m.group(2).split("+", 1)[0].lower().lstrip(".-_")
    if not rest:
        return release, 0
    if _PRE.match(rest):
        return release, -1
    if _POST.match(rest):
        return release, 1
    return None


def _compare(a: tuple[tuple[int, ...], int], b: tuple[tuple[int, ...], int]) -> int:
    n = max(len(a[0]), len(b[0]))
    ka = (a[0] + (0,) * (n - len(a[0])), a[1])
    kb = (b[0] + (0,) * (n - len(b[0])), b[1])
    return (ka > kb) - (ka < kb)


def _clause_holds(version: tuple[tuple[int, ...], int], op: str, target: str) -> bool | None:
    if op in ("==", "!=") and target.endswith(".*"):
        prefix = _parse_version(target[:-2])
        if prefix is None:
            return None
        equal = version[0][: len(prefix[0])] == prefix[0] + (0,) * (len(prefix[0]) - len(version[0]))
        return equal if op == "==" else not equal
    parsed = _parse_version(target)
    if parsed is None:
        return None
    c = _compare(version, parsed)
    same_release = _compare((version[0], 0), (parsed[0], 0)) == 0
    # PEP 440: <V excludes V's pre-releases, >V its post releases
    if op == "<" and parsed[1] >= 0 and same_release:
        return False
    if op == ">" and parsed[1] <= 0 and same_release:
        return False
    if op == "~=":  # ~=X.Y.Z: >=X.Y.Z, ==X.Y.*
        if len(parsed[0]) < 2:
            return None
        return c >= 0 and version[0][: len(parsed[0]) - 1] == parsed[0][:-1]
    return {
        "==": c == 0,
        "===": c == 0,
        "!=": c != 0,
        "<=": c <= 0,
        ">=": c >= 0,
        "<": c < 0,
        ">": c > 0,
    }[op]


def version_satisfies(version: str, specifier: str) -> bool | None:
    """Whether ``version`` lies in ``specifier`` (PEP 440 clauses joined by
    commas, such as ``">=0.1,<0.2"``), without the ``packaging`` library: the
    core's only dependency is numpy.

    Releases compare numerically with missing parts as zeros; a pre- or dev
    release sorts just below its release, a post release just above, and
    ``<V``/``>V`` exclude V's pre/post releases (PEP 440). Unlike
    ``packaging``'s default, an installed pre-release is judged like any
    version, not rejected. An empty specifier allows everything. Returns None when the version or a
    clause cannot be read, so that callers can say "unknown"."""
    parsed = _parse_version(version)
    if parsed is None:
        return None
    result = True
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        m = _CLAUSE.match(clause)
        if m is None:
            return None
        holds = _clause_holds(parsed, m.group(1), m.group(2))
        if holds is None:
            return None
        result = result and holds
    return result


def core_requirement(requires_dist: list[str]) -> str | None:
    """The ember-core version specifier among a distribution's Requires-Dist
    lines (ignoring ones that apply only to an extra); None when there is
    none. ``""`` means any version."""
    for line in requires_dist:
        m = _REQUIREMENT.match(line)
        if m is None:
            continue
        marker = m.group("marker") or ""
        if re.search(r"\bextra\s*==", marker):
            continue
        return m.group("spec").replace(" ", "")
    return None


def collect() -> dict:
    """Components with versions and ABI compatibility, and the build config."""
    import ember

    from . import _C, _components

    components = {}
    for dist, version in _components.installed().items():
        entry = {"version": version}
        if dist != "ember-core" and version is not None:
            entry.update(_component_abi(dist))
        components[dist] = entry
    build = dict(_C.build_config())
    build["compiler"] = str(build.get("compiler", "")).strip('"')
    build.update(
        simd=_C.simd_level(),
        blas=_C.blas_info(),
        threads=_C.get_num_threads(),
    )
    return {
        "core_version": ember.__version__,
        "abi_version": ".".join(map(str, ember.__abi_version__)),
        "components": components,
        "build": build,
    }


def _component_abi(dist: str) -> dict:
    """The core range a component was built for, read from its package
    metadata, and whether the installed core is in it (None: unknown)."""
    from importlib import metadata

    import ember

    requires = core_requirement(metadata.metadata(dist).get_all("Requires-Dist") or [])
    compatible = True if requires is None else version_satisfies(ember.__version__, requires)
    return {"requires_core": requires, "compatible": compatible}


def main(argv=None) -> int:
    """Prints the report; returns the exit status (0)."""
    info = collect()
    out = sys.stdout
    out.write(f"ember-core {info['core_version']}  (ABI {info['abi_version']})\n\ncomponents:\n")
    for dist, entry in info["components"].items():
        version = entry["version"] or "not installed"
        extra = ""
        if entry.get("requires_core"):
            verdict = {True: "compatible", False: "INCOMPATIBLE", None: "unknown"}[entry["compatible"]]
            extra = f"  requires ember-core{entry['requires_core']}: {verdict}"
        out.write(f"  {dist:<24} {version}{extra}\n")
    out.write("\nbuild:\n")
    b = info["build"]
    out.write(f"  compiler   {b['compiler']}\n")
    out.write(f"  SIMD       {b['simd']} (built: {b['isa_built']})\n")
    out.write(f"  BLAS       {b['blas']}\n")
    out.write(f"  threads    {b['threads']}\n")
    out.write(f"  CUDA       {'yes' if b['cuda'] else 'no'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
