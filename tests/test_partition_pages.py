"""A table Query on the embedded engine answers every page exactly as moto's own Query does
(Items, Count, ScannedCount, LastEvaluatedKey), while moto walks only the part of the
partition a page reaches: reading a partition costs its items, not pages × items.

The reference is moto's ``Table.query`` as released (``inspect.unwrap`` of our wrappers),
run on the same server and the same stored items, page after page.
"""

from __future__ import annotations

import inspect
import itertools
import random
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from cruddur_lab.scripts.schema import schema_load

ANSWER = ("Items", "Count", "ScannedCount", "LastEvaluatedKey")
KB = 1000


def every_page(client, request: dict) -> list[dict] | tuple[str, str]:
    """Each page of ``request`` as answered, following LastEvaluatedKey (or the error)."""
    request = dict(request)
    start = request.pop("ExclusiveStartKey", None)
    pages: list[dict] = []
    try:
        while len(pages) < 60:
            answer = client.query(**request, **({"ExclusiveStartKey": start} if start else {}))
            pages.append({name: answer.get(name) for name in ANSWER})
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["Error"]["Message"]
    return pages


@contextmanager
def moto_own_query():
    """Table.query as moto released it (the whole table, sorted on every page) meanwhile."""
    patched = Table.query
    Table.query = inspect.unwrap(patched)
    try:
        yield
    finally:
        Table.query = patched


def pages_as_moto(client, request: dict) -> list[dict]:
    ours = every_page(client, request)
    with moto_own_query():
        theirs = every_page(client, request)
    assert ours == theirs, request
    return ours


def put_sized(batch, pk: str, sk, size: int) -> None:
    batch.put_item(Item={"pk": pk, "sk": sk, "body": "x" * size})


@pytest.fixture
def client(lab):
    schema_load(lab, billing_mode="PAY_PER_REQUEST")
    return lab.client("dynamodb")


@pytest.fixture
def partitions(lab, client):
    """Partition P: 70 items from 10 B to 120 KB in random order (several 1 MB pages), between
    two neighbours; TAIL: a full page whose range ends before the partition does; EMPTIED."""
    rng = random.Random(21)
    keys = [f"{n:03d}" for n in range(0, 130, 2)] + ["a", "ab", "abc", "b", "ba"]
    rng.shuffle(keys)
    with lab.table.batch_writer() as batch:
        for pk in ("O", "Q"):
            for n in range(5):
                put_sized(batch, pk, f"{n:03d}", 10)
        for sk in keys:
            put_sized(batch, "P", sk, rng.choice((10, 2 * KB, 30 * KB, 120 * KB)))
        # begins_with(sk, "a") fills 960 KB; "b1" does not fit beside it, "b0" does.
        for sk, size in (("0", 300 * KB), ("a1", 320 * KB), ("a2", 320 * KB), ("a3", 320 * KB)):
            put_sized(batch, "TAIL", sk, size)
        for sk, size in (("b0", 10), ("b1", 60 * KB), ("c", 10)):
            put_sized(batch, "TAIL", sk, size)
        put_sized(batch, "EMPTIED", "1", 10)
    lab.table.delete_item(Key={"pk": "EMPTIED", "sk": "1"})
    return client


def query(pk: str, condition: str = "", values: dict | None = None, **extra) -> dict:
    names = {":p": {"S": pk}} | {k: {"S": v} for k, v in (values or {}).items()}
    return {
        "KeyConditionExpression": "pk = :p" + (f" AND {condition}" if condition else ""),
        "ExpressionAttributeValues": names,
        **extra,
    }


CONDITIONS = [
    ("", {}),
    ("sk = :a", {":a": "050"}),
    ("sk = :a", {":a": "051"}),  # not stored
    ("sk < :a", {":a": "050"}),
    ("sk <= :a", {":a": "050"}),
    ("sk > :a", {":a": "051"}),
    ("sk >= :a", {":a": "050"}),
    ("sk BETWEEN :a AND :b", {":a": "010", ":b": "099"}),
    ("sk BETWEEN :a AND :b", {":a": "1", ":b": "ab"}),
    ("begins_with(sk, :a)", {":a": "a"}),
    ("begins_with(sk, :a)", {":a": "05"}),
    ("begins_with(sk, :a)", {":a": "zz"}),  # nothing
]
VARIANTS = [
    {},
    {"ScanIndexForward": False},
    {"Limit": 9},
    {"Limit": 9, "ScanIndexForward": False},
    {"Select": "COUNT"},
    {"FilterExpression": "size(body) > :big", "big": "2000"},
    {"ProjectionExpression": "sk", "ScanIndexForward": False},
]


def with_variant(request: dict, variant: dict) -> dict:
    variant = dict(variant)
    big = variant.pop("big", None)
    if big is not None:
        request["ExpressionAttributeValues"][":big"] = {"N": big}
    return request | variant


def test_every_page_of_every_key_condition_is_moto_s_own_answer(lab, partitions):
    table = lab.settings.table_name
    multi_page = 0
    for (condition, values), variant in itertools.product(CONDITIONS, VARIANTS):
        request = with_variant(query("P", condition, values, TableName=table), variant)
        multi_page += len(pages_as_moto(partitions, request)) > 1
    assert multi_page >= 20  # the 1 MB and Limit cuts were exercised, not only one page


@pytest.mark.parametrize("forward", [True, False])
def test_a_page_ended_past_the_key_condition_by_a_large_item_is_moto_s(lab, partitions, forward):
    """moto keeps walking past the matched items and stops the page (LastEvaluatedKey) at one
    that would take it past 1 MB, though it would not match."""
    table = lab.settings.table_name
    ending = {
        True: ("begins_with(sk, :a)", {":a": "a"}),
        False: ("sk BETWEEN :a AND :b", {":a": "a", ":b": "a3"}),
    }
    condition, values = ending[forward]
    pages = pages_as_moto(
        partitions,
        query("TAIL", condition, values, TableName=table, ScanIndexForward=forward),
    )
    # a1..a3 hold 960 KB. Forward, b0 past them still fits and b1 does not: moto ends the
    # page there. Backward, "0" below them does not fit.
    assert len(pages) == 2 and pages[0]["LastEvaluatedKey"] is not None


@pytest.mark.parametrize(
    "start",
    [
        {"pk": {"S": "P"}, "sk": {"S": "051"}},  # between two stored keys
        {"pk": {"S": "P"}, "sk": {"S": "!"}},  # before every key
        {"pk": {"S": "P"}, "sk": {"S": "~"}},  # after every key
        {"pk": {"S": "Q"}, "sk": {"S": "002"}},  # another partition's key
    ],
)
def test_a_start_key_that_is_not_stored_is_answered_as_moto_does(lab, partitions, start):
    table = lab.settings.table_name
    for forward, limit in ((True, {}), (False, {}), (True, {"Limit": 4})):
        request = query(
            "P", "sk BETWEEN :a AND :b", {":a": "020", ":b": "b"}, TableName=table, **limit
        )
        pages_as_moto(
            partitions, request | {"ExclusiveStartKey": start, "ScanIndexForward": forward}
        )


@pytest.mark.parametrize("pk", ["EMPTIED", "NEVER"])
def test_an_emptied_or_absent_partition_is_answered_as_moto_does(lab, partitions, pk):
    table = lab.settings.table_name
    for condition, values in CONDITIONS[:3]:
        pages = pages_as_moto(partitions, query(pk, condition, values, TableName=table))
        assert pages == [{"Items": [], "Count": 0, "ScannedCount": 0, "LastEvaluatedKey": None}]


def test_a_table_without_a_stream_and_a_number_sort_key_pages_as_moto_does(lab):
    """Sorted per request (nothing follows the table's writes) and by value: 9 before 10."""
    client = lab.client("dynamodb")
    keys = (("pk", "HASH", "S"), ("n", "RANGE", "N"))
    client.create_table(
        TableName="numbers",
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind, _ in keys],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": t} for name, _, t in keys],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in ("-5", "0", "1", "9", "10", "10.5", "100", "1000", "25"):
        client.put_item(TableName="numbers", Item={"pk": {"S": "P"}, "n": {"N": n}})
    for condition, value, extra in (
        ("", None, {"Limit": 2}),
        ("n < :v", "10", {}),
        ("n >= :v", "9.5", {"ScanIndexForward": False, "Limit": 3}),
        ("n BETWEEN :v AND :w", "0", {"Limit": 2}),
    ):
        values = {":p": {"S": "P"}}
        if value is not None:
            values |= {":v": {"N": value}, ":w": {"N": "100"}}
        expression = "pk = :p" + (f" AND {condition}" if condition else "")
        request = {
            "TableName": "numbers",
            "KeyConditionExpression": expression,
            "ExpressionAttributeValues": {k: v for k, v in values.items() if k in expression},
            **extra,
        }
        pages = pages_as_moto(client, request)
    assert [i["n"]["N"] for p in pages for i in p["Items"]] == [
        "0",
        "1",
        "9",
        "10",
        "10.5",
        "25",
        "100",
    ]


def one_page(client, request: dict) -> dict:
    ours = client.query(**request)
    with moto_own_query():
        theirs = client.query(**request)
    page = {name: ours.get(name) for name in ANSWER}
    assert page == {name: theirs.get(name) for name in ANSWER}
    return page


def test_writes_and_a_cancelled_transaction_between_pages_are_seen_as_moto_sees_them(
    lab, partitions
):
    table = lab.settings.table_name
    request = query("P", "sk BETWEEN :a AND :b", {":a": "010", ":b": "b"}, TableName=table, Limit=6)
    page = one_page(partitions, request)
    after = lambda page: request | {"ExclusiveStartKey": page["LastEvaluatedKey"]}  # noqa: E731
    lab.table.put_item(Item={"pk": "P", "sk": "0225", "body": "new"})  # ahead of the reader
    lab.table.delete_item(Key={"pk": "P", "sk": "030"})
    lab.table.update_item(
        Key={"pk": "P", "sk": "032"},
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": "grown" * 30_000},
    )
    page = one_page(partitions, after(page))
    assert [i["sk"]["S"] for i in page["Items"]][:3] == ["022", "0225", "024"]
    with pytest.raises(ClientError):
        lab.dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": "P", "sk": "0345", "body": "x"}}},
                {"Delete": {"TableName": table, "Key": {"pk": "P", "sk": "036"}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": "P", "sk": "none"},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    while page.get("LastEvaluatedKey"):
        page = one_page(partitions, after(page))
        assert "0345" not in [i["sk"]["S"] for i in page["Items"]]


def test_reading_a_partition_costs_its_items_not_pages_times_items(lab, client, monkeypatch):
    """moto compares sort keys through ``cast_value``: counted over every page of a read, it
    doubles with the partition (unpatched moto: four times, pages × items)."""
    table = lab.settings.table_name
    calls = [0]
    original = DynamoType.cast_value

    def counted(self):
        calls[0] += 1
        return original.fget(self)

    def read_all() -> int:
        request = query("P", "sk BETWEEN :a AND :b", {":a": "0", ":b": "9"}, TableName=table)
        every_page(client, request | {"Limit": 50, "Select": "COUNT"})  # the order is built
        calls[0] = 0
        with monkeypatch.context() as counting:
            counting.setattr(DynamoType, "cast_value", property(counted))
            pages = every_page(client, request | {"Limit": 50, "Select": "COUNT"})
        return calls[0], len(pages)

    with lab.table.batch_writer() as batch:
        for n in range(0, 1200, 2):
            put_sized(batch, "P", f"{n:04d}", 10)
    smaller, smaller_pages = read_all()
    with lab.table.batch_writer() as batch:
        for n in range(1, 1200, 2):
            put_sized(batch, "P", f"{n:04d}", 10)
    larger, larger_pages = read_all()

    assert (smaller_pages, larger_pages) == (12, 24)
    assert larger < 2.5 * smaller


# --- property: any partition, any key condition -------------------------------------------

SORT_KEYS = st.sampled_from(["-", "0", "a", "aa", "ab", "abc", "b", "ba", "c"])
SIZES = st.sampled_from([10, 5 * KB, 200 * KB, 390 * KB])
_examples = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stored=st.dictionaries(SORT_KEYS, SIZES, max_size=8),
    comparison=st.sampled_from(["", "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]),
    values=st.tuples(SORT_KEYS, SORT_KEYS),
    limit=st.one_of(st.none(), st.integers(1, 4)),
    forward=st.booleans(),
    start=st.one_of(st.none(), SORT_KEYS),
    count=st.booleans(),
)
def test_any_partition_and_key_condition_pages_as_moto_does(
    lab, client, stored, comparison, values, limit, forward, start, count
):
    pk = f"H{next(_examples)}"  # each example its own partition, beside the earlier ones
    with lab.table.batch_writer() as batch:
        for sk, size in stored.items():
            put_sized(batch, pk, sk, size)
    low, high = sorted(values)
    condition = {
        "": "",
        "BETWEEN": "sk BETWEEN :a AND :b",
        "begins_with": "begins_with(sk, :a)",
    }.get(comparison, f"sk {comparison} :a")
    request = query(
        pk,
        condition,
        {k: v for k, v in ((":a", low), (":b", high)) if k in condition},
        TableName=lab.settings.table_name,
        ScanIndexForward=forward,
    )
    if limit:
        request["Limit"] = limit
    if start:
        request["ExclusiveStartKey"] = {"pk": {"S": pk}, "sk": {"S": start}}
    if count:
        request["Select"] = "COUNT"
    pages_as_moto(client, request)
