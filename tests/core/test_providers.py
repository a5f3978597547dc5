import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_dns import registry
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import PROVIDERS, Scope
from catalyst_dns.records import RecordSet, RecordType, parse_rdata
from catalyst_dns.settings import Zone

ZONES = {
    "cloudflare": Zone("omantel.example", "cloudflare", "cfzone", "cf"),
    "route53": Zone("aws.omantel.example", "route53", "Z123", "aws"),
    "clouddns": Zone("gcp.omantel.example", "clouddns", "gcp-zone", "gcp", project="p1"),
    "azuredns": Zone("az.omantel.example", "azuredns", "az", "azure", resource_group="rg"),
    "hetzner": Zone("hz.omantel.example", "hetzner", "4711", "hetzner"),
}
LONG = "k=rsa; p=" + "A" * 400


def test_every_provider_has_a_zone_here() -> None:
    """The table tests below cover the registry: a provider added there fails here until it has a zone."""
    assert set(ZONES) == set(PROVIDERS)


def rs(provider: str, rtype: RecordType, rel: str, *values: str, ttl: int = 300, proxied: bool = False) -> RecordSet:
    zone = ZONES[provider]
    name = zone.name if rel == "@" else f"{rel}.{zone.name}"
    rdata = tuple(parse_rdata(rtype, v, "v") for v in values)
    return RecordSet(zone, name, rtype, ttl, rdata, proxied)


def fp(provider: str, record_set: RecordSet, scope: Scope = Scope.NAMESPACED) -> list[dict]:
    return [c.manifest["spec"]["forProvider"] for c in PROVIDERS[provider].compose(record_set, scope)]


def test_cloudflare_one_mr_per_value_and_auto_ttl_when_proxied() -> None:
    record_set = rs("cloudflare", RecordType.A, "api", "203.0.113.1", "203.0.113.2", proxied=True)
    out = fp("cloudflare", record_set)
    assert [o["content"] for o in out] == ["203.0.113.1", "203.0.113.2"]
    assert all(o["ttl"] == 1 and o["proxied"] is True and o["name"] == "api.omantel.example" for o in out)


def test_cloudflare_mx_srv_caa_shapes() -> None:
    assert fp("cloudflare", rs("cloudflare", RecordType.MX, "m", "10 mail.example.com."))[0] | {} == {
        "zoneId": "cfzone", "name": "m.omantel.example", "type": "MX", "ttl": 300,
        "content": "mail.example.com", "priority": 10}
    srv = fp("cloudflare", rs("cloudflare", RecordType.SRV, "_sip._tcp", "1 2 443 sip.example.com."))[0]
    assert srv["data"] == {"priority": 1, "weight": 2, "port": 443, "target": "sip.example.com"}
    # The CRD's priority: "Required for MX, SRV and URI records" (Cloudflare reads it back there).
    assert srv["priority"] == 1
    assert fp("cloudflare", rs("cloudflare", RecordType.CAA, "c", '0 issue "letsencrypt.org"'))[0]["data"] == {
        "flags": 0, "tag": "issue", "value": "letsencrypt.org"}
    # Cloudflare: content "must consist of quoted character strings (RFC 1035)", each <= 255 bytes.
    assert fp("cloudflare", rs("cloudflare", RecordType.TXT, "t", LONG))[0]["content"] == (
        f'"{LONG[:255]}" "{LONG[255:]}"')


def test_cloudflare_refuses_proxied_txt_and_low_ttl() -> None:
    with pytest.raises(DnsInputError, match="proxies only A, AAAA and CNAME"):
        PROVIDERS["cloudflare"].check(rs("cloudflare", RecordType.TXT, "t", "x", proxied=True), "spec")
    with pytest.raises(DnsInputError, match="TTL range 60-86400"):
        PROVIDERS["cloudflare"].check(rs("cloudflare", RecordType.A, "t", "203.0.113.1", ttl=30), "spec")


@pytest.mark.parametrize("provider", ["route53", "clouddns", "azuredns", "hetzner"])
def test_proxied_is_refused_off_cloudflare(provider: str) -> None:
    with pytest.raises(DnsInputError, match="Cloudflare-only"):
        PROVIDERS[provider].check(rs(provider, RecordType.A, "a", "203.0.113.1", proxied=True), "spec")


@pytest.mark.parametrize("provider", list(ZONES))
def test_apex_ns_is_refused(provider: str) -> None:
    with pytest.raises(DnsInputError, match="zone apex"):
        PROVIDERS[provider].check(rs(provider, RecordType.NS, "@", "ns1.example.net"), "spec")


def test_route53_txt_split_and_plain_hosts() -> None:
    out = fp("route53", rs("route53", RecordType.TXT, "k._domainkey", LONG))[0]
    assert out["records"] == [LONG[:255] + '""' + LONG[255:]]
    assert out["name"] == "k._domainkey.aws.omantel.example"
    assert fp("route53", rs("route53", RecordType.MX, "m", "10 mail.example.com."))[0]["records"] == [
        "10 mail.example.com"]


def test_route53_cluster_scope_uses_v1beta2() -> None:
    composed = PROVIDERS["route53"].compose(rs("route53", RecordType.A, "a", "203.0.113.1"), Scope.CLUSTER)
    assert composed[0].manifest["apiVersion"] == "route53.aws.upbound.io/v1beta2"
    assert composed[0].manifest["spec"]["providerConfigRef"] == {"name": "aws"}


def test_clouddns_dots_and_quotes() -> None:
    out = fp("clouddns", rs("clouddns", RecordType.TXT, "t", LONG))[0]
    assert out["name"] == "t.gcp.omantel.example."
    assert out["rrdatas"] == [f'"{LONG[:255]}" "{LONG[255:]}"']
    assert out["project"] == "p1"
    assert fp("clouddns", rs("clouddns", RecordType.CNAME, "c", "lb.example.com"))[0]["rrdatas"] == ["lb.example.com."]


def test_azure_external_name_kinds_and_string_preference() -> None:
    composed = PROVIDERS["azuredns"].compose(rs("azuredns", RecordType.MX, "@", "10 mail.example.com."),
                                             Scope.NAMESPACED)[0].manifest
    assert composed["kind"] == "DNSMXRecord"
    assert composed["metadata"]["annotations"]["crossplane.io/external-name"] == "@"
    assert composed["spec"]["forProvider"] == {"zoneName": "az.omantel.example", "resourceGroupName": "rg",
                                               "ttl": 300, "record": [{"preference": "10",
                                                                        "exchange": "mail.example.com"}]}
    assert "name" not in composed["spec"]["forProvider"]
    assert fp("azuredns", rs("azuredns", RecordType.CNAME, "c", "lb.example.com"))[0]["record"] == "lb.example.com"


def test_hetzner_relative_names_quoted_txt_dotted_hosts() -> None:
    out = fp("hetzner", rs("hetzner", RecordType.TXT, "@", LONG))[0]
    assert out["name"] == "@"
    assert out["records"] == [{"value": f'"{LONG[:255]}" "{LONG[255:]}"'}]
    assert fp("hetzner", rs("hetzner", RecordType.CNAME, "c", "lb.example.com"))[0]["records"] == [
        {"value": "lb.example.com."}]


@pytest.mark.parametrize("provider", list(ZONES))
def test_mr_names_are_kubernetes_safe_and_stable(provider: str) -> None:
    record_set = rs(provider, RecordType.TXT, "*._dmarc", "x")
    first = PROVIDERS[provider].compose(record_set, Scope.NAMESPACED)
    second = PROVIDERS[provider].compose(rs(provider, RecordType.TXT, "*._dmarc", "x"), Scope.NAMESPACED)
    for a, b in zip(first, second, strict=True):
        assert a.name == b.name  # from the record set alone (never the owner): two claimers collide
        assert len(a.name) <= 63
        assert all(c.islower() or c.isdigit() or c == "-" for c in a.name)


def parse_registry_text(text: str) -> dict[str, str] | None:
    """The labels of a registry record as ExternalDNS reads them (registry/txt), or None when it is not one."""
    text = text.strip().strip('"')
    labels: dict[str, str] = {}
    heritage = None
    for token in text.split(","):
        key, sep, value = token.partition("=")
        if not sep:
            return None
        if key == "heritage":
            heritage = value
        elif key.startswith("external-dns/"):
            labels[key.removeprefix("external-dns/")] = value
    return labels if heritage == "external-dns" else None


def test_registry_text_reads_back_as_externaldns_reads_it() -> None:
    from catalyst_dns.registry import Owner, registry_name, registry_text

    text = registry_text(Owner("catalyst-dns", "dnsroute/acme-prod/api"))
    assert text == "heritage=external-dns,external-dns/owner=catalyst-dns,external-dns/resource=dnsroute/acme-prod/api"
    assert parse_registry_text(f'"{text}"') == {"owner": "catalyst-dns", "resource": "dnsroute/acme-prod/api"}
    assert parse_registry_text("v=spf1 -all") is None
    assert registry_name("*.x.omantel.example", RecordType.A) == "_externaldns.a-wildcard.x.omantel.example"
    cname = registry_name("shop.acme.omantel.example", RecordType.CNAME)
    assert cname == "_externaldns.cname-shop.acme.omantel.example"


@given(st.text(alphabet="ab*._-", max_size=12), st.sampled_from([*RecordType, "TXT", "cname"]))
def test_the_registry_name_is_externaldns_affix_rule(name: str, rtype: RecordType | str) -> None:
    """``<prefix><type>-<first label>.<rest>``, a first label ``*`` written ``wildcard`` (registry/txt)."""
    first, _, rest = name.partition(".")
    expected = f"{registry.PREFIX}{str(rtype).lower()}-{'wildcard' if first == '*' else first}.{rest}"
    assert registry.registry_name(name, rtype) == expected
