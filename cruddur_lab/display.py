"""Turning items and reports into text a learner reads (and nbval compares).

Plain fixed-width text, built here rather than by pandas, so stored notebook outputs stay
the same across pandas versions. Long values are shortened with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Columns shown for items, in this order; others follow alphabetically.
ITEM_COLUMNS = (
    "pk",
    "sk",
    "message_group_uuid",
    "message_uuid",
    "user_handle",
    "user_display_name",
    "user_uuid",
    "message",
)


def shorten(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, max_width: int = 40
) -> str:
    """A fixed-width table with a header and a rule; empty rows give ``(no rows)``."""
    if not rows:
        return "(no rows)"
    cells = [[shorten(row.get(column, ""), max_width) for column in columns] for row in rows]
    widths = [
        max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    ]
    return "\n".join(lines)


def item_columns(
    items: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> list[str]:
    """The columns to show for ``items``: the known ones in model order, then the rest."""
    if columns:
        return list(columns)
    present: set[str] = set()
    for item in items:
        present.update(item)
    known = [c for c in ITEM_COLUMNS if c in present]
    return known + sorted(present - set(ITEM_COLUMNS))


def format_items(
    items: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    max_width: int = 40,
) -> str:
    return format_table(items, item_columns(items, columns), max_width=max_width)


def format_item_collections(
    items: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, *, max_width: int = 40
) -> str:
    """Items grouped by partition key (an *item collection* each), in sort-key order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in sorted(items, key=lambda i: (i["pk"], i["sk"])):
        groups.setdefault(item["pk"], []).append(item)
    shown = [c for c in item_columns(items, columns) if c != "pk"]
    blocks = [
        f"{pk}  ({len(rows)} item{'s' if len(rows) != 1 else ''})\n"
        + format_table(rows, shown, max_width=max_width)
        for pk, rows in groups.items()
    ]
    return "\n\n".join(blocks) if blocks else "(no items)"


def format_capacity(reported: float | None, estimated: float, *, engine_is_aws: bool) -> str:
    """Both figures, and why they may differ."""
    if engine_is_aws:
        return f"consumed capacity: {reported} RCU (estimate from item sizes: {estimated})"
    shown = "none reported" if reported is None else f"{reported:g} RCU"
    return (
        f"consumed capacity reported by this engine: {shown}; "
        f"AWS would charge about {estimated:g} RCU for these items "
        "(local engines do not measure item sizes)"
    )


def format_mapping(values: Mapping[str, Any]) -> str:
    width = max((len(k) for k in values), default=0)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in values.items())
