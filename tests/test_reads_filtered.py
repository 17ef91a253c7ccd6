"""A filtered read is charged for what it evaluated, in one request, and the sparse index
answers with group rows."""

from __future__ import annotations

from cruddur_lab.engine.trace import recording
from cruddur_lab.model import GSI_NAME, SEED_GROUP_UUID
from cruddur_lab.scripts.reads import query_group_index, scan, scan_where


def test_a_filtered_scan_costs_what_the_whole_scan_costs_and_returns_less(seeded_lab):
    everything = scan(seeded_lab)
    with recording(seeded_lab) as calls:
        bayko = scan_where(seeded_lab, "user_handle", "bayko")
    assert bayko.items and all(item["user_handle"] == "bayko" for item in bayko.items)
    assert bayko.count == len(bayko.items) < bayko.scanned_count == everything.count
    # The filter runs after the read: same pages, same items evaluated, same price.
    assert bayko.pages == everything.pages
    assert bayko.reported_capacity == everything.reported_capacity > 0
    # One DescribeTable (the table is there and matches the model), then the one Scan.
    assert [call.operation for call in calls] == ["DescribeTable", "Scan"]
    assert "FilterExpression" in calls[-1].params


def test_a_filtered_query_through_the_recorder_sends_exactly_one_request(seeded_lab):
    from cruddur_lab import model
    from cruddur_lab.capacity import read_units
    from cruddur_lab.scripts.reads import read_all

    partition = model.message_pk(SEED_GROUP_UUID)
    evaluated = read_all(
        seeded_lab,
        "query",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": partition},
    )
    sent = []  # every request leaving either of the Lab's DynamoDB clients
    for client in (seeded_lab.dynamodb, seeded_lab.client("dynamodb")):
        client.meta.events.register("before-send.dynamodb", lambda request, **_: sent.append(1))
    with recording(seeded_lab) as calls:
        answer = seeded_lab.table.query(
            KeyConditionExpression="pk = :pk",
            FilterExpression="user_handle = :h",
            ExpressionAttributeValues={":pk": partition, ":h": "nobody"},
        )
    assert answer["Items"] == [] and answer["ScannedCount"] == len(evaluated) > 0
    assert len(sent) == 1 and [c.operation for c in calls] == ["Query"]
    # charged for every item the page evaluated, whatever the filter kept
    assert calls[0].cost.rcu == read_units(evaluated) > 0


def test_the_index_query_returns_only_the_group_rows_of_the_conversation(seeded_lab):
    with recording(seeded_lab, ["Query"]) as calls:
        result = query_group_index(seeded_lab, SEED_GROUP_UUID)
    assert result.count == result.scanned_count == 2
    assert {item["pk"][:4] for item in result.items} == {"GRP#"}
    assert all(item["message_group_uuid"] == SEED_GROUP_UUID for item in result.items)
    assert [call.params.get("IndexName") for call in calls] == [GSI_NAME]
