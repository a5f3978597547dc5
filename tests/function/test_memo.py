import gc

from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import respond, run
from function.memo import Memo
from tests.function.engine import all_answered, crds_answered
from tests.function.requests import desired, fatal, memo_key, request, xr

GSLB = {"hostnames": ["a.acme.omantel.example", "b.acme.hz.omantel.example"], "regions": ["fsn", "hel"],
        "strategy": {"type": "roundRobin", "weights": {"fsn": 70, "hel": 30}},
        "backendRef": {"kind": "Service", "name": "shop"}}


def test_memoised_response_is_the_computed_response() -> None:
    memo = Memo()
    req = request(xr("Gslb", GSLB), fn_input={"k8gb": {"enabled": True}})
    cold = respond(req, memo=None)
    first = respond(req, memo=memo)  # from the composition's parts
    assert len(memo) == 1
    again = respond(req, memo=memo)  # from its ``pending``, joined now
    assert cold == first == again  # the same bytes, not only the same message


def test_status_and_resource_version_do_not_defeat_the_memo() -> None:
    memo = Memo()
    composite = xr("Gslb", GSLB)
    run(request(composite), memo=memo)
    composite["metadata"]["resourceVersion"] = "42"
    composite["status"] = {"fqdns": ["x"]}
    run(request(composite), memo=memo)
    assert len(memo) == 1


def test_a_changed_spec_or_settings_is_a_new_entry() -> None:
    memo = Memo()
    run(request(xr("Gslb", GSLB)), memo=memo)
    run(request(xr("Gslb", {**GSLB, "ttl": 120})), memo=memo)
    assert len(memo) == 2


def test_every_part_a_composition_depends_on_moves_the_key() -> None:
    """The key's parts: apiVersion, kind, spec, the identity metadata, the step input, the settings;
    a metadata that is not an object is its own part (refused otherwise than an empty one), and an
    empty spec, one that is not an object and none are three refusals, three keys."""
    base = xr("Gslb", GSLB)
    variants = {
        "base": base,
        "apiVersion": {**base, "apiVersion": "dns.openova.io/v1alpha2"},
        "kind": {**base, "kind": "DNSRoute"},
        "spec": {**base, "spec": {**GSLB, "ttl": 90}},
        "spec-empty": {**base, "spec": {}},
        "spec-string": {**base, "spec": "x"},
        "spec-absent": {k: v for k, v in base.items() if k != "spec"},
        "name": {**base, "metadata": {**base["metadata"], "name": "other"}},
        "namespace": {**base, "metadata": {**base["metadata"], "namespace": "other"}},
        "labels": {**base, "metadata": {**base["metadata"], "labels": {"a": "b"}}},
        "metadata-empty": {**base, "metadata": {}},
        "metadata-string": {**base, "metadata": ""},
    }
    keys = {name: memo_key(request(doc)) for name, doc in variants.items()}
    keys["input"] = memo_key(request(base), b"\x0a\x01x", b"")
    keys["settings"] = memo_key(request(base), b"", b"\x0a\x01x")
    keys["input-not-settings"] = memo_key(request(base), b"\x0a\x01", b"x")
    assert len(set(keys.values())) == len(keys), keys
    assert memo_key(request(base), b"", b"") == keys["base"]
    # No metadata reads as an empty one (``read_composite``): the same composition, the same key.
    assert memo_key(request({k: v for k, v in base.items() if k != "metadata"}), b"", b"") == keys["metadata-empty"]


def test_a_spec_key_cannot_pose_as_the_end_of_another_part() -> None:
    """Spec keys are the user's and name the key's parts: one holding the bytes that would end the
    part before it and start the next (its length, its value, the next name) must not make another
    claim's key, which would replay that claim's composition for a claim that is refused."""
    good = request(xr("Gslb", GSLB))
    hostnames = good.observed.composite.resource.fields["spec"].struct_value.fields["hostnames"]
    encoded = hostnames.SerializeToString(deterministic=True)
    for forged in (f"hostnames\x00{len(encoded)}\x00" + encoded.decode() + "spec.regions",
                   "hostnames" + "\x00" * 3):
        spec = {"backendRef": GSLB["backendRef"], forged: GSLB["regions"], "strategy": GSLB["strategy"]}
        assert memo_key(request(xr("Gslb", spec))) != memo_key(good)
        memo = Memo()
        assert fatal(run(crds_answered(good), memo=memo)) is None
        refused = fatal(run(crds_answered(request(xr("Gslb", spec))), memo=memo))
        assert refused is not None and "is not a known field" in refused


V2_CROSSPLANE = {"compositionRef": {"name": "gslb"}, "compositionRevisionRef": {"name": "gslb-5f1c2a3"},
                 "compositionUpdatePolicy": "Automatic"}


def resource_refs(rsp: fnv1.RunFunctionResponse) -> list[dict[str, str]]:
    """What Crossplane lists in a composite's spec once it has applied ``rsp``'s composed resources."""
    return [{"apiVersion": r.resource["apiVersion"], "kind": r.resource["kind"], "name": name}
            for name, r in sorted(rsp.desired.resources.items())]


def test_what_crossplane_writes_into_the_spec_decides_nothing() -> None:
    """Crossplane lists a composite's composed resources in its spec after the first composition
    (v2: ``spec.crossplane.resourceRefs``; 1.x and legacy composites: ``spec.resourceRefs`` beside
    ``claimRef`` and the composition's refs). Keyed by them, every claim was composed twice and a
    1,000-hostname claim's 2,002 refs were hashed on every call: the next call is a memo hit."""
    for kind, where in (("Gslb", "crossplane"), ("XGslb", None)):  # where: under spec.crossplane, or beside
        memo = Memo()
        composite = xr(kind, GSLB) if where else xr(kind, GSLB, namespace=None, labels={
            "crossplane.io/claim-name": "example", "crossplane.io/claim-namespace": "acme-prod"})
        legacy = where is None
        first = run(crds_answered(request(composite, legacy=legacy)), memo=memo)
        assert fatal(first) is None and len(first.desired.resources) == 4
        written = {**V2_CROSSPLANE, "resourceRefs": resource_refs(first)}
        if where is None:
            composite["spec"].update(written, claimRef={"apiVersion": "dns.openova.io/v1alpha1", "kind": "Gslb",
                                                        "name": "example", "namespace": "acme-prod"})
        else:
            composite["spec"][where] = written
        again = run(crds_answered(request(composite, legacy=legacy)), memo=memo)
        assert len(memo) == 1, kind  # the memo answered
        assert again == first
        assert run(crds_answered(request(composite, legacy=legacy)), memo=None) == first  # composing agrees


def test_refusals_are_memoised_with_the_same_message() -> None:
    memo = Memo()
    bad = request(xr("Gslb", {**GSLB, "regions": ["fsn", "hel", "ams"]}))
    first = fatal(run(bad, memo=memo))
    second = fatal(run(bad, memo=memo))
    assert first == second and first is not None and first.startswith("spec.regions[2]: 'ams' is not a region")


def test_memo_is_bounded_by_bytes() -> None:
    memo = Memo(max_bytes=200_000)
    for ttl in range(60, 120):
        run(request(xr("Gslb", {**GSLB, "ttl": ttl})), memo=memo)
    assert memo.size <= 200_000
    assert 0 < len(memo) < 60


def _parse(data: bytes) -> fnv1.RunFunctionResponse:
    rsp = fnv1.RunFunctionResponse()
    rsp.ParseFromString(data)
    return rsp


def test_readiness_is_flipped_per_resource_in_the_pre_encoded_desired_state() -> None:
    memo = Memo()
    pending = _parse(respond(request(xr("Gslb", GSLB)), memo=memo))
    names = sorted(pending.desired.resources)
    assert names and all(r.ready == fnv1.READY_FALSE for r in pending.desired.resources.values())

    def observed(ready: list[str]) -> dict[str, dict[str, object]]:
        return {n: {"status": {"conditions": [{"type": "Ready", "status": "True"}]}} for n in ready}

    ready = _parse(respond(all_answered(request(xr("Gslb", GSLB), observed=observed(names))), memo=memo))
    assert all(r.ready == fnv1.READY_TRUE for r in ready.desired.resources.values())
    assert [k for k in ready.requirements.resources if k.startswith("owner-of-")]
    mixed = _parse(respond(all_answered(request(xr("Gslb", GSLB), observed=observed(names[:1]))), memo=memo))
    assert {n for n, r in mixed.desired.resources.items() if r.ready == fnv1.READY_TRUE} == {names[0]}
    # Readiness aside, the three are the same resources, and the same as without the memo.
    assert desired(ready) == desired(pending) == desired(mixed)
    assert desired(run(request(xr("Gslb", GSLB)), memo=None)) == desired(pending)


def test_a_memoised_composition_gives_the_collector_nothing_per_name() -> None:
    # The memo keeps large compositions alive for every later call; whatever they hold that the
    # collector tracks, each full collection walks. Held as objects per name (a record set's
    # probes), 200 names were ~2,000 tracked objects; held as tuples of strings, a few dozen in all.
    def names(prefix: str) -> list[str]:
        return [f"{prefix}{i:03d}.acme.omantel.example" for i in range(200)]

    run(request(xr("Gslb", {**GSLB, "hostnames": names("warm")})), memo=None)  # the process's caches of this shape
    memo = Memo()
    gc.collect()
    before = len(gc.get_objects())
    run(request(xr("Gslb", {**GSLB, "hostnames": names("app")})), memo=memo)
    # The collector stops tracking a tuple once everything in it is untracked; a tuple of tuples
    # needs its items' pass first, and one pass meets them in the order they were made (compiled
    # code makes the outer one first), so two passes, as any long-running server has made.
    gc.collect()
    gc.collect()
    added = len(gc.get_objects()) - before
    assert len(memo) == 1
    assert added < 100, f"one memoised 200-name composition left {added} objects for the collector to walk"
