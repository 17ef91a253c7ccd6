"""Numbers as DynamoDB stores them, and the numbers and sets it refuses.

DynamoDB keeps a number's value, not its text: ``00042`` reads back as ``42``, ``1.0`` as
``1``, ``1.5E2`` as ``150``, ``-0`` as ``0``. It holds up to 38 significant digits, with
magnitudes from 1E-130 to 9.9999999999999999999999999999999999999E+125, and refuses the
rest ("Number overflow", "Number underflow", "more than 38 significant digits").
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html

moto keeps the text as sent, so every number in a DynamoDB request (items, keys,
expression values, legacy conditions, alike) is rewritten here in the stored form before
moto sees it. Sets: an empty set and a set with two equal members are refused
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.SetTypes).
"""

from __future__ import annotations

import base64
import decimal
from typing import Any

from cruddur_lab.engine.refusal import Refusal

MAX_DIGITS = 38
MAX_EXPONENT = 125
MIN_EXPONENT = -130
_CONTEXT = decimal.Context(prec=MAX_DIGITS + 10)
_SET_NAMES = {"SS": "string", "NS": "number", "BS": "binary"}


def stored_number(text: str) -> str:
    """``text`` as DynamoDB stores and returns it, or ``Refusal`` as DynamoDB refuses it."""
    try:
        number = decimal.Decimal(text)
    except (decimal.InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite() or text != text.strip():
        raise Refusal(f"The parameter cannot be converted to a numeric value: {text}")
    if number.is_zero():
        return "0"
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    if len(digits) > MAX_DIGITS:
        raise Refusal("Attempting to store more than 38 significant digits in a Number")
    number = number.normalize(_CONTEXT)
    if number.adjusted() > MAX_EXPONENT:
        raise Refusal(
            "Number overflow. Attempting to store a number with magnitude larger than "
            "supported range"
        )
    if number.adjusted() < MIN_EXPONENT:
        raise Refusal(
            "Number underflow. Attempting to store a number with magnitude smaller than "
            "supported range"
        )
    return format(number, "f")


def normalize_values(value: Any) -> None:
    """Rewrite every number under ``value`` (a request body or part of one) in place, and
    refuse bad numbers and sets. An AttributeValue is a one-key object whose key is its type
    (``{"N": "42"}``); an item or map holding an attribute named ``N`` has an object under it,
    never a string, so the two cannot be confused."""
    if isinstance(value, list):
        for member in value:
            normalize_values(member)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((kind, inner),) = value.items()
        if kind == "N" and isinstance(inner, str):
            value["N"] = stored_number(inner)
            return
        if kind in _SET_NAMES and isinstance(inner, list):
            value[kind] = _checked_set(kind, inner)
            return
    for member in value.values():
        normalize_values(member)


def _checked_set(kind: str, members: list[Any]) -> list[Any]:
    if not members:
        raise Refusal(
            "One or more parameter values were invalid: "
            f"An {_SET_NAMES[kind]} set  may not be empty"
        )
    if kind == "NS":
        members = [stored_number(m) if isinstance(m, str) else m for m in members]
    seen = [_comparable(kind, m) for m in members]
    if len(set(seen)) != len(seen):
        shown = ", ".join(str(m) for m in members)
        raise Refusal(
            f"One or more parameter values were invalid: Input collection [{shown}] "
            "contains duplicates."
        )
    return members


def _comparable(kind: str, member: Any) -> Any:
    if kind == "BS" and isinstance(member, str):
        try:
            return base64.b64decode(member)
        except ValueError:
            return member
    return member if isinstance(member, str | int | float) else repr(member)


def normalize_request(body: dict[str, Any]) -> None:
    normalize_values(body)


#: Every item operation carries AttributeValues somewhere; PartiQL's parameters too.
RULES = {
    operation: [normalize_request]
    for operation in (
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "GetItem",
        "Query",
        "Scan",
        "BatchWriteItem",
        "BatchGetItem",
        "TransactWriteItems",
        "TransactGetItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    )
}
