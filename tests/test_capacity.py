"""AWS's capacity rules (cruddur_lab.capacity and the per-request pricing built on them).

Pages cited (DynamoDB developer guide):

SIZES   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
RW      https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
COND    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
GSI     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
TX      https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
LIMITS  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cruddur_lab import model
from cruddur_lab.capacity import (
    MAX_ITEM_BYTES,
    IndexSpec,
    attribute_size,
    check_item_size,
    index_write_units,
    index_writes,
    item_read_units,
    item_size,
    number_size,
    read_units,
    read_units_for_size,
    wire_item,
    write_units,
)
from cruddur_lab.engine.pricing import TableInfo, price
from cruddur_lab.engine.trace import reported_units

GSI = IndexSpec(model.GSI_NAME, ("message_group_uuid", "sk"), ("pk", "sk"))


def blob(size: int, name: str = "m") -> dict[str, str]:
    """An item of exactly ``size`` bytes: one string attribute named ``name``."""
    return {name: "x" * (size - len(name.encode()))}


# --- item sizes (SIZES) -------------------------------------------------------------------


def test_strings_count_utf8_bytes_of_name_and_value():
    assert attribute_size("pk", "MSG#1") == 2 + 5
    assert attribute_size("message", "héllo") == 7 + 6  # é is two bytes in UTF-8
    assert attribute_size("émoji", "🙂") == 6 + 4  # a name counts by UTF-8 bytes too
    assert item_size({"pk": "a", "sk": "bc"}) == 3 + 4


#: Number sizes measured on real DynamoDB (eu-west-2, 2026-08-18), each by an item of
#: exactly 409,600 bytes accepted and one byte more refused. Source: paritysuite/
#: dynamodb-conformance, src/item-size.ts (CAPTURED_NUMBER_BYTES) and
#: tests/tier3/limits/numberByteSize.test.ts (commit 48e1162414bafa962c61855a0f045a4bc3749c10).
MEASURED_NUMBER_BYTES = [
    ("0", 1),
    ("1", 2),
    ("12", 2),
    ("123", 3),
    ("1234", 3),
    ("12345678901234567890123456789012345678", 20),
    ("0042", 2),
    ("100", 2),
    ("1010", 3),
    ("0.0000001", 2),
    ("1E125", 2),
    ("1E-100", 2),
    ("1.5", 3),
    ("15", 2),
    ("1.2", 3),
    ("1.200", 3),
    ("1.234", 4),
    ("3.14159", 5),
    ("123456", 4),
    ("100.5", 4),
    ("0.15", 2),
    ("-42", 3),
    ("-0", 1),
]


@pytest.mark.parametrize(("number", "size"), MEASURED_NUMBER_BYTES)
def test_number_sizes_match_the_sizes_measured_on_dynamodb(number, size):
    # 1 byte, plus the integer digits and the fraction digits each counted in pairs on
    # their own side of the decimal point (leading/trailing zeroes trimmed), +1 if negative.
    assert number_size(number) == size
    assert attribute_size("n", {"N": number}) == 1 + size


def test_plain_numbers_are_sized_like_their_wire_text():
    assert number_size(Decimal("1.50")) == 3  # = "1.5"
    assert number_size(-7) == 3
    assert number_size(-int("9" * 38)) == 21


def test_binary_counts_raw_bytes_not_base64_text():
    assert attribute_size("b", b"\x00\x01\x02") == 1 + 3
    assert attribute_size("b", {"B": "AAEC"}) == 1 + 3  # the wire's base64 of 3 bytes


def test_boolean_and_null_are_one_byte():
    assert attribute_size("ok", True) == 2 + 1
    assert attribute_size("gone", None) == 4 + 1
    assert attribute_size("gone", {"NULL": True}) == 4 + 1


def test_lists_and_maps_add_three_bytes_and_one_per_element():
    assert attribute_size("l", []) == 1 + 3
    assert attribute_size("m", {}) == 1 + 3
    assert attribute_size("l", ["a", "bc"]) == 1 + 3 + (1 + 1) + (1 + 2)
    # a map's elements are named: the name's bytes count like an attribute's
    assert attribute_size("m", {"k": "v"}) == 1 + 3 + (1 + 1 + 1)
    nested = {"m": {"l": [True, None]}}
    assert item_size(nested) == 1 + 3 + (1 + 1 + (3 + 2 + 2))


def test_sets_count_their_elements():
    assert attribute_size("ss", {"a", "bc"}) == 2 + 3
    assert attribute_size("ns", {1, 22}) == 2 + 2 + 2
    assert attribute_size("bs", {b"ab", b"c"}) == 2 + 3


def test_plain_and_wire_forms_have_the_same_size():
    item = {"pk": "MSG#1", "n": Decimal("12.5"), "l": ["a", 1], "m": {"x": b"yz"}}
    assert item_size(item) == item_size(wire_item(item))


def test_floats_are_refused_as_boto3_refuses_them():
    with pytest.raises(TypeError, match="Decimal or int"):
        item_size({"n": 1.5})


def test_items_over_400_kb_are_refused(tmp_path):  # LIMITS
    assert check_item_size(blob(MAX_ITEM_BYTES)) == 409_600
    with pytest.raises(ValueError, match="over DynamoDB's limit"):
        check_item_size(blob(MAX_ITEM_BYTES + 1))


def test_update_item_has_a_lower_ceiling_than_put_item():
    # Measured on real DynamoDB (eu-west-2): with one SET, UpdateItem accepts a resulting
    # item of at most 409,581 bytes (key pk="k"), where PutItem accepts 409,600; a second
    # SET lowers it by 19 more. Source: nubo-db/dynoxide, tests/item_size_accounting.rs
    # (commit 012656458408db0af4c2040d08e8d2cbe2b1a81e).
    at_ceiling = {"pk": "k", "b": "x" * (409_581 - 4)}
    assert check_item_size(at_ceiling, set_actions=1) == 409_581
    with pytest.raises(ValueError, match="UpdateItem"):
        check_item_size({"pk": "k", "b": "x" * (409_581 - 3)}, set_actions=1)
    two = {"pk": "k", "b": "x" * (409_581 - 19 - 4 - 2), "c": "z"}
    assert check_item_size(two, set_actions=2) == 409_562
    with pytest.raises(ValueError, match="UpdateItem"):
        check_item_size({**two, "b": two["b"] + "x"}, set_actions=2)


def test_seed_rows_are_far_under_the_limit():
    user = model.User("u" * 36, "andrewbrown", "Andrew Brown")
    row = model.message_item(
        message_group_uuid=model.SEED_GROUP_UUID,
        message_uuid="m" * 36,
        sender=user,
        text="x" * model.MAX_MESSAGE_CHARS * 4,  # longest message, 4-byte characters
        created_at="2026-03-01T12:00:00.000000+00:00",
    )
    assert check_item_size(row) < 5 * 1024


# --- reads (RW) --------------------------------------------------------------------------


def test_reads_round_up_to_4_kb_with_the_guides_examples():
    # "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item"
    assert item_read_units(blob(3500), consistent=True) == item_read_units(
        blob(4096), consistent=True
    )
    # "if your item size is 8 KB, you require 2 read units ... 1 ... or 4 for transactional"
    eight = blob(8 * 1024)
    assert item_read_units(eight, consistent=True) == 2.0
    assert item_read_units(eight) == 1.0
    assert item_read_units(eight, transactional=True) == 4.0


def test_read_boundaries_exactly_4_kb_and_one_byte_over():
    assert read_units_for_size(4096, consistent=True) == 1.0
    assert read_units_for_size(4097, consistent=True) == 2.0


def test_a_missing_item_still_costs_the_minimum():
    assert item_read_units(None) == 0.5
    assert item_read_units(None, consistent=True) == 1.0
    assert read_units([]) == 0.5  # an empty page


def test_query_sums_then_rounds_while_batch_get_rounds_each_item():
    # BatchGetItem of 1.5 KB and 6.5 KB items counts 4 KB + 8 KB (the guide's example)
    items = [blob(1536), blob(6656)]
    batch = sum(item_read_units(i, consistent=True) for i in items)
    assert batch == 3.0
    # a Query over the same two items reads 8 KB together: 2 units
    assert read_units(items, consistent=True) == 2.0


def test_each_1_mb_page_is_rounded_separately():
    items = [blob(4000) for _ in range(300)]  # 1.2 MB: two pages on AWS
    once = read_units_for_size(300 * 4000)
    per_page = read_units(items)
    # page 1 stops after the item that crosses 1 MB: 263 items, 1,052,000 B -> 257 blocks;
    # page 2: 37 items, 148,000 B -> 37 blocks. Halved (eventual): 128.5 + 18.5.
    assert per_page == 147.0
    assert once == 146.5


# --- writes (RW, COND, TX) ---------------------------------------------------------------


def test_writes_round_each_item_up_to_1_kb():
    assert write_units(blob(1024)) == 1.0
    assert write_units(blob(1025)) == 2.0
    assert write_units({"m": "x"}) == 1.0


def test_an_update_costs_the_larger_of_old_and_new_image():
    assert write_units(blob(500), old=blob(3000)) == 3.0
    assert write_units(blob(3000), old=blob(500)) == 3.0


def test_a_delete_costs_the_deleted_item_and_at_least_one():
    assert write_units(None, old=blob(2000)) == 2.0
    assert write_units(None, old=None) == 1.0


def test_transactional_writes_cost_double():
    assert write_units(blob(1024), transactional=True) == 2.0
    assert write_units(blob(3 * 1024), transactional=True) == 6.0


# --- index writes (GSI) ------------------------------------------------------------------


def group_row(sk: str, message: str = "hi", group: str = "g1") -> dict[str, str]:
    return {"pk": "GRP#u1", "sk": sk, "message_group_uuid": group, "message": message}


def message_row(sk: str) -> dict[str, str]:
    return {"pk": "MSG#g1", "sk": sk, "message": "hi"}


def test_an_item_entering_the_index_costs_one_write():
    writes = index_writes(GSI, None, group_row("t1"))
    assert [(w.kind, w.units) for w in writes] == [("put", 1.0)]


def test_an_item_never_in_the_sparse_index_costs_nothing():
    assert index_writes(GSI, None, message_row("t1")) == []
    assert index_writes(GSI, message_row("t1"), None) == []


def test_changing_the_index_key_costs_a_delete_and_a_put():
    writes = index_writes(GSI, group_row("t1", group="g1"), group_row("t1", group="g2"))
    assert [w.kind for w in writes] == ["delete", "put"]


def test_leaving_the_index_costs_one_write():
    old = group_row("t1")
    new = {k: v for k, v in old.items() if k != "message_group_uuid"}
    assert [w.kind for w in index_writes(GSI, old, new)] == ["delete"]


def test_changing_only_a_projected_attribute_costs_one_write():
    writes = index_writes(GSI, group_row("t1", "a"), group_row("t1", "b"))
    assert [(w.kind, w.units) for w in writes] == [("update", 1.0)]
    keys_only = IndexSpec("k", ("message_group_uuid", "sk"), ("pk", "sk"), "KEYS_ONLY")
    assert index_writes(keys_only, group_row("t1", "a"), group_row("t1", "b")) == []


def test_an_index_entry_over_1_kb_costs_more_units():
    big = {**group_row("t1"), "message": "x" * 2000}  # about 2 KB with its keys
    assert index_write_units(GSI, None, big) == 2.0


# --- priced requests (RW, COND, TX, GSI) ------------------------------------------------

TABLE = TableInfo("t", ("pk", "sk"), {GSI.name: GSI})


def images(*items):
    return {("t", TABLE.key_of(item)): wire_item(item) for item in items}


def test_a_failed_conditional_write_is_charged_the_existing_item():
    # COND: "an existing item is 300kb and the new item ... 310kb ... 300 units"
    existing = {"pk": "a", "sk": "b", "m": "x" * (300 * 1024 - 7)}
    new = wire_item({"pk": "a", "sk": "b", "m": "x" * (310 * 1024 - 7)})
    params = {"TableName": "t", "Item": new, "ConditionExpression": "attribute_not_exists(pk)"}
    response = {"Error": {"Code": "ConditionalCheckFailedException"}}
    cost = price("PutItem", params, response, tables={"t": TABLE}, before=images(existing))
    assert (cost.wcu, cost.index_wcu) == (300.0, 0.0)


def test_batch_write_rounds_per_item_and_skips_unprocessed():
    items = [wire_item({"pk": "a", "sk": str(i), "m": "x" * 500}) for i in range(3)]
    params = {"RequestItems": {"t": [{"PutRequest": {"Item": i}} for i in items]}}
    cost = price("BatchWriteItem", params, {}, tables={"t": TABLE})
    assert cost.wcu == 3.0  # 3 x 1 KB, not 1.5 KB rounded once
    left = {"UnprocessedItems": {"t": [{"PutRequest": {"Item": items[2]}}]}}
    assert price("BatchWriteItem", params, left, tables={"t": TABLE}).wcu == 2.0


def test_a_pattern_e_move_is_a_transactional_delete_and_put_with_two_index_writes():
    old = group_row("t1")
    new = group_row("t2", "new text")
    params = {
        "TransactItems": [
            {"Delete": {"TableName": "t", "Key": wire_item({"pk": "GRP#u1", "sk": "t1"})}},
            {"Put": {"TableName": "t", "Item": wire_item(new)}},
        ]
    }
    cost = price("TransactWriteItems", params, {}, tables={"t": TABLE}, before=images(old))
    assert cost.wcu == 4.0  # (1 + 1) x 2: the table arm is doubled
    assert cost.index_wcu == 2.0  # measured on AWS: the index arm is not (see below)


#: Measured on real DynamoDB, eu-west-2, 13 August 2026 (capture B7): a transactional
#: update moving the GSI key of a 1,518-byte item reports total 8 = table 4 + GSI 4.
#: Source: nubo-db/dynoxide, tests/transactional_index_consumed_capacity.rs
#: (commit eafc4f65f60120a340f43d49968b38fff3443de2).
CAPTURE_TABLE = {
    "TableName": "tx_idx_wcu",
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "gsi-inc",
            "KeySchema": [{"AttributeName": "gsiPk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["proj"]},
        }
    ],
    "LocalSecondaryIndexes": [
        {
            "IndexName": "lsi-all",
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "lsiSk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
}


def test_a_transactional_key_move_doubles_the_table_arm_only():
    info = TableInfo.from_description(CAPTURE_TABLE)
    old = {"pk": "b7", "sk": "1", "gsiPk": "g1", "proj": "x" * 1500}
    assert item_size(old) == 1518
    new = {**old, "gsiPk": "g9"}
    key = wire_item({"pk": "b7", "sk": "1"})
    params = {"TransactItems": [{"Update": {"TableName": "tx_idx_wcu", "Key": key}}]}
    cost = price(
        "TransactWriteItems",
        params,
        {},
        tables={"tx_idx_wcu": info},
        before={("tx_idx_wcu", info.key_of(key)): wire_item(old)},
        after={("tx_idx_wcu", info.key_of(key)): wire_item(new)},
    )
    assert (cost.wcu, cost.index_wcu, cost.capacity_units) == (4.0, 4.0, 8.0)


def test_local_secondary_indexes_are_priced_like_global_ones():
    # Measured (same source, capture A3): a transactional put into both indexes reports
    # total 4 = table 2 + GSI 1 + LSI 1.
    info = TableInfo.from_description(CAPTURE_TABLE)
    assert set(info.indexes) == {"gsi-inc", "lsi-all"}
    assert info.local_indexes == frozenset({"lsi-all"})
    item = wire_item({"pk": "a3", "sk": "1", "gsiPk": "g1", "lsiSk": "L1", "proj": "p"})
    params = {"TransactItems": [{"Put": {"TableName": "tx_idx_wcu", "Item": item}}]}
    cost = price("TransactWriteItems", params, {}, tables={"tx_idx_wcu": info})
    assert (cost.wcu, cost.capacity_units) == (2.0, 4.0)
    assert dict((n, w) for n, _, w in cost.by_index) == {"gsi-inc": 1.0, "lsi-all": 1.0}


def test_a_query_on_the_index_is_charged_to_the_index():
    params = {"TableName": "t", "IndexName": GSI.name, "KeyConditionExpression": "x"}
    rows = [wire_item(group_row("t1")), wire_item(group_row("t2"))]
    cost = price("Query", params, {"Items": rows}, tables={"t": TABLE})
    assert (cost.rcu, cost.index_rcu) == (0.0, 0.5)


def test_a_filter_does_not_lower_a_querys_cost():
    evaluated = [wire_item(blob(3000)) for _ in range(4)]  # 12,000 B evaluated
    params = {"TableName": "t", "FilterExpression": "f", "ConsistentRead": True}
    cost = price("Query", params, {"Items": []}, tables={"t": TABLE}, evaluated=evaluated)
    assert cost.rcu == 3.0


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ({"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.5}}, 1.5),
        ({"ConsumedCapacity": [{"CapacityUnits": 1.0}, {"CapacityUnits": 2.0}]}, 3.0),
        ({"ConsumedCapacity": []}, None),
        ({}, None),
    ],
)
def test_reported_units_reads_single_list_and_missing_forms(response, expected):
    assert reported_units(response) == expected


def test_transactional_and_batch_gets_round_each_item():
    small, big = {"pk": "a", "sk": "1", "m": "x"}, {"pk": "a", "sk": "2", "m": "x" * 5000}
    get = [{"Get": {"TableName": "t", "Key": wire_item({"pk": "a", "sk": s})}} for s in "123"]
    before = images(small, big)  # the third key finds nothing: still the minimum
    cost = price("TransactGetItems", {"TransactItems": get}, {}, tables={"t": TABLE}, before=before)
    assert cost.rcu == 2 * (1 + 2 + 1)
    keys = {"t": {"Keys": [a["Get"]["Key"] for a in get], "ConsistentRead": True}}
    batch = price("BatchGetItem", {"RequestItems": keys}, {}, tables={"t": TABLE}, before=before)
    assert batch.rcu == 1 + 2 + 1


def test_an_engine_page_over_1_mb_is_priced_as_aws_would_page_it():
    items = [wire_item(blob(4000)) for _ in range(300)]
    cost = price("Scan", {"TableName": "t"}, {"Items": items}, tables={"t": TABLE})
    assert cost.rcu == 147.0  # 128.5 + 18.5, as in test_each_1_mb_page_is_rounded_separately
    assert [step.split(":")[0] for step in cost.steps] == ["AWS page 1", "AWS page 2"]
