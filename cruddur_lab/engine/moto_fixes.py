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


FIXES = [
    transaction_reads_up_to_100,
    batch_write_duplicate_keys,
]
