"""The one error type of the DNS model.

Every refusal names the field it came from, the offending value and the rule it breaks,
because the message travels unchanged into a Crossplane Fatal result or a Pulumi error
and is all a Blueprint author or provisioning engineer gets to fix their input with.
"""

from __future__ import annotations

from typing import Any

_MAX_SHOWN = 120
_MAX_FIELD = 200


def shown(value: Any) -> str:
    """Render a value for an error message: repr, bounded, so huge or hostile input stays readable."""
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = f"{text[:_MAX_SHOWN]}... ({len(text)} chars)"
    return text


def kind_of(value: Any) -> str:
    """A value's type in the words of YAML/JSON, which is what the user wrote."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


class DnsInputError(ValueError):
    """Input that breaks a DNS, provider or policy rule.

    Attributes:
        field: where the value came from, as a path (``spec.hostnames[2]``).
        value: the refused value.
        rule: the rule, in words a reader can act on.
    """

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        path = field if len(field) <= _MAX_FIELD else f"{field[:_MAX_FIELD]}... ({len(field)} chars)"
        super().__init__(f"{path}: {shown(value)} {rule}")
