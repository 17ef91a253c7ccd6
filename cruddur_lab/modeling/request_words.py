"""A recorded request in words: what it reads or writes, where, in which order and how.

The catalogue's columns and the cost notebook's listings come from here, so both describe
a request the same way. ``template`` turns concrete keys back into the model's shapes
(``MSG#<group uuid>``), which stay the same whatever the clock or the ids.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cruddur_lab import model

if TYPE_CHECKING:
    from cruddur_lab.engine.trace import Call

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_TIMESTAMP = r"\d{4}-\d{2}-\d{2}T[0-9:.]+(?:[+-]\d{2}:\d{2}|Z)?"
_WRITES = ("PutItem", "DeleteItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems")


def describe_request(call: Call, *, templated: bool = True) -> dict[str, Any]:
    """What a request does, in the catalogue's words: operation, index, key condition (or
    the keys a write touches), filter, order, page size, consistency and its estimate."""
    shape = template if templated else (lambda text: text)
    wire = call.wire
    names = wire.get("ExpressionAttributeNames", {})
    if call.operation in _WRITES:
        key_condition = shape(_written(call))
    else:
        key_condition = shape(_resolve(wire.get("KeyConditionExpression", ""), names, call))
    consistency = "eventual"
    if call.operation.startswith("Transact"):
        consistency = "transactional"
    elif wire.get("ConsistentRead"):
        consistency = "strong"
    elif call.operation in _WRITES:
        consistency = "write"
    sort = None
    if call.operation == "Query":
        sort = "descending" if wire.get("ScanIndexForward") is False else "ascending"
    cost = call.cost
    return {
        "operation": call.operation,
        "index": wire.get("IndexName"),
        "key_condition": key_condition,
        "filter": _resolve(wire.get("FilterExpression", ""), names, call) or None,
        "sort": sort,
        "page_size": wire.get("Limit"),
        "consistency": consistency,
        "rcu": cost.rcu if cost else None,
        "wcu": cost.wcu if cost else None,
        "index_rcu": cost.index_rcu if cost else None,
        "index_wcu": cost.index_wcu if cost else None,
    }


def _resolve(expression: str, names: dict[str, str], call: Call) -> str:
    """``#n0 = :v0`` with attribute names filled in and values shown by placeholder."""
    text = re.sub(r"#[A-Za-z0-9_]+", lambda m: names.get(m.group(), m.group()), expression)
    values = call.params.get("ExpressionAttributeValues", {})
    return re.sub(r":[A-Za-z0-9_]+", lambda m: str(values.get(m.group(), m.group())), text)


def _written(call: Call) -> str:
    keys: list[str] = []
    if call.operation == "TransactWriteItems":
        for action in call.params.get("TransactItems", []):
            ((kind, body),) = action.items()
            key = body.get("Key") or body.get("Item", {})
            keys.append(f"{kind} {key.get(model.PARTITION_KEY)}")
    elif call.operation == "BatchWriteItem":
        for requests in call.params.get("RequestItems", {}).values():
            kinds = {}
            for request in requests:
                ((kind, body),) = request.items()
                key = body.get("Key") or body.get("Item", {})
                label = f"{kind.replace('Request', '')} {key.get(model.PARTITION_KEY)}"
                kinds[label] = kinds.get(label, 0) + 1
            keys += [f"{n} x {label}" for label, n in kinds.items()]
    else:
        key = call.params.get("Key") or call.params.get("Item", {})
        keys.append(f"{call.operation.replace('Item', '')} {key.get(model.PARTITION_KEY)}")
    return ", ".join(dict.fromkeys(keys))


def template(text: str) -> str:
    """Concrete keys back to the model's templates (stable whatever the clock or ids)."""
    text = re.sub(f"{model.GROUP_PREFIX}{_UUID}", f"{model.GROUP_PREFIX}<user uuid>", text)
    text = re.sub(f"{model.MESSAGE_PREFIX}{_UUID}", f"{model.MESSAGE_PREFIX}<group uuid>", text)
    text = re.sub(_UUID, "<uuid>", text)
    return re.sub(_TIMESTAMP, "<timestamp>", text)


def examples(calls: list[Call]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for call in calls:
        for value in call.params.get("ExpressionAttributeValues", {}).values():
            if isinstance(value, str) and re.search(_UUID, value):
                found.setdefault(value.split("#")[0] + "#" if "#" in value else "group", value)
    return found
