"""End to end: every example through the real `crossplane render` (v2.2.1) and the running
function, then strict offline `crossplane beta validate` against apis/ and ../shared/crds,
plus what validation cannot see: scope, per-provider record forms, ownership records,
k8gb Gslbs, status, determinism.

Run with the function venv: ``.venv-function/bin/python -m pytest tests/e2e``.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xprender
import yaml

from tests import tools
from tests.core.presentation import decode_presentation

pytestmark = pytest.mark.e2e

EXAMPLES = xprender.examples()
IDS = [e.id for e in EXAMPLES]
SETTINGS: dict[str, Any] = xprender.load_one(xprender.ENVIRONMENT)["data"]
ZONE_OF_PROVIDER = {z["provider"]: z for z in SETTINGS["zones"]}
REGIONS = {r["geotag"]: r for r in SETTINGS["regions"]}
OWNER_ID = SETTINGS["ownerId"]
GSLB_ZONE = SETTINGS["gslb"]["zone"]
HOST_TYPES = {"CNAME", "MX", "NS", "SRV"}
AZURE_KIND = re.compile(r"^DNS(A|AAAA|CAA|CNAME|MX|NS|PTR|SRV|TXT)Record$")
DNS_GROUPS = {
    "cloudflare": ("dns.cloudflare.m.cloudflare.com", "dns.cloudflare.crossplane.io"),
    "route53": ("route53.aws.m.upbound.io", "route53.aws.upbound.io"),
    "clouddns": ("dns.gcp.m.upbound.io", "dns.gcp.upbound.io"),
    "azuredns": ("network.azure.m.upbound.io", "network.azure.upbound.io"),
    "hetzner": ("dns.hetzner.m.crossplane.io", "dns.hetzner.crossplane.io"),
}
K8S_OBJECT_GROUPS = ("kubernetes.m.crossplane.io", "kubernetes.crossplane.io")


# --- helpers ----------------------------------------------------------------------------------


def group_of(doc: dict[str, Any]) -> str:
    return str(doc["apiVersion"]).split("/", 1)[0]


@cache
def crd_scopes(shared: Path) -> dict[tuple[str, str], str]:
    """(group, kind) -> scope, from the provider CRDs and our XRDs."""
    scopes: dict[tuple[str, str], str] = {}
    for path in xprender.provider_schemas(shared):
        for doc in xprender.load_all(path.read_text()):
            scopes[(doc["spec"]["group"], doc["spec"]["names"]["kind"])] = doc["spec"]["scope"]
    return scopes


def record_mrs(r: xprender.Rendered) -> list[dict[str, Any]]:
    """The composed DNS record MRs (not the k8gb Objects)."""
    groups = DNS_GROUPS[r.example.provider]
    return [d for d in r.composed if group_of(d) in groups]


def k8gb_objects(r: xprender.Rendered) -> list[dict[str, Any]]:
    return [d for d in r.composed if group_of(d) in K8S_OBJECT_GROUPS]


def zone(provider: str) -> str:
    return str(ZONE_OF_PROVIDER[provider]["name"])


def absolute(relative: str, zone_name: str) -> str:
    return zone_name if relative == "@" else f"{relative}.{zone_name}"


def rtype(provider: str, mr: dict[str, Any]) -> str:
    if provider == "azuredns":
        match = AZURE_KIND.match(mr["kind"])
        assert match, mr["kind"]
        return match.group(1)
    return str(mr["spec"]["forProvider"]["type"])


def fqdn(provider: str, mr: dict[str, Any]) -> str:
    """The record set's owner name, read the way the provider reads it."""
    fp = mr["spec"]["forProvider"]
    if provider in ("cloudflare", "route53"):
        return str(fp["name"])
    if provider == "clouddns":
        return str(fp["name"]).removesuffix(".")
    if provider == "azuredns":
        return absolute(mr["metadata"]["annotations"]["crossplane.io/external-name"], fp["zoneName"])
    return absolute(fp["name"], zone("hetzner"))


def txt_strings(provider: str, mr: dict[str, Any]) -> list[str]:
    """Each TXT value of the MR, joined back to its text (each provider's format, tests/core/test_txt.py)."""
    fp = mr["spec"]["forProvider"]
    if provider == "cloudflare":
        return [unquote(fp["content"])]
    if provider == "route53":  # Terraform wraps the entry in quotes; Route53 escapes are octal
        return [b"".join(decode_presentation(f'"{v}"', octal=True)).decode() for v in fp["records"]]
    if provider == "clouddns":
        return [unquote(v) for v in fp["rrdatas"]]
    if provider == "azuredns":
        return [r["value"] for r in fp["record"]]
    return [unquote(r["value"]) for r in fp["records"]]


def unquote(value: str) -> str:
    """Presentation-format TXT ("a" "b") to its text."""
    assert value.startswith('"'), f"TXT value not quoted: {value!r}"
    return b"".join(decode_presentation(value)).decode()


def addresses(provider: str, mrs: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for mr in mrs:
        fp = mr["spec"]["forProvider"]
        if provider == "cloudflare":
            out.add(fp["content"])
        elif provider in ("route53", "azuredns"):
            out.update(fp["records"])
        elif provider == "clouddns":
            out.update(fp["rrdatas"])
        else:
            out.update(r["value"] for r in fp["records"])
    return {ipaddress.ip_address(a).compressed for a in out}


def record_sets(r: xprender.Rendered) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(fqdn, type) -> MRs (Cloudflare writes one MR per value)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for mr in record_mrs(r):
        out[(fqdn(r.example.provider, mr), rtype(r.example.provider, mr))].append(mr)
    return out


def ownership_name(name: str, record_type: str) -> str:
    """ExternalDNS's TXT registry name with prefix ``_externaldns.`` (registry/txt affix mapper)."""
    first, _, rest = name.partition(".")
    return f"_externaldns.{record_type.lower()}-{first}.{rest}"


def spec_names(xr: dict[str, Any]) -> list[str]:
    spec = xr["spec"]
    names = spec["hostnames"] if "hostnames" in spec else [spec["name"]]
    return [n.rstrip(".").lower() for n in names]


def render_ok(rendered: dict[str, xprender.Rendered], example_id: str) -> xprender.Rendered:
    r = rendered[example_id]
    if not r.ok:
        pytest.fail(f"render failed (exit {r.returncode}):\n{r.stderr}")
    return r


# --- every example ----------------------------------------------------------------------------


@pytest.mark.parametrize("example_id", IDS)
def test_render_succeeds(rendered: dict[str, xprender.Rendered], example_id: str) -> None:
    r = render_ok(rendered, example_id)
    assert r.xr["kind"] == r.example.xr()["kind"]
    assert record_mrs(r), "no DNS record composed"
    fatal = [res for res in r.results if res.get("severity") == "SEVERITY_FATAL"]
    assert not fatal, fatal


@pytest.mark.parametrize("example_id", IDS)
def test_beta_validate_passes(rendered: dict[str, xprender.Rendered], cli: Path, shared: Path,
                              schemas: list[Path], example_id: str, tmp_path: Path) -> None:
    r = render_ok(rendered, example_id)
    out = tmp_path / "rendered.yaml"
    out.write_text(xprender.dump_all(r.resources))
    check = xprender.validate(cli, schemas, [out], tmp_path)
    assert check.ok, check.output
    assert f"Total {len(r.resources)} resources" in check.output, check.output
    gslbs = xprender.embedded_k8gb(r.resources)
    if gslbs:
        k8gb = tmp_path / "k8gb.yaml"
        k8gb.write_text(xprender.dump_all(gslbs))
        check = xprender.validate(cli, [xprender.k8gb_schema(shared)], [k8gb], tmp_path)
        assert check.ok, check.output


@pytest.mark.parametrize("example_id", IDS)
def test_composed_scope_matches_xr(rendered: dict[str, xprender.Rendered], shared: Path,
                                   example_id: str) -> None:
    r = render_ok(rendered, example_id)
    scopes = crd_scopes(shared)
    namespace = r.xr["metadata"].get("namespace")
    expected = "Namespaced" if r.example.scope == "namespaced" else "Cluster"
    assert (namespace is not None) == (expected == "Namespaced")
    for doc in r.composed:
        name = doc["metadata"]["name"]
        group = group_of(doc)
        assert scopes.get((group, doc["kind"])) == expected, f"{doc['apiVersion']} {doc['kind']} {name}"
        assert (".m." in group) == (expected == "Namespaced"), f"{group} for a {expected} XR"
        assert doc["metadata"].get("namespace") == namespace, name
        ref = doc["spec"]["providerConfigRef"]
        # Namespaced MRs name the ProviderConfig kind; cluster MRs carry only the name.
        assert ("kind" in ref) == (expected == "Namespaced"), ref


@pytest.mark.parametrize("example_id", IDS)
def test_mr_names_are_kubernetes_safe_and_unique(rendered: dict[str, xprender.Rendered],
                                                 example_id: str) -> None:
    r = render_ok(rendered, example_id)
    names = [d["metadata"]["name"] for d in r.composed]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and len(name) <= 63, name


@pytest.mark.parametrize("example_id", IDS)
def test_provider_record_forms(rendered: dict[str, xprender.Rendered], example_id: str) -> None:
    r = render_ok(rendered, example_id)
    provider = r.example.provider
    zone_settings = ZONE_OF_PROVIDER[provider]
    for mr in record_mrs(r):
        fp = mr["spec"]["forProvider"]
        kind_type = rtype(provider, mr)
        assert mr["spec"]["providerConfigRef"]["name"] == zone_settings["providerConfig"]
        if provider == "cloudflare":
            assert fp["zoneId"] == zone_settings["zoneId"]
            assert not fp["name"].endswith("."), fp["name"]
            assert isinstance(fp["ttl"], int)
            if fp.get("proxied"):
                assert fp["ttl"] == 1, "a proxied record must have ttl 1 (automatic)"
                assert kind_type in ("A", "AAAA", "CNAME")
            if kind_type in ("MX", "SRV"):  # the CRD: priority "Required for MX, SRV and URI records"
                assert isinstance(fp["priority"], int | float), fp
                if kind_type == "SRV":
                    assert fp["priority"] == fp["data"]["priority"], fp
            if kind_type == "TXT":  # "must consist of quoted character strings (RFC 1035)", <= 255 bytes each
                strings = decode_presentation(fp["content"])
                assert strings and all(len(s) <= 255 for s in strings), fp["content"]
        elif provider == "route53":
            assert fp["zoneId"] == zone_settings["zoneId"]
            assert "region" not in fp
            assert not fp["name"].endswith(".")
            if kind_type == "TXT":
                for value in fp["records"]:
                    assert all(len(c.encode()) <= 255 for c in value.split('""')), value
        elif provider == "clouddns":
            assert fp["managedZone"] == zone_settings["zoneId"]
            assert fp["name"].endswith("."), "Cloud DNS names end with a dot"
            if kind_type in HOST_TYPES:
                assert all(v.endswith(".") for v in fp["rrdatas"]), fp["rrdatas"]
            if kind_type == "CNAME":
                assert len(fp["rrdatas"]) == 1
        elif provider == "azuredns":
            annotations = mr["metadata"].get("annotations", {})
            assert annotations.get("crossplane.io/external-name"), "Azure needs the external-name"
            assert "@" not in mr["metadata"]["name"]
            assert "name" not in fp
            assert fp["resourceGroupName"] == zone_settings["resourceGroup"]
            assert fp["zoneName"] == zone_settings["zoneId"]
            assert isinstance(fp["ttl"], int)
            if kind_type == "MX":
                assert all(isinstance(x["preference"], str) for x in fp["record"])
        else:
            assert fp["zone"] == zone_settings["zoneId"]
            assert not fp["name"].endswith(zone_settings["name"]), "Hetzner names are relative"
            if kind_type == "TXT":
                for record in fp["records"]:
                    value = record["value"]
                    assert value.startswith('"') and value.endswith('"'), "Hetzner TXT pre-quoted"
                    for chunk in re.findall(r'"((?:[^"\\]|\\.)*)"', value):
                        assert len(chunk.encode()) <= 255
            if kind_type in HOST_TYPES:
                assert all(x["value"].endswith(".") for x in fp["records"]), fp["records"]


@pytest.mark.parametrize("example_id", IDS)
def test_every_record_set_has_its_ownership_record(rendered: dict[str, xprender.Rendered],
                                                   example_id: str) -> None:
    r = render_ok(rendered, example_id)
    provider = r.example.provider
    sets = record_sets(r)
    data = {key: mrs for key, mrs in sets.items() if not key[0].startswith("_externaldns.")}
    owned = {key: mrs for key, mrs in sets.items() if key[0].startswith("_externaldns.")}
    assert data
    for name, record_type in data:
        key = (ownership_name(name, record_type), "TXT")
        assert key in owned, f"no ownership TXT for {record_type} {name}"
        (text,) = {t for mr in owned[key] for t in txt_strings(provider, mr)}
        labels = dict(part.split("=", 1) for part in text.split(","))
        assert labels["heritage"] == "external-dns"
        assert labels["external-dns/owner"] == OWNER_ID != "openova"
        assert labels["external-dns/resource"].endswith("/acme-prod/" + r.example.xr()["metadata"]
                                                        .get("labels", {})
                                                        .get("crossplane.io/claim-name",
                                                             r.xr["metadata"]["name"]))
    assert len(owned) == len(data), "an ownership record without its record set"


@pytest.mark.parametrize("example_id", IDS)
def test_xr_status(rendered: dict[str, xprender.Rendered], example_id: str) -> None:
    r = render_ok(rendered, example_id)
    status = r.xr.get("status", {})
    assert sorted(status.get("fqdns", [])) == sorted(set(spec_names(r.xr)))
    records = status.get("records", [])
    assert records
    for record in records:
        assert record["provider"] == r.example.provider
        assert record["zone"] == zone(r.example.provider)
        assert record["type"] in ("A", "AAAA", "CNAME", "TXT", "MX", "SRV", "CAA", "NS")
    conditions = {c["type"]: c for c in status.get("conditions", [])}
    assert "Ready" in conditions


@pytest.mark.parametrize("example_id", IDS)
def test_status_records_name_their_resource(rendered: dict[str, xprender.Rendered],
                                            example_id: str) -> None:
    """Contract: status.records[] = {name, type, zone, provider, resource}."""
    r = render_ok(rendered, example_id)
    names = {d["metadata"]["name"] for d in r.composed}
    for record in r.xr["status"]["records"]:
        assert record.get("resource"), f"status.records entry without resource: {record}"
        assert record["resource"].rsplit("/", 1)[-1] in names, record


@pytest.mark.parametrize("example_id", IDS)
def test_claim_values_reach_the_provider(rendered: dict[str, xprender.Rendered],
                                         example_id: str) -> None:
    """The record sets match what the XR asked for (names, types, TXT text, addresses)."""
    r = render_ok(rendered, example_id)
    provider = r.example.provider
    spec = r.xr["spec"]
    sets = record_sets(r)
    kind = r.xr["kind"].removeprefix("X")
    if kind == "DNSRecord":
        key = (spec["name"].rstrip(".").lower(), spec["type"])
        assert key in sets, sorted(sets)
        if spec["type"] == "TXT":
            got = sorted(t for mr in sets[key] for t in txt_strings(provider, mr))
            assert got == sorted(spec["values"])
        if spec["type"] in ("A", "AAAA"):
            assert addresses(provider, sets[key]) == {ipaddress.ip_address(a).compressed
                                                      for a in spec["values"]}
    elif kind == "DNSRoute":
        targets = spec["targets"]
        for host in spec_names(r.xr):
            if "hostname" in targets:
                assert (host, "CNAME") in sets
                continue
            if "addresses" in targets:
                wanted = {ipaddress.ip_address(a) for a in targets["addresses"]}
            else:
                wanted = {ipaddress.ip_address(a) for g in targets["regions"]
                          for fam in ("ipv4", "ipv6") for a in REGIONS[g]["ingress"].get(fam, [])}
            for family, record_type in ((4, "A"), (6, "AAAA")):
                want = {a.compressed for a in wanted if a.version == family}
                if want:
                    assert addresses(provider, sets[(host, record_type)]) == want
    else:
        gslb_names = r.xr["status"]["gslbNames"]
        assert len(gslb_names) == len(spec["hostnames"])
        for host in spec_names(r.xr):
            (mr, *more) = sets[(host, "CNAME")]
            assert not more
            fp = mr["spec"]["forProvider"]
            target = (fp.get("content") or (fp.get("records") or fp.get("rrdatas") or [None])[0]
                      or fp.get("record"))
            if isinstance(target, dict):
                target = target["value"]
            assert str(target).rstrip(".") in gslb_names
            assert str(target).rstrip(".").endswith("." + GSLB_ZONE)
            if provider == "cloudflare":
                assert fp.get("proxied") in (False, None), "k8gb must answer: never proxied"


@pytest.mark.parametrize("example_id", [i for i in IDS if "/gslb" in i])
def test_gslb_k8gb_objects(rendered: dict[str, xprender.Rendered], example_id: str) -> None:
    r = render_ok(rendered, example_id)
    spec = r.xr["spec"]
    objects = k8gb_objects(r)
    if "dns-only" in r.composition.name:
        assert objects == []
        return
    assert sorted(o["spec"]["providerConfigRef"]["name"] for o in objects) == sorted(
        REGIONS[g]["kubernetesProviderConfig"] for g in spec["regions"])
    for obj in objects:
        manifest = obj["spec"]["forProvider"]["manifest"]
        assert manifest["apiVersion"] == "k8gb.io/v1beta1" and manifest["kind"] == "Gslb"
        ref = manifest["spec"]["resourceRef"]
        assert ref["kind"] == spec["backendRef"]["kind"] and ref["name"] == spec["backendRef"]["name"]
        strategy = manifest["spec"]["strategy"]
        assert strategy["type"] == spec["strategy"]["type"]
        if spec["strategy"]["type"] == "failover":
            assert strategy["primaryGeoTag"] == spec["strategy"]["primaryRegion"]
        if spec["strategy"].get("weights"):
            assert strategy["weight"] == spec["strategy"]["weights"]
        if "ttl" in spec:
            assert strategy["dnsTtlSeconds"] == spec["ttl"]


@pytest.mark.parametrize("example_id", IDS)
def test_render_is_deterministic(rendered: dict[str, xprender.Rendered], cli: Path,
                                 function: xprender.RunningFunction, apis: xprender.Apis,
                                 example_id: str) -> None:
    first = render_ok(rendered, example_id)
    again = xprender.render(cli, first.example, function.target, apis)
    assert again.ok, again.stderr
    assert again.stdout == first.stdout


# --- the installable artefacts ----------------------------------------------------------------


def test_every_kind_provider_and_scope_has_an_example() -> None:
    seen = {(e.scope, e.provider, xprender.load_one(e.path)["kind"].removeprefix("X"))
            for e in EXAMPLES}
    for scope in xprender.SCOPES:
        for provider in DNS_GROUPS:
            for kind in ("Gslb", "DNSRoute", "DNSRecord"):
                assert (scope, provider, kind) in seen
    types = {(e.scope, xprender.load_one(e.path)["spec"].get("type")) for e in EXAMPLES}
    for scope in xprender.SCOPES:
        for record_type in ("A", "AAAA", "CNAME", "TXT", "MX", "SRV", "CAA", "NS"):
            assert (scope, record_type) in types


def test_apis_are_generated_from_the_one_schema() -> None:
    proc = subprocess.run([xprender.sys.executable, str(xprender.ROOT / "scripts" / "generate_apis.py"),
                           "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_v2_and_legacy_xrds_share_their_schema(apis: xprender.Apis) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in apis.definitions:
        doc = xprender.load_one(path)
        kind = doc["spec"].get("claimNames", doc["spec"]["names"])["kind"]
        by_kind[kind].append(doc)
    assert sorted(by_kind) == ["DNSRecord", "DNSRoute", "Gslb"]
    for docs in by_kind.values():
        v2, legacy = sorted(docs, key=lambda d: d["apiVersion"], reverse=True)
        assert v2["apiVersion"].endswith("/v2") and v2["spec"]["scope"] == "Namespaced"
        assert legacy["apiVersion"].endswith("/v1") and legacy["spec"]["names"]["kind"].startswith("X")
        schema = [d["spec"]["versions"][0]["schema"] for d in (v2, legacy)]
        assert schema[0] == schema[1]


def test_package_stream(cli: Path, tmp_path: Path) -> None:
    stream = xprender.load_all((xprender.ROOT / "package.yaml").read_text())
    assert [d["kind"] for d in stream] == ["Function", "CustomResourceDefinition"]
    assert stream[0]["apiVersion"] == "meta.pkg.crossplane.io/v1"
    assert stream[0]["metadata"]["name"] == "function-catalyst-dns"
    assert stream[1]["spec"]["group"] == "dns.fn.openova.io"
    parts = [*xprender.load_all((xprender.ROOT / "package" / "crossplane.yaml").read_text()),
             xprender.load_one(xprender.ROOT / "package" / "input" / "dns.fn.openova.io_inputs.yaml")]
    assert stream == parts
    # The CLI parses and lints the package as it would for the xpkg image.
    empty = tmp_path / "no-examples"
    empty.mkdir()
    proc = subprocess.run([str(cli), "xpkg", "build", f"--package-root={xprender.ROOT / 'package'}",
                           f"--examples-root={empty}", f"--package-file={tmp_path / 'fn.xpkg'}"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "fn.xpkg").stat().st_size > 0


def test_composition_inputs_match_the_input_crd(cli: Path, apis: xprender.Apis,
                                                tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(xprender.dump_all(xprender.composition_inputs(apis)))
    check = xprender.validate(cli, [xprender.ROOT / "package" / "input"], [inputs], tmp_path)
    assert check.ok, check.output
    for path in apis.compositions.values():
        doc = xprender.load_one(path)
        steps = doc["spec"]["pipeline"]
        assert doc["spec"]["mode"] == "Pipeline"
        assert [s["functionRef"]["name"] for s in steps] == ["function-catalyst-dns"]


def test_installables_validate_against_crossplane(cli: Path, tmp_path: Path) -> None:
    crds = xprender.crossplane_crds()
    if crds is None:
        tools.missing("Crossplane's CRDs are not in the Go module cache")
    check = xprender.validate(cli, [crds, xprender.ROOT / "package" / "input"],
                              [xprender.ROOT / "apis", xprender.FUNCTIONS, xprender.ENVIRONMENT],
                              tmp_path)
    assert check.ok, check.output


def test_examples_parse_as_single_documents() -> None:
    for example in EXAMPLES:
        doc = yaml.safe_load(example.path.read_text())
        assert doc["apiVersion"] == "dns.openova.io/v1alpha1"
        if example.scope == "namespaced":
            assert doc["metadata"]["namespace"] == "acme-prod"
        else:
            assert doc["metadata"]["labels"]["crossplane.io/claim-namespace"] == "acme-prod"
            assert doc["spec"]["compositionRef"]["name"]


# --- bad input --------------------------------------------------------------------------------

INVALID = xprender.invalid_examples()


@pytest.mark.parametrize("example_id", [e.id for e in INVALID])
def test_bad_input_is_refused_with_a_precise_fatal(cli: Path, function: xprender.RunningFunction,
                                                   apis: xprender.Apis, example_id: str) -> None:
    (example,) = [e for e in INVALID if e.id == example_id]
    r = xprender.render(cli, example, function.target, apis)
    ok, detail = xprender.refused_as_expected(r)
    assert ok, detail
    assert function.process.poll() is None, "the function died on bad input"


def test_bad_inputs_cover_ten_distinct_rules() -> None:
    rules = {e.expected_fatal[-1].split(": ", 1)[0] + "|" + e.name.split("-")[0] for e in INVALID}
    assert len(INVALID) >= 10 and len(rules) >= 10
