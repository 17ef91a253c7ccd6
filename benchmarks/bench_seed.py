"""Seed throughput against one PutItem per message and against the raw BatchWriteItem floor.

The floor is the least any seed can do on the engine: a bare loop of 25-item
``BatchWriteItem`` calls on the low-level client with items already in wire format. It is
made of one HTTP request per 25 items, botocore's request serialisation, and the engine's
own work (moto: parse, store, append a stream record per item). ``seed`` adds the users in
Postgres, planning the messages, reading what is already there and the two group rows.
Each variant gets its own table on the same engine, in the same run.
"""

from __future__ import annotations

from typing import Any

from common import Report, open_table, timed, wire

SIZES = {
    "ci": {"sizes": [200], "writers": 2},
    "default": {"sizes": [1_000, 10_000], "writers": 4},
    "full": {"sizes": [1_000, 10_000, 100_000], "writers": 4},
}
#: Per-PutItem is timed on at most this many messages and reported per message.
PUT_SAMPLE = 10_000
NOW = "2026-03-01T12:00:00+00:00"


def planned(lab: Any, messages: int) -> list[dict[str, str]]:
    from cruddur_lab.model import SEED_GROUP_HANDLES, User
    from cruddur_lab.scripts.seed import plan_messages

    users = [
        User(f"00000000-0000-4000-8000-00000000000{n}", h, h)
        for n, h in enumerate(SEED_GROUP_HANDLES)
    ]
    return plan_messages(lab, users, messages, {})


def floor(lab: Any, items: list[dict[str, dict[str, str]]]) -> None:
    client = lab.client("dynamodb")
    table = lab.settings.table_name
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        while batch:  # AWS may hand part of a batch back; moto never does
            response = client.batch_write_item(RequestItems={table: batch})
            batch = response.get("UnprocessedItems", {}).get(table, [])


def per_put(lab: Any, items: list[dict[str, dict[str, str]]]) -> None:
    client = lab.client("dynamodb")
    for item in items:
        client.put_item(TableName=lab.settings.table_name, Item=item)


def measure(services: Any, sizes: list[int], writers: int) -> Report:
    from cruddur_lab.scripts.seed import seed

    report = Report("seed")
    for n in sizes:
        labs = {
            v: open_table(services, f"bench-seed-{n}-{v}", now=NOW)
            for v in ("floor", "floor2", "put", "seed", "writers")
        }
        items = [wire(item) for item in planned(labs["floor"], n)]
        sample = items[: min(n, PUT_SAMPLE)]
        floor_a, _ = timed(floor, labs["floor"], items)
        put, _ = timed(per_put, labs["put"], sample)
        put *= n / len(sample)
        seeded, first = timed(seed, labs["seed"], messages=n, progress=False)
        reseeded, second = timed(seed, labs["seed"], messages=n, progress=False)
        floor_b, _ = timed(floor, labs["floor2"], items)
        parallel, third = timed(seed, labs["writers"], messages=n, progress=False, writers=writers)
        assert third.messages_written == n
        assert first.messages_written == n and second.messages_written == 0
        best = min(floor_a, floor_b)
        report.figure("floor: 25-item BatchWriteItem loop", best, "s", messages=n)
        report.figure("floor, first and second run", [floor_a, floor_b], "s", messages=n)
        report.figure("seed", seeded, "s", messages=n)
        report.figure("re-seed (everything there)", reseeded, "s", messages=n)
        report.figure("one PutItem per message", put, "s", messages=n, timed_messages=len(sample))
        report.figure("floor messages/s", n / best, "msg/s", messages=n)
        report.figure(f"seed, {writers} parallel writers", parallel, "s", messages=n)
        pairs = (
            ("seed", seeded),
            ("re-seed", reseeded),
            ("PutItem", put),
            (f"seed with {writers} writers", parallel),
        )
        for what, value in pairs:
            report.figure(f"{what} / floor", value / best, "×", messages=n)
        for name in labs:
            labs[name].close()
        if n >= 10_000:
            report.target(f"seed within 1.15× of the floor at {n:,}", seeded / best, 1.15)
            report.target(f"re-seed within 0.5× of the floor at {n:,}", reseeded / best, 0.5)
    for n in (10_000, 100_000):
        if n not in sizes:
            report.target(f"seed within 1.15× of the floor at {n:,}", None, 1.15)
            report.target(f"re-seed within 0.5× of the floor at {n:,}", None, 0.5)
    report.notes.append(
        "The floor is a bare loop of 25-item BatchWriteItem calls on the low-level client with "
        "items pre-built in wire format: one HTTP request per 25 items, botocore's request "
        "serialisation and moto's own work (parse, store, one stream record per item). It is "
        "timed twice (before and after the other variants) and the faster run counts. "
        f"One PutItem per message is timed on at most {PUT_SAMPLE:,} messages and scaled."
    )
    return report
