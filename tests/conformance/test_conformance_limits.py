"""Batches and transactions: the engine refuses what DynamoDB refuses, as DynamoDB does.

Each test follows the API reference page in its docstring.
"""

from __future__ import annotations

import pytest
from conformance_support import HASH_ONLY, TABLE, put, refusal

BIG = "x" * 390_000  # under the 400 KB item limit; eleven of them are over 4 MB


def test_batch_write_of_26_requests_is_refused(ddb):
    """API_BatchWriteItem: "as many as 25 put or delete requests"."""
    writes = [put("P", f"{n:02d}") for n in range(26)]
    code, message = refusal(ddb.batch_write_item, RequestItems={TABLE: writes})
    assert code == "ValidationException"
    assert "at 'requestItems' failed to satisfy constraint" in message
    assert "Member must have length less than or equal to 25" in message
    assert ddb.scan(TableName=TABLE)["Count"] == 0, "nothing of a refused batch is written"


def test_batch_write_of_25_requests_is_accepted(ddb):
    writes = [put("P", f"{n:02d}") for n in range(25)]
    assert ddb.batch_write_item(RequestItems={TABLE: writes})["UnprocessedItems"] == {}
    assert ddb.scan(TableName=TABLE)["Count"] == 25


def test_batch_write_over_25_across_tables_is_refused(ddb):
    """API_BatchWriteItem: the 25 requests are per call, not per table."""
    requests = {
        TABLE: [put("P", f"{n:02d}") for n in range(20)],
        HASH_ONLY: [{"PutRequest": {"Item": {"id": {"N": str(n)}}}} for n in range(6)],
    }
    code, message = refusal(ddb.batch_write_item, RequestItems=requests)
    assert (code, message) == (
        "ValidationException",
        "Too many items requested for the BatchWriteItem call",
    )


@pytest.mark.parametrize(
    "writes",
    [
        [put("P", "1", a={"S": "x"}), put("P", "1", a={"S": "y"})],
        [put("P", "1"), {"DeleteRequest": {"Key": {"pk": {"S": "P"}, "sk": {"S": "1"}}}}],
    ],
    ids=["two-puts", "put-and-delete"],
)
def test_batch_write_with_duplicate_keys_is_refused(ddb, writes):
    """API_BatchWriteItem: no two requests in one batch may name the same item."""
    code, message = refusal(ddb.batch_write_item, RequestItems={TABLE: writes})
    assert (code, message) == (
        "ValidationException",
        "Provided list of item keys contains duplicates",
    )


@pytest.mark.parametrize("operation", ["batch_write_item", "batch_get_item"])
def test_empty_request_items_are_refused(ddb, operation):
    """API_BatchWriteItem, API_BatchGetItem: RequestItems has at least one entry."""
    code, message = refusal(getattr(ddb, operation), RequestItems={})
    assert code == "ValidationException"
    assert "at 'requestItems' failed to satisfy constraint" in message
    assert "Member must have length greater than or equal to 1" in message


@pytest.mark.parametrize("operation", ["transact_write_items", "transact_get_items"])
def test_empty_transaction_is_refused(ddb, operation):
    """API_TransactWriteItems, API_TransactGetItems: 1 to 100 actions."""
    code, message = refusal(getattr(ddb, operation), TransactItems=[])
    assert code == "ValidationException"
    assert "at 'transactItems' failed to satisfy constraint" in message
    assert "Member must have length greater than or equal to 1" in message


def _transact_put(n: int, **attrs):
    return {
        "Put": {"TableName": TABLE, "Item": {"pk": {"S": "T"}, "sk": {"S": f"{n:03d}"}, **attrs}}
    }


def _transact_get(n: int):
    return {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "T"}, "sk": {"S": f"{n:03d}"}}}}


def test_transaction_of_100_writes_is_accepted(ddb):
    """API_TransactWriteItems: "up to 100 action requests"."""
    ddb.transact_write_items(TransactItems=[_transact_put(n) for n in range(100)])
    assert ddb.scan(TableName=TABLE)["Count"] == 100


def test_transaction_of_101_writes_is_refused(ddb):
    code, message = refusal(
        ddb.transact_write_items, TransactItems=[_transact_put(n) for n in range(101)]
    )
    assert code == "ValidationException"
    assert "at 'transactItems' failed to satisfy constraint" in message
    assert "Member must have length less than or equal to 100" in message
    assert ddb.scan(TableName=TABLE)["Count"] == 0


def test_transaction_of_100_reads_is_accepted(ddb):
    """API_TransactGetItems: "up to 100 TransactGetItem objects" (moto alone refuses 26)."""
    ddb.transact_write_items(TransactItems=[_transact_put(n) for n in range(100)])
    answer = ddb.transact_get_items(TransactItems=[_transact_get(n) for n in range(100)])
    assert len(answer["Responses"]) == 100
    assert answer["Responses"][99]["Item"]["sk"] == {"S": "099"}


def test_transaction_of_101_reads_is_refused(ddb):
    code, message = refusal(
        ddb.transact_get_items, TransactItems=[_transact_get(n) for n in range(101)]
    )
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 100" in message


def test_transaction_over_4_mb_is_refused(ddb):
    """API_TransactWriteItems: "The aggregate size of the items in the transaction cannot
    exceed 4 MB" (each item here is under the 400 KB item limit)."""
    actions = [_transact_put(n, body={"S": BIG}) for n in range(11)]
    code, message = refusal(ddb.transact_write_items, TransactItems=actions)
    assert code == "ValidationException"
    assert "4 MB" in message
    assert ddb.scan(TableName=TABLE)["Count"] == 0


def test_transaction_under_4_mb_is_accepted(ddb):
    ddb.transact_write_items(TransactItems=[_transact_put(n, body={"S": BIG}) for n in range(10)])
    pages = ddb.get_paginator("scan").paginate(TableName=TABLE, Select="COUNT")
    assert sum(page["Count"] for page in pages) == 10  # a Scan page stops at 1 MB


@pytest.mark.parametrize(
    "actions",
    [
        [_transact_put(1), _transact_put(1, a={"S": "again"})],
        [
            _transact_put(1),
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "T"}, "sk": {"S": "001"}},
                    "UpdateExpression": "SET a = :a",
                    "ExpressionAttributeValues": {":a": {"S": "x"}},
                }
            },
        ],
        [
            {
                "ConditionCheck": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "T"}, "sk": {"S": "001"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            _transact_put(1),
        ],
    ],
    ids=["put-put", "put-update", "check-put"],
)
def test_transaction_with_two_actions_on_one_item_is_refused(ddb, actions):
    """API_TransactWriteItems: "no two actions can target the same item"."""
    code, message = refusal(ddb.transact_write_items, TransactItems=actions)
    assert (code, message) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )
    assert ddb.scan(TableName=TABLE)["Count"] == 0


def test_transaction_reading_one_item_twice_is_refused(ddb):
    """API_TransactGetItems: the Gets of one transaction target distinct items."""
    code, message = refusal(
        ddb.transact_get_items, TransactItems=[_transact_get(1), _transact_get(1)]
    )
    assert (code, message) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )
