"""ExternalDNS, by its own code, leaves our records alone and reads them as ours (issue 11).

The records every example renders (through the real Crossplane CLI and the running function)
are exported to a provider-neutral form and fed to tools/externaldns, a Go test against
ExternalDNS's TXT registry, in-memory provider and planner at the version pinned in its
go.mod, configured with the seed deployment's flags (``--txt-owner-id=openova
--txt-prefix=_externaldns.``). The corrupted-record cases below show that the same run fails
when our ownership format breaks, so its passing means something.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from catalyst_dns.registry import Owner, registry_name, registry_text

from .conftest import ROOT, Sets, export_records, run_externaldns

EXTERNALDNS_TYPES = {"A", "AAAA", "CNAME", "TXT", "SRV", "NS", "PTR", "MX", "NAPTR", "DNAME"}
SEED_MANAGED = {"A", "AAAA", "CNAME"}  # ExternalDNS's default --managed-record-types
PROVIDERS = {"cloudflare", "route53", "clouddns", "azuredns", "hetzner"}


def document(sets: Sets, settings: export_records.Settings) -> dict[str, Any]:
    return export_records.document(sets, settings)


def data_records(sets: Sets) -> list[export_records.Record]:
    return [r for _, records in sets for r in records if not r.is_registry]


def test_every_example_exports_records_and_ownership(sets: Sets) -> None:
    """Every example yields record sets and ownership records, for all five providers and both
    scopes: the ExternalDNS run below covers what the function renders, not a subset."""
    assert len(sets) > 0
    empty = [set_id for set_id, records in sets if not any(not r.is_registry for r in records)]
    unowned = [set_id for set_id, records in sets if not any(r.is_registry for r in records)]
    assert not empty, f"examples with no DNS record sets: {empty}"
    assert not unowned, f"examples with no ownership record: {unowned}"
    assert {set_id.split("/")[1] for set_id, _ in sets} == PROVIDERS
    assert {set_id.split("/")[0] for set_id, _ in sets} == {"namespaced", "cluster"}


def test_externaldns_leaves_our_records_alone(
    externaldns: Path, sets: Sets, settings: export_records.Settings, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The whole claim, over every example: ExternalDNS reads each record set as owned by us,
    plans no create/update/delete of any of them under sync, upsert-only and create-only, and,
    as the control, takes every one it manages once only the owner id says openova."""
    outcome = run_externaldns(externaldns, document(sets, settings), tmp_path)
    assert outcome.passed, outcome.output[-6000:]
    report = outcome.report
    data = data_records(sets)
    types = Counter(r.type for r in data)
    with capsys.disabled():
        print(f"\nExternalDNS {report['externalDnsVersion']} ({' '.join(report['flags'])}): "
              f"{report['examples']} examples, {report['records']} record sets, "
              f"{report['registryRecords']} ownership records; {report['attributed']} read as owner "
              f"{settings.owner_id!r}, unattributable {report['unattributable']}; {report['plans']} plans, "
              f"{report['changesOnOurs']} changes to our records; control (owner openova) taken "
              f"{report['controlTakeovers']}; creates beside ours {sum(report['createsBeside'].values())}")

    assert report["externalDnsVersion"] == pinned_version()
    assert report["records"] == len(data) > 0
    assert report["registryRecords"] == sum(1 for _, rs in sets for r in rs if r.is_registry)
    # Attributed: every record set of a type ExternalDNS has; the rest (CAA) has no owner at all.
    assert report["attributed"] == sum(n for t, n in types.items() if t in EXTERNALDNS_TYPES)
    assert report["unattributable"] == {t: n for t, n in types.items() if t not in EXTERNALDNS_TYPES}
    assert report["changesOnOurs"] == 0
    assert report["plans"] > 0
    # Control: with owner openova ExternalDNS updates (and under sync deletes) each one it manages.
    seed_managed = sum(n for t, n in types.items() if t in SEED_MANAGED)
    all_managed = sum(n for t, n in types.items() if t in EXTERNALDNS_TYPES)
    assert seed_managed > 0
    for policy_desire in ("sync/conflicting", "sync/absent", "upsert-only/conflicting"):
        assert report["controlTakeovers"][f"seed/{policy_desire}"] == seed_managed
        assert report["controlTakeovers"][f"seed+all-types/{policy_desire}"] == all_managed
    # Both registry formats: old-format ownership covers every type but AAAA.
    old = report["oldFormat"]
    assert old["ours-old-only/aaaa-unowned"] == types["AAAA"]
    assert old["ours-old-only/attributed"] == all_managed - types["AAAA"]
    assert old["ours-new-plus-openova-old/attributed"] == all_managed
    assert old["control-openova-old/taken"] == all_managed - types["AAAA"]


def pinned_version() -> str:
    for line in (ROOT / "tools" / "externaldns" / "go.mod").read_text().splitlines():
        parts = line.split()
        if "sigs.k8s.io/external-dns" in parts:
            return parts[parts.index("sigs.k8s.io/external-dns") + 1]
    raise AssertionError("no sigs.k8s.io/external-dns in tools/externaldns/go.mod")


# --- the run can fail: corrupted ownership records ----------------------------------------------

EXAMPLE = "namespaced/cloudflare/dnsrecord-a"


def one_set(sets: Sets, set_id: str) -> list[export_records.Record]:
    found = dict(sets).get(set_id)
    assert found, f"example {set_id} not rendered"
    return copy.deepcopy(found)


def corrupt(records: list[export_records.Record], owner_id: str, how: str) -> tuple[str, str]:
    """Corrupt the ownership record of the first A record set; returns (record name, type)."""
    target = next(r for r in records if r.type == "A")
    mine = registry_name(target.name, "A")
    reg = next(r for r in records if r.is_registry and r.name == mine)
    if how == "owner-openova":
        reg.values = [v.replace(f"external-dns/owner={owner_id}", "external-dns/owner=openova") for v in reg.values]
    elif how == "heritage":
        reg.values = [v.replace("heritage=external-dns", "heritage=catalyst-dns") for v in reg.values]
    elif how == "type-in-name":
        reg.name = reg.name.replace("_externaldns.a-", "_externaldns.cname-", 1)
    elif how == "missing":
        records.remove(reg)
    else:
        raise AssertionError(how)
    return target.name, target.type


@pytest.mark.parametrize(("how", "failing", "expected"), [
    # ExternalDNS now owns our record: it plans to rewrite and (sync) delete it.
    ("owner-openova", "TestNoUpdateNoDelete", "ExternalDNS plans update {name} A"),
    # Not a registry record for ExternalDNS any more: the record has no owner.
    ("heritage", "TestRegistryRecordsParse", "does not read _externaldns.a-{name} as a registry record"),
    # Ownership written for the wrong type: ExternalDNS's name for ours is not there.
    ("type-in-name", "TestRegistryRecordsParse", "ExternalDNS names its ownership record _externaldns.a-{name}"),
    ("missing", "TestAttributedToOurOwner", "{name} A: ExternalDNS reads no owner"),
])
def test_corrupted_ownership_record_fails_the_run(
    externaldns: Path, sets: Sets, settings: export_records.Settings, tmp_path: Path,
    how: str, failing: str, expected: str,
) -> None:
    """One example, once as rendered (passes) and once with its ownership record corrupted
    (must fail, naming the record); with owner openova ExternalDNS takes the record over."""
    clean = run_externaldns(externaldns, document([(EXAMPLE, one_set(sets, EXAMPLE))], settings),
                            tmp_path / "clean")
    assert clean.passed, clean.output[-4000:]
    assert clean.report["changesOnOurs"] == 0

    records = one_set(sets, EXAMPLE)
    name, _ = corrupt(records, settings.owner_id, how)
    broken = run_externaldns(externaldns, document([(EXAMPLE, records)], settings), tmp_path / how)
    assert not broken.passed, f"corruption {how!r} went unnoticed:\n{broken.output[-4000:]}"
    assert broken.result(failing) == "FAIL", broken.output[-4000:]
    assert expected.format(name=name) in broken.output, broken.output[-4000:]
    if how == "owner-openova":
        assert broken.report["changesOnOurs"] > 0
        assert broken.result("TestAttributedToOurOwner") == "FAIL"
    else:
        # Without a readable owner ExternalDNS does not take the record either (it never
        # updates or deletes a record with no owner): what fails is attribution, not safety.
        assert broken.result("TestNoUpdateNoDelete") == "PASS", broken.output[-4000:]
        assert broken.report["changesOnOurs"] == 0


# --- wildcards -----------------------------------------------------------------------------------


def wildcard_set(settings: export_records.Settings) -> list[export_records.Record]:
    """A wildcard A record set and its ownership record, as catalyst_dns.registry writes it."""
    name = "*.wild.acme.omantel.example"
    resource = "dnsrecord/acme-prod/wild"
    owner = Owner(settings.owner_id, resource)
    return [
        export_records.Record(name, "A", 300, ["203.0.113.99"], resource, "synthetic"),
        export_records.Record(registry_name(name, "A"), "TXT", 300, [registry_text(owner)], "", "synthetic"),
    ]


def test_wildcard_ownership_needs_txt_wildcard_replacement(
    externaldns: Path, settings: export_records.Settings, tmp_path: Path,
) -> None:
    """Finding: we name a wildcard's ownership record ``_externaldns.a-wildcard.<rest>``;
    ExternalDNS maps ``*`` to ``wildcard`` only with ``--txt-wildcard-replacement=wildcard``.
    With the seed's flags alone it looks for ``_externaldns.a-*.<rest>``, finds no owner, and
    (having none) still leaves the record alone. With the flag it reads it as ours."""
    doc = document([("synthetic/wildcard", wildcard_set(settings))], settings)
    seed = run_externaldns(externaldns, doc, tmp_path / "seed")
    assert seed.result("TestAttributedToOurOwner") == "FAIL", seed.output[-4000:]
    assert "*.wild.acme.omantel.example A: ExternalDNS reads no owner" in seed.output
    assert seed.result("TestNoUpdateNoDelete") == "PASS", seed.output[-4000:]
    assert seed.report["changesOnOurs"] == 0

    replaced = run_externaldns(externaldns, doc, tmp_path / "replacement",
                               ["--txt-wildcard-replacement=wildcard"])
    assert replaced.passed, replaced.output[-4000:]
    assert replaced.report["attributed"] == 1


def test_exporter_reads_provider_forms(settings: export_records.Settings) -> None:
    """The exporter's reading of each provider's quirks (DESIGN.md §6), on hand-written MRs:
    TXT quoting and chunking, relative names and apexes, trailing dots, MX/SRV/CAA fields."""
    chunked = '"' + "a" * 255 + '" "bc"'
    docs: list[dict[str, Any]] = [
        {"apiVersion": "dns.hetzner.m.crossplane.io/v1alpha1", "kind": "ZoneRRSet", "metadata": {"name": "h"},
         "spec": {"forProvider": {"name": "@", "zone": "4711", "type": "TXT", "ttl": 60,
                                  "records": [{"value": chunked}]}}},
        {"apiVersion": "route53.aws.upbound.io/v1beta2", "kind": "Record", "metadata": {"name": "r"},
         "spec": {"forProvider": {"name": "t.aws.omantel.example", "type": "TXT", "ttl": 60, "zoneId": "Z",
                                  "records": ["a" * 255 + '""bc', 'q\\"\\\\\\303\\251']}}},
        {"apiVersion": "dns.gcp.upbound.io/v1beta2", "kind": "RecordSet", "metadata": {"name": "g"},
         "spec": {"forProvider": {"name": "x.gcp.omantel.example.", "type": "SRV", "ttl": 60,
                                  "rrdatas": ["10 60 5060 sip.gcp.omantel.example."]}}},
        {"apiVersion": "network.azure.upbound.io/v1beta1", "kind": "DNSMXRecord",
         "metadata": {"name": "z", "annotations": {"crossplane.io/external-name": "@"}},
         "spec": {"forProvider": {"zoneName": "az.omantel.example", "ttl": 60,
                                  "record": [{"exchange": "mx.example", "preference": "10"}]}}},
        {"apiVersion": "dns.cloudflare.m.cloudflare.com/v1alpha1", "kind": "DNSRecord", "metadata": {"name": "c1"},
         "spec": {"forProvider": {"name": "caa.omantel.example", "type": "CAA", "ttl": 60, "zoneId": "z",
                                  "data": {"flags": 0, "tag": "issue", "value": "letsencrypt.org"}}}},
        {"apiVersion": "dns.cloudflare.m.cloudflare.com/v1alpha1", "kind": "DNSRecord", "metadata": {"name": "c2"},
         "spec": {"forProvider": {"name": "caa.omantel.example", "type": "CAA", "ttl": 60, "zoneId": "z",
                                  "data": {"flags": 0, "tag": "iodef", "value": "mailto:x@example"}}}},
        {"apiVersion": "kubernetes.m.crossplane.io/v1alpha1", "kind": "Object", "metadata": {"name": "o"},
         "spec": {"forProvider": {"manifest": {}}}},
    ]
    got = {(r.name, r.type): (r.ttl, r.values) for r in export_records.export(docs, settings)}
    assert got == {
        ("hz.omantel.example", "TXT"): (60, ["a" * 255 + "bc"]),
        ("t.aws.omantel.example", "TXT"): (60, ["a" * 255 + "bc", 'q"\\é']),
        ("x.gcp.omantel.example", "SRV"): (60, ["10 60 5060 sip.gcp.omantel.example"]),
        ("az.omantel.example", "MX"): (60, ["10 mx.example"]),
        ("caa.omantel.example", "CAA"): (60, ['0 iodef "mailto:x@example"', '0 issue "letsencrypt.org"']),
    }
    clash = copy.deepcopy(docs[2])
    with pytest.raises(export_records.ExportError, match="also written by"):
        export_records.export([docs[2], clash], settings)
    unknown = copy.deepcopy(docs[1])
    unknown["spec"]["forProvider"]["alias"] = {"name": "lb.example"}
    with pytest.raises(export_records.ExportError, match="alias"):
        export_records.export([unknown], settings)



def test_exported_values_agree_across_providers(sets: Sets) -> None:
    """The same example renders the same record values at every provider and in both scopes,
    once each provider's form is read back (TXT quoting, chunking and escapes, MX/CAA fields):
    the exporter reads each form as the provider means it, and the function writes each form
    so that it means the same thing. (SRV and NS values name hosts in the provider's own zone;
    the Gslb examples use other hostnames per provider: those compare across scopes only.)"""
    comparable = {"A", "AAAA", "MX", "CAA", "TXT", "CNAME"}
    groups: dict[str, dict[str, frozenset[tuple[str, tuple[str, ...]]]]] = {}
    for set_id, records in sets:
        _scope, provider, name = set_id.split("/")
        values = frozenset((r.type, tuple(r.values)) for r in records if not r.is_registry and r.type in comparable)
        group = f"{provider}/{name}" if name.startswith("gslb") else name
        groups.setdefault(group, {})[set_id] = values
    compared = [g for g, members in groups.items() if len(members) > 1]
    for group in compared:
        members = groups[group]
        assert len(set(members.values())) == 1, f"{group}: values differ: {members}"
    assert len(compared) >= 10
