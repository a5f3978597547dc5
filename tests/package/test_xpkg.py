"""The xpkg: one package layer holding exactly package.yaml, on top of the runtime image; it
round-trips through ``crossplane xpkg extract``; its input CRD validates the Compositions' step
inputs (``crossplane beta validate``, offline) and refuses a bad one."""

from __future__ import annotations

import copy
import gzip
import io
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xprender

from tests.package import image

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_LABEL = "io.crossplane.xpkg:"  # + layer digest -> "base" for the package layer


def source_stream() -> list[dict[str, Any]]:
    """What the package should carry: package/crossplane.yaml then package/input/*.yaml."""
    docs = xprender.load_all((ROOT / "package" / "crossplane.yaml").read_text())
    for path in sorted((ROOT / "package" / "input").glob("*.yaml")):
        docs += xprender.load_all(path.read_text())
    return docs


def as_built(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``docs`` without the empty ``status`` that xpkg build's serialiser gives every CRD."""
    out = []
    for doc in docs:
        doc = dict(doc)
        status = doc.pop("status", None)
        assert not status or (not status.get("conditions") and not status.get("storedVersions")
                              and not any((status.get("acceptedNames") or {}).values())), status
        out.append(doc)
    return out


def layer_members(xpkg: Path, layer: str) -> dict[str, bytes]:
    """The files of one gzip layer of a docker-save tarball."""
    with tarfile.open(xpkg) as outer:
        handle = outer.extractfile(layer)
        assert handle is not None
        data = handle.read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as inner:
        return {m.name: (inner.extractfile(m) or io.BytesIO()).read() for m in inner.getmembers()}


@pytest.fixture(scope="module")
def xpkg_config(package: image.Package) -> image.ImageConfig:
    return image.read_config(package.xpkg)


@pytest.fixture(scope="module")
def package_layer(xpkg_config: image.ImageConfig) -> str:
    """The layer file the config labels as the package (``io.crossplane.xpkg:<digest>: base``)."""
    labelled = [k[len(PACKAGE_LABEL):] for k, v in xpkg_config.labels.items()
                if k.startswith(PACKAGE_LABEL) and v == "base"]
    assert len(labelled) == 1, xpkg_config.labels
    digest = labelled[0].removeprefix("sha256:")
    matches = [layer for layer in xpkg_config.layers if layer.startswith(digest)]
    assert len(matches) == 1, (digest, xpkg_config.layers)
    return matches[0]


def test_package_layer_holds_exactly_package_yaml(package: image.Package, package_layer: str) -> None:
    members = layer_members(package.xpkg, package_layer)
    assert list(members) == ["package.yaml"]
    assert as_built(xprender.load_all(members["package.yaml"].decode())) == source_stream()


def test_root_package_yaml_is_the_same_stream() -> None:
    assert xprender.load_all((ROOT / "package.yaml").read_text()) == source_stream()


def test_runtime_is_the_built_image(xpkg_config: image.ImageConfig, config: image.ImageConfig,
                                    package_layer: str) -> None:
    """Besides the package layer the xpkg is the image: same layers, same entrypoint and user."""
    assert [layer for layer in xpkg_config.layers if layer != package_layer] == list(config.layers)
    assert xpkg_config.diff_ids[:len(config.diff_ids)] == config.diff_ids
    assert (xpkg_config.entrypoint, xpkg_config.cmd, xpkg_config.user) == (config.entrypoint, config.cmd, config.user)


@pytest.fixture(scope="module")
def extracted(cli: Path, package: image.Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``crossplane xpkg extract`` of the package: the stream Crossplane's package cache holds."""
    out = tmp_path_factory.mktemp("extract") / "package.gz"
    subprocess.run([str(cli), "xpkg", "extract", "--from-xpkg", str(package.xpkg), "-o", str(out)],
                   check=True, capture_output=True)
    return out


def test_extract_round_trips(extracted: Path) -> None:
    assert as_built(xprender.load_all(gzip.decompress(extracted.read_bytes()).decode())) == source_stream()


@pytest.fixture(scope="module")
def input_crd(extracted: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The input CRD as the installed package carries it (not package/input/ of the tree)."""
    docs = xprender.load_all(gzip.decompress(extracted.read_bytes()).decode())
    crds = [d for d in docs if d.get("kind") == "CustomResourceDefinition"]
    assert [c["metadata"]["name"] for c in crds] == ["inputs.dns.fn.openova.io"]
    path = tmp_path_factory.mktemp("crd") / "input-crd.yaml"
    path.write_text(xprender.dump_all(crds))
    return path


def validate_inputs(cli: Path, crd: Path, inputs: list[dict[str, Any]], tmp: Path) -> xprender.Validation:
    path = tmp / "inputs.yaml"
    path.write_text(xprender.dump_all(inputs))
    return xprender.validate(cli, [crd], [path], tmp)


def test_input_crd_accepts_every_composition_step_input(cli: Path, input_crd: Path, tmp_path: Path) -> None:
    inputs = xprender.composition_inputs(xprender.Apis.load())
    assert inputs, "no Composition step inputs in apis/"
    check = validate_inputs(cli, input_crd, inputs, tmp_path)
    assert check.ok, check.output
    assert f"Total {len(inputs)} resources: 0 missing schemas, {len(inputs)} success cases, 0 failure cases" \
        in check.output


def bad_inputs() -> list[tuple[str, dict[str, Any]]]:
    good = xprender.composition_inputs(xprender.Apis.load())[0]
    unknown = copy.deepcopy(good)
    unknown["environmentConfigNmae"] = "catalyst-dns"
    wrong_type = copy.deepcopy(good)
    wrong_type["k8gb"] = {"enabled": "yes"}
    return [("unknown-field", unknown), ("k8gb-enabled-not-boolean", wrong_type)]


@pytest.mark.parametrize(("why", "bad"), bad_inputs(), ids=[w for w, _ in bad_inputs()])
def test_input_crd_refuses_a_bad_step_input(cli: Path, input_crd: Path, tmp_path: Path, why: str,
                                            bad: dict[str, Any]) -> None:
    check = validate_inputs(cli, input_crd, [bad], tmp_path)
    assert not check.ok, check.output
    assert "1 failure cases" in check.output, check.output


# --- release: push to a registry ---------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Iterator[str]:
    """A throwaway ``crane registry serve`` on loopback (in memory), as host:port."""
    port = xprender.free_port()
    proc = subprocess.Popen([str(image.crane()), "registry", "serve", "--address", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "registry did not start"
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_push_serves_the_recorded_digest_and_extracts(cli: Path, package: image.Package, registry: str,
                                                      version: str, tmp_path: Path) -> None:
    """``crossplane xpkg push`` as docs/package.md says; what the registry then serves is the
    digest the build recorded, and ``xpkg extract`` from the registry gives package.yaml back."""
    ref = f"{registry}/catalyst/function-catalyst-dns:v{version}"
    subprocess.run([str(cli), "xpkg", "push", "-f", str(package.xpkg), ref], check=True, capture_output=True)
    served = subprocess.run([str(image.crane()), "digest", ref], check=True, capture_output=True, text=True)
    assert served.stdout.strip() == package.pushed_digest
    out = tmp_path / "remote.gz"
    subprocess.run([str(cli), "xpkg", "extract", ref, "-o", str(out)], check=True, capture_output=True)
    assert as_built(xprender.load_all(gzip.decompress(out.read_bytes()).decode())) == source_stream()
