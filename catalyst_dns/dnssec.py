"""DS records: the one model and presentation form of what a signed child asks its parent for.

Every provider's DS shape (Cloudflare's ``data`` fields, Azure's digest object, the
presentation string Route53, Cloud DNS and Hetzner take) is built from :class:`Ds`, and
the presentation form ``<key tag> <algorithm> <digest type> <DIGEST>`` is written here
only. DS is a record type of the model (``records.RecordType.DS``, whose rdata is a
:class:`Ds`) but not a claim type (``records.CLAIM_TYPES``): only a delegation writes one.
"""

from __future__ import annotations

from dataclasses import dataclass

# DS digest type 2 (SHA-256): the one every registry and every provider here accepts.
DS_DIGEST_SHA256 = 2


@dataclass(frozen=True, slots=True)
class Ds:
    """One DS record's data.

    A dataclass, not a tuple: Pulumi rebuilds tuples that pass through an Output.
    The digest is held upper case, as every provider here reads it back.
    """

    key_tag: int
    algorithm: int
    digest_type: int
    digest: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", self.digest.upper())

    @property
    def fields(self) -> tuple[int, int, int, str]:
        """``(key tag, algorithm, digest type, digest)``, for the providers' DS shapes."""
        return (self.key_tag, self.algorithm, self.digest_type, self.digest)

    @property
    def presentation(self) -> str:
        """Zone-file form, ``<key tag> <algorithm> <digest type> <DIGEST>``."""
        return f"{self.key_tag} {self.algorithm} {self.digest_type} {self.digest}"


def parse_ds(text: str, source: str) -> Ds:
    """A DS from its presentation form (optionally with owner, TTL, class and type in front)."""
    tokens = text.split()
    if "DS" in tokens:
        tokens = tokens[tokens.index("DS") + 1 :]
    if len(tokens) < 4:
        raise ValueError(f"{source} returned {text!r}, which is not a DS record")
    key_tag, algorithm, digest_type = (int(float(t)) for t in tokens[:3])
    return Ds(key_tag, algorithm, digest_type, "".join(tokens[3:]))


def ds_from(values: tuple[object, ...] | list[object]) -> Ds:
    """A DS from ``(key tag, algorithm, digest type, digest)`` as a provider's outputs give them.

    Numbers may arrive as floats (Pulumi's wire form) or strings; they are made integers here.
    """
    key_tag, algorithm, digest_type, digest = values[:4]
    return Ds(int(float(str(key_tag))), int(float(str(algorithm))), int(float(str(digest_type))),
              str(digest))
