"""AWS's capacity rules as pure functions: item sizes, read and write units, index writes.

moto reports a constant ConsumedCapacity (1.0 for a read, whatever its size), so a local
engine's figures teach nothing. These functions compute what AWS would charge from the
items themselves, following the DynamoDB developer guide:

* item sizes -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
* read and write units -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
* failed conditional writes -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
* index writes -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
* transactions -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling

Items come in two forms and every function takes both: plain Python values as the boto3
resource uses them (``{"pk": "MSG#1", "n": Decimal(3)}``) or DynamoDB's wire form
(``{"pk": {"S": "MSG#1"}, "n": {"N": "3"}}``, as sent over HTTP). ``wire_item`` turns the
first into the second; sizes are always computed on the wire form, where a number and a
string are told apart.

Where the guide is silent the larger figure is taken and ``SILENT`` says so. This is the
bottom layer: it imports nothing from the package.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
MAX_ITEM_BYTES = 400 * 1024
#: A Query or Scan page stops after 1 MB of evaluated items.
MAX_PAGE_BYTES = 1024 * 1024
#: Transactions perform every read and write twice (prepare and commit).
TRANSACTION_FACTOR = 2

#: Choices made where the developer guide says nothing; shown wherever they change a figure.
SILENT = {
    "negative_number": "the guide's number rule has no sign; a negative number is counted "
    "one byte more (DynamoDB's encoding ends it with a terminator byte)",
    "transaction_index": "the guide does not say whether index writes caused by a "
    "transaction are doubled; they are counted doubled (the larger figure)",
    "cancelled_transaction": "the guide does not say what a cancelled transaction "
    "consumes; each action is counted at its size, doubled, without index writes",
    "sets": "the guide gives no overhead for string, number and binary sets; a set "
    "counts the sum of its elements",
}

_TYPES = {"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"}


# --- item size ------------------------------------------------------------------------


def is_wire_value(value: Any) -> bool:
    """True for a typed AttributeValue such as ``{"S": "x"}``."""
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _TYPES


def wire_value(value: Any) -> dict[str, Any]:
    """A plain Python value as DynamoDB's typed AttributeValue (a wire value passes)."""
    if is_wire_value(value):
        return dict(value)
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        raise TypeError(f"{value!r}: DynamoDB numbers are Decimal or int, not float")
    if isinstance(value, Mapping):
        return {"M": {str(k): wire_value(v) for k, v in value.items()}}
    if isinstance(value, set | frozenset):
        return _wire_set(value)
    if isinstance(value, list | tuple):
        return {"L": [wire_value(v) for v in value]}
    raise TypeError(f"{value!r} ({type(value).__name__}) is not a DynamoDB type")


def _wire_set(values: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if all(isinstance(v, str) for v in values):
        return {"SS": sorted(values)}
    if all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values):
        return {"NS": [str(v) for v in values]}
    if all(isinstance(v, bytes | bytearray) for v in values):
        return {"BS": [bytes(v) for v in values]}
    raise TypeError(f"a set must hold only strings, only numbers or only bytes: {values!r}")


def wire_item(item: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """An item of plain values (or already typed) in DynamoDB's wire form."""
    return {str(name): wire_value(value) for name, value in item.items()}


def number_size(text: str | int | Decimal) -> int:
    """Bytes of a number: 1 per two significant digits, plus 1 (leading/trailing zeroes
    trimmed); a negative number one more (``SILENT["negative_number"]``)."""
    number = Decimal(str(text))
    digits = "".join(str(d) for d in number.as_tuple().digits).strip("0")
    size = math.ceil(len(digits) / 2) + 1
    return size + 1 if number < 0 else size


def _binary_size(value: Any) -> int:
    if isinstance(value, str):  # base64 text of a wire value sent as JSON
        import base64

        return len(base64.b64decode(value))
    return len(value)


def value_size(value: Any) -> int:
    """Bytes of one value (without its attribute name), plain or wire."""
    typed = wire_value(value)
    ((kind, inner),) = typed.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return _binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in inner)
    if kind == "NS":
        return sum(number_size(v) for v in inner)
    if kind == "BS":
        return sum(_binary_size(v) for v in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    # A map's elements carry their names, like the attributes of an item.
    return 3 + sum(1 + len(str(k).encode()) + value_size(v) for k, v in inner.items())


def attribute_size(name: str, value: Any) -> int:
    """Bytes one attribute adds to an item: UTF-8 bytes of its name plus its value."""
    return len(name.encode()) + value_size(value)


def item_size(item: Mapping[str, Any] | None) -> int:
    """Size in bytes of an item (plain or wire), as DynamoDB counts it; None is 0."""
    if not item:
        return 0
    return sum(attribute_size(name, value) for name, value in item.items())


def check_item_size(item: Mapping[str, Any]) -> int:
    """The item's size; ``ValueError`` when it is over DynamoDB's 400 KB limit."""
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise ValueError(f"item is {size} bytes, over DynamoDB's limit of {MAX_ITEM_BYTES}")
    return size


# --- units ----------------------------------------------------------------------------


def blocks(size: int, unit: int) -> int:
    """Units of ``unit`` bytes that ``size`` needs; never fewer than one."""
    return max(1, math.ceil(size / unit))


def read_units_for_size(
    size: int, *, consistent: bool = False, transactional: bool = False
) -> float:
    """Read units for ``size`` bytes read at once: per 4 KB, half when eventually
    consistent, double when transactional; at least the minimum even for nothing."""
    needed = blocks(size, READ_UNIT_BYTES)
    if transactional:
        return float(needed * TRANSACTION_FACTOR)
    return float(needed) if consistent else needed / 2


def item_read_units(
    item: Mapping[str, Any] | None, *, consistent: bool = False, transactional: bool = False
) -> float:
    """GetItem (or one key of BatchGetItem / TransactGetItems); a missing item still costs
    the minimum."""
    return read_units_for_size(item_size(item), consistent=consistent, transactional=transactional)


def page_read_units(items: Iterable[Mapping[str, Any]], *, consistent: bool = False) -> float:
    """One Query or Scan page: the sizes of the items *evaluated* are summed, then rounded
    up once to 4 KB. A filter does not lower it; pass the evaluated items, not the returned."""
    return read_units_for_size(sum(item_size(i) for i in items), consistent=consistent)


def read_units(items: Iterable[Mapping[str, Any]], *, consistent: bool = False) -> float:
    """Read units a Query or Scan over ``items`` consumes, paginated as DynamoDB does
    (a page ends after 1 MB) and each page rounded separately."""
    return sum(page_read_units(page, consistent=consistent) for page in split_pages(items))


def split_pages(items: Iterable[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Cut ``items`` into pages as DynamoDB does: a page stops once 1 MB has been read."""
    pages: list[list[Mapping[str, Any]]] = [[]]
    size = 0
    for item in items:
        if size >= MAX_PAGE_BYTES:
            pages.append([])
            size = 0
        pages[-1].append(item)
        size += item_size(item)
    return pages


def write_units_for_size(size: int, *, transactional: bool = False) -> float:
    return float(blocks(size, WRITE_UNIT_BYTES) * (TRANSACTION_FACTOR if transactional else 1))


def write_units(
    item: Mapping[str, Any] | None,
    *,
    old: Mapping[str, Any] | None = None,
    transactional: bool = False,
) -> float:
    """PutItem / UpdateItem / DeleteItem (or one action of a transaction or batch): the
    larger of the old and the new image, per 1 KB, at least 1; double in a transaction.

    For a delete pass ``item=None`` and the deleted item as ``old``; for a conditional write
    that failed, pass ``item=None`` and the existing item (AWS charges its size, minimum 1).
    """
    size = max(item_size(item), item_size(old))
    return write_units_for_size(size, transactional=transactional)


# --- secondary indexes -----------------------------------------------------------------


@dataclass(frozen=True)
class IndexSpec:
    """What an index holds: its key attributes and projection (from DescribeTable)."""

    name: str
    keys: tuple[str, ...]
    table_keys: tuple[str, ...]
    projection: str = "ALL"
    non_key_attributes: tuple[str, ...] = ()

    @classmethod
    def from_description(cls, index: Mapping[str, Any], table_keys: Sequence[str]) -> IndexSpec:
        projection = index.get("Projection") or {}
        return cls(
            name=index["IndexName"],
            keys=tuple(k["AttributeName"] for k in index["KeySchema"]),
            table_keys=tuple(table_keys),
            projection=projection.get("ProjectionType", "ALL"),
            non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
        )

    def entry(self, item: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The index's copy of ``item``, or None when the item is not in the (sparse)
        index because it lacks one of the index's key attributes."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        kept = {*self.keys, *self.table_keys}
        if self.projection == "INCLUDE":
            kept |= set(self.non_key_attributes)
        return {name: value for name, value in item.items() if name in kept}


@dataclass(frozen=True)
class IndexWrite:
    """One write DynamoDB makes in an index because a table item changed."""

    index: str
    kind: str  # "put" (entering), "delete" (leaving), "update" (projected attributes)
    size: int
    units: float


def index_writes(
    spec: IndexSpec,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    transactional: bool = False,
) -> list[IndexWrite]:
    """The index writes a change of one table item from ``old`` to ``new`` causes.

    Entering the index: one put. Leaving it: one delete. A changed index key: a delete and
    a put. Only projected non-key attributes changed: one write. Never in the index (or
    nothing it holds changed): none. Each is rounded per 1 KB of the index entry; in a
    transaction doubled (``SILENT["transaction_index"]``).
    """
    before, after = spec.entry(old), spec.entry(new)
    factor = TRANSACTION_FACTOR if transactional else 1
    if before == after:  # never in the index, or nothing it holds changed
        return []

    def write(kind: str, entry: dict[str, Any]) -> IndexWrite:
        size = item_size(entry)
        return IndexWrite(spec.name, kind, size, float(blocks(size, WRITE_UNIT_BYTES) * factor))

    if before is None:
        return [write("put", after)]  # type: ignore[arg-type]
    if after is None:
        return [write("delete", before)]
    if _key(spec, before) != _key(spec, after) or _key(spec, before, table=True) != _key(
        spec, after, table=True
    ):
        return [write("delete", before), write("put", after)]
    larger = before if item_size(before) >= item_size(after) else after
    return [write("update", larger)]


def _key(spec: IndexSpec, entry: Mapping[str, Any], *, table: bool = False) -> tuple[Any, ...]:
    names = spec.table_keys if table else spec.keys
    return tuple(repr(wire_value(entry.get(name))) for name in names)


def index_write_units(
    spec: IndexSpec,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    transactional: bool = False,
) -> float:
    """Sum of ``index_writes``' units."""
    return sum(w.units for w in index_writes(spec, old, new, transactional=transactional))


# --- a priced request -----------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """Estimated capacity of one request (or a sum of them), table and indexes apart.

    ``index_wcu_assumed`` is the part of ``index_wcu`` that only the conservative reading
    of a silent rule adds (a transaction's index writes doubled); ``notes`` say which.
    ``steps`` is the arithmetic, one line per item or page, for a learner to follow.
    """

    rcu: float = 0.0
    wcu: float = 0.0
    index_rcu: float = 0.0
    index_wcu: float = 0.0
    index_wcu_assumed: float = 0.0
    by_index: tuple[tuple[str, float, float], ...] = ()
    steps: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def capacity_units(self) -> float:
        """Everything together, as AWS's ``ConsumedCapacity.CapacityUnits`` totals it."""
        return self.rcu + self.wcu + self.index_rcu + self.index_wcu

    def __add__(self, other: Cost) -> Cost:
        indexes: dict[str, list[float]] = {}
        for name, rcu, wcu in (*self.by_index, *other.by_index):
            totals = indexes.setdefault(name, [0.0, 0.0])
            totals[0] += rcu
            totals[1] += wcu
        return Cost(
            rcu=self.rcu + other.rcu,
            wcu=self.wcu + other.wcu,
            index_rcu=self.index_rcu + other.index_rcu,
            index_wcu=self.index_wcu + other.index_wcu,
            index_wcu_assumed=self.index_wcu_assumed + other.index_wcu_assumed,
            by_index=tuple((n, r, w) for n, (r, w) in indexes.items()),
            steps=self.steps + other.steps,
            notes=tuple(dict.fromkeys(self.notes + other.notes)),
        )

    def __str__(self) -> str:
        text = f"{self.rcu:g} RCU, {self.wcu:g} WCU"
        if self.index_rcu or self.index_wcu:
            text += f"; index {self.index_rcu:g} RCU, {self.index_wcu:g} WCU"
        if self.index_wcu_assumed:
            text += f" ({self.index_wcu - self.index_wcu_assumed:g} if not doubled)"
        return text


def total_cost(costs: Iterable[Cost]) -> Cost:
    return sum(costs, Cost())  # type: ignore[arg-type]


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
