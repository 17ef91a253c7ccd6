"""The request recorder: wire form and the capacity the engine reported -- one pricing
path, read from the response, with no request of its own (no side reads).

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
and https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
"""

from __future__ import annotations

import contextlib
import math

from cruddur_lab import model
from cruddur_lab.app.patterns import create_message, create_message_group, provision_caller
from cruddur_lab.app.streams import StreamProcessor
from cruddur_lab.capacity import item_size, wire_item
from cruddur_lab.engine.trace import format_reported, recording
from cruddur_lab.scripts.reads import get_conversation, read_all, sort_items


def test_a_recorded_query_keeps_its_wire_form(seeded_lab):
    with recording(seeded_lab, ["Query"]) as calls:
        get_conversation(seeded_lab)
    (call,) = calls
    assert call.wire["TableName"] == seeded_lab.settings.table_name
    assert call.wire["ExpressionAttributeValues"] == {
        ":pk": {"S": model.message_pk(model.SEED_GROUP_UUID)}
    }
    assert call.wire["ReturnConsumedCapacity"] == "TOTAL"  # reads.py asked; kept as sent
    assert call.added == ()
    assert call.params["ExpressionAttributeValues"][":pk"].startswith("MSG#")


def test_get_conversation_reports_what_the_items_it_read_cost_on_aws(seeded_lab):
    with recording(seeded_lab, ["Query"]) as calls:
        result = get_conversation(seeded_lab)
    # predicted from the items (AWS's rule), then compared with what the engine reported
    expected = math.ceil(sum(item_size(i) for i in result.items) / 4096) / 2
    assert calls[0].cost.rcu == expected == calls[0].reported["CapacityUnits"]


def test_the_figure_is_the_engines_and_says_whose(seeded_lab):
    with recording(seeded_lab, ["Query"]) as calls:
        get_conversation(seeded_lab)
    assert calls[0].reported_units == 1.0
    text = format_reported(calls[0])
    assert (
        "reported by the embedded engine (AWS's rules, checked against measured figures): "
        "1 RCU, 0 WCU"
    ) in text


def test_each_engines_figure_is_labelled_as_its_own():
    from cruddur_lab.capacity import Cost
    from cruddur_lab.engine.trace import Call, format_reported

    on_aws = Call("Query", {}, engine="aws", cost=Cost(rcu=1.5))
    elsewhere = Call("Query", {}, engine="endpoint", cost=None)
    assert format_reported(on_aws) == "reported by AWS: 1.5 RCU, 0 WCU"
    assert format_reported(elsewhere) == (
        "reported by the endpoint engine (its own figure): none reported"
    )


def test_the_recorder_asks_for_a_figure_and_says_it_added_the_parameter(seeded_lab):
    andrew = provision_caller(seeded_lab, "andrewbrown")
    with recording(seeded_lab, ["PutItem"]) as calls:
        create_message(seeded_lab, andrew, model.SEED_GROUP_UUID, "hello")
    (call,) = calls
    assert call.added == ("ReturnConsumedCapacity",)
    assert call.wire["ReturnConsumedCapacity"] == "INDEXES"
    assert "ReturnConsumedCapacity" not in call.params  # what the package itself sent
    # a message row is never in the sparse index: one table write, no index write
    assert (call.cost.wcu, call.cost.index_wcu) == (1.0, 0.0)


def test_recording_changes_neither_the_table_nor_the_request_list(seeded_lab, services):
    andrew = provision_caller(seeded_lab, "andrewbrown")
    with recording(seeded_lab, price=False) as plain:
        create_message_group(seeded_lab, andrew, "londo", "first")
    state = sort_items(read_all(seeded_lab, "scan"))
    with recording(seeded_lab) as priced:
        create_message_group(seeded_lab, andrew, "delenn", "first")
    assert [c.operation for c in priced] == [c.operation for c in plain]
    assert all(c.cost is None for c in plain)
    new = [i for i in sort_items(read_all(seeded_lab, "scan")) if i not in state]
    assert len(new) == 3  # exactly the transaction's three items, nothing else


def test_pattern_d_prices_its_index_writes(seeded_lab):
    andrew = provision_caller(seeded_lab, "andrewbrown")
    with recording(seeded_lab, ["TransactWriteItems"]) as calls:
        create_message_group(seeded_lab, andrew, "londo", "Ambassador, a word?")
    cost = calls[0].cost
    assert cost.wcu == 6.0  # three puts under 1 KB, doubled
    assert cost.index_wcu == 2.0  # two group rows enter the index: not doubled (measured)


def test_a_stream_move_is_charged_on_the_old_image_and_sends_nothing_else(seeded_lab):
    andrew = provision_caller(seeded_lab, "andrewbrown")
    processor = StreamProcessor(seeded_lab)
    processor.process_pending()
    rows_before = {
        r["pk"]: r
        for r in read_all(seeded_lab, "scan")
        if r.get(model.GSI_PARTITION_KEY) == model.SEED_GROUP_UUID
    }
    create_message(seeded_lab, andrew, model.SEED_GROUP_UUID, "moving on")
    with recording(seeded_lab, ["TransactWriteItems"]) as moves:
        processor.process_pending()
    assert len(moves) == 2
    for move in moves:
        deleted_key = move.wire["TransactItems"][0]["Delete"]["Key"]
        old = rows_before[deleted_key["pk"]["S"]]
        assert wire_item({"pk": old["pk"], "sk": old["sk"]}) == deleted_key
        assert move.cost.wcu == 4.0  # (delete 1 + put 1) x 2
        assert move.cost.index_wcu == 2.0  # out of the index and back in, not doubled


def test_a_failed_conditional_put_is_recorded_without_a_figure_as_on_aws(seeded_lab):
    from botocore.exceptions import ClientError

    row = read_all(seeded_lab, "scan")[0]
    with recording(seeded_lab, ["PutItem"]) as calls, contextlib.suppress(ClientError):
        seeded_lab.table.put_item(Item=row, ConditionExpression="attribute_not_exists(pk)")
    (call,) = calls
    assert call.error == "ConditionalCheckFailedException"
    # AWS charges it (guide) but its error response carries no ConsumedCapacity
    assert call.cost is None and call.reported is None
    assert format_reported(call).endswith(
        "none reported with ConditionalCheckFailedException "
        "(what it is billed: the existing item's size, as a write)"
    )


def test_an_update_is_priced_from_the_item_before_and_after_it(seeded_lab):
    row = next(
        r for r in read_all(seeded_lab, "scan") if r.get(model.GSI_PARTITION_KEY)
    )  # a group row, in the index
    key = {"pk": row["pk"], "sk": row["sk"]}
    with recording(seeded_lab, ["UpdateItem"]) as calls:
        seeded_lab.table.update_item(
            Key=key, UpdateExpression="SET message = :m", ExpressionAttributeValues={":m": "x"}
        )
        seeded_lab.table.update_item(Key=key, UpdateExpression="REMOVE message_group_uuid")
    projected, leaving = (call.cost for call in calls)
    assert (projected.wcu, projected.index_wcu) == (1.0, 1.0)  # projected attribute changed
    assert (leaving.wcu, leaving.index_wcu) == (1.0, 1.0)  # left the index: one delete
    assert [c.operation for c in calls] == ["UpdateItem", "UpdateItem"]


def test_a_get_item_is_charged_its_whole_item_whatever_the_projection(seeded_lab):
    row = read_all(seeded_lab, "scan")[0]
    with recording(seeded_lab, ["GetItem"]) as calls:
        seeded_lab.table.get_item(
            Key={"pk": row["pk"], "sk": row["sk"]}, ProjectionExpression="pk", ConsistentRead=True
        )
        seeded_lab.table.get_item(Key={"pk": "MSG#none", "sk": "none"})
    projected, missing = calls
    assert item_size(row) < 4096
    assert projected.cost.rcu == 1.0  # the whole item, strongly consistent
    assert missing.cost.rcu == 0.5  # nothing there: still the (eventual) minimum
