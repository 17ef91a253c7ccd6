"""A filtered Scan is priced by what it read, and the sparse index answers with group rows."""

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
    assert bayko.estimated_capacity == everything.estimated_capacity > 0
    # The measuring read is not one of the requests a lesson shows.
    assert [call.operation for call in calls] == ["DescribeTable", "DescribeTable", "Scan"]
    assert "FilterExpression" in calls[-1].params


def test_the_index_query_returns_only_the_group_rows_of_the_conversation(seeded_lab):
    with recording(seeded_lab, ["Query"]) as calls:
        result = query_group_index(seeded_lab, SEED_GROUP_UUID)
    assert result.count == result.scanned_count == 2
    assert {item["pk"][:4] for item in result.items} == {"GRP#"}
    assert all(item["message_group_uuid"] == SEED_GROUP_UUID for item in result.items)
    assert [call.params.get("IndexName") for call in calls] == [GSI_NAME]
