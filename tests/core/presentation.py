"""A reader of RFC 1035 §5.1 quoted character-strings, written from the RFC for the tests.

It is the oracle the TXT round-trip tests read provider values back with, so it shares no
code with the encoder under test.
"""

from __future__ import annotations

import re


def decode_presentation(text: str, *, octal: bool = False) -> list[bytes]:
    """Quoted character-strings (adjacent or space-separated) to their octets."""
    strings: list[bytes] = []
    position = 0
    while position < len(text):
        if text[position] == " ":
            position += 1
            continue
        assert text[position] == '"', f"unquoted text at {position} in {text!r}"
        position += 1
        out = bytearray()
        while text[position] != '"':
            char = text[position]
            if char == "\\":
                digits = text[position + 1:position + 4]
                if re.fullmatch(r"[0-9]{3}", digits):
                    out.append(int(digits, 8 if octal else 10))
                    position += 4
                    continue
                char = text[position + 1]
                position += 1
            out += char.encode("utf-8")
            position += 1
        strings.append(bytes(out))
        position += 1
    return strings
