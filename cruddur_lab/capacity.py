"""Capacity units: what DynamoDB reports, and what AWS would charge by its published rules.

moto reports a constant ConsumedCapacity (1.0 for a read, whatever its size), so the
numbers a local engine prints teach nothing. These functions compute the AWS figure from
item sizes instead:

* item size = for each attribute, UTF-8 bytes of its name + UTF-8 bytes of its string value
  (numbers and other types are not used by this model);
* a read unit covers 4 KB of a strongly consistent read; an eventually consistent read costs
  half; a Query/Scan charges the *sum* of the item sizes it reads, rounded up once to 4 KB;
* a write unit covers 1 KB, rounded up per item; a transactional write costs double.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
MAX_ITEM_BYTES = 400 * 1024


def attribute_size(name: str, value: Any) -> int:
    """Bytes one attribute adds to an item: its name plus its value."""
    if isinstance(value, str):
        return len(name.encode()) + len(value.encode())
    if isinstance(value, bytes | bytearray):
        return len(name.encode()) + len(value)
    if isinstance(value, bool) or value is None:
        return len(name.encode()) + 1
    raise TypeError(f"attribute {name!r}: only strings are part of this model, got {value!r}")


def item_size(item: Mapping[str, Any]) -> int:
    """Size in bytes of an item of plain Python strings, as DynamoDB counts it."""
    return sum(attribute_size(name, value) for name, value in item.items())


def read_units(items: Iterable[Mapping[str, Any]], *, consistent: bool = False) -> float:
    """Read units a Query or Scan over ``items`` would consume on AWS (minimum one unit)."""
    total = sum(item_size(item) for item in items)
    units = max(1, math.ceil(total / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(item: Mapping[str, Any], *, transactional: bool = False) -> float:
    """Write units a PutItem (or one transactional put) of ``item`` would consume on AWS."""
    units = max(1, math.ceil(item_size(item) / WRITE_UNIT_BYTES))
    return float(units * (2 if transactional else 1))


def reported_units(response: Mapping[str, Any]) -> float | None:
    """The ``CapacityUnits`` an engine reported in a response (None when it sent none)."""
    consumed = response.get("ConsumedCapacity")
    if isinstance(consumed, list):
        if not consumed:
            return None
        return float(sum(entry.get("CapacityUnits", 0) for entry in consumed))
    if isinstance(consumed, Mapping):
        return float(consumed.get("CapacityUnits", 0))
    return None
