"""scan, get-conversation and list-conversations: order, pages and what they return."""

from __future__ import annotations

import pytest

from cruddur_lab.capacity import read_units
from cruddur_lab.engine.lab import Lab
from cruddur_lab.errors import InvalidArgument, NotFound, TableMissing
from cruddur_lab.model import SEED_GROUP_UUID, group_item, message_pk
from cruddur_lab.scripts.reads import get_conversation, list_conversations, scan
from cruddur_lab.scripts.schema import schema_load
from cruddur_lab.scripts.seed import batch_write, seed
from cruddur_lab.scripts.usersdb import find_user_by_handle

#: moto, like DynamoDB, stops a Scan page at 1 MB: ~100 KB items give about nine a page.
LARGE_TEXT = "x" * (100 * 1024)


def all_messages(lab) -> list[dict]:
    return get_conversation(lab, pages=0).items


def test_scan_returns_every_item_sorted_by_pk_then_sk(seeded_lab):
    result = scan(seeded_lab)
    assert result.count == result.scanned_count == len(result.items) == 102
    keys = [(item["pk"], item["sk"]) for item in result.items]
    assert keys == sorted(keys)
    assert keys[0][0].startswith("GRP#") and keys[-1][0] == message_pk(SEED_GROUP_UUID)
    assert result.pages == 1
    assert result.last_evaluated_key is None


def test_scan_follows_last_evaluated_key_past_one_megabyte(lab):
    schema_load(lab)
    items = [{"pk": f"MSG#big{n:02d}", "sk": "2026", "message": LARGE_TEXT} for n in range(25)]
    batch_write(lab, reversed(items))
    first_page = lab.table.scan()
    assert "LastEvaluatedKey" in first_page, "the engine must cut pages at 1 MB"
    assert first_page["Count"] < 25
    result = scan(lab)
    assert result.pages == 3
    assert result.count == 25
    assert [item["pk"] for item in result.items] == [item["pk"] for item in items]
    # Each page is charged on its own: the three pages' figures, summed
    assert result.reported_capacity > read_units(items[:1])


def test_scan_of_an_empty_table_is_empty(lab):
    schema_load(lab)
    result = scan(lab)
    assert result.items == [] and result.count == 0 and result.pages == 1


def test_scan_without_a_table_says_to_run_schema_load(lab):
    with pytest.raises(TableMissing, match=r"run `cruddur-lab schema-load`"):
        scan(lab)


def test_get_conversation_is_the_newest_twenty_shown_oldest_first(seeded_lab):
    everything = all_messages(seeded_lab)
    result = get_conversation(seeded_lab)
    assert result.items == everything[-20:]
    sort_keys = [item["sk"] for item in result.items]
    assert sort_keys == sorted(sort_keys)
    assert result.count == 20 and result.pages == 1
    assert result.last_evaluated_key is not None  # older messages remain


def test_get_conversation_pages_walk_back_in_time(seeded_lab):
    everything = all_messages(seeded_lab)
    assert len(everything) == 100
    two_pages = get_conversation(seeded_lab, pages=2)
    assert two_pages.items == everything[-40:]
    assert two_pages.pages == 2
    small = get_conversation(seeded_lab, limit=7, pages=3)
    assert small.items == everything[-21:]


def test_get_conversation_all_pages_reads_the_whole_group(seeded_lab):
    result = get_conversation(seeded_lab, pages=0)
    # moto stops after the fifth full page; DynamoDB may answer a sixth, empty one.
    assert result.count == 100 and result.pages in (5, 6)
    assert result.last_evaluated_key is None
    assert [m["sk"] for m in result.items] == sorted(m["sk"] for m in result.items)


def test_get_conversation_accepts_an_upper_case_uuid(seeded_lab):
    assert get_conversation(seeded_lab, SEED_GROUP_UUID.upper()).count == 20


def test_get_conversation_of_an_unknown_group_is_not_found(seeded_lab):
    """Issue 15 item 5: a mistyped uuid must not read as an empty conversation."""
    unknown = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFound) as caught:
        get_conversation(seeded_lab, unknown)
    assert str(caught.value) == (
        f"no conversation {unknown}: list the real ones with `cruddur-lab list-conversations "
        "HANDLE` (the seed group is the default)"
    )
    assert caught.value.exit_code == 1


def test_get_conversation_of_a_group_without_messages_is_empty(seeded_lab):
    """A group that someone's inbox names exists, even before its first message."""
    group = "0f0f0f0f-0000-4000-8000-0000000000aa"
    andrew = find_user_by_handle(seeded_lab, "andrewbrown")
    bayko = find_user_by_handle(seeded_lab, "bayko")
    seeded_lab.table.put_item(
        Item=group_item(
            owner=andrew,
            other=bayko,
            message_group_uuid=group,
            last_message="",
            last_at="2026-03-01T11:00:00.000000+00:00",
        )
    )
    result = get_conversation(seeded_lab, group)
    assert result.items == [] and result.last_evaluated_key is None


def test_get_conversation_rejects_a_malformed_group_uuid_before_reading(lab):
    with pytest.raises(InvalidArgument) as caught:
        get_conversation(lab, "not-a-uuid")
    assert str(caught.value) == (
        "message group uuid 'not-a-uuid' is not a uuid: pass a uuid such as "
        "5ae290ed-55d1-47a0-bc6d-fe2bc2700399"
    )
    assert caught.value.exit_code == 2


def test_get_conversation_rejects_a_limit_below_one(seeded_lab):
    with pytest.raises(InvalidArgument, match="limit must be at least 1, got 0"):
        get_conversation(seeded_lab, limit=0)


def test_conversations_from_last_year_stay_visible_on_new_years_day(services):
    """The bootcamp's begins_with(sk, <this year>) filter hid them; ours has no filter."""
    services.reset()
    with Lab.on_services(services, now="2025-12-31T23:30:00+00:00") as december:
        schema_load(december)
        seed(december)
    with Lab.on_services(services, now="2026-01-01T00:05:00+00:00") as january:
        conversation = get_conversation(january)
        assert conversation.count == 20
        assert all(item["sk"].startswith("2025-12-31") for item in conversation.items)
        assert list_conversations(january, "bayko").count == 1


def test_list_conversations_is_the_users_inbox(seeded_lab):
    result = list_conversations(seeded_lab, "andrewbrown")
    (row,) = result.items
    assert row["message_group_uuid"] == SEED_GROUP_UUID
    assert row["user_handle"] == "bayko"
    assert result.extra["user"].handle == "andrewbrown"


def test_list_conversations_is_newest_first_and_pages(seeded_lab):
    andrew = find_user_by_handle(seeded_lab, "andrewbrown")
    others = [find_user_by_handle(seeded_lab, h) for h in ("londo", "delenn", "gkar")]
    for n, other in enumerate(others):
        seeded_lab.table.put_item(
            Item=group_item(
                owner=andrew,
                other=other,
                message_group_uuid=f"00000000-0000-4000-8000-00000000000{n}",
                last_message=f"to {other.handle}",
                last_at=f"2026-02-0{n + 1}T09:00:00.000000+00:00",
            )
        )
    result = list_conversations(seeded_lab, "andrewbrown")
    assert [row["user_handle"] for row in result.items] == ["bayko", "gkar", "delenn", "londo"]
    paged = list_conversations(seeded_lab, "andrewbrown", limit=1, pages=2)
    assert [row["user_handle"] for row in paged.items] == ["bayko", "gkar"]
    assert paged.pages == 2 and paged.last_evaluated_key is not None


def test_list_conversations_of_a_user_without_groups_is_empty(seeded_lab):
    assert list_conversations(seeded_lab, "londo").items == []


def test_list_conversations_of_an_unknown_handle_is_not_found(seeded_lab):
    with pytest.raises(NotFound, match="no user with handle 'ghost'"):
        list_conversations(seeded_lab, "ghost")


def test_reads_report_the_engines_capacity_which_the_items_predict(seeded_lab):
    result = get_conversation(seeded_lab)
    assert result.reported_capacity == read_units(result.items)


def test_a_read_result_is_a_dataframe_with_keys_first_and_blank_cells_where_a_kind_lacks_one(
    seeded_lab,
):
    result = scan(seeded_lab)
    frame = result.to_frame()
    assert list(frame.columns[:2]) == ["pk", "sk"]
    assert len(frame) == len(result.items)
    assert frame["pk"].tolist() == [item["pk"] for item in result.items]
    messages = frame[frame["pk"].str.startswith("MSG#")]
    groups = frame[frame["pk"].str.startswith("GRP#")]
    # The sparse index shows in the frame: only group rows have a message_group_uuid.
    assert messages["message_group_uuid"].isna().all()
    assert groups["message_group_uuid"].notna().all()
    assert groups["message_uuid"].isna().all()
