"""Pulumi under mocks: a recording monitor and mocks that answer like the real providers.

``set_mocks`` is process-global, so the ``pulumi_env`` fixture sets it per test (never at
import). The mocks return what each provider returns after a real create: assigned name
servers in each provider's own form (Cloud DNS and Azure with trailing dots, Hetzner under
``authoritativeNameservers.assigneds``), ids in each provider's format, and DNSSEC key data
(numbers as floats, as they arrive over the wire).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.runtime.settings as runtime_settings
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.sync_await import _sync_await

PROJECT = "catalyst-dns"
STACK = "test"

CLOUDFLARE_NS = ["tom.ns.cloudflare.com", "ada.ns.cloudflare.com"]
ROUTE53_NS = ["ns-1536.awsdns-00.co.uk", "ns-0.awsdns-00.com", "ns-1024.awsdns-00.org",
              "ns-512.awsdns-00.net"]
CLOUDDNS_NS = ["ns-cloud-b3.googledomains.com.", "ns-cloud-b1.googledomains.com.",
               "ns-cloud-b2.googledomains.com.", "ns-cloud-b4.googledomains.com."]
AZURE_NS = ["ns1-07.azure-dns.com.", "ns2-07.azure-dns.net.", "ns3-07.azure-dns.org.",
            "ns4-07.azure-dns.info."]
HETZNER_NS = ["hydrogen.ns.hetzner.com.", "oxygen.ns.hetzner.com.", "helium.ns.hetzner.de."]
AWS_ACCOUNT = "111122223333"

# What each provider's zone name servers look like once normalised.
NORMALISED_NS = {
    "cloudflare": sorted(CLOUDFLARE_NS),
    "route53": sorted(ROUTE53_NS),
    "clouddns": sorted(n.rstrip(".") for n in CLOUDDNS_NS),
    "azuredns": sorted(n.rstrip(".") for n in AZURE_NS),
    "hetzner": sorted(n.rstrip(".") for n in HETZNER_NS),
}


def digest_for(zone: str) -> str:
    """The (fake, deterministic) SHA-256 DS digest of a zone's key-signing key."""
    return hashlib.sha256(zone.encode()).hexdigest().upper()


def key_tag_for(zone: str) -> int:
    return int(hashlib.sha256(zone.encode()).hexdigest()[:4], 16)


# The key-signing key's algorithm each provider signs with unless told otherwise: Cloudflare,
# Route53 (our ECC_NIST_P256 KMS key) and Azure DNS sign with ECDSA P-256 (13); Cloud DNS's
# default key specs are RSASHA256 (8), a 2048-bit KSK and a 1024-bit ZSK, and our managed
# zones set none. The components must take the algorithm from the DS they are given.
DS_ALGORITHM = {"cloudflare": 13, "route53": 13, "azuredns": 13, "clouddns": 8}


def expected_ds(zone: str, provider: str) -> str:
    """The DS the mocks answer for ``zone`` signed by ``provider``, in presentation form."""
    return f"{key_tag_for(zone)} {DS_ALGORITHM[provider]} 2 {digest_for(zone)}"


@dataclass
class Registration:
    """One RegisterResource request, as the engine would see it."""

    type: str
    name: str
    urn: str
    custom: bool
    parent: str
    provider: str
    protect: bool
    dependencies: list[str]
    inputs: dict[str, Any]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    ignore_changes: list[str] = field(default_factory=list)

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


class ProviderMocks(Mocks):
    """Answers creates and invokes the way the real providers do."""

    def __init__(self, preview: bool = False) -> None:
        self.counter = itertools.count(4711)
        self.calls: list[MockCallArgs] = []
        # In a preview the engine knows no computed outputs: answer with the inputs only,
        # so name servers, ids and DS data stay unknown, as in a real `pulumi preview`.
        self.preview = preview

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        typ = args.typ
        if not args.custom:
            return None, {}
        if self.preview and not typ.startswith("pulumi:providers:"):
            return None, inputs
        if typ.startswith("pulumi:providers:"):
            return f"{args.name}-id", inputs
        if typ == "cloudflare:index/zone:Zone":
            zid = hashlib.md5(inputs["name"].encode()).hexdigest()  # 32 hex, like a real zone id
            return zid, {**inputs, "nameServers": CLOUDFLARE_NS, "status": "pending",
                         "account": inputs.get("account")}
        if typ == "cloudflare:index/zoneDnssec:ZoneDnssec":
            zone = self._zone_name_for_cloudflare(inputs["zoneId"])
            tag, digest = key_tag_for(zone), digest_for(zone)
            # Cloudflare reads back "pending" until the parent publishes the DS, whatever was asked
            # (terraform-provider-cloudflare's zone_dnssec tests expect "active|pending").
            return inputs["zoneId"], {**inputs, "status": "pending", "keyTag": float(tag), "algorithm": "13",
                                      "digestType": "2", "digestAlgorithm": "SHA256",
                                      "digest": digest, "flags": 257.0,
                                      "ds": f"{zone}. 3600 IN DS {tag} 13 2 {digest}"}
        if typ == "aws:route53/zone:Zone":
            zid = "Z" + hashlib.sha1(inputs["name"].encode()).hexdigest()[:13].upper()
            return zid, {**inputs, "zoneId": zid, "nameServers": ROUTE53_NS,
                         "arn": f"arn:aws:route53:::hostedzone/{zid}"}
        if typ == "aws:kms/key:Key":
            key_id = f"mrk-{next(self.counter)}"
            return key_id, {**inputs, "keyId": key_id,
                            "arn": f"arn:aws:kms:us-east-1:{AWS_ACCOUNT}:key/{key_id}"}
        if typ == "aws:route53/keySigningKey:KeySigningKey":
            zone = self.route53_zones.get(inputs["hostedZoneId"], "unknown")
            tag, digest = key_tag_for(zone), digest_for(zone)
            return f"{inputs['hostedZoneId']},{inputs['name']}", {
                **inputs, "keyTag": float(tag), "signingAlgorithmType": 13.0,
                "digestAlgorithmType": 2.0, "digestValue": digest,
                "dsRecord": f"{tag} 13 2 {digest}", "flag": 257.0}
        if typ == "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec":
            return inputs["hostedZoneId"], inputs
        if typ == "gcp:dns/managedZone:ManagedZone":
            project = inputs.get("project", "")
            return (f"projects/{project}/managedZones/{inputs['name']}",
                    {**inputs, "managedZoneId": float(next(self.counter)),
                     "nameServers": CLOUDDNS_NS})
        if typ == "azure-native:dns:Zone":
            zid = (f"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
                   f"{inputs['resourceGroupName']}/providers/Microsoft.Network/dnszones/"
                   f"{inputs['zoneName']}")
            return zid, {**inputs, "name": inputs["zoneName"], "nameServers": AZURE_NS,
                         "numberOfRecordSets": 2.0, "type": "Microsoft.Network/dnszones"}
        if typ == "azure-native:dns:DnssecConfig":
            zone = inputs["zoneName"]
            tag, digest = key_tag_for(zone), digest_for(zone)
            return f"{zone}/dnssecConfigs/default", {**inputs, "signingKeys": [
                {"flags": 256.0, "keyTag": float(tag + 1), "protocol": 3.0,
                 "securityAlgorithmType": 13.0, "publicKey": "zsk", "delegationSignerInfo": []},
                {"flags": 257.0, "keyTag": float(tag), "protocol": 3.0,
                 "securityAlgorithmType": 13.0, "publicKey": "ksk", "delegationSignerInfo": [
                     {"digestAlgorithmType": 4.0, "digestValue": "AB" * 48, "record": "x"},
                     {"digestAlgorithmType": 2.0, "digestValue": digest,
                      "record": f"{tag} 13 2 {digest}"}]}]}
        if typ == "hcloud:index/zone:Zone":
            return str(next(self.counter)), {
                **inputs, "authoritativeNameservers": {"assigneds": HETZNER_NS},
                "ttl": 3600.0}
        return f"{args.name}-id", inputs

    # Cloudflare ZoneDnssec only knows the zone id; remember which zone that was.
    cloudflare_zones: dict[str, str]
    route53_zones: dict[str, str]

    def _zone_name_for_cloudflare(self, zone_id: str) -> str:
        return self.cloudflare_zones.get(zone_id, "unknown")

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": AWS_ACCOUNT, "arn": f"arn:aws:iam::{AWS_ACCOUNT}:user/ci",
                    "id": AWS_ACCOUNT, "userId": "AIDAEXAMPLE"}, []
        if args.token == "gcp:dns/getKeys:getKeys":
            zone_id = args.args["managedZone"]
            zone = self.gcp_zones.get(zone_id, "unknown")
            tag, digest = key_tag_for(zone), digest_for(zone)
            return {"managedZone": zone_id, "project": args.args.get("project"), "id": zone_id,
                    "keySigningKeys": [
                        {"algorithm": "rsasha256", "creationTime": "2026-01-01T00:00:00Z",
                         "description": "", "digests": [{"algorithm": "sha256", "digest": digest}],
                         "dsRecord": expected_ds(zone, "clouddns"), "id": "0", "isActive": True,
                         "keyLength": 2048.0, "keyTag": float(tag), "publicKey": "ksk"}],
                    "zoneSigningKeys": [
                        {"algorithm": "rsasha256", "creationTime": "2026-01-01T00:00:00Z",
                         "description": "", "digests": [], "id": "1", "isActive": True,
                         "keyLength": 1024.0, "keyTag": float(tag + 1), "publicKey": "zsk"}]}, []
        raise AssertionError(f"unexpected invoke {args.token}")

    gcp_zones: dict[str, str]


class RecordingMonitor(MockMonitor):
    """Keeps every RegisterResource request (protect, parent, provider, dependencies)."""

    def __init__(self, mocks: ProviderMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.provider_mocks = mocks
        mocks.cloudflare_zones = {}
        mocks.route53_zones = {}
        mocks.gcp_zones = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = rpc.deserialize_properties(request.object)
        outputs = rpc.deserialize_properties(response.object) if response.object else {}
        reg = Registration(
            type=request.type, name=request.name, urn=response.urn, custom=request.custom,
            parent=request.parent, provider=request.provider, protect=request.protect,
            dependencies=list(request.dependencies), inputs=inputs, id=response.id or None,
            outputs=outputs, ignore_changes=list(request.ignoreChanges))
        self.registrations.append(reg)
        mocks = self.provider_mocks
        if reg.type == "cloudflare:index/zone:Zone":
            mocks.cloudflare_zones[reg.id or ""] = inputs["name"]
        elif reg.type == "aws:route53/zone:Zone":
            mocks.route53_zones[reg.id or ""] = inputs["name"]
        elif reg.type == "gcp:dns/managedZone:ManagedZone":
            mocks.gcp_zones[reg.id or ""] = inputs["dnsName"].rstrip(".")
            mocks.gcp_zones[inputs["name"]] = inputs["dnsName"].rstrip(".")
        return response

    # --- queries --------------------------------------------------------------------------

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, got {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        for reg in self.registrations:
            if reg.urn == urn:
                return reg
        raise AssertionError(f"no resource {urn}")

    def custom(self) -> list[Registration]:
        return [r for r in self.registrations if r.custom and not r.type.startswith("pulumi:providers:")]

    def providers(self) -> list[Registration]:
        return [r for r in self.registrations if r.type.startswith("pulumi:providers:")]


@dataclass
class PulumiEnv:
    monitor: RecordingMonitor
    mocks: ProviderMocks

    def run(self, build: Callable[[], Any]) -> Any:
        """Run ``build`` as a Pulumi program; return what its Outputs resolve to."""
        box: dict[str, Any] = {}

        @pulumi.runtime.test
        def program() -> Any:
            result = build()
            return pulumi.Output.from_input(result).apply(lambda v: box.__setitem__("v", v))

        program()
        return box.get("v")

    def stack_outputs(self) -> dict[str, Any]:
        """The stack exports, resolved."""
        root = runtime_settings.get_root_resource()
        assert root is not None
        outputs = root.outputs  # type: ignore[attr-defined]
        resolved: dict[str, Any] = {}
        for key, value in outputs.items():
            resolved[key] = _sync_await(pulumi.Output.from_input(value).future())
        return resolved


@contextlib.contextmanager
def fresh_env(preview: bool = False) -> Iterator[PulumiEnv]:
    """Fresh mocks, monitor, root stack and empty config (usable per hypothesis example)."""
    mocks = ProviderMocks(preview)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_all_config({}, [])
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=preview, monitor=monitor)
    try:
        yield PulumiEnv(monitor, mocks)
    finally:
        pulumi.runtime.set_all_config({}, [])
        runtime_settings.ROOT.set(None)


@pytest.fixture
def pulumi_env() -> Iterator[PulumiEnv]:
    """Fresh mocks, monitor, root stack and empty config for one test."""
    with fresh_env() as env:
        yield env


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_cloudflare loads every module and each warns about its own renamed resources.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_cloudflare.*")
