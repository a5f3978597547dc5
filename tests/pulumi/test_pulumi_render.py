"""What Pulumi exports, rendered by the real ``crossplane render`` against the running function.

The example stack runs under mocks, ``catalyst-dns-handoff`` turns its outputs into the
EnvironmentConfig, and the repository's own examples are rendered with that EnvironmentConfig
(not the hand-written one in examples/): every composed record must land in a zone Pulumi
created, with the zone id Pulumi got back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PulumiEnv
from test_pulumi_handoff import run_main
from test_pulumi_program import example_config, run_program

from tests import tools

pytestmark = [pytest.mark.pulumi, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("CROSSPLANE_CLI", ROOT / "build" / "crossplane-v2.2.1" / "crossplane"))
FUNCTION_PYTHON = ROOT / ".venv-function" / "bin" / "python"
EXAMPLES = {
    "cloudflare": ROOT / "examples" / "namespaced" / "cloudflare" / "dnsrecord-txt-dmarc.yaml",
    "clouddns": ROOT / "examples" / "namespaced" / "clouddns" / "dnsrecord-txt-dmarc.yaml",
    "gslb": ROOT / "examples" / "namespaced" / "cloudflare" / "gslb-failover.yaml",
}

# Under make test (which builds the CLI and both installs first) a missing piece fails, not skips.
needs_cli = tools.needs(
    CLI.is_file() and FUNCTION_PYTHON.exists() and all(p.exists() for p in EXAMPLES.values()),
    "needs the pinned crossplane CLI (scripts/build-crossplane.sh), the function install and the examples")


def _zone_ref(doc: dict[str, Any]) -> str:
    for_provider = doc["spec"]["forProvider"]
    for key in ("zoneId", "zone", "managedZone", "zoneName"):
        if key in for_provider:
            return str(for_provider[key])
    raise AssertionError(f"no zone reference in {doc['kind']} {doc['metadata']['name']}")


@needs_cli
def test_crossplane_render_with_the_exported_settings(pulumi_env: PulumiEnv, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import xprender

    config = example_config()
    config["catalyst-dns:tenants"] = json.dumps([{"namespaces": ["acme-prod", "shop", "search"], "suffixes": [
        "acme.omantel.example", "acme.gcp.omantel.example"]}])
    # The examples run in three regions; the third's k8gb nameserver is dual-stack.
    regions = json.loads(config["catalyst-dns:regions"])
    regions.append({"geotag": "ash", "nameserver": {"ipv4": "192.0.2.53", "ipv6": "2001:db8:0:3::53"},
                    "ingress": {"ipv6": ["2001:db8:0:3::10"]}, "kubernetesProviderConfig": "ash-dmz"})
    config["catalyst-dns:regions"] = json.dumps(regions)
    outputs = json.loads(json.dumps(run_program(pulumi_env, config)))
    code, manifest_yaml, err = run_main(["-"], stdin=json.dumps(outputs))
    assert code == 0, err
    environment = tmp_path / "environmentconfig.yaml"
    environment.write_text(manifest_yaml)
    zone_ids = outputs["zoneIds"]

    apis = xprender.Apis.load()
    with xprender.running_function(tmp_path / "function.log") as function:
        rendered: dict[str, list[dict[str, Any]]] = {}
        for key, example in EXAMPLES.items():
            xr = yaml.safe_load(example.read_text())
            cmd = [str(CLI), "render", str(example), str(apis.composition_for(xr)),
                   str(ROOT / "examples" / "functions.yaml"), "-e", str(environment),
                   "--timeout=30s",
                   "-a", "render.crossplane.io/runtime=Development",
                   "-a", f"render.crossplane.io/runtime-development-target={function.target}"]
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                                  check=False)
            assert done.returncode == 0, done.stderr
            docs = [d for d in yaml.safe_load_all(done.stdout) if d]
            rendered[key] = docs[1:]  # the XR first, then the composed resources

    # DMARC TXT (and its ownership record) in the apex Cloudflare zone Pulumi created.
    records = [d for d in rendered["cloudflare"] if d["kind"] == "DNSRecord"]
    assert records and {_zone_ref(d) for d in records} == {zone_ids["omantel.example"]}
    # ... and in the Cloud DNS child zone, by the managed zone Pulumi created.
    rrsets = [d for d in rendered["clouddns"] if d["kind"] == "RecordSet"]
    assert rrsets and {_zone_ref(d) for d in rrsets} == {zone_ids["gcp.omantel.example"]}
    for doc in rendered["clouddns"]:
        assert doc["spec"]["providerConfigRef"]["name"] == "gcp"
    # A Gslb's vanity CNAME points into the zone Pulumi delegated to k8gb.
    cnames = [d for d in rendered["gslb"] if d["kind"] == "DNSRecord"
              and d["spec"]["forProvider"]["type"] == "CNAME"]
    assert cnames
    for doc in cnames:
        assert _zone_ref(doc) == zone_ids["omantel.example"]
        assert doc["spec"]["forProvider"]["content"].endswith(".gslb.omantel.example")
