"""The modeling views on screen: an index read, the item collections and the access-pattern
catalogue, as HTML and text.

``cruddur_lab.modeling.view_reads`` reads the data (the index itself, the left-out items, the
collections); this module only shows it, with the table helpers of ``display``. JupyterLab
shows ``_repr_html_``; papermill, nbval and a terminal get the fixed-width ``__repr__``,
never wider than ``TEXT_WIDTH`` columns (values a reader can do without are cut or wrapped).
Ids are cut to 8 hex digits (``GRP#8616d290…``) where the full uuid adds nothing; the HTML
keeps the full value in a tooltip.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from cruddur_lab.model import short_ids
from cruddur_lab.modeling.view_reads import (
    KINDS,
    IndexView,
    ItemCollection,
    by_kind,
    item_collections,
)
from cruddur_lab.notebook.display import (
    HTML_MAX_WIDTH,
    format_table,
    item_columns,
    rows_with_short_ids,
    shorten,
)
from cruddur_lab.notebook.request_display import format_request

#: Widest line of the plain-text forms (a notebook's text output, a terminal).
TEXT_WIDTH = 120
_MARKS = {"index": "K", "table": "T", "projected": "P"}
_LEGEND = "K = index key, T = table key (always projected), P = projected by {projection}"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _gap(hidden: int) -> str:
    return f"… {hidden} more in sort-key order …"


# --- the index ------------------------------------------------------------------------------


def _marked_columns(view: IndexView) -> list[tuple[str, str]]:
    """(attribute, header) for every column of the index entries, index keys first."""
    index = view.index
    present = item_columns(view.items)
    ordered = [c for c in index.keys if c in present] + [
        c for c in present if c not in index.keys and c != index.partition_key
    ]
    marked = []
    for column in ordered:
        if column == index.partition_key:
            continue  # shown once, in the partition's heading
        if column in index.keys:
            mark = _MARKS["index"]
        elif column in index.table_keys:
            mark = _MARKS["table"]
        else:
            mark = _MARKS["projected"]
        marked.append((column, f"{column} ({mark})"))
    return marked


def _summary_lines(view: IndexView) -> list[str]:
    index = view.index
    keys = " + ".join(
        f"{key} ({role})"
        for key, role in ((index.partition_key, "HASH"), (index.sort_key, "RANGE"))
        if key
    )
    held = view.table_items - len(view.left_out)
    return [
        f"Count {view.count}, ScannedCount {view.scanned_count}, pages {view.pages}; "
        f"AWS would charge about {view.estimated_rcu:g} RCU (eventually consistent)",
        f"index {index.name}: {keys}, projection {index.projection_type}",
        f"the index holds {held} of the table's {_plural(view.table_items, 'item')}",
    ]


def _left_out_lines(view: IndexView) -> list[str]:
    if not view.left_out:
        return [f"Every base-table item has {view.index.partition_key}: none is left out."]
    counts: dict[str, int] = {}
    for item in view.left_out:
        counts[item["pk"]] = counts.get(item["pk"], 0) + 1
    lines = [
        f"Left out by the sparse index (no {view.index.partition_key}): "
        f"{_plural(len(view.left_out), 'base-table item')}"
    ]
    lines += [f"  {short_ids(pk)}  {_plural(n, 'item')}" for pk, n in counts.items()]
    return lines


def _fit(
    rows: Sequence[Mapping[str, Any]], headers: Sequence[str], keep: set[str], max_width: int
) -> list[dict[str, str]]:
    """Cut the widest column not in ``keep`` a character at a time until the table is no
    wider than ``TEXT_WIDTH``; columns in ``keep`` (the keys) are never cut."""
    limits = {
        h: max(len(h), *(len(str(r.get(h, ""))) for r in rows))
        if h in keep
        else min(max_width, max(len(h), *(len(str(r.get(h, ""))) for r in rows)))
        for h in headers
    }
    while sum(limits.values()) + 2 * (len(headers) - 1) > TEXT_WIDTH:
        cuttable = [h for h in headers if h not in keep and limits[h] > max(len(h), 8)]
        if not cuttable:
            break
        limits[max(cuttable, key=lambda h: limits[h])] -= 1
    return [{h: shorten(r.get(h, ""), limits[h]) for h in headers} for r in rows]


class IndexViewDisplay:
    """An ``IndexView`` on screen: the request, the figures, the entries, what is left out."""

    def __init__(self, view: IndexView, *, max_width: int = 36) -> None:
        self.view = view
        self.max_width = max_width

    def __repr__(self) -> str:
        view = self.view
        columns = _marked_columns(view)
        blocks = [
            "\n".join(
                [
                    format_request(view.requests[0]) if view.requests else "(no request)",
                    *_summary_lines(view),
                    _LEGEND.format(projection=view.index.projection_type),
                ]
            )
        ]
        for key, rows in view.partitions().items():
            shown = [
                {header: row.get(column, "") for column, header in columns}
                for row in rows_with_short_ids(rows)
            ]
            entries = _plural(len(rows), "entry", "entries")
            heading = f"{view.index.partition_key} = {short_ids(key)}  ({entries})"
            headers = [h for _, h in columns]
            keep = {h for h in headers if not h.endswith(f"({_MARKS['projected']})")}
            fitted = _fit(shown, headers, keep, self.max_width)
            blocks.append(heading + "\n" + format_table(fitted, headers, max_width=TEXT_WIDTH))
        if not view.items:
            blocks.append("(the read returned no index entries)")
        blocks.append("\n".join(_left_out_lines(view)))
        return "\n\n".join(blocks)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        view = self.view
        columns = _marked_columns(view)
        request = html.escape(format_request(view.requests[0])) if view.requests else ""
        parts = [
            f"<pre>{request}</pre>",
            "<p>" + "<br>".join(html.escape(line) for line in _summary_lines(view)) + "</p>",
            f"<p><em>{html.escape(_LEGEND.format(projection=view.index.projection_type))}</em></p>",
        ]
        for key, rows in view.partitions().items():
            parts.append(
                f"<p><code>{html.escape(view.index.partition_key)} = {html.escape(key)}</code>"
                f" ({_plural(len(rows), 'entry', 'entries')})</p>"
            )
            parts.append(_html_table(rows, columns))
        parts.append(
            "<p>" + "<br>".join(html.escape(line) for line in _left_out_lines(view)) + "</p>"
        )
        return "\n".join(parts)


def _html_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    gap: tuple[int, str] | None = None,
) -> str:
    """Short ids in the cells, the full value in each cell's tooltip; ``gap`` = (row, text)
    puts a full-width note before that row."""
    head = "".join(f'<th style="text-align:left">{html.escape(h)}</th>' for _, h in columns)
    body = []
    for row in rows:
        cells = []
        for column, _ in columns:
            full = str(row.get(column, ""))
            shown = html.escape(shorten(short_ids(full), HTML_MAX_WIDTH))
            cells.append(
                f'<td style="text-align:left;font-family:monospace;white-space:nowrap" '
                f'title="{html.escape(full, quote=True)}">{shown}</td>'
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    if gap is not None:
        note = f'<tr><td colspan="{len(columns)}"><em>{html.escape(gap[1])}</em></td></tr>'
        body.insert(gap[0], note)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# --- item collections -----------------------------------------------------------------------


class ItemCollectionsByKind:
    """Items by kind, then partition (an item collection each), in sort-key order.

    A collection longer than ``max_rows`` shows its first and last rows around a gap, so a
    hundred messages do not bury the two group rows.
    """

    def __init__(
        self,
        items: Sequence[Mapping[str, Any]],
        columns: Sequence[str] | None = None,
        *,
        max_rows: int = 6,
        max_width: int = 36,
    ) -> None:
        self.collections = item_collections(items)
        self.columns = columns
        self.max_rows = max_rows
        self.max_width = max_width

    def _rows(self, collection: ItemCollection) -> tuple[list[dict[str, Any]], int]:
        rows = list(collection.items)
        if len(rows) <= self.max_rows:
            return rows, 0
        head = self.max_rows // 2
        tail = self.max_rows - head
        return [*rows[:head], *rows[-tail:]], len(rows) - self.max_rows

    def _columns(self, collection: ItemCollection) -> list[str]:
        return [c for c in item_columns(collection.items, self.columns) if c != "pk"]

    @staticmethod
    def _heading(collection: ItemCollection) -> str:
        return (
            f"{short_ids(collection.pk)}  ({_plural(len(collection.items), 'item')}, "
            f"{collection.size_bytes:,} bytes)"
        )

    def __repr__(self) -> str:
        if not self.collections:
            return "(no items)"
        blocks = []
        for kind, collections in by_kind(self.collections).items():
            total = sum(len(c.items) for c in collections)
            lines = [
                f"{KINDS.get(kind, kind)}: {_plural(len(collections), 'item collection')}, "
                f"{_plural(total, 'item')}"
            ]
            for collection in collections:
                rows, hidden = self._rows(collection)
                columns = self._columns(collection)
                table = format_table(rows_with_short_ids(rows), columns, max_width=self.max_width)
                if hidden:
                    lines_ = table.splitlines()
                    cut = 2 + self.max_rows // 2
                    gap = _gap(hidden)
                    table = "\n".join([*lines_[:cut], gap, *lines_[cut:]])
                lines.append("")
                lines.append(self._heading(collection))
                lines.append(table)
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if not self.collections:
            return "<p><em>(no items)</em></p>"
        parts = []
        for kind, collections in by_kind(self.collections).items():
            parts.append(f"<h4>{html.escape(KINDS.get(kind, kind))}</h4>")
            for collection in collections:
                rows, hidden = self._rows(collection)
                columns = [(c, c) for c in self._columns(collection)]
                parts.append(f"<p><code>{html.escape(self._heading(collection))}</code></p>")
                gap = (self.max_rows // 2, _gap(hidden)) if hidden else None
                parts.append(_html_table(rows, columns, gap=gap))
        return "\n".join(parts)


# --- the access-pattern catalogue -----------------------------------------------------------


class CatalogueTable:
    """The catalogue in a notebook: every column as one HTML table in JupyterLab; as text, the
    figures as a table and each pattern's requests wrapped below it, within ``TEXT_WIDTH``;
    ``cruddur-lab catalogue`` prints the same text."""

    FIGURES = ("pattern", "RCU", "WCU", "index RCU", "index WCU", "per s at 5/5", "$ per M")
    WORDS = ("requests", "key condition", "filter", "order, page")

    def __init__(self, entries: Sequence[Mapping[str, Any]]) -> None:
        from cruddur_lab.modeling.catalogue import COLUMNS, LEGEND, table_rows

        self.rows = table_rows(list(entries))
        self.columns = COLUMNS
        self.legend = LEGEND

    def to_frame(self) -> Any:
        """The same cells as a pandas DataFrame."""
        from cruddur_lab.notebook.display import to_frame

        return to_frame(self.rows, self.columns, ids="full")

    def __repr__(self) -> str:
        lines: list[str] = []
        for row in self.rows:
            lines.append(row["pattern"])
            for title in self.WORDS:
                if row[title] != "-":
                    lines += textwrap.wrap(
                        row[title],
                        TEXT_WIDTH,
                        initial_indent=f"  {title}: ",
                        subsequent_indent="    ",
                        break_on_hyphens=False,
                    )
        return "\n\n".join(
            [
                format_table(self.rows, self.FIGURES, max_width=TEXT_WIDTH),
                "\n".join(lines),
                textwrap.fill(self.legend, TEXT_WIDTH),
            ]
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        head = "".join(f'<th style="text-align:left">{html.escape(c)}</th>' for c in self.columns)
        body = []
        for row in self.rows:
            cells = []
            for column in self.columns:
                # Requests and key conditions wrap; a short figure stays on one line.
                wraps = column in ("requests", "key condition")
                style = "text-align:left;font-family:monospace;" + (
                    "min-width:16em" if wraps else "white-space:nowrap"
                )
                cells.append(f'<td style="{style}">{html.escape(row[column])}</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>\n"
            f"<p><em>{html.escape(self.legend)}</em></p>"
        )
