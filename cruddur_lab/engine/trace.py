"""Show the DynamoDB requests the package makes, so a notebook never retypes a query.

>>> with recording(lab) as calls:
...     get_conversation(lab)
>>> print(format_calls(calls))
Query cruddur-messages
  KeyConditionExpression     pk = :pk
  ...

Requests are captured after boto3 has built the expressions and before they are sent, with
typed values turned back into plain ones. Nothing is changed on the way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab

#: Parameters that are plumbing, not part of the access pattern.
_HIDDEN = ("TableName", "ReturnConsumedCapacity")


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any]

    @property
    def table(self) -> str:
        return str(self.params.get("TableName", ""))


def _plain(value: Any) -> Any:
    """Typed AttributeValues (``{"S": "x"}``) back to plain values, recursively."""
    from boto3.dynamodb.types import TypeDeserializer

    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in {"S", "N", "B", "BOOL", "NULL", "L", "M", "SS"}:
            with contextlib.suppress(TypeError, ValueError, AttributeError):
                return TypeDeserializer().deserialize(value)
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@contextlib.contextmanager
def recording(lab: Lab, operations: Sequence[str] = ()) -> Iterator[list[Call]]:
    """Collect every DynamoDB request made through ``lab`` (optionally only ``operations``)."""
    calls: list[Call] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if not operations or model.name in operations:
            calls.append(Call(model.name, _plain(params)))

    clients = [lab.dynamodb, lab.client("dynamodb")]
    for client in clients:
        client.meta.events.register_last("before-parameter-build.dynamodb", record)
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("before-parameter-build.dynamodb", record)


def format_call(call: Call) -> str:
    lines = [f"{call.operation} {call.table}".rstrip()]
    shown = {k: v for k, v in call.params.items() if k not in _HIDDEN}
    width = max((len(k) for k in shown), default=0)
    lines += [f"  {key.ljust(width)}  {value!r}" for key, value in shown.items()]
    return "\n".join(lines)


def format_calls(calls: Sequence[Call]) -> str:
    return "\n".join(format_call(call) for call in calls) if calls else "(no requests)"
