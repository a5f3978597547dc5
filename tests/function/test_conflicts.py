"""function.conflicts: the probes a composition asks and the marks its MRs carry, on the wire."""

from __future__ import annotations

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function import conflicts
from function.conflicts import ANNOTATION_OWNER, LABEL_NAME, LABEL_TYPE, REQUIREMENT_PREFIX
from function.fn import run
from function.requirements import Channel
from tests.function.engine import crds_answered
from tests.function.requests import fatal, request, xr
from tests.function.test_memo import GSLB as GSLB_SPEC


def _response() -> fnv1.RunFunctionResponse:
    rsp = run(crds_answered(request(xr("Gslb", GSLB_SPEC))), memo=None)
    assert fatal(rsp) is None
    return rsp


def test_every_mr_carries_the_marks_its_probes_select_and_decide_by() -> None:
    rsp = _response()
    probed = {s.match_labels.labels[LABEL_NAME] for k, s in rsp.requirements.resources.items()
              if k.startswith(REQUIREMENT_PREFIX)}
    records = [r.resource for r in rsp.desired.resources.values() if r.resource["kind"] != "Object"]
    assert records
    for resource in records:
        metadata = resource["metadata"]
        assert metadata["labels"][LABEL_NAME] in probed
        assert metadata["labels"][LABEL_TYPE] == resource["spec"]["forProvider"]["type"].lower()
        assert metadata["annotations"][ANNOTATION_OWNER] == "gslb/acme-prod/example"


def test_probe_requirements_are_protobufs_deterministic_bytes_in_either_channel() -> None:
    from function.compose import Composition
    from function.memo import Memo

    memo = Memo()
    run(request(xr("Gslb", GSLB_SPEC)), memo=memo)
    (composition,) = [outcome for outcome, _ in memo._items.values()]  # the one composition memoised
    assert isinstance(composition, Composition)
    for channel in Channel:
        data = composition.probes.requirements(channel, frozenset())
        parsed = fnv1.RunFunctionResponse()
        parsed.ParseFromString(data)
        assert data == parsed.SerializeToString(deterministic=True)
        selectors = channel.selectors(parsed)
        assert len(selectors) == len([p for p in _probes(composition) if p.composed])
        assert all(k.startswith(REQUIREMENT_PREFIX) for k in selectors)
    # Kinds we do not compose are asked about only once their CRD is served.
    others = composition.probes.other_kinds()
    served = composition.probes.requirements(Channel.REQUIRED, frozenset(others))
    parsed = fnv1.RunFunctionResponse()
    parsed.ParseFromString(served)
    assert len(parsed.requirements.resources) == len(_probes(composition))


def _probes(composition: object) -> list[conflicts.Probe]:
    probes = composition.probes  # type: ignore[attr-defined]
    every = list(probes)
    assert len(every) == len(probes)
    found = [probes.get(p.requirement) for p in every]
    assert found == every  # each found again by its requirement name, as Crossplane's answers name it
    return [p for p in found if p is not None]


def test_a_name_with_two_record_sets_is_probed_once_per_kind_with_both_types() -> None:
    """A and AAAA at one Azure name: two record sets of two kinds, gathered as one name.

    Azure writes each type with its own kind, so the name's probes ask about both kinds
    (and Azure's CNAME kind, whose record clashes with anything there); a rival found there
    is judged against both types, and a loss parks both MRs.
    """
    from function.compose import Composition
    from function.memo import Memo

    route = {"hostnames": ["api.acme.az.omantel.example"],
             "targets": {"addresses": ["203.0.113.10", "2001:db8::10"]}}
    memo = Memo()
    rsp = run(crds_answered(request(xr("DNSRoute", route))), memo=memo)
    assert fatal(rsp) is None
    (composition,) = [outcome for outcome, _ in memo._items.values()]
    assert isinstance(composition, Composition)
    at_name = [p for p in _probes(composition) if p.fqdn == "api.acme.az.omantel.example"]
    assert {p.kind.kind for p in at_name} >= {"DNSARecord", "DNSAAAARecord", "DNSCNAMERecord"}
    assert all(p.types == frozenset({"a", "aaaa"}) for p in at_name)
    mrs = {name for name, r in rsp.desired.resources.items() if r.resource["kind"] in ("DNSARecord", "DNSAAAARecord")}
    assert len(mrs) == 2 and all(set(p.resource_names) == mrs for p in at_name)
    assert len({p.name_id for p in at_name}) == 1
