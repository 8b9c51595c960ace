# SPDX-License-Identifier: BSD-3-Clause
"""``python -m ember.info``: what is installed and how the core was built."""

from __future__ import annotations

import sys


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
    """The ABI a component was built for, read from its package metadata."""
    from importlib import metadata

    import ember

    built_for = None
    for line in metadata.metadata(dist).get_all("Requires-Dist") or []:
        if line.startswith("ember-core"):
            built_for = line[len("ember-core") :].strip()
    compatible = True
    if built_for:
        from packaging.specifiers import SpecifierSet

        compatible = ember.__version__ in SpecifierSet(built_for.split(";")[0].strip("() "))
    return {"requires_core": built_for, "compatible": compatible}


def main(argv=None) -> int:
    info = collect()
    out = sys.stdout
    out.write(f"ember-core {info['core_version']}  (ABI {info['abi_version']})\n\ncomponents:\n")
    for dist, entry in info["components"].items():
        version = entry["version"] or "not installed"
        extra = ""
        if "compatible" in entry:
            extra = f"  requires core {entry['requires_core']}: " + (
                "compatible" if entry["compatible"] else "INCOMPATIBLE"
            )
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
