"""What the index and the item collections really hold, read from the engine.

The old "GSI view" filtered a Scan of the base table on the client: no request ever named
the index, so nothing showed what the index holds or what reading it costs. ``read_index``
sends the Query or Scan *to the index* (``IndexName``), keeps the recorded request, Count and
ScannedCount, takes the projection from ``DescribeTable``, and sets beside the result the
base-table items the sparse index leaves out (every message row: it has no
``message_group_uuid``).

``item_collections`` groups items by kind and partition key, in sort-key order: the shape
NoSQL Workbench's visualizer and the developer guide draw.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html

Data only: ``cruddur_lab.notebook.view_drawings`` shows these as HTML and text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cruddur_lab import model
from cruddur_lab.capacity import item_size
from cruddur_lab.engine.trace import Call, recording
from cruddur_lab.model import PARTITION_KEY, SORT_KEY, parse_pk
from cruddur_lab.scripts.reads import read_all, read_pages, sort_items
from cruddur_lab.scripts.schema import require_table

if TYPE_CHECKING:
    from cruddur_lab.engine.lab import Lab


#: Item kinds in the order a learner meets them, with the key template of each.
KINDS = {"group": "group rows", "message": "message rows"}


def kind_of(item: Mapping[str, Any]) -> str:
    """``group`` or ``message`` from the partition key (``other`` for a foreign key)."""
    try:
        return parse_pk(str(item.get(PARTITION_KEY, "")))[0]
    except ValueError:
        return "other"


# --- the index ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexDefinition:
    """An index as ``DescribeTable`` reports it."""

    name: str
    partition_key: str
    sort_key: str | None
    projection_type: str
    projected_non_key: tuple[str, ...] = ()
    table_keys: tuple[str, ...] = (PARTITION_KEY, SORT_KEY)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.partition_key, self.sort_key) if k)

    def projects(self, attribute: str) -> bool:
        """True when the index holds ``attribute`` (keys always; others by projection)."""
        if attribute in self.keys or attribute in self.table_keys:
            return True
        if self.projection_type == "ALL":
            return True
        return self.projection_type == "INCLUDE" and attribute in self.projected_non_key

    def holds(self, item: Mapping[str, Any]) -> bool:
        """An item is in the index only if it has every index key attribute (sparse)."""
        return all(item.get(key) not in (None, "") for key in self.keys)


def index_definition(description: Mapping[str, Any], name: str | None = None) -> IndexDefinition:
    """``name``'s keys and projection (the model's index by default) from ``DescribeTable``."""
    name = name or model.GSI_NAME  # read at call time: model.py names the index, once
    indexes = {g["IndexName"]: g for g in description.get("GlobalSecondaryIndexes") or []}
    if name not in indexes:
        raise KeyError(f"table {description.get('TableName')!r} has no index {name!r}")
    gsi = indexes[name]
    roles = {k["KeyType"]: k["AttributeName"] for k in gsi["KeySchema"]}
    table_keys = tuple(k["AttributeName"] for k in description["KeySchema"])
    projection = gsi.get("Projection", {})
    return IndexDefinition(
        name=name,
        partition_key=roles["HASH"],
        sort_key=roles.get("RANGE"),
        projection_type=projection.get("ProjectionType", "ALL"),
        projected_non_key=tuple(projection.get("NonKeyAttributes", ())),
        table_keys=table_keys,
    )


@dataclass
class IndexView:
    """One read of the index, and the base-table items the index does not hold."""

    table_name: str
    index: IndexDefinition
    #: ``Query`` or ``Scan``, as sent (``IndexName`` among its parameters).
    requests: list[Call]
    #: Index entries, in the index's key order (partition, then sort key).
    items: list[dict[str, Any]]
    count: int
    scanned_count: int
    pages: int
    #: What AWS would charge for the read (eventually consistent, projected sizes).
    estimated_rcu: float
    #: Base-table items that the index leaves out (no index key attribute), pk/sk order.
    left_out: list[dict[str, Any]] = field(default_factory=list)
    #: Every base-table item, counted once, to set the index beside.
    table_items: int = 0

    @property
    def operation(self) -> str:
        return self.requests[0].operation if self.requests else ""

    def partitions(self) -> dict[str, list[dict[str, Any]]]:
        """Index entries by their index partition key value, in index sort-key order."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in self.items:
            groups.setdefault(str(item[self.index.partition_key]), []).append(item)
        return groups


def read_index(
    lab: Lab, partition_value: str | None = None, *, index_name: str | None = None
) -> IndexView:
    """Query the index for one partition (``partition_value``) or Scan all of it.

    The request names the index; the base table is scanned separately (all pages) only to
    find the items the index leaves out, and that Scan is not counted as the view's read.
    """
    from boto3.dynamodb.conditions import Key

    description = require_table(lab)
    index = index_definition(description, index_name)
    kwargs: dict[str, Any] = {"IndexName": index.name}
    operation = "scan"
    if partition_value is not None:
        operation = "query"
        kwargs["KeyConditionExpression"] = Key(index.partition_key).eq(partition_value)
    with recording(lab, ("Query", "Scan")) as calls:
        result = read_pages(lab, operation, kwargs)
    base = read_all(lab, "scan")
    left_out = [item for item in base if not index.holds(item)]
    items = sorted(
        result.items,
        key=lambda i: (str(i[index.partition_key]), str(i.get(index.sort_key or "", ""))),
    )
    return IndexView(
        table_name=lab.settings.table_name,
        index=index,
        requests=list(calls),
        items=items,
        count=result.count,
        scanned_count=result.scanned_count,
        pages=result.pages,
        # The priced recorder's figure: the index's own read units, by AWS's rules.
        estimated_rcu=sum(c.cost.rcu + c.cost.index_rcu for c in calls if c.cost is not None),
        left_out=sort_items(left_out),
        table_items=len(base),
    )


# --- item collections -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemCollection:
    """All items that share one partition key, in sort-key order."""

    kind: str
    pk: str
    items: tuple[dict[str, Any], ...]

    @property
    def size_bytes(self) -> int:
        """Sum of the item sizes, as DynamoDB counts them (names plus values)."""
        return sum(item_size(item) for item in self.items)


def item_collections(items: Iterable[Mapping[str, Any]]) -> list[ItemCollection]:
    """Items by kind (group rows, then message rows), then partition key, then sort key."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in sort_items([dict(i) for i in items]):
        groups.setdefault(item[PARTITION_KEY], []).append(item)
    order = list(KINDS)
    collections = [ItemCollection(kind_of(rows[0]), pk, tuple(rows)) for pk, rows in groups.items()]
    return sorted(
        collections,
        key=lambda c: (order.index(c.kind) if c.kind in order else len(order), c.pk),
    )


def by_kind(collections: Sequence[ItemCollection]) -> dict[str, list[ItemCollection]]:
    grouped: dict[str, list[ItemCollection]] = {}
    for collection in collections:
        grouped.setdefault(collection.kind, []).append(collection)
    return grouped
