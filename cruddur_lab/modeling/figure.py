"""One picture of the table: item collections as bars, the sparse index, where queries land.

A table of a hundred rows hides what the picture shows at once: one conversation's messages
outweigh every inbox, the index holds two small rows and none of the messages, and Pattern A
and Pattern B each read one contiguous run of one collection.

Rendered without a display (matplotlib's ``Figure`` and its SVG writer, never pyplot) and
byte-stable: a fixed ``svg.hashsalt``, text kept as text, no date in the metadata. The
object shows as SVG in JupyterLab and as a text description everywhere else.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-sort-keys.html
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cruddur_lab.capacity import item_size
from cruddur_lab.model import PARTITION_KEY, SORT_KEY, short_ids
from cruddur_lab.modeling.view_reads import IndexDefinition, ItemCollection, item_collections

#: Salt for the ids matplotlib writes into SVG (clip paths): a fixed one keeps bytes stable.
SVG_HASHSALT = "cruddur-lab"
_COLOURS = {"group": "#4a6fa5", "message": "#9bb7d4", "other": "#cccccc"}
_LANDING = ("#d1495b", "#edae49", "#00798c", "#30638e")


@dataclass(frozen=True)
class Landing:
    """Where one request's items sit in a collection: a byte range of its bar."""

    label: str
    pk: str
    start: int
    end: int
    items: int


def _landings(
    collections: Sequence[ItemCollection], reads: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[Landing]:
    """For each labelled read, the byte span its items take in their collection."""
    found = []
    for label, items in reads.items():
        keys = {(item[PARTITION_KEY], item[SORT_KEY]) for item in items}
        for collection in collections:
            offset, span = 0, []
            for item in collection.items:
                size = item_size(item)
                if (item[PARTITION_KEY], item[SORT_KEY]) in keys:
                    span.append((offset, offset + size))
                offset += size
            if span:
                found.append(Landing(label, collection.pk, span[0][0], span[-1][1], len(span)))
    return found


@dataclass
class CollectionsFigure:
    """The figure's data, its SVG, and a description in words."""

    table_name: str
    collections: list[ItemCollection]
    index: IndexDefinition | None
    landings: list[Landing]

    # --- the index side ---------------------------------------------------------------------

    def index_partitions(self) -> dict[str, int]:
        """Index partition value → bytes of its entries (projection ALL: whole items)."""
        sizes: dict[str, int] = {}
        if self.index is None:
            return sizes
        for collection in self.collections:
            for item in collection.items:
                if self.index.holds(item):
                    key = str(item[self.index.partition_key])
                    sizes[key] = sizes.get(key, 0) + item_size(item)
        return sizes

    def left_out(self) -> int:
        if self.index is None:
            return 0
        return sum(1 for c in self.collections for item in c.items if not self.index.holds(item))

    # --- words ------------------------------------------------------------------------------

    def __repr__(self) -> str:
        lines = [f"Item collections of {self.table_name} (bytes as DynamoDB counts them):"]
        width = max((len(short_ids(c.pk)) for c in self.collections), default=0)
        for collection in self.collections:
            lines.append(
                f"  {short_ids(collection.pk).ljust(width)}  {len(collection.items):4d} item(s) "
                f"{collection.size_bytes:8,d} B"
            )
            for landing in self.landings:
                if landing.pk == collection.pk:
                    lines.append(
                        f"  {'':{width}}    {landing.label}: {landing.items} item(s), bytes "
                        f"{landing.start:,}–{landing.end:,}"
                    )
        if self.index is not None:
            partitions = self.index_partitions()
            lines.append(
                f"Index {self.index.name}: {len(partitions)} partition(s), "
                f"{sum(partitions.values()):,} B; {self.left_out()} item(s) left out (no "
                f"{self.index.partition_key})"
            )
        return "\n".join(lines)

    __str__ = __repr__

    # --- the picture ------------------------------------------------------------------------

    def figure(self) -> Any:
        """A matplotlib ``Figure`` (no pyplot, so nothing opens a window)."""
        from matplotlib.figure import Figure

        rows = len(self.collections)
        index_rows = len(self.index_partitions()) + 1 if self.index is not None else 0
        fig = Figure(figsize=(9, 1.2 + 0.45 * (rows + index_rows)), layout="constrained")
        axes = fig.subplots(
            2 if self.index is not None else 1,
            1,
            squeeze=False,
            height_ratios=[max(rows, 1), max(index_rows, 1)] if self.index is not None else None,
            sharex=True,
        )[:, 0]
        self._draw_table(axes[0])
        if self.index is not None:
            self._draw_index(axes[1])
        axes[-1].set_xlabel("bytes (attribute names plus values)")
        return fig

    def _draw_table(self, ax: Any) -> None:
        kinds = {"group": "inbox", "message": "conversation"}
        labels = [f"{short_ids(c.pk)} ({kinds.get(c.kind, c.kind)})" for c in self.collections]
        for row, collection in enumerate(self.collections):
            ax.barh(row, collection.size_bytes, color=_COLOURS.get(collection.kind), height=0.6)
            ax.annotate(
                f"{len(collection.items)} item(s)",
                (collection.size_bytes, row),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        for number, landing in enumerate(self.landings):
            row = [c.pk for c in self.collections].index(landing.pk)
            colour = _LANDING[number % len(_LANDING)]
            ax.barh(
                row,
                landing.end - landing.start,
                left=landing.start,
                height=0.25,
                color=colour,
                label=f"{landing.label} ({landing.items} item(s))",
            )
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"table {self.table_name}: one bar per item collection (pk)", fontsize=10)
        if self.landings:
            ax.legend(loc="upper right", fontsize=8, frameon=False)

    def _draw_index(self, ax: Any) -> None:
        assert self.index is not None
        partitions = self.index_partitions()
        labels = [f"{self.index.partition_key} = {short_ids(k)}" for k in partitions]
        for row, size in enumerate(partitions.values()):
            ax.barh(row, size, color=_COLOURS["group"], height=0.6)
        left_out = self.left_out()
        ax.barh(len(partitions), 0, height=0.6)
        ax.annotate(
            f"not in the index: {left_out} item(s) without {self.index.partition_key}",
            (0, len(partitions)),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="#555555",
        )
        ax.set_yticks(range(len(labels) + 1), [*labels, "(left out)"], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(
            f"index {self.index.name} (sparse, projection {self.index.projection_type})",
            fontsize=10,
        )

    def svg(self) -> str:
        """The figure as SVG text; the same data gives the same bytes."""
        return figure_svg(self.figure())

    def _repr_svg_(self) -> str:
        return self.svg()


def figure_svg(figure: Any) -> str:
    """A matplotlib ``Figure`` as SVG text, byte-stable: fixed salt, text as text, no date."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def collections_figure(
    items: Sequence[Mapping[str, Any]],
    *,
    table_name: str,
    index: IndexDefinition | None = None,
    reads: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> CollectionsFigure:
    """The figure of ``items`` (a whole-table scan), the ``index`` beside it, and where each
    labelled read in ``reads`` (e.g. ``{"Pattern A": page.items}``) found its items."""
    collections = item_collections(items)
    return CollectionsFigure(
        table_name=table_name,
        collections=collections,
        index=index,
        landings=_landings(collections, reads or {}),
    )


__all__ = ["CollectionsFigure", "Landing", "collections_figure", "figure_svg"]
