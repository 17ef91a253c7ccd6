"""AWS's capacity rules as pure functions: item sizes, read and write units, index writes.

moto itself reports a constant ConsumedCapacity (1.0 for a read, whatever its size); the
embedded engine (``engine/billing.py``) answers with these rules instead, and a learner
uses them to predict a cost from the items before reading the engine's figure. They follow
the DynamoDB developer guide:

* item sizes -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
* read and write units -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
* failed conditional writes -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
* index writes -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
* transactions -- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling

Where the guide is silent or wrong, figures measured on real DynamoDB (eu-west-2, August
2026) decide; they are written out, request by request, in the test suites of the
open-source emulator dynoxide (github.com/nubo-db/dynoxide, ``tests/*consumed_capacity*.rs``)
and of paritysuite/dynamodb-conformance (number sizes), and our tests cite them:

* number sizes: integer and fraction digits are counted in pairs on their own side of the
  point (``1.5`` is 3 bytes, where the guide's rule gives 2);
* a transaction doubles the base table's arm only: its index writes cost what they cost
  outside one;
* a transactional Delete or ConditionCheck is charged on the stored item; an idempotent
  replay (same ``ClientRequestToken``) as a transactional read of the items;
* UpdateItem refuses a smaller resulting item than PutItem (19 bytes per SET action).

Items come in two forms and every function takes both: plain Python values as the boto3
resource uses them (``{"pk": "MSG#1", "n": Decimal(3)}``) or DynamoDB's wire form
(``{"pk": {"S": "MSG#1"}, "n": {"N": "3"}}``, as sent over HTTP). ``wire_item`` turns the
first into the second; sizes are always computed on the wire form, where a number and a
string are told apart.

Where neither a measurement nor the guide settles a rule, ``SILENT`` says what is done.
This is the bottom layer: it imports nothing from the package.
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
#: Transactions perform every read and write twice (prepare and commit): the base table's
#: arm only (measured: an index write inside a transaction is not doubled).
TRANSACTION_FACTOR = 2
#: Bytes UpdateItem adds to the resulting item per SET action before checking the 400 KB
#: limit (measured on DynamoDB: one SET refuses an item over 409,581 bytes).
UPDATE_SET_OVERHEAD = 19

#: Rules neither a measurement on DynamoDB nor the developer guide settles; what is done.
SILENT = {
    "cancelled_transaction": "a cancelled transaction's response carries no "
    "ConsumedCapacity (measured); what it is billed is not published: each action is "
    "counted at its size, doubled, without index writes",
    "failed_condition_report": "a write refused on its condition is charged (guide), but "
    "the error response carries no ConsumedCapacity: the figure is shown only by a "
    "prediction",
    "replay_indexes": "an idempotent replay is charged as a transactional read of the "
    "items (measured); whether its report has index arms is not published: none are shown",
    "sets": "the guide gives no overhead for string, number and binary sets; a set "
    "counts the sum of its elements",
    "batch_split": "single-item requests report only CapacityUnits and transactions add "
    "ReadCapacityUnits/WriteCapacityUnits (measured); batch requests are not published: "
    "they are shaped like single-item requests",
    "update_key_size": "UpdateItem's lower ceiling was measured with a 3-byte key; how a "
    "longer key moves it is not published: 19 bytes per SET action are added",
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
    """Bytes of a number, as measured on DynamoDB: 1, plus the significant integer digits
    and the significant fraction digits each counted in pairs on their own side of the
    decimal point, plus 1 when negative (``1.5`` is 3, ``100.5`` 4, ``3.14159`` 5,
    ``123456`` 4, ``-42`` 3). Leading and trailing zeroes and the exponent do not count."""
    number = Decimal(str(text))
    if number == 0:
        return 1  # zero, however spelt (``-0`` too)
    sign, digit_tuple, exponent = number.as_tuple()
    spelt = "".join(map(str, digit_tuple)).lstrip("0")
    digits = spelt.rstrip("0")  # (``normalize`` would round past 28 digits)
    # where the decimal point falls in ``digits``
    point = len(spelt) + int(exponent)
    if point <= 0:
        whole, fraction = "", "0" * -point + digits
    elif point >= len(digits):
        whole, fraction = digits + "0" * (point - len(digits)), ""
    else:
        whole, fraction = digits[:point], digits[point:]
    # A zero between significant digits is significant: the integer's trailing zeroes
    # drop only when no fraction follows, the fraction's leading ones only with no integer.
    whole_digits = len(whole) if fraction else len(whole.rstrip("0"))
    fraction_digits = len(fraction) if whole else len(fraction.lstrip("0"))
    size = 1 + math.ceil(whole_digits / 2) + math.ceil(fraction_digits / 2)
    return size + 1 if sign else size


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


def check_item_size(item: Mapping[str, Any], *, set_actions: int = 0) -> int:
    """The item's size; ``ValueError`` when it is over DynamoDB's 400 KB limit.

    For the item an UpdateItem would leave, pass its number of SET actions: UpdateItem
    adds ``UPDATE_SET_OVERHEAD`` bytes per action before checking (measured), so it
    refuses items PutItem accepts (``SILENT["update_key_size"]``).
    """
    size = item_size(item)
    if size + UPDATE_SET_OVERHEAD * set_actions > MAX_ITEM_BYTES:
        what = f"UpdateItem with {set_actions} SET action(s)" if set_actions else "DynamoDB"
        limit = MAX_ITEM_BYTES - UPDATE_SET_OVERHEAD * set_actions
        raise ValueError(f"item is {size} bytes, over {what}'s limit of {limit}")
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


def read_units(items: Iterable[Mapping[str, Any]], *, consistent: bool = False) -> float:
    """Read units a Query or Scan over ``items`` consumes, paginated as DynamoDB does
    (a page ends after 1 MB): on each page the sizes of the items *evaluated* are summed,
    then rounded up once to 4 KB. A filter does not lower it; pass the evaluated items, not
    the returned."""
    pages = split_pages([item_size(item) for item in items])
    return sum(read_units_for_size(sum(page), consistent=consistent) for page in pages)


def split_pages(sizes: Iterable[int]) -> list[list[int]]:
    """Cut the sizes of the items read into pages as DynamoDB does: a page stops once 1 MB
    has been read. (Sizes, not items: a large read sizes each item once.)"""
    pages: list[list[int]] = [[]]
    read = 0
    for size in sizes:
        if read >= MAX_PAGE_BYTES:
            pages.append([])
            read = 0
        pages[-1].append(size)
        read += size
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
) -> list[IndexWrite]:
    """The index writes a change of one table item from ``old`` to ``new`` causes.

    Entering the index: one put. Leaving it: one delete. A changed index key: a delete and
    a put, each rounded on its own image. Only projected non-key attributes changed: one
    write of the larger entry. Never in the index (or nothing it holds changed): none.
    Each is rounded per 1 KB of the index entry, and never doubled, in a transaction
    either (measured on DynamoDB).
    """
    before, after = spec.entry(old), spec.entry(new)
    if before == after:  # never in the index, or nothing it holds changed
        return []

    def write(kind: str, entry: dict[str, Any]) -> IndexWrite:
        size = item_size(entry)
        return IndexWrite(spec.name, kind, size, float(blocks(size, WRITE_UNIT_BYTES)))

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
    spec: IndexSpec, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> float:
    """Sum of ``index_writes``' units."""
    return sum(w.units for w in index_writes(spec, old, new))


# --- a priced request -----------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    """Estimated capacity of one request (or a sum of them), table and indexes apart.

    ``notes`` name the ``SILENT`` rules a figure rests on. ``steps`` is the arithmetic,
    one line per item or page, for a learner to follow.
    """

    rcu: float = 0.0
    wcu: float = 0.0
    index_rcu: float = 0.0
    index_wcu: float = 0.0
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
            by_index=tuple((n, r, w) for n, (r, w) in indexes.items()),
            steps=self.steps + other.steps,
            notes=tuple(dict.fromkeys(self.notes + other.notes)),
        )

    def __str__(self) -> str:
        text = f"{self.rcu:g} RCU, {self.wcu:g} WCU"
        if self.index_rcu or self.index_wcu:
            text += f"; index {self.index_rcu:g} RCU, {self.index_wcu:g} WCU"
        return text


def total_cost(costs: Iterable[Cost]) -> Cost:
    return sum(costs, Cost())  # type: ignore[arg-type]
