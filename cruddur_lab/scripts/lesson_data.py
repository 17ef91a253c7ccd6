"""The data a lesson starts from: the table, the seed users and the seed conversation.

Every notebook after the first calls ``ensure_lesson_data`` so that it runs alone in a fresh
kernel as well as in a batch on a shared engine. It writes (creates the table, seeds) only
what is missing, and moves the pinned clock past data that earlier runs left behind.
"""

from __future__ import annotations

from typing import Any


def ensure_lesson_data(
    lab: Any, *, messages: int = 100, reset: bool = False, yes: bool = False
) -> str:
    """The state most notebooks start from: the table, the seed users, the seed conversation.

    Idempotent: on a table that is already seeded nothing changes. ``reset=True`` drops the
    table first; that is the only way a notebook deletes data, and only when asked. On real
    AWS both dropping and seeding a table that holds items need ``yes=True`` (the notebooks'
    ``yes`` parameter, or ``cruddur-lab run --yes``), exactly as ``drop`` and ``seed`` do.
    """
    from cruddur_lab.scripts.schema import drop, schema_load
    from cruddur_lab.scripts.seed import seed

    if reset:
        drop(lab, yes=yes)
    loaded = schema_load(lab)
    report = seed(lab, messages=messages, yes=yes)
    lines = [str(loaded), f"seed: {report}"]
    if report.messages_existing and lab.clock.is_pinned:
        moved = move_clock_past_data(lab)
        if moved:
            lines.append(f"clock moved past the data already here: {moved}")
    return "\n".join(lines)


def move_clock_past_data(lab: Any) -> str | None:
    """Re-pin the Lab's clock one minute after the newest item, if the data is ahead of it.

    On shared data (a batch with ``--keep-data``, an endpoint, a notebook run twice) earlier
    runs wrote messages at the pinned instant; writing "now" again would collide with them,
    and Pattern E would rightly refuse to move an inbox line back in time. The new pin
    depends only on the data, so the run stays reproducible. Returns the new pin or None.
    """
    from datetime import timedelta

    from cruddur_lab.clock import Clock, format_timestamp, parse_timestamp
    from cruddur_lab.scripts.reads import read_all

    newest = max(
        (item["sk"] for item in read_all(lab, "scan", ProjectionExpression="sk")), default=""
    )
    if not newest or parse_timestamp(newest) < lab.clock.origin:
        return None
    pin = format_timestamp(parse_timestamp(newest) + timedelta(minutes=1))
    lab.clock = Clock.pinned(pin)
    return pin
