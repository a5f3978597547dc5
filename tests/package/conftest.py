"""Fixtures for the package suite: the built artefacts, the image's filesystem, a PKI.

Everything here tests the artefact a sovereign-admin installs (build/package-<version>/),
not the working tree: the image is built by scripts/build-package.sh (cached by a hash of its
inputs, so an unchanged tree costs seconds) and run with tests/package/image.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.package import image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import xprender  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.function)


@pytest.fixture(scope="session", autouse=True)
def _root() -> None:
    if os.geteuid() != 0:
        pytest.fail("the package suite needs root (mmdebstrap, unshare, chroot), as CI runs it")


@pytest.fixture(scope="session")
def version() -> str:
    """The one version: pyproject.toml's."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


@pytest.fixture(scope="session")
def package() -> image.Package:
    """The artefacts for the current tree (rebuilt only when an input changed)."""
    return image.build()


@pytest.fixture(scope="session")
def config(package: image.Package) -> image.ImageConfig:
    return image.read_config(package.image_tar)


@pytest.fixture(scope="session")
def rootfs(package: image.Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's filesystem, flattened by ``crane export``."""
    return image.export_rootfs(package.image_tar, tmp_path_factory.mktemp("image") / "rootfs")


@pytest.fixture(scope="session")
def cli() -> Path:
    return xprender.crossplane_cli()


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _issue(cwd: Path, ca: str, name: str, cn: str, extensions: str) -> None:
    """A P-256 key ``<name>.key`` and a certificate ``<name>.crt`` signed by ``<ca>``."""
    _openssl(cwd, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key")
    _openssl(cwd, "req", "-new", "-key", f"{name}.key", "-subj", f"/CN={cn}", "-out", f"{name}.csr")
    (cwd / f"{name}.ext").write_text(extensions)
    _openssl(cwd, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", f"{name}.ext", "-out", f"{name}.crt")


def _ca(cwd: Path, name: str) -> None:
    _openssl(cwd, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}.key")
    _openssl(cwd, "req", "-x509", "-new", "-key", f"{name}.key", "-subj", f"/CN={name}", "-days", "2",
             "-sha256", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
             "-out", f"{name}.crt")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA; the server's tls.crt/tls.key/ca.crt in ``certs/`` as Crossplane mounts them; a
    client certificate from the CA and one from a stranger CA.

    ``certs/`` is readable by uid 65532 only through its owner, as a Secret volume would be
    (mode 0400 files owned by the pod's fsGroup are the usual setup; here: chowned to 65532).
    """
    cwd = tmp_path_factory.mktemp("pki")
    _ca(cwd, "ca")
    _ca(cwd, "stranger-ca")
    _issue(cwd, "ca", "tls", "function-catalyst-dns",
           "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _issue(cwd, "ca", "client", "crossplane", "extendedKeyUsage=clientAuth\n")
    _issue(cwd, "stranger-ca", "stranger", "crossplane", "extendedKeyUsage=clientAuth\n")
    certs = cwd / "certs"
    certs.mkdir()
    for name in ("tls.crt", "tls.key", "ca.crt"):
        (certs / name).write_bytes((cwd / name).read_bytes())
        os.chown(certs / name, 65532, 65532)
        (certs / name).chmod(0o400)
    os.chown(certs, 65532, 65532)
    # tmp folders are 0700 root: the image's user must be able to reach the bind source's
    # contents only through the mount, which does not need the parents' permissions.
    return cwd
