"""Property tests (hypothesis): keys, sort-key timestamps, Pattern C/D + E, and the seed.

Each property runs a bounded number of examples with ``deadline=None`` (the engine is a
real server; its latency is not what is tested), and the file stays well under a minute.
Examples that touch the engine start from an emptied engine (``services.reset()``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cruddur_lab.clock import DEFAULT_NOW, Clock, format_timestamp, parse_timestamp
from cruddur_lab.engine.lab import Lab
from cruddur_lab.model import (
    GROUP_PREFIX,
    MESSAGE_PREFIX,
    group_pk,
    message_pk,
    normalize_uuid,
    parse_pk,
)

FAST = settings(max_examples=200, deadline=None)
ENGINE = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- keys -----------------------------------------------------------------------------------


@FAST
@given(st.uuids())
def test_group_and_message_keys_round_trip(value: uuid.UUID):
    text = str(value)
    assert parse_pk(group_pk(text)) == ("group", text)
    assert parse_pk(message_pk(text)) == ("message", text)
    assert group_pk(text) != message_pk(text)


@FAST
@given(st.text(max_size=60))
def test_keys_round_trip_any_text_and_never_change_it(text: str):
    """The builders do not normalise or escape: what goes in comes out."""
    assert parse_pk(group_pk(text)) == ("group", text)
    assert parse_pk(message_pk(text)) == ("message", text)


@FAST
@given(st.text(max_size=30).filter(lambda s: not s.startswith((GROUP_PREFIX, MESSAGE_PREFIX))))
def test_parse_pk_refuses_keys_of_neither_kind(text: str):
    try:
        parse_pk(text)
    except ValueError as error:
        assert "not a cruddur key" in str(error)
    else:
        raise AssertionError(f"parse_pk accepted {text!r}")


@FAST
@given(st.uuids(), st.sampled_from([str.upper, str.lower, lambda s: f"  {s}\n"]))
def test_uuid_spellings_normalise_to_one_key(value: uuid.UUID, spell: Any):
    assert normalize_uuid(spell(str(value))) == str(value)
    assert message_pk(normalize_uuid(spell(str(value)))) == message_pk(str(value))


# --- sort-key timestamps ----------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(9998, 12, 30),
    timezones=st.one_of(
        st.just(UTC),
        st.builds(
            timezone, st.timedeltas(min_value=timedelta(hours=-14), max_value=timedelta(hours=14))
        ),
    ),
)


@FAST
@given(MOMENTS, MOMENTS)
@example(
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2000, 1, 1, 0, 0, 0, 0, tzinfo=UTC),
)
@example(
    datetime(2026, 3, 1, 12, 0, 0, 999999, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 1, 0, tzinfo=UTC),
)
@example(
    # the same instant written in two offsets: equal strings
    datetime(2026, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
)
@example(
    # later local time, earlier instant: the string must follow the instant
    datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
)
def test_timestamps_sort_as_strings_in_time_order(a: datetime, b: datetime):
    sa, sb = format_timestamp(a), format_timestamp(b)
    assert (sa < sb) == (a < b)
    assert (sa == sb) == (a == b)
    assert len(sa) == len("2026-03-01T12:00:00.000000+00:00")
    assert parse_timestamp(sa) == a


@FAST
@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=2, max_value=40),
)
@example(datetime(1999, 12, 31, 23, 59, 50, 999999, tzinfo=UTC), 20)
@example(datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 3)
def test_a_pinned_clock_hands_out_strictly_increasing_sort_keys(pin: datetime, count: int):
    clock = Clock.pinned(pin)
    stamps = [clock.timestamp() for _ in range(count)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == count
    assert parse_timestamp(stamps[-1]) - parse_timestamp(stamps[0]) == timedelta(seconds=count - 1)


# --- Pattern C/D then E ------------------------------------------------------------------------

HANDLES = ("andrewbrown", "bayko", "londo", "delenn", "gkar", "sheridan")

#: One step: ("start", sender, receiver, text) | ("send", sender, group index, text) | ("process",)
STEP = st.one_of(
    st.tuples(
        st.just("start"),
        st.integers(0, 5),
        st.integers(0, 5),
        st.text(min_size=1, max_size=20).filter(str.strip),
    ),
    st.tuples(
        st.just("send"),
        st.integers(0, 1),
        st.integers(0, 20),
        st.text(min_size=1, max_size=20).filter(str.strip),
    ),
    st.tuples(st.just("process")),
)


def _fresh_lab(services: Any) -> Any:
    services.reset()
    return Lab.on_services(services, now=DEFAULT_NOW)


def _newest_message(lab: Any, group: str) -> dict[str, Any]:
    page = lab.table.query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": message_pk(group)},
        ScanIndexForward=False,
        Limit=1,
    )
    return page["Items"][0]


def _group_rows(lab: Any, group: str) -> list[dict[str, Any]]:
    from cruddur_lab.model import GSI_NAME

    return lab.table.query(
        IndexName=GSI_NAME,
        KeyConditionExpression="message_group_uuid = :g",
        ExpressionAttributeValues={":g": group},
    )["Items"]


@ENGINE
@given(st.lists(STEP, min_size=1, max_size=10))
def test_any_sequence_of_c_and_d_then_streams_leaves_group_rows_on_the_newest_message(
    services, steps
):
    from cruddur_lab.app import patterns
    from cruddur_lab.app.streams import StreamProcessor, group_row_problems
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.usersdb import seed_users

    lab = _fresh_lab(services)
    try:
        schema_load(lab)
        seed_users(lab)
        callers = {handle: patterns.provision_caller(lab, handle) for handle in HANDLES}
        processor = StreamProcessor(lab)
        groups: list[tuple[str, tuple[str, str]]] = []  # (group uuid, its two handles)
        for step in steps:
            if step[0] == "process":
                processor.process_pending()
            elif step[0] == "start":
                _, s, r, text = step
                if s == r:
                    continue
                started = patterns.create_message_group(lab, callers[HANDLES[s]], HANDLES[r], text)
                if not started.existing:
                    groups.append((started.message_group_uuid, (HANDLES[s], HANDLES[r])))
            elif groups:
                _, side, index, text = step
                group, members = groups[index % len(groups)]
                patterns.create_message(lab, callers[members[side]], group, text)
        processor.process_pending()

        assert group_row_problems(lab) == []
        for group, members in groups:
            newest = _newest_message(lab, group)
            rows = _group_rows(lab, group)
            assert len(rows) == 2
            assert {row["user_handle"] for row in rows} == set(members)
            for row in rows:
                assert (row["sk"], row["message"]) == (newest["sk"], newest["message"])
    finally:
        lab.close()


# --- the seed ---------------------------------------------------------------------------------


@ENGINE
@given(st.integers(min_value=1, max_value=130))
def test_seeding_any_number_of_messages_twice_leaves_the_same_table(services, messages):
    from cruddur_lab.scripts.reads import scan
    from cruddur_lab.scripts.schema import schema_load
    from cruddur_lab.scripts.seed import seed

    lab = _fresh_lab(services)
    try:
        schema_load(lab)
        first = seed(lab, messages=messages)
        once = scan(lab).items
        second = seed(lab, messages=messages)
        assert first.messages_written == messages
        assert second.changed is False
        assert second.messages_existing == messages
        assert scan(lab).items == once
        assert len(once) == messages + 2
    finally:
        lab.close()
