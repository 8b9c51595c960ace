#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check that ember's C ABI table did not change without a version bump.

The slot table of ``packages/core/include/ember/abi.h`` (the lines between
``EMBER_ABI_SLOTS_BEGIN`` and ``EMBER_ABI_SLOTS_END``) is hashed after
dropping comments and whitespace, so only the declarations count. The hash of
every released ABI version is recorded in ``packages/core/abi_versions.txt``,
one ``MAJOR.FEATURE <sha256>`` line each (NumPy's ``cversions.txt``).

Exit status 0 when the current ``EMBER_ABI_MAJOR.EMBER_ABI_FEATURE`` is
recorded with the table's hash; 1 when the table changed without a version
bump, the current version is not recorded, or the version went backwards;
2 on unreadable input.

    python tools/abi_check.py            # check (CI)
    python tools/abi_check.py --update   # record the current version's hash
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HEADER = ROOT / "packages" / "core" / "include" / "ember" / "abi.h"
DEFAULT_VERSIONS = ROOT / "packages" / "core" / "abi_versions.txt"

BEGIN = "EMBER_ABI_SLOTS_BEGIN"
END = "EMBER_ABI_SLOTS_END"

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*|\S")
_LINE = re.compile(r"^(\d+)\.(\d+)\s+([0-9a-f]{64})$")

HEADER_NOTE = """\
# SPDX-License-Identifier: BSD-3-Clause
# ember C ABI versions: MAJOR.FEATURE <sha256 of the normalized slot table
# in include/ember/abi.h>. Written by tools/abi_check.py --update; checked
# in CI. A recorded line never changes: change the table, bump the version.
"""


class AbiError(Exception):
    """Input the check cannot read (exit status 2)."""


def slot_table(header_text: str) -> str:
    """The text strictly between the BEGIN and END marker lines."""
    lines = header_text.splitlines()
    begin = [i for i, line in enumerate(lines) if BEGIN in line]
    end = [i for i, line in enumerate(lines) if END in line]
    if len(begin) != 1 or len(end) != 1 or end[0] <= begin[0]:
        raise AbiError(f"expected one {BEGIN} line followed by one {END} line")
    return "\n".join(lines[begin[0] + 1 : end[0]])


def normalize(table: str) -> str:
    """The table's C tokens joined by single spaces: comments and layout are
    dropped, so reformatting or re-commenting a slot does not change the hash,
    while any change to a declaration does."""
    return " ".join(_TOKEN.findall(_COMMENT.sub(" ", table)))


def table_hash(header_text: str) -> str:
    """sha256 of the normalized slot table."""
    return hashlib.sha256(normalize(slot_table(header_text)).encode()).hexdigest()


def header_version(header_text: str) -> tuple[int, int]:
    """(EMBER_ABI_MAJOR, EMBER_ABI_FEATURE) as #defined in the header."""
    found = []
    for name in ("EMBER_ABI_MAJOR", "EMBER_ABI_FEATURE"):
        m = re.search(rf"^\s*#\s*define\s+{name}\s+(\d+)\s*$", header_text, re.MULTILINE)
        if m is None:
            raise AbiError(f"no '#define {name} <number>' in the header")
        found.append(int(m.group(1)))
    return found[0], found[1]


def read_versions(path: Path) -> dict[tuple[int, int], str]:
    """{(major, feature): sha256} from the versions file ('#' starts a comment)."""
    versions: dict[tuple[int, int], str] = {}
    if not path.exists():
        return versions
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _LINE.match(line)
        if m is None:
            raise AbiError(f"{path}:{n}: expected 'MAJOR.FEATURE <sha256>', got {raw!r}")
        key = (int(m.group(1)), int(m.group(2)))
        if key in versions:
            raise AbiError(f"{path}:{n}: ABI {key[0]}.{key[1]} is recorded twice")
        versions[key] = m.group(3)
    return versions


def write_versions(path: Path, versions: dict[tuple[int, int], str]) -> None:
    body = "".join(f"{major}.{feature} {digest}\n" for (major, feature), digest in sorted(versions.items()))
    path.write_text(HEADER_NOTE + body)


def check(header: Path, versions_path: Path) -> tuple[bool, str]:
    """(ok, message) for the header against the recorded versions."""
    text = header.read_text()
    major, feature = header_version(text)
    digest = table_hash(text)
    versions = read_versions(versions_path)
    current = f"{major}.{feature}"
    recorded = versions.get((major, feature))
    if recorded == digest:
        return True, f"ABI {current}: slot table matches {versions_path.name} ({digest[:12]})"
    if recorded is not None:
        return False, (
            f"the ABI slot table in {header} changed, but its version is still {current}: "
            f"{versions_path.name} records {recorded[:12]} for {current}, the table now hashes "
            f"to {digest[:12]}.\nAppending a slot bumps EMBER_ABI_FEATURE; any other change "
            f"(removing, reordering or retyping a slot) bumps EMBER_ABI_MAJOR. Bump it, then run "
            f"'python tools/abi_check.py --update' to record the new version."
        )
    newest = max(versions) if versions else None
    if newest is not None and (major, feature) < newest:
        return False, (
            f"{header} declares ABI {current}, older than ABI {newest[0]}.{newest[1]} "
            f"recorded in {versions_path}: ABI versions only move forward."
        )
    return False, (
        f"ABI {current} (slot table {digest[:12]}) is not recorded in {versions_path}. "
        f"If the version bump is intended, record it with 'python tools/abi_check.py --update'."
    )


def update(header: Path, versions_path: Path, force: bool = False) -> tuple[bool, str]:
    """Records the current version's hash; never rewrites a recorded version
    unless ``force`` (for a version that was never released)."""
    text = header.read_text()
    major, feature = header_version(text)
    digest = table_hash(text)
    versions = read_versions(versions_path)
    recorded = versions.get((major, feature))
    current = f"{major}.{feature}"
    if recorded == digest:
        return True, f"ABI {current} already recorded ({digest[:12]})"
    if recorded is not None and not force:
        return False, (
            f"ABI {current} is already recorded with another hash ({recorded[:12]}); a released "
            f"version's table must not change. Bump EMBER_ABI_FEATURE or EMBER_ABI_MAJOR "
            f"(or pass --force if {current} was never released)."
        )
    versions[(major, feature)] = digest
    write_versions(versions_path, versions)
    return True, f"recorded ABI {current} {digest[:12]} in {versions_path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--header", type=Path, default=DEFAULT_HEADER, help="abi.h to check")
    parser.add_argument("--versions", type=Path, default=DEFAULT_VERSIONS, help="abi_versions.txt")
    parser.add_argument("--update", action="store_true", help="record the current version's hash")
    parser.add_argument("--force", action="store_true", help="with --update: overwrite a recorded hash")
    args = parser.parse_args(argv)
    try:
        if args.update:
            ok, message = update(args.header, args.versions, args.force)
        else:
            ok, message = check(args.header, args.versions)
    except (AbiError, OSError) as e:
        print(f"abi_check: error: {e}", file=sys.stderr)
        return 2
    print(("abi_check: " if ok else "abi_check: FAILED: ") + message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
