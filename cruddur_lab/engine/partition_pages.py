"""The items of a partition that one Query page reaches, so that moto walks only those.

moto answers each page of a table Query by sorting its partition, skipping what earlier
pages returned and walking until the page is full (1 MB or ``Limit``). Every page cost the
whole partition: a re-seed's COUNT of 100,000 messages is thirty 1 MB pages, and each one
compared and sorted all 100,000 (pages × items). DynamoDB reads only the page. Here:

* ``partition_order``: a partition's items in the order moto sorts them, kept between
  requests and brought up to date from the stream records written since (as the index
  cache in ``motopatch`` is); a table without a stream sorts its partition per request;
* ``page_window``: the part of that order which decides the page. Each key condition is a
  range of the sort order, and so is "after the start key": bisected, not walked. From
  there, the items that fill the page and the one at which moto stops it.

moto runs its own skip, limit, filter and projection on the window and answers as with the
whole partition: the same Items, Count, ScannedCount and LastEvaluatedKey on every page.
Anything the window does not model (a legacy ``QueryFilter``, a start key of another
partition, values of another type) gets the whole partition, as before.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

#: Cancelled transactions so far. ``motopatch`` puts their rows back without stream
#: records, so anything built from the stream before one is rebuilt.
ROLLBACKS = [0]

#: moto refuses an item larger than this (``LimitedSizeDict``), as DynamoDB refuses one over
#: 400 KB, so only a page within this of 1 MB can be ended by an item past its key
#: condition. moto does not check a nested ``SET`` of an update: an item grown past the
#: limit that way, past a page's key condition, could end a page in moto and not here.
MOTO_ITEM_LIMIT = 405_000


class StreamFollower:
    """Something built from a table's items, then kept current from its stream records.

    moto appends one record per put, update and delete, in order, so what was written since
    the build is the records past ``applied``.
    """

    def __init__(self, table: Any) -> None:
        self.records = table.stream_shard.items
        self.applied = len(self.records)
        self.rollbacks = ROLLBACKS[0]

    def still_follows(self, shard: Any) -> bool:
        # A Lambda event source mapping replaces the list; a rollback truncates it.
        return (
            shard is not None
            and shard.items is self.records
            and len(self.records) >= self.applied
            and self.rollbacks == ROLLBACKS[0]
        )

    def unapplied(self) -> int:
        return len(self.records) - self.applied

    def take_unapplied(self) -> list[Any]:
        records = self.records[self.applied :]
        self.applied = len(self.records)
        return records


def record_key(table: Any, record: Any) -> tuple[Any, Any]:
    """The (hash, range) key of the item a stream record is about, as moto's DynamoTypes."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    keys = record.record["dynamodb"]["Keys"]
    hash_key = DynamoType(keys[table.hash_key_attr])
    range_key = DynamoType(keys[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


# --- the order of a partition -------------------------------------------------------------


class PartitionOrder:
    """One partition's items sorted as moto sorts them, and the values it compares."""

    def __init__(self, partition: dict[Any, Any], follower: StreamFollower | None) -> None:
        self.partition = partition
        self.follower = follower
        # moto compares sort keys by ``cast_value``; computed once per item here, not per
        # comparison. A partition's sort keys are distinct, so the order is moto's exactly.
        pairs = sorted(
            ((item.range_key.cast_value, item) for item in partition.values()),
            key=lambda pair: pair[0],
        )
        self.values = [value for value, _ in pairs]
        self.items = [item for _, item in pairs]
        self.key_type = self.items[0].range_key.type if self.items else None

    def catch_up(self, table: Any, hash_key: Any) -> bool:
        """Apply the writes since the last request; False when rebuilding is cheaper."""
        assert self.follower is not None
        if self.follower.unapplied() > len(self.items):
            return False
        for record in self.follower.take_unapplied():
            record_hash, range_key = record_key(table, record)
            if record_hash == hash_key:
                self._apply(range_key)
        return True

    def _apply(self, range_key: Any) -> None:
        value = range_key.cast_value
        at = bisect_left(self.values, value)
        stored = at < len(self.values) and self.values[at] == value
        current = self.partition.get(range_key)
        if current is None:
            if stored:
                del self.values[at], self.items[at]
        elif stored:
            self.items[at] = current  # moto replaces the item on a put
        else:
            self.values.insert(at, value)
            self.items.insert(at, current)
        if self.key_type is None and current is not None:
            self.key_type = current.range_key.type


_ORDERS: Any = None  # WeakKeyDictionary[Table, dict[hash key, PartitionOrder]]


def partition_order(table: Any, hash_key: Any, partition: dict[Any, Any]) -> PartitionOrder:
    """``partition`` (the table's items under ``hash_key``) in sort-key order."""
    global _ORDERS
    shard = table.stream_shard
    if shard is None:
        return PartitionOrder(partition, None)
    if _ORDERS is None:
        import weakref

        _ORDERS = weakref.WeakKeyDictionary()
    orders = _ORDERS.setdefault(table, {})
    order = orders.get(hash_key)
    if (
        order is None
        or order.partition is not partition
        or not order.follower.still_follows(shard)
        or not order.catch_up(table, hash_key)
    ):
        order = orders[hash_key] = PartitionOrder(partition, StreamFollower(table))
    return order


# --- the window of one page ---------------------------------------------------------------


def page_window(order: PartitionOrder, table: Any, hash_key: Any, query: dict[str, Any]) -> list:
    """The items of ``order`` moto needs to answer ``query`` (``Table.query``'s arguments
    by name) exactly as it would with the whole partition, in sort-key order."""
    forward = query.get("scan_index_forward", True) is not False
    after = _after_start_key(order, table, hash_key, query.get("exclusive_start_key"), forward)
    if after is None:
        return order.items
    lo, hi = after
    if query.get("filter_kwargs"):
        return order.items[lo:hi]  # a QueryFilter: moto counts every item it walks
    matched = _key_condition_range(order, table, query)
    if matched is None:
        return order.items[lo:hi]
    # What the key condition matches past the start key: [first, last) of the order.
    first = max(lo, min(matched[0], hi))
    last = max(first, min(matched[1], hi))
    return _page(order.items, (lo, first, last, hi), forward, query.get("limit"))


def _after_start_key(
    order: PartitionOrder, table: Any, hash_key: Any, start: Any, forward: bool
) -> tuple[int, int] | None:
    """[lo, hi) of the order that moto does not skip as returned by an earlier page."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if not start:
        return 0, len(order.items)
    try:
        start_hash = DynamoType(start[table.hash_key_attr])
        start_range = DynamoType(start[table.range_key_attr])
        if start_hash != hash_key or start_range.type != order.key_type:
            return None  # moto compares otherwise (or fails): it gets the whole partition
        value = start_range.cast_value
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError):
        return None
    # moto skips every item up to and including the start key; backward, from the top.
    if forward:
        return bisect_right(order.values, value), len(order.items)
    return 0, bisect_left(order.values, value)


def _key_condition_range(
    order: PartitionOrder, table: Any, query: dict[str, Any]
) -> tuple[int, int] | None:
    """[lo, hi) of the order whose sort key meets the key condition (None: not known)."""
    values = order.values
    comparison = query.get("range_comparison")
    if not comparison:
        return 0, len(values)
    conditions = query.get("range_key_conditions") or []
    if any(name != table.range_key_attr for name, _, _ in conditions):
        return None
    objects = query.get("range_objs") or []
    if any(getattr(obj, "type", None) != order.key_type for obj in objects):
        return None  # moto's comparison of unlike types is left to moto
    bounds = _BOUNDS.get(comparison)
    if bounds is None or len(objects) != bounds[0]:
        return None
    try:
        return bounds[1](values, *(obj.cast_value for obj in objects))
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None


def _begins_with(values: list[Any], prefix: Any) -> tuple[int, int]:
    if not isinstance(prefix, (str, bytes)):
        raise TypeError(prefix)
    start = bisect_left(values, prefix)
    # Values that begin with the prefix follow it in one run: the first that does not ends it.
    return start, bisect_left(values, True, lo=start, key=lambda v: not v.startswith(prefix))


#: moto's key comparisons (``moto.dynamodb.comparisons``, on ``cast_value``) as the range
#: of a sorted list they keep: (number of values, bounds).
_BOUNDS: dict[str, tuple[int, Any]] = {
    "=": (1, lambda vs, v: (bisect_left(vs, v), bisect_right(vs, v))),
    "<": (1, lambda vs, v: (0, bisect_left(vs, v))),
    "<=": (1, lambda vs, v: (0, bisect_right(vs, v))),
    ">": (1, lambda vs, v: (bisect_right(vs, v), len(vs))),
    ">=": (1, lambda vs, v: (bisect_left(vs, v), len(vs))),
    "BETWEEN": (
        2,
        lambda vs, a, b: (bisect_left(vs, a), max(bisect_left(vs, a), bisect_right(vs, b))),
    ),
    "BEGINS_WITH": (1, _begins_with),
}
for _expression, _legacy in (("=", "EQ"), ("<", "LT"), ("<=", "LE"), (">", "GT"), (">=", "GE")):
    _BOUNDS[_legacy] = _BOUNDS[_expression]


def _page(items: list[Any], cuts: tuple[int, int, int, int], forward: bool, limit: Any) -> list:
    """moto's walk of one page, on the matched run [first, last) of [lo, hi).

    moto walks the items in query order: those before the matched run change nothing (the
    page is empty, no item reaches 1 MB); in the run each item is added until the page holds
    ``limit`` items or the next one would take it past 1 MB, and that next one stops the
    page (the one before it is the LastEvaluatedKey). Past the run moto keeps walking: an
    item there stops the page all the same if the page is at its limit, or if it would take
    the page past 1 MB (only possible within ``MOTO_ITEM_LIMIT`` of it).
    """
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    lo, first, last, hi = cuts
    walk = range(first, last) if forward else range(last - 1, first - 1, -1)
    count = size = 0
    for at in walk:
        item_size = items[at].size()
        if count == limit or size + item_size > RESULT_SIZE_LIMIT:
            return items[first : at + 1] if forward else items[at:last]
        count += 1
        size += item_size
    page = items[first:last]
    beyond = range(last, hi) if forward else range(first - 1, lo - 1, -1)
    if not page or not beyond:
        return page
    if count == limit:
        stop: Any = items[beyond[0]]
    elif size + MOTO_ITEM_LIMIT > RESULT_SIZE_LIMIT:
        stop = next(
            (items[at] for at in beyond if size + items[at].size() > RESULT_SIZE_LIMIT), None
        )
    else:
        return page
    # moto sorts what it is given: the stopping item goes after the page in query order.
    if stop is None:
        return page
    return [*page, stop] if forward else [stop, *page]
