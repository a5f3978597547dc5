"""The build is reproducible: the same inputs give the same image and package digests.

The rebuild runs steps 2-6 of scripts/build-package.sh again (venv install, byte-compile, layer
tar, crane, xpkg build) from the cached Debian rootfs and wheels, into a folder of its own; with
``CATALYST_PACKAGE_FRESH=1`` it also runs mmdebstrap and downloads the wheels again (about two
more minutes). The script itself refuses a digest that differs from the one
build/package-digests.txt recorded for the same inputs hash, so every rebuild anywhere checks.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.package import image

ROOT = Path(__file__).resolve().parents[2]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_the_ledger_records_this_build(package: image.Package) -> None:
    inputs = (package.folder / "inputs.sha256").read_text().strip()
    rows = [line.split() for line in (ROOT / "build" / "package-digests.txt").read_text().splitlines()]
    assert {tuple(r[1:4]) for r in rows if r[0] == inputs} == {
        (package.image_digest, package.xpkg_digest, package.pushed_digest)}


def test_a_rebuild_is_byte_identical(package: image.Package, tmp_path: Path) -> None:
    fresh = os.environ.get("CATALYST_PACKAGE_FRESH") == "1"
    again = image.build("--fresh" if fresh else "--force", "--out", str(tmp_path / "again"))
    if (again.folder / "inputs.sha256").read_text() != (package.folder / "inputs.sha256").read_text():
        pytest.fail("the tree changed between the two builds (someone edited it?); rerun")
    assert again.image_digest == package.image_digest
    assert again.xpkg_digest == package.xpkg_digest
    assert again.pushed_digest == package.pushed_digest
    assert sha256(again.image_tar) == sha256(package.image_tar)
    assert sha256(again.xpkg) == sha256(package.xpkg)
    assert (again.folder / "contents.md").read_text() == (package.folder / "contents.md").read_text()
