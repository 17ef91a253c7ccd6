"""The embedded engine reports what AWS bills: every figure here was measured on DynamoDB.

Each case replays a request whose ConsumedCapacity was captured against real DynamoDB
(eu-west-2, 12-16 August 2026) and asserts the figure the *embedded engine* returns to a
plain boto3 client (not our recorder). The captures are written out, request by request,
in the test suites of the open-source emulator dynoxide; ``Source`` names file and commit:

* IDX  -- https://github.com/nubo-db/dynoxide/blob/1b7974cf237e5beab3fe80e1ffb4267c582e582c/tests/index_consumed_capacity.rs
  (12 August 2026, the "#176" rows; 13 August 2026, sizing rows S*, R*, L*)
* TX   -- https://github.com/nubo-db/dynoxide/blob/eafc4f65f60120a340f43d49968b38fff3443de2/tests/transactional_index_consumed_capacity.rs
  (13 August 2026: rounds A, B, F, J, K, G and the same-token replays S, R)
* PQ   -- https://github.com/nubo-db/dynoxide/blob/3c6d4b3c062a3e69818dc84623277978ba591e6a/tests/partiql_index_consumed_capacity.rs
  (13 August 2026: rounds C, D, M)
* READ -- https://github.com/nubo-db/dynoxide/blob/45e402b5a19ced33905dd93587e157839e2112d4/tests/read_capacity_on_evaluated_bytes.rs
  (15 and 16 August 2026)
* SHAPE -- https://github.com/paritysuite/dynamodb-conformance/pull/74 (1 July 2026):
  single-item requests report CapacityUnits alone; transactions add the Read/Write split.

Number sizes (also measured) are in tests/test_capacity.py: sizes are below the 1 KB
granularity of a write, so no capacity figure can show them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

IDX = "nubo-db/dynoxide tests/index_consumed_capacity.rs (captured 12-13 Aug 2026)"
TX = "nubo-db/dynoxide tests/transactional_index_consumed_capacity.rs (captured 13 Aug 2026)"
PQ = "nubo-db/dynoxide tests/partiql_index_consumed_capacity.rs (captured 13 Aug 2026)"
READ = "nubo-db/dynoxide tests/read_capacity_on_evaluated_bytes.rs (captured 15-16 Aug 2026)"

GSI, LSI = "gsi-inc", "lsi-idx"


def table_definition(name: str, lsi_projection: str) -> dict[str, Any]:
    """The captures' table: pk/sk; GSI on gsiPk projecting INCLUDE [proj]; LSI on
    pk/lsiSk projecting ALL ("report" and transaction rounds) or INCLUDE [proj] (sizing)."""
    lsi = {"ProjectionType": lsi_projection}
    if lsi_projection == "INCLUDE":
        lsi["NonKeyAttributes"] = ["proj"]
    return {
        "TableName": name,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsiPk", "lsiSk")
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI,
                "KeySchema": [{"AttributeName": "gsiPk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["proj"]},
            }
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": LSI,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lsiSk", "KeyType": "RANGE"},
                ],
                "Projection": lsi,
            }
        ],
    }


def w(**attributes: str) -> dict[str, dict[str, str]]:
    """An item (or key) of string attributes in wire form."""
    return {name: {"S": value} for name, value in attributes.items()}


def pad(size: int) -> str:
    return "x" * size


KEY = {"pk": "b", "sk": "1"}
#: The "#176" rows' item: in both indexes, a projected ``proj``, a non-projected ``other``.
INDEXED = w(pk="b", sk="1", gsiPk="g", lsiSk="L1", proj="p", other="o")


def update(key: dict[str, str], expression: str, **values: str) -> tuple[str, dict]:
    request: dict[str, Any] = {"Key": w(**key), "UpdateExpression": expression}
    if "#o" in expression:  # ``other`` is a reserved word
        request["ExpressionAttributeNames"] = {"#o": "other"}
    if values:
        request["ExpressionAttributeValues"] = {f":{k}": {"S": v} for k, v in values.items()}
    return "UpdateItem", request


def tx(*actions: dict[str, Any]) -> tuple[str, dict]:
    return "TransactWriteItems", {"TransactItems": list(actions)}


@dataclass
class Case:
    """One captured request: seed items, the request, the reported figures.

    ``gsi``/``lsi`` None means the arm is absent on AWS; ``...`` means the capture did
    not report that figure (the case then checks the others only).
    """

    name: str
    source: str
    seed: list[dict[str, Any]]
    request: tuple[str, dict[str, Any]]
    total: Any
    table: Any = ...
    gsi: Any = None
    lsi: Any = None
    lsi_projection: str = "ALL"


def put(item: dict[str, Any]) -> tuple[str, dict]:
    return "PutItem", {"Item": item}


def t_put(item: dict[str, Any]) -> dict[str, Any]:
    return {"Put": {"Item": item}}


def t_update(key: dict[str, str], expression: str, **values: str) -> dict[str, Any]:
    return {"Update": update(key, expression, **values)[1]}


SIZING = "INCLUDE"
CASES = [
    # --- single-item writes, the "#176" rows (IDX, 12 August 2026) ------------------------
    Case("put_gsi_key_only", IDX, [], put(w(pk="a", sk="1", gsiPk="g")), 2, 1, 1),
    Case("put_no_index_attribute", IDX, [], put(w(pk="a", sk="1", other="o")), 1, 1),
    Case("put_lsi_key_only", IDX, [], put(w(pk="a", sk="1", lsiSk="L1")), 2, 1, None, 1),
    Case("put_both_index_keys", IDX, [], put(w(pk="a", sk="1", gsiPk="g", lsiSk="L1")), 3, 1, 1, 1),
    Case(
        "put_identical_overwrite",
        IDX,
        [w(pk="a", sk="1", gsiPk="g", proj="p")],
        put(w(pk="a", sk="1", gsiPk="g", proj="p")),
        1,
        1,
    ),
    Case("update_non_projected", IDX, [INDEXED], update(KEY, "SET #o = :v", v="o2"), 2, 1, None, 1),
    Case("update_projected", IDX, [INDEXED], update(KEY, "SET proj = :v", v="p2"), 3, 1, 1, 1),
    Case("update_moves_gsi_key", IDX, [INDEXED], update(KEY, "SET gsiPk = :v", v="g2"), 4, 1, 2, 1),
    Case("update_removes_gsi_key", IDX, [INDEXED], update(KEY, "REMOVE gsiPk"), 3, 1, 1, 1),
    Case(
        "update_moves_lsi_key", IDX, [INDEXED], update(KEY, "SET lsiSk = :v", v="L2"), 3, 1, None, 2
    ),
    Case("delete_in_both_indexes", IDX, [INDEXED], ("DeleteItem", {"Key": w(**KEY)}), 3, 1, 1, 1),
    Case(
        "delete_in_no_index",
        IDX,
        [w(pk="c", sk="1", other="o")],
        ("DeleteItem", {"Key": w(pk="c", sk="1")}),
        1,
        1,
    ),
    Case(
        "update_creating_the_item",
        IDX,
        [],
        update({"pk": "new", "sk": "1"}, "SET gsiPk = :g, lsiSk = :l", g="g", l="L1"),
        3,
        1,
        1,
        1,
    ),
    # --- sizing past 1 KB (IDX, 13 August 2026; both indexes INCLUDE [proj]) ------------
    Case(
        "S1_index_sized_on_projected_entry",
        IDX,
        [],
        put(w(pk="s1", sk="1", gsiPk="g", proj="p", other=pad(3000))),
        4,
        3,
        1,
        lsi_projection=SIZING,
    ),
    Case(
        "S2_shrink_holds_old_entry",
        IDX,
        [w(pk="s2", sk="1", gsiPk="g", proj=pad(3000))],
        update({"pk": "s2", "sk": "1"}, "SET proj = :v", v="p"),
        ...,
        ...,
        3,
        lsi_projection=SIZING,
    ),
    Case(
        "S3_grow_takes_new_entry",
        IDX,
        [w(pk="s3", sk="1", gsiPk="g", proj="p")],
        update({"pk": "s3", "sk": "1"}, "SET proj = :v", v=pad(3000)),
        ...,
        ...,
        3,
        lsi_projection=SIZING,
    ),
    Case(
        "R2_equal_sizes_round_once",
        IDX,
        [w(pk="r2", sk="1", gsiPk="g", proj=pad(1500))],
        update({"pk": "r2", "sk": "1"}, "SET proj = :v", v="y" * 1500),
        ...,
        ...,
        2,
        lsi_projection=SIZING,
    ),
    Case(
        "S4_key_move_each_half_rounded",
        IDX,
        [w(pk="s4", sk="1", gsiPk="A", proj=pad(1500))],
        update({"pk": "s4", "sk": "1"}, "SET gsiPk = :v", v="B"),
        ...,
        ...,
        4,
        lsi_projection=SIZING,
    ),
    Case(
        "S5_key_move_asymmetric",
        IDX,
        [w(pk="s5", sk="1", gsiPk="A", proj=pad(3000))],
        update({"pk": "s5", "sk": "1"}, "SET gsiPk = :g, proj = :p", g="B", p="p"),
        ...,
        ...,
        4,
        lsi_projection=SIZING,
    ),
    Case(
        "S6_delete_sized_on_entry",
        IDX,
        [w(pk="s6", sk="1", gsiPk="g", proj=pad(3000))],
        ("DeleteItem", {"Key": w(pk="s6", sk="1")}),
        ...,
        ...,
        3,
        lsi_projection=SIZING,
    ),
    Case(
        "S7_leaving_sized_on_old_entry",
        IDX,
        [w(pk="s7", sk="1", gsiPk="g", proj=pad(3000))],
        update({"pk": "s7", "sk": "1"}, "REMOVE gsiPk"),
        ...,
        ...,
        3,
        lsi_projection=SIZING,
    ),
    Case(
        "L1_lsi_grow",
        IDX,
        [w(pk="l1", sk="1", lsiSk="L", proj="p")],
        update({"pk": "l1", "sk": "1"}, "SET proj = :v", v=pad(3000)),
        ...,
        ...,
        None,
        3,
        lsi_projection=SIZING,
    ),
    Case(
        "L2_lsi_key_move",
        IDX,
        [w(pk="l2", sk="1", lsiSk="A", proj=pad(3000))],
        update({"pk": "l2", "sk": "1"}, "SET lsiSk = :s, proj = :p", s="B", p="p"),
        ...,
        ...,
        None,
        4,
        lsi_projection=SIZING,
    ),
    # --- TransactWriteItems (TX, 13 August 2026) ---------------------------------------
    Case("A1_tx_put_gsi_member", TX, [], tx(t_put(w(pk="a1", sk="1", gsiPk="g1"))), 3, 2, 1),
    Case("A2_tx_put_no_index", TX, [], tx(t_put(w(pk="a2", sk="1", other="o"))), 2, 2),
    Case(
        "A3_tx_put_both_indexes",
        TX,
        [],
        tx(t_put(w(pk="a3", sk="1", gsiPk="g1", lsiSk="L1", proj="p"))),
        4,
        2,
        1,
        1,
    ),
    Case(
        "A4_tx_identical_overwrite",
        TX,
        [w(pk="a4", sk="1", gsiPk="g1", lsiSk="L1")],
        tx(t_put(w(pk="a4", sk="1", gsiPk="g1", lsiSk="L1"))),
        2,
        2,
    ),
    Case(
        "A5_tx_update_outside_gsi_projection",
        TX,
        [w(pk="a5", sk="1", gsiPk="g1", lsiSk="L1", other="o")],
        tx(t_update({"pk": "a5", "sk": "1"}, "SET #o = :v", v="o2")),
        3,
        2,
        None,
        1,
    ),
    Case(
        "A7_tx_gsi_key_move",
        TX,
        [w(pk="a7", sk="1", gsiPk="g1", lsiSk="L1")],
        tx(t_update({"pk": "a7", "sk": "1"}, "SET gsiPk = :v", v="g2")),
        5,
        2,
        2,
        1,
    ),
    Case(
        "A10_tx_delete_both_indexes",
        TX,
        [w(pk="a10", sk="1", gsiPk="g1", lsiSk="L1")],
        tx({"Delete": {"Key": w(pk="a10", sk="1")}}),
        4,
        2,
        1,
        1,
    ),
    Case(
        "A12_tx_condition_check",
        TX,
        [w(pk="a12", sk="1", gsiPk="g1", lsiSk="L1")],
        tx(
            {
                "ConditionCheck": {
                    "Key": w(pk="a12", sk="1"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        ),
        2,
        2,
    ),
    Case(
        "A13_tx_two_puts",
        TX,
        [],
        tx(
            t_put(w(pk="a13", sk="1", gsiPk="g1", lsiSk="L1")),
            t_put(w(pk="a14", sk="1", gsiPk="g1", lsiSk="L1")),
        ),
        8,
        4,
        2,
        2,
    ),
    Case(
        "B5_tx_delete_sized_on_stored_item",
        TX,
        [w(pk="b5", sk="1", gsiPk="g1", proj=pad(3000))],
        tx({"Delete": {"Key": w(pk="b5", sk="1")}}),
        9,
        6,
        3,
    ),
    Case(
        "B3_tx_shrinking_put",
        TX,
        [w(pk="b3", sk="1", other=pad(3000))],
        tx(t_put(w(pk="b3", sk="1"))),
        6,
        6,
    ),
    Case(
        "B7_tx_key_move_of_1518_bytes",
        TX,
        [w(pk="b7", sk="1", gsiPk="g1", proj=pad(1500))],
        tx(t_update({"pk": "b7", "sk": "1"}, "SET gsiPk = :v", v="g9")),
        8,
        4,
        4,
    ),
    Case(
        "J3_tx_update_shrinking_entry",
        TX,
        [w(pk="j3", sk="1", gsiPk="g1", proj=pad(3000))],
        tx(t_update({"pk": "j3", "sk": "1"}, "SET proj = :v", v="p")),
        9,
        6,
        3,
    ),
    Case(
        "F1_tx_condition_check_on_stored_item",
        TX,
        [w(pk="f1", sk="1", other=pad(3000))],
        tx(
            {
                "ConditionCheck": {
                    "Key": w(pk="f1", sk="1"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        ),
        6,
        6,
    ),
    Case(
        "F4_tx_update_creating_the_item",
        TX,
        [],
        tx(t_update({"pk": "f4", "sk": "1"}, "SET gsiPk = :g, lsiSk = :l", g="g1", l="L1")),
        4,
        2,
        1,
        1,
    ),
    Case("K1_tx_delete_missing", TX, [], tx({"Delete": {"Key": w(pk="k1", sk="1")}}), 2, 2),
    Case(
        "K3_tx_identical_overwrite_large",
        TX,
        [w(pk="k3", sk="1", gsiPk="g1", proj=pad(3000))],
        tx(t_put(w(pk="k3", sk="1", gsiPk="g1", proj=pad(3000)))),
        6,
        6,
    ),
]


@pytest.fixture(scope="module")
def dynamodb(services):
    return boto3.client(
        "dynamodb",
        endpoint_url=services.endpoint_url,
        region_name=services.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def new_table(dynamodb, lsi_projection: str = "ALL") -> str:
    name = f"capture_{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(**table_definition(name, lsi_projection))
    return name


def with_table(name: str, request: dict[str, Any]) -> dict[str, Any]:
    """The request with ``TableName`` set on it (or on each transaction action)."""
    if "TransactItems" in request:
        return {
            "TransactItems": [
                {kind: {"TableName": name, **body}}
                for action in request["TransactItems"]
                for kind, body in action.items()
            ]
        }
    return {"TableName": name, **request}


def arm(consumed: dict[str, Any], kind: str) -> float | None:
    arms = consumed.get(kind)
    if arms is None:
        return None
    assert len(arms) == 1, arms
    return next(iter(arms.values()))["CapacityUnits"]


def run(dynamodb, case: Case, mode: str = "INDEXES") -> dict[str, Any]:
    name = new_table(dynamodb, case.lsi_projection)
    for item in case.seed:
        dynamodb.put_item(TableName=name, Item=item)
    operation, request = case.request
    method = getattr(dynamodb, _snake(operation))
    answer = method(**with_table(name, request), ReturnConsumedCapacity=mode)
    consumed = answer["ConsumedCapacity"]
    return consumed[0] if isinstance(consumed, list) else consumed


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_engine_reports_the_capacity_measured_on_dynamodb(dynamodb, case):
    consumed = run(dynamodb, case)
    if case.total is not ...:
        assert consumed["CapacityUnits"] == case.total
    if case.table is not ...:
        assert consumed["Table"]["CapacityUnits"] == case.table
    assert arm(consumed, "GlobalSecondaryIndexes") == case.gsi
    assert arm(consumed, "LocalSecondaryIndexes") == case.lsi


# --- the shape of ConsumedCapacity (SHAPE, TX) ----------------------------------------


def test_total_mode_reports_the_total_without_arms_or_split(dynamodb):
    # IDX: the GSI key move under TOTAL: 4, no Table, no arms; single-item requests carry
    # no Read/WriteCapacityUnits (SHAPE).
    case = Case("total", IDX, [INDEXED], update(KEY, "SET gsiPk = :v", v="g2"), 4)
    consumed = run(dynamodb, case, mode="TOTAL")
    assert consumed == {"TableName": consumed["TableName"], "CapacityUnits": 4.0}


def test_a_transaction_adds_the_write_split_at_every_level(dynamodb):
    # TX: "the write axis is reported at every level": total 4, table 2, GSI 1.
    case = Case("tx", TX, [], tx(t_put(w(pk="w1", sk="1", gsiPk="g1", lsiSk="L1"))), 4)
    consumed = run(dynamodb, case)
    assert consumed["WriteCapacityUnits"] == 4.0
    assert consumed["Table"] == {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    assert consumed["GlobalSecondaryIndexes"][GSI]["WriteCapacityUnits"] == 1.0
    total = run(dynamodb, case, mode="TOTAL")
    assert set(total) == {"TableName", "CapacityUnits", "WriteCapacityUnits"}


def test_no_capacity_is_reported_without_a_mode(dynamodb):
    name = new_table(dynamodb)
    answer = dynamodb.put_item(TableName=name, Item=w(pk="n1", sk="1", gsiPk="g1"))
    assert "ConsumedCapacity" not in answer
    answer = dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": name, "Item": w(pk="n2", sk="1")}}]
    )
    assert "ConsumedCapacity" not in answer


def test_a_transaction_over_two_tables_reports_one_entry_each(dynamodb):
    # TX capture G1: the member of both indexes reports 4 with both arms, the GSI-only
    # member 3 with one.
    first, second = new_table(dynamodb), new_table(dynamodb)
    answer = dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": first, "Item": w(pk="g1", sk="1", gsiPk="g1", lsiSk="L1")}},
            {"Put": {"TableName": second, "Item": w(pk="g1", sk="1", gsiPk="g1")}},
        ],
        ReturnConsumedCapacity="INDEXES",
    )
    entries = {e["TableName"]: e for e in answer["ConsumedCapacity"]}
    assert entries[first]["CapacityUnits"] == 4.0
    assert arm(entries[first], "LocalSecondaryIndexes") == 1.0
    assert entries[second]["CapacityUnits"] == 3.0
    assert "LocalSecondaryIndexes" not in entries[second]


def test_batch_write_sums_arms_per_table(dynamodb):
    # IDX: three puts, two join the GSI and one the LSI: table 3, GSI 2, LSI 1, total 6.
    name = new_table(dynamodb)
    items = [
        w(pk="x1", sk="1", gsiPk="g", lsiSk="L1"),
        w(pk="x2", sk="1", gsiPk="g"),
        w(pk="x3", sk="1", other="o"),
    ]
    answer = dynamodb.batch_write_item(
        RequestItems={name: [{"PutRequest": {"Item": i}} for i in items]},
        ReturnConsumedCapacity="INDEXES",
    )
    (consumed,) = answer["ConsumedCapacity"]
    assert (consumed["CapacityUnits"], consumed["Table"]["CapacityUnits"]) == (6.0, 3.0)
    assert (arm(consumed, "GlobalSecondaryIndexes"), arm(consumed, "LocalSecondaryIndexes")) == (
        2.0,
        1.0,
    )


# --- idempotent replay (TX, round S and R, 13 August 2026) ------------------------------

REPLAYS = [
    ("S1_shrinking_put", [w(pk="s1", sk="1", proj=pad(9000))], [t_put(w(pk="s1", sk="1"))], 18, 6),
    (
        "S2_growing_put",
        [w(pk="s2", sk="1", other="o")],
        [t_put(w(pk="s2", sk="1", proj=pad(9000)))],
        18,
        6,
    ),
    (
        "R1_delete",
        [w(pk="r1", sk="1", proj=pad(9000))],
        [{"Delete": {"Key": w(pk="r1", sk="1")}}],
        18,
        6,
    ),
    (
        "R2_condition_check",
        [w(pk="r2", sk="1", proj=pad(9000))],
        [
            {
                "ConditionCheck": {
                    "Key": w(pk="r2", sk="1"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        ],
        18,
        6,
    ),
    (
        "S3_pair",
        [w(pk="s3", sk="1", proj=pad(9000))],
        [{"Delete": {"Key": w(pk="s3", sk="1")}}, t_put(w(pk="s4", sk="1", other="o"))],
        20,
        8,
    ),
]


@pytest.mark.parametrize(
    ("seed", "actions", "first", "replay"), [r[1:] for r in REPLAYS], ids=[r[0] for r in REPLAYS]
)
def test_a_replayed_token_is_charged_as_a_transactional_read(
    dynamodb, seed, actions, first, replay
):
    name = new_table(dynamodb)
    for item in seed:
        dynamodb.put_item(TableName=name, Item=item)
    request = {
        **with_table(name, {"TransactItems": actions}),
        "ClientRequestToken": uuid.uuid4().hex,
        "ReturnConsumedCapacity": "TOTAL",
    }
    answers = [dynamodb.transact_write_items(**request) for _ in range(2)]
    (one,), (two,) = (a["ConsumedCapacity"] for a in answers)
    assert (one["CapacityUnits"], one["WriteCapacityUnits"]) == (first, first)
    assert (two["CapacityUnits"], two["ReadCapacityUnits"]) == (replay, replay)
    assert "WriteCapacityUnits" not in two


def test_a_replay_does_not_write_again_and_another_payload_is_refused(dynamodb):
    name = new_table(dynamodb)
    dynamodb.put_item(TableName=name, Item={**w(pk="c", sk="1"), "n": {"N": "0"}})
    token = uuid.uuid4().hex
    increment = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": name,
                    "Key": w(pk="c", sk="1"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        "ClientRequestToken": token,
    }
    dynamodb.transact_write_items(**increment)
    dynamodb.transact_write_items(**increment)
    item = dynamodb.get_item(TableName=name, Key=w(pk="c", sk="1"))["Item"]
    assert item["n"] == {"N": "1"}  # applied once
    other = {**increment, "TransactItems": [t_put({"TableName": name, **w(pk="d", sk="1")})]}
    other["TransactItems"] = [{"Put": {"TableName": name, "Item": w(pk="d", sk="1")}}]
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(**other)
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- reads charged on what they evaluated (READ, 15-16 August 2026) ---------------------


@pytest.fixture
def four_rows(dynamodb):
    """Four rows of a little over 3 KB: one tagged ``one``, three ``many``."""
    name = new_table(dynamodb)
    for i in range(4):
        item = w(pk="p", sk=f"s{i:04}", tag="one" if i == 0 else "many", filler=pad(3000))
        dynamodb.put_item(TableName=name, Item=item)
    return name


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"FilterExpression": "tag = :t", "ExpressionAttributeValues": {":t": {"S": "absent"}}},
        {"ProjectionExpression": "sk"},
    ],
    ids=["all", "filter_matching_nothing", "projection"],
)
def test_a_scan_is_charged_on_every_row_it_evaluated(dynamodb, four_rows, extra):
    answer = dynamodb.scan(TableName=four_rows, ReturnConsumedCapacity="TOTAL", **extra)
    assert answer["ConsumedCapacity"]["CapacityUnits"] == 1.5  # 4 x ~3 KB -> 3 x 4 KB / 2


@pytest.mark.parametrize(
    ("statement", "consistent", "units"),
    [
        ('SELECT * FROM "{t}"', False, 1.5),
        # (moto's PartiQL parser needs the spaces around "=" here)
        ("SELECT * FROM \"{t}\" WHERE tag = 'one'", False, 1.5),
        ("SELECT * FROM \"{t}\" WHERE pk='p' AND tag='one'", False, 1.5),
        ("SELECT * FROM \"{t}\" WHERE pk='p' AND sk='s0000'", False, 0.5),
        ("SELECT * FROM \"{t}\" WHERE tag = 'one'", True, 3.0),
    ],
    ids=["unkeyed", "unkeyed_filter", "partition_residual", "keyed", "consistent"],
)
def test_a_partiql_select_is_charged_like_the_equivalent_read(
    dynamodb, four_rows, statement, consistent, units
):
    answer = dynamodb.execute_statement(
        Statement=statement.format(t=four_rows),
        ConsistentRead=consistent,
        ReturnConsumedCapacity="TOTAL",
    )
    assert answer["ConsumedCapacity"]["CapacityUnits"] == units


# --- PartiQL writes (PQ, 13 August 2026) ----------------------------------------------


def test_partiql_writes_cost_what_the_equivalent_request_costs(dynamodb):
    name = new_table(dynamodb)

    def statement(text: str) -> dict[str, Any]:
        answer = dynamodb.execute_statement(
            Statement=text.format(t=name), ReturnConsumedCapacity="INDEXES"
        )
        return answer["ConsumedCapacity"]

    # C1: total 3, table 1, GSI 1, LSI 1 -- no transactional factor
    c1 = statement(
        "INSERT INTO \"{t}\" VALUE {{'pk':'c1','sk':'1','gsiPk':'g1','lsiSk':'L1','proj':'p'}}"
    )
    assert (c1["CapacityUnits"], c1["Table"]["CapacityUnits"]) == (3.0, 1.0)
    assert (arm(c1, "GlobalSecondaryIndexes"), arm(c1, "LocalSecondaryIndexes")) == (1.0, 1.0)
    # C3: moving the GSI key: total 4, table 1, GSI 2, LSI 1
    c3 = statement("UPDATE \"{t}\" SET gsiPk='g2' WHERE pk='c1' AND sk='1'")
    assert (c3["CapacityUnits"], arm(c3, "GlobalSecondaryIndexes")) == (4.0, 2.0)
    # C4: delete of an item in both indexes: total 3
    c4 = statement("DELETE FROM \"{t}\" WHERE pk='c1' AND sk='1'")
    assert (c4["CapacityUnits"], arm(c4, "LocalSecondaryIndexes")) == (3.0, 1.0)


def test_execute_transaction_doubles_the_table_arm_only(dynamodb):
    # PQ capture D1: total 4, table 2, GSI 1, LSI 1.
    name = new_table(dynamodb)
    answer = dynamodb.execute_transaction(
        TransactStatements=[
            {
                "Statement": f'INSERT INTO "{name}" VALUE '
                "{'pk':'d1','sk':'1','gsiPk':'g1','lsiSk':'L1','proj':'p'}"
            }
        ],
        ReturnConsumedCapacity="INDEXES",
    )
    (consumed,) = answer["ConsumedCapacity"]
    assert (consumed["CapacityUnits"], consumed["Table"]["CapacityUnits"]) == (4.0, 2.0)
    assert arm(consumed, "GlobalSecondaryIndexes") == 1.0


def test_batch_execute_statement_is_charged_per_statement_summed_per_table(dynamodb):
    # PQ capture M5: two inserts into the GSI: total 4, table 2, GSI 2 (no factor);
    # capture V1: two keyed SELECTs of small items: 0.5 each, 1 in all, no arms.
    name = new_table(dynamodb)

    def batch(*statements: str) -> dict[str, Any]:
        answer = dynamodb.batch_execute_statement(
            Statements=[{"Statement": s.format(t=name)} for s in statements],
            ReturnConsumedCapacity="INDEXES",
        )
        (consumed,) = answer["ConsumedCapacity"]
        return consumed

    m5 = batch(
        "INSERT INTO \"{t}\" VALUE {{'pk':'m5','sk':'1','gsiPk':'g1'}}",
        "INSERT INTO \"{t}\" VALUE {{'pk':'m6','sk':'1','gsiPk':'g1'}}",
    )
    assert (m5["CapacityUnits"], m5["Table"]["CapacityUnits"]) == (4.0, 2.0)
    assert arm(m5, "GlobalSecondaryIndexes") == 2.0
    # (moto's batch SELECT needs an unquoted table name and spaces around "=")
    v1 = batch(
        "SELECT * FROM {t} WHERE pk = 'm5' AND sk = '1'",
        "SELECT * FROM {t} WHERE pk = 'm6' AND sk = '1'",
    )
    assert v1["CapacityUnits"] == 1.0 and "GlobalSecondaryIndexes" not in v1
