import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_dns import kubenames, names
from catalyst_dns.errors import DnsInputError
from catalyst_dns.providers.base import mr_name, record_set_ids
from catalyst_dns.records import RecordType, make_record_set, parse_rdata
from catalyst_dns.settings import Zone

LDH = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=63).filter(
    lambda s: not s.startswith("-") and not s.endswith("-") and not s.startswith("xn--")
)
HOSTNAMES = st.lists(LDH, min_size=2, max_size=6).map(".".join).filter(lambda n: len(n) <= 253)


@given(HOSTNAMES)
def test_valid_ascii_names_are_fixed_points(name: str) -> None:
    assert names.normalise(name, "f") == name
    assert names.normalise(name + ".", "f") == name
    assert names.normalise(name.upper(), "f") == name


@given(st.text(max_size=80))
def test_normalise_never_raises_anything_but_input_error(raw: str) -> None:
    try:
        out = names.normalise(raw, "spec.name", underscore=True, wildcard=True)
    except DnsInputError as exc:
        assert exc.field == "spec.name"
        return
    # Whatever is accepted is in normal form: ASCII, lower case, no trailing dot, labels <= 63.
    assert out.isascii() and out == out.lower() and not out.endswith(".")
    assert all(0 < len(label) <= 63 for label in out.split("."))
    assert names.normalise(out, "again", underscore=True, wildcard=True) == out


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "is empty"),
        ("a..b.example", "empty label"),
        ("-a.example", "not a valid DNS label"),
        ("a-.example", "not a valid DNS label"),
        ("a_b.example", "not a valid DNS label"),
        ("x" * 64 + ".example", "longer than 63"),
        (".".join(["a" * 60] * 5), "longer than 253"),
        ("a.*.example", "below the leftmost label"),
        ("*a.example", "mixes '*'"),
        ("localhost", "single label"),
        ("shop\x00.example", "NUL"),
        ("ｓｈｏｐ.example", "not a valid IDNA2008 label"),
        ("pаypal.example", "mixes scripts"),  # Cyrillic 'а' among Latin letters
        ("xn--zz.example", "not a valid IDNA A-label"),
        # `$` also matches before a final newline: every anchored pattern must end at the end.
        ("app.example\n", "not a valid DNS label"),
        ("app\n.example", "not a valid DNS label"),
        ("app.example.\n", "not a valid DNS label"),
    ],
)
def test_invalid_names_name_their_rule(raw: str, rule: str) -> None:
    with pytest.raises(DnsInputError) as err:
        names.normalise(raw, "spec.hostnames[0]", wildcard=False)
    assert rule in err.value.rule
    assert str(err.value).startswith("spec.hostnames[0]: ")


def test_wildcard_only_where_allowed() -> None:
    assert names.normalise("*.shop.example", "f", wildcard=True) == "*.shop.example"
    with pytest.raises(DnsInputError, match="may not be a wildcard"):
        names.normalise("*.shop.example", "f", wildcard=False)


def test_unicode_names_become_a_labels() -> None:
    assert names.normalise("bücher.example", "f") == "xn--bcher-kva.example"
    assert names.normalise("xn--bcher-kva.example", "f") == "xn--bcher-kva.example"


def test_underscore_labels_only_for_owner_names() -> None:
    assert names.normalise("_dmarc.acme.example", "f", underscore=True) == "_dmarc.acme.example"


def test_non_strings_are_refused_with_type() -> None:
    with pytest.raises(DnsInputError, match="must be a string, not a number"):
        names.normalise(42, "spec.name")


def test_relative_and_within() -> None:
    assert names.relative("omantel.example", "omantel.example") == "@"
    assert names.relative("a.b.omantel.example", "omantel.example") == "a.b"
    assert names.is_within("a.omantel.example", "omantel.example")
    assert not names.is_within("evilomantel.example", "omantel.example")


@pytest.mark.parametrize("raw", ["acme\n", "acme-prod\n", "\nacme"])
def test_kubernetes_names_end_at_the_end(raw: str) -> None:
    # A namespace or object name with a newline would reach annotations and ownership records.
    with pytest.raises(DnsInputError, match="DNS-1123 label"):
        kubenames.check_namespace(raw, "metadata.namespace")
    with pytest.raises(DnsInputError, match="DNS-1123 subdomain"):
        kubenames.check_object_name(raw, "metadata.name")



def _slug_by_regex(text: str) -> str:
    """The rule written the plain way (one regex): lower case, ``*`` spelled out, every run of others one ``-``."""
    lowered = text.lower().replace("*", "wildcard").replace(".", "-")
    return re.sub(r"[^a-z0-9-]+", "-", lowered).strip("-")


@given(st.text(alphabet=st.sampled_from("abcXYZ019-._*é\u212a \u0130ǅ"), max_size=30) | st.text(max_size=30))
def test_slug_is_the_regex_rule_on_any_text(text):
    # The fast path for plain names must agree with the rule everywhere: Unicode letters
    # that lower-case to ASCII (Kelvin sign), digits beyond ASCII, underscores, empty text.
    assert kubenames.slug(text) == _slug_by_regex(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("www.acme.example", "www-acme-example"),
    ("*.acme.example", "wildcard-acme-example"),
    ("_dmarc.acme.example", "dmarc-acme-example"),
    ("a__b..c", "a-b--c"),
    ("K\u212a", "kk"),
    ("-", ""),
    ("", ""),
])
def test_slug_examples(text, expected):
    assert kubenames.slug(text) == expected


PARTS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


@given(st.lists(PARTS, min_size=1, max_size=5), PARTS)
def test_an_identity_hash_fed_in_turn_gives_every_digest_of_the_whole(parts, extra):
    # MR names and labels of composed records must not change when they are hashed in turn:
    # a new name would make Crossplane delete every record and create it again.
    walk = kubenames.IdentityHash(parts[0])
    assert walk.digest() == kubenames.digest(parts[0])
    for count in range(2, len(parts) + 1):
        walk.feed(parts[count - 1])
        assert walk.digest() == kubenames.digest(*parts[:count])
    assert walk.extended(extra) == kubenames.digest(*parts, extra)
    assert walk.digest() == kubenames.digest(*parts)  # extending leaves the walk where it was
    assert walk.digest(length=6) == kubenames.digest(*parts, length=6)


@pytest.mark.parametrize("rtype", ["CNAME", "TXT"])
@pytest.mark.parametrize("suffix", ["", "slot0"])
def test_record_set_ids_and_mr_names_are_the_hashes_of_their_parts(rtype, suffix):
    # The labels and names clusters already hold: (zone, name), (zone, name, type), and the MR
    # name's readable part with the hash of (zone, name, type[, suffix]).
    zone = Zone(name="acme.example", provider="hetzner", provider_config="hz", zone_id="z1")
    record_set = make_record_set(zone, "_dmarc.www.acme.example", RecordType(rtype), 300,
                                 [parse_rdata(RecordType(rtype), "x.acme.example.", "v")], "spec")
    ids = record_set_ids(record_set)
    assert ids.name == kubenames.digest("acme.example", "_dmarc.www.acme.example")
    assert ids.record_set == kubenames.digest("acme.example", "_dmarc.www.acme.example", rtype)
    identity = "\x1f".join(("acme.example", "_dmarc.www.acme.example", rtype, suffix)[:4 if suffix else 3])
    expected = f"{rtype.lower()}-dmarc-www-acme-example-{hashlib.sha256(identity.encode()).hexdigest()[:10]}"
    assert mr_name(record_set, suffix) == mr_name(record_set, suffix, ids) == expected


_LABELS = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
_HOSTS = st.lists(_LABELS, min_size=1, max_size=4).map(".".join)


@given(_HOSTS)
def test_a_dashed_name_decodes_to_its_name(host: str) -> None:
    """Injective (Cloud DNS managed zones and Pulumi logical names rely on it): scanning left to
    right, a double dash was the name's own dash and a single one was a dot."""
    dashed = names.dashed(host)
    assert "." not in dashed
    assert re.sub(r"--|-", lambda m: "-" if m.group() == "--" else ".", dashed) == host


def test_dashed_names_of_dotted_and_dashed_labels_differ() -> None:
    assert names.dashed("eu-west.x") == "eu--west-x" != names.dashed("eu.west.x") == "eu-west-x"


# The whole-label reading of a plain name ``names.is_plain`` stands in for (written out here, as the rule).
PLAIN_LABELS = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@given(st.one_of(
    st.text(alphabet="ab0.-", max_size=20),
    st.text(alphabet="aB9.-_*x", max_size=12),
    st.lists(st.text(alphabet="ab-", min_size=1, max_size=66), min_size=1, max_size=5).map(".".join),
    st.lists(st.sampled_from(["a" * 63, "b" * 64, "xn--bcher-kva", "c-d", "-e", "f-"]), min_size=1, max_size=5)
    .map(".".join),
))
def test_a_plain_name_is_one_the_full_reading_returns_unchanged(raw: str) -> None:
    expected = len(raw) <= names.MAX_NAME_OCTETS and "xn--" not in raw and PLAIN_LABELS.fullmatch(raw) is not None
    assert names.is_plain(raw) == expected
    if expected:  # the full reading agrees, under every flag
        for underscore in (False, True):
            for wildcard in (False, True):
                assert names._normalise(raw, underscore, wildcard) == raw
