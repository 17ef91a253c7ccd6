"""seed: users, two group rows and ~100 alternating messages; idempotent and resumable."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from cruddur_lab.clock import parse_timestamp
from cruddur_lab.engine.lab import Lab
from cruddur_lab.errors import TableMissing
from cruddur_lab.model import SEED_GROUP_UUID, group_pk, message_pk
from cruddur_lab.scripts.schema import schema_load
from cruddur_lab.scripts.seed import batch_write, plan_messages, seed, seed_message_uuid
from cruddur_lab.scripts.usersdb import find_user_by_handle, seed_users


def full_scan(lab) -> list[dict]:
    items, kwargs = [], {}
    while True:
        page = lab.table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: (item["pk"], item["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def messages_of(items):
    return [item for item in items if item["pk"] == message_pk(SEED_GROUP_UUID)]


def test_seed_writes_two_group_rows_and_a_hundred_messages(pg_lab):
    schema_load(pg_lab)
    report = seed(pg_lab)
    assert (report.messages_written, report.messages_existing, report.group_rows_written) == (
        100,
        0,
        2,
    )
    assert len(report.users_inserted) == 6
    items = full_scan(pg_lab)
    assert len(items) == 102
    andrew = find_user_by_handle(pg_lab, "andrewbrown")
    bayko = find_user_by_handle(pg_lab, "bayko")
    groups = {item["pk"]: item for item in items if item["pk"].startswith("GRP#")}
    assert set(groups) == {group_pk(andrew.uuid), group_pk(bayko.uuid)}
    # Each inbox line names the *other* participant.
    assert groups[group_pk(andrew.uuid)]["user_handle"] == "bayko"
    assert groups[group_pk(bayko.uuid)]["user_handle"] == "andrewbrown"
    assert {row["message_group_uuid"] for row in groups.values()} == {SEED_GROUP_UUID}


def test_seed_messages_alternate_senders_one_minute_apart_ending_before_now(lab):
    schema_load(lab)
    seed(lab)
    messages = messages_of(full_scan(lab))
    assert [m["user_handle"] for m in messages] == ["andrewbrown", "bayko"] * 50
    times = [parse_timestamp(m["sk"]) for m in messages]
    assert {b - a for a, b in pairwise(times)} == {timedelta(minutes=1)}
    assert messages[0]["sk"] == "2026-03-01T10:20:00.000000+00:00"
    assert messages[-1]["sk"] == "2026-03-01T11:59:00.000000+00:00"
    assert len({m["message"] for m in messages}) == 100
    assert [m["message_uuid"] for m in messages] == [seed_message_uuid(i) for i in range(100)]


def test_seed_group_rows_point_at_the_newest_message(lab):
    schema_load(lab)
    seed(lab)
    items = full_scan(lab)
    newest = messages_of(items)[-1]
    for row in (item for item in items if item["pk"].startswith("GRP#")):
        assert row["sk"] == newest["sk"]
        assert row["message"] == newest["message"]


def test_seed_twice_changes_nothing(pg_lab):
    schema_load(pg_lab)
    seed(pg_lab)
    before = full_scan(pg_lab)
    users_before = pg_lab.pg.execute("SELECT * FROM public.users ORDER BY handle").fetchall()
    report = seed(pg_lab)
    assert not report.changed
    assert str(report) == (
        "users inserted: 0; messages written: 0 (already there: 100); group rows written: 0"
    )
    assert full_scan(pg_lab) == before
    assert pg_lab.pg.execute("SELECT * FROM public.users ORDER BY handle").fetchall() == (
        users_before
    )


def test_seed_again_under_a_later_clock_changes_nothing(services):
    services.reset()
    with Lab.on_services(services, now="2026-03-01T12:00:00+00:00") as first:
        schema_load(first)
        seed(first)
        before = full_scan(first)
    with Lab.on_services(services, now="2027-06-01T00:00:00+00:00") as later:
        assert not seed(later).changed
        assert full_scan(later) == before


def test_seed_with_more_messages(lab):
    schema_load(lab)
    report = seed(lab, messages=130)
    assert report.messages_written == 130
    messages = messages_of(full_scan(lab))
    assert len(messages) == 130
    assert messages[-1]["user_handle"] == "bayko"


def test_an_interrupted_seed_is_completed_without_duplicates(lab):
    schema_load(lab)
    seed_users(lab)
    users = [find_user_by_handle(lab, h) for h in ("andrewbrown", "bayko")]
    planned = plan_messages(lab, users, 100, {})
    batch_write(lab, planned[10:47])  # what a crashed run left behind: some messages, no groups
    report = seed(lab)
    assert (report.messages_written, report.messages_existing, report.group_rows_written) == (
        63,
        37,
        2,
    )
    items = full_scan(lab)
    assert messages_of(items) == planned
    assert len(items) == 102
    assert not seed(lab).changed


def test_seed_completed_under_another_clock_keeps_the_stored_timeline(services):
    services.reset()
    with Lab.on_services(services, now="2026-03-01T12:00:00+00:00") as first:
        schema_load(first)
        seed_users(first)
        users = [find_user_by_handle(first, h) for h in ("andrewbrown", "bayko")]
        planned = plan_messages(first, users, 100, {})
        batch_write(first, planned[50:60])
    with Lab.on_services(services, now="2030-01-01T00:00:00+00:00") as later:
        seed(later)
        assert messages_of(full_scan(later)) == planned


def test_batch_write_writes_more_than_one_batch(lab):
    schema_load(lab)
    items = [{"pk": "MSG#bulk", "sk": f"{n:04d}", "message": "x"} for n in range(60)]
    progress: list[int] = []
    assert batch_write(lab, items, on_progress=progress.append) == 60
    assert progress == [25, 25, 10]
    assert len(full_scan(lab)) == 60


def test_seed_shows_a_progress_bar_when_asked(lab, capsys):
    schema_load(lab)
    seed(lab, messages=30, progress=True)
    assert "seeding messages: 100%" in capsys.readouterr().err


def test_seed_without_a_table_is_refused_and_writes_nothing(lab):
    with pytest.raises(TableMissing):
        seed(lab)
    # Postgres is untouched as well: the users table was not even created.
    assert (
        lab.pg.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'"
        ).fetchone()[0]
        == 0
    )


def stream_events(lab) -> list[tuple[str, str, str]]:
    """(event, pk, sk) of every record on the table's stream, oldest first."""
    arn = lab.dynamodb.describe_table(TableName=lab.settings.table_name)["Table"]["LatestStreamArn"]
    events = []
    for shard in lab.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = lab.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = lab.streams.get_records(ShardIterator=iterator, Limit=1000)
            events += [
                (r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"], r["dynamodb"]["Keys"]["sk"]["S"])
                for r in page["Records"]
            ]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return events


def test_parallel_writers_write_every_message_exactly_once(lab):
    schema_load(lab)
    report = seed(lab, messages=530, writers=4)  # 22 batches over four threads

    users = [find_user_by_handle(lab, h) for h in ("andrewbrown", "bayko")]
    planned = plan_messages(lab, users, 530, {})
    assert report.messages_written == 530
    assert messages_of(full_scan(lab)) == planned
    written = [(e, pk, sk) for e, pk, sk in stream_events(lab) if pk == message_pk(SEED_GROUP_UUID)]
    # One INSERT per message and nothing else: a message sent twice would show a MODIFY.
    assert sorted(written) == sorted(("INSERT", item["pk"], item["sk"]) for item in planned)
