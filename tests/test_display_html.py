"""The HTML views JupyterLab shows: item collections visible, values escaped, output stable."""

from __future__ import annotations

from html.parser import HTMLParser

from cruddur_lab.model import SEED_GROUP_UUID
from cruddur_lab.notebook.display import (
    ItemCollections,
    ItemTable,
    format_item_collections,
    format_items,
    items_html,
)
from cruddur_lab.scripts.reads import scan


class TableReader(HTMLParser):
    """The table as data: each <tbody>'s rows as lists of cell texts (and cell titles)."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[list[list[str]]] = []
        self.head: list[str] = []
        self.titles: list[str] = []
        self.caption = ""
        self._where: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._where.append(tag)
        if tag == "tbody":
            self.bodies.append([])
        elif tag == "tr" and "tbody" in self._where:
            self.bodies[-1].append([])
        elif tag in ("td", "th", "caption"):
            self._text = []
            self.titles += [value for name, value in attrs if name == "title"]

    def handle_endtag(self, tag):
        text = "".join(self._text)
        if tag in ("td", "th") and "tbody" in self._where:
            self.bodies[-1][-1].append(text)
        elif tag == "th" and "thead" in self._where:
            self.head.append(text)
        elif tag == "caption":
            self.caption = text
        self._where.pop()

    def handle_data(self, data):
        self._text.append(data)


def read(html: str) -> TableReader:
    reader = TableReader()
    reader.feed(html)
    return reader


def test_items_html_shows_one_band_per_partition_with_rows_in_sort_key_order(seeded_lab):
    items = scan(seeded_lab).items
    table = read(items_html(items))

    partition_keys = sorted({row["pk"] for row in items})
    assert len(partition_keys) == 3  # two inboxes (GRP#) and the conversation (MSG#)
    assert table.caption == f"{len(items)} items in 3 item collections"
    bands = [body[0][0] for body in table.bodies]
    assert [band.split()[2] for band in bands] == partition_keys
    for body in table.bodies:
        pk = body[0][0].split()[2]
        assert len(body) - 1 == sum(1 for row in items if row["pk"] == pk)
    message_band = next(body for body in table.bodies if body[0][0].startswith("pk = MSG#"))
    assert message_band[0][0] == (
        f"pk = MSG#{SEED_GROUP_UUID} \xa0(100 items; a conversation: messages)"
    )
    # pk is the band, so it is not repeated as a column; sk comes first and rises.
    assert table.head[0] == "sk"
    assert "pk" not in table.head
    sort_keys = [row[0] for row in message_band[1:]]
    assert sort_keys == sorted(sort_keys) and len(sort_keys) == 100


def test_items_html_escapes_values_and_keeps_long_ones_in_the_tooltip():
    long_text = "<script>alert(1)</script> " + "x" * 100
    items = [{"pk": "MSG#g", "sk": "2026-01-01T00:00:00.000000+00:00", "message": long_text}]
    html = items_html(items)
    assert "<script>" not in html
    table = read(html)
    shown = table.bodies[0][1][1]
    assert shown.startswith("<script>alert(1)</script> xxx") and shown.endswith("…")
    assert len(shown) == 60
    assert table.titles == [long_text]
    assert table.bodies[0][0][0] == "pk = MSG#g \xa0(1 item; a conversation: messages)"
    other = read(items_html([{"pk": "USER#1", "sk": "x"}]))
    assert other.bodies[0][0][0] == "pk = USER#1 \xa0(1 item; not a cruddur key)"


def test_items_html_is_the_same_whatever_order_the_items_come_in(seeded_lab):
    items = scan(seeded_lab).items
    assert items_html(list(reversed(items))) == items_html(items)
    assert "0x" not in items_html(items)  # no object addresses or ids that change per run


def test_item_collections_show_html_in_jupyterlab_and_the_text_view_elsewhere(seeded_lab):
    items = scan(seeded_lab).items
    view = ItemCollections(items)
    assert view._repr_html_() == items_html(items)
    assert repr(view) == format_item_collections(items) == str(view)


def test_item_table_keeps_the_given_order_and_columns():
    items = [
        {"pk": "MSG#g", "sk": "2", "message": "second", "user_handle": "bayko"},
        {"pk": "MSG#g", "sk": "1", "message": "first", "user_handle": "andrewbrown"},
    ]
    view = ItemTable(items, ("sk", "user_handle", "message"))
    table = read(view._repr_html_())
    assert table.head == ["sk", "user_handle", "message"]
    assert table.bodies == [[["2", "bayko", "second"], ["1", "andrewbrown", "first"]]]
    assert view._repr_html_() == items_html(items, ("sk", "user_handle", "message"), grouped=False)
    assert repr(view) == format_items(items, ("sk", "user_handle", "message"))


def test_empty_views_say_so():
    assert items_html([]) == "<p><em>(no items)</em></p>"
    assert items_html([], grouped=False) == "<p><em>(no rows)</em></p>"
    assert repr(ItemCollections([])) == "(no items)"
