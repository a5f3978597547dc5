"""The runtime image: its config, what is inside, and its entrypoint serving over mTLS as 65532.

The entrypoint runs as Crossplane's function runtime would run it: the image's entrypoint and
command (``--tls-certs-dir=/tls/server``) with the certificates mounted there. Only the listen
address is appended, so parallel suites on one machine do not fight over port 9443.
"""

from __future__ import annotations

import re
import socket
import ssl
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import xprender
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import compiled_modules
from tests.package import image

ROOT = Path(__file__).resolve().parents[2]
SITE = Path("venv/lib/python3.11/site-packages")


# --- config ------------------------------------------------------------------------------------


def test_entrypoint_user_and_port_are_what_crossplane_runs(config: image.ImageConfig) -> None:
    assert config.entrypoint == ("python", "-m", "function")
    assert config.cmd == ("--tls-certs-dir=/tls/server",)
    assert config.user == "65532:65532"
    assert config.exposed_ports == ("9443/tcp",)
    assert (config.os, config.architecture) == ("linux", "amd64")  # containerd matches on these
    assert "PATH=/venv/bin:/usr/bin:/bin" in config.env


def test_version_comes_from_pyproject_and_agrees_with_the_examples(config: image.ImageConfig, version: str) -> None:
    functions = yaml.safe_load((ROOT / "examples" / "functions.yaml").read_text())
    package_ref = functions["spec"]["package"]
    assert package_ref.endswith(f":v{version}"), "examples/functions.yaml installs another version"
    assert config.repo_tags == (package_ref,)
    assert config.labels["org.opencontainers.image.version"] == f"v{version}"


# --- contents ----------------------------------------------------------------------------------


def lock_pins() -> dict[str, str]:
    """package/lock/image.txt as {normalised name: version}."""
    pins = {}
    for line in (ROOT / "package" / "lock" / "image.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def installed(rootfs: Path) -> dict[str, str]:
    """The distributions in the image's /venv as {normalised name: version}."""
    found = {}
    for meta in (rootfs / SITE).glob("*.dist-info/METADATA"):
        head = meta.read_text().split("\n\n", 1)[0]
        name = re.search(r"^Name: (.+)$", head, re.M)
        ver = re.search(r"^Version: (.+)$", head, re.M)
        assert name and ver, meta
        found[canonicalize_name(name[1])] = ver[1]
    return found


def test_venv_holds_exactly_the_locked_wheels_and_this_project(rootfs: Path, version: str) -> None:
    assert installed(rootfs) == {**lock_pins(), "catalyst-dns": version}


def test_lock_satisfies_pyproject(version: str) -> None:
    """package/lock/image.txt is the function extra resolved: every range in pyproject holds."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        project = tomllib.load(fh)["project"]
    pins = lock_pins()
    wanted = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["function"]]]
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} is not in package/lock/image.txt (run scripts/build-package.sh --lock)"
        assert req.specifier.contains(pins[name], prereleases=True), f"lock pins {name}=={pins[name]}, not {req}"
    pulumi = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["pulumi"]}
    assert not pulumi & pins.keys(), "the Pulumi SDKs must stay out of the function image (DESIGN §10)"


def test_image_carries_this_tree_s_code(rootfs: Path) -> None:
    """The image's catalyst_dns/ and function/ are the working tree's (the build is keyed on them)."""
    for package in ("catalyst_dns", "function"):
        tree = sorted(p.relative_to(ROOT) for p in (ROOT / package).rglob("*.py"))
        inside = sorted(p.relative_to(rootfs / SITE) for p in (rootfs / SITE / package).rglob("*.py"))
        assert inside == tree
        for rel in tree:
            assert (rootfs / SITE / rel).read_bytes() == (ROOT / rel).read_bytes(), rel


def test_image_runs_the_composition_path_compiled(rootfs: Path) -> None:
    """Each module pyproject.toml has mypyc compile is an extension module beside its source.

    Python's import takes an extension module before a source of the same name in a folder, so
    these are what the image runs; the shared library they all load sits at the top of site-packages.
    """
    site = rootfs / SITE
    assert list(site.glob("*__mypyc.cpython-311-x86_64-linux-gnu.so"))
    for name in compiled_modules():
        *package, module = name.split(".")
        folder = site.joinpath(*package)
        if module == "__init__" or (folder / module).is_dir():
            folder, module = folder / module, "__init__"
        assert (folder / f"{module}.cpython-311-x86_64-linux-gnu.so").is_file(), f"{name} is not compiled in the image"


def test_bytecode_is_hash_based(rootfs: Path) -> None:
    """Precompiled, and with no source mtime inside (pyc flags != 0), so rebuilds are byte-identical."""
    pycs = list((rootfs / SITE).rglob("*.pyc"))
    assert len(pycs) > 100
    timestamped = [p for p in pycs if int.from_bytes(p.read_bytes()[4:8], "little") == 0]
    assert not timestamped[:5]


def debian_packages(rootfs: Path) -> set[str]:
    status = (rootfs / "var/lib/dpkg/status").read_text()
    return set(re.findall(r"^Package: (\S+)$", status, re.M))


def test_no_pip_no_perl_no_apt(rootfs: Path) -> None:
    """The runtime carries what it runs: no pip in /venv; Debian's essential set plus Python and
    libstdc++, without the perl and usrmerge packages (the merged-usr hook) or apt."""
    assert not list((rootfs / SITE).glob("pip*"))
    packages = debian_packages(rootfs)
    assert {"python3.11", "libstdc++6", "libssl3"} <= packages
    assert not {"perl", "usrmerge", "apt", "python3-pip"} & packages
    assert "function:x:65532:65532:" in (rootfs / "etc/passwd").read_text()


def test_no_program_runs_as_another_user(rootfs: Path) -> None:
    """Debian's essential set ships su, newgrp and unix_chkpwd set-user/group-id; the image strips the bits."""
    special = stat.S_ISUID | stat.S_ISGID
    raised = sorted(str(path.relative_to(rootfs)) for path in rootfs.rglob("*")
                    if not path.is_symlink() and path.is_file() and path.lstat().st_mode & special)
    assert raised == []
    assert (rootfs / "usr/bin/su").exists()  # still there (the essential set needs it), without the bit


# --- serving -----------------------------------------------------------------------------------


class Served:
    """The image's entrypoint with its default command, listening on ``port``."""

    def __init__(self, running: image.RunningImage, port: int, pki: Path) -> None:
        self.running = running
        self.port = port
        self.pki = pki

    def channel(self, client: str | None, *, tls: bool = True) -> grpc.Channel:
        target = f"127.0.0.1:{self.port}"
        if not tls:
            return grpc.insecure_channel(target)
        ca = (self.pki / "ca.crt").read_bytes()
        if client is None:
            return grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=ca))
        creds = grpc.ssl_channel_credentials(root_certificates=ca,
                                             private_key=(self.pki / f"{client}.key").read_bytes(),
                                             certificate_chain=(self.pki / f"{client}.crt").read_bytes())
        return grpc.secure_channel(target, creds)

    def health(self, channel: grpc.Channel) -> int:
        with channel:
            stub = health_pb2_grpc.HealthStub(channel)
            return int(stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status)


@pytest.fixture(scope="module")
def served(rootfs: Path, config: image.ImageConfig, pki: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Served]:
    port = xprender.free_port()
    log = tmp_path_factory.mktemp("served") / "function.log"
    with image.run(rootfs, config, log=log, extra_args=["--address", f"127.0.0.1:{port}"],
                   mounts={"/tls/server": pki / "certs"}) as running:
        running.wait_listening(port)
        yield Served(running, port, pki)


def test_runs_as_65532_not_root(served: Served) -> None:
    assert served.running.uids() == (65532, 65532)


def test_answers_health_to_a_client_signed_by_the_ca(served: Served) -> None:
    assert served.health(served.channel("client")) == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("client", [None, "stranger"], ids=["no-client-cert", "cert-from-another-ca"])
def test_refuses_a_client_without_a_certificate_from_the_ca(served: Served, client: str | None) -> None:
    with pytest.raises(grpc.RpcError) as err:
        served.health(served.channel(client))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert served.health(served.channel("client")) == health_pb2.HealthCheckResponse.SERVING  # still up


def test_refuses_plaintext(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as err:
        served.health(served.channel(None, tls=False))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_tls_handshake_demands_a_client_certificate(served: Served) -> None:
    """Below gRPC: a TLS client without a certificate gets no application data through."""
    ctx = ssl.create_default_context(cafile=str(served.pki / "ca.crt"))
    ctx.set_alpn_protocols(["h2"])
    # TLS 1.3 finishes the client's side of the handshake before the server checks the
    # certificate; the refusal arrives on the first read (with TLS 1.2, in the handshake).
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)), \
            socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw, \
            ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        if not tls.recv(1024):
            raise ConnectionResetError("closed without data")


def test_docs_list_what_the_image_holds(package: image.Package) -> None:
    """docs/package.md's contents section is the build's sbom.md (``scripts/build-package.sh --docs``)."""
    doc = (ROOT / "docs" / "package.md").read_text()
    block = doc.split("<!-- BEGIN generated by scripts/build-package.sh --docs -->\n", 1)[1]
    block = block.split("<!-- END generated -->", 1)[0]
    assert block == (package.folder / "sbom.md").read_text(), "run scripts/build-package.sh --docs"
