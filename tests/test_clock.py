"""The clock: pinned time and ids for reproducible runs, real ones otherwise."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cruddur_lab.clock import (
    DEFAULT_NOW,
    Clock,
    format_timestamp,
    parse_timestamp,
    stable_id,
)

SORT_KEY_SHAPE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def test_pinned_clock_starts_at_the_pin_and_ticks_one_second_per_call():
    clock = Clock.pinned("2026-03-01T12:00:00+00:00")
    assert clock.timestamp() == "2026-03-01T12:00:00.000000+00:00"
    assert clock.timestamp() == "2026-03-01T12:00:01.000000+00:00"
    assert clock.now() == datetime(2026, 3, 1, 12, 0, 2, tzinfo=UTC)


def test_pinned_clock_converts_other_offsets_to_utc():
    clock = Clock.pinned("2026-03-01T14:00:00+02:00")
    assert clock.timestamp() == "2026-03-01T12:00:00.000000+00:00"


def test_pinned_clock_origin_does_not_tick():
    clock = Clock.pinned(DEFAULT_NOW)
    clock.now()
    assert clock.origin == parse_timestamp(DEFAULT_NOW)


def test_pinned_ids_repeat_for_the_same_pin_and_differ_for_another():
    first = Clock.pinned(DEFAULT_NOW).new_id()
    a, b = Clock.pinned(DEFAULT_NOW), Clock.pinned(DEFAULT_NOW)
    run_a = [a.new_id() for _ in range(3)]
    run_b = [b.new_id() for _ in range(3)]
    assert run_a == run_b
    assert len(set(run_a)) == 3
    assert first == run_a[0]
    assert Clock.pinned("2027-01-01T00:00:00+00:00").new_id() != run_a[0]
    assert uuid.UUID(run_a[0]).version == 5


def test_real_clock_gives_current_utc_time_and_uuid4():
    clock = Clock.real()
    before = datetime.now(UTC)
    moment = clock.now()
    assert before <= moment <= datetime.now(UTC)
    assert moment.tzinfo is not None
    assert uuid.UUID(clock.new_id()).version == 4
    assert not clock.is_pinned and Clock.pinned().is_pinned


def test_timestamps_always_have_microseconds_and_an_explicit_utc_offset():
    whole_second = datetime(2026, 1, 1, tzinfo=UTC)
    assert format_timestamp(whole_second) == "2026-01-01T00:00:00.000000+00:00"
    assert SORT_KEY_SHAPE.match(Clock.real().timestamp())
    assert SORT_KEY_SHAPE.match(Clock.pinned().timestamp())


def test_timestamps_sort_as_strings_in_time_order():
    base = datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5)))
    moments = [base + timedelta(microseconds=n * 250_001) for n in range(20)]
    texts = [format_timestamp(m) for m in moments]
    assert sorted(texts) == texts


def test_format_timestamp_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 1, 1))


def test_parse_timestamp_reads_naive_and_z_forms_as_utc():
    assert parse_timestamp("2023-05-01T10:00:00") == datetime(2023, 5, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2023-05-01T10:00:00Z") == datetime(2023, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "real"])
def test_from_setting_real_values(value):
    assert not Clock.from_setting(value).is_pinned


def test_from_setting_rejects_garbage_with_an_example():
    with pytest.raises(ValueError, match=r"now='yesterday' is not an ISO-8601 time: use e\.g\."):
        Clock.from_setting("yesterday")


def test_stable_id_depends_only_on_its_parts():
    assert stable_id("user", "bayko") == stable_id("user", "bayko")
    assert stable_id("user", "bayko") != stable_id("user", "londo")


def test_pinned_clock_is_safe_across_threads():
    clock = Clock.pinned()
    seen: list[str] = []
    lock = threading.Lock()

    def work():
        for _ in range(200):
            stamp = clock.timestamp()
            with lock:
                seen.append(stamp)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 800


def test_repr_names_the_pin():
    assert repr(Clock.pinned(DEFAULT_NOW)) == "Clock.pinned('2026-03-01T12:00:00.000000+00:00')"
    assert repr(Clock.real()) == "Clock.real()"
