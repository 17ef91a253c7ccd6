"""A request DynamoDB refuses, and the messages its refusals share.

The request rules (``request_limits``, ``numbers``, ``legacy_parameters``, ``table_rules``)
raise ``Refusal``; ``request_rules`` answers it as DynamoDB does, HTTP 400 with the error
type and message. The shapes are those of AWS's validation layer (Common Errors,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

import json
from typing import Any


class Refusal(Exception):
    """A request DynamoDB refuses: ``error_type`` (without prefix) and AWS's message."""

    def __init__(self, message: str, error_type: str = "ValidationException") -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type


def length_constraint(path: str, value: Any, *, most: int | None = None, least: int = 1) -> None:
    """AWS's message for a list or map outside its length bounds (the API reference's
    "Array Members: Minimum number of 1 item. Maximum number of N items")."""
    count = len(value)
    if count < least:
        raise Refusal(
            f"1 validation error detected: Value '{_shown(value)}' at '{path}' failed to "
            f"satisfy constraint: Member must have length greater than or equal to {least}"
        )
    if most is not None and count > most:
        raise Refusal(
            f"1 validation error detected: Value '{_shown(value)}' at '{path}' failed to "
            f"satisfy constraint: Member must have length less than or equal to {most}"
        )


def _shown(value: Any) -> str:
    """How AWS prints the offending value: ``[]``/``{}`` when empty, else its members as Java
    objects, which we abbreviate to a count."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return f"[{len(value)} members]"


def canonical(value: Any) -> str:
    """A key or value as text that equal values share (member order ignored)."""
    return json.dumps(value, sort_keys=True)
