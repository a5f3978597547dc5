"""The hostile-input corpus against the request handler: each case is one precise Fatal, nothing composed."""

from __future__ import annotations

import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.function.requests import desired
from tests.hostile.corpus import CASES, Case, req, valid

MAX_MESSAGE = 4096  # a Fatal message lands in events and conditions: hostile input must not blow it up


def check_refused(rsp: fnv1.RunFunctionResponse, case: Case) -> str:
    """Exactly one Fatal with the expected field and rule, no other result, nothing composed or half-written."""
    fatals = [r for r in rsp.results if r.severity == fnv1.SEVERITY_FATAL]
    assert len(fatals) == 1, [r.message[:200] for r in rsp.results]
    assert len(rsp.results) == 1, [r.message[:200] for r in rsp.results]
    message = fatals[0].message
    assert "internal error" not in message, message[:300]
    for part in (case.expect,) if isinstance(case.expect, str) else case.expect:
        assert part in message, f"{part!r} not in {message[:400]!r}"
    assert not rsp.desired.resources, sorted(rsp.desired.resources)[:5]
    assert "status" not in rsp.desired.composite.resource.fields, "a refused claim must not get a status written"
    assert len(message) <= MAX_MESSAGE, f"Fatal message of {len(message)} characters"
    return message


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.id, marks=marks)


def test_corpus_is_big_enough_and_ids_are_unique() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_request_is_one_precise_fatal(case: Case) -> None:
    check_refused(run(case.build()), case)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_request_never_poisons_the_next_one(case: Case) -> None:
    """Caches (parsed settings, normalised names) must not carry a refusal or a half state into a valid call."""
    run(case.build())
    for kind in ("Gslb", "DNSRoute", "DNSRecord"):
        rsp = run(valid(kind))
        assert not rsp.results, [r.message for r in rsp.results]
        assert rsp.desired.resources


# --- positive controls: the corpus refuses for the stated reason, not because the fixtures are broken ---


@pytest.mark.parametrize("kind", ["Gslb", "DNSRoute", "DNSRecord"])
def test_valid_request_of_each_kind_composes(kind: str) -> None:
    rsp = run(valid(kind))
    assert not rsp.results
    assert desired(rsp)


@pytest.mark.parametrize(
    ("name", "kind", "spec", "namespace", "labels"),
    [
        (
            "beta names by beta-prod",
            "DNSRecord",
            {"name": "_dmarc.beta.omantel.example", "type": "TXT", "values": ["x"]},
            "beta-prod",
            None,
        ),
        (
            "beta IDN suffix in U-label form",
            "DNSRecord",
            {"name": "shop.bücher.omantel.example", "type": "TXT", "values": ["x"]},
            "beta-prod",
            None,
        ),
        (
            "beta IDN suffix in upper-case A-label form",
            "DNSRoute",
            {"hostnames": ["shop.XN--BCHER-KVA.omantel.example."], "targets": {"addresses": ["203.0.113.9"]}},
            "beta-prod",
            None,
        ),
        (
            "legacy claim of beta-prod",
            "XDNSRecord",
            {"name": "_dmarc.beta.omantel.example", "type": "TXT", "values": ["x"]},
            None,
            {"crossplane.io/claim-namespace": "beta-prod", "crossplane.io/claim-name": "dmarc"},
        ),
        (
            "Cloudflare TXT over the 2048 characters Cloudflare no longer limits",
            "DNSRecord",
            {"name": "t.acme.omantel.example", "type": "TXT", "values": ["x" * 2049, "y" * 3000]},
            "acme-prod",
            None,
        ),
        (
            "1000 hostnames",
            "DNSRoute",
            {
                "hostnames": [f"h{i}.acme.aws.omantel.example" for i in range(1000)],
                "targets": {"hostname": "lb.example.net"},
            },
            "acme-prod",
            None,
        ),
        (
            "100 values",
            "DNSRecord",
            {"name": "x.acme.aws.omantel.example", "type": "A", "values": [f"10.0.0.{i}" for i in range(100)]},
            "acme-prod",
            None,
        ),
    ],
)
def test_limits_and_tenancy_admit_what_they_should(
    name: str, kind: str, spec: dict[str, object], namespace: str | None, labels: dict[str, str] | None
) -> None:
    rsp = run(req(kind, spec, namespace=namespace, labels=labels))
    assert not rsp.results, (name, [r.message[:300] for r in rsp.results])
    assert rsp.desired.resources
