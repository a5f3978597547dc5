"""What the cluster tests share: examples as objects, composed resources, a stand-in provider, figures.

The API server is the judge throughout: an MR "exists" when the API server stored it (it
passed the CRD's schema and CEL rules), an XR is "Synced" when Crossplane core says so.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scripts.cluster import ROOT, Kube, Obj, Stack, condition, is_true, parse_function_seconds, wait_for
from tests.hostile import figures
from tests.package import image

FIGURES_FILE = "cluster-figures.txt"
SECTION = "cluster figures"
GROUP = "dns.openova.io/v1alpha1"
V2_KINDS = ("Gslb", "DNSRoute", "DNSRecord")
LEGACY_XR_KINDS = {"Gslb": "XGslb", "DNSRoute": "XDNSRoute", "DNSRecord": "XDNSRecord"}
SUFFIXES = {  # the tenant acme's suffix in each provider's zone (examples/environmentconfig.yaml)
    "cloudflare": "acme.omantel.example",
    "hetzner": "acme.hz.omantel.example",
    "route53": "acme.aws.omantel.example",
    "clouddns": "acme.gcp.omantel.example",
    "azuredns": "acme.az.omantel.example",
}

# Labels Crossplane core puts on every composed resource, and ours (catalyst_dns.providers.base).
LABEL_COMPOSITE = "crossplane.io/composite"
LABEL_CLAIM_NAME = "crossplane.io/claim-name"
LABEL_CLAIM_NAMESPACE = "crossplane.io/claim-namespace"
LABEL_RECORD_SET = "dns.openova.io/record-set"
ANNOTATION_OWNER = "dns.openova.io/owner"
ANNOTATION_FQDN = "dns.openova.io/fqdn"


@dataclass(frozen=True)
class FunctionImage:
    """The runtime image, exported once per session, as the stacks run it."""

    rootfs: Path
    config: image.ImageConfig

    def command(self, certs: Path, port: int) -> Sequence[str]:
        """The entrypoint with its own command (``--tls-certs-dir=/tls/server``), on ``port``."""
        return image.command(self.rootfs, self.config, extra_args=["--address", f"127.0.0.1:{port}"],
                             mounts={"/tls/server": certs})


def figure(line: str) -> None:
    """A figure for pytest's terminal summary and build/cluster-figures.txt (never asserted)."""
    figures.record(SECTION, line, FIGURES_FILE)


def load(path: Path) -> Obj:
    import yaml

    doc: Obj = yaml.safe_load(path.read_text())
    return doc


def namespaced_examples() -> list[Obj]:
    """Every v2 example XR (examples/namespaced/<provider>/*.yaml)."""
    return [load(p) for p in sorted((ROOT / "examples" / "namespaced").glob("*/*.yaml"))]


def legacy_claims() -> list[Obj]:
    """The claims behind examples/cluster: each file is the cluster XR Crossplane makes for a claim.

    The claim is rebuilt from its ``spec.claimRef`` (kind, name, namespace) and the XR's
    spec without the fields Crossplane owns; ``compositionRef`` stays (claims may select one).
    """
    claims = []
    for path in sorted((ROOT / "examples" / "cluster").glob("*/*.yaml")):
        xr = load(path)
        ref = xr["spec"]["claimRef"]
        spec = {k: v for k, v in xr["spec"].items() if k not in ("claimRef", "resourceRefs")}
        claims.append({"apiVersion": ref["apiVersion"], "kind": ref["kind"],
                       "metadata": {"name": ref["name"], "namespace": ref["namespace"]}, "spec": spec})
    return claims


def key(obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{obj['kind']}/{meta.get('namespace', '')}/{meta['name']}"


def ensure_namespaces(kube: Kube, names: Iterable[str]) -> None:
    for name in sorted(set(names)):
        kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def fresh(kube: Kube, obj: Obj) -> Obj | None:
    meta = obj["metadata"]
    return kube.get(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))


def composite_of(kube: Kube, handle: Obj) -> Obj | None:
    """The XR behind ``handle``: itself for a v2 XR, the bound XR for a legacy claim."""
    live = fresh(kube, handle)
    if live is None:
        return None
    ref = live.get("spec", {}).get("resourceRef")  # only claims have one
    if ref:
        return kube.get(ref["apiVersion"], ref["kind"], ref["name"])
    return live


def resource_refs(xr: Obj) -> list[Obj]:
    """The composed resources an XR lists (v2: spec.crossplane.resourceRefs; 1.x/legacy: spec.resourceRefs)."""
    spec = xr.get("spec", {})
    refs: list[Obj] = (spec.get("crossplane") or {}).get("resourceRefs") or spec.get("resourceRefs") or []
    return refs


def composed(kube: Kube, xr: Obj) -> list[Obj]:
    """The composed resources of ``xr`` as the API server stores them (missing ones raise)."""
    out = []
    namespace = xr["metadata"].get("namespace")
    for ref in resource_refs(xr):
        got = kube.get(ref["apiVersion"], ref["kind"], ref["name"], ref.get("namespace") or namespace)
        assert got is not None, f"{key(xr)} lists {ref['kind']} {ref['name']}, which the API server does not hold"
        out.append(got)
    return out


def all_mrs(kube: Kube, kinds: Iterable[tuple[str, str]]) -> list[Obj]:
    """Every object of the given (apiVersion, kind)s in the cluster, all namespaces."""
    out: list[Obj] = []
    for api_version, kind in kinds:
        out.extend(kube.list(api_version, kind))
    return out


def mr_kinds(kube: Kube) -> list[tuple[str, str]]:
    """Every provider kind installed from ../shared/crds (where MRs of any composite can live)."""
    from scripts.cluster import provider_crds

    kinds = []
    for crd in provider_crds():
        group = crd["spec"]["group"]
        for version in crd["spec"]["versions"]:
            if version.get("storage"):
                kinds.append((f"{group}/{version['name']}", crd["spec"]["names"]["kind"]))
    return kinds


def synced_message(obj: Obj | None) -> str:
    cond = condition(obj, "Synced")
    return f"Synced={cond.get('status')} {cond.get('reason')}: {cond.get('message', '')}"


def wait_all(kube: Kube, handles: list[Obj], type_: str, timeout: float, *,
             what: str = "", via: Callable[[Kube, Obj], Obj | None] | None = None) -> dict[str, float]:
    """Wait until every handle (or what ``via`` reads for it) has ``type_`` True; seconds to each, by key."""
    read = via or fresh
    start = time.monotonic()
    pending = {key(h): h for h in handles}
    seconds: dict[str, float] = {}
    deadline = start + timeout
    while pending:
        for k, handle in list(pending.items()):
            if is_true(read(kube, handle), type_):
                seconds[k] = time.monotonic() - start
                del pending[k]
        if not pending:
            break
        if time.monotonic() > deadline:
            states = {k: synced_message(read(kube, h)) for k, h in list(pending.items())[:8]}
            raise AssertionError(f"{len(pending)} of {len(handles)} not {type_} after {timeout:.0f} s"
                                 f"{' (' + what + ')' if what else ''}; first ones: {states}")
        time.sleep(0.5)
    return seconds


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stand_in_provider(kube: Kube, mrs: Iterable[Obj]) -> int:
    """Do what a provider does once the cloud answered: mark each MR Synced and Ready (status only)."""
    stamp = now()
    count = 0
    for mr in mrs:
        meta = mr["metadata"]
        status = {"conditions": [
            {"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": stamp},
            {"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": stamp},
        ]}
        kube.merge_patch(mr["apiVersion"], mr["kind"], meta["name"], meta.get("namespace"),
                         {"status": status}, status=True)
        count += 1
    return count


def owners(obj: Obj) -> list[str]:
    return [ref["uid"] for ref in obj["metadata"].get("ownerReferences", []) if ref.get("controller")]


def record_set_writers(mrs: Iterable[Obj]) -> dict[str, set[str]]:
    """Controller owners per provider record set (our record-set label), across all namespaces.

    A provider record set written by MRs of two composites is the failure the ownership
    checks exist to prevent: with namespaced MRs, two namespaces get two MRs for one set.
    """
    writers: dict[str, set[str]] = {}
    for mr in mrs:
        label = mr["metadata"].get("labels", {}).get(LABEL_RECORD_SET)
        if label:
            writers.setdefault(label, set()).update(owners(mr) or ["<no controller>"])
    return writers


def wait_settled(kube: Kube, handles: list[Obj], timeout: float) -> dict[str, Obj]:
    """Wait until each handle carries a Synced condition with a status; return them live."""
    def settled() -> dict[str, Obj] | None:
        live = {key(h): fresh(kube, h) for h in handles}
        if all(condition(o, "Synced").get("status") in ("True", "False") for o in live.values()):
            return {k: v for k, v in live.items() if v is not None}
        return None
    result: dict[str, Obj] = wait_for("Synced conditions", settled, timeout)
    return result


def deep(obj: Obj) -> Obj:
    return copy.deepcopy(obj)


def stack_figures(stack: Stack, label: str) -> None:
    """RunFunction calls by function and code (Crossplane's metrics) and the stack's RSS."""
    try:
        calls = stack.function_calls()
    except OSError as err:
        figure(f"{label}: metrics unavailable ({err})")
        calls = {}
    for (fn, code, severity), count in sorted(calls.items()):
        figure(f"{label}: RunFunction {fn} {code} {severity or '-'}: {int(count)}")
    try:
        seconds = parse_function_seconds(stack.metrics())
    except OSError:
        seconds = {}
    for fn, (count, total) in sorted(seconds.items()):
        if count:
            figure(f"{label}: RunFunction {fn} mean {1000 * total / count:.1f} ms as Crossplane sees it "
                   f"({int(count)} calls)")
    rss = stack.rss()
    total = sum(rss.values())
    parts = ", ".join(f"{n} {v / 2**20:.0f}" for n, v in sorted(rss.items(), key=lambda kv: -kv[1]))
    figure(f"{label}: stack RSS {total / 2**20:.0f} MiB ({parts} MiB)")
