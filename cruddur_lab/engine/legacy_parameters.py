"""The legacy (pre-expression) parameters, answered as DynamoDB answers them.

Older tutorials and code of the bootcamp's era still send ``AttributesToGet``,
``Expected``, ``AttributeUpdates``, ``KeyConditions``, ``QueryFilter`` and ``ScanFilter``.
moto ignores some (``AttributesToGet``) and evaluates others differently from DynamoDB
(``Expected`` with ``ConditionalOperator: OR``; ``Exists: false`` on DeleteItem). The
Developer Guide gives each legacy parameter's meaning as an expression
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html),
so a request is rewritten here into those expressions, which moto evaluates as DynamoDB
does. What DynamoDB refuses is refused first:

* a legacy parameter beside an expression parameter in one request ("Can not use both
  expression and non-expression parameters in the same request");
* ``ExpressionAttributeNames``/``Values`` without any expression;
* ``AttributeUpdates`` naming a key attribute (API_UpdateItem: "Cannot update attribute
  ... This attribute is part of the key").
"""

from __future__ import annotations

from typing import Any

from cruddur_lab.engine.refusal import Refusal

#: Legacy parameter -> the expression parameter that replaces it.
LEGACY = {
    "AttributesToGet": "ProjectionExpression",
    "Expected": "ConditionExpression",
    "AttributeUpdates": "UpdateExpression",
    "KeyConditions": "KeyConditionExpression",
    "QueryFilter": "FilterExpression",
    "ScanFilter": "FilterExpression",
    "ConditionalOperator": None,
}
EXPRESSIONS = (
    "ProjectionExpression",
    "ConditionExpression",
    "UpdateExpression",
    "KeyConditionExpression",
    "FilterExpression",
)
#: ComparisonOperator -> expression, with {a} the attribute and {v}, {v1}… its values.
OPERATORS = {
    "EQ": "{a} = {v}",
    "NE": "{a} <> {v}",
    "LE": "{a} <= {v}",
    "LT": "{a} < {v}",
    "GE": "{a} >= {v}",
    "GT": "{a} > {v}",
    "NOT_NULL": "attribute_exists({a})",
    "NULL": "attribute_not_exists({a})",
    "CONTAINS": "contains({a}, {v})",
    "NOT_CONTAINS": "NOT contains({a}, {v})",
    "BEGINS_WITH": "begins_with({a}, {v})",
    "BETWEEN": "{a} BETWEEN {v} AND {v2}",
}


class _Placeholders:
    """``#legacyN`` names and ``:legacyN`` values for one request."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#legacy{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":legacy{len(self.values)}"
        self.values[placeholder] = value
        return placeholder


def refuse_mixing(body: dict[str, Any]) -> None:
    legacy = sorted(name for name in LEGACY if name in body)
    expressions = sorted(name for name in EXPRESSIONS if name in body)
    if legacy and expressions:
        raise Refusal(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(legacy)}}} "
            f"Expression parameters: {{{', '.join(expressions)}}}"
        )
    if not expressions:
        for placeholders in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            if placeholders in body:
                raise Refusal(f"{placeholders} can only be specified when using expressions")


def refuse_key_updates(body: dict[str, Any]) -> None:
    for name in body.get("AttributeUpdates") or {}:
        if name in (body.get("Key") or {}):
            raise Refusal(
                "One or more parameter values were invalid: Cannot update attribute "
                f"{name}. This attribute is part of the key"
            )


def _condition(name: str, spec: dict[str, Any], slots: _Placeholders) -> str:
    """One attribute's legacy condition as an expression."""
    attribute = slots.name(name)
    if "ComparisonOperator" not in spec:  # the older Value / Exists form of Expected
        exists = spec.get("Exists", True)
        if exists and "Value" not in spec:
            raise Refusal(
                "One or more parameter values were invalid: Value must be provided when "
                f"Exists is true for Attribute: {name}"
            )
        if not exists and "Value" in spec:
            raise Refusal(
                "One or more parameter values were invalid: Value cannot be used when "
                f"Exists is false for Attribute: {name}"
            )
        if not exists:
            return f"attribute_not_exists({attribute})"
        return f"{attribute} = {slots.value(spec['Value'])}"
    operator = spec["ComparisonOperator"]
    values = [slots.value(v) for v in spec.get("AttributeValueList") or []]
    if operator == "IN":
        return f"{attribute} IN ({', '.join(values)})"
    template = OPERATORS.get(operator)
    if template is None:
        raise Refusal(f"Unsupported operator on legacy condition: {operator}")
    wanted = template.count("{v")
    if len(values) != wanted:
        raise Refusal(
            "One or more parameter values were invalid: Invalid number of argument(s) for "
            f"the {operator} ComparisonOperator"
        )
    return template.format(a=attribute, v=values[0] if values else "", v2=values[-1])


def _conditions(conditions: dict[str, Any], joiner: str, slots: _Placeholders) -> str:
    parts = [_condition(name, spec or {}, slots) for name, spec in conditions.items()]
    return f" {joiner} ".join(f"({part})" for part in parts)


def _update(updates: dict[str, Any], slots: _Placeholders) -> str:
    """AttributeUpdates as an UpdateExpression (API_AttributeValueUpdate: PUT, DELETE, ADD)."""
    clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    for name, update in updates.items():
        action = (update or {}).get("Action", "PUT")
        attribute = slots.name(name)
        if action == "PUT":
            clauses["SET"].append(f"{attribute} = {slots.value(update['Value'])}")
        elif action == "DELETE" and "Value" not in update:
            clauses["REMOVE"].append(attribute)
        elif action in ("DELETE", "ADD"):
            clauses[action].append(f"{attribute} {slots.value(update['Value'])}")
    return " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses.items() if parts)


def translate(body: dict[str, Any]) -> None:
    """Rewrite the legacy parameters of ``body`` as the expressions they stand for."""
    if not any(name in body for name in LEGACY):
        return
    slots = _Placeholders()
    joiner = body.pop("ConditionalOperator", "AND")
    if "AttributesToGet" in body:
        attributes = body.pop("AttributesToGet") or []
        body["ProjectionExpression"] = ", ".join(slots.name(a) for a in attributes)
    if "Expected" in body:
        body["ConditionExpression"] = _conditions(body.pop("Expected"), joiner, slots)
    if "AttributeUpdates" in body:
        body["UpdateExpression"] = _update(body.pop("AttributeUpdates"), slots)
    if "KeyConditions" in body:
        body["KeyConditionExpression"] = _conditions(body.pop("KeyConditions"), "AND", slots)
    for legacy_filter in ("QueryFilter", "ScanFilter"):
        if legacy_filter in body:
            body["FilterExpression"] = _conditions(body.pop(legacy_filter), joiner, slots)
    for key in ("ConditionExpression", "UpdateExpression", "FilterExpression"):
        if body.get(key) == "":
            del body[key]  # an empty legacy map stands for no condition
    if slots.names:
        body["ExpressionAttributeNames"] = slots.names
    if slots.values:
        body["ExpressionAttributeValues"] = slots.values


def translate_batch_get(body: dict[str, Any]) -> None:
    for wanted in (body.get("RequestItems") or {}).values():
        if isinstance(wanted, dict):
            refuse_mixing(wanted)
            translate(wanted)


_ITEM_RULES = [refuse_mixing, translate]
RULES = {
    "GetItem": _ITEM_RULES,
    "PutItem": _ITEM_RULES,
    "DeleteItem": _ITEM_RULES,
    "UpdateItem": [refuse_mixing, refuse_key_updates, translate],
    "Query": _ITEM_RULES,
    "Scan": _ITEM_RULES,
    "BatchGetItem": [translate_batch_get],
}
