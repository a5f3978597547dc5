"""A small stand-in for Crossplane's composition engine, for exchanges of several calls.

It follows Crossplane's own code, not ours:

* the requirements loop of ``FetchingFunctionRunner`` — Crossplane 1.20
  (``internal/controller/apiextensions/composite/extra_resources.go``: reads only
  ``requirements.extra_resources``, answers only in ``extra_resources``, sends no
  capabilities) and v2.2.1 (``internal/xfn/required_resources.go``: reads both fields, each
  answered in its own, and sends ``xfn.SupportedCapabilities()``); at most 6 calls, stop on
  a Fatal result or when the requirements repeat;
* the fetcher (``ExistingRequiredResourcesFetcher``): a name selector gets one object or an
  empty answer; a label selector lists across every namespace; a kind the API server does
  not serve fails the whole run ("no matches for kind"), which is what a real cluster does;
* applying the result: only the final call's desired state counts; a Fatal applies nothing;
  composed resources left out of desired state are deleted.

The cluster is a dict of objects; ``creationTimestamp`` comes from a clock the test moves,
so two composites can create at the same second, as they do in a race.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from crossplane.function import resource
from crossplane.function.proto.v1 import run_function_pb2 as fnv1

from function.fn import run
from tests.core.sovereign import SETTINGS
from tests.function.requests import CAPABILITIES_V2_2

CRDS = Path(__file__).resolve().parents[2].parent / "shared" / "crds"
MAX_CALLS = 6  # MaxRequirementsIterations = 5, loop 0..5 inclusive
Key = tuple[str, str, str, str]  # apiVersion, kind, namespace, name


class UnservedKindError(Exception):
    """What Crossplane's cached client returns for a kind the API server does not serve."""


@functools.cache
def _crd_file(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CRDS / path).read_text())
    return loaded


def load_crd(path: str) -> dict[str, Any]:
    """A CRD from ../shared/crds, as the API server returns it once established."""
    crd = copy.deepcopy(_crd_file(path))
    crd["status"] = {"conditions": [{"type": "Established", "status": "True"}],
                     "acceptedNames": crd["spec"]["names"]}
    return crd


def crd_by_name(name: str) -> dict[str, Any]:
    """The CRD called ``<plural>.<group>``, from its file ``<group>_<plural>.yaml``."""
    plural, _, group = name.partition(".")
    (path,) = [p for p in CRDS.glob(f"*/{group}_{plural}.yaml")]
    return load_crd(str(path.relative_to(CRDS)))


def _channels(req: fnv1.RunFunctionRequest, asked: fnv1.RunFunctionResponse) -> tuple[tuple[Any, Any], ...]:
    """Each field requirements are asked in, with the one they are answered in: v2's, then 1.x's."""
    return ((asked.requirements.resources, req.required_resources),
            (asked.requirements.extra_resources, req.extra_resources))


def answer_crds(req: fnv1.RunFunctionRequest, asked: fnv1.RunFunctionResponse) -> None:
    """Answer every CRD ``asked`` requires with the real CRD, as an API server serving them all would.

    In the field it was asked in: ``resources`` (v2), or ``extra_resources`` (1.x).
    """
    for requirements, answers in _channels(req, asked):
        for name, selector in requirements.items():
            if selector.kind == "CustomResourceDefinition":
                answers[name].items.add().resource.update(crd_by_name(selector.match_name))


def crds_answered(req: fnv1.RunFunctionRequest) -> fnv1.RunFunctionRequest:
    """``req`` with every CRD the function asks for answered: the turn on which it asks its probes.

    The function asks its ownership probes once Crossplane has answered the CRDs it asked for
    (``conflicts.requirements``), so a test that reads or answers probes sends this turn.
    """
    answer_crds(req, run(req, memo=None))
    return req


def all_answered(req: fnv1.RunFunctionRequest) -> fnv1.RunFunctionRequest:
    """``req`` as the last call of a reconcile: every CRD and probe it asks answered (no MR at our names).

    Crossplane keeps only the answer to the call whose requirements equal the call before's
    (``conflicts.asks_again``), so a test of what the function answers with readiness sends this turn.
    """
    crds_answered(req)
    for requirements, answers in _channels(req, run(req, memo=None)):
        for name in requirements:
            if name not in answers:
                answers[name].SetInParent()
    return req


@dataclass
class Cluster:
    """The API server: served CRDs and the objects stored."""

    crds: list[dict[str, Any]]
    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    second: int = 0
    fetched: list[fnv1.ResourceSelector] = field(default_factory=list)  # every fetch, in order

    def served(self, api_version: str, kind: str) -> bool:
        group, _, version = api_version.partition("/")
        for crd in self.crds:
            spec = crd["spec"]
            if spec["group"] == group and spec["names"]["kind"] == kind and any(
                    v["name"] == version and v["served"] for v in spec["versions"]):
                return True
        return (api_version, kind) in {("apiextensions.crossplane.io/v1beta1", "EnvironmentConfig")}

    def fetch(self, selector: fnv1.ResourceSelector) -> list[dict[str, Any]]:
        self.fetched.append(selector)
        if selector.kind == "CustomResourceDefinition":
            return [c for c in self.crds if c["metadata"]["name"] == selector.match_name]
        if not self.served(selector.api_version, selector.kind):
            raise UnservedKindError(f'no matches for kind "{selector.kind}" in version "{selector.api_version}"')
        found = [o for (api, kind, ns, name), o in sorted(self.objects.items())
                 if api == selector.api_version and kind == selector.kind
                 and (not selector.namespace or ns == selector.namespace)]
        if selector.HasField("match_name"):
            return [o for o in found if o["metadata"]["name"] == selector.match_name]
        labels = dict(selector.match_labels.labels)
        return [o for o in found if labels.items() <= o["metadata"].get("labels", {}).items()]

    def stamp(self) -> str:
        return f"2026-01-01T00:{self.second // 60:02d}:{self.second % 60:02d}Z"


def settings_config(data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"apiVersion": "apiextensions.crossplane.io/v1beta1", "kind": "EnvironmentConfig",
            "metadata": {"name": "catalyst-dns"}, "data": SETTINGS if data is None else data}


@dataclass
class Composite:
    """One XR and the composed resources Crossplane tracks for it."""

    manifest: dict[str, Any]
    composed: dict[str, Key] = field(default_factory=dict)
    last: fnv1.RunFunctionResponse | None = None

    @property
    def namespace(self) -> str:
        return str(self.manifest["metadata"].get("namespace", ""))


@dataclass
class Engine:
    """Crossplane of one version driving our function against one cluster."""

    cluster: Cluster
    version: str = "2.2"  # "2.2" (capabilities, both fields) or "1.20" (extra_resources only)
    calls: list[tuple[fnv1.RunFunctionRequest, fnv1.RunFunctionResponse]] = field(default_factory=list)

    def run_pipeline(self, xr: Composite, fn_input: dict[str, Any] | None = None) -> fnv1.RunFunctionResponse:
        """One reconcile's pipeline step: the requirements loop, as FetchingFunctionRunner runs it."""
        req = fnv1.RunFunctionRequest()
        if self.version != "1.20":
            req.meta.capabilities.extend(CAPABILITIES_V2_2)
        req.observed.composite.resource.update(xr.manifest)
        req.input.update(fn_input or {"apiVersion": "dns.fn.openova.io/v1beta1", "kind": "Input"})
        for name, key in xr.composed.items():
            if key in self.cluster.objects:
                req.observed.resources[name].resource.update(self.cluster.objects[key])
        previous: fnv1.Requirements | None = None
        for _ in range(MAX_CALLS):
            rsp = run(req, memo=None)
            self.calls.append((copy.deepcopy(req), rsp))
            if any(r.severity == fnv1.SEVERITY_FATAL for r in rsp.results):
                return rsp
            if previous is not None and rsp.requirements == previous:
                return rsp
            previous = rsp.requirements
            req.ClearField("extra_resources")
            req.ClearField("required_resources")
            for name, selector in rsp.requirements.extra_resources.items():
                self._answer(req.extra_resources[name], selector)
            if self.version != "1.20":
                for name, selector in rsp.requirements.resources.items():
                    self._answer(req.required_resources[name], selector)
            req.context.CopyFrom(rsp.context)
        raise AssertionError("requirements didn't stabilize")

    def _answer(self, answer: fnv1.Resources, selector: fnv1.ResourceSelector) -> None:
        answer.SetInParent()
        for obj in self.cluster.fetch(selector):
            answer.items.add().resource.update(obj)

    def apply(self, xr: Composite, rsp: fnv1.RunFunctionResponse) -> None:
        """Apply the final desired state (nothing on Fatal); delete what it leaves out."""
        xr.last = rsp
        if any(r.severity == fnv1.SEVERITY_FATAL for r in rsp.results):
            return
        keep = {}
        for name, desired in rsp.desired.resources.items():
            body = resource.struct_to_dict(desired.resource)
            namespace = xr.namespace if ".m." in body["apiVersion"] else ""
            key = (body["apiVersion"], body["kind"], namespace, body["metadata"]["name"])
            existing = self.cluster.objects.get(key)
            if existing is not None and key not in xr.composed.values():
                raise AssertionError(f"{key} exists and is controlled by another composite")
            metadata = dict(body["metadata"])
            metadata["creationTimestamp"] = (existing or {}).get("metadata", {}).get(
                "creationTimestamp", self.cluster.stamp())
            if namespace:
                metadata["namespace"] = namespace
            stored = {**body, "metadata": metadata}
            if existing is not None and "status" in existing:
                stored["status"] = existing["status"]
            self.cluster.objects[key] = stored
            keep[name] = key
        for name, key in xr.composed.items():
            if name not in keep:
                self.cluster.objects.pop(key, None)
        xr.composed = keep

    def reconcile(self, xr: Composite) -> fnv1.RunFunctionResponse:
        rsp = self.run_pipeline(xr)
        self.apply(xr, rsp)
        return rsp

    def delete(self, xr: Composite) -> None:
        for key in xr.composed.values():
            self.cluster.objects.pop(key, None)
        xr.composed = {}

    def mark_ready(self, xr: Composite) -> None:
        """What the provider does once it has written a record: Ready=True."""
        for key in xr.composed.values():
            self.cluster.objects[key]["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
