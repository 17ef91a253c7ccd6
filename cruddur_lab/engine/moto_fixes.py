"""Targeted patches where moto 5.2's answer differs from DynamoDB's, each following the
AWS reference page it names.

These need what only moto knows (a table's key schema, its indexes, its tags); the rules
that need only the request are in ``request_rules``. Each fix is one function that wraps
or replaces one moto method; ``install()`` applies them once per process, beside
``motopatch.install()``, when the embedded server starts.
"""

from __future__ import annotations

import functools
from typing import Any

_INSTALLED = False


def install() -> None:
    """Apply every fix below (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    for fix in FIXES:
        fix()
    _INSTALLED = True


def _validation_error(message: str) -> Exception:
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def _key_of(table: Any, item: dict[str, Any]) -> str:
    import json

    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return json.dumps([item.get(name) for name in names], sort_keys=True)


# --- limits ---------------------------------------------------------------------------


def transaction_reads_up_to_100() -> None:
    """TransactGetItems takes up to 100 Gets (moto still refuses over 25, an old limit).
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
    ``request_limits`` refuses over 100 with AWS's message before moto sees the request."""
    from moto.dynamodb import responses

    responses.TRANSACTION_MAX_ITEMS = 100


def batch_write_duplicate_keys() -> None:
    """BatchWriteItem refuses two requests on one item, a put and a delete alike: "Provided
    list of item keys contains duplicates". moto compares whole items (two puts of one key
    with other attributes pass) and puts apart from deletes.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html"""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.batch_write_item

    @functools.wraps(original)
    def batch_write_item(self: Any) -> Any:
        body = self.body or {}
        for table_name, writes in (body.get("RequestItems") or {}).items():
            table = self.dynamodb_backend.get_table(table_name)
            seen: set[str] = set()
            for write in writes or []:
                request = write.get("PutRequest") or write.get("DeleteRequest") or {}
                attrs = request.get("Item") or request.get("Key") or {}
                key = _key_of(table, attrs)
                if key in seen:
                    raise _validation_error("Provided list of item keys contains duplicates")
                seen.add(key)
        return original(self)

    DynamoHandler.batch_write_item = batch_write_item


def update_table_against_the_table() -> None:
    """UpdateTable refuses throughput equal to the current one, a new index of an existing
    name, and an index change on a missing index (moto: accepted, or a 500 from a
    ValueError); the AttributeDefinitions it carries are added to the table's (moto replaced
    them). https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
    """
    from moto.dynamodb.exceptions import ResourceNotFoundException
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.update_table

    @functools.wraps(original)
    def update_table(
        self: Any,
        name: str,
        attr_definitions: Any,
        global_index: Any,
        throughput: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        table = self.get_table(name)
        if throughput and table.billing_mode != "PAY_PER_REQUEST":
            _refuse_same_throughput(table.throughput, throughput)
        existing = {index.name for index in table.global_indexes}
        for update in global_index or []:
            created = (update.get("Create") or {}).get("IndexName")
            if created in existing:
                raise _validation_error("Attempting to create an index which already exists")
            for action in ("Update", "Delete"):
                changed = (update.get(action) or {}).get("IndexName")
                if changed is not None and changed not in existing:
                    raise ResourceNotFoundException(
                        f"Requested resource not found: Index: {changed}"
                    )
        if attr_definitions:
            merged = {d["AttributeName"]: d for d in table.attr}
            merged.update({d["AttributeName"]: d for d in attr_definitions})
            attr_definitions = list(merged.values())
        return original(self, name, attr_definitions, global_index, throughput, *args, **kwargs)

    DynamoDBBackend.update_table = update_table


def _refuse_same_throughput(current: dict[str, Any], requested: dict[str, Any]) -> None:
    units = ("ReadCapacityUnits", "WriteCapacityUnits")
    if all(current.get(unit) == requested.get(unit) for unit in units):
        read, write = (current.get(unit) for unit in units)
        raise _validation_error(
            "The provisioned throughput for the table will not change. The requested value "
            "equals the current value. Current ReadCapacityUnits provisioned for the table: "
            f"{read}. Requested ReadCapacityUnits: {requested.get(units[0])}. Current "
            f"WriteCapacityUnits provisioned for the table: {write}. Requested "
            f"WriteCapacityUnits: {requested.get(units[1])}. Refer to the Amazon DynamoDB "
            "Developer Guide for current limits and how to request higher limits."
        )


# --- wrong answers ----------------------------------------------------------------------


def list_tables_in_order() -> None:
    """ListTables names tables in alphabetical order and pages after
    ``ExclusiveStartTableName`` in that order (moto: creation order).
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html"""
    import bisect

    from moto.dynamodb.models import DynamoDBBackend

    def list_tables(self: Any, limit: int, exclusive_start_table_name: str) -> Any:
        names = sorted(self.tables)
        start = bisect.bisect_right(names, exclusive_start_table_name or "")
        tables = names[start : start + limit] if limit else names[start:]
        more = bool(limit) and len(names) > start + limit
        return tables, (tables[-1] if more else None)

    DynamoDBBackend.list_tables = list_tables


def tag_resource_overwrites() -> None:
    """TagResource with a key the table already has replaces its value (moto: a second tag
    of the same key). https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TagResource.html
    """
    from moto.dynamodb.models import DynamoDBBackend

    def tag_resource(self: Any, arn: str, tags: dict[str, str]) -> None:
        for table in self.tables.values():
            if table.table_arn == arn:
                merged = {tag["Key"]: tag["Value"] for tag in table.tags}
                merged.update(tags)
                table.tags = [{"Key": k, "Value": v} for k, v in merged.items()]

    DynamoDBBackend.tag_resource = tag_resource


def time_to_live_on_a_missing_table() -> None:
    """UpdateTimeToLive and DescribeTimeToLive on a missing table answer
    ResourceNotFoundException (moto: an error code "ResourceNotFound" that no SDK knows).
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html"""
    from moto.dynamodb.exceptions import ResourceNotFoundException
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("update_time_to_live", "describe_time_to_live"):
        original = getattr(DynamoDBBackend, name)

        def checked(self: Any, table_name: str, *args: Any, _original: Any = original) -> Any:
            if table_name not in self.tables:
                raise ResourceNotFoundException(table_name=table_name)
            return _original(self, table_name, *args)

        setattr(DynamoDBBackend, name, functools.wraps(original)(checked))


def size_of_a_missing_attribute() -> None:
    """``size(path)`` of an attribute the item lacks makes the comparison false, as any
    comparison with a missing attribute (moto: "Invalid attribute name" on a Scan, a crash
    on an UpdateItem condition).
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
    """
    from moto.dynamodb.comparisons import FuncSize

    original = FuncSize.expr

    def expr(self: Any, item: Any) -> Any:
        if self.attr.get_type(item) is None:
            return None
        return original(self, item)

    FuncSize.expr = expr


def begins_with_binary() -> None:
    """``begins_with`` compares a Binary attribute with a Binary prefix byte by byte (moto:
    only strings ever match).
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
    """
    import base64

    from moto.dynamodb.comparisons import FuncBeginsWith

    original = FuncBeginsWith.expr

    def expr(self: Any, item: Any) -> bool:
        if self.attr.get_type(item) == "B" and self.substr.get_type(item) == "B":
            whole, prefix = (_bytes(v.expr(item), base64) for v in (self.attr, self.substr))
            return whole.startswith(prefix)
        return original(self, item)

    FuncBeginsWith.expr = expr


def _bytes(value: Any, base64: Any) -> bytes:
    return value if isinstance(value, bytes) else base64.b64decode(value)


def projection_with_list_index() -> None:
    """A ProjectionExpression path may index a list through a name placeholder (``#l[0]``,
    ``#m.#l[1]``); moto took ``#l[0]`` for an unknown name and refused ``#l`` as unused.
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
    """
    from moto.dynamodb.responses import ProjectionExpressionParser

    original = ProjectionExpressionParser.parse

    def parse(self: Any) -> Any:
        paths = original(self)
        names = self.expression_attribute_names
        for path in paths:
            for position, segment in enumerate(path):
                name, bracket, index = segment.partition("[")
                if bracket and name in names:
                    self.expr_attr_names_found.append(name)
                    path[position] = names[name] + bracket + index
        return paths

    ProjectionExpressionParser.parse = parse


def item_collection_metrics() -> None:
    """With ``ReturnItemCollectionMetrics: SIZE``, a write to a table with a local secondary
    index answers the item collection's key and a size estimate in GB (moto: nothing, or an
    empty map); a table without one answers none.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ItemCollectionMetrics.html
    moto keeps no collection sizes; the estimate is its smallest range, [0, 1] GB, which
    holds for any collection a lesson builds."""
    from moto.dynamodb.responses import DynamoHandler

    def metrics(table: Any, attrs: dict[str, Any]) -> dict[str, Any]:
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        return {"ItemCollectionKey": key, "SizeEstimateRangeGB": [0.0, 1.0]}

    def single(original: Any, member: str) -> Any:
        @functools.wraps(original)
        def write(self: Any) -> Any:
            result = original(self)
            if self.body.get("ReturnItemCollectionMetrics") == "SIZE":
                table = self.dynamodb_backend.get_table(self.body["TableName"])
                if table.indexes:
                    result.result["ItemCollectionMetrics"] = metrics(table, self.body[member])
            return result

        return write

    def batch(original: Any) -> Any:
        @functools.wraps(original)
        def write(self: Any) -> Any:
            result = original(self)
            if self.body.get("ReturnItemCollectionMetrics") == "SIZE":
                answered: dict[str, list[Any]] = {}
                for name, writes in self.body["RequestItems"].items():
                    table = self.dynamodb_backend.get_table(name)
                    if table.indexes:
                        answered[name] = [
                            metrics(
                                table,
                                (w.get("PutRequest") or {}).get("Item")
                                or w["DeleteRequest"]["Key"],
                            )
                            for w in writes
                        ]
                result.result["ItemCollectionMetrics"] = answered
            return result

        return write

    DynamoHandler.put_item = single(DynamoHandler.put_item, "Item")
    DynamoHandler.update_item = single(DynamoHandler.update_item, "Key")
    DynamoHandler.delete_item = single(DynamoHandler.delete_item, "Key")
    DynamoHandler.batch_write_item = batch(DynamoHandler.batch_write_item)


FIXES = [
    transaction_reads_up_to_100,
    batch_write_duplicate_keys,
    update_table_against_the_table,
    list_tables_in_order,
    tag_resource_overwrites,
    time_to_live_on_a_missing_table,
    size_of_a_missing_attribute,
    begins_with_binary,
    projection_with_list_index,
    item_collection_metrics,
]
