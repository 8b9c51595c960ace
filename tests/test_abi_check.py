# SPDX-License-Identifier: BSD-3-Clause
"""tools/abi_check.py: the ABI slot table may not change without a version bump."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tools" / "abi_check.py"
HEADER = REPO / "packages" / "core" / "include" / "ember" / "abi.h"
VERSIONS = REPO / "packages" / "core" / "abi_versions.txt"
LAST_SLOT = re.compile(r"(\n\} EmberCoreAPI;)")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


@pytest.fixture
def copies(tmp_path):
    """Copies of abi.h and abi_versions.txt to modify, and a check runner."""
    header = tmp_path / "abi.h"
    versions = tmp_path / "abi_versions.txt"
    shutil.copy(HEADER, header)
    shutil.copy(VERSIONS, versions)

    def check(*extra):
        return run("--header", str(header), "--versions", str(versions), *extra)

    return header, versions, check


def _version(text: str) -> tuple[int, int]:
    return tuple(int(re.search(rf"#define {n} (\d+)", text).group(1)) for n in ("EMBER_ABI_MAJOR", "EMBER_ABI_FEATURE"))


def _set_version(header: Path, major: int, feature: int) -> None:
    text = header.read_text()
    text = re.sub(r"#define EMBER_ABI_MAJOR \d+", f"#define EMBER_ABI_MAJOR {major}", text)
    text = re.sub(r"#define EMBER_ABI_FEATURE \d+", f"#define EMBER_ABI_FEATURE {feature}", text)
    header.write_text(text)


def _append_slot(header: Path) -> None:
    text, n = LAST_SLOT.subn(r"\n  /* 13, new */ int (*new_slot)(void);\1", header.read_text())
    assert n == 1
    header.write_text(text)


def test_repository_abi_is_recorded():
    proc = run()
    assert proc.returncode == 0, proc.stderr
    major, feature = _version(HEADER.read_text())
    assert f"ABI {major}.{feature}: slot table matches" in proc.stdout


def test_versions_file_format():
    lines = [line for line in VERSIONS.read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"\d+\.\d+ [0-9a-f]{64}", line) for line in lines)
    major, feature = _version(HEADER.read_text())
    assert sum(line.startswith(f"{major}.{feature} ") for line in lines) == 1


def test_changed_table_without_bump_fails(copies):
    header, _, check = copies
    _append_slot(header)
    proc = check()
    assert proc.returncode == 1
    assert "changed, but its version is still" in proc.stderr
    assert "EMBER_ABI_FEATURE" in proc.stderr and "--update" in proc.stderr


@pytest.mark.parametrize(
    "old, new",
    [
        ("int (*abi_feature)(void);", "long (*abi_feature)(void);"),  # retyped
        ("int32_t device_id, void** stream", "void** stream, int32_t device_id"),  # reordered arguments
        ("void (*tensor_release)(EmberTensor* t);", ""),  # removed
    ],
    ids=["retyped", "reordered", "removed"],
)
def test_any_declaration_change_fails(copies, old, new):
    header, _, check = copies
    text = header.read_text()
    assert old in text
    header.write_text(text.replace(old, new))
    assert check().returncode == 1


def test_comments_and_layout_do_not_count(copies):
    header, _, check = copies
    text = header.read_text()
    begin, end = text.index("EMBER_ABI_SLOTS_BEGIN"), text.index("EMBER_ABI_SLOTS_END")
    table = text[begin:end]
    reflowed = table.replace("int (*abi_major)(void);", "int(\n      *abi_major) ( void ) ;  // reflowed")
    reflowed = reflowed.replace("/* 0, feature 1 */", "/* slot 0: the ABI major, feature 1 */")
    assert reflowed != table
    header.write_text(text[:begin] + reflowed + text[end:])
    assert check().returncode == 0


def test_text_outside_the_table_does_not_count(copies):
    header, _, check = copies
    capsule = "#define EMBER_ABI_CAPSULE_NAME"
    header.write_text(header.read_text().replace(capsule, "/* note */\n" + capsule))
    assert check().returncode == 0


def test_bump_then_update_records_the_new_version(copies):
    header, versions, check = copies
    major, feature = _version(header.read_text())
    before = versions.read_text()
    _append_slot(header)
    _set_version(header, major, feature + 1)
    proc = check()
    assert proc.returncode == 1
    assert f"ABI {major}.{feature + 1}" in proc.stderr and "not recorded" in proc.stderr
    proc = check("--update")
    assert proc.returncode == 0, proc.stderr
    after = versions.read_text()
    # the old line is kept as it was; one line is added
    old_lines = [line for line in before.splitlines() if line and not line.startswith("#")]
    new_lines = [line for line in after.splitlines() if line and not line.startswith("#")]
    assert set(old_lines) < set(new_lines) and len(new_lines) == len(old_lines) + 1
    assert any(line.startswith(f"{major}.{feature + 1} ") for line in new_lines)
    assert check().returncode == 0


def test_update_does_not_rewrite_a_recorded_version(copies):
    header, versions, check = copies
    before = versions.read_text()
    _append_slot(header)
    proc = check("--update")
    assert proc.returncode == 1 and "already recorded" in proc.stderr
    assert versions.read_text() == before
    assert check("--update", "--force").returncode == 0
    assert check().returncode == 0
    assert versions.read_text() != before


def test_version_going_backwards_fails(copies):
    header, versions, check = copies
    major, feature = _version(header.read_text())
    _set_version(header, major, feature + 1)
    assert check("--update").returncode == 0
    _set_version(header, major, 0)  # older than both recorded versions, and not recorded
    proc = check()
    assert proc.returncode == 1 and "only move forward" in proc.stderr


def test_unreadable_input_exits_2(copies):
    header, versions, check = copies
    versions.write_text("1.1 not-a-hash\n")
    proc = check()
    assert proc.returncode == 2 and "expected 'MAJOR.FEATURE <sha256>'" in proc.stderr
    shutil.copy(VERSIONS, versions)
    header.write_text(header.read_text().replace("EMBER_ABI_SLOTS_END", "SLOTS_GONE"))
    proc = check()
    assert proc.returncode == 2 and "EMBER_ABI_SLOTS_END" in proc.stderr
