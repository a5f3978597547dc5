"""The cross-composite conflict check: one name, one owner, even when composites race or sit in other namespaces.

This module owns the whole check: what each composite asks (``probes``), the labels and
annotation it reads on the MRs it finds, the first-writer rule and its outcomes (refuse,
park, report).

Deterministic MR names make two composites in one scope collide on one object, but on
Crossplane v2 two namespaced composites in different namespaces compose *different*
objects that write the same provider record set, and two composites created at the same
moment both find nothing when they first look. So the check is never switched off: on
every reconcile the function asks Crossplane (required resources, matched across all
namespaces by the name label every MR carries) which MRs write at each of its names, and
decides with a rule every contender computes the same way:

* **the first writer keeps the name**: the owner whose MR at the name was created first
  (the API server's ``creationTimestamp``; ties go to the smaller owner reference);
* a composite that has **not yet written** at a contested name is refused with a Fatal
  result (nothing is applied);
* a composite that **already wrote** there (it lost a race) is not refused — a Fatal would
  leave its MRs writing — but *parked*: its MRs at that name stop writing
  (``managementPolicies: [Observe]``, which also keeps the shared record set from being
  deleted with them), or, on Cloudflare, where each MR holds its own record by id, are
  removed (deleting only the records that MR created). The ``DNSOwnership`` condition and
  a Warning say so; once the first owner lets go, the next reconcile resumes writing.

Crossplane fails the whole reconcile when a required resource's kind is not served
("no matches for kind"), so the function only asks about kinds it composes itself (they
must be served, or its own MRs could not exist) and about other kinds (the other scope's
kind, Azure's CNAME kind) only after Crossplane has shown it their CRD.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass

from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from google.protobuf import struct_pb2

from catalyst_dns import kubenames
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers import Provider, Scope
from catalyst_dns.providers.base import RecordSetIds
from catalyst_dns.records import RecordSet, RecordType
from catalyst_dns.registry import guarded_key, is_registry_name
from function import request, wire
from function.requirements import Channel

# What every MR we compose carries for this check: the probes select by the name label,
# the decision reads the type label and the owner annotation.
LABEL_RECORD_SET = "dns.openova.io/record-set"
LABEL_NAME = "dns.openova.io/name"
LABEL_TYPE = "dns.openova.io/type"
ANNOTATION_FQDN = "dns.openova.io/fqdn"
ANNOTATION_OWNER = "dns.openova.io/owner"
REQUIREMENT_PREFIX = "owner-of-"
CRD_PREFIX = "crd-"
CRD_API_VERSION = "apiextensions.k8s.io/v1"
CONDITION = "DNSOwnership"
OBSERVE_ONLY = ("Observe",)


# The marks every MR we compose carries, in the order ``mark_values`` gives their values.
MARK_LABELS = (LABEL_RECORD_SET, LABEL_NAME, LABEL_TYPE)
MARK_ANNOTATIONS = (ANNOTATION_FQDN, ANNOTATION_OWNER)
TYPE_MARK = MARK_LABELS.index(LABEL_TYPE)  # where the lower-case record type sits among them


def mark_values(record_set: RecordSet, owner: str, ids: RecordSetIds) -> tuple[str, ...]:
    """The values of ``MARK_LABELS`` then ``MARK_ANNOTATIONS`` for the MRs writing ``record_set``.

    Probes select by ``LABEL_NAME`` (the hash of the zone and name, ``ids.name``) in every
    namespace; a writer found is told apart by its ``ANNOTATION_OWNER`` and ``LABEL_TYPE``;
    the record-set label and the FQDN annotation tell a reader (and the cluster tests) what
    the MR writes.
    """
    return (ids.record_set, ids.name, record_set.type.lower(), record_set.name, owner)  # a StrEnum's value, lowered


@dataclass(frozen=True, slots=True)
class Kind:
    """A managed-resource kind the function may ask about."""

    api_version: str
    kind: str

    @property
    def crd_name(self) -> str:
        """The CRD's name, ``<plural>.<group>``; every provider CRD we target uses the default plural."""
        group = self.api_version.partition("/")[0]
        return f"{self.kind.lower()}s.{group}"

    @property
    def version(self) -> str:
        """The API version part of ``api_version``."""
        return self.api_version.partition("/")[2]

    @property
    def requirement(self) -> str:
        """The requirement name that asks for this kind's CRD (asked on every call: memoised)."""
        return _crd_requirement(self.api_version, self.kind)


@functools.lru_cache(maxsize=256)
def _crd_requirement(api_version: str, kind: str) -> str:
    return f"{CRD_PREFIX}{kubenames.digest(api_version, kind, length=10)}"


@dataclass(frozen=True, slots=True)
class Probe:
    """One question for Crossplane: which MRs of one kind write at one of our names.

    Asked per name, not per record set, so a CNAME in one composite and an A record in
    another at the same name are caught as well as two writers of one record set.
    """

    requirement: str
    name_id: str
    kind: Kind
    field: str
    fqdn: str
    types: frozenset[str]  # the record types we write at the name, lower case
    resource_names: tuple[str, ...]  # our MRs at the name (a lost unit parks all of its names': ``Probes.unit``)
    composed: bool  # a kind we compose ourselves: served, or our own MRs could not exist
    records_by_id: bool  # each MR holds its own record (Cloudflare): parking removes it

    def conflicts_with(self, other_type: str) -> bool:
        """Whether another owner's record of ``other_type`` at this name clashes with ours."""
        return other_type in self.types or other_type == "cname" or "cname" in self.types


@dataclass(frozen=True, slots=True)
class Writer:
    """An MR found writing at one of our names."""

    owner: str
    created: str  # RFC 3339, as the API server stamps it; "" when absent
    kind: str
    name: str
    type: str
    namespace: str = ""  # "" for a cluster-scoped MR

    @property
    def order(self) -> tuple[str, str]:
        """Who came first: creation time, then owner reference (the same answer for everyone)."""
        return (self.created, self.owner)


@dataclass(frozen=True, slots=True)
class Loss:
    """A record set (with its ownership record) this composite wrote in a race and lost to an earlier owner.

    Our MRs there stand down. Where the winner writes the same record set through another
    object (another namespace), ours become observe-only (``observe``) so that deleting them
    never deletes the winner's record set — or, on Cloudflare, where each MR holds its own
    record by id, are removed. Where the object is the winner's own (one scope, one
    deterministic name) or the winner has not written there yet, ours leave the desired
    state (``drop``): Crossplane never touches an object another composite controls, and
    deletes ours so the winner can write that name.
    """

    probe: Probe
    first: Writer
    observe: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """What the condition and the warning say."""
        if self.probe.records_by_id or not self.observe:
            action = f"({', '.join((*self.observe, *self.drop))}) are removed"
        elif not self.drop:
            action = f"({', '.join(self.observe)}) are set to managementPolicies [Observe]"
        else:
            action = (f"({', '.join(self.observe)}) are set to managementPolicies [Observe] and "
                      f"({', '.join(self.drop)}) removed")
        return (f"{self.probe.field}: {self.probe.fqdn!r} is also written by {self.first.owner}, which wrote it "
                f"first ({self.first.kind} {self.first.name}); our resources there {action} until that owner "
                "lets go")


def ask_crds(selectors: MutableMapping[str, fnv1.ResourceSelector], kinds: Iterable[Kind]) -> None:
    """Ask for the CRDs of kinds we would probe but do not compose."""
    for kind in kinds:
        selector = selectors[kind.requirement]
        selector.api_version = CRD_API_VERSION
        selector.kind = "CustomResourceDefinition"
        selector.match_name = kind.crd_name


def _served(crd: struct_pb2.Struct, kind: Kind) -> bool:
    """Whether a CRD serves ``kind`` at its version and is established (so Crossplane can list it)."""
    spec = crd.fields["spec"].struct_value.fields if "spec" in crd.fields else {}
    if "names" not in spec or spec["names"].struct_value.fields["kind"].string_value != kind.kind:
        return False
    versions = spec["versions"].list_value.values if "versions" in spec else []
    if not any(v.struct_value.fields["name"].string_value == kind.version
               and v.struct_value.fields["served"].bool_value for v in versions
               if "name" in v.struct_value.fields and "served" in v.struct_value.fields):
        return False
    status = crd.fields["status"].struct_value.fields if "status" in crd.fields else {}
    conditions = status["conditions"].list_value.values if "conditions" in status else []
    return any(c.struct_value.fields["type"].string_value == "Established"
               and c.struct_value.fields["status"].string_value == "True" for c in conditions
               if "type" in c.struct_value.fields and "status" in c.struct_value.fields)


def requirements(probes: Probes, channel: Channel, answers: Mapping[str, request.Resources],
                 kinds: Sequence[Kind]) -> bytes:
    """The probes to ask on this call (as ``Probes.requirements`` bytes): all at once, or none yet.

    Crossplane fetches every requirement again on each turn of its requirements loop, until
    a call asks what the call before it asked (``FetchingFunctionRunner``). Asking our own
    kinds' probes before the CRD answers have shown which of ``kinds`` are served would have
    Crossplane list each of them twice per reconcile: once with the CRDs, once more with the
    other kinds' probes. Each probe is a LIST that Crossplane's cache filters over every MR of
    the kind, so on a large claim the probes are most of a reconcile. Waiting one turn, for
    the CRD answers (every asked one present, found or not), lists each probe once.
    """
    if not all(kind.requirement in answers for kind in kinds):
        return b""
    return probes.requirements(channel, served_kinds(answers, kinds))


def asks_again(answers: Mapping[str, request.Resources], kinds: Sequence[Kind], probes: bytes) -> bool:
    """Whether this call asks a requirement Crossplane has not answered, so its answer will be thrown away.

    Crossplane's requirements loop (``FetchingFunctionRunner``, v2.2.1 internal/xfn and
    1.20.1 composite/extra_resources.go) keeps a function's answer only once its requirements
    equal the call before's (or it is Fatal), and it answers every requirement it was asked,
    found or not: a key we ask that the request does not answer was not asked before, so
    Crossplane calls again. Here: a CRD asked but not answered (the reconcile's second call),
    or the probes asked for the first time (its third). Any other call may be kept (a bootstrap
    requirement Crossplane answers unasked only makes a thrown-away call look like one).
    """
    if not all(kind.requirement in answers for kind in kinds):
        return True
    return bool(probes) and not any(key.startswith(REQUIREMENT_PREFIX) for key in answers)


def served_kinds(answers: Mapping[str, request.Resources], kinds: Iterable[Kind]) -> frozenset[Kind]:
    """The kinds among ``kinds`` whose CRD Crossplane returned, serving their version."""
    out = set()
    for kind in kinds:
        answer = answers.get(kind.requirement)
        if answer is not None and any(_served(request.struct(item.resource, _found(kind.requirement, index)), kind)
                                      for index, item in enumerate(answer.items)):
            out.add(kind)
    return frozenset(out)


def _text(fields: Mapping[str, struct_pb2.Value], *path: str) -> str:
    for key in path[:-1]:
        value = fields.get(key)
        if value is None:
            return ""
        fields = value.struct_value.fields
    leaf = fields.get(path[-1])
    return leaf.string_value if leaf is not None else ""


def _found(requirement: str, index: int) -> str:
    """Where a resource Crossplane fetched for a requirement came from, for a refusal."""
    return f"the resources fetched for {requirement}, item {index}"


def _writer(found: request.Resource, kind: str, where: str) -> Writer:
    metadata = request.field(found.resource, "metadata", where=where)
    fields = metadata.struct_value.fields if metadata is not None else {}
    return Writer(owner=_text(fields, "annotations", ANNOTATION_OWNER),
                  created=_text(fields, "creationTimestamp"), kind=kind,
                  name=_text(fields, "name"), type=_text(fields, "labels", LABEL_TYPE),
                  namespace=_text(fields, "namespace"))


def _owner_of(found: request.Resource, where: str) -> str:
    """The owner an MR found by a probe names (``ANNOTATION_OWNER``), "" when it names none."""
    marked = request.field(found.resource, "metadata", "annotations", ANNOTATION_OWNER, where=where)
    return "" if marked is None else marked.string_value


def _all_ours(answers: Mapping[str, request.Resources], owner: str) -> bool:
    """Whether every MR the probes found is ``owner``'s: a claim at rest, nearly every call.

    Then no unit has a rival and the rule decides nothing, so no probe or writer is made: a
    1,000-hostname claim at rest finds its own 2,001 MRs on its last call of a reconcile (~20 ms
    to read them all as writers, ~10 to read their owner annotations from the bytes).
    """
    for requirement in answers:  # by key: a map's ``items()`` is collections.abc's generator
        if requirement.startswith(REQUIREMENT_PREFIX):
            for index, found in enumerate(answers[requirement].items):
                if _owner_of(found, _found(requirement, index)) != owner:
                    return False
    return True


def decide(answers: Mapping[str, request.Resources], probes: Probes, owner: str) -> list[Loss]:
    """Apply the first-writer rule to Crossplane's answers.

    A record set and its ownership record are decided as one unit (``guarded_key``): the
    owner of the earliest MR anywhere in the unit keeps both, so two composites that each got
    one of the pair agree on one winner. Raises a DnsInputError (a Fatal result) for a
    contested unit we have not written in yet; returns the units we wrote in but lost (to be
    released). A unit nobody else writes, or one we wrote first, is ours.
    """
    if _all_ours(answers, owner):
        return []
    ours: dict[str, Writer] = {}
    rivals: dict[str, list[tuple[Writer, Probe]]] = {}
    rivals_at: dict[str, list[Writer]] = {}  # by name id
    for requirement, answer in answers.items():
        probe = probes.get(requirement) if answer.items else None
        if probe is None:
            continue
        unit = guarded_key(probe.fqdn)
        for index, found in enumerate(answer.items):
            writer = _writer(found, probe.kind.kind, _found(requirement, index))
            if writer.owner == owner:
                if unit not in ours or writer.order < ours[unit].order:
                    ours[unit] = writer
            elif probe.conflicts_with(writer.type):
                rivals.setdefault(unit, []).append((writer, probe))
                rivals_at.setdefault(probe.name_id, []).append(writer)
    losses = []
    for unit, contenders in sorted(rivals.items()):
        first = min(writer.order for writer, _ in contenders)
        # A refusal or a loss names what the user wrote, not the ownership record, where it can.
        named = min(contenders, key=lambda c: (is_registry_name(c[1].fqdn), c[0].order))
        mine = ours.get(unit)
        if mine is None:
            raise _refusal(named[1], named[0])
        if mine.order < first:
            continue
        winner = min((c for c in contenders if c[0].order == first),
                     key=lambda c: is_registry_name(c[1].fqdn))[0]
        observe: list[str] = []
        drop: list[str] = []
        for name_id, resource_names in probes.unit(unit):
            writers = rivals_at.get(name_id, [])
            for resource in resource_names:
                if writers and all((w.namespace, w.name) != (mine.namespace, resource) for w in writers):
                    observe.append(resource)
                else:
                    drop.append(resource)
        losses.append(Loss(named[1], winner, tuple(observe), tuple(drop)))
    return losses


def _refusal(probe: Probe, first: Writer) -> DnsInputError:
    ours = "/".join(sorted(probe.types)).upper()
    what = (f"{first.type.upper()} record set" if first.type in probe.types
            else f"{first.type.upper() or 'unknown'} records beside our {ours}")
    return DnsInputError(probe.field, probe.fqdn,
                         f"is already written by {first.owner or 'an unknown owner'} "
                         f"({what}, {first.kind} {first.name}); a name cannot be shared like that "
                         "between composites")


def park(rsp: fnv1.RunFunctionResponse, losses: Iterable[Loss]) -> None:
    """Release what we lost: observe-only where the winner writes through another object, else out of desired state."""
    desired = rsp.desired.resources
    for loss in losses:
        for name in loss.drop:
            if name in desired:
                del desired[name]
        for name in loss.observe:
            if name not in desired:
                continue
            if loss.probe.records_by_id:
                del desired[name]
                continue
            spec = desired[name].resource.fields["spec"].struct_value
            policies = spec.fields["managementPolicies"].list_value
            del policies.values[:]
            for policy in OBSERVE_ONLY:
                policies.values.add().string_value = policy


MAX_LOSSES_SHOWN = 10  # names a Conflict condition and its Warnings spell out; the rest are counted


def report(rsp: fnv1.RunFunctionResponse, losses: list[Loss]) -> None:
    """The ``DNSOwnership`` condition (and a Warning per lost name)."""
    condition = rsp.conditions.add()
    condition.type = CONDITION
    condition.target = fnv1.TARGET_COMPOSITE_AND_CLAIM
    if not losses:
        condition.status = fnv1.STATUS_CONDITION_TRUE
        condition.reason = "Owned"
        condition.message = "no other composite writes at our names"
        return
    condition.status = fnv1.STATUS_CONDITION_FALSE
    condition.reason = "Conflict"
    # Bounded: Crossplane sets no limit on a condition's message and copies it to the claim,
    # and records every result as an event on both; a large claim can lose many names at once.
    shown = losses[:MAX_LOSSES_SHOWN]
    condition.message = "; ".join(loss.message for loss in shown)
    if len(losses) > len(shown):
        condition.message += f"; and {len(losses) - len(shown)} more names lost the same way"
    for loss in shown:
        result = rsp.results.add()
        result.severity = fnv1.SEVERITY_WARNING
        result.reason = "Conflict"
        result.target = fnv1.TARGET_COMPOSITE_AND_CLAIM
        result.message = loss.message


# --- The probes: what one composite asks, built with its composition --------------------


@functools.lru_cache(maxsize=256)
def _probed_kinds(composed: tuple[tuple[str, str], ...], provider: Provider,
                  scope: Scope) -> tuple[tuple[Kind, bool, str], ...]:
    """The kinds asked about at a name, whether we compose each, and its requirement-name tag.

    Depends only on what we compose there, the provider and the scope, so a thousand names
    share a handful of answers.
    """
    kinds = {Kind(api, kind): True for api, kind in composed}
    # Another owner's CNAME there clashes with anything of ours. (Our CNAME beside another
    # owner's data of another kind — Azure has a kind per type — is refused by every
    # provider's API on apply; asking about all nine kinds per name would cost more.)
    kinds.setdefault(Kind(provider.api.of(scope), provider.kind_of(RecordType.CNAME)), False)
    if scope is Scope.NAMESPACED:
        # A v2 cluster may also serve the cluster-scoped kinds, which legacy composites write.
        cluster_api = provider.api.of(Scope.CLUSTER)
        for kind in list(kinds):
            kinds.setdefault(Kind(cluster_api, kind.kind), False)
    return tuple((kind, composed_here, kubenames.digest(kind.api_version, kind.kind, length=6))
                 for kind, composed_here in sorted(kinds.items(), key=lambda k: (k[0].api_version, k[0].kind)))


@functools.lru_cache(maxsize=256)
def _selector(kind: Kind, channel: Channel) -> wire.LabelSelector:
    map_field = wire.REQUIREMENTS_RESOURCES if channel is Channel.REQUIRED else wire.REQUIREMENTS_EXTRA_RESOURCES
    return wire.LabelSelector(kind.api_version, kind.kind, LABEL_NAME, map_field=map_field)


# One name's facts as a Probes holds them: (name id, claim field, FQDN, records by id, our record
# types there, our MRs there, index of its probed kinds). Strings, a bool and tuples of strings:
# the collector stops tracking such a plain tuple (never a NamedTuple) after its first pass, so
# the memo, which keeps a large claim's composition (thousands of names) alive for every later
# call, adds nothing for a full collection to walk. As objects per name (a dataclass, its sets
# and list), the memo's large compositions were most of the heap, and a full collection took 40-55 ms.
_At = tuple[str, str, str, bool, tuple[str, ...], tuple[str, ...], int]


class Probes:
    """A composite's probes: one per (name, kind), asked by the name label in every namespace.

    Held compactly (per name a tuple of its facts and the index of its shared tuple of kinds);
    ``Probe`` objects are made only when Crossplane's answers are read, and the requirements
    as wire bytes once per set of served kinds: a large claim asks thousands of questions on
    every call.
    """

    __slots__ = ("_by_requirement", "_index", "_kinds", "_names", "_others", "_positions", "_requirements", "_scope",
                 "_sets")

    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self._kinds: list[tuple[tuple[Kind, bool, str], ...]] = []
        self._names: list[_At] = []
        self._others: list[Kind] | None = None
        self._requirements: dict[tuple[Channel, frozenset[Kind]], bytes] = {}
        self._by_requirement: dict[str, tuple[int, int]] | None = None
        # While the composition is built (``add``; ``done`` drops them): where each name's facts
        # sit, and the index of the tuple of kinds each (what we compose, provider) is asked about.
        self._positions: dict[str, int] | None = {}
        self._index: dict[tuple[tuple[tuple[str, str], ...], Provider], int] | None = {}
        self._sets: dict[int, int] | None = {}  # the kinds' tuples by identity: hashing one hashes every Kind

    def add(self, ident: str, field: str, fqdn: str, provider: Provider, rtype: str, kind: tuple[str, str],
            resource_names: tuple[str, ...]) -> None:
        """Add one record set's MRs (of one ``kind``) to what we write at its name ``ident``.

        Most names hold one record set, so each gets its facts as one tuple here, replaced
        only at the rare name with several (the first record set's field and FQDN stay; a
        name has one zone, so one provider).
        """
        assert self._positions is not None, "a Probes is added to only while its composition is built"
        position = self._positions.get(ident)
        if position is None:
            self._positions[ident] = len(self._names)
            self._names.append((ident, field, fqdn, provider.records_by_id, (rtype,), resource_names,
                                self._kinds_index((kind,), provider)))
            return
        _, first_field, first_fqdn, by_id, types, names, index = self._names[position]
        composed = tuple((k.api_version, k.kind) for k, composed_here, _ in self._kinds[index] if composed_here)
        if kind not in composed:
            composed = tuple(sorted((*composed, kind)))
        self._names[position] = (ident, first_field, first_fqdn, by_id,
                                 types if rtype in types else tuple(sorted((*types, rtype))),
                                 (*names, *resource_names), self._kinds_index(composed, provider))

    def _kinds_index(self, composed: tuple[tuple[str, str], ...], provider: Provider) -> int:
        """The index in ``_kinds`` of what a name where we compose ``composed`` is asked about.

        Names share a few tuples of kinds: thousands of names, a handful of lookups of
        ``_probed_kinds``.
        """
        assert self._index is not None and self._sets is not None
        index = self._index.get((composed, provider))
        if index is None:
            kinds = _probed_kinds(composed, provider, self._scope)
            index = self._sets.get(id(kinds))
            if index is None:
                index = self._sets[id(kinds)] = len(self._kinds)
                self._kinds.append(kinds)
            self._index[composed, provider] = index
        return index

    def done(self) -> Probes:
        """Drop what only adding needed (a composition is kept in the memo); the probes, for chaining."""
        self._positions = self._index = self._sets = None
        return self

    def __len__(self) -> int:
        return sum(len(self._kinds[at[-1]]) for at in self._names)

    def __iter__(self) -> Iterator[Probe]:
        """Every probe, made now (the hot paths ask by requirement name: ``get``)."""
        for position, at in enumerate(self._names):
            for slot in range(len(self._kinds[at[-1]])):
                yield self._probe(position, slot)

    def other_kinds(self) -> list[Kind]:
        """The kinds we would probe but do not compose: probed only once their CRD is seen."""
        if self._others is None:
            others = {kind for kinds in self._kinds for kind, composed, _ in kinds if not composed}
            self._others = sorted(others, key=lambda k: (k.api_version, k.kind))
        return list(self._others)

    def requirements(self, channel: Channel, served: frozenset[Kind]) -> bytes:
        """``RunFunctionResponse.requirements`` holding the probes of kinds that are served, as bytes."""
        key = (channel, served)
        cached = self._requirements.get(key)
        if cached is None:
            asked = [[(tag, _selector(kind, channel)) for kind, composed, tag in kinds if composed or kind in served]
                     for kinds in self._kinds]  # per shared tuple of kinds, not per name
            entries: dict[str, bytes] = {}
            for at in self._names:
                ident = at[0]
                for tag, selector in asked[at[-1]]:
                    requirement = f"{REQUIREMENT_PREFIX}{ident}-{tag}"
                    entries[requirement] = selector.entry(requirement, ident)
            cached = wire.requirements([entries[r] for r in wire.map_order(entries)]) if entries else b""
            if len(self._requirements) < 8:
                self._requirements[key] = cached
        return cached

    def unit(self, key: str) -> list[tuple[str, tuple[str, ...]]]:
        """Our names in one unit (a record set and its ownership record): name id and our MRs there."""
        return [(ident, resource_names) for ident, _, fqdn, _, _, resource_names, _ in self._names
                if guarded_key(fqdn) == key]

    def get(self, requirement: str) -> Probe | None:
        """The probe asked under ``requirement`` (the table is made on first use, the probe on each)."""
        if not requirement.startswith(REQUIREMENT_PREFIX):
            return None
        if self._by_requirement is None:
            self._by_requirement = {
                f"{REQUIREMENT_PREFIX}{at[0]}-{tag}": (position, slot)
                for position, at in enumerate(self._names) for slot, (_, _, tag) in enumerate(self._kinds[at[-1]])}
        found = self._by_requirement.get(requirement)
        return None if found is None else self._probe(*found)

    def _probe(self, position: int, slot: int) -> Probe:
        """The probe of the ``position``-th name's ``slot``-th kind."""
        ident, field, fqdn, records_by_id, types, resource_names, index = self._names[position]
        kind, composed, tag = self._kinds[index][slot]
        return Probe(f"{REQUIREMENT_PREFIX}{ident}-{tag}", ident, kind, field, fqdn, frozenset(types),
                     resource_names, composed, records_by_id)
