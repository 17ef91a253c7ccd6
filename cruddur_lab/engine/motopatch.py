"""Costs of moto's DynamoDB that grow with the table, removed inside our embedded server.

DynamoDB's cost of a transaction or of a Query depends on the items it touches, not on the
table. moto 5.2 pays for the whole table instead, which made the embedded engine teach the
opposite of what AWS does (Pattern E's lag and every Query growing with the table):

* ``TransactWriteItems`` deep-copies every table it names (items and stream records) before
  it starts, to swap the copy back in if the transaction is cancelled. Here the copy is
  skipped; the rows the transaction may touch and the length of each stream are saved
  instead, and put back on failure. Same outcome, cost proportional to the transaction.
* ``Query`` sorts every item of the table, keeps the partition's and walks it from the top
  on every page. Here a table Query is given only the items of its partition that its page
  reaches (``partition_pages``: the partition's order is kept between requests), and an
  index Query the items of its index partition, from a cache that the table's stream
  records keep current (moto keeps no index structure of its own). moto's own filtering,
  sorting, paging and projection run unchanged on them, and during a Query request each
  item's size (summed attribute by attribute, asked for several times per item) is
  worked out once.

Each wraps moto's own methods, so every rule moto checks still applies. They rely on
requests running one at a time, which ``motoserver.serialized`` guarantees. ``install()``
is idempotent and is called when the embedded server starts.
"""

from __future__ import annotations

import copy
import functools
import inspect
from typing import Any

from cruddur_lab.engine.partition_pages import (
    ROLLBACKS,
    StreamFollower,
    page_window,
    partition_order,
    record_key,
)

_INSTALLED = False
#: moto's ``Table.query`` signature, to read its arguments by name however they are passed.
_QUERY_SIGNATURE: list[inspect.Signature] = []


def install() -> None:
    """Wrap moto's ``transact_write_items`` and ``Table.query`` (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    DynamoDBBackend.transact_write_items = _without_table_copy(
        DynamoDBBackend.transact_write_items, Table
    )
    _QUERY_SIGNATURE.append(inspect.signature(Table.query))
    Table.query = _partition_only(Table.query)
    DynamoHandler.query = _per_query_request(DynamoHandler.query)
    Item.size = _remembered_size(Item.size)
    _INSTALLED = True


# --- transactions -------------------------------------------------------------------------


def _without_table_copy(original: Any, table_class: type) -> Any:
    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _save_touched(self, transact_items)
        table_class.__deepcopy__ = _same_table  # type: ignore[attr-defined]
        try:
            return original(self, transact_items)
        except BaseException:
            _restore(saved)
            raise
        finally:
            del table_class.__deepcopy__  # type: ignore[attr-defined]

    return transact_write_items


def _same_table(table: Any, memo: dict[int, Any]) -> Any:
    """moto's "backup" of a table becomes the table itself; ``_restore`` undoes instead."""
    return table


def _save_touched(backend: Any, transact_items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each row a transaction may write (a deep copy, or None if absent) and stream lengths."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    rows: list[tuple[Any, Any, Any, Any]] = []
    streams: dict[int, tuple[Any, int]] = {}
    for entry in transact_items:
        try:
            ((_, op),) = entry.items()
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            attrs = op.get("Key") or op.get("Item") or {}
            hash_key = DynamoType(attrs[table.hash_key_attr])
            range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        except (AttributeError, KeyError, TypeError, ValueError):
            continue  # moto rejects this entry before writing anything for it
        current = table.get_item(hash_key, range_key)
        rows.append((table, hash_key, range_key, copy.deepcopy(current)))
        shard = table.stream_shard
        if shard is not None:
            streams[id(shard)] = (shard, len(shard.items))
    return {"rows": rows, "streams": list(streams.values())}


def _restore(saved: dict[str, Any]) -> None:
    ROLLBACKS[0] += 1  # rows were put back without stream records: rebuild what follows them
    for table, hash_key, range_key, before in reversed(saved["rows"]):
        if range_key is None:
            if before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before
        elif before is None:
            table.items.get(hash_key, {}).pop(range_key, None)
        else:
            table.items[hash_key][range_key] = before
    for shard, length in saved["streams"]:
        del shard.items[length:]


# --- queries ------------------------------------------------------------------------------


#: True while a ``Select=COUNT`` Query runs (one request at a time: see the module's doc).
_COUNTING = [False]
#: While a Query request runs: id of a stored item -> (the item, its size). moto asks each
#: item of a page for its size twice, billing runs the Query twice (``billing.install``) and
#: the window (``partition_pages``) once more: summing attribute sizes in Python was most
#: of a large read's time. Nothing stored changes during a Query; holding each item keeps
#: its id from being reused.
_SIZES: list[dict[int, tuple[Any, int]] | None] = [None]


def _per_query_request(original: Any) -> Any:
    @functools.wraps(original)
    def query(self: Any) -> Any:
        _COUNTING[0] = self.body.get("Select") == "COUNT"
        _SIZES[0] = {}
        try:
            return original(self)
        finally:
            _COUNTING[0] = False
            _SIZES[0] = None

    return query


def _remembered_size(original: Any) -> Any:
    @functools.wraps(original)
    def size(self: Any) -> int:
        sizes = _SIZES[0]
        if sizes is None:
            return original(self)
        known = sizes.get(id(self))
        if known is None:
            known = sizes[id(self)] = (self, original(self))
        return known[1]

    return size


class _NoDeepCopy:
    """Stands for ``copy`` in moto's table module during a COUNT: moto deep-copies every
    item of a page to protect the stored ones from what it returns, and a COUNT returns
    none of them (a re-seed's COUNT spent most of its server time copying)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return list(value)


def _partition_only(original: Any) -> Any:
    @functools.wraps(original)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        if _COUNTING[0]:
            from moto.dynamodb.models import table as table_module

            table_module.copy = _NoDeepCopy  # type: ignore[assignment]
            try:
                return _partition_query(original, self, hash_key, args, kwargs)
            finally:
                table_module.copy = copy
        return _partition_query(original, self, hash_key, args, kwargs)

    return query


def _partition_query(original: Any, self: Any, hash_key: Any, args: tuple, kwargs: dict) -> Any:
    """A table Query on the window of its partition a page reaches, an index Query on its
    index partition."""
    query = _QUERY_SIGNATURE[0].bind(self, hash_key, *args, **kwargs).arguments
    index_name = query.get("index_name")
    conditions = query.get("hash_key_conditions") or []
    if index_name and conditions:
        items = _index_items(self, index_name, conditions)
    elif index_name or hash_key is None:
        return original(self, hash_key, *args, **kwargs)
    else:
        partition = self.items.get(hash_key)
        if partition is None:
            items = []
        elif self.range_key_attr:
            order = partition_order(self, hash_key, partition)
            items = page_window(order, self, hash_key, query)
        else:
            items = [partition]
    self.all_items = lambda: items
    try:
        return original(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def _every_item(table: Any) -> Any:
    for partition in table.items.values():
        if table.range_key_attr:
            yield from partition.values()
        else:
            yield partition


# --- index partitions, kept current from the stream ---------------------------------------

_INDEX_CACHES: Any = None  # WeakKeyDictionary[Table, dict[(index, attrs), _IndexCache]]


def _index_items(table: Any, index_name: str, conditions: list[tuple[str, Any]]) -> list[Any]:
    """The items whose index key attributes equal ``conditions``.

    A table with a stream records every write, in order, as a stream record (moto appends
    one per put, update and delete), so a cache of the index partitions is brought up to
    date from the records written since it was built: each query costs what changed, not
    the table. Without a stream: one pass over the items.
    """
    global _INDEX_CACHES
    names = tuple(name for name, _ in conditions)
    wanted = tuple(value for _, value in conditions)
    shard = table.stream_shard
    if shard is None:
        return [item for item in _every_item(table) if _index_values(item, names) == wanted]
    if _INDEX_CACHES is None:
        import weakref

        _INDEX_CACHES = weakref.WeakKeyDictionary()
    caches = _INDEX_CACHES.setdefault(table, {})
    cache = caches.get((index_name, names))
    if cache is None or not cache.still_follows(shard):
        cache = caches[(index_name, names)] = _IndexCache(table, names)
    cache.catch_up(table)
    return list(cache.partitions.get(wanted, {}).values())


def _index_values(item: Any, names: tuple[str, ...]) -> tuple[Any, ...] | None:
    values = tuple(item.attrs.get(name) for name in names)
    # DynamoType's == fails against None, and most items lack the (sparse) index key.
    return None if any(value is None for value in values) else values


class _IndexCache(StreamFollower):
    """Index partition → the items in it, kept current from the table's stream."""

    def __init__(self, table: Any, names: tuple[str, ...]) -> None:
        super().__init__(table)
        self.names = names
        self.partitions: dict[tuple[Any, ...], dict[tuple[Any, Any], Any]] = {}
        self.where: dict[tuple[Any, Any], tuple[Any, ...]] = {}
        for item in _every_item(table):
            self._place((item.hash_key, item.range_key), item)

    def catch_up(self, table: Any) -> None:
        for record in self.take_unapplied():
            key = record_key(table, record)
            old = self.where.pop(key, None)
            if old is not None:
                self.partitions[old].pop(key, None)
            current = table.get_item(*key)
            if current is not None:
                self._place(key, current)

    def _place(self, key: tuple[Any, Any], item: Any) -> None:
        values = _index_values(item, self.names)
        if values is not None:
            self.partitions.setdefault(values, {})[key] = item
            self.where[key] = values
