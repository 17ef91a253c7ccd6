"""Pattern E's promise, checked over the whole table: every conversation's two group rows
show its newest message. For notebooks and tests (it scans the table)."""

from __future__ import annotations

from typing import Any

from cruddur_lab.scripts.reads import read_all

__all__ = ["group_row_problems"]


def group_row_problems(lab: Any) -> list[str]:
    """Check Pattern E's promise over the whole table; an empty list means it holds.

    Every conversation with messages has exactly two group rows (two different owners), and
    each shows the newest message (greatest ``sk``: unique within a conversation, it is the
    message row's key): its ``sk`` and text, with exactly the model's group-row attributes.
    Scans the table: for notebooks and tests.
    """
    from cruddur_lab.model import GROUP_ATTRIBUTES, GSI_PARTITION_KEY, is_group_key, parse_pk

    newest: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for item in read_all(lab, "scan", ConsistentRead=True):
        if is_group_key(item["pk"]):
            rows.setdefault(item[GSI_PARTITION_KEY], []).append(item)
            continue
        _, group = parse_pk(item["pk"])
        if group not in newest or item["sk"] > newest[group]["sk"]:
            newest[group] = item
    problems = []
    for group in sorted(set(newest) | set(rows)):
        group_rows = rows.get(group, [])
        for row in sorted(group_rows, key=lambda r: r["pk"]):
            if sorted(row) != sorted(GROUP_ATTRIBUTES):
                problems.append(
                    f"group {group}: {row['pk']} has attributes {sorted(row)}, expected "
                    f"{sorted(GROUP_ATTRIBUTES)}"
                )
        owners = {row["pk"] for row in group_rows}
        if len(group_rows) != 2 or len(owners) != 2:
            problems.append(f"group {group}: {len(group_rows)} group rows, expected 2 owners")
        message = newest.get(group)
        if message is None:
            problems.append(f"group {group}: group rows but no messages")
            continue
        for row in sorted(group_rows, key=lambda r: r["pk"]):
            if (row["sk"], row.get("message")) != (message["sk"], message.get("message")):
                problems.append(
                    f"group {group}: {row['pk']} shows sk {row['sk']}, newest message is "
                    f"{message['sk']}"
                )
    return problems
