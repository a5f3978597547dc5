"""The hostile-input corpus: malformed and malicious RunFunctionRequests with the Fatal each must get.

Every case names the exact substring (field path + rule) its Fatal message must carry. The
cases are reused by the serving tests (sent over gRPC to the real server) and the soak.
Cases in ``tests/function/test_fn.py`` are not repeated here.

A case with ``bug`` set is a known defect of the function: its test is a strict xfail
until the lead fixes it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2

from tests.core.sovereign import SETTINGS
from tests.function.requests import request, xr

# --- a local settings copy with a second tenant --------------------------------------

BETA_SUFFIXES = ["beta.omantel.example", "bücher.omantel.example"]  # the second is an IDN suffix
SETTINGS2: dict[str, Any] = copy.deepcopy(SETTINGS)
SETTINGS2["tenants"].append({"namespaces": ["beta-prod"], "suffixes": BETA_SUFFIXES})

ACME_ONLY = "is refused: namespace 'acme-prod' may only use names under acme.aws.omantel.example"
BETA_ONLY = (
    "is refused: namespace 'beta-prod' may only use names under beta.omantel.example, xn--bcher-kva.omantel.example"
)

# --- valid specs, one per kind -------------------------------------------------------

GSLB: dict[str, Any] = {
    "hostnames": ["shop.acme.omantel.example"],
    "regions": ["fsn", "hel"],
    "strategy": {"type": "failover", "primaryRegion": "fsn"},
    "ttl": 60,
    "backendRef": {"kind": "HTTPRoute", "name": "shop", "namespace": "shop"},
}
ROUTE: dict[str, Any] = {"hostnames": ["api.acme.aws.omantel.example"], "targets": {"addresses": ["203.0.113.10"]}}
RECORD: dict[str, Any] = {"name": "_dmarc.acme.gcp.omantel.example", "type": "TXT", "values": ["v=DMARC1; p=reject"]}
VALID_SPECS: dict[str, dict[str, Any]] = {"Gslb": GSLB, "DNSRoute": ROUTE, "DNSRecord": RECORD}


def settings2(**changes: Any) -> dict[str, Any]:
    """A copy of SETTINGS2 with top-level keys replaced (or removed when the value is ...)."""
    out = copy.deepcopy(SETTINGS2)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def req(
    kind: str, spec: Any, *, settings_data: Any = None, fn_input: dict[str, Any] | None = None, **xr_kw: Any
) -> fnv1.RunFunctionRequest:
    """A request for a composite of ``kind`` with ``spec`` against SETTINGS2 (or ``settings_data``)."""
    composite = xr(kind, spec, **xr_kw)
    return request(composite, settings_data=SETTINGS2 if settings_data is None else settings_data, fn_input=fn_input)


def valid(kind: str, **xr_kw: Any) -> fnv1.RunFunctionRequest:
    """A request that composes."""
    return req(kind, copy.deepcopy(VALID_SPECS[kind]), **xr_kw)


# --- requests that plain dicts cannot build -------------------------------------------


def _spec_value(r: fnv1.RunFunctionRequest, key: str) -> struct_pb2.Value:
    return r.observed.composite.resource.fields["spec"].struct_value.fields[key]


def nested_targets(depth: int) -> fnv1.RunFunctionRequest:
    """spec.targets nested ``depth`` objects deep, built in place (no recursion, no copies)."""
    r = req("DNSRoute", ROUTE)
    value = _spec_value(r, "targets")
    value.struct_value.Clear()
    for _ in range(depth):
        value = value.struct_value.fields["a"]
    value.string_value = "x"
    return r


def nested_lists(depth: int) -> fnv1.RunFunctionRequest:
    """spec.hostnames as ``depth`` nested one-item lists."""
    r = req("DNSRoute", ROUTE)
    value = _spec_value(r, "hostnames")
    for _ in range(depth):
        value.list_value.Clear()
        value = value.list_value.values.add()
    value.string_value = "a.acme.aws.omantel.example"
    return r


def many_hostnames(count: int, name: str = "a.acme.aws.omantel.example") -> fnv1.RunFunctionRequest:
    """spec.hostnames with ``count`` copies of one name, built with one bulk extend."""
    r = req("DNSRoute", ROUTE)
    values = _spec_value(r, "hostnames").list_value.values
    del values[:]
    values.extend([struct_pb2.Value(string_value=name)] * count)
    return r


def with_number(kind: str, path: tuple[str, ...], number: float) -> fnv1.RunFunctionRequest:
    """A valid request with a raw double (NaN, infinity) at ``path`` under spec."""
    r = valid(kind)
    value = r.observed.composite.resource.fields["spec"]
    for key in path:
        value = value.struct_value.fields[key]
    value.number_value = number
    return r


def with_settings_number(key: str, number: float) -> fnv1.RunFunctionRequest:
    r = valid("DNSRecord")
    data = r.required_resources["sovereign-dns-settings"].items[0].resource.fields["data"]
    data.struct_value.fields[key].number_value = number
    return r


def composite_with(kind: str, spec: Any, /, **top: Any) -> fnv1.RunFunctionRequest:
    """A request whose composite has top-level fields (apiVersion, kind, metadata) replaced."""
    composite = xr(kind, spec)
    for key, value in top.items():
        if value is ...:
            composite.pop(key, None)
        else:
            composite[key] = value
    return request(composite, settings_data=SETTINGS2)


# --- the corpus ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile request and the Fatal it must get."""

    id: str
    build: Callable[[], fnv1.RunFunctionRequest]
    expect: str | tuple[str, ...]  # substrings of the Fatal message: field path and rule
    bug: str | None = None  # set while the function gets this case wrong (strict xfail)
    # False when protobuf's decoder cannot even parse the request off the wire (nesting beyond upb's
    # depth limit): in-process only; tests/serving/test_server.py pins the wire behaviour.
    wire: bool = True


def _case(id_: str, kind: str, spec: Any, expect: str, **kw: Any) -> Case:
    bug = kw.pop("bug", None)
    return Case(id_, lambda: req(kind, copy.deepcopy(spec), **kw), expect, bug)


Z = copy.deepcopy(SETTINGS["zones"])
MB = 1_000_000

CASES: list[Case] = [
    # -- wrong types everywhere --
    _case("spec-is-string", "DNSRecord", "name: x", "spec: 'name: x' must be an object, not a string"),
    _case("spec-is-list", "Gslb", [GSLB], ("spec: [{'", "(216 chars) must be an object, not a list")),
    Case("spec-missing", lambda: composite_with("DNSRoute", ROUTE, spec=...), "spec: None must be an object"),
    _case(
        "hostnames-dict",
        "DNSRoute",
        {**ROUTE, "hostnames": {"api.acme.aws.omantel.example": True}},
        "spec.hostnames: {'api.acme.aws.omantel.example': True} must be a list, not an object",
    ),
    _case(
        "hostnames-item-int", "Gslb", {**GSLB, "hostnames": [42]},
        "spec.hostnames[0]: 42 must be a string, not a number",
    ),
    Case(
        "hostnames-nested-lists",
        lambda: nested_lists(40),
        ("spec.hostnames[0][0][0]", "'<nested list>' is nested deeper than 32 levels"),
    ),
    _case(
        "targets-list",
        "DNSRoute",
        {**ROUTE, "targets": ["203.0.113.10"]},
        "spec.targets: ['203.0.113.10'] must be an object, not a list",
    ),
    _case(
        "strategy-string",
        "Gslb",
        {**GSLB, "strategy": "failover"},
        "spec.strategy: 'failover' must be an object, not a string",
    ),
    _case(
        "backendref-string",
        "Gslb",
        {**GSLB, "backendRef": "shop"},
        "spec.backendRef: 'shop' must be an object, not a string",
    ),
    _case("regions-string", "Gslb", {**GSLB, "regions": "fsn"}, "spec.regions: 'fsn' must be a list, not a string"),
    _case(
        "proxied-string",
        "DNSRoute",
        {**ROUTE, "proxied": "false"},
        "spec.proxied: 'false' must be true or false, not a string",
    ),
    _case(
        "values-item-object",
        "DNSRecord",
        {**RECORD, "values": [{"text": "x"}]},
        "spec.values[0]: {'text': 'x'} must be a string, not an object",
    ),
    _case(
        "address-number",
        "DNSRoute",
        {**ROUTE, "targets": {"addresses": [3405803786]}},
        "spec.targets.addresses[0]: 3405803786 must be a string, not a number",
    ),
    # -- TTL --
    _case("ttl-string", "DNSRecord", {**RECORD, "ttl": "300"}, "spec.ttl: '300' must be an integer, not a string"),
    _case("ttl-bool", "DNSRoute", {**ROUTE, "ttl": True}, "spec.ttl: True must be an integer, not a boolean"),
    _case("ttl-list", "Gslb", {**GSLB, "ttl": [300]}, "spec.ttl: [300] must be an integer, not a list"),
    _case(
        "ttl-object",
        "DNSRecord",
        {**RECORD, "ttl": {"seconds": 300}},
        "spec.ttl: {'seconds': 300} must be an integer, not an object",
    ),
    _case(
        "ttl-1e300",
        "DNSRecord",
        {**RECORD, "ttl": 1e300},
        ("spec.ttl: 10000000000", "... (301 chars) must be between 1 and 2147483647"),
    ),
    _case(
        "ttl-2^64",
        "DNSRoute",
        {**ROUTE, "ttl": 2.0**64},
        "spec.ttl: 18446744073709551616 must be between 1 and 2147483647",
    ),
    _case("ttl-minus-1", "DNSRecord", {**RECORD, "ttl": -1}, "spec.ttl: -1 must be between 1 and 2147483647"),
    _case("ttl-zero", "Gslb", {**GSLB, "ttl": 0}, "spec.ttl: 0 must be between 1 and 2147483647"),
    _case("ttl-tiny-fraction", "DNSRecord", {**RECORD, "ttl": 1e-300}, "spec.ttl: 1e-300 must be a whole number"),
    _case(
        "ttl-above-cloudflare",
        "DNSRecord",
        {"name": "t.acme.omantel.example", "type": "A", "values": ["203.0.113.7"], "ttl": 86401},
        "spec.ttl: 86401 is outside Cloudflare's TTL range 60-86400",
    ),
    _case(
        "ttl-below-hetzner",
        "DNSRoute",
        {"hostnames": ["w.acme.hz.omantel.example"], "targets": {"addresses": ["203.0.113.7"]}, "ttl": 59},
        "spec.ttl: 59 is outside Hetzner Cloud DNS's TTL range 60-",
    ),
    Case(
        "ttl-nan",
        lambda: with_number("DNSRecord", ("ttl",), float("nan")),
        "spec.ttl: nan must be a whole number",
    ),
    Case(
        "ttl-infinity",
        lambda: with_number("DNSRoute", ("ttl",), float("inf")),
        "spec.ttl: inf must be a whole number",
    ),
    Case(
        "weight-nan",
        lambda: with_number("Gslb", ("strategy",), float("nan")),
        "spec.strategy: nan must be an object, not a number",
    ),
    Case(
        "settings-defaultttl-nan",
        lambda: with_settings_number("defaultTtl", float("nan")),
        "EnvironmentConfig.data.defaultTtl: nan must be a whole number",
    ),
    _case(
        "weight-huge",
        "Gslb",
        {**GSLB, "strategy": {"type": "roundRobin", "weights": {"fsn": 1e300}}},
        ("spec.strategy.weights.fsn: 10000000000", "... (301 chars) must be between 0 and 100"),
    ),
    _case(
        "weight-string",
        "Gslb",
        {**GSLB, "strategy": {"type": "roundRobin", "weights": {"fsn": "70"}}},
        "spec.strategy.weights.fsn: '70' must be an integer, not a string",
    ),
    # -- huge input and counts --
    _case(
        "hostname-1MB",
        "DNSRoute",
        {**ROUTE, "hostnames": ["a" * MB]},
        ("spec.hostnames[0]: 'aaaa", "(1000002 chars) is longer than 4096 characters"),
    ),
    _case(
        "txt-1MB",
        "DNSRecord",
        {**RECORD, "values": ["v" * MB]},
        ("spec.values[0]: 'vvvv", "(1000002 chars) is longer than 4096 characters"),
    ),
    _case(
        "metadata-name-1MB",
        "DNSRecord",
        RECORD,
        ("metadata.name: 'aaaa", "(1000002 chars) is longer than 4096 characters"),
        name="a" * MB,
    ),
    _case(
        "backend-name-1MB",
        "Gslb",
        {**GSLB, "backendRef": {"kind": "HTTPRoute", "name": "b" * MB}},
        ("spec.backendRef.name: 'bbbb", "(1000002 chars) is longer than 4096 characters"),
    ),
    Case(
        "unknown-key-1MB",
        lambda: req("DNSRecord", {**RECORD, "k" * MB: 1}),
        ("spec.kkkk", "(1000005 chars): 1 is not a known field (known: name, ttl, type, values)"),
    ),
    _case(
        "hostnames-1001",
        "DNSRoute",
        {**ROUTE, "hostnames": [f"h{i}.acme.aws.omantel.example" for i in range(1001)]},
        "spec.hostnames: '<1001 items>' has more than 1000 items",
    ),
    Case(
        "hostnames-1M", lambda: many_hostnames(1_000_000), "spec.hostnames: '<1000000 items>' has more than 1000 items"
    ),
    _case(
        "values-101",
        "DNSRecord",
        {"name": "x.acme.aws.omantel.example", "type": "A", "values": [f"10.0.0.{i}" for i in range(101)]},
        "spec.values: '<101 items>' has more than 100 items",
    ),
    _case(
        "regions-65",
        "Gslb",
        {**GSLB, "regions": [f"r{i}" for i in range(65)]},
        "spec.regions: '<65 items>' has more than 64 items",
    ),
    # -- deeply nested input --
    Case(
        "targets-nested-30",
        lambda: nested_targets(30),
        ("spec.targets.a: {'a': {'a':", "is not a known field (known: addresses, hostname, regions)"),
    ),
    Case(
        "targets-nested-500",
        lambda: nested_targets(500),
        ("spec.targets.a.a.a.a", ": '<nested object>' is nested deeper than 32 levels"),
        wire=False,
    ),
    # -- unicode: confusables, mixed scripts, full-width, invisible and non-NFC --
    _case(
        "mixed-script-cyrillic-a",
        "DNSRecord",
        {**RECORD, "name": "pаypal.acme.omantel.example"},
        "spec.name: 'pаypal.acme.omantel.example' mixes scripts (CYRILLIC, LATIN) in label 'pаypal'",
    ),
    _case(
        "mixed-script-xn-form",
        "DNSRoute",
        {**ROUTE, "hostnames": ["xn--pi-6kc.acme.aws.omantel.example"]},
        "spec.hostnames[0]: 'xn--pi-6kc.acme.aws.omantel.example' mixes scripts (CYRILLIC, LATIN)",
    ),
    _case(
        "mixed-script-greek-omicron",
        "Gslb",
        {**GSLB, "hostnames": ["shοp.acme.omantel.example"]},
        "spec.hostnames[0]: 'shοp.acme.omantel.example' mixes scripts (GREEK, LATIN)",
    ),
    _case(
        "whole-script-confusable-of-acme",
        "DNSRoute",
        {**ROUTE, "hostnames": ["x.асе.omantel.example"]},
        "spec.hostnames[0]: 'x.xn--80ak9a.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "fullwidth-letters",
        "DNSRoute",
        {**ROUTE, "hostnames": ["ａｐｉ.acme.aws.omantel.example"]},
        "spec.hostnames[0]: 'ａｐｉ.acme.aws.omantel.example' label 'ａｐｉ' is not a valid IDNA2008 label",
    ),
    _case(
        "fullwidth-dot",
        "DNSRoute",
        {**ROUTE, "hostnames": ["shop。acme.omantel.example"]},
        "spec.hostnames[0]: 'shop。acme.omantel.example' label 'shop。acme' is not a valid DNS label",
    ),
    _case(
        "zero-width-joiner",
        "DNSRecord",
        {**RECORD, "name": "a\u200db.acme.omantel.example"},
        "spec.name: 'a\\u200db.acme.omantel.example' label 'a\\u200db' is not a valid IDNA2008 label",
    ),
    _case(
        "rtl-override",
        "DNSRoute",
        {**ROUTE, "hostnames": ["\u202elpmaxe.acme.aws.omantel.example"]},
        ("spec.hostnames[0]: '\\u202elpmaxe.acme.aws.omantel.example'", "is not a valid IDNA2008 label"),
    ),
    _case(
        "not-nfc",
        "DNSRecord",
        {**RECORD, "name": "bu\u0308cher.acme.omantel.example"},
        "spec.name: 'bu\u0308cher.acme.omantel.example' label 'bu\u0308cher' is not in Unicode NFC form",
    ),
    _case(
        "bad-punycode",
        "DNSRoute",
        {**ROUTE, "hostnames": ["xn--zz.acme.aws.omantel.example"]},
        "spec.hostnames[0]: 'xn--zz.acme.aws.omantel.example' label 'xn--zz' is not a valid IDNA A-label",
    ),
    _case(
        "mx-fullwidth-exchange",
        "DNSRecord",
        {"name": "acme.omantel.example", "type": "MX", "values": ["10 ｍail.example.com."]},
        "spec.values[0]: 'ｍail.example.com.' mixes scripts",
    ),
    # -- NUL bytes and control characters --
    _case(
        "nul-in-hostname",
        "Gslb",
        {**GSLB, "hostnames": ["shop\x00.acme.omantel.example"]},
        "spec.hostnames[0]: 'shop\\x00.acme.omantel.example' contains a NUL byte",
    ),
    _case(
        "nul-in-record-name",
        "DNSRecord",
        {**RECORD, "name": "_dmarc.acme.gcp.omantel.example\x00"},
        "spec.name: '_dmarc.acme.gcp.omantel.example\\x00' contains a NUL byte",
    ),
    _case(
        "nul-in-txt-value",
        "DNSRecord",
        {**RECORD, "values": ["v=spf1\x00 -all"]},
        "spec.values[0]: 'v=spf1\\x00 -all' contains a NUL byte",
    ),
    _case(
        "nul-in-cname-target",
        "DNSRoute",
        {**ROUTE, "targets": {"hostname": "lb\x00.example.net"}},
        "spec.targets.hostname: 'lb\\x00.example.net' contains a NUL byte",
    ),
    _case(
        "nul-in-metadata-name",
        "DNSRecord",
        RECORD,
        "metadata.name: 'ex\\x00ample' contains a NUL byte",
        name="ex\x00ample",
    ),
    _case(
        "nul-in-backend-namespace",
        "Gslb",
        {**GSLB, "backendRef": {"kind": "Service", "name": "s", "namespace": "a\x00"}},
        "spec.backendRef.namespace: 'a\\x00' is not a valid Kubernetes namespace name (DNS-1123 label)",
    ),
    _case(
        "nul-in-claim-name-label",
        "XDNSRecord",
        RECORD,
        "metadata.labels[crossplane.io/claim-name]: 'dmarc\\x00' is not a valid Kubernetes object name",
        namespace=None,
        labels={"crossplane.io/claim-namespace": "acme-prod", "crossplane.io/claim-name": "dmarc\x00"},
    ),
    _case(
        "control-char-in-txt",
        "DNSRecord",
        {**RECORD, "values": ["v=DMARC1;\x07 p=reject"]},
        "spec.values[0]: 'v=DMARC1;\\x07 p=reject' contains a control character",
    ),
    # -- names that normalise into another tenant's suffix --
    _case(
        "other-tenant-upper-trailing-dot",
        "DNSRoute",
        {**ROUTE, "hostnames": ["WWW.BETA.OMANTEL.EXAMPLE."]},
        "spec.hostnames[0]: 'www.beta.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "other-tenant-fullwidth",
        "DNSRoute",
        {**ROUTE, "hostnames": ["x.ｂｅｔａ.omantel.example"]},
        "spec.hostnames[0]: 'x.ｂｅｔａ.omantel.example' label 'ｂｅｔａ' is not a valid IDNA2008 label",
    ),
    _case(
        "other-tenant-idn-unicode",
        "DNSRecord",
        {**RECORD, "name": "shop.bücher.omantel.example"},
        "spec.name: 'shop.xn--bcher-kva.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "other-tenant-idn-xn-upper",
        "Gslb",
        {**GSLB, "hostnames": ["shop.XN--BCHER-KVA.omantel.example."]},
        "spec.hostnames[0]: 'shop.xn--bcher-kva.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "other-tenant-suffix-apex",
        "DNSRecord",
        {**RECORD, "name": "beta.omantel.example"},
        "spec.name: 'beta.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "suffix-without-dot-boundary",
        "DNSRoute",
        {**ROUTE, "hostnames": ["evilacme.omantel.example"]},
        "spec.hostnames[0]: 'evilacme.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "second-hostname-other-tenant",
        "DNSRoute",
        {**ROUTE, "hostnames": ["ok.acme.aws.omantel.example", "x.beta.omantel.example"]},
        "spec.hostnames[1]: 'x.beta.omantel.example' " + ACME_ONLY,
    ),
    _case(
        "beta-takes-acme",
        "DNSRecord",
        RECORD,
        "spec.name: '_dmarc.acme.gcp.omantel.example' " + BETA_ONLY,
        namespace="beta-prod",
    ),
    # -- cross-tenant via namespaces and legacy claim labels --
    _case(
        "legacy-claim-label-other-tenant",
        "XDNSRecord",
        {**RECORD, "name": "_dmarc.beta.omantel.example"},
        "spec.name: '_dmarc.beta.omantel.example' " + ACME_ONLY,
        namespace=None,
        labels={"crossplane.io/claim-namespace": "acme-prod", "crossplane.io/claim-name": "dmarc"},
    ),
    _case(
        "legacy-claim-label-spoof-on-namespaced-xr",
        "DNSRecord",
        {**RECORD, "name": "_dmarc.beta.omantel.example"},
        "spec.name: '_dmarc.beta.omantel.example' " + ACME_ONLY,
        labels={"crossplane.io/claim-namespace": "beta-prod"},
    ),
    _case(
        "cluster-xr-without-claim-labels",
        "XDNSRoute",
        ROUTE,
        "spec.hostnames[0]: 'api.acme.aws.omantel.example' is refused: the composite has no namespace or claim "
        "namespace, and tenancy is default deny",
        namespace=None,
    ),
    _case(
        "cluster-xr-empty-claim-namespace",
        "XGslb",
        GSLB,
        "metadata.labels[crossplane.io/claim-namespace]: '' is not a valid Kubernetes namespace name (DNS-1123 label)",
        namespace=None,
        labels={"crossplane.io/claim-namespace": ""},
    ),
    _case(
        "namespace-without-tenant",
        "DNSRecord",
        RECORD,
        "spec.name: '_dmarc.acme.gcp.omantel.example' is refused: namespace 'gamma-prod' has no DNS suffixes "
        "in the tenancy policy (default deny)",
        namespace="gamma-prod",
    ),
    _case(
        "namespace-case-variant",
        "DNSRoute",
        ROUTE,
        "metadata.namespace: 'ACME-PROD' is not a valid Kubernetes namespace name (DNS-1123 label)",
        namespace="ACME-PROD",
    ),
    # -- reserved names --
    _case(
        "reserved-console-subtree",
        "DNSRecord",
        {**RECORD, "name": "X.CONSOLE.omantel.example."},
        "spec.name: 'x.console.omantel.example' is refused: console.omantel.example is a Sovereign control-plane name",
    ),
    _case(
        "reserved-api",
        "DNSRoute",
        {**ROUTE, "hostnames": ["api.omantel.example"]},
        "spec.hostnames[0]: 'api.omantel.example' is refused: api.omantel.example is a Sovereign control-plane name",
    ),
    _case(
        "reserved-k8gb-nameserver",
        "DNSRecord",
        {"name": "gslb-ns-fsn-gslb.omantel.example", "type": "A", "values": ["203.0.113.66"]},
        "spec.name: 'gslb-ns-fsn-gslb.omantel.example' is refused: gslb-ns-fsn-gslb.omantel.example is the k8gb "
        "nameserver of region fsn",
    ),
    _case(
        "reserved-gslb-zone-itself",
        "DNSRecord",
        {"name": "GSLB.omantel.example", "type": "NS", "values": ["ns1.evil.example."]},
        "spec.name: 'gslb.omantel.example' is refused: gslb.omantel.example is the GSLB sub-zone delegated to k8gb",
    ),
    _case(
        "reserved-gslb-name-for-cname",
        "DNSRoute",
        {"hostnames": ["shop-acme.gslb.omantel.example"], "targets": {"hostname": "lb.example.net"}},
        "spec.hostnames[0]: 'shop-acme.gslb.omantel.example' is refused: gslb.omantel.example is the GSLB sub-zone",
    ),
    _case(
        "reserved-externaldns-upper",
        "DNSRecord",
        {**RECORD, "name": "_EXTERNALDNS.cname-shop.acme.omantel.example"},
        "spec.name: '_externaldns.cname-shop.acme.omantel.example' is an ownership (TXT registry) name",
    ),
    _case(
        "reserved-externaldns-deep",
        "DNSRecord",
        {**RECORD, "name": "x._externaldns.acme.omantel.example"},
        "spec.name: 'x._externaldns.acme.omantel.example' is an ownership (TXT registry) name",
    ),
    _case(
        "reserved-by-settings-wildcard",
        "DNSRecord",
        RECORD,
        "spec.name: '_dmarc.acme.gcp.omantel.example' is refused: acme.gcp.omantel.example is reserved by the "
        "Sovereign settings",
        settings_data=settings2(reserved=["*.acme.gcp.omantel.example"]),
    ),
    # -- conflicts inside one composite --
    _case(
        "cname-loop-other-spelling",
        "DNSRoute",
        {"hostnames": ["loop.acme.omantel.example"], "targets": {"hostname": "LOOP.acme.omantel.example."}},
        "spec.hostnames[0]: 'loop.acme.omantel.example' is a CNAME pointing at itself (a loop)",
    ),
    _case(
        "cname-duplicates-by-spelling",
        "DNSRoute",
        {
            "hostnames": ["Web.acme.omantel.example.", "web.ACME.omantel.example"],
            "targets": {"hostname": "lb.example.net"},
        },
        "spec.hostnames[1]: 'web.acme.omantel.example' repeats spec.hostnames[0] (the same name once normalised)",
    ),
    _case(
        "gslb-duplicates-by-spelling",
        "Gslb",
        {**GSLB, "hostnames": ["Shop.acme.omantel.example.", "shop.acme.omantel.example"]},
        "spec.hostnames[1]: 'shop.acme.omantel.example' repeats spec.hostnames[0] (the same name once normalised)",
    ),
    _case(
        "a-duplicates-by-spelling",
        "DNSRoute",
        {**ROUTE, "hostnames": ["Shop.acme.aws.omantel.example", "shop.acme.aws.omantel.example."]},
        "spec.hostnames[1]: 'shop.acme.aws.omantel.example' repeats spec.hostnames[0] (the same name once normalised)",
    ),
    _case(
        "cname-with-two-values",
        "DNSRecord",
        {"name": "c.acme.omantel.example", "type": "CNAME", "values": ["a.example.net.", "b.example.net."]},
        "spec.values: ['a.example.net.', 'b.example.net.'] is a CNAME; a CNAME has exactly one target",
    ),
    # -- provider limits --
    _case(
        "txt-over-cloudflare-combined-8192",
        "DNSRecord",
        {"name": "t.acme.omantel.example", "type": "TXT", "values": [c * 2048 for c in "abcd"]},
        "spec.values: '<4 values, 8296 characters>' together exceed Cloudflare's limit of 8192 characters "
        "of content for all TXT records at t.acme.omantel.example",
    ),
    _case(
        "txt-over-cloudflare-wire-4096",
        "DNSRecord",
        {"name": "t" * 63 + ".acme.omantel.example", "type": "TXT", "values": ["x" * 4000]},
        "spec.values: '<4047 characters>' makes a TXT record at " + "t" * 63 + ".acme.omantel.example of "
        "4112 bytes in DNS wire format (owner name 86, type, class, TTL and length 10, data 4016); "
        "Cloudflare's limit is 4096 bytes per record",
    ),
    _case(
        "txt-over-4000-octets-multibyte",
        "DNSRecord",
        {"name": "t.acme.aws.omantel.example", "type": "TXT", "values": ["é" * 2001]},
        "spec.values[0]: '<4002 octets>' is longer than 4000 octets",
    ),
    _case(
        "srv-port-overflow",
        "DNSRecord",
        {"name": "_sip._tcp.acme.omantel.example", "type": "SRV", "values": ["10 5 65536 sip.example.com."]},
        "spec.values[0]: '10 5 65536 sip.example.com.' has port '65536'; it must be an integer 0-65535",
    ),
    _case(
        "caa-iodef-javascript",
        "DNSRecord",
        {"name": "acme.omantel.example", "type": "CAA", "values": ['0 iodef "javascript:alert(1)"']},
        "spec.values[0]: '0 iodef \"javascript:alert(1)\"' has an iodef value that is not a mailto: or http(s): URL",
    ),
    _case(
        "wildcard-in-middle",
        "DNSRecord",
        {**RECORD, "name": "a.*.acme.omantel.example"},
        "spec.name: 'a.*.acme.omantel.example' has '*' below the leftmost label",
    ),
    _case(
        "name-over-253-octets",
        "DNSRoute",
        {**ROUTE, "hostnames": [".".join(["a" * 63] * 4) + ".acme.aws.omantel.example"]},
        ("spec.hostnames[0]: 'aaaa", "is longer than 253 octets"),
    ),
    _case(
        "ipv6-scoped-address",
        "DNSRoute",
        {**ROUTE, "targets": {"addresses": ["fe80::1%eth0"]}},
        "spec.targets.addresses[0]: 'fe80::1%eth0' is not a valid IP address",
    ),
    # -- the composite's own identity --
    _case(
        "metadata-name-injects-registry-owner",
        "DNSRecord",
        RECORD,
        "metadata.name: 'a,external-dns/owner=openova' is not a valid Kubernetes object name (DNS-1123 subdomain)",
        name="a,external-dns/owner=openova",
    ),
    Case(
        "metadata-missing", lambda: composite_with("DNSRecord", RECORD, metadata=...), "metadata.name: None is required"
    ),
    Case(
        "metadata-string",
        lambda: composite_with("DNSRecord", RECORD, metadata="x"),
        "metadata: 'x' must be an object, not a string",
    ),
    Case(
        "labels-list",
        lambda: composite_with("DNSRecord", RECORD, metadata={"name": "x", "namespace": "acme-prod", "labels": ["a"]}),
        "metadata.labels: ['a'] must be an object",
    ),
    Case(
        "apiversion-missing",
        lambda: composite_with("DNSRecord", RECORD, apiVersion=...),
        "apiVersion: None is not in the dns.openova.io API group",
    ),
    Case(
        "apiversion-lookalike-group",
        lambda: composite_with("DNSRecord", RECORD, apiVersion="dns.openova.io.evil.example/v1"),
        "apiVersion: 'dns.openova.io.evil.example/v1' is not in the dns.openova.io API group",
    ),
    Case(
        "apiversion-number",
        lambda: composite_with("DNSRecord", RECORD, apiVersion=1),
        "apiVersion: 1 is not in the dns.openova.io API group",
    ),
    Case(
        "kind-double-x",
        lambda: composite_with("DNSRecord", RECORD, kind="XXDNSRecord"),
        "kind: 'XXDNSRecord' must be Gslb, DNSRoute or DNSRecord",
    ),
    Case(
        "kind-lower-case",
        lambda: composite_with("Gslb", GSLB, kind="gslb"),
        "kind: 'gslb' must be Gslb, DNSRoute or DNSRecord",
    ),
    Case(
        "kind-list",
        lambda: composite_with("Gslb", GSLB, kind=["Gslb"]),
        "kind: ['Gslb'] must be Gslb, DNSRoute or DNSRecord",
    ),
    Case(
        "kind-mismatch-spec",
        lambda: composite_with("Gslb", RECORD, kind="Gslb"),
        "is not a known field (known: backendRef, hostnames, regions, strategy, ttl)",
    ),
    # -- malformed function input --
    _case(
        "input-unknown-field",
        "DNSRecord",
        RECORD,
        "input.enviromentConfigName: 'x' is not a known field",
        fn_input={"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input", "enviromentConfigName": "x"},
    ),
    _case(
        "input-k8gb-enabled-string",
        "Gslb",
        GSLB,
        "input.k8gb.enabled: 'true' must be true or false, not a string",
        fn_input={"k8gb": {"enabled": "true"}},
    ),
    _case("input-k8gb-list", "Gslb", GSLB, "input.k8gb: [True] must be an object, not a list",
          fn_input={"k8gb": [True]}),
    _case(
        "input-envconfig-name-number",
        "DNSRecord",
        RECORD,
        "input.environmentConfigName: 5 must be a string, not a number",
        fn_input={"environmentConfigName": 5},
    ),
    # -- bad settings documents --
    _case(
        "settings-missing-zones",
        "DNSRecord",
        RECORD,
        "EnvironmentConfig.data.zones: None is required",
        settings_data=settings2(zones=...),
    ),
    _case(
        "settings-duplicate-zone-spelling",
        "DNSRecord",
        RECORD,
        "EnvironmentConfig.data.zones[5].name: 'hz.omantel.example' is listed twice (also zones[1])",
        settings_data=settings2(zones=[*Z, {**Z[1], "name": "HZ.omantel.example."}]),
    ),
    _case(
        "settings-zone-outside-domain",
        "DNSRecord",
        RECORD,
        "EnvironmentConfig.data.zones[5].name: 'omantel.example.evil' is not the Sovereign domain omantel.example",
        settings_data=settings2(zones=[*Z, {**Z[1], "name": "omantel.example.evil"}]),
    ),
    _case(
        "settings-owner-openova",
        "Gslb",
        GSLB,
        "EnvironmentConfig.data.ownerId: 'openova' is the ExternalDNS owner id",
        settings_data=settings2(ownerId="openova"),
    ),
    _case(
        "settings-owner-injection",
        "DNSRecord",
        RECORD,
        "EnvironmentConfig.data.ownerId: 'x,external-dns/owner=openova' must be at most 63 characters",
        settings_data=settings2(ownerId="x,external-dns/owner=openova"),
    ),
    _case(
        "settings-gslb-outside-domain",
        "Gslb",
        GSLB,
        "EnvironmentConfig.data.gslb.zone: 'gslb.evil.example' must be a sub-zone of omantel.example",
        settings_data=settings2(gslb={"zone": "gslb.evil.example"}),
    ),
    _case(
        "settings-gslb-is-domain",
        "Gslb",
        GSLB,
        "EnvironmentConfig.data.gslb.zone: 'omantel.example' must be a sub-zone of omantel.example",
        settings_data=settings2(gslb={"zone": "omantel.example"}),
    ),
    _case(
        "settings-bad-geotag",
        "Gslb",
        GSLB,
        "EnvironmentConfig.data.regions[0].geotag: 'FSN-1' must be 1-32 lower-case",
        settings_data=settings2(regions=[{"geotag": "FSN-1"}]),
    ),
    _case(
        "settings-data-string",
        "DNSRecord",
        RECORD,
        "EnvironmentConfig.data: 'domain: x' must be an object, not a string",
        settings_data="domain: x",
    ),
    _case(
        "settings-confusable-suffix",
        "DNSRecord",
        RECORD,
        "EnvironmentConfig.data.tenants[0].suffixes[0]: 'аcme.omantel.example' mixes scripts",
        settings_data=settings2(tenants=[{"namespaces": ["acme-prod"], "suffixes": ["аcme.omantel.example"]}]),
    ),
]

FIXED_CASES = [c for c in CASES if c.bug is None]
WIRE_CASES = [c for c in FIXED_CASES if c.wire]
