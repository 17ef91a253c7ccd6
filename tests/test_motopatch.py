"""moto's transactions and queries cost what they touch, not the whole table, and still
behave as DynamoDB's: a cancelled transaction leaves nothing behind, not even a stream record.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from cruddur_lab.scripts.schema import schema_load


def moto_table(lab):
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][lab.settings.region].tables[
        lab.settings.table_name
    ]


def stream_records(lab) -> int:
    return len(moto_table(lab).stream_shard.items)


def rows(lab) -> dict[tuple[str, str], dict]:
    items = lab.table.scan()["Items"]
    return {(item["pk"], item["sk"]): item for item in items}


@pytest.fixture
def table_lab(lab):
    schema_load(lab, billing_mode="PAY_PER_REQUEST")
    for sk, message in (("b", "before"), ("c", "keep me")):
        lab.table.put_item(Item={"pk": "P", "sk": sk, "message": message})
    return lab


def transact(lab, *actions):
    name = lab.settings.table_name
    return lab.dynamodb.transact_write_items(
        TransactItems=[{kind: {"TableName": name, **body}} for kind, body in actions]
    )


def test_a_cancelled_transaction_puts_back_every_row_it_wrote_and_its_stream_records(
    table_lab,
):
    lab = table_lab
    table_before = moto_table(lab)
    before, records = rows(lab), stream_records(lab)

    with pytest.raises(ClientError) as raised:
        transact(
            lab,
            ("Put", {"Item": {"pk": "P", "sk": "a", "message": "new"}}),
            (
                "Update",
                {
                    "Key": {"pk": "P", "sk": "b"},
                    "UpdateExpression": "SET message = :m",
                    "ExpressionAttributeValues": {":m": "changed"},
                },
            ),
            ("Delete", {"Key": {"pk": "P", "sk": "c"}}),
            (
                "ConditionCheck",
                {"Key": {"pk": "P", "sk": "z"}, "ConditionExpression": "attribute_exists(pk)"},
            ),
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert rows(lab) == before
    assert stream_records(lab) == records
    # Rolled back in place: moto's own rollback swapped in a deep copy of the whole table.
    assert moto_table(lab) is table_before


def test_a_transaction_that_succeeds_is_applied_and_streamed(table_lab):
    lab = table_lab
    records = stream_records(lab)

    transact(
        lab,
        ("Delete", {"Key": {"pk": "P", "sk": "b"}}),
        ("Put", {"Item": {"pk": "P", "sk": "d", "message": "moved"}}),
    )

    assert set(rows(lab)) == {("P", "c"), ("P", "d")}
    assert stream_records(lab) == records + 2


def test_a_duplicate_key_in_one_transaction_is_refused_and_leaves_nothing(table_lab):
    lab = table_lab
    before = rows(lab)
    with pytest.raises(ClientError):
        transact(
            lab,
            ("Put", {"Item": {"pk": "P", "sk": "x", "message": "1"}}),
            ("Put", {"Item": {"pk": "P", "sk": "x", "message": "2"}}),
        )
    assert rows(lab) == before


def test_a_table_query_reads_only_its_partition_and_pages_as_before(table_lab, monkeypatch):
    lab = table_lab
    with lab.table.batch_writer() as batch:
        for n in range(30):
            batch.put_item(Item={"pk": "MANY", "sk": f"{n:03d}", "message": str(n)})
            batch.put_item(Item={"pk": "OTHER", "sk": f"{n:03d}", "message": str(n)})
    whole_table_reads = []
    original = Table.all_items
    monkeypatch.setattr(
        Table, "all_items", lambda self: whole_table_reads.append(1) or original(self)
    )

    first = lab.table.query(
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": "MANY"},
        ScanIndexForward=False,
        Limit=20,
    )
    rest = lab.table.query(
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": "MANY"},
        ScanIndexForward=False,
        ExclusiveStartKey=first["LastEvaluatedKey"],
    )
    missing = lab.table.query(
        KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": "NONE"}
    )

    assert [i["sk"] for i in first["Items"] + rest["Items"]] == [
        f"{n:03d}" for n in reversed(range(30))
    ]
    assert "LastEvaluatedKey" not in rest and missing["Items"] == []
    assert whole_table_reads == []


def test_pages_of_a_large_partition_and_their_counts_agree_with_its_items(table_lab):
    """Pages start after the previous page's key (bisected, not walked) and a COUNT skips
    moto's copy of each page: neither may lose, repeat or change an item."""
    import copy
    import random

    from moto.dynamodb.models import table as table_module

    lab = table_lab
    keys = [f"{n:04d}" for n in range(400)]
    random.Random(7).shuffle(keys)  # stored out of order: the sort is ours to get right
    with lab.table.batch_writer() as batch:
        for sk in keys:  # 400 items of 4 KB: several 1 MB pages
            batch.put_item(Item={"pk": "BIG", "sk": sk, "message": sk * 1000})
    client = lab.client("dynamodb")
    query = {
        "TableName": lab.settings.table_name,
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": "BIG"}, ":a": {"S": "0010"}, ":b": {"S": "0389"}},
    }
    paginator = client.get_paginator("query")
    forward = [page["Items"] for page in paginator.paginate(**query)]
    backward = [page["Items"] for page in paginator.paginate(**query, ScanIndexForward=False)]
    counts = [page["Count"] for page in paginator.paginate(**query, Select="COUNT")]

    expected = [f"{n:04d}" for n in range(10, 390)]
    assert len(forward) > 1 and len(counts) == len(forward)
    assert [i["sk"]["S"] for page in forward for i in page] == expected
    assert [i["sk"]["S"] for page in backward for i in page] == expected[::-1]
    assert counts == [len(page) for page in forward]
    assert table_module.copy is copy
    after = [page["Items"] for page in paginator.paginate(**query)]
    assert after == forward  # nothing stored was changed by the COUNT


def test_an_index_query_finds_its_rows_without_sorting_the_whole_table(table_lab, monkeypatch):
    lab = table_lab
    for owner in ("GRP#a", "GRP#b"):
        lab.table.put_item(Item={"pk": owner, "sk": "1", "message_group_uuid": "g1"})
    lab.table.put_item(Item={"pk": "GRP#c", "sk": "1", "message_group_uuid": "g2"})
    whole_table_reads = []
    original = Table.all_items
    monkeypatch.setattr(
        Table, "all_items", lambda self: whole_table_reads.append(1) or original(self)
    )

    found = lab.table.query(
        IndexName="message-group-sk-index",
        KeyConditionExpression="message_group_uuid = :g",
        ExpressionAttributeValues={":g": "g1"},
    )

    assert sorted(item["pk"] for item in found["Items"]) == ["GRP#a", "GRP#b"]
    assert whole_table_reads == []


def in_index(lab, group: str) -> list[str]:
    found = lab.table.query(
        IndexName="message-group-sk-index",
        KeyConditionExpression="message_group_uuid = :g",
        ExpressionAttributeValues={":g": group},
    )
    return sorted(item["pk"] for item in found["Items"])


def test_an_index_query_follows_every_kind_of_write_and_a_cancelled_transaction(table_lab):
    lab = table_lab
    for owner in ("GRP#a", "GRP#b", "GRP#d"):
        lab.table.put_item(Item={"pk": owner, "sk": "1", "message_group_uuid": "g1"})
    assert in_index(lab, "g1") == ["GRP#a", "GRP#b", "GRP#d"]  # the cache is built here

    lab.table.update_item(
        Key={"pk": "GRP#a", "sk": "1"},
        UpdateExpression="SET message_group_uuid = :g",
        ExpressionAttributeValues={":g": "g2"},
    )
    lab.table.update_item(
        Key={"pk": "GRP#b", "sk": "1"}, UpdateExpression="REMOVE message_group_uuid"
    )
    assert (in_index(lab, "g1"), in_index(lab, "g2")) == (["GRP#d"], ["GRP#a"])

    lab.table.delete_item(Key={"pk": "GRP#a", "sk": "1"})
    with pytest.raises(ClientError):
        transact(
            lab,
            ("Put", {"Item": {"pk": "GRP#c", "sk": "1", "message_group_uuid": "g1"}}),
            (
                "Update",  # moto changes this row in place before the check fails
                {
                    "Key": {"pk": "GRP#d", "sk": "1"},
                    "UpdateExpression": "SET message_group_uuid = :g",
                    "ExpressionAttributeValues": {":g": "g3"},
                },
            ),
            (
                "ConditionCheck",
                {"Key": {"pk": "P", "sk": "z"}, "ConditionExpression": "attribute_exists(pk)"},
            ),
        )
    assert (in_index(lab, "g1"), in_index(lab, "g2"), in_index(lab, "g3")) == (["GRP#d"], [], [])
    transact(
        lab,
        ("Delete", {"Key": {"pk": "GRP#d", "sk": "1"}}),
        ("Put", {"Item": {"pk": "GRP#d", "sk": "2", "message_group_uuid": "g1"}}),
    )
    found = lab.table.query(
        IndexName="message-group-sk-index",
        KeyConditionExpression="message_group_uuid = :g",
        ExpressionAttributeValues={":g": "g1"},
    )["Items"]
    assert [(item["pk"], item["sk"]) for item in found] == [("GRP#d", "2")]
