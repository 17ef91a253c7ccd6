"""The embedded engine reports the ConsumedCapacity AWS would bill, to every client.

moto answers every DynamoDB request with a constant (1.0 for a read, whatever its size;
``[]`` for a transaction). ``billed`` wraps moto's WSGI application: requests arrive one at
a time (``motoserver.serialized`` holds the lock around it), so before moto runs a data
operation the items it touches can be read from moto's backend as they were; after it,
as they became. ``cruddur_lab.engine.pricing`` prices the change by AWS's rules and the
response's ``ConsumedCapacity`` is rewritten the way AWS shapes it:

* ``ReturnConsumedCapacity`` NONE (or absent): no ``ConsumedCapacity``;
* TOTAL: ``TableName`` and ``CapacityUnits``; a transaction adds ``ReadCapacityUnits`` /
  ``WriteCapacityUnits`` (measured: single-item requests do not);
* INDEXES: also ``Table``, ``GlobalSecondaryIndexes`` and ``LocalSecondaryIndexes`` arms,
  an arm only for an index the request touched;
* one entry per table for batch and transaction requests, a single one otherwise.

A Query or Scan is charged on the items it *evaluated*, which a filtered response does not
carry: moto's table ``query``/``scan`` are wrapped to note the page before the filter.
PartiQL statements are charged like the equivalent request: moto's PartiQL evaluator is
wrapped to note the (old, new) images it writes. A ``TransactWriteItems`` with a
``ClientRequestToken`` is idempotent for 10 minutes, as on AWS: the same payload gets the
first answer again without writing (charged as a transactional read of the items), a
different one ``IdempotentParameterMismatchException``.

The rewritten body gets a fresh ``x-amz-crc32`` (botocore checks it) and
``Content-Length``. An error response passes untouched: AWS sends no ConsumedCapacity with
a refused condition or a cancelled transaction.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cruddur_lab import capacity
from cruddur_lab.capacity import Cost
from cruddur_lab.engine import pricing, wire
from cruddur_lab.engine.idempotency import MISMATCH, Tokens

Key = tuple[str, tuple[str, ...]]


class _Notes:
    """What moto's wrapped internals saw during the current request (one at a time)."""

    def __init__(self) -> None:
        self.evaluated: list[dict[str, Any]] | None = None
        self.statements: list[tuple[str, list[Any], dict[str, list[Any]]]] = []

    def clear(self) -> None:
        self.evaluated = None
        self.statements = []


_notes = _Notes()
_installed = False


def install() -> None:
    """Wrap moto's Table.query/scan and PartiQL evaluator to note what they evaluated."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.parsing import partiql

    def noting(original: Callable[..., Any], *unfiltered: str) -> Callable[..., Any]:
        signature = inspect.signature(original)

        @functools.wraps(original)  # inspect.unwrap reaches moto's own method
        def read(self: Any, *args: Any, **kwargs: Any) -> Any:
            # The page as evaluated: the same read without filter or projection.
            # By name, so that wrappers reading keywords (motopatch) still find them.
            bare = dict(signature.bind(self, *args, **kwargs).arguments)
            bare.pop("self")
            extra = bare.pop("filter_kwargs", None) or {}
            bare.update({name: None for name in unfiltered})
            evaluated, _, _ = original(self, **bare, **extra)
            _notes.evaluated = [item.to_json()["Attributes"] for item in evaluated]
            return original(self, *args, **kwargs)

        return read

    table_module.Table.query = noting(
        table_module.Table.query, "filter_expression", "projection_expressions"
    )
    table_module.Table.scan = noting(
        table_module.Table.scan, "filter_expression", "projection_expression"
    )
    original_query = partiql.query

    def statement(text: str, source: dict[str, list[Any]], parameters: list[Any]) -> Any:
        returned, updates = original_query(text, source, parameters)
        _notes.statements.append((text, returned, updates))
        return returned, updates

    partiql.query = statement
    _installed = True


def billed(app: Any, region: str, account_id: str) -> Any:
    """A WSGI application: ``app`` (moto) with AWS's ConsumedCapacity in its answers."""
    install()
    tokens = Tokens()

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        operation = wire.dynamodb_operation(environ)
        if operation not in pricing.DATA_PLANE:
            return app(environ, start_response)
        params = wire.read_json(environ)
        if params is None:  # moto answers a body that is not a JSON object itself
            return app(environ, start_response)
        meter = _Meter(_backend(region, account_id), operation, params)
        if operation == "TransactWriteItems":
            try:
                seen = tokens.recall(params)
            except ValueError:
                return _answer(start_response, "400 Bad Request", [], MISMATCH)
            if seen is not None:  # no write: a transactional read of the items (measured)
                costs = {t: pricing.price_replay(sizes) for t, sizes in seen.sizes.items()}
                return _answer(start_response, "200 OK", [], meter.report(dict(seen.body), costs))
        before = meter.images()
        _notes.clear()
        answer: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda data: None

        chunks = b"".join(app(environ, keep))
        if not answer["status"].startswith("200"):
            return _answer(start_response, answer["status"], answer["headers"], None, chunks)
        body = json.loads(chunks or b"{}")
        body.pop("ConsumedCapacity", None)
        costs = meter.costs(before, body)
        if operation == "TransactWriteItems":
            tokens.remember(params, body, meter.larger_sizes(before))
        return _answer(
            start_response, answer["status"], answer["headers"], meter.report(body, costs)
        )

    return application


def _backend(region: str, account_id: str) -> Any:
    from moto.backends import get_backend

    return get_backend("dynamodb")[account_id][region]


def _answer(
    start_response: Any,
    status: str,
    headers: list[tuple[str, str]],
    body: dict[str, Any] | None,
    raw: bytes = b"",
) -> list[bytes]:
    """Send ``body`` (JSON) or ``raw`` as it is."""
    return wire.answer(
        start_response, status, headers, raw if body is None else json.dumps(body).encode()
    )


def shape(
    costs: Mapping[str, Cost],
    mode: str | None,
    operation: str,
    tables: Mapping[str, pricing.TableInfo],
) -> dict[str, Any] | list[dict[str, Any]] | None:
    """``ConsumedCapacity`` as AWS shapes it for ``mode`` (None for NONE)."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    split = operation in pricing.TRANSACTIONAL

    def units(read: float, write: float) -> dict[str, float]:
        figure = {"CapacityUnits": read + write}
        if split and read:
            figure["ReadCapacityUnits"] = read
        if split and write:
            figure["WriteCapacityUnits"] = write
        return figure

    entries = []
    for name, cost in costs.items():
        entry: dict[str, Any] = {"TableName": name}
        entry.update(units(cost.rcu + cost.index_rcu, cost.wcu + cost.index_wcu))
        if mode == "INDEXES":
            entry["Table"] = units(cost.rcu, cost.wcu)
            local = tables[name].local_indexes if name in tables else frozenset()
            for arm, wanted in (("GlobalSecondaryIndexes", False), ("LocalSecondaryIndexes", True)):
                arms = {
                    index: units(read, write)
                    for index, read, write in cost.by_index
                    if (index in local) == wanted and (read or write)
                }
                if arms:
                    entry[arm] = arms
        entries.append(entry)
    single = operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan")
    if single or operation == "ExecuteStatement":
        return entries[0] if entries else None
    return entries


class _Meter:
    """The items one request touches, read from moto's backend, and their price."""

    def __init__(self, backend: Any, operation: str, params: dict[str, Any]) -> None:
        self.backend, self.operation, self.params = backend, operation, params
        self.tables: dict[str, pricing.TableInfo] = {}
        for name in self._table_names():
            info = self._info(name)
            if info is not None:
                self.tables[name] = info

    # --- what the request touches ------------------------------------------------------

    def _table_names(self) -> list[str]:
        params = self.params
        names = [params["TableName"]] if "TableName" in params else []
        names += list(params.get("RequestItems") or {})
        for action in params.get("TransactItems") or []:
            for body in action.values():
                names.append(body.get("TableName", ""))
        return list(dict.fromkeys(n for n in names if n))

    def _info(self, name: str) -> pricing.TableInfo | None:
        table = self.backend.tables.get(name)
        if table is None:
            return None
        return pricing.TableInfo.from_description(table.describe()["TableDescription"])

    def _keys(self) -> list[tuple[str, dict[str, Any]]]:
        params, operation = self.params, self.operation
        if not all(name in self.tables for name in self._table_names()):
            return []
        if operation == "GetItem":
            return [(params["TableName"], params.get("Key") or {})]
        if operation == "BatchGetItem":
            return [
                (table, key)
                for table, request in params.get("RequestItems", {}).items()
                for key in request.get("Keys", [])
            ]
        if operation in ("TransactGetItems", "TransactWriteItems"):
            found = []
            for action in params.get("TransactItems") or []:
                for body in action.values():
                    info = self.tables[body["TableName"]]
                    found.append(
                        (body["TableName"], body.get("Key") or info.key_item(body.get("Item", {})))
                    )
            return found
        if operation in pricing.WRITES:
            return pricing.write_keys(operation, params, self.tables)
        return []

    def images(self) -> pricing.Images:
        """The stored items at every key the request names (None where none is)."""
        images: pricing.Images = {}
        for table, key in self._keys():
            info = self.tables[table]
            images[(table, info.key_of(key))] = self._stored(table, key)
        return images

    def _stored(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            item = self.backend.get_item(table, dict(key))
        except Exception:  # a malformed key: moto refuses the request itself
            return None
        return None if item is None else item.to_json()["Attributes"]

    # --- price -------------------------------------------------------------------------

    def costs(self, before: pricing.Images, body: dict[str, Any]) -> dict[str, Cost]:
        """The request's cost, one ``Cost`` per table, in request order."""
        if self.operation in pricing.STATEMENTS:
            return self._statement_costs()
        updated = self.operation in ("UpdateItem", "TransactWriteItems")
        after = self.images() if updated else {}
        costs: dict[str, Cost] = {}
        for table in self.tables:
            params = self._for_table(table)
            evaluated = _notes.evaluated if self.operation in ("Query", "Scan") else None
            costs[table] = pricing.price(
                self.operation,
                params,
                body,
                tables=self.tables,
                before=before,
                after=after,
                evaluated=evaluated,
            )
        return costs

    def _for_table(self, table: str) -> dict[str, Any]:
        """The request narrowed to ``table``: a batch or transaction priced per table."""
        params = dict(self.params)
        if "RequestItems" in params:
            params["RequestItems"] = {table: params["RequestItems"][table]}
        if "TransactItems" in params:
            params["TransactItems"] = [
                action
                for action in params["TransactItems"]
                if next(iter(action.values())).get("TableName") == table
            ]
        return params

    def _statement_costs(self) -> dict[str, Cost]:
        transactional = self.operation == "ExecuteTransaction"
        consistent = bool(self.params.get("ConsistentRead"))
        costs: dict[str, Cost] = {}
        for text, returned, updates in _notes.statements:
            for name in updates:
                self.tables.setdefault(name, self._info(name))  # type: ignore[arg-type]
            changes = [(t, old, new) for t, pairs in updates.items() for old, new in pairs]
            if changes:
                for table in dict.fromkeys(t for t, _, _ in changes):
                    mine = [c for c in changes if c[0] == table]
                    cost = pricing.price_changes(self.tables, mine, transactional=transactional)
                    costs[table] = costs.get(table, Cost()) + cost
                continue
            read = self._statement_read(text, returned)
            if read is None:
                continue
            table, items, keyed = read
            cost = pricing.price_reads(
                self.tables,
                table,
                items,
                keyed=keyed,
                consistent=consistent,
                transactional=transactional,
            )
            costs[table] = costs.get(table, Cost()) + cost
        return costs

    def _statement_read(
        self, text: str, returned: list[dict[str, Any]]
    ) -> tuple[str, list[dict[str, Any] | None], bool] | None:
        """(table, items evaluated, keyed) of a SELECT: the whole items are charged."""
        match = re.search(r'\bFROM\s+"?([A-Za-z0-9_.-]+)"?', text, re.IGNORECASE)
        if not match:
            return None
        name = match.group(1).split(".")[0]
        info = self.tables.get(name) or self._info(name)
        if info is None:
            return None
        self.tables[name] = info
        where = text[match.end() :]
        named = {k for k in info.keys if re.search(rf"\b{re.escape(k)}\s*=", where)}
        table = self.backend.tables[name]
        if named == set(info.keys):  # every key pinned: a GetItem per item (or the minimum)
            stored = [self._stored(name, {k: item[k] for k in info.keys}) for item in returned]
            return name, stored or [None], True
        rows = [i.to_json()["Attributes"] for i in table.all_items()]
        hash_key = info.keys[0]
        pinned = re.search(rf"\b{re.escape(hash_key)}\s*=\s*'([^']*)'", where)
        if pinned:  # a Query of one partition
            rows = [r for r in rows if next(iter(r[hash_key].values())) == pinned.group(1)]
        limit = self.params.get("Limit")
        return name, rows[: int(limit)] if limit else rows, False

    # --- the answer --------------------------------------------------------------------

    def report(self, body: dict[str, Any], costs: Mapping[str, Cost]) -> dict[str, Any]:
        """``body`` with ``ConsumedCapacity`` as asked for (none for NONE)."""
        mode = self.params.get("ReturnConsumedCapacity")
        shaped = shape(costs, mode, self.operation, self.tables)
        if shaped is not None:
            body["ConsumedCapacity"] = shaped
        return body

    def larger_sizes(self, before: pricing.Images) -> dict[str, list[int]]:
        """Per table, each item's larger image (before or now): what a replay reads."""
        sizes: dict[str, list[int]] = {}
        for table, key in self._keys():
            old = before.get((table, self.tables[table].key_of(key)))
            size = max(capacity.item_size(old), capacity.item_size(self._stored(table, key)))
            sizes.setdefault(table, []).append(size)
        return sizes
