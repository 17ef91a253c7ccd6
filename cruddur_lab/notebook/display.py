"""Turning items and reports into text a learner reads (and nbval compares).

Plain fixed-width text, built here rather than by pandas, so stored notebook outputs stay
the same across pandas versions. Long values are shortened with an ellipsis, and uuids can be
cut to their first eight characters where the whole id adds nothing for a reader (the HTML
view keeps the full value in a tooltip). ``to_frame`` hands the same rows to pandas for a
learner who wants to sort, filter or plot them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cruddur_lab.model import short_ids

# Requests have their own renderer; these names stay importable from here for the notebooks.
from cruddur_lab.notebook.request_display import format_request, format_requests  # noqa: F401

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


def rows_with_short_ids(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{key: short_ids(value) for key, value in row.items()} for row in rows]


def to_frame(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    ids: str = "short",
) -> Any:
    """The rows as a pandas DataFrame, known item attributes first (``ids="full"`` keeps uuids)."""
    import pandas as pd

    shown = item_columns(rows, columns)
    data = rows_with_short_ids(rows) if ids == "short" else [dict(row) for row in rows]
    return pd.DataFrame([[row.get(c, "") for c in shown] for row in data], columns=shown)


def describe_page(number: int, page: Any) -> str:
    """One line per page of Pattern A: its size and its time span, or why it is empty.

    On AWS a page that ends exactly at ``Limit`` still carries ``LastEvaluatedKey``, so the
    request after the last full page can answer with no items at all.
    """
    if not page.items:
        return f"page {number}: {0:3d} messages (empty: nothing older is left)"
    first, last = page.items[0]["sk"], page.items[-1]["sk"]
    return f"page {number}: {page.count:3d} messages, {first} .. {last}"


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


def format_capacity(reported: float | None, *, engine: str) -> str:
    """The capacity a read consumed, and whose figure it is."""
    from cruddur_lab.engine.trace import source_label

    # AWS leaves ConsumedCapacity out of some answers: say so rather than "None RCU".
    figure = "none reported" if reported is None else f"{reported:g} RCU"
    return f"consumed capacity: {figure}, reported by {source_label(engine)}"


def format_mapping(values: Mapping[str, Any]) -> str:
    width = max((len(k) for k in values), default=0)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in values.items())


def format_read_summary(result: Any, *, engine: str) -> str:
    """Count, ScannedCount and pages of a ``ReadResult``, then its capacity."""
    return (
        f"Count {result.count}, ScannedCount {result.scanned_count}, pages {result.pages}\n"
        + format_capacity(result.reported_capacity, engine=engine)
    )


# --- HTML views for JupyterLab ----------------------------------------------------------------
# Rich output where a person would rather look than read. Each view is an object that
# JupyterLab shows as HTML (``_repr_html_``) and everything else (papermill's text, nbval,
# a terminal) as the fixed-width text above. Both are pure functions of the items: no ids,
# no timestamps, so stored outputs stay byte-stable. Styles are inline attributes because
# JupyterLab drops <style> blocks from notebooks it does not trust.

_PARTITION_STYLE = "text-align:left;background:#e8eef7;border-top:2px solid #4a6fa5"
_CELL_STYLE = "text-align:left;font-family:monospace;white-space:nowrap"
#: HTML cells have room for more than a terminal column; the full value is in the tooltip.
HTML_MAX_WIDTH = 60


def _html_cell(
    tag: str, value: Any, max_width: int, style: str = _CELL_STYLE, *, ids: str = "full"
) -> str:
    import html

    text = "" if value is None else str(value)
    visible = short_ids(text) if ids == "short" else text
    shown = html.escape(shorten(visible, max_width))
    title = f' title="{html.escape(text, quote=True)}"' if shown != html.escape(text) else ""
    return f'<{tag} style="{style}"{title}>{shown}</{tag}>'


def _html_head(columns: Sequence[str]) -> str:
    import html

    cells = "".join(f'<th style="text-align:left">{html.escape(c)}</th>' for c in columns)
    return f"<thead><tr>{cells}</tr></thead>"


def _html_rows(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], max_width: int, ids: str = "full"
) -> str:
    return "".join(
        "<tr>"
        + "".join(_html_cell("td", row.get(c), max_width, ids=ids) for c in columns)
        + "</tr>"
        for row in rows
    )


def _partition_label(pk: str, count: int) -> str:
    """``GRP#… (2 items, group rows)``: the key, its size and what kind of rows it holds."""
    import html

    from cruddur_lab.model import parse_pk

    try:
        kind = {"group": "a user's inbox: group rows", "message": "a conversation: messages"}[
            parse_pk(pk)[0]
        ]
    except ValueError:
        kind = "not a cruddur key"
    plural = "s" if count != 1 else ""
    return f"<code>pk = {html.escape(pk)}</code> &nbsp;({count} item{plural}; {kind})"


def items_html(
    items: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    max_width: int = HTML_MAX_WIDTH,
    ids: str = "full",
    grouped: bool = True,
) -> str:
    """Items grouped into item collections: one band per partition key, rows in ``sk`` order.

    One ``<tbody>`` per collection, headed by a full-width row naming the ``pk``, so the
    partitions of a single-table design are visible at a glance. ``grouped=False``: one
    plain table, in the order given (a query result, say).
    """
    if not items:
        return "<p><em>(no items)</em></p>" if grouped else "<p><em>(no rows)</em></p>"
    if not grouped:
        shown = item_columns(items, columns)
        body = _html_rows(items, shown, max_width, ids)
        return f'<table class="cruddur-items">{_html_head(shown)}<tbody>{body}</tbody></table>'
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in sorted(items, key=lambda i: (i["pk"], i["sk"])):
        groups.setdefault(item["pk"], []).append(item)
    shown = [c for c in item_columns(items, columns) if c != "pk"]
    bodies = "".join(
        '<tbody class="cruddur-partition">'
        f'<tr><th colspan="{len(shown)}" style="{_PARTITION_STYLE}">'
        f"{_partition_label(pk, len(rows))}</th></tr>"
        f"{_html_rows(rows, shown, max_width, ids)}</tbody>"
        for pk, rows in groups.items()
    )
    summary = (
        f'<caption style="caption-side:top;text-align:left">{len(items)} item'
        f"{'s' if len(items) != 1 else ''} in {len(groups)} item collection"
        f"{'s' if len(groups) != 1 else ''}</caption>"
    )
    return f'<table class="cruddur-items">{summary}{_html_head(shown)}{bodies}</table>'


class ItemCollections:
    """Items shown by partition: an HTML table in JupyterLab, fixed-width text elsewhere.

    Usage, as the last line of a notebook cell: ``ItemCollections(scan(lab).items)``.
    """

    def __init__(
        self,
        items: Sequence[Mapping[str, Any]],
        columns: Sequence[str] | None = None,
        *,
        max_width: int = 40,
        ids: str = "full",
    ) -> None:
        if ids not in ("full", "short"):
            raise ValueError(f"ids must be 'full' or 'short', not {ids!r}")
        self.items = list(items)
        self.columns = columns
        self.max_width = max_width
        self.ids = ids

    def _text_items(self) -> list[dict[str, Any]]:
        return rows_with_short_ids(self.items) if self.ids == "short" else self.items

    def to_frame(self) -> Any:
        """The same rows as a pandas DataFrame."""
        return to_frame(self.items, item_columns(self.items, self.columns), ids=self.ids)

    def _repr_html_(self) -> str:
        width = max(self.max_width, HTML_MAX_WIDTH)
        return items_html(self.items, self.columns, max_width=width, ids=self.ids)

    def __repr__(self) -> str:
        return format_item_collections(self._text_items(), self.columns, max_width=self.max_width)

    __str__ = __repr__


class ItemTable(ItemCollections):
    """Items in the order given (no grouping): HTML in JupyterLab, text elsewhere."""

    def _repr_html_(self) -> str:
        width = max(self.max_width, HTML_MAX_WIDTH)
        return items_html(self.items, self.columns, max_width=width, ids=self.ids, grouped=False)

    def __repr__(self) -> str:
        return format_items(self._text_items(), self.columns, max_width=self.max_width)

    __str__ = __repr__


def show(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, *, width: int = 40
) -> ItemTable:
    """A notebook's table of rows in the order given, uuids shortened: ``show(page.items)``."""
    return ItemTable(rows, columns, max_width=width, ids="short")


def show_collections(
    items: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, *, width: int = 40
) -> ItemCollections:
    """Like ``show``, grouped by partition key (one band per item collection)."""
    return ItemCollections(items, columns, max_width=width, ids="short")


def compare_reads(reads: Mapping[str, Any]) -> ItemTable:
    """``ReadResult``s side by side: pages, items read, items returned, RCU consumed."""
    columns = ("read", "pages", "ScannedCount", "Count", "RCU consumed")
    rows = [
        {
            "read": name,
            "pages": result.pages,
            "ScannedCount": result.scanned_count,
            "Count": result.count,
            "RCU consumed": f"{result.reported_capacity or 0:g}",
        }
        for name, result in reads.items()
    ]
    return ItemTable(rows, columns, max_width=60)
