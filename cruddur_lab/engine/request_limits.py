"""How many requests a batch or a transaction may carry, and how large it may be.

Each rule follows the API reference page named in its docstring; the messages are AWS's
(the value AWS prints as Java objects is abbreviated to a count). Duplicate keys that only
the table's key schema reveals (two puts of one item in a BatchWriteItem) are checked in
``moto_fixes``, which sees the table.
"""

from __future__ import annotations

from typing import Any

from cruddur_lab.capacity import item_size
from cruddur_lab.engine.refusal import Refusal, canonical, length_constraint

BATCH_WRITE_MAX = 25
BATCH_GET_MAX = 100
TRANSACTION_MAX_ACTIONS = 100
TRANSACTION_MAX_BYTES = 4 * 1024 * 1024
MULTIPLE_OPERATIONS = "Transaction request cannot include multiple operations on one item"


def batch_write_item(body: dict[str, Any]) -> None:
    """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
    RequestItems: 1 to 25 tables, each 1 to 25 WriteRequests; 25 in all."""
    requests = body.get("RequestItems") or {}
    length_constraint("requestItems", requests)
    for writes in requests.values():
        if not 1 <= len(writes or []) <= BATCH_WRITE_MAX:
            raise Refusal(
                f"1 validation error detected: Value '{{{len(writes or [])} WriteRequests}}' "
                "at 'requestItems' failed to satisfy constraint: Map value must satisfy "
                f"constraint: [Member must have length less than or equal to {BATCH_WRITE_MAX}, "
                "Member must have length greater than or equal to 1]"
            )
    if sum(len(writes) for writes in requests.values()) > BATCH_WRITE_MAX:
        raise Refusal("Too many items requested for the BatchWriteItem call")


def batch_get_item(body: dict[str, Any]) -> None:
    """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
    RequestItems: at least 1 table; each KeysAndAttributes: 1 to 100 keys."""
    requests = body.get("RequestItems") or {}
    length_constraint("requestItems", requests)
    for name, wanted in requests.items():
        keys = (wanted or {}).get("Keys") or []
        length_constraint(f"requestItems.{name}.member.keys", keys, most=BATCH_GET_MAX)


def transact_write_items(body: dict[str, Any]) -> None:
    """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
    1 to 100 actions; "the aggregate size of the items in the transaction cannot exceed
    4 MB". The items are what the request carries: a Put's item, an Update's key and
    values, a Delete's or ConditionCheck's key. (moto checks duplicate targets itself.)"""
    actions = body.get("TransactItems") or []
    length_constraint("transactItems", actions, most=TRANSACTION_MAX_ACTIONS)
    size = 0
    for action in actions:
        for operation in (action or {}).values():
            operation = operation or {}
            size += item_size(operation.get("Item")) + item_size(operation.get("Key"))
            size += item_size(operation.get("ExpressionAttributeValues"))
    if size > TRANSACTION_MAX_BYTES:
        # AWS's wording for this limit is not in its reference; this line is ours.
        raise Refusal(
            f"Transaction request cannot be larger than 4 MB: its items total {size} bytes"
        )


def transact_get_items(body: dict[str, Any]) -> None:
    """https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
    1 to 100 Gets, no two of the same item (moto checks neither, and refuses over 25)."""
    gets = body.get("TransactItems") or []
    length_constraint("transactItems", gets, most=TRANSACTION_MAX_ACTIONS)
    seen: set[tuple[str, str]] = set()
    for entry in gets:
        get = (entry or {}).get("Get") or {}
        target = (str(get.get("TableName")), canonical(get.get("Key")))
        if target in seen:
            raise Refusal(MULTIPLE_OPERATIONS)
        seen.add(target)


RULES = {
    "BatchWriteItem": [batch_write_item],
    "BatchGetItem": [batch_get_item],
    "TransactWriteItems": [transact_write_items],
    "TransactGetItems": [transact_get_items],
}
