"""Price one DynamoDB request by AWS's rules, from its wire form and the items it touched.

The embedded engine's billing layer (``cruddur_lab.engine.billing``) gathers what a price
needs -- the request as sent, the response, the table's keys and indexes, the items before
and after a write, and the items a Query or Scan *evaluated* -- and ``price`` turns that
into a ``cruddur_lab.capacity.Cost`` with the arithmetic spelled out step by step.
Everything here is pure: no client, no engine; the rules themselves live in
``cruddur_lab.capacity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cruddur_lab import capacity
from cruddur_lab.capacity import SILENT, Cost, IndexSpec

#: Requests that read or write items; everything else is the control plane (no units).
READS = ("GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
#: PartiQL: charged like the equivalent read or write (measured on DynamoDB).
STATEMENTS = ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")
DATA_PLANE = READS + WRITES + STATEMENTS
#: Requests whose ConsumedCapacity also splits into Read/WriteCapacityUnits (measured).
TRANSACTIONAL = ("TransactGetItems", "TransactWriteItems", "ExecuteTransaction")
#: A write that failed on its condition still consumes capacity.
CONDITION_FAILED = "ConditionalCheckFailedException"
CANCELLED = "TransactionCanceledException"


@dataclass(frozen=True)
class TableInfo:
    """A table's key attributes and secondary indexes (from DescribeTable)."""

    name: str
    keys: tuple[str, ...]
    indexes: dict[str, IndexSpec] = field(default_factory=dict)
    #: Names among ``indexes`` that are local (their arm is ``LocalSecondaryIndexes``).
    local_indexes: frozenset[str] = frozenset()

    @classmethod
    def from_description(cls, table: Mapping[str, Any]) -> TableInfo:
        keys = tuple(k["AttributeName"] for k in table["KeySchema"])
        described = [
            *(table.get("GlobalSecondaryIndexes") or []),
            *(table.get("LocalSecondaryIndexes") or []),
        ]
        indexes = {g["IndexName"]: IndexSpec.from_description(g, keys) for g in described}
        local = frozenset(i["IndexName"] for i in table.get("LocalSecondaryIndexes") or [])
        return cls(table["TableName"], keys, indexes, local)

    def key_of(self, item: Mapping[str, Any]) -> tuple[str, ...]:
        """The item's primary key as a hashable tuple (wire values, so types count)."""
        return tuple(repr(capacity.wire_value(item.get(name))) for name in self.keys)

    def key_item(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in self.keys if name in item}


#: (table name, key tuple) -> the item there (None: no item).
Images = dict[tuple[str, tuple[str, ...]], "dict[str, Any] | None"]


def write_keys(operation: str, params: Mapping[str, Any], tables: Mapping[str, TableInfo]):
    """(table, key item) of every item a write request touches, in request order."""
    found: list[tuple[str, dict[str, Any]]] = []
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        table = params["TableName"]
        key = params.get("Key") or tables[table].key_item(params.get("Item", {}))
        found.append((table, key))
    elif operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                body = request.get("PutRequest") or request.get("DeleteRequest") or {}
                key = body.get("Key") or tables[table].key_item(body.get("Item", {}))
                found.append((table, key))
    elif operation == "TransactWriteItems":
        for action in params.get("TransactItems", []):
            ((_, body),) = action.items()
            table = body["TableName"]
            found.append((table, body.get("Key") or tables[table].key_item(body.get("Item", {}))))
    return found


def price(
    operation: str,
    params: Mapping[str, Any],
    response: Mapping[str, Any] | None,
    *,
    tables: Mapping[str, TableInfo],
    before: Images | None = None,
    after: Images | None = None,
    evaluated: list[dict[str, Any]] | None = None,
) -> Cost:
    """The estimated cost of one request on AWS (``Cost`` with steps and notes)."""
    response = response or {}
    error = (response.get("Error") or {}).get("Code")
    if operation not in DATA_PLANE:
        return Cost(notes=("control plane: no read or write units",))
    if error and error not in (CONDITION_FAILED, CANCELLED):
        return Cost(notes=(f"{error}: refused before any item was read or written",))
    pricer = _Pricer(tables, before or {}, after or {})
    if operation in ("Query", "Scan"):
        pricer.page(params, evaluated if evaluated is not None else response.get("Items", []))
    elif operation == "GetItem":
        # The whole item is charged, whatever ProjectionExpression returned: read before.
        table = params["TableName"]
        item = pricer.old(table, params["Key"]) if before else response.get("Item")
        pricer.get(table, item, params)
    elif operation == "BatchGetItem":
        pricer.batch_get(params, response)
    elif operation == "TransactGetItems":
        for action in params.get("TransactItems", []):
            body = action["Get"]
            pricer.get(body["TableName"], pricer.old(body["TableName"], body["Key"]), body, tx=True)
    elif operation == "TransactWriteItems":
        pricer.transact_write(params, cancelled=error == CANCELLED)
    elif operation == "BatchWriteItem":
        pricer.batch_write(params, response)
    else:
        pricer.write(operation, params, failed=error == CONDITION_FAILED)
    return pricer.cost()


class _Pricer:
    def __init__(self, tables: Mapping[str, TableInfo], before: Images, after: Images) -> None:
        self.tables, self.before, self.after = tables, before, after
        self.rcu = self.wcu = 0.0
        self.indexes: dict[str, list[float]] = {}
        self.steps: list[str] = []
        self.notes: list[str] = []

    def cost(self) -> Cost:
        return Cost(
            rcu=self.rcu,
            wcu=self.wcu,
            index_rcu=sum(r for r, _ in self.indexes.values()),
            index_wcu=sum(w for _, w in self.indexes.values()),
            by_index=tuple((name, r, w) for name, (r, w) in self.indexes.items()),
            steps=tuple(self.steps),
            notes=tuple(dict.fromkeys(self.notes)),
        )

    def old(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.before.get((table, self.tables[table].key_of(key)))

    def new(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.after.get((table, self.tables[table].key_of(key)))

    # --- reads ------------------------------------------------------------------------

    def page(self, params: Mapping[str, Any], items: list[dict[str, Any]]) -> None:
        consistent = bool(params.get("ConsistentRead"))
        how = "strongly consistent" if consistent else "eventually consistent: half"
        # An engine that returns more than 1 MB in one page is priced as AWS would page it.
        pages = capacity.split_pages([capacity.item_size(item) for item in items])
        units = 0.0
        for number, page in enumerate(pages, 1):
            size = sum(page)
            page_units = capacity.read_units_for_size(size, consistent=consistent)
            blocks = capacity.blocks(size, capacity.READ_UNIT_BYTES)
            where = f"AWS page {number}: " if len(pages) > 1 else ""
            self.steps.append(
                f"{where}{len(page)} item(s) evaluated, {size} B together -> {blocks} x 4 KB "
                f"({how}) = {page_units:g} RCU"
            )
            units += page_units
        index = params.get("IndexName")
        if index:
            self._index(index, rcu=units)
        else:
            self.rcu += units

    def get(
        self, table: str, item: Mapping[str, Any] | None, params: Mapping[str, Any], tx=False
    ) -> None:
        consistent = bool(params.get("ConsistentRead"))
        units = capacity.item_read_units(item, consistent=consistent, transactional=tx)
        size = capacity.item_size(item)
        what = f"{size} B" if item else "no item (the minimum)"
        how = "x 2 transactional" if tx else ("strong" if consistent else "eventual: half")
        self.steps.append(f"get {what} -> {how} = {units:g} RCU")
        self.rcu += units

    def batch_get(self, params: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        unprocessed = response.get("UnprocessedKeys") or {}
        for table, request in params.get("RequestItems", {}).items():
            info = self.tables[table]
            skipped = {info.key_of(k) for k in (unprocessed.get(table) or {}).get("Keys", [])}
            for key in request.get("Keys", []):
                if info.key_of(key) not in skipped:
                    self.get(table, self.old(table, key), request)

    # --- writes -----------------------------------------------------------------------

    def write(self, operation: str, params: Mapping[str, Any], *, failed: bool) -> None:
        table = params["TableName"]
        info = self.tables[table]
        key = params.get("Key") or info.key_item(params["Item"])
        old = self.old(table, key)
        if failed:
            self._failed(table, old, tx=False)
            return
        new = self._new_image(operation, table, key, params)
        self._change(table, old, new, tx=False)

    def _new_image(self, operation: str, table: str, key: Mapping[str, Any], body: Mapping):
        if operation in ("PutItem", "Put", "PutRequest"):
            return dict(body["Item"])
        if operation in ("DeleteItem", "Delete", "DeleteRequest"):
            return None
        return self.new(table, key)  # an update: read back after the request

    def _failed(self, table: str, old: Mapping[str, Any] | None, *, tx: bool) -> None:
        units = capacity.write_units(None, old=old, transactional=tx)
        self.steps.append(
            f"condition failed: charged the existing item, {capacity.item_size(old)} B "
            f"-> {units:g} WCU"
        )
        self.wcu += units

    def _change(self, table: str, old, new, *, tx: bool) -> None:
        units = capacity.write_units(new, old=old, transactional=tx)
        larger = max(capacity.item_size(old), capacity.item_size(new))
        blocks = capacity.blocks(larger, capacity.WRITE_UNIT_BYTES)
        what = "put" if new is not None else "delete"
        factor = " x 2 (transaction)" if tx else ""
        self.steps.append(
            f"{what} {_describe(old, new)}: larger image {larger} B -> {blocks} x 1 KB"
            f"{factor} = {units:g} WCU"
        )
        self.wcu += units
        for spec in self.tables[table].indexes.values():
            for write in capacity.index_writes(spec, old, new):
                self.steps.append(
                    f"  index {spec.name}: {write.kind} of a {write.size} B entry = "
                    f"{write.units:g} WCU" + (" (not doubled in a transaction)" if tx else "")
                )
                self._index(spec.name, wcu=write.units)
        if old is None and new is None:
            self.steps.append("  (nothing was there: the minimum)")

    def batch_write(self, params: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        unprocessed = response.get("UnprocessedItems") or {}
        for table, requests in params.get("RequestItems", {}).items():
            info = self.tables[table]
            left = {info.key_of(_request_key(info, r)) for r in unprocessed.get(table) or []}
            for request in requests:
                key = _request_key(info, request)
                if info.key_of(key) in left:
                    continue  # not written, not charged: the caller sends it again
                ((kind, body),) = request.items()
                self._change(
                    table, self.old(table, key), self._new_image(kind, table, key, body), tx=False
                )

    def transact_write(self, params: Mapping[str, Any], *, cancelled: bool) -> None:
        if cancelled:
            self.notes.append(SILENT["cancelled_transaction"])
        for action in params.get("TransactItems", []):
            ((kind, body),) = action.items()
            table = body["TableName"]
            key = body.get("Key") or self.tables[table].key_item(body.get("Item", {}))
            old = self.old(table, key)
            if kind == "ConditionCheck" or cancelled:
                # Charged on the stored item (measured), as a write.
                size = max(capacity.item_size(old), capacity.item_size(body.get("Item")))
                units = capacity.write_units_for_size(size, transactional=True)
                self.steps.append(f"{kind} ({size} B, not written) x 2 = {units:g} WCU")
                self.wcu += units
                continue
            self._change(table, old, self._new_image(kind, table, key, body), tx=True)

    def _index(self, name: str, *, rcu: float = 0.0, wcu: float = 0.0) -> None:
        totals = self.indexes.setdefault(name, [0.0, 0.0])
        totals[0] += rcu
        totals[1] += wcu


Change = tuple[str, "Mapping[str, Any] | None", "Mapping[str, Any] | None"]


def price_changes(
    tables: Mapping[str, TableInfo],
    changes: list[Change],
    *,
    transactional: bool = False,
) -> Cost:
    """Writes given as (table, old image, new image): a PartiQL INSERT, UPDATE or DELETE
    costs what the equivalent PutItem/UpdateItem/DeleteItem costs (measured); inside
    ExecuteTransaction the table arm doubles as in TransactWriteItems."""
    pricer = _Pricer(tables, {}, {})
    for table, old, new in changes:
        pricer._change(table, old, new, tx=transactional)
    return pricer.cost()


def price_reads(
    tables: Mapping[str, TableInfo],
    table: str,
    items: list[Mapping[str, Any] | None],
    *,
    keyed: bool,
    consistent: bool = False,
    transactional: bool = False,
) -> Cost:
    """A PartiQL SELECT: keyed, one GetItem per item (None: missing, the minimum);
    otherwise a Query or Scan over the items it evaluated (a filter does not lower it)."""
    pricer = _Pricer(tables, {}, {})
    params = {"TableName": table, "ConsistentRead": consistent}
    if keyed:
        for item in items:
            pricer.get(table, item, params, tx=transactional)
    else:
        pricer.page(params, [i for i in items if i is not None])
    return pricer.cost()


def price_replay(sizes: list[int]) -> Cost:
    """An idempotent replay of a TransactWriteItems: no write, a transactional read of
    each item at the larger of its images (measured: a 9 KB item replays at 6 RCU)."""
    units = [capacity.read_units_for_size(size, transactional=True) for size in sizes]
    steps = tuple(
        f"replay: read {size} B x 2 (transactional) = {u:g} RCU"
        for size, u in zip(sizes, units, strict=True)
    )
    return Cost(rcu=sum(units), steps=steps, notes=(SILENT["replay_indexes"],))


def _request_key(info: TableInfo, request: Mapping[str, Any]) -> dict[str, Any]:
    body = request.get("PutRequest") or request.get("DeleteRequest") or {}
    return body.get("Key") or info.key_item(body.get("Item", {}))


def _describe(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str:
    if old is None and new is not None:
        return f"new item ({capacity.item_size(new)} B)"
    if new is None:
        return f"of {capacity.item_size(old)} B"
    return f"replacing {capacity.item_size(old)} B with {capacity.item_size(new)} B"
