"""The hand-off: stack outputs -> EnvironmentConfig, and the function accepting what Pulumi exported."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PulumiEnv
from test_pulumi_program import MIXES, example_config, run_program

from catalyst_dns.settings import parse_settings
from components import handoff
from tests import tools

pytestmark = pytest.mark.pulumi

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_PYTHON = ROOT / ".venv-function" / "bin" / "python"


@pytest.fixture
def stack_outputs(pulumi_env: PulumiEnv) -> dict[str, Any]:
    """What `pulumi stack output --json` prints after `pulumi up` of the example stack."""
    outputs = run_program(pulumi_env, example_config())
    return json.loads(json.dumps(outputs))


def run_main(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = handoff.main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_manifest_from_outputs_file(tmp_path: Path, stack_outputs: dict[str, Any]) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(stack_outputs))
    code, out, err = run_main([str(path)])
    assert code == 0, err
    manifest = yaml.safe_load(out)
    assert manifest["apiVersion"] == "apiextensions.crossplane.io/v1beta1"
    assert manifest["kind"] == "EnvironmentConfig"
    assert manifest["metadata"]["name"] == "catalyst-dns"
    assert manifest["data"] == stack_outputs["settings"]
    assert parse_settings(manifest["data"]).to_data() == manifest["data"]
    # The zone ids are the ones Pulumi created, as strings (a Hetzner apex's numeric one: the mixes).
    assert [z["zoneId"] for z in manifest["data"]["zones"]] == [
        stack_outputs["zoneIds"]["omantel.example"], stack_outputs["zoneIds"]["gcp.omantel.example"]]
    assert manifest["data"]["zones"][1]["zoneId"] == "gcp-omantel-example"  # Cloud DNS: the managed zone's name


def test_manifest_from_stdin_with_name(stack_outputs: dict[str, Any]) -> None:
    code, out, _ = run_main(["-", "--name", "sovereign-omantel"], stdin=json.dumps(stack_outputs))
    assert code == 0
    manifest = yaml.safe_load(out)
    assert manifest["metadata"]["name"] == "sovereign-omantel"
    assert manifest["data"] == stack_outputs["settings"]


def test_runs_pulumi_stack_output(tmp_path: Path, stack_outputs: dict[str, Any],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "outputs.json").write_text(json.dumps(stack_outputs))
    fake = bin_dir / "pulumi"
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\ncat {tmp_path}/outputs.json\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    code, out, err = run_main(["--stack", "omantel"])
    assert code == 0, err
    assert (tmp_path / "args").read_text().split() == [
        "stack", "output", "--json", "--show-secrets", "--stack", "omantel"]
    assert yaml.safe_load(out)["data"] == stack_outputs["settings"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s["regions"][0]["nameserver"].update(ipv4="999.0.0.1"),
     "settings.regions[0].nameserver.ipv4"),
    (lambda s: s.update(ownerId="openova"), "settings.ownerId"),
    (lambda s: s["zones"][1].update(provider="bind"), "settings.zones[1].provider"),
    (lambda s: s.pop("zones"), "settings.zones"),
])
def test_invalid_settings_write_nothing(stack_outputs: dict[str, Any], change: Any, message: str) -> None:
    change(stack_outputs["settings"])
    code, out, err = run_main(["-"], stdin=json.dumps(stack_outputs))
    assert code == 1
    assert out == ""
    assert message in err


def test_missing_settings_output(stack_outputs: dict[str, Any]) -> None:
    del stack_outputs["settings"]
    code, out, err = run_main(["-"], stdin=json.dumps(stack_outputs))
    assert (code, out) == (1, "")
    assert "no 'settings' output" in err


def test_not_json() -> None:
    code, out, err = run_main(["-"], stdin="not json")
    assert (code, out) == (1, "")
    assert "not JSON" in err


def test_apply_uses_server_side_apply(stack_outputs: dict[str, Any],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import kubernetes

    calls: dict[str, Any] = {}

    class FakeResource:
        def server_side_apply(self, **kwargs: Any) -> None:
            calls["apply"] = kwargs

    class FakeResources:
        def get(self, **kwargs: Any) -> FakeResource:
            calls["get"] = kwargs
            return FakeResource()

    class FakeDynamicClient:
        def __init__(self, _client: Any) -> None:
            self.resources = FakeResources()

    monkeypatch.setattr(kubernetes.config, "load_kube_config",
                        lambda **kw: calls.__setitem__("kubeconfig", kw))
    monkeypatch.setattr(kubernetes.dynamic, "DynamicClient", FakeDynamicClient)
    code, out, err = run_main(["-", "--apply", "--context", "mgt"], stdin=json.dumps(stack_outputs))
    assert code == 0, err
    assert out == ""
    assert calls["kubeconfig"] == {"config_file": None, "context": "mgt"}
    assert calls["get"] == {"api_version": "apiextensions.crossplane.io/v1beta1",
                            "kind": "EnvironmentConfig"}
    assert calls["apply"]["field_manager"] == "catalyst-dns-handoff"
    assert calls["apply"]["force_conflicts"] is False
    assert calls["apply"]["body"]["data"] == stack_outputs["settings"]
    assert "serverside-applied" in err


def test_apply_failure_is_reported(stack_outputs: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import kubernetes

    def refuse(**_kw: Any) -> None:
        raise RuntimeError("connection refused")

    monkeypatch.setattr(kubernetes.config, "load_kube_config", refuse)
    code, _, err = run_main(["-", "--apply"], stdin=json.dumps(stack_outputs))
    assert code == 1
    assert "connection refused" in err


# --- the function accepts what Pulumi exported -------------------------------------------------

_RENDER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from function.fn import SETTINGS_REQUIREMENT, run

manifest = json.loads(sys.argv[2])
out = {}
for name in json.loads(sys.argv[3]):
    req = fnv1.RunFunctionRequest()
    req.observed.composite.resource.update({
        "apiVersion": "dns.openova.io/v1alpha1", "kind": "DNSRecord",
        "metadata": {"name": "r", "namespace": "t"},
        "spec": {"name": name, "type": "TXT", "values": ["v=spf1 -all"], "ttl": 3600}})
    req.input.update({"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input"})
    req.required_resources[SETTINGS_REQUIREMENT].items.add().resource.update(manifest)
    rsp = run(req)
    fatal = [r.message for r in rsp.results if r.severity == fnv1.SEVERITY_FATAL]
    out[name] = {"fatal": fatal, "desired": [resource.struct_to_dict(r.resource)
                                             for r in rsp.desired.resources.values()]}
print(json.dumps(out))
"""


def _zone_reference(kind: str, for_provider: dict[str, Any]) -> str:
    if kind == "DNSRecord" or kind == "Record":
        return str(for_provider["zoneId"])
    if kind == "RecordSet":
        return str(for_provider["managedZone"])
    if kind == "ZoneRRSet":
        return str(for_provider["zone"])
    return str(for_provider["zoneName"])  # Azure DNS<TYPE>Record


@tools.needs(FUNCTION_PYTHON.exists(), "needs the function install (.venv-function)")
@pytest.mark.parametrize("mix", ["example", *sorted(MIXES)])
def test_function_renders_into_the_zones_pulumi_created(pulumi_env: PulumiEnv, mix: str) -> None:
    if mix == "example":
        config = example_config()
        config["catalyst-dns:tenants"] = json.dumps(
            [{"namespaces": ["t"], "suffixes": ["omantel.example"]}])
    else:
        config = MIXES[mix] | {"catalyst-dns:tenants": json.dumps(
            [{"namespaces": ["t"], "suffixes": ["sov.example"]}])}
    outputs = json.loads(json.dumps(run_program(pulumi_env, config)))
    code, out, err = run_main(["-"], stdin=json.dumps(outputs))
    assert code == 0, err
    manifest = yaml.safe_load(out)
    zones = manifest["data"]["zones"]
    names = {f"_verify.t.{z['name']}": z for z in zones}
    done = subprocess.run(
        [str(FUNCTION_PYTHON), "-c", _RENDER, str(ROOT), json.dumps(manifest), json.dumps(list(names))],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rendered = json.loads(done.stdout.strip().splitlines()[-1])
    for name, zone in names.items():
        result = rendered[name]
        assert result["fatal"] == [], result["fatal"]
        records = [d for d in result["desired"] if "_externaldns" not in
                   json.dumps(d.get("metadata", {}).get("annotations", {}))]
        assert records, f"no records rendered for {name}"
        for doc in result["desired"]:
            for_provider = doc["spec"]["forProvider"]
            # Every record the function writes lands in the zone Pulumi created for it.
            assert _zone_reference(doc["kind"], for_provider) == (
                zone["name"] if zone["provider"] == "azuredns" else zone["zoneId"])
            assert doc["spec"]["providerConfigRef"]["name"] == zone["providerConfig"]
            if zone["provider"] == "azuredns":
                assert for_provider["resourceGroupName"] == zone["resourceGroup"]
            if zone["provider"] == "clouddns":
                assert for_provider.get("project") == zone["project"]

