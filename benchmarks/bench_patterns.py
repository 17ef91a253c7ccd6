"""Patterns A and B and get-conversation stay flat as the table grows; Scan-with-filter does not.

Each size is a table holding the seed conversation (100 messages between andrewbrown and
bayko) plus other conversations of 100 messages each up to the size, so the measured
conversation and inbox stay the same while the table grows. Per read: median seconds of many
calls, items read, and the read units AWS would charge (eventually consistent, from item
sizes, ``cruddur_lab.capacity``). The Scan-with-filter does A's job the way a table without
the right key would: scan everything, keep the group's messages, take the newest 20.
"""

from __future__ import annotations

import statistics
from typing import Any

from common import Report, open_table, timed, wire

SIZES = {
    "ci": {"sizes": [200], "calls": 5},
    "default": {"sizes": [1_000, 10_000], "calls": 30},
    "full": {"sizes": [1_000, 10_000, 100_000], "calls": 30},
}
NOW = "2026-03-01T12:00:00+00:00"
PER_CONVERSATION = 100


def fill(lab: Any, messages: int) -> None:
    """Other conversations of 100 messages each, written at the floor's speed."""
    from cruddur_lab.clock import stable_id
    from cruddur_lab.model import User, message_item

    sender = User(stable_id("bench-user"), "someone", "Someone")
    items = []
    for n in range(max(0, messages - 100)):
        group = stable_id("bench-group", n // PER_CONVERSATION)
        items.append(
            wire(
                message_item(
                    message_group_uuid=group,
                    message_uuid=stable_id("m", n),
                    sender=sender,
                    text=f"message {n}",
                    created_at=f"2026-01-01T00:00:00.{n:06d}+00:00",
                )
            )
        )
    from bench_seed import floor

    floor(lab, items)


def scan_with_filter(lab: Any, group: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.conditions import Attr

    from cruddur_lab.model import message_pk
    from cruddur_lab.scripts.reads import read_all

    found = read_all(lab, "scan", FilterExpression=Attr("pk").eq(message_pk(group)))
    return sorted(found, key=lambda item: item["sk"])[-20:]


def median_seconds(calls: int, function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    runs = [timed(function, *args, **kwargs) for _ in range(calls)]
    return statistics.median(seconds for seconds, _ in runs), runs[-1][1]


def measure(services: Any, sizes: list[int], calls: int) -> Report:
    from cruddur_lab.app import patterns
    from cruddur_lab.capacity import read_units
    from cruddur_lab.errors import CruddurLabError
    from cruddur_lab.model import SEED_GROUP_UUID
    from cruddur_lab.scripts.reads import get_conversation, read_all
    from cruddur_lab.scripts.seed import seed

    report = Report("patterns")
    medians: dict[str, dict[int, float]] = {}
    for n in sizes:
        lab = open_table(services, f"bench-patterns-{n}", now=NOW)
        seed(lab, messages=100, progress=False)
        fill(lab, n)
        table_items = read_all(lab, "scan")
        reads = {"get-conversation": lambda lab=lab: get_conversation(lab).items}
        try:
            caller = patterns.provision_caller(lab, "andrewbrown")
        except CruddurLabError as error:  # AWS: the learner syncs Cognito ids first
            report.notes.append(f"Patterns A and B not measured: {error}")
        else:
            reads["A: list messages"] = lambda lab=lab, c=caller: (
                patterns.list_messages(lab, c, SEED_GROUP_UUID).items
            )
            reads["B: list message groups"] = lambda lab=lab, c=caller: (
                patterns.list_message_groups(lab, c).items
            )
        for name, read in reads.items():
            seconds, items = median_seconds(calls, read)
            medians.setdefault(name, {})[n] = seconds
            report.figure(
                name,
                seconds * 1000,
                "ms (median)",
                messages=n,
                items_read=len(items),
                estimated_rcu=read_units(items),
            )
        scan_calls = max(1, min(calls, 100_000 // n // 10))
        seconds, newest = median_seconds(scan_calls, scan_with_filter, lab, SEED_GROUP_UUID)
        assert [i["sk"] for i in newest] == [i["sk"] for i in reads["get-conversation"]()]
        medians.setdefault("scan", {})[n] = seconds
        report.figure(
            "Scan with filter (A's job)",
            seconds * 1000,
            "ms (median)",
            messages=n,
            items_read=len(table_items),
            estimated_rcu=read_units(table_items),
            calls=scan_calls,
        )
        report.figure(
            "Scan / get-conversation", seconds / medians["get-conversation"][n], "×", messages=n
        )
        if "A: list messages" in medians:
            report.figure("Scan / A", seconds / medians["A: list messages"][n], "×", messages=n)
        lab.close()
    small, large = min(sizes), max(sizes)
    for name in ("A: list messages", "B: list message groups", "get-conversation"):
        if name in medians and large > small:
            growth = medians[name][large] / medians[name][small]
            report.figure(f"{name}: {large:,} / {small:,}", growth, "×")
        else:
            growth = None
        report.target(f"{name} flat: time at the largest size vs the smallest", growth, 1.5)
    report.notes.append(
        "Issue 14 asks for flat pattern cost without a number; 'flat' here means the median "
        "at the largest size within 1.5× of the smallest (the noise of a shared machine). "
        "Items read and estimated RCU are what AWS would count and stay the same by design; "
        "the Scan's grow with the table. On the embedded engine a table Query reads only its "
        "partition (cruddur_lab/engine/motopatch.py); unpatched moto sorts the whole table."
    )
    return report
