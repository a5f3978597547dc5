#!/usr/bin/env python3
"""Export the DNS records in rendered provider MRs to a provider-neutral JSON.

Why: tools/externaldns feeds the records our function rendered to ExternalDNS's own TXT
registry and planner. Those speak DNS, not Crossplane, so every provider's MR form (DESIGN.md
§6) is read back here into one record set per (name, type): the owner name (FQDN, lower
case, no trailing dot), the type, the TTL and the values in presentation form with host
names absolute and without the trailing dot (as ExternalDNS writes targets). TXT values
are the text itself (character-strings joined, quotes and chunking removed): what a
resolver hands ExternalDNS, whichever provider stored it.

Deliberately independent of ``catalyst_dns``: this reads the providers' CRD fields, not our
own model of them, so a wrong provider form shows up as a wrong record here. Any field shape
it does not know is an error, not a skipped record.

    python scripts/export_records.py [RENDERED_DIR] > records.json

RENDERED_DIR is the output of ``scripts/xprender.py`` (default build/rendered); the zones and
owner id come from examples/environmentconfig.yaml (the settings the examples render with).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = ROOT / "examples" / "environmentconfig.yaml"
REGISTRY_PREFIX = "_externaldns."
EXTERNAL_NAME = "crossplane.io/external-name"
OWNER_ANNOTATION = "dns.openova.io/owner"

# API group -> provider; the version does not matter (namespaced .m. and cluster forms share fields
# except where noted in the readers).
GROUPS = {
    "dns.cloudflare.m.cloudflare.com": "cloudflare",
    "dns.cloudflare.crossplane.io": "cloudflare",
    "route53.aws.m.upbound.io": "route53",
    "route53.aws.upbound.io": "route53",
    "dns.gcp.m.upbound.io": "clouddns",
    "dns.gcp.upbound.io": "clouddns",
    "network.azure.m.upbound.io": "azuredns",
    "network.azure.upbound.io": "azuredns",
    "dns.hetzner.m.crossplane.io": "hetzner",
    "dns.hetzner.crossplane.io": "hetzner",
}
HOST_TYPES = {"CNAME", "NS", "PTR", "DNAME"}


class ExportError(ValueError):
    """A rendered MR this exporter cannot read as DNS records."""


@dataclass
class Record:
    """One record set in neutral form."""

    name: str
    type: str
    ttl: int
    values: list[str]
    resource: str = ""  # the composite that wrote it, ExternalDNS style <kind>/<namespace>/<name>
    origin: str = ""    # the MR(s) it came from

    @property
    def key(self) -> tuple[str, str]:
        """(name, type): one MR owns one record set (DESIGN.md §6)."""
        return (self.name, self.type)

    @property
    def is_registry(self) -> bool:
        """Whether this is an ownership (TXT registry) record."""
        return self.type == "TXT" and self.name.startswith(REGISTRY_PREFIX)


@dataclass
class Settings:
    """What the exporter needs from the Sovereign settings: zones by id and the owner id."""

    owner_id: str
    zones: list[str]
    zone_by_id: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = ENVIRONMENT) -> Settings:
        """Read the EnvironmentConfig the examples render with."""
        data = yaml.safe_load(path.read_text())["data"]
        zones = [z["name"] for z in data["zones"]]
        return cls(owner_id=data["ownerId"], zones=zones,
                   zone_by_id={str(z["zoneId"]): z["name"] for z in data["zones"]})

    def zone_name(self, zone_id: object) -> str:
        """The zone name behind a provider zone id."""
        name = self.zone_by_id.get(str(zone_id))
        if name is None:
            raise ExportError(f"zone id {zone_id!r} is not in the settings")
        return name


# --- presentation helpers ---------------------------------------------------------------------


def fqdn(name: str) -> str:
    """Lower case, no trailing dot."""
    return name.rstrip(".").lower()


def host(name: object) -> str:
    """A host name value: absolute, no trailing dot (ExternalDNS's target form)."""
    return str(name).rstrip(".").lower()


def relative(name: str, zone: str) -> str:
    """A zone-relative owner name ('@' is the apex) as an FQDN."""
    return zone if name in ("@", "") else f"{name}.{zone}"


def character_strings(text: str, *, octal: bool = False) -> list[str]:
    r"""The character-strings of a presentation-form TXT value (``"a" "b"``, escapes honoured).

    Escapes are RFC 1035's ``\X`` and decimal ``\DDD``; Route53 documents ``\ooo`` as
    *octal* (``octal=True``). A value with no quotes at all is one bare string.
    """
    text = text.strip()
    if not text.startswith('"'):
        return [text]
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] != '"':
            raise ExportError(f"TXT value {text[:60]!r}: text outside quotes at {i}")
        i += 1
        buf = bytearray()  # escapes are octets: decode the string as UTF-8 at its end
        while True:
            if i >= len(text):
                raise ExportError(f"TXT value {text[:60]!r}: unterminated quote")
            ch = text[i]
            if ch == "\\":
                nxt = text[i + 1:i + 4]
                if len(nxt) == 3 and nxt.isdigit():
                    buf.append(int(nxt, 8 if octal else 10))
                    i += 4
                else:
                    buf += text[i + 1].encode()
                    i += 2
            elif ch == '"':
                i += 1
                break
            else:
                buf += ch.encode()
                i += 1
        out.append(buf.decode("utf-8", "surrogateescape"))
    return out


def txt_text(value: str) -> str:
    """The text of a presentation-form TXT value: its character-strings joined."""
    return "".join(character_strings(value))


def presentation(rtype: str, value: str) -> str:
    """Normalise one presentation-form value of ``rtype`` (host names without trailing dot)."""
    if rtype == "TXT":
        return txt_text(value)
    if rtype in HOST_TYPES:
        return host(value)
    parts = value.split()
    if rtype == "MX" and len(parts) == 2:
        return f"{int(parts[0])} {host(parts[1])}"
    if rtype == "SRV" and len(parts) == 4:
        return f"{int(parts[0])} {int(parts[1])} {int(parts[2])} {host(parts[3])}"
    if rtype == "CAA" and len(parts) >= 3:
        return f"{int(parts[0])} {parts[1]} {' '.join(parts[2:])}"
    if rtype in ("MX", "SRV", "CAA"):
        raise ExportError(f"{rtype} value {value!r} is not in presentation form")
    return value


def caa(flags: object, tag: object, value: object) -> str:
    """A CAA value from its fields."""
    return f'{int(str(flags))} {tag} "{value}"'


# --- per provider readers ---------------------------------------------------------------------


def _ttl(fp: Mapping[str, Any], what: str) -> int:
    ttl = fp.get("ttl")
    if not isinstance(ttl, int):
        raise ExportError(f"{what}: ttl {ttl!r} is not a number")
    return ttl


def _require(fp: Mapping[str, Any], key: str, what: str) -> Any:
    if key not in fp:
        raise ExportError(f"{what}: forProvider has no {key!r}")
    return fp[key]


def read_cloudflare(doc: Mapping[str, Any], fp: Mapping[str, Any], what: str, _: Settings) -> Record:
    """Cloudflare DNSRecord: one value per MR; FQDN name; MX priority and SRV/CAA data apart."""
    rtype = str(_require(fp, "type", what))
    name = fqdn(str(_require(fp, "name", what)))
    if rtype == "SRV":
        d = _require(fp, "data", what)
        value = f"{int(d['priority'])} {int(d['weight'])} {int(d['port'])} {host(d['target'])}"
    elif rtype == "CAA":
        d = _require(fp, "data", what)
        value = caa(d["flags"], d["tag"], d["value"])
    elif rtype == "MX":
        value = f"{int(_require(fp, 'priority', what))} {host(_require(fp, 'content', what))}"
    elif rtype == "TXT":
        value = txt_text(str(_require(fp, "content", what)))
    else:
        value = presentation(rtype, str(_require(fp, "content", what)))
    return Record(name, rtype, _ttl(fp, what), [value])


def read_route53(doc: Mapping[str, Any], fp: Mapping[str, Any], what: str, _: Settings) -> Record:
    r"""Route53 Record: FQDN name, values unquoted.

    A TXT entry is the inside of Route53's TXT format (the Terraform provider adds the outer
    quotes): strings escaped with octal ``\ooo``, joined by ``""``.
    """
    if fp.get("alias"):
        raise ExportError(f"{what}: alias records have no values to export")
    rtype = str(_require(fp, "type", what))
    values = []
    for value in _require(fp, "records", what):
        if rtype == "TXT":
            values.append("".join(character_strings(f'"{value}"', octal=True)))
        else:
            values.append(presentation(rtype, str(value)))
    return Record(fqdn(str(_require(fp, "name", what))), rtype, _ttl(fp, what), values)


def read_clouddns(doc: Mapping[str, Any], fp: Mapping[str, Any], what: str, _: Settings) -> Record:
    """Cloud DNS RecordSet: FQDN with trailing dot, rrdatas in presentation form."""
    rtype = str(_require(fp, "type", what))
    values = [presentation(rtype, str(v)) for v in _require(fp, "rrdatas", what)]
    return Record(fqdn(str(_require(fp, "name", what))), rtype, _ttl(fp, what), values)


def read_azuredns(doc: Mapping[str, Any], fp: Mapping[str, Any], what: str, _: Settings) -> Record:
    """Azure DNS<TYPE>Record: relative name in the external-name annotation, fields per type."""
    kind = str(doc["kind"])
    if not (kind.startswith("DNS") and kind.endswith("Record")):
        raise ExportError(f"{what}: not an Azure DNS record kind")
    rtype = kind[3:-6]
    annotations = doc.get("metadata", {}).get("annotations") or {}
    if EXTERNAL_NAME not in annotations:
        raise ExportError(f"{what}: no {EXTERNAL_NAME} annotation (Azure records have no name field)")
    name = relative(str(annotations[EXTERNAL_NAME]), fqdn(str(_require(fp, "zoneName", what))))
    if rtype in ("A", "AAAA", "NS", "PTR"):
        values = [presentation(rtype, str(v)) for v in _require(fp, "records", what)]
    elif rtype == "CNAME":
        values = [host(_require(fp, "record", what))]
    elif rtype == "MX":
        values = [f"{int(r['preference'])} {host(r['exchange'])}" for r in _require(fp, "record", what)]
    elif rtype == "SRV":
        values = [f"{int(r['priority'])} {int(r['weight'])} {int(r['port'])} {host(r['target'])}"
                  for r in _require(fp, "record", what)]
    elif rtype == "TXT":
        values = [str(r["value"]) for r in _require(fp, "record", what)]
    elif rtype == "CAA":
        values = [caa(r["flags"], r["tag"], r["value"]) for r in _require(fp, "record", what)]
    else:
        raise ExportError(f"{what}: Azure record type {rtype} not known to the exporter")
    return Record(name, rtype, _ttl(fp, what), values)


def read_hetzner(doc: Mapping[str, Any], fp: Mapping[str, Any], what: str, settings: Settings) -> Record:
    """Hetzner ZoneRRSet: relative name ('@' apex) in a zone given by id, presentation values."""
    rtype = str(_require(fp, "type", what))
    zone = settings.zone_name(_require(fp, "zone", what))
    values = [presentation(rtype, str(r["value"])) for r in _require(fp, "records", what)]
    return Record(relative(str(_require(fp, "name", what)), zone), rtype, _ttl(fp, what), values)


READERS = {
    "cloudflare": read_cloudflare,
    "route53": read_route53,
    "clouddns": read_clouddns,
    "azuredns": read_azuredns,
    "hetzner": read_hetzner,
}


def provider_of(doc: Mapping[str, Any]) -> str | None:
    """Which DNS provider an MR belongs to (None: not a DNS record MR)."""
    group = str(doc.get("apiVersion", "")).split("/", 1)[0]
    return GROUPS.get(group)


def export(resources: Iterable[Mapping[str, Any]], settings: Settings) -> list[Record]:
    """The record sets in ``resources`` (XR, Objects and anything non-DNS are skipped).

    Cloudflare writes one MR per value: its MRs are merged per (name, type); their TTLs must
    agree. Any other provider writing one (name, type) twice is an error.
    """
    merged: dict[tuple[str, str], Record] = {}
    for doc in resources:
        provider = provider_of(doc)
        if provider is None:
            continue
        what = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        fp = (doc.get("spec") or {}).get("forProvider")
        if not isinstance(fp, Mapping):
            raise ExportError(f"{what}: no spec.forProvider")
        record = READERS[provider](doc, fp, what, settings)
        record.origin = what
        record.resource = str((doc.get("metadata", {}).get("annotations") or {}).get(OWNER_ANNOTATION, ""))
        if record.is_registry:
            record.resource = ""
        seen = merged.get(record.key)
        if seen is None:
            merged[record.key] = record
        elif provider == "cloudflare" and seen.ttl == record.ttl:
            seen.values.extend(v for v in record.values if v not in seen.values)
            seen.origin += f",{what}"
        else:
            raise ExportError(f"{what}: {record.name} {record.type} also written by {seen.origin}")
    for record in merged.values():
        record.values.sort()
    return sorted(merged.values(), key=lambda r: r.key)


def document(sets: Sequence[tuple[str, list[Record]]], settings: Settings) -> dict[str, Any]:
    """The JSON document tools/externaldns reads: owner id, prefix, zones, one set per example."""
    return {
        "ownerId": settings.owner_id,
        "prefix": REGISTRY_PREFIX,
        "zones": settings.zones,
        "sets": [{"id": set_id, "records": [asdict(r) for r in records]} for set_id, records in sets],
    }


def from_directory(rendered: Path, settings: Settings) -> list[tuple[str, list[Record]]]:
    """Every <scope>/<provider>/<example>.yaml that scripts/xprender.py wrote, exported."""
    out = []
    for scope in ("namespaced", "cluster"):
        for path in sorted((rendered / scope).glob("*/*.yaml")):
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
            set_id = "/".join(path.relative_to(rendered).with_suffix("").parts)
            out.append((set_id, export(docs, settings)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the neutral JSON of a rendered directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rendered", nargs="?", type=Path, default=ROOT / "build" / "rendered")
    parser.add_argument("--environment", type=Path, default=ENVIRONMENT)
    args = parser.parse_args(argv)
    settings = Settings.load(args.environment)
    sets = from_directory(args.rendered, settings)
    if not sets:
        print(f"no rendered examples under {args.rendered}", file=sys.stderr)
        return 2
    json.dump(document(sets, settings), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
